"""Client teams of the key accounts (step 4, issue 17 item 1): hours by size and complexity,
the head of KAM, the RACI sheet round trip and its validation, the support FTE costed in the
business case, and the role fit of today's managers. Hand-computed examples."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from pydantic import ValidationError

from kamlib.config import ClientTeamParams, SizingParams
from kamlib.errors import InputError
from kamlib.sizing.business_case import business_case, cost_basis, kam_lines, support_costs
from kamlib.sizing.client_teams import (
    account_complexity,
    apply_raci,
    client_teams,
    default_raci,
    head_of_kam,
    support_by_role,
    support_hours,
)
from kamlib.sizing.role_fit import role_fit
from kamlib.sizing.team_sheet import read_client_teams, write_client_teams

R2 = math.sqrt(2)


def amt(x: object) -> float:
    """An amount of a summary: typed money is a number, the rest ``{"amount", "currency"}``."""
    return float(x["amount"]) if isinstance(x, dict) else float(x)  # type: ignore[index]


def _key() -> pd.DataFrame:
    """Three key accounts: A the median (100), B twice the median with a deep plan, C half."""
    return pd.DataFrame({
        "entity_name": ["Alfa", "Beta", "Gamma"], "net_revenue": [100.0, 200.0, 50.0],
        "quadrant": ["Star", "Strategic", "Status"], "deep_plan": [False, True, False],
        "contacts": [0.0, 6.0, np.nan], "orders": [0.0, 400.0, 0.0],
    }, index=pd.Index(["A", "B", "C"], name="entity_id"))


def _entities() -> pd.DataFrame:
    return pd.DataFrame({"entity_id": ["B", "B", "B", "B", "A"],
                         "is_branch": [False, True, True, True, False]})


def test_complexity_counts_branches_delivery_points_and_orders_a_year() -> None:
    sales = pd.DataFrame({"entity_id": ["B", "B", "B", "A"],
                          "delivery_point": ["x", "y", "x", None]})
    c = account_complexity(_key(), sales=sales, entities=_entities(), years=2.0)
    assert c.loc["B", "size_index"] == pytest.approx(2.0)     # 200 ÷ median 100
    assert c.loc["C", "size_index"] == pytest.approx(0.5)
    assert c.loc["B", "branches"] == 3 and c.loc["A", "branches"] == 0
    assert c.loc["B", "delivery_points"] == 2 and c.loc["A", "delivery_points"] == 0
    assert c.loc["B", "orders"] == 200                         # 400 over two years
    # without ship-to data the driver is unknown, not zero
    assert account_complexity(_key(), years=1.0)["delivery_points"].isna().all()


def test_support_hours_for_a_given_account() -> None:
    c = account_complexity(_key(), entities=_entities(), years=2.0)
    h = support_hours(c)
    # B: 2 × the median revenue, a deep plan, 3 branches, 6 contacts, 200 orders a year
    grow = R2 * 1.5
    assert h.loc["B", "logistics"] == pytest.approx(round(16 * grow + 1 * 3 + 0.05 * 200, 2))
    assert h.loc["B", "logistics"] == pytest.approx(46.94)
    assert h.loc["B", "finance"] == pytest.approx(round(12 * grow + 2 * 3, 2))      # 31.46
    assert h.loc["B", "service"] == pytest.approx(round(12 * grow + 0.5 * 6 + 0.1 * 200, 2))
    assert h.loc["B", "marketing"] == pytest.approx(round(12 * grow + 0.5 * 6, 2))
    assert h.loc["B", "production"] == pytest.approx(round(8 * grow, 2))            # 16.97
    # A is the median account with no driver: the base hours
    assert h.loc["A"].to_dict() == {"finance": 12.0, "logistics": 16.0, "marketing": 12.0,
                                    "service": 12.0, "production": 8.0}
    # C: half the median → √0.5 of the base; its unknown contacts add nothing
    assert h.loc["C", "finance"] == pytest.approx(round(12 * math.sqrt(0.5), 2))    # 8.49
    # the size index is clipped: 10 × the median counts as 4
    big = c.copy()
    big.loc["A", "size_index"] = 10.0
    assert support_hours(big).loc["A", "finance"] == pytest.approx(24.0)


def test_hours_depend_on_complexity_not_only_the_quadrant() -> None:
    c = account_complexity(_key(), entities=_entities(), years=1.0)
    same = c.assign(quadrant="Strategic")
    assert support_hours(same).equals(support_hours(c))        # the quadrant plays no part
    more = c.copy()
    more.loc["A", "contacts"] = 10.0
    assert support_hours(more).loc["A", "service"] == pytest.approx(12.0 + 5.0)


def test_head_of_kam_from_settings_or_the_team_table() -> None:
    team = pd.DataFrame({"person": ["Ivanov", "Petrov", "Sidorov"],
                         "role": ["Руководитель отдела продаж", "Коммерческий директор",
                                  "Менеджер по продажам"],
                         "annual_cost": [4e6, 6e6, 2e6]})
    assert head_of_kam(team) == ("Petrov", "team_table")      # the most senior by cost
    assert head_of_kam(team, "Smirnova") == ("Smirnova", "settings")
    assert head_of_kam(team.iloc[[2]]) == (None, "missing")
    assert head_of_kam(None) == (None, "missing")


def _teams(overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    c = account_complexity(_key(), entities=_entities(), years=2.0)
    kam = pd.Series({"A": "Anna", "B": "Anna", "C": "Boris"})
    return client_teams(c, kam, head="Petrov", overrides=overrides)


def test_client_team_rows_and_support_fte() -> None:
    t = _teams()
    assert len(t) == 3 * 7                                     # KAM, head, 5 support roles
    a = t[t["entity_id"] == "A"].set_index("role")
    assert a.at["kam", "person"] == "Anna" and a.at["head_of_kam", "person"] == "Petrov"
    assert (t.loc[t["role"].isin(["finance"]), "source"] == "formula").all()
    s = support_by_role(t, 1700.0).set_index("role")
    fin = 12.0 + round(12 * R2 * 1.5 + 6, 2) + round(12 * math.sqrt(0.5), 2)
    assert s.at["finance", "hours"] == pytest.approx(fin)
    assert s.at["finance", "fte"] == pytest.approx(fin / 1700)
    assert s.at["finance", "accounts"] == 3
    # a person's estimate replaces the formula for that account and role only
    ov = pd.DataFrame({"entity_id": ["A"], "role": ["finance"], "hours": [100.0],
                       "person": ["Kuznetsova"]})
    t2 = _teams(ov).set_index(["entity_id", "role"])
    assert t2.loc[("A", "finance"), "hours"] == 100.0
    assert t2.loc[("A", "finance"), "hours_formula"] == 12.0
    assert t2.loc[("A", "finance"), "source"] == "sheet"
    assert t2.loc[("A", "finance"), "person"] == "Kuznetsova"
    assert t2.loc[("B", "finance"), "source"] == "formula"


def test_fte_cost_and_the_business_case_with_support() -> None:
    """Support FTE costed (hours ÷ hours per FTE × loaded cost of the role) and added to the
    programme: cost, needed uplift and break-even move by the support cost exactly."""
    params = SizingParams(client_teams=ClientTeamParams(
        support_cost_by_role={"finance": 1_500_000, "logistics": 1_200_000}))
    basis = cost_basis(None, params, "RUB", support_roles=("finance", "logistics",
                                                            "production"))
    assert basis["support"]["finance"][0] == 1_500_000
    assert basis["support"]["logistics"][0] == 1_200_000
    # no setting for production: the share of the KAM cost (0.5 × 3,600,000)
    assert basis["support"]["production"][0] == pytest.approx(1_800_000)
    support = pd.DataFrame({"role": ["finance", "logistics", "production"],
                            "hours": [850.0, 1700.0, 0.0], "fte": [0.5, 1.0, 0.0]})
    costs = support_costs(support, basis).set_index("role")
    assert costs.at["finance", "cost"] == pytest.approx(750_000)    # 850 ÷ 1700 × 1.5 m
    assert costs.at["logistics", "cost"] == pytest.approx(1_200_000)
    assert (costs["status"] == "new").all()                        # nobody in the team table
    plan = pd.DataFrame({"hours": [1000.0], "capacity": [1344.0]}, index=["New KAM"])
    lines = kam_lines(plan, [], None, kam_cost=3_600_000, travel=300_000, tools=0,
                      overhead_share=0.3)
    case = dict(kams=lines, basis=basis, annual_revenue=200_000_000,
                annual_contribution=40_000_000, trend=None,
                revenue_by_kam=pd.Series({"New KAM": 1.0}), params=params, current_kams=None,
                current_owners=None)
    with_ = business_case(support=costs.reset_index(), **case)
    without = business_case(support=costs.reset_index().iloc[0:0], **case)
    kam_total = 3_600_000 * 1.3 + 300_000                          # 4,980,000
    assert without["cost"]["total"] == pytest.approx(kam_total)
    assert with_["cost"]["total"] == pytest.approx(kam_total + 1_950_000)
    assert with_["cost"]["support"] == pytest.approx(1_950_000)
    assert with_["cost"]["support_new_cash"] == pytest.approx(1_950_000)
    assert with_["needed_uplift"] == pytest.approx(6_930_000 / 40_000_000)
    assert without["needed_uplift"] == pytest.approx(4_980_000 / 40_000_000)
    # break-even ratio = base uplift × revenue ÷ (cost ÷ margin 0.2)
    assert with_["break_even"]["ratio"] == pytest.approx(0.05 * 200e6 / (6_930_000 / 0.2))


def test_a_foreign_currency_support_setting_is_scaled_or_refused() -> None:
    params = SizingParams(client_teams=ClientTeamParams(support_cost_by_role={
        "finance": 1_800_000}))
    team = pd.DataFrame({"person": ["K1", "K2"], "role": ["Key account manager"] * 2,
                         "annual_cost": [100_000.0, 120_000.0]})
    basis = cost_basis(team, params, "EUR", support_roles=("finance",))
    # 1,800,000 RUB ÷ 3,600,000 RUB default KAM cost × 110,000 EUR median KAM cost
    assert basis["support"]["finance"][0] == pytest.approx(55_000)


def test_raci_defaults_have_one_accountable_per_activity() -> None:
    r = default_raci(_key()[["entity_name"]])
    assert len(r) == 3 * 6
    roles = ["kam", "head_of_kam", "finance", "logistics", "marketing", "service",
             "production"]
    assert ((r[roles] == "A").sum(axis=1) == 1).all()
    assert r.set_index(["entity_id", "activity"]).at[("A", "credit_collections"),
                                                     "finance"] == "A"
    with pytest.raises(ValidationError, match="exactly one role is accountable"):
        ClientTeamParams(raci={"delivery": {"kam": "A", "logistics": "A"}})


def _sheet(tmp_path: Path) -> Path:
    t = _teams()
    raci = apply_raci(default_raci(_key()[["entity_name"]]), None)
    path = tmp_path / "client_teams.xlsx"
    assert write_client_teams(path, t, raci, lang="en") == 3
    return path


def _edit(path: Path, sheet: str, cells: dict[str, object]) -> None:
    wb = openpyxl.load_workbook(path)
    for ref, v in cells.items():
        wb[sheet][ref] = v
    wb.save(path)


def test_sheet_round_trip(tmp_path: Path) -> None:
    path = _sheet(tmp_path)
    ov, raci, notes = read_client_teams(path, known=["A", "B", "C"])
    assert ov.empty and len(raci) == 18 and notes == []         # nothing edited yet
    assert apply_raci(default_raci(_key()[["entity_name"]]), raci)["source"].eq(
        "default").all()
    ws = openpyxl.load_workbook(path)["team"]
    assert [c.value for c in ws[1]] == ["entity_id", "entity_name", "kam", "role",
                                        "hours_formula", "hours", "person", "note"]
    assert ws["A3"].value == "A" and ws["D3"].value == "finance" and ws["E3"].value == 12
    # a person writes 30 h of finance for A (row 3), names the logistics person of B
    # (row 9: A's five roles in rows 3–7, B's from row 8) and moves the delivery's A to
    # the KAM for B (raci row: header, descriptions, A's six activities, B's delivery is 11)
    _edit(path, "team", {"F3": 30, "G9": "Orlov"})
    _edit(path, "raci", {"D11": "A", "G11": "R"})
    ov, raci, _ = read_client_teams(path, known=["A", "B", "C"])
    assert ov.to_dict("records")[0] == {"entity_id": "A", "role": "finance", "hours": 30.0,
                                        "person": None}
    assert ov.iloc[1]["person"] == "Orlov" and math.isnan(ov.iloc[1]["hours"])
    t = _teams(ov).set_index(["entity_id", "role"])
    assert t.loc[("A", "finance"), "hours"] == 30.0
    assert t.loc[("B", "logistics"), "person"] == "Orlov"
    assert t.loc[("B", "logistics"), "source"] == "formula"      # hours left to the formula
    r = apply_raci(default_raci(_key()[["entity_name"]]), raci)
    row = r.set_index(["entity_id", "activity"]).loc[("B", "delivery")]
    assert row["kam"] == "A" and row["logistics"] == "R" and row["source"] == "sheet"
    assert (r["source"] == "sheet").sum() == 1
    # written back, the edit stays an edit (and a blank stays a blank)
    write_client_teams(path, _teams(ov), r, lang="ru")
    ov2, raci2, _ = read_client_teams(path, known=["A", "B", "C"])
    assert ov2.equals(ov) and raci2.equals(raci)


def test_sheet_errors_name_row_column_value(tmp_path: Path) -> None:
    path = _sheet(tmp_path)
    _edit(path, "team", {"F4": "many"})
    with pytest.raises(InputError) as e:
        read_client_teams(path, known=["A", "B", "C"])
    err = e.value
    assert (err.sheet, err.row, err.column, err.value) == ("team", 4, "hours", "many")
    assert "not a number" in str(err)

    path = _sheet(tmp_path)
    _edit(path, "team", {"F5": 5000})
    with pytest.raises(InputError, match="outside 0–2,000") as e:
        read_client_teams(path, known=["A", "B", "C"])
    assert (e.value.row, e.value.column, e.value.value) == (5, "hours", 5000)

    path = _sheet(tmp_path)
    _edit(path, "raci", {"E3": "X"})
    with pytest.raises(InputError, match="not a RACI letter") as e:
        read_client_teams(path, known=["A", "B", "C"])
    assert (e.value.sheet, e.value.row, e.value.column, e.value.value) == (
        "raci", 3, "head_of_kam", "X")

    path = _sheet(tmp_path)
    _edit(path, "raci", {"E3": "A", "F4": "bad", "F5": "Q"})     # two A's and two bad letters
    with pytest.raises(InputError) as e:
        read_client_teams(path, known=["A", "B", "C"])
    text = str(e.value)
    assert "3 problems" in text and "2 roles are accountable" in text
    assert "row 4, column 'finance', value 'bad'" in text
    assert e.value.row == 3


def test_sheet_accepts_cyrillic_lookalikes_and_skips_clients_no_longer_key(tmp_path: Path
                                                                          ) -> None:
    path = _sheet(tmp_path)
    _edit(path, "raci", {"D3": "С", "E3": "А"})               # Cyrillic С and А
    _ov, raci, notes = read_client_teams(path, known=["A", "B"])
    first = raci.iloc[0]
    assert first["kam"] == "C" and first["head_of_kam"] == "A"
    assert set(raci["entity_id"]) == {"A", "B"}
    assert notes and notes[0]["code"] == "note_sheet_rows_skipped"
    assert notes[0]["args"] == {"sheet": "review/client_teams.xlsx", "n": 1, "clients": "C"}
    from kamlib.i18n import Formatter, load_strings, say
    text = say(notes[0], load_strings("en"), Formatter("en"))
    assert text == ("review/client_teams.xlsx: rows of 1 client that are no longer key skipped "
                    "(C)")
    ru = say(notes[0], load_strings("ru"), Formatter("ru"))
    assert ru == ("review/client_teams.xlsx: пропущены строки клиентов, которые больше не "
                  "ключевые (1): C")


def test_sheet_missing_header_or_sheet(tmp_path: Path) -> None:
    path = _sheet(tmp_path)
    _edit(path, "team", {"F1": "hrs"})
    with pytest.raises(InputError, match="no column 'hours'") as e:
        read_client_teams(path, known=["A"])
    assert e.value.row == 1 and e.value.column == "hours"
    wb = openpyxl.load_workbook(path)
    wb["raci"].title = "matrix"
    wb["team"]["F1"] = "hours"
    wb.save(path)
    with pytest.raises(InputError, match="no sheet 'raci'"):
        read_client_teams(path, known=["A"])


def test_role_fit_components_by_hand() -> None:
    team = pd.DataFrame({"person": ["Анна Ключевая", "Борис Продажин", "Глава Г.Г."],
                         "role": ["Ключевой менеджер", "Менеджер по продажам",
                                  "Коммерческий директор"]})
    owners = pd.Series({"A": "Анна Ключевая", "B": "Борис Продажин", "C": "Борис Продажин"})
    pnl = pd.DataFrame({"net_revenue": [100.0, 300.0, 100.0],
                        "contribution": [30.0, 30.0, 10.0],
                        "revenue_last12": [60.0, 100.0, 50.0],
                        "revenue_prev12": [50.0, 100.0, 50.0]}, index=["A", "B", "C"])
    contacts = pd.DataFrame({
        "entity_id": ["A"] * 5 + ["B", "C"],
        "person": ["p1", "p2", "p3", "p4", "p5", "q1", "q2"],
        "owner": ["Анна Ключевая"] * 5 + ["Борис Продажин"] * 2,
        "function": ["Финансы", "Закупки", "Логистика", "Руководство", "Закупки", "Закупки",
                     "Закупки"],
        "level": ["Высший", "Средний", "Средний", "Высший", "Средний", "Средний", "Средний"]})
    fit = role_fit(team, owners=owners, pnl=pnl, key_ids=pd.Index(["A", "B"]),
                   contacts=contacts).set_index("person")
    assert list(fit.index) == ["Анна Ключевая", "Борис Продажин"]   # the director left out
    a, b = fit.loc["Анна Ключевая"], fit.loc["Борис Продажин"]
    # Anna: KAM role + 100 of key revenue against Boris' 300 → ½ + ½ × 1/3
    assert a["key_experience"] == pytest.approx(round(0.5 + 0.5 / 3, 4))
    assert b["key_experience"] == pytest.approx(0.5)
    assert a["relationship_depth"] == 1.0                        # 5 contacts on 1 client
    assert b["relationship_depth"] == pytest.approx(1 / 5)       # 1 contact per client
    assert a["senior_access"] == 1.0 and b["senior_access"] == 0.0
    assert a["cross_functional"] == pytest.approx(1.0)           # 4 functions of 4
    assert b["cross_functional"] == pytest.approx(0.25)
    # growth +20 % vs 0 %, margin 30 % vs 10 %: Anna ranks first on both (rank 1 of 2 = 1.0)
    assert a["portfolio_growth"] == 1.0 and b["portfolio_growth"] == 0.5
    w = SizingParams().role_fit.weights
    want = sum(w[k] * a[k] for k in w)
    assert a["fit"] == pytest.approx(want, abs=1e-4)
    assert a["good_fit"] and not b["good_fit"]
    # Boris holds more key revenue but fits the role less: chosen by fit, not revenue
    assert b["key_revenue"] > a["key_revenue"] and b["fit"] < a["fit"]


def test_step4_replays_the_sheet_and_costs_the_support(demo_ru_steps, tmp_path: Path) -> None:
    """On demo_ru: the sheet is written, a person's edit comes back on the next run and moves
    the support cost; the business case holds the support; the sheet is an input of step 04."""
    from kamlib.fingerprint import STEP_INPUTS
    from kamlib.sizing import run_sizing

    assert "review/client_teams.xlsx" in STEP_INPUTS["04"]
    root = tmp_path / "ru"
    shutil.copytree(demo_ru_steps, root)
    out = root / "work" / "04_kam_team_sizing"
    run_sizing(root, out)
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    ct = s["client_teams"]
    bc = s["business_case"]
    assert ct["support_fte"] == pytest.approx(ct["support_hours"] / 1700, abs=1e-4)
    assert amt(bc["cost"]["support"]) == pytest.approx(amt(ct["support_cost"]), abs=0.01)
    with_, without = (amt(ct["business_case"][k])
                      for k in ("programme_cost", "programme_cost_without_support"))
    assert with_ - without == pytest.approx(amt(ct["support_cost"]), abs=0.02)
    assert with_ == pytest.approx(amt(bc["cost"]["total"]), abs=0.01)
    assert ct["head_of_kam"] == "Богданов Юрий Фёдорович"      # the head of sales
    sheet = root / "review" / "client_teams.xlsx"
    assert sheet.exists()
    teams = pd.read_parquet(out / "client_teams.parquet")
    first = teams[teams["role"] == "finance"].iloc[0]
    # the first support row of the sheet is that client's finance: a person writes 500 h
    _edit(sheet, "team", {"F3": 500})
    run_sizing(root, out)
    s2 = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s2["client_teams"]["edited_hours"] == 1
    assert s2["client_teams"]["support_hours"] == pytest.approx(
        ct["support_hours"] - first["hours"] + 500, abs=0.01)
    assert amt(s2["client_teams"]["support_cost"]) > amt(ct["support_cost"])
    t2 = pd.read_parquet(out / "client_teams.parquet").set_index(["entity_id", "role"])
    assert t2.loc[(first["entity_id"], "finance"), "source"] == "sheet"
    assert openpyxl.load_workbook(sheet)["team"]["F3"].value == 500  # written back as edited
