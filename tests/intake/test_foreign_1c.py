"""A 1C export set the generator did not write (tests/data/foreign_1c), read with no mapping.

Expected figures were computed independently by tests/data/make_fixtures.py from the data it
wrote (expected.json), not by kamlib.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from kamlib.cli import main
from kamlib.config import load_config
from kamlib.intake import ingest
from tests.helpers import DATA, raw_hashes

FOREIGN = DATA / "foreign_1c"
EXPECTED = json.loads((FOREIGN / "expected.json").read_text("utf-8"))


def _d(x: float | str) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from kamlib.engagement import init_engagement

    root = tmp_path_factory.mktemp("foreign") / "eng"
    init_engagement(root, client="ТД Электроснаб")
    for f in (FOREIGN / "raw").iterdir():
        shutil.copy2(f, root / "raw" / f.name)
    return ingest(root, load_config(root / "engagement.yaml"))


def _file(result, name):
    return next(f for f in result.files if f.file == name)


def test_every_file_recognised_without_mapping(result) -> None:
    assert result.ok, [str(e) for e in result.errors]
    tables = {f.file: f.table for f in result.files}
    for name, exp in EXPECTED["files"].items():
        assert tables[name] == exp["table"]
        assert _file(result, name).detected_by == "headers"


def test_rows_and_header_positions(result) -> None:
    for name, exp in EXPECTED["files"].items():
        f = _file(result, name)
        assert f.rows_accepted == exp["data_rows"], name
        assert f.header_row == exp.get("header_row", exp.get("header_line")), name
    assert result.tables["sales"].height == EXPECTED["combined_sales"]["data_rows"]


@pytest.mark.parametrize("name", ["Отчет по продажам.xlsx", "Продажи_tab.txt"])
def test_money_to_the_kopeck(result, name) -> None:
    exp = EXPECTED["files"][name]
    f = _file(result, name)
    sales = result.tables["sales"].to_pandas()
    mine = sales[sales["source_file"].str.startswith(name)]
    assert _d(mine["net_revenue"].sum()) == Decimal(exp["signed_totals"]["net_revenue_without_vat"])
    assert _d(mine["cogs"].sum()) == Decimal(exp["signed_totals"]["cogs"])
    assert Decimal(f.money["net_revenue"]["accepted"]) == \
        Decimal(exp["signed_totals"]["net_revenue_without_vat"])
    assert f.returns["lines"] == exp["returns"]["lines"]
    assert Decimal(f.returns["net_revenue"]) == Decimal(exp["returns"]["net_revenue_without_vat"])
    assert f.period == [exp["date_min"], exp["date_max"]]


def test_totals_row_recognised_and_matches(result) -> None:
    f = _file(result, "Отчет по продажам.xlsx")
    assert f.rows_skipped.get("totals row (used as a check)") == 1
    assert f.totals_row and all(t["ok"] for t in f.totals_row.values())
    exp = EXPECTED["files"]["Отчет по продажам.xlsx"]["totals_row"]
    assert Decimal(f.totals_row["gross_revenue"]["file"]) == Decimal(exp["Сумма продаж"])


def test_names_matched_to_catalogue(result) -> None:
    sales = result.tables["sales"].to_pandas()
    by_client = sales.groupby("client_id")["net_revenue"].sum()
    for cid, amount in EXPECTED["combined_sales"]["net_revenue_by_client_id"].items():
        assert _d(by_client[cid]) == Decimal(amount), cid
    # 'ООО "Вектор-М"' is another client: never merged with 'ООО "Вектор"'
    assert _d(by_client["000000025"]) == Decimal("1714040.50")


def test_unknown_client_added_and_flagged(result) -> None:
    clients = result.tables["clients"].to_pandas()
    added = clients[clients["origin"] == "transactions"]
    assert added["name"].tolist() == ['ООО "Лазурит"']
    assert any("not in the client catalogue" in w and "135533.30" in w for w in result.warnings)


def test_inn_leading_zero_restored(result) -> None:
    clients = result.tables["clients"].to_pandas().set_index("name")
    assert clients.loc['ООО "Башэнергоремонт"', "tax_id"] == "0247056849"


def test_unknown_client_rejected_when_configured(make_engagement) -> None:
    root = make_engagement({p.name: p for p in (FOREIGN / "raw").iterdir()},
                           {"intake": {"unknown_clients": "reject"}})
    res = ingest(root, load_config(root / "engagement.yaml"))
    exp = EXPECTED["name_matching"]["absent_from_catalogue"][0]
    rej = res.rejected.to_pandas()
    assert sorted(rej["row"]) == exp["worksheet_rows"]
    assert _d(rej["amount"].sum()) == Decimal(exp["net_revenue_without_vat"])
    assert (rej["column"] == "Покупатель").all()
    total = res.tables["sales"].to_pandas()["net_revenue"].sum() + rej["amount"].sum()
    assert _d(total) == Decimal(EXPECTED["combined_sales"]["net_revenue_without_vat"])


@pytest.mark.slow
def test_kam_init_drop_exports_run(tmp_path, capsys) -> None:
    """The consultant's path: kam init, exports into raw/, kam run — no mapping file."""
    root = tmp_path / "audit"
    assert main(["init", str(root), "--client", "ТД Электроснаб"]) == 0
    for f in (FOREIGN / "raw").iterdir():
        shutil.copy2(f, root / "raw" / f.name)
    before = raw_hashes(root)
    assert main(["run", str(root)]) == 0
    assert raw_hashes(root) == before
    manifest = json.loads((root / "work" / "manifest.json").read_text("utf-8"))
    assert manifest["status"] == "ok"
    hashes = {f["file"]: f["sha256"] for f in manifest["inputs"]["files"]}
    assert hashes["Продажи_tab.txt"] == before["raw/Продажи_tab.txt"]
    summary = json.loads((root / "work" / "00_intake" / "summary.json").read_text("utf-8"))
    assert Decimal(str(summary["net_revenue"])) == \
        Decimal(EXPECTED["combined_sales"]["net_revenue_without_vat"])
    sales = pd.read_parquet(root / "work" / "00_intake" / "sales.parquet")
    assert len(sales) == EXPECTED["combined_sales"]["data_rows"]
    assert (root / "notebooks" / "00_data_intake.ipynb").exists()
    assert Path(root / "work" / "00_intake" / "figures" / "monthly_sales.png").stat().st_size > 0
