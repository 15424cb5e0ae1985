"""The capstone case's figures for its participant materials (``training_capstone``).

The capstone plants several traps at once (concentration, a loss-making VIP, a key account
with one contact, a holding, clients that stopped paying) and adds the organisational
lessons of the method: channels before clients, the VIP test with management's list, the
client teams, the second front (the management workshop, ``review/alignment.xlsx``) and
KPIs 4 ± 1 with the bonus focus. :func:`capstone_values` formats them for the texts of
``classroom.lesson.capstone`` (``templates/i18n/<lang>/classroom.yaml``): the traps from the
case's ``truth.json``, the organisational figures from the step summaries of a run (each
placeholder says "not run yet" until the case has run).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import Formatter, Strings

__all__ = ["RUN_KEYS", "capstone_values", "organisation_figures"]


def organisation_figures(s2: Mapping[str, Any], s3: Mapping[str, Any],
                         s4: Mapping[str, Any]) -> dict[str, Any]:
    """The organisational figures of a run, unformatted.

    Parameters
    ----------
    s2, s3, s4 : mapping
        The ``summary.json`` of steps 2, 3 and 4.

    Returns
    -------
    dict
        ``big``: the largest channel by revenue (its row of step 2's ``channels``); ``best``:
        the channel with the highest contribution margin among those to develop (or overall);
        ``average_margin``: the company's contribution margin the verdicts compare with;
        ``vip``: step 3's VIP test; ``teams``: step 4's client teams; ``kpis``: the KPIs'
        names; ``kpi_scheme``: the bonus sketch; ``focus_weight``: the weight of the focus
        families; ``gap``: the workshop element with the largest gap (``element``,
        ``management``, ``kam``, ``gap``) or None; ``against``: the other functions' KPI the
        most respondents named as working against key clients (``option``, ``total``,
        ``kam``) or None; ``respondents``.
    """
    channels = list(s2.get("channels") or [])
    big = max(channels, key=lambda c: float(c["net_revenue"])) if channels else None
    pool = [c for c in channels if c["verdict"] == "develop"] or channels
    best = max(pool, key=lambda c: float(c["contribution_margin"])) if pool else None
    average = (big or {}).get("reason", {}).get("args", {}).get("average_ratio")
    scheme = s4.get("kpi_scheme") or {}
    weights = scheme.get("weights") or {}
    align = s4.get("alignment") or {}
    gap = None
    against = None
    if align.get("status") == "filled":
        el = align["elements"]
        e = max(el, key=lambda k: (el[k]["gap"] if el[k]["gap"] is not None else -1e9))
        gap = {"element": e, **el[e]}
        ka = align.get("kpis_against") or {}
        if ka:
            o = max(ka, key=lambda k: (ka[k]["total"], ka[k]["kam"]))
            against = {"option": o, **ka[o]}
    return {"big": big, "best": best, "average_margin": average, "vip": s3.get("vip"),
            "teams": s4.get("client_teams"), "kpis": [k["kpi"] for k in s4.get("kpis", [])],
            "kpi_scheme": scheme,
            "focus_weight": sum(float(weights.get(f, 0)) for f in scheme.get("focus", [])),
            "gap": gap, "against": against,
            "respondents": align.get("respondents") or {}}


def _trap_values(f: Mapping[str, Any], fmt: Formatter) -> dict[str, str]:
    v, k, h, u = f["vip"], f["single_contact"], f["holding"], f["unpaid"]
    ranks = sorted(h["entity_revenue_ranks"])
    return {
        "top3_share": fmt.pct(f["top3_share"]), "top3_naive": fmt.pct(
            f["top3_share_by_record_naive"]),
        "vip_name": str(v["name"]), "vip_rank": fmt.integer(v["revenue_rank"]),
        "vip_revenue": fmt.money(v["net_revenue"], 0),
        "vip_contribution": fmt.money(v["contribution"], 0),
        "discount_share": fmt.pct(v["discount_share_of_list"]),
        "delay": fmt.number(v["avg_payment_delay_days"], 0),
        "sc_name": str(k["name"]), "sc_rank": fmt.integer(k["revenue_rank"]),
        "sc_revenue": fmt.money(k["net_revenue"], 0), "contacts": fmt.integer(k["contacts"]),
        "group": str(h["group"]), "entities": fmt.integer(h["entities"]),
        "group_rank": fmt.integer(h["group_rank"]), "ranks": f"{ranks[0]}–{ranks[-1]}",
        "group_revenue": fmt.money(h["net_revenue"], 0), "group_share": fmt.pct(h["share"]),
        "unpaid_clients": fmt.integer(len(u["unpaid_codes"])),
        "unpaid_invoices": fmt.integer(u["unpaid_invoices"]),
        "unpaid_amount": fmt.money(u["unpaid_amount"], 0),
    }


def _signed(fmt: Formatter, x: float) -> str:
    """A change with its sign: +15.2%, −14.8%."""
    return ("+" if x > 0 else "") + fmt.pct(x)


def _run_values(o: Mapping[str, Any], fmt: Formatter, st: Strings) -> dict[str, str]:
    v: dict[str, str] = {}
    big, best = o["big"], o["best"]
    if big and best:
        v.update(ch_big=str(big["channel"]), ch_big_share=fmt.pct(big["revenue_share"]),
                 ch_big_margin=fmt.pct(big["contribution_margin"]),
                 ch_big_growth=_signed(fmt, big["growth"]),
                 ch_big_verdict=st.t(f"channel_verdict.{big['verdict']}"),
                 ch_avg_margin=fmt.pct(o["average_margin"]) if o["average_margin"] is not None
                 else "—",
                 ch_best=str(best["channel"]), ch_best_share=fmt.pct(best["revenue_share"]),
                 ch_best_margin=fmt.pct(best["contribution_margin"]),
                 ch_best_growth=_signed(fmt, best["growth"]),
                 ch_best_verdict=st.t(f"channel_verdict.{best['verdict']}"))
    vip = o["vip"]
    if vip:
        v.update(vips=fmt.integer(vip["vips"]), vips_key=fmt.integer(vip["key"]),
                 vips_losing=fmt.integer(vip["losing_money"]),
                 vips_not_key=fmt.integer(vip["not_key"]),
                 vips_loss=fmt.money(vip["loss"], 0))
    t = o["teams"]
    if t:
        bc = t["business_case"]
        v.update(accounts=fmt.integer(t["accounts"]), head_of_kam=str(t["head_of_kam"]),
                 support_fte=fmt.number(t["support_fte"], 2),
                 support_hours=fmt.integer(round(t["support_hours"])),
                 support_cost=fmt.money(t["support_cost"], 0),
                 uplift_without=fmt.pct(bc["needed_uplift_without_support_ratio"]),
                 uplift_with=fmt.pct(bc["needed_uplift_ratio"]))
    if o["kpis"]:
        scheme = o["kpi_scheme"]
        v.update(kpi_count=fmt.integer(len(o["kpis"])),
                 kpi_names="; ".join(st.t(f"kpi.{k}") for k in o["kpis"]),
                 focus=", ".join(st.t(f"kpi_family.{f}") for f in scheme.get("focus", [])),
                 focus_weight=fmt.pct(o["focus_weight"], 0),
                 gate=fmt.pct(scheme["gate"]["achievement_ratio"], 0))
    gap, against = o["gap"], o["against"]
    if gap:
        v.update(gap_element=st.t(f"kit_alignment.element.{gap['element']}"),
                 gap_management=fmt.number(gap["management"], 1),
                 gap_kam=fmt.number(gap["kam"], 1), gap=fmt.number(gap["gap"], 1),
                 respondents_management=fmt.integer(o["respondents"].get("management", 0)),
                 respondents_kam=fmt.integer(o["respondents"].get("kam", 0)))
    if against:
        v.update(against=st.t(f"kit_alignment.practice.kpis_options.{against['option']}"),
                 against_total=fmt.integer(against["total"]),
                 against_kam=fmt.integer(against["kam"]))
    return v


#: placeholders the run fills (they read "not run yet" before it)
RUN_KEYS = ("ch_big", "ch_big_share", "ch_big_margin", "ch_big_growth", "ch_big_verdict",
            "ch_avg_margin", "ch_best", "ch_best_share", "ch_best_margin", "ch_best_growth",
            "ch_best_verdict", "vips", "vips_key", "vips_losing", "vips_loss", "vips_not_key",
            "accounts",
            "head_of_kam", "support_fte", "support_hours", "support_cost", "uplift_without",
            "uplift_with", "kpi_count", "kpi_names", "focus", "focus_weight", "gate",
            "gap_element", "gap_management", "gap_kam", "gap", "respondents_management",
            "respondents_kam", "against", "against_total", "against_kam")


def capstone_values(figures: Mapping[str, Any], fmt: Formatter, st: Strings,
                    summary: Callable[[str], Mapping[str, Any] | None]) -> dict[str, str]:
    """The capstone's placeholders formatted in ``fmt``'s language.

    Parameters
    ----------
    figures : mapping
        ``truth.json``'s ``lesson.figures`` of the capstone.
    fmt, st : Formatter, Strings
        The language's formatter and strings.
    summary : callable
        Step folder name → its ``summary.json`` (None when the step has not run).
    """
    v = _trap_values(figures, fmt)
    s2, s3, s4 = (summary(s) for s in ("02_profitability", "03_key_client_profile",
                                       "04_kam_team_sizing"))
    run = _run_values(organisation_figures(s2, s3, s4), fmt, st) if s2 and s3 and s4 else {}
    missing = st.t("classroom.not_run")
    v.update({k: run.get(k, missing) for k in RUN_KEYS})
    return v
