"""Step 2 of a derivation: invert ``b`` in closed form when an elementary inverse exists.

``b`` is increasing in ``sigma``, so ``b(sigma) = beta`` has at most one root; the methods here build it
rather than search for it. Each is a ``matches`` / ``invert`` pair in :data:`INVERSION_METHODS`; a curve
that none of them inverts is left to the exact implicit (Legendre) form.

An inversion returns ``param(beta)``: the curve parameter as a function of ``beta``. With the curve's
``sigma(param)`` that gives ``grad Q(beta) = sigma(param(beta))``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import sympy as sp

from ..errors import MethodDoesNotApply
from ..symbols import BETA, tidy
from ._sample import constant_samples, interior_points, numeric, undoes
from .dual_curve import DualCurve
from .unary import peel

__all__ = ["BETA", "INVERSION_METHODS", "Inversion", "invert_curve"]


@dataclass(frozen=True)
class Inversion:
    """``param = param_of_beta(beta)`` solves ``b(param) = beta``; ``sigma_of_beta`` is ``grad Q``.

    ``substitutions`` maps expressions of ``param`` that appear in ``B`` (e.g. ``exp(k sigma)``) to their
    closed forms in ``beta``, so that ``B(param(beta))`` comes out algebraic rather than as
    ``exp(log(...))``.
    """

    param_of_beta: sp.Expr
    sigma_of_beta: sp.Expr
    substitutions: dict[sp.Expr, sp.Expr]
    method: str


class InversionMethod(ABC):
    """One closed-form inversion of ``b``."""

    name: str = ""

    @abstractmethod
    def invert(self, curve: DualCurve) -> Inversion:
        """Build the inverse, or raise :class:`MethodDoesNotApply`."""


def _positive(e: sp.Expr) -> bool:
    return bool(sp.factor(e).is_positive)


def _negative(e: sp.Expr) -> bool:
    return bool(sp.factor(e).is_negative)


class ExpQuadratic(InversionMethod):
    """``b = A x + C0 + C / x`` with ``x = exp(k sigma)``, ``k > 0``: a quadratic in ``x``.

    ``A x^2 + (C0 - beta) x + C = 0``. When ``A > 0 > C`` the product of the roots is negative, so exactly
    one root is positive, and with ``z = beta - C0``:

        sigma = [asinh(z / (2 sqrt(-A C))) + log(-C / A) / 2] / k.

    ``C = 0`` (``b = A x + C0``) and ``A = 0`` (``b = C0 + C / x``) give logarithms.
    """

    name = "exp-quadratic"

    def invert(self, curve: DualCurve) -> Inversion:
        if not curve.explicit:
            raise MethodDoesNotApply("the curve is not explicit in sigma")
        s = curve.param
        b = sp.expand(curve.b.rewrite(sp.exp))
        rates = {sp.expand(e.args[0] / s) for e in b.atoms(sp.exp) if e.has(s)}
        if not rates or any(r.has(s) for r in rates):
            raise MethodDoesNotApply("b is not a sum of exponentials exp(k*sigma)")
        k = sp.Max(*[sp.Abs(r) for r in rates]) if len(rates) > 1 else sp.Abs(next(iter(rates)))
        k = sp.factor(k)
        if not all(sp.expand(r - k) == 0 or sp.expand(r + k) == 0 for r in rates) or not k.is_positive:
            raise MethodDoesNotApply(f"exponential rates {sorted(map(str, rates))} are not +-k")
        x = sp.Dummy("x", positive=True)
        bx = sp.expand(b.subs({sp.exp(k * s): x, sp.exp(-k * s): 1 / x}))
        bx = sp.expand(bx.replace(lambda e: e.func is sp.exp and e.has(s), lambda e: sp.exp(sp.expand(e.args[0]))))
        if bx.has(s):
            raise MethodDoesNotApply("b does not reduce to a Laurent polynomial in exp(k*sigma)")
        if not sp.expand(bx * x).is_polynomial(x):
            raise MethodDoesNotApply("b is not a Laurent polynomial in exp(k*sigma)")
        poly = sp.Poly(sp.expand(bx * x), x)
        if poly.degree() > 2:
            raise MethodDoesNotApply("b is not quadratic in exp(k*sigma)")
        A, C0, C = (tidy(poly.coeff_monomial(x**j)) for j in (2, 1, 0))
        # b is increasing in sigma by construction (db/dsigma = <grad phi, eta grad phi>), and
        # b'(sigma) = k (A x - C / x) >= 0 for every x > 0 forces A >= 0 >= C: no sign needs proving.
        z = BETA - C0
        if A != 0 and C != 0:
            disc = tidy(-4 * A * C)
            root_disc = sp.sqrt(z**2 + disc)
            xs = (z + root_disc) / (2 * A)
            inv_xs = (root_disc - z) / (-2 * C)  # 1/x, rationalized
            if _negative(C):
                sigma = (sp.asinh(z / sp.sqrt(disc)) + tidy(sp.log(tidy(-C / A))) / 2) / k
            else:  # C may vanish for special constants: the log form holds for C <= 0
                sigma = sp.log(xs) / k
        elif C == 0 and A != 0:
            xs = z / A
            inv_xs = A / z
            sigma = sp.log(xs) / k
        elif A == 0 and C != 0:
            xs = C / z
            inv_xs = z / C
            sigma = sp.log(xs) / k
        else:
            raise MethodDoesNotApply("b does not depend on exp(k*sigma)")
        subs = {sp.exp(k * s): xs, sp.exp(-k * s): inv_xs}
        return Inversion(sigma, sigma, subs, self.name)


class PowerOfAffine(InversionMethod):
    """``b = c * L^r`` with ``L`` affine in the curve parameter and of one sign on its domain.

    Then ``L = (beta / c)^(1/r)`` on the branch where ``L`` has the sign it has at the initialization.
    """

    name = "power-of-affine"

    def invert(self, curve: DualCurve) -> Inversion:
        p = curve.param
        b = sp.powsimp(sp.factor(curve.b), force=False)
        c_w, l_w, r_w = sp.Wild("c", exclude=[p]), sp.Wild("L"), sp.Wild("r", exclude=[p])
        m = b.match(c_w * l_w**r_w)
        if m is None or m[r_w] == 0 or not m[l_w].has(p):
            raise MethodDoesNotApply("b is not c * L**r")
        c, L, r = m[c_w], sp.expand(m[l_w]), m[r_w]
        if not L.is_polynomial(p) or sp.Poly(L, p).degree() != 1:
            raise MethodDoesNotApply("the base of the power is not affine in the curve parameter")
        L0 = L.subs(p, curve.param0)
        if _positive(L0) and _positive(c):
            # L > 0 on the curve (it cannot cross 0 without b leaving its range): beta > 0
            L_of_beta = (BETA / c) ** (1 / r)
        elif _negative(L0) and r.is_integer and r % 2 == 1:
            L_of_beta = -((-BETA / c) ** (1 / r)) if _positive(c) else -((BETA / -c) ** (1 / r))
        else:
            raise MethodDoesNotApply(f"cannot fix the branch of L = {L} (sign at w0: {L0}, c = {c})")
        a0, a1 = L.coeff(p, 0), L.coeff(p, 1)
        param = sp.expand((L_of_beta - a0) / a1)
        sigma = curve.sigma.subs(p, param) if not curve.explicit else param
        return Inversion(param, sigma, {}, self.name)


class Peel(InversionMethod):
    """Undo ``b`` operation by operation (:func:`~implicit_bias.derive.unary.peel`) on the branch through the
    initialization, then confirm ``b(param(beta)) = beta`` across the curve's domain at sample constants.

    This inverts, e.g., ``b = tanh(u(sigma))`` with ``u(sigma)`` an implicit root: ``u = atanh(beta)``, and
    ``sigma`` is the closed time of ``u``.
    """

    name = "peel"

    def invert(self, curve: DualCurve) -> Inversion:
        p = curve.param
        peeled = peel(curve.b, p, BETA, curve.param0)
        if not _confirmed(curve, peeled.value):
            raise MethodDoesNotApply("the peeled inverse does not invert b on the whole curve")
        sigma = peeled.value if curve.explicit else curve.sigma.subs(p, peeled.value)
        steps = {e: v for e, v in peeled.steps.items() if e != curve.b}
        return Inversion(peeled.value, sigma, steps, self.name)


def _confirmed(curve: DualCurve, param_of_beta: sp.Expr) -> bool:
    p = curve.param
    symbols = sorted((curve.b.free_symbols | param_of_beta.free_symbols | curve.param0.free_symbols) - {p, BETA},
                     key=str)
    for at in constant_samples(symbols):
        lo, hi, start = (numeric(e, at) for e in (*curve.domain, curve.param0))
        if lo is None or hi is None or start is None:
            return False
        b = sp.lambdify([p], curve.b.xreplace(at), modules="mpmath")
        inverse = sp.lambdify([BETA], param_of_beta.xreplace(at), modules="mpmath")
        if not undoes(inverse, b, interior_points(lo, hi, start)):
            return False
    return True


#: Ordered registry of closed-form inversions.
INVERSION_METHODS: tuple[InversionMethod, ...] = (ExpQuadratic(), PowerOfAffine(), Peel())


def invert_curve(curve: DualCurve) -> Inversion | None:
    """The closed-form inverse of ``b`` from the first method that builds one, else ``None``.

    Examples
    --------
    >>> from implicit_bias.parametrizations import Parametrization
    >>> from implicit_bias.derive.curve import solve_curve
    >>> p = Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": "alpha", "v": "alpha"})
    >>> invert_curve(solve_curve(p)).sigma_of_beta
    asinh(beta/(2*alpha**2))/4
    """
    for method in INVERSION_METHODS:
        try:
            return method.invert(curve)
        except MethodDoesNotApply:
            continue
    return None
