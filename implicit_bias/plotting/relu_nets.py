"""Figures 6 and 7: ReLU networks in the kernel and rich regimes (from stored results only)."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_fig6_circle", "plot_fig6_digits", "plot_fig7"]


def plot_fig6_circle(result: dict[str, Any]) -> Figure:
    """Fig. 6 (a) test RMSE and (b) grad distance against ``alpha^D``, one curve per depth (mean +- std)."""
    alphas = [10.0**la for la in result["sizes"]["log10_alpha_D"]]
    fig, axes = subplots(1, 2, figsize=(10, 4))
    for ax, key, title in zip(axes, ("test_rmse", "grad_distance"), ("(a) test RMSE", "(b) grad distance"),
                              strict=True):
        for D, pts in result["circle"].items():
            vals = np.array([[r[key] for r in runs] for runs in pts])
            ax.errorbar(alphas, vals.mean(axis=1), yerr=vals.std(axis=1), marker="o", capsize=2, label=f"D = {D}")
        ax.set_xscale("log")
        ax.set_xlabel("alpha^D")
        ax.set_title(title)
        ax.legend()
    first = result["circle"][next(iter(result["circle"]))][0][0]
    axes[0].axhline(first["zero_rmse"], color="k", ls=":", label="zero predictor")
    fig.tight_layout()
    return fig


def plot_fig6_digits(result: dict[str, Any]) -> Figure:
    """Fig. 6 (c) analogue: test error of the trained nets against alpha, kernel and random-features levels."""
    dg = result["digits"]
    fig, ax = subplots(figsize=(5, 4))
    nets = dg["networks"]
    ax.semilogx([n["alpha"] for n in nets], [n["test_error"] for n in nets], "o-", label="trained depth-2 net")
    ax.axhline(dg["kernel"]["test_error"], color="C3", ls="--", label="kernel (linearized at init)")
    ax.axhline(dg["random_features"]["test_error"], color="C2", ls="--", label="random features (last layer)")
    ax.set_xlabel("alpha")
    ax.set_ylabel("test error (%)")
    ax.set_title(f"(c) 8x8 digits, width {dg['width']}, {dg['n_train']} train")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_fig7(result: dict[str, Any]) -> Figure:
    """Fig. 7: fitted curves for each layer scaling (one panel each), one line per alpha, data and spline."""
    scalings = sorted({r["scaling"] for r in result["runs"]})
    fig, axes = subplots(1, len(scalings), figsize=(4.5 * len(scalings), 3.8), squeeze=False)
    for ax, s in zip(axes[0], scalings, strict=True):
        runs = sorted((r for r in result["runs"] if r["scaling"] == s), key=lambda r: r["log10_alpha"])
        for r in runs:
            tail = "" if r["success"] else f" (loss {r['final_loss']:.1e})"
            ax.plot(r["grid"], r["f"], "-" if r["success"] else ":", label=f"alpha = 1e{r['log10_alpha']:g}{tail}")
        r0 = runs[0]
        ax.plot(r0["x_train"], r0["y_train"], "ko", label="data / linear spline")
        ax.plot(r0["x_train"], r0["y_train"], "k-", lw=0.5)
        ax.set_title(f"({s}) width {r0['width']}")
        ax.set_xlabel("x")
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig
