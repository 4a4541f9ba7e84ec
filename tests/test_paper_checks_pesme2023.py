"""The Pesme & Flammarion (2023) judges pass a right result and refuse wrong ones, claim by claim."""

import copy

import pytest

from paper_checks.pesme2023 import jump_times, last_saddle, plateau_values

#: The checks whose judges this module feeds wrong results.
JUDGED = (jump_times.NAME, last_saddle.NAME, plateau_values.NAME)


def _verdicts(outcomes):
    return [o.passed for o in outcomes]


JUMPS = {"times": [0.0, 2.0, 5.0], "points": [
    {"log_inv_alpha": 300, "crossings": [[2.0 - 1.5 / 300], [5.0 + 0.6 / 300]], "measured_times": [0, 0],
     "time_errors": [-1.5 / 300, 0.6 / 300]},
    {"log_inv_alpha": 1000, "crossings": [[2.0 - 1.5 / 1000], [5.0 + 0.6 / 1000]], "measured_times": [0, 0],
     "time_errors": [-1.5 / 1000, 0.6 / 1000]},
]}


def test_jump_times_judge():
    assert _verdicts(jump_times.judge(JUMPS)) == [True, True, True]
    missing = copy.deepcopy(JUMPS)
    missing["points"][1]["crossings"][0] = []
    assert not jump_times.judge(missing)[0].passed
    far = copy.deepcopy(JUMPS)
    far["points"][1]["time_errors"][1] = 20 / 1000
    assert not jump_times.judge(far)[1].passed
    stuck = copy.deepcopy(JUMPS)  # an error that does not shrink with log(1/alpha): a wrong limit
    stuck["points"][1]["time_errors"] = [-1.5 / 300, 0.6 / 300]
    assert _verdicts(jump_times.judge(stuck)) == [True, True, False]


PLATEAUS = {"points": [
    {"log_inv_alpha": 100, "plateau_deviation": [0.06, 2e-10], "gradient_flow": None},
    {"log_inv_alpha": 1000, "plateau_deviation": [3e-9, 5e-14],
     "gradient_flow": {"status": "success", "vs_path": 1e-11,
                       "inside_plateaus": [{"t": 1, "k": 1, "deviation": 1e-9}]}},
]}


@pytest.mark.parametrize(("path", "value", "claim"), [
    (("points", 1, "plateau_deviation", 0), 1e-3, 0),
    (("points", 1, "gradient_flow", "inside_plateaus", 0, "deviation"), 1e-3, 1),
    (("points", 1, "gradient_flow", "vs_path"), 1e-5, 2),
    (("points", 1, "gradient_flow", "status"), "failed", 1),
])
def test_plateau_values_judge(path, value, claim):
    assert _verdicts(plateau_values.judge(PLATEAUS)) == [True, True, True]
    wrong = copy.deepcopy(PLATEAUS)
    target = wrong
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not plateau_values.judge(wrong)[claim].passed


LAST = {"status": "success", "times": [0.0, 2.375589, 2.454827], "losses": [0.41, 0.34, 0.2, 0.0],
        "supports": [[], [4], [1], [1, 5]], "deactivated": [[], [], [4], []], "t1_formula": 2.375589,
        "t1_rel_error": 0.0, "last_saddle_vs_min_l1": 1e-32, "min_l1_success": True,
        "limits": [{"log_inv_alpha": 300, "status": "success", "limit_vs_last_saddle": 1e-32}]}


@pytest.mark.parametrize(("key", "value", "claim"), [
    ("t1_rel_error", 1e-3, 0),
    ("losses", [0.41, 0.34, 0.34, 0.0], 1),
    ("deactivated", [[], [], [], []], 1),
    ("last_saddle_vs_min_l1", 1e-10, 2),
    ("limits", [{"log_inv_alpha": 300, "status": "success", "limit_vs_last_saddle": 1e-5}], 2),
    ("limits", [], 2),
])
def test_last_saddle_judge(key, value, claim):
    assert _verdicts(last_saddle.judge(LAST)) == [True, True, True]
    assert not last_saddle.judge({**LAST, key: value})[claim].passed
