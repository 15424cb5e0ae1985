"""The key-client portrait: value of a key account, what key clients have in common, who else
looks like them (METHODS.md §2 "Key-account CLV", §3 "Key client profile and selection").

Pure functions: per-entity tables (pandas, index = entity id) in, DataFrames / Series / dicts
out. No I/O, no plotting.

Sources: Gupta & Lehmann 2003 (customer lifetime value with constant margin and retention);
McDonald & Woodburn 2007 (key-account selection); Cliff 1993 (Cliff's delta, an ordinal
effect size); Jeffreys 1946 / the "information value" of credit scoring (Siddiqi 2006) for
ranking categorical differences.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..units import reason

__all__ = ["key_account_clv", "look_alikes", "portrait", "size_bands"]

NUMERIC: tuple[str, ...] = (
    "net_revenue", "orders_per_year", "avg_order", "tenure_years", "payment_terms_days",
    "dso_days", "margin_pct", "contacts",
)
CATEGORICAL: tuple[str, ...] = ("segment", "region", "size_band", "xyz")
#: Money / size features that are log-transformed (sign(x)·ln(1 + |x|)) in :func:`look_alikes`.
LOG_FEATURES: tuple[str, ...] = ("net_revenue", "orders_per_year", "avg_order", "contacts")
MISSING = "—"

_LABELS = {
    "net_revenue": "revenue", "orders_per_year": "orders per year", "avg_order": "order",
    "tenure_years": "tenure (years)", "payment_terms_days": "payment terms (days)",
    "dso_days": "DSO (days)", "margin_pct": "margin %", "contacts": "number of contacts",
    "segment": "segment", "region": "region", "size_band": "size band", "xyz": "XYZ class",
}


def _label(col: str) -> str:
    return _LABELS.get(col, col.replace("_", " "))


def _fmt(x: float) -> str:
    """A compact number: 4.1 M, 25.8 k, 0.27, 45."""
    if x is None or not np.isfinite(x):
        return "n/a"
    a = abs(x)
    if a >= 1e9:
        return f"{x / 1e9:.1f} bn"
    if a >= 1e6:
        return f"{x / 1e6:.1f} M"
    if a >= 1e4:
        return f"{x / 1e3:.0f} k"
    if a >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


# --------------------------------------------------------------------------- CLV


def key_account_clv(
    annual_margin: pd.Series,
    *,
    retention: Sequence[float] = (0.80, 0.90, 0.95),
    discount_rate: float = 0.12,
) -> pd.DataFrame:
    """Lifetime value of each account under retention scenarios (Gupta & Lehmann 2003).

    CLV = m × r ÷ (1 + i − r): the value of an infinite stream of a constant annual margin
    ``m`` kept with probability ``r`` each year and discounted at ``i``, margins received at
    the end of each year (Gupta & Lehmann 2003, "Customers as assets"). See METHODS.md §2;
    suited to key accounts (one relationship, a retention judgement); BG/NBD-type models
    suit the long tail instead.

    Parameters
    ----------
    annual_margin : pandas.Series
        Annual margin (contribution) per entity. Negative margins are allowed and give a
        negative CLV: the present cost of keeping a loss-making account on the same terms.
    retention : sequence of float, keyword-only
        Retention rates r (0 ≤ r ≤ 1), one column each.
    discount_rate : float, keyword-only
        Annual discount rate i (e.g. 0.12 = 12%).

    Returns
    -------
    pandas.DataFrame
        Same index as ``annual_margin``; columns ``clv_r80``, ``clv_r90``, … (r × 100, e.g.
        ``clv_r87.5`` for 0.875). NaN margin → NaN.

    Raises
    ------
    ValueError
        If a retention lies outside [0, 1] or 1 + i − r ≤ 0.
    """
    m = pd.to_numeric(annual_margin, errors="coerce").astype(float)
    out = pd.DataFrame(index=annual_margin.index)
    for r in retention:
        r = float(r)
        if not 0.0 <= r <= 1.0:
            raise ValueError(f"retention must lie in [0, 1], got {r}")
        den = 1.0 + float(discount_rate) - r
        if den <= 0:
            raise ValueError(f"1 + discount_rate - retention must be > 0 (r={r})")
        out[f"clv_r{r * 100:g}"] = m * r / den
    return out


# --------------------------------------------------------------------------- portrait


def _key_mask(features: pd.DataFrame, is_key: pd.Series) -> pd.Series:
    key = is_key.reindex(features.index)
    return key.where(key.notna(), False).astype(bool)


def _cliffs_delta(a: np.ndarray, b: np.ndarray) -> float:
    """Cliff's delta P(a > b) − P(a < b) via mid-ranks (Cliff 1993); NaN if a group is empty."""
    n1, n2 = len(a), len(b)
    if not n1 or not n2:
        return float("nan")
    ranks = pd.Series(np.concatenate([a, b])).rank(method="average").to_numpy()
    u = ranks[:n1].sum() - n1 * (n1 + 1) / 2
    return float(2 * u / (n1 * n2) - 1)


def _categorical_table(features: pd.DataFrame, key: pd.Series,
                       cols: Sequence[str]) -> pd.DataFrame:
    n_key, n_rest = int(key.sum()), int((~key).sum())
    rows = []
    for col in cols:
        if col not in features:
            continue
        vals = features[col].astype(object).where(features[col].notna(), MISSING).astype(str)
        k_counts = vals[key].value_counts()
        r_counts = vals[~key].value_counts()
        for v in sorted(set(k_counts.index) | set(r_counts.index)):
            kn, rn = int(k_counts.get(v, 0)), int(r_counts.get(v, 0))
            ks = kn / n_key if n_key else float("nan")
            rs = rn / n_rest if n_rest else float("nan")
            lift = ks / rs if rs > 0 else (float("inf") if ks > 0 else float("nan"))
            # smoothed shares (+0.5) keep the log finite; Jeffreys / information-value term
            ks_s = (kn + 0.5) / (n_key + 1)
            rs_s = (rn + 0.5) / (n_rest + 1)
            dist = (ks_s - rs_s) * math.log(ks_s / rs_s)
            rows.append({"feature": col, "value": v, "key_n": kn, "rest_n": rn,
                         "key_share": ks, "rest_share": rs, "lift": lift,
                         "distinctiveness": dist})
    cols_out = ["feature", "value", "key_n", "rest_n", "key_share", "rest_share", "lift",
                "distinctiveness"]
    out = pd.DataFrame(rows, columns=cols_out)
    if len(out):
        out = out.sort_values(["distinctiveness", "feature", "value"],
                              ascending=[False, True, True], kind="mergesort")
    return out.reset_index(drop=True)


def _numeric_table(features: pd.DataFrame, key: pd.Series, cols: Sequence[str]) -> pd.DataFrame:
    rows = []
    for col in cols:
        if col not in features:
            continue
        v = pd.to_numeric(features[col], errors="coerce").astype(float)
        a, b = v[key].dropna().to_numpy(), v[~key].dropna().to_numpy()
        km = float(np.median(a)) if len(a) else float("nan")
        rm = float(np.median(b)) if len(b) else float("nan")
        ratio = km / rm if (km > 0 and rm > 0) else float("nan")
        delta = _cliffs_delta(a, b)
        rows.append({"feature": col, "key_median": km, "rest_median": rm, "ratio": ratio,
                     "key_n": len(a), "rest_n": len(b), "cliffs_delta": delta,
                     "distinctiveness": abs(delta)})
    cols_out = ["feature", "key_median", "rest_median", "ratio", "key_n", "rest_n",
                "cliffs_delta", "distinctiveness"]
    out = pd.DataFrame(rows, columns=cols_out)
    if len(out):
        out = out.sort_values(["distinctiveness", "feature"], ascending=[False, True],
                              kind="mergesort", na_position="last")
    return out.reset_index(drop=True)


def _cat_sentence(row: pd.Series) -> str:
    what = f"{_label(row['feature'])} {row['value']}"
    ks, rs, lift = row["key_share"], row["rest_share"], row["lift"]
    if not np.isfinite(lift):
        return f"{what[0].upper()}{what[1:]}: {ks:.0%} of key clients, none of the rest"
    if lift >= 1:
        return f"Key clients are {lift:.1f}× more often in {what} ({ks:.0%} vs {rs:.0%})"
    if ks == 0:
        return f"No key client in {what} (vs {rs:.0%} of the rest)"
    return f"Key clients are {1 / lift:.1f}× less often in {what} ({ks:.0%} vs {rs:.0%})"


def _num_sentence(row: pd.Series) -> str:
    lab, km, rm, ratio = _label(row["feature"]), row["key_median"], row["rest_median"], \
        row["ratio"]
    if np.isfinite(ratio) and not 0.9 < ratio < 1.1:
        return f"Median {lab} {ratio:.1f}× the rest ({_fmt(km)} vs {_fmt(rm)})"
    word = "higher" if row["cliffs_delta"] > 0 else "lower"
    return f"Key clients have {word} {lab} (median {_fmt(km)} vs {_fmt(rm)})"


def _cat_reason(row: pd.Series) -> dict[str, Any]:
    """The headline of a categorical level as a reason code with its figures (what
    :func:`_cat_sentence` says in English, for a surface to phrase in its language)."""
    args: dict[str, Any] = {"feature": str(row["feature"]), "value": str(row["value"]),
                            "key_share": float(row["key_share"])}
    lift = row["lift"]
    if not np.isfinite(lift):
        return reason("portrait_only_key", **args)
    args["rest_share"] = float(row["rest_share"])
    if lift >= 1:
        return reason("portrait_more_often", **args, lift=float(lift))
    if row["key_share"] == 0:
        return reason("portrait_no_key", **args)
    return reason("portrait_less_often", **args, lift=float(1 / lift))


def _num_reason(row: pd.Series) -> dict[str, Any]:
    """The headline of a numeric feature as a reason code with its figures."""
    args = {"feature": str(row["feature"]), "key_median": float(row["key_median"]),
            "rest_median": float(row["rest_median"])}
    ratio = row["ratio"]
    if np.isfinite(ratio) and not 0.9 < ratio < 1.1:
        return reason("portrait_median_ratio", **args, ratio=float(ratio))
    return reason("portrait_higher" if row["cliffs_delta"] > 0 else "portrait_lower", **args)


def portrait(
    features: pd.DataFrame,
    is_key: pd.Series,
    *,
    categorical: Sequence[str] = CATEGORICAL,
    numeric: Sequence[str] = NUMERIC,
    min_lift: float = 1.5,
    min_delta: float = 0.33,
    max_headlines: int = 6,
) -> dict[str, Any]:
    """What key clients have in common compared with the rest (the one-page portrait).

    Key-client profile of McDonald & Woodburn 2007 (METHODS.md §3), made descriptive:
    categorical features compare shares (lift = key share ÷ rest share), numeric features
    compare medians (ratio = key median ÷ rest median).

    Distinctiveness, used to sort each table:

    - categorical level: the Jeffreys / information-value term
      (k − r) × ln(k ÷ r) on shares smoothed by +0.5 count (always ≥ 0; large for big gaps
      on common levels, small for one-off rare levels);
    - numeric feature: |Cliff's delta| = |P(key > rest) − P(key < rest)| (Cliff 1993;
      scale-free, robust to outliers and to negative values; ≥ 0.33 is a "medium" effect,
      Romano et al. 2006).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per entity (index = entity id). Columns not present are skipped.
    is_key : pandas.Series of bool
        Key flag aligned on the index; missing → not key.
    categorical, numeric : sequence of str, keyword-only
        Features to compare. Missing categorical values form the level ``"—"``; missing
        numeric values are left out of the medians.
    min_lift : float, keyword-only
        A categorical level enters the headline if lift ≥ ``min_lift`` or ≤ 1 ÷ ``min_lift``
        (and at least 2 key clients, or one when there are fewer than 5 key clients, are in
        it, for over-representation). Default 1.5.
    min_delta : float, keyword-only
        A numeric feature enters the headline if |Cliff's delta| ≥ ``min_delta``.
    max_headlines : int, keyword-only
        Number of headline sentences (default 6).

    Returns
    -------
    dict
        ``"categorical"``: DataFrame ``feature, value, key_n, rest_n, key_share, rest_share,
        lift, distinctiveness`` (``lift`` = inf when no other client has the level);
        ``"numeric"``: DataFrame ``feature, key_median, rest_median, ratio, key_n, rest_n,
        cliffs_delta, distinctiveness`` (``ratio`` NaN unless both medians are > 0);
        ``"headline"``: list of up to ``max_headlines`` sentences, e.g. "Key clients are 3.1×
        more often in segment Сети (45% vs 15%)", "Median order 4.2× the rest (…)": the most
        distinctive level of each categorical feature and the most distinctive numeric
        features, alternating, most distinctive first; ``"headline_reasons"``: the same
        headlines as reason codes with their figures (``portrait_*`` in
        ``templates/i18n/<lang>/reasons.yaml``, phrased by :func:`kamlib.i18n.say`).
        ``"n_key"``, ``"n_rest"``: counts.
    """
    key = _key_mask(features, is_key)
    cat = _categorical_table(features, key, categorical)
    num = _numeric_table(features, key, numeric)
    n_key = int(key.sum())
    min_n = 2 if n_key >= 5 else 1

    cat_lines: list[str] = []
    cat_reasons: list[dict[str, Any]] = []
    seen: set[str] = set()
    for _, row in cat.iterrows():
        if row["feature"] in seen or row["value"] == MISSING:
            continue
        lift = row["lift"]
        over = (not np.isfinite(lift) and row["key_n"] >= min_n) or (
            np.isfinite(lift) and lift >= min_lift and row["key_n"] >= min_n)
        under = np.isfinite(lift) and lift <= 1 / min_lift
        if over or under:
            cat_lines.append(_cat_sentence(row))
            cat_reasons.append(_cat_reason(row))
            seen.add(row["feature"])
    distinct = [row for _, row in num.iterrows()
                if np.isfinite(row["distinctiveness"]) and row["distinctiveness"] >= min_delta]
    num_lines = [_num_sentence(row) for row in distinct]
    num_reasons = [_num_reason(row) for row in distinct]
    headline: list[str] = []
    reasons: list[dict[str, Any]] = []
    for i in range(max(len(cat_lines), len(num_lines))):
        headline += cat_lines[i:i + 1] + num_lines[i:i + 1]
        reasons += cat_reasons[i:i + 1] + num_reasons[i:i + 1]
    return {"categorical": cat, "numeric": num, "headline": headline[:max_headlines],
            "headline_reasons": reasons[:max_headlines],
            "n_key": n_key, "n_rest": int((~key).sum())}


# --------------------------------------------------------------------------- size bands


def size_bands(revenue: pd.Series, *,
               cuts: tuple[float, float, float] = (0.05, 0.20, 0.50)) -> pd.Series:
    """Size band by revenue rank: ``XL`` top 5%, ``L`` next 15%, ``M`` next 30%, ``S`` rest.

    A client's position is p = rank ÷ n (rank 1 = largest revenue, ties share the best
    rank; n = clients with a revenue): p ≤ 0.05 → XL, ≤ 0.20 → L, ≤ 0.50 → M, else S.
    With fewer than 20 clients nobody is XL (the top one already has p > 5%).

    Parameters
    ----------
    revenue : pandas.Series
        Revenue per entity.
    cuts : tuple of 3 float, keyword-only
        Cumulative upper bounds of XL, L and M (default 5%, 20%, 50%).

    Returns
    -------
    pandas.Series
        Same index, named ``size_band``; NaN where revenue is missing.
    """
    v = pd.to_numeric(revenue, errors="coerce").astype(float)
    n = int(v.notna().sum())
    out = pd.Series(np.nan, index=revenue.index, dtype=object, name="size_band")
    if not n:
        return out
    p = v.rank(ascending=False, method="min") / n
    xl, lg, md = cuts
    bands = np.select([p <= xl, p <= lg, p <= md], ["XL", "L", "M"], default="S")
    out[v.notna()] = bands[v.notna().to_numpy()]
    return out


# --------------------------------------------------------------------------- look-alikes


def look_alikes(
    features: pd.DataFrame,
    is_key: pd.Series,
    *,
    numeric: Sequence[str] = NUMERIC,
    categorical: Sequence[str] = ("segment", "region"),
    exclude: pd.Series | None = None,
    top: int = 20,
    log: Sequence[str] = LOG_FEATURES,
) -> pd.DataFrame:
    """Non-key clients ranked by how closely they resemble the key clients' profile.

    Every numeric feature is transformed (sign(x)·ln(1 + |x|) for the money / size features
    in ``log``), NaN filled with the column median, then z-scored over all clients
    (population std; a constant column scores 0). Each categorical feature is one-hot
    encoded and scaled by 1/√2, so a mismatch weighs one standard deviation. The key
    centroid is the mean of the key clients; similarity = −RMS distance to it (the Euclidean
    distance ÷ √(number of features)), 0 = sitting on the centroid. Deterministic: ties are
    ordered by the index.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per entity (index = entity id). Columns not present are skipped.
    is_key : pandas.Series of bool
        Key flag aligned on the index; missing → not key.
    numeric, categorical : sequence of str, keyword-only
        Features to use.
    exclude : pandas.Series, optional, keyword-only
        Clients not to propose (e.g. loss-making or lost): a boolean Series aligned on the
        index (True = exclude) or a Series of entity ids.
    top : int, keyword-only
        Number of rows returned.
    log : sequence of str, keyword-only
        Numeric features to log-transform.

    Returns
    -------
    pandas.DataFrame
        Indexed by entity id: ``similarity`` (≤ 0), ``rank`` (1 = closest) and ``why``: the two
        features on which the client is closest to the key profile compared with a typical
        non-key client, e.g. ``"net_revenue 4.1 M (key median 5.0 M); segment = Сети"``; and
        ``similar_because``: the same two features as reasons (JSON text of a list of
        ``look_alike_number`` / ``look_alike_category`` reasons, :func:`kamlib.units.reason`)
        for a surface to phrase in its language.

    Raises
    ------
    ValueError
        If there is no key client or no usable feature.
    """
    key = _key_mask(features, is_key)
    if not key.any():
        raise ValueError("look_alikes needs at least one key client")
    blocks: list[tuple[str, np.ndarray]] = []  # (feature, matrix n × k)
    raw_num: dict[str, pd.Series] = {}
    for col in numeric:
        if col not in features:
            continue
        v = pd.to_numeric(features[col], errors="coerce").astype(float)
        raw_num[col] = v
        x = np.sign(v) * np.log1p(v.abs()) if col in log else v
        med = x.median()
        x = x.fillna(0.0 if pd.isna(med) else med).to_numpy()
        sd = x.std()
        z = (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)
        blocks.append((col, z.reshape(-1, 1)))
    cat_vals: dict[str, pd.Series] = {}
    for col in categorical:
        if col not in features:
            continue
        vals = features[col].astype(object).where(features[col].notna(), MISSING).astype(str)
        cat_vals[col] = vals
        levels = sorted(vals.unique())
        onehot = (vals.to_numpy()[:, None] == np.array(levels)[None, :]).astype(float)
        blocks.append((col, onehot / math.sqrt(2)))
    if not blocks:
        raise ValueError("look_alikes found none of the features in the table")

    k = key.to_numpy()
    # per-feature distance of every client to the key centroid
    dist = np.column_stack([
        np.sqrt(((m - m[k].mean(axis=0)) ** 2).sum(axis=1)) for _, m in blocks
    ])
    similarity = -np.sqrt((dist ** 2).sum(axis=1) / dist.shape[1])

    cand = ~k
    if exclude is not None:
        if pd.api.types.is_bool_dtype(exclude):
            ex = exclude.reindex(features.index)
            cand &= ~ex.where(ex.notna(), False).astype(bool).to_numpy()
        else:
            cand &= ~features.index.isin(pd.Series(exclude).to_numpy())
    typical = np.median(dist[~k], axis=0) if (~k).any() else np.zeros(dist.shape[1])
    gain = typical[None, :] - dist  # how much closer than a typical non-key client

    idx = np.flatnonzero(cand)
    keys = np.array([str(i) for i in features.index[idx]])
    order = idx[np.lexsort((keys, -similarity[idx]))][: max(int(top), 0)]

    names = [f for f, _ in blocks]
    key_med = {c: float(s[key].median()) for c, s in raw_num.items()}
    whys, because = [], []
    for i in order:
        best = sorted(range(len(names)), key=lambda j: (-gain[i, j], j))[:2]
        parts, reasons = [], []
        for j in best:
            f = names[j]
            if f in raw_num:
                value = float(raw_num[f].iloc[i])
                parts.append(f"{f} {_fmt(value)} (key median {_fmt(key_med[f])})")
                reasons.append(reason("look_alike_number", feature=f,
                                      client_value=value if np.isfinite(value) else None,
                                      key_median=key_med[f]))
            else:
                parts.append(f"{f} = {cat_vals[f].iloc[i]}")
                reasons.append(reason("look_alike_category", feature=f,
                                      value=str(cat_vals[f].iloc[i])))
        whys.append("; ".join(parts))
        because.append(json.dumps(reasons, ensure_ascii=False))
    return pd.DataFrame({
        "similarity": similarity[order],
        "rank": np.arange(1, len(order) + 1),
        "why": whys,
        "similar_because": because,
    }, index=features.index[order])
