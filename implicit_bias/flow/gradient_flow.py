"""Gradient flow of the ORIGINAL parameters, at arbitrary precision, with an exact tail.

``w' = -eta * grad_w L(w)`` for all ``d * k`` parameters, ``L = ||X beta(w) - y||^2 / (2n)``, integrated by
heyoka's LLVM-compiled Taylor method in MPFR arithmetic (``heyoka.real``): the exponent range is unbounded, so
``alpha = e^-10000`` is an ordinary initial value, and plateaus of length ``~log(1/alpha)`` cost a number of
Taylor steps proportional to that length (exponential growth is what a Taylor series follows well).

Stopping: the slow final phase (rates ~``alpha^2`` in the directions of coordinates that stay small) cannot
be crossed by any explicit integrator, so once the loss has fallen below ``tail_loss`` (relative) the rest of
the flow is solved in one exact jump along the integral curves of ``eta grad phi`` through the state reached
(:mod:`implicit_bias.flow.tail`). ``certificate`` is how far one more Newton step of that solve would move
``beta`` (``max |b'(sigma) X^T H^-1 r|``, ``r`` its residual): ``|beta - beta(infinity)|`` to first order, given
curves exact to the working precision -- an estimate, not a rigorous enclosure. ``tail_jump`` is how far the
jump moved ``beta``.

Stiff plateaus: for depth ``D >= 3`` a plateau lasts ``~alpha^-(D-2)`` while the coordinates already active
relax at rates ``O(1)``, which bound an explicit step (measured: diagonal(3), alpha = 1e-8, 46,000 Taylor steps
in 120 s without leaving the first plateau). The jump along the curves is exact from *any* time -- for a
separable parametrization each ``w_i`` stays on its curve whatever ``X^T r`` does -- so once ``plateau_steps``
steps pass without the loss halving, the jump is taken from there (the message says so); if it fails, the
integration goes on.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import heyoka as hy
import mpmath
import numpy as np
import sympy as sp

from .._precision import DEFAULT_DPS, GUARD_DIGITS, bits
from .._progress import progress_bar
from .._validation import check_alpha, check_constants, check_dps, check_int, check_problem, check_real
from ..errors import InputError
from ..parametrizations import Parametrization
from ..results import Status
from ._heyoka import to_heyoka
from .tail import curve_map

__all__ = ["FlowSolution", "flow_digits", "gradient_flow", "required_dps"]

#: Above the visibility level, one step may grow a log-coordinate by at most this much (a factor e^4).
STEP_GROWTH = 4.0


def required_dps(alpha: Any, digits: int = 20) -> int:
    """Digits that resolve the alpha-dependent part of ``beta`` (``O(alpha^2)`` relative) to ``digits``."""
    a = check_alpha(alpha)
    extra = 0 if a >= 1 else math.ceil(float(-2 * mpmath.log10(a)))
    return digits + extra + GUARD_DIGITS


#: Digits the trajectory carries beyond the relative digits wanted of the answer's alpha-dependent part
#: (measured: alpha = e^-100, d = 20, n = 8: a trajectory at 30 + 10 guard digits gives that part to 17 digits,
#: at 40 + 10 to 24, the tail's limit at dps = 70).
TRAJECTORY_MARGIN = 30


def flow_digits(alpha: Any, dps: int) -> int:
    """Digits the trajectory needs so that the tail at ``dps`` digits is limited by ``dps`` alone.

    The answer's ``alpha``-dependent part lives in the tiny coordinates (and the tiny factors of the large
    ones). MPFR keeps each of them to full *relative* precision whatever its exponent, and a relative error
    ``eps`` in the state moves the limit's ``alpha``-dependent part by about ``eps`` relative: so the trajectory
    needs the digits wanted of that part plus a margin, not the ``2 log10(1/alpha)`` extra digits that the
    exact tail (which resolves the part against the ``O(1)`` coordinates) needs. At ``alpha >= 1`` there is no
    such part and the trajectory runs at ``dps``.
    """
    a = check_alpha(alpha)
    extra = 0 if a >= 1 else math.ceil(float(-2 * mpmath.log10(a)))
    return min(dps, max(dps - extra, 10) + TRAJECTORY_MARGIN)


@dataclass(frozen=True)
class FlowSolution:
    """The state reached by :func:`gradient_flow`.

    ``status`` (:class:`~implicit_bias.results.Status`) is ``"success"`` (integrated to a small loss, then the
    exact tail), ``"interrupted"`` (Ctrl-C: the state reached), ``"max_time"`` (wall-clock budget spent) or
    ``"failed"``; ``success`` is ``status == "success"``.
    """

    beta: list[mpmath.mpf]
    w: list[list[mpmath.mpf]]
    loss: mpmath.mpf
    t_final: mpmath.mpf
    steps: int
    wall_time: float
    status: Status
    message: str
    certificate: mpmath.mpf
    tail_jump: mpmath.mpf
    trajectory: list[tuple[mpmath.mpf, list[mpmath.mpf]]] = field(default_factory=list)

    @property
    def success(self) -> bool:
        """The flow reached its limit (``status == "success"``)."""
        return self.status == Status.SUCCESS


def _values(p: Parametrization, alpha: mpmath.mpf, constants: dict[str, Any] | None, d: int
            ) -> list[dict[sp.Symbol, mpmath.mpf]]:
    """Each coordinate's values of ``p``'s constants (``alpha`` and the rest; see ``check_constants``)."""
    given = check_constants([s.name for s in p.constants if s != p.alpha], constants, d=d)
    return [{s: alpha if s == p.alpha else (given[s.name][i] if isinstance(given[s.name], list) else given[s.name])
             for s in p.constants} for i in range(d)]


def initial_value(w0: sp.Expr, values: dict[sp.Symbol, mpmath.mpf], dps: int) -> mpmath.mpf:
    """``w0`` at ``values`` to ``dps`` correct digits, relative: SymPy's ``evalf`` raises its working precision
    until the digits are right. A plain evaluation at ``dps`` digits is not enough where the formula cancels:
    the single neuron's ``w0^2 = (sqrt(delta^2 + 4 alpha^2) - delta) / 2`` at ``delta = 0.5``, ``alpha = 1e-23``
    is a difference of two numbers equal to 46 digits."""
    exact = {s: sp.Float(mpmath.nstr(v, dps + 5, strip_zeros=False), dps + 5) for s, v in values.items()}
    value = sp.sympify(w0).evalf(dps, subs=exact)
    if not value.is_real:
        raise InputError(f"the initialization {w0} is not a real number at {values} ({value})")
    return mpmath.mpf(value)


def gradient_flow(p: Parametrization, X: Any, y: Any, *, alpha: Any, constants: dict[str, Any] | None = None,
                  dps: int = DEFAULT_DPS, tail_loss: Any = None, max_time: float | None = None,
                  trajectory: bool = False, progress: bool | None = None, flow_dps: int | None = None,
                  plateau_steps: int | None = 2000) -> FlowSolution:
    """Integrate gradient flow from ``w(0) = w0(alpha)`` to a small loss, then jump to the limit exactly.

    Parameters
    ----------
    p : Parametrization
    X, y : array-like
        An underdetermined full-row-rank problem (``n < d``).
    alpha : number
        The initialization scale; any positive mpmath number.
    constants : dict, optional
        Values of the other symbols, a scalar or one value per coordinate.
    dps : int
        Digits of the answer (see :func:`required_dps`): the exact tail works at ``dps``.
    tail_loss : number, optional
        Relative loss below which the rest of the flow is solved in one exact jump along the curves
        (default ``1e-8``); see :mod:`implicit_bias.flow.tail`.
    max_time : float, optional
        Wall-clock budget in seconds.
    flow_dps : int, optional
        Digits of the trajectory; default :func:`flow_digits` (``dps`` unless ``alpha`` is small).
    plateau_steps : int or None
        Taylor steps without the loss halving after which the exact jump is tried from the state reached (stiff
        plateaus, depth >= 3 at small alpha); ``None`` integrates to ``tail_loss`` whatever it costs.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> sol = gradient_flow(ib.diagonal(2), [[1, 0.5]], [1], alpha=1e-3, dps=30, progress=False)
    >>> sol.success, round(float(sol.beta[0]), 8), sol.certificate < 1e-20
    (True, 0.99950013, True)
    """
    dps = check_dps(dps)
    a = check_alpha(alpha)
    Xm, ym, n, d = check_problem(X, y)
    if not isinstance(p, Parametrization):
        raise InputError(f"p={p!r}: expected an implicit_bias.Parametrization (e.g. ib.diagonal(2))")
    work = dps + GUARD_DIGITS
    prec = bits(work)
    flow_dps = None if flow_dps is None else check_dps(flow_dps)
    tail_loss = mpmath.mpf(10) ** -8 if tail_loss is None else mpmath.mpf(tail_loss)
    if plateau_steps is not None:
        plateau_steps = check_int(plateau_steps, "plateau_steps", 1, "or None to never jump early")
    if max_time is not None:
        max_time = check_real(max_time, "max_time", "a budget in seconds, or None for no limit", positive=True)
    start = time.perf_counter()
    with mpmath.workdps(work):
        vals = _values(p, a, constants, d)
        k = p.k
        wv = [[hy.make_vars(f"w{i}_{j}") for j in range(k)] for i in range(d)]
        digits = work + 5

        def num(e: sp.Expr, i: int) -> sp.Expr:
            return e.subs({s: sp.Float(mpmath.nstr(v, digits), digits) for s, v in vals[i].items()})

        state0 = [initial_value(w0, vals[i], work) for i in range(d) for w0 in p.init]
        # Log coordinates where they are exact: a parameter whose velocity eta grad_j phi / w_j has no pole at
        # w_j = 0 keeps its sign, so w_j = sign * exp(l_j) with l_j' = -g eta grad_j phi / w_j. heyoka controls
        # errors relative to the state's norm, so a tiny *decaying* w_j integrated as itself would only get
        # absolute accuracy (alpha = 1e-300: relative errors of 10^450 were measured); its logarithm gets
        # relative accuracy, which is what the alpha-dependent part of the limit is made of.
        rates = [sp.cancel(e * gr / w) for e, gr, w in zip(p.lr, p.grad_phi, p.params, strict=True)]
        log_ok = [not sp.fraction(r_)[1].has(w) and all(state0[i * k + j] != 0 for i in range(d))
                  for j, (r_, w) in enumerate(zip(rates, p.params, strict=True))]
        signs = [[mpmath.sign(state0[i * k + j]) if log_ok[j] else 1 for j in range(k)] for i in range(d)]
        # fewer digits for the trajectory only where every parameter is kept to relative accuracy (flow_digits'
        # premise), which log coordinates guarantee and the scaled plain ones below only start with
        if flow_dps is None:
            flow_dps = flow_digits(a, dps) if all(log_ok) else dps
        fprec = bits(flow_dps + GUARD_DIGITS)

        # A parameter integrated as itself is scaled by its start, w = c z: heyoka's error control is absolute
        # while the state's norm is below 1, and errors made while w ~ alpha grow with w (w1*w2 from (1e-300,
        # 1e-300), n = 1: the inactive coordinate's 1e-42 came out as 2.5e-30); scaled, they start relative.
        scale = [[abs(state0[i * k + j]) if not log_ok[j] and state0[i * k + j] != 0 else mpmath.mpf(1)
                  for j in range(k)] for i in range(d)]
        scale_h = [[hy.expression(hy.real(mpmath.nstr(c, digits), fprec)) for c in row] for row in scale]

        def param_expr(i: int, j: int) -> Any:
            return float(signs[i][j]) * hy.exp(wv[i][j]) if log_ok[j] else scale_h[i][j] * wv[i][j]

        names = [{w: param_expr(i, j) for j, w in enumerate(p.params)} for i in range(d)]
        betas = [to_heyoka(num(p.phi, i), names[i], fprec) for i in range(d)]
        grads = [[to_heyoka(num(rates[j], i), names[i], fprec) if log_ok[j]
                  else to_heyoka(num(e * gr, i), names[i], fprec) / scale_h[i][j]
                  for j, (gr, e) in enumerate(zip(p.grad_phi, p.lr, strict=True))] for i in range(d)]
        res = [hy.sum([hy.par[m * d + i] * betas[i] for i in range(d)]) - hy.par[n * d + m] for m in range(n)]
        inv_n = hy.expression(hy.real(str(mpmath.mpf(1) / n), fprec))
        g = [hy.sum([hy.par[m * d + i] * res[m] for m in range(n)]) * inv_n for i in range(d)]
        system = [(wv[i][j], -(g[i] * grads[i][j])) for i in range(d) for j in range(k)]
        start0 = [mpmath.log(abs(v)) if log_ok[idx % k] else mpmath.mpf(v) / scale[idx // k][idx % k]
                  for idx, v in enumerate(state0)]
        pars = np.array([hy.real(mpmath.nstr(v, digits), fprec) for row in Xm for v in row]
                        + [hy.real(mpmath.nstr(v, digits), fprec) for v in ym])
        ta = hy.taylor_adaptive(system, np.array([hy.real(mpmath.nstr(v, digits), fprec) for v in start0]),
                                fp_type=hy.real, prec=fprec, compact_mode=True, pars=pars)

        def params_of(st: list[Any], exp: Any) -> list[list[Any]]:
            """Parameter values from a state (log coordinates and scales undone)."""
            return [[signs[i][j] * exp(st[i * k + j]) if log_ok[j] else st[i * k + j] * type(st[0])(scale[i][j])
                     for j in range(k)] for i in range(d)]

        phi_f = [sp.lambdify(p.params, num(p.phi, i), modules="mpmath") for i in range(d)]
        ker_f = [sp.lambdify(p.params, num(sum(e * gg**2 for e, gg in zip(p.lr, p.grad_phi, strict=True)), i),
                             modules="mpmath") for i in range(d)]
        Xmp = mpmath.matrix(Xm)
        ymp = mpmath.matrix(ym)

        def measure() -> tuple[list[list[mpmath.mpf]], list[mpmath.mpf], mpmath.mpf]:
            w = params_of([mpmath.mpf(str(v)) for v in ta.state], mpmath.exp)
            beta = [phi_f[i](*w[i]) for i in range(d)]
            r = Xmp * mpmath.matrix(beta) - ymp
            return w, beta, mpmath.fsum(v**2 for v in r) / (2 * n)

        curves: dict[tuple[str, ...], Any] = {}

        def tail(w: list[list[mpmath.mpf]], from_start: str = "zero") -> Any:
            from ..reference import argmin_Q

            maps = [curve_map(p, vals[i], w[i], phi_f[i], ker_f[i], prec, digits, curves) for i in range(d)]
            # the budget left bounds the solve too: labels the model cannot reach give an unbounded dual
            left = None if max_time is None else max(1e-3, max_time - (time.perf_counter() - start))
            return argmin_Q(maps, Xm, ym, dps=dps, start=from_start, max_time=left)

        def landed(sol: Any, beta: list[mpmath.mpf], where: str
                   ) -> tuple[list[mpmath.mpf], mpmath.mpf, mpmath.mpf, str]:
            """A successful tail solve from the state with ``beta``: the limit, its certificate, the jump, a message."""
            jump = max(abs(a_ - b_) for a_, b_ in zip(sol.beta, beta, strict=True))
            cert = sol.kkt_residual["beta_correction"]
            return list(sol.beta), cert, jump, (
                f"{where} along the curves: jump {mpmath.nstr(jump, 3)}, tail residual "
                f"{mpmath.nstr(sol.kkt_residual['primal'], 3)}, |beta - beta(inf)| ~ {mpmath.nstr(cert, 3)}")

        phi_np = [sp.lambdify(p.params, num(p.phi, i), modules="numpy") for i in range(d)]
        X64, y64 = np.array([[float(v) for v in row] for row in Xm]), np.array([float(v) for v in ym])

        def float_state(state: Any) -> tuple[list[list[Any]], np.ndarray]:
            """Parameters and residual ``X beta - y`` in float64 (call under ``np.errstate``: tiny or huge
            parameters under/overflow, which is harmless for the decisions they serve)."""
            w64 = params_of([np.float64(float(v)) for v in state], np.exp)
            beta64 = np.array([phi_np[i](*w64[i]) for i in range(d)], dtype=float)
            return w64, X64 @ beta64 - y64

        def small_enough(threshold: mpmath.mpf) -> Any:
            """A per-step callback: stop the chunk once the loss (float64 is enough to compare) is small."""
            level = float(threshold)

            def callback(integrator: Any) -> bool:
                chunk_steps[0] += 1
                over = (max_time is not None and time.perf_counter() - start > max_time) or (
                    plateau_steps is not None and chunk_steps[0] >= plateau_steps)
                with np.errstate(all="ignore"):  # float64 over/underflow only means "not small yet" here
                    try:
                        _w, r = float_state(integrator.state)
                    except (OverflowError, ZeroDivisionError):
                        return not over
                    small = bool(np.isfinite(r).all()) and float(r @ r) / (2 * n) <= level
                return not (small or over)

            return callback

        # Log coordinates make a plateau (tiny parameters growing at a steady rate) a straight line, which a
        # Taylor step would cross in one go -- and with it the transition, where the exponentially small terms
        # it could not see become O(1). So no step may carry a growing log-coordinate across the visibility
        # level (below it the parameter is beneath the working precision of the O(1) ones) and, above it, a
        # step may grow one by at most e^STEP_GROWTH; chunks end where the first one becomes visible.
        rate_np = [[sp.lambdify(p.params, num(rates[j], i), modules="numpy") for j in range(k)] for i in range(d)]
        visible = -(flow_dps + GUARD_DIGITS) * math.log(10) / 2

        def step_limits() -> tuple[float, float]:
            """(longest step, time until a growing log-coordinate becomes visible), from the current state."""
            if not any(log_ok):
                return math.inf, math.inf
            with np.errstate(all="ignore"):
                st = [float(v) for v in ta.state]
                w64, r = float_state(ta.state)
                g64 = X64.T @ r / n
                longest, horizon = math.inf, math.inf
                for i in range(d):
                    for j in range(k):
                        if not log_ok[j]:
                            continue
                        speed = float(-g64[i] * rate_np[i][j](*w64[i]))
                        if not (math.isfinite(speed) and speed > 0):
                            continue
                        ell = st[i * k + j]
                        if ell < visible:
                            horizon = min(horizon, (visible - ell) / speed)
                        else:
                            longest = min(longest, STEP_GROWTH / speed)
            return min(longest, horizon), horizon

        traj: list[tuple[mpmath.mpf, list[mpmath.mpf]]] = []
        dt = mpmath.mpf(1)
        steps = 0
        chunk_steps = [0]
        progress_loss, progress_steps = mpmath.inf, 0  # the loss last halved at this step count
        status, message = Status.FAILED, "not started"
        cert, jump = mpmath.inf, mpmath.inf
        bar = progress_bar(progress, desc="gradient flow", unit="chunk", leave=False)
        w, beta, loss = measure()
        loss0 = loss
        stop = small_enough(tail_loss * (1 + loss0))
        try:
            while True:
                longest, horizon = step_limits()
                chunk = min(dt, mpmath.mpf(horizon) * mpmath.mpf("1.001")) if math.isfinite(horizon) else dt
                chunk = max(chunk, mpmath.mpf(10) ** -12)
                extra = {"max_delta_t": hy.real(repr(longest), fprec)} if math.isfinite(longest) else {}
                chunk_steps[0] = 0
                out = ta.propagate_for(hy.real(mpmath.nstr(chunk, 20), fprec), callback=stop, **extra)
                steps += int(out[3])
                w, beta, loss = measure()
                bar.update(1)
                bar.set_postfix(t=mpmath.nstr(mpmath.mpf(str(ta.time)), 4), loss=mpmath.nstr(loss, 3))
                if trajectory:
                    traj.append((mpmath.mpf(str(ta.time)), beta))
                if str(out[0]) not in ("taylor_outcome.time_limit", "taylor_outcome.cb_stop"):
                    status, message = Status.FAILED, f"heyoka stopped: {out[0]}"
                    break
                t_now = mpmath.nstr(mpmath.mpf(str(ta.time)), 5)
                if loss <= tail_loss * (1 + loss0):
                    sol = tail(w)
                    if sol.success:
                        beta, cert, jump, message = landed(sol, beta, f"integrated to t = {t_now} (loss "
                                                           f"{mpmath.nstr(loss, 3)}), then the exact tail")
                        status = Status.SUCCESS
                        break
                if loss <= progress_loss / 2:
                    progress_loss, progress_steps = loss, steps
                elif plateau_steps is not None and steps - progress_steps >= plateau_steps:
                    sol = tail(w, from_start="auto")
                    if sol.success:
                        beta, cert, jump, message = landed(sol, beta, f"in a plateau at t = {t_now} (loss "
                                                           f"{mpmath.nstr(loss, 3)}, {steps - progress_steps} steps "
                                                           "without halving), the exact jump")
                        status = Status.SUCCESS
                        break
                    if sol.extra.get("unbounded"):
                        # each w_i stays on its curve, so labels out of reach along the curves are out of reach
                        status = Status.FAILED
                        message = f"the flow cannot interpolate y (loss {mpmath.nstr(loss, 3)}): {sol.message}"
                        break
                    progress_steps = steps  # the jump failed from here: integrate on, try again later
                if max_time is not None and time.perf_counter() - start > max_time:
                    status = Status.MAX_TIME
                    message = f"wall-clock budget {max_time} s spent at loss {mpmath.nstr(loss, 3)}"
                    break
                dt *= mpmath.mpf("1.5")
        except KeyboardInterrupt:
            w, beta, loss = measure()
            status, message = Status.INTERRUPTED, "interrupted by the user: the state reached is returned"
        finally:
            bar.close()
        return FlowSolution([+b for b in beta], [[+v for v in wi] for wi in w], +loss, mpmath.mpf(str(ta.time)),
                            steps, time.perf_counter() - start, status, message, +cert, +jump, traj)
