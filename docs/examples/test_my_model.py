"""A user's own property tests, written with ``implicit_bias.testing``: copy this file into your test suite.

The model is one of your own, ``beta = u^2 - v^2`` started unbalanced (``u0 = c alpha``, ``v0 = alpha``) and
trained with a faster ``v`` (learning rates 1 and 2): its regularizer has no closed form. The tests ask that the
engine's answer passes the independent check, and that gradient flow itself converges to its argmin on random
problems over thirty decades of ``alpha``. Run it with ``pytest docs/examples/test_my_model.py``.
"""

from hypothesis import given, settings

import implicit_bias as ib
from implicit_bias.testing import (
    alpha_scales,
    assert_flow_matches_regularizer,
    assert_regularizer_verified,
    catalogue_parametrizations,
    underdetermined_problems,
)

MY_MODEL = ib.Parametrization.from_expr("u**2 - v**2", params=["u", "v"], init={"u": "c*alpha", "v": "alpha"},
                                        lr={"u": 1, "v": 2}, symbols=["c"])


def test_my_regularizer_passes_the_independent_check():
    reg = ib.derive(MY_MODEL)
    assert reg.kind == "legendre"  # no elementary inverse: Q is exact in terms of the root of b(s) = beta
    assert_regularizer_verified(reg, n_points=4)


# Each example runs a high-precision gradient flow (a second or two): keep the examples few.
@settings(max_examples=4, deadline=None)
@given(problem=underdetermined_problems(n=(1, 3), extra=(1, 3), condition=(1.0, 50.0)), alpha=alpha_scales(-30, 0))
def test_gradient_flow_converges_to_argmin_Q(problem, alpha):
    X, y, _beta_star = problem
    assert_flow_matches_regularizer(MY_MODEL, X, y, alpha, constants={"c": 2})


@settings(max_examples=3, deadline=None)
@given(p=catalogue_parametrizations(kinds=["diagonal"], max_depth=3))
def test_the_catalogue_models_i_compare_against_are_verified(p):
    assert_regularizer_verified(p, n_points=2)
