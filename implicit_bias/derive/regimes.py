"""The single neuron's regimes as ``delta`` runs over the reals, derived from ``M(beta, delta)`` and ``Psi_delta``.

``M = M_iso I + M_radial beta beta^T / r^2`` with ``M_iso = eta_w a^2``, ``M_radial = eta_a ||w||^2`` on the level
set. The engine takes the leading term of each coefficient and of the potential's ``r``-dependent part as
``delta -> +oo`` (``delta = 1/eps``), at ``delta = 0`` and as ``delta -> -oo`` (``delta = -1/eps``), by SymPy series
in ``eps``, and confirms each numerically at ``|delta| = 10^6`` (relative deviation reported):

* ``delta -> +oo`` (upstream, lazy): ``M ~ delta I``, a fixed kernel; ``Psi ~ sqrt(eta_w / delta) r^2 / 2``, so
  ``Q ~ sqrt(eta_w/delta)/2 ||beta - beta0||^2``: the kernel regime, l2 around the initialization.
* ``delta = 0`` (balanced, rich): ``M = sqrt(eta_a eta_w) r (I + beta beta^T / r^2)``;
  ``Psi = (2/3) (eta_w/eta_a)^(1/4) r^(3/2)``.
* ``delta -> -oo`` (downstream, lazy along the initial ray): ``M ~ |delta| beta beta^T / r^2`` (only radial
  motion) ``+ eta_a eta_w r^2 / |delta| I``; ``Psi ~ sqrt(|delta| / eta_a) r``, so
  ``Q ~ sqrt(|delta|/eta_a) (||beta|| - <beta0/||beta0||, beta>)``: the interpolant on (or nearest to) the ray of
  ``beta0``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mpmath
import sympy as sp

from .warped import DELTA, RADIUS

if TYPE_CHECKING:  # pragma: no cover
    from .warped import WarpedRegularizer

__all__ = ["ABS_DELTA", "Regime", "derive_regimes"]

_EPS = sp.Symbol("epsilon", positive=True)
#: ``|delta|``, in which the limits as ``delta -> +-oo`` are written.
ABS_DELTA = sp.Symbol("|delta|", positive=True)


@dataclass(frozen=True)
class Regime:
    """One end of the ``delta`` axis: the leading preconditioner and potential there, numerically confirmed."""

    name: str
    delta: str
    M_iso: sp.Expr
    M_radial: sp.Expr
    potential: sp.Expr
    regularizer: str
    residual: float

    def __str__(self) -> str:
        return (f"{self.delta} [{self.name}]: M ~ ({self.M_iso}) I + ({self.M_radial}) beta beta^T/r^2; "
                f"Psi ~ {self.potential}; {self.regularizer} (rel. deviation {self.residual:.1e})")


def _leading(expr: sp.Expr, sign: int) -> sp.Expr:
    """The leading term of ``expr`` as ``delta -> sign * oo``, in :data:`ABS_DELTA`."""
    lead = sp.expand(expr.subs(DELTA, sign / _EPS)).as_leading_term(_EPS)
    return sp.powsimp(sp.expand(lead.subs(_EPS, 1 / ABS_DELTA)), force=True)


def _leading_shape(expr: sp.Expr, sign: int) -> sp.Expr:
    """The leading ``r``-dependent term of ``expr`` as ``delta -> sign * oo``."""
    series = sp.expand(sp.series(expr.subs(DELTA, sign / _EPS), _EPS, 0, 2).removeO())
    shaped = sp.Add(*[t for t in sp.Add.make_args(series) if t.has(RADIUS)])
    lead = shaped.as_leading_term(_EPS)
    return sp.powsimp(sp.expand(lead.subs(_EPS, 1 / ABS_DELTA)), force=True)


def _deviation(exact: sp.Expr, approx: sp.Expr, delta: float, subtract_origin: bool = False) -> float:
    """Relative deviation of ``approx`` from ``exact`` at ``delta`` and ``r`` = 0.7 (other symbols: 1.3)."""
    others = {s: sp.Rational(13, 10) for s in (exact.free_symbols | approx.free_symbols) - {DELTA, RADIUS, ABS_DELTA}}
    with mpmath.workdps(40):
        def value(e: sp.Expr, r: sp.Expr) -> mpmath.mpf:
            at = {DELTA: delta, ABS_DELTA: abs(delta), RADIUS: r}
            return mpmath.mpf(sp.N(e.subs(others).subs(at), 40))
        e, a = value(exact, sp.Rational(7, 10)), value(approx, sp.Rational(7, 10))
        if subtract_origin:
            e, a = e - value(exact, sp.Rational(1, 10)), a - value(approx, sp.Rational(1, 10))
        return float(abs(e - a) / max(abs(e), mpmath.mpf(10) ** -30))


def derive_regimes(reg: WarpedRegularizer) -> list[Regime]:
    """The three regimes of ``reg`` (see the module docstring)."""
    iso, radial, psi = reg.M_iso, reg.M_radial, reg.potential
    big = 10**6
    out = []
    for sign, name, label, words in (
        (1, "upstream: lazy", "delta -> +oo", "Q ~ c ||beta - beta0||^2: l2 around beta0 (kernel regime)"),
        (-1, "downstream: lazy along the initial ray", "delta -> -oo",
         "Q ~ c (||beta|| - <beta0/||beta0||, beta>): the interpolant along the ray of beta0"),
    ):
        li, lr_, lp = _leading(iso, sign), _leading(radial, sign), _leading_shape(psi, sign)
        # the leading term of a vanishing coefficient is compared with the coefficient itself
        residual = max(_deviation(iso, li, sign * big), _deviation(radial, lr_, sign * big),
                       _deviation(psi, lp, sign * big, subtract_origin=True))
        out.append(Regime(name, label, li, lr_, lp, words, residual))
    i0, r0, p0 = (sp.powsimp(sp.factor_terms(e.subs(DELTA, 0)), force=True) for e in (iso, radial, psi))
    residual = max(_deviation(iso, i0, 0), _deviation(radial, r0, 0), _deviation(psi, p0, 0))
    out.insert(1, Regime("balanced: rich", "delta = 0", i0, r0, p0,
                         "Q = Bregman divergence of c ||beta||^(3/2) from beta0", residual))
    return out
