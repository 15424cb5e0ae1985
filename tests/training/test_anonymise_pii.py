"""Personal data inside free text does not reach a training copy (kamlib.pii in
kamlib.training.anonymise): phones, e-mails and tax ids in names, people's names in the segment or
the function column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kamlib.pii import find_pii, known_surnames
from kamlib.training.anonymise import anonymise_engagement

CLIENTS = (
    "Код;Наименование;ИНН;Регион;Сегмент;Основной менеджер\r\n"
    "K1;ООО Ромашка тел. 8 (495) 123-45-67;7707083893;Москва;Розница;Сидоров А.А.\r\n"
    "K2;ООО Лютик ivan.petrov@lutik-trade.ru;7736050003;Москва;Опт Иванов И.И.;Сидоров А.А.\r\n"
    "K3;ООО Вектор ИНН 7702070139;;Тверь;Сидоров;Сидоров А.А.\r\n"
    "K4;ООО Гамма;500100732259;Тверь;Key John Smith;Сидоров А.А.\r\n"
)
SALES = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
         "01.02.2024;Д1;K1;10,00\r\n02.02.2024;Д2;K2;20,00\r\n"
         "03.02.2024;Д3;K3;30,00\r\n04.02.2024;Д4;K4;40,00\r\n")
CONTACTS = ("Код контрагента;Контактное лицо;Роль;Функция\r\n"
            "K1;Петров Пётр Петрович;ЛПР;Закупки, +7 916 555-12-34\r\n"
            "K2;Анна Кузнецова;Влияет;Закупки anna.k@lutik-trade.ru\r\n")
ORIGINALS = ["123-45-67", "ivan.petrov", "lutik-trade", "7702070139", "Иванов И.И.",
             "John Smith", "555-12-34", "anna.k@", "Петров Пётр"]


def test_find_pii_kinds() -> None:
    kinds = {m.text: m.kind for m in find_pii(
        "ООО Ромашка 8 (495) 123-45-67 a.b@c.ru ИНН 7707083893 Иванов И.И. от 2024-01-02")}
    assert kinds == {"8 (495) 123-45-67": "phone or tax id", "a.b@c.ru": "e-mail",
                     "7707083893": "phone or tax id", "Иванов И.И.": "person name"}
    assert [m.text for m in find_pii("Розница Key Accounts Москва ТД 2000")] == []
    assert [m.text for m in find_pii("Сегмент Сидоров",
                                     known=known_surnames(["Сидоров А.А."]))] == ["Сидоров"]
    assert [m.text for m in find_pii("Retail Mary Jones")] == ["Mary Jones"]


def test_identifiers_in_free_text_are_replaced(make_engagement, tmp_path: Path) -> None:
    src = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES,
                           "contacts.csv": CONTACTS}, client="ООО Клиент info@client.ru")
    out = tmp_path / "training"
    res = anonymise_engagement(src, out, seed=7, factor=1.5, shift_years=-4)
    text = "\n".join(p.read_text("utf-8") for p in sorted(out.rglob("*"))
                     if p.is_file() and p.suffix in (".csv", ".yaml"))
    leaked = [o for o in [*ORIGINALS, "info@client.ru", "Сидоров"] if o in text]
    assert leaked == [], leaked
    # the categories are kept, the structure of what was replaced too
    assert "Розница" in text and "Москва" in text and "ЛПР" in text
    assert re.search(r"contact-\d{8}@example\.org", text)
    assert re.search(r"\d \(\d{3}\) \d{3}-\d{2}-\d{2}", text), "a phone stays phone-shaped"
    assert res.files_written


def test_refuses_when_an_identifier_would_remain(make_engagement, tmp_path: Path,
                                                 monkeypatch) -> None:
    from kamlib.errors import InputError
    from kamlib.training.anonymise import builder

    src = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    # a column the anonymiser copies as it is, and that is not scanned: the check catches it
    monkeypatch.setattr(builder, "_FREE", {})
    with pytest.raises(InputError) as info:
        anonymise_engagement(src, tmp_path / "out", seed=7, factor=1.5, shift_years=-4)
    err = info.value
    assert err.column in ("Сегмент", "segment") or "Сегмент" in str(err)
    assert "person name" in str(err) and "nothing was written" in str(err)
    assert not (tmp_path / "out").exists()
