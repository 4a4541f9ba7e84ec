"""Figure 5 (matrix completion): excess nuclear norm and movement of the unobserved entries over (alpha^2, k).

Draws a stored result only (the dict written by ``paper_checks.woodworth2020.fig5_matrix_completion`` from
:mod:`implicit_bias.experiments.matrix_completion` points).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_completion_heatmaps"]


def plot_completion_heatmaps(result: dict[str, Any]) -> Figure:
    """Figure 5: excess nuclear norm and RMS movement of the unobserved entries over ``(alpha^2, k)``.

    ``result`` holds ``ks``, ``log10_alpha2`` (rows, in the order drawn) and ``excess`` / ``movement``
    (``len(log10_alpha2) x len(ks)`` nested lists, absolute values). The dashed line is ``alpha^2 k = 1``.
    """
    ks, la = result["ks"], result["log10_alpha2"]
    fig, axes = subplots(1, 2, figsize=(13, 4.8))
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
