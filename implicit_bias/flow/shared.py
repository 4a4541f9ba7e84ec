"""Gradient flow of a vector model's ORIGINAL shared parameters, at arbitrary precision.

``w' = -eta * J(w)^T X^T (X G(w) - y) / n`` for a :class:`~implicit_bias.parametrizations.shared.SharedParametrization`
(``L = ||X G(w) - y||^2 / (2n)``, the normalization of :func:`~implicit_bias.flow.gradient_flow`), integrated by
heyoka's Taylor method in MPFR arithmetic (``heyoka.real``).

Coordinates. A parameter whose velocity is a multiple of itself (``eta_k dG_i/dw_k / w_k`` has no pole at
``w_k = 0`` for every output) keeps its sign and is integrated as ``log|w_k|``: tiny parameters then keep their
relative accuracy, and a plateau is a straight line. Every other parameter (``a`` of the single neuron, which
may cross zero; the mixed coordinates of ``2 u1 u2 - 2 v1 v2``) is integrated as ``w_k = c z_k`` with one common
scale ``c = max |w0|``: heyoka's error control is absolute below norm 1 and relative above, so the state starts
at norm ~1 whatever ``alpha`` is, and errors stay relative to the largest parameter.

Stopping. Once the loss is below ``tail_loss`` (relative), a commuting model jumps to its limit along its composed
flows (:class:`~implicit_bias.flow.composed_tail.ComposedTail`; exact, engine-free); a non-commuting one is
integrated on until the residual is at the working precision, and its ``certificate`` estimates the motion left
(``|beta'| / rate``, the rate measured from the loss's decay). With ``times=...`` the flow is recorded at those
times instead and stops at the last (no limit sought; any ``X``, e.g. whitened square data).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import heyoka as hy
import mpmath
import numpy as np
import sympy as sp

from .._precision import DEFAULT_DPS, GUARD_DIGITS, bits
from .._progress import progress_bar
from .._validation import check_alpha, check_constants, check_dps, check_problem, check_real
from ..errors import InputError
from ..parametrizations.shared import SharedParametrization
from ..results import Status
from ._heyoka import to_heyoka
from .system import initial_value

__all__ = ["SharedFlowSolution", "shared_flow"]

#: Above the visibility level, one step may grow a log-coordinate by at most this much (a factor e^4).
STEP_GROWTH = 4.0


@dataclass(frozen=True)
class SharedFlowSolution:
    """The state reached by :func:`shared_flow`.

    ``status`` (:class:`~implicit_bias.results.Status`): ``"success"`` (the limit, or the last of ``times``),
    ``"max_time"``, ``"interrupted"`` or ``"failed"``. ``certificate`` estimates ``|beta - beta(infinity)|``;
    ``trajectory`` holds ``(t, w, beta)`` at the requested ``times``.
    """

    beta: list[mpmath.mpf]
    w: list[mpmath.mpf]
    loss: mpmath.mpf
    t_final: mpmath.mpf
    steps: int
    wall_time: float
    status: Status
    message: str
    certificate: mpmath.mpf
    tail_jump: mpmath.mpf
    trajectory: list[tuple[mpmath.mpf, list[mpmath.mpf], list[mpmath.mpf]]] = field(default_factory=list)

    @property
    def success(self) -> bool:
        """The flow reached its limit (or the last requested time)."""
        return self.status == Status.SUCCESS


def initial_values(p: SharedParametrization, subs: dict[sp.Symbol, Any], dps: int) -> list[mpmath.mpf]:
    """``w0`` to ``dps`` correct digits: SymPy's ``evalf`` raises its own precision where the formula cancels
    (the neuron's ``(sqrt(delta^2 + 4 alpha^2) - delta) / 2`` at tiny ``alpha``)."""
    return [initial_value(e, subs, dps, what=f"init[{w}] =") for w, e in zip(p.params, p.init, strict=True)]


def _problem(X: Any, y: Any, any_shape: bool) -> tuple[list[list[mpmath.mpf]], list[mpmath.mpf], int, int]:
    if not any_shape:
        return check_problem(X, y)
    Xa = np.array(X, dtype=object)
    if Xa.ndim != 2:
        raise InputError(f"X: expected a 2-D array (n samples x d features), got {Xa.ndim} dimensions")
    Xm = [[v if isinstance(v, mpmath.mpf) else mpmath.mpf(v) for v in row] for row in Xa]
    ym = [v if isinstance(v, mpmath.mpf) else mpmath.mpf(v) for v in np.array(y, dtype=object).ravel()]
    if len(ym) != len(Xm) or not all(mpmath.isfinite(v) for v in [*ym, *(x for r in Xm for x in r)]):
        raise InputError(f"X, y: shapes {Xa.shape} and {len(ym)} do not match or hold non-finite values")
    return Xm, ym, len(Xm), len(Xm[0])


class _System:
    """The heyoka integrator of the flow in its coordinates, and the maps between its state and ``w``."""

    def __init__(self, p: SharedParametrization, subs: dict[sp.Symbol, Any], w0: list[mpmath.mpf],
                 Xm: list[list[mpmath.mpf]], ym: list[mpmath.mpf], prec: int) -> None:
        n, d, D = len(Xm), p.d, p.D
        digits = int(prec / math.log2(10)) + 5
        self.p, self.prec, self.n = p, prec, n
        num = {s: sp.Float(mpmath.nstr(v, digits), digits) for s, v in subs.items()}
        J = p.jacobian.subs(num)
        rates = [[sp.cancel(e.subs(num) * J[i, k] / w) for i in range(d)] for k, (w, e) in
                 enumerate(zip(p.params, p.lr, strict=True))]
        self.log = [w0[k] != 0 and not any(sp.fraction(r)[1].has(w) for r in rates[k])
                    for k, w in enumerate(p.params)]
        self.sign = [mpmath.sign(v) if lg else 1 for v, lg in zip(w0, self.log, strict=True)]
        plain = [abs(v) for v, lg in zip(w0, self.log, strict=True) if not lg]
        self.scale = max(plain) if plain and max(plain) > 0 else mpmath.mpf(1)
        zs = list(hy.make_vars(*[f"z{k}" for k in range(D)]))
        c = hy.expression(hy.real(mpmath.nstr(self.scale, digits), prec))
        names = {w: (float(self.sign[k]) * hy.exp(zs[k]) if self.log[k] else c * zs[k])
                 for k, w in enumerate(p.params)}
        G = [to_heyoka(g.subs(num), names, prec) for g in p.exprs]
        res = [hy.sum([hy.par[m * d + i] * G[i] for i in range(d)]) - hy.par[n * d + m] for m in range(n)]
        inv_n = hy.expression(hy.real(str(mpmath.mpf(1) / n), prec))
        grad = [hy.sum([hy.par[m * d + i] * res[m] for m in range(n)]) * inv_n for i in range(d)]
        rhs = []
        for k in range(D):
            terms = [to_heyoka(rates[k][i] if self.log[k] else p.lr[k].subs(num) * J[i, k], names, prec)
                     * grad[i] for i in range(d) if J[i, k] != 0]
            rhs.append(-(hy.sum(terms) if terms else hy.expression(hy.real(0, prec))) / (1 if self.log[k] else c))
        start = [mpmath.log(abs(v)) if lg else v / self.scale for v, lg in zip(w0, self.log, strict=True)]
        pars = [hy.real(mpmath.nstr(v, digits), prec) for v in [*(x for r in Xm for x in r), *ym]]
        self.ta = hy.taylor_adaptive(list(zip(zs, rhs, strict=True)),
                                     np.array([hy.real(mpmath.nstr(v, digits), prec) for v in start]),
                                     fp_type=hy.real, prec=prec, compact_mode=True, pars=np.array(pars))
        self._G = sp.lambdify(list(p.params), [g.subs(num) for g in p.exprs], modules="mpmath")
        self._J = sp.lambdify(list(p.params), J, modules="mpmath")
        self._eta = [mpmath.mpf(sp.N(e.subs(num), digits)) for e in p.lr]
        self._G64 = sp.lambdify(list(p.params), [g.subs(num) for g in p.exprs], modules="numpy")
        self._rates64 = [sp.lambdify(list(p.params), rates[k], modules="numpy") if self.log[k] else None
                         for k in range(D)]
        self.X, self.y = mpmath.matrix(Xm), mpmath.matrix(ym)
        self.X64 = np.array([[float(v) for v in r] for r in Xm])
        self.y64 = np.array([float(v) for v in ym])
        self.scale64 = float(self.scale) if self.scale > 1e-300 else 0.0

    def params(self, state: Sequence[Any]) -> list[mpmath.mpf]:
        st = [mpmath.mpf(str(v)) for v in state]
        return [self.sign[k] * mpmath.exp(v) if self.log[k] else v * self.scale for k, v in enumerate(st)]

    def measure(self) -> tuple[list[mpmath.mpf], list[mpmath.mpf], mpmath.mpf]:
        w = self.params(self.ta.state)
        beta = [mpmath.mpf(b) for b in self._G(*w)]
        r = self.X * mpmath.matrix(beta) - self.y
        return w, beta, mpmath.fsum(v**2 for v in r) / (2 * self.n)

    def _w64(self, state: Sequence[Any]) -> np.ndarray:
        st = np.array([float(v) for v in state])
        out = st * self.scale64
        for k, lg in enumerate(self.log):
            if lg:
                out[k] = float(self.sign[k]) * np.exp(st[k])
        return out

    def float_state(self, state: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        """``w`` and the loss gradient in ``beta`` in float64 (call under ``np.errstate``)."""
        w = self._w64(state)
        beta = np.array(self._G64(*w), dtype=float)
        return w, self.X64.T @ (self.X64 @ beta - self.y64) / self.n

    def loss64(self, state: Sequence[Any]) -> float:
        """The loss in float64, to decide when a chunk may stop (over/underflow only means "not small yet")."""
        with np.errstate(all="ignore"):
            r = self.X64 @ np.array(self._G64(*self._w64(state)), dtype=float) - self.y64
            value = float(r @ r) / (2 * self.n)
        return value if math.isfinite(value) else math.inf

    def step_limits(self, visible: float) -> tuple[float, float]:
        """(longest step, time until a growing log-coordinate becomes visible): a Taylor step must not carry a
        tiny growing parameter across the level where it starts to matter (it would cross the transition)."""
        if not any(self.log):
            return math.inf, math.inf
        with np.errstate(all="ignore"):
            w, g = self.float_state(self.ta.state)
            st = [float(v) for v in self.ta.state]
            longest, horizon = math.inf, math.inf
            for k, f in enumerate(self._rates64):
                if f is None:
                    continue
                speed = -float(np.dot(np.array(f(*w), dtype=float).ravel(), g))
                if not (math.isfinite(speed) and speed > 0):
                    continue
                if st[k] < visible:
                    horizon = min(horizon, (visible - st[k]) / speed)
                else:
                    longest = min(longest, STEP_GROWTH / speed)
        return min(longest, horizon), horizon


def shared_flow(p: SharedParametrization, X: Any, y: Any, *, alpha: Any, constants: dict[str, Any] | None = None,
                dps: int = DEFAULT_DPS, times: Sequence[Any] | None = None, tail_loss: Any = None,
                max_time: float | None = None, progress: bool | None = None) -> SharedFlowSolution:
    """Integrate gradient flow of ``p``'s original parameters to its limit (or through ``times``).

    Parameters
    ----------
    p : SharedParametrization
    X, y : array-like
        The problem; underdetermined and full row rank when the limit is sought, any shape with ``times``.
    alpha : number
        The initialization scale.
    constants : dict, optional
        Values of ``p``'s other symbols (e.g. ``delta``).
    dps : int
        Working digits.
    times : sequence of numbers, optional
        Record ``(t, w, beta)`` at these times and stop at the last.
    tail_loss : number, optional
        Relative loss at which a commuting model jumps to its limit (default ``1e-8``).
    max_time : float, optional
        Wall-clock budget in seconds.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> p = ib.Parametrization.from_exprs(["a*w1", "a*w2"], "a,w1,w2", {"a": 1, "w1": "alpha", "w2": 0})
    >>> sol = shared_flow(p, [[1, 2]], [1], alpha=0.5, dps=30, progress=False)
    >>> sol.success, [round(float(b), 6) for b in sol.beta]
    (True, [0.624716, 0.187642])
    """
    if not isinstance(p, SharedParametrization):
        raise InputError(f"p={p!r}: expected a SharedParametrization (ib.Parametrization.from_exprs(...))")
    dps = check_dps(dps)
    a = check_alpha(alpha)
    Xm, ym, _n, d = _problem(X, y, times is not None)
    if d != p.d:
        raise InputError(f"X has {d} columns but the model has {p.d} outputs; give X with {p.d} columns")
    if max_time is not None:
        max_time = check_real(max_time, "max_time", "a budget in seconds, or None for no limit", positive=True)
    given = check_constants([s.name for s in p.constants if s != p.alpha], constants)
    grid = None if times is None else sorted(mpmath.mpf(t) for t in times)
    if grid is not None and (not grid or grid[0] < 0):
        raise InputError(f"times={times!r}: give a non-empty list of times >= 0")
    work = dps + GUARD_DIGITS
    with mpmath.workdps(work):
        subs = {s: a if s == p.alpha else given[s.name] for s in p.constants}
        system = _System(p, subs, initial_values(p, subs, work), Xm, ym, bits(work))
        if grid is not None:
            return _record(system, grid, max_time)
        return _to_limit(system, subs, work, tail_loss, max_time, progress)


def _record(system: _System, grid: list[mpmath.mpf], max_time: float | None) -> SharedFlowSolution:
    start = time.perf_counter()
    traj, steps, prec = [], 0, system.prec
    status, message = Status.SUCCESS, f"recorded at {len(grid)} times"
    for t in grid:
        out = system.ta.propagate_until(hy.real(mpmath.nstr(t, 30), prec))
        steps += int(out[3])
        if str(out[0]) != "taylor_outcome.time_limit":
            status, message = Status.FAILED, f"heyoka stopped at t = {system.ta.time}: {out[0]}"
            break
        w, beta, _loss = system.measure()
        traj.append((t, w, beta))
        if max_time is not None and time.perf_counter() - start > max_time:
            status, message = Status.MAX_TIME, f"wall-clock budget {max_time} s spent at t = {mpmath.nstr(t, 5)}"
            break
    w, beta, loss = system.measure()
    return SharedFlowSolution(beta, w, loss, mpmath.mpf(str(system.ta.time)), steps, time.perf_counter() - start,
                              status, message, mpmath.nan, mpmath.mpf(0), traj)


def _to_limit(system: _System, subs: dict[sp.Symbol, Any], work: int, tail_loss: Any, max_time: float | None,
              progress: bool | None) -> SharedFlowSolution:
    p, start = system.p, time.perf_counter()
    tail_loss = mpmath.mpf(10) ** -8 if tail_loss is None else mpmath.mpf(tail_loss)
    tail = None
    if p.commuting:
        from .composed_tail import ComposedTail

        tail = ComposedTail(p, {s: sp.Float(mpmath.nstr(v, work + 5), work + 5) for s, v in subs.items()},
                            system.prec)
    w, beta, loss = system.measure()
    loss0, steps, dt = loss, 0, mpmath.mpf(1)
    final = mpmath.mpf(10) ** (-2 * (work - GUARD_DIGITS)) * (1 + loss0)
    visible = -work * math.log(10) / 2
    history: list[tuple[mpmath.mpf, mpmath.mpf]] = []
    status, message, cert, jump = Status.FAILED, "not started", mpmath.inf, mpmath.inf
    bar = progress_bar(progress, desc="shared flow", unit="chunk", leave=False)
    try:
        while True:
            target = tail_loss * (1 + loss0) if tail is not None else final
            longest, horizon = system.step_limits(visible)
            chunk = min(dt, mpmath.mpf(horizon) * mpmath.mpf("1.001")) if math.isfinite(horizon) else dt
            extra = {"max_delta_t": hy.real(repr(longest), system.prec)} if math.isfinite(longest) else {}
            level = float(target)
            out = system.ta.propagate_for(hy.real(mpmath.nstr(max(chunk, mpmath.mpf(10) ** -12), 20), system.prec),
                                          callback=lambda ta, lv=level: not system.loss64(ta.state) <= lv, **extra)
            steps += int(out[3])
            w, beta, loss = system.measure()
            t_now = mpmath.mpf(str(system.ta.time))
            history.append((t_now, loss))
            bar.update(1)
            if str(out[0]) not in ("taylor_outcome.time_limit", "taylor_outcome.cb_stop"):
                status, message = Status.FAILED, f"heyoka stopped: {out[0]}"
                break
            if tail is not None and loss <= target:
                tol = mpmath.mpf(10) ** (-(work - GUARD_DIGITS)) * (1 + max(abs(v) for v in system.y))
                limit, resid, cert, its = tail.solve(w, system.X, system.y, tol)
                if resid <= tol:
                    jump = max(abs(u - v) for u, v in zip(limit, beta, strict=True))
                    beta, status = limit, Status.SUCCESS
                    message = (f"integrated to t = {mpmath.nstr(t_now, 5)} (loss {mpmath.nstr(loss, 3)}), then the "
                               f"exact jump along the composed flows ({its} Newton steps, residual "
                               f"{mpmath.nstr(resid, 3)}, jump {mpmath.nstr(jump, 3)})")
                    break
                tail = None  # the jump failed: integrate on to the working precision instead
            elif tail is None and loss <= final:
                cert = _remaining_motion(system, history)
                status, jump = Status.SUCCESS, mpmath.mpf(0)
                message = f"integrated to t = {mpmath.nstr(t_now, 5)}, loss {mpmath.nstr(loss, 3)}"
                break
            if max_time is not None and time.perf_counter() - start > max_time:
                status = Status.MAX_TIME
                message = f"wall-clock budget {max_time} s spent at loss {mpmath.nstr(loss, 3)}"
                break
            dt *= mpmath.mpf("1.5")
    except KeyboardInterrupt:
        w, beta, loss = system.measure()
        status, message = Status.INTERRUPTED, "interrupted by the user: the state reached is returned"
    finally:
        bar.close()
    return SharedFlowSolution([+b for b in beta], [+v for v in w], +loss, mpmath.mpf(str(system.ta.time)), steps,
                              time.perf_counter() - start, status, message, +cert, +jump)


def _remaining_motion(system: _System, history: list[tuple[mpmath.mpf, mpmath.mpf]]) -> mpmath.mpf:
    """``|beta'| / rate``: the motion left if the loss keeps decaying at its last measured rate."""
    if len(history) < 2:
        return mpmath.inf
    (t0, l0), (t1, l1) = history[-2], history[-1]
    if not (l1 > 0 and l0 > l1 and t1 > t0):
        return mpmath.inf
    rate = mpmath.log(l0 / l1) / (2 * (t1 - t0))
    w = system.params(system.ta.state)
    J = mpmath.matrix(system._J(*w))
    r = system.X * mpmath.matrix([mpmath.mpf(b) for b in system._G(*w)]) - system.y
    velocity = J * mpmath.diag(system._eta) * J.T * (system.X.T * r / system.n)
    return mpmath.norm(velocity, mpmath.inf) / rate
