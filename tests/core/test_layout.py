"""A sheet's layout undone (kamlib.layout): merged cells read as the sheet shows them, a
header on two rows read as one, rows hidden in Excel said; end to end with their money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from kamlib.intake import IntakeResult
from kamlib.io import _header_score, read_raw
from kamlib.layout import fill_merged, two_row_header
from tests.helpers import DATA, ingested, money_whole

CLIENTS = (DATA / "bad_inputs" / "12_unknown_client" / "raw" / "clients.csv").read_bytes()


def _ingest(make_engagement, files: dict[str, bytes | Path]) -> IntakeResult:
    return money_whole(ingested(make_engagement, {"clients.csv": CLIENTS, **files}))


def _sales(result: IntakeResult):
    return result.tables["sales"]


def _merged_header_xlsx(path: Path) -> Path:
    """'Сумма' merged over 'с НДС | без НДС'; the other titles merged over both rows."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Продажи")
    for col, title in enumerate(["Дата", "Документ", "Код контрагента"]):
        ws.merge_range(0, col, 1, col, title)
    ws.merge_range(0, 3, 0, 4, "Сумма")
    ws.write_row(1, 3, ["с НДС", "без НДС"])
    dates = wb.add_format({"num_format": "dd.mm.yyyy"})
    for i, (d, doc, code, gross, net) in enumerate([
            (dt.datetime(2024, 11, 1), "Р1", "K001", 1200.0, 1000.0),
            (dt.datetime(2024, 11, 2), "Р2", "K002", 600.0, 500.0)], start=2):
        ws.write_datetime(i, 0, d, dates)
        ws.write_row(i, 1, [doc, code, gross, net])
    wb.close()
    return path


def test_merged_title_over_sub_columns_is_one_header(make_engagement, tmp_path) -> None:
    """The merged 'Сумма' left 'с НДС' and 'без НДС' as a second header row: read as data,
    every row was rejected ('с НДС: not an amount') and the run stopped."""
    (t,) = read_raw(_merged_header_xlsx(tmp_path / "s.xlsx"))
    assert t.headers == ["Дата", "Документ", "Код контрагента", "Сумма с НДС", "Сумма без НДС"]
    assert t.data.height == 2 and t.data["_row"].to_list() == [3, 4]
    assert (2, "second header row (sub-columns of a merged header cell)") in t.skipped
    result = _ingest(make_engagement, {"sales.xlsx": tmp_path / "s.xlsx"})
    assert result.ok, [str(e) for e in result.errors]
    f = next(f for f in result.files if f.table == "sales")
    assert f.mapping["net_revenue"] == "Сумма без НДС"
    assert f.mapping["gross_revenue"] == "Сумма с НДС"
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("1500")


def test_header_on_two_lines_in_a_text_file(make_engagement) -> None:
    """The same sheet saved as CSV: the merge is gone, the blanks stay."""
    body = ("Дата;Документ;Код контрагента;Сумма;\r\n"
            ";;;с НДС;без НДС\r\n"
            "01.11.2024;Р1;K001;1 200,00;1 000,00\r\n"
            "02.11.2024;Р2;K002;600,00;500,00\r\n")
    result = _ingest(make_engagement, {"sales.csv": body.encode("cp1251")})
    assert result.ok, [str(e) for e in result.errors]
    f = next(f for f in result.files if f.table == "sales")
    assert f.mapping["net_revenue"] == "Сумма без НДС"
    assert f.rows_read == 2
    assert _sales(result)["source_row"].to_list() == [3, 4]
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("1500")


@pytest.mark.parametrize(("top", "bottom"), [
    (["Дата", "Сумма", None], ["01.11.2024", "100,00", "5"]),         # a data row
    (["Код", "Наименование", None, "ИНН"], ["K1", "Альфа", "доп", "7707083893"]),  # figures
    (["Код", "Наименование", None], ["K1", "Альфа", "Москва"]),       # names worse read
    (["Дата", "Сумма"], [None, None]),                                # nothing under it
    (["Дата", "Сумма"], ["Дата", "Сумма"]),                           # a repeated header
])
def test_a_data_row_is_not_a_second_header(top, bottom) -> None:
    assert two_row_header(top, bottom, _header_score) is None


def test_a_title_spans_only_the_columns_under_it() -> None:
    """'Дата' over a blank is a column of one row: the sub-title right of it is not
    'Дата Документ'; a group title names each column under it."""
    assert two_row_header(["Дата", None, "Сумма", None], [None, "Документ", "с НДС", "без НДС"],
                          _header_score) == ["Дата", "Документ", "Сумма с НДС", "Сумма без НДС"]


def test_merged_client_over_its_lines_is_read_on_each(make_engagement, tmp_path) -> None:
    """A report merges the client's name over its lines: the lines below the first were
    rejected as having no client (3 of 5: the run stopped). A number merged over rows is
    not copied: its money would count once per row."""
    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    ws = wb.add_worksheet("TDSheet")
    ws.write_row(0, 0, ["Контрагент", "Дата", "Документ", "Номенклатура", "Сумма без НДС"])
    rows = [("01.11.2024", "Р1", "Сахар", 100.0), ("01.11.2024", "Р1", "Соль", 200.0),
            ("02.11.2024", "Р2", "Мука", 300.0), ("03.11.2024", "Р3", "Сахар", 50.0),
            ("03.11.2024", "Р3", "Соль", 25.0)]
    for i, r in enumerate(rows, start=1):
        ws.write_row(i, 1, r)
    ws.merge_range(1, 0, 3, 0, 'ООО "Вектор"')
    ws.merge_range(4, 0, 5, 0, 'ООО "Меридиан"')
    wb.close()
    (t,) = read_raw(tmp_path / "s.xlsx")
    assert t.data["c0"].to_list() == ['ООО "Вектор"'] * 3 + ['ООО "Меридиан"'] * 2
    assert {"code": "note_merged_cells", "args": {"n": 3, "rows": 3, "first": 3}} \
        in t.note_reasons
    result = _ingest(make_engagement, {"sales.xlsx": tmp_path / "s.xlsx"})
    assert result.ok, [str(e) for e in result.errors]
    by_client = _sales(result).group_by("client_id").agg(pl.col("net_revenue").sum())
    assert dict(by_client.sort("client_id").iter_rows()) == {"K001": 600, "K002": 75}

    grid = [["Документ", "Сумма"], ["Р1", 300.0], [None, None], ["Р1", None]]
    assert fill_merged(grid, [((1, 1), (3, 1))]) == []
    assert [r[1] for r in grid] == ["Сумма", 300.0, None, None]


def test_rows_hidden_in_excel_are_read_and_said(make_engagement, tmp_path) -> None:
    """A sheet filtered before it was sent: the hidden rows are data, read like the others,
    and the note says so (the file's totals are not what the client saw)."""
    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["Дата", "Документ", "Код контрагента", "Сумма без НДС"])
    for i, (code, amount) in enumerate([("K001", 100), ("K002", 200), ("K003", 300),
                                        ("K001", 400)], start=1):
        ws.write_row(i, 0, [f"0{i}.11.2024", f"Р{i}", code, amount])
    ws.autofilter(0, 0, 4, 3)
    ws.set_row(2, None, None, {"hidden": True})
    ws.set_row(4, None, None, {"hidden": True})
    wb.close()
    (t,) = read_raw(tmp_path / "s.xlsx")
    assert {"code": "note_hidden_rows", "args": {"n": 2, "first": 3}} in t.note_reasons
    result = _ingest(make_engagement, {"sales.xlsx": tmp_path / "s.xlsx"})
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("1000")


def test_titles_merged_over_two_rows_with_nothing_under_them(tmp_path) -> None:
    """'Дата' and 'Документ' merged over rows 1–2, 'Сумма' in row 1 alone: the filled merge
    is the header's second row, not a data row of header names."""
    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 1, 0, "Дата")
    ws.merge_range(0, 1, 1, 1, "Документ")
    ws.write_row(0, 2, ["Код контрагента", "Сумма без НДС"])
    ws.write_row(2, 0, ["01.11.2024", "Р1", "K001", 100])
    wb.close()
    (t,) = read_raw(tmp_path / "s.xlsx")
    assert t.headers == ["Дата", "Документ", "Код контрагента", "Сумма без НДС"]
    assert t.data["_row"].to_list() == [3]
