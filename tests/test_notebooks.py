"""Every notebook runs top to bottom with the public API (code cells executed in order, no kernel needed)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path):
    cells = json.loads(path.read_text())["cells"]
    namespace: dict = {"__name__": "__notebook__"}
    for i, cell in enumerate(cells):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            assert "import implicit_bias." not in source.replace("import implicit_bias as ib", ""), "public API only"
            exec(compile(source, f"{path.name}[cell {i}]", "exec"), namespace)  # our own notebook, public API


def test_there_is_a_notebook():
    assert NOTEBOOKS
