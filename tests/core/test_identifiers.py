"""Unit tests of kamlib.identifiers: INN, KPP, OGRN / OGRNIP."""

from __future__ import annotations

import random

import pytest

from kamlib.identifiers import (
    is_valid_inn,
    is_valid_kpp,
    is_valid_ogrn,
    tax_id_problem,
    valid_inn_mask,
)


def _digit(body: str, weights: tuple[int, ...]) -> str:
    return str(sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10)


def make_inn12(first10: str) -> str:
    """Append the two check digits of a 12-digit INN (FTS formula, written independently)."""
    w11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    w12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
    eleven = first10 + _digit(first10, w11)
    return eleven + _digit(eleven, w12)


def make_inn10(first9: str) -> str:
    return first9 + _digit(first9, (2, 4, 10, 3, 5, 9, 4, 6, 8))


def make_ogrn(first12: str) -> str:
    return first12 + str(int(first12) % 11 % 10)


def make_ogrnip(first14: str) -> str:
    return first14 + str(int(first14) % 13 % 10)


# --------------------------------------------------------------------------- INN


@pytest.mark.parametrize(
    "inn",
    ["7707083893",            # Sberbank
     "7830002293",
     "500100732259",          # a 12-digit INN (person)
     make_inn12("7707123456"),
     make_inn10("526317984")],
)
def test_valid_inn(inn: str) -> None:
    assert is_valid_inn(inn), inn
    assert tax_id_problem(inn) is None


def test_inn12_computed_is_valid_and_each_check_digit_matters() -> None:
    inn = make_inn12("7707123456")
    assert len(inn) == 12 and is_valid_inn(inn)
    for pos in (10, 11):
        wrong = inn[:pos] + str((int(inn[pos]) + 1) % 10) + inn[pos + 1:]
        assert not is_valid_inn(wrong), f"check digit {pos + 1} changed: {wrong}"


def test_inn_random_round_trip() -> None:
    rng = random.Random(11)
    for _ in range(300):
        inn10 = make_inn10(f"{rng.randrange(1, 10**9):09d}")
        inn12 = make_inn12(f"{rng.randrange(1, 10**10):010d}")
        assert is_valid_inn(inn10), inn10
        assert is_valid_inn(inn12), inn12
        bad = inn10[:9] + str((int(inn10[9]) + 1 + rng.randrange(9)) % 10)
        assert not is_valid_inn(bad), bad


@pytest.mark.parametrize(
    "inn",
    ["7707083894", "7707083890", "500100732258", "500100732269"],
)
def test_invalid_inn_check_digit(inn: str) -> None:
    assert not is_valid_inn(inn), inn
    assert "check digit" in (tax_id_problem(inn) or "")


@pytest.mark.parametrize(
    "inn", ["770708389", "77070838931", "7707083893000", "", "1", "77070838930"])
def test_inn_wrong_length(inn: str) -> None:
    assert not is_valid_inn(inn), inn
    if inn:
        assert "digits" in (tax_id_problem(inn) or ""), tax_id_problem(inn)
    else:
        assert tax_id_problem(inn) is None, "empty is not a problem"


@pytest.mark.parametrize(
    "inn", ["77070838A3", "7707 083893", " 7707083893", "7707083893 ", "7707-83893"])
def test_inn_non_digits(inn: str) -> None:
    assert not is_valid_inn(inn), repr(inn)


@pytest.mark.parametrize("value", ["７７０７０８３８９３", "٧٧٠٧٠٨٣٨٩٣"],
                         ids=["fullwidth", "arabic-indic"])
def test_inn_non_ascii_digits_invalid(value: str) -> None:
    assert not is_valid_inn(value), repr(value)


@pytest.mark.parametrize("foreign", ["FR595951746", "DE123456789", "77070838A3"])
def test_ids_with_letters_are_not_checked_as_inns(foreign: str) -> None:
    """Foreign VAT numbers are tax ids, not INNs: no INN problem is reported for them (an
    invalid VAT number gets a VAT problem instead: tests/cleanup/test_foreign_vat.py)."""
    assert "INN" not in (tax_id_problem(foreign) or "")
    assert not is_valid_inn(foreign)


@pytest.mark.parametrize("inn", ["0000000000", "000000000000"])
def test_inn_all_zeros_invalid(inn: str) -> None:
    assert not is_valid_inn(inn), "all zeros pass the checksum but are not an INN"
    assert tax_id_problem(inn) is not None


def test_inn_none() -> None:
    assert is_valid_inn(None) is False
    assert tax_id_problem(None) is None


# --------------------------------------------------------------------------- OGRN / OGRNIP


@pytest.mark.parametrize(
    "ogrn",
    ["1027700132195",         # Sberbank OGRN
     "304463210700212",       # OGRNIP whose remainder mod 13 is 12 (stdnum gets this wrong)
     make_ogrn("102770013219"),
     make_ogrnip("31277460010000")],
)
def test_valid_ogrn(ogrn: str) -> None:
    assert is_valid_ogrn(ogrn), ogrn


def test_ogrnip_two_digit_remainder() -> None:
    assert int("30446321070021") % 13 == 12, "the case that needs mod 13 mod 10"
    assert is_valid_ogrn("304463210700212")
    assert not is_valid_ogrn("304463210700211")


@pytest.mark.parametrize(
    "ogrn",
    ["1027700132194", "1027700132196", "304463210700213", "30446321070021", "102770013219",
     "10277001321950", "102770013219A", "", "1027700132195 "],
)
def test_invalid_ogrn(ogrn: str) -> None:
    assert not is_valid_ogrn(ogrn), ogrn


def test_ogrn_none() -> None:
    assert is_valid_ogrn(None) is False


def test_ogrn_random_round_trip() -> None:
    rng = random.Random(5)
    for _ in range(300):
        o = make_ogrn(f"{rng.randrange(10**11, 10**12)}")
        ip = make_ogrnip(f"{rng.randrange(10**13, 10**14)}")
        assert is_valid_ogrn(o), o
        assert is_valid_ogrn(ip), ip
        assert not is_valid_ogrn(o[:12] + str((int(o[12]) + 1) % 10)), o


# --------------------------------------------------------------------------- KPP


@pytest.mark.parametrize("kpp", ["770701001", "7707AB001", "773601001", "500101001"])
def test_valid_kpp(kpp: str) -> None:
    assert is_valid_kpp(kpp), kpp


@pytest.mark.parametrize(
    "kpp", ["77070100", "7707010011", "7707ab001", "770A01001", "77070100A", "", "7707 1001",
            "7707AB00"])
def test_invalid_kpp(kpp: str) -> None:
    assert not is_valid_kpp(kpp), kpp


def test_kpp_none() -> None:
    assert is_valid_kpp(None) is False



def test_valid_inn_mask_is_is_valid_inn_on_every_value() -> None:
    rng = random.Random(5)
    values: list[object] = [None, float("nan"), "", "0000000000", "000000000000", "7707083893",
                            "500100732259", "١٢٣٤٥٦٧٨٩٠", "77070838 3", "DE136695976", 7707083893]
    for _ in range(10_000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.choice((9, 10, 11, 12, 13))))
        values += [digits, make_inn10(digits[:9]), make_inn12(digits[:10].ljust(10, "1"))]
    want = [isinstance(v, str) and is_valid_inn(v) for v in values]
    assert valid_inn_mask(values).tolist() == want
    assert 0 < sum(want) < len(want)
