"""Section 6 (width) of Woodworth et al. (2020): the engine's regularizers of the wide parallel network and of
Theorem 4, the flow of the actual U, V against argmin Q, the Gram-matrix flow of matrix completion, bad input."""

import math

import matplotlib.pyplot as plt
import mpmath
import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from implicit_bias.derive import BETA, derive
from implicit_bias.errors import InputError
from implicit_bias.experiments.fitting import fit_slope, log_crossing
from implicit_bias.experiments.matrix_completion import (
    CompletionPoint,
    completion_flow,
    completion_gd,
    completion_integrator_check,
    completion_point,
    completion_problem,
)
from implicit_bias.experiments.wide_network import (
    WidthPoint,
    argmin_theorem4,
    argmin_wide,
    init_gram,
    init_scales,
    l1ness,
    theorem4_unit,
    wide_flow,
    wide_init,
    wide_unit,
    width_point,
)
from implicit_bias.parametrizations import ALPHA, Parametrization
from implicit_bias.plotting.matrix_completion import plot_completion_heatmaps
from implicit_bias.problems import sparse_regression

A, B = sp.Symbol("a", positive=True), sp.Symbol("b", positive=True)


def _agree(expr: sp.Expr, expected: sp.Expr, points: list[dict], digits: int = 30) -> float:
    """Worst relative difference of two expressions at numeric points (evaluated at ``digits``)."""
    worst = 0.0
    for pt in points:
        got, want = sp.N(expr.subs(pt), digits), sp.N(expected.subs(pt), digits)
        worst = max(worst, float(abs(got - want) / max(abs(want), sp.Float(1e-300))))
    return worst


# ----------------------------------------------------------------------------------------- known answers
def test_theorem4_regularizer_is_the_hypentropy_at_mu():
    """Theorem 4: U(0) = [sqrt2 mu I, 0], V(0) = [0, sqrt2 mu I] gives the hypentropy at scale 2 mu^2
    (typed in from the paper, with this toolkit's normalization Q' = b^{-1}, b = 2 mu^2 sinh(2 sigma))."""
    reg = derive(theorem4_unit())
    mu = ALPHA
    expected = mu**2 + BETA * sp.asinh(BETA / (2 * mu**2)) / 2 - sp.sqrt(4 * mu**4 + BETA**2) / 2
    pts = [{ALPHA: a, BETA: b} for a in (sp.Rational(1, 20), 1, 3) for b in (-7, sp.Rational(-1, 10), 0, 2, 40)]
    assert reg.kind == "closed"
    assert _agree(reg.Q, expected, pts) <= 1e-25, f"Q_mu = {reg.Q}, expected {expected}"


def test_wide_unit_regularizer_is_a_tilted_hypentropy():
    """A width-k coordinate with |U+V| = a, |U-V| = b: grad Q = asinh(2 beta / (a b)) / 2 + log(b / a) / 2,
    zero at beta(0) = (a^2 - b^2) / 4 (typed in from the curve (a^2 e^{2s} - b^2 e^{-2s}) / 4)."""
    reg = derive(wide_unit())
    expected = sp.asinh(2 * BETA / (A * B)) / 2 + sp.log(B / A) / 2
    pts = [{A: a, B: b, BETA: x} for a, b in ((1, 1), (sp.Rational(3, 10), 2), (5, sp.Rational(1, 7)))
           for x in (-3, 0, sp.Rational(1, 3), 9)]
    assert _agree(reg.grad_Q, expected, pts) <= 1e-25, reg.grad_Q
    for a, b in ((1, 1), (sp.Rational(3, 10), 2)):
        assert abs(sp.N(reg.Q.subs({A: a, B: b, BETA: (a**2 - b**2) / sp.Integer(4)}), 30)) <= 1e-28


def test_wide_unit_passes_the_independent_checker():
    verified, residual = derive(wide_unit()).check(n_points=6)
    assert verified, residual


def test_a_width_three_coordinate_depends_only_on_the_two_norms():
    """The engine's regularizer of the actual 3-unit coordinate (numeric init) equals wide_unit's at
    a = |U(0) + V(0)|, b = |U(0) - V(0)|: the reduction the experiments rely on."""
    U0, V0 = [sp.Rational(3, 10), sp.Rational(-1, 5), sp.Rational(1, 10)], [sp.Rational(1, 20), sp.Rational(2, 5), 0]
    names = ["u1", "u2", "u3", "v1", "v2", "v3"]
    p = Parametrization.from_expr("u1*v1 + u2*v2 + u3*v3", names, dict(zip(names, [*U0, *V0], strict=True)))
    actual = derive(p)
    a = sp.sqrt(sum((u + v) ** 2 for u, v in zip(U0, V0, strict=True)))
    b = sp.sqrt(sum((u - v) ** 2 for u, v in zip(U0, V0, strict=True)))
    reduced = derive(wide_unit()).grad_Q.subs({A: a, B: b})
    pts = [{BETA: x} for x in (-2, sp.Rational(-1, 100), 0, sp.Rational(1, 2), 11)]
    assert _agree(actual.grad_Q, reduced, pts) <= 1e-25
    assert sp.N(actual.beta0 - (a**2 - b**2) / 4, 30) == 0


def test_wide_coordinate_with_equal_norms_is_theorem4():
    q_wide = derive(wide_unit()).to_numeric(dps=30)
    q_mu = derive(theorem4_unit()).to_numeric(dps=30)
    with mpmath.workdps(30):
        for mu in ("0.1", "2"):
            for beta in ("-3", "0.2", "15"):
                a = 2 * mpmath.mpf(mu)
                assert abs(q_wide.Q(beta, a=a, b=a) - q_mu.Q(beta, alpha=mpmath.mpf(mu))) <= mpmath.mpf(10) ** -26


# ------------------------------------------------------------------------------- initialization helpers
def test_init_gram_matches_the_explicit_draw_across_chunks():
    k = (1 << 15) + 7  # one full chunk and a partial one
    U, V = wide_init(1, k, 0.3, [2, k])
    W = np.vstack([U, V])
    assert np.allclose(init_gram(2, k, 0.3, [2, k]), W @ W.T, rtol=1e-12)


def test_init_scales_known_answer():
    U, V = np.array([[3.0, 0.0], [1.0, 1.0]]), np.array([[1.0, 1.0], [-1.0, 1.0]])
    W = np.vstack([U, V])
    a, b = init_scales(W @ W.T)
    assert np.allclose(a, np.linalg.norm(U + V, axis=1)) and np.allclose(b, np.linalg.norm(U - V, axis=1))


def test_curve_helpers():
    assert log_crossing([1, 10], [0.5, 1.0], 0.2) is None  # starts above the level
    assert log_crossing([1, 10], [0.0, 0.1], 0.2) is None  # never reaches it
    x = log_crossing([1, 10, 100], [0.0, 1.0, 2.0], 1.0)
    assert x is not None and math.isclose(x, 10.0)
    assert math.isclose(fit_slope([1, 10, 100], [5, 50, 500]), 1.0)


# ------------------------------------------------------------------------------ flow against argmin Q
def test_flow_of_the_actual_parameters_matches_argmin_Q():
    out = width_point(WidthPoint(k=8, log10_scale=-1.5, d=6, n=3, sparsity=1, seed=3))
    assert out["flow_status"] == "success"
    assert out["flow_vs_Q"] <= 1e-8, out["flow_vs_Q"]


def test_flow_differs_from_theorem4_at_small_width_and_matches_at_large():
    prob = sparse_regression(6, 3, 1, seed=0)
    mu = math.sqrt(10**-1.5 / 2)
    b_mu = argmin_theorem4(mu, prob.X, prob.y)
    dists = []
    for k in (4, 4096):
        a, b = init_scales(init_gram(12, k, math.sqrt(10**-1.5 / k), [0, k]))
        dists.append(np.linalg.norm(argmin_wide(a, b, prob.X, prob.y) - b_mu) / np.linalg.norm(b_mu))
    assert dists[1] <= 0.1 * dists[0], dists


def test_l1ness_is_zero_at_min_l1_and_one_at_min_l2():
    refs = {"l1": {"beta": [1.0, 0.0, 0.0]}, "l2": {"beta": [0.5, 0.4, 0.3]}}
    assert l1ness(refs["l1"]["beta"], refs) == 0.0
    assert math.isclose(l1ness(refs["l2"]["beta"], refs), 1.0)


# --------------------------------------------------------------------------------- matrix completion
def _uv_flow(U0: np.ndarray, V0: np.ndarray, Y: np.ndarray, mask: np.ndarray, T: float) -> np.ndarray:
    """Independent reference: scipy DOP853 on the actual U, V (not the Gram matrix) up to time T."""
    d, k = U0.shape

    def rhs(_t, z):
        U, V = z[: d * k].reshape(d, k), z[d * k:].reshape(d, k)
        R = np.where(mask, U @ V.T - Y, 0.0)
        return np.concatenate([-(R @ V).ravel(), -(R.T @ U).ravel()])

    sol = solve_ivp(rhs, (0, T), np.concatenate([U0.ravel(), V0.ravel()]), method="DOP853", rtol=1e-12, atol=1e-14)
    U, V = sol.y[: d * k, -1].reshape(d, k), sol.y[d * k:, -1].reshape(d, k)
    return U @ V.T


def test_gram_flow_is_the_gradient_flow_of_U_and_V():
    Y, mask = completion_problem(4, 10, seed=1)
    U0, V0 = wide_init(4, 6, 0.2, 0)
    W = np.vstack([U0, V0])
    fl = completion_flow(W @ W.T, Y, mask, tol=1e-8, rtol=1e-11)
    M_ref = _uv_flow(U0, V0, Y, mask, fl["time"])
    assert fl["status"] == "success"
    assert np.linalg.norm(np.array(fl["M"]) - M_ref) <= 1e-6 * np.linalg.norm(M_ref)


def test_gradient_descent_converges_to_the_flow_at_first_order():
    out = completion_integrator_check(CompletionPoint(k=12, log10_alpha2=-2.0, d=5, n_obs=15), (0.08, 0.04))
    assert out["radau_vs_lsoda"] <= 1e-6
    assert 0.35 <= out["gd_vs_flow"][1] / out["gd_vs_flow"][0] <= 0.65, out
    assert out["gd_vs_flow"][1] <= 1e-2


def test_completion_corners():
    rich = completion_point(CompletionPoint(k=10, log10_alpha2=-6.0))
    kernel = completion_point(CompletionPoint(k=1000, log10_alpha2=-2.0))
    assert rich["status"] == kernel["status"] == "success"
    assert rich["excess_rel"] <= 1e-2 and rich["movement_rel"] >= 0.5
    assert kernel["excess_rel"] >= 0.3 and kernel["movement_rel"] <= 0.2


def test_heatmap_draws_a_stored_result():
    res = {"d": 10, "n_obs": 60, "ks": [10, 100], "log10_alpha2": [-1.0, -3.0],
           "excess": [[1.0, 2.0], [0.01, 0.1]], "movement": [[0.4, 0.2], [0.5, 0.45]]}
    fig = plot_completion_heatmaps(res)
    assert len(fig.axes) == 4
    plt.close(fig)


# ------------------------------------------------------------------------------------------ bad input
_X, _Y = np.array([[1.0, 2.0, 0.5]]), np.array([1.0])
_YC, _MC = completion_problem(4, 10, 0)
_BAD = [
    (lambda: WidthPoint(k=0, log10_scale=0.0), "k=0"),
    (lambda: WidthPoint(k=True, log10_scale=0.0), "k=True"),
    (lambda: WidthPoint(k=4, log10_scale=float("nan")), "log10_scale=nan"),
    (lambda: WidthPoint(k=4, log10_scale=0.0, d=4, n=4), "n=4, d=4"),
    (lambda: WidthPoint(k=4, log10_scale=0.0, flow=1), "flow=1"),  # type: ignore[arg-type]
    (lambda: CompletionPoint(k=10, log10_alpha2=-2.0, n_obs=101), "n_obs=101"),
    (lambda: CompletionPoint(k=10, log10_alpha2="x"), "log10_alpha2='x'"),  # type: ignore[arg-type]
    (lambda: CompletionPoint(k=10, log10_alpha2=-2.0, tol=0), "tol=0"),
    (lambda: completion_problem(d=1), "d=1"),
    (lambda: init_gram(4, 3, -0.1, 0), "alpha=-0.1"),
    (lambda: init_scales(np.ones((3, 3))), "gram"),
    (lambda: wide_flow(np.ones((2, 3)), np.ones((3, 2)), _X, _Y), "U0, V0"),
    (lambda: wide_flow(np.ones((2, 3)), np.ones((2, 3)), _X, _Y), "X: expected shape"),
    (lambda: wide_flow(np.ones((3, 2)), np.ones((3, 2)), _X, _Y, rtol=-1), "rtol=-1"),
    (lambda: argmin_theorem4(0, _X, _Y), "mu=0"),
    (lambda: argmin_wide([1.0], [1.0, 2.0], _X, _Y), "a, b"),
    (lambda: log_crossing([1], [0], 0.5), "xs, ys"),
    (lambda: fit_slope([1, 2], [1, -1]), "xs, ys"),
    (lambda: completion_flow(np.eye(3), _YC, _MC), "G0"),
    (lambda: completion_flow(np.eye(8), _YC, _MC, method="RK45"), "method='RK45'"),
    (lambda: completion_flow(np.eye(8), _YC, _MC.astype(int)), "mask"),
    (lambda: completion_gd(np.ones((4, 2)), np.ones((4, 2)), _YC, _MC, step_fraction=0), "step_fraction=0"),
    (lambda: completion_integrator_check(CompletionPoint(k=4, log10_alpha2=-2.0), (2.0,)), "fractions"),
    (lambda: l1ness([1.0], {"l1": {"beta": [1.0]}, "l2": {"beta": [1.0]}}), "refs"),
]


@pytest.mark.parametrize(("call", "names"), _BAD, ids=[n for _c, n in _BAD])
def test_bad_input_names_the_argument_and_echoes_the_value(call, names):
    with pytest.raises(InputError) as info:
        call()
    assert names in str(info.value), str(info.value)
