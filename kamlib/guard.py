"""Faults: one run at a time, inputs unchanged since the intake, deliverables swapped in whole.

What can go wrong between two commands on one engagement, and the rule for each:

- **two runs at once** — :func:`engagement_lock`: ``kam run`` and ``kam report`` hold
  ``work/.kam.lock`` (pid, host, start time, command); a second one says who holds it and
  stops. A lock left by a process that is gone (killed, machine crash) is taken over with a
  note. Processes started by the holder (the notebooks' kernels) inherit its token through
  the environment and pass.
- **a run that did not finish** — :func:`check_finished`: ``work/manifest.json`` says
  ``status: running`` from the start of a run to its end; if the run's process is gone
  (``kill -9``, power cut) its results are partial, and a report is refused.
- **raw data changed after the intake** — :func:`raw_snapshot` records the SHA-256 of every
  file in ``raw/`` when the intake runs; :func:`check_inputs` compares before any later
  step and before a report, and names the file changed, added or removed.
- **an interrupted or failed report** — :func:`staged_reports` renders the whole set into a
  staging folder next to ``reports/`` (the files it keeps copied in), then swaps it in by
  one ``renameat2(RENAME_EXCHANGE)``: at any instant ``reports/`` is either the old complete
  set or the new one, with its own manifest.
- **a full disk** — :func:`disk_full`: an ``OSError`` ENOSPC becomes "the disk is full at
  PATH: free space and re-run".

:func:`checkpoint` is the fault-injection hook of the tests (``KAM_FAULT_AT``).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import shutil
import signal
import socket
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .errors import KamError
from .io import sha256_file
from .kernels import RUN_TOKEN_ENV

__all__ = [
    "RUN_TOKEN_ENV",
    "EngagementBusyError",
    "InputsChangedError",
    "RunInterruptedError",
    "check_finished",
    "check_inputs",
    "checkpoint",
    "disk_full",
    "engagement_lock",
    "raw_snapshot",
    "staged_reports",
    "sweep_leftovers",
]

_LOCK_NAME = ".kam.lock"
#: Files of the operating system or of an open editor, not data: ignored in raw/.
_NOT_DATA = (".", "~$")
_NOT_DATA_NAMES = frozenset({"thumbs.db", "desktop.ini"})


class EngagementBusyError(KamError):
    """Another ``kam`` command is running on the engagement."""


class InputsChangedError(KamError):
    """A file in ``raw/`` changed, appeared or disappeared since the intake."""


class RunInterruptedError(KamError):
    """The last run started and never ended: ``work/`` may mix its results with older ones."""


# --------------------------------------------------------------------------- fault injection


def checkpoint(name: str) -> None:
    """Fault-injection hook for the tests: with ``KAM_FAULT_AT=name`` the process kills
    itself here (SIGKILL, as ``kill -9`` would); with ``KAM_FAULT_ACTION=pause`` it writes the
    file ``KAM_FAULT_MARKER`` and waits until that file is deleted (at most 10 minutes)."""
    if os.environ.get("KAM_FAULT_AT") != name:
        return
    if os.environ.get("KAM_FAULT_ACTION") == "pause":
        marker = Path(os.environ["KAM_FAULT_MARKER"])
        marker.write_text(str(os.getpid()), encoding="utf-8")
        deadline = time.monotonic() + 600
        while marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


# --------------------------------------------------------------------------- lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_lock(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def engagement_lock(work: Path, command: str,
                    on_note: Callable[[str], None] | None = None, *,
                    token: str | None = None) -> Iterator[str]:
    """Hold the engagement's lock (``work/.kam.lock``) for the duration of the block.

    Parameters
    ----------
    work : Path
        The engagement's ``work/`` folder (created if needed).
    command : str
        What holds it, shown to whoever finds the engagement busy.
    on_note : callable, optional
        Receives a note when a stale lock (of a process that is gone) is taken over.
    token : str, optional
        The run's token when the caller made it ahead: a process it started before taking
        the lock (a kernel started early, :meth:`kamlib.kernels.KernelPool.launch`) carries
        it in its environment. Default: a new one.

    Yields
    ------
    str
        The run's token, also set in ``os.environ[RUN_TOKEN_ENV]`` for child processes.
        Once the lock is taken, what a killed process left behind is cleared
        (:func:`sweep_leftovers`).

    Raises
    ------
    EngagementBusyError
        Another live process holds the lock: its pid, host, start time and command.
    """
    work.mkdir(parents=True, exist_ok=True)
    path = work / _LOCK_NAME
    held = _read_lock(path)
    if held is not None and held.get("token") and \
            held.get("token") == os.environ.get(RUN_TOKEN_ENV):
        yield str(held["token"])  # a process of the run that holds it (a notebook's kernel)
        return
    token = token or uuid.uuid4().hex
    me = {"pid": os.getpid(), "host": socket.gethostname(), "token": token,
          "started": datetime.now(UTC).isoformat(timespec="seconds"), "command": command}
    # the lock appears with its content at once: written aside, then hard-linked in place
    mine = work / f"{_LOCK_NAME}.{token}"
    mine.write_text(json.dumps(me), encoding="utf-8")
    try:
        _acquire(path, mine, on_note)
    finally:
        mine.unlink(missing_ok=True)
    for line in sweep_leftovers(work.parent):  # nobody else writes now
        if on_note:
            on_note(f"note: {line}")
    previous = os.environ.get(RUN_TOKEN_ENV)
    os.environ[RUN_TOKEN_ENV] = token
    try:
        yield token
    finally:
        if previous is None:
            os.environ.pop(RUN_TOKEN_ENV, None)
        else:
            os.environ[RUN_TOKEN_ENV] = previous
        if (_read_lock(path) or {}).get("token") == token:
            path.unlink(missing_ok=True)


def _acquire(path: Path, mine: Path, on_note: Callable[[str], None] | None) -> None:
    for _attempt in range(3):
        try:
            os.link(mine, path)
        except FileExistsError:
            other = _read_lock(path)
            if other is None:
                continue  # released meanwhile
            pid, host = other.get("pid"), other.get("host")
            local = host == socket.gethostname()
            if other == {} or (isinstance(pid, int) and local and not _alive(pid)):
                if on_note:
                    on_note(f"note: taking over a stale lock of {other.get('command', '?')} "
                            f"(pid {pid}, started {other.get('started', '?')}): that process "
                            "is gone, so it did not finish")
                path.unlink(missing_ok=True)
                continue
            raise EngagementBusyError(
                f"the engagement is busy: `{other.get('command', '?')}` is running on it "
                f"(pid {pid} on host {host}, since {other.get('started', '?')})",
                file=str(path),
                hint="wait until it finishes, then run your command again"
                + ("" if local else f"; if no such process runs on {host}, delete {path}")
            ) from None
        else:
            return
    raise EngagementBusyError("could not take the engagement's lock", file=str(path),
                              hint="run the command again")  # pragma: no cover - races


def sweep_leftovers(root: Path) -> list[str]:
    """Clear what a killed process left in ``work/`` and ``notebooks/``; call it holding the
    lock (nobody else is writing).

    :class:`kamlib.io.atomic_dir` builds ``work/.<step>.new.*`` aside and parks the old
    folder as ``work/.<step>.old.<pid>`` for the instant of the swap: a staging folder is
    removed, a parked folder whose step folder is missing is put back (the previous results),
    else removed; a half-executed notebook ``notebooks/.running.*`` is removed.

    Returns
    -------
    list of str
        What was done, one line each.
    """
    done: list[str] = []
    work = root / "work"
    for p in sorted(work.glob(".*.new.*")) if work.is_dir() else []:
        shutil.rmtree(p, ignore_errors=True)
        done.append(f"removed the unfinished {p.name}")
    for p in sorted(work.glob(".*.old.*")) if work.is_dir() else []:
        target = work / p.name[1:].split(".old.", 1)[0]
        if not target.exists():
            p.rename(target)
            done.append(f"restored {target.name} (a swap was interrupted)")
        else:
            shutil.rmtree(p, ignore_errors=True)
    notebooks = root / "notebooks"
    for p in sorted(notebooks.glob(".running.*")) if notebooks.is_dir() else []:
        p.unlink(missing_ok=True)
    return done


# --------------------------------------------------------------------------- runs and inputs


def check_finished(manifest: dict[str, Any], root: Path, *, before: str) -> None:
    """Refuse the results of a run that started and never ended (its process was killed).

    Parameters
    ----------
    manifest : dict
        ``work/manifest.json``.
    root : Path
        The engagement.
    before : str
        What was about to happen, for the message (``"the report"``).

    Raises
    ------
    RunInterruptedError
        ``status`` is ``running`` and the run is not the caller's own (a report built by
        step 05 inside the run passes).
    """
    if manifest.get("status") != "running":
        return
    token = manifest.get("run_token")
    if token and token == os.environ.get(RUN_TOKEN_ENV):
        return
    raise RunInterruptedError(
        f"the run started at {manifest.get('run_started', '?')} "
        f"(`{manifest.get('run_command') or 'kam run'}`) did not finish: it was "
        f"interrupted, so work/ may hold a mix of its results and older ones; {before} is "
        "refused",
        file=str(root / "work" / "manifest.json"),
        hint=f"run the audit again: `kam run {root}`")


def _not_data(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(part.startswith(_NOT_DATA) for part in rel.split("/")) or \
        name.casefold() in _NOT_DATA_NAMES


def raw_snapshot(root: Path) -> dict[str, str]:
    """SHA-256 of every data file under ``root/raw`` (relative POSIX path → hex digest);
    hidden files, editor lock files (``~$…``), ``Thumbs.db`` and ``desktop.ini`` are left
    out."""
    raw = root / "raw"
    out: dict[str, str] = {}
    if not raw.is_dir():
        return out
    for p in sorted(raw.rglob("*")):
        rel = p.relative_to(raw).as_posix()
        if p.is_file() and not _not_data(rel):
            out[rel] = sha256_file(p)
    return out


def _recorded(manifest: dict[str, Any]) -> dict[str, str] | None:
    snap = manifest.get("raw_snapshot")
    if isinstance(snap, dict):
        return snap
    files = (manifest.get("inputs") or {}).get("files")
    if not files:
        return None
    out = {}
    for f in files:  # an older manifest: the files the intake read, by their sha256
        name, sha = f.get("file"), f.get("sha256")
        if name and sha:
            out[str(name).removeprefix("raw/")] = sha
    return out or None


def check_inputs(manifest: dict[str, Any], root: Path, *, before: str) -> None:
    """Refuse to go on when ``raw/`` is not what the last intake read.

    Parameters
    ----------
    manifest : dict
        ``work/manifest.json``.
    root : Path
        The engagement.
    before : str
        What was about to happen, for the message (``"step 02_profitability"``, ``"the
        report"``).

    Raises
    ------
    InputsChangedError
        Names the files changed, added and removed, and says to run from the intake.
    """
    recorded = _recorded(manifest)
    if recorded is None:
        return
    now = raw_snapshot(root)
    legacy = "raw_snapshot" not in manifest
    changed = sorted(k for k in recorded if k in now and now[k] != recorded[k])
    removed = sorted(k for k in recorded if k not in now)
    added = [] if legacy else sorted(k for k in now if k not in recorded)
    if not (changed or removed or added):
        return
    parts = []
    for what, names in (("changed", changed), ("added", added), ("removed", removed)):
        if names:
            shown = ", ".join(f"raw/{n}" for n in names[:5])
            parts.append(f"{what}: {shown}" + (f" and {len(names) - 5} more"
                                               if len(names) > 5 else ""))
    first = (changed or added or removed)[0]
    raise InputsChangedError(
        f"raw/ is not what the last intake read ({'; '.join(parts)}), so the results in "
        f"work/ no longer match the data; {before} would mix them",
        file=f"raw/{first}",
        hint=f"run the audit from the intake: `kam run {root}` (or put the original files "
        "back)")


# --------------------------------------------------------------------------- disk full


def disk_full(exc: BaseException, where: Path | str) -> KamError | None:
    """The workbench's error for an ``OSError`` of a full disk (ENOSPC, EDQUOT), else None."""
    while exc is not None and not isinstance(exc, OSError):
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    if not isinstance(exc, OSError) or exc.errno not in (errno.ENOSPC, errno.EDQUOT):
        return None
    path = exc.filename or where
    return KamError(f"the disk is full at {path}", file=str(path),
                    hint="free space on that disk and re-run the command; the previous "
                    "results are unchanged")


# --------------------------------------------------------------------------- reports


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False if the
    system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    fn = getattr(libc, "renameat2", None)
    if fn is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(a))


def _copy_tree(src: Path, dst: Path, skip: Callable[[Path], bool]) -> None:
    """Copy the files of ``src`` into ``dst``, except those ``skip`` says. Copies, not hard
    links: a renderer writing a file in place must never touch the current set."""
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src)
        if skip(rel) or not p.is_file() or p.is_symlink():
            continue
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, target)


def recover_reports(root: Path) -> None:
    """Finish or undo a swap that was interrupted (left by the fallback of two renames):
    ``reports/`` missing and the old set parked → put it back; leftover staging removed."""
    reports = root / "reports"
    parked = sorted(root.glob(".reports.old-*"))
    if not reports.exists() and parked:
        parked[-1].rename(reports)
    for p in [*root.glob(".reports.staging-*"), *root.glob(".reports.old-*")]:
        shutil.rmtree(p, ignore_errors=True)


@contextlib.contextmanager
def staged_reports(root: Path, *, keep: Callable[[Path], bool]) -> Iterator[Path]:
    """A staging copy of ``reports/`` to render into, swapped in whole when the block ends.

    Parameters
    ----------
    root : Path
        The engagement.
    keep : callable
        Which files of the current set (path relative to ``reports/``) to carry over into
        the staging folder (copies): e.g. the other language's deliverables.

    Yields
    ------
    Path
        The staging folder (``<root>/.reports.staging-<id>``). If the block raises, it is
        removed and ``reports/`` is untouched.
    """
    recover_reports(root)
    reports = root / "reports"
    staging = root / f".reports.staging-{uuid.uuid4().hex[:12]}"
    staging.mkdir()
    try:
        if reports.is_dir():
            _copy_tree(reports, staging, lambda rel: not keep(rel))
        yield staging
        _fsync_tree(staging)
        checkpoint("report:swap")
        if not reports.exists():
            staging.rename(reports)
        elif not _exchange(staging, reports):
            parked = root / f".reports.old-{uuid.uuid4().hex[:12]}"
            reports.rename(parked)
            staging.rename(reports)
            staging = parked
        checkpoint("report:swapped")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for p in folder.rglob("*"):
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())


def tree_hashes(folder: Path, prefix: str) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, keyed ``prefix/relative/path``."""
    return {f"{prefix}/{p.relative_to(folder).as_posix()}": hashlib.sha256(
        p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}
