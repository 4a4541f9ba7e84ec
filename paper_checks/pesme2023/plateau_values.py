"""Pesme & Flammarion (2023), main theorem: between jumps the flow rests at the saddles ``beta_k`` of Algorithm 1
(including the two deactivations of this problem). Measured: ``beta`` of the dense flow of ``ib.diagonal(2)``
at the middle ``(t_k + t_{k+1}) / 2`` of each plateau, and the MPFR flow's states (``gradient_flow``'s
trajectory, ``dps`` digits) that fall at least 10% of a plateau's length from its ends (setting in ``_runs``).

FAIL if (i) some plateau's mid-point deviation ``max_i |beta_i - beta_k,i|`` does not shrink by 1000x from the
smallest to the largest ``log(1/alpha)`` (or reach 1e-10, the float64 floor of the dense flow); (ii) a state of the
MPFR flow inside a plateau deviates by more than 1e-6; (iii) the dense flow and the MPFR flow differ by more than
1e-8 at the MPFR flow's states (the dense flow is then not the same flow).
"""

from __future__ import annotations

from typing import Any

from .._common import load_result, output_path, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "pesme2023.plateau_values"
SHRINK = 1e-3
FLOOR = 1e-10
INSIDE = 1e-6
AGREE = 1e-8


def run(ctx: Context) -> list[Outcome]:
    _runs.exact(ctx)
    z, points = _runs.flows(ctx)
    keep = ("log_inv_alpha", "plateau_mid_times", "plateau_deviation")
    stored = []
    for p in points:
        gf = p.get("gradient_flow")
        stored.append({**{k: p[k] for k in keep}, "gradient_flow": None if gf is None else
                       {k: gf[k] for k in ("inside_plateaus", "vs_path", "status")}})
    save_result(ctx, NAME, {"sizes": z, "points": stored})
    return judge(load_result(ctx, NAME), str(output_path(ctx, "pesme2023.saddles", ".png")))


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    """The three outcomes from a stored result (``points`` with ``plateau_deviation`` and ``gradient_flow``)."""
    points = sorted(res["points"], key=lambda p: p["log_inv_alpha"])
    figs = (fig,) if fig else ()
    first, last = points[0]["plateau_deviation"], points[-1]["plateau_deviation"]
    slow = [k + 1 for k, (a, b) in enumerate(zip(first, last, strict=True)) if not (b <= SHRINK * a or b <= FLOOR)]
    table = "; ".join(f"{p['log_inv_alpha']}: " + " ".join(f"{v:.1e}" for v in p["plateau_deviation"])
                      for p in points)
    flows = [(p["log_inv_alpha"], p["gradient_flow"]) for p in points if p.get("gradient_flow")]
    inside = [(lam, q) for lam, gf in flows for q in gf["inside_plateaus"]]
    worst_inside = max((q["deviation"] for _lam, q in inside), default=None)
    agree = [(lam, gf["vs_path"]) for lam, gf in flows]
    flow_ok = bool(flows) and all(gf["status"] == "success" for _lam, gf in flows)
    return [
        Outcome(NAME, "(i) mid-plateau values of the flow converge to the saddles beta_k as alpha -> 0",
                f"max |beta(mid) - beta_k| per plateau k = 1..{len(first)}, per log(1/alpha): {table}",
                "-> 0", f"shrinks {1 / SHRINK:g}x from the smallest to the largest log(1/alpha), or <= {FLOOR:g}",
                bool(first) and not slow, figs),
        Outcome(NAME, "(ii) the MPFR flow of u, v sits at beta_k inside each plateau",
                f"{len(inside)} states inside plateaus (log(1/alpha) = {[lam for lam, _ in flows]}), max deviation "
                f"{'-' if worst_inside is None else f'{worst_inside:.2e}'}", "beta_k", f"<= {INSIDE:g}",
                flow_ok and worst_inside is not None and worst_inside <= INSIDE, figs),
        Outcome(NAME, "(iii) the dense flow (dual coordinate, float64) and the MPFR flow (u, v) are the same flow",
                "max |beta_dense - beta_MPFR| at the MPFR states: "
                + ", ".join(f"{lam}: {'-' if v is None else f'{v:.1e}'}" for lam, v in agree), "0", f"<= {AGREE:g}",
                flow_ok and all(v is not None and v <= AGREE for _lam, v in agree), figs),
    ]
