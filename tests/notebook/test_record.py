"""A step notebook saved in an engagement is the record of a run: re-run by hand (as in
JupyterLab), it stops with a clear message instead of writing into a folder nobody reads."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import papermill as pm
import pytest

from kamlib.engagement import Engagement
from kamlib.errors import StepError
from kamlib.resources import notebooks_dir
from kamlib.runner import ReadOnlyRecordError, notebook_context

SALES = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;10,00\r\n"
CLIENTS = "Код;Наименование\r\nK1;ООО Альфа\r\n"


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def engagement(make_engagement) -> Path:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    eng = Engagement.open(root)
    (eng.work / "02_profitability").mkdir(parents=True)
    (eng.work / "02_profitability" / "summary.json").write_text("{}", encoding="utf-8")
    eng.manifest_path.write_text(json.dumps({"status": "ok", "steps": {"02_profitability": {
        "status": "ok", "finished": "2026-12-01T10:00:00+00:00"}}}), encoding="utf-8")
    return root


def test_a_gone_staging_folder_is_a_read_only_record(engagement: Path) -> None:
    gone = engagement / "work" / ".02_profitability.new.ab12cd34"
    with pytest.raises(ReadOnlyRecordError) as info:
        notebook_context(str(engagement), str(gone), step="02_profitability")
    text = str(info.value)
    assert "read-only record of step 02" in text and "2026-12-01 10:00:00 UTC" in text
    assert f"kam run {engagement.resolve()} --steps 02" in text and "--from 02" in text
    assert not gone.exists()  # the old behaviour re-created it and wrote there
    with pytest.raises(ReadOnlyRecordError):  # no step folder at all: would write into work/
        notebook_context(str(engagement), None, step="02_profitability")
    # IPython shows the message, not a traceback
    assert info.value._render_traceback_() == [f"ReadOnlyRecordError: {text}"]


def test_a_step_folder_that_exists_is_used(engagement: Path, tmp_path: Path) -> None:
    staging = engagement / "work" / ".02_profitability.new.live"
    staging.mkdir()
    eng, out = notebook_context(str(engagement), str(staging), step="02_profitability")
    assert out == staging and eng.root == engagement.resolve()


def test_an_engagement_that_is_not_here(tmp_path: Path) -> None:
    with pytest.raises(StepError, match="the engagement this notebook was run on is not here"):
        notebook_context(str(tmp_path / "elsewhere"), str(tmp_path / "x"), step="02_profitability")


def test_re_running_the_saved_notebook_changes_nothing(engagement: Path) -> None:
    """What JupyterLab's "Run all" does to notebooks/02_profitability.ipynb of a run: the
    notebook executes again with the parameters the run injected."""
    before = _tree(engagement)
    gone = engagement / "work" / ".02_profitability.new.ab12cd34"
    out = engagement / "notebooks" / "rerun.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(str(notebooks_dir() / "02_profitability.ipynb"), str(out),
                            parameters={"engagement_dir": str(engagement),
                                        "step_dir": str(gone)},
                            kernel_name="python3", progress_bar=False, cwd=str(engagement))
    assert info.value.ename == "ReadOnlyRecordError"
    assert "--steps 02" in info.value.evalue
    out.unlink()
    assert _tree(engagement) == before  # work/, the manifest and the report untouched
    assert not gone.exists()
