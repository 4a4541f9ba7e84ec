"""The judge of paper_checks.kunin2024.relu_upstream: a result with the paper's shape passes every claim, and each
kind of wrong result is refused by the claim it breaks."""

from __future__ import annotations

import copy

import pytest

from paper_checks.kunin2024.relu_upstream import NAME, judge, sizes

#: The checks whose judges this module feeds wrong results.
JUDGED = (NAME,)

TAUS = [0.1, 0.3, 1.0, 2.0]
DELTAS = [-1.0, -0.25, 0.0, 0.5, 1.0]
CPS = [0, 10, 100, 1000, 10_000]
RICHNESS = [1.0, 0.3, 0.02, 0.001]  # how much feature learning survives at each tau
SHAPES = {  # per delta at tau_min, over the checkpoints: the paper's Fig. 1(b) and appendix in miniature
    "kernel_distance": {-1.0: [0, 0, 0.002, 0.02, 0.05], -0.25: [0, 0, 0.02, 0.17, 0.26],
                        0.0: [0, 0.002, 0.05, 0.19, 0.2], 0.5: [0, 0.1, 0.23, 0.23, 0.22],
                        1.0: [0, 0.13, 0.23, 0.22, 0.22]},
    "activation_distance": {-1.0: [0, 1e-4, 0.004, 0.03, 0.07], -0.25: [0, 0.001, 0.01, 0.07, 0.12],
                            0.0: [0, 0.02, 0.13, 0.26, 0.3], 0.5: [0, 0.33, 0.4, 0.42, 0.42],
                            1.0: [0, 0.38, 0.41, 0.42, 0.42]},
    "parameter_distance": {-1.0: [0, 0.2, 0.6, 1.3, 2.5], -0.25: [0, 0.2, 0.8, 1.6, 2.3],
                           0.0: [0, 0.06, 0.65, 1.9, 2.1], 0.5: [0, 0.3, 0.5, 0.65, 0.7], 1.0: [0, 0.3, 0.5, 0.7, 0.7]},
    "test_loss": {-1.0: [0.13, 0.06, 0.03, 0.014, 0.006], -0.25: [0.13, 0.1, 0.04, 0.01, 0.003],
                  0.0: [0.13, 0.12, 0.08, 0.006, 0.0012], 0.5: [0.13, 0.05, 0.008, 0.002, 0.0013],
                  1.0: [0.13, 0.04, 0.005, 0.0015, 0.0013]},
}


def _cell(measure: str, i: int, delta: float) -> list[float]:
    base = list(SHAPES[measure][delta])  # a fresh list: the doctors below edit cells in place
    if measure == "test_loss":
        return base if i == 0 else [0.13, 0.11, 0.05, 0.015, 0.012]
    if measure == "parameter_distance":
        return base
    return [RICHNESS[i] * v for v in base]


def _fixed_patterns(i: int, delta: float) -> list[float]:
    """Upstream's kernel distance vanishes with the initial ReLU patterns, downstream's stays."""
    kd = _cell("kernel_distance", i, delta)
    return [v * (0.01 if delta > 0 else 1.1) for v in kd]


def _result() -> dict:
    maps = {m: [[_cell(m, i, d) for d in DELTAS] for i in range(len(TAUS))] for m in SHAPES}
    maps["kernel_distance_fixed_patterns"] = [[_fixed_patterns(i, d) for d in DELTAS] for i in range(len(TAUS))]
    grid = {"taus": TAUS, "deltas": DELTAS, "seeds": [0, 1], "checkpoints": CPS, "maps": maps, "n_failed": 0,
            "failed": []}
    run = {"kernel_distance": [0.0, 0.1, 0.2, 0.2, 0.2], "activation_distance": [0.0, 0.3, 0.4, 0.42, 0.42],
           "parameter_distance": [0.0, 0.3, 0.5, 0.7, 0.7], "test_loss": [0.13, 0.04, 0.005, 0.0015, 0.0013],
           "balance_drift": [0.0, 4e-4, 5e-4, 5e-4, 5e-4]}
    near = {k: [v * 1.02 for v in vals] for k, vals in run.items()}
    halving = [{"delta": d, "step": copy.deepcopy(run), "half_step": copy.deepcopy(near)} for d in (-1.0, 0.0, 1.0)]
    return {"sizes": {**sizes(True), "early": 100}, "grid": grid, "halving": halving}


def _verdicts(res: dict) -> list[str]:
    return [o.verdict for o in judge(res)]


def test_a_result_with_the_papers_shape_passes():
    outcomes = judge(_result(), ("fig.png",))
    assert [o.verdict for o in outcomes] == ["PASS"] * 11, [(o.claim, o.measured) for o in outcomes if not o.passed]
    assert all(o.check == NAME for o in outcomes) and outcomes[0].figures == ("fig.png",)


def _mirror_delta(res: dict) -> dict:
    """Swap upstream and downstream: what a sign-convention slip would produce."""
    for m, rows in res["grid"]["maps"].items():
        res["grid"]["maps"][m] = [list(reversed(row)) for row in rows]
    return res


@pytest.mark.parametrize(("doctor", "failing"), [
    (_mirror_delta, {0, 1, 3, 4, 5, 6, 10}),
    (lambda r: r["grid"]["maps"]["kernel_distance"][-1][2].__setitem__(3, 0.05) or r, {2}),
    (lambda r: r["grid"]["maps"]["activation_distance"][-1][0].__setitem__(4, 0.05) or r, {2}),
    (lambda r: r["grid"]["maps"]["kernel_distance"][0][4].__setitem__(4, 0.3) or r, {6}),
    (lambda r: r["grid"]["maps"]["kernel_distance"][0][0].__setitem__(2, 0.03) or r, {5}),
    (lambda r: r["grid"]["maps"]["test_loss"][0][0].__setitem__(2, 0.004) or r, {1}),
    (lambda r: r["grid"]["maps"]["activation_distance"][0][0].__setitem__(4, 0.2) or r, {3}),
    (lambda r: r["grid"]["maps"]["parameter_distance"][0][0].__setitem__(4, 1.0) or r, {4}),
    (lambda r: [row.__setitem__(j, [0.13, 0.11, 0.05, 0.015, 0.008]) for row in r["grid"]["maps"]["test_loss"][:1]
                for j in range(5)] and r, {1, 7}),
    (lambda r: r["halving"][0]["half_step"]["test_loss"].__setitem__(3, 0.0015 * 1.3) or r, {8}),
    (lambda r: r["grid"].__setitem__("n_failed", 1) or r, {9}),
    (lambda r: r["grid"]["maps"]["kernel_distance_fixed_patterns"][0][4].__setitem__(4, 0.2) or r, {10}),
    (lambda r: r["grid"]["maps"]["kernel_distance_fixed_patterns"][0][0].__setitem__(4, 0.01) or r, {10}),
])
def test_each_wrong_result_is_refused_by_the_claim_it_breaks(doctor, failing):
    verdicts = _verdicts(doctor(_result()))
    assert {i for i, v in enumerate(verdicts) if v == "FAIL"} == failing, verdicts


def test_an_unreached_checkpoint_fails_rather_than_passing_on_nan():
    res = _result()
    res["grid"]["maps"]["kernel_distance"][0][4][2] = None
    assert "FAIL" in _verdicts(res)
