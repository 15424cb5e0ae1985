"""The client team of each key account: the KAM, the support roles and their hours, the RACI.

A key account is served by a cross-functional team led by its KAM, with a head of KAM from
top management behind the programme (McDonald & Woodburn 2007, *Key Account Management*,
ch. 9–10; Wilson & Millman 2003, "The global account manager as political entrepreneur",
*Industrial Marketing Management* 32(2) — the KAM coordinates people over whom they have no
authority; Cheverton 2008, *Key Account Management*, on the "key account team").

Hours of support role *r* for key account *a*, a year (:class:`kamlib.config.ClientTeamParams`)::

    hours(a, r) = base_hours[r] × size(a)^size_elasticity × (deep_plan_factor if a has a
                  deep plan, else 1) + Σ_d driver_hours[d][r] × count_d(a)

with size(a) = the account's net revenue ÷ the median key account's, clipped to
``size_index_bounds``, and the complexity drivers *d*: delivery points and branches (distinct
ship-to addresses in the sales, branch records of the legal entity), contacts (step 3) and
orders a year (step 2). Support FTE = Σ hours ÷ ``hours_per_fte``; a person's edit of an
account's hours in ``review/client_teams.xlsx`` replaces the formula's figure.

Pure functions: DataFrames in, DataFrames out. The sheet is :mod:`.team_sheet`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..config import (
    COMPLEXITY_DRIVERS,
    RACI_ACTIVITIES,
    SUPPORT_ROLES,
    TEAM_ROLES,
    ClientTeamParams,
)

__all__ = [
    "COMPLEXITY_DRIVERS",
    "RACI_ACTIVITIES",
    "SUPPORT_ROLES",
    "TEAM_ROLES",
    "account_complexity",
    "client_teams",
    "default_raci",
    "head_of_kam",
    "support_by_role",
    "support_hours",
]

#: roles of the team table that are top management (the head of KAM is chosen among them)
HEAD_ROLE = re.compile(r"руковод|директор|head|director|chief|vp\b|vice", re.IGNORECASE)

#: what each support role does for a key account
ROLE_DUTIES: dict[str, str] = {
    "finance": "controller: account P&L, credit limit, terms, collections",
    "logistics": "supply chain: forecasts, service level, delivery issues",
    "marketing": "trade marketing: joint plans, promotions, category data",
    "service": "customer service: orders, claims, returns",
    "production": "production planning: capacity, specifications, special runs",
}


def account_complexity(key: pd.DataFrame, *, sales: pd.DataFrame | None = None,
                       entities: pd.DataFrame | None = None, years: float = 1.0
                       ) -> pd.DataFrame:
    """Size and complexity of each key account: what drives its support hours.

    Parameters
    ----------
    key : pandas.DataFrame
        Index entity_id; ``net_revenue``, optional ``entity_name``, ``quadrant``,
        ``deep_plan``, ``contacts``, ``orders`` (over the period).
    sales : pandas.DataFrame, optional
        Step 1's sales lines (``entity_id``, optional ``delivery_point``).
    entities : pandas.DataFrame, optional
        Step 1's records (``entity_id``, ``is_branch``).
    years : float
        Length of the period in years (orders are counted a year).

    Returns
    -------
    pandas.DataFrame
        Index entity_id; ``entity_name``, ``quadrant``, ``net_revenue``, ``size_index``
        (unclipped: revenue ÷ the median key account's), ``deep_plan`` and the counts of
        :data:`COMPLEXITY_DRIVERS` (``NaN`` where the data do not say: no hours from it).
    """
    out = pd.DataFrame(index=key.index)
    out["entity_name"] = key["entity_name"] if "entity_name" in key.columns else ""
    out["quadrant"] = key["quadrant"] if "quadrant" in key.columns else None
    rev = pd.to_numeric(key["net_revenue"], errors="coerce").astype(float)
    out["net_revenue"] = rev
    med = float(rev[rev > 0].median()) if (rev > 0).any() else math.nan
    out["size_index"] = rev.clip(lower=0) / med if med > 0 else 1.0
    out["deep_plan"] = key["deep_plan"].fillna(False).astype(bool) \
        if "deep_plan" in key.columns else False
    if sales is not None and "delivery_point" in sales.columns and "entity_id" in sales.columns:
        dp = sales.dropna(subset=["delivery_point"]).groupby("entity_id")["delivery_point"] \
            .nunique()
        out["delivery_points"] = dp.reindex(out.index).fillna(0).astype(float)
    else:
        out["delivery_points"] = np.nan
    if entities is not None and {"entity_id", "is_branch"} <= set(entities.columns):
        br = entities.groupby("entity_id")["is_branch"].sum()
        out["branches"] = br.reindex(out.index).fillna(0).astype(float)
    else:
        out["branches"] = np.nan
    out["contacts"] = pd.to_numeric(key["contacts"], errors="coerce").astype(float) \
        if "contacts" in key.columns else np.nan
    y = years if years and years > 0 else 1.0
    out["orders"] = pd.to_numeric(key["orders"], errors="coerce").astype(float) / y \
        if "orders" in key.columns else np.nan
    return out


def support_hours(complexity: pd.DataFrame, params: ClientTeamParams | None = None
                  ) -> pd.DataFrame:
    """The formula's support hours a year per key account and role (the module's formula).

    Example (defaults): an account at twice the median revenue with a deep plan, 3 branches,
    no delivery-point data, 6 contacts and 200 orders a year → logistics = 16 × √2 × 1.5 +
    1 × 3 + 0.05 × 200 = 33.94 + 3 + 10 = 46.94 h.

    Returns
    -------
    pandas.DataFrame
        Index entity_id; one column per :data:`SUPPORT_ROLES` (hours a year, ≥ 0).
    """
    p = params or ClientTeamParams()
    lo, hi = p.size_index_bounds
    size = complexity["size_index"].astype(float).fillna(1.0).clip(lo, hi)
    deep = complexity["deep_plan"].fillna(False).astype(bool)
    grow = size ** p.size_elasticity * np.where(deep, p.deep_plan_factor, 1.0)
    out = pd.DataFrame(index=complexity.index)
    for role in SUPPORT_ROLES:
        h = float(p.base_hours.get(role, 0.0)) * grow
        for d in COMPLEXITY_DRIVERS:
            rate = float(p.driver_hours.get(d, {}).get(role, 0.0))
            if rate and d in complexity.columns:
                h = h + rate * complexity[d].astype(float).fillna(0.0).clip(lower=0)
        out[role] = h.astype(float).round(2)
    return out


def head_of_kam(team: pd.DataFrame | None, setting: str = "") -> tuple[str | None, str]:
    """Who leads the KAM programme from top management, and where that comes from.

    The setting (``sizing.client_teams.head_of_kam``) if given (``"settings"``); else the
    team table's person with a top-management role (:data:`HEAD_ROLE`) and the highest annual
    cost (``"team_table"``); else ``(None, "missing")`` — to be named.
    """
    if setting.strip():
        return setting.strip(), "settings"
    if team is None or not {"person", "role"} <= set(team.columns):
        return None, "missing"
    heads = team[team["role"].map(lambda r: isinstance(r, str) and bool(HEAD_ROLE.search(r)))]
    if heads.empty:
        return None, "missing"
    if "annual_cost" in heads.columns:
        heads = heads.assign(_c=pd.to_numeric(heads["annual_cost"], errors="coerce")) \
            .sort_values("_c", ascending=False, kind="stable")
    return str(heads["person"].iloc[0]), "team_table"


def client_teams(complexity: pd.DataFrame, kam: pd.Series, *, head: str | None,
                 params: ClientTeamParams | None = None,
                 overrides: pd.DataFrame | None = None) -> pd.DataFrame:
    """The client team of every key account: one row per account and role.

    Parameters
    ----------
    complexity : pandas.DataFrame
        :func:`account_complexity`.
    kam : pandas.Series
        The KAM of each account (index entity_id; step 4's assignment).
    head : str or None
        The head of KAM (:func:`head_of_kam`).
    params : ClientTeamParams, optional
    overrides : pandas.DataFrame, optional
        A person's edits (:func:`.team_sheet.read_client_teams`): ``entity_id``, ``role``,
        ``hours`` (NaN: keep the formula's), ``person``.

    Returns
    -------
    pandas.DataFrame
        ``entity_id``, ``entity_name``, ``role`` (``kam``, ``head_of_kam`` and the support
        roles), ``person`` (the KAM, the head, or the name a person gave), ``hours_formula``,
        ``hours`` (the edit if any, else the formula's; the KAM's and the head's are not
        counted here: NaN), ``source`` (``formula`` / ``sheet``).
    """
    p = params or ClientTeamParams()
    hours = support_hours(complexity, p)
    edits: dict[tuple[str, str], tuple[float, object]] = {}
    if overrides is not None and len(overrides):
        for r in overrides.itertuples(index=False):
            edits[(str(r.entity_id), str(r.role))] = (float(r.hours), r.person)
    rows = []
    for eid, c in complexity.iterrows():
        name = c["entity_name"]
        rows.append({"entity_id": str(eid), "entity_name": name, "role": "kam",
                     "person": kam.get(eid), "hours_formula": np.nan, "hours": np.nan,
                     "source": "assignment"})
        rows.append({"entity_id": str(eid), "entity_name": name, "role": "head_of_kam",
                     "person": head, "hours_formula": np.nan, "hours": np.nan,
                     "source": "settings"})
        for role in SUPPORT_ROLES:
            f = float(hours.at[eid, role])
            h, person = edits.get((str(eid), role), (math.nan, None))
            src = "sheet" if math.isfinite(h) else "formula"
            rows.append({"entity_id": str(eid), "entity_name": name, "role": role,
                         "person": None if person is None or (isinstance(person, float)
                                                              and math.isnan(person))
                         else str(person),
                         "hours_formula": f, "hours": h if math.isfinite(h) else f,
                         "source": src})
    return pd.DataFrame(rows, columns=["entity_id", "entity_name", "role", "person",
                                       "hours_formula", "hours", "source"])


def support_by_role(teams: pd.DataFrame, hours_per_fte: float) -> pd.DataFrame:
    """Support hours and FTE per role over all client teams (as :mod:`.business_case` costs
    them): ``role``, ``accounts`` (with hours > 0), ``hours``, ``fte`` (= hours ÷
    ``hours_per_fte``), ``who_what``.

    Example: finance 30 + 20.5 h on two accounts, 1,700 h an FTE → 50.5 h, 0.0297 FTE.
    """
    if not hours_per_fte > 0:
        raise ValueError(f"hours_per_fte must be > 0, got {hours_per_fte!r}")
    sup = teams[teams["role"].isin(SUPPORT_ROLES)]
    rows = []
    for role in SUPPORT_ROLES:
        h = sup.loc[sup["role"] == role, "hours"].astype(float)
        rows.append({"role": role, "accounts": int((h > 0).sum()), "hours": float(h.sum()),
                     "fte": float(h.sum()) / float(hours_per_fte),
                     "who_what": ROLE_DUTIES[role]})
    return pd.DataFrame(rows, columns=["role", "accounts", "hours", "fte", "who_what"])


def default_raci(accounts: pd.DataFrame,
                 raci: Mapping[str, Mapping[str, str]] | None = None) -> pd.DataFrame:
    """The RACI of every key account pre-filled with the defaults (one row per account and
    activity; one column per :data:`TEAM_ROLES`, letters R / A / C / I or empty).

    ``accounts`` has index entity_id and ``entity_name``; ``raci`` defaults to
    :class:`ClientTeamParams`'s.
    """
    table = raci if raci is not None else ClientTeamParams().raci
    rows = []
    for eid, name in zip(accounts.index, accounts["entity_name"], strict=True):
        for act in RACI_ACTIVITIES:
            per = table.get(act, {})
            rows.append({"entity_id": str(eid), "entity_name": name, "activity": act,
                         **{r: str(per.get(r, "")) for r in TEAM_ROLES}})
    return pd.DataFrame(rows, columns=["entity_id", "entity_name", "activity", *TEAM_ROLES])


def apply_raci(default: pd.DataFrame, edited: pd.DataFrame | None) -> pd.DataFrame:
    """The default RACI with a person's edited rows (same ``entity_id`` and ``activity``) in
    place of the defaults; ``source`` is ``sheet`` where a row differs from the default,
    else ``default``."""
    out = default.copy()
    out["source"] = "default"
    if edited is None or edited.empty:
        return out
    ed = edited.set_index(["entity_id", "activity"])
    keys = list(zip(out["entity_id"], out["activity"], strict=True))
    for i, k in enumerate(keys):
        if k in ed.index:
            changed = False
            for r in TEAM_ROLES:
                v = str(ed.at[k, r])
                changed |= v != out.iat[i, out.columns.get_loc(r)]
                out.iat[i, out.columns.get_loc(r)] = v
            if changed:
                out.iat[i, out.columns.get_loc("source")] = "sheet"
    return out
