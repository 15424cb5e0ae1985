"""The sample engagements against the truth their generator wrote down (truth.json):
intake finds exactly the planted bad lines, reconciles to the kopeck, and `kam run` works
end to end (demo_en)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from kamlib.cli import main
from kamlib.config import load_config
from kamlib.engagement import copy_engagement
from kamlib.intake import ingest
from kamlib.resources import samples_dir
from tests.helpers import raw_hashes

RU = samples_dir() / "demo_ru"
EN = samples_dir() / "demo_en"


def _truth(root):
    return json.loads((root / "truth.json").read_text("utf-8"))


def _d(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"))


@pytest.fixture(scope="module")
def ru():
    before = raw_hashes(RU)
    result = ingest(RU, load_config(RU / "engagement.yaml"))
    assert raw_hashes(RU) == before, "the sample's raw files were modified"
    return result


def test_demo_ru_reads_cleanly(ru) -> None:
    assert ru.ok, [str(e) for e in ru.errors]
    tables = {f.file: f.table for f in ru.files}
    assert all(t == "sales" for n, t in tables.items() if n.startswith("Продажи"))
    assert tables["Контрагенты.xlsx"] == "clients"
    for f in ru.files:
        if f.totals_row:
            assert all(t["ok"] for t in f.totals_row.values()), (f.file, f.totals_row)


def test_demo_ru_rejects_exactly_the_planted_lines(ru) -> None:
    planted = _truth(RU)["data_quality"]["rejected_lines"]
    got = sorted(zip(ru.rejected["file"].to_list(), ru.rejected["row"].to_list(), strict=True))
    assert got == sorted((p["file"], p["line"]) for p in planted)
    rej = {(r["file"], r["row"]): r for r in ru.rejected.iter_rows(named=True)}
    for p in planted:
        if p["kind"] == "bad_date":  # its amount is readable: its money is counted
            net = Decimal(p["amount_net"].replace(" ", "").replace("\u00a0", "").replace(",", "."))
            assert _d(rej[(p["file"], p["line"])]["amount"]) == net


def test_demo_ru_money_to_the_kopeck(ru) -> None:
    truth = _truth(RU)
    assert Decimal(ru.control["sales"]["accepted"]) == _d(truth["totals"]["net_revenue"])
    assert ru.tables["sales"].height == truth["sizes"]["sales_lines_accepted"]
    sales = ru.tables["sales"]
    assert _d(sales["cogs"].sum()) == _d(truth["totals"]["cogs"])


def test_demo_ru_catalogue_quirks(ru) -> None:
    truth = _truth(RU)["data_quality"]
    clients = ru.tables["clients"].to_pandas()
    added = clients[clients["origin"] == "transactions"]
    assert sorted(added["name"]) == sorted(u["name"] for u in truth["unknown_clients"])
    flagged = ru.issues.filter(ru.issues["problem"].str.contains("check digit"))
    assert flagged.height == len(truth["invalid_inn_codes"])
    # INNs written as numbers keep their digits (and their leading zero if they had one)
    by_code = clients.set_index("client_id")["tax_id"]
    for code in truth["inn_written_as_number_codes"]:
        assert by_code[code] is not None and len(by_code[code]) in (10, 12), code


@pytest.mark.slow
def test_demo_en_kam_run_end_to_end(tmp_path, capsys) -> None:
    root = copy_engagement(EN, tmp_path / "demo_en")
    assert main(["run", str(root)]) == 0
    assert "00_data_intake" in capsys.readouterr().out
    manifest = json.loads((root / "work" / "manifest.json").read_text("utf-8"))
    assert manifest["status"] == "ok" and manifest["steps"]["00_data_intake"]["status"] == "ok"
    assert {f["file"] for f in manifest["inputs"]["files"]} == \
        {p.name for p in (EN / "raw").iterdir()}
    summary = json.loads((root / "work" / "00_intake" / "summary.json").read_text("utf-8"))
    truth = _truth(EN)
    assert Decimal(str(summary["net_revenue"])) == _d(truth["totals"]["net_revenue"])
    assert summary["sales_lines"] == truth["sizes"]["sales_lines_accepted"]
    assert summary["rejected_rows"] == 0
    assert not {"sales.cogs", "activities", "payments", "contacts", "assessment", "team"} \
        & set(summary["missing"])
    nb = json.loads((root / "notebooks" / "00_data_intake.ipynb").read_text("utf-8"))
    assert not [o for c in nb["cells"] for o in c.get("outputs", [])
                if o.get("output_type") == "error"]
    # a second run replaces the artefacts atomically and leaves no staging folders
    assert main(["run", str(root)]) == 0
    assert not [p for p in (root / "work").iterdir() if p.name.startswith(".")]
