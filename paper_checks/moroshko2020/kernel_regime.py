"""Moroshko et al. (2020), abstract: the transition between the kernel and the rich regime "is controlled by the
relationship between the initialization scale and how accurately we minimize the training loss". Kernel end:
at large ``alpha^D`` relative to ``log(1/epsilon)`` the direction is the l2 max-margin one. Measured (``_runs``):
depth 2 at ``log(1/epsilon) = 1e4`` for ``alpha = 1, 10, 100``, and at ``alpha = 100`` over ``log(1/epsilon)``.

FAIL if (i) ``gamma_2 / gamma_2*`` at ``log(1/epsilon) = 1e4`` does not increase with ``alpha`` or is below 0.9999 at
``alpha = 100``; (ii) at ``alpha = 100`` it does not fall again as ``log(1/epsilon)`` grows to 1e6 (the kernel regime
is left when ``epsilon`` is small enough, by at least 0.01).
"""

from __future__ import annotations

import itertools
from typing import Any

from .._common import load_result, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "moroshko2020.kernel_regime"
KERNEL = 0.9999
LEAVES = 0.01


def run(ctx: Context) -> list[Outcome]:
    points = _runs.flows(ctx)
    rows = [{"alpha": p["alpha"], "states": [{k: s[k] for k in ("log_inv_eps", "gamma2_ratio", "cos_l2")}
                                             for s in p["states"]]} for p in points if p["depth"] == 2]
    save_result(ctx, NAME, {"rows": rows})
    return judge(load_result(ctx, NAME), _runs.figure(ctx, points))


def _at(row: dict[str, Any], lam: float) -> dict[str, Any]:
    return next(s for s in row["states"] if s["log_inv_eps"] == lam)


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    figs = (fig,) if fig else ()
    rows = {r["alpha"]: r for r in res["rows"]}
    alphas = [a for a in (1.0, 10.0, 100.0) if a in rows]
    if len(alphas) < 3:
        return [Outcome(NAME, c, "runs missing", "-", "-", False, figs) for c in ("(i)", "(ii)")]
    g = [_at(rows[a], 1e4)["gamma2_ratio"] for a in alphas]
    first = all(b > a for a, b in itertools.pairwise(g)) and g[-1] >= KERNEL
    big = rows[100.0]["states"]
    top = max(s["gamma2_ratio"] for s in big)
    later = _at(rows[100.0], 1e6)["gamma2_ratio"]
    return [
        Outcome(NAME, "(i) large alpha: the l2 (kernel) max-margin direction",
                "gamma_2/gamma_2* at log(1/eps) = 1e4: " + ", ".join(f"alpha={a:g}: {v:.6f}" for a, v in
                                                                      zip(alphas, g, strict=True)),
                "-> 1 as alpha grows", f"increasing, >= {KERNEL} at alpha = 100", first, figs),
        Outcome(NAME, "(ii) the kernel regime is left as epsilon -> 0 at fixed alpha",
                "alpha = 100: " + ", ".join(f"{s['log_inv_eps']:.3g}: {s['gamma2_ratio']:.5f}" for s in big),
                "falls from its top once log(1/eps) >> alpha^2", f"top - value at 1e6 >= {LEAVES}",
                top - later >= LEAVES, figs),
    ]
