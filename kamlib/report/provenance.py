"""The report's provenance (inputs, settings, run) and its methodology appendix."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..steps import MAIN_AMOUNT
from .artefacts import REPORT_STEPS
from .helpers import _Ctx, _table
from .model import Method, Provenance, Table

#: methodology appendix: (step, method id) in order; texts in templates/i18n/<lang>/methods.yaml
METHOD_IDS: tuple[tuple[str, str], ...] = (
    ("01", "inn"), ("01", "ogrn"), ("01", "matching"), ("01", "groups"), ("01", "status"),
    ("02", "waterfall"), ("02", "cts"), ("02", "receivables"), ("02", "whale"),
    ("02", "cross_subsidy"), ("02", "abc_xyz"), ("02", "concentration"), ("02", "dependency"),
    ("02", "robustness"),
    ("03", "matrix"), ("03", "how_many"), ("03", "stability"), ("03", "coverage"),
    ("03", "clv"),
    ("04", "talley"), ("04", "sherman"), ("04", "break_even"), ("04", "assignment"),
    ("04", "adbudg"), ("04", "kpis"),
)


# --------------------------------------------------------------------------- provenance


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(d, dict):
        for k, v in d.items():
            out.update(_flatten(v, f"{prefix}{k}."))
    elif isinstance(d, list) and d and all(isinstance(x, dict) for x in d):
        for i, v in enumerate(d):
            out.update(_flatten(v, f"{prefix}{i}."))
    else:
        out[prefix.rstrip(".")] = d if not isinstance(d, list) else ", ".join(map(str, d))
    return out


def _provenance(ctx: _Ctx, now: str) -> tuple[Provenance, Table]:
    m = ctx.art.manifest
    files = (m.get("inputs") or {}).get("files", [])
    rows = []
    for fi in files:
        # the file's main amount (net revenue for sales …), never a sum of unlike columns
        main = (fi.get("money") or {}).get(MAIN_AMOUNT.get(fi.get("table") or "", ""), {})
        acc = float(main["accepted"]) if main.get("accepted") is not None else None
        rej = float(main["rejected"]) if main.get("rejected") is not None else None
        rows.append({"file": fi.get("file"), "sheet": fi.get("sheet") or "",
                     "table": ctx.st.get(f"table_name.{fi.get('table')}", fi.get("table")),
                     "sha256": fi.get("sha256"),
                     "size_bytes": fi.get("size_bytes"), "rows_read": fi.get("rows_read"),
                     "rows_accepted": fi.get("rows_accepted"),
                     "rows_rejected": fi.get("rows_rejected"),
                     # the rows read that are neither (totals rows, repeated headers, empty
                     # and group rows): read = accepted + rejected + skipped on every line
                     "rows_skipped": max(0, int(fi.get("rows_read") or 0)
                                         - int(fi.get("rows_accepted") or 0)
                                         - int(fi.get("rows_rejected") or 0)),
                     "money_accepted": acc,
                     "money_rejected": rej})
    inputs = pd.DataFrame(rows, columns=["file", "sheet", "table", "sha256", "size_bytes",
                                         "rows_read", "rows_accepted", "rows_rejected",
                                         "rows_skipped", "money_accepted", "money_rejected"])
    control = [
        ctx.fact("ct_sales_lines", "00", "sales_lines", "int"),
        ctx.fact("ct_net_revenue", "00", "net_revenue", "money"),
        ctx.fact("ct_pnl_net_revenue", "02", "reconciled_with_sales.pnl_net_revenue", "money"),
        ctx.fact("ct_rejected_rows", "00", "rejected_rows", "int"),
        ctx.fact("ct_rejected_money", "00", "rejected_money", "money"),
        ctx.fact("ct_contribution", "02", "totals.contribution", "money"),
    ]
    decisions = ctx.art.tables.get("decisions")
    if decisions is None:
        decisions = pd.DataFrame(columns=["client_id_a", "client_id_b", "decision", "note",
                                          "decided_on"])
    steps = pd.DataFrame([
        {"step": k, "title": ctx.t(f"step.{k[:2]}"),
         "status": ctx.t(f"step_status.{v.get('status', 'ok')}"),
         "finished": v.get("finished"), "seconds": v.get("seconds")}
        for k, v in (m.get("steps") or {}).items()])
    # a report made inside `kam run` is built before the run is marked finished: the analysis
    # finished when its last step did. A run of the report step alone started after its
    # steps finished: it has no end yet ("—"; the steps' table says when each ran), never the
    # previous run's end, which a manifest written before the runner cleared it may hold
    started = str(m.get("run_started") or "")
    finished = m.get("run_finished") or max(
        (v.get("finished") for k, v in (m.get("steps") or {}).items()
         if k in dict(REPORT_STEPS) and v.get("finished")), default=None)
    if finished and str(finished) < started:
        finished = None
    prov = Provenance(m.get("run_started"), finished, now,
                      dict(m.get("versions") or {}), _flatten(m.get("parameters") or {}),
                      inputs, control, decisions, steps)
    table = _table(ctx, "inputs", inputs, [
        ("file", "text"), ("sheet", "text"), ("table", "text"), ("rows_read", "int"),
        ("rows_accepted", "int"), ("rows_rejected", "int"), ("rows_skipped", "int"),
        ("money_accepted", "money"),
        ("money_rejected", "money"), ("sha256", "text")], "work/manifest.json#inputs.files",
        preview=30)
    return prov, table


def _methods(ctx: _Ctx) -> list[Method]:
    return [Method(ctx.t(f"step.{step}"), ctx.t(f"methods.{mid}.name"),
                   ctx.t(f"methods.{mid}.formula"), ctx.t(f"methods.{mid}.source"))
            for step, mid in METHOD_IDS]
