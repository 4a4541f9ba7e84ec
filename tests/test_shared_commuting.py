"""Vector models with shared parameters whose gradient fields commute (Li, Wang, Lee & Arora 2022).

Known answers, derived by hand in the docstrings: the linear-mixing family ``beta = A (u*u - v*v)`` and a
quadratic model that mixes its parameters, ``(2 u1 u2 - 2 v1 v2, u1^2 + u2^2 - v1^2 - v2^2)``.
"""

import dataclasses

import mpmath
import pytest
import sympy as sp

import implicit_bias as ib
from implicit_bias.parametrizations.shared import SharedParametrization

NAMES = ["u1", "u2", "u3", "v1", "v2", "v3"]
A = sp.Matrix([[2, 1, 0], [1, 1, -1], [0, 3, 1]])


def mixing_model(A=A, init="alpha"):
    d = A.rows
    uv = [f"(u{j + 1}**2 - v{j + 1}**2)" for j in range(d)]
    exprs = [" + ".join(f"({A[i, j]})*{uv[j]}" for j in range(d) if A[i, j] != 0) for i in range(d)]
    names = [f"u{j + 1}" for j in range(d)] + [f"v{j + 1}" for j in range(d)]
    return ib.Parametrization.from_exprs(exprs, params=names, init=dict.fromkeys(names, init))


def rotated_model():
    return ib.Parametrization.from_exprs(["2*u1*u2 - 2*v1*v2", "u1**2 + u2**2 - v1**2 - v2**2"], params="u1,u2,v1,v2",
                                         init={"u1": "2*alpha", "u2": "alpha", "v1": "2*alpha", "v2": "alpha"})


def paper_hypentropy(s, c2):
    """Woodworth et al. (2020), Theorem 1: ``c2 q(s / c2)``, ``q(z) = 2 - sqrt(4 + z^2) + z asinh(z / 2)``, for
    ``u^2 - v^2`` from ``u0 = v0 = sqrt(c2)``; the toolkit's normalization is a quarter of it."""
    z = s / c2
    return c2 * (2 - mpmath.sqrt(4 + z**2) + z * mpmath.asinh(z / 2)) / 4


@pytest.fixture(scope="module")
def mixing_reg():
    return ib.derive(mixing_model())


@pytest.fixture(scope="module")
def rotated_reg():
    return ib.derive(rotated_model())


def test_from_exprs_builds_a_vector_model():
    p = mixing_model()
    assert isinstance(p, SharedParametrization)
    assert (p.d, p.D, p.beta0, p.commuting) == (3, 6, (0, 0, 0), True)
    assert not ib.Parametrization.from_exprs(["a*w1", "a*w2"], "a,w1,w2", {"a": 1, "w1": 1, "w2": 1}).commuting


@pytest.mark.parametrize("kwargs, fragment", [
    (dict(exprs="a*w1", params="a,w1", init={"a": 1, "w1": 1}), "exprs='a*w1': give a list"),
    (dict(exprs=["a*w1"], params="a,w1", init={"a": 1}), "missing ['w1']"),
    (dict(exprs=["a*w1"], params="a,w1", init={"a": 1, "w1": 1}, lr={"a": -1, "w1": 1}), "must be positive"),
    (dict(exprs=["a*q"], params="a,w1", init={"a": 1, "w1": 1}), "unknown name 'q'"),
    (dict(exprs=["a*w1", "3"], params="a,w1", init={"a": 1, "w1": 1}), "exprs[1]=3: uses none"),
    (dict(exprs=["a*w1"], params="a,beta1", init={"a": 1, "beta1": 1}), "'beta1' is not a usable"),
    (dict(exprs=["a*w1", "a*w2"], params="a,w1,w2", init={"a": 0, "w1": 0, "w2": 0}), "never leaves"),
])
def test_bad_vector_models_are_refused_with_the_argument_named(kwargs, fragment):
    with pytest.raises(ib.InputError) as exc:
        ib.Parametrization.from_exprs(**kwargs)
    assert fragment in str(exc.value)


def test_linear_mixing_gives_the_hypentropy_of_A_inverse_beta(mixing_reg):
    """``beta = A (u*u - v*v)``: ``V_i = sum_j A_ij grad(u_j^2 - v_j^2)`` move pair ``j`` along its own curve by
    ``(A^T mu)_j``, so ``b(mu) = A (2 alpha^2 sinh(4 A^T mu))`` and ``Q(beta) = sum_j Q_hyp((A^-1 beta)_j)``."""
    assert mixing_reg.kind == "closed"
    f = mixing_reg.to_numeric(dps=30)
    Ainv = A.inv()
    for alpha, beta in [(0.3, [0.5, -0.2, 1.1]), (1.7, [-3, 0.4, 0.25]), (0.05, [0.01, 0.02, -0.3])]:
        with mpmath.workdps(40):
            s = [sum(Ainv[j, i] * mpmath.mpf(beta[i]) for i in range(3)) for j in range(3)]
            expected = sum(paper_hypentropy(sj, mpmath.mpf(alpha) ** 2) for sj in s)
            got = f.Q(beta, alpha=alpha)
            assert abs(got - expected) < mpmath.mpf(10) ** -25 * (1 + abs(expected)), (alpha, beta, got, expected)


def test_linear_mixing_symbolic_gradient(mixing_reg):
    a = ib.ALPHA
    s = A.inv() * sp.Matrix(mixing_reg.betas)
    inner = sp.Matrix([sp.asinh(s[j] / (2 * a**2)) / 4 for j in range(3)])
    expected = A.inv().T * inner
    point = {b: v for b, v in zip(mixing_reg.betas, [0.3, -1.2, 0.7], strict=True)} | {a: 0.6}
    for got, want in zip(mixing_reg.grad_Q, expected, strict=True):
        assert abs(float(got.subs(point)) - float(want.subs(point))) < 1e-14


def test_rotated_quadratic_model_has_its_hand_derived_potential(rotated_reg):
    """With ``p+- = (u1 +- u2)/sqrt 2``, ``r+- = (v1 +- v2)/sqrt 2`` (an orthonormal change, so gradient flow in
    ``(u, v)`` is gradient flow in ``(p, r)``): ``beta1 = p+^2 - p-^2 - r+^2 + r-^2``,
    ``beta2 = p+^2 + p-^2 - r+^2 - r-^2``. So ``s1 = (beta1 + beta2)/2 = p+^2 - r+^2`` and
    ``s2 = (beta2 - beta1)/2 = p-^2 - r-^2`` are separate ``u^2 - v^2`` models started at
    ``p+(0)^2 = r+(0)^2 = 9 alpha^2 / 2`` and ``p-(0)^2 = r-(0)^2 = alpha^2 / 2``:
    ``Q = Q_hyp(s1; 9 alpha^2/2) + Q_hyp(s2; alpha^2/2)``."""
    assert rotated_reg.mixing.method == "quadratic"
    f = rotated_reg.to_numeric(dps=30)
    for alpha, (b1, b2) in [(0.4, (0.3, -0.5)), (1.3, (2.0, 1.0)), (0.1, (-0.05, 0.2))]:
        with mpmath.workdps(40):
            a2 = mpmath.mpf(alpha) ** 2
            b1, b2 = mpmath.mpf(b1), mpmath.mpf(b2)
            expected = paper_hypentropy((b1 + b2) / 2, 9 * a2 / 2) + paper_hypentropy((b2 - b1) / 2, a2 / 2)
            got = f.Q([b1, b2], alpha=alpha)
            assert abs(got - expected) < mpmath.mpf(10) ** -25 * (1 + abs(expected)), (alpha, got, expected)


@pytest.mark.parametrize("fixture", ["mixing_reg", "rotated_reg"])
def test_check_passes_on_the_derived_potentials(fixture, request):
    result = request.getfixturevalue(fixture).check(n_points=3)
    assert result.verified, result


def test_check_refuses_a_wrong_mixing_matrix(mixing_reg):
    wrong = dataclasses.replace(mixing_reg, mixing=dataclasses.replace(mixing_reg.mixing, A=mixing_reg.mixing.A.T))
    result = wrong.check(n_points=2)
    assert not result.verified and result.details["inverse"] > 1e-3


def test_check_refuses_a_wrong_block(rotated_reg):
    wrong_block = ib.derive(ib.diagonal(2, shape=2))  # the right form at the wrong initialization scale
    wrong = dataclasses.replace(rotated_reg, blocks=(wrong_block, rotated_reg.blocks[1]))
    assert not wrong.check(n_points=2).verified


def test_check_refuses_a_wrong_offset(mixing_reg):
    shifted = dataclasses.replace(mixing_reg.mixing, offset=sp.Matrix([ib.ALPHA**2, 0, 0]))
    assert not dataclasses.replace(mixing_reg, mixing=shifted).check(n_points=2).verified


def test_numeric_form_round_trip_and_bad_input(mixing_reg):
    f = mixing_reg.to_numeric(dps=30)
    beta = [0.4, -0.1, 0.9]
    mu = f.grad_Q(beta, alpha=0.7)
    assert max(abs(u - v) for u, v in zip(f.b(mu, alpha=0.7), beta, strict=True)) < 1e-28
    with pytest.raises(ib.InputError, match="2 values for a model with 3 outputs"):
        f.Q([1, 2], alpha=0.7)
    with pytest.raises(ib.InputError, match="missing"):
        f.Q(beta)


def test_commuting_but_not_a_mixing_is_declined_with_the_reason():
    # three blocks moving three outputs in independent directions: derived; three blocks for two outputs (Q is then
    # an infimal convolution of the blocks' potentials, which the engine does not form): declined, saying so
    p = ib.Parametrization.from_exprs(["u1**2 - v1**2 + u2**2 - v2**2", "u1**2 - v1**2 - u2**2 + v2**2",
                                       "u3**2 - v3**2 + u1**2 - v1**2"], NAMES, dict.fromkeys(NAMES, 1))
    assert p.commuting
    ib.derive(p)  # three blocks for three outputs: derived
    q = ib.Parametrization.from_exprs(["u1**2 - v1**2 + u2**2", "u1**2 - v1**2 - u2**2 + u3**2"],
                                      ["u1", "u2", "u3", "v1"], dict.fromkeys(["u1", "u2", "u3", "v1"], 1))
    assert q.commuting
    with pytest.raises(ib.DerivationError, match="3 independent blocks of parameters for 2 outputs"):
        ib.derive(q)


@pytest.mark.parametrize("model", [mixing_model, rotated_model])
def test_verify_agrees_with_the_flow_of_the_shared_parameters(model):
    p = model()
    X = [[1, 0.5, -0.3]] if p.d == 3 else [[1, 0.5]]
    rep = ib.verify(p, X, [0.7], alpha=mpmath.exp(-4), dps=25, progress=False)
    assert rep.success and rep.agree, rep.summary()
    assert rep.max_abs_diff < 1e-20


@pytest.mark.slow
@pytest.mark.parametrize("model", [mixing_model, rotated_model])
def test_verify_at_alpha_e_minus_100(model):
    p = model()
    X = [[1, 0.5, -0.3], [0.2, -1, 0.4]] if p.d == 3 else [[1, 0.5]]
    y = [0.7, -0.2] if p.d == 3 else [0.7]
    rep = ib.verify(p, X, y, alpha=mpmath.exp(-100), progress=False)
    assert rep.success and rep.agree, rep.summary()
    assert rep.max_abs_diff < mpmath.mpf(10) ** -100
