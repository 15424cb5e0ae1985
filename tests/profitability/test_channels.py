"""The P&L by channel (kamlib.profitability.channels): hand-computed examples.

Five clients in three named channels and one without a segment:

======  ============  =======  ============  ====  ===========  ============
client  channel       revenue  gross margin  CTS   receivables  contribution
======  ============  =======  ============  ====  ===========  ============
e1      Дистрибьютор     1000           250    40           10           200
e2      Дистрибьютор      500           100    20            0            80
e3      HoReCa            400           100    56            4            40
e4      Розница           100            20    30            0           -10
e5      (none)             50            10     5            0             5
======  ============  =======  ============  ====  ===========  ============

Дистрибьютор: 1500 revenue, 280 contribution → 18.67 %; HoReCa 400 / 40 → 10 %;
Розница −10 %; the company: 315 / 2050 = 15.37 %.
"""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from kamlib.errors import KamError
from kamlib.profitability.channels import (
    UNKNOWN,
    channel_growth,
    channel_pnl,
    channel_verdict,
    read_channel_fit,
    write_channel_fit,
)


@pytest.fixture
def pnl() -> pd.DataFrame:
    return pd.DataFrame({
        "net_revenue": [1000.0, 500.0, 400.0, 100.0, 50.0],
        "gross_margin": [250.0, 100.0, 100.0, 20.0, 10.0],
        "cost_to_serve": [40.0, 20.0, 56.0, 30.0, 5.0],
        "cost_of_receivables": [10.0, 0.0, 4.0, 0.0, 0.0],
        "contribution": [200.0, 80.0, 40.0, -10.0, 5.0],
    }, index=pd.Index(["e1", "e2", "e3", "e4", "e5"], name="entity_id"))


@pytest.fixture
def channel() -> pd.Series:
    return pd.Series({"e1": "Дистрибьютор", "e2": " Дистрибьютор ", "e3": "HoReCa",
                      "e4": "Розница", "e5": None})


def test_channel_pnl_by_hand(pnl, channel) -> None:
    ch = channel_pnl(pnl, channel).set_index("channel")
    assert list(ch.index) == ["Дистрибьютор", "HoReCa", "Розница", UNKNOWN]  # by revenue
    d = ch.loc["Дистрибьютор"]
    assert d["clients"] == 2
    assert d["net_revenue"] == 1500 and d["contribution"] == 280
    assert d["contribution_margin"] == pytest.approx(280 / 1500)
    assert d["cts_pct"] == pytest.approx(60 / 1500)
    assert d["revenue_share"] == pytest.approx(1500 / 2050)
    assert d["contribution_share"] == pytest.approx(280 / 315)
    assert ch.loc["HoReCa", "contribution_margin"] == pytest.approx(0.10)
    assert ch.loc["HoReCa", "cts_pct"] == pytest.approx(0.14)
    assert ch.loc["Розница", "contribution_margin"] == pytest.approx(-0.10)
    # the order the issue describes: distributors earn the most, HoReCa less, retail loses
    m = ch["contribution_margin"]
    assert m["Дистрибьютор"] > m["HoReCa"] > m["Розница"]
    # money in = money out
    assert ch["net_revenue"].sum() == pytest.approx(pnl["net_revenue"].sum(), abs=1e-9)
    assert ch["contribution"].sum() == pytest.approx(pnl["contribution"].sum(), abs=1e-9)


def test_verdicts_and_reasons(pnl, channel) -> None:
    ch = channel_pnl(pnl, channel).set_index("channel")
    assert ch.loc["Дистрибьютор", "verdict"] == "develop"
    assert ch.loc["Дистрибьютор", "reason_code"] == "channel_above_average"
    args = json.loads(ch.loc["Дистрибьютор", "reason_args"])
    assert args["average_ratio"] == pytest.approx(315 / 2050)
    assert args["usp_fit"] is None
    assert ch.loc["HoReCa", "verdict"] == "maintain"          # below average, growth unknown
    assert ch.loc["Розница", "verdict"] == "review"
    assert ch.loc["Розница", "reason_code"] == "channel_loses_money"
    # the workshop scores HoReCa's USP fit 3 of 10: review, whatever it earns
    fitted = channel_pnl(pnl, channel, fit={"HoReCa": 3, "Дистрибьютор": 9}).set_index("channel")
    assert fitted.loc["HoReCa", "verdict"] == "review"
    assert fitted.loc["HoReCa", "reason_code"] == "channel_low_fit"
    assert fitted.loc["Дистрибьютор", "usp_fit"] == 9
    assert pd.isna(fitted.loc["Розница", "usp_fit"])
    # the clients without a channel are to be given one, not a channel to review or develop
    # (demo_ru's 17 250 ₽ of them was "to review" beside "5 channels")
    assert ch.loc[UNKNOWN, "verdict"] == "assign"
    assert ch.loc[UNKNOWN, "reason_code"] == "channel_unknown"
    assert json.loads(ch.loc[UNKNOWN, "reason_args"]) == {"clients": int(ch.loc[UNKNOWN,
                                                                                "clients"])}


@pytest.mark.parametrize(("args", "verdict", "code"), [
    ((0.18, 0.14, 0.05, 8.0), "develop", "channel_above_average"),
    ((0.18, 0.14, -0.01, None), "develop", "channel_above_average"),   # −1 % is flat
    ((0.18, 0.14, -0.05, None), "maintain", "channel_mixed"),
    ((0.10, 0.14, 0.05, None), "maintain", "channel_mixed"),
    ((0.10, 0.14, -0.03, None), "review", "channel_below_average_shrinking"),
    ((0.25, 0.14, 0.30, 5.0), "review", "channel_low_fit"),
    ((-0.01, 0.14, 0.30, 9.0), "review", "channel_loses_money"),
])
def test_verdict_rules(args, verdict, code) -> None:
    v, r = channel_verdict(*args)
    assert (v, r["code"]) == (verdict, code)


def test_growth_yoy_and_halves() -> None:
    months = pd.period_range("2024-01", "2025-12", freq="M")
    yoy = pd.DataFrame({"entity_id": "e1", "month": months.astype(str),
                        "net_revenue": [100.0] * 12 + [110.0] * 12})
    g = channel_growth(yoy, pd.Series({"e1": "Опт"}))
    assert g.loc["Опт", "growth_basis"] == "yoy"
    assert g.loc["Опт", "revenue_before"] == 1200 and g.loc["Опт", "revenue_after"] == 1320
    assert g.loc["Опт", "growth_pct"] == pytest.approx(0.10)
    # four months only: the last two against the first two
    four = pd.DataFrame({"entity_id": ["e1"] * 4 + ["e3"] * 4,
                         "month": list(pd.period_range("2025-01", periods=4, freq="M")) * 2,
                         "net_revenue": [10.0, 10, 20, 20, 10, 10, 5, 5]})
    g = channel_growth(four, pd.Series({"e1": "Опт", "e3": "HoReCa"}))
    assert (g["growth_basis"] == "halves").all()
    assert g.loc["Опт", "growth_pct"] == pytest.approx(1.0)
    assert g.loc["HoReCa", "growth_pct"] == pytest.approx(-0.5)


def test_shrinking_below_average_channel_is_reviewed(pnl, channel) -> None:
    months = pd.period_range("2024-01", "2025-12", freq="M").astype(str)
    rows = []
    for e, before, after in (("e1", 10, 10), ("e3", 10, 8)):
        rows += [{"entity_id": e, "month": m, "net_revenue": float(before if i < 12 else after)}
                 for i, m in enumerate(months)]
    ch = channel_pnl(pnl, channel, monthly=pd.DataFrame(rows)).set_index("channel")
    assert ch.loc["HoReCa", "growth_pct"] == pytest.approx(-0.2)
    assert ch.loc["HoReCa", "verdict"] == "review"
    assert ch.loc["HoReCa", "reason_code"] == "channel_below_average_shrinking"
    assert ch.loc["Дистрибьютор", "verdict"] == "develop"


def test_fit_sheet_round_trip_and_bad_score(tmp_path, pnl, channel) -> None:
    ch = channel_pnl(pnl, channel)
    path = write_channel_fit(tmp_path / "review" / "channels.xlsx", ch, lang="ru")
    assert read_channel_fit(path) == {}                       # nothing scored yet
    wb = openpyxl.load_workbook(path)
    ws = wb["channels"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    ws.cell(rows["HoReCa"], 2).value = 3
    ws.cell(rows["Дистрибьютор"], 2).value = "8,5"
    wb.save(path)
    fit = read_channel_fit(path)
    assert fit == {"HoReCa": 3.0, "Дистрибьютор": 8.5}
    # a new run keeps the scores given
    write_channel_fit(path, ch, existing=fit, lang="en")
    assert read_channel_fit(path) == fit
    wb = openpyxl.load_workbook(path)
    wb["channels"].cell(rows["Розница"], 2).value = 12
    wb.save(path)
    with pytest.raises(KamError) as e:
        read_channel_fit(path)
    assert e.value.row == rows["Розница"] and e.value.column == "B" and e.value.value == "12"


def test_missing_columns_is_a_clear_error(pnl, channel) -> None:
    with pytest.raises(KamError, match="contribution"):
        channel_pnl(pnl.drop(columns=["contribution"]), channel)


def test_demo_ru_channels(demo_ru_steps) -> None:
    """demo_ru: distributors earn the highest contribution margin (≈ 18 %), HoReCa the
    lowest (≈ 10 %), and the channels add up to the P&L."""
    from kamlib.engagement import Engagement
    from kamlib.steps import artefact_path
    from kamlib.summaries import loads

    eng = Engagement.open(demo_ru_steps)
    ch = pd.read_parquet(artefact_path(eng, "channels")).set_index("channel")
    pnl = pd.read_parquet(artefact_path(eng, "client_pnl"))
    named = ch.drop(index=UNKNOWN, errors="ignore")
    assert named["contribution_margin"].idxmax() == "Дистрибьютор"
    assert named["contribution_margin"].idxmin() == "HoReCa"
    assert named.loc["Дистрибьютор", "contribution_margin"] == pytest.approx(0.18, abs=0.01)
    assert named.loc["HoReCa", "contribution_margin"] == pytest.approx(0.10, abs=0.01)
    assert ch["net_revenue"].sum() == pytest.approx(pnl["net_revenue"].sum(), abs=0.01)
    s2 = loads((eng.work / "02_profitability" / "summary.json").read_text(encoding="utf-8"))
    by = {c["channel"]: c for c in s2["channels"]}
    assert float(by["HoReCa"]["contribution_margin"]) == pytest.approx(
        ch.loc["HoReCa", "contribution_margin"])
    assert by["HoReCa"]["reason"]["code"] == ch.loc["HoReCa", "reason_code"]
    assert (eng.root / "review" / "channels.xlsx").exists()


def test_selection_within_chosen_channels(demo_ru_steps, tmp_path) -> None:
    """``selection.channels`` keeps key clients inside the chosen channels; a client of
    another channel is not key and says so; a channel no client has is a settings error."""
    import shutil

    from kamlib.engagement import Engagement
    from kamlib.errors import ConfigError
    from kamlib.selection import run_selection

    root = tmp_path / "eng"
    shutil.copytree(demo_ru_steps, root)
    eng = Engagement.open(root)
    chosen = ["Дистрибьютор", "Опт"]
    params = eng.config.selection.model_copy(update={"channels": chosen})
    r = run_selection(root, tmp_path / "out", params=params)
    seg = r.features["segment"]
    assert len(r.key) > 0
    assert set(seg.reindex(r.key.index)) <= set(chosen)
    table = r.table
    outside = ~seg.reindex(table.index).isin(chosen)
    assert outside.any()
    assert (table.loc[outside, "reason_code"] == "channel_not_chosen").all()
    assert not table.loc[outside, "is_key"].any()
    assert r.summary["channels"] == chosen
    with pytest.raises(ConfigError) as e:
        run_selection(root, tmp_path / "out2",
                      params=eng.config.selection.model_copy(update={"channels": ["Аптеки"]}))
    assert "Аптеки" in str(e.value.value) and "HoReCa" in e.value.hint
