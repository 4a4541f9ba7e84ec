"""Depth-D theorem (Theorem 3 of arXiv v3; "Theorem 4" in the issues): for beta = w_+^D - w_-^D, D >= 3,
Q^D_alpha(beta) = alpha^D sum_i q_D(beta_i / alpha^D), q_D = int h_D^{-1},
h_D(z) = (1 - z)^(-D/(D-2)) - (1 + z)^(-D/(D-2)); l1 as alpha -> 0 and l2 as alpha -> oo.

Setting: the engine's Q (an exact Legendre form: h_D has no elementary inverse) against q_D computed
independently (bisection + secant inverse of h_D, mpmath quadrature) for D = 3..8 (quick: 3, 4, 5) at two
points each; the toolkit's Q equals Q^D / (D (D-2) alpha^(D-2)). FAIL if any value differs by more than
1e-30 relative, or if the derived limits are not l1 (scale alpha^(2-D)/(D(D-2))) and l2.
"""

from __future__ import annotations

import mpmath
import sympy as sp

import implicit_bias as ib

from .._framework import Context, Outcome

NAME = "woodworth2020.thm4_depth"


def _h(D: int, z: mpmath.mpf) -> mpmath.mpf:
    p = mpmath.mpf(D) / (D - 2)
    return (1 - z) ** (-p) - (1 + z) ** (-p)


def _q_paper(D: int, t: mpmath.mpf) -> mpmath.mpf:
    def h_inv(x: mpmath.mpf) -> mpmath.mpf:
        if x == 0:
            return mpmath.mpf(0)
        lo, hi = mpmath.mpf(0), min(abs(x) * (D - 2) / (2 * D), mpmath.mpf(1))
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _h(D, mid) < abs(x) else (lo, mid)
        return mpmath.sign(x) * mpmath.findroot(lambda z: _h(D, z) - abs(x), (lo + hi) / 2)

    return mpmath.quad(h_inv, [0, t])


def run(ctx: Context) -> list[Outcome]:
    a = ib.ALPHA
    depths = (3, 4, 5) if ctx.quick else (3, 4, 5, 6, 7, 8)
    worst, limits_ok = mpmath.mpf(0), True
    for D in depths:
        reg = ib.derive(ib.diagonal(D))
        f = reg.to_numeric(dps=40)
        with mpmath.workdps(45):
            for alpha, beta in [(mpmath.mpf("0.7"), mpmath.mpf("0.3")), (mpmath.mpf("1.3"), mpmath.mpf("-2.5"))]:
                paper = alpha**D * _q_paper(D, beta / alpha**D)
                ours = D * (D - 2) * alpha ** (D - 2) * f.Q(beta, alpha=alpha)
                worst = max(worst, abs(ours - paper) / abs(paper))
        rich, kernel = reg.limits()
        limits_ok &= rich.name == "l1" and sp.simplify(rich.scale - a ** (2 - D) / (D * (D - 2))) == 0
        limits_ok &= kernel.name == "l2"
    return [
        Outcome(NAME, f"Q^D = alpha^D q_D(beta/alpha^D), q_D = int h_D^-1 (D = {', '.join(map(str, depths))})",
                f"max rel. difference {mpmath.nstr(worst, 3)}", "0", "1e-30", worst < mpmath.mpf(10) ** -30),
        Outcome(NAME, "limits: l1 as alpha -> 0 (scale alpha^(2-D)/(D(D-2))), l2 as alpha -> oo", str(limits_ok),
                "True", "exact (symbolic)", bool(limits_ok)),
    ]
