"""Depth-D sparse recovery (Woodworth et al. 2020, Fig. 3(c)): the argmin of the engine's depth-D regularizer,
its scale bisection, and the figure."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.optimize import brentq

from implicit_bias.errors import InputError
from implicit_bias.experiments.sparse_recovery import (
    RecoveryPoint,
    largest_recovering_alpha,
    largest_recovering_scale,
    recovery_point,
)
from implicit_bias.plotting.sparse_recovery import plot_fig3c
from implicit_bias.problems import sparse_regression
from implicit_bias.reference import argmin_Q, min_l1

SMALL = {"d": 30, "n": 15, "sparsity": 2, "seed": 0}


def _h(z: float, D: int) -> float:
    """Theorem 3's h_D, typed in from the paper only to check the engine's solution independently."""
    p = D / (D - 2)
    return (1 - z) ** -p - (1 + z) ** -p


@pytest.mark.parametrize(("D", "log10_alpha_D"), [(3, -1.0), (5, -0.5), (8, -2.0)])
def test_depth_solution_satisfies_theorem3_kkt(D, log10_alpha_D):
    # beta = alpha^D h_D(X^T nu) with ||X^T nu||_inf < 1: h_D^{-1}(beta / alpha^D) must lie in the row space of X
    from implicit_bias.derive import derive
    from implicit_bias.parametrizations import diagonal

    prob = sparse_regression(SMALL["d"], SMALL["n"], SMALL["sparsity"], seed=SMALL["seed"], noise_std=0.05)
    f = derive(diagonal(D)).to_numeric(dps=30)
    scale = 10.0**log10_alpha_D
    sol = argmin_Q([f.coordinate(alpha=scale ** (1 / D))] * SMALL["d"], prob.X, prob.y, dps=30).raise_for_status()
    beta = np.array([float(b) for b in sol.beta])
    z = np.array([brentq(lambda t, v=v: _h(t, D) - v, -1 + 1e-15, 1 - 1e-15, xtol=1e-15) for v in beta / scale])
    nu, *_ = np.linalg.lstsq(prob.X.T, z, rcond=None)
    assert np.max(np.abs(prob.X.T @ nu - z)) <= 1e-9 * np.max(np.abs(z)), (D, z)
    assert np.max(np.abs(prob.X @ beta - prob.y)) <= 1e-12


def _hypentropy_solution(X: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """argmin of Woodworth et al. (2020) Thm 1's hypentropy s.t. X beta = y, independently of the engine and the
    reference solver: its KKT point is beta = 2 alpha^2 sinh(4 X^T nu) (this toolkit's normalization), with nu
    minimizing the smooth convex dual sum_i alpha^2 cosh(4 (X^T nu)_i) / 2 - y . nu (damped Newton, float64)."""
    nu = np.zeros(X.shape[0])

    def dual(nu: np.ndarray) -> float:
        return float(np.sum(alpha**2 * np.cosh(4 * X.T @ nu) / 2) - y @ nu)

    for _ in range(200):
        z = 4 * X.T @ nu
        grad = X @ (2 * alpha**2 * np.sinh(z)) - y
        if np.max(np.abs(grad)) < 1e-13:
            break
        step = np.linalg.solve(X @ np.diag(8 * alpha**2 * np.cosh(z)) @ X.T, grad)
        t = 1.0
        while dual(nu - t * step) > dual(nu) - 0.25 * t * grad @ step and t > 1e-12:
            t /= 2
        nu = nu - t * step
    return 2 * alpha**2 * np.sinh(4 * X.T @ nu)


def test_depth_two_is_the_default_and_its_point_is_the_hypentropy_solution():
    pt = RecoveryPoint(SMALL["d"], SMALL["n"], SMALL["sparsity"], SMALL["seed"], -1.0, 0.05)
    assert pt.depth == 2
    prob = sparse_regression(SMALL["d"], SMALL["n"], SMALL["sparsity"], seed=SMALL["seed"], noise_std=0.05)
    beta = _hypentropy_solution(prob.X, prob.y, 0.1)
    assert np.max(np.abs(prob.X @ beta - prob.y)) < 1e-12
    got = recovery_point(pt)
    expected = {"population_error": prob.population_error(beta), "l1": float(np.abs(beta).sum()),
                "l2": float(np.sqrt((beta**2).sum()))}
    for key, value in expected.items():
        assert abs(got[key] - value) <= 1e-9 * abs(value), (key, got[key], value)


def test_limits_of_the_depth_solution():
    # alpha^D -> 0: min l1 (polynomially in alpha^D for D >= 3); large alpha^D: far from it
    prob = sparse_regression(SMALL["d"], SMALL["n"], SMALL["sparsity"], seed=SMALL["seed"], noise_std=0.05)
    l1 = np.array([float(b) for b in min_l1(prob.X, prob.y, dps=30).beta])
    e_l1 = prob.population_error(l1)
    small = recovery_point(RecoveryPoint(*SMALL.values(), log10_alpha=-10.0 / 3, noise_std=0.05, depth=3))
    assert abs(small["population_error"] - e_l1) <= 1e-3 * e_l1
    assert abs(small["l1"] - float(np.abs(l1).sum())) <= 1e-3
    large = recovery_point(RecoveryPoint(*SMALL.values(), log10_alpha=1.0 / 3, noise_std=0.05, depth=3))
    assert large["population_error"] > 10 * e_l1


def test_deeper_is_closer_to_l1_at_the_same_scale():
    errs = [recovery_point(RecoveryPoint(*SMALL.values(), log10_alpha=-2.0 / D, noise_std=0.05, depth=D))
            ["population_error"] for D in (2, 3, 5)]
    assert errs[0] > errs[1] > errs[2], errs


def test_bisection_returns_the_largest_recovering_grid_point():
    kw = {"threshold": 0.025, "lo": -12.0, "hi": 0.0, "steps": 3, "noise_std": 0.05}
    res = largest_recovering_scale(*SMALL.values(), depth=3, **kw)
    step = 12.0 / 2**3
    la = res["log10_alpha_D"]
    assert la is not None and la < 0.0 and ((la + 12.0) / step).is_integer()
    assert res["error"] <= 0.025 and res["evaluations"] == 2 + 3
    above = recovery_point(RecoveryPoint(*SMALL.values(), log10_alpha=(la + step) / 3, noise_std=0.05, depth=3))
    assert above["population_error"] > 0.025
    # the depth-2 alpha bisection of Fig. 1 is the same search in log10 alpha = log10 alpha^2 / 2
    easy = (40, 20, 2, 0)  # min l1 error 0.002: depth 2 recovers above alpha^2 = 1e-12
    old = largest_recovering_alpha(*easy, lo=-6.0, hi=0.0, steps=3, noise_std=0.05)
    new = largest_recovering_scale(*easy, depth=2, **kw)
    assert new["log10_alpha_D"] is not None and old["log10_alpha"] == new["log10_alpha_D"] / 2


def test_no_recovery_below_the_l1_sample_size():
    res = largest_recovering_scale(SMALL["d"], 4, SMALL["sparsity"], SMALL["seed"], depth=5, noise_std=0.05)
    assert res["log10_alpha_D"] is None and res["error"] is None and res["evaluations"] == 1
    assert res["error_lo"] > 0.025


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"lo": 0.0, "hi": -1.0}, "lo < hi"),
    ({"steps": -1}, "steps"),
    ({"steps": True}, "steps"),
])
def test_bad_bisection_arguments(kwargs, match):
    with pytest.raises(InputError, match=match):
        largest_recovering_scale(*SMALL.values(), depth=3, **kwargs)


@pytest.mark.parametrize("depth", [1, 0, True, 2.5])
def test_bad_depth(depth):
    with pytest.raises(InputError, match="depth"):
        RecoveryPoint(*SMALL.values(), log10_alpha=-1.0, depth=depth)


def test_plot_fig3c():
    result = {"sizes": {"d": 100, "r": 3, "ns": [10, 20, 30], "depths": [2, 3], "threshold": 0.025},
              "l1_error": [1.2, 0.01, 0.003],
              "points": {"2": [{"log10_alpha_D": None}, {"log10_alpha_D": -8.5}, {"log10_alpha_D": -3.5}],
                         "3": [{"log10_alpha_D": None}, {"log10_alpha_D": -3.8}, {"log10_alpha_D": -2.6}]}}
    fig = plot_fig3c(result)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and len(ax.lines) == 3
    assert list(ax.lines[-1].get_xdata()) == [20, 20] and ax.lines[-1].get_linestyle() == "--"
    plt.close(fig)
