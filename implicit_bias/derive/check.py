"""The independent checker: every derived regularizer is tested against its defining equations.

Like sympy's ``checkodesol``, it returns ``(verified, residual)`` rather than trusting the derivation:
at random points of the domain (random positive values for the constants) it checks, at ``dps`` digits,

* ``b(grad_Q(beta)) = beta``            (``grad_Q`` inverts the dual map),
* ``Q'(beta) = grad_Q(beta)``           (``Q`` integrates ``grad_Q``; numerical differentiation),
* ``Q''(beta) = 1 / b'(grad_Q(beta))``  (second-order consistency) and ``Q'' > 0`` (strict convexity),
* ``Q(beta0) = 0`` and ``grad_Q(beta0) = 0`` (the normalization contract).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mpmath

if TYPE_CHECKING:  # pragma: no cover
    from .regularizer import Regularizer

__all__ = ["CheckResult", "check_regularizer"]


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check_regularizer`: ``verified`` and the worst relative ``residual``."""

    verified: bool
    residual: float
    tolerance: float
    details: dict[str, float] = field(default_factory=dict)
    points: int = 0

    def __iter__(self):  # allows ``verified, residual = reg.check()``
        yield self.verified
        yield self.residual


def _sample_constants(reg: Regularizer, rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for s in reg.constants:
        if s.is_positive or s.is_nonnegative:
            out[s.name] = mpmath.mpf(10) ** rng.uniform(-1, 0.5)
        else:
            out[s.name] = mpmath.mpf(rng.uniform(-1.5, 1.5))
    return out


def _sample_beta(lo: mpmath.mpf, hi: mpmath.mpf, beta0: mpmath.mpf, rng: random.Random) -> mpmath.mpf:
    scale = mpmath.mpf(10) ** rng.uniform(-1, 1)
    beta = beta0 + (scale if rng.random() < 0.5 else -scale)
    if not lo < beta < hi:
        beta = beta0 + (hi - beta0) * rng.uniform(0.05, 0.95) if mpmath.isfinite(hi) and beta > beta0 else beta
        if not lo < beta < hi:
            beta = beta0 + (scale if beta0 + scale < hi else (hi - beta0) / 2)
        if not lo < beta < hi:
            beta = beta0 - (scale if beta0 - scale > lo else (beta0 - lo) / 2)
    return beta


def check_regularizer(reg: Regularizer, *, n_points: int = 8, dps: int = 40, seed: int = 0,
                      constants: dict[str, Any] | None = None) -> CheckResult:
    """Check ``reg`` at ``n_points`` random points at ``dps`` digits; see the module docstring.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> ok, residual = ib.derive(ib.diagonal(2)).check()
    >>> ok, residual < 1e-20
    (True, True)
    """
    rng = random.Random(seed)
    f = reg.to_numeric(dps=dps)
    worst: dict[str, float] = {"inverse": 0.0, "derivative": 0.0, "second_derivative": 0.0, "normalization": 0.0}
    convex = True
    with mpmath.workdps(dps + 10):
        for _ in range(n_points):
            values = constants or _sample_constants(reg, rng)
            vt = f._values(values)
            lo, hi = (e(*vt) for e in f._beta_dom)
            beta0 = f.beta0(**values)
            beta = _sample_beta(lo, hi, beta0, rng)
            g = f.grad_Q(beta, **values)
            bg = f.b(g, **values)
            worst["inverse"] = max(worst["inverse"], float(abs(bg - beta) / max(1, abs(beta))))
            h = abs(beta) * mpmath.mpf(10) ** (-dps // 3) + mpmath.mpf(10) ** (-dps // 3)
            inside = hi - beta > 4 * h and beta - lo > 4 * h
            dQ = mpmath.diff(lambda x, v=values: f.Q(x, **v), beta, h=h) if inside else g
            worst["derivative"] = max(worst["derivative"], float(abs(dQ - g) / max(1, abs(g))))
            hess = f.hess_Q(beta, **values)
            d2 = mpmath.diff(lambda x, v=values: f.grad_Q(x, **v), beta, h=h)
            worst["second_derivative"] = max(worst["second_derivative"], float(abs(d2 - hess) / max(abs(hess), 1e-300)))
            convex = convex and hess > 0
            if lo < beta0 < hi:
                worst["normalization"] = max(worst["normalization"], float(abs(f.Q(beta0, **values))),
                                             float(abs(f.grad_Q(beta0, **values))))
    # numerical differentiation with step 10^(-dps/3) is accurate to about 10^(-2 dps/3)
    tol = 10.0 ** (-(dps // 2))
    residual = max(worst.values())
    return CheckResult(bool(residual < tol and convex), residual, tol, worst, n_points)
