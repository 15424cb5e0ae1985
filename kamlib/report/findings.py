"""The report's findings and its fallback recommendations, read from the steps' summaries."""

from __future__ import annotations

from ..i18n import say
from .helpers import _cap, _Ctx
from .model import Finding
from .sections.sizing import _staffing_key
from .strategy import _strategy_findings

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
                         change=f.money_short(rep.get("change_year", 0))))
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
    from .story import programme_pays_back

    out.append(ctx.t("rec.team" if programme_pays_back(bc) else "rec.team_conditional",
                     kams=f.integer(s4["kams"]),
                     cost=f.value((bc.get("cost") or {}).get("total", s4["team_cost"]),
                                  "money_short"),
                     payback=f.pct(needed) if needed is not None else "—"))
    kpis = s4.get("kpis") or []
    if kpis:
        out.append(ctx.t("rec.kpis", kpis="; ".join(ctx.st.get(f"kpi.{k['kpi']}", k["kpi"])
                                                    or k["kpi"] for k in kpis)))
    return out
