"""The report's strategic layer: channels before clients, dependency and the VIP test
(METHODS.md §5), read from steps 2 and 3, never recomputed."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..i18n import say
from .helpers import _Ctx, _png, _said, _table, _translate
from .model import Chart, Fact, Finding, Section, Table

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
                  ctx.fact("vip_not_key", "03", "vip.not_key_or_losing", "int")]
        if vip.get("loss_year") is not None:    # labelled a year's
            facts.append(ctx.fact("vip_loss", "03", "vip.loss_year", "money"))
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
                 {"contribution_margin": ctx.t("chart.channels.series")}, _png(fig, ctx.fmt.lang),
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
        if vip["losing_money"] and vip.get("loss_year") is not None:   # a year's, as others
            sentence += " " + ctx.t("finding.vip_losing", n=f.integer(vip["losing_money"]),
                                    loss=f.money_short(-float(vip["loss_year"])))
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
