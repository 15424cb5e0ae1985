"""Formatting of a sample's figures the way the exports write them; workbooks and the size cap."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

MAX_FILE_BYTES = 4_500_000
_XLSX_CREATED = datetime(2026, 1, 15, 10, 32, 11)
_XLSX_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False,
                 "strings_to_urls": False}


def _ru_money(k: np.ndarray) -> list[str]:
    """Minor units → ``-1\u00a0234,56``."""
    out = []
    for v in np.asarray(k, dtype=np.int64).tolist():
        a = abs(v)
        s = f"{a // 100:,}".replace(",", "\u00a0") + f",{a % 100:02d}"
        out.append("-" + s if v < 0 else s)
    return out


def _ru_qty(q10: np.ndarray) -> list[str]:
    out = []
    for v in np.asarray(q10, dtype=np.int64).tolist():
        a = abs(v)
        s = f"{a // 10:,}".replace(",", "\u00a0") + (f",{a % 10}" if a % 10 else "")
        out.append("-" + s if v < 0 else s)
    return out


def _en_money(k: np.ndarray) -> list[str]:
    out = []
    for v in np.asarray(k, dtype=np.int64).tolist():
        a = abs(v)
        out.append(("-" if v < 0 else "") + f"{a // 100}.{a % 100:02d}")
    return out


def _en_qty(q10: np.ndarray) -> list[str]:
    out = []
    for v in np.asarray(q10, dtype=np.int64).tolist():
        a = abs(v)
        out.append(("-" if v < 0 else "") + f"{a // 10}" + (f".{a % 10}" if a % 10 else ""))
    return out


def _ru_dt(dates: pd.Series, secs: np.ndarray | None = None) -> list[str]:
    d = dates.dt.strftime("%d.%m.%Y").tolist()
    if secs is None:
        return [f"{x} 0:00:00" for x in d]
    return [f"{x} {s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
            for x, s in zip(d, np.asarray(secs).tolist(), strict=True)]


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size >= MAX_FILE_BYTES:
        raise RuntimeError(f"{path.name} is {size:,} bytes, over the {MAX_FILE_BYTES:,} limit; "
                           "lower n_lines")


def _xlsx(path: Path) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), _XLSX_OPTIONS)
    wb.set_properties({"created": _XLSX_CREATED, "author": "1С:Предприятие"})
    return wb


def _xlsx_table(path: Path, sheet: str, title: list[str], header: list[str],
                rows: list[list[Any]], widths: list[int] | None = None) -> None:
    """A simple workbook: optional title rows, a bold header, values typed as given."""
    wb = _xlsx(path)
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    dfmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    mfmt = wb.add_format({"num_format": "#,##0.00"})
    r = 0
    for t in title:
        ws.write_string(r, 0, t, bold if r == 0 else None)
        r += 1
    for c, h in enumerate(header):
        ws.write_string(r, c, h, bold)
    r += 1
    for row in rows:
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, datetime | date | pd.Timestamp):
                ws.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), dfmt)
            elif isinstance(v, float):
                ws.write_number(r, c, v, mfmt)
            elif isinstance(v, int | np.integer):
                ws.write_number(r, c, int(v))
            else:
                ws.write_string(r, c, str(v))
        r += 1
    for c, w in enumerate(widths or []):
        ws.set_column(c, c, w)
    wb.close()
    _check_size(path)
