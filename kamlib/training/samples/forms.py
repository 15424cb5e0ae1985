"""Sample engagements whose sales are a 1C report form (``--profile 1c_report_form``).

A distributor's "Продажи" report saved to xlsx, as consultants receive it instead of a
register: a title with the period (``Продажи с 01.10.25 по 31.12.25``), filter rows, a
two-row header whose money column is split into VAT-rate sub-columns (10 % and 20 %), an
outline-grouped hierarchy manager › city › client with subtotals (bold, no "Итого" label),
one row per client × delivery address, a final ИТОГО and a footer ``Торговых точек АКБ: N``.
No date or document per row: the intake reads it as period-level sales.

The figures the intake must produce are computed here from the amounts written, with
Decimal arithmetic and independently of the intake, and recorded in ``truth.json``:
the ИТОГО per rate, the VAT per address row and rate (half up, as the source system
rounds), net revenue, the clients, their delivery points, the group rows.
Everything is drawn from ``random.Random(seed)``: the same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

__all__ = ["FORM_FILE", "FormClient", "build_form", "generate_report_form", "write_report_form"]

#: the report's file name in ``raw/``
FORM_FILE = "Продажи по клиентам.xlsx"
_KOP = Decimal("0.01")
_CREATED = datetime(2026, 1, 15, 10, 32, 11)
_RATES = (10, 20)
_MANAGERS = ["Иванов И.И.", "Петрова А.С.", "Сидоров К.М.", "Орлова Е.В."]
_CITIES = ["Самара", "Тольятти", "Казань", "Ульяновск", "Пенза", "Саратов"]
_FORMS = ["ООО", "ООО", "ИП", "АО"]
_BRANDS = ["Лада-Маркет", "Волжская кухня", "Автоград-Торг", "Татпродукт", "Казань-Опт",
           "Чак-чак", "Сура", "Жигули-Снаб", "Волга-Продукт", "Поволжье", "Радуга", "Берёзка",
           "Северный", "Камея", "Оазис", "Меридиан", "Вкусный двор", "Гастроном №1",
           "Фортуна", "Дельта", "Янтарь", "Старт", "Лидер", "Вектор"]
_STREETS = ["ул. Садовая", "ул. Ленина", "пр. Кирова", "ул. Мира", "ул. Гагарина",
            "ул. Молодогвардейская", "Московское ш."]


@dataclass
class FormClient:
    """One client of the report: its place in the hierarchy and its delivery points, each
    with (address, quantity, gross at 10 %, gross at 20 %); an amount of 0 is left empty."""

    manager: str
    city: str
    name: str
    points: list[tuple[str, int, Decimal, Decimal]] = field(default_factory=list)


def _half_up(x: Decimal) -> Decimal:
    return x.quantize(_KOP, rounding=ROUND_HALF_UP)


def build_form(seed: int = 42, n_clients: int = 24) -> list[FormClient]:
    """The report's clients, drawn from ``random.Random(seed)`` (1–3 delivery points each,
    some with no sales at one VAT rate)."""
    rng = random.Random(seed)
    out: list[FormClient] = []
    for i in range(n_clients):
        form = _FORMS[i % len(_FORMS)]
        brand = _BRANDS[i % len(_BRANDS)] + (f"-{i // len(_BRANDS) + 1}"
                                             if i >= len(_BRANDS) else "")
        name = f"ИП {brand}" if form == "ИП" else f"{form} «{brand}»"
        city = _CITIES[rng.randrange(len(_CITIES))]
        c = FormClient(_MANAGERS[rng.randrange(len(_MANAGERS))], city, name)
        for k in range(rng.choice((1, 1, 2, 3))):
            addr = f"{city}, {_STREETS[rng.randrange(len(_STREETS))]}, {rng.randint(1, 120)}"
            addr += f", торговая точка {k + 1}" if k else ""
            g10 = Decimal(rng.randint(0, 400_000_00)) / 100 if rng.random() > 0.15 else \
                Decimal(0)
            g20 = Decimal(rng.randint(1_000_00, 900_000_00)) / 100
            c.points.append((addr, rng.randint(1, 900), g10, g20))
        out.append(c)
    return out


def write_report_form(path: str | Path, clients: list[FormClient], start: date, end: date,
                      *, omit_last_point: bool = False) -> dict[str, Any]:
    """Write the report form to ``path``; return the figures the intake must produce.

    With ``omit_last_point`` the last address row of the last client with several is left
    out of the file while every subtotal and the ИТОГО still count it (a row lost from the
    export): the rows then disagree with the file's own totals, and the truth says by how
    much (``omitted_gross``).

    Returns
    -------
    dict
        ``gross`` and ``gross_by_rate`` (the ИТОГО), ``vat`` (per address row and rate,
        half up), ``net``, ``clients``, ``delivery_points``, ``address_rows``,
        ``group_rows``, ``period``, ``client_net`` (name → net revenue), ``quantity``.
    """
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                         "strings_to_formulas": False,
                                         "strings_to_urls": False})
    wb.set_properties({"created": _CREATED})
    ws = wb.add_worksheet("TDSheet")
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0.00"})
    bold_money = wb.add_format({"bold": True, "num_format": "#,##0.00"})
    ws.write(0, 0, f"Продажи с {start:%d.%m.%y} по {end:%d.%m.%y}", bold)
    ws.write(1, 0, 'Отбор: Организация Равно "ООО Дистрибьютор Поволжье"')
    ws.write(2, 0, "Показатели: Количество, Сумма с НДС")
    ws.write(4, 0, "Менеджер / Город / Клиент / Адрес доставки", bold)
    ws.write(4, 1, "Кол-во, уп", bold)
    ws.merge_range(4, 2, 4, 3, "Сумма с НДС, руб", bold)
    ws.write(5, 2, "10%", bold)
    ws.write(5, 3, "20%", bold)
    tree: dict[str, dict[str, list[FormClient]]] = {}
    for c in clients:
        tree.setdefault(c.manager, {}).setdefault(c.city, []).append(c)
    # the row left out with omit_last_point: the last address of the last client that has
    # several (a client row with no address under it would read as an address of its own)
    target = next((c for c in reversed([c for m in sorted(tree) for ci in sorted(tree[m])
                                        for c in tree[m][ci]]) if len(c.points) > 1), None)
    omitted = Decimal(0)
    row = 6
    groups = 0
    vat = Decimal(0)
    client_net: dict[str, str] = {}

    def put(r: int, level: int, text: str, qty: int, g: tuple[Decimal, Decimal],
            strong: bool) -> None:
        if level:
            ws.set_row(r, None, None, {"level": level})
        ws.write(r, 0, text, bold if strong else None)
        ws.write_number(r, 1, qty, bold if strong else None)
        for j, v in enumerate(g):
            if v:
                ws.write_number(r, 2 + j, float(v), bold_money if strong else money)

    totals = [Decimal(0), Decimal(0)]
    qty_total = 0
    for manager in sorted(tree):
        m_row, row = row, row + 1
        m_sum, m_qty = [Decimal(0), Decimal(0)], 0
        for city in sorted(tree[manager]):
            c_row, row = row, row + 1
            c_sum, c_qty = [Decimal(0), Decimal(0)], 0
            for cl in tree[manager][city]:
                k_row, row = row, row + 1
                k_sum, k_qty, k_vat = [Decimal(0), Decimal(0)], 0, Decimal(0)
                for addr, q, g10, g20 in cl.points:
                    if omit_last_point and cl is target and \
                            (addr, q, g10, g20) == cl.points[-1]:
                        omitted = g10 + g20
                    else:
                        put(row, 3, addr, q, (g10, g20), False)
                        row += 1
                    k_sum = [k_sum[0] + g10, k_sum[1] + g20]
                    k_qty += q
                    k_vat += sum((_half_up(g * r / (100 + r)) for g, r in
                                  zip((g10, g20), _RATES, strict=True)), Decimal(0))
                put(k_row, 2, cl.name, k_qty, (k_sum[0], k_sum[1]), True)
                groups += 1
                vat += k_vat
                client_net[cl.name] = str(k_sum[0] + k_sum[1] - k_vat)
                c_sum = [c_sum[0] + k_sum[0], c_sum[1] + k_sum[1]]
                c_qty += k_qty
            put(c_row, 1, city, c_qty, (c_sum[0], c_sum[1]), True)
            groups += 1
            m_sum = [m_sum[0] + c_sum[0], m_sum[1] + c_sum[1]]
            m_qty += c_qty
        put(m_row, 0, manager, m_qty, (m_sum[0], m_sum[1]), True)
        groups += 1
        totals = [totals[0] + m_sum[0], totals[1] + m_sum[1]]
        qty_total += m_qty
    put(row, 0, "ИТОГО", qty_total, (totals[0], totals[1]), True)
    points = sum(len(c.points) for c in clients)
    ws.write(row + 2, 0, f"Торговых точек АКБ: {points}")
    ws.write(row + 3, 0, "Ответственный: ____________")
    ws.set_column(0, 0, 48)
    ws.set_column(1, 3, 16)
    wb.close()
    gross = totals[0] + totals[1]
    return {"file": Path(path).name, "period": [str(start), str(end)],
            "gross": str(gross), "gross_by_rate": {f"{r}%": str(t) for r, t in
                                                   zip(_RATES, totals, strict=True)},
            "vat": str(vat), "net": str(gross - vat), "clients": len(clients),
            "delivery_points": points, "address_rows": points, "group_rows": groups,
            "quantity": qty_total, "client_net": client_net,
            **({"omitted_gross": str(omitted)} if omit_last_point else {})}


def generate_report_form(out_dir: str | Path, *, seed: int = 42, n_clients: int | None = None,
                         overwrite: bool = False) -> dict[str, Any]:
    """A sample engagement whose only sales file is a 1C report form (period-level sales,
    client × delivery-address rows, no catalogue): ``raw/``, ``engagement.yaml``,
    ``truth.json``.

    Parameters
    ----------
    out_dir : path-like
        The engagement folder (created if missing).
    seed : int
        The same seed gives the same bytes.
    n_clients : int, optional
        Clients in the report (default 24).
    overwrite : bool
        Replace the files of an existing ``raw/`` (otherwise a ``ValueError``).

    Returns
    -------
    dict
        The truth (also written to ``truth.json``): the figures of :func:`write_report_form`.
    """
    from kamlib.engagement import init_engagement

    out = Path(out_dir)
    raw = out / "raw"
    if raw.exists() and any(raw.iterdir()):
        if not overwrite:
            raise ValueError(f"{raw} already holds files; pass overwrite=True to replace them")
        for f in raw.iterdir():
            if f.is_file():
                f.unlink()
    init_engagement(out, client="Дистрибьютор Поволжье (отчёт 1С)", force=True)
    truth = write_report_form(raw / FORM_FILE, build_form(seed, n_clients or 24),
                              date(2025, 10, 1), date(2025, 12, 31))
    truth = {"profile": "1c_report_form", "seed": seed, **truth}
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    return truth
