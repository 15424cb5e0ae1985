"""Exact money sums (kamlib.sums): the same bits whatever the order of the lines."""

from __future__ import annotations

import random

import polars as pl
import pytest

from kamlib.sums import exact_sum


def test_exact_sum_is_exact_where_floats_are_not() -> None:
    df = pl.DataFrame({"v": [0.1] * 10})
    assert df.select(pl.col("v").sum()).item() != 1.0          # 0.9999999999999999
    assert df.select(exact_sum(pl.col("v"))).item() == 1.0
    df = pl.DataFrame({"v": [1e15, 0.01, -1e15, 0.02, None]})
    assert df.select(exact_sum(pl.col("v"))).item() == pytest.approx(0.03, abs=1e-12)


def test_grouped_sums_do_not_depend_on_the_lines_order() -> None:
    rng = random.Random(7)
    rows = [(f"c{rng.randrange(40)}", round(rng.uniform(-5e4, 3e6), 2) / 1.2)
            for _ in range(60_000)]
    seen = set()
    for seed in range(4):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        df = pl.DataFrame(shuffled, schema=["client", "amount"], orient="row")
        out = df.group_by("client").agg(s=exact_sum(pl.col("amount"))).sort("client")
        seen.add(tuple(out["s"].to_list()))
    assert len(seen) == 1


def test_a_nan_amount_is_refused_not_skipped() -> None:
    with pytest.raises(pl.exceptions.InvalidOperationError):
        pl.DataFrame({"v": [1.0, float("nan")]}).select(exact_sum(pl.col("v")))
