"""Build the ingestion test fixtures under tests/data/ deterministically.

Run from anywhere:  python tests/data/make_fixtures.py

Writes (and first wipes) two folders next to this script:

* ``foreign_1c/``  a small engagement exported from 1C by hand ("Save as" xlsx / txt),
  with quirks our own sample generator never produces, plus ``EXPECTED.md`` and
  ``expected.json`` computed here, independently of kamlib, from the data written;
* ``bad_inputs/NN_name/``  one tiny engagement per defect, each with ``expect.yaml``,
  plus ``README.md``.

Everything is seeded and xlsx files carry a fixed 'created' property, so two runs give
byte-identical files. Only the standard library and xlsxwriter are used.
"""

from __future__ import annotations

import csv
import io
import json
import random
import shutil
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
CREATED = datetime(2025, 1, 20, 10, 0, 0)
KOP = Decimal("0.01")
CRLF = "\r\n"


# --------------------------------------------------------------------------- helpers


def money(x: Decimal) -> str:
    """Decimal string to the kopeck, as in expected files ("-1234.50")."""
    return str(x.quantize(KOP, rounding=ROUND_HALF_UP))


def ru_num(x: Decimal, places: int = 2, thousands: str = " ") -> str:
    """1C text formatting: ordinary-space thousands, decimal comma ("12 345,60")."""
    q = x.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if q < 0 else ""
    int_part, _, frac = f"{abs(q):f}".partition(".")
    grouped = f"{int(int_part):,}".replace(",", thousands)
    return f"{sign}{grouped},{frac}" if places else f"{sign}{grouped}"


def inn10(prefix: str, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(9 - len(prefix)))
    w = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    c = sum(int(d) * k for d, k in zip(body, w, strict=True)) % 11 % 10
    return body + str(c)


def inn12(prefix: str, rng: random.Random) -> str:
    body = prefix + "".join(str(rng.randrange(10)) for _ in range(10 - len(prefix)))
    w11 = [7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    body += str(sum(int(d) * k for d, k in zip(body, w11, strict=True)) % 11 % 10)
    w12 = [3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]
    return body + str(sum(int(d) * k for d, k in zip(body, w12, strict=True)) % 11 % 10)


def inn_ok(inn: str) -> bool:
    rng = random.Random(0)
    if len(inn) == 10:
        return inn10(inn[:9], rng) == inn
    if len(inn) == 12:
        return inn12(inn[:10], rng) == inn
    return False


def norm_name(name: str) -> str:
    """The normalisation a name matcher is expected to apply (quotes, case, spaces)."""
    for q in "\"'«»“”„":
        name = name.replace(q, " ")
    return " ".join(name.lower().replace("ё", "е").split())


def new_workbook(path_or_buf: Path | io.BytesIO) -> xlsxwriter.Workbook:
    target = str(path_or_buf) if isinstance(path_or_buf, Path) else path_or_buf
    wb = xlsxwriter.Workbook(target, {"in_memory": True})
    wb.set_properties({"created": CREATED, "author": "", "title": ""})
    return wb


def write_text(path: Path, text: str, encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def fresh_dir(path: Path) -> Path:
    assert path.parent == HERE, path
    if path.exists():
        shutil.rmtree(path)
    path.mkdir()
    return path


# --------------------------------------------------------------------------- foreign 1C

ORG = 'ООО "Торговый дом Электроснаб"'

# (name, kind, region prefix of INN, tax office for KPP); kind: ul = legal entity, ip
CLIENTS: list[tuple[str, str, str, str]] = [
    ('ООО "Вектор"', "ul", "77", "7701"),
    ('ООО "Вектор-М"', "ul", "50", "5001"),
    ('ООО "Меридиан"', "ul", "78", "7801"),
    ('АО "СибЭнергоСнаб"', "ul", "54", "5406"),
    ('АО "СибЭнергоСнаб" Новосибирский филиал', "branch", "54", "5404"),
    ("ИП Петров П.П.", "ip", "77", ""),
    ("ИП Сидорова А.В.", "ip", "16", ""),
    ('ООО "Альфа-Трейд"', "ul", "77", "7705"),
    ('ООО "ТК Восток"', "ul", "25", "2536"),
    ('ООО "Стройресурс"', "ul", "66", "6658"),
    ('ООО "ЭлектроМонтаж-Сервис"', "ul", "16", "1655"),
    ('ЗАО "Промавтоматика"', "ul", "52", "5260"),
    ('ООО "Уральская кабельная компания"', "ul", "66", "6671"),
    ('ООО "Башэнергоремонт"', "ul", "02", "0274"),
    ('ПАО "Казанский завод ЖБИ"', "ul", "16", "1660"),
    ('ООО "Горизонт"', "ul", "77", "7714"),
    ('ООО "СтройИнвест"', "ul", "78", "7810"),
    ("ИП Кузнецов Игорь Валерьевич", "ip", "52", ""),
    ('ООО "Светотехника"', "ul", "77", "7719"),
    ('ООО "Фаворит"', "ul", "16", "1657"),
    ('ООО "Лидер"', "ul", "63", "6316"),
    ('АО "Волгаэнерго"', "ul", "63", "6312"),
    ('ООО "ПКФ Надежда"', "ul", "52", "5256"),
    ('ООО "Энергия"', "ul", "54", "5402"),
    ('ООО "Техносфера"', "ul", "77", "7728"),
    ("ИП Смирнова Е.Н.", "ip", "78", ""),
    ('ООО "Ремстрой-НН"', "ul", "52", "5262"),
    ('ООО "Квант"', "ul", "50", "5024"),
    ('ООО "Монолит"', "ul", "16", "1659"),
    ('ООО "ДомСтрой"', "ul", "66", "6685"),
    ('ООО "Атлант"', "ul", "77", "7736"),
    ('МУП "Горэлектросеть"', "ul", "16", "1650"),
    ('ГБУ "Жилищник района Текстильщики"', "ul", "77", "7723"),
    ('ООО "Инженерные системы"', "ul", "78", "7816"),
    ('ООО "Нева-Электро"', "ul", "78", "7806"),
    ("ИП Волков С.А.", "ip", "50", ""),
    ('ООО "Орион"', "ul", "54", "5405"),
    ('ООО "ПромСнаб"', "ul", "63", "6319"),
    ('ООО "Европроект"', "ul", "77", "7703"),
    ('ООО "Ника"', "ul", "25", "2540"),
    ('ООО "Стандарт"', "ul", "66", "6670"),
    ('АО "Татэлектромонтаж"', "ul", "16", "1658"),
    ('ООО "Контур"', "ul", "52", "5258"),
    ('ООО "Электрощит"', "ul", "63", "6315"),
    ("ИП Морозов Д.Е.", "ip", "16", ""),
    ('ООО "Ваш дом"', "ul", "54", "5410"),
    ('ООО "Риф"', "ul", "02", "0276"),
    ('ООО "Стройкомплект"', "ul", "50", "5029"),
]

# sales-file spellings that differ from the catalogue only by quotes / case / spaces
NAME_VARIANTS = {
    'ООО "Вектор"': "ООО «Вектор»",
    'ООО "Меридиан"': 'ооо  "меридиан"',
}
ABSENT_NAME = 'ООО "Лазурит"'

# (name, unit, net price in roubles (multiple of 0.10), VAT % or None = "Без НДС", cost ratio)
PRODUCTS: list[tuple[str, str, str, int | None, str]] = [
    ("Кабель ВВГнг(А)-LS 3х2,5 ок(N,PE)-0,66 кВ", "м", "98.40", 20, "0.78"),
    ("Кабель ВВГнг(А)-LS 5х10 ок(N,PE)-0,66 кВ", "м", "612.30", 20, "0.80"),
    ("Провод ПуГВ 1х1,5 белый", "м", "14.60", 20, "0.72"),
    ("Автоматический выключатель ABB S201 C16", "шт", "742.50", 20, "0.74"),
    ("Автоматический выключатель IEK ВА47-29 1P 25А", "шт", "189.90", 20, "0.70"),
    ("Дифавтомат IEK АВДТ32 C16 30мА", "шт", "1284.00", 20, "0.76"),
    ("Щит распределительный ЩРн-24з-1 IP31", "шт", "3150.00", 20, "0.81"),
    ("Светильник светодиодный ДПО 36Вт 4000К", "шт", "865.00", 20, "0.69"),
    ("Лампа светодиодная Gauss A60 12Вт E27", "шт", "132.40", 20, "0.65"),
    ("Розетка Schneider Electric Glossa белая", "шт", "241.70", 20, "0.71"),
    ("Выключатель Legrand Valena 1-клавишный", "шт", "398.20", 20, "0.73"),
    ("Кабель-канал 25х16 белый (2 м)", "шт", "76.80", 20, "0.68"),
    ("Гофротруба ПВХ 20 мм с зондом (100 м)", "бухта", "1190.00", 20, "0.75"),
    ("Коробка распаечная 100х100х50 IP55", "шт", "118.30", 20, "0.66"),
    ("Счетчик электроэнергии Меркурий 201.8", "шт", "1630.00", 20, "0.83"),
    ("Стабилизатор напряжения Ресанта АСН-10000/1-Ц", "шт", "14890.00", 20, "0.84"),
    ("Трансформатор тока ТТИ-А 200/5А", "шт", "924.60", 20, "0.79"),
    ("Изолента ПВХ 19 мм х 20 м синяя", "шт", "58.30", 20, "0.60"),
    ("Хомут кабельный 4х200 (100 шт)", "уп", "96.40", 20, "0.62"),
    ('Книга "Правила устройства электроустановок" 7-е изд.', "шт", "540.00", 10, "0.70"),
    ("Семинар по электробезопасности (обучение персонала)", "усл", "4500.00", None, "0.50"),
    ("Доставка груза по городу", "усл", "1500.00", 20, "0.90"),
]


@dataclass
class Client:
    code: str
    name: str
    inn: str
    kpp: str
    contract: str
    comment: str
    inn_as_number: bool


@dataclass
class Line:
    doc: str  # full document presentation, as 1C prints it
    kind: str  # "Реализация товаров и услуг" | "Возврат товаров от покупателя"
    dt: datetime
    name: str  # the client name exactly as written in the sales file
    client_code: str | None  # catalogue code it must match, None when absent
    product: str
    unit: str
    qty: Decimal  # canonical sign (returns negative)
    net: Decimal
    vat: Decimal
    rate: int | None
    cogs: Decimal
    date_as_text: bool = False

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def is_return(self) -> bool:
        return self.kind.startswith("Возврат")


@dataclass
class FileFacts:
    lines: list[Line] = field(default_factory=list)


def make_clients(rng: random.Random) -> list[Client]:
    out: list[Client] = []
    codes = rng.sample(range(1, 400), len(CLIENTS))
    head_inn = ""
    for (name, kind, region, office), num in zip(CLIENTS, sorted(codes), strict=True):
        if kind == "ip":
            inn, kpp = inn12(region, rng), ""
        elif kind == "branch":
            inn, kpp = head_inn, office + "02001"
        else:
            inn, kpp = inn10(region, rng), office + "01001"
        head_inn = inn
        contract = (
            "Основной договор"
            if rng.random() < 0.45
            else f"Договор поставки № {rng.randrange(1, 90)}/{rng.choice([22, 23, 24])} "
            f"от {date(2022, 1, 10) + timedelta(days=rng.randrange(900)):%d.%m.%Y}"
        )
        out.append(Client(f"{num:09d}", name, inn, kpp, contract, "", rng.random() < 0.35))
    by_name = {c.name: c for c in out}
    by_name['ООО "Башэнергоремонт"'].inn_as_number = True  # INN 02.. loses its leading 0
    by_name['ООО "Риф"'].inn_as_number = False
    by_name['ООО "Лидер"'].comment = "Отгрузка только по 100% предоплате"
    by_name['ООО "Вектор-М"'].comment = 'Не путать с ООО "Вектор" (другой ИНН)'
    by_name["ИП Волков С.А."].comment = "Работает с 2023 г."
    by_name['АО "СибЭнергоСнаб" Новосибирский филиал'].comment = "Обособленное подразделение"
    assert len({norm_name(c.name) for c in out}) == len(out)
    assert all(inn_ok(c.inn) for c in out)
    return out


def write_clients_xlsx(path: Path, clients: list[Client], blank_after: int) -> dict:
    """1C 'Вывести список' saved as xlsx: sheet TDSheet, two title rows, the name merged
    over columns A:B on every row, one empty row in the middle, some INN/KPP as numbers."""
    wb = new_workbook(path)
    ws = wb.add_worksheet("TDSheet")
    title = wb.add_format({"bold": True, "font_size": 12, "font_name": "Arial"})
    sub = wb.add_format({"italic": True, "font_size": 8, "font_name": "Arial"})
    head = wb.add_format(
        {
            "bold": True,
            "bg_color": "#F2F2E6",
            "border": 1,
            "font_name": "Arial",
            "font_size": 8,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    cell = wb.add_format({"border": 1, "font_name": "Arial", "font_size": 8})
    num = wb.add_format({"border": 1, "font_name": "Arial", "font_size": 8, "num_format": "0"})
    ws.set_column("A:A", 28)
    ws.set_column("B:B", 14)
    ws.set_column("C:E", 14)
    ws.set_column("F:G", 34)
    ws.merge_range("A1:G1", "Контрагенты", title)
    ws.merge_range("A2:G2", "Группа: Покупатели; выведено 20.01.2025 9:58:41", sub)
    ws.set_row(2, 24)
    ws.merge_range("A3:B3", "Наименование", head)
    for col, text in zip(
        "CDEFG", ["ИНН", "КПП", "Код", "Основной договор", "Комментарий"], strict=True
    ):
        ws.write(f"{col}3", text, head)
    r = 3  # 0-based index of the next worksheet row
    rows: list[int] = []
    blank_row = None
    for i, c in enumerate(clients):
        if i == blank_after:
            blank_row = r + 1
            r += 1
        ws.merge_range(r, 0, r, 1, c.name, cell)
        if c.inn_as_number:
            ws.write_number(r, 2, int(c.inn), num)
            if c.kpp:
                ws.write_number(r, 3, int(c.kpp), num)
            else:
                ws.write_blank(r, 3, None, cell)
        else:
            ws.write_string(r, 2, c.inn, cell)
            if c.kpp:
                ws.write_string(r, 3, c.kpp, cell)
            else:
                ws.write_blank(r, 3, None, cell)
        ws.write_string(r, 4, c.code, cell)
        ws.write_string(r, 5, c.contract, cell)
        if c.comment:
            ws.write_string(r, 6, c.comment, cell)
        else:
            ws.write_blank(r, 6, None, cell)
        rows.append(r + 1)
        r += 1
    wb.close()
    return {
        "header_row": 3,
        "first_data_row": rows[0],
        "last_data_row": rows[-1],
        "blank_rows_inside_table": [blank_row],
    }


def make_sales(
    rng: random.Random,
    prefix: str,
    n_docs: int,
    pool: list[Client],
    names: dict[str, str],
    absent_docs: int,
) -> list[Line]:
    weights = [1 / (i + 1) ** 0.9 for i in range(len(pool))]
    start = datetime(2024, 10, 1)
    days = (datetime(2024, 12, 31) - start).days
    doc_days = sorted(rng.randrange(days + 1) for _ in range(n_docs))
    doc_days[0], doc_days[-1] = 0, days
    absent_at = set(rng.sample(range(1, n_docs - 1), absent_docs))
    lines: list[Line] = []
    for k, d in enumerate(doc_days):
        dt = start + timedelta(
            days=d, hours=rng.randrange(8, 20), minutes=rng.randrange(60), seconds=rng.randrange(60)
        )
        if k in absent_at:
            name, code = ABSENT_NAME, None
        else:
            c = rng.choices(pool, weights)[0]
            name, code = names.get(c.name, c.name), c.code
        doc = (
            f"Реализация товаров и услуг {prefix}-{k + 1:06d} от {dt:%d.%m.%Y} {dt.hour}:{dt:%M:%S}"
        )
        disc = rng.choice([Decimal(0), Decimal(0), Decimal("0.03"), Decimal("0.05")])
        for p in rng.sample(PRODUCTS, rng.choice([1, 1, 2, 2, 3, 3, 4, 5])):
            pname, unit, price, rate, ratio = p
            if unit == "м":
                qty = Decimal(rng.choice([25, 50, 100, 150, 200, 300, 500]))
            elif unit == "шт":
                qty = Decimal(rng.choice([1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 40]))
            else:
                qty = Decimal(rng.randint(1, 4))
            unit_net = (Decimal(price) * (1 - disc)).quantize(Decimal("0.1"), ROUND_HALF_UP)
            net = qty * unit_net  # a multiple of 0.10, so net*rate is whole kopecks
            vat = (net * (rate or 0) / 100).quantize(KOP)
            assert vat == net * (rate or 0) / 100
            cogs = (net * Decimal(ratio) * Decimal(rng.uniform(0.95, 1.05))).quantize(KOP)
            lines.append(
                Line(
                    doc,
                    "Реализация товаров и услуг",
                    dt,
                    name,
                    code,
                    pname,
                    unit,
                    qty,
                    net,
                    vat,
                    rate,
                    cogs,
                )
            )
    return lines


def add_returns(rng: random.Random, lines: list[Line], prefix: str, n: int) -> list[Line]:
    sales = [ln for ln in lines if ln.client_code and ln.dt < datetime(2024, 12, 20)]
    out = list(lines)
    for k, src in enumerate(sorted(rng.sample(sales, n), key=lambda ln: ln.dt)):
        dt = src.dt + timedelta(days=rng.randrange(2, 11), hours=rng.randrange(-3, 4))
        q = Decimal(rng.randint(1, int(src.qty))) if src.unit != "м" else src.qty / 2
        net = q * (src.net / src.qty)  # quantity x the same unit price, exact
        vat = (net * (src.rate or 0) / 100).quantize(KOP)
        assert net == net.quantize(KOP) and vat == net * (src.rate or 0) / 100
        cogs = (src.cogs * q / src.qty).quantize(KOP)
        doc = (
            f"Возврат товаров от покупателя {prefix}-{k + 1:06d} от {dt:%d.%m.%Y} "
            f"{dt.hour}:{dt:%M:%S}"
        )
        out.append(
            Line(
                doc,
                "Возврат товаров от покупателя",
                dt,
                src.name,
                src.client_code,
                src.product,
                src.unit,
                -q,
                -net,
                -vat,
                src.rate,
                -cogs,
            )
        )
    out.sort(key=lambda ln: (ln.dt, ln.doc))
    return out


def write_report_xlsx(path: Path, lines: list[Line], rng: random.Random) -> dict:
    """СКД report 'Продажи' saved as xlsx: empty column A, a 4-line header block, dates as
    serial cells in most rows and as text '31.12.2024 0:00:00' in others, returns as negative
    lines, an 'Итого' row at the bottom."""
    wb = new_workbook(path)
    ws = wb.add_worksheet("TDSheet")
    base = {"font_name": "Arial", "font_size": 8}
    title = wb.add_format({**base, "bold": True, "font_size": 14})
    par = wb.add_format(base)
    head = wb.add_format(
        {
            **base,
            "bold": True,
            "bg_color": "#F2F2E6",
            "border": 1,
            "text_wrap": True,
            "valign": "top",
        }
    )
    txt = wb.add_format({**base, "border": 1})
    dfmt = wb.add_format({**base, "border": 1, "num_format": "dd.mm.yyyy"})
    qfmt = wb.add_format({**base, "border": 1, "num_format": "#,##0.000"})
    mfmt = wb.add_format({**base, "border": 1, "num_format": "#,##0.00"})
    tot_t = wb.add_format({**base, "border": 1, "bold": True, "bg_color": "#F2F2E6"})
    tot_q = wb.add_format(
        {**base, "border": 1, "bold": True, "bg_color": "#F2F2E6", "num_format": "#,##0.000"}
    )
    tot_m = wb.add_format(
        {**base, "border": 1, "bold": True, "bg_color": "#F2F2E6", "num_format": "#,##0.00"}
    )
    ws.set_column("A:A", 2)
    ws.set_column("B:B", 52)
    ws.set_column("C:C", 16)
    ws.set_column("D:E", 34)
    ws.set_column("F:I", 14)
    ws.write("B1", "Продажи", title)
    ws.write("B2", "Период: 01.10.2024 - 31.12.2024", par)
    ws.write("B3", f"Отбор: Организация Равно {ORG}", par)
    ws.write("B4", "Показатели: Количество; Сумма продаж; Сумма НДС; Себестоимость", par)
    headers = [
        "Документ продажи",
        "Дата",
        "Покупатель",
        "Номенклатура",
        "Кол-во",
        "Сумма продаж",
        "Сумма НДС",
        "Себестоимость",
    ]
    header_row = 6
    for j, h in enumerate(headers):
        ws.write(header_row - 1, 1 + j, h, head)
    r = header_row
    for i, ln in enumerate(lines):
        ws.write_string(r, 1, ln.doc, txt)
        ln.date_as_text = i == len(lines) - 1 or rng.random() < 0.3
        day = datetime(ln.dt.year, ln.dt.month, ln.dt.day)
        if ln.date_as_text:
            ws.write_string(r, 2, f"{day:%d.%m.%Y} 0:00:00", txt)
        else:
            ws.write_datetime(r, 2, day, dfmt)
        ws.write_string(r, 3, ln.name, txt)
        ws.write_string(r, 4, ln.product, txt)
        ws.write_number(r, 5, float(ln.qty), qfmt)
        ws.write_number(r, 6, float(ln.gross), mfmt)
        ws.write_number(r, 7, float(ln.vat), mfmt)
        ws.write_number(r, 8, float(ln.cogs), mfmt)
        r += 1
    totals = {
        "quantity": sum(ln.qty for ln in lines),
        "gross": sum(ln.gross for ln in lines),
        "vat": sum(ln.vat for ln in lines),
        "cogs": sum(ln.cogs for ln in lines),
    }
    ws.write_string(r, 1, "Итого", tot_t)
    for j in range(2, 5):
        ws.write_blank(r, j, None, tot_t)
    ws.write_number(r, 5, float(totals["quantity"]), tot_q)
    for j, key in ((6, "gross"), (7, "vat"), (8, "cogs")):
        ws.write_number(r, j, float(totals[key]), tot_m)
    wb.close()
    return {
        "sheet": "TDSheet",
        "header_row": header_row,
        "first_data_row": header_row + 1,
        "last_data_row": r,
        "totals_row": {
            "row": r + 1,
            "label": "Итого",
            "Кол-во": f"{totals['quantity']:.3f}",
            "Сумма продаж": money(totals["gross"]),
            "Сумма НДС": money(totals["vat"]),
            "Себестоимость": money(totals["cogs"]),
        },
        "date_cells": {
            "excel_serial": sum(not ln.date_as_text for ln in lines),
            "text_dd.mm.yyyy_0:00:00": sum(ln.date_as_text for ln in lines),
        },
    }


def write_tab_txt(path: Path, lines: list[Line]) -> dict:
    """1C tabular document saved as text: utf-8 with BOM, tab-separated, CRLF, a title line
    and a blank line above the header, decimal comma, ordinary-space thousands, returns as
    positive amounts recognisable by 'Вид документа' and by the document name."""
    headers = [
        "Дата",
        "Вид документа",
        "Документ",
        "Контрагент",
        "Номенклатура",
        "Ед.",
        "Количество",
        "Выручка с НДС",
        "Ставка НДС",
        "Себестоимость",
    ]
    out = [
        "Продажи по документам за 4 квартал 2024 г. (обособленное подразделение, Казань)",
        "",
        "\t".join(headers),
    ]
    raw = {"Количество": Decimal(0), "Выручка с НДС": Decimal(0), "Себестоимость": Decimal(0)}
    for ln in lines:
        a = abs  # returns are printed positive
        raw["Количество"] += a(ln.qty)
        raw["Выручка с НДС"] += a(ln.gross)
        raw["Себестоимость"] += a(ln.cogs)
        rate = "Без НДС" if ln.rate is None else f"{ln.rate}%"
        fields = [
            f"{ln.dt:%d.%m.%Y} {ln.dt.hour}:{ln.dt:%M:%S}",
            ln.kind,
            ln.doc,
            ln.name,
            ln.product,
            ln.unit,
            ru_num(a(ln.qty), 3),
            ru_num(a(ln.gross)),
            rate,
            ru_num(a(ln.cogs)),
        ]
        assert not any("\t" in f or "\n" in f for f in fields)
        out.append("\t".join(fields))
    write_text(path, CRLF.join(out) + CRLF, "utf-8-sig")
    return {
        "encoding": "utf-8-sig",
        "delimiter": "\\t",
        "line_ending": "CRLF",
        "header_line": 3,
        "first_data_line": 4,
        "last_data_line": 3 + len(lines),
        "raw_column_sums_as_in_file": {
            "Количество": f"{raw['Количество']:.3f}",
            "Выручка с НДС": money(raw["Выручка с НДС"]),
            "Себестоимость": money(raw["Себестоимость"]),
        },
    }


def sales_facts(lines: list[Line]) -> dict:
    ret = [ln for ln in lines if ln.is_return]
    rates: dict[str, int] = {}
    for ln in lines:
        key = "Без НДС" if ln.rate is None else f"{ln.rate}%"
        rates[key] = rates.get(key, 0) + 1
    return {
        "table": "sales",
        "data_rows": len(lines),
        "documents": len({ln.doc for ln in lines}),
        "sale_lines": len(lines) - len(ret),
        "date_min": min(ln.dt.date() for ln in lines).isoformat(),
        "date_max": max(ln.dt.date() for ln in lines).isoformat(),
        "signed_totals": {
            "note": "canonical sign: returns negative",
            "gross_with_vat": money(sum(ln.gross for ln in lines)),
            "vat": money(sum(ln.vat for ln in lines)),
            "net_revenue_without_vat": money(sum(ln.net for ln in lines)),
            "cogs": money(sum(ln.cogs for ln in lines)),
            "quantity": f"{sum(ln.qty for ln in lines):.3f}",
        },
        "returns": {
            "lines": len(ret),
            "documents": len({ln.doc for ln in ret}),
            "gross_with_vat": money(sum(ln.gross for ln in ret)),
            "net_revenue_without_vat": money(sum(ln.net for ln in ret)),
            "cogs": money(sum(ln.cogs for ln in ret)),
            "quantity": f"{sum(ln.qty for ln in ret):.3f}",
        },
        "vat_rate_lines": rates,
        "distinct_client_names": len({ln.name for ln in lines}),
    }


def build_foreign_1c() -> None:
    root = fresh_dir(HERE / "foreign_1c")
    raw = root / "raw"
    raw.mkdir()
    rng = random.Random(20250120)
    clients = make_clients(rng)
    clients_meta = write_clients_xlsx(raw / "Покупатели.xlsx", clients, blank_after=23)

    pool = rng.sample(clients, len(clients) - 4)  # a few catalogue clients buy nothing
    for must in ('ООО "Вектор"', 'ООО "Вектор-М"', 'ООО "Меридиан"'):
        c = next(c for c in clients if c.name == must)
        if c not in pool:
            pool.insert(0, c)
    rep = make_sales(rng, "ТД00", 260, pool, {}, absent_docs=3)
    rep = add_returns(rng, rep, "ТД00", 9)
    rep_meta = write_report_xlsx(raw / "Отчет по продажам.xlsx", rep, rng)

    branch_pool = [c for c in pool if c.name in NAME_VARIANTS or c.name == 'ООО "Вектор-М"']
    branch_pool += [c for c in rng.sample(pool, 20) if c not in branch_pool][:15]
    tab = make_sales(rng, "КЗ00", 150, branch_pool, NAME_VARIANTS, absent_docs=0)
    tab = add_returns(rng, tab, "КЗ00", 7)
    tab_meta = write_tab_txt(raw / "Продажи_tab.txt", tab)

    files = {
        "Покупатели.xlsx": {
            "table": "clients",
            "sheet": "TDSheet",
            **clients_meta,
            "data_rows": len(clients),
            "clients": [
                {
                    "client_id": c.code,
                    "name": c.name,
                    "tax_id": c.inn,
                    "branch_code": c.kpp or None,
                    "inn_stored_as": "number" if c.inn_as_number else "text",
                }
                for c in clients
            ],
        },
        "Отчет по продажам.xlsx": {**sales_facts(rep), **rep_meta},
        "Продажи_tab.txt": {**sales_facts(tab), **tab_meta},
    }
    everything = rep + tab
    matched = [ln for ln in everything if ln.client_code]
    unmatched = [ln for ln in everything if not ln.client_code]
    net_by_client: dict[str, Decimal] = {}
    for ln in matched:
        net_by_client[ln.client_code] = net_by_client.get(ln.client_code, Decimal(0)) + ln.net
    variants = []
    for cat_name, sales_name in NAME_VARIANTS.items():
        c = next(c for c in clients if c.name == cat_name)
        ls = [ln for ln in tab if ln.name == sales_name]
        variants.append(
            {
                "sales_name": sales_name,
                "file": "Продажи_tab.txt",
                "catalogue_name": cat_name,
                "client_id": c.code,
                "rows": len(ls),
                "net_revenue_without_vat": money(sum(ln.net for ln in ls)),
                "differs_by": "quote style" if "«" in sales_name else "case and extra space",
            }
        )
    lazurit = [ln for ln in rep if ln.name == ABSENT_NAME]
    assert all(any(ln.name == n for ln in rep) for n in NAME_VARIANTS)
    expected = {
        "engagement": "foreign_1c",
        "organisation": ORG,
        "period": {"from": "2024-10-01", "to": "2024-12-31"},
        "mapping_file": None,
        "clients": len(clients),
        "files": files,
        "name_matching": {
            "rule": "sales carry client names only; match to the catalogue after "
            'normalising quotes (" « » “ ”), case and runs of spaces; no fuzzy '
            'matching (ООО "Вектор-М" is a different client from ООО "Вектор")',
            "variants": variants,
            "catalogue_spelling_rows_in_report_xlsx": {
                n: sum(ln.name == n for ln in rep) for n in NAME_VARIANTS
            },
            "must_not_merge": [
                {
                    "name": 'ООО "Вектор-М"',
                    "client_id": next(c.code for c in clients if c.name == 'ООО "Вектор-М"'),
                },
            ],
            "absent_from_catalogue": [
                {
                    "sales_name": ABSENT_NAME,
                    "file": "Отчет по продажам.xlsx",
                    "rows": len(lazurit),
                    "worksheet_rows": [
                        rep_meta["first_data_row"] + rep.index(ln) for ln in lazurit
                    ],
                    "gross_with_vat": money(sum(ln.gross for ln in lazurit)),
                    "net_revenue_without_vat": money(sum(ln.net for ln in lazurit)),
                    "expected_handling": "not attached to any client; kept as rejected rows "
                    "(reason: unknown client) with their money counted",
                }
            ],
        },
        "shared_inn": [
            {"tax_id": c.inn, "client_ids": [x.code for x in clients if x.inn == c.inn]}
            for c in clients
            if c.kpp.endswith("02001")
        ],
        "combined_sales": {
            "data_rows": len(everything),
            "matched_rows": len(matched),
            "unmatched_rows": len(unmatched),
            "net_revenue_without_vat": money(sum(ln.net for ln in everything)),
            "net_revenue_matched": money(sum(ln.net for ln in matched)),
            "net_revenue_unmatched": money(sum(ln.net for ln in unmatched)),
            "clients_with_sales": len(net_by_client),
            "net_revenue_by_client_id": {k: money(v) for k, v in sorted(net_by_client.items())},
        },
    }
    (root / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=2) + "\n", encoding="utf-8", newline="\n"
    )
    write_expected_md(root / "EXPECTED.md", expected)


def write_expected_md(path: Path, e: dict) -> None:
    f = e["files"]
    cl, rp, tb = f["Покупатели.xlsx"], f["Отчет по продажам.xlsx"], f["Продажи_tab.txt"]
    num_inn = [c for c in cl["clients"] if c["inn_stored_as"] == "number"]
    lead0 = [c for c in num_inn if c["tax_id"].startswith("0")]
    v = e["name_matching"]["variants"]
    ab = e["name_matching"]["absent_from_catalogue"][0]
    cmb = e["combined_sales"]

    def totals(x: dict) -> str:
        s, r = x["signed_totals"], x["returns"]
        return (
            f"- data rows: **{x['data_rows']}** ({x['sale_lines']} sale lines + "
            f"{r['lines']} return lines in {r['documents']} return documents), "
            f"{x['documents']} documents, dates {x['date_min']} … {x['date_max']}\n"
            f"- signed totals (returns negative): with VAT **{s['gross_with_vat']}**, "
            f"VAT {s['vat']}, without VAT (net_revenue) **{s['net_revenue_without_vat']}**, "
            f"cogs {s['cogs']}, quantity {s['quantity']}\n"
            f"- returns: with VAT {r['gross_with_vat']}, without VAT "
            f"{r['net_revenue_without_vat']}, cogs {r['cogs']}, quantity {r['quantity']}\n"
            f"- VAT rates (lines): {x['vat_rate_lines']}\n"
        )

    t = rp["totals_row"]
    blank = cl["blank_rows_inside_table"][0]
    shared = "; ".join(
        f"INN {x['tax_id']} → client_id {', '.join(x['client_ids'])}" for x in e["shared_inn"]
    )
    z_inn, z_kpp = lead0[0]["tax_id"], lead0[0]["branch_code"]
    variants = "\n".join(
        f"  - `{x['sales_name']}` → `{x['catalogue_name']}` (client_id {x['client_id']}, "
        f"{x['rows']} rows, {x['differs_by']})"
        for x in v
    )
    text = f"""# foreign_1c — a 1C export set our generator did not make

Generated by `tests/data/make_fixtures.py` (do not edit by hand). The figures below and
in `expected.json` are computed by that script from the data it wrote, not by kamlib.
Ingestion (`kam check` / `kam run`) must read `raw/` **without a mapping file**.

Organisation: {e["organisation"]}; period {e["period"]["from"]} … {e["period"]["to"]}.

## raw/Покупатели.xlsx → clients ({cl["data_rows"]} clients)

1C list (`Вывести список` → save as xlsx). Quirks:
- sheet `TDSheet`; row 1 title `Контрагенты`, row 2 `Группа: Покупатели; выведено …`
  (both merged A:G); header on worksheet row {cl["header_row"]}; data rows
  {cl["first_data_row"]}…{cl["last_data_row"]}, with an **empty row {blank}** inside the table;
- columns `Наименование | ИНН | КПП | Код | Основной договор | Комментарий`; the name is
  **merged over A:B** on every row (column B is always empty), the code comes 4th;
- `Код` is text with leading zeros (`{cl["clients"][0]["client_id"]}`) and must stay text;
- ИНН/КПП are **numeric cells** on {len(num_inn)} rows; {", ".join(c["name"] for c in lead0)}
  has INN `{z_inn}` and KPP `{z_kpp}` stored as numbers, i.e. shown as `{int(z_inn)}` /
  `{int(z_kpp)}`: the leading zero must be restored (pad to 10 / 9 digits; 12 for ИП);
- ИП rows have a 12-digit INN and no KPP; all INNs have valid check digits;
- branches sharing an INN: {shared} (two clients, different KPP; not merged at
  ingestion);
- no parent (`ГоловнойКонтрагент`) column, no group rows.

## raw/Отчет по продажам.xlsx → sales

СКД report `Продажи` saved as xlsx. Quirks:
- sheet `TDSheet`; **column A is empty**; a header block in B1:B4 (`Продажи`, `Период: …`,
  `Отбор: Организация Равно "…"`, `Показатели: …`), row 5 empty, header on row
  {rp["header_row"]}, data rows {rp["first_data_row"]}…{rp["last_data_row"]},
  **`Итого` row {t["row"]}**;
- columns `Документ продажи | Дата | Покупатель | Номенклатура | Кол-во | Сумма продаж |
  Сумма НДС | Себестоимость`; **no client code**, only the buyer's name;
- `Сумма продаж` **includes VAT**; `Сумма НДС` is the VAT in it; net_revenue =
  `Сумма продаж − Сумма НДС` (on every line `Сумма НДС / (Сумма продаж − Сумма НДС)` is
  exactly 0.20, 0.10 or 0);
- `Дата`: {rp["date_cells"]["excel_serial"]} Excel serial date cells and
  {rp["date_cells"]["text_dd.mm.yyyy_0:00:00"]} **text** cells `dd.mm.yyyy 0:00:00` (the last
  data row is text `31.12.2024 0:00:00`); the document name also carries a date and time
  (`Реализация товаров и услуг ТД00-000001 от 01.10.2024 9:05:07`);
- returns are lines of `Возврат товаров от покупателя …` documents with **negative**
  quantity and amounts;
- the buyer `{ab["sales_name"]}` is **not in the catalogue** ({ab["rows"]} rows, worksheet
  rows {ab["worksheet_rows"]}, with VAT {ab["gross_with_vat"]}, without VAT
  {ab["net_revenue_without_vat"]}).

{totals(rp)}
- `Итого` row: Кол-во {t["Кол-во"]}, Сумма продаж {t["Сумма продаж"]}, Сумма НДС
  {t["Сумма НДС"]}, Себестоимость {t["Себестоимость"]} (equals the sums of the data rows;
  must not be loaded as a sales line).

## raw/Продажи_tab.txt → sales

1C tabular document saved as text. Quirks:
- **utf-8 with BOM**, **tab**-delimited, CRLF; line 1 is a title, line 2 empty, header on
  line {tb["header_line"]}, data lines {tb["first_data_line"]}…{tb["last_data_line"]},
  no totals line;
- columns `Дата | Вид документа | Документ | Контрагент | Номенклатура | Ед. | Количество |
  Выручка с НДС | Ставка НДС | Себестоимость`; **no client code**;
- numbers with decimal comma and **ordinary-space** thousands (`12 345,60`), quantities
  with 3 decimals (`150,000`);
- `Дата` is `dd.mm.yyyy H:MM:SS` with the document's real time (hour without leading zero);
- `Выручка с НДС` includes VAT; **no VAT amount column**, only `Ставка НДС` (`20%`, `10%`,
  `Без НДС`): net = gross / (1 + rate), exact to the kopeck on every line;
- **returns carry positive amounts**: `Вид документа` = `Возврат товаров от покупателя`
  (the document name says so too); the canonical table must make them negative;
- client names spelled differently from the catalogue:
{variants}

{totals(tb)}
- raw column sums as printed (returns positive): {tb["raw_column_sums_as_in_file"]}

## Combined

- {cmb["data_rows"]} sales rows; {cmb["matched_rows"]} match a catalogue client,
  {cmb["unmatched_rows"]} do not (`{ab["sales_name"]}`);
- net revenue without VAT: all rows **{cmb["net_revenue_without_vat"]}**, matched
  {cmb["net_revenue_matched"]}, unmatched {cmb["net_revenue_unmatched"]};
- {cmb["clients_with_sales"]} catalogue clients have sales; net revenue per client_id in
  `expected.json` → `combined_sales.net_revenue_by_client_id`;
- `ООО "Вектор-М"` ({e["name_matching"]["must_not_merge"][0]["client_id"]}) is a separate
  client and must not receive `ООО «Вектор»` lines.
"""
    write_text(path, text, "utf-8")


# --------------------------------------------------------------------------- bad inputs

GOOD_CLIENTS = [
    ["K001", 'ООО "Вектор"', "7704211201"],
    ["K002", 'ООО "Меридиан"', "7811054321"],
    ["K003", "ИП Петров П.П.", "771234567891"],
    ["K004", 'АО "Волгаэнерго"', "6312034563"],
    ["K005", 'ООО "Орион"', "5405123456"],
    ["K006", 'ООО "Квант"', "5024098765"],
]
GOOD_SALES = [
    ["01.11.2024", "РТУ-000101", "K001", "12500,00"],
    ["01.11.2024", "РТУ-000102", "K002", "8340,50"],
    ["05.11.2024", "РТУ-000103", "K003", "1999,90"],
    ["06.11.2024", "РТУ-000104", "K001", "45210,00"],
    ["12.11.2024", "РТУ-000105", "K004", "3075,25"],
    ["15.11.2024", "РТУ-000106", "K005", "760,00"],
    ["20.11.2024", "РТУ-000107", "K002", "15000,00"],
    ["28.11.2024", "РТУ-000108", "K004", "2230,40"],
]
SALES_HEAD = ["Дата", "Документ", "Код контрагента", "Сумма без НДС"]
CLIENTS_HEAD = ["Код", "Наименование", "ИНН"]
DEFAULT_INPUTS = [("clients.csv", "clients"), ("sales.csv", "sales")]


def fix_inns() -> None:
    """Give GOOD_CLIENTS valid INN check digits (kept literal above for readability)."""
    for row in GOOD_CLIENTS:
        inn = row[2]
        rng = random.Random(0)
        row[2] = inn10(inn[:9], rng) if len(inn) == 10 else inn12(inn[:10], rng)


def csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator=CRLF, quoting=csv.QUOTE_MINIMAL)
    w.writerows(rows)
    return buf.getvalue()


def dec(s: str) -> Decimal:
    return Decimal(s.replace(" ", "").replace(",", "."))


@dataclass
class Case:
    name: str
    description: str
    outcome: str
    file: str | None
    row: int | None
    column: str | None
    value: str | None
    money_rejected: str | None
    files: dict[str, bytes]
    overrides: str | None = None
    why: str = ""
    accepted: str | None = None  # the sales control total expected, when the case says
    names: list[str] | None = None  # client names (or codes) the clients table must hold
    reason: str | None = None  # words the rejected row's reason must hold


def yq(v: object) -> str:
    if v is None:
        return "null"
    if isinstance(v, int):
        return str(v)
    return json.dumps(str(v), ensure_ascii=False)  # a JSON string is a valid YAML scalar


def inputs_yaml(entries: list[dict[str, object]]) -> str:
    out = ["inputs:"]
    for ent in entries:
        first = True
        for k, val in ent.items():
            lead = "  - " if first else "    "
            first = False
            if isinstance(val, dict):
                out.append(f"{lead}{k}:")
                out += [f"      {kk}: {yq(vv)}" for kk, vv in val.items()]
            else:
                out.append(f"{lead}{k}: {yq(val)}")
    return "\n".join(out) + "\n"


def good_clients() -> bytes:
    return csv_text([CLIENTS_HEAD, *GOOD_CLIENTS]).encode("utf-8")


def sales_bytes(
    rows: list[list[str]], head: list[str] | None = None, encoding: str = "utf-8"
) -> bytes:
    return csv_text([head or SALES_HEAD, *rows]).encode(encoding)


def with_sales(rows: list[list[str]], **kw: object) -> dict[str, bytes]:
    return {"clients.csv": good_clients(), "sales.csv": sales_bytes(rows, **kw)}


def replaced(i: int, col: int, value: str) -> list[list[str]]:
    rows = [list(r) for r in GOOD_SALES]
    rows[i][col] = value
    return rows


def xlsx_bytes(fill: bool) -> bytes:
    buf = io.BytesIO()
    wb = new_workbook(buf)
    ws = wb.add_worksheet("Лист1")
    if fill:
        for r, row in enumerate([SALES_HEAD, *GOOD_SALES]):
            for c, v in enumerate(row):
                if r and c == 3:
                    ws.write_number(r, c, float(dec(v)))
                else:
                    ws.write_string(r, c, v)
    wb.close()
    return buf.getvalue()


def build_cases() -> list[Case]:
    cases: list[Case] = []
    xlsx_inputs = inputs_yaml(
        [{"file": "clients.csv", "table": "clients"}, {"file": "sales.xlsx", "table": "sales"}]
    )

    cases.append(
        Case(
            "01_empty_file",
            "sales.csv is 0 bytes",
            "error",
            "sales.csv",
            None,
            None,
            None,
            None,
            {"clients.csv": good_clients(), "sales.csv": b""},
            why="nothing to read; the message must say the file is empty, not 'no columns'",
        )
    )
    cases.append(
        Case(
            "02_header_only",
            "sales.csv has a header line and no data rows",
            "error",
            "sales.csv",
            None,
            None,
            None,
            None,
            with_sales([]),
            why="a required table with zero rows cannot be audited",
        )
    )
    garbage = bytes(random.Random(3).randrange(256) for _ in range(700))
    garbage = b"\x00\x01\x02\x03" + garbage[:200] + b"\x00" * 40 + garbage[200:]
    cases.append(
        Case(
            "03_binary_garbage",
            "sales.csv is binary garbage (NUL bytes), not text",
            "error",
            "sales.csv",
            None,
            None,
            None,
            None,
            {"clients.csv": good_clients(), "sales.csv": garbage},
            why="cp1251 decodes almost any byte: detection must notice NULs/control bytes "
            "instead of producing a one-column table of junk",
        )
    )
    full = xlsx_bytes(fill=True)
    cases.append(
        Case(
            "04_corrupt_xlsx",
            "sales.xlsx is a truncated zip (download cut short)",
            "error",
            "sales.xlsx",
            None,
            None,
            None,
            None,
            {"clients.csv": good_clients(), "sales.xlsx": full[: len(full) * 6 // 10]},
            overrides=xlsx_inputs,
            why="the reader's BadZipFile/calamine error must become a KamError naming the file",
        )
    )
    cases.append(
        Case(
            "05_xlsx_empty_sheet",
            "sales.xlsx is a valid workbook whose only sheet is empty",
            "error",
            "sales.xlsx",
            None,
            None,
            None,
            None,
            {"clients.csv": good_clients(), "sales.xlsx": xlsx_bytes(fill=False)},
            overrides=xlsx_inputs,
            why="no header and no rows in any sheet",
        )
    )
    cases.append(
        Case(
            "06_missing_amount_column",
            "sales.csv has no amount column at all",
            "error",
            "sales.csv",
            None,
            None,
            None,
            None,
            with_sales([r[:3] for r in GOOD_SALES], head=SALES_HEAD[:3]),
            why="net_revenue is required; the message should name the canonical column "
            "net_revenue and list the headers found",
        )
    )
    cases.append(
        Case(
            "07_duplicated_header",
            "two columns are both headed 'Сумма без НДС' (different values)",
            "error",
            "sales.csv",
            1,
            "Сумма без НДС",
            None,
            None,
            with_sales(
                [[*r, f"{dec(r[3]) * Decimal('1.2'):.2f}".replace(".", ",")] for r in GOOD_SALES],
                head=[*SALES_HEAD, "Сумма без НДС"],
            ),
            why="pandas would silently rename the second to 'Сумма без НДС.1'; which one is net "
            "revenue cannot be guessed",
        )
    )
    i = 3
    cases.append(
        Case(
            "08_unparseable_date",
            "one row has the date 32.13.2024",
            "rejected",
            "sales.csv",
            i + 2,
            "Дата",
            "32.13.2024",
            money(dec(GOOD_SALES[i][3])),
            with_sales(replaced(i, 0, "32.13.2024")),
            why="row-level defect: the row goes to `rejected` with its money counted",
        )
    )
    i = 4
    cases.append(
        Case(
            "09_text_in_amount",
            "one row has 'abc' in Сумма без НДС",
            "rejected",
            "sales.csv",
            i + 2,
            "Сумма без НДС",
            "abc",
            "0.00",
            with_sales(replaced(i, 3, "abc")),
            why="the amount is unreadable, so it contributes 0.00 to the rejected money; the "
            "harness should also check that exactly 1 row is rejected",
        )
    )
    i = 6
    cases.append(
        Case(
            "10_two_decimal_commas",
            "one amount is '1,234,56' (two decimal commas)",
            "rejected",
            "sales.csv",
            i + 2,
            "Сумма без НДС",
            "1,234,56",
            "0.00",
            with_sales(replaced(i, 3, "1,234,56")),
            why="could be 1234.56 or 1.23456 thousand; never guess — reject (1 row)",
        )
    )
    dup = [list(r) for r in GOOD_CLIENTS]
    dup.append(["K003", 'ООО "Альфа-Трейд"', inn10("770212345", random.Random(0))])
    cases.append(
        Case(
            "11_duplicate_client_id",
            "client code K003 appears twice with different names",
            "error",
            "clients.csv",
            len(dup) + 1,
            "Код",
            "K003",
            None,
            {
                "clients.csv": csv_text([CLIENTS_HEAD, *dup]).encode("utf-8"),
                "sales.csv": sales_bytes(GOOD_SALES),
            },
            why="client_id is the join key; sales of K003 (line 4 of sales.csv) cannot be "
            "attributed, so the run stops (row = the second occurrence, line 8)",
        )
    )
    i = 5
    cases.append(
        Case(
            "12_unknown_client",
            "a sales row refers to client code K999 absent from clients.csv",
            "rejected",
            "sales.csv",
            i + 2,
            "Код контрагента",
            "K999",
            money(dec(GOOD_SALES[i][3])),
            with_sales(replaced(i, 2, "K999")),
            why="with intake.unknown_clients: reject, the row is rejected with its money "
            "(the default, add, keeps the revenue and adds the client, flagged)",
            overrides="intake:\n  unknown_clients: reject\n",
        )
    )
    cases.append(
        Case(
            "13_mapping_to_missing_column",
            "engagement maps net_revenue to a column that does not exist",
            "error",
            "sales.csv",
            None,
            "Несуществующая колонка",
            None,
            None,
            with_sales(GOOD_SALES),
            overrides=inputs_yaml(
                [
                    {"file": "clients.csv", "table": "clients"},
                    {
                        "file": "sales.csv",
                        "table": "sales",
                        "columns": {"net_revenue": "Несуществующая колонка"},
                    },
                ]
            ),
            why="an explicit mapping is never silently ignored; list the headers found",
        )
    )
    cases.append(
        Case(
            "14_cp1251_declared_utf8",
            "sales.csv is cp1251 but the engagement says utf-8",
            "error",
            "sales.csv",
            1,
            None,
            None,
            None,
            with_sales(GOOD_SALES, encoding="cp1251"),
            overrides=inputs_yaml(
                [
                    {"file": "clients.csv", "table": "clients"},
                    {"file": "sales.csv", "table": "sales", "encoding": "utf-8"},
                ]
            ),
            why="invalid UTF-8 from line 1 (the header); say so and suggest cp1251 or removing "
            "the declaration; do not decode with errors='replace'",
        )
    )
    cases.append(
        Case(
            "15_utf8_declared_cp1251",
            "sales.csv is utf-8 but the engagement says cp1251 (mojibake)",
            "error",
            "sales.csv",
            1,
            None,
            None,
            None,
            with_sales(GOOD_SALES),
            overrides=inputs_yaml(
                [
                    {"file": "clients.csv", "table": "clients"},
                    {"file": "sales.csv", "table": "sales", "encoding": "cp1251"},
                ]
            ),
            why="decodes without error as cp1251 into 'Р”Р°С‚Р°;Р”РѕРєСѓРјРµРЅС‚;…', so no "
            "header is recognised; the message should say the text looks like UTF-8 "
            "read as cp1251",
        )
    )
    rows = [list(r) for r in GOOD_SALES]
    i = 2
    rows[i] = [*rows[i], "доп. соглашение"]
    cases.append(
        Case(
            "16_ragged_row",
            "one data row has 5 fields under a 4-field header",
            "rejected",
            "sales.csv",
            i + 2,
            None,
            "доп. соглашение",
            money(dec(GOOD_SALES[i][3])),
            with_sales(rows),
            why="an extra field means the row may be shifted; reject it (money = the value "
            "under the amount header's position, 1999.90) rather than drop the field "
            "or fail the whole file",
        )
    )
    rows = [list(r) for r in GOOD_SALES]
    missing = rows.pop(5)
    total = sum(dec(r[3]) for r in rows) + dec(missing[3])
    total_txt = f"{total:.2f}".replace(".", ",")
    cases.append(
        Case(
            "17_totals_mismatch",
            "the 'Итого' line is larger than the sum of the rows (a row "
            "is missing from the export)",
            "error",
            "sales.csv",
            len(rows) + 2,
            "Сумма без НДС",
            total_txt,
            None,
            with_sales([*rows, ["Итого", "", "", total_txt]]),
            why=f"the totals line is recognised and not loaded; rows sum to "
            f"{money(total - dec(missing[3]))}, the file says {money(total)}: stop with "
            f"both numbers and the difference {money(dec(missing[3]))} (figures that do not "
            "add up to the file's own total cannot be audited)",
        )
    )
    cases.append(
        Case(
            "18_no_recognisable_headers",
            "sales.csv header is 'A;B;C;D'",
            "error",
            "sales.csv",
            1,
            None,
            None,
            None,
            with_sales(GOOD_SALES, head=["A", "B", "C", "D"]),
            why="auto-detection finds no known header in the first lines; point to the "
            "`columns:` mapping",
        )
    )
    i = 4
    cases.append(
        Case(
            "19_ambiguous_date_format",
            "one date is '11/05/2024' among dd.mm.yyyy dates",
            "rejected",
            "sales.csv",
            i + 2,
            "Дата",
            "11/05/2024",
            money(dec(GOOD_SALES[i][3])),
            with_sales(replaced(i, 0, "11/05/2024")),
            why="the column's format is dd.mm.yyyy; a value in another format whose day and "
            "month cannot be told apart (5 Nov or 11 May) is rejected, not guessed",
        )
    )
    i = 7
    cases.append(
        Case(
            "20_date_far_future",
            "one date is 28.11.2204 (year typo)",
            "rejected",
            "sales.csv",
            i + 2,
            "Дата",
            "28.11.2204",
            money(dec(GOOD_SALES[i][3])),
            with_sales(replaced(i, 0, "28.11.2204")),
            why="a sales date after the run date is impossible; loading it would create a "
            "month in 2204 in every time series",
        )
    )
    head = ["Дата", "Документ", "Код контрагента", "Количество", "Сумма без НДС"]
    rows = [[*r[:3], str(k % 4 + 1), r[3]] for k, r in enumerate(GOOD_SALES)]
    i = 1
    rows[i][3] = "-2"
    cases.append(
        Case(
            "21_negative_qty_positive_amount",
            "a row has quantity -2 and a positive amount",
            "warning",
            "sales.csv",
            i + 2,
            "Количество",
            "-2",
            None,
            with_sales(rows, head=head),
            why="signs disagree; the amount is the money truth, so the row is kept as it is "
            "(not a return, not rejected) and flagged",
        )
    )
    cl = [list(r) for r in GOOD_CLIENTS]
    cl[5][1] = ""
    cases.append(
        Case(
            "22_client_without_name",
            "client K006 has an empty Наименование",
            "rejected",
            "clients.csv",
            7,
            "Наименование",
            None,
            None,
            {
                "clients.csv": csv_text([CLIENTS_HEAD, *cl]).encode("utf-8"),
                "sales.csv": sales_bytes(GOOD_SALES),
            },
            why="name is required; K006 has no sales, so no sales money is affected",
        )
    )
    cl = [list(r) for r in GOOD_CLIENTS]
    bad_inn = cl[3][2][:-1] + str((int(cl[3][2][-1]) + 1) % 10)
    cl[3][2] = bad_inn
    cases.append(
        Case(
            "23_inn_bad_checksum",
            "client K004 has an INN with a wrong check digit",
            "warning",
            "clients.csv",
            5,
            "ИНН",
            bad_inn,
            None,
            {
                "clients.csv": csv_text([CLIENTS_HEAD, *cl]).encode("utf-8"),
                "sales.csv": sales_bytes(GOOD_SALES),
            },
            why="tax_id is optional and used for matching; keep the client, warn, do not use "
            "the INN for merging",
        )
    )
    # the intake classes of issues 13 and 15 (tests/data/intake_cases.py)
    sys.modules.setdefault("make_fixtures", sys.modules[__name__])
    from intake_cases import intake_cases

    cases += intake_cases()
    return cases


def build_bad_inputs() -> None:
    fix_inns()
    root = fresh_dir(HERE / "bad_inputs")
    cases = build_cases()
    assert len(cases) >= 18
    for c in cases:
        d = root / c.name
        (d / "raw").mkdir(parents=True)
        for fname, data in c.files.items():
            (d / "raw" / fname).write_bytes(data)
        if c.overrides:
            write_text(d / "engagement_overrides.yaml", c.overrides, "utf-8")
        expect = (
            f"description: {yq(c.description)}\n"
            f"outcome: {c.outcome}\n"
            f"file: {yq(c.file)}\n"
            f"row: {yq(c.row)}\n"
            f"column: {yq(c.column)}\n"
            f"value: {yq(c.value)}\n"
            f"money_rejected: {yq(c.money_rejected)}\n"
        )
        if c.accepted is not None:
            expect += f"accepted: {yq(c.accepted)}\n"
        if c.names is not None:
            expect += "names: [" + ", ".join(yq(n) for n in c.names) + "]\n"
        if c.reason is not None:
            expect += f"reason: {yq(c.reason)}\n"
        write_text(d / "expect.yaml", expect, "utf-8")
    write_bad_readme(root / "README.md", cases)


def write_bad_readme(path: Path, cases: list[Case]) -> None:
    good_total = money(sum(dec(r[3]) for r in GOOD_SALES))
    lines = [
        "# bad_inputs — one defect per engagement",
        "",
        "Generated by `tests/data/make_fixtures.py` (do not edit by hand).",
        "",
        "Each `NN_name/` holds `raw/` (1–3 tiny files), optionally `engagement_overrides.yaml`",
        "(a fragment to merge into the default engagement.yaml; when it has `inputs:` the list",
        "is complete and replaces the default one) and `expect.yaml`.",
        "",
        "Unless the case says otherwise the files are the same good pair:",
        "",
        "- `clients.csv`: UTF-8 (no BOM), `;`, CRLF, header `Код;Наименование;ИНН`, 6 clients",
        "  K001…K006 (valid INN check digits; names with quotes are CSV-quoted);",
        "- `sales.csv`: UTF-8 (no BOM), `;`, CRLF, header",
        "  `Дата;Документ;Код контрагента;Сумма без НДС`, 8 rows of November 2024, decimal",
        f"  comma, no thousands separator, clients K001…K005, total {good_total}.",
        "",
        "`expect.yaml` keys: `outcome` — `error` (`kam check` fails with a KamError),",
        "`rejected` (the run succeeds; the listed row is in the `rejected` table with its",
        "reason), `warning` (the run succeeds and warns); `file`; `row` — 1-based line number",
        "in the file as a text editor shows it (header = line 1) or worksheet row for xlsx;",
        "`column` — source header; `value` — offending value as written in the file (a",
        "message may show a number normalised, e.g. `12345.00` for `12345,00`; the harness",
        "should accept either); `money_rejected` — sum of the rejected rows' amount",
        "(`Сумма без НДС`) as a decimal string; an unreadable amount counts 0.00; `reason` —",
        "words the rejected row's reason must hold.",
        "Every `rejected` case rejects exactly one row; all other rows load.",
        "",
        "| case | outcome | file | row | column | value | money_rejected | what is wrong | "
        "why this outcome |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def cellv(v: object) -> str:
        return "—" if v is None else f"`{v}`".replace("|", "\\|")

    for c in cases:
        lines.append(
            f"| {c.name} | **{c.outcome}** | {cellv(c.file)} | {cellv(c.row)} | "
            f"{cellv(c.column)} | {cellv(c.value)} | {cellv(c.money_rejected)} | "
            f"{c.description} | {c.why} |"
        )
    write_text(path, "\n".join(lines) + "\n", "utf-8")


GITATTRIBUTES = """\
# fixtures are byte-exact: no end-of-line conversion
*.csv -text
*.txt -text
*.xlsx binary
*.yaml text eol=lf
*.json text eol=lf
*.md text eol=lf
"""


def main() -> None:
    write_text(HERE / ".gitattributes", GITATTRIBUTES, "utf-8")
    build_foreign_1c()
    build_bad_inputs()
    print(f"fixtures written under {HERE}")


if __name__ == "__main__":
    main()
