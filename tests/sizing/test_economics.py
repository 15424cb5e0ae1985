"""Hand-computed checks of kamlib.sizing.economics (METHODS.md §4)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kamlib.sizing.economics import (
    adbudg,
    adbudg_from_judgement,
    break_even,
    effort_sensitivity,
    payback,
    propose_kpis,
    support_team,
    team_cost,
)

CURVE = {"a": 1.5, "b": 0.5, "c": 2.0, "d": 1.0}


def test_team_cost_itemised():
    """3 × (800,000 × 1.3 + 100,000) = 3,420,000; support 500 × 1,000; total 3,920,000."""
    out = team_cost(3, salary=800_000, overhead_share=0.3, travel=100_000,
                    support_hours=500, support_rate=1_000)
    assert out["salary"] == pytest.approx(2_400_000)
    assert out["overhead"] == pytest.approx(720_000)
    assert out["travel"] == pytest.approx(300_000)
    assert out["kam_cost"] == pytest.approx(3_420_000)
    assert out["per_kam"] == pytest.approx(1_140_000)
    assert out["support"] == pytest.approx(500_000)
    assert out["total"] == pytest.approx(3_920_000)


def test_team_cost_rejects_negative():
    with pytest.raises(ValueError, match="salary"):
        team_cost(2, salary=-1)


def test_break_even_zs():
    """B = 3,000,000 / 0.2 = 15,000,000; 18,000,000 / 15,000,000 = 1.2 > 1."""
    out = break_even(3_000_000, margin_rate=0.2)
    assert out["break_even_sales"] == pytest.approx(15_000_000)
    assert out["ratio"] is None and out["worth_adding"] is None
    out = break_even(3_000_000, margin_rate=0.2, expected_uplift=18_000_000)
    assert out["ratio"] == pytest.approx(1.2)
    assert out["worth_adding"] is True
    assert "worth adding" in out["text"]
    out = break_even(3_000_000, margin_rate=0.2, expected_uplift=12_000_000)
    assert out["ratio"] == pytest.approx(0.8)
    assert out["worth_adding"] is False


@pytest.mark.parametrize("m", [0.0, -0.1])
def test_break_even_no_margin(m):
    with pytest.raises(ValueError, match="do not earn a margin: a KAM cannot pay back"):
        break_even(3_000_000, margin_rate=m)


def test_break_even_percent_given_as_whole_number():
    with pytest.raises(ValueError, match="fraction"):
        break_even(3_000_000, margin_rate=20)


def test_payback():
    """Team 3M, revenue 100M, contribution 20M: 3 / 0.2 = 15M = 15%; 3 / 20 = 15%."""
    out = payback(3_000_000, 20_000_000, 100_000_000)
    assert out["margin_rate"] == pytest.approx(0.2)
    assert out["revenue_uplift"] == pytest.approx(15_000_000)
    assert out["revenue_uplift_pct"] == pytest.approx(15.0)
    assert out["contribution_uplift"] == pytest.approx(3_000_000)
    assert out["contribution_uplift_pct"] == pytest.approx(15.0)
    assert "15.0%" in out["text"]
    # at a 30% incremental margin: 3 / 0.3 = 10M = 10% of key revenue
    out = payback(3_000_000, 20_000_000, 100_000_000, incremental_margin=0.3)
    assert out["revenue_uplift_pct"] == pytest.approx(10.0)
    assert out["contribution_uplift_pct"] == pytest.approx(15.0)


def test_payback_no_margin():
    with pytest.raises(ValueError, match="cannot pay back"):
        payback(3_000_000, -5_000_000, 100_000_000)


def test_adbudg_known_points():
    """y(0) = 0.5; y(1) = 0.5 + 1/2 = 1.0; y(2) = 0.5 + 4/5 = 1.3; y(∞) → 1.5."""
    assert adbudg(0.0, **CURVE) == pytest.approx(0.5)
    assert adbudg(1.0, **CURVE) == pytest.approx(1.0)
    assert adbudg(2.0, **CURVE) == pytest.approx(1.3)
    assert adbudg(1e6, **CURVE) == pytest.approx(1.5)
    arr = adbudg([0, 1, 2], **CURVE)
    np.testing.assert_allclose(arr, [0.5, 1.0, 1.3])
    s = adbudg(pd.Series([1.0, 2.0], index=["x", "y"]), **CURVE)
    assert list(s.index) == ["x", "y"]
    assert s["y"] == pytest.approx(1.3)


def test_adbudg_rejects_bad_input():
    with pytest.raises(ValueError):
        adbudg(-1.0, **CURVE)
    with pytest.raises(ValueError):
        adbudg(1.0, a=1, b=0, c=0, d=1)


def test_calibration_closed_form():
    """b = 0.5, y(1) = 1, y(1.5) = 0.5 + 9/13, a = 1.5 ⇒ d = 1, 1.5ᶜ = 9/4 ⇒ c = 2."""
    p = adbudg_from_judgement(at_zero=0.5, at_current=1.0, at_plus50=0.5 + 9 / 13,
                              at_saturation=1.5)
    assert p["a"] == pytest.approx(1.5)
    assert p["b"] == pytest.approx(0.5)
    assert p["c"] == pytest.approx(2.0)
    assert p["d"] == pytest.approx(1.0)


def test_calibration_reproduces_judgements():
    p = adbudg_from_judgement(at_zero=0.6, at_current=1.0, at_plus50=1.1, at_saturation=1.3)
    np.testing.assert_allclose(adbudg([0, 1, 1.5, 1e9], **p), [0.6, 1.0, 1.1, 1.3], rtol=1e-6)
    # r₁ = 0.4 / 0.7 ⇒ d = 0.75; r₁.₅ = 5/7 ⇒ 1.5ᶜ = 0.75 × 2.5 = 1.875
    assert p["d"] == pytest.approx(0.75)
    assert p["c"] == pytest.approx(math.log(1.875) / math.log(1.5))


def test_calibration_rejects_non_increasing():
    with pytest.raises(ValueError, match="increase"):
        adbudg_from_judgement(at_zero=0.6, at_current=1.0, at_plus50=0.9, at_saturation=1.3)


def test_effort_sensitivity_table():
    """Base 100, m 0.2, 5 per unit: effort 2 → revenue 130, gain 6, cost 5, net 1;
    effort 0 → revenue 50, gain −10, cost −5, net −5; effort 1.5 → 100 × (0.5 + 9/13)."""
    t = effort_sensitivity(CURVE, base_revenue=100, margin_rate=0.2, cost_per_unit_effort=5)
    assert list(t.columns) == ["effort", "response", "revenue", "contribution_gain", "cost",
                               "net"]
    row = t.set_index("effort")
    assert row.loc[2.0, "revenue"] == pytest.approx(130)
    assert row.loc[2.0, "contribution_gain"] == pytest.approx(6)
    assert row.loc[2.0, "cost"] == pytest.approx(5)
    assert row.loc[2.0, "net"] == pytest.approx(1)
    assert row.loc[1.0, "net"] == pytest.approx(0)
    assert row.loc[0.0, "revenue"] == pytest.approx(50)
    assert row.loc[0.0, "net"] == pytest.approx(-5)
    rev15 = 100 * (0.5 + 9 / 13)
    assert row.loc[1.5, "net"] == pytest.approx((rev15 - 100) * 0.2 - 2.5)


def _key() -> pd.DataFrame:
    return pd.DataFrame({
        "contribution": [10.0, 30.0],
        "net_revenue": [100.0, 100.0],
        "growth_pct": [0.10, 0.30],
        "contacts": [4, 1],
        "economic_buyer": [True, True],
        "dso_days": [50.0, 30.0],
        "terms_days": [30.0, 45.0],
    })


def test_kpi_baselines():
    """Margin 40 / 200 = 20%; growth (0.1 × 100 + 0.3 × 100) / 200 = 20%;
    covered 1 of 2 = 50%; days late (20 + 0) / 2 = 10."""
    kpis, warns = propose_kpis(_key())
    assert warns == []
    assert list(kpis["family"]) == ["contribution", "growth", "relationship", "cash"]
    k = kpis.set_index("family")
    assert k.loc["contribution", "baseline"] == pytest.approx(20.0)
    assert k.loc["contribution", "target"] == pytest.approx(22.0)
    assert k.loc["growth", "kpi"] == "revenue_growth_pct"
    assert k.loc["growth", "baseline"] == pytest.approx(20.0)
    assert k.loc["relationship", "kpi"] == "covered_accounts_pct"
    assert k.loc["relationship", "baseline"] == pytest.approx(50.0)
    assert k.loc["cash", "baseline"] == pytest.approx(10.0)
    assert k.loc["cash", "target"] == pytest.approx(5.0)
    assert {"definition", "unit", "source"} <= set(kpis.columns)


def test_kpi_share_of_wallet_and_targets():
    """Wallet 200 / 400 = 50%; targets by family override the defaults."""
    key = _key().assign(potential=[200.0, 200.0])
    kpis, _ = propose_kpis(key, targets={"growth": 60.0, "cash": 0.0})
    k = kpis.set_index("family")
    assert k.loc["growth", "kpi"] == "share_of_wallet_pct"
    assert k.loc["growth", "baseline"] == pytest.approx(50.0)
    assert k.loc["growth", "target"] == pytest.approx(60.0)
    assert k.loc["cash", "target"] == pytest.approx(0.0)


def test_kpi_missing_family_data():
    key = pd.DataFrame({"contribution": [10.0], "net_revenue": [50.0]})
    kpis, warns = propose_kpis(key)
    k = kpis.set_index("family")
    assert k.loc["contribution", "baseline"] == pytest.approx(20.0)
    assert math.isnan(k.loc["cash", "baseline"])
    assert any(w.startswith("cash: no data") for w in warns)
    assert len(warns) == 3  # growth, relationship, cash


def test_kpi_more_than_five_warning():
    key = _key().assign(nps=[40.0, 20.0], on_time=[0.9, 0.95])
    kpis, warns = propose_kpis(key, targets={"customer": 50.0, "on_time": 0.98})
    assert len(kpis) == 6
    k = kpis.set_index("kpi")
    assert k.loc["nps", "baseline"] == pytest.approx(30.0)
    assert k.loc["on_time", "family"] == "other"
    assert any("more than five KPIs dilute focus (4 ± 1 per KAM)" in w for w in warns)
    _, warns5 = propose_kpis(key, targets={"customer": 50.0})
    assert not any("more than five" in w for w in warns5)


def test_kpi_unknown_family():
    with pytest.raises(ValueError, match="unknown KPI families"):
        propose_kpis(_key(), families=("contribution", "happiness"))


def test_support_team_fte():
    """2 Strategic + 3 Status: finance 2×24 + 3×8 = 72; logistics 2×40 + 3×16 = 128;
    marketing 2×24 + 3×4 = 60; service 2×16 + 3×8 = 56; total 316 h = 316 / 1700 FTE."""
    acc = pd.DataFrame({"quadrant": ["Strategic", "Strategic", "Status", "Status", "Status",
                                     None]})
    out = support_team(acc).set_index("role")
    assert out["hours"].to_dict() == {"finance": 72, "logistics": 128, "marketing": 60,
                                      "service": 56}
    assert out["hours"].sum() == pytest.approx(316)
    assert out["fte"].sum() == pytest.approx(316 / 1700)
    assert out.loc["logistics", "accounts"] == 5
    assert out["who_what"].str.len().gt(0).all()


def test_support_team_custom_tiers():
    """Tier A: 10 h finance; tier B: 5 h finance, 20 h service; 1 A + 2 B at 100 h / FTE."""
    acc = pd.DataFrame({"tier": ["A", "B", "B"]})
    out = support_team(acc, hours={"A": {"finance": 10}, "B": {"finance": 5, "service": 20}},
                       hours_per_fte=100).set_index("role")
    assert out.loc["finance", "hours"] == pytest.approx(20)
    assert out.loc["service", "hours"] == pytest.approx(40)
    assert out.loc["service", "accounts"] == 2
    assert out["fte"].sum() == pytest.approx(0.6)


def test_support_team_unknown_label():
    with pytest.raises(ValueError, match="no support hours"):
        support_team(pd.DataFrame({"quadrant": ["Gold"]}))


def test_demo_ru_growth_kpi_is_its_definition(demo_ru_run):
    """The growth KPI's baseline is the revenue-weighted mean of the key clients' own growth,
    and its definition says so, in the summary and in the report (it said "revenue last 12
    months ÷ previous 12" of the key clients: −4,9 %, beside the −4,1 % it printed)."""
    import json

    from kamlib.report.build import build_model

    s4 = json.loads((demo_ru_run / "work" / "04_kam_team_sizing" / "summary.json")
                    .read_text(encoding="utf-8"))
    growth = next(k for k in s4["kpis"] if k["kpi"] == "revenue_growth_pct")
    assert "growth_pct (fraction), weighted by net_revenue" in growth["source"]
    assert "weighted by its net revenue" in growth["definition"]
    for lang, words in (("ru", "взвешенное по его выручке"), ("en", "weighted by its revenue")):
        kpis = build_model(demo_ru_run, lang).tables["kpis"].data
        row = kpis[kpis["kpi_label"].str.contains("роста|growth|Рост", case=False)]
        assert len(row) == 1 and words in row["definition"].iloc[0], lang


def test_demo_ru_says_how_the_number_of_kams_was_decided(demo_ru_run):
    """6 KAMs matched none of the three methods' figures (4,9 / 7,6 / 4,3): the summary
    says why — the workload's 4,9 FTE rounded up to 5, plus one for balanced loads — and
    the report's sizing section prints it."""
    import json
    import math

    from kamlib.report.build import build_model

    s4 = json.loads((demo_ru_run / "work" / "04_kam_team_sizing" / "summary.json")
                    .read_text(encoding="utf-8"))
    basis = s4["kams_basis"]
    fte = s4["fte"]["workload build-up (Talley 1961)"]["base"]
    assert basis["args"]["kams"] == s4["kams"] and basis["args"]["rounded"] == math.ceil(fte)
    assert basis["code"] == "kams_from_workload_balanced" and s4["kams"] == math.ceil(fte) + 1
    m = build_model(demo_ru_run, "ru")
    bullets = next(s for s in m.sections if s.key == "sizing").bullets
    need = f"{basis['args']['fte']:.1f}".replace(".", ",")     # 4,8 on demo_ru
    assert any(b.startswith(f"KAM — {s4['kams']}: по нагрузке нужно {need}") for b in bullets)


def test_demo_ru_methods_use_the_business_cases_yearly_extra_sales(demo_ru_run):
    """The break-even method of the sizing chart expects the business case's extra sales a
    year (36,7 млн ₽ on demo_ru), not the period's (109,9: three years' revenue)."""
    import json

    import pandas as pd

    s4 = json.loads((demo_ru_run / "work" / "04_kam_team_sizing" / "summary.json")
                    .read_text(encoding="utf-8"))
    methods = pd.read_parquet(demo_ru_run / "work" / "04_kam_team_sizing" / "methods.parquet")
    be = methods.set_index("method").loc["break-even (Zoltners, Sinha & Lorimer 2006)"]
    expected = float(s4["business_case"]["break_even"]["expected_incremental_sales"]["amount"])
    assert be["incremental_sales"] == pytest.approx(expected, rel=1e-6)
