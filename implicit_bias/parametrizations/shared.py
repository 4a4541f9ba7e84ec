"""Vector models with shared parameters: ``beta_i = G_i(w)``, ``i = 1..d``, one parameter vector ``w`` in R^D.

:class:`~implicit_bias.parametrizations.base.Parametrization` is a *per-coordinate* model: its one expression
``phi`` is repeated over the ``d`` coordinates, each with parameters of its own, and every engine built on it
(the curve of ``eta * grad phi``, the exact tail of the flow) relies on that separability. A model whose outputs
share parameters -- ``beta = A (u*u - v*v)``, the single neuron ``beta = a * w`` -- is a different object: a
fixed number ``d`` of expressions over one parameter vector. It is :class:`SharedParametrization`, built with
:meth:`Parametrization.from_exprs <implicit_bias.parametrizations.base.Parametrization.from_exprs>` (or
:meth:`SharedParametrization.from_exprs`). It knows its Jacobian and the Lie brackets of its gradient fields;
what follows from them (a mirror potential for commuting gradients, a time-warped one through conserved
quantities) is derived in :mod:`implicit_bias.derive`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import sympy as sp

from .._parse import parse_expr
from ..errors import CriticalInitializationError, ParametrizationError
from ..symbols import ALPHA
from .base import combine_real_radicals, user_names, user_values

__all__ = ["SharedParametrization", "beta_symbols"]


def beta_symbols(d: int) -> tuple[sp.Symbol, ...]:
    """The real symbols ``beta1, ..., betad`` in which a vector model's regularizer is written."""
    return tuple(sp.Symbol(f"beta{i + 1}", real=True) for i in range(d))


@dataclass(frozen=True)
class SharedParametrization:
    """A vector model ``beta_i = G_i(w)`` whose outputs share the parameters ``w``, with its initialization.

    Gradient flow ``w' = -eta * grad_w L(G(w))`` from ``w(0) = w0`` (expressions in :data:`ALPHA` and shape
    symbols) is what a derived regularizer describes.

    Parameters
    ----------
    exprs : tuple of sympy.Expr
        ``G_1, ..., G_d``.
    params : tuple of sympy.Symbol
        The parameters ``w_1, ..., w_D`` (real symbols).
    init, lr : tuple of sympy.Expr
        ``w0`` and the learning-rate multipliers ``eta`` (positive), one per parameter.
    name, citation : str
        Shown in reports.

    Examples
    --------
    >>> p = SharedParametrization.from_exprs(["2*(u1**2 - v1**2) + u2**2 - v2**2", "u1**2 - v1**2 + u2**2 - v2**2"],
    ...                                      params=["u1", "u2", "v1", "v2"], init=dict.fromkeys(
    ...                                      ["u1", "u2", "v1", "v2"], "alpha"))
    >>> p.d, p.D, p.beta0, p.commuting
    (2, 4, (0, 0), True)
    """

    exprs: tuple[sp.Expr, ...]
    params: tuple[sp.Symbol, ...]
    init: tuple[sp.Expr, ...]
    lr: tuple[sp.Expr, ...] = ()
    name: str = ""
    citation: str = ""
    alpha: sp.Symbol = field(default=ALPHA)

    def __post_init__(self) -> None:
        if not self.lr:
            object.__setattr__(self, "lr", tuple(sp.Integer(1) for _ in self.params))
        object.__setattr__(self, "exprs", tuple(sp.sympify(e) for e in self.exprs))
        object.__setattr__(self, "init", tuple(sp.sympify(e) for e in self.init))
        object.__setattr__(self, "lr", tuple(sp.sympify(e) for e in self.lr))
        self._validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_exprs(
        cls,
        exprs: Sequence[str],
        params: Sequence[str] | str,
        init: Mapping[str, str | int | float],
        lr: Mapping[str, str | int | float] | None = None,
        *,
        symbols: Mapping[str, str] | Sequence[str] = (),
        name: str = "",
    ) -> SharedParametrization:
        """Build a vector model from user strings, parsed with a whitelist (never evaluated).

        Parameters
        ----------
        exprs : sequence of str
            One expression per output coordinate, e.g. ``["a*w1", "a*w2"]``.
        params, init, lr, symbols, name
            As in :meth:`Parametrization.from_expr <implicit_bias.Parametrization.from_expr>`.

        Examples
        --------
        >>> p = SharedParametrization.from_exprs(["a*w1", "a*w2"], "a,w1,w2", {"a": 1, "w1": 1, "w2": 0})
        >>> p.exprs, p.commuting
        ((a*w1, a*w2), False)
        """
        if isinstance(exprs, str) or not isinstance(exprs, Sequence) or not exprs:
            raise ParametrizationError(f"exprs={exprs!r}: give a list with one expression per output coordinate, "
                                       "e.g. ['a*w1', 'a*w2']")
        names, psyms, consts = user_names(params, symbols, example="['a', 'w1']", reserved_prefix="beta")
        G = tuple(parse_expr(e, {**psyms, **consts}, argument=f"exprs[{i}]") for i, e in enumerate(exprs))
        w0, eta = user_values(names, init, lr, consts)
        return cls(G, tuple(psyms[n] for n in names), w0, eta, name=name or ", ".join(exprs))

    # ------------------------------------------------------------------ derived facts
    @property
    def d(self) -> int:
        """Number of outputs ``beta_i``."""
        return len(self.exprs)

    @property
    def D(self) -> int:
        """Number of parameters."""
        return len(self.params)

    @property
    def betas(self) -> tuple[sp.Symbol, ...]:
        """``beta1, ..., betad``: the symbols of the regularizer's argument."""
        return beta_symbols(self.d)

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """The non-parameter symbols (``alpha`` first if present), sorted by name."""
        syms: set[sp.Symbol] = set()
        for e in (*self.exprs, *self.init, *self.lr):
            syms |= {s for s in e.free_symbols if s not in self.params}
        ordered = sorted(syms, key=lambda s: s.name)
        return tuple(sorted(ordered, key=lambda s: s != self.alpha))

    @property
    def w0(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitution mapping each parameter to its initialization."""
        return dict(zip(self.params, self.init, strict=True))

    @cached_property
    def jacobian(self) -> sp.Matrix:
        """``J[i, k] = dG_i / dw_k`` (d x D)."""
        return sp.Matrix([[sp.diff(g, w) for w in self.params] for g in self.exprs])

    @cached_property
    def beta0(self) -> tuple[sp.Expr, ...]:
        """``G(w0)``, the predictor at initialization."""
        return tuple(sp.expand(sum(combine_real_radicals(t) for t in sp.Add.make_args(sp.expand(g.subs(self.w0)))))
                     for g in self.exprs)

    @cached_property
    def fields(self) -> tuple[sp.Matrix, ...]:
        """The velocity fields ``V_i = eta * grad G_i`` whose combinations gradient flow follows."""
        return tuple(sp.Matrix([e * self.jacobian[i, k] for k, e in enumerate(self.lr)]) for i in range(self.d))

    def bracket(self, i: int, j: int) -> sp.Matrix:
        """The Lie bracket ``[V_i, V_j] = DV_j V_i - DV_i V_j`` of the fields (zero iff their flows commute)."""
        Vi, Vj = self.fields[i], self.fields[j]
        return (Vj.jacobian(self.params) * Vi - Vi.jacobian(self.params) * Vj).applyfunc(sp.expand)

    @cached_property
    def brackets(self) -> dict[tuple[int, int], sp.Matrix]:
        """The non-zero brackets ``{(i, j): [V_i, V_j]}``, ``i < j`` (empty for a commuting model)."""
        out = {}
        for i in range(self.d):
            for j in range(i + 1, self.d):
                br = self.bracket(i, j)
                if any(e != 0 for e in br):
                    out[(i, j)] = br
        return out

    @property
    def commuting(self) -> bool:
        """Whether every pair of fields commutes (Li, Wang, Lee & Arora 2022): then a mirror potential exists."""
        return not self.brackets

    def numeric_model(self) -> dict[str, Any]:
        """The expressions a numerical integrator needs (SymPy objects), with no derivation attached."""
        return {"exprs": self.exprs, "jacobian": self.jacobian, "params": self.params, "init": self.init,
                "lr": self.lr, "constants": self.constants}

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        if not self.exprs:
            raise ParametrizationError("exprs=(): a vector model needs at least one output")
        if not self.params:
            raise ParametrizationError("params=(): a vector model needs at least one parameter")
        for name, values in (("init", self.init), ("lr", self.lr)):
            if len(values) != len(self.params):
                raise ParametrizationError(f"{name}={values!r}: {len(values)} values for {len(self.params)} "
                                           f"parameters {self.params!r}; give one per parameter")
        for i, g in enumerate(self.exprs):
            if not g.free_symbols & set(self.params):
                raise ParametrizationError(f"exprs[{i}]={g}: uses none of the parameters {self.params}")
        for w, e in zip(self.params, self.init, strict=True):
            if e.free_symbols & set(self.params):
                raise ParametrizationError(f"init[{w}]={e}: an initialization may not use the parameters")
            if e.is_real is False:
                raise ParametrizationError(f"init[{w}]={e}: the initialization must be real")
        for w, e in zip(self.params, self.lr, strict=True):
            if e.free_symbols & set(self.params):
                raise ParametrizationError(f"lr[{w}]={e}: a learning rate may not use the parameters")
            if e.is_positive is False or (e.is_number and not e.is_positive):
                raise ParametrizationError(f"lr[{w}]={e}: learning-rate multipliers must be positive; use e.g. "
                                           f"lr={{'{w}': 1}}")
        J0 = self.jacobian.subs(self.w0).applyfunc(sp.expand)
        if all(e == 0 for e in J0):
            raise CriticalInitializationError(
                f"init={self.w0}: every grad G_i = 0 there, so gradient flow never leaves the initialization; "
                "start away from this critical point, e.g. with every parameter non-zero")
