"""What a model IS: ``beta_i = phi(w_i)`` per coordinate, an initialization family and learning rates.

A :class:`Parametrization` is a frozen dataclass of SymPy expressions that checks itself on
construction. It knows nothing about how its regularizer is derived (that is :mod:`implicit_bias.derive`)
nor about numbers (that is :mod:`implicit_bias.flow`); it only offers its expressions and, at the boundary,
numeric callables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sympy as sp

from .._parse import parse_expr
from ..errors import CriticalInitializationError, ParametrizationError
from ..symbols import ALPHA, combine_real_radicals

if TYPE_CHECKING:  # pragma: no cover
    from .shared import SharedParametrization

__all__ = ["ALPHA", "Parametrization", "combine_real_radicals", "param_symbol", "shape_symbol"]

_RESERVED = {"alpha", "beta", "sigma", "s", "t"}


def param_symbol(name: str) -> sp.Symbol:
    """The real symbol used for a parameter called ``name``."""
    return sp.Symbol(name, real=True)


def shape_symbol(name: str, assumption: str = "positive") -> sp.Symbol:
    """A symbol for a shape or other constant: ``positive`` (default), ``nonnegative`` or ``real``."""
    if assumption not in {"positive", "nonnegative", "real"}:
        raise ParametrizationError(
            f"symbols[{name!r}]={assumption!r}: unknown assumption; use 'positive', 'nonnegative' or 'real'"
        )
    return sp.Symbol(name, **{assumption: True})


@dataclass(frozen=True)
class Parametrization:
    """A per-coordinate parametrization ``beta_i = phi(w_i)``, ``w_i`` in R^k, with its initialization.

    Gradient flow ``w' = -eta * grad_w L`` on the squared loss of ``X beta = y``, started at
    ``w_i(0) = w0`` (expressions in :data:`ALPHA` and shape symbols), is what the regularizer
    describes.

    Parameters
    ----------
    phi : sympy.Expr
        The map from one coordinate's parameters to ``beta_i``.
    params : tuple of sympy.Symbol
        The parameters ``w = (w_1, ..., w_k)`` (real symbols).
    init : tuple of sympy.Expr
        ``w0``, one expression per parameter, in ``alpha`` and shape symbols.
    lr : tuple of sympy.Expr
        Per-parameter learning-rate multipliers ``eta`` (positive).
    name, citation : str
        Shown in reports; the catalogue fills them in.

    Examples
    --------
    >>> p = Parametrization.from_expr("u**2 - v**2", params=["u", "v"], init={"u": "alpha", "v": "alpha"})
    >>> p.phi, p.init, p.beta0
    (u**2 - v**2, (alpha, alpha), 0)
    """

    phi: sp.Expr
    params: tuple[sp.Symbol, ...]
    init: tuple[sp.Expr, ...]
    lr: tuple[sp.Expr, ...] = ()
    name: str = ""
    citation: str = ""
    alpha: sp.Symbol = field(default=ALPHA)

    def __post_init__(self) -> None:
        if not self.lr:
            object.__setattr__(self, "lr", tuple(sp.Integer(1) for _ in self.params))
        object.__setattr__(self, "phi", sp.sympify(self.phi))
        object.__setattr__(self, "init", tuple(sp.sympify(e) for e in self.init))
        object.__setattr__(self, "lr", tuple(sp.sympify(e) for e in self.lr))
        self._validate()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_expr(
        cls,
        expr: str,
        params: Sequence[str],
        init: Mapping[str, str | int | float],
        lr: Mapping[str, str | int | float] | None = None,
        *,
        symbols: Mapping[str, str] | Sequence[str] = (),
        name: str = "",
    ) -> Parametrization:
        """Build a parametrization from user strings, parsed with a whitelist (never evaluated).

        Parameters
        ----------
        expr : str
            ``phi`` in Python syntax, e.g. ``"u**2 - v**2"``.
        params : sequence of str
            Names of the parameters, e.g. ``["u", "v"]``.
        init : mapping of str to str or number
            The initialization of each parameter, e.g. ``{"u": "alpha", "v": "alpha*c"}``.
        lr : mapping of str to str or number, optional
            Learning-rate multipliers (default 1 for every parameter).
        symbols : mapping of str to assumption, or sequence of str
            Extra constants the strings may use (shapes), ``positive`` unless said otherwise,
            e.g. ``{"c": "positive", "delta": "real"}``.

        Examples
        --------
        >>> p = Parametrization.from_expr("u**2 - v**2", ["u", "v"], {"u": "alpha*c", "v": "alpha*c"},
        ...                               symbols=["c"])
        >>> p.beta0
        0
        """
        names, psyms, consts = user_names(params, symbols, example="['u', 'v']")
        phi = parse_expr(expr, {**psyms, **consts}, argument="expr")
        w0, eta = user_values(names, init, lr, consts)
        return cls(phi, tuple(psyms[n] for n in names), w0, eta, name=name or expr)

    @staticmethod
    def from_exprs(
        exprs: Sequence[str],
        params: Sequence[str] | str,
        init: Mapping[str, str | int | float],
        lr: Mapping[str, str | int | float] | None = None,
        *,
        symbols: Mapping[str, str] | Sequence[str] = (),
        name: str = "",
    ) -> SharedParametrization:
        """A vector model ``beta_i = G_i(w)`` whose outputs share parameters, from user strings.

        A :class:`Parametrization` is one expression repeated over the coordinates, each with parameters of its
        own; a model with shared parameters is a fixed list of expressions over one parameter vector, so it is its
        own class, :class:`~implicit_bias.parametrizations.shared.SharedParametrization` (see there for the
        arguments). ``ib.derive`` treats it by Li, Wang, Lee & Arora's construction when its gradient fields
        commute, and through conserved quantities (a time-warped mirror flow) when they do not.

        Examples
        --------
        >>> p = Parametrization.from_exprs(["u1*u1 - v1*v1 + u2*u2 - v2*v2", "u2*u2 - v2*v2"], params="u1,u2,v1,v2",
        ...                                init={"u1": "alpha", "u2": "alpha", "v1": "alpha", "v2": "alpha"})
        >>> type(p).__name__, p.commuting
        ('SharedParametrization', True)
        """
        from .shared import SharedParametrization

        return SharedParametrization.from_exprs(exprs, params, init, lr, symbols=symbols, name=name)

    # ------------------------------------------------------------------ derived facts
    @property
    def k(self) -> int:
        """Number of parameters per coordinate."""
        return len(self.params)

    @property
    def constants(self) -> tuple[sp.Symbol, ...]:
        """The non-parameter symbols (``alpha`` first if present), sorted by name."""
        syms: set[sp.Symbol] = set()
        for e in (self.phi, *self.init, *self.lr):
            syms |= {s for s in e.free_symbols if s not in self.params}
        ordered = sorted(syms, key=lambda s: s.name)
        return tuple(sorted(ordered, key=lambda s: s != self.alpha))

    @property
    def grad_phi(self) -> tuple[sp.Expr, ...]:
        """The gradient of ``phi`` with respect to the parameters."""
        return tuple(sp.diff(self.phi, w) for w in self.params)

    @property
    def w0(self) -> dict[sp.Symbol, sp.Expr]:
        """Substitution mapping each parameter to its initialization."""
        return dict(zip(self.params, self.init, strict=True))

    @property
    def beta0(self) -> sp.Expr:
        """``phi(w0)``, the predictor at initialization (0 for an unbiased initialization)."""
        return sp.expand(sum(combine_real_radicals(t) for t in sp.Add.make_args(sp.expand(self.phi.subs(self.w0)))))

    @property
    def tangent_kernel(self) -> sp.Expr:
        """``<grad phi(w0), eta grad phi(w0)>``: the per-coordinate tangent kernel at initialization."""
        return sp.expand(sum(e * g.subs(self.w0) ** 2 for e, g in zip(self.lr, self.grad_phi, strict=True)))

    # ------------------------------------------------------------------ validation
    def _validate(self) -> None:
        if not self.params:
            raise ParametrizationError("params=(): a parametrization needs at least one parameter")
        if len(self.init) != len(self.params):
            raise ParametrizationError(
                f"init={self.init!r}: {len(self.init)} values for {len(self.params)} parameters "
                f"{self.params!r}; give one initialization per parameter"
            )
        if len(self.lr) != len(self.params):
            raise ParametrizationError(
                f"lr={self.lr!r}: {len(self.lr)} values for {len(self.params)} parameters; give one per parameter"
            )
        for p in self.params:
            if not isinstance(p, sp.Symbol):
                raise ParametrizationError(f"params: {p!r} is not a symbol")
        if not (self.phi.free_symbols & set(self.params)):
            raise ParametrizationError(
                f"expr={self.phi}: phi does not depend on the parameters {self.params}; "
                "beta must be a function of them"
            )
        for w, e in zip(self.params, self.init, strict=True):
            if e.free_symbols & set(self.params):
                raise ParametrizationError(f"init[{w}]={e}: an initialization may not use the parameters")
            if e.is_real is False:
                raise ParametrizationError(f"init[{w}]={e}: the initialization must be real")
        for w, e in zip(self.params, self.lr, strict=True):
            if e.free_symbols & set(self.params):
                raise ParametrizationError(f"lr[{w}]={e}: a learning rate may not use the parameters")
            if e.is_positive is False or (e.is_number and not e.is_positive):
                raise ParametrizationError(
                    f"lr[{w}]={e}: learning-rate multipliers must be positive; use e.g. lr={{'{w}': 1}}"
                )
        value = self.phi.subs(self.w0)
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo) or value.is_extended_real is False or value.has(sp.I):
            raise ParametrizationError(
                f"init={dict(zip(self.params, self.init, strict=True))}: phi = {self.phi} is not real and finite there "
                f"(phi(w0) = {value}); start where phi is defined, e.g. with log(u) at u = alpha > 0"
            )
        grad0 = [sp.expand(g.subs(self.w0)) for g in self.grad_phi]
        if all(g == 0 for g in grad0):
            raise CriticalInitializationError(
                f"init={dict(zip(self.params, self.init, strict=True))}: grad phi = 0 there, so gradient flow "
                f"never leaves the initialization (phi={self.phi}); start away from this critical point, "
                "e.g. with every parameter non-zero"
            )


def _check_keys(given: Mapping[str, Any], params: Sequence[str], argument: str) -> Mapping[str, Any]:
    if not isinstance(given, Mapping):
        raise ParametrizationError(f"{argument}={given!r}: expected a mapping from parameter name to value")
    missing = [n for n in params if n not in given]
    unknown = [n for n in given if n not in params]
    if missing or unknown:
        raise ParametrizationError(
            f"{argument}={dict(given)!r}: "
            + (f"missing {missing}" if missing else "")
            + ("; " if missing and unknown else "")
            + (f"unknown {unknown}" if unknown else "")
            + f"; give exactly one value for each of {list(params)}"
        )
    return given


def _parse_value(value: str | int | float, consts: Mapping[str, sp.Symbol], argument: str) -> sp.Expr:
    if isinstance(value, bool):
        raise ParametrizationError(f"{argument}={value!r}: expected a number or an expression such as 'alpha'")
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ParametrizationError(f"{argument}={value!r}: must be finite")
        return sp.Rational(repr(value))
    return parse_expr(str(value), consts, argument=argument)


def user_names(params: Sequence[str] | str, symbols: Mapping[str, str] | Sequence[str], example: str,
               reserved_prefix: str = "") -> tuple[list[str], dict[str, sp.Symbol], dict[str, Any]]:
    """The parameter names a user typed (a list, or one comma-separated string), checked, with their symbols and
    the constants the strings may use (``alpha`` and the ``symbols``); ``reserved_prefix`` names are refused too."""
    names = [n.strip() for n in params.split(",") if n.strip()] if isinstance(params, str) else list(params)
    if not names:
        raise ParametrizationError(f"params=[]: give at least one parameter name, e.g. params={example}")
    for n in names:
        if not isinstance(n, str) or not n.isidentifier() or n in _RESERVED or \
                (reserved_prefix and n.startswith(reserved_prefix)):
            also = f" and {reserved_prefix}1, {reserved_prefix}2, ..." if reserved_prefix else ""
            raise ParametrizationError(
                f"params: {n!r} is not a usable parameter name; use identifiers other than "
                f"{', '.join(sorted(_RESERVED))}{also}")
    if len(set(names)) != len(names):
        raise ParametrizationError(f"params={names!r}: names repeat; give each parameter once")
    if isinstance(symbols, Mapping):
        extra = {n: shape_symbol(n, a) for n, a in symbols.items()}
    else:
        extra = {n: shape_symbol(n) for n in symbols}
    for n in extra:
        if n in names or n in _RESERVED or not n.isidentifier():
            raise ParametrizationError(f"symbols: {n!r} clashes with a parameter or reserved name")
    return names, {n: param_symbol(n) for n in names}, {"alpha": ALPHA, **extra}


def user_values(names: list[str], init: Mapping[str, str | int | float], lr: Mapping[str, str | int | float] | None,
                consts: dict[str, Any]) -> tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...]]:
    """The initialization and learning rates a user typed, one per parameter (learning rates 1 by default)."""
    init_map = _check_keys(init, names, "init")
    lr_map = _check_keys(lr or dict.fromkeys(names, 1), names, "lr")
    return (tuple(_parse_value(init_map[n], consts, f"init[{n!r}]") for n in names),
            tuple(_parse_value(lr_map[n], consts, f"lr[{n!r}]") for n in names))
