"""Progress inside the intake: a line per file and about every PROGRESS_EVERY lines of a
text file (lowered here), with the same tables as a read without progress."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import polars as pl

from kamlib import io as kio
from kamlib import textbody
from kamlib.engagement import Engagement, init_engagement
from kamlib.intake import ingest

ROOT = Path(__file__).resolve().parents[2]


def _register(tmp: Path, lines: int) -> Path:
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "bench" / "ingest.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    root = tmp / "eng"
    init_engagement(root, client="Progress")
    bench.generate(root, lines, 30, seed=3)  # the 1C register shape, quoted names included
    return root


def _tables(res) -> dict[str, pl.DataFrame]:
    return {k: pl.from_pandas(v) if not isinstance(v, pl.DataFrame) else v
            for k, v in res.tables.items()}


def test_progress_every_n_lines_same_tables(tmp_path, monkeypatch) -> None:
    root = _register(tmp_path, 1_000)
    cfg = Engagement.open(root).config
    quiet = ingest(root, cfg)
    monkeypatch.setattr(textbody, "PROGRESS_EVERY", 150)
    said: list[str] = []
    loud = ingest(root, cfg, on_progress=said.append)
    parts = [m for m in said if "lines read" in m and m.startswith("Продажи.csv")]
    # 1,001 body lines (1,000 lines and the totals row) about 150 at a time: 6 or 7 parts,
    # increasing, the last one the whole body
    assert 6 <= len(parts) <= 8
    counts = [int(m.split(": ")[1].split(" of ")[0].replace(",", "")) for m in parts]
    assert counts == sorted(counts) and counts[-1] == 1_001
    assert all(m.endswith("of 1,001 lines read") for m in parts)
    assert any(m.startswith("Продажи.csv: ") and " lines, sales (" in m for m in said)
    assert quiet.ok and loud.ok
    a, b = _tables(quiet), _tables(loud)
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].equals(b[k]), k


def test_quoted_value_across_lines_read_whole(tmp_path, monkeypatch) -> None:
    """A value spanning lines inside quotes: the parts stop there, the file is read whole
    and its row numbers are those a text editor shows."""
    body = ["Дата;Документ;Клиент;Сумма"]
    for i in range(40):
        name = '"ООО ""Вектор""\nфилиал"' if i == 17 else f"Клиент {i % 5}"
        body.append(f"0{1 + i % 9}.01.2025;Д{i};{name};{100 + i},00")
    path = tmp_path / "sales.csv"
    path.write_bytes("\r\n".join(body).encode("cp1251"))
    whole = kio.read_raw(path)[0].data
    monkeypatch.setattr(textbody, "PROGRESS_EVERY", 7)
    said: list[str] = []
    parted = kio.read_raw(path, on_progress=said.append)[0].data
    assert parted.equals(whole)
    # the parts before the two-line value were reported; the read never completed in parts
    assert said[0] == "reading sales.csv" and not any(m.endswith("41 of 41 lines read")
                                                      for m in said)
    # header on line 1, record i on line i + 2, record 17 on lines 19-20: record 18 on 21
    assert whole["_row"].to_list()[17:19] == [19, 21]


def test_kam_check_prints_no_progress_when_not_a_terminal(tmp_path) -> None:
    root = _register(tmp_path, 300)
    cmd = [str(Path(sys.executable).with_name("kam")), "check", str(root)]
    out = subprocess.run(cmd, capture_output=True, text=True)  # not a terminal: no progress
    assert out.returncode == 0 and "lines read" not in out.stderr + out.stdout
