"""The runs the Even et al. checks share (stored in the sweep store; a rerun reuses them).

Setting: ``X`` 15 x 30 with i.i.d. N(0, 1) entries (``numpy.random.default_rng(0)``), ``y = X beta*``,
``beta* = (1, -1, 0.5, 0, ..., 0)``, ``alpha = 0.1``, ``beta = u v`` from ``u = sqrt(2) alpha, v = 0``.
--quick: 24 digits, residual 1e-14; GD at steps 0.05, 0.1, 0.2; SGD (batch 1) at 0.05, 0.1; GD on ``u^2 - v^2`` at
0.1; the largest convergent GD step by 5 halvings of [0.4, 1.6] (runs of at most 25,000 steps) and GD at half of
it. --full: 40 digits, residual 1e-25; GD at 0.025 ... 0.4 (0.4 only reported by the small-step check); SGD at
0.02, 0.05, 0.1; 8 halvings (at most 60,000 steps).
"""

from __future__ import annotations

from typing import Any

from implicit_bias.experiments.large_steps import largest_step, run_point

from .._common import sweep
from .._framework import Context

PROBLEM = {"n": 15, "d": 30, "planted": [1.0, -1.0, 0.5], "seed": 0, "alpha": 0.1}
SUPPORT = 3
ALL = ["identity", "limit", "untilted", "flow"]


def sizes(quick: bool) -> dict[str, Any]:
    if quick:
        return {"dps": 24, "tol": 1e-14, "max_iter": 100_000, "gd": [0.05, 0.1, 0.2], "sgd": [0.05, 0.1],
                "square": 0.1, "lo": 0.4, "hi": 1.6, "halvings": 5, "bisect_iter": 25_000}
    return {"dps": 40, "tol": 1e-25, "max_iter": 400_000, "gd": [0.025, 0.05, 0.1, 0.2, 0.4], "sgd": [0.02, 0.05, 0.1],
            "square": 0.1, "lo": 0.4, "hi": 1.6, "halvings": 8, "bisect_iter": 60_000}


def runs(ctx: Context) -> dict[str, Any]:
    """``{"sizes", "gd": [...], "sgd": [...], "square": {...}, "eos": largest_step result, "half": {...}}``."""
    z = sizes(ctx.quick)
    base = {**PROBLEM, "dps": z["dps"], "tol": z["tol"], "max_iter": z["max_iter"]}
    configs = ([{**base, "step": s, "solves": ALL} for s in z["gd"]]
               + [{**base, "step": s, "batch_size": 1, "solves": ALL[:3]} for s in z["sgd"]]
               + [{**base, "step": z["square"], "model": "u^2-v^2", "solves": ALL[:2]}])
    eos_config = {**base, "max_iter": z["bisect_iter"], "lo": z["lo"], "hi": z["hi"], "halvings": z["halvings"],
                  "solves": ALL[:2]}
    got = sweep(run_point, configs, ctx, "even2023_runs")
    eos = sweep(largest_step, [eos_config], ctx, "even2023_largest_step")[0]
    half = None
    if eos["largest"] is not None:
        half = sweep(run_point, [{**base, "step": eos["largest"] / 2, "solves": ALL[:2]}], ctx, "even2023_runs")[0]
    k, m = len(z["gd"]), len(z["sgd"])
    return {"sizes": z, "support": SUPPORT, "gd": got[:k], "sgd": got[k:k + m], "square": got[k + m], "eos": eos,
            "half": half, "lambda_step": _classical_step()}


def _classical_step() -> float:
    """``2 / lambda_max(X^T X / n)``: the stability limit of GD on the loss in ``beta`` itself."""
    import numpy as np

    from implicit_bias.experiments.saddle_to_saddle import PlantedProblem

    X, _y = PlantedProblem(PROBLEM["n"], PROBLEM["d"], tuple(PROBLEM["planted"]), PROBLEM["seed"]).data()
    return float(2 / np.linalg.eigvalsh(X.T @ X / PROBLEM["n"]).max())


def figure(ctx: Context, res: dict[str, Any]) -> str:
    from implicit_bias.plotting.large_steps import plot_large_steps

    from .._common import save_figure

    if res["eos"]["run"] is None or res["half"] is None:
        return ""
    eos_run = {**res["eos"]["run"]}
    return save_figure(ctx, "even2023.large_steps", plot_large_steps(res["gd"], res["sgd"], eos_run, res["half"],
                                                                     res["support"]))
