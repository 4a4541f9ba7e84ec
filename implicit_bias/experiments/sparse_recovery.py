"""Figure 1 of Woodworth et al. (2020): sparse regression with the diagonal network ``u^2 - v^2``.

The gradient-flow solution is ``beta_alpha = argmin Q_alpha s.t. X beta = y`` (Theorem 1, the engine's
hypentropy; :mod:`implicit_bias.verify` checks that identity against the flow itself), computed here by the
reference dual solver. One point = one ``(d, n, sparsity, seed, alpha)``; every function is pure and returns
a JSON-ready dict, so a sweep can store and resume it.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from ..derive import derive
from ..parametrizations import diagonal
from ..problems import sparse_regression

__all__ = ["RecoveryPoint", "largest_recovering_alpha", "recovery_point", "reference_points"]


@dataclass(frozen=True)
class RecoveryPoint:
    """One problem and one scale (``log10_alpha``)."""

    d: int
    n: int
    sparsity: int
    seed: int
    log10_alpha: float
    noise_std: float = 0.1
    dps: int = 30


def _norms(beta: np.ndarray) -> tuple[float, float]:
    return float(np.abs(beta).sum()), float(np.sqrt((beta**2).sum()))


def recovery_point(pt: RecoveryPoint) -> dict:
    """Population error and norms of ``beta_alpha`` for one point."""
    from ..reference import argmin_Q

    prob = sparse_regression(pt.d, pt.n, pt.sparsity, seed=pt.seed, noise_std=pt.noise_std)
    f = derive(diagonal(2)).to_numeric(dps=pt.dps)
    with mpmath.workdps(pt.dps):
        alpha = mpmath.mpf(10) ** mpmath.mpf(pt.log10_alpha)
        sol = argmin_Q([f.coordinate(alpha=alpha)] * pt.d, prob.X, prob.y, dps=pt.dps)
        sol.raise_for_status()
        beta = np.array([float(x) for x in sol.beta])
    l1, l2 = _norms(beta)
    return {"population_error": prob.population_error(beta), "l1": l1, "l2": l2}


def reference_points(d: int, n: int, sparsity: int, seed: int, noise_std: float = 0.1, dps: int = 30) -> dict:
    """Population error and norms of the min-l1 and min-l2 interpolants."""
    from ..reference import min_l1, min_l2

    prob = sparse_regression(d, n, sparsity, seed=seed, noise_std=noise_std)
    out = {}
    for name, solver in (("l1", min_l1), ("l2", min_l2)):
        beta = np.array([float(x) for x in solver(prob.X, prob.y, dps=dps).beta])
        l1, l2 = _norms(beta)
        out[name] = {"population_error": prob.population_error(beta), "l1": l1, "l2": l2}
    return out


def largest_recovering_alpha(d: int, n: int, sparsity: int, seed: int, *, threshold: float = 0.025,
                             lo: float = -8.0, hi: float = 1.0, steps: int = 12, noise_std: float = 0.1) -> dict:
    """Bisection in ``log10 alpha`` for the largest scale whose solution has population error <= threshold.

    Returns ``{"log10_alpha": value or None}`` (None: even ``10^lo`` does not recover; ``hi`` if all do).
    """
    def ok(la: float) -> bool:
        return recovery_point(RecoveryPoint(d, n, sparsity, seed, la, noise_std))["population_error"] <= threshold

    if not ok(lo):
        return {"log10_alpha": None}
    if ok(hi):
        return {"log10_alpha": hi}
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return {"log10_alpha": lo}
