"""Theorem 1 (Woodworth et al. 2020): gradient flow on beta = w_+^2 - w_-^2 from w_+(0) = w_-(0) = alpha 1
converges to argmin Q_alpha(beta) s.t. X beta = y, Q_alpha(beta) = alpha^2 sum_i q(beta_i / alpha^2),
q(z) = 2 - sqrt(4 + z^2) + z asinh(z/2).

Setting: the engine derives Q for "u**2 - v**2" with init (alpha, alpha); the toolkit's normalization is
Q(0) = 0, Q' = b^{-1}, which is Q_alpha / 4. FAIL if 4 Q - Q_alpha does not simplify to 0, or if the
derivation's independent check does not verify, or if grad Q differs from asinh(beta / (2 alpha^2)) / 4.
"""

from __future__ import annotations

import sympy as sp

import implicit_bias as ib

from .._framework import Context, Outcome

NAME = "woodworth2020.thm1_hypentropy"


def run(ctx: Context) -> list[Outcome]:
    a, beta = ib.ALPHA, ib.BETA
    reg = ib.derive(ib.Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": "alpha", "v": "alpha"}))
    z = beta / a**2
    paper = a**2 * (2 - sp.sqrt(4 + z**2) + z * sp.asinh(z / 2))
    diff = sp.simplify(4 * reg.Q - paper)
    check = reg.check(n_points=10, dps=50)
    return [
        Outcome(NAME, "engine's Q equals the hypentropy (x 1/4 normalization)", f"4Q - Q_paper = {diff}", "0",
                "exact (symbolic)", diff == 0),
        Outcome(NAME, "grad Q = asinh(beta/(2 alpha^2))/4", str(reg.grad_Q), "asinh(beta/(2*alpha**2))/4",
                "exact", sp.simplify(reg.grad_Q - sp.asinh(z / 2) / 4) == 0),
        Outcome(NAME, "independent check b(grad Q(beta)) = beta, Q' = grad Q, Q'' = 1/b'",
                f"residual {check.residual:.1e}",
                "verified", f"< {check.tolerance:.0e}", check.verified),
    ]
