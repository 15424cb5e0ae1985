"""The report as one self-contained HTML page, and as a PDF printed from it by WeasyPrint.

:func:`render_html` lays a :class:`~kamlib.report.model.ReportModel` out with the Jinja2
template ``templates/report/report.html.j2`` (autoescaped) and the stylesheet
``templates/report/report.css``, inlined. The page references nothing outside itself: charts
are ``data:`` URIs, the CSS is in a ``<style>`` element, fonts are the system's. The same
page prints to A4 (cover without a number, a table of contents with page numbers, "page X of
Y" in the margin, table headers repeated across pages), which is what :func:`write_pdf` does.
"""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pandas as pd

from ..errors import KamError
from ..i18n import Formatter, Strings
from ..io import atomic_write_bytes
from ..pdf import PdfUnavailable, print_pdf
from ..resources import templates_dir
from .model import Chart, Column, ReportModel, Table, is_missing
from .xlsx import sheet_names

__all__ = ["PdfUnavailable", "render_html", "write_html", "write_pdf"]

_NUMERIC_KINDS = {"money", "money_short", "int", "number", "pct"}
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Table widths on A4 (report.css): 176 mm between the margins; figures at 8.5 pt, or 7.5 pt
# in tables of more than _WIDE_COLUMNS columns; about 0.5 em a character (Liberation Sans).
_PAGE_WIDTH_MM = 176.0
#: a table too wide for the portrait page prints on a landscape page (report.css: @page wide)
_LANDSCAPE_WIDTH_MM = 263.0
_WIDE_COLUMNS = 6
_CHAR_MM = 0.5 * 8.5 * 0.3528
_CHAR_MM_WIDE = 0.5 * 7.5 * 0.3528
_CELL_PADDING_MM = 3.6


# --------------------------------------------------------------------------- helpers
def _fmt(fmt: Formatter, x: Any, kind: str) -> str:
    """``fmt.value`` with missing values (None, NaN, NaT, pd.NA) shown as a dash."""
    if is_missing(x):
        return "—"
    if isinstance(x, float) and not math.isfinite(x):
        return "—"
    return fmt.value(x, kind)


def _slug(key: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(key).lower()).strip("-") or "x"


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _css_string(text: str) -> str:
    """A CSS string literal for ``text`` (safe inside ``<style>``)."""
    out = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return '"' + out.replace("<", "\\3c ").replace(">", "\\3e ") + '"'


def _css_page_content(template: str) -> str:
    """``"Page {page} of {pages}"`` → ``"Page " counter(page) " of " counter(pages)``."""
    parts: list[str] = []
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece == "{page}":
            parts.append("counter(page)")
        elif piece == "{pages}":
            parts.append("counter(pages)")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts) or '""'


#: a text column whose shown cells average more characters than this holds prose (a reason, a
#: risk, a why); in a table of at least _PROSE_MIN_COLUMNS other columns it prints as a line
#: of its own under each row, across the table, instead of a column squeezed to a word a line
#: beside figures that never wrap (a 35-row table took nine pages that way)
_PROSE_CHARS = 40
_PROSE_MIN_COLUMNS = 4


def _prose_columns(cols: list[Column], texts: list[list[str]]) -> list[int]:
    """The positions of the prose columns of a table (see ``_PROSE_CHARS``), or none."""
    if not texts:
        return []
    prose = [i for i, c in enumerate(cols) if c.kind not in _NUMERIC_KINDS
             and sum(len(r[i]) for r in texts) / len(texts) > _PROSE_CHARS]
    return prose if len(cols) - len(prose) >= _PROSE_MIN_COLUMNS else []


def _is_code(text: str) -> bool:
    """A short token such as ``00-000476`` or an INN: kept on one line (no break at ``-``)."""
    return len(text) <= 16 and not any(ch.isspace() for ch in text)


def _estimate_mm(texts: list[str], label: str, numeric: bool, per_char: float) -> float:
    """A column's width on paper: figures never wrap, text wraps at about 18 characters."""
    words = [w for t in texts for w in t.split()] or [""]
    longest_word = min(max(len(w) for w in words), 18)
    if numeric:
        content = max((len(t) for t in texts), default=1)
    else:
        content = max(longest_word, min(max((len(t) for t in texts), default=1), 18))
    header = min(max((len(w) for w in label.split()), default=1), 12)
    return max(content, header) * per_char + _CELL_PADDING_MM


#: the widest digits among the fonts report.css names (DejaVu Sans: 0.636 em): a figure or a
#: code never wraps, so its column is never narrower than its longest text at this width
_NOWRAP_EM = 0.64
_TEXT_EM = 0.6
_PT_MM = 0.3528


def _column_widths(columns: list[Column], rows: list[list[str]], wide: bool,
                   width_mm: float) -> list[float] | None:
    """The columns' shares of the table's width (percent) for a fixed table layout, or None
    when the table is better left to the automatic layout (it would not fit).

    WeasyPrint's automatic layout measures every cell's shortest and longest line before
    it places a row (about 4 s of the 46-page report of the 250,000-line bench); a fixed
    layout takes the widths given here. Figures and codes (which never wrap) get their
    longest text at the widest digits of the fonts the CSS names; text columns what
    :func:`_estimate_mm` gives, and the room left over.
    """
    em_mm = (7.5 if wide else 8.5) * _PT_MM
    want: list[float] = []
    text_cols: list[int] = []
    for i, col in enumerate(columns):
        texts = [r[i] for r in rows]
        numeric = col.kind in _NUMERIC_KINDS
        nowrap = max((len(t) for t in texts if numeric or _is_code(t)), default=0)
        header = min(max((len(w) for w in col.label.split()), default=1), 10)
        need = max(nowrap * _NOWRAP_EM, header * _TEXT_EM) * em_mm + _CELL_PADDING_MM
        if not numeric:
            need = max(need, _estimate_mm(texts, col.label, False, _TEXT_EM * em_mm))
            text_cols.append(i)
        want.append(need)
    total = sum(want)
    if total > width_mm or total <= 0:
        return None
    grow = text_cols or list(range(len(columns)))
    extra = (width_mm - total) / sum(want[i] for i in grow)
    widths = [w * (1 + extra) if i in grow else w for i, w in enumerate(want)]
    return [round(100 * w / width_mm, 2) for w in widths]


def _fit_columns(columns: list[Column], rows: list[list[str]], wide: bool,
                 width_mm: float = _PAGE_WIDTH_MM) -> int:
    """How many leading columns fit ``width_mm`` (an A4 page's text width; at least one)."""
    per_char = _CHAR_MM_WIDE if wide else _CHAR_MM
    total = 0.0
    for i, col in enumerate(columns):
        total += _estimate_mm([r[i] for r in rows], col.label, col.kind in _NUMERIC_KINDS,
                              per_char)
        if total > width_mm:
            return max(1, i)
    return len(columns)


def _table_view(table: Table, fmt: Formatter, s: Strings, number: int,
                sheet: str) -> dict[str, Any]:
    """A table laid out for the page: its preview rows, the columns that fit, a note saying
    where the rest is (``sheet`` of the Excel workbook)."""
    total = len(table.data)
    shown = max(0, min(int(table.preview_rows), total))
    chosen = getattr(table, "print_columns", None)   # the model's choice for print, if any
    cols = list(table.columns)
    if chosen:
        cols = [c for c in cols if c.key in set(chosen)] or cols
    texts = []
    for rec in table.data.head(shown).itertuples(index=False, name=None):
        values = dict(zip(table.data.columns, rec, strict=False))
        texts.append([_fmt(fmt, values.get(c.key), c.kind) for c in cols])
    # prose columns print under their row (not in the width budget), the rest side by side
    prose = _prose_columns(cols, texts)
    prose_cols = [cols[i] for i in prose]
    prose_texts = [[r[i] for i in prose] for r in texts]
    cols = [c for i, c in enumerate(cols) if i not in prose]
    texts = [[t for i, t in enumerate(r) if i not in prose] for r in texts]
    wide = len(cols) > _WIDE_COLUMNS
    fit = _fit_columns(cols, texts, wide)
    # too wide for the portrait page: a landscape page of its own, cut only if still too wide
    landscape = fit < len(cols)
    if landscape:
        fit = _fit_columns(cols, texts, wide, _LANDSCAPE_WIDTH_MM)
    n_all = len(table.columns)
    cols, texts = cols[:fit], [r[:fit] for r in texts]
    widths = _column_widths(cols, texts, wide,
                            _LANDSCAPE_WIDTH_MM if landscape else _PAGE_WIDTH_MM)
    total_txt = fmt.integer(total)
    if total > shown:
        note = s.t("html.table.preview", shown=fmt.integer(shown), total=total_txt, sheet=sheet)
    elif total == 0:
        note = s.t("html.table.empty")
    else:
        note = s.t("html.table.complete", total=total_txt, sheet=sheet)
    if len(cols) + len(prose_cols) < n_all:
        note += " " + s.t("html.table.columns", shown=len(cols), total=n_all)
    return {
        "id": f"tbl-{_slug(table.key)}",
        "label": s.t("html.table.label", n=number),
        "title": table.title,
        "wide": wide,
        "landscape": landscape,
        "fixed": widths is not None,
        "columns": [{"label": c.label, "num": c.kind in _NUMERIC_KINDS,
                     "width": widths[i] if widths else None} for i, c in enumerate(cols)],
        "rows": [[{"text": text, "num": c.kind in _NUMERIC_KINDS, "code": _is_code(text)}
                  for c, text in zip(cols, row, strict=True)] for row in texts],
        # per row, its prose cells: [{"label", "text"}], printed as a line across the table
        "prose": [[{"label": c.label, "text": text}
                   for c, text in zip(prose_cols, row, strict=True) if text != "—"]
                  for row in prose_texts] if prose_cols else [],
        "note": note,
        "extra_note": table.note,
        "source": s.t("html.table.source", source=table.source) if table.source else "",
    }


def _chart_view(chart: Chart, s: Strings, number: int) -> dict[str, Any]:
    png = bytes(chart.png or b"")
    if png and not png.startswith(_PNG_MAGIC):
        raise KamError(f"chart '{chart.key}' is not a PNG image", value=png[:8],
                       hint="Chart.png must hold the bytes of a PNG file")
    return {
        "id": f"fig-{_slug(chart.key)}",
        "label": s.t("html.figure.label", n=number),
        "title": chart.title,
        "src": _data_uri(png) if png else "",
        "caption": chart.caption,
        "source": s.t("html.table.source", source=chart.source) if chart.source else "",
    }


def _frame_kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "text"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "number"
    return "text"


def _frame_view(df: pd.DataFrame | None, fmt: Formatter, s: Strings,
                columns: list[str] | None = None,
                kinds: dict[str, str] | None = None) -> dict[str, Any]:
    """A provenance frame as a table view: labels from ``html.provenance.col.*``."""
    if df is None:
        df = pd.DataFrame()
    keys = [c for c in (columns or list(df.columns)) if c in df.columns]
    kinds = kinds or {}
    cols = [Column(k, s.get(f"html.provenance.col.{k}") or str(k).replace("_", " "),
                   kinds.get(k, _frame_kind(df[k])))  # type: ignore[arg-type]
            for k in keys]
    rows = []
    for rec in df[keys].itertuples(index=False, name=None):
        rows.append([{"text": _fmt(fmt, v, c.kind), "num": c.kind in _NUMERIC_KINDS,
                      "mono": c.key == "sha256"} for c, v in zip(cols, rec, strict=True)])
    return {"columns": [{"label": c.label, "num": c.kind in _NUMERIC_KINDS} for c in cols],
            "rows": rows}


def _flatten(d: Any, prefix: str = "") -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if isinstance(d, dict):
        for k, v in d.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v:
                out.extend(_flatten(v, key))
            else:
                out.append((key, _plain(v)))
    return out


def _breakable_key(key: str) -> markupsafe.Markup:
    """A setting's dotted name with a line-break opportunity (``<wbr>``) after each dot: a
    long key wraps between its parts (each part stays whole, as engagement.yaml spells it),
    and a copied key has no invisible character."""
    parts = re.split(r"(?<=\.)", key)
    return markupsafe.Markup("<wbr>").join(markupsafe.escape(p) for p in parts)


def _plain(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list | tuple):
        return ", ".join(_plain(x) for x in v) if v else "[]"
    if isinstance(v, dict):
        return "{}"
    return str(v)


def _date_only(fmt: Formatter, text: str | None) -> str:
    if not text:
        return "—"
    try:
        return fmt.date(text)
    except (TypeError, ValueError):
        return str(text)


def _with_times(df: pd.DataFrame | None, fmt: Formatter) -> pd.DataFrame | None:
    """The steps frame with its ISO ``finished`` times written for people."""
    if df is None or "finished" not in df.columns:
        return df
    out = df.copy()
    out["finished"] = [fmt.datetime(None if is_missing(v) else str(v))
                       for v in out["finished"]]
    return out


def _context(model: ReportModel) -> dict[str, Any]:
    s, fmt = model.strings, model.fmt
    fig_n = tbl_n = 0
    sheets = sheet_names(model)      # the workbook's sheet of each table, as write_xlsx names them
    sections = []
    for sec in model.sections:
        charts = []
        for key in sec.charts:
            if key not in model.charts:
                raise KamError(f"section '{sec.key}' names a chart that is not in the model",
                               value=key, hint="add the chart to ReportModel.charts")
            fig_n += 1
            charts.append(_chart_view(model.charts[key], s, fig_n))
        tables = []
        for key in sec.tables:
            if key not in model.tables:
                raise KamError(f"section '{sec.key}' names a table that is not in the model",
                               value=key, hint="add the table to ReportModel.tables")
            tbl_n += 1
            tables.append(_table_view(model.tables[key], fmt, s, tbl_n, sheets[key]))
        is_reco = sec.key == "recommendations"
        sections.append({
            "id": f"sec-{_slug(sec.key)}",
            "key": sec.key,
            "title": sec.title,
            "lead": sec.lead,
            "facts": sec.facts,
            "bullets": sec.bullets,
            "charts": charts,
            "tables": tables,
            "recommendations": model.recommendations if is_reco else [],
        })
    has_reco_section = any(sec["key"] == "recommendations" for sec in sections)
    # the builder may number its titles itself ("1. Who the clients are"): then we do not
    numbered = not any(re.match(r"\s*\d", sec.title) for sec in model.sections)

    prov = model.provenance
    inputs = prov.inputs if prov.inputs is not None else pd.DataFrame()
    kinds = {"money_accepted": "money", "money_rejected": "money", "rows_read": "int",
                   "rows_accepted": "int", "rows_rejected": "int", "rows_skipped": "int",
                   "size_bytes": "int",
                   "seconds": "number"}
    provenance = {
        "run": [
            (s.t("html.provenance.run_started"), fmt.datetime(prov.run_started)),
            (s.t("html.provenance.run_finished"), fmt.datetime(prov.run_finished)),
            (s.t("html.provenance.report_date"), fmt.datetime(prov.report_date)),
            (s.t("html.provenance.generated"), fmt.datetime(model.generated)),
        ],
        "inputs": _frame_view(inputs, fmt, s, ["file", "sheet", "table", "rows_read",
                                               "rows_accepted", "rows_rejected",
                                               "rows_skipped", "money_accepted",
                                               "money_rejected"],
                              kinds),
        "hashes": _frame_view(inputs, fmt, s, ["file", "size_bytes", "sha256"], kinds),
        "control_totals": prov.control_totals,
        "steps": _frame_view(_with_times(prov.steps, fmt), fmt, s, None, kinds),
        "merges": _frame_view(prov.merge_decisions, fmt, s),
        "has_merges": prov.merge_decisions is not None and len(prov.merge_decisions) > 0,
        "parameters": [(_breakable_key(k), v) for k, v in _flatten(prov.parameters or {})],
        "versions": sorted((str(k), str(v)) for k, v in (prov.versions or {}).items()),
    }
    css = (templates_dir() / "report" / "report.css").read_text(encoding="utf-8")
    page_css = (
        "@page { @bottom-right { content: "
        + _css_page_content(s.t("html.page_number", page="{page}", pages="{pages}"))
        + "; } }\n"
        + "@page { @bottom-left { content: string(client) "
        + _css_string(" · " + s.t("html.confidential")) + "; } }\n"
        # DRAFT / FINAL on every page's header (kamlib.report.story's review items)
        + "@page { @top-center { content: " + _css_string(model.status_label)
        + "; font-size: 7.5pt; font-weight: 700; vertical-align: bottom; padding-bottom: 3mm;"
        + (" color: #b3261e; } }\n" if not model.final else " color: #1f7a8c; } }\n")
        + "@page :first { @top-center { content: none; } }\n"   # the cover prints its own
    )
    start, end = model.period
    return {
        "m": model,
        "t": model.t,
        "fmt": fmt,
        "lang": model.language,
        "css": css,
        "page_css": page_css,
        "period": fmt.period(start, end) if start and end else "—",
        "report_date": _date_only(fmt, prov.report_date or model.generated),
        "numbered": numbered,
        "findings": model.findings,
        "sections": sections,
        "has_reco_section": has_reco_section,
        "methods": model.methods,
        "provenance": provenance,
    }


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "report")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


# --------------------------------------------------------------------------- public API
def render_html(model: ReportModel) -> str:
    """The report as one self-contained HTML page (no external reference of any kind).

    Parameters
    ----------
    model : ReportModel
        The report, in one language.

    Returns
    -------
    str
        The page: ``<html lang=…>`` with the CSS inlined and every chart as a ``data:`` URI.

    Raises
    ------
    KamError
        A section names a chart or table that is not in the model, or a chart is not a PNG.
    ConfigError
        A label is missing from ``templates/i18n/<lang>/html.yaml``.
    """
    template = _environment().get_template("report.html.j2")
    return template.render(**_context(model))


def write_html(model: ReportModel, path: str | Path) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8, atomically) and return the path."""
    path = Path(path)
    atomic_write_bytes(path, render_html(model).encode("utf-8"))
    return path


def write_pdf(model_or_html: ReportModel | str, path: str | Path) -> Path:
    """Print the report to an A4 PDF with WeasyPrint, atomically, and return the path.

    Parameters
    ----------
    model_or_html : ReportModel or str
        The model (rendered with :func:`render_html`) or an already rendered page.
    path : str or Path
        The PDF to write.

    Raises
    ------
    PdfUnavailable
        WeasyPrint is not installed or its system libraries (Pango) are missing; the hint
        says what to install. The HTML report can still be produced.
    """
    html = model_or_html if isinstance(model_or_html, str) else render_html(model_or_html)
    return print_pdf(html, path)
