"""`kam present` stopped by a signal leaves nothing running: Voilà, its kernels, its port."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("voila") is None or os.name != "posix",
                                reason="needs voila (the 'training' extra) and POSIX signals")


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_voila_and_its_kernels(sig: signal.Signals, demo_ru_steps: Path,
                                            tmp_path: Path) -> None:
    eng = tmp_path / "eng"
    shutil.copytree(demo_ru_steps, eng, ignore=shutil.ignore_patterns("raw"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kamlib.cli", "present", str(eng), "00", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")),
                              daemon=True)
    reader.start()
    try:
        url = _wait_for(lambda: next((m.group(0) for ln in lines for m in
                                      [re.search(r"http://127\.0\.0\.1:\d+/", ln)] if m), None),
                        120, "the URL")
        port = int(url.rsplit(":", 1)[1].strip("/"))
        # open the page: Voilà starts a kernel to run the notebook
        threading.Thread(target=lambda: _get(url), daemon=True).start()
        me = psutil.Process(proc.pid)
        kernels = _wait_for(lambda: [p for p in me.children(recursive=True)
                                     if "ipykernel" in " ".join(_cmdline(p))], 120,
                            "a kernel")
        everything = me.children(recursive=True)
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0, "".join(lines)
    finally:
        if proc.poll() is None:
            proc.kill()
    reader.join(timeout=5)
    assert kernels
    still = [p for p in everything if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not still, [_cmdline(p) for p in still]
    from kamlib.notebook.present import _port_busy

    assert not _port_busy(port)  # nothing listens there any more (TIME_WAIT aside)
    assert "Stopping" in "".join(lines)


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def _get(url: str) -> None:
    with contextlib.suppress(Exception):  # the server is stopped under it: expected
        urllib.request.urlopen(url, timeout=120).read()


def test_two_presentations_get_two_ports(tmp_path: Path) -> None:
    """The default port is a free one: a second server never meets 'port already in use'."""
    import nbformat

    from kamlib.notebook.present import start_voila, stop_voila

    nb = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), nb)
    first, url1 = start_voila(nb)
    try:
        second, url2 = start_voila(nb)
        stop_voila(second)
    finally:
        stop_voila(first)
    assert url1 != url2
