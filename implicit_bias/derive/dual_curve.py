"""The dual curve ``b(sigma) = phi(w(sigma))`` of a parametrization, and the base class of the methods solving it.

Along gradient flow each coordinate's parameters move on the integral curve of ``eta * grad phi``,
time-changed by the dual signal ``sigma_i(t) = -int_0^t (X^T r)_i``:

    dw/dsigma = eta * grad phi(w),   w(0) = w0,   b(sigma) = phi(w(sigma)).

A :class:`DualCurve` holds that solution in a curve parameter ``p``: either ``p = sigma`` (the flow solved in
``sigma``, possibly through exact implicit functions) or a parameter of the flow such as one of the weights,
with ``sigma(p)`` a closed form or a quadrature. It always carries ``B(p) = int_0^sigma b`` (the conjugate ``Q*``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import sympy as sp

from ..parametrizations.base import Parametrization
from ..symbols import SIGMA

__all__ = ["SIGMA", "CurveMethod", "DualCurve"]


@dataclass(frozen=True)
class DualCurve:
    """The flow of ``eta * grad phi`` from ``w0``, in a curve parameter ``param``.

    Attributes
    ----------
    param : sympy.Symbol
        The curve parameter; :data:`SIGMA` itself when the flow was solved explicitly.
    sigma : sympy.Expr
        ``sigma`` as a function of ``param`` (``param`` itself, a closed form or a ``sympy.Integral``).
    weights : tuple of sympy.Expr
        The parameters ``w(param)`` along the curve.
    b : sympy.Expr
        ``phi(w(param))``.
    B : sympy.Expr
        ``int_0^sigma b dsigma`` as a function of ``param``: the conjugate ``Q*``.
    domain : tuple of sympy.Expr
        The open interval of ``param`` on which the curve exists (``-oo``/``oo`` allowed).
    param0 : sympy.Expr
        The value of ``param`` at ``sigma = 0`` (the initialization).
    increasing : bool
        Whether ``b`` increases with ``param`` (it always increases with ``sigma``).
    method : str
        The name of the method that produced the curve.
    b_range : tuple of sympy.Expr, optional
        The range of ``b`` over the domain (the domain of ``Q``), when the method knows it from the flow; else it
        is found from ``b`` by limits.
    """

    param: sp.Symbol
    sigma: sp.Expr
    weights: tuple[sp.Expr, ...]
    b: sp.Expr
    B: sp.Expr
    domain: tuple[sp.Expr, sp.Expr]
    param0: sp.Expr
    increasing: bool
    method: str
    b_range: tuple[sp.Expr, sp.Expr] | None = None

    @property
    def explicit(self) -> bool:
        """True when the curve is parametrized by ``sigma`` itself."""
        return self.param == SIGMA

    @property
    def sigma_is_closed(self) -> bool:
        """True when ``sigma(param)`` has no unevaluated integral."""
        return not self.sigma.has(sp.Integral)

    @property
    def sigma_domain(self) -> tuple[sp.Expr, sp.Expr]:
        """The interval of ``sigma`` (the range of ``grad Q``), when it is known in closed form."""
        if self.explicit:
            return self.domain
        ends = tuple(_limit_at(self.sigma, self.param, e) for e in self.domain)
        return (ends[0], ends[1]) if self.increasing == _sigma_increasing(self) else (ends[1], ends[0])


def _sigma_increasing(curve: DualCurve) -> bool:
    """Direction of sigma in the curve parameter, from the sign of dsigma/dparam at param0."""
    d = sp.diff(curve.sigma, curve.param).subs(curve.param, curve.param0)
    return bool(sp.sign(sp.expand(d)) > 0)


def _limit_at(expr: sp.Expr, x: sp.Symbol, end: sp.Expr) -> sp.Expr:
    if expr.has(sp.Integral):
        return sp.nan  # not closed; the numeric layer brackets it instead
    return sp.limit(expr, x, end, "-" if end == sp.oo else "+")


class CurveMethod(ABC):
    """One way of solving ``dw/dsigma = eta * grad phi(w)``: a ``matches`` / ``solve`` pair."""

    name: str = ""

    @abstractmethod
    def matches(self, p: Parametrization) -> bool:
        """Cheap structural test: could this method apply to ``p``?"""

    @abstractmethod
    def solve(self, p: Parametrization) -> DualCurve:
        """Solve the flow; raise :class:`~implicit_bias.errors.MethodDoesNotApply` if it cannot finish."""
