"""Ingestion: raw exports in ``raw/`` → canonical tables, rejected rows, a manifest.

The first step of every run (``kam check``, ``kam run``). For each file: read it
(:mod:`kamlib.io`), tell which canonical table it holds, map its headers, parse every value
(:mod:`kamlib.parse`), reject the rows that cannot be used (with the file, row, column, value
and reason), recognise totals rows and check them, turn VAT-inclusive amounts into
``net_revenue``, recognise returns, and attach every transaction to a catalogue client.

Money is counted exactly in minor units at every stage: for each file and amount column,
``rows = accepted + rejected`` (+ the unparseable cells, listed), and the canonical tables'
totals equal the accepted totals of their files. A mismatch is a bug and raises
:class:`~kamlib.errors.ReconciliationError`.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from .config import EngagementConfig, InputSpec
from .errors import InputError, KamError, ReconciliationError, SchemaError
from .identifiers import is_valid_inn, tax_id_problem
from .io import (
    SPREADSHEET_SUFFIXES,
    TEXT_SUFFIXES,
    RawTable,
    atomic_write_json,
    read_raw,
    sha256_file,
)
from .parse import (
    CURRENCY_CODES,
    MAX_INT_DIGITS,
    clean_id,
    currency_marks,
    decimal_separator,
    decimal_text,
    minor_to_str,
    parse_bool,
    parse_date,
    parse_money,
    parse_number,
    parse_percent,
)
from .schema import TABLES, Field, Table, header_key

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FileReport",
    "IntakeResult",
    "format_amount",
    "ingest",
    "name_key",
    "summary_text",
    "write_intake",
]

SCALE = 2  # money minor units: kopecks / cents
#: the exact range of one amount: below 10**13 currency units (sums of a million rows fit int64)
_MAX_MINOR = 10 ** (MAX_INT_DIGITS + SCALE)
_TOTALS_RE = r"(?i)^\s*(итого|всего|итог|total|grand total|totals)\b"
_RETURN_RE = r"(?i)(возврат|return|credit note|кредит-нота|сторно)"
_GENERIC_NET = {header_key(x) for x in ("Выручка", "Revenue", "Sales revenue")}
_LEGAL_FORMS = ("ооо", "оао", "зао", "пао", "нао", "ао", "ип", "гуп", "муп", "ано", "тоо",
                "llc", "ltd", "gmbh", "inc", "plc", "jsc", "ojsc", "cjsc")
_TRANSACTION_TABLES = ("sales", "activities", "payments", "contacts", "assessment")
#: dates of events that have happened: a value in the future or before 1990 is a typo
_EVENT_DATES = {("sales", "date"), ("activities", "date"), ("payments", "paid_date")}
_EARLIEST = date(1990, 1, 1)


# --------------------------------------------------------------------------- results


@dataclass
class FileReport:
    """What happened to one input file (or worksheet): the manifest's entry for it."""

    file: str
    sheet: str | None = None
    sha256: str = ""
    size_bytes: int = 0
    table: str | None = None
    detected_by: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_skipped: dict[str, int] = field(default_factory=dict)
    money: dict[str, dict[str, Any]] = field(default_factory=dict)
    totals_row: dict[str, dict[str, Any]] | None = None
    period: list[str] | None = None
    returns: dict[str, Any] | None = None
    rounding: dict[str, dict[str, Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """``file`` or ``file[sheet]``."""
        return f"{self.file}[{self.sheet}]" if self.sheet else self.file


@dataclass
class IntakeResult:
    """The canonical tables and the account of how they were made.

    Attributes
    ----------
    tables : dict of str to pl.DataFrame
        Canonical tables (see ``DESIGN.md``), each with ``source_file`` and ``source_row``.
    rejected : pl.DataFrame
        One row per rejected source row: file, sheet, row, table, column, value, reason,
        and the row's amount (``amount``) so rejected money stays visible.
    issues : pl.DataFrame
        Cell-level problems that did not reject the row (the value was left empty).
    files : list of FileReport
        Per input file: mapping, counts, money totals, totals-row check.
    errors : list of KamError
        Problems that make the intake unusable (a required table or column missing, an
        unreadable file). ``kam check`` lists them and exits non-zero.
    warnings : list of str
        Engagement-level remarks (assumptions made, narrowed analyses).
    """

    tables: dict[str, pl.DataFrame]
    rejected: pl.DataFrame
    issues: pl.DataFrame
    files: list[FileReport]
    errors: list[KamError]
    warnings: list[str]
    control: dict[str, Any]
    seconds: float = 0.0
    #: files of raw/ not read, each with the reason (the reader policy of ``_list_raw``)
    skipped_files: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing fatal was found."""
        return not self.errors

    def table(self, name: str) -> pd.DataFrame:
        """Return a canonical table as a pandas DataFrame (empty if not given)."""
        import pandas as pd  # only for callers who want pandas; `kam check` does not

        if name not in self.tables:
            cols = [f.name for f in TABLES[name].canonical]
            return pd.DataFrame(columns=cols)
        return self.tables[name].to_pandas()

    def manifest(self) -> dict[str, Any]:
        """The intake part of ``work/manifest.json``."""
        return {
            "files": [asdict(f) for f in self.files],
            "tables": {k: {"rows": v.height} for k, v in self.tables.items()},
            "rejected_rows": self.rejected.height,
            "issues": self.issues.height,
            "control_totals": self.control,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": self.warnings,
            "skipped_files": self.skipped_files,
            "seconds": round(self.seconds, 3),
        }


# --------------------------------------------------------------------------- helpers


def name_key(name: str | None) -> str | None:
    """Exact-match key of a company name: case, ё, quotes, spacing and legal-form position.

    ``ООО «Вектор»``, ``ООО "Вектор"``, ``ооо  вектор`` and ``Вектор ООО`` share a key. This
    is for attaching transactions to the catalogue only; step 1 does the real matching.
    """
    if name is None:
        return None
    s = unicodedata.normalize("NFKC", str(name)).casefold().replace("ё", "е")
    s = re.sub(r"[«»\"'„“”‘’`]", " ", s)
    s = re.sub(r"[^\w\s.-]", " ", s)
    tokens = s.replace(".", " ").split()
    forms = [t for t in tokens if t in _LEGAL_FORMS]
    core = [t for t in tokens if t not in _LEGAL_FORMS]
    return (" ".join(forms[:1]) + "|" + " ".join(core)) if core else None


def _synonym_keys(f: Field) -> list[str]:
    return [header_key(s) for s in f.synonyms]


def _map_headers(headers: list[str], tbl: Table) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Map header positions to the table's fields by synonyms.

    Returns (field -> chosen column, field -> every matching column).
    """
    hits: dict[str, list[int]] = {}
    keys = [header_key(h) for h in headers]
    for f in tbl.fields:
        syn = _synonym_keys(f)
        matches = [i for i, k in enumerate(keys) if k and k in syn]
        if matches:
            hits[f.name] = sorted(matches, key=lambda i: (syn.index(keys[i]), i))
    # one column feeds one field: the field whose synonym list ranks it highest wins
    owner: dict[int, str] = {}
    for fname, cols in hits.items():
        for i in cols:
            rank = _synonym_keys(tbl.field(fname)).index(keys[i])
            if i not in owner or rank < _synonym_keys(tbl.field(owner[i])).index(keys[i]):
                owner[i] = fname
    chosen = {}
    for fname, cols in hits.items():
        mine = [i for i in cols if owner[i] == fname]
        if mine:
            chosen[fname] = mine[0]
    return chosen, hits


def _required_ok(tbl: Table, mapped: set[str]) -> list[str]:
    """Return the missing requirements of ``tbl`` given the mapped fields (empty = ok)."""
    alt_fields = {f for group in tbl.required_any for f in group}
    missing = [f.name for f in tbl.fields if f.required and f.name not in alt_fields
               and f.name not in mapped]
    for group in tbl.required_any:
        if not set(group) & mapped:
            missing.append(" or ".join(group))
    return missing


def _detect_table(headers: list[str]) -> tuple[str | None, dict[str, int], list[str]]:
    """Choose the table whose required fields are all present and which maps most columns."""
    best: tuple[tuple[int, int], str, dict[str, int]] | None = None
    for tbl in TABLES.values():
        chosen, _ = _map_headers(headers, tbl)
        if _required_ok(tbl, set(chosen)):
            continue
        n_req = sum(1 for f in tbl.fields if f.required and f.name in chosen)
        score = (len(chosen), n_req)
        if best is None or score > best[0]:
            best = (score, tbl.name, chosen)
    if best is None:
        return None, {}, []
    return best[1], best[2], []


def _nearest_table(headers: list[str]) -> tuple[str, list[str], list[str]] | None:
    """The table a file most resembles (≥ 2 columns recognised) and what it lacks."""
    best = None
    for tbl in TABLES.values():
        chosen, _ = _map_headers(headers, tbl)
        if len(chosen) >= 2 and (best is None or len(chosen) > len(best[1])):
            best = (tbl.name, chosen)
    if best is None:
        return None
    tbl = TABLES[best[0]]
    return tbl.name, [headers[i] for i in best[1].values()], _required_ok(tbl, set(best[1]))


def _explicit_mapping(raw: RawTable, spec: InputSpec, file_label: str) -> dict[str, int]:
    out = {}
    keys = [header_key(h) for h in raw.headers]
    for canon, src in spec.columns.items():
        if src in raw.headers:
            out[canon] = raw.headers.index(src)
        elif header_key(src) in keys:
            out[canon] = keys.index(header_key(src))
        else:
            raise SchemaError(
                f"engagement.yaml maps '{canon}' to a column '{src}' that the file does not have;"
                f" its columns are: {', '.join(raw.headers)}",
                file=file_label, row=raw.header_row, column=src,
                hint="correct the header text under 'columns:' for this file in "
                "engagement.yaml (copy it from the list above)")
    return out


def _num_str(x: float) -> str:
    """A quantity without float noise or exponent: 2620440.0 → '2620440', 2.5 → '2.5'."""
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _money_str(minor: int | None) -> str:
    return minor_to_str(int(minor or 0), SCALE)


# --------------------------------------------------------------------------- the per-file pass


@dataclass
class _Parsed:
    """A file's rows after parsing: canonical-ish columns + provenance + rejection reasons."""

    report: FileReport
    frame: pl.DataFrame  # parsed columns, _row, _reason (null = accepted), _rcol, _rval
    issues: list[dict[str, Any]]


class _FileIntake:
    """Maps, parses and validates one RawTable against one canonical table."""

    def __init__(self, raw: RawTable, tbl: Table, mapping: dict[str, int], report: FileReport,
                 cfg: EngagementConfig, spec: InputSpec | None) -> None:
        self.raw, self.tbl, self.mapping, self.rep = raw, tbl, mapping, report
        self.cfg, self.spec = cfg, spec
        self.issues: list[dict[str, Any]] = []
        #: fields computed from others (e.g. amount = quantity × unit price): their label
        self.derived: dict[str, str] = {}

    def header(self, fname: str) -> str:
        """The source header of a mapped field (or the description of a derived one)."""
        if fname not in self.mapping and fname in self.derived:
            return self.derived[fname]
        return self.raw.headers[self.mapping[fname]]

    def run(self) -> _Parsed:
        raw, rep = self.raw, self.rep
        cols = {fname: pl.col(f"c{i}") for fname, i in self.mapping.items()}
        df = raw.data.select([c.alias(f) for f, c in cols.items()] + [pl.col("_row")])
        all_cells = raw.data.drop("_row")
        non_empty = pl.any_horizontal(
            [pl.col(c).is_not_null() for c in all_cells.columns]
        ) if all_cells.width else pl.lit(False)
        first_text = pl.coalesce([pl.col(c) for c in all_cells.columns]) if all_cells.width \
            else pl.lit(None)
        flags = raw.data.select(
            pl.col("_row"), non_empty.alias("_nonempty"),
            first_text.str.contains(_TOTALS_RE).fill_null(False).alias("_totals"),
        )
        df = df.join(flags, on="_row", how="left")
        rep.rows_read = int(df["_nonempty"].sum())
        skipped: Counter[str] = Counter()
        skipped["empty row"] = df.height - rep.rows_read
        skipped.update(reason for _, reason in raw.skipped)
        df = df.filter(pl.col("_nonempty"))
        # repeated header rows (concatenated exports): every cell equals its header
        if all_cells.width:
            same = raw.data.select(pl.col("_row"), pl.all_horizontal(
                [pl.col(f"c{i}").fill_null("") == h for i, h in enumerate(raw.headers)]
            ).alias("_hdr")).filter(pl.col("_hdr"))["_row"]
            if same.len():
                skipped["repeated header row"] += same.len()
                df = df.filter(~pl.col("_row").is_in(same.implode()))
        # totals rows: the last is the file's total (checked), others are subtotals
        totals = df.filter(pl.col("_totals"))
        df = df.filter(~pl.col("_totals"))
        totals_row = None
        if totals.height:
            last = totals["_row"][-1]
            totals_row = raw.data.filter(pl.col("_row") == last)
            if totals.height > 1:
                skipped["subtotal row"] += totals.height - 1
            skipped["totals row (used as a check)"] += 1
        rep.rows_read = df.height + totals.height
        rep.rows_skipped = {k: v for k, v in skipped.items() if v}
        df = df.drop("_nonempty", "_totals")
        self._check_currency(df)
        parsed, reasons = self._parse(df)
        parsed = parsed.with_columns(reasons)
        self._check_totals(parsed, totals_row)
        return _Parsed(rep, parsed, self.issues)

    # ---------------------------------------------------------------- parsing by kind

    def _parse(self, df: pl.DataFrame) -> tuple[pl.DataFrame, list[pl.Expr]]:
        spec_dec = self.spec.decimal if self.spec else None
        default_dec = "," if self.raw.delimiter in (";", "\t", None) else "."
        out = {"_row": df["_row"]}
        # field, bad mask, reason (text or per-row Series), fatal
        problems: list[tuple[str, pl.Series, str | pl.Series, bool]] = []
        # columns are independent: parse them on all cores (polars releases the GIL)
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            parsed = list(pool.map(lambda fname: self._parse_field(
                fname, df[fname], spec_dec, default_dec), list(self.mapping)))
        self.rounded = sum(r for *_, r in parsed)
        for fname, v, bad, reason, _ in parsed:
            f = self.tbl.field(fname)
            out[fname] = v.alias(fname)
            out[f"_raw_{fname}"] = df[fname]
            fatal = f.required or f.kind == "money" or (
                self.tbl.name == "sales" and fname in ("vat_rate", "quantity", "is_return"))
            if bad.any():
                problems.append((fname, bad, reason, fatal))
        frame = pl.DataFrame(out)
        # missing required values
        for f in self.tbl.fields:
            if f.required and f.name in self.mapping and not self._has_alternative(f.name):
                problems.append((f.name, frame[f.name].is_null() & ~_any_bad(problems, f.name),
                                 "empty, but required", True))
        for group in self.tbl.required_any:
            present = [g for g in group if g in self.mapping]
            if present and len(group) > 1:
                empty = pl.all_horizontal([frame[g].is_null() for g in present])
                problems.append((present[0], frame.select(empty).to_series(),
                                 f"empty: none of {', '.join(self.header(g) for g in present)} "
                                 "is filled", True))
        # non-fatal problems: the value is emptied and the issue listed
        for fname, bad, reason, fatal in problems:
            if not fatal:
                idx = bad.arg_true()
                for i in idx.to_list():
                    why = reason if isinstance(reason, str) else reason[i]
                    self.issues.append({
                        "file": self.rep.file, "sheet": self.rep.sheet,
                        "row": int(frame["_row"][i]), "table": self.tbl.name,
                        "column": self.header(fname), "value": frame[f"_raw_{fname}"][i],
                        "problem": f"{why}; left empty"})
        fatal_p = [(f, b, r) for f, b, r, fat in problems if fat]
        reason_expr = pl.lit(None, dtype=pl.String)
        col_expr = pl.lit(None, dtype=pl.String)
        val_expr = pl.lit(None, dtype=pl.String)
        ragged = {r: line for r, _, line in self.raw.ragged}
        if ragged:
            is_ragged = frame["_row"].is_in(list(ragged))
            n = len(self.raw.headers)
            reason_expr = pl.when(pl.lit(is_ragged)).then(pl.lit(
                f"the row has more fields than the header's {n} (a delimiter inside an "
                "unquoted value?); its values may be shifted")).otherwise(reason_expr)
            val_expr = pl.when(pl.lit(is_ragged)).then(
                pl.col("_row").replace_strict(ragged, default=None, return_dtype=pl.String)
            ).otherwise(val_expr)
        for fname, bad, reason in reversed(fatal_p):
            cond = pl.lit(bad)
            reason_expr = pl.when(cond).then(pl.lit(reason)).otherwise(reason_expr)
            col_expr = pl.when(cond).then(pl.lit(self.header(fname))).otherwise(col_expr)
            val_expr = pl.when(cond).then(pl.col(f"_raw_{fname}")).otherwise(val_expr)
        return frame, [reason_expr.alias("_reason"), col_expr.alias("_rcol"),
                       val_expr.alias("_rval")]

    def _parse_field(self, fname: str, s: pl.Series, spec_dec: str | None, default_dec: str
                     ) -> tuple[str, pl.Series, pl.Series, str | pl.Series, int]:
        """Parse one column by its kind: (name, values, bad mask, reason, values rounded)."""
        f = self.tbl.field(fname)
        none = pl.repeat(False, len(s), eager=True, dtype=pl.Boolean)
        if f.kind in ("money", "number"):
            dec = spec_dec or decimal_separator(s, default=default_dec)
            if f.kind == "money":
                v, bad, rounded = parse_money(s, decimal=dec, scale=SCALE)
                if rounded.any():
                    self._rounding(fname, s, v, bad, dec)
                huge = bad & s.str.replace_all(r"[^\d.,]", "").str.extract(
                    r"^(\d+)", 1).str.len_chars().gt(MAX_INT_DIGITS).fill_null(False)
                reason: str | pl.Series = "not an amount"
                if huge.any():
                    reason = pl.select(pl.when(pl.lit(huge)).then(pl.lit(
                        f"beyond the exact range of amounts (more than {MAX_INT_DIGITS} "
                        "digits before the decimal separator): a typo or a code in the "
                        "amount column")).otherwise(pl.lit("not an amount"))).to_series()
                return fname, v, bad, reason, int(rounded.sum())
            v, bad = parse_number(s, decimal=dec)
            return fname, v, bad, "not a number", 0
        if f.kind == "date":
            v, bad, reason = self._dates(fname, s)
            return fname, v, bad, reason, 0
        if f.kind == "bool":
            v, bad = parse_bool(s)
            return fname, v, bad, "not a yes/no value", 0
        if f.kind == "percent":
            v, bad = parse_percent(s)
            return fname, v, bad, "not a VAT rate (expected e.g. 20% or 'Без НДС')", 0
        if f.kind == "id":
            return fname, clean_id(s), none, "", 0
        v = s.str.strip_chars()
        v = pl.select(pl.when(v == "").then(None).otherwise(v)).to_series()
        return fname, v, none, "", 0

    def _check_currency(self, df: pl.DataFrame) -> None:
        """Stop on amounts in several currencies, or in another than the engagement's.

        Currencies come from a currency column and from marks in amount cells (``$``, ``€``,
        ``руб.``); amounts are never added across currencies.
        """
        found: list[pl.DataFrame] = []
        for fname in self.mapping:
            kind = self.tbl.field(fname).kind
            if kind == "money":
                code = currency_marks(df[fname])
            elif fname == "currency":
                low = df[fname].str.strip_chars().str.to_lowercase().str.strip_chars_end(".")
                code = low.replace_strict({k.rstrip("."): v for k, v in CURRENCY_CODES.items()},
                                          default=None, return_dtype=pl.String)
                code = pl.select(pl.coalesce(code, df[fname].str.strip_chars().str.to_uppercase())
                                 ).to_series()
            else:
                continue
            found.append(pl.DataFrame({"_row": df["_row"], "code": code}).drop_nulls())
        if not found:
            return
        codes = pl.concat(found).unique(["_row", "code"]).group_by("code").agg(
            pl.col("_row").sort().alias("rows")).sort("code")
        want = self.cfg.currency.upper()
        if codes.height == 0 or (codes.height == 1 and codes["code"][0] == want):
            return
        listed = "; ".join(
            f"{c}: {len(r)} row(s), e.g. row(s) {', '.join(str(x) for x in r[:5])}"
            for c, r in codes.iter_rows())
        first = codes.filter(pl.col("code") != want)["rows"][0][0]
        several = codes.height > 1
        raise InputError(
            ("the amounts are in several currencies, which cannot be added: " if several else
             f"the amounts are in another currency than the engagement's {want}: ") + listed,
            file=self.rep.label, row=int(first),
            hint=f"ask the client for the export in {want} (the engagement's currency), or "
            "split the file by currency and convert it at a documented rate; if the "
            f"engagement is kept in another currency, set 'currency:' in engagement.yaml")

    def _rounding(self, fname: str, s: pl.Series, v: pl.Series, bad: pl.Series, dec: str
                  ) -> None:
        """State the rounding of amounts with fractions of a kopeck, with its exact effect."""
        text = decimal_text(s.filter(~bad & v.is_not_null()), decimal=dec)
        exact = sum((Decimal(t) for t in text.drop_nulls()), Decimal(0))
        got = Decimal(int(v.filter(~bad).sum() or 0)) / 10**SCALE
        diff = got - exact
        n = int((text.str.extract(r"\.(\d*)$", 1).str.len_chars() > SCALE).sum())
        self.rep.rounding[fname] = {"values_rounded": n, "exact_sum": str(exact),
                                    "rounded_sum": _money_str(int(got * 10**SCALE)),
                                    "difference": str(diff)}
        self.rep.notes.append(
            f"{n} value(s) of '{self.header(fname)}' have fractions of a kopeck; each is "
            f"rounded to the kopeck half to even: exact sum {exact}, rounded sum "
            f"{_money_str(int(got * 10**SCALE))}, difference {diff}")

    def _dates(self, fname: str, s: pl.Series) -> tuple[pl.Series, pl.Series, pl.Series]:
        """Parse a date column; say why a value is bad; reject implausible event dates."""
        v, bad = parse_date(s, order=self.cfg.intake.date_order)
        slash = s.str.strip_chars().str.contains(r"^\d{1,2}[/-]\d{1,2}[/-]\d{4}").fill_null(False)
        reason = pl.select(
            pl.when(pl.lit(bad) & pl.lit(slash)).then(pl.lit(
                "ambiguous date: day and month could be either; set intake.date_order "
                "(dmy or mdy) in engagement.yaml"))
            .otherwise(pl.lit("not a date (expected e.g. 31.12.2024 or 2024-12-31)"))
        ).to_series()
        if (self.tbl.name, fname) in _EVENT_DATES:
            latest = date.today() + timedelta(days=31)
            odd = v.is_not_null() & ((v < _EARLIEST) | (v > latest))
            if odd.any():
                reason = pl.select(pl.when(pl.lit(odd)).then(pl.lit(
                    f"date outside the plausible range {_EARLIEST} … {latest} (a typo in the "
                    "year?)")).otherwise(pl.lit(reason))).to_series()
                bad = bad | odd
        return v, bad, reason

    def _has_alternative(self, fname: str) -> bool:
        return any(fname in g and len(g) > 1 for g in self.tbl.required_any)

    # ---------------------------------------------------------------- totals row

    def _check_totals(self, parsed: pl.DataFrame, totals_row: pl.DataFrame | None) -> None:
        rep = self.rep
        money_fields = [f for f in self.mapping if self.tbl.field(f).kind == "money"
                        and f != "unit_price"]
        if totals_row is None:
            return
        check: dict[str, dict[str, Any]] = {}
        for fname in money_fields + [f for f in self.mapping if f == "quantity"]:
            raw_total = totals_row[f"c{self.mapping[fname]}"][0]
            if raw_total is None or not str(raw_total).strip():
                continue
            if fname == "quantity":
                v, bad = parse_number(pl.Series([raw_total]))
                if bad[0]:
                    continue
                rows = float(parsed[fname].sum() or 0)
                diff = round(rows - float(v[0]), 6)
                check[fname] = {"column": self.header(fname), "file": _num_str(v[0]),
                                "rows": _num_str(rows), "difference": _num_str(diff),
                                "ok": abs(diff) < 1e-6}
                continue
            v, bad, _ = parse_money(pl.Series([raw_total]), scale=SCALE,
                                    decimal=decimal_separator(parsed[f"_raw_{fname}"],
                                                              default=","))
            if bad[0]:
                continue
            rows = int(parsed[fname].sum() or 0)
            diff = rows - int(v[0])
            tolerance = self.rounded  # a kopeck per value rounded from more decimals
            check[fname] = {"column": self.header(fname), "file": _money_str(v[0]),
                            "rows": _money_str(rows), "difference": _money_str(diff),
                            "ok": abs(diff) <= tolerance}
            if abs(diff) > tolerance:
                rep.notes.append(
                    f"the totals row (row {totals_row['_row'][0]}) says {self.header(fname)} = "
                    f"{_money_str(v[0])}, the rows add up to {_money_str(rows)} (difference "
                    f"{_money_str(diff)}): rows may be missing from the export, or the total "
                    "covers other data; ask the client to re-export the full period")
        rep.totals_row = check or None


def _any_bad(problems: list[tuple[str, pl.Series, str | pl.Series, bool]],
             fname: str) -> pl.Series:
    masks = [b for f, b, _, _ in problems if f == fname]
    if not masks:
        return pl.Series([False], dtype=pl.Boolean)
    out = masks[0]
    for m in masks[1:]:
        out = out | m
    return out


# --------------------------------------------------------------------------- table logic


def _sales_amounts(p: _Parsed, fi: _FileIntake, cfg: EngagementConfig,
                   spec: InputSpec | None, warnings: list[str]) -> pl.DataFrame:
    """Derive net_revenue (VAT excluded) and returns for one sales file."""
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
        how = "net of VAT as exported"
        net = pl.col("net_revenue")
    else:
        gross_col = "gross_revenue" if "gross_revenue" in m else "amount"
        m = {**m, **dict.fromkeys(fi.derived, -1)}
        gross = pl.col(gross_col)
        is_gross = gross_col == "gross_revenue"
        if gross_col == "amount" and "vat" in m:
            sample = df.filter((pl.col("amount") != 0) & pl.col("vat").is_not_null()
                               & (pl.col("vat") != 0))
            if sample.height:
                ratio = float((sample["vat"] / sample["amount"]).median())
                rate = rate_default / 100
                is_gross = abs(ratio - rate / (1 + rate)) < abs(ratio - rate)
            else:
                is_gross = bool(include_vat)
        elif gross_col == "amount":
            if include_vat is None:
                is_gross = "vat_rate" in m
                warnings.append(
                    f"{rep.label}: column '{fi.header('amount')}' does not say whether it "
                    f"includes VAT; assumed {'with' if is_gross else 'without'} VAT"
                    + (" (a VAT rate column is present)" if is_gross else "")
                    + ". Set intake.amounts_include_vat in engagement.yaml to be explicit.")
            else:
                is_gross = include_vat
        if not is_gross:
            net, how = gross, f"'{fi.header(gross_col)}' taken as net of VAT"
        elif "vat" in m:
            net = gross - pl.col("vat").fill_null(0)
            how = f"'{fi.header(gross_col)}' minus '{fi.header('vat')}'"
        else:
            rate = pl.col("vat_rate").fill_null(rate_default) if "vat_rate" in m \
                else pl.lit(rate_default)
            # exact to the kopeck: round half away from zero of gross*100/(100+rate)
            net = (gross.cast(pl.Float64) * 100 / (100 + rate)).round(0).cast(pl.Int64)
            how = (f"'{fi.header(gross_col)}' ÷ (1 + '{fi.header('vat_rate')}')" if "vat_rate"
                   in m else f"'{fi.header(gross_col)}' ÷ {1 + rate_default / 100:g} "
                   f"(VAT {rate_default:g}% from engagement.yaml)")
        df = df.with_columns(gross_revenue=gross)
    df = df.with_columns(net_revenue=net)
    # returns: flag from a column, the document type or text, or a negative amount
    doc_text = [pl.col(c) for c in ("doc_type", "document_id") if c in m]
    by_doc = pl.any_horizontal([c.str.contains(_RETURN_RE).fill_null(False) for c in doc_text]) \
        if doc_text else pl.lit(False)
    flag = pl.col("is_return").fill_null(False) if "is_return" in m else pl.lit(False)
    df = df.with_columns(_doc_return=by_doc | flag)
    flip = pl.col("_doc_return") & (pl.col("net_revenue") > 0)
    signed = [c for c in ("net_revenue", "gross_revenue", "vat", "cogs", "discount",
                          "list_revenue", "quantity") if c in df.columns]
    df = df.with_columns([pl.when(flip).then(-pl.col(c).abs()).otherwise(pl.col(c)).alias(c)
                          for c in signed])
    df = df.with_columns(is_return=pl.col("_doc_return") | (pl.col("net_revenue") < 0))
    if "quantity" in df.columns:
        odd = df.filter(~pl.col("is_return") & (pl.col("quantity") < 0)
                        & pl.col("_reason").is_null())
        for r, raw_q in odd.select("_row", "_raw_quantity").head(50).iter_rows():
            p.issues.append({"file": rep.file, "sheet": rep.sheet, "row": r, "table": "sales",
                             "column": fi.header("quantity"), "value": raw_q,
                             "problem": "negative quantity with a positive amount: kept as "
                             "exported; check whether it is a correction"})
    rep.returns = {"flipped_to_negative": int(df.filter(flip).height)}
    rep.notes.append(f"net revenue = {how}")
    return df.drop("_doc_return")


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
    fi.rep.notes.append(
        f"amount computed per line as '{q_head}' × '{p_head}' (the file has no amount "
        "column), exactly, rounded to the kopeck half away from zero")
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


def _pad_tax_id(s: pl.Expr) -> pl.Expr:
    """Normalise tax ids: spaces and dashes out; a Russian INN stored as a number lost its
    leading zero (9 or 11 digits) and gets it back. Ids with letters (foreign VAT numbers
    such as ``FR595951746``) are kept as they are, only without spaces."""
    compact = s.str.replace_all(r"[\s\u00a0-]", "")
    digits_only = compact.str.contains(r"^[0-9]+$")
    return (pl.when(compact == "").then(None)
            .when(digits_only & compact.str.len_chars().is_in([9, 11]))
            .then(pl.lit("0") + compact)
            .otherwise(compact))


# --------------------------------------------------------------------------- engagement pass


def _find_spec(path: Path, eng_dir: Path, specs: list[InputSpec]) -> InputSpec | None:
    rel = path.relative_to(eng_dir).as_posix()
    rel_raw = path.relative_to(eng_dir / "raw").as_posix()
    for s in specs:
        if s.file in (rel, rel_raw, path.name):
            return s
    return None


def _list_raw(eng_dir: Path, declared: set[str]) -> tuple[list[Path], list[dict[str, str]]]:
    """The files of ``raw/`` to read, and every file skipped with its reason.

    The reader policy: symbolic links are not followed (one could point at another
    client's export); files in sub-folders are read only when ``engagement.yaml`` lists
    them under ``inputs`` (a folder is often an older export kept aside); hidden files and
    Excel lock files (``~$x.xlsx``) are not exports; of byte-identical files (``sales.csv``
    and ``sales (1).csv``) the shortest name is read and the others are counted once.
    Everything skipped is listed (the manifest and ``kam check``), never dropped silently.
    """
    raw = eng_dir / "raw"
    if not raw.is_dir():
        raise SchemaError("the engagement has no raw/ folder", file=str(eng_dir),
                          hint="create it with `kam init DIR` and put the exports into raw/")
    files: list[Path] = []
    skipped: list[dict[str, str]] = []

    def skip(p: Path, reason: str) -> None:
        skipped.append({"file": p.relative_to(raw).as_posix(), "reason": reason})

    for p in sorted(raw.rglob("*")):
        rel = p.relative_to(raw).as_posix()
        if any(part.startswith(".") for part in p.relative_to(raw).parts[:-1]):
            continue  # inside a hidden folder: the folder itself is reported
        if p.is_symlink():
            skip(p, "a symbolic link: not followed (it may point outside this engagement); "
                 "copy the file itself into raw/")
            continue
        if p.is_dir():
            if p.name.startswith("."):
                skip(p, "a hidden folder: not read")
            continue
        if not p.is_file():
            skip(p, "not a regular file")
            continue
        if p.name.startswith("~$"):
            skip(p, "an Excel lock file (the workbook was open when copied): not an export")
        elif p.name.startswith("."):
            skip(p, "a hidden file: not read; rename it if it is an export")
        elif p.suffix.lower() not in TEXT_SUFFIXES | SPREADSHEET_SUFFIXES:
            skip(p, "not a table format (.csv, .txt, .tsv, .xlsx, .xls, .ods): not read")
        elif p.parent != raw and rel not in declared and f"raw/{rel}" not in declared:
            skip(p, "in a sub-folder of raw/: not read; move it into raw/ or list it under "
                 "'inputs' in engagement.yaml")
        else:
            files.append(p)
    by_size: dict[int, list[Path]] = {}
    for p in files:
        by_size.setdefault(p.stat().st_size, []).append(p)
    copies: set[Path] = set()
    for same in by_size.values():
        if len(same) < 2:
            continue
        first_of: dict[str, Path] = {}
        for p in sorted(same, key=lambda q: (len(q.name), q.name)):  # 'x.csv' before 'x (1).csv'
            digest = sha256_file(p)
            if digest in first_of:
                copies.add(p)
                skip(p, f"a byte-identical copy of {first_of[digest].relative_to(raw).as_posix()}"
                     f" (SHA-256 {digest[:12]}…): read once, its money counted once")
            else:
                first_of[digest] = p
    return [p for p in files if p not in copies], skipped


def ingest(
    eng_dir: str | Path,
    cfg: EngagementConfig,
    *,
    on_progress: Callable[[str], None] | None = None,
) -> IntakeResult:
    """Read every export in ``eng_dir/raw`` into canonical tables.

    Parameters
    ----------
    eng_dir : path-like
        The engagement folder (with ``raw/``). Nothing in it is modified.
    cfg : EngagementConfig
        The validated ``engagement.yaml`` (``intake`` and ``inputs`` sections are used).
    on_progress : callable, optional
        Receives one line per file read.

    Returns
    -------
    IntakeResult
        Canonical tables, rejected rows, cell issues, per-file reports, fatal errors.
        Fatal problems are collected (not raised) so that ``kam check`` can list them all.
    """
    t0 = time.perf_counter()
    eng_dir = Path(eng_dir).resolve()
    declared = {s.file for s in cfg.inputs}
    files, skipped_files = _list_raw(eng_dir, declared)
    warnings: list[str] = [f"raw/{s['file']}: skipped, {s['reason']}" for s in skipped_files]
    errors: list[KamError] = []
    reports: list[FileReport] = []
    parsed: dict[str, list[tuple[_Parsed, _FileIntake]]] = {}
    seen_specs = set()
    # hash every input on a background thread while the files are read
    hasher = ThreadPoolExecutor(max_workers=1)
    hashes = {path: hasher.submit(sha256_file, path) for path in files}
    try:
        _read_all(files, eng_dir, cfg, hashes, reports, parsed, errors, seen_specs,
                  on_progress)
    finally:
        hasher.shutdown(wait=True)
    for s in declared - seen_specs:
        errors.append(SchemaError(f"engagement.yaml lists '{s}' under inputs, but raw/ has no "
                                  "such file", file=s, hint="fix the name, or add the file"))
    tables, rejected, issues, control = _assemble(parsed, cfg, warnings, errors)
    for f in reports:
        if f.table and f.rows_read == 0:
            f.notes.append("the file has a header but no data rows")
        if f.totals_row and not all(t["ok"] for t in f.totals_row.values()):
            warnings.extend(f"{f.label}: {n}" for n in f.notes if n.startswith("the totals row"))
    for f in reports:
        if f.table and f.rows_rejected and not f.rows_accepted:
            first = result_first_reason(rejected, f.label)
            errors.append(InputError(
                f"every data row of the file was rejected ({f.rows_rejected} rows); nothing "
                f"of it can be used. First reason: {first}", file=f.label,
                hint="fix the problem named above (a mapping in engagement.yaml, the "
                "decimal separator, the date format) or ask the client to export the table "
                "again; the rejected rows are listed with their reasons"))
    for f in reports:
        for fname, r in f.rounding.items():
            if Decimal(r["difference"]) != 0:
                warnings.append(
                    f"{f.label}: '{f.money.get(fname, {}).get('column', fname)}' has "
                    f"{r['values_rounded']} value(s) with fractions of a kopeck, rounded "
                    f"half to even: exact sum {r['exact_sum']}, loaded {r['rounded_sum']} "
                    f"(difference {r['difference']})")
    empty_sales = [f.label for f in reports if f.table == "sales" and f.rows_read == 0]
    if "sales" in tables and tables["sales"].height == 0 and empty_sales:
        errors.append(InputError(
            "the sales file(s) have a header but no data rows: " + ", ".join(empty_sales),
            file=empty_sales[0], hint="export the sales again for the audit period; check "
            "the report's filters (period, organisation) in the source system"))
    if "sales" not in tables and not any(isinstance(e, SchemaError) and "sales" in e.message
                                         for e in errors):
        errors.append(SchemaError(
            "no sales table found: none of the files in raw/ has the columns of sales lines "
            "(date, document, client, amount)",
            file="raw/", hint="add the sales export, or declare which file holds sales with "
            "'inputs: [{file: NAME, table: sales, columns: {...}}]' in engagement.yaml"))
    return IntakeResult(tables, rejected, issues, reports, errors, warnings, control,
                        time.perf_counter() - t0, skipped_files)



def result_first_reason(rejected: pl.DataFrame, label: str) -> str:
    """The first rejection of a file, as 'row N, column 'X', value 'V': reason'."""
    rows = rejected.filter(pl.col("file") == label).sort("row").head(1)
    if not rows.height:
        return "not recorded"
    r = rows.row(0, named=True)
    value = "empty" if r["value"] is None else f"'{r['value']}'"
    return f"row {r['row']}, column '{r['column']}', value {value}: {r['reason']}"


def _read_all(files: list[Path], eng_dir: Path, cfg: EngagementConfig,
              hashes: dict[Path, Any], reports: list[FileReport],
              parsed: dict[str, list[tuple[_Parsed, _FileIntake]]], errors: list[KamError],
              seen_specs: set[str], on_progress: Callable[[str], None] | None) -> None:
    """Read, map and parse every raw file (results appended to the lists given)."""
    for path in files:
        spec = _find_spec(path, eng_dir, cfg.inputs)
        if spec:
            seen_specs.add(spec.file)
        rel = path.relative_to(eng_dir / "raw").as_posix()
        base = FileReport(file=rel, size_bytes=path.stat().st_size)
        first = len(reports)
        try:
            _read_one(path, rel, base, spec, cfg, reports, parsed, errors, on_progress)
        finally:
            for rep in reports[first:]:
                rep.sha256 = hashes[path].result()


def _read_one(path: Path, rel: str, base: FileReport, spec: InputSpec | None,
              cfg: EngagementConfig, reports: list[FileReport],
              parsed: dict[str, list[tuple[_Parsed, _FileIntake]]], errors: list[KamError],
              on_progress: Callable[[str], None] | None) -> None:
    """Read one raw file (all its sheets) and parse what it holds."""
    if spec and spec.skip:
        base.notes.append("skipped: 'skip: true' in engagement.yaml")
        reports.append(base)
        return
    try:
        raws = read_raw(path, sheet=spec.sheet if spec else None,
                        encoding=spec.encoding if spec else None,
                        delimiter=spec.delimiter if spec else None,
                        header_row=spec.header_row if spec else None,
                        on_progress=on_progress)
    except KamError as exc:
        exc.file = exc.file or rel
        errors.append(exc)
        base.errors.append(exc.to_dict())
        reports.append(base)
        return
    for raw in raws:
        rep = FileReport(**{**asdict(base), "sheet": raw.sheet})
        rep.encoding, rep.delimiter, rep.header_row = raw.encoding, raw.delimiter, \
            raw.header_row
        if raw.note:
            rep.notes.append(raw.note)
        reports.append(rep)
        try:
            item = _one_table(raw, rep, spec, cfg, multi_sheet=len(raws) > 1)
        except KamError as exc:
            exc.file = exc.file or rep.label
            errors.append(exc)
            rep.errors.append(exc.to_dict())
            continue
        if item is not None:
            parsed.setdefault(rep.table or "", []).append(item)


def _one_table(raw: RawTable, rep: FileReport, spec: InputSpec | None, cfg: EngagementConfig,
               *, multi_sheet: bool) -> tuple[_Parsed, _FileIntake] | None:
    label = rep.label
    if spec and spec.table:
        tbl = TABLES[spec.table]
        mapping, hits = _map_headers(raw.headers, tbl)
        rep.detected_by = "engagement.yaml"
    else:
        name, mapping, _ = _detect_table(raw.headers)
        if name is None:
            if multi_sheet:
                rep.notes.append("sheet not recognised as any table; ignored")
                return None
            near = _nearest_table(raw.headers)
            if near is not None:
                tname, found, missing = near
                raise SchemaError(
                    f"this looks like the {tname} table (recognised: {', '.join(found)}) but "
                    f"it lacks the required column(s) {', '.join(missing)}. Headers found "
                    f"(row {raw.header_row}): {', '.join(raw.headers[:20])}",
                    file=label, row=raw.header_row,
                    hint=f"ask the client for a {tname} export with "
                    f"{' and '.join(missing)}, or map an existing column in engagement.yaml: "
                    f"inputs: [{{file: '{rep.file}', table: {tname}, columns: "
                    f"{{{missing[0].split()[0]}: 'Header in the file'}}}}]")
            raise SchemaError(
                "cannot tell which table this file holds: its headers match none of the known "
                f"tables. Headers found (row {raw.header_row}): {', '.join(raw.headers[:15])}",
                file=label, row=raw.header_row,
                hint="declare it in engagement.yaml: inputs: [{file: "
                f"'{rep.file}', table: sales, columns: {{net_revenue: 'Your header', ...}}}}]; "
                "the data-request workbook lists the expected columns")
        tbl = TABLES[name]
        _, hits = _map_headers(raw.headers, tbl)
        rep.detected_by = "headers"
    if spec and spec.columns:
        explicit = _explicit_mapping(raw, spec, label)
        mapping = {k: v for k, v in mapping.items() if v not in explicit.values()}
        mapping.update(explicit)
    else:
        # the same header twice is ambiguous: which one holds the money?
        for fname, cols in hits.items():
            if fname not in mapping:
                continue
            same = [c for c in cols if raw.headers[c] == raw.headers[mapping[fname]]]
            if len(same) > 1:
                used = [c for c in same if raw.data[f"c{c}"].drop_nulls().len()]
                if len(used) > 1:
                    raise SchemaError(
                        f"the header '{raw.headers[same[0]]}' appears {len(same)} times "
                        f"(columns {', '.join(str(c + 1) for c in same)}); cannot tell which "
                        f"one is {fname}", file=label, row=raw.header_row,
                        column=raw.headers[same[0]],
                        hint="rename one of the columns in the file's copy, or map the field "
                        "explicitly in engagement.yaml under 'columns:'")
                mapping[fname] = used[0] if used else same[0]
    missing = _required_ok(tbl, set(mapping))
    if tbl.name == "sales" and not missing and "unit_price" in mapping and "quantity" not in \
            mapping and not {"net_revenue", "gross_revenue", "amount"} & set(mapping):
        missing = ["net_revenue or gross_revenue or amount (or quantity, next to the price)"]
    if missing:
        raise SchemaError(
            f"the {tbl.name} table needs column(s) {', '.join(missing)}, which the file does "
            f"not have. Headers found (row {raw.header_row}): {', '.join(raw.headers[:20])}",
            file=label, row=raw.header_row,
            hint=f"ask the client for the missing column, or map it in engagement.yaml: inputs: "
            f"[{{file: '{rep.file}', table: {tbl.name}, columns: {{{missing[0].split()[0]}: "
            "'Header in the file'}}]")
    rep.table = tbl.name
    rep.mapping = {f: raw.headers[i] for f, i in mapping.items()}
    used_cols = set(mapping.values())
    rep.ignored_columns = [h for i, h in enumerate(raw.headers) if i not in used_cols
                           and raw.data[f"c{i}"].drop_nulls().len()]
    fi = _FileIntake(raw, tbl, mapping, rep, cfg, spec)
    return fi.run(), fi


def _assemble(parsed: dict[str, list[tuple[_Parsed, _FileIntake]]], cfg: EngagementConfig,
              warnings: list[str], errors: list[KamError]
              ) -> tuple[dict[str, pl.DataFrame], pl.DataFrame, pl.DataFrame, dict[str, Any]]:
    """Per-table logic across files: amounts, client resolution, dedupe, money control."""
    frames: dict[str, list[pl.DataFrame]] = {}
    issues: list[dict[str, Any]] = []
    rejected_parts: list[pl.DataFrame] = []
    for tname, items in parsed.items():
        for p, fi in items:
            df = p.frame
            if tname == "sales":
                df = _sales_amounts(p, fi, cfg, fi.spec, warnings)
            df = df.with_columns(source_file=pl.lit(p.report.label),
                                 _sheet=pl.lit(p.report.sheet, dtype=pl.String))
            frames.setdefault(tname, []).append(df)
            issues.extend(p.issues)
    tables: dict[str, pl.DataFrame] = {}
    headers = {p.report.label: p.report.mapping for items in parsed.values() for p, _ in items}
    clients = _clients(frames.get("clients", []), cfg, issues, errors, headers)
    for tname in _TRANSACTION_TABLES:
        if tname not in frames:
            continue
        df = pl.concat(frames[tname], how="diagonal_relaxed")
        df, clients = _resolve_clients(df, tname, clients, cfg, warnings, headers)
        frames[tname] = [df]
    if clients is not None:
        frames["clients"] = [clients]
    control: dict[str, Any] = {}
    for tname, dfs in frames.items():
        df = pl.concat(dfs, how="diagonal_relaxed") if len(dfs) > 1 else dfs[0]
        frames[tname] = [df]
        ok = pl.col("_reason").is_null()
        bad = df.filter(~ok)  # few rows: copied whole
        money_col = _main_money(tname, df)
        rejected_parts.append(bad.select(
            pl.col("source_file").alias("file"), pl.col("_sheet").alias("sheet"),
            pl.col("_row").alias("row"), pl.lit(tname).alias("table"),
            pl.col("_rcol").alias("column"), pl.col("_rval").cast(pl.String).alias("value"),
            pl.col("_reason").alias("reason"),
            (pl.col(money_col).cast(pl.Float64) / 10**SCALE if money_col else
             pl.lit(None, dtype=pl.Float64)).alias("amount"),
        ))
        # accepted rows: only the canonical columns are filtered (projection pushdown)
        tables[tname] = _canonical(df.lazy().filter(ok), TABLES[tname]).collect()
        control[tname] = {"rows_accepted": tables[tname].height, "rows_rejected": bad.height}
        if money_col:
            accepted = df.lazy().filter(ok).select(pl.col(money_col).sum()).collect().item()
            control[tname].update({
                "money_column": money_col,
                "accepted": _money_str(accepted),
                "rejected": _money_str(bad[money_col].sum()),
            })
    rejected = pl.concat(rejected_parts, how="diagonal_relaxed") if rejected_parts else \
        pl.DataFrame(schema={"file": pl.String, "sheet": pl.String, "row": pl.Int64,
                             "table": pl.String, "column": pl.String, "value": pl.String,
                             "reason": pl.String, "amount": pl.Float64})
    issue_schema = {"file": pl.String, "sheet": pl.String, "row": pl.Int64, "table": pl.String,
                    "column": pl.String, "value": pl.String, "problem": pl.String}
    issues_df = pl.DataFrame(issues, schema=issue_schema) if issues else \
        pl.DataFrame(schema=issue_schema)
    for tname, p_items in parsed.items():
        per_file = _money_by_file(frames[tname][0], p_items)
        for p, fi in p_items:
            _file_money(p.report, fi, per_file.get(p.report.label, {}))
    _reconcile(parsed, tables, control)
    return tables, rejected, issues_df, control


def _money_fields(p_items: list[tuple[_Parsed, _FileIntake]]) -> list[str]:
    fields = {f for _, fi in p_items for f in fi.mapping if fi.tbl.field(f).kind == "money"
              and f != "unit_price"} | {f for _, fi in p_items for f in fi.derived}
    if p_items and p_items[0][1].tbl.name == "sales":
        fields.add("net_revenue")
    return sorted(fields)


def _money_by_file(df: pl.DataFrame, p_items: list[tuple[_Parsed, _FileIntake]]
                   ) -> dict[str, dict[str, Any]]:
    """Per source file, in one grouped pass: rows, accepted and rejected counts; per money
    column the sums of all / accepted / rejected rows and the unreadable cells; the period
    and the returns of accepted rows."""
    ok = pl.col("_reason").is_null()
    fields = [f for f in _money_fields(p_items) if f in df.columns]
    aggs: list[pl.Expr] = [ok.sum().alias("accepted"), (~ok).sum().alias("rejected")]
    for f in fields:
        aggs += [pl.col(f).sum().alias(f"{f}|rows"), pl.col(f).filter(ok).sum().alias(f"{f}|acc"),
                 pl.col(f).filter(~ok).sum().alias(f"{f}|rej")]
        raw = f"_raw_{f}"
        if raw in df.columns:
            unreadable = pl.col(f).is_null() & (pl.col(raw).str.strip_chars() != "")
            aggs += [unreadable.sum().alias(f"{f}|bad"),
                     pl.col(raw).filter(unreadable).head(20).alias(f"{f}|badv")]
    if "date" in df.columns:
        aggs += [pl.col("date").filter(ok).min().alias("dmin"),
                 pl.col("date").filter(ok).max().alias("dmax")]
    if "is_return" in df.columns:
        ret = ok & pl.col("is_return")
        aggs += [ret.sum().alias("ret_lines"),
                 pl.col("net_revenue").filter(ret).sum().alias("ret_net")]
    rows = df.lazy().group_by("source_file").agg(aggs).collect()
    return {r["source_file"]: r for r in rows.iter_rows(named=True)}


def _file_money(rep: FileReport, fi: _FileIntake, agg: dict[str, Any]) -> None:
    """Fill a file's report from its aggregate: rows = accepted + rejected, per amount."""
    rep.rows_accepted = int(agg.get("accepted") or 0)
    rep.rows_rejected = int(agg.get("rejected") or 0)
    if agg.get("dmin") is not None:
        rep.period = [str(agg["dmin"]), str(agg["dmax"])]
    fields = [f for f in fi.mapping if fi.tbl.field(f).kind == "money" and f != "unit_price"]
    fields += [f for f in fi.derived if f not in fields]
    if rep.table == "sales" and "net_revenue" not in fields:
        fields.append("net_revenue")
    for fname in fields:
        rep.money[fname] = {
            "column": fi.header(fname) if fname in fi.mapping or fname in fi.derived
            else "derived (see notes)",
            "rows": _money_str(agg.get(f"{fname}|rows")),
            "accepted": _money_str(agg.get(f"{fname}|acc")),
            "rejected": _money_str(agg.get(f"{fname}|rej")),
            "unparseable_cells": int(agg.get(f"{fname}|bad") or 0),
            "unparseable_values": list(agg.get(f"{fname}|badv") or []),
        }
    if rep.table == "sales":
        rep.returns = {**(rep.returns or {}), "lines": int(agg.get("ret_lines") or 0),
                       "net_revenue": _money_str(agg.get("ret_net"))}


def _main_money(tname: str, df: pl.DataFrame) -> str | None:
    for c in {"sales": ["net_revenue"], "payments": ["amount"], "activities": ["cost"],
              "team": ["annual_cost"]}.get(tname, []):
        if c in df.columns:
            return c
    return None


def _clients(dfs: list[pl.DataFrame], cfg: EngagementConfig, issues: list[dict[str, Any]],
             errors: list[KamError], headers: dict[str, dict[str, str]]
             ) -> pl.DataFrame | None:
    """Concatenate client catalogues; drop exact repeats; conflicting codes are an error."""
    if not dfs:
        return None
    df = pl.concat(dfs, how="diagonal_relaxed")
    if "tax_id" in df.columns and cfg.intake.tax_id_pad:
        df = df.with_columns(tax_id=_pad_tax_id(pl.col("tax_id")))
    df = df.with_columns(origin=pl.lit("catalogue"))
    ok = pl.col("_reason").is_null()
    if "tax_id" in df.columns:
        for row in df.filter(ok & pl.col("tax_id").is_not_null()).select(
                "source_file", "_row", "tax_id").iter_rows(named=True):
            problem = tax_id_problem(row["tax_id"])
            if problem:
                issues.append({"file": row["source_file"], "sheet": None, "row": row["_row"],
                               "table": "clients",
                               "column": headers.get(row["source_file"], {}).get("tax_id"),
                               "value": row["tax_id"], "problem": problem})
    # duplicates among accepted rows
    key_cols = [c for c in ("name", "tax_id", "branch_code") if c in df.columns]
    df = df.with_columns(
        _first=pl.col("_row").rank("ordinal").over("client_id", ok).cast(pl.Int64),
        _same=pl.struct(key_cols).rank("dense").over("client_id", ok).cast(pl.Int64),
    )
    first_rows = df.filter(ok & (pl.col("_first") == 1)).select(
        "client_id", pl.col("source_file").alias("_ffile"), pl.col("_row").alias("_frow"),
        pl.col("name").alias("_fname"))
    df = df.join(first_rows, on="client_id", how="left")
    dup = ok & (pl.col("_first") > 1)
    exact = dup & (pl.struct(key_cols) == pl.struct([pl.col("_fname").alias("name")] + [
        pl.col(c) for c in key_cols if c != "name"]))
    n_exact = df.filter(exact).height
    if n_exact:
        issues.append({"file": None, "sheet": None, "row": None, "table": "clients",
                       "column": None, "value": None,
                       "problem": f"{n_exact} exact repeat(s) of client records dropped "
                       "(same code, name and tax id)"})
    df = df.filter(~exact)
    conflicts = df.filter(ok & (pl.col("_first") > 1))
    if conflicts.height:
        ex = conflicts.head(5)
        listed = "; ".join(
            f"'{c}': '{f}' ({ff} row {fr}) and '{n}' ({sf} row {r})" for c, f, ff, fr, n, sf, r
            in ex.select("client_id", "_fname", "_ffile", "_frow", "name", "source_file",
                         "_row").iter_rows())
        first = conflicts.row(0, named=True)
        errors.append(InputError(
            f"{conflicts.height} client code(s) are used by two different records, so their "
            f"sales cannot be attributed: {listed}",
            file=first["source_file"], row=first["_row"],
            column=headers.get(first["source_file"], {}).get("client_id", "client_id"),
            value=first["client_id"],
            hint="fix the catalogue export; if two databases were merged, prefix each one's "
            "codes (e.g. 'A-' and 'B-') in the catalogue and in the sales files"))
        df = df.filter(~(ok & (pl.col("_first") > 1)))
    return df.drop("_first", "_same", "_ffile", "_frow", "_fname")


def _resolve_clients(df: pl.DataFrame, tname: str, clients: pl.DataFrame | None,
                     cfg: EngagementConfig, warnings: list[str],
                     headers: dict[str, dict[str, str]]
                     ) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """Attach every row to a catalogue client: by code, else tax id, else exact name key."""
    if "client_id" not in df.columns:
        df = df.with_columns(client_id=pl.lit(None, dtype=pl.String))
    cat = clients.filter(pl.col("_reason").is_null()) if clients is not None else None
    ok = pl.col("_reason").is_null()
    need = ok & pl.col("client_id").is_null()
    if cat is not None and "client_tax_id" in df.columns and "tax_id" in cat.columns:
        usable = pl.col("tax_id").map_elements(
            lambda t: is_valid_inn(t) or not t.isdigit(), return_dtype=pl.Boolean)
        by_inn = (cat.filter(pl.col("tax_id").is_not_null() & usable)
                  .group_by("tax_id").agg(pl.col("client_id").sort().first().alias("_by_inn")))
        df = df.with_columns(_inn=_pad_tax_id(pl.col("client_tax_id"))).join(
            by_inn, left_on="_inn", right_on="tax_id", how="left")
        df = df.with_columns(client_id=pl.when(need).then(pl.col("_by_inn"))
                             .otherwise(pl.col("client_id"))).drop("_inn", "_by_inn")
    if "client_name" in df.columns:
        df = df.with_columns(_nkey=pl.col("client_name").map_elements(
            name_key, return_dtype=pl.String))
        _one_code_two_names(df.filter(ok), tname, warnings)
        if cat is not None:
            cat_keys = cat.select("client_id", pl.col("name").map_elements(
                name_key, return_dtype=pl.String).alias("_nkey"),
                *([pl.col("deleted")] if "deleted" in cat.columns else []))
            order = ["_nkey"] + (["deleted"] if "deleted" in cat.columns else []) + ["client_id"]
            amb = cat_keys.group_by("_nkey").agg(pl.len().alias("_n"),
                                                 pl.col("client_id").sort().alias("_codes"))
            by_name = cat_keys.sort(order, nulls_last=True).group_by(
                "_nkey", maintain_order=True).agg(pl.col("client_id").first().alias("_by_name"))
            df = df.join(by_name, on="_nkey", how="left")
            need = ok & pl.col("client_id").is_null()
            hits = df.filter(need & pl.col("_by_name").is_not_null())
            multi = hits.join(amb.filter(pl.col("_n") > 1), on="_nkey")
            if multi.height:
                ex = multi.unique("_nkey").head(3)
                warnings.append(
                    f"{tname}: {multi['_nkey'].n_unique()} client name(s) match several "
                    "catalogue records (e.g. " + "; ".join(
                        f"'{n}' → {', '.join(c)}" for n, c in zip(
                            ex["client_name"], ex["_codes"], strict=True)) +
                    "); rows attributed to the first code. Step 1 merges such duplicates.")
            df = df.with_columns(client_id=pl.when(need).then(pl.col("_by_name"))
                                 .otherwise(pl.col("client_id"))).drop("_by_name")
    # unknown clients: add them to the catalogue (flagged) or reject their rows
    known = cat["client_id"] if cat is not None else pl.Series([], dtype=pl.String)
    unknown = ok & ~pl.col("client_id").is_in(known.implode()).fill_null(False)
    if "_nkey" not in df.columns:
        df = df.with_columns(_nkey=pl.lit(None, dtype=pl.String))
    unk = df.filter(unknown)
    if unk.height:
        if cfg.intake.unknown_clients == "reject" or tname != "sales":
            what = "its client is not in the client catalogue"
            df = df.with_columns(
                _reason=pl.when(unknown).then(pl.lit(
                    what + (" (intake.unknown_clients: reject)" if tname == "sales" else
                            "; only sales lines can add clients")))
                .otherwise(pl.col("_reason")),
                _rcol=pl.when(unknown).then(pl.col("source_file").replace_strict(
                    {f: (m.get("client_id") or m.get("client_name") or m.get("client_tax_id")
                         or "client") for f, m in headers.items()},
                    default="client", return_dtype=pl.String)).otherwise(pl.col("_rcol")),
                _rval=pl.when(unknown).then(pl.coalesce(
                    [c for c in (pl.col("client_id"),
                                 pl.col("client_name") if "client_name" in df.columns else None)
                     if c is not None])).otherwise(pl.col("_rval")),
            )
        else:
            name_col = pl.col("client_name") if "client_name" in df.columns else pl.lit(None)
            df = df.with_columns(client_id=pl.when(unknown & pl.col("client_id").is_null())
                                 .then(pl.lit("NEW-") + pl.col("_nkey").map_elements(
                                     _short_hash, return_dtype=pl.String))
                                 .otherwise(pl.col("client_id")))
            new = (df.filter(unknown).with_columns(_name=name_col)
                   .group_by("client_id").agg(
                       pl.col("_name").drop_nulls().mode().sort().first().alias("name"),
                       pl.col("source_file").first(), pl.col("_row").min(),
                       *([pl.col("client_tax_id").drop_nulls().first().alias("tax_id")]
                         if "client_tax_id" in df.columns else []))
                   .with_columns(name=pl.coalesce("name", "client_id"),
                                 origin=pl.lit("transactions"),
                                 _reason=pl.lit(None, dtype=pl.String),
                                 _rcol=pl.lit(None, dtype=pl.String),
                                 _rval=pl.lit(None, dtype=pl.String),
                                 _sheet=pl.lit(None, dtype=pl.String))
                   .sort("client_id"))
            money = df.filter(unknown)["net_revenue"].sum() if "net_revenue" in df.columns else 0
            if cat is None:
                warnings.append(
                    f"{tname}: no client catalogue in raw/: {new.height} client(s) taken from "
                    f"the sales lines ({df.filter(unknown).height} rows, {_money_str(money)} "
                    "net revenue), with origin=transactions. Without a catalogue there are no "
                    "tax ids, groups or regions; ask the client for the catalogue export.")
            else:
                warnings.append(
                    f"{tname}: {new.height} client(s) are not in the client catalogue "
                    f"({df.filter(unknown).height} rows, {_money_str(money)} net revenue), "
                    "e.g. " + ", ".join(f"'{n}'" for n in new["name"].head(5).to_list())
                    + "; added to clients with origin=transactions. Ask the client for the "
                    "complete catalogue, or set intake.unknown_clients: reject.")
            clients = pl.concat([clients, new], how="diagonal_relaxed") if clients is not None \
                else new
    # rows that have no client at all
    df = df.with_columns(
        _reason=pl.when(ok & pl.col("client_id").is_null()).then(
            pl.lit("no client: neither a client code nor a name")).otherwise(pl.col("_reason")))
    return df.drop("_nkey"), clients


def _one_code_two_names(df: pl.DataFrame, tname: str, warnings: list[str]) -> None:
    """Report client codes that carry two different names in the transactions."""
    both = df.filter(pl.col("client_id").is_not_null() & pl.col("_nkey").is_not_null())
    if not both.height:
        return
    odd = (both.group_by("client_id").agg(
        pl.col("_nkey").n_unique().alias("_n"),
        pl.col("client_name").unique(maintain_order=True).head(3).alias("_names"),
        pl.col("source_file").first(), pl.col("_row").min())
        .filter(pl.col("_n") > 1).sort("client_id"))
    if odd.height:
        ex = "; ".join(f"'{c}' ({f} from row {r}): " + " / ".join(f"'{n}'" for n in names)
                       for c, names, f, r in odd.select("client_id", "_names", "source_file",
                                                        "_row").head(5).iter_rows())
        warnings.append(
            f"{tname}: {odd.height} client code(s) carry different names in the lines, e.g. "
            f"{ex}. The rows are attributed by the code; ask the client whether a code was "
            "reused for another company.")


def _short_hash(s: str | None) -> str:
    return hashlib.sha1((s or "").encode("utf-8")).hexdigest()[:10]


def _canonical(df: pl.LazyFrame, tbl: Table) -> pl.LazyFrame:
    """Select the canonical columns (money as float currency units) plus provenance."""
    names = df.collect_schema().names()
    cols = []
    for f in tbl.canonical:
        if f.name in names:
            c = pl.col(f.name)
            if f.kind == "money":
                c = c.cast(pl.Float64) / 10**SCALE
            cols.append(c.alias(f.name))
    extra = [c for c in ("gross_revenue", "vat") if tbl.name == "sales" and c in names]
    cols += [(pl.col(c).cast(pl.Float64) / 10**SCALE).alias(c) for c in extra]
    if tbl.name == "clients" and "origin" in names:
        cols.append(pl.col("origin"))
    cols += [pl.col("source_file"), pl.col("_row").alias("source_row")]
    return df.select(cols)


def _reconcile(parsed: dict[str, list[tuple[_Parsed, _FileIntake]]],
               tables: dict[str, pl.DataFrame], control: dict[str, Any]) -> None:
    """Money in = money out: the canonical table's total equals its files' accepted totals."""
    for tname, info in control.items():
        col = info.get("money_column")
        if not col or tname not in tables:
            continue
        canon = round(float(tables[tname][col].sum() or 0) * 10**SCALE)
        expected = int(info["accepted"].replace(".", ""))
        if canon != expected:
            raise ReconciliationError(
                f"{tname}.{col}: the canonical table holds {_money_str(canon)}, the accepted "
                f"rows of its files {_money_str(expected)}", hint="this is a bug in kamlib; "
                "please report it with the engagement's manifest")
        files_total = sum(
            int(p.report.money.get(col, {}).get("accepted", "0").replace(".", ""))
            for p, _ in parsed.get(tname, []))
        if tname in ("sales", "payments", "activities") and files_total != expected:
            raise ReconciliationError(
                f"{tname}.{col}: files' accepted totals {_money_str(files_total)} differ from "
                f"the table's accepted rows {_money_str(expected)}",
                hint="this is a bug in kamlib; please report it with the engagement's manifest")
        info["reconciled"] = True


def write_intake(result: IntakeResult, out_dir: str | Path) -> None:
    """Write the canonical tables, ``rejected`` and ``issues`` as Parquet into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in result.tables.items():
        df.write_parquet(out_dir / f"{name}.parquet")
    result.rejected.write_parquet(out_dir / "rejected.parquet")
    result.issues.write_parquet(out_dir / "issues.parquet")
    atomic_write_json(out_dir / "intake_manifest.json", result.manifest())


def format_amount(s: str) -> str:
    """An exact decimal string for people: '-1234567.89' → '-1 234 567,89'."""
    sign = "-" if s.startswith("-") else ""
    whole, _, frac = s.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}".replace(",", " ") + (f",{frac}" if frac else "")


def summary_text(result: IntakeResult, *, max_rejected: int = 10) -> str:
    """A short, readable account of an intake for the terminal (``kam check``).

    What each file was taken for, its column mapping, rows, money totals, the totals-row
    check, and the problems, each with file, row, column and value.
    """
    out: list[str] = []
    for f in result.files:
        head = f"• {f.label}"
        if f.table:
            how = "recognised from its headers" if f.detected_by == "headers" else \
                "as declared in engagement.yaml"
            head += f" → {f.table} ({how})"
        out.append(head)
        if f.encoding:
            delim = {"\t": "tab", ";": ";", ",": ",", "|": "|"}.get(f.delimiter or "", "?")
            out.append(f"    text: {f.encoding}, delimiter {delim}, header on row {f.header_row}")
        elif f.header_row:
            out.append(f"    header on row {f.header_row}")
        if f.mapping:
            out.append("    columns: " + ", ".join(f"{src} → {canon}" for canon, src
                                                     in f.mapping.items()))
        if f.ignored_columns:
            out.append("    not used: " + ", ".join(f.ignored_columns))
        if f.table:
            skipped = ", ".join(f"{n} {k}" for k, n in f.rows_skipped.items())
            out.append(f"    rows: {f.rows_read} read, {f.rows_accepted} accepted, "
                       f"{f.rows_rejected} rejected" + (f"; skipped: {skipped}" if skipped
                                                         else ""))
        if f.period:
            out.append(f"    period: {f.period[0]} … {f.period[1]}")
        for fname, m in f.money.items():
            line = (f"    {fname} ({m['column']}): accepted {format_amount(m['accepted'])}, "
                    f"rejected {format_amount(m['rejected'])}")
            if m.get("unparseable_cells"):
                line += f", {m['unparseable_cells']} unreadable value(s)"
            out.append(line)
        if f.returns and f.returns.get("lines"):
            out.append(f"    returns: {f.returns['lines']} lines, "
                       f"{format_amount(f.returns['net_revenue'])} net")
        for t in (f.totals_row or {}).values():
            mark = "matches" if t["ok"] else f"DIFFERS by {t['difference']}"
            out.append(f"    totals row: {t['column']} = {t['file']}, rows sum {t['rows']}: "
                       f"{mark}")
        for note in f.notes:
            out.append(f"    note: {note}")
        for e in f.errors:
            out.append(f"    ERROR: {e['message']}")
    if result.tables:
        out.append("")
        out.append("Tables: " + ", ".join(f"{k} {v.height:,} rows".replace(",", " ")
                                           for k, v in result.tables.items()))
    for tname, c in result.control.items():
        if c.get("money_column"):
            out.append(f"Control total {tname}.{c['money_column']}: accepted "
                       f"{format_amount(c['accepted'])}, rejected {format_amount(c['rejected'])}"
                       + (" (reconciled)" if c.get("reconciled") else ""))
    if result.rejected.height:
        out.append("")
        out.append(f"Rejected rows: {result.rejected.height} (all kept in "
                   "work/00_intake/rejected.parquet with their money)")
        for r in result.rejected.head(max_rejected).iter_rows(named=True):
            amount = "" if r["amount"] is None else f" [{r['amount']:,.2f}]".replace(",", " ")
            value = "empty" if r["value"] is None or not str(r["value"]).strip() else \
                f"'{r['value']}'"
            out.append(f"  {r['file']}, row {r['row']}, column '{r['column']}', value "
                       f"{value}: {r['reason']}{amount}")
        if result.rejected.height > max_rejected:
            out.append(f"  … and {result.rejected.height - max_rejected} more")
    if result.issues.height:
        out.append("")
        out.append(f"Problems in rows that were kept: {result.issues.height}")
        for r in result.issues.head(max_rejected).iter_rows(named=True):
            where = f"{r['file']}, row {r['row']}, column '{r['column']}'" if r["row"] else \
                (r["table"] or "")
            out.append(f"  {where}: {r['problem']}" + (f" (value '{r['value']}')"
                                                       if r["value"] else ""))
    if result.warnings:
        out.append("")
        out.append("Warnings:")
        out.extend(f"  - {w}" for w in result.warnings)
    if result.errors:
        out.append("")
        out.append(f"ERRORS ({len(result.errors)}): the audit cannot run until they are fixed")
        for e in result.errors:
            out.append("  ✗ " + str(e).replace("\n", "\n    "))
    return "\n".join(out)
