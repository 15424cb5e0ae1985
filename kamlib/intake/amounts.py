"""Sales amounts: net revenue from gross and VAT, returns, amounts computed from quantity ×
unit price, VAT that cannot belong to its amount.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import polars as pl

from ..config import EngagementConfig, InputSpec
from ..parse import (
    decimal_separator,
    decimal_text,
)
from ..schema import header_key
from .fileparse import _FileIntake, _Parsed
from .results import (
    _GENERIC_NET,
    _MAX_MINOR,
    _RETURN_RE,
    MARKED_DELETED,
    NOT_POSTED,
    SCALE,
    said,
)

#: VAT rates a Russian sales line may carry (18 % until 2018, 22 % from 2026; 5 % and 7 % of
#: the simplified system), as shares
VAT_RATES = (0.05, 0.07, 0.10, 0.18, 0.20, 0.22)


def _vat_fits(sample: pl.DataFrame, base: str) -> tuple[pl.Series, pl.Series]:
    """Which lines' VAT is a legal rate of ``base`` (net) and which of ``base`` less the VAT
    (gross), within a kopeck or 1 % (VAT rounded to the rouble)."""
    a = sample[base].cast(pl.Float64).abs()
    v = sample["vat"].cast(pl.Float64).abs()

    def fits(share: float) -> pl.Series:
        want = a * share
        return ((v - want).abs() <= (want * 0.01).clip(lower_bound=1.0)).fill_null(False)

    net = pl.select(pl.any_horizontal([fits(k) for k in VAT_RATES])).to_series()
    gross = pl.select(pl.any_horizontal([fits(k / (1 + k)) for k in VAT_RATES])).to_series()
    return net, gross


def _rates_as_vat(sample: pl.DataFrame) -> bool:
    """Whether the VAT column holds VAT rates instead of amounts: every non-zero value a rate
    in percent (20, 10, 18 …). Rows of a report form that add lines of several rates fit no
    rate either, but their VAT is an amount: they are not this."""
    pct = sample["vat"].cast(pl.Float64).abs() / 10**SCALE
    return bool(pct.is_in([float(round(k * 100)) for k in VAT_RATES]).all())


def _no_vat_error(sample: pl.DataFrame, fi: _FileIntake, base: str) -> Exception:
    """The VAT column holds rates (20, 10), not the VAT of the amounts."""
    from ..errors import InputError

    r = sample.row(0, named=True)
    amount = r.get(f"_raw_{base}", r.get("_raw_net_revenue"))
    return InputError(
        f"'{fi.header('vat')}' holds VAT rates, not the VAT of '{fi.header(base)}': every value "
        f"is a rate in percent and none is the VAT of its amount (e.g. {r.get('_raw_vat')} on "
        f"{amount})",
        file=fi.rep.label, row=int(r["_row"]), column=fi.header("vat"), value=r.get("_raw_vat"),
        hint="map the column as vat_rate under 'inputs:' in engagement.yaml (columns: "
        "{vat_rate: ...}), or export the VAT amounts; then run again")


def _vat_reading(sample: pl.DataFrame, fi: _FileIntake, rate_default: float,
                 errors: list[Any] | None) -> bool:
    """Whether a plain amount column beside a VAT column holds gross amounts, decided line by
    line (:func:`_vat_fits`): the reading more lines fit alone wins; lines that fit both (tiny
    amounts) or neither do not vote. When no line fits either, the column is no VAT of these
    amounts: an error. With votes tied, the median ratio against the default rate decides.

    Example: net amounts at 10 % (1 000,00 and 100,00) are net — the median ratio 0.10 was
    nearer a gross 20 % (0.167) than a net 20 % (0.20) and was read as gross."""
    net, gross = _vat_fits(sample, "amount")
    n_net, n_gross = int((net & ~gross).sum()), int((gross & ~net).sum())
    if n_net != n_gross:
        return n_gross > n_net
    if not (net | gross).any() and errors is not None and _rates_as_vat(sample):
        errors.append(_no_vat_error(sample, fi, "amount"))
    ratio = float(cast(float, (sample["vat"] / sample["amount"]).median()))
    share = rate_default / 100
    return abs(ratio - share / (1 + share)) < abs(ratio - share)


def _net_vat_gross(df: pl.DataFrame, fi: _FileIntake, warnings: list[str]) -> None:
    """Net, VAT and gross side by side must add up (net + VAT = gross, to the kopeck): the
    lines that do not are counted in a warning with the first of them (net is taken as
    exported; an export mixing columns of different documents or discounts shows here)."""
    ok = pl.col("_reason").is_null() & pl.all_horizontal(
        [pl.col(c).is_not_null() for c in ("net_revenue", "vat", "gross_revenue")])
    off = df.filter(ok & ((pl.col("net_revenue") + pl.col("vat") - pl.col("gross_revenue"))
                          .abs() > 1))
    if off.height:
        r = off.row(0, named=True)
        warnings.append(said(
            "warn_net_vat_gross_differ", file=fi.rep.label, n=off.height,
            net=fi.header("net_revenue"), vat=fi.header("vat"), gross=fi.header("gross_revenue"),
            row=str(r["_row"]), diff_minor=int(off.select(
                (pl.col("gross_revenue") - pl.col("net_revenue") - pl.col("vat")).abs().sum())
                .item())))


def _sales_amounts(p: _Parsed, fi: _FileIntake, cfg: EngagementConfig,
                   spec: InputSpec | None, warnings: list[str],
                   errors: list[Any] | None = None) -> pl.DataFrame:
    """Derive net_revenue (VAT excluded) and returns for one sales file (an input that
    cannot be read as money is added to ``errors``)."""
    df, rep, m = p.frame, p.report, fi.mapping
    if not {"net_revenue", "gross_revenue", "amount"} & set(m):
        df = _amount_from_price(df, fi, spec)
    if "vat" in m:
        df = _check_vat(df, fi)
    rate_default = cfg.intake.vat_rate
    include_vat = spec.amounts_include_vat if spec and spec.amounts_include_vat is not None \
        else cfg.intake.amounts_include_vat
    # which column carries the money, and with or without VAT
    if "net_revenue" in m and ("vat" in m or "gross_revenue" in m) and "gross_revenue" not in m \
            and header_key(fi.header("net_revenue")) in _GENERIC_NET:
        # 'Выручка' with a VAT column: decide from the ratio VAT / amount
        df = df.rename({"net_revenue": "amount"})
        m = {("amount" if k == "net_revenue" else k): v for k, v in m.items()}
        fi.mapping = m
    if "net_revenue" in m:
        how: tuple[str, dict[str, Any]] = ("note_net_as_exported", {})
        net = pl.col("net_revenue")
        if "gross_revenue" in m and "vat" in m:
            _net_vat_gross(df, fi, warnings)
    else:
        gross_col = "gross_revenue" if "gross_revenue" in m else "amount"
        m = {**m, **dict.fromkeys(fi.derived, -1)}
        gross = pl.col(gross_col)
        is_gross = gross_col == "gross_revenue"
        if gross_col == "amount" and "vat" in m:
            sample = df.filter((pl.col("amount") != 0) & pl.col("vat").is_not_null()
                               & (pl.col("vat") != 0) & pl.col("_reason").is_null())
            if sample.height:
                is_gross = _vat_reading(sample, fi, rate_default, errors)
            else:
                is_gross = bool(include_vat)
        elif "vat" in m:      # a gross column by its header: its VAT must fit it somewhere
            sample = df.filter((pl.col(gross_col) != 0) & pl.col("vat").is_not_null()
                               & (pl.col("vat") != 0) & pl.col("_reason").is_null())
            if sample.height and errors is not None and _rates_as_vat(sample) \
                    and not _vat_fits(sample, gross_col)[1].any():
                errors.append(_no_vat_error(sample, fi, gross_col))
        elif gross_col == "amount":
            if include_vat is None:
                is_gross = "vat_rate" in m
                warnings.append(said(
                    "warn_vat_assumed_gross" if is_gross else "warn_vat_assumed_net",
                    file=rep.label, column=fi.header("amount")))
            else:
                is_gross = include_vat
        if not is_gross:
            net, how = gross, ("note_net_taken_as_net", {"column": fi.header(gross_col)})
        elif "vat" in m:
            net = gross - pl.col("vat").fill_null(0)
            how = ("note_net_gross_minus_vat", {"gross": fi.header(gross_col),
                                                "vat": fi.header("vat")})
        else:
            rate = pl.col("vat_rate").fill_null(rate_default) if "vat_rate" in m \
                else pl.lit(rate_default)
            # exact to the kopeck: round half away from zero of gross*100/(100+rate)
            net = (gross.cast(pl.Float64) * 100 / (100 + rate)).round(0).cast(pl.Int64)
            how = ("note_net_by_rate_column", {"gross": fi.header(gross_col),
                                               "rate": fi.header("vat_rate")}) \
                if "vat_rate" in m else ("note_net_by_default_rate", {
                    "gross": fi.header(gross_col), "vat_share": rate_default / 100})
        df = df.with_columns(gross_revenue=gross)
    df = df.with_columns(net_revenue=net)
    df = _blank_net(df, fi, m)
    df = _not_a_sale(df, fi, m)
    # returns: flag from a column, the document type or text, or a negative amount
    doc_text = [pl.col(c) for c in ("doc_type", "document_id") if c in m]
    by_doc = pl.any_horizontal([c.str.contains(_RETURN_RE).fill_null(False) for c in doc_text]) \
        if doc_text else pl.lit(False)
    flag = pl.col("is_return").fill_null(False) if "is_return" in m else pl.lit(False)
    if "is_return" not in m and _RETURNS_FILE.search(rep.file) and not _SALES_FILE.search(
            rep.file):
        # 'Возвраты покупателей ноябрь.csv': a file of returns by its name, its documents
        # bare numbers and its amounts positive (its lines were added to the sales)
        flag = pl.lit(True)
        rep.note("note_returns_file", file=rep.file)
    df = df.with_columns(_doc_return=by_doc | flag)
    flip = pl.col("_doc_return") & (pl.col("net_revenue") > 0)
    signed = [c for c in ("net_revenue", "gross_revenue", "vat", "cogs", "discount",
                          "list_revenue", "quantity") if c in df.columns]
    df = df.with_columns([pl.when(flip).then(-pl.col(c).abs()).otherwise(pl.col(c)).alias(c)
                          for c in signed])
    df = df.with_columns(is_return=pl.col("_doc_return") | (pl.col("net_revenue") < 0))
    if "return_amount" in m:
        df = _return_lines(df, fi)
    if "quantity" in df.columns:
        odd = df.filter(~pl.col("is_return") & (pl.col("quantity") < 0)
                        & pl.col("_reason").is_null())
        for r, raw_q in odd.select("_row", "_raw_quantity").head(50).iter_rows():
            p.issues.append({"file": rep.file, "sheet": rep.sheet, "row": r, "table": "sales",
                             "column": fi.header("quantity"), "value": raw_q,
                             "problem": "negative quantity with a positive amount: kept as "
                             "exported; check whether it is a correction"})
    rep.returns = {"flipped_to_negative": int(df.filter(flip).height)}
    if "cogs" in m:
        # a line without its cost of sales has a margin of 100 % in the P&L: said, with money
        bare = df.filter(pl.col("_reason").is_null() & pl.col("cogs").is_null()
                         & (pl.col("net_revenue") != 0) & ~pl.col("is_return"))
        if bare.height:
            warnings.append(said("warn_cogs_missing", file=rep.label, n=bare.height,
                                 column=fi.header("cogs"), row=str(bare["_row"][0]),
                                 money_minor=int(bare["net_revenue"].sum() or 0)))
    rep.note(how[0], **how[1])
    return df.drop("_doc_return")


#: a file of returns by its name ('Возвраты покупателей ноябрь.csv', 'Returns Q4.xlsx')…
_RETURNS_FILE = re.compile(r"(?i)(^\W*возврат|возвраты?\s+(покупател|товаров|от\s+покупат|"
                           r"клиент)|^\W*(customer\s+)?returns?\b|^\W*credit\s+notes?)")
#: … unless it names sales too ('Продажи и возвраты.xlsx')
_SALES_FILE = re.compile(r"(?i)(продаж|реализац|отгрузк|выручк|sales|shipments|invoices)")


def _return_lines(df: pl.DataFrame, fi: _FileIntake) -> pl.DataFrame:
    """Returns in columns of their own on the sales line ('Количество возврата', 'Сумма
    возврата без НДС'): each filled one becomes a return line beside its sale — same row,
    date, client and document, its amount and quantity negative, no cost known — so that the
    P&L counts it among the returns (the columns were left unused: the revenue was overstated
    by the returns, 1 750 instead of 1 425). The amount is taken as net of VAT."""
    amt = pl.col("return_amount")
    back = df.filter(pl.col("_reason").is_null() & amt.is_not_null() & (amt != 0))
    if not back.height:
        return df
    money = [c for c in ("gross_revenue", "vat", "cogs", "discount", "list_revenue")
             if c in back.columns]
    back = back.with_columns(
        net_revenue=-amt.abs(), is_return=pl.lit(True),
        **({"quantity": -pl.col("return_quantity").abs()} if "return_quantity" in back.columns
           and "quantity" in back.columns else {}),
        **{c: pl.lit(None, dtype=back.schema[c]) for c in [*money, "return_amount"]
           + [f"_raw_{c}" for c in [*money, "return_amount"] if f"_raw_{c}" in back.columns]})
    fi.rep.note("note_return_columns", n=back.height, column=fi.header("return_amount"),
                money_minor=int(-back["net_revenue"].sum() or 0))
    # each return line right after its sale: the rows keep the file's order
    return pl.concat([df.with_columns(_rk=pl.lit(0)), back.with_columns(_rk=pl.lit(1))],
                     how="vertical_relaxed").with_row_index("_i").sort(
        "_row", "_rk", "_i").drop("_rk", "_i")


def _blank_net(df: pl.DataFrame, fi: _FileIntake, m: dict[str, Any]) -> pl.DataFrame:
    """A line whose net amount is empty while another of its amounts is filled (a blank
    'Сумма без НДС' beside 'Сумма с НДС', a formula Excel never computed): its net is its
    gross less its VAT when both are on the line, said in a note; else the line is rejected,
    its filled cells quoted. It was accepted with no net: its money was in neither the
    accepted nor the rejected total, and the run stopped on an internal error."""
    blank = pl.col("_reason").is_null() & pl.col("net_revenue").is_null()
    if not df.select(blank.any()).item():
        return df
    if {"gross_revenue", "vat"} <= set(m) and "net_revenue" in m:
        derivable = blank & pl.col("gross_revenue").is_not_null() & pl.col("vat").is_not_null()
        n = int(df.select(derivable.sum()).item())
        if n:
            df = df.with_columns(net_revenue=pl.when(derivable).then(
                pl.col("gross_revenue") - pl.col("vat")).otherwise(pl.col("net_revenue")))
            fi.rep.note("note_blank_net_from_gross", n=n, net=fi.header("net_revenue"),
                        gross=fi.header("gross_revenue"), vat=fi.header("vat"))
    filled = [c for c in ("gross_revenue", "amount", "vat", "unit_price", "quantity", "cogs")
              if c in m and f"_raw_{c}" in df.columns]
    net_head = fi.header("net_revenue") if "net_revenue" in m else fi.header(
        "gross_revenue" if "gross_revenue" in m else "amount")
    filled = [c for c in filled if fi.header(c) != net_head]
    quoted = pl.concat_str([pl.lit(f"{fi.header(c)} = ") + pl.col(f"_raw_{c}").fill_null("")
                            for c in filled], separator="; ") if filled else pl.lit("")
    still = pl.col("_reason").is_null() & pl.col("net_revenue").is_null()
    return df.with_columns(
        _reason=pl.when(still).then(pl.lit(
            f"no amount: '{net_head}' is empty while the line has other figures (a formula "
            "not computed, or a cell left blank); fill it in the source and export again"))
        .otherwise(pl.col("_reason")),
        _rcol=pl.when(still).then(pl.lit(net_head)).otherwise(pl.col("_rcol")),
        _rval=pl.when(still).then(quoted).otherwise(pl.col("_rval")))


def _not_a_sale(df: pl.DataFrame, fi: _FileIntake, m: dict[str, Any]) -> pl.DataFrame:
    """Lines of a document journal that are no sale: a draft (``Проведен`` = Нет) or a
    document marked for deletion (``Пометка удаления`` = Да) are set aside with their money
    (they were loaded: 18 000 of unposted and deleted documents beside 1 500 of sales)."""
    draft = (pl.col("posted") == False) if "posted" in m else pl.lit(False)  # noqa: E712
    gone = (pl.col("deleted") == True) if "deleted" in m else pl.lit(False)  # noqa: E712
    ok = pl.col("_reason").is_null()
    draft, gone = ok & draft.fill_null(False), ok & gone.fill_null(False)
    if not df.select((draft | gone).any()).item():
        return df
    posted_h = fi.header("posted") if "posted" in m else ""
    deleted_h = fi.header("deleted") if "deleted" in m else ""
    return df.with_columns(
        _reason=pl.when(gone).then(pl.lit(
            f"{MARKED_DELETED} in the source system ('{deleted_h}'): no sale"))
        .when(draft).then(pl.lit(
            f"{NOT_POSTED} in the source system ('{posted_h}'): a draft, no sale"))
        .otherwise(pl.col("_reason")),
        _rcol=pl.when(gone).then(pl.lit(deleted_h)).when(draft).then(pl.lit(posted_h))
        .otherwise(pl.col("_rcol")),
        _rval=pl.when(gone).then(pl.col("_raw_deleted") if "deleted" in m else pl.lit(None))
        .when(draft).then(pl.col("_raw_posted") if "posted" in m else pl.lit(None))
        .otherwise(pl.col("_rval")))


def _check_vat(df: pl.DataFrame, fi: _FileIntake) -> pl.DataFrame:
    """Reject rows whose VAT cannot belong to their amount: larger than it, or of the
    other sign (net would come out above gross, or a sale would turn into a return)."""
    base = next(c for c in ("gross_revenue", "amount", "net_revenue") if c in df.columns)
    vat, amt = pl.col("vat"), pl.col(base)
    odd_sign = (vat != 0) & (amt != 0) & ((vat > 0) != (amt > 0))
    too_big = vat.abs() > amt.abs()
    bad = pl.col("_reason").is_null() & vat.is_not_null() & amt.is_not_null() & (
        odd_sign | too_big)
    return df.with_columns(
        _reason=pl.when(bad & odd_sign).then(pl.lit(
            f"the VAT and '{fi.header(base)}' have opposite signs: net would exceed gross; "
            "check the row in the source system"))
        .when(bad).then(pl.lit(
            f"the VAT is larger than '{fi.header(base)}': net would be negative; check the "
            "row in the source system")).otherwise(pl.col("_reason")),
        _rcol=pl.when(bad).then(pl.lit(fi.header("vat"))).otherwise(pl.col("_rcol")),
        _rval=pl.when(bad).then(pl.col("_raw_vat")).otherwise(pl.col("_rval")),
    )


def _line_amount(q: str | None, p: str | None) -> int | None:
    """Exact line amount in minor units: quantity × price, rounded half away from zero."""
    if q is None or p is None:
        return None
    v = (Decimal(q) * Decimal(p) * 10**SCALE).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(v) if abs(v) < _MAX_MINOR else None


def _amount_from_price(df: pl.DataFrame, fi: _FileIntake, spec: InputSpec | None
                       ) -> pl.DataFrame:
    """``amount`` = quantity × unit price per line, exactly, in minor units.

    Rows whose quantity or price is empty get no amount and are rejected with their
    cells quoted (the amount they would have carried cannot be known).
    """
    q_head, p_head = fi.header("quantity"), fi.header("unit_price")
    dec_q = (spec.decimal if spec else None) or decimal_separator(df["_raw_quantity"],
                                                                   default=",")
    dec_p = (spec.decimal if spec else None) or decimal_separator(df["_raw_unit_price"],
                                                                   default=",")
    q = decimal_text(df["_raw_quantity"], decimal=dec_q)
    price = decimal_text(df["_raw_unit_price"], decimal=dec_p)
    amount = pl.Series("amount", [_line_amount(a, b) for a, b in zip(q, price, strict=True)],
                       dtype=pl.Int64)
    fi.derived["amount"] = f"{q_head} × {p_head}"
    fi.rep.note("note_amount_from_price", quantity=q_head, price=p_head)
    missing = amount.is_null() & pl.Series(df["_reason"].is_null())
    return df.with_columns(
        amount=amount,
        _raw_amount=pl.concat_str([df["_raw_quantity"].fill_null("empty"), pl.lit(" × "),
                                   df["_raw_unit_price"].fill_null("empty")]),
        _reason=pl.when(missing).then(pl.lit(
            "no amount: the quantity or the unit price is empty (the file has no amount "
            "column)")).otherwise(pl.col("_reason")),
        _rcol=pl.when(missing).then(pl.lit(f"{q_head} × {p_head}")).otherwise(pl.col("_rcol")),
        _rval=pl.when(missing).then(pl.concat_str([
            df["_raw_quantity"].fill_null("empty"), pl.lit(" × "),
            df["_raw_unit_price"].fill_null("empty")])).otherwise(pl.col("_rval")),
    )


#: 'ИНН/КПП' in one column, as 1C lists give it: '7707083893/770701001'
_INN_KPP = r"^(\d{9,12})/(\d{9})$"


def _inn_kpp(s: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The INN and the КПП of a combined 'ИНН/КПП' value (spaces ignored); both null where
    the value is not one."""
    both = s.cast(pl.String).str.replace_all(r"[\s\u00a0]", "")
    return both.str.extract(_INN_KPP, 1), both.str.extract(_INN_KPP, 2)


def _pad_tax_id(s: pl.Expr) -> pl.Expr:
    """Normalise tax ids: spaces and dashes out; a Russian INN stored as a number lost its
    leading zero (9 or 11 digits) and gets it back. Ids with letters (foreign VAT numbers
    such as ``FR595951746``) are kept as they are, only without spaces."""
    compact = s.str.replace_all(r"[\s\u00a0-]", "")
    compact = pl.coalesce(_inn_kpp(compact)[0], compact)   # 'ИНН/КПП': the INN
    digits_only = compact.str.contains(r"^[0-9]+$")
    return (pl.when(compact == "").then(None)
            .when(digits_only & compact.str.len_chars().is_in([9, 11]))
            .then(pl.lit("0") + compact)
            .otherwise(compact))
