"""The canonical tables (kamlib.schema): header folding and the synonyms real exports use."""

from __future__ import annotations

import pytest

from kamlib.schema import TABLES, header_key, table


@pytest.mark.parametrize(("a", "b"), [
    ("Сумма с НДС, руб.", "сумма с ндс"),
    ("Сумма (руб.)", "СУММА"),
    ("Счёт", "Счет"),
    ("Код  контрагента", "код_контрагента"),
    ("Net revenue", "NET-REVENUE"),
])
def test_headers_fold_to_the_same_key(a: str, b: str) -> None:
    assert header_key(a) == header_key(b)


def test_different_headers_stay_different() -> None:
    assert header_key("Сумма НДС") != header_key("Сумма")
    assert header_key("ИНН") != header_key("КПП")


def test_every_synonym_names_one_field_of_its_table() -> None:
    for t in TABLES.values():
        seen: dict[str, str] = {}
        for f in t.fields:
            for key in {header_key(f.name), *(header_key(s) for s in f.synonyms)}:
                assert seen.setdefault(key, f.name) == f.name, (t.name, key)


def test_the_1c_headers_of_a_sales_register_are_recognised() -> None:
    sales = table("sales")
    by_key = {header_key(s): f.name for f in sales.fields for s in (f.name, *f.synonyms)}
    assert by_key[header_key("Код контрагента")] == "client_id"
    assert by_key[header_key("Контрагент")] == "client_name"
    assert "client_id" in {f.name for f in sales.canonical}
    with pytest.raises(KeyError):
        sales.field("no_such_field")


@pytest.mark.parametrize("header", ["НДС %", "% НДС", "VAT %", "Ставка НДС"])
def test_a_vat_rate_column_is_never_read_as_the_vat_amount(header: str) -> None:
    from kamlib.intake.detect import _map_headers

    chosen, _ = _map_headers(["Контрагент", "Сумма", "НДС", header], table("sales"))
    assert chosen["vat"] == 2 and chosen["vat_rate"] == 3
