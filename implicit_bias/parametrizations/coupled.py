"""Vector parametrizations ``beta_i = G_i(w)`` with shared parameters: separable or not, commuting or not.

The mirror-flow method needs each coordinate to have parameters of its own. When outputs share parameters,
gradient flow is still a mirror flow if the gradients commute (zero Lie brackets
``[grad G_i, grad G_j] = H_j grad G_i - H_i grad G_j``; Li, Wang, Lee & Arora 2022), and is not one otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from .._parse import parse_expr
from ..errors import NoMirrorPotentialError, NotSeparableError, ParametrizationError
from .base import ALPHA, Parametrization, param_symbol, shape_symbol

__all__ = ["lie_bracket", "split_coordinates"]


def lie_bracket(f: sp.Expr, g: sp.Expr, params: Sequence[sp.Symbol]) -> sp.Matrix:
    """``[grad f, grad g] = Hess(g) grad f - Hess(f) grad g`` (zero iff the gradient flows commute)."""
    gf = sp.Matrix([sp.diff(f, w) for w in params])
    gg = sp.Matrix([sp.diff(g, w) for w in params])
    return sp.expand(sp.hessian(g, params) * gf - sp.hessian(f, params) * gg)


def split_coordinates(
    exprs: Sequence[str],
    params: Sequence[str],
    init: Mapping[str, str | int | float],
    lr: Mapping[str, str | int | float] | None = None,
    *,
    symbols: Sequence[str] = (),
) -> tuple[Parametrization, ...]:
    """Split ``beta_i = G_i(w)`` into per-coordinate parametrizations, or say why that is impossible.

    Raises
    ------
    NoMirrorPotentialError
        If two outputs share parameters and their gradients do not commute.
    NotSeparableError
        If they share parameters but commute. Either way the model is a vector model:
        :meth:`Parametrization.from_exprs <implicit_bias.Parametrization.from_exprs>` builds it and ``derive``
        treats it.

    Examples
    --------
    >>> split_coordinates(["u1*v1", "u1*v2"], ["u1", "v1", "v2"], {"u1": 1, "v1": 1, "v2": 1})
    Traceback (most recent call last):
    ...
    implicit_bias.errors.NoMirrorPotentialError: ...
    """
    if isinstance(exprs, str) or not exprs:
        raise ParametrizationError(f"exprs={exprs!r}: give a list with one expression per output coordinate")
    psyms = {n: param_symbol(n) for n in params}
    consts = {"alpha": ALPHA, **{n: shape_symbol(n) for n in symbols}}
    G = [parse_expr(e, {**psyms, **consts}, argument=f"exprs[{i}]") for i, e in enumerate(exprs)]
    plist = [psyms[n] for n in params]
    uses = [g.free_symbols & set(plist) for g in G]
    for i in range(len(G)):
        for j in range(i + 1, len(G)):
            shared = uses[i] & uses[j]
            if not shared:
                continue
            br = lie_bracket(G[i], G[j], plist)
            if any(e != 0 for e in br):
                raise NoMirrorPotentialError(
                    f"exprs[{i}]={exprs[i]!r} and exprs[{j}]={exprs[j]!r} share {sorted(map(str, shared))} and their "
                    f"gradients do not commute (Lie bracket {list(br)} != 0): gradient flow is not a mirror flow of a "
                    "fixed potential (Li, Wang, Lee & Arora 2022), so the coordinates cannot be split. Conserved "
                    "quantities may still reduce it to a time-warped mirror flow (the single neuron a*w): build the "
                    "model with Parametrization.from_exprs(...) and derive it."
                )
            raise NotSeparableError(
                f"exprs[{i}]={exprs[i]!r} and exprs[{j}]={exprs[j]!r} share {sorted(map(str, shared))}: the "
                "gradients commute, so a mirror potential exists (Li et al. 2022), but the coordinates cannot be split "
                "into separable ones; build the model with Parametrization.from_exprs(...) and derive it (Li et al.'s "
                "construction)."
            )
    out = []
    for i, (e, used) in enumerate(zip(exprs, uses, strict=True)):
        names = [n for n in params if psyms[n] in used]
        if not names:
            raise ParametrizationError(f"exprs[{i}]={e!r}: uses none of the parameters")
        out.append(Parametrization.from_expr(e, names, {n: init[n] for n in names},
                                             {n: (lr or {}).get(n, 1) for n in names}, symbols=list(symbols)))
    return tuple(out)
