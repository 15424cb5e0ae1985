"""Across files: per-table logic, money per file and per table, and the money-in = money-out
reconciliation.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ..config import EngagementConfig
from ..errors import KamError, ReconciliationError
from ..schema import TABLES, Table
from .amounts import _sales_amounts
from .clients import _clients, _resolve_clients
from .fileparse import _FileIntake, _Parsed, _without
from .overlaps import find_overlaps
from .results import _TRANSACTION_TABLES, OUTSIDE_PERIOD, SCALE, FileReport, _money_str, said


def _assemble(parsed: dict[str, list[tuple[_Parsed, _FileIntake]]], cfg: EngagementConfig,
              warnings: list[str], errors: list[KamError],
              overlaps: list[dict[str, Any]] | None = None,
              ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    """Per-table logic across files: amounts, overlaps, client resolution, dedupe, money
    control. Overlapping sales files are appended to ``overlaps``."""
    overlaps = overlaps if overlaps is not None else []
    frames: dict[str, list[pl.DataFrame]] = {}
    issues: list[dict[str, Any]] = []
    rejected_parts: list[pl.DataFrame] = []
    for tname, items in parsed.items():
        for p, fi in items:
            df = p.frame
            if tname == "sales":
                df = _sales_amounts(p, fi, cfg, fi.spec, warnings, errors)
            df = df.with_columns(source_file=pl.lit(p.report.label),
                                 _sheet=pl.lit(p.report.sheet, dtype=pl.String))
            frames.setdefault(tname, []).append(df)
            issues.extend(p.issues)
    if "sales" in frames:
        heads = {p.report.label: p.report.mapping.get("date", "date")
                 for p, _ in parsed.get("sales", [])}
        frames["sales"] = _outside_period(frames["sales"], cfg, warnings, heads)
        frames["sales"], found = find_overlaps(frames["sales"], cfg, warnings)
        overlaps.extend(found)
    tables: dict[str, pl.DataFrame] = {}
    headers = {p.report.label: p.report.mapping for items in parsed.values() for p, _ in items}
    clients = _clients(frames.get("clients", []), cfg, issues, errors, headers)
    for tname in _TRANSACTION_TABLES:
        if tname not in frames:
            continue
        df = pl.concat(frames[tname], how="diagonal_relaxed")
        df, clients = _resolve_clients(df, tname, clients, cfg, warnings, headers)
        frames[tname] = [df]
    if clients is not None:
        frames["clients"] = [_delivery_points(clients, frames.get("sales"))]
    control: dict[str, Any] = {}
    for tname, dfs in frames.items():
        df = pl.concat(dfs, how="diagonal_relaxed") if len(dfs) > 1 else dfs[0]
        frames[tname] = [df]
        ok = pl.col("_reason").is_null()
        bad = df.filter(~ok)  # few rows: copied whole
        money_col = _main_money(tname, df)
        rejected_parts.append(bad.select(
            pl.col("source_file").alias("file"), pl.col("_sheet").alias("sheet"),
            pl.col("_row").alias("row"), pl.lit(tname).alias("table"),
            pl.col("_rcol").alias("column"), pl.col("_rval").cast(pl.String).alias("value"),
            pl.col("_reason").alias("reason"),
            (pl.col(money_col).cast(pl.Float64) / 10**SCALE if money_col else
             pl.lit(None, dtype=pl.Float64)).alias("amount"),
            # the row's client, when it names one: a client's own rejected rows (the widget)
            (pl.col("client_id").cast(pl.String) if "client_id" in bad.columns else
             pl.lit(None, dtype=pl.String)).alias("client_id"),
        ))
        # accepted rows: only the canonical columns are kept; a slice, not a copy, when the
        # rejected rows are none or only at the ends (a filter copied 500 MB on 2,000,000)
        tables[tname] = _without(_canonical(df.lazy(), TABLES[tname]).collect(),
                                 df["_reason"].is_not_null())
        control[tname] = {"rows_accepted": tables[tname].height, "rows_rejected": bad.height}
        if money_col:
            accepted = df.lazy().filter(ok).select(pl.col(money_col).sum()).collect().item()
            control[tname].update({
                "money_column": money_col,
                "accepted": _money_str(accepted),
                "rejected": _money_str(bad[money_col].sum()),
            })
    rejected = pl.concat(rejected_parts, how="diagonal_relaxed") if rejected_parts else \
        pl.DataFrame(schema={"file": pl.String, "sheet": pl.String, "row": pl.Int64,
                             "table": pl.String, "column": pl.String, "value": pl.String,
                             "reason": pl.String, "amount": pl.Float64,
                             "client_id": pl.String})
    issue_schema = {"file": pl.String, "sheet": pl.String, "row": pl.Int64, "table": pl.String,
                    "column": pl.String, "value": pl.String, "problem": pl.String,
                    # a problem kept as a reason code too (``reason.problem_*``), else null
                    "problem_code": pl.String, "problem_args": pl.String}
    issues_df = pl.DataFrame(issues, schema=issue_schema) if issues else \
        pl.DataFrame(schema=issue_schema)
    for tname, p_items in parsed.items():
        per_file = _money_by_file(frames[tname][0], p_items)
        for p, fi in p_items:
            _file_money(p.report, fi, per_file.get(p.report.label, {}))
    _reconcile(parsed, tables, control)
    return tables, rejected, issues_df, control


def _outside_period(dfs: list[pl.DataFrame], cfg: EngagementConfig, warnings: list[str],
                    heads: dict[str, str]) -> list[pl.DataFrame]:
    """Sales lines dated before ``period.start`` or after ``period.end`` (engagement.yaml)
    are set aside: rejected with that reason and their money (money in = money out), counted
    in one warning. They were loaded: a year's audit took the lines of December before and
    January after into every client's P&L."""
    start, end = cfg.period.start, cfg.period.end
    if start is None and end is None:
        return dfs
    out, n, money = [], 0, 0
    for df in dfs:
        if "date" not in df.columns:
            out.append(df)
            continue
        d = pl.col("date")
        off = pl.col("_reason").is_null() & d.is_not_null() & (
            (d < start if start else pl.lit(False)) | (d > end if end else pl.lit(False)))
        hit = df.select(off.sum()).item()
        if hit:
            n += int(hit)
            money += int(df.filter(off)["net_revenue"].sum() or 0)
            df = df.with_columns(
                _reason=pl.when(off).then(pl.lit(
                    f"{OUTSIDE_PERIOD} {start or '…'} – {end or '…'} (period: in "
                    "engagement.yaml)")).otherwise(pl.col("_reason")),
                _rcol=pl.when(off).then(pl.lit(heads.get(df["source_file"][0], "date")))
                .otherwise(pl.col("_rcol")),
                _rval=pl.when(off).then(pl.col("_raw_date") if "_raw_date" in df.columns
                                        else pl.col("date").cast(pl.String))
                .otherwise(pl.col("_rval")))
        out.append(df)
    if n:
        warnings.append(said("warn_outside_period", n=n, money_minor=money,
                             start=str(start or "…"), end=str(end or "…")))
    return out


def _delivery_points(clients: pl.DataFrame, sales: list[pl.DataFrame] | None
                     ) -> pl.DataFrame:
    """Each client's number of delivery points (distinct delivery addresses or outlets of its
    accepted sales rows; spacing and case ignored), when the sales carry them; a client
    × address row was attributed to its client and stays a row of its own, so no money
    moves."""
    if not sales or "delivery_point" not in sales[0].columns:
        return clients
    key = (pl.col("delivery_point").str.strip_chars().str.replace_all(r"\s+", " ")
           .str.to_lowercase())
    counts = (sales[0].filter(pl.col("_reason").is_null() & pl.col("delivery_point")
                              .is_not_null())
              .group_by("client_id").agg(key.n_unique().cast(pl.Int64)
                                         .alias("delivery_points")))
    return clients.join(counts, on="client_id", how="left").with_columns(
        pl.col("delivery_points").fill_null(0))


def _money_fields(p_items: list[tuple[_Parsed, _FileIntake]]) -> list[str]:
    fields = {f for _, fi in p_items for f in fi.mapping if fi.tbl.field(f).kind == "money"
              and f != "unit_price"} | {f for _, fi in p_items for f in fi.derived}
    if p_items and p_items[0][1].tbl.name == "sales":
        fields.add("net_revenue")
    return sorted(fields)


def _money_by_file(df: pl.DataFrame, p_items: list[tuple[_Parsed, _FileIntake]]
                   ) -> dict[str, dict[str, Any]]:
    """Per source file, in one grouped pass: rows, accepted and rejected counts; per money
    column the sums of all / accepted / rejected rows and the unreadable cells; the period
    and the returns of accepted rows."""
    ok = pl.col("_reason").is_null()
    fields = [f for f in _money_fields(p_items) if f in df.columns]
    aggs: list[pl.Expr] = [ok.sum().alias("accepted"), (~ok).sum().alias("rejected")]
    for f in fields:
        aggs += [pl.col(f).sum().alias(f"{f}|rows"), pl.col(f).filter(ok).sum().alias(f"{f}|acc"),
                 pl.col(f).filter(~ok).sum().alias(f"{f}|rej")]
        raw = f"_raw_{f}"
        if raw in df.columns and df[f].null_count():  # (an amount read has no cell to show)
            unreadable = pl.col(f).is_null() & (pl.col(raw).str.strip_chars() != "")
            aggs += [unreadable.sum().alias(f"{f}|bad"),
                     pl.col(raw).filter(unreadable).head(20).alias(f"{f}|badv")]
    if "date" in df.columns:
        aggs += [pl.col("date").filter(ok).min().alias("dmin"),
                 pl.col("date").filter(ok).max().alias("dmax")]
    if "is_return" in df.columns:
        ret = ok & pl.col("is_return")
        aggs += [ret.sum().alias("ret_lines"),
                 pl.col("net_revenue").filter(ret).sum().alias("ret_net")]
    rows = df.lazy().group_by("source_file").agg(aggs).collect()
    return {r["source_file"]: r for r in rows.iter_rows(named=True)}


def _file_money(rep: FileReport, fi: _FileIntake, agg: dict[str, Any]) -> None:
    """Fill a file's report from its aggregate: rows = accepted + rejected, per amount."""
    rep.rows_accepted = int(agg.get("accepted") or 0)
    rep.rows_rejected = int(agg.get("rejected") or 0)
    if rep.period_from_title:
        rep.period = list(rep.period_from_title)
    elif agg.get("dmin") is not None:
        rep.period = [str(agg["dmin"]), str(agg["dmax"])]
    fields = [f for f in fi.mapping if fi.tbl.field(f).kind == "money" and f != "unit_price"]
    fields += [f for f in fi.derived if f not in fields]
    if rep.table == "sales" and "net_revenue" not in fields:
        fields.append("net_revenue")
    for fname in fields:
        rep.money[fname] = {
            "column": fi.header(fname) if fname in fi.mapping or fname in fi.derived
            else "derived (see notes)",
            "rows": _money_str(agg.get(f"{fname}|rows")),
            "accepted": _money_str(agg.get(f"{fname}|acc")),
            "rejected": _money_str(agg.get(f"{fname}|rej")),
            "unparseable_cells": int(agg.get(f"{fname}|bad") or 0),
            "unparseable_values": list(agg.get(f"{fname}|badv") or []),
        }
    if rep.table == "sales":
        rep.returns = {**(rep.returns or {}), "lines": int(agg.get("ret_lines") or 0),
                       "net_revenue": _money_str(agg.get("ret_net"))}


def _main_money(tname: str, df: pl.DataFrame) -> str | None:
    for c in {"sales": ["net_revenue"], "payments": ["amount"], "activities": ["cost"],
              "team": ["annual_cost"]}.get(tname, []):
        if c in df.columns:
            return c
    return None


def _canonical(df: pl.LazyFrame, tbl: Table) -> pl.LazyFrame:
    """Select the canonical columns (money as float currency units) plus provenance."""
    names = df.collect_schema().names()
    cols = []
    for f in tbl.canonical:
        if f.name in names:
            c = pl.col(f.name)
            if f.kind == "money":
                c = c.cast(pl.Float64) / 10**SCALE
            cols.append(c.alias(f.name))
    extra = [c for c in ("gross_revenue", "vat") if tbl.name == "sales" and c in names]
    cols += [(pl.col(c).cast(pl.Float64) / 10**SCALE).alias(c) for c in extra]
    if tbl.name == "clients" and "origin" in names:
        cols.append(pl.col("origin"))
    if tbl.name == "clients" and "delivery_points" in names:
        cols.append(pl.col("delivery_points"))
    cols += [pl.col("source_file"), pl.col("_row").alias("source_row")]
    return df.select(cols)


def _reconcile(parsed: dict[str, list[tuple[_Parsed, _FileIntake]]],
               tables: dict[str, pl.DataFrame], control: dict[str, Any]) -> None:
    """Money in = money out: the canonical table's total equals its files' accepted totals."""
    for tname, info in control.items():
        col = info.get("money_column")
        if not col or tname not in tables:
            continue
        canon = round(float(tables[tname][col].sum() or 0) * 10**SCALE)
        expected = int(info["accepted"].replace(".", ""))
        if canon != expected:
            raise ReconciliationError(
                f"{tname}.{col}: the canonical table holds {_money_str(canon)}, the accepted "
                f"rows of its files {_money_str(expected)}", hint="this is a bug in kamlib; "
                "please report it with the engagement's manifest")
        files_total = sum(
            int(p.report.money.get(col, {}).get("accepted", "0").replace(".", ""))
            for p, _ in parsed.get(tname, []))
        if tname in ("sales", "payments", "activities") and files_total != expected:
            raise ReconciliationError(
                f"{tname}.{col}: files' accepted totals {_money_str(files_total)} differ from "
                f"the table's accepted rows {_money_str(expected)}",
                hint="this is a bug in kamlib; please report it with the engagement's manifest")
        info["reconciled"] = True
