"""The intake classes of the hostile-input and real-export issues (13, 15) as bad_inputs cases.

Imported by ``make_fixtures.py`` (``build_cases`` appends :func:`intake_cases`); each case is
a tiny engagement written from the good pair with one defect, and its expectation computed
here by hand, independently of kamlib.
"""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

import xlsxwriter
from make_fixtures import (  # type: ignore[import-not-found]
    CLIENTS_HEAD,
    CREATED,
    GOOD_CLIENTS,
    GOOD_SALES,
    SALES_HEAD,
    Case,
    csv_text,
    dec,
    good_clients,
    money,
    sales_bytes,
    with_sales,
)

GOOD_TOTAL = sum(dec(r[3]) for r in GOOD_SALES)


def _far_xlsx() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.set_properties({"created": CREATED})
    ws = wb.add_worksheet("Лист1")
    for r, row in enumerate([SALES_HEAD, *GOOD_SALES]):
        ws.write_row(r, 0, row)
    ws.write(1048575, 16383, "x")  # one stray cell at XFD1048576
    wb.close()
    return buf.getvalue()


def _excel95_head() -> bytes:
    """The start of an OLE compound file whose directory names a 'Book' stream (Excel 95)."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "Book".encode("utf-16-le").ljust(64, b"\x00")
    return head + b"\x00" * 512 + entry + b"\x00" * 448


def _html_xls() -> bytes:
    cells = "".join(f"<th>{h}</th>" for h in SALES_HEAD)
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in r) + "</tr>" for r in GOOD_SALES)
    page = (f'<html><head><meta charset="windows-1251"></head><body><table><tr>{cells}</tr>'
            f"{body}</table></body></html>")
    return page.encode("cp1251")


def intake_cases() -> list[Case]:
    """Cases 24 onwards."""
    c: list[Case] = []
    rows = [list(r) for r in GOOD_SALES]
    all_bad = [[f"{i}.13.2024", *r[1:]] for i, r in enumerate(rows, 1)]
    c.append(Case("24_all_rows_rejected", "every date of sales.csv is impossible (month 13)",
                  "error", "sales.csv", None, None, "1.13.2024", None, with_sales(all_bad),
                  why="a file with every row rejected contributes nothing: an error, not "
                  "'OK: inputs are usable'"))
    half = [list(r) for r in GOOD_SALES]
    half[0][3], half[1][3] = "12500,005", "8340,505"
    c.append(Case("25_half_kopecks", "two amounts carry half a kopeck", "warning", "sales.csv",
                  2, "Сумма без НДС", None, None, with_sales(half),
                  why="rounded half to even (12500.00 and 8340.50 kept, 0.01 lost): the rule "
                  "and the exact difference are stated, no money created"))
    huge = [list(r) for r in GOOD_SALES]
    huge[2][3] = "123456789012345678,00"
    c.append(Case("26_amount_beyond_range", "an amount of 18 integer digits", "rejected",
                  "sales.csv", 4, "Сумма без НДС", "123456789012345678,00", "0.00",
                  with_sales(huge), why="beyond the exact range: rejected with its row, never "
                  "wrapped around int64"))
    head_vat = ["Дата", "Документ", "Код контрагента", "Сумма с НДС", "НДС"]
    vat_rows = [[*r[:3], r[3], money(dec(r[3]) / 6).replace(".", ",")] for r in GOOD_SALES]
    big = [list(r) for r in vat_rows]
    big[5][3], big[5][4] = "120,00", "200,00"
    c.append(Case("27_vat_larger_than_amount", "VAT 200,00 on an amount of 120,00",
                  "rejected", "sales.csv", 7, "НДС", "200,00", "-80.00",
                  {"clients.csv": good_clients(), "sales.csv": sales_bytes(big, head=head_vat)},
                  why="net would be negative: rejected, its (negative) net counted"))
    neg = [list(r) for r in vat_rows]
    neg[5][3], neg[5][4] = "120,00", "-20,00"
    c.append(Case("28_vat_opposite_sign", "VAT -20,00 on an amount of 120,00", "rejected",
                  "sales.csv", 7, "НДС", "-20,00", "140.00",
                  {"clients.csv": good_clients(), "sales.csv": sales_bytes(neg, head=head_vat)},
                  why="net would exceed gross: rejected with its money"))
    cur = [list(r) for r in GOOD_SALES]
    cur[0][3] = cur[0][3] + " руб."
    cur[3][3] = "$" + cur[3][3]
    c.append(Case("29_two_currencies_in_amounts", "one amount in roubles, one marked $",
                  "error", "sales.csv", 5, None, None, None, with_sales(cur),
                  why="amounts in two currencies cannot be added: the file stops, naming the "
                  "currencies and rows"))
    usd = [[*r, "USD"] for r in GOOD_SALES]
    c.append(Case("30_foreign_currency_column", "a currency column says USD on every row",
                  "error", "sales.csv", 2, None, None, None,
                  {"clients.csv": good_clients(),
                   "sales.csv": sales_bytes(usd, head=[*SALES_HEAD, "Валюта"])},
                  why="the engagement is in RUB: amounts in USD are not added 1:1"))
    names = {"K001": 'ООО "Вектор"', "K002": 'ООО "Меридиан"', "K003": "ИП Петров П.П.",
             "K004": 'АО "Волгаэнерго"', "K005": 'ООО "Орион"'}
    two = [[*r[:3], names[r[2]], r[3]] for r in GOOD_SALES]
    two[3][3] = 'ООО "Восток"'
    c.append(Case("31_one_code_two_names", "K001 is 'ООО \"Вектор\"' on row 2 and "
                  "'ООО \"Восток\"' on row 5", "warning", "sales.csv", 2, None,
                  'ООО "Восток"', None,
                  {"clients.csv": good_clients(),
                   "sales.csv": sales_bytes(two, head=[*SALES_HEAD[:3], "Контрагент",
                                                       SALES_HEAD[3]])},
                  why="attributed by the code, and reported"))
    text = csv_text([SALES_HEAD, *GOOD_SALES])
    quoted = text.replace("РТУ-000102", '"РТУ-000102\r\nкорректировка"', 1)
    c.append(Case("32_quoted_line_break", "a document number holds a CR LF inside quotes", "ok",
                  "sales.csv", None, None, None, None,
                  {"clients.csv": good_clients(), "sales.csv": quoted.encode()},
                  why="valid CSV: read, every row kept", accepted=money(GOOD_TOTAL)))
    c.append(Case("33_lone_cr_line_ends", "classic Mac line ends (CR only)", "ok", "sales.csv",
                  None, None, None, None,
                  {"clients.csv": good_clients(),
                   "sales.csv": text.replace("\r\n", "\r").encode()},
                  why="valid text: read", accepted=money(GOOD_TOTAL)))
    long_rows = [[*r, "x" * 140_000 if i == 0 else ""] for i, r in enumerate(GOOD_SALES)]
    c.append(Case("34_field_over_131072_chars", "a comment of 140,000 characters", "ok",
                  "sales.csv", None, None, None, None,
                  {"clients.csv": good_clients(),
                   "sales.csv": sales_bytes(long_rows, head=[*SALES_HEAD, "Комментарий"])},
                  why="the csv module's default field limit is not a property of the data",
                  accepted=money(GOOD_TOTAL)))
    c.append(Case("35_html_saved_as_xls", "sales.xls is an HTML table (as 1C saves it)", "ok",
                  "sales.xls", None, None, None, None,
                  {"clients.csv": good_clients(), "sales.xls": _html_xls()},
                  why="recognised from its bytes and read as a table",
                  accepted=money(GOOD_TOTAL)))
    c.append(Case("36_xlsx_far_cell", "sales.xlsx has one stray cell at XFD1048576", "error",
                  "sales.xlsx", None, None, "XFD1048576", None,
                  {"clients.csv": good_clients(), "sales.xlsx": _far_xlsx()},
                  why="17 billion declared cells would exhaust memory: refused before reading"))
    c.append(Case("37_excel95_xls", "sales.xls is an Excel 95 (BIFF5) workbook", "error",
                  "sales.xls", None, None, None, None,
                  {"clients.csv": good_clients(), "sales.xls": _excel95_head()},
                  why="no reliable code page, amounts may read as dates: save as .xlsx"))
    c.append(Case("38_byte_identical_copy", "sales (1).csv is a byte-identical copy", "warning",
                  "sales (1).csv", None, None, "sales (1).csv", None,
                  {**with_sales(GOOD_SALES), "sales (1).csv": sales_bytes(GOOD_SALES)},
                  why="read once, its money counted once, and listed",
                  accepted=money(GOOD_TOTAL)))
    c.append(Case("39_excel_lock_file", "~$sales.xlsx (Excel's lock file) lies in raw/",
                  "warning", "~$sales.xlsx", None, None, "~$sales.xlsx", None,
                  {**with_sales(GOOD_SALES), "~$sales.xlsx": b"\x0bUser  \x00" * 20},
                  why="not an export: skipped and listed", accepted=money(GOOD_TOTAL)))
    c.append(Case("40_hidden_file", ".sales_old.csv is hidden", "warning", ".sales_old.csv",
                  None, None, ".sales_old.csv", None,
                  {**with_sales(GOOD_SALES), ".sales_old.csv": sales_bytes(GOOD_SALES[:2])},
                  why="skipped and listed with its reason, not silently",
                  accepted=money(GOOD_TOTAL)))
    western = [["K001", "Société Générale", ""], ["K002", "Müller GmbH", ""],
               *[[r[0], f"Client {r[0]}", ""] for r in GOOD_CLIENTS[2:]]]
    c.append(Case("41_cp1252_clients", "clients.csv in cp1252 with French and German names",
                  "ok", "clients.csv", None, None, None, None,
                  {"clients.csv": csv_text([["Code", "Name", "Tax ID"], *western]).encode(
                      "cp1252"), "sales.csv": sales_bytes(GOOD_SALES)},
                  why="decided by the letters: not 'Sociйtй Gйnйrale'",
                  accepted=money(GOOD_TOTAL), names=["Société Générale", "Müller GmbH"]))
    qp = [[r[0], r[1], r[2], "2", money(dec(r[3]) / 2).replace(".", ",")] for r in GOOD_SALES]
    qp[2][3], qp[2][4] = "3", "0,335"
    qp_total = sum((dec(r[3]) * dec(r[4])).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                   for r in qp)
    c.append(Case("42_quantity_and_price_only", "no amount column: Количество and Цена",
                  "ok", "sales.csv", None, None, None, None,
                  {"clients.csv": good_clients(),
                   "sales.csv": sales_bytes(qp, head=[*SALES_HEAD[:3], "Количество", "Цена"])},
                  why="amount = quantity × price per line, exactly, rounded to the kopeck half "
                  "up per line (3 × 0,335 = 1,005 → 1,01)", accepted=money(qp_total)))
    ids = [[r[0], r[1], r[2][1:].lstrip("0") + "0.0", r[3]] for r in GOOD_SALES]
    c.append(Case("43_customer_id_as_float", "client codes written as 10.0, 20.0 (no catalogue)",
                  "ok", "sales.csv", None, None, None, None,
                  {"sales.csv": sales_bytes(ids, head=["Date", "Invoice", "Customer ID",
                                                       "Net amount"])},
                  why="codes without '.0'; clients taken from the lines",
                  accepted=money(GOOD_TOTAL), names=["10", "20", "30", "40", "50"]))
    c.append(Case("44_clients_headers_ascii", "only the catalogue and sales headers in English",
                  "ok", "clients.csv", None, None, None, None,
                  {"clients.csv": csv_text([["Client ID", "Client name", "INN"],
                                            *GOOD_CLIENTS]).encode(),
                   "sales.csv": sales_bytes(GOOD_SALES)},
                  why="control: a clean pair loads whole", accepted=money(GOOD_TOTAL)))
    sci = [list(r) for r in GOOD_SALES]
    sci[2][3] = "1E+11"
    c.append(Case("45_amount_in_scientific_notation",
                  "an amount as Excel shows a long number in a narrow column: 1E+11",
                  "rejected", "sales.csv", 4, "Сумма без НДС", "1E+11", "0.00",
                  with_sales(sci), why="its digits are lost: rejected with a reason that "
                  "says so, never read as 100 000 000 000 (what 1E+11 says is only its first "
                  "digit)", reason="scientific notation"))
    assert CLIENTS_HEAD
    return c
