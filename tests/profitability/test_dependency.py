"""Dependency risk (kamlib.profitability.dependency): hand-computed loss-of-client scenarios.

Four clients, two of them (B, C) one holding ``G:Холдинг``:

======  =======  ======  ===========  ==========  ===========  ===========  ============
client  revenue  gross   off-invoice  CTS         CTS          receivables  contribution
                 margin  (retro)      avoidable   stranded
======  =======  ======  ===========  ==========  ===========  ===========  ============
A           600     150           10          20           10            5           105
B           100      30            0           5            5            0            20
C            90      20            0           4            1            0            15
D           210      40            0          10            0            0            30
======  =======  ======  ===========  ==========  ===========  ===========  ============

If A leaves the company loses its gross margin less what goes away with it, the retro bonus
it is paid included: 150 − 10 − 20 − 5 = 115 (its contribution 105 plus the stranded 10 that
stays). Over a two-year period that is 57.5 a year, 11.5 % of fixed costs of 500 a year. The
holding: (30 − 5) + (20 − 4) = 41 on 190 of revenue (19 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kamlib.profitability.dependency import loss_scenarios, top_trend


@pytest.fixture
def pnl() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_name": ["A", "B", "C", "D"],
        "group_id": ["A", "G:Холдинг", "G:Холдинг", "D"],
        "net_revenue": [600.0, 100.0, 90.0, 210.0],
        "gross_margin": [150.0, 30.0, 20.0, 40.0],
        "cts_avoidable": [20.0, 5.0, 4.0, 10.0],
        "cts_stranded": [10.0, 5.0, 1.0, 0.0],
        "cost_to_serve": [30.0, 10.0, 5.0, 10.0],
        "cost_of_receivables": [5.0, 0.0, 0.0, 0.0],
        "off_invoice": [10.0, 0.0, 0.0, 0.0],
        "contribution": [105.0, 20.0, 15.0, 30.0],
        "revenue_prev12": [300.0, 50.0, 40.0, 100.0],
        "revenue_last12": [240.0, 50.0, 50.0, 110.0],
    }, index=pd.Index(["a", "b", "c", "d"], name="entity_id"))


def test_loss_of_the_largest_client(pnl) -> None:
    d = loss_scenarios(pnl, top=3, fixed_costs_per_year=500.0, years=2.0)
    a = d[(d["level"] == "entity") & (d["id"] == "a")].iloc[0]
    assert a["contribution"] == 105
    # 150 − 10 − 20 − 5: the retro bonus stops with the client (it was 125 without it)
    assert a["contribution_lost"] == 115
    assert a["contribution_lost"] == a["contribution"] + 10   # + the stranded CTS
    assert a["contribution_lost_year"] == 57.5
    assert a["fixed_cost_cover"] == pytest.approx(0.115)
    assert a["revenue_share"] == pytest.approx(0.6)
    assert a["growth_pct"] == pytest.approx(-0.2) and a["trend"] == "shrinking"
    # the largest first; ranks at their own level
    assert d.iloc[0]["id"] == "a" and a["rank"] == 1


def test_holding_is_a_scenario_of_its_own(pnl) -> None:
    d = loss_scenarios(pnl, top=3, fixed_costs_per_year=None, years=1.0)
    g = d[d["level"] == "group"]
    assert list(g["id"]) == ["G:Холдинг"]                  # single-entity groups are not repeated
    h = g.iloc[0]
    assert h["name"] == "Холдинг" and h["entities"] == 2
    assert h["net_revenue"] == 190 and h["contribution_lost"] == 41
    assert h["revenue_share"] == pytest.approx(0.19)
    assert h["rank"] == 3                                   # A 600, D 210, the holding 190
    assert h["growth_pct"] == pytest.approx(100 / 90 - 1) and h["trend"] == "growing"
    # fixed costs not given: the cover is not known, never invented
    assert d["fixed_cost_cover"].isna().all()
    # the holding ranks 3rd among groups: outside a top-2 it is not listed
    assert (loss_scenarios(pnl, top=2)["level"] == "entity").all()


def test_all_avoidable_when_the_pnl_does_not_split_costs(pnl) -> None:
    d = loss_scenarios(pnl.drop(columns=["cts_avoidable", "cts_stranded"]), top=1)
    assert d.iloc[0]["contribution_lost"] == 105       # 150 − 10 − 30 − 5 = its contribution


def test_top_trend(pnl) -> None:
    t = top_trend(pnl, top=2)                               # A 300 → 240, D 100 → 110
    assert t["clients"] == 2
    assert t["revenue_prev12"] == 400 and t["revenue_last12"] == 350
    assert t["growth_ratio"] == pytest.approx(-0.125)
    assert t["trend"] == "shrinking" and t["shrinking"] == 1
    flat = pnl.assign(revenue_last12=pnl["revenue_prev12"] * 1.01)
    assert top_trend(flat)["trend"] == "flat"
    none = pnl.assign(revenue_prev12=0.0)
    assert top_trend(none)["growth_ratio"] is None and top_trend(none)["trend"] == "unknown"


def test_demo_ru_dependency(demo_ru_steps) -> None:
    """demo_ru: the largest client's scenario in the summary equals the artefact; fixed costs
    are not given, so the cover is empty; the top clients' revenue trend is typed."""
    from kamlib.engagement import Engagement
    from kamlib.steps import artefact_path
    from kamlib.summaries import loads, unit_of

    eng = Engagement.open(demo_ru_steps)
    dep = pd.read_parquet(artefact_path(eng, "dependency"))
    pnl = pd.read_parquet(artefact_path(eng, "client_pnl")).set_index("entity_id")
    s2 = loads((eng.work / "02_profitability" / "summary.json").read_text(encoding="utf-8"))
    first = dep.iloc[0]
    assert first["id"] == pnl["net_revenue"].idxmax()
    row = pnl.loc[first["id"]]
    assert first["contribution_lost"] == pytest.approx(
        row["gross_margin"] - row["off_invoice"] - row["cts_avoidable"]
        - row["cost_of_receivables"])
    # what stays behind when it leaves is its stranded cost-to-serve, nothing else
    assert first["contribution_lost"] == pytest.approx(row["contribution"] + row["cts_stranded"])
    assert row["off_invoice"] > 0                               # demo_ru's largest has a bonus
    assert float(s2["dependency"]["largest"][0]["contribution_lost"]) == pytest.approx(
        first["contribution_lost"], abs=0.01)
    assert s2["dependency"]["fixed_costs_per_year"] is None
    assert np.isnan(dep["fixed_cost_cover"]).all()
    assert unit_of("02", "dependency.top_trend_ratio") == "ratio"
    assert unit_of("02", "dependency.largest.0.contribution_lost") == "money"
    assert float(s2["dependency"]["top_trend_ratio"]) < 0       # the top clients shrink
