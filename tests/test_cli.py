"""The ``implicit-bias`` command: output formats, values to many digits, and a table of bad invocations."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import mpmath
import pytest

import implicit_bias as ib
from implicit_bias.cli.main import CATALOGUE, build_parser, main

HYPENTROPY = ["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha"]


def hypentropy(alpha: str, beta: str) -> tuple[mpmath.mpf, mpmath.mpf]:
    """``(Q, grad_Q)`` of ``u**2 - v**2`` from ``(alpha, alpha)``, at 60 digits: Woodworth et al. (2020) Thm 1's
    hypentropy ``alpha^2 q(beta/alpha^2)``, ``q(z) = 2 - sqrt(4 + z^2) + z asinh(z/2)``, in this toolkit's
    normalization (a quarter of the paper's)."""
    with mpmath.workdps(60):
        a, b = mpmath.mpf(alpha), mpmath.mpf(beta)
        z = b / a**2
        return a**2 * (2 - mpmath.sqrt(4 + z**2) + z * mpmath.asinh(z / 2)) / 4, mpmath.asinh(z / 2) / 4


def assert_digits(printed: str, expected: mpmath.mpf, digits: int) -> None:
    """``printed`` agrees with ``expected`` to ``digits`` significant digits."""
    with mpmath.workdps(60):
        rel = abs(mpmath.mpf(printed) - expected) / abs(expected)
    assert rel < mpmath.mpf(10) ** -digits, f"printed {printed}, expected {mpmath.nstr(expected, digits + 5)}"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_json_hypentropy_value_to_30_digits(capsys):
    status, out, err = run(capsys, *HYPENTROPY, "--format", "json", "--at", "0.7", "--set", "alpha=0.3", "--dps", "40")
    assert status == 0, err
    report = json.loads(out)
    for key in ("kind", "Q", "grad_Q", "conjugate", "beta0", "verified", "residual", "values"):
        assert key in report, f"key {key!r} missing from the JSON report: {sorted(report)}"
    assert report["kind"] == "closed"
    assert report["beta0"] == "0"
    assert report["verified"] is True
    assert isinstance(report["residual"], float) and report["residual"] < 1e-20
    [row] = report["values"]
    assert row["beta"] == "0.7"
    expected_Q, expected_grad = hypentropy("0.3", "0.7")
    assert_digits(row["Q"], expected_Q, 30)
    assert_digits(row["grad_Q"], expected_grad, 30)
    assert len(row["Q"].replace("0.", "", 1)) >= 30, f"--dps 40 printed only {row['Q']!r}"


def test_json_has_the_limits(capsys):
    status, out, _ = run(capsys, *HYPENTROPY, "--format", "json")
    report = json.loads(out)
    assert status == 0
    assert "values" not in report
    rich, kernel = report["limits"]
    # Woodworth et al. (2020) Thm 2 in this normalization: l1 with weight log(1/alpha)/2, l2 with 1/(16 alpha^2)
    assert rich.startswith("alpha -> 0: Q ~ -log(alpha)/2 * Abs(beta)  [l1]"), rich
    assert kernel.startswith("alpha -> oo: Q ~ 1/(16*alpha**2) * beta**2  [l2]"), kernel


def test_text_output_has_every_field_and_a_table(capsys):
    status, out, err = run(capsys, *HYPENTROPY, "--at", "0.7", "-0.2", "--set", "alpha=0.3", "--dps", "20")
    assert status == 0, err
    for field in ("kind", "Q(beta)", "grad_Q(beta)", "Q*(sigma)", "beta0", "domain", "verified", "residual"):
        assert field in out, f"{field!r} missing from the text output:\n{out}"
    table = out.split("at alpha = 0.3", 1)[1].strip().splitlines()
    assert table[0].split() == ["beta", "Q(beta)", "grad_Q(beta)"]
    assert [line.split()[0] for line in table[1:]] == ["0.7", "-0.2"]
    for line, beta in zip(table[1:], ("0.7", "-0.2"), strict=True):
        Q, grad_Q = hypentropy("0.3", beta)
        assert_digits(line.split()[1], Q, 18)
        assert_digits(line.split()[2], grad_Q, 18)


def test_latex_output(capsys):
    status, out, _ = run(capsys, *HYPENTROPY, "--format", "latex")
    assert status == 0
    assert out.startswith(r"Q(\beta) = ")
    assert r"\operatorname{asinh}" in out and r"\alpha^{2}" in out
    assert out.strip() == ib.derive(ib.diagonal(2)).latex()


def test_latex_of_an_implicit_regularizer_states_the_root_equation(capsys):
    status, out, _ = run(capsys, "derive", "--catalogue", "diagonal", "--depth", "3", "--format", "latex")
    assert status == 0
    assert r"\sigma{\left(\beta \right)}" in out and r"\quad" in out


def test_catalogue_entry_values_satisfy_the_defining_equation(capsys):
    """``--catalogue diagonal --depth 3``: ``grad_Q(beta)`` must solve ``b(s) = beta`` (checked here independently)."""
    status, out, err = run(capsys, "derive", "--catalogue", "diagonal", "--depth", "3", "--format", "json",
                           "--at", "0.5", "-2", "--set", "alpha=0.2", "--dps", "30")
    assert status == 0, err
    report = json.loads(out)
    assert report["kind"] == "legendre" and report["verified"] is True
    with mpmath.workdps(50):
        alpha = mpmath.mpf(2) / 10
        for row in report["values"]:
            s, beta = mpmath.mpf(row["grad_Q"]), mpmath.mpf(row["beta"])
            b = alpha**3 * ((1 - 3 * alpha * s) ** -3 - (1 + 3 * alpha * s) ** -3)
            assert abs(b - beta) < mpmath.mpf(10) ** -27 * abs(beta), f"b(grad_Q({row['beta']})) = {b}"


def test_symbols_and_learning_rates(capsys):
    status, out, err = run(capsys, "derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha*c,v=alpha*c",
                           "--lr", "u=1,v=1", "--symbols", "c", "--format", "json", "--at", "0.7",
                           "--set", "alpha=0.3", "c=1")
    assert status == 0, err
    report = json.loads(out)
    assert_digits(report["values"][0]["Q"], hypentropy("0.3", "0.7")[0], 18)  # the shape c = 1 changes nothing


def test_catalogue_lists_every_named_constructor(capsys):
    status, out, _ = run(capsys, "catalogue")
    assert status == 0
    for name in ("diagonal", "positive", "single_neuron", "product"):
        line = next((ln for ln in out.splitlines() if ln.startswith(name + " ")), None)
        assert line is not None, f"{name} not listed:\n{out}"
        assert len(line.split(None, 1)[1]) > 20, f"no description for {name}: {line!r}"


def test_help_and_version_exit_zero(capsys):
    assert main(["--help"]) == 0
    assert "derive" in capsys.readouterr().out
    assert main(["derive", "--help"]) == 0
    assert "--init" in capsys.readouterr().out
    assert main(["--version"]) == 0
    assert ib.__version__ in capsys.readouterr().out


BAD = [
    # (argv, fragment of the one-line message)
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u:alpha"], "--init 'u:alpha'"),
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u:alpha"], "NAME=VALUE"),
    (["derive", "u**2 -* v**2", "--params", "u,v", "--init", "u=alpha,v=alpha"], "EXPR"),
    (["derive", "u^2 - v^2", "--params", "u,v", "--init", "u=alpha,v=alpha"], "write '**'"),
    (["derive", "u**2 - w**2", "--params", "u,v", "--init", "u=alpha,v=alpha"], "unknown name 'w'"),
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=gamma"], "--init: init['v']='gamma'"),
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha"], "missing ['v']"),
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=0,v=0"], "--init"),
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha", "--lr", "u=-1,v=1"], "--lr"),
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha", "--symbols", "c:complex"],
     "--symbols"),
    (["derive", "u**2 - v**2", "--params", "u,t", "--init", "u=alpha,t=alpha"], "--params"),
    (["derive", "u**2 - v**2", "--init", "u=alpha,v=alpha"], "--params: missing"),
    (["derive", "--params", "u,v", "--init", "u=alpha,v=alpha"], "EXPR: missing"),
    ([*HYPENTROPY, "--at", "0.7"], "--set alpha=0.5"),
    ([*HYPENTROPY, "--at", "0.7", "--set", "alpha=-1"], "alpha is positive"),
    ([*HYPENTROPY, "--at", "0.7", "--set", "alpha=0.3", "gamma=1"], "'gamma' is not a constant"),
    ([*HYPENTROPY, "--at", "0.7", "--set", "alpha=x"], "--set alpha='x'"),
    ([*HYPENTROPY, "--at", "zero", "--set", "alpha=1"], "--at='zero'"),
    ([*HYPENTROPY, "--set", "alpha=1"], "add --at BETA"),
    ([*HYPENTROPY, "--format", "latex", "--at", "1"], "--format text or json"),
    ([*HYPENTROPY, "--format", "xml"], "invalid choice: 'xml'"),
    ([*HYPENTROPY, "--dps", "2"], "--dps"),
    (["derive", "u*v", "--params", "u,v", "--init", "u=alpha,v=alpha", "--at", "-1", "--set", "alpha=1"],
     "outside the domain"),
    (["derive", "--catalogue", "single_neuron", "--depth", "3"], "has no depth"),
    (["derive", "--catalogue", "diagonal", "--depth", "1"], "--depth"),
    (["derive", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha", "--depth", "3"], "--depth 3"),
    (["verify", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha"], "--log10-alpha: missing"),
    (["verify", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha", "--log10-alpha", "minus"],
     "--log10-alpha"),
    (["derive", "--catalogue", "nope"], "invalid choice: 'nope'"),
    (["derive", "--catalogue", "diagonal", "u**2"], "cannot be combined with EXPR"),
    ([], "required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize(("argv", "fragment"), BAD, ids=[" ".join(a)[-45:] or "no arguments" for a, _ in BAD])
def test_bad_invocation_exits_2_with_one_line(capsys, argv, fragment):
    status, out, err = run(capsys, *argv)
    assert status == 2, f"exit status {status} for {argv}; stderr: {err!r}"
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert "Traceback" not in err
    assert fragment in lines[0], f"{fragment!r} not in the message {lines[0]!r}"
    assert lines[0].startswith("implicit-bias")


def test_command_runs_in_a_fresh_process():
    cmd = [sys.executable, "-m", "implicit_bias.cli.main", *HYPENTROPY, "--format", "json",
           "--at", "0.7", "--set", "alpha=0.3", "--dps", "20"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert_digits(json.loads(proc.stdout)["values"][0]["grad_Q"], hypentropy("0.3", "0.7")[1], 18)
    bad = subprocess.run([*cmd[:3], "derive", "u**2", "--params", "u", "--init", "u:alpha"], capture_output=True,
                         text=True, timeout=120, check=False)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "--init 'u:alpha'" in bad.stderr


def test_engine_failures_exit_1_with_one_line(capsys, monkeypatch):
    def cannot(p):
        raise ib.DerivationError("cannot solve the flow\nof this phi")

    monkeypatch.setattr(ib, "derive", cannot)
    status, out, err = run(capsys, *HYPENTROPY)
    assert (status, out) == (1, "")
    assert err == "implicit-bias: DerivationError: cannot solve the flow of this phi\n"

    def broken(p):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ib, "derive", broken)
    status, _, err = run(capsys, *HYPENTROPY)
    assert status == 1
    assert err.count("\n") == 1 and "internal error (RuntimeError: a bug)" in err and "--traceback" in err
    with pytest.raises(RuntimeError, match="a bug"):
        main(["--traceback", *HYPENTROPY])


def test_unverified_result_exits_1(capsys, monkeypatch):
    failed = ib.CheckResult(verified=False, residual=1e-3, tolerance=1e-20)
    monkeypatch.setattr(ib.Regularizer, "check", lambda self, **kw: failed)
    status, out, _ = run(capsys, *HYPENTROPY, "--format", "json")
    assert status == 1
    report = json.loads(out)
    assert report["verified"] is False and report["residual"] == 1e-3


def test_verify_subcommand_agrees(capsys):
    status, out, err = run(capsys, "verify", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha",
                           "--log10-alpha", "-4", "--dim", "10", "--n", "3", "--sparsity", "2", "--format", "json")
    assert status == 0, err
    assert err == ""  # no progress bars off a terminal, no deprecation message
    rep = json.loads(out)
    assert rep["status"] == "success" and rep["agree"] and float(rep["max_abs_diff"]) < 1e-25


# ------------------------------------------------------------------------------------------- one way everywhere
#: (old spelling, new spelling, the option, its replacement) of the same invocation: the old one still works for
#: one release, with a message
DEPRECATED = [
    (["derive", "--catalogue", "diagonal", "--D", "3", "--format", "latex"],
     ["derive", "--catalogue", "diagonal", "--depth", "3", "--format", "latex"], "--D", "--depth"),
    (["verify", "--param", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha", "--log10-alpha", "-3"],
     ["verify", "u**2 - v**2", "--params", "u,v", "--init", "u=alpha,v=alpha", "--log10-alpha", "-3"], "--param",
     "EXPR (positional, as in derive)"),
    (["verify", "--catalogue", "diagonal", "--log-alpha", "-6.907755278982137", "--dim", "6", "--n", "2"],
     ["verify", "--catalogue", "diagonal", "--log10-alpha", "-3", "--dim", "6", "--n", "2"], "--log-alpha",
     "--log10-alpha"),
    (["verify", "--catalogue", "diagonal", "--log10-alpha", "-3", "--d", "6", "--n", "2"],
     ["verify", "--catalogue", "diagonal", "--log10-alpha", "-3", "--dim", "6", "--n", "2"], "--d", "--dim"),
]


@pytest.mark.parametrize(("old", "new", "option", "replacement"), DEPRECATED, ids=[d[2] for d in DEPRECATED])
def test_old_spellings_still_work_with_a_deprecation_message(capsys, monkeypatch, old, new, option, replacement):
    seen: list[tuple] = []

    def fake_verify(p, X, y, *, alpha, dps=None, progress=None):  # the invocation, not the flow, is under test
        seen.append((p, [list(r) for r in X], [mpmath.nstr(v, 30) for v in y], mpmath.nstr(alpha, 12), dps))
        raise ib.NumericalError("stop here")

    monkeypatch.setattr(ib, "verify", fake_verify)
    old_status, old_out, old_err = run(capsys, *old)
    new_status, new_out, new_err = run(capsys, *new)
    message = f"implicit-bias: warning: {option} is deprecated and will be removed in the next release; " \
              f"use {replacement}"
    assert [line for line in old_err.splitlines() if "deprecated" in line] == [message], old_err
    assert "deprecated" not in new_err
    assert (old_status, old_out) == (new_status, new_out)
    if old[0] == "verify":
        assert len(seen) == 2 and seen[0] == seen[1], seen  # the same model, problem and alpha both ways
        assert seen[0][3] == "0.001"


def test_old_and_new_spelling_together_is_an_error(capsys):
    status, _, err = run(capsys, "derive", "--catalogue", "diagonal", "--depth", "3", "--D", "3")
    assert status == 2 and "--D and --depth both given" in err
    status, _, err = run(capsys, "verify", "u**2", "--param", "u**2", "--params", "u", "--init", "u=alpha",
                         "--log10-alpha", "-1")
    assert status == 2 and "given as well" in err


def test_every_subcommand_speaks_json_and_takes_a_model_the_same_way():
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, p in sub.choices.items():
        formats = next((a for a in p._actions if "--format" in a.option_strings), None)
        assert formats is not None and "json" in formats.choices, f"{name}: add --format json"
        options = {o for a in p._actions for o in a.option_strings}
        assert not {"--D", "--d", "--log-alpha", "--param"} & {o for a in p._actions if a.help != argparse.SUPPRESS
                                                                for o in a.option_strings}, name
        if "--params" in options:  # takes a model: EXPR positionally, like derive
            assert any(a.dest == "expr" and not a.option_strings for a in p._actions), name


def test_catalogue_as_json(capsys):
    status, out, _ = run(capsys, "catalogue", "--format", "json")
    assert status == 0
    entries = {e["name"]: e for e in json.loads(out)}
    assert set(entries) == set(CATALOGUE)
    assert entries["diagonal"]["depth"] is True and entries["single_neuron"]["depth"] is False
    assert entries["diagonal"]["summary"] and entries["diagonal"]["signature"].startswith("diagonal(")


@pytest.mark.parametrize(("flag", "expected"), [([], None), (["--quiet"], False)])
def test_verify_progress_follows_quiet(capsys, monkeypatch, flag, expected):
    """Progress bars on stderr by default (shown on a terminal, the toolkit's convention), none with --quiet."""
    seen = []
    monkeypatch.setattr(ib, "verify", lambda *a, progress=None, **k: seen.append(progress) or _raise())
    run(capsys, "verify", "--catalogue", "diagonal", "--log10-alpha", "-1", "--dim", "4", "--n", "2", *flag)
    assert seen == [expected]


def _raise():
    raise ib.NumericalError("stop here")


def test_a_reader_that_stops_reading_is_not_an_error():
    """``implicit-bias ... | head -1``: the pipe closes before the output is written; exit 0, nothing on stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "implicit_bias.cli.main", *HYPENTROPY], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # closed before the derivation is done and printed
    _, err = proc.communicate(timeout=120)
    assert (proc.returncode, err) == (0, b"")
