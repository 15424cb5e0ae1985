"""Rows of a comma-separated file cut by an unquoted decimal comma, put back together.

A file separated by commas whose amounts carry a decimal comma without quotes
(``01.11.2024,РТУ-1,K001,12500,00``) has rows with more fields than its header: the
reader lists them as ragged (:attr:`kamlib.io.RawTable.ragged`) and the intake rejects
them. When the extra fields can be put back in one way only, each an integer part followed
by one or two decimal digits landing in an amount or number column, the row is repaired
and counted in a note; any other ragged row stays rejected with its reason.
"""

from __future__ import annotations

import csv
import re
from itertools import pairwise

import polars as pl

from ..io import RawTable

_WHOLE = re.compile(r"-?\d[\d\u00a0 ]*")   # the integer part: digits, maybe grouped
_FRACTION = re.compile(r"\d{1,2}")           # the decimals of an amount


def repair_decimal_commas(raw: RawTable, numeric: set[int]) -> int:
    """Put back the rows of ``raw`` cut by decimal commas; return how many.

    Parameters
    ----------
    raw : RawTable
        A table read from a comma-separated file; its ``data`` and ``ragged`` are updated.
    numeric : set of int
        The columns (0-based) that hold amounts or numbers: only a merge landing in one of
        them is a decimal comma.
    """
    if raw.delimiter != "," or not raw.ragged:
        return 0
    ncol = len(raw.headers)
    rows: list[int] = []
    values: list[list[str | None]] = []
    kept = []
    for item in raw.ragged:
        row, _, line = item
        fields = next(csv.reader([line], delimiter=",", quotechar='"'), [])
        merged = _merged(fields, ncol, numeric)
        if merged is None:
            kept.append(item)
            continue
        rows.append(row)
        values.append([v if v.strip() else None for v in merged])
    if not rows:
        return 0
    fix = pl.DataFrame({"_row": pl.Series(rows, dtype=pl.Int64), **{
        f"c{i}": pl.Series([v[i] for v in values], dtype=pl.String) for i in range(ncol)}})
    raw.data = raw.data.update(fix, on="_row", include_nulls=True)
    raw.ragged = kept
    return len(rows)


def _merged(fields: list[str], ncol: int, numeric: set[int]) -> list[str] | None:
    """The row's fields with its decimal commas put back, or ``None`` when that cannot be
    done in exactly one way."""
    extra = len(fields) - ncol
    if extra < 1:
        return None
    joins = [k for k in range(len(fields) - 1) if _WHOLE.fullmatch(fields[k].strip())
             and _FRACTION.fullmatch(fields[k + 1].strip())]
    if len(joins) != extra or any(b - a < 2 for a, b in pairwise(joins)):
        return None  # more places than extra fields, or overlapping ones: ambiguous
    out: list[str] = []
    k = 0
    while k < len(fields):
        if k in joins:
            if len(out) not in numeric:
                return None
            out.append(f"{fields[k].strip()},{fields[k + 1].strip()}")
            k += 2
        else:
            out.append(fields[k])
            k += 1
    return out if len(out) == ncol else None
