"""A sample engagement with the steps before a notebook's step run, for a notebook run with
its defaults.

A step notebook run by hand or by nbval with no engagement works on a fresh temporary copy of
a sample engagement, with the steps before it run there first
(:func:`kamlib.runner.notebook_context`), so each notebook runs on its own. Run one after the
other, the six notebooks would run the sample's steps fifteen times.

When the environment variable ``KAM_SAMPLE_RUNS`` names a folder, the copy after each step
is kept there (``<sample>.<n>``: the intake and the first *n* steps after it) and a notebook
starts from a copy of the longest kept run it can use, running only the steps still missing.
The test session sets it to a folder of its own, made when the session starts and removed
when it ends (``tests/conftest.py``), so a kept run never outlives the code that made it;
nothing in the workbench sets it. Unset (the default), every notebook starts from the sample.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .engagement import Engagement, copy_engagement
from .resources import samples_dir

__all__ = ["CACHE_ENV", "sample_with_steps_before"]

#: the environment variable naming the folder of kept sample runs (unset: none are kept)
CACHE_ENV = "KAM_SAMPLE_RUNS"


def sample_with_steps_before(sample: str, step: str) -> Engagement:
    """A temporary copy of ``data_samples/<sample>`` with the intake and the steps before
    ``step`` run (their notebooks, by papermill) and recorded as a finished run.

    The copy is removed when the process exits. See the module's docstring for
    ``KAM_SAMPLE_RUNS``.

    Parameters
    ----------
    sample : str
        A folder of ``data_samples/`` (``demo_ru``, ``demo_en``, ``training_*``).
    step : str
        The step key of the notebook that asks (``"04_kam_team_sizing"``).
    """
    from .runner import STEPS, record_run, run_intake, run_step

    tmp = Path(tempfile.mkdtemp(prefix=f"kam-{sample}-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)  # gone with the kernel
    root = tmp / sample
    before = [s for s in STEPS if s.key < step and s.number != "00"]
    cache = Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV) else None
    done = _restore(cache, sample, len(before), root)
    if done is None:
        copy_engagement(samples_dir() / sample, root)
        eng = Engagement.open(root)
        run_intake(eng)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        log: dict[str, Any] = {STEPS[0].key: {"status": "ok", "finished": started,
                                              "note": "intake only (notebook_context)"}}
        record_run(eng, entries=log, started=started)
        _keep(cache, sample, 0, root)
        done = 0
    else:
        eng = Engagement.open(root)
        manifest = json.loads((eng.work / "manifest.json").read_text("utf-8"))
        started, log = manifest["run_started"], dict(manifest["steps"])
    for n, s in enumerate(before[done:], start=done + 1):
        log[s.key] = run_step(eng, s)
        record_run(eng, entries=log, started=started)
        _keep(cache, sample, n, root)
    return eng


def _restore(cache: Path | None, sample: str, wanted: int, root: Path) -> int | None:
    """Copy the longest kept run of at most ``wanted`` steps to ``root``; its step count."""
    if cache is None:
        return None
    for n in range(wanted, -1, -1):
        kept = cache / f"{sample}.{n}"
        if kept.is_dir():
            shutil.copytree(kept, root, symlinks=True)
            return n
    return None


def _keep(cache: Path | None, sample: str, n: int, root: Path) -> None:
    """Keep a copy of ``root`` as ``<sample>.<n>``, whole or not at all (copied beside, then
    renamed; a copy another process kept first wins)."""
    if cache is None or (cache / f"{sample}.{n}").exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    part = Path(tempfile.mkdtemp(prefix=f".{sample}.{n}.", dir=cache))
    try:
        shutil.copytree(root, part / "run", symlinks=True,
                        ignore=shutil.ignore_patterns(".kam.lock"))
        (part / "run").rename(cache / f"{sample}.{n}")
    except OSError:
        pass  # kept by another process meanwhile, or the cache's disk is full: not needed
    finally:
        shutil.rmtree(part, ignore_errors=True)
