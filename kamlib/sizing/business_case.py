"""The KAM team's business case, incremental: what a CFO asks (METHODS.md §4).

Pure functions: the team table, the team plan and the key clients' figures in; dicts and
DataFrames out. No I/O.

- **Programme cost** = new KAM hires at the market cost + the share of existing people's time
  moved to key accounts (at their own cost from the team table) + support FTE × their cost +
  tools and travel (+ the overhead share on the KAMs' cost, as in :func:`.economics.team_cost`).
  The existing people's time is shown apart as *re-allocated, not new cash*.
- **Benefit** = uplift × the key clients' yearly contribution, low / base / high; the uplift
  needed to pay back the programme (programme cost ÷ yearly key contribution) is set beside
  the key clients' actual revenue trend (last 12 months ÷ previous 12 − 1).
- **Break-even** of the whole recommended team (Zoltners, Sinha & Lorimer 2006, *The Complete
  Guide to Sales Force Sizing*): B = programme cost ÷ margin rate; ratio = expected incremental
  sales ÷ B (worth it while > 1) — never one KAM against all clients.
- **Key-person risk** on our side: the largest share of key revenue held by one KAM after the
  assignment (> 25% is a risk to name).

Money is in the engagement's currency. The built-in money defaults of :class:`SizingParams`
are in ``sizing.cost_currency``; in an engagement with another currency they are never used as
they are (see :func:`cost_basis`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ..config import SizingParams
from ..errors import ConfigError
from ..units import money, reason

__all__ = [
    "SUPPORT_ROLE",
    "business_case_json",
    "choose_existing",
    "cost_basis",
    "is_kam_role",
    "kam_lines",
    "key_person_risk",
    "programme",
    "revenue_trend",
    "scenarios",
    "support_costs",
    "verdict",
]

#: roles of the team table that do the support work of :func:`.economics.support_team`
#: (ru / en), matched on the role's text.
SUPPORT_ROLE: dict[str, re.Pattern[str]] = {
    "finance": re.compile(r"финанс|бухгалт|контролл|казнач|кредитн|financ|accountant|"
                          r"accounting|controll|credit|treasur", re.IGNORECASE),
    "logistics": re.compile(r"логист|склад|снабж|logist|supply|warehouse", re.IGNORECASE),
    "marketing": re.compile(r"маркет|marketing|trade market|brand|бренд", re.IGNORECASE),
    "service": re.compile(r"сервис|обслужив|поддержк|претенз|service|customer care|"
                          r"support", re.IGNORECASE),
    "production": re.compile(r"производ|технолог|planning|production|plant|manufactur",
                             re.IGNORECASE),
}


def is_kam_role(role: object) -> bool:
    """Whether a team-table role names a key account manager (:data:`kamlib.sizing.KAM_ROLE`)."""
    from . import KAM_ROLE

    return isinstance(role, str) and bool(KAM_ROLE.search(role))


def _costed(team: pd.DataFrame | None) -> pd.DataFrame:
    """The team table's people with a positive annual cost (empty frame if none)."""
    if team is None or not {"person", "annual_cost"} <= set(team.columns):
        return pd.DataFrame(columns=["person", "role", "annual_cost"])
    t = team.copy()
    t["annual_cost"] = pd.to_numeric(t["annual_cost"], errors="coerce")
    if "role" not in t.columns:
        t["role"] = None
    return t[t["annual_cost"] > 0]


# --------------------------------------------------------------------------- cost basis


def cost_basis(team: pd.DataFrame | None, params: SizingParams, currency: str, *,
               support_roles: Iterable[str] = ("finance", "logistics", "marketing", "service"),
               ) -> dict[str, Any]:
    """The unit costs of the programme, each with where it comes from, in ``currency``.

    - **KAM market cost** (a new hire, a year): ``sizing.kam_annual_cost`` if > 0; else the
      median ``annual_cost`` of the team table's people with a KAM role; else
      ``sizing.default_kam_cost``.
    - **Travel and tools per KAM**: ``sizing.travel_per_kam`` + ``sizing.tools_per_kam``.
    - **Support cost per FTE and role**: the median ``annual_cost`` of the team table's people
      in that role (:data:`SUPPORT_ROLE`); else ``sizing.support_annual_cost`` if > 0; else
      ``sizing.support_cost_share`` × the KAM market cost (an assumption, without a unit).

    The money settings are in ``sizing.cost_currency``. When it is not the engagement's
    currency, a setting is never used as it is: if the KAM cost comes from the team table (in
    the engagement's currency), travel, tools and support are taken at their ratio to
    ``sizing.default_kam_cost`` (two amounts in one currency: a ratio has no unit) × the team
    table's KAM cost, and each such step is an ``assumption`` (``default_scaled_to_kam_cost``);
    otherwise a :class:`~kamlib.errors.ConfigError` names the settings to fill.

    Example: cost_currency RUB, engagement EUR, team-table KAMs at 110,000 and 107,000 EUR →
    market cost 108,500 EUR; travel 300,000 ÷ 3,600,000 × 108,500 = 9,041.67 EUR.

    Parameters
    ----------
    team : pandas.DataFrame or None
        The team table (``person``, ``role``, ``annual_cost``).
    params : SizingParams
        Step 4's settings.
    currency : str
        The engagement's currency (ISO 4217).
    support_roles : iterable of str
        The support roles to cost (the ``role`` column of :func:`.economics.support_team`).

    Returns
    -------
    dict
        ``kam_cost`` (float), ``kam_cost_source`` (a reason), ``travel``, ``tools`` (floats per
        KAM), ``support`` ({role: (annual cost per FTE, source, from_team)}), ``assumptions``
        (a list of reasons, to print on the summary page).

    Raises
    ------
    ConfigError
        The money settings are in another currency and the team table gives no KAM cost.
    """
    costed = _costed(team)
    kams = costed[costed["role"].map(is_kam_role)]
    foreign = params.cost_currency != currency
    assumptions: list[dict[str, Any]] = []
    missing: list[str] = []
    anchored = False
    if params.kam_annual_cost > 0 and not foreign:
        kam_cost, source = float(params.kam_annual_cost), reason(
            "kam_cost_from_settings", setting="sizing.kam_annual_cost")
        anchored = True
    elif params.kam_annual_cost > 0:  # a setting in another currency: never used as it is
        kam_cost, source = math.nan, reason("kam_cost_missing")
        missing.append("sizing.kam_annual_cost")
    elif len(kams):
        kam_cost = float(kams["annual_cost"].median())
        source = reason("kam_cost_from_team_table", people=len(kams),
                        median=money(float(kam_cost), currency))
        anchored = True
    elif not foreign:
        kam_cost = float(params.default_kam_cost)
        source = reason("kam_cost_default", setting="sizing.default_kam_cost")
        assumptions.append(reason("default_cost_used", setting="sizing.default_kam_cost",
                                  amount=money(kam_cost, currency)))
    else:
        kam_cost, source = math.nan, reason("kam_cost_missing")
        missing.append("sizing.kam_annual_cost")

    def setting(name: str) -> float:
        value = float(getattr(params, name))
        if not foreign:
            if value > 0:
                assumptions.append(reason("cost_from_settings", setting=f"sizing.{name}",
                                          amount=money(value, currency)))
            return value
        if value == 0:
            return 0.0  # nothing has no currency
        if anchored and params.default_kam_cost > 0:
            ratio = value / float(params.default_kam_cost)
            amount = ratio * kam_cost
            assumptions.append(reason(
                "default_scaled_to_kam_cost", setting=f"sizing.{name}",
                default=money(value, params.cost_currency),
                default_kam_cost=money(params.default_kam_cost, params.cost_currency),
                cost_ratio=round(ratio, 6), amount=money(amount, currency)))
            return amount
        missing.append(f"sizing.{name}")
        return math.nan

    travel = setting("travel_per_kam")
    tools = setting("tools_per_kam")
    support: dict[str, tuple[float, dict[str, Any], bool]] = {}
    fallback: float | None = None
    for role in support_roles:
        pattern = SUPPORT_ROLE.get(role)
        people = costed[costed["role"].map(
            lambda r, p=pattern: p is not None and isinstance(r, str) and bool(p.search(r))
            and not is_kam_role(r))] if len(costed) else costed
        by_role = params.client_teams.support_cost_by_role.get(role, 0.0)
        if len(people):
            cost = float(people["annual_cost"].median())
            support[role] = (cost, reason("support_cost_from_team_table", role=role,
                                          people=len(people)), True)
        elif by_role > 0:
            cost = by_role if not foreign else (
                by_role / float(params.default_kam_cost) * kam_cost
                if anchored and params.default_kam_cost > 0 else math.nan)
            if not math.isfinite(cost):
                missing.append(f"sizing.client_teams.support_cost_by_role.{role}")
            else:
                assumptions.append(reason("cost_from_settings",
                                          setting=f"sizing.client_teams.support_cost_by_role."
                                                  f"{role}", amount=money(cost, currency)))
            support[role] = (cost, reason("support_cost_from_settings", role=role), False)
        else:
            if fallback is None:
                if params.support_annual_cost > 0:
                    fallback = setting("support_annual_cost")
                else:  # a ratio has no currency: the same in any engagement
                    fallback = params.support_cost_share * kam_cost
                    if math.isfinite(fallback):
                        assumptions.append(reason(
                            "support_cost_share_of_kam_cost", setting="sizing.support_cost_share",
                            cost_share=params.support_cost_share,
                            amount=money(fallback, currency)))
            support[role] = (fallback, reason("support_cost_from_settings", role=role),
                             False)
    if missing:
        names = list(dict.fromkeys(missing))
        raise ConfigError(
            f"the KAM team's costs are not known in {currency}: the cost settings of step 4 "
            f"are in {params.cost_currency} (sizing.cost_currency) and the team table gives "
            "no cost of a key account manager",
            value=", ".join(names),
            hint=f"in engagement.yaml set sizing.cost_currency: {currency} and give "
                 f"{', '.join(names)} in {currency} (or add the KAMs' annual cost to the "
                 "team table)")
    return {"kam_cost": kam_cost, "kam_cost_source": source, "travel": travel,
            "tools": tools, "support": support, "assumptions": assumptions}


# --------------------------------------------------------------------------- who becomes a KAM


def choose_existing(team: pd.DataFrame | None, owner_revenue: pd.Series, n: int, *,
                    fit: pd.Series | None = None) -> list[str]:
    """The existing people who become the recommended team's KAMs, at most ``n``.

    First the team table's people with a KAM role (most key revenue held first, then in the
    table's order), then the current owners of the most key revenue (METHODS.md §4: keep the
    relationships). The rest of the team are new hires.

    Example: KAM-role people Anna (owns 0) and Boris (owns 5); owners Carl 9, Boris 5, Dina 1;
    n = 3 → [Boris, Anna, Carl]. With ``fit`` (:func:`.role_fit.role_fit`: person → fit
    0–1) the owners after the KAM-role people are ranked by their fit to the KAM role, then
    by key revenue: fit Dina 0.8, Carl 0.4 → [Boris, Anna, Dina].

    Parameters
    ----------
    team : pandas.DataFrame or None
        The team table (``person``, ``role``).
    owner_revenue : pandas.Series
        Key revenue by current owner (index: the owner's name as in the team table).
    n : int
        Recommended number of KAMs.
    fit : pandas.Series, optional
        Each person's fit to the KAM role (index: the name as in the team table).

    Returns
    -------
    list of str
    """
    held = owner_revenue[owner_revenue.index.notna()].astype(float)
    held = held[[isinstance(i, str) and i.strip() != "" for i in held.index]]
    chosen: list[str] = []
    if team is not None and {"person", "role"} <= set(team.columns):
        people = [str(p) for p, r in zip(team["person"], team["role"], strict=True)
                  if is_kam_role(r) and isinstance(p, str)]
        order = {p: i for i, p in enumerate(people)}
        chosen = sorted(dict.fromkeys(people), key=lambda p: (-float(held.get(p, 0.0)),
                                                              order[p]))
    order = held[held > 0].sort_values(ascending=False, kind="stable")
    if fit is not None:
        f = pd.to_numeric(fit, errors="coerce")
        order = order.to_frame("held").assign(
            fit=[float(f.get(o, -1.0)) for o in order.index]).sort_values(
            ["fit", "held"], ascending=False, kind="stable")["held"]
    for owner in order.index:
        if owner not in chosen:
            chosen.append(str(owner))
    return chosen[:n]


def kam_lines(plan: pd.DataFrame, existing: Sequence[str], team: pd.DataFrame | None, *,
              kam_cost: float, travel: float, tools: float, overhead_share: float,
              ) -> pd.DataFrame:
    """The recommended KAMs costed one by one: existing people's moved time vs new hires.

    - an **existing** person (in ``existing``): their ``annual_cost`` from the team table (the
      market cost if the table does not give it) × the share of their time moved to key
      accounts (their hours in the plan ÷ their capacity, at most 1) × (1 + overhead share) —
      re-allocated, not new cash;
    - a **new hire**: the market cost × (1 + overhead share) — new cash;
    - every KAM: travel + tools — new cash.

    Example: Anna 2,400,000 with 1,008 h of 1,344 (0.75) → 1,800,000 × 1.3 = 2,340,000
    re-allocated; a new hire at 2,700,000 → 3,510,000 new cash; travel 300,000 each.

    Parameters
    ----------
    plan : pandas.DataFrame
        One row per KAM (index: name) with ``hours`` and ``capacity``.
    existing : sequence of str
        The KAMs who are existing people (:func:`choose_existing`).
    team : pandas.DataFrame or None
        The team table (``person``, ``annual_cost``).
    kam_cost, travel, tools : float
        Market cost of a new KAM, travel and tools per KAM, a year.
    overhead_share : float
        Overhead on top of the KAM's cost (``sizing.overhead_share``).

    Returns
    -------
    pandas.DataFrame
        Index ``kam``; ``status`` ("existing" / "new"), ``annual_cost``, ``cost_source``
        ("team_table" / "market"), ``time_share``, ``people_cost`` (incl. overhead),
        ``travel_tools``, ``reallocated``, ``new_cash``, ``total``.
    """
    costed = _costed(team)
    own = dict(zip(costed["person"].astype(str), costed["annual_cost"].astype(float),
                   strict=True))
    rows = []
    for k, r in plan.iterrows():
        name = str(k)
        cap = float(r["capacity"])
        if name in existing:
            annual = own.get(name)
            source = "team_table" if annual is not None else "market"
            annual = kam_cost if annual is None else annual
            share = min(float(r["hours"]) / cap, 1.0) if cap > 0 else 1.0
            people = annual * share * (1 + overhead_share)
            realloc, new = people, travel + tools
        else:
            annual, source, share = kam_cost, "market", 1.0
            people = annual * (1 + overhead_share)
            realloc, new = 0.0, people + travel + tools
        rows.append({"kam": name, "status": "existing" if name in existing else "new",
                     "annual_cost": annual, "cost_source": source, "time_share": share,
                     "people_cost": people, "travel_tools": travel + tools,
                     "reallocated": realloc, "new_cash": new, "total": realloc + new})
    return pd.DataFrame(rows).set_index("kam")


def support_costs(support: pd.DataFrame, basis: dict[str, Any]) -> pd.DataFrame:
    """Support FTE × their cost, per role (METHODS.md §4).

    A role with people in the team table is costed at their median cost and counted as
    re-allocated time of existing people; a role without is costed at
    ``sizing.support_annual_cost`` and counted as new cash (the capacity must be hired or
    bought).

    Example: finance 0.5 FTE × 1,800,000 (a finance person in the team table) = 900,000
    re-allocated; logistics 0.2 FTE × 1,500,000 (setting) = 300,000 new cash.

    Parameters
    ----------
    support : pandas.DataFrame
        :func:`.economics.support_team`: ``role``, ``hours``, ``fte``.
    basis : dict
        :func:`cost_basis`.

    Returns
    -------
    pandas.DataFrame
        ``role``, ``hours``, ``fte``, ``annual_cost`` (per FTE), ``cost``, ``status``
        ("existing" / "new"), ``reallocated``, ``new_cash``.
    """
    rows = []
    for _, r in support.iterrows():
        per, _source, existing = basis["support"][r["role"]]
        cost = float(r["fte"]) * float(per)
        rows.append({"role": r["role"], "hours": float(r["hours"]), "fte": float(r["fte"]),
                     "annual_cost": float(per), "cost": cost,
                     "status": "existing" if existing else "new",
                     "reallocated": cost if existing else 0.0,
                     "new_cash": 0.0 if existing else cost})
    return pd.DataFrame(rows, columns=["role", "hours", "fte", "annual_cost", "cost", "status",
                                       "reallocated", "new_cash"])


def programme(kams: pd.DataFrame, support: pd.DataFrame) -> dict[str, float]:
    """The programme's yearly cost, itemised, with new cash apart from re-allocated time.

    total = new hires + existing people's moved time + support + travel and tools
    = new cash + re-allocated.

    Example: existing 2,340,000 + 2,925,000; one hire 3,510,000; travel 3 × 300,000; support
    900,000 (existing) + 300,000 (new) → total 10,875,000, new cash 4,710,000, re-allocated
    6,165,000.

    Parameters
    ----------
    kams : pandas.DataFrame
        :func:`kam_lines`.
    support : pandas.DataFrame
        :func:`support_costs`.

    Returns
    -------
    dict
        ``new_hires``, ``existing_time``, ``support``, ``support_reallocated``,
        ``support_new_cash``, ``travel_tools``, ``new_cash``, ``reallocated``, ``total``.
    """
    new = kams["status"] == "new"
    out = {
        "new_hires": float(kams.loc[new, "people_cost"].sum()),
        "existing_time": float(kams.loc[~new, "people_cost"].sum()),
        "support": float(support["cost"].sum()),
        "support_reallocated": float(support["reallocated"].sum()),
        "support_new_cash": float(support["new_cash"].sum()),
        "travel_tools": float(kams["travel_tools"].sum()),
    }
    out["new_cash"] = out["new_hires"] + out["travel_tools"] + out["support_new_cash"]
    out["reallocated"] = out["existing_time"] + out["support_reallocated"]
    out["total"] = out["new_cash"] + out["reallocated"]
    return out


# --------------------------------------------------------------------------- benefit


def revenue_trend(last12: pd.Series | None, prev12: pd.Series | None) -> float | None:
    """The key clients' yearly revenue trend: Σ last 12 months ÷ Σ previous 12 months − 1.

    Over the clients where both are known; ``None`` when the previous year sums to ≤ 0 or the
    data are missing. Example: (94 + 0) ÷ (100 + 0) − 1 = −0.06.
    """
    if last12 is None or prev12 is None:
        return None
    a = pd.to_numeric(last12, errors="coerce")
    b = pd.to_numeric(prev12, errors="coerce")
    ok = a.notna() & b.notna()
    den = float(b[ok].sum())
    return float(a[ok].sum()) / den - 1.0 if ok.any() and den > 0 else None


def scenarios(uplifts: dict[str, float], *, annual_contribution: float, annual_revenue: float,
              cost: float) -> pd.DataFrame:
    """Benefit of the programme under each uplift: uplift × the key clients' yearly figures.

    incremental contribution = u × yearly key contribution; incremental revenue = u × yearly
    key revenue; net = incremental contribution − programme cost.

    Example: u = 0.05, contribution 40,000,000, cost 1,500,000 → 2,000,000, net 500,000.

    Returns
    -------
    pandas.DataFrame
        Index ``scenario``; ``uplift_ratio``, ``incremental_contribution``,
        ``incremental_revenue``, ``net``.
    """
    rows = [{"scenario": name, "uplift_ratio": float(u),
             "incremental_contribution": float(u) * annual_contribution,
             "incremental_revenue": float(u) * annual_revenue,
             "net": float(u) * annual_contribution - cost} for name, u in uplifts.items()]
    return pd.DataFrame(rows).set_index("scenario")


def verdict(needed: float | None, trend: float | None, uplifts: dict[str, float]
            ) -> dict[str, Any]:
    """Whether the programme pays back, as a reason code with the figures that decided it.

    - ``no_margin``: the key clients earn no contribution (nothing to pay back from);
    - ``needs_growth_against_trend``: an uplift is needed (> 0) while the key clients shrink
      (trend < 0) — to be said on the summary page;
    - ``pays_back``: needed ≤ base uplift (and the trend ≥ 0 or unknown);
    - ``pays_back_only_at_high_uplift``: base < needed ≤ high;
    - ``does_not_pay_back``: needed > high.

    Example: needed 0.14, trend −0.06 → ``needs_growth_against_trend``.
    """
    args = {"needed_uplift_ratio": None if needed is None else round(needed, 6),
            "revenue_trend_ratio": None if trend is None else round(trend, 6),
            "base_uplift_ratio": uplifts["base"], "high_uplift_ratio": uplifts["high"]}
    if needed is None:
        return reason("no_margin", **args)
    if trend is not None and trend < 0 and needed > 0:
        return reason("needs_growth_against_trend", **args)
    if needed <= uplifts["base"]:
        return reason("pays_back", **args)
    if needed <= uplifts["high"]:
        return reason("pays_back_only_at_high_uplift", **args)
    return reason("does_not_pay_back", **args)


def key_person_risk(revenue_by_kam: pd.Series, threshold: float = 0.25) -> dict[str, Any]:
    """Key-person risk on our side: the largest share of key revenue held by one KAM.

    METHODS.md §4: more than ``threshold`` (25%) of key revenue with one KAM is a risk to
    name. Example: 40 / 30 / 30 → 0.40 with the first KAM: flagged.

    Returns
    -------
    dict
        ``kam`` (the name), ``revenue_share``, ``threshold_share`` and ``flag`` (a reason
        ``key_person_risk`` or ``None``).
    """
    rev = pd.to_numeric(revenue_by_kam, errors="coerce").fillna(0.0)
    total = float(rev.sum())
    if total <= 0 or rev.empty:
        return {"kam": None, "revenue_share": None, "threshold_share": threshold, "flag": None}
    kam = str(rev.idxmax())
    share = float(rev.max()) / total
    flag = reason("key_person_risk", kam=kam, revenue_share=round(share, 6),
                  threshold_share=threshold) if share > threshold else None
    return {"kam": kam, "revenue_share": share, "threshold_share": threshold, "flag": flag}


# --------------------------------------------------------------------------- the whole case


def business_case(*, kams: pd.DataFrame, support: pd.DataFrame, basis: dict[str, Any],
                  annual_revenue: float, annual_contribution: float,
                  trend: float | None, revenue_by_kam: pd.Series, params: SizingParams,
                  current_kams: int | None, current_owners: int | None) -> dict[str, Any]:
    """The business case of the recommended team (METHODS.md §4), in floats.

    needed uplift = programme cost ÷ yearly key contribution; break-even of the whole team
    (Zoltners, Sinha & Lorimer 2006): B = programme cost ÷ margin rate, ratio = base uplift ×
    yearly key revenue ÷ B (which equals base uplift ÷ needed uplift).

    Example: cost 10,875,000; contribution 40,000,000 on revenue 200,000,000 (m = 0.2):
    needed 0.2719; B = 54,375,000; expected 0.05 × 200,000,000 = 10,000,000; ratio 0.184.

    Parameters
    ----------
    kams, support : pandas.DataFrame
        :func:`kam_lines` and :func:`support_costs`.
    basis : dict
        :func:`cost_basis`.
    annual_revenue, annual_contribution : float
        The key clients' yearly net revenue and contribution.
    trend : float or None
        :func:`revenue_trend`.
    revenue_by_kam : pandas.Series
        Key revenue per KAM after the assignment.
    params : SizingParams
        ``expected_uplift`` (base), ``uplift_low_high``, ``key_person_share``.
    current_kams, current_owners : int or None
        People with a KAM role in the team table; distinct current owners of the key clients.

    Returns
    -------
    dict
        ``kams``, ``support``, ``cost`` (:func:`programme`), ``uplifts``, ``scenarios``,
        ``needed_uplift``, ``new_cash_uplift``, ``margin_rate``, ``break_even``, ``trend``,
        ``verdict``, ``key_person``, counts and ``assumptions``.
    """
    low, high = params.uplift_low_high
    base = params.expected_uplift
    if not low <= base <= high:
        raise ConfigError("the uplift scenarios are not in order: low ≤ base ≤ high",
                          value=f"{low} / {base} / {high}",
                          hint="sizing.uplift_low_high brackets sizing.expected_uplift, "
                               "e.g. [0.02, 0.10] around 0.05")
    uplifts = {"low": float(low), "base": float(base), "high": float(high)}
    cost = programme(kams, support)
    total = cost["total"]
    contribution_ok = annual_contribution > 0 and annual_revenue > 0
    needed = total / annual_contribution if contribution_ok else None
    new_cash_needed = cost["new_cash"] / annual_contribution if contribution_ok else None
    margin = annual_contribution / annual_revenue if contribution_ok else None
    be: dict[str, Any] = {"cost": total, "margin_rate": margin, "break_even_sales": None,
                          "expected_incremental_sales": base * annual_revenue, "ratio": None}
    if margin:
        b = total / margin
        be["break_even_sales"] = b
        be["ratio"] = be["expected_incremental_sales"] / b if b > 0 else None
    existing = int((kams["status"] == "existing").sum())
    assumptions = list(basis["assumptions"])
    for name, r in kams.iterrows():
        if r["status"] == "existing" and r["cost_source"] == "market":
            assumptions.append(reason("existing_person_costed_at_market", kam=str(name)))
    return {
        "kams": kams, "support": support, "cost": cost, "uplifts": uplifts,
        "scenarios": scenarios(uplifts, annual_contribution=annual_contribution,
                               annual_revenue=annual_revenue, cost=total),
        "needed_uplift": needed, "new_cash_uplift": new_cash_needed, "margin_rate": margin,
        "break_even": be, "trend": trend, "verdict": verdict(needed, trend, uplifts),
        "key_person": key_person_risk(revenue_by_kam, params.key_person_share),
        "recommended": len(kams), "existing": existing, "new_hires": len(kams) - existing,
        "current_kams": current_kams, "current_owners": current_owners,
        "annual_revenue": annual_revenue, "annual_contribution": annual_contribution,
        "market_kam_cost": basis["kam_cost"], "kam_cost_source": basis["kam_cost_source"],
        "assumptions": assumptions,
    }


def _ratio(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def business_case_json(bc: dict[str, Any], currency: str) -> dict[str, Any]:
    """The business case for ``summary.json``: money with its currency
    (:func:`kamlib.units.money`), ratios as fractions (keys ending in ``_ratio`` / ``_share``),
    counts as ints, decisions and flags as reason codes (:func:`kamlib.units.reason`)."""
    def m(x: float | None) -> dict[str, str] | None:
        return None if x is None or not math.isfinite(x) else money(float(x), currency)

    c = bc["cost"]
    be = bc["break_even"]
    kp = bc["key_person"]
    return {
        "kams": {"recommended": int(bc["recommended"]), "existing": int(bc["existing"]),
                 "new_hires": int(bc["new_hires"])},
        "current_kams": bc["current_kams"], "current_owners": bc["current_owners"],
        "market_kam_cost": m(bc["market_kam_cost"]), "kam_cost_source": bc["kam_cost_source"],
        "team": [{"kam": str(k), "status": r["status"], "annual_cost": m(r["annual_cost"]),
                  "cost_source": r["cost_source"], "time_share": _ratio(r["time_share"]),
                  "people_cost": m(r["people_cost"]), "travel_tools": m(r["travel_tools"]),
                  "reallocated": m(r["reallocated"]), "new_cash": m(r["new_cash"]),
                  "total": m(r["total"])} for k, r in bc["kams"].iterrows()],
        "support": [{"role": r["role"], "hours": float(r["hours"]),
                     "fte": round(float(r["fte"]), 4),
                     "annual_cost": m(r["annual_cost"]), "cost": m(r["cost"]),
                     "status": r["status"]} for _, r in bc["support"].iterrows()],
        "cost": {k: m(v) for k, v in c.items()},
        "key_revenue_annual": m(bc["annual_revenue"]),
        "key_contribution_annual": m(bc["annual_contribution"]),
        "margin_ratio": _ratio(bc["margin_rate"]),
        "needed_uplift_ratio": _ratio(bc["needed_uplift"]),
        "new_cash_uplift_ratio": _ratio(bc["new_cash_uplift"]),
        "revenue_trend_ratio": _ratio(bc["trend"]),
        "scenarios": [{"scenario": str(s), "uplift_ratio": _ratio(r["uplift_ratio"]),
                       "incremental_contribution": m(r["incremental_contribution"]),
                       "incremental_revenue": m(r["incremental_revenue"]), "net": m(r["net"])}
                      for s, r in bc["scenarios"].iterrows()],
        "break_even": {"programme_cost": m(be["cost"]),
                       "break_even_sales": m(be["break_even_sales"]),
                       "expected_incremental_sales": m(be["expected_incremental_sales"]),
                       "break_even_ratio": _ratio(be["ratio"]),
                       "source": "Zoltners, Sinha & Lorimer 2006"},
        "verdict": bc["verdict"],
        "key_person": {"kam": kp["kam"], "revenue_share": _ratio(kp["revenue_share"]),
                       "threshold_share": kp["threshold_share"], "flag": kp["flag"]},
        "assumptions": bc["assumptions"],
    }
