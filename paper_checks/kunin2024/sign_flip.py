"""Kunin et al. (2024), App. Fig. 7 (basins): for delta < 0 the outer weight a can cross zero -- the single neuron's
time-warped potential then changes its initial-direction term -- and on whitened data it does so exactly from
initializations below the Riccati separatrix, nu0 = <w0, beta*>/a0 < nu_- = (-delta - sqrt(delta^2 + 4 s^2))/2
(the repelling fixed point of nu' = s^2 - delta nu - nu^2). For delta >= 0 the conserved quantity keeps
a^2 >= delta, so a never crosses zero.

Setting: X^T X = I, beta* = (1, 0.25) (the appendix's), a0 > 0, w0 at 24 angles (quick: 12) around the circle with
|a0| ||w0|| = 1, delta in {-2, -0.5, 0, 0.5}; the flow of (a, w) at 30 digits to t = 30.

FAIL if: (i) a changes sign for some delta >= 0; (ii) for some point the flow's sign change disagrees with the
separatrix prediction nu0 < nu_-; (iii) for some delta < 0 the grid does not show both basins (a flip and a kept
sign), i.e. the statement was not exercised.
"""

from __future__ import annotations

import math

from implicit_bias.experiments.single_neuron import sign_point
from implicit_bias.plotting.single_neuron import plot_sign_basins

from .._common import load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "kunin2024.sign_flip"
CHECK = "kunin2024.sign_flip"
DELTAS = ["-2", "-0.5", "0", "0.5"]


def run(ctx: Context) -> list[Outcome]:
    count = 12 if ctx.quick else 24
    configs = [{"delta": d, "angle": 2 * math.pi * (k + 0.5) / count, "beta_star": ["1", "0.25"], "t_end": "30"}
               for d in DELTAS for k in range(count)]
    points = sweep(sign_point, configs, ctx, NAME)
    save_result(ctx, NAME, {"points": points})
    res = load_result(ctx, NAME)
    return judge(res, save_figure(ctx, NAME, plot_sign_basins(res)))


def judge(res: dict, fig: str) -> list[Outcome]:
    """Outcomes from a stored result (``points``: sign points)."""
    pts = res["points"]
    unfinished = [p for p in pts if p["status"] != "success"]
    nonneg_flips = [(p["delta"], round(p["angle"], 3)) for p in pts if p["delta"] >= 0 and p["flipped"]]
    mismatch = [(p["delta"], round(p["angle"], 3)) for p in pts if p["flipped"] != p["predicted"]]
    negative = sorted({p["delta"] for p in pts if p["delta"] < 0})
    one_sided = [d for d in negative if len({p["flipped"] for p in pts if p["delta"] == d}) < 2]
    counts = ", ".join(f"delta = {d:g}: {sum(p['flipped'] for p in pts if p['delta'] == d)} of "
                       f"{sum(p['delta'] == d for p in pts)} flip" for d in sorted({p["delta"] for p in pts}))
    return [
        Outcome(CHECK, "(i) a keeps its sign for delta >= 0",
                f"{counts}; flips at delta >= 0: {nonneg_flips or 'none'}", "none", "0",
                not nonneg_flips and not unfinished and bool(pts), (fig,)),
        Outcome(CHECK, "(ii) for delta < 0, a changes sign exactly below the Riccati separatrix nu0 < nu_-",
                f"disagreements (delta, angle): {mismatch or 'none'}", "none", "0",
                not mismatch and not unfinished and bool(pts), (fig,)),
        Outcome(CHECK, "(iii) both basins are present for each delta < 0", f"one-sided: {one_sided or 'none'}",
                "flips and kept signs at each delta < 0", "-", bool(negative) and not one_sided, (fig,)),
    ]
