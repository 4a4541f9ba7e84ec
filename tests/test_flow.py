"""Gradient flow of the original parameters: endpoints against independent characterizations, bad calls."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import event, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

import implicit_bias as ib
from implicit_bias.errors import InputError
from implicit_bias.flow import gradient_flow, required_dps
from implicit_bias.reference import argmin_Q

HYP = ib.derive(ib.diagonal(2)).to_numeric(dps=60)


def null_projection(X, v):
    Xm, vm = mpmath.matrix(np.asarray(X).tolist()), mpmath.matrix(v)
    lam = mpmath.lu_solve(Xm * Xm.T, Xm * vm)
    return max(abs(x) for x in (vm - Xm.T * lam))


@pytest.mark.parametrize("log_alpha", [0, -7, -100])
def test_hypentropy_endpoint_is_the_kkt_point(log_alpha):
    """beta = 2 alpha^2 sinh(4 sigma), sigma in range(X^T), X beta = y (Woodworth et al. 2020, eq. 18)."""
    X, y = [[1, 0.5, -0.3]], [1]
    alpha = mpmath.exp(log_alpha)
    dps = required_dps(alpha, 25)
    sol = gradient_flow(ib.diagonal(2), X, y, alpha=alpha, dps=dps, progress=False)
    assert sol.status == "success", sol.message
    with mpmath.workdps(dps):
        assert abs(mpmath.fsum(a * b for a, b in zip(X[0], sol.beta, strict=True)) - 1) < mpmath.mpf(10) ** -25
        sigma = [mpmath.asinh(b / (2 * alpha**2)) / 4 for b in sol.beta]
        assert null_projection(X, sigma) < mpmath.mpf(10) ** -20 * max(abs(s) for s in sigma)


def test_depth3_endpoint_is_the_kkt_point():
    X, y = [[1, 0.5, -0.3]], [1]
    alpha = mpmath.mpf("0.3")
    sol = gradient_flow(ib.diagonal(3), X, y, alpha=alpha, dps=40, progress=False)
    assert sol.status == "success", sol.message
    f = ib.derive(ib.diagonal(3)).to_numeric(dps=40)
    with mpmath.workdps(40):
        sigma = [f.grad_Q(b, alpha=alpha) for b in sol.beta]
        assert null_projection(X, sigma) < 1e-25


def test_flow_agrees_with_argmin_Q_on_a_sparse_problem():
    prob = ib.sparse_regression(12, 4, 2, seed=1)
    y = prob.y_exact()
    alpha = mpmath.exp(-5)
    sol = gradient_flow(ib.diagonal(2), prob.X, y, alpha=alpha, dps=40, progress=False)
    ref = argmin_Q([HYP.coordinate(alpha=alpha)] * 12, prob.X, y, dps=40)
    assert sol.status == "success" and ref.status == "success"
    assert max(abs(a - b) for a, b in zip(sol.beta, ref.beta, strict=True)) < 1e-30


def test_tiny_alpha_completes():
    sol = gradient_flow(ib.diagonal(2), [[1, 0.5, -0.3]], [1], alpha=mpmath.exp(-1000), dps=40, progress=False)
    assert sol.status == "success", sol.message
    assert abs(sol.beta[0] - 1) < 1e-30  # the l1 solution (1, 0, 0) to all digits shown


def test_agrees_with_scipy_solve_ivp_where_it_works():
    X, y = np.array([[1.0, 0.5, -0.3]]), np.array([1.0])
    alpha = 0.5

    def rhs(t, w):
        u, v = w[:3], w[3:]
        g = X.T @ (X @ (u**2 - v**2) - y)
        return np.concatenate([-2 * g * u, 2 * g * v])

    out = solve_ivp(rhs, (0, 200), np.full(6, alpha), method="DOP853", rtol=1e-12, atol=1e-14)
    beta_scipy = out.y[:3, -1] ** 2 - out.y[3:, -1] ** 2
    sol = gradient_flow(ib.diagonal(2), X, y, alpha=alpha, dps=30, progress=False)
    assert np.max(np.abs(np.array([float(b) for b in sol.beta]) - beta_scipy)) < 1e-9


def test_interrupt_returns_the_state_reached(monkeypatch):
    import heyoka

    calls = {"n": 0}
    original = heyoka.taylor_adaptive

    class Interrupting:
        def __init__(self, *args, **kwargs):
            self._ta = original(*args, **kwargs)

        def __getattr__(self, name):
            return getattr(self._ta, name)

        def propagate_for(self, dt, **kwargs):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
            return self._ta.propagate_for(dt, **kwargs)

    monkeypatch.setattr(heyoka, "taylor_adaptive", Interrupting)
    sol = gradient_flow(ib.diagonal(2), [[1, 0.5, -0.3]], [1], alpha=mpmath.exp(-30), dps=30, progress=False,
                        integrator="taylor")
    assert sol.status == "interrupted"
    assert sol.t_final > 0 and len(sol.beta) == 3


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"alpha": 0}, "alpha=0"),
        ({"alpha": -1}, "alpha=-1"),
        ({"alpha": float("nan")}, "alpha=nan"),
        ({"alpha": float("inf")}, "alpha=inf"),
        ({"alpha": 1, "X": [[1, float("nan"), 0]]}, "X[0, 1]"),
        ({"alpha": 1, "X": [[1, 0], [0, 1], [1, 1]], "y": [1, 1, 1]}, "underdetermined"),
        ({"alpha": 1, "y": [1, 2]}, "one label per row"),
        ({"alpha": 1, "dps": 3}, "dps=3"),
    ],
)
def test_bad_calls(kwargs, fragment):
    args = {"X": [[1, 0.5, -0.3]], "y": [1], **kwargs}
    X, y = args.pop("X"), args.pop("y")
    with pytest.raises(ib.InputError) as exc:
        gradient_flow(ib.diagonal(2), X, y, progress=False, **args)
    assert fragment in str(exc.value)


def test_trajectory_precision_is_not_what_limits_the_alpha_dependent_part():
    """flow_digits' promise: with the trajectory at its (fewer) digits, the limit's alpha-dependent part
    ``beta - min_l1`` agrees with the one of a trajectory at all ``dps`` digits to the digits the tail resolves of
    it, ``dps - 2 log10(1/alpha)`` (its size is ``~alpha^2`` against ``O(1)`` coordinates)."""
    from implicit_bias.flow import flow_digits
    from implicit_bias.reference import min_l1

    prob = ib.sparse_regression(8, 3, 1, seed=2)
    y = prob.y_exact()
    alpha, dps = mpmath.mpf(10) ** -20, 70
    wanted = dps - 40
    assert flow_digits(alpha, dps) < dps  # the default takes the reduced-digit path this test is about
    fewer = gradient_flow(ib.diagonal(2), prob.X, y, alpha=alpha, dps=dps, progress=False)
    full = gradient_flow(ib.diagonal(2), prob.X, y, alpha=alpha, dps=dps, progress=False, flow_dps=dps)
    assert fewer.status == full.status == "success"
    l1 = min_l1(prob.X, y, dps=dps).beta
    with mpmath.workdps(dps):
        part = max(abs(a - b) for a, b in zip(full.beta, l1, strict=True))
        diff = max(abs(a - b) for a, b in zip(fewer.beta, full.beta, strict=True))
    assert part > mpmath.mpf(10) ** -25  # the part is there to be resolved (~4e-21)
    assert diff <= part * mpmath.mpf(10) ** -wanted, (mpmath.nstr(part, 3), mpmath.nstr(diff, 3))


# (parametrization, log10 alpha range). Depth 3's plateaus last ~alpha^-1 and are stiff (the active coordinates
# relax at O(1) rates), so below alpha ~ 1e-3 its flow ends with the exact jump from inside a plateau, along curves
# integrated in a log-like time (the slowest examples here; bench/deep.py times that path). Each parametrization
# gets its own examples.
CATALOGUE = {
    "diagonal(2)": (ib.diagonal(2), -300.0, 3.0),
    "positive()": (ib.positive(), -300.0, 3.0),
    "diagonal(3)": (ib.diagonal(3), -300.0, 3.0),
    "single_neuron(delta=0.5)": (ib.single_neuron(delta=0.5), -300.0, 3.0),
    "product(2)": (ib.product(2), -300.0, 3.0),
}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
@settings(max_examples=3, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10**6), where=st.floats(0, 1), n=st.integers(1, 3), extra=st.integers(1, 3))
def test_property_flow_limit_is_argmin_Q(name, seed, where, n, extra):
    p, lo, hi = CATALOGUE[name]
    alpha = mpmath.mpf(10) ** mpmath.mpf(lo + where * (hi - lo))
    event(f"{name} at alpha ~ 1e{int(lo + where * (hi - lo))}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, n + extra))
    # positive() and w1*w2 from (alpha, alpha) only reach beta > 0
    positive = name in ("positive()", "product(2)")
    target = rng.random(n + extra) + 0.1 if positive else rng.standard_normal(n + extra)
    y = X @ target
    sol = gradient_flow(p, X, y, alpha=alpha, dps=30, progress=False, max_time=120)
    assert sol.status == "success", sol.message
    f = ib.derive(p).to_numeric(dps=40)
    ref = argmin_Q([f.coordinate(alpha=alpha)] * (n + extra), X, y, dps=30)
    assert ref.status == "success", ref.message
    assert ref.kkt_residual["primal"] < mpmath.mpf(10) ** -29  # the reference at working precision
    with mpmath.workdps(30):
        diff = max(abs(a - b) for a, b in zip(sol.beta, ref.beta, strict=True))
        scale = 1 + max(abs(b) for b in ref.beta)
    assert sol.certificate < mpmath.mpf(10) ** -25
    # within the certificates: each side's distance to its exact answer (first order), up to a factor for the
    # second-order terms, plus the rounding of 30 digits. Measured over all five parametrizations at three alphas:
    # the difference equals the larger certificate to 2 digits wherever it is above the rounding.
    bound = 10 * (sol.certificate + ref.kkt_residual["beta_correction"]) + mpmath.mpf(10) ** -32 * scale
    assert diff <= bound, (name, mpmath.nstr(alpha, 3), mpmath.nstr(diff, 3), mpmath.nstr(bound, 3))


@pytest.mark.parametrize(("depth", "log10_alpha"), [(3, -8), (5, -30), pytest.param(3, -300, marks=pytest.mark.slow),
                                                    pytest.param(5, -300, marks=pytest.mark.slow)])
def test_deep_plateau_is_crossed_by_the_exact_jump(depth, log10_alpha):
    """A depth-D plateau lasts ~alpha^-(D-2) in flow time and is stiff, so stepping through it does not end (at
    alpha = 1e-8, depth 3, tens of thousands of Taylor steps stay on the first plateau): the flow must leave it by
    the exact jump along the integral curves. At 1e-300 (depth 5's pole is at s ~ alpha^-3 = 1e900) the curves
    need extra bits for their time, a log-like curve time (steps in s shrink with the distance to the pole), and
    the dual solver a line search in the log-distance to the pole."""
    X = [[1.0, 0.5, -0.3, 0.2], [0.1, -1.0, 0.4, 0.7]]
    y = [1.0, -0.5]
    alpha = mpmath.mpf(10) ** log10_alpha
    sol = gradient_flow(ib.diagonal(depth), X, y, alpha=alpha, dps=30, progress=False, max_time=300)
    assert sol.status == "success", sol.message
    assert "in a plateau" in sol.message and sol.plateau_jump
    f = ib.derive(ib.diagonal(depth)).to_numeric(dps=40)
    ref = argmin_Q([f.coordinate(alpha=alpha)] * 4, X, y, dps=30)
    assert ref.status == "success", ref.message
    with mpmath.workdps(30):
        diff = max(abs(a - b) for a, b in zip(sol.beta, ref.beta, strict=True))
    assert diff <= 10 * (sol.certificate + ref.kkt_residual["beta_correction"]) + mpmath.mpf(10) ** -32, diff


def test_unreachable_labels_end_the_flow_with_a_clear_status(monkeypatch):
    """w1*w2 from (alpha, alpha) stays positive: negative labels are out of reach. The jump attempted in the
    plateau meets an unbounded dual along the curves and says so (MAX_PIECES lowered only to keep this fast)."""
    import implicit_bias.flow.tail as tail

    monkeypatch.setattr(tail, "MAX_PIECES", 500)
    X, y = [[1.0, 0.5, 0.3], [0.2, 1.0, 0.1]], [-1.0, -0.5]
    sol = gradient_flow(ib.product(2), X, y, alpha=0.1, dps=30, progress=False, plateau_steps=200, max_time=120)
    assert sol.status == "failed", sol.message
    assert "cannot interpolate" in sol.message and "not reachable" in sol.message
    assert sol.loss > 0.1  # the state reached is returned


def test_a_computed_limit_outside_the_models_range_is_named_by_verify():
    """The balanced neuron (delta = 0) keeps a*w > 0 exactly (a = k w is invariant), so y = 1.35 with a negative
    row is out of reach; rounding lets the computed flow cross the saddle at the origin and interpolate. verify
    does not compare it, and says the flow's limit left the model's range (0, oo)."""
    p = ib.single_neuron(delta=0, lr=(sp.Rational(1, 4), sp.Rational(1, 2)))
    rep = ib.verify(p, [[-0.92777813, -0.37313233]], [1.35205085], alpha=mpmath.mpf("1e-32"), dps=40,
                    progress=False)
    assert not rep.agree and rep.status != "success"
    assert "leaves the model's range (beta_1 = " in rep.message and "outside (0, oo)" in rep.message


def test_max_time_bounds_the_flow_when_labels_are_out_of_reach():
    X, y = [[1.0, 0.5, 0.3], [0.2, 1.0, 0.1]], [-1.0, -0.5]
    sol = gradient_flow(ib.product(2), X, y, alpha=0.1, dps=30, progress=False, plateau_steps=None, max_time=2)
    assert sol.status == "max_time", sol.message


def test_alpha_is_never_a_constant():
    """``alpha`` is its own keyword everywhere: an ``alpha`` key in ``constants`` is refused, not ignored."""
    prob = ib.sparse_regression(6, 2, 1, seed=0)
    with pytest.raises(InputError, match="'alpha' is not a constant"):
        ib.verify(ib.diagonal(2), prob.X, prob.y_exact(), alpha=0.1, constants={"alpha": 1})
    with pytest.raises(InputError, match="'alpha' is not a constant"):
        gradient_flow(ib.diagonal(2), prob.X, prob.y_exact(), alpha=0.1, constants={"alpha": 1}, progress=False)
    with pytest.raises(InputError, match=r"unknown \['c'\]"):
        ib.verify(ib.diagonal(2), prob.X, prob.y_exact(), alpha=0.1, constants={"c": 1})


def test_submodules_resolve_after_import():
    """``ib.flow`` and ``ib.reference`` resolve as the README writes them, loaded on first use."""
    import subprocess
    import sys

    code = ("import implicit_bias as ib, sys; assert 'implicit_bias.flow' not in sys.modules; "
            "print(ib.flow.gradient_flow.__name__, ib.reference.argmin_Q.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["gradient_flow", "argmin_Q"]


def test_initialization_that_cancels_is_evaluated_to_full_relative_accuracy():
    """The single neuron at fixed delta has ``w0^2 = (sqrt(delta^2 + 4 alpha^2) - delta) / 2``: at delta = 0.5 and
    alpha ~ 1e-23 a difference of two numbers equal to 46 digits. Evaluated at the working precision it loses every
    digit, and the limit then misses argmin Q by ~alpha (7e-24 here) while the tail's certificate, which trusts the
    start, says 3e-40. The drawn example of the property test above that found it."""
    p = ib.single_neuron(delta=0.5)
    alpha = mpmath.mpf(10) ** mpmath.mpf(-300 + 0.9143455971585264 * 303)
    rng = np.random.default_rng(844)
    X = rng.standard_normal((1, 2))
    y = X @ rng.standard_normal(2)
    sol = gradient_flow(p, X, y, alpha=alpha, dps=30, progress=False)
    exact = gradient_flow(p, X, y, alpha=alpha, dps=70, progress=False)  # 80 digits: the start loses 46, keeps 34
    with mpmath.workdps(30):
        diff = max(abs(a - b) for a, b in zip(sol.beta, exact.beta, strict=True))
    assert diff < mpmath.mpf(10) ** -29, diff  # evaluated at the working precision: 7e-24


def test_the_dual_integration_crosses_plateaus_to_the_same_limit():
    """Planted values of uneven size at alpha = e^-200: saddle to saddle, one plateau per coordinate (Pesme &
    Flammarion 2023). The stiff dual integration reaches the exact tail at a loss below ``tail_loss`` -- not by the
    jump from inside a plateau -- and its limit is argmin Q; each coordinate stays on its own curve (``u v`` keeps
    its start ``alpha^2`` to the working precision), which is what makes the limit independent of the float64
    time integration."""
    rng = np.random.default_rng(5)
    X = np.round(rng.standard_normal((4, 10)), 6)
    beta_star = np.zeros(10)
    beta_star[[1, 4, 7]] = [1.0, -1.0, 0.5]
    y = X @ beta_star
    alpha = mpmath.exp(-200)
    sol = gradient_flow(ib.diagonal(2), X, y, alpha=alpha, dps=30, progress=False, integrator="dual")
    assert sol.status == "success", sol.message
    assert not sol.plateau_jump and sol.loss_at_tail <= mpmath.mpf(10) ** -8, (sol.plateau_jump, sol.loss_at_tail)
    f = ib.derive(ib.diagonal(2)).to_numeric(dps=40)
    ref = argmin_Q([f.coordinate(alpha=alpha)] * 10, X, y, dps=30)
    with mpmath.workdps(30):
        diff = max(abs(a - b) for a, b in zip(sol.beta, ref.beta, strict=True))
        drift = max(abs(u * v / alpha**2 - 1) for u, v in sol.w)
    assert diff <= 10 * (sol.certificate + ref.kkt_residual["beta_correction"]) + mpmath.mpf(10) ** -28, diff
    assert drift < mpmath.mpf(10) ** -25, drift


def test_the_dual_integration_needs_constant_log_rates():
    with pytest.raises(InputError, match="integrator='dual'"):
        gradient_flow(ib.diagonal(3), [[1, 0.5, -0.3]], [1], alpha=0.1, progress=False, integrator="dual")
    with pytest.raises(InputError, match="integrator='rk4'"):
        gradient_flow(ib.diagonal(2), [[1, 0.5, -0.3]], [1], alpha=0.1, progress=False, integrator="rk4")


def test_closed_form_curves_match_the_integrated_ones():
    """The tail's closed-form curve map (constant log rates, polynomial phi) and the numerically integrated one
    solve the same curve ODE: b, b' and B agree to the working precision on both sides of the start."""
    from implicit_bias.flow.tail import CurveMap, ExponentialCurveMap, curve_integrator, exponential_terms

    p = ib.diagonal(2)
    alpha = mpmath.mpf("1e-5")
    with mpmath.workdps(40):
        w = [alpha * 3, alpha / 7]  # any state: the maps follow the curves through it
        values = {p.alpha: alpha}
        phi = sp.lambdify(p.params, p.phi, modules="mpmath")
        kernel = sp.lambdify(p.params, sum(e * g**2 for e, g in zip(p.lr, p.grad_phi, strict=True)), modules="mpmath")
        rates = [mpmath.mpf(sp.N(sp.cancel(e * g / x), 40)) for e, g, x in zip(p.lr, p.grad_phi, p.params, strict=True)]
        closed = ExponentialCurveMap(exponential_terms(p.phi, p.params, 40), rates, w)
        ta = curve_integrator(p, values, 140, 45, log_time=False)
        integrated = CurveMap(ta, w, phi, kernel, 140, log_time=False)
        for s in (mpmath.mpf(-2), mpmath.mpf("0.3"), mpmath.mpf(4)):
            for f in ("b", "db", "B"):
                a, b = getattr(closed, f)(s), getattr(integrated, f)(s)
                assert abs(a - b) <= mpmath.mpf(10) ** -30 * (1 + abs(a)), (f, s, a, b)
