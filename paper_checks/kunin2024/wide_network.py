"""Kunin et al. (2024), Sec. 4 (wide and deep linear networks): for beta = A W with conserved
Delta = A^T A - W W^T = delta I, gradient flow is the mirror flow of the spectral potential
Phi(beta) = sum_i phi_delta(s_i) (phi'' = 1/sqrt(delta^2 + 4 s^2), the scalar neuron's potential) only when the
gradient G = grad L is aligned with beta's singular vectors (U^T G V diagonal). Otherwise the flow
beta' = -(A A^T G + G W^T W) does not mix the pair (G^_ij, G^_ji) while the Hessian of any spectral potential does
(Lewis & Sendov 2001; b_ij != 0 since phi'(s)/s is strictly decreasing), and the statement fails.

Setting: beta random c x d (Gaussian; quick: 2 x 3, full: 3 x 4), the balanced factors A, W with Delta = delta I
from its SVD, delta in {-2, -0.5, 0.5, 2}, seeds 0, 1 (full: 0, 1, 2); G = U (D + eps O) V^T with D, O the
diagonal and off-diagonal parts of a random gradient in the singular basis, eps in {0, 1e-8, 1e-4, 1e-2, 1}, plus
the raw random gradient; 30 digits. The mirror velocity -(Hess Phi)^-1 G takes Hess Phi by central differences of
grad Phi(beta) = U phi'(S) V^T; phi' is the engine's regularizer of the scalar neuron.

FAIL if: (i) some factors miss Delta = delta I by more than 1e-25; (ii) for aligned G (eps = 0) the relative
difference of the two velocities exceeds 1e-15; (iii) it does not grow linearly with eps (log-log slope over
1e-8 ... 1e-2, between consecutive eps, outside 1 +- 0.05); (iv) for the raw gradient the relative error is
below 1e-2 or the angle between the velocities (1 - cos, which no scalar time warp changes) is below 1e-6, or some
b_ij vanishes.
"""

from __future__ import annotations

import math
from itertools import pairwise

from implicit_bias.experiments.wide_linear import WideConfig, wide_point
from implicit_bias.plotting.single_neuron import plot_wide_network

from .._common import load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "kunin2024.wide_network"
CHECK = "kunin2024.wide_network"
BALANCE_TOL, ALIGNED_TOL, SLOPE_TOL, GENERIC_MIN, ANGLE_MIN = 1e-25, 1e-15, 0.05, 1e-2, 1e-6


def run(ctx: Context) -> list[Outcome]:
    cfg = WideConfig(c=2, d=3, seeds=(0, 1)) if ctx.quick else WideConfig(c=3, d=4, seeds=(0, 1, 2))
    points = sweep(wide_point, cfg.points(), ctx, NAME)
    save_result(ctx, NAME, {"points": points})
    res = load_result(ctx, NAME)
    return judge(res, save_figure(ctx, NAME, plot_wide_network(res)))


def _slopes(p: dict) -> list[float]:
    """Log-log slopes between consecutive misalignments in [1e-8, 1e-2]."""
    pairs = [(e, r) for e, r in zip(p["misalignment"], p["rel_error"], strict=True) if 1e-8 <= e <= 1e-2 and r > 0]
    return [(math.log(r1) - math.log(r0)) / (math.log(e1) - math.log(e0))
            for (e0, r0), (e1, r1) in pairwise(pairs)]


def judge(res: dict, fig: str) -> list[Outcome]:
    """Outcomes from a stored result (``points``: :func:`~implicit_bias.experiments.wide_linear.wide_point`)."""
    pts = res["points"]
    balance = max((p["balance"] for p in pts), default=float("inf"))
    aligned = max((p["rel_error"][p["misalignment"].index(0)] for p in pts if 0 in p["misalignment"]),
                  default=float("inf"))
    slopes = [v for p in pts for v in _slopes(p)]
    generic = min((p["generic_rel_error"] for p in pts), default=0.0)
    angle = min((p["generic_one_minus_cos"] for p in pts), default=0.0)
    mixing = min((p["min_mixing"] for p in pts), default=0.0)
    return [
        Outcome(CHECK, "(i) the balanced factors realize Delta = delta I", f"max |A^T A - W W^T - delta I| = "
                f"{balance:.1e}", "0", f"{BALANCE_TOL:g}", bool(pts) and balance <= BALANCE_TOL),
        Outcome(CHECK, "(ii) aligned gradient (U^T G V diagonal): gradient flow IS the spectral mirror flow",
                f"max relative difference {aligned:.1e} over {len(pts)} (delta, seed)", "0 (to the differences' "
                "accuracy)", f"{ALIGNED_TOL:g}", bool(pts) and aligned <= ALIGNED_TOL, (fig,)),
        Outcome(CHECK, "(iii) misaligned by eps: the mirror flow is off by O(eps)", "log-log slopes: "
                + ", ".join(f"{s:.3f}" for s in slopes), "1", f"+-{SLOPE_TOL}",
                bool(slopes) and all(abs(s - 1) <= SLOPE_TOL for s in slopes), (fig,)),
        Outcome(CHECK, "(iv) generic gradient: the statement fails by an O(1) amount, not removable by a time warp",
                f"min relative error {generic:.3f}, min 1 - cos {angle:.2e}; min |b_ij| {mixing:.3f}",
                f"relative error >= {GENERIC_MIN:g}, 1 - cos >= {ANGLE_MIN:g}, b_ij != 0", "-",
                bool(pts) and generic >= GENERIC_MIN and angle >= ANGLE_MIN and mixing > 0, (fig,)),
    ]
