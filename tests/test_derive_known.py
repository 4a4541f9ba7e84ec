"""Known answers from the papers, reached through the engine (the formulas below are expected values only).

Woodworth et al. 2020 state their regularizers in their own normalization; this toolkit's contract is
Q(beta0) = 0, Q' = b^{-1}. Each comparison says how the two are related.
"""

import mpmath
import pytest
import sympy as sp

import implicit_bias as ib
from implicit_bias.derive.explicit import explicit_regularizer

a = ib.ALPHA
beta = ib.BETA
c = sp.Symbol("c", positive=True)


def _q_hypentropy(z):
    """Woodworth et al. 2020, Theorem 1: q(z) = 2 - sqrt(4 + z^2) + z asinh(z/2)."""
    return 2 - sp.sqrt(4 + z**2) + z * sp.asinh(z / 2)


def test_theorem1_hypentropy_exactly():
    reg = ib.derive(ib.diagonal(2))
    assert reg.kind == "closed"
    paper = a**2 * _q_hypentropy(beta / a**2)  # = 4 Q in this toolkit's normalization
    assert sp.simplify(4 * reg.Q - paper) == 0, f"4Q - paper = {sp.simplify(4 * reg.Q - paper)}"
    assert sp.simplify(reg.grad_Q - sp.asinh(beta / (2 * a**2)) / 4) == 0
    assert reg.ratio_to(paper) == 4


def test_theorem3_general_shape_exactly():
    reg = ib.derive(ib.diagonal(2, shape="c"))
    paper = a**2 * c**2 * _q_hypentropy(beta / (a**2 * c**2))
    assert sp.simplify(4 * reg.Q - paper) == 0


def test_theorem3_limits_l1_regardless_of_shape_and_l2_weighted_by_shape():
    rich, kernel = ib.derive(ib.diagonal(2, shape="c")).limits()
    assert rich.name == "l1"
    assert rich.form == sp.Abs(beta)
    assert not rich.scale.has(c), f"rich scale {rich.scale} depends on the shape"
    assert sp.simplify(rich.scale - sp.log(1 / a) / 2) == 0
    # paper eq. (6): Q_paper ~ sum beta^2 / (4 alpha^2 w0^2); this toolkit's Q is a quarter of it
    assert sp.simplify(kernel.scale * kernel.form - beta**2 / (16 * a**2 * c**2)) == 0
    assert kernel.residual is not None and kernel.residual < 1e-12
    assert rich.residual is not None and rich.residual < 0.05  # O(1/log(1/alpha)) approach at alpha = e^-60


def _h(D, z):
    p = mpmath.mpf(D) / (D - 2)
    return (1 - z) ** (-p) - (1 + z) ** (-p)


def _q_depth(D, t):
    """Woodworth et al. 2020, Theorem 3: q_D(t) = int_0^t h_D^{-1}, by quadrature of a numerical inverse."""

    def h_inv(x):
        if x == 0:
            return mpmath.mpf(0)
        # h_D(z) >= 2D/(D-2) z for z >= 0 (odd, convex there), so |root| <= |x| (D-2)/(2D)
        lo, hi = mpmath.mpf(0), min(abs(x) * (D - 2) / (2 * D), mpmath.mpf(1))
        for _ in range(60):  # bisection to ~1e-18, then the secant method to full precision
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _h(D, mid) < abs(x) else (lo, mid)
        return mpmath.sign(x) * mpmath.findroot(lambda z: _h(D, z) - abs(x), (lo + hi) / 2)

    return mpmath.quad(h_inv, [0, t])


@pytest.mark.parametrize("D", [3, 4, 5, 6, 7, 8])
def test_theorem4_depth_D_matches_integral_of_inverse_of_h_D_to_30_digits(D):
    reg = ib.derive(ib.diagonal(D))
    assert reg.kind == "legendre"  # h_D has no elementary inverse
    f = reg.to_numeric(dps=40)
    with mpmath.workdps(45):
        for alpha, b in [(mpmath.mpf("0.7"), mpmath.mpf("0.3")), (mpmath.mpf("1.3"), mpmath.mpf("-2.5"))]:
            t = b / alpha**D
            paper = alpha**D * _q_depth(D, t)
            # b(sigma) = alpha^D h_D(D (D-2) alpha^(D-2) sigma), hence
            # Q_paper = alpha^D q_D(beta/alpha^D) = D (D-2) alpha^(D-2) Q
            ours = D * (D - 2) * alpha ** (D - 2) * f.Q(b, alpha=alpha)
            assert abs(ours - paper) <= mpmath.mpf(10) ** -30 * abs(paper), (D, alpha, b, ours, paper)


@pytest.mark.parametrize("D", [3, 5])
def test_depth_D_limits(D):
    rich, kernel = ib.derive(ib.diagonal(D)).limits()
    assert rich.name == "l1" and rich.form == sp.Abs(beta)
    assert sp.simplify(rich.scale - a ** (2 - D) / (D * (D - 2))) == 0
    # h_D(z) = 2D/(D-2) z + O(z^3): kernel weight
    assert sp.simplify(kernel.scale - 1 / (2 * 2 * D**2 * a ** (2 * D - 2))) == 0


def test_positive_u2_gives_the_entropy():
    reg = ib.derive(ib.positive())
    # 4 Q = beta log(beta) - beta - beta log(alpha^2) + alpha^2: the unnormalized entropy relative to alpha^2
    expected = beta * sp.log(beta) - beta - beta * sp.log(a**2) + a**2
    assert sp.simplify(sp.expand_log(4 * reg.Q - expected, force=True)) == 0
    assert reg.beta_domain == (0, sp.oo)


def test_single_neuron_Q_as_a_function_of_delta():
    delta = sp.Symbol("delta", real=True)
    reg = ib.derive(ib.single_neuron())
    # Kunin et al. 2024 / Azulay et al. 2021: d beta/d sigma = sqrt(delta^2 + 4 beta^2),
    # so Q'' = 1/sqrt(delta^2 + 4 beta^2)
    assert sp.simplify(sp.diff(reg.grad_Q, beta) - 1 / sp.sqrt(delta**2 + 4 * beta**2)) == 0
    assert reg.Q.free_symbols == {a, beta, delta}
    rich, _kernel = reg.limits()
    # alpha -> 0 at fixed delta != 0 is not l1: Q tends to an alpha-free function of delta
    assert rich.name == "alpha-free limit regularizer"
    assert rich.residual is not None and rich.residual < 1e-20


def test_balanced_single_neuron_is_the_entropy_on_the_positive_half_line():
    reg = ib.derive(ib.single_neuron(delta=0))
    assert sp.simplify(reg.grad_Q - sp.log(beta / a) / 2) == 0
    assert reg.beta_domain == (0, sp.oo)


def test_explicit_comparator_is_the_smaller_real_root_of_the_paper_quartic():
    R_ = explicit_regularizer(ib.diagonal(2))
    u = sp.Symbol("u")
    z = beta / a**2
    paper = u**4 - 6 * u**3 + (12 - 2 * z**2) * u**2 - (8 + 10 * z**2) * u + z**2 + z**4  # eq. (9), in r/alpha^2
    ours = sp.expand(R_.polynomial.subs(sp.Symbol("r", nonnegative=True), a**2 * u) / a**8)
    assert sp.expand(ours - paper) == 0
    # the quartic has two real roots at z = 1: 0.11835 and 4.66364; R is the smaller
    assert abs(R_(1, alpha=1) - mpmath.mpf("0.1183510857227")) < 1e-12


def test_explicit_comparator_matches_direct_minimization():
    scipy_opt = pytest.importorskip("scipy.optimize")
    R_ = explicit_regularizer(ib.diagonal(2))
    for z in [0.1, 1.0, 3.0, -2.0]:
        cons = {"type": "eq", "fun": lambda w, z=z: w[0] ** 2 - w[1] ** 2 - z}
        best = min(
            scipy_opt.minimize(lambda w: (w[0] - 1) ** 2 + (w[1] - 1) ** 2, x0, constraints=[cons], tol=1e-14).fun
            for x0 in ([1.5, 0.5], [0.5, 1.5], [2.0, 1.0], [1.0, 2.0])
        )
        assert abs(float(R_(z, alpha=1)) - best) < 1e-7


def test_non_monomial_flow_is_solved_through_its_implicit_integral():
    """phi = u + u^3/3 - v: u' = 1 + u^2 gives u = tan(sigma + atan(u0)), a finite sigma-interval."""
    p = ib.Parametrization.from_expr("u + u**3/3 - v", ["u", "v"], {"u": "alpha", "v": "alpha"})
    reg = ib.derive(p)
    s = ib.SIGMA
    assert sp.simplify(reg.curve.weights[0] - sp.tan(s + sp.atan(a))) == 0
    assert sp.simplify(reg.curve.domain[1] - (sp.pi / 2 - sp.atan(a))) == 0
    assert reg.check(n_points=4).verified


def test_balanced_depth3_product():
    """w1 w2 w3 from (alpha, alpha, alpha): every w_j = t with t' = t^2, so t = alpha / (1 - alpha sigma) and
    grad Q(beta) = 1/alpha - beta^(-1/3) (by hand); Q = beta/alpha - 3 beta^(2/3)/2 + alpha^2/2 on beta > 0."""
    reg = ib.derive(ib.product(3))
    assert reg.kind == "closed"
    assert sp.simplify(reg.grad_Q - (1 / a - beta ** sp.Rational(-1, 3))) == 0
    assert sp.simplify(reg.Q - (beta / a - 3 * beta ** sp.Rational(2, 3) / 2 + a**2 / 2)) == 0
    assert reg.beta_domain == (0, sp.oo)


#: One known answer per catalogue constructor: (constructor, arguments, Q in this toolkit's normalization, source).
KNOWN_ANSWERS = [
    (ib.diagonal, {"D": 2}, a**2 * _q_hypentropy(beta / a**2) / 4, "Woodworth et al. 2020, Thm 1 (a quarter of it)"),
    (ib.positive, {}, (beta * sp.log(beta) - beta - beta * sp.log(a**2) + a**2) / 4,
     "unnormalized entropy relative to alpha^2 (Ghai et al. 2020; Woodworth et al. 2020 Sec. 4)"),
    (ib.single_neuron, {"delta": 0}, (beta * sp.log(beta / a) - beta + a) / 2,
     "balanced a*w: d beta/d sigma = 2 beta, so grad Q = log(beta/alpha)/2 (Azulay et al. 2021 Sec. 6)"),
    (ib.product, {"D": 3}, beta / a - 3 * beta ** sp.Rational(2, 3) / 2 + a**2 / 2,
     "w1 w2 w3 from (alpha, alpha, alpha): t = alpha/(1 - alpha sigma), by hand"),
]


@pytest.mark.parametrize(("constructor", "kwargs", "known", "source"), KNOWN_ANSWERS,
                         ids=[row[0].__name__ for row in KNOWN_ANSWERS])
def test_catalogue_entry_matches_its_known_answer(constructor, kwargs, known, source):
    f = ib.derive(constructor(**kwargs)).to_numeric(dps=30)
    expected = sp.lambdify([beta, a], known, modules="mpmath")
    with mpmath.workdps(40):
        for alpha, b in [("0.3", "0.7"), ("1.7", "2.5"), ("0.05", "4")]:
            ours, theirs = f.Q(b, alpha=alpha), expected(mpmath.mpf(b), mpmath.mpf(alpha))
            assert abs(ours - theirs) <= mpmath.mpf(10) ** -28 * abs(theirs), (source, alpha, b, ours, theirs)


def test_every_catalogue_entry_has_a_known_answer():
    from implicit_bias.parametrizations import catalogue

    covered = {row[0].__name__ for row in KNOWN_ANSWERS}
    assert covered == set(catalogue.__all__), f"catalogue entries without a known answer: " \
        f"{sorted(set(catalogue.__all__) - covered)}"


def test_learning_rates_weight_the_rich_limit():
    """u' = 2 eta_u u: b ~ alpha^2 exp(4 eta_u sigma) as sigma -> oo, so grad Q(beta) ~ log(1/alpha) / (2 eta_u)
    for beta > 0 and -log(1/alpha) / (2 eta_v) for beta < 0 (by hand): an l1 norm weighted by 1/eta."""
    reg = ib.derive(ib.diagonal(2, lr=(1, 3)))
    assert reg.kind == "legendre"
    rich = reg.limits().rich
    assert rich.name == "asymmetric l1"
    t = sp.Symbol("t", positive=True)
    assert sp.simplify(rich.scale * rich.form.subs(beta, t) - sp.log(1 / a) * t / 2) == 0
    assert sp.simplify(rich.scale * rich.form.subs(beta, -t) - sp.log(1 / a) * t / 6) == 0
