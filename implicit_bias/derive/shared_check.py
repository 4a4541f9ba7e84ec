"""The independent checker of a commuting model's regularizer: Li et al.'s construction carried out numerically.

The derivation brings the model to blocks and trusts the separable engine; this checker trusts neither. At random
constants and random dual points ``mu`` it integrates the ORIGINAL fields' composed flow
``psi(mu) = exp(sum_i mu_i V_i) w0`` (the fields commute, so one flow of the combination for unit time is the
composition) with mpmath's Taylor integrator, sets ``beta = G(psi(mu))`` and checks, at ``dps`` digits,

* ``grad_Q(beta) = mu``                            (``grad Q`` inverts ``grad R = G o psi``),
* ``dQ/dbeta_i = grad_Q_i``                        (``Q`` integrates ``grad Q``; central differences),
* ``D(grad_Q)(beta) * J eta J^T(psi(mu)) = I``     (``Hess Q = (Hess R)^-1``; differences of ``grad_Q``),
* ``Q(beta0) = 0`` and ``grad_Q(beta0) = 0``      (the normalization).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from .check import CheckResult

if TYPE_CHECKING:  # pragma: no cover
    from .commuting import CommutingRegularizer

__all__ = ["check_shared", "composed_flow", "sample_constants"]


def sample_constants(constants: tuple[sp.Symbol, ...], rng: random.Random) -> dict[str, mpmath.mpf]:
    """Random values: ``10^U(-1, 0.5)`` for positive symbols, ``U(-1.5, 1.5)`` for real ones."""
    return {s.name: mpmath.mpf(10) ** rng.uniform(-1, 0.5) if (s.is_positive or s.is_nonnegative)
            else mpmath.mpf(rng.uniform(-1.5, 1.5)) for s in constants}


def composed_flow(p: Any, values: dict[str, mpmath.mpf], mu: list[mpmath.mpf]) -> list[mpmath.mpf]:
    """``psi(mu)``: ``w0`` moved for unit time along ``sum_i mu_i eta grad G_i`` (mpmath ``odefun``)."""
    subs = {s: values[s.name] for s in p.constants}
    field = sum((m * V for m, V in zip(mu, p.fields, strict=True)), sp.zeros(p.D, 1))
    rhs = sp.lambdify(list(p.params), list(field.subs(subs)), modules="mpmath")
    w0 = [mpmath.mpf(sp.N(e.subs(subs), mpmath.mp.dps + 5)) for e in p.init]
    solution = mpmath.odefun(lambda _t, w: rhs(*w), 0, w0)
    return list(solution(1))


def check_shared(reg: CommutingRegularizer, *, n_points: int = 4, dps: int = 30, seed: int = 0,
                 constants: dict[str, Any] | None = None) -> CheckResult:
    """Check ``reg`` at ``n_points`` random dual points at ``dps`` digits; see the module docstring.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> p = ib.Parametrization.from_exprs(["u1**2 - v1**2 + u2**2 - v2**2", "u2**2 - v2**2"], "u1,u2,v1,v2",
    ...                                   dict.fromkeys(["u1", "u2", "v1", "v2"], "alpha"))
    >>> ok, residual = ib.derive(p).check(n_points=2)
    >>> ok, residual < 1e-12
    (True, True)
    """
    rng = random.Random(seed)
    p = reg.parametrization
    f = reg.to_numeric(dps=dps)
    worst = {"inverse": 0.0, "derivative": 0.0, "second_derivative": 0.0, "normalization": 0.0}
    J = sp.lambdify([*p.params, *p.constants], p.jacobian, modules="mpmath")
    with mpmath.workdps(dps + 10):
        for _ in range(n_points):
            values = dict(constants) if constants else sample_constants(p.constants, rng)
            mu = _random_dual(p, values, rng)
            w = composed_flow(p, values, mu)
            subs = {s: values[s.name] for s in p.constants}
            beta = [mpmath.mpf(sp.lambdify(list(p.params), g.subs(subs), modules="mpmath")(*w)) for g in p.exprs]
            g = f.grad_Q(beta, **values)
            scale = max(1, *(abs(m) for m in mu))
            worst["inverse"] = max(worst["inverse"], float(max(abs(a - b) for a, b in zip(g, mu, strict=True)) / scale))
            h = mpmath.mpf(10) ** (-(dps // 3)) * (1 + max(abs(b) for b in beta))
            grads = []
            for i in range(p.d):
                up = [b + (h if k == i else 0) for k, b in enumerate(beta)]
                down = [b - (h if k == i else 0) for k, b in enumerate(beta)]
                dQ = (f.Q(up, **values) - f.Q(down, **values)) / (2 * h)
                worst["derivative"] = max(worst["derivative"], float(abs(dQ - g[i]) / max(1, abs(g[i]))))
                grads.append([(a - b) / (2 * h) for a, b in zip(f.grad_Q(up, **values), f.grad_Q(down, **values),
                                                                 strict=True)])
            Jw = mpmath.matrix(J(*w, *[values[s.name] for s in p.constants]))
            eta = mpmath.diag([mpmath.mpf(sp.N(e.subs(subs), dps + 10)) for e in p.lr])
            K = Jw * eta * Jw.T
            H = mpmath.matrix(grads).T
            worst["second_derivative"] = max(worst["second_derivative"],
                                             float(mpmath.mnorm(H * K - mpmath.eye(p.d), 1)))
            b0 = f.beta0(**values)
            worst["normalization"] = max(worst["normalization"], float(abs(f.Q(b0, **values))),
                                         *(float(abs(v)) for v in f.grad_Q(b0, **values)))
    tol = 10.0 ** (-(dps // 2))
    residual = max(worst.values())
    return CheckResult(bool(residual < tol), residual, tol, worst, n_points)


def _random_dual(p: Any, values: dict[str, mpmath.mpf], rng: random.Random) -> list[mpmath.mpf]:
    """A dual point well inside the curves' reach: a fraction of the time scale ``|w0| / |V(w0)|``."""
    subs = {s: values[s.name] for s in p.constants}
    w0 = {w: mpmath.mpf(sp.N(e.subs(subs), 30)) for w, e in zip(p.params, p.init, strict=True)}
    speed = max(abs(mpmath.mpf(sp.N(e.subs(subs).subs(w0), 30))) for V in p.fields for e in V)
    size = max(abs(v) for v in w0.values())
    scale = mpmath.mpf("0.5") * size / speed if speed > 0 and size > 0 else mpmath.mpf("0.1")
    return [scale * mpmath.mpf(rng.uniform(-1, 1)) for _ in range(p.d)]
