"""The body of a text export read by polars: in parts or whole, each record with its line.

:mod:`kamlib.io` finds the header in the first lines; the lines under it come here as bytes.
A long body is read a part at a time (:func:`_read_in_parts`), a cp1251 one transcoded to
UTF-8 part by part while polars reads the part before; a body whose values span lines, whose
rows are ragged or whose quotes polars cannot place is read whole (:func:`_read_whole`),
by the csv module where polars stops. Every record keeps the line it starts on, so that a
message points at the line a text editor shows.
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import accumulate, pairwise

import numpy as np
import polars as pl

from .errors import InputError
from .textcodes import _utf8

#: A text file is read this many lines at a time, with a progress line after each, when a
#: progress callback is given (kam run, kam check on a terminal).
PROGRESS_EVERY = 100_000

# a quoted comment or address may be longer than the csv module's default 131,072 characters
csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))


def _csv_lines(lines: list[str]) -> list[str]:
    """Lines for the csv module: a carriage return inside a line (a quoted value with a
    line break, or a stray CR) becomes a space; the line count does not change."""
    return [ln.replace("\r", " ") for ln in lines]


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
                pending.append(pool.submit(_read_part, view[pos:end], chunk, delim, names,
                                           check_utf8=encoding is None))
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


def _read_part(raw: memoryview, chunk: bytes, delim: str, names: list[str], *,
               check_utf8: bool = False) -> pl.DataFrame | None:
    """One part of the body: ``chunk`` (its UTF-8 bytes) read by polars, or ``None`` when
    ``raw`` (its bytes as in the file) holds an odd number of quotes (a cut inside a quoted
    value), polars finds other than one record a line, or, with ``check_utf8``, ``chunk``
    (the file's own bytes) is not UTF-8. Counted and checked with NumPy and polars, which
    leave the interpreter free for the next part's transcoding."""
    codes = np.frombuffer(raw, dtype=np.uint8)
    if np.count_nonzero(codes == ord('"')) % 2:
        return None
    del codes
    if check_utf8 and not _is_utf8(chunk):
        return None
    lines = _count_lines(raw)
    try:
        part = _polars_csv(chunk, delim, names, strict=True)
    except (pl.exceptions.ComputeError, pl.exceptions.SchemaError):
        return None
    return part if part.height == lines else None


def _is_utf8(chunk: bytes) -> bool:
    """Whether the bytes are UTF-8, as ``bytes.decode`` would say: polars' check (a part
    cut at a line end never cuts a character), 0.1 s for 465 MB where a decode takes 0.65 s
    and holds the interpreter."""
    try:
        pl.Series([chunk], dtype=pl.Binary).cast(pl.String)
    except pl.exceptions.ComputeError:
        return False
    return True


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
