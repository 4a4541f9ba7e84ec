"""Saddle-to-saddle figures (Pesme & Flammarion 2023): the flow against the predicted saddles and jump times.

Draws stored results only: the dicts of :func:`implicit_bias.experiments.saddle_to_saddle.exact_point` and
``flow_point`` (one per ``log(1/alpha)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure

from ._figure import subplots

__all__ = ["plot_saddles"]


def _steps(times: Sequence[float], values: Sequence[float], t_max: float) -> tuple[list[float], list[float]]:
    """The piecewise-constant prediction as a step curve on ``[0, t_max]``."""
    ts, vs = [], []
    for k, (t, v) in enumerate(zip(times, values, strict=True)):
        end = times[k + 1] if k + 1 < len(times) else t_max
        ts += [t, end]
        vs += [v, v]
    return ts, vs


def plot_saddles(exact: dict[str, Any], points: Sequence[dict[str, Any]]) -> Figure:
    """Three panels: loss and coordinates against the accelerated time ``t = T / time_scale(alpha)`` (dense flow
    at every ``log(1/alpha)``, MPFR flow states as markers, the predicted saddles dashed), and the jump-time
    error times ``log(1/alpha)`` against ``log(1/alpha)`` (flat lines: the error decays like ``1/log(1/alpha)``).
    """
    fig, axes = subplots(1, 3, figsize=(16, 4.6))
    times = exact["times"]
    t_max = max(p["path"]["t"][-1] for p in points)
    ordered = sorted(points, key=lambda p: p["log_inv_alpha"])
    shades = colormaps["viridis"](np.linspace(0.15, 0.85, len(ordered)))
    for p, col in zip(ordered, shades, strict=True):
        lab = f"flow, $\\log(1/\\alpha) = {p['log_inv_alpha']}$"
        axes[0].semilogy(p["path"]["t"], np.maximum(p["path"]["loss"], 1e-300), color=col, lw=1.2, label=lab)
        gf = p.get("gradient_flow")
        if gf:
            axes[0].semilogy(gf["t"], np.maximum(gf["loss"], 1e-300), "o", color=col, ms=4, mfc="none")
    ts, ls = _steps(times, exact["losses"], t_max)
    axes[0].semilogy(ts, np.maximum(ls, 1e-300), "k--", lw=1, label="saddles (Algorithm 1)")
    axes[0].set_ylim(max(1e-12, min(v for v in exact["losses"] if v > 0) / 100), 2 * exact["losses"][0])
    axes[0].set(xlabel="accelerated time $t$", ylabel="training loss", title="loss")
    axes[0].legend(fontsize=7)

    last = ordered[-1]
    beta = np.array(last["path"]["beta"])
    saddles = np.array(exact["saddles"])
    used = [i for i in range(beta.shape[1]) if np.max(np.abs(saddles[:, i])) > 0]
    for j, i in enumerate(used):
        axes[1].plot(last["path"]["t"], beta[:, i], color=f"C{j}", lw=1.4, label=f"$\\beta_{{{i}}}$")
        ts, vs = _steps(times, saddles[:, i].tolist(), t_max)
        axes[1].plot(ts, vs, "k--", lw=0.8)
    gf = last.get("gradient_flow")
    if gf:
        gb = np.array(gf["beta"])
        for j, i in enumerate(used):
            axes[1].plot(gf["t"], gb[:, i], "o", color=f"C{j}", ms=4, mfc="none")
    for t in times[1:]:
        axes[1].axvline(t, color="0.8", lw=0.6, zorder=0)
    axes[1].set(xlabel="accelerated time $t$", ylabel="$\\beta_i$",
                title=f"coordinates at $\\log(1/\\alpha) = {last['log_inv_alpha']}$ (dashed: saddles)")
    axes[1].legend(fontsize=7, ncol=2)

    lams = [p["log_inv_alpha"] for p in ordered]
    for k in range(len(times) - 1):
        errs = [p["time_errors"][k] for p in ordered]
        axes[2].plot(lams, [np.nan if e is None else e * lam for e, lam in zip(errs, lams, strict=True)], "o-",
                     label=f"$t_{{{k + 1}}}$")
    axes[2].set_xscale("log")
    axes[2].axhline(0, color="k", lw=0.6)
    axes[2].set(xlabel="$\\log(1/\\alpha)$", ylabel="$(\\hat t_k - t_k)\\,\\log(1/\\alpha)$",
                title="jump-time error x log(1/alpha)")
    axes[2].legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig
