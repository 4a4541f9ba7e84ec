"""The exponent table of the richness scale at one ``r``, in one gauge, with text/JSON/LaTeX renderings.

The table is read off :func:`~implicit_bias.richness.exponents.derive_richness` (nothing is typed in): the
solved ``g_l, sigma_l, eta_l`` are carried to the requested gauge by :mod:`.gauges`, and every size (activations,
updates, gradients) is recomputed from the gauge's own ``(g, sigma, eta)`` by the bookkeeping of :mod:`.scaling`,
so that its gauge invariance is a result, not an assumption.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from .._validation import check_int
from ..errors import InputError
from .exponents import R, RichnessDerivation, derive_richness
from .gauges import check_gauge, gauge_image
from .scaling import LN_N, LN_N0, LN_NL, N0, NL, ScalingModel, monomial, width_exponent
from .scaling import N as N_HIDDEN

__all__ = ["COLUMNS", "LayerRow", "RichnessTable", "check_r", "log_size", "richness_table"]

#: Column keys of a row and their headers.
COLUMNS: dict[str, str] = {
    "g": "g_l", "sigma": "sigma_l", "eta": "eta_l", "h": "||h_l|| (init)", "dh": "||Delta h_l||",
    "layer_update": "layer contrib.", "passthrough": "passthrough", "grad": "||dL/dh_l||",
}
_LATEX_HEADERS = {
    "g": r"$g_\ell$", "sigma": r"$\sigma_\ell$", "eta": r"$\eta_\ell$", "h": r"$\|h_\ell\|$ (init)",
    "dh": r"$\|\Delta h_\ell\|$", "layer_update": r"$\|g_\ell \Delta W_\ell h_{\ell-1}\|$",
    "passthrough": r"$\|g_\ell W_\ell \Delta h_{\ell-1}\|$", "grad": r"$\|\partial L/\partial h_\ell\|$",
}


def log_size(expr: sp.Expr) -> sp.Expr:
    """The log-size (linear in ``ln_n0, ln_n, ln_nL``) of a monomial in the widths ``n_0, n, n_L``.

    Examples
    --------
    >>> log_size(N_HIDDEN ** R / sp.sqrt(N0))
    ln_n*r - ln_n0/2
    """
    logged = sp.expand_log(sp.log(sp.powsimp(sp.sympify(expr))), force=True)
    return sp.expand(logged.subs({sp.log(N0): LN_N0, sp.log(N_HIDDEN): LN_N, sp.log(NL): LN_NL}))


def check_r(r: Any) -> sp.Expr:
    """``r`` as an exact SymPy number in the derived range (``None``: the symbol ``r``).

    Floats are read by their shortest decimal form (``0.1`` is ``1/10``).
    """
    if r is None:
        return R
    if isinstance(r, bool) or not isinstance(r, int | float | Fraction | np.integer | np.floating | sp.Rational):
        raise InputError(f"r={r!r}: expected a number in [0, 1/2] (e.g. 0.25), or None for the symbolic table")
    if isinstance(r, float | np.floating) and not math.isfinite(r):
        raise InputError(f"r={r!r}: expected a finite number in [0, 1/2], e.g. 0.25")
    value = sp.Rational(repr(float(r))) if isinstance(r, float | np.floating) else sp.Rational(r)
    allowed = derive_richness(2).r_range
    if value not in allowed:
        d = derive_richness(2)
        end = "lower" if value < allowed.inf else "upper"
        why = "; ".join(sorted({b.meaning for b in d.binding(end)}))
        raise InputError(f"r={r!r}: outside the range [{allowed.inf}, {allowed.sup}] allowed by the criteria; "
                         f"at the {end} end: {why}. "
                         f"Give r in [{allowed.inf}, {allowed.sup}] (0: lazy NTK, 1/2: rich muP)")
    return value


@dataclass(frozen=True)
class LayerRow:
    """One layer of the table: each entry a monomial in the widths ``n_0, n, n_L`` (``None``: no such term)."""

    layer: int
    entries: dict[str, sp.Expr | None]

    def exponent(self, key: str) -> sp.Expr | None:
        """The exponent of the hidden width ``n`` in entry ``key``."""
        e = self.entries[key]
        return None if e is None else width_exponent(log_size(e))


@dataclass(frozen=True)
class RichnessTable:
    """Exponents of the richness scale at ``r`` (Karkada 2024, Table 1 and its gauge images), any depth.

    ``rows[l - 1].entries`` holds ``g, sigma, eta, h, dh, layer_update, passthrough, grad`` of layer ``l`` as
    monomials in the input width ``n_0``, the hidden width ``n`` and the output width ``n_L``. ``dof`` and
    ``r_range`` are the derivation's.
    """

    r: sp.Expr
    depth: int
    gauge: str
    rows: tuple[LayerRow, ...]
    dof: int
    r_range: sp.Set
    derivation: RichnessDerivation = field(repr=False, compare=False)

    def column(self, key: str) -> list[sp.Expr | None]:
        """Entry ``key`` for every layer."""
        return [row.entries[key] for row in self.rows]

    def exponents(self, key: str) -> list[sp.Expr | None]:
        """n-exponents of entry ``key`` for every layer."""
        return [row.exponent(key) for row in self.rows]

    def hyperparameters(self, n: int, n_in: int, n_out: int) -> dict[str, np.ndarray]:
        """``g``, ``sigma``, ``eta`` per layer as floats at hidden width ``n``, input ``n_in``, output ``n_out``.

        Examples
        --------
        >>> t = richness_table(0.5, depth=3)
        >>> t.hyperparameters(64, 4, 2)["g"]
        array([4.   , 1.   , 0.125])
        """
        if R in self.r.free_symbols:
            raise InputError("this table is symbolic in r; build it with a number, e.g. richness_table(0.25)")
        values = {N0: check_int(n_in, "n_in", 1, "the input width"), N_HIDDEN: check_int(n, "n", 1, "the width"),
                  NL: check_int(n_out, "n_out", 1, "the output width")}
        return {k: np.array([float(sp.sympify(e).subs(values)) for e in self.column(k)]) for k in ("g", "sigma", "eta")}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: every entry as its monomial and its n-exponent (strings of SymPy expressions)."""
        def cell(row: LayerRow, key: str) -> dict[str, str] | None:
            e = row.entries[key]
            return None if e is None else {"monomial": str(e), "exponent": str(row.exponent(key))}

        return {"r": str(self.r), "depth": self.depth, "gauge": self.gauge, "dof": self.dof,
                "r_range": [str(self.r_range.inf), str(self.r_range.sup)],
                "widths": {"n_0": "input", "n": "hidden", "n_L": "output"},
                "layers": [{"layer": row.layer, **{k: cell(row, k) for k in COLUMNS}} for row in self.rows]}

    def to_json(self) -> str:
        """:meth:`as_dict` as an indented JSON string."""
        return json.dumps(self.as_dict(), indent=2)

    def text(self) -> str:
        """A plain-text table with one line per layer."""
        head = ["layer", *COLUMNS.values()]
        body = [[str(row.layer)] + ["0" if row.entries[k] is None else str(row.entries[k]) for k in COLUMNS]
                for row in self.rows]
        widths = [max(len(r[j]) for r in [head, *body]) for j in range(len(head))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [self._title(), "", fmt.format(*head), fmt.format(*["-" * w for w in widths])]
        return "\n".join(lines + [fmt.format(*r) for r in body] + ["", self._footer()])

    def latex(self) -> str:
        """A LaTeX ``tabular`` (math-mode monomials)."""
        cols = "c" * (len(COLUMNS) + 1)
        lines = [f"% {self._title()}", rf"\begin{{tabular}}{{{cols}}}",
                 r"$\ell$ & " + " & ".join(_LATEX_HEADERS[k] for k in COLUMNS) + r" \\", r"\hline"]
        for row in self.rows:
            cells = ["$0$" if row.entries[k] is None else f"${sp.latex(row.entries[k])}$" for k in COLUMNS]
            lines.append(f"{row.layer} & " + " & ".join(cells) + r" \\")
        return "\n".join([*lines, r"\end{tabular}"])

    def _title(self) -> str:
        return (f"richness r = {self.r} (||Delta h|| ~ n^r), depth L = {self.depth}, {self.gauge} gauge; "
                "widths n_0 (input), n (hidden), n_L (output)")

    def _footer(self) -> str:
        return (f"{self.dof} degree of freedom left by the criteria; allowed r in [{self.r_range.inf}, "
                f"{self.r_range.sup}] (0: lazy NTK, {self.r_range.sup}: rich muP)")

    def __str__(self) -> str:
        return self.text()


def _rows(d: RichnessDerivation, r: sp.Expr, gauge: str) -> tuple[LayerRow, ...]:
    solved = ScalingModel(d.depth).subs({**d.solution}).subs({R: r})
    logs = []
    for i in range(d.depth):
        g, s, e = (monomial(x[i]) for x in (solved.log_g, solved.log_sigma, solved.log_eta))
        logs.append(tuple(log_size(v) for v in gauge_image(g, s, e, gauge)))
    log_g, log_sigma, log_eta = (tuple(t[j] for t in logs) for j in range(3))
    m = ScalingModel(d.depth, log_g, log_sigma, log_eta, solved.log_dh)
    rows = []
    for ell in range(1, d.depth + 1):
        pas = m.passthrough(ell)
        entries = {"g": m.log_g[ell - 1], "sigma": m.log_sigma[ell - 1], "eta": m.log_eta[ell - 1],
                   "h": m.activation(ell), "dh": m.log_dh[ell - 1], "layer_update": m.layer_update(ell),
                   "passthrough": pas, "grad": m.gradient(ell)}
        rows.append(LayerRow(ell, {k: None if v is None else monomial(v) for k, v in entries.items()}))
    return tuple(rows)


def richness_table(r: Any = None, *, depth: int = 3, gauge: str = "multiplier") -> RichnessTable:
    """The exponent table of the richness scale at ``r`` for a depth-``L`` network, in a named gauge.

    Parameters
    ----------
    r : number in [0, 1/2] or None
        The richness, ``||Delta h|| ~ n^r`` (0: lazy NTK, 1/2: rich muP). Floats are read by their decimal form
        (0.1 is 1/10). ``None`` gives the table as a function of the symbol ``r``.
    depth : int, default 3
        Number of weight layers ``L >= 2``.
    gauge : {"multiplier", "learning-rate", "rescaling"}
        Multipliers and one global learning rate (Karkada 2024, Table 1); per-layer learning rates without
        multipliers; or unit initialization with rescaled multipliers (see :mod:`implicit_bias.richness.gauges`).

    Returns
    -------
    RichnessTable
        Derived by :func:`~implicit_bias.richness.exponents.derive_richness`; ``text()``, ``to_json()``,
        ``latex()`` render it.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> t = ib.richness_table(0.25)
    >>> t.column("g")
    [n**(1/4)/sqrt(n_0), n**(-1/4), 1/sqrt(n)]
    >>> ib.richness_table(0.25, gauge="learning-rate").column("eta")
    [sqrt(n)/n_0, 1/sqrt(n), 1/n]
    """
    value = check_r(r)
    depth = check_int(depth, "depth", 2, "a network needs an input layer and an output layer (depth >= 2)")
    gauge = check_gauge(gauge)
    d = derive_richness(depth)
    return RichnessTable(value, depth, gauge, _rows(d, value, gauge), d.dof, d.r_range, d)
