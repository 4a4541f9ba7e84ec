r"""Gradient descent and SGD with finite (and large) steps on depth-2 diagonal networks, at any precision, and the
implicit problem their iterates solve.

Even, Pesme, Gunasekar & Flammarion (2023), "(S)GD over Diagonal Linear Networks: Implicit Regularisation, Large
Stepsizes and Edge of Stability", NeurIPS: the iterates of GD / SGD on ``beta = u v`` converge to the minimizer
of a hypentropy whose scale is not ``alpha`` but an *effective initialization* ``alpha_infinity`` built from the
whole trajectory. The identity behind it is exact at every step (derivation in ``docs/large_steps.md``):

With ``x_l = gamma g_l`` (``g_l`` the step-``l`` (mini-batch) gradient of ``L`` in ``beta``), ``r = u + v`` and
``s = u - v`` are multiplied by ``1 - x_l`` and ``1 + x_l`` at each step of ``u <- u - x v, v <- v - x u``, so
with ``u_0 = sqrt(2) alpha, v_0 = 0``

.. math:: \beta_k = \tfrac12\big(\alpha_{+,k}^2 e^{-2 G_k} - \alpha_{-,k}^2 e^{2 G_k}\big)
          = \alpha_k^2 \sinh(2 c_k - 2 G_k), \qquad G_k = \textstyle\sum_{l<k} x_l,

``alpha_{+-,k}^2 = alpha^2 exp(-sum_{l<k} q_+-(x_l))``, ``q_+-(x) = -+2x - log((1 -+ x)^2)``,
``alpha_k^2 = alpha_{+,k} alpha_{-,k}``, ``c_k = log(alpha_{+,k} / alpha_{-,k}) / 2``. This is the gradient-flow curve
of ``u v`` from the tilted start ``u_0 = sqrt(2) alpha_k cosh(c_k)``, ``v_0 = sqrt(2) alpha_k sinh(c_k)``, at the
dual coordinate ``sigma = -G_k``, which lies in the range of ``X^T``. So ``beta_k`` minimizes that curve's
regularizer ``Q`` (derived by the engine: ``asinh(beta / alpha_k^2) / 2 - c_k`` is its gradient; ``Q`` is the
Bregman divergence of the hypentropy from ``tilde beta_0 = alpha_k^2 sinh(2 c_k)``) subject to
``X beta = X beta_k``, exactly, at every ``k``; in the limit, subject to ``X beta = y``.

``"u^2-v^2"`` (``ib.diagonal(2)``: ``u_0 = v_0 = alpha``) is the same iteration with ``x = 2 gamma g`` and
``alpha`` replaced by ``sqrt(2) alpha``: ``u <- u (1 - x)``, ``v <- v (1 + x)``, ``beta = u^2 - v^2``.

The iterations run in python-flint ``arb`` arithmetic at ``dps`` digits (midpoints kept), the sums of ``q_+-``
accumulated alongside; :func:`effective_initialization` turns them into ``alpha_infinity``, the tilt and the gain
``log(alpha^2 / alpha_infinity^2) = sum_l q(x_l)``, ``q = (q_+ + q_-) / 2 = -log((1 - x^2)^2) / 2``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import cache
from typing import Any

import flint
import mpmath
import numpy as np

from .._precision import DEFAULT_DPS, GUARD_DIGITS, bits, flint_bits
from .._validation import check_alpha, check_dps, check_int, check_problem, check_real
from ..errors import InputError
from ..reference._linalg import to_arb, to_mpf
from ..results import Status

__all__ = ["MODELS", "DescentRun", "EffectiveInitialization", "descent", "effective_initialization",
           "implicit_solution", "tilted_model"]

#: The models: name -> (factor of ``gamma g`` in ``x``, factor of ``alpha^2`` in the ``u v`` normalization).
MODELS: dict[str, tuple[int, int]] = {"u*v": (1, 1), "u^2-v^2": (2, 2)}
#: Every this many steps the iterates drop their error radii (arb trims a midpoint to its ball's accuracy).
RECENTRE = 64
#: A run whose loss exceeds this multiple of its start (plus one) has diverged.
DIVERGED = 1e12


@dataclass(frozen=True)
class DescentRun:
    """A GD / SGD run from :func:`descent`.

    ``status``: ``"success"`` (relative residual below ``tol``), ``"max_iter"``, ``"max_time"`` or ``"failed"``
    (diverged). ``grad_sum``, ``q_plus_sum``, ``q_minus_sum`` are ``sum_l x_l``, ``sum_l q_+(x_l)``,
    ``sum_l q_-(x_l)`` per coordinate, in the ``u v`` normalization (``x = factor * gamma * g``), and
    ``alpha_uv`` the initialization scale there. ``gain_by_steps`` is ``sum_l q(x_l)`` accumulated step by step in
    float64 with ``q(x) = -log((1 - x^2)^2) / 2`` (an independent bookkeeping of the gain, for checks) and
    ``gain_abs`` is ``sum_l |q(x_l)|`` (its scale).
    """

    model: str
    step: mpmath.mpf
    batch_size: int | None
    alpha: mpmath.mpf
    alpha_uv: mpmath.mpf
    u: list[mpmath.mpf]
    v: list[mpmath.mpf]
    beta: list[mpmath.mpf]
    iterations: int
    residual: mpmath.mpf
    losses: np.ndarray
    grad_sum: list[mpmath.mpf]
    q_plus_sum: list[mpmath.mpf]
    q_minus_sum: list[mpmath.mpf]
    status: Status
    message: str
    dps: int
    wall_time: float
    gain_by_steps: np.ndarray
    gain_abs: np.ndarray

    @property
    def success(self) -> bool:
        """The residual reached ``tol`` (``status == "success"``)."""
        return self.status == Status.SUCCESS

    @property
    def loss_increases(self) -> int:
        """Steps at which the loss went up (non-monotone, edge-of-stability behaviour)."""
        return int(np.sum(np.diff(self.losses) > 0))


def descent(X: Any, y: Any, *, alpha: Any, step: Any, model: str = "u*v", batch_size: int | None = None,
            seed: int = 0, max_iter: int = 100_000, tol: Any = None, dps: int = DEFAULT_DPS,
            max_time: float | None = None) -> DescentRun:
    """Run GD (``batch_size=None``) or SGD on a depth-2 diagonal network at ``dps`` digits.

    Parameters
    ----------
    X, y : array-like
        An underdetermined full-row-rank problem; ``L = ||X beta - y||^2 / (2n)``.
    alpha : number
        Initialization scale: ``u_0 = sqrt(2) alpha, v_0 = 0`` for ``"u*v"``, ``u_0 = v_0 = alpha`` for
        ``"u^2-v^2"`` (``ib.diagonal(2)``).
    step : number
        The stepsize ``gamma``.
    model : {"u*v", "u^2-v^2"}
    batch_size : int, optional
        SGD with this many rows drawn without replacement at each step (``numpy.random.default_rng(seed)``).
    max_iter, tol, max_time
        Stop after ``max_iter`` steps, when ``max |X beta - y| <= tol (1 + max |y|)`` (default ``10^-(dps/2)``),
        or after ``max_time`` seconds.

    Examples
    --------
    >>> run = descent([[1, 0.5]], [1], alpha=0.1, step=0.5, dps=30)
    >>> run.success, run.iterations, round(float(run.beta[0]), 6)
    (True, 17, 0.956586)
    """
    dps = check_dps(dps)
    a = check_alpha(alpha)
    Xm, ym, n, d = check_problem(X, y)
    if model not in MODELS:
        raise InputError(f"model={model!r}: choose one of {sorted(MODELS)}")
    gamma = mpmath.mpf(check_real(float(step), "step", "a stepsize > 0", positive=True)) \
        if not isinstance(step, mpmath.mpf) else step
    if gamma <= 0:
        raise InputError(f"step={step!r}: must be > 0")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", 1, "or None for full-batch GD")
        if batch_size > n:
            raise InputError(f"batch_size={batch_size}: at most n = {n} rows")
    max_iter = check_int(max_iter, "max_iter", 1, "the number of steps to run at most")
    factor, scale = MODELS[model]
    with mpmath.workdps(dps + GUARD_DIGITS), flint_bits(bits(dps + GUARD_DIGITS)):
        tol_ = mpmath.mpf(10) ** (-(dps // 2)) if tol is None else mpmath.mpf(tol)
        state = _State(Xm, ym, n, d, a, gamma * factor, model, batch_size, seed)
        status, message = state.run(max_iter, tol_, max_time)
        return state.result(model, gamma, batch_size, a, a * mpmath.sqrt(scale), status, message, dps)


class _State:
    """The iterates in flint arb arithmetic, kept as midpoints: the balls are not error bounds here (balls through
    a matrix product widen by about ``||X||^2`` per step, the dependency problem), only fast arbitrary-precision
    numbers; the tests compare two precisions instead.

    The update acts multiplicatively on two coordinates per entry, ``(p, m) <- ((1 - x) p, (1 + x) m)``: ``p, m``
    are ``u + v, u - v`` for ``u v`` (``beta = (p^2 - m^2) / 4``) and ``u, v`` themselves for ``u^2 - v^2``
    (``beta = p^2 - m^2``). This is plain GD on ``u, v`` written in the basis where it is diagonal, and it makes
    ``prod (1 -+ x_l)^2 = (p / p_0)^2, (m / m_0)^2`` free: no logarithm per step.
    """

    def __init__(self, Xm: list[list[mpmath.mpf]], ym: list[mpmath.mpf], n: int, d: int, alpha: mpmath.mpf,
                 gx: mpmath.mpf, model: str, batch_size: int | None, seed: int) -> None:
        self.n, self.d, self.model, self.batch = n, d, model, batch_size
        self.X = flint.arb_mat(n, d, [to_arb(v) for row in Xm for v in row])
        self.XT = self.X.transpose()
        self.cols = [flint.arb_mat(d, 1, [self.X[i, j] for j in range(d)]) for i in range(n)]
        self.y = flint.arb_mat(n, 1, [to_arb(v) for v in ym])
        self.ymax = max(abs(float(v)) for v in ym)
        self.gx = to_arb(gx)
        # u v from (sqrt(2) alpha, 0): p = u + v = m = u - v = sqrt(2) alpha; u^2 - v^2 from (alpha, alpha)
        p0 = to_arb(mpmath.sqrt(2) * alpha if model == "u*v" else alpha)
        self.p0 = p0
        self.p, self.m = [p0] * d, [p0] * d
        self.quarter = flint.arb(1) / 4 if model == "u*v" else flint.arb(1)
        self.G = flint.arb_mat(d, 1, [0] * d)
        self.gain64, self.abs64 = np.zeros(d), np.zeros(d)
        self.rng = np.random.default_rng(seed)
        self.losses: list[float] = []
        self.iterations = 0
        self.start = time.perf_counter()

    def beta(self) -> list[flint.arb]:
        return [(a * a - b * b) * self.quarter for a, b in zip(self.p, self.m, strict=True)]

    def step(self, r: flint.arb_mat) -> None:
        if self.batch is None:
            x = (self.XT * r).mid() * (self.gx / self.n)
        else:
            rows = self.rng.choice(self.n, size=self.batch, replace=False)
            x = self.cols[int(rows[0])] * r[int(rows[0]), 0]
            for i in rows[1:]:
                x += self.cols[int(i)] * r[int(i), 0]
            x = x.mid() * (self.gx / self.batch)
        x = x.mid()
        self.G += x
        one = flint.arb(1)
        xs = x.entries()
        x64 = np.array([float(v) for v in xs])
        with np.errstate(divide="ignore"):
            q = -np.log((1 - x64**2) ** 2) / 2
        self.gain64 += q
        self.abs64 += np.abs(q)
        self.p = [a * (one - v) for a, v in zip(self.p, xs, strict=True)]
        self.m = [b * (one + v) for b, v in zip(self.m, xs, strict=True)]
        self.iterations += 1
        if self.iterations % RECENTRE == 0:
            self.p = [v.mid() for v in self.p]
            self.m = [v.mid() for v in self.m]

    def run(self, max_iter: int, tol: mpmath.mpf, max_time: float | None) -> tuple[Status, str]:
        level = float(tol) * (1 + self.ymax)
        for _ in range(max_iter):
            r = self.X * flint.arb_mat(self.d, 1, self.beta()) - self.y
            res = [float(v) for v in r.mid().entries()]
            loss = sum(v * v for v in res) / (2 * self.n)
            self.losses.append(loss)
            if not math.isfinite(loss) or loss > DIVERGED * (1 + self.losses[0]):
                return Status.FAILED, f"diverged at step {self.iterations} (loss {loss:.3g})"
            if max(abs(v) for v in res) <= level:
                return Status.SUCCESS, f"residual {max(abs(v) for v in res):.3g} after {self.iterations} steps"
            if max_time is not None and time.perf_counter() - self.start > max_time:
                return Status.MAX_TIME, f"max_time={max_time} s spent after {self.iterations} steps"
            self.step(r)
        return Status.MAX_ITER, f"max_iter={max_iter} steps without reaching the tolerance (loss {loss:.3g})"

    def result(self, model: str, gamma: mpmath.mpf, batch: int | None, alpha: mpmath.mpf, alpha_uv: mpmath.mpf,
               status: Status, message: str, dps: int) -> DescentRun:
        mp = to_mpf
        beta = self.beta()
        r = self.X * flint.arb_mat(self.d, 1, beta) - self.y
        residual = max(abs(mp(v)) for v in r.entries())
        p0 = mp(self.p0)
        P, M = [mp(v) for v in self.p], [mp(v) for v in self.m]
        if any(v == 0 for v in P + M):
            status, message = Status.FAILED, "a step had gamma * g = +-1 exactly: the parametrization collapsed there"
        G = [mp(v) for v in self.G.entries()]
        # q_+(x) = -2x - log((1 - x)^2), q_-(x) = 2x - log((1 + x)^2), summed: prod (1 -+ x)^2 = (P / p0)^2, (M / p0)^2
        Sp = [-2 * g - 2 * mpmath.log(abs(a / p0)) if a != 0 else mpmath.inf for g, a in zip(G, P, strict=True)]
        Sm = [2 * g - 2 * mpmath.log(abs(b / p0)) if b != 0 else mpmath.inf for g, b in zip(G, M, strict=True)]
        if model == "u*v":
            u, v = [(a + b) / 2 for a, b in zip(P, M, strict=True)], [(a - b) / 2 for a, b in zip(P, M, strict=True)]
        else:
            u, v = P, M
        return DescentRun(model, gamma, batch, alpha, alpha_uv, u, v, [mp(b) for b in beta], self.iterations,
                          residual, np.array(self.losses), G, Sp, Sm, status, message, dps,
                          time.perf_counter() - self.start, self.gain64, self.abs64)


@dataclass(frozen=True)
class EffectiveInitialization:
    """What a run's trajectory makes of the initialization (``u v`` normalization, per coordinate).

    ``alpha_inf``: ``alpha_infinity``; ``tilt``: ``c = log(alpha_+ / alpha_-) / 2``; ``beta0``:
    ``tilde beta_0 = alpha_inf^2 sinh(2 c) = (alpha_+^2 - alpha_-^2) / 2``; ``gain``:
    ``log(alpha^2 / alpha_inf^2) = sum_l q(x_l)``.
    """

    alpha_inf: list[mpmath.mpf]
    tilt: list[mpmath.mpf]
    beta0: list[mpmath.mpf]
    gain: list[mpmath.mpf]


def effective_initialization(run: DescentRun) -> EffectiveInitialization:
    """``alpha_infinity``, the tilt and ``tilde beta_0`` of Even et al. (2023) from a run's sums of ``q_+-``.

    Examples
    --------
    >>> run = descent([[1, 0.5]], [1], alpha=0.1, step=0.5, dps=30)
    >>> eff = effective_initialization(run)
    >>> [round(float(a), 6) for a in eff.alpha_inf], [round(float(g), 4) for g in eff.gain]
    ([0.046811, 0.084073], [1.5181, 0.347])
    """
    with mpmath.workdps(run.dps + GUARD_DIGITS):
        log_a2 = 2 * mpmath.log(run.alpha_uv)
        lp = [log_a2 - s for s in run.q_plus_sum]
        lm = [log_a2 - s for s in run.q_minus_sum]
        alpha_inf = [mpmath.exp((p + m) / 4) for p, m in zip(lp, lm, strict=True)]
        tilt = [(p - m) / 4 for p, m in zip(lp, lm, strict=True)]
        beta0 = [(mpmath.exp(p) - mpmath.exp(m)) / 2 for p, m in zip(lp, lm, strict=True)]
        gain = [(sp + sm) / 2 for sp, sm in zip(run.q_plus_sum, run.q_minus_sum, strict=True)]
        return EffectiveInitialization([+v for v in alpha_inf], [+v for v in tilt], [+v for v in beta0],
                                       [+v for v in gain])


@cache
def tilted_model() -> Any:
    """``beta = u v`` from ``u_0 = sqrt(2) alpha cosh(c)``, ``v_0 = sqrt(2) alpha sinh(c)``, and its regularizer
    as derived by the engine (``grad Q = asinh(beta / alpha^2) / 2 - c``): the hypentropy at ``alpha`` measured
    as a Bregman divergence from ``alpha^2 sinh(2c)``."""
    from ..derive import derive
    from ..parametrizations import Parametrization

    # sqrt(2) alpha (cosh c, sinh c), written through exp(+-c) so that u0 +- v0 = sqrt(2) alpha e^{+-c} collect
    p = Parametrization.from_expr("u*v", ["u", "v"], {"u": "alpha*(exp(c) + exp(-c))/sqrt(2)",
                                                      "v": "alpha*(exp(c) - exp(-c))/sqrt(2)"},
                                  symbols={"c": "real"}, name="u v, tilted start")
    return derive(p)


@cache
def _tilted_numeric(dps: int) -> Any:
    return tilted_model().to_numeric(dps=dps)


def implicit_solution(run: DescentRun, X: Any, *, labels: Any = None, tilted: bool = True,
                      alpha: Any = None, dps: int | None = None) -> Any:
    """``argmin Q(beta) s.t. X beta = labels`` for the run's effective initialization, by the reference solver.

    ``Q`` is the engine's regularizer of :func:`tilted_model` at ``alpha_inf_i`` and tilt ``c_i`` per coordinate
    (``tilted=False``: ``c = 0``, the plain hypentropy at ``alpha_infinity``). ``alpha`` replaces every
    ``alpha_inf_i`` (``alpha=run.alpha_uv, tilted=False`` is gradient flow's limit). ``labels`` default to the
    run's own ``X beta`` (the exact identity at a finite step); pass ``y`` for the limit.

    Returns
    -------
    ReferenceSolution
    """
    from ..reference import argmin_Q

    dps = run.dps if dps is None else check_dps(dps)
    eff = effective_initialization(run)
    f = _tilted_numeric(dps)
    with mpmath.workdps(dps + GUARD_DIGITS):
        Xm, _y, n, d = check_problem(X, [0] * len(X))
        if labels is None:
            labels = [mpmath.fsum(Xm[i][j] * run.beta[j] for j in range(d)) for i in range(n)]
        scales = eff.alpha_inf if alpha is None else [check_alpha(alpha)] * d
        tilts = eff.tilt if tilted else [mpmath.mpf(0)] * d
        maps = [f.coordinate(alpha=a, c=c) for a, c in zip(scales, tilts, strict=True)]
        return argmin_Q(maps, Xm, labels, dps=dps)
