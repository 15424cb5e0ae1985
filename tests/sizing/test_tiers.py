"""The service model by tier (kamlib.sizing.tiers): the rule, hand-computed; money in = out."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from kamlib.config import TierParams
from kamlib.sizing.tiers import TIERS, service_tiers, tier_summary, tiers_json
from kamlib.summaries import unit_of


def _pnl() -> pd.DataFrame:
    rows = [  # id, status, revenue, contribution, cost-to-serve
        ("K", "active", 500.0, -10.0, 40.0),    # key although it loses money: step 3 chose it
        ("L", "lost", 80.0, -5.0, 20.0),        # stopped buying: not active, whatever else
        ("N", "active", 60.0, -1.0, 30.0),      # loses money: re-price or exit
        ("D", "new", 120.0, 15.0, 10.0),        # Star on the long list, not key: develop
        ("DN", "active", 90.0, -2.0, 9.0),      # Star but loses money: re-price comes first
        ("S1", "active", 10.0, 1.0, 4.0),       # the smallest: 10 + 15 = 25 ≤ 5 % of 1,005
        ("S2", "active", 15.0, 2.0, 4.0),
        ("T1", "active", 30.0, 3.0, 6.0),       # 25 + 30 = 55 > 50.25: transactional
        ("T2", "dormant", 0.0, 0.0, 2.0),       # dormant: not active
        ("T3", "active", 180.0, 20.0, 12.0),
    ]
    return pd.DataFrame(rows, columns=["entity_id", "status", "net_revenue", "contribution",
                                       "cost_to_serve"]).assign(
        entity_name=lambda d: "Client " + d["entity_id"])


def _candidates() -> pd.DataFrame:
    return pd.DataFrame({"entity_id": ["K", "D", "DN", "T3"],
                         "quadrant": ["Strategic", "Star", "Star", "Status"],
                         "is_key": [True, False, False, False]})


def test_the_rule_in_order():
    t = service_tiers(_pnl(), _candidates()).set_index("entity_id")
    # active revenue = 500 + 60 + 120 + 90 + 10 + 15 + 30 + 180 = 1,005; 5 % = 50.25
    assert t["tier"].to_dict() == {
        "K": "key", "L": "not_active", "N": "reprice_or_exit", "D": "develop",
        "DN": "reprice_or_exit", "S1": "self_service", "S2": "self_service",
        "T1": "transactional", "T2": "not_active", "T3": "transactional"}
    assert t.loc["S1", "reason_code"] == "small_tail"
    assert t.loc["T3", "reason_code"] == "standard"
    assert t.loc["K", "served_by"] == "kam" and t.loc["S1", "served_by"] == "web_or_distributor"
    # after = today × the tier's factor: self-service 0.5, transactional 0.85, re-price 0.6
    assert t.loc["S1", "cost_to_serve_after"] == 2.0
    assert t.loc["T3", "cost_to_serve_after"] == pytest.approx(10.2)
    assert t.loc["N", "cost_to_serve_after"] == pytest.approx(18.0)
    assert t.loc["L", "cost_to_serve_after"] == 20.0      # no saving claimed on lost clients


def test_without_a_selection_nobody_is_key_or_developed():
    t = service_tiers(_pnl(), None).set_index("entity_id")
    assert "key" not in set(t["tier"]) and "develop" not in set(t["tier"])
    assert t.loc["K", "tier"] == "reprice_or_exit"


def test_money_in_equals_money_out_and_the_summary_is_typed():
    pnl = _pnl()
    t = service_tiers(pnl, _candidates())
    s = tier_summary(t, years=2.0)
    assert list(s.index) == list(TIERS)
    assert s["clients"].sum() == len(pnl)
    assert s["net_revenue"].sum() * 2 == pytest.approx(pnl["net_revenue"].sum())
    assert s.loc["self_service", "net_revenue"] == 12.5              # (10 + 15) ÷ 2 years
    j = tiers_json(s, years=2.0)
    # today 137, after: K 40 + L 20 + N 18 + D 10 + DN 5.4 + S 4 + T1 5.1 + T2 2 + T3 10.2
    assert j["saving"] == pytest.approx((137.0 - 114.7) / 2)
    assert unit_of("04", "tiers.saving") == "money"
    assert unit_of("04", "tiers.by_tier.key.cost_to_serve") == "money"
    assert unit_of("04", "tiers.by_tier.key.clients") == "count"


def test_settings_merge_over_the_defaults_and_refuse_unknown_tiers():
    p = TierParams(cost_factor={"self_service": 0.4})
    assert p.cost_factor["self_service"] == 0.4 and p.cost_factor["transactional"] == 0.85
    t = service_tiers(_pnl(), _candidates(), p).set_index("entity_id")
    assert t.loc["S1", "cost_to_serve_after"] == pytest.approx(1.6)
    with pytest.raises(ValidationError, match="platinum"):
        TierParams(cost_factor={"platinum": 0.1})
    with pytest.raises(ValidationError, match="unknown role"):
        TierParams(served_by={"key": "ceo"})


def test_step_4_writes_the_tiers_of_every_client(training_runs, tmp_path):
    from kamlib.sizing import run_sizing

    root = training_runs["top3"]
    res = run_sizing(root, tmp_path)
    tiers = pd.read_parquet(tmp_path / "service_tiers.parquet")
    pnl = pd.read_parquet(root / "work" / "02_profitability" / "client_pnl.parquet")
    assert len(tiers) == len(pnl) and set(tiers["entity_id"]) == set(pnl["entity_id"])
    assert tiers["net_revenue"].sum() == pytest.approx(pnl["net_revenue"].sum(), abs=0.005)
    by = res.summary["tiers"]["by_tier"]
    assert by["key"]["clients"] == res.summary["key_accounts"]
    assert sum(v["clients"] for v in by.values()) == len(pnl)

