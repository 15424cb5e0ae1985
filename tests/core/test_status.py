"""`kam status`: which steps ran, on which inputs, what is stale and why, what waits."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
import yaml

from kamlib.cli import main
from kamlib.status import engagement_status


@pytest.fixture
def run(demo_ru_run: Path, tmp_path: Path) -> Path:
    """A copy of a finished run of demo_ru (steps 0–4, recorded in the manifest)."""
    root = tmp_path / "ru"
    shutil.copytree(demo_ru_run, root)
    return root


def _stale(root: Path) -> dict[str, str]:
    st = engagement_status(root).steps
    return {r.step: r.why for r in st.itertuples() if r.stale}


def test_a_finished_run_is_up_to_date(run: Path) -> None:
    st = engagement_status(run)
    steps = st.steps.set_index("step")
    assert steps.loc["00_data_intake":"04_kam_team_sizing", "status"].eq("ok").all()
    assert not steps["stale"].any()
    assert steps.loc["05_audit_report", "status"] == "not run"
    assert (st.inputs["state"] == "unchanged").all() and len(st.inputs) >= 10
    assert any("wait for a decision" in w for w in st.waiting)  # demo_ru plants doubtful pairs
    text = st.text()
    assert "up to date" in text and "none changed since" in text
    assert f"kam run {st.root} --from 05" in text


def test_a_changed_input_makes_every_step_stale(run: Path) -> None:
    first = sorted((run / "raw").glob("*.csv"))[0]
    first.write_bytes(first.read_bytes() + b"\n")
    (run / "raw" / "extra.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    st = engagement_status(run)
    states = dict(zip(st.inputs["file"], st.inputs["state"], strict=True))
    assert states[first.name] == "changed" and states["extra.csv"] == "added"
    stale = _stale(run)
    assert "2 input file(s) in raw/ changed" in stale["00_data_intake"]
    assert stale["04_kam_team_sizing"] == "step 00 is stale"
    assert f"Next: kam run {st.root}" in st.text()


def test_changed_settings_make_their_step_and_the_later_ones_stale(run: Path) -> None:
    cfg = yaml.safe_load((run / "engagement.yaml").read_text(encoding="utf-8"))
    cfg["profitability"]["receivables_rate"] = 0.25
    (run / "engagement.yaml").write_text(yaml.safe_dump(cfg, allow_unicode=True),
                                         encoding="utf-8")
    stale = _stale(run)
    assert set(stale) == {"02_profitability", "03_key_client_profile", "04_kam_team_sizing"}
    assert "'profitability' settings changed" in stale["02_profitability"]
    assert stale["03_key_client_profile"] == "step 02 is stale"


def test_a_step_run_before_the_one_it_reads_from_is_stale(run: Path) -> None:
    path = run / "work" / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    m["steps"]["02_profitability"]["finished"] = "2099-01-01T00:00:00+00:00"
    path.write_text(json.dumps(m), encoding="utf-8")
    stale = _stale(run)
    assert stale == {"03_key_client_profile": "it ran before the step it reads from ran again",
                     "04_kam_team_sizing": "step 03 is stale"}


def test_a_decision_written_in_the_review_sheet_waits_for_step_01(run: Path) -> None:
    sheet = run / "review" / "duplicates.xlsx"
    before = engagement_status(run).waiting
    wb = openpyxl.load_workbook(sheet)
    ws = wb["review"]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(3, ws.max_row + 1)
               if ws.cell(r, head.index("status") + 1).value == "to review")
    ws.cell(row, head.index("decision") + 1).value = "accept"
    wb.save(sheet)
    st = engagement_status(run)
    assert "decisions in review/duplicates.xlsx not yet applied" in _stale(run)[
        "01_client_base_cleanup"]
    n_before = int(next(w for w in before if "wait for a decision" in w).split()[0])
    assert any(w.startswith(f"{n_before - 1} pair(s)") for w in st.waiting) or n_before == 1
    assert "--from 01" in st.text()


def test_an_unscored_assessment_waits_and_an_edited_one_makes_03_stale(run: Path) -> None:
    sheet = run / "review" / "assessment.xlsx"
    wb = openpyxl.load_workbook(sheet)
    ws = wb["assessment"]
    head = [c.value for c in ws[1]]
    crit = head[head.index("entity_name") + 1:head.index("assessor")]
    for r in range(3, ws.max_row + 1):  # clear the first client's scores
        if ws.cell(r, 1).value:
            for j in range(len(crit)):
                ws.cell(r, head.index("entity_name") + 2 + j).value = None
            break
    wb.save(sheet)
    m = json.loads((run / "work" / "manifest.json").read_text(encoding="utf-8"))
    done = datetime.fromisoformat(m["steps"]["03_key_client_profile"]["finished"])
    later = done.timestamp() + 60
    os.utime(sheet, (later, later))  # edited a minute after step 03 finished
    st = engagement_status(run)
    assert any("are not scored on the judged criteria" in w for w in st.waiting), st.waiting
    assert _stale(run)["03_key_client_profile"] == "review/assessment.xlsx edited after the " \
        "step ran"


def test_kam_status_prints_and_exits_0(run: Path, capsys) -> None:
    assert main(["status", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Steps:" in out and "Waiting for a person:" in out
    proc = subprocess.run([sys.executable, "-m", "kamlib.cli", "status", str(run), "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert [s["step"] for s in data["steps"]][:2] == ["00_data_intake",
                                                      "01_client_base_cleanup"]
    assert data["steps"][0]["stale"] is False and data["run_status"] == "ok"


def test_a_folder_never_run(make_engagement) -> None:
    root = make_engagement({"clients.csv": "Код;Наименование\r\nK1;ООО Альфа\r\n"})
    st = engagement_status(root)
    assert st.run_status == "never run"
    assert (st.steps["status"] == "not run").all()
    assert st.stale_steps[0] == "00_data_intake" and f"Next: kam run {st.root}" in st.text()


def test_a_decision_file_written_in_the_second_the_step_finished_is_not_an_edit(
        make_engagement) -> None:
    """Finish times are recorded to the second; a decisions file written earlier in that same
    second (before the step read it) is not 'edited after the step ran'; two seconds later it
    is."""
    from datetime import UTC, timedelta

    from kamlib.engagement import Engagement
    from kamlib.status import waiting_for_people

    root = make_engagement({"sales.csv": "a;b\n1;2\n"})
    eng = Engagement.open(root)
    (root / "decisions").mkdir(exist_ok=True)
    merges = root / "decisions" / "merges.csv"
    merges.write_text("a,b,decision\n", encoding="utf-8")
    finished = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)   # recorded: 12:00:00
    key = "01_client_base_cleanup"
    os.utime(merges, ((finished + timedelta(seconds=0.7)).timestamp(),) * 2)
    assert key not in waiting_for_people(eng, {key: finished})[1]
    os.utime(merges, ((finished + timedelta(seconds=2)).timestamp(),) * 2)
    assert waiting_for_people(eng, {key: finished})[1][key] == \
        "decisions/merges.csv edited after the step ran"
