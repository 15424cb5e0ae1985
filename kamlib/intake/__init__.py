"""Ingestion: raw exports in ``raw/`` → canonical tables, rejected rows, a manifest.

The first step of every run (``kam check``, ``kam run``). For each file: read it
(:mod:`kamlib.io`), tell which canonical table it holds, map its headers, parse every value
(:mod:`kamlib.parse`), reject the rows that cannot be used (with the file, row, column, value
and reason), recognise totals rows and check them, turn VAT-inclusive amounts into
``net_revenue``, recognise returns, and attach every transaction to a catalogue client.

Money is counted exactly in minor units at every stage: for each file and amount column,
``rows = accepted + rejected`` (+ the unparseable cells, listed), and the canonical tables'
totals equal the accepted totals of their files. A mismatch is a bug and raises
:class:`~kamlib.errors.ReconciliationError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from ..config import EngagementConfig
from ..errors import InputError, KamError, SchemaError
from ..io import sha256_file
from .fileparse import _FileIntake, _Parsed
from .files import _list_raw, _read_all, result_first_reason
from .reconcile import _assemble
from .reportform import check_footer_points
from .results import SCALE, SET_ASIDE, FileReport, IntakeResult, name_key, said
from .summary import format_amount, summary_text, write_intake

__all__ = [
    "SCALE",
    "FileReport",
    "IntakeResult",
    "format_amount",
    "ingest",
    "name_key",
    "result_first_reason",
    "summary_text",
    "write_intake",
]


def _read_rejections(rejected: pl.DataFrame, label: str) -> int:
    """A file's rows rejected as read (not the overlapping lines a setting drops)."""
    if rejected.height == 0:
        return 0
    mine = rejected.filter(pl.col("file") == label)
    on_purpose = mine["reason"].str.contains_any(list(SET_ASIDE))
    return mine.height - int(on_purpose.fill_null(False).sum())


def ingest(
    eng_dir: str | Path,
    cfg: EngagementConfig,
    *,
    on_progress: Callable[[str], None] | None = None,
) -> IntakeResult:
    """Read every export in ``eng_dir/raw`` into canonical tables.

    Parameters
    ----------
    eng_dir : path-like
        The engagement folder (with ``raw/``). Nothing in it is modified.
    cfg : EngagementConfig
        The validated ``engagement.yaml`` (``intake`` and ``inputs`` sections are used).
    on_progress : callable, optional
        Receives one line per file read.

    Returns
    -------
    IntakeResult
        Canonical tables, rejected rows, cell issues, per-file reports, fatal errors.
        Fatal problems are collected (not raised) so that ``kam check`` can list them all.
    """
    t0 = time.perf_counter()
    eng_dir = Path(eng_dir).resolve()
    declared = {s.file for s in cfg.inputs}
    files, skipped_files = _list_raw(eng_dir, declared)
    warnings: list[str] = [f"raw/{s['file']}: skipped, {s['reason']}" for s in skipped_files]
    errors: list[KamError] = []
    reports: list[FileReport] = []
    parsed: dict[str, list[tuple[_Parsed, _FileIntake]]] = {}
    seen_specs: set[str] = set()
    # hash every input on a background thread while the files are read
    hasher = ThreadPoolExecutor(max_workers=1)
    hashes = {path: hasher.submit(sha256_file, path) for path in files}
    try:
        _read_all(files, eng_dir, cfg, hashes, reports, parsed, errors, seen_specs,
                  on_progress)
    finally:
        hasher.shutdown(wait=True)
    for s in declared - seen_specs:
        errors.append(SchemaError(f"engagement.yaml lists '{s}' under inputs, but raw/ has no "
                                  "such file", file=s, hint="fix the name, or add the file"))
    overlaps: list[dict[str, Any]] = []
    if on_progress:
        on_progress("attaching the lines to clients, checking overlaps and control totals")
    tables, rejected, issues, control = _assemble(parsed, cfg, warnings, errors, overlaps)
    for f in reports:
        if f.footer_counts and "sales" in tables:
            check_footer_points(f, tables["sales"])
        if f.table and f.rows_read == 0:
            f.note("note_header_only")
        warnings.extend(f"{f.label}: {n}" for n in f.notes if "code page may be wrong" in n
                        or "period-level sales" in n or "the rows hold" in n)
        for t in (f.totals_row or {}).values():
            if t["ok"] or t.get("explained"):
                continue
            # the file's own total disagrees with its rows: the figures cannot be trusted
            errors.append(InputError(
                f"the file's totals row says {t['column']} = {format_amount(t['file'])}, its "
                f"rows add up to {format_amount(t['rows'])} (difference "
                f"{format_amount(t['difference'])}): rows are missing from the export, or it "
                "holds group or subtotal rows that were not recognised", file=f.label,
                row=t.get("row"), column=t["column"], value=t.get("value"),
                hint="ask the client to export the full period again (a register, one row per "
                "document line, without groupings), or a 1C report saved to xlsx with its "
                "grouping kept (the outline levels tell group rows apart); if the difference "
                "is known and accepted, remove the totals row from a copy of the file"))
    for f in reports:
        if f.table and f.rows_rejected and not f.rows_accepted and not _read_rejections(
                rejected, f.label):
            # a file wholly repeated in another (a month exported twice): its lines dropped
            # as the setting asks, said; nothing wrong with how it was read
            warnings.append(said("warn_file_all_overlapping", file=f.label,
                                 n=f.rows_rejected))
        elif f.table and f.rows_rejected and not f.rows_accepted:
            first = result_first_reason(rejected, f.label)
            errors.append(InputError(
                f"every data row of the file was rejected ({f.rows_rejected} rows); nothing "
                f"of it can be used. First reason: {first}", file=f.label,
                hint="fix the problem named above (a mapping in engagement.yaml, the "
                "decimal separator, the date format) or ask the client to export the table "
                "again; the rejected rows are listed with their reasons"))
        elif f.table and f.rows_rejected > f.rows_accepted and _read_rejections(
                rejected, f.label) > f.rows_accepted:
            # most of the file rejected: an audit on the rest would mislead (merged cells,
            # values given on a document's first line only, a shifted layout)
            first = result_first_reason(rejected, f.label)
            errors.append(InputError(
                f"most data rows of the file were rejected ({f.rows_rejected} of "
                f"{f.rows_rejected + f.rows_accepted}); an audit on the rest would mislead. "
                f"First reason: {first}", file=f.label,
                hint="fix the problem named above (merged cells or values written only on a "
                "document's first line: fill them in, or export the register without "
                "grouping; a mapping in engagement.yaml; the date format), or ask the client "
                "to export the table again; the rejected rows are listed with their reasons"))
    for f in reports:
        for fname, r in f.rounding.items():
            # a unit price to a fraction of a kopeck is a price (0,3333 a unit), not an
            # error: the amounts are computed from it exactly; its rounding is a note only
            if Decimal(r["difference"]) != 0 and fname != "unit_price":
                warnings.append(said(
                    "warn_sub_kopeck", file=f.label,
                    column=f.money.get(fname, {}).get("column", fname),
                    n=r["values_rounded"], exact=r["exact_sum"], loaded=r["rounded_sum"],
                    difference=r["difference"], row=str(r["first_row"])))
    empty_sales = [f.label for f in reports if f.table == "sales" and f.rows_read == 0]
    if "sales" in tables and tables["sales"].height == 0 and empty_sales:
        errors.append(InputError(
            "the sales file(s) have a header but no data rows: " + ", ".join(empty_sales),
            file=empty_sales[0], hint="export the sales again for the audit period; check "
            "the report's filters (period, organisation) in the source system"))
    # a file taken for sales that stopped on its own error is not "no sales table"
    if "sales" not in tables and not any(f.table == "sales" for f in reports) and not any(
            isinstance(e, SchemaError) and "sales" in e.message for e in errors):
        stopped = [e for e in errors if getattr(e, "file", None) not in (None, "raw/")]
        errors.append(SchemaError(
            "no sales table could be read: the errors above stopped the file(s) that may hold "
            "it" if stopped else
            "no sales table found: none of the files in raw/ has the columns of sales lines "
            "(date, document, client, amount)",
            file="raw/", hint="add the sales export, or declare which file holds sales with "
            "'inputs: [{file: NAME, table: sales, columns: {...}}]' in engagement.yaml"))
    return IntakeResult(tables, rejected, issues, reports, errors, warnings, control,
                        time.perf_counter() - t0, skipped_files, overlaps)
