"""Moroshko et al. (2020): between the two limits the direction is that of a ``Q``-regularized max margin,
``argmin Q_bar(beta) s.t. tilde X beta >= 1`` with ``Q_bar`` the regression regularizer of ``ib.diagonal(D)`` at the
scale ``alpha_bar^D = alpha^D / gamma`` (``gamma`` the min margin; derived in ``docs/classification.md``: the flow
satisfies this problem's KKT conditions except complementary slackness). Measured (``_runs``): ``1 - cos`` between
the flow and that solution (30 digits, engine's ``Q``), at ``log(1/epsilon) = 1e2, 1e4``, for depth 2 at
``alpha = 1, 10, 100`` and depth 3 at ``alpha = 1, 3``.

FAIL if at some of these points ``1 - cos`` exceeds 0.02, or exceeds 1.1 times ``1 - cos`` to the l1 or to the l2
direction (the ``Q``-problem must explain the direction at least as well as either limit; deep in the kernel regime
it coincides with l2).
"""

from __future__ import annotations

from typing import Any

from .._common import load_result, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "moroshko2020.intermediate"
CASES = {2: (1.0, 10.0, 100.0), 3: (1.0, 3.0)}
LEVELS = (1e2, 1e4)
BOUND = 0.02
TIE = 1.1


def run(ctx: Context) -> list[Outcome]:
    points = _runs.flows(ctx)
    rows = [{"depth": p["depth"], "alpha": p["alpha"], "states": [
        {k: s.get(k) for k in ("log_inv_eps", "cos_q", "cos_l1", "cos_l2", "q_status")} for s in p["states"]]}
        for p in points]
    save_result(ctx, NAME, {"rows": rows})
    return judge(load_result(ctx, NAME), _runs.figure(ctx, points))


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    figs = (fig,) if fig else ()
    table, bad = [], []
    for D, alphas in CASES.items():
        for a in alphas:
            row = next((r for r in res["rows"] if r["depth"] == D and r["alpha"] == a), None)
            for lam in LEVELS:
                s = None if row is None else next((q for q in row["states"] if q["log_inv_eps"] == lam), None)
                if s is None or s["cos_q"] is None:
                    bad.append((D, a, lam, "missing"))
                    continue
                table.append(f"D={D} a={a:g} {lam:.0e}: {s['cos_q']:.1e} (l1 {s['cos_l1']:.2g}, l2 {s['cos_l2']:.2g})")
                if s["cos_q"] > BOUND or s["cos_q"] > TIE * min(s["cos_l1"], s["cos_l2"]):
                    bad.append((D, a, lam))
    return [Outcome(NAME, "the direction is the Q-regularized max margin at alpha_bar^D = alpha^D / gamma, as close "
                    "as either limit or closer", "1 - cos: " + "; ".join(table) + f"; failing: {bad or 'none'}",
                    "small, not above 1 - cos to l1 or to l2", f"<= {BOUND}, <= {TIE} x the better limit", not bad,
                    figs)]
