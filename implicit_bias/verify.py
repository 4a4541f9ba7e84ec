"""``verify``: the derived regularizer against the real training dynamics.

The gradient flow of the ORIGINAL parameters (:mod:`implicit_bias.flow`) and the argmin of the derived
``Q`` from an independent convex solver (:mod:`implicit_bias.reference`) meet only here, through the
regularizer's numeric form. The report gives both the absolute agreement and the number of digits to which
the ``alpha``-dependent part ``beta - beta_l1`` agrees (at small ``alpha`` the two answers share the l1
solution to many digits, so the absolute agreement alone says little about ``Q``).

What is independent and what is shared:

* The flow side never sees the derivation. It integrates ``w' = -eta grad_w L`` from ``w0(alpha)`` and ends
  with an exact jump along the integral curves of ``eta grad phi`` through the state reached (its ``tail``),
  whose maps ``s -> phi(w(s))`` are integrated numerically from ``phi`` itself (heyoka), or are the closed
  exponential sums of a polynomial ``phi`` with constant log-rates.
* The reference side uses only the derived regularizer: its numeric form (``b = (grad Q)^{-1}``, ``B = Q*``)
  evaluated from the engine's expressions.
* Shared: the dual Newton solver (:func:`implicit_bias.reference.argmin_Q`) solves both the flow's tail and the
  reference problem, on different maps; and the problem data. A defect of the solver could thus affect both
  sides alike; its KKT residuals (reported) and the minimum-norm references (``min_l1``, ``min_l2``, which do
  not use it) guard against that.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from ._validation import check_alpha, check_constants, check_dps, check_problem
from .derive import Regularizer, derive
from .parametrizations import Parametrization
from .parametrizations.shared import SharedParametrization
from .results import Status

__all__ = ["VerifyReport", "default_dps", "verify"]


def default_dps(alpha: Any, digits: int = 20) -> int:
    """Working digits that resolve the alpha-dependent part of ``beta`` to ``digits`` digits (at least 30).

    That part is ``O(alpha^2)`` relative on the support, so it needs about ``2 log10(1/alpha)`` digits beyond
    the ones wanted (:func:`implicit_bias.flow.required_dps`).
    """
    from .flow import required_dps

    return max(30, required_dps(alpha, digits))


@dataclass(frozen=True)
class VerifyReport:
    """Gradient flow against ``argmin Q``.

    ``status`` (:class:`~implicit_bias.results.Status`) says whether both computations finished (``"success"``)
    or how the first that did not ended; ``agree`` is the verdict: both finished and their answers agree to the
    working precision. ``success`` is ``status == "success"``.
    """

    gf_beta: list[mpmath.mpf]
    q_beta: list[mpmath.mpf]
    l1_beta: list[mpmath.mpf]
    l2_beta: list[mpmath.mpf]
    max_abs_diff: mpmath.mpf
    alpha_part_digits: float
    certificate: mpmath.mpf
    kkt_residual: dict[str, Any]
    status: Status
    agree: bool
    message: str
    dps: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """Both the flow and the reference solver finished."""
        return self.status == Status.SUCCESS

    def summary(self) -> str:
        """A few lines for a terminal."""
        verdict = "agree" if self.agree else ("disagree" if self.success else f"not compared ({self.status})")
        return (
            f"verdict: {verdict} ({self.message})\n"
            f"max |beta_GF - argmin Q| = {mpmath.nstr(self.max_abs_diff, 3)} (flow certificate |beta - beta(inf)| ~ "
            f"{mpmath.nstr(self.certificate, 3)})\n"
            f"alpha-dependent part (beta - beta_l1) agrees to {self.alpha_part_digits:.1f} digits\n"
            f"|beta_Q - beta_l1|_inf = {mpmath.nstr(_max_abs(self.q_beta, self.l1_beta), 3)}, "
            f"|beta_Q - beta_l2|_inf = {mpmath.nstr(_max_abs(self.q_beta, self.l2_beta), 3)}\n"
            f"dps = {self.dps}; times: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items())
        )


def _max_abs(a: list[mpmath.mpf], b: list[mpmath.mpf]) -> mpmath.mpf:
    return max(abs(x - y) for x, y in zip(a, b, strict=True))


def _outside_range(reg: Regularizer, beta: list[mpmath.mpf], values: list[dict[str, Any]], tol: mpmath.mpf) -> str:
    """A note when a coordinate of the flow's limit lies outside the model's range ``reg.beta_domain`` by more
    than ``tol`` (a limit on the boundary, e.g. ``beta_i -> 0`` for a one-signed model, is inside).

    The exact flow cannot leave it (each coordinate stays on its curve ``b(sigma)``); a computed one can, where
    the exact trajectory rests on an unstable invariant set, e.g. the balanced neuron ``a = k w`` (``delta = 0``),
    whose saddle at the origin rounding errors cross. Such a limit is not the exact flow's.
    """
    constants = reg.parametrization.constants
    lo_f, hi_f = (sp.lambdify(constants, sp.S(e), modules="mpmath") for e in reg.beta_domain)
    notes = []
    for i, (b, v) in enumerate(zip(beta, values, strict=True)):
        args = [v[s.name] for s in constants]
        lo, hi = lo_f(*args), hi_f(*args)
        if b < lo - tol or b > hi + tol:
            ends = [sp.S(e).subs({s: v[s.name] for s in constants}) for e in reg.beta_domain]
            notes.append(f"beta_{i + 1} = {mpmath.nstr(b, 6)} outside ({ends[0]}, {ends[1]})")
    if not notes:
        return ""
    return ("; the flow's limit leaves the model's range (" + ", ".join(notes) + "): the exact flow cannot, so "
            "rounding carried it across an unstable set (a saddle) and that limit is not the exact flow's")


def verify(
    p: Any,
    X: Any,
    y: Any,
    *,
    alpha: Any,
    constants: dict[str, Any] | None = None,
    dps: int | None = None,
    progress: bool | None = None,
) -> Any:
    """Run gradient flow on ``p`` and compare its limit with ``argmin Q`` of the derived regularizer.

    Parameters
    ----------
    p : Parametrization, Regularizer, SharedParametrization or a derived vector regularizer
        The model (derived on the fly) or an already derived regularizer. A vector model with shared parameters
        is verified by :func:`~implicit_bias.verify_shared.verify_shared` (its flow of the shared parameters
        against its derived ``argmin Q``) and returns a :class:`~implicit_bias.verify_shared.SharedVerifyReport`.
    X, y : array-like
        An underdetermined problem (``n < d``, full row rank, ``y`` in range).
    alpha : number
        The initialization scale (``mpmath.exp(-1000)`` works).
    constants : dict, optional
        Values of the model's other symbols (shapes, ``delta``; not ``alpha``), a scalar or one value per
        coordinate each; see :func:`implicit_bias._validation.check_constants`.
    dps : int, optional
        Working digits; by default :func:`default_dps`.
    progress : bool or None
        Progress bars on stderr (``None``: only on a terminal).

    Examples
    --------
    >>> import implicit_bias as ib
    >>> rep = ib.verify(ib.diagonal(2), [[1, 0.5, -0.3]], [1], alpha=0.5, dps=30)
    >>> rep.success, rep.agree, rep.max_abs_diff < 1e-20
    (True, True, True)
    """
    from .flow import gradient_flow
    from .reference import argmin_Q, min_l1, min_l2

    if not isinstance(p, Parametrization | Regularizer):
        from .verify_shared import verify_shared

        shared = derive(p) if isinstance(p, SharedParametrization) else p
        return verify_shared(shared, X, y, alpha=alpha, constants=constants, dps=dps, progress=progress)
    reg = p if isinstance(p, Regularizer) else derive(p)
    par = reg.parametrization
    a = check_alpha(alpha)
    dps = check_dps(dps) if dps is not None else default_dps(a)
    _Xm, _ym, _n, d = check_problem(X, y)
    others = check_constants([s.name for s in par.constants if s != par.alpha], constants, d=d)
    values = [{"alpha": a, **{k: v[i] if isinstance(v, list) else v for k, v in others.items()}} for i in range(d)]
    timings: dict[str, float] = {}
    with mpmath.workdps(dps):
        t0 = time.perf_counter()
        flow = gradient_flow(par, X, y, alpha=a, constants=constants, dps=dps, progress=progress)
        timings["flow"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        numeric = reg.to_numeric(dps=dps)
        ref = argmin_Q([numeric.coordinate(**v) for v in values], X, y, dps=dps, progress=progress)
        timings["argmin_Q"] = time.perf_counter() - t0
        l1 = min_l1(X, y, dps=dps)
        kernel = sp.lambdify(par.constants, reg.kernel, modules="mpmath")
        l2 = min_l2(X, y, weights=[kernel(*[v[s.name] for s in par.constants]) for v in values], dps=dps)
        gf, q = list(flow.beta), list(ref.beta)
        diff = _max_abs(gf, q)
        part = _max_abs(q, list(l1.beta))
        digits = float(mpmath.log10(part / diff)) if diff > 0 and part > 0 else float(dps)
        status = next((Status(r.status) for r in (flow, ref) if r.status != Status.SUCCESS), Status.SUCCESS)
        # agreement within what each side claims of itself (a factor 10 for the second-order terms its first-order
        # estimate leaves out), and never asked beyond the working precision
        claimed = flow.certificate + ref.kkt_residual.get("beta_correction", mpmath.inf)
        tol = mpmath.mpf(10) ** (-(dps - 11))
        tol = max(tol, 10 * claimed) if mpmath.isfinite(claimed) else tol
        agree = status == Status.SUCCESS and bool(
            diff <= tol + mpmath.mpf(10) ** (-dps + 5) * (1 + max(abs(x) for x in q)))
        message = (f"max diff {mpmath.nstr(diff, 3)} (tolerance {mpmath.nstr(tol, 3)}); flow {flow.status}: "
                   f"{flow.message}; reference {ref.status}: {ref.message}{_outside_range(reg, gf, values, tol)}")
        return VerifyReport(gf, q, list(l1.beta), list(l2.beta), diff, min(digits, float(dps)), flow.certificate,
                            dict(ref.kkt_residual), status, agree, message, dps, timings)
