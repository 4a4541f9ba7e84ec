"""Figures 1 and 3(c): sparse regression against the initialization scale (from a stored result only)."""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_fig1", "plot_fig3c"]


def plot_fig1(result: dict[str, Any]) -> Figure:
    """Panels (a) population error, (b) norm gaps, (c) largest recovering alpha per N."""
    z = result["sizes"]
    alphas = [10.0**la for la in z["log10_alphas"]]
    fig, axes = subplots(1, 3, figsize=(14, 4))
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


def plot_fig3c(result: dict[str, Any]) -> Figure:
    """Figure 3(c): the largest ``alpha^D`` recovering the plant, against ``N``, one line per depth ``D``.

    ``result`` holds ``sizes`` (``depths``, ``ns``, ``d``, ``r``, ``threshold``), ``l1_error`` (the min-l1
    population error per ``N``) and ``points`` (per depth, as a str, one dict with ``log10_alpha_D`` per ``N``).
    The dashed vertical line is the smallest ``N`` at which min-l1 recovers.
    """
    z = result["sizes"]
    fig, ax = subplots(figsize=(6, 4.5))
    for k, D in enumerate(z["depths"]):
        pts = [(n, p["log10_alpha_D"]) for n, p in zip(z["ns"], result["points"][str(D)], strict=True)
               if p["log10_alpha_D"] is not None]
        if pts:
            ax.semilogy([n for n, _ in pts], [10.0**la for _, la in pts], "o-", color=f"C{k}", label=f"D = {D}")
    n_l1 = next((n for n, e in zip(z["ns"], result["l1_error"], strict=True) if e <= z["threshold"]), None)
    if n_l1 is not None:
        ax.axvline(n_l1, color="k", ls="--", label="$N_{\\ell_1}$ (min-l1 recovers)")
    ax.set_xlabel("N")
    ax.set_ylabel(f"largest $\\alpha^D$ with population error <= {z['threshold']}")
    ax.set_title(f"(c) sparse regression, d={z['d']}, r*={z['r']}")
    ax.legend()
    fig.tight_layout()
    return fig
