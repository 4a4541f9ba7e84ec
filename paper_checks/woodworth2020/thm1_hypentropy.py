"""Theorem 1 (Woodworth et al. 2020): gradient flow on beta = w_+^2 - w_-^2 from w_+(0) = w_-(0) = alpha 1
converges to argmin Q_alpha(beta) s.t. X beta = y, Q_alpha(beta) = alpha^2 sum_i q(beta_i / alpha^2),
q(z) = 2 - sqrt(4 + z^2) + z asinh(z/2).

Setting: the engine derives Q for "u**2 - v**2" with init (alpha, alpha); the toolkit's normalization is
Q(0) = 0, Q' = b^{-1}, which is Q_alpha / 4. FAIL if 4 Q - Q_alpha does not simplify to 0, or if the
derivation's independent check does not verify, or if grad Q differs from asinh(beta / (2 alpha^2)) / 4.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

import implicit_bias as ib
from implicit_bias._parse import parse_expr

from .._common import load_result, save_result
from .._framework import Context, Outcome

NAME = "woodworth2020.thm1_hypentropy"


def run(ctx: Context) -> list[Outcome]:
    reg = ib.derive(ib.Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": "alpha", "v": "alpha"}))
    check = reg.check(n_points=10, dps=50)
    save_result(ctx, NAME, {"Q": str(reg.Q), "grad_Q": str(reg.grad_Q),
                            "check": {"verified": check.verified, "residual": check.residual,
                                      "tolerance": check.tolerance}})
    return judge(load_result(ctx, NAME))


def judge(res: dict[str, Any]) -> list[Outcome]:
    """The engine's ``Q`` and ``grad Q`` (stored as text) against the paper's hypentropy, and its own check."""
    a, beta = ib.ALPHA, ib.BETA
    names = {"alpha": a, "beta": beta}
    Q, grad_Q = parse_expr(res["Q"], names, argument="Q"), parse_expr(res["grad_Q"], names, argument="grad_Q")
    z = beta / a**2
    paper = a**2 * (2 - sp.sqrt(4 + z**2) + z * sp.asinh(z / 2))
    diff = sp.simplify(4 * Q - paper)
    check = res["check"]
    return [
        Outcome(NAME, "engine's Q equals the hypentropy (x 1/4 normalization)", f"4Q - Q_paper = {diff}", "0",
                "exact (symbolic)", diff == 0),
        Outcome(NAME, "grad Q = asinh(beta/(2 alpha^2))/4", str(grad_Q), "asinh(beta/(2*alpha**2))/4",
                "exact", sp.simplify(grad_Q - sp.asinh(z / 2) / 4) == 0),
        Outcome(NAME, "independent check b(grad Q(beta)) = beta, Q' = grad Q, Q'' = 1/b'",
                f"residual {check['residual']:.1e}", "verified", f"< {check['tolerance']:.0e}",
                bool(check["verified"]) and check["residual"] < check["tolerance"]),
    ]
