"""One exception family for the whole toolkit, rooted at :class:`ImplicitBiasError`.

Every error raised on bad input names the argument, echoes the value and says how to fix it.
Errors that also are :class:`ValueError` (bad values) subclass it so ``except ValueError`` works.
"""

from __future__ import annotations

__all__ = [
    "CriticalInitializationError",
    "DerivationError",
    "ImplicitBiasError",
    "InputError",
    "MethodDoesNotApply",
    "NoMirrorPotentialError",
    "NotSeparableError",
    "NumericalError",
    "OutOfReach",
    "OutsideDomain",
    "ParametrizationError",
    "ParseError",
    "SweepError",
]


class ImplicitBiasError(Exception):
    """Root of every error raised by :mod:`implicit_bias`."""


class InputError(ImplicitBiasError, ValueError):
    """A bad argument value: the message names the argument, echoes it and says how to fix it."""


class ParseError(InputError):
    """A user string that is not a safe, well-formed expression over the allowed symbols."""


class ParametrizationError(InputError):
    """A parametrization that the mirror-flow method cannot treat, with the reason."""


class NotSeparableError(ParametrizationError):
    """The coordinates share parameters: beta_i = phi(w_i) does not hold."""


class NoMirrorPotentialError(NotSeparableError):
    """The gradients of the coordinates do not commute (non-zero Lie bracket), and no reduction applies.

    Gradient flow is then not a mirror flow of any fixed potential (Li, Wang, Lee & Arora 2022). Conserved
    quantities can still reduce it to a time-warped mirror flow whose potential describes the limit (the single
    neuron ``a * w``); this error is raised where the engine found no such reduction.
    """


class CriticalInitializationError(ParametrizationError):
    """The initialization is a critical point of phi: grad phi(w0) = 0, so the flow never leaves it."""


class DerivationError(ImplicitBiasError):
    """The engine could not derive a regularizer (every method was tried)."""


class MethodDoesNotApply(ImplicitBiasError):
    """Raised by a derivation method whose ``matches`` was true but that cannot finish.

    The registry catches it and tries the next method; it never reaches the user.
    """


class NumericalError(ImplicitBiasError):
    """A numerical procedure failed (no convergence, loss of precision); the message says which."""


class OutsideDomain(NumericalError):
    """A dual map asked for a ``sigma`` where it has no value: past the end of its domain, or where the integral
    curve it follows ends (a pole, a curve that stops). The dual solver treats such a point as outside (its
    objective is ``-inf`` there); any other exception from a map is a fault and propagates.
    """


class OutOfReach(OutsideDomain):
    """A map asked for ``sigma`` further from 0 than it will go (not an end of its domain).

    :func:`~implicit_bias.reference.argmin_Q` treats such a point as outside, like a domain end; if its iterates
    then press against that limit, it reports an unbounded dual (labels out of the maps' reach) instead of a
    precision failure.
    """


class SweepError(ImplicitBiasError):
    """A sweep did not finish every point: some failed (their errors are in the message) or it was interrupted."""
