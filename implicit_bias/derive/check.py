"""The independent checker: the answer ``derive`` returns, judged against the flow it came from.

Like sympy's ``checkodesol``, :func:`check_regularizer` returns ``(verified, residual)`` and never trusts the
derivation. It evaluates the expressions the engine *returns* (``reg.Q``, ``reg.grad_Q``, ``reg.conjugate``:
what the command line prints), not a recomputation of them. In the implicit kinds they contain the
placeholder ``s(beta)`` (``reg.root``); the checker replaces it by the root of ``reg.equation``
(``b(param) = beta``), which it solves itself: from its own compiled ``b - beta`` and slope, a bracket searched
outward from the initialization, refined by Newton steps kept inside it (bisection followed by
``mpmath.findroot``'s Anderson-Bjorck method where the slope cannot be used). The numeric form solves the same
equation with its own compiled curve.

At random points (constants drawn at random unless given, and ``beta`` around ``beta0``), at ``dps`` plus
guard digits, it measures the worst relative residual of each condition:

``inverse``
    ``b(grad_Q(beta)) = beta``, as ``sigma(p) = grad_Q(beta)`` at the root ``p`` of ``b(p) = beta``.
``derivative``
    ``dQ/dbeta = grad_Q`` (SymPy's derivative of the returned ``Q``, with ``ds/dbeta = 1/b'(s)``).
``second_derivative``, ``convexity``
    ``d grad_Q/dbeta = 1/b'(grad_Q)`` (``b' = db/dsigma``) and ``d grad_Q/dbeta > 0``.
``fenchel_young``
    ``Q(beta) + Q*(grad_Q(beta)) = beta * grad_Q(beta)``: the returned conjugate is the conjugate of ``Q``.
``conjugate_derivative``
    ``dQ*/dsigma = b(sigma)``.
``normalization``
    ``Q(beta0) = 0``, ``grad_Q(beta0) = 0``, ``Q*(0) = 0``, and the curve passes ``beta0`` at ``sigma = 0``.
``kernel``
    ``d grad_Q/dbeta (beta0) = 1/K``, ``K = <grad phi(w0), eta grad phi(w0)>`` from the parametrization alone.
``flow``
    The flow ``dw/dsigma = eta grad phi(w)``, ``w(0) = w0``, integrated numerically from the parametrization
    (:func:`~implicit_bias.derive.odeint.integrate`) to ``sigma1`` (half of ``grad_Q(beta)``, at most half the
    time the state takes to change by its own size at the initial rate), reaches ``beta1 = phi(w(sigma1))``
    with ``grad_Q(beta1) = sigma1``, and the curve's weights at ``beta1`` are ``w(sigma1)``: a wrong learning
    rate, initialization or branch of the curve shows here.
``numeric``
    ``reg.to_numeric()`` (its own root finder, ``b`` and ``B`` from the curve) gives the same ``Q``,
    ``grad_Q`` and ``hess_Q`` as the returned expressions, and the same ``b`` and ``Q*`` at ``grad_Q(beta)``
    where ``sigma(param)`` is closed (with a quadrature each would cost a root solve over quadratures).
``limits``
    Each limit of ``reg.limits()``, ``Q ~ scale * form``, against the returned ``Q`` at ``beta0 +- 0.7`` and
    ``alpha = e^-30, e^-60`` (rich) or ``e^6, e^12`` (kernel): the deviation of ``Q / (scale * form)`` from 1,
    extrapolated to the limit (see :func:`_limit_residual`), must be below :data:`LIMIT_TOLERANCE`.

The identities must hold to ``10^-(dps - GUARD_DIGITS)`` (:func:`tolerance`); a point whose residual is above
it is evaluated again with twice the digits, and a residual that shrinks with the digits is rounding, not a
wrong answer. See ``docs/verification.md``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from .._precision import GUARD_DIGITS
from .._validation import check_alpha, check_constants, check_dps, check_int
from ..errors import ImplicitBiasError, InputError, NumericalError
from .invert import BETA
from .odeint import integrate
from .roots import safeguarded_newton

if TYPE_CHECKING:  # pragma: no cover
    from .limits import Limit, Limits
    from .regularizer import Regularizer

__all__ = ["CHECK_DPS", "CONDITIONS", "LIMIT_TOLERANCE", "CheckResult", "check_regularizer", "tolerance"]

#: Default digits of a check. Below ``DEFAULT_DPS``: the command line checks every answer it prints, a wrong
#: answer misses by far more than 10^-30, and each condition costs time proportional to the digits.
CHECK_DPS = 40
#: Largest extrapolated relative deviation of ``Q`` from a claimed limit (a ratio, not a digit count: the rich
#: limits are approached like ``1/log(1/alpha)``, which no finite ``alpha`` resolves to many digits).
LIMIT_TOLERANCE = 1e-3
#: The conditions, in the order they are reported.
CONDITIONS = ("inverse", "derivative", "second_derivative", "convexity", "fenchel_young", "conjugate_derivative",
              "normalization", "kernel", "flow", "numeric", "limits")
_RICH_ALPHAS = (-30, -60)  # log(alpha): the second doubles |log(alpha)|, see _limit_residual
_KERNEL_ALPHAS = (6, 12)
_LIMIT_DIGITS = 3  # -log10(LIMIT_TOLERANCE)
_SETTLE_DOUBLINGS = 5
_ESCALATIONS = 2  # reruns of a point at twice the digits before a residual counts as a wrong answer


def tolerance(dps: int) -> float:
    """The largest relative residual an identity may show at ``dps`` digits: ``10^-(dps - GUARD_DIGITS)``.

    The identities are evaluated at ``dps + GUARD_DIGITS`` digits, so ``2 * GUARD_DIGITS`` digits are left for
    the cancellation inside the returned expressions.

    >>> tolerance(40)
    1e-30
    """
    return 10.0 ** -(dps - GUARD_DIGITS)


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check_regularizer`; unpacks as ``verified, residual = result``.

    Attributes
    ----------
    verified : bool
        Every condition held: ``residual < tolerance``.
    residual : float
        The worst condition's residual measured against ``tolerance`` (a condition with a tolerance of its
        own, the limits', is scaled by ``tolerance / tolerances[name]``); ``inf`` if something could not be
        evaluated.
    tolerance : float
        :func:`tolerance` of the check's ``dps``.
    details : dict of str to float
        The worst residual of each condition (:data:`CONDITIONS`), in its own units.
    points : int
        How many random points were checked.
    tolerances : dict of str to float
        Each condition's tolerance (``tolerance`` unless stated).
    message : str
        What failed, and where; empty when verified. Limits the engine did not derive are noted here too.
    """

    verified: bool
    residual: float
    tolerance: float
    details: dict[str, float] = field(default_factory=dict)
    points: int = 0
    tolerances: dict[str, float] = field(default_factory=dict)
    message: str = ""

    def __iter__(self) -> Iterator[Any]:  # ``verified, residual = reg.check()``, as sympy's checkodesol
        yield self.verified
        yield self.residual

    @property
    def failed(self) -> tuple[str, ...]:
        """The conditions whose residual is not below their tolerance."""
        return tuple(c for c, r in self.details.items() if not r < self.tolerances.get(c, self.tolerance))


# ---------------------------------------------------------------------------------------------------- evaluation
class _Unevaluable(Exception):
    """The answer cannot be evaluated at a point (an unknown symbol, a pole, a failed root solve)."""


class _Unresolved(_Unevaluable):
    """The working precision cannot resolve the point (a root closer to a pole than its digits): more may."""


def _rel(a: Any, b: Any) -> float:
    """``|a - b| / max(|a|, |b|)``; 0 when both vanish."""
    size = max(abs(a), abs(b))
    return 0.0 if size == 0 else float(abs(a - b) / size)


class _Answer:
    """The answer's expressions and the parametrization's, as mpmath callables of fixed signatures.

    ``Q``, ``grad_Q``, ``partials`` take ``(beta, root, *constants)``: the root placeholder ``s(beta)`` becomes
    an argument, and ``d/dbeta = partial_beta + partial_root / b'(root)`` (implicit differentiation of
    ``b(s(beta)) = beta``). ``equation``, ``slope`` and ``at_root`` take ``(param, [beta,] *constants)``;
    ``rhs`` and ``phi`` take ``(*w, *constants)``; ``facts`` takes the constants.
    """

    def __init__(self, reg: Regularizer) -> None:
        self.reg = reg
        c, p = reg.curve, reg.parametrization
        self.consts = list(reg.constants)
        self.problem = ""
        P = sp.Dummy("root", real=True)
        Q, G = (e.xreplace({reg.root: P}) if reg.root is not None else e for e in (reg.Q, reg.grad_Q))
        cand = [BETA, P]
        self.Q = self._compile(cand, Q, "Q")
        self.grad_Q = self._compile(cand, G, "grad_Q")
        self.partials = self._compile(cand, [sp.diff(Q, BETA), sp.diff(Q, P), sp.diff(G, BETA), sp.diff(G, P)],
                                      "the derivatives of Q and grad_Q")
        g = reg.equation.lhs - reg.equation.rhs
        self.equation = self._compile([c.param, BETA], g, "the root equation")
        self.slope = self._compile([c.param], sp.diff(g, c.param), "the root equation's derivative")
        at_root = [c.sigma, sp.diff(c.sigma, c.param), reg.conjugate, sp.diff(reg.conjugate, c.param), *c.weights]
        self.at_root = self._compile([c.param], at_root, "sigma, the conjugate and the weights along the curve")
        self.rhs = self._compile(list(p.params), [e * d for e, d in zip(p.lr, p.grad_phi, strict=True)],
                                 "eta grad phi")
        self.phi = self._compile(list(p.params), p.phi, "phi")
        facts = [reg.beta0, p.tangent_kernel, *reg.beta_domain, *p.init]
        self.facts = self._compile([], facts, "beta0, the domain of Q, the kernel and w0", finite=False)
        self.start = self._compile([], [c.param0, *c.domain], "param0 and the curve's domain", finite=False)

    def _compile(self, args: list[sp.Symbol], expr: Any, name: str, *, finite: bool = True) -> Callable[..., Any]:
        """An mpmath callable of ``(*args, *constants)``; records why the answer cannot be evaluated, if so."""
        exprs = expr if isinstance(expr, list) else [expr]
        stray = sorted({str(a) for e in exprs for a in e.atoms(AppliedUndef)})
        unknown = sorted({str(s) for e in exprs for s in e.free_symbols} - {str(a) for a in [*args, *self.consts]})
        if stray or unknown:
            self.problem = self.problem or (f"{name} uses {stray + unknown}, which are neither "
                                            f"{[str(a) for a in args]}, the root placeholder {self.reg.root} nor "
                                            f"the constants {[str(s) for s in self.consts]}")
            return _refuse
        f = sp.lambdify([*args, *self.consts], expr, modules="mpmath")
        check = _number if finite else mpmath.mpmathify
        if isinstance(expr, list):
            return lambda *xs: [check(x) for x in f(*xs)]
        return lambda *xs: check(f(*xs))

    # ------------------------------------------------------------------ the root of b(p) = beta
    def solve(self, beta: mpmath.mpf, v: tuple[Any, ...]) -> mpmath.mpf:
        """The root of ``b(p) = beta`` on the curve's domain: a bracket from ``param0``, then Anderson-Bjorck."""
        p0, lo, hi = self.start(*v)
        if not lo < p0 < hi:
            raise _Unevaluable(f"param0 = {mpmath.nstr(p0, 8)} lies outside the curve's domain "
                               f"({mpmath.nstr(lo, 8)}, {mpmath.nstr(hi, 8)})")

        def g(x: mpmath.mpf) -> mpmath.mpf:
            value = self.equation(x, beta, *v)
            if not isinstance(value, mpmath.mpf):
                raise _Unevaluable(f"b({mpmath.nstr(x, 8)}) = {value} is not real")
            return value

        g0 = g(p0)
        if abs(g0) <= abs(beta) * mpmath.mpf(2) ** (8 - mpmath.mp.prec):  # beta0 itself, up to its rounding
            return p0
        slope = self.slope(p0, *v)
        sign = 1 if (g0 < 0) == (slope > 0) else -1
        # the Newton step sets the scale near beta0; far from it (b exponential) a step of at most max(|p0|, 1),
        # doubled, finds the bracket in a few evaluations
        step = min(abs(g0 / slope), max(abs(p0), 1)) if slope != 0 else max(abs(p0), 1)
        end = hi if sign > 0 else lo
        a, q = self._bracket(g, p0, g0, sign, end, step)

        def dg(x: mpmath.mpf) -> mpmath.mpf:
            value = self.slope(x, *v)
            if not isinstance(value, mpmath.mpf):
                raise _Unevaluable(f"b'({mpmath.nstr(x, 8)}) = {value} is not real")
            return value

        return _refine(g, a, q, g0 < 0, end, dg)

    @staticmethod
    def _bracket(g: Callable[[mpmath.mpf], mpmath.mpf], p0: mpmath.mpf, g0: mpmath.mpf, sign: int,
                 end: mpmath.mpf, step: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
        """Steps from ``p0`` towards ``end`` until ``g`` changes sign between the last two points. The ``j``-th step
        grows by ``2^(2^j)`` (``j <= 6``) and, once it would pass a finite end, the distance to the end shrinks by
        ``2^-(2^k)`` at the ``k``-th step: depth 5 at ``alpha = e^-60`` puts the root ``~e^180`` from ``p0`` and
        ``1e-78`` (relative) from a pole, a few dozen steps either way."""
        a, j, k = p0, 0, 0
        for _ in range(4 * mpmath.mp.prec):
            q = a + sign * step
            if mpmath.isfinite(end) and sign * (end - q) <= 0:
                q, k = end - (end - a) * mpmath.mpf(2) ** -(2**k), k + 1
                if q in (a, end):
                    raise _Unresolved("the root of b = beta is closer to the end of the curve than "
                                      f"{mpmath.mp.dps} digits resolve")
            gq = g(q)
            if gq == 0 or (gq > 0) == (g0 < 0):
                return a, q
            a, step, j = q, step * 2 ** (2 ** min(j, 6)), j + 1
        raise _Unevaluable("no root of b = beta on the curve's domain")


def _refine(g: Callable[[mpmath.mpf], mpmath.mpf], a: mpmath.mpf, q: mpmath.mpf, negative_at_a: bool,
            end: mpmath.mpf, dg: Callable[[mpmath.mpf], mpmath.mpf] | None = None) -> mpmath.mpf:
    """The root of ``g`` between ``a`` and ``q`` (``g(a) < 0`` if ``negative_at_a``).

    With the derivative ``dg``: bisection to 2 bits, then Newton steps kept inside the bracket
    (:func:`~implicit_bias.derive.roots.safeguarded_newton`: every iterate is a bracket end, so the answer is
    bracketed by sign changes of ``g`` itself). Without it, or if that fails: bisection to 16 bits, where ``g`` is
    nearly linear even when it is exponential on the bracket, then ``mpmath.findroot``'s Anderson-Bjorck method;
    its answer is kept only if ``g`` changes sign across it, else bisection goes on. Where the bracket spans many
    factors of 2 in the distance to a finite ``end`` (a pole of ``b``), it is bisected in the logarithm of that
    distance first."""

    def midpoint(a: mpmath.mpf, q: mpmath.mpf) -> mpmath.mpf:
        if mpmath.isfinite(end):
            da, dq = abs(end - a), abs(end - q)
            if da > 4 * dq or dq > 4 * da:
                return end + (a - end) * mpmath.sqrt(dq / da)
        return (a + q) / 2

    def bisect(a: mpmath.mpf, q: mpmath.mpf, bits: int) -> tuple[mpmath.mpf, mpmath.mpf]:
        for _ in range(4 * mpmath.mp.prec):
            mid = midpoint(a, q)
            scale = max(abs(a), abs(q))
            if mpmath.isfinite(end):  # relative to the distance to the pole, where that is the smaller
                scale = min(scale, max(abs(end - a), abs(end - q)))
            if abs(q - a) <= scale * mpmath.mpf(2) ** -bits or mid in (a, q):
                break
            gm = g(mid)
            if gm == 0:
                return mid, mid
            a, q = (mid, q) if (gm < 0) == negative_at_a else (a, mid)
        return a, q

    if dg is not None:
        a, q = bisect(a, q, 2)
        if a == q:
            return a
        lo, hi = (a, q) if a < q else (q, a)
        try:
            return safeguarded_newton(g, dg, lo, hi, negative_at_a == (a < q), start=a)
        except (NumericalError, _Unevaluable, ZeroDivisionError):  # no usable slope there: the derivative-free way
            pass
    a, q = bisect(a, q, 16)
    if a == q:
        return a
    scale = abs(g(a))
    try:
        x = a + (q - a) * mpmath.findroot(lambda t: g(a + (q - a) * t) / scale, (0, 1), solver="anderson",
                                          verify=False)
    except ZeroDivisionError:  # g is flat at its rounding across the bracket: the bracket is the answer
        return (a + q) / 2
    step = max(abs(x), abs(q - a)) * mpmath.mpf(2) ** (8 - mpmath.mp.prec)
    lo, hi = x - step, x + step
    if min(a, q) <= lo and hi <= max(a, q) and (g(lo) < 0) != (g(hi) < 0):
        return x
    a, q = bisect(a, q, mpmath.mp.prec)
    return (a + q) / 2


class _Broken:
    """Stands for a numeric form that could not be built: every evaluation reports why."""

    def __init__(self, why: str) -> None:
        self.why = why

    def __getattr__(self, name: str) -> Any:
        raise _Unevaluable(self.why)


def _why(exc: Exception) -> str:
    """An exception as a phrase: its message, or its type when it has none (``ZeroDivisionError()``)."""
    return str(exc) or type(exc).__name__


def _refuse(*args: Any) -> Any:
    raise _Unevaluable("the answer uses symbols it does not define")


def _number(x: Any) -> Any:
    """An mpmath number; a complex one is kept (its distance from the real answer is the residual)."""
    if isinstance(x, mpmath.mpc) and x.imag == 0:
        x = x.real
    if isinstance(x, (mpmath.mpf, mpmath.mpc)):
        if not mpmath.isfinite(x):
            raise _Unevaluable(f"an expression evaluated to {x}")
        return x
    return _number(mpmath.mpmathify(x))


# ---------------------------------------------------------------------------------------------------- one point
def _facts(ans: _Answer, v: tuple[Any, ...]) -> dict[str, Any]:
    beta0, kernel, beta_lo, beta_hi, *w0 = ans.facts(*v)
    return {"beta0": beta0, "kernel": kernel, "beta_domain": (beta_lo, beta_hi), "w0": w0}


def _at(ans: _Answer, beta: mpmath.mpf, v: tuple[Any, ...]) -> dict[str, Any]:
    """Everything the answer says at ``beta``: the root ``p``, ``Q``, ``grad_Q``, their derivatives, the curve."""
    p = ans.solve(beta, v)
    Q_b, Q_p, G_b, G_p = ans.partials(beta, p, *v)
    b_prime = ans.slope(p, *v)
    sigma, dsigma, conj, dconj, *weights = ans.at_root(p, *v)
    return {"p": p, "Q": ans.Q(beta, p, *v), "G": ans.grad_Q(beta, p, *v), "dQ": Q_b + Q_p / b_prime,
            "dG": G_b + G_p / b_prime, "db": b_prime, "sigma": sigma, "dsigma": dsigma, "conj": conj,
            "dconj": dconj, "weights": weights}


def _identities(beta: mpmath.mpf, x: dict[str, Any]) -> dict[str, float]:
    """The identities at ``beta`` between the answer's values ``x`` (see :func:`_at`)."""
    Q, G, conj = x["Q"], x["G"], x["conj"]
    convex = isinstance(x["dG"], mpmath.mpf) and x["dG"] > 0
    return {
        "inverse": _rel(x["sigma"], G),
        "derivative": _rel(x["dQ"], G),
        "second_derivative": _rel(x["dG"], x["dsigma"] / x["db"]),
        "convexity": 0.0 if convex else 1.0,
        "fenchel_young": float(abs(Q + conj - beta * G) / max(abs(Q) + abs(conj) + abs(beta * G), mpmath.eps)),
        "conjugate_derivative": _rel(x["dconj"] / x["dsigma"], beta),
    }


def _normalization(ans: _Answer, v: tuple[Any, ...], facts: dict[str, Any], here: dict[str, Any]
                   ) -> dict[str, float]:
    """``Q(beta0) = grad_Q(beta0) = Q*(0) = sigma(p(beta0)) = 0`` and ``Q''(beta0) = 1/K``; each zero relative to
    the size of the same quantity at the point checked."""
    x = _at(ans, facts["beta0"], v)
    size = abs(here["Q"]) + abs(here["conj"])  # >= |beta grad_Q(beta)| > 0 by Fenchel-Young
    zero = max(abs(x["Q"]) / size, abs(x["G"]) / abs(here["G"]), abs(x["conj"]) / size,
               abs(x["sigma"]) / abs(here["sigma"]))
    return {"normalization": float(zero), "kernel": _rel(x["dG"], 1 / facts["kernel"])}


def _flow(ans: _Answer, v: tuple[Any, ...], facts: dict[str, Any], G: Any, work: int) -> float:
    """The flow from ``w0`` to ``sigma1``, against ``grad_Q`` and the curve's weights there."""
    if not isinstance(G, mpmath.mpf):
        raise _Unevaluable(f"grad_Q is not real ({G})")
    w0 = facts["w0"]
    f0 = ans.rhs(*w0, *v)
    rate = max(abs(x) for x in f0) / (max(abs(x) for x in w0) or 1)
    sigma1 = G / 2 if abs(G) * rate <= 1 else mpmath.sign(G) / (2 * rate)
    try:
        w1 = integrate(lambda w: ans.rhs(*w, *v), w0, sigma1, tol=mpmath.mpf(10) ** (5 - work))
    except NumericalError as exc:
        raise _Unevaluable(f"the flow from w0 to sigma = {mpmath.nstr(sigma1, 8)}: {exc}") from None
    x = _at(ans, ans.phi(*w1, *v), v)
    weights = max(abs(a - b) for a, b in zip(x["weights"], w1, strict=True)) / max(abs(w) for w in w1)
    return max(_rel(x["G"], sigma1), float(weights))


def _numeric(f: Any, names: list[str], v: tuple[Any, ...], beta: mpmath.mpf, here: dict[str, Any], *,
             curve: bool) -> float:
    """``reg.to_numeric()`` against the returned expressions at the same point (with ``b`` and ``Q*`` if
    ``curve``)."""
    kw = dict(zip(names, v, strict=True))
    G = here["G"]
    try:
        pairs = [(f.Q(beta, **kw), here["Q"]), (f.grad_Q(beta, **kw), G), (f.hess_Q(beta, **kw), here["dG"])]
        if curve and isinstance(G, mpmath.mpf):
            pairs += [(f.b(G, **kw), beta), (f.conjugate(G, **kw), here["conj"])]
    except ImplicitBiasError as exc:
        raise _Unevaluable(f"the numeric form: {exc}") from None
    return max(_rel(a, b) for a, b in pairs)


def _point(ans: _Answer, f: Any, values: dict[str, Any], beta: mpmath.mpf, work: int
           ) -> tuple[dict[str, float], str, bool]:
    """Every per-point condition at ``beta`` and ``values``, at ``work`` digits; inf where not evaluable.

    Returns the residuals, a note on what could not be evaluated, and whether more digits might resolve it."""
    names = [s.name for s in ans.consts]
    v = tuple(mpmath.mpf(values[n]) for n in names)
    res = dict.fromkeys(CONDITIONS[:-1], mpmath.inf)
    try:
        if ans.problem:
            raise _Unevaluable(ans.problem)
        facts = _facts(ans, v)
        here = _at(ans, beta, v)
        res.update(_identities(beta, here))
        res.update(_normalization(ans, v, facts, here))
        res["flow"] = _flow(ans, v, facts, here["G"], work)
        res["numeric"] = _numeric(f, names, v, beta, here, curve=ans.reg.curve.sigma_is_closed)
    except (_Unevaluable, ZeroDivisionError, ValueError) as exc:  # the answer, not the checker, failed here
        failed = [c for c, r in res.items() if r == mpmath.inf]
        where = ", ".join(f"{n}={mpmath.nstr(x, 6)}" for n, x in values.items())
        return ({k: float(r) for k, r in res.items()},
                f"{', '.join(failed)} not evaluable at beta={mpmath.nstr(beta, 8)}, {where}: {_why(exc)}",
                isinstance(exc, _Unresolved | ZeroDivisionError))  # an exact 0 may be a cancellation
    return {k: float(r) for k, r in res.items()}, "", False


def _judged_point(ans: _Answer, f: Any, values: dict[str, Any], beta: mpmath.mpf, dps: int
                  ) -> tuple[dict[str, float], str]:
    """:func:`_point`, rerun with twice the digits while a residual above tolerance shrinks with them, or while
    the point is closer to a pole than the digits resolve."""
    tol = tolerance(dps)
    work, previous = dps + GUARD_DIGITS, None
    for _ in range(_ESCALATIONS + 1):
        with mpmath.workdps(work):
            res, note, unresolved = _point(ans, f, values, beta, work)
        worst = max(res.values())
        if worst < tol:
            return res, note
        # more digits may help if these did not resolve the point, or (a first finite residual, or one that
        # shrank by at least half the digits added) if the residual is rounding
        shrinking = worst < mpmath.inf and (previous is None or worst < previous * 10.0 ** (-work / 4))
        if not (unresolved or shrinking):
            return res, note
        previous, work = worst, 2 * work
    return res, note


# ---------------------------------------------------------------------------------------------------- limits
def _limit_residual(deviations: list[Any]) -> float:
    """How far ``Q / (scale * form)`` stays from 1 in the limit, from its deviations along the alphas.

    The alphas double ``|log alpha|``; a rich limit is approached like ``1/log(1/alpha)``, so one Richardson
    step ``2 e_last - e_previous`` removes that term. The smaller of it and ``|e_last|`` is returned: a limit
    approached faster (a power of ``alpha``) has a tiny last deviation already.
    """
    last, previous = deviations[-1], deviations[-2]
    return float(min(abs(last), abs(2 * last - previous)))


def _settled_Q(ans: _Answer, beta: mpmath.mpf, v: tuple[Any, ...], digits: int) -> mpmath.mpf:
    """The returned ``Q`` at ``beta`` (root substituted), with the working precision doubled until two
    evaluations agree to ``digits``: at an extreme ``alpha`` the root sits ``~alpha`` from a pole or the terms
    of ``Q`` cancel, and the digits this costs are not known in advance."""
    previous, why = None, ""
    work = mpmath.mp.dps
    for _ in range(_SETTLE_DOUBLINGS):
        with mpmath.workdps(work):
            try:
                q = ans.Q(beta, ans.solve(beta, v), *v)
            except (_Unresolved, ZeroDivisionError) as exc:  # a root nearer a pole than these digits resolve
                q, why = None, _why(exc)
        if q is not None and previous is not None and _rel(q, previous) < 10.0**-digits:
            return q
        previous, work = q, 2 * work
    raise _Unevaluable(f"Q({mpmath.nstr(beta, 8)}) does not settle as digits are added (up to {work // 2}) {why}")


def _check_limit(ans: _Answer, lim: Limit, values: dict[str, Any], *, rich: bool) -> tuple[float, str]:
    """One limit against the returned ``Q`` at ``beta0 +- 0.7`` (each side where ``Q`` is finite)."""
    if lim.scale.has(sp.nan) or lim.form.has(sp.nan):
        return 0.0, f"{lim.regime} limit not derived ({lim.name}): nothing claimed, nothing checked"
    a = ans.reg.parametrization.alpha
    approx = sp.lambdify([BETA, *ans.consts], lim.scale * lim.form, modules="mpmath")
    worst = 0.0
    for side in (1, -1):
        deviations = []
        for log_alpha in _RICH_ALPHAS if rich else _KERNEL_ALPHAS:
            v = tuple(mpmath.exp(log_alpha) if s == a else mpmath.mpf(values[s.name]) for s in ans.consts)
            facts = _facts(ans, v)
            beta = (0 if rich else facts["beta0"]) + side * mpmath.mpf(7) / 10
            lo, hi = facts["beta_domain"]
            if not lo < beta < hi:
                break  # this side is outside the domain of Q
            deviations.append(_settled_Q(ans, beta, v, 2 * _LIMIT_DIGITS) / approx(beta, *v) - 1)
        else:
            worst = max(worst, _limit_residual(deviations))
    return worst, ""


def _limits(ans: _Answer, limits: Limits | None, values: dict[str, Any], dps: int) -> tuple[float, str]:
    reg = ans.reg
    if reg.parametrization.alpha not in reg.constants:
        return 0.0, "no alpha in the model: no limits to check"
    if ans.problem:
        return mpmath.inf, f"limits not evaluable: {ans.problem}"
    try:
        limits = reg.limits() if limits is None else limits
        with mpmath.workdps(dps + GUARD_DIGITS):
            checked = [_check_limit(ans, limits.rich, values, rich=True),
                       _check_limit(ans, limits.kernel, values, rich=False)]
    except (_Unevaluable, ImplicitBiasError, ZeroDivisionError, ValueError) as exc:
        return mpmath.inf, f"limits not evaluable: {_why(exc)}"
    return max(r for r, _ in checked), "; ".join(n for _, n in checked if n)


# ---------------------------------------------------------------------------------------------------- driver
def _fixed(reg: Regularizer, alpha: Any, constants: Mapping[str, Any] | None) -> dict[str, Any]:
    a = reg.parametrization.alpha
    others = [s.name for s in reg.constants if s != a]
    out: dict[str, Any] = {}
    if alpha is not None:
        if a not in reg.constants:
            raise InputError(f"alpha={alpha!r}: this model has no alpha (its constants are "
                             f"{others or 'none'}); leave alpha out")
        out[a.name] = check_alpha(alpha)
    if constants is not None:
        out.update(check_constants(others, constants))
    return out


def _sample_constants(reg: Regularizer, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in reg.constants:
        if s.is_positive or s.is_nonnegative:
            out[s.name] = mpmath.mpf(10) ** rng.uniform(-1, 0.5)
        else:
            out[s.name] = mpmath.mpf(rng.uniform(-1.5, 1.5))
    return out


def _sample_beta(ans: _Answer, v: tuple[Any, ...], rng: random.Random) -> mpmath.mpf:
    """``beta0 +- 10^u``, ``u`` uniform in ``(-1, 1)``, moved inside the domain of ``Q`` if it falls outside."""
    facts = _facts(ans, v)
    (lo, hi), beta0 = facts["beta_domain"], facts["beta0"]
    step = mpmath.mpf(10) ** rng.uniform(-1, 1)
    side = 1 if rng.random() < 0.5 else -1
    for s in (side, -side):
        end = hi if s > 0 else lo
        if not mpmath.isfinite(end) or s * (end - beta0) > step:
            return beta0 + s * step
    # both ends within step: a random point between beta0 and the nearer-sided end
    end = hi if side > 0 else lo
    return beta0 + (end - beta0) * mpmath.mpf(rng.uniform(0.05, 0.95))


def check_regularizer(reg: Regularizer, *, alpha: Any = None, constants: Mapping[str, Any] | None = None,
                      n_points: int = 8, dps: int = CHECK_DPS, seed: int = 0, limits: Limits | None = None
                      ) -> CheckResult:
    """Check the answer ``reg`` against its defining equations and the flow; see the module docstring.

    Parameters
    ----------
    reg : Regularizer
        The answer to judge (``ib.derive(p)``, or any Regularizer, e.g. a ``dataclasses.replace`` of one).
    alpha : number, optional
        Fix ``alpha``; drawn at random for each point (``10^u``, ``u`` in ``(-1, 0.5)``) otherwise.
    constants : dict, optional
        Fix the other constants (all of them; never ``alpha``); drawn at random otherwise.
    n_points, dps, seed : int
        Points checked, digits (:data:`CHECK_DPS`; identities to :func:`tolerance`), random seed.
    limits : Limits, optional
        The limits to judge (default ``reg.limits()``).

    Examples
    --------
    >>> import dataclasses
    >>> import implicit_bias as ib
    >>> reg = ib.derive(ib.diagonal(2))
    >>> ok, residual = reg.check()
    >>> ok, residual < 1e-30
    (True, True)
    >>> wrong = dataclasses.replace(reg, Q=7 * reg.Q + 5)
    >>> result = wrong.check(n_points=2)
    >>> result.verified, result.failed[:3]
    (False, ('derivative', 'fenchel_young', 'normalization'))
    """
    dps = check_dps(dps)
    n_points = check_int(n_points, "n_points", 1, "the number of random points to check, e.g. 8")
    seed = check_int(seed, "seed", 0, "any non-negative integer")
    fixed = _fixed(reg, alpha, constants)
    rng = random.Random(seed)
    ans = _Answer(reg)
    try:
        f: Any = reg.to_numeric(dps=dps)
    except ImplicitBiasError as exc:  # judged as a failed condition at every point
        f = _Broken(f"the numeric form cannot be built: {exc}")
    worst = dict.fromkeys(CONDITIONS[:-1], 0.0)
    notes: list[str] = []
    values: dict[str, Any] = {}
    for _ in range(n_points):
        values = {**_sample_constants(reg, rng), **fixed}
        with mpmath.workdps(dps + GUARD_DIGITS):
            beta = _sample_beta(ans, tuple(values[s.name] for s in ans.consts), rng)
        res, note = _judged_point(ans, f, values, beta, dps)
        notes += [note] if note else []
        worst = {c: max(worst[c], res[c]) for c in worst}
    limit_residual, lim_note = _limits(ans, limits, values, dps)
    worst["limits"] = float(limit_residual)
    return _result(worst, dps, n_points, notes + ([lim_note] if lim_note else []))


def _result(worst: dict[str, float], dps: int, n_points: int, notes: list[str]) -> CheckResult:
    tol = tolerance(dps)
    tols = {c: (LIMIT_TOLERANCE if c == "limits" else tol) for c in CONDITIONS}
    residual = max(worst[c] * tol / tols[c] for c in CONDITIONS)
    failed = [c for c in CONDITIONS if not worst[c] < tols[c]]
    if failed:
        notes = ["failed: " + ", ".join(f"{c} (worst {worst[c]:.1e})" for c in failed), *notes]
    return CheckResult(not failed, float(residual), tol, dict(worst), n_points, tols, "; ".join(dict.fromkeys(notes)))
