"""The key clients' portrait's headlines as reason codes, phrased in Russian with the run's
figures and in English as the step's own sentences say (issue 21)."""

from __future__ import annotations

import pandas as pd

from kamlib.i18n import Formatter, load_strings, say
from kamlib.selection.portrait import portrait

NB = "\u00a0"


def _features() -> tuple[pd.DataFrame, pd.Series]:
    """8 clients, 4 key. Segment «Сети»: 3 of 4 key (75%), 1 of 4 others (25%): lift 3.0.
    Revenue: key 10, 12, 14, 16 M (median 13 M), others 1, 2, 3, 4 M (median 2.5 M):
    ratio 5.2."""
    idx = [f"E{i}" for i in range(8)]
    f = pd.DataFrame({
        "segment": ["Сети", "Сети", "Сети", "Опт", "Сети", "Опт", "Опт", "Опт"],
        "net_revenue": [10e6, 12e6, 14e6, 16e6, 1e6, 2e6, 3e6, 4e6]}, index=idx)
    return f, pd.Series([True] * 4 + [False] * 4, index=idx)


def test_the_headlines_and_their_reasons_agree() -> None:
    f, key = _features()
    pic = portrait(f, key, categorical=("segment",), numeric=("net_revenue",))
    assert pic["headline"] == ["Key clients are 3.0× more often in segment Сети (75% vs 25%)",
                               "Median revenue 5.2× the rest (13.0 M vs 2.5 M)"]
    cat, num = pic["headline_reasons"]
    assert cat == {"code": "portrait_more_often",
                   "args": {"feature": "segment", "value": "Сети", "key_share": 0.75,
                            "rest_share": 0.25, "lift": 3.0}}
    assert num["code"] == "portrait_median_ratio"
    assert num["args"] == {"feature": "net_revenue", "key_median": 13e6, "rest_median": 2.5e6,
                           "ratio": 5.2}
    ru, fmt = load_strings("ru"), Formatter("ru")
    assert say(cat, ru, fmt) == (f"Сегмент «Сети»: у ключевых клиентов в 3,0 раза чаще "
                                 f"(75,0{NB}% против 25,0{NB}%)")
    assert say(num, ru, fmt) == (f"Выручка: медиана у ключевых клиентов — 5,2 × медианы "
                                 f"остальных (13,0{NB}млн против 2,5{NB}млн)")
    en, fen = load_strings("en"), Formatter("en")
    assert say(cat, en, fen) == ("Key clients are 3.0× more often in segment Сети "
                                 "(75.0% vs 25.0%)")
    assert say(num, en, fen) == pic["headline"][1]


def test_only_key_and_compact_numbers() -> None:
    f, key = _features()
    f["segment"] = ["Сети"] * 4 + ["Опт"] * 4       # only key clients in «Сети»
    pic = portrait(f, key, categorical=("segment",), numeric=())
    r = pic["headline_reasons"][0]
    assert r["code"] == "portrait_only_key" and r["args"]["key_share"] == 1.0
    assert say(r, load_strings("ru"), Formatter("ru")) == (
        f"Сегмент «Сети»: 100,0{NB}% ключевых клиентов, у остальных — ни одного")
    ru, en = Formatter("ru"), Formatter("en")
    assert [ru.compact(x) for x in (229_000, 11_940_000, 2.67, 450, 3.2e9)] == \
        [f"229{NB}тыс.", f"11,9{NB}млн", "2,67", "450", f"3,2{NB}млрд"]
    assert [en.compact(x) for x in (229_000, 11_940_000, 2.67, 450)] == \
        ["229 k", "11.9 M", "2.67", "450"]
