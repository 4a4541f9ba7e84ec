"""Figure 1(a) (Kunin et al. 2024): on the two-dimensional teacher-student task, a small overall scale tau makes a
balanced student rich (its neurons |a_k| w_k gather on the teacher's directions) and a large one lazy (they stay
where they started); at small tau the relative scale decides: an upstream student (delta > 0) aligns with the
teacher, a downstream one (delta < 0) does not.

Setting: 20 inputs on the unit circle, a teacher of 3 unit-norm ReLU neurons spread evenly on the circle (random
rotation per seed) with readouts (+1, -1, -1) (the authors' random teacher was drawn with a seed chosen for such a
spread; theirs has readouts (-1, -1, 1)), a symmetrized student of width 50 with |a_k| ||w_k|| = tau^2 and balance
delta, square loss, gradient descent to time 100; the four runs of the paper's panels (tau, delta) = (0.1, 0),
(2, 0), (0.1, 0.9999), (0.1, -0.9999). Measured: the share of the student's output scale sum_k |a_k| ||w_k|| carried
by neurons within 10 degrees of a same-sign teacher neuron. --quick: step 1e-3 (10^5 steps), seeds 0 and 1;
--full: the paper's step 1e-4 (10^6 steps), seeds 0 to 4.

FAIL if (1) the balanced small-tau share, averaged over seeds, is below 0.5, the large-tau share above 0.2, or
some seed has the balanced small-tau share not above the large-tau one; (2) some seed has an upstream share below
0.8, a downstream share above 0.6, or an upstream share below 1.5 times the downstream one; (3) a run diverged.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from implicit_bias.experiments.relu_alignment import alignment_point
from implicit_bias.plotting.relu_upstream import plot_neuron_trajectories

from .._common import fmt, load_result, save_figure, save_result, sweep
from .._framework import Context, Outcome

NAME = "kunin2024.relu_alignment"
#: The paper's four panels: (tau, delta) with delta = tau^2 (alpha^-2 - alpha^2) for alpha = 1, 1, 0.1, 10.
PANELS = {"rich": (0.1, 0.0), "lazy": (2.0, 0.0), "upstream": (0.1, 0.9999), "downstream": (0.1, -0.9999)}
RICH_SHARE, LAZY_SHARE = 0.5, 0.2
UP_SHARE, DOWN_SHARE, UP_RATIO = 0.8, 0.6, 1.5


def sizes(quick: bool) -> dict[str, Any]:
    """Step, seeds and frames of ``--quick`` and ``--full``."""
    if quick:
        return {"step": 1e-3, "t_end": 100.0, "seeds": [0, 1], "n_frames": 100}
    return {"step": 1e-4, "t_end": 100.0, "seeds": [0, 1, 2, 3, 4], "n_frames": 200}


def compute(quick: bool, ctx: Context) -> dict[str, Any]:
    z = sizes(quick)
    configs = [{"tau": tau, "delta": delta, "step": z["step"], "t_end": z["t_end"], "n_frames": z["n_frames"],
                "seed": seed} for seed in z["seeds"] for tau, delta in PANELS.values()]
    runs = iter(sweep(alignment_point, configs, ctx, NAME))
    return {"sizes": z, "runs": {str(seed): {name: next(runs) for name in PANELS} for seed in z["seeds"]}}


def run(ctx: Context) -> list[Outcome]:
    save_result(ctx, NAME, compute(ctx.quick, ctx))
    res = load_result(ctx, NAME)
    first = res["runs"][str(res["sizes"]["seeds"][0])]
    fig = save_figure(ctx, NAME, plot_neuron_trajectories([first[name] for name in PANELS]))
    return judge(res, (fig,))


def judge(res: dict[str, Any], figures: tuple[str, ...] = ()) -> list[Outcome]:
    """The three outcomes from a stored result (``sizes``, ``runs[seed][panel]``)."""
    runs = res["runs"]
    share = {name: [float(r[name]["share"]) for r in runs.values()] for name in PANELS}
    ham = {name: [float(r[name]["activation_distance"]) for r in runs.values()] for name in PANELS}
    rich, lazy = float(np.mean(share["rich"])), float(np.mean(share["lazy"]))
    ordered = all(r > lz for r, lz in zip(share["rich"], share["lazy"], strict=True))
    up, down = share["upstream"], share["downstream"]
    aligned = all(u >= UP_SHARE and d <= DOWN_SHARE and u >= UP_RATIO * d for u, d in zip(up, down, strict=True))
    failed = [f"seed {seed} {name}" for seed, r in runs.items() for name in PANELS if r[name]["status"] != "success"]

    def per_seed(vals: list[float]) -> str:
        return "/".join(fmt(v, 3) for v in vals)

    return [
        Outcome(NAME, "Fig. 1(a) left: small tau is rich (neurons gather on the teacher's directions), large tau lazy",
                f"aligned share per seed: tau=0.1, delta=0: {per_seed(share['rich'])} (mean {fmt(rich, 3)}); "
                f"tau=2, delta=0: {per_seed(share['lazy'])} (mean {fmt(lazy, 3)})", "rich ~1, lazy ~0",
                f"mean >= {RICH_SHARE}, mean <= {LAZY_SHARE}, rich > lazy per seed",
                rich >= RICH_SHARE and lazy <= LAZY_SHARE and ordered, figures),
        Outcome(NAME, "Fig. 1(a) right: at tau = 0.1 upstream aligns with the teacher, downstream does not",
                f"aligned share per seed: delta=0.9999: {per_seed(up)}; delta=-0.9999: {per_seed(down)}; "
                f"activation distance {per_seed(ham['upstream'])} vs {per_seed(ham['downstream'])}",
                "upstream aligned, downstream not", f"up >= {UP_SHARE}, down <= {DOWN_SHARE}, up >= {UP_RATIO:g} down",
                aligned),
        Outcome(NAME, "every Fig. 1(a) run finished without divergence", ", ".join(failed) or "all finished", "all",
                "0 failures", not failed),
    ]
