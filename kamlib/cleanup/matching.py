"""Who is the same client: candidate pairs in tiers, scored with their evidence, and clusters.

METHODS.md §1, "Matching, in tiers":

1. the same **valid INN** is one legal entity (deterministic; another KPP is a branch);
2. **blocking**, then fuzzy scores (rapidfuzz) on normalised names, only for records that
   share a *distinctive* token (rare in this base), the same full name key, or the same
   person (sole proprietor: surname and initials) — plain fuzzy matching of company names
   is mostly false positives;
3. the same name with **different valid INNs** is never merged automatically.

Clusters are built by a union-find that refuses any union joining two different valid INNs
(unless a person accepted it) or a pair a person rejected. Never an all-pairs matrix: the
work is bounded by the block sizes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from ..identifiers import is_valid_foreign_vat, valid_inn_mask
from .names import normalize_names
from .scoring import inn_star_pairs, pair_evidence, score_pairs

__all__ = ["PAIR_DTYPES", "MatchParams", "candidate_pairs", "cluster", "empty_pairs",
           "prepare_proposals", "prepare_records", "propose", "propose_prepared"]


@dataclass(frozen=True)
class MatchParams:
    """Thresholds of the matching (``engagement.yaml`` → ``cleanup``).

    Attributes
    ----------
    review_threshold : float
        Pairs scoring at least this go to the review sheet.
    auto_merge_threshold : float
        Pairs scoring at least this merge without review (unless their INNs conflict).
    distinctive_token_max_share : float
        A name token is distinctive if at most this share of records carry it (and never
        fewer than 3 records' worth).
    max_block : int
        Blocks larger than this are not expanded into pairs (no all-pairs work).
    """

    review_threshold: float = 85.0
    auto_merge_threshold: float = 95.0
    distinctive_token_max_share: float = 0.002
    max_block: int = 60


def prepare_records(clients: pd.DataFrame, *, client_id: str = "client_id",
                    name: str = "name", tax_id: str = "tax_id",
                    branch_code: str = "branch_code") -> pd.DataFrame:
    """Client records with their normalised name parts and identifier validity.

    Returns the records (same order, a fresh RangeIndex) with ``legal_form``, ``core``,
    ``key``, ``tokens``, ``weak``, ``is_person``, ``person_key``, ``inn`` (the tax id if it
    identifies a legal entity — a valid INN, or a foreign VAT number whose country's format
    and check digits hold (python-stdnum) — else ``None``: an invalid one is kept in
    ``inn_raw`` and never used to merge), ``inn_raw`` and ``kpp``.
    """
    rec = clients.reset_index(drop=True).copy()
    rec["client_id"] = rec[client_id].astype(str)
    parts = normalize_names(rec[name].fillna(""))
    for col in ("legal_form", "core", "key", "tokens", "weak", "is_person", "person_key"):
        rec[col] = parts[col].to_numpy()
    raw = rec[tax_id] if tax_id in rec.columns else pd.Series([None] * len(rec))
    inn_raw = [_text(t) for t in raw.to_numpy(object)]
    rec["inn_raw"] = pd.Series(inn_raw, dtype=object)
    rec["inn"] = pd.Series([t if ok or (t and is_valid_foreign_vat(t)) else None for t, ok in
                            zip(inn_raw, valid_inn_mask(inn_raw).tolist(), strict=True)],
                           dtype=object)
    kpp = rec[branch_code] if branch_code in rec.columns else pd.Series([None] * len(rec))
    rec["kpp"] = pd.Series([_text(k) for k in kpp.to_numpy(object)], dtype=object)
    return rec


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _text(x: object) -> str | None:
    """A non-empty string, else None (pandas gives NaN for missing values, and NaN is
    truthy: never test a missing identifier with ``if x``)."""
    return x if isinstance(x, str) and x.strip() else None


def _texts(values: pd.Series | np.ndarray | list[Any]) -> np.ndarray:
    """:func:`_text` of every value (an object array: the strings, else None)."""
    v = np.asarray(pd.Series(values, dtype=object).to_numpy(object), dtype=object)
    ok = pd.Series(v, dtype=object).str.strip().str.len().gt(0).to_numpy(bool)
    out = np.full(len(v), None, dtype=object)
    out[ok] = v[ok]
    return out


def _blocks(rec: pd.DataFrame, params: MatchParams) -> pl.DataFrame:
    """Block memberships (``i`` record position, ``block`` key): distinctive tokens
    (``t:``), exact name keys (``k:``), person keys (``p:``; a person with a person key is
    in that block only)."""
    n = len(rec)
    limit = max(3, int(params.distinctive_token_max_share * n))
    person = rec["is_person"].to_numpy(bool) & rec["person_key"].notna().to_numpy()
    # the tokens are the words of the key, the weak ones a subset of them
    recs = pl.DataFrame({
        "i": np.arange(n, dtype=np.int64),
        "person": person,
        "person_key": pl.Series(rec["person_key"].tolist(), dtype=pl.String),
        "key": pl.Series(rec["key"].tolist(), dtype=pl.String),
        "weak": pl.Series([" ".join(w) for w in rec["weak"].to_numpy(object)], dtype=pl.String),
    }).with_columns(tokens=pl.col("key").str.split(" ").list.eval(
        pl.element().filter(pl.element() != "")),
        weak=pl.col("weak").str.split(" "))
    # a token is distinctive if few records carry it (persons' tokens count too)
    tokens = (recs.select("i", "person", "weak", pl.col("tokens").list.unique())
              .explode("tokens").drop_nulls("tokens").rename({"tokens": "t"}))
    df_count = tokens.group_by("t").agg(pl.len().alias("df"))
    token_blocks = (
        tokens.filter(~pl.col("person"), ~pl.col("weak").list.contains(pl.col("t")),
                      pl.col("t").str.len_chars() >= 3, ~pl.col("t").str.contains(r"^[0-9]+$"))
        .join(df_count, on="t").filter(pl.col("df") <= limit)
        .select("i", block=pl.lit("t:") + pl.col("t")))
    person_blocks = recs.filter("person").select("i", block=pl.lit("p:") + pl.col("person_key"))
    key_blocks = (recs.filter(~pl.col("person"), pl.col("key") != "")
                  .select("i", block=pl.lit("k:") + pl.col("key")))
    return pl.concat([person_blocks, key_blocks, token_blocks])


def _pairs_from_blocks(blocks: pl.DataFrame, max_block: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a < b, sorted) of records sharing a block of at most ``max_block``
    records; larger blocks are not expanded (no all-pairs work)."""
    members = (blocks.unique()
               .with_columns(size=pl.len().over("block"))
               .filter(pl.col("size") >= 2, pl.col("size") <= max_block)
               .select("block", "i"))
    ab = (members.join(members, on="block", suffix="_b")
          .filter(pl.col("i") < pl.col("i_b"))
          .select(a="i", b="i_b").unique().sort("a", "b"))
    return ab["a"].to_numpy(), ab["b"].to_numpy()


def candidate_pairs(rec: pd.DataFrame, params: MatchParams | None = None) -> pd.DataFrame:
    """All candidate pairs of client records, each with a score, its tier and evidence.

    Tier 1 and the scores are :mod:`kamlib.cleanup.scoring`'s: :func:`inn_star_pairs` (the
    same valid INN), :func:`score_pairs` and :func:`pair_evidence` (blocked pairs; the
    evidence is written for the pairs kept only).

    Parameters
    ----------
    rec : pd.DataFrame
        Output of :func:`prepare_records`.
    params : MatchParams, optional
        Thresholds.

    Returns
    -------
    pd.DataFrame
        ``a``, ``b`` (record positions, a < b), ``client_id_a``, ``client_id_b``, ``tier``
        ('inn' or 'name'), ``score``, ``inn_conflict`` (both INNs valid and different),
        ``evidence``, ``proposal`` ('merge', 'review', 'keep apart' or 'no match').
    """
    params = params or MatchParams()
    cols = rec[["key", "core", "is_person", "weak"]].copy()
    for k in ("inn", "inn_raw", "person_key", "legal_form", "kpp"):
        cols[k] = pd.Series(_texts(rec[k]) if k in rec.columns else [None] * len(rec),
                            dtype=object)
    cols["cyrillic"] = rec["core"].str.contains(_CYRILLIC.pattern, regex=True).to_numpy(bool)
    inn = cols["inn"].to_numpy(object)
    # tier 1: the same valid INN — a star per INN (no all-pairs inside a big group)
    a1, b1, ev1, rs1 = inn_star_pairs(inn, cols["kpp"].to_numpy(object))
    # tier 2: blocked pairs not already linked by tier 1 through the INN star, scored
    a2, b2 = _pairs_from_blocks(_blocks(cols, params), params.max_block)
    inn_c = pd.factorize(inn, use_na_sentinel=True)[0]
    linked = (inn_c[a2] >= 0) & (inn_c[a2] == inn_c[b2])
    a2, b2 = a2[~linked], b2[~linked]
    s = score_pairs(cols, a2, b2)
    kept = np.flatnonzero(s.conflict | (s.score >= params.review_threshold))
    ev2, rs2 = pair_evidence(cols, a2, b2, s, kept)
    n1 = len(a1)
    out = pd.DataFrame({
        "a": np.r_[a1, a2[kept]].astype(np.int64),
        "b": np.r_[b1, b2[kept]].astype(np.int64),
        "tier": pd.Series(["inn"] * n1 + ["name"] * len(kept), dtype="str"),
        "score": np.r_[np.full(n1, 100.0), s.score[kept]].astype(np.float64),
        "inn_conflict": np.r_[np.zeros(n1, bool), s.conflict[kept]].astype(bool),
        "evidence": pd.Series(ev1 + ev2, dtype="str"),
        "evidence_reasons": pd.Series(rs1 + rs2, dtype="str"),
    })
    ids = rec["client_id"].to_numpy()
    out["client_id_a"] = ids[out["a"].to_numpy()]
    out["client_id_b"] = ids[out["b"].to_numpy()]
    out["proposal"] = np.select(
        [out["inn_conflict"], out["score"] >= params.auto_merge_threshold,
         out["score"] >= params.review_threshold],
        ["keep apart", "merge", "review"], default="no match") if len(out) else []
    out = out[out["proposal"] != "no match"] if len(out) else out
    out = _ambiguous_to_review(out, rec)
    if out.empty:  # no candidate at all (numeric codes, a small base): typed, not float
        return empty_pairs()
    return out.sort_values(["score", "client_id_a", "client_id_b"],
                           ascending=[False, True, True], kind="stable").reset_index(drop=True)


#: the columns of a pairs table and their types (an empty table keeps them)
PAIR_DTYPES: dict[str, str] = {
    "a": "int64", "b": "int64", "tier": "object", "score": "float64", "inn_conflict": "bool",
    "evidence": "object", "evidence_reasons": "object", "client_id_a": "object",
    "client_id_b": "object", "proposal": "object",
}


def empty_pairs() -> pd.DataFrame:
    """A pairs table with no rows and the column types of :func:`candidate_pairs`."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in PAIR_DTYPES.items()})


def _ambiguous_to_review(pairs: pd.DataFrame, rec: pd.DataFrame) -> pd.DataFrame:
    """A record without a usable tax id that would merge with records of two or more
    *different* legal entities (different valid tax ids) is ambiguous: its merges go to
    review — unless its own mistyped INN is one digit away from exactly one of them, which
    then wins."""
    if pairs.empty:
        return pairs
    inn = rec["inn"].to_numpy()
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    has_a = np.array([x is not None for x in inn[a]])
    has_b = np.array([x is not None for x in inn[b]])
    lone = np.where(~has_a & has_b, a, np.where(has_a & ~has_b, b, -1))
    other = np.where(~has_a & has_b, inn[b], np.where(has_a & ~has_b, inn[a], None))
    merge = (pairs["proposal"] == "merge").to_numpy() & (lone >= 0)
    typo = pairs["evidence"].str.contains("differ by one digit", regex=False).to_numpy()
    cand = pd.DataFrame({"lone": lone, "inn": other, "typo": typo})[merge]
    n_inn = cand.groupby("lone")["inn"].nunique()
    ambiguous = n_inn[n_inn > 1].index
    if ambiguous.empty:
        return pairs
    typo_inns = cand[cand["typo"]].groupby("lone")["inn"].agg(set)
    pairs = pairs.copy()
    # a lone record whose mistyped INN is one digit from exactly one candidate keeps that
    # merge; every other merge of an ambiguous lone record goes to review
    one_typo = typo_inns[typo_inns.map(len) == 1].map(lambda inns: next(iter(inns)))
    kept_inn = pd.Series(lone).map(one_typo).to_numpy()
    has_typo = pd.notna(kept_inn)
    hit = merge & np.isin(lone, ambiguous.to_numpy())
    hit &= ~(has_typo & (other == kept_inn))
    note = np.where(has_typo, _AMBIGUITY_NOTES[0], _AMBIGUITY_NOTES[1])
    pairs.loc[hit, "proposal"] = "review"
    pairs.loc[hit, "evidence"] = pairs.loc[hit, "evidence"] + note[hit]
    if "evidence_reasons" in pairs.columns:
        code = np.where(has_typo, _AMBIGUITY_CODES[0], _AMBIGUITY_CODES[1])
        pairs.loc[hit, "evidence_reasons"] = [
            _json([*_loads(r), _ev(c)]) for r, c in
            zip(pairs.loc[hit, "evidence_reasons"], code[hit], strict=True)]
    return pairs


def _ev(code: str, **args: Any) -> dict[str, Any]:
    """One piece of a pair's evidence as a reason code with its figures (``reason.evidence_*``
    of the string tables), the JSON form of :class:`kamlib.units.Reason`."""
    return {"code": code, "args": args}


def _json(reasons: list[dict[str, Any]]) -> str:
    return json.dumps(reasons, ensure_ascii=False)


def _loads(text: Any) -> list[dict[str, Any]]:
    return list(json.loads(text)) if isinstance(text, str) and text else []


#: notes :func:`_ambiguous_to_review` appends to a pair's evidence (stripped before re-applying)
_AMBIGUITY_NOTES = ("; another candidate's INN is one digit from this record's",
                    "; ambiguous: this record without a tax id matches several legal entities")
#: the same notes as reason codes (``evidence_reasons``)
_AMBIGUITY_CODES = ("evidence_ambiguous_typo", "evidence_ambiguous")


def propose(pairs: pd.DataFrame, rec: pd.DataFrame, params: MatchParams) -> pd.DataFrame:
    """Classify already-scored candidate pairs again under other thresholds.

    The rule of :func:`candidate_pairs` (METHODS.md §1, "Matching, in tiers") without the
    scoring: a pair whose valid INNs differ is kept apart, a score ≥ ``auto_merge_threshold``
    is a merge, ≥ ``review_threshold`` a review, anything lower no match (dropped); then a
    record without a tax id that would merge with several legal entities goes to review.

    Parameters
    ----------
    pairs : pd.DataFrame
        Scored pairs from :func:`candidate_pairs`, or a run's ``pairs.parquet`` (its
        ``outcome`` column is dropped; pairs added from people's decisions, tier
        ``decision``, are kept as they are, at the end).
    rec : pd.DataFrame
        The records the pairs' positions ``a`` / ``b`` refer to (:func:`prepare_records`).
    params : MatchParams
        The thresholds. Pairs scoring below the review threshold of the run that produced
        ``pairs`` are not in it: lower thresholds than that cannot bring them back.

    Returns
    -------
    pd.DataFrame
        The pairs with ``proposal`` recomputed, ordered as :func:`candidate_pairs` orders
        them; at the thresholds of the run, the same pairs, proposals and evidence.
    """
    return propose_prepared(prepare_proposals(pairs), rec, params)


def prepare_proposals(pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The part of :func:`propose` that does not depend on the thresholds: the scored pairs
    without their ``outcome`` and without the ambiguity notes (evidence and reason codes)
    a previous proposal appended, and apart the pairs added from people's decisions.
    A widget that proposes again at each threshold does this once
    (:func:`propose_prepared`)."""
    decided = pairs["tier"] == "decision"
    out = pairs.loc[~decided].drop(columns=["outcome"], errors="ignore").copy()
    ev = out["evidence"].astype(str)
    for note in _AMBIGUITY_NOTES:
        ev = ev.str.replace(note, "", regex=False)
    out["evidence"] = ev
    if "evidence_reasons" in out.columns:
        out["evidence_reasons"] = [
            _json([r for r in _loads(x) if r.get("code") not in _AMBIGUITY_CODES])
            for x in out["evidence_reasons"]]
    return out, pairs.loc[decided].drop(columns=["outcome"], errors="ignore")


def propose_prepared(prepared: tuple[pd.DataFrame, pd.DataFrame], rec: pd.DataFrame,
                     params: MatchParams) -> pd.DataFrame:
    """:func:`propose` of pairs already through :func:`prepare_proposals` (not changed)."""
    out, extra = prepared
    out = out.copy()
    out["proposal"] = np.select(
        [out["inn_conflict"].to_numpy(bool),
         out["score"].to_numpy(float) >= params.auto_merge_threshold,
         out["score"].to_numpy(float) >= params.review_threshold],
        ["keep apart", "merge", "review"], default="no match") if len(out) else []
    out = out[out["proposal"] != "no match"]
    out = _ambiguous_to_review(out, rec)
    out = out.sort_values(["score", "client_id_a", "client_id_b"],
                          ascending=[False, True, True], kind="stable")
    return pd.concat([out, extra], ignore_index=True) if len(extra) else \
        out.reset_index(drop=True)


class _UnionFind:
    """Union-find whose sets carry their valid INNs and refuse forbidden unions."""

    def __init__(self, inns: list[str | None]) -> None:
        self.parent = list(range(len(inns)))
        # each record's valid INN ('' when it has none); the INNs of a set are kept apart
        # only once it has merged (a set per record would be made at every widget move)
        self.own: list[str] = _texts(inns).tolist()
        self.inns: dict[int, set[str]] = {}

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def _inns_of(self, root: int) -> set[str] | None:
        got = self.inns.get(root)
        if got is not None:
            return got
        return {self.own[root]} if self.own[root] else None

    def conflicts(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        ia, ib = self._inns_of(ra), self._inns_of(rb)
        return bool(ia) and bool(ib) and ia != ib

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if rb < ra:
            ra, rb = rb, ra
        moved = self._inns_of(rb)
        self.inns.pop(rb, None)
        self.parent[rb] = ra
        if moved:
            target = self.inns.get(ra)
            if target is None:
                target = self.inns[ra] = {self.own[ra]} if self.own[ra] else set()
            target.update(moved)


def cluster(rec: pd.DataFrame, pairs: pd.DataFrame, *,
            accepted: Iterable[tuple[str, str]] = (),
            rejected: Iterable[tuple[str, str]] = ()) -> tuple[np.ndarray, pd.DataFrame]:
    """Group records into entities from the pairs proposed and the people's decisions.

    Accepted pairs merge first (a person's word, even across INNs); then the proposed
    merges by descending score, skipping any that would join two different valid INNs or
    join records on either side of a rejected pair.

    Returns
    -------
    labels : np.ndarray
        For each record, the position of its cluster's root record.
    applied : pd.DataFrame
        The pairs with their ``outcome``: 'merged', 'merged (accepted)', 'rejected by
        reviewer', 'blocked: different valid INNs', 'blocked: rejected pair', 'to review',
        'kept apart'.
    """
    accepted, rejected = list(accepted), list(rejected)  # iterators: read more than once
    pos = {c: i for i, c in enumerate(rec["client_id"].tolist())} if accepted or rejected \
        else {}
    uf = _UnionFind(rec["inn"].to_numpy(object).tolist())
    cannot: list[tuple[int, int]] = [(pos[a], pos[b]) for a, b in rejected
                                     if a in pos and b in pos]
    rejected_set = {frozenset(p) for p in cannot}

    def blocked_by_rejection(a: int, b: int) -> bool:
        ra, rb = uf.find(a), uf.find(b)
        return any({uf.find(x), uf.find(y)} == {ra, rb} for x, y in cannot)

    for a, b in accepted:
        if a in pos and b in pos:
            uf.union(pos[a], pos[b])
    outcome = []
    accepted_set = {frozenset((pos[a], pos[b])) for a, b in accepted if a in pos and b in pos}
    decided = bool(accepted_set or rejected_set)
    for a, b, proposal in zip(pairs["a"].tolist(), pairs["b"].tolist(),
                              pairs["proposal"].tolist(), strict=True):
        key = frozenset((a, b)) if decided else None
        if decided and key in accepted_set:
            outcome.append("merged (accepted)")
        elif decided and key in rejected_set:
            outcome.append("rejected by reviewer")
        elif proposal == "merge":
            if uf.conflicts(a, b):
                outcome.append("blocked: different valid INNs")
            elif blocked_by_rejection(a, b):
                outcome.append("blocked: rejected pair")
            else:
                uf.union(a, b)
                outcome.append("merged")
        elif proposal == "review":
            outcome.append("to review")
        else:
            outcome.append("kept apart")
    labels = np.array([uf.find(i) for i in range(len(rec))], dtype=np.int64)
    applied = pairs.assign(outcome=pd.Series(outcome, index=pairs.index, dtype=object))
    return labels, applied
