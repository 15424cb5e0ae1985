"""Step 0's findings: what was received, how complete it is, what it allows.

DataFrame in, DataFrame out, no I/O: the notebook ``00_data_intake`` reads the intake's
artefacts (:func:`load_intake`) and shows these tables; the report reads ``summary.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .schema import TABLES
from .steps import MAIN_AMOUNT

__all__ = [
    "completeness",
    "files_overview",
    "intake_summary",
    "load_intake",
    "monthly_sales",
    "readiness",
    "rejected_by_reason",
]


def load_intake(step_dir: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read ``work/00_intake``: the canonical tables (plus ``rejected``, ``issues``) and the
    intake manifest."""
    step_dir = Path(step_dir)
    tables = {p.stem: pd.read_parquet(p) for p in sorted(step_dir.glob("*.parquet"))}
    manifest = json.loads((step_dir / "intake_manifest.json").read_text(encoding="utf-8"))
    return tables, manifest


def files_overview(manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per input file (or sheet): table, rows, money accepted and rejected, period.

    Money is the table's main amount: net revenue (VAT excluded) for sales.
    """
    rows = []
    for f in manifest["files"]:
        main = MAIN_AMOUNT.get(f.get("table") or "", "")
        m = f.get("money", {}).get(main, {})
        rows.append({
            "file": f["file"] + (f"[{f['sheet']}]" if f.get("sheet") else ""),
            "table": f.get("table") or "—",
            "rows_read": f.get("rows_read", 0),
            "accepted": f.get("rows_accepted", 0),
            "rejected": f.get("rows_rejected", 0),
            "skipped": sum(f.get("rows_skipped", {}).values()),
            "money_accepted": float(m["accepted"]) if m else None,
            "money_rejected": float(m["rejected"]) if m else None,
            "period_from": (f.get("period") or [None, None])[0],
            "period_to": (f.get("period") or [None, None])[1],
            "totals_row": _totals_state(f.get("totals_row")),
            "sha256": f.get("sha256", "")[:12],
        })
    return pd.DataFrame(rows)


def _totals_state(t: dict[str, Any] | None) -> str:
    if not t:
        return "none"
    return "matches" if all(v["ok"] for v in t.values()) else "DIFFERS"


#: what :func:`pandas.api.types.infer_dtype` calls a column that may hold text
_TEXT_KINDS = frozenset({"string", "mixed", "mixed-integer", "bytes"})


def _may_hold_text(col: pd.Series) -> bool:
    """Whether a column may hold text (and so a blank): a string column, or an object column
    holding strings among its values (not one of dates, numbers or flags only)."""
    if pd.api.types.is_object_dtype(col):
        return pd.api.types.infer_dtype(col, skipna=True) in _TEXT_KINDS
    return bool(pd.api.types.is_string_dtype(col))


def completeness(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Share of filled values per canonical column of every table received.

    Returns a long table: table, column, required, filled, rows, share.
    """
    rows = []
    for name, tbl in TABLES.items():
        if name not in tables:
            continue
        df = tables[name]
        for f in tbl.canonical:
            if f.name not in df.columns:
                filled = 0
            else:
                col = df[f.name]
                filled = int(col.notna().sum())
                # only text can be blank; a number, a date or a flag is filled when not null
                # (a column of dates read as Python objects is not turned into text: 0.6 s
                # on a 250,000-line register, for nothing)
                if _may_hold_text(col):
                    filled -= int((col.astype("string").str.strip() == "").sum())
            rows.append({"table": name, "column": f.name, "required": f.required,
                         "filled": filled, "rows": len(df),
                         "share": filled / len(df) if len(df) else 0.0})
    return pd.DataFrame(rows)


def rejected_by_reason(rejected: pd.DataFrame) -> pd.DataFrame:
    """Rejected rows grouped by table, file and reason, with their count and money."""
    if rejected.empty:
        return pd.DataFrame(columns=["table", "file", "reason", "rows", "amount"])
    out = (rejected.assign(reason=rejected["reason"].str.split(";").str[0])
           .groupby(["table", "file", "reason"], dropna=False)
           .agg(rows=("row", "size"), amount=("amount", "sum"))
           .reset_index().sort_values(["rows"], ascending=False, kind="stable"))
    return out.reset_index(drop=True)


def monthly_sales(sales: pd.DataFrame, *, date: str = "date",
                  amount: str = "net_revenue", document: str = "document_id") -> pd.DataFrame:
    """Sales per calendar month: lines, documents, clients, net revenue, returns.

    A month with no lines inside the covered span appears with zeros, so gaps in an export
    are visible.
    """
    if sales.empty:
        return pd.DataFrame(columns=["month", "lines", "documents", "clients", "net_revenue",
                                     "returns"])
    s = sales.assign(month=pd.to_datetime(sales[date]).dt.to_period("M"))
    ret = s["is_return"] if "is_return" in s.columns else s[amount] < 0
    g = s.assign(_ret=s[amount].where(ret, 0.0)).groupby("month")
    out = pd.DataFrame({
        "lines": g.size(),
        "documents": g[document].nunique(),
        "clients": g["client_id"].nunique(),
        "net_revenue": g[amount].sum(),
        "returns": g["_ret"].sum(),
    })
    full = pd.period_range(out.index.min(), out.index.max(), freq="M")
    out = out.reindex(full, fill_value=0)
    out.index.name = "month"
    return out.reset_index()


#: What each later analysis needs (table, column; METHODS.md, DESIGN.md): the analysis and
#: what happens without it are ``readiness.<table>[_<column>].analysis`` / ``.if_missing`` of
#: ``templates/i18n/<lang>/intake.yaml``.
_NEEDS: tuple[tuple[str, str], ...] = (
    ("sales", "cogs"), ("sales", "discount"), ("activities", ""), ("payments", ""),
    ("clients", "payment_terms_days"), ("clients", "tax_id"), ("clients", "group"),
    ("contacts", ""), ("assessment", ""), ("team", ""),
)


def readiness(tables: dict[str, pd.DataFrame], lang: str = "en") -> pd.DataFrame:
    """What the data received allows: per later analysis, available or not, and the
    consequence in words when not, in ``lang`` (``"ru"`` or ``"en"``)."""
    from .i18n import load_strings

    st = load_strings(lang)
    rows = []
    for table, column in _NEEDS:
        df = tables.get(table)
        if df is None or df.empty:
            ok = False
        elif column:
            ok = column in df.columns and bool(df[column].notna().any())
        else:
            ok = True
        code = f"readiness.{table}_{column}" if column else f"readiness.{table}"
        rows.append({"analysis": st.t(f"{code}.analysis"),
                     "needs": f"{table}.{column}" if column else table,
                     "available": ok, "if_missing": "" if ok else st.t(f"{code}.if_missing")})
    return pd.DataFrame(rows)


def _sales_period(manifest: dict[str, Any]) -> list[str] | None:
    """The span of the periods of period-level sales files, or None."""
    spans = [f["period_from_title"] for f in manifest["files"]
             if f.get("table") == "sales" and f.get("period_from_title")]
    if not spans:
        return None
    return [min(s[0] for s in spans), max(s[1] for s in spans)]


def intake_summary(tables: dict[str, pd.DataFrame], manifest: dict[str, Any]) -> dict[str, Any]:
    """Key figures of the intake for ``summary.json`` (read by the report)."""
    sales = tables.get("sales", pd.DataFrame())
    clients = tables.get("clients", pd.DataFrame())
    rejected = tables.get("rejected", pd.DataFrame())
    control = manifest.get("control_totals", {}).get("sales", {})
    level_period = _sales_period(manifest)
    return {
        "files": len(manifest["files"]),
        "tables": sorted(k for k in tables if k not in ("rejected", "issues")),
        "clients": len(clients),
        "clients_added_from_transactions": int((clients.get("origin") == "transactions").sum())
        if "origin" in clients else 0,
        "sales_lines": len(sales),
        "documents": int(sales["document_id"].nunique()) if len(sales) else 0,
        "period": level_period or ([str(sales["date"].min()), str(sales["date"].max())]
                                   if len(sales) else None),
        "net_revenue": control.get("accepted"),
        "rejected_rows": len(rejected),
        "rejected_money": control.get("rejected"),
        "returns_lines": int(sales["is_return"].sum()) if "is_return" in sales else 0,
        "returns_net_revenue": round(float(sales.loc[sales["is_return"], "net_revenue"].sum()),
                                     2) if "is_return" in sales else 0.0,
        "warnings": manifest.get("warnings", []),
        "missing": [r["needs"] for r in readiness(tables).to_dict("records")
                    if not r["available"]],
        # added for issue 13: overlapping exports and files skipped by the reader policy
        "overlaps": manifest.get("overlaps", []),
        "skipped_files": manifest.get("skipped_files", []),
        "sales_level": "period" if any(f.get("sales_level") == "period" and
                                       f.get("table") == "sales" for f in manifest["files"])
        else "line",
        # period-level sales: the period their totals cover (the report titles'), which
        # then is the period covered (each row is dated the period's end)
        "sales_period": level_period,
        # client × delivery-address rows: the delivery points, per client in clients
        "delivery_points": int(clients["delivery_points"].sum())
        if "delivery_points" in clients else None,
        "clients_with_delivery_points": int((clients["delivery_points"] > 0).sum())
        if "delivery_points" in clients else None,
        "amount_computed_from": sorted({m["column"] for f in manifest["files"]
                                        for k, m in f.get("money", {}).items()
                                        if k == "amount" and " × " in str(m.get("column"))}),
    }
