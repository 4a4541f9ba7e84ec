"""The README, the front door: everything it shows is executed or checked against its source here.

Its Python examples run (the ``>>>`` block as a doctest, the others in order; a block after a
``<!-- not run: reason -->`` comment is skipped); the run command's output is the one shown; every
``implicit-bias`` line runs (``verify`` lines are parsed) and every ``python -m paper_checks`` line parses; the
paper-check table agrees with the registered checks and the stored report; the benchmark figures are the ones in
BENCHMARKS.md; links stay inside the repository; CITATION.cff is valid citation metadata of this version.
"""

from __future__ import annotations

import doctest
import re
import shlex
from collections import Counter
from pathlib import Path

import yaml

import implicit_bias as ib
import paper_checks
from implicit_bias.cli.main import build_parser, main
from paper_checks.__main__ import build_parser as paper_parser

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()
NOT_RUN = "<!-- not run:"


def blocks(language: str) -> list[tuple[str, bool]]:
    """``(code, run)`` of each fenced block in ``language``, ``run`` False after a not-run comment."""
    return [(m.group("code"), not m.group("before").startswith(NOT_RUN))
            for m in re.finditer(rf"(?P<before>[^\n]*)\n```{language}\n(?P<code>.*?)\n```", README, flags=re.S)]


def commands(program: str) -> list[list[str]]:
    return [words[1:] for code, _run in blocks("bash") for line in code.splitlines()
            if (words := shlex.split(line, comments=True))[:1] == [program]]


def test_the_python_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the sweep example writes its store here
    python = blocks("python")
    assert len([code for code, run in python if run]) >= 2
    namespace: dict = {"__name__": "__readme__"}
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for i, (code, run) in enumerate(python):
        if not run:
            continue
        if code.lstrip().startswith(">>>"):
            test = doctest.DocTestParser().get_doctest(code, namespace, f"README.md[python block {i}]", "README.md", 0)
            results = runner.run(test, clear_globs=False)
            assert results.failed == 0, f"README.md python block {i}: {results.failed} example(s) failed (see above)"
        else:
            exec(compile(code, f"README.md[python block {i}]", "exec"), namespace)  # our own README's code


def test_the_run_command_prints_what_the_readme_shows(capsys):
    setup, run, test = (line for line in blocks("bash")[0][0].splitlines())
    assert "pip install -e \".[test]\"" in setup and "pytest" in test
    argv = shlex.split(run, comments=True)
    assert argv[:2] == ["implicit-bias", "derive"]
    assert main(argv[1:]) == 0
    shown = blocks("text")[0][0]
    out = capsys.readouterr().out
    assert out.strip() == shown.strip(), f"the README shows a different output than the run command prints:\n{out}"
    assert "verified      True" in out and "Q(beta)" in out


def test_every_command_line_shown_runs(capsys):
    lines = commands("implicit-bias")
    assert len(lines) >= 6
    for argv in lines:
        if argv[0] == "verify":
            build_parser().parse_args(argv)  # seconds to minutes of flow: the options and values are checked
        else:
            status = main(argv)
            assert status == 0, (argv, capsys.readouterr().err)
    capsys.readouterr()
    shown = [w[2:] for w in commands("python") if w[:2] == ["-m", "paper_checks"]]
    assert shown
    for argv in shown:
        paper_parser().parse_args(argv)


def _report_counts() -> dict[str, Counter]:
    report = (ROOT / "paper_checks" / "report" / "report.md").read_text()
    counts: dict[str, Counter] = {}
    for paper, verdict in re.findall(r"^\| (\w+)\.\w+ \|.*\| ([^|]+) \|$", report, flags=re.M):
        counts.setdefault(paper, Counter())[verdict.split()[0].strip("*")] += 1
    return counts


def test_the_paper_table_matches_the_checks_and_the_stored_report():
    rows = re.findall(r"^\| .+? \| `(\w+)` \| (\d+) \| (.+?) \|$", README, flags=re.M)
    registered = Counter(paper_checks.paper_of(c) for c in paper_checks.CHECKS)
    assert {key for key, _n, _s in rows} == set(registered), "one README row per paper key registered in CHECKS"
    counts = _report_counts()
    for key, n, status in rows:
        assert int(n) == registered[key], f"{key}: the README says {n} checks, {registered[key]} are registered"
        if key not in counts:
            assert status == "not in the stored report", (key, status)
            continue
        c = counts[key]
        expected = f"{c['PASS']} of {sum(c.values())} claims PASS"
        expected += f", {c['DEVIATION']} documented deviation" + ("s" if c["DEVIATION"] > 1 else "") \
            if c["DEVIATION"] else ""
        expected += f", {c['FAIL']} FAIL" if c["FAIL"] else ""
        assert status == expected, f"{key}: the README says {status!r}, the stored report {expected!r}"


def test_the_benchmark_figures_are_those_of_benchmarks_md():
    section = README.split("## Benchmarks", 1)[1].split("\n## ", 1)[0]
    benchmarks = (ROOT / "BENCHMARKS.md").read_text()
    spans = re.findall(r"`([^`\n]+)`", section)
    commands = [span for span in spans if span.startswith("python bench/")]
    figures = [span for span in spans if re.match(r"\d", span)]  # "0.66 s", "69.4x", "5.43e-57"
    assert commands and len(figures) >= 5
    for figure in figures:
        assert figure in benchmarks, f"the README quotes {figure!r}, which BENCHMARKS.md does not contain"
    for command in commands:
        assert command.replace("python ", ".venv/bin/python ") in benchmarks or command in benchmarks, command


def test_links_stay_inside_the_repository():
    links = re.findall(r"\]\(([^)]+)\)", README)
    assert links
    for link in links:
        assert not link.startswith(("/", "..", "http")), f"the README links outside the repository: {link}"
        assert (ROOT / link.split("#")[0]).exists(), f"the README links to a missing file: {link}"
    assert "docs/theory.md" in links


def test_citation_metadata():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["title"].startswith("implicit-bias") and cff["message"] and cff["authors"]
    assert str(cff["version"]) == ib.__version__
    assert all(ref["title"] and ref["authors"] and ref["year"] for ref in cff["references"])
