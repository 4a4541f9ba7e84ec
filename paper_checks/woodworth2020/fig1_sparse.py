"""Figure 1 (Woodworth et al. 2020): sparse regression, x ~ N(0, I), y ~ N(<beta*, x>, 0.01), beta* r*-sparse with
entries 1/sqrt(r*). (a) the population error of the gradient-flow solution falls as alpha shrinks, from the
kernel (min-l2) error to the rich (min-l1) one; (b) ||beta_alpha||_1 - ||b_l1||_1 -> 0 as alpha -> 0 and
||beta_alpha||_2 - ||b_l2||_2 -> 0 as alpha grows; (c) for each N, the largest alpha reaching population error
<= 0.025 grows with N, and none does below the sample size min-l1 needs.

Setting: paper sizes d = 1000, N = 100, r* = 5 with --full; --quick uses d = 100, r* = 3, N = 40 for (a, b)
and N in {10, 15, 20, 30, 40, 60} for (c), seed 0, and label noise std 0.05 instead of 0.1 (at d = 100 the
min-l1 interpolant of noise with variance 0.01 has population error ~0.03, above the 0.025 threshold, so
panel (c) would be empty). beta_alpha = argmin of the engine's hypentropy (the flow's
limit by Theorem 1, itself checked by ``verify``). FAIL if (a) the error at the smallest alpha is not within
10% of the min-l1 error or at the largest not within 10% of the min-l2 error, (b) either norm gap at its end is
above 1% of the norm, (c) some N >= the l1 sample size has no recovering alpha, some N below it has one, or
the largest recovering alpha decreases by more than one bisection step as N grows.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from implicit_bias.experiments.sparse_recovery import (
    RecoveryPoint,
    largest_recovering_alpha,
    recovery_point,
    reference_points,
)
from implicit_bias.plotting.sparse_recovery import plot_fig1

from .._common import fmt, load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "woodworth2020.fig1_sparse"
THRESHOLD = 0.025
#: ``largest_recovering_alpha``'s grid step in log10 alpha (its default search: [-8, 1] in 12 halvings).
BISECTION_STEP = 9.0 / 2**12


def _sizes(quick: bool) -> dict:
    if quick:
        return {"d": 100, "r": 3, "n_ab": 40, "ns": [10, 15, 20, 30, 40, 60], "noise": 0.05,
                "log10_alphas": [-6.0, -4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]}
    return {"d": 1000, "r": 5, "n_ab": 100, "ns": [25, 50, 75, 100, 150, 200, 300, 400, 500], "noise": 0.1,
            "log10_alphas": [-8.0, -6.0, -5.0, -4.0, -3.0, -2.5, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]}


def _n_point(cfg: dict) -> dict:
    return {**largest_recovering_alpha(cfg["d"], cfg["n"], cfg["r"], 0, noise_std=cfg["noise"]),
            "l1_error": reference_points(cfg["d"], cfg["n"], cfg["r"], 0, cfg["noise"])["l1"]["population_error"]}


def _alpha_point(cfg: dict) -> dict:
    return recovery_point(RecoveryPoint(cfg["d"], cfg["n"], cfg["r"], 0, cfg["log10_alpha"], cfg["noise"]))


def run(ctx: Context) -> list[Outcome]:
    z = _sizes(ctx.quick)
    ab = sweep(_alpha_point, [{"d": z["d"], "n": z["n_ab"], "r": z["r"], "log10_alpha": la, "noise": z["noise"]}
                               for la in z["log10_alphas"]], ctx, NAME)
    refs = reference_points(z["d"], z["n_ab"], z["r"], 0, z["noise"])
    c = sweep(_n_point, [{"d": z["d"], "n": n, "r": z["r"], "noise": z["noise"]} for n in z["ns"]], ctx, f"{NAME}_c")
    save_result(ctx, NAME, {"sizes": z, "ab": ab, "refs": refs, "c": c})
    res = load_result(ctx, NAME)
    return judge(res, (save_figure(ctx, NAME, plot_fig1(res)),))


def judge(res: dict[str, Any], figs: tuple[str, ...] = ()) -> list[Outcome]:
    """The three panels' outcomes from a stored result (``sizes``, ``ab``, ``refs``, ``c``)."""
    errs = [p["population_error"] for p in res["ab"]]
    e1, e2 = res["refs"]["l1"]["population_error"], res["refs"]["l2"]["population_error"]
    ok_a = abs(errs[0] - e1) <= 0.1 * e1 and abs(errs[-1] - e2) <= 0.1 * e2
    gap1 = res["ab"][0]["l1"] - res["refs"]["l1"]["l1"]
    gap2 = res["ab"][-1]["l2"] - res["refs"]["l2"]["l2"]
    ok_b = abs(gap1) <= 0.01 * res["refs"]["l1"]["l1"] and abs(gap2) <= 0.01 * res["refs"]["l2"]["l2"]
    ns = res["sizes"]["ns"]
    l1_ok = [p["l1_error"] <= THRESHOLD for p in res["c"]]
    n_l1 = next((n for n, ok in zip(ns, l1_ok, strict=True) if ok), None)
    best = [p["log10_alpha"] for p in res["c"]]
    step = BISECTION_STEP
    exists_ok = all((b is not None) == ok for b, ok in zip(best, l1_ok, strict=True))
    found = [b for b in best if b is not None]
    monotone = all(b2 >= b1 - step for b1, b2 in pairwise(found))
    return [
        Outcome(NAME, "(a) population error goes from the l2 error (large alpha) to the l1 error (small alpha)",
                f"err(alpha_min) {fmt(errs[0])} vs l1 {fmt(e1)}; err(alpha_max) {fmt(errs[-1])} vs l2 {fmt(e2)}",
                "equal", "10%", ok_a, figs),
        Outcome(NAME, "(b) norm gaps vanish at the ends", f"l1 gap {fmt(gap1)}, l2 gap {fmt(gap2)}", "0",
                "1% of the norm", ok_b),
        Outcome(NAME, "(c) a recovering alpha exists exactly when min-l1 recovers, and grows with N",
                f"N_l1 = {n_l1}; largest log10 alpha per N: {[None if b is None else round(b, 2) for b in best]}",
                "exists iff N >= N_l1; non-decreasing", "one bisection step",
                n_l1 is not None and exists_ok and monotone),
    ]
