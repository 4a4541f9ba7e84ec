"""The Even et al. (2023) judges pass a right result and refuse wrong ones, claim by claim."""

import copy

import pytest

from paper_checks.even2023 import edge_of_stability, identity, small_steps

#: The checks whose judges this module feeds wrong results.
JUDGED = (edge_of_stability.NAME, identity.NAME, small_steps.NAME)


def _run(step, **kw):
    return {"model": "u*v", "step": step, "batch_size": None, "status": "success", "residual": 4e-14,
            "identity": 1e-33, "limit": 2e-14, "gain_by_steps": 1e-13, "dps": 24, **kw}


IDENTITY = {"runs": [_run(0.05), _run(0.1, batch_size=1), _run(0.96, status="max_iter")]}


@pytest.mark.parametrize(("index", "key", "value", "claim"), [
    (0, "identity", 1e-10, 0), (1, "identity", None, 0), (0, "limit", 1e-9, 1), (1, "gain_by_steps", 1e-6, 2),
])
def test_identity_judge(index, key, value, claim):
    assert [o.passed for o in identity.judge(IDENTITY)] == [True, True, True]
    wrong = copy.deepcopy(IDENTITY)
    wrong["runs"][index][key] = value
    assert not identity.judge(wrong)[claim].passed


def test_identity_judge_ignores_unconverged_limits_only():
    """An unconverged run's limit is not judged, but its finite-step identity is."""
    res = copy.deepcopy(IDENTITY)
    res["runs"][2]["limit"] = 1.0
    assert identity.judge(res)[1].passed
    res["runs"][2]["identity"] = 1e-5
    assert not identity.judge(res)[0].passed


SMALL = {"runs": [{"step": s, "status": "success", "max_gain": 3.4 * s, "min_alpha_ratio": 1 - s,
                   "flow": 0.074 * s, "untilted": 0.11 * s * s} for s in (0.05, 0.1, 0.2)]}


def test_small_steps_judge():
    assert [o.passed for o in small_steps.judge(SMALL)] == [True, True, True]
    flat = copy.deepcopy(SMALL)
    for r in flat["runs"]:
        r["max_gain"] = 0.3  # alpha_inf does not tend to alpha
    assert not small_steps.judge(flat)[0].passed
    sqrt = copy.deepcopy(SMALL)
    for r in sqrt["runs"]:
        r["flow"] = 0.03 * r["step"] ** 0.5
    assert not small_steps.judge(sqrt)[1].passed
    linear_tilt = copy.deepcopy(SMALL)
    for r in linear_tilt["runs"]:
        r["untilted"] = 0.01 * r["step"]
    assert not small_steps.judge(linear_tilt)[2].passed
    unsolved = copy.deepcopy(SMALL)
    unsolved["runs"][1]["flow"] = None
    assert not any(o.passed for o in small_steps.judge(unsolved))


def test_small_steps_judge_reports_but_does_not_judge_large_steps():
    """A step beyond 0.2 where the expansion breaks down (tilt overtaking) is shown, not judged."""
    res = copy.deepcopy(SMALL)
    res["runs"].append({"step": 0.4, "status": "success", "max_gain": 2.06, "min_alpha_ratio": 0.36, "flow": 0.028,
                        "untilted": 0.034})
    out = small_steps.judge(res)
    assert [o.passed for o in out] == [True, True, True] and "beyond: 0.4" in out[0].measured


def _gain(on, off):
    return [on] * 3 + [off] * 27


EOS = {"support": 3, "lambda_step": 0.3, "largest": 0.96, "smallest_failing": 1.0, "tried": [],
       "eos": {"step": 0.96, "status": "success", "loss_increases": 700, "gain": _gain(20, 3), "error": 0.66,
               "l1": 4.6},
       "half": {"step": 0.48, "status": "success", "loss_increases": 0, "gain": _gain(1.5, 0.2), "error": 0.18,
                "l1": 2.9},
       "gd": [{"step": 0.05, "status": "success", "loss_increases": 0, "gain": _gain(0.1, 0.02), "error": 0.16,
               "l1": 2.89}],
       "sgd": [{"step": s, "status": "success", "loss_increases": 9000, "gain": _gain(s * 20, s * 14), "error": e,
                "l1": 2.8} for s, e in ((0.05, 0.155), (0.1, 0.145))]}


@pytest.mark.parametrize(("path", "value", "claim"), [
    (("eos", "loss_increases"), 5, 0),
    (("eos", "gain"), _gain(2, 1), 0),
    (("eos", "gain"), _gain(20, 19), 1),
    (("sgd", 1, "gain"), _gain(9, 1), 1),
    (("eos", "error"), 0.1, 2),
    (("sgd", 1, "error"), 0.2, 2),
])
def test_edge_of_stability_judge(path, value, claim):
    assert [o.passed for o in edge_of_stability.judge(EOS)] == [True, True, True]
    wrong = copy.deepcopy(EOS)
    target = wrong
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not edge_of_stability.judge(wrong)[claim].passed


def test_edge_of_stability_judge_without_a_convergent_step():
    assert not any(o.passed for o in edge_of_stability.judge({**EOS, "eos": None, "half": None}))
