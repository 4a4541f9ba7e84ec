"""Monotone roots: the one root finder of the numeric layer, and :class:`MonotoneRoot`, an exact implicit function.

A parameter whose flow ``w' = eta f'(w)`` has an elementary time ``F(w) = int dw / (eta f'(w))`` with no
elementary inverse is still known exactly: ``w(sigma)`` is the unique root of ``F(w) - F(w0) = sigma`` on the
interval around ``w0`` where ``F`` is strictly monotone. :class:`MonotoneRoot` is that root as a SymPy function
of ``sigma``: it differentiates (implicit function theorem), substitutes, prints, and evaluates at any
precision (``evalf``, and ``lambdify(..., modules="mpmath")`` through its ``_imp_``), so expressions that
contain it are handled like any closed form.

:func:`monotone_root` finds the root of a monotone function on an open interval: a bracket searched outward
from a start inside it, refined by Newton steps that fall back to bisection whenever they would leave it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import sympy as sp

from .._precision import GUARD_DIGITS, bits
from ..errors import NumericalError

__all__ = ["MAX_BRACKET_STEPS", "MonotoneRoot", "PrecisionShortfall", "monotone_root", "safeguarded_newton"]

#: Most outward steps of a bracket search before it gives up.
MAX_BRACKET_STEPS = 4000
#: Outward steps that double before the growth itself grows (see :func:`_bracket`).
_DOUBLINGS = 8
#: Most digits of cancellation in ``F(w) - F(w0)`` a :class:`MonotoneRoot` carries as extra precision before it
#: integrates ``F'`` from ``w0`` instead.
MAX_CARRIED_DIGITS = 2000
#: Most digits a :class:`MonotoneRoot` adds to the working precision on its own (a root pressed against a
#: finite end of its interval) before it reports the evaluation as out of reach.
MAX_ROOT_EXTRA_DIGITS = 2000


class PrecisionShortfall(Exception):
    """The working precision cannot separate the root from a finite end of its interval: ``digits`` more needed.

    Raised by :func:`monotone_root`; the numeric layer catches it and evaluates again with more digits.
    """

    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits


def monotone_root(g: Callable[[Any], Any], p0: Any, domain: tuple[Any, Any], increasing: bool, what: str,
                  dg: Callable[[Any], Any] | None = None) -> mpmath.mpf:
    """The root of a strictly monotone ``g`` on the open ``domain``, starting from ``p0`` inside it.

    With the derivative ``dg`` the bracket is refined by safeguarded Newton steps (quadratic convergence, the
    bracket never lost); without it, by bisection then the Anderson-Bjorck method.

    Raises :class:`PrecisionShortfall` when the root is closer to a finite end than the working precision
    resolves, :class:`~implicit_bias.errors.NumericalError` when no sign change is found.

    Examples
    --------
    >>> with mpmath.workdps(30):
    ...     print(mpmath.nstr(monotone_root(lambda x: x**3 - 2, 1, (0, mpmath.inf), True, "x^3 = 2"), 12))
    1.25992104989
    """
    p0 = mpmath.mpf(p0)
    g0 = g(p0)
    if g0 == 0:
        return p0
    up = (g0 < 0) == increasing  # move towards the side where g changes sign
    end = mpmath.mpf(domain[1] if up else domain[0])
    sign = 1 if up else -1
    d0 = dg(p0) if dg is not None else 0
    newton = abs(g0 / d0) if d0 and mpmath.isfinite(d0) else mpmath.inf
    a, q = _bracket(g, p0, g0, end, sign, what, first_step=2 * newton)
    lo, hi = (a, q) if a < q else (q, a)
    if dg is not None:
        return safeguarded_newton(g, dg, lo, hi, increasing, start=a)
    return _bisect_then_anderson(g, lo, hi, increasing)


def _bracket(g: Callable[[Any], Any], p0: mpmath.mpf, g0: Any, end: mpmath.mpf, sign: int, what: str, *,
             first_step: Any = mpmath.inf) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``(a, q)``: ``g(a)`` has the sign of ``g0``, ``g(q)`` the other (or is 0); geometric steps on an infinite
    side (the first one twice the Newton step when it is known; after :data:`_DOUBLINGS` of them the exponent of
    the growth doubles too, up to ``2^64`` a step), exponent-doubling steps towards a finite end."""
    a = p0
    if mpmath.isinf(end):
        # not below the spacing of numbers at p0: a root closer to p0 than that is p0 at this precision (a flow
        # whose rate at w0 is huge moves w0 by less than its last digit)
        step = max(min(max(mpmath.mpf(1), abs(p0)), first_step), abs(p0) * mpmath.eps)
        for j in range(MAX_BRACKET_STEPS):
            q = a + sign * step
            gq = g(q)
            if (gq > 0) == (g0 < 0) or gq == 0:
                return a, q
            # a root at sigma ~ e^1000 (the inverse of an exponential time, tanh far out) is ~40 steps away, not 3000
            a, step = q, step * (2 if j < _DOUBLINGS else mpmath.mpf(2) ** (2 ** min(j - _DOUBLINGS + 1, 6)))
        raise NumericalError(f"could not bracket the root of {what}")
    gap0 = abs(end - p0)
    k = 1
    for _ in range(MAX_BRACKET_STEPS):
        q = end - sign * gap0 * mpmath.mpf(2) ** (-k)
        if q == end:
            raise PrecisionShortfall(2 * mpmath.mp.dps)
        gq = g(q)
        if (gq > 0) == (g0 < 0) or gq == 0:
            return a, q
        a, k = q, 2 * k
    raise NumericalError(f"could not bracket the root of {what}")


def _bisect_then_anderson(g: Callable[[Any], Any], lo: mpmath.mpf, hi: mpmath.mpf, increasing: bool) -> mpmath.mpf:
    for _ in range(mpmath.mp.prec + 20):
        mid = (lo + hi) / 2
        if hi - lo <= abs(mid) * mpmath.eps * 8 or mid in (lo, hi):
            break
        gm = g(mid)
        if gm == 0:
            return mid
        if (gm > 0) == increasing:
            hi = mid
        else:
            lo = mid
        if hi - lo < (abs(lo) + abs(hi)) * mpmath.mpf(2) ** (-40):
            try:
                return mpmath.findroot(g, (lo, hi), solver="anderson")
            except (ValueError, ZeroDivisionError):  # mpmath's solver stalled on a flat stretch: keep bisecting
                continue
    return (lo + hi) / 2


def safeguarded_newton(g: Callable[[Any], Any], dg: Callable[[Any], Any], lo: mpmath.mpf, hi: mpmath.mpf,
                        increasing: bool, start: Any = None) -> mpmath.mpf:
    """Newton steps kept inside the bracket ``(lo, hi)`` (bisection when a step would leave it).

    Converged when a step is below the working precision relative to the iterate, or, for a root at (or next to)
    zero where no relative accuracy exists, when the steps stop shrinking at the rounding level of the bracket.
    """
    x = start if start is not None and lo <= start <= hi else (lo + hi) / 2
    floor = (abs(lo) + abs(hi)) * mpmath.eps * 8
    last = mpmath.inf
    # Newton far from the root of a steep function creeps (exp: steps of 1/2 from far out): when three steps in a
    # row have neither halved the bracket nor the smallest step so far, the next one bisects. (Near the root Newton
    # converges from one side, so the bracket alone does not shrink: the steps do, quadratically.)
    reference, creeping, smallest = hi - lo, 0, mpmath.inf
    for _ in range(4 * mpmath.mp.prec):
        gx = g(x)
        if gx == 0:
            return x
        if (gx > 0) == increasing:
            hi = x
        else:
            lo = x
        d = dg(x)
        dx = gx / d if d != 0 else None
        if dx is not None and (abs(dx) <= abs(x) * mpmath.eps * 4 or abs(dx) <= floor):
            return x - dx if lo <= x - dx <= hi else x
        if hi - lo <= reference / 2 or (dx is not None and abs(dx) <= smallest / 2):
            reference, creeping = hi - lo, 0
        else:
            creeping += 1
        smallest = min(smallest, abs(dx)) if dx is not None else smallest
        new = x - dx if dx is not None and lo < x - dx < hi and creeping < 3 else _middle(lo, hi)
        move = abs(new - x)
        if hi - lo <= abs(new) * mpmath.eps * 4 or (move <= floor and move >= last / 2):
            return new
        x, last = new, move
    raise NumericalError(f"Newton's method did not converge in ({mpmath.nstr(lo, 10)}, {mpmath.nstr(hi, 10)})")


def _middle(lo: mpmath.mpf, hi: mpmath.mpf) -> mpmath.mpf:
    """The bisection point of ``(lo, hi)``: the geometric mean when the ends have one sign and differ by more than
    a factor 4 (a bracket from steps that grew geometrically, ``(2^600, 2^664)``, is cut in 6 steps, not 600)."""
    if lo * hi > 0 and (hi / lo > 4 or lo / hi > 4):
        return mpmath.sign(lo) * mpmath.sqrt(lo * hi)
    return (lo + hi) / 2


# ---------------------------------------------------------------------------------------------------------
# The implicit function
# ---------------------------------------------------------------------------------------------------------
class MonotoneRoot(sp.Function):
    """``MonotoneRoot(Lambda(w, F(w)), s, w0, lo, hi)``: the ``w`` in ``(lo, hi)`` with ``F(w) - F(w0) = s``.

    ``F`` must be strictly monotone on ``(lo, hi)``, which contains ``w0``; the root exists for ``s`` in
    ``F((lo, hi)) - F(w0)``. At ``s = 0`` it is ``w0``. Its derivative follows from the implicit function
    theorem, ``dw/dx = (ds/dx - F_x(w) + F_x(w0) + F'(w0) dw0/dx) / F'(w)`` for any symbol ``x``.

    Examples
    --------
    >>> x, s = sp.Dummy("u"), sp.Symbol("s")
    >>> W = MonotoneRoot(sp.Lambda(x, x + x**3 / 3), s, 1, -sp.oo, sp.oo)
    >>> W.subs(s, 0)
    1
    >>> sp.diff(W, s)
    1/(MonotoneRoot(u**3/3 + u = s + 4/3, u in (-oo, oo))**2 + 1)
    >>> print(sp.N(W.subs(s, sp.Rational(10, 3)), 20))  # 2 + 2**3/3 - (1 + 1/3) = 10/3
    2.0000000000000000000
    """

    nargs = 5

    @classmethod
    def eval(cls, F: sp.Lambda, s: sp.Expr, w0: sp.Expr, lo: sp.Expr, hi: sp.Expr) -> sp.Expr | None:
        if not isinstance(F, sp.Lambda) or len(F.variables) != 1:
            raise TypeError(f"MonotoneRoot needs a Lambda of one variable, got {F!r}")
        if s == 0:
            return w0
        return None

    @property
    def function(self) -> sp.Lambda:
        """``Lambda(w, F(w))``."""
        return self.args[0]

    def _eval_is_real(self) -> bool:
        return True

    def _eval_derivative(self, x: sp.Symbol) -> sp.Expr:
        F, s, w0 = self.args[:3]
        v, Fe = F.variables[0], F.expr
        dF = sp.diff(Fe, v)
        Fx = sp.diff(Fe, x)
        num = sp.diff(s, x) - Fx.subs(v, self) + Fx.subs(v, w0) + dF.subs(v, w0) * sp.diff(w0, x)
        return num / dF.subs(v, self)

    def _eval_evalf(self, prec: int) -> sp.Expr | None:
        F, s, w0, lo, hi = self.args
        n = mpmath.libmp.prec_to_dps(prec) + GUARD_DIGITS
        values = [e.evalf(n) for e in (s, w0, lo, hi)]
        if not all(e.is_number and (e.is_extended_real or e.is_infinite) for e in values):
            return None  # a free symbol, or not real: no number to give
        v = F.variables[0]
        f = sp.lambdify([v], F.expr, modules="mpmath")
        df = sp.lambdify([v], sp.diff(F.expr, v), modules="mpmath")
        with mpmath.workprec(prec):
            numbers = [(-mpmath.inf if e.is_extended_negative else mpmath.inf) if e.is_infinite else mpmath.mpf(e)
                       for e in values]
            return sp.Float(_evaluate_root(f, df, *numbers), precision=prec)

    @staticmethod
    def _imp_(F: Any, dF: Any, *rest: Any) -> mpmath.mpf:
        """The numeric evaluation ``lambdify`` calls (mpmath): ``(F, dF, s, w0, lo, hi)``, ``(F, s, w0, lo, hi)``,
        or ``("quadrature", q, s, w0, lo, hi)`` for ``F(w) = int_w0^w q``."""
        if F == "quadrature":
            return _quadrature_root(dF, *rest)
        if not callable(dF):
            return _evaluate_root(F, None, dF, *rest)
        return _evaluate_root(F, dF, *rest)

    def _mpmathcode(self, printer: Any) -> str:
        F, s, w0, lo, hi = self.args
        v = F.variables[0]
        if isinstance(F.expr, sp.Integral) and F.expr.limits[0][1:] == (w0, v):
            tau = F.expr.limits[0][0]
            q = f"(lambda {printer._print(tau)}: {printer._print(F.expr.function)})"
            others = ", ".join(printer._print(e) for e in (s, w0, lo, hi))
            return f'MonotoneRoot("quadrature", {q}, {others})'

        body, dbody = printer._print(F.expr), printer._print(sp.diff(F.expr, v))
        name, others = printer._print(v), ", ".join(printer._print(e) for e in (s, w0, lo, hi))
        return f"MonotoneRoot((lambda {name}: {body}), (lambda {name}: {dbody}), {others})"

    def _sympystr(self, printer: Any) -> str:
        F, s, w0, lo, hi = self.args
        v = F.variables[0]
        name = str(v).lstrip("_")
        x = sp.Symbol(name)
        Fx, F0 = F.expr.xreplace({v: x}), F.expr.xreplace({v: w0})
        return (f"MonotoneRoot({printer._print(Fx)} = {printer._print(sp.Add(s, F0))}, "
                f"{name} in ({printer._print(lo)}, {printer._print(hi)}))")

    def _latex(self, printer: Any) -> str:
        F, s, w0 = self.args[:3]
        v = F.variables[0]
        x = sp.Symbol(str(v).lstrip("_"))
        return (rf"\operatorname{{root}}_{{{printer._print(x)}}}\left[{printer._print(F.expr.xreplace({v: x}))} = "
                rf"{printer._print(sp.Add(s, F.expr.xreplace({v: w0})))}\right]")


#: Recent roots, keyed by the compiled ``F`` and the arguments at a precision: an expression often holds the same
#: root several times (``b'`` has ``w(sigma)`` in two places), and a guarded sum is evaluated twice.
_RECENT: dict[tuple[Any, ...], mpmath.mpf] = {}
_RECENT_SIZE = 64
#: The last root found for each compiled ``F``: the next solve starts there (a solver's iterates move little).
_LAST_ROOT: dict[Any, mpmath.mpf] = {}


def _evaluate_root(F: Callable[[Any], Any], dF: Callable[[Any], Any] | None, s: Any, w0: Any, lo: Any, hi: Any
                   ) -> mpmath.mpf:
    """The root of ``F(w) - F(w0) = s`` in ``(lo, hi)`` at the caller's precision (cached; see :data:`_RECENT`)."""
    return _recent(F, (s, w0, lo, hi), lambda: _solve_root(F, dF, s, w0, lo, hi))


def _recent(F: Any, args: tuple[Any, ...], solve: Callable[[], mpmath.mpf]) -> mpmath.mpf:
    """``solve()``, remembered by ``F`` (a lambda inside a lambdified expression: its code and the values it closes
    over), ``args`` and the precision."""
    key = (_identity(F), *args, mpmath.mp.prec)
    try:
        hit = _RECENT.get(key)
    except TypeError:  # an unhashable argument: no caching
        return solve()
    if hit is None:
        hit = solve()
        if len(_RECENT) >= _RECENT_SIZE:
            _RECENT.pop(next(iter(_RECENT)))
        _RECENT[key] = hit
    return hit


def _code(F: Any) -> Any:
    """What a compiled ``F`` computes, up to the values it closes over: the same lambda printed into two
    lambdified expressions (``b`` and its derivative both hold ``w(sigma)``) has two code objects but this one key.
    Both evaluate in an mpmath namespace (``MonotoneRoot._mpmathcode``), so equal code means the same function."""
    code = getattr(F, "__code__", None)
    return F if code is None else (code.co_code, code.co_consts, code.co_names, code.co_varnames)


def _identity(F: Any) -> tuple[Any, ...]:
    """:func:`_code` and the values ``F`` closes over (the constants of the lambdified expression)."""
    return (_code(F), *(c.cell_contents for c in getattr(F, "__closure__", None) or ()))


def _solve_root(F: Callable[[Any], Any], dF: Callable[[Any], Any] | None, s: Any, w0: Any, lo: Any, hi: Any
                ) -> mpmath.mpf:
    """The root of ``F(w) - F(w0) = s`` in ``(lo, hi)`` at the caller's precision, adding digits as needed.

    ``F(w) - F(w0)`` cancels when ``|F(w0)|`` is much larger than ``|s|`` (a small ``sigma``, or a start where ``F``
    is huge, e.g. ``F ~ exp(2 w0)`` for ``tanh`` at a large ``w0``); up to :data:`MAX_CARRIED_DIGITS` lost digits
    are carried (extra digits cost little: an evaluation at 300 digits takes about three times one at 60), beyond
    that the time is integrated instead, ``int_w0^w F'``, which does not cancel but costs a quadrature per step.
    """
    target = mpmath.mp.dps
    extra = GUARD_DIGITS
    while True:
        with mpmath.workprec(bits(target + extra)):
            s_, w0_ = mpmath.mpf(s), mpmath.mpf(w0)
            F0 = F(w0_)
            lost = mpmath.log10(abs(F0) / abs(s_)) if s_ != 0 and F0 != 0 else 0
            if lost > MAX_CARRIED_DIGITS and dF is not None:
                break
            if lost > extra - GUARD_DIGITS // 2:
                extra = int(lost) + GUARD_DIGITS
                continue
            slope = dF(w0_) if dF is not None else F(w0_ + mpmath.eps * max(1, abs(w0_))) - F0
            g = _shifted(F, F0 + s_)
            last = _LAST_ROOT.get(_code(F))
            begin = last if last is not None and lo < last < hi and mpmath.isfinite(last) else w0_
            try:
                root = monotone_root(g, begin, (lo, hi), bool(slope > 0), f"F(w) - F(w0) = {mpmath.nstr(s_, 8)}",
                                     dg=dF)
            except PrecisionShortfall as need:
                if extra > MAX_ROOT_EXTRA_DIGITS:
                    raise NumericalError(
                        f"the root of F(w) - F(w0) = {mpmath.nstr(s_, 8)} in ({lo}, {hi}) is closer to the end of its "
                        f"interval than {target + extra} digits resolve; sigma is at (or beyond) the end of the flow"
                    ) from None
                extra = max(2 * extra, need.digits)
                continue
        if hasattr(F, "__code__"):
            if len(_LAST_ROOT) >= _RECENT_SIZE:
                _LAST_ROOT.pop(next(iter(_LAST_ROOT)))
            _LAST_ROOT[_code(F)] = root
        return +root
    return _quadrature_root(dF, s, w0, lo, hi)


#: For each integrand of a quadrature root, the last point reached and the integral up to it: the next
#: evaluation integrates only from there (a root solver's iterates, and successive roots, are close together).
_ANCHORS: dict[tuple[Any, ...], tuple[mpmath.mpf, mpmath.mpf]] = {}


def _quadrature_root(q: Callable[[Any], Any], s: Any, w0: Any, lo: Any, hi: Any) -> mpmath.mpf:
    """The ``w`` in ``(lo, hi)`` with ``int_w0^w q = s`` (cached; see :data:`_RECENT`)."""
    return _recent(q, ("quadrature", s, w0, lo, hi), lambda: _solve_quadrature_root(q, s, w0, lo, hi))


def _solve_quadrature_root(q: Callable[[Any], Any], s: Any, w0: Any, lo: Any, hi: Any) -> mpmath.mpf:
    """The ``w`` in ``(lo, hi)`` with ``int_w0^w q = s``, integrating incrementally from the last point reached
    (Gauss-Legendre: ``q`` is smooth inside the interval, whose ends alone may be singular)."""
    with mpmath.workprec(mpmath.mp.prec + bits(GUARD_DIGITS)):
        s_, w0_ = mpmath.mpf(s), mpmath.mpf(w0)
        key = (_identity(q), w0_, mpmath.mp.prec)
        anchor = _ANCHORS.get(key, (w0_, mpmath.mpf(0)))
        if not lo < anchor[0] < hi:
            anchor = (w0_, mpmath.mpf(0))

        def G(w: mpmath.mpf) -> mpmath.mpf:
            nonlocal anchor
            value = anchor[1] + _integral(q, anchor[0], w)
            if mpmath.isfinite(value):
                anchor = (w, value)
            return value - s_

        root = monotone_root(G, anchor[0], (lo, hi), bool(q(w0_) > 0), f"int q = {mpmath.nstr(s_, 8)}", dg=q)
        if len(_ANCHORS) >= _RECENT_SIZE:
            _ANCHORS.pop(next(iter(_ANCHORS)))
        _ANCHORS[key] = anchor
    return +root


def _integral(q: Callable[[Any], Any], a: mpmath.mpf, w: mpmath.mpf) -> mpmath.mpf:
    """``int_a^w q`` by Gauss-Legendre, on ``[0, 1]`` with ``q`` scaled by its size at the ends: mpmath's error test
    is absolute, so an integral of size ``e^1000`` (``q = cosh(w)^2`` far out) would never pass it, and one over a
    width of ``1e-40`` would pass it at once, whatever its relative error."""
    if w == a:
        return mpmath.mpf(0)
    width = w - a
    scale = max(abs(q(a)), abs(q(w)))
    if scale == 0 or not mpmath.isfinite(scale):
        return mpmath.quad(q, [a, w], method="gauss-legendre")
    return width * scale * mpmath.quad(lambda x: q(a + x * width) / scale, [0, 1], method="gauss-legendre")


def _shifted(F: Callable[[Any], Any], c: Any) -> Callable[[Any], Any]:
    return lambda w: F(w) - c
