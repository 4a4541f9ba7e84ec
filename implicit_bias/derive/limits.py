"""Step 4 of a derivation: the leading behaviour of ``Q`` as ``alpha -> 0`` and ``alpha -> oo``.

* Kernel side (``alpha -> oo``): ``Q(beta) ~ (beta - beta0)^2 / (2 K)`` with ``K = b'(0) =
  <grad phi(w0), eta grad phi(w0)>`` the tangent kernel, because ``Q''(beta0) = 1 / b'(0)``, when the higher
  derivatives vanish relative to it as the scale grows. ``1/K`` is the weight of the l2 norm. Not every model
  has this regime (``log u`` from ``u0 = alpha`` does not: ``b`` is not asymptotically linear on the scale
  ``1/K``), so the claim stands only when ``Q`` confirms it.
* Rich side (``alpha -> 0``), by the first of these candidates that ``Q`` confirms:

  ``alpha-free``
      the initialization has a limit ``w0(0)`` from which the flow still moves: the flow depends continuously
      on its start, so ``b`` tends to the dual map of the model started at ``w0(0)``, and ``Q`` to that
      model's regularizer (derived by the engine, when it is closed);
  ``closed limit``
      a closed ``Q`` whose limit (SymPy's Gruntz algorithm) is a finite function of ``beta``;
  ``bounded dual range``
      the range ``(lo, hi)`` of ``sigma`` is bounded with ends that grow without bound (a finite-``sigma``
      blow-up, depth ``>= 3``): for fixed ``beta != beta0``, ``grad_Q(beta)`` runs to the end of the range, so
      ``Q ~ hi * beta`` for ``beta > 0`` and ``-lo * |beta|`` for ``beta < 0`` (l1 when ``hi = -lo``);
  ``dominant exponentials``
      ``b = sum_j A_j exp(k_j sigma)`` with ``A_j ~ alpha^m_j``: the largest rate dominates, ``grad_Q(beta) ~
      (m / k) log(1/alpha)``;
  ``log scale``
      a closed ``grad_Q`` with ``grad_Q(+-1) ~ L_+- log(1/alpha)``.

Every claim is confirmed numerically before it is made: the relative deviation of ``Q`` from ``scale * form``
at two values of ``alpha`` (``e^-30, e^-60``; ``e^6, e^12``), extrapolated as the checker does, must be below
:data:`CONFIRM_TOLERANCE` on each side of ``beta0`` where ``Q`` is finite. A candidate that fails, or a model
none fits, gives a :class:`Limit` that says "not derived" and why (its ``scale`` and ``form`` are ``nan``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import mpmath
import sympy as sp

from ..errors import ImplicitBiasError, MethodDoesNotApply
from ..symbols import BETA, tidy

if TYPE_CHECKING:  # pragma: no cover
    from .regularizer import Regularizer

__all__ = ["CONFIRM_TOLERANCE", "Limit", "Limits", "derive_limits"]

#: Largest extrapolated relative deviation of ``Q`` from a limit for the limit to be claimed.
CONFIRM_TOLERANCE = 1e-3
#: ``log(alpha)`` of the confirmations (rich: ``Q`` approaches l1 like ``1/log(1/alpha)``; doubling ``|log alpha|``
#: lets one Richardson step remove that term).
_RICH_LOG_ALPHAS = (-30, -60)
_KERNEL_LOG_ALPHAS = (6, 12)
#: Digits of a confirmation, and the most digits its evaluations may add near the ends of a curve.
_CONFIRM_DPS = 30
_CONFIRM_EXTRA_DIGITS = 400


@dataclass(frozen=True)
class Limit:
    """``Q(beta) ~ scale(alpha) * form(beta)`` in one regime; ``nan`` scale and form when not derived, with the
    reason as ``name``."""

    regime: str
    name: str
    scale: sp.Expr
    form: sp.Expr
    residual: float | None = None
    checked_at: str = ""

    @property
    def derived(self) -> bool:
        """Whether a limit is claimed (and was confirmed)."""
        return not (self.scale.has(sp.nan) or self.form.has(sp.nan))

    def __str__(self) -> str:
        if not self.derived:
            return f"{self.regime}: not derived ({self.name})"
        check = f" (rel. deviation {self.residual:.1e} at {self.checked_at})" if self.residual is not None else ""
        return f"{self.regime}: Q ~ {self.scale} * {self.form}  [{self.name}]{check}"


@dataclass(frozen=True)
class Limits:
    """The rich (``alpha -> 0``) and kernel (``alpha -> oo``) limits of a regularizer."""

    rich: Limit
    kernel: Limit

    def __iter__(self):
        yield self.rich
        yield self.kernel

    def __str__(self) -> str:
        return f"{self.rich}\n{self.kernel}"


RICH = "alpha -> 0"
KERNEL = "alpha -> oo"


def _not_derived(regime: str, why: str) -> Limit:
    return Limit(regime, why, sp.nan, sp.nan)


def _alpha(reg: Regularizer) -> sp.Symbol:
    return reg.parametrization.alpha


# ------------------------------------------------------------------------------------------------ kernel side
def _kernel_limit(reg: Regularizer) -> Limit:
    K = tidy(reg.kernel)
    scale = tidy(1 / (2 * K))
    form = sp.Pow(BETA - reg.beta0, 2, evaluate=False) if reg.beta0 != 0 else BETA**2
    shape = sorted(str(s) for s in K.free_symbols - {_alpha(reg)})
    name = "l2" if not shape else f"l2 weighted by 1/K, K = {K}"
    return _confirmed(reg, Limit(KERNEL, name, scale, form), kernel=True)


# ------------------------------------------------------------------------------------------------ rich side
def _alpha_free(reg: Regularizer) -> Limit:
    from .regularizer import derive  # the limit model is derived like any other

    p = reg.parametrization
    a = _alpha(reg)
    init0 = tuple(sp.limit(e, a, 0, "+") if e.has(a) else e for e in p.init)
    lr0 = tuple(sp.limit(e, a, 0, "+") if e.has(a) else e for e in p.lr)
    if any(e.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.Limit) for e in (*init0, *lr0)) or any(
            e.is_positive is False for e in lr0):
        raise MethodDoesNotApply(f"the initialization {p.init} or the rates {p.lr} have no finite limit")
    try:
        limit_model = type(p)(p.phi, p.params, init0, lr0, alpha=a)
        reg0 = derive(limit_model)
    except ImplicitBiasError as exc:
        raise MethodDoesNotApply(f"the model started at w0(0) = {init0}: {exc}") from None
    if reg0.kind != "closed":
        raise MethodDoesNotApply(f"the model started at w0(0) = {init0} has a {reg0.kind} regularizer, not closed")
    return Limit(RICH, "alpha-free limit regularizer", sp.Integer(1), reg0.Q)


def _closed_limit(reg: Regularizer) -> Limit:
    if reg.kind != "closed":
        raise MethodDoesNotApply("Q is not a closed form")
    Q0 = sp.limit(reg.Q, _alpha(reg), 0, "+")
    if Q0.has(sp.nan, sp.zoo, sp.oo, sp.Limit, _alpha(reg)) or not Q0.has(BETA):
        raise MethodDoesNotApply(f"Q tends to {Q0}")
    return Limit(RICH, "alpha-free limit regularizer", sp.Integer(1), Q0)


def _bounded_range(reg: Regularizer) -> Limit:
    a = _alpha(reg)
    lo, hi = reg.curve.sigma_domain
    ends = []
    for end, sign in ((hi, 1), (lo, -1)):
        if end.is_infinite or end.has(sp.nan, sp.Integral):
            raise MethodDoesNotApply("the dual range is not bounded in closed form")
        if sp.limit(sign * end, a, 0, "+") != sp.oo:
            raise MethodDoesNotApply(f"the end {end} of the dual range stays bounded as alpha -> 0")
        ends.append(tidy(sign * end))
    return _l1(reg, ends[0], ends[1], "")


def _l1(reg: Regularizer, c_plus: sp.Expr, c_minus: sp.Expr, how: str) -> Limit:
    a = _alpha(reg)
    c_plus, c_minus = tidy(c_plus), tidy(c_minus)
    if reg.beta_domain[0].is_extended_nonnegative:
        return Limit(RICH, "l1 on the positive orthant (linear)" + how, c_plus, BETA)
    if sp.expand(c_plus - c_minus) == 0:
        shape = sorted(str(s) for s in c_plus.free_symbols - {a})
        return Limit(RICH, "l1" + ("" if not shape else f" (scale depends on {', '.join(shape)})") + how, c_plus,
                     sp.Abs(BETA))
    form = sp.Piecewise((BETA, BETA >= 0), (-tidy(c_minus / c_plus) * BETA, True))
    return Limit(RICH, "asymmetric l1" + how, c_plus, form)


def _dominant_exponentials(reg: Regularizer) -> Limit:
    """For ``b = sum_j A_j exp(k_j sigma)``: as ``sigma -> +oo`` the largest rate dominates, so
    ``grad_Q(beta) ~ log(beta / A_+) / k_+`` and, when ``A_+ ~ alpha^m``, ``c_+ = (m / k_+) log(1/alpha)``;
    symmetrically for ``sigma -> -oo``."""
    c = reg.curve
    if not c.explicit or c.b.has(sp.Integral):
        raise MethodDoesNotApply("b is not explicit in sigma")
    a, s = _alpha(reg), c.param
    terms: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(c.b.rewrite(sp.exp))):
        exps = [e for e in term.atoms(sp.exp) if e.has(s)]
        rate = sp.expand(exps[0].args[0] / s) if len(exps) == 1 else None
        if rate is None or rate.has(s) or not rate.is_number:
            raise MethodDoesNotApply("b is not a sum of exponentials exp(k*sigma)")
        terms[rate] = terms.get(rate, 0) + term / exps[0]
    ends = []
    for rate in (max(terms), min(terms)):
        m = sp.limit(sp.log(sp.Abs(terms[rate])) / sp.log(a), a, 0, "+")
        if not m.is_positive:
            raise MethodDoesNotApply(f"the coefficient {terms[rate]} does not vanish like a power of alpha")
        ends.append(tidy(m / sp.Abs(rate)) * sp.log(1 / a))
    return _l1(reg, ends[0], ends[1], "")


def _log_scale(reg: Regularizer) -> Limit:
    if reg.kind != "closed":
        raise MethodDoesNotApply("grad_Q is not a closed form")
    a = _alpha(reg)
    log_inv = sp.log(1 / a)
    L_plus = sp.limit(reg.grad_Q.subs(BETA, 1) / log_inv, a, 0, "+")
    L_minus = -sp.limit(reg.grad_Q.subs(BETA, -1) / log_inv, a, 0, "+") if not reg.beta_domain[
        0].is_extended_nonnegative else L_plus
    if not (L_plus.is_positive and L_minus.is_positive):
        raise MethodDoesNotApply(f"grad_Q(+-1) / log(1/alpha) tends to {L_plus}, {L_minus}")
    return _l1(reg, tidy(L_plus) * log_inv, tidy(L_minus) * log_inv, "")


_RICH_CANDIDATES: tuple[tuple[str, Callable[[Regularizer], Limit]], ...] = (
    ("alpha-free", _alpha_free), ("closed limit", _closed_limit), ("bounded dual range", _bounded_range),
    ("dominant exponentials", _dominant_exponentials), ("log scale", _log_scale))


def _rich_limit(reg: Regularizer) -> Limit:
    reasons = []
    for name, candidate in _RICH_CANDIDATES:
        try:
            lim = candidate(reg)
        except MethodDoesNotApply as exc:
            reasons.append(f"{name}: {exc}")
            continue
        # SymPy's limit gave up on this candidate; TypeError: its Gruntz algorithm calls _eval_nseries without
        # the direction some functions require (the limit of Min(pi/6, atan(exp(2*alpha))/12) as alpha -> 0+)
        except (NotImplementedError, sp.PoleError, TypeError) as exc:
            reasons.append(f"{name}: SymPy could not take the limit ({exc})")
            continue
        lim = _confirmed(reg, lim, kernel=False)
        if lim.derived:
            return lim
        reasons.append(f"{name}: {lim.name}")
    return _not_derived(RICH, "; ".join(reasons))


# ------------------------------------------------------------------------------------------------ confirmation
def _confirmed(reg: Regularizer, lim: Limit, *, kernel: bool) -> Limit:
    """``lim`` with its measured deviation, or "not derived" when ``Q`` does not approach it."""
    a = _alpha(reg)
    others = {s: sp.Integer(1) for s in reg.constants if s != a}
    approx = sp.lambdify([BETA, a], (lim.scale * lim.form).xreplace(others), modules="mpmath")
    beta0 = sp.lambdify([a], reg.beta0.xreplace(others), modules="mpmath")
    try:
        f = reg.to_numeric(dps=_CONFIRM_DPS)
        f.max_extra_digits = _CONFIRM_EXTRA_DIGITS
        worst, where = None, ""
        for side in (1, -1):
            deviations = []
            for log_alpha in _KERNEL_LOG_ALPHAS if kernel else _RICH_LOG_ALPHAS:
                alpha = mpmath.exp(log_alpha)
                with mpmath.workdps(_CONFIRM_DPS):
                    beta = (beta0(alpha) if kernel else 0) + side * mpmath.mpf(7) / 10
                    Q = f.Q(beta, alpha=alpha, **{s.name: 1 for s in others})
                    if not mpmath.isfinite(Q):
                        break
                    deviations.append(Q / approx(beta, alpha) - 1)
            else:
                dev = float(min(abs(deviations[-1]), abs(2 * deviations[-1] - deviations[-2])))
                if worst is None or dev > worst:
                    worst, where = dev, f"alpha=e^{log_alpha}, beta={mpmath.nstr(beta, 3)}"
    except (ImplicitBiasError, ZeroDivisionError) as exc:  # Q or the form could not be evaluated there
        return _not_derived(lim.regime, f"{lim.name} not confirmed: {str(exc) or type(exc).__name__}")
    if worst is None:
        return _not_derived(lim.regime, f"{lim.name} not confirmed: Q is infinite at beta0 +- 0.7")
    if not worst < CONFIRM_TOLERANCE:
        return _not_derived(lim.regime, f"Q does not approach {lim.scale} * {lim.form} ({lim.name}): relative "
                                        f"deviation {worst:.1e} at {where}")
    return Limit(lim.regime, lim.name, lim.scale, lim.form, worst, where)


def derive_limits(reg: Regularizer) -> Limits:
    """Derive both limits of ``reg``; see the module docstring.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> rich, kernel = ib.derive(ib.diagonal(2, shape="c")).limits()
    >>> rich.name, rich.scale, rich.form
    ('l1', -log(alpha)/2, Abs(beta))
    >>> kernel.scale
    1/(16*alpha**2*c**2)
    """
    # A Regularizer is immutable, so its limits are derived once: the checker and the command line both ask.
    cached = reg.__dict__.get("_limits")
    if cached is None:
        if _alpha(reg) not in reg.constants:
            why = "Q does not depend on alpha"
            cached = Limits(_not_derived(RICH, why), _not_derived(KERNEL, why))
        else:
            cached = Limits(_rich_limit(reg), _kernel_limit(reg))
        reg.__dict__["_limits"] = cached
    return cached
