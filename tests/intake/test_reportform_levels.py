"""1C report forms grouped below the client (kamlib.intake.reportform): each line gets its
client, document and date from the group rows above it; values written on group rows only
are inherited; 1C's parameter line gives the period. Hand-computed: Альфа 1 100 (two
documents), Бета 500, Петров 250; net 1 850."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from kamlib.config import load_config
from kamlib.intake import IntakeResult, ingest
from kamlib.intake.reportform import title_period
from tests.helpers import ingested, money_whole

CLIENTS = ("Код;Наименование;ИНН\r\nK001;ООО \"Альфа\";7707083893\r\n"
           "K002;ООО \"Бета\";7736050003\r\nK003;ИП Петров Петр Петрович;500100732259\r\n")
DOC = "Реализация товаров и услуг 0000-00000{} от {} 12:00:00"
#: (client, [(document, date, [(product, quantity, net)])])
DATA = [('ООО "Альфа"', [(1, "05.11.2024", [("Сахар", 10, 600.0), ("Соль", 5, 400.0)]),
                         (7, "20.11.2024", [("Сахар", 1, 100.0)])]),
        ('ООО "Бета"', [(3, "12.11.2024", [("Сахар", 5, 500.0)])]),
        ("ИП Петров Петр Петрович", [(4, "13.11.2024", [("Мука", 2, 250.0)])])]


def _ingest(make_engagement, path: Path) -> IntakeResult:
    return money_whole(ingested(make_engagement, {"clients.csv": CLIENTS, path.name: path}))


def _by_client(result: IntakeResult) -> dict[str, float]:
    """The accepted net revenue per client code."""
    assert result.ok, [str(e) for e in result.errors]
    by = result.tables["sales"].group_by("client_id").agg(pl.col("net_revenue").sum())
    return dict(by.sort("client_id").iter_rows())


@pytest.mark.parametrize("marks", ["outline", "indent", "sums"])
def test_client_document_product_levels(make_engagement, tmp_path, marks) -> None:
    """'Контрагент / Документ / Номенклатура': the products were read as the clients (3
    unknown clients 'Сахар', 'Соль', 'Мука' holding all the money), every line dated the
    period's end. Each line now has its client and document from its group rows, dated by
    its document; by outline levels, by indentation, or by the subtotals alone."""
    path = tmp_path / "Продажи.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Продажи")
    bold = wb.add_format({"bold": True})
    ind = {k: wb.add_format({"indent": k}) for k in (1, 2)}
    ws.write(0, 0, "Продажи")
    ws.write(1, 0, "Период: 01.11.2024 - 30.11.2024")
    ws.write_row(3, 0, ["Контрагент / Документ / Номенклатура", "Количество", "Выручка"])
    r = 4

    def row(level: int, name: str, q: float, net: float) -> None:
        nonlocal r
        fmt = (bold if level == 0 else ind[level]) if marks == "indent" else None
        ws.write(r, 0, name, fmt)
        ws.write_row(r, 1, [q, net])
        if marks == "outline" and level:
            ws.set_row(r, None, None, {"level": level})
        r += 1

    for client, docs in DATA:
        row(0, client, sum(q for _, _, it in docs for _, q, _ in it),
            sum(n for _, _, it in docs for _, _, n in it))
        for num, day, items in docs:
            row(1, DOC.format(num, day), sum(q for _, q, _ in items),
                sum(n for _, _, n in items))
            for product, q, n in items:
                row(2, product, q, n)
    ws.write_row(r, 0, ["Итого", 23, 1850.0])
    wb.close()
    result = _ingest(make_engagement, path)
    assert _by_client(result) == {"K001": 1100.0, "K002": 500.0, "K003": 250.0}
    s = result.tables["sales"]
    assert s["product_name"].to_list() == ["Сахар", "Соль", "Сахар", "Сахар", "Мука"]
    assert [str(d) for d in s["date"]] == ["2024-11-05", "2024-11-05", "2024-11-20",
                                           "2024-11-12", "2024-11-13"]
    assert s["document_id"].n_unique() == 4
    assert not any("not in the client catalogue" in w for w in result.warnings)


def test_client_on_its_group_row_only(make_engagement, tmp_path) -> None:
    """'Валовая прибыль' with the client in column A of its group row and the products in
    column B below: every line was rejected as having no client and the run stopped."""
    path = tmp_path / "Валовая прибыль.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Валовая прибыль")
    ws.write(0, 0, "Валовая прибыль")
    ws.write_row(2, 0, ["Параметры:", "Период: Ноябрь 2024 г."])
    ws.write_row(4, 0, ["Контрагент", "Номенклатура", "Выручка", "Себестоимость"])
    r = 5
    for client, docs in DATA:
        items = [it for _, _, its in docs for it in its]
        ws.write_row(r, 0, [client, None, sum(n for *_, n in items),
                            sum(n * 0.7 for *_, n in items)])
        r += 1
        for product, _, n in items:
            ws.write_row(r, 1, [product, n, n * 0.7])
            ws.set_row(r, None, None, {"level": 1})
            r += 1
    ws.write_row(r, 0, ["Итого", None, 1850.0, 1295.0])
    wb.close()
    result = _ingest(make_engagement, path)
    assert _by_client(result) == {"K001": 1100.0, "K002": 500.0, "K003": 250.0}
    s = result.tables["sales"]
    assert {str(d) for d in s["date"]} == {"2024-11-30"}          # the period's end


@pytest.mark.parametrize(("line", "period"), [
    ("Период: 01.11.2024 - 30.11.2024", ("2024-11-01", "2024-11-30")),
    ("Период: Ноябрь 2024 г.", ("2024-11-01", "2024-11-30")),
    ("Период: декабрь 2024", ("2024-12-01", "2024-12-31")),
    ("Продажи с 01.10.24 по 30.11.24", ("2024-10-01", "2024-11-30")),
    ("Отбор: Организация Равно \"ТД Восток\"", None),
])
def test_title_period(line, period) -> None:
    got = title_period([line])
    assert (None if got is None else tuple(str(d) for d in got)) == period


def test_a_catalogues_folders_by_outline_are_said_as_folders(make_engagement, tmp_path) -> None:
    """A catalogue in xlsx whose folders ('Покупатели › Москва') are outline groups: skipped,
    and said as folders of the list (the note said "their amounts are subtotals")."""
    path = tmp_path / "Контрагенты.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Контрагенты")
    ws.write_row(0, 0, ["Наименование", "Код", "ИНН"])
    rows = [(0, "Покупатели", "00-10", None), (1, "Москва", "00-11", None),
            (2, 'ООО "Альфа"', "K001", "7707083893"), (2, 'ООО "Бета"', "K002", "7736050003"),
            (1, "Регионы", "00-12", None), (2, "ИП Петров Петр Петрович", "K003", "500100732259")]
    for i, (level, name, code, inn) in enumerate(rows, start=1):
        ws.write_row(i, 0, [name, code, inn])
        if level:
            ws.set_row(i, None, None, {"level": level})
    wb.close()
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n01.11.2024;Р1;K001;1 000,00\r\n"
             "02.11.2024;Р2;K003;250,00\r\n")
    root = make_engagement({path.name: path, "sales.csv": sales})
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    assert sorted(result.tables["clients"]["client_id"].to_list()) == ["K001", "K002", "K003"]
    (f,) = [f for f in result.files if f.table == "clients"]
    assert any(n["code"] == "note_group_rows_folders" and n["args"]["n"] == 3
               for n in f.note_reasons)


def test_hierarchy_levels_stacked_under_the_header(make_engagement, tmp_path) -> None:
    """1C writes the hierarchy's levels one under the other ('Контрагент', 'Документ',
    'Номенклатура' in rows 4–6 of column A), the other titles merged over those rows: the
    levels were rows of data, and the products the clients."""
    path = tmp_path / "Продажи.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Продажи")
    ws.write(0, 0, "Продажи")
    ws.write(1, 0, "Период: с 01.11.2024 по 30.11.2024")
    for k, level in enumerate(["Контрагент", "Документ", "Номенклатура"]):
        ws.write(3 + k, 0, level)
    for col, title in enumerate(["Количество", "Выручка"], start=1):
        ws.merge_range(3, col, 5, col, title)
    r = 6
    for client, docs in DATA:
        items = [it for _, _, its in docs for it in its]
        ws.write_row(r, 0, [client, sum(q for _, q, _ in items), sum(n for *_, n in items)])
        r += 1
        for num, day, its in docs:
            ws.write_row(r, 0, [DOC.format(num, day), sum(q for _, q, _ in its),
                                sum(n for *_, n in its)])
            ws.set_row(r, None, None, {"level": 1})
            r += 1
            for product, q, n in its:
                ws.write_row(r, 0, [product, q, n])
                ws.set_row(r, None, None, {"level": 2})
                r += 1
    ws.write_row(r, 0, ["Итого", 23, 1850.0])
    wb.close()
    result = _ingest(make_engagement, path)
    assert _by_client(result) == {"K001": 1100.0, "K002": 500.0, "K003": 250.0}
    assert result.tables["sales"]["product_name"].to_list() == ["Сахар", "Соль", "Сахар",
                                                                "Сахар", "Мука"]
