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
import pytest

from kamlib.cleanup import run_cleanup
from kamlib.cli import main
from kamlib.engagement import Engagement, init_engagement
from kamlib.profitability import run_profitability
from kamlib.runner import run_intake

from .conftest import DATA, raw_hashes

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
    by_client = result.tables["sales"].group_by("client_id").agg(
        pl_sum := __import__("polars").col("gross_revenue").sum())
    assert len(by_client) == exp["clients"] and pl_sum is not None
    assert round(float(sales["net_revenue"].sum()), 2) == float(exp["net"])


def _flat_copy(src: Path, dst: Path) -> None:
    """The same report with its outline levels lost (as when re-saved by another tool)."""
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            part = zin.read(item)
            if item.filename.startswith("xl/worksheets/"):
                part = re.sub(rb'\s(outlineLevel|collapsed)="\d+"', b"", part)
            zout.writestr(item, part)
    dst.write_bytes(out.getvalue())


def test_1c_report_form_without_outline_stops_naming_both_figures(tmp_path: Path) -> None:
    exp = _expected("1c_report_form")
    root = tmp_path / "flat"
    init_engagement(root, client="Foreign")
    src = FOREIGN / "1c_report_form" / "raw" / exp["file"]
    _flat_copy(src, root / "raw" / exp["file"])
    eng = Engagement.open(root)
    from kamlib.config import load_config
    from kamlib.intake import ingest

    result = ingest(root, load_config(root / "engagement.yaml"))
    assert not result.ok
    err = next(e for e in result.errors if "totals row" in e.message)
    gross = Decimal(exp["gross"])
    assert f"{gross:,.2f}".replace(",", " ").replace(".", ",") in err.message
    assert "group or subtotal rows" in err.message and err.hint
    assert eng.root == root


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
               __import__("polars").col("net_revenue").sum()).iter_rows(named=True)}
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
