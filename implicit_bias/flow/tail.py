"""The tail of the flow in one jump, without the derivation engine.

For a separable parametrization every coordinate's velocity is a multiple of ``eta * grad phi(w_i)``, so from
any time ``T`` on, ``w_i(t)`` stays on the integral curve of ``eta * grad phi`` through ``w_i(T)``:
``w_i(t) = Phi_i(s_i(t))`` with ``s(t) = -X^T int_T^t r / n``, a vector of the range of ``X^T``. The limit is
therefore ``beta_i = phi(Phi_i((X^T mu)_i))`` with ``mu`` solving ``X beta = y``: an ``n``-dimensional
equation whose maps ``s -> phi(Phi_i(s))`` are computed here by integrating the curve ODE numerically (heyoka,
same precision), and which the reference dual solver solves (its ``B(s) = int_0^s b`` comes along as an extra
state). This replaces the slow final phase (rates ~``alpha^2`` in the directions of inactive coordinates)
that no explicit integrator can cross in reasonable time.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from typing import Any

import flint
import heyoka as hy
import mpmath
import numpy as np
import sympy as sp

from .._precision import digits as digits_of
from .._precision import flint_bits
from ..errors import OutOfReach, OutsideDomain
from ..parametrizations import Parametrization
from ..reference.base import ReferenceSolution
from ._heyoka import to_heyoka

__all__ = ["CurveMap", "ExponentialCurveMap", "Landing", "Tail", "curve_integrator", "curve_map", "exponential_terms"]

#: Taylor steps kept per direction of one curve (at 50 digits a piece is ~5 kB; alpha = e^-10000 needs ~1500).
MAX_PIECES = 20_000


@dataclass(frozen=True)
class Landing:
    """A successful tail solve from a state with ``beta``: the limit, how far one more Newton step would move it
    (``certificate``), how far the jump moved ``beta`` and a message saying where it was taken from."""

    beta: list[mpmath.mpf]
    certificate: mpmath.mpf
    jump: mpmath.mpf
    message: str


class ExponentialCurveMap:
    """``b``, ``db``, ``B`` in closed form on a curve along which every parameter's logarithm moves at a constant
    rate (``eta_j d_j phi / w_j = c_j``, e.g. ``diagonal(2)``: ``w_j(s) = w_j e^(c_j s)``) and ``phi`` is a
    polynomial: ``b(s) = sum_m C_m e^(k_m s)`` with ``C_m`` the monomial at the start, ``k_m = sum_j a_mj c_j``,
    so ``B(s) = sum_m C_m expm1(k_m s) / k_m``. The exact solution of the same curve ODE that :class:`CurveMap`
    integrates, at the cost of a few exponentials (a CoordinateMap).
    """

    def __init__(self, terms: list[tuple[mpmath.mpf, tuple[int, ...]]], rates: list[mpmath.mpf],
                 w_start: list[mpmath.mpf]) -> None:
        self.C = [coeff * mpmath.fprod(w**a for w, a in zip(w_start, powers, strict=True)) for coeff, powers in terms]
        self.k = [mpmath.fsum(a * c for a, c in zip(powers, rates, strict=True)) for _coeff, powers in terms]

    def b(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return mpmath.fsum(C * mpmath.exp(k * sigma) for C, k in zip(self.C, self.k, strict=True))

    def db(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return mpmath.fsum(C * k * mpmath.exp(k * sigma) for C, k in zip(self.C, self.k, strict=True))

    def B(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return mpmath.fsum(C * mpmath.expm1(k * sigma) / k if k else C * sigma
                           for C, k in zip(self.C, self.k, strict=True))

    @property
    def domain(self) -> tuple[mpmath.mpf, mpmath.mpf]:
        return (mpmath.mpf("-inf"), mpmath.mpf("inf"))


def exponential_terms(phi: sp.Expr, params: tuple[sp.Symbol, ...], digits: int
                      ) -> list[tuple[mpmath.mpf, tuple[int, ...]]] | None:
    """``phi`` (constants substituted) as ``[(coefficient, powers)]`` of its monomials, or ``None`` if it is not a
    polynomial in ``params``."""
    try:
        poly = sp.Poly(phi, *params)
    except sp.PolynomialError:
        return None
    if not all(c.is_number for c in poly.coeffs()):
        return None
    return [(mpmath.mpf(sp.N(c, digits)), tuple(int(a) for a in m)) for m, c in poly.terms()]


class Tail:
    """The exact jump to the limit from a state ``w``: every coordinate's :class:`CurveMap` through ``w_i`` and
    :func:`~implicit_bias.reference.argmin_Q` on them (curve integrators are kept between jumps).

    Parameters
    ----------
    p : Parametrization
    values : list of dict
        Each coordinate's constants.
    phi, kernel : list of callables
        Each coordinate's ``phi`` and ``eta |grad phi|^2`` (mpmath).
    Xm, ym : the problem
    dps, prec, digits : the answer's digits, the working precision in bits and the digits of numbers passed on
    deadline : float or None
        ``time.perf_counter()`` value at which the wall-clock budget is spent; it bounds the solve too (labels
        the model cannot reach give an unbounded dual).
    """

    def __init__(self, p: Parametrization, values: list[dict[sp.Symbol, mpmath.mpf]], phi: list[Any],
                 kernel: list[Any], Xm: list[list[mpmath.mpf]], ym: list[mpmath.mpf], dps: int, prec: int,
                 digits: int, deadline: float | None,
                 explicit: list[tuple[list[tuple[mpmath.mpf, tuple[int, ...]]], list[mpmath.mpf]]] | None = None
                 ) -> None:
        self.p, self.values, self.phi, self.kernel = p, values, phi, kernel
        self.explicit = explicit  # per coordinate (monomials of phi, log rates): the curves in closed form
        self.Xm, self.ym, self.dps, self.prec, self.digits = Xm, ym, dps, prec, digits
        self.deadline = deadline
        self._integrators: dict[tuple[str, ...], Any] = {}

    def solve(self, w: list[list[mpmath.mpf]], start: str = "zero") -> ReferenceSolution:
        """``argmin_Q`` on the curves through ``w`` (``start`` as there: ``"zero"`` near the answer)."""
        from ..reference import argmin_Q

        maps: list[Any]
        if self.explicit is not None:
            maps = [ExponentialCurveMap(terms, rates, w[i]) for i, (terms, rates) in enumerate(self.explicit)]
        else:
            maps = [curve_map(self.p, self.values[i], w[i], self.phi[i], self.kernel[i], self.prec, self.digits,
                              self._integrators) for i in range(len(w))]
        left = None if self.deadline is None else max(1e-3, self.deadline - time.perf_counter())
        return argmin_Q(maps, self.Xm, self.ym, dps=self.dps, start=start, max_time=left)

    @staticmethod
    def landed(sol: ReferenceSolution, beta: list[mpmath.mpf], where: str) -> Landing:
        """The :class:`Landing` of a successful solve ``sol`` from the state with ``beta``."""
        jump = max(abs(a_ - b_) for a_, b_ in zip(sol.beta, beta, strict=True))
        cert = sol.kkt_residual["beta_correction"]
        return Landing(list(sol.beta), cert, jump, (
            f"{where} along the curves: jump {mpmath.nstr(jump, 3)}, tail residual "
            f"{mpmath.nstr(sol.kkt_residual['primal'], 3)}, |beta - beta(inf)| ~ {mpmath.nstr(cert, 3)}"))


def curve_integrator(p: Parametrization, values: dict[sp.Symbol, mpmath.mpf], prec: int, digits: int,
                     accuracy: int | None = None, log_time: bool = True) -> Any:
    """A heyoka integrator of ``(w, q, s)`` along the curve ``dw/ds = eta grad phi(w)``, ``dq/ds = phi(w)``, with
    the constants substituted, in a curve time ``tau`` with ``ds/dtau = c_s / sqrt(eps + (c_s rate)^2)``,
    ``rate = |dw/ds| / |w|``, and in scaled variables ``w = c z``, ``q = c_q z_q``, ``s = c_s z_s``
    (``c, c_q, c_s`` = parameters 0, 1, 2, set per coordinate by CurveMap; ``c_s`` is the curve's time scale,
    ``1 / rate`` at its start).

    The time: a curve that blows up at finite ``s`` (depth >= 3: ``w ~ 1/(s_pole - s)``) is analytic only within
    the distance to its pole, so steps in ``s`` shrink with it (~1400 steps per curve from ``w ~ 1e-100`` to
    ``w ~ 1``); in ``tau`` the parameter grows like ``e^tau`` and a step covers many e-folds. It costs ~5x per
    step (the root and the quotients), so ``log_time=False`` integrates in ``s`` itself (``tau = s``) for curves
    whose time scale is O(1) (depth 2: no pole).

    The scales: heyoka controls the error relative to the state's norm only when the norm exceeds 1 and
    absolutely below: a coordinate at scale ``alpha = 1e-300`` would be integrated to absolute, i.e. no, accuracy.
    Scaling its start to norm ~1 makes the control relative, which is what MPFR's floating exponents can deliver.

    The tolerance: ``2^-accuracy`` (default: the precision). Bits beyond ``accuracy`` are there to represent ``s``
    (its distance to a pole at ``s ~ 1/alpha``), not to make each component more accurate: a tolerance at the full
    precision makes heyoka's Taylor order ~8 times larger at alpha = 1e-300 and a step ~60 times dearer.
    """
    zs = list(hy.make_vars(*[f"z{j}" for j in range(p.k)])) if p.k > 1 else [hy.make_vars("z0")]
    zq, zt = hy.make_vars("zq", "zs")
    c, cq, cs = hy.par[0], hy.par[1], hy.par[2]
    subs = {s: sp.Float(mpmath.nstr(v, digits), digits) for s, v in values.items()}
    names = {param: c * z for param, z in zip(p.params, zs, strict=True)}
    rhs = [to_heyoka((e * g).subs(subs), names, prec) / c for e, g in zip(p.lr, p.grad_phi, strict=True)]
    speed2 = hy.sum([r * r for r in rhs]) if len(rhs) > 1 else rhs[0] * rhs[0]
    size2 = hy.sum([z * z for z in zs]) if len(zs) > 1 else zs[0] * zs[0]
    # ds/dtau ~ 1 / rate: with w ~ e^tau the solution is entire in tau wherever its components are apart (a
    # "1 +" in the root would put singularities at |Im tau| = pi/2 and steps at ~1); eps keeps a curve at rest
    # (grad phi = 0) finite
    eps = hy.expression(hy.real(2, prec) ** (-(prec // 2)))
    slow = cs / hy.sqrt(eps + cs * cs * speed2 / size2) if log_time else hy.expression(hy.real(1, prec))
    system = [*((z, r * slow) for z, r in zip(zs, rhs, strict=True)),
              (zq, to_heyoka(p.phi.subs(subs), names, prec) / cq * slow), (zt, slow / cs)]
    zero = [hy.real(0, prec)] * (p.k + 2)
    one = np.array([hy.real(1, prec)] * 3)
    tol = hy.real(2, prec) ** -(accuracy if accuracy is not None else prec)
    return hy.taylor_adaptive(system, np.array(zero), fp_type=hy.real, prec=prec, compact_mode=True, pars=one, tol=tol)


def curve_map(p: Parametrization, values: dict[sp.Symbol, mpmath.mpf], w: list[mpmath.mpf], phi: Any, kernel: Any,
              prec: int, digits: int, integrators: dict[tuple[str, ...], Any]) -> CurveMap:
    """One coordinate's :class:`CurveMap` through the state ``w``, with the integrator its time scale needs
    (kept in ``integrators``, shared by coordinates with the same constants and scale).

    The curve's own time resolves the answer only if its bits cover the time scale ``|w| / |grad phi|``: depth 3
    from ``w ~ alpha`` has its pole at ``s ~ 1/alpha``, and the answer a distance O(1) before it (alpha = 1e-50 at
    136 bits: s resolved to 1e7, so b stalled at 1e-22). Such curves get those bits (rounded to 64) and the
    log-like time; curves on an O(1) time scale keep ``s`` as their time and ``prec`` bits.
    """
    size = max(abs(v) for v in w)
    speed = mpmath.sqrt(abs(kernel(*w)))
    scale = size / speed if speed > 0 and size > 0 else mpmath.mpf(1)
    extra = 64 * int(mpmath.ceil(max(0, mpmath.log(scale, 2)) / 64)) if mpmath.isfinite(scale) else 0
    key = (*(mpmath.nstr(v, 30) for v in values.values()), str(extra))
    if key not in integrators:
        integrators[key] = curve_integrator(p, values, prec + extra, digits + digits_of(extra), prec,
                                            log_time=extra > 0)
    return CurveMap(integrators[key], w, phi, kernel, prec + extra, scale if mpmath.isfinite(scale) else None, prec,
                    log_time=extra > 0)


class CurveMap:
    """``b(s) = phi(Phi(s))``, ``db``, ``B`` for one coordinate started at ``w_start`` (a CoordinateMap).

    The curve is integrated step by step as far as the solver asks, in both directions from 0, and every step's
    Taylor polynomials (heyoka's ``tc``, accurate to the working precision across the step) are kept, to become
    arb polynomials when first evaluated: a dual solver's many evaluations are then polynomial evaluations in C
    (the step's ``s(tau)`` inverted by Newton's method), not integrations.
    """

    def __init__(self, ta: Any, w_start: list[mpmath.mpf], phi: Any, kernel: Any, prec: int,
                 sigma_scale: mpmath.mpf | None = None, accuracy: int | None = None, log_time: bool = True) -> None:
        self.ta, self.w_start, self.phi, self.kernel, self.prec = ta, w_start, phi, kernel, prec
        self.sigma_scale = sigma_scale  # |w| / |grad phi|: where a pole of b may be (see CoordinateMap)
        self.log_time = log_time  # must match the integrator's (tau = s without it)
        self._digits = digits_of(prec) + 5
        # beyond this size a parameter is outside any answer the dual solver can use (b there is astronomically
        # large): the curve is treated as ended. The digits of the accuracy, not of the precision (whose extra
        # bits represent s): from w ~ 1e-300 the curve would otherwise be followed ~650 decades instead of ~340.
        reach = self._digits if accuracy is None else digits_of(accuracy) + 5
        self._bound = mpmath.mpf(10) ** reach * (1 + max(abs(v) for v in w_start))
        self._cache: tuple[mpmath.mpf, list[mpmath.mpf], mpmath.mpf] | None = None
        # scales that put the start at norm ~1 (see curve_integrator): c = |w_start|, c_q = the size of the
        # change of q over a unit of s, c_s = the time scale
        with mpmath.workdps(self._digits):
            self._c = max(abs(v) for v in w_start) or mpmath.mpf(1)
            self._cq = max(abs(phi(*w_start)), abs(kernel(*w_start)), self._c**2 * mpmath.mpf(10) ** -self._digits)
            self._cs = max(mpmath.mpf(1), abs(sigma_scale)) if sigma_scale is not None and log_time else mpmath.mpf(1)
            self._pars = np.array([hy.real(mpmath.nstr(v, self._digits), prec) for v in (self._c, self._cq, self._cs)])
            start = [hy.real(mpmath.nstr(v / self._c, self._digits), prec) for v in w_start] + [hy.real(0, prec)] * 2
        # per direction (+1, -1): steps as (s0, s1, tau1 - tau0, polynomials in tau - tau0), and the (tau, state)
        # to go on from
        self._pieces: dict[int, list[tuple[mpmath.mpf, mpmath.mpf, mpmath.mpf, Any]]] = {1: [], -1: []}
        self._reach: dict[int, list[mpmath.mpf]] = {1: [], -1: []}  # direction * s1 of each piece, increasing
        self._end: dict[int, tuple[Any, list[Any]]] = {1: (hy.real(0, prec), start), -1: (hy.real(0, prec), start)}

    def _extend(self, direction: int, s: mpmath.mpf) -> None:
        """Take one Taylor step further in ``direction`` and keep its polynomials."""
        if len(self._pieces[direction]) >= MAX_PIECES:
            # an unbounded dual (labels the model cannot reach, e.g. a negative target for w1*w2 from (a, a))
            # sends the solver's line searches out for ever; each piece is kept, so memory would run out first
            raise OutOfReach(f"the curve of eta*grad(phi) was followed for {MAX_PIECES} steps without reaching "
                             f"s = {mpmath.nstr(s, 8)}")
        t_end, state = self._end[direction]
        self.ta.time = t_end
        self.ta.state[:] = state
        self.ta.pars[:] = self._pars
        out = self.ta.step(write_tc=True) if direction > 0 else self.ta.step_backward(write_tc=True)
        s_end = mpmath.mpf(str(self.ta.state[-1])) * self._cs
        if str(out[0]) != "taylor_outcome.success" or not mpmath.isfinite(mpmath.mpf(str(out[1]))):
            raise OutsideDomain(f"the curve of eta*grad(phi) ends before s = {mpmath.nstr(s, 8)} (at "
                             f"{mpmath.nstr(mpmath.mpf(str(state[-1])) * self._cs, 8)}): {out[0]}")
        # A curve that blows up at finite s (depth >= 3) would otherwise be followed towards its pole for ever:
        # MPFR never overflows, and each step only shortens the distance by a constant factor.
        size = max(abs(mpmath.mpf(str(v))) for v in self.ta.state[:-2]) * self._c
        if size > self._bound:
            raise OutsideDomain(f"the curve of eta*grad(phi) leaves |w| <= {mpmath.nstr(self._bound, 3)} before s = "
                             f"{mpmath.nstr(s, 8)} (a pole near s = {mpmath.nstr(s_end, 8)})")
        # the coefficients are kept as heyoka reals and become arb polynomials when first evaluated: the way to
        # a pole passes through steps that are never evaluated (the string conversion is slow)
        s_start = mpmath.mpf(str(state[-1])) * self._cs
        length = mpmath.mpf(str(self.ta.time)) - mpmath.mpf(str(t_end))
        self._pieces[direction].append((s_start, s_end, length, self.ta.tc.copy()))
        self._reach[direction].append(direction * s_end)
        self._end[direction] = (self.ta.time, list(self.ta.state))

    def _at(self, s: mpmath.mpf) -> tuple[list[mpmath.mpf], mpmath.mpf]:
        if self._cache is not None and self._cache[0] == s:
            return self._cache[1], self._cache[2]
        if s == 0:
            st = [+v for v in self.w_start] + [mpmath.mpf(0)]
        else:
            direction = 1 if s > 0 else -1
            while not self._pieces[direction] or direction * (self._pieces[direction][-1][1] - s) < 0:
                self._extend(direction, s)
            at = bisect.bisect_left(self._reach[direction], direction * s)
            s0, s1, length, polys = self._pieces[direction][at]
            with flint_bits(self.prec):
                if not isinstance(polys, list):
                    polys = [flint.arb_poly([flint.arb(str(c)) for c in row]) for row in polys]
                    self._pieces[direction][at] = (s0, s1, length, polys)
                h = self._tau_of(polys[-1], s, s0, s1, length) if self.log_time \
                    else flint.arb(mpmath.nstr(s - s0, self._digits))
                st = [mpmath.mpf(P(h).mid().str(self._digits, radius=False, more=True)) for P in polys[:-1]]
            st = [v * self._c for v in st[:-1]] + [st[-1] * self._cq]
        self._cache = (s, st[:-1], st[-1])
        return st[:-1], st[-1]

    def _tau_of(self, S: flint.arb_poly, s: mpmath.mpf, s0: mpmath.mpf, s1: mpmath.mpf,
                length: mpmath.mpf) -> flint.arb:
        """The ``h = tau - tau0`` in ``[0, length]`` of the piece where ``c_s S(h) = s`` (``S`` is monotone there):
        Newton's method kept inside a shrinking bracket (bisection where a step would leave it)."""
        target = flint.arb(mpmath.nstr(s / self._cs, self._digits)).mid()
        dS = S.derivative()
        lo, hi = flint.arb(0), flint.arb(mpmath.nstr(length, self._digits)).mid()
        f_lo = (S(lo) - target).mid()
        tol = abs(hi) * flint.arb(2) ** (4 - self.prec)
        frac = (s - s0) / (s1 - s0) if s1 != s0 else mpmath.mpf(0)
        h = flint.arb(mpmath.nstr(length * frac, self._digits)).mid()
        for _ in range(4 * self.prec):
            value = S(h) - target
            if value.contains(0):  # zero within the evaluation's rounding: s resolves h no further
                break
            f = value.mid()
            if (f > 0) == (f_lo > 0):
                lo, f_lo = h, f
            else:
                hi = h
            new = (h - f / dS(h).mid()).mid()
            if not ((new - lo) * (new - hi)).mid() < 0:  # outside the bracket (or not a number): bisect
                new = ((lo + hi) / 2).mid()
            done = abs(new - h) <= tol
            h = new
            if done:
                break
        return h

    def b(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return self.phi(*self._at(sigma)[0])

    def db(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return self.kernel(*self._at(sigma)[0])

    def B(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return self._at(sigma)[1]

    @property
    def domain(self) -> tuple[mpmath.mpf, mpmath.mpf]:
        return (mpmath.mpf("-inf"), mpmath.mpf("inf"))
