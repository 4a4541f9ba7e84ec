"""Theorem 2 (Woodworth et al. 2020): sufficient scales for the (1 + eps)-approximation of l1 and l2.

For ``w0 = 1`` and any ``0 < eps < d``:

* ``alpha <= min{(2(1+eps)||b_l1||_1)^(-(2+eps)/(2 eps)), exp(-d/(eps ||b_l1||_1))}`` implies
  ``||beta_alpha||_1 <= (1+eps) ||b_l1||_1``;
* ``alpha >= sqrt(2(1+eps)(1+2/eps) ||b_l2||_2)`` implies ``||beta_alpha||_2^2 <= (1+eps) ||b_l2||_2^2``.

The run evaluates ``beta_alpha = argmin Q_alpha`` (derived hypentropy, reference dual solver) at each bound
and finds, by bisection in ``log alpha``, the scale at which the approximation actually reaches ``1 + eps``:
how loose each bound is.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import numpy as np

from ..derive import derive
from ..parametrizations import diagonal

__all__ = ["Theorem2Config", "alpha_l1_bound", "alpha_l2_bound", "run_theorem2"]


def alpha_l1_bound(eps: float, l1: mpmath.mpf, d: int) -> mpmath.mpf:
    """The theorem's l1-side scale (the paper's formula, as stated)."""
    eps_ = mpmath.mpf(eps)
    return min((2 * (1 + eps_) * l1) ** (-(2 + eps_) / (2 * eps_)), mpmath.exp(-d / (eps_ * l1)))


def alpha_l2_bound(eps: float, l2: mpmath.mpf) -> mpmath.mpf:
    """The theorem's l2-side scale (the paper's formula, as stated)."""
    eps_ = mpmath.mpf(eps)
    return mpmath.sqrt(2 * (1 + eps_) * (1 + 2 / eps_) * l2)


@dataclass(frozen=True)
class Theorem2Config:
    """One random instance: ``X`` (n x d) Gaussian, ``y`` Gaussian, seed; the eps values; digits."""

    d: int = 5
    n: int = 2
    seed: int = 0
    eps: tuple[float, ...] = (0.5, 1.0)
    dps: int = 40
    bisection_steps: int = 30


def run_theorem2(cfg: Theorem2Config) -> dict:
    """Ratios at the bounds and the scales where the ratios actually reach ``1 + eps``."""
    from ..reference import argmin_Q, min_l1, min_l2

    rng = np.random.default_rng(cfg.seed)
    X = rng.standard_normal((cfg.n, cfg.d))
    y = rng.standard_normal(cfg.n)
    f = derive(diagonal(2)).to_numeric(dps=cfg.dps)
    with mpmath.workdps(cfg.dps):
        b_l1 = list(min_l1(X, y, dps=cfg.dps).beta)
        b_l2 = list(min_l2(X, y, dps=cfg.dps).beta)
        n1 = sum(abs(x) for x in b_l1)
        n2 = mpmath.sqrt(sum(x**2 for x in b_l2))

        def solution(alpha: mpmath.mpf) -> list[mpmath.mpf]:
            sol = argmin_Q([f.coordinate(alpha=alpha)] * cfg.d, X, y, dps=cfg.dps)
            sol.raise_for_status()
            return list(sol.beta)

        def ratio1(alpha: mpmath.mpf) -> mpmath.mpf:
            return sum(abs(x) for x in solution(alpha)) / n1

        def ratio2(alpha: mpmath.mpf) -> mpmath.mpf:
            return sum(x**2 for x in solution(alpha)) / n2**2

        rows = []
        for eps in cfg.eps:
            a1, a2 = alpha_l1_bound(eps, n1, cfg.d), alpha_l2_bound(eps, n2)
            r1, r2 = ratio1(a1), ratio2(a2)
            # ||beta_alpha||_1 grows with alpha (towards l2), ||beta_alpha||_2 falls: bisect log(alpha)
            lo, hi = mpmath.log(a1), mpmath.log(a2)
            target = 1 + mpmath.mpf(eps)
            lo1, hi1 = lo, hi
            for _ in range(cfg.bisection_steps):
                mid = (lo1 + hi1) / 2
                lo1, hi1 = (mid, hi1) if ratio1(mpmath.exp(mid)) <= target else (lo1, mid)
            lo2, hi2 = lo, hi
            for _ in range(cfg.bisection_steps):
                mid = (lo2 + hi2) / 2
                lo2, hi2 = (lo2, mid) if ratio2(mpmath.exp(mid)) <= target else (mid, hi2)
            rows.append({
                "eps": eps,
                "log10_alpha_l1_bound": float(mpmath.log10(a1)), "ratio_l1_at_bound": float(r1),
                "log10_alpha_l1_actual": float(lo1 / mpmath.log(10)),
                "log10_alpha_l2_bound": float(mpmath.log10(a2)), "ratio_l2_at_bound": float(r2),
                "log10_alpha_l2_actual": float(hi2 / mpmath.log(10)),
            })
    return {"d": cfg.d, "n": cfg.n, "seed": cfg.seed, "l1": float(n1), "l2": float(n2), "rows": rows}
