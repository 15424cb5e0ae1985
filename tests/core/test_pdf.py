"""The PDF printed by a child process (kamlib.pdf.PdfJob): the file, or a clear error when
WeasyPrint cannot print here, and the report's other deliverables still shipped."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kamlib.errors import KamError
from kamlib.pdf import PdfJob, PdfUnavailable


@pytest.fixture(autouse=True)
def _no_child_left() -> Iterator[None]:
    yield
    from kamlib import pdf

    pdf._drop_warm()


PAGE = "<html><body><h1>Отчёт</h1><p>12,3 млн ₽</p></body></html>"


def test_the_child_prints_the_page(tmp_path: Path) -> None:
    out = tmp_path / "r.pdf"
    job = PdfJob(PAGE, out)
    assert job.wait() == out
    assert out.read_bytes().startswith(b"%PDF")
    assert not job._page.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]


def test_a_child_started_ahead_prints_the_next_page(tmp_path: Path) -> None:
    from kamlib import pdf

    pdf.warm_up()
    warm = pdf._warm[0]
    out = tmp_path / "r.pdf"
    job = PdfJob(PAGE, out)
    assert job._proc is warm and pdf._warm is None
    assert job.wait() == out
    assert out.read_bytes().startswith(b"%PDF")
    assert warm.returncode == 0 and not job._page.exists()


def test_a_child_started_ahead_and_not_used_ends_without_output() -> None:
    from kamlib import pdf

    pdf.warm_up()
    proc = pdf._warm[0]
    pdf.warm_up()  # one is waiting already
    assert pdf._warm[0] is proc
    assert proc.stdin is not None
    proc.stdin.close()  # what the child sees when this process ends
    assert proc.stdout is not None
    out = proc.stdout.read()
    assert (proc.wait(timeout=60), out) == (0, b"")
    pdf._drop_warm()
    assert pdf._warm is None


def _fake_weasyprint(folder: Path, body: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ``weasyprint`` module first on the child's path (the child inherits the env)."""
    folder.mkdir()
    (folder / "weasyprint.py").write_text(body, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(folder))


def test_missing_pango_in_the_child_is_pdf_unavailable(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_weasyprint(tmp_path / "fake", "raise OSError(\"cannot load library "
                     "'libpango-1.0-0': libpango-1.0-0: cannot open shared object file\")\n",
                     monkeypatch)
    out = tmp_path / "r.pdf"
    with pytest.raises(PdfUnavailable) as err:
        PdfJob(PAGE, out).wait()
    assert "libpango-1.0-0" in err.value.message
    assert "apt-get install libpango-1.0-0" in err.value.hint
    assert not out.exists()


def test_missing_weasyprint_in_a_child_started_ahead_is_pdf_unavailable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kamlib import pdf

    _fake_weasyprint(tmp_path / "fake", "raise ImportError(\"No module named 'cairo'\")\n",
                     monkeypatch)
    pdf.warm_up()
    warm = pdf._warm[0]
    job = PdfJob(PAGE, tmp_path / "r.pdf")
    assert job._proc is warm
    with pytest.raises(PdfUnavailable, match="No module named 'cairo'"):
        job.wait()


def test_a_child_started_ahead_in_another_environment_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kamlib import pdf

    pdf.warm_up()
    warm = pdf._warm[0]
    _fake_weasyprint(tmp_path / "fake", "raise ImportError(\"No module named 'cairo'\")\n",
                     monkeypatch)
    job = PdfJob(PAGE, tmp_path / "r.pdf")
    assert job._proc is not warm and warm.poll() is not None
    with pytest.raises(PdfUnavailable, match="No module named 'cairo'"):
        job.wait()


def test_a_printer_crash_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_weasyprint(tmp_path / "fake", "import types\nurls = types.SimpleNamespace("
                     "default_url_fetcher=None)\nclass HTML:\n    def __init__(self, **kw):\n"
                     "        pass\n    def write_pdf(self):\n"
                     "        raise RuntimeError('table too wide to lay out')\n", monkeypatch)
    out = tmp_path / "r.pdf"
    with pytest.raises(KamError) as err:
        PdfJob(PAGE, out).wait()
    assert not isinstance(err.value, PdfUnavailable)
    assert "r.pdf" in err.value.message and "table too wide to lay out" in err.value.message
    assert "HTML report" in err.value.hint
    assert not out.exists()


def test_the_report_ships_without_a_pdf_that_cannot_be_made(
        demo_ru_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kamlib.report import build_report

    root = tmp_path / "eng"
    shutil.copytree(demo_ru_run, root, ignore=shutil.ignore_patterns("reports"))
    _fake_weasyprint(tmp_path / "fake", "raise ImportError(\"No module named 'cairo'\")\n",
                     monkeypatch)
    record = build_report(root, formats=["html", "pdf", "xlsx"], papers=False)
    [warning] = record["warnings"]
    assert warning.startswith(
        "PDF (ru) not produced: the PDF report needs the Python package WeasyPrint, which "
        "is not installed (No module named 'cairo')")
    assert "pip install weasyprint" in warning
    assert set(record["files"]["ru"]) == {"html", "xlsx", "account_plans"}
    assert not (root / "reports" / "audit_report_ru.pdf").exists()
    saved = json.loads((root / "reports" / "report_manifest.json").read_text("utf-8"))
    assert saved["warnings"] == record["warnings"]
