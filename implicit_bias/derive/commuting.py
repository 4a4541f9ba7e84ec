"""The mirror potential of a commuting vector model (Li, Wang, Lee & Arora 2022), derived.

For ``beta = G(w)`` whose velocity fields ``V_i = eta * grad G_i`` commute, gradient flow is the mirror flow
``d/dt grad Q(beta) = -grad L(beta)`` of ``Q = R*``, where ``grad R(mu) = G(psi(mu))`` and ``psi(mu)`` composes
the flows of the ``V_i`` for times ``mu_i`` from ``w0`` (Li et al. 2022, their construction for commuting
parametrizations). So
the limit of the flow on ``X beta = y`` is ``argmin Q s.t. X beta = y``, with ``Q(beta0) = 0`` and
``grad Q(beta0) = 0``: ``Q`` is the Bregman divergence from the initialization.

The composition is carried out in the coordinates of :func:`~implicit_bias.derive.mixing.find_mixing`, where each
block of parameters moves along its own curve and the separable engine derives each block's ``Q_j``:
``Q(beta) = sum_j Q_j((A^-1 (beta - c))_j)``. The independent checker
(:func:`~implicit_bias.derive.shared_check.check_shared`) does not trust that reduction: it composes the flows of
the original fields numerically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import sympy as sp

from .._precision import DEFAULT_DPS
from ..errors import CriticalInitializationError, DerivationError, MethodDoesNotApply
from ..parametrizations.shared import SharedParametrization
from .invert import BETA
from .mixing import Mixing, find_mixing
from .regularizer import Regularizer, derive

if TYPE_CHECKING:  # pragma: no cover
    from .check import CheckResult
    from .shared_numeric import NumericSharedRegularizer

__all__ = ["CommutingRegularizer", "derive_commuting", "mu_symbols"]

_KIND_ORDER = ("closed", "legendre", "quadrature")


def mu_symbols(d: int) -> tuple[sp.Symbol, ...]:
    """The dual variables ``mu1, ..., mud`` (``mu = grad Q(beta)``)."""
    return tuple(sp.Symbol(f"mu{i + 1}", real=True) for i in range(d))


@dataclass(frozen=True)
class CommutingRegularizer:
    """The implicit regularizer of a commuting vector model.

    Attributes
    ----------
    parametrization : SharedParametrization
    mixing : Mixing
        ``G(w) = A phi(T w) + c``: the blocks whose curves the composed flows follow.
    blocks : tuple of Regularizer
        Each block's regularizer ``Q_j``, derived by the separable engine.
    kind : {"closed", "legendre", "quadrature"}
        The least explicit of the blocks' kinds.
    Q : sympy.Expr
        In :attr:`betas`; for the implicit kinds it holds the blocks' root placeholders.
    grad_Q : tuple of sympy.Expr
        ``A^-T (Q_j'(s_j))_j`` with ``s = A^-1 (beta - c)``.
    conjugate : sympy.Expr
        ``R(mu) = Q*(mu) = sum_j B_j((A^T mu)_j)`` in :func:`mu_symbols` (each block's ``B`` in its own curve
        parameter when its curve is implicit).
    """

    parametrization: SharedParametrization
    mixing: Mixing
    blocks: tuple[Regularizer, ...]
    kind: Literal["closed", "legendre", "implicit", "quadrature"]
    Q: sp.Expr
    grad_Q: tuple[sp.Expr, ...]
    conjugate: sp.Expr
    method: str = field(default="Li, Wang, Lee & Arora 2022: composed commuting flows")

    @property
    def betas(self) -> tuple[sp.Symbol, ...]:
        """The symbols ``beta1, ..., betad`` of ``Q``'s argument."""
        return self.parametrization.betas

    @property
    def beta0(self) -> tuple[sp.Expr, ...]:
        """``G(w0)``, where ``Q`` and ``grad Q`` vanish."""
        return self.parametrization.beta0

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """Symbols a numeric evaluation needs (``alpha`` first)."""
        return self.parametrization.constants

    @property
    def kernel(self) -> sp.Matrix:
        """``J eta J^T`` at ``w0``: the tangent kernel, ``Hess Q(beta0)^-1``."""
        p = self.parametrization
        J0 = p.jacobian.subs(p.w0)
        return (J0 * sp.diag(*p.lr) * J0.T).applyfunc(sp.expand)

    def to_numeric(self, dps: int = DEFAULT_DPS) -> NumericSharedRegularizer:
        """Numeric callables at ``dps`` digits: ``f.Q(beta_list, alpha=...)``, ``f.grad_Q``, ``f.b(mu_list)``.

        Examples
        --------
        >>> import mpmath, implicit_bias as ib
        >>> p = ib.Parametrization.from_exprs(["u1**2 - v1**2 + u2**2 - v2**2", "u2**2 - v2**2"], "u1,u2,v1,v2",
        ...                                   dict.fromkeys(["u1", "u2", "v1", "v2"], "alpha"))
        >>> f = ib.derive(p).to_numeric(dps=30)
        >>> print(mpmath.nstr(f.Q([1, 0.5], alpha=0.5), 10))
        0.1167900062
        """
        from .shared_numeric import NumericSharedRegularizer

        return NumericSharedRegularizer(self, dps=dps)

    def check(self, *, n_points: int = 4, dps: int = 30, seed: int = 0, constants: dict[str, Any] | None = None
              ) -> CheckResult:
        """Check against the composed flows of the ORIGINAL fields, integrated numerically (see
        :func:`~implicit_bias.derive.shared_check.check_shared`)."""
        from .shared_check import check_shared

        return check_shared(self, n_points=n_points, dps=dps, seed=seed, constants=constants)

    def latex(self) -> str:
        r"""LaTeX for ``Q``."""
        return rf"Q(\beta) = {sp.latex(self.Q)}"


def derive_commuting(p: SharedParametrization) -> CommutingRegularizer:
    """Derive ``Q`` for a commuting model by composing its flows (see the module docstring).

    Raises
    ------
    DerivationError
        If the fields commute but the model is not a linear mixing of separable blocks (possibly after an
        orthogonal change of coordinates), or a block cannot be derived.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> p = ib.Parametrization.from_exprs(["u1**2 - v1**2 + u2**2 - v2**2", "u2**2 - v2**2"], "u1,u2,v1,v2",
    ...                                   dict.fromkeys(["u1", "u2", "v1", "v2"], "alpha"))
    >>> reg = derive_commuting(p)
    >>> reg.grad_Q[1]
    asinh(beta2/(2*alpha**2))/4 - asinh(beta1/(2*alpha**2) - beta2/(2*alpha**2))/4
    """
    if not p.commuting:
        raise MethodDoesNotApply("the fields do not commute")
    try:
        mixing = find_mixing(p)
    except MethodDoesNotApply as exc:
        raise DerivationError(f"exprs={list(map(str, p.exprs))}: the gradient fields commute, so a mirror "
                              f"potential exists (Li, Wang, Lee & Arora 2022), but the engine cannot compose "
                              f"their flows symbolically: {exc}") from None
    blocks = []
    for j, block in enumerate(mixing.blocks):
        try:
            blocks.append(derive(block))
        except CriticalInitializationError as exc:
            raise CriticalInitializationError(f"block {j + 1} of the model, {block.phi} (coordinates "
                                              f"{block.params}): {exc}") from None
    betas, mus = p.betas, mu_symbols(p.d)
    s = mixing.A_inv * (sp.Matrix(betas) - mixing.offset)
    sigma = mixing.A.T * sp.Matrix(mus)
    Q = sp.Add(*[r.Q.subs(BETA, s[j]) for j, r in enumerate(blocks)])
    inner = sp.Matrix([r.grad_Q.subs(BETA, s[j]) for j, r in enumerate(blocks)])
    grad = tuple(sp.expand(e) for e in mixing.A_inv.T * inner)
    conj = sp.Add(*[r.conjugate.subs(r.curve.param, sigma[j]) if r.curve.explicit else r.conjugate
                    for j, r in enumerate(blocks)])
    kind = max((r.kind for r in blocks), key=_KIND_ORDER.index)
    return CommutingRegularizer(p, mixing, tuple(blocks), kind, Q, grad, conj)
