"""Kunin et al. (2024), Sec. 4 (Fig. 4): the conserved delta = a^2 - ||w||^2 sets the regime of the single neuron.
delta -> +oo (upstream) is lazy: M ~ delta I, and the limit is the kernel interpolant beta0 + X^+ (y - X beta0);
delta = 0 (balanced) is rich; delta -> -oo (downstream) is lazy along the initial ray: M ~ |delta| beta beta^T/r^2,
and the limit is the point tau beta0 of the ray on {X beta = y}.

Setting: the paper's Fig. 4(b): one sample x = (0.5, 1), y = 1.1, beta0 = (0.4, 0.05); delta in
+-{0.1, 1, 10, 100, 1000} and 0 (full: +-10^(-2 ... 3) in half decades). The limits of M and Psi are the engine's
(``WarpedRegularizer.regimes``: series in 1/delta, confirmed at |delta| = 10^6); the interpolants are the derived
potential's argmin (the flow's limit: checked by kunin2024.limit_potential).

FAIL if: (i) an engine limit's numerical confirmation deviates by more than 1e-8, or the leading terms are not
M ~ |delta| I (delta -> +oo) and M ~ |delta| beta beta^T / r^2 (delta -> -oo); (ii) the distance to the kernel
interpolant does not decrease with delta > 0 over delta >= 1, or exceeds 1e-5 at the largest delta; (iii) the
distance to the ray's point does not decrease as delta -> -oo over delta <= -1, or exceeds 1e-4 at the most negative
delta; (iv) at delta = 0 the limit is within 0.05 of either lazy limit (balanced is not rich).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import sympy as sp

import implicit_bias as ib
from implicit_bias.derive.regimes import ABS_DELTA
from implicit_bias.experiments.single_neuron import regime_point
from implicit_bias.plotting.single_neuron import plot_regime_map

from .._common import load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "kunin2024.regimes"
CHECK = "kunin2024.regimes"
SETTING = {"x": ["0.5", "1"], "y": "1.1", "beta0": ["0.4", "0.05"]}
LIMIT_TOL, KERNEL_TOL, RAY_TOL, RICH_GAP = 1e-8, 1e-5, 1e-4, 0.05


def _deltas(quick: bool) -> list[str]:
    mags = ["0.1", "1", "10", "100", "1000"] if quick else [f"{v:g}" for v in 10 ** np.arange(-2, 3.01, 0.5)]
    return [f"-{m}" for m in reversed(mags)] + ["0"] + mags


def run(ctx: Context) -> list[Outcome]:
    points = sweep(regime_point, [{**SETTING, "delta": d} for d in _deltas(ctx.quick)], ctx, NAME)
    reg = ib.derive(ib.single_neuron(2, direction=(sp.Rational(4, 10), sp.Rational(5, 100))))
    engine = [{"name": g.name, "delta": g.delta, "M_iso": str(g.M_iso), "M_radial": str(g.M_radial),
               "potential": str(g.potential), "residual": g.residual,
               "iso_is_abs_delta": bool(sp.expand(g.M_iso - ABS_DELTA) == 0),
               "radial_is_abs_delta": bool(sp.expand(g.M_radial - ABS_DELTA) == 0)} for g in reg.regimes()]
    save_result(ctx, NAME, {"points": points, "engine": engine})
    res = load_result(ctx, NAME)
    return judge(res, save_figure(ctx, NAME, plot_regime_map(res)))


def _decreasing(values: list[float]) -> bool:
    return all(b <= a * (1 + 1e-9) for a, b in pairwise(values))


def judge(res: dict, fig: str) -> list[Outcome]:
    """Outcomes from a stored result (``points``: regime points; ``engine``: the engine's three regimes)."""
    eng = {e["delta"]: e for e in res["engine"]}
    up, down = eng.get("delta -> +oo"), eng.get("delta -> -oo")
    limits_ok = (up is not None and down is not None and up["iso_is_abs_delta"] and down["radial_is_abs_delta"]
                 and all(e["residual"] <= LIMIT_TOL for e in res["engine"]))
    pts = sorted(res["points"], key=lambda p: p["delta"])
    pos = [p for p in pts if p["delta"] >= 1]
    neg = [p for p in reversed(pts) if p["delta"] <= -1]
    zero = [p for p in pts if p["delta"] == 0]
    k, r = [p["dist_kernel"] for p in pos], [p["dist_ray"] for p in neg]
    rich = zero[0] if zero else None
    eng_text = "; ".join(f"{e['delta']}: M ~ ({e['M_iso']}) I + ({e['M_radial']}) bb^T/r^2, Psi ~ {e['potential']} "
                         f"(dev. {e['residual']:.1e})" for e in res["engine"])
    return [
        Outcome(CHECK, "(i) the engine's regimes: M ~ |delta| I as delta -> +oo, M ~ |delta| beta beta^T/r^2 as "
                "delta -> -oo, each limit confirmed numerically", eng_text, "those leading terms",
                f"{LIMIT_TOL:g} at |delta| = 1e6", limits_ok, (fig,)),
        Outcome(CHECK, "(ii) upstream (delta -> +oo) is lazy: the limit tends to the kernel interpolant",
                "distance per delta >= 1: " + ", ".join(f"{p['delta']:g}: {p['dist_kernel']:.2e}" for p in pos),
                "decreasing, small at the largest delta", f"{KERNEL_TOL:g}",
                bool(k) and _decreasing(k) and k[-1] <= KERNEL_TOL, (fig,)),
        Outcome(CHECK, "(iii) downstream (delta -> -oo) is lazy along the initial ray: the limit tends to tau beta0",
                "distance per delta <= -1: " + ", ".join(f"{p['delta']:g}: {p['dist_ray']:.2e}" for p in neg),
                "decreasing as delta -> -oo, small at the most negative", f"{RAY_TOL:g}",
                bool(r) and _decreasing(r) and r[-1] <= RAY_TOL, (fig,)),
        Outcome(CHECK, "(iv) balanced (delta = 0) is neither lazy limit",
                f"distances at delta = 0: kernel {rich['dist_kernel']:.3f}, ray {rich['dist_ray']:.3f}" if rich
                else "no delta = 0 point", "both > 0.05", f"{RICH_GAP:g}",
                rich is not None and min(rich["dist_kernel"], rich["dist_ray"]) > RICH_GAP, (fig,)),
    ]
