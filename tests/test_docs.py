"""The documentation: the site builds strictly (warnings are errors) without the network, every page is in its
navigation, and the Python and command lines the pages show run (the README's are tested in test_readme.py)."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from implicit_bias.cli.main import build_parser, main

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
#: Pages whose Python blocks run here, in order, each page in a fresh namespace and an empty directory.
EXECUTED = ["getting-started.md", "howto/derive-a-new-model.md", "howto/verify-at-tiny-alpha.md", "howto/dask.md"]
NOT_RUN = "<!-- not run:"


def code_blocks(text: str, language: str) -> list[tuple[str, bool]]:
    """``(code, run)`` of each fenced block in ``language``; ``run`` is False for a block preceded by a
    ``<!-- not run: reason -->`` comment (its reason shown in the page's source)."""
    blocks = []
    for m in re.finditer(rf"(?P<before>[^\n]*)\n```{language}\n(?P<code>.*?)\n```", text, flags=re.S):
        blocks.append((m.group("code"), not m.group("before").startswith(NOT_RUN)))
    return blocks


def command_lines(text: str, program: str) -> list[list[str]]:
    """The ``program ...`` command lines of a Markdown text's bash blocks, split as a shell would (comments off)."""
    lines = []
    for code, _run in code_blocks(text, "bash"):
        for line in code.splitlines():
            words = shlex.split(line, comments=True)
            if words[:1] == [program]:
                lines.append(words[1:])
    return lines


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [p for item in nav for p in _nav_pages(item)]
    if isinstance(nav, dict):
        return [p for value in nav.values() for p in _nav_pages(value)]
    return []


def _config() -> dict:
    return yaml.safe_load((ROOT / "mkdocs.yml").read_text())


def test_every_docs_page_is_in_the_nav():
    nav = _nav_pages(_config()["nav"])
    pages = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md"))
    missing = [p for p in pages if p not in nav]
    assert not missing, f"add these pages to the nav of mkdocs.yml: {missing}"
    sys.path.insert(0, str(DOCS))
    try:
        from hooks import external_files
    finally:
        sys.path.remove(str(DOCS))
    added = [site for site, _path in external_files() if site.endswith((".md", ".ipynb"))]
    assert added and not [p for p in added if p not in nav], "a page added by docs/hooks.py is not in the nav"
    assert len(nav) == len(set(nav)), "a page appears twice in the nav"


def test_the_site_builds_strictly_and_offline(tmp_path: Path):
    site = tmp_path / "site"
    dead = "http://127.0.0.1:9"  # any fetch at build time goes nowhere and fails loudly
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "http_proxy": dead,
           "https_proxy": dead, "NO_PROXY": "", "no_proxy": ""}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600, check=False)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    assert "WARNING" not in log, log
    api = (site / "api" / "testing" / "index.html").read_text()
    assert "assert_flow_matches_regularizer" in api and "underdetermined_problems" in api  # from the docstrings
    quickstart = (site / "notebooks" / "01_quickstart" / "index.html").read_text()
    assert "data:image/png;base64" in quickstart and "verdict: agree" in quickstart  # the stored outputs
    report = (site / "paper-checks" / "report" / "index.html").read_text()
    figures = re.findall(r'<img[^>]+src="([^"]+\.png)"', report)
    assert figures and all((site / "paper-checks" / "report" / f).resolve().is_file() for f in figures), figures
    assert "Benchmarks" in (site / "benchmarks" / "index.html").read_text()
    example = (site / "howto" / "strategies" / "index.html").read_text()
    assert "assert_flow_matches_regularizer" in example and "--8&lt;--" not in example  # the example file included


@pytest.mark.parametrize("page", EXECUTED)
def test_python_shown_in_a_page_runs(page: str, tmp_path: Path, monkeypatch):
    blocks = code_blocks((DOCS / page).read_text(), "python")
    assert [code for code, run in blocks if run], f"{page} shows no Python that runs"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__docs__"}
    for i, (code, run) in enumerate(blocks):
        if run:
            exec(compile(code, f"{page}[python block {i}]", "exec"), namespace)  # our own page's code


def test_not_run_blocks_say_why():
    for page in DOCS.rglob("*.md"):
        for reason in re.findall(rf"{re.escape(NOT_RUN)}(.*?)-->", page.read_text()):
            assert len(reason.strip()) > 10, f"{page.name}: say why the block is not run"


def test_command_lines_shown_in_the_pages_run(capsys):
    """Each ``implicit-bias`` line of a page runs and exits 0 (``verify`` lines, minutes at tiny alpha, are only
    parsed: their options and values must be the command's)."""
    shown = [(page.name, argv) for page in sorted(DOCS.rglob("*.md"))
             for argv in command_lines(page.read_text(), "implicit-bias")]
    assert len(shown) >= 8
    for page, argv in shown:
        if argv[0] == "verify":
            build_parser().parse_args(argv)
        else:
            status = main(argv)
            _out, err = capsys.readouterr()
            assert status == 0, (page, argv, err)


def test_paper_check_command_lines_shown_in_the_pages_are_valid():
    from paper_checks.__main__ import build_parser as paper_parser

    shown = [argv[2:] for page in sorted(DOCS.rglob("*.md")) for argv in command_lines(page.read_text(), "python")
             if argv[:2] == ["-m", "paper_checks"]]
    assert shown
    for argv in shown:
        paper_parser().parse_args(argv)
