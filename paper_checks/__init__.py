"""Checks of published claims, one subpackage per paper, judged PASS/FAIL: ``python -m paper_checks``."""

from ._framework import CHECKS, Context, Outcome, missing_optional, paper_of, run_checks, write_report

__all__ = ["CHECKS", "Context", "Outcome", "missing_optional", "paper_of", "run_checks", "write_report"]
