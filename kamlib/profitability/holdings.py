"""Holdings split into small clients, and which level the concentration finding speaks of.

Decided once by step 2 (METHODS.md §1 groups, §2 concentration) so that every surface reads
the same answer:

- :func:`holdings` — groups of several legal entities among the ``top`` groups by revenue
  whose members, taken one by one, all rank below the ``top`` entities (a holding that looks
  small client by client);
- :func:`concentration_level` — the group level when related companies concentrate revenue
  more than the legal entities do (by at least half a point of the top-3 share; a float
  comparison would flip between runs), else the entity level.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["concentration_level", "holdings"]


def holdings(groups: pd.DataFrame, pnl: pd.DataFrame, *, top: int = 10) -> list[dict[str, Any]]:
    """The holdings among the ``top`` groups whose best member ranks outside the ``top``.

    Parameters
    ----------
    groups : pandas.DataFrame
        The group P&L: ``group_id`` (index or column), ``group_name``, ``entities``,
        ``net_revenue``.
    pnl : pandas.DataFrame
        The client P&L: ``group_id``, ``net_revenue`` (one row per entity).
    top : int
        How far down the rankings to look.

    Returns
    -------
    list of dict
        ``group_id``, ``name`` (the group's own name for a named group ``G:…``, else its
        head), ``entities``, ``rank`` (among groups), ``revenue``, ``share`` of the total
        (a fraction) and ``best_entity_rank``.
    """
    g = groups.reset_index() if "group_id" not in groups.columns else groups
    if g.empty or "entities" not in g.columns:
        return []
    total = float(g["net_revenue"].clip(lower=0).sum())
    ranked = g.sort_values("net_revenue", ascending=False, kind="mergesort").head(top)
    rank = pnl["net_revenue"].rank(ascending=False, method="min")
    out = []
    for pos, row in enumerate(ranked.itertuples(index=False), 1):
        if int(row.entities) < 2:
            continue
        members = rank[pnl["group_id"] == row.group_id]
        if not len(members) or members.min() <= top:
            continue
        gid = str(row.group_id)
        out.append({"group_id": gid,
                    "name": gid[2:] if gid.startswith("G:") else str(row.group_name),
                    "entities": int(row.entities), "rank": pos,
                    "revenue": float(row.net_revenue),
                    "share": float(row.net_revenue) / total if total else None,
                    "best_entity_rank": int(members.min())})
    return out


def concentration_level(entity: dict[str, Any], group: dict[str, Any] | None, *,
                        margin: float = 0.005) -> str:
    """``"group"`` when the groups' top-3 share passes the entities' by ``margin`` or more,
    else ``"entity"``."""
    if not group:
        return "entity"
    return "group" if float(group.get("top3", 0)) - float(entity["top3"]) >= margin \
        else "entity"
