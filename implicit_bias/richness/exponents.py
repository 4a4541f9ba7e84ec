r"""The richness scale, derived: Karkada's criteria as linear conditions on exponents, solved with SymPy.

Karkada (2024), "The lazy (NTK) and rich (muP) regimes: a gentle tutorial", Sec. 2-3, asks of a wide network
``h_l = g_l W_l h_(l-1)`` (see :mod:`.scaling` for the size of every term of one gradient step) that

0. hidden activations are of order one per entry (``ACT_l``, ``l < L``);
1. the output moves by an amount of order one (non-triviality, ``NTC``);
2. every layer's update is useful: ``|dL/dh_l . Delta h_l| ~ 1``, i.e. ``||dL/dh_l|| ||Delta h_l|| ~ 1`` once the
   layer's own contribution, which is aligned with ``dL/dh_l``, is of the size of ``Delta h_l`` (``UUC_l``);
3. that contribution is of the size of ``Delta h_l`` (maximality, ``MAX_l``; for ``l = 1`` an identity of the
   model, ``Delta h_0 = 0``).

Every criterion equates two monomials in the widths, i.e. is one *linear* equation in the log-sizes.
:func:`derive_richness` solves them: it reports the rank, the equations implied by the others, the
``L`` gauge directions ``(g_l, sigma_l, eta_l) -> (lambda g_l, sigma_l / lambda, eta_l / lambda^2)`` that
leave every criterion unchanged, and the one degree of freedom left once the gauge is fixed (one global
learning rate of order one): ``||Delta h|| ~ n^r``. The range of ``r`` comes from solving the
consistency inequalities (:data:`BOUNDS`): the output at initialization must stay bounded (``r >= 0``), and
the representation update must not exceed the representation (``r <= 1/2``), which is the same as the
interaction term staying below the layer's own contribution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import sympy as sp

from .._validation import check_int
from .scaling import LN_N, ScalingModel, width_exponent

__all__ = [
    "BOUNDS",
    "CRITERIA",
    "Bound",
    "Condition",
    "R",
    "RichnessDerivation",
    "derive_richness",
    "response_exponents",
    "standard_parametrization",
]

#: The richness: ``||Delta h|| ~ n^r``.
R = sp.Symbol("r", real=True)


@dataclass(frozen=True)
class Condition:
    """One criterion at one layer: ``expr == 0`` (an equation) or ``expr <= 0`` (a bound), in log-sizes."""

    name: str
    layer: int
    expr: sp.Expr
    meaning: str


@dataclass(frozen=True)
class Bound:
    """A consistency inequality solved for ``r``: the set of ``r`` it allows, and why it is required."""

    name: str
    layer: int
    allowed: sp.Set
    meaning: str


def _criteria(m: ScalingModel) -> list[Condition]:
    L = m.depth
    out = [Condition(f"ACT_{ell}", ell, m.activation(ell) - m.log_width(ell) / 2,
                     "hidden activations of order one per entry: ||h_l|| ~ sqrt(n)") for ell in range(1, L)]
    out.append(Condition("NTC", L, m.log_dh[L - 1], "non-triviality: the output moves by O(1), ||Delta h_L|| ~ 1"))
    for ell in range(1, L + 1):
        out.append(Condition(f"MAX_{ell}", ell, m.layer_update(ell) - m.log_dh[ell - 1],
                             "maximality: the layer's own contribution is of the size of ||Delta h_l||"
                             + (" (an identity at l = 1: Delta h_0 = 0)" if ell == 1 else "")))
    out += [Condition(f"UUC_{ell}", ell, m.gradient(ell) + m.log_dh[ell - 1],
                      "useful update: ||dL/dh_l|| ||Delta h_l|| ~ 1") for ell in range(1, L + 1)]
    return out


def _bounds(m: ScalingModel) -> list[Condition]:
    L = m.depth
    out = [Condition("OUT", L, m.activation(L) - m.log_width(L) / 2,
                     "the output at initialization is bounded per entry; if it grew with n, so would dL/dh_L, "
                     "against ||dL/dh_L|| ~ 1 (outputs explode)")]
    out += [Condition(f"REP_{ell}", ell, m.log_dh[ell - 1] - m.activation(ell),
                      "the representation update does not exceed the representation, ||Delta h_l|| <~ ||h_l||")
            for ell in range(1, L)]
    for ell in range(2, L + 1):
        out.append(Condition(f"PASS_{ell}", ell, m.passthrough(ell) - m.log_dh[ell - 1],  # type: ignore[operator]
                             "the passthrough term is no larger than Delta h_l"))
        out.append(Condition(f"INT_{ell}", ell, m.interaction(ell) - m.log_dh[ell - 1],  # type: ignore[operator]
                             "the interaction term g Delta W Delta h_(l-1) is no larger than Delta h_l "
                             "(otherwise the second-order term dominates and gradients explode)"))
    return out


#: Constructors of the equations and of the consistency inequalities, for a :class:`ScalingModel`.
CRITERIA: Callable[[ScalingModel], list[Condition]] = _criteria
BOUNDS: Callable[[ScalingModel], list[Condition]] = _bounds


@dataclass(frozen=True)
class RichnessDerivation:
    """The solved criteria at one depth (see :func:`derive_richness`)."""

    depth: int
    unknowns: tuple[sp.Symbol, ...]
    conditions: tuple[Condition, ...]
    rank: int
    redundant: tuple[str, ...]
    gauge_directions: int
    dof: int
    solution: dict[sp.Symbol, sp.Expr]
    bounds: tuple[Bound, ...]
    r_range: sp.Set

    @property
    def model(self) -> ScalingModel:
        """The scaling model with the solution substituted: every log-size as a function of ``r``."""
        return ScalingModel(self.depth).subs(self.solution)

    def binding(self, end: str) -> tuple[Bound, ...]:
        """The bounds that set the lower (``end='lower'``) or upper (``end='upper'``) end of the range."""
        at = self.r_range.inf if end == "lower" else self.r_range.sup
        side = "inf" if end == "lower" else "sup"
        return tuple(b for b in self.bounds if getattr(b.allowed, side) == at)

    def summary(self) -> str:
        """A few lines: unknowns, rank, implied equations, gauge directions, degrees of freedom, range and why."""
        n_eq = len(self.conditions)
        lines = [
            f"depth L = {self.depth}: {len(self.unknowns)} unknowns (log g_l, log sigma_l, log eta_l, "
            f"log ||Delta h_l||), {n_eq} criteria of rank {self.rank}",
            f"implied by the others: {', '.join(self.redundant) or 'none'}",
            f"gauge directions (g, sigma, eta) -> (lambda g, sigma/lambda, eta/lambda^2): {self.gauge_directions}",
            f"degrees of freedom with one global learning rate: {self.dof} (||Delta h|| ~ n^r)",
            f"allowed r: {self.r_range}",
        ]
        for end in ("lower", "upper"):
            value = self.r_range.inf if end == "lower" else self.r_range.sup
            by_meaning: dict[str, list[str]] = {}
            for b in self.binding(end):
                by_meaning.setdefault(b.meaning, []).append(b.name)
            lines += [f"  {end} end r = {value} from {', '.join(names)}: {meaning}"
                      for meaning, names in by_meaning.items()]
        return "\n".join(lines)


def _independent(A: sp.Matrix, names: list[str]) -> tuple[int, list[str]]:
    """Rank of ``A`` and the rows (by name) that are combinations of the rows before them."""
    redundant, rank = [], 0
    for i, name in enumerate(names):
        r = A[: i + 1, :].rank()
        if r == rank:
            redundant.append(name)
        rank = r
    return rank, redundant


def _gauge_vectors(m: ScalingModel, unknowns: tuple[sp.Symbol, ...]) -> list[sp.Matrix]:
    vecs = []
    for i in range(m.depth):
        v = {m.log_g[i]: 1, m.log_sigma[i]: -1, m.log_eta[i]: -2}
        vecs.append(sp.Matrix([v.get(u, 0) for u in unknowns]))
    return vecs


@cache
def derive_richness(depth: int = 3) -> RichnessDerivation:
    """Solve Karkada's criteria for a depth-``L`` network with layer multipliers.

    Parameters
    ----------
    depth : int, default 3
        Number of weight layers ``L >= 2``.

    Returns
    -------
    RichnessDerivation
        ``rank`` of the criteria, the ``redundant`` ones (implied by those before them), the number of gauge
        directions found in the null space, the remaining ``dof`` (1), the ``solution`` (every unknown as a
        function of ``r``, in the gauge of one global learning rate ``eta_l = 1``) and the ``r_range`` allowed
        by the consistency ``bounds``.

    Examples
    --------
    >>> d = derive_richness(3)
    >>> d.dof, d.r_range, d.redundant
    (1, Interval(0, 1/2), ('UUC_3',))
    """
    check_int(depth, "depth", 2, "a network needs an input layer and an output layer (depth >= 2)")
    m = ScalingModel(depth)
    unknowns = m.unknowns
    conditions = _criteria(m)
    A, b = sp.linear_eq_to_matrix([c.expr for c in conditions], unknowns)
    rank, redundant = _independent(A, [c.name for c in conditions])
    if A.row_join(b).rank() != rank:
        raise ArithmeticError("the criteria are inconsistent")  # cannot happen for this model; guards edits
    gauges = [v for v in _gauge_vectors(m, unknowns) if (A * v).is_zero_matrix]
    n_gauge = sp.Matrix.hstack(*gauges).rank() if gauges else 0
    dof = len(unknowns) - rank - n_gauge
    # fix the gauge (one global learning rate of order one) and name the remaining freedom r
    fixed = [c.expr for c in conditions] + list(m.log_eta) + [m.log_dh[0] - R * LN_N]
    solved = sp.linsolve(fixed, unknowns)
    if len(solved.args) != 1 or any(e.free_symbols & set(unknowns) for e in solved.args[0]):
        raise ArithmeticError(f"the gauge-fixed criteria do not determine every unknown: {solved}")
    solution = dict(zip(unknowns, solved.args[0], strict=True))
    bounds = tuple(_solve_bound(c, solution) for c in _bounds(m))
    r_range = sp.Intersection(*[bd.allowed for bd in bounds])
    return RichnessDerivation(depth, unknowns, tuple(conditions), rank, tuple(redundant), n_gauge, dof, solution,
                              bounds, r_range)


def _solve_bound(c: Condition, solution: dict[sp.Symbol, sp.Expr]) -> Bound:
    expo = width_exponent(c.expr.subs(solution))
    if R in expo.free_symbols:
        allowed = sp.solve_univariate_inequality(expo <= 0, R, relational=False)
    else:
        allowed = sp.S.Reals if expo <= 0 else sp.S.EmptySet
    return Bound(c.name, c.layer, allowed, c.meaning)


def standard_parametrization(depth: int = 3) -> ScalingModel:
    """The standard parametrization: no multipliers, ``sigma_l = 1 / sqrt(fan-in)``, one global learning rate.

    Examples
    --------
    >>> standard_parametrization(2).log_sigma
    (-ln_n0/2, -ln_n/2)
    """
    m = ScalingModel(depth)
    zeros = (sp.Integer(0),) * depth
    return ScalingModel(depth, zeros, tuple(-m.log_width(ell - 1) / 2 for ell in range(1, depth + 1)), zeros, zeros)


def response_exponents(m: ScalingModel) -> list[sp.Expr]:
    """n-exponents of ``||Delta h_l||`` to first order in the learning rate, for a given parametrization.

    ``Delta h_1`` is the layer term; ``Delta h_l`` the larger of the layer term and the passthrough of
    ``Delta h_(l-1)``. The interaction is second order in the step and left out: this is the scale of the
    tangent kernel, which sets the largest stable learning rate. ``m``'s ``log_dh`` are ignored.

    Examples
    --------
    >>> response_exponents(standard_parametrization(3))
    [0, 1, 1]
    >>> response_exponents(derive_richness(3).model.subs({R: sp.Rational(1, 2)}))
    [1/2, 1/2, 0]
    """
    out: list[sp.Expr] = []
    for ell in range(1, m.depth + 1):
        dh = tuple(e * LN_N for e in out) + (sp.Integer(0),) * (m.depth - len(out))
        cur = ScalingModel(m.depth, m.log_g, m.log_sigma, m.log_eta, dh)
        terms = [width_exponent(cur.layer_update(ell))]
        if ell > 1:
            terms.append(width_exponent(cur.passthrough(ell)))  # type: ignore[arg-type]
        out.append(sp.Max(*terms))
    return out
