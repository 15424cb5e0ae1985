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
- :func:`client_position` — the client's rank and share among all clients.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["client_choices", "client_portfolio_position", "client_position",
           "client_waterfall"]


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
