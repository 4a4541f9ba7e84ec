"""Named parametrizations from the literature: thin constructors over :class:`Parametrization`.

Each only builds ``phi``, ``w0`` and ``eta``; the regularizer is always derived by the engine. The formulas
in the docstrings are what the papers state, for the reader; nothing here is used to compute ``Q``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import sympy as sp

from .._parse import parse_expr
from ..errors import ParametrizationError
from ..symbols import ALPHA
from .base import Parametrization, param_symbol, shape_symbol
from .shared import SharedParametrization

__all__ = ["diagonal", "positive", "product", "single_neuron"]

Value: TypeAlias = sp.Expr | int | float | str


def _expr(v: Value, argument: str) -> sp.Expr:
    if isinstance(v, str):
        if v.isidentifier() and v != "alpha":
            return shape_symbol(v)
        return parse_expr(v, {"alpha": ALPHA}, argument=argument)
    if isinstance(v, bool) or not isinstance(v, (int, float, sp.Expr)):
        raise ParametrizationError(f"{argument}={v!r}: expected a number, a SymPy expression or a symbol name")
    return sp.nsimplify(v) if isinstance(v, float) else sp.sympify(v)


def _depth(D: int, minimum: int) -> int:
    if isinstance(D, bool) or not isinstance(D, int) or minimum > D:
        raise ParametrizationError(f"D={D!r}: the depth must be an integer >= {minimum}")
    return D


def diagonal(D: int = 2, *, shape: Value = 1, lr: tuple[Value, Value] = (1, 1)) -> Parametrization:
    r"""Depth-``D`` diagonal network ``beta = u^D - v^D`` with ``u(0) = v(0) = alpha * shape``.

    Woodworth et al. (2020), "Kernel and Rich Regimes in Overparametrized Models", eq. (3) and Sec. 5.
    For ``D = 2`` the paper's Theorem 1 gives the hypentropy
    :math:`\sum_i \alpha^2 w_{0,i}^2 q(\beta_i / (\alpha^2 w_{0,i}^2))`,
    :math:`q(z) = 2 - \sqrt{4 + z^2} + z\,\mathrm{asinh}(z/2)` (4x this toolkit's normalization);
    for ``D >= 3`` Theorem 3 gives :math:`\alpha^D \sum_i q_D(\beta_i/\alpha^D)`, ``q_D`` the integral of the
    inverse of :math:`h_D(z) = (1-z)^{-D/(D-2)} - (1+z)^{-D/(D-2)}`.

    Parameters
    ----------
    D : int
        Depth, ``>= 2``.
    shape : number, SymPy expression or str
        The initialization shape ``w0`` (a str names a positive symbol, e.g. ``"c"``).
    lr : pair
        Learning-rate multipliers of ``u`` and ``v``.

    Examples
    --------
    >>> diagonal(2, shape="c").init
    (alpha*c, alpha*c)
    """
    D = _depth(D, 2)
    u, v = param_symbol("u"), param_symbol("v")
    w0 = ALPHA * _expr(shape, "shape")
    return Parametrization(u**D - v**D, (u, v), (w0, w0), tuple(_expr(e, "lr") for e in lr),
                           name=f"diagonal network u^{D} - v^{D}",
                           citation="Woodworth et al. 2020, Kernel and Rich Regimes (Thm 1, 3)")


def positive(D: int = 2, *, shape: Value = 1) -> Parametrization:
    r"""Positive model ``beta = u^D``, ``u(0) = alpha * shape``.

    For ``D = 2`` gradient flow is exponentiated gradient / unnormalized-entropy mirror descent
    (Ghai, Hazan & Singer 2020; Woodworth et al. 2020 Sec. 4): :math:`Q \propto \beta\log\beta - \beta`
    up to affine terms.

    Examples
    --------
    >>> positive().phi
    u**2
    """
    D = _depth(D, 2)
    u = param_symbol("u")
    return Parametrization(u**D, (u,), (ALPHA * _expr(shape, "shape"),), name=f"positive u^{D}",
                           citation="Ghai et al. 2020; Woodworth et al. 2020")


def single_neuron(d: int | None = None, *, delta: Value = "delta", lr: tuple[Value, Value] = (1, 1),
                  direction: Sequence[Value] | None = None) -> Parametrization | SharedParametrization:
    r"""Single neuron ``beta = a * w`` with ``|a0| ||w0|| = alpha`` and conserved ``delta``.

    ``delta = eta_w a^2 - eta_a ||w||^2`` is conserved by gradient flow (Azulay et al. 2021, Sec. 6;
    Kunin et al. 2024, "Get rich quick"). The initialization is solved from ``(alpha, delta)``:
    :math:`a_0^2 = (\delta + K)/(2\eta_w)`, :math:`\|w_0\|^2 = (K - \delta)/(2\eta_a)`,
    :math:`K = \sqrt{\delta^2 + 4\eta_a\eta_w\alpha^2}`, with ``a0 > 0`` (the symmetry ``(a, w) -> (-a, -w)``
    leaves ``beta`` unchanged).

    * ``d=None`` (the default): the *scalar* neuron ``beta_i = a_i w_i``, one neuron per coordinate -- a separable
      :class:`Parametrization`, a mirror flow.
    * ``d=k``: ONE neuron ``f(x) = a <w, x>`` with ``w`` in R^k, ``beta = a w`` -- a vector model with shared
      parameters (:class:`~implicit_bias.parametrizations.shared.SharedParametrization`) whose fields do not commute;
      ``ib.derive`` reduces it to a time-warped mirror flow through ``delta``.

    Parameters
    ----------
    d : int, optional
        The input dimension of the one neuron; ``None`` for the per-coordinate scalar model.
    delta : number, SymPy expression or str
        The conserved quantity; a str names a *real* symbol (default ``"delta"``).
    lr : pair
        ``(eta_a, eta_w)``.
    direction : sequence, optional
        The direction of ``w0`` (normalized here; numbers or SymPy expressions); default ``(1, ..., 1) / sqrt(d)``.

    Examples
    --------
    >>> single_neuron(delta=0).init
    (sqrt(alpha), sqrt(alpha))
    >>> p = single_neuron(2, delta=0, direction=(1, 0))
    >>> p.exprs, p.init
    ((a*w1, a*w2), (sqrt(alpha), sqrt(alpha), 0))
    """
    a, w = param_symbol("a"), param_symbol("w")
    dl = shape_symbol(delta, "real") if isinstance(delta, str) else _expr(delta, "delta")
    eta_a, eta_w = (_expr(e, "lr") for e in lr)
    K = sp.sqrt(dl**2 + 4 * eta_a * eta_w * ALPHA**2)
    a0 = sp.sqrt((dl + K) / (2 * eta_w))
    w0 = sp.sqrt((K - dl) / (2 * eta_a))
    if d is None:
        if direction is not None:
            raise ParametrizationError(f"direction={direction!r}: only the one-neuron model (d=...) has a direction")
        return Parametrization(a * w, (a, w), (a0, w0), (eta_a, eta_w), name="single neuron a*w",
                               citation="Azulay et al. 2021; Kunin et al. 2024")
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ParametrizationError(f"d={d!r}: the input dimension must be an integer >= 1 (or None for the scalar "
                                   "per-coordinate neuron)")
    u = [_expr(e, "direction") for e in direction] if direction is not None else [sp.Integer(1)] * d
    if len(u) != d:
        raise ParametrizationError(f"direction={direction!r}: give {d} components, one per input")
    norm = sp.sqrt(sum(c**2 for c in u))
    if norm == 0:
        raise ParametrizationError(f"direction={direction!r}: must be non-zero")
    ws = tuple(param_symbol(f"w{j + 1}") for j in range(d))
    init = (a0, *(sp.radsimp(w0 * c / norm) for c in u))
    return SharedParametrization(tuple(a * wj for wj in ws), (a, *ws), init, (eta_a, *([eta_w] * d)),
                                 name=f"single neuron a*w, w in R^{d}",
                                 citation="Azulay et al. 2021; Kunin et al. 2024")


def product(D: int = 3, *, init: Sequence[Value] | None = None, lr: Sequence[Value] | None = None
            ) -> Parametrization:
    r"""Depth-``D`` scalar product ``beta = w_1 w_2 ... w_D`` with a general initialization.

    Conserved: ``w_j^2/eta_j - w_l^2/eta_l`` (balancedness). The default initialization is
    ``w_j(0) = alpha`` for every layer; ``init`` gives one expression per layer (in ``alpha``).

    Examples
    --------
    >>> product(3).phi
    w1*w2*w3
    """
    D = _depth(D, 2)
    ws = tuple(param_symbol(f"w{j + 1}") for j in range(D))
    w0 = tuple(_expr(e, "init") for e in init) if init is not None else tuple(ALPHA for _ in ws)
    eta = tuple(_expr(e, "lr") for e in lr) if lr is not None else ()
    if len(w0) != D or (eta and len(eta) != D):
        raise ParametrizationError(f"init={init!r}, lr={lr!r}: give exactly D={D} values each")
    return Parametrization(sp.Mul(*ws), ws, w0, eta, name=f"depth-{D} product",
                           citation="Woodworth et al. 2020 Sec. 5; Kunin et al. 2024")
