"""Scoring the candidates on two axes, the portfolio matrix, the key-client rule, stability.

McDonald & Woodburn (2007): account attractiveness (to us, over three years) against our
relative strength (as the account sees us), each a weighted sum of criteria scored 1–10;
quadrants Strategic (invest), Star (invest selectively), Status (maintain), Streamline (cut
cost-to-serve). Data criteria are scored by their percentile among the candidates; judged
criteria come from the workshop. A criterion without data for a client is left out of that
client's weighted mean (the weights of the rest are rescaled) — and the notebook says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..criteria import CRITERIA

__all__ = ["QUADRANTS", "axis_scores", "criterion_scores", "quadrant", "score_portfolio",
           "select_key", "stability"]

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
