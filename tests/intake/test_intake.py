"""Ingestion behaviour on small, hand-written exports: VAT, returns, totals rows, client
resolution, repeats, control totals. Each expected figure is computed by hand in the test."""

from __future__ import annotations

from decimal import Decimal

import polars as pl
import pytest

from kamlib.config import load_config
from kamlib.intake import ingest, name_key, summary_text

CLIENTS = "Код;Наименование;ИНН\r\nK1;ООО «Альфа»;7707083893\r\nK2;ИП Петров П.П.;\r\n"


def run(make_engagement, files, overrides=None):
    root = make_engagement(files, overrides)
    return ingest(root, load_config(root / "engagement.yaml"))


def money(result, file, field="net_revenue"):
    f = next(f for f in result.files if f.file == file)
    return Decimal(f.money[field]["accepted"])


def test_gross_and_vat_columns_give_net(make_engagement) -> None:
    sales = ("Дата;Документ;Код контрагента;Сумма с НДС;НДС\r\n"
             "01.02.2024;Д1;K1;1\u00a0200,00;200,00\r\n"
             "02.02.2024;Д2;K2;600,00;100,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    assert money(r, "sales.csv") == Decimal("1500.00")
    assert money(r, "sales.csv", "gross_revenue") == Decimal("1800.00")


def test_vat_rate_column_gives_net_exactly(make_engagement) -> None:
    sales = ("Дата\tДокумент\tКод контрагента\tСумма с НДС\tСтавка НДС\n"
             "01.02.2024\tД1\tK1\t1 200,00\t20%\n"
             "01.02.2024\tД1\tK1\t110,00\t10%\n"
             "01.02.2024\tД2\tK2\t50,00\tБез НДС\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.tsv": sales})
    assert money(r, "sales.tsv") == Decimal("1000.00") + Decimal("100.00") + Decimal("50.00")


def test_ambiguous_amount_with_vat_column_decided_by_ratio(make_engagement) -> None:
    # 'Сумма' with VAT 200 on 1200 is VAT-inclusive (ratio 1/6, not 1/5)
    sales = "Дата;Документ;Код контрагента;Сумма;НДС\r\n01.02.2024;Д1;K1;1200,00;200,00\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert money(r, "sales.csv") == Decimal("1000.00")
    # … and net when VAT is a fifth of it
    sales = "Дата;Документ;Код контрагента;Сумма;НДС\r\n01.02.2024;Д1;K1;1000,00;200,00\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert money(r, "sales.csv") == Decimal("1000.00")


def test_ambiguous_amount_without_vat_info_warns(make_engagement) -> None:
    sales = "Дата;Документ;Код контрагента;Сумма\r\n01.02.2024;Д1;K1;1200,00\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert money(r, "sales.csv") == Decimal("1200.00")
    assert any("amounts_include_vat" in w for w in r.warnings)
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales},
            {"intake": {"amounts_include_vat": True}})
    assert money(r, "sales.csv") == Decimal("1000.00")
    assert not any("amounts_include_vat" in w for w in r.warnings)


def test_returns_from_document_type_are_made_negative(make_engagement) -> None:
    sales = ("Период;Регистратор;Код контрагента;Количество;Сумма без НДС;Себестоимость\r\n"
             "01.02.2024 0:00:00;Реализация товаров 0001 от 01.02.2024;K1;10;1000,00;700,00\r\n"
             "05.02.2024 0:00:00;Возврат товаров от клиента 0002 от 05.02.2024;K1;2;200,00;"
             "140,00\r\n"
             "06.02.2024 0:00:00;Реализация товаров 0003 от 06.02.2024;K2;-1;-50,00;-35,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    s = r.tables["sales"].to_pandas().sort_values("date")
    assert s["is_return"].tolist() == [False, True, True]
    assert s["net_revenue"].tolist() == [1000.0, -200.0, -50.0]
    assert s["quantity"].tolist() == [10.0, -2.0, -1.0]
    assert s["cogs"].tolist() == [700.0, -140.0, -35.0]
    f = r.files[-1]
    assert f.returns["lines"] == 2 and Decimal(f.returns["net_revenue"]) == Decimal("-250.00")


def test_totals_row_checked_and_not_loaded(make_engagement) -> None:
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
             "01.02.2024;Д1;K1;100,50\r\n02.02.2024;Д2;K2;200,25\r\nИтого;;;300,75\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    f = next(f for f in r.files if f.file == "sales.csv")
    assert r.tables["sales"].height == 2
    assert f.totals_row["net_revenue"]["ok"] and f.totals_row["net_revenue"]["file"] == "300.75"
    bad = sales.replace("300,75", "301,75")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": bad})
    f = next(f for f in r.files if f.file == "sales.csv")
    assert not f.totals_row["net_revenue"]["ok"]
    assert f.totals_row["net_revenue"]["difference"] == "-1.00"
    # the file's own total disagrees with its rows: the run stops, naming both figures
    err = next(e for e in r.errors if "totals row" in e.message)
    assert not r.ok and err.row == 4 and err.file == "sales.csv"
    assert "301,75" in err.message and "300,75" in err.message


def test_totals_row_read_with_its_columns_decimal_separator(make_engagement) -> None:
    """A comma-separated file of whole amounts: the column is read with '.' decimals (the
    default of such files) and its totals row '1,300' with them too: 1 300, which the rows
    add up to (read with ',' decimals it was 1.3, a false difference)."""
    sales = ("Date,Document,Client code,Net amount\r\n"
             "01.02.2024,D1,K1,1000\r\n02.02.2024,D2,K2,300\r\nTotal,,,\"1,300\"\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    f = next(f for f in r.files if f.file == "sales.csv")
    assert f.totals_row["net_revenue"]["file"] == "1300.00"
    assert f.totals_row["net_revenue"]["ok"] and r.ok


def test_title_rows_subtotals_repeated_headers_and_empty_rows(make_engagement) -> None:
    header = "Дата;Документ;Код контрагента;Сумма без НДС"
    sales = (f"Продажи за февраль\r\n\r\n{header}\r\n01.02.2024;Д1;K1;100,00\r\n\r\n"
             f"Итого K1;;;100,00\r\n{header}\r\n02.02.2024;Д2;K2;50,00\r\nИтого;;;150,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    f = next(f for f in r.files if f.file == "sales.csv")
    assert f.header_row == 3
    assert r.tables["sales"]["source_row"].to_list() == [4, 8]
    assert f.rows_skipped == {"empty row": 1, "above the header (title or filter line)": 1,
                              "repeated header row": 1, "subtotal row": 1,
                              "totals row (used as a check)": 1}
    assert f.totals_row["net_revenue"]["ok"]


def test_pasted_exports_each_with_its_byte_order_mark(make_engagement) -> None:
    """Two UTF-8 exports pasted together, each starting with a BOM: the second header is a
    repeated header row, not a row rejected for its date."""
    header = "Дата;Документ;Код контрагента;Сумма без НДС\r\n"
    sales = ("\ufeff" + header + "01.02.2024;Д1;K1;100,00\r\n").encode() + (
        "\ufeff" + header + "02.02.2024;Д2;K2;50,00\r\n").encode()
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    f = next(f for f in r.files if f.file == "sales.csv")
    assert f.rows_skipped == {"repeated header row": 1}
    assert r.rejected.height == 0 and r.tables["sales"]["source_row"].to_list() == [2, 4]


def test_dashes_of_excels_accounting_format_are_zeros_and_said(make_engagement) -> None:
    """A VAT of ' - ', '—' or ' -   ₽ ' (zero in Excel's accounting format) and a quantity
    '-': zero, the row accepted with its money, the count said per column (the rows were
    rejected; ' -   ₽ ' was read as zero but not counted)."""
    sales = ("Дата;Документ;Код контрагента;Сумма с НДС;НДС;Количество\r\n"
             "01.02.2024;Д1;K1;1 200,00;200,00;5\r\n02.02.2024;Д2;K2;100,50; - ;-\r\n"
             "03.02.2024;Д3;K2;1 000,00;—;2\r\n04.02.2024;Д4;K1;500,00 ₽; -   ₽ ;1\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok and r.rejected.height == 0
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0, 100.5, 1000.0, 500.0]
    f = next(f for f in r.files if f.file == "sales.csv")
    # ' -   ₽ ': the accounting format with the rouble, counted as the parser reads it
    assert {"code": "note_dash_as_zero", "args": {"column": "НДС", "n": 3}} in f.note_reasons
    assert {"code": "note_dash_as_zero", "args": {"column": "Количество", "n": 1}} \
        in f.note_reasons


def test_russian_dates_and_months_of_a_report_by_month(make_engagement) -> None:
    """'1 ноября 2024 г.' and '01.11.2024 г.' are dates; 'Ноябрь 2024' (a 1C report by month)
    is the month's first day, said in a note (they were rejected as 'not a date')."""
    sales = ("Период;Документ;Код контрагента;Сумма без НДС\r\n"
             "Ноябрь 2024;Д1;K1;100,00\r\nДекабрь 2024 г.;Д2;K2;50,00\r\n"
             "1 ноября 2024 г.;Д3;K1;10,00\r\n01.12.2024 г.;Д4;K2;5,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok and r.rejected.height == 0
    assert [str(d) for d in r.tables["sales"]["date"].to_list()] == [
        "2024-11-01", "2024-12-01", "2024-11-01", "2024-12-01"]
    f = next(f for f in r.files if f.file == "sales.csv")
    assert [n["args"]["column"] for n in f.note_reasons if n["code"] == "note_month_dates"] \
        == ["Период"]


def test_units_after_quantities_are_left_aside_and_said(make_engagement) -> None:
    """'5 шт.', '1,5 кг' in the quantity column: the numbers (the rows were rejected as 'not
    a number'); the units listed in a note; a word that is no unit still rejects its row."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС;Количество\r\n"
             "01.02.2024;Д1;K1;100,00;5 шт.\r\n02.02.2024;Д2;K2;50,00;1,5 кг\r\n"
             "03.02.2024;Д3;K2;10,00;2\r\n04.02.2024;Д4;K2;1,00;2 abc\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.tables["sales"]["quantity"].to_list() == [5.0, 1.5, 2.0]
    assert r.rejected["value"].to_list() == ["2 abc"]
    f = next(f for f in r.files if f.file == "sales.csv")
    assert {"code": "note_units_in_numbers", "args": {"column": "Количество",
                                                       "units": "кг, шт"}} in f.note_reasons


def test_inn_in_e_notation_is_an_issue_and_never_a_match(make_engagement) -> None:
    """INNs saved by Excel as '7,70708E+09' are the same text for different companies: each
    is listed as an issue, and no sale is attributed to a client through one."""
    clients = ("Код;Наименование;ИНН\r\nK1;ООО «Альфа»;7,70708E+09\r\n"
               "K2;ООО «Бета»;7,70708E+09\r\n")
    sales = ("Дата;Документ;ИНН контрагента;Контрагент;Сумма без НДС\r\n"
             "01.02.2024;Д1;7,70708E+09;ООО «Бета»;100,00\r\n")
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    issues = r.issues.filter(r.issues["table"] == "clients")
    assert issues.height == 2 and set(issues["problem_code"]) == {"problem_inn_exponent"}
    assert r.tables["sales"]["client_id"].to_list() == ["K2"], "matched by its name, not K1"


def test_client_codes_in_e_notation_say_so(make_engagement) -> None:
    clients = ("Код;Наименование;ИНН\r\n1,23457E+11;ООО «Альфа»;\r\n"
               "1,23457E+11;ООО «Бета»;\r\n")
    sales = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;1,23457E+11;1,00\r\n"
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    err = next(e for e in r.errors if "two different records" in e.message)
    assert "scientific notation" in err.message and "as text" in (err.hint or "")


def test_column_numbers_row_under_the_header_is_skipped(make_engagement) -> None:
    """'1;2;3;4' under the header (the column numbers of a Russian printed form) is skipped
    and said; it was rejected with 4,00 of 'money'. A row number column is not mistaken."""
    sales = ("№;Дата;Документ;Код контрагента;Сумма без НДС\r\n1;2;3;4;5\r\n"
             "1;01.02.2024;Д1;K1;100,00\r\n2;02.02.2024;Д2;K2;50,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    f = next(f for f in r.files if f.file == "sales.csv")
    assert f.rows_skipped == {"column numbers row (1, 2, 3 … under the header)": 1}
    assert r.rejected.height == 0 and r.tables["sales"]["source_row"].to_list() == [3, 4]


def test_names_only_matched_to_catalogue_and_unknown_added(make_engagement) -> None:
    sales = ("Дата;Документ;Покупатель;Сумма без НДС\r\n"
             "01.02.2024;Д1;ООО \"Альфа\";100,00\r\n"
             "01.02.2024;Д2;альфа ооо;10,00\r\n"
             "02.02.2024;Д3;ИП  Петров П.П.;20,00\r\n"
             "03.02.2024;Д4;ООО Гамма;5,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    s = r.tables["sales"].to_pandas()
    by = s.groupby("client_id")["net_revenue"].sum().to_dict()
    assert by["K1"] == 110.0 and by["K2"] == 20.0
    new = [k for k in by if k.startswith("NEW-")]
    assert len(new) == 1 and by[new[0]] == 5.0
    clients = r.tables["clients"].to_pandas().set_index("client_id")
    assert clients.loc[new[0], "origin"] == "transactions"
    assert clients.loc[new[0], "name"] == "ООО Гамма"


def test_name_key_folds_quotes_case_and_form_position() -> None:
    assert name_key('ООО «Вектор»') == name_key('ооо  "вектор"') == name_key("Вектор ООО")
    assert name_key('ООО "Вектор-М"') != name_key('ООО "Вектор"')
    assert name_key("ООО") is None


def test_sales_matched_by_tax_id_when_no_code(make_engagement) -> None:
    sales = ("Дата;Документ;ИНН;Сумма без НДС\r\n01.02.2024;Д1;7707083893;100,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.tables["sales"]["client_id"].to_list() == ["K1"]


def test_exact_repeats_of_client_records_are_dropped_and_said(make_engagement) -> None:
    clients = CLIENTS + "K1;ООО «Альфа»;7707083893\r\n"
    sales = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;1,00\r\n"
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    assert r.ok and r.tables["clients"].height == 2
    assert any("exact repeat" in p for p in r.issues["problem"].to_list())


def test_several_sales_files_reconcile(make_engagement) -> None:
    head = "Дата;Документ;Код контрагента;Сумма без НДС\r\n"
    files = {"clients.csv": CLIENTS,
             "s1.csv": head + "01.02.2024;Д1;K1;100,10\r\n01.02.2024;Д1;K1;x\r\n",
             "s2.csv": head + "01.03.2024;Д2;K2;0,20\r\n"}
    r = run(make_engagement, files)
    c = r.control["sales"]
    assert c["accepted"] == "100.30" and c["rejected"] == "0.00" and c["reconciled"]
    assert r.rejected["row"].to_list() == [3]
    text = summary_text(r)
    assert "s1.csv, row 3, column 'Сумма без НДС', value 'x'" in text


def test_explicit_mapping_overrides_detection(make_engagement) -> None:
    sales = "When;Doc;Who;Money\r\n2024-02-01;1;K1;12.5\r\n"
    overrides = {"inputs": [{"file": "sales.csv", "table": "sales", "columns": {
        "date": "When", "document_id": "Doc", "client_id": "Who", "net_revenue": "Money"}}]}
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales}, overrides)
    assert r.ok and money(r, "sales.csv") == Decimal("12.50")
    assert next(f for f in r.files if f.file == "sales.csv").detected_by == "engagement.yaml"


@pytest.mark.parametrize("name,content", [
    ("activities.csv", "Код контрагента;Дата;Вид активности;Количество\r\n"
     "K1;01.02.2024;Доставка;3\r\n"),
    ("payments.csv", "Код контрагента;Документ;Срок оплаты;Дата оплаты;Сумма\r\n"
     "K1;Д1;10.02.2024;20.02.2024;1200,00\r\n"),
    ("contacts.csv", "Код контрагента;Контактное лицо;Роль\r\nK1;Иванова А.;ЛПР\r\n"),
    ("assessment.csv", "Код контрагента;Критерий;Оценка\r\nK1;strategic_fit;8\r\n"),
    ("team.csv", "Сотрудник;Роль;Годовая стоимость;Доступные часы\r\n"
     "Иванов;KAM;3 000 000;1 760\r\n"),
])
def test_optional_tables_recognised(make_engagement, name, content) -> None:
    sales = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;1,00\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales, name: content})
    assert r.ok, r.errors
    table = name.split(".")[0]
    assert table in r.tables and r.tables[table].height == 1


def test_unknown_client_in_optional_table_is_rejected(make_engagement) -> None:
    sales = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;1,00\r\n"
    contacts = "Код контрагента;Контактное лицо\r\nK9;Иванова А.\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales,
                              "contacts.csv": contacts})
    assert r.rejected["reason"].to_list()[0].startswith("its client is not in the client catalogue")


def test_foreign_tax_ids_kept_and_not_flagged(make_engagement) -> None:
    clients = ("Client ID,Name,Tax ID\nC1,Acme Ltd,FR 595 951 746\nC2,Beta GmbH,DE123456789\n"
               "C3,ООО Гамма,247056849\n")
    sales = "Date,Invoice,Tax ID,Net revenue\n2024-02-01,I1,FR595951746,10.00\n"
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    ids = dict(r.tables["clients"].select("client_id", "tax_id").iter_rows())
    assert ids == {"C1": "FR595951746", "C2": "DE123456789", "C3": "0247056849"}
    assert not r.issues.filter(r.issues["problem"].str.contains("INN")).height
    assert r.tables["sales"]["client_id"].to_list() == ["C1"]


def test_amounts_that_read_two_ways_stop_until_the_separator_is_said(make_engagement) -> None:
    """'1,250' with no value showing a decimal separator is 1 250 in an English export or 1,25
    with three decimals: the intake stops naming the file, row, column and value and how to
    say which (it read 1,25: a thousandfold error, silent); once said, it is read so; a
    column whose other values show the separator ('12,000,000', '99.90') needs nothing."""
    sales = ("Date\tInvoice\tClient ID\tNet amount\r\n2024-11-01\tINV1\tK1\t1,250\r\n"
             "2024-11-02\tINV2\tK2\t12,000\r\n2024-11-03\tINV3\tK1\t3,500\r\n")
    files = {"clients.csv": CLIENTS, "sales.txt": sales}
    r = run(make_engagement, files)
    err = next(e for e in r.errors if "two ways" in e.message)
    assert not r.ok and (err.file, err.row, err.column, err.value) == (
        "sales.txt", 2, "Net amount", "1,250")
    assert "decimal:" in err.hint and "sales.txt" in err.hint
    said = {"inputs": [{"file": "sales.txt", "decimal": "."}]}
    r = run(make_engagement, files, said)
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [1250.0, 12000.0, 3500.0]
    r = run(make_engagement, files, {"inputs": [{"file": "sales.txt", "decimal": ","}]})
    assert r.tables["sales"]["net_revenue"].to_list() == [1.25, 12.0, 3.5]
    # the column's other values tell: a thousands comma grouping twice, or a decimal point
    for other, want in (("12,000,000", 12_000_000.0), ("99.90", 99.9)):
        r = run(make_engagement, {"clients.csv": CLIENTS, "sales.txt": sales
                                  + f"2024-11-04\tINV4\tK2\t{other}\r\n"})
        assert r.ok, r.errors
        assert r.tables["sales"]["net_revenue"].to_list() == [1250.0, 12000.0, 3500.0, want]
    # a ';' export with the decimal comma on its amounts is not touched ('1 250,000' neither)
    ru = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;1 250,00\r\n"
          "02.02.2024;Д2;K2;1 250,000\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": ru})
    assert r.ok and r.tables["sales"]["net_revenue"].to_list() == [1250.0, 1250.0]


def test_amount_beside_vat_is_read_by_the_rate_each_line_fits(make_engagement) -> None:
    """'Сумма' beside 'НДС' is net when the lines' VAT is a legal rate of it and gross when it
    is a rate of it less the VAT — decided line by line, not against the default 20 % (net
    amounts of food at 10 % were read as gross: 3 950,00 instead of 4 500,00); a VAT column
    holding the rates (20, 10) stops with what to map; lines adding several rates (a report
    form by client) fit no rate and are read as before."""
    head = "Дата;Документ;Код контрагента;Сумма;НДС\r\n"
    net = head + ("01.11.2024;Р1;K1;1 000,00;100,00\r\n02.11.2024;Р2;K2;2 000,00;200,00\r\n"
                  "03.11.2024;Р3;K1;500,00;50,00\r\n04.11.2024;Р4;K1;1 000,00;200,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": net})
    assert r.ok, r.errors
    assert sum(r.tables["sales"]["net_revenue"].to_list()) == 4500.0
    gross = head + ("01.11.2024;Р1;K1;1 100,00;100,00\r\n02.11.2024;Р2;K2;2 200,00;200,00\r\n"
                    "03.11.2024;Р3;K1;1 200,00;200,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": gross})
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0, 2000.0, 1000.0]
    rates = ("Дата;Документ;Код контрагента;Сумма с НДС;НДС\r\n"
             "01.11.2024;Р1;K1;1 200,00;20\r\n02.11.2024;Р2;K2;1 100,00;10\r\n"
             "03.11.2024;Р3;K1;500,00;0\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": rates})
    err = next(e for e in r.errors if "VAT rates" in e.message)
    assert not r.ok and (err.row, err.column, err.value) == (2, "НДС", "20")
    assert "vat_rate" in err.hint
    mixed = head + ("01.11.2024;Р1;K1;8 823,53;1 264,08\r\n02.11.2024;Р2;K2;1 150,00;150,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": mixed})
    assert r.ok, r.errors


def test_excel_text_formulas_are_read_as_their_text(make_engagement) -> None:
    """A CSV written for Excel wraps codes in ="00123" to keep leading zeros: read as the
    text inside, said in a note (the sales became new clients ="00123", matched to none)."""
    clients = 'Код;Наименование;ИНН\r\n00123;ООО «Альфа»;="7707083893"\r\n00124;ООО «Бета»;\r\n'
    sales = ('Дата;Документ;Код контрагента;Сумма без НДС\r\n01.11.2024;Р1;="00123";100,00\r\n'
             '02.11.2024;Р2;="00124";200,00\r\n')
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    assert r.ok, r.errors
    assert sorted(r.tables["sales"]["client_id"].to_list()) == ["00123", "00124"]
    assert r.tables["clients"].height == 2
    assert "7707083893" in r.tables["clients"]["tax_id"].to_list()
    f = next(f for f in r.files if f.file == "sales.csv")
    assert {"code": "note_text_formulas", "args": {"column": "Код контрагента", "n": 2}} \
        in f.note_reasons


def test_amounts_in_thousands_by_their_header_are_scaled(make_engagement) -> None:
    """'Сумма без НДС, тыс. руб.' is recognised and its amounts are roubles ×1000, said in a
    note (mapped by hand, 1 334,50 thousand was loaded as 1 334,50 roubles)."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС, тыс. руб.\r\n"
             "01.11.2024;Р1;K1;1 234,5\r\n02.11.2024;Р2;K2;100,0\r\n")
    for overrides in (None, {"inputs": [{"file": "sales.csv", "table": "sales", "columns": {
            "net_revenue": "Сумма без НДС, тыс. руб."}}]}):
        r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales}, overrides)
        assert r.ok, r.errors
        assert r.tables["sales"]["net_revenue"].to_list() == [1_234_500.0, 100_000.0]
        f = next(f for f in r.files if f.file == "sales.csv")
        assert {"code": "note_amounts_scaled",
                "args": {"column": "Сумма без НДС, тыс. руб.", "times": 1000}} in f.note_reasons


@pytest.mark.parametrize(("header", "code"), [("Сумма без НДС (€)", "EUR"),
                                              ("Сумма без НДС, $", "USD"),
                                              ("Сумма без НДС, USD", "USD")])
def test_a_currency_in_the_header_is_the_amounts_currency(make_engagement, header,
                                                          code) -> None:
    """A header's currency other than the engagement's stops as a currency in the cells
    does (the amounts were loaded as roubles); the file is not called "no sales table"."""
    sales = f"Дата;Документ;Код контрагента;{header}\r\n01.11.2024;Р1;K1;1 200,00\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    err = next(e for e in r.errors if "by its header" in e.message)
    assert not r.ok and err.column == header and code in err.message and "RUB" in err.message
    assert not any("no sales table" in e.message for e in r.errors)


def test_a_file_mostly_rejected_stops_the_check(make_engagement) -> None:
    """Values written on a document's first line only (or merged cells): 3 of 5 rows
    rejected, and `kam check` said OK; it now stops, naming the first reason."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n01.11.2024;Р1;K1;100,00\r\n"
             ";;;50,00\r\n;;;25,00\r\n02.11.2024;Р2;K2;200,00\r\n;;;10,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    err = next(e for e in r.errors if "most data rows" in e.message)
    assert not r.ok and err.file == "sales.csv" and "3 of 5" in err.message
    assert r.rejected.height == 3 and sum(r.rejected["amount"].to_list()) == 85.0


def test_codes_that_lost_their_leading_zeros_find_their_client(make_engagement) -> None:
    """A sales workbook whose codes became numbers (123 for the catalogue's 000123): the
    rows go to the one code with the same digits, said in a warning (three new clients
    '123', '124', '125' took the revenue); a code two catalogue codes share stays unknown."""
    clients = ("Код;Наименование\r\n000123;ООО «Альфа»\r\n000124;ООО «Бета»\r\n"
               "0125;ООО «Гамма»\r\n00125;ООО «Дельта»\r\n")
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n01.11.2024;Р1;123;100,00\r\n"
             "02.11.2024;Р2;124;200,00\r\n03.11.2024;Р3;125;300,00\r\n")
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    assert r.tables["sales"]["client_id"].to_list() == ["000123", "000124", "125"]
    assert any("lost their leading zeros" in w and "123 → 000123" in w for w in r.warnings)


def test_a_name_of_two_companies_with_different_inns_attributes_nothing(make_engagement
                                                                        ) -> None:
    """Sales by name only, the name on two catalogue companies with different valid INNs:
    the rows are rejected with their money and the codes (all went to the first code, with
    a warning that step 1 would merge them, which it never does for different INNs)."""
    clients = ("Код;Наименование;ИНН\r\nK001;ООО \"Ромашка\";7707083893\r\n"
               "K002;ООО \"Ромашка\";7736050003\r\nK003;ИП Петров;500100732259\r\n"
               "K004;ООО \"Ромашка\";7736050003\r\n")
    sales = ("Дата;Документ;Контрагент;Сумма без НДС\r\n01.11.2024;Р1;ООО \"Ромашка\";1 000,00\r\n"
             "03.11.2024;Р3;ИП Петров;10,00\r\n04.11.2024;Р4;ИП Петров;20,00\r\n")
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    (rej,) = r.rejected.iter_rows(named=True)
    assert rej["amount"] == 1000.0 and "K001, K002, K004" in rej["reason"]
    assert r.tables["sales"]["client_id"].to_list() == ["K003", "K003"]
    assert not any("attributed to the first code" in w for w in r.warnings)


def test_pivot_grand_total_and_numeric_currency_codes(make_engagement) -> None:
    """Excel's pivot 'Общий итог' is a totals row checked against the rows (it was rejected
    as 'not a date' with its money); ISO numeric currency codes (643) are the rouble (they
    were a second currency that stopped the run)."""
    sales = ("Дата;Документ;Код контрагента;Валюта;Сумма без НДС\r\n"
             "01.11.2024;Р1;K1;RUR;100,00\r\n02.11.2024;Р2;K2;643;200,00\r\n"
             "Общий итог;;;;300,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    assert r.rejected.height == 0 and r.tables["sales"].height == 2
    f = next(f for f in r.files if f.file == "sales.csv")
    assert f.totals_row["net_revenue"]["ok"]


def test_net_vat_and_gross_that_do_not_add_up_are_said(make_engagement) -> None:
    """Net, VAT and gross side by side: the lines where net + VAT ≠ gross are counted in a
    warning with the first row and the differences (they were accepted unsaid)."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС;НДС;Сумма с НДС\r\n"
             "01.11.2024;Р1;K1;1 000,00;200,00;1 200,00\r\n"
             "02.11.2024;Р2;K2;1 000,00;200,00;1 500,00\r\n"
             "03.11.2024;Р3;K1;1 200,00;200,00;1 200,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok and r.tables["sales"]["net_revenue"].to_list() == [1000.0, 1000.0, 1200.0]
    w = next(w for w in r.warnings if "is not 'Сумма с НДС'" in w)
    assert "on 2 line(s)" in w and "row 3" in w and "500.00" in w


def test_catalogue_folders_are_skipped_and_english_1c_headers_read(make_engagement) -> None:
    """1C's catalogue folders ('Это группа' = Да: 'Покупатели Москва') are no clients: skipped
    and counted (they were loaded as clients); an English 1C configuration's register
    (Period; Recorder; Counterparty code; Counterparty) and catalogue (Code; Description)
    are recognised (they were refused as lacking their columns)."""
    clients = ("Код;Наименование;ИНН;Это группа\r\n00-000100;Покупатели Москва;;Да\r\n"
               "K1;ООО «Альфа»;7707083893;Нет\r\nK2;ИП Петров П.П.;;Нет\r\n")
    sales = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.11.2024;Р1;K1;100,00\r\n"
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    assert r.ok and sorted(r.tables["clients"]["client_id"].to_list()) == ["K1", "K2"]
    f = next(f for f in r.files if f.file == "clients.csv")
    assert f.rows_skipped == {"catalogue folder (group) row": 1} and f.rows_accepted == 2
    en_clients = "Code;Description;TIN\r\nK1;Alfa LLC;7707083893\r\nK2;Beta LLC;7736050003\r\n"
    en_sales = ("Period;Recorder;Counterparty code;Counterparty;Amount incl. VAT;VAT amount\r\n"
                "01.11.2024 0:00:00;Sales of goods 0000-000001 dated 01.11.2024;K1;Alfa LLC;"
                "1 200,00;200,00\r\n")
    r = run(make_engagement, {"clients.csv": en_clients, "sales.csv": en_sales})
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0]
    assert r.tables["clients"]["name"].to_list() == ["Alfa LLC", "Beta LLC"]


def test_a_vat_column_of_rates_is_read_as_the_rate(make_engagement) -> None:
    """'НДС' holding '20%', '10%', 'Без НДС' is the rate: net = amount ÷ (1 + rate), said in a
    note (every row was rejected as "not an amount"); a column of amounts and zeros is not."""
    sales = ("Дата;Документ;Код контрагента;Сумма;НДС\r\n01.11.2024;Р1;K1;1 200,00;20%\r\n"
             "02.11.2024;Р2;K2;1 100,00;10 %\r\n03.11.2024;Р3;K1;500,00;Без НДС\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0, 1000.0, 500.0]
    f = next(f for f in r.files if f.file == "sales.csv")
    assert {"code": "note_vat_column_holds_rates", "args": {"column": "НДС"}} in f.note_reasons
    amounts = ("Дата;Документ;Код контрагента;Сумма с НДС;НДС\r\n"
               "01.11.2024;Р1;K1;1 200,00;200,00\r\n02.11.2024;Р2;K2;500,00;0\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": amounts})
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0, 500.0]


def test_an_amount_with_the_other_decimal_separator_says_so(make_engagement) -> None:
    """'1 234,56' in a column of '99.90', '1234.56': rejected with a reason that names the
    two separators (it was "not an amount")."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n01.11.2024;Р1;K1;1 234,56\r\n"
             "02.11.2024;Р2;K2;99.90\r\n03.11.2024;Р3;K1;1234.56\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    (rej,) = r.rejected.iter_rows(named=True)
    assert rej["row"] == 2 and "decimal ','" in rej["reason"] and "decimal '.'" in rej["reason"]
    assert r.tables["sales"]["net_revenue"].to_list() == [99.9, 1234.56]
    # its money is kept among the rejected (it was 'rejected 0,00, 1 unreadable value')
    assert Decimal(r.control["sales"]["rejected"]) == Decimal("1234.56")
    (m,) = [f.money["net_revenue"] for f in r.files if f.file == "sales.csv"]
    assert m["unparseable_cells"] == 0
    # with both separators in the column, '2.500' is 2,5 or 2 500: the file stops …
    odd = sales + "04.11.2024;Р4;K2;2.500\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": odd})
    err = next(e for e in r.errors if "both decimal separators" in e.message)
    assert (err.file, err.row, err.column, err.value) == (
        "sales.csv", 5, "Сумма без НДС", "2.500")
    # … until the separator is said: then the other one's values are rejected with money
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": odd},
            {"inputs": [{"file": "sales.csv", "decimal": "."}]})
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [99.9, 1234.56, 2.5]
    assert Decimal(r.control["sales"]["rejected"]) == Decimal("1234.56")


def test_a_sum_without_a_label_under_the_table_is_its_totals_row(make_engagement) -> None:
    """Excel's SUM under the amounts, no label: a totals row checked against the rows (it was
    rejected as a row without a date, its money counted among the rejected); a thousands
    header scales its total as its rows (the total differed by a factor of 1,000)."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС, тыс. руб.\r\n"
             "01.11.2024;Р1;K1;100,5\r\n02.11.2024;Р2;K2;200\r\n;;;300,5\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    assert r.rejected.height == 0 and r.tables["sales"]["net_revenue"].to_list() == [
        100_500.0, 200_000.0]
    f = next(f for f in r.files if f.file == "sales.csv")
    assert f.rows_skipped == {"totals row without a label (used as a check)": 1}
    assert f.totals_row["net_revenue"]["ok"]
    labelled = sales.replace(";;;300,5", "Итого;;;300,5")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": labelled})
    assert r.ok and next(f for f in r.files if f.file == "sales.csv").totals_row[
        "net_revenue"]["ok"]
    # a last row that is not the sum stays a rejected row with its money
    odd = sales.replace(";;;300,5", ";;;50,0")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": odd})
    assert r.rejected.height == 1 and r.rejected["amount"].to_list() == [50_000.0]


def test_an_excel_error_in_an_amount_cell_is_named(make_engagement, tmp_path) -> None:
    """A failed formula (#DIV/0!, #N/A) in a workbook's amount cell: rejected as an Excel
    error with its text (it was read as an empty cell: "none of … is filled")."""
    import io as _io

    import xlsxwriter

    buf = _io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Продажи")
    ws.write_row(0, 0, ["Дата", "Документ", "Пусто", "Сумма без НДС", "Код контрагента"])
    ws.write_row(1, 0, ["01.11.2024", "Р1", None, 100, "K1"])
    ws.write_row(2, 0, ["02.11.2024", "Р2"])
    ws.write_blank(2, 2, None, wb.add_format({"bold": True}))   # <c r="C3" s="1"/> before it
    ws.write_formula(2, 3, "=1/0", None, "#DIV/0!")
    ws.write(2, 4, "K2")
    ws.write_row(3, 0, ["03.11.2024", "Р3", None, 50, "K1"])
    wb.close()
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.xlsx": buf.getvalue()})
    (rej,) = r.rejected.iter_rows(named=True)
    assert rej["row"] == 3 and rej["value"] == "#DIV/0!" and "Excel error" in rej["reason"]
    assert r.tables["sales"]["net_revenue"].to_list() == [100.0, 50.0]


def test_no_sales_table_says_when_errors_stopped_the_files(make_engagement) -> None:
    """A sales file stopped by its own error (a stray NUL byte) was followed by "no sales
    table found: none of the files has the columns of sales lines", which sent the person
    looking for a missing export; it now points at the errors above."""
    sales = "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.11.2024;Р1;K1;1\x0000,00\r\n"
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    msgs = [e.message for e in r.errors]
    assert any("NUL byte" in m for m in msgs)
    assert any("could be read: the errors above" in m for m in msgs)
    assert not any("none of the files" in m for m in msgs)


def test_a_report_of_several_blocks_is_read_with_each_blocks_total(make_engagement) -> None:
    """Two blocks (October, November), each with its title, header and 'Итого': the titles
    and headers skipped, the two totals together checked against the rows (the second title
    was rejected as "not a date" and the run stopped: "totals row differs by 300,00")."""
    sales = ("Продажи за октябрь 2024\r\nДата;Документ;Код контрагента;Сумма без НДС\r\n"
             "01.10.2024;Р1;K1;100,00\r\n02.10.2024;Р2;K2;200,00\r\nИтого;;;300,00\r\n\r\n"
             "Продажи за ноябрь 2024\r\nДата;Документ;Код контрагента;Сумма без НДС\r\n"
             "01.11.2024;Р3;K1;1 000,00\r\n02.11.2024;Р4;K2;2 000,00\r\nИтого;;;3 000,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    assert r.rejected.height == 0 and sum(r.tables["sales"]["net_revenue"].to_list()) == 3300
    f = next(f for f in r.files if f.file == "sales.csv")
    assert f.totals_row["net_revenue"]["ok"] and f.totals_row["net_revenue"]["file"] == "3300.00"
    assert f.rows_skipped["title of a block (above a repeated header)"] == 1
    # a wrong block total is still caught
    bad = sales.replace("Итого;;;3 000,00", "Итого;;;2 900,00")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": bad})
    assert not r.ok and any("totals row" in e.message for e in r.errors)


def test_an_empty_net_beside_other_figures_is_derived_or_rejected(make_engagement) -> None:
    """A line whose 'Сумма без НДС' is empty while its gross and VAT are filled was accepted
    with no net: its money in neither total, and `kam run` stopped on an internal error. Its
    net is gross − VAT when both are on the line (said in a note); a line with only a price
    and a quantity is rejected, its figures quoted."""
    both = ("Дата;Документ;Код контрагента;Сумма с НДС;НДС;Сумма без НДС\r\n"
            "01.11.2024;Р1;K1;1 200,00;200,00;1 000,00\r\n"
            "02.11.2024;Р2;K2;600,00;100,00;\r\n"
            "03.11.2024;Р3;K1;300,00;50,00;250,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": both})
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0, 500.0, 250.0]
    (f,) = [f for f in r.files if f.file == "sales.csv"]
    assert any(n["code"] == "note_blank_net_from_gross" and n["args"]["n"] == 1
               for n in f.note_reasons)
    price = ("Дата;Документ;Код контрагента;Количество;Цена;Сумма без НДС\r\n"
             "01.11.2024;Р1;K1;10;100,00;1 000,00\r\n02.11.2024;Р2;K2;5;100,00;\r\n"
             "03.11.2024;Р3;K1;1;250,00;250,00\r\n04.11.2024;Р4;K2;1;50,00;50,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": price})
    (rej,) = r.rejected.iter_rows(named=True)
    assert rej["row"] == 3 and "is empty while the line has other figures" in rej["reason"]
    assert rej["value"] == "Цена = 100,00; Количество = 5"
    assert r.tables["sales"]["net_revenue"].null_count() == 0
    assert Decimal(r.control["sales"]["accepted"]) == Decimal("1300")


def test_lines_outside_the_audit_period_are_set_aside_with_their_money(make_engagement) -> None:
    """period: 2024 in engagement.yaml, lines of 30.12.2023 and 10.01.2025 in the export:
    they were loaded into every client's P&L. They are set aside among the rejected with
    their money and one warning; the file is not "mostly rejected" for it."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
             "30.12.2023;Р0;K1;9 000,00\r\n01.02.2024;Р1;K1;1 000,00\r\n"
             "10.01.2025;Р9;K2;7 000,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales},
            {"period": {"start": "2024-01-01", "end": "2024-12-31"}})
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0]
    assert Decimal(r.control["sales"]["rejected"]) == Decimal("16000")
    rej = r.rejected.sort("row")
    assert rej["row"].to_list() == [2, 4]
    assert rej["column"].to_list() == ["Дата", "Дата"]
    assert rej["value"].to_list() == ["30.12.2023", "10.01.2025"]
    assert all(x.startswith("outside the audit period") for x in rej["reason"])
    assert any("2 line(s) dated outside the audit period" in w for w in r.warnings)
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})   # no period
    assert r.tables["sales"].height == 3 and r.rejected.height == 0


def test_drafts_and_deleted_documents_are_no_sales(make_engagement) -> None:
    """A 1C document journal with 'Проведен' and 'Пометка удаления': a draft and a document
    marked for deletion were loaded as sales (18 000 beside 1 500). They are set aside with
    their money; the file is not "mostly rejected" for it."""
    sales = ("Дата;Номер;Код контрагента;Сумма без НДС;Проведен;Пометка удаления\r\n"
             "01.11.2024;Р1;K1;1 000,00;Да;Нет\r\n02.11.2024;Р2;K2;6 000,00;Нет;Нет\r\n"
             "03.11.2024;Р3;K1;12 000,00;Да;Да\r\n04.11.2024;Р4;K2;500,00;Да;Нет\r\n"
             "05.11.2024;Р5;K2;7 000,00;Нет;Да\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0, 500.0]
    assert Decimal(r.control["sales"]["rejected"]) == Decimal("25000")
    reasons = dict(r.rejected.select("row", "reason").iter_rows())
    assert reasons[3].startswith("not posted") and reasons[4].startswith("marked for deletion")
    assert reasons[6].startswith("marked for deletion")


def test_date_beside_period_and_revenue_synonyms(make_engagement) -> None:
    """'Период' (the month) beside 'Дата' (the document's day): the day is the date (the
    month was taken, and orders within a month could not be told apart); 'Сумма выручки без
    НДС' is net revenue, 'Сумма продажи' gross (both stopped the run)."""
    sales = ("Период;Дата;Документ;Код контрагента;Сумма выручки без НДС\r\n"
             "Ноябрь 2024;05.11.2024;Р1;K1;1 000,00\r\nНоябрь 2024;20.11.2024;Р2;K2;500,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    (f,) = [f for f in r.files if f.file == "sales.csv"]
    assert f.mapping["date"] == "Дата" and f.mapping["net_revenue"] == "Сумма выручки без НДС"
    assert [str(d) for d in r.tables["sales"]["date"]] == ["2024-11-05", "2024-11-20"]
    gross = ("Дата;Документ;Код контрагента;Сумма продажи;НДС\r\n"
             "05.11.2024;Р1;K1;1 200,00;200,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": gross})
    assert r.ok and r.tables["sales"]["net_revenue"].to_list() == [1000.0]


def test_inn_kpp_in_one_column_and_branches_by_kpp(make_engagement) -> None:
    """1C lists give 'ИНН/КПП' in one column: it was not recognised (no INN in the
    catalogue, a sale of 'ООО "Бета"' became a new client). The INN is before the slash, the
    КПП after it; a branch of a company (same INN, its own КПП) gets its own lines, by the
    combined column or a 'КПП' column of the sales."""
    clients = ("Код;Наименование;ИНН/КПП\r\nK001;ООО Альфа;7707083893/773601001\r\n"
               "K010;ООО Бета (Москва);7736050003/773601001\r\n"
               "K011;ООО Бета (СПб);7736050003/781001001\r\n")
    sales = ("Дата;Документ;Контрагент;ИНН/КПП;Сумма без НДС\r\n"
             "01.11.2024;Р1;ООО Альфа;7707083893/773601001;100,00\r\n"
             "02.11.2024;Р2;ООО Бета;7736050003/773601001;200,00\r\n"
             "03.11.2024;Р3;ООО Бета;7736050003/781001001;300,00\r\n")
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    assert r.ok, r.errors
    cat = r.tables["clients"].sort("client_id")
    assert cat["tax_id"].to_list()[:3] == ["7707083893", "7736050003", "7736050003"]
    assert cat["branch_code"].to_list()[:3] == ["773601001", "773601001", "781001001"]
    assert r.tables["sales"]["client_id"].to_list() == ["K001", "K010", "K011"]
    apart = sales.replace("ИНН/КПП;", "ИНН;КПП;").replace("/", ";")
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": apart})
    assert r.tables["sales"]["client_id"].to_list() == ["K001", "K010", "K011"]


def test_broken_1c_references_belong_to_no_client(make_engagement) -> None:
    """'<Объект не найден> (43:…)' and '<Не указан>' in the client column became clients
    with the money; the lines are rejected as belonging to no client, their money kept."""
    sales = ("Дата;Документ;Контрагент;Номенклатура;Сумма без НДС\r\n"
             "01.11.2024;Р1;ООО Альфа;Сахар;1 000,00\r\n"
             "02.11.2024;Р2;<Объект не найден> (43:b4f3a1c2d5e6f708);Соль;500,00\r\n"
             "03.11.2024;Р3;ООО Альфа;<Не указан>;250,00\r\n"
             "04.11.2024;Р4;ООО Альфа;Соль;300,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    (rej,) = r.rejected.iter_rows(named=True)
    assert rej["row"] == 3 and "broken reference" in rej["reason"]
    assert Decimal(r.control["sales"]["rejected"]) == Decimal("500")
    assert "<" not in " ".join(str(x) for x in r.tables["clients"]["name"].to_list())
    assert r.tables["sales"]["product_name"].to_list()[1] is None


def test_a_bank_receipts_register_is_not_taken_for_sales(make_engagement) -> None:
    """'Поступления на расчетный счет' (Дата; Документ; Контрагент; Сумма; Назначение
    платежа) was recognised as sales and its receipts added to the revenue (3 550 instead of
    1 750). It stops, saying so and how to declare it as payments — which then works."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
             "01.11.2024;Р1;K1;1 000,00\r\n02.11.2024;Р2;K2;750,00\r\n")
    bank = ("Дата;Документ;Контрагент;Сумма;Назначение платежа\r\n"
            "05.11.2024;Поступление на расчетный счет 0000-000101 от 05.11.2024;ООО Альфа;"
            "1 200,00;Оплата по счету 1\r\n"
            "06.11.2024;Поступление на расчетный счет 0000-000102 от 06.11.2024;ИП Петров П.П.;"
            "600,00;Оплата по счету 2\r\n")
    files = {"clients.csv": CLIENTS, "sales.csv": sales, "bank.csv": bank}
    r = run(make_engagement, files)
    err = next(e for e in r.errors if "payments received" in e.message)
    assert err.file == "bank.csv" and "table: payments" in err.hint and "skip: true" in err.hint
    r = run(make_engagement, files, {"inputs": [{"file": "bank.csv", "table": "payments",
                                                 "columns": {"paid_date": "Дата",
                                                             "amount": "Сумма"}}]})
    assert r.ok, r.errors
    assert Decimal(r.control["sales"]["accepted"]) == Decimal("1750")
    assert Decimal(r.control["payments"]["accepted"]) == Decimal("1800")


def test_one_inn_for_several_clients_is_the_sellers(make_engagement) -> None:
    """'Организация; ИНН; …; Контрагент' where the INN is the seller's: every new client got
    it, and step 1 merged three companies into one. An INN column with one value for
    several clients is not used to find them (said in a note); one client's lines with its
    name spelled two ways keep their INN."""
    sales = ("Дата;Документ;Организация;ИНН;Контрагент;Сумма без НДС\r\n"
             "01.11.2024;Р1;ТД Восток;7713076301;ООО Ромашка;1 000,00\r\n"
             "02.11.2024;Р2;ТД Восток;7713076301;ООО Лютик;500,00\r\n"
             "03.11.2024;Р3;ТД Восток;7713076301;ИП Сидоров С.С.;250,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    (f,) = [f for f in r.files if f.file == "sales.csv"]
    assert "client_tax_id" not in f.mapping
    assert any(n["code"] == "note_sellers_inn" for n in f.note_reasons)
    new = r.tables["clients"].filter(pl.col("origin") == "transactions")
    assert new.height == 3 and new["tax_id"].null_count() == 3
    one = ("Дата;Документ;ИНН;Контрагент;Сумма без НДС\r\n"
           "01.11.2024;Р1;7707083893;ООО «Альфа»;1 000,00\r\n"
           "02.11.2024;Р2;7707083893;Альфа ООО;500,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": one})
    (f,) = [f for f in r.files if f.file == "sales.csv"]
    assert f.mapping.get("client_tax_id") == "ИНН"


def test_utf8_text_inside_a_cp1251_file_stops(make_engagement) -> None:
    """A cp1251 export with a line pasted from a UTF-8 one: its name read as 'РћРћРћ
    В«Р‘РµС‚Р°В»' became a client of its own with the money, silently. The intake stops,
    naming the row, the column and the garbled value."""
    head = "Дата;Документ;Контрагент;Сумма без НДС\r\n".encode("cp1251")
    ok = "01.11.2024;Р1;ООО «Альфа»;1 000,00\r\n".encode("cp1251")
    pasted = "02.11.2024;Р2;".encode("cp1251") + "ООО «Бета»".encode() + \
        ";500,00\r\n".encode("cp1251")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": head + ok * 30 + pasted})
    err = next(e for e in r.errors if "mixes two encodings" in e.message)
    assert (err.row, err.column) == (32, "Контрагент") and err.value.startswith("РћРћРћ")


def test_discount_in_percent_and_the_contract_currency_column(make_engagement) -> None:
    """'Скидка' holding '10%' rejected every line, revenue with it; 'Валюта' beside 'Сумма в
    валюте' (the contract's currency) stopped the run as amounts in several currencies,
    though 'Сумма без НДС' is in roubles. Both are read, each said in a note."""
    sales = ("Дата;Документ;Код контрагента;Валюта;Сумма в валюте;Скидка;Сумма без НДС\r\n"
             "01.11.2024;Р1;K1;USD;10,87;10%;1 000,00\r\n"
             "02.11.2024;Р2;K2;руб.;500,00;5%;500,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    assert r.tables["sales"]["net_revenue"].to_list() == [1000.0, 500.0]
    (f,) = [f for f in r.files if f.file == "sales.csv"]
    codes = {n["code"] for n in f.note_reasons}
    assert {"note_discount_percent", "note_currency_of_fx_column"} <= codes
    assert "discount" not in f.mapping
    # the currency column still says what the amounts read are in, without such a column
    other = ("Дата;Документ;Код контрагента;Валюта;Сумма без НДС\r\n"
             "01.11.2024;Р1;K1;USD;1 000,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": other})
    assert any("another currency" in e.message for e in r.errors)


def test_codes_with_excels_text_mark_or_another_case(make_engagement) -> None:
    """'00-000001 (Excel's text mark) and цб-000003 for the catalogue's ЦБ-000003 became
    new clients; they are attached to the code they match, said in a warning. A code
    matching two catalogue codes so stays unknown."""
    clients = ("Код;Наименование;ИНН\r\n00-000001;ООО Альфа;7707083893\r\n"
               "ЦБ-000003;ИП Петров;500100732259\r\nab-1;ООО А;\r\nAB-1;ООО Б;\r\n")
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
             "01.11.2024;Р1;'00-000001;100,00\r\n02.11.2024;Р2;цб-000003;200,00\r\n"
             "03.11.2024;Р3;Ab-1;300,00\r\n")
    r = run(make_engagement, {"clients.csv": clients, "sales.csv": sales})
    assert r.tables["sales"]["client_id"].to_list() == ["00-000001", "ЦБ-000003", "Ab-1"]
    assert any("written otherwise than in the catalogue" in w for w in r.warnings)


def test_a_file_of_returns_by_its_name(make_engagement) -> None:
    """'Возвраты покупателей ноябрь.csv' with bare document numbers and positive amounts was
    added to the sales (2 050 instead of 1 450); its lines are returns. A file named for
    sales and returns together is read line by line as before."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
             "01.11.2024;Р1;K1;1 000,00\r\n02.11.2024;Р2;K2;750,00\r\n")
    back = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
            "15.11.2024;ВК-000005;K1;300,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "Продажи ноябрь.csv": sales,
                              "Возвраты покупателей ноябрь.csv": back})
    assert r.ok, r.errors
    s = r.tables["sales"].sort("date")
    assert s["net_revenue"].to_list() == [1000.0, 750.0, -300.0]
    assert s["is_return"].to_list() == [False, False, True]
    r = run(make_engagement, {"clients.csv": CLIENTS, "Продажи и возвраты.csv": back})
    assert r.tables["sales"]["net_revenue"].to_list() == [300.0]


def test_lines_without_cost_of_sales_are_said_with_their_money(make_engagement) -> None:
    """A blank 'Себестоимость' was stored as null without a word: the P&L counts that line's
    margin at 100 %. A warning gives the lines, their revenue and the first row."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС;Себестоимость\r\n"
             "01.11.2024;Р1;K1;1 000,00;600,00\r\n02.11.2024;Р2;K2;500,00;\r\n"
             "03.11.2024;Р3;K1;250,00;0\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    (w,) = [w for w in r.warnings if "cost of sales counts as zero" in w]
    assert "1 line(s)" in w and "500.00" in w and "row 3" in w


def test_returns_in_columns_of_their_own(make_engagement) -> None:
    """'Количество возврата; Сумма возврата без НДС' on the sales lines were left unused: the
    revenue counted 1 750 instead of 1 425. Each filled one is a return line beside its
    sale (negative amount and quantity), so the P&L counts it among the returns."""
    sales = ("Дата;Документ;Код контрагента;Количество;Сумма без НДС;Количество возврата;"
             "Сумма возврата без НДС\r\n"
             "01.11.2024;Р1;K1;10;1 000,00;2;200,00\r\n02.11.2024;Р2;K2;5;500,00;;\r\n"
             "03.11.2024;Р3;K1;2;250,00;1;125,00\r\n")
    r = run(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert r.ok, r.errors
    s = r.tables["sales"]
    assert s["net_revenue"].to_list() == [1000.0, -200.0, 500.0, 250.0, -125.0]
    assert s["is_return"].to_list() == [False, True, False, False, True]
    assert s["quantity"].to_list() == [10, -2, 5, 2, -1]
    assert s["source_row"].to_list() == [2, 2, 3, 4, 4]
    assert Decimal(r.control["sales"]["accepted"]) == Decimal("1425")
    (f,) = [f for f in r.files if f.file == "sales.csv"]
    assert f.money["return_amount"]["accepted"] == "325.00"
