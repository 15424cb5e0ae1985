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
        seen = []
        for _ in range(2):
            km = pool.take()
            try:
                seen.append(_ask(km, "import json, sys\nprint(json.dumps([m in sys.modules "
                                     "for m in ('colorsys', 'wave')]))"))
            finally:
                shutdown(km)
        assert seen == [[True, False], [False, True]]
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
