"""Re-running after one change: only the steps downstream of it run (fingerprints).

The pipeline here is the real runner (intake, papermill, staged folders, manifest) on small
step notebooks, each writing a ``summary.json`` that depends on exactly what the real step
reads: its ``engagement.yaml`` section, its files outside ``work/`` and the previous step's
results. What ran is read from the run's manifest (``last_run``) and from the artefacts.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from kamlib.cli import main
from kamlib.engagement import Engagement
from kamlib.fingerprint import changes, fingerprint
from kamlib.runner import STEPS, run_intake, run_pipeline
from kamlib.status import engagement_status
from tests.core.test_runner import CLIENTS, SALES, _notebook

PARAMS = ('engagement_dir: str | None = None  # the engagement\n'
          'step_dir: str | None = None  # artefacts\n'
          'interactive: bool = False  # widgets\n')

READS = {"01": ["decisions/merges.csv"], "03": ["review/assessment.xlsx"]}
SECTION = {s.number: s.section for s in STEPS}


def _step_cell(number: str, previous: str | None) -> str:
    return (
        "import hashlib, json, pathlib, yaml\n"
        "root = pathlib.Path(engagement_dir)\n"
        "cfg = yaml.safe_load((root / 'engagement.yaml').read_text('utf-8'))\n"
        f"h = hashlib.sha256(json.dumps(cfg.get({SECTION[number]!r}), sort_keys=True).encode())\n"
        f"for rel in {READS.get(number, [])!r}:\n"
        "    p = root / rel\n"
        "    h.update(p.read_bytes() if p.exists() else b'-')\n"
        f"prev = {previous!r}\n"
        "if prev:\n"
        "    h.update((root / 'work' / prev / 'summary.json').read_bytes())\n"
        f"out = pathlib.Path(step_dir) / ('step.json' if {number!r} == '00' else 'summary.json')\n"
        f"out.write_text(json.dumps({{'step': {number!r}, 'hash': h.hexdigest()}}))\n"
    )


@pytest.fixture
def engagement(make_engagement, tmp_path: Path) -> tuple[Path, Path]:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    nbs = tmp_path / "notebooks"
    for i, step in enumerate(STEPS):
        _notebook(nbs / step.notebook, [_step_cell(step.number, STEPS[i - 1].folder
                                                   if i else None)], PARAMS)
    return root, nbs


@pytest.fixture
def kernels_started(monkeypatch) -> list[str]:
    """The notebooks a kernel was started ahead for (``KernelPool.prepare``), in order."""
    from kamlib.kernels import KernelPool

    started: list[str] = []
    original = KernelPool.prepare

    def prepare(self, notebook, step_name=""):
        before = self.waiting
        original(self, notebook, step_name)
        if self.waiting > before:                # a kernel was started for it
            started.append(Path(notebook).name)

    monkeypatch.setattr(KernelPool, "prepare", prepare)
    return started


def _run(root: Path, nbs: Path, **kw) -> dict:
    lines: list[str] = []
    manifest = run_pipeline(root, notebook_dir=nbs, on_progress=lines.append, **kw)
    manifest["_lines"] = lines
    return manifest


def _summaries(root: Path) -> dict[str, bytes]:
    return {s.key: (s.dir(Engagement.open(root)) / "summary.json").read_bytes()
            for s in STEPS}


def _keys(*numbers: str) -> list[str]:
    return [s.key for s in STEPS if s.number in numbers]


def test_a_second_run_skips_every_step_and_keeps_the_artefacts(engagement,
                                                               kernels_started) -> None:
    root, nbs = engagement
    first = _run(root, nbs)
    assert kernels_started == [s.notebook for s in STEPS]  # each started ahead, in order
    kernels_started.clear()
    assert list(first["last_run"]["ran"]) == [s.key for s in STEPS]
    assert first["last_run"]["up_to_date"] == []
    before = _summaries(root)
    notebooks = {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")}

    second = _run(root, nbs)
    assert second["last_run"] == {"ran": {}, "up_to_date": [s.key for s in STEPS]}
    assert kernels_started == []                 # nothing to run: no kernel started
    assert second["status"] == "ok"
    assert _summaries(root) == before
    assert {p.name: p.read_bytes() for p in (root / "notebooks").glob("*.ipynb")} == notebooks
    assert all("up to date" in line for line in second["_lines"] if line.startswith("["))
    # each step keeps the entry of the run that produced its results
    for s in STEPS:
        assert second["steps"][s.key]["finished"] == first["steps"][s.key]["finished"]


def test_a_changed_decision_reruns_its_step_and_the_ones_after(engagement) -> None:
    root, nbs = engagement
    _run(root, nbs)
    before = _summaries(root)
    (root / "decisions").mkdir(exist_ok=True)
    (root / "decisions" / "merges.csv").write_text("a,b,decision\nK1,K2,accept\n",
                                                   encoding="utf-8")
    m = _run(root, nbs)
    assert m["last_run"]["up_to_date"] == _keys("00")
    assert list(m["last_run"]["ran"]) == _keys("01", "02", "03", "04", "05")
    assert m["last_run"]["ran"][_keys("01")[0]] == "decisions/merges.csv added"
    assert m["last_run"]["ran"][_keys("02")[0]] == f"the results of {_keys('01')[0]} changed"
    after = _summaries(root)
    assert after[_keys("00")[0]] == before[_keys("00")[0]]
    assert after[_keys("01")[0]] != before[_keys("01")[0]]
    assert engagement_status(root).stale_steps == []


def test_a_changed_sizing_setting_reruns_sizing_and_the_report_only(engagement,
                                                                   kernels_started) -> None:
    root, nbs = engagement
    _run(root, nbs)
    kernels_started.clear()
    cfg_path = root / "engagement.yaml"
    cfg = yaml.safe_load(cfg_path.read_text("utf-8"))
    section = SECTION["04"]
    hours = Engagement.open(root).config.sizing.working_hours
    cfg.setdefault(section, {})["working_hours"] = hours - 100  # a rate of the sizing
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")

    m = _run(root, nbs)
    assert m["last_run"]["up_to_date"] == _keys("00", "01", "02", "03")
    assert list(m["last_run"]["ran"]) == _keys("04", "05")
    assert m["last_run"]["ran"][_keys("04")[0]] == f"engagement.yaml's '{section}' changed"
    # the kernels were started for the two steps that ran, not for the intake
    assert kernels_started == [s.notebook for s in STEPS if s.number in ("04", "05")]


def test_a_changed_raw_file_reruns_everything_and_force_reruns_up_to_date_steps(
        engagement) -> None:
    root, nbs = engagement
    _run(root, nbs)
    m = _run(root, nbs, force=True, from_step="04")
    four, five = _keys("04", "05")
    assert m["last_run"]["ran"] == {four: "--force", five: "step 04 ran again after it"}

    (root / "raw" / "sales.csv").write_text(SALES.replace("10,00", "12,00"), encoding="utf-8")
    m = _run(root, nbs)
    assert list(m["last_run"]["ran"]) == [s.key for s in STEPS]
    assert m["last_run"]["ran"][STEPS[0].key] == "raw/sales.csv changed"


def test_fingerprint_changes_name_what_changed(engagement) -> None:
    root, _ = engagement
    eng = Engagement.open(root)
    step = STEPS[1]
    now = fingerprint(eng, step, Path("missing.ipynb"))
    assert changes(None, now) == ["no fingerprint of its last run"]
    assert changes(now, now) == [f"the results of {STEPS[0].key} are missing"]
    run_intake(eng)
    now = fingerprint(eng, step, Path("missing.ipynb"))
    assert changes(now, now) == []
    then = json.loads(json.dumps(now))
    then["settings"]["currency"] = "x"
    then["inputs"]["decisions/merges.csv"] = "y"
    then["upstream"][STEPS[0].key] = "z"
    assert changes(then, now) == ["engagement.yaml's 'currency' changed",
                                  "decisions/merges.csv removed",
                                  f"the results of {STEPS[0].key} changed"]
    # a later step's section is not among an earlier step's settings
    assert SECTION["04"] not in now["settings"] and SECTION["01"] in now["settings"]
    assert "report.language" in now["settings"]


def test_kam_run_quiet_and_force_flags_parse(engagement, capsys) -> None:
    root, _ = engagement
    assert main(["run", str(root), "--steps", "nosuchstep", "-q"]) == 2
    with pytest.raises(SystemExit):
        main(["run", str(root), "-q", "-v"])
    capsys.readouterr()


def test_the_steps_after_a_step_run_again_run_too(engagement) -> None:
    """Even when the step run again wrote the same results: the report and `kam status` hold
    results older than an earlier step's for stale."""
    root, nbs = engagement
    _run(root, nbs)
    one = _keys("01")[0]
    m = _run(root, nbs, steps=["01"])  # named steps always run
    assert list(m["last_run"]["ran"]) == [one]
    assert engagement_status(root).stale_steps == _keys("02", "03", "04", "05")
    m = _run(root, nbs)
    assert m["last_run"]["up_to_date"] == _keys("00", "01")
    assert m["last_run"]["ran"] == {k: "step 01 ran again after it"
                                    for k in _keys("02", "03", "04", "05")}
    assert engagement_status(root).stale_steps == []


def test_steps_finishing_within_one_second_keep_their_order(engagement) -> None:
    """Finish times are kept to the second; a step run again within the second of a later
    step's run still makes that later step stale (the finishing sequence decides)."""
    root, nbs = engagement
    _run(root, nbs)
    m = _run(root, nbs, steps=["01"])
    log = m["steps"]
    seqs = [log[k]["seq"] for k in _keys("00", "02", "03", "04", "05")]
    assert seqs == sorted(seqs) and log[_keys("01")[0]]["seq"] > seqs[-1]
    # the clock cannot tell them apart: every step finished "in the same second"
    same = log[_keys("05")[0]]["finished"]
    for entry in log.values():
        entry["finished"] = same
    path = root / "work" / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    manifest["steps"] = log
    path.write_text(json.dumps(manifest), "utf-8")
    assert engagement_status(root).stale_steps == _keys("02", "03", "04", "05")
    m = _run(root, nbs)
    assert m["last_run"]["ran"] == {k: "step 01 ran again after it"
                                    for k in _keys("02", "03", "04", "05")}


def test_finished_after_falls_back_to_the_clock_without_a_sequence() -> None:
    from kamlib.fingerprint import finished_after, next_seq
    a = {"finished": "2026-01-01T10:00:01+00:00"}
    b = {"finished": "2026-01-01T10:00:00+00:00"}
    assert finished_after(a, b) and not finished_after(b, a)
    assert finished_after({**b, "seq": 3}, {**a, "seq": 2})  # the sequence wins
    assert next_seq({"x": {"seq": 4}, "y": {}, "z": {"seq": None}}) == 5
    assert next_seq({}) == 1
