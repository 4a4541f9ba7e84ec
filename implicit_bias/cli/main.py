"""The ``implicit-bias`` command line: argument parsing, the subcommands, and error reporting.

Everything here is a thin layer over the public API: a :class:`~implicit_bias.Parametrization` is built
with :meth:`~implicit_bias.Parametrization.from_expr` (or taken from the catalogue), derived with
:func:`~implicit_bias.derive`, checked with :meth:`~implicit_bias.Regularizer.check` and evaluated with
:meth:`~implicit_bias.Regularizer.to_numeric`. Numbers typed on the command line (``--at``, ``--set``)
are parsed exactly (``0.3`` is ``3/10``) and rounded only at the working precision.

Conventions shared by every subcommand: a model is given the same way everywhere (``EXPR`` positionally
with ``--params``/``--init``/``--lr``/``--symbols``, or ``--catalogue NAME`` with ``--depth``); scales are
``log10`` (``--log10-alpha``); ``--format json`` prints one JSON document on stdout; progress of long work goes
to stderr (on a terminal; ``--quiet`` silences it). Old spellings (``verify --param``, ``--D``, ``--d``,
``--log-alpha``) still work for one release, with a deprecation message on stderr.

Exit status: 0 on success, 1 when the engine could not derive or verify a result (the input was
fine), 2 on bad input; the message is one line on stderr, never a traceback (``--traceback`` shows
it for unexpected internal errors).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

import mpmath
import sympy as sp

import implicit_bias as ib

from .._parse import parse_expr
from .._precision import GUARD_DIGITS, MAX_DPS, MIN_DPS
from ..errors import ImplicitBiasError, InputError
from ..parametrizations import catalogue as _catalogue_module

__all__ = ["CATALOGUE", "PROG", "build_parser", "main"]

PROG = "implicit-bias"

#: Default number of significant digits of values printed by ``derive --at``.
DEFAULT_DPS = 40

_EXAMPLE = 'implicit-bias derive "u**2 - v**2" --params u,v --init u=alpha,v=alpha'


def _catalogue() -> dict[str, Callable[..., ib.Parametrization]]:
    """The named constructors, in the order of the catalogue module, that are also public names."""
    return {n: getattr(ib, n) for n in _catalogue_module.__all__ if hasattr(ib, n)}


#: Named parametrizations available as ``derive --catalogue NAME`` and listed by ``catalogue``.
CATALOGUE: dict[str, Callable[..., ib.Parametrization]] = _catalogue()


class CommandLineError(InputError):
    """A command-line argument that cannot be used as given (the message names the option)."""


class _ArgparseError(Exception):
    """Raised instead of argparse's print-usage-and-exit, so that the message stays one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _ArgparseError(f"{self.prog}: error: {message}; see '{self.prog} --help'")


class _Deprecated(argparse.Action):
    """An old spelling of an option: stores into the new option's ``dest`` and says so once on stderr.

    ``convert`` maps the old value to the new option's meaning (``--log-alpha`` is a natural log, its
    replacement ``--log10-alpha`` a base-10 one).
    """

    def __init__(self, option_strings: Sequence[str], dest: str, *, replacement: str,
                 convert: Callable[[Any], Any] | None = None, **kwargs: Any) -> None:
        self.replacement, self.convert = replacement, convert
        super().__init__(option_strings, dest, help=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            raise _ArgparseError(f"{parser.prog}: error: {option_string} and {self.replacement} both given; "
                                 f"give only {self.replacement}")
        print(f"{PROG}: warning: {option_string} is deprecated and will be removed in the next release; "
              f"use {self.replacement}", file=sys.stderr)
        setattr(namespace, self.dest, self.convert(values) if self.convert else values)


def _deprecated(p: argparse.ArgumentParser, old: str, new: str, dest: str, **kwargs: Any) -> None:
    """Accept ``old`` as a deprecated spelling of ``new`` (stored in ``dest``)."""
    p.add_argument(old, dest=dest, action=_Deprecated, replacement=new, default=None, **kwargs)


def _ln_to_log10(value: str) -> str:
    """``--log-alpha X`` (natural log) as a ``--log10-alpha`` value: ``X / ln 10``, to 40 digits."""
    with mpmath.workdps(40):
        return mpmath.nstr(_number(value, "--log-alpha", 50) / mpmath.ln(10), 40)


# ---------------------------------------------------------------------------- parsing of option values
def _split(text: str) -> list[str]:
    """Split ``text`` at commas that are not inside parentheses."""
    items, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return [s.strip() for s in items]


def _names(texts: Sequence[str], option: str, example: str) -> list[str]:
    names = [n for t in texts for n in _split(t)]
    bad = [n for n in names if not n.isidentifier()]
    if bad:
        raise CommandLineError(
            f"{option} {','.join(texts)!r}: {bad[0]!r} is not a name; "
            f"give comma-separated names, e.g. {option} {example}"
        )
    return names


def _pairs(texts: Sequence[str], option: str, example: str) -> dict[str, str]:
    """``["u=alpha,v=2*alpha"]`` -> ``{"u": "alpha", "v": "2*alpha"}``, with a clear error on bad syntax."""
    out: dict[str, str] = {}
    for text in texts:
        for item in _split(text):
            name, eq, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if not eq or not name.isidentifier() or not value:
                raise CommandLineError(
                    f"{option} {text!r}: {item!r} is not NAME=VALUE; write e.g. {option} {example}"
                )
            if name in out:
                raise CommandLineError(f"{option} {text!r}: {name!r} is given twice; give each name once")
            out[name] = value
    return out


def _symbols(texts: Sequence[str]) -> dict[str, str]:
    """``["c,delta:real"]`` -> ``{"c": "positive", "delta": "real"}``."""
    out: dict[str, str] = {}
    for text in texts:
        for item in _split(text):
            name, colon, assumption = (s.strip() for s in item.partition(":"))
            if not name.isidentifier() or (colon and not assumption):
                raise CommandLineError(
                    f"--symbols {text!r}: {item!r} is not NAME or NAME:ASSUMPTION; write e.g. --symbols c,delta:real "
                    "(assumption positive, nonnegative or real; positive if omitted)"
                )
            out[name] = assumption or "positive"
    return out


_DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _number(text: str, option: str, digits: int) -> mpmath.mpf:
    """Parse ``text`` exactly (``0.3`` is ``3/10``, ``1/3``, ``sqrt(2)`` allowed) and round at ``digits``."""
    # A plain decimal literal is read exactly here: Python's float would turn 1e-400 into 0 and 1e400 into inf.
    value = sp.Rational(text) if _DECIMAL.fullmatch(text.strip()) else parse_expr(text, {}, argument=option)
    approx = sp.N(value, digits)
    if not (approx.is_real and approx.is_finite):
        raise CommandLineError(f"{option}={text!r}: {value} is not a finite real number; give e.g. {option}=0.5")
    with mpmath.workdps(digits):
        return mpmath.mpf(approx)


def _dps(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: give an integer number of digits, e.g. 40") from None
    if not MIN_DPS <= n <= MAX_DPS:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: give between {MIN_DPS} and {MAX_DPS} digits")
    return n


# ---------------------------------------------------------------------------- library errors -> options
_LIBRARY_ARGUMENTS = {"expr": "EXPR", "params": "--params", "init": "--init", "lr": "--lr", "symbols": "--symbols",
                      "D": "--depth", "shape": "--catalogue", "delta": "--catalogue", "beta": "--at", "dps": "--dps"}


def _with_option(message: str) -> str:
    """Prefix a library message (``"init['u']='x': ..."``) with the command-line option it came from."""
    m = re.match(r"(\w+)\s*[=\[:(]", message)
    option = _LIBRARY_ARGUMENTS.get(m.group(1)) if m else None
    return f"{option}: {message}" if option and not message.startswith(option) else message


# ---------------------------------------------------------------------------- the parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``implicit-bias`` command, with its subcommands.

    Returns
    -------
    argparse.ArgumentParser
        Each subcommand sets ``run`` (a callable taking the parsed namespace and returning an exit status).
    """
    parser = _Parser(prog=PROG, description="Derive and verify the implicit regularizer Q of gradient flow "
                     "for a parametrization beta = phi(w).")
    parser.add_argument("--version", action="version", version=f"%(prog)s {ib.__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the traceback of an unexpected internal error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for add in _SUBCOMMANDS:
        add(sub)
    return parser


def _add_model(p: argparse.ArgumentParser) -> None:
    """The options that give a model, the same in every subcommand that takes one."""
    p.add_argument("expr", nargs="?", metavar="EXPR", help="phi in Python syntax, e.g. 'u**2 - v**2'")
    p.add_argument("--params", action="append", default=[], metavar="NAMES", help="the parameters, e.g. u,v")
    p.add_argument("--init", action="append", default=[], metavar="NAME=VALUE,...",
                   help="initialization of every parameter in alpha and --symbols, e.g. u=alpha,v=alpha")
    p.add_argument("--lr", action="append", default=[], metavar="NAME=VALUE,...",
                   help="learning-rate multipliers (default 1 each), e.g. u=1,v=2")
    p.add_argument("--symbols", action="append", default=[], metavar="NAME[:ASSUMPTION],...",
                   help="extra constants (positive unless :nonnegative or :real), e.g. c,delta:real")
    p.add_argument("--catalogue", choices=list(CATALOGUE), metavar="NAME",
                   help=f"use a named parametrization instead of EXPR ({', '.join(CATALOGUE)})")
    p.add_argument("--depth", type=int, metavar="D", help="depth for --catalogue diagonal, positive or product")
    _deprecated(p, "--D", "--depth", "depth", type=int)


def _add_derive(sub: Any) -> None:
    p = sub.add_parser(
        "derive", help="derive Q for beta = phi(w) (an expression, or --catalogue NAME)",
        description="Derive the implicit regularizer Q of gradient flow for beta = phi(w), check it\n"
        "independently and optionally evaluate it at given beta.",
        epilog=f"example:\n  {_EXAMPLE} \\\n      --at 0.7 --set alpha=0.3 --format json\n"
        f"  {PROG} derive --catalogue diagonal --depth 3 --at 1 --set alpha=0.1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_model(p)
    p.add_argument("--format", choices=["text", "latex", "json"], default="text", help="output format (text)")
    p.add_argument("--at", action="extend", nargs="+", default=[], metavar="BETA",
                   help="evaluate Q and grad_Q at these beta (needs --set for every constant)")
    p.add_argument("--set", action="extend", nargs="+", default=[], metavar="NAME=VALUE", dest="values",
                   help="values of the constants for --at, e.g. alpha=0.3")
    p.add_argument("--dps", type=_dps, default=DEFAULT_DPS,
                   help=f"significant digits of the --at values (default {DEFAULT_DPS})")
    p.set_defaults(run=_run_derive)


def _add_catalogue(sub: Any) -> None:
    p = sub.add_parser("catalogue", help="list the named parametrizations",
                       description="List the named parametrizations usable as 'derive --catalogue NAME'.")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (text)")
    p.set_defaults(run=_run_catalogue)


def _add_verify(sub: Any) -> None:
    p = sub.add_parser(
        "verify", help="run gradient flow and compare its limit with argmin Q",
        description="Gradient flow of the original parameters against the argmin of the derived Q on a generated\n"
        "sparse-regression problem (or --problem FILE.npz with arrays X and y).",
        epilog=f"example:\n  {PROG} verify 'u**2 - v**2' --params u,v --init u=alpha,v=alpha \\\n"
        "      --log10-alpha -40 --dim 20 --n 8 --sparsity 2 --seed 0",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_model(p)
    _deprecated(p, "--param", "EXPR (positional, as in derive)", "expr_option")
    p.add_argument("--log10-alpha", metavar="X", help="alpha = 10**X, e.g. -40 (required)")
    _deprecated(p, "--log-alpha", "--log10-alpha", "log10_alpha", convert=_ln_to_log10)
    p.add_argument("--dim", type=int, metavar="D", help="dimension of the generated problem (20)")
    _deprecated(p, "--d", "--dim", "dim", type=int)
    p.add_argument("--n", type=int, default=8, help="samples of the generated problem (8)")
    p.add_argument("--sparsity", type=int, default=2, help="non-zeros of the planted beta (2)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated problem (0)")
    p.add_argument("--problem", metavar="FILE.npz", help="use arrays X and y from this file instead")
    p.add_argument("--dps", type=_dps, default=None, help="working digits (default: enough for alpha)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (text)")
    p.add_argument("--quiet", action="store_true", help="no progress bars on stderr")
    p.set_defaults(run=_run_verify)


def _verify_alpha(args: argparse.Namespace) -> mpmath.mpf:
    """``10**X`` for ``--log10-alpha X`` (an exact decimal or an expression such as ``-1000/log(10)``)."""
    if args.log10_alpha is None:
        raise CommandLineError("--log10-alpha: missing; give the initialization scale as alpha = 10**X, "
                               "e.g. --log10-alpha -40")
    digits = 50  # alpha is one definite number near 10**X; the flow and the argmin both use exactly it
    with mpmath.workdps(digits):
        return mpmath.mpf(10) ** _number(args.log10_alpha, "--log10-alpha", digits + GUARD_DIGITS)


def _run_verify(args: argparse.Namespace) -> int:
    import numpy as np

    if args.expr_option is not None:
        if args.expr is not None:
            raise CommandLineError(f"--param {args.expr_option!r}: EXPR {args.expr!r} is given as well; "
                                   "give the expression once, positionally")
        args.expr = args.expr_option
    par = _parametrization(args)
    alpha = _verify_alpha(args)
    if args.problem:
        if args.dim is not None:
            raise CommandLineError(f"--dim {args.dim}: the dimension of --problem {args.problem} is that of its X; "
                                   "drop --dim")
        try:
            data = np.load(args.problem)
            X, y = data["X"], data["y"]
        except (OSError, KeyError, ValueError) as exc:
            raise InputError(f"--problem {args.problem!r}: cannot read arrays X and y ({exc})") from None
    else:
        prob = ib.sparse_regression(20 if args.dim is None else args.dim, args.n, args.sparsity, seed=args.seed)
        X, y = prob.X, prob.y_exact()
    rep = ib.verify(par, X, y, alpha=alpha, dps=args.dps, progress=False if args.quiet else None)
    if args.format == "json":
        digits = 20
        print(json.dumps({
            "status": str(rep.status), "agree": rep.agree, "message": rep.message, "dps": rep.dps,
            "max_abs_diff": mpmath.nstr(rep.max_abs_diff, 5), "alpha_part_digits": rep.alpha_part_digits,
            "gf_beta": [mpmath.nstr(b, digits) for b in rep.gf_beta],
            "q_beta": [mpmath.nstr(b, digits) for b in rep.q_beta],
            "l1_beta": [mpmath.nstr(b, digits) for b in rep.l1_beta],
            "l2_beta": [mpmath.nstr(b, digits) for b in rep.l2_beta],
            "timings": rep.timings,
        }, indent=1))
    else:
        print(rep.summary())
    return 0 if rep.agree else 1


def _add_single_neuron(sub: Any) -> None:
    p = sub.add_parser(
        "single-neuron", help="the single neuron a*w: regime, preconditioner M, potential and its delta limits",
        description="Derive the single neuron beta = a*w (w in R^DIM) at a value of the conserved quantity\n"
        "delta = eta_w a^2 - eta_a ||w||^2: its regime, the preconditioner M(beta, delta) of beta' = -M grad L,\n"
        "the time-warped mirror potential Psi_delta and Q, the regimes as delta -> +oo, 0, -oo, and the\n"
        "independent check.",
        epilog=f"example:\n  {PROG} single-neuron --delta -1 --dim 3 --format json",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--delta", required=True, metavar="DELTA", help="the conserved quantity, e.g. -1, 0.5, 1/3")
    p.add_argument("--dim", type=int, default=2, metavar="DIM", help="input dimension of the neuron (2)")
    p.add_argument("--format", choices=["text", "latex", "json"], default="text", help="output format (text)")
    p.set_defaults(run=_run_single_neuron)


def _run_single_neuron(args: argparse.Namespace) -> int:
    text = args.delta.strip()
    delta = sp.Rational(text) if _DECIMAL.fullmatch(text) else parse_expr(text, {}, argument="--delta")
    if not (delta.is_real and delta.is_finite):
        raise CommandLineError(f"--delta {args.delta!r}: not a finite real number; give e.g. --delta -1")
    if args.dim < 1:
        raise CommandLineError(f"--dim {args.dim}: the input dimension must be >= 1")
    from ..derive.warped import DELTA, derive_warped

    model = ib.single_neuron(args.dim, delta=delta)
    assert isinstance(model, ib.SharedParametrization)  # a dimension is given: the one-neuron vector model
    reg = derive_warped(model)
    if args.format == "latex":
        print(reg.latex())
        return 0
    check = reg.check(n_points=3)
    limits = [str(g) for g in reg.regimes()]
    report: dict[str, Any] = {
        "model": f"beta = a*w, w in R^{args.dim}", "delta": str(delta), "regime": reg.regime_of(delta),
        "bracket": reg.bracket_statement, "conserved": str(reg.conserved), "M": f"({reg.M_iso.subs(DELTA, delta)}) I + "
        f"({reg.M_radial.subs(DELTA, delta)}) beta beta^T / r^2, r = ||beta||",
        "warp": f"d/dt w = -({reg.warp}) grad L", "potential": str(reg.potential.subs(DELTA, delta)),
        "Q": "Psi(beta) - Psi(beta0) - <sign(a0) w0, beta - beta0> (sign(a) kept); "
        "Psi(beta) + <sign(a0) w0, beta> (sign(a) flipped)",
        "sign": reg.sign_statement, "limits": limits,
        "verified": bool(check.verified), "residual": float(check.residual),
    }
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        rows = [(k, v) for k, v in report.items() if k != "limits"]
        width = max(len(k) for k, _ in rows)
        lines = [f"{k:<{width}}  {v}" for k, v in rows]
        lines += [f"{'limits' if i == 0 else '':<{width}}  {lim}" for i, lim in enumerate(limits)]
        print("\n".join(lines))
    return 0 if check.verified else 1


def _add_richness(sub: Any) -> None:
    from ..richness.gauges import GAUGES

    p = sub.add_parser(
        "richness", help="the exponent table of the richness scale (lazy NTK at r = 0 to muP at r = 1/2)",
        description="Derive the hyperparameter exponents of a deep network with layer multipliers at richness r\n"
        "(||Delta h|| ~ n^r; Karkada 2024) by solving the criteria, in a chosen gauge.",
        epilog=f"example:\n  {PROG} richness --r 0.25 --depth 4 --gauge learning-rate --format latex",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--r", required=True, metavar="R", help="richness in [0, 1/2], e.g. 0.25 or 1/3")
    p.add_argument("--depth", type=int, default=3, metavar="L", help="number of weight layers, >= 2 (3)")
    p.add_argument("--gauge", choices=list(GAUGES), default="multiplier", help="gauge (multiplier)")
    p.add_argument("--format", choices=["text", "latex", "json"], default="text", help="output format (text)")
    p.set_defaults(run=_run_richness)


def _run_richness(args: argparse.Namespace) -> int:
    text = args.r.strip()
    try:
        r = sp.Rational(text) if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?(/\d+)?", text) else None
    except (TypeError, ValueError, ZeroDivisionError):
        r = None
    if r is None:
        raise CommandLineError(f"--r {args.r!r}: not a number; give the richness as a decimal or a fraction, "
                               "e.g. --r 0.25 or --r 1/3")
    try:
        table = ib.richness_table(r, depth=args.depth, gauge=args.gauge)
    except InputError as exc:
        option = "--r" if str(exc).startswith("r=") else "--depth" if str(exc).startswith("depth=") else None
        raise CommandLineError(f"{option} {args.r if option == '--r' else args.depth}: {exc}" if option
                               else str(exc)) from None
    print({"text": table.text, "latex": table.latex, "json": table.to_json}[args.format]())
    return 0


#: Each adds one subcommand (a parser whose defaults set ``run``); a new subcommand is one more entry.
_SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (_add_derive, _add_catalogue, _add_verify,
                                                    _add_single_neuron, _add_richness)


# ---------------------------------------------------------------------------- catalogue
def _summary(f: Callable[..., Any]) -> str:
    """The first line of ``f``'s docstring, without reST markup."""
    doc = (inspect.getdoc(f) or "").strip()
    return doc.splitlines()[0].replace("``", "") if doc else ""


def _run_catalogue(args: argparse.Namespace) -> int:
    if args.format == "json":
        print(json.dumps([{"name": name, "summary": _summary(f), "signature": f"{name}{inspect.signature(f)}",
                           "depth": "D" in inspect.signature(f).parameters} for name, f in CATALOGUE.items()],
                         indent=2))
        return 0
    width = max(len(n) for n in CATALOGUE)
    for name, f in CATALOGUE.items():
        print(f"{name:<{width}}  {_summary(f)}")
    print(f"\nuse: {PROG} derive --catalogue NAME [--depth D]")
    return 0


# ---------------------------------------------------------------------------- derive
def _parametrization(args: argparse.Namespace) -> ib.Parametrization:
    if args.catalogue is not None:
        extra = [o for o, v in (("EXPR", args.expr), ("--params", args.params), ("--init", args.init),
                                ("--lr", args.lr), ("--symbols", args.symbols)) if v]
        if extra:
            raise CommandLineError(f"--catalogue {args.catalogue}: cannot be combined with {', '.join(extra)}; "
                                   "give either EXPR with --params/--init or --catalogue NAME")
        build = CATALOGUE[args.catalogue]
        if args.depth is None:
            return build()
        if "D" not in inspect.signature(build).parameters:
            raise CommandLineError(f"--depth {args.depth}: {args.catalogue} has no depth; drop --depth")
        return build(args.depth)
    if args.depth is not None:
        raise CommandLineError(f"--depth {args.depth}: a depth applies only with --catalogue NAME; drop --depth or "
                               "add --catalogue")
    if args.expr is None:
        raise CommandLineError(f"EXPR: missing; give phi and its parameters, e.g. {_EXAMPLE}, or --catalogue NAME")
    if not args.params:
        raise CommandLineError(f"--params: missing; name the parameters of EXPR={args.expr!r}, e.g. --params u,v")
    if not args.init:
        raise CommandLineError("--init: missing; give the initialization of every parameter, e.g. "
                               "--init u=alpha,v=alpha")
    params = _names(args.params, "--params", "u,v")
    init = _pairs(args.init, "--init", "u=alpha,v=alpha")
    lr = _pairs(args.lr, "--lr", "u=1,v=1") if args.lr else None
    symbols = _symbols(args.symbols)
    return ib.Parametrization.from_expr(args.expr, params, init, lr, symbols=symbols)


def _constant_values(args: argparse.Namespace, p: ib.Parametrization) -> dict[str, mpmath.mpf]:
    """The ``--set`` values, checked against the constants of ``p`` (all are needed when ``--at`` is given)."""
    given = _pairs(args.values, "--set", "alpha=0.3")
    constants = {s.name: s for s in p.constants}
    unknown = [n for n in given if n not in constants]
    if unknown:
        raise CommandLineError(f"--set {unknown[0]}={given[unknown[0]]}: {unknown[0]!r} is not a constant of this "
                               f"model; its constants are {', '.join(constants) or 'none'}")
    if given and not args.at:
        raise CommandLineError(f"--set {' '.join(args.values)}: values are used only to evaluate Q at --at points; "
                               "add --at BETA or drop --set")
    missing = [n for n in constants if n not in given]
    if args.at and missing:
        raise CommandLineError(f"--set: no value for {', '.join(missing)}, needed to evaluate at --at "
                               f"{' '.join(args.at)}; add e.g. --set {' '.join(f'{n}=0.5' for n in missing)}")
    digits = args.dps + GUARD_DIGITS
    values: dict[str, mpmath.mpf] = {}
    for name, text in given.items():
        v = _number(text, f"--set {name}", digits)
        s = constants[name]
        if (s.is_positive and v <= 0) or (s.is_nonnegative and v < 0):
            kind = "positive" if s.is_positive else "non-negative"
            raise CommandLineError(f"--set {name}={text}: {name} is {kind}; give a {kind} value")
        values[name] = v
    return values


def _evaluate(reg: ib.Regularizer, args: argparse.Namespace, values: dict[str, mpmath.mpf]
              ) -> list[dict[str, str]]:
    """``Q`` and ``grad_Q`` at each ``--at`` point, as decimal strings with ``--dps`` digits."""
    digits = args.dps + GUARD_DIGITS
    betas = [(text, _number(text, "--at", digits)) for text in args.at]
    f = reg.to_numeric(dps=args.dps)
    rows = []
    for text, beta in betas:
        q = f.Q(beta, **values)
        if not mpmath.isfinite(q):
            where = ", ".join(f"{n}={mpmath.nstr(v, 6)}" for n, v in values.items())
            lo, hi = reg.beta_domain
            raise CommandLineError(f"--at {text}: beta={text} is outside the domain ({lo}, {hi}) of Q at {where}, "
                                   "where Q = +oo; choose BETA inside it")
        g = f.grad_Q(beta, **values)
        rows.append({"beta": mpmath.nstr(beta, args.dps), "Q": mpmath.nstr(q, args.dps),
                     "grad_Q": mpmath.nstr(g, args.dps)})
    return rows


def _limits(reg: ib.Regularizer) -> list[str] | None:
    if not hasattr(reg, "limits"):
        return None
    return [str(lim) for lim in reg.limits()]


def _run_derive(args: argparse.Namespace) -> int:
    if args.format == "latex" and args.at:
        raise CommandLineError(f"--at {' '.join(args.at)}: values are printed only with --format text or json")
    p = _parametrization(args)
    values = _constant_values(args, p)
    reg = ib.derive(p)
    if args.format == "latex":
        print(reg.latex())
        return 0
    check = reg.check()
    report: dict[str, Any] = {
        "parametrization": {"phi": str(p.phi), "params": [str(w) for w in p.params],
                            "init": [str(e) for e in p.init], "lr": [str(e) for e in p.lr]},
        "kind": reg.kind,
        "Q": str(reg.Q),
        "grad_Q": str(reg.grad_Q),
        "conjugate": str(reg.conjugate),
        "beta0": str(reg.beta0),
        "domain": [str(e) for e in reg.beta_domain],
        "kernel": str(reg.kernel),
        "verified": bool(check.verified),
        "residual": float(check.residual) if mpmath.isfinite(check.residual) else None,
        "tolerance": float(check.tolerance),
    }
    if reg.kind != "closed":
        report["root"] = str(reg.root)
        report["equation"] = f"{reg.curve.b} = beta"
    if not reg.curve.explicit:
        report["sigma"] = str(reg.curve.sigma)
    lim = _limits(reg)
    if lim is not None:
        report["limits"] = lim
    if args.at:
        report["constants"] = {n: mpmath.nstr(v, args.dps) for n, v in values.items()}
        report["values"] = _evaluate(reg, args, values)
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        print(_text(report, reg))
    return 0 if check.verified else 1


def _text(report: dict[str, Any], reg: ib.Regularizer) -> str:
    param = reg.curve.param
    rows = [
        ("model", f"beta = {report['parametrization']['phi']}, w0 = ({', '.join(report['parametrization']['init'])}),"
                  f" eta = ({', '.join(report['parametrization']['lr'])})"),
        ("kind", report["kind"]),
        ("Q(beta)", report["Q"]),
        ("grad_Q(beta)", report["grad_Q"]),
    ]
    if "root" in report:
        rows.append((report["root"], f"the root {param} of {report['equation']}"))
    rows.append(("Q*(sigma)", report["conjugate"] + ("" if "sigma" not in report else f", sigma = {report['sigma']}")))
    rows += [("beta0", report["beta0"]), ("domain", f"({report['domain'][0]}, {report['domain'][1]})"),
             ("verified", f"{report['verified']} (residual {report['residual']:.1e}, tolerance "
                          f"{report['tolerance']:.0e})" if report["residual"] is not None else str(report["verified"]))]
    for i, lim in enumerate(report.get("limits", [])):
        rows.append(("limits" if i == 0 else "", lim))
    width = max(len(k) for k, _ in rows)
    lines = [f"{k:<{width}}  {v}" for k, v in rows]
    if "values" in report:
        at = ", ".join(f"{n} = {v}" for n, v in report["constants"].items())
        lines += ["", f"at {at}" if at else "values"]
        table = [("beta", "Q(beta)", "grad_Q(beta)")] + [(r["beta"], r["Q"], r["grad_Q"]) for r in report["values"]]
        w = [max(len(row[j]) for row in table) for j in range(3)]
        lines += ["  ".join(c.rjust(w[j]) for j, c in enumerate(row)) for row in table]
    return "\n".join(lines)


# ---------------------------------------------------------------------------- entry point
def main(argv: list[str] | None = None) -> int:
    """Run the ``implicit-bias`` command.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name (default ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 success, 1 not derived or not verified, 2 bad input.

    Examples
    --------
    >>> main(["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha", "--format", "latex"])
    Q(\\beta) = \\frac{\\alpha^{2}}{2} + ...
    0
    >>> main(["derive", "u**2 - v**2", "--params", "u,v", "--init", "u:alpha"])  # doctest: +SKIP
    implicit-bias: error: --init 'u:alpha': 'u:alpha' is not NAME=VALUE; write e.g. --init u=alpha,v=alpha
    2
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    show_traceback = "--traceback" in argv
    try:
        args = build_parser().parse_args(argv)
        return int(args.run(args))
    except SystemExit as exc:  # --help and --version
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:  # the reader stopped reading (``| head``): nothing of ours went wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush stays quiet
        return 0
    except _ArgparseError as exc:
        return _fail(str(exc), 2)
    except InputError as exc:
        return _fail(f"{PROG}: error: {_with_option(str(exc))}", 2)
    except ImplicitBiasError as exc:
        return _fail(f"{PROG}: {type(exc).__name__}: {exc}", 1)
    except Exception as exc:
        if show_traceback:
            raise
        return _fail(f"{PROG}: internal error ({type(exc).__name__}: {exc}); rerun with --traceback and report it", 1)


def _fail(message: str, status: int) -> int:
    print(" ".join(message.split()), file=sys.stderr)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
