"""The figures of the organisational lesson cases (``training_channels``, ``training_teams``)
for their participant materials (``classroom.lesson.<lesson>`` in
``templates/i18n/<lang>/classroom.yaml``).

``channels``: channels before clients (the costly channel's row of step 2's channel P&L) and
the VIP test on management's list (step 3). ``teams``: the client teams (step 4), the second
front (the workshop's answers, step 4's ``alignment``), the KPIs 4 ± 1 and today's bonus
scheme, which step 4's settings check refuses. The planted figures come from the case's
``truth.json``, what the steps compute from their summaries (each placeholder says "not run
yet" until the case has run).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..i18n import Formatter, Strings
from .capstone import _run_values, organisation_figures

__all__ = ["CHANNELS_RUN_KEYS", "TEAMS_RUN_KEYS", "channels_values", "teams_values",
           "todays_scheme_refusal"]

#: placeholders of the channels lesson the run fills
CHANNELS_RUN_KEYS = ("ch", "ch_share", "ch_rank", "ch_contribution", "ch_margin",
                     "ch_avg_margin", "ch_fit", "ch_verdict", "develop", "vips", "vips_key",
                     "vips_not_key", "vips_losing", "vips_loss", "vip_key_name")
#: placeholders of the teams lesson the run fills
TEAMS_RUN_KEYS = ("accounts", "support_hours", "support_fte", "support_cost", "new_cash",
                  "uplift_with", "uplift_without", "gap_element", "gap_management", "gap_kam",
                  "gap", "gap2_element", "gap2", "respondents_management", "respondents_kam",
                  "against", "against_total", "against_kam", "kpi_count", "kpi_names", "focus",
                  "focus_weight", "gate")


def todays_scheme_refusal(weights: Mapping[str, float]) -> str | None:
    """What step 4's settings check says of a bonus scheme (``sizing.kpi_scheme.weights``):
    the error of :class:`kamlib.config.KpiSchemeParams`, or None when it is accepted."""
    from pydantic import ValidationError

    from ..config import KpiSchemeParams

    try:
        KpiSchemeParams(weights=dict(weights))
    except ValidationError as exc:
        return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
    return None


def _summaries(summary: Callable[[str], Mapping[str, Any] | None]
               ) -> tuple[Mapping[str, Any] | None, ...]:
    return tuple(summary(s) for s in ("02_profitability", "03_key_client_profile",
                                      "04_kam_team_sizing"))


def channels_values(f: Mapping[str, Any], fmt: Formatter, st: Strings,
                    summary: Callable[[str], Mapping[str, Any] | None]) -> dict[str, str]:
    """The channels lesson's placeholders in ``fmt``'s language.

    Parameters
    ----------
    f : mapping
        ``truth.json``'s ``lesson.figures``.
    fmt, st : Formatter, Strings
        The language's formatter and strings.
    summary : callable
        Step folder name → its ``summary.json`` (None when the step has not run).
    """
    v = f["vip"]
    out = {"vip_name": str(v["name"]), "vip_rank": fmt.integer(v["revenue_rank"]),
           "vip_revenue": fmt.money(v["net_revenue"], 0),
           "vip_contribution": fmt.money(v["contribution"], 0),
           "discount_share": fmt.pct(v["discount_share_of_list"]),
           "delay": fmt.number(v["avg_payment_delay_days"], 0),
           "listed": fmt.integer(len(f["vips"]))}
    s2, s3, _s4 = _summaries(summary)
    run: dict[str, str] = {}
    if s2 and s3:
        channels = list(s2.get("channels") or [])
        row = next(c for c in channels if c["channel"] == f["costly_channel"])
        by_rev = sorted(channels, key=lambda c: -float(c["net_revenue"]))
        avg = row["reason"]["args"].get("average_ratio")
        run.update(ch=str(row["channel"]), ch_share=fmt.pct(row["revenue_share"]),
                   ch_rank=fmt.integer(by_rev.index(row) + 1),
                   ch_contribution=fmt.money(row["contribution"], 0),
                   ch_margin=fmt.pct(row["contribution_margin"]),
                   ch_avg_margin=fmt.pct(avg) if avg is not None else "—",
                   ch_fit=fmt.number(row["usp_fit"], 0) if row["usp_fit"] is not None else "—",
                   ch_verdict=st.t(f"channel_verdict.{row['verdict']}"),
                   develop=", ".join(str(c["channel"]) for c in by_rev
                                     if c["verdict"] == "develop"))
        vip = s3["vip"]
        keys = [c["name"] for c in vip["clients"] if c["verdict"] == "key"]
        run.update(vips=fmt.integer(vip["vips"]), vips_key=fmt.integer(vip["key"]),
                   vips_not_key=fmt.integer(vip["not_key"]),
                   vips_losing=fmt.integer(vip["losing_money"]),
                   vips_loss=fmt.money(vip["loss"], 0),
                   vip_key_name=", ".join(str(k) for k in keys) or "—")
    missing = st.t("classroom.not_run")
    out.update({k: run.get(k, missing) for k in CHANNELS_RUN_KEYS})
    return out


def teams_values(f: Mapping[str, Any], fmt: Formatter, st: Strings,
                 summary: Callable[[str], Mapping[str, Any] | None]) -> dict[str, str]:
    """The teams lesson's placeholders in ``fmt``'s language (see :func:`channels_values`)."""
    out = {"team_kams": fmt.integer(f["team_kams"]),
           "team_sales_managers": fmt.integer(f["team_sales_managers"]),
           "todays_kpis": fmt.integer(len(f["todays_kpi_weights"])),
           "todays_weight": fmt.pct(next(iter(f["todays_kpi_weights"].values())), 0),
           "todays_in_focus": fmt.integer(f["todays_kpis_in_focus"])}
    s2, s3, s4 = _summaries(summary)
    run: dict[str, str] = {}
    if s2 and s3 and s4:
        o = organisation_figures(s2, s3, s4)
        run = _run_values(o, fmt, st)
        t = o["teams"]
        if t:
            run["new_cash"] = fmt.money(t["support_new_cash"], 0)
        el = (s4.get("alignment") or {}).get("elements") or {}
        ranked = sorted((e for e in el if el[e]["gap"] is not None),
                        key=lambda e: -float(el[e]["gap"]))
        if len(ranked) > 1:
            run.update(gap2_element=st.t(f"kit_alignment.element.{ranked[1]}"),
                       gap2=fmt.number(el[ranked[1]]["gap"], 1))
    missing = st.t("classroom.not_run")
    out.update({k: run.get(k, missing) for k in TEAMS_RUN_KEYS})
    return out
