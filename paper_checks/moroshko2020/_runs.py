"""The flows the Moroshko et al. checks share (stored in the sweep store; a rerun reuses them).

Setting: ``X`` 4 x 6 i.i.d. N(0, 1) (``numpy.random.default_rng(3)``), ``y = sign(X (1, -1, 0, 0, 0, 0))``;
``beta = w_+^D - w_-^D`` from ``w = alpha``, ``L = sum_n exp(-y_n <x_n, beta>)`` (sum, not mean: ``log(1/epsilon)``
shifts by ``log n = 1.4`` between the two conventions). Depth 2 at ``alpha = 1e-6, 1e-3, 1, 10, 100``, depth 3 at
``alpha = 0.3, 1, 3``; the flow (float64 Taylor, ``dynamics.classification``) stopped at ``log(1/epsilon) = 100,
100 log(10) (epsilon = 1e-100), 1e3, 1e4, 1e5, 1e6`` (--full adds 1e7), the ``Q``-regularized max margin solved at
1e2, 1e4, 1e6 (30 digits). MPFR cross-check (30 digits): depth 2 at alpha = 1 and depth 3 at alpha = 0.3, up to 1e4.
"""

from __future__ import annotations

import math
from typing import Any

from implicit_bias.experiments.classification import SeparableProblem, flow_point

from .._common import sweep
from .._framework import Context

PROBLEM = SeparableProblem(n=4, d=6, teacher=(1.0, -1.0), seed=3)
ALPHAS = {2: [1e-6, 1e-3, 1.0, 10.0, 100.0], 3: [0.3, 1.0, 3.0]}
EPS_100 = 100 * math.log(10)


def levels(quick: bool) -> list[float]:
    base = [100.0, EPS_100, 1e3, 1e4, 1e5, 1e6]
    return base if quick else [*base, 1e7]


def flows(ctx: Context) -> list[dict[str, Any]]:
    lam = levels(ctx.quick)
    configs = [{**PROBLEM.config(), "depth": D, "alpha": a, "log_inv_eps": lam, "q_levels": [1e2, 1e4, 1e6],
                "q_dps": 30} for D, alphas in ALPHAS.items() for a in alphas]
    return sweep(flow_point, configs, ctx, "moroshko2020_flows")


def mpfr_flows(ctx: Context) -> list[dict[str, Any]]:
    configs = [{**PROBLEM.config(), "depth": D, "alpha": a, "log_inv_eps": [1e2, 1e4], "q_levels": [],
                "flow_dps": 30} for D, a in ((2, 1.0), (3, 0.3))]
    return sweep(flow_point, configs, ctx, "moroshko2020_mpfr")


def figure(ctx: Context, points: list[dict[str, Any]]) -> str:
    from implicit_bias.plotting.classification import plot_classification

    from .._common import save_figure

    return save_figure(ctx, "moroshko2020.classification", plot_classification(points))


def find(points: list[dict[str, Any]], depth: int, alpha: float) -> dict[str, Any]:
    return next(p for p in points if p["depth"] == depth and p["alpha"] == alpha)
