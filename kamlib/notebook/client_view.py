"""One client beside the totals: what the widgets show for the client the room follows.

A lesson is about one client («Престиж-Маркет» losing money, «Метелица» with one contact):
when the trainer moves a slider, the room must see that client, not only the company's
totals. The widgets (:mod:`kamlib.notebook.widgets`) call these functions; the charts are drawn by
:mod:`kamlib.plots`. Nothing here re-derives the method: the client's contribution under
the sliders' rates is the one :func:`kamlib.profitability.scenarios.recost` gives.

- :func:`client_choices` — the (label, id) pairs of a client selector, the clients the
  lessons are about first (the largest loss-makers, then the rest by revenue);
- :func:`client_waterfall` — one client's pocket-margin waterfall, with its cost-to-serve
  as recomputed under other rates;
- :func:`client_position` — the client's rank and share among all clients;
- :func:`intake_clients` / :func:`client_intake` — the intake's client codes for a selector,
  and one code's own rows, money and rejected rows (step 0);
- :func:`client_cleanup` — one record's legal entity, group and pairs (step 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

__all__ = ["client_choices", "client_cleanup", "client_intake", "client_portfolio_position",
           "client_position", "client_waterfall", "intake_clients"]


def _name(frame: pd.DataFrame, entity: Any) -> str:
    if "entity_name" in frame.columns and pd.notna(frame.at[entity, "entity_name"]):
        return str(frame.at[entity, "entity_name"])
    return str(entity)


def client_choices(frame: pd.DataFrame, *, value: str = "net_revenue",
                   first: pd.Series | None = None, limit: int = 200) -> list[tuple[str, Any]]:
    """The options of a client selector: ``(label, entity id)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per client (index = entity id), with ``entity_name`` and ``value``.
    value : str
        The column that orders the clients (largest first).
    first : pandas.Series of bool, optional
        Clients to list first (e.g. negative contribution among the largest), in the same
        order; default: none.
    limit : int
        At most this many options (a selector of thousands of clients helps nobody).

    Returns
    -------
    list of (str, object)
        ``"<name> (<id>)"`` labels: two clients of one name stay apart.
    """
    if not len(frame):
        return []
    order = frame[value].astype(float).sort_values(ascending=False, kind="mergesort").index \
        if value in frame.columns else frame.index
    ids = list(order)
    if first is not None:
        top = [i for i in ids if bool(first.get(i, False))]
        ids = top + [i for i in ids if i not in set(top)]
    return [(f"{_name(frame, i)} ({i})", i) for i in ids[:limit]]


def client_waterfall(pnl: pd.DataFrame, entity: Any,
                     contribution: pd.Series | None = None) -> pd.DataFrame:
    """One client's pocket-margin waterfall (list revenue … contribution), as
    :func:`kamlib.profitability.curves.price_waterfall` draws the company's.

    Parameters
    ----------
    pnl : pandas.DataFrame
        The client P&L indexed by entity id.
    entity : object
        The client's entity id.
    contribution : pandas.Series, optional
        Every client's contribution under other cost-to-serve rates (the widget's
        :func:`~kamlib.profitability.scenarios.recost`); the difference from the audit's
        contribution is cost-to-serve (the rates are the only thing that moved), so the
        client's cost-to-serve bar moves by it and its contribution is the one given.

    Returns
    -------
    pandas.DataFrame
        The rows of :func:`~kamlib.profitability.curves.price_waterfall` for this client.

    Raises
    ------
    KeyError
        ``entity`` is not a client of the P&L.
    """
    from kamlib.profitability.curves import price_waterfall

    if entity not in pnl.index:
        raise KeyError(f"no client {entity!r} in the client P&L")
    row = pnl.loc[[entity]].copy()
    if contribution is not None:
        new = float(contribution.loc[entity])
        delta = float(row["contribution"].iloc[0]) - new
        row["cost_to_serve"] = row["cost_to_serve"].astype(float) + delta
        row["contribution"] = new
    return price_waterfall(row)


def client_position(values: pd.Series, entity: Any) -> dict[str, Any]:
    """The client's place among all clients by ``values`` (e.g. contribution).

    Returns
    -------
    dict
        ``value``, ``rank`` (1 = the largest), ``of`` (number of clients), ``share`` of the
        total (None when the total is 0) and ``negative`` (whether the value is below 0).
    """
    v = values.astype(float)
    x = float(v.loc[entity])
    total = float(v.sum())
    return {"value": x, "rank": int((v > x).sum()) + 1, "of": len(v),
            "share": x / total if total else None, "negative": x < 0}


def client_portfolio_position(scored: pd.DataFrame, entity: Any) -> dict[str, Any]:
    """The client's place in the portfolio matrix under the current weights.

    Parameters
    ----------
    scored : pandas.DataFrame
        The scored portfolio (:func:`kamlib.selection.scoring.score_portfolio`): index
        entity id, ``attractiveness``, ``strength``, ``quadrant``, ``is_key``.
    entity : object
        The client's entity id.

    Returns
    -------
    dict
        ``attractiveness`` and ``strength`` (1–10), ``quadrant`` (its key; None when the
        frame has none), ``is_key``,
        ``rank`` by attractiveness (1 = the most attractive) and ``of`` (clients scored).

    Raises
    ------
    KeyError
        ``entity`` is not among the scored clients.
    """
    if entity not in scored.index:
        raise KeyError(f"no client {entity!r} among the scored clients")
    a = scored["attractiveness"].astype(float)
    x = float(a.loc[entity])
    return {"attractiveness": x, "strength": float(scored.at[entity, "strength"]),
            "quadrant": str(scored.at[entity, "quadrant"]) if "quadrant" in scored.columns
            else None,
            "is_key": bool(scored.at[entity, "is_key"]) if pd.notna(scored.at[entity, "is_key"])
            else False,
            "rank": int((a > x).sum()) + 1, "of": int(a.notna().sum())}


def intake_clients(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The intake's clients for a selector: one row per client code (index), its name in the
    catalogue (``entity_name``) and its net revenue in the accepted sales lines.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The intake's canonical tables (``clients``, ``sales`` …), as
        :func:`kamlib.datacheck.load_intake` returns them.

    Returns
    -------
    pandas.DataFrame
        Index ``client_id`` (str), columns ``entity_name`` and ``net_revenue`` (0 for a
        catalogue record without sales).
    """
    clients = tables.get("clients", pd.DataFrame(columns=["client_id", "name"]))
    sales = tables.get("sales", pd.DataFrame(columns=["client_id", "net_revenue"]))
    revenue = pd.to_numeric(sales["net_revenue"], errors="coerce").groupby(
        sales["client_id"].astype(str)).sum()
    names = clients.assign(client_id=clients["client_id"].astype(str)) \
        .drop_duplicates("client_id").set_index("client_id")["name"] \
        if "name" in clients.columns else pd.Series(dtype=object)
    ids = pd.Index(names.index).union(revenue.index)
    out = pd.DataFrame({"entity_name": names.reindex(ids),
                        "net_revenue": revenue.reindex(ids).fillna(0.0).astype(float)}, index=ids)
    out.index.name = "client_id"
    return out


def client_intake(tables: Mapping[str, pd.DataFrame], client: Any) -> dict[str, Any]:
    """One client code's own rows at the intake, beside the totals.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The intake's canonical tables plus ``rejected`` (its ``client_id`` names the client of
        a rejected row when the row named one).
    client : object
        The client code (``client_id``), compared as text.

    Returns
    -------
    dict
        ``records`` (its rows in the catalogue ``clients``), ``rows`` (``{table: rows}`` of
        every other accepted table with a ``client_id``), ``lines`` (its sales lines),
        ``files`` (input files its sales lines came from), ``net_revenue`` and its ``share``
        of the total (None when the total is 0), ``rejected`` (its rejected rows) and
        ``rejected_amount`` (their money), ``rejected_rows`` (the rows, a DataFrame).
    """
    cid = str(client)
    rows: dict[str, int] = {}
    records = 0
    for name, table in tables.items():
        if name in ("rejected", "issues") or "client_id" not in table.columns:
            continue
        n = int((table["client_id"].astype(str) == cid).sum())
        if name == "clients":
            records = n
        else:
            rows[name] = n
    sales = tables.get("sales", pd.DataFrame(columns=["client_id", "net_revenue"]))
    mine = sales[sales["client_id"].astype(str) == cid]
    revenue = float(pd.to_numeric(mine["net_revenue"], errors="coerce").sum())
    total = float(pd.to_numeric(sales["net_revenue"], errors="coerce").sum())
    rej = tables.get("rejected", pd.DataFrame())
    rej_mine = rej[rej["client_id"].astype(str) == cid].reset_index(drop=True) \
        if "client_id" in rej.columns else rej.iloc[0:0]
    amount = pd.to_numeric(rej_mine["amount"], errors="coerce").sum() \
        if "amount" in rej_mine.columns else 0.0
    return {"client_id": cid, "records": records, "rows": rows, "lines": len(mine),
            "files": int(mine["source_file"].nunique()) if "source_file" in mine.columns else 0,
            "net_revenue": revenue, "share": revenue / total if total else None,
            "rejected": len(rej_mine), "rejected_amount": float(amount),
            "rejected_rows": rej_mine}


def client_cleanup(entities: pd.DataFrame, pairs: pd.DataFrame, activity: pd.DataFrame,
                   client: Any) -> dict[str, Any]:
    """One client record's place after the cleanup: its legal entity, group and pairs.

    Parameters
    ----------
    entities : pandas.DataFrame
        Records → entity (:func:`kamlib.cleanup.resolve.entities_with_groups`): client_id,
        entity_id, entity_name, is_branch, group_id.
    pairs : pandas.DataFrame
        The pairs with their ``outcome`` (:func:`kamlib.cleanup.resolve.resolve_pairs`).
    activity : pandas.DataFrame
        The activity status per entity (index entity_id, column ``status``).
    client : object
        The record's client code.

    Returns
    -------
    dict
        ``entity_id``, ``entity_name``, ``records`` (the codes merged into its entity),
        ``branches`` (of them, branches), ``group_id``, ``group_entities`` (legal entities
        in its group), ``merged`` / ``to_review`` / ``same`` / ``apart`` (its entity's pairs:
        merged, left to review, joined through other pairs, kept apart or blocked or
        rejected) and ``status``.

    Raises
    ------
    KeyError
        ``client`` is not among the records.
    """
    cid = str(client)
    codes = entities["client_id"].astype(str)
    if not (codes == cid).any():
        raise KeyError(f"no client record {client!r}")
    row = entities[codes == cid].iloc[0]
    members = entities[entities["entity_id"] == row["entity_id"]]
    ids = set(members["client_id"].astype(str))
    group = entities[entities["group_id"] == row["group_id"]]
    if len(pairs):
        mine = pairs[pairs["client_id_a"].astype(str).isin(ids)
                     | pairs["client_id_b"].astype(str).isin(ids)]
        outcome = mine["outcome"]
    else:
        outcome = pd.Series(dtype=object)
    merged = int(outcome.isin(["merged", "merged (accepted)"]).sum())
    to_review = int((outcome == "to review").sum())
    same = int((outcome == "same entity through other pairs").sum())
    status = activity["status"].get(row["entity_id"]) if len(activity) else None
    return {"entity_id": row["entity_id"], "entity_name": row["entity_name"],
            "records": sorted(ids), "branches": int(members["is_branch"].sum())
            if "is_branch" in members.columns else 0,
            "group_id": row["group_id"], "group_entities": int(group["entity_id"].nunique()),
            "merged": merged, "to_review": to_review, "same": same,
            "apart": len(outcome) - merged - to_review - same,
            "status": None if status is None or pd.isna(status) else str(status)}
