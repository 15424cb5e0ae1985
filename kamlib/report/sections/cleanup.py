"""The report's section of step 01, the client base cleaned: entities, merges, statuses."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import say
from ..helpers import _cap, _Ctx, _localised, _png, _table, _translate
from ..model import Chart, Section, Table


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
        e["reason"] = _localised(ctx, e["reason"])
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

    from ... import plots

    plots.set_theme()
    labels = [ctx.t(f"funnel.{k}") for k in funnel]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    plots.funnel_chart(funnel, lang=ctx.st.lang, ax=ax)
    ax.set_title(ctx.t("chart.client_funnel.title"))
    data = pd.DataFrame({"stage": labels, "count": list(funnel.values())})
    return Chart("client_funnel", ctx.t("chart.client_funnel.title"), "bar", data, "stage",
                 ["count"], "", ctx.t("chart.client_funnel.y"),
                 {"count": ctx.t("chart.client_funnel.series")}, _png(fig, ctx.fmt.lang),
                 ctx.t("chart.client_funnel.caption"),
                 "01_client_base_cleanup/summary.json#funnel")
