"""How the rest of the clients are served: a service model by tier.

Key account management pays only if the other clients are served more cheaply: the method
puts every client in a tier with its own way of being served (McDonald & Woodburn 2007,
*Key Account Management*, ch. 3 — "not all customers can be key"; Zoltners, Sinha & Lorimer
2006, *The Complete Guide to Sales Force Design*, ch. 5 — coverage by segment: field, inside
sales, partners, the web) and treats the clients that lose money by re-pricing, cutting their
cost-to-serve, or letting them go (Kaplan & Narayanan 2001, "Measuring and managing customer
profitability", *Journal of Cost Management* 15(5)).

The rule, in order (the first that applies decides; each client gets a reason code):

1. ``key`` — step 3 chose it as a key account (``key_chosen``);
2. ``not_active`` — step 1's status is dormant or lost: no service, a win-back list
   (``status_not_active``);
3. ``reprice_or_exit`` — its contribution after cost-to-serve is negative
   (``negative_contribution``);
4. ``develop`` — on step 3's long list, attractive (Strategic or Star quadrant) but not key:
   a field salesperson builds the position (``attractive_not_key``);
5. ``self_service`` — among the smallest active clients that together make the last
   ``self_service_share`` of the active clients' revenue: web orders, a distributor
   (``small_tail``);
6. ``transactional`` — the rest: inside sales, standard terms (``standard``).

Who serves each tier and the cost of serving it after the change are settings
(:class:`kamlib.config.TierParams`, ``sizing.tiers`` of the engagement): the measured
cost-to-serve of step 2 is the "before"; the "after" is that cost × the tier's cost factor —
an assumption the summary states, not a measurement. Clients that stopped buying keep their
cost (factor 1): what they cost while they bought is not a saving to claim.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..config import TIERS, TierParams

__all__ = ["TIERS", "TierParams", "service_tiers", "tier_summary", "tiers_json"]

_ACTIVE = ("active", "new")


def service_tiers(pnl: pd.DataFrame, candidates: pd.DataFrame | None,
                  params: TierParams | None = None) -> pd.DataFrame:
    """Every client's tier, the rule that put it there, and who serves it.

    Parameters
    ----------
    pnl : pd.DataFrame
        Step 2's client P&L: ``entity_id``, ``entity_name``, ``status``, ``net_revenue``,
        ``contribution``, ``cost_to_serve``.
    candidates : pd.DataFrame, optional
        Step 3's long list: ``entity_id``, ``quadrant``, ``is_key``. Without it no client is
        key or developed (the selection did not run).
    params : TierParams, optional

    Returns
    -------
    pd.DataFrame
        One row per client of ``pnl``: ``entity_id``, ``entity_name``, ``tier``
        (:data:`TIERS`), ``reason_code``, ``served_by``, ``net_revenue``, ``contribution``,
        ``cost_to_serve`` (today, the measured one), ``cost_to_serve_after`` (× the tier's
        cost factor). Every client of ``pnl`` is in exactly one tier: the tiers' money adds
        up to step 2's totals.
    """
    p = params or TierParams()
    df = pnl[["entity_id", "entity_name", "status", "net_revenue", "contribution",
              "cost_to_serve"]].copy()
    df["entity_id"] = df["entity_id"].astype(str)
    key_ids: set[str] = set()
    develop_ids: set[str] = set()
    if candidates is not None and not candidates.empty:
        c = candidates.assign(entity_id=candidates["entity_id"].astype(str))
        key_ids = set(c.loc[c["is_key"].astype(bool), "entity_id"])
        develop_ids = set(c.loc[~c["is_key"].astype(bool)
                                & c["quadrant"].isin(p.develop_quadrants), "entity_id"])
    active = df["status"].isin(_ACTIVE)
    is_key = df["entity_id"].isin(key_ids)
    negative = df["contribution"].fillna(0.0) < 0
    develop = df["entity_id"].isin(develop_ids)
    # the smallest active, non-key, non-negative clients making the last share of revenue
    pool = active & ~is_key & ~negative & ~develop
    rev = df["net_revenue"].where(active, 0.0).clip(lower=0.0)
    total = float(rev.sum())
    small = pd.Series(False, index=df.index)
    if total > 0 and p.self_service_share > 0:
        order = rev[pool].sort_values(kind="stable")
        within = order.cumsum() <= p.self_service_share * total
        small.loc[within[within].index] = True
    choices = [
        (is_key, "key", "key_chosen"),
        (~active, "not_active", "status_not_active"),
        (negative, "reprice_or_exit", "negative_contribution"),
        (develop & active, "develop", "attractive_not_key"),
        (small, "self_service", "small_tail"),
    ]
    df["tier"] = np.select([c for c, _, _ in choices], [t for _, t, _ in choices],
                           default="transactional")
    df["reason_code"] = np.select([c for c, _, _ in choices], [r for _, _, r in choices],
                                  default="standard")
    df["served_by"] = df["tier"].map(p.served_by)
    factor = df["tier"].map(p.cost_factor).astype(float)
    df["cost_to_serve_after"] = (df["cost_to_serve"] * factor).round(2)
    return df[["entity_id", "entity_name", "tier", "reason_code", "served_by",
               "net_revenue", "contribution", "cost_to_serve", "cost_to_serve_after"]]


def tier_summary(tiers: pd.DataFrame, params: TierParams | None = None, *,
                 years: float = 1.0) -> pd.DataFrame:
    """Clients, money and cost-to-serve per tier, a year (the period's figures ÷ ``years``).

    Returns
    -------
    pd.DataFrame
        Index :data:`TIERS` (tiers with no client included, with zeros): ``clients``,
        ``net_revenue``, ``contribution``, ``cost_to_serve``, ``cost_to_serve_after`` (money
        a year, rounded to the minor unit), ``served_by``.
    """
    y = years if years and years > 0 else 1.0
    money = ["net_revenue", "contribution", "cost_to_serve", "cost_to_serve_after"]
    g = tiers.groupby("tier")
    out = pd.DataFrame(index=pd.Index(TIERS, name="tier"))
    out["clients"] = g.size().reindex(TIERS).fillna(0).astype(int)
    for m in money:
        out[m] = (g[m].sum().reindex(TIERS).fillna(0.0) / y).round(2)
    out["served_by"] = [(params or TierParams()).served_by[t] for t in TIERS]
    return out


def tiers_json(by_tier: pd.DataFrame, params: TierParams | None = None, *,
               years: float = 1.0) -> dict[str, Any]:
    """Step 4's summary entry ``tiers``: per tier its clients (count), money a year
    (net revenue, contribution, cost-to-serve today and after, and their difference
    ``saving``), who serves it and the cost factor assumed; ``saving`` (cost-to-serve today
    − after, a year, all tiers), ``saving_small_clients`` (that of the self-service and
    inside-sales tiers) and ``years``."""
    p = params or TierParams()
    per = {t: {"clients": int(r["clients"]),
               **{m: float(r[m]) for m in ("net_revenue", "contribution", "cost_to_serve",
                                           "cost_to_serve_after")},
               "saving": round(float(r["cost_to_serve"] - r["cost_to_serve_after"]), 2),
               "served_by": str(r["served_by"]), "cost_factor_ratio": float(p.cost_factor[t])}
           for t, r in by_tier.iterrows()}
    saving = float(by_tier["cost_to_serve"].sum() - by_tier["cost_to_serve_after"].sum())
    # moving the small clients (self-service, inside sales) keeps their revenue; the
    # loss-makers' tier saves by serving less until repriced or exited: said apart
    moved = by_tier.reindex(["self_service", "transactional"]).fillna(0.0)
    small = float((moved["cost_to_serve"] - moved["cost_to_serve_after"]).sum())
    return {"by_tier": per, "saving": round(saving, 2),
            "saving_small_clients": round(small, 2), "years": float(years),
            "self_service_share": float(p.self_service_share)}
