"""``implicit-bias single-neuron``: the regime, M, the potential and its limits in text, JSON and LaTeX."""

from __future__ import annotations

import json

import pytest

from implicit_bias.cli.main import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_json_report(capsys):
    status, out, err = run(capsys, "single-neuron", "--delta", "-1", "--dim", "3", "--format", "json")
    assert status == 0, err
    report = json.loads(out)
    assert report["regime"] == "downstream" and report["verified"] is True
    assert report["conserved"] == "a**2 - w1**2 - w2**2 - w3**2"
    assert "beta beta^T / r^2" in report["M"] and "can cross zero" in report["sign"]
    assert [lim.split(" [")[0] for lim in report["limits"]] == ["delta -> +oo", "delta = 0", "delta -> -oo"]


def test_text_and_latex(capsys):
    status, out, _ = run(capsys, "single-neuron", "--delta", "1/2")
    assert status == 0
    for field in ("regime     upstream", "potential", "limits", "verified   True"):
        assert field in out, out
    status, out, _ = run(capsys, "single-neuron", "--delta", "0", "--format", "latex")
    assert status == 0 and out.startswith(r"M(\beta, \delta) = ") and r"\Psi_\delta(r)" in out


@pytest.mark.parametrize("argv, fragment", [
    (["single-neuron", "--delta", "x"], "--delta='x': unknown name 'x'"),
    (["single-neuron", "--delta", "1", "--dim", "0"], "--dim 0: the input dimension must be >= 1"),
    (["single-neuron"], "the following arguments are required: --delta"),
])
def test_bad_invocations(capsys, argv, fragment):
    status, _out, err = run(capsys, *argv)
    assert status == 2 and fragment in err, err
