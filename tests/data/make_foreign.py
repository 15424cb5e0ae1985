"""Build the foreign-layout corpus under tests/data/foreign/ deterministically.

Run from anywhere:  python tests/data/make_foreign.py

Each ``foreign/<case>/`` holds ``raw/`` (the files as a client would send them) and
``expected.json`` with the figures the intake must produce, computed here from the data
written, independently of kamlib (Decimal arithmetic, half-up rounding per line as the
source systems do):

* ``1c_report_form``  a 1C "Продажи" report saved to xlsx: a title with the period, a filter
  row, a two-row header whose money column is split into VAT 10% / 20% sub-columns, outline
  group rows with subtotals (manager › city › sector › client) and no "Итого" label, one row
  per client × delivery address, a final ИТОГО and a footer line, no date or document;
* ``uk_lines``  a UK wholesaler's transaction lines in the widely shared CSV layout
  (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country):
  no amount column, no client catalogue, ``17850.0`` codes, cancellations ``C…`` with
  negative quantities, US dates;
* ``bi_sales_ru``  a Russian sales table from a BI exercise: cp1251, ``;``, ``Заказчик``,
  ``Кол-во, уп``, ``Сумма с НДС, руб`` with NBSP thousands and a VAT column.
"""

from __future__ import annotations

import json
import random
import shutil
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent / "foreign"
KOP = Decimal("0.01")
CREATED = datetime(2025, 1, 20, 10, 0, 0)


def _q(x: Decimal) -> Decimal:
    return x.quantize(KOP, rounding=ROUND_HALF_UP)


def _ru(x: Decimal) -> str:
    return f"{x:.2f}".replace(".", ",")


def _fresh(name: str) -> Path:
    d = HERE / name
    if d.exists():
        shutil.rmtree(d)
    (d / "raw").mkdir(parents=True)
    return d


def _write_expected(d: Path, data: dict) -> None:
    (d / "expected.json").write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n",
                                     encoding="utf-8")


def build_1c_report_form() -> None:
    d = _fresh("1c_report_form")
    rng = random.Random(13)
    tree = {
        "Иванов И.И.": {"Самара": {"Розница": ["ООО «Лада-Маркет»", "ИП Кузнецов А.В."],
                                     "HoReCa": ["ООО «Волжская кухня»"]},
                        "Тольятти": {"Розница": ["ООО «Автоград-Торг»"]}},
        "Петрова А.С.": {"Казань": {"Розница": ["АО «Татпродукт»", "ООО «Казань-Опт»"],
                                      "HoReCa": ["ООО «Чак-чак»"]}},
    }
    addresses = {name: [f"{name.split('«')[-1].rstrip('»')}, ул. Садовая, {i + 1}"
                        for i in range(1 + (k % 3 == 0))]
                 for k, name in enumerate(c for m in tree.values() for ci in m.values()
                                          for s in ci.values() for c in s)}
    path = d / "raw" / "Продажи по клиентам.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": CREATED})
    ws = wb.add_worksheet("TDSheet")
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0.00"})
    bold_money = wb.add_format({"bold": True, "num_format": "#,##0.00"})
    ws.write(0, 0, "Продажи с 01.10.24 по 30.11.24", bold)
    ws.write(1, 0, "Отбор: Организация Равно \"ООО Дистрибьютор Поволжье\"")
    ws.write(3, 0, "Менеджер / Город / Сектор / Клиент / Адрес доставки", bold)
    ws.write(3, 1, "Кол-во, уп", bold)
    ws.merge_range(3, 2, 3, 3, "Сумма с НДС, руб", bold)
    ws.write(4, 2, "10%", bold)
    ws.write(4, 3, "20%", bold)
    r = 5
    clients: dict[str, dict[str, str]] = {}
    total = [Decimal(0), Decimal(0)]
    qty_total = 0
    group_rows = 0

    def group(level: int, text: str, sums: list[Decimal], qty: int) -> None:
        nonlocal group_rows
        ws.set_row(rows_at[text], None, None, {"level": level})
        ws.write(rows_at[text], 0, text, bold)
        ws.write_number(rows_at[text], 1, qty, bold)
        ws.write_number(rows_at[text], 2, float(sums[0]), bold_money)
        ws.write_number(rows_at[text], 3, float(sums[1]), bold_money)
        group_rows += 1

    rows_at: dict[str, int] = {}

    def leaf_rows(name: str) -> tuple[list[Decimal], int]:
        nonlocal r
        sums, qty = [Decimal(0), Decimal(0)], 0
        for addr in addresses[name]:
            v10 = Decimal(rng.randint(1000, 900000)) / 100
            v20 = Decimal(rng.randint(0, 1500000)) / 100
            q = rng.randint(1, 400)
            ws.set_row(r, None, None, {"level": 4})
            ws.write(r, 0, addr)
            ws.write_number(r, 1, q)
            ws.write_number(r, 2, float(v10), money)
            ws.write_number(r, 3, float(v20), money)
            r += 1
            sums[0] += v10
            sums[1] += v20
            qty += q
        return sums, qty

    def node(level: int, name: str, children: object) -> tuple[list[Decimal], int]:
        nonlocal r
        rows_at[name] = r
        r += 1
        if isinstance(children, list):
            sums, qty = [Decimal(0), Decimal(0)], 0
            for c in children:
                rows_at[c] = r
                r += 1
                s, q = leaf_rows(c)
                ws.set_row(rows_at[c], None, None, {"level": 3})
                group(3, c, s, q)
                vat = _q(s[0] * 10 / 110) + _q(s[1] * 20 / 120)
                clients[c] = {"gross": str(s[0] + s[1]), "addresses": len(addresses[c]),
                              "net_per_rows": None, "vat": str(vat)}
                sums = [sums[0] + s[0], sums[1] + s[1]]
                qty += q
        else:
            sums, qty = [Decimal(0), Decimal(0)], 0
            for k, v in children.items():  # type: ignore[union-attr]
                s, q = node(level + 1, k, v)
                sums = [sums[0] + s[0], sums[1] + s[1]]
                qty += q
        group(level, name, sums, qty)
        return sums, qty

    for manager, cities in tree.items():
        s, q = node(0, manager, cities)
        total = [total[0] + s[0], total[1] + s[1]]
        qty_total += q
    ws.write(r, 0, "ИТОГО", bold)
    ws.write_number(r, 1, qty_total, bold)
    ws.write_number(r, 2, float(total[0]), bold_money)
    ws.write_number(r, 3, float(total[1]), bold_money)
    ws.write(r + 2, 0, f"Торговых точек АКБ: {sum(len(a) for a in addresses.values())}")
    wb.close()
    # VAT per row, as the intake must compute it: per address line and rate, half up
    vat_rows = Decimal(0)
    rng2 = random.Random(13)
    for name in clients:
        for _ in addresses[name]:
            v10 = Decimal(rng2.randint(1000, 900000)) / 100
            v20 = Decimal(rng2.randint(0, 1500000)) / 100
            rng2.randint(1, 400)
            vat_rows += _q(v10 * 10 / 110) + _q(v20 * 20 / 120)
    gross = total[0] + total[1]
    _write_expected(d, {
        "file": path.name, "period": ["2024-10-01", "2024-11-30"],
        "clients": len(clients), "address_rows": sum(len(a) for a in addresses.values()),
        "group_rows": group_rows, "gross": str(gross), "gross_10": str(total[0]),
        "gross_20": str(total[1]), "vat": str(vat_rows), "net": str(gross - vat_rows),
        "quantity": qty_total,
        "client_gross": {k: v["gross"] for k, v in clients.items()},
    })


def build_uk_lines() -> None:
    d = _fresh("uk_lines")
    rng = random.Random(7)
    customers = ["17850.0", "13047.0", "12583.0", "13748.0", "15100.0", "15291.0", ""]
    lines = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    net = Decimal(0)
    rejected = Decimal(0)
    per_client: dict[str, Decimal] = {}
    start = datetime(2010, 12, 1, 8, 26)
    n_rows = 0
    for i in range(60):
        inv = 536365 + i // 3
        cancel = i % 17 == 5
        qty = -rng.randint(1, 12) if cancel else rng.randint(1, 48)
        price = Decimal(rng.choice(["2.55", "3.39", "1.85", "0.42", "7.95", "0.85", "12.75",
                                    "0.125"]))
        cust = customers[i % len(customers)]
        when = start + timedelta(days=i // 4, minutes=7 * i)
        stamp = f"{when.month}/{when.day}/{when.year} {when.hour}:{when.minute:02d}"
        desc = '"HEART OF WICKER, LARGE"' if i % 9 == 0 else f"ITEM {i}"
        lines.append(f"{'C' if cancel else ''}{inv},{85000 + i},{desc},{qty},{stamp},{price},"
                     f"{cust},United Kingdom")
        amount = _q(Decimal(qty) * price)
        n_rows += 1
        if not cust:
            rejected += amount
            continue
        net += amount
        code = cust[:-2]
        per_client[code] = per_client.get(code, Decimal(0)) + amount
    (d / "raw" / "Online Retail.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_expected(d, {"file": "Online Retail.csv", "rows": n_rows, "net": str(net),
                        "rejected": str(rejected), "clients": len(per_client),
                        "client_net": {k: str(v) for k, v in per_client.items()},
                        "period": ["2010-12-01", str((start + timedelta(days=59 // 4)).date())]})


def build_bi_sales_ru() -> None:
    d = _fresh("bi_sales_ru")
    rng = random.Random(3)
    names = ["ООО «Сфера»", "ООО \"Полюс\"", "ИП Смирнова О.Л.", "АО «Север»"]
    rows = ["Дата;Номер заказа;Заказчик;Кол-во, уп;Сумма с НДС, руб;НДС"]
    gross = vat = Decimal(0)
    for i in range(24):
        day = date(2024, 3, 1) + timedelta(days=i * 3)
        g = Decimal(rng.randint(50000, 2500000)) / 100
        v = _q(g * 20 / 120)
        name = names[i % len(names)]
        cell = f'"{name}"' if '"' not in name else '"' + name.replace('"', '""') + '"'
        rows.append(f"{day:%d.%m.%Y};З-{1000 + i};{cell};{rng.randint(1, 30)};"
                    f"{f'{g:,.2f}'.replace(',', chr(160)).replace('.', ',')};{_ru(v)}")
        gross += g
        vat += v
    (d / "raw" / "Продажи BI.csv").write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1251"))
    _write_expected(d, {"file": "Продажи BI.csv", "rows": 24, "gross": str(gross),
                        "vat": str(vat), "net": str(gross - vat), "clients": len(names)})


def main() -> None:
    build_1c_report_form()
    build_uk_lines()
    build_bi_sales_ru()
    print(f"foreign corpus written under {HERE}")


if __name__ == "__main__":
    main()
