"""Antiderivatives in one variable by targeted, bounded methods (no general ``integrate``).

Each rule answers quickly or declines; the first that answers wins (:data:`RULES`):

``powers``
    a sum of ``c w^p`` (the power rule, ``log w`` for ``p = -1``);
``rational``
    a rational function (Hermite reduction and the Lazard-Rioboo-Trager method: :func:`sympy.ratint`);
``exp-rational``
    a rational function of ``exp(c w)`` (hyperbolic functions written as exponentials): with ``x = exp(c w)``, a
    rational integral in ``x``;
``by parts``
    ``P(w) L(w)`` with ``P`` a polynomial and ``L`` a ``log`` or inverse function whose derivative is algebraic:
    ``P_1 L - int P_1 L'`` with ``P_1' = P``;
``risch``
    the Risch algorithm on the integrand with hyperbolic functions written as exponentials
    (:func:`sympy.integrals.risch.risch_integrate`). It is decisive where it applies: an integral it proves
    non-elementary is not searched for further.
``manual``
    SymPy's rule-based ``manualintegrate``, only for integrands of at most :data:`MANUAL_MAX_OPS` operations
    (it can take seconds on larger ones).

``None`` means no elementary antiderivative was found; the engine then keeps the exact ``Integral``, evaluated
by quadrature. A found antiderivative is made real on the interval the flow lives in (``log(g)`` with ``g < 0``
there becomes ``log(-g)``: the same derivative) by :func:`real_on`.
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp
from sympy.integrals.manualintegrate import manualintegrate
from sympy.integrals.rationaltools import ratint
from sympy.integrals.risch import NonElementaryIntegral, risch_integrate

from .intervals import rational_in_exp

__all__ = ["MANUAL_MAX_OPS", "RULES", "antiderivative", "real_on"]

#: Largest integrand (in SymPy operations) given to ``manualintegrate``.
MANUAL_MAX_OPS = 12
_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)
_PARTS = (sp.log, sp.atan, sp.asinh, sp.atanh, sp.acosh)


def _closed(e: sp.Expr | None) -> sp.Expr | None:
    return None if e is None or e.has(sp.Integral, sp.RootSum) else e


def _powers(f: sp.Expr, w: sp.Symbol) -> sp.Expr | None:
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(f)):
        c, rest = term.as_independent(w, as_Add=False)
        if rest == 1:
            total += c * w
            continue
        base, p = rest.as_base_exp()
        if base != w or p.has(w):
            return None
        total += c * (sp.log(w) if p == -1 else w ** (p + 1) / (p + 1))
    return total


def _rational(f: sp.Expr, w: sp.Symbol) -> sp.Expr | None:
    if not f.is_rational_function(w):
        return None
    return _closed(ratint(sp.cancel(f), w))


def _by_parts(f: sp.Expr, w: sp.Symbol) -> sp.Expr | None:
    if not any(isinstance(a, _PARTS) and a.has(w) for a in sp.preorder_traversal(f)):
        return None
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(f)):
        inverse = [a for a in sp.Mul.make_args(term) if isinstance(a, _PARTS) and a.has(w)]
        if len(inverse) != 1:
            part = antiderivative(term, w, rules=_NO_PARTS)
            if part is None:
                return None
            total += part
            continue
        L = inverse[0]
        P = sp.cancel(term / L)
        if not P.is_polynomial(w):
            return None
        P1 = sp.Poly(P, w).integrate().as_expr()
        rest = antiderivative(sp.cancel(P1 * sp.diff(L, w)), w)
        if rest is None:
            return None
        total += P1 * L - rest
    return total


def _exp_rational(f: sp.Expr, w: sp.Symbol) -> sp.Expr | None:
    """``R(exp(c w))``, ``R`` rational: with ``x = exp(c w)`` the integral is ``int R(x) / (c x) dx``, rational."""
    x = sp.Dummy("x", positive=True)
    found = rational_in_exp(f.rewrite(sp.exp) if f.has(*_HYPERBOLIC) else f, w, x)
    if found is None:
        return None
    c, R = found
    out = _closed(ratint(sp.cancel(R / (c * x)), x))
    return None if out is None else out.xreplace({x: sp.exp(c * w)})


def _risch(f: sp.Expr, w: sp.Symbol) -> sp.Expr | None:
    g = f.rewrite(sp.exp) if f.has(*_HYPERBOLIC) else f
    try:
        out = risch_integrate(g, w)
    except NotImplementedError:  # an integrand outside the implemented (exp/log) cases: no verdict
        return None
    if isinstance(out, NonElementaryIntegral):
        raise _ProvedNonElementary
    return _closed(out)


def _manual(f: sp.Expr, w: sp.Symbol) -> sp.Expr | None:
    if sp.count_ops(f) > MANUAL_MAX_OPS:
        return None
    return _closed(manualintegrate(f, w))


class _ProvedNonElementary(Exception):
    """The Risch algorithm proved that no elementary antiderivative exists."""


#: The ordered rules of :func:`antiderivative`.
RULES: tuple[tuple[str, Callable[[sp.Expr, sp.Symbol], sp.Expr | None]], ...] = (
    ("powers", _powers), ("rational", _rational), ("exp-rational", _exp_rational), ("by parts", _by_parts),
    ("risch", _risch), ("manual", _manual))
_NO_PARTS = tuple(r for r in RULES if r[0] != "by parts")


def antiderivative(f: sp.Expr, w: sp.Symbol, *, rules: tuple = RULES) -> sp.Expr | None:
    """An elementary antiderivative of ``f`` in ``w``, or ``None`` (see the module docstring).

    Examples
    --------
    >>> w = sp.Symbol("w", real=True)
    >>> antiderivative(sp.cosh(w) ** 2, w)
    w/2 + exp(2*w)/8 - exp(-2*w)/8
    >>> antiderivative((1 + w**2) * sp.atan(w), w)
    w**3*atan(w)/3 - w**2/6 + w*atan(w) - log(w**2 + 1)/3
    >>> antiderivative(1 / (w**2 + sp.exp(w)), w) is None
    True
    """
    if not f.has(w):
        return f * w
    for _name, rule in rules:
        try:
            out = rule(f, w)
        except _ProvedNonElementary:
            return None
        if out is not None:
            return sp.expand(out) if not out.has(sp.atan, sp.log) else out
    return None


def real_on(F: sp.Expr, w: sp.Symbol, point: sp.Expr, sign: Callable[[sp.Expr], int]) -> sp.Expr:
    """``F`` with every ``log(g)`` whose argument is negative at ``w = point`` replaced by ``log(-g)``.

    ``g`` keeps its sign on the interval the flow lives in (its zeros are singular points of the integrand,
    which bound that interval), so the replacement changes ``F`` by a constant there and makes it real.
    ``sign(x)`` decides the sign of a number in the constants.
    """
    return F.replace(lambda e: isinstance(e, sp.log) and e.args[0].has(w) and sign(e.args[0].subs(w, point)) < 0,
                     lambda e: sp.log(sp.expand(-e.args[0])))
