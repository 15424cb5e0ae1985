"""Typed summaries (kamlib.summaries): units declared per figure, wrong units refused,
money exact with its currency."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kamlib.errors import ReconciliationError
from kamlib.summaries import unit_of, validate_summary, write_summary

INTAKE = {"files": 3, "clients": 120, "sales_lines": 4_000, "rejected_rows": 2,
          "net_revenue": {"amount": "98765432.10"}, "rejected_money": "1234.56",
          "anything_else": "kept as it is"}


def test_units_of_figures() -> None:
    assert unit_of("02", "concentration.top3") == "share"
    assert unit_of("02", "large_loss_makers.0.contribution") == "money"
    assert unit_of("00", "sales_lines") == "count"
    assert unit_of("02", "no.such.figure") is None


@pytest.mark.parametrize(("field", "value"), [("clients", -1), ("rejected_money", "n/a"),
                                              ("net_revenue", float("inf"))])
def test_a_figure_in_the_wrong_unit_is_a_bug_of_the_step(field: str, value: object) -> None:
    with pytest.raises(ReconciliationError) as err:
        validate_summary("00", {**INTAKE, field: value})
    assert field in err.value.message and "bug of the step" in err.value.hint


def test_money_is_exact_and_written_with_its_currency(tmp_path) -> None:
    out = write_summary("00", tmp_path / "summary.json", INTAKE, currency="RUB")
    back = json.loads((tmp_path / "summary.json").read_text("utf-8"), parse_float=Decimal)
    assert out["currency"] == back["currency"] == "RUB"
    assert back["net_revenue"] == Decimal("98765432.10")
    assert back["rejected_money"] == Decimal("1234.56")
    assert back["anything_else"] == "kept as it is"
