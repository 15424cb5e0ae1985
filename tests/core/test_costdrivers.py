"""kamlib.costdrivers: the one list of cost drivers, read by the settings and the P&L."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from kamlib.config import ProfitabilityParams
from kamlib.costdrivers import DRIVERS
from kamlib.profitability import pnl


def test_the_pnl_costs_the_drivers_the_settings_accept() -> None:
    assert pnl.DRIVERS is DRIVERS
    assert DRIVERS == ("order", "line", "return", "delivery", "visit", "service_hour", "call")


def test_a_rate_for_a_driver_not_in_the_list_is_refused() -> None:
    ProfitabilityParams(cost_rates={"visit": 1500.0})
    with pytest.raises(ValidationError, match="unknown cost driver in cost_rates 'truck'"):
        ProfitabilityParams(cost_rates={"truck": 10.0})
