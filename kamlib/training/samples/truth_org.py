"""The answer key of the organisational lessons (``channels``, ``teams``) and the capstone's
workshop sheets: what the generator planted, with the figures measured on its own tables."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .spec import COSTLY_CHANNEL, COSTLY_TERMS, NO_HEAD_LESSONS
from .workshop import CHANNEL_FIT, TEAMS_SCORES, TEAMS_TICKS, vip_entities
from .world import World

__all__ = ["TODAYS_KPI_WEIGHTS", "channels_figures", "org_markdown", "teams_figures",
           "workshop_figures"]

#: the teams lesson's bonus scheme of today: five KPIs at 20% each, none in focus
TODAYS_KPI_WEIGHTS = {"contribution": 0.2, "growth": 0.2, "relationship": 0.2, "cash": 0.2,
                      "customer": 0.2}


def workshop_figures(w: World, lesson: str, by_ent: pd.Series, key: pd.Series
                     ) -> dict[str, Any]:
    """Management's VIP list (code, name, why, revenue rank, net revenue) and its scores of
    the channels' fit, as written in ``review/``."""
    names = w.clients.set_index("code")["name"]
    order = list(by_ent.index)
    vips = [{"code": str(key[e]), "name": str(names[key[e]]), "why": why,
             "revenue_rank": order.index(e) + 1, "net_revenue": round(float(by_ent[e]) / 100, 2)}
            for e, why, _ in vip_entities(w, lesson)]
    return {"vips": vips, "channel_fit": {k: float(v) for k, v in CHANNEL_FIT[lesson].items()}}


def channels_figures(w: World, truth: dict[str, Any], acc: pd.DataFrame, by_ent: pd.Series,
                     key: pd.Series, total: int) -> dict[str, Any]:
    """The channels lesson: revenue by channel (the catalogue's segment), the costly channel,
    the VIP the owner brought in, management's list and scores."""
    seg = w.entities["segment"]
    rev = acc.groupby(acc["eid"].map(seg))["net"].sum().sort_values(ascending=False,
                                                                     kind="stable")
    ent = w.entities
    costly = ent.index[ent["heavy"]] if "heavy" in ent else ent.index[:0]
    v = truth["vip"]
    return {
        "costly_channel": COSTLY_CHANNEL,
        "channel_revenue": {str(k): round(float(x) / 100, 2) for k, x in rev.items()},
        "channel_share": {str(k): round(float(x / total), 4) for k, x in rev.items()},
        "channel_rank": list(rev.index).index(COSTLY_CHANNEL) + 1,
        "costly_clients": int(by_ent.index.isin(costly).sum()),
        "costly_terms": dict(COSTLY_TERMS),
        "vip": {x: v[x] for x in ("code", "name", "revenue_rank", "net_revenue", "share",
                                  "discount_share_of_list", "avg_payment_delay_days",
                                  "gross_margin", "cost_to_serve", "receivables_cost",
                                  "contribution")},
        **workshop_figures(w, "channels", by_ent, key),
    }


def teams_figures(w: World) -> dict[str, Any]:
    """The teams lesson: the team table (no top management), the workshop's averages by
    element and group (from :data:`TEAMS_SCORES`) and today's bonus scheme."""
    from kamlib.kit.alignment import ELEMENTS

    roles = w.team["role"].value_counts()
    elements = {}
    for i, el in enumerate(ELEMENTS):
        avg = {}
        for group in ("management", "kam"):
            vals = [s for (_, g), sc in TEAMS_SCORES.items() if g == group
                    for s in sc[3 * i:3 * i + 3]]
            avg[group] = round(sum(vals) / len(vals), 4)
        elements[el] = {**avg, "gap": round(avg["management"] - avg["kam"], 4)}
    largest = max(elements, key=lambda e: elements[e]["gap"])
    ticks: dict[str, dict[str, int]] = {}
    for i, ((_, group), _) in enumerate(TEAMS_SCORES.items()):
        for code in TEAMS_TICKS[i]:
            kind, option = code.split(".")
            if kind == "kpis":
                t = ticks.setdefault(option, {"management": 0, "kam": 0, "total": 0})
                t[group] += 1
                t["total"] += 1
    return {
        "team_kams": int(roles.get("Ключевой менеджер", 0)),
        "team_sales_managers": int(roles.get("Менеджер по продажам", 0)),
        "team_top_management": int(roles[[r.startswith("Руководитель")
                                          for r in roles.index]].sum()),
        "head_removed": w.spec.lesson in NO_HEAD_LESSONS,
        "respondents": {g: sum(1 for (_, r) in TEAMS_SCORES if r == g)
                        for g in ("management", "kam")},
        "elements": elements, "largest_gap": largest, "kpis_against": ticks,
        "todays_kpi_weights": dict(TODAYS_KPI_WEIGHTS),
        "todays_kpis_in_focus": sum(x >= 0.25 for x in TODAYS_KPI_WEIGHTS.values()),
    }


def org_markdown(name: str, f: dict[str, Any], cur: str) -> list[str]:
    """TRUTH.md lines of an organisational lesson's figures (or the capstone's workshop)."""
    out: list[str] = []
    if name == "channels":
        c, v, t = f["costly_channel"], f["vip"], f["costly_terms"]
        out += [f"- channel `{c}`: {f['channel_revenue'][c]:,.2f} {cur} "
                f"(**{f['channel_share'][c]:.1%}** of revenue, rank {f['channel_rank']} among "
                f"the channels), {f['costly_clients']} buying entities: "
                f"{t['lpd']:g} lines per order, {t['disc']:.0%} discount, {t['ret_rate']:.0%} of "
                f"lines returned, {t['delay']:.0f} days late, extra deliveries",
                f"- the VIP the owner brought in, {v['code']} `{v['name']}` ({c}): revenue rank "
                f"{v['revenue_rank']}, {v['net_revenue']:,.2f} {cur}, contribution "
                f"**{v['contribution']:,.2f} {cur}**"]
    if name in ("channels", "capstone"):
        out += ["- management's VIP list (`review/vip.xlsx`): " + "; ".join(
                    f"{x['code']} `{x['name']}` ({x['why']}, rank {x['revenue_rank']})"
                    for x in f["vips"]),
                "- management's scores of the channels' fit with the USP "
                "(`review/channels.xlsx`): " + ", ".join(
                    f"{k} {v:g}" for k, v in f["channel_fit"].items())]
    if name == "teams":
        g = f["largest_gap"]
        e = f["elements"][g]
        w = f["todays_kpi_weights"]
        out += [f"- the team table (`Команда.xlsx`): {f['team_kams']} key account managers, "
                f"{f['team_sales_managers']} sales managers, **{f['team_top_management']}** "
                "from top management (no head of KAM)",
                f"- the workshop (`review/alignment.xlsx`): {f['respondents']['management']} "
                f"managers, {f['respondents']['kam']} KAMs; the largest gap is `{g}`: "
                f"management {e['management']:.2f}, KAMs {e['kam']:.2f} (gap "
                f"**{e['gap']:.2f}**)",
                f"- today's bonus: {len(w)} KPIs at " + ", ".join(
                    f"{k} {v:.0%}" for k, v in w.items())
                + f"; {f['todays_kpis_in_focus']} in focus (the method: 4 ± 1 KPIs, 2–3 with "
                "a weight ≥ 25%)"]
    return out
