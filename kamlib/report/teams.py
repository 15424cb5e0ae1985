"""The report's client-teams section (step 4's organisational layer, issue 17 items 1 and 5).

Read from step 4's summary (``client_teams``, ``kpi_scheme``, ``role_fit``, the business
case's support lines) and artefacts (``client_teams``, ``raci``, ``kam_kpis``, ``role_fit``);
nothing is recomputed here. Registered in :func:`kamlib.report.build.build_model`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import SUPPORT_ROLES, TEAM_ROLES
from .model import Chart, Section, Table

if TYPE_CHECKING:
    from .helpers import _Ctx

__all__ = ["TABLES", "teams_section"]

#: report table name → registry artefact name (read by :func:`~.build.load_artefacts`)
TABLES = {"client_teams": "client_teams", "raci": "raci", "kam_kpis": "kam_kpis",
          "role_fit": "role_fit"}
_SOURCE = "04_kam_team_sizing/"


def _support_table(ctx: _Ctx, rows: list[dict[str, Any]]) -> Table:
    from .helpers import _table

    df = pd.DataFrame([{
        "role_label": ctx.t(f"team_role.{r['role']}"), "hours": r["hours"], "fte": r["fte"],
        "annual_cost": r["annual_cost"]["amount"] if isinstance(r["annual_cost"], dict)
        else r["annual_cost"],
        "cost": r["cost"]["amount"] if isinstance(r["cost"], dict) else r["cost"],
        "status_label": ctx.t(f"support_status.{r['status']}")} for r in rows])
    for c in ("annual_cost", "cost"):
        df[c] = df[c].astype(float)
    return _table(ctx, "support_roles", df, [
        ("role_label", "text"), ("hours", "int"), ("fte", "number"), ("annual_cost", "money"),
        ("cost", "money"), ("status_label", "text")], _SOURCE + "summary.json#business_case."
        "support", note=ctx.t("table.support_roles.note"))


def _teams_table(ctx: _Ctx, teams: pd.DataFrame) -> Table:
    """One row per key client: its KAM and each support role's hours (as the step wrote
    them: the formula's or a person's edit, marked)."""
    from .helpers import _table

    sup = teams[teams["role"].isin(SUPPORT_ROLES)]
    wide = sup.pivot(index="entity_id", columns="role", values="hours")
    kam = teams[teams["role"] == "kam"].set_index("entity_id")
    edited = sup.groupby("entity_id")["source"].agg(lambda s: (s == "sheet").any())
    df = pd.DataFrame({"entity_id": kam.index, "entity_name": kam["entity_name"].to_numpy(),
                       "kam": kam["person"].to_numpy()})
    for r in SUPPORT_ROLES:
        df[f"hours_{r}"] = wide[r].reindex(kam.index).to_numpy()
    df["edited"] = [ctx.t("edited.mark") if edited.get(e) else "" for e in kam.index]
    return _table(ctx, "client_teams", df, [
        ("entity_name", "text"), ("kam", "text"),
        *((f"hours_{r}", "number") for r in SUPPORT_ROLES), ("edited", "text")],
        _SOURCE + "client_teams.parquet", note=ctx.t("table.client_teams.note"), preview=12)


def _raci_table(ctx: _Ctx, raci: pd.DataFrame) -> Table:
    from .helpers import _table

    df = raci.copy()
    df["activity_label"] = df["activity"].map(lambda a: ctx.t(f"raci_activity.{a}"))
    for r in TEAM_ROLES:   # the letters in the report's language (И/О/К/И in Russian)
        df[r] = df[r].map(lambda x: ctx.t(f"raci_letter.{x}") if x else "")
    df = df.rename(columns={r: f"raci_{r}" for r in TEAM_ROLES})
    return _table(ctx, "raci", df, [
        ("entity_name", "text"), ("activity_label", "text"),
        *((f"raci_{r}", "text") for r in TEAM_ROLES)], _SOURCE + "raci.parquet",
        note=ctx.t("table.raci.note"), preview=len(df["activity"].unique()))


def _kpi_table(ctx: _Ctx, kpis: pd.DataFrame) -> Table:
    from .helpers import _table

    df = kpis.copy()
    df["kpi_label"] = df["kpi"].map(lambda k: ctx.st.get(f"kpi.{k}", k))
    df["focus_label"] = df["focus"].map(lambda x: ctx.t("kpi_focus.mark") if x else "")
    return _table(ctx, "kam_kpis", df, [
        ("kam", "text"), ("kpi_label", "text"), ("baseline", "number"),
        ("reference", "number"), ("target", "number"), ("weight", "pct"),
        ("focus_label", "text")], _SOURCE + "kam_kpis.parquet",
        note=ctx.t("table.kam_kpis.note"), preview=len(df["family"].unique()) * 3)


def _fit_table(ctx: _Ctx, fit: pd.DataFrame) -> Table:
    from .helpers import _table

    df = fit.rename(columns={"key_clients": "fit_key_clients"})
    df["good_fit_label"] = df["good_fit"].map(lambda x: ctx.t("edited.mark") if x else "")
    # the team table's role text is the client's own words (any language): shown as a mark
    df["kam_role_label"] = df["is_kam_role"].map(lambda x: ctx.t("edited.mark") if x else "")
    return _table(ctx, "role_fit", df, [
        ("person", "text"), ("kam_role_label", "text"), ("fit_key_clients", "int"),
        ("key_revenue", "money"), ("key_experience", "number"),
        ("relationship_depth", "number"), ("senior_access", "number"),
        ("cross_functional", "number"), ("portfolio_growth", "number"),
        ("portfolio_margin", "number"), ("fit", "number"), ("good_fit_label", "text")],
        _SOURCE + "role_fit.parquet", note=ctx.t("table.role_fit.note"))


def teams_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    """Client teams, KPIs and pay, role fit: the section, its tables (no chart)."""
    s = ctx.art.summaries.get("04") or {}
    ct = s.get("client_teams")
    if not ct:
        return Section("client_teams", ctx.t("section.client_teams"),
                       ctx.t("teams.missing")), {}, {}
    f = ctx.fmt
    bc = ct["business_case"]
    p = "client_teams.business_case."
    facts = [
        ctx.fact("support_fte", "04", "client_teams.support_fte", "number",
                 display=f.number(ct["support_fte"], 2)),
        ctx.fact("support_cost", "04", "client_teams.support_cost", "money"),
        ctx.fact("programme_cost_without_support", "04", p + "programme_cost_without_support",
                 "money"),
        ctx.fact("programme_cost_with_support", "04", p + "programme_cost", "money"),
    ]
    if bc.get("needed_uplift_ratio") is not None:
        facts += [ctx.fact("needed_uplift_without_support", "04",
                           p + "needed_uplift_without_support_ratio", "pct"),
                  ctx.fact("needed_uplift_with_support", "04", p + "needed_uplift_ratio",
                           "pct")]
    head = ct.get("head_of_kam") or ctx.t("teams.no_head")
    lead = ctx.t("teams.lead", n=f.integer(ct["accounts"]), head=head,
                 fte=f.number(ct["support_fte"], 2),
                 cost=f.value(ct["support_cost"], "money_short"),
                 total=f.value(bc["programme_cost"], "money_short"),
                 without=f.value(bc["programme_cost_without_support"], "money_short"))
    bullets = [ctx.t("teams.formula", median=f.integer(round(ct.get(
        "hours_per_account_median") or 0)), most=f.integer(round(ct.get(
            "hours_per_account_max") or 0)), per_fte=f.integer(ct["hours_per_fte"]),
        quadrant=f.number(ct["quadrant_table_support_fte"], 2))]
    if bc.get("needed_uplift_ratio") is not None:
        bullets.append(ctx.t("teams.payback", needed=f.pct(bc["needed_uplift_ratio"]),
                             without=f.pct(bc["needed_uplift_without_support_ratio"]),
                             ratio=f.number(bc.get("break_even_ratio"), 2),
                             ratio_without=f.number(bc.get("break_even_ratio_without_support"),
                                                    2)))
    bullets.append(ctx.t("teams.edits", hours=f.integer(ct["edited_hours"]),
                         raci=f.integer(ct["edited_raci"])))
    ks = s.get("kpi_scheme") or {}
    if ks:
        focus = ", ".join(ctx.t(f"kpi_family.{x}") for x in ks.get("focus", []))
        bullets.append(ctx.t("teams.bonus", share=f.pct(ks["variable_pay_share"]),
                             n=f.integer(ks["kpis"]), focus=focus,
                             gate=ctx.t(f"kpi_family.{ks['gate']['kpi']}"),
                             gate_at=f.pct(ks["gate"]["achievement_ratio"]),
                             threshold=f.pct(ks["threshold_achievement_ratio"]),
                             cap=f.pct(ks["cap_achievement_ratio"]),
                             cap_payout=f.pct(ks["cap_payout_ratio"]),
                             max_share=f.pct(ks["max_pay_share"])))
    rf = s.get("role_fit") or {}
    if rf:
        bullets.append(ctx.t("teams.role_fit", managers=f.integer(rf["managers"]),
                             good=f.integer(rf["good_fit"]),
                             threshold=f.number(rf["good_fit_threshold"], 2),
                             best=rf["best"]["person"],
                             fit=f.number(rf["best"]["fit_share"], 2)))
    bullets.append(ctx.t("teams.profile"))
    tables: dict[str, Table] = {}
    support = (s.get("business_case") or {}).get("support") or []
    if support:
        tables["support_roles"] = _support_table(ctx, support)
    art = ctx.art.tables
    if "client_teams" in art:
        tables["client_teams"] = _teams_table(ctx, art["client_teams"])
    if "raci" in art:
        tables["raci"] = _raci_table(ctx, art["raci"])
    if "kam_kpis" in art and len(art["kam_kpis"]):
        tables["kam_kpis"] = _kpi_table(ctx, art["kam_kpis"])
    if "role_fit" in art and len(art["role_fit"]):
        tables["role_fit"] = _fit_table(ctx, art["role_fit"])
    return (Section("client_teams", ctx.t("section.client_teams"), lead, facts, bullets,
                    tables=list(tables)), tables, {})
