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

from typing import Any

import heyoka as hy
import mpmath
import numpy as np
import sympy as sp

from ..parametrizations import Parametrization
from ._heyoka import to_heyoka

__all__ = ["CurveMap", "curve_integrator"]


def curve_integrator(p: Parametrization, values: dict[sp.Symbol, mpmath.mpf], prec: int, digits: int) -> Any:
    """A heyoka integrator of ``(w, q)' = (eta grad phi(w), phi(w))`` with the constants substituted."""
    ws = list(hy.make_vars(*[f"c{j}" for j in range(p.k)])) if p.k > 1 else [hy.make_vars("c0")]
    q = hy.make_vars("q")
    subs = {s: sp.Float(mpmath.nstr(v, digits), digits) for s, v in values.items()}
    names = dict(zip(p.params, ws, strict=True))
    rhs = [to_heyoka((e * g).subs(subs), names, prec) for e, g in zip(p.lr, p.grad_phi, strict=True)]
    system = [*zip(ws, rhs, strict=True), (q, to_heyoka(p.phi.subs(subs), names, prec))]
    zero = [hy.real(0, prec)] * (p.k + 1)
    return hy.taylor_adaptive(system, np.array(zero), fp_type=hy.real, prec=prec, compact_mode=True)


class CurveMap:
    """``b(s) = phi(Phi(s))``, ``db``, ``B`` for one coordinate started at ``w_start`` (a CoordinateMap)."""

    def __init__(self, ta: Any, w_start: list[mpmath.mpf], phi: Any, kernel: Any, prec: int) -> None:
        self.ta, self.w_start, self.phi, self.kernel, self.prec = ta, w_start, phi, kernel, prec
        self._cache: tuple[mpmath.mpf, list[mpmath.mpf], mpmath.mpf] | None = None

    def _at(self, s: mpmath.mpf) -> tuple[list[mpmath.mpf], mpmath.mpf]:
        if self._cache is not None and self._cache[0] == s:
            return self._cache[1], self._cache[2]
        digits = int(self.prec * 0.30103) + 5
        self.ta.time = hy.real(0, self.prec)
        self.ta.state[:] = [hy.real(mpmath.nstr(v, digits), self.prec) for v in self.w_start] + [hy.real(0, self.prec)]
        if s != 0:
            out = self.ta.propagate_until(hy.real(mpmath.nstr(s, digits), self.prec))
            if str(out[0]) != "taylor_outcome.time_limit":
                raise ValueError(f"the curve of eta*grad(phi) ends before s = {s}: {out[0]}")
        st = [mpmath.mpf(str(v)) for v in self.ta.state]
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
