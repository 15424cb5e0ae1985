"""Step 4's business case (METHODS.md §4): hand-computed examples for each figure."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.config import SizingParams
from kamlib.errors import ConfigError
from kamlib.sizing.business_case import (
    business_case,
    business_case_json,
    choose_existing,
    cost_basis,
    kam_lines,
    key_person_risk,
    programme,
    revenue_trend,
    support_costs,
    verdict,
)

UPLIFTS = {"low": 0.02, "base": 0.05, "high": 0.10}


@pytest.fixture
def team() -> pd.DataFrame:
    """2 KAMs at 2.4m and 3.0m, 1 finance person at 1.8m, a sales rep (not a KAM)."""
    return pd.DataFrame({
        "person": ["Anna", "Boris", "Fiona", "Sam"],
        "role": ["Key account manager", "KAM", "Finance controller", "Sales representative"],
        "annual_cost": [2_400_000, 3_000_000, 1_800_000, 2_000_000]})


@pytest.fixture
def params() -> SizingParams:
    return SizingParams(support_annual_cost=1_500_000)  # overhead 0.3, travel 300,000


@pytest.fixture
def support() -> pd.DataFrame:
    return pd.DataFrame({"role": ["finance", "logistics"], "hours": [850.0, 340.0],
                         "fte": [0.5, 0.2]})


@pytest.fixture
def case(team, params, support):
    """Anna carries 1,008 h of 1,344 (0.75), Boris 1,209.6 h (0.9), KAM 1 is a new hire."""
    basis = cost_basis(team, params, "RUB", support_roles=support["role"])
    plan = pd.DataFrame({"hours": [1008.0, 1209.6, 1000.0], "capacity": 1344.0},
                        index=["Anna", "Boris", "KAM 1"])
    lines = kam_lines(plan, ["Anna", "Boris"], team, kam_cost=basis["kam_cost"],
                      travel=basis["travel"], tools=basis["tools"],
                      overhead_share=params.overhead_share)
    sup = support_costs(support, basis)
    return basis, lines, sup


def test_market_cost_is_the_median_of_the_kams_not_of_all_staff(team, params) -> None:
    """Median of the KAM-role people (2.4m, 3.0m) = 2.7m — not of all four (2.2m)."""
    basis = cost_basis(team, params, "RUB", support_roles=["finance", "logistics"])
    assert basis["kam_cost"] == pytest.approx(2_700_000)
    assert basis["kam_cost_source"]["code"] == "kam_cost_from_team_table"
    assert basis["kam_cost_source"]["args"]["people"] == 2
    # finance from the team table (Fiona), logistics from the setting
    assert basis["support"]["finance"][0] == pytest.approx(1_800_000)
    assert basis["support"]["finance"][2] is True
    assert basis["support"]["logistics"][0] == pytest.approx(1_500_000)
    assert basis["support"]["logistics"][2] is False
    codes = {(a["code"], a["args"]["setting"]) for a in basis["assumptions"]}
    assert codes == {("cost_from_settings", "sizing.travel_per_kam"),
                     ("cost_from_settings", "sizing.support_annual_cost")}


def test_programme_cost_by_hand(case) -> None:
    """Anna 2.4m × 0.75 × 1.3 = 2,340,000 and Boris 3.0m × 0.9 × 1.3 = 3,510,000 re-allocated;
    KAM 1 hired at 2.7m × 1.3 = 3,510,000 new cash; travel 3 × 300,000 = 900,000 new cash;
    support finance 0.5 × 1.8m = 900,000 (Fiona: re-allocated), logistics 0.2 × 1.5m =
    300,000 (new cash).
    Total 2.34 + 3.51 + 3.51 + 0.9 + 0.9 + 0.3 = 11,460,000 = new cash 4,710,000 +
    re-allocated 6,750,000."""
    _, lines, sup = case
    assert lines.loc["Anna", "time_share"] == pytest.approx(0.75)
    assert lines.loc["Anna", "reallocated"] == pytest.approx(2_340_000)
    assert lines.loc["Boris", "reallocated"] == pytest.approx(3_510_000)
    assert lines.loc["KAM 1", "status"] == "new"
    assert lines.loc["KAM 1", "new_cash"] == pytest.approx(3_510_000 + 300_000)
    assert sup.set_index("role")["cost"].tolist() == pytest.approx([900_000, 300_000])
    c = programme(lines, sup)
    assert c["new_hires"] == pytest.approx(3_510_000)
    assert c["existing_time"] == pytest.approx(5_850_000)
    assert c["support"] == pytest.approx(1_200_000)
    assert c["travel_tools"] == pytest.approx(900_000)
    assert c["new_cash"] == pytest.approx(4_710_000)
    assert c["reallocated"] == pytest.approx(6_750_000)
    assert c["total"] == pytest.approx(11_460_000)


def test_needed_uplift_break_even_and_verdict_by_hand(case, params) -> None:
    """Yearly key revenue 200m, contribution 40m (margin 0.2): needed uplift 11.46 ÷ 40 =
    0.2865 (new cash alone 4.71 ÷ 40 = 0.11775); whole-team break-even B = 11.46m ÷ 0.2 =
    57.3m; expected 0.05 × 200m = 10m; ratio 10 ÷ 57.3 = 0.1745 (= 0.05 ÷ 0.2865). Base
    scenario: +2m contribution, net 2 − 11.46 = −9.46m. Above the high uplift (0.10) and the
    clients grow 3%: does not pay back."""
    basis, lines, sup = case
    bc = business_case(kams=lines, support=sup, basis=basis, annual_revenue=200e6,
                       annual_contribution=40e6, trend=0.03,
                       revenue_by_kam=pd.Series([40.0, 30.0, 30.0], ["Anna", "Boris", "KAM 1"]),
                       params=params, current_kams=2, current_owners=11)
    assert bc["needed_uplift"] == pytest.approx(0.2865)
    assert bc["new_cash_uplift"] == pytest.approx(0.11775)
    assert bc["break_even"]["break_even_sales"] == pytest.approx(57_300_000)
    assert bc["break_even"]["expected_incremental_sales"] == pytest.approx(10_000_000)
    assert bc["break_even"]["ratio"] == pytest.approx(10 / 57.3)
    assert bc["break_even"]["ratio"] == pytest.approx(0.05 / bc["needed_uplift"])
    assert bc["scenarios"].loc["base", "incremental_contribution"] == pytest.approx(2e6)
    assert bc["scenarios"].loc["base", "net"] == pytest.approx(2e6 - 11.46e6)
    assert bc["verdict"]["code"] == "does_not_pay_back"
    assert (bc["existing"], bc["new_hires"]) == (2, 1)
    assert not any(a["code"] == "existing_person_costed_at_market" for a in bc["assumptions"])
    out = business_case_json(bc, "RUB")
    assert out["cost"]["total"] == {"amount": "11460000.00", "currency": "RUB"}
    assert out["cost"]["new_cash"] == {"amount": "4710000.00", "currency": "RUB"}
    assert out["needed_uplift_ratio"] == pytest.approx(0.2865)
    assert out["break_even"]["break_even_ratio"] == pytest.approx(0.174520, abs=1e-6)
    assert out["kams"] == {"recommended": 3, "existing": 2, "new_hires": 1}
    assert (out["current_kams"], out["current_owners"]) == (2, 11)
    assert out["key_person"]["flag"]["args"]["kam"] == "Anna"
    assert out["verdict"]["code"] == "does_not_pay_back"


def test_shrinking_clients_need_growth_against_the_trend(case, params) -> None:
    """Needs +28.65% from clients shrinking 6% a year: said as its own verdict."""
    basis, lines, sup = case
    bc = business_case(kams=lines, support=sup, basis=basis, annual_revenue=200e6,
                       annual_contribution=40e6, trend=-0.06,
                       revenue_by_kam=pd.Series([1.0], ["Anna"]), params=params,
                       current_kams=2, current_owners=2)
    assert bc["verdict"] == {"code": "needs_growth_against_trend",
                             "args": {"needed_uplift_ratio": 0.2865, "revenue_trend_ratio": -0.06,
                                      "base_uplift_ratio": 0.05, "high_uplift_ratio": 0.1}}


@pytest.mark.parametrize("needed,trend,code", [
    (0.04, 0.02, "pays_back"),
    (0.05, None, "pays_back"),
    (0.04, -0.01, "needs_growth_against_trend"),
    (0.08, 0.0, "pays_back_only_at_high_uplift"),
    (0.14, 0.05, "does_not_pay_back"),
    (None, 0.05, "no_margin"),
])
def test_verdict_codes(needed, trend, code) -> None:
    assert verdict(needed, trend, UPLIFTS)["code"] == code


def test_revenue_trend_by_hand() -> None:
    """Only clients with both years: 94 ÷ 100 − 1 = −0.06."""
    last = pd.Series([94.0, None, 5.0])
    prev = pd.Series([100.0, 50.0, None])
    assert revenue_trend(last, prev) == pytest.approx(-0.06)
    assert revenue_trend(None, prev) is None
    assert revenue_trend(pd.Series([1.0]), pd.Series([0.0])) is None


def test_key_person_risk_names_the_kam() -> None:
    """40 / 30 / 30: Anna holds 0.40 > 0.25 → flagged; 25 / 25 / 25 / 25 → not (0.25 is not
    above 0.25)."""
    r = key_person_risk(pd.Series([40.0, 30.0, 30.0], ["Anna", "Boris", "KAM 1"]))
    assert r["kam"] == "Anna" and r["revenue_share"] == pytest.approx(0.40)
    assert r["flag"] == {"code": "key_person_risk",
                         "args": {"kam": "Anna", "revenue_share": 0.4, "threshold_share": 0.25}}
    r = key_person_risk(pd.Series([25.0] * 4, list("ABCD")))
    assert r["flag"] is None


def test_existing_people_kam_role_first_then_owners(team) -> None:
    """KAM-role people first (Boris holds 5, Anna 0), then the owners of the most key
    revenue (Sam 9; Dina 1 is not in the team table but holds clients today)."""
    held = pd.Series({"Sam": 9.0, "Boris": 5.0, "Dina": 1.0})
    assert choose_existing(team, held, 2) == ["Boris", "Anna"]
    assert choose_existing(team, held, 3) == ["Boris", "Anna", "Sam"]
    assert choose_existing(team, held, 5) == ["Boris", "Anna", "Sam", "Dina"]
    assert choose_existing(None, held, 2) == ["Sam", "Boris"]


def test_foreign_engagement_without_costs_is_an_error(params) -> None:
    """The defaults are roubles: a GBP engagement whose team table gives no cost must not
    cost '5 KAMs at GBP 24.9m'. The error names the settings to fill in GBP."""
    team = pd.DataFrame({"person": ["Ann"], "role": ["Key account manager"]})
    with pytest.raises(ConfigError) as info:
        cost_basis(team, params, "GBP", support_roles=["finance"])
    text = str(info.value)
    for name in ("sizing.kam_annual_cost", "sizing.travel_per_kam",
                 "sizing.support_annual_cost", "sizing.cost_currency: GBP"):
        assert name in text
    # a kam_annual_cost in a rouble-configured section is not taken as GBP either
    with pytest.raises(ConfigError, match=r"sizing\.kam_annual_cost"):
        cost_basis(team, params.model_copy(update={"kam_annual_cost": 60_000.0}), "GBP",
                   support_roles=["finance"])


def test_foreign_engagement_with_settings_in_its_currency(params) -> None:
    p = params.model_copy(update={"cost_currency": "GBP", "kam_annual_cost": 60_000.0,
                                  "travel_per_kam": 5_000.0, "support_annual_cost": 40_000.0})
    basis = cost_basis(None, p, "GBP", support_roles=["finance"])
    assert (basis["kam_cost"], basis["travel"]) == (60_000.0, 5_000.0)
    assert basis["support"]["finance"][0] == 40_000.0
    assert basis["kam_cost_source"]["code"] == "kam_cost_from_settings"


def test_foreign_engagement_scales_defaults_to_the_team_tables_kam_cost(params) -> None:
    """EUR engagement, KAMs at 110,000 and 107,000 EUR → market cost 108,500 EUR; the rouble
    travel default is taken at its ratio to the rouble KAM default: 300,000 ÷ 3,600,000 ×
    108,500 = 9,041.67 EUR; support 1,500,000 ÷ 3,600,000 × 108,500 = 45,208.33 EUR; each an
    assumption to print."""
    team = pd.DataFrame({"person": ["Noah", "Julia", "Clara"],
                         "role": ["Key account manager", "Key account manager",
                                  "Account manager"],
                         "annual_cost": [110_000, 107_000, 80_000]})
    basis = cost_basis(team, params, "EUR", support_roles=["finance"])
    assert basis["kam_cost"] == pytest.approx(108_500)
    assert basis["travel"] == pytest.approx(9_041.6667, abs=0.01)
    assert basis["support"]["finance"][0] == pytest.approx(45_208.3333, abs=0.01)
    scaled = [a for a in basis["assumptions"] if a["code"] == "default_scaled_to_kam_cost"]
    assert {a["args"]["setting"] for a in scaled} == {"sizing.travel_per_kam",
                                                      "sizing.support_annual_cost"}
    travel = next(a for a in scaled if a["args"]["setting"] == "sizing.travel_per_kam")
    assert travel["args"]["amount"] == {"amount": "9041.67", "currency": "EUR"}
    assert travel["args"]["default"] == {"amount": "300000.00", "currency": "RUB"}


def test_default_kam_cost_in_the_same_currency_is_an_assumption(params) -> None:
    basis = cost_basis(None, params, "RUB", support_roles=[])
    assert basis["kam_cost"] == 3_600_000.0
    assert basis["kam_cost_source"]["code"] == "kam_cost_default"
    assert {"code": "default_cost_used", "args": {
        "setting": "sizing.default_kam_cost",
        "amount": {"amount": "3600000.00", "currency": "RUB"}}} in basis["assumptions"]


def test_uplift_scenarios_must_bracket_the_base(case, params) -> None:
    basis, lines, sup = case
    with pytest.raises(ConfigError, match="low ≤ base ≤ high"):
        business_case(kams=lines, support=sup, basis=basis, annual_revenue=1.0,
                      annual_contribution=1.0, trend=None, revenue_by_kam=pd.Series(dtype=float),
                      params=params.model_copy(update={"uplift_low_high": (0.06, 0.1)}),
                      current_kams=None, current_owners=None)


def test_support_cost_without_a_setting_is_a_share_of_the_kam_cost(team) -> None:
    """Nobody in logistics and no sizing.support_annual_cost: 0.5 × the KAM market cost
    2,700,000 = 1,350,000 a support FTE — a ratio, the same in any currency; an assumption."""
    basis = cost_basis(team, SizingParams(), "RUB", support_roles=["finance", "logistics"])
    assert basis["support"]["logistics"][0] == pytest.approx(1_350_000)
    assert basis["support"]["finance"][0] == pytest.approx(1_800_000)      # Fiona
    assert {"code": "support_cost_share_of_kam_cost", "args": {
        "setting": "sizing.support_cost_share", "cost_share": 0.5,
        "amount": {"amount": "1350000.00", "currency": "RUB"}}} in basis["assumptions"]
    eur = team.assign(annual_cost=[24_000, 30_000, 18_000, 20_000])
    basis = cost_basis(eur, SizingParams(), "EUR", support_roles=["logistics"])
    assert basis["support"]["logistics"][0] == pytest.approx(13_500)


def test_existing_person_without_a_cost_is_costed_at_market_and_said(team, params) -> None:
    """Dina holds key clients but is not in the team table: her moved time (0.5) is costed at
    the market cost 2.7m × 0.5 × 1.3 = 1,755,000, re-allocated, and named as an assumption."""
    basis = cost_basis(team, params, "RUB", support_roles=[])
    plan = pd.DataFrame({"hours": [672.0], "capacity": 1344.0}, index=["Dina"])
    lines = kam_lines(plan, ["Dina"], team, kam_cost=basis["kam_cost"], travel=0.0, tools=0.0,
                      overhead_share=0.3)
    assert lines.loc["Dina", "reallocated"] == pytest.approx(1_755_000)
    assert lines.loc["Dina", "cost_source"] == "market"
    bc = business_case(kams=lines, support=support_costs(pd.DataFrame(
        columns=["role", "hours", "fte"]), basis), basis=basis, annual_revenue=100.0,
        annual_contribution=10.0, trend=None, revenue_by_kam=pd.Series([1.0], ["Dina"]),
        params=params, current_kams=2, current_owners=1)
    assert {"code": "existing_person_costed_at_market", "args": {"kam": "Dina"}} \
        in bc["assumptions"]
