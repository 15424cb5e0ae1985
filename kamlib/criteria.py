"""The criteria a key client is chosen by (METHODS.md §3; McDonald & Woodburn 2007).

Two axes — account *attractiveness* to us over three years, and our *relative strength* with
the account as it sees us — each a weighted set of criteria (weights summing to 100, set in
``engagement.yaml``). A criterion is computed from the data (``source = "data"``: a column of
the client P&L, scored 1–10 by its percentile among the candidates) or judged by people in a
workshop (``source = "judged"``: scored 1–10 in ``review/assessment.xlsx``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["CRITERIA", "Criterion", "judged_criteria"]


@dataclass(frozen=True)
class Criterion:
    """One criterion: where its score comes from and what it means."""

    name: str
    source: Literal["data", "judged"]
    column: str | None
    higher_is_better: bool
    label_en: str
    label_ru: str
    description_en: str
    description_ru: str


def _c(name: str, source: Literal["data", "judged"], column: str | None, higher: bool,
       en: str, ru: str, den: str, dru: str) -> Criterion:
    return Criterion(name, source, column, higher, en, ru, den, dru)


CRITERIA: dict[str, Criterion] = {c.name: c for c in (
    _c("revenue", "data", "net_revenue", True, "Revenue", "Выручка",
       "Net revenue in the period (VAT excluded)", "Выручка без НДС за период"),
    _c("contribution", "data", "contribution", True, "Contribution", "Вклад",
       "Client contribution after cost-to-serve and receivables",
       "Вклад клиента после затрат на обслуживание и дебиторки"),
    _c("margin_pct", "data", "margin_pct", True, "Gross margin %", "Валовая маржа, %",
       "Gross margin as a share of net revenue", "Валовая маржа в % от выручки"),
    _c("contribution_pct", "data", "contribution_pct", True, "Contribution %", "Вклад, %",
       "Contribution as a share of net revenue", "Вклад в % от выручки"),
    _c("growth", "data", "growth_pct", True, "Growth", "Рост",
       "Revenue of the last 12 months against the 12 before",
       "Выручка последних 12 месяцев к предыдущим 12"),
    _c("stability", "data", "cv", False, "Stability (XYZ)", "Стабильность (XYZ)",
       "Low variability of monthly revenue (coefficient of variation)",
       "Низкая изменчивость выручки по месяцам (коэффициент вариации)"),
    _c("payment_discipline", "data", "days_late_all", False, "Payment discipline",
       "Платёжная дисциплина",
       "Few days beyond the due date, amount-weighted over all that fell due: paid amounts "
       "by their days late, amounts still unpaid by their days overdue at the period end",
       "Мало дней просрочки, взвешенных по сумме всего, что наступило к оплате: оплаченное — "
       "по дням опоздания, неоплаченное — по дням просрочки на конец периода"),
    _c("tenure", "data", "tenure_days", True, "Tenure", "Длительность отношений",
       "Time between the first and the last order", "Время между первым и последним заказом"),
    _c("contact_coverage", "data", "coverage_score", True, "Contact coverage",
       "Охват контактов", "Contacts, buying roles and our people involved (bow-tie vs diamond)",
       "Контакты, роли закупки и наши сотрудники (бабочка или ромб)"),
    _c("strategic_fit", "judged", None, True, "Strategic fit", "Стратегическое соответствие",
       "Fit with our USP and strategy over 3 years",
       "Соответствие нашему УТП и стратегии на 3 года"),
    _c("reference_value", "judged", None, True, "Reference value", "Референтная ценность",
       "Value as a reference for other clients", "Ценность как референс для других клиентов"),
    _c("potential", "judged", None, True, "Potential", "Потенциал",
       "Potential / share of wallet we could win",
       "Потенциал / доля кошелька, которую можно взять"),
    _c("relationship_stage", "judged", None, True, "Relationship stage", "Стадия отношений",
       "1 exploratory … 10 integrated (McDonald, Millman & Rogers 1997)",
       "1 ознакомительная … 10 интегрированная (McDonald, Millman & Rogers 1997)"),
)}


def judged_criteria(names: list[str] | tuple[str, ...]) -> list[str]:
    """The judged criteria among ``names``."""
    return [n for n in names if n in CRITERIA and CRITERIA[n].source == "judged"]
