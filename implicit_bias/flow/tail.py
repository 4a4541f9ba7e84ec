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
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import flint
import heyoka as hy
import mpmath
import numpy as np
import sympy as sp

from ..parametrizations import Parametrization
from ..reference.base import OutOfReach
from ._heyoka import to_heyoka

__all__ = ["CurveMap", "curve_integrator"]

#: Taylor steps kept per direction of one curve (at 50 digits a piece is ~5 kB; alpha = e^-10000 needs ~1500).
MAX_PIECES = 20_000


@contextmanager
def _flint_prec(prec: int) -> Iterator[None]:
    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        yield
    finally:
        flint.ctx.prec = old


def curve_integrator(p: Parametrization, values: dict[sp.Symbol, mpmath.mpf], prec: int, digits: int) -> Any:
    """A heyoka integrator of ``(w, q)' = (eta grad phi(w), phi(w))`` with the constants substituted, in scaled
    variables ``w = c z``, ``q = c_q z_q`` (``c, c_q`` = parameters 0 and 1, set per coordinate by CurveMap).

    heyoka controls the error relative to the state's norm only when the norm exceeds 1 and absolutely below:
    a coordinate at scale ``alpha = 1e-300`` would be integrated to absolute, i.e. no, accuracy. Scaling its
    start to norm ~1 makes the control relative, which is what MPFR's floating exponents can deliver.
    """
    zs = list(hy.make_vars(*[f"z{j}" for j in range(p.k)])) if p.k > 1 else [hy.make_vars("z0")]
    zq = hy.make_vars("zq")
    c, cq = hy.par[0], hy.par[1]
    subs = {s: sp.Float(mpmath.nstr(v, digits), digits) for s, v in values.items()}
    names = {param: c * z for param, z in zip(p.params, zs, strict=True)}
    rhs = [to_heyoka((e * g).subs(subs), names, prec) / c for e, g in zip(p.lr, p.grad_phi, strict=True)]
    system = [*zip(zs, rhs, strict=True), (zq, to_heyoka(p.phi.subs(subs), names, prec) / cq)]
    zero = [hy.real(0, prec)] * (p.k + 1)
    one = np.array([hy.real(1, prec), hy.real(1, prec)])
    return hy.taylor_adaptive(system, np.array(zero), fp_type=hy.real, prec=prec, compact_mode=True, pars=one)


class CurveMap:
    """``b(s) = phi(Phi(s))``, ``db``, ``B`` for one coordinate started at ``w_start`` (a CoordinateMap).

    The curve is integrated step by step as far as the solver asks, in both directions from 0, and every step's
    Taylor polynomials (heyoka's ``tc``, accurate to the working precision across the step) are kept as arb
    polynomials: a dual solver's many evaluations are then polynomial evaluations in C, not integrations.
    """

    def __init__(self, ta: Any, w_start: list[mpmath.mpf], phi: Any, kernel: Any, prec: int) -> None:
        self.ta, self.w_start, self.phi, self.kernel, self.prec = ta, w_start, phi, kernel, prec
        self._digits = int(prec * 0.30103) + 5
        # beyond this size a parameter is outside any answer the dual solver can use (b there is astronomically
        # large): the curve is treated as ended
        self._bound = mpmath.mpf(10) ** self._digits * (1 + max(abs(v) for v in w_start))
        self._cache: tuple[mpmath.mpf, list[mpmath.mpf], mpmath.mpf] | None = None
        # scales that put the start at norm ~1 (see curve_integrator): c = |w_start|, c_q = the size of the
        # change of q over a unit of s
        with mpmath.workdps(self._digits):
            self._c = max(abs(v) for v in w_start) or mpmath.mpf(1)
            self._cq = max(abs(phi(*w_start)), abs(kernel(*w_start)), self._c**2 * mpmath.mpf(10) ** -self._digits)
            self._pars = np.array([hy.real(mpmath.nstr(self._c, self._digits), prec),
                                   hy.real(mpmath.nstr(self._cq, self._digits), prec)])
            start = [hy.real(mpmath.nstr(v / self._c, self._digits), prec) for v in w_start] + [hy.real(0, prec)]
        # per direction (+1, -1): steps as (t0, t1, polynomials in t - t0), and the (time, state) to go on from
        self._pieces: dict[int, list[tuple[mpmath.mpf, mpmath.mpf, list[flint.arb_poly]]]] = {1: [], -1: []}
        self._reach: dict[int, list[mpmath.mpf]] = {1: [], -1: []}  # direction * t1 of each piece, increasing
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
        if str(out[0]) != "taylor_outcome.success" or not mpmath.isfinite(mpmath.mpf(str(out[1]))):
            raise ValueError(f"the curve of eta*grad(phi) ends before s = {mpmath.nstr(s, 8)} (at "
                             f"{mpmath.nstr(mpmath.mpf(str(t_end)), 8)}): {out[0]}")
        # A curve that blows up at finite s (depth >= 3) would otherwise be followed towards its pole for ever:
        # MPFR never overflows, and each step only shortens the distance by a constant factor.
        size = max(abs(mpmath.mpf(str(v))) for v in self.ta.state[:-1]) * self._c
        if size > self._bound:
            raise ValueError(f"the curve of eta*grad(phi) leaves |w| <= {mpmath.nstr(self._bound, 3)} before s = "
                             f"{mpmath.nstr(s, 8)} (a pole near s = {mpmath.nstr(mpmath.mpf(str(self.ta.time)), 8)})")
        with _flint_prec(self.prec):
            polys = [flint.arb_poly([flint.arb(str(c)) for c in row]) for row in self.ta.tc]
        self._pieces[direction].append((mpmath.mpf(str(t_end)), mpmath.mpf(str(self.ta.time)), polys))
        self._reach[direction].append(direction * self._pieces[direction][-1][1])
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
            t0, _t1, polys = self._pieces[direction][bisect.bisect_left(self._reach[direction], direction * s)]
            with _flint_prec(self.prec):
                h = flint.arb(mpmath.nstr(s - t0, self._digits))
                st = [mpmath.mpf(P(h).mid().str(self._digits, radius=False, more=True)) for P in polys]
            st = [v * self._c for v in st[:-1]] + [st[-1] * self._cq]
        self._cache = (s, st[:-1], st[-1])
        return st[:-1], st[-1]

    def b(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return self.phi(*self._at(sigma)[0])

    def db(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return self.kernel(*self._at(sigma)[0])

    def B(self, sigma: mpmath.mpf) -> mpmath.mpf:
        return self._at(sigma)[1]

    @property
    def domain(self) -> tuple[mpmath.mpf, mpmath.mpf]:
        return (mpmath.mpf("-inf"), mpmath.mpf("inf"))
