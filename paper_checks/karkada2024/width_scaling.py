"""Karkada (2024), Sec. 3 and Table 1, measured: at every r the sizes of one gradient step scale with the width as
the table says (``||Delta h|| ~ n^r``, ``||h_L|| ~ n^-r`` at initialization, ``||dL/dh|| ~ n^-r``, the layer
and passthrough contributions).

Setting: ``implicit_bias.richness_sweep`` (through ``implicit_bias.sweeps``): a depth-3 network in the multiplier
gauge with the derived hyperparameters (global learning rate 1), deep linear and tanh MLP, input width 16, output
width 4, one full-batch gradient step on 16 Gaussian examples with Gaussian targets; r = 0, 1/4, 1/2. Quick:
widths 64 ... 1024 (powers of 2), 4 seeds; full: widths 64 ... 4096, 6 seeds. Every size is the RMS over the batch
of per-example norms; its exponent is the least-squares slope of log(geometric mean over seeds) against log n.

FAIL if some fitted exponent (every quantity of the table at every layer: 14 per activation and r) differs from
the derived one by more than 0.1, or the sweep did not finish.
"""

from __future__ import annotations

from implicit_bias import richness_sweep
from implicit_bias.plotting.richness import plot_width_fits

from .._common import load_result, save_figure, save_result
from .._framework import Context, Outcome

NAME = "karkada2024.width_scaling"
SWEEP = "karkada2024_width"
TOL = 0.1
ACTIVATIONS = ("linear", "tanh")


def sizes(quick: bool) -> dict:
    """Widths and seeds shared with the richness dial (the same sweep, so its points are reused)."""
    if quick:
        return {"widths": [64, 128, 256, 512, 1024], "seeds": [0, 1, 2, 3]}
    return {"widths": [64, 128, 256, 512, 1024, 2048, 4096], "seeds": [0, 1, 2, 3, 4, 5]}


def sweep(ctx: Context, rs: list[float]) -> dict:
    """The width sweep at ``rs`` (stored in ``ctx.store``; a rerun reuses every finished point)."""
    z = sizes(ctx.quick)
    res = richness_sweep(z["widths"], rs, activations=ACTIVATIONS, seeds=z["seeds"], store=ctx.store, name=SWEEP,
                         workers=ctx.workers, client=ctx.dask, progress=False)
    return {**res.as_dict(), "sizes": z}


def run(ctx: Context) -> list[Outcome]:
    save_result(ctx, NAME, sweep(ctx, [0.0, 0.25, 0.5]))
    res = load_result(ctx, NAME)
    fig = save_figure(ctx, NAME, plot_width_fits(res)) if res["fits"] else None
    return judge(res, (fig,) if fig else ())


def judge(res: dict, figs: tuple[str, ...] = ()) -> list[Outcome]:
    """One outcome per activation (and per r) from a stored ``RichnessSweep.as_dict()``."""
    if res["status"] != "success" or not res["fits"]:
        return [Outcome(NAME, "the width sweep finished", res["status"] + " " + res.get("message", ""), "success",
                        "-", False)]
    out = []
    for a in sorted({f["activation"] for f in res["fits"]}):
        for r in sorted({f["r"] for f in res["fits"]}):
            sel = [f for f in res["fits"] if f["activation"] == a and f["r"] == r]
            worst = max(sel, key=lambda f: abs(f["measured"] - f["derived"]))
            err = abs(worst["measured"] - worst["derived"])
            listed = ", ".join(f"{f['quantity']}_{f['layer']} {f['measured']:+.3f} ({f['derived']:+g})" for f in sel)
            out.append(Outcome(
                NAME, f"{a}, r = {r:g}: every size of one step scales with n as the table says",
                f"max |fitted - derived| = {err:.3f} ({worst['quantity']}_{worst['layer']}); {listed}",
                "derived exponents (Table 1)", f"{TOL} each", err <= TOL and len(sel) > 0, figs,
                note=f"widths {res['widths'][0]}..{res['widths'][-1]}"))
    return out
