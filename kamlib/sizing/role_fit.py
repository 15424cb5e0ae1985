"""The KAM role profile and how today's managers fit it (from the team table and the data).

A KAM is not the salesperson with the biggest clients: the role asks for business acumen,
building relationships across the client's functions and up to its top management, and
leading a team without authority over it (McDonald & Woodburn 2007, ch. 11, "the KAM role
and competences"; Wilson & Millman 2003, the KAM as political entrepreneur; Cheverton 2008).
The profile's competence blocks are measured, where the data allow, on each manager's own
clients (the client catalogue's manager; the contacts' owner):

- ``key_experience``: ½ × already in a KAM role + ½ × the key revenue they hold ÷ the most
  any manager holds (the revenue they hold is one part of the fit, not all of it);
- ``relationship_depth``: contacts they own per client they are in touch with ÷
  ``contacts_for_full_marks`` (≤ 1);
- ``senior_access``: share of those clients where they own a top-level contact;
- ``cross_functional``: distinct client functions they reach per client ÷
  ``functions_for_full_marks`` (≤ 1);
- ``portfolio_growth`` and ``portfolio_margin``: their portfolio's revenue trend (last 12
  months ÷ previous 12 − 1) and contribution margin, as the percentile rank among the
  managers (0–1).

fit = Σ weight × component (:class:`kamlib.config.RoleFitParams`). A component without data
scores 0 and is named in ``missing``. Pure functions, no I/O.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..config import FIT_COMPONENTS, RoleFitParams
from .client_teams import HEAD_ROLE

__all__ = ["COMPETENCES", "FIT_COMPONENTS", "RESPONSIBILITIES", "role_fit"]

#: the KAM's responsibilities (texts in templates/i18n/*/report.yaml, ``role.resp.<key>``)
RESPONSIBILITIES = ("account_plan", "client_team", "relationships", "value_proposition",
                    "pricing_terms", "forecast_results")
#: competence block → the component of the fit that measures it
COMPETENCES: dict[str, str] = {
    "key_account_experience": "key_experience",
    "relationship_building": "relationship_depth",
    "strategic_access": "senior_access",
    "internal_leadership": "cross_functional",
    "growth_orientation": "portfolio_growth",
    "business_acumen": "portfolio_margin",
}
_TOP_LEVEL = re.compile(r"высш|топ|top|senior|executive|c-level|board|руковод", re.IGNORECASE)
_SUPPORT = re.compile(r"финанс|бухгалт|логист|склад|маркет|сервис|производ|financ|accountant|"
                      r"logist|warehouse|marketing|service|production", re.IGNORECASE)


def _person_key(name: object) -> str | None:
    if not isinstance(name, str) or not name.strip():
        return None
    words = name.replace(".", " ").casefold().replace("ё", "е").split()
    return " ".join([words[0], *(w[0] for w in words[1:3])]) if words else None


def role_fit(team: pd.DataFrame, *, owners: pd.Series, pnl: pd.DataFrame,
             key_ids: pd.Index, contacts: pd.DataFrame | None = None,
             params: RoleFitParams | None = None) -> pd.DataFrame:
    """The fit of each manager of the team table to the KAM role, with its components.

    Parameters
    ----------
    team : pandas.DataFrame
        The team table: ``person``, optional ``role``. Top management and support roles are
        left out.
    owners : pandas.Series
        Each client's manager (index entity_id) as the catalogue names them.
    pnl : pandas.DataFrame
        Step 2's P&L (index entity_id): ``net_revenue``, ``contribution``, optional
        ``revenue_last12``, ``revenue_prev12``.
    key_ids : pandas.Index
        The key accounts.
    contacts : pandas.DataFrame, optional
        Contacts with ``entity_id``, ``person``, ``owner``, optional ``function``, ``level``.
    params : RoleFitParams, optional

    Returns
    -------
    pandas.DataFrame
        One row per manager, best fit first: ``person``, ``role``, ``is_kam_role``,
        ``clients``, ``key_clients``, ``key_revenue``, the :data:`FIT_COMPONENTS` (0–1),
        ``fit`` (0–1), ``good_fit`` (fit ≥ ``good_fit``), ``missing`` (components without
        data, comma-separated).
    """
    from . import KAM_ROLE

    p = params or RoleFitParams()
    t = team.copy()
    if "role" not in t.columns:
        t["role"] = None
    roles = t["role"].fillna("").astype(str)
    keep = ~roles.map(lambda r: bool(HEAD_ROLE.search(r)) and not KAM_ROLE.search(r)) & \
        ~roles.map(lambda r: bool(_SUPPORT.search(r)) and not KAM_ROLE.search(r))
    t = t[keep & t["person"].notna()].drop_duplicates("person")
    pk = owners.map(_person_key)
    c = None
    if contacts is not None and {"entity_id", "person", "owner"} <= set(contacts.columns):
        c = contacts.dropna(subset=["person", "owner"]).assign(
            _ok=lambda d: d["owner"].map(_person_key))
    rows = []
    for person, role in zip(t["person"].astype(str), t["role"], strict=True):
        k = _person_key(person)
        mine = pk.index[pk == k]
        port = pnl.reindex(mine)
        kid = mine.intersection(key_ids)
        rec = {"person": person, "role": role if isinstance(role, str) else None,
               "is_kam_role": bool(isinstance(role, str) and KAM_ROLE.search(role)),
               "clients": len(mine), "key_clients": len(kid),
               "key_revenue": float(pnl["net_revenue"].reindex(kid).fillna(0).sum())}
        rev = float(port["net_revenue"].fillna(0).sum())
        rec["_margin"] = float(port["contribution"].fillna(0).sum()) / rev if rev > 0 else np.nan
        if {"revenue_last12", "revenue_prev12"} <= set(port.columns):
            prev = float(port["revenue_prev12"].fillna(0).sum())
            rec["_growth"] = float(port["revenue_last12"].fillna(0).sum()) / prev - 1 \
                if prev > 0 else np.nan
        else:
            rec["_growth"] = np.nan
        if c is not None:
            own = c[c["_ok"] == k]
            n_ent = own["entity_id"].nunique()
            if n_ent:
                rec["relationship_depth"] = min(own["person"].nunique() / n_ent
                                                / p.contacts_for_full_marks, 1.0)
                if "level" in own.columns:
                    top = own[own["level"].fillna("").astype(str).map(
                        lambda x: bool(_TOP_LEVEL.search(x)))]
                    rec["senior_access"] = top["entity_id"].nunique() / n_ent
                if "function" in own.columns:
                    f = own.dropna(subset=["function"]).groupby("entity_id")["function"] \
                        .nunique().reindex(own["entity_id"].unique()).fillna(0)
                    rec["cross_functional"] = min(float(f.mean())
                                                  / p.functions_for_full_marks, 1.0)
        rows.append(rec)
    out = pd.DataFrame(rows)
    if out.empty:
        return pd.DataFrame(columns=["person", "role", "is_kam_role", "clients", "key_clients",
                                     "key_revenue", *FIT_COMPONENTS, "fit", "good_fit",
                                     "missing"])
    top = float(out["key_revenue"].max())
    out["key_experience"] = 0.5 * out["is_kam_role"].astype(float) + 0.5 * (
        out["key_revenue"] / top if top > 0 else 0.0)
    out["portfolio_growth"] = out["_growth"].rank(pct=True)
    out["portfolio_margin"] = out["_margin"].rank(pct=True)
    for comp in FIT_COMPONENTS:
        if comp not in out.columns:
            out[comp] = np.nan
    out["missing"] = [", ".join(comp for comp in FIT_COMPONENTS if pd.isna(r[comp]))
                      for _, r in out.iterrows()]
    comps = out[list(FIT_COMPONENTS)].astype(float).fillna(0.0).round(4)
    out[list(FIT_COMPONENTS)] = comps
    out["fit"] = sum(comps[comp] * p.weights.get(comp, 0.0) for comp in FIT_COMPONENTS) \
        .round(4)
    out["good_fit"] = out["fit"] >= p.good_fit
    out = out.sort_values(["fit", "key_revenue"], ascending=False, kind="stable")
    return out[["person", "role", "is_kam_role", "clients", "key_clients", "key_revenue",
                *FIT_COMPONENTS, "fit", "good_fit", "missing"]].reset_index(drop=True)
