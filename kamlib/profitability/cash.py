"""Cash per client: receivables over time, overdue ageing, terms vs actual, cost of carrying.

From the canonical sales (invoices), payments and the catalogue's contracted terms
(see ``docs/cash.md``):

- an **invoice** is a sales document without return lines; its amount is what the client
  owes: the lines' ``gross_revenue`` (VAT included) where known, else ``net_revenue``;
- its **due date** = invoice date + the contracted terms of its client record
  (``clients.payment_terms_days``); else the due date the payments ledger states for it;
  else ``default_terms_days`` (0: due on the invoice date). ``due_source`` says which;
- a **payment** (a ledger row with a paid date) is applied to the invoice it names; one whose
  document is not an invoice but whose client is known is money **on account** of that client;
  one whose client is unknown too is **unattached**. Neither is dropped: both are listed in
  :attr:`CashTables.unapplied` with their money and a reason;
- the **balance** at a date = invoiced − paid up to that date (on-account money included);
  the overdue **ageing** at the period end buckets each invoice's open amount by days past
  due (not due, 1–30, 31–60, 61–90, > 90; the debtor ageing of credit-control practice);
- **days to pay** = amount-weighted (paid date − invoice date) over applied payments
  (Days Sales Outstanding on paid invoices), against the amount-weighted contracted terms;
- **cost of carrying** = average daily balance over the period × the annual receivables
  rate × period length in years = Σ amount × days outstanding in the period ÷ 365 × rate.

Every amount is summed in exact minor units (integers), so per client and in total
``invoiced = paid + open`` and ``open = not_due + overdue buckets + overpaid`` hold to the
kopeck.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["AGE_BUCKETS", "CashTables", "age_bucket", "cash_figures", "cash_position",
           "invoices"]

#: the overdue ageing buckets (days past due at the period end), in order
AGE_BUCKETS = ("not_due", "overdue_1_30", "overdue_31_60", "overdue_61_90", "overdue_over_90")


def age_bucket(days_past_due: pd.Series) -> pd.Series:
    """The ageing bucket of each number of days past due (≤ 0: ``not_due``)."""
    d = days_past_due.astype(float)
    out = pd.Series("overdue_over_90", index=d.index, dtype=object)
    out[d <= 90] = "overdue_61_90"
    out[d <= 60] = "overdue_31_60"
    out[d <= 30] = "overdue_1_30"
    out[d <= 0] = "not_due"
    return out


def _kop(x: pd.Series) -> pd.Series:
    return (x.astype(float) * 100).round().astype("int64")


def _money(k: pd.Series | float) -> pd.Series | float:
    return k / 100 if isinstance(k, pd.Series) else float(k) / 100


@dataclass(frozen=True)
class CashTables:
    """The cash analysis' tables.

    Attributes
    ----------
    cash : pandas.DataFrame
        One row per entity (index ``entity_id``): ``invoices`` (count), ``invoiced``,
        ``paid`` (applied by the period end), ``open`` (= invoiced − paid), the ageing
        buckets :data:`AGE_BUCKETS` and ``overpaid`` (≤ 0; their sum is ``open``),
        ``overdue`` (sum of the overdue buckets), ``overdue_share`` (of the positive open
        amount), ``on_account`` (payments not attached to an invoice), ``balance`` (open −
        on account), ``paid_after_end`` (open at the end, paid later), ``terms_days``,
        ``actual_days``, ``terms_gap_days`` (actual − terms), ``days_late`` (paid − due),
        ``days_late_all`` (the same over all that fell due: the amounts open past due at the
        end and unpaid since counted by their days past due),
        ``avg_balance`` (daily average over the period), ``carrying_cost``,
        ``cost_of_receivables`` and ``carrying_difference`` (when the P&L is given).
        Money columns in the currency, to the minor unit.
    monthly : pandas.DataFrame
        Long: ``entity_id, month`` (``YYYY-MM``), ``invoiced``, ``paid`` (in the month),
        ``balance`` (at the month end).
    invoices : pandas.DataFrame
        One row per invoice: ``document_id, entity_id, client_id, date, amount, terms_days,
        due_date, due_source, paid, open, days_past_due, bucket``.
    unapplied : pandas.DataFrame
        Payments not applied to an invoice: ``client_id, entity_id, document_id, paid_date,
        amount, reason`` (``no_invoice``: on account of a known client; ``unknown_client``:
        unattached).
    meta : dict
        ``start``, ``end``, ``days``, ``amount_basis`` (gross / net), ``default_terms_days``,
        ``ledger_open`` (amount the ledger lists without a paid date), ``payments_total``.
    """

    cash: pd.DataFrame
    monthly: pd.DataFrame
    invoices: pd.DataFrame
    unapplied: pd.DataFrame
    meta: dict[str, Any]


def invoices(sales: pd.DataFrame, *, entity: str = "entity_id") -> tuple[pd.DataFrame, str]:
    """One row per sales document without returns: ``document_id, entity_id, client_id,
    date, amount_k`` (minor units) and the basis of the amount (``gross`` or ``net``)."""
    s = sales[~sales["is_return"].fillna(False).astype(bool)] if "is_return" in sales.columns \
        else sales[sales["net_revenue"] >= 0]
    basis = "net"
    amt = s["net_revenue"]
    if "gross_revenue" in s.columns and s["gross_revenue"].notna().any():
        amt = s["gross_revenue"].fillna(s["net_revenue"])
        basis = "gross"
    f = pd.DataFrame({"document_id": s["document_id"].astype(str), entity: s[entity].astype(str),
                      "client_id": s["client_id"].astype(str) if "client_id" in s.columns
                      else s[entity].astype(str),
                      "date": pd.to_datetime(s["date"]), "amount_k": _kop(amt)})
    inv = f.groupby("document_id", sort=False).agg(
        entity_id=(entity, "first"), client_id=("client_id", "first"), date=("date", "min"),
        amount_k=("amount_k", "sum")).reset_index()
    return inv, basis


def _terms(inv: pd.DataFrame, clients: pd.DataFrame | None, ledger_due: pd.Series,
           default_terms_days: int) -> None:
    """Contracted terms and due date of each invoice, with their source (in place)."""
    t = pd.Series(np.nan, index=inv.index)
    if clients is not None and "payment_terms_days" in clients.columns:
        by_rec = (clients.assign(client_id=clients["client_id"].astype(str))
                  .drop_duplicates("client_id").set_index("client_id")["payment_terms_days"])
        t = inv["client_id"].map(by_rec).astype(float)
        ent_mean = t.groupby(inv["entity_id"]).transform("mean")
        t = t.fillna(ent_mean)
    src = pd.Series("contract", index=inv.index, dtype=object).where(t.notna(), None)
    due = inv["date"] + pd.to_timedelta(t, unit="D")
    led = (pd.to_datetime(inv["document_id"].map(ledger_due)) if len(ledger_due)
           else pd.Series(pd.NaT, index=inv.index, dtype="datetime64[ns]"))
    use_led = due.isna() & led.notna()
    due[use_led] = led[use_led]
    src[use_led] = "ledger"
    t[use_led] = (led[use_led] - inv["date"][use_led]).dt.days
    rest = due.isna()
    due[rest] = inv["date"][rest] + pd.Timedelta(days=default_terms_days)
    t[rest] = float(default_terms_days)
    src[rest] = "default"
    inv["terms_days"], inv["due_date"], inv["due_source"] = t, due, src


def cash_position(sales: pd.DataFrame, payments: pd.DataFrame | None, *,
                  period_end: str | pd.Timestamp, receivables_rate: float,
                  clients: pd.DataFrame | None = None,
                  entity_map: pd.Series | None = None,
                  period_start: str | pd.Timestamp | None = None,
                  default_terms_days: int = 0,
                  pnl: pd.DataFrame | None = None,
                  names: pd.Series | None = None,
                  entity: str = "entity_id") -> CashTables:
    """Receivables per client over the period, the ageing at its end, terms vs actual days to
    pay and the cost of carrying.

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines with ``entity``, ``client_id``, ``document_id``, ``date``,
        ``net_revenue``, ``is_return`` and, when known, ``gross_revenue``.
    payments : pandas.DataFrame or None
        The payments ledger (``client_id``, ``document_id``, ``due_date``, ``paid_date``,
        ``amount``). None: nothing is paid (every invoice is open).
    period_end : date
        The end of the audit period (the ageing date).
    receivables_rate : float
        Annual cost of money (``profitability.receivables_rate``).
    clients : pandas.DataFrame, optional
        The catalogue: ``client_id``, ``payment_terms_days``.
    entity_map : pandas.Series, optional
        client_id → entity, to attach payments that name no invoice.
    period_start : date, optional
        Start of the period (default: the first invoice's month).
    default_terms_days : int
        Terms of an invoice whose client has no contracted terms and whose due date the
        ledger does not state (0: due on the invoice date).
    pnl : pandas.DataFrame, optional
        Step 2's P&L (index entity): its ``cost_of_receivables`` is put beside the carrying
        cost.
    names : pandas.Series, optional
        entity → display name.

    Returns
    -------
    CashTables
    """
    end = pd.Timestamp(period_end).normalize()
    inv, basis = invoices(sales, entity=entity)
    start = (pd.Timestamp(period_start).normalize() if period_start is not None
             else inv["date"].min().to_period("M").to_timestamp())
    days = int((end - start).days) + 1
    if payments is None or len(payments) == 0:
        payments = pd.DataFrame({c: pd.Series(dtype=object) for c in
                                 ("client_id", "document_id", "due_date", "paid_date")}
                                | {"amount": pd.Series(dtype=float)})
    p = pd.DataFrame({"client_id": payments["client_id"].astype(str),
                      "document_id": payments["document_id"].astype(str)
                      if "document_id" in payments.columns else None,
                      "due_date": pd.to_datetime(payments["due_date"])
                      if "due_date" in payments.columns else pd.NaT,
                      "paid_date": pd.to_datetime(payments["paid_date"])
                      if "paid_date" in payments.columns else pd.NaT,
                      "amount_k": _kop(payments["amount"].fillna(0.0))})
    p = p[p["amount_k"] != 0]
    ledger_due = p.dropna(subset=["due_date"]).drop_duplicates("document_id") \
        .set_index("document_id")["due_date"]
    _terms(inv, clients, ledger_due, default_terms_days)
    ledger_open_k = int(p.loc[p["paid_date"].isna(), "amount_k"].sum())
    paid_rows = p.dropna(subset=["paid_date"]).copy()
    doc_entity = inv.set_index("document_id")["entity_id"]
    paid_rows["entity_id"] = paid_rows["document_id"].map(doc_entity)
    applied = paid_rows[paid_rows["entity_id"].notna()]
    rest = paid_rows[paid_rows["entity_id"].isna()].copy()
    emap = entity_map.astype(str) if entity_map is not None else pd.Series(dtype=object)
    rest["entity_id"] = rest["client_id"].map(emap)
    if entity_map is None:   # no map: a client code that is an entity of the sales counts
        known = set(inv["entity_id"])
        rest["entity_id"] = rest["client_id"].where(rest["client_id"].isin(known))
    rest["reason"] = np.where(rest["entity_id"].notna(), "no_invoice", "unknown_client")
    on_acc = rest[rest["entity_id"].notna()]
    # what each invoice had received by the period end
    by_end = applied[applied["paid_date"] <= end]
    paid_k = by_end.groupby("document_id")["amount_k"].sum()
    inv["paid_k"] = inv["document_id"].map(paid_k).fillna(0).astype("int64")
    inv["open_k"] = inv["amount_k"] - inv["paid_k"]
    inv["days_past_due"] = (end - inv["due_date"]).dt.days
    inv["bucket"] = age_bucket(inv["days_past_due"]).where(inv["open_k"] > 0, "overpaid")
    inv.loc[inv["open_k"] == 0, "bucket"] = "settled"
    after = applied[applied["paid_date"] > end].groupby("document_id")["amount_k"].sum()
    inv["paid_after_k"] = inv["document_id"].map(after).fillna(0).astype("int64")
    # per entity, in minor units
    g = inv.groupby("entity_id")
    k = pd.DataFrame({"invoices": g.size(), "invoiced": g["amount_k"].sum(),
                      "paid": g["paid_k"].sum(), "open": g["open_k"].sum(),
                      "paid_after_end": g["paid_after_k"].sum()})
    ageing = inv.pivot_table(index="entity_id", columns="bucket", values="open_k",
                             aggfunc="sum", fill_value=0)
    for b in (*AGE_BUCKETS, "overpaid"):
        k[b] = ageing[b].reindex(k.index).fillna(0).astype("int64") if b in ageing.columns \
            else 0
    oa = on_acc[on_acc["paid_date"] <= end].groupby("entity_id")["amount_k"].sum()
    k = k.reindex(k.index.union(oa.index), fill_value=0)
    k["on_account"] = oa.reindex(k.index).fillna(0).astype("int64")
    k["balance"] = k["open"] - k["on_account"]
    k["overdue"] = k[list(AGE_BUCKETS[1:])].sum(axis=1)
    # the daily balance's integral over the period: each event weighs its days to the end
    ev = pd.concat([
        pd.DataFrame({"entity_id": inv["entity_id"], "date": inv["date"], "k": inv["amount_k"]}),
        pd.DataFrame({"entity_id": applied["entity_id"], "date": applied["paid_date"],
                      "k": -applied["amount_k"]}),
        pd.DataFrame({"entity_id": on_acc["entity_id"], "date": on_acc["paid_date"],
                      "k": -on_acc["amount_k"]})], ignore_index=True)
    ev = ev[ev["date"] <= end]
    weight = (end - ev["date"].clip(lower=start)).dt.days + 1
    kd = (ev["k"].astype(float) * weight).groupby(ev["entity_id"]).sum()
    kd = kd.reindex(k.index).fillna(0.0)
    out = pd.DataFrame(index=k.index)
    out["invoices"] = k["invoices"].astype("int64")
    for c in ("invoiced", "paid", "open", *AGE_BUCKETS, "overpaid", "overdue", "on_account",
              "balance", "paid_after_end"):
        out[c] = _money(k[c].astype("int64"))
    pos = (k["open"] - k["overpaid"]).where(lambda x: x > 0)
    out["overdue_share"] = k["overdue"] / pos
    # terms vs actual, amount-weighted
    w = inv.groupby("entity_id")
    out["terms_days"] = (inv["terms_days"] * inv["amount_k"]).groupby(inv["entity_id"]).sum() \
        / w["amount_k"].sum().where(lambda x: x != 0)
    a = applied.drop(columns=["due_date"]).merge(inv[["document_id", "date", "due_date"]],
                                                 on="document_id", how="left")
    wa = a["amount_k"].astype(float)
    dpay = (a["paid_date"] - a["date"]).dt.days
    dlate = (a["paid_date"] - a["due_date"]).dt.days
    sw = wa.groupby(a["entity_id"]).sum().where(lambda x: x != 0)
    out["actual_days"] = (dpay * wa).groupby(a["entity_id"]).sum() / sw
    out["terms_gap_days"] = out["actual_days"] - out["terms_days"]
    out["days_late"] = (dlate * wa).groupby(a["entity_id"]).sum() / sw
    out["days_late_all"] = _late_with_open(inv, a["entity_id"], dlate, wa).reindex(out.index)
    out["avg_balance"] = (kd / days / 100).round(2)
    out["carrying_cost"] = (kd / 100 / 365 * receivables_rate).round(2)
    if pnl is not None and "cost_of_receivables" in pnl.columns:
        out["cost_of_receivables"] = pnl["cost_of_receivables"].reindex(out.index).fillna(0.0)
        out["carrying_difference"] = (out["carrying_cost"] - out["cost_of_receivables"]).round(2)
    if names is not None:
        out.insert(0, "entity_name", names.reindex(out.index))
    out.index.name = "entity_id"
    out = out.sort_values(["overdue", "open"], ascending=False, kind="mergesort")
    monthly = _monthly(inv, applied, on_acc, start, end)
    unapplied = pd.DataFrame({"client_id": rest["client_id"], "entity_id": rest["entity_id"],
                              "document_id": rest["document_id"],
                              "paid_date": rest["paid_date"].dt.date.astype(str),
                              "amount": _money(rest["amount_k"]),
                              "reason": rest["reason"]}).reset_index(drop=True)
    inv_out = inv.assign(amount=_money(inv["amount_k"]), paid=_money(inv["paid_k"]),
                         open=_money(inv["open_k"])).drop(
        columns=["amount_k", "paid_k", "open_k", "paid_after_k"])
    sales_net = float(sales.loc[~sales["is_return"].fillna(False).astype(bool), "net_revenue"]
                      .sum()) if "is_return" in sales.columns else float(
        sales["net_revenue"].clip(lower=0).sum())
    meta = {"sales_net": round(sales_net, 2), "start": start.date().isoformat(),
            "end": end.date().isoformat(), "days": days,
            "amount_basis": basis, "default_terms_days": default_terms_days,
            "ledger_open": ledger_open_k / 100,
            "payments_total": int(paid_rows["amount_k"].sum()) / 100,
            "terms_days": _wavg(inv["terms_days"], inv["amount_k"]),
            "actual_days": _wavg(dpay, wa), "days_late": _wavg(dlate, wa),
            "days_late_all": _none_if_nan(_late_with_open(inv, a["entity_id"], dlate, wa,
                                                          total=True).get("all")),
            "payments_by_end": int(paid_rows.loc[paid_rows["paid_date"] <= end,
                                                 "amount_k"].sum()) / 100}
    return CashTables(out, monthly, inv_out, unapplied, meta)


def _late_with_open(inv: pd.DataFrame, paid_by: pd.Series, dlate: pd.Series,
                    paid: pd.Series, *, total: bool = False) -> pd.Series:
    """Days late of all that fell due by the period end, amount-weighted, per entity (one
    figure under ``"all"`` when ``total``): each applied payment (its entity ``paid_by``) by
    its days after the due date, and each amount open past its due date at the end and not
    paid since by its days past due at the end, a lower bound of how late it will be paid.

    Payments alone hide the worst payer: a client that paid two small invoices on time and
    owes the rest for months scored as the most disciplined. (Average days beyond terms over
    the paid and the open ledger, as credit control measures it; e.g. CIMA, *Working capital
    management*.)"""
    # what is open past due at the end and still unpaid after it (a payment after the end is
    # among the payments, with the days it was really late: not counted twice)
    unpaid = (inv["open_k"] - inv["paid_after_k"]).clip(lower=0)
    over = inv[(unpaid > 0) & (inv["days_past_due"] > 0)]
    by_paid = pd.Series("all", index=paid_by.index) if total else paid_by
    by_open = pd.Series("all", index=over.index) if total else over["entity_id"]
    w = paid.astype(float).where(dlate.notna(), 0.0)
    o = unpaid[over.index].astype(float)
    num = (dlate.fillna(0) * w).groupby(by_paid).sum().add(
        (over["days_past_due"] * o).groupby(by_open).sum(), fill_value=0.0)
    den = w.groupby(by_paid).sum().add(o.groupby(by_open).sum(), fill_value=0.0)
    return num / den.where(den > 0)


def _none_if_nan(x: float | None) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _wavg(x: pd.Series, w: pd.Series) -> float | None:
    w = w.astype(float).where(x.notna(), 0.0)
    return float((x.fillna(0) * w).sum() / w.sum()) if w.sum() else None


def _monthly(inv: pd.DataFrame, applied: pd.DataFrame, on_acc: pd.DataFrame,
             start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Invoiced, paid and the balance at each month end, per entity (minor units summed)."""
    months = pd.period_range(start.to_period("M"), end.to_period("M"), freq="M")
    first = months[0]

    def by_month(ent: pd.Series, date: pd.Series, k: pd.Series) -> pd.DataFrame:
        keep = date <= end
        m = date[keep].dt.to_period("M").where(lambda x: x >= first, first)
        return (pd.DataFrame({"entity_id": ent[keep], "month": m, "k": k[keep]})
                .groupby(["entity_id", "month"])["k"].sum().unstack(fill_value=0)
                .reindex(columns=months, fill_value=0))

    i = by_month(inv["entity_id"], inv["date"], inv["amount_k"])
    p = by_month(pd.concat([applied["entity_id"], on_acc["entity_id"]]),
                 pd.concat([applied["paid_date"], on_acc["paid_date"]]),
                 pd.concat([applied["amount_k"], on_acc["amount_k"]]))
    idx = i.index.union(p.index)
    i = i.reindex(idx, fill_value=0)
    p = p.reindex(idx, fill_value=0)
    bal = i.cumsum(axis=1) - p.cumsum(axis=1)
    long = pd.DataFrame({
        "entity_id": np.repeat(idx.to_numpy(), len(months)),
        "month": np.tile(months.astype(str).to_numpy(), len(idx)),
        "invoiced": i.to_numpy().ravel() / 100, "paid": p.to_numpy().ravel() / 100,
        "balance": bal.to_numpy().ravel() / 100})
    return long


def cash_figures(t: CashTables, *, top: int = 10) -> dict[str, Any]:
    """Step 2's ``cash`` summary block from :func:`cash_position`'s tables (money to the
    minor unit; the P&L's cost of receivables restated on the invoiced basis, VAT included,
    so that what remains of the difference is timing: see ``docs/cash.md``)."""
    c = t.cash

    def m(col: str) -> float:
        return round(float(c[col].sum()), 2) if col in c.columns else 0.0

    total_open = round(sum(m(b) for b in AGE_BUCKETS), 2)
    overdue = m("overdue")
    u = t.unapplied
    unattached = round(float(u.loc[u["reason"] == "unknown_client", "amount"].sum()), 2)
    cor = m("cost_of_receivables") if "cost_of_receivables" in c.columns else None
    # the P&L costs net revenue (without VAT); the balance is what the client owes, VAT in
    net_ratio = None
    if cor is not None and "sales_net" in t.meta:
        net_ratio = m("invoiced") / t.meta["sales_net"] if t.meta["sales_net"] else None
    over = c[c["overdue"] > 0].sort_values("overdue", ascending=False, kind="mergesort")
    return {
        "invoiced": m("invoiced"), "paid": m("paid"), "total_open": total_open,
        "balance": m("balance"), "overdue": overdue,
        "overdue_share": overdue / total_open if total_open > 0 else None,
        "overdue_over_90": m("overdue_over_90"),
        "ageing": {b: m(b) for b in AGE_BUCKETS},
        "clients_open": int((c["open"] > 0).sum()),
        "clients_overdue": int((c["overdue"] > 0).sum()),
        "terms_days": t.meta.get("terms_days"), "actual_days": t.meta.get("actual_days"),
        "terms_gap_days": (t.meta["actual_days"] - t.meta["terms_days"]
                           if t.meta.get("actual_days") is not None
                           and t.meta.get("terms_days") is not None else None),
        "days_late": t.meta.get("days_late"),
        "avg_balance": m("avg_balance"), "carrying_cost": m("carrying_cost"),
        "cost_of_receivables": cor,
        "cost_of_receivables_invoiced_basis": (round(cor * net_ratio, 2)
                                               if cor is not None and net_ratio else None),
        "carrying_difference": (round(m("carrying_cost") - cor, 2) if cor is not None
                                else None),
        "on_account": m("on_account"), "unattached": unattached,
        "unapplied_payments": len(u), "ledger_open": round(t.meta["ledger_open"], 2),
        "default_terms_days": float(t.meta["default_terms_days"]),
        "amount_basis": t.meta["amount_basis"], "period_start": t.meta["start"],
        "period_end": t.meta["end"],
        "due_sources": {k: int(v) for k, v in
                        t.invoices["due_source"].value_counts().items()},
        "top_overdue": [{"entity_id": str(i), "name": r.get("entity_name"), "open": r["open"],
                         "overdue": r["overdue"], "overdue_over_90": r["overdue_over_90"],
                         "overdue_share": (None if pd.isna(r["overdue_share"])
                                           else min(float(r["overdue_share"]), 1.0)),
                         "days_late": None if pd.isna(r["days_late"]) else float(r["days_late"])}
                        for i, r in over.head(top).iterrows()],
    }
