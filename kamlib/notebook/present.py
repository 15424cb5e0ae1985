"""Presentation mode: the step notebooks as live dashboards, with Voilà, for trainers.

``kam present DIR [STEP]`` shows an engagement that ``kam run`` has run as web pages without
code: each step notebook runs again with ``interactive=True``, so its widgets (the intake
explorer, the cleanup thresholds, the cost-to-serve rates, the portfolio weights, the team
sizing) answer the trainer's hand. Nothing the audit produced is touched: the presentation
copies of the notebooks go to ``<engagement>/present/`` and every step writes its artefacts
into a scratch folder there, ``present/_scratch/<step>/``, never into ``work/``.

- :func:`prepare_presentation` writes the presentation copies (outputs cleared, parameters
  set);
- :func:`start_voila` serves a notebook or a folder on 127.0.0.1 and waits until it answers;
- :func:`stop_voila` stops it, with the kernels it started;
- :func:`present` does all three and waits for Ctrl-C.

Voilà (https://voila.readthedocs.io) is part of the optional ``training`` extra:
``pip install -e '.[training]'``.
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import webbrowser
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kamlib.engagement import Engagement
from kamlib.errors import ConfigError, KamError

__all__ = ["prepare_presentation", "present", "start_voila", "stop_voila"]

#: The intake's own record that it ran (step 00's ``summary.json`` is written by its notebook).
_INTAKE_DONE = "intake_manifest.json"


# --------------------------------------------------------------------------- preparing


def _steps(step: str | None) -> list[Any]:
    """The steps to present: all those whose notebook exists, or the one named by ``step``
    (``"02"``, ``"2"``, ``"02_profitability"`` or ``"profitability"``)."""
    from kamlib.resources import notebooks_dir
    from kamlib.runner import STEPS

    available = [s for s in STEPS if (notebooks_dir() / s.notebook).exists()]
    if step is None:
        return available
    token = str(step).strip()
    for s in available:
        number, name = s.key.split("_", 1)
        if token in (s.key, name, s.notebook) or (token.isdigit() and token.zfill(2) == number):
            return [s]
    raise ConfigError(f"unknown step '{step}'; steps are: "
                      + ", ".join(s.key for s in available), value=step,
                      hint="use a number (00, 01 …) or a name (profitability)")


def _check_run(eng: Engagement, steps: list[Any]) -> None:
    """Every step before the last one presented must have run: its ``summary.json`` (the
    intake: ``intake_manifest.json``) is in ``work/``."""
    from kamlib.runner import STEPS

    last = max(STEPS.index(s) for s in steps)
    needed = [STEPS[0].dir(eng) / _INTAKE_DONE]
    needed += [s.summary_path(eng) for s in STEPS[1:last]]
    missing = [p for p in needed if not p.exists()]
    if missing:
        first = missing[0].relative_to(eng.root)
        raise KamError(
            f"the engagement has not been run far enough to present "
            f"{'step ' + steps[0].key if len(steps) == 1 else 'its steps'}: "
            f"{first} is missing" + (f" ({len(missing) - 1} more)" if len(missing) > 1 else ""),
            file=str(eng.root), hint=f"run the audit first: kam run {eng.root}")


def _set_parameters(source: str, values: dict[str, Any]) -> str:
    """The ``parameters`` cell with the values of ``values`` put in place of the defaults.

    Each ``name: type = default  # help`` line keeps its annotation and its help; the
    default is replaced by ``repr(value)``. Names the cell does not declare are added at the
    end (the runner has validated them against the cell already)."""
    tree = ast.parse(source)
    raw = source.encode("utf-8")
    starts = [0]
    for line in raw.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    seen: set[str] = set()
    for node in tree.body:
        target = node.target if isinstance(node, ast.AnnAssign) else \
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None
        value = getattr(node, "value", None)
        if not isinstance(target, ast.Name) or value is None or target.id not in values:
            continue
        # ast offsets are UTF-8 byte offsets within the line
        begin = starts[value.lineno - 1] + value.col_offset
        end = starts[value.end_lineno - 1] + value.end_col_offset
        edits.append((begin, end, repr(values[target.id])))
        seen.add(target.id)
    for begin, end, text in sorted(edits, reverse=True):
        raw = raw[:begin] + text.encode("utf-8") + raw[end:]
    out = raw.decode("utf-8")
    extra = [f"{k} = {v!r}" for k, v in values.items() if k not in seen]
    if extra:
        out = out.rstrip("\n") + "\n" + "\n".join(extra) + "\n"
    return out


def _presentation_copy(source: Path, params: dict[str, Any], title: str) -> Any:
    """The notebook at ``source`` with its outputs cleared and its parameters set."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags or "papermill-error-cell-tag" in tags:
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            if "parameters" in tags:
                cell.source = ("# set by kam present: this engagement, widgets on, artefacts to "
                               "a scratch folder\n" + _set_parameters(cell.source, params))
        for key in ("papermill", "execution"):
            cell.get("metadata", {}).pop(key, None)
        cells.append(cell)
    nb.cells = cells
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    nb.metadata["title"] = title
    return nb


def prepare_presentation(engagement_dir: str | Path, step: str | None = None, *,
                         out_dir: str | Path | None = None, mode: str = "trainer") -> Path:
    """Write presentation copies of the step notebooks of an engagement that has been run.

    Parameters
    ----------
    engagement_dir : path
        The engagement (``kam run`` must have run the steps before the ones presented).
    step : str, optional
        One step (``"02"``, ``"02_profitability"`` or ``"profitability"``); default: all.
    out_dir : path, optional
        Where to write them (default ``<engagement>/present``).
    mode : {"trainer", "participant"}
        The trainer sees the conclusions; the participants see the questions and the data,
        the conclusions behind a button the trainer presses
        (:func:`kamlib.notebook.present_pages.localize_notebook`).

    Returns
    -------
    Path
        The notebook written, for one step; else the folder holding them.

    Notes
    -----
    Each copy speaks the engagement's language (``report.language``): its texts, key figures
    and table columns (:mod:`kamlib.notebook.present_pages`). Each copy has its outputs cleared and
    its ``parameters`` cell set as ``kam run`` sets it
    (the engagement's absolute path and the step's ``engagement.yaml`` section) plus
    ``interactive = True``, and ``step_dir`` = ``<out_dir>/_scratch/<step>`` (emptied first):
    presenting re-runs the step there and never writes into ``work/``. Step 00 reads the
    intake's tables from its step folder, so they are copied into its scratch folder. Steps
    01 and 03 still refresh their review sheets in ``review/`` as ``kam run`` does.

    Raises
    ------
    KamError
        The engagement has not been run far enough (hint: ``kam run DIR``); an unknown step
        (:class:`~kamlib.errors.ConfigError`).
    """
    import nbformat

    from kamlib.resources import notebooks_dir
    from kamlib.runner import _step_params, notebook_parameters, validate_parameters

    from .present_pages import localize_notebook
    from .present_view import MODES

    if mode not in MODES:
        raise ConfigError(f"unknown presentation mode '{mode}'", value=mode,
                          hint=f"use one of {', '.join(MODES)}")
    eng = Engagement.open(engagement_dir)
    steps = _steps(step)
    _check_run(eng, steps)
    out = Path(out_dir).resolve() if out_dir is not None else eng.root / "present"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for s in steps:
        source = notebooks_dir() / s.notebook
        scratch = out / "_scratch" / s.key
        if scratch.exists():
            shutil.rmtree(scratch)
        scratch.mkdir(parents=True)
        if s.number == "00":  # the notebook reads the intake from its step folder
            for f in s.dir(eng).iterdir():
                if f.is_file():
                    shutil.copy2(f, scratch / f.name)
        params = _step_params(s, eng.config, scratch, eng, notebook_parameters(source))
        params["interactive"] = True
        validate_parameters(source, params)
        lang = eng.config.report.language
        title = f"{s.key[:2]} · {s.title_ru if lang == 'ru' else s.title_en} — {eng.config.client}"
        nb = localize_notebook(_presentation_copy(source, params, title), lang, mode,
                               eng.config.currency)
        target = out / s.notebook
        nbformat.write(nb, target)
        written.append(target)
    return written[0] if step is not None else out


# --------------------------------------------------------------------------- serving


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_busy(port: int) -> bool:
    """Whether a server listens on ``port``. Like the servers themselves (tornado), the
    probe sets SO_REUSEADDR on POSIX: the TIME_WAIT connections a stopped server leaves for a
    minute do not make its port "in use"."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        if os.name == "posix":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _tail(path: Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace")
                         .splitlines()[-lines:])
    except OSError:
        return ""


def _answers(url: str) -> bool:
    """Voilà's static files answer once the server is up (the page itself would start a
    kernel and run the notebook: not a readiness probe)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return bool(200 <= r.status < 500)
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError):
        return False


def start_voila(path: str | Path, *, port: int = 0, open_browser: bool = False,
                timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], str]:
    """Serve a notebook (or a folder of notebooks) with Voilà on 127.0.0.1, without code.

    Parameters
    ----------
    path : path
        A ``.ipynb`` file (served at the root URL) or a folder (a list of its notebooks).
    port : int
        The port; 0 = a free one.
    open_browser : bool
        Open the page in the default web browser once the server answers.
    timeout : float
        Seconds to wait for the server to answer.

    Returns
    -------
    (subprocess.Popen, str)
        The Voilà process (its own process group; its output goes to the log file
        ``proc.log_path``) and the URL. Stop it with :func:`stop_voila`.

    Raises
    ------
    KamError
        Voilà is not installed (hint: ``pip install -e '.[training]'``), the path does not
        exist, the port is taken, or the server did not answer (with the end of its log).
    """
    path = Path(path).resolve()
    if not path.exists():
        raise KamError("nothing to present at this path", file=str(path),
                       hint="prepare the notebooks first: kam present DIR")
    if importlib.util.find_spec("voila") is None:
        raise KamError("Voilà is not installed: presentation mode needs it",
                       hint="pip install -e '.[training]'")
    if port == 0:
        port = _free_port()
    elif _port_busy(port):
        raise KamError(f"port {port} is already in use", value=port,
                       hint="stop what uses it, or choose another port")
    log_fd, log_name = tempfile.mkstemp(prefix="kam-voila-", suffix=".log")
    cmd = [sys.executable, "-m", "voila", str(path), "--no-browser", "--Voila.ip=127.0.0.1",
           f"--port={port}", "--Voila.port_retries=0", "--theme=light",
           "--VoilaConfiguration.show_tracebacks=True"]
    with os.fdopen(log_fd, "wb") as log:
        # a session of its own: the terminal's Ctrl-C reaches present(), which stops Voilà
        # cleanly (its kernels included) instead of Voilà asking "Shutdown? (y/n)"
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=str(path if path.is_dir()
                                                                  else path.parent),
                                start_new_session=True)
    proc.log_path = Path(log_name)  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}/"
    probe = url + "voila/static/voila.js"
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise KamError(f"Voilà stopped at start (exit code {proc.returncode}):\n"
                               + _tail(Path(log_name)), file=str(path),
                               hint=f"see the log {log_name}")
            if _answers(probe):
                if open_browser:
                    webbrowser.open(url)
                return proc, url
            time.sleep(0.25)
        raise KamError(f"Voilà did not answer within {timeout:.0f} s:\n"
                       + _tail(Path(log_name)), file=str(path), hint=f"see the log {log_name}")
    except BaseException:  # a timeout, or Ctrl-C while waiting: never leave it running
        stop_voila(proc)
        raise


def _descendants(pid: int) -> list[Any]:
    """The processes started by ``pid`` (its kernels run in sessions of their own)."""
    try:
        import psutil
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        return []
    with contextlib.suppress(psutil.Error):
        return list(psutil.Process(pid).children(recursive=True))
    return []


def stop_voila(proc: subprocess.Popen[bytes], *, timeout: float = 15.0) -> int:
    """Stop a Voilà server started by :func:`start_voila`, and its kernels.

    SIGTERM first (Voilà shuts its kernels down); whatever is still running after
    ``timeout`` seconds — the server, or a kernel it started — is killed. Returns the
    server's exit code; its log file is removed when that is 0.
    """
    if proc.poll() is not None:
        return int(proc.returncode)
    children = _descendants(proc.pid)
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own group (start_new_session)
        proc.wait(timeout=timeout)
    for child in children:  # kernels live in sessions of their own
        with contextlib.suppress(Exception):
            child.wait(timeout=5)
        with contextlib.suppress(Exception):
            if child.is_running():
                child.kill()
    log = getattr(proc, "log_path", None)
    if proc.returncode == 0 and log is not None:  # kept only when something went wrong
        Path(log).unlink(missing_ok=True)
    return int(proc.returncode)


class _Stop(KeyboardInterrupt):
    """SIGTERM / SIGHUP received: stop as on Ctrl-C."""


@contextlib.contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP (a ``kill``, a closed terminal, a service manager) into the
    same orderly stop as Ctrl-C, so Voilà and its kernels never outlive ``kam present``.
    Only in the main thread (where Python delivers signals); previous handlers restored."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise _Stop(signal.Signals(signum).name)

    previous = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is not None:
            with contextlib.suppress(OSError, ValueError):
                previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def present(engagement_dir: str | Path, step: str | None = None, *, port: int = 0,
            open_browser: bool = True, mode: str = "trainer",
            on_progress: Callable[[str], None] | None = print) -> int:
    """Present an engagement's step notebooks (or one step) with Voilà until stopped.

    Prepares the presentation copies (:func:`prepare_presentation`), serves them
    (:func:`start_voila`), says where, waits; Ctrl-C, SIGTERM or SIGHUP (or the server
    ending) stops it cleanly, with the kernels it started (:func:`stop_voila`).

    Parameters
    ----------
    engagement_dir : path
        An engagement that ``kam run`` has run.
    step : str, optional
        One step (``"03"`` …); default: all, listed on the start page.
    port : int
        The port; 0 (default) = a free one, printed. A given port that is taken is an
        error naming it.
    open_browser : bool
        Open the page in the default browser.
    mode : {"trainer", "participant"}
        Participants see the questions and the data; the conclusions wait for the trainer.
    on_progress : callable, optional
        Receives the messages (default: print).

    Returns
    -------
    int
        0 after Ctrl-C / SIGTERM / SIGHUP; the server's exit code if it stopped by itself.
    """
    say = on_progress or (lambda _m: None)
    path = prepare_presentation(engagement_dir, step, mode=mode)
    code = 0
    with _stop_on_signals():
        try:
            proc, url = start_voila(path, port=port, open_browser=open_browser)
        except _Stop as sig:  # start_voila has stopped what it started
            say(f"Stopped by {sig} while starting.")
            return 0
        try:
            say(f"Presenting {path} at {url} (each page runs its step first; this takes a "
                f"few seconds). Press Ctrl-C to stop.")
            while proc.poll() is None:
                time.sleep(0.5)
            code = int(proc.returncode)
            say(f"Voilà stopped (exit code {code}); its log: "
                f"{proc.log_path}")  # type: ignore[attr-defined]
        except KeyboardInterrupt as stop:
            say(f"Stopping ({stop or 'Ctrl-C'}) …")
        finally:
            stop_voila(proc)
    return code
