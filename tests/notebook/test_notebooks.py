"""The committed notebooks: executed (stored outputs), parameterised, checked by nbval."""

from __future__ import annotations

import json

import pytest

from kamlib.resources import notebooks_dir

NOTEBOOKS = sorted(notebooks_dir().glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert any(p.name.startswith("00_") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_committed_executed(path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), \
        f"{path.name}: every code cell must be executed (make notebooks)"
    assert any(c.get("outputs") for c in code), f"{path.name} has no stored outputs"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name} was committed with an error output"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    tags = [t for c in code for t in c.get("metadata", {}).get("tags", [])]
    assert "parameters" in tags and "injected-parameters" not in tags
    checked = [c for c in code if "# NBVAL_CHECK_OUTPUT" in "".join(c["source"])]
    assert checked and all(c["outputs"] for c in checked), \
        f"{path.name}: key figures must be in a '# NBVAL_CHECK_OUTPUT' cell with output"
