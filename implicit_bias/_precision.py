"""Precision: the one home of the toolkit's precision constants and conversions.

Every numeric layer (the derived regularizer's numeric form, the flow, the reference solvers, the CLI)
works at a requested number of decimal digits ``dps`` plus :data:`GUARD_DIGITS`, converts digits to the
binary precision of MPFR (heyoka) and arb (python-flint) with :func:`bits`, and scopes flint's global
precision with :func:`flint_bits` / :func:`flint_digits` (restored on exit, like ``mpmath.workdps``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["BITS_PER_DIGIT", "DEFAULT_DPS", "GUARD_DIGITS", "MAX_DPS", "MIN_DPS", "bits", "digits",
           "flint_bits", "flint_digits"]

#: Extra decimal digits carried internally beyond the digits requested of an answer.
GUARD_DIGITS = 10
#: The smallest working precision any entry point accepts (decimal digits).
MIN_DPS = 15
#: The largest working precision any entry point accepts (decimal digits).
MAX_DPS = 100_000
#: The default working precision of every numeric entry point (decimal digits).
DEFAULT_DPS = 50
#: ``log2(10)``: bits per decimal digit.
BITS_PER_DIGIT = math.log2(10)


def bits(dps: int | float) -> int:
    """The binary precision that holds ``dps`` decimal digits (with 8 spare bits for rounding).

    >>> bits(50)
    174
    """
    return int(dps * BITS_PER_DIGIT) + 8


def digits(prec: int) -> int:
    """The decimal digits a binary precision of ``prec`` bits holds in full.

    >>> digits(174)
    52
    """
    return int(prec / BITS_PER_DIGIT)


@contextmanager
def flint_bits(prec: int) -> Iterator[None]:
    """Set python-flint's working precision to ``prec`` bits inside the block; restore it on exit."""
    import flint  # here, not at the top: ``import implicit_bias`` does not load python-flint

    old = flint.ctx.prec
    flint.ctx.prec = prec
    try:
        yield
    finally:
        flint.ctx.prec = old


@contextmanager
def flint_digits(dps: int) -> Iterator[None]:
    """Set python-flint's working precision to ``dps`` decimal digits inside the block; restore it on exit."""
    import flint

    old = flint.ctx.dps
    flint.ctx.dps = dps
    try:
        yield
    finally:
        flint.ctx.dps = old
