"""Step 1 of the audit: who the clients really are.

Raw catalogue records → legal entities (duplicates and branches merged) → groups, with the
evidence for every merge, the pairs a person must review, their decisions replayed, the
identifiers checked, and each entity's activity status (METHODS.md §1).

Public API:

- :func:`clean_client_base` — DataFrames in, :class:`CleanupResult` out (no I/O);
- :func:`run_cleanup` — the step on an engagement: reads the intake, the decisions and the
  review sheet; writes ``work/01_client_base_cleanup`` and the review sheet;
- :func:`pairwise_scores` — precision and recall of a clustering against a known truth.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import polars as pl

from ..config import CleanupParams
from ..identifiers import (
    foreign_vat_problem,
    is_foreign_vat,
    is_valid_kpp,
    is_valid_ogrn,
    valid_inn_mask,
)
from ..intake.level import narrowed_notes, sales_level
from ..steps import StepResult, artefact_path, open_step, step
from ..summaries import write_summary
from .entities import remap_sales
from .matching import candidate_pairs, prepare_records
from .resolve import entities_with_groups, funnel_counts, match_params, resolve_pairs
from .review import (
    MERGES_COLUMNS,
    import_review,
    read_decisions,
    write_decisions,
    write_review,
)
from .status import activity_status, narrow_to_period_level, status_summary

if TYPE_CHECKING:
    from ..engagement import Engagement

__all__ = [
    "CleanupResult",
    "clean_client_base",
    "identifier_checks",
    "pairwise_scores",
    "run_cleanup",
]


@dataclass
class CleanupResult:
    """What step 1 produces.

    Attributes
    ----------
    entities : pd.DataFrame
        One row per client record: client_id, entity_id, group_id, entity_name, is_branch …
    entity_table : pd.DataFrame
        One row per entity: name, records, codes, group, INN, status, revenue.
    pairs : pd.DataFrame
        Every candidate pair: score, tier, evidence, proposal, outcome.
    sales : pd.DataFrame
        Sales lines with entity_id and group_id (totals unchanged, checked).
    status : pd.DataFrame
        Activity status per entity (:func:`kamlib.cleanup.status.activity_status`).
    identifiers : pd.DataFrame
        INN / KPP / OGRN checks per record.
    summary : dict
        Key figures for ``summary.json`` and the report.
    """

    entities: pd.DataFrame
    entity_table: pd.DataFrame
    pairs: pd.DataFrame
    sales: pd.DataFrame
    status: pd.DataFrame
    identifiers: pd.DataFrame
    summary: dict[str, Any] = field(default_factory=dict)
    records: pd.DataFrame | None = None


def identifier_checks(clients: pd.DataFrame) -> pd.DataFrame:
    """INN, KPP and OGRN of each record: valid, invalid (with why), missing, or foreign.

    An ИП (12-digit INN) has no KPP. Ids with letters are foreign tax numbers
    (``inn_status`` "foreign / not an INN"); ``vat_status`` says whether a foreign VAT number
    passes its country's format and check digits (``valid``, ``invalid: …``; only valid ones
    are used to match records), empty for other ids.
    """
    n = len(clients)

    def column(name: str) -> list[Any]:
        return clients[name].to_numpy(object).tolist() if name in clients.columns \
            else [None] * n

    inns, kpps, ogrns = column("tax_id"), column("branch_code"), column("ogrn")
    valid = valid_inn_mask(inns).tolist()  # the check digits of all INNs at once
    rows = []
    for cid, name, inn, ok, kpp, ogrn in zip(column("client_id"), column("name"), inns, valid,
                                             kpps, ogrns, strict=True):
        if not isinstance(inn, str) or not inn:
            inn_s = "missing"
        elif not inn.isdigit():
            inn_s = "foreign / not an INN"
        elif len(inn) not in (10, 12):
            inn_s = f"invalid: {len(inn)} digits"
        else:
            inn_s = "valid" if ok else "invalid: check digit"
        if not isinstance(kpp, str) or not kpp:
            kpp_s = "not applicable (ИП)" if isinstance(inn, str) and len(inn) == 12 \
                else "missing"
        else:
            kpp_s = "valid" if is_valid_kpp(kpp) else "invalid format"
        if not isinstance(ogrn, str) or not ogrn:
            ogrn_s = "missing"
        else:
            ogrn_s = "valid" if is_valid_ogrn(ogrn) else "invalid: check digit or length"
        vat_s = ""
        if isinstance(inn, str) and is_foreign_vat(inn):
            problem = foreign_vat_problem(inn)
            vat_s = "valid" if problem is None else f"invalid: {problem}"
        rows.append((cid, name, inn, inn_s, kpp, kpp_s, ogrn, ogrn_s, vat_s))
    return pd.DataFrame(rows, columns=["client_id", "name", "tax_id", "inn_status",
                                       "branch_code", "kpp_status", "ogrn", "ogrn_status",
                                       "vat_status"])


def pairwise_scores(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Pairwise precision and recall of a clustering.

    Parameters
    ----------
    predicted, truth : pd.Series
        Cluster label per record (same index). A pair of records is *predicted* if both
        have the same predicted label, *true* if the same true label.

    Returns
    -------
    dict
        precision, recall, predicted_pairs, true_pairs, correct_pairs.
    """
    def pairs_of(labels: pd.Series) -> set[tuple[str, str]]:
        out: set[tuple[str, str]] = set()
        for members in labels.groupby(labels).groups.values():
            m = sorted(map(str, members))
            out.update((m[i], m[j]) for i in range(len(m)) for j in range(i + 1, len(m)))
        return out

    p, t = pairs_of(predicted), pairs_of(truth.reindex(predicted.index))
    correct = len(p & t)
    return {"precision": correct / len(p) if p else 1.0,
            "recall": correct / len(t) if t else 1.0,
            "predicted_pairs": len(p), "true_pairs": len(t), "correct_pairs": correct}


def clean_client_base(
    clients: pd.DataFrame,
    sales: pd.DataFrame,
    *,
    params: CleanupParams | None = None,
    decisions: pd.DataFrame | None = None,
    group_map: pd.DataFrame | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    sales_period: tuple[date | None, date | None] | None = None,
) -> CleanupResult:
    """Turn client records into entities and groups; remap sales; classify activity.

    Parameters
    ----------
    clients : pd.DataFrame
        The canonical ``clients`` table of the intake.
    sales : pd.DataFrame
        The canonical ``sales`` table.
    params : CleanupParams, optional
        Thresholds (``engagement.yaml`` → ``cleanup``).
    decisions : pd.DataFrame, optional
        A person's decisions (:func:`kamlib.cleanup.review.read_decisions`).
    group_map : pd.DataFrame, optional
        client_id → group, from the consultant.
    period_start, period_end : date, optional
        The audit period (default: the sales data's span).
    sales_period : (date, date), optional
        Given for period-level sales (a report form's totals, no order dates): the statuses
        are narrowed to what they support (:func:`~kamlib.cleanup.status.narrow_to_period_level`).

    Returns
    -------
    CleanupResult
    """
    params = params or CleanupParams()
    decisions = decisions if decisions is not None else pd.DataFrame(columns=MERGES_COLUMNS)
    mp = match_params(params)
    rec = prepare_records(clients)
    pairs = candidate_pairs(rec, mp)
    accepted = decisions.loc[decisions["decision"] == "accept", ["client_id_a", "client_id_b"]]
    rejected = decisions.loc[decisions["decision"] == "reject", ["client_id_a", "client_id_b"]]
    pairs = _add_decided_pairs(pairs, rec, decisions)
    labels, pairs = resolve_pairs(rec, pairs,
                                  accepted=accepted.itertuples(index=False, name=None),
                                  rejected=rejected.itertuples(index=False, name=None))
    usage = sales.groupby("client_id").size() if len(sales) else pd.Series(dtype=int)
    entities = entities_with_groups(rec, labels, usage, clients, group_map)
    for c in ("deleted", "origin", "region", "segment", "manager"):
        if c in rec.columns:
            entities[c] = rec[c].to_numpy()
    sales_e = remap_sales(sales, entities)
    status = activity_status(sales_e, entities["entity_id"].unique(),
                             period_start=period_start, period_end=period_end,
                             k=params.dormant_k, min_days=params.dormant_min_days,
                             lost_months=params.lost_months, new_months=params.new_months)
    if sales_period is not None:
        status = narrow_to_period_level(status, *sales_period)
    ids = identifier_checks(clients.assign(client_id=clients["client_id"].astype(str)))
    table = _entity_table(entities, status)
    result = CleanupResult(entities, table, pairs, sales_e, status, ids, records=rec)
    result.summary = _summary(result, clients, decisions)
    return result


def _add_decided_pairs(pairs: pd.DataFrame, rec: pd.DataFrame,
                       decisions: pd.DataFrame) -> pd.DataFrame:
    """Decided pairs that the matching did not propose still appear (as decided)."""
    if decisions.empty:
        return pairs
    pos = {c: i for i, c in enumerate(rec["client_id"])}
    have = {frozenset(p) for p in zip(pairs["client_id_a"], pairs["client_id_b"], strict=True)}
    extra = []
    for a, b, d in zip(decisions["client_id_a"], decisions["client_id_b"],
                       decisions["decision"], strict=True):
        if a in pos and b in pos and frozenset((a, b)) not in have:
            i, j = sorted((pos[a], pos[b]))
            extra.append({"a": i, "b": j, "tier": "decision", "score": 0.0,
                          "inn_conflict": False, "evidence": f"decided by a person: {d}",
                          "evidence_reasons": json.dumps(
                              [{"code": f"evidence_decided_{d}", "args": {}}],
                              ensure_ascii=False),
                          "client_id_a": rec.at[i, "client_id"],
                          "client_id_b": rec.at[j, "client_id"], "proposal": "decided"})
    return pd.concat([pairs, pd.DataFrame(extra)], ignore_index=True) if extra else pairs


def _entity_table(entities: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    g = entities.groupby("entity_id", sort=True)
    # each entity's codes (sorted), spellings (in record order, once each) and first INN, in
    # one polars aggregation rather than a Python function per group
    lists = pl.DataFrame({
        "entity_id": pl.Series(entities["entity_id"].tolist(), dtype=pl.String),
        "client_id": pl.Series(entities["client_id"].tolist(), dtype=pl.String),
        "name": pl.Series(entities["name"].tolist(), dtype=pl.String),
        "inn": pl.Series([x if isinstance(x, str) else None
                          for x in entities["inn"].to_numpy(object)], dtype=pl.String),
    }).group_by("entity_id").agg(
        codes=pl.col("client_id").sort().str.join(", "),
        spellings=pl.col("name").unique(maintain_order=True).str.join(" | "),
        inn=pl.col("inn").drop_nulls().first())
    index = g.size().index
    lists_by = lists.to_pandas().set_index("entity_id").reindex(index.astype(str))
    table = pd.DataFrame({
        "entity_name": g["entity_name"].first(),
        "group_id": g["group_id"].first(),
        "records": g.size(),
        "codes": pd.Series(lists_by["codes"].to_numpy(object), index=index, dtype=object),
        "spellings": pd.Series(lists_by["spellings"].to_numpy(object), index=index,
                               dtype=object),
        "inn": pd.Series([x if isinstance(x, str) else None
                          for x in lists_by["inn"].to_numpy(object)], index=index,
                         dtype=object),
        "branches": g["is_branch"].sum(),
    })
    table = table.join(status, how="left")
    table.index.name = "entity_id"
    return table.reset_index()


def _summary(r: CleanupResult, clients: pd.DataFrame, decisions: pd.DataFrame) -> dict[str, Any]:
    ent = r.entity_table
    outcome = r.pairs["outcome"].value_counts().to_dict() if len(r.pairs) else {}
    dup = ent[ent["records"] > 1]
    st = status_summary(r.status)
    funnel = funnel_counts(r.entities, r.status)
    buying, active = funnel["buying"], funnel["active"]
    ids = r.identifiers
    return {
        "records": len(r.entities),
        "records_deleted_mark": int(r.entities.get("deleted", pd.Series(dtype=bool))
                                    .fillna(False).astype(bool).sum()),
        "records_added_from_transactions": int((r.entities.get("origin") == "transactions")
                                               .sum()) if "origin" in r.entities else 0,
        "entities": len(ent),
        "groups": int(r.entities["group_id"].nunique()),
        "groups_with_several_entities": int(ent.groupby("group_id").size().gt(1).sum()),
        "entities_with_several_records": len(dup),
        "records_merged_away": int(len(r.entities) - len(ent)),
        "branches": int(r.entities["is_branch"].sum()),
        "buying_entities": buying,
        "active_entities": active,
        "funnel": funnel,
        "pairs": {k: int(v) for k, v in outcome.items()},
        "to_review": int(outcome.get("to review", 0)),
        "decisions_applied": len(decisions),
        "largest_clusters": [
            {"entity_id": e.entity_id, "name": e.entity_name, "records": int(e.records),
             "spellings": e.spellings.split(" | ")[:6]}
            for e in dup.sort_values(["records", "entity_id"], ascending=[False, True])
            .head(10).itertuples()],
        "inn": ids["inn_status"].value_counts().to_dict(),
        "invalid_inn_records": int(ids["inn_status"].str.startswith("invalid").sum()),
        "invalid_vat_records": int(ids["vat_status"].str.startswith("invalid").sum()),
        "status": {s.Index: {"entities": int(s.entities), "share_entities":
                             round(float(s.share_entities), 4),
                             "net_revenue": round(float(s.net_revenue), 2),
                             "share_revenue": round(float(s.share_revenue), 4)}
                   for s in st.itertuples()},
        "net_revenue": round(float(r.sales["net_revenue"].sum()), 2),
    }


# --------------------------------------------------------------------------- the step's I/O


def _file(name: str) -> str:
    """The file name of one of this step's artefacts (the registry, :mod:`kamlib.steps`)."""
    return step("01").artefact(name).file


def run_cleanup(engagement: Engagement | str | Path, out_dir: str | Path | None = None, *,
                params: CleanupParams | None = None, lang: str | None = None
                ) -> StepResult:
    """Step 1 on an engagement: intake artefacts in, entities and review sheet out.

    Reads ``work/00_intake`` (clients, sales), ``decisions/merges.csv``,
    ``decisions/groups.csv`` (optional client_id,group mapping) and any decisions filled in
    ``review/duplicates.xlsx`` (imported into merges.csv). Writes into ``out_dir``:
    ``entities.parquet`` (client_id → entity_id, group_id), ``entity_table.parquet``,
    ``pairs.parquet``, ``sales.parquet`` (with entity_id), ``status.parquet``,
    ``identifiers.parquet``, ``summary.json``; and the review sheet (``out_dir`` defaults to
    the step's folder, :mod:`kamlib.steps`). Returns the :class:`~kamlib.steps.StepResult`
    whose parts are the :class:`CleanupResult`'s tables.
    """
    eng, out = open_step(engagement, "01", out_dir)
    params = params or eng.config.cleanup
    clients = pd.read_parquet(artefact_path(eng, "clients"))
    sales = pd.read_parquet(artefact_path(eng, "sales"))
    merges_path = eng.root / "decisions" / "merges.csv"
    review_path = eng.root / "review" / "duplicates.xlsx"
    decisions = read_decisions(merges_path)
    decisions, imported = import_review(review_path, decisions)
    if imported:
        write_decisions(merges_path, decisions)
    groups_path = eng.root / "decisions" / "groups.csv"
    group_map = pd.read_csv(groups_path, dtype=str) if groups_path.exists() else None
    p = eng.config.period
    level = sales_level(step("00").dir(eng))
    result = clean_client_base(clients, sales, params=params, decisions=decisions,
                               group_map=group_map, period_start=p.start, period_end=p.end,
                               sales_period=(level.start, level.end) if level.period else None)
    result.summary["narrowed"] = level.reasons("01")
    usage = sales.groupby("client_id").size()
    n_review = write_review(review_path, result.pairs, result.records, usage, decisions,
                            lang=lang or eng.config.report.language)
    result.summary.update({"decisions_imported_from_review": imported,
                           "review_sheet": str(review_path.relative_to(eng.root)),
                           "review_rows": n_review})
    out.mkdir(parents=True, exist_ok=True)
    result.entities.drop(columns=["key"], errors="ignore").to_parquet(out / _file("entities"))
    result.entity_table.to_parquet(out / _file("entity_table"))
    result.pairs.to_parquet(out / _file("pairs"))
    result.sales.to_parquet(out / _file("entity_sales"))
    result.status.reset_index().to_parquet(out / _file("status"))
    result.identifiers.to_parquet(out / _file("identifiers"))
    # the decisions of people that this run applied (the report's provenance lists them)
    decisions.astype({c: "string" for c in decisions.columns}).to_parquet(
        out / _file("decisions"))
    result.summary = write_summary("01", out / "summary.json", result.summary,
                                   currency=eng.config.currency)
    return StepResult("01", result.summary, {
        "entities": result.entities, "entity_table": result.entity_table,
        "pairs": result.pairs, "sales": result.sales, "status": result.status,
        "identifiers": result.identifiers, "records": result.records},
        tuple(narrowed_notes(result.summary["narrowed"], lang or eng.config.report.language,
                             eng.config.currency)))


