"""Numeric spot checks for the engine's own steps: fixed sample values of the constants and interior points.

A symbolic step that could pick a wrong branch (an antiderivative with a jump, an inverse on the wrong sheet)
is confirmed at a few numbers before it is used; a step that fails is treated as one that does not apply,
and the engine falls back to an exact implicit form. These are sanity checks of the engine's methods, not the
verification of a result (that is :mod:`implicit_bias.derive.check`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import mpmath
import sympy as sp

__all__ = ["SPOT_DPS", "agree", "constant_samples", "interior_points", "numeric", "undoes"]

#: Digits of a spot check.
SPOT_DPS = 30
_POSITIVE = (sp.Rational(7, 10), sp.Rational(13, 10), sp.Rational(3, 11))
_REAL = (sp.Rational(-4, 5), sp.Rational(9, 7), sp.Rational(2, 5))


def constant_samples(symbols: Sequence[sp.Symbol]) -> Iterator[dict[sp.Symbol, sp.Expr]]:
    """Three exact assignments of the constants that respect their assumptions (positive, nonnegative, real)."""
    for k in range(len(_POSITIVE)):
        yield {s: (_POSITIVE if (s.is_positive or s.is_nonnegative) else _REAL)[(k + j) % 3] + sp.Rational(j, 13)
               for j, s in enumerate(sorted(symbols, key=str))}


def numeric(e: sp.Expr, at: dict[sp.Symbol, Any]) -> mpmath.mpf | None:
    """``e`` at the exact values ``at``, as an mpmath number at :data:`SPOT_DPS` digits; ``None`` if not real."""
    value = e.xreplace(at).evalf(SPOT_DPS)
    if value.is_infinite:
        return mpmath.inf if value.is_extended_positive else -mpmath.inf
    if not value.is_number or value.is_extended_real is False or value.has(sp.nan, sp.zoo):
        return None
    try:
        return mpmath.mpf(value)
    except TypeError:
        re, im = value.as_real_imag()
        return mpmath.mpf(re) if abs(im) <= 10 ** (-SPOT_DPS + 5) * (1 + abs(re)) else None


def interior_points(lo: mpmath.mpf, hi: mpmath.mpf, start: mpmath.mpf) -> list[mpmath.mpf]:
    """Points of the open interval ``(lo, hi)`` on both sides of ``start`` (inside it), some near the ends."""
    out = []
    for end in (lo, hi):
        if mpmath.isinf(end):
            scale = max(1, abs(start))
            out += [start + mpmath.sign(end) * scale * f for f in (mpmath.mpf("0.3"), mpmath.mpf(2))]
        else:
            out += [start + (end - start) * f for f in (mpmath.mpf("0.4"), mpmath.mpf("0.97"))]
    return out


def agree(f: Callable[[mpmath.mpf], Any], g: Callable[[mpmath.mpf], Any], points: Sequence[mpmath.mpf],
          tol: float = 1e-20) -> bool:
    """``f`` and ``g`` agree at every point to ``tol`` (relative, at :data:`SPOT_DPS` digits)."""
    with mpmath.workdps(SPOT_DPS):
        for x in points:
            try:
                a, b = f(x), g(x)
            except (ValueError, ZeroDivisionError, OverflowError):  # mpmath outside a function's domain
                return False
            if isinstance(a, mpmath.mpc) or isinstance(b, mpmath.mpc):
                return False
            if not (mpmath.isfinite(a) and mpmath.isfinite(b)) or abs(a - b) > tol * max(1, abs(a), abs(b)):
                return False
    return True


def undoes(inverse: Callable[[mpmath.mpf], Any], f: Callable[[mpmath.mpf], Any], points: Sequence[mpmath.mpf]) -> bool:
    """``inverse(f(x)) = x`` at every point (see :func:`agree`)."""
    return agree(lambda x: inverse(f(x)), lambda x: x, points)
