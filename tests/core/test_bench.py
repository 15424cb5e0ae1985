"""Smoke tests: each bench script runs at a tiny size and checks its own figures (money in =
money out across contenders, the totals row). Nothing here asserts on time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _bench(script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc.stdout


def test_ingest_bench_tiny() -> None:
    out = _bench("ingest.py", "--lines", "3000", "--clients", "40")
    assert "totals row     matches" in out
    assert "bare polars" in out and "target ≥ 1,000,000" in out
    assert "decoded read" in out and "the least a correct read costs" in out


def test_ingest_bench_utf8() -> None:
    """The register in UTF-8 with the BOM 1C 8.3 writes: read with its totals row."""
    out = _bench("ingest.py", "--lines", "3000", "--clients", "40", "--encoding", "utf-8-sig")
    assert "MB utf-8-sig" in out and "totals row     matches" in out
    assert "utf-8-sig decoded in Python" in out


def test_pnl_bench_tiny() -> None:
    out = _bench("pnl.py", "--lines", "20000", "--entities", "300", "--ooc-only", "10000")
    assert "the same Σ net revenue in every contender: yes" in out
    for kind in ("kamlib", "polars", "duckdb", "duckdb-ooc"):
        assert f"| 20,000 | {kind} |" in out
    assert "| 10,000 | duckdb-ooc |" in out and "| 10,000 | kamlib |" not in out


@pytest.mark.slow
def test_run_bench_tiny() -> None:
    out = _bench("run.py", "--lines", "3000", "--clients", "150")
    assert "kam run" in out and "report alone" in out
    # one sizing setting changed: only step 4 and the report run again
    assert "ran 04_kam_team_sizing, 05_audit_report; up to date 00_data_intake, " \
           "01_client_base_cleanup, 02_profitability, 03_key_client_profile" in out
