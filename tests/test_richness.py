"""The richness scale (Karkada 2024): the symbolic solve against the paper's table, gauges, the numpy network."""

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

import implicit_bias as ib
from implicit_bias.richness import gauges
from implicit_bias.richness.exponents import R, response_exponents, standard_parametrization
from implicit_bias.richness.network import Network, standard_normal_draws
from implicit_bias.richness.scaling import LN_N, LN_N0, LN_NL
from implicit_bias.richness.table import log_size

H = Fraction(1, 2)


def triple(expr):
    ls = log_size(expr)
    return tuple(Fraction(str(ls.coeff(v))) for v in (LN_N0, LN_N, LN_NL))


def paper_table1(r):
    """Karkada (2024), Table 1 (depth 3), as exponent triples of (n_0, n, n_3)."""
    return [
        {"g": (-H, r, 0), "sigma": (0, -r, 0), "h": (0, H, 0), "layer_update": (0, r, 0)},
        {"g": (0, r - H, 0), "sigma": (0, -r, 0), "h": (0, H, 0), "layer_update": (0, r, 0), "passthrough": (0, r, 0)},
        {"g": (0, -H, 0), "sigma": (0, -r, 0), "h": (0, -r, H), "layer_update": (0, 0, 0), "passthrough": (0, 0, 0)},
    ]


@pytest.mark.parametrize("r", [Fraction(0), Fraction(1, 2)])
def test_table_reproduces_the_papers_table_1(r):
    table = ib.richness_table(sp.Rational(r.numerator, r.denominator))
    for row, expected in zip(table.rows, paper_table1(r), strict=True):
        for key, value in expected.items():
            assert triple(row.entries[key]) == tuple(Fraction(v) for v in value), (row.layer, key)
    assert table.rows[0].entries["passthrough"] is None
    assert all(e == 1 for e in table.column("eta"))  # one global learning rate: the gauge the paper fixes


@pytest.mark.parametrize("depth", [2, 3, 5])
def test_one_degree_of_freedom_and_the_range(depth):
    d = ib.derive_richness(depth)
    assert (d.dof, d.gauge_directions, d.redundant) == (1, depth, (f"UUC_{depth}",))
    assert d.r_range == sp.Interval(0, sp.Rational(1, 2))
    assert [b.name for b in d.binding("lower")] == ["OUT"]
    assert {b.name.split("_")[0] for b in d.binding("upper")} == {"REP", "INT"}
    # the solution satisfies every criterion exactly
    for c in d.conditions:
        assert sp.expand(c.expr.subs(d.solution)) == 0, c.name


def test_deeper_tables_repeat_the_hidden_layer():
    t = ib.richness_table(None, depth=5)
    assert [triple(g.subs(R, sp.Rational(1, 3))) for g in t.column("g")] == \
        [(-H, Fraction(1, 3), 0)] + [(0, Fraction(1, 3) - H, 0)] * 3 + [(0, -H, 0)]


@given(st.fractions(min_value=0, max_value=H, max_denominator=50), st.integers(2, 4))
def test_gauge_images_for_random_r(r, depth):
    value = sp.Rational(r.numerator, r.denominator)
    mult = ib.richness_table(value, depth=depth)
    lr = ib.richness_table(value, depth=depth, gauge="learning-rate")
    resc = ib.richness_table(value, depth=depth, gauge="rescaling")
    for m, a, b in zip(mult.rows, lr.rows, resc.rows, strict=True):
        g, s, e = (m.entries[k] for k in ("g", "sigma", "eta"))
        # (g, sigma, eta) -> (1, g sigma, g^2 eta) and -> (g sigma, 1, eta / sigma^2)
        assert [triple(a.entries[k]) for k in ("g", "sigma", "eta")] == [triple(1), triple(g * s), triple(g**2 * e)]
        assert [triple(b.entries[k]) for k in ("g", "sigma", "eta")] == [triple(g * s), triple(1), triple(e / s**2)]
        for k in ("h", "dh", "layer_update", "passthrough", "grad"):
            assert a.entries[k] == m.entries[k] == b.entries[k], k
    if depth == 3:  # the paper's layerwise-learning-rate table
        assert [triple(e) for e in lr.column("eta")] == [(-1, 2 * r, 0), (0, 2 * r - 1, 0), (0, Fraction(-1), 0)]
        assert [triple(s**2) for s in lr.column("sigma")] == [(-1, 0, 0), (0, Fraction(-1), 0), (0, -2 * r - 1, 0)]


def test_rescaling_gauge_has_one_learning_rate_gamma_squared():
    t = ib.richness_table(0.3, depth=4, gauge="rescaling")
    assert {triple(e) for e in t.column("eta")} == {(0, Fraction(3, 5), 0)}


def test_standard_parametrization_response_grows_like_n():
    assert response_exponents(standard_parametrization(4)) == [0, 1, 1, 1]
    solved = ib.derive_richness(4).model.subs({R: sp.Rational(1, 4)})
    assert response_exponents(solved) == [sp.Rational(1, 4)] * 3 + [0]


def test_renderings():
    t = ib.richness_table(0.25, depth=2, gauge="learning-rate")
    assert "n**(1/4)" in t.text() and "learning-rate gauge" in str(t)
    assert r"\begin{tabular}" in t.latex() and r"\sqrt[4]{n}" in t.latex()
    import json

    data = json.loads(t.to_json())
    assert data["r"] == "1/4" and data["dof"] == 1 and data["layers"][0]["passthrough"] is None
    assert data["layers"][1]["eta"] == {"monomial": "1/n", "exponent": "-1"}


# ------------------------------------------------------------------------------------- the numpy network
@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_backward_against_finite_differences(activation):
    rng = np.random.default_rng(0)
    net = Network(standard_normal_draws((3, 5, 4, 2), 1), g=[1.3, 0.7, 0.4], sigma=[0.6, 0.5, 0.8], eta=[0.1] * 3,
                  activation=activation)
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    grads, _, _ = net.backward(X, Y)
    eps = 1e-6
    for layer, G in enumerate(grads):
        W = net.weights[layer]
        for idx in [(0, 0), (1, 2), (W.shape[0] - 1, W.shape[1] - 1)]:
            W[idx] += eps
            up = net.loss(X, Y)
            W[idx] -= 2 * eps
            down = net.loss(X, Y)
            W[idx] += eps
            assert (up - down) / (2 * eps) == pytest.approx(G[idx], rel=1e-5, abs=1e-9)


def _trajectory(g, sigma, eta, activation, steps=3):
    rng = np.random.default_rng(5)
    X, Y, probe = rng.standard_normal((4, 3)), rng.standard_normal((4, 2)), rng.standard_normal((7, 3))
    net = Network(standard_normal_draws((3, 8, 8, 2), 2), g=g, sigma=sigma, eta=eta, activation=activation)
    outs = [net(probe)]
    for _ in range(steps):
        net.step(X, Y)
        outs.append(net(probe))
    return np.array(outs)


@given(st.fractions(0, H, max_denominator=20),
       st.lists(st.floats(-1.0, 1.0), min_size=3, max_size=3),
       st.sampled_from(["linear", "relu", "tanh"]))
def test_gauge_transformations_leave_the_training_unchanged(r, shifts, activation):
    """Any (g, sigma, eta) -> (g', g sigma / g', g^2 eta / g'^2), with g' = g n^lambda for random exponents
    lambda, and the two named gauges, train the same function (to rounding) as the multiplier gauge."""
    n = 8
    hp = ib.richness_table(sp.Rational(r.numerator, r.denominator)).hyperparameters(n, 3, 2)
    g, s, e = hp["g"], hp["sigma"], 0.2 * hp["eta"]
    base = _trajectory(g, s, e, activation)
    images = [gauges.regauge(g, s, e, g * n ** np.array(shifts)), gauges.to_learning_rate_gauge(g, s, e),
              gauges.to_rescaling_gauge(g, s, e)]
    for g2, s2, e2 in images:
        g2 = np.broadcast_to(g2, g.shape)
        other = _trajectory(g2, s2, e2, activation)
        assert np.max(np.abs(other - base)) <= 1e-12 * np.max(np.abs(base))
    # not a gauge transformation: the multiplier changed without compensating the learning rate
    moved = _trajectory(g * 1.5, s / 1.5, e, activation)
    assert np.max(np.abs(moved - base)) > 1e-4 * np.max(np.abs(base))


def test_gauge_invariants():
    g, s, e = 3.0, 0.5, 2.0
    for gauge in ib.richness.GAUGES:
        assert gauges.invariants(*gauges.gauge_image(g, s, e, gauge)) == pytest.approx(gauges.invariants(g, s, e))
