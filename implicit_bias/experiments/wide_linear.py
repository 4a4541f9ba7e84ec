r"""Wide two-layer linear networks ``beta = A W`` with ``Delta = A^T A - W W^T = delta I``: when is gradient flow
the mirror flow of the spectral potential, and by how much does it fail otherwise? (Kunin et al. 2024, Sec. 4.)

**Conserved.** For ``beta = A W`` (``A`` c x h, ``W`` h x d) the engine's conserved quadratic forms
(:func:`~implicit_bias.derive.conserved.conserved_quantities`) are the entries of ``Delta = A^T A - W W^T``.
With ``Delta = delta I``: ``beta beta^T = A (A^T A - delta I) A^T = (A A^T)^2 - delta A A^T``, so
``A A^T = (delta I + sqrt(delta^2 I + 4 beta beta^T)) / 2`` and likewise ``W^T W = (-delta I + sqrt(delta^2 I +
4 beta^T beta)) / 2``; gradient flow (``A' = -G W^T``, ``W' = -A^T G``, ``G = grad_beta L``) gives
``beta' = -(A A^T G + G W^T W)``. In the singular basis ``beta = U S V^T``, ``G^ = U^T G V``:

    (U^T beta' V)_ij = -(p_i + q_j) G^_ij,   p = (delta + K) / 2,  q = (-delta + K) / 2,  K = sqrt(delta^2 + 4 s^2).

**Spectral potential.** On the diagonal, ``s_i' = -K(s_i) G^_ii``: the scalar neuron's mirror flow, so
``Phi(beta) = sum_i phi(s_i)`` with ``phi'' = 1 / K`` -- here ``phi'`` is taken from the engine's regularizer of
the scalar neuron (:func:`spectral_slope`; ``phi'(s) = asinh(2 s / |delta|) / 2``, the hyperbolic entropy with
``4 alpha^2 <-> |delta|``).

**The condition.** The mirror flow would be ``beta' = -(Hess Phi)^-1 G``. By Lewis & Sendov (2001) the Hessian of a
spectral function acts on the pair ``(G^_ij, G^_ji)``, ``i != j``, through ``[[a_ij, b_ij], [b_ij, a_ij]]`` with
``b_ij = s_i s_j (phi'(s_i)/s_i - phi'(s_j)/s_j) / (s_i^2 - s_j^2)``; the flow above does not mix the pair. Since
``phi'(s)/s`` is strictly decreasing (``phi'`` is strictly concave on ``s > 0``), ``b_ij != 0`` for distinct
singular values: the mirror-flow statement holds exactly when ``G^`` is diagonal -- the gradient aligned with
``beta``'s singular vectors -- and not otherwise. :func:`wide_point` measures it: the relative error of the mirror
velocity and the angle between the two velocities (which no scalar time warp can remove), for aligned, generic and
partly aligned ``G``. The Hessian is taken by central differences of ``grad Phi(beta) = U phi'(S) V^T``, not from
Lewis & Sendov's formula.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import mpmath
import sympy as sp

from .._validation import check_int
from ..errors import InputError

__all__ = ["WideConfig", "balanced_factors", "mirror_velocity", "parameter_velocity", "spectral_gradient",
           "spectral_slope", "wide_point"]


@dataclass(frozen=True)
class WideConfig:
    """Sizes of the measurement: ``beta`` is ``c x d``; one point per ``(delta, seed)``."""

    c: int = 3
    d: int = 4
    deltas: tuple[float, ...] = (-2.0, -0.5, 0.5, 2.0)
    seeds: tuple[int, ...] = (0, 1, 2)
    misalignments: tuple[float, ...] = (0.0, 1e-8, 1e-4, 1e-2, 1.0)
    dps: int = 30

    def points(self) -> list[dict[str, Any]]:
        """One JSON-ready config per ``(delta, seed)``, for :func:`wide_point` through a sweep."""
        return [{"c": self.c, "d": self.d, "delta": dl, "seed": s, "misalignments": list(self.misalignments),
                 "dps": self.dps} for dl in self.deltas for s in self.seeds]


@cache
def _scalar_slope(delta: str) -> Callable[[mpmath.mpf], mpmath.mpf]:
    from .. import derive, single_neuron

    f = derive(single_neuron(delta=sp.Rational(delta))).to_numeric(dps=60)
    zero = f.grad_Q(0, alpha=1)
    return lambda s: f.grad_Q(s, alpha=1) - zero


def spectral_slope(delta: Any) -> Callable[[mpmath.mpf], mpmath.mpf]:
    """``phi'_delta``: the scalar neuron's ``grad Q`` (derived by the engine) minus its value at 0.

    Examples
    --------
    >>> f = spectral_slope(2)
    >>> print(mpmath.nstr(f(mpmath.mpf(1)), 12), mpmath.nstr(mpmath.asinh(1) / 2, 12))
    0.44068679351 0.44068679351
    """
    if delta == 0:
        raise InputError("delta=0: the balanced matrix factorization has no spectral potential (phi'' = 1/(2 s) "
                         "is not integrable at s = 0); use delta != 0")
    return _scalar_slope(str(sp.Rational(str(delta))))


def balanced_factors(beta: mpmath.matrix, delta: Any) -> tuple[mpmath.matrix, mpmath.matrix]:
    """``(A, W)`` with ``A W = beta`` and ``A^T A - W W^T = delta I`` (width ``h = min(c, d)``), from the SVD."""
    U, S, V = mpmath.svd_r(beta)
    dl = mpmath.mpf(delta)
    K = [mpmath.sqrt(dl**2 + 4 * S[i] ** 2) for i in range(S.rows)]
    p = mpmath.diag([mpmath.sqrt((dl + k) / 2) for k in K])
    q = mpmath.diag([mpmath.sqrt((k - dl) / 2) for k in K])
    return U * p, q * V


def parameter_velocity(A: mpmath.matrix, W: mpmath.matrix, G: mpmath.matrix) -> mpmath.matrix:
    """``beta'`` from the parameters' gradient flow: ``A' = -G W^T``, ``W' = -A^T G``, ``beta' = A' W + A W'``."""
    return (-G * W.T) * W + A * (-A.T * G)


def spectral_gradient(beta: mpmath.matrix, slope: Callable[[mpmath.mpf], mpmath.mpf]) -> mpmath.matrix:
    """``grad Phi(beta) = U phi'(S) V^T`` (thin SVD)."""
    U, S, V = mpmath.svd_r(beta)
    return U * mpmath.diag([slope(S[i]) for i in range(S.rows)]) * V


def mirror_velocity(beta: mpmath.matrix, G: mpmath.matrix, slope: Callable[[mpmath.mpf], mpmath.mpf]
                    ) -> mpmath.matrix:
    """``-(Hess Phi)^-1 G``, the Hessian by central differences of :func:`spectral_gradient` (step
    ``10^(-dps/3)``, error ``~10^(-2 dps/3)``)."""
    c, d = beta.rows, beta.cols
    h = mpmath.mpf(10) ** (-(mpmath.mp.dps // 3))
    columns = []
    for k in range(c * d):
        E = mpmath.matrix(c, d)
        E[k // d, k % d] = h
        diff = (spectral_gradient(beta + E, slope) - spectral_gradient(beta - E, slope)) / (2 * h)
        columns.append([diff[i // d, i % d] for i in range(c * d)])
    H = mpmath.matrix(columns).T
    x = mpmath.lu_solve(H, mpmath.matrix([G[i // d, i % d] for i in range(c * d)]))
    return mpmath.matrix([[-x[i * d + j] for j in range(d)] for i in range(c)])


def _compare(actual: mpmath.matrix, mirror: mpmath.matrix) -> tuple[float, float]:
    """(relative error, 1 - cosine) of the mirror velocity against the actual one."""
    def inner(X: mpmath.matrix, Y: mpmath.matrix) -> mpmath.mpf:
        return mpmath.fsum(X[i, j] * Y[i, j] for i in range(X.rows) for j in range(X.cols))
    na, nm = mpmath.sqrt(inner(actual, actual)), mpmath.sqrt(inner(mirror, mirror))
    rel = mpmath.mnorm(actual - mirror, "F") / na
    return float(rel), float(max(mpmath.mpf(0), 1 - inner(actual, mirror) / (na * nm)))


def wide_point(cfg: dict[str, Any]) -> dict[str, Any]:
    """Measure the mirror-flow statement at one ``(delta, seed)``: see the module docstring.

    Returns ``{"delta", "seed", "balance", "misalignment": [...], "rel_error": [...], "one_minus_cos": [...],
    "generic_rel_error", "generic_one_minus_cos", "min_mixing"}``: ``balance`` is ``max |A^T A - W W^T - delta I|``
    of the factors used, ``misalignment`` the weight ``eps`` of the off-diagonal part in ``G = G_diag + eps G_off``,
    ``min_mixing`` the smallest ``|b_ij|`` over the pairs of singular values.

    Examples
    --------
    >>> out = wide_point({"c": 2, "d": 3, "delta": 1, "seed": 0, "misalignments": [0, 1], "dps": 25})
    >>> out["rel_error"][0] < 1e-12 < 1e-2 < out["rel_error"][1]
    True
    """
    c, d = check_int(cfg["c"], "c", 1, "rows of beta"), check_int(cfg["d"], "d", 1, "columns of beta")
    rng = random.Random(cfg["seed"])
    with mpmath.workdps(int(cfg.get("dps", 30))):
        slope = spectral_slope(cfg["delta"])
        beta = mpmath.matrix([[rng.gauss(0, 1) for _ in range(d)] for _ in range(c)])
        A, W = balanced_factors(beta, cfg["delta"])
        balance = mpmath.mnorm(A.T * A - W * W.T - mpmath.mpf(cfg["delta"]) * mpmath.eye(A.cols), 1)
        U, S, V = mpmath.svd_r(beta)
        raw = mpmath.matrix([[rng.gauss(0, 1) for _ in range(d)] for _ in range(c)])
        inside = U.T * raw * V.T  # the gradient in the singular basis (h x h block)
        diag = mpmath.diag([inside[i, i] for i in range(S.rows)])
        off = inside - diag
        out: dict[str, Any] = {"delta": cfg["delta"], "seed": cfg["seed"], "balance": float(balance),
                               "misalignment": [], "rel_error": [], "one_minus_cos": []}
        for eps in cfg["misalignments"]:
            G = U * (diag + mpmath.mpf(eps) * off) * V
            rel, angle = _compare(parameter_velocity(A, W, G), mirror_velocity(beta, G, slope))
            out["misalignment"].append(eps)
            out["rel_error"].append(rel)
            out["one_minus_cos"].append(angle)
        out["generic_rel_error"], out["generic_one_minus_cos"] = _compare(parameter_velocity(A, W, raw),
                                                                          mirror_velocity(beta, raw, slope))
        s = [S[i] for i in range(S.rows)]
        out["min_mixing"] = float(min((abs(si * sj * (slope(si) / si - slope(sj) / sj) / (si**2 - sj**2))
                                       for i, si in enumerate(s) for j, sj in enumerate(s) if i < j),
                                      default=mpmath.mpf(0)))
    return out
