"""The checker refuses wrong answers, for every kind of regularizer, and accepts the right ones.

Each mutant is a ``dataclasses.replace`` of a correct answer (the Regularizer is frozen), or a wrong limit handed
to the checker. As sympy's ``checkodesol`` returns ``(False, residual)``, the checker must refuse it with a residual
far above its tolerance, and name among the failed conditions the one the mutant breaks. One random point is
enough to refuse each of them (they are wrong everywhere); mutants of Q, grad_Q, the conjugate or the curve are
judged with the correct answer's limits, so that no mutant's limits are derived.
"""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest
import sympy as sp

import implicit_bias as ib
from implicit_bias.derive import check_regularizer
from implicit_bias.derive.check import CONDITIONS

A, B = ib.ALPHA, ib.BETA
replace = dataclasses.replace

#: kind -> (the model, the same model with other learning rates)
MODELS = {
    "closed": (ib.diagonal(2), ib.diagonal(2, lr=(1, 2))),
    "legendre": (ib.diagonal(3), ib.diagonal(3, lr=(1, 2))),
    "quadrature": (ib.product(3, init=[A, 2 * A, 3 * A]), ib.product(3, init=[A, 2 * A, 3 * A], lr=[1, 1, 2])),
    "shaped-lr": (ib.diagonal(2, shape="c", lr=(1, 3)), ib.diagonal(2, shape="c", lr=(1, 2))),
}
KINDS = {"closed": "closed", "legendre": "legendre", "quadrature": "quadrature", "shaped-lr": "legendre"}
ALL = tuple(MODELS)
IMPLICIT = ("legendre", "quadrature", "shaped-lr")


@cache
def derived(model: str) -> ib.Regularizer:
    return ib.derive(MODELS[model][0])


def _limits(reg: ib.Regularizer, *, rich: ib.Limit | None = None, kernel: ib.Limit | None = None) -> ib.Limits:
    lims = reg.limits()
    return ib.Limits(rich or lims.rich, kernel or lims.kernel)


def _other_quadratic_root(reg: ib.Regularizer) -> ib.Regularizer:
    # b = 2 alpha^2 sinh(4 sigma): x = exp(4 sigma) solves alpha^2 x^2 - beta x - alpha^2 = 0; the other root is < 0
    return replace(reg, grad_Q=sp.log((B - sp.sqrt(B**2 + 4 * A**4)) / (2 * A**2)) / 4)


def _root_beyond_the_pole(reg: ib.Regularizer) -> ib.Regularizer:
    # b(s) = alpha^3 ((1 - 3 alpha s)^-3 - (1 + 3 alpha s)^-3) = beta > 0 has a second real root below -1/(3 alpha)
    return replace(reg, curve=replace(reg.curve, domain=(-sp.oo, -1 / (3 * A)), param0=-2 / (3 * A)))


# (name, models, mutant builder (reg, model) -> (answer, limits or None), conditions that must fail)
MUTANTS = [
    ("scaled Q", ALL, lambda r, m: (replace(r, Q=7 * r.Q), None), {"derivative", "fenchel_young"}),
    ("shifted Q", ALL, lambda r, m: (replace(r, Q=r.Q + 5), None), {"normalization", "fenchel_young"}),
    ("scaled grad_Q", ALL, lambda r, m: (replace(r, grad_Q=3 * r.grad_Q), None), {"inverse", "flow"}),
    ("negated grad_Q (the other branch)", ALL, lambda r, m: (replace(r, grad_Q=-r.grad_Q), None),
     {"inverse", "convexity"}),
    ("the other root of the quadratic", ("closed",), lambda r, m: (_other_quadratic_root(r), None), {"inverse"}),
    ("the root beyond the pole", ("legendre",), lambda r, m: (_root_beyond_the_pole(r), None),
     {"normalization", "flow"}),
    ("wrong root equation 2 b = beta", ALL, lambda r, m: (replace(r, curve=replace(r.curve, b=2 * r.curve.b)), None),
     {"flow", "conjugate_derivative"}),
    ("placeholder that is not the root", IMPLICIT, lambda r, m: (replace(r, root=sp.Function("u")(B)), None),
     {"inverse", "limits"}),
    ("scaled conjugate", ALL, lambda r, m: (replace(r, conjugate=2 * r.conjugate), None),
     {"fenchel_young", "conjugate_derivative"}),
    ("shifted conjugate", ALL, lambda r, m: (replace(r, conjugate=r.conjugate + 1), None),
     {"fenchel_young", "normalization"}),
    ("derived for other learning rates", ALL,
     lambda r, m: (replace(ib.derive(MODELS[m][1]), parametrization=r.parametrization), None), {"flow", "kernel"}),
    ("kernel limit 3x", ALL,
     lambda r, m: (r, _limits(r, kernel=replace(r.limits().kernel, scale=3 * r.limits().kernel.scale))), {"limits"}),
    ("rich limit 2x", ("closed", "legendre", "shaped-lr"),
     lambda r, m: (r, _limits(r, rich=replace(r.limits().rich, scale=2 * r.limits().rich.scale))), {"limits"}),
    ("rich limit l2 for l1", ("closed", "legendre"),
     lambda r, m: (r, _limits(r, rich=replace(r.limits().rich, form=B**2))), {"limits"}),
    ("rich limit claimed where none was derived", ("quadrature",),
     lambda r, m: (r, _limits(r, rich=ib.Limit("alpha -> 0", "l1", 1 / A, sp.Abs(B)))), {"limits"}),
]
CASES = [pytest.param(model, build, must_fail, id=f"{model}: {name}")
         for name, models, build, must_fail in MUTANTS for model in models]


@pytest.mark.parametrize(("model", "build", "must_fail"), CASES)
def test_wrong_answer_is_refused(model, build, must_fail):
    reg = derived(model)
    answer, limits = build(reg, model)
    result = check_regularizer(answer, n_points=1, limits=limits or reg.limits())
    verified, residual = result
    assert not verified, f"a wrong answer passed: {result}"
    assert residual >= 100 * result.tolerance, result
    assert must_fail <= set(result.failed), (result.failed, result.message)


@pytest.mark.parametrize("model", ALL)
def test_correct_answer_is_verified(model):
    reg = derived(model)
    assert reg.kind == KINDS[model]
    result = reg.check(n_points=4)
    assert result.verified, result.message
    assert result.failed == () and result.residual < result.tolerance
    assert tuple(result.details) == CONDITIONS


def test_the_wrong_depth3_answer_from_the_report_is_refused():
    reg = derived("legendre")
    wrong = replace(reg, Q=7 * reg.Q + 5, grad_Q=3 * reg.grad_Q)
    assert wrong.check(n_points=2).verified is False


def test_an_l1_limit_from_a_bounded_range_the_root_never_reaches_is_refused():
    """u + u^3/3 - v: sigma lies in (-pi/2 - atan(alpha), pi/2 - atan(alpha)), but b tends to an alpha-free curve, so
    at fixed beta the root stays inside and Q tends to an alpha-free function: Q ~ (pi/2 - atan(alpha)) beta is
    wrong (by a factor ~8 at alpha = e^-60), although the range is bounded as for depth 3."""
    p = ib.Parametrization.from_expr("u + u**3/3 - v", ["u", "v"], {"u": "alpha", "v": "alpha"})
    reg = ib.derive(p)
    c_plus, c_minus = sp.pi / 2 - sp.atan(A), sp.pi / 2 + sp.atan(A)
    wrong = ib.Limit("alpha -> 0", "asymmetric l1", c_plus, sp.Piecewise((B, B >= 0), (-(c_minus / c_plus) * B, True)))
    result = check_regularizer(reg, n_points=1, limits=_limits(reg, rich=wrong))
    assert not result.verified and result.failed == ("limits",), result.message
    assert result.residual >= 100 * result.tolerance


def test_fixed_alpha_and_constants_are_used():
    reg = derived("shaped-lr")
    result = reg.check(alpha=1e-20, constants={"c": 2}, n_points=2)
    assert result.verified, result.message
    # a wrong answer stays wrong at the fixed values
    assert not check_regularizer(replace(reg, Q=2 * reg.Q), alpha=1e-20, constants={"c": 2}, n_points=1,
                                 limits=reg.limits()).verified


def test_a_root_next_to_a_pole_is_resolved_with_more_digits():
    """Depth 3 at alpha = 1e-30: the root sits ~1e-30 (relative) from the pole at 1/(3 alpha), and the expanded
    denominators of Q cancel ~60 digits; the checker reruns the point with more digits instead of refusing."""
    result = derived("legendre").check(alpha=1e-30, n_points=1)
    assert result.verified, result.message


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"constants": {"alpha": 1, "c": 2}}, "'alpha' is not a constant here"),
    ({"constants": {"d": 2}}, "unknown ['d']"),
    ({"constants": {}}, "missing ['c']"),
    ({"alpha": -1}, "alpha=-1"),
    ({"n_points": 0}, "n_points=0"),
    ({"dps": 3}, "dps=3"),
    ({"seed": -1}, "seed=-1"),
])
def test_bad_arguments(kwargs, fragment):
    with pytest.raises(ib.InputError) as exc:
        derived("shaped-lr").check(**kwargs)
    assert fragment in str(exc.value)


def test_alpha_given_to_a_model_without_alpha():
    reg = ib.derive(ib.Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": 1, "v": 1}))
    with pytest.raises(ib.InputError, match="has no alpha"):
        reg.check(alpha=0.5)
