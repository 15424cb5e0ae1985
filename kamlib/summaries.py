"""Typed step summaries: the figures each step decides, with their units, validated once.

A step's ``summary.json`` is what every surface reads. Its key figures are declared here as
pydantic models whose field types carry the unit (:mod:`kamlib.units`): money
(``MoneyAmount``: an exact amount to the minor unit, in the summary's ``currency``), shares
(0–1), ratios (fractions that may pass 1: a whale-curve peak of 113 %), counts and days.
A step writes its summary through :func:`write_summary`, which validates it against its model
(a share of 40 written as a percent number, a negative count, NaN money are errors of the
step, caught before any surface prints them) and writes money as exact decimals. Figures a
model does not declare are kept as they are (``extra="allow"``) and documented by the step.

:func:`unit_of` tells a surface the unit of a figure by its dotted path, so the report never
guesses one.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer

from .errors import ReconciliationError
from .units import to_decimal

__all__ = [
    "MODELS",
    "CleanupSummary",
    "IntakeSummary",
    "MoneyAmount",
    "ProfitabilitySummary",
    "SelectionSummary",
    "SizingSummary",
    "unit_of",
    "validate_summary",
    "write_summary",
]


class Unit:
    """The unit marker carried by a field's type (``Annotated[..., Unit("money")]``)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Unit({self.name!r})"


def _money_in(v: Any) -> Decimal:
    if isinstance(v, dict) and "amount" in v:
        v = v["amount"]
    return to_decimal(v)


def _money_out(d: Decimal) -> float:
    # an exact decimal in the JSON text (4081018276.66), read back exactly with
    # json.loads(parse_float=Decimal)
    return float(d)


#: an amount of money to the minor unit, in the summary's ``currency``
MoneyAmount = Annotated[Decimal, BeforeValidator(_money_in), PlainSerializer(_money_out),
                        Unit("money")]


def _finite(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        raise ValueError(f"not a finite number: {v!r}")
    return v


Share = Annotated[float, BeforeValidator(_finite), Field(ge=0.0, le=1.0 + 1e-9), Unit("share")]
Ratio = Annotated[float, BeforeValidator(_finite), Unit("ratio")]
Count = Annotated[int, Field(ge=0), Unit("count")]
Days = Annotated[float, BeforeValidator(_finite), Unit("days")]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _Summary(_Model):
    currency: str | None = Field(default=None, description="ISO code of every amount")


# --------------------------------------------------------------------------- step 0
class IntakeSummary(_Summary):
    """Step 0: what was received."""

    files: Count
    clients: Count
    sales_lines: Count
    documents: Count | None = None
    net_revenue: MoneyAmount | None = None
    rejected_rows: Count
    rejected_money: MoneyAmount | None = None
    returns_lines: Count | None = None
    returns_net_revenue: MoneyAmount | None = None
    clients_added_from_transactions: Count | None = None
    delivery_points: Count | None = None
    clients_with_delivery_points: Count | None = None


# --------------------------------------------------------------------------- step 1
class StatusFigures(_Model):
    entities: Count
    share_entities: Share
    net_revenue: MoneyAmount
    share_revenue: Ratio   # may pass 0–1 when returns exceed sales in a status


class CleanupSummary(_Summary):
    """Step 1: who the clients really are."""

    records: Count
    entities: Count
    groups: Count
    records_merged_away: Count
    branches: Count
    buying_entities: Count
    active_entities: Count
    to_review: Count
    invalid_inn_records: Count
    status: dict[str, StatusFigures]
    net_revenue: MoneyAmount


# --------------------------------------------------------------------------- step 2
class Whale(_Model):
    total: MoneyAmount
    positive_sum: MoneyAmount
    negative_sum: MoneyAmount
    peak_pct: Ratio | None = None
    clients_at_peak: Count
    clients_at_peak_share: Share | None = None
    loss_tail_pct: Ratio | None = None
    loss_makers: Count
    cross_subsidy_index: Ratio | None = None


class Concentration(_Model):
    total: MoneyAmount
    top1: Share
    top3: Share
    top5: Share
    top10: Share
    clients_to_50: Count
    clients_to_80: Count
    hhi: Share


class LossMaker(_Model):
    net_revenue: MoneyAmount
    gross_margin: MoneyAmount
    cost_to_serve: MoneyAmount
    contribution: MoneyAmount


class CostPool(_Model):
    """A pool of the client's own costs (time-driven ABC) over the audit period."""

    rate: float                     # money per driver unit (finer than the minor unit)
    practical_share: Share
    cost: MoneyAmount
    allocated: MoneyAmount
    unused: MoneyAmount             # negative: used beyond the practical capacity
    unused_share: Ratio


class ChannelFigures(_Model):
    """One channel of the P&L by channel (:mod:`kamlib.profitability.channels`)."""

    channel: str
    clients: Count
    net_revenue: MoneyAmount
    revenue_share: Ratio | None = None
    contribution: MoneyAmount
    contribution_margin: Ratio | None = None
    cts_pct: Ratio | None = None
    growth: Ratio | None = None
    usp_fit: float | None = None
    verdict: str
    reason: dict[str, Any]


class LossScenario(_Model):
    """What the company loses if one top client or holding leaves."""

    level: str
    name: str
    net_revenue: MoneyAmount
    revenue_share: Ratio              # a client whose returns exceed its sales: below 0
    contribution_lost: MoneyAmount
    contribution_lost_year: MoneyAmount
    fixed_cost_cover: Ratio | None = None
    growth: Ratio | None = None


class Dependency(_Model):
    """Dependency risk (:mod:`kamlib.profitability.dependency`)."""

    top: Count
    fixed_costs_per_year: MoneyAmount | None = None
    top_revenue_prev12: MoneyAmount | None = None
    top_revenue_last12: MoneyAmount | None = None
    top_trend_ratio: Ratio | None = None
    top_shrinking: Count
    largest: list[LossScenario]


class OverdueClient(_Model):
    """A client with overdue receivables at the period end (:mod:`...profitability.cash`)."""

    name: str | None = None
    open: MoneyAmount
    overdue: MoneyAmount
    overdue_over_90: MoneyAmount
    overdue_share: Share | None = None
    days_late: Days | None = None


class CashFigures(_Model):
    """Cash per client (:mod:`kamlib.profitability.cash`): receivables at the period end,
    their ageing, terms vs actual days to pay, the cost of carrying."""

    invoiced: MoneyAmount
    paid: MoneyAmount
    total_open: MoneyAmount            # open invoices (positive amounts) at the period end
    balance: MoneyAmount               # open − overpaid − money on account
    overdue: MoneyAmount
    overdue_share: Share | None = None
    overdue_over_90: MoneyAmount
    ageing: dict[str, MoneyAmount]
    clients_open: Count
    clients_overdue: Count
    terms_days: Days | None = None
    actual_days: Days | None = None
    terms_gap_days: Days | None = None
    days_late: Days | None = None
    avg_balance: MoneyAmount
    carrying_cost: MoneyAmount
    cost_of_receivables: MoneyAmount | None = None
    cost_of_receivables_invoiced_basis: MoneyAmount | None = None
    carrying_difference: MoneyAmount | None = None
    on_account: MoneyAmount
    unattached: MoneyAmount
    unapplied_payments: Count
    ledger_open: MoneyAmount
    default_terms_days: Days
    due_sources: dict[str, Count]
    top_overdue: list[OverdueClient]


class WhatIfDrop(_Model):
    """Without the large loss-makers (:func:`kamlib.profitability.scenarios.what_if_drop`)."""

    clients: Count
    net_revenue_lost: MoneyAmount
    gross_margin_lost: MoneyAmount
    avoidable_costs_saved: MoneyAmount
    stranded_costs_remaining: MoneyAmount
    their_contribution_as_allocated: MoneyAmount
    change_in_company_contribution: MoneyAmount          # over the P&L's period
    change_in_company_contribution_year: MoneyAmount | None = None
    net_revenue_lost_year: MoneyAmount | None = None
    years: float | None = None                           # the period's length


class WhatIfReprice(_Model):
    """New prices for the large loss-makers
    (:func:`kamlib.profitability.scenarios.what_if_reprice`)."""

    clients: Count
    price_increase: Ratio
    volume_loss: Ratio
    contribution_before: MoneyAmount
    contribution_after: MoneyAmount
    change: MoneyAmount                                  # over the P&L's period
    change_year: MoneyAmount | None = None
    still_loss_making: Count
    years: float | None = None


class ProfitabilitySummary(_Summary):
    """Step 2: what each client really earns."""

    cost_pools: list[CostPool] | None = None
    cost_to_serve_by_source: dict[str, MoneyAmount] | None = None
    off_invoice_by_kind: dict[str, MoneyAmount] | None = None

    entities: Count
    totals: dict[str, MoneyAmount]
    loss_making_entities: Count
    whale: Whale
    concentration: Concentration
    concentration_groups: Concentration | None = None
    large_loss_makers: list[LossMaker]
    large_loss_makers_total: Count | None = None
    what_if_drop_large_loss_makers: WhatIfDrop | None = None
    what_if_reprice_large_loss_makers: WhatIfReprice | None = None
    channels: list[ChannelFigures] | None = None
    dependency: Dependency | None = None
    cash: CashFigures | None = None


# --------------------------------------------------------------------------- step 3
class SelectionEntry(_Model):
    """A candidate the selection names (to assess, scored conservatively, stopped by the USP
    gate, Strategic but not key), with the decision's reason."""

    net_revenue: MoneyAmount
    attractiveness: float | None = None


class UspGate(_Model):
    gate: float
    excluded: Count                       # on a score the workshop gave
    excluded_conservative: Count = 0      # on the conservative value of a missing score


class DeepPlan(_Model):
    """A key account given a deep plan, by value at stake."""

    value_at_stake: MoneyAmount
    revenue_per_year: MoneyAmount
    attractiveness: float
    potential: float | None = None
    attractiveness_rank: Count


class VipClient(_Model):
    net_revenue: MoneyAmount
    contribution: MoneyAmount


class VipFigures(_Model):
    """The VIP ≠ key test (:mod:`kamlib.selection.vip`)."""

    source: str
    vips: Count
    key: Count
    not_key: Count
    losing_money: Count
    not_key_or_losing: Count
    loss: MoneyAmount                   # over the P&L's period
    loss_year: MoneyAmount | None = None
    not_key_revenue: MoneyAmount
    clients: list[VipClient]


class SelectionSummary(_Summary):
    """Step 3: who is key."""

    missing_scores_rule: str | None = None
    selection_provisional: bool | None = None
    unscored_candidates: Count | None = None
    to_assess_count: Count | None = None
    to_assess: list[SelectionEntry] | None = None
    conservative_scored_count: Count | None = None
    conservative_scored: list[SelectionEntry] | None = None
    usp_gate: UspGate | None = None
    usp_gated: list[SelectionEntry] | None = None
    deep_plans_per_year: Count | None = None
    deep_plans: list[DeepPlan] | None = None
    strategic_not_key_count: Count | None = None
    strategic_not_key: list[SelectionEntry] | None = None

    active_entities: Count
    long_list: Count
    key_clients: Count
    max_key_clients: Count
    solid: Count
    borderline: Count
    key_revenue_share: Share
    key_contribution_share: Ratio
    vip: VipFigures | None = None


# --------------------------------------------------------------------------- step 4
class TierFigures(_Model):
    """One service tier, a year."""

    clients: Count
    net_revenue: MoneyAmount
    contribution: MoneyAmount
    cost_to_serve: MoneyAmount
    cost_to_serve_after: MoneyAmount
    saving: MoneyAmount | None = None
    served_by: str
    cost_factor_ratio: Ratio


class Tiers(_Model):
    """The service model of all clients (kamlib.sizing.tiers)."""

    by_tier: dict[str, TierFigures]
    saving: MoneyAmount
    saving_small_clients: MoneyAmount | None = None
    years: float
    self_service_share: Share


class TeamsBusinessCase(_Model):
    """The programme's cost and pay-back with and without the client teams' support FTE."""

    programme_cost_without_support: MoneyAmount
    programme_cost: MoneyAmount
    needed_uplift_without_support_ratio: Ratio | None = None
    needed_uplift_ratio: Ratio | None = None
    break_even_ratio_without_support: Ratio | None = None
    break_even_ratio: Ratio | None = None


class ClientTeams(_Model):
    """The client teams of the key accounts (kamlib.sizing.client_teams)."""

    accounts: Count
    head_of_kam: str | None = None
    support_hours: float
    support_fte: float
    support_cost: MoneyAmount
    support_new_cash: MoneyAmount
    hours_per_fte: float
    edited_hours: Count
    edited_raci: Count
    quadrant_table_support_fte: float
    business_case: TeamsBusinessCase


class KpiGate(_Model):
    kpi: str
    achievement_ratio: Ratio


class KpiScheme(_Model):
    """The KPIs' weights and the bonus scheme sketch (kamlib.sizing.kpis)."""

    variable_pay_share: Share
    payout_at_target_share: Share
    max_pay_share: Share
    gate: KpiGate
    threshold_achievement_ratio: Ratio
    cap_achievement_ratio: Ratio
    cap_payout_ratio: Ratio
    weights: dict[str, Share]
    kpis: Count


class FitBest(_Model):
    person: str
    fit_share: Share


class RoleFitFigures(_Model):
    """Today's managers against the KAM role (kamlib.sizing.role_fit)."""

    managers: Count
    good_fit: Count
    good_fit_threshold: Share
    weights: dict[str, Share]
    best: FitBest
# --------------------------------------------------------------------------- step 4: alignment
class AlignmentElement(_Model):
    """One of the seven alignment elements: average scores 1–5 by group (kamlib.kit.alignment)."""

    management: float | None = None
    kam: float | None = None
    gap: float | None = None
    answers: Count = 0


class Alignment(_Model):
    """The internal alignment workshop (kamlib.kit.alignment): ``status`` is ``waiting``
    until ``review/alignment.xlsx`` holds answers."""

    status: str
    gap_threshold: float
    respondents: dict[str, Count] = Field(default_factory=dict)
    statements: Count = 0
    elements: dict[str, AlignmentElement] = Field(default_factory=dict)
    actions: list[dict[str, str]] = Field(default_factory=list)
    resources: dict[str, dict[str, Count]] = Field(default_factory=dict)
    kpis_against: dict[str, dict[str, Count]] = Field(default_factory=dict)


class SizingSummary(_Summary):
    """Step 4: the KAM team."""

    key_accounts: Count
    kams: Count
    total_hours: float
    hours_per_kam: float
    current_kams: Count | None = None
    current_owners: Count | None = None
    team_cost: MoneyAmount
    kam_cost: MoneyAmount | None = None
    key_revenue: MoneyAmount
    key_contribution: MoneyAmount
    tiers: Tiers | None = None
    client_teams: ClientTeams | None = None
    kpi_scheme: KpiScheme | None = None
    role_fit: RoleFitFigures | None = None
    alignment: Alignment | None = None


#: step number → its summary model
MODELS: dict[str, type[_Summary]] = {"00": IntakeSummary, "01": CleanupSummary,
                                     "02": ProfitabilitySummary, "03": SelectionSummary,
                                     "04": SizingSummary}


def validate_summary(step: str, data: dict[str, Any], *, currency: str | None = None
                     ) -> dict[str, Any]:
    """``data`` checked against step ``step``'s model and returned as JSON-ready (money as
    exact amounts, ``currency`` set); keys the model does not declare pass unchanged.

    Raises
    ------
    ReconciliationError
        A figure in the wrong unit (a share above 1, a negative count, money that is not a
        finite amount): a bug of the step, named with its key.
    """
    from pydantic import ValidationError

    model = MODELS[step]
    payload = dict(data)
    if currency and not payload.get("currency"):
        payload["currency"] = currency
    try:
        checked = model.model_validate(payload)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors()[:5])
        raise ReconciliationError(f"step {step}'s summary has a figure in the wrong unit: "
                                  f"{problems}", hint="this is a bug of the step: report it"
                                  ) from None
    out = checked.model_dump(mode="json", by_alias=True)
    return {**payload, **{k: v for k, v in out.items() if k in payload or k == "currency"}}


def write_summary(step: str, path: str | Path, data: dict[str, Any], *,
                  currency: str | None = None) -> dict[str, Any]:
    """Validate ``data`` (:func:`validate_summary`) and write it atomically to ``path``."""
    from .io import atomic_write_json

    out = validate_summary(step, data, currency=currency)
    atomic_write_json(Path(path), out)
    return out


def _unit_of_type(tp: Any) -> str | None:
    for arg in get_args(tp) if get_origin(tp) is Annotated else ():
        if isinstance(arg, Unit):
            return arg.name
    for arg in get_args(tp):
        u = _unit_of_type(arg)
        if u:
            return u
    return None


def unit_of(step: str, path: str) -> str | None:
    """The unit (``money``, ``share``, ``ratio``, ``count``, ``days``) of the figure at the
    dotted ``path`` of step ``step``'s summary, or None if the model does not declare it.

    >>> unit_of("02", "concentration.top3")
    'share'
    >>> unit_of("02", "large_loss_makers.0.contribution")
    'money'
    """
    tp: Any = MODELS.get(step)
    parts = path.split(".")
    i = 0
    while i < len(parts):
        # unwrap Optional / Annotated to the container or model
        base = tp
        while get_origin(base) is Annotated:
            base = get_args(base)[0]
        args = [a for a in get_args(base) if a is not type(None)]
        if args and get_origin(base) not in (dict, list) and not (
                isinstance(base, type) and issubclass(base, BaseModel)):
            base = args[0]                     # X | None
            while get_origin(base) is Annotated:
                base = get_args(base)[0]
        if isinstance(base, type) and issubclass(base, BaseModel):
            field = base.model_fields.get(parts[i])
            if field is None:
                return None
            tp = field.rebuild_annotation()
            i += 1
        elif get_origin(base) in (dict, list):
            tp = get_args(base)[-1]
            i += 1
        else:
            return None
    return _unit_of_type(tp)


def loads(text: str) -> Any:
    """Read a summary with its amounts as exact decimals."""
    return json.loads(text, parse_float=Decimal)
