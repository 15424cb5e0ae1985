"""Rows of a comma-separated file cut by unquoted decimal commas (intake.ragged): put back
when there is one way only, rejected as before otherwise."""

from __future__ import annotations

from kamlib.intake.ragged import _ways
from tests.helpers import ingested

CLIENTS = "Код;Наименование;ИНН\r\nK1;ООО «Альфа»;7707083893\r\nK2;ИП Петров П.П.;\r\n"


def _one(fields: list[str], ncol: int, money: set[int], numbers: set[int]
         ) -> list[str] | None:
    ways = _ways(fields, ncol, money, numbers)
    return ways[0][0] if len(ways) == 1 else None


def test_the_ways_a_row_fits() -> None:
    # date, doc, client, qty, amount, vat: amounts (4, 5) take two decimals, the quantity (3)
    # one to three
    money, numbers = {4, 5}, {3}
    assert _one(["01.02.2024", "Д1", "K1", "5", "12500", "00", "2083", "33"], 6, money,
                numbers) == ["01.02.2024", "Д1", "K1", "5", "12500,00", "2083,33"]
    # 1C's three-decimal quantity and an amount: one way only
    assert _one(["01.02.2024", "Д1", "K1", "1", "000", "100", "50", "20", "10"], 6, money,
                numbers) == ["01.02.2024", "Д1", "K1", "1,000", "100,50", "20,10"]
    # '1,100,50': quantity 1,100 and amount 50, or quantity 1 and amount 100,50: two ways
    assert len(_ways(["01.02.2024", "Д1", "K1", "1", "100", "50", "0"], 6, money,
                     numbers)) == 2
    # the merge would land in a text column (the document number 12,34): no way
    assert _ways(["01.02.2024", "12", "34", "K1", "5", "100", "0"], 6, money, numbers) == []
    # an amount's decimals are two digits: '100,5' is no amount (a stray field after it?)
    assert _ways(["01.02.2024", "Д1", "K1", "5", "100", "5"], 5, {4}, set()) == []
    assert _ways(["a", "b"], 2, money, numbers) == []                   # not ragged


def test_comma_file_with_decimal_commas_loads_whole(make_engagement) -> None:
    sales = ("Дата,Документ,Код контрагента,Количество,Сумма без НДС\r\n"
             "01.02.2024,Д1,K1,2,12500,00\r\n02.02.2024,Д2,K2,1,100,50\r\n"
             "03.02.2024,Д3,K2,1,100\r\nИтого,,,,12700,50\r\n")
    r = ingested(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    f = next(f for f in r.files if f.file == "sales.csv")
    assert {"code": "note_decimal_commas_repaired", "args": {"n": 3, "row": "2"}} \
        in f.note_reasons
    assert r.tables["sales"]["net_revenue"].to_list() == [12500.0, 100.5, 100.0]
    assert r.rejected.height == 0 and r.ok
    assert f.totals_row["net_revenue"]["ok"], f.totals_row   # the totals row put back too


def test_a_row_that_fits_two_ways_stays_rejected(make_engagement) -> None:
    sales = ("Дата,Документ,Код контрагента,Количество,Сумма без НДС\r\n"
             "01.02.2024,Д1,K1,2,12500,00\r\n04.02.2024,Д4,K1,5,10,00,7\r\n")
    r = ingested(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.tables["sales"]["net_revenue"].to_list() == [12500.0]
    assert r.rejected["row"].to_list() == [3]
    assert "more fields than the header" in r.rejected["reason"][0]
