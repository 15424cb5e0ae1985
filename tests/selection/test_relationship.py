"""Contact coverage, relationship stages, key-account CLV and the key-client portrait."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib.selection.portrait import key_account_clv, look_alikes, portrait, size_bands
from kamlib.selection.relationship import (
    canonical_role,
    contact_coverage,
    relationship_stage,
)

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples" / "demo_ru"


def _contacts() -> pd.DataFrame:
    rows = [
        # A: bow-tie, one contact
        ("A", "Иванов И.И.", "Закупщик", "Иванова О.", "2024-06-05"),
        # B: diamond, 6 people, 4 roles, 3 of our people
        ("B", "Петров П.П.", "ЛПР", "Смирнов А.", "2024-12-01"),
        ("B", "Сидорова С.С.", "Финансовый директор", "Смирнов А.", "2024-12-20"),
        ("B", "Кузнецов К.К.", "Champion", "Орлова Е.", "2024-11-15"),
        ("B", "Попова Н.Н.", "Пользователь", "Орлова Е.", "2024-10-01"),
        ("B", "Волков В.В.", "user", "Лисин Д.", "2024-12-31"),
        ("B", "Зайцев З.З.", "Влияющий", "Лисин Д.", "2024-09-01"),
        ("B", "ПЕТРОВ  П.П.", "ЛПР", "Смирнов А.", "2024-01-01"),  # same person again
        # C: two contacts, both through one of our people
        ("C", "Орлов О.О.", "ЛПР", "Иванова О.", "2024-12-01"),
        ("C", "Белов Б.Б.", "Пользователь", "Иванова О.", "2024-11-01"),
        # branch C2 of D (via entity_map): two contacts, two owners → not single point
        ("D1", "Гусев Г.Г.", "ЛПР", "Смирнов А.", "2024-12-01"),
        ("D2", "Титов Т.Т.", "Коуч", "Орлова Е.", "2024-12-15"),
    ]
    df = pd.DataFrame(rows, columns=["client_id", "person", "role", "owner", "last_contact_date"])
    df["last_contact_date"] = pd.to_datetime(df["last_contact_date"])
    df["function"] = "Закупки"
    df["level"] = "Высший"
    return df


@pytest.fixture(scope="module")
def cover() -> pd.DataFrame:
    emap = pd.Series({"D1": "D", "D2": "D"})
    return contact_coverage(_contacts(), pd.Series(["A", "B", "C", "D", "E"]),
                            entity_map=emap)


def test_single_contact_flagged_with_named_risk(cover: pd.DataFrame) -> None:
    a = cover.loc["A"]
    assert a["contacts"] == 1 and bool(a["single_point"])
    assert a["days_since_last_contact"] == (date(2024, 12, 31) - date(2024, 6, 5)).days
    assert "one contact (Иванов И.И.)" in a["risk"]
    assert "no economic buyer" in a["risk"] and "209 days ago" in a["risk"]
    assert a["roles_filled"] == 1 and "technical" not in a["roles_missing"]


def test_diamond_not_flagged(cover: pd.DataFrame) -> None:
    b = cover.loc["B"]
    assert b["contacts"] == 6  # "ПЕТРОВ  П.П." is the same person
    assert b["roles_filled"] == 4  # decision maker, economic buyer, champion, user
    assert b["roles_missing"] == "technical, coach"
    assert b["our_people"] == 3
    assert b["top_owner_share"] == pytest.approx(2 / 6)
    assert b["days_since_last_contact"] == 0
    assert not b["single_point"] and b["risk"] == ""
    assert b["coverage_score"] >= 8
    assert b["coverage_score"] > cover.loc["A", "coverage_score"]


def test_two_contacts_one_owner_and_entity_map(cover: pd.DataFrame) -> None:
    assert bool(cover.loc["C", "single_point"])
    assert "all through Иванова О." in cover.loc["C", "risk"]
    d = cover.loc["D"]
    assert d["contacts"] == 2 and d["our_people"] == 2 and not d["single_point"]


def test_entity_without_contacts(cover: pd.DataFrame) -> None:
    assert list(cover.index) == ["A", "B", "C", "D", "E"]
    e = cover.loc["E"]
    assert (e["contacts"], e["roles_filled"], e["our_people"]) == (0, 0, 0)
    assert e["top_owner_share"] == 0.0 and pd.isna(e["days_since_last_contact"])
    # no contact on record is unknown coverage, not a single point of contact
    assert not e["single_point"] and bool(e["no_contacts"])
    assert e["risk"] == "no contacts on record"
    assert e["coverage_score"] == 1


def test_as_of_and_score_range() -> None:
    out = contact_coverage(_contacts(), pd.Series(["A", "B"]), as_of=date(2025, 6, 5))
    assert out.loc["A", "days_since_last_contact"] == 365
    assert out["coverage_score"].between(1, 10).all()


@pytest.mark.parametrize("text, role", [
    ("ЛПР", "decision_maker"), ("Лицо, принимающее решение", "decision_maker"),
    ("Decision maker", "decision_maker"), ("ЛПР (закупки)", "decision_maker"),
    ("Экономический покупатель", "economic_buyer"), ("economic buyer", "economic_buyer"),
    ("Финансовый директор", "economic_buyer"), ("чемпион", "champion"),
    ("Сторонник", "champion"), ("Технический эксперт", "technical"),
    ("Technical", "technical"), ("пользователь", "user"), ("USER", "user"),
    ("Коуч", "coach"), ("наставник", "coach"), ("Влияющий", "other"), ("", "other"),
    (None, "other"), ("Бухгалтер", "other"),
])
def test_role_synonyms(text: object, role: str) -> None:
    assert canonical_role(text) == role


def test_role_synonyms_extended() -> None:
    assert canonical_role("Влияющий", roles={"champion": ["влияющий"]}) == "champion"


def test_relationship_stage_bands() -> None:
    ids = [f"e{i}" for i in range(1, 11)]
    a = pd.DataFrame({"entity_id": [*ids, "e1"],
                      "criterion": ["relationship_stage"] * 10 + ["potential"],
                      "score": [*range(1, 11), 9]})
    s = relationship_stage(a, pd.Series([*ids, "x"]))
    assert s.tolist()[:10] == ["exploratory"] * 2 + ["basic"] * 2 + ["cooperative"] * 2 \
        + ["interdependent"] * 2 + ["integrated"] * 2
    assert pd.isna(s["x"])
    assert relationship_stage(None, pd.Series(["a"])).isna().all()
    with pytest.raises(ValueError):
        relationship_stage(a.assign(score=11), pd.Series(ids))


def test_clv_by_hand() -> None:
    m = pd.Series({"a": 100.0, "b": -50.0})
    out = key_account_clv(m, retention=(0.9,), discount_rate=0.1)
    assert list(out.columns) == ["clv_r90"]
    assert out.loc["a", "clv_r90"] == pytest.approx(450.0)
    assert out.loc["b", "clv_r90"] == pytest.approx(-225.0)
    default = key_account_clv(m)
    assert list(default.columns) == ["clv_r80", "clv_r90", "clv_r95"]
    assert default.loc["a", "clv_r80"] == pytest.approx(100 * 0.8 / 0.32)
    with pytest.raises(ValueError):
        key_account_clv(m, retention=(1.2,))


def _features() -> tuple[pd.DataFrame, pd.Series]:
    # 4 key clients (3 in "Сети"), 16 others (2 in "Сети")
    seg = ["Сети", "Сети", "Сети", "Опт"] + ["Сети"] * 2 + ["Опт"] * 7 + ["Розница"] * 7
    rev = [5e6, 6e6, 7e6, 4e6] + [1e5 + 1e4 * i for i in range(16)]
    order = [50e3, 60e3, 40e3, 45e3] + [10e3 + 100 * i for i in range(16)]
    reg = ["Москва"] * 20
    idx = [f"c{i:02d}" for i in range(20)]
    f = pd.DataFrame({"segment": seg, "region": reg, "net_revenue": rev, "avg_order": order,
                      "dso_days": [30.0] * 20}, index=idx)
    is_key = pd.Series([True] * 4 + [False] * 16, index=idx)
    return f, is_key


def test_portrait_lift_and_headline() -> None:
    f, is_key = _features()
    p = portrait(f, is_key)
    cat = p["categorical"]
    seti = cat[(cat["feature"] == "segment") & (cat["value"] == "Сети")].iloc[0]
    assert seti["key_share"] == pytest.approx(0.75)
    assert seti["rest_share"] == pytest.approx(2 / 16)
    assert seti["lift"] == pytest.approx(6.0)
    assert cat.iloc[0]["value"] == "Сети"  # the most distinctive level comes first
    num = p["numeric"].set_index("feature")
    assert num.loc["net_revenue", "key_median"] == pytest.approx(5.5e6)
    assert num.loc["net_revenue", "cliffs_delta"] == pytest.approx(1.0)
    assert num.loc["dso_days", "ratio"] == pytest.approx(1.0)
    assert p["numeric"]["feature"].iloc[-1] == "dso_days"
    head = p["headline"]
    assert 1 <= len(head) <= 6
    assert head[0] == "Key clients are 6.0× more often in segment Сети (75% vs 12%)"
    assert any(h.startswith("Median revenue") for h in head)
    assert not any("DSO" in h or "region" in h for h in head)


def test_size_bands() -> None:
    rev = pd.Series(np.arange(100, 0, -1, dtype=float), index=[f"k{i}" for i in range(100)])
    b = size_bands(rev)
    assert b.value_counts().to_dict() == {"S": 50, "M": 30, "L": 15, "XL": 5}
    assert b.iloc[0] == "XL" and b.iloc[5] == "L" and b.iloc[20] == "M" and b.iloc[-1] == "S"
    assert pd.isna(size_bands(pd.Series([1.0, np.nan])).iloc[1])


def test_look_alikes_twin_first_and_exclude() -> None:
    f, is_key = _features()
    f.loc["c10", ["segment", "net_revenue", "avg_order"]] = ["Сети", 5.5e6, 48e3]  # the twin
    f.loc["c11", ["segment", "net_revenue", "avg_order"]] = ["Сети", 5.6e6, 49e3]  # near twin
    out = look_alikes(f, is_key, exclude=pd.Series(["c11"]), top=5)
    assert out.index[0] == "c10" and out["rank"].tolist() == [1, 2, 3, 4, 5]
    assert "c11" not in out.index and not out.index.isin(is_key[is_key].index).any()
    assert out["similarity"].is_monotonic_decreasing
    assert "segment = Сети" in out.loc["c10", "why"] or "net_revenue" in out.loc["c10", "why"]
    again = look_alikes(f, is_key, exclude=f.index.to_series().eq("c11"), top=5)
    pd.testing.assert_frame_equal(out, again)


@pytest.mark.slow
def test_sample_key_client_with_one_contact() -> None:
    from kamlib.config import load_config
    from kamlib.intake import ingest

    r = ingest(str(SAMPLE), load_config(str(SAMPLE / "engagement.yaml")))
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))
    cov = contact_coverage(r.table("contacts"), entities=r.table("clients")["client_id"])
    one = truth["key_client_one_contact"]["code"]
    assert cov.loc[one, "contacts"] == 1 and bool(cov.loc[one, "single_point"])
    assert "one contact (" in cov.loc[one, "risk"]
    top = [e["code"] for e in truth["concentration"]["top3_entities"]] + [truth["vip"]["code"]]
    lo = min(truth["key_client_one_contact"]["other_top20_contacts"])
    hi = max(truth["key_client_one_contact"]["other_top20_contacts"])
    for code in top:
        assert lo <= cov.loc[code, "contacts"] <= hi
        assert not cov.loc[code, "single_point"], code


def test_the_busiest_owner_is_found_per_entity_with_ties_to_the_first_name() -> None:
    """Two clients side by side: one client's owners never leak into the other's counts, an
    owner spelled two ways is one person, and the owner's first spelling is kept."""
    rows = [
        ("X", "Аксёнов А.", "ЛПР", "  Яковлев Я. ", "2024-05-01"),
        ("X", "Борисов Б.", "Пользователь", "яковлев я.", "2024-05-02"),
        ("X", "Васин В.", "Закупщик", "Бобров Б.", "2024-05-03"),
        ("X", "Гаев Г.", "Коуч", "Бобров Б.", "2024-05-04"),
        ("Y", "Дронов Д.", "ЛПР", "Яковлев Я.", "2024-05-05"),
        ("Y", "Ершов Е.", "ЛПР", "Яковлев Я.", "2024-05-06"),
    ]
    df = pd.DataFrame(rows, columns=["client_id", "person", "role", "owner", "last_contact_date"])
    out = contact_coverage(df, pd.Series(["X", "Y"]))
    assert out.loc["X", "our_people"] == 2 and out.loc["X", "top_owner_share"] == 0.5
    assert out.loc["Y", "our_people"] == 1 and bool(out.loc["Y", "single_point"])
    assert "all through Яковлев Я." in out.loc["Y", "risk"]
    codes = json.loads(out.loc["Y", "risk_codes"])
    assert {"code": "all_through", "args": {"owner": "Яковлев Я."}} in codes


def test_look_alikes_keep_their_reasons_as_codes() -> None:
    """The two features of ``why`` are also stored as reasons a page phrases in its language."""
    import json

    f, is_key = _features()
    f.loc["c10", ["segment", "net_revenue", "avg_order"]] = ["Сети", 5.5e6, 48e3]
    out = look_alikes(f, is_key, top=5)
    for why, because in zip(out["why"], out["similar_because"], strict=True):
        reasons = json.loads(because)
        assert len(reasons) == len(why.split("; ")) == 2
        for r, part in zip(reasons, why.split("; "), strict=True):
            assert part.startswith(r["args"]["feature"])
            assert r["code"] == ("look_alike_category" if " = " in part else "look_alike_number")
            if r["code"] == "look_alike_number":
                assert r["args"]["key_median"] == pytest.approx(
                    float(f.loc[is_key, r["args"]["feature"]].median()))
