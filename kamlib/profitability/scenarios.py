"""How much to trust the client P&L, and what acting on it would change.

*Robustness* (METHODS.md §2): contribution recomputed under other cost-to-serve rates and pool
sizes (± the spread, 20% by default) and under other allocation drivers; how many clients
change sign and how the ranking moves (Spearman rank correlation). *What-if*: dropping or
re-pricing clients, with the avoidable costs (which leave with the client) kept apart from
the stranded ones (which stay) — never "fire them" on allocated costs alone.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .pnl import DRIVERS, CostModel, allocate_minor_units

__all__ = ["recost", "robustness", "what_if_drop", "what_if_reprice"]

_UNITS = {"order": "orders", "return": "return_lines", "delivery": "n_delivery",
          "visit": "n_visit", "service_hour": "n_service_hour", "call": "n_call"}


def _units(pnl: pd.DataFrame, driver: str) -> pd.Series:
    if driver == "line":
        return pnl["lines"] - pnl["return_lines"]
    col = _UNITS[driver]
    return pnl[col].fillna(0.0) if col in pnl.columns else pd.Series(0.0, index=pnl.index)


def recost(pnl: pd.DataFrame, costs: CostModel, *, base: CostModel | None = None
           ) -> pd.Series:
    """Contribution per client under another cost model, from the P&L's driver units.

    A driver costed by a rate is re-rated; a driver whose cost came from the activities'
    recorded cost (no rate in ``base``) is scaled by the ratio of the pools/rates given
    (``costs.rates[d] / base.rates[d]`` is undefined there, so it is kept as it is unless
    ``costs`` sets a rate for it).
    """
    base = base or costs
    cts = pd.Series(0.0, index=pnl.index)
    for d in DRIVERS:
        units = _units(pnl, d)
        rate = float(costs.rates.get(d, 0) or 0)
        base_rate = float(base.rates.get(d, 0) or 0)
        if rate > 0 or base_rate > 0:
            cost = units * rate
        else:
            cost = pnl.get(f"cts_{d}", pd.Series(0.0, index=pnl.index)).fillna(0.0)
        pool = float(costs.pools.get(d, 0) or 0)
        total = float(units.sum())
        if pool and total:
            cost = cost + allocate_minor_units(pool, units.astype(float))
        cts = cts + pd.Series(cost, index=pnl.index).astype(float).round(2)
    # booked to the kopeck as the P&L books them (kamlib.profitability.pnl)
    receivables = (pnl["net_revenue"].clip(lower=0) * pnl["receivable_days"] / 365
                   * costs.receivables_rate).round(2)
    # off-invoice spend (when the sheet was given) is not a cost-to-serve rate: kept as it is
    return pnl["gross_margin"] - pnl.get("off_invoice", 0.0) - cts - receivables


def _compare(name: str, base: pd.Series, alt: pd.Series, code: str = "scenario_base",
             **args: Any) -> dict[str, Any]:
    flips = (base >= 0) != (alt >= 0)
    return {
        "scenario": name,
        # the scenario as a code and its figures (``reason.scenario_*`` of the string
        # tables), phrased in the engagement's language on the pages
        "scenario_code": code,
        "scenario_args": json.dumps(args, ensure_ascii=False),
        "total_contribution": float(alt.sum()),
        "change_vs_base": float(alt.sum() - base.sum()),
        "loss_makers": int((alt < 0).sum()),
        "sign_changes": int(flips.sum()),
        "sign_changes_share": float(flips.mean()) if len(flips) else 0.0,
        # Spearman = Pearson on average ranks
        "spearman": float(base.rank().corr(alt.rank())) if len(base) > 2 else 1.0,
    }


def _change(sign: int, spread: float) -> dict[str, Any]:
    """A scenario's change as a reason's arguments: its sign and its size (a ratio)."""
    return {"sign": "+" if sign > 0 else "−", "spread_ratio": spread}


def robustness(pnl: pd.DataFrame, costs: CostModel, *, spread: float = 0.20) -> pd.DataFrame:
    """Contribution under alternative cost models, compared with the base.

    Scenarios: every costed driver's rate (and pool) ± ``spread`` one at a time; all of them
    together ± ``spread``; the cost of money ± ``spread``; and the whole cost-to-serve
    allocated by net revenue (the "traditional" allocation that hides cost-to-serve) and by
    orders. Returns one row per scenario: total contribution, loss makers, clients whose sign
    changes, Spearman rank correlation with the base contribution (Spearman 1904); the
    scenario named in English (``scenario``) and as a code with its figures
    (``scenario_code``, ``scenario_args`` JSON).
    """
    base = recost(pnl, costs, base=costs)
    rows = [_compare("base", base, base)]
    costed = [d for d in DRIVERS if float(costs.rates.get(d, 0) or 0) > 0
              or float(costs.pools.get(d, 0) or 0) > 0]
    for d in costed:
        for sign in (-1, 1):
            alt = recost(pnl, costs.scaled(1 + sign * spread, (d,)), base=costs)
            rows.append(_compare(f"{d} {'+' if sign > 0 else '−'}{spread:.0%}", base, alt,
                                 "scenario_rate", cost_driver=d, **_change(sign, spread)))
    if costed:
        for sign in (-1, 1):
            alt = recost(pnl, costs.scaled(1 + sign * spread), base=costs)
            rows.append(_compare(f"all cost-to-serve {'+' if sign > 0 else '−'}{spread:.0%}",
                                 base, alt, "scenario_all_cts", **_change(sign, spread)))
    for sign in (-1, 1):
        cm = CostModel(costs.rates, costs.pools, costs.avoidable,
                       costs.receivables_rate * (1 + sign * spread))
        rows.append(_compare(f"cost of money {'+' if sign > 0 else '−'}{spread:.0%}", base,
                             recost(pnl, cm, base=costs), "scenario_cost_of_money",
                             **_change(sign, spread)))
    total_cts = float(pnl["cost_to_serve"].sum())
    if total_cts:
        receivables = pnl["cost_of_receivables"]
        for label, driver in (("net revenue", pnl["net_revenue"].clip(lower=0)),
                              ("orders", pnl["orders"].astype(float))):
            code = "scenario_by_revenue" if label == "net revenue" else "scenario_by_orders"
            if float(driver.sum()):
                alt = (pnl["gross_margin"] - pnl.get("off_invoice", 0.0)
                       - driver / driver.sum() * total_cts - receivables)
                rows.append(_compare(f"cost-to-serve allocated by {label}", base, alt, code))
    return pd.DataFrame(rows)


def _off_invoice(sel: pd.DataFrame) -> pd.Series:
    """The clients' off-invoice costs (retro bonuses, listing and marketing fees), 0 when the
    P&L has none."""
    if "off_invoice" in sel.columns:
        return sel["off_invoice"].fillna(0.0)
    return pd.Series(0.0, index=sel.index)


def what_if_drop(pnl: pd.DataFrame, clients: Iterable[str]) -> dict[str, Any]:
    """What the company's contribution would do without these clients.

    It loses their gross margin; it saves their *avoidable* cost-to-serve, their cost of
    receivables and their off-invoice costs (the retro bonuses and fees paid to them stop with
    them); their *stranded* cost-to-serve stays and falls on the others.
    """
    ids = [c for c in clients if c in pnl.index]
    sel = pnl.loc[ids]
    lost_margin = float(sel["gross_margin"].sum())
    saved = float(sel["cts_avoidable"].sum() + sel["cost_of_receivables"].sum()
                  + _off_invoice(sel).sum())
    stranded = float(sel["cts_stranded"].sum())
    return {
        "clients": len(ids),
        "net_revenue_lost": float(sel["net_revenue"].sum()),
        "gross_margin_lost": lost_margin,
        "avoidable_costs_saved": saved,
        "stranded_costs_remaining": stranded,
        "their_contribution_as_allocated": float(sel["contribution"].sum()),
        "change_in_company_contribution": saved - lost_margin,
    }


def what_if_reprice(pnl: pd.DataFrame, clients: Iterable[str], *, price_increase: float = 0.05,
                    volume_loss: float = 0.0) -> dict[str, Any]:
    """Raise these clients' prices by ``price_increase`` and lose ``volume_loss`` of volume.

    New gross margin = (sales × (1 + increase) − returns − COGS) × (1 − volume loss); volume-
    driven avoidable costs shrink with the volume, stranded ones stay; the cost of receivables
    and a retro bonus (a share of the client's turnover) follow the turnover, the other
    off-invoice costs (listing, marketing fees) stay as they are. A change of 0 % changes
    nothing: the contribution after equals the contribution as allocated.
    """
    ids = [c for c in clients if c in pnl.index]
    sel = pnl.loc[ids]
    keep = 1 - volume_loss
    turnover = keep * (1 + price_increase)
    new_margin = (sel["sales_net"] * (1 + price_increase) - sel["returns"] - sel["cogs"]) * keep
    off = _off_invoice(sel)
    retro = sel["off_retro_bonus"] if "off_retro_bonus" in sel.columns else 0.0 * off
    new_contrib = (new_margin - sel["cts_avoidable"] * keep - sel["cts_stranded"]
                   - sel["cost_of_receivables"] * turnover
                   - (off - retro) - retro * turnover)
    return {
        "clients": len(ids),
        "price_increase": price_increase,
        "volume_loss": volume_loss,
        "contribution_before": float(sel["contribution"].sum()),
        "contribution_after": float(new_contrib.sum()),
        "change": float(new_contrib.sum() - sel["contribution"].sum()),
        "still_loss_making": int((new_contrib < 0).sum()),
    }
