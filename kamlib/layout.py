"""A sheet's layout undone before its table is read: merged cells and two-row headers.

Excel reports (and 1C report forms saved to Excel) merge cells: a client's name over the
lines of its documents, ``Сумма`` over its sub-columns ``с НДС | без НДС``. A merged range
keeps its value in its top-left cell only; a person reading the sheet sees it over the
whole range. :func:`fill_merged` gives each cell of a range spanning rows the value the
sheet shows there; :func:`two_row_header` reads a header written on two rows (the one a
merged title over its sub-columns leaves, also in a CSV saved from such a sheet) as one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

__all__ = ["fill_merged", "is_rate_row", "stacked_level", "two_row_header"]

Range = tuple[tuple[int, int], tuple[int, int]]

_RATE_CELL = re.compile(r"(?i)^\s*(без\s+ндс|ндс\s*\d{1,2}\s*%|\d{1,2}([.,]\d+)?\s*%|"
                        r"ставка\s*\d{1,2}\s*%?)\s*$")
_LETTER = re.compile(r"[^\W\d_]")


def fill_merged(rows: list[list[Any]], ranges: Sequence[Range] | None
                ) -> list[tuple[int, int]]:
    """Fill every cell of a merged range that spans rows with the value of its top-left
    cell, as the sheet shows it; return the cells filled (0-based row, column).

    Only text and dates are filled: a number merged over several rows (a document's total
    over its lines) belongs to none of them alone, and copying it would count its money once
    per row; it stays in the first row. A range within one row (a title over sub-columns) is
    left to :func:`two_row_header`.

    >>> rows = [["Клиент", "Сумма"], ["Альфа", 1.0], [None, 2.0], [None, 3.0]]
    >>> fill_merged(rows, [((1, 0), (3, 0))]), [r[0] for r in rows]
    ([(2, 0), (3, 0)], ['Клиент', 'Альфа', 'Альфа', 'Альфа'])
    """
    filled: list[tuple[int, int]] = []
    for (r0, c0), (r1, c1) in ranges or ():
        if r1 <= r0 or r0 >= len(rows) or c0 >= len(rows[r0]):
            continue
        value = rows[r0][c0]
        if not (isinstance(value, date) or (isinstance(value, str) and value.strip())):
            continue
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            for c in range(c0, c1 + 1):
                if (r, c) == (r0, c0):
                    continue
                if c >= len(row):
                    row.extend([None] * (c + 1 - len(row)))
                if row[c] in (None, ""):
                    row[c] = value
                    filled.append((r, c))
    return filled


def is_rate_row(row: Sequence[object]) -> bool:
    """A second header row naming VAT rates (``10%``, ``20%``, ``Без НДС``) under a money
    column: every non-empty cell is a rate, and there are at least two."""
    cells = [str(c) for c in row if c is not None and str(c).strip()]
    return len(cells) >= 2 and all(_RATE_CELL.match(c) for c in cells)


def _text(c: object) -> str:
    return "" if c is None else re.sub(r"\s+", " ", str(c)).strip()


def _label(c: str) -> bool:
    """A header's text: letters, not a figure or a date."""
    return bool(_LETTER.search(c)) and len(c) <= 80


def two_row_header(top: Sequence[object], bottom: Sequence[object],
                   score: Callable[[list[str]], int]) -> list[str] | None:
    """The header as one row when ``bottom`` is the second row of a header over ``top``,
    else None.

    ``bottom`` is a second header row when every cell of it is a label (letters, no
    figures: a data row has amounts and dates), at least one of its labels stands under a
    blank cell of ``top`` (the rest of a merged title) or under a title repeated across
    columns, and the names read together are recognised no worse than ``top`` alone
    (``score``: how many known headers a row holds). Each column is named by its title and
    its sub-title: ``Сумма`` over ``с НДС | без НДС`` gives ``Сумма с НДС``, ``Сумма без
    НДС``; a title over nothing (or over itself, a merged cell filled) stays as it is.

    >>> def score(names): return sum(n in {"Дата", "Сумма с НДС", "Сумма без НДС"} for n in names)
    >>> two_row_header(["Дата", "Сумма", None], [None, "с НДС", "без НДС"], score)
    ['Дата', 'Сумма с НДС', 'Сумма без НДС']
    >>> two_row_header(["Дата", "Сумма"], ["01.11.2024", "100,00"], score) is None
    True
    >>> two_row_header(["Дата", "Сумма"], ["Дата", None], score)  # 'Дата' merged over both
    ['Дата', 'Сумма']
    """
    width = max(len(top), len(bottom))
    t = [_text(top[j]) if j < len(top) else "" for j in range(width)]
    b = [_text(bottom[j]) if j < len(bottom) else "" for j in range(width)]
    subs = [j for j in range(width) if b[j] and b[j] != t[j]]
    if not subs:
        # titles merged over both rows and nothing else (the merge filled): one header
        # (a whole header repeated is no second row: the reader skips repeated headers)
        return t if any(b) and not all(b[j] for j in range(width) if t[j]) else None
    if not all(_label(b[j]) for j in range(width) if b[j]):
        return None
    repeated = {x for x in t if x and t.count(x) > 1}
    if not any(not t[j] or t[j] in repeated for j in subs):
        return None
    names: list[str] = []
    title = ""      # the title over this column: a title spans the blanks right of it
    for j in range(width):
        if t[j]:
            # a title spans sub-columns only when it has a sub-title of its own ('Сумма'
            # over 'с НДС'); 'Дата' over a blank is a column of one row
            title = t[j] if b[j] and b[j] != t[j] else ""
        elif not b[j]:
            title = ""      # a blank over a blank: the span has ended
        if not b[j] or b[j] == t[j]:
            names.append(t[j])
        elif title:
            names.append(f"{title} {b[j]}")
        else:
            names.append(b[j])
    if score(names) < max(score(t), 1):
        return None
    return names


def stacked_level(top: Sequence[object], bottom: Sequence[object]) -> list[str] | None:
    """The header with ``bottom``'s one new label added to its column's name, when
    ``bottom`` is a level of a hierarchy stacked under the header (1C writes 'Контрагент',
    'Документ', 'Номенклатура' one under the other in the hierarchy column, the other titles
    merged over those rows): ``Контрагент / Документ``. Only a row whose other cells repeat
    the header (a merge filled) is one; else None.

    >>> stacked_level(["Контрагент", "Сумма"], ["Документ", "Сумма"])
    ['Контрагент / Документ', 'Сумма']
    >>> stacked_level(["Контрагент", "Сумма"], ["ООО Альфа", None]) is None
    True
    """
    width = max(len(top), len(bottom))
    t = [_text(top[j]) if j < len(top) else "" for j in range(width)]
    b = [_text(bottom[j]) if j < len(bottom) else "" for j in range(width)]
    copies = [j for j in range(width) if b[j] and b[j] == t[j]]
    new = [j for j in range(width) if b[j] and b[j] != t[j]]
    if not copies or len(new) != 1 or not t[new[0]] or not _label(b[new[0]]):
        return None
    names = list(t)
    names[new[0]] = f"{t[new[0]]} / {b[new[0]]}"
    return names
