"""Step 2 on the sample engagement: the planted loss-making VIP and the concentrated top-3 are
found and named; the P&L reconciles with the sales lines; the step runs end to end."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kamlib.cleanup import clean_client_base
from kamlib.config import load_config
from kamlib.intake import ingest
from kamlib.profitability import CostModel, client_pnl, robustness
from kamlib.profitability.curves import concentration, loss_makers, whale_figures
from kamlib.resources import samples_dir

RU = samples_dir() / "demo_ru"
TRUTH = json.loads((RU / "truth.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def pnl():
    cfg = load_config(RU / "engagement.yaml")
    r = ingest(RU, cfg)
    cleaned = clean_client_base(r.table("clients"), r.table("sales"))
    ent = cleaned.entities.set_index("client_id")
    table, _notes = client_pnl(cleaned.sales, costs=CostModel.from_params(cfg.profitability),
                              activities=r.table("activities"), payments=r.table("payments"),
                              clients=r.table("clients"), entity_map=ent["entity_id"],
                              names=ent.groupby("entity_id")["entity_name"].first())
    return table, cleaned.sales, cfg


def test_pnl_reconciles_with_the_sales_lines(pnl) -> None:
    table, sales, _ = pnl
    assert round(table["net_revenue"].sum(), 2) == round(sales["net_revenue"].sum(), 2)
    assert round(table["cogs"].sum(), 2) == round(sales["cogs"].sum(), 2)
    assert int(table["lines"].sum()) == len(sales)
    gm = table["net_revenue"] - table["cogs"]
    assert (table["gross_margin"] - gm).abs().max() < 1e-6


def test_vip_loses_money_and_is_named_first(pnl) -> None:
    table, _, _ = pnl
    vip = TRUTH["vip"]
    row = table.loc[vip["code"]]
    assert row["net_revenue"] == pytest.approx(vip["net_revenue"], abs=0.01)
    assert row["cost_to_serve"] == pytest.approx(vip["cost_to_serve"], abs=0.01)
    assert Decimal(str(round(row["contribution"], 2))) == Decimal(str(vip["contribution"]))
    losers = loss_makers(table)
    first = losers.iloc[0]
    assert first["entity_id"] == vip["code"] and first["entity_name"] == vip["name"]


def test_top3_concentration_found(pnl) -> None:
    table, _, _ = pnl
    conc = concentration(table, value="net_revenue")
    truth = TRUTH["concentration"]
    assert conc["top3"] == pytest.approx(truth["top3_share"], abs=0.0005)
    top3 = list(table.sort_values("net_revenue", ascending=False).index[:3])
    assert top3 == [t["code"] for t in truth["top3_entities"]]
    assert len(conc["flag_clients"]["ifrs_8_34"]) == 3


def test_whale_curve_and_robustness(pnl) -> None:
    table, _, cfg = pnl
    fig = whale_figures(table)
    assert fig["peak_pct"] > 1 and fig["loss_makers"] == int((table["contribution"] < 0).sum())
    rob = robustness(table, CostModel.from_params(cfg.profitability), spread=0.2).set_index(
        "scenario")
    assert rob.loc["base", "sign_changes"] == 0 and rob.loc["base", "spearman"] == 1.0
    # the traditional allocation by revenue hides almost all the loss makers
    assert rob.loc["cost-to-serve allocated by net revenue", "loss_makers"] < \
        rob.loc["base", "loss_makers"] / 10
