"""Shared helpers for the checks: store/load a JSON result, save a figure.

A check named ``"<paper>.<claim>"`` keeps its files under ``ctx.out / <paper>``: ``<claim>.json`` and
``<claim>[_panel].png``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ._framework import Context


def output_path(ctx: Context, name: str, suffix: str) -> Path:
    """``ctx.out / <paper> / <claim><suffix>`` for the dotted ``name``, its directory created."""
    path = ctx.out.joinpath(*name.split(".")[:-1], name.split(".")[-1] + suffix)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def save_result(ctx: Context, name: str, result: dict[str, Any]) -> Path:
    path = output_path(ctx, name, ".json")
    path.write_text(json.dumps(result, indent=1))
    return path


def load_result(ctx: Context, name: str) -> dict[str, Any]:
    return json.loads(output_path(ctx, name, ".json").read_text())


def save_figure(ctx: Context, name: str, fig: Figure) -> str:
    path = output_path(ctx, name, ".png")
    fig.savefig(path, dpi=90)
    return str(path)


def sweep(func: Callable[[dict], dict], configs: list[dict], ctx: Context, name: str) -> list[dict]:
    """Run ``func`` on every config through :func:`implicit_bias.sweeps.run_sweep` (stored, resumable).

    Points are stored in ``ctx.store`` under the sweep ``name``; a rerun only computes the missing ones.
    Returns the results in config order; raises if any point failed.
    """
    from implicit_bias.sweeps import run_sweep

    res = run_sweep(func, configs, store=ctx.store, workers=ctx.workers, client=ctx.dask, progress=ctx.progress,
                    name=name)
    res.raise_for_failures()
    return [r for _c, r in res.results]


def fmt(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}"
