r"""The saddle-to-saddle limit of depth-2 diagonal networks at vanishing initialization, exactly.

Pesme & Flammarion (2023), "Saddle-to-Saddle Dynamics in Diagonal Linear Networks", NeurIPS, Algorithm 1 and
its main theorem: as ``alpha -> 0``, gradient flow on ``L(beta) = ||X beta - y||^2 / (2n)`` over ``beta = u * v``
(``u(0) = sqrt(2) alpha``, ``v(0) = 0``), observed in the accelerated time ``t / log(1/alpha)``, converges to a
piecewise-constant process: it rests at saddles ``beta_0 = 0, beta_1, ..., beta_p`` of the loss and jumps at
times ``0 = t_0 < t_1 < ... < t_p``; ``beta_p`` is the minimum-l1 interpolator when ``X beta = y`` is solvable.

The recursion (re-derived in ``docs/saddle_to_saddle.md``): the dual variable ``s(t) = -int_0^t grad L``
(accelerated time) stays in ``[-1, 1]^d`` and moves at the constant velocity ``-g_k = -grad L(beta_k)`` while
the process rests at ``beta_k``; the next jump happens when a coordinate of ``s`` reaches ``+-1``; the new
saddle minimizes ``L`` over ``beta_i >= 0`` where ``s_i = 1``, ``beta_i <= 0`` where ``s_i = -1`` and
``beta_i = 0`` elsewhere. A coordinate with ``s_i = +-1`` whose constrained minimum is at ``beta_i = 0`` (the
gradient pointing inwards) leaves the active set: a deactivation.

Every step is a linear solve, a product or a comparison of rationals, and the data are rationals (floats are
dyadic rationals), so :func:`saddle_to_saddle` runs in exact rational arithmetic (python-flint) and the times
and saddles are exact; ``dps`` only sets the digits of their decimal form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import flint
import mpmath

from .._precision import DEFAULT_DPS
from .._validation import check_alpha, check_dps, check_int
from ..errors import InputError, NumericalError
from ..results import Status
from ._rational import exact_problem, gram, sign_constrained_lsq, to_mpf

__all__ = ["SaddleToSaddle", "paper_time", "saddle_to_saddle", "time_scale", "toolkit_time"]


def time_scale(alpha: Any) -> mpmath.mpf:
    r"""``lambda(alpha) = log(1 / (sqrt(2) alpha)) / 2``: ``ib.diagonal(2)``'s time ``T`` is ``t * lambda`` in the
    accelerated time ``t`` of the saddle-to-saddle process.

    ``ib.diagonal(2)`` (``beta = u^2 - v^2``, ``u(0) = v(0) = alpha``) and Pesme & Flammarion's ``beta = u v``
    (``u(0) = sqrt(2) alpha'``, ``v(0) = 0``) have the dual maps ``b(sigma) = 2 alpha^2 sinh(4 sigma)`` and
    ``b'(sigma) = alpha'^2 sinh(2 sigma)`` (both derived by ``ib.derive``); with ``beta(T) = b(-int_0^T grad L)``
    in each, ``b(sigma; alpha) = b'(2 sigma; sqrt(2) alpha)`` gives ``beta_{u^2-v^2}(T; alpha) =
    beta_{uv}(2T; sqrt(2) alpha)``, and the accelerated time of the latter is ``2T / log(1/(sqrt(2) alpha))``.

    >>> print(mpmath.nstr(time_scale(mpmath.exp(-1000)), 8))
    499.82671
    """
    a = check_alpha(alpha)
    if a >= 1 / mpmath.sqrt(2):
        raise InputError(f"alpha={alpha!r}: the time scale log(1/(sqrt(2) alpha)) / 2 needs alpha < 1/sqrt(2); the "
                         "saddle-to-saddle limit describes small alpha")
    return mpmath.log(1 / (mpmath.sqrt(2) * a)) / 2


def toolkit_time(t: Any, *, alpha: Any) -> mpmath.mpf:
    """``ib.diagonal(2)``'s time at the accelerated time ``t`` (``t * time_scale(alpha)``)."""
    return mpmath.mpf(t) * time_scale(alpha)


def paper_time(T: Any, *, alpha: Any) -> mpmath.mpf:
    """The accelerated time of ``ib.diagonal(2)``'s time ``T`` (``T / time_scale(alpha)``)."""
    return mpmath.mpf(T) / time_scale(alpha)


@dataclass(frozen=True)
class SaddleToSaddle:
    """The saddles and jump times of the ``alpha -> 0`` limit (accelerated time, Pesme & Flammarion's units).

    Attributes
    ----------
    times : list of mpmath.mpf
        ``t_0 = 0 < t_1 < ... < t_p``; the process equals ``saddles[k]`` on ``(t_k, t_{k+1})``, and
        ``saddles[p]`` after ``t_p``. Multiply by :func:`time_scale` for ``ib.diagonal(2)``'s time.
    saddles : list of list of mpmath.mpf
        ``beta_0 = 0, ..., beta_p``.
    losses : list of mpmath.mpf
        ``L(beta_k)``, strictly decreasing.
    supports : list of tuple of int
        The nonzero coordinates of each saddle.
    active : list of dict
        The signed active set of each saddle: ``{i: +1 or -1}`` for the coordinates with ``s_i = +-1``.
    activated, deactivated : list of tuple of int
        At each jump ``k >= 1``: the coordinates whose dual variable reached ``+-1``, and those that were in
        ``supports[k-1]`` but not in ``supports[k]``.
    exact_times, exact_saddles : list
        The same numbers as exact fractions.
    status, message
        ``"success"`` (a saddle with zero gradient reached), ``"max_iter"`` (``max_saddles`` spent) or
        ``"failed"`` (a constrained minimizer was not unique: the data are not in general position).
    degeneracies : list of str
        Breaches of the theorem's genericity assumptions met on the way (two coordinates reaching ``+-1`` at
        the same time; an active coordinate at 0 with zero gradient). The recursion goes on; the limit theorem
        may not apply there.
    """

    times: list[mpmath.mpf]
    saddles: list[list[mpmath.mpf]]
    losses: list[mpmath.mpf]
    supports: list[tuple[int, ...]]
    active: list[dict[int, int]]
    activated: list[tuple[int, ...]]
    deactivated: list[tuple[int, ...]]
    exact_times: list[Fraction]
    exact_saddles: list[list[Fraction]]
    status: Status
    message: str
    dps: int
    degeneracies: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        """The recursion reached a saddle with zero gradient (``status == "success"``)."""
        return self.status == Status.SUCCESS

    def at(self, t: Any) -> list[mpmath.mpf]:
        """The limit process at accelerated time ``t`` (at a jump time, the saddle it jumps to)."""
        tq = mpmath.mpf(t)
        k = max(i for i, tk in enumerate(self.times) if tk <= tq) if tq >= 0 else 0
        return list(self.saddles[k])


def saddle_to_saddle(X: Any, y: Any, *, dps: int = DEFAULT_DPS, max_saddles: int = 1000) -> SaddleToSaddle:
    """Pesme & Flammarion's (2023) Algorithm 1: the saddles and jump times of the vanishing-initialization limit.

    Parameters
    ----------
    X : array-like, shape (n, d)
        Any real matrix (under- or overdetermined); entries are read as exact rationals.
    y : array-like, shape (n,)
    dps : int
        Decimal digits of ``times``, ``saddles`` and ``losses`` (the computation itself is exact).
    max_saddles : int
        Give up (status ``"max_iter"``) after this many jumps.

    Returns
    -------
    SaddleToSaddle
        Times in the accelerated time of ``beta = u v`` (``t_1 = 1 / ||X^T y / n||_inf``); ``ib.diagonal(2)``'s
        time is ``t * time_scale(alpha)``.

    Examples
    --------
    A 2 x 3 problem with a deactivation (coordinate 2 leaves when coordinate 0 arrives), solved by hand in
    ``docs/saddle_to_saddle.md``:

    >>> res = saddle_to_saddle([[1, 0, 1], [1, -1, 2]], [-2, -1], dps=20)
    >>> res.success, [str(t) for t in res.exact_times], res.supports
    (True, ['0', '1/2', '4/3', '16/3'], [(), (2,), (0,), (0, 1)])
    >>> [str(b) for b in res.exact_saddles[-1]], res.deactivated
    (['-2', '-1', '0'], [(), (), (2,), ()])
    """
    dps = check_dps(dps)
    max_saddles = check_int(max_saddles, "max_saddles", 1, "the number of jumps to follow before giving up")
    Xq, yq = exact_problem(X, y)
    G, c, l0 = gram(Xq, yq)
    d = len(Xq[0])
    zero = flint.fmpq(0)
    one = flint.fmpq(1)
    s = [zero] * d
    beta: dict[int, flint.fmpq] = {}
    t = zero
    rec = _Record(d)
    rec.add(t, beta, {}, (), l0, _loss(G, c, l0, beta))
    status, message = Status.MAX_ITER, f"max_saddles={max_saddles} jumps followed without reaching zero gradient"
    for _ in range(max_saddles):
        g = [sum((G[i, j] * b for j, b in beta.items()), zero) - c[i, 0] for i in range(d)]
        if all(v == 0 for v in g):
            status, message = Status.SUCCESS, (f"zero gradient at saddle {len(rec.times) - 1} (t = "
                                           f"{float(rec.times[-1]):.6g})")
            break
        # time for each coordinate of s (velocity -g) to reach the boundary it moves towards
        reach = {i: ((one - s[i]) / -g[i] if g[i] < 0 else (one + s[i]) / g[i]) for i in range(d) if g[i] != 0}
        if any(v == 0 for v in reach.values()):
            raise NumericalError("saddle_to_saddle: an active coordinate is pushed outwards at a constrained "
                                 "minimizer (KKT violated); this is a bug")
        step = min(reach.values())
        hits = tuple(i for i, v in reach.items() if v == step)
        t += step
        s = [s[i] - step * g[i] for i in range(d)]
        signs = {i: (1 if s[i] == one else -1) for i in range(d) if s[i] in (one, -one)}
        try:
            beta = sign_constrained_lsq(G, c, signs)
        except NumericalError as exc:
            status, message = Status.FAILED, f"at t = {float(t):.6g}: {exc}"
            break
        g_new = [sum((G[i, j] * b for j, b in beta.items()), zero) - c[i, 0] for i in range(d)]
        if len(hits) > 1:
            rec.degeneracies.append(f"t = {t}: coordinates {hits} reach +-1 at the same time")
        flat = [i for i in signs if i not in beta and g_new[i] == 0]
        if flat:
            rec.degeneracies.append(f"t = {t}: active coordinates {flat} at 0 with zero gradient")
        rec.add(t, beta, signs, hits, l0, _loss(G, c, l0, beta))
    return rec.result(status, message, dps)


def _loss(G: flint.fmpq_mat, c: flint.fmpq_mat, l0: flint.fmpq, beta: dict[int, flint.fmpq]) -> flint.fmpq:
    quad = sum((G[i, j] * bi * bj for i, bi in beta.items() for j, bj in beta.items()), flint.fmpq(0))
    return quad / 2 - sum((c[i, 0] * b for i, b in beta.items()), flint.fmpq(0)) + l0


class _Record:
    """The saddles found so far, in exact form."""

    def __init__(self, d: int) -> None:
        self.d = d
        self.times: list[flint.fmpq] = []
        self.saddles: list[list[flint.fmpq]] = []
        self.losses: list[flint.fmpq] = []
        self.supports: list[tuple[int, ...]] = []
        self.active: list[dict[int, int]] = []
        self.activated: list[tuple[int, ...]] = []
        self.deactivated: list[tuple[int, ...]] = []
        self.degeneracies: list[str] = []

    def add(self, t: flint.fmpq, beta: dict[int, flint.fmpq], signs: dict[int, int], hits: Sequence[int],
            l0: flint.fmpq, loss: flint.fmpq) -> None:
        support = tuple(sorted(beta))
        if self.supports:
            self.deactivated.append(tuple(i for i in self.supports[-1] if i not in beta))
            self.activated.append(tuple(hits))
            if not loss < self.losses[-1]:
                self.degeneracies.append(f"t = {t}: the loss does not decrease ({self.losses[-1]} -> {loss})")
        else:
            self.deactivated.append(())
            self.activated.append(())
        self.times.append(t)
        self.saddles.append([beta.get(i, flint.fmpq(0)) for i in range(self.d)])
        self.losses.append(loss)
        self.supports.append(support)
        self.active.append(dict(signs))

    def result(self, status: Status, message: str, dps: int) -> SaddleToSaddle:
        def frac(q: flint.fmpq) -> Fraction:
            return Fraction(int(q.p), int(q.q))

        with mpmath.workdps(dps):
            return SaddleToSaddle(
                [to_mpf(t) for t in self.times], [[to_mpf(b) for b in row] for row in self.saddles],
                [to_mpf(v) for v in self.losses], list(self.supports), list(self.active), list(self.activated),
                list(self.deactivated), [frac(t) for t in self.times],
                [[frac(b) for b in row] for row in self.saddles], status, message, dps, list(self.degeneracies))
