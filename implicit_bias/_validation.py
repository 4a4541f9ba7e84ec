"""Argument checks shared by every entry point that takes a problem ``X beta = y``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np

from ._precision import MAX_DPS, MIN_DPS
from .errors import InputError

__all__ = ["check_alpha", "check_constants", "check_dps", "check_int", "check_problem", "check_real"]


def check_dps(dps: Any, *, name: str = "dps") -> int:
    """``dps`` must be an integer from :data:`~implicit_bias._precision.MIN_DPS` to ``MAX_DPS`` digits."""
    if isinstance(dps, bool) or not isinstance(dps, (int, np.integer)) or not MIN_DPS <= dps <= MAX_DPS:
        raise InputError(f"{name}={dps!r}: must be an integer from {MIN_DPS} to {MAX_DPS} (decimal digits of "
                         "working precision)")
    return int(dps)


def check_alpha(alpha: Any) -> mpmath.mpf:
    """``alpha`` must be a finite positive number (mpmath numbers of any exponent are welcome)."""
    try:
        a = alpha if isinstance(alpha, mpmath.mpf) else mpmath.mpf(alpha)
    except (TypeError, ValueError):
        raise InputError(f"alpha={alpha!r}: expected a positive number, e.g. 0.1 or mpmath.exp(-1000)") from None
    if not mpmath.isfinite(a) or a <= 0:
        raise InputError(f"alpha={alpha!r}: must be finite and > 0, e.g. 0.1 or mpmath.exp(-1000)")
    return a


def _to_float_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, mpmath.matrix):
        value = [[value[i, j] for j in range(value.cols)] for i in range(value.rows)]
    try:
        arr = np.array(value, dtype=object)
        num = np.array([[float(x) for x in row] for row in np.atleast_2d(arr)], dtype=float) if arr.ndim <= 2 else None
    except (TypeError, ValueError):
        raise InputError(f"{name}: expected an array of real numbers, got {type(value).__name__}") from None
    if num is None:
        raise InputError(f"{name}: expected a 1-D or 2-D array, got {arr.ndim} dimensions")
    return num if arr.ndim == 2 else num.ravel()


def check_problem(X: Any, y: Any) -> tuple[list[list[mpmath.mpf]], list[mpmath.mpf], int, int]:
    """Validate an underdetermined, full-row-rank problem; return ``X`` and ``y`` as mpmath numbers.

    Raises :class:`~implicit_bias.errors.InputError` for NaN/inf anywhere, ``n >= d``, a rank-deficient
    ``X`` or a ``y`` of the wrong length. (With full row rank every ``y`` lies in the range of ``X``.)
    """
    Xf = _to_float_array(X, "X")
    if Xf.ndim != 2:
        raise InputError(f"X: expected a 2-D array (n samples x d features), got shape {Xf.shape}")
    yf = _to_float_array(y, "y").ravel()
    if not np.all(np.isfinite(Xf)):
        bad = np.argwhere(~np.isfinite(Xf))[0]
        raise InputError(f"X[{bad[0]}, {bad[1]}] = {Xf[tuple(bad)]}: every entry must be finite (no NaN/inf)")
    if not np.all(np.isfinite(yf)):
        bad = int(np.argwhere(~np.isfinite(yf))[0][0])
        raise InputError(f"y[{bad}] = {yf[bad]}: every entry must be finite (no NaN/inf)")
    n, d = Xf.shape
    if n >= d:
        raise InputError(f"X has shape {Xf.shape}: the problem must be underdetermined (n < d); "
                         "use more features than samples")
    if yf.shape[0] != n:
        raise InputError(f"y has {yf.shape[0]} entries but X has {n} rows; give one label per row")
    sv = np.linalg.svd(Xf, compute_uv=False)
    if sv[-1] <= 1e-10 * sv[0]:
        raise InputError(f"X (shape {Xf.shape}) is rank-deficient (singular values {sv[0]:.3g} .. {sv[-1]:.3g}): "
                         "remove dependent rows so that y stays in range(X)")
    # exact copies of the given entries (mpmath numbers kept as they are; floats converted exactly; fractions
    # rounded to 100 digits, or the working precision if finer)
    def exact(v: Any) -> mpmath.mpf:
        if isinstance(v, Fraction):
            with mpmath.workdps(max(mpmath.mp.dps, 100)):
                return mpmath.mpf(v.numerator) / v.denominator
        return v if isinstance(v, mpmath.mpf) else mpmath.mpf(v)

    if isinstance(X, mpmath.matrix):
        Xm = [[exact(X[i, j]) for j in range(d)] for i in range(n)]
    else:
        Xa = np.array(X, dtype=object)
        Xm = [[exact(Xa[i, j]) for j in range(d)] for i in range(n)]
    ya = [y[i] for i in range(n)] if isinstance(y, mpmath.matrix) else list(np.array(y, dtype=object).ravel())
    return Xm, [exact(v) for v in ya], n, d


def check_int(value: Any, name: str, low: int, hint: str) -> int:
    """``value`` as an int ``>= low``; otherwise an InputError naming ``name``, echoing the value, with ``hint``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
        raise InputError(f"{name}={value!r}: must be an integer >= {low}; {hint}")
    return int(value)


def check_real(value: Any, name: str, hint: str, *, positive: bool = False) -> float:
    """``value`` as a finite float (``> 0`` if ``positive``); otherwise an InputError as in :func:`check_int`."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not math.isfinite(value) or (positive and value <= 0):
        raise InputError(f"{name}={value!r}: must be a finite {'positive ' if positive else ''}number; {hint}")
    return float(value)


def check_constants(names: Sequence[str], constants: Mapping[str, Any] | None, *, d: int | None = None
                    ) -> dict[str, Any]:
    """The values of a model's constants other than ``alpha``, by the one rule every entry point follows.

    ``alpha`` is always its own keyword argument; ``constants`` holds the *other* symbols of the model (shapes,
    ``delta``, ...), exactly ``names``. An ``alpha`` key, an unknown key or a missing one is an
    :class:`~implicit_bias.errors.InputError` naming it. With ``d`` (the number of coordinates) a value may also
    be a sequence of ``d`` values, one per coordinate; it is returned as a list. Values are finite mpmath numbers.

    >>> check_constants(["c"], {"c": 2})
    {'c': mpf('2.0')}
    >>> check_constants(["c"], {"alpha": 1, "c": 2})
    Traceback (most recent call last):
    ...
    implicit_bias.errors.InputError: constants={'alpha': 1, 'c': 2}: 'alpha' is not a constant here; ...
    """
    given = dict(constants or {})
    if not isinstance(constants, Mapping | None):
        raise InputError(f"constants={constants!r}: expected a dict of the model's constants, e.g. {{'c': 0.5}}")
    if "alpha" in given:
        rest = f"give only {list(names)} in constants" if names else "leave constants out (this model has no others)"
        raise InputError(f"constants={constants!r}: 'alpha' is not a constant here; pass it as its own keyword, "
                         f"alpha={given['alpha']!r}, and {rest}")
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise InputError(f"constants={constants!r}: unknown {unknown}; this model's constants besides alpha are "
                         f"{list(names) or 'none'}")
    missing = [n for n in names if n not in given]
    if missing:
        raise InputError(f"constants={constants!r}: missing {missing}; pass constants={{"
                         + ", ".join(f"'{n}': value" for n in missing) + "}")
    return {n: _constant_value(n, given[n], d) for n in names}


def _constant_value(name: str, value: Any, d: int | None) -> Any:
    if d is not None and isinstance(value, list | tuple | np.ndarray):
        if len(value) != d:
            raise InputError(f"constants[{name!r}]={value!r}: give one value per coordinate ({d}), or a scalar")
        return [_constant_value(name, v, None) for v in value]
    try:
        v = value if isinstance(value, mpmath.mpf) else mpmath.mpf(value)
    except (TypeError, ValueError):
        raise InputError(f"constants[{name!r}]={value!r}: expected a real number"
                         + (" or one per coordinate" if d is not None else "")) from None
    if not mpmath.isfinite(v):
        raise InputError(f"constants[{name!r}]={value!r}: must be finite")
    return v
