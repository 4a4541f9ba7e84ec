"""Step 3 of a derivation: the regularizer ``Q`` with ``Q(beta0) = 0`` and ``Q' = b^{-1}``.

``Q(beta) = beta * s(beta) - B(s(beta))`` with ``s = b^{-1}`` and ``B = int_0^s b`` (integration by parts,
exact). When ``s`` is a closed form this *is* the closed form of ``Q``; otherwise it is the exact implicit
(Legendre) form, with ``s(beta)`` the unique root of ``b(s) = beta``, evaluable at any precision.
The conjugate ``Q*(sigma) = B(sigma)`` is always closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, overload

import sympy as sp
from sympy.core.function import AppliedUndef

from .._precision import DEFAULT_DPS
from ..parametrizations.base import Parametrization
from ..parametrizations.shared import SharedParametrization
from ..symbols import BETA, SIGMA, tidy, tidy_in
from .check import CHECK_DPS, CheckResult
from .curve import DualCurve, solve_curve
from .invert import Inversion, invert_curve
from .roots import MonotoneRoot

if TYPE_CHECKING:  # pragma: no cover
    from .limits import Limits
    from .numeric import NumericRegularizer

__all__ = ["BETA", "SIGMA", "Regularizer", "derive"]

Kind = Literal["closed", "legendre", "implicit", "quadrature"]


@dataclass(frozen=True)
class Regularizer:
    """The implicit regularizer of a parametrization, derived by the mirror-flow method.

    Normalization: ``Q(beta0) = 0`` and ``Q'(beta) = b^{-1}(beta)`` exactly, where ``beta0 = phi(w0)`` and
    ``b(sigma) = phi(w(sigma))`` along the flow of ``eta * grad phi`` (no extra constant factors).

    Attributes
    ----------
    parametrization : Parametrization
    curve : DualCurve
        The solved flow, ``b`` and ``B`` in the curve parameter.
    kind : {"closed", "legendre", "implicit", "quadrature"}
        ``closed``: ``Q`` and ``grad_Q`` are closed forms in ``beta``. ``legendre``: ``grad_Q(beta)`` is the
        root of ``b = beta`` (no elementary inverse), ``b`` a closed form; ``Q`` is exact in terms of it.
        ``implicit``: the flow itself is known implicitly, some ``w_j(sigma)`` being the monotone roots of
        ``F_j(w_j) - F_j(w_j0) = sigma`` (:class:`~implicit_bias.derive.roots.MonotoneRoot`), all elementary;
        ``Q``, ``grad_Q`` are exact in terms of them. ``quadrature``: some integral along the flow (``sigma``, a
        parameter's time ``F_j`` or the conjugate) is non-elementary, kept as an exact ``Integral``.
    Q, grad_Q : sympy.Expr
        In ``beta`` (:data:`BETA`) and the constants. For the implicit kinds they contain the curve
        parameter evaluated at :attr:`root`, a placeholder ``s(beta)`` / ``t(beta)``.
    conjugate : sympy.Expr
        ``Q*(sigma) = int_0^sigma b`` in :data:`SIGMA` (explicit curves) or in the curve parameter.
    """

    parametrization: Parametrization
    curve: DualCurve
    kind: Kind
    Q: sp.Expr
    grad_Q: sp.Expr
    conjugate: sp.Expr
    inversion: Inversion | None = field(default=None, repr=False)
    root: sp.Expr | None = field(default=None, repr=False)

    # ------------------------------------------------------------------ facts
    @property
    def beta(self) -> sp.Symbol:
        """The primal symbol ``beta``."""
        return BETA

    @property
    def beta0(self) -> sp.Expr:
        """``phi(w0)``: where ``Q`` vanishes and is minimal."""
        return self.parametrization.beta0

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """Symbols whose values a numeric evaluation needs (``alpha`` first)."""
        return self.parametrization.constants

    @property
    def equation(self) -> sp.Eq:
        """The equation ``b(param) = beta`` whose root gives ``grad_Q`` (all kinds)."""
        return sp.Eq(self.curve.b, BETA)

    @cached_property
    def beta_domain(self) -> tuple[sp.Expr, sp.Expr]:
        """The range of ``b``: where ``Q`` is finite (open interval)."""
        c = self.curve
        if c.b_range is not None:
            return c.b_range
        ends = [sp.limit(c.b, c.param, e, "-" if e == c.domain[1] else "+") for e in c.domain]
        lo, hi = (ends[0], ends[1]) if c.increasing else (ends[1], ends[0])
        # b is increasing in sigma: an infinite end whose sign sympy leaves open is -oo below, +oo above
        lo = -sp.oo if lo.has(sp.oo) and not lo.is_finite else lo
        hi = sp.oo if hi.has(sp.oo) and not hi.is_finite else hi
        return (lo, hi)

    @cached_property
    def kernel(self) -> sp.Expr:
        """``b'(0) = <grad phi(w0), eta grad phi(w0)>``: the tangent kernel; ``Q''(beta0) = 1/kernel``."""
        return self.parametrization.tangent_kernel

    # ------------------------------------------------------------------ services
    def to_numeric(self, dps: int = DEFAULT_DPS) -> NumericRegularizer:
        """Numeric callables at ``dps`` digits (mpmath): ``Q``, ``grad_Q``, ``b``, ``conjugate``.

        Examples
        --------
        >>> import implicit_bias as ib
        >>> reg = ib.derive(ib.diagonal(2))
        >>> f = reg.to_numeric(dps=30)
        >>> print(f.grad_Q(1, alpha=0.5))
        0.360908868794703...
        """
        from .numeric import NumericRegularizer

        return NumericRegularizer(self, dps=dps)

    def check(self, *, alpha: Any = None, constants: dict[str, Any] | None = None, n_points: int = 8,
              dps: int = CHECK_DPS, seed: int = 0) -> CheckResult:
        """Check the returned ``Q``, ``grad_Q``, ``conjugate`` and limits against ``b``, ``B`` and the flow.

        ``alpha`` and ``constants`` (the other symbols, never ``alpha``) are fixed when given, drawn at random
        for each of the ``n_points`` points otherwise. Returns a :class:`~implicit_bias.derive.check.CheckResult`
        ``(verified, residual, ...)``; see :func:`~implicit_bias.derive.check.check_regularizer`.
        """
        from .check import check_regularizer

        return check_regularizer(self, alpha=alpha, constants=constants, n_points=n_points, dps=dps, seed=seed)

    def limits(self) -> Limits:
        """The leading behaviour as ``alpha -> 0`` (rich) and ``alpha -> oo`` (kernel)."""
        from .limits import derive_limits

        return derive_limits(self)

    def latex(self) -> str:
        r"""LaTeX for ``Q`` (with the defining equation of the root for the implicit kinds)."""
        body = sp.latex(self.Q)
        if self.kind == "closed":
            return rf"Q(\beta) = {body}"
        return rf"Q(\beta) = {body}, \quad {sp.latex(self.root)}: \ {sp.latex(self.equation)}"

    def scaled(self, factor: sp.Expr) -> sp.Expr:
        """``factor * Q``: e.g. ``reg.scaled(4)`` is the paper's hypentropy for ``u**2 - v**2``."""
        return sp.expand(factor * self.Q) if self.kind == "closed" else factor * self.Q

    def ratio_to(self, other: sp.Expr) -> sp.Expr:
        """The constant ``c`` with ``other = c * Q``, from the ratio of second derivatives in ``beta``.

        Raises ``ValueError`` if the ratio is not constant (the two are not the same regularizer up to scale).
        """
        if self.kind != "closed":
            raise ValueError("ratio_to needs a closed-form Q; compare numerically with to_numeric()")
        ratio = tidy(sp.radsimp(sp.together(sp.diff(other, BETA, 2) / sp.diff(self.grad_Q, BETA))))
        if ratio.has(BETA):
            raise ValueError(f"other / Q is not constant: Q''_other / Q'' = {ratio}")
        return ratio


@overload
def derive(p: Parametrization) -> Regularizer: ...


@overload
def derive(p: SharedParametrization) -> Any: ...


def derive(p: Parametrization | SharedParametrization) -> Any:
    """Derive the implicit regularizer ``Q`` of gradient flow for the parametrization ``p``.

    A vector model with shared parameters (:class:`~implicit_bias.parametrizations.shared.SharedParametrization`)
    goes to :func:`~implicit_bias.derive.shared.derive_shared` (commuting models: Li et al.'s construction; the
    single neuron: its time-warped mirror potential). For a per-coordinate model, the engine solves the flow of
    ``eta * grad phi`` from ``w0`` (:func:`~implicit_bias.derive.curve.solve_curve`), inverts ``b`` in closed
    form when it can (:func:`~implicit_bias.derive.invert.invert_curve`) and integrates by parts; nothing is
    looked up.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> p = ib.Parametrization.from_expr("u**2 - v**2", params=["u", "v"], init={"u": "alpha", "v": "alpha"})
    >>> reg = ib.derive(p)
    >>> reg.kind
    'closed'
    >>> reg.grad_Q
    asinh(beta/(2*alpha**2))/4
    >>> reg.Q
    alpha**2/2 + beta*asinh(beta/(2*alpha**2))/4 - sqrt(4*alpha**4 + beta**2)/4
    """
    if isinstance(p, SharedParametrization):
        from .shared import derive_shared

        return derive_shared(p)
    curve = solve_curve(p)
    conjugate = (tidy_in(curve.B, SIGMA) if curve.explicit and _elementary(curve.B)
                 and sp.count_ops(curve.B) <= _TIDY_MAX_OPS else curve.B)
    inversion = invert_curve(curve) if curve.sigma_is_closed else None
    if inversion is not None:
        if inversion.method == "exp-quadratic":
            B_beta = sp.expand(sp.expand(curve.B).xreplace(inversion.substitutions))
        else:
            B_beta = curve.B.xreplace(inversion.substitutions)
        if B_beta.has(curve.param):
            B_beta = B_beta.subs(curve.param, inversion.param_of_beta)
        grad_Q = inversion.sigma_of_beta
        Q = BETA * grad_Q - B_beta
        Q = tidy_in(Q, BETA) if _elementary(Q) and sp.count_ops(Q) <= _TIDY_MAX_OPS else Q
        return Regularizer(p, curve, _kind(Q, grad_Q, curve.sigma), Q, grad_Q, conjugate, inversion, None)
    root = sp.Function(f"{curve.param.name}")(BETA)
    grad_Q = curve.sigma.subs(curve.param, root) if not curve.explicit else root
    Q = BETA * grad_Q - curve.B.subs(curve.param, root)
    kind = _kind(Q, grad_Q, curve.b, curve.sigma)
    return Regularizer(p, curve, kind, Q, grad_Q, conjugate, None, root)


#: Largest closed form (in SymPy operations) that is collected and tidied; larger ones are kept as derived.
_TIDY_MAX_OPS = 150


def _elementary(e: sp.Expr) -> bool:
    return not e.has(sp.Integral, MonotoneRoot)


def _kind(Q: sp.Expr, grad_Q: sp.Expr, *defining: sp.Expr) -> Kind:
    """The kind of a result from what its expressions (and the equation of the root) contain."""
    parts = (Q, grad_Q, *defining)
    if any(e.has(sp.Integral) for e in parts):
        return "quadrature"
    if any(e.has(MonotoneRoot) for e in parts):
        return "implicit"
    if any(e.atoms(AppliedUndef) for e in (Q, grad_Q)):
        return "legendre"
    return "closed"
