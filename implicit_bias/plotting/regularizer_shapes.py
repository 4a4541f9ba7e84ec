"""Figures 2 and 3 (a, b): shapes of derived regularizers, drawn from ``experiments.regularizer_shapes`` results."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_depth_ratio", "plot_explicit_vs_implicit", "plot_q_depth"]


def plot_explicit_vs_implicit(result: dict[str, Any]) -> Figure:
    """Figure 2: ``q`` (implicit) and ``r`` (explicit) per coordinate; their approach to l1 against alpha."""
    fig, (ax1, ax2) = subplots(1, 2, figsize=(10, 4))
    ax1.plot(result["z"], result["q"], label="implicit q(z) (hypentropy)")
    ax1.plot(result["z"], result["r"], "--", label="explicit r(z) = min ||w-1||^2")
    ax1.plot(result["z"], [abs(z) for z in result["z"]], ":", color="gray", label="|z|")
    ax1.set_xlabel("z = beta / alpha^2")
    ax1.legend()
    ax1.set_title("per-coordinate regularizers")
    alphas = [10.0**la for la in result["log10_alpha"]]
    ax2.loglog(alphas, result["dev_q"], "o-", label="implicit: |Q / log(1/alpha^2) - 1|")
    ax2.loglog(alphas, result["dev_r"], "s--", label="explicit: |R - 1|")
    ax2.set_xlabel("alpha")
    ax2.set_ylabel("relative distance to l1 at beta = e_1")
    ax2.legend()
    ax2.set_title("approach to l1: logarithmic vs polynomial")
    fig.tight_layout()
    return fig


def plot_q_depth(result: dict[str, Any]) -> Figure:
    """Figure 3(a): ``q_D(z)`` for each depth (paper normalization)."""
    fig, ax = subplots(figsize=(5, 4))
    for D, q in result["q"].items():
        ax.plot(result["z"], q, label=f"D = {D}")
    ax.plot(result["z"], [abs(z) for z in result["z"]], ":", color="gray", label="|z|")
    ax.set_xlabel("z")
    ax.set_ylabel("q_D(z)")
    ax.legend()
    ax.set_title("q_D: integral of the inverse of h_D")
    fig.tight_layout()
    return fig


def plot_depth_ratio(result: dict[str, Any]) -> Figure:
    """Figure 3(b): ``Q(e_1) / Q(1_d/||1_d||)`` against ``alpha^D``: 1 (l2) down to ``1/sqrt(d)`` (l1)."""
    fig, ax = subplots(figsize=(5, 4))
    xs = [10.0**x for x in result["log10_alpha_D"]]
    for D, ratio in result["ratio"].items():
        ax.semilogx(xs, ratio, "o-", label=f"D = {D}")
    ax.axhline(1.0, color="gray", ls=":")
    ax.axhline(result["d"] ** -0.5, color="gray", ls="--", label="1/sqrt(d)")
    ax.set_xlabel("alpha^D")
    ax.set_ylabel("Q(e_1) / Q(1_d / ||1_d||)")
    ax.set_title(f"d = {result['d']}")
    ax.legend()
    fig.tight_layout()
    return fig
