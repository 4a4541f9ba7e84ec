"""Classification at extreme training accuracy (Moroshko et al. 2020): margins and directions against
``log(1/epsilon)``. Draws stored results of :func:`implicit_bias.experiments.classification.flow_point` only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_classification"]


def plot_classification(points: Sequence[dict[str, Any]]) -> Figure:
    """Three panels against ``log(1/epsilon)`` (log scale), one curve per ``(D, alpha)``: the l1 margin ratio
    ``gamma_1 / gamma_1*``, the l2 margin ratio ``gamma_2 / gamma_2*``, and ``1 - cos`` between the flow's direction
    and the ``Q``-regularized max-margin direction (dashed: to the l1 direction)."""
    fig, axes = subplots(1, 3, figsize=(16, 4.6))
    for j, p in enumerate(sorted(points, key=lambda q: (q["depth"], q["alpha"]))):
        lam = [s["log_inv_eps"] for s in p["states"]]
        style = "-" if p["depth"] == 2 else "--"
        label = f"D={p['depth']}, alpha={p['alpha']:g}"
        col = f"C{j}"
        axes[0].semilogx(lam, [s["gamma1_ratio"] for s in p["states"]], style, color=col, marker="o", ms=3,
                         label=label)
        axes[1].semilogx(lam, [s["gamma2_ratio"] for s in p["states"]], style, color=col, marker="o", ms=3,
                         label=label)
        qs = [(s["log_inv_eps"], s["cos_q"]) for s in p["states"] if s.get("cos_q") is not None]
        if qs:
            axes[2].loglog([q[0] for q in qs], np.maximum([q[1] for q in qs], 1e-16), style, color=col, marker="o",
                           ms=3, label=label)
        axes[2].loglog(lam, np.maximum([s["cos_l1"] for s in p["states"]], 1e-16), ":", color=col, lw=0.8)
    for ax in axes:
        ax.axvline(100 * np.log(10), color="0.7", lw=0.8)
        ax.set_xlabel("log(1/epsilon)  (grey: epsilon = 1e-100)")
    axes[0].axhline(1, color="k", lw=0.6)
    axes[1].axhline(1, color="k", lw=0.6)
    axes[0].set(ylabel="gamma_1 / gamma_1*", title="l1 margin (rich limit)")
    axes[1].set(ylabel="gamma_2 / gamma_2*", title="l2 margin (kernel limit)")
    axes[2].set(ylabel="1 - cos", title="to the Q-regularized max margin (dotted: to l1)")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig
