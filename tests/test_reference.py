"""Reference solvers: KKT residuals at working precision, independent cross-checks, limits, bad calls."""

import itertools

import mpmath
import numpy as np
import pytest
from hypothesis import given
from scipy.optimize import linprog

import implicit_bias as ib
from implicit_bias.reference import argmin_Q, min_l1, min_l2
from implicit_bias.testing import alpha_scales, underdetermined_problems

HYP = ib.derive(ib.diagonal(2)).to_numeric(dps=60)
DEPTH3 = ib.derive(ib.diagonal(3)).to_numeric(dps=60)


def problem(d=20, n=8, k=2, seed=0):
    """A planted k-sparse problem with labels exact to 100 digits (so min l1 is exactly k-sparse)."""
    prob = ib.sparse_regression(d, n, k, seed=seed)
    return prob.X, prob.y_exact()


def null_projection(X, v):
    """Component of v outside range(X^T), at the current mpmath precision (independent of the solver)."""
    Xm = mpmath.matrix(X.tolist())
    vm = mpmath.matrix(v)
    lam = mpmath.lu_solve(Xm * Xm.T, Xm * vm)
    return max(abs(x) for x in (vm - Xm.T * lam))


@pytest.mark.parametrize("log_alpha", [20, 0, -3, -100, -1000, -10000])
def test_hypentropy_argmin_satisfies_kkt_independently(log_alpha):
    X, y = problem()
    alpha = mpmath.exp(log_alpha)
    sol = argmin_Q([HYP.coordinate(alpha=alpha)] * 20, X, y, dps=50)
    assert sol.status == "success", sol.message
    assert sol.kkt_residual["primal"] < mpmath.mpf(10) ** -50
    with mpmath.workdps(60):
        # KKT, checked from beta alone: grad Q(beta) = asinh(beta / (2 alpha^2)) / 4 lies in range(X^T)
        grad = [mpmath.asinh(b / (2 * alpha**2)) / 4 for b in sol.beta]
        scale = max(abs(g) for g in grad)
        assert null_projection(X, grad) <= mpmath.mpf(10) ** -40 * scale


def test_small_alpha_tends_to_min_l1_and_large_alpha_to_min_l2():
    X, y = problem(seed=3)
    l1, l2 = min_l1(X, y, dps=40), min_l2(X, y, dps=40)
    dist = []
    for la in [-2, -10, -100]:
        sol = argmin_Q([HYP.coordinate(alpha=mpmath.exp(la))] * 20, X, y, dps=40)
        dist.append(max(abs(a - b) for a, b in zip(sol.beta, l1.beta, strict=True)))
    assert dist[0] > dist[1] > dist[2] and dist[2] < 1e-30
    big = argmin_Q([HYP.coordinate(alpha=mpmath.exp(12))] * 20, X, y, dps=40)
    assert max(abs(a - b) for a, b in zip(big.beta, l2.beta, strict=True)) < 1e-15


def test_finite_domain_depth3():
    X, y = problem(seed=1)
    for alpha in [mpmath.mpf("0.5"), mpmath.mpf("1e-3")]:
        sol = argmin_Q([DEPTH3.coordinate(alpha=alpha)] * 20, X, y, dps=40)
        assert sol.status == "success", sol.message
        lo, hi = DEPTH3.coordinate(alpha=alpha).domain
        assert all(lo < s < hi for s in sol.extra["sigma"])


def test_min_l1_agrees_with_brute_force_over_supports():
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((3, 7)), rng.standard_normal(3)
    best = np.inf
    for S in itertools.combinations(range(7), 3):
        b = np.linalg.solve(X[:, S], y)
        best = min(best, np.abs(b).sum())
    sol = min_l1(X, y, dps=30)
    assert abs(float(sol.objective) - best) < 1e-12
    assert sol.kkt_residual["dual_feasibility"] <= 1e-25


def test_min_l1_agrees_with_an_interior_point_lp():
    X, y = problem(d=40, n=12, k=3, seed=7)
    lp = linprog(np.ones(80), A_eq=np.hstack([X, -X]), b_eq=y, bounds=(0, None), method="highs-ipm")
    sol = min_l1(X, y, dps=30)
    assert abs(float(sol.objective) - lp.fun) < 1e-8


def test_min_l2_agrees_with_pinv_and_weights():
    X, y = problem(seed=2)
    y = np.array([float(v) for v in y])
    sol = min_l2(X, y, dps=30)
    assert np.max(np.abs(np.array([float(b) for b in sol.beta]) - np.linalg.pinv(X) @ y)) < 1e-13
    w = np.linspace(0.5, 2, 20)
    solw = min_l2(X, y, weights=list(w), dps=30)
    W = np.diag(w)
    expected = W @ X.T @ np.linalg.solve(X @ W @ X.T, y)
    assert np.max(np.abs(np.array([float(b) for b in solw.beta]) - expected)) < 1e-12


def test_min_l2_meets_the_working_precision_on_an_ill_conditioned_X():
    """cond(X) ~ 1e9 squares to ~1e18 in the Gram matrix, more than the guard digits cover: the answer still has
    the residual it promises, and matches an exact rational solve of the same (binary) entries."""
    import sympy as sp

    X = [[1.0, 1.0, 1.0], [1.0, 1.0 + 2.0**-30, 1.0 + 2.0**-29]]
    y = [1.0, 2.0]
    assert np.linalg.cond(np.array(X)) > 1e9
    sol = min_l2(X, y, dps=30)
    assert sol.success and sol.kkt_residual["primal"] < 1e-30
    Xs = sp.Matrix([[sp.Rational(v) for v in row] for row in X])
    exact = Xs.T * (Xs * Xs.T).inv() * sp.Matrix([sp.Rational(v) for v in y])
    with mpmath.workdps(40):
        assert max(abs(b - mpmath.mpf(sp.Float(e, 60))) for b, e in zip(sol.beta, exact, strict=True)) \
            < 1e-28 * max(abs(b) for b in sol.beta)


def test_weights_keep_the_working_precision():
    """Weights given to 25 digits are used to the working precision, whatever mpmath's global precision is."""
    sol = min_l2([[1, 1]], [1], weights=["1", "1.000000000000000000001"], dps=40)
    with mpmath.workdps(40):  # beta_j = w_j / (w_1 + w_2)
        w2 = mpmath.mpf("1.000000000000000000001")
        assert abs(sol.beta[1] - w2 / (1 + w2)) < 1e-38


def test_fractions_are_accepted_as_entries():
    from fractions import Fraction

    sol = min_l2([[Fraction(1, 3), 1, 0]], [Fraction(2, 3)], dps=30)
    with mpmath.workdps(40):  # x (2/3) / (1/9 + 1), x = (1/3, 1, 0)
        assert sol.success and abs(sol.beta[0] - mpmath.mpf(1) / 5) < 1e-28


@given(problem=underdetermined_problems(n=(1, 5), extra=(1, 6)), alpha=alpha_scales(-300, 3))
def test_property_kkt_residuals_at_working_precision(problem, alpha):
    X, y, _ = problem
    sol = argmin_Q([HYP.coordinate(alpha=alpha)] * X.shape[1], X, y, dps=30)
    assert sol.status == "success", sol.message
    assert sol.kkt_residual["primal"] <= mpmath.mpf(10) ** -30
    assert min_l1(X, y, dps=30).kkt_residual["primal"] <= mpmath.mpf(10) ** -30


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda: min_l2([[1, 2], [3, 4], [5, 6]], [1, 2, 3]), "underdetermined"),
        (lambda: min_l2([[1, 2, 3], [2, 4, 6]], [1, 2]), "rank-deficient"),
        (lambda: min_l2([[1, float("nan"), 3]], [1]), "X[0, 1]"),
        (lambda: min_l2([[1, 2, 3]], [float("inf")]), "y[0]"),
        (lambda: min_l2([[1, 2, 3]], [1, 2]), "one label per row"),
        (lambda: min_l1([[1, 2, 3]], [1], dps=5), "dps=5"),
        (lambda: min_l2([[1, 2, 3]], [1], weights=[1, -1, 1]), "weights"),
        (lambda: argmin_Q([HYP.coordinate(alpha=1)] * 2, [[1, 2, 3]], [1]), "2 maps for d = 3"),
        (lambda: argmin_Q([object()] * 3, [[1, 2, 3]], [1]), "maps[0]"),
        (lambda: HYP.coordinate(alpha=-1), "alpha=-1"),
        (lambda: HYP.coordinate(alpha=float("nan")), "alpha=nan"),
        (lambda: argmin_Q([HYP.coordinate(alpha=1)] * 3, [[1, 2, 3]], [1], max_time=-1), "max_time=-1"),
    ],
)
def test_bad_calls(call, fragment):
    with pytest.raises(ib.InputError) as exc:
        call()
    assert fragment in str(exc.value)


@pytest.mark.parametrize("log10_alpha", [-30, -50, -100, -300])
def test_depth3_answer_next_to_the_pole(log10_alpha):
    """Depth 3 at small alpha: b has poles at sigma = +-1/(3 alpha) and the answer sits a relative ~alpha from
    them; the ray start and Newton's line search search in the log-distance to the pole (a search in t stalled at
    residual 0.43; Armijo halving ran out of 500 iterations at 1e-300), with log10(1/alpha) more digits."""
    X = [[1.0, 0.5, -0.3, 0.2], [0.1, -1.0, 0.4, 0.7]]
    y = [1.0, -0.5]
    alpha = mpmath.mpf(10) ** log10_alpha
    f = ib.derive(ib.diagonal(3)).to_numeric(dps=40)
    sol = argmin_Q([f.coordinate(alpha=alpha)] * 4, X, y, dps=30)
    assert sol.status == "success", sol.message
    l1 = min_l1(X, y, dps=30).beta
    with mpmath.workdps(30):
        # the rich limit: min l1 up to terms that vanish with alpha
        assert max(abs(a - b) for a, b in zip(sol.beta, l1, strict=True)) < mpmath.mpf(10) ** -20
        assert sol.kkt_residual["primal"] < mpmath.mpf(10) ** -29


def test_unreachable_labels_are_reported_as_an_unbounded_dual():
    """w1*w2 from (alpha, alpha) only takes positive values; y < 0 on positive X has no interpolant, so the dual
    rises without bound: the solver must stop at its |sigma| wall and say so, not run on until exp overflows."""
    f = ib.derive(ib.product(2)).to_numeric(dps=40)
    sol = argmin_Q([f.coordinate(alpha=0.1)] * 3, [[1.0, 0.5, 0.3], [0.2, 1.0, 0.1]], [-1.0, -0.5], dps=30)
    assert sol.status == "failed"
    assert sol.extra["unbounded"] and "not reachable" in sol.message
    # the same maps with reachable labels: not flagged
    ok = argmin_Q([f.coordinate(alpha=0.1)] * 3, [[1.0, 0.5, 0.3], [0.2, 1.0, 0.1]], [1.0, 0.5], dps=30)
    assert ok.status == "success" and not ok.extra["unbounded"]


def test_max_time_returns_the_last_iterate():
    sol = argmin_Q([HYP.coordinate(alpha=mpmath.exp(-50))] * 3, [[1, 2, 0.5]], [1], dps=30, max_time=1e-9)
    assert sol.status == "max_time" and "max_time" in sol.message
    assert len(sol.beta) == 3 and all(mpmath.isfinite(b) for b in sol.beta)


def test_depth3_conjugate_is_accurate_next_to_its_pole():
    """B = int_0 b for depth 3 has the denominator 6 a (1 - 3 a s)^2; expanded (as SymPy returns it) it cancels to
    garbage next to the pole at alpha = 1e-100 (B = -1.1e-49 where b = 0.67), so the numeric form must keep
    rational terms factored. Compared here with the curve solved by hand."""
    alpha = mpmath.mpf(10) ** -100
    m = ib.derive(ib.diagonal(3)).to_numeric(dps=40).coordinate(alpha=alpha)
    with mpmath.workdps(200):  # s ~ 3e99 a distance 1e-20 from the pole: 120 digits for the distance, 80 beyond
        hi = m.domain[1]
        for gap in (mpmath.mpf(1) / 3, mpmath.mpf(10) ** -20):
            s = hi - gap
            u, v = alpha / (1 - 3 * alpha * s), alpha / (1 + 3 * alpha * s)  # the curve, solved by hand
            exact = (u**2 + v**2) / 6 - alpha**2 / 3  # int_0^s (u^3 - v^3) ds, with ds = du / (3 u^2)
            assert abs(m.B(s) / exact - 1) < mpmath.mpf(10) ** -30, (gap, m.B(s), exact)


class _EndsAt:
    """The hypentropy's map, with no value past ``|sigma| = end`` (OutsideDomain there, as a curve that ends) or,
    with ``fault``, raising that exception past ``end`` (a coding bug inside the domain)."""

    def __init__(self, end, fault=None):
        self.inner, self.end, self.fault = HYP.coordinate(alpha=0.1), mpmath.mpf(end), fault

    def _check(self, s):
        if abs(s) > self.end:
            raise (self.fault or ib.errors.OutsideDomain)(f"no value at {s}")

    def b(self, s):
        self._check(s)
        return self.inner.b(s)

    def db(self, s):
        self._check(s)
        return self.inner.db(s)

    def B(self, s):
        self._check(s)
        return self.inner.B(s)

    domain = (mpmath.mpf("-inf"), mpmath.mpf("inf"))


def test_a_map_that_ends_is_outside_and_a_fault_is_never_swallowed():
    """``OutsideDomain`` from a map means "no value here": the dual solver steps back (the answer, at |sigma| < 3,
    is the same as with the full map). A TypeError or ZeroDivisionError from a map inside its domain is a fault
    and reaches the caller, instead of being read as "outside the domain"."""
    X, y = [[1, 2, 0.5]], [1]
    full = argmin_Q([HYP.coordinate(alpha=0.1)] * 3, X, y, dps=30)
    ended = argmin_Q([_EndsAt(3)] * 3, X, y, dps=30)
    assert ended.success, ended.message
    with mpmath.workdps(30):
        assert max(abs(a - b) for a, b in zip(full.beta, ended.beta, strict=True)) < mpmath.mpf(10) ** -25
    for fault in (TypeError, ZeroDivisionError):
        with pytest.raises(fault):
            argmin_Q([_EndsAt(0.01, fault)] * 3, X, y, dps=30)
