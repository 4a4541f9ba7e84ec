"""The tutorial notebooks: each runs top to bottom in a real Jupyter kernel, uses public names only, and its stored
executed copy (``.ipynb``: what the documentation shows) holds exactly the cells of its source (``.py``, jupytext's
percent format, the file to edit and review).

After editing a notebook, refresh its executed copy with ``jupytext --to ipynb --execute notebooks/NAME.py``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).parent.parent / "notebooks"
SOURCES = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
REFRESH = "refresh it with: jupytext --to ipynb --execute notebooks/{name}"


def _code(nb: nbformat.NotebookNode) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_there_are_the_four_tutorials():
    assert [p.stem[:2] for p in SOURCES] == ["01", "02", "03", "04"], SOURCES


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_runs_in_a_kernel(path: Path, tmp_path: Path):
    nb = jupytext.read(path)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # a cell that raises fails here (CellExecutionError names the cell and shows its traceback)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    if any("plt.show()" in source for source in _code(nb)):
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{path.name} draws but shows no figure"


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_notebook_uses_public_names_only(path: Path):
    for source in _code(jupytext.read(path)):
        for node in ast.walk(ast.parse(source)):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            private = [m for m in modules if any(part.startswith("_") for part in m.split("."))]
            private += [n for n in names if n.startswith("_")]
            assert not private, f"{path.name} imports private {private}: use the public API"


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_stored_executed_copy_matches_its_source(path: Path):
    stored = path.with_suffix(".ipynb")
    assert stored.exists(), f"{stored.name} is missing; " + REFRESH.format(name=path.name)
    source, executed = jupytext.read(path), nbformat.read(stored, as_version=4)
    nbformat.validate(executed)
    assert [(c.cell_type, c.source) for c in executed.cells] == [(c.cell_type, c.source) for c in source.cells], \
        f"{stored.name} is not the execution of {path.name}; " + REFRESH.format(name=path.name)
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), \
        f"{stored.name} was not executed top to bottom in one kernel; " + REFRESH.format(name=path.name)
    outputs = [o for c in code for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], f"{stored.name} stores an error"
    if any("plt.show()" in c.source for c in code):
        assert any("image/png" in o.get("data", {}) for o in outputs), f"{stored.name} stores no figure"


def test_every_stored_notebook_has_a_source():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == [p.stem for p in SOURCES]
