"""The paper checks run (quick sizes) and pass; a crashing check is reported as FAIL, not hidden."""

from pathlib import Path

import paper_checks
from paper_checks.__main__ import main


def test_quick_paper_checks_pass(tmp_path: Path, capsys):
    code = main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    report = (tmp_path / "report.md").read_text()
    assert "**FAIL**" not in report
    assert (tmp_path / "fig2_explicit.png").exists() and (tmp_path / "fig3_depth_b.png").exists()


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
