"""The report's section of step 02, client profitability: P&L, whale curve, concentration."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import say
from ..helpers import _cap, _Ctx, _localised, _png, _table, _translate
from ..model import Chart, Section, Table


def _profit_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    s = ctx.art.summaries["02"]
    f = ctx.fmt
    tot = s["totals"]
    whale = s["whale"]
    conc = s["concentration"]
    # the bridge from revenue to contribution, every deduction on its card (the off-invoice
    # costs, when the client gave them, were missing: 881,3 − 298,3 − 44,4 ≠ 508,7)
    bridge = ["list_revenue", "discount", "returns", "net_revenue", "cogs", "gross_margin",
              "cost_to_serve", "cost_of_receivables", "contribution"]
    if float(tot.get("off_invoice") or 0):
        bridge.insert(bridge.index("contribution"), "off_invoice")
    facts = [ctx.fact(k, "02", f"totals.{k}", "money") for k in bridge]
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
                             change_year=f.money_short(
                                 drop.get("change_in_company_contribution_year")),
                             stranded=f.money_short(drop["stranded_costs_remaining"])))
    rep = s.get("what_if_reprice_large_loss_makers") or {}
    if rep.get("clients"):
        bullets.append(ctx.t("profit.what_if_reprice", n=f.integer(rep["clients"]),
                             price=f.pct(rep["price_increase"], 0),
                             volume=f.pct(rep.get("volume_loss"), 0),
                             change=f.money_short(rep["change"]),
                             change_year=f.money_short(rep.get("change_year")),
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
        llm["why"] = _localised(ctx, llm["why"])
        tables["loss_makers"] = _table(ctx, "loss_makers", llm, [
            ("entity_id", "text"), ("name", "text"), ("net_revenue", "money"),
            ("gross_margin", "money"), ("cost_to_serve", "money"), ("contribution", "money"),
            ("why", "text")], "02_profitability/summary.json#large_loss_makers", preview=10,
            note=ctx.t("profit.loss_makers_note", shown=ctx.fmt.integer(len(llm)),
                       total=ctx.fmt.integer(s["large_loss_makers_total"]))
            if (s.get("large_loss_makers_total") or 0) > len(llm) else "")
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

    from ... import plots

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
                 _png(fig, ctx.fmt.lang), ctx.t("chart.whale_curve.caption",
                                  peak=ctx.fmt.pct(figures["peak_pct"]),
                                  share=ctx.fmt.pct(figures["clients_at_peak_share"])),
                 "02_profitability/client_pnl.parquet#contribution", y_format="pct")


def _concentration_chart(ctx: _Ctx, pnl: pd.DataFrame) -> Chart:
    import matplotlib.pyplot as plt

    from ... import plots

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
                 {"share": ctx.t("chart.concentration.series")}, _png(fig, ctx.fmt.lang),
                 ctx.t("chart.concentration.caption"),
                 "02_profitability/client_pnl.parquet#net_revenue", y_format="pct")
