"""The one place where a derived regularizer becomes numbers: mpmath callables at ``dps`` digits.

Closed forms are lambdified with the mpmath module. For the implicit kinds, ``s(beta)`` is the unique
root of the increasing map ``b = beta``: it is bracketed by an outward search from the initialization
(geometric steps on an infinite side, exponent-doubling steps toward a finite blow-up point) and
refined by a bracketing solver, all at ``dps`` plus guard digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from .._precision import DEFAULT_DPS, GUARD_DIGITS
from .._validation import check_dps
from ..errors import InputError, NumericalError
from ..symbols import BETA

if TYPE_CHECKING:  # pragma: no cover
    from .regularizer import Regularizer

__all__ = ["CoordinateFunctions", "NumericRegularizer"]

#: Most extra digits an evaluation may add on its own (near finite blow-up points) before it gives up.
MAX_EXTRA_DIGITS = 100_000


class _NeedDigits(Exception):
    """Internal: the current working precision cannot resolve the answer; ``digits`` more are needed."""

    def __init__(self, digits: int) -> None:
        super().__init__(digits)
        self.digits = digits
_MAX_BRACKET_STEPS = 4000


def _lambdify(args: list[sp.Symbol], expr: sp.Expr) -> Callable[..., Any]:
    """An mpmath callable for ``expr`` that guards against cancellation in its top-level sum.

    A sum of large terms with a small total (``alpha^2 e^{4 sigma} - alpha^2 e^{-4 sigma}`` at small ``sigma``)
    loses ``log10(sum |terms| / |total|)`` digits; the callable measures that ratio and, when it eats into the
    guard digits, evaluates again with that many more digits.
    """
    # Rational terms in factored form: SymPy's antiderivatives come expanded (depth 3's B has the denominator
    # 54 a^3 s^2 - 36 a^2 s + 6 a = 6 a (1 - 3 a s)^2), which cancels to nothing next to a pole (1 - 3 a s ~ a).
    terms = tuple(sp.factor(t) if t.is_rational_function() and not t.is_number else t for t in sp.Add.make_args(expr))
    expr = sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
    f = sp.lambdify(args, expr, modules="mpmath")
    if len(terms) < 2:
        return f
    g = sp.lambdify(args, sp.Add(*[sp.Abs(t) for t in terms]), modules="mpmath")

    def stable(*xs: Any) -> Any:
        value = f(*xs)
        size = g(*xs)
        if not (mpmath.isfinite(size) and size != 0):
            return value
        extra = 0
        for _ in range(8):
            lost = mpmath.log10(size / abs(value)) if value != 0 else mpmath.mpf(mpmath.mp.dps + extra)
            if lost <= extra + GUARD_DIGITS / 2:
                break
            extra = int(lost) + GUARD_DIGITS
            with mpmath.workdps(mpmath.mp.dps + extra):
                value = f(*xs)
        return +value

    return stable


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
        self._base = dps  # the digits of the evaluation in progress: max(dps, the caller's); see _adaptive
        self.constants = reg.constants
        c = reg.curve
        args = [c.param, *self.constants]
        self._p = c.param
        self._b = _lambdify(args, c.b)
        self._db = _lambdify(args, sp.diff(c.b, c.param))
        self._B = _lambdify(args, c.B)
        self._explicit = c.explicit
        self._sigma: Callable[..., Any] | None = None
        self._sigma_integrand: Callable[..., Any] | None = None
        if c.sigma_is_closed:
            self._sigma = _lambdify(args, c.sigma)
        else:
            integral = c.sigma.atoms(sp.Integral).pop()
            (tau, lower, _upper) = integral.limits[0]
            self._sigma_integrand = _lambdify([tau, *self.constants], integral.function)
            self._sigma_lower = _lambdify(list(self.constants), lower)
        self._dsigma = _lambdify(args, sp.diff(c.sigma, c.param)) if c.sigma_is_closed else None
        self._param0 = _lambdify(list(self.constants), c.param0)
        self._dom = [_lambdify(list(self.constants), e) for e in c.domain]
        self._closed_Q = _lambdify([BETA, *self.constants], reg.Q) if reg.kind == "closed" else None
        self._closed_grad = _lambdify([BETA, *self.constants], reg.grad_Q) if reg.inversion is not None else None
        self._beta_dom = [_lambdify(list(self.constants), e) for e in reg.beta_domain]
        self._beta0 = _lambdify(list(self.constants), reg.beta0)

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
                except _NeedDigits as need:
                    if need.digits > MAX_EXTRA_DIGITS:
                        raise NumericalError(
                            f"the evaluation needs {need.digits} digits beyond dps={self.dps} (a root within "
                            f"10^-{need.digits} of the end of the curve); the cap is {MAX_EXTRA_DIGITS}"
                        ) from None
                    extra = max(2 * extra, need.digits)

    def _check_gap(self, p: mpmath.mpf, values: tuple[Any, ...]) -> None:
        for end in self._param_domain(values):
            if mpmath.isfinite(end):
                gap = abs(end - p)
                lost = mpmath.inf if gap == 0 else mpmath.log10(max(abs(end), 1) / gap)
                if lost + GUARD_DIGITS / 2 > mpmath.mp.dps - self._base:
                    raise _NeedDigits(int(min(lost, 10**7)) + GUARD_DIGITS)

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
        inc = self.reg.curve.increasing
        p = _monotone_root(lambda p: self._b(p, *values) - beta, self._param0(*values),
                           self._param_domain(values), inc, f"b = {beta}", dg=lambda p: self._db(p, *values))
        self._check_gap(p, values)
        return p

    def _param_of_sigma(self, sigma: mpmath.mpf, values: tuple[Any, ...]) -> mpmath.mpf:
        if self._explicit:
            return sigma
        p0 = self._param0(*values)
        # sigma(param) is monotone; its direction is that of dsigma/dparam at p0
        inc = bool(self._dsigma_dp(p0, values) > 0)
        return _monotone_root(lambda p: self._sigma_of(p, values) - sigma, p0, self._param_domain(values), inc,
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


def _monotone_root(g: Callable[[mpmath.mpf], mpmath.mpf], p0: mpmath.mpf, domain: tuple[mpmath.mpf, mpmath.mpf],
                   increasing: bool, what: str, dg: Callable[[mpmath.mpf], mpmath.mpf]) -> mpmath.mpf:
    """The root of a monotone ``g`` on the open ``domain``, starting from ``p0`` inside it.

    Once bracketed, the root is refined by Newton steps on ``g`` with derivative ``dg`` that fall back to
    bisection whenever a step would leave the bracket (quadratic convergence, never lost).
    """
    p0 = mpmath.mpf(p0)
    g0 = g(p0)
    if g0 == 0:
        return p0
    # move towards the side where g changes sign
    up = (g0 < 0) == increasing
    end = domain[1] if up else domain[0]
    sign = 1 if up else -1
    a = p0
    if mpmath.isinf(end):
        step = max(mpmath.mpf(1), abs(p0))
        for _ in range(_MAX_BRACKET_STEPS):
            q = a + sign * step
            if (g(q) > 0) == (g0 < 0) or g(q) == 0:
                break
            a, step = q, step * 2
        else:
            raise NumericalError(f"could not bracket the root of {what}")
    else:
        gap0 = abs(end - p0)
        k = 1
        for _ in range(_MAX_BRACKET_STEPS):
            q = end - sign * gap0 * mpmath.mpf(2) ** (-k)
            if q == end:
                raise _NeedDigits(2 * mpmath.mp.dps)
            gq = g(q)
            if (gq > 0) == (g0 < 0) or gq == 0:
                break
            a, k = q, 2 * k
        else:
            raise NumericalError(f"could not bracket the root of {what}")
    lo, hi = (a, q) if a < q else (q, a)
    return _safeguarded_newton(g, dg, lo, hi, increasing)


def _safeguarded_newton(g: Callable[[mpmath.mpf], mpmath.mpf], dg: Callable[[mpmath.mpf], mpmath.mpf],
                        lo: mpmath.mpf, hi: mpmath.mpf, increasing: bool) -> mpmath.mpf:
    x = (lo + hi) / 2
    for _ in range(4 * mpmath.mp.prec):
        gx = g(x)
        if gx == 0:
            return x
        if (gx > 0) == increasing:
            hi = x
        else:
            lo = x
        d = dg(x)
        step = x - gx / d if d != 0 else None
        new = step if step is not None and lo < step < hi else (lo + hi) / 2
        if abs(new - x) <= abs(new) * mpmath.eps * 4 or hi - lo <= abs(new) * mpmath.eps * 4:
            return new
        x = new
    return x
