r"""Moroshko et al. (2020), "Implicit Bias in Deep Linear Classification: Initialization Scale vs Training
Accuracy": where the direction of gradient flow on a depth-``D`` diagonal network with the exponential loss lies,
as a function of ``alpha`` and of the training loss ``epsilon`` reached.

References, all at the stopping time ``T_eps`` with min margin ``gamma = min_n (tilde X beta)_n``:

- the l2 max-margin direction (kernel regime) and ``gamma_2 / gamma_2* = (gamma / ||beta||_2) / gamma_2*``;
- the l1 max-margin direction (rich regime) and ``gamma_1 / gamma_1* = (gamma / ||beta||_1) / gamma_1*``;
- the ``Q``-regularized middle: ``argmin Q_bar(beta) s.t. tilde X beta >= 1``, ``Q_bar`` the engine's regularizer of
  ``ib.diagonal(D)`` at the scale ``alpha_bar^D = alpha^D / gamma``. Why (derived in ``docs/classification.md``):
  ``beta / gamma = b_alpha_bar(tilde X^T lam)`` with ``lam >= 0`` exactly, for the engine's dual map ``b``, which
  is the KKT condition of that problem up to complementary slackness.

``flow_point`` also checks the closed form ``beta = b(tilde X^T nu)`` (``nu`` the total sample weights) with the
engine's ``b``, as ``b^{-1}(beta) = grad Q(beta) = tilde X^T nu`` (relative to ``max(1, |tilde X^T nu|_inf)``),
and reports ``|tilde X^T nu|_inf`` against the end of ``b``'s domain (``D >= 3``: a pole, so ``nu``
stays bounded). Every ``*_point`` function is pure and returns a JSON-ready dict.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import mpmath
import numpy as np

from ..derive import derive
from ..dynamics.classification import exponential_flow, folded
from ..dynamics.margins import max_margin_l1, max_margin_l2, min_Q_margin
from ..parametrizations import diagonal

__all__ = ["SeparableProblem", "flow_point", "references_point"]


@dataclass(frozen=True)
class SeparableProblem:
    """``X`` i.i.d. N(0, 1) (``numpy.random.default_rng(seed)``), labels ``y = sign(X teacher)``,
    ``teacher = (teacher..., 0, ..., 0)``."""

    n: int = 4
    d: int = 6
    teacher: tuple[float, ...] = (1.0, -1.0)
    seed: int = 3

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        X = np.random.default_rng(self.seed).standard_normal((self.n, self.d))
        w = np.zeros(self.d)
        w[: len(self.teacher)] = self.teacher
        return X, np.sign(X @ w)

    def folded(self) -> np.ndarray:
        return folded(*self.data())

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> SeparableProblem:
        return cls(config["n"], config["d"], tuple(config["teacher"]), config["seed"])

    def config(self) -> dict[str, Any]:
        return {**asdict(self), "teacher": list(self.teacher)}


def references_point(config: dict[str, Any]) -> dict[str, Any]:
    """The l1 and l2 max-margin directions and margins of a :class:`SeparableProblem` config."""
    Xt = SeparableProblem.from_config(config).folded()
    d1, g1 = max_margin_l1(Xt)
    l2 = max_margin_l2(Xt, dps=config.get("dps", 30))
    b2 = np.array([float(b) for b in l2.beta])
    return {"l1_direction": d1.tolist(), "gamma1": g1, "l2_beta": b2.tolist(), "gamma2": float(1 / np.linalg.norm(b2)),
            "l2_status": str(l2.status), "l2_active": l2.active}


@cache
def _numeric(depth: int, dps: int) -> Any:
    return derive(diagonal(depth)).to_numeric(dps=dps)


def flow_point(config: dict[str, Any]) -> dict[str, Any]:
    """The flow of one ``(depth, alpha)`` to each ``log_inv_eps`` and where its direction lies.

    ``config``: a :class:`SeparableProblem`'s fields, ``depth``, ``alpha``, ``log_inv_eps`` (list), ``flow_dps``
    (None: float64), ``q_dps`` (digits of the ``Q``-problem), ``q_levels`` (the ``log_inv_eps`` at which to solve
    it; default all).
    """
    prob = SeparableProblem.from_config(config)
    X, y = prob.data()
    Xt = folded(X, y)
    ref = references_point({**config, "dps": config.get("q_dps", 30)})
    D, alpha = config["depth"], config["alpha"]
    run = exponential_flow(X, y, depth=D, alpha=alpha, log_inv_eps=config["log_inv_eps"],
                           dps=config.get("flow_dps"))
    f = _numeric(D, config.get("q_dps", 30))
    coord = f.coordinate(alpha=alpha)
    pole = float(coord.domain[1]) if mpmath.isfinite(coord.domain[1]) else None  # None: b has no pole (D = 2)
    d1 = np.array(ref["l1_direction"])
    d2 = np.array(ref["l2_beta"]) / np.linalg.norm(ref["l2_beta"])
    q_levels = config.get("q_levels", config["log_inv_eps"])
    states = []
    for st in run.states:
        gamma = float(st.margins.min())
        u = st.direction
        sigma = Xt.T @ st.nu
        # compared in the dual coordinate, where it is well conditioned (near a pole of b, beta is not)
        with mpmath.workdps(40):
            inverse = np.array([float(f.grad_Q(mpmath.mpf(b), alpha=alpha)) for b in st.beta])
        row = {"log_inv_eps": st.log_inv_eps, "gamma": gamma, "tau": st.tau, "steps": st.steps,
               "beta": st.beta.tolist(), "nu": st.nu.tolist(),
               "gamma1_ratio": gamma / float(np.abs(st.beta).sum()) / ref["gamma1"],
               "gamma2_ratio": gamma / float(np.linalg.norm(st.beta)) / ref["gamma2"],
               "cos_l1": 1 - float(u @ d1 / np.linalg.norm(d1)), "cos_l2": 1 - float(u @ d2),
               "closed_form": float(np.max(np.abs(inverse - sigma)) / max(1.0, float(np.max(np.abs(sigma))))),
               "dual_sup": float(np.max(np.abs(sigma))), "pole": pole}
        if st.log_inv_eps in q_levels:
            row.update(_q_problem(f, D, alpha, gamma, Xt, u, config.get("q_dps", 30)))
        states.append(row)
    return {"depth": D, "alpha": alpha, "status": str(run.status), "message": run.message,
            "wall_time": run.wall_time, "states": states, "gamma1": ref["gamma1"], "gamma2": ref["gamma2"]}


def _q_problem(f: Any, D: int, alpha: float, gamma: float, Xt: np.ndarray, u: np.ndarray, dps: int
               ) -> dict[str, Any]:
    """``argmin Q_bar s.t. tilde X beta >= 1`` at ``alpha_bar^D = alpha^D / gamma`` and its distance to ``u``."""
    with mpmath.workdps(dps):
        alpha_bar = (mpmath.mpf(alpha) ** D / mpmath.mpf(gamma)) ** (mpmath.mpf(1) / D)
        sol = min_Q_margin([f.coordinate(alpha=alpha_bar)] * Xt.shape[1], Xt, dps=dps)
    if not sol.success:
        return {"cos_q": None, "q_status": str(sol.status), "q_message": sol.message}
    return {"cos_q": 1 - float(u @ sol.direction), "q_status": str(sol.status), "alpha_bar": float(alpha_bar),
            "q_active": sol.active}
