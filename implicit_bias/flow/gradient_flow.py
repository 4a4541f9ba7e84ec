"""Gradient flow of the ORIGINAL parameters, at arbitrary precision, with an exact tail.

``w' = -eta * grad_w L(w)`` for all ``d * k`` parameters, ``L = ||X beta(w) - y||^2 / (2n)``, integrated by
heyoka's LLVM-compiled Taylor method in MPFR arithmetic (``heyoka.real``): the exponent range is unbounded, so
``alpha = e^-10000`` is an ordinary initial value.

Saddle-to-saddle plateaus (Pesme & Flammarion 2023): each lasts ``~log(1/alpha)`` while the coordinates already
active relax at rates ``O(1)``, which bound a Taylor step (its radius of convergence and stability are ``~p/rate``
for order ``p``), so an explicit method pays for the length of every plateau. Where every parameter's logarithm
moves at a constant rate along the curves of ``eta grad phi`` (``diagonal(2)``), the whole state is a function of
the ``n`` numbers ``nu = int r dt / n``: the default integrator then follows ``nu`` by an implicit method (stiff
and ``n``-dimensional, in float64) and moves every parameter along its own curve at the working precision, so the
state never leaves the curves the flow follows and the limit does not depend on the float64 tolerance (see
``docs/flow.md``).

Stopping: the slow final phase (rates ~``alpha^2`` in the directions of coordinates that stay small) cannot
be crossed by any explicit integrator, so once the loss has fallen below ``tail_loss`` (relative) the rest of
the flow is solved in one exact jump along the integral curves of ``eta grad phi`` through the state reached
(:mod:`implicit_bias.flow.tail`). ``certificate`` is how far one more Newton step of that solve would move
``beta`` (``max |b'(sigma) X^T H^-1 r|``, ``r`` its residual): ``|beta - beta(infinity)|`` to first order, given
curves exact to the working precision, plus what a trajectory kept to fewer digits adds
(:func:`trajectory_error`) -- an estimate, not a rigorous enclosure. ``tail_jump`` is how far the jump moved
``beta``.

Stiff plateaus: for depth ``D >= 3`` a plateau lasts ``~alpha^-(D-2)`` while the coordinates already active
relax at rates ``O(1)``, which bound an explicit step (measured: diagonal(3), alpha = 1e-8, 46,000 Taylor steps
in 120 s without leaving the first plateau). The jump along the curves is exact from *any* time -- for a
separable parametrization each ``w_i`` stays on its curve whatever ``X^T r`` does -- so once ``plateau_steps``
steps pass without the loss halving, the jump is taken from there (the message says so); if it fails, the
integration goes on.

The pieces, in the manner of scipy's ``OdeSolver``: :class:`~implicit_bias.flow.system.FlowSystem` (the ODE in
log or scaled coordinates as a heyoka integrator), :class:`~implicit_bias.flow.controller.StepController` (chunks,
the visibility level, plateau detection), :class:`~implicit_bias.flow.tail.Tail` (the exact jump) and
:class:`~implicit_bias.flow.solver.FlowSolver`, which advances them a chunk at a time; :func:`gradient_flow` is
the driver.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import mpmath
import sympy as sp

from .._precision import DEFAULT_DPS, GUARD_DIGITS, bits
from .._progress import progress_bar
from .._validation import check_alpha, check_constants, check_dps, check_int, check_problem, check_real
from ..errors import InputError
from ..parametrizations import Parametrization
from ..results import Status
from .controller import StepController
from .solver import FlowSolver
from .system import FlowSystem
from .tail import Tail

__all__ = ["FlowSolution", "flow_digits", "gradient_flow", "required_dps"]


def required_dps(alpha: Any, digits: int = 20) -> int:
    """Digits that resolve the alpha-dependent part of ``beta`` (``O(alpha^2)`` relative) to ``digits``."""
    a = check_alpha(alpha)
    extra = 0 if a >= 1 else math.ceil(float(-2 * mpmath.log10(a)))
    return digits + extra + GUARD_DIGITS


#: Digits the trajectory carries beyond the relative digits wanted of the answer's alpha-dependent part
#: (measured: alpha = e^-100, d = 20, n = 8: a trajectory at 30 + 10 guard digits gives that part to 17 digits,
#: at 40 + 10 to 24, the tail's limit at dps = 70).
TRAJECTORY_MARGIN = 30


def flow_digits(alpha: Any, dps: int) -> int:
    """Digits the trajectory needs so that the tail at ``dps`` digits is limited by ``dps`` alone.

    The answer's ``alpha``-dependent part lives in the tiny coordinates (and the tiny factors of the large
    ones). MPFR keeps each of them to full *relative* precision whatever its exponent, and a relative error
    ``eps`` in the state moves the limit's ``alpha``-dependent part by about ``eps`` relative: so the trajectory
    needs the digits wanted of that part plus a margin, not the ``2 log10(1/alpha)`` extra digits that the
    exact tail (which resolves the part against the ``O(1)`` coordinates) needs. At ``alpha >= 1`` there is no
    such part and the trajectory runs at ``dps``.
    """
    a = check_alpha(alpha)
    extra = 0 if a >= 1 else math.ceil(float(-2 * mpmath.log10(a)))
    return min(dps, max(dps - extra, 10) + TRAJECTORY_MARGIN)


@dataclass(frozen=True)
class FlowSolution:
    """The state reached by :func:`gradient_flow`.

    ``status`` (:class:`~implicit_bias.results.Status`) is ``"success"`` (integrated to a small loss, then the
    exact tail), ``"interrupted"`` (Ctrl-C: the state reached), ``"max_time"`` (wall-clock budget spent) or
    ``"failed"``; ``success`` is ``status == "success"``.

    How the end was reached: ``loss_at_tail`` is the relative loss ``L / (1 + L(0))`` of the state the exact tail
    was taken from (``None`` if it was not taken), ``plateau_jump`` whether that was the jump from inside a
    plateau (the loss had not halved in ``plateau_steps`` steps) rather than from a loss below ``tail_loss``.
    ``steps`` counts Taylor steps, or steps of the stiff dual integration where that is the integrator.
    """

    beta: list[mpmath.mpf]
    w: list[list[mpmath.mpf]]
    loss: mpmath.mpf
    t_final: mpmath.mpf
    steps: int
    wall_time: float
    status: Status
    message: str
    certificate: mpmath.mpf
    tail_jump: mpmath.mpf
    trajectory: list[tuple[mpmath.mpf, list[mpmath.mpf]]] = field(default_factory=list)
    loss_at_tail: mpmath.mpf | None = None
    plateau_jump: bool = False

    @property
    def success(self) -> bool:
        """The flow reached its limit (``status == "success"``)."""
        return self.status == Status.SUCCESS


def _values(p: Parametrization, alpha: mpmath.mpf, constants: dict[str, Any] | None, d: int
            ) -> list[dict[sp.Symbol, mpmath.mpf]]:
    """Each coordinate's values of ``p``'s constants (``alpha`` and the rest; see ``check_constants``)."""
    given = check_constants([s.name for s in p.constants if s != p.alpha], constants, d=d)
    return [{s: alpha if s == p.alpha else (given[s.name][i] if isinstance(given[s.name], list) else given[s.name])
             for s in p.constants} for i in range(d)]


def trajectory_error(system: FlowSystem, beta: list[mpmath.mpf], dps: int) -> mpmath.mpf:
    """What a trajectory kept to fewer digits than the answer adds to the limit's error (0 at full digits).

    A relative error ``eps = 10^-flow_dps`` in the state moves the limit's ``alpha``-dependent part by about
    ``eps`` relative (:func:`flow_digits`); that part is at most the size of ``beta``, so ``eps max |beta|``
    bounds it. The tail's own certificate does not see it: it starts from the state as given.
    """
    if system.flow_dps >= dps or not beta:
        return mpmath.mpf(0)
    return mpmath.mpf(10) ** -system.flow_dps * max(abs(b) for b in beta)


def gradient_flow(p: Parametrization, X: Any, y: Any, *, alpha: Any, constants: dict[str, Any] | None = None,
                  dps: int = DEFAULT_DPS, tail_loss: Any = None, max_time: float | None = None,
                  trajectory: bool = False, progress: bool | None = None, flow_dps: int | None = None,
                  plateau_steps: int | None = 2000, integrator: str = "auto") -> FlowSolution:
    """Integrate gradient flow from ``w(0) = w0(alpha)`` to a small loss, then jump to the limit exactly.

    Parameters
    ----------
    p : Parametrization
    X, y : array-like
        An underdetermined full-row-rank problem (``n < d``).
    alpha : number
        The initialization scale; any positive mpmath number.
    constants : dict, optional
        Values of the other symbols, a scalar or one value per coordinate.
    dps : int
        Digits of the answer (see :func:`required_dps`): the exact tail works at ``dps``.
    tail_loss : number, optional
        Relative loss below which the rest of the flow is solved in one exact jump along the curves
        (default ``1e-8``); see :mod:`implicit_bias.flow.tail`.
    max_time : float, optional
        Wall-clock budget in seconds.
    flow_dps : int, optional
        Digits of the trajectory; default :func:`flow_digits` (``dps`` unless ``alpha`` is small).
    plateau_steps : int or None
        Taylor steps without the loss halving after which the exact jump is tried from the state reached (stiff
        plateaus, depth >= 3 at small alpha); ``None`` integrates to ``tail_loss`` whatever it costs.
    integrator : {"auto", "taylor", "dual"}
        ``"taylor"``: heyoka's Taylor method on all ``d * k`` parameters. ``"dual"`` (parametrizations whose log
        coordinates have constant rates, e.g. ``diagonal(2)``): the stiff ``n``-dimensional flow of
        ``nu = int r dt / n`` by an implicit method in float64, each coordinate moved along its own curve at the
        working precision (see :meth:`~implicit_bias.flow.system.FlowSystem.integrate_dual`): the limit is as
        exact, the trajectory's time is followed to ``DUAL_RTOL``; saddle-to-saddle plateaus, stiff for Taylor
        steps, cost it a few steps. ``"auto"``: ``"dual"`` where it applies, else ``"taylor"``.

    Examples
    --------
    >>> import implicit_bias as ib
    >>> sol = gradient_flow(ib.diagonal(2), [[1, 0.5]], [1], alpha=1e-3, dps=30, progress=False)
    >>> sol.success, round(float(sol.beta[0]), 8), sol.certificate < 1e-20
    (True, 0.99950013, True)
    """
    dps = check_dps(dps)
    a = check_alpha(alpha)
    Xm, ym, _n, d = check_problem(X, y)
    if not isinstance(p, Parametrization):
        raise InputError(f"p={p!r}: expected an implicit_bias.Parametrization (e.g. ib.diagonal(2))")
    work = dps + GUARD_DIGITS
    if integrator not in ("auto", "taylor", "dual"):
        raise InputError(f"integrator={integrator!r}: use 'auto', 'taylor' or 'dual'")

    def default_digits(all_log: bool, constant_rates: bool) -> int:
        # the dual integration moves every coordinate along its curve at the trajectory's digits whatever their
        # number costs: all of them; Taylor steps cost with the digits, and flow_digits' reduction pays there
        if constant_rates and integrator != "taylor":
            return dps
        return flow_digits(a, dps) if all_log else dps

    trajectory_dps = check_dps(flow_dps) if flow_dps is not None else default_digits
    tail_loss = mpmath.mpf(10) ** -8 if tail_loss is None else mpmath.mpf(tail_loss)
    if plateau_steps is not None:
        plateau_steps = check_int(plateau_steps, "plateau_steps", 1, "or None to never jump early")
    if max_time is not None:
        max_time = check_real(max_time, "max_time", "a budget in seconds, or None for no limit", positive=True)
    start = time.perf_counter()
    with mpmath.workdps(work):
        vals = _values(p, a, constants, d)
        system = FlowSystem(p, Xm, ym, vals, work, trajectory_dps)
        loss0 = system.measure()[2]
        controller = StepController(system, tail_loss * (1 + loss0), plateau_steps, max_time, start)
        tail = Tail(p, vals, system.phi_f, system.ker_f, Xm, ym, dps, bits(work), system.digits, controller.deadline,
                    system.explicit_curves)
        if integrator == "dual" and system.rate64 is None:
            raise InputError(f"integrator='dual': the log coordinates of {p.name} do not move at constant rates "
                             "(it needs e.g. diagonal(2)); use integrator='taylor'")
        dual = integrator == "dual" or (integrator == "auto" and system.rate64 is not None)
        solver = FlowSolver(system, controller, tail, trajectory=trajectory, dual=dual)
        bar = progress_bar(progress, desc="gradient flow", unit="chunk", leave=False)
        try:
            while solver.status is None:
                solver.step()
                bar.update(1)
                bar.set_postfix(t=mpmath.nstr(system.time, 4), loss=mpmath.nstr(solver.loss, 3))
        except KeyboardInterrupt:
            solver.interrupt()
        finally:
            bar.close()
        return FlowSolution([+b for b in solver.beta], [[+v for v in wi] for wi in solver.w], +solver.loss,
                            system.time, solver.steps, time.perf_counter() - start, solver.status or Status.FAILED,
                            solver.message, +solver.certificate + trajectory_error(system, solver.beta, dps),
                            +solver.jump, solver.trajectory,
                            solver.loss_at_tail, solver.plateau_jump)
