"""kamlib.errors: every error says where (file, sheet, row, column, value) and what to do."""

from __future__ import annotations

from kamlib.errors import InputError, KamError, ReportError


def test_message_with_its_place_and_remedy() -> None:
    e = InputError("not a date", file="sales.csv", sheet="Лист1", row=7, column="Дата",
                   value="31.02.2024", hint="correct the date")
    assert str(e) == ("sales.csv, sheet 'Лист1', row 7, column 'Дата', value '31.02.2024': "
                      "not a date\n  What to do: correct the date")
    assert e.args == (str(e),)
    assert isinstance(e, KamError)


def test_a_long_value_is_cut_and_row_zero_is_a_row() -> None:
    e = KamError("bad", row=0, value="x" * 100)
    assert e.where() == "row 0, value '" + "x" * 77 + "...'"
    assert str(KamError("plain")) == "plain"


def test_to_dict() -> None:
    e = ReportError("missing figure", file="summary.json", value=12.5)
    assert e.to_dict() == {"type": "ReportError", "message": "missing figure",
                           "file": "summary.json", "sheet": None, "row": None,
                           "column": None, "value": "12.5", "hint": None}
