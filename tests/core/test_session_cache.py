"""tests.helpers.built_once: what the session fixtures build is built once for all the worker
processes of a session (``make test`` runs pytest-xdist), and a failed build leaves nothing."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from tests.helpers import SESSION_ENV, built_once


def _build_slowly(log: str, name: str, out: multiprocessing.Queue) -> None:
    def build(folder: Path) -> None:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write("built\n")
        time.sleep(0.3)  # the other process asks meanwhile
        folder.mkdir()
        (folder / "value.txt").write_text("42", encoding="utf-8")

    folder = built_once(name, build)
    out.put((str(folder), (folder / "value.txt").read_text(encoding="utf-8")))


def test_two_processes_asking_at_once_build_once_and_share_it(tmp_path, monkeypatch):
    monkeypatch.setenv(SESSION_ENV, str(tmp_path))
    log = tmp_path / "log.txt"
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    procs = [ctx.Process(target=_build_slowly, args=(str(log), "eng", out)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    assert [p.exitcode for p in procs] == [0, 0, 0]
    got = {out.get(timeout=5) for _ in procs}
    assert got == {(str(tmp_path / "eng"), "42")}
    assert log.read_text(encoding="utf-8") == "built\n"


def test_a_failed_build_leaves_nothing_and_the_next_one_builds_again(tmp_path, monkeypatch):
    monkeypatch.setenv(SESSION_ENV, str(tmp_path))

    def broken(folder: Path) -> None:
        folder.mkdir()
        (folder / "half.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("the build failed")

    with pytest.raises(RuntimeError, match="the build failed"):
        built_once("eng", broken)
    assert not (tmp_path / "eng").exists()
    folder = built_once("eng", lambda f: (f.mkdir(), (f / "ok.txt").write_text("ok")))
    assert sorted(p.name for p in folder.iterdir()) == ["ok.txt"]
    # built: asked again, it is not built again
    assert built_once("eng", lambda f: pytest.fail("built twice")) == folder
