"""Moroshko et al. (2020), abstract: "some limit behaviors of gradient descent only kick in at ridiculous training
accuracies (well beyond 10^{-100})". The rich end: as ``epsilon -> 0`` at fixed ``alpha`` a depth-2 network tends
to the l1 max-margin direction, but only logarithmically in ``log(1/epsilon)``. Measured (``_runs``): depth 2,
``alpha = 1``, ``gamma_1 / gamma_1*`` at ``log(1/epsilon)`` from 100 to 1e6 (--full: 1e7), i.e. epsilon down to
``10^-434294`` (``10^-4342944``).

FAIL if (i) the ratio does not increase with ``log(1/epsilon)``; (ii) it is above 0.96 at ``epsilon = 1e-100``
(the limit would already have kicked in) or reaches 0.99 at the smallest ``epsilon`` run.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

from .._common import load_result, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "moroshko2020.rich_limit"
AT_1E100 = 0.96
FAR = 0.99


def run(ctx: Context) -> list[Outcome]:
    points = _runs.flows(ctx)
    p = _runs.find(points, 2, 1.0)
    save_result(ctx, NAME, {"states": [{k: s[k] for k in ("log_inv_eps", "gamma1_ratio", "cos_l1")}
                                       for s in p["states"]]})
    return judge(load_result(ctx, NAME), _runs.figure(ctx, points))


def extrapolate(states: list[dict[str, Any]], gap: float) -> float:
    """``log10 log(1/epsilon)`` at which ``1 - gamma_1/gamma_1* = gap`` by the power law in ``log log(1/eps)``
    fitted to the last two states (an extrapolation, reported, not judged)."""
    (l1, r1), (l2, r2) = [(math.log(s["log_inv_eps"]), 1 - s["gamma1_ratio"]) for s in states[-2:]]
    k = math.log(r2 / r1) / math.log(l2 / l1)
    return l2 * (gap / r2) ** (1 / k) / math.log(10)


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    figs = (fig,) if fig else ()
    st = sorted(res["states"], key=lambda s: s["log_inv_eps"])
    ratios = [s["gamma1_ratio"] for s in st]
    at = next((s["gamma1_ratio"] for s in st if abs(s["log_inv_eps"] - _runs.EPS_100) < 1e-6), None)
    table = ", ".join(f"{s['log_inv_eps']:.3g}: {s['gamma1_ratio']:.4f}" for s in st)
    far = extrapolate(st, 1e-3) if len(st) >= 2 and ratios[-1] < 1 else math.nan
    return [
        Outcome(NAME, "(i) the l1 margin ratio grows with the training accuracy",
                f"gamma_1/gamma_1* at log(1/eps) = {table}", "increasing towards 1", "strictly increasing",
                all(b > a for a, b in itertools.pairwise(ratios)), figs),
        Outcome(NAME, "(ii) the l1 (rich) limit only kicks in well beyond epsilon = 1e-100",
                f"{'-' if at is None else f'{at:.4f}'} at epsilon = 1e-100, {ratios[-1]:.4f} at log(1/eps) = "
                f"{st[-1]['log_inv_eps']:.0e}; 1 - ratio = 1e-3 extrapolated at log(1/eps) ~ 10^{far:.0f}",
                "far from 1 at 1e-100", f"<= {AT_1E100} at 1e-100, < {FAR} at the smallest epsilon",
                at is not None and at <= AT_1E100 and ratios[-1] < FAR, figs),
    ]
