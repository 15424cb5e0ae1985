"""Reading raw exports as they come: CSV/TXT in any of the usual encodings, XLSX/XLS/ODS.

:func:`read_raw` returns a :class:`RawTable`: every cell as text (``null`` when empty), the
header row found under any title rows, and a 1-based ``_row`` column with the row number
as the user sees it (the line of a text file, the worksheet row of a spreadsheet), so that
every message can point at the cell. Parsing values is :mod:`kamlib.parse`'s job; deciding
what the columns mean is :mod:`kamlib.intake`'s. A text file's code page is decided in
:mod:`kamlib.textcodes`, the lines under its header read in :mod:`kamlib.textbody`.

The file utilities every step needs (hashing, atomic writes) live in :mod:`kamlib.atomic`
and are re-exported here.
"""

from __future__ import annotations

import csv
import functools
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from .atomic import atomic_dir, atomic_write_bytes, atomic_write_json, sha256_file, to_jsonable
from .errors import InputError
from .layout import fill_merged, is_rate_row, stacked_level, two_row_header
from .schema import TABLES, header_key
from .textbody import _csv_lines, _read_in_parts, _read_whole, _record_lines
from .textcodes import (
    _looks_binary,
    _utf8,
    decode_text,
    doubtful_words,
    encoding_doubt,
    mixed_script_words,
    single_byte_encoding,
    stray_nul_line,
    utf8_encoding,
)
from .workbooks import (
    _CFB_MAGIC,
    check_xlsx_size,
    error_cells,
    is_html,
    is_xml_spreadsheet,
    latin1_mojibake,
    old_excel_problem,
    read_html_rows,
    row_marks,
)

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "TEXT_SUFFIXES",
    "RawTable",
    "atomic_dir",
    "atomic_write_bytes",
    "atomic_write_json",
    "decode_text",
    "encoding_doubt",
    "mixed_script_words",
    "read_raw",
    "sha256_file",
    "single_byte_encoding",
    "to_jsonable",
]


TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_SNIFF_ROWS = 40
_DELIMITERS = (";", "\t", ",", "|")


@dataclass
class RawTable:
    """One table read from one file (or worksheet), every cell as text.

    Attributes
    ----------
    path : Path
        The source file.
    sheet : str or None
        The worksheet, for spreadsheets.
    encoding, delimiter : str or None
        As detected (or declared), for text files.
    header_row : int
        1-based row of the header.
    headers : list of str
        Header cells as they appear (blank headers become ``column N``).
    data : pl.DataFrame
        String columns ``c0 .. cN`` (one per header) plus ``_row`` (Int64, 1-based).
    skipped : list of (int, str)
        Rows above the header (titles, filters) with the reason they were skipped.
    ragged : list of (int, int, str)
        Rows with more fields than the header: (row, number of fields, raw line). They stay
        in ``data``, cut to the header's width, so that intake can reject them with their
        money counted.
    note : str or None
        What the reader found the file to be, when not what its extension says, or what it
        did about it (in English; ``note_reasons`` holds the same as reason codes).
    title : list of str
        The text of the rows above the header (report titles with their period, filters).
    levels : dict of int to int
        Row → outline (grouping) level, for xlsx reports that group their rows.
    styles : dict of int to (bool, int)
        Row → (bold, indent) of its first filled cell, read from an xlsx when a report form
        without outline levels needs them (its group rows are bold or less indented than the
        rows under them); empty otherwise.
    note_reasons : list of dict
        The reader's notes as reason codes with their figures (``reason.note_*`` of
        ``templates/i18n/<lang>/intake.yaml``), for every surface to phrase in its language.
    """

    path: Path
    sheet: str | None
    encoding: str | None
    delimiter: str | None
    header_row: int
    headers: list[str]
    data: pl.DataFrame
    skipped: list[tuple[int, str]] = field(default_factory=list)
    ragged: list[tuple[int, int, str]] = field(default_factory=list)
    note: str | None = None
    title: list[str] = field(default_factory=list)
    levels: dict[int, int] = field(default_factory=dict)
    styles: dict[int, tuple[bool, int]] = field(default_factory=dict)
    note_reasons: list[dict[str, Any]] = field(default_factory=list)

    def add_note(self, code: str, **args: Any) -> None:
        """A note of the reader as a reason code, its English text added to ``note``."""
        from .i18n import Formatter, load_strings, say
        from .units import reason

        r = reason(code, **args)
        self.note_reasons.append(r)
        text = say(r, load_strings("en"), Formatter("en"))
        self.note = f"{self.note}; {text}" if self.note else text

    @property
    def name(self) -> str:
        """File name, with the sheet if any: ``Продажи.xlsx[Лист1]``."""
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


# --------------------------------------------------------------------------- text files


def _head_records(lines: list[str], delimiter: str
                  ) -> tuple[list[list[str]], list[tuple[int, int]]]:
    """The records of the head's lines with the lines each spans: (first line, the line
    after it), 0-based; a quoted value keeps its line break."""
    reader = csv.reader([ln.replace("\r", " ") + "\n" for ln in lines], delimiter=delimiter,
                        quotechar='"')
    records: list[list[str]] = []
    spans: list[tuple[int, int]] = []
    first = 0
    for rec in reader:
        records.append(rec)
        spans.append((first, reader.line_num))
        first = reader.line_num
    return records, spans


def _split_sample(lines: list[str], delimiter: str) -> list[list[str]]:
    return list(csv.reader(_csv_lines(lines), delimiter=delimiter, quotechar='"'))


def sniff_delimiter(lines: list[str]) -> str:
    """Pick the delimiter that splits the sample into the most consistent multi-field rows."""
    sample = [ln for ln in lines if ln.strip()][:_SNIFF_ROWS]
    best, best_score = ";", -1.0
    for d in _DELIMITERS:
        counts = [len(r) for r in _split_sample(sample, d)]
        counts = [c for c in counts if c > 1]
        if not counts:
            continue
        width, freq = Counter(counts).most_common(1)[0]
        score = freq * (1 + min(width, 30) / 30)
        if score > best_score:
            best, best_score = d, score
    return best


@functools.cache
def _table_keys() -> tuple[frozenset[str], ...]:
    return tuple(frozenset(header_key(s) for f in t.fields for s in f.synonyms)
                 for t in TABLES.values())


def _header_score(cells: Iterable[object]) -> int:
    keys = {header_key(c) for c in cells if c is not None and str(c).strip()}
    return max((len(keys & t) for t in _table_keys()), default=0)


def _find_header(rows: list[list[Any]]) -> int:
    """Index of the header among the first rows: the most recognised synonyms wins.

    Without any recognised header, the first row as wide as the table's widest rows.
    """
    scored = [(_header_score(r), -i) for i, r in enumerate(rows[:_SNIFF_ROWS])]
    best_score, neg_i = max(scored, default=(0, 0))
    if best_score >= 2:
        return -neg_i
    widths = [sum(1 for c in r if c not in (None, "")) for r in rows[:_SNIFF_ROWS]]
    if not widths or max(widths) == 0:
        return 0
    target = max(widths)
    return next(i for i, w in enumerate(widths) if w >= max(2, target * 0.8) or w == target)


#: the longest header read: a cell of megabytes (a dump on one line) is no column's name,
#: and every header comparison ran its patterns over all of it (75 s for a 40 MB line)
_MAX_HEADER = 200


def _headers_from(cells: list[Any]) -> list[str]:
    out = []
    for i, c in enumerate(cells):
        cell = "" if c is None else str(c)
        if len(cell) > _MAX_HEADER:
            cell = cell[:_MAX_HEADER] + "…"
        text = re.sub(r"\s+", " ", cell).strip()
        out.append(text or f"column {i + 1}")
    return out


def _line_offset(data: bytes, n: int) -> int:
    """Byte offset of the start of line ``n`` (0-based), or len(data) if there are fewer."""
    pos = 0
    for _ in range(n):
        nl = data.find(b"\n", pos)
        if nl < 0:
            return len(data)
        pos = nl + 1
    return pos


def _read_text(path: Path, raw: bytes | list[bytes], *, encoding: str | None,
               delimiter: str | None, header_row: int | None,
               on_progress: Callable[[str], None] | None = None) -> RawTable:
    """Sniff the head of the file in Python, parse the body with polars from its UTF-8 bytes.

    Only the first lines are split in Python (delimiter, header); the body goes to polars
    as bytes, so that millions of lines read at columnar speed: a part at a time when it is
    long (:func:`~kamlib.textbody._read_in_parts`), a cp1251 file transcoded to UTF-8 part
    by part while polars reads the part before, a UTF-8 file checked part by part. Lines are
    counted on '\n' exactly as polars does, so ``_row`` is the line number a text editor
    shows.

    ``raw`` may be handed over in a one-element list, which is emptied: then the file's
    bytes are freed as soon as they are no longer needed (a 2,000,000-line register is
    hundreds of megabytes in each form).
    """
    box = raw if isinstance(raw, list) else [raw]
    del raw
    utf8 = utf8_encoding(box[0], encoding)
    if utf8:
        # UTF-8 by its head: read in parts, each part's bytes checked as it is read (0.1 s
        # for a 465 MB register, where decoding the whole file took 0.65 s and held a
        # string of twice its size). A part that is not UTF-8 or not one record a line, or
        # a head that stops the read: the file goes the general way below, which decides
        # what it is and says what is wrong
        try:
            table = _table(path, box, utf8, None, delimiter=delimiter,
                           header_row=header_row, on_progress=on_progress, parts=True)
        except (InputError, UnicodeDecodeError):
            utf8 = None
        else:
            if table is not None:
                return table
    raw = box.pop()
    transcode = single_byte_encoding(raw, encoding)  # cp1251: transcoded as it is read
    if transcode:
        enc = transcode
        doubt = 0 if encoding else doubtful_words(raw[:200_000].decode(enc))
        data = raw
    else:
        text, enc = decode_text(raw, path, encoding)
        doubt = doubtful_words(text) if enc in ("cp1251", "cp1252") and not encoding else 0
        if enc in ("utf-8", "utf-8-sig"):
            data = raw  # (a BOM is skipped where the head is read)
        else:
            raw = b""
            data = text.encode("utf-8")
        del text
    del raw
    box.append(data)
    del data
    # (UTF-8 after all: the parts were read above and one was not one record a line)
    parts = False if utf8 and enc == utf8 else None
    table = _table(path, box, enc, transcode, delimiter=delimiter, header_row=header_row,
                   on_progress=on_progress, parts=parts)
    assert table is not None
    if doubt:
        table.add_note("note_encoding_doubt", encoding=enc, n=doubt)
    return table


def _table(path: Path, box: list[bytes], enc: str, transcode: str | None, *,
           delimiter: str | None, header_row: int | None,
           on_progress: Callable[[str], None] | None, parts: bool | None) -> RawTable | None:
    """The table from the file's bytes (``box[0]``: UTF-8, or the single-byte code page
    ``transcode``; a UTF-8 BOM skipped): the head sniffed, the body read in parts, else
    whole. ``parts``: True, in parts or ``None`` (the bytes left in ``box``); False, whole;
    ``None``, either. ``box`` is emptied once the bytes are read."""
    data = box[0]
    skip = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if b"\n" not in data[:1 << 16] and b"\r" in data[:1 << 16]:
        data = data.replace(b"\r", b"\n")  # classic Mac line ends
    head = data[skip:_line_offset(data, max(_SNIFF_ROWS, header_row or 0) + 1)]
    lines = [ln.rstrip("\r") for ln in head.decode(transcode or "utf-8").split("\n")]
    if not any(ln.strip() for ln in lines):
        raise InputError("the file has no text (only empty lines)", file=path.name,
                         hint="export the table again; the file is empty")
    delim = delimiter or sniff_delimiter(lines)
    # the head's records with the lines they span: a header cell may hold a line break
    # inside quotes (Excel's wrapped header 'Сумма\nбез НДС'), so records are not lines
    records, spans = _head_records(lines, delim)
    if header_row:
        h = next((i for i, (a, _) in enumerate(spans) if a == header_row - 1), len(records))
    else:
        h = _find_header(records)
    if h >= len(records) or not any(c.strip() for c in records[h]):
        raise InputError(f"header_row {header_row} is past the end of the file or empty",
                         file=path.name, row=header_row,
                         hint="fix 'header_row' in engagement.yaml")
    head_line, body_line = spans[h]  # the header's first line, the body's (0-based)
    headers = _headers_from(records[h])
    skipped = [(i + 1, "above the header (title or filter line)")
               for i in range(head_line) if lines[i].strip()]
    if h + 1 < len(records) and len(records[h + 1]) == len(records[h]):
        joined, second = _join_header(records[h], records[h + 1])
        if second is not None:   # a header on two lines (a sheet's merged title saved)
            headers = joined + headers[len(joined):]
            skipped.append((spans[h + 1][0] + 1, second))
            body_line = spans[h + 1][1]
    del head
    names = [f"c{i}" for i in range(len(headers))]
    start = _line_offset(data, body_line)
    h = body_line - 1  # the body's lines are numbered from h + 2 (1-based)
    frame = None if parts is False else _read_in_parts(
        data, start, delim, names, path.name, on_progress, transcode, h + 2)
    if frame is not None:  # one record a line: the rows are the lines
        # one chunk per column, as a whole read gives: polars copies a frame whose columns
        # are cut differently at the first operation that aligns them (the parsed columns
        # are one chunk), wherever that is; here it costs 0.15 s on 2,000,000 lines and
        # is done after the file's bytes are freed
        box.clear()
        del data
        return RawTable(path, None, enc, delim, head_line + 1, headers, frame.rechunk(),
                        skipped, [])
    if parts:
        return None
    with memoryview(data) as view:
        body = _utf8(view[start:], transcode) if transcode or start else data
    box.clear()
    del data
    frame, ragged, starts = _read_whole(body, delim, names, h, path.name)
    if starts is None:
        starts = _record_lines(body, delim, h + 2, path.name, len(names),
                               records=frame.height)
    if starts is not None and len(starts) >= frame.height:
        frame = frame.insert_column(0, pl.Series("_row", starts[:frame.height], dtype=pl.Int64))
    else:
        frame = frame.with_row_index("_row", offset=h + 2).with_columns(
            pl.col("_row").cast(pl.Int64))
    return RawTable(path, None, enc, delim, head_line + 1, headers, frame, skipped, ragged)


# --------------------------------------------------------------------------- spreadsheets


def _cell_text(v: Any) -> str | None:
    if type(v) is str:  # most cells: the fast path
        return v or None
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        # Excel keeps 15 significant digits: a formula's binary noise beyond them
        # (=B2*C2 giving 1234.5600000000002) is not in the sheet a person sees
        text = format(v, ".15g") if math.isfinite(v) else repr(v)
        if "e" in text and math.isfinite(v):
            # a number cell, exact: its digits without an exponent (2.2737e-13, a formula's
            # float noise, is 0.00000000000022737; text in E notation is refused as an amount)
            text = format(Decimal(text), "f")
        return text
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time | timedelta):
        return str(v)
    return str(v)


def _read_spreadsheet(path: Path, *, sheet: str | None, header_row: int | None,
                      by_content: bool = False) -> list[RawTable]:
    """The sheets of a workbook; ``by_content``: its extension says another format than its
    bytes (an .xlsx saved as .xls), opened by what it is."""
    from python_calamine import CalamineWorkbook

    try:
        if by_content:
            with open(path, "rb") as fh:
                wb = CalamineWorkbook.from_filelike(fh)
        else:
            wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for broken files
        raise InputError(
            f"cannot open as a spreadsheet ({type(exc).__name__}: {str(exc)[:120]})",
            file=path.name,
            hint="the file is damaged or not really an Excel file: open it in Excel and "
            "save it again as .xlsx, or export it again from the source system",
        ) from None
    names = wb.sheet_names
    hidden: list[str] = []
    if sheet is not None:
        if sheet not in names:
            raise InputError(f"there is no sheet '{sheet}'; sheets are: {', '.join(names)}",
                             file=path.name, hint="fix 'sheet' in engagement.yaml")
        names = [sheet]
    else:
        # what a person sees in Excel is what is read: a hidden sheet (a copy kept 'just in
        # case' doubled the revenue) is skipped and named; declare it with 'sheet:' to read it
        try:
            shown = {m.name for m in wb.sheets_metadata if str(m.visible).endswith("Visible")}
        except Exception:  # metadata unknown: every sheet is read, as before
            shown = set(names)
        if shown:
            hidden = [n for n in names if n not in shown]
            names = [n for n in names if n in shown]
    tables = []
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    marks = row_marks(path) if xlsx else {}
    errors = error_cells(path) if xlsx else {}
    for name in names:
        try:
            ws = wb.get_sheet_by_name(name)
            rows = ws.to_python(skip_empty_area=False)
            merged = ws.merged_cell_ranges
        except Exception as exc:
            raise InputError(f"cannot read sheet '{name}' ({exc})", file=path.name,
                             hint="open the file in Excel and save it again as .xlsx") from None
        # a merged cell over several rows (a client's name over its lines) is read with
        # the value the sheet shows in each of them
        filled = fill_merged(rows, merged)
        texts = [[_cell_text(v) for v in r] for r in rows]
        for (r, c), err in errors.get(name, {}).items():   # '#DIV/0!': said, not empty
            if r < len(texts) and c < len(texts[r]):
                texts[r][c] = err
        garbled = latin1_mojibake(texts)
        if garbled is not None:
            raise InputError(
                f"the text of sheet '{name}' reads as latin-1 mojibake (e.g. '{garbled[:40]}'): "
                "the workbook does not say its code page (an old .xls)", file=path.name,
                sheet=name, hint="open the file in Excel (or LibreOffice with the Cyrillic "
                "Windows-1251 encoding), check the text, and save it as .xlsx")
        table = _table_from_rows(path, name, texts, header_row)
        if table is not None:
            levels, hidden_rows = marks.get(name, ({}, []))
            table.levels = levels
            _note_layout(table, filled, hidden_rows)
            tables.append(table)
    if not tables:
        raise InputError("the workbook has no data: every sheet is empty", file=path.name,
                         hint="export the table again, or remove the file from raw/")
    if hidden:
        tables[0].add_note("note_hidden_sheets", sheets=", ".join(hidden))
    return tables


def _note_layout(table: RawTable, filled: list[tuple[int, int]], hidden: list[int]) -> None:
    """Say what of the sheet's layout was undone or read unseen in its data rows: merged
    cells filled (:func:`~kamlib.layout.fill_merged`), rows hidden in Excel (a filter,
    collapsed groups) read like the others."""
    if table.data.is_empty():
        return
    first = int(table.data["_row"][0])
    rows = sorted({r + 1 for r, _ in filled if r + 1 >= first})
    if rows:
        cells = sum(1 for r, _ in filled if r + 1 >= first)
        table.add_note("note_merged_cells", n=cells, rows=len(rows), first=rows[0])
    shown = [r for r in hidden if r >= first]
    if shown:
        table.add_note("note_hidden_rows", n=len(shown), first=shown[0])


def _join_header(hdr: list[Any], sub: list[Any]) -> tuple[list[str], str | None]:
    """The headers of a table whose header is ``hdr``, read with the row under it when
    that row is the header's second row (:mod:`kamlib.layout`), and why that row is skipped
    (None when it is data). The width is the header's last filled cell, or the second
    row's when it belongs to the header."""
    def last(row: list[Any]) -> int:
        return max((i for i, c in enumerate(row) if c not in (None, "")), default=-1)

    wide = max(last(hdr), last(sub)) + 1
    top, bottom = (hdr + [None] * wide)[:wide], (sub + [None] * wide)[:wide]
    if is_rate_row(bottom):
        # a money column split into VAT-rate sub-columns under one merged header cell
        headers, base = _headers_from(top), ""
        for j in range(wide):
            if top[j] not in (None, ""):
                base = headers[j]
            if bottom[j] not in (None, ""):
                headers[j] = f"{base} [{str(bottom[j]).strip()}]"
        return headers, "second header row (VAT rates of the money columns)"
    joined = two_row_header(top, bottom, _header_score)
    if joined is not None:
        return _headers_from(joined), "second header row (sub-columns of a merged header cell)"
    width = max(last(hdr) + 1, 1)
    return _headers_from((hdr + [None] * width)[:width]), None


def _table_from_rows(path: Path, name: str | None, rows: list[list[str | None]],
                     header_row: int | None) -> RawTable | None:
    """A RawTable from a sheet's rows of cell texts (None when the sheet is empty)."""
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return None
    h = header_row - 1 if header_row else _find_header(rows)
    if h >= len(rows):
        raise InputError(f"header_row {header_row} is past the last row ({len(rows)})",
                         file=path.name, sheet=name, hint="fix 'header_row'")
    top = rows[h]
    stacked = 0
    while h + 1 + stacked < len(rows):
        # a hierarchy's levels stacked under the header (titles merged over those rows)
        level = stacked_level(top, rows[h + 1 + stacked])
        if level is None:
            break
        top = [*level, *top[len(level):]]
        stacked += 1
    sub = rows[h + 1 + stacked] if h + 1 + stacked < len(rows) else []
    headers, second = _join_header(top, sub)
    two_rows = stacked + (second is not None)
    width = len(headers)
    body = rows[h + 1 + two_rows:]
    cols = {f"c{j}": [r[j] if j < len(r) else None for r in body] for j in range(width)}
    data = pl.DataFrame(cols, schema={k: pl.String for k in cols})
    first = h + 2 + two_rows
    data = data.with_columns(pl.Series("_row", range(first, first + len(body)),
                                       dtype=pl.Int64))
    ragged = [
        (first + i, sum(1 for c in r if c is not None), " | ".join(str(c) for c in r if c))
        for i, r in enumerate(body) if any(c is not None for c in r[width:])
    ]
    skipped = [(i + 1, "above the header (title or filter row)")
               for i in range(h) if any(rows[i])]
    skipped.extend((h + 2 + k, "header row (a level of the hierarchy column)")
                   for k in range(stacked))
    if second is not None:
        skipped.append((h + 2 + stacked, second))
    title = [" ".join(str(c) for c in rows[i] if c) for i in range(h) if any(rows[i])]
    return RawTable(path, name, None, None, h + 1, headers, data, skipped, ragged, None,
                    title)


# --------------------------------------------------------------------------- entry point


def read_raw(
    path: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    header_row: int | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> list[RawTable]:
    """Read a raw export into :class:`RawTable` objects (one per non-empty worksheet).

    Parameters
    ----------
    path : path-like
        A ``.csv``/``.txt``/``.tsv`` text export or an ``.xlsx``/``.xls``/``.ods`` workbook.
    sheet : str, optional
        Read only this worksheet (default: every non-empty sheet).
    encoding, delimiter : str, optional
        Override detection (text files only).
    header_row : int, optional
        1-based row of the header (default: detected from known headers, under any title
        rows).

    Raises
    ------
    InputError
        Empty file, binary garbage, undecodable text, a damaged workbook.
    """
    path = Path(path)
    if on_progress:
        on_progress(f"reading {path.name}")
    if not path.exists():
        raise InputError("file not found", file=str(path),
                         hint="check the 'file' entry in engagement.yaml")
    suffix = path.suffix.lower()
    as_text = False
    if suffix == ".xls" and path.stat().st_size:
        with open(path, "rb") as fh:
            start = fh.read(1 << 16)
        # a text table saved as .xls (as web systems do; Excel opens it): read as text
        as_text = not (start.startswith((b"PK", _CFB_MAGIC)) or is_html(start)
                       or is_xml_spreadsheet(start)) and not _looks_binary(start)
    if suffix in SPREADSHEET_SUFFIXES and not as_text:
        if path.stat().st_size == 0:
            raise InputError("the file is empty (0 bytes)", file=path.name,
                             hint="export the table again")
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
        if is_xml_spreadsheet(head):
            raise InputError(
                "the file is an XML Spreadsheet 2003 (Excel's old XML format), not a "
                "workbook this reader opens", file=path.name,
                hint="open it in Excel (or LibreOffice) and save it as .xlsx, then run again")
        if is_html(head):
            raw_html = path.read_bytes()
            table = _table_from_rows(path, None, read_html_rows(path, raw_html), header_row)
            if table is None:
                raise InputError("the HTML table in the file is empty", file=path.name,
                                 hint="export the report again")
            table.add_note("note_html_table", suffix=suffix)
            return [table]
        problem = old_excel_problem(path, head)
        if problem:
            raise InputError(problem, file=path.name,
                             hint="open the file in Excel (or LibreOffice), check that the text "
                             "and amounts look right, and save it as .xlsx; or export it again")
        if head.startswith(b"PK"):
            check_xlsx_size(path)
        return _read_spreadsheet(path, sheet=sheet, header_row=header_row,
                                 by_content=head.startswith(b"PK") != (
                                     suffix in (".xlsx", ".xlsm", ".ods")))
    raw = path.read_bytes()
    if not raw[:1 << 16].strip() and not raw.strip():
        raise InputError("the file is empty (0 bytes)" if not raw else "the file is blank",
                         file=path.name, hint="export the table again, or remove the file")
    if raw[:4] == b"PK\x03\x04":
        raise InputError("this is a spreadsheet (xlsx/zip) with a text-file extension",
                         file=path.name, hint="rename it to .xlsx")
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise InputError("this is an old Excel .xls workbook with a text-file extension",
                         file=path.name, hint="rename it to .xls")
    padding = 0
    if raw.endswith(b"\x00") and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        # NUL bytes after the text: the padding some systems leave (a file written in fixed
        # blocks, a copy cut short), not data; dropped, and said
        text_end = len(raw.rstrip(b"\x00"))
        if text_end and raw[:text_end].strip():
            padding = len(raw) - text_end
            raw = raw[:text_end]
    if _looks_binary(raw):
        line = stray_nul_line(raw)
        if line is not None:   # text with a stray NUL byte: where it is, not "binary"
            raise InputError("a NUL byte (0x00) inside the text: the file is damaged there",
                             file=path.name, row=line, hint="open the file in a text editor "
                             "and delete the odd character on that line, or export it again")
        raise InputError("the file is binary, not a text table", file=path.name,
                         hint="export the table again as CSV or XLSX")
    box = [raw]  # handed over: _read_text frees the bytes when it no longer needs them
    del raw
    table = _read_text(path, box, encoding=encoding, delimiter=delimiter,
                       header_row=header_row, on_progress=on_progress)
    if padding:
        table.add_note("note_nul_padding", n=padding)
    if as_text:
        table.add_note("note_text_as_spreadsheet", suffix=suffix)
    return [table]
