"""Moroshko et al. (2020), closed form of the flow: with ``nu(t) = int_0^t r`` (the total sample weights), gradient
flow of a depth-``D`` diagonal network on the exponential loss keeps ``beta = b(tilde X^T nu)``, ``b`` the same
dual map as in regression (derived by the engine for ``ib.diagonal(D)``); for ``D >= 3`` ``b`` has a pole, so
``nu`` stays bounded and the direction freezes at a point that depends on ``alpha``. Measured (``_runs``): the
flow of the parameters ``w_+-`` (log coordinates) with ``nu`` carried along.

FAIL if (i) ``|b^{-1}(beta) - tilde X^T nu| / max(1, |tilde X^T nu|)`` exceeds 1e-12 at some state; (ii) the float64
and the MPFR (30 digits) flows differ by more than 1e-10 in direction or 1e-12 relative in margin; (iii) for ``D = 3``
some ``|tilde X^T nu|_inf`` reaches the pole of ``b`` or the growth of ``max nu`` over the last decade of
``log(1/epsilon)`` is not below 0.6 times that over the decade before (bounded, converging), or for ``D = 2`` it is
below 0.9 times (no sign of a bound: ``nu`` grows like ``log log(1/epsilon)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._common import load_result, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "moroshko2020.dual_map"
CLOSED = 1e-12
AGREE_DIR, AGREE_MARGIN = 1e-10, 1e-12
SHRINKS, KEEPS = 0.6, 0.9


def _slim(p: dict[str, Any]) -> dict[str, Any]:
    return {"depth": p["depth"], "alpha": p["alpha"], "states": [
        {k: s[k] for k in ("log_inv_eps", "gamma", "beta", "nu", "closed_form", "dual_sup", "pole")}
        for s in p["states"]]}


def run(ctx: Context) -> list[Outcome]:
    points = _runs.flows(ctx)
    exact = _runs.mpfr_flows(ctx)
    save_result(ctx, NAME, {"flows": [_slim(p) for p in points], "mpfr": [_slim(p) for p in exact]})
    return judge(load_result(ctx, NAME), _runs.figure(ctx, points))


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    """The three outcomes from a stored result (``flows`` and ``mpfr`` with their states)."""
    figs = (fig,) if fig else ()
    flows = res["flows"]
    worst = max(s["closed_form"] for p in flows + res["mpfr"] for s in p["states"])
    gaps = []
    for q in res["mpfr"]:
        p = next(f for f in flows if f["depth"] == q["depth"] and f["alpha"] == q["alpha"])
        by = {s["log_inv_eps"]: s for s in p["states"]}
        for s in q["states"]:
            t = by[s["log_inv_eps"]]
            u, v = np.array(s["beta"]), np.array(t["beta"])
            gaps.append((float(np.max(np.abs(u / np.linalg.norm(u) - v / np.linalg.norm(v)))),
                         abs(s["gamma"] - t["gamma"]) / s["gamma"]))
    agree = bool(gaps) and all(a <= AGREE_DIR and b <= AGREE_MARGIN for a, b in gaps)
    bad, ratios = [], []
    for p in flows:
        st = p["states"]
        top = [max(s["nu"]) for s in st]
        ratio = (top[-1] - top[-2]) / (top[-2] - top[-3]) if len(top) >= 3 and top[-2] > top[-3] else float("inf")
        ratios.append(f"D={p['depth']} alpha={p['alpha']:g}: {ratio:.2f}")
        if p["depth"] >= 3:
            if any(s["pole"] is None or s["dual_sup"] >= s["pole"] for s in st) or not ratio <= SHRINKS:
                bad.append((p["depth"], p["alpha"]))
        elif not ratio >= KEEPS:
            bad.append((p["depth"], p["alpha"]))
    d3 = ", ".join(f"alpha={p['alpha']:g}: |X^T nu| {p['states'][-1]['dual_sup']:.4f} < pole "
                   f"{p['states'][-1]['pole']:.4f}" for p in flows if p["depth"] >= 3)
    d2 = ", ".join(f"alpha={p['alpha']:g}: {p['states'][0]['dual_sup']:.2f} -> {p['states'][-1]['dual_sup']:.2f}"
                   for p in flows if p["depth"] == 2)
    return [
        Outcome(NAME, "(i) beta = b(X^T nu) along the flow, b the engine's dual map of diagonal(D)",
                f"max relative difference over {sum(len(p['states']) for p in flows)} states: {worst:.1e}",
                "0", f"<= {CLOSED:g}", worst <= CLOSED, figs),
        Outcome(NAME, "(ii) the float64 flow agrees with the MPFR flow (30 digits)",
                "direction, margin differences: " + ", ".join(f"{a:.1e}, {b:.1e}" for a, b in gaps), "0",
                f"<= {AGREE_DIR:g}, {AGREE_MARGIN:g}", agree, figs),
        Outcome(NAME, "(iii) D = 3: the sample weights nu stay bounded (b has a pole); D = 2: they grow without bound",
                f"D=3 {d3}; D=2 |X^T nu| over the grid {d2}; growth of max nu, last decade / the one before: "
                f"{', '.join(ratios)}; failing: {bad or 'none'}",
                "bounded for D >= 3, unbounded for D = 2", f"D=3: < pole and <= {SHRINKS}; D=2: >= {KEEPS}",
                not bad, figs),
    ]
