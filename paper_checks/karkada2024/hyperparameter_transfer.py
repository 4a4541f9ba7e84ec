"""Karkada (2024), Sec. 4 and the companion code's transfer experiment: at r = 1/2 (muP) the learning rate that is
best at a small width stays best at larger widths; at r = 0 (NTK) it drifts.

Setting: ``implicit_bias.experiments.richness_transfer.transfer_point`` (through ``implicit_bias.sweeps``):
scikit-learn's 8x8 digits (1000 train, 797 test; pixels centred, unit RMS), depth-3 ReLU network
(``sqrt(2) max(0, z)``) with the table's hyperparameters at r times a global learning rate 2^k, one epoch of SGD
with momentum 0.9 and batch 32 on one-hot targets, square loss; test loss averaged over seeds (a run that
diverges counts as diverged for its learning rate). k from -4 to 3.5 in steps of 0.5. Quick: widths
64 ... 1024, 3 seeds; full: 64 ... 2048, 4 seeds. The companion code uses MNIST (2000 train), batch 64, widths
32 ... 512; scikit-learn's digits are what is available offline.
The best k of a width is the minimum of its curve refined by a parabola through the neighbours in log(loss).

FAIL if (1) at r = 1/2 the best k of two widths differ by more than one grid step (0.5), or (2) at r = 0 the best
k at the largest width is within one grid step of the best k at the smallest width (no drift).
"""

from __future__ import annotations

import numpy as np

from implicit_bias.experiments.richness_transfer import best_learning_rate, transfer_point
from implicit_bias.plotting.richness import plot_transfer

from .._common import load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "karkada2024.hyperparameter_transfer"
STEP = 0.5
RS = (0.0, 0.5)


def _sizes(quick: bool) -> dict:
    return {"widths": [64, 128, 256, 512, 1024] if quick else [64, 128, 256, 512, 1024, 2048],
            "seeds": [0, 1, 2] if quick else [0, 1, 2, 3], "grid": [float(k) for k in np.arange(-4, 3.51, STEP)]}


def run(ctx: Context) -> list[Outcome]:
    z = _sizes(ctx.quick)
    configs = [{"r": r, "width": w, "log2_lr": k, "seed": s}
               for w in sorted(z["widths"], reverse=True) for r in RS for k in z["grid"] for s in z["seeds"]]
    got = sweep(transfer_point, configs, ctx, "karkada2024_transfer")
    runs: dict = {}
    for c, out in zip(configs, got, strict=True):
        runs.setdefault((c["r"], c["width"], c["log2_lr"]), []).append(out["test_loss"])
    loss = {str(r): {str(w): [None if any(v is None for v in runs[r, w, k]) else float(np.mean(runs[r, w, k]))
                              for k in z["grid"]] for w in z["widths"]} for r in RS}
    best = {r: {w: best_learning_rate(z["grid"], ls) for w, ls in per.items()} for r, per in loss.items()}
    save_result(ctx, NAME, {"sizes": z, "grid": z["grid"], "loss": loss, "best": best})
    res = load_result(ctx, NAME)
    return judge(res, (save_figure(ctx, NAME, plot_transfer(res)),))


def judge(res: dict, figs: tuple[str, ...] = ()) -> list[Outcome]:
    """Two outcomes from a stored result (``best[r][width]``: refined best log2 learning rate, None if diverged)."""
    widths = [str(w) for w in res["sizes"]["widths"]]

    def listed(r: str) -> str:
        return ", ".join(f"n={w}: {'-' if res['best'][r][w] is None else format(res['best'][r][w], '.2f')}"
                         for w in widths)

    mup = [res["best"]["0.5"][w] for w in widths]
    ntk = [res["best"]["0.0"][w] for w in widths]
    spread = max(mup) - min(mup) if None not in mup else float("inf")
    drift = ntk[-1] - ntk[0] if None not in ntk else 0.0
    return [
        Outcome(NAME, "r = 1/2 (muP): the best learning rate transfers across widths",
                f"best log2 lr {listed('0.5')}; spread {spread:.2f}", "the same at every width",
                f"one grid step ({STEP})", spread <= STEP, figs),
        Outcome(NAME, "r = 0 (NTK): the best learning rate drifts with the width",
                f"best log2 lr {listed('0.0')}; drift from n={widths[0]} to n={widths[-1]}: {drift:+.2f}",
                "moves by more than one grid step", f"> {STEP}", abs(drift) > STEP, figs),
    ]
