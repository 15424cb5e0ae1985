"""The one registry of the audit's steps: what each is, where it writes, what it leaves.

In the spirit of papermill's engine registry: every surface that needs a step — the runner,
the CLI, the report, the explorer, the widgets, the presenter — asks here, and nothing else
spells a step folder, a notebook name or an artefact path.

A :class:`Step` knows its number, key (the notebook's stem), folder under ``work/``,
``engagement.yaml`` section, titles, and its :class:`Artefact` s (name → file, description,
and the unit of every figure column a deliverable may show: :data:`UNITS`). A unit is
declared here once; a surface never guesses it (a ratio column is a fraction, 0.3 = 30 %).

>>> step("02").folder
'02_profitability'
>>> artefact_path(eng, "client_pnl")               # doctest: +SKIP
PosixPath('…/work/02_profitability/client_pnl.parquet')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from .errors import ConfigError, KamError

if TYPE_CHECKING:
    from .engagement import Engagement

__all__ = [
    "ANALYSIS_STEPS",
    "MAIN_AMOUNT",
    "STEPS",
    "UNITS",
    "Artefact",
    "Step",
    "StepResult",
    "artefact",
    "artefact_path",
    "open_step",
    "step",
    "summary_path",
]

#: the units a figure column can have (``kamlib.units``): money in the engagement's currency,
#: a ratio (fraction, 1.0 = 100 %), a count, days, a score (1–10), a number, a date, text
Unit = Literal["money", "ratio", "count", "days", "score", "number", "date", "text", "flag"]
UNITS: tuple[str, ...] = ("money", "ratio", "count", "days", "score", "number", "date",
                          "text", "flag")


@dataclass(frozen=True)
class Artefact:
    """A table a step writes: ``work/<step folder>/<file>``.

    ``units`` maps the figure columns a surface may show to their unit (:data:`UNITS`);
    columns not listed are identifiers or text.
    """

    name: str
    file: str
    description: str
    units: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """An audit step: its notebook, its folder under ``work/``, its settings, its artefacts.

    The intake (reading ``raw/``) runs before the first notebook, in the same step folder.
    """

    number: str
    key: str
    folder: str
    title_en: str
    title_ru: str
    section: str | None = None
    artefacts: tuple[Artefact, ...] = ()
    summary: bool = True

    @property
    def notebook(self) -> str:
        """The notebook's file name."""
        return f"{self.key}.ipynb"

    @property
    def name(self) -> str:
        """The short name (``profitability``)."""
        return self.key.split("_", 1)[1]

    def dir(self, eng: Engagement) -> Path:
        """``work/<folder>`` of ``eng``."""
        return eng.work / self.folder

    def summary_path(self, eng: Engagement) -> Path:
        """``work/<folder>/summary.json``."""
        return self.dir(eng) / "summary.json"

    def has_run(self, eng: Engagement) -> bool:
        """Whether the step left its ``summary.json`` in ``eng``."""
        return self.summary_path(eng).exists()

    def artefact(self, name: str) -> Artefact:
        """One of this step's artefacts by name."""
        for a in self.artefacts:
            if a.name == name:
                return a
        raise KeyError(f"step {self.key} has no artefact {name!r}; it has: "
                       + ", ".join(a.name for a in self.artefacts))


#: money columns of the cash table (kamlib.profitability.cash)
_CASH_MONEY = ("invoiced", "paid", "open", "not_due", "overdue_1_30", "overdue_31_60",
               "overdue_61_90", "overdue_over_90", "overpaid", "overdue", "on_account",
               "balance", "paid_after_end", "avg_balance", "carrying_cost",
               "cost_of_receivables", "carrying_difference")

_PNL_UNITS = {
    "list_revenue": "money", "discount": "money", "sales_net": "money", "returns": "money",
    "net_revenue": "money", "cogs": "money", "gross_margin": "money", "cost_to_serve": "money",
    "off_invoice": "money", "off_retro_bonus": "money", "off_marketing": "money",
    "off_listing": "money", "off_sponsorship": "money", "off_other": "money",
    "cts_order": "money", "cts_line": "money", "cts_return": "money",
    "cts_delivery": "money", "cts_visit": "money", "cts_service_hour": "money",
    "cts_call": "money", "cts_avoidable": "money", "cts_stranded": "money",
    "cost_of_receivables": "money", "contribution": "money", "revenue_prev12": "money",
    "revenue_last12": "money", "avg_order": "money",
    "margin_pct": "ratio", "contribution_pct": "ratio", "cts_pct": "ratio",
    "discount_pct": "ratio", "returns_pct": "ratio", "growth_pct": "ratio",
    "orders": "count", "lines": "count", "return_lines": "count", "deliveries": "count",
    "visits": "count", "dso_days": "days", "terms_days": "days", "tenure_days": "days",
    "days_late": "days", "days_late_all": "days", "receivable_days": "days",
    "first_order": "date", "last_order": "date",
}

STEPS: tuple[Step, ...] = (
    Step("00", "00_data_intake", "00_intake", "Data intake", "Приём данных", artefacts=(
        Artefact("clients", "clients.parquet",
                 "client catalogue as received: one row per client record"),
        Artefact("sales", "sales.parquet",
                 "sales lines, canonical: net revenue VAT excluded, returns negative",
                 {"net_revenue": "money", "quantity": "number", "date": "date"}),
        Artefact("activities", "activities.parquet",
                 "cost-to-serve drivers (deliveries, visits, hours…) per client",
                 {"quantity": "number", "cost": "money"}),
        Artefact("payments", "payments.parquet",
                 "invoices with due and paid dates (days late, DSO)", {"amount": "money"}),
        Artefact("contacts", "contacts.parquet",
                 "people at the clients, their roles and our owner"),
        Artefact("assessment", "assessment.parquet",
                 "judged criteria scores from the client's assessment export",
                 {"score": "score"}),
        Artefact("team", "team.parquet", "our sales team: role, annual cost, hours, region",
                 {"annual_cost": "money", "available_hours": "number"}),
        Artefact("rejected", "rejected.parquet",
                 "input rows not used, with file, row, reason, their money and their "
                 "client_id (when the row names one)",
                 {"amount": "money"}),
        Artefact("issues", "issues.parquet",
                 "data-quality problems found at intake, by file and column"),
    )),
    Step("01", "01_client_base_cleanup", "01_client_base_cleanup", "Client base cleanup",
         "Очистка клиентской базы", section="cleanup", artefacts=(
             Artefact("entities", "entities.parquet",
                      "every client record → its legal entity (entity_id) and group "
                      "(group_id)", {"lines": "count"}),
             Artefact("entity_table", "entity_table.parquet",
                      "one row per legal entity: records, spellings, INN, orders, status",
                      {"records": "count", "branches": "count", "orders": "count",
                       "net_revenue": "money", "revenue_last_12m": "money",
                       "first_order": "date", "last_order": "date"}),
             Artefact("identifiers", "identifiers.parquet",
                      "INN / KPP / OGRN checks per record"),
             Artefact("pairs", "pairs.parquet",
                      "candidate duplicate pairs with scores, evidence and the decision",
                      {"score": "number"}),
             Artefact("entity_sales", "sales.parquet", "sales lines re-mapped to legal entities",
                      {"net_revenue": "money"}),
             Artefact("status", "status.parquet",
                      "activity status per entity (new, active, dormant…)",
                      {"net_revenue": "money"}),
             Artefact("decisions", "decisions.parquet",
                      "the merge decisions of people that the run applied (decisions/merges.csv"
                      " and review/duplicates.xlsx)"),
         )),
    Step("02", "02_profitability", "02_profitability", "Profitability", "Доходность клиентов",
         section="profitability", artefacts=(
             Artefact("client_pnl", "client_pnl.parquet",
                      "client P&L per entity: list revenue → contribution, ABC/XYZ, growth",
                      _PNL_UNITS),
             Artefact("group_pnl", "group_pnl.parquet", "the same P&L per group of companies",
                      {**_PNL_UNITS, "entities": "count"}),
             Artefact("monthly", "monthly.parquet", "net revenue per entity and month",
                      {"net_revenue": "money"}),
             Artefact("whale", "whale.parquet",
                      "the whale curve: clients by contribution, cumulative share of the total",
                      {"value": "money", "cum_value": "money", "cum_pct": "ratio",
                       "client_share": "ratio", "rank": "count"}),
             Artefact("robustness", "robustness.parquet",
                      "contribution under ±20% cost-to-serve rates",
                      {"sign_changes_share": "ratio", "spearman": "number",
                       "loss_makers": "count"}),
             Artefact("channels", "channels.parquet",
                      "the P&L by channel (segment): contribution margin, cost-to-serve, "
                      "growth, USP fit and the channel's verdict",
                      {"clients": "count", "net_revenue": "money", "revenue_share": "ratio",
                       "gross_margin": "money", "cost_to_serve": "money",
                       "cost_of_receivables": "money", "contribution": "money",
                       "contribution_share": "ratio", "contribution_margin": "ratio",
                       "cts_pct": "ratio", "revenue_before": "money", "revenue_after": "money",
                       "growth_pct": "ratio", "usp_fit": "score"}),
             Artefact("dependency", "dependency.parquet",
                      "if a top client or holding leaves: revenue, contribution lost, share "
                      "of fixed costs covered, trend",
                      {"entities": "count", "rank": "count", "net_revenue": "money",
                       "revenue_share": "ratio", "contribution": "money",
                       "contribution_lost": "money", "contribution_lost_year": "money",
                       "fixed_cost_cover": "ratio", "revenue_prev12": "money",
                       "revenue_last12": "money", "growth_pct": "ratio"}),
             # cash per client (kamlib.profitability.cash)
             Artefact("cash", "cash.parquet",
                      "cash per client: invoiced, paid, open, overdue ageing at the period "
                      "end, terms vs actual days to pay, average balance, cost of carrying",
                      {"invoices": "count", **{c: "money" for c in _CASH_MONEY},
                       "overdue_share": "ratio", "terms_days": "days", "actual_days": "days",
                       "terms_gap_days": "days", "days_late": "days",
                       "days_late_all": "days"}),
             Artefact("receivables_monthly", "receivables_monthly.parquet",
                      "receivables per client at each month end: invoiced, paid, balance",
                      {"invoiced": "money", "paid": "money", "balance": "money"}),
             Artefact("unapplied_payments", "unapplied_payments.parquet",
                      "payments not applied to an invoice (on account or unattached), kept "
                      "with their money and reason", {"amount": "money"}),
         )),
    Step("03", "03_key_client_profile", "03_key_client_profile", "Key client profile",
         "Профиль ключевых клиентов", section="selection", artefacts=(
             Artefact("candidates", "candidates.parquet",
                      "the long list: criteria scores, attractiveness, strength, quadrant",
                      {"net_revenue": "money", "contribution": "money", "margin_pct": "ratio",
                       "attractiveness": "score", "strength": "score", "stays_key": "ratio"}),
             Artefact("key_clients", "key_clients.parquet",
                      "the key clients with reasons, strategy, CLV",
                      {"net_revenue": "money", "contribution": "money", "margin_pct": "ratio",
                       "attractiveness": "score", "strength": "score", "stays_key": "ratio",
                       "clv_r80": "money", "clv_r90": "money", "clv_r95": "money",
                       "value_at_stake": "money", "deep_plan_rank": "count"}),
             Artefact("relationships", "relationships.parquet",
                      "contact coverage and relationship stage",
                      {"contacts": "count", "our_people": "count",
                       "days_since_last_contact": "days"}),
             Artefact("vip", "vip.parquet",
                      "management's VIPs (or the top clients by revenue) tested: contribution "
                      "after cost-to-serve, attractiveness, key or not and why",
                      {"revenue_rank": "count", "net_revenue": "money",
                       "cost_to_serve": "money", "contribution": "money",
                       "contribution_pct": "ratio", "attractiveness": "score",
                       "is_key": "flag"}),
         )),
    Step("04", "04_kam_team_sizing", "04_kam_team_sizing", "KAM team sizing",
         "Размер команды KAM", section="sizing", artefacts=(
             Artefact("team_plan", "team_plan.parquet",
                      "the recommended KAMs: accounts, hours, utilisation",
                      {"accounts": "count", "hours": "number", "capacity": "number",
                       "utilisation": "ratio", "revenue": "money"}),
             Artefact("assignment", "assignment.parquet",
                      "who serves whom: each key account's KAM and hours", {"hours": "number"}),
             Artefact("methods", "methods.parquet", "FTE by three methods, low / base / high",
                      {"low": "number", "base": "number", "high": "number"}),
             Artefact("service_tiers", "service_tiers.parquet",
                      "every client's service tier, the rule that put it there, who serves "
                      "it, its cost-to-serve today and after",
                      {"net_revenue": "money", "contribution": "money",
                       "cost_to_serve": "money", "cost_to_serve_after": "money"}),
             Artefact("client_teams", "client_teams.parquet",
                      "each key account's client team: the KAM, the head of KAM and the "
                      "support roles with their hours a year (formula or the review sheet)",
                      {"hours_formula": "number", "hours": "number"}),
             Artefact("raci", "raci.parquet",
                      "who is responsible, accountable, consulted, informed for each key "
                      "account's activities (R / A / C / I per role)", {}),
             Artefact("kam_kpis", "kam_kpis.parquet",
                      "4 ± 1 KPIs per KAM: baseline on their portfolio, target from the key "
                      "accounts' percentiles, weight, focus",
                      {"accounts": "count", "baseline": "number", "reference": "number",
                       "target": "number", "weight": "ratio"}),
             Artefact("role_fit", "role_fit.parquet",
                      "today's managers against the KAM role profile: fit and its components",
                      {"clients": "count", "key_clients": "count", "key_revenue": "money",
                       "key_experience": "score", "relationship_depth": "score",
                       "senior_access": "score", "cross_functional": "score",
                       "portfolio_growth": "score", "portfolio_margin": "score",
                       "fit": "score"}),
         )),
    Step("05", "05_audit_report", "05_audit_report", "Audit report", "Отчёт аудита",
         section="report"),
)

#: the main amount of each input table: what "money accepted" of a file means (net revenue
#: for sales, never a sum of gross, VAT, net, cost and discount columns)
MAIN_AMOUNT: dict[str, str] = {"sales": "net_revenue", "payments": "amount",
                               "activities": "cost", "team": "annual_cost"}

#: the steps whose artefacts a report reads (all but the report itself)
ANALYSIS_STEPS: tuple[Step, ...] = STEPS[:-1]


def step(token: str) -> Step:
    """A step by number (``"02"``, ``"2"``), key (``"02_profitability"``), folder
    (``"00_intake"``) or short name (``"profitability"``).

    Raises
    ------
    ConfigError
        No such step (the message lists them).
    """
    t = str(token).strip()
    for s in STEPS:
        if t in (s.number, s.key, s.folder, s.name) or (t.isdigit() and t.zfill(2) == s.number):
            return s
    raise ConfigError(f"unknown step '{token}'; steps are: "
                      + ", ".join(s.key for s in STEPS), value=token,
                      hint="use a number (00, 01 …) or a name")


def artefact(name: str) -> tuple[Step, Artefact]:
    """The step and spec of the artefact called ``name`` (names are unique across steps)."""
    for s in STEPS:
        for a in s.artefacts:
            if a.name == name:
                return s, a
    raise KeyError(f"no artefact {name!r}")


def artefact_path(eng: Engagement, name: str) -> Path:
    """Where ``eng`` keeps the artefact ``name``."""
    s, a = artefact(name)
    return s.dir(eng) / a.file


def summary_path(eng: Engagement, token: str) -> Path:
    """``work/<folder>/summary.json`` of a step of ``eng``."""
    return step(token).summary_path(eng)


def require(eng: Engagement, token: str, name: str) -> Path:
    """The path of an artefact a step needs; a :class:`KamError` naming the step to run when
    it is missing."""
    path = artefact_path(eng, name)
    if not path.exists():
        s = artefact(name)[0]
        raise KamError(f"the artefact {name} of step {s.key} is missing", file=str(path),
                       hint=f"run `kam run {eng.root} --from {s.number}`")
    return path


@dataclass(frozen=True)
class StepResult:
    """What every ``run_<step>(eng, out_dir=None, *, params=None)`` returns: one shape for
    all steps (the ``lifetimes`` way: a summary plus named tables, never a bag of attributes
    that differs per step).

    Attributes
    ----------
    step : str
        The step's number (``"02"``).
    summary : dict
        The validated ``summary.json`` it wrote (:mod:`kamlib.summaries`).
    parts : Mapping
        The tables and figures a notebook shows, by name (read-only); also reachable as
        ``result["name"]`` and ``result.name``.
    notes : tuple of str
        What narrowed the analysis, in the run's language.
    """

    step: str
    summary: dict[str, Any]
    parts: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "parts", MappingProxyType(dict(self.parts)))
        object.__setattr__(self, "notes", tuple(self.notes))

    def __getitem__(self, name: str) -> Any:
        if name == "summary":
            return self.summary
        if name == "notes":
            return list(self.notes)
        try:
            return self.parts[name]
        except KeyError:
            raise KeyError(f"step {self.step} has no part {name!r}; it has: "
                           + ", ".join(self.parts)) from None

    def __getattr__(self, name: str) -> Any:
        parts = self.__dict__.get("parts", {})
        if name in parts:
            return parts[name]
        raise AttributeError(name)

    def __contains__(self, name: object) -> bool:
        return name in ("summary", "notes") or name in self.parts

    def __iter__(self) -> Iterator[str]:
        return iter(("summary", "notes", *self.parts))

    def keys(self) -> list[str]:
        """The names of the summary, the notes and the parts."""
        return list(self)


def open_step(engagement: Any, token: str, out_dir: str | Path | None = None
              ) -> tuple[Engagement, Path]:
    """The engagement (opened if a path was given) and the folder a step writes into (its
    registry folder unless ``out_dir`` says otherwise, e.g. the runner's staging folder)."""
    from .engagement import Engagement

    eng = engagement if isinstance(engagement, Engagement) else Engagement.open(engagement)
    return eng, Path(out_dir) if out_dir is not None else step(token).dir(eng)


def _check() -> None:
    names = [a.name for s in STEPS for a in s.artefacts]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, f"artefact names must be unique: {dup}"
    for s in STEPS:
        for a in s.artefacts:
            bad = {u for u in a.units.values() if u not in UNITS}
            assert not bad, f"{s.key}/{a.name}: unknown units {bad}"


_check()
