"""Theorem 3 (Woodworth et al. 2020, Sec. 5, eq. 10; arXiv v3 numbering): for beta = w_+^D - w_-^D, D >= 3,
Q^D_alpha(beta) = alpha^D sum_i q_D(beta_i / alpha^D), q_D = int h_D^{-1},
h_D(z) = (1 - z)^(-D/(D-2)) - (1 + z)^(-D/(D-2)); l1 as alpha -> 0 and l2 as alpha -> oo.

Setting: the engine's Q (an exact Legendre form: h_D has no elementary inverse) against q_D computed
independently (bisection + secant inverse of h_D, mpmath quadrature) for D = 3..8 (quick: 3, 4, 5) at two
points each; the toolkit's Q equals Q^D / (D (D-2) alpha^(D-2)). FAIL if any value differs by more than
1e-30 relative, or if the derived limits are not l1 (scale alpha^(2-D)/(D(D-2))) and l2.
"""

from __future__ import annotations

from typing import Any

import mpmath
import sympy as sp

import implicit_bias as ib
from implicit_bias._parse import parse_expr

from .._common import load_result, save_result
from .._framework import Context, Outcome

NAME = "woodworth2020.thm3_depth"


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


POINTS = (("0.7", "0.3"), ("1.3", "-2.5"))  # (alpha, beta)
DIGITS = 45


def run(ctx: Context) -> list[Outcome]:
    depths = (3, 4, 5) if ctx.quick else (3, 4, 5, 6, 7, 8)
    points, limits = [], {}
    for D in depths:
        reg = ib.derive(ib.diagonal(D))
        f = reg.to_numeric(dps=40)
        with mpmath.workdps(DIGITS):
            for alpha_s, beta_s in POINTS:
                alpha, beta = mpmath.mpf(alpha_s), mpmath.mpf(beta_s)
                points.append({"D": D, "alpha": alpha_s, "beta": beta_s,
                               "Q": mpmath.nstr(f.Q(beta, alpha=alpha), DIGITS),
                               "q_paper": mpmath.nstr(_q_paper(D, beta / alpha**D), DIGITS)})
        rich, kernel = reg.limits()
        limits[str(D)] = {"rich": rich.name, "rich_scale": str(rich.scale), "kernel": kernel.name}
    save_result(ctx, NAME, {"depths": list(depths), "points": points, "limits": limits})
    return judge(load_result(ctx, NAME))


def judge(res: dict[str, Any]) -> list[Outcome]:
    """``D (D-2) alpha^(D-2) Q`` (the engine's, stored) against ``alpha^D q_D(beta / alpha^D)``; the limits."""
    a = ib.ALPHA
    worst = mpmath.mpf(0)
    with mpmath.workdps(DIGITS):
        for pt in res["points"]:
            D, alpha = pt["D"], mpmath.mpf(pt["alpha"])
            paper = alpha**D * mpmath.mpf(pt["q_paper"])
            ours = D * (D - 2) * alpha ** (D - 2) * mpmath.mpf(pt["Q"])
            worst = max(worst, abs(ours - paper) / abs(paper))
    limits_ok = bool(res["limits"]) and all(
        lim["rich"] == "l1" and lim["kernel"] == "l2"
        and sp.simplify(parse_expr(lim["rich_scale"], {"alpha": a}, argument="rich scale")
                        - a ** (2 - int(D)) / (int(D) * (int(D) - 2))) == 0
        for D, lim in res["limits"].items())
    depths = ", ".join(map(str, res["depths"]))
    return [
        Outcome(NAME, f"Q^D = alpha^D q_D(beta/alpha^D), q_D = int h_D^-1 (D = {depths})",
                f"max rel. difference {mpmath.nstr(worst, 3)}", "0", "1e-30",
                bool(res["points"]) and worst < mpmath.mpf(10) ** -30),
        Outcome(NAME, "limits: l1 as alpha -> 0 (scale alpha^(2-D)/(D(D-2))), l2 as alpha -> oo", str(limits_ok),
                "True", "exact (symbolic)", limits_ok),
    ]
