"""Hypothesis strategies for the data of a property test: underdetermined problems and initialization scales.

``underdetermined_problems()`` draws ``X beta = y`` with ``n < d``, a chosen range of sizes, a condition number of
``X`` in a chosen range and a planted interpolant ``beta_star`` of a chosen sparsity (``y = X beta_star``, so the
labels are reachable; with ``positive=True`` every entry of ``beta_star`` is positive, as models that only reach
``beta > 0`` need). ``alpha_scales()`` draws initialization scales ``10**x`` over many decades, as exact
``mpmath.mpf`` numbers that a float could not hold below ``1e-308``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import mpmath
import numpy as np

from .._validation import check_int, check_real
from ..errors import InputError

try:
    from hypothesis import strategies as st
except ImportError as exc:  # pragma: no cover - hypothesis is in the [test] extra
    raise ImportError("implicit_bias.testing needs hypothesis: pip install hypothesis "
                      "(or pip install 'implicit-bias[test]')") from exc

__all__ = ["Problem", "alpha_scales", "underdetermined_problems"]


class Problem(NamedTuple):
    """A drawn problem: ``X`` (``n x d``, ``n < d``, full row rank), ``y = X @ beta_star`` and ``beta_star``."""

    X: np.ndarray
    y: np.ndarray
    beta_star: np.ndarray


def _range(value: Any, name: str, low: int) -> tuple[int, int]:
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        value = (value, value)
    if not (isinstance(value, tuple) and len(value) == 2):
        raise InputError(f"{name}={value!r}: give an integer or a pair (min, max), e.g. {name}=(1, 4)")
    lo = check_int(value[0], f"{name}[0]", low, "the smallest value drawn")
    hi = check_int(value[1], f"{name}[1]", lo, f"the largest value drawn, at least {name}[0]")
    return lo, hi


def _design(rng: np.random.Generator, n: int, d: int, condition: float) -> np.ndarray:
    """``U diag(s) V^T`` with orthonormal ``U`` (``n x n``), ``V`` (``d x n``) and singular values ``s`` from 1
    down to ``1/condition`` (evenly in log), so ``cond(X) = condition`` exactly up to rounding."""
    U, _ = np.linalg.qr(rng.standard_normal((n, n)))
    V, _ = np.linalg.qr(rng.standard_normal((d, n)))
    s = condition ** -np.linspace(0.0, 1.0, n) if n > 1 else np.ones(1)
    return (U * s) @ V.T


def underdetermined_problems(*, n: int | tuple[int, int] = (1, 4), extra: int | tuple[int, int] = (1, 4),
                             condition: tuple[float, float] = (1.0, 100.0), sparsity: int | tuple[int, int] | None
                             = None, positive: bool = False) -> st.SearchStrategy[Problem]:
    """Underdetermined least-squares problems ``X beta = y`` with a planted interpolant.

    Parameters
    ----------
    n : int or (int, int), default (1, 4)
        The number of rows (samples), or the range it is drawn from.
    extra : int or (int, int), default (1, 4)
        ``d - n``: how many more columns than rows.
    condition : (float, float), default (1, 100)
        The range of the condition number of ``X`` (drawn evenly in log); at most ``1e8`` (the toolkit refuses
        ``X`` closer to rank-deficient than ``1e-10``).
    sparsity : int or (int, int), optional
        The number of non-zero entries of ``beta_star`` (at most ``d``); default: dense.
    positive : bool, default False
        Every entry of ``beta_star`` positive (the off-support ones small, ``0.01`` to ``0.1``), for models that
        only reach ``beta > 0`` (``ib.positive``, ``ib.product``).

    Returns
    -------
    hypothesis.strategies.SearchStrategy of Problem
        ``Problem(X, y, beta_star)``, float64 arrays, ``y = X @ beta_star``.

    Examples
    --------
    >>> from hypothesis import given
    >>> from implicit_bias.testing import underdetermined_problems
    >>> @given(underdetermined_problems(n=2, extra=(1, 3), sparsity=1))
    ... def test_shapes(problem):
    ...     X, y, beta_star = problem
    ...     assert X.shape[0] == 2 < X.shape[1] and (beta_star != 0).sum() == 1
    >>> test_shapes()
    """
    n_range, extra_range = _range(n, "n", 1), _range(extra, "extra", 1)
    if not (isinstance(condition, tuple) and len(condition) == 2):
        raise InputError(f"condition={condition!r}: give a pair (min, max) of condition numbers, e.g. (1, 100)")
    c_lo = check_real(condition[0], "condition[0]", "a condition number >= 1", positive=True)
    c_hi = check_real(condition[1], "condition[1]", "a condition number <= 1e8", positive=True)
    if not 1.0 <= c_lo <= c_hi <= 1e8:
        raise InputError(f"condition={condition!r}: need 1 <= min <= max <= 1e8")
    k_range = None if sparsity is None else _range(sparsity, "sparsity", 1)
    if k_range is not None and k_range[0] > n_range[1] + extra_range[1]:
        raise InputError(f"sparsity={sparsity!r}: more non-zeros than the largest d = {n_range[1] + extra_range[1]}")

    @st.composite
    def draw_problem(draw: Any) -> Problem:
        rows = draw(st.integers(*n_range))
        d = rows + draw(st.integers(*extra_range))
        log_cond = draw(st.floats(float(np.log10(c_lo)), float(np.log10(c_hi))))
        k = d if k_range is None else draw(st.integers(min(k_range[0], d), min(k_range[1], d)))
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        X = _design(rng, rows, d, 10.0**log_cond)
        support = rng.choice(d, size=k, replace=False)
        if positive:
            beta = rng.uniform(0.01, 0.1, d)
            beta[support] = rng.uniform(0.5, 1.5, k)
        else:
            beta = np.zeros(d)
            beta[support] = rng.choice([-1.0, 1.0], k) * rng.uniform(0.5, 1.5, k)
        return Problem(X, X @ beta, beta)

    return draw_problem()


def alpha_scales(min_log10: float = -300.0, max_log10: float = 3.0) -> st.SearchStrategy[mpmath.mpf]:
    """Initialization scales ``alpha = 10**x``, ``x`` drawn from ``[min_log10, max_log10]``, as ``mpmath.mpf``.

    Many decades by default (``1e-300`` to ``1e3``): the rich end is where a regularizer's ``alpha``-dependence
    hides behind its l1 limit, and below ``1e-308`` no float can hold the scale.

    Examples
    --------
    >>> from hypothesis import given
    >>> import mpmath
    >>> from implicit_bias.testing import alpha_scales
    >>> @given(alpha_scales(-1000, -400))
    ... def test_tiny(alpha):
    ...     assert mpmath.mpf("1e-1001") < alpha < mpmath.mpf("1e-399")
    >>> test_tiny()
    """
    lo = check_real(min_log10, "min_log10", "log10 of the smallest alpha, e.g. -300")
    hi = check_real(max_log10, "max_log10", "log10 of the largest alpha, e.g. 3")
    if not lo <= hi:
        raise InputError(f"min_log10={min_log10!r}, max_log10={max_log10!r}: need min_log10 <= max_log10")

    def power(x: float) -> mpmath.mpf:
        with mpmath.workdps(30):
            return mpmath.mpf(10) ** mpmath.mpf(x)

    return st.floats(lo, hi).map(power)
