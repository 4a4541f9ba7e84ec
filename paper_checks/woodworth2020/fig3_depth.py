"""Figure 3 (a, b) (Woodworth et al. 2020, Sec. 5): q_D for several depths, and the ratio
Q(e_1) / Q(1_d / ||1_d||) against alpha^D going from 1 (l2 regime) to 1/sqrt(d) (l1 regime); deeper models
reach the l1 end at larger alpha^D.

Setting: d = 100 (the drawn lower line at ~0.1 suggests it; the paper does not state d), D = 2, 3, 5, 8,
alpha^D from 1e-8 to 1e4; q_D and Q from the engine. Expected values at alpha^D = 1e-8, 1e-4, 1e-1, 1 come from
the paper's own formulas evaluated independently of the engine (q of Theorem 1 in closed form, q_D = int h_D^-1 of
Theorem 3 by bisection and quadrature; docs/theory.md): D = 2: 0.115, 0.139, 0.609, 0.981; D = 3: 0.100, 0.109,
0.479, 0.960. FAIL if any differs by more than 0.0015, if the ratio at
alpha^D = 1e4 is below 0.999, or if at alpha^D = 1e-8 the D >= 3 ratios are not within 0.002 of 1/sqrt(d).
"""

from __future__ import annotations

from typing import Any

from implicit_bias.experiments.regularizer_shapes import DepthConfig, run_depth
from implicit_bias.plotting.regularizer_shapes import plot_depth_ratio, plot_q_depth

from .._common import fmt, load_result, save_figure, save_result
from .._framework import Context, Outcome

NAME = "woodworth2020.fig3_depth"
EXPECTED = {"2": {-8.0: 0.115, -4.0: 0.139, -1.0: 0.609, 0.0: 0.981},
            "3": {-8.0: 0.100, -4.0: 0.109, -1.0: 0.479, 0.0: 0.960}}


def run(ctx: Context) -> list[Outcome]:
    save_result(ctx, NAME, run_depth(DepthConfig()))
    res = load_result(ctx, NAME)
    return judge(res, (save_figure(ctx, f"{NAME}_a", plot_q_depth(res)),
                       save_figure(ctx, f"{NAME}_b", plot_depth_ratio(res))))


def judge(res: dict[str, Any], figs: tuple[str, ...] = ()) -> list[Outcome]:
    """The ratio curves of a stored :func:`run_depth` result against the expected values and both ends."""
    grid = res["log10_alpha_D"]
    worst = 0.0
    for D, table in EXPECTED.items():
        for la, expected in table.items():
            worst = max(worst, abs(res["ratio"][D][grid.index(la)] - expected))
    kernel_end = min(r[grid.index(4.0)] for r in res["ratio"].values())
    rich_end = max(abs(r[grid.index(-8.0)] - res["d"] ** -0.5) for D, r in res["ratio"].items() if int(D) >= 3)
    return [
        Outcome(NAME, "ratio Q(e1)/Q(1/sqrt d) matches the reference values (d = 100)", f"max |diff| {fmt(worst)}",
                "0", "0.0015", worst <= 0.0015, figs),
        Outcome(NAME, "kernel end: ratio -> 1 as alpha^D -> oo", f"min ratio at 1e4: {fmt(kernel_end, 6)}", ">= 0.999",
                "-", kernel_end >= 0.999),
        Outcome(NAME, "rich end: ratio -> 1/sqrt(d) = 0.1 (D >= 3 at alpha^D = 1e-8)",
                f"max |ratio - 0.1| {fmt(rich_end)}",
                "0", "0.002", rich_end <= 0.002),
    ]
