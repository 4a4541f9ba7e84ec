"""The numeric form of derived regularizers: full relative accuracy through cancellations, implicit roots."""

import mpmath
import pytest
import sympy as sp

import implicit_bias as ib
from implicit_bias.derive.roots import MonotoneRoot, monotone_root
from implicit_bias.errors import NumericalError


def _single_neuron_b(sigma, alpha, delta, dps):
    """b(sigma) for a*w (eta = 1): (a, w)' = (w, a), so a = a0 cosh + w0 sinh, w = w0 cosh + a0 sinh (by hand);
    a0^2 = (delta + K)/2, w0^2 = (K - delta)/2, K = sqrt(delta^2 + 4 alpha^2), evaluated at ``dps`` digits."""
    with mpmath.workdps(dps):
        K = mpmath.sqrt(delta**2 + 4 * alpha**2)
        a0, w0 = mpmath.sqrt((delta + K) / 2), mpmath.sqrt((K - delta) / 2)
        a = a0 * mpmath.cosh(sigma) + w0 * mpmath.sinh(sigma)
        w = w0 * mpmath.cosh(sigma) + a0 * mpmath.sinh(sigma)
        return a * w


@pytest.mark.parametrize("log10_alpha", [-23, -120])
def test_nested_cancellation_in_the_start_keeps_every_digit(log10_alpha):
    """The single neuron's start has sqrt(delta^2 + 4 alpha^2) - delta inside a square root: at delta = 1/2 and
    alpha = 1e-23 the two agree to 46 digits. The coordinate map must still be exact to its working precision
    (its constant parts go through SymPy's adaptive evalf); the reference runs at 400 digits."""
    f = ib.derive(ib.single_neuron(delta=sp.Rational(1, 2))).to_numeric(dps=40)
    alpha = mpmath.mpf(10) ** log10_alpha
    coord = f.coordinate(alpha=alpha)
    for sigma in (mpmath.mpf("1e-30"), mpmath.mpf("0.3"), mpmath.mpf(-2)):
        with mpmath.workdps(40):
            got = coord.b(sigma)
        exact = _single_neuron_b(sigma, alpha, mpmath.mpf(1) / 2, 400)
        assert abs(got - exact) <= mpmath.mpf(10) ** -38 * abs(exact), (sigma, got, exact)


def test_nested_cancellation_the_old_way_loses_the_digits():
    """The same value evaluated naively at the working precision is wrong in its leading digits: the test above
    can fail."""
    alpha, sigma = mpmath.mpf(10) ** -23, mpmath.mpf("1e-30")
    naive = _single_neuron_b(sigma, alpha, mpmath.mpf(1) / 2, 45)
    exact = _single_neuron_b(sigma, alpha, mpmath.mpf(1) / 2, 400)
    assert abs(naive - exact) > mpmath.mpf(10) ** -20 * abs(exact)


def test_monotone_root_evaluates_and_differentiates():
    u, s = sp.Dummy("u", real=True), sp.Symbol("s", real=True)
    F = sp.Lambda(u, u / 2 + sp.sinh(2 * u) / 4)  # the time of u' = sech(u)^2
    W = MonotoneRoot(F, s, sp.Rational(1, 3), -sp.oo, sp.oo)
    f = sp.lambdify([s], W, modules="mpmath")
    df = sp.lambdify([s], sp.diff(W, s), modules="mpmath")
    with mpmath.workdps(50):
        for sv in (mpmath.mpf("0.7"), mpmath.mpf(-3), mpmath.mpf("1e-40")):
            w = f(sv)
            residual = w / 2 + mpmath.sinh(2 * w) / 4 - (mpmath.mpf(1) / 6 + mpmath.sinh(mpmath.mpf(2) / 3) / 4) - sv
            assert abs(residual) < mpmath.mpf(10) ** -48 * (1 + abs(sv))
            assert abs(df(sv) - mpmath.sech(w) ** 2) < mpmath.mpf(10) ** -45  # dw/ds = u' = sech(u)^2
    assert W.subs(s, 0) == sp.Rational(1, 3)


def test_monotone_root_outside_its_range_is_a_numerical_error():
    u = sp.Dummy("u", real=True)
    W = MonotoneRoot(sp.Lambda(u, sp.atan(u)), sp.Integer(2), 0, -sp.oo, sp.oo)  # atan never reaches 2
    f = sp.lambdify([], W, modules="mpmath")
    with mpmath.workdps(20), pytest.raises(NumericalError):
        f()


def test_monotone_root_of_a_power():
    with mpmath.workdps(40):
        r = monotone_root(lambda x: x**5 - 3, 1, (0, mpmath.inf), True, "x^5 = 3", dg=lambda x: 5 * x**4)
        assert abs(r - mpmath.root(3, 5)) < mpmath.mpf(10) ** -38


def test_negative_constants_keep_their_sign_in_the_exact_parts():
    """A constant enters the hoisted parts as the exact binary fraction it is, sign included: u v from the tilted
    start sqrt(2) alpha (cosh c, sinh c) has b = alpha^2 sinh(2 (sigma + c)) for either sign of c."""
    p = ib.Parametrization.from_expr("u*v", ["u", "v"], {"u": "alpha*(exp(c) + exp(-c))/sqrt(2)",
                                                        "v": "alpha*(exp(c) - exp(-c))/sqrt(2)"},
                                     symbols={"c": "real"})
    f = ib.derive(p).to_numeric(dps=30)
    with mpmath.workdps(30):
        for c in (mpmath.mpf("0.03"), mpmath.mpf("-0.03"), mpmath.mpf(-2)):
            m = f.coordinate(alpha=mpmath.mpf("0.2"), c=c)
            s = mpmath.mpf("0.1")
            assert abs(m.b(s) - mpmath.mpf("0.04") * mpmath.sinh(2 * (s + c))) < 1e-28
