"""Karkada (2024), Sec. 4: the multiplier gauge (Table 1), per-layer learning rates without multipliers and model
rescaling (unit initialization, the read-out multiplier divided by gamma = n^r and the learning rate times gamma^2)
train the same function: ``(g, sigma, eta) -> (g', g sigma / g', g^2 eta / g'^2)`` leaves the dynamics unchanged.

Setting: ``implicit_bias.experiments.richness.gauge_point`` (through ``implicit_bias.sweeps``): depth 3, the
hyperparameters of ``richness_table(r, gauge=...)`` in each gauge, the same standard normal draws, 16 Gaussian
examples, global learning rate 1; the function on 32 probe inputs after each of 10 (full: 20) full-batch steps.
r = 0, 1/4, 1/2; linear, tanh and ReLU; widths 64 and 256 (full: 64, 256, 1024); seed 0.

FAIL if in some run the learning-rate or rescaling gauge's function differs from the multiplier gauge's at
some step by more than 1e-12 of the function's size (float64 rounding is ~1e-16 per operation), or if multiplying
g_1 by 1.25 without compensating it (not a gauge transformation) changes the function by less than 1e-3 (the
comparison would then be blind; a diverging control counts as changed).
"""

from __future__ import annotations

from implicit_bias.experiments.richness import gauge_point
from implicit_bias.plotting.richness import plot_gauges

from .._common import load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "karkada2024.gauges"
TOL = 1e-12
CONTROL_MIN = 1e-3


def _sizes(quick: bool) -> dict:
    return {"widths": [64, 256] if quick else [64, 256, 1024], "steps": 10 if quick else 20,
            "rs": [0.0, 0.25, 0.5], "activations": ["linear", "tanh", "relu"]}


def run(ctx: Context) -> list[Outcome]:
    z = _sizes(ctx.quick)
    configs = [{"r": r, "width": w, "activation": a, "steps": z["steps"], "seed": 0}
               for a in z["activations"] for r in z["rs"] for w in z["widths"]]
    got = sweep(gauge_point, configs, ctx, "karkada2024_gauges")
    points = [{**p, "label": f"{c['activation']} r={c['r']:g} n={c['width']}"}
              for c, p in zip(configs, got, strict=True)]
    save_result(ctx, NAME, {"sizes": z, "points": points})
    res = load_result(ctx, NAME)
    return judge(res, (save_figure(ctx, NAME, plot_gauges(res)),))


def judge(res: dict, figs: tuple[str, ...] = ()) -> list[Outcome]:
    """Two outcomes from a stored result (``points``: ``max_rel`` per gauge, ``control``, ``label``)."""
    pts = res["points"]
    inf = float("inf")
    worst = max(((inf if v is None else v, g, p["label"]) for p in pts for g, v in p["max_rel"].items()),
                default=(inf, "-", "-"))
    blind = min(((inf if p["control"] is None else p["control"], p["label"]) for p in pts), default=(0.0, "-"))
    return [
        Outcome(NAME, "the three gauges (multiplier, learning-rate, rescaling) train the same function at every step",
                f"max relative difference {worst[0]:.2e} ({worst[1]} gauge, {worst[2]}) over {len(pts)} runs",
                "equal (float64 rounding)", f"{TOL:g}", bool(pts) and worst[0] <= TOL, figs),
        Outcome(NAME, "control: a change that is not a gauge transformation (g_1 times 1.25) changes the training",
                f"min relative difference {blind[0]:.2e} ({blind[1]})", "of order one", f">= {CONTROL_MIN:g}",
                bool(pts) and blind[0] >= CONTROL_MIN, figs),
    ]
