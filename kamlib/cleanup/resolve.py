"""The rules of step 1 that both the step and its widget apply: one implementation of each.

:func:`kamlib.cleanup.clean_client_base` runs them once on an engagement; the cleanup widget
(:mod:`kamlib.notebook.widgets.cleanup`) runs them again at every move of its thresholds:

- :func:`match_params` — the matching thresholds of the step's parameters;
- :func:`resolve_pairs` — the union-find over the proposals and people's decisions, with a
  pair to review whose records ended up together through other pairs marked as such;
- :func:`entities_with_groups` — records → legal entities → groups;
- :func:`funnel_counts` — records → legal entities → groups → buying → active.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .entities import assign_groups, build_entities
from .matching import MatchParams, cluster

__all__ = ["SAME_THROUGH_OTHERS", "entities_with_groups", "funnel_counts", "match_params",
           "resolve_pairs"]

#: The outcome of a pair to review whose two records were joined through other pairs.
SAME_THROUGH_OTHERS = "same entity through other pairs"


def match_params(params: Any, review: float | None = None,
                 auto_merge: float | None = None) -> MatchParams:
    """The matching thresholds of ``params`` (:class:`~kamlib.config.CleanupParams`), with
    ``review`` / ``auto_merge`` overriding its two thresholds when given."""
    return MatchParams(float(params.review_threshold if review is None else review),
                       float(params.auto_merge_threshold if auto_merge is None else auto_merge),
                       params.distinctive_token_max_share)


def resolve_pairs(rec: pd.DataFrame, pairs: pd.DataFrame, *,
                  accepted: Iterable[tuple[str, str]] = (),
                  rejected: Iterable[tuple[str, str]] = ()) -> tuple[np.ndarray, pd.DataFrame]:
    """Cluster the records (:func:`~kamlib.cleanup.matching.cluster`) and mark the pairs
    to review that the clustering joined anyway.

    Parameters
    ----------
    rec : pd.DataFrame
        The records (:func:`~kamlib.cleanup.matching.prepare_records`).
    pairs : pd.DataFrame
        The proposed pairs (with ``a``, ``b``, ``proposal``).
    accepted, rejected : iterable of (client_id, client_id)
        People's decisions.

    Returns
    -------
    labels : np.ndarray
        The cluster root of every record.
    pairs : pd.DataFrame
        The pairs with their ``outcome``; a pair ``to review`` whose records share a root is
        :data:`SAME_THROUGH_OTHERS` (nothing left to decide).
    """
    labels, applied = cluster(rec, pairs, accepted=accepted, rejected=rejected)
    if len(applied):
        same = labels[applied["a"].to_numpy()] == labels[applied["b"].to_numpy()]
        applied.loc[same & (applied["outcome"] == "to review").to_numpy(), "outcome"] = \
            SAME_THROUGH_OTHERS
    return labels, applied


def entities_with_groups(rec: pd.DataFrame, labels: np.ndarray, usage: pd.Series,
                         clients: pd.DataFrame,
                         group_map: pd.DataFrame | None = None, *,
                         clean_names: np.ndarray | None = None) -> pd.DataFrame:
    """Records → entities (:func:`~kamlib.cleanup.entities.build_entities`) with the
    ``group_id`` of each (:func:`~kamlib.cleanup.entities.assign_groups` on ``clients``, the
    records' catalogue: group names and head counterparties, and the consultant's
    ``group_map``). ``clean_names``: :func:`~kamlib.cleanup.entities.name_is_clean` of
    ``rec``, when the caller has it."""
    entities = build_entities(rec, labels, usage, clean_names=clean_names)
    entities["group_id"] = assign_groups(entities, clients, group_map).reindex(
        entities["client_id"]).to_numpy()
    return entities


def funnel_counts(entities: pd.DataFrame, status: pd.DataFrame) -> dict[str, int]:
    """The client funnel: records, legal entities, groups, entities that bought in the
    period, and active ones (status ``active`` or ``new``).

    ``entities`` has one row per record (entity_id, group_id); ``status`` one per entity
    (:func:`~kamlib.cleanup.status.activity_status`)."""
    st = status["status"]
    return {"records": len(entities),
            "legal_entities": int(entities["entity_id"].nunique()),
            "groups": int(entities["group_id"].nunique()),
            "buying": int((st != "never_bought").sum()),
            "active": int(st.isin(["active", "new"]).sum())}
