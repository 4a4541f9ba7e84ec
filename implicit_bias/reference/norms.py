"""Minimum-norm interpolants at ``dps`` digits: min l1 (linear program, then an exact polish on the support)
and min weighted l2 (closed form)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import flint
import mpmath
import numpy as np
from scipy.optimize import linprog

from .._precision import DEFAULT_DPS, GUARD_DIGITS, flint_digits
from .._validation import check_dps, check_problem
from ..errors import InputError
from ..results import Status
from ._linalg import ArbProblem, to_arb, to_mpf
from .base import ReferenceSolution

__all__ = ["min_l1", "min_l2"]



def min_l1(X: Any, y: Any, *, dps: int = DEFAULT_DPS) -> ReferenceSolution:
    """``argmin ||beta||_1 s.t. X beta = y`` at ``dps`` digits.

    scipy's HiGHS solves the linear program in float64; its support ``S`` (generically ``|S| = n``) is then
    polished exactly: ``X_S beta_S = y`` at ``dps`` digits, with the dual certificate ``lam`` from
    ``X_S^T lam = sign(beta_S)``. The KKT residuals report primal feasibility, dual feasibility
    (``max |X^T lam| - 1``, which must be <= 0) and sign consistency.

    Examples
    --------
    >>> sol = min_l1([[1, 2, 0.5], [0, 1, 1]], [1, 1], dps=30)
    >>> [round(float(b), 6) for b in sol.beta], sol.success
    ([0.0, 0.333333, 0.666667], True)
    """
    dps = check_dps(dps)
    Xm, ym, n, d = check_problem(X, y)
    Xf = np.array([[float(v) for v in row] for row in Xm])
    yf = np.array([float(v) for v in ym])
    lp = linprog(np.ones(2 * d), A_eq=np.hstack([Xf, -Xf]), b_eq=yf, bounds=(0, None), method="highs")
    if lp.status != 0:
        return ReferenceSolution([], mpmath.nan, [], {}, 0, Status.FAILED, f"linear program: {lp.message}", dps)
    beta_f = lp.x[:d] - lp.x[d:]
    order = np.argsort(-np.abs(beta_f))
    support = sorted(int(i) for i in order[:n] if abs(beta_f[i]) > 1e-9 * max(1.0, np.abs(beta_f).max()))
    with mpmath.workdps(dps + GUARD_DIGITS), flint_digits(dps + GUARD_DIGITS):
        XS = flint.arb_mat(n, len(support), [to_arb(Xm[i][j]) for i in range(n) for j in support])
        yv = flint.arb_mat(n, 1, [to_arb(v) for v in ym])
        signs = [1 if beta_f[j] > 0 else -1 for j in support]
        XS_T = XS.transpose()
        try:
            if len(support) == n:
                bS = XS.solve(yv)
                lam = XS_T.solve(flint.arb_mat(n, 1, signs))
            else:
                # degenerate vertex (|S| < n: an exactly sparse solution): beta_S from the consistent
                # overdetermined system, the certificate from the LP's dual corrected to X_S^T lam = sign
                bS = (XS_T * XS).solve(XS_T * yv)
                lam_f = flint.arb_mat(n, 1, [to_arb(mpmath.mpf(v)) for v in lp.eqlin.marginals])
                gap = flint.arb_mat(len(support), 1, signs) - XS_T * lam_f
                lam = lam_f + XS * (XS_T * XS).solve(gap)
        except ZeroDivisionError:
            return ReferenceSolution([], mpmath.nan, [], {}, int(lp.nit), Status.FAILED,
                                     f"the LP support {support} gives a singular system", dps)
        beta = [mpmath.mpf(0)] * d
        for k, j in enumerate(support):
            beta[j] = to_mpf(bS[k, 0])
        lam_mp = [to_mpf(lam[i, 0]) for i in range(n)]
        res = _kkt_l1(Xm, ym, beta, lam_mp, support)
        # a degenerate vertex's certificate carries the LP's float64 accuracy off the support
        dual_tol = mpmath.mpf(10) ** (-dps) if len(support) == n else mpmath.mpf(10) ** -8
        ok = res["primal"] < mpmath.mpf(10) ** (-dps) and res["dual_feasibility"] <= dual_tol \
            and res["sign_consistency"] == 0
        return ReferenceSolution(
            [+b for b in beta], sum(abs(b) for b in beta), lam_mp, res, int(lp.nit),
            Status.SUCCESS if ok else Status.FAILED,
            "polished on the LP support" if ok else _diagnose(res, len(support), n), dps, {"support": support},
        )


def _diagnose(res: dict[str, Any], size: int, n: int) -> str:
    if size < n and res["primal"] > mpmath.mpf(10) ** -20:
        return (f"the LP found a {size}-sparse solution (< n = {n}) but y is not exactly in the span of those columns "
                f"(relative residual {mpmath.nstr(res['primal'], 3)}: y was rounded, e.g. y = X @ beta in float64); "
                "pass y computed exactly (mpmath numbers) or with noise")
    return f"polish failed its KKT check: {res}"


def _kkt_l1(Xm: list[list[mpmath.mpf]], ym: list[mpmath.mpf], beta: list[mpmath.mpf], lam: list[mpmath.mpf],
            support: Sequence[int]) -> dict[str, Any]:
    n, d = len(Xm), len(Xm[0])
    primal = max(abs(mpmath.fsum(Xm[i][j] * beta[j] for j in support) - ym[i]) for i in range(n))
    primal /= 1 + max(abs(v) for v in ym)
    corr = [mpmath.fsum(Xm[i][j] * lam[i] for i in range(n)) for j in range(d)]
    dual_feas = max(abs(c) for c in corr) - 1
    sign_bad = sum(1 for j in support if beta[j] != 0 and abs(corr[j] - mpmath.sign(beta[j])) > mpmath.mpf(10) **
                   (-mpmath.mp.dps // 2))
    return {"primal": primal, "dual_feasibility": dual_feas, "sign_consistency": sign_bad}


def min_l2(X: Any, y: Any, *, weights: Sequence[Any] | None = None, dps: int = DEFAULT_DPS) -> ReferenceSolution:
    """``argmin sum_i beta_i^2 / w_i s.t. X beta = y``: ``beta = W X^T (X W X^T)^{-1} y`` at ``dps`` digits.

    Examples
    --------
    >>> sol = min_l2([[1, 1, 0]], [2], dps=20)
    >>> [float(b) for b in sol.beta]
    [1.0, 1.0, 0.0]
    """
    dps = check_dps(dps)
    Xm, ym, _n, d = check_problem(X, y)
    with mpmath.workdps(dps + GUARD_DIGITS):  # weights kept to the working precision, not the caller's
        w = [mpmath.mpf(1)] * d if weights is None else [mpmath.mpf(v) for v in weights]
    if len(w) != d or any(not mpmath.isfinite(v) or v <= 0 for v in w):
        raise InputError(f"weights: expected {d} finite positive numbers, got {list(weights or [])!r:.200}")
    # the Gram matrix squares the condition number of X, so an ill-conditioned X (1e8: 16 digits lost) needs more
    # than the guard digits: the solve is repeated with the digits it was short of until the residual is met
    work = dps + GUARD_DIGITS
    for _ in range(4):
        sol = _min_l2_at(Xm, ym, w, dps, work)
        if sol.success:
            return sol
        short = -float(mpmath.log10(sol.kkt_residual["primal"])) if sol.kkt_residual["primal"] > 0 else 0.0
        work += max(GUARD_DIGITS, int(dps - short) + GUARD_DIGITS)
    return sol


def _min_l2_at(Xm: list[list[mpmath.mpf]], ym: list[mpmath.mpf], w: list[mpmath.mpf], dps: int,
               work: int) -> ReferenceSolution:
    """:func:`min_l2` solved with ``work`` digits, judged at ``dps``."""
    n, d = len(Xm), len(w)
    with mpmath.workdps(work), flint_digits(work):
        P = ArbProblem(Xm, ym)
        wa = [to_arb(v) for v in w]
        lam = P.weighted_gram(wa).solve(P.y)
        corr = P.xt_times(lam)
        beta = [to_mpf(wa[j] * corr[j]) for j in range(d)]
        lam_mp = [to_mpf(lam[i, 0]) for i in range(n)]
        primal = max(abs(mpmath.fsum(Xm[i][j] * beta[j] for j in range(d)) - ym[i]) for i in range(n))
        primal /= 1 + max(abs(v) for v in ym)
        objective = mpmath.fsum(b**2 / wj for b, wj in zip(beta, w, strict=True))
        ok = primal < mpmath.mpf(10) ** (-dps)
        return ReferenceSolution([+b for b in beta], objective, lam_mp, {"primal": primal, "stationarity": 0}, 1,
                                 Status.SUCCESS if ok else Status.FAILED,
                                 "closed form" if ok else f"primal residual {mpmath.nstr(primal, 3)}",
                                 dps)
