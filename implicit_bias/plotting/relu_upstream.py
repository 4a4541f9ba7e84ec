"""Upstream vs downstream ReLU students (Kunin et al. 2024, Fig. 1), from stored results only: the (tau, delta) maps
of :func:`implicit_bias.experiments.relu_upstream.run_grid` (Fig. 1b and App.) and the neuron trajectories of
:func:`implicit_bias.experiments.relu_alignment.run_alignment` (Fig. 1a)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from ._figure import subplots

__all__ = ["plot_neuron_trajectories", "plot_upstream_maps", "plot_upstream_profiles"]

LABELS = {"kernel_distance": "kernel distance", "activation_distance": "activation (Hamming) distance",
          "parameter_distance": "parameter distance", "test_loss": "test loss", "train_loss": "train loss",
          "balance_drift": "max |delta_k(t) - delta_k(0)|",
          "kernel_distance_fixed_patterns": "kernel distance, initial ReLU patterns"}
CMAPS = {"kernel_distance": "viridis", "activation_distance": "PuRd", "parameter_distance": "GnBu",
         "test_loss": "coolwarm", "train_loss": "coolwarm", "balance_drift": "magma",
         "kernel_distance_fixed_patterns": "viridis"}
LOG_SCALE = {"train_loss", "balance_drift"}


def _map(grid: dict[str, Any], measure: str, index: int) -> np.ndarray:
    """``(n_delta, n_tau)`` array of one measure at one checkpoint (``nan`` where no run reached it)."""
    rows = grid["maps"][measure]
    return np.array([[np.nan if cell[index] is None else cell[index] for cell in row] for row in rows], dtype=float).T


def plot_upstream_maps(grid: dict[str, Any], *, measures: Sequence[str] = ("kernel_distance", "activation_distance",
                                                                         "parameter_distance", "test_loss"),
                       checkpoints: Sequence[int] | None = None) -> Figure:
    """One row per measure, one column per checkpoint: filled contours over ``log tau`` (x) and ``delta`` (y).

    Each row shares one colour scale (log for the train loss and the balance drift), as in the paper's maps.

    Examples
    --------
    >>> grid = {"taus": [0.1, 1.0], "deltas": [-1.0, 1.0], "checkpoints": [0, 10],
    ...         "maps": {"kernel_distance": [[[0.0, 0.01], [0.0, 0.3]], [[0.0, 0.0], [0.0, 0.01]]]}}
    >>> fig = plot_upstream_maps(grid, measures=["kernel_distance"])
    >>> len(fig.axes)
    2
    """
    cps = [c for c in grid["checkpoints"] if c > 0] if checkpoints is None else list(checkpoints)
    idx = [grid["checkpoints"].index(c) for c in cps]
    taus, deltas = np.array(grid["taus"]), np.array(grid["deltas"])
    fig, axes = subplots(len(measures), len(cps), figsize=(3.1 * len(cps) + 1.2, 2.7 * len(measures)),
                             squeeze=False, sharex=True, sharey=True)
    for r, m in enumerate(measures):
        data = [_map(grid, m, i) for i in idx]
        finite = np.concatenate([d[np.isfinite(d)] for d in data])
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        log = m in LOG_SCALE and lo > 0
        levels = np.geomspace(lo, hi, 11) if log else np.linspace(lo, hi if hi > lo else lo + 1e-12, 11)
        for c, (ax, z) in enumerate(zip(axes[r], data, strict=True)):
            cs = ax.contourf(taus, deltas, z, levels=levels, cmap=CMAPS.get(m, "viridis"),
                             norm=LogNorm(lo, hi) if log else None, extend="neither")
            ax.contour(taus, deltas, z, levels=levels, colors="k", linewidths=0.4)
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(NullFormatter())
            if r == 0:
                ax.set_title(f"t = {cps[c]}")
            if r == len(measures) - 1:
                ax.set_xlabel("tau")
            if c == 0:
                ax.set_ylabel("delta")
        fig.colorbar(cs, ax=list(axes[r]), label=LABELS.get(m, m), fraction=0.03, pad=0.02, format="%.3g")
    fig.suptitle("upstream (delta > 0) vs downstream (delta < 0): means over seeds")
    return fig


def plot_upstream_profiles(grid: dict[str, Any], *, tau_index: int = 0,
                           measures: Sequence[str] = ("kernel_distance", "activation_distance", "test_loss")
                           ) -> Figure:
    """Each measure against ``delta`` at one ``tau`` (default the smallest), one line per checkpoint.

    Examples
    --------
    >>> grid = {"taus": [0.1], "deltas": [-1.0, 1.0], "checkpoints": [0, 10],
    ...         "maps": {"kernel_distance": [[[0.0, 0.01], [0.0, 0.3]]]}}
    >>> len(plot_upstream_profiles(grid, measures=["kernel_distance"]).axes)
    1
    """
    deltas = grid["deltas"]
    fig, axes = subplots(1, len(measures), figsize=(4.2 * len(measures), 3.4), squeeze=False)
    for ax, m in zip(axes[0], measures, strict=True):
        for i, cp in enumerate(grid["checkpoints"]):
            if cp == 0:
                continue
            vals = [np.nan if cell[i] is None else cell[i] for cell in grid["maps"][m][tau_index]]
            ax.plot(deltas, vals, "o-", ms=3, label=f"t = {cp}")
        ax.axvline(0.0, color="k", lw=0.5, ls=":")
        ax.set_xlabel("delta")
        ax.set_title(LABELS.get(m, m))
        if m in ("test_loss", "train_loss"):
            ax.set_yscale("log")
    axes[0][0].legend(fontsize=8)
    fig.suptitle(f"tau = {grid['taus'][tau_index]:.3g}: downstream (left) to upstream (right)")
    fig.tight_layout()
    return fig


def plot_neuron_trajectories(runs: Sequence[dict[str, Any]]) -> Figure:
    """One panel per run: the paths of ``|a_k| w_k`` (grey), their ends coloured by ``sign(a_k)`` (blue ``+``, red
    ``-``) and the teacher's neurons as dashed rays of the same colours (Fig. 1a).

    Examples
    --------
    >>> run = {"config": {"tau": 0.1, "delta": 1.0}, "frames": [[[0.0, 0.01]], [[0.1, 0.2]]], "final_sign": [1.0],
    ...        "teacher_W": [[0.6, 0.8]], "teacher_a": [1.0], "share": 1.0}
    >>> len(plot_neuron_trajectories([run, run]).axes)
    2
    """
    fig, axes = subplots(1, len(runs), figsize=(3.6 * len(runs), 3.8), squeeze=False)
    for ax, r in zip(axes[0], runs, strict=True):
        paths = np.array(r["frames"], dtype=float)  # (frames, neurons, 2)
        lim = 1.15 * float(np.max(np.abs(paths))) or 1.0
        for k in range(paths.shape[1]):
            ax.plot(paths[:, k, 0], paths[:, k, 1], color="0.4", lw=0.6, alpha=0.6)
        colours = ["tab:blue" if sg >= 0 else "tab:red" for sg in r["final_sign"]]
        ax.scatter(paths[-1, :, 0], paths[-1, :, 1], c=colours, s=14, zorder=3)
        for v, sg in zip(r["teacher_W"], r["teacher_a"], strict=True):
            ax.plot([0, 2 * lim * v[0]], [0, 2 * lim * v[1]], ls="--", color="tab:blue" if sg >= 0 else "tab:red")
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        cfg = r["config"]
        ax.set_title(f"tau = {cfg['tau']:g}, delta = {cfg['delta']:.3g}\naligned share {r['share']:.2f}", fontsize=9)
        ax.set_xlabel("|a_k| w_k1")
    axes[0][0].set_ylabel("|a_k| w_k2")
    fig.tight_layout()
    return fig
