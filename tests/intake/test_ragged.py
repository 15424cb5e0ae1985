"""Rows of a comma-separated file cut by unquoted decimal commas (intake.ragged): put back
when there is one way only, rejected as before otherwise."""

from __future__ import annotations

from kamlib.config import load_config
from kamlib.intake import ingest
from kamlib.intake.ragged import _merged

CLIENTS = "Код;Наименование;ИНН\r\nK1;ООО «Альфа»;7707083893\r\nK2;ИП Петров П.П.;\r\n"


def test_one_way_only() -> None:
    # date, doc, client, qty, amount, vat: amount and vat are numeric (4, 5), qty too (3)
    numeric = {3, 4, 5}
    assert _merged(["01.02.2024", "Д1", "K1", "5", "12500", "00", "2083", "33"], 6,
                   numeric) == ["01.02.2024", "Д1", "K1", "5", "12500,00", "2083,33"]
    # '5,10,00': quantity 5 and amount 10,00, or quantity 5,10 and amount 00: ambiguous
    assert _merged(["01.02.2024", "Д1", "K1", "5", "10", "00", "1"], 6, numeric) is None
    # the merge would land in a text column (the document number 12,34): refused
    assert _merged(["01.02.2024", "12", "34", "K1", "5", "100", "0"], 6, numeric) is None
    assert _merged(["a", "b"], 2, numeric) is None                      # not ragged
    assert _merged(["01.02.2024", "Д1", "K1", "5", "x", "y", "z"], 6, numeric) is None


def test_comma_file_with_decimal_commas_loads_whole(make_engagement) -> None:
    sales = ("Дата,Документ,Код контрагента,Количество,Сумма без НДС\r\n"
             "01.02.2024,Д1,K1,2,12500,00\r\n02.02.2024,Д2,K2,1,100,50\r\n"
             "03.02.2024,Д3,K2,1,100\r\nИтого,,,,12700,50\r\n")
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": sales})
    r = ingest(root, load_config(root / "engagement.yaml"))
    f = next(f for f in r.files if f.file == "sales.csv")
    assert {"code": "note_decimal_commas_repaired", "args": {"n": 3}} in f.note_reasons
    assert r.tables["sales"]["net_revenue"].to_list() == [12500.0, 100.5, 100.0]
    assert r.rejected.height == 0 and r.ok
    assert f.totals_row["net_revenue"]["ok"], f.totals_row   # the totals row put back too


def test_a_row_that_fits_two_ways_stays_rejected(make_engagement) -> None:
    sales = ("Дата,Документ,Код контрагента,Количество,Сумма без НДС\r\n"
             "01.02.2024,Д1,K1,2,12500,00\r\n04.02.2024,Д4,K1,5,10,00,7\r\n")
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": sales})
    r = ingest(root, load_config(root / "engagement.yaml"))
    assert r.tables["sales"]["net_revenue"].to_list() == [12500.0]
    assert r.rejected["row"].to_list() == [3]
    assert "more fields than the header" in r.rejected["reason"][0]
