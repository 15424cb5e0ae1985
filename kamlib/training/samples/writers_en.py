"""Writers of the ``en_clean`` profile: clean English CSVs."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .formatting import _check_size, _en_money, _en_qty
from .world import World


def _write_csv(path: Path, header: list[str], rows: Any) -> None:
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(header)
    wr.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    _check_size(path)


def write_en(w: World, raw: Path, rng: np.random.Generator) -> dict[str, Any]:
    """Write the clean English CSVs into ``raw``; return file metadata for the truth."""
    del rng
    cl, ln, d = w.clients, w.lines, w.docs
    _write_csv(raw / "clients.csv", ["Client ID", "Name", "Tax ID", "Region", "Segment",
                                     "Manager", "Payment terms (days)", "Created"],
               zip(cl["code"], cl["name"], cl["inn"], cl["region"], cl["segment"],
                   cl["manager"], cl["terms"], cl["created"].dt.strftime("%Y-%m-%d"),
                   strict=True))
    di = ln["doc"].to_numpy()
    rec = d["rec"].to_numpy()[di]
    f = pd.DataFrame({"date": d["date"].to_numpy()[di], "time": d["time"].to_numpy()[di],
                      "num": d["num"].to_numpy()[di], "ret": ln["is_return"].to_numpy(),
                      "line": np.arange(len(ln))})
    f = f.sort_values(["date", "time", "ret", "num", "line"], kind="stable")
    li = f["line"].to_numpy()
    sign = np.where(ln["is_return"].to_numpy()[li], -1, 1)
    inv = [f"{'CN' if r else 'INV'}-{y}-{n:06d}" for r, y, n in
           zip(f["ret"].tolist(), f["date"].dt.year.tolist(), f["num"].tolist(), strict=True)]
    code = cl["code"].to_numpy()[rec[li]]
    _write_csv(raw / "sales.csv", ["Date", "Invoice", "Client ID", "Product", "Qty",
                                   "Net revenue", "Discount", "COGS"],
               zip(f["date"].dt.strftime("%Y-%m-%d"), inv, code,
                   w.products["name"].to_numpy()[ln["sku"].to_numpy()[li]],
                   _en_qty(ln["qty10"].to_numpy()[li] * sign),
                   _en_money(ln["net_k"].to_numpy()[li] * sign),
                   _en_money(ln["disc_k"].to_numpy()[li] * sign),
                   _en_money(ln["cogs_k"].to_numpy()[li] * sign), strict=True))
    a = w.activities
    _write_csv(raw / "activities.csv", ["Client ID", "Date", "Activity", "Quantity"],
               zip(cl["code"].to_numpy()[a["rec"].to_numpy()],
                   a["month"].dt.strftime("%Y-%m-%d"), a["activity"], a["qty"], strict=True))
    p = w.payments
    _write_csv(raw / "payments.csv", ["Client ID", "Invoice", "Due date", "Paid date", "Amount"],
               zip(cl["code"].to_numpy()[p["rec"].to_numpy()],
                   [f"INV-{y}-{n:06d}" for y, n in zip(p["date"].dt.year, p["num"],
                                                       strict=True)],
                   p["due"].dt.strftime("%Y-%m-%d"),
                   p["paid"].dt.strftime("%Y-%m-%d").fillna(""),
                   _en_money(p["amount_k"].to_numpy()), strict=True))
    c = w.contacts
    _write_csv(raw / "contacts.csv", ["Client ID", "Person", "Role", "Function", "Level", "Owner",
                                      "Last contact"],
               zip(c["code"], c["person"], c["role"], c["function"], c["level"], c["owner"],
                   c["last"].dt.strftime("%Y-%m-%d"), strict=True))
    s = w.assessment
    _write_csv(raw / "assessment.csv", ["Client ID", "Criterion", "Score"],
               zip(s["code"], s["criterion"], s["score"], strict=True))
    t = w.team
    _write_csv(raw / "team.csv", ["Person", "Role", "Annual cost", "Available hours", "Region"],
               zip(t["person"], t["role"], t["annual_cost"].astype(int), t["hours"], t["region"],
                   strict=True))
    return {"files": {}, "rejected": [], "noise_lines": []}
