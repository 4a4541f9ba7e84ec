"""``argmin Q(beta) s.t. X beta = y`` for a non-separable ``Q`` given by its vector dual map.

With ``b = grad Q*`` (``R^d -> R^d``, Jacobian ``Db`` symmetric positive semi-definite) and ``B = Q*``, the
minimizer is ``beta = b(X^T lam)`` where ``lam`` maximizes the concave ``g(lam) = y^T lam - B(X^T lam)``:
``grad g = y - X b``, ``Hess g = -X Db X^T``. Damped Newton from ``lam = 0`` (``beta = b(0) = beta0``) with an
Armijo search on ``g`` (or a halving of the residual, once ``g`` changes by less than its rounding); where ``Db``
is singular along the way (a map that is flat on a region, like the single
neuron's for ``delta < 0``) the Newton system is regularized by a small multiple of the identity.
"""

from __future__ import annotations

import time
from typing import Any, Protocol, runtime_checkable

import mpmath

from .._precision import DEFAULT_DPS, GUARD_DIGITS
from .._validation import check_dps, check_problem
from ..results import Status
from .base import ReferenceSolution

__all__ = ["VectorMap", "argmin_Q_vector"]

_ARMIJO = mpmath.mpf("1e-4")


@runtime_checkable
class VectorMap(Protocol):
    """A vector dual map: ``b(z)`` (list), ``db(z)`` (``d x d`` mpmath matrix), ``B(z)`` (number), ``d``."""

    d: int

    def b(self, z: list[mpmath.mpf]) -> list[mpmath.mpf]: ...

    def db(self, z: list[mpmath.mpf]) -> mpmath.matrix: ...

    def B(self, z: list[mpmath.mpf]) -> mpmath.mpf: ...


def argmin_Q_vector(vmap: VectorMap, X: Any, y: Any, *, dps: int = DEFAULT_DPS, max_iter: int = 200,
                    max_time: float | None = None) -> ReferenceSolution:
    """Minimize ``Q`` subject to ``X beta = y`` through the dual of the vector map ``b = grad Q*``.

    Returns
    -------
    ReferenceSolution
        ``beta = b(X^T lam)`` (stationarity exact); ``kkt_residual["primal"]`` the relative feasibility error,
        ``kkt_residual["beta_correction"]`` how far one more Newton step would move ``beta``.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> f = ib.derive(ib.single_neuron(2, delta=1)).to_numeric(dps=30)
    >>> sol = f.argmin([[1, 2]], [1], alpha=0.5)
    >>> sol.success, [round(float(b), 6) for b in sol.beta]
    (True, [0.340353, 0.329824])
    """
    dps = check_dps(dps)
    Xm, ym, n, d = check_problem(X, y)
    start = time.perf_counter()
    with mpmath.workdps(dps + GUARD_DIGITS):
        Xp, yp = mpmath.matrix(Xm), mpmath.matrix(ym)
        tol = mpmath.mpf(10) ** (-dps) * (1 + max(abs(v) for v in ym))
        lam = mpmath.matrix(n, 1)

        def at(lam_: mpmath.matrix) -> tuple[list[mpmath.mpf], mpmath.mpf, mpmath.matrix, list[mpmath.mpf]]:
            z = Xp.T * lam_
            zl = [z[i] for i in range(d)]
            beta = vmap.b(zl)
            return beta, (yp.T * lam_)[0] - vmap.B(zl), yp - Xp * mpmath.matrix(beta), zl

        beta, g, r, z = at(lam)
        correction = mpmath.inf
        for it in range(max_iter):
            J = vmap.db(z)
            H = Xp * J * Xp.T
            step = _solve(H, r)
            correction = mpmath.norm(J * Xp.T * step, mpmath.inf)
            primal = mpmath.norm(r, mpmath.inf)
            if primal <= tol:
                return _solution(beta, g, lam, primal, correction, it, Status.SUCCESS, "converged", dps, ym)
            slope = (r.T * step)[0]
            t, accepted = mpmath.mpf(1), None
            for _ in range(80):
                trial = at(lam + t * step)
                # near the answer g changes by ~|r|^2, below its own rounding: then the residual is the merit
                if trial[1] >= g + _ARMIJO * t * slope or mpmath.norm(trial[2], mpmath.inf) <= primal / 2:
                    accepted = trial
                    break
                t /= 2
            if accepted is None:
                return _solution(beta, g, lam, primal, correction, it, Status.FAILED,
                                 "the line search found no ascent: precision exhausted", dps, ym)
            lam = lam + t * step
            beta, g, r, z = accepted
            if max_time is not None and time.perf_counter() - start > max_time:
                return _solution(beta, g, lam, mpmath.norm(r, mpmath.inf), correction, it, Status.MAX_TIME,
                                 f"wall-clock budget {max_time} s spent", dps, ym)
        return _solution(beta, g, lam, mpmath.norm(r, mpmath.inf), correction, max_iter, Status.MAX_ITER,
                         f"{max_iter} Newton steps without convergence", dps, ym)


def _solve(H: mpmath.matrix, r: mpmath.matrix) -> mpmath.matrix:
    """``H^-1 r``, with ``H + eps I`` where ``H`` is singular (a flat region of the map)."""
    try:
        return mpmath.lu_solve(H, r)
    except ZeroDivisionError:
        shift = mpmath.mpf(10) ** (-mpmath.mp.dps // 2) * (1 + mpmath.mnorm(H, 1))
        return mpmath.lu_solve(H + shift * mpmath.eye(H.rows), r)


def _solution(beta: list[mpmath.mpf], g: mpmath.mpf, lam: mpmath.matrix, primal: mpmath.mpf,
              correction: mpmath.mpf, iterations: int, status: Status, message: str, dps: int, y: list[mpmath.mpf]
              ) -> ReferenceSolution:
    scale = 1 + max(abs(v) for v in y)
    return ReferenceSolution([+b for b in beta], +g, [+lam[i] for i in range(lam.rows)],
                             {"primal": primal / scale, "stationarity": mpmath.mpf(0), "beta_correction": correction},
                             iterations, status, message, dps)
