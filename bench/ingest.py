"""Benchmark: `kam check` on a generated 1C sales register, beside a bare polars read.

Generates (not committed) an engagement whose sales file has the shape real 1C register
exports have: cp1251, `;`, a title line, the columns
`Период;Регистратор;Код контрагента;Контрагент;Номенклатура.Код;Номенклатура;Количество;
Сумма;Сумма НДС;Себестоимость;Менеджер`, a registrar string on every line
("Реализация товаров и услуг 00000022091 от 25.10.2024 11:12:00", returns as "Возврат товаров
от клиента …"), the client's name on every line (quotes included: `ООО "Вектор"`,
`АО «Меридиан»`, `ИП Орлов Иван Петрович`), decimal commas with NBSP thousands and a totals
row; plus the client catalogue. Then, in the same run, in separate processes:

- `kam check` on the engagement: wall time, lines/s, CPU seconds, peak memory (max RSS of
  the process, measured by a small parent of its own);
- a bare polars read of the same file (the same bytes, every column as text): wall time of
  the same kind of process (interpreter start and `import polars` included), and the time
  of the `read_csv` call alone; the issue's peer. It reads the cp1251 bytes as lossy UTF-8,
  every Cyrillic letter lost;
- the same read after decoding the file from cp1251 in Python, the least a correct read
  costs with polars (which reads UTF-8 only): printed beside, for context;

and prints each figure beside the issue's target (issue 14): at least 1,000,000 lines/s, at
most 1.5 times the bare polars read, peak memory at most 1.5 GB.

    python bench/ingest.py [--lines 2000000] [--clients 2000] [--keep DIR]
    python bench/ingest.py --lines 250000,1000000,2000000      # a growth table
    python bench/ingest.py --encoding utf-8-sig               # the register as 1C 8.3 saves it

Timings on a shared machine vary; run it twice and keep the lower figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

TARGET_LPS = 1_000_000
TARGET_RATIO = 1.5
TARGET_PEAK_MB = 1.5 * 1024

SYL = ["ра", "ко", "мир", "вест", "ал", "тек", "про", "сер", "вит", "лан", "дор", "ник", "ста",
       "рос", "бел", "гор", "зен", "тал", "мар", "кор", "нов", "лид", "эко", "агро", "тех",
       "сиб", "вол", "ур", "кам", "лес", "газ", "хим", "фарм", "строй", "торг", "мед", "гран"]
SURNAMES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Волков", "Орлов",
            "Лебедев", "Козлов", "Новиков", "Морозов", "Егоров", "Павлов", "Соколов"]
FIRST = ["Иван", "Пётр", "Сергей", "Андрей", "Дмитрий", "Алексей", "Михаил", "Олег"]
PATRONYMIC = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "Юрьевич"]
MANAGERS = ["Герасимова Ю.О.", "Соколов А.В.", "Морозова Е.С.", "Павлов Д.И.", "Егорова Н.А."]
# the bare read, in its own process as `kam check` runs in its own
BARE = """
import sys, time, resource
t0 = time.perf_counter()
import polars as pl
t1 = time.perf_counter()
df = pl.read_csv(sys.argv[1], separator=";", encoding="utf8-lossy", skip_rows=2,
                 infer_schema=False, truncate_ragged_lines=True, quote_char='"')
t2 = time.perf_counter()
print(df.height, t2 - t1, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""

# the same read after decoding the cp1251 bytes in Python (polars reads UTF-8 only; the
# lossy read above turns every Cyrillic letter into U+FFFD): the least a correct read of
# this file costs with polars
BARE_DECODED = BARE.replace(
    'df = pl.read_csv(sys.argv[1], separator=";", encoding="utf8-lossy", skip_rows=2,',
    'df = pl.read_csv(open(sys.argv[1], encoding=sys.argv[2]).read().encode(), separator=";",'
    ' skip_rows=2,')
assert BARE_DECODED != BARE


def _money(minor: pl.Expr) -> pl.Expr:
    """Kopecks → '1\u00a0234,56' (NBSP thousands, decimal comma)."""
    whole = (minor.abs() // 100).cast(pl.String)
    frac = (minor.abs() % 100).cast(pl.String).str.pad_start(2, "0")
    n = whole.str.len_chars().cast(pl.Int64)
    grouped = whole
    for k in (1, 2, 3, 4):  # up to 15 digits; the longest form is tried first (outermost)
        head = (n - 3 * k).clip(0)  # (evaluated on every row, taken where n > 3k)
        groups = [whole.str.slice(head + 3 * i, 3) for i in range(k)]
        grouped = pl.when(n > 3 * k).then(
            pl.concat_str([whole.str.slice(0, head), *groups], separator="\u00a0")
        ).otherwise(grouped)
    return pl.when(minor < 0).then(pl.lit("-")).otherwise(pl.lit("")) + grouped + "," + frac


def client_names(n: int, rng: np.random.Generator) -> list[str]:
    """``n`` distinct client names as 1C writes them: legal form first, quotes of both kinds,
    sole proprietors by full name."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        kind = rng.random()
        if kind < 0.15:
            name = (f"ИП {SURNAMES[rng.integers(len(SURNAMES))]} "
                    f"{FIRST[rng.integers(len(FIRST))]} "
                    f"{PATRONYMIC[rng.integers(len(PATRONYMIC))]}")
        else:
            word = "".join(SYL[i] for i in rng.integers(0, len(SYL), rng.integers(2, 4)))
            form = "ООО" if kind < 0.8 else ("АО" if kind < 0.93 else "ПАО")
            name = (f'{form} "{word.capitalize()}"' if rng.random() < 0.7
                    else f"{form} «{word.capitalize()}»")
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def generate(root: Path, lines: int, clients: int, seed: int = 1,
             encoding: str = "cp1251") -> Path:
    """Write ``root/raw/Продажи.csv`` (1C register shape, in ``encoding``: cp1251 as 1C 7.7
    and most 8.x reports save text, or UTF-8 with its BOM as 8.3 does) and
    ``root/raw/Контрагенты.csv`` (the catalogue); return the sales file's path."""
    rng = np.random.default_rng(seed)
    raw = root / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    codes = pl.Series([f"00-{i:06d}" for i in range(clients)])
    names = pl.Series(client_names(clients, rng))
    cat = pl.DataFrame({"Код": codes, "Наименование": names})
    (raw / "Контрагенты.csv").write_bytes(cat.write_csv(separator=";").encode("cp1251"))

    n_docs = max(lines // 4, 1)
    doc = np.sort(rng.integers(0, n_docs, lines))
    second = (doc * (1095 * 86400 // n_docs)).astype(np.int64) + rng.integers(28800, 64800,
                                                                            n_docs)[doc]
    client = (rng.zipf(1.3, n_docs) - 1) % clients
    ret = rng.random(n_docs) < 0.02
    qty = rng.integers(1, 50, lines)
    price = rng.integers(100, 500_000, lines)  # kopecks
    sign = np.where(ret[doc], -1, 1)
    gross = sign * qty * price
    df = pl.DataFrame({"doc": doc, "sec": second, "client": client[doc], "ret": ret[doc],
                       "qty": sign * qty, "gross": gross, "sku": rng.integers(0, 3000, lines),
                       "mgr": rng.integers(0, len(MANAGERS), n_docs)[doc]})
    stamp = pl.datetime(2023, 1, 1) + pl.duration(seconds=pl.col("sec"))
    date = stamp.dt.strftime("%d.%m.%Y")
    out = df.select(
        (date + " 0:00:00").alias("Период"),
        (pl.when(pl.col("ret")).then(pl.lit("Возврат товаров от клиента "))
         .otherwise(pl.lit("Реализация товаров и услуг ")) + pl.col("doc").cast(pl.String)
         .str.pad_start(11, "0") + " от " + date + " "
         + stamp.dt.strftime("%H:%M:%S").str.strip_prefix("0")).alias("Регистратор"),
        codes.gather(pl.Series(df["client"])).alias("Код контрагента"),
        names.gather(pl.Series(df["client"])).alias("Контрагент"),
        ("00-" + pl.col("sku").cast(pl.String).str.pad_start(8, "0")).alias("Номенклатура.Код"),
        ("Товар " + pl.col("sku").cast(pl.String)).alias("Номенклатура"),
        pl.col("qty").cast(pl.String).alias("Количество"),
        _money(pl.col("gross")).alias("Сумма"),
        _money((pl.col("gross") * 20 / 120).round(0).cast(pl.Int64)).alias("Сумма НДС"),
        _money((pl.col("gross") * 0.6).round(0).cast(pl.Int64)).alias("Себестоимость"),
        pl.Series(MANAGERS).gather(pl.Series(df["mgr"])).alias("Менеджер"),
    )
    total = int(df["gross"].sum())
    body = out.write_csv(separator=";", quote_style="necessary", line_terminator="\r\n")
    del out
    text = ("Продажи за период 01.01.2023 - 31.12.2025\r\n\r\n" + body
            + f"Итого;;;;;;{int(df['qty'].sum())};"
            + pl.select(_money(pl.lit(total, dtype=pl.Int64))).item() + ";;;\r\n")
    del body
    path = raw / "Продажи.csv"
    path.write_bytes(text.encode(encoding))
    return path


# runs a command and reports its max RSS and CPU seconds: a child's ru_maxrss counts the RSS
# its parent had when it started it (Linux keeps the high-water mark across exec), so the
# parent that starts `kam check` is this small script, not the bench (which generated data)
MEASURE = """
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:])
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"\\n@@ {u.ru_maxrss} {u.ru_utime + u.ru_stime} {p.returncode}", file=sys.stderr)
"""


def _measured(cmd: list[str]) -> tuple[str, str, int, float, float, float]:
    """Run ``cmd``: its stdout, stderr, exit code, wall and CPU seconds, peak RSS (MB)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-S", "-c", MEASURE, *cmd], capture_output=True,
                          text=True)
    wall = time.perf_counter() - t0
    err, _, tail = proc.stderr.rpartition("\n@@ ")
    rss, cpu, code = tail.split()
    return proc.stdout, err, int(code), wall, float(cpu), int(rss) / 1024


def _bare_read(path: Path, script: str = BARE, encoding: str = "cp1251"
               ) -> tuple[float, float, float, int]:
    """A process doing a bare polars read of ``path``: wall and CPU seconds, the read call
    alone, rows."""
    out, err, code, wall, cpu, _ = _measured([sys.executable, "-c", script, str(path),
                                               encoding])
    if code:
        raise SystemExit(f"the bare polars read failed: {err[-2000:]}")
    rows, read_s, _ = out.split()
    return wall, cpu, float(read_s), int(rows)


def _mark(ok: bool) -> str:
    return "meets" if ok else "MISSES"


KAM = str(Path(sys.executable).with_name("kam"))


def run_once(lines: int, clients: int, keep: Path | None,
             encoding: str = "cp1251") -> dict[str, float]:
    """Generate one engagement, measure `kam check` then the bare read; print and return."""
    root = keep or Path(tempfile.mkdtemp(prefix="kam-bench-")) / "eng"
    if root.exists():
        shutil.rmtree(root)
    kam = KAM
    subprocess.run([kam, "init", str(root), "--client", "Bench"], check=True,
                   stdout=subprocess.DEVNULL)
    t0 = time.perf_counter()  # generated in a process of its own, to keep this one small
    subprocess.run([sys.executable, __file__, "--generate", str(root), "--lines", str(lines),
                    "--clients", str(clients), "--encoding", encoding], check=True)
    path = root / "raw" / "Продажи.csv"
    gen_s = time.perf_counter() - t0
    size_mb = path.stat().st_size / 2**20
    print(f"generated {lines:,} lines ({clients:,} clients), {size_mb:,.0f} MB {encoding}, "
          f"in {gen_s:.1f} s")

    out, err, code, wall, cpu, peak_mb = _measured([kam, "check", str(root), "--max-rows",
                                                     "3"])
    if code != 0:
        print(out[-3000:], err[-3000:])
        raise SystemExit(1)
    ok_totals = "matches" in out and "DIFFERS" not in out
    bare_wall, bare_cpu, bare_read, bare_rows = _bare_read(path)
    dec_wall, dec_cpu, dec_read, _ = _bare_read(path, BARE_DECODED, encoding)
    lps = lines / wall
    ratio = wall / bare_wall
    print(f"  kam check      {wall:7.2f} s wall  {lps:>12,.0f} lines/s   target ≥ "
          f"{TARGET_LPS:,}: {_mark(lps >= TARGET_LPS)}   (CPU {cpu:.2f} s)")
    print(f"  bare polars    {bare_wall:7.2f} s wall  (read_csv alone {bare_read:.2f} s, "
          f"{bare_rows:,} rows)   (CPU {bare_cpu:.2f} s)")
    print(f"  ratio          {ratio:7.2f} ×  kam check / bare polars process   target ≤ "
          f"{TARGET_RATIO}: {_mark(ratio <= TARGET_RATIO)}   (CPU {cpu / bare_cpu:.2f} ×)")
    print(f"  decoded read   {dec_wall:7.2f} s wall  ({encoding} decoded in Python, then read_csv; "
          f"{dec_read:.2f} s after the import)   (CPU {dec_cpu:.2f} s): kam check is "
          f"{wall / dec_wall:.2f} × " + ("the least a correct read costs" if encoding == "cp1251"
          else "it (for context: a UTF-8 file's bare read is already a correct one)"))
    print(f"  peak memory    {peak_mb:7,.0f} MB (max RSS of `kam check`)   target ≤ "
          f"{TARGET_PEAK_MB:,.0f} MB: {_mark(peak_mb <= TARGET_PEAK_MB)}")
    print(f"  totals row     {'matches' if ok_totals else 'DIFFERS'}")
    if not keep:
        shutil.rmtree(root.parent, ignore_errors=True)
    return {"lines": lines, "mb": round(size_mb), "check_s": round(wall, 2),
            "check_cpu_s": round(cpu, 2), "bare_cpu_s": round(bare_cpu, 2),
            "lines_per_s": round(lps), "bare_s": round(bare_wall, 2),
            "ratio": round(ratio, 2), "peak_mb": round(peak_mb),
            "decoded_s": round(dec_wall, 2)}


def main() -> int:
    """Generate, run `kam check` and the bare read, print the figures beside the targets."""
    global KAM
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", default="2000000",
                    help="lines of the sales file; a comma-separated list runs each size in "
                    "its own process and prints a growth table")
    ap.add_argument("--clients", type=int, default=2_000)
    ap.add_argument("--encoding", default="cp1251", choices=["cp1251", "utf-8-sig", "utf-8"],
                    help="of the sales file: cp1251 (the issue's shape) or UTF-8, with the BOM "
                    "1C 8.3 writes (utf-8-sig) or without")
    ap.add_argument("--keep", type=Path, help="keep the generated engagement here")
    ap.add_argument("--kam", default=KAM, help="the `kam` command to measure (e.g. an older "
                    "build, for a before/after figure); default: the one beside this python")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--generate", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    KAM = args.kam
    if args.generate:
        generate(args.generate, int(args.lines), args.clients, encoding=args.encoding)
        return 0
    sizes = [int(x.replace("_", "")) for x in str(args.lines).split(",")]
    print(f"machine: {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
          f"python {sys.version.split()[0]}, polars {pl.__version__}")
    if len(sizes) == 1:
        row = run_once(sizes[0], args.clients, args.keep, args.encoding)
        if args.json:
            print(json.dumps(row))
        return 0
    rows = []
    for n in sizes:  # one process per size, so that each peak RSS is that size's own
        proc = subprocess.run([sys.executable, __file__, "--lines", str(n), "--clients",
                               str(args.clients), "--kam", KAM, "--json", "--encoding",
                               args.encoding],
                              capture_output=True, text=True)
        print(proc.stdout.rsplit("\n", 2)[0].split("\n", 1)[1] if proc.returncode == 0
              else proc.stdout + proc.stderr)
        if proc.returncode != 0:
            return 1
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print("\n| lines | MB | kam check s (CPU s) | lines/s | bare polars s (CPU s) | ratio | "
          "decoded read s | peak MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['lines']:,} | {r['mb']} | {r['check_s']} ({r['check_cpu_s']}) | "
              f"{r['lines_per_s']:,} | {r['bare_s']} ({r['bare_cpu_s']}) | {r['ratio']} | "
              f"{r['decoded_s']} | {r['peak_mb']:,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
