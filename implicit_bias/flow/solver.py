"""One gradient flow advanced chunk by chunk: the system, its step controller and the exact tail put together."""

from __future__ import annotations

import mpmath

from ..results import Status
from .controller import StepController
from .system import FlowSystem
from .tail import Landing, Tail

__all__ = ["FlowSolver"]

#: heyoka outcomes of a chunk that let the flow go on (its time reached, or the callback ended it).
_GOING_ON = ("taylor_outcome.time_limit", "taylor_outcome.cb_stop", "time_limit", "stopped")


class FlowSolver:
    """Advance with :meth:`step` until ``status`` is set (the driver loops, in the manner of scipy's ``OdeSolver``).

    After each step ``w``, ``beta``, ``loss`` are the state reached (at the working precision), ``steps`` the
    Taylor steps taken so far; once ``status`` is ``"success"``, ``beta`` is the limit and ``certificate``,
    ``jump`` describe the exact tail that reached it.
    """

    def __init__(self, system: FlowSystem, controller: StepController, tail: Tail, *, trajectory: bool = False,
                 dual: bool = False) -> None:
        self.system, self.controller, self.tail = system, controller, tail
        self.dual = dual  # chunks by the stiff integration in the dual variable (FlowSystem.integrate_dual)
        self.loss0 = system.measure()[2]
        self.loss_at_tail: mpmath.mpf | None = None  # relative loss of the state the exact tail was taken from
        self.plateau_jump = False
        self.w, self.beta, self.loss = system.measure()
        self.steps = 0
        self.status: Status | None = None
        self.message = "not started"
        self.certificate, self.jump = mpmath.inf, mpmath.inf
        self.keep_trajectory = trajectory
        self.trajectory: list[tuple[mpmath.mpf, list[mpmath.mpf]]] = []

    def step(self) -> None:
        """Integrate one chunk (Taylor steps, or the stiff dual integration), then take the exact tail if the loss is
        small enough or the flow is in a plateau."""
        if self.dual:
            outcome, taken = self.system.integrate_dual(self.controller.dt, float(self.controller.tail_level),
                                                        self.controller.out_of_time)
        else:
            chunk, longest = self.controller.next_chunk()
            outcome, taken = self.system.propagate_for(chunk, longest, self.controller.callback)
        self.steps += taken
        self.w, self.beta, self.loss = self.system.measure()
        if self.keep_trajectory:
            self.trajectory.append((self.system.time, self.beta))
        if outcome not in _GOING_ON:
            self._end(Status.FAILED, f"heyoka stopped: {outcome}")
            return
        t_now = mpmath.nstr(self.system.time, 5)
        loss = mpmath.nstr(self.loss, 3)
        if self.loss <= self.controller.tail_level:
            sol = self.tail.solve(self.w)
            if sol.success:
                self._land(self.tail.landed(sol, self.beta, f"integrated to t = {t_now} (loss {loss}), then the "
                                                                 "exact tail"))
                return
        if self.controller.in_plateau(self.loss, self.steps):
            self._plateau(t_now, loss)
            if self.status is not None:
                return
        if self.controller.out_of_time():
            self._end(Status.MAX_TIME, f"wall-clock budget {self.controller.max_time} s spent at loss {loss}")
            return
        self.controller.grow()

    def _plateau(self, t_now: str, loss: str) -> None:
        """The exact jump from inside a plateau; an unbounded dual ends the flow, any other failure goes on."""
        sol = self.tail.solve(self.w, start="auto")
        if sol.success:
            self._land(self.tail.landed(sol, self.beta, f"in a plateau at t = {t_now} (loss {loss}, "
                                        f"{self.controller.plateau_length(self.steps)} steps without halving), "
                                        "the exact jump"), plateau=True)
        elif sol.extra.get("unbounded"):
            # each w_i stays on its curve, so labels out of reach along the curves are out of reach
            self._end(Status.FAILED, f"the flow cannot interpolate y (loss {loss}): {sol.message}")
        else:
            self.controller.restart_plateau(self.steps)

    def _land(self, landing: Landing, plateau: bool = False) -> None:
        self.loss_at_tail = self.loss / (1 + self.loss0)
        self.plateau_jump = plateau
        self.beta, self.certificate, self.jump = landing.beta, landing.certificate, landing.jump
        self._end(Status.SUCCESS, landing.message)

    def _end(self, status: Status, message: str) -> None:
        self.status, self.message = status, message

    def interrupt(self) -> None:
        """Ctrl-C: the state reached, status ``"interrupted"``."""
        self.w, self.beta, self.loss = self.system.measure()
        self._end(Status.INTERRUPTED, "interrupted by the user: the state reached is returned")
