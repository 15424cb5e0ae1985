"""Dependency risk: what the company loses if one of its top clients or holdings leaves, and
which way the clients it depends on are moving (METHODS.md §2 concentration, §5 dependency).

- :func:`loss_scenarios` — for each of the top clients by revenue (and each holding of
  several legal entities among the top groups): its revenue, the contribution the company
  would lose (its gross margin less the costs that go away with it, its off-invoice costs
  included; the stranded cost-to-serve stays), and the share of the company's fixed costs
  that this contribution covers today — only when the engagement gives its fixed costs
  (``profitability.fixed_costs_per_year``), never invented;
- :func:`top_trend` — the revenue trend of the top clients taken together (growing,
  shrinking or flat), last 12 months against the 12 before.

Key-person risk on our side (one KAM holding too much of the key revenue) is step 4's
(:func:`kamlib.sizing.business_case.key_person_risk`), not repeated here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FLAT", "loss_scenarios", "top_trend"]

#: a yearly movement of less than this share is "flat"
FLAT = 0.02

_NEED = ("net_revenue", "gross_margin", "contribution", "cost_of_receivables")


def _lost(df: pd.DataFrame) -> pd.Series:
    """Contribution lost when the client leaves: gross margin − its off-invoice costs (retro
    bonuses, listing and marketing fees paid to it stop with it) − avoidable cost-to-serve −
    cost of receivables (= contribution + stranded cost-to-serve)."""
    avoidable = df["cts_avoidable"] if "cts_avoidable" in df.columns else df.get(
        "cost_to_serve", 0.0)
    off = df["off_invoice"] if "off_invoice" in df.columns else 0.0
    return df["gross_margin"] - off - avoidable - df["cost_of_receivables"]


def loss_scenarios(pnl: pd.DataFrame, *, top: int = 10, fixed_costs_per_year: float | None = None,
                   years: float = 1.0) -> pd.DataFrame:
    """The loss-of-client scenario for the top clients and the holdings among the top groups.

    Parameters
    ----------
    pnl : pandas.DataFrame
        The client P&L, one row per entity (indexed by entity_id): ``entity_name``,
        ``net_revenue``, ``gross_margin``, ``cts_avoidable`` (else ``cost_to_serve``: all of
        it avoidable), ``cost_of_receivables``, ``contribution``; optionally ``off_invoice``
        (retro bonuses and fees paid to the client, which stop with it), ``group_id`` (a
        holding has several entities under one id), ``revenue_prev12``, ``revenue_last12``.
    top : int
        How many clients (and groups) by revenue.
    fixed_costs_per_year : float, optional
        The company's fixed costs a year; None = not known (``fixed_cost_cover`` stays empty).
    years : float
        The length of the P&L's period in years (its contribution ÷ ``years`` is a year's).

    Returns
    -------
    pandas.DataFrame
        One row per scenario, largest revenue first (units as registered for the artefact
        ``dependency`` in :mod:`kamlib.steps`):

        ========================= ======= ===============================================
        ``level``                 text    ``entity`` or ``group`` (a holding of several
                                          legal entities)
        ``id``                    text    entity_id or group_id
        ``name``                  text    the client's or the group's name
        ``entities``              count   legal entities in it
        ``rank``                  count   its rank by revenue at its level
        ``net_revenue``           money   net revenue of the period
        ``revenue_share``         ratio   share of the company's net revenue
        ``contribution``          money   its contribution as allocated
        ``contribution_lost``     money   what the company's contribution falls by if it
                                          leaves (gross margin − off-invoice −
                                          avoidable costs − cost of receivables)
        ``contribution_lost_year`` money  the same for one year (÷ ``years``)
        ``fixed_cost_cover``      ratio   contribution_lost_year ÷ fixed costs a year;
                                          empty when fixed costs are not known
        ``revenue_prev12``        money   revenue of the 12 months before the last 12
        ``revenue_last12``        money   revenue of the last 12 months
        ``growth_pct``            ratio   last 12 ÷ previous 12 − 1
        ``trend``                 text    growing / shrinking / flat (±2 %) / unknown
        ========================= ======= ===============================================
    """
    missing = [c for c in _NEED if c not in pnl.columns]
    if missing:
        raise ValueError(f"the client P&L lacks {missing}")
    total = float(pnl["net_revenue"].sum())
    p = pnl.copy()
    p["contribution_lost"] = _lost(p)
    for c in ("revenue_prev12", "revenue_last12"):
        if c not in p.columns:
            p[c] = np.nan
    if "entity_name" not in p.columns:
        p["entity_name"] = p.index.astype(str)
    cols = ["net_revenue", "contribution", "contribution_lost", "revenue_prev12",
            "revenue_last12"]
    ent = p.sort_values("net_revenue", ascending=False, kind="mergesort").head(top)
    rows = pd.DataFrame({"level": "entity", "id": ent.index.astype(str),
                         "name": ent["entity_name"].astype(str).to_numpy(), "entities": 1,
                         "rank": np.arange(1, len(ent) + 1)})
    rows = pd.concat([rows, ent[cols].reset_index(drop=True)], axis=1)
    if "group_id" in p.columns and p["group_id"].notna().any():
        gid = p["group_id"].astype("string")
        grp = p[cols].groupby(gid).sum(min_count=1)
        grp["entities"] = gid.value_counts()
        grp = grp.sort_values("net_revenue", ascending=False, kind="mergesort").head(top)
        grp["rank"] = np.arange(1, len(grp) + 1)
        grp = grp[grp["entities"] >= 2]
        if len(grp):
            heads = p.sort_values("net_revenue", ascending=False, kind="mergesort") \
                .groupby(gid)["entity_name"].first()
            names = [str(g)[2:] if str(g).startswith("G:") else str(heads.get(g, g))
                     for g in grp.index]
            g = pd.DataFrame({"level": "group", "id": grp.index.astype(str), "name": names,
                              "entities": grp["entities"].astype(int).to_numpy(),
                              "rank": grp["rank"].to_numpy()})
            rows = pd.concat([rows, pd.concat([g, grp[cols].reset_index(drop=True)], axis=1)],
                             ignore_index=True)
    rows["revenue_share"] = rows["net_revenue"] / total if total else np.nan
    rows["contribution_lost_year"] = rows["contribution_lost"] / float(years)
    rows["fixed_cost_cover"] = (rows["contribution_lost_year"] / float(fixed_costs_per_year)
                                if fixed_costs_per_year else np.nan)
    prev = rows["revenue_prev12"]
    rows["growth_pct"] = rows["revenue_last12"] / prev.where(prev > 0) - 1
    rows["trend"] = [_trend(x) for x in rows["growth_pct"]]
    order = ["level", "id", "name", "entities", "rank", "net_revenue", "revenue_share",
             "contribution", "contribution_lost", "contribution_lost_year", "fixed_cost_cover",
             "revenue_prev12", "revenue_last12", "growth_pct", "trend"]
    rows = rows.sort_values("net_revenue", ascending=False, kind="mergesort",
                            ignore_index=True)
    rows["entities"] = rows["entities"].astype(int)
    rows["rank"] = rows["rank"].astype(int)
    return rows[order]


def _trend(g: float | None) -> str:
    if g is None or pd.isna(g):
        return "unknown"
    return "growing" if g > FLAT else "shrinking" if g < -FLAT else "flat"


def top_trend(pnl: pd.DataFrame, *, top: int = 10) -> dict[str, Any]:
    """The revenue trend of the ``top`` clients by revenue, taken together.

    Returns
    -------
    dict
        ``clients`` (count), ``revenue_prev12``, ``revenue_last12`` (money), ``growth_ratio``
        (last ÷ previous − 1; None when the previous 12 months hold no revenue, e.g. less
        than two years of data), ``trend`` (growing / shrinking / flat / unknown),
        ``shrinking`` (how many of them shrink by more than 2 %).

    Examples
    --------
    Two clients, 100 → 80 and 50 → 55: together 150 → 135, −10 %: shrinking.
    """
    p = pnl.sort_values("net_revenue", ascending=False, kind="mergesort").head(top)
    if "revenue_prev12" not in p.columns or "revenue_last12" not in p.columns:
        return {"clients": len(p), "revenue_prev12": None, "revenue_last12": None,
                "growth_ratio": None, "trend": "unknown", "shrinking": 0}
    prev = float(p["revenue_prev12"].fillna(0).sum())
    last = float(p["revenue_last12"].fillna(0).sum())
    g = last / prev - 1 if prev > 0 else None
    each = p["revenue_last12"].fillna(0) / p["revenue_prev12"].where(p["revenue_prev12"] > 0) - 1
    return {"clients": len(p), "revenue_prev12": prev, "revenue_last12": last,
            "growth_ratio": g, "trend": _trend(g), "shrinking": int((each < -FLAT).sum())}
