"""Report forms without outline levels (issue 13): group rows told by their look (bold, or a
smaller indentation than the rows under them), always checked by their sums; client ×
delivery-address rows folded into their client, the addresses kept as delivery points.

The workbooks are made here with openpyxl; every figure asserted is computed by hand from
the rows written.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import Alignment, Font

from kamlib.config import load_config
from kamlib.engagement import Engagement
from kamlib.intake import ingest, summary_text
from kamlib.runner import run_intake
from kamlib.workbooks import row_styles

# (depth, name, amount): a manager › client › delivery address hierarchy, no ИТОГО row.
# Альфа 100.00 + 200.00 = 300.00; Бета 50.50; the manager 350.50.
ROWS = [
    (0, "Иванов И.И.", "350.50"),
    (1, "ООО «Альфа»", "300.00"),
    (2, "Альфа, ул. Ленина, 1", "100.00"),
    (2, "Альфа, ул. Мира, 2", "200.00"),
    (1, "ООО «Бета»", "50.50"),
    (2, "Бета, пр. Победы, 5", "50.50"),
]
GROUPS = {0, 1, 4}


def _form(path: Path, rows: list[tuple[int, str, str]], *, bold: bool = False,
          indent: bool = False, total: str | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "TDSheet"
    ws.append(["Продажи с 01.01.25 по 31.03.25"])
    ws.append([])
    ws.append(["Менеджер / Клиент / Адрес доставки", "Сумма без НДС"])
    for i, (depth, name, amount) in enumerate(rows):
        ws.append([name, float(amount)])
        cell = ws.cell(row=ws.max_row, column=1)
        if bold and i in GROUPS:
            cell.font = Font(bold=True)
        if indent:
            cell.alignment = Alignment(indent=depth * 2)
    if total is not None:
        ws.append(["Итого", float(total)])
    wb.save(path)
    return path


def test_row_styles_reads_bold_and_indent(tmp_path: Path) -> None:
    path = _form(tmp_path / "f.xlsx", ROWS, bold=True, indent=True)
    styles = row_styles(path)["TDSheet"]
    # data from sheet row 4 (title, empty line, header above)
    assert styles[4] == (True, 0) and styles[5] == (True, 2) and styles[6] == (False, 4)
    assert styles[9] == (False, 4)


@pytest.mark.parametrize("look", ["bold", "indent"])
def test_group_rows_by_look_checked_by_sums(make_engagement, look: str) -> None:
    root = make_engagement({"Продажи.xlsx": b""})
    _form(root / "raw" / "Продажи.xlsx", ROWS, **{look: True})
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    (f,) = result.files
    assert f.rows_skipped["group row (a subtotal of the rows under it)"] == 3
    assert f.rows_accepted == 3
    assert any(("bold rows" if look == "bold" else "indentation") in n for n in f.notes)
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("350.50")
    clients = dict(zip(result.tables["clients"]["name"],
                       result.tables["clients"]["delivery_points"], strict=True))
    assert clients == {"ООО «Альфа»": 2, "ООО «Бета»": 1}
    assert f.sales_level == "period"


def test_bold_that_does_not_add_up_is_not_grouping_and_the_total_stops_it(
        make_engagement) -> None:
    rows = list(ROWS)
    rows[1] = (1, "ООО «Альфа»", "999.00")  # a bold row that is not the sum under it
    root = make_engagement({"Продажи.xlsx": b""})
    _form(root / "raw" / "Продажи.xlsx", rows, bold=True, total="350.50")
    result = ingest(root, load_config(root / "engagement.yaml"))
    (f,) = result.files
    assert any("bold is not read as grouping" in n for n in f.notes)
    assert not result.ok
    err = next(e for e in result.errors if "totals row" in e.message)
    # every row loaded: 350.50 + 999.00 + 100.00 + 200.00 + 50.50 + 50.50 = 1 750,50
    assert "350,50" in err.message and "1 750,50" in err.message
    assert err.file.startswith("Продажи.xlsx") and err.row == 10


def test_indentation_that_does_not_add_up_is_not_used(make_engagement) -> None:
    rows = list(ROWS)
    rows[4] = (1, "ООО «Бета»", "60.00")  # 60.00 ≠ 50.50 under it
    root = make_engagement({"Продажи.xlsx": b""})
    _form(root / "raw" / "Продажи.xlsx", rows, indent=True)
    result = ingest(root, load_config(root / "engagement.yaml"))
    (f,) = result.files
    assert any("indented hierarchy does not add up" in n for n in f.notes)
    assert "group row (a subtotal of the rows under it)" not in f.rows_skipped


REGISTER = (
    "Дата;Документ;Контрагент;Адрес доставки;Сумма без НДС\n"
    "10.01.2025;Р-1;ООО «Альфа»;Москва, ул. Ленина, 1;100,00\n"
    "11.01.2025;Р-2;ООО «Альфа»;Москва, ул. Мира, 2;200,10\n"
    "12.02.2025;Р-3;ООО «Альфа»;москва,  ул. Ленина, 1;33,33\n"
    "12.02.2025;Р-4;ООО «Бета»;Тверь, пр. Победы, 5;50,50\n"
    "13.02.2025;Р-5;ООО «Гамма»;;10,00\n"
)


def test_register_with_delivery_address_money_unchanged(make_engagement) -> None:
    root = make_engagement({"Продажи.csv": REGISTER})
    eng = Engagement.open(root)
    result = run_intake(eng)
    assert result.ok, [str(e) for e in result.errors]
    (f,) = result.files
    assert f.mapping["delivery_point"] == "Адрес доставки"
    sales = result.tables["sales"]
    # the fold attributes each client × address row to its client: no row or kopeck moves
    assert sales.height == 5
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("393.93")
    assert round(float(sales["net_revenue"].sum()), 2) == 393.93
    clients = dict(zip(result.tables["clients"]["name"],
                       result.tables["clients"]["delivery_points"], strict=True))
    # 'москва,  ул. Ленина, 1' is the same point as 'Москва, ул. Ленина, 1'
    assert clients == {"ООО «Альфа»": 2, "ООО «Бета»": 1, "ООО «Гамма»": 0}
    summary = json.loads((eng.step_dir("00_intake") / "summary.json").read_text("utf-8"))
    assert summary["delivery_points"] == 3 and summary["clients_with_delivery_points"] == 2
    assert "Delivery points: 3 at 2 client(s)" in summary_text(result)


def test_consignee_beside_the_buyer_is_the_delivery_point(make_engagement) -> None:
    text = ("Дата;Документ;Контрагент;Грузополучатель;Сумма без НДС\n"
            "10.01.2025;Р-1;ООО «Альфа»;Альфа, склад №1;100,00\n"
            "11.01.2025;Р-2;ООО «Альфа»;Альфа, склад №2;200,00\n"
            "12.01.2025;Р-3;ООО «Бета»;ООО «Бета»;50,00\n")
    root = make_engagement({"Продажи.csv": text})
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    (f,) = result.files
    assert f.mapping["client_name"] == "Контрагент"
    assert f.mapping["delivery_point"] == "Грузополучатель"
    clients = dict(zip(result.tables["clients"]["name"],
                       result.tables["clients"]["delivery_points"], strict=True))
    assert clients == {"ООО «Альфа»": 2, "ООО «Бета»": 1}
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("350.00")


@pytest.mark.parametrize(("footer", "agrees"), [(3, True), (5, False)])
def test_footer_count_of_trade_points_checked(make_engagement, footer: int,
                                              agrees: bool) -> None:
    root = make_engagement({"Продажи.xlsx": b""})
    path = _form(root / "raw" / "Продажи.xlsx", ROWS, bold=True, total="350.50")
    wb = openpyxl.load_workbook(path)
    wb.active.append([])
    wb.active.append([f"Торговых точек АКБ: {footer}"])
    wb.save(path)
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    (f,) = result.files
    assert f.footer_counts == {"delivery_points": footer, "delivery_points_in_rows": 3}
    if agrees:
        assert "the footer's 3 trade point(s) are the 3 delivery points of the rows" in f.notes
        assert not any("the rows hold" in w for w in result.warnings)
    else:
        assert any("the footer says 5 trade point(s), the rows hold 3" in w
                   for w in result.warnings)


def test_a_bold_row_in_a_register_is_not_a_group(make_engagement) -> None:
    # a register with one highlighted row whose amount happens to equal the next row's
    rows = [(0, "ООО «Альфа»", "100.00"), (0, "ООО «Бета»", "100.00"),
            (0, "ООО «Гамма»", "50.00")]
    root = make_engagement({"Продажи.xlsx": b""})
    path = root / "raw" / "Продажи.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Продажи с 01.01.25 по 31.03.25"])
    ws.append(["Клиент", "Сумма без НДС"])
    for _, name, amount in rows:
        ws.append([name, float(amount)])
    ws.cell(row=3, column=1).font = Font(bold=True)
    wb.save(path)
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    (f,) = result.files
    assert f.rows_accepted == 3 and "group row (a subtotal of the rows under it)" not in \
        f.rows_skipped
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("250.00")
