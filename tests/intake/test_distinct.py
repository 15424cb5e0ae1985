"""Parsing once per distinct value gives what parsing every row gives."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_series_equal

from kamlib.intake.fileparse import _by_distinct, _text
from kamlib.parse import clean_id, parse_date, parse_number


def _many(values: list[str | None]) -> pl.Series:
    return pl.Series("c", values * 50, dtype=pl.String)  # few distinct values, many rows


def test_dates_by_distinct_value_equal_row_by_row() -> None:
    s = _many(["31.12.2024 0:00:00", "32.13.2024", None, "", "2024-03-05", "05/06/2024",
               "45000", " 01.02.2023 "])
    for got, want in zip(_by_distinct(s, parse_date), parse_date(s), strict=True):
        assert_series_equal(got, want)


def test_numbers_codes_text_by_distinct_value_equal_row_by_row() -> None:
    s = _many(["1 234,5", "abc", None, "", "-3", "(2,5)", "7707083893.0", " x ", "\u00a0y"])
    for got, want in zip(_by_distinct(s, lambda u: parse_number(u, decimal=",")),
                         parse_number(s, decimal=","), strict=True):
        assert_series_equal(got, want)
    assert_series_equal(_by_distinct(s, lambda u: (clean_id(u),))[0], clean_id(s))
    assert_series_equal(_by_distinct(s, lambda u: (_text(u),))[0], _text(s))


def test_mostly_distinct_column_is_parsed_whole() -> None:
    s = pl.Series("c", [str(i) for i in range(100)])
    calls: list[int] = []

    def fn(u: pl.Series) -> tuple[pl.Series]:
        calls.append(u.len())
        return (u,)

    _by_distinct(s, fn)
    assert calls == [100]
