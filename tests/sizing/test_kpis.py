"""KPIs per KAM with targets from the data, weights with 2–3 in focus, and the bonus sketch
(step 4, issue 17 item 5). Hand-computed examples."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from kamlib.config import KpiSchemeParams, SizingParams
from kamlib.sizing.kpis import (
    account_values,
    bonus_factor,
    bonus_scheme,
    kam_kpis,
    kpi_target,
    payout,
    portfolio_targets,
)


def test_default_weights_sum_to_one_with_two_or_three_in_focus() -> None:
    p = SizingParams().kpi_scheme
    assert sum(p.weights.values()) == pytest.approx(1.0)
    assert 3 <= len(p.weights) <= 5
    focus = [f for f, w in p.weights.items() if w >= p.focus_weight]
    assert focus == ["contribution", "growth"]


@pytest.mark.parametrize(("weights", "message"), [
    ({"contribution": 0.5, "growth": 0.3, "cash": 0.1}, "sum to 1"),
    ({"contribution": 0.7, "growth": 0.1, "cash": 0.1, "relationship": 0.1}, "2–3 KPIs"),
    ({"contribution": 0.25, "growth": 0.25, "cash": 0.25, "relationship": 0.25}, "2–3 KPIs"),
    ({"contribution": 0.6, "growth": 0.4}, "4 ± 1"),
    ({"contribution": 0.4, "growth": 0.3, "cash": 0.3, "happiness": 0.0}, "unknown"),
])
def test_weights_are_checked(weights: dict[str, float], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        KpiSchemeParams(weights=weights)


def test_gate_must_be_a_kpi() -> None:
    with pytest.raises(ValidationError, match="gate_kpi"):
        KpiSchemeParams(gate_kpi="customer")


def test_target_moves_towards_the_key_accounts_percentile() -> None:
    # values 10, 18, 22, 26, 30: the 75th percentile (linear) is 26
    v = pd.Series([10.0, 18.0, 22.0, 26.0, 30.0])
    assert kpi_target(18.0, v, "higher") == pytest.approx((22.0, 26.0))   # 18 + ½ × 8
    # above the percentile already: hold the baseline, never a lower target
    assert kpi_target(28.0, v, "higher") == pytest.approx((28.0, 26.0))
    # lower is better (days late 12; the 25th percentile of 2, 4, 6, 20 is 3.5)
    d = pd.Series([2.0, 4.0, 6.0, 20.0])
    assert kpi_target(12.0, d, "lower") == pytest.approx((12 - 0.5 * 8.5, 3.5))
    # a share in percent never passes 100
    assert kpi_target(90.0, pd.Series([100.0, 100.0, 100.0, 300.0]), "higher",
                      unit="%")[0] == 100.0
    # growth in percent is not a share: a baseline of 151.7 % keeps a target above it
    # (the 75th percentile of 120, 160, 200, 240 is 210: 151.7 + ½ × 58.3 = 180.85)
    growth = pd.Series([120.0, 160.0, 200.0, 240.0])
    assert kpi_target(151.7, growth, "higher", unit="%", kpi="revenue_growth_pct")[0] == \
        pytest.approx(180.85)
    # and a share's target never falls below a baseline already over the ceiling
    assert kpi_target(151.7, growth, "higher", unit="%", kpi="share_of_wallet_pct")[0] == \
        pytest.approx(151.7)
    t, ref = kpi_target(float("nan"), v, "higher")
    assert t != t and ref != ref                                          # NaN: no data


def _key() -> pd.DataFrame:
    return pd.DataFrame({
        "net_revenue": [100.0, 100.0, 200.0, 100.0],
        "contribution": [10.0, 30.0, 20.0, 40.0],
        "revenue_last12": [90.0, 110.0, 200.0, 130.0],
        "revenue_prev12": [100.0, 100.0, 200.0, 100.0],
        "contacts": [2.0, 4.0, 6.0, 8.0],
        "days_late": [10.0, 0.0, 4.0, 2.0],
    }, index=pd.Index(["a", "b", "c", "d"], name="entity_id"))


def test_account_values_are_each_accounts_own_kpi() -> None:
    v = account_values(_key(), "contribution")
    assert v.to_dict() == pytest.approx({"a": 10.0, "b": 30.0, "c": 10.0, "d": 40.0})
    g = account_values(_key(), "growth")
    assert g.to_dict() == pytest.approx({"a": -10.0, "b": 10.0, "c": 0.0, "d": 30.0})


def test_kpis_per_kam_by_hand() -> None:
    kam = pd.Series({"a": "Anna", "b": "Anna", "c": "Boris", "d": "Boris"})
    k = kam_kpis(_key(), kam)
    assert len(k) == 8 and set(k["kam"]) == {"Anna", "Boris"}
    for _, g in k.groupby("kam"):
        assert g["weight"].sum() == pytest.approx(1.0)                     # sum 1 per KAM
        assert 2 <= g["focus"].sum() <= 3                                  # 2–3 in focus
        assert 3 <= len(g) <= 5
    anna = k[k["kam"] == "Anna"].set_index("family")
    # contribution margin: (10 + 30) ÷ 200 = 20 %; the accounts' margins 10, 30, 10, 40 have
    # a 75th percentile of 32.5 → target 20 + ½ × 12.5 = 26.25
    assert anna.at["contribution", "baseline"] == pytest.approx(20.0)
    assert anna.at["contribution", "reference"] == pytest.approx(32.5)
    assert anna.at["contribution", "target"] == pytest.approx(26.25)
    # growth: (90 + 110) ÷ 200 − 1 = 0 %; growths −10, 10, 0, 30 → p75 15 → target 7.5
    assert anna.at["growth", "baseline"] == pytest.approx(0.0)
    assert anna.at["growth", "target"] == pytest.approx(7.5)
    # days late (lower is better): Anna (10 + 0) ÷ 2 = 5; p25 of 10, 0, 4, 2 is 1.5 → 3.25
    assert anna.at["cash", "baseline"] == pytest.approx(5.0)
    assert anna.at["cash", "target"] == pytest.approx(5 - 0.5 * 3.5)
    boris = k[k["kam"] == "Boris"].set_index("family")
    # Boris' margin 60 ÷ 300 = 20 % too, growth 330 ÷ 300 − 1 = 10 % → 10 + ½ × 5 = 12.5
    assert boris.at["growth", "target"] == pytest.approx(12.5)
    # not the fixed +2 pp of the old default
    assert anna.at["contribution", "target"] != pytest.approx(22.0)


def test_portfolio_targets_follow_the_same_rule() -> None:
    t = portfolio_targets(_key())
    # the whole portfolio: margin 100 ÷ 500 = 20 % → 26.25; growth 530 ÷ 500 − 1 = 6 % → 10.5
    assert t["contribution"] == pytest.approx(26.25)
    assert t["growth"] == pytest.approx(10.5)
    assert set(t) == {"contribution", "growth", "relationship", "cash"}


def test_payout_curve_and_bonus_with_gate_and_cap() -> None:
    assert [payout(a) for a in (0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.5)] == pytest.approx(
        [0.0, 0.0, 0.5, 1.0, 1.25, 1.5, 1.5])
    ach = {"contribution": 1.0, "growth": 1.1, "relationship": 0.9, "cash": 0.7}
    assert bonus_factor(ach) == pytest.approx(0.35 + 0.30 * 1.25 + 0.20 * 0.5)   # 0.825
    assert bonus_factor({**ach, "contribution": 0.85}) == 0.0                   # the gate
    s = bonus_scheme()
    assert s["variable_pay_share"] == 0.3 and s["max_pay_share"] == pytest.approx(0.45)
    assert s["focus"] == ["contribution", "growth"] and s["kpis"] == 4
    assert sum(s["weights"].values()) == pytest.approx(1.0)
    assert s["gate"] == {"kpi": "contribution", "achievement_ratio": 0.9}


def test_step4_writes_kpis_per_kam(demo_ru_steps, tmp_path) -> None:
    """On demo_ru: every recommended KAM has 4 KPIs, weights summing to 1, 2 in focus; the
    portfolio KPIs of the summary have data-derived targets; the role fit is written."""
    import json
    import shutil

    from kamlib.sizing import run_sizing

    root = tmp_path / "ru"
    shutil.copytree(demo_ru_steps, root)
    out = root / "work" / "04_kam_team_sizing"
    res = run_sizing(root, out)
    k = pd.read_parquet(out / "kam_kpis.parquet")
    assert set(k["kam"]) == set(res["team_plan"].index)
    per = k.groupby("kam").agg(w=("weight", "sum"), n=("kpi", "size"), f=("focus", "sum"))
    assert (per["w"].round(9) == 1).all() and (per["n"] == 4).all() and (per["f"] == 2).all()
    # targets are never below the baseline where higher is better
    hi = k[k["better"] == "higher"].dropna(subset=["target"])
    assert (hi["target"] >= hi["baseline"] - 1e-9).all()
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["kpi_scheme"]["kpis"] == 4
    growth = next(x for x in s["kpis"] if x["family"] == "growth")
    assert growth["target"] == pytest.approx(
        portfolio_targets(res["key"], SizingParams().kpi_scheme)["growth"])
    fit = pd.read_parquet(out / "role_fit.parquet")
    assert fit["fit"].between(0, 1).all() and fit["fit"].is_monotonic_decreasing
    assert s["role_fit"]["best"]["person"] == fit["person"].iloc[0]
