"""Vectorised parsers for the values real exports contain.

Every parser takes a polars string Series (raw cell text, ``null`` for an empty cell) and
returns ``(values, bad)``: the parsed Series and a boolean Series that is true where a
non-empty cell could not be parsed. Nothing is guessed silently: a value that is not
understood is *bad*, and the caller decides whether its row is rejected.

Money is parsed exactly into integer minor units (kopecks / cents), so control totals
reconcile to the kopeck; conversion to float happens only when canonical tables are written.
"""

from __future__ import annotations

from typing import Literal

import polars as pl

__all__ = [
    "CURRENCY_CODES",
    "clean_id",
    "currency_marks",
    "dash_as_zero",
    "decimal_separator",
    "decimal_text",
    "decimal_votes",
    "either_way",
    "minor_to_str",
    "parse_bool",
    "parse_date",
    "parse_money",
    "parse_number",
    "parse_percent",
    "separator_of",
    "slash_order",
]

#: the exact range of one amount: fewer than 14 integer digits (below 10**13 currency units),
#: so that the sum of a million of them still fits the int64 minor units exactly
MAX_INT_DIGITS = 13
_SPACES = "[\u00a0\u202f\u2009\u2007 '\u2019`]"
_CURRENCY = r"(?i)(₽|руб\.?|р\.|р\s*$|rub|rur|usd|eur|gbp|\$|€|£)"  # 'р' alone: at the end
#: currency marks and codes seen in amount cells and currency columns → ISO code
CURRENCY_CODES = {"₽": "RUB", "руб": "RUB", "р.": "RUB", "rub": "RUB", "rur": "RUB",
                  "рубль": "RUB", "рубли": "RUB", "usd": "USD", "$": "USD", "доллар сша": "USD",
                  "eur": "EUR", "€": "EUR", "евро": "EUR", "gbp": "GBP", "£": "GBP",
                  "cny": "CNY", "юань": "CNY", "kzt": "KZT", "тенге": "KZT", "byn": "BYN",
                  # ISO 4217 numeric codes, as 1C's currency catalogue shows them (810: the
                  # rouble before 1998, still the code of Russian bank accounts)
                  "643": "RUB", "810": "RUB", "840": "USD", "978": "EUR", "826": "GBP",
                  "156": "CNY", "398": "KZT", "933": "BYN"}


def _blank_to_null(s: pl.Expr) -> pl.Expr:
    s = s.str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


#: a dash alone, once spaces and currency marks are gone: zero, as Excel's accounting format
#: shows it (' -   ' in a CSV, ' -   ₽ ' with the currency)
_DASH_ZERO = "^[-\u2014]$"


def _signed_text(df: pl.DataFrame, src: str) -> pl.DataFrame:
    """Column ``n``: ``src`` without spaces, NBSP, currency marks; unicode minus → '-';
    '(1,5)' and '1,5-' → '-1,5'. Staged column by column: polars does not share a repeated
    sub-expression across when/then branches, and re-evaluating it is slow."""
    s = pl.col("n")
    return (
        df.with_columns(n=pl.col(src).str.replace_all(_SPACES, "").str.replace_all(_CURRENCY, "")
                        .str.replace_all("[\u2212\u2013]", "-"))
        .with_columns(n=pl.when(s.str.starts_with("(") & s.str.ends_with(")"))
                      .then(pl.lit("-") + s.str.strip_chars("()")).otherwise(s))
        .with_columns(n=pl.when(s.str.ends_with("-") & ~s.str.starts_with("-"))
                      .then(pl.lit("-") + s.str.strip_chars_end("-")).otherwise(s))
        .with_columns(n=s.str.strip_prefix("+"))
    )


def _numeric_text(df: pl.DataFrame, src: str) -> pl.DataFrame:
    """Column ``n`` as :func:`_signed_text` writes it, a dash alone → '0'."""
    s = pl.col("n")
    return _signed_text(df, src).with_columns(
        n=pl.when(s.str.contains(_DASH_ZERO)).then(pl.lit("0")).otherwise(s))


def dash_as_zero(values: pl.Series) -> pl.Series:
    """Which cells are a dash alone that the number parsers read as zero (``-``, `` -   ``,
    ``—``, `` -   ₽ ``): the same rule they apply, for the intake's note that counts them."""
    return _signed_text(pl.DataFrame({"t": values.cast(pl.String)}), "t")["n"].str.contains(
        _DASH_ZERO).fill_null(False)


def decimal_separator(values: pl.Series, *, default: Literal[",", "."] = ",") -> str:
    """Infer a column's decimal separator from its values.

    A separator followed by other than three digits at the end (``12,5``, ``1 234,56``), or
    standing after the other separator (``1.234,56``), is a decimal separator. Without
    evidence (all integers, or only ``1,234``-like values) ``default`` is returned, which
    the reader sets from the file's delimiter (``;`` files use a decimal comma).
    """
    return separator_of(decimal_votes(values), default=default)


def separator_of(votes: tuple[int, int], *, default: Literal[",", "."] = ",") -> str:
    """The decimal separator :func:`decimal_votes` points to (comma votes, point votes);
    ``default`` on a tie (no evidence)."""
    n_comma, n_dot = votes
    if n_comma > n_dot:
        return ","
    if n_dot > n_comma:
        return "."
    return default


def decimal_votes(values: pl.Series) -> tuple[int, int]:
    """The values that show a decimal comma and those that show a decimal point (a sample of
    50,000 on a long column): a separator followed by other than three digits at the end,
    one standing after the other separator or after four digits (``1200,005``: no thousands
    group), or the other one grouping thousands more than once (``12,000,000``: a decimal
    point)."""
    s = values.drop_nulls()
    if s.len() > 50_000:  # evidence is plentiful: look at a spread sample
        s = s.gather_every(s.len() // 50_000)
    s = s.str.replace_all(_SPACES, "")
    comma = (s.str.contains(r",(\d{1,2}|\d{4,})$") | s.str.contains(r"\.\d*,\d+$")
             | s.str.contains(r"^[-+(]?\d{1,3}(\.\d{3}){2,}\)?-?$")
             | s.str.contains(r"^[-+(]?\d{4,},\d{3}\)?-?$"))   # 1200,005: no grouping
    dot = (s.str.contains(r"\.(\d{1,2}|\d{4,})$") | s.str.contains(r",\d*\.\d+$")
           | s.str.contains(r"^[-+(]?\d{1,3}(,\d{3}){2,}\)?-?$")
           | s.str.contains(r"^[-+(]?\d{4,}\.\d{3}\)?-?$"))
    return int(comma.sum()), int(dot.sum())


#: one separator followed by exactly three digits, nothing else: ``1,250`` is one thousand
#: two hundred and fifty with a thousands comma, or one and a quarter with three decimals
_EITHER_WAY = r"^[-+(]?\d{1,3}[.,]\d{3}\)?-?$"


def either_way(values: pl.Series) -> pl.Series:
    """Which values read as a number either way, the separator a thousands or a decimal one
    (``1,250``, ``2.500``): only the column's other values, or the person, can tell."""
    return values.str.replace_all(_SPACES, "").str.replace_all(_CURRENCY, "").str.contains(
        _EITHER_WAY).fill_null(False)


def _plain_number(df: pl.DataFrame, decimal: str) -> pl.DataFrame:
    """Column ``p``: column ``n`` rewritten as ``-?digits(.digits)?``, or left unparseable."""
    thousands = "." if decimal == "," else ","
    t_esc, d_esc = "\\" + thousands, "\\" + decimal
    s = pl.col("n")
    df = df.with_columns(
        _both=s.str.contains(r"\.") & s.str.contains(","),
        _last_dec=s.str.contains(d_esc + r"\d*$"),
        _grouped=s.str.contains(rf"^-?\d{{1,3}}({t_esc}\d{{3}})+({d_esc}\d+)?$"),
    )
    # both separators: the last one must be the decimal one, the other in groups of three;
    # thousands separators alone must be in groups of three (1,234,567 with decimal '.')
    return df.with_columns(
        p=pl.when(pl.col("_both") & pl.col("_last_dec") & pl.col("_grouped"))
        .then(s.str.replace_all(t_esc, "").str.replace(d_esc, "."))
        .when(pl.col("_both")).then(pl.lit("bad"))
        .when(pl.col("_grouped")).then(s.str.replace_all(t_esc, ""))
        .otherwise(s.str.replace(d_esc, "."))
    ).drop("_both", "_last_dec", "_grouped")


def _number_ok(s: pl.Expr) -> pl.Expr:
    return s.str.contains(r"^-?(\d+(\.\d*)?|\.\d+)$")


# what the native casts accept and the text rules do not: an exponent (1E5, 1,23E+11: Excel's
# display of a long number, its digits lost) and inf / nan (the float cast). A letter e or
# n becomes 'x', which no cast accepts: such a cell goes to the full parser, which rejects it
_CAST_OUT = ["\u00a0", "\u202f", " ", "e", "E", "n", "N"]
_CAST_IN = ["", "", "", "x", "x", "x", "x"]


def _for_cast(values: pl.Series, decimal: str) -> pl.Series:
    """The text for a native cast, in one pass: spaces out, a decimal comma to a dot (a
    second comma leaves two dots, which the cast refuses, as it refused the comma left
    before), exponents and inf / nan made uncastable."""
    if decimal == ",":
        return values.str.replace_many([*_CAST_OUT, ","], [*_CAST_IN, "."])
    return values.str.replace_many(_CAST_OUT, _CAST_IN)


#: A number in E notation (``1,23E+11``, ``7.7E+09``): Excel's display of a long number in
#: a narrow column, saved as text with its digits lost.
EXPONENT = r"^\s*[-+]?\d[\d\s\u00a0\u202f.,]*[eE][-+]?\d+\s*$"


def exponent_form(values: pl.Series) -> pl.Series:
    """True where a cell is a number in scientific notation (:data:`EXPONENT`)."""
    return values.str.contains(EXPONENT).fill_null(False)


def _fast_minor(values: pl.Series, decimal: str, scale: int) -> pl.Series:
    """Minor units of the plain values (``-1 234,56``: digits, spaces, one decimal separator,
    at most ``scale`` decimals) by a native decimal cast; ``null`` for everything else."""
    # one pass: spaces out, a decimal comma to a dot (a second comma leaves two dots,
    # which the cast refuses, as it refused the comma left before)
    clean = _for_cast(values, decimal)
    dot = clean.str.find(".", literal=True)
    short = dot.is_null() | ((clean.str.len_bytes() - dot - 1) <= scale)
    dec = clean.cast(pl.Decimal(18, scale), strict=False)
    minor = (dec * (10**scale)).cast(pl.Int64, strict=False)
    in_range = minor.abs() < 10 ** (MAX_INT_DIGITS + scale)
    return pl.select(pl.when(short & in_range).then(minor)).to_series()


def _blank(values: pl.Series) -> pl.Series:
    return values.is_null() | (values.str.strip_chars() == "")


def parse_money(
    values: pl.Series, *, decimal: str | None = None, scale: int = 2
) -> tuple[pl.Series, pl.Series, pl.Series]:
    """Parse money text exactly into integer minor units.

    Handles ``1 234,56`` (spaces, NBSP or narrow NBSP as thousands), ``1.234,56``,
    ``1,234.56``, ``-1234``, ``(1 234,56)``, ``1234,56-``, ``12,5 руб.``.

    Parameters
    ----------
    values : pl.Series
        Raw text (``null`` for empty cells).
    decimal : {',', '.'}, optional
        The column's decimal separator; inferred with :func:`decimal_separator` if omitted.
    scale : int
        Minor units per unit as a power of ten (2: kopecks).

    Returns
    -------
    minor : pl.Series (Int64)
        Amounts in minor units, ``null`` for empty or bad cells. More than ``scale``
        decimals are rounded half to even (``0,005`` → 0, ``0,015`` → 0,02), which neither
        creates nor loses money on average; the caller reports the exact difference. Values of
        14 or more integer digits are beyond the exact range and *bad* (never wrapped).
    bad : pl.Series (Boolean)
        True where a non-empty cell is not a number.
    rounded : pl.Series (Boolean)
        True where decimals beyond ``scale`` were rounded away.
    """
    if decimal is None:
        decimal = decimal_separator(values)
    values = values.cast(pl.String)
    fast = _fast_minor(values, decimal, scale)
    # the cells the fast path left empty and that are not blank (blank tested on those only)
    nulls = fast.is_null().arg_true()
    need = nulls.filter(~_blank(values.gather(nulls)))
    false = pl.repeat(False, len(values), eager=True, dtype=pl.Boolean)
    if need.len() == 0:
        return fast.alias(values.name), false.alias(values.name), false.alias(values.name)
    minor, bad, rounded = _full_money(values.gather(need), decimal, scale)
    return (fast.scatter(need, minor).alias(values.name),
            false.scatter(need, bad).alias(values.name),
            false.clone().scatter(need, rounded).alias(values.name))


def _full_money(values: pl.Series, decimal: str, scale: int
                ) -> tuple[pl.Series, pl.Series, pl.Series]:
    """The general money parser (parentheses, trailing minus, currency, grouping checks)."""
    name = values.name
    df = pl.DataFrame({"v": values.cast(pl.String)}).with_columns(t=_blank_to_null(pl.col("v")))
    df = _plain_number(_numeric_text(df, "t"), decimal)
    df = df.with_columns(
        ok=_number_ok(pl.col("p"))
        & (pl.col("p").str.extract(r"^-?(\d*)", 1).str.len_chars() <= MAX_INT_DIGITS)
    ).with_columns(
        neg=pl.col("p").str.starts_with("-"),
        body=pl.col("p").str.strip_prefix("-"),
    ).with_columns(
        int_part=pl.col("body").str.extract(r"^(\d*)", 1),
        frac=pl.col("body").str.extract(r"\.(\d*)$", 1).fill_null(""),
    )
    neg, int_part, frac = pl.col("neg"), pl.col("int_part"), pl.col("frac")
    kept = frac.str.slice(0, scale).str.pad_end(scale, "0") if scale else pl.lit("0")
    # round half to even: unbiased, so that many half-kopecks neither create nor lose money
    next_digit = frac.str.slice(scale, 1)
    rest = frac.str.slice(scale + 1).str.contains("[1-9]")
    whole = pl.when(int_part == "").then(pl.lit("0")).otherwise(int_part)
    last_kept = (whole + kept if scale else whole).str.slice(-1).cast(pl.Int64, strict=False)
    round_up = next_digit.is_in([str(d) for d in range(6, 10)]) | (
        (next_digit == "5") & (rest | (last_kept % 2 == 1)))
    minor = (
        pl.when(int_part == "").then(pl.lit("0")).otherwise(int_part).cast(pl.Int64, strict=False)
        * (10**scale)
        + kept.cast(pl.Int64, strict=False)
        + round_up.cast(pl.Int64)
    )
    df = df.with_columns(
        minor=pl.when(pl.col("ok")).then(pl.when(neg).then(-minor).otherwise(minor)),
        rounded=pl.col("ok") & (frac.str.len_chars() > scale)
        & frac.str.slice(scale).str.contains("[1-9]"),
    ).with_columns(
        bad=pl.col("t").is_not_null() & pl.col("minor").is_null(),
    )
    return (
        df["minor"].alias(name),
        df["bad"].alias(name),
        df["rounded"].fill_null(False).alias(name),
    )


def currency_marks(values: pl.Series) -> pl.Series:
    """The ISO code of the currency mark in each amount cell (``$12.50`` → ``USD``), else null."""
    found = values.cast(pl.String).str.strip_chars().str.to_lowercase().str.extract(
        _CURRENCY.replace("(?i)", ""), 1)
    return found.str.strip_chars_end(".").replace_strict(
        {k.rstrip("."): v for k, v in CURRENCY_CODES.items()}, default=None,
        return_dtype=pl.String)


def decimal_text(values: pl.Series, *, decimal: str | None = None) -> pl.Series:
    """Normalise number text to a plain exact decimal string (``-1234.5678``), else null.

    The same text rules as :func:`parse_money` (spaces, NBSP, currency marks, parentheses,
    trailing minus, thousands groups), with every decimal kept, so that products such as
    quantity × price can be computed exactly with :class:`decimal.Decimal`.
    """
    if decimal is None:
        decimal = decimal_separator(values)
    df = pl.DataFrame({"v": values.cast(pl.String)}).with_columns(t=_blank_to_null(pl.col("v")))
    df = _plain_number(_numeric_text(df, "t"), decimal)
    return df.select(pl.when(_number_ok(pl.col("p"))).then(pl.col("p"))).to_series().alias(
        values.name)


def parse_number(values: pl.Series, *, decimal: str | None = None) -> tuple[pl.Series, pl.Series]:
    """Parse quantities and other non-money numbers to Float64 (same text rules as money)."""
    if decimal is None:
        decimal = decimal_separator(values)
    values = values.cast(pl.String)
    fast = _for_cast(values, decimal).cast(pl.Float64, strict=False)
    # the cells the fast path left empty and that are not blank (blank tested on those only)
    nulls = fast.is_null().arg_true()
    need = nulls.filter(~_blank(values.gather(nulls)))
    false = pl.repeat(False, len(values), eager=True, dtype=pl.Boolean)
    if need.len() == 0:
        return fast.alias(values.name), false.alias(values.name)
    sub, bad = _full_number(values.gather(need), decimal)
    return fast.scatter(need, sub).alias(values.name), false.scatter(need, bad).alias(values.name)


def _full_number(values: pl.Series, decimal: str) -> tuple[pl.Series, pl.Series]:
    df = pl.DataFrame({"v": values.cast(pl.String)}).with_columns(t=_blank_to_null(pl.col("v")))
    df = _plain_number(_numeric_text(df, "t"), decimal).with_columns(
        x=pl.when(_number_ok(pl.col("p"))).then(pl.col("p").cast(pl.Float64, strict=False))
    )
    bad = df["t"].is_not_null() & df["x"].is_null()
    return df["x"].alias(values.name), bad.alias(values.name)


def parse_percent(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Parse a VAT rate: ``20%``, ``20``, ``0,2``, ``НДС 20%``, ``20/120``, ``Без НДС`` → 20 / 0.

    Returns the rate in percent (Float64).
    """
    df = pl.DataFrame({"v": values.cast(pl.String)})
    text = _blank_to_null(pl.col("v"))
    low = text.str.to_lowercase()
    zero = low.str.contains(r"без|не облаг|exempt|none|^0\s*%?$|^-$|n/a")
    num = low.str.extract(r"(\d+(?:[.,]\d+)?)", 1).str.replace(",", ".").cast(
        pl.Float64, strict=False
    )
    fraction = (num <= 1) & ~low.str.contains("%", literal=True)
    rate = pl.when(zero).then(pl.lit(0.0)).when(fraction).then(num * 100).otherwise(num)
    df = df.with_columns(t=text, r=rate)
    df = df.with_columns(r=pl.when((pl.col("r") >= 0) & (pl.col("r") < 100)).then(pl.col("r")))
    bad = df["t"].is_not_null() & df["r"].is_null()
    return df["r"].alias(values.name), bad.alias(values.name)


_EXCEL_EPOCH = pl.date(1899, 12, 30)
# a year followed by 'г.' or 'года' (Russian dates: '01.11.2024 г.', '1 ноября 2024 года')
_YEAR_WORD = r"(\d{4})\s*(?:года|г\.?)(\s|$)"
# month names by their first three letters (Russian in any case form, English)
_MONTH_STEMS = {s: f"{i}" for i, names in enumerate([
    ("янв", "jan"), ("фев", "feb"), ("мар", "mar"), ("апр", "apr"), ("май", "мая", "may"),
    ("июн", "jun"), ("июл", "jul"), ("авг", "aug"), ("сен", "sep"), ("окт", "oct"),
    ("ноя", "nov"), ("дек", "dec")], 1) for s in names}
#: A month without a day, lowercased: 'ноябрь 2024', '11.2024', '2024-11' (1C's reports by
#: month); read as the month's first day.
MONTH_ONLY = (r"^(?:(?P<m1>[a-zа-яё]+)\.?\s+(?P<y1>\d{4})|(?P<m2>\d{1,2})\.(?P<y2>\d{4})"
              r"|(?P<y3>\d{4})-(?P<m3>\d{1,2}))$")


def month_only(values: pl.Series) -> pl.Series:
    """True where a date cell is a month without a day (``Ноябрь 2024``, ``11.2024``,
    ``2024-11``), which :func:`parse_date` reads as the month's first day."""
    text = values.cast(pl.String).str.strip_chars().str.to_lowercase().str.replace(
        _YEAR_WORD, "${1}${2}").str.strip_chars()
    return text.str.contains(MONTH_ONLY).fill_null(False)


def slash_order(values: pl.Series) -> Literal["dmy", "mdy"] | None:
    """Infer whether ``a/b/yyyy`` dates of a column are day-first or month-first.

    A value with a first part above 12 proves day-first, a second part above 12
    month-first; ``None`` when the column gives no evidence (or contradicts itself).
    """
    parts = values.drop_nulls().str.strip_chars().str.extract_groups(
        r"^(\d{1,2})[/-](\d{1,2})[/-]\d{4}")
    first = parts.struct.field("1").cast(pl.Int32, strict=False)
    second = parts.struct.field("2").cast(pl.Int32, strict=False)
    dmy, mdy = bool((first > 12).any()), bool((second > 12).any())
    if dmy and not mdy:
        return "dmy"
    if mdy and not dmy:
        return "mdy"
    return None


def parse_date(
    values: pl.Series, *, order: Literal["dmy", "mdy"] | None = None
) -> tuple[pl.Series, pl.Series]:
    """Parse dates as 1C, Excel and other systems export them.

    Accepted: ``31.12.2024``, ``31.12.2024 0:00:00``, ``31.12.24``, ``31/12/2024``,
    ``2024-12-31``, ``2024-12-31T10:00:00``, ``2024-12-31 10:00:00`` and Excel serial
    numbers (``45657``, with or without a fraction). With slashes, ``order`` says whether
    the day or the month comes first; if ``None`` it is inferred from the column
    (:func:`slash_order`) and a value like ``11/05/2024`` that could be either is bad
    rather than guessed. Impossible dates (``32.13.2024``, ``29.02.2023``) are bad.
    """
    values = values.cast(pl.String)
    fast = _fast_date(values)
    # the cells the fast path left empty and that are not blank (blank tested on those only)
    nulls = fast.is_null().arg_true()
    need = nulls.filter(~_blank(values.gather(nulls)))
    false = pl.repeat(False, len(values), eager=True, dtype=pl.Boolean)
    if need.len() == 0:
        return fast.alias(values.name), false.alias(values.name)
    sub, bad = _full_date(values.gather(need), order, slash_order(values))
    return fast.scatter(need, sub).alias(values.name), false.scatter(need, bad).alias(values.name)


def _fast_date(values: pl.Series) -> pl.Series:
    """``dd.mm.yyyy`` and ``yyyy-mm-dd``, alone or followed by a time, by native parsing;
    ``null`` for anything else (left to :func:`_full_date`)."""
    text = values.str.strip_chars()
    head = text.str.slice(0, 10)
    date = pl.select(pl.coalesce(head.str.to_date("%d.%m.%Y", strict=False),
                                 head.str.to_date("%Y-%m-%d", strict=False))).to_series()
    tail = text.str.slice(10)
    # the shape checked first: chrono also takes ' 1.12.2024', '+1990-01-1', '30.05.+421'
    # and '-1759-4-23', which the text rules refuse
    ok = head.str.contains(r"^(?:\d{2}\.\d{2}\.\d{4}|\d{4}-\d{2}-\d{2})$") & tail.str.contains(
        r"^(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
    return pl.select(pl.when(ok).then(date)).to_series()


def _full_date(values: pl.Series, order: Literal["dmy", "mdy"] | None,
               inferred: Literal["dmy", "mdy"] | None) -> tuple[pl.Series, pl.Series]:
    """The general date parser (see :func:`parse_date`)."""
    ambiguous_ok = order is not None or inferred is not None
    order = order or inferred or "dmy"
    df = pl.DataFrame({"v": values.cast(pl.String)})
    # '01.11.2024 г.', '1 ноября 2024 года': the year's 'г.' / 'года' dropped
    text = _blank_to_null(pl.col("v")).str.replace(_YEAR_WORD, "${1}${2}")
    time = (r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AaPp]\.?[Mm]\.?)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?$")
    dmy = text.str.extract_groups(rf"^(\d{{1,2}})[.](\d{{1,2}})[.](\d{{2}}|\d{{4}}){time}")
    slash = text.str.extract_groups(rf"^(\d{{1,2}})[/-](\d{{1,2}})[/-](\d{{4}}){time}")
    iso = text.str.extract_groups(rf"^(\d{{4}})[-./](\d{{1,2}})[-./](\d{{1,2}}){time}")
    serial = text.str.extract(r"^(\d{5})(?:[.,]\d+)?$", 1).cast(pl.Int64, strict=False)
    compact = text.str.extract_groups(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")   # 20241101
    words = text.str.to_lowercase().str.extract_groups(     # 1 ноября 2024, 1 Nov 2024
        rf"^(\d{{1,2}})\s+([a-zа-яё]+)\.?,?\s+(\d{{4}}){time}")
    month = text.str.to_lowercase().str.extract_groups(MONTH_ONLY)   # Ноябрь 2024, 11.2024
    df = df.with_columns(t=text, dmy=dmy, slash=slash, iso=iso, serial=serial, compact=compact,
                         words=words, month=month)

    def month_no(name: pl.Expr) -> pl.Expr:
        return name.str.slice(0, 3).replace_strict(_MONTH_STEMS, default=None,
                                                     return_dtype=pl.String)

    def ymd(y: pl.Expr, m: pl.Expr, d: pl.Expr) -> pl.Expr:
        y = pl.when(y.str.len_chars() == 2).then(pl.lit("20") + y).otherwise(y)
        return pl.concat_str([y, m.str.pad_start(2, "0"), d.str.pad_start(2, "0")], separator="-")

    first, second = ("1", "2") if order == "dmy" else ("2", "1")
    candidate = (
        pl.when(pl.col("dmy").struct.field("1").is_not_null())
        .then(ymd(pl.col("dmy").struct.field("3"), pl.col("dmy").struct.field("2"),
                  pl.col("dmy").struct.field("1")))
        .when(pl.col("slash").struct.field("1").is_not_null())
        .then(ymd(pl.col("slash").struct.field("3"), pl.col("slash").struct.field(second),
                  pl.col("slash").struct.field(first)))
        .when(pl.col("iso").struct.field("1").is_not_null())
        .then(ymd(pl.col("iso").struct.field("1"), pl.col("iso").struct.field("2"),
                  pl.col("iso").struct.field("3")))
        .when(pl.col("compact").struct.field("1").is_not_null())
        .then(ymd(pl.col("compact").struct.field("1"), pl.col("compact").struct.field("2"),
                  pl.col("compact").struct.field("3")))
        .when(pl.col("words").struct.field("1").is_not_null())
        .then(ymd(pl.col("words").struct.field("3"), month_no(pl.col("words").struct.field("2")),
                  pl.col("words").struct.field("1")))
        .when(pl.col("month").struct.field("y1").is_not_null())     # a month: its first day
        .then(ymd(pl.col("month").struct.field("y1"), month_no(pl.col("month").struct.field("m1")),
                  pl.lit("1")))
        .when(pl.col("month").struct.field("y2").is_not_null())
        .then(ymd(pl.col("month").struct.field("y2"), pl.col("month").struct.field("m2"),
                  pl.lit("1")))
        .when(pl.col("month").struct.field("y3").is_not_null())
        .then(ymd(pl.col("month").struct.field("y3"), pl.col("month").struct.field("m3"),
                  pl.lit("1")))
    )
    from_text = candidate.str.to_date("%Y-%m-%d", strict=False)
    from_serial = pl.when(pl.col("serial").is_between(20_000, 80_000)).then(
        _EXCEL_EPOCH + pl.duration(days=pl.col("serial"))
    )
    df = df.with_columns(d=pl.coalesce(from_text, from_serial.cast(pl.Date)))
    if not ambiguous_ok:
        a = pl.col("slash").struct.field("1").cast(pl.Int32, strict=False)
        b = pl.col("slash").struct.field("2").cast(pl.Int32, strict=False)
        df = df.with_columns(d=pl.when((a <= 12) & (b <= 12) & (a != b)).then(None)
                             .otherwise(pl.col("d")))
    bad = df["t"].is_not_null() & df["d"].is_null()
    return df["d"].alias(values.name), bad.alias(values.name)


_TRUE = ["да", "yes", "y", "true", "истина", "1", "x", "+", "v", "✓", "удален", "deleted"]
_FALSE = ["нет", "no", "n", "false", "ложь", "0", "-", ""]


def parse_bool(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Parse flags: Да/Нет, Yes/No, Истина/Ложь, True/False, 1/0, X."""
    df = pl.DataFrame({"v": values.cast(pl.String)})
    low = pl.col("v").str.strip_chars().str.to_lowercase()
    df = df.with_columns(
        b=pl.when(low.is_in(_TRUE)).then(True).when(low.is_in(_FALSE)).then(False)
    )
    bad = df["v"].is_not_null() & (df["v"].str.strip_chars() != "") & df["b"].is_null()
    return df["b"].alias(values.name), bad.alias(values.name)


def clean_id(values: pl.Series) -> pl.Series:
    """Normalise an identifier's text: trim, drop NBSP, and ``7707083893.0`` → ``7707083893``.

    Spreadsheet exports store codes as numbers; calamine then returns floats. Leading
    zeros that were lost that way cannot be recovered here: :func:`kamlib.intake` pads tax
    ids to their legal length.
    """
    s = values.cast(pl.String)
    if s.str.contains_any(["\u00a0", "\u202f"]).any():
        s = s.str.replace_many(["\u00a0", "\u202f"], [" ", " "])
    s = s.str.strip_chars()
    if s.str.ends_with(".0").any():
        s = s.str.replace(r"^(\d+)\.0+$", "$1")
    return pl.select(pl.when(s == "").then(None).otherwise(s)).to_series().alias(values.name)


def minor_to_str(minor: int, scale: int = 2) -> str:
    """Format integer minor units as an exact decimal string: ``-123456`` → ``'-1234.56'``."""
    sign = "-" if minor < 0 else ""
    q, r = divmod(abs(int(minor)), 10**scale)
    return f"{sign}{q}.{r:0{scale}d}" if scale else f"{sign}{q}"
