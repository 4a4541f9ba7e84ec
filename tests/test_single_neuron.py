"""The single neuron ``beta = a * w``: conserved quantity, reduction, time-warped potential, regimes, exact solutions.

Known answers are the papers' formulas (Azulay et al. 2021, Theorem 6.1; Kunin et al. 2024, Sec. 3-4), typed here
as expected values; the engine derives its own.
"""

import dataclasses

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import implicit_bias as ib
from implicit_bias.derive.conserved import conserved_quantities
from implicit_bias.derive.neuron_exact import exact_solution
from implicit_bias.derive.regimes import ABS_DELTA
from implicit_bias.derive.warped import DELTA, RADIUS
from implicit_bias.flow.shared import initial_values, shared_flow


def kunin_potential(r, delta):
    """Kunin et al. (2024): ``Psi_delta = (K - 2 delta) sqrt((K + delta)/2) / 3``, ``K = sqrt(delta^2 + 4 r^2)``."""
    K = mpmath.sqrt(delta**2 + 4 * r**2)
    return (K - 2 * delta) * mpmath.sqrt((K + delta) / 2) / 3


def azulay_q(x, delta):
    """Azulay et al. (2021), Theorem 6.1: ``q_delta(x)`` (= 3/2 Psi_delta)."""
    root = mpmath.sqrt(x**2 + delta**2 / 4)
    return (x**2 - delta / 2 * (delta / 2 + root)) * mpmath.sqrt(root - delta / 2) / x


@pytest.fixture(scope="module")
def neuron():
    return ib.derive(ib.single_neuron(2))


def test_scalar_catalogue_entry_is_unchanged():
    p = ib.single_neuron(delta=0)
    assert isinstance(p, ib.Parametrization) and p.init == (sp.sqrt(ib.ALPHA), sp.sqrt(ib.ALPHA))


def test_vector_catalogue_entry_initialization():
    p = ib.single_neuron(3, delta=-1, direction=(2, 0, 0))
    a0, *w0 = p.init
    with mpmath.workdps(30):
        at = {ib.ALPHA: sp.Rational(3, 10)}
        a0, w0 = mpmath.mpf(sp.N(a0.subs(at), 30)), [mpmath.mpf(sp.N(w.subs(at), 30)) for w in w0]
        assert abs(a0 * mpmath.norm(w0) - mpmath.mpf(3) / 10) < 1e-25
        assert abs(a0**2 - mpmath.fsum(w**2 for w in w0) + 1) < 1e-25
    with pytest.raises(ib.ParametrizationError, match="give 3 components"):
        ib.single_neuron(3, direction=(1, 0))
    with pytest.raises(ib.ParametrizationError, match="only the one-neuron model"):
        ib.single_neuron(direction=(1,))


def test_typed_single_neuron_is_derived_like_the_catalogue_entry():
    p = ib.Parametrization.from_exprs(["a*w1", "a*w2"], "a,w1,w2", {"a": 1, "w1": "alpha", "w2": 0})
    reg = ib.derive(p)
    assert isinstance(reg, ib.WarpedRegularizer)
    assert sp.expand(reg.delta0 - (1 - ib.ALPHA**2)) == 0
    assert "!= 0: gradient flow is not a mirror flow" in reg.bracket_statement
    assert reg.check(n_points=2).verified


def test_engine_finds_the_balancedness():
    p = ib.single_neuron(3, lr=("ea", "ew"))
    ea, ew = sp.symbols("ea ew", positive=True)
    a, w1, w2, w3 = p.params
    assert conserved_quantities(p) == [sp.expand(ew * a**2 - ea * (w1**2 + w2**2 + w3**2))]


def test_preconditioner_is_kunins(neuron):
    """Kunin et al. (2024): ``M = (K + delta)/2 I + (K - delta)/2 beta beta^T / ||beta||^2``."""
    b1, b2 = neuron.betas
    for values in [{b1: 0.3, b2: -1.2, DELTA: 0.7}, {b1: 2.0, b2: 0.1, DELTA: -3.0}, {b1: 0.5, b2: 0.5, DELTA: 0}]:
        r = sp.sqrt(values[b1] ** 2 + values[b2] ** 2)
        K = sp.sqrt(values[DELTA] ** 2 + 4 * r**2)
        beta = sp.Matrix([values[b1], values[b2]])
        expected = (K + values[DELTA]) / 2 * sp.eye(2) + (K - values[DELTA]) / 2 * beta * beta.T / r**2
        got = neuron.M.subs({**values, RADIUS: r})
        assert max(abs(float(e)) for e in (got - expected)) < 1e-12


@pytest.mark.parametrize("delta", [-3, -0.5, 0, 0.25, 2])
def test_potential_is_kunins_and_azulays(neuron, delta):
    with mpmath.workdps(30):
        psi = sp.lambdify([RADIUS, DELTA], neuron.potential, modules="mpmath")
        for r in (mpmath.mpf("0.1"), mpmath.mpf("0.9"), mpmath.mpf(4)):
            d = mpmath.mpf(delta)
            assert abs(psi(r, d) - kunin_potential(r, d)) < 1e-25
            # q_delta - 3/2 Psi_delta is a constant in r (both have the slope 3/2 ||w||)
            shift = azulay_q(mpmath.mpf(1), d) - 3 * psi(mpmath.mpf(1), d) / 2
            assert abs(azulay_q(r, d) - 3 * psi(r, d) / 2 - shift) < 1e-25


@pytest.mark.parametrize("delta", [-4, -1, 0, 1, 4])
def test_rank_one_closed_form(delta):
    """Kunin et al. (2024), rank-1 case (their ``implicit_bias_theory``): one sample ``x``, ``beta* = X^+ y``, unit
    null direction ``n``: ``beta_inf = beta* + c n`` with ``c = k sqrt(kappa + sqrt(kappa^2 + ||beta*||^2))``,
    ``k = <w0, n>``, ``kappa = (k^2 + delta)/2`` (``a0 > 0``, sign kept)."""
    x, y = [mpmath.mpf("0.5"), mpmath.mpf(1)], mpmath.mpf("1.1") * (mpmath.mpf("0.25") + 1)
    p = ib.single_neuron(2, delta=delta, direction=(3, -1))
    f = ib.derive(p).to_numeric(dps=30)
    with mpmath.workdps(40):
        sol = f.argmin([x], [y], alpha=0.7)
        assert sol.success
        w0 = f.point(alpha=0.7)["w0"]
        xx = mpmath.fsum(v**2 for v in x)
        bstar = [v * y / xx for v in x]
        n = [-x[1] / mpmath.sqrt(xx), x[0] / mpmath.sqrt(xx)]
        k = mpmath.fsum(u * v for u, v in zip(w0, n, strict=True))
        kappa = (k**2 + delta) / 2
        c = k * mpmath.sqrt(kappa + mpmath.sqrt(kappa**2 + mpmath.fsum(b**2 for b in bstar)))
        expected = [b + c * v for b, v in zip(bstar, n, strict=True)]
        assert max(abs(u - v) for u, v in zip(sol.beta, expected, strict=True)) < 1e-25


def test_regimes_and_their_limits(neuron):
    up, balanced, down = neuron.regimes()
    assert up.M_iso == ABS_DELTA and down.M_radial == ABS_DELTA
    assert sp.simplify(balanced.potential - sp.Rational(2, 3) * RADIUS ** sp.Rational(3, 2)) == 0
    assert sp.simplify(up.potential - RADIUS**2 / (2 * sp.sqrt(ABS_DELTA))) == 0
    assert sp.simplify(down.potential - RADIUS * sp.sqrt(ABS_DELTA)) == 0
    assert all(g.residual < 1e-10 for g in (up, balanced, down))
    assert [neuron.regime_of(v) for v in (-2, 0, 3)] == ["downstream", "balanced", "upstream"]


@pytest.mark.parametrize("delta, kept", [(1, True), (0, True), (-1, False)])
def test_sign_of_a_statement(delta, kept):
    reg = ib.derive(ib.single_neuron(2, delta=delta))
    assert reg.sign_kept is kept
    assert ("can cross zero" in reg.sign_statement) is (not kept)


def test_check_passes_and_refuses_wrong_answers(neuron):
    assert neuron.check(n_points=3).verified
    wrong_potential = dataclasses.replace(neuron, potential=sp.Rational(2, 3) * RADIUS ** sp.Rational(3, 2))
    assert not wrong_potential.check(n_points=2).verified
    assert not dataclasses.replace(neuron, M=neuron.M.subs(DELTA, 0)).check(n_points=2).verified
    assert not dataclasses.replace(neuron, sign0=-neuron.sign0).check(n_points=2).verified
    a, w1, w2 = neuron.parametrization.params
    assert not dataclasses.replace(neuron, conserved=a**2 + w1**2 + w2**2).check(n_points=2).verified
    assert not dataclasses.replace(neuron, warp=2 * a).check(n_points=2).verified


@settings(max_examples=max(6, settings.default.max_examples // 2))  # each example derives and checks a model (~1 s)
@given(delta=st.floats(-3, 3), angle=st.floats(0, 6.2), lr=st.sampled_from([(1, 1), (2, 1), (1, 3)]))
def test_check_over_delta_and_initial_directions(delta, angle, lr):
    direction = (sp.Rational(round(1000 * mpmath.cos(angle)), 1000) + sp.Rational(1, 10**6),
                 sp.Rational(round(1000 * mpmath.sin(angle)), 1000))
    reg = ib.derive(ib.single_neuron(2, delta=sp.Rational(str(round(delta, 3))), direction=direction, lr=lr))
    assert reg.check(n_points=2).verified


def test_non_commuting_model_without_a_reduction_says_why():
    p = ib.Parametrization.from_exprs(["u*v + w", "u**2*w"], "u,v,w", {"u": 1, "v": 1, "w": 1})
    with pytest.raises(ib.NoMirrorPotentialError) as exc:
        ib.derive(p)
    message = str(exc.value)
    assert "Lie bracket" in message and "Conserved quantities found" in message
    assert "no regularizer Q exists" not in message


def test_riccati_solution_is_kunins_tanh_form():
    """Kunin et al. (2024), eta = 1: ``nu(t) = (-delta + R tanh(R t/2 + atanh((delta + 2 nu0)/R)))/2``,
    ``R = sqrt(delta^2 + 4 s^2)`` (complex arctanh allowed)."""
    sol = exact_solution(ib.single_neuron(2, delta=0))
    f = sp.lambdify(list(sol.nu.free_symbols), sol.nu, modules="mpmath")
    names = [x.name for x in sol.nu.free_symbols]
    with mpmath.workdps(30):
        for d, n0, tt in [(1.5, 0.3, 0.7), (-2, 3.0, 1.1), (-0.3, -4.0, 0.2)]:
            d, n0, tt = mpmath.mpf(d), mpmath.mpf(n0), mpmath.mpf(tt)
            values = {"t": tt, "nu0": n0, "s": mpmath.mpf(13) / 10, "delta": d, "eta_a": mpmath.mpf(1),
                      "eta_w": mpmath.mpf(1)}
            R = mpmath.sqrt(d**2 + 4 * values["s"] ** 2)
            expected = (-d + R * mpmath.tanh(R * tt / 2 + mpmath.atanh(mpmath.mpc((d + 2 * n0) / R)))) / 2
            assert abs(f(*[values[n] for n in names]) - expected) < 1e-20


def whitened(d, beta_star):
    X = [[mpmath.sqrt(d) if i == j else 0 for j in range(d)] for i in range(d)]
    return X, [mpmath.sqrt(d) * b for b in beta_star]


@pytest.mark.parametrize("delta", ["-10", "-0.01", "0", "0.1", "10"])
def test_exact_solution_equals_the_flow(delta):
    p = ib.single_neuron(3, delta=sp.Rational(delta), direction=(1, -2, sp.Rational(1, 2)))
    sol = exact_solution(p)
    with mpmath.workdps(40):
        bstar = [mpmath.mpf("0.3"), mpmath.mpf("-1.1"), mpmath.mpf("0.4")]
        X, y = whitened(3, bstar)
        times = [mpmath.mpf(t) for t in ("0.1", "1", "4")]
        alpha = mpmath.mpf("0.2")
        flow = shared_flow(p, X, y, alpha=alpha, dps=40, times=times, progress=False)
        w0 = initial_values(p, {ib.ALPHA: alpha}, 50)
        exact = sol.evaluate(times, w0[0], w0[1:], bstar)
        for (_t, w_flow, _b), (a, w) in zip(flow.trajectory, exact, strict=True):
            assert max(abs(u - v) for u, v in zip([a, *w], w_flow, strict=True)) < mpmath.mpf(10) ** -28


def test_verify_against_the_flow_and_a_wrong_potential_is_refused(neuron):
    p = ib.single_neuron(3, direction=(1, -2, sp.Rational(1, 2)))
    X, y = [[1, 0.5, -0.3], [0.2, -1, 0.4]], [0.7, -0.2]
    rep = ib.verify(p, X, y, alpha=0.5, constants={"delta": -1}, dps=25, progress=False)
    assert rep.success and rep.agree, rep.summary()
    assert any("flipped" in n or "kept" in n for n in rep.notes)
    reg = ib.derive(p)
    # the dual map's a^2 from the wrong conserved quantity (a balanced one): a different argmin
    wrong = dataclasses.replace(reg, dual_a2=reg.dual_a2.subs(DELTA, 0))
    bad = ib.verify(wrong, X, y, alpha=0.5, constants={"delta": -1}, dps=25, progress=False)
    assert bad.success and not bad.agree


@pytest.mark.slow
@pytest.mark.parametrize("delta", [-1, 0, 1])
def test_verify_at_tiny_initialization(delta):
    """``|a0| ||w0|| = e^-50`` for both signs of delta and zero."""
    p = ib.single_neuron(3, direction=(1, -2, sp.Rational(1, 2)))
    rng = __import__("random").Random(3)
    X = [[rng.gauss(0, 1) for _ in range(3)] for _ in range(2)]
    rep = ib.verify(p, X, [0.7, -0.2], alpha=mpmath.exp(-50), constants={"delta": delta}, progress=False)
    assert rep.success and rep.agree, rep.summary()
