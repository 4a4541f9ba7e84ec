"""Shared helpers for the checks: store/load a JSON result, save a figure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from ._framework import Context


def save_result(ctx: Context, name: str, result: dict[str, Any]) -> Path:
    path = ctx.out / f"{name}.json"
    path.write_text(json.dumps(result, indent=1))
    return path


def load_result(ctx: Context, name: str) -> dict[str, Any]:
    return json.loads((ctx.out / f"{name}.json").read_text())


def save_figure(ctx: Context, name: str, fig: Figure) -> str:
    path = ctx.out / f"{name}.png"
    fig.savefig(path, dpi=90)
    return str(path)


def fmt(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}"
