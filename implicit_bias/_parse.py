"""Safe parsing of user strings into SymPy expressions.

A user's string is never evaluated and never passed to :func:`sympy.sympify`. It is parsed by
Python's :mod:`ast` into a syntax tree and rebuilt node by node from an explicit whitelist:
numbers, the symbols the caller allows, ``+ - * / **``, and the functions in
:data:`ALLOWED_FUNCTIONS`. Anything else (attributes, subscripts, lambdas, comprehensions,
keyword arguments, unknown names) is refused with a :class:`~implicit_bias.errors.ParseError`
that names the argument, echoes the string and says what is allowed.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

import sympy as sp

from .errors import ParseError

__all__ = ["ALLOWED_CONSTANTS", "ALLOWED_FUNCTIONS", "parse_expr"]

#: Functions a user may call in an expression, by the name they type.
ALLOWED_FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp,
    "log": sp.log,
    "sqrt": sp.sqrt,
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "asinh": sp.asinh,
    "acosh": sp.acosh,
    "atanh": sp.atanh,
    "atan": sp.atan,
    "abs": sp.Abs,
    "Abs": sp.Abs,
}

#: Named constants a user may type.
ALLOWED_CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E}

_MAX_LENGTH = 2000
_MAX_INT_EXPONENT = 1000
_MAX_DEPTH = 60

_BINOPS: dict[type, Callable[[sp.Expr, sp.Expr], sp.Expr]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse_expr(text: str, symbols: Mapping[str, sp.Symbol], *, argument: str = "expr") -> sp.Expr:
    """Parse ``text`` into a SymPy expression over ``symbols`` without evaluating code.

    Parameters
    ----------
    text : str
        The user's expression, in Python syntax (``**`` for powers).
    symbols : mapping of str to sympy.Symbol
        The names the expression may use, with the symbols they stand for.
    argument : str
        The argument's name, used in error messages.

    Returns
    -------
    sympy.Expr

    Raises
    ------
    ParseError
        If the string is not a whitelisted expression over ``symbols``.

    Examples
    --------
    >>> import sympy as sp
    >>> u, v = sp.symbols("u v", real=True)
    >>> parse_expr("u**2 - v**2", {"u": u, "v": v})
    u**2 - v**2
    >>> parse_expr("__import__('os')", {"u": u})
    Traceback (most recent call last):
    ...
    implicit_bias.errors.ParseError: expr='__import__('os')': unknown name '__import__'; ...
    """
    if not isinstance(text, str):
        raise ParseError(f"{argument}={text!r}: expected a string such as 'u**2 - v**2', got {type(text).__name__}")
    if len(text) > _MAX_LENGTH:
        raise ParseError(f"{argument}: the string has {len(text)} characters; at most {_MAX_LENGTH} are accepted")
    if not text.strip():
        raise ParseError(f"{argument}={text!r}: empty expression; type one such as 'u**2 - v**2'")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ParseError(
            f"{argument}={text!r}: not a well-formed expression ({exc.msg} at column {exc.offset}); "
            "use Python syntax, e.g. 'u**2 - v**2' (note: powers are '**', not '^')"
        ) from None
    return _Builder(text, symbols, argument).build(tree.body, 0)


class _Builder:
    def __init__(self, text: str, symbols: Mapping[str, sp.Symbol], argument: str) -> None:
        self.text = text
        self.symbols = dict(symbols)
        self.argument = argument

    def fail(self, why: str) -> ParseError:
        allowed = sorted(self.symbols) + sorted(ALLOWED_CONSTANTS)
        return ParseError(
            f"{self.argument}={self.text!r}: {why}; allowed names are {', '.join(allowed)} and the "
            f"functions {', '.join(sorted(set(ALLOWED_FUNCTIONS)))}"
        )

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > _MAX_DEPTH:
            raise self.fail(f"the expression is nested more than {_MAX_DEPTH} levels deep")
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self.fail(f"constant {value!r} is not a real number")
            if isinstance(value, int):
                return sp.Integer(value)
            # Exact, from the typed digits: 0.1 means 1/10 and 1e-400 means 10^-400 (no double in between).
            typed = ast.get_source_segment(self.text.strip(), node) or repr(value)
            return sp.Rational(typed.replace("_", ""))
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            if node.id in ALLOWED_CONSTANTS:
                return ALLOWED_CONSTANTS[node.id]
            if node.id in ALLOWED_FUNCTIONS:
                raise self.fail(f"function {node.id!r} used without arguments")
            raise self.fail(f"unknown name {node.id!r}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand, depth + 1)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.BitXor):
                raise self.fail("'^' is not a power here; write '**' (e.g. 'u**2')")
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise self.fail(f"operator {type(node.op).__name__} is not allowed")
            left = self.build(node.left, depth + 1)
            right = self.build(node.right, depth + 1)
            if isinstance(node.op, ast.Pow) and right.is_Integer and abs(int(right)) > _MAX_INT_EXPONENT:
                raise self.fail(f"exponent {right} is larger than {_MAX_INT_EXPONENT} in absolute value")
            if isinstance(node.op, ast.Div) and right == 0:
                raise self.fail("division by zero")
            return op(left, right)
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in ALLOWED_FUNCTIONS:
                name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise self.fail(f"unknown name {name!r}")
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise self.fail(f"{node.func.id}() takes exactly one positional argument")
            return ALLOWED_FUNCTIONS[node.func.id](self.build(node.args[0], depth + 1))
        raise self.fail(f"{type(node).__name__} syntax is not allowed in an expression")
