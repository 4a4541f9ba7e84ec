"""Hypothesis properties: the independent checker verifies every catalogue entry at random constants,
and the derived grad Q agrees with a direct numerical integration of the flow ODE dw/dsigma = eta grad phi."""

import mpmath
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

import implicit_bias as ib
from implicit_bias.testing import assert_regularizer_verified, catalogue_parametrizations


@given(p=catalogue_parametrizations(max_depth=6), seed=st.integers(0, 2**16))
def test_checker_verifies_every_catalogue_entry(p, seed):
    assert_regularizer_verified(ib.derive(p), n_points=3, dps=30, seed=seed)


def _flow_b(p, alpha, sigma):
    """b(sigma) by integrating dw/dsigma = eta grad phi(w) numerically (scipy DOP853, float64)."""
    grad = [sp.lambdify([*p.params, ib.ALPHA], g * e, modules="math") for g, e in zip(p.grad_phi, p.lr, strict=True)]
    w0 = [float(sp.N(w.subs(ib.ALPHA, alpha))) for w in p.init]
    phi = sp.lambdify([*p.params, ib.ALPHA], p.phi, modules="math")
    sol = solve_ivp(lambda s, w: [g(*w, alpha) for g in grad], (0.0, sigma), w0, method="DOP853",
                    rtol=1e-13, atol=1e-15)
    assert sol.success, sol.message
    return phi(*sol.y[:, -1], alpha)


@pytest.mark.parametrize(
    "p",
    [ib.diagonal(2), ib.diagonal(3), ib.diagonal(2, lr=(1, 3)), ib.single_neuron(delta=sp.Rational(1, 2)),
     ib.product(3, init=[ib.ALPHA, 2 * ib.ALPHA, 3 * ib.ALPHA])],
    ids=["hypentropy", "depth3", "lr-weighted", "single-neuron", "product-unbalanced"],
)
@given(frac=st.floats(-0.8, 0.8))
def test_grad_Q_inverts_the_numerically_integrated_flow(p, frac):
    reg = ib.derive(p)
    f = reg.to_numeric(dps=25)
    alpha = 0.6
    lo, hi = f.coordinate(alpha=alpha).domain
    span = min(hi, mpmath.mpf(1)) if frac >= 0 else max(lo, mpmath.mpf(-1))
    sigma = float(abs(frac) * abs(span) * (1 if frac >= 0 else -1))
    if sigma == 0:
        return
    beta = _flow_b(p, alpha, sigma)
    # float64 integration with rtol 1e-13: agreement to 1e-9 relative is what it can certify
    assert abs(f.grad_Q(beta, alpha=alpha) - sigma) < 1e-9 * max(1, abs(sigma))
