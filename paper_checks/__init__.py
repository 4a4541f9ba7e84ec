"""Checks of the seed paper's theorems and figures, judged PASS/FAIL: ``python -m paper_checks --quick``."""

from ._framework import CHECKS, Context, Outcome, run_checks, write_report

__all__ = ["CHECKS", "Context", "Outcome", "run_checks", "write_report"]
