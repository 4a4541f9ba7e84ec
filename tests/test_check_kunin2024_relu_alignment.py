"""The judge of paper_checks.kunin2024.relu_alignment (Fig. 1a): the paper's picture passes, wrong ones fail."""

from __future__ import annotations

import pytest

from paper_checks.kunin2024.relu_alignment import NAME, PANELS, judge, sizes

#: The checks whose judges this module feeds wrong results.
JUDGED = (NAME,)

SHARES = {"rich": 0.78, "lazy": 0.12, "upstream": 0.91, "downstream": 0.42}


def _result(**override: float) -> dict:
    shares = {**SHARES, **override}
    run = {name: {"share": shares[name], "activation_distance": 0.3 if name != "downstream" else 0.004,
                  "status": "success"} for name in PANELS}
    return {"sizes": sizes(True), "runs": {"0": run, "1": {k: dict(v) for k, v in run.items()}}}


def test_the_papers_picture_passes():
    outcomes = judge(_result(), ("f.png",))
    assert [o.verdict for o in outcomes] == ["PASS"] * 3 and {o.check for o in outcomes} == {NAME}


@pytest.mark.parametrize(("override", "failing"), [
    ({"rich": 0.3}, {0}),
    ({"lazy": 0.5}, {0}),
    ({"upstream": 0.5}, {1}),
    ({"downstream": 0.85}, {1}),
    ({"upstream": 0.82, "downstream": 0.6}, {1}),
    ({"upstream": 0.42, "downstream": 0.91}, {1}),  # the signs of delta swapped
])
def test_wrong_shares_are_refused(override, failing):
    verdicts = [o.verdict for o in judge(_result(**override))]
    assert {i for i, v in enumerate(verdicts) if v == "FAIL"} == failing, verdicts


def test_one_bad_seed_is_enough_to_fail():
    res = _result()
    res["runs"]["1"]["upstream"]["share"] = 0.3
    assert judge(res)[1].verdict == "FAIL"


def test_a_diverged_run_fails():
    res = _result()
    res["runs"]["0"]["lazy"]["status"] = "failed"
    assert [o.verdict for o in judge(res)] == ["PASS", "PASS", "FAIL"]
