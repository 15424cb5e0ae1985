"""The client P&L: what each client really earns after discounts, returns, cost-to-serve and
payment terms (METHODS.md §2).

Pocket-margin waterfall (Marn & Rosiello 1992; customer profitability after Kaplan &
Narayanan 2001): list revenue − on-invoice discounts = sales (net of VAT) − returns = net
revenue − COGS = gross margin − cost-to-serve (activity-based) − cost of receivables =
client contribution.

The line-level work (millions of sales lines) is one polars aggregation; everything after it
is per client and small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from ..costdrivers import DRIVERS
from ..i18n import load_strings
from ..sums import MONEY_DECIMAL, exact_sum

__all__ = [
    "DRIVERS",
    "CostModel",
    "activity_driver",
    "client_pnl",
    "group_pnl",
    "monthly_revenue",
]

_ACTIVITY_PATTERNS = {
    "delivery": r"доставк|отгрузк|рейс|deliver|shipment|drop",
    "visit": r"визит|встреч|посещ|visit|meeting",
    "service_hour": r"сервис|монтаж|выезд|настрой|обслуж|service|install|support|hour|час",
    "call": r"звон|call|phone",
}
MONEY = ("list_revenue", "discount", "sales_net", "returns", "net_revenue", "cogs",
         "gross_margin", "off_invoice", "cost_to_serve", "cost_of_receivables", "contribution")


def allocate_minor_units(pool: float, weights: pd.Series) -> pd.Series:
    """``pool`` spread over ``weights`` in kopecks, by largest remainders (Hamilton): the
    shares add up to the pool exactly, each within one kopeck of its exact share."""
    cents = round(pool * 100)
    w = weights.clip(lower=0).astype(float)
    total = float(w.sum())
    if total <= 0:
        return pd.Series(0.0, index=weights.index)
    exact = w / total * cents
    base = np.floor(exact)
    short = int(cents - base.sum())
    if short > 0:
        order = (exact - base).sort_values(ascending=False, kind="mergesort").index[:short]
        base.loc[order] += 1
    return base / 100


def activity_driver(name: str | None) -> str | None:
    """The cost driver an activity name stands for (ru/en), or None if not recognised."""
    if not name:
        return None
    low = str(name).casefold()
    for driver, pattern in _ACTIVITY_PATTERNS.items():
        if re.search(pattern, low):
            return driver
    return None


@dataclass(frozen=True)
class CostModel:
    """How cost-to-serve and the cost of receivables are computed.

    Attributes
    ----------
    rates : mapping
        Cost per driver unit (currency): order (a document), line, return (a return line),
        delivery, visit, service_hour, call. 0 or absent = not costed by a rate.
    pools : mapping
        Annual cost pools allocated by a driver's share: ``{"delivery": 12e6}`` spreads 12M
        over clients in proportion to their deliveries. A pool may name any driver.
    avoidable : tuple of str
        Drivers whose cost goes away with the client; the rest is stranded.
    receivables_rate : float
        Annual cost of money: cost of receivables = net revenue × days / 365 × rate.
    """

    rates: Mapping[str, float]
    pools: Mapping[str, float]
    avoidable: tuple[str, ...] = ("delivery", "return", "visit")
    receivables_rate: float = 0.16

    @classmethod
    def from_params(cls, params: object) -> CostModel:
        """From ``engagement.yaml``'s ``profitability`` section."""
        return cls(dict(params.cost_rates), dict(params.cost_pools),  # type: ignore[attr-defined]
                   tuple(params.avoidable), params.receivables_rate)  # type: ignore[attr-defined]

    def scaled(self, factor: float, drivers: tuple[str, ...] | None = None) -> CostModel:
        """The same model with rates and pools of ``drivers`` (default all) × factor."""
        drivers = drivers or tuple(set(self.rates) | set(self.pools))
        return CostModel({k: v * factor if k in drivers else v for k, v in self.rates.items()},
                         {k: v * factor if k in drivers else v for k, v in self.pools.items()},
                         self.avoidable, self.receivables_rate)


def _to_polars(df: pd.DataFrame | pl.DataFrame) -> pl.DataFrame:
    return df if isinstance(df, pl.DataFrame) else pl.from_pandas(df)


def _line_aggregates(sales: pl.DataFrame, entity: str) -> pl.DataFrame:
    """One pass over the sales lines: money, counts and dates per entity."""
    cols = set(sales.columns)
    ret = pl.col("is_return") if "is_return" in cols else pl.col("net_revenue") < 0
    # discounts as exported may include VAT: bring them to the net-of-VAT basis of the line
    if "discount" in cols:
        disc = pl.col("discount").fill_null(0.0)
        if "gross_revenue" in cols:
            ratio = pl.when(pl.col("gross_revenue") != 0).then(
                pl.col("net_revenue") / pl.col("gross_revenue")).otherwise(1.0)
            disc = disc * ratio
    else:
        disc = pl.lit(0.0)
    has_list = "list_revenue" in cols and sales["list_revenue"].null_count() < sales.height
    lst = pl.col("list_revenue").fill_null(0.0) if has_list else pl.lit(None, dtype=pl.Float64)
    cogs = pl.col("cogs").fill_null(0.0) if "cogs" in cols else pl.lit(0.0)
    month = pl.col("date").dt.truncate("1mo")
    # the sales aggregates take `when(sale).then(x)` (null on a return line, skipped by sum,
    # min, max) rather than `x.filter(sale)`: the same figures without gathering each group's
    # lines once per aggregate (1.45x faster on 10,000,000 lines, bench/pnl.py); a null id or
    # date on a sale line still counts once among the distinct values, as `filter` counted it
    sale = ~pl.col("_ret")

    def of_sales(e: pl.Expr) -> pl.Expr:
        return pl.when(sale).then(e)

    def distinct_on_sales(e: pl.Expr) -> pl.Expr:
        return of_sales(e).drop_nulls().n_unique() + (sale & e.is_null()).any().cast(pl.UInt32)

    return (
        sales.lazy()
        .with_columns(_ret=ret.fill_null(False), _disc=disc, _list=lst, _cogs=cogs)
        .group_by(entity)
        .agg(
            lines=pl.len(),
            return_lines=pl.col("_ret").sum(),
            orders=distinct_on_sales(pl.col("document_id")),
            # sales and returns added exactly (exact_sum), net revenue = their exact sum
            _sales=of_sales(pl.col("net_revenue")).cast(MONEY_DECIMAL, strict=True).sum(),
            _returns=pl.when(pl.col("_ret")).then(pl.col("net_revenue"))
            .cast(MONEY_DECIMAL, strict=True).sum(),
            discount=exact_sum(of_sales(pl.col("_disc"))),
            list_given=exact_sum(of_sales(pl.col("_list"))) if has_list else pl.lit(0.0),
            cogs=exact_sum(pl.col("_cogs")),
            first_order=of_sales(pl.col("date")).min(),
            last_order=of_sales(pl.col("date")).max(),
            months_active=distinct_on_sales(month),
        )
        .with_columns(sales_net=pl.col("_sales").cast(pl.Float64),
                      returns=-pl.col("_returns").cast(pl.Float64),
                      net_revenue=(pl.col("_sales") + pl.col("_returns")).cast(pl.Float64))
        .select(entity, "lines", "return_lines", "orders", "sales_net", "returns", "net_revenue",
                "discount", "list_given", "cogs", "first_order", "last_order", "months_active")
        .collect()
    )


def _activity_units(activities: pl.DataFrame | None, entity: str) -> tuple[pl.DataFrame, list[str]]:
    """Driver units (and actual costs) per entity from the activities table."""
    if activities is None or activities.height == 0:
        return pl.DataFrame(schema={entity: pl.String}), []
    names = activities["activity"].unique().to_list()
    mapping = {n: activity_driver(n) for n in names}
    unmapped = sorted(str(n) for n, d in mapping.items() if d is None)
    act = activities.with_columns(
        _driver=pl.col("activity").replace_strict(mapping, default=None, return_dtype=pl.String),
        _cost=pl.col("cost").fill_null(0.0) if "cost" in activities.columns else pl.lit(0.0),
    ).filter(pl.col("_driver").is_not_null())
    quantity = pl.col("quantity")   # counts stay integers; hours and the like added exactly
    per = act.group_by(entity, "_driver").agg(
        quantity=quantity.sum() if act.schema["quantity"].is_integer() else exact_sum(quantity),
        _cost=exact_sum(pl.col("_cost")))
    units = per.pivot(on="_driver", index=entity, values="quantity", aggregate_function="first")
    costs = per.pivot(on="_driver", index=entity, values="_cost", aggregate_function="first")
    costs = costs.rename({c: f"actual_{c}" for c in costs.columns if c != entity})
    return units.join(costs, on=entity, how="full", coalesce=True), unmapped


def _receivable_days(payments: pl.DataFrame | None, sales: pl.DataFrame, entity: str
                     ) -> pl.DataFrame:
    """Actual days to pay per entity: amount-weighted (paid date − invoice date)."""
    if payments is None or payments.height == 0 or "paid_date" not in payments.columns:
        return pl.DataFrame(schema={entity: pl.String, "dso_days": pl.Float64,
                                    "days_late": pl.Float64})
    inv = sales.group_by("document_id").agg(pl.col("date").min().alias("_inv"))
    p = payments.join(inv, on="document_id", how="left") if "document_id" in payments.columns \
        else payments.with_columns(_inv=pl.lit(None, dtype=pl.Date))
    p = p.filter(pl.col("paid_date").is_not_null() & (pl.col("amount") > 0))
    due = pl.col("due_date") if "due_date" in p.columns else pl.lit(None, dtype=pl.Date)
    days = (pl.col("paid_date") - pl.col("_inv")).dt.total_days()
    late = (pl.col("paid_date") - due).dt.total_days()
    w = pl.col("amount")
    return p.group_by(entity).agg(
        dso_days=(days * w).sum() / w.filter(days.is_not_null()).sum(),
        days_late=(late * w).sum() / w.filter(late.is_not_null()).sum(),
    )


def _ratio(num: pd.Series, den: pd.Series) -> np.ndarray:
    """``num / den``, NaN where ``den`` is 0 or missing (a ratio of nothing is not measured)."""
    d = den.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d != 0, num.to_numpy(dtype=float, na_value=np.nan) / d, np.nan)


def client_pnl(
    sales: pd.DataFrame | pl.DataFrame,
    *,
    costs: CostModel,
    activities: pd.DataFrame | pl.DataFrame | None = None,
    payments: pd.DataFrame | pl.DataFrame | None = None,
    clients: pd.DataFrame | None = None,
    entity: str = "entity_id",
    entity_map: pd.Series | None = None,
    names: pd.Series | None = None,
    sales_level: str = "line",
    exact: Mapping[str, float] | None = None,
    off_invoice: pd.DataFrame | None = None,
    lang: str = "en",
) -> tuple[pd.DataFrame, list[str]]:
    """The client P&L, one row per entity, every waterfall step a column.

    Parameters
    ----------
    sales : DataFrame
        Sales lines with ``entity`` (step 1), date, document_id, net_revenue, is_return and,
        when given, cogs, discount, gross_revenue, list_revenue.
    costs : CostModel
        Rates, pools, avoidable drivers, receivables rate.
    activities, payments : DataFrame, optional
        Cost-to-serve drivers and payments (with client_id; ``entity_map`` maps client_id
        to entity). Missing tables narrow the analysis; nothing is invented.
    clients : DataFrame, optional
        The catalogue (client_id, payment_terms_days) for contracted terms.
    entity : str
        The entity column of ``sales``.
    entity_map : pd.Series, optional
        client_id → entity, to attach activities, payments and clients.
    names : pd.Series, optional
        entity → display name.
    sales_level : {"line", "period"}
        ``"period"`` for period-level sales (a report form's totals per client, no orders):
        its rows are not orders or document lines, so the order and line drivers are not
        costed (a note says so) and the average order is not measured (NaN).
    exact : mapping, optional
        driver → the amount allocated on it over the period (the client's own cost pools,
        :mod:`.tdabc`): spread over the clients by their units by largest remainders, so the
        clients add up to it to the kopeck (replaces rate × units on that driver).
    off_invoice : DataFrame, optional
        Off-invoice spend (client_id, kind, amount), taken after the gross margin: columns
        ``off_<kind>`` and ``off_invoice``.
    lang : {"en", "ru"}
        The language of the notes (``pnl_note.*`` of ``templates/i18n/<lang>/reasons.yaml``).

    Returns
    -------
    (pd.DataFrame, list of str)
        The P&L (index entity_id) and notes saying what was and was not costed, in words.

    Notes
    -----
    Cost-to-serve of a driver = rate × units (METHODS.md §2) when a rate is set, else the
    activities' own recorded cost. A pool is spread by the client's share of its driver; it
    adds to a rate on the same driver, and replaces the recorded cost when there is no rate
    (the pool is then the driver's whole cost).
    Cost of receivables = net revenue × days / 365 × rate, days = actual DSO from payments
    (amount-weighted paid date − invoice date), else contracted payment terms.
    """
    notes: list[str] = []
    st = load_strings(lang)

    def note(code: str, **kw: Any) -> None:
        notes.append(st.t(f"pnl_note.{code}", **kw))

    def driver(d: str) -> str:  # the English notes name a driver by its code, as they did
        return d if lang == "en" else st.get(f"cost_driver.{d}", d) or d
    s = _to_polars(sales)
    lines = _line_aggregates(s, entity)

    def attach(df: pd.DataFrame | pl.DataFrame | None) -> pl.DataFrame | None:
        if df is None:
            return None
        d = _to_polars(df)
        if entity in d.columns:
            return d
        if entity_map is None:
            return d.rename({"client_id": entity})
        m = pl.DataFrame({"client_id": entity_map.index.astype(str).tolist(),
                          entity: entity_map.astype(str).tolist()})
        return d.join(m, on="client_id", how="inner")

    units, unmapped = _activity_units(attach(activities), entity)
    if unmapped:
        note("unmapped_activities", names=", ".join(unmapped[:10]))
    days = _receivable_days(attach(payments), s, entity)
    # polars' group_by returns the clients in an order that varies from run to run; the
    # allocations by largest remainders break ties by this order: fixed by the client's id
    pnl = (lines.join(units, on=entity, how="left").join(days, on=entity, how="left")
           .with_columns(pl.col(entity).cast(pl.String)).sort(entity))
    df = pnl.to_pandas().set_index(entity)
    # every amount of the P&L is booked to the minor unit (a computed amount rounded
    # half-even, an allocation by largest remainders), so that a client's lines add up to
    # its contribution and the clients add up to the totals, to the kopeck
    df["discount"] = df["discount"].astype(float).round(2)
    df["list_revenue"] = df["list_given"].where(df["list_given"].notna() & (df["list_given"] != 0),
                                                df["sales_net"] + df["discount"])
    df = df.drop(columns=["list_given"])
    df["gross_margin"] = df["net_revenue"] - df["cogs"]
    # a line is a sales line; return lines have their own driver
    driver_units = {"order": df["orders"], "line": df["lines"] - df["return_lines"],
                    "return": df["return_lines"]}
    for d in ("delivery", "visit", "service_hour", "call"):
        driver_units[d] = df[d].fillna(0.0) if d in df.columns else pd.Series(0.0, df.index)
    cts_cols = []
    for d, u in driver_units.items():
        rate = float(costs.rates.get(d, 0) or 0)
        pool = float(costs.pools.get(d, 0) or 0)
        actual = df.get(f"actual_{d}")
        if sales_level == "period" and d in ("order", "line"):
            if rate > 0 or pool:
                note("period_level_driver", driver=driver(d))
            cost = pd.Series(0.0, df.index)
            pool = 0.0
        elif rate > 0:
            cost = u.astype(float) * rate
        elif pool:
            cost = pd.Series(0.0, df.index)  # the pool is this driver's whole cost
        elif actual is not None and actual.fillna(0).sum() > 0:
            cost = actual.fillna(0.0)
            note("recorded_cost", driver=driver(d))
        else:
            cost = pd.Series(0.0, df.index)
        if pool:
            total = float(u.sum())
            cost = cost + (allocate_minor_units(pool, u.astype(float)) if total else 0.0)
        if exact and d in exact:
            cost = (allocate_minor_units(float(exact[d]), u.astype(float))
                    if float(u.sum()) else pd.Series(0.0, df.index))
        df[f"cts_{d}"] = pd.Series(cost, index=df.index).astype(float).round(2)
        cts_cols.append(f"cts_{d}")
        if d in ("delivery", "visit", "service_hour", "call"):
            df[f"n_{d}"] = u
    if not any(float(costs.rates.get(d, 0) or 0) for d in DRIVERS) and not costs.pools:
        note("no_rates")
    if activities is None:
        note("no_activities")
    df = df.drop(columns=[c for c in df.columns if c in ("delivery", "visit", "service_hour",
                                                         "call") or c.startswith("actual_")])
    df["cost_to_serve"] = df[cts_cols].sum(axis=1)
    avoid = [f"cts_{d}" for d in costs.avoidable if f"cts_{d}" in df.columns]
    df["cts_avoidable"] = df[avoid].sum(axis=1) if avoid else 0.0
    df["cts_stranded"] = df["cost_to_serve"] - df["cts_avoidable"]
    terms = None
    if clients is not None and "payment_terms_days" in clients.columns and entity_map is not None:
        t = clients.assign(client_id=clients["client_id"].astype(str)).set_index("client_id")
        terms = t["payment_terms_days"].groupby(entity_map.reindex(t.index)).mean()
    df["terms_days"] = terms.reindex(df.index) if terms is not None else float("nan")
    if "dso_days" not in df.columns:
        df["dso_days"] = float("nan")
        df["days_late"] = float("nan")
    df["receivable_days"] = df["dso_days"].fillna(df["terms_days"]).clip(lower=0).fillna(0.0)
    df["days_source"] = np.where(df["dso_days"].notna(), "payments",
                                 np.where(df["receivable_days"] == 0, "none", "terms"))
    if payments is None:
        note("no_payments_terms" if terms is not None else "no_payments_no_terms")
    df["cost_of_receivables"] = (df["net_revenue"].clip(lower=0) * df["receivable_days"] / 365
                                 * costs.receivables_rate).round(2)
    # off-invoice spend: a column only when the sheet is given (no sheet, no claim of zero)
    if off_invoice is not None:
        df["off_invoice"] = 0.0
    if off_invoice is not None and len(off_invoice):
        oi = off_invoice.assign(client_id=off_invoice["client_id"].astype(str))
        oi[entity] = (oi["client_id"].map(entity_map.astype(str)) if entity_map is not None
                      else oi["client_id"])
        unknown = oi[oi[entity].isna() | ~oi[entity].isin(df.index)]
        if len(unknown):
            note("off_invoice_unknown", n=len(unknown),
                 clients=", ".join(unknown["client_id"].astype(str).unique()[:10]))
        by = oi.dropna(subset=[entity]).pivot_table(index=entity, columns="kind",
                                                    values="amount", aggfunc="sum")
        for kind in by.columns:
            df[f"off_{kind}"] = by[kind].reindex(df.index).fillna(0.0).round(2)
            df["off_invoice"] = df["off_invoice"] + df[f"off_{kind}"]
        df["off_invoice"] = df["off_invoice"].round(2)
    df["contribution"] = (df["gross_margin"] - df.get("off_invoice", 0.0)
                          - df["cost_to_serve"] - df["cost_of_receivables"])
    df["margin_pct"] = _ratio(df["gross_margin"], df["net_revenue"])
    df["contribution_pct"] = _ratio(df["contribution"], df["net_revenue"])
    df["cts_pct"] = _ratio(df["cost_to_serve"], df["net_revenue"])
    df["discount_pct"] = _ratio(df["discount"], df["list_revenue"])
    df["returns_pct"] = _ratio(df["returns"], df["sales_net"])
    df["avg_order"] = _ratio(df["sales_net"], df["orders"])
    if sales_level == "period":
        df["avg_order"] = float("nan")  # a report row is not an order
    df["tenure_days"] = (pd.to_datetime(df["last_order"]) - pd.to_datetime(df["first_order"])
                         ).dt.days
    if names is not None:
        df.insert(0, "entity_name", names.reindex(df.index))
    df.index.name = "entity_id"
    return df.sort_values("net_revenue", ascending=False), notes


def group_pnl(pnl: pd.DataFrame, groups: pd.Series, *, names: pd.Series | None = None
              ) -> pd.DataFrame:
    """The P&L at group (holding) level: money summed over the group's entities."""
    money = [c for c in pnl.columns if c in MONEY or (c.startswith("cts_") and c != "cts_pct")]
    g = pnl[money].groupby(groups.reindex(pnl.index)).sum()
    g["entities"] = groups.reindex(pnl.index).value_counts()
    nr = g["net_revenue"].where(g["net_revenue"] != 0)
    g["margin_pct"] = g["gross_margin"] / nr
    g["contribution_pct"] = g["contribution"] / nr
    if names is not None:
        g.insert(0, "group_name", names.reindex(g.index))
    g.index.name = "group_id"
    return g.sort_values("net_revenue", ascending=False)


def monthly_revenue(sales: pd.DataFrame | pl.DataFrame, *, entity: str = "entity_id"
                    ) -> pd.DataFrame:
    """Net revenue per entity and calendar month (long: entity_id, month, net_revenue)."""
    s = _to_polars(sales)
    m = (s.lazy().group_by(entity, pl.col("date").dt.truncate("1mo").alias("month"))
         .agg(net_revenue=exact_sum(pl.col("net_revenue"))).collect().to_pandas())
    m["month"] = pd.to_datetime(m["month"]).dt.to_period("M")
    return m.rename(columns={entity: "entity_id"}).sort_values(["entity_id", "month"],
                                                               ignore_index=True)
