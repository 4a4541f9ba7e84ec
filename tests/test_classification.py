"""Exponential-loss flow of diagonal networks (Moroshko et al. 2020) and the max-margin references: known answers,
the engine's dual map along the flow, MPFR against float64, KKT of the Q-regularized max margin, bad input."""

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import minimize

import implicit_bias as ib
from implicit_bias.dynamics.classification import exponential_flow, folded
from implicit_bias.dynamics.margins import QuadraticMap, max_margin_l1, max_margin_l2, min_Q_margin
from implicit_bias.errors import InputError

SEPARABLE_X = np.random.default_rng(3).standard_normal((4, 6))
SEPARABLE_Y = np.sign(SEPARABLE_X @ np.array([1.0, -1, 0, 0, 0, 0]))


def test_one_sample_by_hand():
    """One sample x = (1, 2), depth 2: nu is a scalar, beta = 2 alpha^2 sinh(4 nu x), and at the stop the margin
    beta_1 + 2 beta_2 equals log(1/eps) exactly (L = exp(-margin)); solve that for nu and compare."""
    alpha, lam = 0.5, 50.0
    run = exponential_flow([[1.0, 2.0]], [1], alpha=alpha, log_inv_eps=[lam])
    st_ = run.states[0]
    with mpmath.workdps(30):
        def margin(nu):
            return 2 * alpha**2 * (mpmath.sinh(4 * nu) + 2 * mpmath.sinh(8 * nu)) - lam

        nu = mpmath.findroot(margin, 0.3)
        beta = [2 * alpha**2 * mpmath.sinh(4 * nu * c) for c in (1, 2)]
    assert run.success and abs(st_.nu[0] - float(nu)) < 1e-12
    assert np.allclose(st_.beta, [float(b) for b in beta], rtol=1e-11)
    assert st_.margins[0] == pytest.approx(lam, rel=1e-12)


def test_max_margin_references_by_hand():
    """x = (1, 2): the l2 max margin is x / |x|^2 (gamma_2* = sqrt 5), the l1 one puts all weight on coordinate 1
    (gamma_1* = 2)."""
    direction, gamma = max_margin_l1([[1.0, 2.0]])
    assert gamma == pytest.approx(2) and np.allclose(direction, [0, 1])
    sol = max_margin_l2([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0]], dps=30)  # two samples, both active by symmetry
    assert sol.success and sol.active == [0, 1]
    with mpmath.workdps(40):
        assert all(abs(b - mpmath.mpf(1) / 3) < 1e-30 for b in sol.beta[:2]) and sol.beta[2] == 0


def test_the_flow_keeps_the_engines_dual_map_and_depth3_weights_stay_bounded():
    for depth, alpha in ((2, 1.0), (3, 0.3)):
        run = exponential_flow(SEPARABLE_X, SEPARABLE_Y, depth=depth, alpha=alpha, log_inv_eps=[100, 1e4])
        f = ib.derive(ib.diagonal(depth)).to_numeric(dps=30)
        Xt = folded(SEPARABLE_X, SEPARABLE_Y)
        for state in run.states:
            sigma = Xt.T @ state.nu
            inverse = [float(f.grad_Q(mpmath.mpf(b), alpha=alpha)) for b in state.beta]
            assert np.max(np.abs(np.array(inverse) - sigma)) < 1e-12 * max(1, np.max(np.abs(sigma)))
            if depth == 3:  # b has a pole at 1 / (3 alpha): the sample weights cannot pass it
                assert np.max(np.abs(sigma)) < float(f.coordinate(alpha=alpha).domain[1])


def test_mpfr_and_float64_flows_agree():
    lo = exponential_flow(SEPARABLE_X, SEPARABLE_Y, alpha=1.0, log_inv_eps=[100])
    hi = exponential_flow(SEPARABLE_X, SEPARABLE_Y, alpha=1.0, log_inv_eps=[100], dps=30)
    assert np.max(np.abs(lo.states[0].direction - hi.states[0].direction)) < 1e-12
    assert lo.states[0].margins.min() == pytest.approx(hi.states[0].margins.min(), rel=1e-13)


def test_margin_ratios_move_the_right_way():
    """Kernel end: alpha = 100 at log(1/eps) = 1e4 is the l2 max margin to 1e-4; rich end: alpha = 1 creeps
    towards the l1 max margin as eps shrinks, far below it at eps = 1e-100."""
    Xt = folded(SEPARABLE_X, SEPARABLE_Y)
    _d1, g1 = max_margin_l1(Xt)
    g2 = 1 / np.linalg.norm([float(b) for b in max_margin_l2(Xt, dps=30).beta])
    big = exponential_flow(SEPARABLE_X, SEPARABLE_Y, alpha=100.0, log_inv_eps=[1e4]).states[0]
    assert big.margins.min() / np.linalg.norm(big.beta) / g2 > 0.9999
    rich = exponential_flow(SEPARABLE_X, SEPARABLE_Y, alpha=1.0, log_inv_eps=[100 * np.log(10), 1e4]).states
    ratios = [s.margins.min() / np.abs(s.beta).sum() / g1 for s in rich]
    assert ratios[0] < 0.95 and ratios[0] < ratios[1] < 0.99


@given(st.integers(0, 10_000))
def test_q_margin_kkt_on_random_problems(seed):
    """The l2 problem against scipy's SLSQP, and the hypentropy problem's KKT conditions, on random separable data."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((3, 5))
    y = np.sign(X @ rng.standard_normal(5))
    Xt = folded(X, y)
    l2 = max_margin_l2(Xt, dps=25)
    qp = minimize(lambda b: b @ b / 2, np.ones(5), jac=lambda b: b, method="SLSQP",
                  constraints=[{"type": "ineq", "fun": lambda b: Xt @ b - 1, "jac": lambda b: Xt}])
    assert l2.success and np.allclose([float(b) for b in l2.beta], qp.x, atol=1e-6)
    f = ib.derive(ib.diagonal(2)).to_numeric(dps=25)
    sol = min_Q_margin([f.coordinate(alpha=0.3)] * 5, Xt, dps=25)
    assert sol.success
    with mpmath.workdps(35):
        margins = [mpmath.fsum(mpmath.mpf(Xt[r, i]) * sol.beta[i] for i in range(5)) for r in range(3)]
        assert all(m >= 1 - mpmath.mpf(10) ** -22 for m in margins) and all(v >= 0 for v in sol.lam)
        assert all(abs(v * (m - 1)) < mpmath.mpf(10) ** -22 for v, m in zip(sol.lam, margins, strict=True))


def test_q_margin_refuses_a_wrong_active_set_start():
    """Started from a wrong active set the solver corrects it; the KKT certificate is what decides."""
    Xt = folded(SEPARABLE_X, SEPARABLE_Y)
    right = max_margin_l2(Xt, dps=25)
    again = min_Q_margin([QuadraticMap()] * 6, Xt, dps=25, start=[0])
    assert again.success and again.active == right.active
    assert max(abs(a - b) for a, b in zip(again.beta, right.beta, strict=True)) < 1e-24


@pytest.mark.parametrize(("call", "match"), [
    (lambda: folded([[1.0, 0], [-1.0, 0]], [1, 1]), "not linearly separable"),
    (lambda: folded([[1.0, 0]], [2]), "labels"),
    (lambda: exponential_flow([[1.0, 2]], [1], alpha=1, log_inv_eps=[10, 5]), "increasing"),
    (lambda: exponential_flow([[1.0, 2]], [1], alpha=1, log_inv_eps=[10], depth=1), "depth"),
    (lambda: exponential_flow([[1.0, 2]], [1], alpha=0, log_inv_eps=[10]), "alpha"),
    (lambda: min_Q_margin([QuadraticMap()] * 2, [[1.0, 2], [2, 1]]), "n < d"),
    (lambda: min_Q_margin([QuadraticMap()], [[1.0, 2]]), "maps"),
])
def test_bad_input(call, match):
    with pytest.raises(InputError, match=match):
        call()
