"""Activity status of each client entity over the audit period (METHODS.md §1).

Transactions in, one summary row per entity out, in the manner of lifetimes'
``summary_data_from_transaction_data``: the column names of the sales table are parameters,
nothing is read or written. Statuses: ``new``, ``active``, ``dormant``, ``lost``,
``never_bought``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from json.encoder import encode_basestring
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError, SchemaError

__all__ = ["STATUSES", "activity_status", "narrow_to_period_level", "status_summary"]

STATUSES: tuple[str, ...] = ("new", "active", "dormant", "lost", "never_bought")
"""The statuses, in the order reports show them."""

_COLUMNS = ["first_order", "last_order", "orders", "lines", "net_revenue", "revenue_last_12m",
            "median_gap_days", "days_silent", "status", "reason", "reason_code", "reason_args"]


def activity_status(
    sales: pd.DataFrame,
    entities: pd.Series | list[Any] | np.ndarray | None = None,
    *,
    entity: str = "entity_id",
    date: str = "date",
    document: str = "document_id",
    amount: str = "net_revenue",
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    k: float = 3.0,
    min_days: int = 90,
    lost_months: int = 12,
    new_months: int = 6,
    reasons: bool = True,
) -> pd.DataFrame:
    """Classify each entity as new, active, dormant, lost or never bought (METHODS.md §1).

    Parameters
    ----------
    sales : pandas.DataFrame
        Sales lines: one row per line, with the columns named below. Returns are lines with a
        negative amount. Dates may be ``datetime.date`` objects or ``datetime64`` (time of day
        is ignored).
    entities : pandas.Series, list or numpy.ndarray, optional
        The entities to report on, e.g. the whole cleaned client base: those without a single
        order come out as ``never_bought``; sales of entities not listed are ignored. Default:
        the entities present in ``sales``.
    entity, date, document, amount : str
        Column names in ``sales``: entity id, line date, document (order) id, net revenue (VAT
        excluded).
    period_start, period_end : datetime.date, optional
        The audit period, both days included. Default: the first and last sales date.
        ``period_end`` is the "as of" day of every status; lines after it are ignored.
    k : float
        Dormant when silent for more than ``k`` × the entity's own median gap between orders.
    min_days : int
        … and for more than ``min_days`` days.
    lost_months : int
        Lost: no order in the last ``lost_months`` months of the period, but orders before.
    new_months : int
        New: first order within the last ``new_months`` months of the period.
    reasons : bool
        Write the ``reason`` columns (default). ``False`` leaves them out: a widget that
        reclassifies the base at each move of a slider and shows the counts only.

    Returns
    -------
    pandas.DataFrame
        Indexed by entity id (``entities`` order, or sorted ids), columns:

        ``first_order``, ``last_order``
            first and last order day (NaT without orders);
        ``orders``
            distinct documents with positive net revenue in the period (returns are not
            orders);
        ``lines``
            sales lines in the period, returns included;
        ``net_revenue``
            net revenue in the period, returns deducted;
        ``revenue_last_12m``
            net revenue of the period's last 12 months;
        ``median_gap_days``
            median gap in days between consecutive distinct order days (NaN with fewer than
            two order days);
        ``days_silent``
            days from the last order to ``period_end`` (``<NA>`` without orders);
        ``status``
            one of :data:`STATUSES`;
        ``reason``
            a short sentence saying why, e.g. ``silent 240 days, 4.8× its median gap of
            50 days``;
        ``reason_code``, ``reason_args``
            the same as a reason code (``reason.status_*`` of the string tables) and its
            figures as JSON, phrased in the engagement's language by :func:`kamlib.i18n.say`.

    Notes
    -----
    Rules of METHODS.md §1 ("Activity status"), applied in this order:

    * **never_bought**: no order up to ``period_end``. An entity with return lines only has
      no order, so it is ``never_bought`` too; its reason says "return lines only".
    * **lost**: the last order is on or before ``period_end`` − ``lost_months`` months (the
      last 12 months are the days after that date, up to ``period_end`` included).
    * **new**: the first order is after ``period_end`` − ``new_months`` months.
    * **dormant**: ``days_silent`` > ``k`` × own median gap and ``days_silent`` >
      ``min_days``. An entity with a single order day has no gap of its own: it is dormant
      when ``days_silent`` > max(``min_days``, ``k`` × the median of the ``median_gap_days``
      column over the entities reported), i.e. it is held to the base's typical rhythm.
    * **active**: everything else.

    An order is a document whose lines sum to a positive amount; its day is the document's
    earliest line day. Orders before ``period_start`` count as history for the status (a
    client who bought before the period is not "new"), while ``orders``, ``lines``,
    ``net_revenue`` and ``revenue_last_12m`` count only the period's lines.
    """
    for name in (entity, date, document, amount):
        if name not in sales.columns:
            raise SchemaError("the sales table has no such column", column=name,
                              hint="pass the column names as entity=, date=, document=, "
                                   "amount=")
    for label, value in (("k", k), ("min_days", min_days), ("lost_months", lost_months),
                         ("new_months", new_months)):
        if value is None or value < 0:
            raise ConfigError(f"{label} must be a non-negative number", value=value)

    ent = sales[entity]
    day = _epoch_days(sales[date])
    ok = ent.notna().to_numpy() & (day != _NO_DAY)
    if entities is None:
        ids = pd.Index(np.sort(pd.unique(ent[ok])), name=entity)
    else:
        ids = pd.Index(pd.unique(pd.Series(list(entities), dtype=object).dropna()), name=entity)
    pos = ids.get_indexer(ent.astype(object)) if len(ids) else np.full(len(ent), -1)
    ok &= pos >= 0
    pos, day = pos[ok], day[ok]
    amt = pd.to_numeric(sales[amount], errors="coerce").fillna(0.0).to_numpy(dtype=float)[ok]
    doc = pd.factorize(sales[document].to_numpy()[ok], use_na_sentinel=False)[0]

    end = _to_epoch(period_end) if period_end is not None else \
        (int(day.max()) if len(day) else None)
    start = _to_epoch(period_start) if period_start is not None else \
        (int(day.min()) if len(day) else None)
    if start is not None and end is not None and start > end:
        raise ConfigError("the period starts after it ends", value=f"{_date(start)} > "
                          f"{_date(end)}", hint="check period.start and period.end")
    m = len(ids)
    res = {"first": np.full(m, np.nan), "last": np.full(m, np.nan), "orders": np.zeros(m),
           "lines": np.zeros(m), "net": np.zeros(m), "rev12": np.zeros(m),
           "gap": np.full(m, np.nan)}
    if end is not None and start is not None and len(day):  # start is set when day is
        _measure(res, pos, day, amt, doc, start=start, end=end, m=m)
    return _finish(ids, res, end=end, k=k, min_days=min_days, lost_months=lost_months,
                   new_months=new_months, reasons=reasons)


def status_summary(status: pd.DataFrame, *, amount: str = "net_revenue") -> pd.DataFrame:
    """Entities and revenue per activity status (METHODS.md §1).

    Parameters
    ----------
    status : pandas.DataFrame
        The result of :func:`activity_status` (columns ``status``, ``amount`` and
        ``revenue_last_12m``).
    amount : str
        The revenue column to sum.

    Returns
    -------
    pandas.DataFrame
        One row per status in the order of :data:`STATUSES` (all of them, zeros when empty),
        columns ``entities``, ``share_entities``, ``<amount>``, ``share_revenue``,
        ``revenue_last_12m``. Shares are fractions of the column totals (NaN when the total
        is zero).
    """
    for name in ("status", amount, "revenue_last_12m"):
        if name not in status.columns:
            raise SchemaError("the status table has no such column", column=name,
                              hint="pass the result of activity_status()")
    unknown = sorted(set(status["status"].dropna().unique().tolist()) - set(STATUSES))
    if unknown:
        raise SchemaError("unknown activity status", column="status", value=unknown[0],
                          hint=f"statuses are {', '.join(STATUSES)}")
    g = status.groupby("status", observed=True)
    out = pd.DataFrame({
        "entities": g.size(),
        amount: g[amount].sum(min_count=0),
        "revenue_last_12m": g["revenue_last_12m"].sum(min_count=0),
    }).reindex(list(STATUSES), fill_value=0)
    out.index.name = "status"
    out["entities"] = out["entities"].astype("int64")
    out[[amount, "revenue_last_12m"]] = out[[amount, "revenue_last_12m"]].astype(float)
    out["share_entities"] = _share(out["entities"])
    out["share_revenue"] = _share(out[amount])
    return out[["entities", "share_entities", amount, "share_revenue", "revenue_last_12m"]]


def narrow_to_period_level(status: pd.DataFrame, start: dt.date | None,
                           end: dt.date | None) -> pd.DataFrame:
    """The statuses period-level sales can support (a client's totals for a period, with no
    order dates: a report form's rows, each dated the period's end by the intake).

    Whether a client went silent, was lost or is new within the period cannot be seen:
    every entity that bought is ``active`` (bought in the period), the others stay
    ``never_bought``; the silence and the gap between orders are not measured (missing),
    and the reason says so.

    Parameters
    ----------
    status : pandas.DataFrame
        The result of :func:`activity_status`.
    start, end : datetime.date, optional
        The period the sales cover (from the report's title).

    Returns
    -------
    pandas.DataFrame
        A copy with ``status``, ``reason``, ``days_silent`` and ``median_gap_days`` narrowed.
    """
    out = status.copy()
    bought = (out["status"] != "never_bought").to_numpy()
    span = f"{start or '—'} … {end or '—'}"
    out.loc[bought, "status"] = "active"
    out.loc[bought, "reason"] = (f"bought within {span}; period-level sales carry no order "
                                 "dates, so dormant, lost and new are not measured")
    out.loc[bought, "reason_code"] = "status_period_level"
    out.loc[bought, "reason_args"] = json.dumps({"start": str(start or "—"),
                                                 "end": str(end or "—")})
    out["days_silent"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["median_gap_days"] = np.nan
    return out


# --------------------------------------------------------------------------- helpers

_NO_DAY = np.iinfo(np.int64).min
_EPOCH = np.datetime64("1970-01-01", "D")


def _epoch_days(values: pd.Series) -> np.ndarray:
    """Dates (``datetime.date`` objects or ``datetime64``, tz-aware or not) → days since
    1970-01-01 as int64 (``_NO_DAY`` where missing or unreadable)."""
    s = pd.to_datetime(values, errors="coerce")
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    out: np.ndarray = s.to_numpy().astype("datetime64[D]").astype(np.int64)
    return out


def _to_epoch(value: Any) -> int:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return int(ts.to_datetime64().astype("datetime64[D]").astype(np.int64))


def _date(day: int) -> pd.Timestamp:
    return pd.Timestamp(_EPOCH + np.timedelta64(int(day), "D"))


def _months_before(day: int, months: int) -> int:
    return _to_epoch(_date(day) - pd.DateOffset(months=months))


def _measure(res: dict[str, np.ndarray], pos: np.ndarray, day: np.ndarray, amt: np.ndarray,
             doc: np.ndarray, *, start: int, end: int, m: int) -> None:
    """Per-entity figures from the lines (entity position, epoch day, amount, document code)."""
    h = day <= end
    pos, day, amt, doc = pos[h], day[h], amt[h], doc[h]
    p = day >= start
    res["lines"] = np.bincount(pos[p], minlength=m).astype(float)
    res["net"] = np.bincount(pos[p], weights=amt[p], minlength=m)
    r12 = p & (day > _months_before(end, 12))
    res["rev12"] = np.bincount(pos[r12], weights=amt[r12], minlength=m)

    # orders: documents (per entity) whose lines sum to a positive amount; day = earliest line
    key = pos.astype(np.int64) * (int(doc.max(initial=0)) + 1) + doc
    d = pd.DataFrame({"k": key, "d": day, "a": amt}).groupby("k", sort=False) \
        .agg(d=("d", "min"), a=("a", "sum"))
    d = d[d["a"] > 0]
    o_pos = (d.index.to_numpy() // (int(doc.max(initial=0)) + 1)).astype(np.int64)
    o_day = d["d"].to_numpy()
    res["orders"] = np.bincount(o_pos[o_day >= start], minlength=m).astype(float)
    if not len(o_pos):
        return
    # distinct order days, sorted by entity then day
    span = int(o_day.max() - o_day.min()) + 1
    u = np.unique(o_pos * span + (o_day - o_day.min()))
    u_pos, u_day = u // span, u % span + o_day.min()
    head = np.r_[True, u_pos[1:] != u_pos[:-1]]
    tail = np.r_[head[1:], True]
    res["first"][u_pos[head]] = u_day[head]
    res["last"][u_pos[tail]] = u_day[tail]
    gaps = np.diff(u_day).astype(float)
    same = ~head[1:]
    med = pd.Series(gaps[same]).groupby(u_pos[1:][same]).median()
    res["gap"][med.index.to_numpy()] = med.to_numpy()


def _share(col: pd.Series) -> pd.Series:
    total = float(col.sum())
    return col / total if total else col * np.nan


def _finish(ids: pd.Index, res: dict[str, np.ndarray], *, end: int | None, k: float,
            min_days: int, lost_months: int, new_months: int,
            reasons: bool = True) -> pd.DataFrame:
    """Classify each entity and explain why."""
    first, last, gap = res["first"], res["last"], res["gap"]
    has = ~np.isnan(last)
    silent = (end - last) if end is not None else np.full(len(ids), np.nan)
    own = ~np.isnan(gap)
    base_gap = float(np.median(gap[own])) if own.any() else np.nan
    # dormant limit: max(k × own gap, min_days); without an own gap, k × the base's median gap
    limit = np.fmax(np.where(own, k * gap, k * base_gap), float(min_days))
    if end is not None:
        lost = has & (last <= _months_before(end, lost_months))
        new = has & ~lost & (first > _months_before(end, new_months))
    else:
        lost = new = np.zeros(len(ids), dtype=bool)
    dormant = has & ~lost & ~new & (silent > limit)
    status = np.select([~has, lost, new, dormant], ["never_bought", "lost", "new", "dormant"],
                       "active").astype(object)

    def when(x: np.ndarray) -> pd.Series:
        return pd.Series(_EPOCH + x.astype("timedelta64[D]"), index=ids).astype(
            "datetime64[ns]")

    out = pd.DataFrame({
        "first_order": when(first),
        "last_order": when(last),
        "orders": res["orders"].astype(np.int64),
        "lines": res["lines"].astype(np.int64),
        "net_revenue": res["net"],
        "revenue_last_12m": res["rev12"],
        "median_gap_days": gap,
        "days_silent": pd.array(np.where(has, silent, np.nan)).astype("Int64"),
        "status": status,
    }, index=ids)
    if not reasons:
        return out[_COLUMNS[:-3]]
    out["reason"], out["reason_code"], out["reason_args"] = _reasons(
        out, status, silent, gap, limit, base_gap, k=k, min_days=min_days,
        lost_months=lost_months, new_months=new_months)
    return out[_COLUMNS]


def _n(x: float) -> str:
    """A number of days for a sentence: 50, 45.5."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _days(x: float) -> int | float:
    """A number of days as a reason's argument: 50, 45.5."""
    return int(x) if float(x).is_integer() else round(float(x), 1)


def _num(v: float) -> str:
    """A number as ``json.dumps`` writes it (``5``, ``45.5``, ``NaN``)."""
    if isinstance(v, float) and not math.isfinite(v):
        return json.dumps(v)
    return float.__repr__(v) if isinstance(v, float) else int.__repr__(int(v))


def _reasons(out: pd.DataFrame, status: np.ndarray, silent: np.ndarray, gap: np.ndarray,
             limit: np.ndarray, base_gap: float, *, k: float, min_days: int,
             lost_months: int, new_months: int) -> tuple[list[str], list[str], list[str]]:
    """Per entity: one short sentence explaining its status, and the same as a reason code
    with its figures (the JSON form of :class:`kamlib.units.Reason`: the code, and its
    arguments as JSON text), built status by status; the JSON is written directly, the text
    ``json.dumps(args, ensure_ascii=False)`` gives (200,000 of them on a large base).

    The figures are taken out of numpy once per status (Python numbers, not numpy scalars,
    in the loops); the one rounding numpy did per entity (``round`` of a numpy float: the
    silence over the gap, to 0.1) is done on the whole array by the same ``np.round``."""
    n = len(out)
    text = np.full(n, "", dtype=object)
    code = np.full(n, "", dtype=object)
    args = np.full(n, "", dtype=object)
    lines = out["lines"].to_numpy()
    net = out["net_revenue"].to_numpy()
    base = (f"max({min_days}, {k:g} × the base's median gap of {_n(base_gap)} days)"
            if np.isfinite(base_gap) else f"{min_days} days")
    never = status == "never_bought"
    own = np.isfinite(gap)

    def put(idx: np.ndarray, t: list[str], c: str | list[str], a: list[str]) -> None:
        text[idx], code[idx], args[idx] = t, c, a

    idx = np.flatnonzero(never & (lines == 0))
    put(idx, ["no sales lines"] * len(idx), "status_no_sales", ["{}"] * len(idx))
    idx = np.flatnonzero(never & (lines != 0))
    li, ne = lines[idx].tolist(), net[idx].tolist()
    pairs = list(zip(li, ne, strict=True))
    put(idx, [f"no order: its {x} line(s) net to {v:,.2f} (returns)" for x, v in pairs],
        "status_returns_only",
        [f'{{"lines": {int(x)}, "net": {_num(round(float(v), 2))}}}' for x, v in pairs])
    idx = np.flatnonzero(status == "lost")
    last = out["last_order"].iloc[idx].dt.strftime("%Y-%m-%d").tolist()
    days = silent[idx].astype(np.int64).tolist()
    months = _num(lost_months)
    put(idx, [f"no order in the last {lost_months} months; last order {x}, "
              f"{d} days before the period end" for x, d in zip(last, days, strict=True)],
        "status_lost",
        [f'{{"months": {months}, "last": {encode_basestring(str(x))}, "days": {d}}}'
         for x, d in zip(last, days, strict=True)])
    idx = np.flatnonzero(status == "new")
    first = out["first_order"].iloc[idx].dt.strftime("%Y-%m-%d").tolist()
    months = _num(new_months)
    put(idx, [f"first order {x}, within the last {new_months} months" for x in first],
        "status_new",
        [f'{{"first": {encode_basestring(str(x))}, "months": {months}}}' for x in first])
    rest = ~never & (status != "lost") & (status != "new")
    min_arg = _num(min_days)
    idx = np.flatnonzero(rest & own)
    d_arr = silent[idx].astype(np.int64)
    g = gap[idx].tolist()
    times = np.round(d_arr / gap[idx], 1).tolist()  # round() of each numpy float, at once
    short = ((status[idx] != "dormant") & ~(d_arr <= k * gap[idx])).tolist()
    days = d_arr.tolist()
    put(idx, [f"silent {d} days, {d / x:.1f}× its median gap of {_n(x)} days"
              + (f" (not over {min_days} days)" if sh else "")
              for d, x, sh in zip(days, g, short, strict=True)],
        ["status_silent_not_over_min" if sh else "status_silent" for sh in short],
        [f'{{"days": {d}, "times": {_num(tm)}, "gap": {_num(_days(x))}, '
         f'"min_days": {min_arg}}}' for d, x, tm in zip(days, g, times, strict=True)])
    idx = np.flatnonzero(rest & ~own)
    days = silent[idx].astype(np.int64).tolist()
    lim = limit[idx].tolist()
    dormant = (status[idx] == "dormant").tolist()
    put(idx, [f"silent {d} days after its only order day, {'over' if dm else 'not over'} "
              f"{base} = {_n(x)} days" for d, x, dm in zip(days, lim, dormant, strict=True)],
        ["status_once_dormant" if dm else "status_once_active" for dm in dormant],
        [f'{{"days": {d}, "limit": {_num(_days(x))}}}' for d, x in zip(days, lim, strict=True)])
    return text.tolist(), code.tolist(), args.tolist()
