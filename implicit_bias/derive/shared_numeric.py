"""A commuting model's regularizer as numbers: ``Q``, ``grad Q``, ``Hess Q`` and the dual map ``b = grad Q*``.

Everything is assembled from the blocks' numeric forms (:class:`~implicit_bias.derive.numeric.NumericRegularizer`)
and the mixing ``beta = A phi + c``: ``Q(beta) = sum_j Q_j(s_j)`` with ``s = A^-1 (beta - c)``,
``b(mu) = A b_phi(A^T mu) + c``. Vectors are lists of mpmath numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from .._precision import DEFAULT_DPS, GUARD_DIGITS
from .._validation import check_dps
from ..errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .commuting import CommutingRegularizer
    from .numeric import CoordinateFunctions

__all__ = ["NumericSharedRegularizer", "vector_values"]


def vector_values(x: Any, d: int, name: str) -> list[mpmath.mpf]:
    """``x`` as ``d`` finite mpmath numbers, or an InputError naming ``name``."""
    try:
        values = [v if isinstance(v, mpmath.mpf) else mpmath.mpf(v) for v in x]
    except (TypeError, ValueError):
        raise InputError(f"{name}={x!r}: expected a list of {d} real numbers") from None
    if len(values) != d:
        raise InputError(f"{name}={x!r}: {len(values)} values for a model with {d} outputs; give {d}")
    bad = [i for i, v in enumerate(values) if not mpmath.isfinite(v)]
    if bad:
        raise InputError(f"{name}[{bad[0]}]={x[bad[0]]!r}: must be finite")
    return values


class NumericSharedRegularizer:
    """Numeric form of a :class:`~implicit_bias.derive.commuting.CommutingRegularizer` at ``dps`` digits.

    Methods take a vector (a list of numbers) positionally and the constants as keywords.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> p = ib.Parametrization.from_exprs(["2*(u1**2 - v1**2) + u2**2 - v2**2", "u2**2 - v2**2"], "u1,u2,v1,v2",
    ...                                   dict.fromkeys(["u1", "u2", "v1", "v2"], "alpha"))
    >>> f = ib.derive(p).to_numeric(dps=30)
    >>> mu = f.grad_Q([1, 0.5], alpha=0.5)
    >>> [mpmath.nstr(v, 8) for v in f.b(mu, alpha=0.5)]
    ['1.0', '0.5']
    """

    def __init__(self, reg: CommutingRegularizer, *, dps: int = DEFAULT_DPS) -> None:
        self.reg = reg
        self.dps = check_dps(dps)
        self.d = reg.parametrization.d
        self.constants = reg.constants
        names = list(self.constants)
        m = reg.mixing
        self._A = sp.lambdify(names, m.A, modules="mpmath")
        self._c = sp.lambdify(names, m.offset, modules="mpmath")
        self._beta0 = sp.lambdify(names, sp.Matrix(reg.beta0), modules="mpmath")
        self._kernel = sp.lambdify(names, reg.kernel, modules="mpmath")
        self._blocks = [r.to_numeric(dps=dps) for r in reg.blocks]
        self._block_names = [[s.name for s in r.constants] for r in reg.blocks]

    # ------------------------------------------------------------------ arguments
    def _values(self, given: dict[str, Any]) -> dict[str, mpmath.mpf]:
        names = [s.name for s in self.constants]
        unknown = sorted(set(given) - set(names))
        missing = [n for n in names if n not in given]
        if unknown or missing:
            raise InputError(f"constants {given!r}: " + (f"missing {missing} " if missing else "")
                             + (f"unknown {unknown} " if unknown else "") + f"; pass exactly {names} as keywords")
        out = {}
        for s in self.constants:
            v = given[s.name] if isinstance(given[s.name], mpmath.mpf) else mpmath.mpf(given[s.name])
            if not mpmath.isfinite(v) or (s.is_positive and v <= 0):
                raise InputError(f"{s.name}={given[s.name]!r}: must be finite" + (" and > 0" if s.is_positive else ""))
            out[s.name] = v
        return out

    def _mixing(self, values: dict[str, mpmath.mpf]) -> tuple[mpmath.matrix, mpmath.matrix]:
        args = [values[s.name] for s in self.constants]
        return mpmath.matrix(self._A(*args)), mpmath.matrix(self._c(*args))

    def _block(self, j: int, values: dict[str, mpmath.mpf]) -> dict[str, mpmath.mpf]:
        return {n: values[n] for n in self._block_names[j]}

    def _coords(self, beta: Sequence[Any], values: dict[str, mpmath.mpf]) -> tuple[mpmath.matrix, list[Any]]:
        A, c = self._mixing(values)
        s = mpmath.lu_solve(A, mpmath.matrix(vector_values(beta, self.d, "beta")) - c)
        return A, [s[j] for j in range(self.d)]

    # ------------------------------------------------------------------ evaluations
    def Q(self, beta: Sequence[Any], **constants: Any) -> mpmath.mpf:
        """``Q(beta)`` (``+inf`` outside the domain)."""
        values = self._values(constants)
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            _A, s = self._coords(beta, values)
            total = mpmath.fsum(f.Q(s[j], **self._block(j, values)) for j, f in enumerate(self._blocks))
        return +total

    def grad_Q(self, beta: Sequence[Any], **constants: Any) -> list[mpmath.mpf]:
        """``grad Q(beta) = A^-T (Q_j'(s_j))_j``: the dual point ``mu`` with ``b(mu) = beta``."""
        values = self._values(constants)
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            A, s = self._coords(beta, values)
            inner = mpmath.matrix([f.grad_Q(s[j], **self._block(j, values)) for j, f in enumerate(self._blocks)])
            out = mpmath.lu_solve(A.T, inner)
            return [+out[i] for i in range(self.d)]

    def hess_Q(self, beta: Sequence[Any], **constants: Any) -> mpmath.matrix:
        """``Hess Q(beta) = A^-T diag(Q_j''(s_j)) A^-1``."""
        values = self._values(constants)
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            A, s = self._coords(beta, values)
            Ainv = mpmath.inverse(A)
            diag = mpmath.diag([f.hess_Q(s[j], **self._block(j, values)) for j, f in enumerate(self._blocks)])
            return Ainv.T * diag * Ainv

    def b(self, mu: Sequence[Any], **constants: Any) -> list[mpmath.mpf]:
        """The dual map ``b(mu) = grad Q*(mu) = G(psi(mu))``."""
        values = self._values(constants)
        with mpmath.workdps(self.dps + GUARD_DIGITS):
            A, c = self._mixing(values)
            sigma = A.T * mpmath.matrix(vector_values(mu, self.d, "mu"))
            inner = mpmath.matrix([f.b(sigma[j], **self._block(j, values)) for j, f in enumerate(self._blocks)])
            out = A * inner + c
            return [+out[i] for i in range(self.d)]

    def beta0(self, **constants: Any) -> list[mpmath.mpf]:
        """``G(w0)``."""
        values = self._values(constants)
        out = self._beta0(*[values[s.name] for s in self.constants])
        return [mpmath.mpf(out[i]) for i in range(self.d)]

    def kernel(self, **constants: Any) -> mpmath.matrix:
        """The tangent kernel ``J eta J^T`` at ``w0``: ``Hess Q(beta0)^-1``."""
        values = self._values(constants)
        return mpmath.matrix(self._kernel(*[values[s.name] for s in self.constants]))

    def mixing(self, **constants: Any) -> tuple[mpmath.matrix, mpmath.matrix, list[CoordinateFunctions]]:
        """``(A, c, maps)``: the mixing and each block's dual map at these constants, for the reference solver."""
        values = self._values(constants)
        A, c = self._mixing(values)
        return A, c, [f.coordinate(**self._block(j, values)) for j, f in enumerate(self._blocks)]
