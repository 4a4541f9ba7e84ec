r"""Figure 5 of Woodworth et al. (2020, Sec. 6): matrix completion with ``M = U V^T`` in the kernel and rich regimes.

``U, V`` of shape ``d x k`` with i.i.d. ``N(0, alpha^2)`` entries, loss ``0.5 sum_{(i,j) observed}
(M_ij - Y*_ij)^2``. With ``W = [U; V]`` and the symmetric ``S = [[0, R], [R^T, 0]]``, ``R`` the masked residual,
gradient flow is ``W' = -S W``, so the ``2d x 2d`` Gram matrix ``G = W W^T`` (Sec. 6's lifted symmetric problem,
``M`` its upper-right block) obeys the closed equation ``G' = -(S G + G S)`` for every width ``k``.
:func:`completion_flow` integrates that equation (LSODA with the exact Jacobian): exact gradient flow of the
actual parameters, at a cost independent of ``k``. :func:`completion_gd` is plain gradient descent on ``U, V``
(used to cross-check it).

Every ``*_point`` function is pure and returns a JSON-ready dict, so a sweep can store and resume it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from .._validation import check_int, check_real
from ..errors import InputError
from ..results import Status, solve_ivp_status
from .wide_network import init_gram, wide_init

__all__ = [
    "CompletionPoint",
    "completion_flow",
    "completion_gd",
    "completion_integrator_check",
    "completion_point",
    "completion_problem",
]


def completion_problem(d: int = 10, n_obs: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rank-1 ``Y* = u v^T`` (``u, v ~ N(0, I_d)``) and a boolean mask of ``n_obs`` observed entries.

    Examples
    --------
    >>> Y, mask = completion_problem(4, 10, 0)
    >>> Y.shape, int(mask.sum()), int(np.linalg.matrix_rank(Y))
    ((4, 4), 10, 1)
    """
    d = check_int(d, "d", 2, "the side of the square matrix")
    n_obs = check_int(n_obs, "n_obs", 1, "the number of observed entries")
    if n_obs > d * d:
        raise InputError(f"n_obs={n_obs!r}: at most d^2 = {d * d} entries can be observed")
    rng = np.random.default_rng(seed)
    Y = np.outer(rng.standard_normal(d), rng.standard_normal(d))
    mask = np.zeros(d * d, dtype=bool)
    mask[rng.choice(d * d, size=n_obs, replace=False)] = True
    return Y, mask.reshape(d, d)


def _check_completion(Y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    Y, mask = np.asarray(Y, dtype=float), np.asarray(mask)
    if Y.ndim != 2 or Y.shape[0] != Y.shape[1] or mask.shape != Y.shape or mask.dtype != bool:
        raise InputError(f"Y, mask: expected a square matrix and a boolean mask of its shape, got {Y.shape}, "
                         f"{mask.shape} ({mask.dtype})")
    if not mask.any() or not np.all(np.isfinite(Y)):
        raise InputError("Y, mask: need a finite Y and at least one observed entry")
    return Y, mask, Y.shape[0]


def completion_flow(G0: np.ndarray, Y: np.ndarray, mask: np.ndarray, *, tol: float = 1e-6, rtol: float = 1e-9,
                    atol: float | None = None, method: str = "LSODA", t_max: float = 1e13) -> dict:
    """Gradient flow of ``0.5 sum_observed (U V^T - Y)^2`` through the Gram matrix ``G = [U; V][U; V]^T``.

    ``G' = -(S G + G S)``, ``S = [[0, R], [R^T, 0]]``, ``R`` the masked residual of ``M = G[:d, d:]``; integrated
    by scipy's ``method`` (default LSODA) with the exact Jacobian, stopped when the RMS residual over the observed
    entries falls to ``tol`` times the RMS of the observed ``Y``. ``atol`` defaults to ``1e-4 rtol`` times the
    smallest diagonal entry of ``G0``.

    Returns
    -------
    dict
        ``M`` (nested list), ``residual`` (relative RMS), ``time``, ``nfev``, ``status``
        (:func:`~implicit_bias.results.solve_ivp_status`: ``"success"``, ``"max_time"`` at the horizon ``t_max``
        or ``"failed"``) and ``message``.
    """
    Y, mask, d = _check_completion(Y, mask)
    G0 = np.asarray(G0, dtype=float)
    if G0.shape != (2 * d, 2 * d) or not np.all(np.isfinite(G0)) or not np.allclose(G0, G0.T):
        raise InputError(f"G0: expected a finite symmetric {2 * d} x {2 * d} Gram matrix, got shape {G0.shape}")
    for name, v in (("tol", tol), ("rtol", rtol), ("t_max", t_max)):
        check_real(v, name, "tolerances and the horizon are positive", positive=True)
    if method not in ("LSODA", "Radau", "BDF"):
        raise InputError(f"method={method!r}: use 'LSODA', 'Radau' or 'BDF' (the Gram equation is stiff)")
    D = 2 * d
    iu = np.triu_indices(D)
    P = np.zeros((D, D), dtype=bool)
    P[:d, d:], P[d:, :d] = mask, mask.T
    Yb = np.zeros((D, D))
    Yb[:d, d:], Yb[d:, :d] = Y, Y.T
    basis = np.zeros((iu[0].size, D, D))
    basis[np.arange(iu[0].size), iu[0], iu[1]] = 1.0
    basis[np.arange(iu[0].size), iu[1], iu[0]] = 1.0
    dS = np.where(P[None], basis, 0.0)
    scale = float(np.sqrt(np.mean(Y[mask] ** 2)))

    def full(z: np.ndarray) -> np.ndarray:
        G = np.zeros((D, D))
        G[iu] = z
        return G + np.triu(G, 1).T

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        G = full(z)
        SG = np.where(P, G - Yb, 0.0) @ G
        return -(SG + SG.T)[iu]

    def jac(_t: float, z: np.ndarray) -> np.ndarray:
        G = full(z)
        A = dS @ G + np.where(P, G - Yb, 0.0) @ basis
        return -(A + A.transpose(0, 2, 1))[:, iu[0], iu[1]].T

    def residual(z: np.ndarray) -> float:
        return float(np.sqrt(np.mean((full(z)[:d, d:] - Y)[mask] ** 2)) / scale)

    def done(_t: float, z: np.ndarray) -> float:
        return residual(z) - tol

    done.terminal = True  # type: ignore[attr-defined]
    atol_ = 1e-4 * rtol * float(np.diag(G0).min()) if atol is None else atol
    sol = solve_ivp(rhs, (0.0, t_max), G0[iu], method=method, rtol=rtol, atol=max(atol_, 1e-300), jac=jac,
                    events=done)
    z = sol.y[:, -1]
    return {"M": full(z)[:d, d:].tolist(), "residual": residual(z), "time": float(sol.t[-1]), "nfev": int(sol.nfev),
            "status": str(solve_ivp_status(sol)), "message": str(sol.message)}


def completion_gd(U0: np.ndarray, V0: np.ndarray, Y: np.ndarray, mask: np.ndarray, *, step_fraction: float = 0.05,
                  tol: float = 1e-6, max_steps: int = 10**6) -> dict:
    """Full-batch gradient descent on the actual ``U, V``; each step is ``step_fraction`` over the bound
    ``||U||_op^2 + ||V||_op^2 + ||R||_op`` of the loss's curvature (a forward-Euler step of the flow).

    Returns ``M``, ``residual`` (relative RMS on the observed entries), ``steps``, ``time`` (sum of steps) and
    ``status`` (``"success"`` once the residual reached ``tol``, ``"max_iter"`` after ``max_steps``).
    """
    Y, mask, d = _check_completion(Y, mask)
    U, V = np.array(U0, dtype=float), np.array(V0, dtype=float)
    if U.ndim != 2 or U.shape != V.shape or U.shape[0] != d:
        raise InputError(f"U0, V0: expected two {d} x k arrays, got {U.shape} and {V.shape}")
    check_real(step_fraction, "step_fraction", "a fraction of the stability limit, e.g. 0.05", positive=True)
    check_int(max_steps, "max_steps", 1, "the most gradient steps")
    scale = float(np.sqrt(np.mean(Y[mask] ** 2)))
    t, steps = 0.0, 0
    while True:
        R = np.where(mask, U @ V.T - Y, 0.0)
        res = float(np.sqrt(np.mean(R[mask] ** 2)) / scale)
        if res <= tol or steps == max_steps:
            break
        steps += 1
        curvature = float(np.linalg.norm(U, 2) ** 2 + np.linalg.norm(V, 2) ** 2 + np.linalg.norm(R, 2))
        eta = step_fraction / curvature
        U, V = U - eta * (R @ V), V - eta * (R.T @ U)
        t += eta
    return {"M": (U @ V.T).tolist(), "residual": res, "steps": steps, "time": t,
            "status": str(Status.SUCCESS if res <= tol else Status.MAX_ITER)}


@dataclass(frozen=True)
class CompletionPoint:
    """One cell of Fig. 5: width ``k``, ``alpha^2 = 10^log10_alpha2``, initialization ``seed``."""

    k: int
    log10_alpha2: float
    seed: int = 0
    d: int = 10
    n_obs: int = 60
    problem_seed: int = 0
    tol: float = 1e-6

    def __post_init__(self) -> None:
        check_int(self.k, "k", 1, "the width of U and V")
        check_real(self.log10_alpha2, "log10_alpha2", "log10 of the initialization variance, e.g. -3.0")
        check_int(self.seed, "seed", 0, "the initialization seed")
        check_int(self.d, "d", 2, "the side of the square matrix")
        check_int(self.n_obs, "n_obs", 1, "the number of observed entries")
        if self.n_obs > self.d**2:
            raise InputError(f"n_obs={self.n_obs!r}: at most d^2 = {self.d**2} entries can be observed")
        check_real(self.tol, "tol", "the relative RMS training residual to stop at, e.g. 1e-6", positive=True)


def completion_point(pt: CompletionPoint) -> dict:
    """Excess nuclear norm and movement of the unobserved entries after gradient flow, for one cell of Fig. 5.

    ``excess = ||M||_* - ||Y*||_*``; ``movement`` = RMS over the unobserved entries of ``M - U(0) V(0)^T``; both
    also relative (to ``||Y*||_*`` and to the RMS of ``Y*``).
    """
    Y, mask = completion_problem(pt.d, pt.n_obs, pt.problem_seed)
    G0 = init_gram(2 * pt.d, pt.k, math.sqrt(10.0**pt.log10_alpha2), [pt.seed, pt.k])
    fl = completion_flow(G0, Y, mask, tol=pt.tol)
    M, M0 = np.array(fl["M"]), G0[:pt.d, pt.d:]
    nuc = float(np.linalg.norm(Y, "nuc"))
    excess = float(np.linalg.norm(M, "nuc")) - nuc
    movement = float(np.sqrt(np.mean((M - M0)[~mask] ** 2))) if (~mask).any() else 0.0
    return {"excess": excess, "excess_rel": excess / nuc, "movement": movement,
            "movement_rel": movement / float(np.sqrt(np.mean(Y**2))), "alpha2_k": 10.0**pt.log10_alpha2 * pt.k,
            "init_rms": float(np.sqrt(np.mean(M0**2))), "residual": fl["residual"], "time": fl["time"],
            "nfev": fl["nfev"], "status": fl["status"]}


def completion_integrator_check(pt: CompletionPoint, fractions: Sequence[float] = (0.04, 0.02)) -> dict:
    """The Gram-matrix flow against an independent integrator and against gradient descent on the actual ``U, V``.

    Returns ``radau_vs_lsoda`` (relative Frobenius difference of the final ``M`` from LSODA and from Radau) and
    ``gd_vs_flow`` (one entry per step fraction: the same for plain gradient descent on ``U, V`` from the same
    initialization; first order in the step, so halving the fraction should halve it), with ``gd_steps``.
    """
    if not fractions or any(not (isinstance(f, (int, float)) and 0 < f < 1) for f in fractions):
        raise InputError(f"fractions={fractions!r}: give step fractions in (0, 1), e.g. (0.04, 0.02)")
    Y, mask = completion_problem(pt.d, pt.n_obs, pt.problem_seed)
    alpha = math.sqrt(10.0**pt.log10_alpha2)
    U0, V0 = wide_init(pt.d, pt.k, alpha, [pt.seed, pt.k])
    G0 = init_gram(2 * pt.d, pt.k, alpha, [pt.seed, pt.k])
    M = np.array(completion_flow(G0, Y, mask, tol=pt.tol)["M"])
    M_radau = np.array(completion_flow(G0, Y, mask, tol=pt.tol, method="Radau")["M"])
    norm = float(np.linalg.norm(M))
    gd = [completion_gd(U0, V0, Y, mask, step_fraction=f, tol=pt.tol) for f in fractions]
    return {"radau_vs_lsoda": float(np.linalg.norm(M_radau - M)) / norm,
            "gd_vs_flow": [float(np.linalg.norm(np.array(g["M"]) - M)) / norm for g in gd],
            "gd_steps": [g["steps"] for g in gd], "gd_status": [g["status"] for g in gd],
            "fractions": [float(f) for f in fractions]}
