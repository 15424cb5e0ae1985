"""kamlib.legal_forms: the one list of legal forms, read by step 1's names and, through a
named subset, by the intake's exact-match name key (issue 20)."""

from __future__ import annotations

import pytest

from kamlib.cleanup import names
from kamlib.cleanup.names import normalize_name
from kamlib.intake import name_key
from kamlib.legal_forms import LEGAL_FORMS, NAME_KEY_FORMS, abbreviations

#: the intake's own list before issue 20, literally: the subset must stay exactly this
_INTAKE_BEFORE = {"ооо", "оао", "зао", "пао", "нао", "ао", "ип", "гуп", "муп", "ано", "тоо",
                  "llc", "ltd", "gmbh", "inc", "plc", "jsc", "ojsc", "cjsc"}


def test_one_list() -> None:
    assert names.LEGAL_FORMS is LEGAL_FORMS
    assert set(NAME_KEY_FORMS) <= set(LEGAL_FORMS)


def test_the_name_keys_subset_is_the_intakes_list_of_before() -> None:
    assert abbreviations(NAME_KEY_FORMS) == _INTAKE_BEFORE


def test_abbreviations_of_an_unknown_form() -> None:
    assert abbreviations(["ФГУП", "SA"]) == {"фгуп", "sa"}
    with pytest.raises(KeyError):
        abbreviations(["XYZ"])


@pytest.mark.parametrize(("name", "key"), [
    ("ООО «Вектор»", "ооо|вектор"),
    ("Вектор ООО", "ооо|вектор"),
    ('ооо  "Вектор"', "ооо|вектор"),
    ("Acme Ltd.", "ltd|acme"),
    ("АО Сбер ПАО", "ао|сбер"),           # the first form found is the key's
    ("Acme SA", "|acme sa"),              # SA is in the list but not in the name key's subset
    ("ООО", None),                        # a form alone names nobody
])
def test_name_key(name: str, key: str | None) -> None:
    assert name_key(name) == key


@pytest.mark.parametrize(("name", "form", "core"), [
    ("ООО «Вектор»", "ООО", "вектор"),
    ("Общество с ограниченной ответственностью Вектор", "ООО", "вектор"),
    ("Acme SA", "SA", "acme"),            # step 1 knows every form of the list
    ("Vektor GmbH", "GMBH", "vektor"),
])
def test_step_1_finds_every_form_of_the_list(name: str, form: str, core: str) -> None:
    parts = normalize_name(name)
    assert (parts.legal_form, parts.core) == (form, core)
