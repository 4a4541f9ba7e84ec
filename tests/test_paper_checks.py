"""The paper checks run (quick sizes) and pass; a crashing check is reported as FAIL, not hidden."""

from pathlib import Path

import pytest

import paper_checks
from paper_checks.__main__ import main


def test_quick_paper_checks_pass(tmp_path: Path, capsys):
    code = main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    report = (tmp_path / "report.md").read_text()
    assert "**FAIL**" not in report
    figures = tmp_path / "woodworth2020"
    assert (figures / "fig2_explicit.png").exists() and (figures / "fig3_depth_b.png").exists()
    assert "](woodworth2020/fig2_explicit.png)" in report


def test_a_crashing_check_is_a_failure(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(paper_checks._framework, "CHECKS", ("does_not_exist",))
    outcomes = paper_checks.run_checks(["does_not_exist"], paper_checks.Context(out=tmp_path))
    assert len(outcomes) == 1 and not outcomes[0].passed and "crashed" in outcomes[0].measured


def test_a_documented_deviation_is_strict():
    """A claim that fails exactly as documented is a DEVIATION (the run passes); one that then passes is a FAIL."""
    from paper_checks._framework import Outcome

    base = {"check": "c", "claim": "x", "measured": "m", "expected": "e", "tolerance": "t"}
    assert Outcome(**base, passed=True).verdict == "PASS"
    assert Outcome(**base, passed=False).verdict == "FAIL"
    assert Outcome(**base, passed=False, deviation="known").verdict == "DEVIATION"
    assert Outcome(**base, passed=False, deviation="known").ok
    assert Outcome(**base, passed=True, deviation="known").verdict == "FAIL"


def test_every_check_is_a_module_named_after_its_paper_and_claim():
    """``CHECKS`` entries are ``<paper>.<claim>``; the module's NAME (which names its files and sweeps) matches."""
    import importlib

    for name in paper_checks.CHECKS:
        paper, _claim = name.split(".")
        module = importlib.import_module(f"paper_checks.{name}")
        assert name == module.NAME and callable(module.run), name
        assert paper_checks._framework.paper_title(paper) != paper, f"paper_checks/{paper}/__init__.py has no citation"


def test_a_paper_key_selects_its_checks_and_an_unknown_name_is_refused(tmp_path: Path, capsys, monkeypatch):
    import paper_checks.__main__ as cli

    ran: list[list[str]] = []
    monkeypatch.setattr(cli, "run_checks", lambda names, ctx: ran.append(list(names)) or [])
    assert main(["woodworth2020", "--out", str(tmp_path)]) == 0
    assert main(["woodworth2020.thm2_bounds", "--out", str(tmp_path)]) == 0
    assert ran == [[c for c in paper_checks.CHECKS if c.startswith("woodworth2020.")], ["woodworth2020.thm2_bounds"]]
    with pytest.raises(SystemExit):
        main(["woodworth2020.no_such_claim"])
    assert "unknown check" in capsys.readouterr().err
