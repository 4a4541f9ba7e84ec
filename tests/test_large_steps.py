"""GD / SGD with finite steps on diagonal networks (Even et al. 2023): hand-computed steps, the exact
effective-initialization identity (and its refusal of a wrong initialization), model equivalence, precision."""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from implicit_bias.dynamics.large_steps import descent, effective_initialization, implicit_solution
from implicit_bias.errors import InputError

RNG = np.random.default_rng(5)
X = RNG.standard_normal((3, 6))
Y = X @ np.array([1.0, -0.5, 0, 0, 0, 0])


def _dist(a, b):
    return max(abs(p - q) for p, q in zip(a, b, strict=True))


def test_one_step_by_hand():
    """X = [[1, 0]], y = 1, u v from (sqrt(2) alpha, 0): g = -1, so v_1 = gamma sqrt(2) alpha, beta_1 = 2 gamma
    alpha^2; G = -gamma, sum q_+ = 2 gamma - 2 log(1 + gamma), sum q_- = -2 gamma - 2 log(1 - gamma)."""
    run = descent([[1, 0]], [1], alpha=0.25, step=0.3, max_iter=1, dps=30)
    with mpmath.workdps(30):
        g = mpmath.mpf(0.3)
        assert run.status == "max_iter" and run.iterations == 1
        assert abs(run.beta[0] - 2 * g * mpmath.mpf(0.25) ** 2) < 1e-30 and run.beta[1] == 0
        assert abs(run.grad_sum[0] + g) < 1e-30
        assert abs(run.q_plus_sum[0] - (2 * g - 2 * mpmath.log(1 + g))) < 1e-30
        assert abs(run.q_minus_sum[0] - (-2 * g - 2 * mpmath.log(1 - g))) < 1e-30
        # the gain is the mean of the two: -log((1 - x^2)^2) / 2 at x = -gamma
        eff = effective_initialization(run)
        assert abs(eff.gain[0] + mpmath.log((1 - g**2) ** 2) / 2) < 1e-30 and eff.gain[1] == 0
        assert abs(float(run.gain_by_steps[0]) - float(eff.gain[0])) < 1e-15


@pytest.mark.parametrize("kwargs", [{"step": 0.4}, {"step": 0.05, "batch_size": 1}, {"step": 0.1, "batch_size": 2},
                                    {"step": 0.2, "model": "u^2-v^2"}])
def test_identity_at_a_finite_step_and_a_wrong_scale_refused(kwargs):
    """beta_K = argmin Q_K s.t. X beta = X beta_K to the working precision; with the initial alpha instead of the
    effective one (gradient flow's regularizer) the same check fails by far."""
    run = descent(X, Y, alpha=0.2, max_iter=300, dps=30, **kwargs)
    exact = implicit_solution(run, X)
    assert exact.success and _dist(exact.beta, run.beta) < 1e-28
    wrong = implicit_solution(run, X, alpha=run.alpha_uv, tilted=False)
    assert wrong.success and _dist(wrong.beta, run.beta) > 1e-6
    untilted = implicit_solution(run, X, tilted=False)
    assert _dist(untilted.beta, run.beta) > 1e-12


def test_limit_identity_and_convergence():
    run = descent(X, Y, alpha=0.2, step=0.4, dps=30, tol=1e-25, max_iter=50_000)
    assert run.success and run.residual < 1e-24
    sol = implicit_solution(run, X, labels=Y)
    assert sol.success and _dist(sol.beta, run.beta) < 10 * run.residual + 1e-28


def test_square_model_is_the_product_model_at_twice_the_step():
    """GD on u^2 - v^2 (alpha, step gamma) and on u v (sqrt(2) alpha, step 2 gamma) give the same beta_k."""
    sq = descent(X, Y, alpha=0.2, step=0.1, model="u^2-v^2", max_iter=200, dps=40)
    with mpmath.workdps(60):
        alpha_uv = mpmath.sqrt(2) * mpmath.mpf(0.2)
    uv = descent(X, Y, alpha=alpha_uv, step=0.2, max_iter=200, dps=40)
    assert _dist(sq.beta, uv.beta) < 1e-38
    assert _dist(effective_initialization(sq).alpha_inf, effective_initialization(uv).alpha_inf) < 1e-38


def test_two_precisions_agree():
    """2000 steps of an oscillating run (too large a step to converge, loss non-monotone): 30 and 60 digits agree."""
    lo = descent(X, Y, alpha=0.2, step=1.5, max_iter=2000, tol=1e-300, dps=30)
    hi = descent(X, Y, alpha=0.2, step=1.5, max_iter=2000, tol=1e-300, dps=60)
    assert lo.iterations == hi.iterations == 2000 and lo.loss_increases > 100
    assert _dist(lo.beta, hi.beta) < 1e-27
    assert _dist(effective_initialization(lo).gain, effective_initialization(hi).gain) < 1e-26


def test_small_steps_approach_gradient_flow():
    """The gain halves with the step (linear in gamma) and the limit moves towards gradient flow's."""
    runs = [descent(X, Y, alpha=0.2, step=s, dps=20, tol=1e-12, max_iter=100_000) for s in (0.2, 0.1)]
    assert all(r.success for r in runs)
    gains = [max(effective_initialization(r).gain) for r in runs]
    assert gains[0] / gains[1] == pytest.approx(2, rel=0.15)
    flow = [_dist(implicit_solution(r, X, labels=Y, alpha=r.alpha_uv, tilted=False).beta, r.beta) for r in runs]
    assert flow[0] / flow[1] == pytest.approx(2, rel=0.2)


def test_divergence_is_a_failure():
    run = descent(X, Y, alpha=0.2, step=50, max_iter=1000, dps=20)
    assert run.status == "failed" and "diverged" in run.message and not run.success


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"model": "u**3"}, "model"), ({"step": -1}, "step"), ({"step": 0.1, "batch_size": 0}, "batch_size"),
    ({"step": 0.1, "batch_size": 4}, "batch_size"), ({"step": 0.1, "max_iter": 0}, "max_iter"),
    ({"step": 0.1, "alpha": -1}, "alpha"), ({"step": 0.1, "dps": 2}, "dps"),
])
def test_bad_input(kwargs, match):
    args = {"alpha": 0.1, "step": 0.1, **kwargs}
    with pytest.raises(InputError, match=match):
        descent(X, Y, **args)


@given(st.integers(0, 10_000), st.floats(0.01, 1.0), st.sampled_from([None, 1]))
def test_identity_on_random_problems(seed, step, batch):
    rng = np.random.default_rng(seed)
    Xr = rng.standard_normal((2, 4))
    yr = rng.standard_normal(2)
    run = descent(Xr, yr, alpha=0.3, step=step, batch_size=batch, max_iter=40, dps=25, seed=seed)
    if run.status == "failed":  # a step too large for this problem: diverged, nothing to check
        return
    sol = implicit_solution(run, Xr)
    assert sol.success and _dist(sol.beta, run.beta) < 1e-22
