"""The report's section of step 03, key client selection: the rule, the matrix."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ...i18n import say
from ..helpers import _Ctx, _png, _said, _table, _translate, localise
from ..model import Chart, Section, Table


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

    from ... import plots

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
                 {"attractiveness": ctx.t("chart.portfolio_matrix.series")},
                 _png(fig, ctx.fmt.lang),
                 ctx.t("chart.portfolio_matrix.caption",
                       threshold=ctx.fmt.number(threshold, 1)),
                 "03_key_client_profile/candidates.parquet", label="point_label",
                 group="series", size="net_revenue", threshold=threshold, axis=(1.0, 10.0),
                 highlight=ctx.t("chart.portfolio_matrix.key"),
                 quadrants={q: ctx.t(f"quadrant.{q}") for q in
                            ("Strategic", "Star", "Status", "Streamline")})
