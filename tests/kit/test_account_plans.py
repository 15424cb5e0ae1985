"""Account plans (kamlib.kit): the facts are the steps' own, the map is their people against
ours, the workbook reads back to the same figures and holds no formula."""

from __future__ import annotations

import json
from datetime import date, datetime

import openpyxl
import pandas as pd
import pytest

from kamlib.kit import (
    FACT_COLUMNS,
    AccountPlans,
    account_plan_facts,
    load_account_plans,
    relationship_map,
    write_account_plans,
)
from kamlib.kit.plan_workbook import sheet_title


def _key() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_id": ["E2", "E1", "E3"],
        "entity_name": ["Бета ООО", "=HYPERLINK(\"http://x\",\"Альфа\")", "Гамма АО"],
        "quadrant": ["Star", "Strategic", "Status"],
        "is_key": [True, True, False],
        "rank": [2, 1, 3],
        "reason_code": ["key_top_criteria", "key_top_criteria", "cap_reached"],
        "reason_args": [json.dumps({"attractiveness": 7.1, "rank": 2, "criteria": []}),
                        json.dumps({"attractiveness": 8.4, "rank": 1, "criteria": []}),
                        json.dumps({"attractiveness": 6.0, "rank": 3, "cap": 2})],
        "attractiveness": [7.1, 8.4, 6.0],
        "strength": [5.0, 6.5, 4.0],
    })


def _pnl() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_id": ["E1", "E2", "E3", "E4"],
        "net_revenue": [1_000_000.005, 250_000.0, 90_000.0, 10.0],
        "contribution": [210_000.0, -5_000.0, 9_000.0, 1.0],
        "contribution_pct": [0.21, -0.02, 0.1, 0.1],
        "growth_pct": [0.05, -0.30, 0.0, 0.0],
        "orders": [120, 30, 10, 1],
        "first_order": pd.to_datetime(["2023-01-03", "2024-02-01", "2023-05-05", "2025-01-01"]),
    })


def _rel() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_id": ["E1", "E2"],
        "contacts": [3, 1],
        "our_people": [2, 1],
        "days_since_last_contact": [10, 320],
        "stage": ["interdependent", "basic"],
        "risk_codes": [json.dumps([{"code": "contacts", "args": {"n": 3}},
                                   {"code": "no_economic_buyer", "args": {}}]),
                       json.dumps([{"code": "one_contact", "args": {"names": "Петров"}},
                                   {"code": "last_contact", "args": {"days": 320}}])],
    })


def test_facts_are_the_key_clients_in_rank_order_with_their_figures():
    facts = account_plan_facts(_key(), _pnl(), _rel(),
                               pd.DataFrame({"entity_id": ["E1"], "kam": ["Иванова А."]}))
    assert facts["entity_id"].tolist() == ["E1", "E2"]          # E3 is not key; by rank
    assert facts["kam"].tolist() == ["Иванова А.", None]         # E2 has no KAM assigned
    assert facts["net_revenue"].tolist() == [1_000_000.005, 250_000.0]
    assert facts["contacts"].tolist() == [3, 1]
    assert facts["stage"].tolist() == ["interdependent", "basic"]
    assert facts.loc[1, "reason"] == {"code": "key_top_criteria",
                                      "args": {"attractiveness": 7.1, "rank": 2, "criteria": []}}
    assert [r["code"] for r in facts.loc[1, "risks"]] == ["one_contact", "last_contact"]
    # no step marked the deep plans: not decided, never guessed
    assert facts["deep_plan"].isna().all()
    # a fact the artefacts lack is missing, not invented
    assert "cost_to_serve" not in facts.columns


def test_deep_plans_are_the_ones_the_step_marked():
    key = _key().assign(deep_plan=[False, True, False])
    facts = account_plan_facts(key, _pnl())
    assert dict(zip(facts["entity_id"], facts["deep_plan"], strict=True)) == {"E1": True,
                                                                             "E2": False}
    assert facts["kam"].isna().all() and facts["stage"].isna().all()


def test_relationship_map_maps_branches_orders_by_level_and_counts_days_like_step_3():
    contacts = pd.DataFrame({
        "client_id": ["c1", "c1b", "c2", "c9"],
        "person": ["Исполнитель И.", "Директор Д.", "Закупщик З.", "Чужой Ч."],
        "role": ["Пользователь", "Генеральный директор", "Закупщик", "ЛПР"],
        "function": ["Логистика", "Руководство", "Закупки", "Закупки"],
        "level": ["Исполнитель", "Высший", "Средний", "Высший"],
        "owner": ["Петров", "Сидоров", "Петров", "Петров"],
        "last_contact_date": [date(2025, 1, 10), date(2024, 12, 1), None, date(2025, 3, 1)],
    })
    entities = pd.DataFrame({"client_id": ["c1", "c1b", "c2", "c9"],
                             "entity_id": ["E1", "E1", "E2", "E9"]})
    m = relationship_map(contacts, entities, ["E1", "E2"])
    assert m["entity_id"].tolist() == ["E1", "E1", "E2"]          # E9 is not a key client
    assert m["person"].tolist()[:2] == ["Директор Д.", "Исполнитель И."]   # senior first
    assert m["buying_role"].tolist() == ["economic_buyer", "user", "technical"]
    # days counted to the latest contact of the whole table (1 March 2025), as step 3 does
    assert m["days_since_contact"].tolist()[:2] == [90, 50]
    assert pd.isna(m["days_since_contact"].iloc[2])


def test_sheet_titles_are_valid_and_unique():
    taken: set[str] = set()
    long = "Общество с ограниченной ответственностью «Ромашка: [Север]»"
    a, b = sheet_title(1, long, taken), sheet_title(1, long, taken)
    assert a != b and len(a) <= 31 and len(b) <= 31
    assert not set("[]:*?/\\'") & set(a + b)


def _plans() -> AccountPlans:
    facts = account_plan_facts(_key().assign(deep_plan=[False, True, False]), _pnl(), _rel(),
                               pd.DataFrame({"entity_id": ["E1", "E2"], "kam": ["Иванова А.",
                                                                               "+7 900"]}))
    people = relationship_map(
        pd.DataFrame({"client_id": ["c1"], "person": ["Директор Д."], "role": ["ЛПР"],
                      "function": ["Руководство"], "level": ["Высший"], "owner": ["Петров"],
                      "last_contact_date": [date(2025, 1, 10)]}),
        pd.DataFrame({"client_id": ["c1"], "entity_id": ["E1"]}), ["E1", "E2"])
    return AccountPlans(facts, people, "ООО «Поставщик»", "RUB", ("2023-01-02", "2025-12-31"))


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_workbook_reads_back_the_facts_and_holds_no_formula(tmp_path, lang):
    path = write_account_plans(_plans(), tmp_path / f"plans_{lang}.xlsx", lang)
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) == 3                                # index + 2 key clients
    index = wb[wb.sheetnames[0]]
    rows = [[c for c in r] for r in index.iter_rows(min_row=6, values_only=True)]
    assert [r[1] for r in rows] == ["'=HYPERLINK(\"http://x\",\"Альфа\")", "Бета ООО"]
    assert rows[0][5] == 1_000_000.01                             # money to the kopeck
    assert rows[1][6] == -5_000.0 and rows[1][7] == -0.02
    assert index.cell(6, 8).number_format == "0.0%"
    assert rows[1][2] == "'+7 900"                                # neutralised, not a formula
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate)
    sheet = wb[wb.sheetnames[1]]
    values = {r[0]: r[1] for r in sheet.iter_rows(values_only=True) if r[0] and len(r) > 1}
    labels = {"ru": ("Чистая выручка", "Заказов", "Глубокий план в этом году", "да"),
              "en": ("Net revenue", "Orders", "Deep plan this year", "yes")}[lang]
    assert values[labels[0]] == 1_000_000.01
    assert values[labels[1]] == 120
    assert values[labels[2]] == labels[3]
    assert isinstance(values[{"ru": "Первый заказ", "en": "First order"}[lang]], datetime)
    text = " ".join(str(c) for r in sheet.iter_rows(values_only=True) for c in r if c)
    assert "Директор Д." in text and "Петров" in text             # the relationship map
    gap = {"ru": "нет лица, распоряжающегося бюджетом", "en": "no economic buyer"}[lang]
    assert gap in text
    assert ("3 контакта" if lang == "ru" else "3 contacts") not in text  # a count, not a gap
    second = wb[wb.sheetnames[2]]
    text2 = " ".join(str(c) for r in second.iter_rows(values_only=True) for c in r if c)
    assert {"ru": "Контакты у этого клиента не записаны", "en": "No contact at this client"}[
        lang] in text2
    assert {"ru": "последний контакт 320 дней назад",
            "en": "last contact 320 days ago"}[lang] in text2


def test_no_key_client_gives_an_index_that_says_so(tmp_path):
    plans = _plans()
    empty = AccountPlans(plans.facts.iloc[0:0], plans.people.iloc[0:0], plans.client, "RUB",
                         ("", ""))
    wb = openpyxl.load_workbook(write_account_plans(empty, tmp_path / "p.xlsx", "en"))
    assert wb.sheetnames == ["Accounts"]
    text = " ".join(str(c) for r in wb.active.iter_rows(values_only=True) for c in r if c)
    assert "No key clients were selected" in text


def test_plans_of_a_training_run_match_its_artefacts(training_runs, tmp_path):
    root = training_runs["vip"]
    plans = load_account_plans(root)
    summary = json.loads((root / "work" / "03_key_client_profile" / "summary.json")
                         .read_text("utf-8"))
    assert len(plans.facts) == summary["key_clients"] > 0
    pnl = pd.read_parquet(root / "work" / "02_profitability" / "client_pnl.parquet") \
        .set_index("entity_id")
    wb = openpyxl.load_workbook(write_account_plans(plans, tmp_path / "p.xlsx", "ru"))
    assert len(wb.sheetnames) == 1 + len(plans.facts)
    compared = 0
    for ws, eid in zip(wb.worksheets[1:], plans.facts["entity_id"], strict=True):
        values = {r[2]: r[1] for r in ws.iter_rows(values_only=True)
                  if len(r) > 2 and isinstance(r[2], str) and "." in r[2]}
        for art, col in FACT_COLUMNS:
            if art == "client_pnl" and f"{art}.{col}" in values and col in (
                    "net_revenue", "contribution", "orders"):
                want = pnl.loc[eid, col]
                got = values[f"{art}.{col}"]
                assert got == (round(float(want), 2) if col != "orders" else want), (eid, col)
                compared += 1
    assert compared == 3 * len(plans.facts)
