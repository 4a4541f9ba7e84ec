"""One status vocabulary for every numerical result of the toolkit.

A result object (:class:`~implicit_bias.flow.FlowSolution`, :class:`~implicit_bias.reference.ReferenceSolution`,
:class:`~implicit_bias.VerifyReport`, :class:`~implicit_bias.sweeps.SweepResult`) carries a ``status`` from
:class:`Status`, a ``message`` saying what happened, and a ``success`` property. A verdict about the numbers
(do two independent answers agree?) is a separate boolean of the result that judges it, not a status: a run
can succeed and disagree.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["Status", "solve_ivp_status"]


class Status(StrEnum):
    """How a numerical procedure ended.

    A ``Status`` compares equal to its string value (``Status.SUCCESS == "success"``), so JSON output and
    stored sweep records hold plain strings.
    """

    #: Finished: the answer meets the procedure's own accuracy criterion.
    SUCCESS = "success"
    #: The time budget was spent (wall-clock ``max_time``, or an integrator's horizon ``t_max``); the state reached
    #: is returned.
    MAX_TIME = "max_time"
    #: The iteration budget (``max_iter``) was spent; the last iterate is returned.
    MAX_ITER = "max_iter"
    #: Stopped by the user (Ctrl-C); the state reached is returned.
    INTERRUPTED = "interrupted"
    #: The procedure could not finish; ``message`` says why.
    FAILED = "failed"


def solve_ivp_status(sol: Any) -> Status:
    """The status of a scipy ``solve_ivp`` run whose terminal event means "done".

    scipy's code 1 (a terminal event fired) is success, 0 (the end of ``t_span`` was reached first) is
    ``MAX_TIME`` (the horizon in the integration variable), anything else (a step failed) is ``FAILED``;
    scipy's ``sol.message`` says why.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> [str(solve_ivp_status(SimpleNamespace(status=s))) for s in (1, 0, -1)]
    ['success', 'max_time', 'failed']
    """
    return {1: Status.SUCCESS, 0: Status.MAX_TIME}.get(sol.status, Status.FAILED)
