"""What the reference solvers take and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import mpmath

from ..errors import NumericalError, OutOfReach
from ..results import Status

__all__ = ["CoordinateMap", "OutOfReach", "ReferenceSolution"]


@runtime_checkable
class CoordinateMap(Protocol):
    """One coordinate's dual map: ``b`` nondecreasing on the open ``domain``, ``db = b'``, ``B = int_0 b``.

    :meth:`implicit_bias.NumericRegularizer.coordinate` returns such an object. A map may also carry an optional
    ``sigma_scale`` attribute, the ``|sigma|`` at which ``b`` ends (a pole) when the domain does not say so:
    :func:`~implicit_bias.reference.argmin_Q` then works with ``log10(sigma_scale)`` more digits from the start.
    A map with no value at some ``sigma`` inside ``domain`` (a curve that ends before it) raises
    :class:`~implicit_bias.errors.OutsideDomain` there.
    """

    def b(self, sigma: mpmath.mpf) -> mpmath.mpf: ...

    def db(self, sigma: mpmath.mpf) -> mpmath.mpf: ...

    def B(self, sigma: mpmath.mpf) -> mpmath.mpf: ...

    @property
    def domain(self) -> tuple[mpmath.mpf, mpmath.mpf]: ...


@dataclass(frozen=True)
class ReferenceSolution:
    """A reference solution with its certificate.

    Attributes
    ----------
    beta : list of mpmath.mpf
    objective : mpmath.mpf
        The minimized objective (``sum Q_i``, ``||beta||_1`` or the weighted ``||beta||_2^2``).
    dual : list of mpmath.mpf
        The multiplier ``lam`` (``grad objective = X^T lam`` at the solution).
    kkt_residual : dict
        ``primal``: ``max |X beta - y| / (1 + max |y|)``; ``stationarity``: how far ``beta`` is from
        satisfying the optimality condition in the dual variable; further solver-specific entries.
    iterations : int
    status : str
        A :class:`~implicit_bias.results.Status`: ``"success"``, ``"max_iter"``, ``"failed"`` or (a solver
        given ``max_time``) ``"max_time"``. ``success`` is ``status == "success"``.
    message : str
    dps : int
    extra : dict
        Solver-specific details, e.g. :func:`argmin_Q`'s ``sigma = X^T lam`` and ``unbounded`` (the dual rose
        without bound: the labels are out of the maps' reach).
    """

    beta: list[mpmath.mpf]
    objective: mpmath.mpf
    dual: list[mpmath.mpf]
    kkt_residual: dict[str, Any]
    iterations: int
    status: Status
    message: str
    dps: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def success(self) -> bool:
        """The solver met its accuracy criterion (``status == "success"``)."""
        return self.status == Status.SUCCESS

    def raise_for_status(self) -> ReferenceSolution:
        """Raise :class:`~implicit_bias.errors.NumericalError` unless ``status == "success"``."""
        if not self.success:
            raise NumericalError(f"reference solver failed: {self.message}")
        return self
