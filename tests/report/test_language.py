"""The language a consultant writes, without a run: step 4's recommendation through the
string tables (Russian money and percentages, counted nouns agreeing, no English in Russian
and no Cyrillic in English) and the board's action titles' plural forms."""

from __future__ import annotations

import re

import pytest

from kamlib.i18n import load_strings
from kamlib.sizing import _recommendation, _staffing_sentence

#: a business case as step 4 hands it to the sentence (kamlib.sizing.economics)
_BC = {"cost": {"total": 21_583_918.93, "new_cash": 5_338_363.50, "reallocated": 16_245_555.43},
       "needed_uplift": 0.157527, "trend": -0.049, "uplifts": {"base": 0.05, "high": 0.1},
       "break_even": {"ratio": 0.3174}, "verdict": {"code": "needs_growth_against_trend"},
       "key_person": {"flag": True, "kam": "Иванова А. Б.", "revenue_share": 0.494},
       "existing": 4, "new_hires": 2}


def _text(lang: str, **kw) -> str:
    args = {"n": 6, "accounts": 35, "hours": 1089.4, "cap": 1344, "bc": _BC, "currency": "RUB",
            "who": "Иванова А. Б.: ООО «Альфа»", "kpis": 4, "kpi_names": "—",
            "staff_txt": _staffing_sentence(2, -4, lang, owners=12)} | kw
    return _recommendation(lang, **args)


def test_step4_recommendation_in_russian() -> None:
    text = _text("ru")
    # hand-written expectations: money exact in roubles, Russian percentages, agreement
    assert "6 KAM на 35 ключевых клиентов (≈ 1\u00a0089 ч в год на KAM из 1\u00a0344" in text
    assert "4 из нынешней команды, 2 — новых сотрудника." in text
    assert "Ключевых клиентов сейчас ведут 12 менеджеров" in text
    assert "Программа стоит 21\u00a0583\u00a0919\u00a0₽ в год: 5\u00a0338\u00a0364\u00a0₽" in text
    assert "должен вырасти на 15,8\u00a0%, тогда как их выручка" in text
    assert "упала на 4,9\u00a0%" in text and "вопреки" in text
    assert "ведёт 49,4\u00a0% выручки ключевых клиентов" in text
    assert "Оценка KAM по 4 показателям" in text
    latin = set(re.findall(r"\b[A-Za-z]{2,}\b", text)) - {"KAM"}
    assert not latin, latin
    assert "RUB" not in text and "{" not in text
    one = _text("ru", accounts=21, kpis=1,
                bc=_BC | {"new_hires": 1},
                staff_txt=_staffing_sentence(None, None, "ru", owners=1))
    assert "на 21 ключевого клиента" in one and "1 — новый сотрудник" in one
    assert "ведёт 1 менеджер " in one and "по 1 показателю" in one


def test_step4_recommendation_in_english() -> None:
    text = _text("en", who="Ivanova: Alpha Ltd", bc=_BC | {"key_person": {
        "flag": True, "kam": "Ivanova", "revenue_share": 0.494}})
    assert "6 KAMs for 35 key clients (≈ 1,089 h a year per KAM out of 1,344 available)" in text
    assert "2 new hires" in text and "RUB\u00a021,583,919" in text
    assert "grow by 15.8%, while their revenue fell by 4.9%" in text
    assert "The key clients are held today by 12 managers" in text
    assert not re.findall(r"[А-Яа-яЁё]", text)
    one = _text("en", n=1, accounts=1, kpis=1, who="x", bc=_BC | {"new_hires": 1,
                "key_person": {"flag": False}})
    assert "1 KAM for 1 key client " in one and "1 new hire." in one and "1 KPI:" in one


@pytest.mark.parametrize(("n", "ru", "en"), [
    (1, "1 клиент даёт половину выручки", "1 client brings half"),
    (3, "3 клиента дают половину выручки", "3 clients bring half"),
    (6, "6 клиентов дают половину выручки", "6 clients bring half"),
    (21, "21 клиент даёт половину выручки", "21 clients bring half"),
])
def test_board_titles_agree_with_their_numbers(n: int, ru: str, en: str) -> None:
    for lang, want in (("ru", ru), ("en", en)):
        title = load_strings(lang).t("board.title.dependency", n50=n, lost_year="X")
        assert title.startswith(want), title


def test_board_strings_have_the_same_placeholders_in_both_languages() -> None:
    ru, en = load_strings("ru"), load_strings("en")
    keys = {k for k in ru.table if k.startswith(("board.", "sizing_text."))}
    assert keys == {k for k in en.table if k.startswith(("board.", "sizing_text."))}
    for k in keys:
        assert ru.fields(k) == en.fields(k), k
        assert not re.search(r"[А-Яа-яЁё]", en.t(k)), k
