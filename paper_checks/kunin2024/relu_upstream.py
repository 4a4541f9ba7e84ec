"""Figure 1(b) and its appendix companion (Kunin et al. 2024): in two-layer ReLU networks, upstream
initializations (delta > 0: |a| > ||w||, the hidden layer learns faster) at small overall scale tau learn features
*rapidly* -- the tangent kernel and the activation patterns move within the first checkpoints and the test loss
drops first -- while downstream ones (delta < 0) keep their activation patterns and stay lazy early on; at large
tau every delta is lazy.

Setting (the teacher-student task of Chizat et al. 2019 as in the paper's Fig. 1): inputs uniform on the unit
sphere of R^d, teacher of 3 unit-norm ReLU neurons with readouts +-1, symmetrized student of width 50 with
|a_k| ||w_k|| = tau^2 and per-neuron balance delta_k = a_k^2 - ||w_k||^2 = delta; full-batch gradient descent on the
mean squared error with step base_step / tau^2; measures at checkpoints (numbers of steps) averaged over seeds:
kernel distance 1 - <K_0, K_t>_F / (||K_0||_F ||K_t||_F) of the tangent kernel on the training inputs, the fraction
of (input, neuron) activations that switched, ||theta_t - theta_0||, and the test loss.
--quick: d = 20, 200 training and 2,000 test inputs, base_step 1e-3 (the paper's 5e-3 at d = 100, scaled with d),
tau in logspace(-1, 0.3, 5), delta in linspace(-1, 1, 9), 2 seeds, checkpoints 0, 10, 100, 10^3, 10^4.
--full: the paper's d = 100, 1,000 training and 10,000 test inputs, base_step 5e-3, a 17 x 17 grid, 16 seeds,
checkpoints up to 10^5. "Early" is step 100 (the paper's first map), "late" the last checkpoint.

FAIL if, with tau_min / tau_max the ends of the grid: (1) at tau_min and the early checkpoint the mean kernel
distance over delta > 0 is below 0.05 or below 5 times the mean over delta < 0; (2) at the early checkpoint the
lowest test loss of the grid is not at tau_min with delta > 0, or there the best upstream test loss is not at most
half the best downstream one; (3) at tau_max some kernel distance exceeds 0.01 or some activation distance 0.02;
(4) at tau_min some checkpoint has an activation distance at delta = max below 3 times that at delta = min;
(5) at tau_min and the late checkpoint the parameter distance at delta = min is below 2 times that at
delta = max; (6) at tau_min the upstream end has less than half of its late kernel distance by the early
checkpoint, or the downstream end more than a fifth; (7) the late kernel-distance maximum is not at tau_min with
delta < 0 (the paper's late maps peak there: downstream is rich, but late); (8) at the late checkpoint the best
test loss at tau_min is not at most half the best at tau_max; (9) halving the step (at tau_min, four deltas)
moves a kernel, activation or test-loss value by more than 10% (values under 1e-3 by more than 1e-4); (10) some
run diverged; (11) at tau_min and the late checkpoint, the kernel distance recomputed with the *initial* ReLU
patterns is above a tenth of the kernel distance at delta = max (upstream's kernel must move by switching ReLUs,
the paper's Sec. 5 picture of rich learning) or below half of it at delta = min (downstream's moves with its
patterns fixed: the readout's growth reweights the two layers' kernels).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from implicit_bias.experiments.relu_upstream import point, run_grid
from implicit_bias.plotting.relu_upstream import plot_upstream_maps, plot_upstream_profiles

from .._common import fmt, load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "kunin2024.relu_upstream"
RAPID_MIN, RAPID_RATIO = 0.05, 5.0
TEST_RATIO = 0.5
LAZY_KD, LAZY_HAMMING = 0.01, 0.02
HAMMING_RATIO = 3.0
PARAM_RATIO = 2.0
SHARE_UP, SHARE_DOWN = 0.5, 0.2
SMALL_TAU_RATIO = 0.5
SWITCH_UP, SWITCH_DOWN = 0.1, 0.5
STEP_TOL, STEP_FLOOR = 0.1, 1e-3
STEP_MEASURES = ("kernel_distance", "activation_distance", "test_loss")


def sizes(quick: bool) -> dict[str, Any]:
    """The grid and the per-run settings of ``--quick`` and ``--full``."""
    common = {"early": 100, "halving_deltas": [-1.0, -0.25, 0.0, 1.0]}
    if quick:
        return {**common, "taus": [float(t) for t in np.logspace(-1, 0.3, 5)],
                "deltas": [float(x) for x in np.linspace(-1, 1, 9)], "seeds": [0, 1],
                "config": {"d": 20, "n_train": 200, "width": 50, "n_test": 2000, "base_step": 1e-3,
                           "checkpoints": [0, 10, 100, 1000, 10_000]}}
    return {**common, "taus": [float(t) for t in np.logspace(-1, 0.3, 17)],
            "deltas": [float(x) for x in np.linspace(-1, 1, 17)], "seeds": list(range(100, 116)),
            "config": {"d": 100, "n_train": 1000, "width": 50, "n_test": 10_000, "base_step": 5e-3,
                       "checkpoints": [0, 10, 100, 1000, 10_000, 100_000]}}


def compute(quick: bool, ctx: Context) -> dict[str, Any]:
    """The (tau, delta, seed) grid and the step-halving reruns, through the stored, resumable sweeps."""
    z = sizes(quick)
    grid = run_grid(z["taus"], z["deltas"], z["seeds"], store=ctx.store, name=NAME, workers=ctx.workers,
                    client=ctx.dask, progress=False, **z["config"])
    base = {**z["config"], "tau": z["taus"][0], "seed": z["seeds"][0]}
    half = {**base, "base_step": base["base_step"] / 2, "checkpoints": [2 * c for c in base["checkpoints"]]}
    configs = [{**cfg, "delta": d} for d in z["halving_deltas"] for cfg in (base, half)]
    runs = sweep(point, configs, ctx, f"{NAME}_halving")
    keep = ("kernel_distance", "activation_distance", "parameter_distance", "test_loss", "balance_drift")
    halving = [{"delta": d, "step": {k: runs[2 * i][k] for k in keep},
                "half_step": {k: runs[2 * i + 1][k] for k in keep}} for i, d in enumerate(z["halving_deltas"])]
    return {"sizes": z, "grid": grid, "halving": halving}


def run(ctx: Context) -> list[Outcome]:
    save_result(ctx, NAME, compute(ctx.quick, ctx))
    res = load_result(ctx, NAME)
    figs = (save_figure(ctx, f"{NAME}_maps", plot_upstream_maps(res["grid"])),
            save_figure(ctx, f"{NAME}_profiles", plot_upstream_profiles(res["grid"])))
    return judge(res, figs)


def _maps(grid: dict[str, Any], measure: str) -> np.ndarray:
    """``(n_tau, n_delta, n_checkpoints)`` of seed means, ``nan`` where no run reached the checkpoint."""
    return np.array([[[np.nan if v is None else v for v in cell] for cell in row] for row in grid["maps"][measure]],
                    dtype=float)


def _step_changes(halving: list[dict[str, Any]]) -> tuple[float, str]:
    """Largest violation-normalized change when the step is halved (<= 1 passes) and where it happens."""
    worst, where = 0.0, "-"
    for h in halving:
        for m in STEP_MEASURES:
            for i, (a, b) in enumerate(zip(h["step"][m], h["half_step"][m], strict=True)):
                scale = STEP_TOL * max(abs(a), STEP_FLOOR)
                if abs(a - b) / scale > worst:
                    worst = abs(a - b) / scale
                    where = f"{m} at delta={h['delta']:g}, checkpoint {i}: {fmt(a, 3)} vs {fmt(b, 3)}"
    return worst, where


def judge(res: dict[str, Any], figures: tuple[str, ...] = ()) -> list[Outcome]:
    """The eleven outcomes from a stored result (``sizes``, ``grid``, ``halving``)."""
    g, z = res["grid"], res["sizes"]
    cps, deltas, taus = g["checkpoints"], np.array(g["deltas"]), g["taus"]
    e, last = cps.index(z["early"]), len(cps) - 1
    up, down = deltas > 0, deltas < 0
    kd, ham, par, test, fixed = (_maps(g, m) for m in ("kernel_distance", "activation_distance", "parameter_distance",
                                                       "test_loss", "kernel_distance_fixed_patterns"))
    t_min, t_max = f"tau={fmt(taus[0], 3)}", f"tau={fmt(taus[-1], 3)}"

    kd_up, kd_down = float(np.mean(kd[0, up, e])), float(np.mean(kd[0, down, e]))
    i_best, j_best = np.unravel_index(np.nanargmin(test[:, :, e]), test[:, :, e].shape)
    best_up, best_down = float(np.min(test[0, up, e])), float(np.min(test[0, down, e]))
    lazy_kd, lazy_ham = float(np.nanmax(kd[-1, :, 1:])), float(np.nanmax(ham[-1, :, 1:]))
    ham_ratios = ham[0, -1, 1:] / np.maximum(ham[0, 0, 1:], 1e-12)
    par_ratio = float(par[0, 0, last] / par[0, -1, last])
    share_up, share_down = float(kd[0, -1, e] / kd[0, -1, last]), float(kd[0, 0, e] / kd[0, 0, last])
    i_max, j_max = np.unravel_index(np.nanargmax(kd[:, :, last]), kd[:, :, last].shape)
    small, large = float(np.nanmin(test[0, :, last])), float(np.nanmin(test[-1, :, last]))
    j_small = int(np.nanargmin(test[0, :, last]))
    worst, where = _step_changes(res["halving"])
    drift = max(max(h["step"]["balance_drift"]) for h in res["halving"])
    t_e, t_l = f"t={cps[e]}", f"t={cps[last]}"
    fix_up, fix_down = float(fixed[0, -1, last] / kd[0, -1, last]), float(fixed[0, 0, last] / kd[0, 0, last])
    return [
        Outcome(NAME, "Fig. 1(b): upstream (delta > 0) at small tau moves the tangent kernel rapidly, downstream "
                "does not", f"{t_min}, {t_e}: mean kernel distance {fmt(kd_up, 3)} (delta > 0) vs "
                f"{fmt(kd_down, 3)} (delta < 0), ratio {fmt(kd_up / max(kd_down, 1e-300), 3)}",
                "upstream >> downstream", f">= {RAPID_MIN} and ratio >= {RAPID_RATIO:g}",
                kd_up >= RAPID_MIN and kd_up >= RAPID_RATIO * kd_down, figures),
        Outcome(NAME, "Fig. 1(b): the test loss drops first for upstream initializations at small tau",
                f"{t_e}: grid minimum {fmt(float(test[i_best, j_best, e]), 3)} at tau={fmt(taus[i_best], 3)}, "
                f"delta={fmt(deltas[j_best], 3)}; {t_min}: best upstream {fmt(best_up, 3)} vs best downstream "
                f"{fmt(best_down, 3)}", "minimum at tau_min, delta > 0", f"upstream/downstream <= {TEST_RATIO}",
                i_best == 0 and bool(up[j_best]) and best_up <= TEST_RATIO * best_down),
        Outcome(NAME, "Fig. 1(b): large tau is lazy for every delta", f"{t_max}, all delta and t: kernel distance "
                f"<= {fmt(lazy_kd, 3)}, activation distance <= {fmt(lazy_ham, 3)}", "~0",
                f"<= {LAZY_KD}, <= {LAZY_HAMMING}", lazy_kd <= LAZY_KD and lazy_ham <= LAZY_HAMMING),
        Outcome(NAME, "App. (Hamming): upstream switches its activation patterns, downstream keeps them",
                f"{t_min}: activation distance delta={fmt(deltas[-1], 3)} / delta={fmt(deltas[0], 3)} per t>0: "
                + ", ".join(fmt(float(r), 3) for r in ham_ratios), "upstream >> downstream",
                f"ratio >= {HAMMING_RATIO:g} at every t", bool(np.all(ham_ratios >= HAMMING_RATIO))),
        Outcome(NAME, "App. (parameter distance): downstream moves its parameters more (lazy: large motion, "
                "fixed activations)", f"{t_min}, {t_l}: ||theta_t - theta_0|| {fmt(float(par[0, 0, last]), 3)} "
                f"(delta={fmt(deltas[0], 3)}) vs {fmt(float(par[0, -1, last]), 3)} (delta={fmt(deltas[-1], 3)})",
                "downstream > upstream", f"ratio >= {PARAM_RATIO:g}", par_ratio >= PARAM_RATIO),
        Outcome(NAME, "Fig. 1(b) over time: the upstream kernel moves at once, the downstream one only late",
                f"{t_min}: kernel distance at {t_e} / at {t_l}: {fmt(share_up, 3)} (delta={fmt(deltas[-1], 3)}), "
                f"{fmt(share_down, 3)} (delta={fmt(deltas[0], 3)})", "upstream early, downstream delayed",
                f">= {SHARE_UP}, <= {SHARE_DOWN}", share_up >= SHARE_UP and share_down <= SHARE_DOWN),
        Outcome(NAME, "Fig. 1(b) late maps: the largest kernel distance is downstream at small tau (delayed rich)",
                f"{t_l}: maximum {fmt(float(kd[i_max, j_max, last]), 3)} at tau={fmt(taus[i_max], 3)}, "
                f"delta={fmt(deltas[j_max], 3)}; upstream end {fmt(float(kd[0, -1, last]), 3)}",
                "at tau_min, delta < 0 (paper: near delta = -0.2)", "location only",
                i_max == 0 and bool(down[j_max])),
        Outcome(NAME, "Fig. 1(b): small tau (rich) ends with a lower test loss than large tau (lazy)",
                f"{t_l}: best test loss {fmt(small, 3)} at {t_min} (delta={fmt(deltas[j_small], 3)}) vs "
                f"{fmt(large, 3)} at {t_max}", "rich < lazy", f"ratio <= {SMALL_TAU_RATIO}",
                small <= SMALL_TAU_RATIO * large),
        Outcome(NAME, "gradient descent follows the gradient flow (the maps do not depend on the step)",
                f"halving the step at {t_min}: largest change {fmt(worst, 3)} x the tolerance ({where}); "
                f"balance drift max_k |delta_k(t) - delta_k(0)| <= {fmt(drift, 3)}",
                "step-independent", f"{STEP_TOL:g} relative (values < {STEP_FLOOR:g}: {STEP_TOL * STEP_FLOOR:g})",
                worst <= 1.0),
        Outcome(NAME, "every run finished without divergence", f"{g['n_failed']} of "
                f"{len(taus) * len(deltas) * len(g['seeds'])} runs diverged", "0", "0", g["n_failed"] == 0),
        Outcome(NAME, "Sec. 5: upstream's kernel moves by switching ReLUs; downstream's moves with its patterns fixed",
                f"{t_min}, {t_l}: kernel distance with the initial ReLU patterns / kernel distance: "
                f"{fmt(fix_up, 3)} (delta={fmt(deltas[-1], 3)}), {fmt(fix_down, 3)} (delta={fmt(deltas[0], 3)})",
                "~0 upstream, ~1 downstream", f"<= {SWITCH_UP}, >= {SWITCH_DOWN}",
                fix_up <= SWITCH_UP and fix_down >= SWITCH_DOWN),
    ]
