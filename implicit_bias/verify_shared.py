"""``verify`` for vector models with shared parameters: the flow of the original parameters against ``argmin Q``.

The flow is :func:`~implicit_bias.flow.shared.shared_flow` (heyoka, MPFR; no derivation involved), the reference is
the derived regularizer's own minimizer: for a commuting model the separable dual solver over its blocks
(:func:`~implicit_bias.reference.shared.argmin_Q_mixed`), for a time-warped one the dual solver over its vector map
(:func:`~implicit_bias.reference.vector_dual.argmin_Q_vector`). They meet only here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import mpmath

from ._validation import check_alpha, check_constants, check_dps, check_problem
from .results import Status

__all__ = ["SharedVerifyReport", "verify_shared"]


@dataclass(frozen=True)
class SharedVerifyReport:
    """Gradient flow of the shared parameters against ``argmin Q``.

    ``status`` says whether both computations finished; ``agree`` is the verdict (both finished and agree to the
    working precision). ``reference_beta`` is an ``alpha``-free reference named by ``reference_name`` (a commuting
    model's rich limit ``A argmin ||s||_1 + c``, or the kernel-regime interpolant), against which
    ``alpha_part_digits`` measures how many digits of ``beta - reference`` agree; ``kernel_beta`` is the
    kernel-regime interpolant ``beta0 + K X^T (X K X^T)^-1 (y - X beta0)``. ``notes`` lists what the reference
    assumed (e.g. the sign of the neuron's outer weight).
    """

    gf_beta: list[mpmath.mpf]
    q_beta: list[mpmath.mpf]
    reference_beta: list[mpmath.mpf]
    reference_name: str
    kernel_beta: list[mpmath.mpf]
    max_abs_diff: mpmath.mpf
    alpha_part_digits: float
    certificate: mpmath.mpf
    kkt_residual: dict[str, Any]
    status: Status
    agree: bool
    message: str
    dps: int
    timings: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def success(self) -> bool:
        """Both the flow and the reference solver finished."""
        return self.status == Status.SUCCESS

    def summary(self) -> str:
        """A few lines for a terminal."""
        verdict = "agree" if self.agree else ("disagree" if self.success else f"not compared ({self.status})")
        diff_k = max(abs(a - b) for a, b in zip(self.q_beta, self.kernel_beta, strict=True))
        return (f"verdict: {verdict} ({self.message})\n"
                f"max |beta_GF - argmin Q| = {mpmath.nstr(self.max_abs_diff, 3)} (flow certificate "
                f"{mpmath.nstr(self.certificate, 3)})\n"
                f"beta - {self.reference_name} agrees to {self.alpha_part_digits:.1f} digits; "
                f"|beta_Q - kernel interpolant|_inf = {mpmath.nstr(diff_k, 3)}\n"
                + "".join(f"note: {n}\n" for n in self.notes)
                + f"dps = {self.dps}; times: " + ", ".join(f"{k} {v:.2f} s" for k, v in self.timings.items()))


def verify_shared(reg: Any, X: Any, y: Any, *, alpha: Any, constants: dict[str, Any] | None = None,
                  dps: int | None = None, progress: bool | None = None, max_time: float | None = None
                  ) -> SharedVerifyReport:
    """Run :func:`~implicit_bias.flow.shared.shared_flow` and compare its limit with the derived ``argmin Q``.

    ``reg`` is a derived CommutingRegularizer or WarpedRegularizer; see :func:`implicit_bias.verify`.
    """
    from .derive.commuting import CommutingRegularizer
    from .flow.shared import shared_flow
    from .reference.shared import argmin_Q_mixed, kernel_interpolant, min_l1_mixed
    from .verify import default_dps

    p = reg.parametrization
    a = check_alpha(alpha)
    dps = check_dps(dps) if dps is not None else default_dps(a)
    check_problem(X, y)
    others = check_constants([s.name for s in p.constants if s != p.alpha], constants)
    values = {"alpha": a, **others} if p.alpha in p.constants else dict(others)
    timings: dict[str, float] = {}
    notes: tuple[str, ...] = ()
    with mpmath.workdps(dps):
        t0 = time.perf_counter()
        flow = shared_flow(p, X, y, alpha=a, constants=constants, dps=dps, progress=progress, max_time=max_time)
        timings["flow"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        f = reg.to_numeric(dps=dps)
        if isinstance(reg, CommutingRegularizer):
            A, c, maps = f.mixing(**values)
            ref = argmin_Q_mixed(A, c, maps, X, y, dps=dps, progress=progress)
            rich, rich_name = min_l1_mixed(A, c, X, y, dps=dps), "A argmin ||s||_1 + c (the rich limit)"
        else:
            # the potential is fixed up to the sign of the initial-direction term, which sign(a) at the end selects
            ref = f.argmin(X, y, sign=f.final_sign(flow.w), **values)
            notes = tuple(f.assumptions(flow.w, **values))
            rich, rich_name = None, "the kernel interpolant"
        timings["argmin_Q"] = time.perf_counter() - t0
        K = mpmath.matrix(f.kernel(**values))
        kern = kernel_interpolant(K, f.beta0(**values), X, y, dps=dps)
        reference = rich if rich is not None else kern
        gf, q = list(flow.beta), list(ref.beta)
        diff = max(abs(u - v) for u, v in zip(gf, q, strict=True))
        part = max(abs(u - v) for u, v in zip(q, reference.beta, strict=True))
        digits = float(mpmath.log10(part / diff)) if diff > 0 and part > 0 else float(dps)
        status = next((Status(r.status) for r in (flow, ref) if r.status != Status.SUCCESS), Status.SUCCESS)
        tol = mpmath.mpf(10) ** (-(dps - 10))
        agree = status == Status.SUCCESS and bool(
            diff <= 10 * tol + mpmath.mpf(10) ** (-dps + 5) * (1 + max(abs(x) for x in q)))
        message = (f"max diff {mpmath.nstr(diff, 3)} (tolerance {mpmath.nstr(tol, 3)}); flow {flow.status}: "
                   f"{flow.message}; reference {ref.status}: {ref.message}")
        return SharedVerifyReport(gf, q, list(reference.beta), rich_name, list(kern.beta), diff,
                                  min(digits, float(dps)), flow.certificate, dict(ref.kkt_residual), status, agree,
                                  message, dps, timings, notes)
