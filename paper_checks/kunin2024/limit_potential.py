"""Kunin et al. (2024), Sec. 4 (and Azulay et al. 2021, Theorem 6.1): on underdetermined regression the single
neuron's gradient flow converges to argmin Q s.t. X beta = y, Q the Bregman divergence from beta0 of the potential
Psi_delta of its time-warped mirror flow -- provided a keeps its sign (the engine's statement: guaranteed for
delta >= 0; for delta < 0 a can cross zero and the initial-direction term flips). For one sample the minimizer has
the closed form beta* + c n, c = k sqrt(kappa + sqrt(kappa^2 + ||beta*||^2)), k = <w0, n>, kappa = (k^2 + delta)/2
(the authors' ``implicit_bias_theory``).

Setting: random problems (Gaussian X, y, initial direction; seeds 0, 1), d = 3, n = 2 (full: d = 6, n = 3), delta in
{-1, 0, 1} (full: {-2, -0.5, 0, 0.5, 2}), |a0| ||w0|| = alpha in {e^-0.7, e^-50}; the flow of (a, w) at arbitrary
precision against the derived potential's argmin by ``ib.verify`` (working digits for alpha). Rank 1: the paper's
Fig. 4(b), x = (0.5, 1), y = 1.1 (X^T y = 1.1 x), beta0 = 0.5 (0.6 (1, -0.5) + 0.4 (0.5, 1)),
delta in {-4, -2, -1, 0, 1, 2, 4}, 40 digits.

FAIL if: (i) some flow differs from the derived argmin (for the sign of a it ends with) beyond ``verify``'s
tolerance, or did not finish; (ii) a flips for some delta >= 0, or in a flipped case the other sign's argmin is as
close as 1e-3 (the flip would not matter); (iii) in the rank-1 setting the flow, the derived argmin and the closed
form differ by more than 1e-25 where a keeps its sign.
"""

from __future__ import annotations

import mpmath

from implicit_bias.experiments.single_neuron import limit_point, rank_one_point

from .._common import load_result, save_result, sweep
from .._framework import Context, Outcome

NAME = "kunin2024.limit_potential"
CHECK = "kunin2024.limit_potential"
RANK1 = {"x": ["0.5", "1"], "y": "1.1", "beta0": ["0.4", "0.05"]}
RANK1_TOL = 1e-25
FLIP_GAP = 1e-3


def closed_form(w0: list[mpmath.mpf], beta_star: list[mpmath.mpf], delta: mpmath.mpf) -> list[mpmath.mpf]:
    """Kunin et al. (2024), rank 1: ``beta* + c n`` (``implicit_bias_theory``), ``n`` the unit null direction."""
    norm = mpmath.norm(beta_star)
    n = [-beta_star[1] / norm, beta_star[0] / norm]
    k = mpmath.fsum(u * v for u, v in zip(w0, n, strict=True))
    kappa = (k**2 + delta) / 2
    c = k * mpmath.sqrt(kappa + mpmath.sqrt(kappa**2 + norm**2))
    return [b + c * v for b, v in zip(beta_star, n, strict=True)]


def _sizes(quick: bool) -> dict:
    if quick:
        return {"d": 3, "n": 2, "deltas": ["-1", "0", "1"], "seeds": [0, 1], "log_alphas": [-0.7, -50]}
    return {"d": 6, "n": 3, "deltas": ["-2", "-0.5", "0", "0.5", "2"], "seeds": [0, 1, 2], "log_alphas": [-0.7, -50]}


def run(ctx: Context) -> list[Outcome]:
    z = _sizes(ctx.quick)
    configs = [{"delta": dl, "seed": s, "log_alpha": la, "n": z["n"], "d": z["d"]}
               for la in z["log_alphas"] for dl in z["deltas"] for s in z["seeds"]]
    points = sweep(limit_point, configs, ctx, NAME)
    rank1 = sweep(rank_one_point, [{**RANK1, "delta": d} for d in ("-4", "-2", "-1", "0", "1", "2", "4")], ctx,
                  f"{NAME}_rank1")
    with mpmath.workdps(45):
        for r in rank1:
            closed = closed_form([mpmath.mpf(v) for v in r["w0"]], [mpmath.mpf(v) for v in r["beta_star"]],
                                 mpmath.mpf(r["delta"]))
            r["closed_form"] = [mpmath.nstr(v, 40) for v in closed]
    save_result(ctx, NAME, {"sizes": z, "points": points, "rank1": rank1})
    return judge(load_result(ctx, NAME))


def _gap(u: list[str], v: list[str]) -> float:
    with mpmath.workdps(45):
        return float(max(abs(mpmath.mpf(a) - mpmath.mpf(b)) for a, b in zip(u, v, strict=True)))


def judge(res: dict) -> list[Outcome]:
    """Outcomes from a stored result (``points``, ``rank1``)."""
    pts = res["points"]
    bad = [(p["delta"], p["seed"], p["log_alpha"]) for p in pts if not (p["agree"] and p["status"] == "success")]
    worst = max((p["max_diff"] for p in pts), default=float("inf"))
    flips = [p for p in pts if p["flipped"]]
    wrong_flip = [(p["delta"], p["seed"]) for p in flips if float(p["delta"]) >= 0]
    no_matter = [(p["delta"], p["seed"]) for p in flips if not p["other_diff"] > FLIP_GAP]
    gaps = []
    for r in res["rank1"]:
        if r["flipped"]:
            continue
        gaps.append(max(_gap(r["flow"], r["argmin"]), _gap(r["argmin"], r["closed_form"])))
    kept = [r["delta"] for r in res["rank1"] if not r["flipped"]]
    return [
        Outcome(CHECK, "(i) the flow's limit equals argmin of the derived potential (with its initial-direction term) "
                "on random underdetermined problems, delta of both signs and zero, |a0| ||w0|| = e^-0.7 and e^-50",
                f"{len(pts)} runs, max |beta_GF - argmin Q| = {worst:.1e}; not agreeing: {bad or 'none'}",
                "agreement to the working precision", "verify's tolerance (10^-(dps-10))", bool(pts) and not bad),
        Outcome(CHECK, "(ii) sign(a) flips only for delta < 0, and where it flips the limit is the flipped "
                "potential's argmin, far from the kept one's", f"{len(flips)} flips (delta, seed): "
                f"{[(p['delta'], p['seed']) for p in flips] or 'none'}; min distance to the other argmin "
                f"{min((p['other_diff'] for p in flips), default=float('nan')):.3g}",
                "no flip for delta >= 0; other argmin > 1e-3 away", f"{FLIP_GAP:g}", not wrong_flip and not no_matter),
        Outcome(CHECK, "(iii) rank 1 (Fig. 4b): flow = derived argmin = the authors' closed form beta* + c n",
                f"max deviation {max(gaps, default=float('inf')):.1e} at delta = {kept}",
                "agreement", f"{RANK1_TOL:g}", bool(gaps) and max(gaps) <= RANK1_TOL),
    ]
