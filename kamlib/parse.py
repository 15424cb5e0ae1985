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
    "clean_id",
    "decimal_separator",
    "minor_to_str",
    "parse_bool",
    "parse_date",
    "parse_money",
    "parse_number",
    "parse_percent",
    "slash_order",
]

_SPACES = "[\u00a0\u202f\u2009\u2007 '\u2019`]"
_CURRENCY = r"(?i)(₽|руб\.?|р\.|rub|rur|usd|eur|\$|€)"


def _blank_to_null(s: pl.Expr) -> pl.Expr:
    s = s.str.strip_chars()
    return pl.when(s == "").then(None).otherwise(s)


def _numeric_text(s: pl.Expr) -> pl.Expr:
    """Strip spaces, NBSP, currency marks; unicode minus → '-'; '(1,5)' and '1,5-' → '-1,5'."""
    s = s.str.replace_all(_SPACES, "").str.replace_all(_CURRENCY, "")
    s = s.str.replace_all("\u2212", "-").str.replace_all("\u2013", "-")
    s = pl.when(s.str.contains(r"^\(.*\)$")).then(
        pl.lit("-") + s.str.strip_chars("()")
    ).otherwise(s)
    trailing_minus = s.str.contains(r"^[^-].*-$")
    s = pl.when(trailing_minus).then(pl.lit("-") + s.str.strip_chars_end("-")).otherwise(s)
    return s.str.strip_prefix("+")


def decimal_separator(values: pl.Series, *, default: Literal[",", "."] = ",") -> str:
    """Infer a column's decimal separator from its values.

    A separator followed by other than three digits at the end (``12,5``, ``1 234,56``), or
    standing after the other separator (``1.234,56``), is a decimal separator. Without
    evidence (all integers, or only ``1,234``-like values) ``default`` is returned, which
    the reader sets from the file's delimiter (``;`` files use a decimal comma).
    """
    s = values.drop_nulls().str.replace_all(_SPACES, "")
    comma = s.str.contains(r",(\d{1,2}|\d{4,})$") | s.str.contains(r"\.\d*,\d+$")
    dot = s.str.contains(r"\.(\d{1,2}|\d{4,})$") | s.str.contains(r",\d*\.\d+$")
    n_comma, n_dot = int(comma.sum()), int(dot.sum())
    if n_comma > n_dot:
        return ","
    if n_dot > n_comma:
        return "."
    return default


def _plain_number(s: pl.Expr, decimal: str) -> pl.Expr:
    """Rewrite numeric text as ``-?digits(.digits)?``; anything else stays unparseable."""
    thousands = "." if decimal == "," else ","
    t_esc, d_esc = "\\" + thousands, "\\" + decimal
    # both separators: the last one is the decimal one
    both = s.str.contains(r"\.") & s.str.contains(",")
    last_is_decimal = s.str.contains(d_esc + r"\d*$")
    grouped = s.str.contains(rf"^-?\d{{1,3}}({t_esc}\d{{3}})+({d_esc}\d+)?$")
    out = (
        pl.when(both & last_is_decimal & grouped)
        .then(s.str.replace_all(t_esc, "").str.replace(d_esc, "."))
        .when(both)
        .then(pl.lit("bad"))
        # thousands separator only, in proper groups of three: 1,234,567 (with decimal '.')
        .when(grouped)
        .then(s.str.replace_all(t_esc, ""))
        .otherwise(s.str.replace(d_esc, "."))
    )
    return out


def _number_ok(s: pl.Expr) -> pl.Expr:
    return s.str.contains(r"^-?(\d+(\.\d*)?|\.\d+)$")


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
        decimals are rounded half away from zero.
    bad : pl.Series (Boolean)
        True where a non-empty cell is not a number.
    rounded : pl.Series (Boolean)
        True where decimals beyond ``scale`` were rounded away.
    """
    if decimal is None:
        decimal = decimal_separator(values)
    name = values.name
    df = pl.DataFrame({"v": values.cast(pl.String)})
    text = _blank_to_null(pl.col("v"))
    plain = _plain_number(_numeric_text(text), decimal)
    frac_digits = 18 - 1  # guard against absurd precision
    df = df.with_columns(text.alias("t"), plain.alias("p")).with_columns(
        ok=_number_ok(pl.col("p")) & (pl.col("p").str.len_chars() <= frac_digits)
    )
    neg = pl.col("p").str.starts_with("-")
    body = pl.col("p").str.strip_prefix("-")
    int_part = body.str.extract(r"^(\d*)", 1)
    frac = body.str.extract(r"\.(\d*)$", 1).fill_null("")
    kept = frac.str.slice(0, scale).str.pad_end(scale, "0")
    next_digit = frac.str.slice(scale, 1)
    round_up = next_digit.is_in([str(d) for d in range(5, 10)])
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


def parse_number(values: pl.Series, *, decimal: str | None = None) -> tuple[pl.Series, pl.Series]:
    """Parse quantities and other non-money numbers to Float64 (same text rules as money)."""
    if decimal is None:
        decimal = decimal_separator(values)
    df = pl.DataFrame({"v": values.cast(pl.String)})
    text = _blank_to_null(pl.col("v"))
    plain = _plain_number(_numeric_text(text), decimal)
    df = df.with_columns(t=text, p=plain).with_columns(
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
    rate = pl.when(zero).then(pl.lit(0.0)).when(num <= 1).then(num * 100).otherwise(num)
    df = df.with_columns(t=text, r=rate)
    df = df.with_columns(r=pl.when((pl.col("r") >= 0) & (pl.col("r") < 100)).then(pl.col("r")))
    bad = df["t"].is_not_null() & df["r"].is_null()
    return df["r"].alias(values.name), bad.alias(values.name)


_EXCEL_EPOCH = pl.date(1899, 12, 30)


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
    ambiguous_ok = order is not None
    order = order or slash_order(values) or "dmy"
    ambiguous_ok = ambiguous_ok or slash_order(values) is not None
    df = pl.DataFrame({"v": values.cast(pl.String)})
    text = _blank_to_null(pl.col("v"))
    time = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$"
    dmy = text.str.extract_groups(rf"^(\d{{1,2}})[.](\d{{1,2}})[.](\d{{2}}|\d{{4}}){time}")
    slash = text.str.extract_groups(rf"^(\d{{1,2}})[/-](\d{{1,2}})[/-](\d{{4}}){time}")
    iso = text.str.extract_groups(rf"^(\d{{4}})[-./](\d{{1,2}})[-./](\d{{1,2}}){time}")
    serial = text.str.extract(r"^(\d{5})(?:[.,]\d+)?$", 1).cast(pl.Int64, strict=False)
    df = df.with_columns(t=text, dmy=dmy, slash=slash, iso=iso, serial=serial)

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
    s = values.cast(pl.String).str.replace_all("[\u00a0\u202f]", " ").str.strip_chars()
    s = s.str.replace(r"^(\d+)\.0+$", "$1")
    return pl.select(pl.when(s == "").then(None).otherwise(s)).to_series().alias(values.name)


def minor_to_str(minor: int, scale: int = 2) -> str:
    """Format integer minor units as an exact decimal string: ``-123456`` → ``'-1234.56'``."""
    sign = "-" if minor < 0 else ""
    q, r = divmod(abs(int(minor)), 10**scale)
    return f"{sign}{q}.{r:0{scale}d}" if scale else f"{sign}{q}"
