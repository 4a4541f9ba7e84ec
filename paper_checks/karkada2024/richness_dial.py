"""Karkada (2024), Sec. 3: one dial, r from 0 (lazy NTK) to 1/2 (muP), sets how the representation update scales
with the width, ``||Delta h|| ~ n^r``, with ``||h_L|| ~ n^-r`` at initialization and ``||dL/dh|| ~ n^-r``.

Setting: the width sweep of ``width_scaling`` (same network, data, widths and seeds; its points are reused) at
r = 0, 1/8, 1/4, 3/8, 1/2. Derived exponents are the table's at each r.

FAIL if at some r the fitted exponent of a hidden layer's ||Delta h||, of ||h_L|| at initialization or of a hidden
layer's ||dL/dh|| differs from the derived one by more than 0.1, or if the fitted ||Delta h|| exponent does not
increase with r.
"""

from __future__ import annotations

import itertools

from implicit_bias.plotting.richness import plot_dial

from .._common import load_result, save_figure, save_result
from .._framework import Context, Outcome
from .width_scaling import sweep

NAME = "karkada2024.richness_dial"
RS = [0.0, 0.125, 0.25, 0.375, 0.5]
TOL = 0.1


def run(ctx: Context) -> list[Outcome]:
    save_result(ctx, NAME, sweep(ctx, RS))
    res = load_result(ctx, NAME)
    fig = save_figure(ctx, NAME, plot_dial(res)) if res["fits"] else None
    return judge(res, (fig,) if fig else ())


def _selected(res: dict, quantity: str) -> list[dict]:
    depth = res["depth"]
    if quantity == "h":
        return [f for f in res["fits"] if f["quantity"] == "h" and f["layer"] == depth]
    return [f for f in res["fits"] if f["quantity"] == quantity and f["layer"] < depth]


def judge(res: dict, figs: tuple[str, ...] = ()) -> list[Outcome]:
    """Three outcomes (hidden ||Delta h||, output ||h_L|| at init, hidden ||dL/dh||) from a stored sweep."""
    if res["status"] != "success" or not res["fits"]:
        return [Outcome(NAME, "the width sweep finished", res["status"] + " " + res.get("message", ""), "success",
                        "-", False)]
    out = []
    claims = {"dh": "hidden ||Delta h|| ~ n^r", "h": "||h_L|| at init ~ n^-r", "grad": "hidden ||dL/dh|| ~ n^-r"}
    for q, claim in claims.items():
        sel = _selected(res, q)
        err = max((abs(f["measured"] - f["derived"]) for f in sel), default=float("inf"))
        by_r: dict[float, list[float]] = {}
        for f in sel:
            by_r.setdefault(f["r"], []).append(f["measured"])
        listed = "; ".join(f"r={r:g}: " + ", ".join(f"{m:+.3f}" for m in ms) for r, ms in sorted(by_r.items()))
        ok = err <= TOL and len(by_r) >= 2
        if q == "dh":
            rs = sorted(by_r)
            means = [sum(by_r[r]) / len(by_r[r]) for r in rs]
            ok = ok and all(b > a for a, b in itertools.pairwise(means))
        out.append(Outcome(NAME, f"the richness dial: {claim} across r in [0, 1/2]",
                           f"max |fitted - derived| = {err:.3f}; fitted (both activations, every layer) {listed}",
                           "the table's exponent at each r" + (", increasing in r" if q == "dh" else ""),
                           f"{TOL} each", ok, figs))
    return out
