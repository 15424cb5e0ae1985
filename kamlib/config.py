"""``engagement.yaml``: the engagement's settings, validated.

One pydantic model per section; unknown keys are errors (a typo must not silently fall back
to a default). Defaults follow ``METHODS.md``; the commented template in
``templates/engagement.yaml`` documents every key.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .schema import TABLES

__all__ = [
    "CleanupParams",
    "EngagementConfig",
    "InputSpec",
    "IntakeParams",
    "ProfitabilityParams",
    "ReportParams",
    "SelectionParams",
    "SizingParams",
    "load_config",
]


class _Strict(BaseModel):
    # NaN and infinities are never a setting: a weight or a rate of .nan would poison every
    # figure downstream without an error
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)


#: A finite amount or count that cannot be negative (cost rates, pools, meetings …).
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]

QUADRANTS = ("Strategic", "Star", "Status", "Streamline")
RESPONSE_KEYS = ("at_zero", "at_current", "at_plus50", "at_saturation")


def _known_keys(mapping: dict[str, Any], known: tuple[str, ...] | list[str], what: str) -> None:
    """Refuse keys of ``mapping`` outside ``known`` (a typo must not be silently ignored)."""
    unknown = [k for k in mapping if k not in known]
    if unknown:
        raise ValueError(f"unknown {what} {', '.join(repr(k) for k in unknown)}; known: "
                         f"{', '.join(known)}")


def _drivers() -> tuple[str, ...]:
    from .costdrivers import DRIVERS

    return tuple(DRIVERS)


def _ordered_pair(v: tuple[float, float], what: str, low: float, high: float) -> None:
    a, b = v
    if not (low < a < b <= high):
        raise ValueError(f"{what} must be two increasing shares, {low} < first < second ≤ "
                         f"{high}; got [{a:g}, {b:g}]")


class Period(_Strict):
    """The audit period; blank ends are taken from the sales data."""

    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start and self.end and self.start > self.end:
            raise ValueError(f"period.start {self.start} is after period.end {self.end}")
        return self


class InputSpec(_Strict):
    """What one raw file is, when detection needs help."""

    file: str = Field(description="path relative to the engagement (or to raw/)")
    table: Literal["clients", "sales", "activities", "payments", "contacts", "assessment",
                   "team"] | None = None
    sheet: str | None = None
    header_row: int | None = Field(default=None, ge=1)
    encoding: str | None = None
    delimiter: str | None = None
    decimal: Literal[",", "."] | None = None
    columns: dict[str, str] = Field(default_factory=dict,
                                    description="canonical name -> header in the file")
    amounts_include_vat: bool | None = None
    skip: bool = False

    @model_validator(mode="after")
    def _known_columns(self) -> InputSpec:
        if self.columns and self.table:
            known = {f.name for f in TABLES[self.table].fields}
            unknown = sorted(set(self.columns) - known)
            if unknown:
                raise ValueError(
                    f"unknown column(s) {unknown} for table '{self.table}'; known: "
                    f"{sorted(known)}")
        elif self.columns and not self.table:
            raise ValueError("'columns' needs 'table' to say which table they belong to")
        return self

    @field_validator("delimiter")
    @classmethod
    def _delim(cls, v: str | None) -> str | None:
        if v is None:
            return v
        v = {"tab": "\t", "\\t": "\t", "semicolon": ";", "comma": ","}.get(v, v)
        if len(v) != 1:
            raise ValueError("delimiter must be one character, or 'tab'")
        return v


class IntakeParams(_Strict):
    """How raw exports are read."""

    amounts_include_vat: bool | None = Field(
        default=None, description="plain 'Сумма' columns include VAT (null: decide from a VAT "
        "column if any, else assume net and warn)")
    vat_rate: float = Field(default=20.0, ge=0, lt=100, description="VAT rate, % (RU: 20)")
    unknown_clients: Literal["add", "reject"] = Field(
        default="add", description="rows of clients missing from the catalogue: add the client "
        "(flagged origin=transactions) or reject the rows")
    date_order: Literal["dmy", "mdy"] | None = Field(
        default=None, description="dates with slashes: day first (dmy) or month first (mdy); "
        "null = inferred per column, and values that could be either are rejected")
    tax_id_pad: bool = Field(default=True, description="restore leading zeros of INNs "
                             "stored as numbers (9→10, 11→12 digits)")
    drop_overlapping: bool = Field(
        default=False, description="sales lines identical in two files (overlapping exports, "
        "e.g. a yearly and a quarterly one) are rejected from the later file, with their money; "
        "false: both are loaded and the overlap is reported")


class CleanupParams(_Strict):
    """Step 1: client base cleanup (METHODS.md §1)."""

    review_threshold: float = Field(default=85, ge=0, le=100)
    auto_merge_threshold: float = Field(default=95, ge=0, le=100)
    distinctive_token_max_share: float = Field(
        default=0.002, gt=0, le=1, description="a token is distinctive if used by at most "
        "this share of records")
    dormant_k: float = Field(default=3.0, gt=0)
    dormant_min_days: int = Field(default=90, ge=0)
    lost_months: int = Field(default=12, ge=1)
    new_months: int = Field(default=6, ge=1)

    @model_validator(mode="after")
    def _thresholds(self) -> CleanupParams:
        if self.review_threshold > self.auto_merge_threshold:
            raise ValueError("review_threshold must not exceed auto_merge_threshold")
        return self


class ProfitabilityParams(_Strict):
    """Step 2: client P&L and cost-to-serve (METHODS.md §2)."""

    cost_rates: dict[str, NonNegative] = Field(
        default_factory=lambda: {"order": 0.0, "line": 0.0, "delivery": 0.0, "return": 0.0,
                                 "visit": 0.0, "service_hour": 0.0},
        description="cost per driver unit, currency")
    cost_pools: dict[str, NonNegative] = Field(
        default_factory=dict, description="driver -> annual amount spread by its share")
    avoidable: list[str] = Field(default_factory=lambda: ["delivery", "return", "visit"])
    receivables_rate: float = Field(default=0.16, ge=0, le=1,
                                    description="annual cost of money")
    abc_cutoffs: tuple[float, float] = (0.80, 0.95)
    xyz_cutoffs: tuple[float, float] = (0.10, 0.25)
    robustness_spread: float = Field(default=0.20, ge=0, le=1)
    cost_pools_file: str | None = Field(
        default=None, description="the client's cost pools (pool, annual_cost, driver, "
        "capacity, practical_share), csv or xlsx, relative to the engagement folder (not in "
        "raw/): time-driven rates replace the default rates of the drivers they name")
    off_invoice_file: str | None = Field(
        default=None, description="off-invoice spend per client (client_id, kind, amount for "
        "the period), csv or xlsx, relative to the engagement folder (not in raw/)")
    fixed_costs_per_year: NonNegative | None = Field(
        default=None, description="the company's fixed costs a year (currency), for the share "
        "of them a top client's contribution covers; null = not known (never assumed)")

    @model_validator(mode="after")
    def _drivers_known(self) -> ProfitabilityParams:
        drivers = _drivers()
        _known_keys(self.cost_rates, drivers, "cost driver in cost_rates")
        _known_keys(self.cost_pools, drivers, "cost driver in cost_pools")
        _known_keys(dict.fromkeys(self.avoidable), drivers, "cost driver in avoidable")
        _ordered_pair(self.abc_cutoffs, "abc_cutoffs", 0, 1)
        _ordered_pair(self.xyz_cutoffs, "xyz_cutoffs", 0, math.inf)
        return self


class SelectionParams(_Strict):
    """Step 3: key client selection (METHODS.md §3)."""

    attractiveness: dict[str, float] = Field(
        default_factory=lambda: dict[str, float]({"contribution": 30, "revenue": 20, "growth": 20,
                                 "strategic_fit": 15, "potential": 15}))
    strength: dict[str, float] = Field(
        default_factory=lambda: dict[str, float]({"tenure": 25, "payment_discipline": 25,
                                 "relationship_stage": 25, "contact_coverage": 25}))
    long_list_share: float = Field(default=0.20, gt=0, le=1)
    max_key_share: float = Field(default=0.20, gt=0, le=1)
    target_key_accounts: tuple[int, int] = (15, 35)
    stability_draws: int = Field(default=500, ge=10)
    stability_concentration: float = Field(default=50.0, gt=0)

    threshold: float = Field(default=5.5, ge=1, le=10,
                             description="quadrant boundary on both 1–10 axes")
    missing_scores: Literal["to_assess", "conservative"] = Field(
        default="to_assess", description="a candidate without a workshop score on a judged "
        "criterion never gains from it: to_assess = it stays out of the key list, listed as "
        "'to assess', until scored; conservative = the missing judged scores take "
        "conservative_score")
    conservative_score: float = Field(default=1.0, ge=1, le=10, description="the judged "
                                      "score a missing one takes when missing_scores is "
                                      "conservative (1 = the lowest point of the scale)")
    usp_criterion: str = Field(default="strategic_fit", description="the judged criterion "
                               "that scores the fit with our USP (the gate)")
    usp_gate: float | None = Field(default=3.0, ge=1, le=10, description="a client whose USP "
                                   "fit scores below this is not key, whatever its size; "
                                   "null = no gate (the criterion stays a weight)")
    discount_rate: float = Field(default=0.12, ge=0, lt=1, description="for key-account CLV")
    retention: list[float] = Field(default_factory=lambda: [0.80, 0.90, 0.95],
                                   min_length=1, description="yearly retention scenarios")
    channels: list[str] = Field(default_factory=list, description="key clients are chosen "
                                "only in these channels (segments); empty = all channels")

    @field_validator("retention")
    @classmethod
    def _retention(cls, v: list[float]) -> list[float]:
        bad = [r for r in v if not 0 < r < 1]
        if bad:
            raise ValueError(f"retention rates must be shares strictly between 0 and 1 (0.9 "
                             f"for 90%); got {', '.join(f'{r:g}' for r in bad)}")
        return v

    @field_validator("target_key_accounts")
    @classmethod
    def _target(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 1 <= v[0] <= v[1]:
            raise ValueError(f"target_key_accounts must be [min, max] with 1 ≤ min ≤ max; "
                             f"got [{v[0]}, {v[1]}]")
        return v

    @model_validator(mode="after")
    def _weights(self) -> SelectionParams:
        from .criteria import CRITERIA

        for axis in ("attractiveness", "strength"):
            weights = getattr(self, axis)
            unknown = sorted(set(weights) - set(CRITERIA))
            if unknown:
                raise ValueError(f"{axis}: unknown criterion {unknown}; known: "
                                 f"{sorted(CRITERIA)}")
            if any(w < 0 for w in weights.values()):
                raise ValueError(f"{axis}: weights must not be negative")
            total = sum(weights.values())
            if abs(total - 100) > 1e-6:
                raise ValueError(f"{axis} weights sum to {total:g}, not 100")
        usp = CRITERIA.get(self.usp_criterion)
        if usp is None or usp.source != "judged":
            judged = sorted(n for n, c in CRITERIA.items() if c.source == "judged")
            raise ValueError(f"usp_criterion must be a judged criterion ({', '.join(judged)}); "
                             f"got {self.usp_criterion!r}")
        return self


#: the service tiers of every client (kamlib.sizing.tiers), from the most served to the least
TIERS = ("key", "develop", "transactional", "self_service", "reprice_or_exit", "not_active")


class TierParams(_Strict):
    """Step 4: the service model of all clients by tier (kamlib.sizing.tiers)."""

    self_service_share: float = Field(
        default=0.05, ge=0, le=1, description="share of the active clients' revenue made by "
        "the smallest clients, served self-service (web orders, a distributor)")
    develop_quadrants: list[Quadrant] = Field(
        default_factory=lambda: list[Quadrant](["Strategic", "Star"]),
        description="quadrants of step 3 "
        "whose non-key clients field sales develop")
    served_by: dict[str, str] = Field(
        default_factory=lambda: {"key": "kam", "develop": "field_sales",
                                 "transactional": "inside_sales",
                                 "self_service": "web_or_distributor",
                                 "reprice_or_exit": "field_sales", "not_active": "nobody"},
        description="who serves each tier: kam, field_sales, inside_sales, "
        "web_or_distributor, nobody")
    cost_factor: dict[str, NonNegative] = Field(
        default_factory=lambda: {"key": 1.0, "develop": 1.0, "transactional": 0.85,
                                 "self_service": 0.5, "reprice_or_exit": 0.6,
                                 "not_active": 1.0},
        description="cost-to-serve after the change as a share of today's, per tier: an "
        "assumption stated in the report")

    @field_validator("served_by", "cost_factor", mode="before")
    @classmethod
    def _over_defaults(cls, v: Any, info: Any) -> Any:
        """A tier left out keeps its default: `cost_factor: {self_service: 0.4}` is enough."""
        if not isinstance(v, dict):
            return v
        defaults = cast(Callable[[], dict[str, Any]],
                        cls.model_fields[info.field_name].default_factory)
        return {**defaults(), **v}

    @model_validator(mode="after")
    def _keys(self) -> TierParams:
        _known_keys(self.served_by, TIERS, "tier in served_by")
        _known_keys(self.cost_factor, TIERS, "tier in cost_factor")
        roles = ("kam", "field_sales", "inside_sales", "web_or_distributor", "nobody")
        bad = sorted(set(self.served_by.values()) - set(roles))
        if bad:
            raise ValueError(f"served_by: unknown role {', '.join(bad)}; use "
                             f"{', '.join(roles)}")
        missing = [t for t in TIERS if t not in self.served_by or t not in self.cost_factor]
        if missing:
            raise ValueError("served_by and cost_factor need every tier; missing: "
                             + ", ".join(missing))
        return self


# --------------------------------------------------------------------------- step 4: client
# teams, KPIs and pay, the KAM role profile (kamlib.sizing.client_teams, .kpis, .role_fit)

#: the support roles of a key client's team (besides the KAM and the head of KAM)
SUPPORT_ROLES = ("finance", "logistics", "marketing", "service", "production")
#: every role of a client team's RACI
TEAM_ROLES = ("kam", "head_of_kam", *SUPPORT_ROLES)
#: the activities of a client team's RACI
RACI_ACTIVITIES = ("account_plan", "pricing_contract", "delivery", "claims_service",
                   "credit_collections", "marketing_support")
#: what makes a key account more work for the support roles (counts a year)
COMPLEXITY_DRIVERS = ("delivery_points", "branches", "contacts", "orders")
Quadrant = Literal["Strategic", "Star", "Status", "Streamline"]
ReportFormat = Literal["html", "pdf", "xlsx", "pptx"]
RaciLetter = Literal["R", "A", "C", "I", ""]


def _default_raci() -> dict[str, dict[str, RaciLetter]]:
    """One accountable (A) per activity; R does the work, C is consulted, I informed."""
    rows = {  # kam, head_of_kam, finance, logistics, marketing, service, production
        "account_plan": "A C C C C I I",
        "pricing_contract": "R A C I C I C",
        "delivery": "I - - A - R C",
        "claims_service": "C - I R - A C",
        "credit_collections": "R I A I - I -",
        "marketing_support": "C I C I A - -",
    }
    return {a: {r: cast(RaciLetter, "" if x == "-" else x)
                for r, x in zip(TEAM_ROLES, v.split(), strict=True)}
            for a, v in rows.items()}


class ClientTeamParams(_Strict):
    """Step 4: the client team of each key account (kamlib.sizing.client_teams).

    Hours of support role r for account a, a year:
    base_hours[r] × size_index^size_elasticity × (deep_plan_factor if a has a deep plan)
    + Σ_d driver_hours[d][r] × count_d(a) a year, with size_index = the account's revenue ÷
    the median key account's, clipped to size_index_bounds. The defaults are the workbench's
    stated assumptions (a Strategic-size account ≈ 100–150 support hours a year, the order of
    McDonald & Woodburn's and Cheverton's examples of KAM teams), to be replaced by the
    client's own estimates in review/client_teams.xlsx.
    """

    base_hours: dict[str, NonNegative] = Field(
        default_factory=lambda: {"finance": 12.0, "logistics": 16.0, "marketing": 12.0,
                                 "service": 12.0, "production": 8.0},
        description="support hours a year for a median-size key account, per role")
    size_elasticity: float = Field(default=0.5, ge=0, le=1, description="how the base hours "
                                   "grow with the account's size: 0.5 = with its square root")
    size_index_bounds: tuple[float, float] = Field(
        default=(0.25, 4.0), description="the size index (revenue ÷ median key revenue) is "
        "clipped to these bounds")
    deep_plan_factor: float = Field(default=1.5, ge=1, description="base hours × this for "
                                    "the accounts with a deep plan (step 3)")
    driver_hours: dict[str, dict[str, NonNegative]] = Field(
        default_factory=lambda: {
            "delivery_points": {"logistics": 2.0, "service": 1.0},
            "branches": {"finance": 2.0, "logistics": 1.0},
            "contacts": {"marketing": 0.5, "service": 0.5},
            "orders": {"logistics": 0.05, "service": 0.1},
        }, description="hours a year per unit of each complexity driver, per role: "
        "delivery points and branches (legal sub-units), contacts, orders a year")
    hours_per_fte: float = Field(default=1700.0, gt=0, description="productive hours of one "
                                 "support FTE a year")
    support_cost_by_role: dict[str, NonNegative] = Field(
        default_factory=dict, description="loaded cost of one support FTE a year per role, in "
        "sizing.cost_currency; a role left out: the team table's people in the role, else "
        "sizing.support_annual_cost, else sizing.support_cost_share × the KAM cost")
    head_of_kam: str = Field(default="", description="the member of top management who leads "
                             "the KAM programme; empty: the team table's head of sales")
    raci: dict[str, dict[str, RaciLetter]] = Field(
        default_factory=_default_raci, description="the default RACI per activity and role, "
        "pre-filled in review/client_teams.xlsx")

    @model_validator(mode="after")
    def _check(self) -> ClientTeamParams:
        _known_keys(self.base_hours, SUPPORT_ROLES, "role in base_hours")
        _known_keys(self.support_cost_by_role, SUPPORT_ROLES, "role in support_cost_by_role")
        _known_keys(self.driver_hours, COMPLEXITY_DRIVERS, "driver in driver_hours")
        for d, per in self.driver_hours.items():
            _known_keys(per, SUPPORT_ROLES, f"role in driver_hours.{d}")
        _known_keys(self.raci, RACI_ACTIVITIES, "activity in raci")
        for a, letters in self.raci.items():
            _known_keys(letters, TEAM_ROLES, f"role in raci.{a}")
            if sum(v == "A" for v in letters.values()) != 1:
                raise ValueError(f"raci.{a}: exactly one role is accountable (A)")
        lo, hi = self.size_index_bounds
        if not 0 < lo <= 1 <= hi:
            raise ValueError(f"size_index_bounds must be [low ≤ 1, high ≥ 1], both > 0; got "
                             f"[{lo:g}, {hi:g}]")
        return self


def _kpi_families() -> tuple[str, ...]:
    return ("contribution", "growth", "relationship", "cash", "customer")


class KpiSchemeParams(_Strict):
    """Step 4: KPIs of a KAM and the bonus scheme sketch (kamlib.sizing.kpis).

    4 ± 1 KPIs (Zoltners, Sinha & Lorimer 2006; Kaplan & Norton's balanced scorecard: financial,
    customer, process), weights summing to 1 with 2–3 in focus (a weight ≥ focus_weight).
    Target of a KPI for a KAM: their portfolio's baseline moved gap_closure of the way to the
    target_percentile of the key accounts' own values (the 25th for "lower is better"), never
    below the baseline.
    """

    weights: dict[str, float] = Field(
        default_factory=lambda: {"contribution": 0.35, "growth": 0.30, "relationship": 0.20,
                                 "cash": 0.15},
        description="KPI family → weight in the bonus; 3–5 families, summing to 1")
    focus_weight: float = Field(default=0.25, gt=0, lt=1, description="a KPI with at least "
                                "this weight is in focus; 2–3 must be")
    target_percentile: float = Field(default=0.75, gt=0.5, lt=1, description="the key "
                                     "accounts' percentile a target reaches towards")
    gap_closure: float = Field(default=0.5, gt=0, le=1, description="share of the gap "
                               "between the baseline and the percentile closed in a year")
    variable_pay_share: float = Field(default=0.3, ge=0, le=0.6, description="variable pay "
                                      "at target as a share of the KAM's total target pay")
    gate_kpi: str = Field(default="contribution", description="the KPI family whose "
                          "achievement opens the bonus")
    gate_achievement: float = Field(default=0.9, ge=0, le=1, description="no bonus below "
                                    "this achievement of the gate KPI")
    threshold_achievement: float = Field(default=0.8, ge=0, lt=1, description="a KPI below "
                                         "this achievement pays nothing")
    cap_achievement: float = Field(default=1.2, gt=1, description="achievement above this "
                                   "pays no more")
    cap_payout: float = Field(default=1.5, ge=1, description="payout at the cap, × the "
                              "payout at target")

    @model_validator(mode="after")
    def _check(self) -> KpiSchemeParams:
        _known_keys(self.weights, _kpi_families(), "KPI family in weights")
        if not 3 <= len(self.weights) <= 5:
            raise ValueError(f"weights: 4 ± 1 KPIs (3–5), got {len(self.weights)}")
        if any(w <= 0 for w in self.weights.values()):
            raise ValueError("weights: every KPI has a weight > 0 (drop the KPI instead)")
        total = sum(self.weights.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"weights must sum to 1, got {total:g}")
        focus = sum(w >= self.focus_weight for w in self.weights.values())
        if not 2 <= focus <= 3:
            raise ValueError(f"2–3 KPIs must be in focus (weight ≥ {self.focus_weight:g}); "
                             f"got {focus}")
        if self.gate_kpi not in self.weights:
            raise ValueError(f"gate_kpi '{self.gate_kpi}' is not one of the KPIs")
        return self


#: the components of a manager's fit to the KAM role (kamlib.sizing.role_fit)
FIT_COMPONENTS = ("key_experience", "relationship_depth", "senior_access", "cross_functional",
                  "portfolio_growth", "portfolio_margin")


class RoleFitParams(_Strict):
    """Step 4: how today's managers fit the KAM role profile (kamlib.sizing.role_fit)."""

    weights: dict[str, float] = Field(
        default_factory=lambda: {"key_experience": 0.20, "relationship_depth": 0.20,
                                 "senior_access": 0.20, "cross_functional": 0.15,
                                 "portfolio_growth": 0.15, "portfolio_margin": 0.10},
        description="component → weight in the fit score (sum 1)")
    contacts_for_full_marks: float = Field(default=5.0, gt=0, description="contacts per "
                                           "client that earn full marks (McDonald & Woodburn: "
                                           "5–10+ for a strategic account)")
    functions_for_full_marks: float = Field(default=4.0, gt=0, description="distinct client "
                                            "functions reached per client for full marks")
    good_fit: float = Field(default=0.6, ge=0, le=1, description="fit score from which a "
                            "manager is a good KAM candidate")

    @model_validator(mode="after")
    def _check(self) -> RoleFitParams:
        _known_keys(self.weights, FIT_COMPONENTS, "component in weights")
        total = sum(self.weights.values())
        if abs(total - 1) > 1e-6 or any(w < 0 for w in self.weights.values()):
            raise ValueError(f"weights must be ≥ 0 and sum to 1, got {total:g}")
        return self


class SizingParams(_Strict):
    """Step 4: KAM team sizing (METHODS.md §4)."""

    working_hours: float = Field(default=1920, gt=0)
    account_work_share: float = Field(default=0.7, gt=0, le=1)
    meetings_per_year: dict[str, NonNegative] = Field(
        default_factory=lambda: dict[str, float](
            {"Strategic": 24, "Star": 12, "Status": 8, "Streamline": 4}))
    meeting_hours: float = Field(default=2.0, ge=0)
    travel_hours: float = Field(default=2.0, ge=0)
    planning_hours: float = Field(default=40.0, ge=0)
    coordination_share: float = Field(default=0.25, ge=0, le=1)
    balance_tolerance: float = Field(default=0.15, ge=0, le=1)
    kam_annual_cost: float = Field(default=0.0, ge=0, description="market cost of a new KAM a "
                                   "year, in cost_currency; 0: from the team table")
    solver_time_limit_s: float = Field(default=10.0, gt=0)
    deep_plans_per_year: int = Field(default=6, ge=0, description="deep account plans a year")
    deep_plan_hours: float = Field(default=80.0, ge=0)
    reporting_hours: float = Field(default=12.0, ge=0)
    contact_hours_per_month: tuple[float, float, float] = (2.0, 4.0, 8.0)
    default_contacts: dict[str, NonNegative] = Field(
        default_factory=lambda: dict[str, float](
            {"Strategic": 6, "Star": 4, "Status": 3, "Streamline": 2}))
    scenario_spread: tuple[float, float] = (0.8, 1.25)
    overhead_share: float = Field(default=0.3, ge=0)
    travel_per_kam: float = Field(default=300_000.0, ge=0, description="travel and "
                                  "entertainment per KAM a year, in cost_currency")
    default_kam_cost: float = Field(default=3_600_000.0, ge=0,
                                    description="used when neither kam_annual_cost nor a team "
                                    "table gives the KAM cost; in cost_currency")
    expected_uplift: float = Field(default=0.05, ge=0, description="incremental sales a KAM "
                                   "team is expected to bring, share of key revenue (the base "
                                   "uplift of the business case)")
    cost_currency: str = Field(default="RUB", min_length=3, max_length=3,
                               description="ISO currency of the money settings of this section "
                               "(kam_annual_cost, default_kam_cost, travel_per_kam, "
                               "tools_per_kam, support_annual_cost)")
    tools_per_kam: float = Field(default=0.0, ge=0, description="tools (CRM seat, data) per "
                                 "KAM a year, in cost_currency")
    support_annual_cost: float = Field(default=0.0, ge=0, description="cost of one support "
                                       "FTE a year (finance, logistics, marketing, service) "
                                       "when the team table has nobody in the role, in "
                                       "cost_currency; 0: support_cost_share × the KAM cost")
    support_cost_share: float = Field(default=0.5, gt=0, description="a support FTE's cost "
                                      "as a share of the KAM market cost, when neither the "
                                      "team table nor support_annual_cost gives it")
    uplift_low_high: tuple[float, float] = Field(
        default=(0.02, 0.10), description="low and high uplift scenarios of the key clients' "
        "contribution around expected_uplift (the base), fractions")
    key_person_share: float = Field(default=0.25, gt=0, le=1, description="share of key "
                                    "revenue held by one KAM above which it is a risk to name")
    response_judgement: dict[str, float] = Field(
        default_factory=lambda: {"at_zero": 0.85, "at_current": 1.0, "at_plus50": 1.08,
                                 "at_saturation": 1.15})
    kpi_targets: dict[str, float] = Field(
        default_factory=dict, description="target per KPI family or KPI name")
    tiers: TierParams = Field(default_factory=TierParams,
                              description="the service model of the clients by tier")
    client_teams: ClientTeamParams = Field(default_factory=ClientTeamParams,
                                           description="the client team of each key account")
    kpi_scheme: KpiSchemeParams = Field(default_factory=KpiSchemeParams,
                                        description="KPIs per KAM and the bonus sketch")
    role_fit: RoleFitParams = Field(default_factory=RoleFitParams,
                                    description="today's managers against the KAM role")

    @model_validator(mode="after")
    def _keys(self) -> SizingParams:
        _known_keys(self.meetings_per_year, QUADRANTS, "quadrant in meetings_per_year")
        _known_keys(self.default_contacts, QUADRANTS, "quadrant in default_contacts")
        _known_keys(self.response_judgement, RESPONSE_KEYS, "key in response_judgement")
        missing = [k for k in RESPONSE_KEYS if k not in self.response_judgement]
        if missing:
            raise ValueError(f"response_judgement needs all four judgements; missing: "
                             f"{', '.join(missing)}")
        r = [self.response_judgement[k] for k in RESPONSE_KEYS]
        if not (0 <= r[0] < r[1] < r[2] < r[3]):
            raise ValueError("response_judgement must increase: 0 ≤ at_zero < at_current < "
                             "at_plus50 < at_saturation; got " + ", ".join(f"{x:g}" for x in r))
        if self.kpi_targets:  # imported only then: the sizing stack brings pandas (0.4 s)
            from .sizing.economics import DEFAULT_KPI_UPLIFT, KPI_FAMILIES

            _known_keys(self.kpi_targets, [*KPI_FAMILIES, *DEFAULT_KPI_UPLIFT],
                        "KPI family or KPI name in kpi_targets")
        lo, mid, hi = self.contact_hours_per_month
        if not 0 <= lo <= mid <= hi:
            raise ValueError("contact_hours_per_month must be [low, base, high], increasing "
                             f"and ≥ 0; got [{lo:g}, {mid:g}, {hi:g}]")
        a, b = self.scenario_spread
        if not 0 < a <= 1 <= b:
            raise ValueError(f"scenario_spread must be [low ≤ 1, high ≥ 1], both > 0; got "
                             f"[{a:g}, {b:g}]")
        return self


class ReportParams(_Strict):
    """The deliverable."""

    language: Literal["ru", "en"] = "ru"
    formats: list[ReportFormat] = Field(
        default_factory=lambda: list[ReportFormat](["html", "pdf", "xlsx", "pptx"]))
    also_languages: list[Literal["ru", "en"]] = Field(
        default_factory=list,
        description="the deliverables in these languages as well, rendered by the same run's "
                    "report step (a bilingual engagement); the report language itself and "
                    "repeats are left out")

    @model_validator(mode="after")
    def _other_languages_only(self) -> ReportParams:
        also = list(dict.fromkeys(x for x in self.also_languages if x != self.language))
        if also != self.also_languages:
            object.__setattr__(self, "also_languages", also)  # no re-validation loop
        return self


class EngagementConfig(_Strict):
    """The whole ``engagement.yaml``."""

    client: str = Field(description="the audited company's name")
    currency: str = Field(default="RUB", min_length=3, max_length=3)
    period: Period = Field(default_factory=Period)
    report: ReportParams = Field(default_factory=ReportParams)
    intake: IntakeParams = Field(default_factory=IntakeParams)
    inputs: list[InputSpec] = Field(default_factory=list)
    cleanup: CleanupParams = Field(default_factory=CleanupParams)
    profitability: ProfitabilityParams = Field(default_factory=ProfitabilityParams)
    selection: SelectionParams = Field(default_factory=SelectionParams)
    sizing: SizingParams = Field(default_factory=SizingParams)


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a key given twice in one mapping is an error (PyYAML keeps
    the last silently), and dates stay text so that pydantic checks them (``2024-02-30``
    would otherwise fail inside PyYAML with an error that names no key)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise _DuplicateKeyError(key, seen[key], line)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _DuplicateKeyError(Exception):
    def __init__(self, key: Any, first: int, second: int) -> None:
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


_SCALARS = (str, int, float, bool, date)


def _pretty_validation(exc: ValidationError, path: Path) -> ConfigError:
    lines = []
    first: tuple[str, Any] | None = None
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        value = err.get("input")
        shown = isinstance(value, _SCALARS) and err["type"] != "missing"
        if err["type"] == "extra_forbidden":
            msg = "unknown key (a typo?)"
            shown = False
        elif err["type"] == "finite_number":
            msg = "must be a finite number (not .nan or .inf)"
        line = f"  {loc or '(top level)'}: {msg}"
        if shown:
            line += f" (value: {value!r})"
        lines.append(line)
        if first is None:
            first = (loc, value if shown else None)
    return ConfigError(
        "engagement.yaml is not valid:\n" + "\n".join(lines), file=str(path),
        column=first[0] if first else None, value=first[1] if first else None,
        hint="fix the keys above; templates/engagement.yaml documents every key, its default "
        "and its allowed values",
    )


def load_config(path: str | Path) -> EngagementConfig:
    """Read and validate an ``engagement.yaml``.

    Raises
    ------
    ConfigError
        Missing or empty file, YAML syntax error (with its line), a key given twice (with
        both lines), or invalid keys/values (each with its key and value).
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError("engagement.yaml not found", file=str(path),
                          hint="create the engagement with `kam init DIR`")
    try:
        text = path.read_text(encoding="utf-8")
        data: Any = yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKeyError as dup:
        raise ConfigError(f"the key '{dup.key}' is given twice in one section (lines "
                          f"{dup.first} and {dup.second}); YAML would silently keep the last",
                          file=str(path), row=dup.second, column=str(dup.key),
                          hint=f"keep one of the two: delete line {dup.second} or line "
                          f"{dup.first} (and the lines under it)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"YAML syntax error: {getattr(exc, 'problem', exc)}", file=str(path),
                          row=mark.line + 1 if mark else None,
                          hint="check indentation and quotes on that line") from None
    except UnicodeDecodeError:
        raise ConfigError("engagement.yaml is not UTF-8", file=str(path),
                          hint="save it as UTF-8") from None
    if data is None:
        raise ConfigError("engagement.yaml is empty (or holds only comments)", file=str(path),
                          hint="start from the commented template: `kam init DIR --client "
                          "NAME` writes one (or `kam init DIR --force` rewrites this one; "
                          "raw/ is kept)")
    if not isinstance(data, dict):
        raise ConfigError("engagement.yaml must be a mapping of keys (key: value lines), not "
                          f"a {type(data).__name__}", file=str(path), value=str(data)[:80],
                          hint="start from the commented template: `kam init DIR`")
    try:
        return EngagementConfig.model_validate(data)
    except ValidationError as exc:
        raise _pretty_validation(exc, path) from None
