"""How far the flow integrates at a time, and when it stops integrating.

The flow is integrated in chunks (``propagate_for``), each growing by a factor 1.5 on the last, with a per-step
callback that ends a chunk early once the loss is small enough for the exact tail, the wall-clock budget is spent
or the chunk has run ``plateau_steps`` steps.

The visibility level: log coordinates make a plateau (tiny parameters growing at a steady rate) a straight line,
which a Taylor step would cross in one go -- and with it the transition, where the exponentially small terms it
could not see become O(1). So no step may carry a growing log-coordinate across the visibility level (below it the
parameter is beneath the working precision of the O(1) ones) and, above it, a step may grow one by at most
``e^STEP_GROWTH``; chunks end where the first one becomes visible.

Plateau detection: a flow whose loss has not halved in ``plateau_steps`` Taylor steps is in a stiff plateau
(depth ``D >= 3`` at small alpha: it lasts ``~alpha^-(D-2)`` while the active coordinates relax at rates ``O(1)``,
which bound an explicit step), and the exact jump along the curves is tried from there.
"""

from __future__ import annotations

import math
import time
from typing import Any

import mpmath

from .._precision import GUARD_DIGITS
from .system import FlowSystem

__all__ = ["STEP_GROWTH", "StepController"]

#: Above the visibility level, one step may grow a log-coordinate by at most this much (a factor e^4).
STEP_GROWTH = 4.0
#: Each chunk is this much longer than the last (in flow time), until the visibility level cuts it short.
CHUNK_GROWTH = mpmath.mpf("1.5")
#: The shortest chunk (flow time): a visibility horizon at the current time still moves the flow on.
MIN_CHUNK = mpmath.mpf(10) ** -12

class StepController:
    """The chunks, the per-step stopping rule and the plateau detector of one flow.

    Parameters
    ----------
    system : FlowSystem
    tail_level : mpmath.mpf
        Absolute loss at or below which the exact tail is taken.
    plateau_steps : int or None
        Steps without the loss halving after which the flow is declared in a plateau.
    max_time : float or None
        Wall-clock budget in seconds from ``start`` (a ``time.perf_counter()`` value).
    """

    def __init__(self, system: FlowSystem, tail_level: mpmath.mpf, plateau_steps: int | None,
                 max_time: float | None, start: float) -> None:
        self.system = system
        self.tail_level = tail_level
        self._level = float(tail_level)
        self.plateau_steps = plateau_steps
        self.max_time = max_time
        self.deadline = None if max_time is None else start + max_time
        self.visible = -(system.flow_dps + GUARD_DIGITS) * math.log(10) / 2
        self.dt = mpmath.mpf(1)
        self.chunk_steps = 0
        self.progress_loss, self.progress_steps = mpmath.inf, 0  # the loss last halved at this step count

    def out_of_time(self) -> bool:
        return self.deadline is not None and time.perf_counter() > self.deadline

    def step_limits(self) -> tuple[float, float]:
        """(longest step, time until a growing log-coordinate becomes visible), from the current state."""
        longest, horizon = math.inf, math.inf
        for ell, speed in self.system.growing_logs():
            if ell < self.visible:
                horizon = min(horizon, (self.visible - ell) / speed)
            else:
                longest = min(longest, STEP_GROWTH / speed)
        return min(longest, horizon), horizon

    def next_chunk(self) -> tuple[mpmath.mpf, float]:
        """The next chunk's length (flow time) and its longest step; the chunk counter restarts."""
        longest, horizon = self.step_limits()
        chunk = min(self.dt, mpmath.mpf(horizon) * mpmath.mpf("1.001")) if math.isfinite(horizon) else self.dt
        self.chunk_steps = 0
        return max(chunk, MIN_CHUNK), longest

    def callback(self, integrator: Any) -> bool:
        """heyoka's per-step callback: ``False`` ends the chunk (the loss small enough, the budget spent, or
        ``plateau_steps`` steps in this chunk). float64 is enough to compare the loss with the level."""
        self.chunk_steps += 1
        over = self.out_of_time() or (self.plateau_steps is not None and self.chunk_steps >= self.plateau_steps)
        small = self.system.float_loss(integrator.state) <= self._level
        return not (small or over)

    def in_plateau(self, loss: mpmath.mpf, steps: int) -> bool:
        """After a chunk: whether ``plateau_steps`` steps have passed without the loss halving."""
        if loss <= self.progress_loss / 2:
            self.progress_loss, self.progress_steps = loss, steps
            return False
        return self.plateau_steps is not None and steps - self.progress_steps >= self.plateau_steps

    def plateau_length(self, steps: int) -> int:
        return steps - self.progress_steps

    def restart_plateau(self, steps: int) -> None:
        """The jump failed from here: integrate on and try again ``plateau_steps`` steps later."""
        self.progress_steps = steps

    def grow(self) -> None:
        self.dt *= CHUNK_GROWTH
