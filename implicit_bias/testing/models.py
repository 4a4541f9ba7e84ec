"""A hypothesis strategy for models: the catalogue's parametrizations with random shapes and learning rates.

Every model drawn is one the engine derives (a user's test can ask for a property of *every* catalogue model:
its check, its flow, its limits) and each constant is an exact ``sympy.Rational``, so a failing example prints
as a model one can type back in.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from .._validation import check_int
from ..errors import InputError
from ..parametrizations import Parametrization, diagonal, positive, product, single_neuron
from ..symbols import ALPHA

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - hypothesis is in the [test] extra
    raise ImportError("implicit_bias.testing needs hypothesis: pip install hypothesis "
                      "(or pip install 'implicit-bias[test]')") from exc

__all__ = ["CATALOGUE_KINDS", "catalogue_parametrizations"]

#: The catalogue constructors :func:`catalogue_parametrizations` draws from.
CATALOGUE_KINDS: tuple[str, ...] = ("diagonal", "positive", "single_neuron", "product")


def _rationals(lo: Fraction, hi: Fraction) -> st.SearchStrategy[sp.Rational]:
    return st.fractions(min_value=lo, max_value=hi, max_denominator=8).map(
        lambda f: sp.Rational(f.numerator, f.denominator))


def catalogue_parametrizations(*, kinds: Sequence[str] = CATALOGUE_KINDS, max_depth: int = 4, shapes: bool = True,
                               learning_rates: bool = True) -> st.SearchStrategy[Parametrization]:
    """Catalogue parametrizations with random depths, initialization shapes and learning rates.

    Parameters
    ----------
    kinds : sequence of str, default all of :data:`CATALOGUE_KINDS`
        Which constructors to draw from: ``ib.diagonal(D, shape=, lr=)``, ``ib.positive(D, shape=)``,
        ``ib.single_neuron(delta=, lr=)`` (the scalar neuron) and ``ib.product(D, init=)`` (unbalanced
        initializations ``(alpha, k_2 alpha, ..., k_D alpha)``).
    max_depth : int, default 4
        The largest depth ``D`` drawn (products start at 3, the others at 2).
    shapes : bool, default True
        Draw the initialization shapes (``shape``, ``delta``, the products' ``k_j``) from ``[1/4, 4]``
        (``delta`` from ``[-3, 3]``); otherwise the constructors' defaults (``delta = 1``).
    learning_rates : bool, default True
        Draw per-parameter learning rates from ``[1/4, 4]`` where the constructor takes them; otherwise all 1.

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Parametrization

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> import implicit_bias as ib
    >>> from implicit_bias.testing import catalogue_parametrizations
    >>> @settings(max_examples=3, deadline=None)
    ... @given(catalogue_parametrizations(kinds=["diagonal"], max_depth=2))
    ... def test_zero_at_the_start(p):
    ...     f = ib.derive(p).to_numeric(dps=20)
    ...     assert abs(f.Q(p.beta0, alpha=0.5)) < 1e-18
    >>> test_zero_at_the_start()
    """
    if isinstance(kinds, str) or not kinds or any(k not in CATALOGUE_KINDS for k in kinds):
        raise InputError(f"kinds={kinds!r}: give a non-empty list from {list(CATALOGUE_KINDS)}")
    top = check_int(max_depth, "max_depth", 2, "the largest depth D drawn")
    one = st.just(sp.Integer(1))
    shape = _rationals(Fraction(1, 4), Fraction(4)) if shapes else one
    rate = _rationals(Fraction(1, 4), Fraction(4)) if learning_rates else one
    delta = st.fractions(-3, 3, max_denominator=4).map(lambda f: sp.Rational(f.numerator, f.denominator)) \
        if shapes else one
    depth = st.integers(2, top)
    builders: dict[str, st.SearchStrategy[Any]] = {
        "diagonal": st.builds(lambda D, s, e1, e2: diagonal(D, shape=s, lr=(e1, e2)), depth, shape, rate, rate),
        "positive": st.builds(lambda D, s: positive(D, shape=s), depth, shape),
        "single_neuron": st.builds(lambda dl, e1, e2: single_neuron(delta=dl, lr=(e1, e2)), delta, rate, rate),
        "product": st.integers(3, max(3, top)).flatmap(
            lambda D: st.lists(shape, min_size=D - 1, max_size=D - 1).map(
                lambda ks: product(D, init=[ALPHA, *(k * ALPHA for k in ks)]))),
    }
    return st.one_of(*(builders[k] for k in dict.fromkeys(kinds)))
