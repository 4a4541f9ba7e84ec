"""Even et al. (2023), abstract: "Large stepsizes consistently benefit SGD for sparse regression problems, while
they can hinder the recovery of sparse solutions for GD. These effects are magnified for stepsizes in a tight
window just below the divergence threshold, in the 'edge of stability' regime." Measured (setting in ``_runs``):
the largest stepsize at which GD converges (bisection), GD there and at half of it, GD at small steps, SGD.

FAIL if (i) GD at the largest convergent step has fewer than 100 loss increases or its largest gain is not 10x
that at half the step; (ii) GD's gain at that step is not concentrated on the support of ``beta*`` (mean on the
support over mean off it below 3) or SGD's is (ratio above 2, largest SGD step); (iii) GD's error
``max |beta_inf - beta*|`` at the largest step is not larger than at the smallest step, or SGD's error does not
decrease with the step.
"""

from __future__ import annotations

import itertools
from typing import Any

from .._common import load_result, save_result
from .._framework import Context, Outcome
from . import _runs

NAME = "even2023.edge_of_stability"
INCREASES = 100
GAIN_FACTOR = 10.0
GD_RATIO = 3.0
SGD_RATIO = 2.0
KEEP = ("step", "status", "loss_increases", "gain", "error", "l1")


def run(ctx: Context) -> list[Outcome]:
    res = _runs.runs(ctx)
    eos = res["eos"]
    save_result(ctx, NAME, {
        "support": res["support"], "lambda_step": res["lambda_step"], "largest": eos["largest"],
        "smallest_failing": eos["smallest_failing"], "tried": eos["tried"],
        "eos": None if eos["run"] is None else {k: eos["run"][k] for k in KEEP},
        "half": None if res["half"] is None else {k: res["half"][k] for k in KEEP},
        "gd": [{k: r[k] for k in KEEP} for r in res["gd"]], "sgd": [{k: r[k] for k in KEEP} for r in res["sgd"]]})
    return judge(load_result(ctx, NAME), _runs.figure(ctx, res))


def _ratio(gain: list[float], support: int) -> float:
    on, off = gain[:support], gain[support:]
    return (sum(on) / len(on)) / (sum(off) / len(off))


def judge(res: dict[str, Any], fig: str = "") -> list[Outcome]:
    """The three outcomes from a stored result (``eos``, ``half``, ``gd``, ``sgd`` runs, ``support``)."""
    figs = (fig,) if fig else ()
    eos, half, s = res["eos"], res["half"], res["support"]
    if eos is None or half is None:
        return [Outcome(NAME, c, f"no convergent step found ({res['tried']})", "-", "-", False, figs)
                for c in ("(i) edge of stability", "(ii) gain shape", "(iii) sparse recovery")]
    g_eos, g_half = max(eos["gain"]), max(half["gain"])
    first = eos["loss_increases"] >= INCREASES and g_eos >= GAIN_FACTOR * g_half
    r_gd, r_sgd = _ratio(eos["gain"], s), _ratio(res["sgd"][-1]["gain"], s)
    gd = sorted(res["gd"], key=lambda r: r["step"])
    sgd = sorted(res["sgd"], key=lambda r: r["step"])
    sgd_err = [r["error"] for r in sgd]
    third = eos["error"] > gd[0]["error"] and all(b < a for a, b in itertools.pairwise(sgd_err))
    return [
        Outcome(NAME, "(i) just below the divergence threshold GD is non-monotone and its gain explodes",
                f"largest convergent step {res['largest']:.4g} (fails at {res['smallest_failing']:.4g}; 2/lambda_max"
                f"(X^T X/n) = {res['lambda_step']:.3g}): {eos['loss_increases']} loss increases (half the step: "
                f"{half['loss_increases']}), largest gain {g_eos:.3g} vs {g_half:.3g}",
                "non-monotone, gain magnified", f">= {INCREASES} increases, gain >= {GAIN_FACTOR:g}x", first, figs),
        Outcome(NAME, "(ii) GD's gain concentrates on the support, SGD's does not",
                f"gain on support / off support: GD at the largest step {r_gd:.2f}, SGD at step "
                f"{sgd[-1]['step']:g} {r_sgd:.2f}", "GD concentrated, SGD spread",
                f"GD >= {GD_RATIO:g}, SGD <= {SGD_RATIO:g}", r_gd >= GD_RATIO and r_sgd <= SGD_RATIO, figs),
        Outcome(NAME, "(iii) large steps hinder GD's sparse recovery and help SGD's",
                "max |beta_inf - beta*|: GD " + ", ".join(f"{r['step']:g}: {r['error']:.3g}" for r in gd)
                + f", half-largest {half['step']:.3g}: {half['error']:.3g}, largest {eos['step']:.3g}: "
                f"{eos['error']:.3g}; SGD " + ", ".join(f"{r['step']:g}: {r['error']:.3g}" for r in sgd),
                "GD error up at the largest step, SGD error down with the step", "strict", third, figs),
    ]
