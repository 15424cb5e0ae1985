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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from ..identifiers import is_valid_foreign_vat, is_valid_inn
from .names import normalize_names

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
    rec["inn_raw"] = pd.Series([_text(t) for t in raw], dtype=object)
    rec["inn"] = pd.Series([t if t and (is_valid_inn(t) or is_valid_foreign_vat(t)) else None
                            for t in rec["inn_raw"]], dtype=object)
    kpp = rec[branch_code] if branch_code in rec.columns else pd.Series([None] * len(rec))
    rec["kpp"] = pd.Series([_text(k) for k in kpp], dtype=object)
    return rec


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _text(x: object) -> str | None:
    """A non-empty string, else None (pandas gives NaN for missing values, and NaN is
    truthy: never test a missing identifier with ``if x``)."""
    return x if isinstance(x, str) and x.strip() else None


def _blocks(rec: pd.DataFrame, params: MatchParams) -> dict[str, list[int]]:
    """Block key → record positions: distinctive tokens, exact name keys, person keys."""
    n = len(rec)
    df_count: dict[str, int] = defaultdict(int)
    for toks in rec["tokens"]:
        for t in set(toks):
            df_count[t] += 1
    limit = max(3, int(params.distinctive_token_max_share * n))
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, (toks, weak, key, person, pkey) in enumerate(zip(
            rec["tokens"], rec["weak"], rec["key"], rec["is_person"], rec["person_key"],
            strict=True)):
        if person and pkey:
            blocks["p:" + pkey].append(i)
            continue
        if key:
            blocks["k:" + key].append(i)
        for t in set(toks) - set(weak):
            if len(t) >= 3 and not t.isdigit() and df_count[t] <= limit:
                blocks["t:" + t].append(i)
    return blocks


def _pairs_from_blocks(blocks: dict[str, list[int]], max_block: int
                       ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    seen: dict[tuple[int, int], str] = {}
    skipped = 0
    for bkey, members in blocks.items():
        m = len(members)
        if m < 2:
            continue
        if m > max_block:
            skipped += 1
            continue
        for x in range(m):
            for y in range(x + 1, m):
                a, b = members[x], members[y]
                if a > b:
                    a, b = b, a
                seen.setdefault((a, b), bkey)
    if not seen:
        return np.empty(0, int), np.empty(0, int), []
    ab = np.array(list(seen.keys()), dtype=np.int64)
    return ab[:, 0], ab[:, 1], list(seen.values())


def _full_words(key: str) -> int:
    """Words longer than an initial: 3 for 'ivanov ivan ivanovich', 1 for 'ivanov i i'."""
    return sum(1 for w in key.split() if len(w) > 1)


def _ev(code: str, **args: Any) -> dict[str, Any]:
    """One piece of a pair's evidence as a reason code with its figures (``reason.evidence_*``
    of the string tables), the JSON form of :class:`kamlib.units.Reason`."""
    return {"code": code, "args": args}


def _score(ra: dict[str, Any], rb: dict[str, Any]
           ) -> tuple[float, list[str], list[dict[str, Any]]]:
    """Score a pair 0–100 and say why: in English, and as reason codes (the same order)."""
    evidence: list[str] = []
    reasons: list[dict[str, Any]] = []
    if ra["is_person"] and rb["is_person"]:
        if ra["key"] and ra["key"] == rb["key"]:
            score = 97.0  # spelled the same (a namesake is caught by the ambiguity rule)
            evidence.append(f"same person: '{ra['core']}'")
            reasons.append(_ev("evidence_same_person", name=ra["core"]))
        elif (ra["person_key"] and ra["person_key"] == rb["person_key"]
              and min(_full_words(ra["key"]), _full_words(rb["key"])) < 3):
            score = 90.0  # initials only: namesakes are common, a person must look
            evidence.append(f"same surname and initials: '{ra['person_key']}'")
            reasons.append(_ev("evidence_same_initials", name=ra["person_key"]))
        else:
            score = float(fuzz.ratio(ra["key"], rb["key"]))
            evidence.append(f"names {score:.0f}% alike")
            reasons.append(_ev("evidence_names_alike", similarity=round(score)))
    else:
        # the cross-script key is deliberately coarse (ы/и/й → i, double letters single):
        # two Cyrillic names are compared as written, Latin ones through the key
        same_script = _CYRILLIC.search(ra["core"]) and _CYRILLIC.search(rb["core"])
        a_text, b_text = (ra["core"], rb["core"]) if same_script else (ra["key"], rb["key"])
        score = float(fuzz.token_sort_ratio(a_text, b_text))
        if a_text == b_text:
            evidence.append(f"same name '{ra['core']}'")
            reasons.append(_ev("evidence_same_name", name=ra["core"]))
        else:
            evidence.append(f"names {score:.0f}% alike ('{ra['core']}' ~ '{rb['core']}')")
            reasons.append(_ev("evidence_names_alike_both", similarity=round(score),
                               a=ra["core"], b=rb["core"]))
        fa, fb = ra["legal_form"], rb["legal_form"]
        if fa and fb and fa != fb:
            score -= 10
            evidence.append(f"legal forms differ ({fa} / {fb})")
            reasons.append(_ev("evidence_legal_forms_differ", a=fa, b=fb))
    ia, ib = ra["inn_raw"], rb["inn_raw"]
    if ra["inn"] and rb["inn"]:
        if ra["inn"] == rb["inn"]:
            score = max(score, 100.0)
            evidence.append(f"same tax id {ra['inn']}")
            reasons.append(_ev("evidence_same_tax_id", inn=ra["inn"]))
        else:
            evidence.append(f"different valid tax ids {ra['inn']} / {rb['inn']}")
            reasons.append(_ev("evidence_different_tax_ids", a=ra["inn"], b=rb["inn"]))
    elif ia and ib:
        if ia == ib:
            evidence.append(f"same (invalid) INN {ia}")
            reasons.append(_ev("evidence_same_invalid_inn", inn=ia))
            score = min(100.0, score + 3)
        elif len(ia) == len(ib) and Levenshtein.distance(ia, ib) == 1:
            evidence.append(f"INNs differ by one digit ({ia} / {ib}): a typo")
            reasons.append(_ev("evidence_inn_typo", a=ia, b=ib))
            score = min(100.0, score + 3)
        else:
            evidence.append(f"different INNs {ia} / {ib}")
            reasons.append(_ev("evidence_different_inns", a=ia, b=ib))
            score -= 10
    elif (ia or ib) and not (ia and ib):
        evidence.append("INN missing in one record")
        reasons.append(_ev("evidence_inn_missing"))
    return max(0.0, min(100.0, score)), evidence, reasons


def candidate_pairs(rec: pd.DataFrame, params: MatchParams | None = None) -> pd.DataFrame:
    """All candidate pairs of client records, each with a score, its tier and evidence.

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
    rows: list[tuple[Any, ...]] = []
    # tier 1: the same valid INN — a star per INN (no all-pairs inside a big group)
    for inn, idx in rec.groupby("inn", sort=True).indices.items():
        first, *rest = sorted(idx.tolist())
        for j in rest:
            kpp_a, kpp_b = _text(rec.at[first, "kpp"]), _text(rec.at[j, "kpp"])
            ev = [f"same {'INN' if inn.isdigit() else 'tax id'} {inn}"]
            codes = [_ev("evidence_same_inn" if inn.isdigit() else "evidence_same_tax_id",
                         inn=inn)]
            if kpp_a and kpp_b and kpp_a != kpp_b:
                ev.append(f"KPP {kpp_a} / {kpp_b}: a branch of the same legal entity")
                codes.append(_ev("evidence_branch", a=kpp_a, b=kpp_b))
            rows.append((first, j, "inn", 100.0, False, "; ".join(ev), _json(codes)))
    # tier 2: blocked fuzzy scoring
    a_idx, b_idx, _ = _pairs_from_blocks(_blocks(rec, params), params.max_block)
    recs = rec[["client_id", "key", "core", "legal_form", "is_person", "person_key", "inn",
                "inn_raw"]].to_dict("records")
    for r in recs:
        for k in ("inn", "inn_raw", "person_key", "legal_form"):
            r[k] = _text(r[k])
    same_inn = {(a, b) for a, b, *_ in rows}
    for a, b in zip(a_idx.tolist(), b_idx.tolist(), strict=True):
        if (a, b) in same_inn:
            continue
        ra, rb = recs[a], recs[b]
        if ra["inn"] and ra["inn"] == rb["inn"]:
            continue  # already linked by tier 1 through the INN star
        score, ev, codes = _score(ra, rb)
        conflict = bool(ra["inn"] and rb["inn"] and ra["inn"] != rb["inn"])
        rows.append((a, b, "name", score, conflict, "; ".join(ev), _json(codes)))
    out = pd.DataFrame(rows, columns=["a", "b", "tier", "score", "inn_conflict", "evidence",
                                      "evidence_reasons"])
    out["client_id_a"] = rec["client_id"].to_numpy()[out["a"].to_numpy()] if len(out) else []
    out["client_id_b"] = rec["client_id"].to_numpy()[out["b"].to_numpy()] if len(out) else []
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
        self.inns: list[set[str]] = [{t} if (t := _text(i)) else set() for i in inns]

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def conflicts(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        return ra != rb and bool(self.inns[ra]) and bool(self.inns[rb]) and \
            self.inns[ra] != self.inns[rb]

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.inns[ra] |= self.inns[rb]
        self.inns[rb] = set()


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
    pos = {c: i for i, c in enumerate(rec["client_id"])}
    uf = _UnionFind(list(rec["inn"]))
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
    for a, b, proposal in zip(pairs["a"], pairs["b"], pairs["proposal"], strict=True):
        key = frozenset((a, b))
        if key in accepted_set:
            outcome.append("merged (accepted)")
        elif key in rejected_set:
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
