"""Shared fixtures: tiny engagements built in tmp_path, and the sample engagements.

Only fixtures (and the session's folder of sample runs) live here; the helpers tests import are
in :mod:`tests.helpers`."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kamlib.engagement import init_engagement
from kamlib.sample_runs import CACHE_ENV
from tests.helpers import SESSION_ENV, built_once, deep_merge

_SESSION_FOLDERS = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    """Two folders of this session, made here and removed when it ends, so nothing kept
    outlives the code under test (a folder the caller set is left to the caller):

    - ``KAM_SAMPLE_RUNS``: the step notebooks run by nbval with their defaults each need the
      sample with the steps before them run; they share those runs (:mod:`kamlib.sample_runs`);
    - ``KAM_TEST_SESSION``: the engagements the session fixtures run once
      (:func:`tests.helpers.built_once`).

    A session run with ``pytest -n`` sets them in the process that starts it; its worker
    processes inherit them, so the session builds each of these once, not once per worker."""
    made = []
    for env, prefix in ((CACHE_ENV, "kam-sample-runs-"), (SESSION_ENV, "kam-test-session-")):
        if not os.environ.get(env):
            os.environ[env] = tempfile.mkdtemp(prefix=prefix)
            made.append(env)
    config.stash[_SESSION_FOLDERS] = made


def pytest_unconfigure(config: pytest.Config) -> None:
    for env in config.stash.get(_SESSION_FOLDERS, []):
        folder = os.environ.pop(env, None)
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def make_engagement(tmp_path: Path) -> Callable[..., Path]:
    """Build an engagement: ``make_engagement({"sales.csv": b"..."}, {"intake": {...}})``.

    Values of ``files`` are bytes, text (written UTF-8) or a Path to copy.
    """
    counter = {"n": 0}

    def make(files: dict[str, bytes | str | Path], overrides: dict[str, Any] | None = None,
             *, client: str = "Test client") -> Path:
        counter["n"] += 1
        root = tmp_path / f"eng{counter['n']}"
        init_engagement(root, client=client)
        for name, content in files.items():
            target = root / "raw" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copy2(content, target)
            elif isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        if overrides:
            cfg_path = root / "engagement.yaml"
            cfg = yaml.safe_load(cfg_path.read_text(encoding="utf-8"))
            cfg_path.write_text(yaml.safe_dump(deep_merge(cfg, overrides), allow_unicode=True),
                                encoding="utf-8")
        return root

    return make


@pytest.fixture(scope="session")
def demo_ru_steps() -> Path:
    """A copy of demo_ru with steps 0–3 run in-process (no papermill), shared by the tests of
    steps 3 and 4; tests that change it work on their own copy."""
    from kamlib.cleanup import run_cleanup
    from kamlib.engagement import Engagement, copy_engagement
    from kamlib.profitability import run_profitability
    from kamlib.resources import samples_dir
    from kamlib.runner import run_intake
    from kamlib.selection import run_selection

    def build(root: Path) -> None:
        copy_engagement(samples_dir() / "demo_ru", root)
        eng = Engagement.open(root)
        run_intake(eng)
        run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
        run_profitability(root, eng.step_dir("02_profitability"))
        run_selection(root, eng.step_dir("03_key_client_profile"))

    return built_once("demo_ru_steps", build)


@pytest.fixture(scope="session")
def demo_ru_run(demo_ru_steps: Path) -> Path:
    """demo_ru with steps 0–4 run in-process and recorded in ``work/manifest.json`` as a
    finished run (what ``kam run`` leaves, minus the executed notebooks): the report's input.
    A copy of ``demo_ru_steps``; tests that change it work on their own copy."""
    from kamlib.engagement import Engagement
    from kamlib.runner import record_run
    from kamlib.sizing import run_sizing

    def build(root: Path) -> None:
        shutil.copytree(demo_ru_steps, root)
        run_sizing(root, Engagement.open(root).step_dir("04_kam_team_sizing"))
        record_run(root)

    return built_once("demo_ru_run", build)


@pytest.fixture(scope="session")
def training_runs() -> dict[str, Path]:
    """Every training case copied and run through steps 0–4 in-process, once per session
    (read-only: the training-kit tests and the figure check share them)."""
    from kamlib.notebook.explore import demo_engagement

    lessons = ("vip", "top3", "holding", "single_contact", "overstaffed", "capstone",
               "channels", "teams")

    def build(base: Path) -> None:
        base.mkdir()
        for lesson in lessons:
            demo_engagement(f"training_{lesson}", into=base / lesson)

    base = built_once("training", build)
    return {lesson: base / lesson for lesson in lessons}
