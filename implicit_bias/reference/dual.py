"""``argmin Q(beta) s.t. X beta = y`` through the concave dual, for any derived regularizer.

With ``Q = sum_i Q_i``, ``Q_i' = b_i^{-1}``, the minimizer is ``beta = b(X^T lam)`` where ``lam`` maximizes

    g(lam) = y^T lam - sum_i B_i((X^T lam)_i),   grad g = y - X b(X^T lam),   hess g = -X diag(b') X^T.

Damped Newton with an Armijo line search that keeps every ``(X^T lam)_i`` inside the domain of ``b_i``.
The start matters at small ``alpha``: ``b`` is then exponentially steep and the answer lives at
``|sigma| ~ log(1/alpha)`` (or near a blow-up point), so besides ``lam = 0`` the solver tries
``lam = t * nu`` with ``nu`` the min-l1 dual certificate and ``t`` maximizing the concave ``g(t nu)``: for small
``alpha`` the dual solution is close to such a ray (Theorem 1's rich limit), for large ``alpha`` to zero.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import flint
import mpmath
import numpy as np
from scipy.optimize import linprog

from .._precision import DEFAULT_DPS, GUARD_DIGITS, flint_digits
from .._progress import progress_bar
from .._validation import check_dps, check_problem, check_real
from ..errors import ImplicitBiasError, InputError, OutOfReach, OutsideDomain
from ..results import Status
from ._linalg import ArbProblem, to_arb, to_mpf
from .base import CoordinateMap, ReferenceSolution
from .norms import min_l1

__all__ = ["argmin_Q"]

_ARMIJO = mpmath.mpf("1e-4")
#: The solver may raise its working precision up to this multiple of ``dps`` before it reports failure.
MAX_WORK_FACTOR = 16


def argmin_Q(maps: Sequence[CoordinateMap], X: Any, y: Any, *, dps: int = DEFAULT_DPS, tol: Any = None,
             max_iter: int = 500, progress: bool | None = None, start: str = "auto",
             max_time: float | None = None) -> ReferenceSolution:
    """Minimize ``sum_i Q_i(beta_i)`` subject to ``X beta = y`` at ``dps`` digits.

    Parameters
    ----------
    maps : sequence of CoordinateMap
        One dual map per coordinate (``reg.to_numeric(dps).coordinate(alpha=...)`` for a derived ``Q``).
    X, y : array-like
        An underdetermined full-row-rank problem.
    dps : int
        Digits of the answer; the solver works with guard digits beyond them.
    tol : number, optional
        Stop when ``max |X beta - y| <= tol (1 + max |y|)``; default ``10^-dps``.
    start : {"auto", "zero"}
        ``"auto"`` starts Newton from the better of ``lam = 0`` and the best point on the ray of the min-l1 dual
        (the right scale at small alpha); ``"zero"`` from ``lam = 0`` only, for maps already centred near the
        answer (the flow's exact tail).
    max_time : float, optional
        Wall-clock budget in seconds; when it is spent the solver returns status ``"max_time"`` with the last
        iterate (an unbounded dual -- labels the maps cannot reach -- otherwise runs until precision runs out).

    Returns
    -------
    ReferenceSolution
        ``beta = b(X^T lam)`` exactly (stationarity holds by construction); ``kkt_residual["primal"]`` is
        the relative feasibility error, ``kkt_residual["newton_decrement"]`` the last ``r^T H^{-1} r`` and
        ``kkt_residual["beta_correction"]`` how far one more Newton step would move ``beta`` (its distance to
        the exact minimizer for these maps, to first order).

    Examples
    --------
    >>> import implicit_bias as ib
    >>> f = ib.derive(ib.diagonal(2)).to_numeric(dps=30)
    >>> sol = argmin_Q([f.coordinate(alpha=0.1)] * 3, [[1, 2, 0.5]], [1], dps=30)
    >>> sol.success, [round(float(b), 6) for b in sol.beta]
    (True, [0.066457, 0.461215, 0.022226])
    """
    dps = check_dps(dps)
    Xm, ym, n, d = check_problem(X, y)
    if max_time is not None:
        max_time = check_real(max_time, "max_time", "a budget in seconds, or None for no limit", positive=True)
    if start not in ("auto", "zero"):
        raise InputError(f"start={start!r}: use 'auto' (zero or the min-l1 ray) or 'zero'")
    if isinstance(maps, CoordinateMap) or len(maps) != d:
        got = "one map" if isinstance(maps, CoordinateMap) else f"{len(maps)} maps"
        raise InputError(f"maps: {got} for d = {d} coordinates; pass a list of d maps, e.g. [coord] * d")
    for i, m in enumerate(maps):
        if not isinstance(m, CoordinateMap):
            raise InputError(f"maps[{i}]={m!r}: needs b, db, B and domain (see implicit_bias.reference.CoordinateMap)")
    # The Newton system is as ill-conditioned as the curvatures b' are spread (at small alpha with fewer than n
    # active coordinates, by ~alpha^-2): if the iteration stalls above the tolerance, it is rerun with more digits.
    # sigma near an end of a domain at |sigma| ~ S (a pole of b: depth >= 3 at small alpha, where S ~ 1/alpha)
    # keeps its distance to that end only with log10(S) digits more: the first pass gets them.
    work = dps + GUARD_DIGITS + _scale_digits(maps)
    deadline = None if max_time is None else time.perf_counter() + float(max_time)
    while True:
        with mpmath.workdps(work), flint_digits(work):
            tol_ = mpmath.mpf(10) ** (-dps) if tol is None else mpmath.mpf(tol)
            newton = _Newton(maps, Xm, ym, n, d, tol_, max_iter, progress, dps, deadline)
            try:
                sol = newton.run(ray=start == "auto")
            except _OutOfTime:
                return newton.out_of_time(max_time)
        if sol.success or newton.unbounded or work >= MAX_WORK_FACTOR * dps:
            return sol
        work *= 2


def _scale_digits(maps: Sequence[CoordinateMap]) -> int:
    """``log10`` of the largest finite domain end or ``sigma_scale`` hint of the maps (0 if below 1)."""
    scales = [abs(end) for m in maps for end in m.domain if mpmath.isfinite(end)]
    scales += [abs(mpmath.mpf(h)) for m in maps if (h := getattr(m, "sigma_scale", None)) is not None]
    top = max((v for v in scales if mpmath.isfinite(v)), default=mpmath.mpf(1))
    return max(0, int(mpmath.ceil(mpmath.log10(top)))) if top > 0 else 0


def _ternary_max(f: Callable[[mpmath.mpf], mpmath.mpf], lo: mpmath.mpf, hi: mpmath.mpf,
                 narrow: Callable[[mpmath.mpf, mpmath.mpf], bool], max_iter: int = 200) -> mpmath.mpf:
    """The middle of the bracket of a unimodal ``f``'s maximum on ``[lo, hi]`` once ``narrow(lo, hi)`` (a ``-inf``
    at an open end, outside a domain, counts as low)."""
    for _ in range(max_iter):
        if narrow(lo, hi):
            break
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if f(m1) < f(m2):
            lo = m1
        else:
            hi = m2
    return (lo + hi) / 2


class _OutOfTime(Exception):
    """The wall-clock budget of :func:`argmin_Q` is spent (raised between coordinate evaluations)."""


class _Newton:
    def __init__(self, maps: Sequence[CoordinateMap], Xm: list[list[mpmath.mpf]], ym: list[mpmath.mpf], n: int,
                 d: int, tol: mpmath.mpf, max_iter: int, progress: bool | None, dps: int,
                 deadline: float | None = None) -> None:
        self.maps, self.Xm, self.ym, self.n, self.d = maps, Xm, ym, n, d
        self.tol, self.max_iter, self.progress, self.dps = tol, max_iter, progress, dps
        self.deadline = deadline
        # Where a domain is unbounded, |sigma| beyond 2^(prec - 16) is treated as outside it: there sigma keeps
        # fewer than 16 bits after the point, too few for any b that varies on a unit scale, and a solver pressed
        # against this wall has met an unbounded dual (the message suggests more digits, which move the wall).
        self.sigma_max = mpmath.mpf(2) ** (mpmath.mp.prec - 16)
        self.unbounded = False
        self.reach = mpmath.inf  # the smallest |sigma| a map refused as out of its reach (OutOfReach)
        self.best: tuple[list[mpmath.mpf], list[mpmath.mpf]] | None = None  # the last accepted (lam, sigma)
        self.P = ArbProblem(Xm, ym)
        self.ymax = max(abs(v) for v in ym)
        self.domains = [m.domain for m in maps]

    # -- the dual ------------------------------------------------------------------------------------------
    def sigma(self, lam: list[mpmath.mpf]) -> list[mpmath.mpf]:
        out = self.P.xt_times(flint.arb_mat(self.n, 1, [to_arb(v) for v in lam]))
        return [to_mpf(v) for v in out]

    def inside(self, sigma: list[mpmath.mpf]) -> bool:
        wall = self.sigma_max
        return all(lo < s < hi and (s < wall or mpmath.isfinite(hi)) and (s > -wall or mpmath.isfinite(lo))
                   for s, (lo, hi) in zip(sigma, self.domains, strict=True))

    def g(self, lam: list[mpmath.mpf], sigma: list[mpmath.mpf]) -> mpmath.mpf:
        if not self.inside(sigma):
            return mpmath.mpf("-inf")
        terms = []
        for m, s, (lo, hi) in zip(self.maps, sigma, self.domains, strict=True):
            if self.deadline is not None and time.perf_counter() > self.deadline:
                raise _OutOfTime
            try:
                terms.append(m.B(s))
            except OutsideDomain as exc:  # a curve that ends before sigma, or a map's reach
                if isinstance(exc, OutOfReach):
                    self.reach = min(self.reach, abs(s))
                return mpmath.mpf("-inf")
            except (ZeroDivisionError, OverflowError):
                # a closed-form map evaluated within rounding of a pole at the end of its domain (the line search
                # next to a pole goes to the last bit); anywhere else such an error is a fault, not an end
                if not _at_an_end(s, lo, hi):
                    raise
                return mpmath.mpf("-inf")
        return mpmath.fsum(a * b for a, b in zip(self.ym, lam, strict=True)) - mpmath.fsum(terms)

    def out_of_time(self, max_time: float | None) -> ReferenceSolution:
        """The result when the budget ran out: the last accepted iterate (or ``lam = 0``), status ``max_time``."""
        lam, sigma = self.best if self.best is not None else ([mpmath.mpf(0)] * self.n, [mpmath.mpf(0)] * self.d)
        self.deadline = None
        beta = [m.b(s) for m, s in zip(self.maps, sigma, strict=True)]  # accepted points are inside the domains
        rmax = max(abs(v) for v in self.residual(beta)) / (1 + self.ymax)
        return self.result(lam, sigma, beta, rmax, mpmath.inf, 0, Status.MAX_TIME,
                           f"wall-clock budget max_time={max_time} s spent (relative residual {mpmath.nstr(rmax, 3)}); "
                           "raise max_time, or check that the labels are reachable by the maps")

    def residual(self, beta: list[mpmath.mpf]) -> list[mpmath.mpf]:
        xb = self.P.x_times([to_arb(v) for v in beta])
        return [self.ym[i] - to_mpf(xb[i, 0]) for i in range(self.n)]

    # -- starting point ---------------------------------------------------------------------------------------
    def ray_start(self) -> list[mpmath.mpf] | None:
        try:
            nu = list(min_l1(self.Xm, self.ym, dps=max(20, min(self.dps, 30))).dual)
        except ImplicitBiasError:  # an optional accelerator: lam = 0 is always tried
            return None
        if not any(nu):
            return None
        direction = self.sigma(nu)

        def along(t: mpmath.mpf) -> mpmath.mpf:
            lam = [t * v for v in nu]
            return self.g(lam, [t * s for s in direction])

        zero_lam, zero_sig = [mpmath.mpf(0)] * self.n, [mpmath.mpf(0)] * self.d
        t_max = self.domain_end(zero_sig, direction)
        hi_t = mpmath.mpf(1)
        if not mpmath.isfinite(t_max):
            # no end known: go out by factors of 16 while g rises; a -inf on the way is an end of the domain
            # (a map that finds its end only numerically, as the flow's curves do)
            g_hi = along(hi_t)
            while hi_t < mpmath.mpf(2) ** mpmath.mp.prec:
                g_next = along(16 * hi_t)
                if not g_next > g_hi:
                    break
                hi_t, g_hi = 16 * hi_t, g_next
            if g_next == mpmath.mpf("-inf"):
                t_max = 16 * hi_t
        if mpmath.isfinite(t_max):
            best = self.line_max(zero_lam, zero_sig, nu, direction, t_max, along(mpmath.mpf(0)))
            return None if best is None else [best[0] * v for v in nu]
        # a starting point to 3 digits: Newton does the rest
        t = _ternary_max(along, mpmath.mpf(0), 16 * hi_t, lambda lo, hi: hi - lo <= mpmath.mpf(10) ** -3 * (1 + hi))
        return [t * v for v in nu]

    def domain_end(self, sigma: list[mpmath.mpf], dsig: list[mpmath.mpf]) -> mpmath.mpf:
        """The smallest ``t > 0`` at which ``sigma + t dsig`` meets a finite end of a domain (``inf``: none)."""
        t_end = mpmath.inf
        for s, ds, (lo, hi) in zip(sigma, dsig, self.domains, strict=True):
            if ds > 0 and mpmath.isfinite(hi):
                t_end = min(t_end, (hi - s) / ds)
            if ds < 0 and mpmath.isfinite(lo):
                t_end = min(t_end, (lo - s) / ds)
        return t_end

    def line_max(self, lam: list[mpmath.mpf], sigma: list[mpmath.mpf], step: list[mpmath.mpf],
                 dsig: list[mpmath.mpf], t_out: mpmath.mpf,
                 g0: mpmath.mpf) -> tuple[mpmath.mpf, mpmath.mpf] | None:
        """Maximize the concave ``g(lam + t step)`` over ``0 < t < t_out``, where ``t_out`` is outside the domain.

        Next to a pole of ``b`` (depth >= 3 at small alpha) the answer sits at a relative distance ~alpha^(D-2)
        from the end of the domain, which neither a search in ``t`` nor Armijo halving resolves (halving closes the
        distance by a fixed factor per Newton step: ~1000 steps from 1e-300); in ``u = -log(1 - t / t_end)`` it is
        a few units away (points that round onto or past the end give ``g = -inf`` and bound the search). The end
        is the first finite domain end or, a map that finds its end only numerically (``g(t_out) = -inf``), located
        by bisection to the last bit. Returns ``(t, g there)``, or ``None`` if ``g`` does not rise above ``g0``,
        its value at ``t = 0``.
        """
        def along(t: mpmath.mpf) -> mpmath.mpf:
            return self.g([v + t * st for v, st in zip(lam, step, strict=True)],
                          [s + t * ds for s, ds in zip(sigma, dsig, strict=True)])

        t_end = self.domain_end(sigma, dsig)
        if t_end > t_out:  # an end found only numerically (g = -inf at t_out): bisection
            inside, t_end = mpmath.mpf(0), t_out
            for _ in range(mpmath.mp.prec + 8):  # to the last bit (a tolerance test could stall on rounding)
                mid = (inside + t_end) / 2
                if mid in (inside, t_end):
                    break
                if along(mid) == mpmath.mpf("-inf"):
                    t_end = mid
                else:
                    inside = mid

        def along_u(u: mpmath.mpf) -> mpmath.mpf:
            return along(t_end * -mpmath.expm1(-u))

        u = _ternary_max(along_u, mpmath.mpf(0), mpmath.mpf(mpmath.mp.prec) * mpmath.ln(2),
                         lambda lo, hi: hi - lo <= mpmath.mpf("0.01"))
        t = t_end * -mpmath.expm1(-u)
        g_t = along(t)
        return (t, g_t) if g_t > g0 else None

    # -- Newton -----------------------------------------------------------------------------------------------
    def run(self, *, ray: bool = True) -> ReferenceSolution:
        """Damped Newton from the better start; each iteration a Newton direction and a :meth:`line_search`."""
        starts = [[mpmath.mpf(0)] * self.n]
        on_ray = self.ray_start() if ray else None
        if on_ray is not None:
            starts.append(on_ray)
        lam = max(starts, key=lambda lm: self.g(lm, self.sigma(lm)))
        sigma = self.sigma(lam)
        g_val = self.g(lam, sigma)
        self.best = (lam, sigma)
        decrement = mpmath.inf
        history: list[tuple[mpmath.mpf, mpmath.mpf]] = []
        bar = progress_bar(self.progress, total=self.max_iter, desc="argmin Q (dual Newton)", leave=False)
        try:
            for it in range(1, self.max_iter + 1):
                bar.update(1)
                beta = [m.b(s) for m, s in zip(self.maps, sigma, strict=True)]
                r = self.residual(beta)
                rmax = max(abs(v) for v in r) / (1 + self.ymax)
                if rmax <= self.tol:
                    return self.result(lam, sigma, beta, rmax, decrement, it - 1, Status.SUCCESS, "converged")
                history.append((rmax, g_val))
                failure = self.stalled(history, rmax, g_val)
                step = None if failure else self.newton_step(sigma, r)
                if step is not None:
                    decrement = mpmath.fsum(a * b for a, b in zip(r, step, strict=True))
                    failure = self.not_ascent(decrement, rmax)
                    moved = None if failure else self.line_search(lam, sigma, g_val, step, decrement, r)
                    if moved is not None:
                        lam, sigma, g_val = moved
                        self.best = (lam, sigma)
                        continue
                    failure = failure or (f"line search stalled at relative residual {mpmath.nstr(rmax, 3)}; "
                                          "raise dps or check the maps")
                failure = failure or "singular Newton system (b' vanished on too many coordinates)"
                return self.result(lam, sigma, beta, rmax, decrement, it, Status.FAILED, failure)
            beta = [m.b(s) for m, s in zip(self.maps, sigma, strict=True)]
            rmax = max(abs(v) for v in self.residual(beta)) / (1 + self.ymax)
            return self.result(lam, sigma, beta, rmax, decrement, self.max_iter, Status.MAX_ITER,
                               f"no convergence in max_iter={self.max_iter} (relative residual {mpmath.nstr(rmax, 3)})")
        finally:
            bar.close()

    @staticmethod
    def stalled(history: list[tuple[mpmath.mpf, mpmath.mpf]], rmax: mpmath.mpf, g_val: mpmath.mpf) -> str:
        """A failure message if neither the residual nor the dual objective has moved in 40 iterations, else ``""``.

        A coordinate whose answer sits next to a pole of b (depth >= 3, tiny alpha) is approached by a fixed
        factor per step with the residual flat all the while; g rises through that approach, so it is not a stall.
        """
        if len(history) > 40 and rmax > history[-40][0] / 10 \
                and g_val - history[-40][1] <= mpmath.mpf(2) ** (-mpmath.mp.prec // 2) * (1 + abs(g_val)):
            return f"stalled at relative residual {mpmath.nstr(rmax, 3)} (precision-limited)"
        return ""

    @staticmethod
    def not_ascent(slope: mpmath.mpf, rmax: mpmath.mpf) -> str:
        """A failure message if the Newton direction is not an ascent direction (``r^T H^-1 r <= 0``), else ``""``.

        ``r^T H^-1 r > 0`` for the exact system: a direction that is not an ascent one was lost to rounding (weak
        directions with curvature below the working precision). Armijo would then accept a falling g, and halving
        towards t = 0 only costs time; more digits fix it, so the pass ends at once.
        """
        if slope > 0:
            return ""
        return f"Newton direction lost to rounding at relative residual {mpmath.nstr(rmax, 3)} (precision-limited)"

    def line_search(self, lam: list[mpmath.mpf], sigma: list[mpmath.mpf], g_val: mpmath.mpf, step: list[mpmath.mpf],
                    slope: mpmath.mpf, r: list[mpmath.mpf]
                    ) -> tuple[list[mpmath.mpf], list[mpmath.mpf], mpmath.mpf] | None:
        """The next ``(lam, sigma, g)`` along the Newton direction ``step``, or ``None`` if no point is accepted.

        Halving from a first trial inside a trust region in sigma: where H is nearly singular (inactive coordinates
        at tiny alpha carry curvature ~alpha^2) the ridge-regularized step can be astronomically long, and halving
        down from it would cost thousands of evaluations. A first trial that crosses an end of a domain is replaced
        by the best point on the line (:meth:`line_max`, next to a pole); an accepted first trial is lengthened
        (:meth:`expand`, a step that is short where b is exponential).
        """
        dsig = self.sigma(step)
        reach = max(abs(v) for v in dsig)
        limit = 4 * (1 + max(abs(v) for v in sigma))
        t = mpmath.mpf(1)
        if reach > limit:
            t = mpmath.mpf(2) ** int(mpmath.floor(mpmath.log(limit / reach, 2)))
        t_first = t
        rnorm = mpmath.fsum(v**2 for v in r)
        for _ in range(4 * mpmath.mp.prec):
            trial_sigma = [s + t * ds for s, ds in zip(sigma, dsig, strict=True)]
            trial = [v + t * st for v, st in zip(lam, step, strict=True)]
            g_new = self.g(trial, trial_sigma)  # -inf outside the domains
            if g_new == mpmath.mpf("-inf") and t == t_first:
                best = self.line_max(lam, sigma, step, dsig, t, g_val)
                if best is not None:
                    t_line, g_line = best
                    return ([v + t_line * st for v, st in zip(lam, step, strict=True)],
                            [s + t_line * ds for s, ds in zip(sigma, dsig, strict=True)], g_line)
            if g_new > mpmath.mpf("-inf") and self.sufficient(g_new, g_val, t, slope, trial_sigma, rnorm):
                if t == t_first:  # the first trial: perhaps far too short (exponential b)
                    return self.expand(trial, trial_sigma, g_new, [t * v for v in step], [t * v for v in dsig])
                return trial, trial_sigma, g_new
            t /= 2
        return None

    def sufficient(self, g_new: mpmath.mpf, g_val: mpmath.mpf, t: mpmath.mpf, slope: mpmath.mpf,
                   trial_sigma: list[mpmath.mpf], rnorm: mpmath.mpf) -> bool:
        """Armijo on the concave dual; or, where g cancels to its last digits (large alpha: Q* ~ sigma^2 from a
        difference of exponentials), a sufficient fall of the residual."""
        if g_new >= g_val + _ARMIJO * t * slope:
            return True
        trial_beta = [m.b(x) for m, x in zip(self.maps, trial_sigma, strict=True)]
        r_new = mpmath.fsum(v**2 for v in self.residual(trial_beta))
        return bool(r_new <= (1 - _ARMIJO * t) * rnorm)

    def expand(self, lam: list[mpmath.mpf], sigma: list[mpmath.mpf], g_val: mpmath.mpf, step: list[mpmath.mpf],
               dsig: list[mpmath.mpf]) -> tuple[list[mpmath.mpf], list[mpmath.mpf], mpmath.mpf]:
        """Go on along an accepted full Newton step, doubling, while the concave dual still rises.

        Where ``b`` is exponential (small alpha: coordinates switching on or off) Newton's full step moves
        ``sigma`` by about 1/2 and the residual falls only by ``e`` per iteration; doubling crosses such a
        stretch in a few evaluations, and concavity makes every accepted point a better one.
        """
        extra = mpmath.mpf(1)
        for _ in range(30):
            trial_sigma = [s + extra * ds for s, ds in zip(sigma, dsig, strict=True)]
            if not self.inside(trial_sigma):
                break
            trial = [v + extra * st for v, st in zip(lam, step, strict=True)]
            g_new = self.g(trial, trial_sigma)
            if not g_new > g_val:
                break
            lam, sigma, g_val = trial, trial_sigma, g_new
            extra *= 2
        return lam, sigma, g_val

    def newton_step(self, sigma: list[mpmath.mpf], r: list[mpmath.mpf]) -> list[mpmath.mpf] | None:
        """``H^-1 r`` with ``H = X diag(b'(sigma)) X^T`` (``None`` if singular): the Newton step in ``lam``."""
        H = self.P.weighted_gram([to_arb(m.db(s)) for m, s in zip(self.maps, sigma, strict=True)])
        step = _solve(H, flint.arb_mat(self.n, 1, [to_arb(v) for v in r]))
        return None if step is None else [to_mpf(step[i, 0]) for i in range(self.n)]

    def beta_correction(self, sigma: list[mpmath.mpf], beta: list[mpmath.mpf]) -> mpmath.mpf:
        """``max_i |b_i'(sigma_i) (X^T H^-1 r)_i|``: how far one more Newton step would move ``beta``.

        The distance from the returned ``beta`` to the exact minimizer for these maps, to first order in the
        residual ``r`` (the second-order term is ``O(|r|^2)``, far below it at convergence). Unlike the relative
        residual it is in the units of ``beta`` and counts the weak directions a residual hides.
        """
        step = self.newton_step(sigma, self.residual(beta))
        if step is None:
            return mpmath.inf
        dsig = self.sigma(step)
        return max(abs(m.db(s) * ds) for m, s, ds in zip(self.maps, sigma, dsig, strict=True))

    def reachable(self) -> bool:
        """Whether some ``beta`` with ``X beta = y`` lies within the maps' limiting values at the ``|sigma|`` wall.

        An iterate pressed against the wall means either an unbounded dual (labels out of reach: more digits only
        move the wall, at great cost) or an answer beyond it (depth >= 3 poles at tiny alpha: more digits help).
        A linear program over ``b(-wall) <= beta <= b(wall)`` tells the two apart.
        """
        bounds = []
        for m, (lo, hi) in zip(self.maps, self.domains, strict=True):
            ends: list[float | None] = []
            for end, s in ((lo, -self.sigma_max), (hi, self.sigma_max)):
                # a side bounds beta only where b has settled at the wall (b(s) = b(s/2) to 16 bits): a map still
                # moving there (a pole further out) or a finite end, a pole or an end met first bound nothing
                value = None
                try:
                    if not mpmath.isfinite(end):
                        at, half, zero = m.b(s), m.b(s / 2), m.b(mpmath.mpf(0))
                        moved = abs(at - zero)  # b must have moved from b(0) by more than rounding, then settled
                        if mpmath.isfinite(at) and moved > abs(at) * mpmath.mpf(2) ** (-mpmath.mp.prec // 2) \
                                and abs(at - half) <= moved / 2**16:
                            value = float(at)
                except (OutsideDomain, OverflowError):  # no value at the wall: this side bounds nothing
                    pass
                ends.append(value)
            bounds.append((ends[0], ends[1]))
        Xf = np.array([[float(v) for v in row] for row in self.Xm])
        lp = linprog(np.zeros(self.d), A_eq=Xf, b_eq=np.array([float(v) for v in self.ym]), bounds=bounds,
                     method="highs")
        return bool(lp.status != 2)  # 2: infeasible

    def result(self, lam: list[mpmath.mpf], sigma: list[mpmath.mpf], beta: list[mpmath.mpf], rmax: mpmath.mpf,
               decrement: mpmath.mpf, iterations: int, status: Status, message: str) -> ReferenceSolution:
        far = max(abs(s) for s in sigma)
        at_wall = any((s > self.sigma_max / 2**16 and not mpmath.isfinite(hi))
                      or (s < -self.sigma_max / 2**16 and not mpmath.isfinite(lo))
                      for s, (lo, hi) in zip(sigma, self.domains, strict=True))
        if status in (Status.FAILED, Status.MAX_ITER) and (far > self.reach / 2 or (at_wall and not self.reachable())):
            self.unbounded = True
            message = (f"the dual rises without bound (|X^T lam| reached {mpmath.nstr(far, 3)}"
                       f"; {message}): y is not reachable with the maps' values, e.g. a negative label for a model "
                       "that only takes positive values")
        objective = mpmath.fsum(b * s - m.B(s) for b, s, m in zip(beta, sigma, self.maps, strict=True))
        kkt = {"primal": rmax, "stationarity": mpmath.mpf(0), "newton_decrement": decrement,
               "beta_correction": self.beta_correction(sigma, beta) if status == Status.SUCCESS else mpmath.inf}
        return ReferenceSolution([+b for b in beta], objective, [+v for v in lam], kkt, iterations, status, message,
                                 self.dps, {"sigma": sigma, "unbounded": self.unbounded})


def _at_an_end(s: mpmath.mpf, lo: mpmath.mpf, hi: mpmath.mpf) -> bool:
    """``s`` within rounding (half the working bits) of a finite end of its domain."""
    near = mpmath.mpf(2) ** (-(mpmath.mp.prec // 2))
    return any(mpmath.isfinite(end) and abs(s - end) <= near * (1 + abs(end)) for end in (lo, hi))


def _solve(H: flint.arb_mat, r: flint.arb_mat) -> flint.arb_mat | None:
    """Newton system ``H x = r``. Certified when arb can prove ``H`` invertible; otherwise (at small alpha with
    fewer than n active coordinates ``H`` is numerically singular: the inactive directions carry curvature
    ``~alpha^2``) an approximate LU solve with a ridge at the working precision: those directions are then
    already converged to the requested absolute accuracy, so the ridge only stops them from blowing up."""
    try:
        return H.solve(r)
    except ZeroDivisionError:
        pass
    n = H.nrows()
    scale = max(abs(H[i, i].mid()) for i in range(n))
    if scale == 0:
        return None
    ridge = scale * flint.arb(2) ** (-flint.ctx.prec + 16)
    Hr = H + flint.arb_mat(n, n, [ridge if i == j else 0 for i in range(n) for j in range(n)])
    x = Hr.solve(r, nonstop=True, algorithm="approx")
    return None if any(not x[i, 0].mid().is_finite() for i in range(n)) else x
