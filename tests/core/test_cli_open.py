"""`kam open`: JupyterLab on the engagement's notebooks, with this Python as the kernel."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from kamlib.cli import lab_command, main


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_lab_command_uses_this_python_as_the_kernel(make_engagement) -> None:
    root = make_engagement({"clients.csv": "Код;Наименование\r\nK1;ООО Альфа\r\n"})
    cmd, env = lab_command(root, port=8899, open_browser=False)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={root.resolve()}" in cmd and "--no-browser" in cmd
    first = Path(env["JUPYTER_PATH"].split(os.pathsep)[0])
    spec = json.loads((first / "kernels" / "python3" / "kernel.json").read_text("utf-8"))
    assert spec["argv"][0] == sys.executable


def test_bad_port_and_missing_folder_are_usage_errors(make_engagement, tmp_path,
                                                      capsys) -> None:
    root = make_engagement({"clients.csv": "Код;Наименование\r\nK1;ООО Альфа\r\n"})
    assert main(["open", str(root), "--port", "70000"]) == 2
    assert main(["open", str(tmp_path / "nope")]) == 2
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_kam_open_serves_the_notebooks_and_stops_on_sigterm(make_engagement) -> None:
    root = make_engagement({"clients.csv": "Код;Наименование\r\nK1;ООО Альфа\r\n"})
    (root / "notebooks").mkdir(exist_ok=True)
    nbformat.write(nbformat.v4.new_notebook(), root / "notebooks" / "02_profitability.ipynb")
    port, token = _free_port(), "kam-test-token"
    proc = subprocess.Popen([sys.executable, "-m", "kamlib.cli", "open", str(root),
                             "--no-browser", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "JUPYTER_TOKEN": token})
    base = f"http://127.0.0.1:{port}"

    def get(path: str) -> dict:
        req = urllib.request.Request(base + path, headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.loads(r.read())

    try:
        deadline = time.monotonic() + 120
        specs = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                specs = get("/api/kernelspecs")
                break
            except OSError:
                time.sleep(0.5)
        assert specs is not None, proc.stdout.read() if proc.poll() is not None else "no answer"
        assert specs["kernelspecs"]["python3"]["spec"]["argv"][0] == sys.executable
        listing = get("/api/contents/notebooks")
        assert [c["name"] for c in listing["content"]] == ["02_profitability.ipynb"]
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    out = proc.stdout.read()
    assert "record of the last run" in out and "kam run" in out
    gone = psutil.wait_procs(children, timeout=30)[1]
    assert not gone, [p.pid for p in gone]
