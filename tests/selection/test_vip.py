"""The VIP ≠ key test (kamlib.selection.vip): the sheet, the matching, the verdicts, and the
training case of the unprofitable VIP end to end.

Hand-made: four clients; step 3 made ``k`` key, left ``n`` out at the cap and ``off`` off the
long list; ``l`` loses money.

====  =======  ============  ===============  ======
id    revenue  contribution  attractiveness   key
====  =======  ============  ===============  ======
k         500            60              8.0  yes
l         400           -30              4.4  no (negative contribution)
n         300            45              6.9  no (cap reached)
off        50             5               —   no (not on the long list)
====  =======  ============  ===============  ======
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kamlib.errors import KamError
from kamlib.selection.vip import (
    read_vip_sheet,
    resolve_vips,
    vip_summary,
    vip_test,
    write_vip_sheet,
)


@pytest.fixture
def features() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_name": ["Ключ", "Престиж", "Невапласт", "Малый"],
        "net_revenue": [500.0, 400.0, 300.0, 50.0],
        "cost_to_serve": [20.0, 90.0, 10.0, 2.0],
        "contribution": [60.0, -30.0, 45.0, 5.0],
    }, index=pd.Index(["k", "l", "n", "off"], name="entity_id"))


@pytest.fixture
def decisions() -> pd.DataFrame:
    def args(**kw):
        return json.dumps(kw)

    return pd.DataFrame({
        "attractiveness": [8.0, 4.4, 6.9, float("nan")],
        "quadrant": ["Strategic", "Status", "Strategic", None],
        "is_key": [True, False, False, False],
        "reason_code": ["key_top_criteria", "negative_contribution", "cap_reached",
                        "not_on_long_list"],
        "reason_args": [args(attractiveness=8.0, rank=1, criteria=[]),
                        args(contribution={"amount": "-30", "currency": "RUB"}),
                        args(rank=3, cap=2, attractiveness=6.9), args()],
    }, index=pd.Index(["k", "l", "n", "off"], name="entity_id"))


@pytest.fixture
def entities() -> pd.DataFrame:
    return pd.DataFrame({
        "client_id": ["00-1", "00-2", "00-3", "00-4", "00-5"],
        "entity_id": ["k", "l", "l", "n", "off"],
        "name": ["ООО «Ключ»", "ООО «Престиж»", "Престиж ООО", "Невапласт", "Малый"],
        "entity_name": ["ООО «Ключ»", "ООО «Престиж»", "ООО «Престиж»", "Невапласт", "Малый"],
    })


def test_vip_verdicts(features, decisions) -> None:
    vips = pd.DataFrame({"entity_id": ["off", "l", "k"],
                         "why": ["owner_introduced", "famous_name", "strategic"],
                         "comment": ""})
    t = vip_test(features, decisions, vips).set_index("entity_id")
    assert list(t.index) == ["k", "l", "off"]                # by revenue
    assert (t["source"] == "list").all()
    assert t.loc["l", "verdict"] == "loses_money"
    assert t.loc["l", "contribution_pct"] == pytest.approx(-30 / 400)
    assert t.loc["l", "reason_code"] == "negative_contribution"
    assert t.loc["k", "verdict"] == "key" and t.loc["k", "revenue_rank"] == 1
    assert t.loc["off", "verdict"] == "not_key"
    assert pd.isna(t.loc["off", "attractiveness"])           # never scored: not invented
    assert t.loc["off", "why"] == "owner_introduced"
    s = vip_summary(t.reset_index())
    assert (s["vips"], s["key"], s["not_key"], s["losing_money"], s["not_key_or_losing"]) \
        == (3, 1, 1, 1, 2)
    assert s["loss"] == -30 and s["not_key_revenue"] == 450
    # the loss a year, as the report's other yearly figures (a period of two years: −15)
    assert s["loss_year"] == -30 and vip_summary(t.reset_index(), years=2.0)["loss_year"] == -15


def test_no_list_falls_back_to_the_largest(features, decisions) -> None:
    t = vip_test(features, decisions, None, fallback_top=3)
    assert list(t["entity_id"]) == ["k", "l", "n"]
    assert (t["source"] == "top_revenue").all() and (t["why"] == "top_revenue").all()
    assert list(t["verdict"]) == ["key", "loses_money", "not_key"]
    assert vip_summary(t)["source"] == "top_revenue"


def test_resolve_by_code_and_name(entities) -> None:
    listed = pd.DataFrame({"client": ["00-3", "невапласт", "ООО «Престиж»"],
                           "why": ["famous_name", "strategic", "other"], "comment": "",
                           "row": [2, 3, 4]})
    r = resolve_vips(listed, entities)
    # 00-3 is a record of entity l; the third row is l again and counts once
    assert list(r["entity_id"]) == ["l", "n"]
    assert list(r["why"]) == ["famous_name", "strategic"]


def test_unknown_or_ambiguous_vip_is_an_error_naming_the_row(entities) -> None:
    listed = pd.DataFrame({"client": ["00-1", "Ромашка"], "why": ["other", "other"],
                           "comment": "", "row": [2, 3]})
    with pytest.raises(KamError) as e:
        resolve_vips(listed, entities, file="review/vip.xlsx")
    assert (e.value.row, e.value.column, e.value.value) == (3, "A", "Ромашка")
    two = entities.assign(name=["Дубль", "Дубль", "x", "y", "z"],
                          entity_name=["Дубль", "Дубль", "x", "y", "z"])
    with pytest.raises(KamError, match="several legal entities"):
        resolve_vips(pd.DataFrame({"client": ["дубль"], "why": ["other"], "comment": "",
                                   "row": [2]}), two)


def test_sheet_round_trip(tmp_path) -> None:
    path = write_vip_sheet(tmp_path / "review" / "vip.xlsx", lang="ru")
    assert read_vip_sheet(path).empty
    wb = openpyxl.load_workbook(path)
    ws = wb["vip"]
    ws.append(["00-000059", "известное имя", "звезда рынка"])
    ws.append(["+7 Маркет", "", None])
    ws.append([None, None, None])
    ws.append(["'=X", "Owner introduced", None])
    wb.save(path)
    got = read_vip_sheet(path)
    assert list(got["client"]) == ["00-000059", "+7 Маркет", "=X"]
    assert list(got["why"]) == ["famous_name", "other", "owner_introduced"]
    assert list(got["row"]) == [2, 3, 5]
    # never written over a filled sheet
    write_vip_sheet(path, lang="en")
    assert len(read_vip_sheet(path)) == 3
    ws = (wb := openpyxl.load_workbook(path))["vip"]
    ws.append(["00-1", "любимый клиент"])
    wb.save(path)
    with pytest.raises(KamError) as e:
        read_vip_sheet(path)
    assert (e.value.row, e.value.column) == (6, "B")


# --------------------------------------------------------------------------- end to end


@pytest.fixture(scope="module")
def vip_run(tmp_path_factory) -> Path:
    """training_vip with management's VIP list (the famous chain and the largest client),
    steps 0–4 in-process and recorded as a finished run."""
    from kamlib.cleanup import run_cleanup
    from kamlib.engagement import Engagement, copy_engagement
    from kamlib.profitability import run_profitability
    from kamlib.resources import samples_dir
    from kamlib.runner import record_run, run_intake
    from kamlib.selection import run_selection
    from kamlib.sizing import run_sizing

    root = copy_engagement(samples_dir() / "training_vip",
                           tmp_path_factory.mktemp("vip") / "training_vip")
    eng = Engagement.open(root)
    run_intake(eng)
    run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
    run_profitability(root, eng.step_dir("02_profitability"))
    pnl = pd.read_parquet(eng.work / "02_profitability" / "client_pnl.parquet")
    biggest = pnl.sort_values("net_revenue", ascending=False).iloc[0]
    sheet = write_vip_sheet(root / "review" / "vip.xlsx", lang="ru")
    wb = openpyxl.load_workbook(sheet)
    wb["vip"].append(["00-000059", "известное имя"])
    wb["vip"].append([str(biggest["entity_id"]), "стратегический"])
    wb.save(sheet)
    run_selection(root, eng.step_dir("03_key_client_profile"))
    run_sizing(root, eng.step_dir("04_kam_team_sizing"))
    record_run(root)
    return root


def test_training_vip_end_to_end(vip_run, tmp_path) -> None:
    from kamlib.report import build_model
    from kamlib.report.build import load_artefacts
    from kamlib.report.figcheck import check_deliverables
    from kamlib.report.html import render_html
    from kamlib.report.pptx import write_pptx
    from kamlib.report.xlsx import write_xlsx
    from kamlib.resources import samples_dir
    from kamlib.summaries import loads

    truth = json.loads((samples_dir() / "training_vip" / "truth.json")
                       .read_text(encoding="utf-8"))["vip"]
    s3 = loads((vip_run / "work" / "03_key_client_profile" / "summary.json")
               .read_text(encoding="utf-8"))
    vip = s3["vip"]
    assert vip["source"] == "list" and vip["vips"] == 2 and vip["losing_money"] == 1
    table = pd.read_parquet(vip_run / "work" / "03_key_client_profile" / "vip.parquet")
    prestige = table[table["why"] == "famous_name"].iloc[0]
    assert "Престиж" in prestige["entity_name"]
    assert prestige["verdict"] == "loses_money"
    assert not prestige["is_key"] and prestige["reason_code"] == "negative_contribution"
    assert prestige["contribution"] == pytest.approx(truth["contribution"], abs=0.01)
    assert prestige["net_revenue"] == pytest.approx(truth["net_revenue"], abs=0.01)
    assert float(vip["loss"]) == pytest.approx(prestige["contribution"], abs=0.01)
    art = load_artefacts(vip_run)
    for lang in ("ru", "en"):
        model = build_model(vip_run, lang, artefacts=art)
        finding = next(f for f in model.findings if f.key == "vip")
        assert finding.headline == str(vip["not_key_or_losing"])
        assert prestige["entity_name"] in finding.sentence and "VIP" in finding.sentence
        assert "vip" in model.tables and "channels" in model.tables
        files = {"html": tmp_path / f"{lang}.html", "xlsx": tmp_path / f"{lang}.xlsx",
                 "pptx": tmp_path / f"{lang}.pptx"}
        files["html"].write_text(render_html(model), encoding="utf-8")
        write_xlsx(model, files["xlsx"])
        write_pptx(model, files["pptx"])
        res = check_deliverables(model, art, files)
        assert not res.problems, res.problems


def test_vip_sheet_with_a_stranger_stops_the_step(vip_run, tmp_path) -> None:
    from kamlib.selection import run_selection

    root = tmp_path / "copy"
    shutil.copytree(vip_run, root)
    wb = openpyxl.load_workbook(root / "review" / "vip.xlsx")
    wb["vip"].append(["ООО «Никого»", "стратегический"])
    wb.save(root / "review" / "vip.xlsx")
    with pytest.raises(KamError) as e:
        run_selection(root, tmp_path / "out")
    assert e.value.row == 4 and e.value.value == "ООО «Никого»"


def test_figure_check_catches_planted_defects(vip_run) -> None:
    """A check that cannot fail proves nothing: a VIP's verdict that disagrees with step 3,
    a channel table that no longer adds up to the P&L, a dependency scenario that is not the
    client's, and a VIP finding whose figure is not the summary's are each caught."""
    import copy

    from kamlib.report import build_model
    from kamlib.report.build import load_artefacts
    from kamlib.report.figcheck import check_deliverables

    art = load_artefacts(vip_run)
    model = build_model(vip_run, "ru", artefacts=art)
    assert not check_deliverables(model, art, {}).problems

    def problems(mutate) -> list[str]:
        a = copy.deepcopy(art)
        mutate(a)
        return [p.where for p in check_deliverables(model, a, {}).problems]

    def flip_vip(a) -> None:
        t = a.tables["vip"]
        t.loc[t["verdict"] == "loses_money", "verdict"] = "not_key"

    def shrink_channel(a) -> None:
        a.tables["channels"].loc[0, "contribution"] -= 1000.0

    def other_client(a) -> None:
        a.summaries["02"]["dependency"]["largest"][0]["contribution_lost"] += 5000.0

    def vip_count(a) -> None:
        a.summaries["03"]["vip"]["not_key_or_losing"] += 1

    assert any(w.startswith("VIP ") for w in problems(flip_vip))
    assert any("channels: total contribution" in w for w in problems(shrink_channel))
    assert any(w.startswith("contribution lost if") for w in problems(other_client))
    assert any("vip_not_key" in w for w in problems(vip_count))
