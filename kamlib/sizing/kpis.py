"""KPIs of each KAM with targets from the data, their weights, and the bonus scheme sketch.

4 ± 1 KPIs per KAM, one per family (contribution, growth, relationship, cash; optionally
customer) — the balance of financial, customer and process measures of Kaplan & Norton's
balanced scorecard (1992, "The balanced scorecard — measures that drive performance",
*Harvard Business Review* 70(1)), few and focused as Zoltners, Sinha & Lorimer (2006) advise
for sales pay. The KPI definitions are those of :func:`.economics.propose_kpis`.

**Target** of a KPI for a KAM (:class:`kamlib.config.KpiSchemeParams`): their portfolio's
baseline moved ``gap_closure`` of the way towards the ``target_percentile`` of the key
accounts' own values (the (1 − percentile) for a "lower is better" KPI such as days late),
never below the baseline: what the better key accounts already achieve, not a fixed +2 pp.

**Weights** sum to 1; the 2–3 KPIs with a weight ≥ ``focus_weight`` are in focus.

**Bonus sketch**: variable pay at target = ``variable_pay_share`` of the total target pay;
a KPI pays 0 below ``threshold_achievement``, rises linearly to 1 at target and to
``cap_payout`` at ``cap_achievement`` (then flat); nothing is paid when the gate KPI
(``gate_kpi``) is below ``gate_achievement``.

Pure functions, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..config import KpiSchemeParams
from .economics import _BUILDERS

__all__ = ["account_values", "bonus_factor", "bonus_scheme", "kam_kpis", "kpi_target",
           "payout", "portfolio_targets"]


def account_values(key: pd.DataFrame, family: str) -> pd.Series:
    """Each key account's own value of the family's KPI (the KPI on a one-account portfolio);
    NaN where the data do not say."""
    vals = {i: float(_BUILDERS[family](key.loc[[i]]).get("baseline", np.nan))
            for i in key.index}
    return pd.Series(vals, dtype=float)


#: percentages that are not shares of a whole: no 100 % ceiling on their target
_UNBOUNDED_PCT = frozenset({"revenue_growth_pct"})


def kpi_target(baseline: float, values: pd.Series, better: str,
               params: KpiSchemeParams | None = None, *, unit: str = "",
               kpi: str = "") -> tuple[float, float]:
    """The target of one KPI and the reference (the percentile of ``values``) it aims at.

    Example: baseline 18 %, the key accounts' 75th percentile 26 %, gap closure 0.5 →
    target 18 + 0.5 × (26 − 18) = 22 %. Lower is better (days late 12, 25th percentile 4)
    → 12 − 0.5 × 8 = 8.

    Returns
    -------
    (float, float)
        (target, reference); NaN when the baseline or the values are missing.
    """
    p = params or KpiSchemeParams()
    v = pd.to_numeric(values, errors="coerce").dropna()
    if not math.isfinite(baseline) or v.empty:
        return math.nan, math.nan
    q = p.target_percentile if better != "lower" else 1 - p.target_percentile
    ref = float(v.quantile(q))
    if better == "lower":
        target = max(baseline - p.gap_closure * max(baseline - ref, 0.0), 0.0)
    else:
        target = baseline + p.gap_closure * max(ref - baseline, 0.0)
        # a share (margin, coverage, share of wallet) cannot exceed 100 %; growth can, and
        # a target never falls below the baseline it is set from
        if unit == "%" and kpi not in _UNBOUNDED_PCT and target > 100:
            target = max(100.0, baseline)
    return target, ref


def portfolio_targets(key: pd.DataFrame, params: KpiSchemeParams | None = None
                      ) -> dict[str, float]:
    """Targets for the whole key portfolio by the same rule (family → target), for
    :func:`.economics.propose_kpis` (families without data are left out)."""
    p = params or KpiSchemeParams()
    out = {}
    for fam in p.weights:
        r = _BUILDERS[fam](key)
        base = float(r.get("baseline", np.nan))
        t, _ = kpi_target(base, account_values(key, fam), r["better"], p, unit=r["unit"],
                          kpi=r["kpi"])
        if math.isfinite(t):
            out[fam] = round(t, 4)
    return out


def kam_kpis(key: pd.DataFrame, kam: pd.Series, params: KpiSchemeParams | None = None
             ) -> pd.DataFrame:
    """The KPIs of every KAM: baseline on their own portfolio, target, weight, focus.

    Parameters
    ----------
    key : pandas.DataFrame
        Key accounts (index entity_id) with the KPI data (contribution, net_revenue,
        revenue_last12 / revenue_prev12, contacts, days_late …).
    kam : pandas.Series
        The KAM of each account (index entity_id).

    Returns
    -------
    pandas.DataFrame
        One row per KAM and KPI: ``kam``, ``family``, ``kpi``, ``unit``, ``better``,
        ``accounts``, ``baseline``, ``reference`` (the key accounts' percentile), ``target``,
        ``weight``, ``focus``, ``definition``.
    """
    p = params or KpiSchemeParams()
    owner = kam.reindex(key.index)
    rows: list[dict[str, Any]] = []
    per_account = {fam: account_values(key, fam) for fam in p.weights}
    for k in sorted(owner.dropna().unique(), key=str):
        ids = owner.index[owner == k]
        sub = key.loc[ids]
        for fam, w in p.weights.items():
            r = _BUILDERS[fam](sub)
            base = float(r.get("baseline", np.nan))
            target, ref = kpi_target(base, per_account[fam], r["better"], p, unit=r["unit"],
                                     kpi=r["kpi"])
            rows.append({"kam": str(k), "family": fam, "kpi": r["kpi"], "unit": r["unit"],
                         "better": r["better"], "accounts": len(ids), "baseline": base,
                         "reference": ref, "target": target, "weight": float(w),
                         "focus": bool(w >= p.focus_weight), "definition": r["definition"]})
    return pd.DataFrame(rows, columns=["kam", "family", "kpi", "unit", "better", "accounts",
                                       "baseline", "reference", "target", "weight", "focus",
                                       "definition"])


def payout(achievement: float, params: KpiSchemeParams | None = None) -> float:
    """Payout of one KPI (× its payout at target) for an achievement (actual ÷ target, or
    target ÷ actual when lower is better).

    Example (defaults: threshold 0.8, cap 1.2 → 1.5): 0.7 → 0; 0.9 → 0.5; 1.0 → 1;
    1.1 → 1.25; 1.3 → 1.5.
    """
    p = params or KpiSchemeParams()
    a = float(achievement)
    if not math.isfinite(a) or a < p.threshold_achievement:
        return 0.0
    if a <= 1:
        return (a - p.threshold_achievement) / (1 - p.threshold_achievement)
    if a >= p.cap_achievement:
        return float(p.cap_payout)
    return 1 + (p.cap_payout - 1) * (a - 1) / (p.cap_achievement - 1)


def bonus_factor(achievements: Mapping[str, float], params: KpiSchemeParams | None = None
                 ) -> float:
    """The bonus paid as a share of the bonus at target: Σ weight × :func:`payout`, or 0 when
    the gate KPI's achievement is below the gate.

    Example (defaults): contribution 1.0, growth 1.1, relationship 0.9, cash 0.7 →
    0.35 × 1 + 0.30 × 1.25 + 0.20 × 0.5 + 0.15 × 0 = 0.825; contribution 0.85 → 0 (gate).
    """
    p = params or KpiSchemeParams()
    if float(achievements.get(p.gate_kpi, 0.0)) < p.gate_achievement:
        return 0.0
    return float(sum(w * payout(float(achievements.get(f, 0.0)), p)
                     for f, w in p.weights.items()))


def bonus_scheme(params: KpiSchemeParams | None = None) -> dict[str, Any]:
    """The bonus scheme sketch for the summary: shares and achievements as fractions, the
    payout curve's points, the weights and the KPIs in focus."""
    p = params or KpiSchemeParams()
    focus = [f for f, w in p.weights.items() if w >= p.focus_weight]
    max_factor = bonus_factor({f: p.cap_achievement for f in p.weights}, p)
    return {
        "variable_pay_share": float(p.variable_pay_share),
        "payout_at_target_share": float(p.variable_pay_share),
        "max_pay_share": round(float(p.variable_pay_share) * max_factor, 6),
        "gate": {"kpi": p.gate_kpi, "achievement_ratio": float(p.gate_achievement)},
        "threshold_achievement_ratio": float(p.threshold_achievement),
        "cap_achievement_ratio": float(p.cap_achievement),
        "cap_payout_ratio": float(p.cap_payout),
        "weights": {f: float(w) for f, w in p.weights.items()},
        "focus": focus, "kpis": len(p.weights),
        "curve": [{"achievement_ratio": a, "payout_ratio": round(payout(a, p), 6)}
                  for a in (p.threshold_achievement - 0.05, p.threshold_achievement, 0.9, 1.0,
                            1.1, p.cap_achievement, p.cap_achievement + 0.1)],
    }
