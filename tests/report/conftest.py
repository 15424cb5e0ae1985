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
def demo_ru_deliverables(demo_ru_models: dict[str, Any],
                         tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Every deliverable of the demo in each language: ``{lang: {format: path}}``."""
    out = tmp_path_factory.mktemp("demo_ru_report")
    return {lang: {"html": write_html(m, out / f"r_{lang}.html"),
                   "pdf": write_pdf(m, out / f"r_{lang}.pdf"),
                   "pptx": write_pptx(m, out / f"r_{lang}.pptx"),
                   "xlsx": write_xlsx(m, out / f"r_{lang}.xlsx")}
            for lang, m in demo_ru_models.items()}


@pytest.fixture(scope="session")
def demo_ru_checked(demo_ru_models: dict[str, Any], demo_ru_artefacts: Any,
                    demo_ru_deliverables: dict[str, dict[str, Path]]) -> dict[str, Any]:
    """The figure check of every deliverable of the demo, per language."""
    return {lang: check_deliverables(m, demo_ru_artefacts, demo_ru_deliverables[lang])
            for lang, m in demo_ru_models.items()}
