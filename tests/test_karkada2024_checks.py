"""Every judge of ``paper_checks.karkada2024`` passes a right result and refuses wrong ones."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from implicit_bias.experiments.richness import derived_exponents
from paper_checks import Context
from paper_checks.karkada2024 import (
    derivation,
    gauges,
    hyperparameter_transfer,
    richness_dial,
    standard_unstable,
    width_scaling,
)

#: The checks whose judges this module feeds wrong results.
JUDGED = tuple(f"karkada2024.{m}" for m in ("derivation", "width_scaling", "richness_dial", "gauges",
                                            "standard_unstable", "hyperparameter_transfer"))


def passed(outcomes) -> list[bool]:
    return [o.passed for o in outcomes]


# ------------------------------------------------------------------------------------------------ derivation
@pytest.fixture(scope="module")
def derived(tmp_path_factory) -> dict:
    ctx = Context(out=tmp_path_factory.mktemp("karkada"))
    assert all(passed(derivation.run(ctx)))
    return derivation.load_result(ctx, derivation.NAME)


def _wrong(res: dict, edit) -> dict:
    bad = copy.deepcopy(res)
    edit(bad)
    return bad


@pytest.mark.parametrize(("edit", "refused"), [
    (lambda r: r["depths"]["3"].update(dof=2), 0),
    (lambda r: r["depths"]["4"].update(gauge_directions=3), 0),
    (lambda r: r["depths"]["2"].update(r_range=["0", "1"]), 1),
    (lambda r: r["depths"]["3"].update(lower=["REP_1"]), 1),
    (lambda r: r["tables"]["1/2"]["multiplier"][1].update(g=["0", "1/2", "0"]), 2),
    (lambda r: r["tables"]["0"]["multiplier"][2].update(h=["0", "0", "0"]), 2),
    (lambda r: r["tables"]["3/10"]["learning-rate"][0].update(eta=["-1", "1/2", "0"]), 3),
    (lambda r: r["tables"]["1/2"]["rescaling"][2].update(g=["0", "-1/2", "0"]), 3),   # mupify's mfp read-out is 1/n
    (lambda r: r["tables"]["1/8"]["rescaling"][1].update(dh=["0", "0", "0"]), 4),
])
def test_derivation_judge_refuses(derived, edit, refused):
    verdicts = passed(derivation.judge(_wrong(derived, edit)))
    assert not verdicts[refused]
    assert sum(verdicts) >= 3  # one wrong entry fails its own claim, not everything


# ------------------------------------------------------------------------------------- width sweep, dial
def _sweep_result(rs: list[float], error: float = 0.0, skew: dict | None = None) -> dict:
    fits = []
    for act in ("linear", "tanh"):
        for r in rs:
            for q, per_layer in derived_exponents(r, 3).items():
                for ell, d in enumerate(per_layer, start=1):
                    if d is not None:
                        extra = (skew or {}).get((act, r, q, ell), 0.0)
                        fits.append({"activation": act, "r": r, "quantity": q, "layer": ell, "measured": d + error
                                     + extra, "derived": d})
    return {"widths": [64, 128, 256], "depth": 3, "status": "success", "message": "", "fits": fits, "curves": {}}


def test_width_scaling_judge():
    assert all(passed(width_scaling.judge(_sweep_result([0.0, 0.25, 0.5], error=0.06))))
    bad = passed(width_scaling.judge(_sweep_result([0.0, 0.25, 0.5], skew={("tanh", 0.25, "dh", 2): 0.12})))
    assert bad.count(False) == 1
    off = passed(width_scaling.judge(_sweep_result([0.0, 0.5], error=-0.11)))
    assert not any(off)
    failed = {**_sweep_result([0.0]), "status": "failed", "fits": []}
    assert passed(width_scaling.judge(failed)) == [False]


def test_richness_dial_judge():
    rs = [0.0, 0.125, 0.25, 0.375, 0.5]
    assert all(passed(richness_dial.judge(_sweep_result(rs, error=0.05))))
    wrong_h = passed(richness_dial.judge(_sweep_result(rs, skew={("linear", 0.375, "h", 3): 0.2})))
    assert wrong_h == [True, False, True]
    # within tolerance everywhere but not increasing in r: a dial that does not turn
    flat = {(a, r, "dh", ell): -r + 0.05 for a in ("linear", "tanh") for r in rs for ell in (1, 2)}
    flat.update({(a, r, "dh", ell): 0.0 for a in ("linear", "tanh") for r in rs for ell in (3,)})
    flat_dial = _sweep_result(rs, skew=flat)
    for f in flat_dial["fits"]:
        if f["quantity"] == "dh" and f["layer"] < 3:
            f["derived"] = f["measured"]
    assert not passed(richness_dial.judge(flat_dial))[0]


# ------------------------------------------------------------------------------------------------ gauges
def test_gauges_judge():
    good = {"points": [{"label": "a", "max_rel": {"learning-rate": 2e-16, "rescaling": 5e-16}, "control": 0.3},
                       {"label": "b", "max_rel": {"learning-rate": 0.0, "rescaling": 1e-15}, "control": None}]}
    assert all(passed(gauges.judge(good)))
    drift = copy.deepcopy(good)
    drift["points"][0]["max_rel"]["rescaling"] = 1e-9
    assert passed(gauges.judge(drift)) == [False, True]
    diverged = copy.deepcopy(good)
    diverged["points"][1]["max_rel"]["learning-rate"] = None
    assert passed(gauges.judge(diverged)) == [False, True]
    blind = copy.deepcopy(good)
    blind["points"][0]["control"] = 1e-8
    assert passed(gauges.judge(blind)) == [True, False]
    assert passed(gauges.judge({"points": []})) == [False, False]


# ------------------------------------------------------------------------------------------ stability
def _stability(sp_slope: float, ntk_slope: float, mup_slope: float = 0.01) -> dict:
    curve = {"standard": {"slope": sp_slope, "derived": -1.0, "log2_lr": []},
             "r=0": {"slope": ntk_slope, "derived": 0.0, "log2_lr": []},
             "r=0.5": {"slope": mup_slope, "derived": 0.0, "log2_lr": []}}
    return {"widths": [128, 256], "curves": {"linear": curve, "tanh": copy.deepcopy(curve)}}


def test_standard_unstable_judge():
    def verdicts(*slopes):
        return [o.verdict for o in standard_unstable.judge(_stability(*slopes))]

    assert verdicts(-0.95, 0.04) == ["PASS", "PASS", "PASS"]
    assert verdicts(-0.95, -0.05) == ["PASS", "PASS", "FAIL"]         # within tolerance: the documentation is stale
    assert verdicts(-0.95, -0.14) == ["PASS", "PASS", "DEVIATION"]    # the documented finite-width drift
    assert verdicts(-0.5, -0.14) == ["FAIL", "PASS", "DEVIATION"]     # unstable, but not like 1/n
    assert verdicts(-1.02, -0.6) == ["PASS", "PASS", "FAIL"]          # r = 0 as unstable as the standard one
    assert verdicts(-1.02, -0.14, 0.3) == ["PASS", "FAIL", "DEVIATION"]


# ------------------------------------------------------------------------------------------- transfer
def _transfer(mup: list[float | None], ntk: list[float | None]) -> dict:
    widths = [64, 128, 256, 512]
    return {"sizes": {"widths": widths}, "best": {"0.5": {str(w): b for w, b in zip(widths, mup, strict=True)},
                                                  "0.0": {str(w): b for w, b in zip(widths, ntk, strict=True)}}}


def test_hyperparameter_transfer_judge():
    assert passed(hyperparameter_transfer.judge(_transfer([-1.5, -1.6, -1.4, -1.5], [0.8, 1.4, 1.9, 2.1]))) \
        == [True, True]
    assert passed(hyperparameter_transfer.judge(_transfer([-1.0, -1.4, -1.7, -2.0], [0.8, 1.4, 1.9, 2.1]))) \
        == [False, True]
    assert passed(hyperparameter_transfer.judge(_transfer([-1.5, -1.6, -1.4, -1.5], [1.0, 1.2, 0.9, 1.1]))) \
        == [True, False]
    assert passed(hyperparameter_transfer.judge(_transfer([-1.5, None, -1.4, -1.5], [0.8, 1.4, 1.9, None]))) \
        == [False, False]


def test_checks_are_registered():
    from paper_checks._framework import CHECKS

    names = [n for n in CHECKS if n.startswith("karkada2024.")]
    modules = sorted(p.stem for p in (Path(derivation.__file__).parent).glob("*.py") if not p.stem.startswith("_"))
    assert sorted(n.split(".", 1)[1] for n in names) == modules
