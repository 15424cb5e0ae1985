"""Executed notebooks without volatile metadata: two runs of the same notebook, same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from kamlib.notebook.nbclean import clean_notebook_bytes, main


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[bytes, bytes]:
    """One small notebook executed twice by papermill (as the runner does)."""
    folder = tmp_path_factory.mktemp("nb")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("n: int = 3", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("import time\ntime.sleep(0.05)\nprint(n * 2)"),
                nbformat.v4.new_code_cell("{'answer': n}")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    source = folder / "source.ipynb"
    nbformat.write(nb, source)
    out = []
    target = folder / "executed.ipynb"  # the runner writes to the same path each time
    for _ in (1, 2):
        pm.execute_notebook(str(source), str(target), parameters={"n": 21},
                            kernel_name="python3", progress_bar=False)
        out.append(target.read_bytes())
    return out[0], out[1]


def test_runs_differ_only_in_volatile_metadata(two_runs: tuple[bytes, bytes]) -> None:
    a, b = two_runs
    assert a != b  # papermill's timings: what the cleaning is for
    ca, cb = (clean_notebook_bytes(x, keep_end_time=False) for x in two_runs)
    assert ca == cb
    nb = json.loads(ca)
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert any(o.get("text") == ["42\n"] for o in outputs)  # outputs kept
    assert any("{'answer': 21}" in "".join(o.get("data", {}).get("text/plain", []))
               for o in outputs)
    assert all("execution" not in c["metadata"] for c in nb["cells"])
    assert "start_time" not in nb["metadata"]["papermill"]
    assert nb["metadata"]["papermill"]["parameters"] == {"n": 21}
    tags = [c["metadata"].get("tags", []) for c in nb["cells"]]
    assert ["injected-parameters"] in tags and ["parameters"] in tags


def test_end_time_kept_for_the_working_papers(two_runs: tuple[bytes, bytes]) -> None:
    nb = json.loads(clean_notebook_bytes(two_runs[0]))
    assert nb["metadata"]["papermill"]["end_time"]
    assert "duration" not in nb["metadata"]["papermill"]
    # the cleaned file is still a valid notebook
    nbformat.validate(nbformat.reads(json.dumps(nb), as_version=4))


def test_a_failed_cell_keeps_its_papermill_status() -> None:
    nb = {"cells": [{"cell_type": "code", "metadata": {"papermill": {
        "status": "failed", "exception": True, "duration": 1.0, "start_time": "x",
        "end_time": "y"}}, "source": "", "outputs": [], "execution_count": 1}],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    out = json.loads(clean_notebook_bytes(json.dumps(nb).encode()))
    assert out["cells"][0]["metadata"]["papermill"] == {"status": "failed", "exception": True}


def test_command_line_cleans_in_place_and_says_which(two_runs, tmp_path: Path,
                                                     capsys) -> None:
    path = tmp_path / "x.ipynb"
    path.write_bytes(two_runs[1])
    assert main([str(path)]) == 0
    assert "cleaned" in capsys.readouterr().out
    assert path.read_bytes() == clean_notebook_bytes(two_runs[0], keep_end_time=False)
    assert main([str(path)]) == 0 and capsys.readouterr().out == ""  # nothing left to clean
    (tmp_path / "bad.ipynb").write_text("{not json", encoding="utf-8")
    assert main([str(tmp_path / "bad.ipynb")]) == 3
    assert "not a readable notebook" in capsys.readouterr().err
