"""``engagement.yaml``: the engagement's settings, validated.

One pydantic model per section; unknown keys are errors (a typo must not silently fall back
to a default). Defaults follow ``METHODS.md``; the commented template in
``templates/engagement.yaml`` documents every key.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal

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
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


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

    cost_rates: dict[str, float] = Field(
        default_factory=lambda: {"order": 0.0, "line": 0.0, "delivery": 0.0, "return": 0.0,
                                 "visit": 0.0, "service_hour": 0.0},
        description="cost per driver unit, currency")
    cost_pools: dict[str, float] = Field(default_factory=dict,
                                         description="pool name -> annual amount")
    avoidable: list[str] = Field(default_factory=lambda: ["delivery", "return", "visit"])
    receivables_rate: float = Field(default=0.16, ge=0, le=1,
                                    description="annual cost of money")
    abc_cutoffs: tuple[float, float] = (0.80, 0.95)
    xyz_cutoffs: tuple[float, float] = (0.10, 0.25)
    robustness_spread: float = Field(default=0.20, ge=0, le=1)


class SelectionParams(_Strict):
    """Step 3: key client selection (METHODS.md §3)."""

    attractiveness: dict[str, float] = Field(
        default_factory=lambda: {"contribution": 30, "revenue": 20, "growth": 20,
                                 "strategic_fit": 15, "potential": 15})
    strength: dict[str, float] = Field(
        default_factory=lambda: {"tenure": 25, "payment_discipline": 25,
                                 "relationship_stage": 25, "contact_coverage": 25})
    long_list_share: float = Field(default=0.20, gt=0, le=1)
    max_key_share: float = Field(default=0.20, gt=0, le=1)
    target_key_accounts: tuple[int, int] = (15, 35)
    stability_draws: int = Field(default=500, ge=10)
    stability_concentration: float = Field(default=50.0, gt=0)

    threshold: float = Field(default=5.5, ge=1, le=10,
                             description="quadrant boundary on both 1–10 axes")
    discount_rate: float = Field(default=0.12, ge=0, lt=1, description="for key-account CLV")
    retention: list[float] = Field(default_factory=lambda: [0.80, 0.90, 0.95])

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
        return self


class SizingParams(_Strict):
    """Step 4: KAM team sizing (METHODS.md §4)."""

    working_hours: float = Field(default=1920, gt=0)
    account_work_share: float = Field(default=0.7, gt=0, le=1)
    meetings_per_year: dict[str, float] = Field(
        default_factory=lambda: {"Strategic": 24, "Star": 12, "Status": 8, "Streamline": 4})
    meeting_hours: float = Field(default=2.0, ge=0)
    travel_hours: float = Field(default=2.0, ge=0)
    planning_hours: float = Field(default=40.0, ge=0)
    coordination_share: float = Field(default=0.25, ge=0, le=1)
    balance_tolerance: float = Field(default=0.15, ge=0, le=1)
    kam_annual_cost: float = Field(default=0.0, ge=0, description="0: from the team table")
    solver_time_limit_s: float = Field(default=10.0, gt=0)
    deep_plans_per_year: int = Field(default=6, ge=0, description="deep account plans a year")
    deep_plan_hours: float = Field(default=80.0, ge=0)
    reporting_hours: float = Field(default=12.0, ge=0)
    contact_hours_per_month: tuple[float, float, float] = (2.0, 4.0, 8.0)
    default_contacts: dict[str, float] = Field(
        default_factory=lambda: {"Strategic": 6, "Star": 4, "Status": 3, "Streamline": 2})
    scenario_spread: tuple[float, float] = (0.8, 1.25)
    overhead_share: float = Field(default=0.3, ge=0)
    travel_per_kam: float = Field(default=300_000.0, ge=0)
    default_kam_cost: float = Field(default=3_600_000.0, ge=0,
                                    description="used when neither kam_annual_cost nor a team "
                                    "table gives the KAM cost")
    expected_uplift: float = Field(default=0.05, ge=0, description="incremental sales a KAM "
                                   "team is expected to bring, share of key revenue")
    response_judgement: dict[str, float] = Field(
        default_factory=lambda: {"at_zero": 0.85, "at_current": 1.0, "at_plus50": 1.08,
                                 "at_saturation": 1.15})
    kpi_targets: dict[str, float] = Field(default_factory=dict)


class ReportParams(_Strict):
    """The deliverable."""

    language: Literal["ru", "en"] = "ru"
    formats: list[Literal["html", "pdf", "xlsx", "pptx"]] = Field(
        default_factory=lambda: ["html", "pdf", "xlsx", "pptx"])


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


def _pretty_validation(exc: ValidationError, path: Path) -> ConfigError:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (a typo?)"
        lines.append(f"  {loc or '(top level)'}: {msg}")
    return ConfigError(
        "engagement.yaml is not valid:\n" + "\n".join(lines), file=str(path),
        hint="fix the keys above; templates/engagement.yaml documents every key and default",
    )


def load_config(path: str | Path) -> EngagementConfig:
    """Read and validate an ``engagement.yaml``.

    Raises
    ------
    ConfigError
        Missing file, YAML syntax error (with its line), or invalid keys/values.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError("engagement.yaml not found", file=str(path),
                          hint="create the engagement with `kam init DIR`")
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(f"YAML syntax error: {getattr(exc, 'problem', exc)}", file=str(path),
                          row=mark.line + 1 if mark else None,
                          hint="check indentation and quotes on that line") from None
    except UnicodeDecodeError:
        raise ConfigError("engagement.yaml is not UTF-8", file=str(path),
                          hint="save it as UTF-8") from None
    if not isinstance(data, dict):
        raise ConfigError("engagement.yaml must be a mapping of keys", file=str(path))
    try:
        return EngagementConfig.model_validate(data)
    except ValidationError as exc:
        raise _pretty_validation(exc, path) from None
