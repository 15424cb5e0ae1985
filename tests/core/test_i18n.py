"""The language layer (kamlib.i18n): strings with values, plural forms, dates."""

from __future__ import annotations

from datetime import date

import pytest

from kamlib.i18n import Formatter, Strings, load_strings, plural_form


def test_a_date_ending_a_sentence_keeps_one_point() -> None:
    ru = Formatter("ru")
    s = Strings("ru", {"x": "Пришлите до {date}. Потом — остальное.",
                       "y": "Сумма {v}.. и многоточие... остаются"})
    assert ru.date(date(2026, 3, 9)) == "9\u00a0марта 2026\u00a0г."
    assert s.t("x", date=ru.date(date(2026, 3, 9))) == \
        "Пришлите до 9\u00a0марта 2026\u00a0г. Потом — остальное."
    assert s.t("x", date="завтра") == "Пришлите до завтра. Потом — остальное."
    assert s.t("y", v="12,3 млн") == "Сумма 12,3 млн. и многоточие... остаются"


def test_the_letters_deadline_reads_right() -> None:
    strings = load_strings("ru")
    key = next(k for k in strings.table if k.endswith(".deadline"))
    text = strings.t(key, date=Formatter("ru").date(date(2026, 3, 9)))
    assert "г.." not in text and "2026\u00a0г. Первую" in text


@pytest.mark.parametrize(("n", "form"), [(1, "one"), (2, "few"), (5, "many"), (11, "many"),
                                         (21, "one"), (22, "few"), (112, "many")])
def test_russian_plural_forms(n: int, form: str) -> None:
    assert plural_form("ru", n) == form
    assert plural_form("en", n) == ("one" if n == 1 else "other")
