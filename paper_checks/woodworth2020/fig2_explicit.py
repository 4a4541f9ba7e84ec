"""Figure 2 and eqs. (8-9) (Woodworth et al. 2020): the implicit q differs from the explicit
R(beta) = min ||w - alpha 1||^2 s.t. u^2 - v^2 = beta, whose per-coordinate r(z) is a root of
p_z(u) = u^4 - 6u^3 + (12 - 2z^2)u^2 - (8 + 10z^2)u + z^2 + z^4; R approaches l1 polynomially in alpha
while q needs exponentially small alpha.

Setting: the explicit comparator is derived by Groebner elimination; alpha from 1e-1 to 1e-8 (quick) at
beta = e_1. Measured: the eliminated polynomial vs p_z; the log-log slope of |R - 1| against alpha (expected
1: R = ||beta||_1 - 2 alpha sum sqrt|beta_i| + O(alpha^2)); and the slope of log |Q/log(1/alpha^2) - 1|
against log log(1/alpha^2) (expected -1: a logarithmic approach). Note: the paper's "unique real root" is
the smaller of two real roots (at z = 1: 0.11835 and 4.66364). FAIL if the polynomial differs, r(1) is
not 0.118351..., or a slope is off by more than 0.1 (explicit) / 0.25 (implicit).
"""

from __future__ import annotations

import math
from typing import Any

import sympy as sp

import implicit_bias as ib
from implicit_bias._parse import parse_expr
from implicit_bias.derive.explicit import explicit_regularizer
from implicit_bias.experiments.fitting import fit_slope
from implicit_bias.experiments.regularizer_shapes import ExplicitConfig, run_explicit
from implicit_bias.plotting.regularizer_shapes import plot_explicit_vs_implicit

from .._common import fmt, load_result, save_figure, save_result
from .._framework import Context, Outcome

NAME = "woodworth2020.fig2_explicit"


def run(ctx: Context) -> list[Outcome]:
    cfg = ExplicitConfig() if ctx.quick else ExplicitConfig(n_z=121, log10_alphas=tuple(-k / 2 for k in range(2, 25)))
    R = explicit_regularizer(ib.diagonal(2))
    save_result(ctx, NAME, {**run_explicit(cfg), "polynomial": str(R.polynomial), "r1": float(R(1, alpha=1))})
    res = load_result(ctx, NAME)
    return judge(res, (save_figure(ctx, NAME, plot_explicit_vs_implicit(res)),))


def judge(res: dict[str, Any], figs: tuple[str, ...] = ()) -> list[Outcome]:
    """The eliminated polynomial (text, in ``r``, ``beta``, ``alpha``), ``r(1)`` and the two approach slopes."""
    a, beta = ib.ALPHA, ib.BETA
    r, u = sp.Symbol("r", nonnegative=True), sp.Symbol("u")
    poly = parse_expr(res["polynomial"], {"alpha": a, "beta": beta, "r": r}, argument="polynomial")
    z = beta / a**2
    paper = u**4 - 6 * u**3 + (12 - 2 * z**2) * u**2 - (8 + 10 * z**2) * u + z**2 + z**4
    ours = sp.expand(poly.subs(r, a**2 * u) / a**8)
    r1 = res["r1"]
    rows = zip(res["log10_alpha"], res["dev_q"], res["dev_r"], strict=True)
    small = [(la, dq, dr) for la, dq, dr in rows if la <= -2]
    if len(small) < 2:
        return [Outcome(NAME, "approach to l1 measured at >= 2 alphas <= 1e-2", f"{len(small)}", ">= 2", "-", False)]
    slope_r = fit_slope([10.0**la for la, _, _ in small], [dr for _, _, dr in small])
    slope_q = fit_slope([-2 * la * math.log(10) for la, _, _ in small], [dq for _, dq, _ in small])  # vs log(1/alpha^2)
    return [
        Outcome(NAME, "eliminated polynomial equals the paper's p_z (eq. 9)", f"difference {sp.expand(ours - paper)}",
                "0", "exact", sp.expand(ours - paper) == 0, figs),
        Outcome(NAME, "r(1) is the smaller of two real roots", fmt(r1, 8), "0.11835109", "1e-7",
                abs(r1 - 0.1183510857) < 1e-7),
        Outcome(NAME, "explicit R -> l1 polynomially (|R - 1| ~ 2 alpha)", f"log-log slope {fmt(slope_r)}", "1",
                "0.1", abs(slope_r - 1) < 0.1),
        Outcome(NAME, "implicit Q -> l1 only logarithmically (error ~ 1/log(1/alpha^2))",
                f"slope vs log log(1/alpha^2): {fmt(slope_q)}", "-1", "0.25", abs(slope_q + 1) < 0.25),
    ]
