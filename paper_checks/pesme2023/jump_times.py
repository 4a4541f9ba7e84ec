"""Pesme & Flammarion (2023), main theorem and Fig. 1: in the accelerated time ``t / log(1/alpha)`` gradient
flow jumps at the times ``t_k`` of Algorithm 1. Measured: the time at which the loss of the flow of
``ib.diagonal(2)`` crosses ``(L_{k-1} + L_k) / 2``, rescaled by ``time_scale(alpha)``, at several ``alpha``
(setting in ``_runs``). The transitions take an ``O(1)`` time in the original clock, so the error should fall
like ``1 / log(1/alpha)``.

FAIL if (i) at some alpha a level is not crossed exactly once; (ii) some ``|hat t_k - t_k| log(1/alpha) > 12``;
(iii) between the two largest ``log(1/alpha)`` the error of some jump does not fall like ``log(1/alpha)^-1``
(log-log slope outside ``[-1.25, -0.75]``).
"""

from __future__ import annotations

import math
from typing import Any

from implicit_bias.plotting.saddle_to_saddle import plot_saddles

from .._common import load_result, save_figure, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "pesme2023.jump_times"
BOUND = 12.0
SLOPE = (-1.25, -0.75)


def run(ctx: Context) -> list[Outcome]:
    exact = _runs.exact(ctx)
    z, points = _runs.flows(ctx)
    save_result(ctx, NAME, {"sizes": z, "times": exact["times"], "points": [
        {k: p[k] for k in ("log_inv_alpha", "crossings", "measured_times", "time_errors")} for p in points]})
    fig = save_figure(ctx, "pesme2023.saddles", plot_saddles(exact, points))
    return judge(load_result(ctx, NAME), fig)


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    """The three outcomes from a stored result (``times``, ``points`` with ``crossings`` and ``time_errors``)."""
    times, points = res["times"], sorted(res["points"], key=lambda p: p["log_inv_alpha"])
    figs = (fig,) if fig else ()
    missing = [(p["log_inv_alpha"], k + 1) for p in points for k, c in enumerate(p["crossings"]) if len(c) != 1]
    missing += [(p["log_inv_alpha"], None) for p in points if len(p["crossings"]) != len(times) - 1]
    scaled = {p["log_inv_alpha"]: [None if e is None else e * p["log_inv_alpha"] for e in p["time_errors"]]
              for p in points}
    worst = max((abs(v) for vals in scaled.values() for v in vals if v is not None), default=math.inf)
    table = "; ".join(f"{lam}: " + " ".join("-" if v is None else f"{v:+.2f}" for v in vals)
                      for lam, vals in scaled.items())
    slopes: list[float] = []
    pair = f"{points[-2]['log_inv_alpha']} and {points[-1]['log_inv_alpha']}" if len(points) > 1 else "-"
    if len(points) >= 2:
        lo, hi = points[-2], points[-1]
        for e1, e2 in zip(lo["time_errors"], hi["time_errors"], strict=True):
            ok = e1 not in (None, 0) and e2 not in (None, 0)
            slopes.append(math.log(abs(e2) / abs(e1)) / math.log(hi["log_inv_alpha"] / lo["log_inv_alpha"])
                          if ok else math.nan)
    bad_slopes = [k + 1 for k, s in enumerate(slopes) if not SLOPE[0] <= s <= SLOPE[1]]
    return [
        Outcome(NAME, "(i) the flow's loss crosses each mid-level between saddles exactly once, at every alpha",
                f"{len(times) - 1} jumps at log(1/alpha) = {[p['log_inv_alpha'] for p in points]}; missing or "
                f"repeated (log(1/alpha), k): {missing or 'none'}", "one crossing per jump", "exact",
                not missing and bool(points), figs),
        Outcome(NAME, "(ii) measured jump times match Algorithm 1's t_k to O(1/log(1/alpha))",
                f"(hat t_k - t_k) log(1/alpha), k = 1..{len(times) - 1}: {table}",
                f"t_k = {', '.join(f'{t:.6f}' for t in times[1:])}", f"|.| <= {BOUND}",
                not missing and worst <= BOUND, figs),
        Outcome(NAME, "(iii) the jump-time error falls like 1/log(1/alpha)",
                f"log-log slope per jump between log(1/alpha) = {pair}: "
                + " ".join(f"{s:.3f}" for s in slopes), "-1", f"in [{SLOPE[0]}, {SLOPE[1]}]",
                len(points) >= 2 and not bad_slopes and not missing, figs),
    ]
