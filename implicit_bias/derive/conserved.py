"""Conserved quantities of gradient flow that hold for EVERY loss: quadratic forms ``C(w)`` with
``grad C . eta grad G_i = 0`` for each output ``i``.

Gradient flow moves ``w`` along ``-sum_i g_i eta grad G_i`` with ``g = grad_beta L`` arbitrary, so ``C`` is conserved
for every loss exactly when it is constant along each field ``V_i = eta grad G_i``. For a polynomial model the
condition on a quadratic form ``C(w) = w^T S w`` is linear in the entries of ``S``: the coefficients of every
monomial of ``grad C . V_i`` vanish. The engine solves that linear system symbolically; its solution space is the
space of such invariants. For layered (homogeneous) models it contains the balancedness of each neuron:
``eta_w a^2 - eta_a ||w||^2`` for ``a * w`` (Du, Hu & Lee 2018; Azulay et al. 2021, Kunin et al. 2024), the matrix
``eta_W A^T A - eta_A W W^T`` for ``A W``.
"""

from __future__ import annotations

import sympy as sp

from ..parametrizations.shared import SharedParametrization

__all__ = ["conserved_quantities", "is_conserved"]


def is_conserved(C: sp.Expr, p: SharedParametrization) -> bool:
    """Whether ``C`` is constant along every field ``eta grad G_i`` (checked symbolically)."""
    grad = sp.Matrix([sp.diff(C, w) for w in p.params])
    return all(sp.expand((grad.T * V)[0]) == 0 for V in p.fields)


def conserved_quantities(p: SharedParametrization) -> list[sp.Expr]:
    """A basis of the quadratic forms conserved by gradient flow of ``p`` for every loss.

    Returns ``[]`` for a model that is not polynomial in its parameters (the linear system needs monomials).
    Each form is scaled to have coprime integer-like coefficients where possible.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> p = ib.Parametrization.from_exprs(["a*w1", "a*w2"], "a,w1,w2", {"a": 1, "w1": 1, "w2": 0},
    ...                                   lr={"a": 2, "w1": 3, "w2": 3})
    >>> conserved_quantities(p)
    [3*a**2 - 2*w1**2 - 2*w2**2]
    """
    ws = p.params
    if not all(sp.expand(g).is_polynomial(*ws) for g in p.exprs):
        return []
    D = len(ws)
    unknowns = {(k, m): sp.Dummy(f"s{k}{m}") for k in range(D) for m in range(k, D)}
    S = sp.Matrix(D, D, lambda k, m: unknowns[(min(k, m), max(k, m))])
    w = sp.Matrix(ws)
    grad = 2 * S * w
    equations = []
    for V in p.fields:
        expr = sp.expand((grad.T * V)[0])
        if expr != 0:
            equations += sp.Poly(expr, *ws).coeffs()
    unknown_list = list(unknowns.values())
    if not equations:
        solution = {u: u for u in unknown_list}
    else:
        solved = sp.linsolve(equations, unknown_list)
        if not solved:
            return []
        solution = dict(zip(unknown_list, next(iter(solved)), strict=True))
    form = sp.expand((w.T * S.subs(solution) * w)[0])
    free = sorted(form.free_symbols & set(unknown_list), key=unknown_list.index)
    out = []
    for u in free:
        C = sp.expand(form.subs({v: (1 if v == u else 0) for v in free}))
        if C != 0:
            out.append(_tidy(C, ws))
    return out


def _tidy(C: sp.Expr, ws: tuple[sp.Symbol, ...]) -> sp.Expr:
    """``C`` over a common denominator, without a common factor, with a positive leading coefficient."""
    num = sp.expand(sp.fraction(sp.together(C))[0])
    _content, prim = sp.Poly(num, *ws).primitive()
    out = prim.as_expr()
    return sp.expand(-out) if prim.LC().could_extract_minus_sign() else out
