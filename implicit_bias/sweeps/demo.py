"""Tiny importable point functions, for examples and for testing a cluster set-up without the heavy maths."""

from __future__ import annotations

import time

__all__ = ["hypentropy_point", "square"]


def square(config: dict) -> dict:
    """``{"y": x**2}``, after sleeping ``config.get("sleep", 0)`` seconds."""
    time.sleep(float(config.get("sleep", 0.0)))
    return {"y": config["x"] ** 2}


def hypentropy_point(config: dict) -> dict:
    """argmin of the engine's u^2 - v^2 regularizer on a generated sparse problem: one real point of work.

    Config keys: ``d``, ``n``, ``sparsity``, ``seed``, ``log10_alpha`` (and optionally ``dps``).
    """
    from ..experiments.sparse_recovery import RecoveryPoint, recovery_point

    return recovery_point(RecoveryPoint(int(config["d"]), int(config["n"]), int(config["sparsity"]),
                                        int(config["seed"]), float(config["log10_alpha"]),
                                        dps=int(config.get("dps", 30))))
