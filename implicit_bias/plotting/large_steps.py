"""Large-step (S)GD figures (Even et al. 2023). Draws stored results of
:mod:`implicit_bias.experiments.large_steps` only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_large_steps"]


def plot_large_steps(gd: Sequence[dict[str, Any]], sgd: Sequence[dict[str, Any]], eos: dict[str, Any],
                     half: dict[str, Any], support: int) -> Figure:
    """Four panels: loss curves (GD at small steps, half the largest convergent step and the largest; SGD);
    the gain per coordinate (support shaded); the small-step limit (distance to gradient flow's limit, to the
    untilted problem, largest gain, against the step); the error against ``beta*`` per step.

    ``gd``/``sgd``: :func:`~implicit_bias.experiments.large_steps.run_point` results; ``eos``: the ``run`` of
    :func:`~implicit_bias.experiments.large_steps.largest_step`; ``half``: GD at half its step.
    """
    fig, ax = subplots(2, 2, figsize=(13, 9))
    a = ax[0, 0]
    for r, style in [(gd[0], "C0-"), (half, "C1-"), (eos, "C3-"), (sgd[-1], "C2-")]:
        kind = "SGD" if r["batch_size"] else "GD"
        a.loglog(np.array(r["losses"]["step"]) + 1, np.maximum(r["losses"]["loss"], 1e-300), style, lw=0.8,
                 label=f"{kind}, step {r['step']:.3g} ({r['loss_increases']} increases)")
    a.set(xlabel="step + 1", ylabel="training loss", title="loss (edge of stability: non-monotone)")
    a.legend(fontsize=8)

    a = ax[0, 1]
    idx = np.arange(len(eos["gain"]))
    a.axvspan(-0.5, support - 0.5, color="0.9", zorder=0, label="support of beta*")
    for r, style in [(eos, "C3o-"), (half, "C1o-"), (gd[-1], "C0o-"), (sgd[-1], "C2s-")]:
        kind = "SGD" if r["batch_size"] else "GD"
        a.semilogy(idx, np.maximum(r["gain"], 1e-12), style, ms=3, lw=0.8, label=f"{kind}, step {r['step']:.3g}")
    a.set(xlabel="coordinate", ylabel="gain log(alpha^2 / alpha_inf^2)", title="gain per coordinate")
    a.legend(fontsize=8)

    a = ax[1, 0]
    steps = np.array([r["step"] for r in gd])
    for key, style, label in [("flow", "C0o-", "|beta_inf - gradient-flow limit (alpha)|"),
                              ("untilted", "C1s-", "|beta_inf - untilted problem (alpha_inf)|")]:
        vals = [r.get(key) for r in gd]
        if all(v is not None for v in vals):
            a.loglog(steps, vals, style, label=label)
    a.loglog(steps, [max(r["gain"]) for r in gd], "C2^-", label="largest gain")
    a.loglog(steps, steps * max(gd[0]["gain"]) / steps[0], "k:", lw=0.8, label="slope 1")
    a.loglog(steps, steps**2 * (gd[0].get("untilted") or 1) / steps[0] ** 2, "k--", lw=0.8, label="slope 2")
    a.set(xlabel="step", title="small steps (GD)")
    a.legend(fontsize=8)

    a = ax[1, 1]
    a.semilogx([r["step"] for r in gd] + [half["step"], eos["step"]],
               [r["error"] for r in gd] + [half["error"], eos["error"]], "C0o-", label="GD")
    a.semilogx([r["step"] for r in sgd], [r["error"] for r in sgd], "C2s-", label="SGD (batch 1)")
    a.set(xlabel="step", ylabel="max |beta_inf - beta*|", title="recovery of the planted vector")
    a.legend(fontsize=8)
    fig.tight_layout()
    return fig
