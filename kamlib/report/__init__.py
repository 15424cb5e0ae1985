"""The deliverable: the audit report in Russian or English — HTML, PDF, Excel, PowerPoint —
and the working papers.

One :class:`~kamlib.report.model.ReportModel` is built from a finished run's artefacts
(:func:`build_model`; never from re-computation) and laid out by the renderers:

- :func:`~kamlib.report.html.write_html` — a single self-contained HTML file;
- :func:`~kamlib.report.html.write_pdf` — the same page printed by WeasyPrint;
- :func:`~kamlib.report.xlsx.write_xlsx` — one sheet per table, for checking the numbers;
- :func:`~kamlib.report.pptx.write_pptx` — a deck with native, editable charts;
- :func:`~kamlib.report.papers.export_working_papers` — the executed notebooks as HTML.

:func:`build_report` does all of it for an engagement (``kam report DIR``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..engagement import Engagement
from ..errors import ConfigError, KamError
from ..i18n import LANGUAGES, Formatter, Strings, load_strings
from ..io import atomic_write_bytes, atomic_write_json
from .build import build_model, check_run, load_artefacts
from .model import ReportModel

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Formatter",
    "ReportModel",
    "Strings",
    "build_model",
    "build_report",
    "check_run",
    "load_strings",
    "report_paths",
]

FORMATS = ("html", "pdf", "xlsx", "pptx")
_STEM = {"ru": "audit_report", "en": "audit_report"}


def report_paths(engagement_dir: str | Path, language: str) -> dict[str, Path]:
    """Where the deliverables of one language go: ``reports/audit_report_<lang>.<ext>``."""
    reports = Engagement.open(engagement_dir).reports
    return {fmt: reports / f"{_STEM[language]}_{language}.{fmt}" for fmt in FORMATS}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_report(
    engagement_dir: str | Path,
    *,
    languages: Iterable[str] | None = None,
    formats: Iterable[str] | None = None,
    papers: bool = True,
    on_progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Render the deliverables of a finished run into ``<engagement>/reports/``.

    Parameters
    ----------
    engagement_dir : path
        The engagement (after ``kam run``).
    languages : iterable of {"ru", "en"}, optional
        Default: ``report.language`` of ``engagement.yaml``.
    formats : iterable of {"html", "pdf", "xlsx", "pptx"}, optional
        Default: ``report.formats``.
    papers : bool
        Also export the executed notebooks as working papers (``reports/working_papers/``).
    on_progress : callable, optional
        Receives a line per file written.

    Returns
    -------
    dict
        ``files`` (language → format → path), ``warnings`` (e.g. PDF not produced and why),
        ``papers`` (paths); also written to ``reports/report_manifest.json``.

    Raises
    ------
    ReportError
        The run failed, is partial or stale: no report is written.
    ConfigError
        Unknown language or format.
    """
    eng = Engagement.open(engagement_dir)
    cfg = eng.config.report
    langs = list(languages) if languages else [cfg.language]
    fmts = list(formats) if formats else list(cfg.formats)
    for lang in langs:
        if lang not in LANGUAGES:
            raise ConfigError(f"report language '{lang}' is not supported", value=lang,
                              hint=f"use one of {', '.join(LANGUAGES)}")
    for fmt in fmts:
        if fmt not in FORMATS:
            raise ConfigError(f"report format '{fmt}' is not supported", value=fmt,
                              hint=f"use some of {', '.join(FORMATS)}")
    say = on_progress or (lambda _m: None)
    art = load_artefacts(eng.root)  # refuses a failed, partial or stale run
    files: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    for lang in langs:
        model = build_model(eng.root, lang, artefacts=art)
        paths = report_paths(eng.root, lang)
        files[lang] = {}
        html_text: str | None = None
        for fmt in fmts:
            path = paths[fmt]
            if fmt in ("html", "pdf"):
                from .html import render_html

                if html_text is None:
                    html_text = render_html(model)
                if fmt == "html":
                    atomic_write_bytes(path, html_text.encode("utf-8"))
                else:
                    from .html import PdfUnavailable, write_pdf

                    try:
                        write_pdf(html_text, path)
                    except PdfUnavailable as exc:
                        warnings.append(f"PDF ({lang}) not produced: {exc}")
                        say(f"  PDF ({lang}) not produced: {exc.message}")
                        continue
            elif fmt == "xlsx":
                from .xlsx import write_xlsx

                write_xlsx(model, path)
            elif fmt == "pptx":
                from .pptx import write_pptx

                write_pptx(model, path)
            files[lang][fmt] = str(path.relative_to(eng.root))
            say(f"  {path.relative_to(eng.root)}")
    paper_paths: list[str] = []
    if papers:
        from .papers import export_working_papers

        try:
            out = export_working_papers(eng.root, eng.reports / "working_papers",
                                        language=langs[0])
        except KamError as exc:
            warnings.append(f"working papers not produced: {exc.message}")
        else:
            paper_paths = [str(p.relative_to(eng.root)) for p in out]
            say(f"  reports/working_papers/ ({len(paper_paths)} files)")
    record = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_started": art.manifest.get("run_started"),
        "files": files,
        "sha256": {rel: _sha(eng.root / rel) for per in files.values() for rel in per.values()},
        "papers": paper_paths,
        "warnings": warnings,
    }
    manifest_path = eng.reports / "report_manifest.json"
    previous: dict[str, Any] = {}
    if manifest_path.exists():
        import json

        try:
            previous = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError:
            previous = {}
    merged_files = {**previous.get("files", {}), **files}
    atomic_write_json(manifest_path, {**record, "files": merged_files,
                                      "sha256": {**previous.get("sha256", {}),
                                                 **record["sha256"]}})
    return record
