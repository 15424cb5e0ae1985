"""docs/client_pnl.sql (the client P&L's heavy aggregation as plain SQL, for a client's
warehouse or Spark) gives the same per-client figures as kamlib's client P&L."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import polars as pl
import pytest

from kamlib.profitability.pnl import CostModel, client_pnl

ROOT = Path(__file__).resolve().parents[2]
SQL = (ROOT / "docs" / "client_pnl.sql").read_text(encoding="utf-8")
COLS = ["lines", "return_lines", "orders", "sales_net", "returns", "net_revenue", "discount",
        "cogs", "months_active"]


def _sql(sales: pl.DataFrame) -> pd.DataFrame:
    """The SQL's result; the discount booked to the kopeck as the workbench books it (the
    one step the workbench adds to the figures it takes from the warehouse)."""
    con = duckdb.connect()
    con.register("sales_lines", sales)
    out = con.sql(SQL).pl().sort("entity_id").to_pandas().set_index("entity_id")
    out["discount"] = out["discount"].astype(float).round(2)
    return out


def _kamlib(sales: pl.DataFrame) -> pd.DataFrame:
    pnl, _ = client_pnl(sales, costs=CostModel({}, {}))
    pnl = pnl.reset_index() if "entity_id" not in pnl.columns else pnl
    return pnl.set_index("entity_id").sort_index()


def test_hand_computed_example() -> None:
    # A: two orders in two months (one line with a VAT-inclusive discount of 120 on a
    # 1,200 gross / 1,000 net line: 100 net), one return of 300; B: a single return
    sales = pl.DataFrame({
        "entity_id": ["A", "A", "A", "A", "B"],
        "document_id": ["D1", "D1", "D2", "R1", "R2"],
        "date": [date(2025, 1, 5), date(2025, 1, 5), date(2025, 2, 9), date(2025, 2, 20),
                 date(2025, 3, 1)],
        "net_revenue": [1000.0, 500.0, 250.0, -300.0, -40.0],
        "gross_revenue": [1200.0, 600.0, 300.0, -360.0, -48.0],
        "discount": [120.0, 0.0, None, 0.0, 0.0],
        "cogs": [600.0, 300.0, 150.0, -180.0, -24.0],
        "is_return": [False, False, False, True, True],
    })
    got = _sql(sales)
    a, b = got.loc["A"], got.loc["B"]
    assert (a["lines"], a["return_lines"], a["orders"], a["months_active"]) == (4, 1, 2, 2)
    assert (a["sales_net"], a["returns"], a["net_revenue"]) == (1750.0, 300.0, 1450.0)
    assert a["discount"] == pytest.approx(100.0) and a["cogs"] == 870.0
    assert pd.Timestamp(a["first_order"]) == pd.Timestamp(2025, 1, 5)
    assert pd.Timestamp(a["last_order"]) == pd.Timestamp(2025, 2, 9)
    assert (b["orders"], b["sales_net"], b["returns"], b["net_revenue"]) == (0, 0, 40.0, -40.0)
    assert pd.isna(b["first_order"])
    ours = _kamlib(sales)
    for c in COLS:
        assert list(ours[c].astype(float)) == pytest.approx(list(got[c].astype(float))), c


def test_generated_lines_same_per_client_totals() -> None:
    spec = importlib.util.spec_from_file_location("bench_pnl", ROOT / "bench" / "pnl.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    sales = bench.make_lines(20_000, 300, seed=5)
    got, ours = _sql(sales), _kamlib(sales)
    assert list(got.index) == list(ours.index) and len(got) > 250
    for c in COLS:
        assert ours[c].astype(float).to_numpy() == pytest.approx(
            got[c].astype(float).to_numpy(), rel=1e-9, abs=1e-6), c
    # money in = money out, and the bare polars peer of the bench agrees too
    assert got["net_revenue"].sum() == pytest.approx(sales["net_revenue"].sum(), rel=1e-12)
    peer = bench.polars_aggregate(sales).sort("entity_id").to_pandas().set_index("entity_id")
    peer["discount"] = peer["discount"].round(2)
    for c in COLS:
        assert peer[c].astype(float).to_numpy() == pytest.approx(
            got[c].astype(float).to_numpy(), rel=1e-9, abs=1e-6), c
