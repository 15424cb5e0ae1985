"""The source tables (a fresh intake when needed), the headers and files of the training
engagement, and the run's secrets chosen.

Part of :mod:`kamlib.training.anonymise`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, cast

import numpy as np
import polars as pl

from ...engagement import Engagement
from ...errors import ConfigError, KamError
from ...io import sha256_file
from ...schema import TABLES, header_key
from ...steps import step as find_step
from .mapper import shift_date

# --------------------------------------------------------------------------- source


def _intake_is_fresh(eng: Engagement) -> bool:
    """``work/00_intake`` was made from the current raw files and settings."""
    from ...intake.files import _list_raw

    d = find_step("00").dir(eng)
    man = d / "intake_manifest.json"
    if not man.exists() or not (d / "clients.parquet").exists() \
            or not (d / "sales.parquet").exists():
        return False
    cfg_path = eng.root / "engagement.yaml"
    if cfg_path.stat().st_mtime > man.stat().st_mtime:
        return False
    try:
        recorded = {(f["file"], f["sha256"]) for f in
                    json.loads(man.read_text(encoding="utf-8"))["files"]}
    except (ValueError, KeyError, TypeError):
        return False
    files, _ = _list_raw(eng.root)
    current = {(p.relative_to(eng.raw).as_posix(), sha256_file(p)) for p in files}
    return recorded == current


def _source_tables(eng: Engagement) -> tuple[dict[str, pl.DataFrame], str]:
    """The canonical tables of the engagement: its intake if fresh, else a new one (in memory;
    nothing of the source is written)."""
    d = find_step("00").dir(eng)
    if _intake_is_fresh(eng):
        return ({t: pl.read_parquet(d / f"{t}.parquet") for t in TABLES
                 if (d / f"{t}.parquet").exists()}, "work/00_intake")
    from ...intake import ingest

    res = ingest(eng.root, eng.config)
    if not res.ok:
        raise res.errors[0]
    return dict(res.tables), "raw/ (read afresh)"


# --------------------------------------------------------------------------- headers


def _header(tname: str, fname: str, lang: str) -> str:
    """The header written for a field: its data-request label when the intake recognises
    it, else its first synonym."""
    f = TABLES[tname].field(fname)
    label = f.label_ru if lang == "ru" else f.label_en
    syn = {header_key(s) for s in f.synonyms}
    return label if header_key(label) in syn else f.synonyms[0]


_COLUMNS = {
    "clients": ("client_id", "name", "full_name", "tax_id", "branch_code", "ogrn", "parent_id",
                "group", "region", "segment", "manager", "created_at", "payment_terms_days",
                "deleted"),
    "sales": ("date", "document_id", "client_id", "client_name", "client_tax_id", "product_id",
              "product_name", "quantity", "list_revenue", "discount", "gross_revenue", "vat",
              "net_revenue", "cogs", "is_return", "manager"),
    "activities": ("client_id", "date", "activity", "quantity", "cost"),
    "payments": ("client_id", "document_id", "due_date", "paid_date", "amount"),
    "contacts": ("client_id", "person", "role", "function", "level", "owner",
                 "last_contact_date"),
    "assessment": ("client_id", "criterion", "score", "assessor"),
    "team": ("person", "role", "annual_cost", "available_hours", "region", "clients"),
}
_FILES = {"ru": {"clients": "Контрагенты.csv", "sales": "Продажи.csv",
                 "activities": "Активности.csv", "payments": "Оплаты.csv",
                 "contacts": "Контакты.csv", "assessment": "Оценка_клиентов.csv",
                 "team": "Команда.csv"},
          "en": {t: f"{t}.csv" for t in TABLES}}
_PEOPLE = {"clients": ("manager",), "sales": ("manager",), "contacts": ("person", "owner"),
           "assessment": ("assessor",), "team": ("person",)}
#: Free-text columns copied as they are but for the identifiers in them (kamlib.pii).
_FREE = {"clients": ("region", "segment"), "contacts": ("role", "function", "level"),
         "team": ("role", "region")}
_EVENT_DATES = (("sales", "date"), ("activities", "date"), ("payments", "paid_date"))
_EARLIEST = date(1990, 1, 1)


# --------------------------------------------------------------------------- main


def _check_paths(src: Path, out: Path, overwrite: bool) -> None:
    if not (src / "engagement.yaml").exists():
        raise KamError("the source is not an engagement folder (no engagement.yaml)",
                       file=str(src), hint="give the folder of an engagement: kam anonymise "
                       "DIR OUT")
    if out == src or out.is_relative_to(src) or src.is_relative_to(out):
        raise KamError("the output folder must lie outside the source engagement (and not "
                       "contain it)", file=str(out), hint="choose a folder next to it, e.g. "
                       f"{src.parent / (src.name + '_training')}")
    if out.exists() and not out.is_dir():
        raise KamError("the output exists and is not a folder", file=str(out),
                       hint="choose another path")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise KamError("the output folder exists and is not empty", file=str(out),
                       hint="choose a new folder, or overwrite it (kam anonymise --force)")


def _choose_shift(tables: dict[str, pl.DataFrame], rng: np.random.Generator,
                  shift_years: int | None) -> tuple[int, tuple[int, int] | None]:
    lo: date | None = None
    hi: date | None = None
    for t, c in _EVENT_DATES:
        if t in tables and c in tables[t].columns and tables[t][c].drop_nulls().len():
            s = tables[t][c].drop_nulls()
            first, last = cast(date, s.min()), cast(date, s.max())
            lo = min(lo, first) if lo else first
            hi = max(hi, last) if hi else last
    if lo is None or hi is None:
        return (shift_years or 0), None
    years = (lo.year, hi.year)
    latest = date.today()
    if shift_years is None:
        back = [-4 * k for k in range(1, 9) if shift_date(lo, -4 * k) >= _EARLIEST]
        if not back:
            raise ConfigError(
                f"the data start in {lo.year}: moving them back by 4 years or more would put "
                "sales before 1990, which the intake rejects", value=str(lo),
                hint="give the shift explicitly (shift_years=0 keeps the dates)")
        return int(rng.choice(back)), years
    if not isinstance(shift_years, int) or isinstance(shift_years, bool):
        raise ConfigError("shift_years must be a whole number of years", value=shift_years,
                          hint="e.g. -8")
    if shift_date(lo, shift_years) < _EARLIEST or shift_date(hi, shift_years) > latest:
        raise ConfigError(
            f"moving the dates by {shift_years:+d} years puts them outside {_EARLIEST} … "
            f"{latest} ({shift_date(lo, shift_years)} … {shift_date(hi, shift_years)}), "
            "where the intake rejects sales", value=shift_years,
            hint="choose a shift that keeps the data between 1990 and today; a multiple of 4 "
            "keeps every gap in days")
    return shift_years, years


def _choose_factor(rng: np.random.Generator, factor: float | None) -> float:
    if factor is None:
        while True:
            f = round(float(rng.uniform(0.5, 2.0)), 4)
            if abs(f - 1) >= 0.05:
                return f
    if isinstance(factor, bool) or not isinstance(factor, int | float) \
            or not math.isfinite(factor) or factor <= 0:
        raise ConfigError("the money factor must be a positive number", value=factor,
                          hint="e.g. 1.37 (or leave it out: one is drawn from the seed)")
    return float(factor)


def _vocabulary(tables: dict[str, pl.DataFrame]) -> list[str]:
    vocab: list[str] = []
    cl = tables.get("clients")
    if cl is not None:
        for c in ("name", "full_name", "group", "parent_id"):
            if c in cl.columns:
                vocab += cl[c].drop_nulls().unique().to_list()
    for t, cols in _PEOPLE.items():
        if t in tables:
            for c in cols:
                if c in tables[t].columns:
                    vocab += tables[t][c].drop_nulls().unique().to_list()
    return vocab


def _map_column(df: pl.DataFrame, col: str, fn: Callable[[Any], Any]) -> pl.Expr:
    """``fn`` applied once per distinct value of a string column."""
    uniq = df[col].drop_nulls().unique().to_list()
    mapping = {v: fn(v) for v in uniq}
    return pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String).alias(col)


def _bool_text(col: str, lang: str) -> pl.Expr:
    yes, no = ("Да", "Нет") if lang == "ru" else ("Yes", "No")
    return (pl.when(pl.col(col).is_null()).then(None)
            .when(pl.col(col)).then(pl.lit(yes)).otherwise(pl.lit(no)).alias(col))


