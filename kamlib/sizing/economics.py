"""The economics of a KAM team: cost, break-even, payback, response curve, KPIs, support team.

METHODS.md §4. Pure functions: numbers or pandas in, dicts / DataFrames out. No I/O, no plots.

- **Team cost**: KAM salary × (1 + overhead share) + travel per KAM, plus support hours × rate.
- **Break-even** (Zoltners, Sinha & Lorimer 2006, *The Complete Guide to Sales Force
  Sizing*): break-even sales B = annual KAM cost ÷ margin rate; a KAM is worth adding while
  expected incremental sales ÷ B > 1.
- **Payback**: the uplift of the key clients' revenue / contribution that pays for the team.
- **Response curve** (ADBUDG, Little 1970, "Models and managers: the concept of a decision
  calculus", *Management Science* 16(8)): y = b + (a − b)·xᶜ / (d + xᶜ), calibrated from four
  judgements a consultant can ask a sales director for.
- **KPIs**: 4 ± 1 per KAM, one per family: contribution, share of wallet / growth,
  relationship (stage, coverage), cash (DSO vs terms), optionally customer (QBR / NPS).
- **Support team**: finance, logistics, marketing and service hours per key account, by
  quadrant (Strategic / Star / Status / Streamline) or tier, converted to FTE.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_KPI_UPLIFT",
    "DEFAULT_SUPPORT_HOURS",
    "KPI_FAMILIES",
    "ROLE_DUTIES",
    "adbudg",
    "adbudg_from_judgement",
    "break_even",
    "effort_sensitivity",
    "payback",
    "propose_kpis",
    "support_team",
    "team_cost",
]

_NO_MARGIN = "the key clients do not earn a margin: a KAM cannot pay back"


def _check_non_negative(**values: float) -> None:
    for name, value in values.items():
        if value is None or not math.isfinite(float(value)) or float(value) < 0:
            raise ValueError(f"{name} must be a finite number ≥ 0, got {value!r}")


# --------------------------------------------------------------------------- team cost


def team_cost(
    n_kams: float,
    *,
    salary: float,
    overhead_share: float = 0.3,
    travel: float = 0.0,
    support_hours: float = 0.0,
    support_rate: float = 0.0,
) -> dict[str, float]:
    """Annual cost of the KAM team, itemised.

    KAM cost = n_kams × (salary × (1 + overhead_share) + travel); support cost = support
    hours × hourly rate; total = KAM cost + support cost. The KAM cost is the numerator of
    the break-even of Zoltners, Sinha & Lorimer (2006).

    Example: 3 KAMs × (800,000 × 1.3 + 100,000) = 3 × 1,140,000 = 3,420,000; support
    500 h × 1,000 = 500,000; total 3,920,000.

    Parameters
    ----------
    n_kams : float
        Number of KAMs (FTE, may be fractional).
    salary : float
        Annual salary per KAM (gross, incl. bonus).
    overhead_share : float, default 0.3
        Employer taxes, benefits, car, office, IT as a share of salary.
    travel : float, default 0.0
        Annual travel and entertainment per KAM.
    support_hours : float, default 0.0
        Annual hours of the support team (finance, logistics, marketing, service), e.g. the
        sum of :func:`support_team`'s ``hours``.
    support_rate : float, default 0.0
        Fully loaded cost per support hour.

    Returns
    -------
    dict
        ``n_kams``, ``salary``, ``overhead``, ``travel``, ``kam_cost``, ``per_kam``,
        ``support``, ``total`` (all annual currency amounts, except ``n_kams``).
    """
    _check_non_negative(n_kams=n_kams, salary=salary, overhead_share=overhead_share,
                        travel=travel, support_hours=support_hours, support_rate=support_rate)
    n = float(n_kams)
    salaries = n * float(salary)
    overhead = salaries * float(overhead_share)
    travel_total = n * float(travel)
    kam_cost = salaries + overhead + travel_total
    support = float(support_hours) * float(support_rate)
    return {
        "n_kams": n,
        "salary": salaries,
        "overhead": overhead,
        "travel": travel_total,
        "kam_cost": kam_cost,
        "per_kam": kam_cost / n if n > 0 else 0.0,
        "support": support,
        "total": kam_cost + support,
    }


# --------------------------------------------------------------------------- break-even


def _check_margin(margin_rate: float) -> float:
    m = float(margin_rate)
    if not math.isfinite(m) or m <= 0:
        raise ValueError(f"margin rate {margin_rate!r} ≤ 0: {_NO_MARGIN}")
    if m > 1:
        raise ValueError(f"margin rate {margin_rate!r} > 1: give it as a fraction "
                         "(0.2 for 20%), not as a percentage")
    return m


def break_even(
    kam_cost: float, *, margin_rate: float, expected_uplift: float | None = None,
    subject: str = "a KAM",
) -> dict[str, Any]:
    """Break-even sales of a KAM (Zoltners, Sinha & Lorimer 2006).

    B = annual KAM cost ÷ margin rate (contribution margin as a fraction of sales): the
    incremental sales the KAM must bring to pay for themself. With the expected incremental
    sales U, the ratio U ÷ B says whether the KAM is worth adding (ratio > 1).

    Example: B = 3,000,000 ÷ 0.2 = 15,000,000; with U = 18,000,000 the ratio is
    18 ÷ 15 = 1.2 > 1: worth adding.

    Parameters
    ----------
    kam_cost : float
        Annual cost of the KAM (or of the team), e.g. ``team_cost(...)["kam_cost"]``.
    margin_rate : float
        Contribution margin of the incremental sales, as a fraction (0 < m ≤ 1).
    expected_uplift : float, optional
        Expected incremental sales per year thanks to the KAM.
    subject : str, default "a KAM"
        Who costs ``kam_cost``, for the text (e.g. "the recommended team" when ``kam_cost``
        is the whole programme's cost, compared with the whole team's expected uplift).

    Returns
    -------
    dict
        ``kam_cost``, ``margin_rate``, ``break_even_sales``, ``expected_uplift``, ``ratio``
        (None without uplift), ``worth_adding`` (None without uplift) and ``text``.

    Raises
    ------
    ValueError
        If ``margin_rate`` ≤ 0 ("the key clients do not earn a margin: a KAM cannot pay
        back") or > 1, or ``kam_cost`` < 0.
    """
    _check_non_negative(kam_cost=kam_cost)
    m = _check_margin(margin_rate)
    b = float(kam_cost) / m
    ratio: float | None = None
    worth: bool | None = None
    text = (f"{subject} costing {kam_cost:,.0f} a year must bring {b:,.0f} of incremental sales "
            f"at a {m:.0%} margin to break even")
    if expected_uplift is not None:
        ratio = float(expected_uplift) / b if b > 0 else math.inf
        worth = bool(ratio > 1)
        verdict = "worth adding" if worth else "not worth adding"
        text += (f"; expected {float(expected_uplift):,.0f} is {ratio:.2f}× break-even: "
                 f"{verdict}")
    return {"kam_cost": float(kam_cost), "margin_rate": m, "break_even_sales": b,
            "expected_uplift": None if expected_uplift is None else float(expected_uplift),
            "ratio": ratio, "worth_adding": worth, "text": text}


def payback(
    team_cost: float,
    key_contribution: float,
    key_revenue: float,
    *,
    incremental_margin: float | None = None,
) -> dict[str, Any]:
    """The uplift of the key clients that pays for the KAM team.

    With the key clients' contribution margin m = contribution ÷ revenue:

    - revenue uplift needed = team cost ÷ m (the break-even sales of Zoltners, Sinha &
      Lorimer 2006); as a % of key revenue = team cost ÷ (key revenue × m);
    - contribution uplift needed = team cost; as a % of key contribution = team cost ÷ key
      contribution.

    When the incremental sales earn the average margin both percentages coincide; pass
    ``incremental_margin`` (e.g. the gross margin, when cost-to-serve does not grow with
    sales) to size the revenue uplift at another margin.

    Example: team 3,000,000; key revenue 100,000,000; contribution 20,000,000 (m = 20%):
    revenue uplift 3,000,000 ÷ 0.2 = 15,000,000 = 15%; contribution uplift 3 ÷ 20 = 15%.
    With an incremental margin of 30%: 10,000,000 = 10% of key revenue.

    Parameters
    ----------
    team_cost : float
        Annual cost of the KAM team (``team_cost(...)["total"]``).
    key_contribution : float
        Annual contribution of the key clients (must be > 0).
    key_revenue : float
        Annual net revenue of the key clients (must be > 0).
    incremental_margin : float, optional
        Margin earned on incremental sales (fraction); default the average margin m.

    Returns
    -------
    dict
        ``margin_rate``, ``revenue_uplift``, ``revenue_uplift_pct``, ``contribution_uplift``,
        ``contribution_uplift_pct`` (percentages in %, e.g. 15.0) and ``text``.

    Raises
    ------
    ValueError
        If the key contribution or revenue is ≤ 0 ("the key clients do not earn a margin: a
        KAM cannot pay back").
    """
    _check_non_negative(team_cost=team_cost)
    if not float(key_revenue) > 0:
        raise ValueError(f"key revenue {key_revenue!r} ≤ 0: nothing to pay back from")
    if not float(key_contribution) > 0:
        raise ValueError(f"key contribution {key_contribution!r} ≤ 0: {_NO_MARGIN}")
    m = float(key_contribution) / float(key_revenue)
    m_inc = m if incremental_margin is None else _check_margin(incremental_margin)
    rev_up = float(team_cost) / m_inc
    rev_pct = 100.0 * rev_up / float(key_revenue)
    con_pct = 100.0 * float(team_cost) / float(key_contribution)
    text = (f"to pay back {float(team_cost):,.0f} a year the key clients must grow revenue by "
            f"{rev_up:,.0f} ({rev_pct:.1f}%) at a {m_inc:.0%} margin, i.e. contribution "
            f"by {float(team_cost):,.0f} ({con_pct:.1f}%)")
    return {"margin_rate": m, "incremental_margin": m_inc, "revenue_uplift": rev_up,
            "revenue_uplift_pct": rev_pct, "contribution_uplift": float(team_cost),
            "contribution_uplift_pct": con_pct, "text": text}


# --------------------------------------------------------------------------- ADBUDG


def adbudg(x: Any, *, a: float, b: float, c: float, d: float) -> Any:
    """ADBUDG response curve (Little 1970): y = b + (a − b)·xᶜ / (d + xᶜ).

    ``b`` is the response with no effort, ``a`` at saturation; with effort indexed so that
    the current effort is 1, y(1) = b + (a − b) / (d + 1). ``c`` > 1 gives an S-curve,
    0 < c ≤ 1 a concave one.

    Example: a = 1.5, b = 0.5, c = 2, d = 1: y(0) = 0.5, y(1) = 0.5 + 1 × 1/2 = 1.0,
    y(2) = 0.5 + 4/5 = 1.3.

    Parameters
    ----------
    x : float, array-like or pandas.Series
        Effort (≥ 0).
    a, b, c, d : float
        Saturation, floor, shape (> 0) and half-saturation constant (> 0).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        The response, shaped like ``x`` (a Series keeps its index).
    """
    if c <= 0 or d <= 0:
        raise ValueError(f"ADBUDG needs c > 0 and d > 0, got c={c!r}, d={d!r}")
    arr = np.asarray(x, dtype=float)
    if np.any(arr < 0):
        raise ValueError("ADBUDG effort must be ≥ 0")
    xc = np.power(arr, c)
    y = b + (a - b) * xc / (d + xc)
    if isinstance(x, pd.Series):
        return pd.Series(y, index=x.index, name=x.name)
    if np.ndim(y) == 0:
        return float(y)
    return y


def adbudg_from_judgement(
    *, at_zero: float, at_current: float, at_plus50: float, at_saturation: float
) -> dict[str, float]:
    """Calibrate ADBUDG from four judgements (Little 1970's "decision calculus").

    Ask the sales director, with the response as an index (current = 1.0, e.g. revenue of the
    key clients): what would it be with no KAM effort (``at_zero`` → b), at the current
    effort (x = 1), with 50% more effort (x = 1.5), and with unlimited effort
    (``at_saturation`` → a)? Closed form, with r = (y − b) ÷ (a − b):

    - from x = 1: r₁ = 1 / (d + 1) ⇒ d = 1/r₁ − 1;
    - from x = 1.5: r₁.₅ = 1.5ᶜ / (d + 1.5ᶜ) ⇒ 1.5ᶜ = d · r₁.₅ / (1 − r₁.₅)
      ⇒ c = ln(d · r₁.₅ / (1 − r₁.₅)) / ln 1.5.

    Example: b = 0.5, y(1) = 1.0, y(1.5) = 0.5 + 9/13, a = 1.5: r₁ = 0.5 ⇒ d = 1;
    r₁.₅ = 9/13 ⇒ 1.5ᶜ = 9/4 ⇒ c = 2.

    Parameters
    ----------
    at_zero, at_current, at_plus50, at_saturation : float
        The four judgements; must be strictly increasing (more effort, more response, up
        to a ceiling).

    Returns
    -------
    dict
        ``a``, ``b``, ``c``, ``d``, ready for :func:`adbudg` and :func:`effort_sensitivity`.
    """
    b, y1, y15, a = (float(v) for v in (at_zero, at_current, at_plus50, at_saturation))
    if not (b < y1 < y15 < a):
        raise ValueError(
            "the judgements must increase: no effort < current < +50% < saturation, got "
            f"{b} / {y1} / {y15} / {a}")
    r1 = (y1 - b) / (a - b)
    r15 = (y15 - b) / (a - b)
    d = 1.0 / r1 - 1.0
    c = math.log(d * r15 / (1.0 - r15)) / math.log(1.5)
    return {"a": a, "b": b, "c": c, "d": d}


def effort_sensitivity(
    params: Mapping[str, float],
    *,
    efforts: Sequence[float] = (0, 0.5, 1, 1.5, 2),
    base_revenue: float,
    margin_rate: float,
    cost_per_unit_effort: float,
) -> pd.DataFrame:
    """What-if table of KAM effort: revenue, contribution gain, cost and net vs today.

    Effort is an index (1 = current). The response is :func:`adbudg`; revenue =
    base revenue × response(effort) ÷ response(1) (so revenue at the current effort equals
    the base even if the curve does not pass exactly through 1). Everything else is a change
    against the current effort:

    - ``contribution_gain`` = (revenue − base revenue) × margin rate;
    - ``cost`` = cost per unit of effort × (effort − 1) (negative: money saved by cutting);
    - ``net`` = contribution_gain − cost.

    Reading: the row with the highest ``net`` is the best effort among those tried; a
    positive ``net`` at 1.5 says the extra effort pays for itself, a positive ``net`` at
    0.5 or 0 says cutting saves more than it loses. The step between neighbouring rows is
    the marginal return: add effort while it is positive (Little 1970; Zoltners, Sinha &
    Lorimer 2006).

    Example (a = 1.5, b = 0.5, c = 2, d = 1; base 100; m = 0.2; cost 5 per unit): at effort
    2 the response is 1.3, revenue 130, gain 30 × 0.2 = 6, cost 5, net 1.

    Parameters
    ----------
    params : mapping
        ``a``, ``b``, ``c``, ``d`` (e.g. from :func:`adbudg_from_judgement`).
    efforts : sequence of float, default (0, 0.5, 1, 1.5, 2)
        Effort levels to tabulate.
    base_revenue : float
        Revenue at the current effort.
    margin_rate : float
        Contribution margin of the incremental revenue (fraction).
    cost_per_unit_effort : float
        Annual cost of one unit of effort (the current KAM team cost).

    Returns
    -------
    pandas.DataFrame
        Columns ``effort``, ``response``, ``revenue``, ``contribution_gain``, ``cost``,
        ``net``; one row per effort.
    """
    p = {k: float(params[k]) for k in ("a", "b", "c", "d")}
    e = np.asarray(list(efforts), dtype=float)
    resp = np.asarray(adbudg(e, **p), dtype=float)
    at_current = float(adbudg(1.0, **p))
    if at_current == 0:
        raise ValueError("the response at the current effort is 0: cannot scale revenue")
    revenue = float(base_revenue) * resp / at_current
    gain = (revenue - float(base_revenue)) * float(margin_rate)
    cost = float(cost_per_unit_effort) * (e - 1.0)
    return pd.DataFrame({"effort": e, "response": resp, "revenue": revenue,
                         "contribution_gain": gain, "cost": cost, "net": gain - cost})


# --------------------------------------------------------------------------- KPIs

KPI_FAMILIES: tuple[str, ...] = ("contribution", "growth", "relationship", "cash", "customer")

#: Default target when ``targets`` does not give one: baseline + uplift (in the KPI's unit);
#: for "lower is better" KPIs (days late) the uplift is subtracted and floored at 0;
#: percentages are capped at 100.
DEFAULT_KPI_UPLIFT: dict[str, float] = {
    "contribution_margin_pct": 2.0,  # +2 pp of contribution margin
    "revenue_growth_pct": 5.0,  # +5 pp of growth
    "share_of_wallet_pct": 5.0,  # +5 pp of share of wallet
    "covered_accounts_pct": 20.0,  # +20 pp of accounts with ≥ 3 contacts and an economic buyer
    "contacts_per_account": 1.0,  # +1 contact per account
    "coverage_score": 1.0,  # +1 point on the 1–10 coverage score
    "days_late": 5.0,  # −5 days late
    "nps": 10.0,  # +10 NPS points
    "qbr_accounts_pct": 25.0,  # +25 pp of accounts with a QBR held
}

_MAX_KPIS = 5
_SOURCE = {
    "contribution": "Zoltners, Sinha & Lorimer 2006; METHODS.md §2",
    "growth": "METHODS.md §2 (revenue growth), §3 (potential)",
    "relationship": "McDonald, Millman & Rogers 1997; Miller & Heiman 1985",
    "cash": "METHODS.md §2 (cost of receivables)",
    "customer": "Reichheld 2003 (NPS); QBR practice",
}


def _num(key: pd.DataFrame, col: str) -> pd.Series:
    return pd.to_numeric(key[col], errors="coerce").astype(float)


def _has(key: pd.DataFrame, *cols: str) -> bool:
    return all(c in key.columns and _num(key, c).notna().any() for c in cols)


def _economic_buyer(key: pd.DataFrame) -> pd.Series | None:
    """Whether each account has an economic buyer, from whatever column says so."""
    for col in ("has_economic_buyer", "economic_buyer"):
        if col in key.columns:
            return key[col].fillna(False).astype(bool)
    if "roles_missing" in key.columns:
        return ~key["roles_missing"].fillna("").astype(str).str.contains("economic_buyer")
    return None


def _kpi_contribution(key: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = {"kpi": "contribution_margin_pct", "unit": "%", "better": "higher",
           "definition": "Σ contribution ÷ Σ net revenue of the key clients × 100"}
    if _has(key, "contribution", "net_revenue"):
        rev = _num(key, "net_revenue").sum()
        row["baseline"] = 100.0 * _num(key, "contribution").sum() / rev if rev > 0 else np.nan
        row["data"] = "contribution, net_revenue"
    return row


#: how the growth KPI's baseline was measured when the 12-month revenues are not at hand
#: (its 'data', which the report reads to print the matching definition)
GROWTH_WEIGHTED = "growth_pct (fraction), weighted by net_revenue"
GROWTH_MEAN = "growth_pct (fraction), simple mean"


def _kpi_growth(key: pd.DataFrame) -> dict[str, Any]:
    if _has(key, "potential", "net_revenue"):
        pot = _num(key, "potential").sum()
        return {"kpi": "share_of_wallet_pct", "unit": "%", "better": "higher",
                "definition": "Σ net revenue ÷ Σ potential (client's spend in the category) × 100",
                "baseline": 100.0 * _num(key, "net_revenue").sum() / pot if pot > 0 else np.nan,
                "data": "net_revenue, potential"}
    row: dict[str, Any] = {"kpi": "revenue_growth_pct", "unit": "%", "better": "higher",
           "definition": "revenue last 12 months ÷ previous 12 months − 1, key clients, × 100"}
    if _has(key, "revenue_last12", "revenue_prev12"):
        prev = _num(key, "revenue_prev12").sum()
        row["baseline"] = (100.0 * (_num(key, "revenue_last12").sum() / prev - 1.0)
                           if prev > 0 else np.nan)
        row["data"] = "revenue_last12, revenue_prev12"
    elif _has(key, "growth_pct"):
        g = _num(key, "growth_pct")
        w = _num(key, "net_revenue").clip(lower=0) if _has(key, "net_revenue") else None
        ok = g.notna() if w is None else g.notna() & w.notna()
        # the definition says what the baseline is (it said "revenue last 12 months ÷
        # previous 12" over a mean of the clients' own growth: −4,1 % against −4,9 %)
        if w is not None and w[ok].sum() > 0:
            row["baseline"] = 100.0 * float(np.average(g[ok], weights=w[ok]))
            row["data"] = GROWTH_WEIGHTED
            row["definition"] = ("each key client's revenue last 12 months ÷ previous 12 − 1, "
                                 "averaged weighted by its net revenue, × 100")
        else:
            row["baseline"] = 100.0 * float(g[ok].mean())
            row["data"] = GROWTH_MEAN
            row["definition"] = ("each key client's revenue last 12 months ÷ previous 12 − 1, "
                                 "simple mean, × 100")
    return row


def _kpi_relationship(key: pd.DataFrame) -> dict[str, Any]:
    eb = _economic_buyer(key)
    if _has(key, "contacts") and eb is not None:
        covered = (_num(key, "contacts").fillna(0) >= 3) & eb
        return {"kpi": "covered_accounts_pct", "unit": "%", "better": "higher",
                "definition": "share of key accounts with ≥ 3 contacts and an economic buyer",
                "baseline": 100.0 * float(covered.mean()), "data": "contacts, economic buyer"}
    if _has(key, "contacts"):
        return {"kpi": "contacts_per_account", "unit": "contacts", "better": "higher",
                "definition": "average number of contacts per key account",
                "baseline": float(_num(key, "contacts").mean()), "data": "contacts"}
    row: dict[str, Any] = {"kpi": "coverage_score", "unit": "score 1–10", "better": "higher",
           "definition": "average contact-coverage score of the key accounts (1–10)"}
    if _has(key, "coverage_score"):
        row["baseline"] = float(_num(key, "coverage_score").mean())
        row["data"] = "coverage_score"
    return row


def _kpi_cash(key: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = {"kpi": "days_late", "unit": "days", "better": "lower",
           "definition": "average days paid beyond contracted terms (DSO − terms, ≥ 0) "
                         "per key account"}
    terms = next((c for c in ("terms_days", "payment_terms_days") if _has(key, c)), None)
    if _has(key, "days_late"):
        row["baseline"] = float(_num(key, "days_late").mean())
        row["data"] = "days_late"
    elif _has(key, "dso_days") and terms is not None:
        late = (_num(key, "dso_days") - _num(key, terms)).clip(lower=0)
        row["baseline"] = float(late.mean())
        row["data"] = f"dso_days − {terms}"
    return row


def _kpi_customer(key: pd.DataFrame) -> dict[str, Any]:
    if _has(key, "nps"):
        return {"kpi": "nps", "unit": "points", "better": "higher",
                "definition": "average Net Promoter Score of the key accounts",
                "baseline": float(_num(key, "nps").mean()), "data": "nps"}
    row: dict[str, Any] = {"kpi": "qbr_accounts_pct", "unit": "%", "better": "higher",
           "definition": "share of key accounts with a quarterly business review held"}
    col = next((c for c in ("qbr", "qbrs", "qbr_count") if _has(key, c)), None)
    if col is not None:
        row["baseline"] = 100.0 * float((_num(key, col).fillna(0) > 0).mean())
        row["data"] = col
    return row


_BUILDERS = {"contribution": _kpi_contribution, "growth": _kpi_growth,
             "relationship": _kpi_relationship, "cash": _kpi_cash, "customer": _kpi_customer}


def _default_target(kpi: str, unit: str, better: str, baseline: float) -> float:
    if not math.isfinite(baseline):
        return np.nan
    up = DEFAULT_KPI_UPLIFT.get(kpi, 0.0)
    if better == "lower":
        return max(baseline - up, 0.0)
    target = baseline + up
    return min(target, 100.0) if unit == "%" and kpi.endswith("accounts_pct") else target


def propose_kpis(
    key: pd.DataFrame,
    *,
    targets: dict[str, float] | None = None,
    families: Sequence[str] = ("contribution", "growth", "relationship", "cash"),
) -> tuple[pd.DataFrame, list[str]]:
    """Propose one KPI per family for the KAMs, with its baseline from the key clients.

    4 ± 1 KPIs per KAM, one per family (METHODS.md §4; Zoltners, Sinha & Lorimer 2006 on
    focused sales metrics):

    - **contribution**: contribution margin % of the key portfolio = Σ contribution ÷
      Σ net_revenue × 100;
    - **growth**: share of wallet % = Σ net_revenue ÷ Σ potential × 100 if a ``potential``
      column exists, else revenue growth % (from ``revenue_last12`` / ``revenue_prev12``, or
      ``growth_pct`` as a fraction, weighted by net_revenue);
    - **relationship**: % of accounts with ≥ 3 contacts and an economic buyer (needs
      ``contacts`` and ``economic_buyer`` / ``has_economic_buyer`` / ``roles_missing``), else
      average contacts per account, else average ``coverage_score``;
    - **cash**: average days late per account (``days_late``, or ``dso_days`` − ``terms_days``
      / ``payment_terms_days`` floored at 0); lower is better;
    - **customer** (only if in ``families`` or ``targets``): average ``nps``, else % of
      accounts with a QBR held (``qbr`` / ``qbrs`` / ``qbr_count`` > 0).

    Targets come from ``targets[family]`` (or ``targets[kpi]``), else baseline ± the default
    uplift in :data:`DEFAULT_KPI_UPLIFT` (e.g. +2 pp contribution margin, +5 pp growth, −5
    days late). Any other key of ``targets`` is an extra KPI (family ``other``, baseline = the
    mean of the column of that name if there is one).

    Example: contribution 10 + 30 = 40 on revenue 100 + 100 = 200 ⇒ baseline 20%, target 22%.

    Parameters
    ----------
    key : pandas.DataFrame
        One row per key client.
    targets : dict, optional
        Target per family (or KPI name), in the KPI's unit (% as 0–100, days, …).
    families : sequence of str
        Families to propose, among ``contribution``, ``growth``, ``relationship``, ``cash``,
        ``customer``.

    Returns
    -------
    (pandas.DataFrame, list of str)
        KPIs with columns ``family``, ``kpi``, ``definition``, ``baseline``, ``target``,
        ``unit``, ``better``, ``source``; and warnings in words.
    """
    targets = dict(targets or {})
    unknown = [f for f in families if f not in _BUILDERS]
    if unknown:
        raise ValueError(f"unknown KPI families {unknown}; choose among {list(KPI_FAMILIES)}")
    fams = list(dict.fromkeys(families))
    if "customer" in targets and "customer" not in fams:
        fams.append("customer")
    warnings: list[str] = []
    rows: list[dict[str, Any]] = []
    used: set[str] = set()
    for fam in fams:
        r = _BUILDERS[fam](key)
        base = float(r.get("baseline", np.nan))
        if not math.isfinite(base):
            warnings.append(f"{fam}: no data for '{r['kpi']}' in the key clients table; "
                            "baseline left empty — collect the data or drop the KPI")
        if fam in targets:
            target, used_key = float(targets[fam]), fam
        elif r["kpi"] in targets:
            target, used_key = float(targets[r["kpi"]]), r["kpi"]
        else:
            target, used_key = _default_target(r["kpi"], r["unit"], r["better"], base), None
        if used_key:
            used.add(used_key)
        source = f"key clients: {r['data']}" if "data" in r else "no data"
        rows.append({"family": fam, "kpi": r["kpi"], "definition": r["definition"],
                     "baseline": base, "target": target, "unit": r["unit"],
                     "better": r["better"], "source": f"{source} ({_SOURCE[fam]})"})
    for name, value in targets.items():
        if name in used or name in _BUILDERS:
            continue
        base = float(_num(key, name).mean()) if _has(key, name) else np.nan
        if not math.isfinite(base):
            warnings.append(f"{name}: no column of that name in the key clients table; "
                            "baseline left empty")
        rows.append({"family": "other", "kpi": name, "definition": f"user-defined: {name}",
                     "baseline": base, "target": float(value), "unit": "",
                     "better": "higher", "source": f"key clients: {name}"
                     if math.isfinite(base) else "no data"})
    if len(rows) > _MAX_KPIS:
        warnings.append(f"{len(rows)} KPIs configured: more than five KPIs dilute focus "
                        "(4 ± 1 per KAM)")
    cols = ["family", "kpi", "definition", "baseline", "target", "unit", "better", "source"]
    return pd.DataFrame(rows, columns=cols), warnings


# --------------------------------------------------------------------------- support team

#: Support hours per key account per year, by quadrant and role.
DEFAULT_SUPPORT_HOURS: dict[str, dict[str, float]] = {
    "Strategic": {"finance": 24, "logistics": 40, "marketing": 24, "service": 16},
    "Star": {"finance": 12, "logistics": 24, "marketing": 16, "service": 8},
    "Status": {"finance": 8, "logistics": 16, "marketing": 4, "service": 8},
    "Streamline": {"finance": 2, "logistics": 8, "marketing": 0, "service": 4},
}

#: Who does what for a key account.
ROLE_DUTIES: dict[str, str] = {
    "finance": "controller: account P&L, credit limit, terms, collections",
    "logistics": "supply chain: forecasts, service level, delivery issues",
    "marketing": "trade marketing: joint plans, promotions, category data",
    "service": "customer service: orders, claims, returns",
}


def support_team(
    accounts: pd.DataFrame,
    *,
    hours: Mapping[str, Mapping[str, float]] | None = None,
    by: str | None = None,
    hours_per_fte: float = 1700.0,
) -> pd.DataFrame:
    """Support hours and FTE per role behind the KAMs (METHODS.md §4, "Team").

    For each role, hours = Σ over quadrants of (accounts in the quadrant × hours per account
    for that role); FTE = hours ÷ ``hours_per_fte``.

    Example with the defaults: 2 Strategic + 3 Status accounts ⇒ logistics 2 × 40 + 3 × 16 =
    128 h = 128 ÷ 1700 = 0.075 FTE; all roles: 2 × 104 + 3 × 36 = 316 h.

    Parameters
    ----------
    accounts : pandas.DataFrame
        One row per key account with a ``quadrant`` (or ``tier``) column; rows with an empty
        label are ignored.
    hours : mapping, optional
        Hours per account per year: {quadrant or tier: {role: hours}}; default
        :data:`DEFAULT_SUPPORT_HOURS`.
    by : str, optional
        Column holding the quadrant / tier; default ``quadrant``, else ``tier``.
    hours_per_fte : float, default 1700
        Productive hours per support FTE per year.

    Returns
    -------
    pandas.DataFrame
        One row per role: ``role``, ``accounts`` (served, i.e. with hours > 0), ``hours``,
        ``fte``, ``who_what``.
    """
    table = DEFAULT_SUPPORT_HOURS if hours is None else hours
    if not hours_per_fte > 0:
        raise ValueError(f"hours_per_fte must be > 0, got {hours_per_fte!r}")
    col = by or next((c for c in ("quadrant", "tier") if c in accounts.columns), None)
    if col is None or col not in accounts.columns:
        raise ValueError("accounts need a 'quadrant' or 'tier' column (or pass by=...)")
    labels = accounts[col].dropna().astype(str)
    missing = sorted(set(labels) - {str(k) for k in table})
    if missing:
        raise ValueError(f"no support hours for {missing}; give them in hours=..., known: "
                         f"{[str(k) for k in table]}")
    counts = labels.value_counts()
    roles = list(dict.fromkeys(r for per in table.values() for r in per))
    rows = []
    for role in roles:
        n = 0
        total = 0.0
        for label, per in table.items():
            h = float(per.get(role, 0.0))
            k = int(counts.get(str(label), 0))
            total += k * h
            n += k if h > 0 else 0
        rows.append({"role": role, "accounts": n, "hours": total,
                     "fte": total / float(hours_per_fte),
                     "who_what": ROLE_DUTIES.get(role, role)})
    return pd.DataFrame(rows, columns=["role", "accounts", "hours", "fte", "who_what"])
