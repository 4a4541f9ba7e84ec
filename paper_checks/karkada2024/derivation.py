"""Karkada (2024), Sec. 3 and Table 1: the criteria leave one degree of freedom, ``||Delta h|| ~ n^r`` with
``0 <= r <= 1/2``, and Table 1 is their solution; Sec. 4: the gauge images.

Setting: ``implicit_bias.derive_richness(L)`` for depths L = 2..6 (the paper treats L = 3), and
``implicit_bias.richness_table(r, depth=3, gauge=...)`` at r = 0, 1/2 and three other values, in the three gauges.
Every entry is stored as its exponent triple (powers of n_0, n, n_L).

Expected values typed from the paper: Table 1 (``g = (n^r / sqrt(n_0), n^(r - 1/2), n^(-1/2))``,
``sigma_l = n^-r``, ``||h|| = (sqrt n, sqrt n, sqrt(n_3) n^-r)``, layer contributions ``(n^r, n^r, 1)``,
passthrough ``(0, n^r, 1)``); the layerwise-learning-rate table (init variances ``1/n_0, 1/n, n^(-2r-1)``,
learning rates ``n^(2r)/n_0, n^(2r-1), 1/n``); and the companion code's five parametrizations (dkarkada/mupify,
``get_param``: ntp and ntp-lr at r = 0; mup, mup-lr and mfp at r = 1/2).

FAIL if: (1) at some depth the degrees of freedom left with one global learning rate are not 1, or the null
space does not hold one gauge direction per layer; (2) the allowed range is not [0, 1/2], or its lower end is
not set by the output at initialization; (3) an entry of Table 1 at r = 0 or 1/2 differs; (4) a gauge image
differs from the learning-rate table or from mupify's parametrizations; (5) some size (activations, updates,
gradients) differs between gauges.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy as sp

from implicit_bias import derive_richness, richness_table
from implicit_bias.richness.gauges import GAUGES
from implicit_bias.richness.scaling import LN_N, LN_N0, LN_NL
from implicit_bias.richness.table import COLUMNS, log_size

from .._common import load_result, save_result
from .._framework import Context, Outcome

NAME = "karkada2024.derivation"
DEPTHS = (2, 3, 4, 5, 6)
RS = ("0", "1/2", "1/8", "3/10", "37/100")
SIZES = ("h", "dh", "layer_update", "passthrough", "grad")
F = Fraction


def _triple(expr: Any) -> list[str] | None:
    if expr is None:
        return None
    ls = log_size(expr)
    return [str(ls.coeff(v)) for v in (LN_N0, LN_N, LN_NL)]


def run(ctx: Context) -> list[Outcome]:
    depths = {}
    for L in DEPTHS:
        d = derive_richness(L)
        depths[str(L)] = {"dof": d.dof, "rank": d.rank, "unknowns": len(d.unknowns), "redundant": list(d.redundant),
                          "gauge_directions": d.gauge_directions,
                          "r_range": [str(d.r_range.inf), str(d.r_range.sup)],
                          "lower": [b.name for b in d.binding("lower")], "upper": [b.name for b in d.binding("upper")]}
    tables = {r: {g: [{k: _triple(row.entries[k]) for k in COLUMNS} for row in
                      richness_table(sp.Rational(r), depth=3, gauge=g).rows] for g in GAUGES} for r in RS}
    save_result(ctx, NAME, {"depths": depths, "tables": tables})
    return judge(load_result(ctx, NAME))


# ------------------------------------------------------------------------------------ expected (the paper)
def _t(c0: Any, cn: Any, cL: Any = 0) -> tuple[F, F, F]:
    return F(c0), F(cn), F(cL)


def table1(r: F) -> list[dict[str, tuple | None]]:
    """Karkada (2024), Table 1, as exponent triples (n_0, n, n_L) of each layer."""
    h = F(1, 2)
    return [
        {"g": _t(-h, r), "sigma": _t(0, -r), "h": _t(0, h), "layer_update": _t(0, r), "passthrough": None},
        {"g": _t(0, r - h), "sigma": _t(0, -r), "h": _t(0, h), "layer_update": _t(0, r), "passthrough": _t(0, r)},
        {"g": _t(0, -h), "sigma": _t(0, -r), "h": _t(0, -r, h), "layer_update": _t(0, 0), "passthrough": _t(0, 0)},
    ]


def layerwise_lr_table(r: F) -> list[dict[str, tuple]]:
    """The no-multiplier table: ``sigma`` (the square root of the stated variances) and learning rates."""
    h = F(1, 2)
    return [{"g": _t(0, 0), "sigma": _t(-h, 0), "eta": _t(-1, 2 * r)},
            {"g": _t(0, 0), "sigma": _t(0, -h), "eta": _t(0, 2 * r - 1)},
            {"g": _t(0, 0), "sigma": _t(0, -r - h), "eta": _t(0, -1)}]


def mupify(param: str) -> list[dict[str, tuple]]:
    """dkarkada/mupify ``get_param(layer_type, param, d_in, width)`` as exponent triples (read-in, hidden, read-out).

    activity = sqrt(width) for mup/mfp/mup-lr, else 1; q = activity^2/d_in (read-in, hidden) or 1/d_in
    (read-out); *-lr: g = 1, lr = q, std = sqrt(q)/activity; mup: g = sqrt(q), lr = 1, std = 1/activity;
    ntp/mfp: g = sqrt(q)/activity, lr = activity^2, std = 1.
    """
    a = F(1, 2) if param in ("mup", "mfp", "mup-lr") else F(0)       # activity = n^a
    qs = [_t(-1, 2 * a), _t(0, 2 * a - 1), _t(0, -1)]               # q per layer type
    rows = []
    for q in qs:
        act = _t(0, a)
        if param.endswith("-lr"):
            g, lr, std = _t(0, 0), q, tuple(x / 2 - y for x, y in zip(q, act, strict=True))
        elif param == "mup":
            g, lr, std = tuple(x / 2 for x in q), _t(0, 0), tuple(-y for y in act)
        else:
            g, lr, std = tuple(x / 2 - y for x, y in zip(q, act, strict=True)), tuple(2 * y for y in act), _t(0, 0)
        rows.append({"g": g, "eta": lr, "sigma": std})
    return rows


#: Which gauge and r each of mupify's parametrizations is (the rescaling gauge is ntp/mfp).
MUPIFY_GAUGES = {"ntp": ("0", "rescaling"), "ntp-lr": ("0", "learning-rate"), "mup": ("1/2", "multiplier"),
                 "mup-lr": ("1/2", "learning-rate"), "mfp": ("1/2", "rescaling")}


# ------------------------------------------------------------------------------------------------ judge
def _parse(cell: list[str] | None) -> tuple | None:
    return None if cell is None else tuple(F(c) for c in cell)


def _mismatches(rows: list[dict], expected: list[dict], label: str) -> list[str]:
    out = []
    for ell, (got, want) in enumerate(zip(rows, expected, strict=True), start=1):
        for key, value in want.items():
            if _parse(got.get(key)) != value:
                out.append(f"{label} layer {ell} {key}: {got.get(key)} != {value}")
    return out


def judge(res: dict) -> list[Outcome]:
    """Five outcomes from a stored result (``depths``, ``tables``)."""
    deps, tabs = res["depths"], res["tables"]
    dof_ok = all(d["dof"] == 1 and d["gauge_directions"] == int(L) for L, d in deps.items()) and len(deps) > 0
    range_ok = all(d["r_range"] == ["0", "1/2"] and d["lower"] == ["OUT"] and d["upper"] for d in deps.values())
    bad_t1 = [m for r in ("0", "1/2") for m in _mismatches(tabs[r]["multiplier"], table1(F(r)), f"r={r}")]
    bad_g = [m for r in RS if r in tabs for m in _mismatches(tabs[r]["learning-rate"], layerwise_lr_table(F(r)),
                                                          f"learning-rate r={r}")]
    bad_g += [m for p, (r, g) in MUPIFY_GAUGES.items() for m in _mismatches(tabs[r][g], mupify(p), f"mupify {p}")]
    bad_inv = [f"r={r} {g} layer {i + 1} {k}" for r, t in tabs.items() for g in GAUGES for i, row in enumerate(t[g])
               for k in SIZES if row[k] != t["multiplier"][i][k]]
    dof_text = "; ".join(f"L={L}: {d['unknowns']} unknowns, rank {d['rank']}, {d['gauge_directions']} gauge, "
                         f"dof {d['dof']}, implied {','.join(d['redundant'])}" for L, d in deps.items())
    range_text = "; ".join(f"L={L}: [{d['r_range'][0]}, {d['r_range'][1]}] (lower: {','.join(d['lower'])}; upper: "
                           f"{','.join(d['upper'])})" for L, d in deps.items())

    def listed(bad: list[str]) -> str:
        return "none" if not bad else f"{len(bad)}: " + "; ".join(bad[:4])

    return [
        Outcome(NAME, "one degree of freedom: the criteria fix every exponent but ||Delta h|| ~ n^r (one global lr)",
                dof_text, "dof 1; one gauge direction per layer", "exact", dof_ok),
        Outcome(NAME, "the richness range is 0 <= r <= 1/2 (outputs bounded at init; update <~ representation)",
                range_text, "[0, 1/2], lower end from the output at init", "exact", range_ok),
        Outcome(NAME, "Table 1 (multiplier gauge) is the solution at r = 0 (NTK) and r = 1/2 (muP)",
                f"mismatches: {listed(bad_t1)}", "Table 1 of the paper", "exact", not bad_t1),
        Outcome(NAME, "gauge images: per-layer learning rates (init variances, lrs) and mupify's ntp, ntp-lr, mup, "
                f"mup-lr, mfp (r in {', '.join(RS)})", f"mismatches: {listed(bad_g)}",
                "the paper's layerwise table; mupify get_param", "exact", not bad_g),
        Outcome(NAME, "the sizes (activations, updates, gradients) are the same in every gauge",
                f"differences: {listed(bad_inv)}", "none", "exact", not bad_inv),
    ]
