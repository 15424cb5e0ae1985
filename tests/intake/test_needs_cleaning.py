"""The code-column check (edge spaces, NBSP, '.0' ends, blanks) split into side-by-side tests:
the same answer as the one alternation it replaced, on values built to hit each pattern."""

from __future__ import annotations

import random

import polars as pl

from kamlib.intake.fileparse import _needs_cleaning

_OLD = r"^\s|\s$|^$|\.0+$|[\u00a0\u202f]"
_PIECES = ["00012", "Реализация 000221 от 25.10.2024", " ", "\t", "\u00a0", "\u202f", ".0", ".00",
           "0.", "1.05", "К-17", "", "\n", "x"]


def _value(rnd: random.Random) -> str:
    return "".join(rnd.choice(_PIECES) for _ in range(rnd.randint(0, 3)))


def test_same_answer_as_the_single_regex() -> None:
    rnd = random.Random(14)
    seen = set()
    for _ in range(3000):
        vals = [_value(rnd) for _ in range(rnd.randint(1, 4))]
        if rnd.random() < 0.2:
            vals.append(None)
        s = pl.Series("Код", vals, dtype=pl.String)
        want = bool(s.str.contains(_OLD).any())
        assert _needs_cleaning(s) == want, vals
        seen.add(want)
    assert seen == {True, False}


def test_clean_codes_and_each_kind_of_dirt() -> None:
    clean = pl.Series("", ["00012", "К-17", "1.05", None])
    assert not _needs_cleaning(clean)
    for dirty in (" 00012", "00012 ", "", "12.0", "12.000", "00\u00a0012", "00\u202f012"):
        assert _needs_cleaning(pl.Series("", ["00012", dirty])), repr(dirty)
