"""The small framework every paper check uses: a context in, outcomes out, one Markdown report.

A check is the module ``paper_checks/<paper>/<claim>.py``, named ``"<paper>.<claim>"`` in :data:`CHECKS`
(``<paper>`` a key such as ``woodworth2020``). The first paragraph of the paper subpackage's docstring is its
citation, used as the heading of its part of the report.

A check that needs an optional dependency which is not installed (:data:`OPTIONAL_DEPENDENCIES`) is SKIPPED,
with the extra that installs it, and the other checks still run; any other crash is a FAIL.
"""

from __future__ import annotations

import importlib
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHECKS", "OPTIONAL_DEPENDENCIES", "Context", "Outcome", "install_hint", "missing_optional", "paper_of",
           "paper_title", "run_checks", "write_report"]

#: The checks in report order: ``"<paper>.<claim>"``, the module ``paper_checks/<paper>/<claim>.py``.
CHECKS: tuple[str, ...] = (
    "woodworth2020.thm1_hypentropy",
    "woodworth2020.thm1_general_shape",
    "woodworth2020.thm2_bounds",
    "woodworth2020.thm3_depth",
    "woodworth2020.fig1_sparse",
    "woodworth2020.fig2_explicit",
    "woodworth2020.fig3_depth",
    "woodworth2020.fig3c_depth_recovery",
    "woodworth2020.sec6_width",
    "woodworth2020.fig5_matrix_completion",
    "woodworth2020.sec7_relu",
    "woodworth2020.fig7_univariate",
    "kunin2024.exact_solutions",
    "kunin2024.limit_potential",
    "kunin2024.regimes",
    "kunin2024.sign_flip",
    "kunin2024.wide_network",
    "kunin2024.relu_upstream",
    "kunin2024.relu_alignment",
    "karkada2024.derivation",
    "karkada2024.width_scaling",
    "karkada2024.richness_dial",
    "karkada2024.gauges",
    "karkada2024.standard_unstable",
    "karkada2024.hyperparameter_transfer",
    "pesme2023.jump_times",
    "pesme2023.plateau_values",
    "pesme2023.last_saddle",
    "even2023.identity",
    "even2023.small_steps",
    "even2023.edge_of_stability",
    "moroshko2020.dual_map",
    "moroshko2020.kernel_regime",
    "moroshko2020.intermediate",
    "moroshko2020.rich_limit",
    "moroshko2020.small_alpha",
)


#: Optional dependencies a check may import: module -> (the package to install, the extra that brings it).
OPTIONAL_DEPENDENCIES: dict[str, tuple[str, str]] = {
    "sklearn": ("scikit-learn", "paper"),
    "distributed": ("dask[distributed]", "dask"),
    "dask": ("dask[distributed]", "dask"),
}

_NO_MODULE = re.compile(r"No module named '([\w.]+)'")


def missing_optional(exc: BaseException) -> str | None:
    """The optional module (a key of :data:`OPTIONAL_DEPENDENCIES`) whose absence raised ``exc``, else None.

    Follows the chain of causes, and reads the text of errors that only carry one (a sweep point that failed in
    a worker process comes back as its traceback).
    """
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        names = [node.name] if isinstance(node, ModuleNotFoundError) and node.name else []
        names += _NO_MODULE.findall(str(node))
        for name in names:
            top = name.split(".")[0]
            if top in OPTIONAL_DEPENDENCIES:
                return top
        node = node.__cause__ or node.__context__
    return None


def install_hint(module: str) -> str:
    """``"scikit-learn (pip install 'implicit-bias[paper]')"`` for an optional module."""
    package, extra = OPTIONAL_DEPENDENCIES[module]
    return f"{package} (pip install 'implicit-bias[{extra}]')"


def paper_of(name: str) -> str:
    """The paper key of a check name: ``"woodworth2020.fig1_sparse"`` -> ``"woodworth2020"``."""
    return name.split(".", 1)[0]


def paper_title(paper: str) -> str:
    """The first paragraph of the paper subpackage's docstring (its citation) on one line, or the key."""
    try:
        doc = importlib.import_module(f"paper_checks.{paper}").__doc__ or ""
    except ImportError:
        doc = ""
    return " ".join(doc.strip().split("\n\n")[0].split()) or paper


@dataclass(frozen=True)
class Context:
    """What a check may use: size (quick/full), where to put figures, how to run sweeps."""

    quick: bool = True
    out: Path = Path("paper_checks/report")
    workers: int | None = None
    dask: str | None = None
    #: Progress bars of the sweeps on stderr: None on a terminal only, False never.
    progress: bool | None = False

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
    #: A documented, reproducible deviation from the paper: set (with its exact signature checked by the
    #: check) only when the claim fails in precisely the known way. Like a strict xfail: a claim that then
    #: passes is reported as FAIL so that the documentation gets updated.
    deviation: str = ""
    #: Why the check could not run (a missing optional dependency): nothing was judged.
    skipped: str = ""

    @property
    def verdict(self) -> str:
        """PASS, FAIL, DEVIATION (failed exactly as documented; does not fail the run) or SKIPPED (not run)."""
        if self.skipped:
            return "SKIPPED"
        if self.deviation:
            return "FAIL" if self.passed else "DEVIATION"
        return "PASS" if self.passed else "FAIL"

    @property
    def ok(self) -> bool:
        return self.verdict != "FAIL"


def run_checks(names: Sequence[str], ctx: Context, *, log: Callable[[str], None] | None = None) -> list[Outcome]:
    """Import and run each named check module's ``run(ctx)``; a crash is reported as a FAIL.

    A check that needs a missing optional dependency is SKIPPED (the others still run) and ``log`` is told once
    per missing module which extra installs it; ``log`` also gets one line per finished check.
    """
    ctx.out.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    missing: set[str] = set()
    for k, name in enumerate(names, 1):
        start = time.perf_counter()
        try:
            module = importlib.import_module(f"paper_checks.{name}")
            got = list(module.run(ctx))
        except Exception as exc:  # a crashing check is a failing check, with its reason
            got = [_crashed(name, exc, missing, log)]
        elapsed = time.perf_counter() - start
        got = [Outcome(**{**o.__dict__, "seconds": elapsed / max(1, len(got))}) for o in got]
        outcomes += got
        if log is not None:
            verdicts = [o.verdict for o in got]
            summary = ", ".join(f"{verdicts.count(v)} {v}" for v in dict.fromkeys(verdicts))
            log(f"[{k}/{len(names)}] {name}: {summary} ({elapsed:.1f} s)")
    return outcomes


def _crashed(name: str, exc: Exception, missing: set[str], log: Callable[[str], None] | None) -> Outcome:
    """The outcome of a check that raised: SKIPPED for a missing optional dependency, FAIL otherwise."""
    module = missing_optional(exc)
    if module is None:
        return Outcome(name, "the check ran", f"crashed: {type(exc).__name__}: {exc}", "no crash", "-", False)
    if log is not None and module not in missing:
        log(f"paper checks: {install_hint(module)} is not installed; the checks that need it are SKIPPED")
    missing.add(module)
    return Outcome(name, "the check ran", "not run", "-", "-", False,
                   skipped=f"needs {install_hint(module)}, which is not installed")


def write_report(outcomes: Sequence[Outcome], ctx: Context, *, command: str) -> Path:
    """Write ``report.md`` into ``ctx.out``: a summary, then per paper its PASS/FAIL table and its figures."""
    lines = [
        "# Paper checks",
        "",
        f"Produced by `{command}` ({'quick' if ctx.quick else 'full'} sizes). "
        f"{sum(o.verdict == 'PASS' for o in outcomes)} of {len(outcomes)} claims PASS, "
        f"{sum(o.verdict == 'DEVIATION' for o in outcomes)} deviate from the paper as documented below, "
        f"{sum(o.verdict == 'FAIL' for o in outcomes)} FAIL"
        + (f", {sum(o.verdict == 'SKIPPED' for o in outcomes)} SKIPPED (a missing optional dependency)."
           if any(o.verdict == "SKIPPED" for o in outcomes) else "."),
        "",
    ]
    papers = dict.fromkeys(paper_of(o.check) for o in outcomes)
    for paper in papers:
        lines += _paper_section(paper, [o for o in outcomes if paper_of(o.check) == paper], ctx)
    path = ctx.out / "report.md"
    path.write_text("\n".join(lines))
    return path


def _paper_section(paper: str, outcomes: Sequence[Outcome], ctx: Context) -> list[str]:
    lines = [
        f"## {paper_title(paper)}",
        "",
        "| check | claim | measured | expected | tolerance | result |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        shown = {"PASS": "PASS", "FAIL": "**FAIL**", "DEVIATION": "DEVIATION (documented)",
                 "SKIPPED": f"SKIPPED: {o.skipped}"}[o.verdict]
        cells = [o.check, o.claim, o.measured, o.expected, o.tolerance, shown]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines.append("")
    seen: set[str] = set()
    for o in outcomes:
        for fig in o.figures:
            if fig not in seen:
                seen.add(fig)
                link = Path(fig).resolve().relative_to(ctx.out.resolve()).as_posix()
                lines += [f"### {o.check}: {Path(fig).stem}", "", f"![{Path(fig).stem}]({link})", ""]
        if o.note:
            lines += [f"*{o.check}*: {o.note}", ""]
        if o.deviation:
            lines += [f"*{o.check}* (deviation from the paper, {o.verdict}): {o.deviation}", ""]
    return lines
