"""Dropping rows (totals, empty lines, rejected rows) by a slice where it can: the same rows
as a filter, in every arrangement of the dropped rows."""

from __future__ import annotations

import random

import polars as pl
from polars.testing import assert_frame_equal

from kamlib.intake.fileparse import _without


def _frame(n: int) -> pl.DataFrame:
    return pl.DataFrame({"_row": range(2, n + 2), "v": [f"значение {i}" for i in range(n)]})


def test_same_rows_as_a_filter_in_any_arrangement() -> None:
    rnd = random.Random(5)
    df = _frame(40)
    masks = [[False] * 40, [True] * 40, [i == 39 for i in range(40)], [i < 3 for i in range(40)],
             [i < 2 or i > 36 for i in range(40)], [i in (0, 20, 39) for i in range(40)],
             [i in (38, 39) for i in range(40)], [i == 0 for i in range(40)]]
    masks += [[rnd.random() < p for _ in range(40)] for p in (0.05, 0.3, 0.9) for _ in range(20)]
    for m in masks:
        drop = pl.Series(m)
        assert_frame_equal(_without(df, drop), df.filter(~drop))


def test_nothing_dropped_is_the_frame_itself() -> None:
    df = _frame(10)
    assert _without(df, pl.Series([False] * 10)) is df


def test_empty_frame() -> None:
    df = _frame(0)
    assert_frame_equal(_without(df, pl.Series([], dtype=pl.Boolean)), df)
