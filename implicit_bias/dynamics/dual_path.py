r"""Dense output of gradient flow in the dual coordinate, for models whose dual map is a sum of exponentials.

For a separable parametrization ``beta_i = phi(w_i)``, gradient flow of ``L(beta) = ||X beta - y||^2 / (2n)``
keeps every ``w_i`` on the integral curve of ``eta grad phi`` through ``w0`` (``ib.derive``'s curve), so
``beta_i(T) = b(sigma_i(T))`` with ``sigma(T) = -int_0^T grad L(beta)`` and ``b`` the derived dual map:

.. math:: \sigma' = -\tfrac1n X^\top (X b(\sigma) - y), \qquad \sigma(0) = 0.

This is the same flow as :func:`implicit_bias.flow.gradient_flow` (which integrates the parameters ``w``), in
``d`` unknowns that stay of size ``log(1/alpha)``: at ``alpha = e^-3000`` a coordinate of ``beta`` ranges over
6000 orders of magnitude while its ``sigma_i`` moves by ``O(1)`` amounts. For depth 2 the derived map is a sum
``sum_m c_m alpha^{e_m} exp(a_m sigma)`` (``2 alpha^2 sinh(4 sigma)`` for ``ib.diagonal(2)``); evaluating each
term as ``exp(a_m sigma + e_m log(alpha))`` keeps it in float64 range for any ``alpha``. The plateaus of the
saddle-to-saddle dynamics make the system stiff (active coordinates relax at rates ``O(1)`` for times
``O(log(1/alpha))``), so it is integrated by scipy's Radau method with the exact Jacobian
``-X^T X diag(b'(sigma)) / n``, and loss levels are located as events of its dense output.

Accuracy is float64's: ``sigma`` to about ``1e-13`` relative, ``beta`` to about ``1e-10`` relative; what it is
for is *where in time* things happen. The values themselves at high precision come from ``gradient_flow``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from .._validation import check_alpha, check_constants, check_problem, check_real
from ..derive import SIGMA, derive
from ..errors import InputError
from ..parametrizations import Parametrization
from ..results import Status

__all__ = ["DualPath", "dual_path", "exponential_terms"]

_LOG_ALPHA = sp.Symbol("log_alpha", real=True)
#: Largest exponent evaluated (float64 overflows at ~709).
_EXP_CAP = 700.0


def exponential_terms(p: Parametrization, constants: dict[str, Any] | None = None
                      ) -> list[tuple[float, float, float]]:
    """The derived dual map of ``p`` as terms ``(c, a, e)``: ``b(sigma) = sum c exp(a sigma + e log(alpha))``.

    Raises :class:`~implicit_bias.errors.InputError` when ``b`` is not such a sum (depth >= 3: ``b`` has poles).

    >>> import implicit_bias as ib
    >>> sorted(exponential_terms(ib.diagonal(2)))
    [(-1.0, -4.0, 2.0), (1.0, 4.0, 2.0)]
    """
    reg = derive(p)
    values = check_constants([s.name for s in reg.constants if s != p.alpha], constants)
    b = reg.curve.b.subs({s: sp.Float(str(values[s.name]), 30) for s in reg.constants if s != p.alpha})
    b = sp.expand(b.rewrite(sp.exp).subs(p.alpha, sp.exp(_LOG_ALPHA)))
    terms = []
    for term in sp.Add.make_args(sp.powsimp(b, combine="exp")):
        coef, rest = term.as_independent(SIGMA, _LOG_ALPHA, as_Add=False)
        arg = sp.expand(rest.args[0]) if isinstance(rest, sp.exp) else sp.Integer(0) if rest == 1 else sp.nan
        a, e = arg.coeff(SIGMA), arg.coeff(_LOG_ALPHA)
        shift = sp.expand(arg - a * SIGMA - e * _LOG_ALPHA)
        if arg is sp.nan or not (a.is_number and e.is_number and shift.is_number and coef.is_number):
            raise InputError(f"p={p.name!r}: its dual map b(sigma) = {reg.curve.b} is not a sum of exponentials "
                             "in sigma; dual_path handles depth-2 models (e.g. ib.diagonal(2))")
        terms.append((float(coef * sp.exp(shift)), float(a), float(e)))
    return terms


@dataclass(frozen=True)
class DualPath:
    """A dense gradient-flow path from :func:`dual_path`.

    ``crossings[j]`` lists the times at which the loss crosses ``levels[j]``. ``beta(T)`` and ``loss(T)``
    evaluate the dense output at any ``T`` in ``[0, t_end]`` (float64).
    """

    t: np.ndarray
    sigma: np.ndarray
    levels: list[float]
    crossings: list[list[float]]
    status: Status
    message: str
    _dense: Any
    _beta: Callable[[np.ndarray], np.ndarray]
    _loss: Callable[[np.ndarray], float]

    @property
    def success(self) -> bool:
        """Integrated to ``t_end`` (``status == "success"``)."""
        return self.status == Status.SUCCESS

    def beta(self, T: float) -> np.ndarray:
        """``beta`` at time ``T``."""
        return self._beta(self._dense(T))

    def loss(self, T: float) -> float:
        """The loss at time ``T``."""
        return self._loss(self._dense(T))


def dual_path(p: Parametrization, X: Any, y: Any, *, alpha: Any, t_end: Any, levels: Sequence[float] = (),
              constants: dict[str, Any] | None = None, rtol: float = 1e-10, max_step: float | None = None
              ) -> DualPath:
    """Gradient flow of ``p`` on ``X beta = y`` from ``alpha`` to time ``t_end``, densely, in the dual coordinate.

    Parameters
    ----------
    p : Parametrization
        A model whose derived dual map is a sum of exponentials in ``sigma`` (depth 2).
    X, y : array-like
        An underdetermined full-row-rank problem.
    alpha : number
        Any positive number (``mpmath.exp(-3000)`` is fine: only ``log(alpha)`` enters).
    t_end : number
        Time to integrate to (``ib.flow.gradient_flow``'s time).
    levels : sequence of float
        Loss values whose crossing times are wanted.
    rtol : float
        Radau's relative and absolute tolerance on ``sigma`` (much below ~1e-11 the float64 roundoff of the
        right-hand side, ``sigma ~ log(1/alpha)`` against ``O(1)`` changes, can stall it once the flow has converged).
    max_step : float, optional
        Longest step (default: no limit; Radau's error control finds the transitions between plateaus).

    Examples
    --------
    >>> import implicit_bias as ib
    >>> path = dual_path(ib.diagonal(2), [[1, 0.5]], [1], alpha=1e-3, t_end=40, levels=[0.25])
    >>> path.success, round(float(path.beta(40)[0]), 6), len(path.crossings[0])
    (True, 0.9995, 1)
    """
    a = check_alpha(alpha)
    Xm, ym, n, d = check_problem(X, y)
    t_end = check_real(float(t_end), "t_end", "the time to integrate to, > 0", positive=True)
    rtol = check_real(rtol, "rtol", "a relative tolerance such as 1e-12", positive=True)
    step = np.inf if max_step is None else check_real(max_step, "max_step", "a time step > 0", positive=True)
    levels = [check_real(float(v), f"levels[{i}]", "a loss value") for i, v in enumerate(levels)]
    terms = exponential_terms(p, constants)
    log_a = float(mpmath.log(a))
    Xf = np.array([[float(v) for v in row] for row in Xm])
    yf = np.array([float(v) for v in ym])
    G, c = Xf.T @ Xf / n, Xf.T @ yf / n
    coef = np.array([t[0] for t in terms])[:, None]
    rate = np.array([t[1] for t in terms])[:, None]
    shift = np.array([t[2] * log_a for t in terms])[:, None]

    def growth(sig: np.ndarray) -> np.ndarray:
        # a rejected trial step may put sigma far out; capping the exponent keeps float64 finite there
        return np.exp(np.minimum(rate * sig[None, :] + shift, _EXP_CAP))

    def beta_of(sig: np.ndarray) -> np.ndarray:
        return np.sum(coef * growth(sig), axis=0)

    def loss_of(sig: np.ndarray) -> float:
        r = Xf @ beta_of(sig) - yf
        return float(r @ r) / (2 * n)

    def rhs(_t: float, sig: np.ndarray) -> np.ndarray:
        return c - G @ beta_of(sig)

    def jac(_t: float, sig: np.ndarray) -> np.ndarray:
        db = np.sum(coef * rate * growth(sig), axis=0)
        return -G * db[None, :]

    events = [_level_event(loss_of, v) for v in levels]
    with np.errstate(over="ignore", invalid="ignore"):  # only rejected trial steps reach the cap
        sol = solve_ivp(rhs, (0.0, t_end), np.zeros(d), method="Radau", jac=jac, rtol=rtol, atol=rtol,
                        dense_output=True, events=events or None, max_step=step)
    capped = bool(np.any(rate * sol.y.max(axis=1)[None, :] + shift >= _EXP_CAP)) or bool(
        np.any(rate * sol.y.min(axis=1)[None, :] + shift >= _EXP_CAP))
    status = Status.SUCCESS if sol.status == 0 and not capped else Status.FAILED
    message = sol.message if not capped else "beta left float64's range on an accepted step (the flow diverges)"
    crossings = [[float(v) for v in ev] for ev in sol.t_events] if events else []
    return DualPath(sol.t, sol.y, levels, crossings, status, message, sol.sol, beta_of, loss_of)


def _level_event(loss_of: Callable[[np.ndarray], float], level: float) -> Callable[[float, np.ndarray], float]:
    def event(_t: float, sig: np.ndarray) -> float:
        return loss_of(sig) - level

    return event
