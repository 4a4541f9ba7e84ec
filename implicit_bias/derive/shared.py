"""``derive`` for vector models with shared parameters: which construction applies, in order.

* Commuting gradient fields: the mirror potential of Li, Wang, Lee & Arora (2022)
  (:mod:`~implicit_bias.derive.commuting`).
* Non-commuting fields: gradient flow is not a mirror flow of any fixed potential, but conserved quantities may
  reduce it to a *time-warped* mirror flow on their level set, whose potential still characterizes the limit
  (:mod:`~implicit_bias.derive.warped`; the single neuron ``a * w``, Azulay et al. 2021, Kunin et al. 2024).
* Otherwise :class:`~implicit_bias.errors.NoMirrorPotentialError` with the bracket and the conserved quantities
  that were found.
"""

from __future__ import annotations

from typing import Any

from ..errors import MethodDoesNotApply, NoMirrorPotentialError
from ..parametrizations.shared import SharedParametrization
from .commuting import derive_commuting

__all__ = ["derive_shared"]


def derive_shared(p: SharedParametrization) -> Any:
    """The regularizer of a vector model: a CommutingRegularizer or a WarpedRegularizer (see the module)."""
    if p.commuting:
        return derive_commuting(p)
    from .conserved import conserved_quantities
    from .warped import derive_warped

    try:
        return derive_warped(p)
    except MethodDoesNotApply as exc:
        (i, j), br = next(iter(p.brackets.items()))
        found = conserved_quantities(p)
        raise NoMirrorPotentialError(
            f"exprs[{i}]={p.exprs[i]} and exprs[{j}]={p.exprs[j]}: their gradient fields do not commute (Lie "
            f"bracket {list(br)} != 0), so gradient flow is not a mirror flow of a fixed potential (Li, Wang, Lee "
            f"& Arora 2022). Conserved quantities found: {[str(c) for c in found] or 'none'}; no reduction to a "
            f"time-warped mirror flow applies ({exc}). The flow itself still runs: ib.flow.shared_flow."
        ) from None
