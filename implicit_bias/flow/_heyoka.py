"""SymPy -> heyoka expressions at a given precision (numbers as exact-as-possible ``heyoka.real``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import heyoka as hy
import sympy as sp

from .._precision import GUARD_DIGITS
from .._precision import digits as digits_of
from ..errors import InputError

__all__ = ["to_heyoka"]

_FUNCS = {sp.exp: "exp", sp.log: "log", sp.sin: "sin", sp.cos: "cos", sp.tan: "tan", sp.tanh: "tanh",
          sp.sinh: "sinh", sp.cosh: "cosh", sp.asinh: "asinh", sp.acosh: "acosh", sp.atanh: "atanh", sp.atan: "atan"}


def to_heyoka(expr: sp.Expr, names: Mapping[sp.Symbol, Any], prec: int) -> Any:
    """Convert ``expr`` with ``names`` mapping its symbols to heyoka variables or parameters."""
    digits = digits_of(prec) + GUARD_DIGITS

    def num(x: sp.Expr) -> Any:
        return hy.expression(hy.real(str(sp.N(x, digits)), prec))

    def go(e: sp.Expr) -> Any:
        if e in names:
            return names[e]
        if e.is_Number or (e.is_number and not e.free_symbols):
            return num(e)
        if e.is_Add:
            return hy.sum([go(a) for a in e.args])
        if e.is_Mul:
            out = go(e.args[0])
            for a in e.args[1:]:
                out = out * go(a)
            return out
        if e.is_Pow:
            base, ex = e.args
            if ex == sp.Rational(1, 2):
                return hy.sqrt(go(base))
            if ex.is_Integer and abs(int(ex)) <= 64:
                k = abs(int(ex))
                out = go(base)
                acc = out
                for _ in range(k - 1):
                    acc = acc * out
                return 1.0 / acc if ex < 0 else acc
            return go(base) ** go(ex)
        for f, name in _FUNCS.items():
            if isinstance(e, f):
                return getattr(hy, name)(go(e.args[0]))
        raise InputError(f"cannot integrate {e} with heyoka: unsupported function; supported: "
                         f"{', '.join(sorted(_FUNCS.values()))}, powers, sums and products")

    return go(sp.sympify(expr))
