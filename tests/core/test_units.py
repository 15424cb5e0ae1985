"""kamlib.units: exact money with its currency, reasons as codes, on hand-computed amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import TypeAdapter, ValidationError

from kamlib.units import Count, Money, Reason, Share, money, reason, stored_reasons, to_decimal


@pytest.mark.parametrize(("x", "expected"), [
    (0.1, "0.10"),                 # through the float's repr, not its binary expansion
    (1234.565, "1234.56"),         # half-even: …5 after an even cent stays down
    (1234.575, "1234.58"),         # …5 after an odd cent goes up
    (7, "7.00"),
    ("  -12.345 ", "-12.34"),
    (Decimal("2.675"), "2.68"),
])
def test_to_decimal_rounds_half_even_to_the_cent(x: object, expected: str) -> None:
    assert to_decimal(x) == Decimal(expected)
    assert str(to_decimal(x)) == expected


@pytest.mark.parametrize("x", [float("nan"), float("inf"), "abc", True, Decimal("Infinity")])
def test_to_decimal_refuses_what_is_not_an_amount(x: object) -> None:
    with pytest.raises(ValueError, match="amount"):
        to_decimal(x)


def test_money_adds_exactly_in_one_currency_and_refuses_two() -> None:
    a = Money(amount=0.1, currency="RUB")
    b = Money(amount=0.2, currency="RUB")
    assert (a + b).amount == Decimal("0.30")           # not 0.30000000000000004
    assert (-a).amount == Decimal("-0.10") and float(a) == 0.1
    with pytest.raises(ValueError, match="cannot add USD to RUB"):
        a + Money(amount=1, currency="USD")


@pytest.mark.parametrize("cur", ["rub", "RU", "RUBL", "R1B"])
def test_money_needs_an_iso_code(cur: str) -> None:
    with pytest.raises(ValidationError):
        Money(amount=1, currency=cur)


def test_json_forms() -> None:
    assert money(1234.5, "EUR") == {"amount": "1234.50", "currency": "EUR"}
    assert reason("cap_reached", rank=41, cap=35) == {
        "code": "cap_reached", "args": {"rank": 41, "cap": 35}}
    with pytest.raises(ValidationError):
        Reason(code="Cap reached")                      # a code, never a sentence


def test_stored_reasons_read_back_json_text_and_empty_args() -> None:
    out = stored_reasons(["a", "b", "c"], ['{"n": 3}', "", None])
    assert out == [{"code": "a", "args": {"n": 3}}, {"code": "b", "args": {}},
                   {"code": "c", "args": {}}]
    with pytest.raises(ValueError):
        stored_reasons(["a", "b"], ["{}"])             # the two columns must be as long


def test_share_and_count_bounds() -> None:
    assert TypeAdapter(Share).validate_python(0.25) == 0.25
    for bad in (-0.01, 1.01, float("nan")):
        with pytest.raises(ValidationError):
            TypeAdapter(Share).validate_python(bad)
    with pytest.raises(ValidationError):
        TypeAdapter(Count).validate_python(-1)
