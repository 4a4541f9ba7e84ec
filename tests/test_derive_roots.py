"""The root finder of the numeric layer: right answers, and the number of evaluations each takes.

Counts, not seconds: Newton's quadratic convergence and the bracket's growth show in how many times ``g`` is
evaluated, which does not depend on the machine.
"""

from __future__ import annotations

import mpmath
import pytest

from implicit_bias.derive.roots import monotone_root, safeguarded_newton


class Counted:
    """``g`` and how many times it was called."""

    def __init__(self, g):
        self.g, self.calls = g, 0

    def __call__(self, x):
        self.calls += 1
        return self.g(x)


def tanh_time(w):
    """``F(w) = w/2 + sinh(2w)/4``: the time of ``u' = sech(u)^2`` (``phi = tanh``), exponential far out."""
    return w / 2 + mpmath.sinh(2 * w) / 4


def tanh_rate(w):
    return mpmath.cosh(w) ** 2


@pytest.mark.parametrize("start", ["0.7", "0.5", "3"])
def test_newton_from_one_side_finishes_without_bisecting(start):
    """From ``w0`` near the root, Newton converges from one side (the bracket keeps its far end): it must still
    finish in a handful of steps, as it did not when three steps that left the bracket's far end in place were
    taken as creeping and followed by bisections (33 to 63 evaluations)."""
    with mpmath.workdps(60):
        target = tanh_time(mpmath.mpf("0.48597042755955585836"))
        g = Counted(lambda w: tanh_time(w) - target)
        root = monotone_root(g, mpmath.mpf(start), (-mpmath.inf, mpmath.inf), True, "tanh time", dg=tanh_rate)
        assert abs(tanh_time(root) - target) < mpmath.mpf(10) ** -55
        assert g.calls <= 16, g.calls


def test_a_root_far_out_is_bracketed_in_tens_of_steps_not_thousands():
    """``log(x) = 1000``: the root ``e^1000`` from a start at 1 (steps 1, 2, 4, ... would take ~1440 doublings)."""
    with mpmath.workdps(40):
        g = Counted(lambda x: mpmath.log(x) - 1000)
        root = monotone_root(g, mpmath.mpf(1), (0, mpmath.inf), True, "log x = 1000", dg=lambda x: 1 / x)
        assert abs(root / mpmath.exp(1000) - 1) < mpmath.mpf(10) ** -35
        assert g.calls <= 150, g.calls


def test_a_root_within_the_last_digit_of_the_start_is_the_start():
    """The root is ``1e-80`` from the start: below the spacing of 40-digit numbers there, so the start itself
    (the bracket's first step is never smaller than that spacing, or doubling it from 1e-80 takes ~250 steps)."""
    with mpmath.workdps(40):
        x0 = mpmath.mpf(3)
        g = Counted(lambda x: mpmath.exp(200) * (x - x0) - mpmath.exp(200) * mpmath.mpf(10) ** -80)
        root = monotone_root(g, x0, (-mpmath.inf, mpmath.inf), True, "a root next to x0",
                             dg=lambda x: mpmath.exp(200))
        assert abs(root - x0) <= 4 * mpmath.eps * x0
        assert g.calls <= 10, g.calls


def test_safeguarded_newton_refuses_to_leave_its_bracket():
    """A derivative that lies (the wrong sign) sends every Newton step out of the bracket: bisection still finds
    the root of the monotone ``g`` inside it."""
    with mpmath.workdps(30):
        root = safeguarded_newton(lambda x: x**3 - 2, lambda x: -1, mpmath.mpf(0), mpmath.mpf(4), True)
        assert abs(root - mpmath.cbrt(2)) < mpmath.mpf(10) ** -25
