"""The tail of a commuting model's flow in one jump, along its composed flows (no derivation involved).

When the fields ``V_i = eta grad G_i`` commute, the flow from any state ``w(T)`` on stays on
``psi(mu) = exp(sum_i mu_i V_i) w(T)`` with ``mu(t) = -X^T int_T^t r / n``, a vector of the range of ``X^T``
(Li, Wang, Lee & Arora 2022). The limit is therefore ``G(psi(X^T lam))`` for the ``lam`` solving
``X G(psi(X^T lam)) = y``: the maximizer of the concave ``g(lam) = y^T lam - R(X^T lam)``,
``R(mu) = int_0^1 G(psi(t mu)) . mu dt``, whose gradient is ``y - X G(psi)`` and Hessian ``-X K X^T`` with
``K = J eta J^T`` at ``psi``. Each evaluation integrates the combined field for unit time (heyoka, MPFR), with
``R`` along as an extra state; damped Newton with an Armijo search finds ``lam``.
"""

from __future__ import annotations

from typing import Any

import heyoka as hy
import mpmath
import numpy as np
import sympy as sp

from .._precision import GUARD_DIGITS
from .._precision import digits as digits_of
from ._heyoka import to_heyoka

__all__ = ["ComposedTail"]

_ARMIJO = mpmath.mpf("1e-4")


class ComposedTail:
    """``beta(lam) = G(psi(X^T lam))`` from a state ``w``, and Newton's method for ``X beta(lam) = y``.

    Parameters
    ----------
    p : SharedParametrization
        A commuting model.
    subs : dict
        Values of its constants (``alpha`` included), as SymPy numbers.
    prec : int
        Bits of the integration.
    """

    def __init__(self, p: Any, subs: dict[sp.Symbol, sp.Expr], prec: int) -> None:
        self.p, self.prec, self.d, self.D = p, prec, p.d, p.D
        digits = digits_of(prec) + GUARD_DIGITS
        z = list(hy.make_vars(*[f"z{k}" for k in range(p.D)]))
        q = hy.make_vars("q")
        # w_k = c_k z_k: each parameter starts at 1 in its own scale (c_k = parameters d + k), so that heyoka's
        # error control, absolute below norm 1, is relative for the tiny ones
        names = {w: hy.par[p.d + k] * z[k] for k, w in enumerate(p.params)}
        mus = [hy.par[i] for i in range(p.d)]
        fields = [[to_heyoka(sp.N(V[k].subs(subs), digits), names, prec) for k in range(p.D)] for V in p.fields]
        rhs = [hy.sum([mus[i] * fields[i][k] for i in range(p.d)]) / hy.par[p.d + k] for k in range(p.D)]
        G = [to_heyoka(sp.N(g.subs(subs), digits), names, prec) for g in p.exprs]
        system = [*zip(z, rhs, strict=True), (q, hy.sum([mus[i] * G[i] for i in range(p.d)]))]
        start = np.array([hy.real(1, prec)] * p.D + [hy.real(0, prec)])
        self.ta = hy.taylor_adaptive(system, start, fp_type=hy.real, prec=prec, compact_mode=True,
                                     pars=np.array([hy.real(1, prec)] * (p.d + p.D)))
        self._G = sp.lambdify(list(p.params), [g.subs(subs) for g in p.exprs], modules="mpmath")
        self._J = sp.lambdify(list(p.params), p.jacobian.subs(subs), modules="mpmath")
        self._eta = [mpmath.mpf(sp.N(e.subs(subs), digits)) for e in p.lr]

    def at(self, w: list[mpmath.mpf], mu: list[mpmath.mpf]) -> tuple[list[mpmath.mpf], mpmath.mpf, list[mpmath.mpf]]:
        """``(beta, R, w_end)`` after unit time of ``sum_i mu_i V_i`` from ``w``."""
        digits = digits_of(self.prec) + 5
        scale = [abs(v) if v != 0 else mpmath.mpf(1) for v in w]
        self.ta.time = hy.real(0, self.prec)
        self.ta.state[:] = [hy.real(mpmath.nstr(v / c, digits), self.prec) for v, c in zip(w, scale, strict=True)] \
            + [hy.real(0, self.prec)]
        self.ta.pars[:] = [hy.real(mpmath.nstr(v, digits), self.prec) for v in [*mu, *scale]]
        out = self.ta.propagate_until(hy.real(1, self.prec))
        if str(out[0]) != "taylor_outcome.time_limit":
            raise ArithmeticError(f"the composed flow did not reach unit time: {out[0]}")
        st = [mpmath.mpf(str(v)) for v in self.ta.state]
        w_end = [v * c for v, c in zip(st[:-1], scale, strict=True)]
        return [mpmath.mpf(b) for b in self._G(*w_end)], st[-1], w_end

    def kernel(self, w: list[mpmath.mpf]) -> mpmath.matrix:
        """``K = J eta J^T`` at ``w``."""
        J = mpmath.matrix(self._J(*w))
        return J * mpmath.diag(self._eta) * J.T

    def solve(self, w: list[mpmath.mpf], X: mpmath.matrix, y: mpmath.matrix, tol: mpmath.mpf, max_iter: int = 60
              ) -> tuple[list[mpmath.mpf], mpmath.mpf, mpmath.mpf, int]:
        """Newton's method from ``lam = 0``: ``(beta, residual, certificate, iterations)``.

        ``certificate`` is ``max |K X^T H^-1 r|``: how far one more Newton step would move ``beta``.
        """
        n = X.rows
        lam = mpmath.matrix(n, 1)

        def evaluate(lam_: mpmath.matrix) -> tuple[list[mpmath.mpf], mpmath.mpf, list[mpmath.mpf], mpmath.matrix]:
            mu = X.T * lam_
            beta, R, w_end = self.at(w, [mu[i] for i in range(self.d)])
            g = (y.T * lam_)[0] - R
            return beta, g, w_end, X * mpmath.matrix(beta) - y

        beta, g, w_end, r = evaluate(lam)
        cert = mpmath.inf
        for it in range(max_iter):
            K = self.kernel(w_end)
            H = X * K * X.T
            step = mpmath.lu_solve(H, -r)
            cert = max(abs(v) for v in K * X.T * step)
            if mpmath.norm(r, mpmath.inf) <= tol:
                return beta, mpmath.norm(r, mpmath.inf), cert, it
            slope = -(r.T * step)[0]  # the directional derivative of g along the step
            t = mpmath.mpf(1)
            for _ in range(60):
                try:
                    trial = evaluate(lam + t * step)
                except (ArithmeticError, ValueError):
                    t /= 2
                    continue
                if trial[1] >= g + _ARMIJO * t * slope:
                    break
                t /= 2
            else:
                return beta, mpmath.norm(r, mpmath.inf), cert, it
            lam = lam + t * step
            beta, g, w_end, r = trial
        return beta, mpmath.norm(r, mpmath.inf), cert, max_iter
