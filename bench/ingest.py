"""Benchmark: `kam check` on a generated 1C-style sales export.

Generates (not committed) an engagement with a cp1251, `;`-delimited sales CSV of N lines —
decimal commas, NBSP thousands, `31.12.2024 0:00:00` dates, 1C registrar strings, returns,
a title line and a totals row — plus a client catalogue, then runs `kam check` on it in a
subprocess and prints lines per second and peak memory (max RSS of the child).

    python bench/ingest.py [--lines 2000000] [--clients 5000] [--keep DIR]

Target (issue 2): at least 400,000 lines/s on the 2-core reference machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl


def _money(minor: pl.Expr) -> pl.Expr:
    """Kopecks → '1\u00a0234,56' (NBSP thousands, decimal comma)."""
    whole = (minor.abs() // 100).cast(pl.String)
    frac = (minor.abs() % 100).cast(pl.String).str.pad_start(2, "0")
    n = whole.str.len_chars().cast(pl.Int64)
    grouped = (pl.when(n > 6).then(whole.str.slice(0, n - 6) + "\u00a0" + whole.str.slice(n - 6, 3)
                                   + "\u00a0" + whole.str.slice(n - 3, 3))
               .when(n > 3).then(whole.str.slice(0, n - 3) + "\u00a0" + whole.str.slice(n - 3, 3))
               .otherwise(whole))
    return pl.when(minor < 0).then(pl.lit("-")).otherwise(pl.lit("")) + grouped + "," + frac


def generate(root: Path, lines: int, clients: int, seed: int = 1) -> Path:
    """Write ``root/raw/Продажи.csv`` (cp1251) and ``root/raw/Контрагенты.csv``."""
    rng = np.random.default_rng(seed)
    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    codes = [f"00-{i:06d}" for i in range(clients)]
    cat = pl.DataFrame({"Код": codes, "Наименование": [f"ООО «Клиент {i}»" for i in
                                                       range(clients)]})
    (raw / "Контрагенты.csv").write_bytes(cat.write_csv(separator=";").encode("cp1251"))

    n_docs = lines // 4
    doc = np.sort(rng.integers(0, n_docs, lines))
    day = (doc * 1095 // n_docs).astype(np.int64)
    client = rng.zipf(1.3, n_docs) % clients
    ret = rng.random(n_docs) < 0.02
    qty = rng.integers(1, 50, lines)
    price = rng.integers(100, 500_000, lines)  # kopecks
    gross = qty * price
    df = pl.DataFrame({"doc": doc, "day": day, "client": client[doc], "ret": ret[doc],
                       "qty": qty, "gross": gross,
                       "sku": rng.integers(0, 3000, lines)})
    date = (pl.date(2023, 1, 1) + pl.duration(days=pl.col("day"))).dt.strftime("%d.%m.%Y")
    out = df.select(
        (date + " 0:00:00").alias("Период"),
        (pl.when(pl.col("ret")).then(pl.lit("Возврат товаров от клиента "))
         .otherwise(pl.lit("Реализация товаров и услуг ")) + pl.col("doc").cast(pl.String)
         .str.pad_start(10, "0") + " от " + date + " 12:00:00").alias("Регистратор"),
        pl.col("client").map_elements(lambda i: codes[i], return_dtype=pl.String)
        .alias("Код контрагента"),
        ("Товар " + pl.col("sku").cast(pl.String)).alias("Номенклатура"),
        pl.col("qty").cast(pl.String).alias("Количество"),
        _money(pl.col("gross")).alias("Сумма с НДС"),
        _money((pl.col("gross") * 20 / 120).round(0).cast(pl.Int64)).alias("НДС"),
        _money((pl.col("gross") * 0.6).round(0).cast(pl.Int64)).alias("Себестоимость"),
    )
    total = int(df["gross"].sum())
    body = out.write_csv(separator=";", quote_style="necessary", line_terminator="\r\n")
    text = ("Продажи за период 01.01.2023 - 31.12.2025\r\n\r\n" + body
            + f"Итого;;;;{int(df['qty'].sum())};"
            + pl.select(_money(pl.lit(total, dtype=pl.Int64))).item() + ";;\r\n")
    path = raw / "Продажи.csv"
    path.write_bytes(text.encode("cp1251"))
    return path


def main() -> int:
    """Generate, run `kam check`, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=2_000_000)
    ap.add_argument("--clients", type=int, default=5_000)
    ap.add_argument("--keep", type=Path, help="keep the generated engagement here")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="kam-bench-")) / "eng"
    if root.exists():
        shutil.rmtree(root)
    t0 = time.perf_counter()
    kam = str(Path(sys.executable).with_name("kam"))
    subprocess.run([kam, "init", str(root), "--client", "Bench"], check=True,
                   stdout=subprocess.DEVNULL)
    path = generate(root, args.lines, args.clients)
    gen_s = time.perf_counter() - t0
    size_mb = path.stat().st_size / 2**20
    print(f"generated {args.lines:,} lines, {size_mb:,.0f} MB cp1251, in {gen_s:.1f} s")

    t0 = time.perf_counter()
    proc = subprocess.run([kam, "check", str(root), "--max-rows", "3"], capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        return 1
    ok_totals = "matches" in proc.stdout and "DIFFERS" not in proc.stdout
    print(f"kam check: {wall:.2f} s wall, {args.lines / wall:,.0f} lines/s, "
          f"peak RSS {peak_mb:,.0f} MB, totals row {'matches' if ok_totals else 'DIFFERS'}")
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    if not args.keep:
        shutil.rmtree(root.parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
