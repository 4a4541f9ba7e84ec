r"""Even, Pesme, Gunasekar & Flammarion (2023), "(S)GD over Diagonal Linear Networks": GD and SGD with finite and
large steps, at ``dps`` digits, against the implicit problem of their effective initialization.

For each run (:func:`~implicit_bias.dynamics.large_steps.descent`) :func:`run_point` measures

- ``identity``: ``|beta_K - argmin Q_K s.t. X beta = X beta_K|``, ``Q_K`` the engine's regularizer of the tilted
  ``u v`` model at the run's ``alpha_K`` and tilt (exact at every step: zero to the working precision);
- ``limit``: the same with ``X beta = y`` (the paper's statement about ``beta_infinity``; as small as the residual);
- ``untilted``: ``X beta = y`` with the tilt dropped (the hypentropy at ``alpha_infinity`` alone);
- ``flow``: ``X beta = y`` with the hypentropy at the initial ``alpha`` (gradient flow's limit);
- ``gain_by_steps``: how far the gain accumulated step by step in float64 with the paper's
  ``q(x) = -log((1 - x^2)^2) / 2`` is from the gain of the exact products (relative to ``sum |q|``);
- the gain ``log(alpha^2 / alpha_inf^2)`` per coordinate, the loss curve, the error against ``beta*``.

:func:`largest_step` bisects for the largest stepsize at which GD still converges (the edge of stability).
Every ``*_point`` function is pure and returns a JSON-ready dict.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dynamics.large_steps import DescentRun, descent, effective_initialization, implicit_solution
from .saddle_to_saddle import PlantedProblem

__all__ = ["largest_step", "run_point"]

#: Points of the loss curve kept in a stored result.
LOSS_POINTS = 1500


def _problem(config: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    prob = PlantedProblem.from_config(config)
    X, y = prob.data()
    beta_star = np.zeros(prob.d)
    beta_star[: len(prob.planted)] = prob.planted
    return X, y, beta_star


def _run(config: dict[str, Any], step: float, X: np.ndarray, y: np.ndarray, dps: int) -> DescentRun:
    return descent(X, y, alpha=config["alpha"], step=step, model=config.get("model", "u*v"),
                   batch_size=config.get("batch_size"), seed=config.get("sgd_seed", 0),
                   max_iter=config.get("max_iter", 200_000), tol=config.get("tol"), dps=dps)


def run_point(config: dict[str, Any]) -> dict[str, Any]:
    """One GD / SGD run and its comparisons (see the module docstring).

    ``config``: a :class:`PlantedProblem`'s fields, ``alpha``, ``step``, ``model``, ``batch_size`` (None: GD),
    ``sgd_seed``, ``max_iter``, ``tol``, ``dps``, ``solves`` (which of ``identity``, ``limit``, ``untilted``,
    ``flow`` to compute; default all).
    """
    X, y, beta_star = _problem(config)
    dps = config.get("dps", 30)
    run = _run(config, config["step"], X, y, dps)
    return analyse(run, X, y, beta_star, config.get("solves", ("identity", "limit", "untilted", "flow")))


def analyse(run: DescentRun, X: np.ndarray, y: np.ndarray, beta_star: np.ndarray, solves: Any) -> dict[str, Any]:
    """The comparisons of :func:`run_point` for a finished run."""
    eff = effective_initialization(run)
    out: dict[str, Any] = {
        "model": run.model, "step": float(run.step), "batch_size": run.batch_size, "status": str(run.status),
        "message": run.message, "iterations": run.iterations, "residual": float(run.residual),
        "loss_increases": run.loss_increases, "wall_time": run.wall_time, "dps": run.dps,
        "beta": [float(b) for b in run.beta], "l1": float(sum(abs(b) for b in run.beta)),
        "error": float(np.max(np.abs(np.array([float(b) for b in run.beta]) - beta_star))),
        "gain": [float(g) for g in eff.gain], "alpha_inf": [float(a) for a in eff.alpha_inf],
        "alpha_uv": float(run.alpha_uv), "max_tilt": float(max(abs(c) for c in eff.tilt)),
        "max_beta0": float(max(abs(b) for b in eff.beta0)),
        "losses": _sample(run.losses),
    }
    exact = np.array([float(g) for g in eff.gain])
    out["gain_by_steps"] = float(np.max(np.abs(run.gain_by_steps - exact) / (1 + run.gain_abs)))
    cases: dict[str, dict[str, Any]] = {
        "identity": {}, "limit": {"labels": y}, "untilted": {"labels": y, "tilted": False},
        "flow": {"labels": y, "tilted": False, "alpha": run.alpha_uv}}
    for name in solves:
        sol = implicit_solution(run, X, **cases[name])
        out[name] = float(max(abs(a - b) for a, b in zip(sol.beta, run.beta, strict=True))) if sol.success else None
        out[f"{name}_status"] = str(sol.status)
    return out


def _sample(losses: np.ndarray) -> dict[str, list[Any]]:
    """The loss curve at most ``LOSS_POINTS`` steps (every step when shorter; else log-spaced plus the last)."""
    k = len(losses)
    idx = np.arange(k) if k <= LOSS_POINTS else np.unique(np.concatenate([
        np.arange(200), np.geomspace(200, k - 1, LOSS_POINTS - 200).astype(int)]))
    return {"step": idx.tolist(), "loss": [float(losses[i]) for i in idx]}


def largest_step(config: dict[str, Any]) -> dict[str, Any]:
    """The largest GD stepsize in ``[lo, hi]`` (to ``(hi - lo) / 2^halvings``) whose run converges within
    ``max_iter`` steps, and the :func:`run_point` analysis of that run (same ``dps``, so the same run).

    ``config``: as :func:`run_point` without ``step``, plus ``lo``, ``hi``, ``halvings``.
    """
    X, y, beta_star = _problem(config)
    dps = config.get("dps", 30)
    lo, hi = config["lo"], config["hi"]
    tried = []
    best = None
    for _ in range(config["halvings"]):
        mid = (lo + hi) / 2
        run = _run(config, mid, X, y, dps)
        tried.append({"step": mid, "status": str(run.status), "iterations": run.iterations})
        if run.success:
            lo, best = mid, run
        else:
            hi = mid
    if best is None:
        return {"largest": None, "smallest_failing": hi, "tried": tried, "run": None}
    return {"largest": lo, "smallest_failing": hi, "tried": tried,
            "run": analyse(best, X, y, beta_star, config.get("solves", ("identity", "limit")))}
