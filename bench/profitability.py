"""Benchmark: the client P&L (`client_pnl`) and `monthly_revenue` on generated data.

Generates in memory (nothing written) N sales lines over two years for E entities — string
document and entity ids, net/gross (20% VAT)/VAT-inclusive discount/COGS, ~2% return
documents — plus an activities table (Доставка, Визит, Сервисный выезд, Звонок, Обед) and a
payments table, then times `client_pnl` (polars inputs, a CostModel with every rate set and
a delivery pool) and `monthly_revenue`, printing wall seconds, lines/s and peak RSS.

    python bench/profitability.py [--lines 10000000] [--entities 200000]
                                  [--activities 1000000] [--payments 1000000] [--profile]

Target: the P&L step under 30 s and under 4 GB peak RSS on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from kamlib.profitability.pnl import CostModel, client_pnl, monthly_revenue

ACTIVITIES = ["Доставка", "Визит", "Сервисный выезд", "Звонок", "Обед"]


def maxrss_mb() -> float:
    """Peak RSS of this process so far (getrusage, KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mb(field: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ≥ 4.0), so VmHWM measures one step."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def generate(lines: int, entities: int, n_act: int, n_pay: int, seed: int = 1
             ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pd.DataFrame, pd.Series]:
    """Sales lines, activities, payments, the client catalogue and the entity map."""
    rng = np.random.default_rng(seed)
    n_docs = max(1, lines // 4)
    doc = np.sort(rng.integers(0, n_docs, lines))
    # skewed but covering: entity = floor(E × u²) (a few big clients, a long tail)
    doc_entity = (entities * rng.random(n_docs) ** 2).astype(np.int64)
    doc_ret = rng.random(n_docs) < 0.02
    sign = np.where(doc_ret[doc], -1.0, 1.0)
    net = np.round(rng.integers(1, 50, lines) * rng.uniform(10, 5000, lines), 2) * sign
    gross = np.round(net * 1.2, 2)
    disc = np.where(rng.random(lines) < 0.4, np.round(gross * rng.uniform(0, 0.15, lines), 2),
                    0.0)
    cogs = np.round(net * rng.uniform(0.5, 0.9, lines), 2)
    sales = pl.DataFrame({
        "doc": doc, "day": doc * 730 // n_docs, "ent": doc_entity[doc],
        "net_revenue": net, "gross_revenue": gross, "discount": disc, "cogs": cogs,
        "is_return": doc_ret[doc],
    }).select(
        (pl.date(2024, 1, 1) + pl.duration(days=pl.col("day"))).alias("date"),
        ("D" + pl.col("doc").cast(pl.String).str.pad_start(9, "0")).alias("document_id"),
        ("C" + pl.col("ent").cast(pl.String).str.pad_start(7, "0")).alias("entity_id"),
        "net_revenue", "gross_revenue", "discount", "cogs", "is_return",
    )
    del doc, sign, net, gross, disc, cogs

    act = pl.DataFrame({
        "ent": (entities * rng.random(n_act) ** 2).astype(np.int64),
        "day": rng.integers(0, 730, n_act),
        "a": rng.integers(0, len(ACTIVITIES), n_act),
        "quantity": rng.integers(1, 5, n_act).astype(np.float64),
        "cost": np.round(rng.uniform(50, 2000, n_act), 2),
    }).select(
        ("C" + pl.col("ent").cast(pl.String).str.pad_start(7, "0")).alias("client_id"),
        (pl.date(2024, 1, 1) + pl.duration(days=pl.col("day"))).alias("date"),
        pl.col("a").replace_strict(dict(enumerate(ACTIVITIES)), return_dtype=pl.String)
        .alias("activity"),
        "quantity", "cost",
    )

    # payments: n_pay invoices (non-return documents), some unpaid
    pay_docs = rng.choice(np.flatnonzero(~doc_ret), size=min(n_pay, int((~doc_ret).sum())),
                          replace=False)
    inv_day = pay_docs * 730 // n_docs
    terms = rng.choice([0, 14, 30, 60], len(pay_docs))
    late = np.maximum(0, rng.normal(5, 15, len(pay_docs))).astype(np.int64)
    paid = rng.random(len(pay_docs)) < 0.95
    pay = pl.DataFrame({
        "doc": pay_docs, "ent": doc_entity[pay_docs],
        "due": inv_day + terms, "paid": np.where(paid, inv_day + terms + late, -1),
        "amount": np.round(rng.uniform(100, 100_000, len(pay_docs)), 2),
    }).select(
        ("C" + pl.col("ent").cast(pl.String).str.pad_start(7, "0")).alias("client_id"),
        ("D" + pl.col("doc").cast(pl.String).str.pad_start(9, "0")).alias("document_id"),
        (pl.date(2024, 1, 1) + pl.duration(days=pl.col("due"))).alias("due_date"),
        pl.when(pl.col("paid") >= 0)
        .then(pl.date(2024, 1, 1) + pl.duration(days=pl.col("paid"))).alias("paid_date"),
        "amount",
    )
    codes = [f"C{i:07d}" for i in range(entities)]
    clients = pd.DataFrame({"client_id": codes,
                            "payment_terms_days": rng.choice([0, 14, 30, 60], entities)})
    entity_map = pd.Series(codes, index=codes)
    return sales, act, pay, clients, entity_map


def main() -> int:
    """Generate, time the P&L and monthly revenue, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--entities", type=int, default=200_000)
    ap.add_argument("--activities", type=int, default=1_000_000)
    ap.add_argument("--payments", type=int, default=1_000_000)
    ap.add_argument("--profile", action="store_true", help="cProfile the P&L step")
    args = ap.parse_args()

    t0 = time.perf_counter()
    sales, act, pay, clients, entity_map = generate(args.lines, args.entities,
                                                     args.activities, args.payments)
    gc.collect()
    gen_s = time.perf_counter() - t0
    print(f"generated {sales.height:,} lines ({sales['entity_id'].n_unique():,} entities, "
          f"{sales['is_return'].mean():.1%} return lines), {act.height:,} activities, "
          f"{pay.height:,} payments in {gen_s:.1f} s; data {sales.estimated_size('mb'):,.0f} MB; "
          f"RSS now {_status_mb('VmRSS'):,.0f} MB, peak so far {maxrss_mb():,.0f} MB")

    costs = CostModel({"order": 100, "line": 10, "return": 50, "delivery": 200, "visit": 500,
                       "service_hour": 80, "call": 20}, {"delivery": 1e6},
                      receivables_rate=0.16)
    gen_peak = maxrss_mb()
    base = _status_mb("VmRSS")
    can_reset = reset_peak()
    prof = cProfile.Profile() if args.profile else None
    t0 = time.perf_counter()
    if prof:
        prof.enable()
    pnl, notes = client_pnl(sales, costs=costs, activities=act, payments=pay, clients=clients,
                            entity_map=entity_map)
    if prof:
        prof.disable()
    pnl_s = time.perf_counter() - t0
    step_peak = _status_mb("VmHWM") if can_reset else maxrss_mb()
    print(f"client_pnl: {pnl_s:.2f} s wall, {sales.height / pnl_s:,.0f} lines/s, "
          f"{len(pnl):,} rows; peak RSS during step {step_peak:,.0f} MB "
          f"(+{step_peak - base:,.0f} MB over the {base:,.0f} MB of data), "
          f"process peak {max(gen_peak, maxrss_mb()):,.0f} MB")
    ok = (abs(pnl["net_revenue"].sum() - sales["net_revenue"].sum())
          < 1e-6 * abs(sales["net_revenue"].sum()))
    print(f"  Σ net_revenue in = out: {'yes' if ok else 'NO'}; notes: {notes}")

    reset_peak()
    base = _status_mb("VmRSS")
    t0 = time.perf_counter()
    m = monthly_revenue(sales)
    m_s = time.perf_counter() - t0
    step_peak = _status_mb("VmHWM") if can_reset else maxrss_mb()
    print(f"monthly_revenue: {m_s:.2f} s wall, {sales.height / m_s:,.0f} lines/s, "
          f"{len(m):,} rows; peak RSS during step {step_peak:,.0f} MB "
          f"(+{step_peak - base:,.0f} MB)")
    # the rest of the step: classes, curves, concentration, loss makers, robustness, growth
    from kamlib.profitability import curves as cv
    from kamlib.profitability.scenarios import robustness, what_if_drop, what_if_reprice

    reset_peak()
    t0 = time.perf_counter()
    pnl["abc_revenue"] = cv.abc(pnl, value="net_revenue")
    pnl["abc_contribution"] = cv.abc(pnl, value="contribution")
    x = cv.xyz(m)
    cv.whale_curve(pnl)
    cv.whale_figures(pnl)
    cv.concentration(pnl)
    losers = cv.loss_makers(pnl)
    cv.price_waterfall(pnl)
    cv.abc_xyz_matrix(pnl["abc_revenue"], x["xyz"])
    rob = robustness(pnl, costs)
    cv.growth(m)
    ids = list(losers["entity_id"]) if "entity_id" in losers.columns else list(losers.index)
    what_if_drop(pnl, ids)
    what_if_reprice(pnl, ids)
    rest_s = time.perf_counter() - t0
    step_peak = _status_mb("VmHWM") if can_reset else maxrss_mb()
    print(f"curves, classes, robustness ({len(rob)} scenarios), growth, what-if: "
          f"{rest_s:.2f} s wall; peak RSS {step_peak:,.0f} MB")
    print(f"the whole step: {pnl_s + m_s + rest_s:.1f} s (target: under 30 s, 4 GB)")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
          f"polars {pl.__version__}, pandas {pd.__version__}")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
