"""What a spreadsheet file really is, before python-calamine is asked to open it.

Exports carry the extension of what they were meant to be, not of what they are: 1C and
web systems save HTML tables as ``.xls``; Excel 95 (BIFF5/7) workbooks have no reliable code
page; an ``.xlsx`` may declare a range of 17 billion cells that would exhaust memory. This
module tells them apart from the bytes, reads HTML tables into rows, and refuses what cannot
be read right with a precise :class:`~kamlib.errors.InputError`.
"""

from __future__ import annotations

import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

from .errors import InputError

__all__ = [
    "MAX_CELLS",
    "check_xlsx_size",
    "error_cells",
    "is_html",
    "is_xml_spreadsheet",
    "latin1_mojibake",
    "old_excel_problem",
    "read_html_rows",
    "row_marks",
    "row_styles",
]

#: the largest worksheet range read (cells declared); beyond it the file is refused
MAX_CELLS = 30_000_000
#: the largest uncompressed part of an xlsx read (bytes)
MAX_PART_BYTES = 1 << 31
_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def is_xml_spreadsheet(head: bytes) -> bool:
    """True for Excel's XML Spreadsheet 2003 (``<?xml …?><?mso-application
    progid="Excel.Sheet"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">``),
    which web systems save as ``.xls``."""
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return text.startswith(b"<?xml") and (b"urn:schemas-microsoft-com:office:spreadsheet"
                                          in head or b"Excel.Sheet" in head)


def is_html(head: bytes) -> bool:
    """True when the bytes are an HTML (or XML-declared HTML) table, whatever the extension."""
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"\xff\xfe") or text.startswith(b"\xfe\xff"):
        text = head[:4096].decode("utf-16", errors="ignore").encode("ascii", "ignore").lower()
    return text.startswith((b"<!doctype html", b"<html", b"<table", b"<meta", b"<head")) or (
        text.startswith(b"<") and b"<table" in head[:65536].lower())


def _html_text(raw: bytes) -> str:
    """Decode an HTML export: BOM, then a declared charset, then UTF-8, then cp1251."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace")
    m = re.search(rb"charset\s*=\s*[\"']?([\w-]+)", raw[:4096], re.I)
    for enc in ([m.group(1).decode("ascii")] if m else []) + ["utf-8", "cp1251"]:
        try:
            return raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return raw.decode("cp1251", errors="replace")


class _Tables(HTMLParser):
    """Collects every ``<table>`` as rows of cell texts (colspan repeated as empty cells)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str | None]]] = []
        self._depth = 0
        self._row: list[str | None] | None = None
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif tag == "tr" and self._depth == 1:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.isdigit() and 0 < int(span) < 1000 else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._row is not None and self._cell is not None:
            text = re.sub(r"\s+", " ", "".join(self._cell)).strip()
            self._row.append(text or None)
            self._row.extend([None] * (self._span - 1))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "table" and self._depth:
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read_html_rows(path: Path, raw: bytes) -> list[list[str | None]]:
    """The rows of the largest table of an HTML export (an ``.xls`` that is really HTML).

    Raises
    ------
    InputError
        When the page holds no table.
    """
    parser = _Tables()
    parser.feed(_html_text(raw))
    parser.close()
    tables = [t for t in parser.tables if t]
    if not tables:
        raise InputError("the file is an HTML page (saved with a spreadsheet extension) with no "
                         "table in it", file=path.name,
                         hint="export the report again as .xlsx or CSV")
    rows = max(tables, key=len)
    width = max(len(r) for r in rows)
    return [r + [None] * (width - len(r)) for r in rows]


def old_excel_problem(path: Path, raw_head: bytes) -> str | None:
    """Why an OLE ``.xls`` cannot be read right, or None: Excel 95 (BIFF5/7) workbooks keep
    their sheets in a ``Book`` stream (Excel 97+ in ``Workbook``) and often have no code
    page, so their text would be read as latin-1 mojibake and ``0.00`` amounts as dates."""
    if not raw_head.startswith(_CFB_MAGIC):
        return None
    data = path.read_bytes() if path.stat().st_size < 64 << 20 else raw_head
    if "Workbook".encode("utf-16-le") in data:
        return None
    if "Book".encode("utf-16-le") in data:
        return ("an Excel 95 (BIFF5/7) workbook: its text has no reliable code page and its "
                "number formats can turn amounts into dates, so it is not read")
    return None


_DIM_RE = re.compile(rb'<(?:\w+:)?dimension[^>]*\sref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')
_CELL_RE = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]{1,3})(\d{1,7})"')


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def check_xlsx_size(path: Path) -> None:
    """Refuse an xlsx whose worksheets declare more than :data:`MAX_CELLS` cells, or whose
    parts would decompress beyond :data:`MAX_PART_BYTES`, before anything allocates them.

    Raises
    ------
    InputError
        With the sheet part and the declared range.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: calamine's own message says the file is damaged
    with zf:
        for info in zf.infolist():
            if info.file_size > MAX_PART_BYTES:
                raise InputError(
                    f"the workbook part '{info.filename}' would take {info.file_size:,} bytes "
                    "once unpacked; it is not read".replace(",", " "), file=path.name,
                    hint="open the file in Excel, delete what is not the table and save it "
                    "again, or export the table as CSV")
            if re.match(r"xl/sharedStrings\.xml$", info.filename, re.I):
                _check_shared_strings(zf, info, path)
                continue
            if not re.match(r"xl/worksheets/[^/]+\.xml$", info.filename):
                continue
            with zf.open(info) as fh:
                head = fh.read(1 << 16)
                m = _DIM_RE.search(head)
                if m and m.group(4):
                    rows, cols = int(m.group(4)), _col_number(m.group(3))
                    ref = f"{m.group(3).decode()}{rows}"
                else:
                    rows = cols = 0
                    ref = ""
                    chunk = head
                    while chunk:
                        for c, r in _CELL_RE.findall(chunk):
                            rows, cols = max(rows, int(r)), max(cols, _col_number(c))
                        chunk = fh.read(1 << 20)
                    ref = f"column {cols}, row {rows}"
            if rows * cols > MAX_CELLS:
                raise InputError(
                    f"the worksheet '{info.filename}' declares a range up to {ref} "
                    f"({rows * cols:_} cells); reading it would exhaust memory".replace(
                        "_", " "), file=path.name,
                    hint="in Excel, delete the empty rows and columns beyond the table (or "
                    "copy the table to a new workbook) and save again; or export it as CSV")


_SST_RE = re.compile(rb'<(?:\w+:)?sst[^>]*?\s(?:uniqueCount|count)="(\d+)"')


def _check_shared_strings(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> None:
    """A shared-string table declaring more strings than its bytes can hold (each takes at
    least ``<si><t/></si>``) would make the reader reserve memory for them: refuse it."""
    with zf.open(info) as fh:
        head = fh.read(4096)
    declared = max((int(n) for n in _SST_RE.findall(head)), default=0)
    if declared > info.file_size // 8 + 1 and declared > 1_000_000:
        raise InputError(
            f"the workbook declares {declared:,} shared strings in a part of {info.file_size:,} "
            "bytes: the file is malformed and reading it would exhaust memory".replace(",", " "),
            file=path.name, hint="open the file in Excel and save it again, or export the "
            "table as CSV")


_ROW_RE = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d+)"[^>]*?>')
_LEVEL_RE = re.compile(rb'outlineLevel="(\d+)"')


_HIDDEN_RE = re.compile(rb'\bhidden="(?:1|true)"')


def row_marks(path: Path) -> dict[str, tuple[dict[int, int], list[int]]]:
    """Per worksheet name, the outline (grouping) level of each row that has one, and the
    rows hidden in the sheet (1-based).

    1C reports saved to xlsx keep their hierarchy (manager › city › client) as row outline
    levels; a sheet filtered in Excel, or with its groups collapsed, hides rows that are
    still data. python-calamine exposes neither, so both are read from the sheet XML.
    Returns an empty dict for anything that is not a readable xlsx.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return {}
    out: dict[str, tuple[dict[int, int], list[int]]] = {}
    with zf:
        for name, info in _sheet_parts(zf):
            levels: dict[int, int] = {}
            hidden: set[int] = set()
            with zf.open(info) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    data = tail + chunk
                    for row in _ROW_RE.finditer(data):
                        lv = _LEVEL_RE.search(row.group(0))
                        if lv:
                            levels[int(row.group(1))] = int(lv.group(1))
                        if _HIDDEN_RE.search(row.group(0)):
                            hidden.add(int(row.group(1)))
                    tail = data[-512:]
            out[name] = (levels, sorted(hidden))
    return out


#: a cell with content (a self-closing empty cell is not one: its '/>' ends it)
_VALUE_CELL_RE = re.compile(rb"<(?:\w+:)?c\s([^>]*[^/>])>(.*?)</(?:\w+:)?c>", re.S)
_REF_RE = re.compile(rb'\br="([A-Z]+)(\d+)"')
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>([^<]*)</")
#: a formula cell closed without a value: '<f>D2*E2</f></c>', '<f>D2*E2</f><v></v></c>'
_NO_VALUE_RE = re.compile(
    rb"</(?:\w+:)?f>\s*(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>")
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")


def error_cells(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    """Per worksheet name, the cells holding an Excel error (``#DIV/0!``, ``#N/A`` …) by
    (row, column), both 0-based. python-calamine reads them as empty, so an amount that is a
    failed formula was rejected as "empty"; they are read from the sheet XML (``t="e"``).
    A formula stored without its computed value (a workbook written by a program, never
    opened in Excel) is given as its text, ``=D2*E2``: python-calamine reads it as empty."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return {}
    out: dict[str, dict[tuple[int, int], str]] = {}
    with zf:
        for name, info in _sheet_parts(zf):
            found: dict[tuple[int, int], str] = {}
            with zf.open(info) as fh:
                tail = b""
                while chunk := fh.read(1 << 20):
                    data = tail + chunk
                    if b't="e"' in data or _NO_VALUE_RE.search(data):
                        for m in _VALUE_CELL_RE.finditer(data):
                            attrs = m.group(1)
                            ref = _REF_RE.search(attrs)
                            val = _VALUE_RE.search(m.group(2))
                            if not ref:
                                continue
                            if b't="e"' in attrs and val:
                                text = val.group(1).decode("utf-8", "replace")
                            elif (val is None or not val.group(1).strip()) and (
                                    f := _FORMULA_RE.search(m.group(2))):
                                # a formula stored without its value (a file written by a
                                # program and never opened in Excel): said, not empty
                                text = "=" + f.group(1).decode("utf-8", "replace")
                            else:
                                continue
                            col = 0
                            for ch in ref.group(1):
                                col = col * 26 + ch - 64
                            found[(int(ref.group(2)) - 1, col - 1)] = text
                    tail = data[-4096:]
            if found:
                out[name] = found
    return out


_XF_RE = re.compile(rb"<(?:\w+:)?xf\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?xf>)", re.S)
_FONT_RE = re.compile(rb"<(?:\w+:)?font\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?font>)", re.S)
_BOLD_RE = re.compile(rb'<(?:\w+:)?b(?:\s+val="(true|1|false|0)")?\s*/>')
_CELL_STYLE_RE = re.compile(
    rb'<(?:\w+:)?c\s([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)', re.S)


def _section(data: bytes, tag: bytes) -> bytes:
    m = re.search(rb"<(?:\w+:)?" + tag + rb"\b[^>]*>(.*?)</(?:\w+:)?" + tag + rb">", data,
                  re.S)
    return m.group(1) if m else b""


def _cell_formats(styles: bytes) -> list[tuple[bool, int]]:
    """(bold, indent) of every cell format (``cellXfs``) of a ``styles.xml``."""
    bold_fonts = []
    for m in _FONT_RE.finditer(_section(styles, b"fonts")):
        b = _BOLD_RE.search(m.group(1) or b"")
        bold_fonts.append(b is not None and b.group(1) not in (b"false", b"0"))
    out = []
    for m in _XF_RE.finditer(_section(styles, b"cellXfs")):
        font = re.search(rb'fontId="(\d+)"', m.group(1))
        fid = int(font.group(1)) if font else 0
        indent = re.search(rb'<(?:\w+:)?alignment\b[^>]*?indent="(\d+)"', m.group(2) or b"")
        out.append((fid < len(bold_fonts) and bold_fonts[fid],
                    int(indent.group(1)) if indent else 0))
    return out


def row_styles(path: Path) -> dict[str, dict[int, tuple[bool, int]]]:
    """Per worksheet name, the (bold, indent) of the first filled cell of each row.

    Report forms that lost their outline levels (re-saved by another tool, or made by a
    system that never wrote them) still show their hierarchy as bold group rows and as
    indented names; python-calamine does not expose cell styles, so they are read from the
    styles and sheet XML. Returns an empty dict for anything that is not a readable xlsx.
    """
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return {}
    out: dict[str, dict[int, tuple[bool, int]]] = {}
    with zf:
        try:
            formats = _cell_formats(zf.read("xl/styles.xml"))
        except KeyError:
            return {}
        for name, info in _sheet_parts(zf):
            styles: dict[int, tuple[bool, int]] = {}
            with zf.open(info) as fh:
                data = fh.read(256 << 20)  # a form of at most 20 000 rows is far smaller
            for row in re.finditer(rb"<(?:\w+:)?row\s[^>]*?\br=\"(\d+)\"[^>]*?(?:/>|>(.*?)"
                                   rb"</(?:\w+:)?row>)", data, re.S):
                for c in _CELL_STYLE_RE.finditer(row.group(2) or b""):
                    if not re.search(rb"<(?:\w+:)?(v|is)\b", c.group(2) or b""):
                        continue  # an empty (only formatted) cell
                    s = re.search(rb'\ss="(\d+)"', b" " + c.group(1))
                    k = int(s.group(1)) if s else 0
                    styles[int(row.group(1))] = formats[k] if k < len(formats) else (False, 0)
                    break
            out[name] = styles
    return out


def _sheet_parts(zf: zipfile.ZipFile) -> list[tuple[str, zipfile.ZipInfo]]:
    """(worksheet name, its zip part) of every sheet a workbook lists."""
    try:
        book = zf.read("xl/workbook.xml")
        rels = zf.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return []
    targets = dict(re.findall(rb'Id="([^"]+)"[^>]*?Target="([^"]+)"', rels))
    targets.update({k: v for v, k in re.findall(rb'Target="([^"]+)"[^>]*?Id="([^"]+)"', rels)})
    parts = []
    for m in re.finditer(rb'<(?:\w+:)?sheet\s[^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', book):
        target = targets.get(m.group(2), b"").decode()
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        try:
            info = zf.getinfo(part)
        except KeyError:
            continue
        name = m.group(1).decode("utf-8")
        name = (name.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
                .replace("&quot;", '"').replace("&apos;", "'"))
        parts.append((name, info))
    return parts


def latin1_mojibake(rows: list[list[str | None]]) -> str | None:
    """A sample of Cyrillic text read through latin-1 (``Ïðîäàæè`` for ``Продажи``), as old
    ``.xls`` files without a code page give; None when the text looks right.

    Russian read as latin-1 is made almost entirely of accented letters; Western text has
    a few accented letters among plain ones.
    """
    letters, accented, sample = 0, 0, None
    for row in rows[:200]:
        for c in row:
            if not isinstance(c, str):
                continue
            for ch in c:
                if ch.isalpha():
                    letters += 1
                    if "\u00c0" <= ch <= "\u00ff":
                        accented += 1
                        sample = sample or c
    if letters >= 20 and accented > 0.6 * letters:
        return sample
    return None
