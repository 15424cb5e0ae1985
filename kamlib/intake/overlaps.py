"""Overlapping exports: two sales files (or two sheets of one workbook) covering the same days.

A yearly export next to a quarterly one, or the same register saved on two sheets, would
count the common lines twice. The overlap of every pair of files' date ranges is reported
with the money each file holds in it, and lines identical in every loaded column that appear
in two files are counted and reported with their money. They are removed only when
``intake.drop_overlapping`` says so, and then as rejected rows of the later file, with their
money, so that money in = money out still holds.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

import polars as pl

from ..config import EngagementConfig
from ..units import money
from .results import DROPPED_OVERLAP, _money_str, said

__all__ = ["find_overlaps"]

#: the columns that make two lines "the same line" when both files have them
_KEY = ("date", "document_id", "client_id", "client_name", "client_tax_id", "product_id",
        "product_name", "quantity", "net_revenue")


def _money(minor: int, currency: str) -> dict[str, str]:
    return money(_money_str(minor), currency)


def find_overlaps(dfs: list[pl.DataFrame], cfg: EngagementConfig, warnings: list[str]
                  ) -> tuple[list[pl.DataFrame], list[dict[str, Any]]]:
    """Report (and, if set, reject) sales lines that two files both hold.

    Parameters
    ----------
    dfs : list of pl.DataFrame
        One parsed sales frame per file, in reading order (``source_file``, ``_reason``, …).
    cfg : EngagementConfig
        ``intake.drop_overlapping`` and the currency.
    warnings : list of str
        Receives one line per overlapping pair.

    Returns
    -------
    (list of pl.DataFrame, list of dict)
        The frames (duplicates marked rejected when dropping), and one record per pair of
        files: their common period, each file's money in it, identical lines and money.
    """
    if len(dfs) < 2:
        return dfs, []
    ok = pl.col("_reason").is_null()
    info: list[tuple[int, date, date]] = []  # file, first and last date of its lines
    for i, df in enumerate(dfs):
        acc = df.filter(ok)
        if "date" in df.columns and acc.height and acc["date"].min() is not None:
            info.append((i, cast(date, acc["date"].min()), cast(date, acc["date"].max())))
    out: list[dict[str, Any]] = []
    cur = cfg.currency
    drop = cfg.intake.drop_overlapping
    for a in range(len(info)):
        for b in range(a + 1, len(info)):
            (i, a0, a1), (j, b0, b1) = info[a], info[b]
            start, end = max(a0, b0), min(a1, b1)
            if start > end:
                continue
            fa, fb = dfs[i], dfs[j]
            key = [c for c in _KEY if c in fa.columns and c in fb.columns]
            in_range = ok & pl.col("date").is_between(start, end)
            ma = int(fa.filter(in_range)["net_revenue"].sum() or 0)
            mb = int(fb.filter(in_range)["net_revenue"].sum() or 0)
            # identical lines: the k-th copy of a line in the later file matches the k-th in
            # the earlier one
            occ = pl.int_range(pl.len()).over(key)
            left = fa.filter(ok).select(*key).with_columns(_occ=occ, _hit=pl.lit(True))
            right = fb.with_columns(_i=pl.int_range(pl.len())).filter(ok).with_columns(_occ=occ)
            same = right.join(left, on=[*key, "_occ"], how="inner", nulls_equal=True)
            dup_money = int(same["net_revenue"].sum() or 0)
            name_a, name_b = fa["source_file"][0], fb["source_file"][0]
            rec = {"files": [name_a, name_b], "period": [str(start), str(end)],
                   "money_in_period": {name_a: _money(ma, cur), name_b: _money(mb, cur)},
                   "identical_lines": same.height, "identical_money": _money(dup_money, cur),
                   "dropped": bool(drop and same.height)}
            out.append(rec)
            if not same.height:
                # files of the same days with no line in common (a file per manager, per
                # region, per warehouse): parts of one whole, nothing to warn of
                continue
            warnings.append(said(
                "warn_overlap_dropped" if rec["dropped"] else "warn_overlap_kept",
                file_a=name_a, file_b=name_b, start=str(start), end=str(end), a_minor=int(ma),
                b_minor=int(mb), n=same.height, same_minor=dup_money))
            if rec["dropped"]:
                idx = same["_i"]
                hit = pl.int_range(pl.len()).is_in(idx.implode())
                dfs[j] = fb.with_columns(
                    _reason=pl.when(hit).then(pl.lit(
                        f"identical to a line of {name_a} (overlapping exports; "
                        f"{DROPPED_OVERLAP})")).otherwise(pl.col("_reason")),
                    _rcol=pl.when(hit).then(pl.lit("all columns")).otherwise(pl.col("_rcol")),
                    _rval=pl.when(hit).then(
                        pl.col("document_id").cast(pl.String) if "document_id" in fb.columns
                        else pl.lit(None, dtype=pl.String)).otherwise(pl.col("_rval")))
    return dfs, out
