"""Convex reference solvers at arbitrary precision: argmin Q s.t. X beta = y, min l1, min weighted l2."""

from .base import CoordinateMap, OutOfReach, ReferenceSolution
from .dual import argmin_Q
from .norms import min_l1, min_l2

__all__ = ["CoordinateMap", "OutOfReach", "ReferenceSolution", "argmin_Q", "min_l1", "min_l2"]
