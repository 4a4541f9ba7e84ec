"""Figures 1 and 3(c) of Woodworth et al. (2020): sparse regression with the diagonal network ``u^D - v^D``.

The gradient-flow solution is ``beta_alpha = argmin Q_alpha s.t. X beta = y`` (Theorem 1 for ``D = 2``, the
engine's hypentropy; Theorem 3 for ``D >= 3``, ``alpha^D sum_i q_D(beta_i / alpha^D)``; both derived by the engine
from ``diagonal(D)``, and :mod:`implicit_bias.verify` checks the identity against the flow itself), computed here by
the reference dual solver. One point = one ``(d, n, sparsity, seed, alpha, depth)``; every function is pure and
returns a JSON-ready dict, so a sweep can store and resume it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import mpmath
import numpy as np

from .._validation import check_int
from ..derive import derive
from ..derive.numeric import NumericRegularizer
from ..errors import InputError
from ..parametrizations import diagonal
from ..problems import sparse_regression

__all__ = ["RecoveryPoint", "largest_recovering_alpha", "largest_recovering_scale", "recovery_point",
           "reference_points"]


@dataclass(frozen=True)
class RecoveryPoint:
    """One problem and one scale: ``log10_alpha`` is ``log10`` of the initialization ``u(0) = v(0) = alpha``
    of the depth-``depth`` model (so ``beta(0)`` has scale ``alpha^depth``)."""

    d: int
    n: int
    sparsity: int
    seed: int
    log10_alpha: float
    noise_std: float = 0.1
    dps: int = 30
    depth: int = 2

    def __post_init__(self) -> None:
        check_int(self.depth, "depth", 2, "the model is u^D - v^D")


@cache
def _numeric(depth: int, dps: int) -> NumericRegularizer:
    """The engine's regularizer of ``diagonal(depth)`` at ``dps`` digits (derived once per process)."""
    return derive(diagonal(depth)).to_numeric(dps=dps)


def _norms(beta: np.ndarray) -> tuple[float, float]:
    return float(np.abs(beta).sum()), float(np.sqrt((beta**2).sum()))


def recovery_point(pt: RecoveryPoint) -> dict:
    """Population error and norms of ``beta_alpha`` for one point."""
    from ..reference import argmin_Q

    prob = sparse_regression(pt.d, pt.n, pt.sparsity, seed=pt.seed, noise_std=pt.noise_std)
    f = _numeric(int(pt.depth), pt.dps)
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


def _bisect(ok: Callable[[float], bool], lo: float, hi: float, steps: int) -> float | None:
    """Largest ``x`` in ``[lo, hi]`` with ``ok(x)``, to ``(hi - lo) / 2^steps`` (``ok`` assumed to hold below a
    threshold): None if ``ok(lo)`` fails, ``hi`` if ``ok(hi)`` holds, else the last point found to hold."""
    if not lo < hi:
        raise InputError(f"lo={lo!r}, hi={hi!r}: the bisection range needs lo < hi")
    check_int(steps, "steps", 0, "the number of bisection halvings")
    if not ok(lo):
        return None
    if ok(hi):
        return hi
    for _ in range(steps):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return lo


def largest_recovering_alpha(d: int, n: int, sparsity: int, seed: int, *, threshold: float = 0.025,
                             lo: float = -8.0, hi: float = 1.0, steps: int = 12, noise_std: float = 0.1,
                             depth: int = 2, dps: int = 30) -> dict:
    """Bisection in ``log10 alpha`` for the largest scale whose solution has population error <= threshold.

    Returns ``{"log10_alpha": value or None}`` (None: even ``10^lo`` does not recover; ``hi`` if all do).
    """
    def ok(la: float) -> bool:
        pt = RecoveryPoint(d, n, sparsity, seed, la, noise_std, dps, depth)
        return recovery_point(pt)["population_error"] <= threshold

    return {"log10_alpha": _bisect(ok, lo, hi, steps)}


def largest_recovering_scale(d: int, n: int, sparsity: int, seed: int, *, depth: int, threshold: float = 0.025,
                             lo: float = -12.0, hi: float = 0.0, steps: int = 8, noise_std: float = 0.1,
                             dps: int = 30) -> dict:
    """Bisection in ``log10 alpha^D`` (the scale of ``beta`` at initialization; Fig. 3(c)'s axis) for the largest
    scale whose depth-``D`` solution has population error <= threshold.

    The grid ``lo + k (hi - lo) / 2^steps`` is the same for every depth, so results of different depths compare
    exactly: with an error increasing in the scale, each result is the largest grid point that recovers.

    Returns
    -------
    dict
        ``log10_alpha_D`` (None: even ``10^lo`` does not recover; ``hi`` if all do), ``error`` at that scale
        (None if none recovers), ``error_lo`` at ``10^lo`` and ``evaluations`` (solves of ``argmin Q``).
    """
    errors: dict[float, float] = {}

    def ok(la_D: float) -> bool:
        pt = RecoveryPoint(d, n, sparsity, seed, la_D / depth, noise_std, dps, depth)
        errors[la_D] = recovery_point(pt)["population_error"]
        return errors[la_D] <= threshold

    best = _bisect(ok, lo, hi, steps)
    return {"log10_alpha_D": best, "error": None if best is None else errors[best], "error_lo": errors[lo],
            "evaluations": len(errors)}
