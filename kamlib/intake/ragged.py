"""Rows of a comma-separated file cut by an unquoted decimal comma, put back together.

A file separated by commas whose amounts carry a decimal comma without quotes
(``01.11.2024,РТУ-1,K001,12500,00``) has rows with more fields than its header: the
reader lists them as ragged (:attr:`kamlib.io.RawTable.ragged`) and the intake rejects
them. When the extra fields can be put back in one way only, each an integer part followed
by its decimals landing in an amount (two digits) or number column (one to three), the row
is repaired and counted in a note. A row that fits several ways is repaired only when one
of them merges no other columns than the rows that fit one way do (a file's amounts carry
decimals, its quantities not: '1,100,50' is 1 and 100,50); any other ragged row stays
rejected with its reason.
"""

from __future__ import annotations

import csv
import re
from itertools import combinations, pairwise

import polars as pl

from ..io import RawTable

_WHOLE = re.compile(r"-?\d[\d\u00a0 ]*")   # the integer part: digits, maybe grouped
_KOPECKS = re.compile(r"\d{2}")              # the decimals of an amount: two, as 1C writes
_DECIMALS = re.compile(r"\d{1,3}")           # of a quantity: one to three (1C: 5,000)


def repair_decimal_commas(raw: RawTable, money: set[int], numbers: set[int]
                          ) -> list[int]:
    """Put back the rows of ``raw`` cut by decimal commas; return their rows (``_row``).

    Parameters
    ----------
    raw : RawTable
        A table read from a comma-separated file; its ``data`` and ``ragged`` are updated.
    money, numbers : set of int
        The columns (0-based) that hold amounts (two decimals) and other numbers (one to
        three): only a merge landing in one of them is a decimal comma.
    """
    if raw.delimiter != "," or not raw.ragged:
        return []
    ncol = len(raw.headers)
    found = []
    for item in raw.ragged:
        fields = next(csv.reader([item[2]], delimiter=",", quotechar='"'), [])
        found.append((item, _ways(fields, ncol, money, numbers)))
    # the rows that fit one way only tell which columns carry decimal commas; a row that
    # fits several is put back only if one of them uses those columns alone
    profile = {c for _, ways in found if len(ways) == 1 for c in ways[0][1]}
    rows: list[int] = []
    values: list[list[str | None]] = []
    kept = []
    for item, ways in found:
        if len(ways) > 1:
            ways = [w for w in ways if w[1] <= profile]
        if len(ways) != 1:
            kept.append(item)
            continue
        rows.append(item[0])
        values.append([v if v.strip() else None for v in ways[0][0]])
    if not rows:
        return []
    fix = pl.DataFrame({"_row": pl.Series(rows, dtype=pl.Int64), **{
        f"c{i}": pl.Series([v[i] for v in values], dtype=pl.String) for i in range(ncol)}})
    raw.data = raw.data.update(fix, on="_row", include_nulls=True)
    raw.ragged = kept
    return rows


def _ways(fields: list[str], ncol: int, money: set[int], numbers: set[int]
          ) -> list[tuple[list[str], set[int]]]:
    """The ways to put the row's decimal commas back: (the fields, the columns merged),
    each merge an integer part and its decimals landing in an amount (two decimals) or a
    number column (one to three)."""
    extra = len(fields) - ncol
    if extra < 1:
        return []
    places = [k for k in range(len(fields) - 1) if _WHOLE.fullmatch(fields[k].strip())
              and _DECIMALS.fullmatch(fields[k + 1].strip())]
    if len(places) > _MAX_PLACES:
        return []
    out = []
    for joins in combinations(places, extra):
        if any(b - a < 2 for a, b in pairwise(joins)):
            continue  # overlapping
        row: list[str] = []
        cols: set[int] = set()
        k, ok = 0, True
        while k < len(fields) and ok:
            if k in joins:
                col, frac = len(row), fields[k + 1].strip()
                ok = col in numbers or (col in money and _KOPECKS.fullmatch(frac) is not None)
                row.append(f"{fields[k].strip()},{frac}")
                cols.add(col)
                k += 2
            else:
                row.append(fields[k])
                k += 1
        if ok and len(row) == ncol:
            out.append((row, cols))
    return out


_MAX_PLACES = 12  # more places to join than this: not a row of amounts cut by commas
