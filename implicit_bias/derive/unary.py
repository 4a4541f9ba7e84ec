"""Closed-form inverses by undoing one operation at a time (outermost first).

To solve ``e(x) = y`` for ``x`` on the branch through a known point ``(x0, e(x0))``, peel ``e``: an additive or
multiplicative part free of ``x`` moves to the other side; an invertible function is undone (``exp`` by
``log``, ``atan`` by ``tan``, :class:`~implicit_bias.derive.roots.MonotoneRoot` by its defining function, ...);
a power by a root of the sign ``e`` has at ``x0``; a sum of logarithms is combined into one; a rational
function of ``x`` or of ``exp(c x)`` of degree at most two is solved, keeping the root that passes through the
known point. Anything else: :class:`~implicit_bias.errors.MethodDoesNotApply`.

Every choice of sign or branch is made at the known point, numerically at the sample constants of
:mod:`implicit_bias.derive._sample`, so the callers confirm the inverse on the whole interval before they use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import sympy as sp

from ..errors import MethodDoesNotApply
from ._sample import constant_samples, numeric
from .intervals import rational_in_exp
from .roots import MonotoneRoot

__all__ = ["MAX_PEELS", "Peeled", "peel"]

#: Most operations undone in one inversion.
MAX_PEELS = 40

_INVERSES = {sp.exp: sp.log, sp.log: sp.exp, sp.sinh: sp.asinh, sp.asinh: sp.sinh, sp.tanh: sp.atanh,
             sp.atanh: sp.tanh, sp.atan: sp.tan}
_HYPERBOLIC = (sp.sinh, sp.cosh, sp.tanh, sp.coth, sp.sech, sp.csch)


@dataclass
class Peeled:
    """``x = value`` solves ``e(x) = y``; ``steps`` maps each peeled part of ``e`` to its value in ``y``."""

    value: sp.Expr
    steps: dict[sp.Expr, sp.Expr] = field(default_factory=dict)


class _Branch:
    """The known point of the branch: evaluates expressions at ``x = x0`` (and ``y = y0``) numerically."""

    def __init__(self, x: sp.Symbol, x0: sp.Expr, y: sp.Symbol, y0: sp.Expr) -> None:
        self.x, self.x0, self.y, self.y0 = x, x0, y, y0
        symbols = (x0.free_symbols | y0.free_symbols) - {x, y}
        self.samples = list(constant_samples(sorted(symbols, key=str)))

    def values(self, e: sp.Expr) -> list[mpmath.mpf | None]:
        at_point = e.subs({self.x: self.x0, self.y: self.y0})
        return [numeric(at_point, s) for s in self.samples]

    def sign(self, e: sp.Expr) -> int:
        """The sign of ``e`` at the point, the same at every sample, else :class:`MethodDoesNotApply`."""
        signs = {0 if v is None else int(mpmath.sign(v)) for v in self.values(e)}
        if len(signs) != 1 or 0 in signs:
            raise MethodDoesNotApply(f"cannot decide the sign of {e} on the branch")
        return signs.pop()

    def matches(self, candidate: sp.Expr, target: sp.Expr) -> bool:
        """Whether ``candidate`` (in the target) equals ``x0``'s part at the point."""
        return all(v is not None and w is not None and abs(v - w) <= 1e-20 * (1 + abs(w))
                   for v, w in zip(self.values(candidate), self.values(target), strict=True))


def peel(e: sp.Expr, x: sp.Symbol, y: sp.Symbol, x0: sp.Expr) -> Peeled:
    """Solve ``e(x) = y`` on the branch through ``x = x0`` by undoing ``e`` operation by operation.

    Examples
    --------
    >>> x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    >>> peel(2 * sp.atan(sp.exp(x)) - sp.pi / 2, x, y, 0).value
    log(tan(y/2 + pi/4))
    >>> peel(sp.log(x - 1) - sp.log(x + 1), x, y, 3).value
    (exp(y) + 1)/(1 - exp(y))
    """
    x0 = sp.sympify(x0)
    branch = _Branch(x, x0, y, e.subs(x, x0))
    out = Peeled(y)
    target: sp.Expr = y
    for _ in range(MAX_PEELS):
        if e == x:
            out.value = target
            return out
        out.steps[e] = target
        e, target = _undo(e, target, x, branch)
    raise MethodDoesNotApply(f"more than {MAX_PEELS} operations to undo")


def _undo(e: sp.Expr, t: sp.Expr, x: sp.Symbol, branch: _Branch) -> tuple[sp.Expr, sp.Expr]:
    """One step: ``(e', t')`` with ``e(x) = t`` equivalent to ``e'(x) = t'`` on the branch."""
    if e.is_Add or e.is_Mul:
        rest, inner = e.as_independent(x, as_Add=e.is_Add)
        if (e.is_Add and rest != 0) or (e.is_Mul and rest != 1):
            return inner, (t - rest if e.is_Add else t / rest)
        return _undo_compound(e, t, x, branch)
    if e.is_Pow:
        base, p = e.args
        if p.has(x):
            raise MethodDoesNotApply(f"cannot invert {e}: the exponent depends on {x}")
        if p == -1:
            return base, 1 / t
        if branch.sign(base) > 0:
            return base, t ** (1 / p)
        if p.is_integer and p.is_even:
            return base, -(t ** (1 / p))
        if p.is_integer and p.is_odd:
            return base, -((-t) ** (1 / p))
        raise MethodDoesNotApply(f"cannot invert {e} on a branch where {base} < 0")
    if isinstance(e, MonotoneRoot):
        F, s, w0 = e.args[:3]
        return s, F(t) - F(w0)
    if type(e) in _INVERSES:
        return e.args[0], _INVERSES[type(e)](t)
    if isinstance(e, sp.cosh):
        return e.args[0], branch.sign(e.args[0]) * sp.acosh(t)
    if isinstance(e, sp.tan):
        return e.args[0], sp.atan(t) + _tan_sheet(e.args[0], branch) * sp.pi
    raise MethodDoesNotApply(f"cannot invert {e} in {x}")


def _tan_sheet(arg: sp.Expr, branch: _Branch) -> int:
    sheets = {None if v is None else int(mpmath.nint(v / mpmath.pi)) for v in branch.values(arg)}
    if len(sheets) != 1 or None in sheets:
        raise MethodDoesNotApply(f"the branch of tan({arg}) depends on the constants")
    return sheets.pop()  # type: ignore[return-value]


def _undo_compound(e: sp.Expr, t: sp.Expr, x: sp.Symbol, branch: _Branch) -> tuple[sp.Expr, sp.Expr]:
    """A sum or product of several parts in ``x``: logarithms combined, or a rational equation of degree <= 2."""
    if e.is_Add and all(_log_term(a) is not None for a in e.args):
        terms = [_log_term(a) for a in e.args]
        for _, g in terms:  # type: ignore[misc]
            if branch.sign(g) < 0:
                raise MethodDoesNotApply(f"log({g}) is not real on the branch")
        # sum c_i log g_i = k log(prod g_i^(c_i/k)) with k the rational gcd of the c_i: integer powers inside
        k = sp.gcd_list([c for c, _ in terms])  # type: ignore[misc]
        return sp.log(sp.Mul(*[g ** (c / k) for c, g in terms])), t / k  # type: ignore[misc]
    if e.is_rational_function(x):
        return x, _solve_rational(e, t, x, x, branch)
    z = sp.Dummy("z", positive=True)
    found = rational_in_exp(e.rewrite(sp.exp) if e.has(*_HYPERBOLIC) else e, x, z)
    if found is None:
        raise MethodDoesNotApply(f"cannot invert {e} in {x}")
    c, R = found
    return sp.exp(c * x), _solve_rational(R, t, z, sp.exp(c * x), branch)


def _log_term(a: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
    c, rest = a.as_coeff_Mul()
    return (c, rest.args[0]) if isinstance(rest, sp.log) and c.is_Rational else None


def _solve_rational(R: sp.Expr, t: sp.Expr, z: sp.Symbol, z_of_x: sp.Expr, branch: _Branch) -> sp.Expr:
    """The root of ``R(z) = t`` (degree <= 2 after clearing denominators) that is ``z_of_x`` at the point."""
    num, _den = sp.fraction(sp.together(R - t))
    poly = sp.Poly(sp.expand(num), z)
    if poly.degree() == 1:
        a1, a0 = poly.all_coeffs()
        return -a0 / a1
    if poly.degree() != 2:
        raise MethodDoesNotApply(f"{R} = y is an equation of degree {poly.degree()} (at most 2 is solved)")
    a, b, c = poly.all_coeffs()
    disc = sp.sqrt(sp.expand(b**2 - 4 * a * c))
    roots = [(-b + disc) / (2 * a), (-b - disc) / (2 * a)]
    fit = [r for r in roots if branch.matches(r, z_of_x)]
    if len(fit) != 1:
        raise MethodDoesNotApply(f"cannot single out the root of {R} = y on the branch")
    return fit[0]
