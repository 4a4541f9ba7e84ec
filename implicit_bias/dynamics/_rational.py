"""Exact rational arithmetic for the limit processes: inputs converted without rounding, and the
sign-constrained least-squares problem solved by an active-set method in exact arithmetic.

Every float (and every mpmath number) is a rational number, so a recursion built from linear solves, products
and comparisons -- the saddle-to-saddle algorithm -- can be carried out exactly: no tolerance decides which
coordinate is active, and ties or degeneracies are seen as what they are (exact equalities).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import flint
import mpmath
import numpy as np
from mpmath.libmp import from_rational, round_nearest

from ..errors import InputError, NumericalError

__all__ = ["exact", "exact_problem", "gram", "sign_constrained_lsq", "to_mpf"]


def exact(value: Any, name: str) -> flint.fmpq:
    """The exact rational value of a finite int, float, Fraction or mpmath number."""
    if isinstance(value, bool):
        raise InputError(f"{name}={value!r}: expected a real number, not a bool")
    if isinstance(value, flint.fmpq):
        return value
    if isinstance(value, int | np.integer):
        return flint.fmpq(int(value))
    if isinstance(value, Fraction):
        return flint.fmpq(value.numerator, value.denominator)
    if isinstance(value, mpmath.mpf):
        if not mpmath.isfinite(value):
            raise InputError(f"{name}={value!r}: must be finite (no NaN/inf)")
        man, exp = int(value.man), int(value.exp)
        return flint.fmpq(man * 2**exp) if exp >= 0 else flint.fmpq(man, 2**-exp)
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name}={value!r}: expected a real number") from None
    if not np.isfinite(f):
        raise InputError(f"{name}={value!r}: must be finite (no NaN/inf)")
    return flint.fmpq(*f.as_integer_ratio())


def exact_problem(X: Any, y: Any) -> tuple[list[list[flint.fmpq]], list[flint.fmpq]]:
    """``X`` (``n x d``, any shape) and ``y`` (length ``n``) as exact rationals; InputError on bad shapes/values."""
    rows = [[X[i, j] for j in range(X.cols)] for i in range(X.rows)] if isinstance(X, mpmath.matrix) else X
    arr = np.array(rows, dtype=object)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"X has shape {arr.shape}: expected a non-empty 2-D array (n samples x d features)")
    yv = [y[i] for i in range(len(y))] if isinstance(y, mpmath.matrix) else np.array(y, dtype=object).ravel()
    if len(yv) != arr.shape[0]:
        raise InputError(f"y has {len(yv)} entries but X has {arr.shape[0]} rows; give one label per row")
    Xq = [[exact(arr[i, j], f"X[{i}, {j}]") for j in range(arr.shape[1])] for i in range(arr.shape[0])]
    return Xq, [exact(v, f"y[{i}]") for i, v in enumerate(yv)]


def gram(Xq: Sequence[Sequence[flint.fmpq]], yq: Sequence[flint.fmpq]) -> tuple[flint.fmpq_mat, flint.fmpq_mat,
                                                                                flint.fmpq]:
    """``G = X^T X / n``, ``c = X^T y / n`` and ``y^T y / (2n)``: ``L(beta) = beta^T G beta / 2 - c^T beta + that``."""
    n, d = len(Xq), len(Xq[0])
    Xm = flint.fmpq_mat(n, d, [v for row in Xq for v in row])
    ym = flint.fmpq_mat(n, 1, list(yq))
    Xt = Xm.transpose()
    return (Xt * Xm) / n, (Xt * ym) / n, sum((v * v for v in yq), flint.fmpq(0)) / (2 * n)


def sign_constrained_lsq(G: flint.fmpq_mat, c: flint.fmpq_mat, signs: dict[int, int]) -> dict[int, flint.fmpq]:
    """``argmin beta^T G beta / 2 - c^T beta`` s.t. ``signs[i] * beta_i >= 0`` on ``signs``' keys, 0 elsewhere.

    Lawson & Hanson's active-set method (1974, *Solving Least Squares Problems*, Ch. 23) on ``z_i = signs[i]
    beta_i >= 0``, in exact arithmetic, so it terminates and its answer satisfies the KKT conditions exactly.
    Returns the nonzero entries ``{i: beta_i}``. Raises :class:`NumericalError` if a subproblem is singular
    (columns of ``X`` on the free set linearly dependent: the constrained minimizer is then not unique).
    """
    idx = sorted(signs)
    s = {i: flint.fmpq(signs[i]) for i in idx}
    z = {i: flint.fmpq(0) for i in idx}
    free: list[int] = []

    def dual(i: int) -> flint.fmpq:  # -d/dz_i of the objective
        return s[i] * (c[i, 0] - sum((G[i, j] * s[j] * z[j] for j in free), flint.fmpq(0)))

    for _ in range(10 * len(idx) + 10):
        w = {i: dual(i) for i in idx if i not in free}
        best = max((i for i in w if w[i] > 0), key=lambda i: (w[i], -i), default=None)
        if best is None:
            return {i: s[i] * z[i] for i in free if z[i] != 0}
        free.append(best)
        while True:
            zf = _free_solve(G, c, s, free)
            if all(v > 0 for v in zf.values()):
                z.update(zf)
                break
            step = min(z[i] / (z[i] - zf[i]) for i in free if zf[i] <= 0)
            for i in free:
                z[i] += step * (zf[i] - z[i])
            free = [i for i in free if z[i] > 0]
            for i in idx:
                if i not in free:
                    z[i] = flint.fmpq(0)
    raise NumericalError("sign-constrained least squares: the active-set method did not terminate")


def _free_solve(G: flint.fmpq_mat, c: flint.fmpq_mat, s: dict[int, flint.fmpq], free: list[int]
                ) -> dict[int, flint.fmpq]:
    """Unconstrained minimizer over the free coordinates (in the signed variables ``z``)."""
    m = len(free)
    A = flint.fmpq_mat(m, m, [s[i] * s[j] * G[i, j] for i in free for j in free])
    b = flint.fmpq_mat(m, 1, [s[i] * c[i, 0] for i in free])
    try:
        sol = A.solve(b)
    except ZeroDivisionError:
        raise NumericalError(f"sign-constrained least squares: the columns {free} of X are linearly dependent, so "
                             "the constrained minimizer is not unique") from None
    return {i: sol[k, 0] for k, i in enumerate(free)}


def to_mpf(q: flint.fmpq) -> mpmath.mpf:
    """A rational as an mpmath number at the current ``mpmath.mp.prec``, correctly rounded (one rounding)."""
    return mpmath.mpf(from_rational(int(q.p), int(q.q), mpmath.mp.prec, round_nearest))
