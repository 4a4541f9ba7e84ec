"""The symbols every part of the engine shares, and the targeted SymPy clean-ups they use.

``beta`` (the primal variable of a regularizer), ``sigma`` (its dual: ``grad Q(beta) = sigma`` at
``beta = b(sigma)``) and ``alpha`` (the initialization scale) are one SymPy symbol each, with one set of
assumptions, so that expressions built in different modules combine and cancel. The clean-ups replace
``simplify()``: each does one targeted rewrite that is valid under the stated assumptions.

Examples
--------
>>> from implicit_bias.symbols import ALPHA, BETA, tidy_in
>>> tidy_in(BETA * (ALPHA**2 + ALPHA**2) + BETA**2 * ALPHA, BETA)
2*alpha**2*beta + alpha*beta**2
"""

from __future__ import annotations

import sympy as sp

__all__ = ["ALPHA", "BETA", "SIGMA", "combine_real_radicals", "tidy", "tidy_in"]

#: The primal variable of the regularizer.
BETA = sp.Symbol("beta", real=True)

#: The dual variable: ``grad Q(beta) = sigma`` at ``beta = b(sigma)``.
SIGMA = sp.Symbol("sigma", real=True)

#: The initialization scale: every initialization is an expression in this positive symbol.
ALPHA = sp.Symbol("alpha", positive=True)

#: Largest coefficient (in operations) that :func:`tidy` factors; larger ones are left expanded.
_FACTOR_MAX_OPS = 60


def tidy(e: sp.Expr) -> sp.Expr:
    """Targeted clean-up of a coefficient: expand, denest and rationalize radicals (no ``simplify``).

    Examples
    --------
    >>> tidy(1 / (sp.sqrt(2) + 1))
    -1 + sqrt(2)
    """
    e = sp.expand(sp.powsimp(sp.expand(e), force=False))
    e = sp.radsimp(sp.sqrtdenest(e))
    e = sp.expand(e)
    # multivariate factoring is exponential in the worst case: only for small coefficients
    return sp.factor(e) if sp.count_ops(e) <= _FACTOR_MAX_OPS else e


def tidy_in(expr: sp.Expr, x: sp.Symbol) -> sp.Expr:
    """Collect ``expr`` on the functions of ``x`` it contains, tidying each coefficient.

    Examples
    --------
    >>> tidy_in(SIGMA * sp.exp(SIGMA) + 3 * sp.exp(SIGMA) * SIGMA, SIGMA)
    4*sigma*exp(sigma)
    """
    expr = sp.expand(expr)
    keys = sorted((a for a in expr.atoms(sp.Function, sp.Pow) if a.has(x)), key=sp.default_sort_key)
    collected = sp.collect(expr, [*keys, x], evaluate=False)
    return sp.Add(*[tidy(c) * k for k, c in collected.items()])


def combine_real_radicals(prod: sp.Expr) -> sp.Expr:
    """Combine a product of real initial values into one radical: ``sqrt(x) sqrt(y) = sqrt(x y)``.

    Valid for products of the (real) initial values, whose radicands are therefore non-negative;
    not for arbitrary expressions.

    Examples
    --------
    >>> combine_real_radicals(sp.sqrt(2 * ALPHA) * sp.sqrt(3 * ALPHA))
    sqrt(6)*alpha
    """
    combined = sp.powsimp(sp.expand(prod), force=True)
    combined = combined.replace(lambda e: e.is_Pow and not e.exp.is_Integer, lambda e: sp.Pow(sp.expand(e.base), e.exp))
    return sp.radsimp(sp.expand(combined))
