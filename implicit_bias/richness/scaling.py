r"""Order-of-magnitude bookkeeping of one gradient step of a deep network with layer multipliers.

The model (Karkada 2024, Sec. 2) is ``h_l = g_l W_l h_(l-1)``, ``l = 1..L``, ``h_0 = x``, with
``W_l^(ij) ~ N(0, sigma_l^2)`` and a learning rate ``eta_l`` per layer. The widths are ``n_0`` (input),
``n`` (every hidden layer) and ``n_L`` (output). Every size is a monomial in the widths, so it is stored
as its logarithm: a SymPy expression linear in the log-widths ``ln_n0, ln_n, ln_nL`` and in the unknown
log-sizes (``log g_l``, ``log sigma_l``, ``log eta_l``, ``log ||Delta h_l||``). Constants of order one
are dropped. The relations, derived in ``docs/richness.md``:

* forward at initialization: ``||h_l||^2 ~ g_l^2 sigma_l^2 n_l ||h_(l-1)||^2``, ``||h_0|| ~ sqrt(n_0)``;
* backward: ``||dL/dh_(l-1)||^2 ~ g_l^2 sigma_l^2 n_(l-1) ||dL/dh_l||^2``, ``||dL/dh_L|| ~ 1`` (a residual
  of order one at the output);
* one step ``Delta W_l = -eta_l g_l (dL/dh_l) h_(l-1)^T`` changes ``h_l`` by three terms: the layer's own
  contribution ``g_l Delta W_l h_(l-1) = -eta_l g_l^2 ||h_(l-1)||^2 dL/dh_l``, the passthrough
  ``g_l W_l Delta h_(l-1)`` of size ``g_l sigma_l sqrt(n_(l-1)) ||Delta h_(l-1)||`` (the update of
  ``h_(l-1)`` lies along ``dL/dh_(l-1) = g_l W_l^T dL/dh_l``, the rows of ``W_l``: weight alignment) and the
  interaction ``g_l Delta W_l Delta h_(l-1)``, at most ``eta_l g_l^2 ||dL/dh_l|| ||h_(l-1)|| ||Delta h_(l-1)||``.

Nothing here imposes a criterion: :mod:`.exponents` does, on these expressions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sympy as sp

from .._validation import check_int

__all__ = ["LN_N", "LN_N0", "LN_NL", "N0", "NL", "N", "ScalingModel", "evaluate", "monomial", "width_exponent"]

#: Logarithms of the input width, the hidden width and the output width.
LN_N0, LN_N, LN_NL = sp.symbols("ln_n0 ln_n ln_nL", real=True)
#: The widths themselves (for rendering monomials).
N0, N, NL = sp.symbols("n_0 n n_L", positive=True)
_LOGS = ((LN_N0, N0), (LN_N, N), (LN_NL, NL))


def width_exponent(log_size: sp.Expr) -> sp.Expr:
    """The exponent of the hidden width ``n`` in a log-size (its coefficient of ``ln_n``).

    Examples
    --------
    >>> r = sp.Symbol("r")
    >>> width_exponent(r * LN_N - LN_N0 / 2)
    r
    """
    return sp.expand(log_size).coeff(LN_N)


def monomial(log_size: sp.Expr) -> sp.Expr:
    """The monomial ``n_0^a n^b n_L^c`` whose logarithm is ``log_size`` (linear in the log-widths, no constant).

    Examples
    --------
    >>> monomial((sp.Rational(1, 4)) * LN_N - LN_N0 / 2)
    n**(1/4)/sqrt(n_0)
    """
    expanded = sp.expand(log_size)
    rest = sp.expand(expanded - sum(expanded.coeff(ln) * ln for ln, _ in _LOGS))
    if rest != 0:
        raise ValueError(f"log-size {log_size} is not linear in the log-widths (left over: {rest})")
    return sp.Mul(*[w ** expanded.coeff(ln) for ln, w in _LOGS])


def evaluate(log_size: sp.Expr, n: int, n_in: int, n_out: int) -> float:
    """The monomial of ``log_size`` at hidden width ``n``, input width ``n_in`` and output width ``n_out``.

    Examples
    --------
    >>> evaluate(LN_N / 2 - LN_N0, 16, 2, 1)
    2.0
    """
    return float(monomial(log_size).subs({N0: n_in, N: n, NL: n_out}))


@dataclass(frozen=True)
class ScalingModel:
    """Log-sizes of a depth-``L`` network's activations, gradients and one-step updates.

    Parameters
    ----------
    depth : int
        Number of weight layers ``L >= 2`` (``L - 1`` hidden layers of width ``n``).
    log_g, log_sigma, log_eta, log_dh : sequence of SymPy expressions, optional
        Per layer ``l = 1..L``: the log of the multiplier, of the initialization scale, of the learning rate and
        of ``||Delta h_l||``. Default: unknown symbols ``log_g_l`` etc.

    Examples
    --------
    >>> m = ScalingModel(2)
    >>> m.activation(1)
    ln_n/2 + ln_n0/2 + log_g_1 + log_sigma_1
    """

    depth: int
    log_g: tuple[sp.Expr, ...] = ()
    log_sigma: tuple[sp.Expr, ...] = ()
    log_eta: tuple[sp.Expr, ...] = ()
    log_dh: tuple[sp.Expr, ...] = ()

    def __post_init__(self) -> None:
        check_int(self.depth, "depth", 2, "a network needs an input layer and an output layer (depth >= 2)")
        for name in ("log_g", "log_sigma", "log_eta", "log_dh"):
            given: Sequence[sp.Expr] = getattr(self, name)
            if not given:
                given = sp.symbols(f"{name}_1:{self.depth + 1}", real=True)
            if len(given) != self.depth:
                raise ValueError(f"{name} has {len(given)} entries; give one per layer ({self.depth})")
            object.__setattr__(self, name, tuple(sp.sympify(e) for e in given))

    @property
    def unknowns(self) -> tuple[sp.Symbol, ...]:
        """Every free symbol of the per-layer log-sizes (the log-widths excluded), layer by layer."""
        out: list[sp.Symbol] = []
        for layer in zip(self.log_g, self.log_sigma, self.log_eta, self.log_dh, strict=True):
            for e in layer:
                out += sorted(e.free_symbols - {LN_N0, LN_N, LN_NL} - set(out), key=str)
        return tuple(out)

    def log_width(self, ell: int) -> sp.Expr:
        """``log n_l``: ``ln_n0`` for ``l = 0``, ``ln_nL`` for ``l = L``, ``ln_n`` in between."""
        return LN_N0 if ell == 0 else LN_NL if ell == self.depth else LN_N

    def _layer(self, ell: int) -> int:
        if not 1 <= ell <= self.depth:
            raise ValueError(f"layer {ell} is not in 1..{self.depth}")
        return ell - 1

    def gain(self, ell: int) -> sp.Expr:
        """``log(g_l sigma_l)``: the scale of the effective weight ``g_l W_l`` (gauge invariant)."""
        i = self._layer(ell)
        return self.log_g[i] + self.log_sigma[i]

    def activation(self, ell: int) -> sp.Expr:
        """``log ||h_l||`` at initialization."""
        if ell == 0:
            return LN_N0 / 2
        return sp.expand(self.gain(ell) + self.log_width(ell) / 2 + self.activation(ell - 1))

    def gradient(self, ell: int) -> sp.Expr:
        """``log ||dL/dh_l||`` at initialization (``0`` at the output)."""
        self._layer(ell)
        if ell == self.depth:
            return sp.Integer(0)
        return sp.expand(self.gain(ell + 1) + self.log_width(ell) / 2 + self.gradient(ell + 1))

    def layer_update(self, ell: int) -> sp.Expr:
        """``log ||g_l Delta W_l h_(l-1)||``, the layer's own contribution to ``Delta h_l``."""
        i = self._layer(ell)
        return sp.expand(self.log_eta[i] + 2 * self.log_g[i] + 2 * self.activation(ell - 1) + self.gradient(ell))

    def passthrough(self, ell: int) -> sp.Expr | None:
        """``log ||g_l W_l Delta h_(l-1)||`` (``None`` for ``l = 1``: the input does not change)."""
        i = self._layer(ell)
        if ell == 1:
            return None
        return sp.expand(self.gain(ell) + self.log_width(ell - 1) / 2 + self.log_dh[i - 1])

    def interaction(self, ell: int) -> sp.Expr | None:
        """Upper bound of ``log ||g_l Delta W_l Delta h_(l-1)||`` (``None`` for ``l = 1``)."""
        i = self._layer(ell)
        if ell == 1:
            return None
        return sp.expand(self.log_eta[i] + 2 * self.log_g[i] + self.gradient(ell) + self.activation(ell - 1)
                         + self.log_dh[i - 1])

    def subs(self, values: dict) -> ScalingModel:
        """The same model with ``values`` substituted into every per-layer log-size."""
        def sub(es: tuple[sp.Expr, ...]) -> tuple[sp.Expr, ...]:
            return tuple(sp.expand(e.subs(values)) for e in es)

        return ScalingModel(self.depth, sub(self.log_g), sub(self.log_sigma), sub(self.log_eta), sub(self.log_dh))
