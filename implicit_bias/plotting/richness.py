"""The richness scale (Karkada 2024): measured sizes against width, the richness dial, gauges, stability, transfer.

Every function draws a stored result only (the dicts written by ``paper_checks.karkada2024``, e.g.
:meth:`implicit_bias.RichnessSweep.as_dict`); nothing is computed here beyond placing the numbers and drawing
lines of the stored slopes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_dial", "plot_gauges", "plot_stability", "plot_transfer", "plot_width_fits"]

_LABELS = {"h": "$\\|h_\\ell\\|$ at init", "grad": "$\\|\\partial L/\\partial h_\\ell\\|$",
           "dh": "$\\|\\Delta h_\\ell\\|$", "layer_update": "$\\|g_\\ell\\Delta W_\\ell h_{\\ell-1}\\|$",
           "passthrough": "$\\|g_\\ell W_\\ell \\Delta h_{\\ell-1}\\|$"}
_STYLES = ("-", "--", ":", "-.")


def plot_width_fits(result: dict[str, Any]) -> Figure:
    """Each measured size against the width (geometric mean over seeds), one panel per activation and quantity,
    colour per ``r``, line style per layer; grey dashed lines have the derived slope through the first point.

    Reads ``result["widths"]``, ``result["curves"][activation][r][quantity]`` (per layer, per width) and
    ``result["fits"]`` (``measured``/``derived`` per activation, r, quantity, layer).
    """
    widths = np.asarray(result["widths"], float)
    acts = list(result["curves"])
    quantities = list(next(iter(next(iter(result["curves"].values())).values())))
    fig, axes = subplots(len(acts), len(quantities), figsize=(3.3 * len(quantities), 3.0 * len(acts)),
                             squeeze=False)
    fits = {(f["activation"], str(f["r"]), f["quantity"], f["layer"]): f for f in result["fits"]}
    for i, a in enumerate(acts):
        for j, q in enumerate(quantities):
            ax = axes[i, j]
            for k, (r, per_q) in enumerate(result["curves"][a].items()):
                for ell, ys in enumerate(per_q[q], start=1):
                    f = fits.get((a, r, q, ell))
                    if f is None:
                        continue
                    ax.loglog(widths, ys, _STYLES[(ell - 1) % 4], marker="o", ms=3, color=f"C{k}",
                              label=f"r={float(r):g}, l={ell}: {f['measured']:.2f} ({f['derived']:.2f})")
                    ax.loglog(widths, ys[0] * (widths / widths[0]) ** f["derived"], color="0.6", lw=0.8, ls="--")
            ax.set_title(f"{a}: {_LABELS.get(q, q)}", fontsize=9)
            ax.set_xlabel("width n")
            ax.legend(fontsize=5, title="fitted (derived) exponent", title_fontsize=5)
    fig.tight_layout()
    return fig


def plot_dial(result: dict[str, Any]) -> Figure:
    """The richness dial: measured width exponents against ``r``, markers per activation, the derived lines over
    them. One panel per quantity; ``result["fits"]`` as in :func:`plot_width_fits`."""
    panels = [("dh", "hidden $\\|\\Delta h_\\ell\\|$"), ("h", "$\\|h_\\ell\\|$ at init"),
              ("grad", "$\\|\\partial L/\\partial h_\\ell\\|$")]
    fig, axes = subplots(1, len(panels), figsize=(4.6 * len(panels), 4))
    acts = sorted({f["activation"] for f in result["fits"]})
    layers = sorted({f["layer"] for f in result["fits"]})
    for ax, (q, title) in zip(axes, panels, strict=True):
        for ell in layers:
            sel = sorted((f for f in result["fits"] if f["quantity"] == q and f["layer"] == ell), key=lambda f: f["r"])
            if not sel:
                continue
            rs = sorted({f["r"] for f in sel})
            derived = [next(f["derived"] for f in sel if f["r"] == r) for r in rs]
            ax.plot(rs, derived, color=f"C{ell - 1}", lw=1.5, label=f"derived, layer {ell}")
            for m, a in zip("os^v", acts, strict=False):
                pts = [(f["r"], f["measured"]) for f in sel if f["activation"] == a]
                ax.plot(*zip(*pts, strict=True), m, ms=5, mfc="none", color=f"C{ell - 1}",
                        label=f"measured, {a}" if ell == layers[0] else None)
        ax.set_xlabel("richness r")
        ax.set_ylabel("exponent of n")
        ax.set_title(title)
        ax.axvline(0, color="0.8", lw=0.8)
        ax.axvline(0.5, color="0.8", lw=0.8)
        ax.legend(fontsize=7)
    fig.suptitle("the richness dial: lazy NTK (r = 0) to muP (r = 1/2)")
    fig.tight_layout()
    return fig


def plot_gauges(result: dict[str, Any]) -> Figure:
    """Largest relative difference of the function from the multiplier gauge's over the training, per run and
    gauge, and the same for a change that is not a gauge transformation. Reads ``result["points"]`` (each with
    ``label``, ``max_rel`` per gauge, ``control``; ``None`` marks a diverged run and is not drawn)."""
    pts = result["points"]
    fig, ax = subplots(figsize=(max(6, 0.35 * len(pts)), 4))
    x = np.arange(len(pts))
    for k, g in enumerate(pts[0]["max_rel"]):
        ax.semilogy(x, [np.nan if p["max_rel"][g] is None else max(p["max_rel"][g], 1e-18) for p in pts],
                    "os^"[k % 3], mfc="none", label=f"{g} gauge")
    ax.semilogy(x, [np.nan if p["control"] is None else p["control"] for p in pts], "kx",
                label="g_1 times 1.25 (not a gauge)")
    ax.axhline(np.finfo(float).eps, color="0.6", ls=":", label="machine epsilon")
    ax.set_xticks(x, [p["label"] for p in pts], rotation=90, fontsize=6)
    ax.set_ylabel("max over steps of |f - f_multiplier| / |f|\n(exactly 0 drawn at 1e-18)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


def plot_stability(result: dict[str, Any]) -> Figure:
    """Largest stable global learning rate (log2) against the width, per parametrization and activation, with
    the fitted slopes. Reads ``result["curves"][activation][parametrization]`` and ``result["widths"]``."""
    widths = np.asarray(result["widths"], float)
    acts = list(result["curves"])
    fig, axes = subplots(1, len(acts), figsize=(5 * len(acts), 4), squeeze=False)
    for ax, a in zip(axes[0], acts, strict=True):
        for k, (p, c) in enumerate(result["curves"][a].items()):
            ax.plot(np.log2(widths), c["log2_lr"], "o-", color=f"C{k}",
                    label=f"{p}: slope {c['slope']:.2f} (derived {c['derived']:g})")
        ax.set_xlabel("log2 width")
        ax.set_ylabel("log2 largest stable learning rate")
        ax.set_title(a)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_transfer(result: dict[str, Any]) -> Figure:
    """Test loss against the global learning rate, one line per width, one panel per ``r``; the best learning
    rate of each width marked. Reads ``result["grid"]`` and ``result["loss"][r][width]``."""
    grid = np.asarray(result["grid"], float)
    fig, axes = subplots(1, len(result["loss"]), figsize=(5.5 * len(result["loss"]), 4), sharey=True,
                             squeeze=False)
    for ax, (r, per_width) in zip(axes[0], result["loss"].items(), strict=True):
        for k, (w, losses) in enumerate(per_width.items()):
            ys = np.array([np.inf if v is None else v for v in losses])
            shade = colormaps["viridis"](k / len(per_width))
            ax.semilogy(grid, np.where(np.isfinite(ys), ys, np.nan), "-", color=shade,
                        label=f"width {w}")
            if np.any(np.isfinite(ys)):
                i = int(np.nanargmin(np.where(np.isfinite(ys), ys, np.nan)))
                ax.plot(grid[i], ys[i], "o", color=shade)
        ax.set_xlabel("log2 global learning rate")
        ax.set_title(f"r = {float(r):g}" + (" (muP)" if float(r) == 0.5 else " (NTK)" if float(r) == 0 else ""))
        ax.legend(fontsize=7)
    axes[0, 0].set_ylabel("test MSE")
    fig.tight_layout()
    return fig
