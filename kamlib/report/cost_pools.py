"""The report's table of the company's own cost pools (time-driven ABC, step 2's
``cost_pools`` summary block; :mod:`kamlib.profitability.tdabc`): each pool's rate, cost over
the period, allocation to the clients and unused capacity. Read, never recomputed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from .model import Chart, Section, Table

if TYPE_CHECKING:
    from .helpers import _Ctx

__all__ = ["cost_pools_section"]


def cost_pools_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    """A short section when the engagement gave its cost pools: one sentence and the table
    (allocated + unused = the pool's cost); otherwise a sentence saying the rates are
    defaults."""
    from .helpers import _table

    f = ctx.fmt
    s = ctx.art.summaries["02"]
    pools = s.get("cost_pools") or []
    if not pools:
        return Section("cost_pools", ctx.t("section.cost_pools"),
                       ctx.t("cost_pools.lead_empty")), {}, {}
    t = pd.DataFrame(pools)
    t["driver"] = t["driver"].map(lambda d: ctx.st.get(f"cost_driver.{d}", d))
    total = float(t["cost"].sum())
    lead = ctx.t("cost_pools.lead", n=f.integer(len(t)), cost=f.money_short(total),
                 allocated=f.money_short(float(t["allocated"].sum())),
                 unused=f.money_short(float(t["unused"].sum())))
    # 'cost' is a cost a year elsewhere (client teams): the pool's cost over the period has its
    # own column id, so one id keeps one label
    t = t.rename(columns={"cost": "pool_cost"})
    if "basis" in t.columns:
        # a pool without its capacity is spread on the actual volume: its practical share
        # does not apply and its unused capacity is not known — shown as such, not as 0
        none = t["basis"] == "volume"
        t[["practical_share", "unused", "unused_share"]] = t[
            ["practical_share", "unused", "unused_share"]].astype(float).mask(none)
    tables = {"cost_pools": _table(ctx, "cost_pools", t, [
        ("pool", "text"), ("driver", "text"), ("rate", "number"), ("practical_share", "pct"),
        ("pool_cost", "money"), ("allocated", "money"), ("unused", "money"),
        ("unused_share", "pct")], "02_profitability/summary.json#cost_pools", preview=12)}
    return Section("cost_pools", ctx.t("section.cost_pools"), lead, tables=["cost_pools"]), \
        tables, {}
