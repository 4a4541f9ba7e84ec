"""The kunin2024 paper checks' judges: each passes a result that meets the claim and refuses a wrong one."""

from __future__ import annotations

import copy

import pytest

from paper_checks._framework import CHECKS
from paper_checks.kunin2024 import exact_solutions, limit_potential, regimes, sign_flip, wide_network

#: The checks whose judges this module feeds wrong results.
JUDGED = ("kunin2024.exact_solutions", "kunin2024.limit_potential",
          "kunin2024.regimes", "kunin2024.sign_flip", "kunin2024.wide_network")


def verdicts(outcomes):
    return [o.passed for o in outcomes]


def test_registered():
    assert {f"kunin2024.{m}" for m in ("exact_solutions", "limit_potential", "regimes", "sign_flip",
                                       "wide_network")} <= set(CHECKS)


EXACT = {"points": [{"delta": d, "max_error": 1e-40} for d in exact_solutions.DELTAS],
         "authors": {"nu": [1e-35, 2e-36], "a": [3e-35]},
         "kernel": [{"delta": "0", "t": 0.5, "true": 0.0427, "written": 0.146, "corrected": 0.0427}]}


@pytest.mark.parametrize("path, value, failing", [
    (("points", 3, "max_error"), 1e-12, 0),
    (("authors", "a", 0), 1e-6, 1),
    (("kernel", 0, "corrected"), 0.146, 2),
])
def test_exact_solutions_judge(path, value, failing):
    assert all(verdicts(exact_solutions.judge(EXACT, "f.png")))
    wrong = copy.deepcopy(EXACT)
    target = wrong
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    got = verdicts(exact_solutions.judge(wrong, "f.png"))
    assert not got[failing] and sum(got) == len(got) - 1


def limit_result():
    pts = [{"delta": d, "seed": 0, "log_alpha": -50, "max_diff": 1e-70, "agree": True, "status": "success",
            "flipped": d == "-1", "other_diff": 2.0 if d == "-1" else 1.0, "certificate": 1e-80, "dps": 74}
           for d in ("-1", "0", "1")]
    rank1 = [{"delta": "1", "flipped": False, "flow": ["1.0", "0.5"], "argmin": ["1.0", "0.5"],
              "closed_form": ["1.0", "0.5"]}]
    return {"points": pts, "rank1": rank1}


def test_limit_potential_judge():
    assert all(verdicts(limit_potential.judge(limit_result())))
    wrong = limit_result()
    wrong["points"][1]["agree"] = False
    assert verdicts(limit_potential.judge(wrong)) == [False, True, True]
    wrong = limit_result()
    wrong["points"][2]["flipped"] = True  # a flip at delta = 1 contradicts the conserved quantity
    assert verdicts(limit_potential.judge(wrong)) == [True, False, True]
    wrong = limit_result()
    wrong["rank1"][0]["closed_form"] = ["1.0", "0.5000001"]
    assert verdicts(limit_potential.judge(wrong)) == [True, True, False]


def regime_result():
    ds = [-1000, -100, -10, -1, 0, 1, 10, 100, 1000]
    pts = [{"delta": d, "dist_kernel": 1e-7 * 1000**2 / max(d, 1) ** 2 if d > 0 else 1.0,
            "dist_ray": 7e-6 * 1000 / max(-d, 1) if d < 0 else 0.9} for d in ds]
    pts[4]["dist_kernel"] = 0.2
    engine = [{"name": "up", "delta": "delta -> +oo", "M_iso": "|delta|", "M_radial": "r**2/|delta|",
               "potential": "p", "residual": 1e-13, "iso_is_abs_delta": True, "radial_is_abs_delta": False},
              {"name": "bal", "delta": "delta = 0", "M_iso": "r", "M_radial": "r", "potential": "p", "residual": 0.0,
               "iso_is_abs_delta": False, "radial_is_abs_delta": False},
              {"name": "down", "delta": "delta -> -oo", "M_iso": "r**2/|delta|", "M_radial": "|delta|",
               "potential": "p", "residual": 1e-13, "iso_is_abs_delta": False, "radial_is_abs_delta": True}]
    return {"points": pts, "engine": engine}


def test_regimes_judge():
    assert all(verdicts(regimes.judge(regime_result(), "f.png")))
    wrong = regime_result()
    wrong["engine"][0]["iso_is_abs_delta"] = False
    assert verdicts(regimes.judge(wrong, "f.png")) == [False, True, True, True]
    wrong = regime_result()
    wrong["points"][-1]["dist_kernel"] = 0.3  # upstream not lazy
    assert verdicts(regimes.judge(wrong, "f.png")) == [True, False, True, True]
    wrong = regime_result()
    wrong["points"][0]["dist_ray"] = 0.5
    assert verdicts(regimes.judge(wrong, "f.png")) == [True, True, False, True]
    wrong = regime_result()
    wrong["points"][4]["dist_kernel"] = 0.01  # balanced coincides with the kernel interpolant
    assert verdicts(regimes.judge(wrong, "f.png")) == [True, True, True, False]


def sign_result():
    pts = []
    for d in (-2.0, 0.0, 0.5):
        for k, ang in enumerate((0.5, 2.0, 3.0, 4.5)):
            flip = d < 0 and k in (1, 2)
            pts.append({"delta": d, "angle": ang, "flipped": flip, "predicted": flip, "status": "success"})
    return {"points": pts}


def test_sign_flip_judge():
    assert all(verdicts(sign_flip.judge(sign_result(), "f.png")))
    wrong = sign_result()
    wrong["points"][5]["flipped"] = wrong["points"][5]["predicted"] = True  # delta = 0 flips
    assert verdicts(sign_flip.judge(wrong, "f.png")) == [False, True, True]
    wrong = sign_result()
    wrong["points"][0]["flipped"] = True
    assert not verdicts(sign_flip.judge(wrong, "f.png"))[1]
    wrong = sign_result()
    for p in wrong["points"][:4]:
        p["flipped"] = p["predicted"] = False  # only one basin at delta = -2
    assert verdicts(sign_flip.judge(wrong, "f.png")) == [True, True, False]


def wide_result():
    return {"points": [{"delta": 0.5, "seed": 0, "balance": 1e-30, "misalignment": [0, 1e-8, 1e-4, 1e-2, 1],
                        "rel_error": [1e-20, 1e-8, 1e-4, 1e-2, 0.2], "one_minus_cos": [0, 1e-16, 1e-8, 1e-4, 0.01],
                        "generic_rel_error": 0.3, "generic_one_minus_cos": 0.02, "min_mixing": 0.1}]}


@pytest.mark.parametrize("key, value, failing", [
    ("balance", 1e-10, 0), ("rel_error", [1e-3, 1e-8, 1e-4, 1e-2, 0.2], 1),
    ("rel_error", [1e-20, 1e-8, 1e-5, 1e-2, 0.2], 2), ("generic_rel_error", 1e-4, 3), ("min_mixing", 0.0, 3),
])
def test_wide_network_judge(key, value, failing):
    assert all(verdicts(wide_network.judge(wide_result(), "f.png")))
    wrong = wide_result()
    wrong["points"][0][key] = value
    got = verdicts(wide_network.judge(wrong, "f.png"))
    assert not got[failing]
