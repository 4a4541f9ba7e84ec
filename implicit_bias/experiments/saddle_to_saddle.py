r"""Pesme & Flammarion (2023), "Saddle-to-Saddle Dynamics in Diagonal Linear Networks": does gradient flow at
``alpha = e^-300, e^-1000, e^-3000`` follow the saddles and jump times of the ``alpha -> 0`` limit?

Three independent computations meet here:

- :func:`~implicit_bias.dynamics.saddle_to_saddle` (Algorithm 1, exact rationals): saddles ``beta_k``, jump
  times ``t_k`` (accelerated time), losses ``L_k``;
- :func:`~implicit_bias.dynamics.dual_path.dual_path`: the flow of ``ib.diagonal(2)`` densely in time (float64,
  dual coordinate), which locates the time at which the loss crosses ``(L_{k-1} + L_k) / 2`` (the measured jump
  time ``T_k``, rescaled ``T_k / time_scale(alpha)``) and the value of ``beta`` in the middle of each plateau;
- :func:`~implicit_bias.flow.gradient_flow` with ``trajectory=True``: the original parameters ``u, v`` at
  ``dps`` digits (MPFR Taylor integration), whose states cross-check the dense path and whose limit is compared
  with the last saddle and with :func:`~implicit_bias.reference.min_l1`.

The theorem's convergence is in the accelerated time with an ``O(1)`` shift of each transition in the
original time, so ``(T_k / time_scale - t_k) * log(1/alpha)`` should tend to a constant per jump: the error
``~ 1 / log(1/alpha)``. Every ``*_point`` function is pure and returns a JSON-ready dict (for sweeps).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import mpmath
import numpy as np

from ..dynamics.dual_path import dual_path
from ..dynamics.saddles import SaddleToSaddle, saddle_to_saddle, time_scale
from ..parametrizations import diagonal

__all__ = ["PlantedProblem", "exact_point", "flow_point"]


@dataclass(frozen=True)
class PlantedProblem:
    """``X`` with i.i.d. N(0, 1) entries (``numpy.random.default_rng(seed)``), ``y = X beta*`` in float64 with
    ``beta* = (planted..., 0, ..., 0)``: uneven planted values give one plateau per activated coordinate."""

    n: int = 5
    d: int = 8
    planted: tuple[float, ...] = (1.0, -2.0, 1.5)
    seed: int = 0

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        X = np.random.default_rng(self.seed).standard_normal((self.n, self.d))
        beta = np.zeros(self.d)
        beta[: len(self.planted)] = self.planted
        return X, X @ beta

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> PlantedProblem:
        return cls(config["n"], config["d"], tuple(config["planted"]), config["seed"])

    def config(self) -> dict[str, Any]:
        return {**asdict(self), "planted": list(self.planted)}


def exact_point(config: dict[str, Any]) -> dict[str, Any]:
    """The exact saddles of a :class:`PlantedProblem` config, with the min-l1 interpolator and ``1/||X^T y/n||``."""
    from ..reference import min_l1

    prob = PlantedProblem.from_config(config)
    X, y = prob.data()
    dps = config.get("dps", 30)
    res = saddle_to_saddle(X, y, dps=dps)
    l1 = min_l1(X, y, dps=dps)
    with mpmath.workdps(dps):
        c = [mpmath.fsum(mpmath.mpf(X[i, j]) * mpmath.mpf(y[i]) for i in range(prob.n)) / prob.n
             for j in range(prob.d)]
        t1_formula = 1 / max(abs(v) for v in c)
        l1_gap = max(abs(a - b) for a, b in zip(res.saddles[-1], l1.beta, strict=True)) if l1.success else None
    return {**_saddles_json(res), "t1_formula": float(t1_formula),
            "t1_rel_error": float(abs(res.times[1] - t1_formula) / t1_formula) if len(res.times) > 1 else None,
            "min_l1": [float(b) for b in l1.beta], "min_l1_success": l1.success,
            "last_saddle_vs_min_l1": None if l1_gap is None else float(l1_gap)}


def _saddles_json(res: SaddleToSaddle) -> dict[str, Any]:
    return {"status": str(res.status), "message": res.message, "times": [float(t) for t in res.times],
            "exact_times": [str(t) for t in res.exact_times], "saddles": [[float(b) for b in s] for s in res.saddles],
            "losses": [float(v) for v in res.losses], "supports": [list(s) for s in res.supports],
            "deactivated": [list(s) for s in res.deactivated], "degeneracies": res.degeneracies}


def flow_point(config: dict[str, Any]) -> dict[str, Any]:
    """The flow at ``alpha = e^-log_inv_alpha`` against the saddles: measured jump times, plateau values, limit.

    ``config``: a :class:`PlantedProblem`'s fields, ``log_inv_alpha``, ``gradient_flow`` (bool: also run the
    MPFR flow of ``u, v``), ``dps`` (its digits), ``samples`` (points of the stored dense path for figures).
    """
    prob = PlantedProblem.from_config(config)
    X, y = prob.data()
    alpha = mpmath.exp(-config["log_inv_alpha"])
    scale = float(time_scale(alpha))
    res = saddle_to_saddle(X, y, dps=30)
    times = [float(t) for t in res.times]
    saddles = np.array([[float(b) for b in s] for s in res.saddles])
    losses = [float(v) for v in res.losses]
    levels = [(losses[k - 1] + losses[k]) / 2 for k in range(1, len(losses))]
    t_end = (times[-1] + max(2.0, 0.1 * times[-1])) * scale
    path = dual_path(diagonal(2), X, y, alpha=alpha, t_end=t_end, levels=levels, rtol=1e-12)
    crossings = [[c / scale for c in cs] for cs in path.crossings]
    measured = [cs[0] if len(cs) == 1 else None for cs in crossings]
    mids = [(times[k] + times[k + 1]) / 2 for k in range(1, len(times) - 1)]
    plateau_dev = [float(np.max(np.abs(path.beta(m * scale) - saddles[k + 1]))) for k, m in enumerate(mids)]
    grid = np.linspace(0.0, t_end, config.get("samples", 400))
    out: dict[str, Any] = {
        "log_inv_alpha": config["log_inv_alpha"], "time_scale": scale, "path_status": str(path.status),
        "levels": levels, "crossings": crossings, "measured_times": measured, "times": times,
        "time_errors": [None if m is None else m - t for m, t in zip(measured, times[1:], strict=True)],
        "plateau_mid_times": mids, "plateau_deviation": plateau_dev,
        "path": {"t": (grid / scale).tolist(), "loss": [path.loss(T) for T in grid],
                 "beta": [path.beta(T).tolist() for T in grid]},
    }
    if config.get("gradient_flow", False):
        out["gradient_flow"] = _flow_check(X, y, alpha, scale, config.get("dps", 30), res, path, times, saddles)
    return out


def _flow_check(X: np.ndarray, y: np.ndarray, alpha: mpmath.mpf, scale: float, dps: int, res: SaddleToSaddle,
                path: Any, times: list[float], saddles: np.ndarray) -> dict[str, Any]:
    """The MPFR flow of ``u, v``: its states against the dense path and the saddles, its limit against ``beta_p``."""
    from ..flow import gradient_flow

    sol = gradient_flow(diagonal(2), X, y, alpha=alpha, dps=dps, trajectory=True, progress=False,
                        plateau_steps=None)
    traj_t = [float(T) / scale for T, _b in sol.trajectory]
    traj_beta = np.array([[float(b) for b in beta] for _T, beta in sol.trajectory])
    n = X.shape[0]
    traj_loss = [float(np.sum((X @ b - y) ** 2)) / (2 * n) for b in traj_beta]
    in_path = [i for i, t in enumerate(traj_t) if float(t) * scale <= path.t[-1]]
    vs_path = max((float(np.max(np.abs(path.beta(traj_t[i] * scale) - traj_beta[i]))) for i in in_path),
                  default=None)
    # trajectory points well inside a plateau: at least 10% of its length from either end
    inside = []
    for i, t in enumerate(traj_t):
        k = max(j for j, tk in enumerate(times) if tk <= t)
        if k >= 1 and k + 1 < len(times) and times[k] + 0.1 * (times[k + 1] - times[k]) < t \
                < times[k + 1] - 0.1 * (times[k + 1] - times[k]):
            inside.append({"t": t, "k": k, "deviation": float(np.max(np.abs(traj_beta[i] - saddles[k])))})
    with mpmath.workdps(dps):
        limit_gap = max(abs(a - b) for a, b in zip(sol.beta, res.saddles[-1], strict=True))
    return {"status": str(sol.status), "message": sol.message, "wall_time": sol.wall_time, "steps": sol.steps,
            "t": traj_t, "loss": traj_loss, "beta": traj_beta.tolist(), "vs_path": vs_path,
            "inside_plateaus": inside, "limit_vs_last_saddle": float(limit_gap),
            "certificate": float(sol.certificate)}
