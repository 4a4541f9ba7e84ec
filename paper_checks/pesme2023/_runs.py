"""The computations the Pesme & Flammarion checks share: the exact saddles and the flows at several alphas.

Setting (all checks): ``X`` 5 x 8 with i.i.d. N(0, 1) entries (``numpy.random.default_rng(0)``), ``y = X beta*``
with ``beta* = (1, -2, 1.5, 0, ..., 0)``: seven jumps, two of them with a deactivation. --quick: dense flows at
``log(1/alpha) = 100, 300, 1000``, the MPFR flow of ``u, v`` at 300; --full: dense flows at 100, 300, 1000, 3000,
the MPFR flow at 300, 1000, 3000 (about four minutes).
"""

from __future__ import annotations

from typing import Any

from implicit_bias.experiments.saddle_to_saddle import PlantedProblem, exact_point, flow_point

from .._common import sweep
from .._framework import Context

PROBLEM = PlantedProblem(n=5, d=8, planted=(1.0, -2.0, 1.5), seed=0)


def sizes(quick: bool) -> dict[str, Any]:
    if quick:
        return {"log_inv_alphas": [100, 300, 1000], "gradient_flow": [300], "dps": 30}
    return {"log_inv_alphas": [100, 300, 1000, 3000], "gradient_flow": [300, 1000, 3000], "dps": 30}


def exact(ctx: Context) -> dict[str, Any]:
    return sweep(exact_point, [{**PROBLEM.config(), "dps": 30}], ctx, "pesme2023_exact")[0]


def flows(ctx: Context) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The sizes used and one ``flow_point`` result per ``log(1/alpha)`` (stored; a rerun reuses them)."""
    z = sizes(ctx.quick)
    configs = [{**PROBLEM.config(), "log_inv_alpha": lam, "gradient_flow": lam in z["gradient_flow"],
                "dps": z["dps"], "samples": 400} for lam in z["log_inv_alphas"]]
    return z, sweep(flow_point, configs, ctx, "pesme2023_flow")
