"""The small framework every paper check uses: a context in, outcomes out, one Markdown report."""

from __future__ import annotations

import importlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHECKS", "Context", "Outcome", "run_checks", "write_report"]

#: The checks in report order: module names under ``paper_checks``.
CHECKS: tuple[str, ...] = ("thm1_hypentropy", "thm2_bounds", "thm3_shape", "thm4_depth", "fig1_sparse", "fig2_explicit",
                           "fig3_depth", "fig3c_depth_recovery", "sec7_relu")


@dataclass(frozen=True)
class Context:
    """What a check may use: size (quick/full), where to put figures, how to run sweeps."""

    quick: bool = True
    out: Path = Path("paper_checks/report")
    workers: int | None = None
    dask: str | None = None

    @property
    def store(self) -> Path:
        """SQLite store of every finished sweep point (a rerun skips them)."""
        return self.out / "sweeps.sqlite"


@dataclass(frozen=True)
class Outcome:
    """One judged claim: what was measured, what the paper says, the tolerance, PASS or FAIL."""

    check: str
    claim: str
    measured: str
    expected: str
    tolerance: str
    passed: bool
    figures: tuple[str, ...] = ()
    note: str = ""
    seconds: float = field(default=0.0, compare=False)


def run_checks(names: Sequence[str], ctx: Context) -> list[Outcome]:
    """Import and run each named check module's ``run(ctx)``; a crash is reported as a FAIL."""
    ctx.out.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    for name in names:
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"paper_checks.{name}")
            got = list(module.run(ctx))
        except Exception as exc:  # a crashing check is a failing check, with its reason
            got = [Outcome(name, "the check ran", f"crashed: {type(exc).__name__}: {exc}", "no crash", "-", False)]
        elapsed = time.perf_counter() - start
        outcomes += [Outcome(**{**o.__dict__, "seconds": elapsed / max(1, len(got))}) for o in got]
    return outcomes


def write_report(outcomes: Sequence[Outcome], ctx: Context, *, command: str) -> Path:
    """Write ``report.md`` (PASS/FAIL table, then each check's figures) into ``ctx.out``."""
    lines = [
        "# Paper checks: Kernel and Rich Regimes in Overparametrized Models (Woodworth et al. 2020)",
        "",
        f"Produced by `{command}` ({'quick' if ctx.quick else 'full'} sizes). "
        f"{sum(o.passed for o in outcomes)} of {len(outcomes)} claims PASS.",
        "",
        "| check | claim | measured | expected | tolerance | result |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        cells = [o.check, o.claim, o.measured, o.expected, o.tolerance, "PASS" if o.passed else "**FAIL**"]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    seen: set[str] = set()
    for o in outcomes:
        for fig in o.figures:
            if fig not in seen:
                seen.add(fig)
                lines += [f"## {o.check}: {Path(fig).stem}", "", f"![{Path(fig).stem}]({Path(fig).name})", ""]
        if o.note:
            lines += [f"*{o.check}*: {o.note}", ""]
    path = ctx.out / "report.md"
    path.write_text("\n".join(lines))
    return path
