"""The single neuron (Kunin et al. 2024) and wide linear networks: figures drawn from stored results only.

Each function takes the dict a ``paper_checks.kunin2024`` check stored and returns a matplotlib Figure; nothing is
computed here beyond placing the numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_exact_vs_flow", "plot_regime_map", "plot_sign_basins", "plot_wide_network"]


def plot_exact_vs_flow(result: dict[str, Any]) -> Figure:
    """The exact solution (lines) against the flow (markers), one colour per delta: the progress
    ``<beta, beta*>/||beta*|| = a^2 nu / s``, the norm ``||beta|| = |a| ||w||`` and ``a(t)/a(0)``.

    ``result["points"]``: the :func:`~implicit_bias.experiments.single_neuron.exact_point` results.
    """
    fig, axes = subplots(1, 3, figsize=(15, 4.2))
    cmap = colormaps["coolwarm"]
    points = result["points"]
    deltas = [float(p["delta"]) for p in points]
    span = max(abs(d) for d in deltas) or 1.0
    for p, d in zip(points, deltas, strict=True):
        color = cmap(0.5 + 0.5 * np.sign(d) * np.log1p(abs(d)) / np.log1p(span))
        s = float(p["s"])
        for tag, style in (("exact", {"ls": "-", "lw": 1.5}), ("flow", {"ls": "none", "marker": "o", "ms": 3,
                                                                       "mfc": "none"})):
            a, w, nu = (np.array(p[f"{k}_{tag}"]) for k in ("a", "w", "nu"))
            t = np.array(p["times"])
            every = slice(None) if tag == "exact" else slice(None, None, 2)
            curves = (a**2 * nu / s, np.abs(a) * w, a / a[0])
            for ax, y in zip(axes, curves, strict=True):
                ax.plot(t[every], y[every], color=color, label=f"delta = {p['delta']}" if tag == "exact" else None,
                        **style)
    labels = ("$\\langle\\beta, \\beta_*\\rangle / \\|\\beta_*\\|$", "$\\|\\beta(t)\\|$", "$a(t) / a(0)$")
    for ax, label in zip(axes, labels, strict=True):
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlabel("t")
        ax.set_ylabel(label)
    axes[2].set_yscale("symlog", linthresh=1e-2)
    axes[0].legend(fontsize=7, ncol=2)
    fig.suptitle("Exact solution (lines) vs high-precision gradient flow (circles), whitened input")
    fig.tight_layout()
    return fig


def plot_regime_map(result: dict[str, Any]) -> Figure:
    """Distance of the implicit-bias argmin to the two lazy limits against delta (symlog axis).

    ``result["points"]``: :func:`~implicit_bias.experiments.single_neuron.regime_point` results.
    """
    pts = sorted(result["points"], key=lambda p: p["delta"])
    d = np.array([p["delta"] for p in pts])
    fig, ax = subplots(figsize=(8, 4.5))
    ax.plot(d, [p["dist_kernel"] for p in pts], "o-", label="to the kernel interpolant (delta -> +oo limit)")
    ax.plot(d, [p["dist_ray"] for p in pts], "s-", label="to the initial ray's point (delta -> -oo limit)")
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_yscale("log")
    ax.axvline(0, color="k", lw=0.8)
    for x, text in ((0.12, "downstream:\nlazy along beta0"), (0.5, "balanced:\nrich"), (0.88, "upstream:\nlazy")):
        ax.text(x, 0.5, text, ha="center", va="center", fontsize=9, transform=ax.transAxes, color="0.35")
    ax.set_xlabel("delta = a^2 - ||w||^2")
    ax.set_ylabel("|beta_inf(delta) - limit|")
    ax.legend(fontsize=8, loc="lower center")
    ax.set_title("Regime map of the single neuron (one sample, Kunin et al. 2024 Fig. 4b setting)")
    fig.tight_layout()
    return fig


def plot_sign_basins(result: dict[str, Any]) -> Figure:
    """Whether ``a`` changes sign, against the initial angle of ``w0``, per delta; the Riccati prediction as a line."""
    pts = result["points"]
    deltas = sorted({p["delta"] for p in pts})
    fig, ax = subplots(figsize=(8, 3.5))
    for i, d in enumerate(deltas):
        row = sorted((p for p in pts if p["delta"] == d), key=lambda p: p["angle"])
        ang = [p["angle"] for p in row]
        ax.scatter(ang, [i] * len(row), c=["C3" if p["flipped"] else "C0" for p in row], s=30)
        ax.plot(ang, [i + 0.25 * p["predicted"] for p in row], "k-", lw=0.8, drawstyle="steps-mid")
    ax.set_yticks(range(len(deltas)), [f"delta = {d:g}" for d in deltas])
    ax.set_xlabel("angle of w0 (beta* = (1, 0.25))")
    ax.set_title("sign of a flips (red) or is kept (blue); step line: Riccati prediction nu0 < nu_-")
    fig.tight_layout()
    return fig


def plot_wide_network(result: dict[str, Any]) -> Figure:
    """Relative error of the spectral mirror flow against the misalignment of the gradient, per delta."""
    fig, ax = subplots(figsize=(7, 4.5))
    for i, p in enumerate(result["points"]):
        eps = np.array(p["misalignment"], dtype=float)
        err = np.array(p["rel_error"], dtype=float)
        keep = eps > 0
        ax.loglog(eps[keep], err[keep], "o-", color=f"C{i % 10}", ms=3,
                  label=f"delta = {p['delta']}, seed {p['seed']}")
    ax.set_xlabel("weight of the off-diagonal part of U^T G V")
    ax.set_ylabel("|beta'_mirror - beta'| / |beta'|")
    ax.set_title("Wide linear network, Delta = delta I: exact only for aligned gradients")
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    return fig
