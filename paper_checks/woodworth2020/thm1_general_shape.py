"""Theorem 1, general case (Woodworth et al. 2020, Sec. 4, eqs. 6-7; arXiv v3 numbering):
with w_+(0) = w_-(0) = alpha w0, Q = sum_i alpha^2 w0_i^2 q(beta_i / (alpha^2 w0_i^2)); as alpha -> oo it is
the l2 norm weighted by 1/w0^2, as alpha -> 0 (divided by log(1/alpha^2)) the l1 norm regardless of w0.

Setting: shape w0 = c (a positive symbol), derived by the engine; limits derived by the engine and each
confirmed numerically at an extreme alpha. FAIL if the closed form differs from the paper's, the rich limit
is not l1 with a c-free scale equal to log(1/alpha)/2 (= the paper's log(1/alpha^2)/4 in this normalization),
or the kernel limit is not beta^2 / (16 alpha^2 c^2).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

import implicit_bias as ib
from implicit_bias._parse import parse_expr

from .._common import fmt, load_result, save_result
from .._framework import Context, Outcome

NAME = "woodworth2020.thm1_general_shape"
C = sp.Symbol("c", positive=True)


def _limit(lim: ib.Limit) -> dict[str, Any]:
    return {"name": lim.name, "scale": str(lim.scale), "form": str(lim.form), "residual": lim.residual,
            "checked_at": lim.checked_at}


def run(ctx: Context) -> list[Outcome]:
    reg = ib.derive(ib.diagonal(2, shape="c"))
    rich, kernel = reg.limits()
    save_result(ctx, NAME, {"Q": str(reg.Q), "rich": _limit(rich), "kernel": _limit(kernel)})
    return judge(load_result(ctx, NAME))


def judge(res: dict[str, Any]) -> list[Outcome]:
    """The engine's shaped ``Q`` and its two limits (stored as text) against the paper's eqs. (6-7)."""
    a, beta = ib.ALPHA, ib.BETA
    names = {"alpha": a, "beta": beta, "c": C}
    Q = parse_expr(res["Q"], names, argument="Q")
    rich, kernel = res["rich"], res["kernel"]
    rich_scale = parse_expr(rich["scale"], names, argument="rich scale")
    kernel_expr = sp.simplify(parse_expr(kernel["scale"], names, argument="kernel scale")
                              * parse_expr(kernel["form"], names, argument="kernel form"))
    z = beta / (a**2 * C**2)
    paper = a**2 * C**2 * (2 - sp.sqrt(4 + z**2) + z * sp.asinh(z / 2))
    diff = sp.simplify(4 * Q - paper)
    rich_ok = rich["name"] == "l1" and not rich_scale.has(C) and sp.simplify(rich_scale - sp.log(1 / a) / 2) == 0
    kernel_ok = sp.simplify(kernel_expr - beta**2 / (16 * a**2 * C**2)) == 0
    return [
        Outcome(NAME, "general-shape Q equals alpha^2 w0^2 q(beta/(alpha^2 w0^2)) / 4", f"difference {diff}", "0",
                "exact", diff == 0),
        Outcome(NAME, "alpha -> 0: l1 regardless of the shape", f"{rich['name']}, Q ~ {rich_scale} |beta|",
                "l1, scale log(1/alpha)/2 free of c", f"numerical confirmation: rel. dev. "
                f"{fmt(rich['residual'] or 1)} at {rich['checked_at']}",
                rich_ok and rich["residual"] is not None and rich["residual"] < 0.05),
        Outcome(NAME, "alpha -> oo: l2 weighted by the shape", f"Q ~ {kernel_expr}", "beta^2/(16 alpha^2 c^2)",
                f"numerical confirmation: rel. dev. {fmt(kernel['residual'] or 1)} at {kernel['checked_at']}",
                kernel_ok and kernel["residual"] is not None and kernel["residual"] < 1e-10),
    ]
