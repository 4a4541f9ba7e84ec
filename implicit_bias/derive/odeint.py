"""An autonomous ODE ``y' = f(y)`` integrated at any precision: Gragg-Bulirsch-Stoer extrapolation.

The checker integrates the flow of ``eta * grad phi`` numerically, independently of the engine's symbolic
solution. Extrapolation suits arbitrary precision: the modified midpoint rule has an error expansion in
even powers of its step ``h`` (Gragg 1965), so Richardson extrapolation over the step counts
``n = 2, 4, 6, ...`` (Bulirsch & Stoer 1966; Hairer, Norsett & Wanner, *Solving ODEs I*, Sec. II.9) raises the
order by two per column; at 50 digits a step converges in about a dozen columns. The step is accepted when
the last two diagonal entries agree to ``tol`` (relative to the state), halved when they do not within
:data:`MAX_COLUMNS` columns, and lengthened when they agree early.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mpmath

from ..errors import NumericalError

__all__ = ["MAX_COLUMNS", "MAX_STEPS", "MIN_STEP_BITS", "integrate"]

#: Most extrapolation columns of one step (step counts 2, 4, ..., 2 * MAX_COLUMNS) before the step is halved.
MAX_COLUMNS = 24
#: A step shorter than ``2^-MIN_STEP_BITS`` of the interval means a blow-up, not a stiff stretch.
MIN_STEP_BITS = 16
#: Most accepted or rejected steps of one integration before it gives up (a blow-up inside the interval).
MAX_STEPS = 400

Vector = list[mpmath.mpf]


def _midpoint(f: Callable[[Vector], Sequence[mpmath.mpf]], y: Vector, f0: Sequence[mpmath.mpf], H: mpmath.mpf,
              n: int) -> Vector:
    """Gragg's modified midpoint rule: ``n`` substeps of ``H / n`` from ``y`` (``f0 = f(y)``), smoothed."""
    h = H / n
    z0 = y
    z1 = [a + h * b for a, b in zip(y, f0, strict=True)]
    for _ in range(1, n):
        z0, z1 = z1, [a + 2 * h * b for a, b in zip(z0, f(z1), strict=True)]
    return [(a + b + h * c) / 2 for a, b, c in zip(z1, z0, f(z1), strict=True)]


def _step(f: Callable[[Vector], Sequence[mpmath.mpf]], y: Vector, H: mpmath.mpf, tol: mpmath.mpf
          ) -> tuple[Vector, int] | None:
    """One extrapolated step of length ``H``: the state and the columns used, or ``None`` if not converged."""
    f0 = list(f(y))
    scale = max(max(abs(v) for v in y), mpmath.mpf(10) ** (-mpmath.mp.dps))
    rows: list[list[Vector]] = []
    for k in range(MAX_COLUMNS):
        row = [_midpoint(f, y, f0, H, 2 * (k + 1))]
        for j in range(1, k + 1):
            ratio = mpmath.mpf(k + 1) ** 2 / (k + 1 - j) ** 2 - 1
            row.append([a + (a - b) / ratio for a, b in zip(row[j - 1], rows[k - 1][j - 1], strict=True)])
        rows.append(row)
        if not all(mpmath.isfinite(v) for v in row[-1]):
            return None
        if k >= 2:
            err = max(abs(a - b) for a, b in zip(row[-1], row[-2], strict=True))
            if err <= tol * max(scale, max(abs(v) for v in row[-1])):
                return row[-1], k + 1
    return None


def integrate(f: Callable[[Vector], Sequence[mpmath.mpf]], y0: Sequence[mpmath.mpf], x1: mpmath.mpf, *,
              tol: mpmath.mpf) -> Vector:
    """``y(x1)`` for ``y' = f(y)``, ``y(0) = y0``, to relative accuracy about ``tol``, at the working precision.

    Raises :class:`~implicit_bias.errors.NumericalError` when the solution cannot be continued to ``x1``
    (it blows up first, or leaves the reals).

    Examples
    --------
    >>> with mpmath.workdps(30):
    ...     y = integrate(lambda y: [y[0]], [mpmath.mpf(1)], mpmath.mpf(1), tol=mpmath.mpf(10) ** -28)
    ...     abs(y[0] - mpmath.e) < 1e-26
    True
    """
    y = [mpmath.mpf(v) for v in y0]
    x1 = mpmath.mpf(x1)
    if x1 == 0:
        return y
    # first step: about a tenth of the time the state takes to change by its own size
    rate = max(abs(v) for v in f(y)) / max(max(abs(v) for v in y), mpmath.mpf(10) ** (-mpmath.mp.dps))
    H = min(abs(x1), mpmath.mpf(1) / (10 * rate)) if rate > 0 else abs(x1)
    H = H if x1 > 0 else -H
    done = mpmath.mpf(0)
    for _ in range(MAX_STEPS):
        H = H if abs(H) <= abs(x1 - done) else x1 - done
        out = _step(f, y, H, tol)
        if out is None:
            H /= 2
            if abs(H) < abs(x1) * mpmath.mpf(2) ** -MIN_STEP_BITS:
                break
            continue
        y, columns = out
        if not all(isinstance(v, mpmath.mpf) for v in y):
            raise NumericalError(f"the flow left the reals at {mpmath.nstr(done + H, 8)}")
        done += H
        if done == x1:
            return y
        H = H * 2 if columns <= 10 else (H * 3 / 2 if columns <= 16 else H)
    raise NumericalError(f"the flow could not be continued to {mpmath.nstr(x1, 8)} in {MAX_STEPS} steps "
                         f"(reached {mpmath.nstr(done, 8)}): it blows up or leaves the reals before")
