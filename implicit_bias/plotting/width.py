"""Section 6 (width): the wide parallel network's transition and its Theorem 4 limit, and Figure 5's heatmaps.

Every function draws a stored result only (the dicts written by ``paper_checks.sec6_width`` and
``paper_checks.fig5_matrix_completion``); nothing is computed here beyond placing the numbers.
"""

from __future__ import annotations

import math
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

__all__ = ["plot_completion_heatmaps", "plot_width_limit", "plot_width_transition"]


def plot_width_transition(result: dict[str, Any]) -> Figure:
    """l1-ness of the flow's solution against ``alpha^2 k`` and against ``alpha^2 sqrt(k)``, one line per ``k``,
    with Theorem 4's limit; and the distance to the min-l2 interpolant.

    ``result["curves"]`` holds ``scales`` (``alpha^2 k``), ``k`` (per width, as a str: ``l1ness``, ``dist_l2``,
    means over seeds) and ``mu`` (Theorem 4's ``l1ness`` and ``dist_l2`` at ``mu^2 = alpha^2 k / 2``).
    """
    cur = result["curves"]
    scales = np.asarray(cur["scales"])
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
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
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
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


def plot_completion_heatmaps(result: dict[str, Any]) -> Figure:
    """Figure 5: excess nuclear norm and RMS movement of the unobserved entries over ``(alpha^2, k)``.

    ``result`` holds ``ks``, ``log10_alpha2`` (rows, in the order drawn) and ``excess`` / ``movement``
    (``len(log10_alpha2) x len(ks)`` nested lists, absolute values). The dashed line is ``alpha^2 k = 1``.
    """
    ks, la = result["ks"], result["log10_alpha2"]
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    for ax, key, title in ((axes[0], "excess", "$\\|M\\|_* - \\|Y^*\\|_*$"),
                           (axes[1], "movement", "RMS of $M - U(0)V(0)^T$ on unobserved entries")):
        data = np.asarray(result[key], dtype=float)
        im = ax.imshow(np.log10(np.maximum(data, 1e-8)), cmap="viridis", aspect="auto", origin="upper")
        fig.colorbar(im, ax=ax, label="log10")
        for r in range(data.shape[0]):
            for c in range(data.shape[1]):
                ax.text(c, r, f"{data[r, c]:.2g}", ha="center", va="center", fontsize=7, color="w")
        ax.set_xticks(range(len(ks)), [f"{k:g}" for k in ks], rotation=45)
        ax.set_yticks(range(len(la)), [f"{10.0**v:.1e}" for v in la])
        ax.set_xlabel("width k")
        ax.set_ylabel("$\\alpha^2$")
        ax.set_title(title)
        lk = np.log10(np.asarray(ks, dtype=float))
        order = np.argsort(la)  # np.interp needs increasing abscissae
        cols = np.linspace(-0.5, len(ks) - 0.5, 200)
        line_la = -np.interp(cols, np.arange(len(ks)), lk)  # alpha^2 k = 1
        rows = np.interp(line_la, np.asarray(la)[order], np.arange(len(la))[order], left=np.nan, right=np.nan)
        ax.plot(cols, rows, "w--", lw=1.5)
    fig.suptitle(f"Figure 5: rank-1 {result['d']}x{result['d']} completion from N = {result['n_obs']} entries "
                 "(dashed: $\\alpha^2 k = 1$)")
    fig.tight_layout()
    return fig
