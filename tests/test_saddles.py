"""Saddle-to-saddle (Pesme & Flammarion 2023): the exact recursion against hand solutions, independent KKT checks
and the min-l1 linear program; the time conversion to ib.diagonal(2); the flow following the saddles."""

import itertools
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import implicit_bias as ib
from implicit_bias.dynamics import paper_time, time_scale, toolkit_time
from implicit_bias.dynamics.dual_path import dual_path, exponential_terms
from implicit_bias.errors import InputError


def F(s: str) -> Fraction:
    return Fraction(s)


# ------------------------------------------------------------------ known answers

def test_hand_solved_problem_with_a_deactivation():
    """X = [[1, 0, 1], [1, -1, 2]], y = (-2, -1), solved by hand in docs/saddle_to_saddle.md: coordinate 2 is
    learnt first (t = 1/2, beta_2 = -4/5), replaced by coordinate 0 at t = 4/3 (beta_0 = -3/2, beta_2 leaves),
    then coordinate 1 joins at t = 16/3 for the interpolator (-2, -1, 0)."""
    res = ib.saddle_to_saddle([[1, 0, 1], [1, -1, 2]], [-2, -1], dps=30)
    assert res.success and not res.degeneracies
    assert res.exact_times == [0, F("1/2"), F("4/3"), F("16/3")]
    assert res.exact_saddles == [[0, 0, 0], [0, 0, F("-4/5")], [F("-3/2"), 0, 0], [-2, -1, 0]]
    assert res.supports == [(), (2,), (0,), (0, 1)]
    assert res.activated == [(), (2,), (0,), (1,)]
    assert res.deactivated == [(), (), (2,), ()]
    assert res.active[2] == {0: -1, 2: -1} and res.active[3] == {0: -1, 1: -1}
    assert [str(v) for v in res.losses[:3]] == ["1.25", "0.45", "0.125"]
    assert res.at(1) == res.saddles[1] and res.at(100) == res.saddles[3] and res.at(0.5) == res.saddles[1]


def test_one_dimensional_problem_by_hand():
    """d = 1, n = 3 (overdetermined): one jump, at t_1 = n / |x^T y|, to the least-squares value x^T y / x^T x."""
    x, y = [1.0, 2.0, -1.0], [0.5, 1.0, 2.0]
    res = ib.saddle_to_saddle([[v] for v in x], y, dps=30)
    xty = Fraction(1) / 2 + 2 - 2
    assert res.success and res.exact_times == [0, 3 / abs(xty)]
    assert res.exact_saddles[-1] == [xty / 6]


def test_first_jump_and_last_saddle_on_a_planted_problem():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5, 8))
    y = X @ np.array([1, -2, 1.5, 0, 0, 0, 0, 0])
    res = ib.saddle_to_saddle(X, y, dps=40)
    with mpmath.workdps(40):
        c = [mpmath.fsum(mpmath.mpf(X[i, j]) * mpmath.mpf(y[i]) for i in range(5)) / 5 for j in range(8)]
        assert abs(res.times[1] - 1 / max(abs(v) for v in c)) < mpmath.mpf(10) ** -38
    l1 = ib.reference.min_l1(X, y, dps=40)
    assert l1.success and max(abs(a - b) for a, b in zip(l1.beta, res.saddles[-1], strict=True)) < 1e-35
    assert res.supports[1] == (4,) and res.deactivated[2] == (4,) and res.deactivated[5] == (2,)
    assert len(res.times) == 8 and res.losses[-1] == 0


def test_ties_and_dependent_columns_are_reported():
    """Two equal columns reach +-1 at the same time: the recursion goes on and says the limit theorem's
    genericity assumption fails there."""
    res = ib.saddle_to_saddle([[1, 1, 0], [0, 0, 1]], [1, 1], dps=20)
    assert res.success
    assert any("same time" in m for m in res.degeneracies)
    assert any("zero gradient" in m for m in res.degeneracies)


def test_budget_of_jumps():
    res = ib.saddle_to_saddle([[1, 0, 1], [1, -1, 2]], [-2, -1], max_saddles=1)
    assert res.status == "max_iter" and not res.success and len(res.times) == 2


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"X": [[1, float("nan")]], "y": [1]}, r"X\[0, 1\]"),
    ({"X": [[1, 2]], "y": [1, 2]}, "one label per row"),
    ({"X": [1, 2], "y": [1]}, "2-D"),
    ({"X": [[1, 2]], "y": ["a"]}, r"y\[0\]"),
    ({"X": [[1, 2]], "y": [1], "dps": 3}, "dps=3"),
    ({"X": [[1, 2]], "y": [1], "max_saddles": 0}, "max_saddles=0"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(InputError, match=match):
        ib.saddle_to_saddle(**kwargs)


# ------------------------------------------------------------------ property tests: an independent KKT check

def _check_process(X: np.ndarray, y: np.ndarray, res) -> None:
    """Rebuild the dual variable s(t) = -sum (t_{j+1} - t_j) grad L(beta_j) from the output alone and check what
    the limit process must satisfy: |s| <= 1, s_i = sign(beta_i) on every saddle's support, each coordinate that
    jumps in has |s_i| = 1, L decreasing, zero gradient at the end."""
    Xq = [[Fraction(v) for v in row] for row in X]
    yq = [Fraction(v) for v in y]
    n, d = len(Xq), len(Xq[0])

    def grad(beta):
        r = [sum((Xq[i][j] * beta[j] for j in range(d)), Fraction(0)) - yq[i] for i in range(n)]
        return [sum((Xq[i][j] * r[i] for i in range(n)), Fraction(0)) / n for j in range(d)]

    s = [Fraction(0)] * d
    for k in range(1, len(res.exact_times)):
        g = grad(res.exact_saddles[k - 1])
        dt = res.exact_times[k] - res.exact_times[k - 1]
        assert dt > 0
        s = [si - dt * gi for si, gi in zip(s, g, strict=True)]
        assert all(abs(v) <= 1 for v in s)
        beta = res.exact_saddles[k]
        gk = grad(beta)
        for i in range(d):
            if beta[i] != 0:
                assert s[i] == (1 if beta[i] > 0 else -1) and gk[i] == 0
            elif abs(s[i]) == 1:  # active at 0: s_i moves inwards (velocity -g_i), so beta_i stays 0
                assert s[i] * gk[i] >= 0
        assert all(abs(s[i]) == 1 for i in res.activated[k])
    assert all(v == 0 for v in grad(res.exact_saddles[-1]))
    assert all(b < a for a, b in zip(res.losses, res.losses[1:], strict=False))


@given(st.integers(1, 4), st.integers(2, 7), st.integers(0, 10_000))
def test_random_problems_satisfy_the_limit_process_conditions(n, d, seed):
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, d)), 3)
    y = np.round(rng.standard_normal(n), 3)
    res = ib.saddle_to_saddle(X, y, dps=20)
    assert res.success, res.message
    _check_process(X, y, res)
    if n < d and np.linalg.matrix_rank(X) == n:
        l1 = ib.reference.min_l1(X, y, dps=30)
        assert l1.success
        assert float(sum(abs(b) for b in res.saddles[-1])) == pytest.approx(float(l1.objective), rel=1e-15)
        if not res.degeneracies:
            assert max(abs(a - b) for a, b in zip(l1.beta, res.saddles[-1], strict=True)) < 1e-15


def test_the_kkt_rebuild_refuses_a_wrong_process():
    """The independent check above fails on a process with a wrong time or a wrong saddle."""
    X, y = np.array([[1.0, 0, 1], [1, -1, 2]]), np.array([-2.0, -1])
    res = ib.saddle_to_saddle(X, y)
    bad_time = type(res)(**{**res.__dict__, "exact_times": [0, F("1/2"), F("3/2"), F("16/3")]})
    bad_saddle = type(res)(**{**res.__dict__, "exact_saddles": [*res.exact_saddles[:2], [F("-3/2"), 0, F("-1/10")],
                                                                 res.exact_saddles[3]]})
    for wrong in (bad_time, bad_saddle):
        with pytest.raises(AssertionError):
            _check_process(X, y, wrong)


# ------------------------------------------------------------------ time conversion to ib.diagonal(2)

UV = ib.Parametrization.from_expr("u*v", params=["u", "v"], init={"u": "sqrt(2)*alpha", "v": "0"})


def test_dual_maps_relate_the_two_normalizations():
    """b_{u^2-v^2}(sigma; alpha) = b_{uv}(2 sigma; sqrt(2) alpha) for the engine's derived maps: the time of
    ib.diagonal(2) is half the time of Pesme & Flammarion's u v at sqrt(2) alpha."""
    b_sq = ib.derive(ib.diagonal(2)).curve.b
    b_uv = ib.derive(UV).curve.b
    sigma, alpha = ib.SIGMA, ib.ALPHA
    diff = b_sq - b_uv.subs({sigma: 2 * sigma, alpha: sp.sqrt(2) * alpha}, simultaneous=True)
    assert sp.expand(diff.rewrite(sp.exp)) == 0


def test_time_conversion_on_the_flows():
    """The two flows, integrated separately (dense, dual coordinate): beta_{u^2-v^2}(T) = beta_{uv}(2T)."""
    X, y = [[1.0, 0.3, -0.5], [0.2, 1.0, 0.4]], [1.0, -0.5]
    alpha = mpmath.mpf("0.01")
    sq = dual_path(ib.diagonal(2), X, y, alpha=alpha, t_end=20, rtol=1e-12)
    uv = dual_path(UV, X, y, alpha=mpmath.sqrt(2) * alpha, t_end=40, rtol=1e-12)
    for T in (0.5, 3.0, 7.0, 15.0):
        assert np.max(np.abs(sq.beta(T) - uv.beta(2 * T))) < 1e-9


def test_time_scale_values():
    a = mpmath.exp(-1000)
    assert abs(time_scale(a) - (1000 - mpmath.log(2) / 2) / 2) < 1e-40
    assert abs(paper_time(toolkit_time(3.5, alpha=a), alpha=a) - 3.5) < 1e-40
    with pytest.raises(InputError, match="alpha"):
        time_scale(1)


def test_exponential_terms_refuse_maps_with_poles():
    assert sorted(exponential_terms(UV)) == [(-0.5, -2.0, 2.0), (0.5, 2.0, 2.0)]
    with pytest.raises(InputError, match="not a sum of exponentials"):
        exponential_terms(ib.diagonal(3))


# ------------------------------------------------------------------ the flow follows the saddles

def test_flow_jumps_at_the_predicted_times():
    """log(1/alpha) = 300 on a 2 x 3 problem with a deactivation: each loss mid-level is crossed once, within
    10 / log(1/alpha) of t_k (accelerated time), and the flow rests at beta_k mid-plateau."""
    X, y = [[1.0, 0, 1], [1, -1, 2]], [-2.0, -1]
    res = ib.saddle_to_saddle(X, y)
    alpha = mpmath.exp(-300)
    scale = float(time_scale(alpha))
    losses = [float(v) for v in res.losses]
    levels = [(a + b) / 2 for a, b in itertools.pairwise(losses)]
    path = dual_path(ib.diagonal(2), X, y, alpha=alpha, t_end=7 * scale, levels=levels)
    assert path.success
    for k, crossing in enumerate(path.crossings, start=1):
        assert len(crossing) == 1
        assert abs(crossing[0] / scale - float(res.times[k])) < 10 / 300
    for k in (1, 2):
        mid = (float(res.times[k]) + float(res.times[k + 1])) / 2 * scale
        assert np.max(np.abs(path.beta(mid) - np.array([float(b) for b in res.saddles[k]]))) < 1e-8


def test_mpfr_flow_ends_at_the_last_saddle():
    X, y = [[1.0, 0, 1], [1, -1, 2]], [-2.0, -1]
    sol = ib.flow.gradient_flow(ib.diagonal(2), X, y, alpha=mpmath.exp(-100), dps=30, progress=False,
                                plateau_steps=None)
    assert sol.success
    assert max(abs(b - e) for b, e in zip(sol.beta, [-2, -1, 0], strict=True)) < 1e-25


@pytest.mark.slow
def test_flow_at_e_minus_3000_follows_the_saddles():
    """The MPFR flow of u, v at alpha = e^-3000 (about two and a half minutes) and the dense flow."""
    from implicit_bias.experiments.saddle_to_saddle import PlantedProblem, flow_point

    out = flow_point({**PlantedProblem().config(), "log_inv_alpha": 3000, "gradient_flow": True, "dps": 30})
    assert all(len(c) == 1 for c in out["crossings"])
    assert max(abs(e) for e in out["time_errors"]) < 10 / 3000
    assert max(out["plateau_deviation"]) < 1e-10
    gf = out["gradient_flow"]
    assert gf["status"] == "success" and gf["limit_vs_last_saddle"] < 1e-25 and gf["vs_path"] < 1e-8
