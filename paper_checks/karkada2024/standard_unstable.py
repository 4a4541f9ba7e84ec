"""Karkada (2024), Sec. 4, "standard parametrization yields unstable training": with no multipliers,
``sigma_l = 1/sqrt(fan-in)`` and one learning rate, the output's response to a step grows like n (the tangent
kernel's scale, derived by ``implicit_bias.richness.response_exponents``), so the largest stable learning rate
falls like 1/n; on the richness scale it does not depend on the width.

Setting: ``implicit_bias.experiments.richness.stability_point`` (through ``implicit_bias.sweeps``): depth 3, input
width 16, output width 4, 16 Gaussian examples; the largest log2 of the global learning rate for which the loss
never rises above its initial value in 10 full-batch steps and ends below it (bisection on [-16, 16], 10
halvings: resolution 0.03). Standard parametrization, r = 0 and r = 1/2; linear and tanh; widths 128 ... 1024
(full: 128 ... 4096), 2 seeds.

FAIL if the fitted exponent of the largest stable learning rate against n differs from the derived one (-1 for the
standard parametrization, 0 on the richness scale) by more than 0.1.

Documented deviation (r = 0 only): the largest stable learning rate still falls slowly at these widths, with
fitted exponents between -0.25 and -0.1 and increments that shrink as n grows. At r = 0 the network is rich by
||Delta h|| / ||h|| ~ n^(-1/2), so its edge of stability carries finite-width corrections of that relative size;
at r = 1/2 the training does not depend on n at leading order and no drift is seen. The deviation is reported
only with exactly that signature (every r = 0 exponent in [-0.25, 0)).
"""

from __future__ import annotations

import numpy as np

from implicit_bias.experiments.richness import fit_exponent, stability_point, standard_response_exponent
from implicit_bias.plotting.richness import plot_stability

from .._common import load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "karkada2024.standard_unstable"
TOL = 0.1
PARAMETRIZATIONS = ("standard", 0.0, 0.5)


def _sizes(quick: bool) -> dict:
    return {"widths": [128, 256, 512, 1024] if quick else [128, 256, 512, 1024, 2048, 4096], "seeds": [0, 1],
            "activations": ["linear", "tanh"]}


def _label(p: object) -> str:
    return "standard" if p == "standard" else f"r={p:g}"


def run(ctx: Context) -> list[Outcome]:
    z = _sizes(ctx.quick)
    configs = [{"r": p, "width": w, "activation": a, "seed": s, "steps": 10, "halvings": 10}
               for a in z["activations"] for p in PARAMETRIZATIONS for w in sorted(z["widths"], reverse=True)
               for s in z["seeds"]]
    got = sweep(stability_point, configs, ctx, "karkada2024_stability")
    curves: dict = {}
    for a in z["activations"]:
        for p in PARAMETRIZATIONS:
            per_w = [np.mean([g["log2_lr"] for c, g in zip(configs, got, strict=True)
                              if c["activation"] == a and c["r"] == p and c["width"] == w]) for w in z["widths"]]
            derived = -standard_response_exponent(3) if p == "standard" else 0.0
            slope = fit_exponent(z["widths"], [2.0**v for v in per_w])
            curves.setdefault(a, {})[_label(p)] = {"log2_lr": [float(v) for v in per_w], "slope": slope,
                                                  "derived": derived}
    save_result(ctx, NAME, {"widths": z["widths"], "curves": curves})
    res = load_result(ctx, NAME)
    return judge(res, (save_figure(ctx, NAME, plot_stability(res)),))


DRIFT_NOTE = ("at r = 0 the largest stable learning rate falls slowly at these widths (fitted exponent in "
              "[-0.25, -0.1)): a finite-width correction of relative size ~n^(-1/2), the richness of an r = 0 "
              "network; the standard parametrization's falls like 1/n, ten times faster")


def judge(res: dict, figs: tuple[str, ...] = ()) -> list[Outcome]:
    """Three outcomes (standard parametrization; r = 1/2; r = 0) from a stored result (``curves``)."""
    cur = res["curves"]
    out = []
    claims = (("standard", "standard parametrization: the largest stable learning rate falls like 1/n (unstable at "
                           "a fixed learning rate as the width grows)"),
              ("r=0.5", "r = 1/2 (muP): the largest stable learning rate does not depend on n"),
              ("r=0", "r = 0 (NTK): the largest stable learning rate does not depend on n"))
    for key, claim in claims:
        sel = [(a, c) for a, per in cur.items() for p, c in per.items() if p == key]
        err = max((abs(c["slope"] - c["derived"]) for _a, c in sel), default=float("inf"))
        drift = key == "r=0" and bool(sel) and all(-0.25 <= c["slope"] < 0 for _a, c in sel)
        out.append(Outcome(NAME, claim, "; ".join(f"{a}: {c['slope']:+.3f}" for a, c in sel),
                           ", ".join(sorted({f"{c['derived']:+g}" for _a, c in sel})), f"{TOL} each",
                           bool(sel) and err <= TOL, figs, deviation=DRIFT_NOTE if drift else ""))
    return out
