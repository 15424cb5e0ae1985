"""Build the :class:`~kamlib.report.model.ReportModel` from a finished run's artefacts.

Nothing is re-computed: the figures are read from ``work/<step>/summary.json`` and the steps'
Parquet tables; each :class:`~kamlib.report.model.Fact` names the artefact and key it came
from. A report cannot be built from a failed, partial or stale run
(:func:`check_run` says which step and what to do).
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..engagement import Engagement
from ..errors import ReportError
from ..i18n import Formatter, Strings, load_strings, say
from ..steps import ANALYSIS_STEPS, MAIN_AMOUNT, artefact, artefact_path
from ..summaries import unit_of
from ..units import stored_reasons
from . import story
from .alignment import alignment_section
from .board import board_slides
from .model import (
    Chart,
    Column,
    Fact,
    Finding,
    Method,
    Provenance,
    ReportModel,
    Section,
    Table,
)

__all__ = ["REPORT_STEPS", "Artefacts", "build_model", "check_run", "load_artefacts"]

#: the steps a report needs, with their artefact folders under ``work/`` (from the registry)
REPORT_STEPS: tuple[tuple[str, str], ...] = tuple((st.key, st.folder) for st in ANALYSIS_STEPS)

#: methodology appendix: (step, method id) in order; texts in templates/i18n/<lang>/methods.yaml
METHOD_IDS: tuple[tuple[str, str], ...] = (
    ("01", "inn"), ("01", "ogrn"), ("01", "matching"), ("01", "groups"), ("01", "status"),
    ("02", "waterfall"), ("02", "cts"), ("02", "receivables"), ("02", "whale"),
    ("02", "cross_subsidy"), ("02", "abc_xyz"), ("02", "concentration"), ("02", "robustness"),
    ("03", "matrix"), ("03", "how_many"), ("03", "stability"), ("03", "coverage"),
    ("03", "clv"),
    ("04", "talley"), ("04", "sherman"), ("04", "break_even"), ("04", "assignment"),
    ("04", "adbudg"), ("04", "kpis"),
)


# --------------------------------------------------------------------------- the run


def check_run(engagement_dir: str | Path) -> dict[str, Any]:
    """Check that every step before the report finished, in order, and left its artefacts.

    Returns
    -------
    dict
        ``work/manifest.json``.

    Raises
    ------
    ReportError
        No run yet; the last run failed (which step, its error); a step not run; a step's
        ``summary.json`` missing; a step's results older than an earlier step's (stale).
    """
    eng = Engagement.open(engagement_dir)
    manifest = eng.manifest()
    where = str(eng.manifest_path)
    if not manifest.get("steps"):
        raise ReportError("the audit has not been run on this engagement yet", file=where,
                          hint=f"run `kam run {eng.root}` first")
    steps = manifest["steps"]
    if manifest.get("status") == "failed":
        failed = [k for k, v in steps.items() if v.get("status") == "failed"]
        err = steps[failed[0]].get("error", {}) if failed else {}
        raise ReportError(
            f"the last run failed at step {failed[0] if failed else '?'}"
            + (f": {err.get('message')}" if err.get("message") else "")
            + "; a report from a failed run would mix old and new results", file=where,
            hint=f"fix the problem, then `kam run {eng.root}"
            + (f" --from {failed[0][:2]}`" if failed else "`"))
    previous: tuple[str, datetime] | None = None
    for key, folder in REPORT_STEPS:
        entry = steps.get(key)
        if not entry:
            raise ReportError(f"step {key} has not been run: the report needs every step",
                              file=where, hint=f"run `kam run {eng.root} --from {key[:2]}`")
        if entry.get("status") != "ok":
            raise ReportError(f"step {key} did not finish (status {entry.get('status')!r})",
                              file=where, hint=f"run `kam run {eng.root} --from {key[:2]}`")
        summary = eng.work / folder / "summary.json"
        if not summary.exists():
            raise ReportError(f"step {key} left no summary.json", file=str(summary),
                              hint=f"run `kam run {eng.root} --from {key[:2]}`")
        finished = entry.get("finished")
        if finished:
            at = datetime.fromisoformat(finished)
            if previous is not None and at < previous[1]:
                raise ReportError(
                    f"step {key}'s results ({finished}) are older than step {previous[0]}'s: "
                    "they were computed from data that has since changed", file=where,
                    hint=f"run `kam run {eng.root} --from {key[:2]}`")
            previous = (key, at)
    return manifest


@dataclass
class Artefacts:
    """The run's artefacts, read once: summaries, tables, manifest."""

    root: Path
    manifest: dict[str, Any]
    summaries: dict[str, dict[str, Any]]
    tables: dict[str, pd.DataFrame]

    def s(self, step: str, path: str, default: Any = None) -> Any:
        """A value of a step's summary by a dotted path (``"totals.contribution"``)."""
        node: Any = self.summaries[step]
        for part in path.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return default
        if isinstance(node, str):  # exact decimal strings (intake's money) → float
            try:
                return float(node)
            except ValueError:
                return node
        return node


#: the artefact tables the report reads: report name → registry artefact name
_TABLES = {
    "intake_team": "team", "entities": "entity_table", "records": "entities",
    "client_pnl": "client_pnl", "group_pnl": "group_pnl", "robustness": "robustness",
    "monthly": "monthly", "whale": "whale", "decisions": "decisions",
    "candidates": "candidates", "key_clients": "key_clients",
    "relationships": "relationships", "team_plan": "team_plan", "assignment": "assignment",
    "methods": "methods", "channels": "channels", "dependency": "dependency", "vip": "vip",
    "client_teams": "client_teams", "raci": "raci", "kam_kpis": "kam_kpis",
    "role_fit": "role_fit",
}


def load_artefacts(engagement_dir: str | Path, *, check: bool = True) -> Artefacts:
    """Read the artefacts the report needs (after :func:`check_run` unless ``check=False``)."""
    eng = Engagement.open(engagement_dir)
    manifest = check_run(eng.root) if check else eng.manifest()
    summaries = {}
    for key, folder in REPORT_STEPS:
        path = eng.work / folder / "summary.json"
        summaries[key[:2]] = json.loads(path.read_text(encoding="utf-8"))
    tables = {}
    for name, art_name in _TABLES.items():
        path = artefact_path(eng, art_name)
        if path.exists():
            tables[name] = pd.read_parquet(path)
    return Artefacts(eng.root, manifest, summaries, tables)


# --------------------------------------------------------------------------- helpers


class _Ctx:
    """Strings, formatter and fact factory for one language."""

    def __init__(self, art: Artefacts, strings: Strings, fmt: Formatter) -> None:
        self.art = art
        self.st = strings
        self.fmt = fmt

    def t(self, key: str, /, **kw: Any) -> str:
        return self.st.t(key, **kw)

    def fact(self, key: str, step: str, path: str, kind: str, *, label: str | None = None,
             display: str | None = None) -> Fact:
        """A fact read from ``step``'s summary at ``path``: its value is the artefact's value
        (``display`` overrides only how it is written, e.g. a share stored in percent)."""
        v = self.art.s(step, path)
        unit = unit_of(step, path)
        if unit is not None and kind not in _KIND_OF_SUMMARY_UNIT[unit] and display is None:
            raise ReportError(f"the figure {path} of step {step} is {unit} but the report would "
                              f"show it as {kind}", value=path,
                              hint="fix the fact's kind in kamlib/report/build.py")
        folder = dict((k[:2], f) for k, f in REPORT_STEPS)[step]
        return Fact(key, label if label is not None else self.t(f"fact.{key}"), v,
                    display if display is not None else self.fmt.value(v, kind),
                    kind,  # type: ignore[arg-type]
                    f"{folder}/summary.json#{path}")


def _said(ctx: _Ctx, table: pd.DataFrame) -> list[str]:
    """A step table's stored reasons (``reason_code``, ``reason_args``), phrased."""
    return [say(r, ctx.st, ctx.fmt)
            for r in stored_reasons(table["reason_code"], table["reason_args"])]


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(float(x))


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _columns(ctx: _Ctx, spec: Iterable[tuple[str, str]]) -> list[Column]:
    return [Column(k, ctx.st.get(f"col.{k}", k) or k, kind) for k, kind in spec]  # type: ignore[arg-type]


#: the report's kind of a summary figure for each unit of its model (kamlib.summaries)
_KIND_OF_SUMMARY_UNIT = {"money": {"money", "money_short"}, "share": {"pct"},
                         "ratio": {"pct"}, "count": {"int"}, "days": {"number", "int"}}

#: the report's kind of a column for each unit of the registry (kamlib.steps.UNITS)
_KIND_OF_UNIT = {"money": {"money", "money_short"}, "ratio": {"pct"}, "count": {"int"},
                 "days": {"number", "int"}, "score": {"number"}, "number": {"number", "int"},
                 "date": {"date"}, "text": {"text"}, "flag": {"text"}}


def _check_units(source: str, spec: list[tuple[str, str]]) -> None:
    """A table read from an artefact shows each column in the unit the registry declares
    for it (:mod:`kamlib.steps`); a mismatch is a bug of the report, never guessed around."""
    stem = source.split("#", 1)[0].rsplit("/", 1)[-1]
    if not stem.endswith(".parquet"):
        return
    name = stem.removesuffix(".parquet")
    name = {"entities": "entities", "sales": "entity_sales"}.get(name, name) \
        if source.startswith("01_") else name
    try:
        units = artefact(name)[1].units
    except KeyError:
        return
    for col, kind in spec:
        unit = units.get(col)
        if unit is not None and kind not in _KIND_OF_UNIT[unit]:
            raise ReportError(f"column {col} of {name} is {unit} but the report would show it "
                              f"as {kind}", file=source,
                              hint="fix the column's kind in kamlib/report/build.py")


def _table(ctx: _Ctx, key: str, df: pd.DataFrame, spec: list[tuple[str, str]], source: str,
           *, note: str = "", preview: int = 15) -> Table:
    spec = [(k, kind) for k, kind in spec if k in df.columns]
    _check_units(source, spec)
    data = df[[k for k, _ in spec]].reset_index(drop=True)
    return Table(key, ctx.t(f"table.{key}"), _columns(ctx, spec), data, source, note=note,
                 preview_rows=preview, sheet=ctx.t(f"sheet.{key}"))


def localise(strings: Strings, text: Any) -> Any:
    """Render a phrase a step wrote in English in the report's language.

    The steps' short explanations ("discounts 24% of list (base 4.3%)", "no economic buyer")
    are matched by the regular expressions of ``templates/i18n/<lang>/phrases.yaml``, in
    order; an English report keeps them as they are.
    """
    if not isinstance(text, str) or not text:
        return text
    for pattern, repl in _phrases(strings):
        text = pattern.sub(repl, text)
    if strings.lang == "ru":   # the step's numbers in the Russian style: 4,3 %, not 4.3%
        text = re.sub(r"(\d)\.(\d)", r"\1,\2", text)
        text = re.sub(r"(\d)\s?%", "\\1\u00a0%", text)
    return text


_PHRASES: dict[int, list[tuple[re.Pattern[str], str]]] = {}


def _phrases(strings: Strings) -> list[tuple[re.Pattern[str], str]]:
    """The phrase table of ``strings``, in file order (compiled once per strings table)."""
    key = id(strings.table)
    if key not in _PHRASES:
        names = [k.removesuffix(".pattern") for k in strings.table
                 if k.startswith("phrases.") and k.endswith(".pattern")]
        _PHRASES[key] = [(re.compile(strings.t(f"{n}.pattern")), strings.t(f"{n}.text"))
                         for n in names]
    return _PHRASES[key]


def _translate(ctx: _Ctx, prefix: str, values: pd.Series) -> pd.Series:
    return values.map(lambda v: ctx.st.get(f"{prefix}.{v}", v) if isinstance(v, str) else v)


# --------------------------------------------------------------------------- sections


def _intake_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    s = ctx.art.summaries["00"]
    period = s.get("period") or [None, None]
    facts = [
        ctx.fact("files", "00", "files", "int"),
        ctx.fact("sales_lines", "00", "sales_lines", "int"),
        ctx.fact("net_revenue", "00", "net_revenue", "money"),
        ctx.fact("returns", "00", "returns_net_revenue", "money",
                 display=ctx.fmt.money(abs(float(s.get("returns_net_revenue") or 0)))),
        ctx.fact("rejected_rows", "00", "rejected_rows", "int"),
        ctx.fact("rejected_money", "00", "rejected_money", "money"),
    ]
    bullets = [ctx.t("intake.period", period=ctx.fmt.period(*period))] if period[0] else []
    def names(tables: list[str]) -> str:
        """Tables (``payments``) and columns (``clients.group``) in the reader's words."""
        from ..schema import TABLES

        out = []
        for t in tables:
            table, _, col = str(t).partition(".")
            label = ctx.st.get(f"table_name.{table}", table) or table
            if col and table in TABLES:
                field = next((f for f in TABLES[table].fields if f.name == col), None)
                col = (field.label_ru if ctx.st.lang == "ru" else field.label_en) \
                    if field is not None else col
                out.append(f"{label}: {col}")
            else:
                out.append(label)
        return "; ".join(out)

    if s.get("missing"):
        bullets.append(ctx.t("intake.missing", tables=names(s["missing"])))
    else:
        bullets.append(ctx.t("intake.all_tables", tables=names(s.get("tables", []))))
    if s.get("clients_added_from_transactions"):
        bullets.append(ctx.t("intake.added", n=ctx.fmt.integer(
            s["clients_added_from_transactions"])))
    lead = ctx.t("intake.lead", files=ctx.fmt.integer(s["files"]),
                 lines=ctx.fmt.integer(s["sales_lines"]),
                 revenue=ctx.fmt.money_short(float(s["net_revenue"])),
                 rejected=ctx.fmt.integer(s.get("rejected_rows", 0)),
                 rejected_money=ctx.fmt.money(float(s.get("rejected_money") or 0)))
    charts: dict[str, Chart] = {}
    monthly = ctx.art.tables.get("monthly")
    if monthly is not None and len(monthly):
        total = monthly.groupby("month", as_index=False)["net_revenue"].sum().sort_values("month")
        charts["monthly_sales"] = _monthly_chart(ctx, total)
    section = Section("intake", ctx.t("section.intake"), lead, facts, bullets,
                      charts=list(charts), tables=["inputs"])
    return section, {}, charts


def _monthly_chart(ctx: _Ctx, monthly: pd.DataFrame) -> Chart:
    import matplotlib.pyplot as plt

    from .. import plots

    plots.set_theme()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.plot(range(len(monthly)), monthly["net_revenue"] / 1e6, color=plots.PALETTE[0], lw=2,
            marker="o", ms=3)
    step = max(1, len(monthly) // 12)
    ax.set_xticks(range(0, len(monthly), step))
    ax.set_xticklabels(monthly["month"].iloc[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ctx.t("chart.monthly_sales.y"))
    ax.set_title(ctx.t("chart.monthly_sales.title"))
    ax.grid(axis="y", alpha=0.3)
    data = monthly.assign(net_revenue_m=monthly["net_revenue"] / 1e6)
    return Chart("monthly_sales", ctx.t("chart.monthly_sales.title"), "column", data,
                 "month", ["net_revenue_m"], ctx.t("chart.monthly_sales.x"),
                 ctx.t("chart.monthly_sales.y"),
                 {"net_revenue_m": ctx.t("chart.monthly_sales.series")}, _png(fig),
                 ctx.t("chart.monthly_sales.caption"), "02_profitability/monthly.parquet",
                 y_format="number")


def _cleanup_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    s = ctx.art.summaries["01"]
    f = ctx.fmt
    facts = [ctx.fact(k, "01", k, "int") for k in
             ("records", "entities", "groups", "buying_entities", "active_entities",
              "records_merged_away", "branches", "to_review")]
    st = s.get("status", {})
    lost = st.get("lost", {})
    dormant = st.get("dormant", {})
    lead = ctx.t("cleanup.lead", records=f.integer(s["records"]), entities=f.integer(
        s["entities"]), groups=f.integer(s["groups"]), active=f.integer(s["active_entities"]),
        merged=f.integer(s.get("records_merged_away", 0)))
    # period-level sales (a report form's totals, no order dates): dormant and lost cannot
    # be told; the step says what it narrowed, and the report says that instead of "0 lost"
    narrowed = [_cap(say(r, ctx.st, f)) + "." for r in s.get("narrowed") or []]
    bullets = narrowed or [
        ctx.t("cleanup.status", dormant=f.integer(dormant.get("entities", 0)),
              dormant_rev=f.pct(dormant.get("share_revenue", 0)),
              lost=f.integer(lost.get("entities", 0)),
              lost_rev=f.money_short(lost.get("net_revenue", 0))),
    ]
    bullets += [
        ctx.t("cleanup.review", n=f.integer(s.get("to_review", 0)),
              sheet=s.get("review_sheet") or "review/duplicates.xlsx"),
        ctx.t("cleanup.inn", invalid=f.integer(s.get("invalid_inn_records", 0)),
              missing=f.integer(s.get("inn", {}).get("missing", 0))),
    ]
    if s.get("groups_with_several_entities"):
        bullets.append(ctx.t("cleanup.groups", n=f.integer(s["groups_with_several_entities"])))
    if s.get("decisions_applied"):
        bullets.append(ctx.t("cleanup.decisions", n=f.integer(s["decisions_applied"])))
    tables: dict[str, Table] = {}
    ent = ctx.art.tables.get("entities")
    if ent is not None:
        e = ent.sort_values("net_revenue", ascending=False, kind="mergesort").copy()
        e["status"] = _translate(ctx, "status", e["status"])
        e["reason"] = e["reason"].map(lambda v: localise(ctx.st, v))
        e["spellings"] = e["spellings"].map(_join)
        e["codes"] = e["codes"].map(_join)
        tables["entities"] = _table(ctx, "entities", e, [
            ("entity_id", "text"), ("entity_name", "text"), ("group_id", "text"),
            ("inn", "text"), ("records", "int"), ("branches", "int"), ("codes", "text"),
            ("spellings", "text"), ("first_order", "date"), ("last_order", "date"),
            ("orders", "int"), ("net_revenue", "money"), ("revenue_last_12m", "money"),
            ("status", "text"), ("reason", "text")],
            "01_client_base_cleanup/entity_table.parquet", note=ctx.t("table.entities.note"))
        tables["entities"].print_columns = ["entity_name", "inn", "records", "branches",
                                            "spellings", "net_revenue", "status"]
    rec = ctx.art.tables.get("records")
    if rec is not None:
        merged = rec[rec["records_in_entity"] > 1].sort_values(
            ["entity_id", "is_canonical"], ascending=[True, False], kind="mergesort")
        tables["merges"] = _table(ctx, "merges", merged, [
            ("entity_id", "text"), ("entity_name", "text"), ("client_id", "text"),
            ("name", "text"), ("tax_id", "text"), ("branch_code", "text"),
            ("is_canonical", "text"), ("is_branch", "text"), ("lines", "int"),
            ("region", "text")], "01_client_base_cleanup/entities.parquet",
            note=ctx.t("table.merges.note"))
    status_df = pd.DataFrame([
        {"status": ctx.t(f"status.{k}"), "entities": v.get("entities", 0),
         "share_entities": v.get("share_entities", 0), "net_revenue": v.get("net_revenue", 0),
         "share_revenue": v.get("share_revenue", 0)} for k, v in st.items()])
    if len(status_df):
        tables["status"] = _table(ctx, "status", status_df, [
            ("status", "text"), ("entities", "int"), ("share_entities", "pct"),
            ("net_revenue", "money"), ("share_revenue", "pct")],
            "01_client_base_cleanup/summary.json#status")
    charts = {"client_funnel": _funnel_chart(ctx, s.get("funnel", {}))}
    section = Section("cleanup", ctx.t("section.cleanup"), lead, facts, bullets,
                      charts=list(charts), tables=[k for k in ("status", "entities")
                                                   if k in tables])
    return section, tables, charts


def _join(v: Any) -> str:
    if isinstance(v, str):
        return v
    try:
        return "; ".join(str(x) for x in v)
    except TypeError:
        return "" if v is None else str(v)


def _funnel_chart(ctx: _Ctx, funnel: dict[str, int]) -> Chart:
    import matplotlib.pyplot as plt

    from .. import plots

    plots.set_theme()
    labels = [ctx.t(f"funnel.{k}") for k in funnel]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    plots.funnel_chart(funnel, lang=ctx.st.lang, ax=ax)
    ax.set_title(ctx.t("chart.client_funnel.title"))
    data = pd.DataFrame({"stage": labels, "count": list(funnel.values())})
    return Chart("client_funnel", ctx.t("chart.client_funnel.title"), "bar", data, "stage",
                 ["count"], "", ctx.t("chart.client_funnel.y"),
                 {"count": ctx.t("chart.client_funnel.series")}, _png(fig),
                 ctx.t("chart.client_funnel.caption"),
                 "01_client_base_cleanup/summary.json#funnel")


def _profit_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    s = ctx.art.summaries["02"]
    f = ctx.fmt
    tot = s["totals"]
    whale = s["whale"]
    conc = s["concentration"]
    facts = [ctx.fact(k, "02", f"totals.{k}", "money") for k in
             ("list_revenue", "discount", "returns", "net_revenue", "cogs", "gross_margin",
              "cost_to_serve", "cost_of_receivables", "contribution")]
    facts += [ctx.fact("loss_making_entities", "02", "loss_making_entities", "int"),
              ctx.fact("whale_peak", "02", "whale.peak_pct", "pct"),
              ctx.fact("top3", "02", "concentration.top3", "pct"),
              ctx.fact("hhi", "02", "concentration.hhi", "number",
                       display=f.integer(round(float(conc["hhi"]) * 10000)))]
    lead = ctx.t("profit.lead", contribution=f.money_short(tot["contribution"]),
                 revenue=f.money_short(tot["net_revenue"]),
                 margin=f.pct(tot["contribution"] / tot["net_revenue"]
                              if tot["net_revenue"] else None),
                 peak=f.pct(whale["peak_pct"]), at_peak=f.integer(whale["clients_at_peak"]),
                 losers=f.integer(s["loss_making_entities"]),
                 tail=f.pct(-whale["loss_tail_pct"]))
    # what period-level sales could not measure (orders, seasonality), as the step said it
    bullets = [_cap(say(r, ctx.st, f)) + "." for r in s.get("narrowed") or []]
    for lm in (s.get("large_loss_makers") or [])[:3]:
        bullets.append(ctx.t("profit.loss_maker", name=lm["name"],
                             revenue=f.money_short(lm["net_revenue"]),
                             contribution=f.money_short(lm["contribution"])))
    bullets.append(ctx.t("profit.concentration", top3=f.pct(conc["top3"]),
                         top10=f.pct(conc["top10"]), n50=f.integer(conc["clients_to_50"]),
                         hhi=f.integer(round(conc["hhi"] * 10000)),
                         level=ctx.t(f"hhi.{conc['hhi_level']}")))
    if "top3_40" in (conc.get("flag_clients") or {}):   # the step's flag, not re-decided
        bullets.append(ctx.t("profit.top3_flag", top3=f.pct(conc["top3"])))
    ifrs = conc.get("flag_clients", {}).get("ifrs_8_34", [])
    if ifrs:
        bullets.append(ctx.t("profit.ifrs", n=len(ifrs), names=", ".join(
            f"{c['name']} ({f.pct(c['share'])})" for c in ifrs)))
    cg = s.get("concentration_groups") or {}
    if cg and s.get("concentration_level") == "group":
        bullets.append(ctx.t("profit.groups", top3=f.pct(cg["top3"]),
                             top3_entities=f.pct(conc["top3"])))
    for h in s.get("holdings") or []:
        bullets.append(ctx.t("profit.holding", name=h["name"], n=f.integer(h["entities"]),
                             rank=f.integer(h["rank"]), revenue=f.money_short(h["revenue"]),
                             share=f.pct(h["share"]), best=f.integer(h["best_entity_rank"])))
    drop = s.get("what_if_drop_large_loss_makers") or {}
    if drop.get("clients"):
        bullets.append(ctx.t("profit.what_if_drop", n=f.integer(drop["clients"]),
                             change=f.money_short(drop["change_in_company_contribution"]),
                             stranded=f.money_short(drop["stranded_costs_remaining"])))
    rep = s.get("what_if_reprice_large_loss_makers") or {}
    if rep.get("clients"):
        bullets.append(ctx.t("profit.what_if_reprice", n=f.integer(rep["clients"]),
                             price=f.pct(rep["price_increase"], 0),
                             change=f.money_short(rep["change"]),
                             still=f.integer(rep["still_loss_making"])))
    rob = s.get("robustness") or {}
    if rob:
        bullets.append(ctx.t("profit.robustness", share=f.pct(rob["max_sign_changes_share"]),
                             rho=f.number(rob["min_spearman"], 2)))
    bullets += _cost_source_bullets(ctx, s)
    tables: dict[str, Table] = {}
    pnl = ctx.art.tables.get("client_pnl")
    charts: dict[str, Chart] = {}
    if pnl is not None:
        p = pnl.sort_values("contribution", ascending=False, kind="mergesort").copy()
        p["status"] = _translate(ctx, "status", p["status"])
        if "off_invoice" in p.columns and not p["off_invoice"].fillna(0).any():
            p = p.drop(columns="off_invoice")   # no off-invoice sheet: no empty column
        tables["client_pnl"] = _table(ctx, "client_pnl", p, [
            ("entity_id", "text"), ("entity_name", "text"), ("group_id", "text"),
            ("status", "text"), ("orders", "int"), ("lines", "int"),
            ("list_revenue", "money"), ("discount", "money"), ("sales_net", "money"),
            ("returns", "money"), ("net_revenue", "money"), ("cogs", "money"),
            ("gross_margin", "money"), ("off_invoice", "money"), ("cts_order", "money"),
            ("cts_line", "money"),
            ("cts_return", "money"), ("cts_delivery", "money"), ("cts_visit", "money"),
            ("cts_service_hour", "money"), ("cts_call", "money"), ("cost_to_serve", "money"),
            ("cts_avoidable", "money"), ("cts_stranded", "money"), ("dso_days", "number"),
            ("cost_of_receivables", "money"), ("contribution", "money"),
            ("margin_pct", "pct"), ("contribution_pct", "pct"), ("abc_revenue", "text"),
            ("abc_contribution", "text"), ("xyz", "text"), ("revenue_prev12", "money"),
            ("revenue_last12", "money"), ("growth_pct", "pct")],
            "02_profitability/client_pnl.parquet", note=ctx.t("table.client_pnl.note"),
            preview=10)
        tables["client_pnl"].print_columns = [
            "entity_name", "net_revenue", "gross_margin", "cost_to_serve",
            "cost_of_receivables", "contribution", "contribution_pct", "abc_revenue"]
        if "whale" in ctx.art.tables:
            charts["whale_curve"] = _whale_chart(ctx, pnl, whale)
        charts["concentration"] = _concentration_chart(ctx, pnl)
    gp = ctx.art.tables.get("group_pnl")
    if gp is not None:
        g = gp.sort_values("net_revenue", ascending=False, kind="mergesort").copy()
        tables["group_pnl"] = _table(ctx, "group_pnl", g, [
            ("group_id", "text"), ("group_name", "text"), ("entities", "int"),
            ("net_revenue", "money"), ("gross_margin", "money"), ("cost_to_serve", "money"),
            ("cost_of_receivables", "money"), ("contribution", "money"),
            ("margin_pct", "pct"), ("contribution_pct", "pct")],
            "02_profitability/group_pnl.parquet", preview=10)
    llm = pd.DataFrame(s.get("large_loss_makers") or [])
    if len(llm):
        llm["why"] = llm["why"].map(lambda v: localise(ctx.st, v))
        tables["loss_makers"] = _table(ctx, "loss_makers", llm, [
            ("entity_id", "text"), ("name", "text"), ("net_revenue", "money"),
            ("gross_margin", "money"), ("cost_to_serve", "money"), ("contribution", "money"),
            ("why", "text")], "02_profitability/summary.json#large_loss_makers", preview=10)
    section = Section("profitability", ctx.t("section.profitability"), lead, facts, bullets,
                      charts=list(charts), tables=[k for k in ("loss_makers", "client_pnl")
                                                   if k in tables])
    return section, tables, charts


def _cost_source_bullets(ctx: _Ctx, s: dict[str, Any]) -> list[str]:
    """Where cost-to-serve comes from (the company's own pools or defaults), each pool's
    reconciliation with its unused capacity, and the off-invoice spend: read from step 2's
    summary, never recomputed."""
    f = ctx.fmt
    out: list[str] = []
    by_source = s.get("cost_to_serve_by_source") or {}
    order = ("client_pools", "settings_pool", "recorded_cost", "default_rate")
    parts = [ctx.t(f"profit.cts_source_{k}", amount=f.money_short(by_source[k]))
             for k in order if by_source.get(k)]
    if parts:
        out.append(ctx.t("profit.cts_sources", total=f.money_short(s["totals"]["cost_to_serve"]),
                         parts="; ".join(parts)))
    for p in s.get("cost_pools") or []:
        driver = ctx.st.get(f"cost_driver.{p['driver']}", p["driver"])
        kw = {"pool": p["pool"], "driver": driver, "rate": f.money(p["rate"]),
              "cost": f.money_short(p["cost"]), "allocated": f.money_short(p["allocated"])}
        if p.get("basis") == "volume":
            out.append(ctx.t("profit.cost_pool_absorbed", **kw))
        elif float(p["unused"]) < 0:
            out.append(ctx.t("profit.cost_pool_over", **kw))
        else:
            out.append(ctx.t("profit.cost_pool", unused=f.money_short(p["unused"]),
                             unused_share=f.pct(p["unused_share"]), **kw))
    kinds = {k: v for k, v in (s.get("off_invoice_by_kind") or {}).items() if v}
    if kinds:
        out.append(ctx.t("profit.off_invoice", total=f.money_short(s["totals"]["off_invoice"]),
                         parts=", ".join(f"{ctx.st.get('off_invoice_kind.' + k, k)} "
                                         f"{f.money_short(v)}" for k, v in kinds.items())))
    return out


def _whale_chart(ctx: _Ctx, pnl: pd.DataFrame, figures: dict[str, Any]) -> Chart:
    import matplotlib.pyplot as plt

    from .. import plots

    plots.set_theme()
    wc = ctx.art.tables["whale"]     # step 2's own curve, never re-computed here
    fig, ax = plt.subplots(figsize=(8, 4.2))
    plots.whale_curve_chart(wc, figures, lang=ctx.st.lang, ax=ax)
    ax.set_title(ctx.t("chart.whale_curve.title"))
    # ≤ 200 points for the native chart: the curve's shape, its peak and its end
    n = len(wc)
    idx = sorted({*range(0, n, max(1, n // 200)), n - 1,
                  int(wc["cum_pct"].to_numpy().argmax())}) if n else []
    data = pd.DataFrame({"client_share": [0.0, *wc["client_share"].iloc[idx]],
                         "cum_pct": [0.0, *wc["cum_pct"].iloc[idx]]})
    return Chart("whale_curve", ctx.t("chart.whale_curve.title"), "line", data,
                 "client_share", ["cum_pct"], ctx.t("chart.whale_curve.x"),
                 ctx.t("chart.whale_curve.y"), {"cum_pct": ctx.t("chart.whale_curve.series")},
                 _png(fig), ctx.t("chart.whale_curve.caption",
                                  peak=ctx.fmt.pct(figures["peak_pct"]),
                                  share=ctx.fmt.pct(figures["clients_at_peak_share"])),
                 "02_profitability/client_pnl.parquet#contribution", y_format="pct")


def _concentration_chart(ctx: _Ctx, pnl: pd.DataFrame) -> Chart:
    import matplotlib.pyplot as plt

    from .. import plots

    plots.set_theme()
    fig, ax = plt.subplots(figsize=(8, 4.2))
    plots.concentration_chart(pnl, lang=ctx.st.lang, ax=ax)
    ax.set_title(ctx.t("chart.concentration.title"))
    vals = pnl.set_index("entity_id")["net_revenue"].astype(float).clip(lower=0)
    total = float(vals.sum())
    top = vals.sort_values(ascending=False, kind="mergesort").head(10)
    data = pd.DataFrame({"client": pnl.set_index("entity_id").loc[top.index, "entity_name"]
                         .astype(str).to_numpy(),
                         "share": (top / total).to_numpy() if total else top.to_numpy() * 0})
    data["cumulative"] = data["share"].cumsum()
    return Chart("concentration", ctx.t("chart.concentration.title"), "bar", data, "client",
                 ["share"], "", ctx.t("chart.concentration.y"),
                 {"share": ctx.t("chart.concentration.series")}, _png(fig),
                 ctx.t("chart.concentration.caption"),
                 "02_profitability/client_pnl.parquet#net_revenue", y_format="pct")


def _selection_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    s = ctx.art.summaries["03"]
    f = ctx.fmt
    facts = [ctx.fact("active_entities", "03", "active_entities", "int"),
             ctx.fact("long_list", "03", "long_list", "int"),
             ctx.fact("key_clients", "03", "key_clients", "int"),
             ctx.fact("solid", "03", "solid", "int"),
             ctx.fact("key_revenue_share", "03", "key_revenue_share", "pct"),
             ctx.fact("key_contribution_share", "03", "key_contribution_share", "pct")]
    lead = ctx.t("selection.lead", n=f.integer(s["key_clients"]),
                 long=f.integer(s["long_list"]), active=f.integer(s["active_entities"]),
                 rev=f.pct(s["key_revenue_share"]), contr=f.pct(s["key_contribution_share"]),
                 solid=f.integer(s["solid"]), borderline=f.integer(s["borderline"]))
    bullets = []
    quadrants = s.get("quadrants") or {}
    if quadrants:
        bullets.append(ctx.t("selection.quadrants", text=", ".join(
            f"{ctx.t('quadrant.' + q)} {f.integer(n)}" for q, n in quadrants.items())))
    spc = s.get("single_point_of_contact") or []
    if spc:
        bullets.append(ctx.t("selection.single_point", n=f.integer(len(spc)),
                             names=", ".join(c["name"] for c in spc[:3])))
    unknown = s.get("no_contacts_recorded") or []
    if unknown:
        bullets.append(ctx.t("selection.no_contacts", n=f.integer(len(unknown)),
                             names=", ".join(c["name"] for c in unknown[:3])))
    for b in (s.get("big_not_key") or [])[:2]:
        # the decision's own reason (the cap, the gate, a negative contribution …)
        bullets.append(ctx.t("selection.big_not_key", name=b["entity_name"],
                             revenue=f.value(b["net_revenue"], "money_short"),
                             why=say(b["reason"], ctx.st, f)))
    bullets += _selection_rule_bullets(ctx, s)
    tables: dict[str, Table] = {}
    charts: dict[str, Chart] = {}
    key = ctx.art.tables.get("key_clients")
    if key is not None:
        k = key.sort_values("net_revenue", ascending=False, kind="mergesort").copy()
        if "reason_code" in k.columns:   # phrased from the step's reason codes
            k["reason"] = _said(ctx, k)
        k["strategy"] = _translate(ctx, "strategy", k["quadrant"])
        k["quadrant"] = _translate(ctx, "quadrant", k["quadrant"])
        k["status"] = _translate(ctx, "status", k["status"])
        score_cols = [(c, "number") for c in k.columns if c.startswith("score_")]
        tables["key_clients"] = _table(ctx, "key_clients", k, [
            ("entity_id", "text"), ("entity_name", "text"), ("quadrant", "text"),
            ("attractiveness", "number"), ("strength", "number"), ("stays_key", "pct"),
            ("net_revenue", "money"), ("contribution", "money"), ("margin_pct", "pct"),
            *score_cols, ("clv_r90", "money"), ("value_at_stake", "money"),
            ("reason", "text"), ("strategy", "text")],
            "03_key_client_profile/key_clients.parquet", preview=35)
        tables["key_clients"].print_columns = [
            "entity_name", "quadrant", "attractiveness", "strength", "stays_key",
            "net_revenue", "contribution", "reason"]
    cand = ctx.art.tables.get("candidates")
    if cand is not None:
        charts["portfolio_matrix"] = _matrix_chart(ctx, cand)
    if spc:
        sp = pd.DataFrame(spc)
        sp["risk"] = [", ".join(say(r, ctx.st, f) for r in risks) if isinstance(risks, list)
                      else localise(ctx.st, risks) for risks in sp["risk"]]
        tables["single_point"] = _table(ctx, "single_point", sp, [
            ("entity_id", "text"), ("name", "text"), ("risk", "text")],
            "03_key_client_profile/summary.json#single_point_of_contact", preview=10)
    section = Section("selection", ctx.t("section.selection"), lead, facts, bullets,
                      charts=list(charts),
                      tables=[k for k in ("key_clients", "single_point") if k in tables])
    return section, tables, charts


def _selection_rule_bullets(ctx: _Ctx, s: dict[str, Any]) -> list[str]:
    """The selection's own rules, stated with the step's figures: the rule for clients not
    scored in the workshop (and whom it names), the USP gate, the deep plans by value at
    stake, the treatment of Strategic clients that are not key."""
    f = ctx.fmt
    out: list[str] = []

    def names(rows: list[dict[str, Any]], k: int = 5) -> str:
        return ", ".join(str(r["name"]) for r in rows[:k])

    rule = s.get("missing_scores_rule")
    if s.get("selection_provisional"):
        out.append(ctx.t("selection.provisional", n=f.integer(s.get("to_assess_count") or 0)))
    elif rule == "to_assess" and s.get("to_assess_count"):
        out.append(ctx.t("selection.rule_to_assess", n=f.integer(s["to_assess_count"]),
                         unscored=f.integer(s.get("unscored_candidates") or 0),
                         names=names(s.get("to_assess") or [])))
    elif rule == "conservative" and s.get("conservative_scored_count"):
        out.append(ctx.t("selection.rule_conservative",
                         n=f.integer(s["conservative_scored_count"]),
                         score=f.number(s["conservative_score"], 1),
                         names=names(s.get("conservative_scored") or [])))
    gate = s.get("usp_gate") or {}
    if gate.get("excluded"):
        out.append(ctx.t("selection.usp_gate", gate=f.number(gate["gate"], 1),
                         n=f.integer(gate["excluded"]), names=names(s.get("usp_gated") or [])))
    deep = s.get("deep_plans") or []
    if deep:
        out.append(ctx.t("selection.deep_plans", n=f.integer(len(deep)), names=", ".join(
            f"{d['name']} ({f.money_short(d['value_at_stake'])})" for d in deep)))
    strat = s.get("strategic_not_key") or []
    if strat:
        out.append(ctx.t("selection.strategic_not_key", n=f.integer(len(strat)), text="; ".join(
            f"{r['name']} — {say(r['treatment'], ctx.st, f)}" for r in strat[:3])))
    return out


def _matrix_chart(ctx: _Ctx, cand: pd.DataFrame) -> Chart:
    import matplotlib.pyplot as plt

    from .. import plots

    plots.set_theme()
    threshold = float(ctx.art.manifest.get("parameters", {}).get("selection", {})
                      .get("threshold", 5.5) or 5.5)
    fig, ax = plt.subplots(figsize=(8.5, 6.5))
    plots.portfolio_matrix_chart(cand, threshold=threshold, lang=ctx.st.lang, max_labels=12,
                                 ax=ax)
    ax.set_title(ctx.t("chart.portfolio_matrix.title"))
    data = cand[["entity_name", "strength", "attractiveness", "is_key", "net_revenue"]].copy()
    data["series"] = data["is_key"].map(lambda k: ctx.t("chart.portfolio_matrix.key" if k
                                                        else "chart.portfolio_matrix.other"))
    # name the 12 largest key clients on the native chart (as the PNG does), not all 373
    named = data[data["is_key"].astype(bool)].nlargest(12, "net_revenue").index
    data["point_label"] = ""
    data.loc[named, "point_label"] = data.loc[named, "entity_name"].astype(str)
    return Chart("portfolio_matrix", ctx.t("chart.portfolio_matrix.title"), "scatter",
                 data.reset_index(drop=True), "strength", ["attractiveness"],
                 ctx.t("chart.portfolio_matrix.x"), ctx.t("chart.portfolio_matrix.y"),
                 {"attractiveness": ctx.t("chart.portfolio_matrix.series")}, _png(fig),
                 ctx.t("chart.portfolio_matrix.caption",
                       threshold=ctx.fmt.number(threshold, 1)),
                 "03_key_client_profile/candidates.parquet", label="point_label",
                 group="series", size="net_revenue", threshold=threshold, axis=(1.0, 10.0),
                 highlight=ctx.t("chart.portfolio_matrix.key"),
                 quadrants={q: ctx.t(f"quadrant.{q}") for q in
                            ("Strategic", "Star", "Status", "Streamline")})


def _sizing_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    s = ctx.art.summaries["04"]
    f = ctx.fmt
    a = s.get("assignment") or {}
    bc = s.get("business_case") or {}
    facts = [ctx.fact("kams", "04", "kams", "int"),
             ctx.fact("key_accounts", "04", "key_accounts", "int"),
             ctx.fact("total_hours", "04", "total_hours", "int")]
    if bc:
        facts += [ctx.fact("team_cost", "04", "business_case.cost.total", "money"),
                  ctx.fact("new_cash", "04", "business_case.cost.new_cash", "money"),
                  ctx.fact("reallocated", "04", "business_case.cost.reallocated", "money"),
                  ctx.fact("needed_uplift", "04", "business_case.needed_uplift_ratio", "pct"),
                  ctx.fact("revenue_trend", "04", "business_case.revenue_trend_ratio", "pct"),
                  ctx.fact("break_even_ratio", "04", "business_case.break_even.break_even_ratio",
                           "number", display=f.number(
                               (bc.get("break_even") or {}).get("break_even_ratio"), 2))]
    else:
        facts.append(ctx.fact("team_cost", "04", "team_cost", "money"))
    facts += [ctx.fact("max_deviation", "04", "assignment.max_deviation", "pct"),
              ctx.fact("owner_changes", "04", "assignment.owner_changes", "int")]
    if s.get("current_kams") is not None:
        facts.insert(1, ctx.fact("current_kams", "04", "current_kams", "int"))
    if s.get("current_owners") is not None:
        facts.insert(2, ctx.fact("current_owners", "04", "current_owners", "int"))
    needed = bc.get("needed_uplift_ratio")
    lead = ctx.t("sizing.lead", kams=f.integer(s["kams"]), accounts=f.integer(
        s["key_accounts"]), cost=f.value((bc.get("cost") or {}).get("total", s["team_cost"]),
                                         "money_short"),
        payback=f.pct(needed) if needed is not None else "—",
        hours=f.integer(round(a.get("mean") or 0)), capacity=f.integer(s["hours_per_kam"]))
    bullets = []
    if bc.get("verdict"):   # the verdict a CFO reads first, with the clients' own trend
        bullets.append(_cap(say(bc["verdict"], ctx.st, f)) + ".")
    if s.get("current_kams") is not None or s.get("current_owners") is not None:
        bullets.append(ctx.t("sizing.today", kams=f.integer(s["kams"]),
                             current=f.integer(s.get("current_kams")),
                             owners=f.integer(s.get("current_owners"))))
    if bc.get("cost"):
        c = bc["cost"]
        bullets.append(ctx.t("sizing.cost_split", total=f.value(c["total"], "money_short"),
                             new_cash=f.value(c["new_cash"], "money_short"),
                             reallocated=f.value(c["reallocated"], "money_short"),
                             existing=f.integer((bc.get("kams") or {}).get("existing")),
                             hires=f.integer((bc.get("kams") or {}).get("new_hires"))))
    be = bc.get("break_even") or {}
    if be.get("break_even_sales"):
        bullets.append(ctx.t("sizing.break_even_team", cost=f.value(be["programme_cost"],
                                                                    "money_short"),
                             b=f.value(be["break_even_sales"], "money_short"),
                             expected=f.value(be["expected_incremental_sales"], "money_short"),
                             ratio=f.number(be.get("break_even_ratio"), 2)))
    flag = (bc.get("key_person") or {}).get("flag")
    if flag:
        bullets.append(_cap(say(flag, ctx.st, f)) + ".")
    for assumption in bc.get("assumptions") or []:
        bullets.append(ctx.t("sizing.assumption", text=say(assumption, ctx.st, f)))
    method = a.get("method", "—")
    bullets.append(ctx.t("sizing.assignment", method=ctx.st.get(f"assign_method.{method}", method),
                         dev=f.pct(a.get("max_deviation")), tol=f.pct(a.get("tolerance")),
                         changes=f.integer(a.get("owner_changes", 0))))
    tables: dict[str, Table] = {}
    charts: dict[str, Chart] = {}
    if "team_plan" in ctx.art.tables:
        tables["team_plan"] = _table(ctx, "team_plan", ctx.art.tables["team_plan"], [
            ("kam", "text"), ("region", "text"), ("accounts", "int"), ("hours", "int"),
            ("capacity", "int"), ("utilisation", "pct"), ("revenue", "money")],
            "04_kam_team_sizing/team_plan.parquet")
    if "assignment" in ctx.art.tables:
        asg = ctx.art.tables["assignment"].sort_values(["kam", "hours"],
                                                       ascending=[True, False])
        tables["assignment"] = _table(ctx, "assignment", asg, [
            ("entity_id", "text"), ("entity_name", "text"), ("kam", "text"),
            ("hours", "number"), ("changed_owner", "text"), ("same_region", "text")],
            "04_kam_team_sizing/assignment.parquet", preview=40)
    kpis = pd.DataFrame(s.get("kpis") or [])
    if len(kpis):
        kpis["kpi_label"] = kpis["kpi"].map(lambda k: ctx.st.get(f"kpi.{k}", k))
        kpis["definition"] = [ctx.st.get(f"kpi_definition.{k}", d)
                              for k, d in zip(kpis["kpi"], kpis["definition"], strict=True)]
        # where the baseline comes from, in the report's words (the step's note names columns)
        kpis["source"] = [ctx.st.get(f"kpi_source.{k}", s) if str(s) != "no data"
                          else ctx.t("kpi_source.no_data")
                          for k, s in zip(kpis["kpi"], kpis["source"], strict=True)]
        for col in ("family", "better", "unit"):
            kpis[col] = kpis[col].map(lambda v, c=col: ctx.st.get(f"kpi_{c}.{v}", v))
        tables["kpis"] = _table(ctx, "kpis", kpis, [
            ("kpi_label", "text"), ("family", "text"), ("definition", "text"),
            ("baseline", "number"), ("target", "number"), ("unit", "text"), ("better", "text"),
            ("source", "text")], "04_kam_team_sizing/summary.json#kpis")
    if "methods" in ctx.art.tables:
        charts["fte"] = _fte_chart(ctx, ctx.art.tables["methods"])
    tiers = s.get("tiers") or {}
    if tiers.get("by_tier"):
        facts.append(ctx.fact("tier_saving", "04", "tiers.saving", "money"))
        bullets.append(_tiers_sentence(ctx, tiers))
        tables["service_tiers"] = _tiers_table(ctx, tiers)
    section = Section("sizing", ctx.t("section.sizing"), lead, facts, bullets,
                      charts=list(charts),
                      tables=[k for k in ("team_plan", "service_tiers", "kpis") if k in tables])
    return section, tables, charts


def _tiers_sentence(ctx: _Ctx, tiers: dict[str, Any]) -> str:
    """How the rest of the clients are served (step 4's service tiers), in one sentence."""
    f, by = ctx.fmt, tiers["by_tier"]
    return ctx.t("sizing_tiers.lead", self_service=f.integer(by["self_service"]["clients"]),
                 ss_rev=f.value(by["self_service"]["net_revenue"], "money_short"),
                 reprice=f.integer(by["reprice_or_exit"]["clients"]),
                 reprice_contr=f.value(by["reprice_or_exit"]["contribution"], "money_short"),
                 develop=f.integer(by["develop"]["clients"]),
                 saving=f.value(tiers["saving"], "money_short"))


def _tiers_table(ctx: _Ctx, tiers: dict[str, Any]) -> Table:
    """The service tiers with their clients, money a year and who serves them (step 4's
    summary, as the step wrote it)."""
    rows = [{"tier": ctx.t(f"tier.{t}"), "served_by": ctx.t(f"served_by.{v['served_by']}"),
             "clients": v["clients"], "net_revenue": v["net_revenue"],
             "contribution": v["contribution"], "cost_to_serve": v["cost_to_serve"],
             "cost_to_serve_after": v["cost_to_serve_after"],
             "cost_factor_ratio": v["cost_factor_ratio"]}
            for t, v in tiers["by_tier"].items()]
    return _table(ctx, "service_tiers", pd.DataFrame(rows), [
        ("tier", "text"), ("served_by", "text"), ("clients", "int"), ("net_revenue", "money"),
        ("contribution", "money"), ("cost_to_serve", "money"), ("cost_to_serve_after", "money"),
        ("cost_factor_ratio", "pct")], "04_kam_team_sizing/summary.json#tiers.by_tier",
        note=ctx.t("table.service_tiers.note",
                   share=ctx.fmt.pct(tiers.get("self_service_share"))))


def _cap(text: str) -> str:
    """A sentence starts with a capital letter."""
    return text[:1].upper() + text[1:] if text else text


def _staffing_key(v: str) -> str:
    return {"over": "over", "under": "under"}.get(v, "ok")


def _fte_chart(ctx: _Ctx, methods: pd.DataFrame) -> Chart:
    import matplotlib.pyplot as plt
    import numpy as np

    from .. import plots

    plots.set_theme()
    names = [ctx.st.get(f"fte_method.{_method_key(m)}", m) or m for m in methods["method"]]
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(methods))
    for i, (col, colour) in enumerate(zip(("low", "base", "high"), plots.PALETTE,
                                          strict=False)):
        vals = methods[col].astype(float).to_numpy()
        bars = ax.bar(x + (i - 1) * 0.27, vals, 0.27, label=ctx.t(f"chart.fte.{col}"),
                      color=colour)
        ax.bar_label(bars, labels=[ctx.fmt.number(v, 1) for v in vals], fontsize=7)
    ax.set_xticks(x)
    ax.set_xticklabels(names, fontsize=8)
    ax.set_ylabel(ctx.t("chart.fte.y"))
    ax.set_title(ctx.t("chart.fte.title"))
    ax.legend(frameon=False, fontsize=8)
    data = pd.DataFrame({"method": names, "low": methods["low"].astype(float),
                         "base": methods["base"].astype(float),
                         "high": methods["high"].astype(float)})
    return Chart("fte", ctx.t("chart.fte.title"), "column", data, "method",
                 ["low", "base", "high"], "", ctx.t("chart.fte.y"),
                 {c: ctx.t(f"chart.fte.{c}") for c in ("low", "base", "high")}, _png(fig),
                 ctx.t("chart.fte.caption"), "04_kam_team_sizing/methods.parquet")


def _method_key(name: str) -> str:
    n = name.lower()
    if "talley" in n:
        return "talley"
    if "sherman" in n:
        return "sherman"
    if "break" in n or "zoltners" in n:
        return "break_even"
    return n


# --------------------------------------------------------------------------- findings


def _findings(ctx: _Ctx) -> list[Finding]:
    f = ctx.fmt
    s1, s2 = ctx.art.summaries["01"], ctx.art.summaries["02"]
    s3, s4 = ctx.art.summaries["03"], ctx.art.summaries["04"]
    out: list[Finding] = []
    # 1. who the clients really are
    fact = ctx.fact("active_entities", "01", "active_entities", "int")
    out.append(Finding("client_base", f.integer(s1["active_entities"]), ctx.t(
        "finding.client_base", records=f.integer(s1["records"]),
        entities=f.integer(s1["entities"]), active=f.integer(s1["active_entities"]),
        lost=f.integer(s1.get("status", {}).get("lost", {}).get("entities", 0)),
        dormant=f.integer(s1.get("status", {}).get("dormant", {}).get("entities", 0))),
        fact, "medium" if s1["records"] > 1.05 * s1["entities"] else "info"))
    # 2. who earns us money: the whale curve and the worst loss-maker
    whale = s2["whale"]
    llm = (s2.get("large_loss_makers") or [])
    fact = ctx.fact("whale_peak", "02", "whale.peak_pct", "pct")
    sentence = ctx.t("finding.whale", peak=f.pct(whale["peak_pct"]),
                     at_peak=f.integer(whale["clients_at_peak"]),
                     losers=f.integer(s2["loss_making_entities"]),
                     total=f.money_short(whale["total"]))
    if llm:
        sentence += " " + ctx.t("finding.vip", name=llm[0]["name"],
                                revenue=f.money_short(llm[0]["net_revenue"]),
                                contribution=f.money_short(abs(llm[0]["contribution"])))
        fact = ctx.fact("vip_contribution", "02", "large_loss_makers.0.contribution", "money")
        headline = f.money_short(llm[0]["contribution"])
    else:
        headline = f.pct(whale["peak_pct"])
    out.append(Finding("profitability", headline, sentence, fact,
                       "high" if s2["loss_making_entities"] else "info"))
    # 3. concentration risk (entity and group level)
    conc = s2["concentration"]
    by_groups = s2.get("concentration_level") == "group"     # decided by step 2
    cg = s2.get("concentration_groups") or conc
    used = cg if by_groups else conc
    top3 = used["top3"]
    high = "top3_40" in (used.get("flag_clients") or {})
    key = "finding.concentration_high" if high else "finding.concentration"
    sentence = ctx.t(key, top3=f.pct(top3), top1=f.pct(conc["top1"]),
                     n50=f.integer(conc["clients_to_50"]),
                     n_ifrs=f.integer(len(conc.get("flag_clients", {}).get("ifrs_8_34", []))))
    if by_groups:
        sentence += " " + ctx.t("finding.groups", top3=f.pct(cg["top3"]),
                                top3_entities=f.pct(conc["top3"]))
    holdings = s2.get("holdings") or []
    if holdings:
        h = holdings[0]
        sentence += " " + ctx.t("finding.holding", name=h["name"], n=f.integer(h["entities"]),
                                rank=f.integer(h["rank"]), share=f.pct(h["share"]),
                                best=f.integer(h["best_entity_rank"]))
    fact = ctx.fact("top3", "02", "concentration_groups.top3" if by_groups
                    else "concentration.top3", "pct")
    out.append(Finding("concentration", f.pct(top3), sentence, fact,
                       "high" if high else "medium"))
    # 4. key clients and how safe the relationship is
    spc = s3.get("single_point_of_contact") or []
    sentence = ctx.t("finding.key_clients", n=f.integer(s3["key_clients"]),
                     rev=f.pct(s3["key_revenue_share"]),
                     contr=f.pct(s3["key_contribution_share"]))
    if spc:
        sentence += " " + ctx.t("finding.single_point", n=f.integer(len(spc)),
                                name=spc[0]["name"])
    out.append(Finding("key_clients", f.integer(s3["key_clients"]), sentence,
                       ctx.fact("key_clients", "03", "key_clients", "int"),
                       "high" if spc else "info"))
    # 5. the KAM team: its cost, and whether it pays back against the clients' own trend
    bc = s4.get("business_case") or {}
    needed = bc.get("needed_uplift_ratio")
    sentence = ctx.t("finding.team", kams=f.integer(s4["kams"]),
                     accounts=f.integer(s4["key_accounts"]),
                     cost=f.value((bc.get("cost") or {}).get("total", s4["team_cost"]),
                                  "money_short"),
                     payback=f.pct(needed) if needed is not None else "—")
    if s4.get("current_kams") is not None and s4.get("staffing"):
        sentence += " " + ctx.t(f"finding.staffing.{_staffing_key(s4['staffing'])}",
                                current=f.integer(s4["current_kams"]), kams=f.integer(s4["kams"]))
    verdict = bc.get("verdict") or {}
    if verdict.get("code") in ("needs_growth_against_trend", "does_not_pay_back", "no_margin",
                               "pays_back_only_at_high_uplift"):
        sentence += " " + _cap(say(verdict, ctx.st, f)) + "."
    for assumption in bc.get("assumptions") or []:
        if assumption.get("code") in ("default_cost_used", "default_scaled_to_kam_cost"):
            sentence += " " + ctx.t("sizing.assumption", text=say(assumption, ctx.st, f))
    out.append(Finding("team", f.integer(s4["kams"]), sentence,
                       ctx.fact("kams", "04", "kams", "int"),
                       "high" if verdict.get("code") in ("needs_growth_against_trend",
                                                         "does_not_pay_back", "no_margin")
                       else "medium" if s4.get("staffing") in ("over", "under") else "info"))
    out += _strategy_findings(ctx)
    return out


def _recommendations(ctx: _Ctx) -> list[str]:
    f = ctx.fmt
    s1, s2 = ctx.art.summaries["01"], ctx.art.summaries["02"]
    s3, s4 = ctx.art.summaries["03"], ctx.art.summaries["04"]
    out = []
    if s1.get("to_review"):
        out.append(ctx.t("rec.review", n=f.integer(s1["to_review"])))
    llm = s2.get("large_loss_makers") or []
    if llm:
        rep = s2.get("what_if_reprice_large_loss_makers") or {}
        out.append(ctx.t("rec.reprice", n=f.integer(rep.get("clients") or len(llm)),
                         name=llm[0]["name"],
                         change=f.money_short(rep.get("change", 0))))
    conc = s2["concentration"]
    if conc.get("flag_clients"):
        out.append(ctx.t("rec.concentration", top3=f.pct(conc["top3"])))
    out.append(ctx.t("rec.key_clients", n=f.integer(s3["key_clients"]),
                     solid=f.integer(s3["solid"])))
    spc = s3.get("single_point_of_contact") or []
    if spc:
        out.append(ctx.t("rec.contacts", names=", ".join(c["name"] for c in spc[:3])))
    bc = s4.get("business_case") or {}
    needed = bc.get("needed_uplift_ratio")
    out.append(ctx.t("rec.team", kams=f.integer(s4["kams"]),
                     cost=f.value((bc.get("cost") or {}).get("total", s4["team_cost"]),
                                  "money_short"),
                     payback=f.pct(needed) if needed is not None else "—"))
    kpis = s4.get("kpis") or []
    if kpis:
        out.append(ctx.t("rec.kpis", kpis="; ".join(ctx.st.get(f"kpi.{k['kpi']}", k["kpi"])
                                                    or k["kpi"] for k in kpis)))
    return out


# --------------------------------------------------------------------------- provenance


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}{i}."))
    else:
        out[prefix.rstrip(".")] = d if not isinstance(d, list) else ", ".join(map(str, d))
    return out


def _provenance(ctx: _Ctx, now: str) -> tuple[Provenance, Table]:
    m = ctx.art.manifest
    files = (m.get("inputs") or {}).get("files", [])
    rows = []
    for fi in files:
        # the file's main amount (net revenue for sales …), never a sum of unlike columns
        main = (fi.get("money") or {}).get(MAIN_AMOUNT.get(fi.get("table") or "", ""), {})
        acc = float(main["accepted"]) if main.get("accepted") is not None else None
        rej = float(main["rejected"]) if main.get("rejected") is not None else None
        rows.append({"file": fi.get("file"), "sheet": fi.get("sheet") or "",
                     "table": ctx.st.get(f"table_name.{fi.get('table')}", fi.get("table")),
                     "sha256": fi.get("sha256"),
                     "size_bytes": fi.get("size_bytes"), "rows_read": fi.get("rows_read"),
                     "rows_accepted": fi.get("rows_accepted"),
                     "rows_rejected": fi.get("rows_rejected"), "money_accepted": acc,
                     "money_rejected": rej})
    inputs = pd.DataFrame(rows, columns=["file", "sheet", "table", "sha256", "size_bytes",
                                         "rows_read", "rows_accepted", "rows_rejected",
                                         "money_accepted", "money_rejected"])
    control = [
        ctx.fact("ct_sales_lines", "00", "sales_lines", "int"),
        ctx.fact("ct_net_revenue", "00", "net_revenue", "money"),
        ctx.fact("ct_pnl_net_revenue", "02", "reconciled_with_sales.pnl_net_revenue", "money"),
        ctx.fact("ct_rejected_rows", "00", "rejected_rows", "int"),
        ctx.fact("ct_rejected_money", "00", "rejected_money", "money"),
        ctx.fact("ct_contribution", "02", "totals.contribution", "money"),
    ]
    decisions = ctx.art.tables.get("decisions")
    if decisions is None:
        decisions = pd.DataFrame(columns=["client_id_a", "client_id_b", "decision", "note",
                                          "decided_on"])
    steps = pd.DataFrame([
        {"step": k, "title": ctx.t(f"step.{k[:2]}"),
         "status": ctx.t(f"step_status.{v.get('status', 'ok')}"),
         "finished": v.get("finished"), "seconds": v.get("seconds")}
        for k, v in (m.get("steps") or {}).items()])
    # a report made inside `kam run` is built before the run is marked finished: the analysis
    # finished when its last step did
    finished = m.get("run_finished") or max(
        (v.get("finished") for k, v in (m.get("steps") or {}).items()
         if k in dict(REPORT_STEPS) and v.get("finished")), default=None)
    prov = Provenance(m.get("run_started"), finished, now,
                      dict(m.get("versions") or {}), _flatten(m.get("parameters") or {}),
                      inputs, control, decisions, steps)
    table = _table(ctx, "inputs", inputs, [
        ("file", "text"), ("sheet", "text"), ("table", "text"), ("rows_read", "int"),
        ("rows_accepted", "int"), ("rows_rejected", "int"), ("money_accepted", "money"),
        ("money_rejected", "money"), ("sha256", "text")], "work/manifest.json#inputs.files",
        preview=30)
    return prov, table


def _methods(ctx: _Ctx) -> list[Method]:
    return [Method(ctx.t(f"step.{step}"), ctx.t(f"methods.{mid}.name"),
                   ctx.t(f"methods.{mid}.formula"), ctx.t(f"methods.{mid}.source"))
            for step, mid in METHOD_IDS]


# --------------------------------------------------------------------------- the model


def build_model(engagement_dir: str | Path, language: str | None = None, *,
                artefacts: Artefacts | None = None) -> ReportModel:
    """The report model of a finished run, in ``language`` (default: ``report.language``).

    Parameters
    ----------
    engagement_dir : path
        The engagement folder (after ``kam run``).
    language : {"ru", "en"}, optional
        The report's language; defaults to ``engagement.yaml``'s ``report.language``.
    artefacts : Artefacts, optional
        Already loaded artefacts (to build several languages from one read).

    Raises
    ------
    ReportError
        The run failed, is partial or stale (:func:`check_run`).
    """
    eng = Engagement.open(engagement_dir)
    art = artefacts or load_artefacts(eng.root)
    lang = language or eng.config.report.language
    strings = load_strings(lang)
    fmt = Formatter(lang, eng.config.currency)
    ctx = _Ctx(art, strings, fmt)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    sections: list[Section] = []
    tables: dict[str, Table] = {}
    charts: dict[str, Chart] = {}
    from .cash import cash_section  # the cash subsection of step 2
    from .cost_pools import cost_pools_section  # the company's own cost pools (step 2)
    from .teams import teams_section

    for build in (_intake_section, _cleanup_section, _profit_section, cost_pools_section,
                  cash_section, _selection_section, _strategy_section, _sizing_section,
                  teams_section,
                  alignment_section):  # the second front (kamlib.report.alignment)
        sec, tbs, chs = build(ctx)
        sections.append(sec)
        tables.update(tbs)
        charts.update(chs)
    prov, inputs_table = _provenance(ctx, now)
    tables["inputs"] = inputs_table
    actions = story.actions(ctx)   # the client's decisions: owner, horizon, money (story.py)
    recs = [a.text for a in actions] or _recommendations(ctx)
    sections.append(Section("recommendations", ctx.t("section.recommendations"),
                            ctx.t("recommendations.lead"), bullets=recs))
    order = ["client_pnl", "group_pnl", "loss_makers", "entities", "merges", "status",
             "key_clients", "single_point", "channels", "dependency", "vip", "team_plan",
             "assignment", "service_tiers", "kpis", "inputs"]
    # the tables in reading order; one a section adds that the list does not name comes last,
    # never dropped
    tables = {**{k: tables[k] for k in order if k in tables},
              **{k: v for k, v in tables.items() if k not in order}}
    period = tuple(art.summaries["00"].get("period") or ["", ""])
    review = story.review_items(ctx)   # the storyline (kamlib.report.story)
    summary = story.messages(ctx)
    # the deck's slides in the order of a board meeting, with action titles (board.py)
    board = board_slides(ctx, summary=summary, actions=actions, sections=sections,
                         tables=tables, charts=charts)
    return ReportModel(
        language=lang, client=eng.config.client, currency=eng.config.currency,
        period=(str(period[0]), str(period[1])), title=ctx.t("report.title"),
        subtitle=ctx.t("report.subtitle", client=eng.config.client),
        generated=now, strings=strings, fmt=fmt, findings=_findings(ctx), sections=sections,
        recommendations=recs, methods=_methods(ctx), provenance=prov, tables=tables,
        charts=charts, engagement_dir=str(eng.root), summary=summary,
        actions=actions, homework=story.homework(ctx, review), review=review, board=board)


# --------------------------------------------------------------------------- strategic layer
# Channels before clients, dependency and the VIP test (METHODS.md §5): read from step 2's
# and step 3's summaries and artefacts (channels, dependency, vip), never recomputed.

#: verdict codes → string keys (the step's words, phrased in the report's language)
_CHANNEL_VERDICTS = ("develop", "maintain", "review")


def _channel_rows(s2: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The channels the report speaks of, with their position in the summary (the unknown
    channel of clients without a segment is listed in the table, not compared)."""
    from ..profitability.channels import UNKNOWN

    return [(i, c) for i, c in enumerate(s2.get("channels") or [])
            if c["channel"] != UNKNOWN and c.get("contribution_margin") is not None]


def _strategy_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    f = ctx.fmt
    s2, s3 = ctx.art.summaries["02"], ctx.art.summaries["03"]
    facts: list[Fact] = []
    bullets: list[str] = []
    tables: dict[str, Table] = {}
    rows = _channel_rows(s2)
    lead = ctx.t("strategy.lead_empty")
    if rows:
        best = max(rows, key=lambda x: x[1]["contribution_margin"])
        worst = min(rows, key=lambda x: x[1]["contribution_margin"])
        facts += [ctx.fact("channel_best_margin", "02",
                           f"channels.{best[0]}.contribution_margin", "pct",
                           label=ctx.t("fact.channel_margin", channel=best[1]["channel"])),
                  ctx.fact("channel_worst_margin", "02",
                           f"channels.{worst[0]}.contribution_margin", "pct",
                           label=ctx.t("fact.channel_margin", channel=worst[1]["channel"]))]
        lead = ctx.t("strategy.lead", n=f.integer(len(rows)), best=best[1]["channel"],
                     best_margin=f.pct(best[1]["contribution_margin"]),
                     worst=worst[1]["channel"],
                     worst_margin=f.pct(worst[1]["contribution_margin"]))
        for _, c in rows:
            bullets.append(ctx.t("strategy.channel", channel=c["channel"],
                                 verdict=ctx.t(f"channel_verdict.{c['verdict']}"),
                                 why=say(c["reason"], ctx.st, f)))
        if not any(c.get("usp_fit") is not None for _, c in rows):
            bullets.append(ctx.t("strategy.fit_missing"))
    chosen = s3.get("channels") or []
    bullets.append(ctx.t("strategy.chosen", channels=", ".join(chosen)) if chosen
                   else ctx.t("strategy.all_channels"))
    dep = s2.get("dependency") or {}
    if dep.get("largest"):
        facts.append(ctx.fact("dependency_lost", "02", "dependency.largest.0.contribution_lost",
                              "money"))
        if dep.get("top_trend_ratio") is not None:
            facts.append(ctx.fact("top_trend", "02", "dependency.top_trend_ratio", "pct"))
    vip = s3.get("vip") or {}
    if vip.get("vips"):
        facts += [ctx.fact("vips", "03", "vip.vips", "int"),
                  ctx.fact("vip_not_key", "03", "vip.not_key_or_losing", "int"),
                  ctx.fact("vip_loss", "03", "vip.loss", "money")]
        if vip.get("source") == "top_revenue":
            bullets.append(ctx.t("strategy.vip_fallback", n=f.integer(vip["vips"])))
    ch = ctx.art.tables.get("channels")
    if ch is not None:
        c = ch.copy()
        c["verdict"] = _translate(ctx, "channel_verdict", c["verdict"])
        c["reason"] = _said(ctx, ch)
        tables["channels"] = _table(ctx, "channels", c, [
            ("channel", "text"), ("clients", "int"), ("net_revenue", "money"),
            ("revenue_share", "pct"), ("gross_margin", "money"), ("cost_to_serve", "money"),
            ("contribution", "money"), ("contribution_margin", "pct"), ("cts_pct", "pct"),
            ("growth_pct", "pct"), ("usp_fit", "number"), ("verdict", "text"),
            ("reason", "text")], "02_profitability/channels.parquet", preview=12)
        tables["channels"].print_columns = [
            "channel", "net_revenue", "contribution", "contribution_margin", "cts_pct",
            "growth_pct", "usp_fit", "verdict"]
    dp = ctx.art.tables.get("dependency")
    if dp is not None:
        d = dp.copy()
        d["level"] = _translate(ctx, "dependency_level", d["level"])
        d["trend"] = _translate(ctx, "trend", d["trend"])
        spec = [("level", "text"), ("name", "text"), ("entities", "int"),
                ("net_revenue", "money"), ("revenue_share", "pct"), ("contribution", "money"),
                ("contribution_lost", "money"), ("contribution_lost_year", "money")]
        if d["fixed_cost_cover"].notna().any():
            spec.append(("fixed_cost_cover", "pct"))
        spec += [("growth_pct", "pct"), ("trend", "text")]
        tables["dependency"] = _table(ctx, "dependency", d, spec,
                                      "02_profitability/dependency.parquet", preview=12)
        tables["dependency"].print_columns = [
            k for k in ("level", "name", "net_revenue", "revenue_share", "contribution_lost",
                        "contribution_lost_year", "fixed_cost_cover", "growth_pct", "trend")
            if k in dict(spec)]
    vt = ctx.art.tables.get("vip")
    if vt is not None:
        v = vt.copy()
        v["vip_why"] = _translate(ctx, "vip_why", v["why"])
        v["verdict"] = _translate(ctx, "vip_verdict", v["verdict"])
        v["quadrant"] = _translate(ctx, "quadrant", v["quadrant"])
        v["reason"] = _said(ctx, vt)
        tables["vip"] = _table(ctx, "vip", v, [
            ("entity_id", "text"), ("entity_name", "text"), ("vip_why", "text"),
            ("revenue_rank", "int"), ("net_revenue", "money"), ("cost_to_serve", "money"),
            ("contribution", "money"), ("contribution_pct", "pct"),
            ("attractiveness", "number"), ("quadrant", "text"), ("verdict", "text"),
            ("reason", "text")], "03_key_client_profile/vip.parquet", preview=15)
        tables["vip"].print_columns = [
            "entity_name", "vip_why", "net_revenue", "contribution", "contribution_pct",
            "attractiveness", "verdict", "reason"]
    charts = {"channels": _channel_chart(ctx, rows)} if len(rows) >= 2 else {}
    section = Section("strategy", ctx.t("section.strategy"), lead, facts, bullets,
                      charts=list(charts),
                      tables=[k for k in ("channels", "dependency", "vip") if k in tables])
    return section, tables, charts


def _channel_chart(ctx: _Ctx, rows: list[tuple[int, dict[str, Any]]]) -> Chart:
    """The channels' contribution margin (step 2's channels, as the step wrote them): a
    native bar chart in the deck, its title the conclusion (the best and worst channel)."""
    import matplotlib.pyplot as plt

    from .. import plots

    plots.set_theme()
    ordered = sorted((c for _, c in rows), key=lambda c: -c["contribution_margin"])
    data = pd.DataFrame({"channel": [str(c["channel"]) for c in ordered],
                         "contribution_margin": [float(c["contribution_margin"])
                                                 for c in ordered]})
    title = ctx.t("chart.channels.title", best=data["channel"].iloc[0],
                  best_margin=ctx.fmt.pct(data["contribution_margin"].iloc[0]),
                  worst=data["channel"].iloc[-1],
                  worst_margin=ctx.fmt.pct(data["contribution_margin"].iloc[-1]))
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(data) + 1.5))
    ax.barh(data["channel"][::-1], data["contribution_margin"][::-1] * 100,
            color=plots.PALETTE[0])
    ax.set_xlabel(ctx.t("chart.channels.y"))
    ax.set_title(title, fontsize=10)
    return Chart("channels", title, "bar", data, "channel", ["contribution_margin"], "",
                 ctx.t("chart.channels.y"),
                 {"contribution_margin": ctx.t("chart.channels.series")}, _png(fig),
                 ctx.t("chart.channels.caption"), "02_profitability/summary.json#channels",
                 y_format="pct")


def _strategy_findings(ctx: _Ctx) -> list[Finding]:
    """The findings of the strategic layer: channels, dependency, VIPs (when the steps left
    their figures)."""
    f = ctx.fmt
    s2, s3, s4 = ctx.art.summaries["02"], ctx.art.summaries["03"], ctx.art.summaries["04"]
    out: list[Finding] = []
    rows = _channel_rows(s2)
    if len(rows) >= 2:
        best = max(rows, key=lambda x: x[1]["contribution_margin"])
        worst = min(rows, key=lambda x: x[1]["contribution_margin"])
        develop = [c["channel"] for _, c in rows if c["verdict"] == "develop"]
        review = [c["channel"] for _, c in rows if c["verdict"] == "review"]
        sentence = ctx.t("finding.channels", best=best[1]["channel"],
                         best_margin=f.pct(best[1]["contribution_margin"]),
                         worst=worst[1]["channel"],
                         worst_margin=f.pct(worst[1]["contribution_margin"]),
                         average=f.pct(best[1]["reason"]["args"].get("average_ratio")))
        sentence += " " + (ctx.t("finding.channels_develop", channels=", ".join(develop))
                           if develop else ctx.t("finding.channels_none_develop"))
        if review:
            sentence += " " + ctx.t("finding.channels_review", channels=", ".join(review))
        fact = ctx.fact("channel_best_margin", "02",
                        f"channels.{best[0]}.contribution_margin", "pct",
                        label=ctx.t("fact.channel_margin", channel=best[1]["channel"]))
        out.append(Finding("channels", f.pct(best[1]["contribution_margin"]), sentence, fact,
                           "medium" if review else "info"))
    dep = s2.get("dependency") or {}
    largest = dep.get("largest") or []
    if largest:
        top = largest[0]
        cover = top.get("fixed_cost_cover")
        sentence = ctx.t("finding.dependency", name=top["name"], share=f.pct(top["revenue_share"]),
                         lost=f.money_short(top["contribution_lost"]),
                         lost_year=f.money_short(top["contribution_lost_year"]))
        sentence += " " + (ctx.t("finding.dependency_cover", cover=f.pct(cover))
                           if cover is not None else ctx.t("finding.dependency_no_fixed"))
        trend = dep.get("top_trend_ratio")
        if trend is not None:
            sentence += " " + ctx.t("finding.dependency_trend", n=f.integer(dep["top"]),
                                    trend=f.pct(trend), shrinking=f.integer(dep["top_shrinking"]),
                                    direction=ctx.t(f"trend.{dep.get('top_trend', 'unknown')}"))
        kp = ((s4.get("business_case") or {}).get("key_person") or {})
        if kp.get("flag"):
            sentence += " " + ctx.t("finding.dependency_key_person",
                                    text=say(kp["flag"], ctx.st, f))
        fact = ctx.fact("dependency_lost", "02", "dependency.largest.0.contribution_lost",
                        "money")
        high = top["revenue_share"] >= 0.10 or (trend is not None and trend < -0.02)
        out.append(Finding("dependency", f.money_short(top["contribution_lost"]), sentence,
                           fact, "high" if high else "medium"))
    vip = s3.get("vip") or {}
    if vip.get("vips"):
        bad = [c for c in vip.get("clients") or [] if c["verdict"] != "key"]
        sentence = ctx.t("finding.vip_list" if vip["source"] == "list"
                         else "finding.vip_fallback", n=f.integer(vip["vips"]),
                         bad=f.integer(vip["not_key_or_losing"]))
        if vip["losing_money"]:
            sentence += " " + ctx.t("finding.vip_losing", n=f.integer(vip["losing_money"]),
                                    loss=f.money_short(-float(vip["loss"])))
        if vip["not_key"]:
            sentence += " " + ctx.t("finding.vip_not_key", n=f.integer(vip["not_key"]))
        if bad:
            sentence += " " + ctx.t("finding.vip_names", names="; ".join(
                f"{c['name']} ({say(c['reason'], ctx.st, f)})" for c in bad[:3]))
        fact = ctx.fact("vip_not_key", "03", "vip.not_key_or_losing", "int")
        out.append(Finding("vip", f.integer(vip["not_key_or_losing"]), sentence, fact,
                           "high" if vip["losing_money"] else
                           "medium" if vip["not_key"] else "info"))
    return out
