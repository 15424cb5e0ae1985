"""Faults: kill -9 at several moments, two runs at once, a full disk, raw data changed after
the intake. Each case checks the message, the exit code, and that reports/ and work/ are
consistent afterwards (kamlib.guard and its hooks in the runner and the report)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.engagement import Engagement
from kamlib.guard import (
    RUN_TOKEN_ENV,
    EngagementBusyError,
    InputsChangedError,
    check_inputs,
    engagement_lock,
    staged_reports,
)
from kamlib.runner import record_run, run_intake

SALES = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;10,00\r\n"
CLIENTS = "Код;Наименование\r\nK1;ООО Альфа\r\n"


def _kam(args: list[str], env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "kamlib.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})}, **kw)


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` → its SHA-256 (hidden lock files left out)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".kam.lock"}


def _consistent_reports(root: Path) -> dict:
    """reports/ holds exactly the files its manifest lists, with the hashes it records."""
    reports = root / "reports"
    manifest = json.loads((reports / "report_manifest.json").read_text("utf-8"))
    on_disk = {f"reports/{k}": v for k, v in _tree(reports).items()
               if k != "report_manifest.json"}
    assert on_disk == manifest["sha256"], "reports/ and its manifest disagree"
    listed = {rel for per in manifest["files"].values() for rel in per.values()}
    assert listed <= set(on_disk)
    assert not list(root.glob(".reports.*")), "a staging folder was left behind"
    return manifest


def _tiny(make_engagement) -> Path:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    eng = Engagement.open(root)
    run_intake(eng)
    record_run(eng)
    return root


# --------------------------------------------------------------------------- the lock


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_lock_refuses_a_second_holder_and_takes_over_a_stale_one(tmp_path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (work / ".kam.lock").write_text(json.dumps({
            "pid": sleeper.pid, "host": socket.gethostname(), "token": "x",
            "started": "2026-01-01T00:00:00+00:00", "command": "kam run E"}))
        with pytest.raises(EngagementBusyError) as info, engagement_lock(work, "kam report"):
            pass
        msg = str(info.value)
        assert f"pid {sleeper.pid}" in msg and "kam run E" in msg and "2026-01-01" in msg
        assert json.loads((work / ".kam.lock").read_text())["pid"] == sleeper.pid
    finally:
        sleeper.kill()
        sleeper.wait()
    notes: list[str] = []
    (work / ".kam.lock").write_text(json.dumps({
        "pid": _dead_pid(), "host": socket.gethostname(), "token": "y",
        "started": "2026-01-01T00:00:00+00:00", "command": "kam run E"}))
    with engagement_lock(work, "kam report", on_note=notes.append) as token:
        assert json.loads((work / ".kam.lock").read_text())["token"] == token
        with engagement_lock(work, "nested"):  # a process of the same run passes
            pass
        assert (work / ".kam.lock").exists()
    assert not (work / ".kam.lock").exists()
    assert notes and "stale lock" in notes[0] and "kam run E" in notes[0]


def test_a_token_made_ahead_is_the_runs_and_still_meets_a_busy_engagement(
        tmp_path, monkeypatch) -> None:
    """``kam run`` makes its token before the lock (its first kernel starts with it): the
    lock holds that token and sets it for the children; another live holder still refuses."""
    monkeypatch.delenv(RUN_TOKEN_ENV, raising=False)
    work = tmp_path / "work"
    with engagement_lock(work, "kam run E", token="made-ahead") as token:
        assert token == "made-ahead" == os.environ.get(RUN_TOKEN_ENV)
        assert json.loads((work / ".kam.lock").read_text())["token"] == "made-ahead"
        with engagement_lock(work, "nested"):  # the kernel of that run passes
            pass
        saved = os.environ.pop(RUN_TOKEN_ENV)
        try:  # a process without the token: busy, even with a token of its own
            with pytest.raises(EngagementBusyError), \
                    engagement_lock(work, "kam run E", token="another"):
                pass
        finally:
            os.environ[RUN_TOKEN_ENV] = saved
    assert not (work / ".kam.lock").exists() and RUN_TOKEN_ENV not in os.environ


def test_two_runs_at_once(make_engagement, tmp_path) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    marker = tmp_path / "paused"
    first = _kam(["run", str(root)], env={"KAM_FAULT_AT": "run:intake",
                                          "KAM_FAULT_ACTION": "pause",
                                          "KAM_FAULT_MARKER": str(marker)})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert first.poll() is None, first.communicate()
            assert time.monotonic() < deadline, "the first run never reached the intake"
            time.sleep(0.05)
        for cmd in (["run", str(root)], ["report", str(root)]):
            second = _kam(cmd)
            out, err = second.communicate(timeout=120)
            assert second.returncode == 3, out + err
            assert "EngagementBusyError" in err and f"pid {first.pid}" in err
            assert f"kam run {root}" in err and "Traceback" not in err
    finally:
        first.send_signal(signal.SIGKILL)  # the process this test started
        first.communicate()
    # the killed run left its lock and a run that never finished
    assert (root / "work" / ".kam.lock").exists()
    third = _kam(["report", str(root)])
    out, err = third.communicate(timeout=120)
    assert third.returncode == 3
    assert "taking over a stale lock" in out and "did not finish" in err
    assert not (root / "work" / ".kam.lock").exists()
    assert not [p for p in (root / "work").iterdir() if p.name.startswith(".")]


# --------------------------------------------------------------------------- raw changed


def test_raw_changed_after_the_intake_is_refused(make_engagement, capsys) -> None:
    root = _tiny(make_engagement)
    manifest = Engagement.open(root).manifest()
    check_inputs(manifest, root, before="x")  # unchanged: passes
    (root / "raw" / "sales.csv").write_text(SALES.replace("10,00", "99,00"), encoding="utf-8")
    with pytest.raises(InputsChangedError, match=r"changed: raw/sales\.csv"):
        check_inputs(manifest, root, before="x")
    (root / "raw" / "sales.csv").write_text(SALES, encoding="utf-8")
    (root / "raw" / "more.csv").write_text(SALES, encoding="utf-8")
    (root / "raw" / ".DS_Store").write_bytes(b"\0")  # not data: ignored
    with pytest.raises(InputsChangedError, match=r"added: raw/more\.csv"):
        check_inputs(manifest, root, before="x")
    (root / "raw" / "more.csv").unlink()
    (root / "raw" / "clients.csv").unlink()
    for cmd in (["run", str(root), "--from", "01"], ["report", str(root)]):
        assert main(cmd) == 3
        err = capsys.readouterr().err
        assert "InputsChangedError" in err and "removed: raw/clients.csv" in err
        assert f"kam run {root}" in err


# --------------------------------------------------------------------------- reports swap


def test_staged_reports_swap_whole_or_not_at_all(tmp_path) -> None:
    root = tmp_path
    (root / "reports").mkdir()
    (root / "reports" / "a.html").write_text("old a")
    (root / "reports" / "b.xlsx").write_text("old b")
    before = _tree(root / "reports")
    with pytest.raises(RuntimeError), staged_reports(root, keep=lambda rel: True) as stage:
        (stage / "a.html").write_text("new a")
        raise RuntimeError("renderer failed")
    assert _tree(root / "reports") == before
    assert not list(root.glob(".reports.*"))
    with staged_reports(root, keep=lambda rel: rel.name != "a.html") as stage:
        assert not (stage / "a.html").exists() and (stage / "b.xlsx").read_text() == "old b"
        (stage / "a.html").write_text("new a")
    assert (root / "reports" / "a.html").read_text() == "new a"
    assert (root / "reports" / "b.xlsx").read_text() == "old b"
    assert not list(root.glob(".reports.*"))


@pytest.fixture
def reported(demo_ru_run, tmp_path) -> Path:
    """A copy of demo_ru_run with a first report (html, xlsx; ru) in reports/."""
    from kamlib.report import build_report

    root = tmp_path / "eng"
    shutil.copytree(demo_ru_run, root, ignore=shutil.ignore_patterns("reports"))
    build_report(root, formats=["html", "xlsx"], papers=False)
    _consistent_reports(root)
    return root


@pytest.mark.slow
@pytest.mark.parametrize("point", ["report:render", "report:swap", "report:swapped"])
def test_report_killed_leaves_a_consistent_set(reported: Path, point: str) -> None:
    old = _tree(reported / "reports")
    proc = _kam(["report", str(reported), "--lang", "ru", "en", "--format", "html", "xlsx",
                 "--no-papers"], env={"KAM_FAULT_AT": point})
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, out + err
    now = _tree(reported / "reports")
    if point == "report:swapped":
        assert now != old and "reports/audit_report_en.html" in json.loads(
            (reported / "reports" / "report_manifest.json").read_text())["sha256"]
    else:
        assert now == old, "a killed report must leave the previous set"
    # the next report cleans up and gives a consistent, complete set
    assert main(["report", str(reported), "--lang", "ru", "en", "--format", "html",
                 "--no-papers"]) == 0
    manifest = _consistent_reports(reported)
    assert set(manifest["files"]) == {"ru", "en"}
    assert "xlsx" in manifest["files"]["ru"], "the same run's workbook is carried over"
    assert manifest["run"]["run_started"] and manifest["inputs"]


@pytest.mark.slow
def test_run_killed_during_intake_then_report_is_refused(reported: Path) -> None:
    def visible(tree: dict[str, str]) -> dict[str, str]:
        return {k: v for k, v in tree.items() if k != "manifest.json" and
                not k.startswith(".")}

    work_before = visible(_tree(reported / "work"))
    reports_before = _tree(reported / "reports")
    proc = _kam(["run", str(reported)], env={"KAM_FAULT_AT": "run:intake"})
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == -signal.SIGKILL, out + err
    assert visible(_tree(reported / "work")) == work_before, \
        "work/ must keep the previous results"
    assert json.loads((reported / "work" / "manifest.json").read_text())["status"] == "running"
    rep = _kam(["report", str(reported), "--format", "html", "--no-papers"])
    out, err = rep.communicate(timeout=600)
    assert rep.returncode == 3, out + err
    assert "RunInterruptedError" in err and "did not finish" in err
    assert f"kam run {reported}" in err
    assert _tree(reported / "reports") == reports_before
    # the report took over the dead run's lock and cleared what it left behind
    assert "stale lock" in out and "removed the unfinished .00_intake.new" in out
    assert not [p for p in (reported / "work").iterdir() if p.name.startswith(".")]
    assert visible(_tree(reported / "work")) == work_before


# --------------------------------------------------------------------------- disk full


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


@pytest.mark.slow
def test_disk_full_during_the_report(reported: Path, tmp_path, capsys) -> None:
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "400M"):
        pytest.skip("cannot mount a tmpfs here (needs root and mount): disk-full not testable")
    try:
        root = mnt / "eng"
        shutil.copytree(reported, root)
        used = shutil.disk_usage(mnt).used
        # leave 256 kB free: less than one deliverable
        subprocess.run(["mount", "-o", f"remount,size={used + 256 * 1024}", str(mnt)],
                       check=True)
        before = _tree(root / "reports")
        code = main(["report", str(root), "--lang", "ru", "en", "--format", "html", "xlsx",
                     "--no-papers"])
        err = capsys.readouterr().err
        assert code == 3, err
        assert "the disk is full at" in err and "free space" in err
        assert "installed" not in err and "internal error" not in err
        assert _tree(root / "reports") == before, "a failed report must change nothing"
        assert not list(root.glob(".reports.*"))
    finally:
        subprocess.run(["umount", str(mnt)], check=False)
