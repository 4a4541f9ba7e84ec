"""Figures 2 and 3 of Woodworth et al. (2020): the shapes of derived regularizers, evaluated from the engine.

* Figure 2: the implicit hypentropy ``q`` beside the explicit ``r(z) = min ||w - 1||^2 s.t. u^2 - v^2 = z``,
  and how fast each approaches l1 as ``alpha -> 0``.
* Figure 3 (a, b): ``q_D`` for several depths, and ``Q(e_1) / Q(1_d / ||1_d||)`` against ``alpha^D``.

Values are in the paper's normalization (``alpha^D q_D(beta/alpha^D)``), obtained from the derived ``Q``
by the constant ``reg.kernel``-based factor ``c_D`` with ``q_D''(0) = (D-2)/(2D)`` (``1/2`` for ``D = 2``):
the factor is computed, not typed: ``c_D = q_D''(0) / Q''(beta0)`` at ``alpha = 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from ..derive import derive
from ..derive.explicit import explicit_regularizer
from ..parametrizations import diagonal

__all__ = ["DepthConfig", "ExplicitConfig", "paper_factor", "run_depth", "run_explicit"]


def paper_factor(D: int) -> mpmath.mpf:
    """``c`` with ``alpha^D q_D(beta/alpha^D) = c * alpha^(D-2) * Q(beta)`` (``c = 4`` for D = 2, ``D(D-2)`` else).

    Derived from the curvature at 0: the paper's ``q_D = int h_D^{-1}`` has ``q_D''(0) = 1/h_D'(0)`` with
    ``h_D'(0) = 2D/(D-2)`` (``h_2 = 2 sinh``: ``h_2'(0) = 2``), while ``Q''(0) = 1/K``, ``K`` the tangent kernel.
    """
    reg = derive(diagonal(D))
    a = reg.parametrization.alpha
    K = sp.expand(reg.kernel.subs(a, 1))
    h_prime = sp.Integer(2) if D == 2 else sp.Rational(2 * D, D - 2)
    return mpmath.mpf(sp.N(K / h_prime, 30))


@dataclass(frozen=True)
class ExplicitConfig:
    """Figure 2: z grid for the curves, alpha grid for the approach to l1 (beta = 1 on one coordinate)."""

    z_max: float = 6.0
    n_z: int = 61
    log10_alphas: tuple[float, ...] = (-1.0, -2.0, -3.0, -4.0, -6.0, -8.0)
    dps: int = 30


def run_explicit(cfg: ExplicitConfig) -> dict:
    """Evaluate ``q`` (from the engine) and ``r`` (explicit comparator) and their l1 deviations."""
    f = derive(diagonal(2)).to_numeric(dps=cfg.dps)
    R = explicit_regularizer(diagonal(2))
    c = paper_factor(2)
    zs = [cfg.z_max * (2 * i / (cfg.n_z - 1) - 1) for i in range(cfg.n_z)]
    q = [float(c * f.Q(z, alpha=1)) for z in zs]
    r = [float(R(z, alpha=1, dps=cfg.dps)) for z in zs]
    dev_q, dev_r = [], []
    for la in cfg.log10_alphas:
        alpha = mpmath.mpf(10) ** la
        with mpmath.workdps(cfg.dps):
            # both normalized so that the alpha -> 0 limit is |beta| = 1
            q_norm = c * f.Q(1, alpha=alpha) / mpmath.log(1 / alpha**2)
            r_val = R(1, alpha=alpha, dps=cfg.dps)
        dev_q.append(float(abs(q_norm - 1)))
        dev_r.append(float(abs(r_val - 1)))
    return {"z": zs, "q": q, "r": r, "log10_alpha": list(cfg.log10_alphas), "dev_q": dev_q, "dev_r": dev_r}


@dataclass(frozen=True)
class DepthConfig:
    """Figure 3 (a, b): depths, z grid for q_D, d and the alpha^D grid for the e_1 / uniform ratio."""

    depths: tuple[int, ...] = (2, 3, 5, 8)
    z_max: float = 4.0
    n_z: int = 41
    d: int = 100
    log10_alpha_D: tuple[float, ...] = (-8.0, -6.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)
    dps: int = 30


def run_depth(cfg: DepthConfig) -> dict:
    """``q_D(z)`` on a grid and the ratio ``Q(e_1)/Q(1_d/sqrt d)`` against ``alpha^D``, per depth."""
    zs = [cfg.z_max * (2 * i / (cfg.n_z - 1) - 1) for i in range(cfg.n_z)]
    out: dict = {"z": zs, "log10_alpha_D": list(cfg.log10_alpha_D), "d": cfg.d, "q": {}, "ratio": {}}
    for D in cfg.depths:
        f = derive(diagonal(D)).to_numeric(dps=cfg.dps)
        c = paper_factor(D)
        out["q"][str(D)] = [float(c * f.Q(z, alpha=1)) for z in zs]
        ratios = []
        for la in cfg.log10_alpha_D:
            with mpmath.workdps(cfg.dps):
                alpha = mpmath.mpf(10) ** (mpmath.mpf(la) / D)
                one = f.Q(1, alpha=alpha)
                spread = cfg.d * f.Q(1 / mpmath.sqrt(cfg.d), alpha=alpha)
                ratios.append(float(one / spread))
        out["ratio"][str(D)] = ratios
    return out
