"""Presentation mode: presentation copies of the step notebooks, and Voilà serving them to a
real browser (headless Chromium through playwright) with the widgets answering."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import time
from pathlib import Path

import nbformat
import pytest

from kamlib.errors import ConfigError, KamError
from kamlib.notebook import present as present_mod
from kamlib.notebook.present import prepare_presentation, start_voila, stop_voila
from kamlib.resources import notebooks_dir
from kamlib.runner import STEPS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
HAVE_VOILA = importlib.util.find_spec("voila") is not None
HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None


def tree_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (to prove presenting leaves work/ alone)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def parameters_of(nb: nbformat.NotebookNode) -> dict:
    """The values the ``parameters`` cell sets, by running it."""
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    ns: dict = {}
    exec(cell.source, ns)  # the cell is plain assignments
    return {k: v for k, v in ns.items() if not k.startswith("__")}


# --------------------------------------------------------------------------- preparing


def copy_engagement_run(src: Path, dst: Path) -> Path:
    """A copy of a run engagement without its raw exports (the steps read work/)."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("raw"))
    return dst


def test_prepare_all_steps(demo_ru_run: Path, tmp_path: Path) -> None:
    eng = copy_engagement_run(demo_ru_run, tmp_path / "eng")  # steps 0–4, for all steps
    before = tree_hashes(eng / "work")
    out = prepare_presentation(eng, out_dir=tmp_path / "present")
    assert out == tmp_path / "present"
    root = str(eng.resolve())
    for step in STEPS:
        source = nbformat.read(notebooks_dir() / step.notebook, as_version=4)
        nb = nbformat.read(out / step.notebook, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code)
        assert "papermill" not in nb.metadata and nb.metadata["title"].startswith(step.key[:2])
        # every cell kept, in order, plus the setup cell; code changed only by the declared
        # language edits (kamlib.notebook.present_pages), markdown in the engagement's language
        from kamlib.notebook.present_pages import CELL_REPLACEMENTS, CODE_EDITS, SETUP_TAG

        kept = [c for c in nb.cells if SETUP_TAG not in c.metadata.get("tags", [])]
        assert [c.get("id") for c in kept] == [c.get("id") for c in source.cells]
        assert sum(SETUP_TAG in c.metadata.get("tags", []) for c in nb.cells) == 1
        for mine, theirs in zip(kept, source.cells, strict=True):
            if theirs.cell_type == "code" and "parameters" not in theirs.metadata.get("tags", []) \
                    and theirs.get("id") not in CODE_EDITS | CELL_REPLACEMENTS:
                assert mine.source == theirs.source
        p = parameters_of(nb)
        scratch = out / "_scratch" / step.key
        assert p["engagement_dir"] == root
        assert p["interactive"] is True
        assert p["step_dir"] == str(scratch) and scratch.is_dir()
        assert set(p) == set(parameters_of(source))  # nothing undeclared
    # the engagement's settings reach the notebooks, as kam run passes them
    p1 = parameters_of(nbformat.read(out / "01_client_base_cleanup.ipynb", as_version=4))
    assert p1["review_threshold"] == 85 and p1["auto_merge_threshold"] == 95
    p2 = parameters_of(nbformat.read(out / "02_profitability.ipynb", as_version=4))
    assert p2["cost_rates"]["delivery"] == 3000
    # step 00 reads the intake from its own folder: a copy, not work/00_intake
    assert (out / "_scratch" / "00_data_intake" / "intake_manifest.json").exists()
    assert (out / "_scratch" / "00_data_intake" / "sales.parquet").exists()
    assert tree_hashes(eng / "work") == before


def test_prepare_one_step_by_number_or_name(demo_ru_steps: Path, tmp_path: Path) -> None:
    a = prepare_presentation(demo_ru_steps, "02", out_dir=tmp_path / "a")
    b = prepare_presentation(demo_ru_steps, "profitability", out_dir=tmp_path / "b")
    assert a == tmp_path / "a" / "02_profitability.ipynb" and a.exists()
    assert b.name == a.name
    assert sorted(p.name for p in (tmp_path / "a").glob("*.ipynb")) == [a.name]
    with pytest.raises(ConfigError, match="unknown step"):
        prepare_presentation(demo_ru_steps, "07", out_dir=tmp_path / "c")


def test_prepare_needs_the_steps_before_it(make_engagement) -> None:
    root = make_engagement({})
    with pytest.raises(KamError, match="not been run") as exc:
        prepare_presentation(root, "01")
    assert exc.value.hint == f"run the audit first: kam run {root.resolve()}"
    assert "intake_manifest.json" in exc.value.message
    # intake and step 1 done: step 2 can be presented, step 3 cannot
    (root / "work" / "00_intake").mkdir(parents=True)
    (root / "work" / "00_intake" / "intake_manifest.json").write_text("{}")
    (root / "work" / "01_client_base_cleanup").mkdir()
    (root / "work" / "01_client_base_cleanup" / "summary.json").write_text("{}")
    assert prepare_presentation(root, "02").parent == root.resolve() / "present"
    with pytest.raises(KamError, match=r"02_profitability/summary\.json"):
        prepare_presentation(root, "03")


def test_parameters_keep_annotations_and_help() -> None:
    src = ("engagement_dir: str | None = None  # папка проекта; None = demo\n"
           "threshold: float = 85.0  # порог\n"
           "weights: dict = {}  # {} = engagement.yaml's\n")
    out = present_mod._set_parameters(src, {"engagement_dir": "/tmp/Проект «А»",
                                            "weights": {"a": 30.0}, "interactive": True})
    assert out.splitlines()[0] == \
        "engagement_dir: str | None = '/tmp/Проект «А»'  # папка проекта; None = demo"
    assert out.splitlines()[1] == "threshold: float = 85.0  # порог"
    assert out.splitlines()[2] == "weights: dict = {'a': 30.0}  # {} = engagement.yaml's"
    assert out.splitlines()[3] == "interactive = True"


def test_start_voila_without_voila_says_how_to_install(tmp_path: Path, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(present_mod.importlib.util, "find_spec",
                        lambda name, *a: None if name == "voila" else real(name, *a))
    nb = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), nb)
    with pytest.raises(KamError, match="Voilà is not installed") as exc:
        start_voila(nb)
    assert exc.value.hint == "pip install -e '.[training]'"


@pytest.mark.skipif(not HAVE_VOILA, reason="voila is not installed")
def test_start_voila_on_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    nb = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), nb)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(KamError, match=f"port {port} is already in use"):
            start_voila(nb, port=port)
    with pytest.raises(KamError, match="nothing to present"):
        start_voila(tmp_path / "missing.ipynb")


# --------------------------------------------------------------------------- serving

needs_voila = pytest.mark.skipif(not HAVE_VOILA, reason="voila is not installed "
                                 "(the optional 'training' extra)")


@needs_voila
def test_present_serves_until_ctrl_c(demo_ru_steps: Path, tmp_path: Path,
                                     monkeypatch) -> None:
    """present(): prepare, serve, and on Ctrl-C stop Voilà and return 0."""
    started = []
    real_start = present_mod.start_voila

    def start(*args, **kwargs):
        proc, url = real_start(*args, **kwargs)
        started.append(proc)
        monkeypatch.setattr(present_mod.time, "sleep", sleep)  # from now on
        return proc, url

    calls = {"n": 0}
    real_sleep = time.sleep

    def sleep(seconds: float) -> None:  # the first wait of present()'s loop: Ctrl-C
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyboardInterrupt
        real_sleep(seconds)

    eng = copy_engagement_run(demo_ru_steps, tmp_path / "eng")
    monkeypatch.setattr(present_mod, "start_voila", start)
    messages: list[str] = []
    try:
        code = present_mod.present(eng, "01", port=0, open_browser=False,
                                   on_progress=messages.append)
    finally:
        for proc in started:
            stop_voila(proc)
    assert code == 0
    assert len(started) == 1 and started[0].poll() is not None
    assert "http://127.0.0.1:" in messages[0] and "Ctrl-C" in messages[0]
    assert (eng / "present" / "01_client_base_cleanup.ipynb").exists()


@needs_voila
@pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no browser at {CHROMIUM}")
@pytest.mark.skipif(not HAVE_PLAYWRIGHT, reason="playwright is not installed")
def test_voila_page_widgets_answer_in_a_browser(demo_ru_steps: Path, tmp_path: Path) -> None:
    """Step 03 served by Voilà in headless Chromium: the notebook runs, no code is shown, the
    weight sliders render, moving one redraws the portfolio matrix; then Voilà stops with
    its kernel, and the audit's work/ is untouched (the step ran in the scratch folder)."""
    import psutil
    from playwright.sync_api import sync_playwright

    # presenting writes present/ (and refreshes review/): a copy
    eng = copy_engagement_run(demo_ru_steps, tmp_path / "eng")
    before = tree_hashes(eng / "work")
    page_path = prepare_presentation(eng, "03")
    proc, url = start_voila(page_path, port=0)
    kernels: list[psutil.Process] = []
    try:
        assert url.startswith("http://127.0.0.1:")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(url, timeout=180_000)
                # the notebook runs in the kernel first: generous wait for the widgets
                page.wait_for_selector(".widget-slider .noUi-handle", timeout=180_000)
                kernels = psutil.Process(proc.pid).children(recursive=True)
                assert kernels, "no kernel under Voilà"
                text = page.inner_text("body")
                # the narrative is there, the code is not
                # … in the engagement's language only (issue 21.1)
                assert "Профиль ключевого клиента" in text
                assert "Key client profile" not in text and "The portfolio matrix" not in text
                assert "Портфельная матрица" in text
                assert page.locator(".jp-CodeCell .jp-InputArea, .cm-editor, "
                                    ".jp-InputPrompt").count() == 0
                for code in ("notebook_context(", "from kamlib", "score_portfolio(",
                             "if interactive:"):
                    assert code not in text
                assert page.locator(".jp-OutputArea-output .jp-RenderedImage img, "
                                    ".jp-OutputArea-output img").count() >= 1
                img = ".widget-output img, .jupyter-widgets-output-area img"
                page.wait_for_selector(img, timeout=60_000)
                src0 = page.locator(img).first.get_attribute("src")
                readout = page.locator(".widget-slider .widget-readout").first
                value0 = float(readout.inner_text())
                page.locator(".widget-slider .noUi-handle").first.focus()
                for _ in range(3):
                    page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    "([sel, old]) => { const i = document.querySelector(sel);"
                    " return i !== null && i.src !== old; }", arg=[img, src0], timeout=60_000)
                assert float(readout.inner_text()) == value0 + 3
                src1 = page.locator(img).first.get_attribute("src")
                assert src1.startswith("data:image/png;base64,") and src1 != src0
                status = page.locator(".widget-html").all_inner_texts()
                assert any("обновлено за" in s or "updated in" in s for s in status)
            finally:
                browser.close()
    finally:
        code = stop_voila(proc)
    assert proc.poll() is not None and code is not None
    for k in kernels:  # the kernel went with the server
        assert not k.is_running() or k.status() == psutil.STATUS_ZOMBIE
    assert tree_hashes(eng / "work") == before
    scratch = eng / "present" / "_scratch" / "03_key_client_profile"
    assert json.loads((scratch / "summary.json").read_text(encoding="utf-8"))["key_clients"]
