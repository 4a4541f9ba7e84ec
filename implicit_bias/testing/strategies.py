"""Hypothesis strategies for random models a researcher might type.

:func:`separable_models` draws ``beta = sum_j +-c_j f_j(w_j)`` with one to three parameters, each piece from a
family of :data:`FAMILIES` (monomials ``w^k``, small polynomials such as ``w + w**3/3``, ``exp(k*w)``,
``sinh``, ``tanh``, ``log``, ``atan``, ``cosh``), mixed in one model with signs and coefficients, each parameter
started at ``alpha`` times a shape (or at 0 where the piece allows it) with its own learning-rate multiplier.
Every draw is a valid :class:`~implicit_bias.Parametrization` built from strings with
:meth:`~implicit_bias.Parametrization.from_expr`, so ``p.name`` is the expression and :func:`command` the
shell line that reproduces it.

Examples
--------
>>> from hypothesis import given, settings
>>> @settings(max_examples=3, database=None)
... @given(p=separable_models(max_params=2))
... def test(p):
...     assert 1 <= len(p.params) <= 2
>>> test()
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp
from hypothesis import strategies as st

from ..errors import ParametrizationError
from ..parametrizations.base import Parametrization

__all__ = ["FAMILIES", "Family", "command", "separable_models"]

#: Parameter names, in order.
NAMES = ("u", "v", "z")
_SHAPES = ("1", "2", "1/2", "3/2", "3")
_RATES = ("1", "2", "3", "1/2")
_COEFFICIENTS = ("", "2*", "3*", "1/2*")


@dataclass(frozen=True)
class Family:
    """A family of pieces ``f(w)``: templates in ``{w}``, and whether a parameter may start at ``w = 0``."""

    name: str
    templates: tuple[str, ...]
    zero_start: bool = True


#: The piece families of :func:`separable_models`.
FAMILIES: tuple[Family, ...] = (
    Family("monomial", ("{w}", "{w}**2", "{w}**3", "{w}**4", "{w}**5")),
    Family("polynomial", ("({w} + {w}**3/3)", "({w}**2/2 + {w})", "({w} + {w}**2)", "({w}**3/3 + {w}**2)")),
    Family("exp", ("exp({w})", "exp(2*{w})", "exp(-{w})", "exp(3*{w})")),
    Family("sinh", ("sinh({w})", "sinh(2*{w})")),
    Family("tanh", ("tanh({w})",)),
    Family("log", ("log({w})",), zero_start=False),
    Family("atan", ("atan({w})",)),
    Family("cosh", ("cosh({w})",), zero_start=False),
)


@st.composite
def _piece(draw: st.DrawFn, w: str, families: tuple[Family, ...]) -> tuple[str, str, str]:
    family = draw(st.sampled_from(families))
    term = draw(st.sampled_from(family.templates)).format(w=w)
    sign = draw(st.sampled_from(("+", "-")))
    coefficient = draw(st.sampled_from(_COEFFICIENTS))
    zero = family.zero_start and draw(st.integers(0, 5)) == 0
    init = "0" if zero else f"{draw(st.sampled_from(_SHAPES))}*alpha"
    return f"{sign} {coefficient}{term}", init, draw(st.sampled_from(_RATES))


@st.composite
def separable_models(draw: st.DrawFn, *, min_params: int = 1, max_params: int = 3,
                     families: tuple[Family, ...] = FAMILIES) -> Parametrization:
    """A random separable model ``beta = sum_j +-c_j f_j(w_j)``; see the module docstring.

    Draws whose initialization is a critical point of ``phi`` (no parameter can move) are rejected, as the
    model is then refused by :class:`~implicit_bias.Parametrization` itself.
    """
    k = draw(st.integers(min_params, max_params))
    names = NAMES[:k]
    drawn = [draw(_piece(w, families)) for w in names]
    text = " ".join(term for term, _, _ in drawn)  # "+ u**2 - 2*exp(v)"
    expr = text[2:] if text.startswith("+") else "-" + text[2:]
    init = {w: i for w, (_, i, _) in zip(names, drawn, strict=True)}
    lr = {w: r for w, (_, _, r) in zip(names, drawn, strict=True)}
    try:
        return Parametrization.from_expr(expr, list(names), init, lr, name=expr)
    except ParametrizationError:
        from hypothesis import reject

        reject()
        raise  # unreachable: reject() raises


def command(p: Parametrization) -> str:
    """The ``implicit-bias derive`` command line that builds ``p`` (for a parametrization from strings).

    >>> p = Parametrization.from_expr("u**2 - v", ["u", "v"], {"u": "alpha", "v": 0}, {"u": 2, "v": 1})
    >>> command(p)
    'implicit-bias derive "u**2 - v" --params u,v --init u=alpha,v=0 --lr u=2,v=1'
    """
    names = ",".join(str(w) for w in p.params)
    init = ",".join(f"{w}={_text(e)}" for w, e in zip(p.params, p.init, strict=True))
    lr = ",".join(f"{w}={_text(e)}" for w, e in zip(p.params, p.lr, strict=True))
    return f'implicit-bias derive "{p.name or p.phi}" --params {names} --init {init} --lr {lr}'


def _text(e: sp.Expr) -> str:
    return str(e).replace(" ", "")
