"""kamlib.sizing.teams_run: step 4's ``client_teams`` summary entry from hand-made parts
(money with its currency, ratios rounded, an infinite ratio left out, counts as ints)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kamlib.config import SizingParams
from kamlib.sizing.teams_run import teams_json

# two key accounts: A has 10 h of finance and 30 h of logistics (40), B 20 h of service;
# the KAM's own hours are not support hours
TEAMS = pd.DataFrame({"entity_id": ["A", "A", "A", "B"],
                      "role": ["kam", "finance", "logistics", "service"],
                      "hours": [100.0, 10.0, 30.0, 20.0]})
CT = {"complexity": pd.DataFrame(index=["A", "B"]), "teams": TEAMS, "head": 0.5,
      "head_source": "default", "edited_hours": 1, "edited_raci": 0}
SUPPORT = pd.DataFrame({"hours": [40.0, 20.0], "fte": [0.02551, 0.01275],
                        "cost": [1000.005, 500.0], "new_cash": [0.0, 500.0]})


def _bc(total: float, uplift: float, ratio: float, code: str) -> dict[str, object]:
    return {"support": SUPPORT, "cost": {"total": total}, "needed_uplift": uplift,
            "break_even": {"ratio": ratio}, "verdict": {"code": code}}


def test_teams_json() -> None:
    out = teams_json(CT, _bc(11500.0, 0.1234567891, 0.3, "pays_back"),
                     _bc(10000.0, 0.1, math.inf, "pays_back"),
                     pd.DataFrame({"fte": [0.25, 0.5]}), None, SizingParams(), "RUB")
    t = out["client_teams"]
    assert (t["accounts"], t["head_of_kam"], t["head_of_kam_source"]) == (2, 0.5, "default")
    assert t["support_hours"] == 60.0
    assert t["support_fte"] == pytest.approx(0.0383)                # 0.03826 to 4 places
    assert t["support_cost"] == {"amount": "1500.00", "currency": "RUB"}  # half-even cent
    assert t["support_new_cash"] == {"amount": "500.00", "currency": "RUB"}
    assert (t["hours_per_account_median"], t["hours_per_account_max"]) == (30.0, 40.0)
    assert (t["edited_hours"], t["edited_raci"]) == (1, 0)
    assert t["quadrant_table_support_fte"] == 0.75
    b = t["business_case"]
    assert b["programme_cost"] == {"amount": "11500.00", "currency": "RUB"}
    assert b["programme_cost_without_support"] == {"amount": "10000.00", "currency": "RUB"}
    assert b["needed_uplift_ratio"] == 0.123457
    assert b["break_even_ratio"] == 0.3
    assert b["break_even_ratio_without_support"] is None           # infinite: no figure
    assert "kpi_scheme" in out and "role_fit" not in out


def test_role_fit_entry() -> None:
    fit = pd.DataFrame({"person": ["Ann", "Bob"], "fit": [0.87654, 0.4],
                        "good_fit": [True, False]})
    params = SizingParams()
    out = teams_json(CT, _bc(1.0, 0.1, 0.3, "x"), _bc(1.0, 0.1, 0.3, "x"),
                     pd.DataFrame({"fte": [0.0]}), fit, params, "EUR")
    assert out["role_fit"]["managers"] == 2 and out["role_fit"]["good_fit"] == 1
    assert out["role_fit"]["best"] == {"person": "Ann", "fit_share": 0.8765}
    assert out["client_teams"]["support_cost"]["currency"] == "EUR"
