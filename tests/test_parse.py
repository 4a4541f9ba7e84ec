"""Bad input: one table of unsafe or malformed strings and bad parametrizations, each with its error."""

import pytest
import sympy as sp

import implicit_bias as ib
from implicit_bias._parse import parse_expr
from implicit_bias.parametrizations.coupled import split_coordinates

U, V = sp.symbols("u v", real=True)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("__import__('os').system('true')", "unknown name"),
        ("u.__class__", "Attribute syntax is not allowed"),
        ("u^2", "write '**'"),
        ("lambda: u", "Lambda syntax"),
        ("[u, v]", "List syntax"),
        ("u**100000", "exponent 100000"),
        ("exp(u, v)", "exactly one positional argument"),
        ("exp(x=u)", "exactly one positional argument"),
        ("open(u)", "unknown name 'open'"),
        ("w + u", "unknown name 'w'"),
        ("u +", "not a well-formed expression"),
        ("", "empty expression"),
        ("u / 0", "division by zero"),
        ("'u'", "is not a real number"),
        ("True", "is not a real number"),
        ("-(" * 80 + "u" + ")" * 80, "nested more than"),
    ],
)
def test_unsafe_or_malformed_strings_are_refused(text, fragment):
    with pytest.raises(ib.ParseError, match="expr=") as exc:
        parse_expr(text, {"u": U, "v": V})
    assert fragment in str(exc.value)


def test_parse_is_exact_and_whitelisted():
    assert parse_expr("0.1*u**2 - v**2/3", {"u": U, "v": V}) == sp.Rational(1, 10) * U**2 - V**2 / 3
    assert parse_expr("asinh(u) + pi", {"u": U}) == sp.asinh(U) + sp.pi


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        (dict(expr="u**2 - v**2", params=["u", "v"], init={"u": "alpha"}), ib.ParametrizationError, "missing ['v']"),
        (dict(expr="u**2 - v**2", params=["u", "v"], init={"u": 1, "v": 1, "w": 1}), ib.ParametrizationError,
         "unknown ['w']"),
        (dict(expr="u**2 - v**2", params=["u", "v"], init={"u": "gamma", "v": 1}), ib.ParseError,
         "unknown name 'gamma'"),
        (dict(expr="u*v", params=["u", "v"], init={"u": 0, "v": 0}), ib.CriticalInitializationError,
         "never leaves"),
        (dict(expr="u**2", params=["u"], init={"u": 1}, lr={"u": -1}), ib.ParametrizationError, "must be positive"),
        (dict(expr="u**2", params=["alpha"], init={"alpha": 1}), ib.ParametrizationError, "not a usable"),
        (dict(expr="u**2", params=["u", "u"], init={"u": 1}), ib.ParametrizationError, "names repeat"),
        (dict(expr="alpha**2", params=["u"], init={"u": 1}), ib.ParametrizationError, "does not depend"),
        (dict(expr="u**2", params=["u"], init={"u": float("nan")}), ib.ParametrizationError, "must be finite"),
        (dict(expr="u**2", params=[], init={}), ib.ParametrizationError, "at least one parameter"),
    ],
)
def test_bad_parametrizations(kwargs, error, fragment):
    with pytest.raises(error) as exc:
        ib.Parametrization.from_expr(**kwargs)
    assert fragment in str(exc.value)


def test_non_commuting_coupled_parametrization_has_no_mirror_potential():
    with pytest.raises(ib.NoMirrorPotentialError, match="do not commute"):
        split_coordinates(["u1*v1", "u1*v2"], ["u1", "v1", "v2"], {"u1": 1, "v1": 1, "v2": 1})


def test_commuting_coupled_parametrization_is_refused_with_reason():
    with pytest.raises(ib.NotSeparableError, match="commute, so a mirror potential exists"):
        split_coordinates(["u1**2", "u1**2 + u2"], ["u1", "u2"], {"u1": 1, "u2": 1})


def test_separable_vector_parametrization_splits():
    parts = split_coordinates(["u1*v1", "u2**2 - v2**2"], ["u1", "v1", "u2", "v2"],
                              {"u1": "alpha", "v1": "alpha", "u2": 1, "v2": 1})
    assert [p.k for p in parts] == [2, 2]


def test_unsupported_flow_gets_a_clear_error():
    p = ib.Parametrization.from_expr("u*v + u**3", ["u", "v"], {"u": 1, "v": 1})
    with pytest.raises(ib.DerivationError, match="cannot solve the flow"):
        ib.derive(p)
