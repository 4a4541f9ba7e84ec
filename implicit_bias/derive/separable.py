"""Separable models ``phi(w) = c0 + sum_j f_j(w_j)``: each parameter solves its own flow.

Along ``dw/dsigma = eta grad phi`` parameter ``j`` moves by ``w_j' = r_j(w_j) = eta_j f_j'(w_j)`` alone. On the
monotone piece ``J_j`` of ``r_j`` around ``w_j0`` (:mod:`implicit_bias.derive.intervals`) its time is

    sigma = T_j(w_j) = int_{w_j0}^{w_j} dw / r_j(w) = F_j(w_j) - F_j(w_j0),

strictly monotone, so ``w_j(sigma)`` is its inverse on ``T_j(J_j)``: a closed form when ``T_j`` peels
(:mod:`implicit_bias.derive.unary`), else the exact implicit :class:`~implicit_bias.derive.roots.MonotoneRoot`
(with ``F_j`` a non-elementary ``Integral`` when no antiderivative exists). The flow of the model exists for
``sigma`` in the intersection of the ``T_j(J_j)``: its ends are where a parameter reaches an end of its piece in
finite time (a blow-up, or a singular point such as ``w = 0`` of ``log w``); fixed points are reached only as
``sigma -> +-oo``. A parameter that starts at a zero of its rate never moves.

The conjugate follows parameter by parameter, ``int_0^sigma f_j(w_j) = int_{w_j0}^{w_j(sigma)} f_j / r_j dw``,
and ``b = phi(w(sigma))`` ranges between the limits of the ``f_j`` at the ends their parameters reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath
import sympy as sp

from ..errors import MethodDoesNotApply
from ..parametrizations.base import Parametrization
from ._sample import agree, constant_samples, interior_points, numeric, undoes
from .antiderivative import antiderivative, real_on
from .dual_curve import SIGMA, CurveMethod, DualCurve
from .intervals import monotone_piece
from .roots import MonotoneRoot
from .unary import peel

__all__ = ["ParameterFlow", "Separable", "solve_parameter", "split_pieces"]


@dataclass(frozen=True)
class ParameterFlow:
    """One parameter's flow ``w' = rate(w)`` from ``init``, in the dual time ``sigma``.

    Attributes
    ----------
    weight : sympy.Expr
        ``w(sigma)``: ``init`` (fixed), a closed form, or a :class:`MonotoneRoot`.
    sigma_interval : tuple of sympy.Expr
        Where the flow of this parameter exists.
    conjugate : sympy.Expr
        ``int_0^sigma piece(w(s)) ds``.
    piece_range : tuple of sympy.Expr
        The limits of ``piece(w(sigma))`` at the two ends of ``sigma_interval``.
    how : {"fixed", "closed", "implicit", "quadrature"}
    """

    param: sp.Symbol
    init: sp.Expr
    piece: sp.Expr
    rate: sp.Expr
    interval: tuple[sp.Expr, sp.Expr]
    weight: sp.Expr
    sigma_interval: tuple[sp.Expr, sp.Expr]
    conjugate: sp.Expr
    piece_range: tuple[sp.Expr, sp.Expr]
    how: str


def split_pieces(phi: sp.Expr, params: tuple[sp.Symbol, ...]) -> tuple[sp.Expr, list[sp.Expr]] | None:
    """``(c0, [f_1, ..., f_k])`` with ``phi = c0 + sum f_j(w_j)``, or ``None`` if a term mixes parameters."""
    for form in (phi, sp.expand(phi)):
        pieces = [sp.Integer(0) for _ in params]
        c0 = sp.Integer(0)
        for term in sp.Add.make_args(form):
            used = [j for j, w in enumerate(params) if term.has(w)]
            if len(used) > 1:
                break
            if used:
                pieces[used[0]] += term
            else:
                c0 += term
        else:
            return c0, pieces
    return None


def _sign(e: sp.Expr) -> int:
    """The sign of an expression in the constants, by its assumptions, else the same at every sample."""
    if e.is_extended_positive:
        return 1
    if e.is_extended_negative:
        return -1
    signs = {0 if v is None else int(mpmath.sign(v)) for v in (numeric(e, s) for s in constant_samples(
        sorted(e.free_symbols, key=str)))}
    if len(signs) != 1 or 0 in signs:
        raise MethodDoesNotApply(f"cannot decide the sign of {e} for every value of the constants")
    return signs.pop()


def _refine(e: sp.Expr, w: sp.Symbol, w0: sp.Expr) -> sp.Expr:
    """``|g|`` and ``sign(g)`` replaced by their values on the monotone piece (``g`` keeps its sign there)."""
    return e.replace(lambda a: isinstance(a, (sp.Abs, sp.sign)) and a.has(w),
                     lambda a: _sign(a.args[0].subs(w, w0)) * (a.args[0] if isinstance(a, sp.Abs) else 1))


def _fixed(w: sp.Symbol, w0: sp.Expr, piece: sp.Expr, rate: sp.Expr, s: sp.Symbol) -> ParameterFlow:
    h0 = piece.subs(w, w0)
    return ParameterFlow(w, w0, piece, rate, (w0, w0), w0, (-sp.oo, sp.oo), h0 * s, (h0, h0), "fixed")


def solve_parameter(w: sp.Symbol, w0: sp.Expr, eta: sp.Expr, piece: sp.Expr, s: sp.Symbol) -> ParameterFlow:
    """Solve ``w' = eta piece'(w)``, ``w(0) = w0``, in the time ``s``; see the module docstring.

    Examples
    --------
    >>> u, s, a = sp.Symbol("u", real=True), sp.Symbol("sigma", real=True), sp.Symbol("alpha", positive=True)
    >>> f = solve_parameter(u, a, 1, u**3, s)  # u' = 3 u^2 blows up at sigma = 1/(3 alpha)
    >>> f.weight, f.sigma_interval
    (1/(-3*sigma + 1/alpha), (-oo, 1/(3*alpha)))
    """
    w0 = sp.sympify(w0)
    rate = eta * sp.diff(piece, w)
    if _vanishes(rate.subs(w, w0)):
        return _fixed(w, w0, piece, rate, s)
    interval = monotone_piece(rate, piece, w, w0)
    rate, piece = _refine(rate, w, w0), _refine(piece, w, w0)
    forward = _sign(rate.subs(w, w0))
    F = _antiderivative_on(1 / rate, w, w0, interval)
    tau = sp.Dummy(str(w), real=True)
    time = F - F.subs(w, w0) if F is not None else sp.Integral((1 / rate).subs(w, tau), (tau, w0, w))
    back_end, front_end = interval if forward > 0 else interval[::-1]
    ends = (_time_at(time, 1 / rate, w, back_end, interval, front=False),
            _time_at(time, 1 / rate, w, front_end, interval, front=True))
    weight, how = _weight(w, w0, time, F, interval, ends, s)
    G = _antiderivative_on(piece / rate, w, w0, interval)
    if G is not None:
        conjugate = G.subs(w, weight) - G.subs(w, w0)
    else:
        conjugate = sp.Integral((piece / rate).subs(w, tau), (tau, w0, weight))
        how = "quadrature"
    piece_range = (_limit_at(piece, w, back_end, interval), _limit_at(piece, w, front_end, interval))
    return ParameterFlow(w, w0, piece, rate, interval, weight, ends, conjugate, piece_range, how)


def _vanishes(e: sp.Expr) -> bool:
    """``e == 0`` for every value of the constants: structurally, else at every sample (to 30 digits)."""
    e = sp.expand(e)
    if e == 0:
        return True
    if e.is_number:
        return False
    values = [numeric(e, at) for at in constant_samples(sorted(e.free_symbols, key=str))]
    return all(v is not None and abs(v) < 1e-25 for v in values)


def _antiderivative_on(f: sp.Expr, w: sp.Symbol, w0: sp.Expr, interval: tuple[sp.Expr, sp.Expr]) -> sp.Expr | None:
    """An antiderivative real on the interval and confirmed against quadrature there, or ``None``."""
    F = antiderivative(f, w)
    if F is None:
        return None
    F = real_on(F, w, w0, _sign)
    at = next(constant_samples(sorted((f.free_symbols | w0.free_symbols) - {w}, key=str)))
    lo, hi, start = (numeric(e, at) for e in (*interval, w0))
    if lo is None or hi is None or start is None:
        return None
    fn = sp.lambdify([w], f.xreplace(at), modules="mpmath")
    Fn = sp.lambdify([w], F.xreplace(at), modules="mpmath")
    points = interior_points(lo, hi, start)[::2]
    ok = agree(lambda p: mpmath.quad(fn, [start, p]), lambda p: Fn(p) - Fn(start), points, tol=1e-15)
    return F if ok else None


def _limit_at(e: sp.Expr, w: sp.Symbol, end: sp.Expr, interval: tuple[sp.Expr, sp.Expr]) -> sp.Expr:
    """``lim e`` as ``w`` tends to an end of ``interval`` from inside."""
    return _checked_limit(e, w, end, "-" if end == interval[1] else "+")


def _time_at(time: sp.Expr, integrand: sp.Expr, w: sp.Symbol, end: sp.Expr, interval: tuple[sp.Expr, sp.Expr],
             *, front: bool) -> sp.Expr:
    """The time the parameter takes to reach ``end`` (negative at the back end): finite, or +-oo if never.

    For an ``Integral`` time the improper integral is compared with ``|w - end|^-1`` (divergent) and
    ``|w - end|^-1/2`` (convergent), or with ``1/|w|`` and ``1/w^2`` at an infinite end.
    """
    if not time.has(sp.Integral):
        fixed, moving = time.as_independent(w, as_Add=True)
        L = _limit_at(moving, w, end, interval)
        return L if L.is_infinite else L + fixed
    x = sp.Abs(w - end) if end.is_finite else sp.Abs(w)
    if _limit_at(integrand * x, w, end, interval) != 0:
        return sp.oo if front else -sp.oo
    probe = sp.sqrt(x) if end.is_finite else x**2
    if _limit_at(integrand * probe, w, end, interval).is_finite:
        integral = time.atoms(sp.Integral).pop()
        tau, start = integral.limits[0][:2]
        return sp.Integral(integral.function, (tau, start, end))
    raise MethodDoesNotApply(f"cannot decide whether the flow reaches {w} = {end} in finite time "
                             f"(int dw / ({sp.cancel(1 / integrand)}) near {end})")


def _weight(w: sp.Symbol, w0: sp.Expr, time: sp.Expr, F: sp.Expr | None, interval: tuple[sp.Expr, sp.Expr],
            ends: tuple[sp.Expr, sp.Expr], s: sp.Symbol) -> tuple[sp.Expr, str]:
    """``w(s)``: the peeled inverse of ``time`` when it checks out on the flow's interval, else a MonotoneRoot."""
    v = sp.Dummy(str(w), real=True)
    if F is None:
        integral = time.atoms(sp.Integral).pop()
        F_of = sp.Lambda(v, integral.xreplace({w: v}))
        return MonotoneRoot(F_of, s, w0, *interval), "quadrature"
    try:
        closed = peel(time, w, s, w0).value
    except MethodDoesNotApply:
        closed = None
    if closed is not None and _inverts(closed, time, w, w0, s, ends):
        return closed, "closed"
    return MonotoneRoot(sp.Lambda(v, F.xreplace({w: v})), s, w0, *interval), "implicit"


def _inverts(closed: sp.Expr, time: sp.Expr, w: sp.Symbol, w0: sp.Expr, s: sp.Symbol,
             ends: tuple[sp.Expr, sp.Expr]) -> bool:
    """``time(closed(s)) = s`` at points across the flow's interval, at every sample of the constants."""
    symbols = sorted((closed.free_symbols | time.free_symbols | w0.free_symbols) - {w, s}, key=str)
    for at in constant_samples(symbols):
        lo, hi = (numeric(e, at) for e in ends)
        if lo is None or hi is None:
            return False
        w_of = sp.lambdify([s], closed.xreplace(at), modules="mpmath")
        t_of = sp.lambdify([w], time.xreplace(at), modules="mpmath")
        if not undoes(t_of, w_of, interior_points(lo, hi, mpmath.mpf(0))):
            return False
    return True


def _checked_limit(e: sp.Expr, w: sp.Symbol, end: sp.Expr, side: str) -> sp.Expr:
    """``lim e`` as ``w -> end`` from ``side``: by :func:`_quick_limit`, else by SymPy's ``limit`` (Gruntz)."""
    quick = _quick_limit(e, w, end, side)
    if quick is not None:
        return quick
    try:
        L = sp.limit(e, w, end, side)
    except (NotImplementedError, sp.PoleError) as exc:  # SymPy's limit gave up: no verdict
        raise MethodDoesNotApply(f"cannot find the limit of {e} as {w} -> {end}: {exc}") from None
    if L.has(sp.Limit, sp.nan, sp.zoo, sp.AccumBounds, sp.I) or L.is_extended_real is False:
        raise MethodDoesNotApply(f"cannot find the limit of {e} as {w} -> {end} (SymPy: {L})")
    return L


#: Limits at +oo of the monotone functions :func:`_quick_limit` knows (at -oo: odd ones negated, exp -> 0).
_AT_INFINITY: dict[type, tuple[sp.Expr, sp.Expr]] = {
    sp.exp: (sp.oo, sp.Integer(0)), sp.log: (sp.oo, sp.nan), sp.sinh: (sp.oo, -sp.oo), sp.cosh: (sp.oo, sp.oo),
    sp.tanh: (sp.Integer(1), -sp.Integer(1)), sp.atan: (sp.pi / 2, -sp.pi / 2), sp.asinh: (sp.oo, -sp.oo)}


def _quick_limit(e: sp.Expr, w: sp.Symbol, end: sp.Expr, side: str) -> sp.Expr | None:
    """The limit by composition of limits, where no indeterminate form arises; ``None`` where one does.

    ``log g`` with ``g -> 0`` is ``-oo`` (its argument is positive on the interval); a power of a base that
    tends to 0 with a negative exponent is left to SymPy (the sign of the blow-up).
    """
    if not e.has(w):
        return e
    if e == w:
        return end
    if e.is_Pow:
        return _quick_power(e, w, end, side)
    found = [_quick_limit(a, w, end, side) for a in e.args]
    args = [a for a in found if a is not None]
    if len(args) < len(found):
        return None
    if e.is_Add:
        inf = {a for a in args if a.is_infinite}
        return None if len(inf) > 1 else (inf.pop() if inf else sp.Add(*args))
    if e.is_Mul:
        return None if any(a.is_infinite for a in args) and any(a == 0 for a in args) else sp.Mul(*args)
    if len(args) != 1 or type(e) not in _AT_INFINITY:
        return None
    L = args[0]
    if L.is_infinite:
        out = _AT_INFINITY[type(e)][0 if L.is_extended_positive else 1]
        return None if out is sp.nan else out
    if isinstance(e, sp.log) and L == 0:
        return -sp.oo
    return e.func(L)


def _quick_power(e: sp.Expr, w: sp.Symbol, end: sp.Expr, side: str) -> sp.Expr | None:
    base, p = e.args
    L = _quick_limit(base, w, end, side)
    if L is None or p.has(w) or (L == 0 and not p.is_positive):
        return None
    if L.is_infinite and L.is_extended_negative and not p.is_integer:
        return None
    return sp.Pow(L, p)


# ---------------------------------------------------------------------------------------------------------
# The curve method
# ---------------------------------------------------------------------------------------------------------
class Separable(CurveMethod):
    """``phi = c0 + sum_j f_j(w_j)``: every parameter solved on its own (see the module docstring)."""

    name = "separable"

    def matches(self, p: Parametrization) -> bool:
        return split_pieces(p.phi, p.params) is not None

    def solve(self, p: Parametrization) -> DualCurve:
        split = split_pieces(p.phi, p.params)
        assert split is not None
        c0, pieces = split
        s = SIGMA
        flows = [solve_parameter(w, w0, eta, h, s)
                 for w, w0, eta, h in zip(p.params, p.init, p.lr, pieces, strict=True)]
        lo = _tightest([f.sigma_interval[0] for f in flows], max_=True)
        hi = _tightest([f.sigma_interval[1] for f in flows], max_=False)
        weights = tuple(f.weight for f in flows)
        b = p.phi.subs(dict(zip(p.params, weights, strict=True)), simultaneous=True)
        B = c0 * s + sp.Add(*[f.conjugate for f in flows])
        b_range = (_b_at(flows, c0, lo, 0), _b_at(flows, c0, hi, 1))
        return DualCurve(s, s, weights, b, B, (lo, hi), sp.Integer(0), True, self.name, b_range)


def _tightest(ends: list[sp.Expr], *, max_: bool) -> sp.Expr:
    """The largest (``max_``) or smallest of the ends, ``-oo`` / ``oo`` dropped; ``Max``/``Min`` if undecided."""
    finite = [e for e in dict.fromkeys(ends) if not e.is_infinite]
    if not finite:
        return -sp.oo if max_ else sp.oo
    return sp.Max(*finite) if max_ else sp.Min(*finite)


def _b_at(flows: list[ParameterFlow], c0: sp.Expr, end: sp.Expr, k: int) -> sp.Expr:
    """``lim b`` at an end of the flow's interval: the parameters that end there reach the ends of their pieces,
    the others are where the flow leaves them. If which one ends first depends on the constants, a Piecewise."""
    if end.is_infinite:
        return _total(c0, [f.piece_range[k] for f in flows])
    candidates = list(end.args) if isinstance(end, (sp.Min, sp.Max)) else [end]
    values = []
    for cand in candidates:
        parts = [f.piece_range[k] if f.sigma_interval[k] == cand else f.piece.subs(f.param, f.weight.subs(SIGMA, cand))
                 for f in flows]
        values.append(_total(c0, parts))
    if len(set(values)) == 1:
        return values[0]
    order = (lambda a, b: a <= b) if k == 1 else (lambda a, b: a >= b)
    return sp.Piecewise(*[(v, sp.And(*[order(c, d) for d in candidates if d != c]))
                          for v, c in zip(values[:-1], candidates[:-1], strict=True)], (values[-1], True))


def _total(c0: sp.Expr, parts: list[sp.Expr]) -> sp.Expr:
    # an infinite part holds an infinity; asking the assumptions of every finite one (cosh(3*alpha/2): its
    # real and imaginary parts) costs seconds
    infinite = [x for x in parts if x.has(sp.oo, -sp.oo, sp.zoo) and x.is_infinite]
    if infinite:  # every piece moves the same way (b increases): the infinite ends agree in sign
        return infinite[0]
    return c0 + sp.Add(*parts)
