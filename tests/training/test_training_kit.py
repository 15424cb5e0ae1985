"""The trainer's kit: each `data_samples/training_*` case, run through steps 0–4 in-process,
shows the one finding planted in it (truth.json), the others stay absent, and the cases
regenerate byte for byte from the generator's command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from kamlib.resources import samples_dir
from kamlib.training.samples import generate_engagement
from kamlib.training.samples import main as generator_main

LESSONS = ("vip", "top3", "holding", "single_contact", "overstaffed")


class Case:
    """One training case after steps 0–4: its truth, the step summaries and tables."""

    def __init__(self, root: Path, truth: dict[str, Any]) -> None:
        self.root = root
        self.truth = truth
        self.work = root / "work"

    def summary(self, step: str) -> dict[str, Any]:
        return json.loads((self.work / step / "summary.json").read_text("utf-8"))

    def table(self, step: str, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.work / step / f"{name}.parquet")

    def entity_of(self, code: str) -> str:
        """The entity (step 1) a catalogue code belongs to."""
        ent = self.table("01_client_base_cleanup", "entities").set_index("client_id")
        return str(ent.at[code, "entity_id"])


@pytest.fixture(scope="module")
def cases(training_runs: dict[str, Path]) -> dict[str, Case]:
    """Every training case run through steps 0–4 (the session's shared runs)."""
    out = {}
    for lesson in LESSONS:
        src = samples_dir() / f"training_{lesson}"
        truth = json.loads((src / "truth.json").read_text("utf-8"))
        out[lesson] = Case(training_runs[lesson], truth)
    return out


def test_each_case_is_small_and_labelled() -> None:
    for lesson in LESSONS:
        root = samples_dir() / f"training_{lesson}"
        assert sorted(p.name for p in root.iterdir()) == ["TRUTH.md", "engagement.yaml", "raw",
                                                         "truth.json"]
        truth = json.loads((root / "truth.json").read_text("utf-8"))
        assert truth["lesson"]["name"] == lesson
        assert 300 <= truth["sizes"]["catalogue_records"] <= 500
        size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        assert size < 2_300_000, (lesson, size)
        md = (root / "TRUTH.md").read_text("utf-8")
        assert md.startswith(f"# Training case `training_{lesson}`")
        assert truth["lesson"]["finding"] in md


def test_vip_is_the_first_large_loss_maker_and_not_key(cases: dict[str, Case]) -> None:
    c = cases["vip"]
    vip = c.truth["lesson"]["figures"]
    e = c.entity_of(vip["code"])
    pnl = c.table("02_profitability", "client_pnl").sort_values("net_revenue", ascending=False)
    assert list(pnl["entity_id"]).index(e) < 3                      # a big client
    losers = c.summary("02_profitability")["large_loss_makers"]
    assert losers[0]["entity_id"] == e                               # listed first
    assert losers[0]["contribution"] < 0
    assert losers[0]["contribution"] == pytest.approx(vip["contribution"], abs=0.01)
    assert "discount" in losers[0]["why"]
    key = c.table("03_key_client_profile", "key_clients")
    assert e not in set(key["entity_id"])
    not_key = {x["entity_id"]: x for x in c.summary("03_key_client_profile")["big_not_key"]}
    assert not_key[e]["reason"]["code"] == "negative_contribution"
    assert not_key[e]["reason_text"].startswith("вклад отрицательный (")


def test_top3_holds_more_than_40_percent_and_is_flagged(cases: dict[str, Case]) -> None:
    c = cases["top3"]
    conc = c.summary("02_profitability")["concentration"]
    assert conc["top3"] >= 0.45
    assert conc["top3"] == pytest.approx(c.truth["lesson"]["figures"]["top3_share"], abs=1e-3)
    assert any(f.startswith("top 3 clients = ") for f in conc["flags"])
    flagged = {x["entity_id"] for x in conc["flag_clients"]["top3_40"]}
    planted = {c.entity_of(x["codes"][0]) for x in c.truth["concentration"]["top3_entities"]}
    assert flagged == planted
    # the same three counted per catalogue record would stay under the flag
    assert c.truth["lesson"]["figures"]["top3_share_by_record_naive"] < 0.40


def test_holding_is_a_top5_group_of_small_entities(cases: dict[str, Case]) -> None:
    c = cases["holding"]
    fig = c.truth["lesson"]["figures"]
    ents = c.table("01_client_base_cleanup", "entities").set_index("client_id")
    members = ents.loc[fig["codes"]]
    assert members["entity_id"].nunique() == len(fig["codes"]) >= 5  # different INNs stay apart
    assert members["group_id"].nunique() == 1                         # … but form one group
    gid = members["group_id"].iat[0]
    groups = c.table("02_profitability", "group_pnl").sort_values("net_revenue",
                                                                   ascending=False)
    assert gid in list(groups["group_id"].head(5))
    assert int(groups.set_index("group_id").at[gid, "entities"]) == len(fig["codes"])
    pnl = c.table("02_profitability", "client_pnl").sort_values("net_revenue", ascending=False)
    top20 = set(pnl["entity_id"].head(20))
    assert not top20 & set(members["entity_id"])
    s2 = c.summary("02_profitability")
    share = float(groups.set_index("group_id").at[gid, "net_revenue"]) / \
        s2["concentration_groups"]["total"]
    assert share == pytest.approx(fig["share"], abs=1e-3)
    # group level concentrates more than entity level: the top-5 group holds the holding
    assert s2["concentration_groups"]["top5"] > s2["concentration"]["top5"]
    assert c.summary("01_client_base_cleanup")["groups_with_several_entities"] == 1


def test_single_contact_key_client_is_flagged_first(cases: dict[str, Case]) -> None:
    c = cases["single_contact"]
    fig = c.truth["lesson"]["figures"]
    e = c.entity_of(fig["code"])
    assert e in set(c.table("03_key_client_profile", "key_clients")["entity_id"])
    spoc = c.summary("03_key_client_profile")["single_point_of_contact"]
    assert spoc[0]["entity_id"] == e
    assert spoc[0]["risk"][0]["code"] == "one_contact"
    rel = c.table("03_key_client_profile", "relationships").set_index("entity_id")
    assert int(rel.at[e, "contacts"]) == fig["contacts"] == 1


def test_overstaffed_team_is_said_to_be_over(cases: dict[str, Case]) -> None:
    c = cases["overstaffed"]
    s = c.summary("04_kam_team_sizing")
    assert s["current_kams"] == c.truth["lesson"]["figures"]["team_kams"] == 12
    assert s["kams"] <= 4 < s["current_kams"]
    assert s["staffing"] == "over"
    assert s["kams_difference"] == s["current_kams"] - s["kams"]
    # the engagement reports in Russian: the recommendation says it in one sentence
    assert (f"Сейчас в таблице команды 12 KAM — на {s['kams_difference']} больше"
            in s["recommendation"])


def test_current_kams_from_the_team_table_roles() -> None:
    from kamlib.sizing import _staffing_sentence, current_kams, staffing_verdict

    team = pd.DataFrame({"person": list("ABCDEFG"), "role": [
        "Ключевой менеджер", "Менеджер по ключевым клиентам", "Key account manager", "KAM",
        "Account manager", "Менеджер по продажам", None]})
    assert current_kams(team) == 4                 # "Account manager" is not a KAM
    assert current_kams(team.drop(columns="role")) is None
    assert current_kams(None) is None
    assert staffing_verdict(12, 3) == (9, "over")
    assert staffing_verdict(2, 6) == (-4, "under")
    assert staffing_verdict(3, 3) == (0, "as recommended")
    assert staffing_verdict(None, 3) == (None, None)
    assert _staffing_sentence(12, 9, "en") == ("The team table lists 12 KAMs today: 9 more than "
                                               "the key accounts need. ")
    assert _staffing_sentence(2, -4, "ru") == ("Сейчас в таблице команды 2 KAM — на 4 меньше "
                                               "рекомендованного. ")
    assert _staffing_sentence(None, None, "ru") == ""


@pytest.mark.parametrize("lesson", LESSONS)
def test_only_the_planted_lesson_shows(cases: dict[str, Case], lesson: str) -> None:
    c = cases[lesson]
    s1 = c.summary("01_client_base_cleanup")
    s2, s3 = c.summary("02_profitability"), c.summary("03_key_client_profile")
    s4 = c.summary("04_kam_team_sizing")
    top3_flag = "top3_40" in s2["concentration"]["flag_clients"]
    big_loss = any(x["contribution"] < -1_000_000 for x in s2["large_loss_makers"])
    spoc = s3["single_point_of_contact"]
    one_contact_first = bool(spoc) and spoc[0]["risk"][0]["code"] == "one_contact"
    assert top3_flag == (lesson == "top3")
    assert big_loss == (lesson == "vip")
    assert (s1["groups_with_several_entities"] > 0) == (lesson == "holding")
    assert one_contact_first == (lesson == "single_contact")
    assert s4["staffing"] == ("over" if lesson == "overstaffed" else "as recommended")


@pytest.mark.parametrize("lesson", LESSONS)
def test_case_regenerates_byte_for_byte(lesson: str, tmp_path: Path) -> None:
    committed = samples_dir() / f"training_{lesson}"
    seed = json.loads((committed / "truth.json").read_text("utf-8"))["seed"]
    out = tmp_path / lesson
    assert generator_main([str(out), "--lesson", lesson, "--seed", str(seed)]) == 0
    for name in ("truth.json", "TRUTH.md"):
        assert (out / name).read_bytes() == (committed / name).read_bytes(), name
    raw = {p.name: p.read_bytes() for p in (out / "raw").iterdir()}
    assert raw == {p.name: p.read_bytes() for p in (committed / "raw").iterdir()}
    # engagement.yaml comes from the shared template: the generator's part must agree
    new, old = (yaml.safe_load((d / "engagement.yaml").read_text("utf-8"))
                for d in (out, committed))
    assert new["client"] == old["client"]
    assert new["profitability"]["cost_rates"] == old["profitability"]["cost_rates"]


def test_lessons_are_ru_1c_only_and_named(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="ru_1c"):
        generate_engagement(tmp_path / "en", profile="en_clean", lesson="vip")
    with pytest.raises(ValueError, match="unknown lesson"):
        generate_engagement(tmp_path / "x", lesson="nope")
    assert not (tmp_path / "en").exists() and not (tmp_path / "x").exists()


# --------------------------------------------------------------------------- in the report


@pytest.fixture(scope="module")
def reports(cases: dict[str, Case]) -> dict[str, Any]:
    """Each case's report model in Russian (the cases are Russian engagements)."""
    from kamlib.report import build_model

    return {lesson: build_model(case.root, "ru") for lesson, case in cases.items()}


def _text(model: Any) -> str:
    parts = [f"{f.headline} {f.sentence}" for f in model.findings]
    for sec in model.sections:
        parts += [sec.lead, *sec.bullets]
    return "\n".join(parts)


def test_each_lesson_shows_in_the_report(cases: dict[str, Case], reports: dict[str, Any]) -> None:
    vip = reports["vip"].findings[1]
    name = cases["vip"].summary("02_profitability")["large_loss_makers"][0]["name"]
    assert vip.key == "profitability" and name in vip.sentence and vip.fact.value < 0
    assert vip.severity == "high"

    top3 = reports["top3"].findings[2]
    assert top3.fact.value >= 0.40 and "выше опасного порога 40\u00a0%" in top3.sentence
    assert top3.severity == "high"
    assert "выше порога 40\u00a0%" in _text(reports["top3"])

    holding = reports["holding"]
    assert "Группа «Стройгарант»" in holding.findings[2].sentence, holding.findings[2].sentence
    assert any(b.startswith("Стройгарант: юрлиц в группе — 8") for b in holding.sections[2].bullets)

    single = reports["single_contact"].findings[3]
    first = cases["single_contact"].summary("03_key_client_profile")["single_point_of_contact"][0]
    assert "держатся на одном контакте" in single.sentence.lower() or \
        "Держатся на одном контакте" in single.sentence
    assert first["name"] in single.sentence

    team = reports["overstaffed"].findings[4]
    assert "Сейчас их 12: команда избыточна." in team.sentence
    assert "команда избыточна" in _text(reports["overstaffed"])


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_finding_is_in_the_rendered_report(reports: dict[str, Any], lesson: str) -> None:
    from markupsafe import escape

    from kamlib.report.html import render_html

    model = reports[lesson]
    finding = {"vip": 1, "top3": 2, "holding": 2, "single_contact": 3, "overstaffed": 4}[lesson]
    page = render_html(model)
    assert str(escape(model.findings[finding].sentence)) in page


@pytest.mark.parametrize("lesson", LESSONS)
def test_other_lessons_stay_out_of_the_report(reports: dict[str, Any], lesson: str) -> None:
    text = _text(reports[lesson])
    assert ("выше опасного порога 40\u00a0%" in text) == (lesson == "top3")
    assert ("Группа «" in reports[lesson].findings[2].sentence) == (lesson == "holding")
    assert ("команда избыточна" in text) == (lesson == "overstaffed")
    assert ("Держатся на одном контакте" in text) == (lesson == "single_contact")
