"""Figure 1: sparse regression against the initialization scale (from a stored result only)."""

from __future__ import annotations

from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

__all__ = ["plot_fig1"]


def plot_fig1(result: dict[str, Any]) -> Figure:
    """Panels (a) population error, (b) norm gaps, (c) largest recovering alpha per N."""
    z = result["sizes"]
    alphas = [10.0**la for la in z["log10_alphas"]]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    ax = axes[0]
    ax.semilogx(alphas, [p["population_error"] for p in result["ab"]], "o-", label="gradient flow (argmin Q)")
    ax.axhline(result["refs"]["l1"]["population_error"], color="C2", ls="--", label="min l1")
    ax.axhline(result["refs"]["l2"]["population_error"], color="C3", ls="--", label="min l2")
    ax.set_xlabel("alpha")
    ax.set_ylabel("population error")
    ax.set_title(f"(a) d={z['d']}, N={z['n_ab']}, r*={z['r']}")
    ax.legend()
    ax = axes[1]
    ax.loglog(alphas, [max(p["l1"] - result["refs"]["l1"]["l1"], 1e-16) for p in result["ab"]], "o-",
              color="C0", label="||b_a||_1 - ||b_l1||_1")
    ax.loglog(alphas, [max(p["l2"] - result["refs"]["l2"]["l2"], 1e-16) for p in result["ab"]], "s-",
              color="C3", label="||b_a||_2 - ||b_l2||_2")
    ax.set_xlabel("alpha")
    ax.set_title("(b) norm gaps")
    ax.legend()
    ax = axes[2]
    pts = [(n, p["log10_alpha"]) for n, p in zip(z["ns"], result["c"], strict=True) if p["log10_alpha"] is not None]
    if pts:
        ax.semilogy([n for n, _ in pts], [10.0**la for _, la in pts], "o-", label="largest alpha with error <= 0.025")
    n_l1 = next((n for n, p in zip(z["ns"], result["c"], strict=True) if p["l1_error"] <= 0.025), None)
    if n_l1 is not None:
        ax.axvline(n_l1, color="k", ls="--", label="min-l1 sample size")
    ax.set_xlabel("N")
    ax.set_title("(c) largest recovering alpha")
    ax.legend()
    fig.tight_layout()
    return fig
