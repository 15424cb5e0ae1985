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
from tests.helpers import deep_merge

_SAMPLE_RUNS = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """The step notebooks run by nbval with their defaults each need the sample with the
    steps before them run: they share those runs through a folder of this session
    (:mod:`kamlib.sample_runs`), made here and removed when the session ends, so nothing kept
    outlives the code under test. A folder the caller set is left to the caller."""
    if not os.environ.get(CACHE_ENV):
        folder = tempfile.mkdtemp(prefix="kam-sample-runs-")
        os.environ[CACHE_ENV] = folder
        config.stash[_SAMPLE_RUNS] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_SAMPLE_RUNS, None)
    if folder:
        os.environ.pop(CACHE_ENV, None)
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
def demo_ru_steps(tmp_path_factory) -> Path:
    """A copy of demo_ru with steps 0–3 run in-process (no papermill), shared by the tests of
    steps 3 and 4; tests that change it work on their own copy."""
    from kamlib.cleanup import run_cleanup
    from kamlib.engagement import Engagement, copy_engagement
    from kamlib.profitability import run_profitability
    from kamlib.resources import samples_dir
    from kamlib.runner import run_intake
    from kamlib.selection import run_selection

    root = copy_engagement(samples_dir() / "demo_ru", tmp_path_factory.mktemp("demo") / "ru")
    eng = Engagement.open(root)
    run_intake(eng)
    run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
    run_profitability(root, eng.step_dir("02_profitability"))
    run_selection(root, eng.step_dir("03_key_client_profile"))
    return root


@pytest.fixture(scope="session")
def demo_ru_run(demo_ru_steps, tmp_path_factory) -> Path:
    """demo_ru with steps 0–4 run in-process and recorded in ``work/manifest.json`` as a
    finished run (what ``kam run`` leaves, minus the executed notebooks): the report's input.
    A copy of ``demo_ru_steps``; tests that change it work on their own copy."""
    import shutil

    from kamlib.engagement import Engagement
    from kamlib.runner import record_run
    from kamlib.sizing import run_sizing

    root = tmp_path_factory.mktemp("run") / "ru"
    shutil.copytree(demo_ru_steps, root)
    run_sizing(root, Engagement.open(root).step_dir("04_kam_team_sizing"))
    record_run(root)
    return root


@pytest.fixture(scope="session")
def training_runs(tmp_path_factory) -> dict[str, Path]:
    """Every training case copied to tmp and run through steps 0–4 in-process, once per
    session (read-only: the training-kit tests and the figure check share them)."""
    from kamlib.notebook.explore import demo_engagement

    base = tmp_path_factory.mktemp("training")
    return {lesson: demo_engagement(f"training_{lesson}", into=base / lesson)
            for lesson in ("vip", "top3", "holding", "single_contact", "overstaffed",
                           "capstone", "channels", "teams")}
