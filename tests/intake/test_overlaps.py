"""Overlapping exports (issue 13.7): a yearly and a quarterly export, two sheets of one
workbook. Reported with their money; removed only by intake.drop_overlapping, and then as
rejected rows with their money (money in = money out)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import xlsxwriter

from kamlib.config import load_config
from kamlib.datacheck import intake_summary
from kamlib.intake import ingest
from tests.helpers import DATA

CLIENTS = (DATA / "bad_inputs" / "12_unknown_client" / "raw" / "clients.csv").read_bytes()
HEAD = "Дата;Документ;Код контрагента;Сумма без НДС\r\n"
YEAR = [("15.02.2024", "Д-1", "K001", "100,00"), ("10.10.2024", "Д-2", "K002", "50,00"),
        ("20.11.2024", "Д-3", "K001", "30,00"), ("20.11.2024", "Д-4", "K003", "7,25")]
Q4 = [("10.10.2024", "Д-2", "K002", "50,00"), ("20.11.2024", "Д-3", "K001", "30,00"),
      ("20.11.2024", "Д-4", "K003", "7,25"), ("15.12.2024", "Д-5", "K002", "12,00")]


def _csv(rows) -> bytes:
    return (HEAD + "".join(";".join(r) + "\r\n" for r in rows)).encode()


@pytest.mark.parametrize("drop", [False, True])
def test_yearly_and_quarterly_exports(make_engagement, drop) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales_2024.csv": _csv(YEAR),
                            "sales_2024_Q4.csv": _csv(Q4)},
                           {"intake": {"drop_overlapping": drop}})
    r = ingest(root, load_config(root / "engagement.yaml"))
    assert r.ok, [str(e) for e in r.errors]
    (ov,) = r.overlaps
    assert ov["files"] == ["sales_2024.csv", "sales_2024_Q4.csv"]
    assert ov["period"] == ["2024-10-10", "2024-11-20"]
    assert ov["identical_lines"] == 3
    assert ov["identical_money"] == {"amount": "87.25", "currency": "RUB"}
    assert ov["money_in_period"]["sales_2024.csv"]["amount"] == "87.25"
    assert any("both cover 2024-10-10 … 2024-11-20" in w for w in r.warnings)
    total_in = Decimal("187.25") + Decimal("99.25")
    acc, rej = (Decimal(r.control["sales"][k]) for k in ("accepted", "rejected"))
    assert acc + rej == total_in
    if drop:
        assert (acc, rej) == (Decimal("199.25"), Decimal("87.25"))
        assert set(r.rejected["row"].to_list()) == {2, 3, 4}
        assert r.rejected["file"].unique().to_list() == ["sales_2024_Q4.csv"]
    else:
        assert (acc, rej) == (total_in, Decimal("0"))
    summary = intake_summary({k: v.to_pandas() for k, v in r.tables.items()}, r.manifest())
    assert summary["overlaps"][0]["identical_lines"] == 3


def test_two_sheets_of_one_workbook(make_engagement) -> None:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    for name, rows in (("Все", YEAR), ("4 квартал", Q4)):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, HEAD.strip().split(";"))
        for i, row in enumerate(rows, 1):
            ws.write_row(i, 0, row)
    wb.close()
    root = make_engagement({"clients.csv": CLIENTS, "Продажи.xlsx": buf.getvalue()})
    r = ingest(root, load_config(root / "engagement.yaml"))
    assert r.ok
    (ov,) = r.overlaps
    assert ov["files"] == ["Продажи.xlsx[Все]", "Продажи.xlsx[4 квартал]"]
    assert ov["identical_lines"] == 3 and not ov["dropped"]


def test_a_month_exported_twice_is_dropped_not_a_stop(make_engagement) -> None:
    """November exported twice: with intake.drop_overlapping (the fix the warning gives) the
    second copy's lines were all rejected and the run stopped on "every data row of the file
    was rejected"; now they are dropped with a warning that says so. Files of the same days
    with no line in common (a file per manager) are no overlap to warn of."""
    nov = [("05.11.2024", "Д-7", "K001", "10,00"), ("15.11.2024", "Д-8", "K002", "20,00")]
    files = {"clients.csv": CLIENTS, "sales_10.csv": _csv(YEAR[:2]), "sales_11.csv": _csv(nov),
             "sales_11 (2).csv": "Продажи за ноябрь 2024\r\n\r\n".encode() + _csv(nov)}
    root = make_engagement(files, {"intake": {"drop_overlapping": True}})
    r = ingest(root, load_config(root / "engagement.yaml"))
    assert r.ok, [str(e) for e in r.errors]
    assert Decimal(r.control["sales"]["accepted"]) == Decimal("180")
    assert Decimal(r.control["sales"]["rejected"]) == Decimal("30")
    assert any("repeat lines of another file" in w for w in r.warnings)
    other = [("05.11.2024", "Д-9", "K003", "5,00")]
    root = make_engagement({"clients.csv": CLIENTS, "sales_ivanov.csv": _csv(nov),
                            "sales_petrov.csv": _csv(other)})
    r = ingest(root, load_config(root / "engagement.yaml"))
    assert r.ok and not any("both cover" in w for w in r.warnings)
    assert r.overlaps and r.overlaps[0]["identical_lines"] == 0
