"""Where one parameter's flow lives: the monotone piece of ``w' = r(w)`` through ``w0``.

A parameter of a separable model moves by ``w' = r(w) = eta f'(w)``. It can neither cross a zero of ``r`` (a
fixed point: uniqueness of solutions) nor a point where ``r`` or ``f`` stops being real and smooth (a pole, a
branch point such as ``w = 0`` for ``log w``, a kink such as ``w = 0`` for ``|w|``). The open interval around
``w0`` between the nearest such points is the *monotone piece*: ``r`` has one sign on it, and the flow stays
in it for as long as it exists. Its ends are found structurally, by the rules of :func:`zeros` and
:func:`singular_points` for each function, never by sampling; a structure they do not cover, or an end that
cannot be ordered against ``w0`` for every value of the constants, is reported with
:class:`~implicit_bias.errors.MethodDoesNotApply` and the reason.
"""

from __future__ import annotations

import sympy as sp

from ..errors import MethodDoesNotApply

__all__ = ["MAX_DEGREE", "monotone_piece", "rational_in_exp", "singular_points", "zeros"]

#: Highest degree of a polynomial whose real roots are located (exactly, as radicals or ``CRootOf``).
MAX_DEGREE = 6

_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)
#: Functions that are real, smooth and non-zero for every real argument.
_NOWHERE_ZERO = (sp.exp, sp.cosh, sp.sech)
#: Functions real and smooth everywhere whose zeros are those of their argument.
_ZERO_AT_ZERO = (sp.sinh, sp.tanh, sp.atan, sp.asinh, sp.erf)
_PERIODIC = (sp.sin, sp.cos, sp.tan)


def zeros(e: sp.Expr, w: sp.Symbol, w0: sp.Expr) -> list[sp.Expr]:
    """Real zeros of ``e`` in ``w`` (for periodic factors, the two nearest ``w0``).

    Examples
    --------
    >>> w = sp.Symbol("w", real=True)
    >>> zeros(w**2 - 1, w, 0), zeros(sp.sinh(w) * sp.exp(w), w, 1)
    ([-1, 1], [0])
    """
    if not e.has(w):
        return []
    if e == w:
        return [sp.Integer(0)]
    if e.is_Mul:
        return [z for f in e.args for z in zeros(f, w, w0)]
    if e.is_Pow:
        base, p = e.args
        if p.has(w):
            raise MethodDoesNotApply(f"cannot locate the zeros of {e}: a power with an exponent in {w}")
        return zeros(base, w, w0) if p.is_positive else []
    if isinstance(e, _NOWHERE_ZERO):
        return []
    if isinstance(e, (*_ZERO_AT_ZERO, sp.sign, sp.Abs)):
        return zeros(e.args[0], w, w0)
    if isinstance(e, sp.atanh):
        return zeros(e.args[0], w, w0)
    if isinstance(e, sp.log):
        return zeros(e.args[0] - 1, w, w0)
    if isinstance(e, _PERIODIC):
        offset = sp.pi / 2 if isinstance(e, sp.cos) else sp.Integer(0)
        return _periodic_points(e.args[0], offset, w, w0)
    if e.is_Add:
        return _zeros_of_sum(e, w, w0)
    raise MethodDoesNotApply(f"cannot locate the zeros of {e} in {w}")


def singular_points(e: sp.Expr, w: sp.Symbol, w0: sp.Expr) -> list[sp.Expr]:
    """Points where ``e`` stops being real and smooth in ``w``: poles, branch points, kinks.

    Examples
    --------
    >>> w = sp.Symbol("w", real=True)
    >>> sorted(singular_points(sp.log(w) + 1 / (w - 2), w, 1))
    [0, 2]
    """
    if not e.has(w) or e.is_Symbol:
        return []
    if e.is_Add or e.is_Mul:
        return [z for a in e.args for z in singular_points(a, w, w0)]
    if e.is_Pow:
        base, p = e.args
        if p.has(w):
            raise MethodDoesNotApply(f"cannot locate the singular points of {e}: a power with an exponent in {w}")
        inner = singular_points(base, w, w0)
        return inner if (p.is_integer and p.is_nonnegative) else inner + zeros(base, w, w0)
    arg = e.args[0] if len(e.args) == 1 else None
    if arg is None:
        raise MethodDoesNotApply(f"cannot locate the singular points of {e} in {w}")
    inner = singular_points(arg, w, w0)
    if isinstance(e, (sp.exp, sp.sinh, sp.cosh, sp.tanh, sp.atan, sp.asinh, sp.sin, sp.cos, sp.erf)):
        return inner
    if isinstance(e, (sp.log, sp.Abs, sp.sign)):
        return inner + zeros(arg, w, w0)
    if isinstance(e, sp.atanh):
        return inner + zeros(arg - 1, w, w0) + zeros(arg + 1, w, w0)
    if isinstance(e, sp.acosh):
        return inner + zeros(arg - 1, w, w0)
    if isinstance(e, sp.tan):
        return inner + _periodic_points(arg, sp.pi / 2, w, w0)
    if isinstance(e, (sp.sech, sp.csch, sp.coth)):
        return singular_points(e.rewrite(sp.exp), w, w0)
    raise MethodDoesNotApply(f"cannot locate the singular points of {e} in {w}")


def _zeros_of_sum(e: sp.Expr, w: sp.Symbol, w0: sp.Expr) -> list[sp.Expr]:
    """Zeros of a sum: none if its sign is fixed; else those of a polynomial or rational function of ``w``, or of
    ``exp(c w)`` (hyperbolics rewritten)."""
    if e.is_extended_positive or e.is_extended_negative:
        return []
    num, den = sp.fraction(sp.together(e))
    if num.is_polynomial(w) and den.is_polynomial(w):
        return [z for z in _real_roots(num, w) if not _vanishes_at(den, w, z)]
    x = sp.Dummy("x", positive=True)
    in_x = rational_in_exp(e.rewrite(sp.exp) if e.has(*_HYPERBOLIC) else e, w, x)
    if in_x is None:
        raise MethodDoesNotApply(f"cannot locate the zeros of {e} in {w}: neither rational in {w} nor in exp({w})")
    rate, expr_x = in_x
    num, den = sp.fraction(sp.together(expr_x))
    return [sp.log(z) / rate for z in _real_roots(num, x) if z.is_positive]


def rational_in_exp(e: sp.Expr, w: sp.Symbol, x: sp.Dummy) -> tuple[sp.Expr, sp.Expr] | None:
    """``(c, R)`` with ``e = R(exp(c w))`` and ``R`` rational (in the positive ``x``), when the exponentials'
    rates in ``w`` share a unit ``c``; ``None`` otherwise."""
    rates = {sp.expand(a.args[0]).coeff(w) for a in e.atoms(sp.exp) if a.has(w)}
    if not rates or any(r == 0 or r.has(w) for r in rates):
        return None
    for a in e.atoms(sp.exp):
        if a.has(w) and sp.expand(a.args[0] - a.args[0].coeff(w) * w).has(w):
            return None
    unit = sp.gcd_list(list(rates)) if all(r.is_Rational for r in rates) else next(iter(rates))
    if not all((r / unit).is_integer for r in rates):
        return None
    expr_x = e.replace(lambda a: isinstance(a, sp.exp) and a.has(w),
                       lambda a: sp.exp(a.args[0] - sp.expand(a.args[0]).coeff(w) * w)
                       * x ** (sp.expand(a.args[0]).coeff(w) / unit))
    if expr_x.has(w) or not expr_x.is_rational_function(x):
        return None
    return unit, expr_x


def _real_roots(poly_expr: sp.Expr, w: sp.Symbol) -> list[sp.Expr]:
    poly = sp.Poly(poly_expr, w)
    if poly.degree() <= 0:
        return []
    if poly.degree() > MAX_DEGREE:
        raise MethodDoesNotApply(f"cannot locate the real roots of {poly_expr}: degree {poly.degree()} > {MAX_DEGREE}")
    if all(c.is_number for c in poly.all_coeffs()):
        return list(dict.fromkeys(poly.real_roots()))
    found = sp.roots(poly, multiple=False)
    if sum(found.values()) != poly.degree():
        raise MethodDoesNotApply(f"cannot find the roots of {poly_expr} in {w}")
    real = []
    for z in found:
        if z.is_extended_real is None:
            raise MethodDoesNotApply(f"cannot decide whether the root {z} of {poly_expr} is real")
        if z.is_extended_real:
            real.append(z)
    return real


def _vanishes_at(e: sp.Expr, w: sp.Symbol, z: sp.Expr) -> bool:
    return sp.expand(e.subs(w, z)) == 0


def _periodic_points(g: sp.Expr, offset: sp.Expr, w: sp.Symbol, w0: sp.Expr) -> list[sp.Expr]:
    """The two points nearest ``w0`` with ``g(w) = offset + k pi`` (``g`` affine in ``w``, ``g(w0)`` a number)."""
    g = sp.expand(g)
    a = g.coeff(w)
    if not g.is_polynomial(w) or sp.degree(g, w) != 1 or not a.is_number:
        raise MethodDoesNotApply(f"cannot locate the points where {g} = {offset} + k*pi: the argument is not affine")
    t0 = (g.subs(w, w0) - offset) / sp.pi
    if not t0.is_number:
        raise MethodDoesNotApply(f"the periodic zeros or poles of a function of {g} next to {w} = {w0} depend on the "
                                 "constants; give a numeric initialization for this parameter")
    k = sp.floor(t0)
    b = g.coeff(w, 0)
    return [(offset + j * sp.pi - b) / a for j in (k, k + 1)]


def _side(z: sp.Expr, w0: sp.Expr) -> int:
    """-1 if ``z < w0``, +1 if ``z > w0``, 0 if equal, for every value of the constants."""
    d = sp.expand(z - w0)
    if d == 0:
        return 0
    if d.is_extended_positive:
        return 1
    if d.is_extended_negative:
        return -1
    raise MethodDoesNotApply(f"the point {z} and the initialization {w0} are ordered differently for different "
                             "values of the constants, so the interval of the flow (and the form of Q) changes with "
                             "them; fix the side, e.g. with a numeric or an ordered initialization")


def _nearest(points: list[sp.Expr], *, below: bool) -> sp.Expr:
    best = points[0]
    for z in points[1:]:
        d = sp.expand(z - best)
        if d.is_extended_positive if below else d.is_extended_negative:
            best = z
        elif not (d.is_extended_nonpositive if below else d.is_extended_nonnegative):
            raise MethodDoesNotApply(f"cannot order the ends {z} and {best} of the flow's interval")
    return best


def monotone_piece(rate: sp.Expr, piece: sp.Expr, w: sp.Symbol, w0: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """The open interval around ``w0`` free of zeros of ``rate`` and singular points of ``rate`` and ``piece``.

    ``w0`` itself must be neither (the caller treats a parameter at a zero of its rate as one that never moves).

    Examples
    --------
    >>> w, a = sp.Symbol("w", real=True), sp.Symbol("alpha", positive=True)
    >>> monotone_piece(1 / w, sp.log(w), w, a)
    (0, oo)
    >>> monotone_piece(w + 1, w**2 / 2 + w, w, a)
    (-1, oo)
    """
    points = zeros(rate, w, w0) + singular_points(rate, w, w0) + singular_points(piece, w, w0)
    below: list[sp.Expr] = []
    above: list[sp.Expr] = []
    for z in dict.fromkeys(points):
        side = _side(z, w0)
        if side == 0:
            raise MethodDoesNotApply(f"{w}(0) = {w0} is a zero or a singular point of {w}' = {rate}")
        (above if side > 0 else below).append(z)
    lo = _nearest(below, below=True) if below else -sp.oo
    hi = _nearest(above, below=False) if above else sp.oo
    return lo, hi
