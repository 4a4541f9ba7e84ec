"""``implicit_bias.testing``: the strategies draw what they promise, and the assertions pass right answers and
refuse wrong ones with a message that says what differs and how to reproduce it."""

from __future__ import annotations

import dataclasses

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import implicit_bias as ib
from implicit_bias.testing import (
    alpha_scales,
    assert_flow_matches_regularizer,
    assert_regularizer_verified,
    catalogue_parametrizations,
    underdetermined_problems,
)


# ------------------------------------------------------------------------------------------------ strategies
@given(problem=underdetermined_problems(n=(2, 5), extra=(1, 6), condition=(10.0, 1e4), sparsity=(1, 3)))
def test_problems_have_the_requested_size_conditioning_and_sparsity(problem):
    X, y, beta = problem
    n, d = X.shape
    assert 2 <= n <= 5 and 1 <= d - n <= 6
    cond = np.linalg.cond(X)
    assert 10.0 * (1 - 1e-9) <= cond <= 1e4 * (1 + 1e-9), cond
    assert 1 <= np.count_nonzero(beta) <= 3
    assert np.allclose(X @ beta, y, rtol=0, atol=1e-12)


@given(problem=underdetermined_problems(n=3, extra=2, positive=True, sparsity=1))
def test_positive_problems_plant_a_positive_interpolant(problem):
    X, _y, beta = problem
    assert X.shape == (3, 5) and np.all(beta > 0)
    assert np.sum(beta >= 0.5) == 1 and np.sum(beta <= 0.1) == 4  # one large entry, the others small


@given(alpha=alpha_scales(-1000, 3))
def test_alpha_scales_span_the_decades(alpha):
    assert isinstance(alpha, mpmath.mpf)
    assert mpmath.mpf("1e-1000") * (1 - mpmath.mpf(10) ** -20) <= alpha <= 1000 * (1 + mpmath.mpf(10) ** -20)


def test_alpha_scales_reach_below_floats():
    seen = []

    @settings(max_examples=40, database=None)
    @given(alpha_scales(-1000, -400))
    def collect(alpha):
        seen.append(alpha)

    collect()
    assert seen and all(0 < a < mpmath.mpf("1e-399") for a in seen)
    assert len({mpmath.nstr(a, 5) for a in seen}) > 5  # many different scales, not one


CATALOGUE_PHIS = {f(D).phi for f in (ib.diagonal, ib.positive) for D in range(2, 6)} | {
    ib.product(D).phi for D in range(3, 6)} | {ib.single_neuron().phi}


@settings(max_examples=30, deadline=None)
@given(p=catalogue_parametrizations(max_depth=5))
def test_catalogue_parametrizations_are_catalogue_models_with_exact_constants(p):
    assert isinstance(p, ib.Parametrization)
    assert p.phi in CATALOGUE_PHIS, p
    for e in (*p.init, *p.lr):
        assert all(isinstance(n, sp.Rational | sp.Integer) for n in e.atoms(sp.Number)), e
    assert all(e.is_positive for e in p.lr)


def test_catalogue_parametrizations_honour_their_switches():
    @settings(max_examples=15, database=None)
    @given(catalogue_parametrizations(kinds=["diagonal"], max_depth=3, shapes=False, learning_rates=False))
    def plain(p):
        assert p.init[0] == p.init[1] == ib.ALPHA and p.lr == (1, 1)
        assert p.phi.as_poly(*p.params).total_degree() in (2, 3)

    plain()


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: underdetermined_problems(n=0), "n[0]=0"),
    (lambda: underdetermined_problems(n=(3, 2)), "n[1]=2"),
    (lambda: underdetermined_problems(extra="2"), "extra='2'"),
    (lambda: underdetermined_problems(condition=(0.5, 10)), "condition=(0.5, 10)"),
    (lambda: underdetermined_problems(condition=(1, 1e12)), "1e8"),
    (lambda: underdetermined_problems(n=2, extra=1, sparsity=4), "sparsity=4"),
    (lambda: alpha_scales(3, -3), "min_log10=3"),
    (lambda: alpha_scales(float("nan"), 0), "min_log10=nan"),
    (lambda: catalogue_parametrizations(kinds=["nope"]), "kinds=['nope']"),
    (lambda: catalogue_parametrizations(kinds="diagonal"), "kinds='diagonal'"),
    (lambda: catalogue_parametrizations(max_depth=1), "max_depth=1"),
])
def test_bad_strategy_arguments(call, fragment):
    with pytest.raises(ib.InputError) as exc:
        call()
    assert fragment in str(exc.value)


# ------------------------------------------------------------------------------------------------ assertions
def test_assert_regularizer_verified_passes_a_derived_regularizer_and_a_model():
    result = assert_regularizer_verified(ib.derive(ib.diagonal(3)), n_points=2)
    assert result.verified
    assert assert_regularizer_verified(ib.single_neuron(2, delta=1), n_points=2).verified  # derived here


def test_assert_regularizer_verified_refuses_a_wrong_Q_and_says_why():
    reg = ib.derive(ib.diagonal(2))
    wrong = dataclasses.replace(reg, Q=7 * reg.Q)
    with pytest.raises(AssertionError) as exc:
        assert_regularizer_verified(wrong, n_points=2)
    message = str(exc.value)
    assert "is not verified" in message and "beta = u**2 - v**2" in message
    assert "derivative" in message and "fenchel_young" in message  # the conditions the scaled Q breaks
    assert "reproduce: reg.check(n_points=2, dps=30, seed=0)" in message


def test_assert_regularizer_verified_refuses_a_wrong_vector_regularizer():
    reg = ib.derive(ib.single_neuron(2, delta=1))
    with pytest.raises(AssertionError, match=r"conditions above tolerance: .*dual"):
        assert_regularizer_verified(dataclasses.replace(reg, potential=2 * reg.potential), n_points=2)


def test_assert_flow_matches_regularizer_passes_the_derived_Q():
    rep = assert_flow_matches_regularizer(ib.diagonal(2), [[1, 0.5, -0.3], [0.2, 1, 0.4]], [1, -0.5],
                                          mpmath.exp(-20))
    assert rep.agree and rep.max_abs_diff < mpmath.mpf(10) ** -(rep.dps - 10)


def test_assert_flow_matches_regularizer_refuses_another_models_Q():
    """The hypentropy (learning rates 1, 1) presented as the regularizer of the model with learning rates 1, 3:
    its flow ends elsewhere, and the assertion says by how much."""
    wrong = dataclasses.replace(ib.derive(ib.diagonal(2)), parametrization=ib.diagonal(2, lr=(1, 3)))
    with pytest.raises(AssertionError) as exc:
        assert_flow_matches_regularizer(wrong, np.array([[1, 0.5, -0.3]]), [1], 0.5, dps=30)
    message = str(exc.value)
    assert "disagrees with argmin Q at alpha = 0.5 on X of shape (1, 3)" in message
    assert "eta = (1, 3)" in message and "verdict: disagree" in message and "reproduce: ib.verify(" in message


# ------------------------------------------------------------------------------------------- used together
@settings(max_examples=3, deadline=None)
@given(p=catalogue_parametrizations(kinds=["diagonal", "single_neuron"], max_depth=2), data=st.data(),
       alpha=alpha_scales(-40, 0))
def test_property_flow_limit_is_argmin_Q(p, data, alpha):
    """Labels the model can reach: a balanced neuron (delta = 0) keeps a*w on the sign of its start (a = k w is
    invariant), so its labels come from a positive interpolant; the exact flow of any other draw reaches any y."""
    one_signed = ib.derive(p).beta_domain[0] >= 0
    X, y, _ = data.draw(underdetermined_problems(n=(1, 2), extra=(1, 2), positive=one_signed))
    assert_flow_matches_regularizer(p, X, y, alpha)


def test_a_drawn_problem_feeds_the_toolkit_directly():
    @settings(max_examples=5, database=None)
    @given(underdetermined_problems(condition=(1e6, 1e8)), st.just(None))
    def solve(problem, _):
        sol = ib.reference.min_l2(problem.X, problem.y, dps=30)
        assert sol.status == "success" and sol.kkt_residual["primal"] < 1e-20

    solve()
