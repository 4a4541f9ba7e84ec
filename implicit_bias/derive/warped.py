"""The single neuron ``beta = a * w`` beyond mirror flows: a conserved quantity reduces gradient flow to a
time-warped mirror flow, whose potential characterizes the limit (Azulay et al. 2021, Sec. 6, Theorem 6.1;
Kunin et al. 2024, "Get rich quick", Sec. 3-4).

The fields ``V_i = eta grad(a w_i)`` do not commute, so no fixed potential makes gradient flow a mirror flow (Li,
Wang, Lee & Arora 2022). The engine derives instead, from the model alone:

1. **The conserved quantity** (:func:`~implicit_bias.derive.conserved.conserved_quantities`): the one quadratic
   form conserved for every loss, ``delta = eta_w a^2 - eta_a ||w||^2`` (scaled so).
2. **The reduction to the invariant set.** On ``C = delta`` the parameters are a function of ``beta``: ``w = beta/a``
   and ``a^2`` is the positive root of ``eta_w A - eta_a ||beta||^2 / A = delta``. The function-space flow
   ``beta' = -J eta J^T grad L`` becomes ``beta' = -M(beta, delta) grad L`` with
   ``M = eta_w a^2 I + eta_a w w^T`` written in ``beta`` and ``delta`` only.
3. **The time-warped mirror flow.** ``d/dt w = -(eta_w a) grad L``: the inner weights are a dual variable, moved by
   the gradient at the rate ``eta_w a(t)`` (a scalar time warp). ``w = sign(a) grad Psi(beta)`` for the radial
   potential with ``Psi'(r) = ||w||``, integrated along the level set in the curve parameter ``a``
   (``r = a ||w||(a)``, ``||w||(a)^2 = (eta_w a^2 - delta) / eta_a``); its conjugate is ``Psi*(v) = a ||v||^2 - Psi``
   at the ``a`` of ``||w|| = ||v||``.
4. **The implicit bias.** ``w(t) - w0`` stays in the range of ``X^T`` for every loss ``||X beta - y||^2``; if ``a``
   keeps its sign, ``grad Psi(beta_inf) - grad Psi(beta0)`` does too, so
   ``beta_inf = argmin Q s.t. X beta = y`` with the Bregman divergence ``Q(beta) = Psi(beta) - Psi(beta0) -
   <grad Psi(beta0), beta - beta0>`` (the initial-direction term; Azulay et al.'s ``q`` is ``3/2 Psi`` plus the same
   linear term). If ``a`` ends with the opposite sign, the linear term flips: ``Psi(beta) + <grad Psi(beta0), beta>``.
   The conserved quantity says when the sign is kept: ``eta_w a^2 = delta + eta_a ||w||^2 >= delta``, so for
   ``delta > 0`` ``|a|`` never drops below ``sqrt(delta/eta_w)``; for ``delta = 0`` ``a = 0`` only at ``w = 0``
   (a fixed point); for ``delta < 0`` ``a`` can cross zero (through ``beta = 0``, where ``Psi`` has a kink of slope
   ``sqrt(-delta/eta_a)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from .._precision import DEFAULT_DPS
from ..errors import DerivationError, MethodDoesNotApply
from ..parametrizations.base import combine_real_radicals
from ..parametrizations.shared import SharedParametrization
from .conserved import conserved_quantities, is_conserved

if TYPE_CHECKING:  # pragma: no cover
    from .check import CheckResult
    from .regimes import Regime
    from .warped_numeric import NumericWarpedRegularizer

__all__ = ["DELTA", "DUAL_NORM2", "RADIUS", "WarpedRegularizer", "derive_warped", "neuron_structure"]

#: The conserved quantity's value, ``delta = eta_w a^2 - eta_a ||w||^2``.
DELTA = sp.Symbol("delta", real=True)
#: ``||beta||``, the radius of the radial potential.
RADIUS = sp.Symbol("r", positive=True)
#: ``||v||^2`` at a dual point ``v = grad Psi(beta)``.
DUAL_NORM2 = sp.Symbol("v2", nonnegative=True)
_A = sp.Symbol("a", positive=True)  # the curve parameter |a| along the level set
_A2 = sp.Symbol("A", positive=True)  # a^2


@dataclass(frozen=True)
class WarpedRegularizer:
    """The implicit bias of the single neuron ``beta = a * w`` through its time-warped mirror flow.

    Attributes
    ----------
    parametrization : SharedParametrization
    outer, inner : sympy.Symbol, tuple of sympy.Symbol
        ``a`` and ``w = (w_1, ..., w_d)`` (``beta_i = a w_i``).
    eta_outer, eta_inner : sympy.Expr
        Their learning rates ``eta_a``, ``eta_w``.
    conserved : sympy.Expr
        ``C(a, w) = eta_w a^2 - eta_a ||w||^2``, found by the engine.
    delta0 : sympy.Expr
        ``C(w0)``: the value of :data:`DELTA` on this initialization.
    a_squared : sympy.Expr
        ``a^2`` on the level set, in :data:`RADIUS` and :data:`DELTA`.
    M : sympy.Matrix
        The preconditioner of ``beta' = -M grad L`` in :attr:`betas`, :data:`RADIUS` (``= ||beta||``) and
        :data:`DELTA`.
    M_iso, M_radial : sympy.Expr
        ``M = M_iso I + M_radial beta beta^T / r^2``: ``eta_w a^2`` and ``eta_a ||w||^2`` on the level set.
    warp : sympy.Expr
        ``eta_w a``: ``d/dt w = -warp * grad L``.
    potential : sympy.Expr
        The radial ``Psi(r)`` (:data:`RADIUS`, :data:`DELTA`), with ``Psi'(r) = ||w||``.
    dual_norm : sympy.Expr
        ``||grad Psi|| = ||w||`` as a function of ``r``.
    conjugate : sympy.Expr
        ``Psi*`` in the curve parameter ``a`` (``a^2 = dual_a2`` at the dual point ``v``).
    dual_a2 : sympy.Expr
        ``a^2`` at the dual point ``v = grad Psi(beta)`` (``||w|| = ||v||``), in :data:`DUAL_NORM2` (``||v||^2``)
        and :data:`DELTA`: the conserved quantity solved for ``a^2``. The dual map is ``b(v) = sqrt(dual_a2) v``.
    sign0 : int
        ``sign(a0)``; ``grad Psi(beta0) = sign0 * w0``.
    Q, grad_Q : sympy.Expr, tuple of sympy.Expr
        The Bregman divergence from ``beta0`` in :attr:`betas` (assuming ``sign(a)`` kept), ``delta = delta0``.
    sign_kept : bool or None
        Whether the conserved quantity guarantees ``sign(a)`` kept: True for ``delta0 >= 0``, False for
        ``delta0 < 0`` (the flow decides), None when the sign of ``delta0`` is not known symbolically.
    """

    parametrization: SharedParametrization
    outer: sp.Symbol
    inner: tuple[sp.Symbol, ...]
    eta_outer: sp.Expr
    eta_inner: sp.Expr
    conserved: sp.Expr
    delta0: sp.Expr
    a_squared: sp.Expr
    M: sp.Matrix
    M_iso: sp.Expr
    M_radial: sp.Expr
    warp: sp.Expr
    potential: sp.Expr
    dual_norm: sp.Expr
    conjugate: sp.Expr
    dual_a2: sp.Expr
    sign0: int
    Q: sp.Expr
    grad_Q: tuple[sp.Expr, ...]
    sign_kept: bool | None
    method: str = field(default="conserved quantity -> time-warped mirror flow (Azulay et al. 2021; Kunin et al. 2024)")

    @property
    def betas(self) -> tuple[sp.Symbol, ...]:
        """``beta1, ..., betad``."""
        return self.parametrization.betas

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """Symbols a numeric evaluation needs (``alpha`` first)."""
        return self.parametrization.constants

    @property
    def beta0(self) -> tuple[sp.Expr, ...]:
        """``a0 w0``."""
        return self.parametrization.beta0

    @property
    def kind(self) -> str:
        """``"time-warped"``: not a mirror flow of a fixed potential, but its limit is an argmin of one."""
        return "time-warped"

    @property
    def bracket_statement(self) -> str:
        """Why this is not a mirror flow: a non-zero Lie bracket of the fields (Li, Wang, Lee & Arora 2022)."""
        (i, j), br = next(iter(self.parametrization.brackets.items()))
        return (f"[V_{i + 1}, V_{j + 1}] = {list(br)} != 0: gradient flow is not a mirror flow of a fixed potential; "
                f"the conserved {self.conserved} reduces it to a time-warped one (d/dt w = -{self.warp} grad L)")

    @property
    def sign_statement(self) -> str:
        """What the conserved quantity says about ``sign(a)``, for this ``delta0``."""
        if self.sign_kept is True:
            return (f"delta = {self.delta0} >= 0: eta_w a^2 = delta + eta_a ||w||^2 keeps |a| >= sqrt(delta/eta_w) "
                    "(or a = 0 only at the fixed point w = 0), so sign(a) is kept and Q applies")
        if self.sign_kept is False:
            return (f"delta = {self.delta0} < 0: a can cross zero (through beta = 0, where Psi has a kink of slope "
                    f"sqrt(-delta/eta_a), eta_a = {self.eta_outer}); Q applies if sign(a) is kept, "
                    "Psi(beta) + <grad Psi(beta0), beta> if a ends with the opposite sign")
        return (f"delta = {self.delta0}: Q applies while sign(a) is kept (guaranteed for delta >= 0; for delta < 0 "
                "a can cross zero and the initial-direction term flips)")

    def to_numeric(self, dps: int = DEFAULT_DPS) -> NumericWarpedRegularizer:
        """Numeric callables at ``dps`` digits (``Q``, ``grad_Q``, ``hess_Q``, the dual map, ``argmin``)."""
        from .warped_numeric import NumericWarpedRegularizer

        return NumericWarpedRegularizer(self, dps=dps)

    def check(self, *, n_points: int = 4, dps: int = 30, seed: int = 0, constants: dict[str, Any] | None = None
              ) -> CheckResult:
        """Check against the model itself (see :func:`~implicit_bias.derive.warped_check.check_warped`)."""
        from .warped_check import check_warped

        return check_warped(self, n_points=n_points, dps=dps, seed=seed, constants=constants)

    def regimes(self) -> list[Regime]:
        """``M`` and ``Q`` as ``delta -> +oo`` (lazy), at ``delta = 0`` (balanced) and ``delta -> -oo`` (lazy along
        the initial ray), each confirmed numerically (:mod:`~implicit_bias.derive.regimes`)."""
        from .regimes import derive_regimes

        return derive_regimes(self)

    def regime_of(self, delta: Any) -> str:
        """The regime name of a value of ``delta``: ``upstream`` (> 0), ``balanced`` (0), ``downstream`` (< 0)."""
        d = sp.sympify(delta)
        return "balanced" if d == 0 else ("upstream" if d > 0 else "downstream")

    def latex(self) -> str:
        r"""LaTeX for ``M``, ``Psi`` and ``Q``."""
        return (rf"M(\beta, \delta) = \left({sp.latex(self.M_iso)}\right) I + \left({sp.latex(self.M_radial)}\right)"
                rf"\frac{{\beta\beta^\top}}{{r^2}}, \quad r = \|\beta\|, \quad "
                rf"\Psi_\delta(r) = {sp.latex(self.potential)}, \quad "
                rf"Q(\beta) = \Psi_\delta(\|\beta\|) - \Psi_\delta(\|\beta_0\|) - \langle \nabla\Psi_\delta(\beta_0), "
                rf"\beta - \beta_0\rangle, \quad \delta = {sp.latex(self.delta0)}")


def neuron_structure(p: SharedParametrization) -> tuple[sp.Symbol, tuple[sp.Symbol, ...]]:
    """``(a, (w_1, ..., w_d))`` if ``G_i = a * w_i`` with distinct ``w_i`` covering the other parameters."""
    for a in p.params:
        inner = [sp.cancel(g / a) for g in p.exprs]
        if len(p.params) == p.d + 1 and len(set(inner)) == p.d and all(w in p.params and w != a for w in inner):
            return a, tuple(inner)  # type: ignore[return-value]
    raise MethodDoesNotApply("the outputs are not a * w_i for one parameter a and distinct parameters w_i")


def derive_warped(p: SharedParametrization) -> WarpedRegularizer:
    """Derive the time-warped mirror potential of a single neuron ``beta_i = a * w_i`` (see the module docstring).

    Examples
    --------
    >>> import implicit_bias as ib
    >>> reg = derive_warped(ib.single_neuron(d=2, delta=-1))
    >>> reg.potential
    sqrt(2)*(-2*delta + sqrt(delta**2 + 4*r**2))*sqrt(delta + sqrt(delta**2 + 4*r**2))/6
    >>> reg.sign_kept
    False
    """
    a, inner = neuron_structure(p)
    lr = dict(zip(p.params, p.lr, strict=True))
    eta_a, etas = lr[a], {lr[w] for w in inner}
    if len(etas) != 1:
        raise MethodDoesNotApply(f"the inner weights have different learning rates {sorted(map(str, etas))}")
    eta_w = etas.pop()
    C = _conserved(p, a, inner, eta_a, eta_w)
    delta0 = sp.expand(sum(combine_real_radicals(t) for t in sp.Add.make_args(sp.expand(C.subs(p.w0)))))
    a2 = _a_squared(eta_a, eta_w)
    M = _reduced_kernel(p, a, inner, eta_a, eta_w, a2)
    norm_w = sp.sqrt((eta_w * _A**2 - DELTA) / eta_a)  # ||w|| along the level set, in |a|
    Psi_a = sp.integrate(sp.expand(norm_w * sp.diff(_A * norm_w, _A)), _A)
    conj_a = sp.expand(_A * norm_w**2 - Psi_a)
    # C depends on w through ||w||^2 only (checked in _conserved): put ||v||^2 in the first weight's place
    on_dual = C.subs({inner[0]: sp.sqrt(DUAL_NORM2), **{w: 0 for w in inner[1:]}}).subs(a**2, _A2)
    dual_a2 = sp.solve(sp.Eq(on_dual, DELTA), _A2)[0]
    potential = sp.factor_terms(Psi_a.subs(_A, sp.sqrt(a2)))
    dual_norm = sp.factor_terms(norm_w.subs(_A, sp.sqrt(a2)))
    sign0 = _sign(p.w0[a], a)
    Q, grad = _bregman(p, potential, dual_norm, delta0, sign0, inner)
    kept = True if (delta0.is_nonnegative or delta0 == 0) else (False if delta0.is_negative else None)
    M_iso = sp.expand(eta_w * a2)
    return WarpedRegularizer(p, a, inner, eta_a, eta_w, C, delta0, a2, M, M_iso, sp.expand(M_iso - DELTA), eta_w * a,
                             potential, dual_norm, conj_a, dual_a2, sign0, Q, grad, kept)


def _reduced_kernel(p: SharedParametrization, a: sp.Symbol, inner: tuple[sp.Symbol, ...], eta_a: sp.Expr,
                    eta_w: sp.Expr, a2: sp.Expr) -> sp.Matrix:
    """``J eta J^T`` on the level set, in ``beta`` (with :data:`RADIUS` for ``||beta||``) and :data:`DELTA`.

    ``w = beta / a`` on the fibre, and ``1 / a^2 = (eta_w a^2 - delta) / (eta_a r^2)`` by the conserved quantity (no
    ``1 / (delta + K)``, which cancels for ``delta < 0`` at small ``r``); then ``a^2`` is the positive root.
    """
    on_level = {w: b / a for w, b in zip(inner, p.betas, strict=True)}
    K = (p.jacobian * sp.diag(*p.lr) * p.jacobian.T).subs(on_level).applyfunc(sp.expand)
    inverse = (eta_w * a**2 - DELTA) / (eta_a * RADIUS**2)
    K = K.applyfunc(lambda e: sp.expand(e.xreplace({a**-2: inverse})))
    if any(e.has(a) and sp.expand(e).as_poly(a) is None for e in K):
        raise MethodDoesNotApply("the kernel on the level set is not a polynomial in a^2")
    return K.applyfunc(lambda e: sp.collect(sp.expand(e.subs(a**2, a2)), DELTA))


def _conserved(p: SharedParametrization, a: sp.Symbol, inner: tuple[sp.Symbol, ...], eta_a: sp.Expr,
               eta_w: sp.Expr) -> sp.Expr:
    """The conserved form through ``a``, scaled to ``eta_w a^2 - eta_a ||w||^2``."""
    found = [C for C in conserved_quantities(p) if C.has(a)]
    if len(found) != 1:
        raise MethodDoesNotApply(f"expected one conserved quadratic form through {a}, found {found}")
    C = found[0]
    ca = C.coeff(a, 2)
    scaled = sp.expand(C * eta_w / ca)
    expected = sp.expand(eta_w * a**2 - eta_a * sum(w**2 for w in inner))
    if sp.expand(scaled - expected) != 0 or not is_conserved(scaled, p):
        raise MethodDoesNotApply(f"the conserved form {C} is not the balancedness of the neuron")
    return scaled


def _a_squared(eta_a: sp.Expr, eta_w: sp.Expr) -> sp.Expr:
    """The root ``A = a^2 > 0`` of ``eta_w A - eta_a r^2 / A = delta`` (positive for every delta and r > 0)."""
    roots = sp.solve(eta_w * _A2**2 - DELTA * _A2 - eta_a * RADIUS**2, _A2)
    probe = [{DELTA: s, RADIUS: 1, **{e: 1 for e in (eta_a * eta_w).free_symbols}} for s in (-1, 0, 1)]
    good = [x for x in roots if all(sp.N(x.subs(v)) > 0 for v in probe)]
    if len(good) != 1:
        raise DerivationError(f"no unique positive root a^2 among {roots}")
    return good[0]


def _sign(a0: sp.Expr, a: sp.Symbol) -> int:
    """``sign(a0)``: from SymPy's assumptions, else from its value at sample constants (it must not change)."""
    if a0.is_positive or a0.is_negative:
        return 1 if a0.is_positive else -1
    signs = set()
    for k, value in enumerate((sp.Rational(3, 10), sp.Rational(-7, 5), sp.Integer(2))):
        subs = {s: (abs(value) + k if s.is_positive else value) for s in a0.free_symbols}
        v = sp.N(a0.subs(subs))
        if not v.is_real or v == 0:
            raise MethodDoesNotApply(f"the initial outer weight {a}(0) = {a0} is not a non-zero real number at {subs}")
        signs.add(1 if v > 0 else -1)
    if len(signs) != 1:
        raise MethodDoesNotApply(f"the sign of the initial outer weight {a}(0) = {a0} depends on the constants")
    return signs.pop()


def _bregman(p: SharedParametrization, potential: sp.Expr, dual_norm: sp.Expr, delta0: sp.Expr, sign0: int,
             inner: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    """``Q = Psi(beta) - Psi(beta0) - <g0, beta - beta0>`` and its gradient, ``g0 = sign(a0) w0``."""
    betas = p.betas
    r = sp.sqrt(sum(b**2 for b in betas))
    g0 = [sign0 * p.w0[w] for w in inner]
    b0 = p.beta0
    r0 = sp.sqrt(sum(b**2 for b in b0))
    at = {DELTA: delta0}
    Q = (potential.subs(at).subs(RADIUS, r) - potential.subs(at).subs(RADIUS, r0)
         - sum(g * (b - c) for g, b, c in zip(g0, betas, b0, strict=True)))
    grad = tuple(dual_norm.subs(at).subs(RADIUS, r) * b / r - g for b, g in zip(betas, g0, strict=True))
    return Q, grad
