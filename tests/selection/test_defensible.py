"""Step 3, a selection that can be defended: missing workshop scores never raise a score,
USP fit is a gate, reasons carry their figures, deep plans by value at stake, and a stated
treatment for Strategic clients that are not key. Hand-computed examples."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kamlib.config import SelectionParams
from kamlib.i18n import Formatter, load_strings, say
from kamlib.selection import reason_in, reason_out, strategic_treatment
from kamlib.selection.scoring import (
    axis_scores,
    criterion_scores,
    decide,
    fill_conservative,
    missing_judged,
    value_at_stake,
)

W = {"revenue": 50, "contribution": 30, "strategic_fit": 20}


@pytest.fixture
def five() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five candidates; data scores 1 + 9 × (rank − 1) / 4 = 1, 3.25, 5.5, 7.75, 10.

    revenue       A 100 → 1, B 200 → 3.25, D 400 → 5.5, C 450 → 7.75, E 500 → 10
    contribution  B −10 → 1, D 20 → 3.25, C 30 → 5.5, A 40 → 7.75, E 50 → 10
    strategic_fit (judged) A 9, B 6, C not scored, D 3, E 7
    """
    features = pd.DataFrame({
        "net_revenue": [100.0, 200.0, 450.0, 400.0, 500.0],
        "contribution": [40.0, -10.0, 30.0, 20.0, 50.0],
    }, index=pd.Index(list("ABCDE"), name="entity_id"))
    judged = pd.DataFrame({"entity_id": list("ABDE"), "criterion": "strategic_fit",
                           "score": [9.0, 6.0, 3.0, 7.0]})
    return features, judged


def _scores(five):
    features, judged = five
    return features, criterion_scores(features, list(W), judged=judged)


def test_renormalising_lets_the_unscored_client_gain(five) -> None:
    """Renormalised attractiveness (what the old rule did):
    A (1·50 + 7.75·30 + 9·20) / 100 = 4.625;  B (3.25·50 + 1·30 + 6·20) / 100 = 3.125
    C (7.75·50 + 5.5·30) / 80 = 6.90625 (strategic_fit left out: it gains)
    D (5.5·50 + 3.25·30 + 3·20) / 100 = 4.325;  E (10·50 + 10·30 + 7·20) / 100 = 9.4
    """
    _, scores = _scores(five)
    attr = axis_scores(scores, W)
    assert attr.round(5).tolist() == [4.625, 3.125, 6.90625, 4.325, 9.4]
    assert missing_judged(scores, ["strategic_fit"]).tolist() == [[], [], ["strategic_fit"],
                                                                 [], []]


def test_to_assess_keeps_the_unscored_out(five) -> None:
    """Cap 2, threshold 5.5, gate 4: B negative; D's fit 3 < 4 (gate, before its 4.325 <
    5.5); A 4.625 < 5.5; E key (rank 1); C unscored, ranked 2nd on its provisional 6.906
    while a place is left → to assess, not key. Cap 1: E takes the only place, C is then
    beyond the cap (cap_reached), not to assess."""
    features, scores = _scores(five)
    attr = axis_scores(scores, W)
    unscored = missing_judged(scores, ["strategic_fit"]).map(bool)
    d = decide(attr, eligible=features["contribution"] >= 0, max_n=2, threshold=5.5,
               unscored=unscored, usp=scores["strategic_fit"], usp_gate=4.0)
    assert d["decision"].tolist() == ["below_threshold", "negative_contribution", "to_assess",
                                      "usp_gate", "key"]
    assert d["is_key"].tolist() == [False, False, False, False, True]
    assert d.at["E", "rank"] == 1 and pd.isna(d.at["C", "rank"])
    assert d.at["C", "provisional_rank"] == 2 and d.at["E", "provisional_rank"] == 1
    one = decide(attr, eligible=features["contribution"] >= 0, max_n=1, threshold=5.5,
                 unscored=unscored, usp=scores["strategic_fit"], usp_gate=4.0)
    assert one.at["C", "decision"] == "cap_reached"
    # without the rule and the gate: the old selection, C key on its renormalised score
    old = decide(attr, eligible=features["contribution"] >= 0, max_n=2, threshold=5.5)
    assert old["is_key"].tolist() == [False, False, True, False, True]


def test_conservative_value_and_the_gate(five) -> None:
    """Conservative 1: C = (7.75·50 + 5.5·30 + 1·20) / 100 = 5.725 ≥ 5.5, but its fit 1 is
    below the gate of 4 → usp_gate; without a gate C is key at 5.725 (rank 2)."""
    features, scores = _scores(five)
    filled = fill_conservative(scores, ["strategic_fit"], 1.0)
    assert filled.at["C", "strategic_fit"] == 1.0
    assert filled.at["A", "strategic_fit"] == 9.0          # a given score is kept
    attr = axis_scores(filled, W)
    assert attr["C"] == pytest.approx(5.725)
    gated = decide(attr, eligible=features["contribution"] >= 0, max_n=2, threshold=5.5,
                   usp=filled["strategic_fit"], usp_gate=4.0)
    assert gated.at["C", "decision"] == "usp_gate"
    free = decide(attr, eligible=features["contribution"] >= 0, max_n=2, threshold=5.5,
                  usp=filled["strategic_fit"], usp_gate=None)
    assert free.at["C", "decision"] == "key" and free.at["C", "rank"] == 2


def test_the_gate_excludes_a_large_client_whatever_its_size() -> None:
    attr = pd.Series({"big": 9.9, "small": 6.0})
    d = decide(attr, eligible=pd.Series({"big": True, "small": True}), max_n=5,
               usp=pd.Series({"big": 3.9, "small": 4.0}), usp_gate=4.0)
    assert d["decision"].tolist() == ["usp_gate", "key"]   # 4.0 is not below the gate


def test_reasons_carry_their_figures() -> None:
    strings, fmt = load_strings("en"), Formatter("en", "RUB")
    row = pd.Series({"attractiveness": 9.4, "rank": 1, "contribution": 50.0,
                     "score_revenue": 10.0, "score_contribution": 10.0,
                     "score_strategic_fit": 7.0})
    r = reason_in(row, list(W), threshold=5.5, cap=2, currency="RUB")
    assert r["code"] == "key_decided"
    assert r["args"]["threshold"] == 5.5 and r["args"]["cap"] == 2 and r["args"]["rank"] == 1
    assert r["args"]["contribution"] == {"amount": "50.00", "currency": "RUB"}
    text = say(r, strings, fmt)
    assert "9.4" in text and "5.5" in text and "cap of 2" in text
    gate = reason_out(pd.Series({"contribution": 10.0, "attractiveness": 8.0,
                                 "decision": "usp_gate", "usp_score": 3.0}),
                      on_list=True, threshold=5.5, cap=2, currency="RUB", usp_gate=4.0)
    assert gate == {"code": "usp_gate", "args": {"score": 3.0, "gate": 4.0}}
    assert "3.0" in say(gate, strings, fmt) and "4.0" in say(gate, strings, fmt)
    ta = reason_out(pd.Series({"contribution": 30.0, "attractiveness": 6.90625,
                               "decision": "to_assess", "provisional_rank": 2,
                               "missing_criteria": ["strategic_fit"]}),
                    on_list=True, threshold=5.5, cap=2, currency="RUB")
    assert ta["args"] == {"attractiveness": 6.91, "provisional_rank": 2, "cap": 2,
                          "missing_criteria": ["strategic_fit"]}
    assert "Strategic fit" in say(ta, strings, fmt)
    ru = say(ta, load_strings("ru"), Formatter("ru", "RUB"))
    assert "Стратегическое соответствие" in ru and "strategic_fit" not in ru


def test_value_at_stake_by_hand() -> None:
    """small: 1,000,000 × 9/10 × 8/10 = 720,000; big: 4,000,000 × 6/10 × 5.5/10 (potential
    not scored → the scale's middle, never more) = 1,320,000: the big client's plan first,
    although the small one is more attractive."""
    v = value_at_stake(pd.Series({"small": 1_000_000.0, "big": 4_000_000.0}),
                       pd.Series({"small": 9.0, "big": 6.0}),
                       pd.Series({"small": 8.0, "big": float("nan")}))
    assert v.to_dict() == {"small": 720_000.0, "big": 1_320_000.0}


def test_strategic_treatment_by_decision() -> None:
    codes = {d: strategic_treatment(d, attractiveness=7.0, strength=6.0)["code"]
             for d in ("negative_contribution", "usp_gate", "to_assess", "cap_reached")}
    assert codes == {"negative_contribution": "treat_reprice",
                     "usp_gate": "treat_standard_terms", "to_assess": "treat_assess_first",
                     "cap_reached": "treat_next_in_line"}
    for lang in ("en", "ru"):
        for d in codes:
            text = say(strategic_treatment(d, attractiveness=7.0, strength=6.0),
                       load_strings(lang), Formatter(lang, "RUB"))
            assert "7.0" in text or "7,0" in text


def test_settings_validate() -> None:
    p = SelectionParams()
    assert p.missing_scores == "to_assess" and p.usp_gate == 3.0
    cons = SelectionParams(missing_scores="conservative", conservative_score=3)
    assert cons.conservative_score == 3
    with pytest.raises(ValueError):
        SelectionParams(missing_scores="ignore")
    with pytest.raises(ValueError, match="judged criterion"):
        SelectionParams(usp_criterion="revenue")
    assert SelectionParams(usp_gate=None).usp_gate is None


def test_end_to_end_on_a_training_sample(tmp_path) -> None:
    """training_top3 through steps 0–3: nobody unscored is key; every to-assess client is
    unscored and ranked within the cap; the gate holds; six deep plans by value at stake."""
    from kamlib.cleanup import run_cleanup
    from kamlib.engagement import Engagement, copy_engagement
    from kamlib.profitability import run_profitability
    from kamlib.resources import samples_dir
    from kamlib.runner import run_intake
    from kamlib.selection import run_selection

    eng = Engagement.open(copy_engagement(samples_dir() / "training_top3", tmp_path / "e"))
    run_intake(eng)
    run_cleanup(eng)
    run_profitability(eng)
    r = run_selection(eng)
    s = r.summary
    t = r["table"]
    missing = t["missing_criteria"].map(json.loads)
    assert s["missing_scores_rule"] == "to_assess"
    assert not (t["is_key"] & missing.map(bool)).any()
    assert s["to_assess_count"] == int((t["decision"] == "to_assess").sum())
    assert all(missing[e["entity_id"]] for e in s["to_assess"])
    gate = s["usp_gate"]["gate"]
    assert gate == 3.0                                         # the default
    assert (t.loc[t["decision"] == "usp_gate", "usp_score"] < gate).all()
    assert not (t["is_key"] & (t["usp_score"] < gate)).any()
    key = r["key"]
    assert len(s["deep_plans"]) == min(6, len(key))
    top = key["value_at_stake"].nlargest(len(s["deep_plans"])).index.tolist()
    assert [d["entity_id"] for d in s["deep_plans"]] == top
    assert s["strategic_not_key_count"] == int(((t["quadrant"] == "Strategic")
                                                & ~t["is_key"]).sum())

    # no workshop held yet: nobody gains on anybody, the key list is provisional on the data
    # criteria and every key client is listed as still to assess
    from kamlib.steps import artefact_path

    artefact_path(eng, "assessment").unlink()
    (eng.root / "review" / "assessment.xlsx").unlink()
    p = run_selection(eng, out_dir=tmp_path / "provisional").summary
    assert p["selection_provisional"] is True
    assert p["key_clients"] > 0
    assert p["to_assess_count"] == p["key_clients"]
    assert p["usp_gate"]["excluded"] == 0


def test_conservative_rule_end_to_end(tmp_path) -> None:
    """training_top3 under the conservative rule: nobody is to assess; every unscored
    candidate is scored 1, so (1 < the gate of 3) none is key, and the gate's count keeps
    them apart from the clients the workshop scored low."""
    from kamlib.cleanup import run_cleanup
    from kamlib.engagement import Engagement, copy_engagement
    from kamlib.profitability import run_profitability
    from kamlib.resources import samples_dir
    from kamlib.runner import run_intake
    from kamlib.selection import run_selection

    eng = Engagement.open(copy_engagement(samples_dir() / "training_top3", tmp_path / "e"))
    run_intake(eng)
    run_cleanup(eng)
    run_profitability(eng)
    params = eng.config.selection.model_copy(update={"missing_scores": "conservative"})
    r = run_selection(eng, params=params)
    s, t = r.summary, r["table"]
    assert s["missing_scores_rule"] == "conservative" and s["conservative_score"] == 1.0
    assert s["to_assess_count"] == 0
    assert s["conservative_scored_count"] == s["unscored_candidates"] > 0
    ids = {e["entity_id"] for e in s["conservative_scored"]}
    assert not t.loc[list(ids), "is_key"].any()
    judged = [c for c in ("score_strategic_fit", "score_potential") if c in t.columns]
    assert (t.loc[list(ids), judged] == 1.0).all().all()
    gated = t[t["decision"] == "usp_gate"]
    assert s["usp_gate"]["excluded"] + s["usp_gate"]["excluded_conservative"] == len(gated)
    assert s["usp_gate"]["excluded_conservative"] == len(set(gated.index) & ids)
