r"""Section 6 of Woodworth et al. (2020), "the effect of width": the wide parallel network (Fig. 4, Theorem 4).

Each coordinate is :math:`\beta_i = \sum_{j=1}^k U_{ij} V_{ij}` with ``U, V`` of shape ``d x k`` and i.i.d.
``N(0, alpha^2)`` entries (diagonal, hence commuting, measurements). Gradient flow of ``L = 0.5 ||X beta - y||^2``
moves the ``i``-th rows by ``U_i' = -g_i V_i``, ``V_i' = -g_i U_i`` (``g = grad_beta L``), so
``U_i + V_i = a_i e^{s_i}``, ``U_i - V_i = b_i e^{-s_i}`` with ``s_i = -int g_i`` and

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
The Gaussian initialization (:func:`wide_init`, :func:`init_gram`) is shared with
:mod:`~implicit_bias.experiments.matrix_completion`.

Every ``*_point`` function is pure and returns a JSON-ready dict, so a sweep can store and resume it.
"""

from __future__ import annotations

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
from ..results import solve_ivp_status

__all__ = [
    "WidthPoint",
    "argmin_theorem4",
    "argmin_wide",
    "init_gram",
    "init_scales",
    "l1ness",
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
            "nfev": int(sol.nfev), "status": str(solve_ivp_status(sol)),
            "message": str(sol.message)}


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
