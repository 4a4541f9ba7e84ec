"""The independent checker of the single neuron's time-warped potential: every derived object against the model.

At random parameters ``(a, w)`` (random constants) it checks, at ``dps`` digits:

* ``conserved``: ``grad C . eta grad G_i = 0`` for every output, symbolically;
* ``reduction``: ``M(beta, delta)`` at ``beta = a w``, ``delta = C(a, w)`` equals ``J eta J^T`` at ``(a, w)``, and
  ``M = M_iso I + M_radial beta beta^T / r^2``;
* ``time_warp``: ``eta_w dG_i/dw_j = warp * [i = j]``, so ``w' = -warp * grad L`` (symbolically);
* ``dual``: ``grad Psi(beta)`` (central differences of ``Psi(||beta||)``) equals ``sign(a) w``;
* ``conjugate``: Fenchel's equality ``Psi(beta) + Psi*(sign(a) w) = <beta, sign(a) w>``;
* ``numeric``: the numeric form's ``grad Q`` against differences of its ``Q``, ``b(grad Q(beta)) = beta``,
  ``Q(beta0) = grad Q(beta0) = 0`` and a positive definite ``Hess Q``.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

import mpmath
import sympy as sp

from .check import CheckResult
from .conserved import is_conserved
from .shared_check import sample_constants
from .warped import _A, DELTA, RADIUS

if TYPE_CHECKING:  # pragma: no cover
    from .warped import WarpedRegularizer

__all__ = ["check_warped"]


def _symbolic(reg: WarpedRegularizer) -> dict[str, float]:
    p = reg.parametrization
    warp_ok = all(sp.expand(reg.eta_inner * sp.diff(g, w) - (reg.warp if i == j else 0)) == 0
                  for i, g in enumerate(p.exprs) for j, w in enumerate(reg.inner))
    return {"conserved": 0.0 if is_conserved(reg.conserved, p) else 1.0, "time_warp": 0.0 if warp_ok else 1.0}


def check_warped(reg: WarpedRegularizer, *, n_points: int = 4, dps: int = 30, seed: int = 0,
                 constants: dict[str, Any] | None = None) -> CheckResult:
    """Check ``reg`` at ``n_points`` random states at ``dps`` digits; see the module docstring.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> ok, residual = ib.derive(ib.single_neuron(3, delta=-1)).check(n_points=2)
    >>> ok, residual < 1e-12
    (True, True)
    """
    rng = random.Random(seed)
    p = reg.parametrization
    worst = {**_symbolic(reg), "reduction": 0.0, "dual": 0.0, "conjugate": 0.0, "numeric": 0.0}
    f = reg.to_numeric(dps=dps)
    others = [c for c in reg.constants if c != DELTA]
    J = sp.lambdify([*p.params, *reg.constants], p.jacobian, modules="mpmath")
    C = sp.lambdify([*p.params, *reg.constants], reg.conserved, modules="mpmath")
    M = sp.lambdify([*p.betas, RADIUS, DELTA, *others], reg.M, modules="mpmath")
    parts = sp.lambdify([RADIUS, DELTA, *others], [reg.M_iso, reg.M_radial], modules="mpmath")
    psi = sp.lambdify([RADIUS, DELTA, *others], reg.potential, modules="mpmath")
    conj = sp.lambdify([_A, DELTA, *others], reg.conjugate, modules="mpmath")
    lr = sp.lambdify(list(reg.constants), list(p.lr), modules="mpmath")
    with mpmath.workdps(dps + 10):
        for _ in range(n_points):
            values = dict(constants) if constants else sample_constants(reg.constants, rng)
            cv = [mpmath.mpf(values[c.name]) for c in reg.constants]
            ov = [mpmath.mpf(values[c.name]) for c in others]
            a = mpmath.mpf(rng.choice((-1, 1)) * rng.uniform(0.2, 2))
            w = [mpmath.mpf(rng.gauss(0, 1)) for _ in reg.inner]
            theta = [a if s == reg.outer else w[reg.inner.index(s)] for s in p.params]
            beta = [a * x for x in w]
            r = mpmath.norm(beta)
            delta = C(*theta, *cv)
            K = mpmath.matrix(J(*theta, *cv)) * mpmath.diag(lr(*cv)) * mpmath.matrix(J(*theta, *cv)).T
            Mv = mpmath.matrix(M(*beta, r, delta, *ov))
            iso, radial = parts(r, delta, *ov)
            bb = mpmath.matrix(beta)
            structured = iso * mpmath.eye(p.d) + radial * bb * bb.T / r**2
            worst["reduction"] = max(worst["reduction"], float(mpmath.mnorm(Mv - K, 1) / mpmath.mnorm(K, 1)),
                                     float(mpmath.mnorm(structured - K, 1) / mpmath.mnorm(K, 1)))
            s = mpmath.sign(a)
            h = mpmath.mpf(10) ** (-(dps // 3))
            for i in range(p.d):
                up = [x + (h if k == i else 0) for k, x in enumerate(beta)]
                down = [x - (h if k == i else 0) for k, x in enumerate(beta)]
                grad = (psi(mpmath.norm(up), delta, *ov) - psi(mpmath.norm(down), delta, *ov)) / (2 * h)
                worst["dual"] = max(worst["dual"], float(abs(grad - s * w[i]) / (1 + abs(w[i]))))
            pairing = mpmath.fsum(x * y for x, y in zip(beta, w, strict=True))
            fenchel = psi(r, delta, *ov) + conj(abs(a), delta, *ov) - s * pairing
            worst["conjugate"] = max(worst["conjugate"], float(abs(fenchel) / (1 + r * mpmath.norm(w))))
            worst["numeric"] = max(worst["numeric"], _numeric(f, values, beta, h))
    tol = 10.0 ** (-(dps // 2))
    residual = max(worst.values())
    return CheckResult(bool(residual < tol), residual, tol, worst, n_points)


def _numeric(f: Any, values: dict[str, Any], beta: list[mpmath.mpf], h: mpmath.mpf) -> float:
    """The numeric form against itself: differences, the dual map's inverse, normalization, convexity."""
    g = f.grad_Q(beta, **values)
    worst = 0.0
    for i in range(len(beta)):
        up = [x + (h if k == i else 0) for k, x in enumerate(beta)]
        down = [x - (h if k == i else 0) for k, x in enumerate(beta)]
        dQ = (f.Q(up, **values) - f.Q(down, **values)) / (2 * h)
        worst = max(worst, float(abs(dQ - g[i]) / (1 + abs(g[i]))))
    back = f.b(g, **values)
    worst = max(worst, float(max(abs(u - v) for u, v in zip(back, beta, strict=True)) / (1 + mpmath.norm(beta))))
    b0 = f.beta0(**values)
    worst = max(worst, float(abs(f.Q(b0, **values))), *(float(abs(v)) for v in f.grad_Q(b0, **values)))
    eig = mpmath.eigsy(f.hess_Q(beta, **values))[0]
    return worst if min(eig[i] for i in range(eig.rows)) > 0 else max(worst, 1.0)
