"""The gradient-flow ODE of the original parameters, in the coordinates heyoka integrates.

``w' = -eta * grad_w L(w)`` for all ``d * k`` parameters, ``L = ||X beta(w) - y||^2 / (2n)``, with the constants
substituted per coordinate. Each parameter is integrated in one of two coordinates:

- log coordinates ``w = sign * exp(l)`` where they are exact (the velocity ``eta grad phi / w`` has no pole at
  ``w = 0``, so the sign is kept): heyoka controls errors relative to the state's norm, so a tiny *decaying*
  ``w`` integrated as itself would only get absolute accuracy (alpha = 1e-300: relative errors of 10^450),
  while its logarithm gets relative accuracy, which is what the alpha-dependent part of the limit is made of;
- otherwise the parameter itself scaled by its start, ``w = c z``: heyoka's error control is absolute while the
  state's norm is below 1, and errors made while ``w ~ alpha`` grow with ``w``; scaled, they start relative.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import flint
import heyoka as hy
import mpmath
import numpy as np
import sympy as sp
from scipy.integrate import solve_ivp

from .._precision import GUARD_DIGITS, bits, flint_bits
from ..errors import InputError
from ..parametrizations import Parametrization
from ..reference._linalg import ArbProblem, to_arb, to_mpf
from ._heyoka import to_heyoka
from .tail import exponential_terms

__all__ = ["FlowSystem", "initial_value"]

#: Tolerances of the stiff integration in the dual variable (they bound the error of the trajectory's time only).
DUAL_RTOL, DUAL_ATOL = 1e-8, 1e-10


def initial_value(w0: sp.Expr, values: dict[sp.Symbol, Any], dps: int, what: str = "the initialization") -> mpmath.mpf:
    """``w0`` at ``values`` to ``dps`` correct digits, relative: SymPy's ``evalf`` raises its working precision
    until the digits are right. A plain evaluation at ``dps`` digits is not enough where the formula cancels:
    the single neuron's ``w0^2 = (sqrt(delta^2 + 4 alpha^2) - delta) / 2`` at ``delta = 0.5``, ``alpha = 1e-23``
    is a difference of two numbers equal to 46 digits. ``what`` names ``w0`` in the error."""
    exact = {s: sp.Float(mpmath.nstr(v, dps + 5, strip_zeros=False), dps + 5) for s, v in values.items()}
    value = sp.S(w0).evalf(dps, subs=exact)
    if not value.is_real:
        raise InputError(f"{what} {w0} is not a real number at {values} ({value})")
    return mpmath.mpf(value)


class FlowSystem:
    """The flow of ``p`` on ``(X, y)`` as a heyoka integrator ``ta``, and its state read back as parameters.

    Build under ``mpmath.workdps(work)``. ``flow_dps`` is the trajectory's digits, or a function giving them from
    whether every parameter is in log coordinates and whether those move at constant rates (fewer digits only
    where each parameter is kept to relative accuracy, which log coordinates guarantee and scaled plain ones only
    start with; and not where the dual integration applies, which costs the same at any precision).
    """

    def __init__(self, p: Parametrization, Xm: list[list[mpmath.mpf]], ym: list[mpmath.mpf],
                 values: list[dict[sp.Symbol, mpmath.mpf]], work: int,
                 flow_dps: int | Callable[[bool, bool], int]) -> None:
        self.p, self.values, self.Xm, self.ym = p, values, Xm, ym
        self.n, self.d, self.k = len(ym), len(values), p.k
        self.digits = work + 5
        starts: dict[tuple[Any, ...], mpmath.mpf] = {}  # coordinates sharing their constants share their start
        state0 = []
        for i in range(self.d):
            for w0 in p.init:
                key = (w0, *values[i].items())
                if key not in starts:
                    starts[key] = initial_value(w0, values[i], work)
                state0.append(starts[key])
        self.rates = [sp.cancel(e * gr / w) for e, gr, w in zip(p.lr, p.grad_phi, p.params, strict=True)]
        self.log_ok = [not sp.fraction(r_)[1].has(w) and all(state0[i * self.k + j] != 0 for i in range(self.d))
                       for j, (r_, w) in enumerate(zip(self.rates, p.params, strict=True))]
        self.signs = [[mpmath.sign(state0[i * self.k + j]) if self.log_ok[j] else 1 for j in range(self.k)]
                      for i in range(self.d)]
        self.scale = [[abs(state0[i * self.k + j]) if not self.log_ok[j] and state0[i * self.k + j] != 0
                       else mpmath.mpf(1) for j in range(self.k)] for i in range(self.d)]
        constant = all(self.log_ok) and not any(r_.has(*p.params) for r_ in self.rates)
        self.flow_dps = flow_dps(all(self.log_ok), constant) if callable(flow_dps) else flow_dps
        self.fprec = bits(self.flow_dps + GUARD_DIGITS)
        # the state as heyoka reals (log coordinates, scaled plain ones) and the time; the Taylor integrator is
        # compiled on first use (the dual integration never needs it: at d = 1000 it would cost minutes)
        self._state = np.array([self._real(mpmath.log(abs(v)) if self.log_ok[idx % self.k]
                                           else mpmath.mpf(v) / self.scale[idx // self.k][idx % self.k])
                                for idx, v in enumerate(state0)])
        self._time = hy.real(0, self.fprec)
        self._ta: Any = None
        self._lambdas: dict[tuple[sp.Expr, str], Any] = {}
        self.phi_f = [self._lambdify(p.phi, i, "mpmath") for i in range(self.d)]
        kernel = sum(e * gg**2 for e, gg in zip(p.lr, p.grad_phi, strict=True))
        self.ker_f = [self._lambdify(kernel, i, "mpmath") for i in range(self.d)]
        self.phi_np = [self._lambdify(p.phi, i, "numpy") for i in range(self.d)]
        self.rate_np = [[self._lambdify(self.rates[j], i, "numpy") for j in range(self.k)] for i in range(self.d)]
        # Log coordinates whose rate eta grad_j phi / w_j is a number (diagonal(2): 2): with X^T r frozen they move
        # along their curves by rate * ds with ds = X^T int r / n: the exponential step works in that dual variable
        self.rate_values: list[list[mpmath.mpf]] | None = None
        if all(self.log_ok) and not any(r_.has(*p.params) for r_ in self.rates):
            self.rate_values = [[mpmath.mpf(sp.N(self.num(self.rates[j], i), self.digits)) for j in range(self.k)]
                                for i in range(self.d)]
        self.ker_np = [self._lambdify(kernel, i, "numpy") for i in range(self.d)]
        # one vectorized evaluation over all coordinates where they share their constants (the common case)
        same = all(v == values[0] for v in values)
        self._phi_vec = sp.lambdify(p.params, self.num(p.phi, 0), modules="numpy") if same else None
        self._ker_vec = sp.lambdify(p.params, self.num(kernel, 0), modules="numpy") if same else None
        self.sign64 = np.array([[float(v) for v in row] for row in self.signs])
        # the curves in closed form where the rates are constant and phi a polynomial (see tail.ExponentialCurveMap)
        self.explicit_curves = None
        if self.rate_values is not None:
            terms = [exponential_terms(self.num(p.phi, i), p.params, self.digits) for i in range(self.d)]
            if all(t is not None for t in terms):
                self.explicit_curves = [(t, self.rate_values[i]) for i, t in enumerate(terms) if t is not None]
        self.rate64 = np.array([[float(v) for v in row] for row in self.rate_values]) if self.rate_values else None
        self.X64 = np.array([[float(v) for v in row] for row in Xm])
        self.y64 = np.array([float(v) for v in ym])
        self._bits = mpmath.mp.prec
        with flint_bits(self._bits):
            self._arb = ArbProblem(Xm, ym)  # products with X at the working precision, in C

    def num(self, e: sp.Expr, i: int) -> sp.Expr:
        """``e`` with coordinate ``i``'s constants substituted as floats of the working digits."""
        return e.subs({s: sp.Float(mpmath.nstr(v, self.digits), self.digits) for s, v in self.values[i].items()})

    def _lambdify(self, e: sp.Expr, i: int, module: str) -> Any:
        """``e`` at coordinate ``i``'s constants as a function of the parameters (one per distinct expression)."""
        key = (self.num(e, i), module)
        if key not in self._lambdas:
            self._lambdas[key] = sp.lambdify(self.p.params, key[0], modules=module)
        return self._lambdas[key]

    @property
    def ta(self) -> Any:
        """heyoka's Taylor integrator at the current state and time (compiled on first use)."""
        if self._ta is None:
            self._ta = self._integrator()
        return self._ta

    @property
    def state(self) -> Any:
        return self._ta.state if self._ta is not None else self._state

    def _set(self, state: list[mpmath.mpf], time: mpmath.mpf) -> None:
        if self._ta is not None:
            self._ta.state[:] = np.array([self._real(v) for v in state])
            self._ta.time = self._real(time)
        else:
            self._state = np.array([self._real(v) for v in state])
            self._time = self._real(time)

    def _real(self, v: Any) -> Any:
        return hy.real(mpmath.nstr(v, self.digits), self.fprec)

    def _integrator(self) -> Any:
        """heyoka's integrator of ``w' = -g_i eta grad phi`` (``g = X^T r / n``) in the chosen coordinates; ``X``
        and ``y`` are its parameters."""
        p, d, n, k, fprec = self.p, self.d, self.n, self.k, self.fprec
        wv = [[hy.make_vars(f"w{i}_{j}") for j in range(k)] for i in range(d)]
        scale_h = [[hy.expression(self._real(c)) for c in row] for row in self.scale]

        def param_expr(i: int, j: int) -> Any:
            return float(self.signs[i][j]) * hy.exp(wv[i][j]) if self.log_ok[j] else scale_h[i][j] * wv[i][j]

        names = [{w: param_expr(i, j) for j, w in enumerate(p.params)} for i in range(d)]
        betas = [to_heyoka(self.num(p.phi, i), names[i], fprec) for i in range(d)]
        grads = [[to_heyoka(self.num(self.rates[j], i), names[i], fprec) if self.log_ok[j]
                  else to_heyoka(self.num(e * gr, i), names[i], fprec) / scale_h[i][j]
                  for j, (gr, e) in enumerate(zip(p.grad_phi, p.lr, strict=True))] for i in range(d)]
        res = [hy.sum([hy.par[m * d + i] * betas[i] for i in range(d)]) - hy.par[n * d + m] for m in range(n)]
        inv_n = hy.expression(hy.real(str(mpmath.mpf(1) / n), fprec))
        g = [hy.sum([hy.par[m * d + i] * res[m] for m in range(n)]) * inv_n for i in range(d)]
        system = [(wv[i][j], -(g[i] * grads[i][j])) for i in range(d) for j in range(k)]
        pars = np.array([self._real(v) for row in self.Xm for v in row] + [self._real(v) for v in self.ym])
        return hy.taylor_adaptive(system, self._state.copy(), time=self._time, fp_type=hy.real, prec=fprec,
                                  compact_mode=True, pars=pars)

    # -- reading the state ------------------------------------------------------------------------------------
    @property
    def time(self) -> mpmath.mpf:
        return mpmath.mpf(str(self._ta.time if self._ta is not None else self._time))

    def params_of(self, st: list[Any], exp: Any) -> list[list[Any]]:
        """Parameter values from a state (log coordinates and scales undone)."""
        k = self.k
        return [[self.signs[i][j] * exp(st[i * k + j]) if self.log_ok[j]
                 else st[i * k + j] * type(st[0])(self.scale[i][j]) for j in range(k)] for i in range(self.d)]

    def measure(self) -> tuple[list[list[mpmath.mpf]], list[mpmath.mpf], mpmath.mpf]:
        """Parameters, ``beta`` and the loss at the current state, at the working precision."""
        w = self.params_of([mpmath.mpf(str(v)) for v in self.state], mpmath.exp)
        beta = [self.phi_f[i](*w[i]) for i in range(self.d)]
        with flint_bits(self._bits):
            xb = self._arb.x_times([to_arb(v) for v in beta])
            r = [to_mpf(xb[m, 0]) - self.ym[m] for m in range(self.n)]
        return w, beta, mpmath.fsum(v**2 for v in r) / (2 * self.n)

    def float_state(self, state: Any) -> tuple[list[list[Any]], np.ndarray]:
        """Parameters and residual ``X beta - y`` in float64 (call under ``np.errstate``: tiny or huge parameters
        under/overflow, which is harmless for the decisions they serve)."""
        w64 = self.params_of([np.float64(float(v)) for v in state], np.exp)
        beta64 = np.array([self.phi_np[i](*w64[i]) for i in range(self.d)], dtype=float)
        return w64, self.X64 @ beta64 - self.y64

    def float_loss(self, state: Any) -> float:
        """The loss in float64 (``inf`` where it is not finite: float64 under/overflow only means "not small")."""
        with np.errstate(all="ignore"):
            try:
                _w, r = self.float_state(state)
            except OverflowError:
                return np.inf
            return float(r @ r) / (2 * self.n) if bool(np.isfinite(r).all()) else np.inf

    def growing_logs(self) -> Iterator[tuple[float, float]]:
        """``(l, dl/dt)`` of each log coordinate that is growing, in float64, at the current state."""
        if not any(self.log_ok):
            return
        with np.errstate(all="ignore"):
            st = [float(v) for v in self.state]
            w64, r = self.float_state(self.state)
            g64 = self.X64.T @ r / self.n
            for i in range(self.d):
                for j in range(self.k):
                    if not self.log_ok[j]:
                        continue
                    speed = float(-g64[i] * self.rate_np[i][j](*w64[i]))
                    if math.isfinite(speed) and speed > 0:
                        yield st[i * self.k + j], speed

    # -- the stiff integration in the dual variable ---------------------------------------------------------------
    def _each(self, vec: Any, per: list[Any], w: np.ndarray) -> np.ndarray:
        """A float64 map of every coordinate at parameters ``w`` (``d x k``)."""
        if vec is not None:
            return np.broadcast_to(np.asarray(vec(*w.T), dtype=float), (self.d,))
        return np.array([per[i](*w[i]) for i in range(self.d)], dtype=float)

    def integrate_dual(self, chunk: mpmath.mpf, tail_level: float, out_of_time: Callable[[], bool]) -> tuple[str, int]:
        """Integrate for ``chunk`` in the dual variable (needs ``rate64``): heyoka-free, stiff, in float64.

        Every coordinate moves along its own curve by ``ds = X^T nu``, ``nu = int r dt / n`` (``n`` numbers), and
        ``nu' = r(nu) / n`` has the Jacobian ``-X diag(eta |grad phi|^2) X^T / n``: an ``n``-dimensional stiff
        system (active coordinates relax at rates O(1) while a plateau lasts ~log(1/alpha)), which an implicit
        method (Radau IIA, scipy) crosses in few steps. The state is then moved at the working precision
        (:meth:`advance_dual`): it stays on the curves the flow follows, so the limit is exact; the float64
        tolerance bounds only how well the trajectory's time is followed. Ends early (``"stopped"``) once the loss
        is below ``tail_level`` or ``out_of_time()``.
        """
        with np.errstate(all="ignore"):
            logs = np.array([float(v) for v in self.state]).reshape(self.d, self.k)
        X, XT, n = self.X64, self.X64.T, self.n

        def moved(nu: np.ndarray) -> np.ndarray:
            return self.sign64 * np.exp(logs - self.rate64 * (XT @ nu)[:, None])

        def rhs(_t: float, nu: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return (X @ self._each(self._phi_vec, self.phi_np, moved(nu)) - self.y64) / n

        def jac(_t: float, nu: np.ndarray) -> np.ndarray:
            with np.errstate(all="ignore"):
                return -(X * self._each(self._ker_vec, self.ker_np, moved(nu))) @ XT / n

        def small(_t: float, nu: np.ndarray) -> float:
            r = rhs(_t, nu) * n
            return float(r @ r) / (2 * n) - tail_level if not out_of_time() else -1.0

        small.terminal = True  # type: ignore[attr-defined]
        with np.errstate(all="ignore"):  # a rejected trial step may overflow; Radau then shortens it
            out = solve_ivp(rhs, (0.0, float(chunk)), np.zeros(n), method="Radau", jac=jac, rtol=DUAL_RTOL,
                            atol=DUAL_ATOL, events=small)
        if out.status == -1:
            return f"failed: {out.message}", int(out.t.size - 1)
        self.advance_dual(out.y[:, -1], mpmath.mpf(out.t[-1]))
        return ("stopped" if out.status == 1 else "time_limit"), int(out.t.size - 1)

    def advance_dual(self, dnu: np.ndarray, dt: mpmath.mpf) -> None:
        """Move every coordinate along its curve by ``ds = X^T dnu`` at the working precision, and the time by
        ``dt``: the state stays on the curves the flow itself follows, whatever the error of ``dnu``."""
        assert self.rate_values is not None
        with flint_bits(self._bits):
            ds = [to_mpf(v) for v in self._arb.xt_times(flint.arb_mat(self.n, 1, [flint.arb(float(v)) for v in dnu]))]
        state = [mpmath.mpf(str(v)) - self.rate_values[idx // self.k][idx % self.k] * ds[idx // self.k]
                 for idx, v in enumerate(self.state)]
        self._set(state, self.time + dt)

    def propagate_for(self, chunk: mpmath.mpf, longest: float, callback: Callable[[Any], bool]) -> tuple[str, int]:
        """Integrate for ``chunk`` with steps no longer than ``longest``; heyoka's outcome and the steps taken."""
        extra = {"max_delta_t": hy.real(repr(longest), self.fprec)} if np.isfinite(longest) else {}
        out = self.ta.propagate_for(hy.real(mpmath.nstr(chunk, 20), self.fprec), callback=callback, **extra)
        return str(out[0]), int(out[3])
