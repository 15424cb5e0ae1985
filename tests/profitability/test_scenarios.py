"""kamlib.profitability.scenarios: what dropping or re-pricing clients would change, on a
two-client P&L computed by hand (avoidable costs leave with a client, stranded ones stay)."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.profitability.scenarios import what_if_drop, what_if_reprice

# a: 400 − 280 = 120 margin; 120 − 30 − 20 − 10 = 60 contribution
# b: 220 − 20 − 140 = 60 margin; 60 − 10 − 15 − 5 = 30 contribution
PNL = pd.DataFrame(
    {"net_revenue": [400.0, 200.0], "sales_net": [400.0, 220.0], "returns": [0.0, 20.0],
     "cogs": [280.0, 140.0], "gross_margin": [120.0, 60.0], "cts_avoidable": [30.0, 10.0],
     "cts_stranded": [20.0, 15.0], "cost_of_receivables": [10.0, 5.0],
     "contribution": [60.0, 30.0]},
    index=pd.Index(["a", "b"], name="entity_id"))


def test_dropping_a_client_loses_its_margin_and_saves_only_avoidable_costs() -> None:
    out = what_if_drop(PNL, ["a", "not-a-client"])
    assert out == {"clients": 1, "net_revenue_lost": 400.0, "gross_margin_lost": 120.0,
                   "avoidable_costs_saved": 40.0, "stranded_costs_remaining": 20.0,
                   "their_contribution_as_allocated": 60.0,
                   "change_in_company_contribution": -80.0}


def test_dropping_both() -> None:
    out = what_if_drop(PNL, ["a", "b"])
    assert (out["clients"], out["gross_margin_lost"], out["avoidable_costs_saved"],
            out["stranded_costs_remaining"], out["change_in_company_contribution"]) == \
        (2, 180.0, 55.0, 35.0, -125.0)


def test_reprice_with_volume_loss() -> None:
    # b: (220 × 1.10 − 20 − 140) × 0.8 = 65.6 margin; 65.6 − 10 × 0.8 − 15 − 5 × 0.8 × 1.1
    # = 38.2 contribution, 8.2 more than the 30 of before
    out = what_if_reprice(PNL, ["b"], price_increase=0.10, volume_loss=0.20)
    assert out["contribution_before"] == 30.0
    assert out["contribution_after"] == pytest.approx(38.2)
    assert out["change"] == pytest.approx(8.2)
    assert (out["clients"], out["still_loss_making"]) == (1, 0)


def test_reprice_by_nothing_changes_nothing() -> None:
    out = what_if_reprice(PNL, ["a", "b"], price_increase=0.0, volume_loss=0.0)
    assert out["contribution_after"] == pytest.approx(90.0) and out["change"] == \
        pytest.approx(0.0)


def test_reprice_leaves_a_deep_loss_maker_loss_making() -> None:
    loss = PNL.assign(cts_stranded=[200.0, 15.0], contribution=[-120.0, 30.0])
    out = what_if_reprice(loss, ["a"], price_increase=0.05)
    # (400 × 1.05 − 280) − 30 − 200 − 10 × 1.05 = 140 − 240.5 = −100.5
    assert out["contribution_after"] == pytest.approx(-100.5)
    assert out["still_loss_making"] == 1


# a pays off-invoice: a retro bonus of 6 (a share of its turnover) and a listing fee of 4;
# its contribution as allocated is 120 − 30 − 20 − 10 − 10 = 50
OFF = PNL.assign(off_retro_bonus=[6.0, 0.0], off_listing=[4.0, 0.0], off_invoice=[10.0, 0.0],
                 contribution=[50.0, 30.0])


def test_reprice_by_nothing_changes_nothing_with_off_invoice_costs() -> None:
    """The what-if starts from the contribution as allocated, off-invoice costs included: a
    change of 0 % is 0 (it was +10, the bonus and fee counted as a gain)."""
    out = what_if_reprice(OFF, ["a", "b"], price_increase=0.0, volume_loss=0.0)
    assert out["contribution_after"] == pytest.approx(80.0)
    assert out["change"] == pytest.approx(0.0)


def test_reprice_scales_the_retro_bonus_with_the_turnover() -> None:
    # a: (400 × 1.10 − 280) × 0.5 = 80 margin; − 30 × 0.5 − 20 − 10 × 0.55 − 4 − 6 × 0.55
    # = 80 − 15 − 20 − 5.5 − 4 − 3.3 = 32.2, 17.8 less than the 50 of before
    out = what_if_reprice(OFF, ["a"], price_increase=0.10, volume_loss=0.50)
    assert out["contribution_after"] == pytest.approx(32.2)
    assert out["change"] == pytest.approx(-17.8)


def test_dropping_a_client_saves_its_off_invoice_costs() -> None:
    """Without a: its margin 120 is lost; its avoidable 30, receivables 10 and off-invoice 10
    are saved; the company's contribution falls by 70 = its contribution 50 + the stranded
    20 that stays."""
    out = what_if_drop(OFF, ["a"])
    assert out["avoidable_costs_saved"] == 50.0
    assert out["change_in_company_contribution"] == -70.0
    assert -out["change_in_company_contribution"] == \
        out["their_contribution_as_allocated"] + out["stranded_costs_remaining"]
