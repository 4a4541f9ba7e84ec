"""Section 6 (width): the wide parallel network's transition and its Theorem 4 limit.

Every function draws a stored result only (the dict written by ``paper_checks.woodworth2020.sec6_width`` from
:mod:`implicit_bias.experiments.wide_network` points); nothing is computed here beyond placing the numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_width_limit", "plot_width_transition"]


def plot_width_transition(result: dict[str, Any]) -> Figure:
    """l1-ness of the flow's solution against ``alpha^2 k`` and against ``alpha^2 sqrt(k)``, one line per ``k``,
    with Theorem 4's limit; and the distance to the min-l2 interpolant.

    ``result["curves"]`` holds ``scales`` (``alpha^2 k``), ``k`` (per width, as a str: ``l1ness``, ``dist_l2``,
    means over seeds) and ``mu`` (Theorem 4's ``l1ness`` and ``dist_l2`` at ``mu^2 = alpha^2 k / 2``).
    """
    cur = result["curves"]
    scales = np.asarray(cur["scales"])
    fig, axes = subplots(1, 3, figsize=(15, 4.3))
    for i, (k, c) in enumerate(cur["k"].items()):
        kw = {"marker": "o", "ms": 4, "color": f"C{i}", "label": f"k = {k} (flow)"}
        axes[0].semilogx(scales, c["l1ness"], **kw)
        axes[1].semilogx(scales / math.sqrt(int(k)), c["l1ness"], **kw)
        axes[2].loglog(scales, c["dist_l2"], **kw)
    for ax, key in ((axes[0], "l1ness"), (axes[2], "dist_l2")):
        ax.plot(scales, cur["mu"][key], "k--", lw=2, label="Theorem 4 limit, $\\mu^2 = \\alpha^2 k/2$")
    axes[0].set_xlabel("$\\alpha^2 k$  ($= \\sigma\\sqrt{k}$)")
    axes[1].set_xlabel("$\\alpha^2 \\sqrt{k}$  ($= \\sigma$)")
    axes[2].set_xlabel("$\\alpha^2 k$")
    l1ness = "$(\\|\\beta\\|_1 - \\|\\beta_{\\ell_1}\\|_1) / (\\|\\beta_{\\ell_2}\\|_1 - \\|\\beta_{\\ell_1}\\|_1)$"
    for ax in axes[:2]:
        ax.set_ylabel(l1ness)
        ax.set_ylim(-0.05, 1.6)
        ax.axhline(0, color="C2", lw=0.8)
        ax.axhline(1, color="C3", lw=0.8)
    axes[2].set_ylabel("$\\|\\beta - \\beta_{\\ell_2}\\|_2 / \\|\\beta_{\\ell_2}\\|_2$")
    z = result["sizes"]
    axes[0].set_title(f"(a) against $\\alpha^2 k$: d={z['d']}, n={z['n']}, r*={z['sparsity']}")
    axes[1].set_title("(b) the same points against $\\alpha^2\\sqrt{k}$")
    axes[2].set_title("(c) distance to the min-l2 interpolant")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_width_limit(result: dict[str, Any]) -> Figure:
    """Distance of ``argmin Q`` (at the initialization's scales) to Theorem 4's limit against ``k`` at fixed
    ``alpha^2 k``, RMS over seeds, with a ``k^{-1/2}`` guide. Reads ``result["limit_curves"]``."""
    fig, ax = subplots(figsize=(6.5, 4.5))
    for i, (scale, c) in enumerate(result["limit_curves"].items()):
        ax.loglog(c["k"], c["dist"], "o-", color=f"C{i}", label=f"$\\alpha^2 k$ = {float(scale):g}")
    ks = np.asarray(next(iter(result["limit_curves"].values()))["k"], dtype=float)
    top = max(max(c["dist"]) for c in result["limit_curves"].values())
    ax.loglog(ks, top * np.sqrt(ks[0] / ks), "k:", label="$\\propto k^{-1/2}$")
    ax.set_xlabel("width k")
    ax.set_ylabel("$\\|\\beta_k - \\beta_\\mu\\|_2 / \\|\\beta_\\mu\\|_2$ (RMS over seeds)")
    ax.set_title("Approach to Theorem 4 at fixed $\\alpha^2 k = 2\\mu^2$")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
