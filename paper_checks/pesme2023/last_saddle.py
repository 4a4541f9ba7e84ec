"""Pesme & Flammarion (2023), Algorithm 1 and main theorem: the saddle-to-saddle process starts with
``t_1 = 1 / ||X^T y / n||_inf``, the loss decreases strictly along the saddles, the set of active coordinates
need not grow monotonically (deactivations), and the last saddle is the minimum-l1 interpolator, which is also
where the flow ends as alpha -> 0. Measured: the exact recursion (rational arithmetic), a linear program
(``ib.reference.min_l1``, polished at 30 digits) and the limit of the MPFR flow of ``u, v`` (setting in ``_runs``).

FAIL if (i) ``t_1`` differs from ``1 / ||X^T y / n||_inf`` by more than 1e-25 (relative); (ii) the losses do not
strictly decrease, or no deactivation occurs on this problem (the paper's non-monotone case is not exercised);
(iii) the last saddle differs from the LP's min-l1 interpolator by more than 1e-25, or the flow's limit at some
alpha from the last saddle by more than 1e-20.
"""

from __future__ import annotations

import itertools
from typing import Any

from .._common import load_result, output_path, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "pesme2023.last_saddle"
EXACT = 1e-25
LIMIT = 1e-20


def run(ctx: Context) -> list[Outcome]:
    exact = _runs.exact(ctx)
    _z, points = _runs.flows(ctx)
    limits = [{"log_inv_alpha": p["log_inv_alpha"], "status": p["gradient_flow"]["status"],
               "limit_vs_last_saddle": p["gradient_flow"]["limit_vs_last_saddle"]}
              for p in points if p.get("gradient_flow")]
    save_result(ctx, NAME, {**{k: exact[k] for k in ("status", "times", "losses", "supports", "deactivated",
                                                     "t1_formula", "t1_rel_error", "last_saddle_vs_min_l1",
                                                     "min_l1_success")}, "limits": limits})
    return judge(load_result(ctx, NAME), str(output_path(ctx, "pesme2023.saddles", ".png")))


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    """The three outcomes from a stored result (exact saddles, the LP comparison, the flows' limits)."""
    figs = (fig,) if fig else ()
    losses = res["losses"]
    decreasing = all(b < a for a, b in itertools.pairwise(losses))
    deact = [(k, d) for k, d in enumerate(res["deactivated"]) if d]
    t1_err = res["t1_rel_error"]
    gap = res["last_saddle_vs_min_l1"]
    lim = res["limits"]
    lim_ok = bool(lim) and all(q["status"] == "success" and q["limit_vs_last_saddle"] <= LIMIT for q in lim)
    return [
        Outcome(NAME, "(i) the first jump time is t_1 = 1 / ||X^T y / n||_inf",
                f"t_1 = {res['times'][1]:.12f}, formula {res['t1_formula']:.12f}, relative difference "
                f"{'-' if t1_err is None else f'{t1_err:.1e}'}", "equal", f"<= {EXACT:g}",
                res["status"] == "success" and t1_err is not None and t1_err <= EXACT, figs),
        Outcome(NAME, "(ii) the loss decreases strictly along the saddles; coordinates can deactivate",
                f"losses {', '.join(f'{v:.4g}' for v in losses)}; deactivations (k, coordinates): {deact or 'none'}",
                "strictly decreasing; at least one deactivation on this problem", "exact (rational arithmetic)",
                res["status"] == "success" and decreasing and bool(deact), figs),
        Outcome(NAME, "(iii) the last saddle is the min-l1 interpolator, and the flow's limit as alpha -> 0",
                f"|beta_p - min-l1 (LP)|_inf = {'-' if gap is None else f'{gap:.1e}'}; |flow limit - beta_p|_inf: "
                + ", ".join(f"log(1/alpha) = {q['log_inv_alpha']}: {q['limit_vs_last_saddle']:.1e}" for q in lim),
                "equal", f"LP <= {EXACT:g}, flow <= {LIMIT:g}",
                res["min_l1_success"] and gap is not None and gap <= EXACT and lim_ok, figs),
    ]
