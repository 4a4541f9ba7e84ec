"""The richness API and the ``implicit-bias richness`` command: outputs, the width sweep, one table of bad calls."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

import implicit_bias as ib
from implicit_bias.cli.main import main
from implicit_bias.experiments.richness import fit_exponent, width_point
from implicit_bias.experiments.richness_transfer import best_learning_rate

BAD_TABLE_CALLS = [
    ({"r": -0.1}, "r=-0.1", "lower end"),
    ({"r": 0.6}, "r=0.6", "upper end"),
    ({"r": math.nan}, "r=nan", "finite"),
    ({"r": "0.25"}, "r='0.25'", "expected a number"),
    ({"r": True}, "r=True", "expected a number"),
    ({"r": Fraction(3, 4)}, "r=Fraction(3, 4)", "[0, 1/2]"),
    ({"r": 0.25, "depth": 1}, "depth=1", ">= 2"),
    ({"r": 0.25, "depth": 2.5}, "depth=2.5", "integer"),
    ({"r": 0.25, "gauge": "mup"}, "gauge='mup'", "learning-rate"),
]


@pytest.mark.parametrize(("kwargs", "names", "hint"), BAD_TABLE_CALLS)
def test_bad_table_calls(kwargs, names, hint):
    r = kwargs.pop("r")
    with pytest.raises(ib.InputError) as exc:
        ib.richness_table(r, **kwargs)
    assert names in str(exc.value) and hint in str(exc.value)


BAD_SWEEP_CALLS = [
    ({"widths": (64,)}, "widths=[64]"),
    ({"widths": (64, 0)}, "widths[i]=0"),
    ({"rs": (0.7,)}, "r=0.7"),
    ({"rs": ()}, "rs=[]"),
    ({"activations": ("sigmoid",)}, "activations=['sigmoid']"),
    ({"seeds": (-1,)}, "seeds[i]=-1"),
    ({"lr": 0.0}, "lr=0.0"),
    ({"depth": 1}, "depth=1"),
]


@pytest.mark.parametrize(("kwargs", "names"), BAD_SWEEP_CALLS)
def test_bad_sweep_calls(kwargs, names):
    with pytest.raises(ib.InputError, match=names.replace("[", r"\[").replace("]", r"\]")):
        ib.richness_sweep(**{"store": ":memory:", "progress": False, **kwargs})


def test_table_hyperparameters_of_a_symbolic_table_is_an_error():
    with pytest.raises(ib.InputError, match="symbolic in r"):
        ib.richness_table().hyperparameters(64, 4, 2)


def test_sweep_fits_every_quantity_and_resumes(tmp_path):
    store = tmp_path / "s.sqlite"
    kw = {"rs": (0.0, 0.5), "activations": ("linear",), "seeds": (0, 1), "store": store, "workers": 0,
          "progress": False}
    res = ib.richness_sweep((32, 64, 128), **kw)
    assert res.success and len(res.fits) == 2 * 14
    assert res.max_error < 0.2  # tiny widths: loose here; the paper check judges 0.1 at 64..1024
    again = ib.richness_sweep((32, 64, 128), **kw)
    assert again.fits == res.fits
    json.dumps(res.as_dict())


def test_fit_exponent_and_best_learning_rate():
    assert fit_exponent([10, 100, 1000], [3.0, 30.0, 300.0]) == pytest.approx(1.0)
    with pytest.raises(ib.InputError, match="values="):
        fit_exponent([10, 100], [1.0, 0.0])
    assert best_learning_rate([0, 1, 2], [None, None, None]) is None
    assert best_learning_rate([0, 1, 2], [1.0, 2.0, 3.0]) == 0.0   # at the edge: the grid point
    assert best_learning_rate([0, 1, 2, 3], [3.0, 1.0, None, 3.0]) == 1.0   # next to a diverged run


def test_width_point_terms_bound_the_update():
    out = width_point({"r": 0.25, "width": 64, "activation": "linear", "seed": 3})
    for ell in range(3):  # Delta h = layer + passthrough + interaction exactly (linear network)
        parts = out["layer_update"][ell] + out["passthrough"][ell] + out["interaction"][ell]
        assert out["dh"][ell] <= parts * (1 + 1e-12)
    assert out["passthrough"][0] == 0.0 and out["interaction"][0] == 0.0


def test_missing_scikit_learn_is_reported(monkeypatch):
    import sys

    from implicit_bias.experiments import richness_transfer

    richness_transfer.digits.cache_clear()
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install 'implicit-bias\[paper\]'"):
        richness_transfer.digits(100, 0)
    richness_transfer.digits.cache_clear()


# ------------------------------------------------------------------------------------------------- CLI
def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_text_json_latex(capsys):
    status, out, err = run(capsys, "richness", "--r", "0.25")
    assert status == 0, err
    assert "n**(1/4)/sqrt(n_0)" in out and "multiplier gauge" in out
    status, out, _ = run(capsys, "richness", "--r", "1/2", "--depth", "4", "--gauge", "rescaling", "--format", "json")
    data = json.loads(out)
    assert status == 0 and data["depth"] == 4 and data["gauge"] == "rescaling"
    assert [layer["eta"]["monomial"] for layer in data["layers"]] == ["n"] * 4
    status, out, _ = run(capsys, "richness", "--r", "0", "--format", "latex")
    assert status == 0 and out.startswith("% richness r = 0") and r"\end{tabular}" in out


BAD_CLI = [
    (["--r", "0.7"], "--r 0.7"),
    (["--r", "-1"], "--r -1"),
    (["--r", "abc"], "--r 'abc'"),
    (["--r", "1/0"], "--r '1/0'"),
    (["--r", "0.2", "--depth", "1"], "--depth 1"),
    (["--r", "0.2", "--depth", "x"], "--depth"),
    (["--r", "0.2", "--gauge", "mup"], "--gauge"),
    (["--r", "0.2", "--format", "csv"], "--format"),
    ([], "--r"),
]


@pytest.mark.parametrize(("argv", "option"), BAD_CLI)
def test_cli_bad_input_exits_2_naming_the_option(capsys, argv, option):
    status, out, err = run(capsys, "richness", *argv)
    assert status == 2 and out == ""
    assert option in err and "\n" not in err.strip()


def test_table_numbers_at_widths():
    hp = ib.richness_table(0.25, gauge="learning-rate").hyperparameters(256, 16, 4)
    assert np.allclose(hp["g"], 1.0)
    assert np.allclose(hp["eta"], [256**0.5 / 16, 256**-0.5, 1 / 256])
