"""Parsing a repeated column once per distinct value (intake.fileparse._by_distinct): the
same values as parsing it whole, with or without anything to change."""

from __future__ import annotations

import random

import polars as pl
from polars.testing import assert_series_equal

from kamlib.intake.fileparse import _by_distinct, _text


def test_same_as_whole_with_and_without_changes() -> None:
    rnd = random.Random(8)
    names = ["ООО Ромашка", "ИП Орлов", "АО «Север»", "Plain Ltd"]
    dirty = [*names, " ООО Ромашка ", "", "  ", None]
    for pool in (names, dirty, [*names, None]):
        s = pl.Series("Контрагент", [rnd.choice(pool) for _ in range(400)], dtype=pl.String)
        (got,) = _by_distinct(s, lambda u: (_text(u),))
        assert_series_equal(got, _text(s).alias(got.name), check_names=False)
    clean = pl.Series("Контрагент", [rnd.choice(names) for _ in range(400)])
    (same,) = _by_distinct(clean, lambda u: (_text(u),))
    assert same.to_list() == clean.to_list()
