"""The report's section of step 04, KAM sizing: methods, FTE, service tiers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import say
from ..helpers import _cap, _Ctx, _png, _table
from ..model import Chart, Section, Table

#: the KPIs whose baseline came another way than their usual definition (their source says
#: which → the suffix of their definition's key)
_KPI_VARIANT = {"growth_pct (fraction), weighted by net_revenue": "_weighted",
                "growth_pct (fraction), simple mean": "_mean"}   # economics.GROWTH_*


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
    if s.get("kams_basis"):  # why this many: the methods' figures are not it
        bullets.append(_cap(say(s["kams_basis"], ctx.st, f)) + ".")
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
        # a KPI measured another way than its usual definition has its own (the growth KPI
        # from the clients' own growth, weighted or plain: 'data' says which)
        how = [next((v for k, v in _KPI_VARIANT.items() if k in str(src)), "")
               for src in kpis.get("source", [""] * len(kpis))]
        kpis["definition"] = [ctx.st.get(f"kpi_definition.{k}{v}", d) for k, d, v in zip(
            kpis["kpi"], kpis["definition"], how, strict=True)]
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


def _staffing_key(v: str) -> str:
    return {"over": "over", "under": "under"}.get(v, "ok")


def _fte_chart(ctx: _Ctx, methods: pd.DataFrame) -> Chart:
    import matplotlib.pyplot as plt
    import numpy as np

    from ... import plots

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
                 {c: ctx.t(f"chart.fte.{c}") for c in ("low", "base", "high")},
                 _png(fig, ctx.fmt.lang),
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
