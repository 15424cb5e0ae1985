"""The runner: parameter validation against the notebook, staged step folders, failures
reported by notebook and cell with the previous results left intact."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from kamlib.engagement import Engagement
from kamlib.errors import ConfigError, StepError
from kamlib.runner import STEPS, notebook_parameters, run_step, validate_parameters

SALES = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;10,00\r\n"
CLIENTS = "Код;Наименование\r\nK1;ООО Альфа\r\n"


def _notebook(path: Path, cells: list[str], params: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    p = nbformat.v4.new_code_cell(params)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p] + [nbformat.v4.new_code_cell(c) for c in cells]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


PARAMS = ('engagement_dir: str | None = None  # the engagement\n'
          'step_dir: str | None = None  # artefacts\n'
          'threshold: float = 0.5  # a number\n'
          'names: list[str] = []  # some names\n')


def test_notebook_parameters_read_with_types_and_help(tmp_path) -> None:
    nb = _notebook(tmp_path / "x.ipynb", ["pass"], PARAMS)
    params = notebook_parameters(nb)
    assert list(params) == ["engagement_dir", "step_dir", "threshold", "names"]
    assert params["threshold"].annotation == "float" and params["threshold"].default == 0.5
    assert params["engagement_dir"].help == "the engagement"


def test_validate_parameters(tmp_path) -> None:
    nb = _notebook(tmp_path / "x.ipynb", ["pass"], PARAMS)
    validate_parameters(nb, {"engagement_dir": None, "threshold": 1, "names": ["a"]})
    with pytest.raises(ConfigError, match=r"unknown parameter 'treshold'.*threshold"):
        validate_parameters(nb, {"treshold": 0.3})
    with pytest.raises(ConfigError, match="must be float, got str"):
        validate_parameters(nb, {"threshold": "high"})
    with pytest.raises(ConfigError, match=r"must be list\[str\]"):
        validate_parameters(nb, {"names": [1, 2]})
    with pytest.raises(ConfigError, match="must be float, got bool"):
        validate_parameters(nb, {"threshold": True})


def test_parameter_without_annotation_is_an_error(tmp_path) -> None:
    nb = _notebook(tmp_path / "x.ipynb", ["pass"], "threshold = 0.5\n")
    with pytest.raises(ConfigError, match="no type annotation"):
        notebook_parameters(nb)


def test_every_pipeline_notebook_declares_the_standard_parameters() -> None:
    from kamlib.resources import notebooks_dir

    for step in STEPS:
        params = notebook_parameters(notebooks_dir() / step.notebook)
        assert {"engagement_dir", "step_dir", "interactive"} <= set(params), step.key


def test_failed_step_keeps_previous_results(make_engagement, tmp_path) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    eng = Engagement.open(root)
    step = STEPS[0]  # the intake, from the registry
    good = _notebook(tmp_path / "good" / step.notebook,
                     ["from pathlib import Path\n"
                      "Path(step_dir, 'summary.json').write_text('{\"ok\": 1}')"],
                     PARAMS + "interactive: bool = False  # widgets\n")
    run_step(eng, step, notebook_dir=good.parent)
    out = root / "work" / "00_intake"
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert json.loads(before["summary.json"]) == {"ok": 1} and "sales.parquet" in before

    # the raw data changes, then the notebook fails in its third cell
    (root / "raw" / "sales.csv").write_text(SALES.replace("10,00", "99,00"), encoding="utf-8")
    bad = _notebook(tmp_path / "bad" / step.notebook,
                    ["x = 1", "y = 2\nraise ValueError('boom in cell three')"],
                    PARAMS + "interactive: bool = False  # widgets\n")
    with pytest.raises(StepError) as info:
        run_step(eng, step, notebook_dir=bad.parent)
    err = info.value
    assert "cell 3" in str(err) and "ValueError: boom in cell three" in str(err)
    # the line that failed, not the cell's first line
    assert "(`raise ValueError('boom in cell three')`)" in str(err), str(err)
    assert (root / "notebooks" / "failed" / step.notebook).exists()
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before, "a failed run must leave the previous results intact"
    assert not [p for p in (root / "work").iterdir() if p.name.startswith(".")]
