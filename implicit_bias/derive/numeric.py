"""The one place where a derived regularizer becomes numbers: mpmath callables at ``dps`` digits.

Closed forms are lambdified with the mpmath module; their parts that depend on the constants alone are
evaluated by SymPy's adaptive-precision ``evalf`` (exact through nested cancellations), their top-level sums
are guarded against cancellation (see :class:`_Compiled`). For the implicit kinds, ``s(beta)`` is the unique
root of the increasing map ``b = beta`` (:func:`~implicit_bias.derive.roots.monotone_root`), all at ``dps``
plus guard digits, with more where a root presses against a finite end of the curve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp
from sympy.core.evalf import PrecisionExhausted

from .._precision import DEFAULT_DPS, GUARD_DIGITS
from .._validation import check_dps
from ..errors import InputError, NumericalError
from ..symbols import BETA
from .roots import PrecisionShortfall, monotone_root

if TYPE_CHECKING:  # pragma: no cover
    from .regularizer import Regularizer

__all__ = ["CoordinateFunctions", "NumericRegularizer"]

#: Most extra digits an evaluation may add on its own (near finite blow-up points) before it gives up.
MAX_EXTRA_DIGITS = 100_000
#: Roots of ``b(param) = beta`` a numeric form remembers.
_ROOTS_KEPT = 16
#: Evaluations of the constant parts of an expression kept per compiled expression (one per constants and
#: precision: a solver calls a coordinate's map thousands of times at the same constants).
_HOIST_CACHE_SIZE = 16
#: Largest term (in SymPy operations) put in factored form.
_FACTOR_MAX_OPS = 200


def _exact(v: Any) -> sp.Expr:
    """An mpmath number as the exact SymPy rational it is (a binary fraction)."""
    v = mpmath.mpf(v)
    if not mpmath.isfinite(v):
        return sp.oo if v > 0 else -sp.oo
    sign, man, exp, _ = v._mpf_  # mpf.man_exp drops the sign
    return (-1) ** sign * sp.Integer(man) * sp.Integer(2) ** exp


def _hoist(expr: sp.Expr, variables: list[sp.Symbol]) -> tuple[sp.Expr, list[tuple[sp.Symbol, sp.Expr]]]:
    """Replace each maximal part of ``expr`` free of ``variables`` that could cancel by a placeholder.

    Those parts depend on the constants alone (the initialization's ``sqrt(delta^2 + 4 alpha^2) - delta``, a
    curve's ``F(w0)``); :class:`_Compiled` evaluates them with SymPy's adaptive-precision ``evalf``, which raises
    its working precision through every nested cancellation, so they are exact to the working precision
    however deep the cancellation is. A part could cancel if it holds a sum or a function. ``Max``, ``Min`` and
    ``Piecewise`` compare their arguments, which evalf may leave without a correct digit when they are equal:
    their arguments are evaluated each, the comparison is mpmath's. Bound variables (``Lambda``, ``Integral``)
    are left to lambdify.
    """
    var = set(variables)
    facts: dict[sp.Basic, tuple[bool, bool, bool]] = {}  # node -> (has a variable, risky, holds a Max-like)

    def classify(e: sp.Basic) -> tuple[bool, bool, bool]:
        hit = facts.get(e)
        if hit is not None:
            return hit
        if e.is_Atom:
            out = (e in var, False, False)
        elif isinstance(e, (sp.Lambda, sp.Integral)):
            out = (bool(e.free_symbols & var), True, True)  # never hoisted
        else:
            kids = [classify(a) for a in e.args]
            out = (any(k[0] for k in kids), isinstance(e, (sp.Add, sp.Function)) or any(k[1] for k in kids),
                   isinstance(e, (sp.Max, sp.Min, sp.Piecewise)) or any(k[2] for k in kids))
        facts[e] = out
        return out

    parts: dict[sp.Expr, sp.Symbol] = {}
    taken = {str(x) for x in expr.free_symbols}

    def walk(e: sp.Basic) -> None:
        if e.is_Atom or isinstance(e, (sp.Lambda, sp.Integral)):
            return
        has_var, risky, blocked = classify(e)
        if not has_var and risky and not blocked:
            # a plain symbol, not a Dummy: one Dummy among lambdify's arguments makes it rename every argument,
            # an xreplace over the whole expression each
            if e not in parts:
                name = next(f"_c{k}" for k in range(len(parts), len(parts) + len(taken) + 1) if f"_c{k}" not in taken)
                parts[e] = sp.Symbol(name, real=True)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    body = expr.xreplace(parts) if parts else expr
    return body, [(d, e) for e, d in parts.items()]


class _Compiled:
    """``expr`` as an mpmath callable of ``(*variables, *constants)``, exact in its constant parts and guarded
    against cancellation in its top-level sum.

    A sum of large terms with a small total (``alpha^2 e^{4 sigma} - alpha^2 e^{-4 sigma}`` at small ``sigma``)
    loses ``log10(sum |terms| / |total|)`` digits; the callable measures that ratio and, when it eats into the
    guard digits, evaluates again with that many more digits. Parts that depend on the constants alone are
    evaluated by SymPy's adaptive ``evalf`` (see :func:`_hoist`), once per constants and precision.
    """

    def __init__(self, variables: list[sp.Symbol], constants: list[sp.Symbol], expr: sp.Expr) -> None:
        # Rational terms in factored form: SymPy's antiderivatives come expanded (depth 3's B has the denominator
        # 54 a^3 s^2 - 36 a^2 s + 6 a = 6 a (1 - 3 a s)^2), which cancels to nothing next to a pole (1 - 3 a s ~ a).
        terms = tuple(sp.factor(t) if variables and _small(t) and t.is_rational_function() and not t.is_number else t
                      for t in sp.Add.make_args(expr))
        expr = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
        body, parts = _hoist(expr, variables)
        self.n_args = len(variables) + len(constants)
        self.constants = constants
        self.parts = [e for _, e in parts]
        names = [*variables, *constants, *[d for d, _ in parts]]
        self.f = sp.lambdify(names, body, modules="mpmath")
        body_terms = sp.Add.make_args(body)
        self.size = (sp.lambdify(names, sp.Add(*[sp.Abs(t, evaluate=False) for t in body_terms]), modules="mpmath")
                     if len(body_terms) > 1 and variables else None)
        self._cache: dict[tuple[Any, ...], Any] = {}

    def _parts(self, consts: tuple[Any, ...]) -> tuple[Any, ...]:
        if not self.parts:
            return ()
        key = (*consts, mpmath.mp.prec)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        n = mpmath.mp.dps
        subs = {s: _exact(v) for s, v in zip(self.constants, consts, strict=True)}
        # a cancellation between the constants costs at most a few times their decimal exponents in digits; the
        # cap also bounds the work on a part that is exactly zero (evalf would raise its precision up to maxn)
        scale = max((abs(int(mpmath.log10(abs(v)))) for v in consts if v and mpmath.isfinite(v)), default=0)
        return self._remember(key, tuple(self._part(e, subs, n, 4 * scale + 100) for e in self.parts))

    def _part(self, e: sp.Expr, subs: dict[sp.Symbol, sp.Expr], n: int, extra: int) -> Any:
        try:
            return _to_mpmath(e.evalf(n, subs=subs, maxn=n + extra, strict=True))
        except PrecisionExhausted:
            # a part that is exactly zero at these constants (log(a) - log(b) at a = b) has no relative precision
            # for evalf to reach; substituted exactly, SymPy's automatic simplification sees the zero
            if e.xreplace(subs) == 0:
                return mpmath.mpf(0)
            raise NumericalError(f"a part of the constants, {e}, cancels beyond {extra} extra digits at "
                                 f"{dict(zip(self.constants, subs.values(), strict=True))}") from None

    def _remember(self, key: tuple[Any, ...], value: Any) -> Any:
        if len(self._cache) >= _HOIST_CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = value
        return value

    def __call__(self, *xs: Any) -> Any:
        if self.n_args == len(self.constants):  # constants only: one value per constants and precision
            key = ("value", *xs, mpmath.mp.prec)
            hit = self._cache.get(key)
            if hit is None:
                hit = self._remember(key, self._evaluate(*xs))
            return hit
        return self._evaluate(*xs)

    def _evaluate(self, *xs: Any) -> Any:
        extra_args = self._parts(xs[self.n_args - len(self.constants):self.n_args])
        value = self.f(*xs, *extra_args)
        if self.size is None:
            return value
        size = self.size(*xs, *extra_args)
        if not (mpmath.isfinite(size) and size != 0):
            return value
        extra = 0
        for _ in range(8):
            lost = mpmath.log10(size / abs(value)) if value != 0 else mpmath.mpf(mpmath.mp.dps + extra)
            if lost <= extra + GUARD_DIGITS / 2:
                break
            extra = int(lost) + GUARD_DIGITS
            if extra > MAX_EXTRA_DIGITS:
                raise NumericalError(f"a sum cancels by more than {MAX_EXTRA_DIGITS} digits")
            with mpmath.workdps(mpmath.mp.dps + extra):
                value = self.f(*xs, *self._parts(xs[self.n_args - len(self.constants):self.n_args]))
        return +value


def _small(e: sp.Expr) -> bool:
    """Small enough to factor (multivariate factoring is exponential in the worst case)."""
    return sp.count_ops(e) <= _FACTOR_MAX_OPS


def _to_mpmath(x: sp.Expr) -> Any:
    """A SymPy number (from ``evalf``) as an mpmath number: real, complex or infinite."""
    if x.is_infinite:
        return mpmath.inf if x.is_extended_positive else (-mpmath.inf if x.is_extended_negative else mpmath.nan)
    try:
        return mpmath.mpmathify(x)
    except TypeError:
        re, im = x.as_real_imag()
        return mpmath.mpc(mpmath.mpmathify(re), mpmath.mpmathify(im))


@dataclass(frozen=True)
class CoordinateFunctions:
    """One coordinate's dual map at fixed constants: ``b``, ``db``, ``B`` in ``sigma`` and its ``domain``.

    Satisfies :class:`implicit_bias.reference.base.CoordinateMap`.
    """

    owner: NumericRegularizer
    values: tuple[Any, ...]

    def b(self, sigma: Any) -> mpmath.mpf:
        return self.owner._b_of_sigma(mpmath.mpf(sigma), self.values)

    def db(self, sigma: Any) -> mpmath.mpf:
        return self.owner._db_of_sigma(mpmath.mpf(sigma), self.values)

    def B(self, sigma: Any) -> mpmath.mpf:
        return self.owner._B_of_sigma(mpmath.mpf(sigma), self.values)

    @property
    def domain(self) -> tuple[mpmath.mpf, mpmath.mpf]:
        return self.owner._sigma_domain(self.values)


class NumericRegularizer:
    """Numeric form of a :class:`~implicit_bias.derive.regularizer.Regularizer` at ``dps`` digits.

    Every method takes ``beta`` (or ``sigma``) positionally and the constants (``alpha``, shapes) as
    keywords; results are mpmath numbers. Outside the domain of ``Q``, :meth:`Q` returns ``+inf`` (the
    convex-analysis convention) and :meth:`grad_Q` raises :class:`~implicit_bias.errors.InputError`.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> f = ib.derive(ib.diagonal(3)).to_numeric(dps=30)
    >>> print(mpmath.nstr(f.Q(1, alpha=0.1), 12))
    2.83620498733
    """

    def __init__(self, reg: Regularizer, *, dps: int = DEFAULT_DPS) -> None:
        dps = check_dps(dps)
        self.reg = reg
        self.dps = dps
        #: Most digits an evaluation may add on its own before it reports the value as out of reach.
        self.max_extra_digits = MAX_EXTRA_DIGITS
        self._base = dps  # the digits of the evaluation in progress: max(dps, the caller's); see _adaptive
        # the last few roots of b(param) = beta: Q, grad_Q and hess_Q at one beta solve it once
        self._roots: dict[tuple[Any, ...], mpmath.mpf] = {}
        self.constants = reg.constants
        c = reg.curve
        consts = list(self.constants)
        self._p = c.param
        self._b = _Compiled([c.param], consts, c.b)
        self._db = _Compiled([c.param], consts, sp.diff(c.b, c.param))
        self._B = _Compiled([c.param], consts, c.B)
        self._explicit = c.explicit
        self._sigma: Callable[..., Any] | None = None
        self._sigma_integrand: Callable[..., Any] | None = None
        if c.sigma_is_closed:
            self._sigma = _Compiled([c.param], consts, c.sigma)
        else:
            integral = c.sigma.atoms(sp.Integral).pop()
            (tau, lower, _upper) = integral.limits[0]
            self._sigma_integrand = _Compiled([tau], consts, integral.function)
            self._sigma_lower = _Compiled([], consts, lower)
        self._dsigma = _Compiled([c.param], consts, sp.diff(c.sigma, c.param)) if c.sigma_is_closed else None
        self._param0 = _Compiled([], consts, c.param0)
        self._dom = [_Compiled([], consts, e) for e in c.domain]
        self._closed_Q = _Compiled([BETA], consts, reg.Q) if reg.kind == "closed" else None
        self._closed_grad = _Compiled([BETA], consts, reg.grad_Q) if reg.inversion is not None else None
        self._beta_dom = [_Compiled([], consts, e) for e in reg.beta_domain]
        self._beta0 = _Compiled([], consts, reg.beta0)

    # ------------------------------------------------------------------ argument handling
    def _values(self, given: dict[str, Any]) -> tuple[Any, ...]:
        names = [s.name for s in self.constants]
        unknown = sorted(set(given) - set(names))
        missing = [n for n in names if n not in given]
        if unknown or missing:
            raise InputError(
                f"constants {given!r}: " + (f"missing {missing} " if missing else "")
                + (f"unknown {unknown} " if unknown else "") + f"; pass exactly {names} as keywords, e.g. alpha=0.5"
            )
        out = []
        for s in self.constants:
            v = mpmath.mpf(given[s.name]) if not isinstance(given[s.name], mpmath.mpf) else given[s.name]
            if not mpmath.isfinite(v):
                raise InputError(f"{s.name}={given[s.name]!r}: must be a finite number")
            if s.is_positive and v <= 0:
                raise InputError(f"{s.name}={given[s.name]!r}: must be positive")
            out.append(v)
        return tuple(out)

    def _beta_in_domain(self, beta: mpmath.mpf, values: tuple[Any, ...]) -> bool:
        lo, hi = (f(*values) for f in self._beta_dom)
        return bool(lo < beta < hi)

    def _adaptive(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` at ``dps + GUARD_DIGITS``; if a root lies so close to a finite end of the curve that
        digits would be lost (depth >= 3 at tiny alpha: the gap is ~alpha^(D-2) relative), rerun with enough."""
        extra = GUARD_DIGITS
        # the caller may work at more digits than dps (a solver raising its precision): follow it
        self._base = max(self.dps, mpmath.mp.dps)
        while True:
            with mpmath.workdps(self._base + extra):
                try:
                    return work()
                except PrecisionShortfall as need:
                    if need.digits > self.max_extra_digits:
                        raise NumericalError(
                            f"the evaluation needs {need.digits} digits beyond dps={self.dps} (a root within "
                            f"10^-{need.digits} of the end of the curve); the cap is {self.max_extra_digits}"
                        ) from None
                    extra = max(2 * extra, need.digits)

    def _check_gap(self, p: mpmath.mpf, values: tuple[Any, ...]) -> None:
        for end in self._param_domain(values):
            if mpmath.isfinite(end):
                gap = abs(end - p)
                lost = mpmath.inf if gap == 0 else mpmath.log10(max(abs(end), 1) / gap)
                if lost + GUARD_DIGITS / 2 > mpmath.mp.dps - self._base:
                    raise PrecisionShortfall(int(min(lost, 10**7)) + GUARD_DIGITS)

    # ------------------------------------------------------------------ public evaluations
    def Q(self, beta: Any, **constants: Any) -> mpmath.mpf:
        """``Q(beta)`` (``+inf`` outside the range of ``b``)."""
        values = self._values(constants)
        _finite(beta, "beta")  # validate now; convert inside, at the working precision

        def _work() -> Any:
            x = _finite(beta, "beta")
            if not self._beta_in_domain(x, values):
                return mpmath.inf
            if self._closed_Q is not None:
                out = self._closed_Q(x, *values)
            else:
                p = self._param_of_beta(x, values)
                out = x * self._sigma_of(p, values) - self._B(p, *values)
            return _real(out, "Q", x)

        return self._adaptive(_work)

    def grad_Q(self, beta: Any, **constants: Any) -> mpmath.mpf:
        """``Q'(beta) = b^{-1}(beta)``."""
        values = self._values(constants)
        _finite(beta, "beta")  # validate now; convert inside, at the working precision

        def _work() -> Any:
            x = _finite(beta, "beta")
            if not self._beta_in_domain(x, values):
                lo, hi = (f(*values) for f in self._beta_dom)
                raise InputError(f"beta={beta!r}: outside the domain ({lo}, {hi}) of Q; grad Q is not defined there")
            if self._closed_grad is not None:
                return _real(self._closed_grad(x, *values), "grad_Q", x)
            return self._sigma_of(self._param_of_beta(x, values), values)

        return self._adaptive(_work)

    def hess_Q(self, beta: Any, **constants: Any) -> mpmath.mpf:
        """``Q''(beta) = 1 / b'(grad_Q(beta))``."""
        values = self._values(constants)

        def _work() -> Any:
            p = self._param_of_beta(_finite(beta, "beta"), values)
            return self._dsigma_dp(p, values) / self._db(p, *values)

        return self._adaptive(_work)

    def beta0(self, **constants: Any) -> mpmath.mpf:
        """``phi(w0)``, where ``Q`` vanishes."""
        values = self._values(constants)

        def _work() -> Any:
            return _real(self._beta0(*values), "beta0", constants)

        return self._adaptive(_work)

    def b(self, sigma: Any, **constants: Any) -> mpmath.mpf:
        """The dual map ``b(sigma) = (Q*)'(sigma)``."""
        return self.coordinate(**constants).b(sigma)

    def conjugate(self, sigma: Any, **constants: Any) -> mpmath.mpf:
        """``Q*(sigma) = int_0^sigma b``."""
        return self.coordinate(**constants).B(sigma)

    def coordinate(self, **constants: Any) -> CoordinateFunctions:
        """The dual map of one coordinate at fixed constants, for the reference solvers."""
        return CoordinateFunctions(self, self._values(constants))

    # ------------------------------------------------------------------ internals (values already checked)
    def _sigma_of(self, p: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:
        if self._sigma is not None:
            return _real(self._sigma(p, *values), "sigma", p)
        integrand = self._sigma_integrand
        assert integrand is not None
        return mpmath.quad(lambda tau: integrand(tau, *values), [self._sigma_lower(*values), p])

    def _dsigma_dp(self, p: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:
        if self._explicit:
            return mpmath.mpf(1)
        if self._dsigma is not None:
            return self._dsigma(p, *values)
        assert self._sigma_integrand is not None
        return self._sigma_integrand(p, *values)

    def _param_domain(self, values: tuple[Any, ...]) -> tuple[mpmath.mpf, mpmath.mpf]:
        return tuple(mpmath.mpf(f(*values)) for f in self._dom)  # type: ignore[return-value]

    def _sigma_domain(self, values: tuple[Any, ...]) -> tuple[mpmath.mpf, mpmath.mpf]:
        lo, hi = self._param_domain(values)
        if self._explicit:
            return lo, hi

        def _work() -> Any:
            ends = []
            for e in (lo, hi):
                ends.append(self._sigma_of(e, values) if mpmath.isfinite(e) else _sigma_at_infinity(self, e, values))
            return (min(ends), max(ends))

        return self._adaptive(_work)

    def _param_of_beta(self, beta: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:
        key = (beta, *values, mpmath.mp.prec, self._base)  # _base: the gap check depends on it
        p = self._roots.get(key)
        if p is None:
            p = self._solve_param_of_beta(beta, values)
            if len(self._roots) >= _ROOTS_KEPT:
                self._roots.pop(next(iter(self._roots)))
            self._roots[key] = p
        return p

    def _solve_param_of_beta(self, beta: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:
        inc = self.reg.curve.increasing
        p = monotone_root(lambda p: _real(self._b(p, *values), "b", p) - beta, self._param0(*values),
                          self._param_domain(values), inc, f"b = {beta}",
                          dg=lambda p: _real(self._db(p, *values), "db", p))
        self._check_gap(p, values)
        return p

    def _param_of_sigma(self, sigma: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:
        if self._explicit:
            return sigma
        p0 = self._param0(*values)
        # sigma(param) is monotone; its direction is that of dsigma/dparam at p0
        inc = bool(self._dsigma_dp(p0, values) > 0)
        return monotone_root(lambda p: self._sigma_of(p, values) - sigma, p0, self._param_domain(values), inc,
                              f"sigma = {sigma}", dg=lambda p: self._dsigma_dp(p, values))

    def _b_of_sigma(self, sigma: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:

        def _work() -> Any:
            return _real(self._b(self._param_of_sigma(sigma, values), *values), "b", sigma)

        return self._adaptive(_work)

    def _db_of_sigma(self, sigma: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:

        def _work() -> Any:
            p = self._param_of_sigma(sigma, values)
            return _real(self._db(p, *values) / self._dsigma_dp(p, values), "db", sigma)

        return self._adaptive(_work)

    def _B_of_sigma(self, sigma: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:

        def _work() -> Any:
            return _real(self._B(self._param_of_sigma(sigma, values), *values), "B", sigma)



        return self._adaptive(_work)


def _sigma_at_infinity(f: NumericRegularizer, end: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:
    if f._sigma_integrand is not None:
        integrand = f._sigma_integrand
        return mpmath.quad(lambda tau: integrand(tau, *values), [f._sigma_lower(*values), end])
    sigma = f._sigma
    assert sigma is not None
    return mpmath.limit(lambda p: sigma(p, *values), end)


def _finite(x: Any, name: str) -> mpmath.mpf:
    try:
        v = mpmath.mpf(x)
    except (TypeError, ValueError):
        raise InputError(f"{name}={x!r}: expected a real number") from None
    if not mpmath.isfinite(v):
        raise InputError(f"{name}={x!r}: must be finite")
    return v


def _real(v: Any, what: str, at: Any) -> mpmath.mpf:
    if isinstance(v, mpmath.mpc):
        if abs(v.imag) > abs(v.real) * mpmath.mpf(10) ** (-mpmath.mp.dps + 5):
            raise NumericalError(f"{what} at {at} evaluated to the complex number {v}: a branch was left")
        v = v.real
    v = mpmath.mpf(v)
    if mpmath.isnan(v):
        raise NumericalError(f"{what} at {at} evaluated to NaN")
    return v
