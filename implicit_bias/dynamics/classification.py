r"""Gradient flow of a depth-``D`` diagonal network on separable data with the exponential loss, to training losses
``epsilon`` far below ``1e-100`` (Moroshko, Woodworth, Gunasekar, Lee, Srebro & Soudry 2020, "Implicit Bias in
Deep Linear Classification: Initialization Scale vs Training Accuracy", NeurIPS).

Model: ``beta = w_+^D - w_-^D`` (``ib.diagonal(D)``), ``w_+(0) = w_-(0) = alpha``; data folded with the labels,
``tilde x_n = y_n x_n``, margins ``m = tilde X beta``, loss ``L = sum_n exp(-m_n)``; gradient flow
``w' = -grad_w L`` of the original parameters, stopped when ``L = epsilon``, i.e. ``Lambda := log(1/L)`` reaches
``log(1/epsilon)``.

Three choices make ``log(1/epsilon) = 10^6`` (``epsilon ~ 10^-434294``) a matter of seconds:

- **log coordinates** ``l_+- = log w_+-``: both stay positive, and ``l' = +-D (tilde X^T r) w^{D-2}``;
- **the time change** ``d tau = L dt``: in ``tau`` the sample weights are the softmax ``p = r / L`` of the
  negative margins, bounded, and ``Lambda`` grows exponentially in ``tau`` (``tau ~ 8`` for ``Lambda = 10^6``, D=2);
- **``Lambda`` as a state variable** (``Lambda' = p . m'``), so that ``p_n = exp(Lambda - m_n) / sum_k
  exp(Lambda - m_k)`` has exponents ``<= O(1)``: float64 never over- or underflows however small ``epsilon`` is.
  The stopping event uses the exact ``log(1/L) = Lambda - log sum_k exp(Lambda - m_k)``.

The total sample weights ``nu(t) = int_0^t r`` (``nu' = p`` in ``tau``) are carried along: gradient flow keeps every
coordinate on the engine's curve, ``beta = b(tilde X^T nu)`` with ``b`` the dual map derived for
``ib.diagonal(D)`` -- the same ``b`` as in regression (``tests`` check it). The late phase is stiff (margin
differences relax at rates ``~ Lambda`` while the direction drifts like ``1 / log Lambda``), so an explicit Taylor
method needs about ``Lambda / 8`` steps: 300,000 for ``Lambda = 10^6``, two seconds in float64. ``dps=k`` runs
the same system in MPFR arithmetic (heyoka ``real``; about 100x slower per step), to check the float64 runs.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import heyoka as hy
import mpmath
import numpy as np
from scipy.optimize import linprog

from .._precision import GUARD_DIGITS, bits
from .._validation import check_alpha, check_dps, check_int, check_real
from ..errors import InputError
from ..results import Status

__all__ = ["MarginFlow", "MarginState", "exponential_flow", "folded"]


def folded(X: Any, y: Any) -> np.ndarray:
    """``tilde X = diag(y) X`` for labels ``y`` in ``{-1, +1}``; InputError unless the data are linearly separable."""
    Xf = np.asarray(X, dtype=float)
    yf = np.asarray(y, dtype=float).ravel()
    if Xf.ndim != 2 or Xf.size == 0:
        raise InputError(f"X has shape {Xf.shape}: expected a non-empty 2-D array (n samples x d features)")
    if yf.shape[0] != Xf.shape[0]:
        raise InputError(f"y has {yf.shape[0]} entries but X has {Xf.shape[0]} rows; give one label per row")
    if not (np.all(np.isfinite(Xf)) and np.all(np.isin(yf, (-1.0, 1.0)))):
        raise InputError("X must be finite and y must hold labels -1 or +1")
    Xt = Xf * yf[:, None]
    n, d = Xt.shape
    # separable iff some beta has all margins >= 1: an LP feasibility problem
    lp = linprog(np.zeros(d), A_ub=-Xt, b_ub=-np.ones(n), bounds=(None, None), method="highs")
    if lp.status != 0:
        raise InputError(f"the data (n = {n}, d = {d}) are not linearly separable through the origin: no beta "
                         "gives every sample a positive margin, so the exponential loss has no zero infimum direction")
    return Xt


@dataclass(frozen=True)
class MarginState:
    """The flow when ``log(1/L)`` first reaches ``log_inv_eps``: ``beta``, the margins ``tilde X beta``, the total
    sample weights ``nu = int r dt``, the parameters ``l_+- = log w_+-``, the reparametrized time ``tau``."""

    log_inv_eps: float
    beta: np.ndarray
    margins: np.ndarray
    nu: np.ndarray
    log_w_plus: np.ndarray
    log_w_minus: np.ndarray
    tau: float
    steps: int

    @property
    def direction(self) -> np.ndarray:
        """``beta / ||beta||_2``."""
        return self.beta / np.linalg.norm(self.beta)


@dataclass(frozen=True)
class MarginFlow:
    """The states of :func:`exponential_flow` at each requested ``log(1/epsilon)``; ``status`` ``"success"``
    (all reached), ``"max_iter"`` (``max_steps`` spent) or ``"failed"``."""

    depth: int
    alpha: float
    states: list[MarginState]
    status: Status
    message: str
    wall_time: float
    dps: int | None

    @property
    def success(self) -> bool:
        return self.status == Status.SUCCESS


def exponential_flow(X: Any, y: Any, *, depth: int = 2, alpha: Any, log_inv_eps: Sequence[float],
                     dps: int | None = None, max_steps: int = 50_000_000) -> MarginFlow:
    """Integrate gradient flow of ``ib.diagonal(depth)`` on the exponential loss until ``log(1/L)`` passes each
    of ``log_inv_eps`` (increasing).

    Parameters
    ----------
    X, y : array-like
        Samples (``n x d``) and labels in ``{-1, +1}``; the data must be linearly separable.
    depth : int
        ``D >= 2``.
    alpha : number
        Initialization scale (``w_+- = alpha``).
    log_inv_eps : sequence of float
        Targets ``log(1/epsilon)`` for ``L = sum_n exp(-m_n)``, each above ``-log(n)`` (the loss at ``beta = 0``).
    dps : int, optional
        MPFR digits (heyoka ``real``); default float64, which the ``Lambda``-shifted softmax keeps in range.
    max_steps : int
        Taylor steps in all before giving up (status ``"max_iter"``).

    Examples
    --------
    >>> run = exponential_flow([[1, 0.5], [0.5, -1]], [1, -1], alpha=1.0, log_inv_eps=[100])
    >>> st = run.states[0]
    >>> run.success, round(float(st.margins.min()), 3), np.round(st.direction, 4).tolist()
    (True, 100.28, [0.3109, 0.9504])
    """
    D = check_int(depth, "depth", 2, "the depth of the diagonal network")
    a = float(check_alpha(alpha))
    Xt = folded(X, y)
    n, d = Xt.shape
    targets = [check_real(float(v), f"log_inv_eps[{i}]", "a value of log(1/epsilon)") for i, v in
               enumerate(log_inv_eps)]
    if not targets or any(b <= c for c, b in itertools.pairwise(targets)) or targets[0] <= -np.log(n):
        raise InputError(f"log_inv_eps={list(log_inv_eps)!r}: give increasing values above -log(n) = "
                         f"{-np.log(n):.3g} (the loss at initialization is n)")
    dps = None if dps is None else check_dps(dps)
    max_steps = check_int(max_steps, "max_steps", 1, "Taylor steps before giving up")
    start = time.perf_counter()
    ta = _integrator(Xt.tobytes(), n, d, D, dps)
    num = _number(dps)
    ta.time = num(0)
    ta.state[:] = [num(np.log(a))] * (2 * d) + [num(0)] * n + [num(-np.log(n))]
    ta.reset_cooldowns()
    states, steps = [], 0
    status, message = Status.SUCCESS, f"reached log(1/epsilon) = {targets[-1]:g}"
    for target in targets:
        ta.pars[0] = num(target)
        out = ta.propagate_until(num(1e300), max_steps=max(1, max_steps - steps))
        steps += int(out[3])
        if out[0] != hy.taylor_outcome(-1):  # the one terminal event: the target was reached
            status = Status.MAX_ITER if out[0] == hy.taylor_outcome.step_limit else Status.FAILED
            message = f"stopped before log(1/epsilon) = {target:g}: {out[0]} after {steps} steps"
            break
        states.append(_state(ta, Xt, D, target, steps))
    return MarginFlow(D, a, states, status, message, time.perf_counter() - start, dps)


def _number(dps: int | None) -> Any:
    if dps is None:
        return float
    prec = bits(dps + GUARD_DIGITS)
    return lambda v: hy.real(repr(float(v)) if not isinstance(v, str) else v, prec)


def _state(ta: Any, Xt: np.ndarray, D: int, target: float, steps: int) -> MarginState:
    n, d = Xt.shape
    st = [mpmath.mpf(str(v)) for v in ta.state] if not isinstance(ta.state[0], float) else list(ta.state)
    lp = np.array([float(v) for v in st[:d]])
    lm = np.array([float(v) for v in st[d:2 * d]])
    with mpmath.workdps(40):
        beta_mp = [mpmath.exp(D * mpmath.mpf(st[i])) - mpmath.exp(D * mpmath.mpf(st[d + i])) for i in range(d)]
    beta = np.array([float(b) for b in beta_mp])
    nu = np.array([float(v) for v in st[2 * d:2 * d + n]])
    return MarginState(target, beta, Xt @ beta, nu, lp, lm, float(ta.time), steps)


@cache
def _integrator(key: bytes, n: int, d: int, D: int, dps: int | None) -> Any:
    """The compiled Taylor integrator for one data set and depth (reused for every alpha and target)."""
    Xt = np.frombuffer(key, dtype=float).reshape(n, d)
    num = _number(dps)

    def c_(v: float) -> Any:
        return hy.expression(num(v))

    lp = [hy.make_vars(f"lp{i}") for i in range(d)]
    lm = [hy.make_vars(f"lm{i}") for i in range(d)]
    nu = [hy.make_vars(f"nu{k}") for k in range(n)]
    lam = hy.make_vars("lam")
    wp = [hy.exp(c_(D) * v) for v in lp]
    wm = [hy.exp(c_(D) * v) for v in lm]
    beta = [p - m for p, m in zip(wp, wm, strict=True)]
    margin = [hy.sum([c_(Xt[k, i]) * beta[i] for i in range(d) if Xt[k, i] != 0]) for k in range(n)]
    e = [hy.exp(lam - m) for m in margin]
    total = hy.sum(e)
    p = [v / total for v in e]
    c = [hy.sum([c_(Xt[k, i]) * p[k] for k in range(n) if Xt[k, i] != 0]) for i in range(d)]
    grow_p = [c_(D) * c[i] * (hy.exp(c_(D - 2) * lp[i]) if D > 2 else c_(1)) for i in range(d)]
    grow_m = [-c_(D) * c[i] * (hy.exp(c_(D - 2) * lm[i]) if D > 2 else c_(1)) for i in range(d)]
    dbeta = [c_(D) * (wp[i] * grow_p[i] - wm[i] * grow_m[i]) for i in range(d)]
    dm = [hy.sum([c_(Xt[k, i]) * dbeta[i] for i in range(d) if Xt[k, i] != 0]) for k in range(n)]
    system = ([(lp[i], grow_p[i]) for i in range(d)] + [(lm[i], grow_m[i]) for i in range(d)]
              + [(nu[k], p[k]) for k in range(n)] + [(lam, hy.sum([p[k] * dm[k] for k in range(n)]))])
    log_inv_loss = lam - hy.log(total)
    kw: dict[str, Any] = {} if dps is None else {"fp_type": hy.real, "prec": bits(dps + GUARD_DIGITS)}
    event = hy.t_event(log_inv_loss - hy.par[0], **({} if dps is None else {"fp_type": hy.real}))
    init = [num(0)] * (2 * d + n + 1)
    return hy.taylor_adaptive(system, init, t_events=[event], pars=[num(0)], compact_mode=dps is not None, **kw)
