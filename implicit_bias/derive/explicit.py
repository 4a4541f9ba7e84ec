"""The explicit-regularization comparator: ``R(beta) = min ||w - w0||^2 s.t. phi(w) = beta``.

Woodworth et al. (2020, eqs. 8-9) compare the implicit ``Q`` with this explicit penalty. It is derived by
eliminating ``w`` and the Lagrange multiplier ``lam`` from ``w - w0 = lam grad phi(w)``, ``phi(w) = beta``,
``r = ||w - w0||^2`` (a Groebner basis in lex order), which leaves one polynomial ``P(r; beta) = 0``.
``R(beta)`` is the smallest non-negative real root of ``P`` (for ``u^2 - v^2`` a quartic with two real
roots: the paper's "unique real root" is the smaller one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from .._precision import DEFAULT_DPS
from ..errors import DerivationError, InputError
from ..parametrizations.base import Parametrization
from ..symbols import BETA

__all__ = ["ExplicitRegularizer", "explicit_regularizer"]

R = sp.Symbol("r", nonnegative=True)


@dataclass(frozen=True)
class ExplicitRegularizer:
    """``R(beta)``: the smallest non-negative real root in ``r`` of :attr:`polynomial`."""

    parametrization: Parametrization
    polynomial: sp.Expr

    @property
    def degree(self) -> int:
        return int(sp.Poly(self.polynomial, R).degree())

    def __call__(self, beta: Any, *, dps: int = DEFAULT_DPS, **constants: Any) -> mpmath.mpf:
        """Evaluate ``R(beta)`` at ``dps`` digits; constants (``alpha``, shapes) as keywords."""
        subs = {}
        for s in self.parametrization.constants:
            if s.name not in constants:
                raise InputError(f"constants {constants!r}: missing {s.name!r}; pass it as a keyword, e.g. alpha=0.5")
            subs[s] = sp.Float(str(constants[s.name]), dps + 10)
        with mpmath.workdps(dps + 10):
            poly = sp.Poly(self.polynomial.subs({**subs, BETA: sp.Float(str(beta), dps + 10)}), R)
            coeffs = [mpmath.mpf(str(sp.N(c, dps + 10))) for c in poly.all_coeffs()]
            roots = _polyroots(coeffs, dps)
            tol = mpmath.mpf(10) ** (-(dps // 2))
            real = [mpmath.re(x) for x in roots if abs(mpmath.im(x)) <= tol * (1 + abs(x)) and mpmath.re(x) >= -tol]
        if not real:
            raise DerivationError(f"R({beta}) has no non-negative real root: {roots}")
        return max(min(real), mpmath.mpf(0))


def _polyroots(coeffs: list[mpmath.mpf], dps: int) -> list[mpmath.mpc]:
    """All roots at ``dps`` digits: Durand-Kerner (mpmath); for clustered roots, numpy's eigenvalue
    roots polished by Newton's method at full precision."""
    try:
        return list(mpmath.polyroots(coeffs, maxsteps=400, extraprec=4 * dps))
    except mpmath.libmp.NoConvergence:
        import numpy as np

        poly = lambda x: mpmath.polyval(coeffs, x)  # noqa: E731
        out = []
        for x0 in np.roots([float(c) for c in coeffs]):
            try:
                out.append(mpmath.findroot(poly, mpmath.mpc(x0.real, x0.imag), tol=mpmath.mpf(10) ** (-dps)))
            except (ValueError, ZeroDivisionError):
                out.append(mpmath.mpc(x0.real, x0.imag))
        return out


def explicit_regularizer(p: Parametrization) -> ExplicitRegularizer:
    """Derive the explicit comparator ``R`` for a polynomial parametrization ``p``.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> R_ = explicit_regularizer(ib.diagonal(2))
    >>> R_.degree
    4
    >>> print(mpmath.nstr(R_(1, alpha=1), 5))
    0.11835
    """
    if not p.phi.is_polynomial(*p.params):
        raise DerivationError(f"phi = {p.phi} is not polynomial: the elimination needs a polynomial system")
    lam = sp.Symbol("lam")
    eqs = [w - w0 - lam * sp.diff(p.phi, w) for w, w0 in zip(p.params, p.init, strict=True)]
    eqs += [p.phi - BETA, R - sum((w - w0) ** 2 for w, w0 in zip(p.params, p.init, strict=True))]
    G = sp.groebner([sp.expand(e) for e in eqs], *p.params, lam, R, order="lex", method="f5b")
    last = [g for g in G.exprs if not (g.free_symbols & {*p.params, lam})]
    if not last:
        raise DerivationError(f"elimination left no polynomial in r alone for phi = {p.phi}")
    return ExplicitRegularizer(p, sp.factor(last[0]))
