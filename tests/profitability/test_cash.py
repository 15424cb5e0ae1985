"""Cash per client (kamlib.profitability.cash) on a hand-computed example.

Period 2024-01-01 … 2024-03-31 (91 days), receivables rate 10 %.

Client A (record a1, contracted terms 30 days):
  INV1 2024-01-10 1,000.00, paid in full 2024-02-20 (41 days; due 02-09: 11 days late);
  INV2 2024-02-15   500.00, 200.00 paid 2024-03-10; due 03-16: 300.00 open, 15 days overdue;
  INV3 2024-03-25   100.00, paid 2024-04-05, after the period end: open (not due) at the end;
  50.00 paid 2024-03-01 naming a document that is no invoice: on account of A.
Client B (record b1, no contracted terms):
  INV4 2024-01-05 250.00, unpaid; the ledger states its due date 2024-01-20 → 71 days past
  due (61–90);
  INV5 2023-12-15 40.00, unpaid, no due date anywhere → default 0 days → 107 days (> 90).
A payment of 70.00 from an unknown client zz is unattached (kept, reported).
"""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.profitability.cash import age_bucket, cash_position


def _example(**kw):
    sales = pd.DataFrame({
        "entity_id": ["A", "A", "A", "A", "B", "B"],
        "client_id": ["a1", "a1", "a1", "a1", "b1", "b1"],
        "document_id": ["INV1", "INV2", "INV2", "INV3", "INV4", "INV5"],
        "date": ["2024-01-10", "2024-02-15", "2024-02-15", "2024-03-25", "2024-01-05",
                 "2023-12-15"],
        "net_revenue": [1000.0, 300.0, 200.0, 100.0, 250.0, 40.0],
        "is_return": [False] * 6})
    # a return line is no invoice
    sales = pd.concat([sales, pd.DataFrame({
        "entity_id": ["A"], "client_id": ["a1"], "document_id": ["RET1"],
        "date": ["2024-02-01"], "net_revenue": [-80.0], "is_return": [True]})])
    payments = pd.DataFrame({
        "client_id": ["a1", "a1", "a1", "a1", "zz", "b1"],
        "document_id": ["INV1", "INV2", "INV3", "X9", "Y1", "INV4"],
        "due_date": [None, None, None, None, None, "2024-01-20"],
        "paid_date": ["2024-02-20", "2024-03-10", "2024-04-05", "2024-03-01", "2024-02-01",
                      None],
        "amount": [1000.0, 200.0, 100.0, 50.0, 70.0, 250.0]})
    clients = pd.DataFrame({"client_id": ["a1", "b1"], "payment_terms_days": [30, None]})
    emap = pd.Series({"a1": "A", "b1": "B"})
    return cash_position(sales, payments, period_end="2024-03-31", period_start="2024-01-01",
                         receivables_rate=0.10, clients=clients, entity_map=emap, **kw)


def test_ageing_buckets_edges() -> None:
    got = age_bucket(pd.Series([-5, 0, 1, 30, 31, 60, 61, 90, 91])).tolist()
    assert got == ["not_due", "not_due", "overdue_1_30", "overdue_1_30", "overdue_31_60",
                   "overdue_31_60", "overdue_61_90", "overdue_61_90", "overdue_over_90"]


def test_positions_ageing_and_identity() -> None:
    r = _example()
    a, b = r.cash.loc["A"], r.cash.loc["B"]
    assert (a["invoiced"], a["paid"], a["open"]) == (1600.0, 1200.0, 400.0)
    assert (a["not_due"], a["overdue_1_30"], a["overdue"]) == (100.0, 300.0, 300.0)
    assert (a["on_account"], a["balance"], a["paid_after_end"]) == (50.0, 350.0, 100.0)
    assert a["overdue_share"] == pytest.approx(0.75)
    assert (b["invoiced"], b["open"], b["overdue_61_90"], b["overdue_over_90"]) == (
        290.0, 290.0, 250.0, 40.0)
    assert b["overdue_share"] == pytest.approx(1.0)
    # money in = money out, per client and in total
    c = r.cash
    assert ((c["invoiced"] * 100).round() == ((c["paid"] + c["open"]) * 100).round()).all()
    parts = c[["not_due", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90",
               "overpaid"]].sum(axis=1)
    assert ((parts * 100).round() == (c["open"] * 100).round()).all()
    assert round(c["invoiced"].sum(), 2) == round(c["paid"].sum() + c["open"].sum(), 2) == 1890.0
    # every payment received by the end is applied, on account or unattached
    unatt = r.unapplied.loc[r.unapplied["reason"] == "unknown_client", "amount"].sum()
    assert round(c["paid"].sum() + c["on_account"].sum() + unatt, 2) == \
        r.meta["payments_by_end"] == 1320.0


def test_terms_vs_actual_and_due_sources() -> None:
    r = _example()
    a, b = r.cash.loc["A"], r.cash.loc["B"]
    assert a["terms_days"] == pytest.approx(30.0)
    assert a["actual_days"] == pytest.approx(46900 / 1300)     # (1000·41 + 200·24 + 100·11)
    assert a["days_late"] == pytest.approx(7900 / 1300)        # (1000·11 − 200·6 − 100·19)
    assert a["terms_gap_days"] == pytest.approx(46900 / 1300 - 30)
    assert b["terms_days"] == pytest.approx(250 * 15 / 290)    # ledger 15 days, default 0
    # over all that fell due: A's 300.00 of INV2 still open 15 days past due counts; B paid
    # nothing (no days late from payments) and owes 250.00 71 days and 40.00 107 days
    assert a["days_late_all"] == pytest.approx((7900 + 300 * 15) / 1600)
    assert b["days_late_all"] == pytest.approx((250 * 71 + 40 * 107) / 290)
    assert pd.isna(b["days_late"])
    assert r.meta["days_late_all"] == pytest.approx((7900 + 4500 + 250 * 71 + 40 * 107) / 1890)
    src = r.invoices.set_index("document_id")["due_source"]
    assert (src["INV1"], src["INV4"], src["INV5"]) == ("contract", "ledger", "default")
    assert r.meta["ledger_open"] == 250.0
    r7 = _example(default_terms_days=7)
    assert r7.invoices.set_index("document_id").at["INV5", "days_past_due"] == 100


def test_monthly_balances() -> None:
    m = _example().monthly.set_index(["entity_id", "month"])["balance"]
    assert [m["A", x] for x in ("2024-01", "2024-02", "2024-03")] == [1000.0, 500.0, 350.0]
    # an invoice before the period start counts from its first month
    assert [m["B", x] for x in ("2024-01", "2024-02", "2024-03")] == [290.0, 290.0, 290.0]


def test_unmatched_payments_are_kept() -> None:
    u = _example().unapplied.set_index("document_id")
    assert u.at["X9", "reason"] == "no_invoice" and u.at["X9", "entity_id"] == "A"
    assert u.at["Y1", "reason"] == "unknown_client" and pd.isna(u.at["Y1", "entity_id"])
    assert u.at["Y1", "amount"] == 70.0


def test_carrying_cost_and_pnl_beside_it() -> None:
    pnl = pd.DataFrame({"cost_of_receivables": [12.0, 1.0]}, index=["A", "B"])
    c = _example(pnl=pnl).cash
    # A: 1000·82 − 1000·41 + 500·46 − 200·22 + 100·7 − 50·31 = 58,750 money-days
    assert c.at["A", "avg_balance"] == round(58750 / 91, 2)
    assert c.at["A", "carrying_cost"] == round(58750 / 365 * 0.10, 2) == 16.10
    # B: 40·91 (from the period start) + 250·87 = 25,390
    assert c.at["B", "carrying_cost"] == round(25390 / 365 * 0.10, 2)
    assert c.at["A", "carrying_difference"] == round(16.10 - 12.0, 2)


def test_no_payments_everything_open() -> None:
    sales = pd.DataFrame({"entity_id": ["A"], "client_id": ["a1"], "document_id": ["D"],
                          "date": ["2024-01-31"], "net_revenue": [10.0],
                          "gross_revenue": [12.0], "is_return": [False]})
    r = cash_position(sales, None, period_end="2024-01-31", receivables_rate=0.1)
    assert r.cash.at["A", "open"] == 12.0 and r.meta["amount_basis"] == "gross"
    assert r.cash.at["A", "not_due"] == 12.0     # due on the invoice date: not yet overdue


# --------------------------------------------------------------------------- demo_ru, step 2


def test_demo_ru_cash_reconciles_and_finds_the_planted_debtors(demo_ru_steps) -> None:
    """On the sample: money in = money out per client and in total, the summary's figures are
    the table's, and the clients the generator made stop paying are > 90 days overdue."""
    import json
    from decimal import Decimal

    w = demo_ru_steps / "work" / "02_profitability"
    cash = pd.read_parquet(w / "cash.parquet").set_index("entity_id")
    s = json.loads((w / "summary.json").read_text("utf-8"))["cash"]
    cents = (cash[["invoiced", "paid", "open"]] * 100).round().astype("int64")
    assert (cents["invoiced"] == cents["paid"] + cents["open"]).all()
    assert Decimal(str(s["invoiced"])) == Decimal(str(s["paid"])) + \
        Decimal(str(cash["open"].sum().round(2)))
    assert s["total_open"] == pytest.approx(sum(s["ageing"].values()), abs=0.005)
    assert s["overdue_share"] == pytest.approx(s["overdue"] / s["total_open"])
    from kamlib.resources import samples_dir

    truth = json.loads((samples_dir() / "demo_ru" / "truth.json").read_text("utf-8"))["cash"]
    ent = pd.read_parquet(demo_ru_steps / "work" / "01_client_base_cleanup" / "entities.parquet")
    planted = set(ent.loc[ent["client_id"].isin(truth["unpaid_codes"]), "entity_id"])
    over90 = set(cash.index[cash["overdue_over_90"] > 0])
    assert planted <= over90
    assert cash.loc[list(planted), "overdue_over_90"].sum() == pytest.approx(
        truth["unpaid_amount"], abs=0.01)
    # the monthly balance at the last month end is the balance at the period end
    m = pd.read_parquet(w / "receivables_monthly.parquet")
    last = m[m["month"] == m["month"].max()].set_index("entity_id")["balance"]
    assert (last.reindex(cash.index).fillna(0) - cash["balance"]).abs().max() < 0.005
    # the P&L's cost of receivables restated with VAT is within 2 % of the carrying cost
    assert s["carrying_cost"] == pytest.approx(s["cost_of_receivables_invoiced_basis"], rel=0.02)


def test_demo_ru_report_has_the_cash_subsection(demo_ru_run) -> None:
    from kamlib.report.build import build_model

    for lang in ("ru", "en"):
        m = build_model(demo_ru_run, lang)
        sec = next(x for x in m.sections if x.key == "cash")
        assert {f.key for f in sec.facts} >= {"cash_open", "cash_overdue", "cash_over_90",
                                              "cash_carrying_cost"}
        assert sec.tables == ["cash_ageing", "cash_overdue"]
        ageing = m.tables["cash_ageing"].data
        assert len(ageing) == 5 and ageing["share"].sum() == pytest.approx(1.0)
        assert m.fmt.money_short(sec.facts[0].value) in sec.lead


def test_days_late_all_does_not_count_an_amount_paid_after_the_end_twice() -> None:
    """INV2's 300.00 open 15 days past due at the end and paid on 2024-04-10 (25 days late)
    counts once, by its payment."""
    sales = pd.DataFrame({"entity_id": ["A"], "client_id": ["a1"], "document_id": ["I"],
                          "date": ["2024-02-15"], "net_revenue": [500.0], "is_return": [False]})
    pays = pd.DataFrame({"client_id": ["a1", "a1"], "document_id": ["I", "I"],
                         "due_date": ["2024-03-16", "2024-03-16"],
                         "paid_date": ["2024-03-10", "2024-04-10"], "amount": [200.0, 300.0]})
    r = cash_position(sales, pays, period_end="2024-03-31", period_start="2024-01-01",
                      receivables_rate=0.1)
    a = r.cash.loc["A"]
    assert a["overdue"] == 300.0
    assert a["days_late_all"] == pytest.approx((200 * -6 + 300 * 25) / 500)
