"""The capstone case (`data_samples/training_capstone`, issue 21 items 5–7): several traps at
once and the organisational lessons, run through steps 0–4 in-process. Every planted trap is
found with the figures the trainer's guide quotes (sections 6 and 7, both languages), and the
participant materials carry them."""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kamlib.resources import samples_dir

CASE = samples_dir() / "training_capstone"
DOCS = Path(__file__).parents[2] / "docs"


def _summary(root: Path, step: str) -> dict[str, Any]:
    return json.loads((root / "work" / step / "summary.json").read_text("utf-8"))


def _table(root: Path, step: str, name: str) -> pd.DataFrame:
    return pd.read_parquet(root / "work" / step / f"{name}.parquet")


@pytest.fixture(scope="module")
def run(training_runs: dict[str, Path]) -> Path:
    return training_runs["capstone"]


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    return json.loads((CASE / "truth.json").read_text("utf-8"))


def _entity(root: Path, code: str) -> str:
    ent = _table(root, "01_client_base_cleanup", "entities").set_index("client_id")
    return str(ent.at[code, "entity_id"])


def _guide(lang: str) -> str:
    name = "trainer_guide.md" if lang == "en" else "trainer_guide.ru.md"
    text = (DOCS / name).read_text("utf-8")
    start = text.index("## 6. ")
    return text[start:text.index("## 8. ", start)]


def test_the_case_is_small_deterministic_and_labelled(truth: dict[str, Any],
                                                      tmp_path: Path) -> None:
    from kamlib.training.samples import main

    assert sorted(p.name for p in CASE.iterdir()) == ["TRUTH.md", "engagement.yaml", "raw",
                                                      "review", "truth.json"]
    assert truth["lesson"]["name"] == "capstone"
    files = [p for p in CASE.rglob("*") if p.is_file()]
    assert all(p.stat().st_size < 1_000_000 for p in files)
    assert sum(p.stat().st_size for p in files) < 2_500_000
    assert main([str(tmp_path / "c"), "--lesson", "capstone", "--seed", "42"]) == 0
    for rel in ["truth.json", "TRUTH.md", "review/alignment.xlsx", "review/vip.xlsx",
                "review/channels.xlsx",
                *(f"raw/{p.name}" for p in (CASE / "raw").iterdir())]:
        assert (tmp_path / "c" / rel).read_bytes() == (CASE / rel).read_bytes(), rel


def test_every_trap_is_found(run: Path, truth: dict[str, Any]) -> None:
    f = truth["lesson"]["figures"]
    s1, s2 = _summary(run, "01_client_base_cleanup"), _summary(run, "02_profitability")
    s3 = _summary(run, "03_key_client_profile")
    # three clients, 40% of turnover, at entity level once branches and duplicates merge
    conc = s2["concentration"]
    assert conc["top3"] == pytest.approx(f["top3_share"], abs=1e-4) and conc["top3"] >= 0.40
    assert {x["entity_id"] for x in conc["flag_clients"]["top3_40"]} == {
        _entity(run, c) for c in f["top3_codes"]}
    assert f["top3_share_by_record_naive"] < 0.40
    # the unprofitable VIP: the only large loss-maker, not key, for its negative contribution
    vip = f["vip"]
    e = _entity(run, vip["code"])
    losers = s2["large_loss_makers"]
    assert [x["entity_id"] for x in losers] == [e]
    assert losers[0]["contribution"] == pytest.approx(vip["contribution"], abs=0.01)
    assert "discount" in losers[0]["why"]
    not_key = {x["entity_id"]: x for x in s3["big_not_key"]}
    assert not_key[e]["reason"]["code"] == "negative_contribution"
    # the key account with one contact: key, and first among the single points of contact
    sc = f["single_contact"]
    k = _entity(run, sc["code"])
    assert k in set(_table(run, "03_key_client_profile", "key_clients")["entity_id"])
    assert s3["single_point_of_contact"][0]["entity_id"] == k
    assert s3["single_point_of_contact"][0]["risk"][0]["code"] == "one_contact"
    # the holding: eight entities with different INNs, one group, sixth customer grouped
    h = f["holding"]
    ents = _table(run, "01_client_base_cleanup", "entities").set_index("client_id")
    members = ents.loc[h["codes"]]
    assert members["entity_id"].nunique() == 8 and members["group_id"].nunique() == 1
    assert s1["groups_with_several_entities"] == 1
    (hold,) = s2["holdings"]
    assert (hold["entities"], hold["rank"], hold["best_entity_rank"]) == (8, h["group_rank"], 22)
    assert hold["share"] == pytest.approx(h["share"], abs=1e-4)
    # the clients that stopped paying: their invoices are the whole > 90 days bucket
    u = f["unpaid"]
    assert s2["cash"]["overdue_over_90"] == pytest.approx(u["unpaid_amount"], abs=0.01)
    over90 = {x["entity_id"] for x in s2["cash"]["top_overdue"] if x["overdue_over_90"] > 0}
    assert over90 <= {_entity(run, c) for c in u["unpaid_codes"]} and over90
    # what is not planted stays absent: the team is as step 4 recommends
    assert _summary(run, "04_kam_team_sizing")["staffing"] == "as recommended"


def test_the_guide_quotes_the_traps_figures(run: Path, truth: dict[str, Any]) -> None:
    f = truth["lesson"]["figures"]
    vip, sc, h, u = f["vip"], f["single_contact"], f["holding"], f["unpaid"]
    s3 = _summary(run, "03_key_client_profile")
    reason = {x["entity_id"]: x for x in s3["big_not_key"]}[_entity(run, vip["code"])]
    # hand-checked against the run: 41.1%, 23.8%, −3,580,519 ₽, 4 clients, 2,248,431 ₽ …
    en = {"**41.1%**": f["top3_share"] == pytest.approx(0.411, abs=5e-4),
          "(23.8% counted": f["top3_share_by_record_naive"] == pytest.approx(0.238, abs=5e-4),
          "rank 5, 27,863,369 ₽": (vip["revenue_rank"], round(vip["net_revenue"])) == (
              5, 27_863_369),
          "discounts 24% of list, pays 65 days late": (
              round(100 * vip["discount_share_of_list"]), round(vip["avg_payment_delay_days"]))
          == (24, 65),
          "**−3,580,519 ₽**": round(vip["contribution"]) == -3_580_519,
          "ООО \"Родничок\", rank 4, 32,123,040 ₽, **1** contact": (
              sc["name"], sc["revenue_rank"], round(sc["net_revenue"]), sc["contacts"]) == (
              "ООО \"Родничок\"", 4, 32_123_040, 1),
          "**8** legal entities, 18,871,491 ₽ (4.0%), customer number **6**": (
              h["entities"], round(h["net_revenue"]), round(h["share"], 3), h["group_rank"])
          == (8, 18_871_491, 0.040, 6),
          "rank 22–42": (min(h["entity_revenue_ranks"]), max(h["entity_revenue_ranks"]))
          == (22, 42),
          "**4** clients, 8 invoices, **2,248,431 ₽**": (
              len(u["unpaid_codes"]), u["unpaid_invoices"], round(u["unpaid_amount"])) == (
              4, 8, 2_248_431),
          "\"вклад отрицательный (−3,58 млн ₽)\"":
              reason["reason_text"].startswith("вклад отрицательный (−3,58\u00a0млн\u00a0₽)")}
    guide = _guide("en")
    for quote, ok in en.items():
        assert ok, quote
        assert quote in guide, quote
    ru = _guide("ru")
    for quote in ("**41,1 %**", "(23,8 % по кодам", "5-е место, 27 863 369 ₽",
                  "**−3 580 519 ₽**", "ООО \"Родничок\", 4-е место, 32 123 040 ₽, контакт **1**",
                  "юрлиц — **8**, 18 871 491 ₽ (4,0 %), после объединения — покупатель номер "
                  "**6**", "на местах 22–42", "клиентов — **4**, счетов — 8, **2 248 431 ₽**"):
        assert quote in ru, quote


def test_the_organisational_lessons_and_their_figures(run: Path, truth: dict[str, Any]
                                                       ) -> None:
    from kamlib.training.capstone import organisation_figures

    s2, s3, s4 = (_summary(run, s) for s in ("02_profitability", "03_key_client_profile",
                                             "04_kam_team_sizing"))
    o = organisation_figures(s2, s3, s4)
    big, best = o["big"], o["best"]
    # channels before clients: the largest channel earns below the average and shrinks
    assert (big["channel"], big["verdict"], big["reason"]["code"]) == (
        "Сети", "review", "channel_below_average_shrinking")
    assert (round(big["revenue_share"], 3), round(big["contribution_margin"], 3),
            round(big["growth"], 3), round(o["average_margin"], 3)) == (0.325, 0.148, -0.148,
                                                                          0.174)
    assert (best["channel"], best["verdict"], round(best["revenue_share"], 3),
            round(best["contribution_margin"], 3), round(best["growth"], 3)) == (
        "Дистрибьютор", "develop", 0.170, 0.194, 0.152)
    # management's scores of the channels' fit (review/channels.xlsx) reach the channel P&L
    ws = truth["lesson"]["figures"]["workshop"]
    assert {c["channel"]: c["usp_fit"] for c in s2["channels"]} == ws["channel_fit"] == {
        "Сети": 7, "Дистрибьютор": 8, "Опт": 6, "Розница": 6, "HoReCa": 4}
    horeca = next(c for c in s2["channels"] if c["channel"] == "HoReCa")
    assert (horeca["verdict"], horeca["reason"]["code"]) == ("review", "channel_low_fit")
    # the VIP test against management's list (review/vip.xlsx)
    vip = o["vip"]
    assert (vip["source"], vip["vips"], vip["key"], vip["not_key"], vip["losing_money"]) == (
        "list", 3, 1, 1, 1)
    assert round(vip["loss"]) == -3_580_519
    verdicts = {x["entity_id"]: (x["verdict"], x["reason"]["code"]) for x in vip["clients"]}
    f = truth["lesson"]["figures"]
    assert [x["code"] for x in ws["vips"]] == [f["vip"]["code"], f["top3_codes"][0],
                                              f["holding"]["codes"][0]]
    assert [verdicts[_entity(run, x["code"])] for x in ws["vips"]] == [
        ("loses_money", "negative_contribution"), ("key", "key_decided"),
        ("not_key", "usp_gate")]
    assert ws["vips"][2]["name"] == "ТД Стройгарант ООО"
    # the client teams
    t = o["teams"]
    assert (t["accounts"], t["head_of_kam"], round(t["support_fte"], 2),
            round(t["support_hours"]), round(t["support_cost"])) == (
        16, "Богданов Юрий Фёдорович", 0.95, 1614, 1_684_330)
    bc = t["business_case"]
    assert (round(bc["needed_uplift_ratio"], 3), round(bc["needed_uplift_without_support_ratio"],
                                                       3)) == (0.438, 0.380)
    # the second front: the workshop's largest gaps, the KPI named against key clients
    g = o["gap"]
    assert (g["element"], round(g["management"], 1), round(g["kam"], 1), round(g["gap"], 1)) \
        == ("systems", 4.1, 2.0, 2.1)
    assert round(s4["alignment"]["elements"]["structure"]["gap"], 1) == 1.8
    assert o["respondents"] == {"management": 3, "kam": 4}
    assert (o["against"]["option"], o["against"]["total"], o["against"]["kam"]) == (
        "logistics_cost", 4, 3)
    # KPIs 4 ± 1 and the bonus focus
    assert o["kpis"] == ["contribution_margin_pct", "revenue_growth_pct", "contacts_per_account",
                         "days_late"]
    assert o["kpi_scheme"]["focus"] == ["contribution", "growth"]
    assert o["focus_weight"] == pytest.approx(0.65)
    assert o["kpi_scheme"]["gate"] == {"kpi": "contribution", "achievement_ratio": 0.9}
    en, ru = _guide("en"), _guide("ru")
    for quote in ("Сети (32.5% of revenue), earns a contribution margin of **14.8%** against the "
                  "company's 17.4% and shrank 14.8% on the year: **review**",
                  "Дистрибьютор (17.0% of revenue) earns **19.4%** and grew 15.2%: **develop**",
                  "of **3** VIPs **1** is key, **1** earns but is not chosen (ТД Стройгарант ООО, "
                  "stopped by the USP gate), **1** loses money (−3,580,519 ₽",
                  "Сети 7, Дистрибьютор 8, Опт 6, Розница 6, HoReCa 4: HoReCa is to **review** "
                  "for its low fit",
                  "**16** key accounts under the head of KAM Богданов Юрий Фёдорович",
                  "1,614 hours a year (**0.95** FTE, 1,684,330 ₽)",
                  "grow by **43.8%** to pay back, 38.0% without",
                  "3 managers and 4 KAMs", "**Systems**: management 4.1, the KAMs 2.0 out of 5 "
                  "(gap **2.1**), then Structure (1.8); 4 respondents, 3 of them KAMs",
                  "**4** KPIs per KAM", "(**65%** of the weight)", "reaches 90% of its target"):
        assert quote in en, quote
    for quote in ("Сети (32,5 % выручки), даёт маржу вклада **14,8 %** при 17,4 %",
                  "сократился за год на 14,8 %: **пересмотреть**",
                  "Дистрибьютор (17,0 % выручки) даёт **19,4 %** и вырос на 15,2 %: **развивать**",
                  "из **3** VIP ключевой **1**, **1** зарабатывает, но не выбран (ТД Стройгарант "
                  "ООО, остановлен порогом УТП), **1** теряет деньги (−3 580 519 ₽",
                  "Сети 7, Дистрибьютор 8, Опт 6, Розница 6, HoReCa 4 — HoReCa **пересмотреть**",
                  "ключевых клиентов — **16**", "1 614 часов в год (**0,95** ставки, 1 684 330 ₽)",
                  "вырасти на **43,8 %**", "без них — на 38,0 %",
                  "руководство 4,1, KAM 2,0 из 5 (разрыв **2,1**), затем «Структура» (1,8)",
                  "у каждого KAM **4** показателя", "(**65 %** веса)", "достиг 90 % цели"):
        assert quote in ru, quote


def _text(page: str) -> str:
    body = page.split("</style>", 1)[1]
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def test_the_materials_carry_the_runs_figures(run: Path, tmp_path: Path) -> None:
    from kamlib.training.classroom import render_materials

    ru = {k: _text(v) for k, v in render_materials(run, "ru").items()}
    en = {k: _text(v) for k, v in render_materials(run, "en").items()}
    nb = "\u00a0"
    for figure in (f"41,1{nb}%", f"−3{nb}580{nb}519{nb}₽", f"2{nb}248{nb}431{nb}₽", "Сети",
                   f"14,8{nb}%", f"17,4{nb}%", "пересмотреть", "Дистрибьютор", f"+15,2{nb}%",
                   "развивать", "Из 3 VIP в списке руководства ключевых — 1, зарабатывают, но не "
                   "выбраны — 1, теряет деньги — 1", "0,95 ставки", f"43,8{nb}%",
                   f"38,0{nb}%", "«Системы»", "руководство 4,1, KAM 2,0", "Показателей у KAM — 4",
                   f"(65{nb}% веса)", f"достиг 90{nb}% цели", "Богданов Юрий Фёдорович"):
        assert figure in ru["answers"], figure
    assert "580" not in ru["worksheet"] and "Ваш ответ" in ru["worksheet"]
    assert "(шаг ещё не запущен" not in ru["answers"]
    for figure in ("41.1%", f"RUB{nb}-3,580,519", "Group Стройгарант",
                   "customer number 6", "22–42", "review", "develop",
                   "Of 3 VIPs on management's list, 1 is key, 1 earns but is not chosen, 1 loses",
                   "0.95 FTE", "43.8%", "38.0%", "Systems", "get 4 KPIs",
                   "65% of the weight", "90% of its target"):
        assert figure in en["answers"], figure
    # timings: 10 × 5 traps + 15 + 10 + 10 + 15 for the organisation
    assert re.search(r"Всего\s+100", ru["answers"]) and re.search(r"Total\s+100", en["answers"])
