"""Step 1 of a derivation: the dual curve ``b(sigma) = phi(w(sigma))``, by the first method that solves the flow.

Each method is a ``matches()`` / ``solve()`` pair in an ordered registry (:data:`CURVE_METHODS`); a method that
matches but cannot finish raises :class:`~implicit_bias.errors.MethodDoesNotApply` with its reason, and the next
one is tried. When none finishes, :class:`~implicit_bias.errors.DerivationError` reports every method's reason.
The curve itself (:class:`~implicit_bias.derive.dual_curve.DualCurve`) and the first method (separable models,
:mod:`implicit_bias.derive.separable`) live in their own modules; the two methods for models whose parameters
interact (a quadratic form; a single monomial) are here.
"""

from __future__ import annotations

import sympy as sp

from ..errors import DerivationError, MethodDoesNotApply
from ..parametrizations.base import Parametrization
from ..symbols import SIGMA, combine_real_radicals
from .dual_curve import CurveMethod, DualCurve
from .separable import Separable

__all__ = ["CURVE_METHODS", "SIGMA", "CurveMethod", "DualCurve", "solve_curve"]


def _integrate_termwise(b: sp.Expr, s: sp.Symbol) -> sp.Expr:
    """``int_0^s b``, term by term; a term with no elementary antiderivative stays an exact ``Integral``."""
    total = sp.Integer(0)
    for term in sp.Add.make_args(b):
        anti = sp.integrate(term, s)
        if anti.has(sp.Integral):  # non-elementary: keep the exact integral, evaluated by quadrature
            tau = sp.Dummy("tau", real=True)
            total += sp.Integral(term.subs(s, tau), (tau, 0, s))
        else:
            # the flow starts at s = 0, where a log's argument may be negative (SymPy's antiderivative of
            # 1/(c - s) is log(s - c)): log(-A) differs from log(A) by a constant, which the subtraction drops
            anti = anti.replace(lambda e: isinstance(e, sp.log) and bool(e.args[0].subs(s, 0).is_negative),
                                lambda e: sp.log(sp.expand(-e.args[0])))
            total += anti - anti.subs(s, 0)
    return total


# ---------------------------------------------------------------------------------------------------------
# Method 2: grad phi linear in w (phi a quadratic form): a matrix exponential.
# ---------------------------------------------------------------------------------------------------------
class LinearFlow(CurveMethod):
    """``phi`` quadratic, so ``dw/dsigma = diag(eta) H w`` with a constant ``H``: ``w = exp(sigma A) w0``."""

    name = "linear"

    def matches(self, p: Parametrization) -> bool:
        poly = sp.Poly(p.phi, *p.params) if p.phi.is_polynomial(*p.params) else None
        return poly is not None and poly.total_degree() == 2 and all(
            sum(m) == 2 for m in poly.monoms()
        )

    def solve(self, p: Parametrization) -> DualCurve:
        s = SIGMA
        H = sp.hessian(p.phi, p.params)
        E = ((sp.diag(*p.lr) * H) * s).exp()
        z = sp.symbols(f"z0:{p.k}", cls=sp.Dummy)
        wz = E * sp.Matrix(z)
        weights = tuple(sp.expand(e.subs(dict(zip(z, p.init, strict=True)))) for e in wz)
        bz = sp.Poly(sp.expand(p.phi.subs(dict(zip(p.params, wz, strict=True)), simultaneous=True)), *z)
        # b is a quadratic form in w0; each product w0_j w0_k is combined as one radical (valid: w0 is real)
        b = sp.Integer(0)
        for monom, coeff in bz.terms():
            prod = sp.Mul(*[w0**e for w0, e in zip(p.init, monom, strict=True)])
            b += sp.expand(coeff) * combine_real_radicals(prod)
        b = sp.expand(b)
        B = _integrate_termwise(b, s)
        return DualCurve(s, s, weights, b, B, (-sp.oo, sp.oo), sp.Integer(0), True, self.name)


# ---------------------------------------------------------------------------------------------------------
# Method 3: phi a monomial c * prod w_j^{p_j}: reduce with conserved quantities to a quadrature.
# ---------------------------------------------------------------------------------------------------------
class MonomialConserved(CurveMethod):
    """``phi = c prod_j w_j^{p_j}``: ``w_j^2/(eta_j p_j) - w_l^2/(eta_l p_l)`` is conserved.

    From ``dw_j/dsigma = eta_j p_j phi / w_j`` every ``w_j dw_j / (eta_j p_j) = phi dsigma`` is the same
    one-form, so with ``m = int phi dsigma`` (the conjugate ``B``) each ``w_j^2 = w_j0^2 + 2 eta_j p_j m``.
    The curve is parametrized by ``t``, the parameter that reaches zero first (smallest
    ``w_j0^2 / (eta_j p_j)``); the others keep their signs, so ``t`` is monotone in ``sigma`` and
    ``sigma(t) = int_{t0}^t dt' / (eta_1 p_1 prod_{l != 1} w_l(t')^{p_l} c t'^{p_1 - 1})``.
    """

    name = "monomial-conserved"

    def matches(self, p: Parametrization) -> bool:
        if len(p.params) < 2:
            return False
        c, powers = _monomial_powers(p)
        return c is not None and all(q >= 1 for q in powers)

    def solve(self, p: Parametrization) -> DualCurve:
        c, powers = _monomial_powers(p)
        assert c is not None
        ratios = [sp.expand(w0**2 / (eta * q)) for w0, eta, q in zip(p.init, p.lr, powers, strict=True)]
        for w, r in zip(p.params, ratios, strict=True):
            if r == 0:
                raise MethodDoesNotApply(f"{w} starts at 0")
        first = _argmin_symbolic(ratios)
        w10, eta1, q1 = p.init[first], p.lr[first], powers[first]
        sign_t = sp.sign(w10)
        if sign_t == 0 or not sign_t.is_number:
            raise MethodDoesNotApply(f"cannot decide the sign of the initialization {w10}")
        balanced = [
            j for j, (w0, eta, q) in enumerate(zip(p.init, p.lr, powers, strict=True))
            if j != first and sp.expand(w0**2 - eta * q * w10**2 / (eta1 * q1)) == 0
        ]
        # t crosses 0 only if it alone vanishes there to first order; otherwise grad phi = 0 at t = 0
        one_signed = bool(balanced) or q1 >= 2
        t = sp.Symbol("t", positive=True) if one_signed and sign_t > 0 else (
            sp.Symbol("t", negative=True) if one_signed else sp.Symbol("t", real=True))
        m = (t**2 - w10**2) / (2 * eta1 * q1)  # = int phi dsigma, from the conserved quantities
        weights: list[sp.Expr] = []
        equal: list[bool] = []
        for j, (w0, eta, q) in enumerate(zip(p.init, p.lr, powers, strict=True)):
            if j == first:
                weights.append(t)
                equal.append(True)
                continue
            c_j = sp.expand(w0**2 - eta * q * w10**2 / (eta1 * q1))
            r_j = sp.expand(eta * q / (eta1 * q1))
            equal.append(c_j == 0)
            sign_j = sp.sign(w0)
            if sign_j == 0 or not sign_j.is_number:
                raise MethodDoesNotApply(f"cannot decide the sign of the initialization {w0}")
            if c_j == 0:
                # balanced with the first parameter: w_j = sign * sqrt(r_j) |t|, t keeps its sign
                weights.append(sp.expand(sign_j * sp.sign(w10) * sp.sqrt(r_j) * t))
            else:
                weights.append(sign_j * sp.sqrt(c_j + r_j * t**2))
        b = c * sp.Mul(*[wj**q for wj, q in zip(weights, powers, strict=True)])
        rate = eta1 * q1 * b / t  # dt/dsigma
        positive_half: tuple[sp.Expr, sp.Expr] = (sp.Integer(0), sp.oo)
        negative_half: tuple[sp.Expr, sp.Expr] = (-sp.oo, sp.Integer(0))
        domain = (positive_half if sign_t > 0 else negative_half) if one_signed else (-sp.oo, sp.oo)
        tau = sp.Dummy("tau", real=True)
        integrand = sp.powsimp(sp.expand_power_base(1 / rate.subs(t, tau), force=False))
        distinct_quadratics = {wj for wj, eq in zip(weights, equal, strict=True) if not eq}
        sigma: sp.Expr
        if len(distinct_quadratics) <= 1:
            anti = sp.integrate(integrand, tau)
            sigma = (
                sp.Integral(integrand, (tau, w10, t))
                if anti.has(sp.Integral)
                else sp.expand(anti.subs(tau, t) - anti.subs(tau, w10))
            )
        else:
            # 1/sqrt of a product of two or more distinct quadratics: an elliptic (non-elementary) integral
            sigma = sp.Integral(integrand, (tau, w10, t))
        db_dt = sp.diff(b, t).subs(t, w10)
        increasing = bool(sp.sign(sp.expand(db_dt)) > 0)
        return DualCurve(t, sigma, tuple(weights), b, sp.expand(m), domain, w10, increasing, self.name)


def _monomial_powers(p: Parametrization) -> tuple[sp.Expr | None, list[int]]:
    if not p.phi.is_polynomial(*p.params):
        return None, []
    poly = sp.Poly(p.phi, *p.params)
    if len(poly.terms()) != 1:
        return None, []
    monom, coeff = poly.terms()[0]
    return coeff, list(monom)


def _argmin_symbolic(values: list[sp.Expr]) -> int:
    best = 0
    for j in range(1, len(values)):
        diff = sp.expand(values[j] - values[best])
        if diff.is_negative:
            best = j
        elif diff.is_nonnegative is None and diff != 0:
            raise MethodDoesNotApply(f"cannot order {values[j]} and {values[best]}: give numeric or ordered shapes")
    return best


#: The ordered registry: the first method whose ``matches`` holds and that finishes wins.
CURVE_METHODS: tuple[CurveMethod, ...] = (Separable(), LinearFlow(), MonomialConserved())


def solve_curve(p: Parametrization) -> DualCurve:
    """Solve the flow of ``eta * grad phi`` from ``w0`` with the first method that applies.

    Examples
    --------
    >>> from implicit_bias.parametrizations import Parametrization
    >>> p = Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": "alpha", "v": "alpha"})
    >>> c = solve_curve(p)
    >>> c.method, c.b
    ('separable', alpha**2*exp(4*sigma) - alpha**2*exp(-4*sigma))
    """
    reasons = []
    for method in CURVE_METHODS:
        if not method.matches(p):
            continue
        try:
            return method.solve(p)
        except MethodDoesNotApply as exc:
            reasons.append(f"{method.name}: {exc}")
    tried = "; ".join(reasons) if reasons else "no method matches its structure"
    raise DerivationError(
        f"cannot solve the flow of eta*grad(phi) for phi = {p.phi} from w0 = {p.init} ({tried}). Supported: "
        "phi a sum of functions of one parameter each, a quadratic form, or a single monomial c*prod w_j^p_j"
    )
