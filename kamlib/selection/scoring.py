"""Scoring the candidates on two axes, the portfolio matrix, the key-client rule, stability.

McDonald & Woodburn (2007): account attractiveness (to us, over three years) against our
relative strength (as the account sees us), each a weighted sum of criteria scored 1–10;
quadrants Strategic (invest), Star (invest selectively), Status (maintain), Streamline (cut
cost-to-serve). Data criteria are scored by their percentile among the candidates; judged
criteria come from the workshop. A data criterion without data for a client is left out of
that client's weighted mean (the weights of the rest are rescaled) — and the notebook says so.

A judged criterion the workshop has not scored is different: left out, it would let the
client gain from not being assessed (the rest of its weights are data criteria on which a
large client scores high). :func:`missing_judged` names such clients; :func:`decide` keeps
them out of the key list, "to assess", until scored (the default), or the step fills their
missing judged scores with a stated conservative value (:func:`fill_conservative`). The fit
with our USP is a gate as well as a weight: below the gate, not key whatever the size.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..criteria import CRITERIA

__all__ = ["DECISIONS", "QUADRANTS", "axis_scores", "criterion_scores", "decide",
           "fill_conservative", "missing_judged", "quadrant", "score_portfolio", "select_key",
           "stability", "value_at_stake"]

#: the decisions of :func:`decide`, in the order the selection takes them
DECISIONS = ("key", "negative_contribution", "usp_gate", "below_threshold", "to_assess",
             "cap_reached")

#: quadrant → (recommended strategy en, ru)
QUADRANTS = {
    "Strategic": ("invest: deep account plan, senior sponsor, joint projects",
                  "инвестировать: глубокий план по клиенту, спонсор, совместные проекты"),
    "Star": ("invest selectively: build the position where the account is worth it",
             "инвестировать выборочно: укреплять позицию там, где клиент того стоит"),
    "Status": ("maintain: keep the relationship, protect the margin",
               "поддерживать: сохранять отношения, защищать маржу"),
    "Streamline": ("streamline: cut cost-to-serve, standard terms and channels",
                   "оптимизировать: снизить затраты на обслуживание, стандартные условия"),
}


def criterion_scores(features: pd.DataFrame, names: list[str], *,
                     judged: pd.DataFrame | None = None) -> pd.DataFrame:
    """Scores 1–10 per candidate (rows of ``features``) and criterion (columns).

    Data criteria: 1 + 9 × the percentile rank among the candidates (average ranks; reversed
    when lower is better). Judged criteria: the workshop's score (long format entity_id,
    criterion, score), clipped to 1–10. Missing → NaN.
    """
    out = pd.DataFrame(index=features.index)
    for name in names:
        c = CRITERIA[name]
        if c.source == "data":
            col = features[c.column] if c.column in features.columns else \
                pd.Series(np.nan, index=features.index)
            col = col.astype(float)
            valid = col.notna()
            n = int(valid.sum())
            if n >= 2:
                r = col.rank(method="average", ascending=c.higher_is_better)
                out[name] = 1 + 9 * (r - 1) / (n - 1)
            elif n == 1:
                out[name] = col.where(~valid, 5.5)
            else:
                out[name] = np.nan
        else:
            if judged is not None and len(judged):
                j = judged[judged["criterion"] == name].groupby("entity_id")["score"].mean()
                out[name] = j.reindex(features.index).clip(1, 10)
            else:
                out[name] = np.nan
    return out


def axis_scores(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Weighted mean of the available criterion scores (weights rescaled per client)."""
    names = [n for n in weights if n in scores.columns]
    w = np.array([float(weights[n]) for n in names])
    s = scores[names].to_numpy(dtype=float)
    mask = ~np.isnan(s)
    num = np.nansum(np.where(mask, s, 0.0) * w, axis=1)
    den = (mask * w).sum(axis=1)
    return pd.Series(np.where(den > 0, num / np.where(den > 0, den, 1), np.nan),
                     index=scores.index)


def quadrant(attractiveness: pd.Series, strength: pd.Series, *, threshold: float = 5.5
             ) -> pd.Series:
    """Strategic / Star / Status / Streamline from the two axes (≥ threshold = high)."""
    hi_a, hi_s = attractiveness >= threshold, strength >= threshold
    q = np.select([hi_a & hi_s, hi_a & ~hi_s, ~hi_a & hi_s], ["Strategic", "Star", "Status"],
                  "Streamline")
    return pd.Series(q, index=attractiveness.index)


def select_key(attractiveness: pd.Series, eligible: pd.Series, *, max_n: int,
               threshold: float = 5.5) -> pd.Series:
    """Key clients: attractive (Strategic or Star), eligible, the ``max_n`` most attractive.

    ``eligible`` is false for clients that cannot be key whatever their scores (a negative
    contribution: the account must first earn its cost-to-serve).
    """
    ok = (attractiveness >= threshold) & eligible.reindex(attractiveness.index).fillna(False)
    ranked = attractiveness[ok].sort_values(ascending=False, kind="stable")
    key = pd.Series(False, index=attractiveness.index)
    key.loc[ranked.index[:max_n]] = True
    return key


def score_portfolio(scores: pd.DataFrame, attractiveness: Mapping[str, float],
                    strength: Mapping[str, float], *, eligible: pd.Series, max_n: int,
                    threshold: float = 5.5) -> pd.DataFrame:
    """Axes, quadrant and key flag for every candidate — the function the widgets re-run."""
    a = axis_scores(scores, attractiveness)
    s = axis_scores(scores, strength)
    out = pd.DataFrame({"attractiveness": a, "strength": s,
                        "quadrant": quadrant(a, s, threshold=threshold)})
    out["is_key"] = select_key(a.fillna(0), eligible, max_n=max_n, threshold=threshold)
    return out


def stability(scores: pd.DataFrame, attractiveness: Mapping[str, float], *,
              eligible: pd.Series, max_n: int, threshold: float = 5.5, draws: int = 500,
              concentration: float = 50.0, seed: int = 0) -> pd.Series:
    """Share of weight draws in which each candidate stays key.

    Weights are drawn from a Dirichlet distribution centred on the chosen ones (α = share ×
    ``concentration``: the higher, the closer the draws). Vectorised: one matrix product.
    """
    names = [n for n in attractiveness if n in scores.columns]
    w0 = np.array([float(attractiveness[n]) for n in names])
    alpha = np.maximum(w0 / w0.sum() * concentration, 1e-3)
    rng = np.random.default_rng(seed)
    W = rng.dirichlet(alpha, size=draws).T  # k × draws
    s = scores[names].to_numpy(dtype=float)
    mask = ~np.isnan(s)
    num = np.where(mask, s, 0.0) @ W
    den = mask.astype(float) @ W
    attr = np.where(den > 0, num / np.where(den > 0, den, 1), 0.0)  # n × draws
    ok = eligible.reindex(scores.index).fillna(False).to_numpy()[:, None] & (attr >= threshold)
    masked = np.where(ok, attr, -np.inf)
    key = np.zeros_like(ok)
    if max_n > 0 and len(scores):
        top = np.argsort(-masked, axis=0, kind="stable")[:max_n]
        cols = np.broadcast_to(np.arange(draws), top.shape)
        key[top, cols] = True
        key &= ok
    return pd.Series(key.mean(axis=1), index=scores.index, name="stays_key")


def missing_judged(scores: pd.DataFrame, judged: list[str]) -> pd.Series:
    """Per candidate, the judged criteria of ``judged`` it has no workshop score for.

    Parameters
    ----------
    scores : pandas.DataFrame
        Criterion scores (:func:`criterion_scores`), one row per candidate.
    judged : list of str
        The judged criteria that count (weighted on the attractiveness axis, or the gate).

    Returns
    -------
    pandas.Series
        Same index; a list of criterion names (empty = fully scored).
    """
    cols = [n for n in judged if n in scores.columns]
    missing = scores[cols].isna() if cols else pd.DataFrame(index=scores.index)
    return pd.Series([[c for c in cols if missing.at[i, c]] for i in scores.index],
                     index=scores.index, dtype=object)


def fill_conservative(scores: pd.DataFrame, judged: list[str], value: float) -> pd.DataFrame:
    """``scores`` with every missing judged score set to ``value`` (the conservative rule).

    Data criteria are left as they are: a data criterion without data is a gap of the data,
    not of the workshop.
    """
    out = scores.copy()
    for n in judged:
        if n in out.columns:
            out[n] = out[n].fillna(float(value))
    return out


def decide(attractiveness: pd.Series, *, eligible: pd.Series, max_n: int,
           threshold: float = 5.5, unscored: pd.Series | None = None,
           usp: pd.Series | None = None, usp_gate: float | None = None) -> pd.DataFrame:
    """The key-client decision of every candidate, with the figures that decided it.

    In order: a negative contribution (``eligible`` false) excludes; a USP-fit score below
    ``usp_gate`` excludes (the gate; a missing USP score is not a pass: the client is then
    unscored); attractiveness below ``threshold`` excludes. The rest are taken by
    attractiveness (highest first, ties in index order): a scored client takes a key place
    while fewer than ``max_n`` are taken (``key``), else ``cap_reached``; an ``unscored``
    client ranked above the last key place taken is ``to_assess`` (it would qualify on its
    provisional score but stays out until scored), below it ``cap_reached``.

    Parameters
    ----------
    attractiveness : pandas.Series
        Attractiveness 1–10 per candidate (NaN = 0).
    eligible : pandas.Series of bool
        False where the contribution is negative.
    max_n : int
        The cap on the number of key clients.
    threshold : float
        Attractiveness needed (the quadrant boundary).
    unscored : pandas.Series of bool, optional
        True for candidates missing a judged score that counts (rule ``to_assess``).
    usp : pandas.Series, optional
        The USP-fit score per candidate.
    usp_gate : float, optional
        The gate; None = no gate.

    Returns
    -------
    pandas.DataFrame
        Same index: ``decision`` (one of :data:`DECISIONS`), ``is_key``, ``rank`` (1 = most
        attractive among the scored clients competing for a place; NA for the others) and
        ``provisional_rank`` (the rank among all clients past the gates, scored or not).
    """
    idx = attractiveness.index
    a = attractiveness.fillna(0.0).astype(float)
    ok = eligible.reindex(idx).fillna(False).astype(bool)
    un = (unscored.reindex(idx).fillna(False).astype(bool) if unscored is not None
          else pd.Series(False, index=idx))
    gated = pd.Series(False, index=idx)
    if usp is not None and usp_gate is not None:
        u = usp.reindex(idx).astype(float)
        gated = u.notna() & (u < float(usp_gate))
    decision = pd.Series("cap_reached", index=idx, dtype=object)
    decision[~ok] = "negative_contribution"
    decision[ok & gated] = "usp_gate"
    below = ok & ~gated & (a < threshold)
    decision[below] = "below_threshold"
    passers = a[ok & ~gated & ~below].sort_values(ascending=False, kind="stable")
    rank = pd.Series(pd.NA, index=idx, dtype="Int64")
    provisional = pd.Series(pd.NA, index=idx, dtype="Int64")
    taken = 0
    competing = 0
    for pos, eid in enumerate(passers.index, start=1):
        provisional[eid] = pos
        if un[eid]:
            if taken < max_n:
                decision[eid] = "to_assess"
            continue
        competing += 1
        rank[eid] = competing
        if taken < max_n:
            decision[eid] = "key"
            taken += 1
    return pd.DataFrame({"decision": decision, "is_key": decision == "key", "rank": rank,
                         "provisional_rank": provisional})


def value_at_stake(revenue_per_year: pd.Series, attractiveness: pd.Series,
                   potential: pd.Series | None) -> pd.Series:
    """What a deep account plan can move: annual net revenue × attractiveness ÷ 10 ×
    potential ÷ 10.

    Size is the client's net revenue a year (the money a plan works on); attractiveness (1–10,
    the portfolio axis) and the workshop's potential score (1–10: the share of wallet still to
    win) scale it to the part worth planning for. A client without a potential score counts
    the scale's middle (5.5), never more, so that a missing score does not raise it. The deep
    plans go to the highest values (McDonald & Woodburn 2007: 5–6 a year, to named accounts),
    not to the top of the attractiveness score, where small clients with good ratios sit.
    """
    a = attractiveness.astype(float).clip(lower=0) / 10
    if potential is None:
        p = pd.Series(0.55, index=attractiveness.index)
    else:
        p = potential.reindex(attractiveness.index).astype(float).fillna(5.5).clip(1, 10) / 10
    return (revenue_per_year.reindex(attractiveness.index).astype(float).clip(lower=0)
            * a * p).round(2)
