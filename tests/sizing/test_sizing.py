"""Step 4: a hand-computed sizing example for each method; the span check."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.config import SizingParams
from kamlib.i18n import Formatter
from kamlib.sizing.workload import account_workload, available_hours, compare_methods, span_check


@pytest.fixture
def key() -> pd.DataFrame:
    return pd.DataFrame({"quadrant": ["Strategic", "Strategic", "Star", "Status"],
                         "attractiveness": [9.0, 8.0, 7.0, 6.0],
                         "contacts": [6, 1, 3, 0],
                         "net_revenue": [1e8, 5e7, 2e7, 1e7]}, index=list("ABCD"))


def test_workload_build_up_by_hand(key) -> None:
    """Talley (1961) with the defaults: meetings Strategic 24, Star 12, Status 8; meeting 2 h +
    travel 2 h; a deep plan of 80 h for the 6 most attractive accounts (all four here);
    reporting 12 h; coordination 25% of the direct hours.

      A, B: 24 × 4 = 96 + 80 + 12 = 188 direct; + 47 = 235 h
      C:    12 × 4 = 48 + 80 + 12 = 140 direct; + 35 = 175 h
      D:     8 × 4 = 32 + 80 + 12 = 124 direct; + 31 = 155 h
    Total 800 h; available per KAM 1 920 × 0.7 = 1 344 h → 800 / 1 344 = 0.5952 FTE.
    """
    p = SizingParams()
    w = account_workload(key, p)
    assert w["hours"].tolist() == [235.0, 235.0, 175.0, 155.0]
    assert available_hours(p) == 1344.0
    m = compare_methods(key, p, kam_cost=5e6, margin_rate=0.12)
    assert m.loc["workload build-up (Talley 1961)", "base"] == pytest.approx(800 / 1344)
    # low / high scale every hour input by 0.8 / 1.25 (coordination follows)
    assert m.loc["workload build-up (Talley 1961)", "low"] == pytest.approx(0.8 * 800 / 1344)


def test_relationship_hours_by_hand(key) -> None:
    """Sherman, Sperry & Reese (2003): contacts × hours a month × 12 + planning.

    Contacts A 6, B 1, C 3, D 0 → the default for Status, 3. Base 4 h a month:
      (6 + 1 + 3 + 3) × 4 × 12 = 624 h + planning 4 × 80 = 320 → 944 h / 1 344 = 0.7024 FTE;
    low (2 h): 312 + 320 = 632 → 0.4702; high (8 h): 1 248 + 320 = 1 568 → 1.1667.
    """
    m = compare_methods(key, SizingParams(), kam_cost=5e6, margin_rate=0.12)
    row = m.loc["relationship hours (Sherman et al. 2003)"]
    assert row["base"] == pytest.approx(944 / 1344)
    assert row["low"] == pytest.approx(632 / 1344)
    assert row["high"] == pytest.approx(1568 / 1344)


def test_break_even_by_hand(key) -> None:
    """Zoltners, Sinha & Lorimer (2006): B = annual KAM cost ÷ margin rate
    = 5 000 000 / 0.12 = 41 666 667; incremental sales expected = 5% × 180 000 000 = 9 000 000;
    KAMs worth having = 9 000 000 / 41 666 667 = 0.216."""
    m = compare_methods(key, SizingParams(), kam_cost=5e6, margin_rate=0.12)
    row = m.loc["break-even (Zoltners, Sinha & Lorimer 2006)"]
    assert row["break_even_sales_per_kam"] == pytest.approx(5e6 / 0.12)
    assert row["incremental_sales"] == pytest.approx(9e6)
    assert row["base"] == pytest.approx(9e6 / (5e6 / 0.12))
    # revenue of a three-year period: a year's extra sales against a KAM's cost a year (the
    # period's were compared: three times too many KAMs worth having)
    m3 = compare_methods(key, SizingParams(), kam_cost=5e6, margin_rate=0.12, years=3.0)
    row3 = m3.loc["break-even (Zoltners, Sinha & Lorimer 2006)"]
    assert row3["incremental_sales"] == pytest.approx(3e6)
    assert row3["base"] == pytest.approx(row["base"] / 3)


def test_no_break_even_without_margin(key) -> None:
    m = compare_methods(key, SizingParams(), kam_cost=5e6, margin_rate=None)
    assert "break-even (Zoltners, Sinha & Lorimer 2006)" not in m.index


@pytest.mark.parametrize("accounts,kams,ok", [(30, 3, True), (30, 1, False), (30, 10, False),
                                              (3, 1, True)])
def test_span_check(accounts, kams, ok) -> None:
    assert span_check(accounts, kams, 0)["within_5_15"] is ok


@pytest.fixture
def demo(demo_ru_steps):
    """demo_ru with steps 0–3 run (shared, see conftest), for step 4."""
    return demo_ru_steps


def test_sizing_on_the_sample(demo) -> None:
    from kamlib.sizing import run_sizing

    res = run_sizing(demo, demo / "work" / "04_kam_team_sizing")
    s = res["summary"]
    key = pd.read_parquet(demo / "work" / "03_key_client_profile" / "key_clients.parquet")
    a = res["assignment"]
    assert sorted(a.index) == sorted(key["entity_id"])          # every key client, once
    assert s["assignment"]["tolerance_met"]
    loads = a.groupby("kam")["hours"].sum()
    mean = loads.mean()
    assert ((loads - mean).abs() <= 0.15 * mean + 1e-6).all()
    assert s["kams"] == len(res["team_plan"]) >= 1
    assert 5 <= s["key_accounts"] / s["kams"] <= 15               # the span seen in practice
    assert s["assignment"]["owner_changes"] < s["key_accounts"]   # current owners kept
    assert 3 <= len(res["kpis"]) <= 5 and set(res["kpis"]["family"]) >= {"contribution", "cash"}
    text = s["recommendation"]
    # demo_ru reports in Russian: headcount, cost, who serves whom, how they are measured
    assert f"{s['kams']} KAM" in text and "₽" in text and "RUB" not in text
    assert "Кто кого ведёт" in text and "показател" in text
    assert (demo / "work" / "04_kam_team_sizing" / "assignment.parquet").exists()


def test_business_case_on_the_sample(demo) -> None:
    """The business case of the whole recommended team on demo_ru: the compatibility keys
    agree with it, units are explicit, KAMs and managers are two different numbers."""
    import json

    from kamlib.sizing import run_sizing

    out = demo / "work" / "04_kam_team_sizing"
    res = run_sizing(demo, out)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    bc = s["business_case"]
    cost = bc["cost"]
    assert {v["currency"] for v in cost.values()} == {"RUB"}
    total = float(cost["total"]["amount"])
    assert total == pytest.approx(float(cost["new_cash"]["amount"])
                                  + float(cost["reallocated"]["amount"]), abs=0.02)
    assert total == pytest.approx(float(cost["new_hires"]["amount"])
                                  + float(cost["existing_time"]["amount"])
                                  + float(cost["support"]["amount"])
                                  + float(cost["travel_tools"]["amount"]), abs=0.02)
    assert float(cost["support"]["amount"]) > 0                      # the support is costed
    # the old keys agree with the new computation: the whole programme, the whole team
    assert s["team_cost"] == pytest.approx(total, abs=0.01)
    assert s["break_even"]["kam_cost"] == pytest.approx(total, abs=0.01)
    assert s["break_even"]["scope"] == "team"
    assert s["payback"]["contribution_uplift_pct"] == pytest.approx(
        100 * bc["needed_uplift_ratio"], abs=1e-3)
    assert bc["break_even"]["break_even_ratio"] == pytest.approx(
        0.05 / bc["needed_uplift_ratio"], rel=1e-4)
    # the market cost is the median of the KAM-role people (3,228,000 and 3,657,000)
    assert bc["market_kam_cost"] == {"amount": "3442500.00", "currency": "RUB"}
    # existing people are re-allocated, not new cash
    team = res["economics"]["business_case"]["kams"]
    assert bc["kams"]["existing"] == int((team["status"] == "existing").sum()) >= 2
    assert bc["kams"]["existing"] + bc["kams"]["new_hires"] == s["kams"]
    # today: 2 people with a KAM role, more managers hold the key clients
    assert s["current_kams"] == bc["current_kams"] == 2
    assert s["current_owners"] == bc["current_owners"] > s["current_kams"]
    assert f"{s['current_owners']} KAM" not in s["recommendation"]
    assert f"ведут {s['current_owners']} менеджер" in s["recommendation"]
    # the key clients shrink: the verdict says so
    assert bc["revenue_trend_ratio"] < 0
    assert bc["verdict"]["code"] == "needs_growth_against_trend"
    assert "вопреки" in s["recommendation"]
    # the people of today's team the plan takes who do not fit the role are named (it said
    # "6 from today's team" while the role-fit assessment found 2 good fits)
    fit = pd.read_parquet(out / "role_fit.parquet").set_index("person")["good_fit"]
    chosen = team.index[team["status"] == "existing"]
    weak = [p for p in chosen if not fit.get(p, True)]
    assert weak and s["weak_fit"] and set(s["weak_fit"]) == set(weak)
    assert f"подходят {len(chosen) - len(weak)}; {len(weak)} — нет ({', '.join(s['weak_fit'])})" \
        in s["recommendation"]
    # the KPI targets (growth 10 %, margin 18,68 → 18,94 %) would lift the contribution by
    # (1 + g) × margin factor − 1, below the uplift the programme needs: said, with figures
    short = s["growth_target_short"]
    k = {r["kpi"]: r for r in s["kpis"]}
    m = k["contribution_margin_pct"]
    assert short["gain_ratio"] == pytest.approx(
        (1 + k["revenue_growth_pct"]["target"] / 100) * m["target"] / m["baseline"] - 1,
        abs=1e-6)
    assert short["gain_ratio"] < short["needed_ratio"] == bc["needed_uplift_ratio"]
    f = Formatter("ru")
    assert (f"вырос бы на {f.pct(short['gain_ratio'])} — меньше "
            f"{f.pct(short['needed_ratio'])}") in s["recommendation"]
    kp = bc["key_person"]
    assert 0 < kp["revenue_share"] <= 1
    assert (kp["flag"] is not None) == (kp["revenue_share"] > 0.25)
    assert bc["verdict"]["args"]["needed_uplift_ratio"] == bc["needed_uplift_ratio"]


def test_infeasible_capacity_is_a_clear_error() -> None:
    from kamlib.errors import ConfigError
    from kamlib.sizing.assignment import assign_accounts

    accounts = pd.DataFrame({"hours": [500.0, 400.0]}, index=["A", "B"])
    kams = pd.DataFrame({"capacity": [0.0]}, index=["K"])
    with pytest.raises(ConfigError) as info:
        assign_accounts(accounts, kams)
    assert info.value.hint


def test_step_4_gives_the_deep_plan_hours_to_step_3s_deep_plans():
    from kamlib.config import SizingParams
    from kamlib.sizing.workload import account_workload

    key = pd.DataFrame({"quadrant": ["Strategic", "Strategic", "Status"],
                        "attractiveness": [9.0, 8.0, 5.0],
                        "deep_plan": [False, True, True]}, index=["A", "B", "C"])
    p = SizingParams(deep_plans_per_year=2)
    w = account_workload(key, p)
    assert w["deep_plan"].tolist() == [False, True, True]     # step 3's choice, not the top 2
    assert w.loc["C", "planning_hours"] == p.deep_plan_hours
    assert w.loc["A", "planning_hours"] == p.planning_hours
    w2 = account_workload(key.drop(columns="deep_plan"), p)
    assert w2["deep_plan"].tolist() == [True, True, False]    # without it: by attractiveness


def test_no_key_client_is_a_clear_error_not_a_crash(training_runs, tmp_path):
    """Step 3 may choose nobody (a high USP gate, nobody scored): step 4 says so and what to
    do, instead of failing inside the arithmetic."""
    import shutil

    from kamlib.errors import KamError
    from kamlib.sizing import run_sizing

    root = tmp_path / "eng"
    shutil.copytree(training_runs["top3"], root)
    path = root / "work" / "03_key_client_profile" / "key_clients.parquet"
    pd.read_parquet(path).iloc[0:0].to_parquet(path)
    with pytest.raises(KamError, match="chose no key client") as err:
        run_sizing(root, tmp_path / "out")
    assert "--from 03" in err.value.hint


def test_growth_short_only_when_the_targets_fall_short() -> None:
    from kamlib.sizing import _growth_short

    kpis = pd.DataFrame({"kpi": ["contribution_margin_pct", "revenue_growth_pct"],
                         "baseline": [20.0, -4.0], "target": [22.0, 10.0]})
    # (1.10 × 22 / 20) − 1 = 0.21
    assert _growth_short(kpis, 0.15) is None
    short = _growth_short(kpis, 0.25)
    assert short is not None and short["gain_ratio"] == pytest.approx(0.21)
    assert _growth_short(kpis.iloc[:1], 0.25) is None        # no growth KPI: nothing to say
    assert _growth_short(kpis, None) is None                 # no business case
    assert _growth_short(kpis.iloc[1:], 0.12)["gain_ratio"] == pytest.approx(0.10)
