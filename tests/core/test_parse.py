"""Unit tests of kamlib.parse: exact money, numbers, percents, dates, flags and ids."""

from __future__ import annotations

import random
from datetime import date

import polars as pl
import pytest

from kamlib.parse import (
    clean_id,
    dash_as_zero,
    decimal_separator,
    minor_to_str,
    parse_bool,
    parse_date,
    parse_money,
    parse_number,
    parse_percent,
    slash_order,
)

NBSP, NNBSP = "\u00a0", "\u202f"


def money(values: list[str | None], decimal: str | None = None):
    m, b, r = parse_money(pl.Series("amount", values, dtype=pl.String), decimal=decimal)
    return m.to_list(), b.to_list(), r.to_list()


def money1(text: str | None, decimal: str | None = None) -> tuple[int | None, bool, bool]:
    m, b, r = money([text], decimal)
    return m[0], b[0], r[0]


# --------------------------------------------------------------------------- parse_money


@pytest.mark.parametrize(
    ("text", "decimal", "expected"),
    [
        (f"1{NBSP}234,56", ",", 123456),
        (f"1{NNBSP}234,56", ",", 123456),
        ("1 234,56", ",", 123456),
        (f"1{NBSP}234{NBSP}567,89", ",", 123456789),
        ("12,5", ",", 1250),
        ("12.5", ".", 1250),
        ("1.234,56", ",", 123456),
        ("1.234.567,89", ",", 123456789),
        ("1,234.56", ".", 123456),
        ("1,234,567.89", ".", 123456789),
        ("(1 234,56)", ",", -123456),
        ("(12.50)", ".", -1250),
        ("12,5-", ",", -1250),
        ("\u22125,00", ",", -500),
        ("\u2212" + "5,00", ",", -500),
        ("-1234", ",", -123400),
        ("+5", ",", 500),
        ("0", ",", 0),
        ("0,01", ",", 1),
        ("-0,01", ",", -1),
        ("12,5 руб.", ",", 1250),
        ("12,5 руб", ",", 1250),
        ("1 234,56 ₽", ",", 123456),
        ("₽1 234,56", ",", 123456),
        ("100 р.", ",", 10000),
        ("  42,00  ", ",", 4200),
        (".5", ".", 50),
        ("1 234", ",", 123400),
    ],
)
def test_parse_money_exact(text: str, decimal: str, expected: int) -> None:
    m, bad, rounded = money1(text, decimal)
    assert m == expected, f"{text!r} (decimal {decimal!r}) parsed to {m}, expected {expected}"
    assert bad is False, f"{text!r} flagged bad"
    assert rounded is False, f"{text!r} flagged rounded"


def test_parse_money_returns_int64_and_keeps_name() -> None:
    m, b, r = parse_money(pl.Series("Сумма", ["1,5", None]), decimal=",")
    assert m.dtype == pl.Int64, m.dtype
    assert b.dtype == pl.Boolean and r.dtype == pl.Boolean
    assert m.name == b.name == r.name == "Сумма"


@pytest.mark.parametrize("text", ["", "   ", None, NBSP])
def test_parse_money_empty_is_null_not_bad(text: str | None) -> None:
    m, bad, rounded = money1(text, ",")
    assert m is None, f"{text!r} → {m}"
    assert bad is False, f"empty {text!r} must not be bad"
    assert rounded is False


@pytest.mark.parametrize(
    ("text", "decimal"),
    [
        ("abc", ","),
        ("1,234,56", ","),
        ("1,234,56", "."),
        ("12,5", "."),
        ("1 234,56", "."),
        ("1,234.56", ","),
        ("1,5,", ","),
        ("--5", ","),
        ("1.2.3", ","),
        ("12 abc", ","),
        ("-x", ","),  # (a dash alone is zero: test_a_dash_alone_is_zero)
        ("- -", ","),
    ],
)
def test_parse_money_bad(text: str, decimal: str) -> None:
    m, bad, _ = money1(text, decimal)
    assert m is None, f"{text!r} (decimal {decimal!r}) should not parse, got {m}"
    assert bad is True, f"{text!r} (decimal {decimal!r}) should be flagged bad"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,2345", 123),
        ("1,235", 124),
        ("1,225", 122),
        ("0,005", 0),
        ("0,015", 2),
        ("0,0051", 1),
        ("-0,005", 0),
        ("-0,015", -2),
        ("0,0049", 0),
        ("9,995", 1000),
        ("-9,995", -1000),
        ("(1,239)", -124),
    ],
)
def test_parse_money_more_decimals_rounded_and_flagged(text: str, expected: int) -> None:
    m, bad, rounded = money1(text, ",")
    assert m == expected, f"{text!r} → {m}, expected {expected} (half to even)"
    assert bad is False
    assert rounded is True, f"{text!r} must be flagged rounded"


def test_parse_money_trailing_zeros_not_flagged_rounded() -> None:
    m, bad, rounded = money1("1,2300", ",")
    assert (m, bad, rounded) == (123, False, False)


def test_parse_money_scale() -> None:
    m, b, r = parse_money(pl.Series(["1,234", "5"]), decimal=",", scale=3)
    assert m.to_list() == [1234, 5000]
    assert not any(b.to_list()) and not any(r.to_list())


def test_parse_money_scale_zero() -> None:
    m, b, _ = parse_money(pl.Series(["12", "12,4", "12,5", "13,5"]), decimal=",", scale=0)
    assert m.to_list() == [12, 12, 12, 14]  # half to even
    assert b.to_list() == [False, False, False, False]


def test_parse_money_infers_decimal_comma() -> None:
    m, b, _ = money(["1 234,56", "1.234,56", "7", None, "12,5-"])
    assert m == [123456, 123456, 700, None, -1250]
    assert b == [False] * 5


def test_parse_money_infers_decimal_dot() -> None:
    m, b, _ = money(["1,234.56", "12.5", "7", "(3.10)"])
    assert m == [123456, 1250, 700, -310]
    assert b == [False] * 4


def test_parse_money_mixed_column_keeps_counts() -> None:
    vals = ["1,5", "abc", None, "", "2,25"]
    m, b, _ = money(vals)
    assert m == [150, None, None, None, 225]
    assert b == [False, True, False, False, False]
    assert sum(b) == 1


def test_parse_money_property_1c_format() -> None:
    rng = random.Random(20240531)
    amounts = []
    for _ in range(2000):
        mag = rng.choice([10**2, 10**4, 10**6, 10**9, 10**12])
        v = rng.randrange(0, mag)
        if rng.random() < 0.3:
            v = -v
        amounts.append(v)
    amounts += [0, 1, -1, 99, -100, 100_000, 99_999_999_999]

    def fmt_1c(minor: int) -> str:
        q, r = divmod(abs(minor), 100)
        groups = f"{q:,}".replace(",", NBSP)
        return ("-" if minor < 0 else "") + f"{groups},{r:02d}"

    texts = [fmt_1c(v) for v in amounts]
    assert decimal_separator(pl.Series(texts)) == ","
    m, b, r = money(texts)
    assert not any(b), [t for t, x in zip(texts, b, strict=True) if x][:5]
    assert not any(r)
    wrong = [(t, x, v) for t, x, v in zip(texts, m, amounts, strict=True) if x != v]
    assert not wrong, f"{len(wrong)} mismatches, e.g. {wrong[:3]}"
    assert sum(m) == sum(amounts)
    # the same with decimal inference and the trailing-minus / parentheses styles
    alt = [(fmt_1c(-v) + "-") if v < 0 else fmt_1c(v) for v in amounts]
    paren = [f"({fmt_1c(-v)})" if v < 0 else fmt_1c(v) for v in amounts]
    for variant in (alt, paren):
        m2, b2, _ = money(variant)
        assert not any(b2)
        assert m2 == amounts


# --------------------------------------------------------------------------- decimal_separator


@pytest.mark.parametrize(
    ("values", "default", "expected"),
    [
        (["12,5", "1 234,56"], ".", ","),
        (["1.234,56"], ".", ","),
        (["12.5", "1,234.56"], ",", "."),
        (["1,234.56"], ",", "."),
        (["1 234", "5"], ",", ","),
        (["1 234", "5"], ".", "."),
        (["1,234", "2,345"], ".", "."),
        (["1,234", "2,345"], ",", ","),
        ([], ".", "."),
        ([None, None], ".", "."),
        (["12,5", "12,5", "1.5"], ".", ","),
        (["1.5", "2.5", "12,5"], ",", "."),
        (["1,2345"], ".", ","),
    ],
)
def test_decimal_separator(values: list[str | None], default: str, expected: str) -> None:
    got = decimal_separator(pl.Series(values, dtype=pl.String), default=default)
    assert got == expected, f"{values} (default {default!r}) → {got!r}"


def test_decimal_separator_default_is_comma() -> None:
    assert decimal_separator(pl.Series(["1", "2"])) == ","


# --------------------------------------------------------------------------- parse_number


def test_parse_number() -> None:
    vals = ["1 234,5", "abc", None, "", "2", "(3,5)", "1,5-", f"1{NBSP}000"]
    x, b = parse_number(pl.Series("q", vals), decimal=",")
    assert x.dtype == pl.Float64 and x.name == "q"
    assert x.to_list() == [1234.5, None, None, None, 2.0, -3.5, -1.5, 1000.0]
    assert b.to_list() == [False, True, False, False, False, False, False, False]


def test_parse_number_infers_decimal() -> None:
    x, b = parse_number(pl.Series(["1,234.5", "0.25"]))
    assert x.to_list() == [1234.5, 0.25]
    assert not any(b.to_list())
    x, b = parse_number(pl.Series(["1,234,5"]), decimal=",")
    assert x.to_list() == [None] and b.to_list() == [True]


# --------------------------------------------------------------------------- parse_percent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20%", 20.0),
        ("20", 20.0),
        ("20 %", 20.0),
        ("0,2", 20.0),
        ("0.2", 20.0),
        ("Без НДС", 0.0),
        ("без ндс", 0.0),
        ("НДС 20%", 20.0),
        ("10%", 10.0),
        ("0%", 0.0),
        ("0", 0.0),
        ("20/120", 20.0),
        ("10/110", 10.0),
        ("Не облагается", 0.0),
        ("-", 0.0),
    ],
)
def test_parse_percent(text: str, expected: float) -> None:
    r, b = parse_percent(pl.Series([text]))
    assert r.to_list() == [expected], f"{text!r} → {r.to_list()}"
    assert b.to_list() == [False]


@pytest.mark.parametrize("text", ["abc", "150", "100%"])
def test_parse_percent_bad(text: str) -> None:
    r, b = parse_percent(pl.Series([text]))
    assert r.to_list() == [None], f"{text!r} → {r.to_list()}"
    assert b.to_list() == [True]


def test_parse_percent_empty() -> None:
    r, b = parse_percent(pl.Series([None, "", "  "], dtype=pl.String))
    assert r.to_list() == [None, None, None]
    assert b.to_list() == [False, False, False]


def test_parse_percent_explicit_small_percent() -> None:
    r, b = parse_percent(pl.Series(["0,5%", "1%"]))
    assert r.to_list() == [0.5, 1.0]
    assert b.to_list() == [False, False]


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31.12.2024", date(2024, 12, 31)),
        ("31.12.2024 0:00:00", date(2024, 12, 31)),
        ("31.12.2024 23:59:59", date(2024, 12, 31)),
        ("31.12.24", date(2024, 12, 31)),
        ("1.2.2024", date(2024, 2, 1)),
        ("2024-12-31", date(2024, 12, 31)),
        ("2024-12-31T10:00:00", date(2024, 12, 31)),
        ("2024-12-31 10:00:00", date(2024, 12, 31)),
        ("2024-12-31T10:00:00Z", date(2024, 12, 31)),
        ("2024-12-31T10:00:00.123+03:00", date(2024, 12, 31)),
        ("45657", date(2024, 12, 31)),
        ("45657.5", date(2024, 12, 31)),
        ("45657,5", date(2024, 12, 31)),
        ("29.02.2024", date(2024, 2, 29)),
        ("  31.12.2024  ", date(2024, 12, 31)),
    ],
)
def test_parse_date(text: str, expected: date) -> None:
    d, b = parse_date(pl.Series("date", [text]))
    assert d.to_list() == [expected], f"{text!r} → {d.to_list()}"
    assert b.to_list() == [False]


@pytest.mark.parametrize(
    "text", ["32.13.2024", "29.02.2023", "31.04.2024", "00.01.2024", "abc", "2024-13-01",
             "12345", "99999", "31.12.2024 foo"])
def test_parse_date_bad(text: str) -> None:
    d, b = parse_date(pl.Series([text]))
    assert d.to_list() == [None], f"{text!r} → {d.to_list()}"
    assert b.to_list() == [True], f"{text!r} should be bad"


def test_parse_date_empty_and_dtype() -> None:
    d, b = parse_date(pl.Series("x", [None, "", " "], dtype=pl.String))
    assert d.dtype == pl.Date and d.name == "x"
    assert d.to_list() == [None, None, None]
    assert b.to_list() == [False, False, False]


def test_parse_date_slash_day_first_inferred() -> None:
    vals = ["31/12/2024", "11/05/2024", "01/02/2024"]
    assert slash_order(pl.Series(vals)) == "dmy"
    d, b = parse_date(pl.Series(vals))
    assert d.to_list() == [date(2024, 12, 31), date(2024, 5, 11), date(2024, 2, 1)]
    assert not any(b.to_list())


def test_parse_date_slash_month_first_inferred() -> None:
    vals = ["12/31/2024", "11/05/2024", "01/02/2024"]
    assert slash_order(pl.Series(vals)) == "mdy"
    d, b = parse_date(pl.Series(vals))
    assert d.to_list() == [date(2024, 12, 31), date(2024, 11, 5), date(2024, 1, 2)]
    assert not any(b.to_list())


def test_parse_date_slash_ambiguous_is_bad_without_order() -> None:
    vals = ["11/05/2024", "05/05/2024", None]
    assert slash_order(pl.Series(vals)) is None
    d, b = parse_date(pl.Series(vals))
    assert d.to_list() == [None, date(2024, 5, 5), None], "same day/month is not ambiguous"
    assert b.to_list() == [True, False, False]


def test_parse_date_slash_contradicting_column_is_not_guessed() -> None:
    vals = ["31/12/2024", "12/31/2024", "11/05/2024"]
    assert slash_order(pl.Series(vals)) is None
    d, b = parse_date(pl.Series(vals))
    assert d.to_list()[2] is None and b.to_list()[2] is True


@pytest.mark.parametrize(
    ("order", "expected"), [("dmy", date(2024, 5, 11)), ("mdy", date(2024, 11, 5))])
def test_parse_date_slash_with_order(order: str, expected: date) -> None:
    d, b = parse_date(pl.Series(["11/05/2024", "11-05-2024"]), order=order)
    assert d.to_list() == [expected, expected]
    assert b.to_list() == [False, False]


def test_parse_date_slash_order_conflicts_with_value() -> None:
    d, b = parse_date(pl.Series(["13/12/2024"]), order="mdy")
    assert d.to_list() == [None] and b.to_list() == [True]


# --------------------------------------------------------------------------- parse_bool


def test_parse_bool() -> None:
    vals = ["Да", "нет", "Yes", "NO", "Истина", "ложь", "1", "0", "X", " да ", "TRUE", "false",
            None, "maybe"]
    v, b = parse_bool(pl.Series("f", vals))
    assert v.to_list() == [True, False, True, False, True, False, True, False, True, True,
                           True, False, None, None]
    assert b.to_list() == [False] * 13 + [True]
    assert v.name == "f"


def test_parse_bool_blank_not_bad() -> None:
    _, b = parse_bool(pl.Series(["", "  ", None], dtype=pl.String))
    assert b.to_list() == [False, False, False]


# --------------------------------------------------------------------------- clean_id, minor


def test_clean_id() -> None:
    vals = ["7707083893.0", " 123 ", NBSP, "12.5", "007", "1.00", None, f"1{NBSP}2", "",
            "A-17", f"{NNBSP}42{NNBSP}"]
    out = clean_id(pl.Series("id", vals))
    assert out.name == "id"
    assert out.to_list() == ["7707083893", "123", None, "12.5", "007", "1", None, "1 2", None,
                             "A-17", "42"]


@pytest.mark.parametrize(
    ("minor", "scale", "expected"),
    [
        (-123456, 2, "-1234.56"),
        (123456, 2, "1234.56"),
        (0, 2, "0.00"),
        (5, 2, "0.05"),
        (-5, 2, "-0.05"),
        (100, 2, "1.00"),
        (123, 0, "123"),
        (-1, 3, "-0.001"),
        (10**17 + 1, 2, "1000000000000000.01"),
    ],
)
def test_minor_to_str(minor: int, scale: int, expected: str) -> None:
    assert minor_to_str(minor, scale) == expected


def test_minor_to_str_round_trip() -> None:
    rng = random.Random(7)
    values = [rng.randrange(-10**12, 10**12) for _ in range(500)]
    m, b, r = money([minor_to_str(v) for v in values], decimal=".")
    assert m == values and not any(b) and not any(r)


def test_half_kopecks_neither_create_nor_lose_money() -> None:
    """0,005 and 0,015 a thousand times each: exactly 20,00 in, 20,00 out."""
    values = pl.Series(["0,005", "0,015"] * 1000)
    minor, bad, rounded = parse_money(values, decimal=",")
    assert int(minor.sum()) == 2000 and not bad.any() and rounded.all()


@pytest.mark.parametrize("text", ["12345678901234,00", "99999999999999999999", "-1e30",
                                  "12 345 678 901 234"])
def test_amounts_beyond_the_exact_range_are_bad_not_wrapped(text: str) -> None:
    m, bad, _ = money1(text, ",")
    assert m is None and bad is True
    assert money1("9 999 999 999 999,99", ",")[0] == 999_999_999_999_999


# --------------------------------------------------------------------------- fast paths


def _random_cells(n: int, seed: int) -> pl.Series:
    rnd = random.Random(seed)
    alpha = list("0123456789") * 3 + [".", ",", "-", "+", "e", "E", " ", "\u00a0", "\u202f",
                                      "(", ")", "'", "i", "n", "f", "N", "a", "I", "F", "x"]
    cells = {"inf", "-inf", "+inf", "Infinity", "NaN", "nan", "1e3", "1E+11", "1,5E+3",
             "4E3", " 0e4", "12E-2"}
    cells |= {"".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 9))) for _ in range(n)}
    return pl.Series(sorted(cells))


@pytest.mark.parametrize("decimal", [",", "."])
def test_money_fast_path_agrees_with_the_full_parser(decimal: str) -> None:
    """The native decimal cast took exponents (1E+11 -> 100 000 000 000, '4E3' -> 4 000)
    that the text rules refuse: every cell reads as the full parser reads it."""
    from kamlib.parse import _full_money

    s = _random_cells(60_000, 11)
    got = parse_money(s, decimal=decimal, scale=2)
    want = _full_money(s, decimal, 2)
    for g, w in zip(got, want, strict=True):
        diff = s.filter(g.ne_missing(w))
        assert diff.len() == 0, diff.head(10).to_list()
    assert parse_money(pl.Series(["1E+11", "4E3", "1e3"]), decimal=decimal)[1].all()


@pytest.mark.parametrize("decimal", [",", "."])
def test_number_fast_path_refuses_inf_nan_and_exponents(decimal: str) -> None:
    from kamlib.parse import _full_number

    s = _random_cells(60_000, 12)
    got, bad = parse_number(s, decimal=decimal)
    want, wbad = _full_number(s, decimal)
    differ = s.filter(got.ne_missing(want) | (bad != wbad))
    if decimal == ".":
        assert differ.len() == 0, differ.head(10).to_list()
    else:
        # left as they were: a dot in a decimal-comma column ('1.988': 1.988 by the fast
        # path, 1988 by the grouping rule); no letter anywhere
        assert not differ.str.contains("[A-Za-z]").any(), differ.head(10).to_list()
    v, b = parse_number(pl.Series(["inf", "NaN", "1e3", "-Infinity", "2,5"]), decimal=",")
    assert b.to_list() == [True, True, True, True, False] and v[4] == 2.5


def test_exponent_form() -> None:
    from kamlib.parse import exponent_form

    s = pl.Series(["1E+11", "1,23457E+11", " 4e3 ", "-1.5E-2", "1 234E5", "E5", "1E", "12",
                   "1,5", None, "Epsilon 5"])
    assert exponent_form(s).to_list() == [True, True, True, True, True, False, False, False,
                                          False, False, False]


def test_date_fast_path_agrees_with_the_full_parser() -> None:
    """chrono took ' 1.12.2024', '+1990-01-1', '30.05.+421' and '-1759-4-23' that the text
    rules refuse: every date the fast path reads, the full parser reads the same."""
    from kamlib.parse import _fast_date, _full_date

    rnd = random.Random(3)
    cells = {"28. 1.2024", "+1990-01-1", "30.05.+421", "-1759-4-23", "2024- 3-03",
             "01.02.2024 10:00", "2024-02-29T08:00:00", "29.02.2023"}
    for _ in range(40_000):
        out = list(rnd.choice(["dd.dd.dddd", "dddd-dd-dd", "dd.dd.dddd d:dd:dd"]))
        out = [rnd.choice("0123456789") if c == "d" else c for c in out]
        for _ in range(rnd.randint(0, 2)):
            pos = rnd.randrange(len(out) + 1)
            if rnd.random() < 0.5:
                out.insert(pos, rnd.choice("0123456789.-+ :T/,"))
            elif out:
                del out[min(pos, len(out) - 1)]
        cells.add("".join(out))
    for _ in range(2000):
        y, m, d = rnd.randint(1990, 2030), rnd.randint(1, 12), rnd.randint(1, 28)
        cells |= {f"{d:02d}.{m:02d}.{y}", f"{y}-{m:02d}-{d:02d} 0:00:00"}
    s = pl.Series(sorted(cells))
    fast = _fast_date(s)
    full, _ = _full_date(s, "dmy", "dmy")
    differ = s.filter(fast.is_not_null() & fast.ne_missing(full))
    assert differ.len() == 0, differ.head(10).to_list()
    assert fast.is_not_null().sum() > 1000
    assert parse_date(pl.Series(["+1990-01-1", "30.05.+421", "01.02.2024"]))[1].to_list() == [
        True, True, False]


def test_a_dash_alone_is_zero() -> None:
    """Excel's accounting format shows zero as a dash (' -   ' in a saved CSV)."""
    s = pl.Series(["-", " - ", " -   ", "–", "—", "\u2212", "--", "-5", "5-", "- 5"])
    minor, bad, _ = parse_money(s, decimal=",")
    assert minor.to_list() == [0, 0, 0, 0, 0, 0, None, -500, -500, -500]
    assert bad.to_list() == [False] * 6 + [True, False, False, False]
    num, nbad = parse_number(s, decimal=",")
    assert num.to_list()[:6] == [0.0] * 6 and nbad.to_list()[6]


def test_the_dashes_counted_are_the_dashes_read_as_zero() -> None:
    """The intake's note counts a cell as a dash read as zero by the parsers' own rule: with
    a currency mark (' -   ₽ ', Excel's accounting format with the rouble) too, and never a
    zero written with digits."""
    s = pl.Series(["-", " -   ₽ ", "- руб.", "—", "\u2212", "0", "0,00", "-0", "--", "₽", None,
                   "\t-\t", "(-)"])
    minor, _, _ = parse_money(s, decimal=",")
    dash = dash_as_zero(s)
    assert dash.to_list() == [True, True, True, True, True] + [False] * 8
    assert all(m == 0 for m, d in zip(minor.to_list(), dash.to_list(), strict=True) if d)


@pytest.mark.parametrize(("text", "expected"), [
    ("01.11.2024 г.", date(2024, 11, 1)), ("01.11.2024г", date(2024, 11, 1)),
    ("01.11.2024 г. 0:00:00", date(2024, 11, 1)), ("1 ноября 2024 г.", date(2024, 11, 1)),
    ("3 мая 2024 года", date(2024, 5, 3)), ("1 Nov 2024", date(2024, 11, 1)),
    ("01.11.2024 12:00:00 AM", date(2024, 11, 1)), ("20241101", date(2024, 11, 1)),
    ("Ноябрь 2024", date(2024, 11, 1)), ("ноябрь 2024 г.", date(2024, 11, 1)),
    ("11.2024", date(2024, 11, 1)), ("2024-11", date(2024, 11, 1)), ("May 2024", date(2024, 5, 1)),
])
def test_parse_date_russian_and_month_forms(text: str, expected: date) -> None:
    """Russian dates with 'г.' or a month name, AM/PM times, YYYYMMDD, and months without a
    day (1C's reports by month: their first day, flagged by month_only)."""
    from kamlib.parse import month_only

    v, bad = parse_date(pl.Series([text]))
    assert (v[0], bad[0]) == (expected, False)
    assert month_only(pl.Series([text]))[0] == (text[0].isalpha() or len(text) == 7)


@pytest.mark.parametrize("text", ["31 февраля 2024", "Foo 2024", "13.2024", "19991301",
                                  "12345678", "1 ноября", "2024-13"])
def test_parse_date_russian_and_month_forms_bad(text: str) -> None:
    assert parse_date(pl.Series([text]))[1][0], text


def test_rouble_sign_r_without_a_dot() -> None:
    """'12 500 р' and '12500,00р' (a hand-made sheet's roubles): the amount, its mark RUB."""
    from kamlib.parse import currency_marks

    s = pl.Series(["12 500 р", "12500,00р", "12 500 р ", "12 500 р.", "р 100"])
    assert parse_money(s, decimal=",")[0].to_list() == [1250000, 1250000, 1250000, 1250000,
                                                        None]
    assert currency_marks(s).to_list()[:4] == ["RUB"] * 4
