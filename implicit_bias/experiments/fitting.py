"""Curve-fitting helpers shared by the judges of several experiments: level crossings and log-log slopes.

Not a topic of its own (it has no plotting partner): the paper checks of the width experiments
(:mod:`~implicit_bias.experiments.wide_network`, :mod:`~implicit_bias.experiments.matrix_completion`) read their
transition scales and decay rates off stored curves with these two functions.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from ..errors import InputError

__all__ = ["fit_slope", "log_crossing"]


def log_crossing(xs: Sequence[float], ys: Sequence[float], level: float) -> float | None:
    """The first ``x`` at which ``ys`` rises through ``level``, interpolated linearly in ``log10 x``.

    None when ``ys`` never reaches ``level`` or already starts at or above it.

    Examples
    --------
    >>> round(log_crossing([1, 10, 100], [0.0, 0.2, 1.0], 0.6), 6)
    31.622777
    """
    xs, ys = list(xs), list(ys)
    if len(xs) != len(ys) or len(xs) < 2 or any(not (x > 0) for x in xs):
        raise InputError(f"xs, ys: need two equally long sequences (>= 2 points, xs > 0), got {len(xs)}, {len(ys)}")
    if ys[0] >= level:
        return None
    for (x0, y0), (x1, y1) in itertools.pairwise(zip(xs, ys, strict=True)):
        if y0 < level <= y1:
            w = (level - y0) / (y1 - y0)
            return 10.0 ** ((1 - w) * math.log10(x0) + w * math.log10(x1))
    return None


def fit_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of ``log10 y`` against ``log10 x``.

    Examples
    --------
    >>> round(fit_slope([1, 4, 16], [1, 0.5, 0.25]), 6)
    -0.5
    """
    x, y = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if x.size < 2 or x.size != y.size or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))) \
            or np.any(x <= 0) or np.any(y <= 0):
        raise InputError(f"xs, ys: need >= 2 finite positive pairs, got {list(xs)!r:.100}, {list(ys)!r:.100}")
    return float(np.polyfit(np.log10(x), np.log10(y), 1)[0])
