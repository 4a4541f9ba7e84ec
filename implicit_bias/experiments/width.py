r"""Section 6 of Woodworth et al. (2020), "the effect of width": wide parallel networks and matrix completion.

**Wide parallel network** (diagonal, hence commuting, measurements; Fig. 4 and Theorem 4). Each coordinate is
:math:`\beta_i = \sum_{j=1}^k U_{ij} V_{ij}` with ``U, V`` of shape ``d x k`` and i.i.d. ``N(0, alpha^2)``
entries. Gradient flow of ``L = 0.5 ||X beta - y||^2`` moves the ``i``-th rows by ``U_i' = -g_i V_i``,
``V_i' = -g_i U_i`` (``g = grad_beta L``), so ``U_i + V_i = a_i e^{s_i}``, ``U_i - V_i = b_i e^{-s_i}`` with
``s_i = -int g_i`` and

.. math:: \beta_i(s) = \tfrac14 \left(|a_i|^2 e^{2 s} - |b_i|^2 e^{-2 s}\right),
          \qquad a_i = U_i(0) + V_i(0),\ b_i = U_i(0) - V_i(0).

A coordinate depends on its ``2k`` initial numbers only through ``|a_i|`` and ``|b_i|``; the two-unit model
``u1 v1 + u2 v2`` with ``u1 = v1 = |a|/2``, ``u2 = -v2 = |b|/2`` has the same curve, so :func:`wide_unit` (that
model, with the positive symbols ``a, b``) is what the engine derives the regularizer of: a hypentropy at scale
``|a||b|/2`` tilted by ``log(|b|/|a|) beta / 2`` (Q vanishes at ``beta_i(0) = (|a|^2 - |b|^2)/4``).
With ``|a_i|^2, |b_i|^2 ~ 2 alpha^2 k`` the scale is ``~ alpha^2 k``, the init offset ``beta_i(0) ~ alpha^2
sqrt(k)`` (the paper's ``sigma``); Theorem 4 (``k -> oo``, ``sigma -> 0``, ``mu^2 = lim sigma sqrt(k) / 2``) is the
engine's regularizer of the paper's construction ``U(0) = [sqrt2 mu I, 0]``, ``V(0) = [0, sqrt2 mu I]``
(:func:`theorem4_unit`, ``alpha`` standing for ``mu``). :func:`wide_flow` integrates the actual ``U, V``;
:func:`argmin_wide` and :func:`argmin_theorem4` solve ``argmin Q s.t. X beta = y`` with the reference solver.

**Matrix completion** (Fig. 5). ``M = U V^T``, ``U, V`` of shape ``d x k``, loss ``0.5 sum_{(i,j) observed}
(M_ij - Y*_ij)^2``. With ``W = [U; V]`` and the symmetric ``S = [[0, R], [R^T, 0]]``, ``R`` the masked residual,
gradient flow is ``W' = -S W``, so the ``2d x 2d`` Gram matrix ``G = W W^T`` (Sec. 6's lifted symmetric problem,
``M`` its upper-right block) obeys the closed equation ``G' = -(S G + G S)`` for every width ``k``.
:func:`completion_flow` integrates that equation (LSODA with the exact Jacobian): exact gradient flow of the
actual parameters, at a cost independent of ``k``. :func:`completion_gd` is plain gradient descent on ``U, V``
(used to cross-check it).

Every ``*_point`` function is pure and returns a JSON-ready dict, so a sweep can store and resume it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import mpmath
import numpy as np
from scipy.integrate import solve_ivp

from .._validation import check_int, check_real
from ..derive import derive
from ..derive.numeric import NumericRegularizer
from ..errors import InputError
from ..parametrizations import Parametrization
from ..problems import sparse_regression
from ..results import Status

__all__ = [
    "CompletionPoint",
    "WidthPoint",
    "argmin_theorem4",
    "argmin_wide",
    "completion_flow",
    "completion_gd",
    "completion_integrator_check",
    "completion_point",
    "completion_problem",
    "fit_slope",
    "init_gram",
    "init_scales",
    "l1ness",
    "log_crossing",
    "theorem4_point",
    "theorem4_unit",
    "wide_flow",
    "wide_init",
    "wide_unit",
    "width_point",
    "width_references",
]

#: Columns of the initialization drawn at a time (bounds the memory of very wide models).
_CHUNK = 1 << 15


# ------------------------------------------------------------------------------ the width-k coordinate (engine)
def wide_unit() -> Parametrization:
    """One coordinate of the wide parallel network, reduced to the two numbers its flow depends on.

    ``u1 v1 + u2 v2`` with ``u1 = v1 = a/2``, ``u2 = b/2``, ``v2 = -b/2`` (``a, b > 0`` symbols): its curve is
    ``(a^2 e^{2s} - b^2 e^{-2s}) / 4``, that of a width-``k`` coordinate with ``|U_i(0) + V_i(0)| = a`` and
    ``|U_i(0) - V_i(0)| = b``.

    Examples
    --------
    >>> derive(wide_unit()).curve.b
    a**2*exp(2*sigma)/4 - b**2*exp(-2*sigma)/4
    """
    return Parametrization.from_expr("u1*v1 + u2*v2", ["u1", "u2", "v1", "v2"],
                                     {"u1": "a/2", "v1": "a/2", "u2": "b/2", "v2": "-b/2"}, symbols=["a", "b"],
                                     name="wide parallel network coordinate (|U+V| = a, |U-V| = b)")


def theorem4_unit() -> Parametrization:
    """Theorem 4's construction ``U(0) = [sqrt2 mu I, 0]``, ``V(0) = [0, sqrt2 mu I]`` per coordinate (``alpha`` is
    ``mu``), the ``k -> oo`` limit of the i.i.d. initialization with ``alpha^2 k = 2 mu^2``.

    Examples
    --------
    >>> derive(theorem4_unit()).grad_Q
    asinh(beta/(2*alpha**2))/2
    """
    return Parametrization.from_expr("u1*v1 + u2*v2", ["u1", "u2", "v1", "v2"],
                                     {"u1": "sqrt(2)*alpha", "u2": "0", "v1": "0", "v2": "sqrt(2)*alpha"},
                                     name="Theorem 4 construction (alpha = mu)")


@cache
def _wide_numeric(dps: int) -> NumericRegularizer:
    return derive(wide_unit()).to_numeric(dps=dps)


@cache
def _theorem4_numeric(dps: int) -> NumericRegularizer:
    return derive(theorem4_unit()).to_numeric(dps=dps)


# ------------------------------------------------------------------------------------------- initialization
def init_gram(rows: int, k: int, alpha: float, seed: int | Sequence[int]) -> np.ndarray:
    """``W W^T`` for ``W`` of shape ``rows x k`` with i.i.d. ``N(0, alpha^2)`` entries, drawn in column chunks.

    ``W^T`` is drawn row-major from ``numpy.random.default_rng(seed)``, so the result is that of
    :func:`wide_init`'s explicit ``W`` for the same ``(rows, k, alpha, seed)``. The points below seed with
    ``[seed, k]``: independent draws for every width.

    Examples
    --------
    >>> U, V = wide_init(2, 3, 0.5, 0)
    >>> W = np.vstack([U, V])
    >>> bool(np.allclose(init_gram(4, 3, 0.5, 0), W @ W.T))
    True
    """
    rows = check_int(rows, "rows", 1, "the number of rows of W")
    k = check_int(k, "k", 1, "the width")
    alpha = check_real(alpha, "alpha", "the standard deviation of the initialization", positive=True)
    rng = np.random.default_rng(seed)
    G = np.zeros((rows, rows))
    for start in range(0, k, _CHUNK):
        Wt = rng.standard_normal((min(_CHUNK, k - start), rows))
        G += Wt.T @ Wt
    return alpha**2 * G


def _draw(rows: int, k: int, alpha: float, seed: int | Sequence[int]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return alpha * np.vstack([rng.standard_normal((min(_CHUNK, k - s), rows)) for s in range(0, k, _CHUNK)]).T


def wide_init(d: int, k: int, alpha: float, seed: int | Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """``U(0), V(0)`` of shape ``d x k`` with i.i.d. ``N(0, alpha^2)`` entries (``W = [U; V]`` of :func:`init_gram`).

    Examples
    --------
    >>> U, V = wide_init(3, 5, 0.1, 0)
    >>> U.shape, V.shape
    ((3, 5), (3, 5))
    """
    d = check_int(d, "d", 1, "the number of coordinates")
    k = check_int(k, "k", 1, "the width")
    alpha = check_real(alpha, "alpha", "the standard deviation of the initialization", positive=True)
    W = _draw(2 * d, k, alpha, seed)
    return W[:d], W[d:]


def init_scales(gram: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``|U_i(0) + V_i(0)|`` and ``|U_i(0) - V_i(0)|`` per coordinate, from the ``2d x 2d`` Gram of ``[U; V]``.

    Examples
    --------
    >>> U, V = np.array([[3.0, 0.0]]), np.array([[1.0, 1.0]])
    >>> W = np.vstack([U, V])
    >>> [float(x[0]) for x in init_scales(W @ W.T)]
    [4.123105625617661, 2.23606797749979]
    """
    G = np.asarray(gram, dtype=float)
    if G.ndim != 2 or G.shape[0] != G.shape[1] or G.shape[0] % 2 or not np.all(np.isfinite(G)):
        raise InputError(f"gram: expected a finite 2d x 2d matrix (the Gram of [U; V]), got shape {G.shape}")
    d = G.shape[0] // 2
    uu, vv, uv = np.diag(G)[:d], np.diag(G)[d:], np.diag(G[:d, d:])
    return np.sqrt(np.maximum(uu + vv + 2 * uv, 0.0)), np.sqrt(np.maximum(uu + vv - 2 * uv, 0.0))


# --------------------------------------------------------------------------------------- the wide flow (U, V)
def _ivp_status(sol: Any) -> dict[str, str]:
    """``status`` and ``message`` of a scipy ``solve_ivp`` run whose terminal event is "the residual reached tol"."""
    status = {1: Status.SUCCESS, 0: Status.MAX_TIME}.get(sol.status, Status.FAILED)
    return {"status": str(status), "message": str(sol.message)}


def wide_flow(U0: np.ndarray, V0: np.ndarray, X: np.ndarray, y: np.ndarray, *, rtol: float = 1e-12,
              tol: float = 1e-10, t_max: float = 1e7) -> dict:
    """Gradient flow of ``0.5 ||X beta - y||^2``, ``beta_i = sum_j U_ij V_ij``, on the actual ``U, V`` (float64).

    scipy's DOP853 at ``rtol`` (``atol = 1e-3 rtol max |W(0)|``), stopped when ``||X beta - y||_2 <= tol``.

    Returns
    -------
    dict
        ``beta`` (list), ``residual``, ``time``, ``nfev``, ``status`` (a :class:`~implicit_bias.results.Status`
        value: ``"success"`` once the residual reached ``tol``, ``"max_time"`` at the horizon ``t_max``,
        ``"failed"`` if the integrator stopped) and ``message``.

    Examples
    --------
    >>> U, V = wide_init(3, 4, 0.3, 0)
    >>> out = wide_flow(U, V, np.array([[1.0, 2.0, 0.5]]), np.array([1.0]))
    >>> out["status"], out["residual"] < 1e-9
    ('success', True)
    """
    U0, V0 = np.asarray(U0, dtype=float), np.asarray(V0, dtype=float)
    X, y = np.atleast_2d(np.asarray(X, dtype=float)), np.asarray(y, dtype=float).ravel()
    if U0.ndim != 2 or U0.shape != V0.shape:
        raise InputError(f"U0, V0: expected two d x k arrays of the same shape, got {U0.shape} and {V0.shape}")
    d, k = U0.shape
    if X.shape != (y.size, d):
        raise InputError(f"X: expected shape (n, d) = ({y.size}, {d}) to match y and U0, got {X.shape}")
    for name, v in (("rtol", rtol), ("tol", tol), ("t_max", t_max)):
        check_real(v, name, "integration tolerances and horizon are positive", positive=True)

    def rhs(_t: float, z: np.ndarray) -> np.ndarray:
        W = z.reshape(2, d, k)
        g = X.T @ (X @ np.einsum("ij,ij->i", W[0], W[1]) - y)
        return (-g[None, :, None] * W[::-1]).ravel()

    def residual(z: np.ndarray) -> float:
        W = z.reshape(2, d, k)
        return float(np.linalg.norm(X @ np.einsum("ij,ij->i", W[0], W[1]) - y))

    def done(_t: float, z: np.ndarray) -> float:
        return residual(z) - tol

    done.terminal = True  # type: ignore[attr-defined]
    z0 = np.concatenate([U0.ravel(), V0.ravel()])
    sol = solve_ivp(rhs, (0.0, t_max), z0, method="DOP853", rtol=rtol, atol=1e-3 * rtol * np.abs(z0).max(),
                    events=done)
    z = sol.y[:, -1]
    W = z.reshape(2, d, k)
    return {"beta": np.einsum("ij,ij->i", W[0], W[1]).tolist(), "residual": residual(z), "time": float(sol.t[-1]),
            "nfev": int(sol.nfev), **_ivp_status(sol)}


# -------------------------------------------------------------------------------------- reference solutions
def argmin_wide(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, X: Any, y: Any, *,
                dps: int = 30) -> np.ndarray:
    """``argmin sum_i Q_i(beta_i) s.t. X beta = y``, ``Q_i`` the engine's regularizer of :func:`wide_unit` at
    ``a = a_i, b = b_i`` (the per-coordinate scales read off the initialization)."""
    from ..reference import argmin_Q

    if len(a) != len(b):
        raise InputError(f"a, b: one pair of scales per coordinate, got {len(a)} and {len(b)}")
    f = _wide_numeric(dps)
    with mpmath.workdps(dps):
        sol = argmin_Q([f.coordinate(a=float(ai), b=float(bi)) for ai, bi in zip(a, b, strict=True)], X, y, dps=dps)
    sol.raise_for_status()
    return np.array([float(v) for v in sol.beta])


def argmin_theorem4(mu: float, X: Any, y: Any, *, dps: int = 30) -> np.ndarray:
    """``argmin Q_mu s.t. X beta = y`` with ``Q_mu`` the engine's regularizer of :func:`theorem4_unit`."""
    from ..reference import argmin_Q

    mu = check_real(mu, "mu", "Theorem 4's scale, mu^2 = alpha^2 k / 2", positive=True)
    d = np.atleast_2d(np.asarray(X, dtype=float)).shape[1]
    with mpmath.workdps(dps):
        sol = argmin_Q([_theorem4_numeric(dps).coordinate(alpha=mu)] * d, X, y, dps=dps)
    sol.raise_for_status()
    return np.array([float(v) for v in sol.beta])


def width_references(d: int, n: int, sparsity: int, problem_seed: int, dps: int = 30) -> dict:
    """The min-l1 and min-l2 interpolants of the sparse problem, with their norms."""
    from ..reference import min_l1, min_l2

    prob = sparse_regression(d, n, sparsity, seed=problem_seed)
    out: dict[str, Any] = {}
    for name, solver in (("l1", min_l1), ("l2", min_l2)):
        beta = np.array([float(v) for v in solver(prob.X, prob.y, dps=dps).beta])
        out[name] = {"beta": beta.tolist(), "l1": float(np.abs(beta).sum()), "l2": float(np.linalg.norm(beta))}
    return out


def l1ness(beta: Sequence[float], refs: dict) -> float:
    """``(||beta||_1 - ||b_l1||_1) / (||b_l2||_1 - ||b_l1||_1)``: 0 at the min-l1 interpolant, 1 at min-l2's l1 norm.

    Examples
    --------
    >>> refs = {"l1": {"beta": [1.0, 0.0]}, "l2": {"beta": [0.6, 0.8]}}
    >>> l1ness([1.0, 0.0], refs), round(l1ness([0.6, 0.8], refs), 12), round(l1ness([0.8, 0.4], refs), 12)
    (0.0, 1.0, 0.5)
    """
    n1 = float(np.abs(refs["l1"]["beta"]).sum())
    n2 = float(np.abs(refs["l2"]["beta"]).sum())
    if not n2 > n1:
        raise InputError(f"refs: ||b_l2||_1 = {n2} is not above ||b_l1||_1 = {n1}; pick a problem where they differ")
    return (float(np.abs(beta).sum()) - n1) / (n2 - n1)


# ------------------------------------------------------------------------------------ one point of Sec. 6
@dataclass(frozen=True)
class WidthPoint:
    """One wide parallel network: width ``k``, scale ``alpha^2 k = 10^log10_scale``, initialization ``seed``.

    The problem is ``sparse_regression(d, n, sparsity, seed=problem_seed)`` (noiseless). ``flow``: also
    integrate the actual ``U, V`` (otherwise only ``argmin Q`` at the scales read off the initialization).
    """

    k: int
    log10_scale: float
    seed: int = 0
    d: int = 10
    n: int = 4
    sparsity: int = 2
    problem_seed: int = 0
    flow: bool = True
    dps: int = 30

    def __post_init__(self) -> None:
        check_int(self.k, "k", 1, "the width (units per coordinate)")
        check_real(self.log10_scale, "log10_scale", "log10 of alpha^2 k, e.g. -2.0")
        check_int(self.seed, "seed", 0, "the initialization seed")
        check_int(self.d, "d", 2, "the dimension")
        check_int(self.n, "n", 1, "the number of samples")
        if self.n >= self.d:
            raise InputError(f"n={self.n!r}, d={self.d!r}: the problem must be underdetermined (n < d)")
        if not isinstance(self.flow, bool):
            raise InputError(f"flow={self.flow!r}: must be True or False")

    @property
    def alpha(self) -> float:
        """The standard deviation of the initialization: ``sqrt(10^log10_scale / k)``."""
        return math.sqrt(10.0**self.log10_scale / self.k)


def width_point(pt: WidthPoint) -> dict:
    """Flow (optional) and ``argmin Q`` at the initialization's scales for one :class:`WidthPoint`.

    Returns ``beta_Q``, ``scales`` (``a``, ``b``), ``beta0`` (``beta(0)``), ``sigma`` (``||U V^T||_F / d`` over the
    diagonal model's ``d x d`` matrix) and, with ``flow``, ``beta_flow`` with the flow's diagnostics and
    ``flow_vs_Q`` (``max |beta_flow - beta_Q| / max |beta_Q|``).
    """
    prob = sparse_regression(pt.d, pt.n, pt.sparsity, seed=pt.problem_seed)
    G = init_gram(2 * pt.d, pt.k, pt.alpha, [pt.seed, pt.k])
    a, b = init_scales(G)
    beta_Q = argmin_wide(a, b, prob.X, prob.y, dps=pt.dps)
    out: dict[str, Any] = {"beta_Q": beta_Q.tolist(), "a": a.tolist(), "b": b.tolist(),
                           "beta0": np.diag(G[:pt.d, pt.d:]).tolist(), "sigma": float(np.linalg.norm(G[:pt.d, pt.d:]))
                           / pt.d, "alpha": pt.alpha}
    if pt.flow:
        U0, V0 = wide_init(pt.d, pt.k, pt.alpha, [pt.seed, pt.k])
        fl = wide_flow(U0, V0, prob.X, prob.y)
        beta_flow = np.array(fl["beta"])
        out.update({"beta_flow": fl["beta"], "flow_residual": fl["residual"], "flow_time": fl["time"],
                    "flow_nfev": fl["nfev"], "flow_status": fl["status"],
                    "flow_vs_Q": float(np.abs(beta_flow - beta_Q).max() / np.abs(beta_Q).max())})
    return out


def theorem4_point(log10_scale: float, *, d: int = 10, n: int = 4, sparsity: int = 2, problem_seed: int = 0,
                   dps: int = 30) -> dict:
    """Theorem 4's limit at ``alpha^2 k = 10^log10_scale``, i.e. ``mu = sqrt(alpha^2 k / 2)``: ``{"beta": ...}``."""
    check_real(log10_scale, "log10_scale", "log10 of alpha^2 k, e.g. -2.0")
    prob = sparse_regression(d, n, sparsity, seed=problem_seed)
    mu = math.sqrt(10.0**log10_scale / 2)
    return {"beta": argmin_theorem4(mu, prob.X, prob.y, dps=dps).tolist(), "mu": mu}


# ------------------------------------------------------------------------------------------- curve helpers
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


# ---------------------------------------------------------------------------------- Fig. 5: matrix completion
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
        ``M`` (nested list), ``residual`` (relative RMS), ``time``, ``nfev``, ``status`` (``"success"``,
        ``"max_time"`` at the horizon ``t_max`` or ``"failed"``, as in :func:`wide_flow`) and ``message``.
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
            **_ivp_status(sol)}


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
    W = _draw(2 * pt.d, pt.k, alpha, [pt.seed, pt.k])
    G0 = init_gram(2 * pt.d, pt.k, alpha, [pt.seed, pt.k])
    M = np.array(completion_flow(G0, Y, mask, tol=pt.tol)["M"])
    M_radau = np.array(completion_flow(G0, Y, mask, tol=pt.tol, method="Radau")["M"])
    norm = float(np.linalg.norm(M))
    gd = [completion_gd(W[:pt.d], W[pt.d:], Y, mask, step_fraction=f, tol=pt.tol) for f in fractions]
    return {"radau_vs_lsoda": float(np.linalg.norm(M_radau - M)) / norm,
            "gd_vs_flow": [float(np.linalg.norm(np.array(g["M"]) - M)) / norm for g in gd],
            "gd_steps": [g["steps"] for g in gd], "gd_status": [g["status"] for g in gd],
            "fractions": [float(f) for f in fractions]}
