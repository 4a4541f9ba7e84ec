r"""Max-margin references for classification: l1 (a linear program), l2 and the ``Q``-regularized problem
``argmin sum_i Q_i(beta_i) s.t. tilde X beta >= 1`` at ``dps`` digits (active set, then the equality-constrained
reference solver on it, then the KKT conditions checked).

KKT for ``min Q(beta) s.t. tilde X beta >= 1`` with ``Q_i' = b_i^{-1}``: ``beta = b(tilde X^T lam)``, ``lam >= 0``,
``tilde X beta >= 1``, ``lam_n (m_n - 1) = 0``. On the active rows ``A`` this is exactly
``argmin Q s.t. tilde X_A beta = 1`` (:func:`implicit_bias.reference.argmin_Q`, whose multiplier is ``lam_A``). The
active set starts as all rows (``n < d``) and is corrected one row at a time -- the row with the most negative
multiplier leaves, else the most violated margin enters -- until the multipliers are ``>= 0`` and the other
margins ``>= 1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
from scipy.optimize import linprog

from .._precision import DEFAULT_DPS, GUARD_DIGITS
from .._validation import check_dps
from ..errors import InputError
from ..reference.base import CoordinateMap
from ..results import Status

__all__ = ["MarginSolution", "QuadraticMap", "max_margin_l1", "max_margin_l2", "min_Q_margin"]


@dataclass(frozen=True)
class MarginSolution:
    """``beta`` with min margin 1 (``tilde X beta >= 1``), its multipliers ``lam`` and the active rows.

    ``kkt``: ``primal`` (largest margin violation), ``dual`` (most negative multiplier), ``stationarity`` (the
    equality solver's residual on the active rows).
    """

    beta: list[mpmath.mpf]
    lam: list[mpmath.mpf]
    active: list[int]
    kkt: dict[str, Any]
    status: Status
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        return self.status == Status.SUCCESS

    @property
    def direction(self) -> np.ndarray:
        b = np.array([float(v) for v in self.beta])
        return b / np.linalg.norm(b)


class QuadraticMap:
    """``b(sigma) = sigma``: ``Q = beta^2 / 2`` (the l2 problem), a :class:`~implicit_bias.reference.CoordinateMap`."""

    domain = (mpmath.ninf, mpmath.inf)

    def b(self, sigma: Any) -> mpmath.mpf:
        return mpmath.mpf(sigma)

    def db(self, sigma: Any) -> mpmath.mpf:
        return mpmath.mpf(1)

    def B(self, sigma: Any) -> mpmath.mpf:
        return mpmath.mpf(sigma) ** 2 / 2


def max_margin_l1(Xt: Any) -> tuple[np.ndarray, float]:
    """``(beta / ||beta||_1, gamma_1*)`` for ``max_{||beta||_1 <= 1} min_n (tilde X beta)_n`` (HiGHS, float64).

    >>> direction, gamma = max_margin_l1([[1, 0.5], [-0.5, 1]])
    >>> round(gamma, 6), np.round(direction, 6).tolist()
    (0.625, [0.25, 0.75])
    """
    A = np.asarray(Xt, dtype=float)
    n, d = A.shape
    lp = linprog(np.ones(2 * d), A_ub=-np.hstack([A, -A]), b_ub=-np.ones(n), bounds=(0, None), method="highs")
    if lp.status != 0:
        raise InputError(f"max_margin_l1: {lp.message} (are the data separable?)")
    beta = lp.x[:d] - lp.x[d:]
    norm = float(np.abs(beta).sum())
    return beta / norm, 1.0 / norm


def max_margin_l2(Xt: Any, *, dps: int = DEFAULT_DPS) -> MarginSolution:
    """``argmin ||beta||_2^2 / 2 s.t. tilde X beta >= 1`` at ``dps`` digits; ``gamma_2* = 1 / ||beta||_2``."""
    A = np.asarray(Xt, dtype=float)
    return min_Q_margin([QuadraticMap()] * A.shape[1], A, dps=dps)


def min_Q_margin(maps: Sequence[CoordinateMap], Xt: Any, *, dps: int = DEFAULT_DPS,
                 start: Sequence[int] | None = None) -> MarginSolution:
    """``argmin sum_i Q_i(beta_i) s.t. tilde X beta >= 1`` at ``dps`` digits (see the module docstring).

    Parameters
    ----------
    maps : sequence of CoordinateMap
        One dual map per coordinate (``reg.to_numeric(dps).coordinate(alpha=...)``).
    Xt : array-like, shape (n, d)
        Folded samples ``y_n x_n``, fewer than features (``n < d``; the active rows must be linearly
        independent, as :func:`~implicit_bias.reference.argmin_Q` requires).
    start : sequence of int, optional
        A guess of the active rows (default: all of them).

    Examples
    --------
    >>> sol = max_margin_l2([[1, 0.5, 0], [-0.5, 1, 0]], dps=30)
    >>> sol.success, sol.active, [round(float(b), 6) for b in sol.beta]
    (True, [0, 1], [0.4, 1.2, 0.0])
    """
    from ..reference import argmin_Q

    dps = check_dps(dps)
    A = np.asarray(Xt, dtype=float)
    n, d = A.shape
    if len(maps) != d:
        raise InputError(f"maps: {len(maps)} maps for d = {d} coordinates")
    if n >= d:
        raise InputError(f"Xt has shape {A.shape}: min_Q_margin needs fewer samples than features (n < d)")
    active = sorted(set(start)) if start is not None else list(range(n))
    tried: list[tuple[int, ...]] = []
    with mpmath.workdps(dps + GUARD_DIGITS):
        for _ in range(4 * n + 4):
            tried.append(tuple(active))
            sol = argmin_Q(maps, A[active], [1] * len(active), dps=dps) if active else None
            beta = list(sol.beta) if sol is not None else [maps[i].b(0) for i in range(d)]
            if sol is not None and not sol.success:
                return MarginSolution(beta, [], active, {}, Status.FAILED, f"active rows {active}: {sol.message}")
            lam = [mpmath.mpf(0)] * n
            for k, row in enumerate(active):
                lam[row] = sol.dual[k] if sol is not None else mpmath.mpf(0)
            margins = [mpmath.fsum(mpmath.mpf(A[r, i]) * beta[i] for i in range(d)) for r in range(n)]
            violation = [(1 - margins[r], r) for r in range(n) if r not in active]
            worst_margin = max(violation, default=(mpmath.mpf(-1), -1))
            worst_lam = min(((lam[r], r) for r in active), default=(mpmath.mpf(0), -1))
            tol = mpmath.mpf(10) ** (-dps)
            kkt = {"primal": max(worst_margin[0], mpmath.mpf(0)), "dual": min(worst_lam[0], mpmath.mpf(0)),
                   "stationarity": sol.kkt_residual["primal"] if sol is not None else mpmath.mpf(0)}
            if worst_margin[0] <= tol and worst_lam[0] >= -tol:
                return MarginSolution([+b for b in beta], [+v for v in lam], active, kkt, Status.SUCCESS,
                                      f"active rows {active}; KKT holds to 10^-{dps}", {"tried": tried})
            if worst_lam[0] < -tol:
                active = [r for r in active if r != worst_lam[1]]
            else:
                active = sorted([*active, worst_margin[1]])
            if tuple(active) in tried:
                break
    return MarginSolution(beta, lam, active, kkt, Status.FAILED, f"no KKT point among the active sets {tried}",
                          {"tried": tried})
