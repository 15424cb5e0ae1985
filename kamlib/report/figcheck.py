"""The figure check: read every rendered deliverable back and compare its figures with the facts.

Every figure a consultant signs is a claim: it must equal the artefact it comes from, in the
unit the registry (:mod:`kamlib.steps`) declares, in the engagement's currency. This module
reads the deliverables as a person's tools would — the HTML's text and tables, the PDF's text,
the workbook's cells (openpyxl), the deck's texts and native chart data (python-pptx) — and
checks, in two stages:

1. **model ↔ artefacts**: each :class:`~kamlib.report.model.Fact` equals the value at its
   source; each table read from a Parquet artefact holds the artefact's values in the
   declared unit (a ratio is a fraction, never a percent number guessed into one); the input
   files' money is each file's main amount; shares equal their money ratio.
2. **deliverable ↔ model**: the HTML's and PDF's text hold each fact as formatted; the HTML's
   table cells parse back to the model's values; the workbook's numeric cells equal the
   model's values (money to the minor unit, no float leftovers); the deck's charts hold the
   model's data; every currency mark is the engagement's; a Russian deliverable holds no
   English word (and the reverse) beyond names from the data and a short allow-list; counted
   nouns agree with their numbers.

:func:`check_deliverables` returns the problems found and how many figures were read in
each deliverable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..steps import MAIN_AMOUNT, step
from .artefacts import Artefacts
from .model import ReportModel, is_missing

__all__ = ["CheckResult", "Problem", "check_deliverables", "parse_number"]

_NBSP = "\u00a0"
#: currency marks a deliverable may print, by ISO code
_MARKS = {"RUB": ("₽", "RUB"), "EUR": ("€", "EUR"), "USD": ("$", "USD"), "GBP": ("£", "GBP"),
          "CNY": ("¥", "CNY"), "KZT": ("₸", "KZT")}
#: Latin words a Russian deliverable may hold (terms of the method, units, codes)
_LATIN_OK = {"vip", "channels", "selection",
             "kam", "abc", "xyz", "hhi", "ifrs", "inn", "kpi", "kpis", "nps", "qbr", "dso",
             "cv", "sha", "excel", "html", "pdf", "xlsx", "pptx", "csv", "parquet", "json",
             "mcdonald", "woodburn", "talley", "sherman", "sperry", "reese", "zoltners", "sinha",
             "lorimer", "kaplan", "narayanan", "cooper", "marn", "rosiello", "keiningham",
             "storbacka", "stobachoff", "gupta", "lehmann", "little", "adbudg", "dirichlet",
             "spearman", "millman", "rogers", "miller", "heiman", "reichheld", "anderson",
             "waterman", "peters", "phillips", "rapidfuzz", "wratio", "gost", "icao", "highs",
             "ooo", "llc", "ltd", "gmbh", "plc", "inc", "utc", "et", "al", "md", "review",
             "duplicates", "decisions", "merges", "assessment", "work", "reports", "raw",
             "kamlib", "python", "pandas", "polars", "pyarrow", "numpy", "papermill",
             "matplotlib", "seaborn", "pydantic", "calamine", "scipy", "xlsxwriter", "weasyprint",
             "nbconvert", "vs", "summary", "manifest", "engagement", "yaml", "id",
             "kpp", "ogrn", "ogrnip", "vat", "nbsp", "pnl", "p", "l", "sales", "clients",
             "team", "contacts", "payments", "activities", "mod", "set", "token"}


@dataclass
class Problem:
    """A figure that does not agree with its fact."""

    deliverable: str
    where: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.deliverable}: {self.where}: expected {self.expected}, found {self.found}"


@dataclass
class CheckResult:
    """What the check read and what it found."""

    figures: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    allowed: set[str] = field(default_factory=set, repr=False)

    def add(self, deliverable: str, n: int = 1) -> None:
        self.figures[deliverable] = self.figures.get(deliverable, 0) + n

    def fail(self, deliverable: str, where: str, expected: Any, found: Any) -> None:
        self.problems.append(Problem(deliverable, where, str(expected), str(found)))


# --------------------------------------------------------------------------- numbers


def parse_number(text: str, lang: str) -> float | None:
    """A number as the deliverable printed it (``1 234,56 ₽``, ``RUB 1,234.56``, ``40,0 %``,
    ``−3,2 млн ₽``, ``GBP 3.2m``) → its value (percentages as printed, not divided)."""
    t = str(text).strip().replace(_NBSP, " ").replace("\u202f", " ").replace("−", "-")
    scale = 1.0
    for unit, mult in (("млрд", 1e9), ("млн", 1e6), ("тыс.", 1e3), ("bn", 1e9), ("m", 1e6),
                       ("k", 1e3)):
        if re.search(rf"\d\s*{re.escape(unit)}(\s|$|\W)", t + " "):
            scale = mult
            t = re.sub(rf"(\d)\s*{re.escape(unit)}", r"\1", t)
            break
    t = re.sub(r"[^\d,.\-]", "", t.replace(" ", ""))
    if not t or not re.search(r"\d", t):
        return None
    t = t.replace(".", "").replace(",", ".") if lang == "ru" else t.replace(",", "")
    try:
        return float(t) * scale
    except ValueError:
        return None


def _close(a: Any, b: Any, *, rel: float = 1e-9, abs_: float = 0.005) -> bool:
    if is_missing(a) and is_missing(b):
        return True
    if is_missing(a) or is_missing(b):
        return False
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return str(a) == str(b)
    return math.isclose(fa, fb, rel_tol=rel, abs_tol=abs_)


def _printed(value: Any, kind: str) -> tuple[float, float] | None:
    """What a figure of ``kind`` prints as, and the tolerance of its rounding."""
    if is_missing(value):
        return None
    if isinstance(value, dict) and "amount" in value:
        value = value["amount"]
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if kind == "pct":
        return v * 100, 0.051
    if kind == "money":
        return v, 0.0051
    if kind == "int":
        return v, 0.51
    if kind == "number":
        return v, 0.051
    return None


# --------------------------------------------------------------------------- stage 1


def _artefact_frame(art: Artefacts, source: str) -> pd.DataFrame | None:
    path = art.root / "work" / source.split("#", 1)[0]
    if path.suffix != ".parquet" or not path.exists():
        return None
    return pd.read_parquet(path)


_IDS = ("entity_id", "client_id", "group_id", "kam", "file", "kpi", "role", "method", "channel")


def _check_model(model: ReportModel, art: Artefacts, res: CheckResult) -> None:
    """Facts equal their artefacts; tables read from Parquet hold its values, same unit."""
    facts = [*(f for s in model.sections for f in s.facts),
             *(f.fact for f in model.findings), *model.provenance.control_totals,
             *(m.fact for m in model.summary),        # the storyline (kamlib.report.story)
             *(a.money for a in model.actions if a.money is not None),
             *(f for b in model.board for f in b.facts)]   # the deck's action titles
    for f in facts:
        step, _, path = f.source.partition("/summary.json#")
        if not path:
            continue
        number = next((k[:2] for k, folder in _folders(art) if folder == step), None)
        if number is None:
            continue
        stored = art.s(number, path)
        res.add("model")
        if isinstance(stored, dict) and "amount" in stored:
            stored = float(stored["amount"])
        if not _close(f.value if not isinstance(f.value, dict) else f.value.get("amount"),
                      stored):
            res.fail("model", f"fact {f.key} ({f.source})", stored, f.value)
    for table in model.tables.values():
        frame = _artefact_frame(art, table.source)
        if frame is None:
            continue
        idcol = next((c for c in _IDS if c in table.data.columns and c in frame.columns), None)
        if idcol is None or frame[idcol].duplicated().any():
            continue
        ref = frame.set_index(idcol)
        for col in table.columns:
            if col.kind not in ("money", "pct", "int", "number") or col.key not in ref.columns \
                    or col.key == idcol:
                continue
            want = ref[col.key].reindex(table.data[idcol])
            for i, (have, exp) in enumerate(zip(table.data[col.key], want, strict=True)):
                res.add("model")
                if not _close(have, exp, rel=1e-9, abs_=1e-9):
                    res.fail("model", f"table {table.key}, row {i + 1}, {col.key}", exp, have)
                    break
    _check_inputs(model, art, res)
    _check_shares(model, art, res)
    _check_strategy(art, res)


def _folders(art: Artefacts) -> list[tuple[str, str]]:
    from ..steps import ANALYSIS_STEPS

    return [(s.key, s.folder) for s in ANALYSIS_STEPS]


def _check_inputs(model: ReportModel, art: Artefacts, res: CheckResult) -> None:
    """"Money accepted" of an input file is its main amount (net revenue for sales …)."""
    files = (art.manifest.get("inputs") or {}).get("files", [])
    inputs = model.tables.get("inputs")
    if inputs is None:
        return
    for i, fi in enumerate(files):
        main = (fi.get("money") or {}).get(MAIN_AMOUNT.get(fi.get("table") or "", ""), {})
        want = float(main["accepted"]) if main.get("accepted") is not None else None
        if i >= len(inputs.data):
            break
        have = inputs.data["money_accepted"].iloc[i]
        res.add("model")
        if not _close(have, want):
            res.fail("model", f"input file {fi.get('file')}: money accepted", want, have)


def _check_shares(model: ReportModel, art: Artefacts, res: CheckResult) -> None:
    """Shares equal their money ratio, computed again from the artefact tables."""
    pnl, key = art.tables.get("client_pnl"), art.tables.get("key_clients")
    s3 = art.summaries.get("03") or {}
    if pnl is not None and key is not None and "key_revenue_share" in s3:
        want = float(key["net_revenue"].sum()) / float(pnl["net_revenue"].sum())
        res.add("model")
        if not _close(s3["key_revenue_share"], want, rel=1e-6):
            res.fail("model", "key clients' share of revenue", want, s3["key_revenue_share"])
    s0, s2 = art.summaries.get("00") or {}, art.summaries.get("02") or {}
    if pnl is not None and s0.get("net_revenue") is not None:
        res.add("model")
        if not _close(float(s0["net_revenue"]), float(pnl["net_revenue"].sum()), abs_=0.01):
            res.fail("model", "net revenue: intake vs client P&L", s0["net_revenue"],
                     float(pnl["net_revenue"].sum()))
    rel = art.tables.get("relationships")
    if rel is not None and "single_point" in rel.columns:
        flagged = rel["single_point"].fillna(False).astype(bool)
        if "contacts" in rel.columns:
            flagged &= rel["contacts"].fillna(0) > 0
        res.add("model")
        spc = s3.get("single_point_of_contact") or []
        if len(spc) != int(flagged.sum()):
            res.fail("model", "key clients with a single point of contact (≥ 1 contact)",
                     int(flagged.sum()), len(spc))
    cand = art.tables.get("candidates")
    if cand is not None and "reason_code" in cand.columns:
        codes = cand.set_index("entity_id")["reason_code"]
        for b in s3.get("big_not_key") or []:
            if b["entity_id"] in codes.index:
                res.add("model")
                if codes[b["entity_id"]] != b["reason"]["code"]:
                    res.fail("model", f"why {b['entity_name']} is not key",
                             codes[b["entity_id"]], b["reason"]["code"])
    del s2


def _check_strategy(art: Artefacts, res: CheckResult) -> None:
    """The strategic layer against the tables it comes from: the channels add up to the
    client P&L (money in = money out) and each channel's margin is its contribution ÷ revenue;
    the largest loss-of-client scenario is the client's gross margin less the costs that go
    with it; each VIP's verdict is its contribution's sign and step 3's key decision."""
    pnl = art.tables.get("client_pnl")
    ch = art.tables.get("channels")
    if pnl is not None and ch is not None:
        for col in ("net_revenue", "contribution"):
            res.add("model")
            if not _close(float(ch[col].sum()), float(pnl[col].sum()), abs_=0.01):
                res.fail("model", f"channels: total {col} vs client P&L",
                         float(pnl[col].sum()), float(ch[col].sum()))
        for c in ch.itertuples(index=False):
            if c.net_revenue:
                res.add("model")
                if not _close(c.contribution_margin, c.contribution / c.net_revenue):
                    res.fail("model", f"channel {c.channel}: contribution margin",
                             c.contribution / c.net_revenue, c.contribution_margin)
    s2 = art.summaries.get("02") or {}
    largest = ((s2.get("dependency") or {}).get("largest") or [])
    if pnl is not None and largest and largest[0].get("level") == "entity":
        p = pnl.set_index("entity_id")
        top = largest[0]
        if top.get("id") in p.index:
            r = p.loc[top["id"]]
            avoidable = r["cts_avoidable"] if "cts_avoidable" in p.columns else r["cost_to_serve"]
            off = r["off_invoice"] if "off_invoice" in p.columns else 0.0
            # what goes with the client: its margin less what it costs that stops with it
            # (off-invoice payments to it included); the stranded cost-to-serve stays
            want = float(r["gross_margin"] - off - avoidable - r["cost_of_receivables"])
            res.add("model")
            if not _close(float(top["contribution_lost"]), want, abs_=0.01):
                res.fail("model", f"contribution lost if {top['name']} leaves", want,
                         top["contribution_lost"])
    vip, key = art.tables.get("vip"), art.tables.get("key_clients")
    if vip is not None and key is not None and pnl is not None:
        keys = set(key["entity_id"])
        contrib = pnl.set_index("entity_id")["contribution"]
        for v in vip.itertuples(index=False):
            verdict = ("loses_money" if contrib.get(v.entity_id, 0.0) < 0
                       else "key" if v.entity_id in keys else "not_key")
            res.add("model")
            if v.verdict != verdict or bool(v.is_key) != (v.entity_id in keys):
                res.fail("model", f"VIP {v.entity_name}: verdict", verdict, v.verdict)


# --------------------------------------------------------------------------- stage 2


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(_NBSP, " ").replace("\u202f", " ")).strip()


def _check_text(name: str, text: str, model: ReportModel, res: CheckResult, *,
                facts: bool = True) -> None:
    """Facts printed as formatted; the currency is the engagement's; one language."""
    flat = _norm(text)
    if facts:
        for sec in model.sections:
            for fact in sec.facts:
                res.add(name)
                if _norm(fact.display) not in flat:
                    res.fail(name, f"fact {fact.key}", fact.display, "not printed")
        for finding in model.findings:
            res.add(name)
            if _norm(finding.headline) not in flat:
                res.fail(name, f"finding {finding.key}", finding.headline, "not printed")
        for what, shown in _story_figures(model):
            res.add(name)
            if _norm(shown) not in flat:
                res.fail(name, what, shown, "not printed")
    _check_currency(name, text, model, res)
    _check_language(name, text, model, res)


def _story_figures(model: ReportModel) -> list[tuple[str, str]]:
    """The storyline's figures as printed: each message's and each recommendation's money."""
    return [*((f"message {m.key}", m.fact.display) for m in model.summary),
            *((f"recommendation {a.key}", a.money.display) for a in model.actions
              if a.money is not None)]


#: money as the report shortens it where it is read: 12,3 млн ₽ / RUB 12.3m
_SHORT_MONEY = re.compile(r"[−-]?\d[\d\s]*(?:[.,]\d+)?\s(?:млрд|млн|тыс\.)\s\S|"
                          r"[A-Z]{3}\s[−-]?\d[\d,]*(?:\.\d+)?(?:bn|m|k)")


def _check_titles(name: str, titles: list[str], model: ReportModel, res: CheckResult) -> None:
    """Every money figure in a slide's title (an action title) is a figure of the model."""
    known = {_norm(x) for x in (
        *(f.display for s in model.sections for f in s.facts),
        *(f.headline for f in model.findings), *(d for _, d in _story_figures(model)))}
    for title in titles:
        for hit in _SHORT_MONEY.finditer(_norm(title)):
            res.add(name)
            if not any(_norm(hit.group(0)) in k for k in known):
                res.fail(name, f"title {title!r}", "a figure of the report", hit.group(0))


#: a number as the report prints it: 1 234 567,89 / 1,234,567.89 / 43,6 / 15.8
_NUMBER = re.compile(r"\d+(?:[ ,]\d{3})*(?:[.,]\d+)?")


def _check_board(name: str, titles: list[str], model: ReportModel, res: CheckResult) -> None:
    """Every slide of the storyline (:mod:`.board`) is in the deck under its action title, and
    every figure of that title is one of the slide's facts (checked against their sources in
    stage 1): nothing in a title is typed in, rounded otherwise or left over from a key."""
    have = {_norm(t) for t in titles}
    for b in model.board:
        title = _norm(b.title)
        res.add(name)
        if title not in have:
            res.fail(name, f"slide {b.key}", b.title, "no slide with this title")
        rest = title
        for data in sorted({_norm(n) for n in b.names}, key=len, reverse=True):
            rest = rest.replace(data, " ")       # a name from the data may hold digits
        known = {x for f in b.facts for x in _NUMBER.findall(_norm(f.display))}
        for figure in _NUMBER.findall(rest):
            res.add(name)
            if figure not in known:
                res.fail(name, f"title of slide {b.key}", "a figure of its facts", figure)
        if re.search(r"\b[a-z]+_[a-z0-9_]+\b|\{|\}", b.title):
            res.fail(name, f"title of slide {b.key}", "words a reader knows", b.title)


def _check_currency(name: str, text: str, model: ReportModel, res: CheckResult) -> None:
    own = set(_MARKS.get(model.currency, (model.currency,)))
    for code, marks in _MARKS.items():
        if code == model.currency:
            continue
        for mark in marks:
            if mark in own:
                continue
            pat = re.escape(mark) if not mark.isalpha() else rf"\b{mark}\b"
            scale = r"(?:\s?(?:млрд|млн|тыс\.|bn|m|k))?"
            hits = re.findall(rf"(?:\d[\d\s{_NBSP},.]*{scale}\s?{pat}|{pat}\s?\d)", text)
            if hits:
                res.fail(name, "currency", model.currency, f"{mark} ({hits[0]!r})")


#: columns that hold the client's own data (names, codes, files, people, places)
_DATA_COLUMNS = {"entity_id", "entity_name", "name", "group_id", "group_name", "client_id",
                 "codes", "spellings", "inn", "tax_id", "branch_code", "region", "kam", "file",
                 "sheet", "sha256", "person", "manager", "owner", "channel",
                 "pool"}   # a cost pool as the company's sheet names it


def _data_words(model: ReportModel) -> set[str]:
    """Words that come from the client's data (names, codes, files), allowed in any language."""
    words: set[str] = set()
    for table in model.tables.values():
        for col in table.data.columns:
            if col not in _DATA_COLUMNS:     # the steps' own texts are checked, not allowed
                continue
            series = table.data[col]
            if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
                for v in series.dropna().astype(str):
                    words.update(w.casefold() for w in re.findall(r"[^\W\d_]+", v))
    for m in model.methods:   # the appendix cites its sources in their own language
        words.update(w.casefold() for w in re.findall(r"[^\W\d_]+", m.source))
    for chart in model.charts.values():
        if chart.label and chart.label in chart.data:
            for v in chart.data[chart.label].dropna().astype(str):
                words.update(w.casefold() for w in re.findall(r"[^\W\d_]+", v))
    words.update(w.casefold() for w in re.findall(r"[^\W\d_]+", model.client))
    for k, v in model.provenance.parameters.items():
        # the provenance lists the settings by their engagement.yaml names
        words.update(w.casefold() for w in re.findall(r"[^\W\d_]+", f"{k} {v}"))
        words.update(part.casefold() for part in re.split(r"[.\s]", f"{k} {v}") if part)
    return words


def _check_language(name: str, text: str, model: ReportModel, res: CheckResult) -> None:
    if not res.allowed:
        res.allowed = _data_words(model) | _LATIN_OK
    allowed = res.allowed
    # where a figure comes from is printed as a path (02_profitability/client_pnl.parquet,
    # summary.json#totals.contribution): provenance, not prose
    text = re.sub(r"\S*(?:[/#]|\.(?:parquet|json|csv|xlsx|yaml|ipynb))\S*", " ", text)
    keys = [k for k in re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)
            if k.casefold() not in allowed]
    if keys:
        res.fail(name, "internal keys in the text", "words a reader knows",
                 ", ".join(sorted(set(keys))[:12]))
    if model.language == "ru":
        foreign = [w for w in re.findall(r"\b[A-Za-z][a-z]{2,}\b", text)
                   if w.casefold() not in allowed]
        if foreign:
            res.fail(name, "English words in a Russian deliverable", "none",
                     ", ".join(sorted(set(foreign))[:12]))
        tight = re.search(r"\d%", text)
        if tight:
            res.fail(name, "a Russian percentage without its (no-break) space", "40 %",
                     text[max(0, tight.start() - 20):tight.end()])
        if re.search(r"\d\.\d+\s?%", text):
            res.fail(name, "decimal point in a Russian percentage", "40,0 %",
                     re.search(r"\d+\.\d+\s?%", text).group(0))  # type: ignore[union-attr]
    else:
        foreign = [w for w in re.findall(r"[А-Яа-яЁё]{3,}", text) if w.casefold() not in allowed]
        if foreign:
            res.fail(name, "Russian words in an English deliverable", "none",
                     ", ".join(sorted(set(foreign))[:12]))
        bad = re.findall(r"\b(?:All\s+)?1\s+(?:key\s+)?(?:clients|rows|KAMs|accounts|files|"
                         r"groups|records|entities|loss-makers|duplicates)\b", text)
        if bad:
            res.fail(name, "a count that does not agree with its noun", "1 client", bad[0])


def _html_tables(html: str) -> dict[str, tuple[list[str], list[list[str]]]]:
    from lxml import html as lh

    doc = lh.fromstring(html)
    out = {}
    # a table printed on a landscape page is a "table-block landscape"
    for block in doc.xpath('//div[contains(concat(" ", @class, " "), " table-block ")]'):
        table = block.find(".//table")
        if table is None:
            continue
        head = [_norm(th.text_content()) for th in table.xpath(".//thead//th")]
        # a row's prose line (kamlib.report.html._prose_columns) is part of the row, not one
        rows = [[_norm(td.text_content()) for td in tr.xpath("./td")]
                for tr in table.xpath('.//tbody/tr[not(contains(@class, "prose"))]')]
        out[block.get("id", "")] = (head, rows)
    return out


def _check_html_tables(html: str, model: ReportModel, res: CheckResult) -> None:
    from .html import _slug

    tables = _html_tables(html)
    for t in model.tables.values():
        got = tables.get(f"tbl-{_slug(t.key)}")
        if got is None:
            continue
        head, rows = got
        by_label = {c.label: c for c in t.columns}
        for j, label in enumerate(head):
            col = by_label.get(label)
            if col is None or col.kind not in ("money", "pct", "int", "number"):
                continue
            for i, row in enumerate(rows):
                if j >= len(row) or i >= len(t.data):
                    continue
                expect = _printed(t.data[col.key].iloc[i], col.kind)
                res.add("html")
                found = parse_number(row[j], model.language)
                if expect is None:
                    if found is not None:
                        res.fail("html", f"table {t.key}, row {i + 1}, {col.key}", "—",
                                 row[j])
                    continue
                if found is None or abs(found - expect[0]) > expect[1]:
                    res.fail("html", f"table {t.key}, row {i + 1}, {col.key}",
                             f"{expect[0]:.4f}", row[j])
                    break


def _check_xlsx(path: Path, model: ReportModel, res: CheckResult) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=False, data_only=False)
    for t in model.tables.values():
        if t.sheet not in wb.sheetnames:
            res.fail("xlsx", f"sheet of table {t.key}", t.sheet, "missing")
            continue
        ws = wb[t.sheet]
        header = [c.value for c in ws[4]]
        col_at = {c.key: header.index(c.label) for c in t.columns if c.label in header}
        for col in t.columns:
            if col.kind not in ("money", "money_short", "pct", "int", "number") \
                    or col.key not in col_at:
                continue
            j = col_at[col.key]
            for i, value in enumerate(t.data[col.key]):
                cell = ws.cell(row=5 + i, column=j + 1).value
                res.add("xlsx")
                want = value.get("amount") if isinstance(value, dict) else value
                if is_missing(want):
                    if cell not in (None, ""):
                        res.fail("xlsx", f"{t.sheet}!{col.key} row {i + 1}", "empty", cell)
                    continue
                if isinstance(cell, str) and cell.startswith("="):
                    res.fail("xlsx", f"{t.sheet}!{col.key} row {i + 1}", "a number", cell)
                    break
                if col.kind in ("money", "money_short") and isinstance(cell, float) and \
                        round(cell, 2) != cell:
                    res.fail("xlsx", f"{t.sheet}!{col.key} row {i + 1}",
                             "money to the minor unit", repr(cell))
                    break
                tol = 0.0051 if col.kind.startswith("money") else 1e-9
                if not isinstance(cell, int | float) or not _close(cell, want, abs_=tol):
                    res.fail("xlsx", f"{t.sheet}!{col.key} row {i + 1}", want, cell)
                    break
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    res.fail("xlsx", f"{ws.title}!{cell.coordinate}", "no formula", cell.value)
    texts = [str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str)]
    _check_currency("xlsx", "\n".join(texts), model, res)


def _check_pptx(path: Path, model: ReportModel, res: CheckResult) -> None:
    from pptx import Presentation

    prs = Presentation(str(path))
    texts: list[str] = []
    charts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if getattr(shape, "has_table", False) and shape.has_table:
                texts += [c.text for r in shape.table.rows for c in r.cells]
            if shape.has_chart:
                charts.append(shape.chart)
    text = "\n".join(texts)
    # the storyline's summary replaces the findings slides when the model has one
    shown = _story_figures(model) if model.summary else [
        (f"finding {f.key}", f.headline) for f in model.findings]
    for what, figure in shown:
        res.add("pptx")
        if _norm(figure) not in _norm(text):
            res.fail("pptx", what, figure, "not on a slide")
    titles = [sl.shapes.title.text_frame.text for sl in prs.slides
              if sl.shapes.title is not None]
    _check_titles("pptx", titles, model, res)
    _check_board("pptx", titles, model, res)
    _check_currency("pptx", text, model, res)
    _check_language("pptx", text, model, res)
    by_title = {c.title: c for c in model.charts.values()}
    for chart in charts:
        title = chart.chart_title.text_frame.text if chart.has_title else ""
        series = list(chart.plots[0].series)
        res.add("pptx", sum(len(list(s.values)) for s in series))
        m = by_title.get(title)
        if m is not None and m.kind in ("bar", "column"):
            for s, col in zip(series, m.y, strict=False):
                want = pd.to_numeric(m.data[col], errors="coerce").tolist()
                have = list(s.values)
                if len(want) != len(have) or not all(_close(a, b, abs_=1e-6)
                                                     for a, b in zip(have, want, strict=True)):
                    res.fail("pptx", f"chart {m.key}, series {col}", want[:5], have[:5])
    matrix = model.charts.get("portfolio_matrix")
    if matrix is not None:
        found = [c for c in charts if len(c.plots) and any(
            s.name == "\u2014" for s in c.plots[0].series)]
        res.add("pptx")
        if not found:
            res.fail("pptx", "portfolio matrix", "quadrant lines and bubbles as captioned",
                     "a plain scatter")


def _pdf_text(path: Path) -> str | None:
    try:
        import pypdfium2 as pdfium
    except ImportError:
        return None
    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


# --------------------------------------------------------------------------- entry point


def check_deliverables(model: ReportModel, art: Artefacts, files: dict[str, Path | str],
                       ) -> CheckResult:
    """Read the rendered deliverables of ``model`` back and check every figure.

    Parameters
    ----------
    model : ReportModel
        The model the deliverables were rendered from.
    art : Artefacts
        The run's artefacts (:func:`kamlib.report.build.load_artefacts`).
    files : dict
        Format (``html``, ``pdf``, ``xlsx``, ``pptx``) → the rendered file.

    Returns
    -------
    CheckResult
        ``figures`` read per deliverable and the ``problems`` found (none when all agree).
    """
    res = CheckResult()
    # people's names (contacts at the clients, our team) are data, in whatever script
    people = art.root / "work" / step("00").folder / step("00").artefact("contacts").file
    names: set[str] = set()
    for frame in (pd.read_parquet(people) if people.exists() else None,
                  art.tables.get("intake_team")):
        if frame is not None:
            for col in ("person", "owner", "name"):
                if col in frame.columns:
                    for v in frame[col].dropna().astype(str):
                        names.update(w.casefold() for w in re.findall(r"[^\W\d_]+", v))
    res.allowed = _data_words(model) | _LATIN_OK | names
    _check_model(model, art, res)
    for fmt, path in files.items():
        p = Path(path)
        if fmt == "html":
            html = p.read_text(encoding="utf-8")
            from lxml import html as lh

            doc = lh.fromstring(html)
            for bad in doc.xpath("//style|//script"):
                bad.drop_tree()
            text = " ".join(doc.itertext())
            _check_text("html", text, model, res)
            _check_html_tables(html, model, res)
        elif fmt == "pdf":
            pdf_text = _pdf_text(p)
            if pdf_text is not None:
                _check_text("pdf", pdf_text, model, res)
        elif fmt == "xlsx":
            _check_xlsx(p, model, res)
        elif fmt == "pptx":
            _check_pptx(p, model, res)
    return res
