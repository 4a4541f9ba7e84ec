"""The symbolic engine: flow of eta*grad(phi) -> b(sigma) -> grad Q = b^{-1} -> Q (SymPy only; docs/theory.md)."""

from ..symbols import BETA, SIGMA
from .check import CheckResult, check_regularizer
from .curve import DualCurve, solve_curve
from .invert import invert_curve
from .regularizer import Regularizer, derive
from .roots import MonotoneRoot

__all__ = ["BETA", "SIGMA", "CheckResult", "DualCurve", "MonotoneRoot", "Regularizer", "check_regularizer", "derive",
           "invert_curve", "solve_curve"]
