"""Step 1 of a derivation: the dual curve ``b(sigma) = phi(w(sigma))``.

Along gradient flow each coordinate's parameters move on the integral curve of ``eta * grad phi``,
time-changed by the dual signal ``sigma_i(t) = -int_0^t (X^T r)_i``:

    dw/dsigma = eta * grad phi(w),   w(0) = w0,   b(sigma) = phi(w(sigma)).

This module solves that ODE symbolically. Each method is a ``matches()`` / ``solve()`` pair in an
ordered registry (:data:`CURVE_METHODS`); a method that matches but cannot finish raises
:class:`~implicit_bias.errors.MethodDoesNotApply` and the next one is tried.

The result is a :class:`DualCurve` in a curve parameter ``p``: either ``p = sigma`` (the flow solved
explicitly) or a parameter of the flow such as one of the weights, with ``sigma(p)`` a closed form or
a quadrature. It always carries ``B(p) = int_0^sigma b`` (the conjugate ``Q*``) in closed form.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import sympy as sp

from ..errors import DerivationError, MethodDoesNotApply
from ..parametrizations.base import Parametrization
from ..symbols import SIGMA, combine_real_radicals

__all__ = ["CURVE_METHODS", "SIGMA", "CurveMethod", "DualCurve", "solve_curve"]

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
        """Solve the flow; raise :class:`MethodDoesNotApply` if it cannot finish."""


# ---------------------------------------------------------------------------------------------------------
# Method 1: every parameter moves on its own (phi = sum_j f_j(w_j)), each f_j' a monomial.
# ---------------------------------------------------------------------------------------------------------
class Componentwise(CurveMethod):
    """``phi = sum_j f_j(w_j)``: each parameter solves its own autonomous ODE ``w' = eta c w^q``.

    The solutions are built, not searched for: ``q = 0`` gives ``w0 + eta c sigma``; ``q = 1`` gives
    ``w0 exp(eta c sigma)``; otherwise ``w0 (1 - (q-1) eta c w0^(q-1) sigma)^(-1/(q-1))``, the branch
    through ``w0``, which exists while the bracket is positive (finite-sigma blow-up for ``q > 1``).
    """

    name = "componentwise"

    def matches(self, p: Parametrization) -> bool:
        grads = p.grad_phi
        return all(
            g.free_symbols & set(p.params) <= {w} for w, g in zip(p.params, grads, strict=True)
        ) and all(g != 0 for g in grads)

    def solve(self, p: Parametrization) -> DualCurve:
        s = SIGMA
        weights: list[sp.Expr] = []
        lo: list[sp.Expr] = []
        hi: list[sp.Expr] = []
        for w, w0, eta, g in zip(p.params, p.init, p.lr, p.grad_phi, strict=True):
            try:
                c, q = _monomial(g, w)
            except MethodDoesNotApply:
                w_s, w_lo, w_hi = _solve_autonomous(sp.expand(eta * g), w, w0, s)
                weights.append(w_s)
                lo += [w_lo] if w_lo != -sp.oo else []
                hi += [w_hi] if w_hi != sp.oo else []
                continue
            rate = sp.expand(eta * c)
            if q == 0:
                weights.append(w0 + rate * s)
            elif q == 1:
                weights.append(w0 * sp.exp(rate * s))
            else:
                if w0 == 0:
                    raise MethodDoesNotApply(f"{w} starts at 0, a fixed point of {w}' = {rate}*{w}**{q}")
                k = sp.expand((q - 1) * rate * w0 ** (q - 1))
                weights.append(w0 * (1 - k * s) ** (-1 / sp.Integer(q - 1)))
                blow = 1 / k
                if k.is_positive:
                    hi.append(blow)
                elif k.is_negative:
                    lo.append(blow)
                else:
                    raise MethodDoesNotApply(f"cannot decide the sign of {k} (the blow-up side of {w})")
        b = p.phi.subs(dict(zip(p.params, weights, strict=True)), simultaneous=True)
        B = _integrate_termwise(b, s)
        dom = (_tightest(lo, max_=True), _tightest(hi, max_=False))
        return DualCurve(s, s, tuple(weights), b, B, dom, sp.Integer(0), True, self.name)


def _monomial(g: sp.Expr, w: sp.Symbol) -> tuple[sp.Expr, int]:
    """Write ``g = c * w**q`` with ``c`` free of ``w`` and ``q`` a non-negative integer."""
    c, q = sp.Wild("c", exclude=[w]), sp.Wild("q", exclude=[w])
    g = sp.expand(g)
    if not g.has(w):
        return g, 0
    m = g.match(c * w**q)
    if m is None or not m[q].is_Integer or m[q] < 0:
        raise MethodDoesNotApply(f"d phi/d{w} = {g} is not a monomial c*{w}**q")
    return m[c], int(m[q])


def _solve_autonomous(g: sp.Expr, w: sp.Symbol, w0: sp.Expr, s: sp.Symbol) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """Solve ``w' = g(w)``, ``w(0) = w0`` for a non-monomial ``g``: ``F(w) - F(w0) = s`` with ``F = int dw/g``.

    ``F`` is strictly monotone on the interval ``J`` around ``w0`` where ``g != 0``, so the solution is the
    unique inverse of ``F`` on ``J``; among the solutions SymPy's ``solve`` returns, it is the one that
    equals ``w0`` at ``s = 0``. The flow exists for ``s`` in ``F(J) - F(w0)`` (ends by limits).
    """
    if g.subs(w, w0) == 0:
        raise MethodDoesNotApply(f"{w} starts at a zero of {g}: it never moves")
    F = sp.integrate(1 / g, w)
    if F.has(sp.Integral):
        raise MethodDoesNotApply(f"no antiderivative of 1/({g})")
    F0 = F.subs(w, w0)
    candidates = sp.solve(sp.Eq(F - F0, s), w)
    chosen = [c for c in candidates if _vanishes(c.subs(s, 0) - w0)]
    if len(chosen) != 1:
        raise MethodDoesNotApply(f"cannot single out the solution through {w}(0) = {w0} among {candidates}")
    zeros = sorted((z for z in sp.solve(g, w) if z.is_real), key=lambda z: float(sp.N(z - w0)))
    below = [z for z in zeros if float(sp.N(z - w0)) < 0]
    above = [z for z in zeros if float(sp.N(z - w0)) > 0]
    w_lo = below[-1] if below else -sp.oo
    w_hi = above[0] if above else sp.oo
    ends = [sp.limit(F, w, e, "+" if e == w_lo else "-") - F0 for e in (w_lo, w_hi)]
    if any(e.has(sp.nan, sp.zoo) for e in ends):
        raise MethodDoesNotApply(f"cannot find where the flow of {w}' = {g} ends")
    up = bool(sp.N(g.subs(w, w0)) > 0)
    s_lo, s_hi = (ends[0], ends[1]) if up else (ends[1], ends[0])
    return chosen[0], s_lo, s_hi


def _vanishes(e: sp.Expr) -> bool:
    """``e == 0`` identically: structurally, else at three random positive values of its symbols (40 digits)."""
    e = sp.expand(e)
    if e == 0:
        return True
    for k in range(3):
        point = {x: sp.Rational(3 + 2 * k, 7 + k) + sp.Rational(j, 11) for j, x in enumerate(sorted(e.free_symbols,
                                                                                                key=str))}
        value = sp.N(e.subs(point), 40)
        if not value.is_number or abs(complex(value)) > 1e-30:
            return False
    return True


def _tightest(ends: list[sp.Expr], *, max_: bool) -> sp.Expr:
    if not ends:
        return -sp.oo if max_ else sp.oo
    if len(ends) == 1:
        return ends[0]
    try:
        return sp.Max(*ends) if max_ else sp.Min(*ends)
    except TypeError as exc:  # pragma: no cover - sympy refuses incomparable ends
        raise MethodDoesNotApply(f"cannot order the blow-up points {ends}") from exc


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
CURVE_METHODS: tuple[CurveMethod, ...] = (Componentwise(), LinearFlow(), MonomialConserved())


def solve_curve(p: Parametrization) -> DualCurve:
    """Solve the flow of ``eta * grad phi`` from ``w0`` with the first method that applies.

    Examples
    --------
    >>> from implicit_bias.parametrizations import Parametrization
    >>> p = Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": "alpha", "v": "alpha"})
    >>> c = solve_curve(p)
    >>> c.method, c.b
    ('componentwise', alpha**2*exp(4*sigma) - alpha**2*exp(-4*sigma))
    """
    reasons = []
    for method in CURVE_METHODS:
        if not method.matches(p):
            continue
        try:
            return method.solve(p)
        except MethodDoesNotApply as exc:
            reasons.append(f"{method.name}: {exc}")
        except (TypeError, ValueError, NotImplementedError, ZeroDivisionError) as exc:
            # SymPy gave up inside the method (e.g. an undecidable comparison): the method does not apply
            reasons.append(f"{method.name}: {type(exc).__name__}: {exc}")
    tried = "; ".join(reasons) if reasons else "no method matches its structure"
    raise DerivationError(
        f"cannot solve the flow of eta*grad(phi) for phi = {p.phi} from w0 = {p.init} ({tried}). Supported: "
        "phi a sum of monomials in separate parameters, a quadratic form, or a single monomial c*prod w_j^p_j"
    )
