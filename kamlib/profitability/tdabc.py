"""Cost-to-serve from the client's own costs: time-driven activity-based costing.

Kaplan & Anderson 2004 ("Time-driven activity-based costing"): each cost pool of the company
(warehouse, logistics, sales, service, finance …) supplies a capacity; only a practical share
of it (≈ 80–85 % of the theoretical) can be used. The rate of the pool's driver is

    rate = annual cost ÷ (practical share × capacity in the driver's unit a year)

and the cost allocated to the clients is rate × the driver units they used. What the clients
did not use is **unused capacity**, shown beside the allocation, never spread over the
clients: allocated + unused = the pool's cost, to the kopeck. A pool without a capacity is
fully absorbed by the volume actually used (rate = cost ÷ volume, nothing unused) and says so.

The sheet (``profitability.cost_pools_file``; csv or xlsx), one row per pool:

=================  =======================================================================
``pool``           name (warehouse, logistics, sales, service, finance …)
``annual_cost``    the pool's cost a year, in the engagement's currency (> 0)
``driver``         order, line, return, delivery, visit, service_hour, call
``capacity``       optional: the theoretical capacity in driver units a year
``practical_share`` optional: share of the capacity that is practical (default 0.80)
=================  =======================================================================

Off-invoice spend (``profitability.off_invoice_file``): one row per client and kind
(``client_id``, ``kind``: retro_bonus, marketing, listing, sponsorship, other; ``amount``
for the period), taken in the client waterfall after the gross margin.

Pure functions: DataFrames in, DataFrames out; :func:`read_cost_pools` and
:func:`read_off_invoice` read the sheets and name every bad cell.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError
from .pnl import DRIVERS, allocate_minor_units

__all__ = ["OFF_INVOICE_KINDS", "allocate_pools", "cost_sources", "driver_volumes",
           "read_cost_pools", "read_off_invoice", "tdabc_rates"]

OFF_INVOICE_KINDS = ("retro_bonus", "marketing", "listing", "sponsorship", "other")
DEFAULT_PRACTICAL_SHARE = 0.80
#: Russian headers and values the sheets may use (the data request shows both)
_HEADERS = {"пул": "pool", "пул затрат": "pool", "затраты за год": "annual_cost",
            "годовые затраты": "annual_cost", "драйвер": "driver", "мощность": "capacity",
            "доля практической мощности": "practical_share", "практическая доля":
            "practical_share", "код контрагента": "client_id", "код клиента": "client_id",
            "вид": "kind", "сумма": "amount"}
_DRIVER_WORDS = {"заказ": "order", "документ": "order", "строка": "line", "возврат": "return",
                 "доставка": "delivery", "визит": "visit", "сервисный час": "service_hour",
                 "час сервиса": "service_hour", "звонок": "call"}
_KIND_WORDS = {"ретро-бонус": "retro_bonus", "ретробонус": "retro_bonus",
               "маркетинг": "marketing", "листинг": "listing", "спонсорство": "sponsorship",
               "прочее": "other"}


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError("the file named in engagement.yaml does not exist", file=str(path),
                         hint="put the sheet there or remove the setting")
    if path.suffix.lower() in (".xlsx", ".xls"):
        df = pd.read_excel(path, dtype=object)
    else:
        df = pd.read_csv(path, dtype=object, sep=None, engine="python")
    names = [str(c).strip().casefold() for c in df.columns]
    df.columns = [_HEADERS.get(c, c) for c in names]
    return df


def _number(df: pd.DataFrame, col: str, path: Path, *, required: bool) -> pd.Series:
    raw = df[col] if col in df.columns else pd.Series(None, index=df.index, dtype=object)
    text = raw.astype(object).where(raw.notna(), None)
    out = pd.to_numeric(text.map(lambda v: None if v is None else
                                 str(v).replace("\u00a0", "").replace(" ", "")
                                 .replace(",", ".")), errors="coerce")
    for i in df.index:
        if text[i] is not None and str(text[i]).strip() and pd.isna(out[i]):
            raise InputError(f"'{text[i]}' is not a number", file=str(path), row=int(i) + 2,
                             column=col, value=str(text[i]), hint="write a plain number")
        if required and pd.isna(out[i]):
            raise InputError("a required number is missing", file=str(path), row=int(i) + 2,
                             column=col, hint=f"fill {col} on every row")
    return out


def read_cost_pools(path: str | Path) -> pd.DataFrame:
    """The cost-pools sheet, checked: pool, annual_cost, driver, capacity, practical_share.

    Raises
    ------
    InputError
        A missing column, an unknown driver, a cost ≤ 0, a capacity ≤ 0 or a practical share
        outside (0, 1], named by file, row (as the spreadsheet shows it), column and value.
    """
    path = Path(path)
    df = _read_table(path)
    for col in ("pool", "annual_cost", "driver"):
        if col not in df.columns:
            raise InputError(f"the cost-pools sheet has no column '{col}'", file=str(path),
                             column=col, hint="columns: pool, annual_cost, driver, capacity, "
                             "practical_share")
    df = df.reset_index(drop=True)
    out = pd.DataFrame({"pool": df["pool"].astype(str).str.strip(),
                        "driver": df["driver"].astype(str).str.strip().str.casefold()
                        .replace(_DRIVER_WORDS)})
    out["annual_cost"] = _number(df, "annual_cost", path, required=True)
    out["capacity"] = _number(df, "capacity", path, required=False)
    share = _number(df, "practical_share", path, required=False)
    out["practical_share"] = share.fillna(DEFAULT_PRACTICAL_SHARE)
    for i, r in out.iterrows():
        where: dict[str, Any] = {"file": str(path), "row": int(i) + 2}
        if r["driver"] not in DRIVERS:
            raise InputError(f"unknown driver '{r['driver']}'", column="driver",
                             value=r["driver"], hint=f"one of {', '.join(DRIVERS)}", **where)
        if r["annual_cost"] <= 0:
            raise InputError("a pool's annual cost must be positive", column="annual_cost",
                             value=str(r["annual_cost"]), **where)
        if pd.notna(r["capacity"]) and r["capacity"] <= 0:
            raise InputError("a capacity must be positive (or left blank)", column="capacity",
                             value=str(r["capacity"]), **where)
        if not 0 < r["practical_share"] <= 1:
            raise InputError("practical_share is a share: 0.80 for 80 %", value=str(
                r["practical_share"]), column="practical_share", **where)
    return out


def read_off_invoice(path: str | Path) -> pd.DataFrame:
    """The off-invoice sheet, checked: client_id, kind, amount (for the audit period)."""
    path = Path(path)
    df = _read_table(path)
    for col in ("client_id", "kind", "amount"):
        if col not in df.columns:
            raise InputError(f"the off-invoice sheet has no column '{col}'", file=str(path),
                             column=col, hint="columns: client_id, kind, amount")
    df = df.reset_index(drop=True)
    out = pd.DataFrame({"client_id": df["client_id"].astype(str).str.strip(),
                        "kind": df["kind"].astype(str).str.strip().str.casefold()
                        .replace(_KIND_WORDS)})
    out["amount"] = _number(df, "amount", path, required=True).round(2)
    bad = ~out["kind"].isin(OFF_INVOICE_KINDS)
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(f"unknown kind '{out.at[i, 'kind']}'", file=str(path), row=i + 2,
                         column="kind", value=out.at[i, "kind"],
                         hint=f"one of {', '.join(OFF_INVOICE_KINDS)}")
    return out


def tdabc_rates(pools: pd.DataFrame, volumes: dict[str, float], *, years: float
                ) -> pd.DataFrame:
    """Rates, allocation and unused capacity of each pool over the audit period.

    Parameters
    ----------
    pools : pandas.DataFrame
        :func:`read_cost_pools`'s table.
    volumes : dict
        Driver units used by all clients over the audit period, per driver.
    years : float
        Length of the audit period in years (the pools are annual).

    Returns
    -------
    pandas.DataFrame
        One row per pool: ``pool, driver, annual_cost, practical_share, capacity,
        practical_capacity`` (units a year), ``volume`` (units a year used), ``rate`` (per
        unit), ``basis`` (``capacity`` or ``volume``: no capacity given, fully absorbed),
        ``cost`` (the pool over the period), ``allocated`` (rate × units used, to the minor
        unit; above the cost when the units pass the practical capacity), ``unused`` (cost −
        allocated; negative = used beyond the practical capacity), ``unused_share`` (of the
        cost).
    """
    rows = []
    for _, p in pools.iterrows():
        used = float(volumes.get(p["driver"], 0.0))
        per_year = used / years if years > 0 else 0.0
        cost = round(float(p["annual_cost"]) * years, 2)
        if pd.notna(p["capacity"]):
            practical = float(p["practical_share"]) * float(p["capacity"])
            basis = "capacity"
        else:
            practical = per_year
            basis = "volume"
        rate = float(p["annual_cost"]) / practical if practical > 0 else 0.0
        allocated = round(rate * used, 2) if basis == "capacity" else (cost if used else 0.0)
        rows.append({"pool": p["pool"], "driver": p["driver"],
                     "annual_cost": float(p["annual_cost"]),
                     "practical_share": float(p["practical_share"]),
                     "capacity": p["capacity"], "practical_capacity": practical,
                     "volume": per_year, "rate": rate, "basis": basis, "cost": cost,
                     "allocated": allocated, "unused": round(cost - allocated, 2),
                     "unused_share": (cost - allocated) / cost if cost else 0.0})
    return pd.DataFrame(rows)


def allocate_pools(rates: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """Each pool's allocated amount spread over the clients by their driver units, kopeck
    exact (largest remainders): per client and driver, the clients' column sums equal the
    pools' ``allocated`` on that driver exactly.

    ``units``: index entity, one column per driver. Returns the same index, one column per
    driver that a pool names (``cts_<driver>``).
    """
    out = pd.DataFrame(index=units.index)
    for driver, grp in rates.groupby("driver", sort=False):
        total = round(float(grp["allocated"].sum()), 2)
        u = units[driver].astype(float) if driver in units.columns else \
            pd.Series(0.0, index=units.index)
        out[f"cts_{driver}"] = allocate_minor_units(total, u) if u.sum() > 0 else 0.0
    return out


def driver_volumes(pnl: pd.DataFrame) -> dict[str, float]:
    """Driver units used by all clients over the period, from the P&L's unit columns."""
    cols = {"order": "orders", "return": "return_lines", "delivery": "n_delivery",
            "visit": "n_visit", "service_hour": "n_service_hour", "call": "n_call"}
    out = {d: float(pnl[c].fillna(0).sum()) for d, c in cols.items() if c in pnl.columns}
    if "lines" in pnl.columns:
        out["line"] = float((pnl["lines"] - pnl.get("return_lines", 0)).fillna(0).sum())
    return out


def cost_sources(rates: Mapping[str, float], pools: Mapping[str, float],
                 table: pd.DataFrame | None) -> dict[str, str]:
    """Where each costed driver's cost comes from: ``client_pools`` (the client's own cost
    pools, time-driven), ``default_rate`` (a rate of engagement.yaml), ``settings_pool`` (a
    pool of engagement.yaml)."""
    out: dict[str, str] = {}
    for d in DRIVERS:
        if table is not None and d in set(table["driver"]):
            out[d] = "client_pools"
        elif float(rates.get(d, 0) or 0) > 0:
            out[d] = "default_rate"
        elif float(pools.get(d, 0) or 0) > 0:
            out[d] = "settings_pool"
    return out
