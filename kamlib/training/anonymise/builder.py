"""The replaced tables and files of the training engagement, before they are written; the checks
that no identifier remains and that step 1 finds the same pairs.

Part of :mod:`kamlib.training.anonymise`.
"""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date, datetime
from typing import Any

import polars as pl
import yaml

from ...config import EngagementConfig
from ...engagement import Engagement
from ...errors import InputError, KamError
from ...intake import name_key
from ...pii import find_pii
from ...workbook import safe_workbook, unneutralise
from .mapper import Pseudonymiser, shift_date
from .source import _COLUMNS, _FILES, _FREE, _PEOPLE, _bool_text, _header, _map_column
from .words import _TOKEN_RE


class _Builder:
    """The replaced tables and files of the training engagement, before they are written."""

    def __init__(self, eng: Engagement, tables: dict[str, pl.DataFrame], ps: Pseudonymiser,
                 tax: dict[str, str], kpp: dict[str, str], ogrn: dict[str, str]) -> None:
        self.eng, self.tables, self.ps = eng, tables, ps
        self.tax, self.kpp, self.ogrn = tax, kpp, ogrn
        self.lang = eng.config.report.language
        self.id_map: dict[str, str] = {}
        self.notes: list[str] = []
        self.people: set[str] = set()
        self.companies: set[str] = set()
        self.codes: set[str] = set()
        self.new_codes: set[str] = set()
        self.canonical: dict[str, pl.DataFrame] = {}
        #: setting → the cost sheet written for it under OUT (:meth:`finance`)
        self.finance_files: dict[str, str] = {}

    # ---- tables

    def clients(self, df: pl.DataFrame) -> pl.DataFrame:
        ps = self.ps
        self.codes = set(df["client_id"].cast(pl.String).to_list())
        if "origin" in df.columns:
            new = df.filter(pl.col("origin") == "transactions")
            for cid, name in new.select("client_id", "name").iter_rows():
                self.id_map[cid] = _new_code(ps.name(name))
            self.new_codes = set(new["client_id"].to_list())
        exprs: list[pl.Expr] = []
        for c in ("name", "full_name", "group"):
            if c in df.columns:
                exprs.append(_map_column(df, c, ps.name))
                self.companies.update(df[c].drop_nulls().to_list())
        if "parent_id" in df.columns:
            codes = self.codes
            exprs.append(_map_column(df, "parent_id",
                                     lambda v: v if v in codes else ps.name(v)))
            self.companies.update(v for v in df["parent_id"].drop_nulls().to_list()
                                  if v not in codes)
        for c, m in (("tax_id", self.tax), ("branch_code", self.kpp), ("ogrn", self.ogrn)):
            if c in df.columns:
                exprs.append(pl.col(c).replace_strict(m, default=None,
                                                      return_dtype=pl.String).alias(c))
        exprs += self._people_exprs(df, "clients")
        exprs += self._free_exprs(df, "clients")
        exprs += [self.ps.date_expr(c) for c in ("created_at",) if c in df.columns]
        if "deleted" in df.columns:
            exprs.append(_bool_text("deleted", self.lang))
        out = df.with_columns(exprs)
        if "origin" in out.columns:
            out = out.filter(pl.col("origin") != "transactions")
        return out

    def _free_exprs(self, df: pl.DataFrame, tname: str) -> list[pl.Expr]:
        """The free-text columns copied as they are, but for the identifiers in them."""
        return [_map_column(df, c, self.ps.free) for c in _FREE.get(tname, ())
                if c in df.columns and df[c].dtype == pl.String]

    def _people_exprs(self, df: pl.DataFrame, tname: str) -> list[pl.Expr]:
        out = []
        for c in _PEOPLE.get(tname, ()):
            if c in df.columns:
                out.append(_map_column(df, c, self.ps.name))
                self.people.update(df[c].drop_nulls().to_list())
        return out

    def sales(self, df: pl.DataFrame) -> pl.DataFrame:
        ps = self.ps
        exprs = [ps.date_expr("date"), _map_column(df, "document_id", ps.document)]
        exprs += [ps.money(c) for c in ("list_revenue", "discount", "gross_revenue", "vat",
                                        "net_revenue", "cogs") if c in df.columns]
        exprs += self._people_exprs(df, "sales")
        if "product_name" in df.columns:
            exprs.append(_map_column(df, "product_name", ps.name))
        if "is_return" in df.columns:
            exprs.append(_bool_text("is_return", self.lang))
        out = df.with_columns(exprs)
        self._check_unique(df, out, "document_id")
        if self.new_codes:
            cl = self.tables["clients"].filter(pl.col("client_id").is_in(list(self.new_codes)))
            names = {c: ps.name(n) for c, n in cl.select("client_id", "name").iter_rows()}
            taxes = {c: self.tax.get(t) if t else None for c, t in
                     cl.select("client_id", pl.col("tax_id") if "tax_id" in cl.columns
                               else pl.lit(None, pl.String)).iter_rows()}
            is_new = pl.col("client_id").is_in(list(self.new_codes))
            out = out.with_columns(
                client_name=pl.when(is_new).then(pl.col("client_id").replace_strict(
                    names, default=None, return_dtype=pl.String)),
                client_tax_id=pl.when(is_new).then(pl.col("client_id").replace_strict(
                    taxes, default=None, return_dtype=pl.String)),
            ).with_columns(client_id=pl.when(is_new).then(None).otherwise(pl.col("client_id")))
        return out

    def _check_unique(self, before: pl.DataFrame, after: pl.DataFrame, col: str) -> None:
        n0 = before[col].n_unique()
        n1 = after[col].n_unique()
        if n0 != n1:  # pragma: no cover - a bug, not a data problem
            raise KamError(f"replacing {col} merged {n0 - n1} distinct values",
                           hint="a bug in kamlib.training.anonymise; please report it")

    def activities(self, df: pl.DataFrame) -> pl.DataFrame:
        from ...profitability.pnl import activity_driver

        ps = self.ps
        exprs = [ps.date_expr(c) for c in ("date",) if c in df.columns]
        exprs += [ps.money(c) for c in ("cost",) if c in df.columns]

        def activity(v: str) -> str:
            # the words that name a cost driver stay; a name that would change driver stays
            drv = activity_driver(v)
            words = {m.group() for m in _TOKEN_RE.finditer(v)}
            keep = {w for w in words if activity_driver(w) is not None}
            new = _TOKEN_RE.sub(lambda m: m.group() if m.group() in keep
                                else ps.word(m.group()), v)
            return new if activity_driver(new) == drv else v

        exprs.append(_map_column(df, "activity", activity))
        return df.with_columns(exprs)

    def payments(self, df: pl.DataFrame) -> pl.DataFrame:
        ps = self.ps
        exprs = [ps.date_expr(c) for c in ("due_date", "paid_date") if c in df.columns]
        exprs.append(ps.money("amount"))
        if "document_id" in df.columns:
            exprs.append(_map_column(df, "document_id", ps.document))
        return df.with_columns(exprs)

    def contacts(self, df: pl.DataFrame) -> pl.DataFrame:
        exprs = self._people_exprs(df, "contacts") + self._free_exprs(df, "contacts")
        exprs += [self.ps.date_expr(c) for c in ("last_contact_date",) if c in df.columns]
        return df.with_columns(exprs)

    def assessment(self, df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(self._people_exprs(df, "assessment"))

    def team(self, df: pl.DataFrame) -> pl.DataFrame:
        exprs = self._people_exprs(df, "team") + self._free_exprs(df, "team")
        exprs += [self.ps.money(c) for c in ("annual_cost",) if c in df.columns]
        if "clients" in df.columns:
            codes = self.codes

            def clients(v: str) -> str:
                return re.sub(r"[^,;]+", lambda m: m.group() if m.group().strip() in codes
                              else self.ps.name(m.group()), v)

            exprs.append(_map_column(df, "clients", clients))
        return df.with_columns(exprs)

    def table(self, tname: str) -> pl.DataFrame:
        df = self.tables[tname]
        df = df.with_columns(pl.col(c).cast(pl.String) for c in ("client_id",)
                             if c in df.columns)
        out = getattr(self, tname)(df)
        cols = [c for c in _COLUMNS[tname] if c in out.columns]
        self.canonical[tname] = out.select(cols)
        renamed: pl.DataFrame = out.select(cols).rename(
            {c: _header(tname, c, self.lang) for c in cols})
        return renamed

    # ---- settings, decisions, review

    def config(self, cfg: EngagementConfig) -> str:
        """``engagement.yaml``: client name replaced, money parameters scaled, period moved;
        ``inputs`` dropped (the new raw files need no help)."""
        ps = self.ps
        data = cfg.model_dump(mode="json")
        data["client"] = ps.name(cfg.client)
        for k in ("start", "end"):
            v = getattr(cfg.period, k)
            data["period"][k] = shift_date(v, ps.shift_years).isoformat() if v else None
        data["inputs"] = []
        data["intake"]["date_order"] = None
        data["intake"]["amounts_include_vat"] = None
        def scaled(v: float) -> float:
            return float(f"{v * ps.factor:.12g}")  # 87.27, not 87.27000000000001

        prof = data["profitability"]
        for setting in ("cost_pools_file", "off_invoice_file"):  # the sheets carried (finance)
            prof[setting] = self.finance_files.get(setting)
        prof["cost_rates"] = {k: scaled(v) for k, v in prof["cost_rates"].items()}
        prof["cost_pools"] = {k: scaled(v) for k, v in prof["cost_pools"].items()}
        for k in ("kam_annual_cost", "travel_per_kam", "default_kam_cost"):
            data["sizing"][k] = scaled(data["sizing"][k])
        if data["sizing"].get("kpi_targets"):
            self.notes.append("sizing.kpi_targets were copied unscaled: a KPI target in money "
                              "must be rescaled by hand")
        head = ("# Training engagement made by `kam anonymise`: names, tax ids and people are\n"
                "# replaced, amounts scaled and dates moved (docs/anonymiser.md). Settings as\n"
                "# in the source engagement; money parameters scaled like the data.\n")
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        EngagementConfig.model_validate(yaml.safe_load(text))  # what we write is valid
        return head + text

    def _code(self, c: str) -> str:
        return self.id_map.get(c, c)

    def finance(self, cfg: EngagementConfig) -> dict[str, Any]:
        """The company's own cost sheets named in ``engagement.yaml`` (cost pools, off-invoice
        spend per client), read and checked as step 2 reads them, with every amount × the
        factor and client codes replaced: ``{path under OUT: DataFrame}``. Pools' names,
        drivers, capacities and practical shares are the company's structure and stay; the
        settings then name the new files (:meth:`config`)."""
        from ...profitability.tdabc import read_cost_pools, read_off_invoice

        prof = cfg.profitability
        out: dict[str, Any] = {}
        if prof.cost_pools_file:
            pools = read_cost_pools(self.eng.root / prof.cost_pools_file)
            pools["annual_cost"] = (pools["annual_cost"] * self.ps.factor).round(2)
            out["finance/cost_pools.csv"] = pools[["pool", "annual_cost", "driver", "capacity",
                                                   "practical_share"]]
        if prof.off_invoice_file:
            spend = read_off_invoice(self.eng.root / prof.off_invoice_file)
            spend["client_id"] = spend["client_id"].map(self._code)
            spend["amount"] = (spend["amount"] * self.ps.factor).round(2)
            out["finance/off_invoice.csv"] = spend
        self.finance_files = {("cost_pools_file" if "cost_pools" in k else "off_invoice_file"): k
                              for k in out}
        return out

    def merges(self) -> pl.DataFrame | None:
        """``decisions/merges.csv`` with the decisions still pending in
        ``review/duplicates.xlsx`` folded in (as the next run would import them)."""
        from ...cleanup.review import MERGES_COLUMNS, import_review, read_decisions

        src = self.eng.root
        dec = read_decisions(src / "decisions" / "merges.csv")
        dec, imported = import_review(src / "review" / "duplicates.xlsx", dec)
        if imported:
            self.notes.append(f"{imported} decision(s) pending in review/duplicates.xlsx were "
                              "written into decisions/merges.csv")
        if dec.empty and not (src / "decisions" / "merges.csv").exists():
            return None
        rows = []
        for r in dec[MERGES_COLUMNS].itertuples(index=False):
            a, b = sorted((self._code(str(r.client_id_a)), self._code(str(r.client_id_b))))
            rows.append({"client_id_a": a, "client_id_b": b, "decision": r.decision,
                         "note": self.ps.text(r.note) if isinstance(r.note, str) else "",
                         "decided_on": self._shift_iso(r.decided_on)})
        return pl.DataFrame(rows, schema={c: pl.String for c in MERGES_COLUMNS})

    def _shift_iso(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            return ""
        try:
            return shift_date(date.fromisoformat(value.strip()[:10]),
                              self.ps.shift_years).isoformat()
        except ValueError:
            return str(self.ps.text(value))

    def groups(self) -> pl.DataFrame | None:
        path = self.eng.root / "decisions" / "groups.csv"
        if not path.exists():
            return None
        df = pl.read_csv(path, infer_schema=False)
        if "client_id" not in df.columns:
            raise InputError("decisions/groups.csv has no column client_id", file=str(path),
                             row=1, hint="its header must be: client_id,group")
        exprs = [pl.col("client_id").replace_strict(self.id_map, default=pl.col("client_id"))]
        exprs += [_map_column(df, c, self.ps.name) for c in df.columns if c == "group"]
        exprs += [_map_column(df, c, self.ps.text) for c in df.columns
                  if c not in ("client_id", "group")]
        return df.with_columns(exprs)

    def assessment_sheet(self) -> bytes | None:
        """``review/assessment.xlsx`` as a consultant filled it: the sheet ``assessment``
        with its ids and scores, names, assessors and notes replaced. The sheets ``data`` and
        ``instructions`` are left out: the next run of step 3 writes them again."""
        import python_calamine

        from ...selection.assessment import _LABELS as _ASSESSMENT_LABELS
        from ...selection.assessment import SHEET

        path = self.eng.root / "review" / "assessment.xlsx"
        if not path.exists():
            return None
        try:
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            rows = wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False) \
                if SHEET in wb.sheet_names else None
        except Exception as exc:
            raise InputError(f"cannot read the assessment workbook ({exc})", file=str(path),
                             hint="save it as .xlsx, or delete it (step 3 writes a fresh one)"
                             ) from None
        if not rows:
            self.notes.append("review/assessment.xlsx has no sheet 'assessment': left out")
            return None
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        labels = {v["entity_id"] for v in _ASSESSMENT_LABELS.values()}
        buf = io.BytesIO()
        book = safe_workbook(buf, in_memory=True)
        ws = book.add_worksheet(SHEET)
        for i, row in enumerate(rows):
            descriptions = i == 1 and row and str(row[0]).strip() in labels
            for j, v in enumerate(row):
                col = header[j] if j < len(header) else ""
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v)
                elif isinstance(v, datetime | date):
                    ws.write_string(i, j, shift_date(
                        v.date() if isinstance(v, datetime) else v,
                        self.ps.shift_years).isoformat())
                elif i == 0 or descriptions:
                    ws.write_string(i, j, str(v))
                elif col == "entity_id":
                    ws.write_string(i, j, self._code(unneutralise(str(v).strip())))
                elif col in ("entity_name",):
                    ws.write_string(i, j, str(self.ps.name(str(v))))
                elif col == "assessor":
                    ws.write_string(i, j, str(self.ps.name(str(v))))
                    self.people.update(x.strip() for x in str(v).split(";"))
                else:
                    ws.write_string(i, j, str(self.ps.text(str(v))))
        book.close()
        return buf.getvalue()


#: Columns of codes and document numbers, replaced by their own rules: not free text.
_ID_COLUMNS = frozenset({"client_id", "document_id", "product_id", "tax_id", "client_tax_id",
                         "branch_code", "ogrn", "parent_id", "clients"})


def _check_no_pii(ps: Pseudonymiser, source: dict[str, pl.DataFrame],
                  written: dict[str, pl.DataFrame], config_text: str, lang: str) -> None:
    """Refuse to write the copy if personal data of the source is still in it: an
    identifier found in the source's free text, or an e-mail, long number or person name
    (:func:`kamlib.pii.find_pii`) in any text column of the copy that stands verbatim in the
    source.

    Raises
    ------
    InputError
        Names the table, column and row that still hold it, and its kind.
    """
    blob = "\n".join(str(v) for df in source.values() for c in df.columns
                     if df[c].dtype == pl.String and c not in _ID_COLUMNS
                     for v in df[c].drop_nulls().unique().to_list())
    originals = {o: k for o, k in ps.found.items() if len(re.sub(r"\W", "", o)) >= 5}
    for tname, df in written.items():
        for col in df.columns:  # canonical names (the copy's headers are their labels)
            if df[col].dtype != pl.String or col in _ID_COLUMNS:
                continue
            for value in df[col].drop_nulls().unique().to_list():
                kinds = [k for o, k in originals.items() if o in value]
                kinds += [m.kind for m in find_pii(value, known=ps.known) if m.text in blob]
                if kinds:
                    row = int(df.select(pl.col(col).eq(value).arg_true()).to_series()[0])
                    raise InputError(
                        f"the anonymised copy would still hold a {kinds[0]} of the source "
                        f"(table {tname})", file=f"raw/{_FILES[lang][tname]}", row=row + 2,
                        column=col, hint="remove the personal data from that field of the "
                        "source export, or report it as a bug of kam anonymise; nothing was "
                        "written")
    for o, kind in originals.items():
        if o in config_text:
            raise InputError(f"the anonymised engagement.yaml would still hold a {kind}",
                             file="engagement.yaml",
                             hint="remove it from the source's engagement.yaml")


def _new_code(alias: str) -> str:
    """The code the intake gives a client it adds from sales lines: ``NEW-`` and a hash of
    the name's key (:mod:`kamlib.intake`), so it changes with the name."""
    return "NEW-" + hashlib.sha1((name_key(alias) or "").encode("utf-8")).hexdigest()[:10]


def _catalogue(cl: pl.DataFrame, ps: Pseudonymiser, tax: dict[str, str],
               kpp: dict[str, str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """The replaced catalogue as the intake of the copy will see it (what step 1 reads:
    code, name, INN, KPP), and the codes that change."""
    id_map: dict[str, str] = {}
    if "origin" in cl.columns:
        for cid, name in cl.filter(pl.col("origin") == "transactions") \
                .select("client_id", "name").iter_rows():
            id_map[str(cid)] = _new_code(ps.name(name))
    cols = [pl.col("client_id").cast(pl.String).replace_strict(
                id_map, default=pl.col("client_id").cast(pl.String)),
            _map_column(cl, "name", ps.name)]
    for c, m in (("tax_id", tax), ("branch_code", kpp)):
        if c in cl.columns:
            cols.append(pl.col(c).replace_strict(m, default=None, return_dtype=pl.String))
    return cl.select(cols), id_map


def _pairs(df: pl.DataFrame, cfg: EngagementConfig) -> dict[tuple[str, str], tuple[str, float]]:
    """Step 1's candidate pairs of a catalogue: (code, code) → (proposal, score)."""
    from ...cleanup.matching import MatchParams, candidate_pairs, prepare_records

    p = cfg.cleanup
    mp = MatchParams(p.review_threshold, p.auto_merge_threshold, p.distinctive_token_max_share)
    pdf = df.select([c for c in ("client_id", "name", "tax_id", "branch_code")
                     if c in df.columns]).to_pandas()
    pdf["client_id"] = pdf["client_id"].astype(str)
    cand = candidate_pairs(prepare_records(pdf), mp)
    return {tuple(sorted((a, b))): (prop, float(sc)) for a, b, prop, sc in
            zip(cand["client_id_a"], cand["client_id_b"], cand["proposal"], cand["score"],
                strict=True)}


def _compare_pairs(before: dict[tuple[str, str], tuple[str, float]],
                   after: dict[tuple[str, str], tuple[str, float]],
                   id_map: dict[str, str]) -> dict[str, Any]:
    p0: dict[tuple[str, str], tuple[str, float]] = {}
    for (a, b), v in before.items():
        x, y = sorted((id_map.get(a, a), id_map.get(b, b)))
        p0[(x, y)] = v
    keys = sorted(set(p0) | set(after))
    differ = [k for k in keys if (p0.get(k) or ("none",))[0] != (after.get(k) or ("none",))[0]]
    moved = sum(1 for k in keys if k in p0 and k in after and k not in differ
                and abs(p0[k][1] - after[k][1]) > 1e-6)
    return {"pairs": len(p0), "same": len(p0) - sum(1 for k in differ if k in p0),
            "differ": len(differ), "scores_moved": moved,
            "examples": [f"{a} / {b}: {(p0.get((a, b)) or ('none',))[0]} → "
                         f"{(after.get((a, b)) or ('none',))[0]}" for a, b in differ[:5]]}


