"""Step 4 of the audit: how many KAMs, who serves whom, what it costs and earns, which KPIs.

Modules: :mod:`.workload` (the three sizing methods, METHODS.md §4), :mod:`.assignment` (the
integer program: every key account to one KAM, balanced, fewest owner changes),
:mod:`.economics` (team cost, break-even, payback, ADBUDG sensitivity, KPIs, support team),
:mod:`.business_case` (the incremental business case of the whole recommended team),
:mod:`.tiers` (how the rest of the clients are served: a service model by tier),
:mod:`.client_teams` and :mod:`.team_sheet` (each key client's team, its hours and RACI, the
review sheet), :mod:`.kpis` (KPIs per KAM, the bonus sketch), :mod:`.role_fit` (today's
managers against the KAM role), :mod:`.teams_run` (their glue on an engagement).
:func:`run_sizing` runs the step on an engagement.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import SizingParams
from ..errors import KamError
from ..i18n import Formatter, load_strings, say
from ..steps import StepResult, artefact_path, open_step, step, summary_path
from ..summaries import write_summary
from ..units import money, reason
from .client_teams import SUPPORT_ROLES
from .kpis import portfolio_targets
from .teams_run import fit_of_managers, teams_for_step, teams_json
from .tiers import service_tiers, tier_summary, tiers_json
from .workload import account_workload, available_hours, compare_methods

if TYPE_CHECKING:
    from ..engagement import Engagement

__all__ = ["KAM_ROLE", "account_workload", "available_hours", "compare_methods",
           "current_kams", "run_sizing", "staffing_verdict"]


def _person_key(name: object) -> str | None:
    """Surname + initials: 'Леонов Ю.В.' and 'Леонов Юрий Владимирович' → 'леонов ю в'."""
    if not isinstance(name, str) or not name.strip():
        return None
    words = name.replace(".", " ").casefold().replace("ё", "е").split()
    return " ".join([words[0], *(w[0] for w in words[1:3])]) if words else None


#: roles of the team table that are key account managers (ru / en): «Ключевой менеджер»,
#: «Менеджер по ключевым клиентам», "Key account manager", "KAM" — not "Account manager".
KAM_ROLE = re.compile(r"ключев|key[\s-]*account|\bkam\b|\bкам\b", re.IGNORECASE)


def current_kams(team: pd.DataFrame | None) -> int | None:
    """KAMs in the client's team table today: people whose role names a key account manager.

    Returns ``None`` when there is no team table or it has no role column (then the number is
    not known, rather than zero).
    """
    if team is None or "role" not in team.columns or team["role"].isna().all():
        return None
    roles = team["role"].fillna("").astype(str)
    return int(roles.map(lambda r: bool(KAM_ROLE.search(r))).sum())


def staffing_verdict(current: int | None, recommended: int) -> tuple[int | None, str | None]:
    """The team table against the recommendation: (current − recommended, verdict).

    The verdict is ``"over"``, ``"under"`` or ``"as recommended"``; ``(None, None)`` when the
    current number is not known.
    """
    if current is None:
        return None, None
    diff = current - recommended
    return diff, "over" if diff > 0 else "under" if diff < 0 else "as recommended"


def _staffing_sentence(current: int | None, diff: int | None, lang: str, *,
                       owners: int | None = None) -> str:
    """The current team against the recommendation (empty if not known), in ``lang``.

    ``current`` counts the people with a KAM role in the team table; ``owners`` (optional) the
    distinct managers who hold the key clients today — a different number, said in its own
    sentence so that the two are never mixed. Texts: ``sizing_text.*`` of
    ``templates/i18n/<lang>/sizing.yaml``.
    """
    st, fmt = load_strings(lang), Formatter(lang, "RUB")
    out = ""
    if current is not None and diff is not None:
        key = "over" if diff > 0 else "under" if diff < 0 else "same"
        out = st.t(f"sizing_text.staffing.{key}", current=fmt.integer(current),
                   diff=fmt.integer(abs(diff)))
    if owners is not None:
        out += st.t("sizing_text.owners", owners=fmt.integer(owners))
    return out


def _cost_note(source: dict[str, Any], cost: float, currency: str) -> dict[str, Any]:
    """Where the market cost of a new KAM comes from, as a reason code with its figures (the
    notebook's note, phrased by :func:`kamlib.i18n.say` in the engagement's language)."""
    code = source["code"]
    amount = money(cost, currency)
    if code == "kam_cost_from_team_table":
        return reason("note_kam_cost_team_table", people=int(source["args"]["people"]),
                      amount=amount)
    if code == "kam_cost_from_settings":
        return reason("note_kam_cost_settings", amount=amount)
    return reason("note_kam_cost_default", amount=amount)


def _economics_reasons(be: dict[str, Any], pb: dict[str, Any], cost: float, currency: str
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The break-even and the payback of the recommended team as reason codes with their
    figures (what their English ``text`` says, for a surface to phrase in its language)."""
    if "break_even_sales" not in be:
        be_reason = reason("no_margin")
    else:
        args: dict[str, Any] = dict(cost=money(cost, currency),
                                    break_even=money(be["break_even_sales"], currency),
                                    margin_share=be["margin_rate"])
        if be.get("ratio") is None:
            be_reason = reason("break_even_team", **args)
        else:
            be_reason = reason("break_even_team_worth" if be["worth_adding"]
                               else "break_even_team_not_worth", **args,
                               expected=money(be["expected_uplift"], currency),
                               break_even_share=be["ratio"])
    if "revenue_uplift" not in pb:
        return be_reason, reason("no_margin")
    return be_reason, reason(
        "payback_needed", cost=money(cost, currency),
        revenue_uplift=money(pb["revenue_uplift"], currency),
        revenue_uplift_share=pb["revenue_uplift_pct"] / 100,
        margin_share=pb["incremental_margin"],
        contribution_uplift_share=pb["contribution_uplift_pct"] / 100)


def _recommendation(lang: str, *, n: int, accounts: int, hours: float, cap: float,
                    staff_txt: str, bc: dict[str, Any], currency: str, who: str, kpis: int,
                    kpi_names: str, short: dict[str, float] | None = None,
                    weak: list[str] | None = None) -> str:
    """The step's one recommendation: headcount (existing people and new hires), the
    programme's cost (new cash vs re-allocated time), the uplift needed beside the key
    clients' trend, the verdict, key-person risk, who serves whom, the KPIs — in ``lang``,
    from the ``sizing_text.*`` strings (``templates/i18n/<lang>/sizing.yaml``), money exact
    in the engagement's currency."""
    st, f = load_strings(lang), Formatter(lang, currency)
    c = bc["cost"]
    needed, trend = bc["needed_uplift"], bc["trend"]
    up = bc["uplifts"]
    kp = bc["key_person"]
    trend_txt = "" if trend is None else (
        st.t("sizing_text.trend_down", trend=f.pct(-trend)) if trend < 0
        else st.t("sizing_text.trend_up", trend=f.pct(trend)))
    verdict = st.t(f"sizing_text.verdict.{bc['verdict']['code']}", base=f.pct(up["base"]),
                   high=f.pct(up["high"]), ratio=f.number(bc["break_even"]["ratio"], 2))
    if short is not None:   # the growth target below what the programme needs
        verdict += " " + st.t("sizing_text.growth_short",
                              growth=f.pct(short["growth_target_ratio"]),
                              gain=f.pct(short["gain_ratio"]),
                              needed=f.pct(short["needed_ratio"])).strip()
    risk = (st.t("sizing_text.key_person", kam=kp["kam"], share=f.pct(kp["revenue_share"]))
            if kp["flag"] else "")
    if weak:   # people of today's team in the plan who do not fit the role
        staff_txt += st.t("sizing_text.weak_fit", existing=f.integer(bc["existing"]),
                          good=f.integer(bc["existing"] - len(weak)),
                          weak=f.integer(len(weak)), names=", ".join(weak))
    return st.t("sizing_text.text", n=f.integer(n), accounts=f.integer(accounts),
                hours=f.integer(hours), cap=f.integer(cap), existing=f.integer(bc["existing"]),
                hires=f.integer(bc["new_hires"]), staffing=staff_txt,
                total=f.money(c["total"], 0), cash=f.money(c["new_cash"], 0),
                realloc=f.money(c["reallocated"], 0), needed=f.pct(needed), trend=trend_txt,
                verdict=verdict, risk=risk, who=who, kpis=f.integer(kpis),
                kpi_names=kpi_names)


def _growth_short(kpis: pd.DataFrame, needed: float | None) -> dict[str, float] | None:
    """What the key clients' contribution would gain if the KAMs met their revenue-growth
    and contribution-margin targets, when that is below the uplift the programme needs to pay
    back (``needed``, the business case's): KAMs who meet their targets would not pay for it.

    Gain = (1 + growth target) × margin target ÷ margin baseline − 1 (the margin's factor 1
    without a margin KPI). None when the targets cover the need, or without a revenue-growth
    KPI or a business case.
    """
    def kpi(name: str) -> pd.Series | None:
        row = kpis[kpis["kpi"] == name] if len(kpis) else kpis
        return row.iloc[0] if len(row) else None

    growth, margin = kpi("revenue_growth_pct"), kpi("contribution_margin_pct")
    if needed is None or growth is None or not math.isfinite(float(growth["target"])):
        return None
    g = float(growth["target"]) / 100
    factor = 1.0
    if margin is not None and all(math.isfinite(float(margin[c])) and float(margin[c]) > 0
                                  for c in ("baseline", "target")):
        factor = float(margin["target"]) / float(margin["baseline"])
    gain = (1 + g) * factor - 1
    if gain >= needed:
        return None
    return {"growth_target_ratio": round(g, 6), "margin_factor": round(factor, 6),
            "gain_ratio": round(gain, 6), "needed_ratio": round(float(needed), 6)}


def _weak_fit(existing: list[str], fit: pd.DataFrame | None) -> list[str]:
    """The people of today's team chosen as KAMs whose role fit is below the good-fit
    threshold (:mod:`.role_fit`), in the order chosen; none without a fit assessment."""
    if fit is None or not len(fit):
        return []
    good = fit.set_index("person")["good_fit"]
    return [p for p in existing if p in good.index and not bool(good[p])]


def _period_years(eng: Any) -> float:
    """Length of the analysed period in years (the intake's first to last sale), ≥ 1/12."""
    path = summary_path(eng, "00")
    period = json.loads(path.read_text(encoding="utf-8")).get("period") if path.exists() \
        else None
    if not period or not period[0]:
        return 1.0
    start, end = (datetime.date.fromisoformat(str(p)[:10]) for p in period)
    return max(((end - start).days + 1) / 365.25, 1 / 12)


def run_sizing(engagement: Engagement | str | Path, out_dir: str | Path | None = None, *,
               params: SizingParams | None = None) -> StepResult:
    """Step 4 on an engagement: the key clients of step 3 in; the team plan out.

    Writes ``team_plan.parquet`` (one row per KAM), ``assignment.parquet`` (one row per key
    client: entity_id, kam, hours), ``methods.parquet`` and ``summary.json``. The summary
    compares the recommendation with the team table: ``current_kams`` (people whose role is
    a KAM, :data:`KAM_ROLE`; ``None`` without a team table or role column),
    ``kams_difference`` (current − recommended) and ``staffing`` ("over", "under", "as
    recommended"), also said in one sentence of the ``recommendation``; ``current_owners``
    (the distinct managers who hold the key clients today — not the same number).

    ``business_case`` (:mod:`.business_case`, METHODS.md §4) is the incremental business case
    of the whole recommended team with explicit units: money as ``{"amount", "currency"}``,
    ratios as fractions (keys ending in ``_ratio`` / ``_share``), counts as ints, the verdict,
    the key-person flag and the cost assumptions as reason codes. The older keys agree with
    it: ``team_cost`` is the programme's yearly cost, ``break_even`` and ``payback`` are for
    the whole team, ``kam_cost`` is the yearly cost of one new KAM (market cost × (1 +
    overhead) + travel + tools).

    The organisational layer (docs/client_teams.md): ``client_teams.parquet`` and
    ``raci.parquet`` (each key client's team and RACI, with the edits of
    ``review/client_teams.xlsx`` replayed; the sheet is written back), ``kam_kpis.parquet``,
    ``role_fit.parquet`` (the existing KAMs are chosen by this fit), and the summary's
    ``client_teams`` (the support FTE are the business case's support cost; the case without
    them beside it), ``kpi_scheme`` and ``role_fit``.

    Raises
    ------
    ConfigError
        The cost settings are in another currency than the engagement's and the team table
        gives no KAM cost (:func:`.business_case.cost_basis`).
    InputError
        ``review/client_teams.xlsx`` holds a value it cannot take (its sheet, row, column and
        value named).
    """
    from ..kit.alignment import alignment_summary, read_answers
    from .assignment import assign_accounts, team_from_fte
    from .business_case import (
        business_case,
        business_case_json,
        choose_existing,
        cost_basis,
        kam_lines,
        revenue_trend,
        support_costs,
    )
    from .economics import (
        adbudg_from_judgement,
        break_even,
        effort_sensitivity,
        payback,
        propose_kpis,
        support_team,
    )

    eng, out = open_step(engagement, "04", out_dir)
    params = params or eng.config.sizing
    lang = eng.config.report.language
    notes: list[dict[str, Any]] = []  # reason codes, phrased in the engagement's language
    key = pd.read_parquet(artefact_path(eng, "key_clients")).set_index("entity_id")
    if key.empty:
        raise KamError("step 3 chose no key client: there is no KAM team to size",
                       file=str(artefact_path(eng, "key_clients")),
                       hint="see why in step 3's notes (the attractiveness threshold, the USP "
                            "gate, candidates still to assess in review/assessment.xlsx), "
                            "change the settings or score the candidates, and run "
                            f"`kam run {eng.root} --from 03`")
    rel_path = artefact_path(eng, "relationships")
    if rel_path.exists():
        rel = pd.read_parquet(rel_path).set_index("entity_id")
        if "contacts" in rel.columns:
            key["contacts"] = rel["contacts"].reindex(key.index)
    pnl = pd.read_parquet(artefact_path(eng, "client_pnl")) \
        .set_index("entity_id")
    for c in ("growth_pct", "dso_days", "days_late", "terms_days", "orders"):
        if c in pnl.columns and c not in key.columns:
            key[c] = pnl[c].reindex(key.index)
    entities = pd.read_parquet(artefact_path(eng, "entities"))
    canon = entities[entities["is_canonical"]].set_index("entity_id")
    team_path = artefact_path(eng, "team")
    team = pd.read_parquet(team_path) if team_path.exists() else None
    # the KAM's capacity and the unit costs (in the engagement's currency, or an error)
    cap = available_hours(params)
    currency = eng.config.currency
    quadrant_support = support_team(key)  # the quadrant table: kept for comparison
    basis = cost_basis(team, params, currency, support_roles=SUPPORT_ROLES)
    kam_cost = basis["kam_cost"]
    notes.append(_cost_note(basis["kam_cost_source"], kam_cost, currency))
    for a in basis["assumptions"]:
        if a["code"] == "default_scaled_to_kam_cost":
            g = a["args"]
            notes.append(reason("note_default_scaled", setting=g["setting"],
                                default_currency=g["default"]["currency"], currency=currency,
                                cost_ratio=float(g["cost_ratio"]), amount=g["amount"]))
    full_cost = kam_cost * (1 + params.overhead_share) + basis["travel"] + basis["tools"]
    # the work
    work = account_workload(key, params)
    key_revenue = float(key["net_revenue"].sum())
    key_contribution = float(key["contribution"].sum())
    margin_rate = key_contribution / key_revenue if key_revenue else None
    # the P&L covers the whole period; the team costs a year: compare like with like
    years = _period_years(eng)
    annual_revenue, annual_contribution = key_revenue / years, key_contribution / years
    if abs(years - 1) > 0.05:
        notes.append(reason("note_years_averaged", years=float(years)))
    methods = compare_methods(key, params, kam_cost=full_cost, margin_rate=margin_rate,
                              years=years)
    total_hours = float(work["hours"].sum())
    base_fte = float(methods.loc["workload build-up (Talley 1961)", "base"])
    by_work, by_accounts = math.ceil(base_fte - 1e-9), math.ceil(len(key) / 15)
    n = max(by_work, by_accounts, 1)
    room = n * cap < total_hours / (1 - params.balance_tolerance / 2)
    if room:
        n += 1  # room for the balance tolerance
    # how the count was decided, for every surface that prints it (it matches none of the
    # methods' figures when rounded up and given room to balance the loads)
    kams_basis = reason("kams_from_workload_balanced" if room else "kams_from_workload",
                        fte=round(base_fte, 2), rounded=by_work, by_accounts=by_accounts,
                        accounts=len(key), tolerance_share=float(params.balance_tolerance),
                        kams=n)
    # who serves whom: the current owner is the catalogue's manager, matched to the team table
    # by surname and initials ('Леонов Ю.В.' = 'Леонов Юрий Владимирович')
    owners = canon["manager"].reindex(key.index) if "manager" in canon.columns else \
        pd.Series(None, index=key.index, dtype=object)
    if team is not None and "person" in team.columns:
        by_key = {_person_key(p): p for p in team["person"]}
        owners = owners.map(lambda o: by_key.get(_person_key(o), o) if isinstance(o, str) else o)
    owned = key["net_revenue"].groupby(owners).sum().sort_values(ascending=False)
    # the recommended team: people with a KAM role first, then the owners of the most key
    # revenue; the rest are new hires
    # … ranked by their fit to the KAM role, not only by the key revenue they hold
    fit = fit_of_managers(eng, team, canon["manager"] if "manager" in canon.columns else
                          owners, pnl, key.index, params)
    existing = choose_existing(team, owned, n, fit=None if fit is None else
                               fit.set_index("person")["fit"])
    regions = canon["region"].reindex(key.index) if "region" in canon.columns else None
    kams = team_from_fte(n, cap, regions=sorted(regions.dropna().unique())[:n]
                         if regions is not None else None, existing=existing)
    if team is not None and {"person", "region"} <= set(team.columns) and "region" in kams:
        real = team.dropna(subset=["region"]).set_index("person")["region"]
        kams["region"] = [real.get(k, r) for k, r in zip(kams.index, kams["region"],
                                                          strict=True)]
    accounts = pd.DataFrame({"hours": work["hours"], "current_owner": owners,
                             "entity_name": key["entity_name"]})
    if regions is not None:
        accounts["region"] = regions
    assignment, info = assign_accounts(accounts, kams, tolerance=params.balance_tolerance,
                                       time_limit=params.solver_time_limit_s)
    team_plan = assignment.groupby("kam").agg(accounts=("hours", "size"),
                                              hours=("hours", "sum"))
    team_plan["capacity"] = kams["capacity"].reindex(team_plan.index)
    team_plan["utilisation"] = team_plan["hours"] / team_plan["capacity"]
    team_plan["revenue"] = key["net_revenue"].groupby(assignment["kam"]).sum()
    if "region" in kams.columns:
        team_plan["region"] = kams["region"].reindex(team_plan.index)
    # the team the client has today: people with a KAM role, and the managers who hold the
    # key clients (two different numbers)
    now = current_kams(team)
    if team is not None and now is None:
        notes.append(reason("note_no_role_column"))
    owner_names = owners.dropna().astype(str).str.strip()
    current_owners = int(owner_names[owner_names != ""].nunique()) \
        if "manager" in canon.columns else None
    # the business case of the whole recommended team (METHODS.md §4)
    plan = kams[["capacity"]].assign(hours=team_plan["hours"].reindex(kams.index).fillna(0.0))
    lines = kam_lines(plan, existing, team, kam_cost=kam_cost, travel=basis["travel"],
                      tools=basis["tools"], overhead_share=params.overhead_share)
    trend = revenue_trend(pnl["revenue_last12"].reindex(key.index)
                          if "revenue_last12" in pnl.columns else None,
                          pnl["revenue_prev12"].reindex(key.index)
                          if "revenue_prev12" in pnl.columns else None)
    # the client teams (support roles' hours per account by its size and complexity, the
    # review sheet's edits replayed): their FTE are the support cost of the business case
    ct = teams_for_step(eng, key, assignment, team, params, years=years, lang=lang)
    notes += ct["notes"]
    support = ct["support"]
    case = dict(kams=lines, basis=basis, annual_revenue=annual_revenue,
                annual_contribution=annual_contribution, trend=trend,
                revenue_by_kam=team_plan["revenue"], params=params, current_kams=now,
                current_owners=current_owners)
    bc = business_case(support=support_costs(support, basis), **case)
    bc_without = business_case(support=support_costs(support.iloc[0:0], basis), **case)
    total_cost = bc["cost"]["total"]
    cost = {**bc["cost"], "n_kams": float(n), "per_kam_market": full_cost}
    expected = params.expected_uplift * annual_revenue
    be: dict[str, Any] = break_even(total_cost, margin_rate=margin_rate,
                                    expected_uplift=expected, subject="the recommended team") \
        if margin_rate and margin_rate > 0 else {"note": "the key clients earn no margin"}
    if "break_even_sales" in be:
        be["scope"] = "team"
    pb: dict[str, Any] = payback(total_cost, annual_contribution, annual_revenue) \
        if annual_contribution > 0 and annual_revenue > 0 else {
            "note": "the key clients earn no margin"}
    be["reason"], pb["reason"] = _economics_reasons(be, pb, total_cost, currency)
    response = adbudg_from_judgement(**params.response_judgement)
    sens = effort_sensitivity(response, base_revenue=annual_revenue,
                              margin_rate=margin_rate or 0.0, cost_per_unit_effort=total_cost)
    kpis, kpi_warnings = propose_kpis(
        key, families=tuple(params.kpi_scheme.weights),
        targets=params.kpi_targets or portfolio_targets(key, params.kpi_scheme))
    difference, staffing = staffing_verdict(now, n)
    short = _growth_short(kpis, bc["needed_uplift"])
    staff_txt = _staffing_sentence(now, difference, lang, owners=current_owners)
    # the people taken from today's team who do not fit the KAM role by the role-fit
    # assessment: the plan counts on them, and says they need developing (or replacing)
    weak = _weak_fit(existing, fit)
    # the recommendation the director can act on
    def served_by(k: str) -> str:
        names = assignment.loc[assignment["kam"] == k, "entity_name"].astype(str)
        return ", ".join(names.head(4)) + (" …" if len(names) > 4 else "")

    who = "; ".join(f"{k}: {served_by(k)}" for k in team_plan.index[:6])
    # the KPIs by their names in the report's language (never their ids)
    kpi_label = load_strings(lang).get
    kpi_names = "; ".join(kpi_label(f"kpi.{k}", k) or k for k in kpis["kpi"].astype(str)) \
        if len(kpis) else "—"
    recommendation = _recommendation(
        lang, n=n, accounts=len(key), hours=total_hours / n, cap=cap, staff_txt=staff_txt,
        bc=bc, currency=currency, who=who, kpis=len(kpis), kpi_names=kpi_names, short=short,
        weak=weak)
    # how the rest of the clients are served: every client in a tier (kamlib.sizing.tiers)
    cand_path = artefact_path(eng, "candidates")
    tiers = service_tiers(pnl.reset_index(), pd.read_parquet(cand_path)
                          if cand_path.exists() else None, params.tiers)
    by_tier = tier_summary(tiers, params.tiers, years=years)
    out.mkdir(parents=True, exist_ok=True)
    tiers.to_parquet(out / step("04").artefact("service_tiers").file)
    assignment.reset_index().to_parquet(out / step("04").artefact("assignment").file)
    team_plan.reset_index().to_parquet(out / step("04").artefact("team_plan").file)
    methods.reset_index().to_parquet(out / step("04").artefact("methods").file)
    ct["teams"].to_parquet(out / step("04").artefact("client_teams").file)
    ct["raci"].to_parquet(out / step("04").artefact("raci").file)
    ct["kpis"].to_parquet(out / step("04").artefact("kam_kpis").file)
    if fit is not None:
        fit.to_parquet(out / step("04").artefact("role_fit").file)
    # the notes in the engagement's language; their codes stay in the summary for any surface
    strings, fmt = load_strings(lang), Formatter(lang, currency)
    said = [say(r, strings, fmt) for r in notes]
    summary = {
        "key_accounts": len(key), "total_hours": total_hours, "hours_per_kam": cap,
        "fte": {m: {k: float(methods.at[m, k]) for k in ("low", "base", "high")}
                for m in methods.index},
        "kams": n, "kams_basis": kams_basis, "current_kams": now,
        # today's people in the plan who do not fit the KAM role (role-fit assessment)
        "weak_fit": weak,
        # the KPI targets' contribution gain below the uplift the business case needs
        "growth_target_short": short,
        "current_owners": current_owners,
        "kams_difference": difference, "staffing": staffing,
        "kam_cost": full_cost, "team_cost": total_cost,
        "key_revenue": key_revenue, "key_contribution": key_contribution, "years": years,
        "key_revenue_annual": annual_revenue, "key_contribution_annual": annual_contribution,
        "assignment": {k: v for k, v in info.items() if k != "workloads"},
        "break_even": be, "payback": pb, "kpis": kpis.to_dict("records"),
        "kpi_warnings": kpi_warnings, "recommendation": recommendation, "notes": said,
        "note_reasons": notes,
        "business_case": business_case_json(bc, currency),
        "tiers": tiers_json(by_tier, params.tiers, years=years),
        **teams_json(ct, bc, bc_without, quadrant_support, fit, params, currency),
        # the second front: the alignment workshop's answers (optional; waiting when empty)
        "alignment": alignment_summary(read_answers(eng.root / "review" / "alignment.xlsx")),
    }
    summary = write_summary("04", out / "summary.json", summary, currency=eng.config.currency)
    return StepResult("04", summary, {
        "methods": methods, "work": work, "assignment": assignment, "assignment_info": info,
        "team_plan": team_plan, "kams": kams, "support": support,
        "economics": {"cost": cost, "break_even": be, "payback": pb, "response": response,
                      "sensitivity": sens, "business_case": bc},
        "kpis": kpis, "kpi_warnings": kpi_warnings, "key": key,
        "client_teams": ct["teams"], "raci": ct["raci"], "complexity": ct["complexity"],
        "kam_kpis": ct["kpis"], "role_fit": fit, "business_case_without_support": bc_without,
        "quadrant_support": quadrant_support,
        "service_tiers": tiers, "tiers": by_tier}, tuple(said))
