"""The demo's report, rendered once for the session: the story and figure-check tests read
the same deliverables (demo_ru in ru and en; HTML, PDF, XLSX, PPTX) and the same figure
check of them. Read-only: a test that plants a defect works on a copy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kamlib.report import build_model
from kamlib.report.build import load_artefacts
from kamlib.report.figcheck import check_deliverables
from kamlib.report.html import write_html, write_pdf
from kamlib.report.pptx import write_pptx
from kamlib.report.xlsx import write_xlsx
from tests.helpers import built_once

LANGS = ("ru", "en")


@pytest.fixture(scope="session")
def demo_ru_artefacts(demo_ru_run: Path) -> Any:
    """The artefacts of the demo run (:func:`kamlib.report.build.load_artefacts`)."""
    return load_artefacts(demo_ru_run)


@pytest.fixture(scope="session")
def demo_ru_models(demo_ru_run: Path, demo_ru_artefacts: Any) -> dict[str, Any]:
    """The demo's report model in each language."""
    return {lang: build_model(demo_ru_run, lang, artefacts=demo_ru_artefacts) for lang in LANGS}


@pytest.fixture(scope="session")
def demo_ru_deliverables(demo_ru_models: dict[str, Any]) -> dict[str, dict[str, Path]]:
    """Every deliverable of the demo in each language: ``{lang: {format: path}}`` (rendered
    once for the session, its worker processes included)."""
    writers = {"html": write_html, "pdf": write_pdf, "pptx": write_pptx, "xlsx": write_xlsx}

    def build(out: Path) -> None:
        out.mkdir()
        for lang, m in demo_ru_models.items():
            for fmt, write in writers.items():
                write(m, out / f"r_{lang}.{fmt}")

    out = built_once("demo_ru_report", build)
    return {lang: {fmt: out / f"r_{lang}.{fmt}" for fmt in writers} for lang in LANGS}


@pytest.fixture(scope="session")
def demo_ru_checked(demo_ru_models: dict[str, Any], demo_ru_artefacts: Any,
                    demo_ru_deliverables: dict[str, dict[str, Path]]) -> dict[str, Any]:
    """The figure check of every deliverable of the demo, per language."""
    return {lang: check_deliverables(m, demo_ru_artefacts, demo_ru_deliverables[lang])
            for lang, m in demo_ru_models.items()}
