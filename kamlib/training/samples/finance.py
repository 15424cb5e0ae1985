"""The demos' finance sheets: cost pools and off-invoice spend (``finance/``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .formatting import _xlsx_table
from .truth import _entity_key
from .world import World
from .writers_en import _write_csv

#: the demo's cost pools: pool (ru, en), driver, the pool's rate against the default rate,
#: utilisation of the practical capacity (None: no capacity given, fully absorbed), practical
#: share of the theoretical capacity
_POOLS = (
    ("Склад: комплектация", "Warehouse: picking", "line", 1.10, 0.85, 0.80),
    ("Обработка заказов и учёт", "Order processing and accounting", "order", 0.90, 0.80, 0.80),
    ("Логистика (доставка)", "Logistics (delivery)", "delivery", 0.95, 0.90, 0.80),
    ("Возвраты", "Returns handling", "return", 1.00, None, 0.80),
    ("Продажи: визиты", "Sales: visits", "visit", 1.00, 0.75, 0.80),
    ("Сервис", "Service", "service_hour", 0.95, 0.88, 0.85),
)


def _finance_sheets(w: World) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo's cost-pools sheet and off-invoice spend (kamlib.profitability.tdabc).

    A pool's annual cost is set so that its time-driven rate is the default rate × its factor
    and the clients use ``utilisation`` of its practical capacity: rate = cost ÷ practical
    capacity; the rest is unused capacity. Off-invoice: a 3 % retro-bonus to the three largest
    chains (what chains ask for), marketing support to five other clients of ranks 4–15,
    listing fees to two of them.
    """
    from kamlib.profitability.pnl import activity_driver

    spec, ln, d = w.spec, w.lines, w.docs
    years = ((spec.end - spec.start).days + 1) / 365.25
    ret = ln["is_return"].to_numpy()
    vol = {"line": float((~ret).sum()), "return": float(ret.sum()),
           "order": float((~d["is_return"] & (d["rec"] >= 0)).sum())}
    a = w.activities.assign(driver=w.activities["activity"].map(activity_driver))
    vol.update({k: float(v) for k, v in a.groupby("driver")["qty"].sum().items()})
    rows = []
    for ru, en, drv, factor, util, share in _POOLS:
        per_year = vol.get(drv, 0.0) / years
        rate = float(spec.rates.get(drv, 0.0)) * factor
        if per_year <= 0 or rate <= 0:
            continue
        cost = round(rate * per_year / (util or 1.0), -3)
        cap = None if util is None else round(per_year / util / share)
        rows.append({"pool": ru if spec.language == "ru" else en, "annual_cost": cost,
                     "driver": drv, "capacity": cap, "practical_share": share})
    pools = pd.DataFrame(rows)
    key = _entity_key(w)
    sign = np.where(ret, -1, 1)
    net = pd.Series(ln["net_k"].to_numpy() * sign).groupby(
        d["eid"].to_numpy()[ln["doc"].to_numpy()]).sum().sort_values(ascending=False,
                                                                      kind="stable")
    net = net[net.index.isin(key.index)]
    chains = w.entities["segment"].reindex(net.index).isin(["Сети", "Chains"])
    off = [{"client_id": key[e], "kind": "retro_bonus", "amount": round(v * 0.03 / 100, 2)}
           for e, v in net[chains].head(3).items()]
    mid = [e for e in net.index[3:15] if not chains.get(e, False)]
    off += [{"client_id": key[e], "kind": "marketing", "amount": 150000.0} for e in mid[::2][:5]]
    off += [{"client_id": key[e], "kind": "listing", "amount": 250000.0} for e in mid[1::5][:2]]
    return pools, pd.DataFrame(off)


def _write_finance(w: World, out: Path) -> dict[str, str]:
    """Write the finance sheets into ``out/finance`` (not raw/: they are not exports) and
    return the engagement.yaml settings naming them."""
    pools, off = _finance_sheets(w)
    fin = out / "finance"
    fin.mkdir(exist_ok=True)
    if w.spec.language == "ru":
        _xlsx_table(fin / "cost_pools.xlsx", "Пулы затрат", [],
                    ["Пул", "Затраты за год", "Драйвер", "Мощность",
                     "Доля практической мощности"],
                    [[r.pool, r.annual_cost, r.driver, None if pd.isna(r.capacity)
                      else int(r.capacity), r.practical_share] for r in pools.itertuples()],
                    [30, 16, 14, 14, 14])
        _xlsx_table(fin / "off_invoice.xlsx", "Вне счёта", [],
                    ["Код контрагента", "Вид", "Сумма"],
                    [[r.client_id, r.kind, r.amount] for r in off.itertuples()], [14, 14, 14])
        return {"cost_pools_file": "finance/cost_pools.xlsx",
                "off_invoice_file": "finance/off_invoice.xlsx"}
    _write_csv(fin / "cost_pools.csv", ["pool", "annual_cost", "driver", "capacity",
                                        "practical_share"],
               [[r.pool, f"{r.annual_cost:.2f}", r.driver,
                 "" if pd.isna(r.capacity) else int(r.capacity), r.practical_share]
                for r in pools.itertuples()])
    _write_csv(fin / "off_invoice.csv", ["client_id", "kind", "amount"],
               [[r.client_id, r.kind, f"{r.amount:.2f}"] for r in off.itertuples()])
    return {"cost_pools_file": "finance/cost_pools.csv",
            "off_invoice_file": "finance/off_invoice.csv"}


def _set_finance(out: Path, settings: dict[str, str]) -> None:
    cfg = out / "engagement.yaml"
    text = cfg.read_text(encoding="utf-8")
    for k, v in settings.items():
        def put(m: re.Match[str], v: Any = v) -> str:
            return f"{m[1]}{v} #"

        text = re.sub(rf"(?m)^(  {k}: )null( *)#", put, text, count=1)
    cfg.write_text(text, encoding="utf-8")
