"""The foreign-layout corpus (tests/data/foreign, written by tests/data/make_foreign.py): real
export shapes nobody on the team made, each through `kam check` and steps 0–2, with the
figures computed independently by the generator (expected.json)."""

from __future__ import annotations

import io
import json
import re
import shutil
import zipfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from kamlib.cleanup import run_cleanup
from kamlib.cli import main
from kamlib.engagement import Engagement, init_engagement
from kamlib.profitability import run_profitability
from kamlib.runner import run_intake
from tests.helpers import DATA, raw_hashes

FOREIGN = DATA / "foreign"


def _engagement(tmp_path: Path, case: str) -> Path:
    root = tmp_path / case
    init_engagement(root, client="Foreign")
    for f in (FOREIGN / case / "raw").iterdir():
        shutil.copy2(f, root / "raw" / f.name)
    return root


def _expected(case: str) -> dict:
    return json.loads((FOREIGN / case / "expected.json").read_text("utf-8"))


def _run_steps(root: Path) -> tuple[object, pd.DataFrame]:
    before = raw_hashes(root)
    eng = Engagement.open(root)
    result = run_intake(eng)
    run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
    run_profitability(root, eng.step_dir("02_profitability"))
    assert raw_hashes(root) == before, "raw files were modified"
    sales = pd.read_parquet(eng.step_dir("01_client_base_cleanup") / "sales.parquet")
    return result, sales


@pytest.mark.parametrize("case", ["1c_report_form", "uk_lines", "bi_sales_ru"])
def test_kam_check_accepts(case: str, tmp_path: Path, capsys) -> None:
    root = _engagement(tmp_path, case)
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr()
    assert "internal error" not in out.err and "Traceback" not in out.out + out.err


def test_1c_report_form(tmp_path: Path) -> None:
    exp = _expected("1c_report_form")
    result, sales = _run_steps(_engagement(tmp_path, "1c_report_form"))
    assert result.ok, [str(e) for e in result.errors]
    (f,) = result.files
    assert f.rows_accepted == exp["address_rows"] and f.rows_rejected == 0
    assert f.rows_skipped["group row (a subtotal of the rows under it)"] == exp["group_rows"]
    assert f.sales_level == "period" and f.period == exp["period"]
    assert f.totals_row["gross_revenue"]["ok"]
    assert Decimal(f.totals_row["gross_revenue"]["file"]) == Decimal(exp["gross"])
    assert Decimal(f.money["gross_revenue"]["accepted"]) == Decimal(exp["gross"])
    assert Decimal(f.money["vat"]["accepted"]) == Decimal(exp["vat"])
    assert Decimal(result.control["sales"]["accepted"]) == Decimal(exp["net"])
    # the clients are the 7 client groups, not managers, cities or sectors
    clients = result.tables["clients"]
    assert clients.height == exp["clients"]
    assert set(clients["name"].to_list()) == set(exp["client_gross"])
    names = dict(zip(clients["client_id"], clients["name"], strict=True))
    by_client = result.tables["sales"].group_by("client_id").agg(pl.col("gross_revenue").sum())
    assert {names[c]: Decimal(str(round(g, 2))) for c, g in by_client.iter_rows()} == {
        k: Decimal(v) for k, v in exp["client_gross"].items()}
    assert round(float(sales["net_revenue"].sum()), 2) == float(exp["net"])


def _flat_copy(src: Path, dst: Path, *, total_20: tuple[str, str] | None = None) -> None:
    """The same report with its outline levels lost (as when re-saved by another tool);
    optionally with the ИТОГО of the 20% column changed (a row missing from the export)."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            part = zin.read(item)
            if item.filename.startswith("xl/worksheets/"):
                part = re.sub(rb'\s(outlineLevel|collapsed)="\d+"', b"", part)
                if total_20:
                    old, new = (f"<v>{x}</v>".encode() for x in total_20)
                    assert part.count(old) == 1
                    part = part.replace(old, new)
            zout.writestr(item, part)
    dst.write_bytes(out.getvalue())


def _flat_engagement(tmp_path: Path, **kw: object) -> Path:
    exp = _expected("1c_report_form")
    root = tmp_path / "flat"
    init_engagement(root, client="Foreign")
    _flat_copy(FOREIGN / "1c_report_form" / "raw" / exp["file"], root / "raw" / exp["file"],
               **kw)  # type: ignore[arg-type]
    return root


def test_1c_report_form_without_outline_levels_by_sums(tmp_path: Path) -> None:
    exp = _expected("1c_report_form")
    result, _ = _run_steps(_flat_engagement(tmp_path))
    assert result.ok, [str(e) for e in result.errors]
    (f,) = result.files
    assert f.rows_accepted == exp["address_rows"]
    assert f.rows_skipped["group row (a subtotal of the rows under it)"] == exp["group_rows"]
    assert Decimal(result.control["sales"]["accepted"]) == Decimal(exp["net"])
    assert set(result.tables["clients"]["name"].to_list()) == set(exp["client_gross"])


def test_1c_report_form_whose_total_disagrees_stops_naming_both_figures(tmp_path) -> None:
    from kamlib.config import load_config
    from kamlib.intake import ingest

    exp = _expected("1c_report_form")
    g20 = Decimal(exp["gross_20"])
    root = _flat_engagement(tmp_path, total_20=(str(g20), str(g20 + 100)))
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert not result.ok
    err = next(e for e in result.errors if "totals row" in e.message)
    said = Decimal(exp["gross"]) + 100

    def ru(x: Decimal) -> str:
        return f"{x:,.2f}".replace(",", " ").replace(".", ",")

    assert ru(said) in err.message and "rows add up to" in err.message
    assert "group or subtotal rows" in err.message and "outline" in err.hint


def test_uk_lines(tmp_path: Path) -> None:
    exp = _expected("uk_lines")
    result, sales = _run_steps(_engagement(tmp_path, "uk_lines"))
    assert result.ok
    (f,) = result.files
    assert f.rows_read == exp["rows"]
    assert Decimal(result.control["sales"]["accepted"]) == Decimal(exp["net"])
    assert Decimal(result.control["sales"]["rejected"]) == Decimal(exp["rejected"])
    got = {r["client_id"]: Decimal(str(round(r["net_revenue"], 2))) for r in
           result.tables["sales"].group_by("client_id").agg(
               pl.col("net_revenue").sum()).iter_rows(named=True)}
    assert got == {k: Decimal(v) for k, v in exp["client_net"].items()}
    assert f.period == exp["period"]
    assert round(float(sales["net_revenue"].sum()), 2) == float(exp["net"])


def test_bi_sales_ru(tmp_path: Path) -> None:
    exp = _expected("bi_sales_ru")
    result, _ = _run_steps(_engagement(tmp_path, "bi_sales_ru"))
    assert result.ok
    (f,) = result.files
    assert f.encoding == "cp1251" and f.rows_accepted == exp["rows"]
    assert Decimal(f.money["gross_revenue"]["accepted"]) == Decimal(exp["gross"])
    assert Decimal(result.control["sales"]["accepted"]) == Decimal(exp["net"])
    assert result.tables["clients"].height == exp["clients"]
