"""How much work the key accounts make, and how many KAMs that is — three ways.

METHODS.md §4:

- **workload build-up** (Talley 1961): per account, meetings a year × (meeting + travel
  hours) + planning (a deep plan for the top accounts) + reporting, plus internal
  coordination (the KAM's "second front"); FTE = Σ hours ÷ hours available per KAM
  (working hours × share of time for account work); low / base / high scenarios;
- **relationship hours** (Sherman, Sperry & Reese 2003): contacts × 2–8 h a month + planning;
- **break-even** (Zoltners, Sinha & Lorimer 2006): a KAM is worth adding while the incremental
  sales expected ÷ the break-even sales B (= annual KAM cost ÷ margin rate) exceed 1;

with the span check seen in practice: 5–15 key accounts per KAM (3–10 for strategic ones).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..config import SizingParams

__all__ = ["account_workload", "available_hours", "compare_methods", "span_check"]


def available_hours(params: SizingParams) -> float:
    """Account hours a KAM has in a year: working hours × share for account work."""
    return params.working_hours * params.account_work_share


def account_workload(key: pd.DataFrame, params: SizingParams, *, scale: float = 1.0
                     ) -> pd.DataFrame:
    """Annual hours per key account (workload build-up, Talley 1961).

    ``key`` has index entity_id, ``quadrant`` and optionally ``deep_plan`` (the accounts step 3
    chose for a deep plan, by value at stake; without it the deep plans go to the most
    attractive accounts, by ``attractiveness``) and ``contacts``. ``scale`` multiplies every
    hour input (the low / high scenarios).
    """
    meetings = key["quadrant"].map(params.meetings_per_year).fillna(0.0)
    out = pd.DataFrame(index=key.index)
    out["meetings"] = meetings
    out["client_hours"] = meetings * (params.meeting_hours + params.travel_hours) * scale
    if "deep_plan" in key.columns:
        # step 3 chose the deep-plan accounts (by value at stake): the hours follow its choice
        deep = key["deep_plan"].fillna(False).astype(bool)
    else:
        rank = key["attractiveness"].rank(ascending=False, method="first") \
            if "attractiveness" in key.columns else pd.Series(range(1, len(key) + 1), key.index)
        deep = rank <= params.deep_plans_per_year
    out["deep_plan"] = deep
    out["planning_hours"] = (deep * params.deep_plan_hours
                             + ~deep * params.planning_hours) * scale
    out["reporting_hours"] = params.reporting_hours * scale
    direct = out["client_hours"] + out["planning_hours"] + out["reporting_hours"]
    out["coordination_hours"] = direct * params.coordination_share
    out["hours"] = direct + out["coordination_hours"]
    return out


def span_check(n_accounts: int, n_kams: float, n_strategic: int) -> dict[str, Any]:
    """Accounts per KAM against what is seen in practice (5–15; 3–10 for strategic ones)."""
    n = max(n_kams, 1e-9)
    per = n_accounts / n
    strategic_per = n_strategic / n
    ok = 5 <= per <= 15 or n_accounts < 5
    return {"accounts_per_kam": per, "strategic_per_kam": strategic_per,
            "within_5_15": bool(ok), "strategic_within_3_10": bool(strategic_per <= 10)}


def compare_methods(key: pd.DataFrame, params: SizingParams, *, kam_cost: float,
                    margin_rate: float | None, years: float = 1.0) -> pd.DataFrame:
    """FTE by the three methods side by side, low / base / high, with the span check.

    Parameters
    ----------
    key : pd.DataFrame
        Key accounts: quadrant, optional attractiveness, contacts, net_revenue.
    kam_cost : float
        Annual cost of one KAM (salary, overhead, travel).
    margin_rate : float, optional
        The key clients' contribution margin (contribution ÷ revenue) for the break-even.
    years : float
        The length of ``net_revenue``'s period in years: the break-even compares a year's
        extra sales with a KAM's cost a year (the period's revenue overstated them by the
        number of years: 109,9 against the business case's 36,7 млн ₽ on demo_ru).
    """
    cap = available_hours(params)
    low, high = params.scenario_spread
    rows = []
    talley = {name: account_workload(key, params, scale=f)["hours"].sum() / cap
              for name, f in (("low", low), ("base", 1.0), ("high", high))}
    rows.append({"method": "workload build-up (Talley 1961)", **talley})
    contacts = key["contacts"] if "contacts" in key.columns else pd.Series(index=key.index,
                                                                           dtype=float)
    contacts = contacts.where(contacts > 0).fillna(key["quadrant"].map(params.default_contacts)) \
        .fillna(2.0)
    plan = account_workload(key, params)["planning_hours"]
    sherman = {name: float((contacts * h * 12 + plan).sum() / cap)
               for name, h in zip(("low", "base", "high"), params.contact_hours_per_month,
                                  strict=True)}
    rows.append({"method": "relationship hours (Sherman et al. 2003)", **sherman})
    if margin_rate and margin_rate > 0 and "net_revenue" in key.columns:
        b = kam_cost / margin_rate
        incremental = params.expected_uplift * float(key["net_revenue"].sum()) / (
            years if years and years > 0 else 1.0)
        worth = incremental / b
        rows.append({"method": "break-even (Zoltners, Sinha & Lorimer 2006)",
                     "low": worth * low, "base": worth, "high": worth * high,
                     "break_even_sales_per_kam": b, "incremental_sales": incremental})
    out = pd.DataFrame(rows).set_index("method")
    n_strategic = int((key["quadrant"] == "Strategic").sum())
    checks = [span_check(len(key), max(math.ceil(r), 1), n_strategic)
              for r in out["base"]]
    out["kams_base"] = [max(math.ceil(r - 1e-9), 1) for r in out["base"]]
    out["accounts_per_kam"] = [c["accounts_per_kam"] for c in checks]
    out["span_ok"] = [c["within_5_15"] and c["strategic_within_3_10"] for c in checks]
    return out
