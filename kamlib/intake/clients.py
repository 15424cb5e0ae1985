"""Clients: catalogues concatenated and checked, every transaction attached to a client.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import polars as pl

from ..config import EngagementConfig
from ..errors import InputError, KamError
from ..identifiers import is_exponent, is_valid_inn, tax_id_problem, tax_id_problem_reason
from .amounts import _inn_kpp, _pad_tax_id
from .results import name_key, said


def _clients(dfs: list[pl.DataFrame], cfg: EngagementConfig, issues: list[dict[str, Any]],
             errors: list[KamError], headers: dict[str, dict[str, str]]
             ) -> pl.DataFrame | None:
    """Concatenate client catalogues; drop exact repeats; conflicting codes are an error."""
    if not dfs:
        return None
    df = pl.concat(dfs, how="diagonal_relaxed")
    if "tax_id" in df.columns and "branch_code" not in df.columns:
        # 'ИНН/КПП' in one column: the КПП after the slash is the branch's code
        inn, kpp = _inn_kpp(pl.col("tax_id"))
        if df.select(kpp.is_not_null().any()).item():
            df = df.with_columns(branch_code=kpp, tax_id=pl.coalesce(inn, pl.col("tax_id")))
    if "tax_id" in df.columns and cfg.intake.tax_id_pad:
        df = df.with_columns(tax_id=_pad_tax_id(pl.col("tax_id")))
    df = df.with_columns(origin=pl.lit("catalogue"))
    ok = pl.col("_reason").is_null()
    if "tax_id" in df.columns:
        for row in df.filter(ok & pl.col("tax_id").is_not_null()).select(
                "source_file", "_row", "tax_id").iter_rows(named=True):
            problem = tax_id_problem(row["tax_id"])
            if problem:
                code = tax_id_problem_reason(row["tax_id"])
                issues.append({"file": row["source_file"], "sheet": None, "row": row["_row"],
                               "table": "clients",
                               "column": headers.get(row["source_file"], {}).get("tax_id"),
                               "value": row["tax_id"], "problem": problem,
                               # the problem as a code, phrased on the pages (issue 21)
                               "problem_code": code["code"] if code else None,
                               "problem_args": json.dumps(code["args"]) if code else None})
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
        sci = is_exponent(str(first["client_id"]))
        errors.append(InputError(
            f"{conflicts.height} client code(s) are used by two different records, so their "
            f"sales cannot be attributed: {listed}" + (
                " (the codes are in scientific notation: Excel showed long numeric codes as "
                "1,23457E+11, their digits lost)" if sci else ""),
            file=first["source_file"], row=first["_row"],
            column=headers.get(first["source_file"], {}).get("client_id", "client_id"),
            value=first["client_id"],
            hint="format the code column as text in Excel and export the catalogue and the "
            "sales again" if sci else "fix the catalogue export; if two databases were merged, "
            "prefix each one's codes (e.g. 'A-' and 'B-') in the catalogue and in the sales "
            "files"))
        df = df.filter(~(ok & (pl.col("_first") > 1)))
    return df.drop("_first", "_same", "_ffile", "_frow", "_fname")


def _line_kpp(df: pl.DataFrame) -> pl.Expr | None:
    """The КПП of each sales line: its column, or the part after the slash of a combined
    'ИНН/КПП'; None when the lines have neither."""
    if "client_branch_code" in df.columns:
        return pl.col("client_branch_code").cast(pl.String).str.replace_all(r"\s", "")
    kpp = _inn_kpp(pl.col("client_tax_id"))[1]
    return kpp if df.select(kpp.is_not_null().any()).item() else None


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
        # a valid INN, or an id of another shape (a foreign VAT number); never one in E
        # notation: '7,70708E+09' is the same text for many companies
        usable = pl.col("tax_id").map_elements(
            lambda t: is_valid_inn(t) or not (t.isdigit() or is_exponent(t)),
            return_dtype=pl.Boolean)
        by_inn = (cat.filter(pl.col("tax_id").is_not_null() & usable)
                  .group_by("tax_id").agg(pl.col("client_id").sort().first().alias("_by_inn")))
        df = df.with_columns(_inn=_pad_tax_id(pl.col("client_tax_id"))).join(
            by_inn, left_on="_inn", right_on="tax_id", how="left")
        # branches of one company share its INN: the line's КПП (its own column, or after
        # the slash of 'ИНН/КПП') picks the branch where the catalogue has КПП
        kpp = _line_kpp(df)
        if kpp is not None and "branch_code" in cat.columns:
            by_kpp = (cat.filter(pl.col("tax_id").is_not_null() & pl.col("branch_code")
                                 .is_not_null())
                      .group_by("tax_id", "branch_code")
                      .agg(pl.col("client_id").sort().first().alias("_by_kpp")))
            df = df.with_columns(_kpp=kpp).join(
                by_kpp, left_on=["_inn", "_kpp"], right_on=["tax_id", "branch_code"],
                how="left").with_columns(_by_inn=pl.coalesce("_by_kpp", "_by_inn")).drop(
                "_kpp", "_by_kpp")
        df = df.with_columns(client_id=pl.when(need).then(pl.col("_by_inn"))
                             .otherwise(pl.col("client_id"))).drop("_inn", "_by_inn")
    if "client_name" in df.columns:
        df = df.with_columns(_nkey=_map_distinct(pl.col("client_name"), df["client_name"],
                                                 name_key))
        _one_code_two_names(df.lazy().filter(ok), tname, warnings)
        if cat is not None:
            cat_keys = cat.select("client_id", _map_distinct(
                pl.col("name"), cat["name"], name_key).alias("_nkey"),
                *([pl.col("deleted")] if "deleted" in cat.columns else []))
            order = ["_nkey"] + (["deleted"] if "deleted" in cat.columns else []) + ["client_id"]
            inn = cat["tax_id"].map_elements(is_valid_inn, return_dtype=pl.Boolean) \
                if "tax_id" in cat.columns and cat.height else None
            cat_keys = cat_keys.with_columns(_inn=pl.when(pl.lit(inn)).then(cat["tax_id"])) \
                if inn is not None else cat_keys.with_columns(_inn=pl.lit(None, pl.String))
            amb = cat_keys.group_by("_nkey").agg(pl.len().alias("_n"),
                                                 pl.col("client_id").sort().alias("_codes"),
                                                 pl.col("_inn").drop_nulls().n_unique()
                                                 .alias("_inns"))
            # one name, companies with different valid INNs: the name cannot tell which
            # (never merged, as step 1 never merges them): the rows are rejected, not given
            # to the first code
            apart = amb.filter(pl.col("_inns") > 1).select("_nkey", "_codes")
            cat_keys = cat_keys.drop("_inn")
            by_name = cat_keys.sort(order, nulls_last=True).group_by(
                "_nkey", maintain_order=True).agg(pl.col("client_id").first().alias("_by_name"))
            df = df.join(by_name, on="_nkey", how="left")
            need = ok & pl.col("client_id").is_null()
            hits = df.filter(need & pl.col("_by_name").is_not_null())
            multi = hits.join(amb.filter((pl.col("_n") > 1) & (pl.col("_inns") <= 1)),
                              on="_nkey")
            if multi.height:
                ex = multi.unique("_nkey").head(3)
                warnings.append(said(
                    "warn_name_several_records", table=tname, n=multi["_nkey"].n_unique(),
                    examples="; ".join(f"'{n}' → {', '.join(c)}" for n, c in zip(
                        ex["client_name"], ex["_codes"], strict=True))))
            df = df.with_columns(_by_name_only=need)
            df = df.with_columns(client_id=pl.when(need).then(pl.col("_by_name"))
                                 .otherwise(pl.col("client_id"))).drop("_by_name")
            if apart.height:
                df = _reject_ambiguous_names(df, pl.col("_by_name_only"), apart, headers)
            df = df.drop("_by_name_only")
    if cat is not None:
        df = _codes_without_zeros(df, cat, ok, tname, warnings)
        df = _codes_loosely(df, cat, ok, tname, warnings)
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
                                 .then(pl.lit("NEW-") + _map_distinct(
                                     pl.col("_nkey"), df.filter(unknown)["_nkey"],
                                     _short_hash))
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
                warnings.append(said("warn_no_catalogue", table=tname, n=new.height,
                                     rows=df.filter(unknown).height, net_minor=int(money or 0)))
            else:
                warnings.append(said(
                    "warn_unknown_clients", table=tname, n=new.height,
                    rows=df.filter(unknown).height, net_minor=int(money or 0),
                    names=[str(n) for n in new["name"].head(5).to_list()]))
            clients = pl.concat([clients, new], how="diagonal_relaxed") if clients is not None \
                else new
    # rows that have no client at all
    df = df.with_columns(
        _reason=pl.when(ok & pl.col("client_id").is_null()).then(
            pl.lit("no client: neither a client code nor a name")).otherwise(pl.col("_reason")))
    return df.drop("_nkey"), clients


def _reject_ambiguous_names(df: pl.DataFrame, need: pl.Expr, apart: pl.DataFrame,
                            headers: dict[str, dict[str, str]]) -> pl.DataFrame:
    """Reject the rows found by a name that several catalogue companies with different valid
    INNs share (``need``: rows without a code or INN of their own)."""
    codes = {k: ", ".join(c) for k, c in zip(apart["_nkey"], apart["_codes"], strict=True)}
    hit = need & pl.col("_nkey").is_in(list(codes))
    return df.with_columns(
        client_id=pl.when(hit).then(None).otherwise(pl.col("client_id")),
        _reason=pl.when(hit).then(pl.lit(
            "the client's name matches several catalogue companies with different INNs (")
            + pl.col("_nkey").replace_strict(codes, default="", return_dtype=pl.String)
            + pl.lit("): add the client code or INN to the export")).otherwise(pl.col("_reason")),
        _rcol=pl.when(hit).then(pl.col("source_file").replace_strict(
            {f: m.get("client_name") or "client" for f, m in headers.items()},
            default="client", return_dtype=pl.String)).otherwise(pl.col("_rcol")),
        _rval=pl.when(hit).then(pl.col("client_name")).otherwise(pl.col("_rval")))


def _codes_without_zeros(df: pl.DataFrame, cat: pl.DataFrame, ok: pl.Expr, tname: str,
                         warnings: list[str]) -> pl.DataFrame:
    """Codes that lost their leading zeros on the way through Excel (``123`` for the
    catalogue's ``000123``): attached to the one catalogue code with the same digits, said
    in a warning; a code matching several (``0123`` and ``00123``) stays unknown."""
    known = cat["client_id"].drop_nulls()
    digits = r"^\d+$"
    unknown = _unknown_codes(df, known, ok)
    unknown = unknown.filter(unknown.str.contains(digits))
    padded = known.filter(known.str.contains(digits) & known.str.starts_with("0"))
    mapping = _match_by_key(unknown, padded, lambda e: e, lambda e: e.str.strip_chars_start("0"))
    return _remap_codes(df, ok, mapping, "warn_codes_lost_zeros", tname, warnings)


def _codes_loosely(df: pl.DataFrame, cat: pl.DataFrame, ok: pl.Expr, tname: str,
                   warnings: list[str]) -> pl.DataFrame:
    """Codes written another way than the catalogue's: Excel's text mark (``'00-000001``),
    another case (``цб-000003`` for ``ЦБ-000003``): attached to the one catalogue code they
    match so, said in a warning (they became new clients)."""
    def loose(e: pl.Expr) -> pl.Expr:
        return e.str.strip_chars().str.strip_chars_start("'").str.strip_chars().str.to_uppercase()

    known = cat["client_id"].drop_nulls()
    mapping = _match_by_key(_unknown_codes(df, known, ok), known, loose, loose)
    return _remap_codes(df, ok, mapping, "warn_codes_written_otherwise", tname, warnings)


def _unknown_codes(df: pl.DataFrame, known: pl.Series, ok: pl.Expr) -> pl.Series:
    """The distinct client codes of the accepted rows that the catalogue does not have."""
    return df.filter(ok & pl.col("client_id").is_not_null()
                     & ~pl.col("client_id").is_in(known.implode()))["client_id"].unique()


def _match_by_key(unknown: pl.Series, known: pl.Series,
                  key_unknown: Callable[[pl.Expr], pl.Expr],
                  key_known: Callable[[pl.Expr], pl.Expr]) -> dict[str, str]:
    """Unknown code → the one catalogue code with the same key (codes whose key several
    catalogue codes share match none)."""
    if unknown.len() == 0 or known.len() == 0:
        return {}
    keys = pl.DataFrame({"_code": known}).with_columns(_key=key_known(pl.col("_code")))
    unique = keys.group_by("_key").agg(pl.col("_code").first(), pl.len().alias("_n")).filter(
        pl.col("_n") == 1)
    hits = pl.DataFrame({"_raw": unknown}).with_columns(
        _key=key_unknown(pl.col("_raw"))).join(unique, on="_key")
    return dict(zip(hits["_raw"].to_list(), hits["_code"].to_list(), strict=True))


def _remap_codes(df: pl.DataFrame, ok: pl.Expr, mapping: dict[str, str], code: str,
                 tname: str, warnings: list[str]) -> pl.DataFrame:
    """The rows' codes replaced by the catalogue's they match (``mapping``), said in the
    warning ``code`` with the codes, rows and the first examples."""
    if not mapping:
        return df
    hit = ok & pl.col("client_id").is_in(list(mapping))
    ex = "; ".join(f"{a} → {b}" for a, b in sorted(mapping.items())[:3])
    warnings.append(said(code, table=tname, n=len(mapping), rows=df.filter(hit).height,
                         examples=ex))
    return df.with_columns(client_id=pl.when(hit).then(pl.col("client_id").replace(mapping))
                           .otherwise(pl.col("client_id")))


def _one_code_two_names(rows: pl.LazyFrame, tname: str, warnings: list[str]) -> None:
    """Report client codes that carry two different names in the transactions.

    The codes are found first (one grouped count), their names gathered only for them: a
    register names a client on each of its millions of lines, and the names of every code
    took 0.1 s on 2,000,000, for none to report.
    """
    both = rows.filter(pl.col("client_id").is_not_null() & pl.col("_nkey").is_not_null())
    codes = (both.group_by("client_id").agg(pl.col("_nkey").n_unique().alias("_n"))
             .filter(pl.col("_n") > 1).collect())
    if not codes.height:
        return
    odd = (both.filter(pl.col("client_id").is_in(codes["client_id"].implode()))
           .group_by("client_id").agg(
        pl.col("_nkey").n_unique().alias("_n"),
        pl.col("client_name").unique(maintain_order=True).head(3).alias("_names"),
        pl.col("source_file").first(), pl.col("_row").min())
        .sort("client_id").collect())
    if odd.height:
        ex = "; ".join(f"'{c}' ({f} from row {r}): " + " / ".join(f"'{n}'" for n in names)
                       for c, names, f, r in odd.select("client_id", "_names", "source_file",
                                                        "_row").head(5).iter_rows())
        warnings.append(said("warn_code_several_names", table=tname, n=odd.height,
                             examples=ex))


def _map_distinct(expr: pl.Expr, values: pl.Series, fn: Callable[[str], str | None]
                  ) -> pl.Expr:
    """``expr`` mapped through ``fn``, computed once per distinct value of ``values`` (a
    register repeats a client's name on every line: 2,000 calls, not 2,000,000). Values not
    among ``values``, and nulls, map to null."""
    distinct = values.cast(pl.String).drop_nulls().unique().to_list()
    return expr.cast(pl.String).replace_strict(distinct, [fn(v) for v in distinct],
                                               default=None, return_dtype=pl.String)


def _short_hash(s: str | None) -> str:
    return hashlib.sha1((s or "").encode("utf-8")).hexdigest()[:10]
