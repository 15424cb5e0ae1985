"""The Excel workbook of the audit report: every table in full, as numbers a reader can check.

The workbook is laid out from a :class:`~kamlib.report.model.ReportModel` (nothing is
computed here): a summary sheet (title, client, period, the five findings, the control
totals, the list of sheets), one sheet per :attr:`ReportModel.tables` entry in order, and a
provenance sheet (run, inputs, steps, versions, parameters, merge decisions).

Money, counts, numbers and shares are written as numbers with Excel number formats (shares
are fractions shown as ``0.0%``), dates as real Excel dates; missing values (None, NaN, NaT)
are empty cells.

Text is written so that it can never become a formula (OWASP, *CSV Injection*,
https://owasp.org/www-community/attacks/CSV_Injection): the workbook is created with
``strings_to_formulas``, ``strings_to_numbers`` and ``strings_to_urls`` off, every text cell
goes through ``write_string`` (an ``s``/``inlineStr`` cell, never an ``f`` cell), and a text
that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is, as OWASP
recommends, prefixed with an apostrophe ``'`` and given Excel's *quote prefix* style. The
apostrophe is kept in the stored value on purpose: it survives a "Save as CSV" and a
copy-paste into another tool, where the style would not, and it shows the reader that the
value was neutralised.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from ..io import atomic_write_bytes
from ..workbook import FORMULA_TRIGGERS, neutralise
from .model import Column, Fact, ReportModel, Table

__all__ = ["FORMULA_TRIGGERS", "neutralise", "sheet_names", "write_xlsx"]


_NUMBER_FORMATS = {
    "money": "#,##0.00",
    "money_short": "#,##0",
    "int": "#,##0",
    "number": "#,##0.0",
    "pct": "0.0%",
}
_MAX_SHEET = 31
_MAX_STRING = 32_767                # Excel's limit for the text of a cell
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")
_HEADER_ROW = 3                     # title, note, source, then the header
_WIDTH_MIN, _WIDTH_MAX = 6, 60
_WIDTH_SAMPLE = 2000                # rows looked at to size a column


def _missing(v: Any) -> bool:
    if v is None or v is pd.NaT or v is pd.NA:
        return True
    if type(v) is str or type(v) is int:   # the common cells, without pandas' checks
        return False
    if isinstance(v, float | Decimal):
        try:
            return not math.isfinite(v)
        except (TypeError, ValueError):
            return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _as_number(v: Any) -> int | float | None:
    """A Python number for a numeric cell, or None if ``v`` is not a number."""
    if type(v) is float:                   # the common cells, without the ABC checks
        return v if math.isfinite(v) else None
    if type(v) is int:
        return v
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Integral):
        return int(v)
    if isinstance(v, Real | Decimal):
        f = float(v)
        return f if math.isfinite(f) else None
    return None


def _as_datetime(v: Any) -> datetime | None:
    """A naive datetime for a date cell, or None if ``v`` is not a date."""
    if isinstance(v, str):
        try:
            v = datetime.fromisoformat(v.strip())
        except ValueError:
            return None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, datetime):
        return v.replace(tzinfo=None)
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    return None


def _text_of(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, pd.Timestamp | datetime | date):
        return v.isoformat()
    return str(v)


def _unique_sheet_name(wanted: str, taken: set[str]) -> str:
    """An Excel-valid sheet name close to ``wanted``, not in ``taken`` (case-insensitive)."""
    base = _BAD_SHEET_CHARS.sub("_", wanted).strip() or "sheet"
    base = base[:_MAX_SHEET]
    name, n = base, 1
    while name.casefold() in taken or name.casefold() == "history":
        n += 1
        suffix = f"~{n}"
        name = base[: _MAX_SHEET - len(suffix)] + suffix
    taken.add(name.casefold())
    return name


def _all_sheet_names(model: ReportModel) -> tuple[str, dict[str, str], str]:
    taken: set[str] = set()
    summary = _unique_sheet_name(model.t("xlsx.sheet.summary"), taken)
    provenance = _unique_sheet_name(model.t("xlsx.sheet.provenance"), taken)
    tables = {key: _unique_sheet_name(tb.sheet or tb.key, taken)
              for key, tb in model.tables.items()}
    return summary, tables, provenance


def sheet_names(model: ReportModel) -> dict[str, str]:
    """The sheet each table is written to, by table key (as :func:`write_xlsx` names them).

    ``table.sheet or table.key``, with the characters Excel forbids (``[]:*?/\\'``) replaced,
    shortened to 31 characters and made unique, case-insensitively, against each other and
    the summary and provenance sheets (``~2``, ``~3`` …). The HTML report can use this to
    cite the sheet that holds a table's full rows.
    """
    return _all_sheet_names(model)[1]


class _Writer:
    """Cell writing with one set of formats; text always neutralised, numbers kept numbers."""

    def __init__(self, wb: xlsxwriter.Workbook, date_format: str) -> None:
        self.wb = wb
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"italic": True, "font_color": "#595959"})
        self.block = wb.add_format({"bold": True, "font_size": 12})
        self.label = wb.add_format({"bold": True})
        self.header = wb.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                     "bg_color": "#DDE4EE", "bottom": 1})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.text = wb.add_format({"valign": "top"})
        self.quoted = wb.add_format({"valign": "top", "quote_prefix": True})
        self.link = wb.add_format({"font_color": "#1F4E79", "underline": 1})
        self.kinds: dict[str, Format] = {
            kind: wb.add_format({"num_format": code, "valign": "top"})
            for kind, code in _NUMBER_FORMATS.items()
        }
        self.kinds["date"] = wb.add_format({"num_format": date_format, "valign": "top"})

    def string(self, ws: Worksheet, row: int, col: int, value: Any,
               fmt: Format | None = None) -> int:
        """Write ``value`` as neutralised text; returns the width the text needs."""
        text = _text_of(value)[:_MAX_STRING - 1]
        safe, quoted = neutralise(text)
        ws.write_string(row, col, safe, self.quoted if quoted and fmt is None else
                        (fmt or self.text))
        return max((len(line) for line in safe.splitlines()), default=0)

    def cell(self, ws: Worksheet, row: int, col: int, value: Any, kind: str) -> int:
        """Write ``value`` by ``kind``; None/NaN/NaT stay empty. Returns the width needed."""
        if _missing(value):
            return 0
        if kind in _NUMBER_FORMATS:
            if isinstance(value, dict) and "amount" in value:   # a typed amount
                value = Decimal(str(value["amount"]))
            num = _as_number(value)
            if num is not None:
                if kind in ("money", "money_short") and not isinstance(num, int):
                    # money to the minor unit: 9750099.030000001 is written 9750099.03
                    num = round(num, 2)
                ws.write_number(row, col, num, self.kinds[kind])
                return len(f"{num:,.2f}") + (1 if kind == "pct" else 0)
        elif kind == "date":
            dt = _as_datetime(value)
            if dt is not None:
                ws.write_datetime(row, col, dt, self.kinds["date"])
                return 11
        return self.string(ws, row, col, value)

    def frame(self, ws: Worksheet, row: int, columns: list[Column], data: pd.DataFrame,
              widths: dict[int, int]) -> int:
        """A header row and the rows of ``data``; returns the index of the last row written."""
        for j, col in enumerate(columns):
            self.string(ws, row, j, col.label, self.header)
            widths[j] = max(widths.get(j, 0), min(len(col.label), 24))
        for j, col in enumerate(columns):
            values = data[col.key].tolist() if col.key in data.columns else []
            if col.kind in _NUMBER_FORMATS and col.key in data.columns \
                    and data[col.key].dtype.kind in "fiu":
                self._numbers(ws, row + 1, j, values, col.kind, widths)
                continue
            for i, v in enumerate(values):
                w = self.cell(ws, row + 1 + i, j, v, col.kind)
                if i < _WIDTH_SAMPLE:
                    widths[j] = max(widths[j], w)
        return row + len(data)

    def _numbers(self, ws: Worksheet, row: int, col: int, values: list[Any], kind: str,
                 widths: dict[int, int]) -> None:
        """A column of a float or integer dtype, written as :meth:`cell` writes each value
        (NaN and infinities stay empty, money to the minor unit) without its per-value type
        checks: the workbook's long tables are mostly such columns."""
        fmt, money = self.kinds[kind], kind in ("money", "money_short")
        extra = 1 if kind == "pct" else 0
        write = ws.write_number
        for i, v in enumerate(values):
            if v != v or v in (math.inf, -math.inf):      # NaN, ±inf: an empty cell
                continue
            if money and type(v) is float:
                v = round(v, 2)
            write(row + i, col, v, fmt)
            if i < _WIDTH_SAMPLE:
                widths[col] = max(widths[col], len(f"{v:,.2f}") + extra)

    def pairs(self, ws: Worksheet, row: int, items: Iterable[tuple[str, Any]],
              widths: dict[int, int]) -> int:
        """Key/value rows (numbers stay numbers); returns the next free row."""
        for key, value in items:
            widths[0] = max(widths.get(0, 0), self.string(ws, row, 0, key, self.label))
            if isinstance(value, bool) or not isinstance(value, Real | Decimal):
                w = 0 if _missing(value) else self.string(ws, row, 1, value)
            else:
                num = _as_number(value)
                if num is None:
                    w = 0
                else:
                    ws.write_number(row, 1, num)
                    w = len(str(num))
            widths[1] = max(widths.get(1, 0), w)
            row += 1
        return row


def _set_widths(ws: Worksheet, widths: Mapping[int, int], cap: int = _WIDTH_MAX) -> None:
    for j, w in widths.items():
        ws.set_column(j, j, max(_WIDTH_MIN, min(cap, w + 2)))


def _flatten(params: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested parameters as ``a.b.c`` keys; lists as JSON text."""
    out: list[tuple[str, Any]] = []
    for k, v in params.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.extend(_flatten(v, key + ".") if v else [(key, "{}")])
        elif isinstance(v, list | tuple | set):
            out.append((key, json.dumps(list(v), ensure_ascii=False, default=str)))
        else:
            out.append((key, v))
    return out


def _fact_row(w: _Writer, ws: Worksheet, row: int, fact: Fact, headline: str,
              sentence: str, widths: dict[int, int]) -> None:
    for j, text in ((0, fact.label), (1, headline), (2, sentence), (4, fact.source)):
        if text:
            widths[j] = max(widths.get(j, 0), w.string(ws, row, j, text,
                                                       w.wrap if j == 2 else None))
    widths[3] = max(widths.get(3, 0), w.cell(ws, row, 3, fact.value, fact.kind))


def _summary(w: _Writer, ws: Worksheet, model: ReportModel, names: dict[str, str]) -> None:
    t = model.t
    widths: dict[int, int] = {}
    w.string(ws, 0, 0, model.title, w.title)
    if model.subtitle:
        w.string(ws, 1, 0, model.subtitle, w.subtitle)
    row = w.pairs(ws, 3, [
        (t("story.col.status"), model.status_label),   # DRAFT while review items are open
        (t("xlsx.summary.client"), model.client),
        (t("xlsx.summary.period"), model.fmt.period(*model.period)),
        (t("xlsx.summary.report_date"), model.fmt.date(model.provenance.report_date)),
        (t("xlsx.summary.generated"), model.generated),
    ], widths)
    widths[1] = min(widths.get(1, 0), 20)   # the long period may overflow into empty cells

    row += 1
    w.string(ws, row, 0, t("xlsx.summary.findings"), w.block)
    row += 1
    head = [t("xlsx.summary.indicator"), t("xlsx.summary.headline"),
            t("xlsx.summary.sentence"), t("xlsx.summary.value"), t("xlsx.summary.source")]
    for j, label in enumerate(head):
        w.string(ws, row, j, label, w.header)
    for finding in model.findings:
        row += 1
        _fact_row(w, ws, row, finding.fact, finding.headline, finding.sentence, widths)

    row = _storyline(w, ws, model, row, head, widths)

    if model.provenance.control_totals:
        row += 2
        w.string(ws, row, 0, t("xlsx.summary.control_totals"), w.block)
        row += 1
        for j, label in enumerate(head):
            if j != 2:
                w.string(ws, row, j, label, w.header)
        for fact in model.provenance.control_totals:
            row += 1
            _fact_row(w, ws, row, fact, fact.display, "", widths)

    row += 2
    w.string(ws, row, 0, t("xlsx.summary.contents"), w.block)
    row += 1
    for j, label in enumerate([t("xlsx.summary.sheet"), t("xlsx.summary.rows"),
                               t("xlsx.summary.title"), "", t("xlsx.summary.source")]):
        if label:
            w.string(ws, row, j, label, w.header)
    for key, table in model.tables.items():
        row += 1
        name = names[key]
        # an internal link (not a HYPERLINK formula): the cell text is neutralised as well
        ws.write_url(row, 0, f"internal:'{name}'!A1", w.link, neutralise(name)[0])
        ws.write_number(row, 1, len(table.data), w.kinds["int"])
        widths[2] = max(widths.get(2, 0), w.string(ws, row, 2, table.title))
        widths[4] = max(widths.get(4, 0), w.string(ws, row, 4, table.source))
    row += 2
    w.string(ws, row, 0, t("xlsx.summary.note"), w.subtitle)

    _set_widths(ws, {0: min(widths.get(0, 0), 40), 1: max(widths.get(1, 0), 14),
                     2: 70, 3: max(widths.get(3, 0), 14), 4: min(widths.get(4, 0), 50)})
    ws.set_column(2, 2, 70, w.wrap)


def _storyline(w: _Writer, ws: Worksheet, model: ReportModel, row: int, head: list[str],
               widths: dict[int, int]) -> int:
    """The executive summary's messages (exact money), the client's recommendations (owner,
    horizon, money) and the list before the final report (kamlib.report.story)."""
    t = model.t
    if model.summary:
        row += 2
        w.string(ws, row, 0, t("story.summary_title"), w.block)
        row += 1
        for j, label in enumerate(head):
            w.string(ws, row, j, label, w.header)
        for msg in model.summary:
            row += 1
            _fact_row(w, ws, row, msg.fact, msg.fact.display, msg.sentence, widths)
    if model.actions:
        row += 2
        w.string(ws, row, 0, t("story.actions_title"), w.block)
        row += 1
        for j, label in enumerate([t("story.col.owner"), t("story.col.horizon"),
                                   t("story.col.action"), t("story.col.money"),
                                   t("story.col.answers")]):
            w.string(ws, row, j, label, w.header)
        for a in model.actions:
            row += 1
            w.string(ws, row, 0, a.owner_label)
            w.string(ws, row, 1, a.horizon_label)
            w.string(ws, row, 2, a.text, w.wrap)
            if a.money is not None:   # exact in the workbook (shortened where it is read)
                w.cell(ws, row, 3, a.money.value, "money")
            w.string(ws, row, 4, a.answers_label)
    row += 2
    w.string(ws, row, 0, t("story.homework_title"), w.block)
    for h in model.homework or [t("story.final_note")]:
        row += 1
        w.string(ws, row, 2, h)
    return row


def _table_sheet(w: _Writer, ws: Worksheet, table: Table, model: ReportModel) -> None:
    w.string(ws, 0, 0, table.title, w.title)
    if table.note:
        w.string(ws, 1, 0, table.note, w.subtitle)
    w.string(ws, 2, 0, model.t("xlsx.table.source", source=table.source), w.subtitle)
    columns = table.columns or [Column(str(c), str(c)) for c in table.data.columns]
    widths: dict[int, int] = {}
    last = w.frame(ws, _HEADER_ROW, columns, table.data, widths)
    ws.freeze_panes(_HEADER_ROW + 1, 0)
    # a real Excel table (ListObject) with a name, for Power Query and structured references;
    # its headers are the labels written above (made unique, as Excel requires)
    headers: list[str] = []
    for c in columns:
        label, k = c.label or c.key, 2
        while label in headers:
            label, k = f"{c.label or c.key} ({k})", k + 1
        headers.append(label)
    ws.add_table(_HEADER_ROW, 0, max(last, _HEADER_ROW + 1), len(columns) - 1, {
        "name": _table_name(table.key), "style": "Table Style Light 9",
        "columns": [{"header": neutralise(h)[0]} for h in headers]})
    _set_widths(ws, widths)


def _table_name(key: str) -> str:
    """An Excel table name: ``tbl_`` and the table's key (letters, digits, underscores), so it
    can never look like a cell reference (``C``, ``R1C1``, ``AB12``)."""
    return ("tbl_" + re.sub(r"[^A-Za-z0-9_]", "_", key))[:255]


_INPUT_KINDS = {"size_bytes": "int", "rows_read": "int", "rows_accepted": "int",
                "rows_rejected": "int", "rows_skipped": "int", "money_accepted": "money",
                "money_rejected": "money"}
_STEP_KINDS = {"seconds": "number"}


def _columns_of(df: pd.DataFrame, model: ReportModel, prefix: str,
                kinds: Mapping[str, str]) -> list[Column]:
    return [Column(str(c), model.strings.get(f"{prefix}.{c}") or str(c),
                   kinds.get(str(c), "text"))  # type: ignore[arg-type]
            for c in df.columns]


def _provenance(w: _Writer, ws: Worksheet, model: ReportModel) -> None:
    t, prov = model.t, model.provenance
    widths: dict[int, int] = {}
    w.string(ws, 0, 0, t("xlsx.provenance.title"), w.title)
    row = 2
    w.string(ws, row, 0, t("xlsx.provenance.run"), w.block)
    row = w.pairs(ws, row + 1, [(t("xlsx.provenance.run_started"), prov.run_started),
                                (t("xlsx.provenance.run_finished"), prov.run_finished),
                                (t("xlsx.provenance.report_date"), prov.report_date)], widths)
    blocks = [("xlsx.provenance.inputs", prov.inputs, "xlsx.inputs", _INPUT_KINDS),
              ("xlsx.provenance.steps", prov.steps, "xlsx.steps", _STEP_KINDS),
              ("xlsx.provenance.merge_decisions", prov.merge_decisions, "xlsx.merge", {})]
    for title_key, df, prefix, kinds in blocks:
        if df is None or (title_key.endswith("merge_decisions") and df.empty):
            continue
        row += 1
        w.string(ws, row, 0, t(title_key), w.block)
        row = w.frame(ws, row + 1, _columns_of(df, model, prefix, kinds), df, widths) + 2
    for title_key, items in (("xlsx.provenance.versions", list(prov.versions.items())),
                             ("xlsx.provenance.parameters", _flatten(prov.parameters))):
        w.string(ws, row, 0, t(title_key), w.block)
        row += 1
        for j, label in enumerate((t("xlsx.provenance.key"), t("xlsx.provenance.value"))):
            w.string(ws, row, j, label, w.header)
        row = w.pairs(ws, row + 1, items, widths) + 1
    _set_widths(ws, widths, cap=70)


def write_xlsx(model: ReportModel, path: str | Path) -> Path:
    """Write the report's Excel workbook.

    Parameters
    ----------
    model : ReportModel
        The report, in its language (sheet titles and column labels follow it).
    path : str or Path
        The ``.xlsx`` file to write; written atomically (a failed run leaves the previous file).

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Sheets: the summary (``xlsx.sheet.summary``), one per table in ``model.tables`` order
    (named by :func:`sheet_names`), the provenance (``xlsx.sheet.provenance``). Each table
    sheet has its title, note and source above a frozen header row with an autofilter.
    Text is neutralised against formula injection (see the module docstring).
    """
    path = Path(path)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "remove_timezone": True,
    })
    wb.set_properties({"title": model.title[:255], "subject": model.client[:255],
                       "comments": model.generated})
    w = _Writer(wb, model.t("xlsx.format.date"))
    summary, names, provenance = _all_sheet_names(model)
    _summary(w, wb.add_worksheet(summary), model, names)
    for key, table in model.tables.items():
        _table_sheet(w, wb.add_worksheet(names[key]), table, model)
    _provenance(w, wb.add_worksheet(provenance), model)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())
    return path
