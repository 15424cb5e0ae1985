"""Reading raw exports as they come: CSV/TXT in any of the usual encodings, XLSX/XLS/ODS.

:func:`read_raw` returns a :class:`RawTable`: every cell as text (``null`` when empty), the
header row found under any title rows, and a 1-based ``_row`` column with the row number
as the user sees it (the line of a text file, the worksheet row of a spreadsheet), so that
every message can point at the cell. Parsing values is :mod:`kamlib.parse`'s job; deciding
what the columns mean is :mod:`kamlib.intake`'s.

The file utilities every step needs (hashing, atomic writes) live in :mod:`kamlib.atomic`
and are re-exported here.
"""

from __future__ import annotations

import csv
import functools
import os
import re
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import accumulate, pairwise
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from .atomic import atomic_dir, atomic_write_bytes, atomic_write_json, sha256_file, to_jsonable
from .errors import InputError
from .schema import TABLES, header_key
from .workbooks import (
    check_xlsx_size,
    is_html,
    latin1_mojibake,
    old_excel_problem,
    outline_levels,
    read_html_rows,
)

__all__ = [
    "SPREADSHEET_SUFFIXES",
    "TEXT_SUFFIXES",
    "RawTable",
    "atomic_dir",
    "atomic_write_bytes",
    "atomic_write_json",
    "read_raw",
    "sha256_file",
    "to_jsonable",
]

# a quoted comment or address may be longer than the csv module's default 131,072 characters
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))

TEXT_SUFFIXES = {".csv", ".txt", ".tsv"}
SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
_SNIFF_ROWS = 40
#: A text file is read this many lines at a time, with a progress line after each, when a
#: progress callback is given (kam run, kam check on a terminal).
PROGRESS_EVERY = 100_000
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
        What the reader found the file to be, when not what its extension says.
    title : list of str
        The text of the rows above the header (report titles with their period, filters).
    levels : dict of int to int
        Row → outline (grouping) level, for xlsx reports that group their rows.
    styles : dict of int to (bool, int)
        Row → (bold, indent) of its first filled cell, read from an xlsx when a report form
        without outline levels needs them (its group rows are bold or less indented than the
        rows under them); empty otherwise.
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

    @property
    def name(self) -> str:
        """File name, with the sheet if any: ``Продажи.xlsx[Лист1]``."""
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


# --------------------------------------------------------------------------- text files


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls > len(head) * 0.05


def _first_bad_utf8(raw: bytes) -> tuple[int, int]:
    """Return (line number, byte) of the first invalid UTF-8 sequence."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1, raw[exc.start]
    return 0, 0


def _cyrillic_share(text: str) -> float:
    letters = [c for c in text[:20000] if c.isalpha()]
    if not letters:
        return 0.0
    return sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters)


def _mojibake(text: str, min_cyrillic: int = 20) -> bool:
    """UTF-8 Cyrillic read as cp1251 looks like 'РџСЂРѕРґР°Р¶Рё': pairs starting with Р/С."""
    sample = text[:20000]
    pairs = len(re.findall(r"[РС][\u0400-\u04ff\u0080-\u00bf‚„…†‡€‰‹ЊЌЋЏђ‘’“”•–—™љ›њќћџ]", sample))
    cyr = sum("\u0400" <= c <= "\u04ff" for c in sample)
    return cyr > min_cyrillic and pairs > 0.3 * cyr / 2


_WORD = re.compile(r"[^\W\d_]+")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


# a word (a run of letters) with a Latin letter in it, from its first letter: the letters of
# U+00C0–U+024F are all but × and ÷
_LATIN_WORD = re.compile(
    r"(?<![^\W\d_])[^\W\d_]*?[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f][^\W\d_]*")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def mixed_script_words(text: str) -> int:
    """Words mixing Latin and Cyrillic letters (``Sociйtй``): the mark of a wrong code page.

    Among the first 200,000 characters; the words with a Latin letter are found by one
    regular expression and only those are searched for a Cyrillic one (a Python loop over
    every word cost 20 ms a file)."""
    return sum(1 for w in _LATIN_WORD.findall(text[:200_000]) if _CYRILLIC.search(w))


def _western(raw: bytes) -> str | None:
    """The text as cp1252 when that is the better reading of a non-UTF-8 file, else None.

    Decided by the letters each reading gives: Western text read as cp1251 mixes Cyrillic
    letters into Latin words (``Société`` → ``Sociйtй``), whereas Russian text read as
    cp1252 is made almost entirely of accented letters (``ÎÎÎ Ðîìàøêà``).
    """
    # both code pages are one byte a character: the first 200,000 bytes are the first
    # 200,000 characters, all the letter checks look at; the whole file is decoded only
    # when it is the answer, and searched for the bytes cp1252 cannot decode only when the
    # head's letters leave cp1252 possible (Russian text read as cp1252 rules it out first)
    head = raw[:200_000]
    if any(b in head for b in _CP1252_UNDEFINED):  # bytes cp1252 cannot decode
        return None
    as_1252 = head.decode("cp1252")
    letters = [c for c in as_1252 if c.isalpha()]
    high = sum(1 for c in letters if not c.isascii())
    if not letters or high > 0.5 * len(letters):
        return None
    if any(b in raw for b in _CP1252_UNDEFINED):
        return None
    if mixed_script_words(head.decode("cp1251", errors="replace")) > mixed_script_words(
            as_1252):
        return raw.decode("cp1252")
    return None


def encoding_doubt(text: str, encoding: str) -> str | None:
    """A note when the decoded text still mixes scripts inside words (the code page may be
    wrong), else None."""
    n = mixed_script_words(text)
    if not n or n < 0.2 * sum(1 for w in _WORD.findall(text[:200_000]) if not w.isascii()):
        return None  # a few look-alike letters in names are normal in 1C data
    return (f"read as {encoding}, but {n} word(s) mix Latin and Cyrillic letters: the code "
            "page may be wrong; check the names, and declare 'encoding' for the file in "
            "engagement.yaml if they look garbled")


def _not_utf8(raw: bytes) -> bool:
    """True when the first 64 KiB already hold a byte sequence UTF-8 cannot decode (not a
    character cut at the end of that head): then the whole file is not UTF-8 either, and
    is not decoded as such in vain (a failed decode of a 2,000,000-line cp1251 register
    cost 0.3 s and a copy of its bytes, which the error object keeps)."""
    head = raw[:1 << 16]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.end < len(head) and exc.reason != "unexpected end of data"
    return False


def decode_text(raw: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """Decode a text export; detect utf-8 / utf-8-sig / utf-16 / cp1251 unless declared.

    Raises
    ------
    InputError
        When the declared encoding does not fit the bytes, or nothing plausible fits.
    """
    name = path.name
    if declared:
        enc = declared.lower().replace("_", "-")
        try:
            text = raw.decode(enc)
        except LookupError:
            raise InputError(f"unknown encoding '{declared}' declared in engagement.yaml",
                             file=name, hint="use utf-8, utf-8-sig, cp1251 or remove the "
                             "'encoding' line to let the workbench detect it") from None
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            guess = "cp1251" if _first_bad_utf8(raw)[0] else "utf-8"
            raise InputError(
                f"the file is not valid {declared}: byte 0x{raw[exc.start]:02X} cannot be "
                f"decoded; it looks like {guess}",
                file=name, row=line,
                hint=f"set 'encoding: {guess}' for this file in engagement.yaml, or remove "
                "the 'encoding' line to let the workbench detect it",
            ) from None
        if enc in {"cp1251", "windows-1251"} and _mojibake(text):
            line_no, garbled = next(((i, ln) for i, ln in enumerate(text.splitlines(), 1)
                                     if _mojibake(ln, min_cyrillic=3)), (1, text[:40]))
            raise InputError(
                f"the file is declared {declared} but is UTF-8: read as {declared} its "
                f"Cyrillic text turns into '{garbled[:40].strip()}…'",
                file=name, row=line_no,
                hint="set 'encoding: utf-8' for this file in engagement.yaml, or remove the "
                "'encoding' line to let the workbench detect it")
        return text.lstrip("\ufeff"), enc
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if not _not_utf8(raw):
        try:
            return raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    western = _western(raw)
    if western is not None:
        return western, "cp1252"
    try:
        text = raw.decode("cp1251")
        if _cyrillic_share(text) > 0.05 or not re.search(r"[\x80-\xff]", raw[:20000].decode(
                "latin-1")):
            return text, "cp1251"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    if best is None:
        line, byte = _first_bad_utf8(raw)
        raise InputError("cannot tell the file's encoding (not UTF-8, not cp1251)",
                         file=name, row=line or None, value=f"0x{byte:02X}",
                         hint="re-save the file as UTF-8 or Windows-1251 CSV, or declare "
                         "'encoding' for it in engagement.yaml")
    return raw.decode(best.encoding, errors="strict"), best.encoding


_CP1251_UNDEFINED = b"\x98"  # the one byte cp1251 cannot decode
_CP1251_NAMES = {"cp1251", "windows-1251"}


def single_byte_encoding(raw: bytes, declared: str | None = None) -> str | None:
    """The code page when :func:`decode_text` would decode the whole file as cp1251 without
    an error, decided from the head and one search of the bytes; else ``None``.

    A cp1251 file can then be transcoded to UTF-8 part by part as it is read (a character
    is one byte, so any cut is a character boundary) instead of being decoded whole into a
    Python string: for a 2,000,000-line register that is 0.5 s instead of 1 s, and the
    string (twice the file's size) is never held. Every check :func:`decode_text` makes
    looks at the first 20,000 characters, which are the first 20,000 bytes here; the only
    whole-file question, whether the decode can fail, is the search for the byte 0x98.
    Anything else (a BOM, UTF-8, a Western code page, an undecodable byte, a declared
    cp1251 file that is UTF-8) goes through :func:`decode_text`, whose messages stay the
    same.
    """
    if declared:
        enc = declared.lower().replace("_", "-")
        if enc not in _CP1251_NAMES or _CP1251_UNDEFINED in raw:
            return None
        return None if _mojibake(raw[:20000].decode(enc)) else enc
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or not _not_utf8(raw):
        return None
    if _western(raw) is not None or _CP1251_UNDEFINED in raw:
        return None  # (_western decodes the whole file only when cp1252 is the answer)
    head = raw[:20000]
    if _cyrillic_share(head.decode("cp1251")) > 0.05 or not re.search(
            r"[\x80-\xff]", head.decode("latin-1")):
        return "cp1251"
    return None


_TRANSCODE_PIECE = 1 << 20  # transcoded a megabyte at a time: 2x faster than whole


def _utf8(view: memoryview, encoding: str | None) -> bytes:
    """The bytes as UTF-8: a copy when they are already UTF-8 (``encoding`` None), else
    decoded and encoded a piece at a time (the pieces stay in the CPU's cache; a decode of
    hundreds of megabytes at once is about twice as slow, and holds a string of twice the
    bytes' size)."""
    if encoding is None:
        return bytes(view)
    return b"".join([str(view[i:i + _TRANSCODE_PIECE], encoding).encode("utf-8")
                     for i in range(0, len(view), _TRANSCODE_PIECE)])


def _csv_lines(lines: list[str]) -> list[str]:
    """Lines for the csv module: a carriage return inside a line (a quoted value with a
    line break, or a stray CR) becomes a space; the line count does not change."""
    return [ln.replace("\r", " ") for ln in lines]


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


def _headers_from(cells: list[Any]) -> list[str]:
    out = []
    for i, c in enumerate(cells):
        text = "" if c is None else re.sub(r"\s+", " ", str(c)).strip()
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
    long (:func:`_read_in_parts`), a cp1251 file transcoded to UTF-8 part by part while
    polars reads the part before. Lines are counted on '\n' exactly as polars does, so
    ``_row`` is the line number a text editor shows.

    ``raw`` may be handed over in a one-element list, which is emptied: then the file's
    bytes are freed as soon as they are no longer needed (a 2,000,000-line register is
    hundreds of megabytes in each form).
    """
    if isinstance(raw, list):
        raw = raw.pop()
    transcode = single_byte_encoding(raw, encoding)  # cp1251: transcoded as it is read
    if transcode:
        enc = transcode
        note = None if encoding else encoding_doubt(raw[:200_000].decode(enc), enc)
        data = raw
    else:
        text, enc = decode_text(raw, path, encoding)
        note = encoding_doubt(text, enc) if enc in ("cp1251", "cp1252") and not encoding else None
        if enc in ("utf-8", "utf-8-sig"):
            data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
        else:
            raw = b""
            data = text.encode("utf-8")
        del text
    del raw
    if b"\n" not in data[:1 << 16] and b"\r" in data[:1 << 16]:
        data = data.replace(b"\r", b"\n")  # classic Mac line ends
    head = data[:_line_offset(data, max(_SNIFF_ROWS, header_row or 0) + 1)]
    lines = [ln.rstrip("\r") for ln in head.decode(transcode or "utf-8").split("\n")]
    if not any(ln.strip() for ln in lines):
        raise InputError("the file has no text (only empty lines)", file=path.name,
                         hint="export the table again; the file is empty")
    delim = delimiter or sniff_delimiter(lines)
    head_rows = _split_sample(lines[:_SNIFF_ROWS], delim)
    h = header_row - 1 if header_row else _find_header(head_rows)
    if h >= len(lines) or not lines[h].strip():
        raise InputError(f"header_row {header_row} is past the end of the file or empty",
                         file=path.name, row=header_row,
                         hint="fix 'header_row' in engagement.yaml")
    headers = _headers_from(next(csv.reader(_csv_lines([lines[h]]), delimiter=delim,
                                            quotechar='"')))
    skipped = [(i + 1, "above the header (title or filter line)")
               for i in range(h) if lines[i].strip()]
    del head
    names = [f"c{i}" for i in range(len(headers))]
    start = _line_offset(data, h + 1)
    frame = _read_in_parts(data, start, delim, names, path.name, on_progress, transcode, h + 2)
    if frame is not None:  # one record a line: the rows are the lines
        # one chunk per column, as a whole read gives: polars copies a frame whose columns
        # are cut differently at the first operation that aligns them (the parsed columns
        # are one chunk), wherever that is; here it costs 0.15 s on 2,000,000 lines and
        # is done after the file's bytes are freed
        del data
        return RawTable(path, None, enc, delim, h + 1, headers, frame.rechunk(), skipped,
                        [], note)
    with memoryview(data) as view:
        body = _utf8(view[start:], transcode) if transcode or start else data
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
    return RawTable(path, None, enc, delim, h + 1, headers, frame, skipped, ragged, note)


def _read_whole(body: bytes, delim: str, names: list[str], h: int, label: str
                ) -> tuple[pl.DataFrame, list[tuple[int, int, str]], list[int] | None]:
    """The body read at once: (the table, the rows with more fields than the header, the
    line of each record when the csv module read the table, else ``None``)."""
    try:
        return _polars_csv(body, delim, names, strict=True), [], None
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError):
        pass
    # a row with more fields than the header (the first data row too, which polars reports
    # as a schema error), or a quote polars cannot place: the csv module finds the rows
    ragged, _, _ = _csv_records(body, delim, h + 2, label, len(names))
    try:
        return _polars_csv(body, delim, names, strict=False), ragged, None
    except pl.exceptions.ComputeError:
        # a quote inside an unquoted value (12" monitor, ООО "Вектор): polars 2 stops on
        # one it cannot pair; the csv module takes it as a character, as Excel does
        pass
    _, columns, starts = _csv_records(body, delim, h + 2, label, len(names), keep=True)
    return pl.DataFrame([pl.Series(n, c, dtype=pl.String) for n, c in zip(
        names, columns, strict=True)]), ragged, starts


#: A quoted value running over more lines than this is taken for a quote never closed.
MAX_LINES_IN_VALUE = 200


def _csv_records(body: bytes, delim: str, first_line: int, label: str, ncol: int, *,
                 keep: bool = False, columns: bool = True
                 ) -> tuple[list[tuple[int, int, str]], list[list[str | None]], list[int]]:
    """The body by the csv module: (the rows with more fields than ``ncol``: line, fields,
    text; when ``keep``, the ``ncol`` columns (empty as ``None``, short rows padded, long
    ones cut; not when ``columns`` is false) and the line each record starts on).

    Raises
    ------
    InputError
        When a quoted value swallows rows (:func:`_check_span`): a quote opened at the
        start of a value and not closed where the value ends.
    """
    text = [ln.rstrip("\r") for ln in body.decode("utf-8").split("\n")]
    if text and text[-1] == "":
        text.pop()  # the line break at the end of the file ends the last line
    reader = csv.reader(_csv_lines(text), delimiter=delim, quotechar='"')
    ragged: list[tuple[int, int, str]] = []
    cols: list[list[str | None]] = [[] for _ in range(ncol)] if keep and columns else []
    starts: list[int] = []
    line = 0
    for row in reader:
        _check_span(text, line, reader.line_num, delim, ncol, label, first_line)
        if len(row) > ncol and any(x.strip() for x in row[ncol:]):
            ragged.append((first_line + line, len(row), text[line]))
        if keep:
            starts.append(first_line + line)
            for i, col in enumerate(cols):
                col.append((row[i] or None) if i < len(row) else None)
        line = reader.line_num
    return ragged, cols, starts


def _read_in_parts(data: bytes, start: int, delim: str, names: list[str], label: str,
                   on_progress: Callable[[str], None] | None,
                   encoding: str | None, first_line: int) -> pl.DataFrame | None:
    """The body (``data`` from byte ``start``) read about :data:`PROGRESS_EVERY` lines at
    a time, a progress line after each part when ``on_progress`` is given.

    Each part is transcoded to UTF-8 (``encoding``: the file's single-byte code page) or
    copied, then read by polars in a thread while the next part is prepared: transcoding
    holds the interpreter, polars does not, so on two cores the two overlap. ``None`` (read
    it whole) when the body is shorter than a part, or when a part could cut a quoted value
    or holds anything but one record a line (a value spanning lines, a ragged row): the
    whole read handles those, with the same result.

    Each part gets its ``_row`` (its lines, from ``first_line``), cut in the same chunks as
    its other columns.
    """
    size = len(data) - start
    if on_progress:
        total = _count_lines(memoryview(data)[start:])
        if total <= PROGRESS_EVERY:
            return None
        step = max(1, size * PROGRESS_EVERY // total)  # bytes of about that many lines
    else:  # the length of a part from the lines of its first 64 KiB: no count of the whole
        total = 0
        sample = min(size, 1 << 16)
        step = max(1, sample * PROGRESS_EVERY // max(1, data.count(b"\n", start, start + sample)))
        if size <= step:
            return None
    parts: list[pl.DataFrame] = []
    pending: deque[Future[pl.DataFrame | None]] = deque()
    done, pos, end_all = 0, start, len(data)
    view = memoryview(data)

    def _take() -> bool:  # the oldest part read; False when it is not one record a line
        nonlocal done
        part = pending.popleft().result()
        if part is None:
            return False
        parts.append(part.insert_column(0, _line_numbers(part, first_line + done)))
        done += part.height
        if on_progress:
            on_progress(f"{label}: {done:,} of {total:,} lines read")
        return True

    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            while pos < end_all:
                cut = data.find(b"\n", pos + step)
                end = end_all if cut < 0 else cut + 1
                chunk = _utf8(view[pos:end], encoding)
                pending.append(pool.submit(_read_part, view[pos:end], chunk, delim, names))
                del chunk
                pos = end
                if len(pending) > 1 and not _take():
                    return None
            while pending:
                if not _take():
                    return None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    return pl.concat(parts, rechunk=False)


def _line_numbers(part: pl.DataFrame, first: int) -> pl.Series:
    """``_row``: ``first``, ``first + 1``, … cut in the chunks the part's columns are cut
    in (those of polars' reader, the same for every column)."""
    sizes = [len(c) for c in part.to_series(0).get_chunks()] if part.width else [part.height]
    bounds = list(accumulate(sizes, initial=first))
    return pl.concat([pl.int_range(a, b, dtype=pl.Int64, eager=True)
                      for a, b in pairwise(bounds)], rechunk=False).alias("_row")


def _count_lines(raw: memoryview) -> int:
    """Lines of the bytes as polars counts records: the '\n's, plus a last line without
    one. NumPy, a block at a time: twice as fast as ``bytes.count`` and without the GIL."""
    n = sum(int(np.count_nonzero(np.frombuffer(raw[i:i + _COUNT_BLOCK], np.uint8) == 10))
            for i in range(0, len(raw), _COUNT_BLOCK))
    return n + (len(raw) > 0 and raw[-1] != 10)


_COUNT_BLOCK = 1 << 22


def _read_part(raw: memoryview, chunk: bytes, delim: str,
               names: list[str]) -> pl.DataFrame | None:
    """One part of the body: ``chunk`` (its UTF-8 bytes) read by polars, or ``None`` when
    ``raw`` (its bytes as in the file) holds an odd number of quotes (a cut inside a quoted
    value) or polars finds other than one record a line. Counted with NumPy, which like
    polars leaves the interpreter free for the next part's transcoding."""
    codes = np.frombuffer(raw, dtype=np.uint8)
    if np.count_nonzero(codes == ord('"')) % 2:
        return None
    del codes
    lines = _count_lines(raw)
    try:
        part = _polars_csv(chunk, delim, names, strict=True)
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError):
        return None
    return part if part.height == lines else None


_NON_SPACE = re.compile(rb"\S")  # the bytes bytes.strip() does not strip


def _polars_csv(body: bytes, delim: str, names: list[str], *, strict: bool) -> pl.DataFrame:
    if _NON_SPACE.search(body) is None:  # blank (without copying the body, as strip would)
        return pl.DataFrame({n: pl.Series([], dtype=pl.String) for n in names})
    return pl.read_csv(
        body,
        separator=delim,
        has_header=False,
        schema={n: pl.String for n in names},  # all text; rows shorter are padded with nulls
        quote_char='"',
        truncate_ragged_lines=not strict,
        raise_if_empty=False,
        missing_columns="insert",
        # the extra fields of a ragged row are cut here, after being found and rejected
        extra_columns="raise" if strict else "ignore",
    )


def _record_lines(body: bytes, delim: str, first_line: int, label: str, ncol: int,
                  records: int | None = None) -> list[int] | None:
    """Line numbers of each record when quoted values span lines (else ``None``).

    polars counts records, not lines; a value with a line break inside quotes would shift
    every later row number, so the numbers are recounted with the csv module. ``records``
    is the number of records polars read from ``body``: when it equals the number of lines
    (polars keeps blank lines as empty records), no record spans lines and the recount in
    Python is skipped. A value whose lines look like rows of the table is a quote opened
    and closed rows later (:func:`_check_span`): an error, not rows read as one value.
    """
    if b'"' not in body:
        return None
    if records is not None and records == body.count(b"\n") + (not body.endswith(b"\n")):
        return None
    _, _, starts = _csv_records(body, delim, first_line, label, ncol, keep=True,
                                columns=False)
    if len(starts) == body.count(b"\n") + (not body.endswith(b"\n")):
        return None
    return starts


def _check_span(text: list[str], line: int, end: int, delim: str, ncol: int, label: str,
                first_line: int) -> None:
    """Stop on a record from ``text[line]`` to ``text[end - 1]`` that is more likely rows
    swallowed by a stray quote than one value with line breaks: it runs over more than
    :data:`MAX_LINES_IN_VALUE` lines, or a line inside it holds as many delimiters as a
    row of the table (an address or a comment over two lines does not)."""
    if end - line <= 1:
        return
    row_like = max(2, ncol - 1)
    if end - line <= MAX_LINES_IN_VALUE and not any(
            text[j].count(delim) >= row_like for j in range(line + 1, end)):
        return
    first = text[line]
    opened = first.rfind(delim + '"') + 1 or (0 if first.startswith('"') else -1)
    raise InputError(
        f"a quoted value starting on this row runs over {end - line} lines, which look like "
        f"rows of the table: a quote (\") opened at the start of a value and closed only "
        f"{end - line - 1} line(s) later, so those rows would be read as one value",
        file=label, row=first_line + line, value=first[max(opened, 0):][:80],
        column=f"column {first.count(delim, 0, opened) + 1}" if opened >= 0 else None,
        hint="close or remove the quote in that row (in a text editor), or export the "
        "table again with the quotes in values doubled")




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
        return repr(v)
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, time | timedelta):
        return str(v)
    return str(v)


def _read_spreadsheet(path: Path, *, sheet: str | None, header_row: int | None) -> list[RawTable]:
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises several types for broken files
        raise InputError(
            f"cannot open as a spreadsheet ({type(exc).__name__}: {str(exc)[:120]})",
            file=path.name,
            hint="the file is damaged or not really an Excel file: open it in Excel and "
            "save it again as .xlsx, or export it again from the source system",
        ) from None
    names = wb.sheet_names
    if sheet is not None:
        if sheet not in names:
            raise InputError(f"there is no sheet '{sheet}'; sheets are: {', '.join(names)}",
                             file=path.name, hint="fix 'sheet' in engagement.yaml")
        names = [sheet]
    tables = []
    xlsx = path.suffix.lower() in (".xlsx", ".xlsm")
    levels = outline_levels(path) if xlsx else {}
    for name in names:
        try:
            rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise InputError(f"cannot read sheet '{name}' ({exc})", file=path.name,
                             hint="open the file in Excel and save it again as .xlsx") from None
        texts = [[_cell_text(v) for v in r] for r in rows]
        garbled = latin1_mojibake(texts)
        if garbled is not None:
            raise InputError(
                f"the text of sheet '{name}' reads as latin-1 mojibake (e.g. '{garbled[:40]}'): "
                "the workbook does not say its code page (an old .xls)", file=path.name,
                sheet=name, hint="open the file in Excel (or LibreOffice with the Cyrillic "
                "Windows-1251 encoding), check the text, and save it as .xlsx")
        table = _table_from_rows(path, name, texts, header_row)
        if table is not None:
            table.levels = levels.get(name, {})
            tables.append(table)
    if not tables:
        raise InputError("the workbook has no data: every sheet is empty", file=path.name,
                         hint="export the table again, or remove the file from raw/")
    return tables


def _table_from_rows(path: Path, name: str | None, rows: list[list[str | None]],
                     header_row: int | None, note: str | None = None) -> RawTable | None:
    """A RawTable from a sheet's rows of cell texts (None when the sheet is empty)."""
    while rows and not any(rows[-1]):
        rows.pop()
    if not rows:
        return None
    h = header_row - 1 if header_row else _find_header(rows)
    if h >= len(rows):
        raise InputError(f"header_row {header_row} is past the last row ({len(rows)})",
                         file=path.name, sheet=name, hint="fix 'header_row'")
    hdr = rows[h]
    last = max((i for i, c in enumerate(hdr) if c is not None), default=-1)
    sub = rows[h + 1] if h + 1 < len(rows) else []
    two_rows = _is_rate_subheader(sub)
    if two_rows:
        last = max(last, max(i for i, c in enumerate(sub) if c is not None))
    width = max(last + 1, 1)
    headers = _headers_from(hdr[:width] + [None] * (width - len(hdr[:width])))
    if two_rows:
        # a money column split into VAT-rate sub-columns under one merged header cell
        base = ""
        for j in range(width):
            if j < len(hdr) and hdr[j] is not None:
                base = headers[j]
            if j < len(sub) and sub[j] is not None:
                headers[j] = f"{base} [{str(sub[j]).strip()}]"
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
    if two_rows:
        skipped.append((h + 2, "second header row (VAT rates of the money columns)"))
    title = [" ".join(str(c) for c in rows[i] if c) for i in range(h) if any(rows[i])]
    return RawTable(path, name, None, None, h + 1, headers, data, skipped, ragged, note,
                    title)


_RATE_CELL = re.compile(r"(?i)^\s*(без\s+ндс|ндс\s*\d{1,2}\s*%|\d{1,2}([.,]\d+)?\s*%|"
                        r"ставка\s*\d{1,2}\s*%?)\s*$")


def _is_rate_subheader(row: list[str | None]) -> bool:
    """A second header row naming VAT rates (``10%``, ``20%``, ``Без НДС``) under a money
    column: every non-empty cell is a rate, and there are at least two."""
    cells = [str(c) for c in row if c is not None and str(c).strip()]
    return len(cells) >= 2 and all(_RATE_CELL.match(c) for c in cells)


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
    if suffix in SPREADSHEET_SUFFIXES:
        if path.stat().st_size == 0:
            raise InputError("the file is empty (0 bytes)", file=path.name,
                             hint="export the table again")
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
        if is_html(head):
            raw_html = path.read_bytes()
            table = _table_from_rows(
                path, None, read_html_rows(path, raw_html), header_row,
                note=f"an HTML table saved as {suffix} (as 1C and web systems do); read as a "
                "table")
            if table is None:
                raise InputError("the HTML table in the file is empty", file=path.name,
                                 hint="export the report again")
            return [table]
        problem = old_excel_problem(path, head)
        if problem:
            raise InputError(problem, file=path.name,
                             hint="open the file in Excel (or LibreOffice), check that the text "
                             "and amounts look right, and save it as .xlsx; or export it again")
        if head.startswith(b"PK"):
            check_xlsx_size(path)
        return _read_spreadsheet(path, sheet=sheet, header_row=header_row)
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
    if _looks_binary(raw):
        raise InputError("the file is binary, not a text table", file=path.name,
                         hint="export the table again as CSV or XLSX")
    box = [raw]  # handed over: _read_text frees the bytes when it no longer needs them
    del raw
    return [_read_text(path, box, encoding=encoding, delimiter=delimiter, header_row=header_row,
                       on_progress=on_progress)]
