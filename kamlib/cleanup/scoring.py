"""Scores and evidence of candidate pairs, all pairs at once (METHODS.md §1, tiers 1 and 2).

:func:`kamlib.cleanup.matching.candidate_pairs` finds the pairs; this module says how alike
the two records of each pair are, and why:

- :func:`inn_star_pairs` — tier 1: the records sharing a valid tax id, a star per tax id
  (the first record with each of the others), score 100;
- :func:`score_pairs` — tier 2: a 0–100 score per blocked pair. Persons: 97 for the same
  key, 90 for the same surname and initials when one side has initials only, else the
  rapidfuzz ``ratio`` of the keys. Companies: rapidfuzz ``token_sort_ratio`` of the cores
  (both Cyrillic: as written) or of the cross-script keys, 10 off for different legal forms.
  Then the tax ids: the same valid one lifts the score to 100, the same invalid one or a
  one-digit typo adds 3, two different invalid ones take 10 off;
- :func:`pair_evidence` — the evidence of each pair, in English and as reason codes
  (``reason.evidence_*`` of the string tables), built only for the pairs that are kept.

The fuzzy scores are computed by :func:`rapidfuzz.process.cpdist` over the aligned lists of
both sides, the rules by numpy over the pairs: no Python function per pair but the
evidence's text.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

__all__ = ["PairScores", "inn_star_pairs", "pair_evidence", "score_pairs"]

#: the encoder of the reasons' JSON (the same text as ``json.dumps(…, ensure_ascii=False)``)
_JSON = json.JSONEncoder(ensure_ascii=False)

# what decided the name score (``PairScores.name_case``)
_SAME_PERSON, _SAME_INITIALS, _PERSONS_ALIKE, _SAME_NAME, _NAMES_ALIKE = range(5)
# what the tax ids say (``PairScores.inn_case``)
_NO_INN, _SAME_VALID, _DIFFERENT_VALID, _SAME_INVALID, _TYPO, _DIFFERENT, _ONE_MISSING = \
    range(7)


def _codes(values: np.ndarray) -> np.ndarray:
    """Integer codes of ``values`` (equal values, equal codes; ``None`` is -1)."""
    codes: np.ndarray = pd.factorize(values, use_na_sentinel=True)[0]
    return codes


def inn_star_pairs(inn: np.ndarray, kpp: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                              list[str], list[str]]:
    """Tier 1: per valid tax id (in sorted order), its first record paired with each other.

    Parameters
    ----------
    inn : np.ndarray
        The usable tax id of each record (``None`` if none).
    kpp : np.ndarray
        The KPP of each record (``None`` if none).

    Returns
    -------
    a, b : np.ndarray
        Record positions, a < b.
    evidence, reasons : list of str
        The evidence of each pair in English and as reason codes (JSON).
    """
    codes = pd.factorize(pd.Series(inn, dtype=object), sort=True, use_na_sentinel=True)[0]
    pos = np.flatnonzero(codes >= 0)
    pos = pos[np.lexsort((pos, codes[pos]))]  # by tax id, then by position
    grp = codes[pos]
    first_of = np.r_[True, grp[1:] != grp[:-1]] if len(pos) else np.empty(0, bool)
    first = pos[first_of][np.cumsum(first_of) - 1]
    keep = ~first_of
    a, b = first[keep], pos[keep]
    evidence, reasons = [], []
    for i, j in zip(a.tolist(), b.tolist(), strict=True):
        t = inn[i]
        digits = t.isdigit()
        ev = f"same {'INN' if digits else 'tax id'} {t}"
        codes_ = [{"code": "evidence_same_inn" if digits else "evidence_same_tax_id",
                   "args": {"inn": t}}]
        ka, kb = kpp[i], kpp[j]
        if ka and kb and ka != kb:
            ev += f"; KPP {ka} / {kb}: a branch of the same legal entity"
            codes_.append({"code": "evidence_branch", "args": {"a": ka, "b": kb}})
        evidence.append(ev)
        reasons.append(_JSON.encode(codes_))
    return a.astype(np.int64), b.astype(np.int64), evidence, reasons


class PairScores:
    """The scores of tier-2 pairs and what decided them (:func:`score_pairs`).

    Attributes
    ----------
    score : np.ndarray
        The final score, 0–100.
    name_score : np.ndarray
        The names' fuzzy score before legal forms and tax ids.
    name_case, inn_case : np.ndarray
        What decided the name score and what the tax ids say (module constants).
    forms_differ : np.ndarray
        Both records have a legal form and they differ (10 off).
    conflict : np.ndarray
        Both records have valid tax ids and they differ.
    """

    def __init__(self, score: np.ndarray, name_score: np.ndarray, name_case: np.ndarray,
                 inn_case: np.ndarray, forms_differ: np.ndarray, conflict: np.ndarray) -> None:
        self.score, self.name_score = score, name_score
        self.name_case, self.inn_case = name_case, inn_case
        self.forms_differ, self.conflict = forms_differ, conflict


def _full_words(key: str) -> int:
    """Words longer than an initial: 3 for 'ivanov ivan ivanovich', 1 for 'ivanov i i'."""
    return sum(1 for w in key.split() if len(w) > 1)


def _cpdist(scorer: Any, x: np.ndarray, y: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """``scorer(x[i], y[i])`` for every i (empty input, empty output)."""
    if len(x) == 0:
        return np.empty(0, dtype)
    return np.asarray(process.cpdist(x.tolist(), y.tolist(), scorer=scorer, dtype=dtype,
                                     workers=-1))


def score_pairs(rec: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> PairScores:
    """Score the pairs (a[i], b[i]) of records: names, legal forms and tax ids.

    Parameters
    ----------
    rec : pd.DataFrame
        The records (:func:`kamlib.cleanup.matching.prepare_records`), with ``cyrillic``
        (the core holds a Cyrillic letter) and missing values as ``None``.
    a, b : np.ndarray
        Record positions of the pairs.

    Returns
    -------
    PairScores
    """
    n = len(a)
    key = rec["key"].to_numpy(object)
    core = rec["core"].to_numpy(object)
    person = rec["is_person"].to_numpy(bool)
    key_c, pkey_c = _codes(key), _codes(rec["person_key"].to_numpy(object))
    form_c = _codes(rec["legal_form"].to_numpy(object))
    inn_c, raw_c = _codes(rec["inn"].to_numpy(object)), _codes(rec["inn_raw"].to_numpy(object))
    name_case = np.full(n, _NAMES_ALIKE, np.int8)
    name_score = np.zeros(n, np.float64)
    # persons: the same key, the same surname and initials, else the keys' ratio
    both_p = person[a] & person[b]
    same_key = both_p & (key_c[a] == key_c[b]) & (key[a] != "")
    name_case[same_key], name_score[same_key] = _SAME_PERSON, 97.0
    rest = np.flatnonzero(both_p & ~same_key & (pkey_c[a] >= 0) & (pkey_c[a] == pkey_c[b]))
    if len(rest):
        words = {i: _full_words(key[i]) for i in set(a[rest].tolist()) | set(b[rest].tolist())}
        few = np.array([min(words[i], words[j]) < 3 for i, j in
                        zip(a[rest].tolist(), b[rest].tolist(), strict=True)], bool)
        rest = rest[few]
        name_case[rest], name_score[rest] = _SAME_INITIALS, 90.0
    fuzzy = np.flatnonzero(both_p & (name_case == _NAMES_ALIKE))
    name_case[fuzzy] = _PERSONS_ALIKE
    name_score[fuzzy] = _cpdist(fuzz.ratio, key[a[fuzzy]], key[b[fuzzy]])
    # companies: the cores as written when both are Cyrillic, else the cross-script keys
    comp = np.flatnonzero(~both_p)
    cyr = rec["cyrillic"].to_numpy(bool)
    same_script = cyr[a[comp]] & cyr[b[comp]]
    ta = np.where(same_script, core[a[comp]], key[a[comp]])
    tb = np.where(same_script, core[b[comp]], key[b[comp]])
    name_score[comp] = _cpdist(fuzz.token_sort_ratio, ta, tb)
    name_case[comp[ta == tb]] = _SAME_NAME
    score = name_score.copy()
    forms_differ = np.zeros(n, bool)
    forms_differ[comp] = ((form_c[a[comp]] >= 0) & (form_c[b[comp]] >= 0)
                          & (form_c[a[comp]] != form_c[b[comp]]))
    score[forms_differ] -= 10
    # tax ids
    valid_a, valid_b = inn_c[a] >= 0, inn_c[b] >= 0
    raw_a, raw_b = raw_c[a] >= 0, raw_c[b] >= 0
    inn_case = np.full(n, _NO_INN, np.int8)
    both_valid = valid_a & valid_b
    same_valid = both_valid & (inn_c[a] == inn_c[b])
    inn_case[same_valid] = _SAME_VALID
    inn_case[both_valid & ~same_valid] = _DIFFERENT_VALID
    score[same_valid] = np.maximum(score[same_valid], 100.0)
    both_raw = ~both_valid & raw_a & raw_b
    same_raw = both_raw & (raw_c[a] == raw_c[b])
    inn_case[same_raw] = _SAME_INVALID
    other = np.flatnonzero(both_raw & ~same_raw)
    raw = rec["inn_raw"].to_numpy(object)
    ra, rb = raw[a[other]], raw[b[other]]
    same_len = np.array([len(x) == len(y) for x, y in zip(ra, rb, strict=True)], bool)
    dist = _cpdist(Levenshtein.distance, ra, rb, np.int64)
    typo = other[same_len & (dist == 1)]
    inn_case[typo] = _TYPO
    inn_case[other[~(same_len & (dist == 1))]] = _DIFFERENT
    up = same_raw.copy()
    up[typo] = True
    score[up] = np.minimum(100.0, score[up] + 3)
    score[inn_case == _DIFFERENT] -= 10
    inn_case[~both_valid & ~both_raw & (raw_a | raw_b)] = _ONE_MISSING
    score = np.maximum(0.0, np.minimum(100.0, score))
    return PairScores(score, name_score, name_case, inn_case, forms_differ,
                      both_valid & ~same_valid)


def pair_evidence(rec: pd.DataFrame, a: np.ndarray, b: np.ndarray, s: PairScores,
                  which: np.ndarray) -> tuple[list[str], list[str]]:
    """The evidence of the pairs ``which`` (positions in ``a`` / ``b`` / ``s``).

    Returns
    -------
    evidence, reasons : list of str
        ``'; '``-joined English evidence and the same as reason codes (JSON), in the order of
        the rules of :func:`score_pairs`.
    """
    core = rec["core"].to_numpy(object)
    pkey, form = rec["person_key"].to_numpy(object), rec["legal_form"].to_numpy(object)
    inn, raw = rec["inn"].to_numpy(object), rec["inn_raw"].to_numpy(object)
    evidence: list[str] = []
    reasons: list[str] = []
    for k in which.tolist():
        i, j = int(a[k]), int(b[k])
        case, sc = s.name_case[k], float(s.name_score[k])
        if case == _SAME_PERSON:
            ev = [f"same person: '{core[i]}'"]
            rs: list[dict[str, Any]] = [{"code": "evidence_same_person",
                                         "args": {"name": core[i]}}]
        elif case == _SAME_INITIALS:
            ev = [f"same surname and initials: '{pkey[i]}'"]
            rs = [{"code": "evidence_same_initials", "args": {"name": pkey[i]}}]
        elif case == _PERSONS_ALIKE:
            ev = [f"names {sc:.0f}% alike"]
            rs = [{"code": "evidence_names_alike", "args": {"similarity": round(sc)}}]
        elif case == _SAME_NAME:
            ev = [f"same name '{core[i]}'"]
            rs = [{"code": "evidence_same_name", "args": {"name": core[i]}}]
        else:
            ev = [f"names {sc:.0f}% alike ('{core[i]}' ~ '{core[j]}')"]
            rs = [{"code": "evidence_names_alike_both",
                   "args": {"similarity": round(sc), "a": core[i], "b": core[j]}}]
        if s.forms_differ[k]:
            ev.append(f"legal forms differ ({form[i]} / {form[j]})")
            rs.append({"code": "evidence_legal_forms_differ",
                       "args": {"a": form[i], "b": form[j]}})
        t = s.inn_case[k]
        if t == _SAME_VALID:
            ev.append(f"same tax id {inn[i]}")
            rs.append({"code": "evidence_same_tax_id", "args": {"inn": inn[i]}})
        elif t == _DIFFERENT_VALID:
            ev.append(f"different valid tax ids {inn[i]} / {inn[j]}")
            rs.append({"code": "evidence_different_tax_ids", "args": {"a": inn[i],
                                                                      "b": inn[j]}})
        elif t == _SAME_INVALID:
            ev.append(f"same (invalid) INN {raw[i]}")
            rs.append({"code": "evidence_same_invalid_inn", "args": {"inn": raw[i]}})
        elif t == _TYPO:
            ev.append(f"INNs differ by one digit ({raw[i]} / {raw[j]}): a typo")
            rs.append({"code": "evidence_inn_typo", "args": {"a": raw[i], "b": raw[j]}})
        elif t == _DIFFERENT:
            ev.append(f"different INNs {raw[i]} / {raw[j]}")
            rs.append({"code": "evidence_different_inns", "args": {"a": raw[i],
                                                                   "b": raw[j]}})
        elif t == _ONE_MISSING:
            ev.append("INN missing in one record")
            rs.append({"code": "evidence_inn_missing", "args": {}})
        evidence.append("; ".join(ev))
        reasons.append(_JSON.encode(rs))
    return evidence, reasons
