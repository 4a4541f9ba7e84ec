"""Reference solutions for vector models: ``argmin Q(beta) s.t. X beta = y`` when ``Q`` is not separable.

* A commuting model mixes separable blocks, ``beta = A phi + c`` (:mod:`implicit_bias.derive.mixing`), so
  ``Q(beta) = sum_j Q_j((A^-1 (beta - c))_j)`` and the problem is separable in ``s = A^-1 (beta - c)``:
  ``argmin sum_j Q_j(s_j) s.t. (X A) s = y - X c``, which :func:`~implicit_bias.reference.argmin_Q` solves with the
  blocks' dual maps (:func:`argmin_Q_mixed`). Its dual variable is that of the vector map ``b(mu) = A b_phi(A^T mu)
  + c``: this is the dual solver over the vector map.
* The kernel-regime interpolant ``beta0 + K X^T (X K X^T)^-1 (y - X beta0)`` for a tangent kernel ``K``: the
  minimizer of the quadratic ``(beta - beta0)^T K^-1 (beta - beta0)`` every ``Q`` tends to at large scale
  (:func:`kernel_interpolant`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import mpmath

from .._precision import DEFAULT_DPS, GUARD_DIGITS
from .._validation import check_dps, check_problem
from ..results import Status
from .base import CoordinateMap, ReferenceSolution
from .dual import argmin_Q
from .norms import min_l1

__all__ = ["argmin_Q_mixed", "kernel_interpolant", "min_l1_mixed"]


def _mixed_problem(A: mpmath.matrix, c: mpmath.matrix, X: Any, y: Any
                   ) -> tuple[mpmath.matrix, list[list[mpmath.mpf]], list[mpmath.mpf]]:
    Xm, ym, n, d = check_problem(X, y)
    Xp = mpmath.matrix(Xm)
    XA = Xp * A
    rhs = mpmath.matrix(ym) - Xp * c
    return Xp, [[XA[i, j] for j in range(d)] for i in range(n)], [rhs[i] for i in range(n)]


def argmin_Q_mixed(A: mpmath.matrix, c: mpmath.matrix, maps: Sequence[CoordinateMap], X: Any, y: Any, *,
                   dps: int = DEFAULT_DPS, progress: bool | None = None, max_time: float | None = None
                   ) -> ReferenceSolution:
    """``argmin sum_j Q_j((A^-1 (beta - c))_j) s.t. X beta = y`` at ``dps`` digits.

    Parameters
    ----------
    A, c : mpmath.matrix
        The mixing ``beta = A s + c`` (``d x d`` invertible, ``d x 1``).
    maps : sequence of CoordinateMap
        Block ``j``'s dual map ``b_j = (Q_j*)'``.

    Returns
    -------
    ReferenceSolution
        ``beta = A s + c``; ``dual`` is ``lam`` with ``grad Q(beta) = X^T lam``; ``extra["s"]`` the block values.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> p = ib.Parametrization.from_exprs(["u1**2 - v1**2 + u2**2 - v2**2", "u2**2 - v2**2", "u3**2 - v3**2"],
    ...     "u1,u2,u3,v1,v2,v3", dict.fromkeys(["u1", "u2", "u3", "v1", "v2", "v3"], "alpha"))
    >>> A, c, maps = ib.derive(p).to_numeric(dps=30).mixing(alpha=0.3)
    >>> sol = argmin_Q_mixed(A, c, maps, [[1, 2, 0.5]], [1], dps=30)
    >>> sol.success, [round(float(b), 6) for b in sol.beta]
    (True, [0.37984, 0.30037, 0.038841])
    """
    dps = check_dps(dps)
    with mpmath.workdps(dps + GUARD_DIGITS):
        _Xp, XA, rhs = _mixed_problem(A, c, X, y)
        sol = argmin_Q(maps, XA, rhs, dps=dps, progress=progress, max_time=max_time)
        s = mpmath.matrix(list(sol.beta)) if sol.beta else mpmath.matrix(A.rows, 1)
        beta = A * s + c
        return ReferenceSolution([+beta[i] for i in range(A.rows)], sol.objective, list(sol.dual),
                                 dict(sol.kkt_residual), sol.iterations, sol.status, sol.message, dps,
                                 {**sol.extra, "s": list(sol.beta)})


def min_l1_mixed(A: mpmath.matrix, c: mpmath.matrix, X: Any, y: Any, *, dps: int = DEFAULT_DPS
                 ) -> ReferenceSolution:
    """``A s + c`` with ``s = argmin ||s||_1 s.t. X (A s + c) = y``: the rich limit of a mixing of hypentropies."""
    with mpmath.workdps(dps + GUARD_DIGITS):
        _Xp, XA, rhs = _mixed_problem(A, c, X, y)
        sol = min_l1(XA, rhs, dps=dps)
        beta = A * mpmath.matrix(list(sol.beta)) + c if sol.beta else mpmath.matrix(A.rows, 1)
        return ReferenceSolution([+beta[i] for i in range(A.rows)], sol.objective, list(sol.dual),
                                 dict(sol.kkt_residual), sol.iterations, sol.status, sol.message, dps)


def kernel_interpolant(K: mpmath.matrix, beta0: Sequence[mpmath.mpf], X: Any, y: Any, *, dps: int = DEFAULT_DPS
                       ) -> ReferenceSolution:
    """``beta0 + K X^T (X K X^T)^-1 (y - X beta0)``: ``argmin (beta - beta0)^T K^-1 (beta - beta0) s.t. X beta = y``.

    Examples
    --------
    >>> sol = kernel_interpolant(mpmath.eye(3), [0, 0, 0], [[1, 1, 0]], [2], dps=20)
    >>> [float(b) for b in sol.beta]
    [1.0, 1.0, 0.0]
    """
    dps = check_dps(dps)
    Xm, ym, n, d = check_problem(X, y)
    with mpmath.workdps(dps + GUARD_DIGITS):
        Xp, b0 = mpmath.matrix(Xm), mpmath.matrix(list(beta0))
        r = mpmath.matrix(ym) - Xp * b0
        lam = mpmath.lu_solve(Xp * K * Xp.T, r)
        beta = b0 + K * Xp.T * lam
        resid = mpmath.norm(Xp * beta - mpmath.matrix(ym), mpmath.inf) / (1 + max(abs(v) for v in ym))
        return ReferenceSolution([+beta[i] for i in range(d)], ((beta - b0).T * mpmath.lu_solve(K, beta - b0))[0],
                                 [+lam[i] for i in range(n)], {"primal": resid, "stationarity": mpmath.mpf(0)}, 1,
                                 Status.SUCCESS, "closed form", dps)
