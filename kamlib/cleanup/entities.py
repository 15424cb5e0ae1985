"""From clusters of records to entities and groups; sales remapped to them.

An *entity* is a legal entity as the audit counts it: duplicate records and branches
(same INN, other KPP) are one entity. Its id is the client code of its canonical record —
the head office rather than a branch, a Cyrillic spelling in a Cyrillic base, then the most
used (most sales lines), then the most complete, then the smallest code — so ids are
readable and stable across runs. A *group* (holding) joins entities: from a mapping
the consultant gives, from the 1C head-counterparty field, or from a shared group name
(METHODS.md §1, "Groups / holdings"; 135-FZ art. 9 defines the legal notion).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

from ..errors import ReconciliationError

__all__ = ["assign_groups", "build_entities", "name_is_clean", "remap_sales"]

_INFO_COLS = ("tax_id", "branch_code", "ogrn", "region", "segment", "manager", "full_name",
              "payment_terms_days", "created_at")


_MIXED = r"(?:[\u0400-\u04ff][A-Za-z]|[A-Za-z][\u0400-\u04ff])"


def _clean_name(names: pd.Series) -> pd.Series:
    """True for a name a reader would accept as written: no word mixing Cyrillic and Latin
    letters (``Жeмчуг`` with a Latin e) and not all in capitals."""
    text = pl.Series(names.fillna("").astype(str).tolist(), dtype=pl.String)
    mixed = text.str.contains(_MIXED)
    letters = text.str.replace_all(r"[^A-Za-z\u0400-\u04ff]", "")
    shouting = (letters.str.len_chars() > 3) & (letters == letters.str.to_uppercase())
    return pd.Series((~mixed & ~shouting).to_numpy(), index=names.index)


def name_is_clean(rec: pd.DataFrame) -> np.ndarray:
    """Per record, whether its name is clean (no Latin look-alike in a Cyrillic word, not
    all capitals): what :func:`build_entities` prefers to name an entity with."""
    out: np.ndarray = _clean_name(rec["name"]).to_numpy()
    return out


def build_entities(rec: pd.DataFrame, labels: np.ndarray, usage: pd.Series, *,
                   clean_names: np.ndarray | None = None) -> pd.DataFrame:
    """One row per client record with its ``entity_id`` and the entity's canonical name.

    Parameters
    ----------
    rec : pd.DataFrame
        Records from :func:`kamlib.cleanup.matching.prepare_records`.
    labels : np.ndarray
        Cluster root position per record (:func:`kamlib.cleanup.matching.cluster`).
    usage : pd.Series
        Sales lines per client_id (missing = 0).
    clean_names : np.ndarray, optional
        Whether each record's name is clean (:func:`name_is_clean` of ``rec``), when the
        caller builds the entities of the same records again and again (a widget).

    Returns
    -------
    pd.DataFrame
        client_id, entity_id, entity_name, is_canonical, records_in_entity, is_branch
        (another KPP under the entity's INN), plus the record's name and identifiers.
    """
    out = rec[["client_id", "name"]].copy()
    out["cluster"] = labels
    out["lines"] = out["client_id"].map(usage).fillna(0).astype(int)
    info = [c for c in _INFO_COLS if c in rec.columns]
    out["completeness"] = rec[info].notna().sum(axis=1).to_numpy() if info else 0
    out["has_inn"] = rec["inn"].notna().to_numpy()
    # the head office, not a branch, names the entity: no head counterparty of its own
    parent = rec["parent_id"] if "parent_id" in rec.columns else pd.Series([None] * len(rec))
    out["is_head"] = parent.isna().to_numpy()
    # in a Cyrillic base, the Cyrillic spelling (not 'OOO Novator') names it
    cyr = pl.Series(rec["name"].fillna("").astype(str).tolist(), dtype=pl.String).str.contains(
        "[\u0400-\u04ff]").to_numpy()
    out["script_ok"] = cyr | ~pd.Series(cyr).groupby(labels).transform("any").to_numpy()
    ranked = out.sort_values(
        ["cluster", "is_head", "script_ok", "lines", "has_inn", "completeness", "client_id"],
        ascending=[True, False, False, False, False, False, True], kind="stable")
    canon = ranked.drop_duplicates("cluster").set_index("cluster")
    out["entity_id"] = out["cluster"].map(canon["client_id"])
    # the name shown for the entity: the canonical record's, unless it is mistyped in a way a
    # reader sees (a Latin look-alike inside a Cyrillic word, all capitals) and another
    # spelling of the same entity is clean
    out["clean_name"] = clean_names if clean_names is not None else \
        _clean_name(rec["name"]).to_numpy()
    named = out.sort_values(
        ["cluster", "is_head", "script_ok", "clean_name", "lines", "has_inn", "completeness",
         "client_id"], ascending=[True, False, False, False, False, False, False, True],
        kind="stable").drop_duplicates("cluster").set_index("cluster")
    out["entity_name"] = out["cluster"].map(named["name"])
    out = out.drop(columns=["clean_name"])
    out["is_canonical"] = out["client_id"] == out["entity_id"]
    out["records_in_entity"] = out.groupby("cluster")["client_id"].transform("size")
    kpp = rec["kpp"] if "kpp" in rec.columns else pd.Series([None] * len(rec))
    canon_kpp = out["cluster"].map(pd.Series(kpp.to_numpy(), index=out.index)
                                   .groupby(out["cluster"]).first())
    out["is_branch"] = (rec["inn"].notna().to_numpy() & kpp.notna().to_numpy()
                        & (kpp.to_numpy() != canon_kpp.to_numpy()))
    for c in ("tax_id", "branch_code", "legal_form", "key", "inn", "is_person"):
        if c in rec.columns:
            out[c] = rec[c].to_numpy()
    return out.drop(columns=["cluster", "completeness", "has_inn", "is_head", "script_ok"])


def assign_groups(entities: pd.DataFrame, clients: pd.DataFrame,
                  group_map: pd.DataFrame | None = None) -> pd.Series:
    """``group_id`` per record: consultant's mapping, else 1C head counterparty, else the
    shared group name, else the entity itself.

    ``group_map`` has columns client_id and group (any client of an entity names the
    entity's group). The head counterparty (``parent_id``) may hold a code or a name; it
    is resolved to the entity of that record. Group ids are ``G:`` + the name, or the
    entity id of the head.
    """
    ent = entities.set_index("client_id")["entity_id"]
    group = pd.Series(ent.to_numpy(), index=ent.index, dtype=object)
    by_entity: dict[str, str] = {}
    cl = clients.assign(client_id=clients["client_id"].astype(str)).set_index("client_id")
    if "group" in cl.columns:
        named = cl["group"].dropna().astype(str).str.strip()
        for cid, g in named[named != ""].items():
            by_entity.setdefault(ent[cid], f"G:{g}")
    parents = cl["parent_id"].dropna().astype(str) if "parent_id" in cl.columns else None
    if parents is not None and len(parents):
        # names read once as Python strings (iterating an Arrow string column is slow)
        name_to_code = {str(n).casefold(): c
                        for c, n in zip(cl.index.tolist(), cl["name"].tolist(), strict=True)}
        for cid, parent in zip(parents.index.tolist(), parents.tolist(), strict=True):
            head = parent if parent in ent.index else name_to_code.get(parent.casefold())
            if head is not None and ent[head] != ent[cid]:
                by_entity.setdefault(ent[cid], ent[head])
                by_entity.setdefault(ent[head], ent[head])
    if group_map is not None and len(group_map):
        for cid, g in zip(group_map["client_id"].astype(str), group_map["group"], strict=True):
            if cid in ent.index and isinstance(g, str) and g.strip():
                by_entity[ent[cid]] = f"G:{g.strip()}"
    # a head named in a group spreads its group to its branches' entities
    for e, g in list(by_entity.items()):
        if g in by_entity and by_entity[g] != g:
            by_entity[e] = by_entity[g]
    mapped = ent.map(by_entity).astype(object)
    return mapped.where(mapped.notna(), group).rename("group_id")


def remap_sales(sales: pd.DataFrame, entities: pd.DataFrame, *, client_id: str = "client_id",
                amount: str = "net_revenue") -> pd.DataFrame:
    """Add ``entity_id`` and ``group_id`` to sales lines; money and rows unchanged (checked).

    Raises
    ------
    ReconciliationError
        A line without an entity, or totals that differ after the remapping.
    """
    lookup = entities.set_index("client_id")[["entity_id", "group_id"]]
    out = sales.join(lookup, on=client_id, how="left")
    missing = out["entity_id"].isna()
    if missing.any():
        ex = out.loc[missing, client_id].unique()[:5]
        raise ReconciliationError(
            f"{int(missing.sum())} sales lines have a client code with no entity: "
            f"{', '.join(map(str, ex))}", hint="a bug in kamlib: every client of the intake "
            "must be in the entities table")
    before = round(float(sales[amount].sum()), 2)
    after = round(float(out[amount].sum()), 2)
    if len(out) != len(sales) or before != after:
        raise ReconciliationError(
            f"remapping sales to entities changed the totals: {len(sales)} → {len(out)} lines,"
            f" {before:.2f} → {after:.2f}", hint="a bug in kamlib; please report it")
    return out
