"""Time-driven ABC (kamlib.profitability.tdabc): rates from the client's own cost pools,
the allocation to the kopeck, unused capacity shown; off-invoice spend in the waterfall.
Hand-computed examples."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.errors import InputError
from kamlib.profitability.pnl import CostModel, client_pnl
from kamlib.profitability.tdabc import (
    allocate_pools,
    cost_sources,
    read_cost_pools,
    read_off_invoice,
    tdabc_rates,
)


@pytest.fixture
def pools(tmp_path) -> pd.DataFrame:
    p = tmp_path / "cost_pools.csv"
    p.write_text("pool;annual_cost;driver;capacity;practical_share\n"
                 "warehouse;1 200 000;line;100000;0,8\n"
                 "logistics;600000;delivery;;\n", encoding="utf-8")
    return read_cost_pools(p)


def test_rates_allocation_and_unused_capacity(pools) -> None:
    """Warehouse: 1,200,000 ÷ (0.80 × 100,000 lines) = 15.00 a line; 60,000 lines used in a
    year → allocated 900,000.00, unused 300,000.00 (25 %): shown, not spread.
    Logistics has no capacity: absorbed by the 1,000 deliveries used, 600.00 a delivery,
    nothing unused (basis 'volume'). Two years: the costs double, the rates do not."""
    assert pools["practical_share"].tolist() == [0.8, 0.8]   # blank → 0.80
    t = tdabc_rates(pools, {"line": 60_000, "delivery": 1_000}, years=1.0).set_index("pool")
    assert t.at["warehouse", "rate"] == pytest.approx(15.0)
    assert t.at["warehouse", "allocated"] == 900_000.0
    assert t.at["warehouse", "unused"] == 300_000.0
    assert t.at["warehouse", "unused_share"] == pytest.approx(0.25)
    assert t.at["logistics", "basis"] == "volume" and t.at["logistics", "rate"] == 600.0
    assert t.at["logistics", "allocated"] == 600_000.0 and t.at["logistics", "unused"] == 0
    two = tdabc_rates(pools, {"line": 120_000, "delivery": 2_000}, years=2.0).set_index("pool")
    assert two.at["warehouse", "rate"] == pytest.approx(15.0)
    assert two.at["warehouse", "cost"] == 2_400_000.0
    assert two.at["warehouse", "unused"] == 600_000.0
    # money in = money out, per pool
    assert (t["allocated"] + t["unused"] == t["cost"]).all()


def test_allocation_is_kopeck_exact(pools) -> None:
    """X 40,000 lines and 700 deliveries, Y 20,000 and 300: lines 600,000 / 300,000;
    deliveries 420,000 / 180,000. Three equal clients sharing 100.00 get 33.34, 33.33, 33.33."""
    t = tdabc_rates(pools, {"line": 60_000, "delivery": 1_000}, years=1.0)
    units = pd.DataFrame({"line": [40_000, 20_000], "delivery": [700, 300]}, index=["X", "Y"])
    a = allocate_pools(t, units)
    assert a["cts_line"].tolist() == [600_000.0, 300_000.0]
    assert a["cts_delivery"].tolist() == [420_000.0, 180_000.0]
    odd = pd.DataFrame([{"pool": "p", "driver": "order", "allocated": 100.0}])
    three = allocate_pools(odd, pd.DataFrame({"order": [1, 1, 1]}, index=list("abc")))
    assert sorted(three["cts_order"].tolist()) == [33.33, 33.33, 33.34]
    assert round(three["cts_order"].sum(), 2) == 100.0


def test_cost_sources() -> None:
    table = pd.DataFrame({"driver": ["line"]})
    src = cost_sources({"order": 1500, "line": 50}, {"visit": 1e6}, table)
    assert src == {"order": "default_rate", "line": "client_pools", "visit": "settings_pool"}


def test_bad_sheets_name_file_row_column(tmp_path) -> None:
    p = tmp_path / "pools.csv"
    p.write_text("pool,annual_cost,driver\nwarehouse,100,pallets\n", encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_cost_pools(p)
    assert e.value.row == 2 and e.value.column == "driver" and "pallets" in str(e.value)
    p.write_text("pool,annual_cost,driver,practical_share\nw,100,line,80\n", encoding="utf-8")
    with pytest.raises(InputError, match="share"):
        read_cost_pools(p)
    p.write_text("pool,annual_cost,driver\nw,abc,line\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a number"):
        read_cost_pools(p)
    o = tmp_path / "off.csv"
    o.write_text("client_id,kind,amount\nK1,bribe,10\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown kind"):
        read_off_invoice(o)


def test_pnl_uses_exact_pools_and_off_invoice(tmp_path) -> None:
    """Three entities, one order of 1 line each; COGS 60 % of 1,000.00.
    A line pool allocated 100.00 over 3 lines: 33.34 / 33.33 / 33.33 (not 3 × 33.333…);
    the default line rate of 50 is replaced. Off-invoice: A retro-bonus 120.50 and listing
    30.00 → A's contribution 400 − 150.50 − 33.34 − 1,500 (order rate) = −1,283.84."""
    sales = pd.DataFrame({
        "entity_id": ["A", "B", "C"], "date": pd.to_datetime(["2024-01-10"] * 3),
        "document_id": ["D1", "D2", "D3"], "net_revenue": [1000.0] * 3,
        "is_return": [False] * 3, "cogs": [600.0] * 3})
    off = tmp_path / "off.csv"
    off.write_text("client_id,kind,amount\nA,retro_bonus,120.50\nA,listing,30\nZ,other,5\n",
                   encoding="utf-8")
    pnl, notes = client_pnl(sales, costs=CostModel({"order": 1500, "line": 50}, {}),
                            exact={"line": 100.0}, off_invoice=read_off_invoice(off))
    assert pnl.loc[["A", "B", "C"], "cts_line"].sum() == pytest.approx(100.0, abs=1e-9)
    assert sorted(pnl["cts_line"].tolist()) == [33.33, 33.33, 33.34]
    assert pnl.at["A", "off_retro_bonus"] == 120.5 and pnl.at["A", "off_listing"] == 30.0
    assert pnl.at["A", "off_invoice"] == 150.5 and pnl.at["B", "off_invoice"] == 0.0
    assert pnl.at["A", "contribution"] == pytest.approx(
        400 - 150.5 - pnl.at["A", "cts_line"] - 1500)
    assert any("Z" in n for n in notes)   # spend of a client without sales is said, not lost


def test_russian_headers_and_values(tmp_path) -> None:
    p = tmp_path / "пулы.csv"
    p.write_text("Пул;Затраты за год;Драйвер;Мощность\nсклад;1000;строка;100\n",
                 encoding="utf-8")
    t = read_cost_pools(p)
    assert t.loc[0, ["pool", "driver", "annual_cost", "capacity"]].tolist() == [
        "склад", "line", 1000.0, 100.0]
    o = tmp_path / "вне_счёта.csv"
    o.write_text("Код контрагента;Вид;Сумма\n00-1;Ретро-бонус;10,5\n", encoding="utf-8")
    assert read_off_invoice(o).loc[0].tolist() == ["00-1", "retro_bonus", 10.5]


def test_the_data_request_asks_for_the_finance_sheets(tmp_path) -> None:
    import openpyxl

    from kamlib.engagement import write_data_request

    path = write_data_request(tmp_path / "req.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    for sheet, why in (("Data request", "Why:"), ("Запрос данных", "Зачем:")):
        rows = [r for r in wb[sheet].iter_rows(values_only=True)]
        cols = {(r[0], r[1]) for r in rows if r and r[0] in ("cost_pools", "off_invoice")}
        assert {("cost_pools", "annual_cost"), ("cost_pools", "practical_share"),
                ("off_invoice", "kind"), ("off_invoice", "amount")} <= cols
        reasons = [r[4] for r in rows if r and isinstance(r[4], str) and r[4].startswith(why)]
        assert len(reasons) == 2 and "ABC" in reasons[0]
    wb.close()


def test_demo_ru_runs_on_its_own_cost_pools(demo_ru_steps) -> None:
    """End to end (intake, cleanup, step 2 in-process): demo_ru names its cost-pools and
    off-invoice sheets in engagement.yaml; every rate is the pool's cost ÷ its practical
    capacity (or its volume when no capacity is given), each pool's allocation plus its unused
    capacity is its cost to the kopeck, the clients' cost-to-serve adds up to the allocation
    to the kopeck, and the cost source is the client's pools."""
    import json
    from decimal import Decimal

    from kamlib.config import load_config

    cfg = load_config(demo_ru_steps / "engagement.yaml").profitability
    assert cfg.cost_pools_file and cfg.off_invoice_file
    sheet = read_cost_pools(demo_ru_steps / cfg.cost_pools_file)
    w = demo_ru_steps / "work" / "02_profitability"
    s = json.loads((w / "summary.json").read_text("utf-8"))
    pools = {p["pool"]: p for p in s["cost_pools"]}
    assert set(pools) == set(sheet["pool"])
    pnl = pd.read_parquet(w / "client_pnl.parquet")
    for r in sheet.itertuples():
        p = pools[r.pool]
        if pd.notna(r.capacity):
            assert p["basis"] == "capacity"
            assert p["rate"] == pytest.approx(r.annual_cost / (r.practical_share * r.capacity),
                                              abs=1e-4)
        else:
            assert p["basis"] == "volume" and Decimal(str(p["unused"])) == 0
        assert Decimal(str(p["allocated"])) + Decimal(str(p["unused"])) == \
            Decimal(str(p["cost"]))
        assert Decimal(str(pnl[f"cts_{r.driver}"].sum().round(2))) == \
            Decimal(str(p["allocated"]))
    assert set(s["cost_to_serve_by_source"]) == {"client_pools"}
    assert Decimal(str(s["cost_to_serve_by_source"]["client_pools"])) == sum(
        Decimal(str(p["allocated"])) for p in pools.values())
    off = read_off_invoice(demo_ru_steps / cfg.off_invoice_file)
    assert Decimal(str(s["totals"]["off_invoice"])) == Decimal(str(off["amount"].sum().round(2)))


def test_demo_ru_report_prints_the_cost_source(demo_ru_run) -> None:
    from kamlib.report.build import build_model

    m = build_model(demo_ru_run, "en")
    bullets = next(x for x in m.sections if x.key == "profitability").bullets
    pools = read_cost_pools(demo_ru_run / "finance" / "cost_pools.xlsx")
    text = " ".join(bullets)
    assert all(p in text for p in pools["pool"])
    assert "from the company's own cost pools (time-driven)" in text
    # the pools' table: allocated + unused = each pool's cost, as the summary says
    t = m.tables["cost_pools"].data
    assert sorted(t["pool"]) == sorted(pools["pool"])
    import json

    s2 = json.loads((demo_ru_run / "work" / "02_profitability" / "summary.json")
                    .read_text(encoding="utf-8"))
    cap = pd.Series([p["basis"] == "capacity" for p in s2["cost_pools"]], index=t.index)
    assert ((t["allocated"] + t["unused"] - t["pool_cost"])[cap].abs() < 0.005).all()
    # a pool without its capacity (demo_ru's returns) is spread on the actual volume: all of
    # its cost allocated, its practical share and unused capacity shown as not known (they
    # were 80 % and 0,00 ₽ beside the sentence "its unused capacity is not known")
    assert (~cap).any()
    assert ((t["allocated"] - t["pool_cost"])[~cap].abs() < 0.005).all()
    assert t.loc[~cap, ["practical_share", "unused", "unused_share"]].isna().all().all()
