"""The report's cash subsection: receivables at the period end, their ageing, terms vs actual
days to pay and the cost of carrying them (step 2's ``cash`` summary block and
``cash.parquet``; :mod:`kamlib.profitability.cash`). Read, never recomputed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..profitability.cash import AGE_BUCKETS
from ..steps import step
from .model import Chart, Section, Table

if TYPE_CHECKING:
    from .helpers import _Ctx

__all__ = ["cash_section"]

#: how many clients with overdue receivables the report lists
TOP_OVERDUE = 10


def cash_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    """A short section: one paragraph with the figures, the ageing table, the top overdue
    clients. Empty (a sentence saying why) when step 2 had no invoices to age."""
    from .helpers import _table

    f = ctx.fmt
    c = ctx.art.summaries["02"].get("cash")
    if not c:
        return Section("cash", ctx.t("section.cash"), ctx.t("cash.lead_empty")), {}, {}
    facts = [ctx.fact("cash_open", "02", "cash.total_open", "money"),
             ctx.fact("cash_overdue", "02", "cash.overdue", "money"),
             ctx.fact("cash_over_90", "02", "cash.overdue_over_90", "money"),
             ctx.fact("cash_clients_overdue", "02", "cash.clients_overdue", "int"),
             ctx.fact("cash_carrying_cost", "02", "cash.carrying_cost", "money")]
    if c.get("overdue_share") is not None:
        facts.insert(2, ctx.fact("cash_overdue_share", "02", "cash.overdue_share", "pct"))
    lead = ctx.t("cash.lead", end=c.get("period_end", ""), open=f.money_short(c["total_open"]),
                 overdue=f.money_short(c["overdue"]), share=f.pct(c.get("overdue_share")),
                 over90=f.money_short(c["overdue_over_90"]),
                 clients=f.integer(c["clients_overdue"]))
    bullets = []
    if c.get("actual_days") is not None and c.get("terms_days") is not None:
        bullets.append(ctx.t("cash.terms", actual=f.number(c["actual_days"], 1),
                             terms=f.number(c["terms_days"], 1),
                             gap=f.number(c["terms_gap_days"], 1)))
    bullets.append(ctx.t("cash.carrying", avg=f.money_short(c["avg_balance"]),
                         cost=f.money_short(c["carrying_cost"])))
    if c.get("cost_of_receivables") is not None:
        bullets.append(ctx.t("cash.reconcile", pnl=f.money_short(c["cost_of_receivables"]),
                             vat=f.money_short(c["cost_of_receivables_invoiced_basis"]),
                             diff=f.money_short(c["carrying_difference"])))
    if c.get("unapplied_payments"):
        bullets.append(ctx.t("cash.unapplied", n=f.integer(c["unapplied_payments"]),
                             on_account=f.money(c["on_account"]),
                             unattached=f.money(c["unattached"])))
    default = (c.get("due_sources") or {}).get("default")
    if default:
        bullets.append(ctx.t("cash.default_terms", n=f.integer(default),
                             days=f.integer(c["default_terms_days"])))
    tables: dict[str, Table] = {}
    total = float(c["total_open"]) or None
    ageing = pd.DataFrame({"bucket": [ctx.t(f"cash_bucket.{b}") for b in AGE_BUCKETS],
                           "amount": [float(c["ageing"][b]) for b in AGE_BUCKETS]})
    ageing["share"] = ageing["amount"] / total if total else None
    tables["cash_ageing"] = _table(ctx, "cash_ageing", ageing,
                                   [("bucket", "text"), ("amount", "money"), ("share", "pct")],
                                   "02_profitability/summary.json#cash.ageing", preview=5)
    path = Path(ctx.art.root) / "work" / step("02").folder / step("02").artefact("cash").file
    if path.exists():
        t = pd.read_parquet(path)
        t = t[t["overdue"] > 0].sort_values("overdue", ascending=False, kind="mergesort")
        tables["cash_overdue"] = _table(ctx, "cash_overdue", t.head(TOP_OVERDUE), [
            ("entity_id", "text"), ("entity_name", "text"), ("open", "money"),
            ("overdue", "money"), ("overdue_over_90", "money"), ("overdue_share", "pct"),
            ("terms_days", "number"), ("actual_days", "number"), ("days_late", "number")],
            "02_profitability/cash.parquet", preview=TOP_OVERDUE)
    section = Section("cash", ctx.t("section.cash"), lead, facts, bullets,
                      tables=list(tables))
    return section, tables, {}
