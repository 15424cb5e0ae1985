"""The deliverable: the audit report in Russian or English — HTML, PDF, Excel, PowerPoint —
and the working papers.

One :class:`~kamlib.report.model.ReportModel` is built from a finished run's artefacts
(:func:`build_model`; never from re-computation) and laid out by the renderers:

- :func:`~kamlib.report.html.write_html` — a single self-contained HTML file;
- :func:`~kamlib.report.html.write_pdf` — the same page printed by WeasyPrint;
- :func:`~kamlib.report.xlsx.write_xlsx` — one sheet per table, for checking the numbers;
- :func:`~kamlib.report.pptx.write_pptx` — a deck with native, editable charts;
- :func:`~kamlib.report.papers.export_working_papers` — the executed notebooks as HTML;
- :func:`kamlib.kit.write_account_plans` — the key clients' pre-filled account plans
  (``account_plans_<lang>.xlsx``), rendered and swapped in with the rest of the set.

:func:`build_report` does all of it for an engagement (``kam report DIR``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..engagement import Engagement
from ..errors import ConfigError, KamError
from ..guard import (
    check_finished,
    check_inputs,
    checkpoint,
    disk_full,
    engagement_lock,
    staged_reports,
    tree_hashes,
)
from ..i18n import LANGUAGES, Formatter, Strings, load_strings
from ..io import atomic_write_bytes, atomic_write_json
from .build import build_model, check_run, load_artefacts
from .model import ReportModel

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "PLANS",
    "Formatter",
    "ReportModel",
    "Strings",
    "build_model",
    "build_report",
    "check_run",
    "load_strings",
    "plans_path",
    "report_manifest",
    "report_paths",
]

FORMATS = ("html", "pdf", "xlsx", "pptx")
#: the key of the account plans in the report manifest's ``files`` (beside the formats)
PLANS = "account_plans"
_STEM = {"ru": "audit_report", "en": "audit_report"}
_MANIFEST = "report_manifest.json"
_PAPERS = "working_papers"


def report_paths(engagement_dir: str | Path, language: str) -> dict[str, Path]:
    """Where the deliverables of one language go: ``reports/audit_report_<lang>.<ext>``."""
    reports = Engagement.open(engagement_dir).reports
    return {fmt: reports / f"{_STEM[language]}_{language}.{fmt}" for fmt in FORMATS}


def build_report(
    engagement_dir: str | Path,
    *,
    languages: Iterable[str] | None = None,
    formats: Iterable[str] | None = None,
    papers: bool = True,
    on_progress: Callable[[str], None] | None = None,
    models: Mapping[str, ReportModel] | None = None,
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
    models : mapping of language to ReportModel, optional
        Models already built by :func:`build_model` for this run (the report notebook builds
        one to show it): used instead of building them again. A model of another run (its
        ``provenance.run_started`` differs from the run's) is ignored and built afresh.

    Returns
    -------
    dict
        ``files`` (language → format → path), ``warnings`` (e.g. PDF not produced and why),
        ``papers`` (paths); also written to ``reports/report_manifest.json``.

    Raises
    ------
    ReportError
        The run failed, is partial or stale: no report is written.
    RunInterruptedError
        The last run started and never finished (killed).
    InputsChangedError
        A file in ``raw/`` changed, appeared or disappeared since the intake.
    EngagementBusyError
        Another ``kam run`` or ``kam report`` is running on the engagement.
    KamError
        The disk is full; ``reports/`` is left as it was.
    ConfigError
        Unknown language or format.

    Notes
    -----
    The whole set (the deliverables of every language, the working papers and
    ``report_manifest.json`` with the SHA-256 of every file, the run it comes from and the
    inputs' hashes) is rendered into a staging folder and swapped in at once: at any instant
    ``reports/`` holds either the previous complete set or the new one. Deliverables not
    rendered now (another language or format) are carried over only when they come from the
    same run; a set never mixes runs.
    """
    eng = Engagement.open(engagement_dir)
    cfg = eng.config.report
    langs: list[str] = list(languages) if languages else [cfg.language]
    fmts: list[str] = list(formats) if formats else list(cfg.formats)
    for lang in langs:
        if lang not in LANGUAGES:
            raise ConfigError(f"report language '{lang}' is not supported", value=lang,
                              hint=f"use one of {', '.join(LANGUAGES)}")
    for fmt in fmts:
        if fmt not in FORMATS:
            raise ConfigError(f"report format '{fmt}' is not supported", value=fmt,
                              hint=f"use some of {', '.join(FORMATS)}")
    say = on_progress or (lambda _m: None)
    with engagement_lock(eng.work, f"kam report {eng.root}", on_note=say):
        manifest = eng.manifest()
        check_finished(manifest, eng.root, before="a report")
        check_inputs(manifest, eng.root, before="a report")
        art = load_artefacts(eng.root)  # refuses a failed, partial or stale run
        try:
            started = art.manifest.get("run_started")
            built = {lang: m for lang, m in (models or {}).items()
                     if m.provenance.run_started == started and m.language == lang}
            return _render_all(eng, art, langs, fmts, papers, say, built)
        except OSError as exc:
            full = disk_full(exc, eng.reports)
            if full is None:
                raise
            raise full from None


def _render_all(eng: Engagement, art: Any, langs: list[str], fmts: list[str], papers: bool,
                say: Callable[[str], None],
                built: Mapping[str, ReportModel] | None = None) -> dict[str, Any]:
    """Render the deliverables into a staging copy of ``reports/`` and swap the whole set in
    with its manifest (:func:`kamlib.guard.staged_reports`): an interrupted or failed render
    leaves the previous set as it was."""
    previous = report_manifest(eng.root)
    # what is carried over from the current set: only what comes from the same run (a set
    # never mixes runs), and not what is rendered now
    same_run = bool(previous.get("run_started")) and \
        previous.get("run_started") == art.manifest.get("run_started")
    rendered = {report_paths(eng.root, lang)[fmt].name for lang in langs for fmt in fmts} \
        | {plans_path(eng.root, lang).name for lang in langs}

    def keep(rel: Path) -> bool:
        top = rel.parts[0]
        return same_run and not (top in rendered or top == _MANIFEST or top.startswith(".")
                                 or (papers and top == _PAPERS))

    with staged_reports(eng.root, keep=keep) as stage:
        files: dict[str, dict[str, str]] = {}
        for lang, per in (previous.get("files") or {}).items() if same_run else ():
            carried = {fmt: rel for fmt, rel in per.items()
                       if Path(rel).name not in rendered and (stage / Path(rel).name).exists()}
            if carried:
                files[lang] = carried
        warnings: list[str] = []
        from ..kit import load_account_plans

        plans = load_account_plans(eng.root)   # the same facts in every language
        pdfs: list[Any] = []
        paper_paths: list[str] = []
        try:
            for lang in langs:
                if "pdf" in fmts:  # (a no-op when one is waiting, e.g. the notebook's)
                    from ..pdf import warm_up

                    warm_up()  # WeasyPrint imported on the other core while the model is built
                files[lang] = {**files.get(lang, {}),
                               **_render_language(eng, art, lang, fmts, stage, say, plans,
                                                  pdfs, (built or {}).get(lang))}
                checkpoint("report:render")
            _papers_into(eng, stage, langs[0], papers, previous, same_run, warnings, say,
                         paper_paths)
            _wait_pdfs(eng, pdfs, files, warnings, say)
        finally:
            for _lang, _final, job in pdfs:
                job.cancel()
        record = {
            "generated": datetime.now(UTC).isoformat(timespec="seconds"),
            "run_started": art.manifest.get("run_started"),
            "run": {k: art.manifest.get(k) for k in ("run_started", "run_finished",
                                                     "run_command", "status")},
            "inputs": art.manifest.get("raw_snapshot") or {
                f.get("file"): f.get("sha256") for f in
                (art.manifest.get("inputs") or {}).get("files", [])},
            "files": files,
            "sha256": tree_hashes(stage, "reports"),
            "papers": paper_paths,
            "warnings": warnings,
        }
        atomic_write_json(stage / _MANIFEST, record)
    return record


def _papers_into(eng: Engagement, stage: Path, lang: str, papers: bool,
                 previous: dict[str, Any], same_run: bool, warnings: list[str],
                 say: Callable[[str], None], paths: list[str]) -> None:
    """The working papers into ``stage`` (when ``papers``), or the previous set's list when
    it comes from the same run; their paths are appended to ``paths``."""
    if not papers:
        paths.extend(list(previous.get("papers", [])) if same_run else [])
        return
    from .papers import export_working_papers

    try:
        out = export_working_papers(eng.root, stage / _PAPERS, language=lang,
                                    reuse=eng.reports / _PAPERS)
    except KamError as exc:
        warnings.append(f"working papers not produced: {exc.message}")
        return
    paths.extend(f"reports/{p.relative_to(stage).as_posix()}" for p in out)
    say(f"  reports/{_PAPERS}/ ({len(paths)} files)")


def _wait_pdfs(eng: Engagement, pdfs: list[Any], files: dict[str, dict[str, str]],
               warnings: list[str], say: Callable[[str], None]) -> None:
    """Wait for the PDFs printed by child processes; a PDF that cannot be made here
    (WeasyPrint or Pango missing) is a warning, the other deliverables still ship."""
    from ..pdf import PdfUnavailable

    for lang, final, job in pdfs:
        try:
            job.wait()
        except PdfUnavailable as exc:
            warnings.append(f"PDF ({lang}) not produced: {exc}")
            say(f"  PDF ({lang}) not produced: {exc.message}")
            continue
        per = {**files.get(lang, {}), "pdf": str(final.relative_to(eng.root))}
        order = [*FORMATS, PLANS]
        files[lang] = dict(sorted(per.items(),
                                  key=lambda kv: order.index(kv[0]) if kv[0] in order else 99))
        say(f"  {final.relative_to(eng.root)}")


def report_manifest(engagement_dir: str | Path) -> dict[str, Any]:
    """The record of the deliverables in ``reports/`` (``report_manifest.json``: ``files`` by
    language and format, the run they come from, ``papers``, ``warnings``); empty when there
    is none or it cannot be read."""
    path = Path(engagement_dir) / "reports" / _MANIFEST
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _render_language(eng: Engagement, art: Any, lang: str, fmts: list[str], stage: Path,
                     say: Callable[[str], None], plans: Any, pdfs: list[Any],
                     model: ReportModel | None = None) -> dict[str, str]:
    """One language's deliverables, written into ``stage``; returns format → the path the
    file will have once swapped in (relative to the engagement). The PDF is started as a
    child process (:class:`kamlib.pdf.PdfJob`) appended to ``pdfs``; the caller waits."""
    if model is None:
        model = build_model(eng.root, lang, artefacts=art)
    out: dict[str, str] = {}
    html_text: str | None = None
    for fmt in fmts:
        final = report_paths(eng.root, lang)[fmt]
        path = stage / final.name
        if fmt in ("html", "pdf"):
            from .html import render_html

            if html_text is None:
                html_text = render_html(model)
            if fmt == "html":
                atomic_write_bytes(path, html_text.encode("utf-8"))
            else:  # printed by a child process while the rest is rendered
                from ..pdf import PdfJob

                pdfs.append((lang, final, PdfJob(html_text, path)))
                continue
        elif fmt == "xlsx":
            from .xlsx import write_xlsx

            write_xlsx(model, path)
        elif fmt == "pptx":
            from .pptx import write_pptx

            write_pptx(model, path)
        out[fmt] = str(final.relative_to(eng.root))
        say(f"  {final.relative_to(eng.root)}")
    written = _write_plans(eng, lang, stage, plans)
    if written is not None:
        out[PLANS] = str(written.relative_to(eng.root))
        say(f"  {written.relative_to(eng.root)}")
    return out


def plans_path(engagement_dir: str | Path, language: str) -> Path:
    """Where the pre-filled account plans of one language go:
    ``reports/account_plans_<lang>.xlsx``."""
    return Engagement.open(engagement_dir).reports / f"account_plans_{language}.xlsx"


def _write_plans(eng: Engagement, lang: str, stage: Path, plans: Any) -> Path | None:
    """The account plans of the key clients (:mod:`kamlib.kit`), beside the report; None when
    step 3 chose no key client."""
    from ..kit import write_account_plans

    if plans.facts.empty:
        return None
    final = plans_path(eng.root, lang)
    write_account_plans(plans, stage / final.name, lang)
    return final
