"""Kernels started one step ahead (kamlib.kernels): the notebook's imports found, the
namespace clean, the working folder the engagement's, nothing left running."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from kamlib.kernels import KernelPool, notebook_imports, shutdown


def _notebook(path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
              "source": src} for src in sources]
    cells.insert(1, {"cell_type": "markdown", "metadata": {}, "source": "import not_me"})
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")
    return path


def test_notebook_imports_lists_top_level_imports_in_order(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "n.ipynb",
                   "%matplotlib inline\nimport colorsys, json as js\nfrom kamlib import plots\n",
                   "from kamlib.runner import notebook_context\nfrom . import rel\n"
                   "def f():\n    import inside_a_function\n",
                   "this is not python (\n",
                   "import colorsys\n")
    assert notebook_imports(nb) == ["colorsys", "json", "kamlib", "kamlib.plots",
                                    "kamlib.runner", "kamlib.runner.notebook_context"]


def _ask(km, code: str) -> dict:
    """Run ``code`` in the kernel of ``km``; the JSON it prints."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        out: list[str] = []
        kc.execute_interactive(code, timeout=120, output_hook=lambda m: out.append(
            m["content"].get("text", "")) if m["msg_type"] == "stream" else None)
    finally:
        kc.stop_channels()
    return json.loads("".join(out))


def _modules_seen(kernels) -> list[list[bool]]:
    """For each kernel (shut down after): are colorsys and wave imported in it."""
    seen = []
    for km in kernels:
        try:
            seen.append(_ask(km, "import json, sys\nprint(json.dumps([m in sys.modules "
                                 "for m in ('colorsys', 'wave')]))"))
        finally:
            shutdown(km)
    return seen


def test_a_warm_kernel_has_the_modules_but_no_names(tmp_path: Path) -> None:
    nb = _notebook(tmp_path / "n.ipynb", "import colorsys\nfrom email import quoprimime\n"
                   "import no_such_module_anywhere\n")
    cwd = tmp_path / "engagement"
    cwd.mkdir()
    pool = KernelPool(cwd, enabled=True)
    pool.prepare(nb)
    km = pool.take()
    assert km is not None and pool.take() is None
    try:
        seen = _ask(km, "import json, os, sys\nprint(json.dumps({'cwd': os.getcwd(), "
                        "'mods': [m in sys.modules for m in ('colorsys', 'email.quoprimime')],"
                        " 'names': [n for n in ('colorsys', 'quoprimime', '__kam_warm_up') "
                        "if n in globals()]}))")
    finally:
        shutdown(km)
    assert seen == {"cwd": str(cwd), "mods": [True, True], "names": []}
    assert not km.is_alive()


def test_turned_off_or_closed_leaves_no_kernel(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    nb = _notebook(tmp_path / "n.ipynb", "import json\n")
    monkeypatch.setenv("KAM_WARM_KERNELS", "0")
    off = KernelPool(tmp_path)
    off.prepare(nb)
    assert off.take() is None
    monkeypatch.delenv("KAM_WARM_KERNELS")
    pool = KernelPool(tmp_path)
    pool.prepare(nb)
    assert pool.waiting == 1
    km = pool._waiting[0][0]
    pool.close()
    assert not km.is_alive() and pool.take() is None and pool.waiting == 0


def test_kernels_are_taken_in_the_order_they_were_prepared(tmp_path: Path) -> None:
    first = _notebook(tmp_path / "a.ipynb", "import colorsys\n")
    second = _notebook(tmp_path / "b.ipynb", "import wave\n")
    third = _notebook(tmp_path / "c.ipynb", "import json\n")
    pool = KernelPool(tmp_path, enabled=True, ahead=2)
    pool.prepare(first)
    pool.prepare(second)
    pool.prepare(third)                 # two already waiting: not started
    assert pool.waiting == 2
    try:
        assert _modules_seen([pool.take(), pool.take()]) == [[True, False], [False, True]]
        assert pool.take() is None
    finally:
        pool.close()


def test_closing_does_not_wait_for_the_imports(tmp_path: Path) -> None:
    """A run with every step up to date closes its pool at once: the kernels' imports are
    not waited for (a module that takes a minute to import stands for the stack)."""
    (tmp_path / "kam_slow_module.py").write_text("import time\ntime.sleep(60)\n")
    nb = _notebook(tmp_path / "n.ipynb", "import kam_slow_module\n")
    pool = KernelPool(tmp_path, enabled=True)
    pool.prepare(nb)
    km, warming = pool._waiting[0]
    time.sleep(3)                       # the kernel is up, importing
    start = time.monotonic()
    pool.close()
    assert time.monotonic() - start < 10
    assert not km.is_alive() and not warming.is_alive()


def test_a_kernel_launched_before_the_step_is_known_takes_its_imports(tmp_path: Path) -> None:
    """``launch`` starts a kernel for whichever step runs first; the first ``prepare``
    gives it that step's imports (no second kernel), the next one starts its own."""
    first = _notebook(tmp_path / "a.ipynb", "import colorsys\n")
    second = _notebook(tmp_path / "b.ipynb", "import wave\n")
    pool = KernelPool(tmp_path, enabled=True, ahead=2)
    pool.launch()
    pool.launch()                        # one spare at a time
    spare = pool._spare[0]
    assert pool.waiting == 0
    pool.prepare(first)
    pool.prepare(second)
    assert pool.waiting == 2 and pool._spare is None
    try:
        taken = pool.take()
        assert taken is spare
        assert _modules_seen([taken, pool.take()]) == [[True, False], [False, True]]
    finally:
        pool.close()


def test_a_launched_kernel_no_step_needs_is_stopped_at_once(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """Every step up to date: the spare kernel is shut down without waiting for it, and
    its thread ends; turned off, nothing starts."""
    pool = KernelPool(tmp_path, enabled=True)
    pool.launch()
    km, warming, _orders = pool._spare
    start = time.monotonic()
    pool.close()
    assert time.monotonic() - start < 10
    assert not km.is_alive() and not warming.is_alive() and pool._spare is None
    monkeypatch.setenv("KAM_WARM_KERNELS", "0")
    off = KernelPool(tmp_path)
    off.launch()
    assert off._spare is None and off.waiting == 0


def test_a_launched_kernel_carries_the_run_token_and_another_environment_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The kernel started before the run took the engagement's lock has the run's token
    (``launch(env=...)``); when the environment at ``prepare`` is not the one it was started
    with (another token), it is stopped and the step gets a kernel started now."""
    from kamlib.kernels import RUN_TOKEN_ENV

    _TOKEN_CODE = f"import json, os\nprint(json.dumps(os.environ.get('{RUN_TOKEN_ENV}')))"
    nb = _notebook(tmp_path / "n.ipynb", "import colorsys\n")
    monkeypatch.delenv(RUN_TOKEN_ENV, raising=False)
    pool = KernelPool(tmp_path, enabled=True)
    pool.launch(env={RUN_TOKEN_ENV: "t1"})
    spare = pool._spare[0]
    monkeypatch.setenv(RUN_TOKEN_ENV, "t1")        # the lock taken with the same token
    pool.prepare(nb)
    km = pool.take()
    try:
        assert km is spare
        assert _ask(km, _TOKEN_CODE) == "t1"
    finally:
        shutdown(km)
    pool.launch(env={RUN_TOKEN_ENV: "t2"})
    other = pool._spare[0]
    pool.prepare(nb)                               # this process has t1: not that kernel
    km = pool.take()
    try:
        assert km is not other and not other.is_alive()
        assert _ask(km, _TOKEN_CODE) == "t1"
    finally:
        shutdown(km)
        pool.close()


def test_a_variable_gained_since_the_launch_does_not_discard_the_kernel(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Libraries set variables at import (polars: ``_RJEM_MALLOC_CONF``) after the kernel was
    launched: the kernel is still used; a variable changed or removed since is not."""
    nb = _notebook(tmp_path / "n.ipynb", "import colorsys\n")
    monkeypatch.delenv("KAM_TEST_GAINED", raising=False)
    monkeypatch.setenv("KAM_TEST_KEPT", "1")
    pool = KernelPool(tmp_path, enabled=True)
    pool.launch()
    spare = pool._spare[0]
    monkeypatch.setenv("KAM_TEST_GAINED", "x")
    pool.prepare(nb)
    assert pool._waiting[0][0] is spare
    pool.close()
    pool.launch()
    spare = pool._spare[0]
    monkeypatch.delenv("KAM_TEST_KEPT")
    pool.prepare(nb)
    try:
        assert pool._waiting[0][0] is not spare and not spare.is_alive()
    finally:
        pool.close()
