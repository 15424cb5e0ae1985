"""Writing the intake's artefacts and the readable account of it (``kam check``).
"""

from __future__ import annotations

from pathlib import Path

from ..io import (
    atomic_write_json,
)
from .results import IntakeResult


def write_intake(result: IntakeResult, out_dir: str | Path) -> None:
    """Write the canonical tables, ``rejected`` and ``issues`` as Parquet into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in result.tables.items():
        df.write_parquet(out_dir / f"{name}.parquet")
    result.rejected.write_parquet(out_dir / "rejected.parquet")
    result.issues.write_parquet(out_dir / "issues.parquet")
    atomic_write_json(out_dir / "intake_manifest.json", result.manifest())


def format_amount(s: str) -> str:
    """An exact decimal string for people: '-1234567.89' → '-1 234 567,89'."""
    sign = "-" if s.startswith("-") else ""
    whole, _, frac = s.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}".replace(",", " ") + (f",{frac}" if frac else "")


def summary_text(result: IntakeResult, *, max_rejected: int = 10) -> str:
    """A short, readable account of an intake for the terminal (``kam check``).

    What each file was taken for, its column mapping, rows, money totals, the totals-row
    check, and the problems, each with file, row, column and value.
    """
    out: list[str] = []
    for f in result.files:
        head = f"• {f.label}"
        if f.table:
            how = "recognised from its headers" if f.detected_by == "headers" else \
                "as declared in engagement.yaml"
            head += f" → {f.table} ({how})"
        out.append(head)
        if f.encoding:
            delim = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(f.delimiter or "", "?")
            out.append(f"    text: {f.encoding}, delimiter {delim}, header on row {f.header_row}")
        elif f.header_row:
            out.append(f"    header on row {f.header_row}")
        if f.mapping:
            out.append("    columns: " + ", ".join(f"{src} → {canon}" for canon, src
                                                     in f.mapping.items()))
        if f.ignored_columns:
            out.append("    not used: " + ", ".join(f.ignored_columns))
        if f.table:
            skipped = ", ".join(f"{n} {k}" for k, n in f.rows_skipped.items())
            out.append(f"    rows: {f.rows_read} read, {f.rows_accepted} accepted, "
                       f"{f.rows_rejected} rejected" + (f"; skipped: {skipped}" if skipped
                                                         else ""))
        if f.period:
            out.append(f"    period: {f.period[0]} … {f.period[1]}")
        for fname, m in f.money.items():
            line = (f"    {fname} ({m['column']}): accepted {format_amount(m['accepted'])}, "
                    f"rejected {format_amount(m['rejected'])}")
            if m.get("unparseable_cells"):
                line += f", {m['unparseable_cells']} unreadable value(s)"
            out.append(line)
        if f.returns and f.returns.get("lines"):
            out.append(f"    returns: {f.returns['lines']} lines, "
                       f"{format_amount(f.returns['net_revenue'])} net")
        for t in (f.totals_row or {}).values():
            mark = "matches" if t["ok"] else f"DIFFERS by {t['difference']}"
            out.append(f"    totals row: {t['column']} = {t['file']}, rows sum {t['rows']}: "
                       f"{mark}")
        for note in f.notes:
            out.append(f"    note: {note}")
        for e in f.errors:
            out.append(f"    ERROR: {e['message']}")
    if result.tables:
        out.append("")
        out.append("Tables: " + ", ".join(f"{k} {v.height:,} rows".replace(",", " ")
                                           for k, v in result.tables.items()))
    clients = result.tables.get("clients")
    if clients is not None and "delivery_points" in clients.columns:
        out.append(f"Delivery points: {int(clients['delivery_points'].sum())} at "
                   f"{int((clients['delivery_points'] > 0).sum())} client(s) (client × "
                   "address rows, each booked to its client)")
    for tname, c in result.control.items():
        if c.get("money_column"):
            out.append(f"Control total {tname}.{c['money_column']}: accepted "
                       f"{format_amount(c['accepted'])}, rejected {format_amount(c['rejected'])}"
                       + (" (reconciled)" if c.get("reconciled") else ""))
    if result.rejected.height:
        out.append("")
        out.append(f"Rejected rows: {result.rejected.height} (all kept in "
                   "work/00_intake/rejected.parquet with their money)")
        for r in result.rejected.head(max_rejected).iter_rows(named=True):
            amount = "" if r["amount"] is None else f" [{r['amount']:,.2f}]".replace(",", " ")
            value = "empty" if r["value"] is None or not str(r["value"]).strip() else \
                f"'{r['value']}'"
            where = f"column '{r['column']}', value" if r["column"] else "line"
            out.append(f"  {r['file']}, row {r['row']}, {where} {value}: {r['reason']}{amount}")
        if result.rejected.height > max_rejected:
            out.append(f"  … and {result.rejected.height - max_rejected} more")
    if result.issues.height:
        out.append("")
        out.append(f"Problems in rows that were kept: {result.issues.height}")
        for r in result.issues.head(max_rejected).iter_rows(named=True):
            where = (f"{r['file']}, row {r['row']}"
                     + (f", column '{r['column']}'" if r["column"] else "")) if r["row"] else \
                (r["table"] or "")
            out.append(f"  {where}: {r['problem']}" + (f" (value '{r['value']}')"
                                                       if r["value"] else ""))
    if result.warnings:
        out.append("")
        out.append("Warnings:")
        out.extend(f"  - {w}" for w in result.warnings)
    if result.errors:
        out.append("")
        out.append(f"ERRORS ({len(result.errors)}): the audit cannot run until they are fixed")
        for err in result.errors:
            out.append("  ✗ " + str(err).replace("\n", "\n    "))
    return "\n".join(out)
