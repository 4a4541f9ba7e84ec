"""The Moroshko et al. (2020) judges pass a right result and refuse wrong ones, claim by claim."""

import copy
import math

from paper_checks.moroshko2020 import dual_map, intermediate, kernel_regime, rich_limit, small_alpha

#: The checks whose judges this module feeds wrong results.
JUDGED = (dual_map.NAME, intermediate.NAME, kernel_regime.NAME, rich_limit.NAME, small_alpha.NAME)

LEVELS = [100.0, 100 * math.log(10), 1e3, 1e4, 1e5, 1e6]


def _state(lam, nu, sup, pole, beta=(1.0, -1.0)):
    return {"log_inv_eps": lam, "gamma": lam, "beta": list(beta), "nu": [nu], "closed_form": 1e-14,
            "dual_sup": sup, "pole": pole}


DUAL = {"flows": [
    {"depth": 2, "alpha": 1.0, "states": [_state(v, 1 + 0.8 * i, 1 + 0.8 * i, None) for i, v in enumerate(LEVELS)]},
    {"depth": 3, "alpha": 0.3, "states": [_state(v, 1.03 - 0.05 * 0.5**i, 1.1 - 0.01 * 0.5**i, 1.111)
                                          for i, v in enumerate(LEVELS)]}],
    "mpfr": [{"depth": 2, "alpha": 1.0, "states": [_state(100.0, 1.0, 1.0, None)]}]}


def test_dual_map_judge():
    assert [o.passed for o in dual_map.judge(DUAL)] == [True, True, True]
    wrong = copy.deepcopy(DUAL)
    wrong["flows"][0]["states"][3]["closed_form"] = 1e-6
    assert not dual_map.judge(wrong)[0].passed
    off = copy.deepcopy(DUAL)
    off["mpfr"][0]["states"][0]["beta"] = [1.0, -1.001]
    assert not dual_map.judge(off)[1].passed
    unbounded = copy.deepcopy(DUAL)  # depth 3 weights growing steadily, as if b had no pole
    for i, s in enumerate(unbounded["flows"][1]["states"]):
        s["nu"] = [1 + 0.8 * i]
    assert not dual_map.judge(unbounded)[2].passed
    bounded2 = copy.deepcopy(DUAL)  # depth 2 weights levelling off
    for i, s in enumerate(bounded2["flows"][0]["states"]):
        s["nu"] = [2 - 0.5**i]
    assert not dual_map.judge(bounded2)[2].passed


KERNEL = {"rows": [{"alpha": a, "states": [{"log_inv_eps": v, "gamma2_ratio": g(a, v), "cos_l2": 0.0}
                                           for v in LEVELS]}
                   for a, g in [(1.0, lambda a, v: 0.9), (10.0, lambda a, v: 0.97),
                                (100.0, lambda a, v: 0.99997 if v <= 1e4 else 0.966)]]}


def test_kernel_regime_judge():
    assert [o.passed for o in kernel_regime.judge(KERNEL)] == [True, True]
    weak = copy.deepcopy(KERNEL)
    weak["rows"][2]["states"][3]["gamma2_ratio"] = 0.99
    assert not kernel_regime.judge(weak)[0].passed
    stays = copy.deepcopy(KERNEL)
    for s in stays["rows"][2]["states"]:
        s["gamma2_ratio"] = 0.99999
    assert not kernel_regime.judge(stays)[1].passed


def _inter(cos_q):
    return {"rows": [{"depth": D, "alpha": a, "states": [
        {"log_inv_eps": v, "cos_q": cos_q, "cos_l1": 0.1, "cos_l2": 0.05, "q_status": "success"} for v in (1e2, 1e4)]}
        for D, alphas in intermediate.CASES.items() for a in alphas]}


def test_intermediate_judge():
    assert intermediate.judge(_inter(1e-3))[0].passed
    assert not intermediate.judge(_inter(0.03))[0].passed  # too far
    assert not intermediate.judge(_inter(0.06))[0].passed  # worse than the l2 limit
    missing = _inter(1e-3)
    missing["rows"][0]["states"][0]["cos_q"] = None
    assert not intermediate.judge(missing)[0].passed


RICH = {"states": [{"log_inv_eps": v, "gamma1_ratio": r, "cos_l1": 0.1}
                   for v, r in zip(LEVELS, [0.931, 0.942, 0.956, 0.969, 0.977, 0.984], strict=True)]}


def test_rich_limit_judge():
    assert [o.passed for o in rich_limit.judge(RICH)] == [True, True]
    dip = copy.deepcopy(RICH)
    dip["states"][3]["gamma1_ratio"] = 0.95
    assert not rich_limit.judge(dip)[0].passed
    early = copy.deepcopy(RICH)  # the l1 limit already reached at 1e-100
    for s, r in zip(early["states"], [0.99, 0.999, 0.9992, 0.9994, 0.9996, 0.9998], strict=True):
        s["gamma1_ratio"] = r
    assert [o.passed for o in rich_limit.judge(early)] == [True, False]


def _small():
    rows = []
    for (D, a), ratios, cos_q in [((2, 1e-3), [0.920, 0.922, 0.923, 0.924, 0.924, 0.924], 0.73),
                                  ((2, 1e-6), [0.915, 0.92, 0.923, 0.924, 0.924, 0.924], 0.76),
                                  ((3, 0.3), [0.9169, 0.9175, 0.9174, 0.91722, 0.91718, 0.91718], 0.76),
                                  ((2, 1.0), [0.931, 0.942, 0.956, 0.969, 0.977, 0.984], 4e-4)]:
        rows.append({"depth": D, "alpha": a, "states": [
            {"log_inv_eps": v, "gamma1_ratio": r, "cos_q": cos_q if v in (1e2, 1e4, 1e6) else None, "beta": [1.0]}
            for v, r in zip(LEVELS, ratios, strict=True)]})
    return {"rows": rows}


def test_small_alpha_judge():
    assert [o.passed for o in small_alpha.judge(_small())] == [True, True, True]
    climbs = _small()  # alpha = 1e-3 approaching l1 after all
    for s, r in zip(climbs["rows"][0]["states"], [0.92, 0.94, 0.96, 0.97, 0.98, 0.99], strict=True):
        s["gamma1_ratio"] = r
    assert not small_alpha.judge(climbs)[0].passed
    drifts = _small()
    drifts["rows"][2]["states"][-1]["gamma1_ratio"] = 0.93
    assert not small_alpha.judge(drifts)[1].passed
    explained = _small()
    explained["rows"][2]["states"][-1]["cos_q"] = 1e-3
    assert not small_alpha.judge(explained)[2].passed
