"""Figures without pyplot: a plotting function returns a :class:`matplotlib.figure.Figure` that nothing retains.

pyplot keeps every figure it makes until it is closed (a sweep of plots leaks them, and more than 20 open is a
warning) and its backend is global state a library must not set. A bare ``Figure`` has neither: it is saved with
``fig.savefig``, shown by Jupyter as it is, and collected with the result that holds it.
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

__all__ = ["subplots"]


def subplots(nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """``(fig, axes)`` like ``pyplot.subplots``; ``figsize`` and ``layout`` go to the Figure, the rest to
    :meth:`Figure.subplots` (``sharex``, ``sharey``, ``squeeze``, ``subplot_kw``, ``gridspec_kw``, ...)."""
    fig_kwargs = {k: kwargs.pop(k) for k in ("figsize", "dpi", "layout", "constrained_layout", "tight_layout")
                  if k in kwargs}
    fig = Figure(**fig_kwargs)
    return fig, fig.subplots(nrows, ncols, **kwargs)
