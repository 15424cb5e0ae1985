"""Shapes real exports come in (issue 13): sales with no catalogue, no amount column but a
quantity and a unit price, headers seen in the wild, a base with no candidate pair.

Each engagement runs through the intake and steps 1 and 2 in-process; the figures asserted
were computed by hand from the rows written here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from kamlib.cleanup import run_cleanup
from kamlib.cli import main
from kamlib.config import load_config
from kamlib.engagement import Engagement
from kamlib.intake import IntakeResult, ingest, summary_text
from kamlib.profitability import run_profitability
from kamlib.runner import run_intake

UK_LINES = (
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850.0,"
    "United Kingdom\n"
    "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850.0,United Kingdom\n"
    "536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,13047.0,United Kingdom\n"
    "C536379,D,Discount,-1,12/1/2010 9:41,27.50,14527.0,United Kingdom\n"
    "536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/13/2010 8:45,3.75,12583.0,France\n"
    "536371,22729,PENCIL,3,12/13/2010 9:00,0.425,12583.0,France\n"
    "536372,22730,RIBBON,,12/13/2010 9:05,1.25,12583.0,France\n"
)
# 15.30 + 20.34 + 11.10 - 27.50 + 90.00 + 1.275→1.28 = 110.52; the last line has no quantity


def _money_ok(result: IntakeResult) -> None:
    for f in result.files:
        for m in f.money.values():
            assert Decimal(m["rows"]) == Decimal(m["accepted"]) + Decimal(m["rejected"])


def _steps_0_to_2(root: Path) -> tuple[IntakeResult, pd.DataFrame]:
    eng = Engagement.open(root)
    result = run_intake(eng)
    run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
    prof = run_profitability(root, eng.step_dir("02_profitability"))
    return result, prof.pnl if hasattr(prof, "pnl") else pd.DataFrame()


def test_lines_with_quantity_and_price_and_no_catalogue(make_engagement, capsys) -> None:
    root = make_engagement({"Online Retail.csv": UK_LINES},
                           {"intake": {"amounts_include_vat": False}})
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    _money_ok(result)
    f = result.files[0]
    assert f.mapping["unit_price"] == "UnitPrice" and f.mapping["quantity"] == "Quantity"
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("110.52")
    assert f.rows_rejected == 1
    rej = result.rejected.row(0, named=True)
    assert rej["row"] == 8 and "quantity or the unit price is empty" in rej["reason"]
    assert rej["value"] == "empty × 1.25"
    assert any("Quantity × UnitPrice" in n for n in f.notes)
    # the clients come from the lines: numeric codes as the file wrote them, without '.0'
    assert sorted(result.tables["clients"]["client_id"].to_list()) == [
        "12583", "13047", "14527", "17850"]
    assert any("no client catalogue" in w for w in result.warnings)
    text = summary_text(result)
    assert "value 'empty × 1.25'" in text and "'None'" not in text
    assert main(["check", str(root)]) == 0
    assert "internal error" not in capsys.readouterr().err


def test_steps_run_with_no_candidate_pair_and_a_decision(make_engagement) -> None:
    root = make_engagement({"Online Retail.csv": UK_LINES},
                           {"intake": {"amounts_include_vat": False}})
    result, _ = _steps_0_to_2(root)
    assert result.ok
    eng = Engagement.open(root)
    step1 = eng.step_dir("01_client_base_cleanup")
    pairs = pd.read_parquet(step1 / "pairs.parquet")
    assert pairs.empty
    # what the step-1 notebook does with the pairs: worked on an empty, float-typed table
    assert pairs["outcome"].astype("string").str.startswith("blocked").sum() == 0
    assert not pd.api.types.is_float_dtype(pairs["outcome"])
    assert not pd.api.types.is_float_dtype(pairs["client_id_a"])
    (root / "decisions").mkdir(exist_ok=True)
    (root / "decisions" / "merges.csv").write_text(
        "client_id_a,client_id_b,decision,note,decided_on\n12583,13047,reject,,2024-01-01\n",
        encoding="utf-8")
    run_cleanup(root, step1)
    pairs = pd.read_parquet(step1 / "pairs.parquet")
    assert pairs["outcome"].to_list() == ["rejected by reviewer"]
    sales = pd.read_parquet(step1 / "sales.parquet")
    assert round(float(sales["net_revenue"].sum()), 2) == 110.52


def test_headers_seen_in_real_files(make_engagement) -> None:
    text = ("Заказчик;Дата;Документ;Кол-во, уп;Сумма с НДС, руб;НДС\n"
            "ООО «Ромашка»;01.11.2024;Реализация 1;2;1 200,00;200,00\n"
            "ИП Петров;02.11.2024;Реализация 2;1;600,00;100,00\n")
    root = make_engagement({"sales.csv": text.encode("cp1251")})
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    f = result.files[0]
    assert f.mapping == {"date": "Дата", "document_id": "Документ", "quantity": "Кол-во, уп",
                         "client_name": "Заказчик", "gross_revenue": "Сумма с НДС, руб",
                         "vat": "НДС"}
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("1500.00")
    amount_as_total = ("Клиент;Дата;Документ;Итого\nА;01.11.2024;Д1;10,00\n"
                       "Б;01.11.2024;Д2;5,00\nИтого;;;15,00\n")
    root = make_engagement({"sales.csv": amount_as_total},
                           {"intake": {"amounts_include_vat": False}})
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok and result.files[0].mapping["amount"] == "Итого"
    assert result.files[0].totals_row["amount"]["ok"]


def test_western_text_is_not_read_as_cyrillic(make_engagement) -> None:
    clients = "Code;Name\r\nF001;Société Générale\r\nF002;Müller GmbH\r\nF003;Łódź Sp. z o.o.\r\n"
    sales = ("Date;Invoice;Client code;Net amount\r\n01.11.2024;F-1;F001;100,00\r\n"
             "02.11.2024;F-2;F002;20,00\r\n")
    root = make_engagement({"clients.csv": clients.replace("Łódź", "Lodz").encode("cp1252"),
                            "sales.csv": sales.encode("cp1252")})
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, [str(e) for e in result.errors]
    names = result.tables["clients"]["name"].to_list()
    assert names == ["Société Générale", "Müller GmbH", "Lodz Sp. z o.o."]
    assert next(f for f in result.files if f.file == "clients.csv").encoding == "cp1252"
    # Russian cp1251 is still cp1251
    ru = "Код;Наименование\r\nK1;ООО «Ромашка»\r\nK2;ИП Ёлкин\r\n".encode("cp1251")
    from kamlib.io import decode_text, encoding_doubt
    assert decode_text(ru, Path("x.csv")) == (ru.decode("cp1251"), "cp1251")
    # when the letters still mix scripts after decoding, the reader says it is unsure
    assert "code page may be wrong" in encoding_doubt("Sociйtй Gйnйrale", "cp1251")
    assert encoding_doubt("ООО «Ромашка», " * 5 + "ООО «Вектоp»", "cp1251") is None
