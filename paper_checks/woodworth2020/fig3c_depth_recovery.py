"""Figure 3(c) (Woodworth et al. 2020, Sec. 5): sparse regression as in Fig. 1 with the depth-D diagonal network
u^D - v^D, D = 2, 3, 5, 8. For each N, the largest alpha^D (the scale of beta at initialization) whose gradient-flow
solution recovers the planted predictor to population error 0.025 exists once N reaches the sample size min-l1
needs (the dashed N_l1), grows with N, and is larger for deeper models: depth D > 2 reaches the rich (l1) regime
polynomially in alpha^D instead of exponentially, so at a larger initial scale.

Setting: beta_alpha = argmin of the engine's Q for diagonal(D) (hypentropy for D = 2, Theorem 3's
alpha^D sum q_D(beta_i / alpha^D) for D >= 3; the flow's limit, checked by ``verify`` and thm3_depth), by the
reference dual solver at 30 digits; bisection in log10 alpha^D on [-12, 0] with a grid common to all depths
(quick: 8 halvings, step 0.047; full: 10, step 0.012). --quick uses d = 100, r* = 3, noise std 0.05 (the Fig. 1
quick setting and the reason for it: at d = 100 the min-l1 interpolant of noise with std 0.1 already has
population error ~0.03 > 0.025), N in {10, 15, 20, 30, 60}, D = 2, 3, 5, 8, seed 0. --full: the paper's
d = 1000, r* = 5, noise std 0.1, N from 50 to 500.

FAIL if (i) for some D and N a recovering alpha^D in [1e-12, 1] exists but min-l1 does not recover, or min-l1
recovers and none exists; (ii) for some D the largest log10 alpha^D falls by more than one grid step from one
N >= N_l1 to the next, or is not larger at the largest N than at N_l1; (iii) at some N >= N_l1 it is not strictly
increasing in D (on the common grid, a tie fails).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from implicit_bias.experiments.sparse_recovery import largest_recovering_scale, reference_points
from implicit_bias.plotting.sparse_recovery import plot_fig3c

from .._common import load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "woodworth2020.fig3c_depth_recovery"
THRESHOLD = 0.025
LO, HI = -12.0, 0.0


def _sizes(quick: bool) -> dict:
    if quick:
        return {"d": 100, "r": 3, "noise": 0.05, "ns": [10, 15, 20, 30, 60], "depths": [2, 3, 5, 8],
                "lo": LO, "hi": HI, "steps": 8, "threshold": THRESHOLD}
    return {"d": 1000, "r": 5, "noise": 0.1, "ns": [50, 75, 100, 150, 200, 300, 400, 500], "depths": [2, 3, 5, 8],
            "lo": LO, "hi": HI, "steps": 10, "threshold": THRESHOLD}


def _scale_point(cfg: dict) -> dict:
    return largest_recovering_scale(cfg["d"], cfg["n"], cfg["r"], 0, depth=cfg["depth"], threshold=cfg["threshold"],
                                    lo=cfg["lo"], hi=cfg["hi"], steps=cfg["steps"], noise_std=cfg["noise"])


def _l1_point(cfg: dict) -> dict:
    return {"l1_error": reference_points(cfg["d"], cfg["n"], cfg["r"], 0, cfg["noise"])["l1"]["population_error"]}


def _fmt(la: float | None) -> str:
    return "none" if la is None else f"{la:.2f}"


def run(ctx: Context) -> list[Outcome]:
    z = _sizes(ctx.quick)
    base = {k: z[k] for k in ("d", "r", "noise")}
    refs = sweep(_l1_point, [{**base, "n": n} for n in z["ns"]], ctx, f"{NAME}_l1")
    # largest N first: those points bisect, the ones below N_l1 stop after one solve (balances the pool)
    configs = [{**base, "n": n, "depth": D, "threshold": z["threshold"], "lo": z["lo"], "hi": z["hi"],
                "steps": z["steps"]} for n in sorted(z["ns"], reverse=True) for D in z["depths"]]
    got = sweep(_scale_point, configs, ctx, NAME)
    by = {(c["depth"], c["n"]): r for c, r in zip(configs, got, strict=True)}
    points = {str(D): [by[D, n] for n in z["ns"]] for D in z["depths"]}
    save_result(ctx, NAME, {"sizes": z, "l1_error": [r["l1_error"] for r in refs], "points": points})
    res = load_result(ctx, NAME)
    return judge(res, (save_figure(ctx, NAME, plot_fig3c(res)),))


def judge(res: dict[str, Any], figs: tuple[str, ...] = ()) -> list[Outcome]:
    """The three outcomes from a stored result (``sizes``, ``l1_error``, ``points``)."""
    z, ns, depths = res["sizes"], res["sizes"]["ns"], res["sizes"]["depths"]
    step = (z["hi"] - z["lo"]) / 2 ** z["steps"]
    l1_ok = [e <= z["threshold"] for e in res["l1_error"]]
    n_l1 = next((n for n, ok in zip(ns, l1_ok, strict=True) if ok), None)
    best = {D: [p["log10_alpha_D"] for p in res["points"][str(D)]] for D in depths}
    table = "; ".join(f"D={D}: " + " ".join(f"{n}:{_fmt(b)}" for n, b in zip(ns, best[D], strict=True))
                      for D in depths)

    mismatch = [(D, n) for D in depths for n, b, ok in zip(ns, best[D], l1_ok, strict=True) if (b is not None) != ok]
    above = [i for i, ok in enumerate(l1_ok) if ok]
    falls, flat = [], []
    for D in depths:
        vals = [best[D][i] for i in above]
        if any(v is None for v in vals) or not vals:
            continue  # already a failure of (i)
        falls += [(D, ns[i2]) for (i1, i2), (v1, v2) in zip(pairwise(above), pairwise(vals), strict=True)
                  if v2 < v1 - step]
        if not vals[-1] > vals[0]:
            flat.append(D)
    order = [(ns[i], D1, D2) for i in above for D1, D2 in pairwise(depths)
             if best[D1][i] is not None and best[D2][i] is not None and not best[D2][i] > best[D1][i]]
    l1_text = ", ".join(f"{n}:{e:.4f}" for n, e in zip(ns, res["l1_error"], strict=True))
    return [
        Outcome(NAME, "(i) for each D, a recovering alpha^D exists exactly when min-l1 recovers (N >= N_l1)",
                f"N_l1 = {n_l1} (min-l1 error per N: {l1_text}); mismatches (D, N): {mismatch or 'none'}",
                "exists iff N >= N_l1", f"alpha^D searched in [1e{z['lo']:g}, 1e{z['hi']:g}]",
                n_l1 is not None and not mismatch, figs),
        Outcome(NAME, "(ii) the largest recovering alpha^D grows with N (N >= N_l1), for each D",
                f"log10 alpha^D per N: {table}; falls (D, N): {falls or 'none'}; not larger at max N: "
                f"{flat or 'none'}", "non-decreasing, larger at the largest N than at N_l1",
                f"one grid step ({step:.3g})", bool(above) and not falls and not flat and not mismatch),
        Outcome(NAME, "(iii) deeper models recover at larger alpha^D: strictly increasing in D at each N >= N_l1",
                f"ties or inversions (N, D, D'): {order or 'none'}", f"alpha^D increasing over D = {depths}",
                "0 (a tie on the common grid fails)", bool(above) and not order and not mismatch),
    ]
