"""Deterministic generator of a synthetic distributor's raw exports (sample engagements).

Two profiles (and ``1c_report_form``, a 1C report form instead of registers, written by
:mod:`kamlib.generator_forms`):

``ru_1c``
    A Russian wholesale distributor with 1C-style exports: a catalogue workbook with title
    rows, quarterly sales CSVs in cp1251 with ``;``, decimal commas, NBSP thousands and a
    totals row, payments, CRM activities, contacts, an assessment sheet and the team.
``en_clean``
    A smaller European distributor with clean English CSVs.

Both plant the traps an audit must find (duplicates, branches, a holding, dormant / lost
clients, a loss-making VIP, concentration, a key client with one contact, data-quality
noise); ``truth.json`` and ``TRUTH.md`` record them with the measured figures.

Training cases (``--lesson``): small, clean ``ru_1c`` engagements (400 clients, about
8,700 sales lines, 2 years, about 2 MB) that each plant ONE finding for a trainer's room:
``vip`` (the unprofitable VIP), ``top3`` (three clients, 40% of turnover), ``holding`` (a
group split into small clients), ``single_contact`` (a key account with one contact),
``overstaffed`` (twelve KAMs for a handful of key accounts). See ``docs/trainer_guide.md``.

Everything is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same
bytes (the xlsx ``created`` property is fixed, so workbooks are byte-stable too).

Run ``python -m kamlib.generator OUT --profile ru_1c --seed 42 --overwrite``, or
``python -m kamlib.generator data_samples/training_vip --lesson vip --seed 42 --overwrite``.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import xlsxwriter

__all__ = ["generate_engagement", "main"]

Profile = Literal["ru_1c", "en_clean", "1c_report_form"]
#: profiles written by :mod:`kamlib.generator_forms` (report forms, not registers)
_FORM_PROFILES = ("1c_report_form",)

MAX_FILE_BYTES = 4_500_000
_XLSX_CREATED = datetime(2026, 1, 15, 10, 32, 11)
_XLSX_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False,
                 "strings_to_urls": False}


@dataclass(frozen=True)
class _Spec:
    """Fixed parameters of a profile."""

    profile: str
    n_clients: int
    n_lines: int
    start: date
    end: date
    avg_line: float          # average net revenue of a sales line (currency units)
    n_dup: float             # share of catalogue records that are duplicated entities
    n_branch: float          # share of catalogue records that are branch entities
    holding: bool
    noise: bool
    currency: str
    language: str
    client: str
    rates: dict[str, float]  # cost-to-serve rates written into engagement.yaml
    # the planted large clients; the defaults are the demo samples' (top-3 = 40%)
    top_shares: tuple[float, float, float] = (0.165, 0.130, 0.105)
    special_shares: tuple[tuple[str, float], ...] = (("key", 0.050), ("vip", 0.045))
    vip_lines_share: float = 0.03      # share of the sales lines that go to the VIP
    holding_shares: tuple[float, ...] = (0.011, 0.008, 0.006, 0.004, 0.003)
    team_size: tuple[int, int] = (10, 2)  # sales managers, key account managers
    lesson: str = ""                   # training lesson (see _LESSONS); "" for the demos


_SPECS: dict[str, _Spec] = {
    "ru_1c": _Spec("ru_1c", 3000, 195_000, date(2023, 1, 1), date(2025, 12, 31), 21_000.0,
                   0.04, 0.01, True, True, "RUB", "ru", "ООО «Демо-Дистрибуция» (пример)",
                   {"order": 1500, "line": 50, "delivery": 3000, "return": 2000,
                    "visit": 5000, "service_hour": 2500}),
    "en_clean": _Spec("en_clean", 300, 20_000, date(2024, 1, 1), date(2025, 12, 31), 3_000.0,
                      0.04, 0.0, False, False, "EUR", "en", "Demo Distribution B.V. (sample)",
                      {"order": 25, "line": 1, "delivery": 50, "return": 30, "visit": 90,
                       "service_hour": 60}),
}


@dataclass(frozen=True)
class _Lesson:
    """A training case: one planted finding on a small ``ru_1c`` engagement."""

    name: str
    title: str             # what the trainer calls it
    story: str             # the situation, told to the room
    finding: str           # what the audit must find (where, which figure)
    spec: dict[str, Any]   # overrides of the ``_TRAINING_BASE`` spec


# Small, clean 1C-style engagements: 400 clients, 2 years, ~8,700 sales lines (≈ 2 MB), no
# data-quality noise, no holding, no planted VIP or single-contact key client, top-3 ≈ 22%,
# three KAMs in the team (what step 4 recommends for them); each lesson adds one finding.
_TRAINING_BASE: dict[str, Any] = {
    "n_clients": 400, "n_lines": 8_500, "avg_line": 60_000.0,
    "start": date(2024, 1, 1), "end": date(2025, 12, 31),
    "noise": False, "holding": False, "special_shares": (),
    "top_shares": (0.090, 0.075, 0.060), "team_size": (9, 3),
}

_HOLDING_NAMES = [("ООО", "ТД Стройгарант", "Москва"),
                  ("АО", "Стройгарант-Урал", "Екатеринбург"),
                  ("ООО", "Стройгарант Сибирь", "Новосибирск"),
                  ("ООО", "Стройгарант-Логистик", "Москва"),
                  ("ЗАО", "Стройгарант-Юг", "Краснодар"),
                  ("ООО", "Стройгарант-Волга", "Самара"),
                  ("ООО", "Стройгарант-Казань", "Казань"),
                  ("АО", "Стройгарант Северо-Запад", "Санкт-Петербург")]

_LESSONS: dict[str, _Lesson] = {x.name: x for x in (
    _Lesson("vip", "The unprofitable VIP",
            "One of the three largest clients, a famous retail chain everyone is proud of, "
            "gets a 24% discount, orders small and often, wants many visits and service "
            "calls, returns goods and pays two months late.",
            "Step 2 lists it first among the large loss-makers with a negative contribution; "
            "step 3 does not make it key and says why (contribution is negative).",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: VIP)",
             "special_shares": (("vip", 0.085),), "top_shares": (0.095, 0.070, 0.060),
             "vip_lines_share": 0.06}),
    _Lesson("top3", "Three clients, 40% of turnover",
            "Three large clients carry the business; nobody has added up what losing one "
            "of them would mean.",
            "Step 2's concentration flag 'top 3 ≥ 40%' fires on the entity level (the "
            "largest client's branches and the second's duplicate records merged first).",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: топ-3)",
             "top_shares": (0.190, 0.155, 0.125)}),
    _Lesson("holding", "The holding split into small clients",
            "Eight small clients in seven regions, served by different sales managers: "
            "nobody sees that they are one group.",
            "Step 1 groups the eight legal entities (different INNs, linked by «Группа» or "
            "«Головной контрагент»); at group level (step 2, group P&L and concentration) "
            "the group is among the top-5 customers while none of its entities is in the "
            "top-20.",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: холдинг)", "holding": True,
             "holding_shares": (0.0056, 0.0054, 0.0052, 0.0050, 0.0048, 0.0046, 0.0044,
                                0.0042)}),
    _Lesson("single_contact", "The key account with one contact",
            "The second-largest client is a key account; the whole relationship runs through "
            "one buyer the KAM has known for years.",
            "Step 3 makes it key and lists it first among the single points of contact (one "
            "contact, no decision maker).",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: один контакт)",
             "special_shares": (("key", 0.080),), "top_shares": (0.090, 0.065, 0.055)}),
    _Lesson("overstaffed", "The over-staffed KAM team",
            "The distributor gave the title 'key account manager' to twelve people, each "
            "owning three of the largest clients; the accounts that deserve key account "
            "management are far fewer.",
            "Step 4 recommends far fewer KAMs than the twelve of the team table (about 3 for "
            "the ~19 key accounts, with the default settings) and says so: current_kams 12, "
            "staffing 'over', and a sentence in the recommendation.",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: команда KAM)",
             "team_size": (4, 12)}),
)}

# --------------------------------------------------------------------------- word lists

_SURNAMES = (
    "Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов",
    "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов",
    "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин",
    "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв",
    "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв",
    "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев",
    "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев",
    "Герасимов", "Богданов", "Осипов", "Матвеев", "Титов", "Марков", "Миронов", "Крылов",
    "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов", "Тихонов", "Казаков",
    "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов", "Мартынов",
    "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Быков", "Маслов", "Родионов",
    "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев", "Кудрявцев",
    "Прохоров", "Наумов", "Потапов", "Журавлёв", "Овчинников", "Трофимов", "Леонов", "Соболев",
    "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров", "Грачёв", "Котов", "Гришин",
    "Ефремов", "Архипов", "Громов", "Кириллов", "Малышев", "Панов", "Моисеев", "Румянцев",
    "Акимов", "Кондратьев", "Бирюков", "Горбунов", "Анисимов", "Ерёмин", "Тихомиров", "Галкин",
    "Лукьянов", "Михеев", "Скворцов", "Юдин", "Белоусов", "Нестеров", "Симонов", "Прокофьев",
    "Харитонов", "Князев", "Цветков", "Левин", "Воронов", "Аксёнов", "Мальцев", "Логинов",
    "Горшков", "Савин", "Краснов", "Майоров", "Демидов", "Елисеев", "Рыбаков", "Сафонов",
    "Плотников", "Дёмин", "Хохлов", "Мухин", "Рябов"
)
_MALE = (
    "Иван", "Алексей", "Сергей", "Андрей", "Дмитрий", "Михаил", "Николай", "Павел", "Владимир",
    "Олег", "Игорь", "Евгений", "Юрий", "Виктор", "Александр", "Максим", "Роман", "Артём", "Денис",
    "Константин", "Василий", "Григорий", "Пётр", "Фёдор", "Антон", "Илья", "Кирилл", "Вадим",
    "Геннадий", "Борис"
)
_FEMALE = (
    "Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Мария", "Екатерина",
    "Юлия", "Марина", "Галина", "Людмила", "Валентина", "Оксана", "Дарья", "Алёна", "Ксения",
    "Вера", "Надежда"
)
_PATRONYMICS = [p.split("/") for p in (
    "Иванович/Ивановна", "Алексеевич/Алексеевна", "Сергеевич/Сергеевна", "Андреевич/Андреевна",
    "Дмитриевич/Дмитриевна", "Михайлович/Михайловна", "Николаевич/Николаевна", "Павлович/Павловна",
    "Владимирович/Владимировна", "Олегович/Олеговна", "Игоревич/Игоревна", "Евгеньевич/Евгеньевна",
    "Юрьевич/Юрьевна", "Викторович/Викторовна", "Александрович/Александровна", "Петрович/Петровна",
    "Борисович/Борисовна", "Геннадьевич/Геннадьевна", "Васильевич/Васильевна",
    "Фёдорович/Фёдоровна"
)]
_PROPER = (
    "Ромашка", "Магнолия", "Альбатрос", "Меридиан", "Берёзка", "Ёлочка", "Полёт", "Звёздочка",
    "Огонёк", "Светлячок", "Колосок", "Родничок", "Янтарь", "Изумруд", "Малахит", "Аврора",
    "Гармония", "Радуга", "Бриз", "Парус", "Маяк", "Фортуна", "Виктория", "Олимп", "Пегас",
    "Гелиос", "Атлас", "Эверест", "Эльбрус", "Байкал", "Алтай", "Енисей", "Ангара", "Каскад",
    "Ладога", "Онега", "Валдай", "Тайга", "Кедр", "Рябина", "Калина", "Черёмуха", "Василёк",
    "Подсолнух", "Лотос", "Лилия", "Орхидея", "Жемчуг", "Сапфир", "Рубин", "Топаз", "Гранит",
    "Базальт", "Кварц", "Омега", "Сигма", "Зенит", "Горизонт", "Рассвет", "Восход", "Заря",
    "Исток", "Лагуна", "Сатурн", "Юпитер", "Венера", "Меркурий", "Галактика", "Комета", "Метелица",
    "Пингвин", "Дельфин", "Сокол", "Беркут", "Кондор", "Ястреб", "Журавушка", "Медведица",
    "Лесовичок", "Вереск", "Ковчег", "Пересвет", "Светоч", "Добрыня", "Селена", "Новатор",
    "Флагман", "Капитан", "Компас"
)
_PREFIX = (
    "Агро", "Техно", "Строй", "Металл", "Продукт", "Мед", "Эко", "Энерго", "Сиб", "Урал", "Волга",
    "Нева", "Кубань", "Транс", "Лес", "Хим", "Фарм", "Пром", "Инвест", "Евро", "Рус", "Нова",
    "Альфа", "Вега", "Орион", "Спектр", "Вита", "Мега", "Гео", "Авто", "Электро", "Тепло", "Водо",
    "Хлеб", "Север", "Юг", "Восток", "Запад", "Стандарт", "Старт", "Профи", "Бизнес", "Глобал",
    "Макси", "Лидер", "Прайм", "Оптима", "Феникс", "Сфера", "Кристалл", "Терра", "Атлант", "Титан",
    "Смарт", "Вектор"
)
_SUFFIX = (
    "снаб", "сервис", "маркет", "трейд", "опт", "лайн", "пром", "комплект", "ресурс", "стиль",
    "вест", "мир", "дом", "центр", "групп", "торг", "строй", "продукт", "логистик", "поставка",
    "инвест", "холд", "сбыт", "тех", "снабжение", "импорт", "экспорт", "пласт", "маш", "хим",
    "агро", "фуд", "вкус", "лэнд", "парк", "ком", "сеть", "ойл", "техника", "инжиниринг",
    "текс", "вода", "свет", "хаус", "терминал"
)
_REGIONS = {  # region: (weight, INN region code, delivery cost multiplier)
    "Москва": (0.28, 77, 0.85), "Санкт-Петербург": (0.12, 78, 0.9),
    "Екатеринбург": (0.08, 66, 1.0), "Новосибирск": (0.07, 54, 1.2),
    "Казань": (0.07, 16, 1.0), "Нижний Новгород": (0.06, 52, 1.0),
    "Самара": (0.06, 63, 1.05), "Краснодар": (0.07, 23, 1.1),
    "Ростов-на-Дону": (0.06, 61, 1.1), "Уфа": (0.05, 2, 1.15),
    "Воронеж": (0.04, 36, 1.0), "Пермь": (0.04, 59, 1.1),
}
_SEGMENTS = ("Розница", "HoReCa", "Опт", "Сети", "Дистрибьютор")
_LONG_FORM = {"ООО": "Общество с ограниченной ответственностью",
              "АО": "Акционерное общество", "ПАО": "Публичное акционерное общество",
              "ЗАО": "Закрытое акционерное общество", "ИП": "Индивидуальный предприниматель"}
_TRANSLIT = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r",
     "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"],
    strict=True))
_LOOKALIKE = {"а": "a", "о": "o", "с": "c", "р": "p", "е": "e", "А": "A", "О": "O",
              "С": "C", "Р": "P", "Е": "E", "К": "K", "М": "M", "Т": "T"}

_PRODUCTS_RU = [  # name, unit weighable?, typical gross price (RUB), VAT rate
    ("Кофе зерновой", False, 1400, 20), ("Кофе молотый", False, 650, 20),
    ("Чай чёрный", False, 320, 20), ("Чай зелёный", False, 340, 20),
    ("Сахар-песок", False, 95, 10), ("Мука пшеничная", False, 80, 10),
    ("Масло подсолн.", False, 160, 10), ("Крупа гречневая", False, 120, 10),
    ("Рис длиннозерн.", False, 140, 10), ("Макароны", False, 110, 10),
    ("Сыр Российский", True, 750, 10), ("Колбаса с/к", True, 1300, 10),
    ("Ветчина", True, 690, 10), ("Масло сливочное", False, 210, 10),
    ("Молоко 3,2%", False, 95, 10), ("Сок яблочный", False, 150, 20),
    ("Вода минер.", False, 60, 20), ("Шоколад", False, 120, 20),
    ("Печенье", False, 140, 20), ("Конфеты", True, 650, 20),
    ("Консервы рыбные", False, 190, 10), ("Горошек зелёный", False, 110, 10),
    ("Кетчуп", False, 130, 20), ("Майонез", False, 150, 20),
    ("Специи", False, 90, 20), ("Салфетки бум.", False, 70, 20),
    ("Стаканы одноразовые", False, 260, 20), ("Моющее средство", False, 230, 20),
    ("Перчатки нитрил.", False, 480, 20), ("Пакеты фасов.", False, 180, 20),
    ("Плёнка пищевая", False, 390, 20), ("Контейнеры пласт.", False, 560, 20),
    ("Фольга алюмин.", False, 310, 20), ("Мясо говядина", True, 780, 10),
    ("Филе куриное", True, 420, 10), ("Рыба минтай", True, 330, 10),
]
_VARIANTS_RU = ("Эконом", "Классик", "Премиум", "Стандарт", "Люкс", "Фермерский", "Опт",
                "Экстра", "Домашний")
_PRODUCTS_EN = [
    ("Coffee beans", 14.0), ("Ground coffee", 7.5), ("Black tea", 4.0), ("Green tea", 4.2),
    ("Sugar", 1.2), ("Flour", 0.9), ("Sunflower oil", 2.4), ("Rice", 1.9), ("Pasta", 1.4),
    ("Cheddar", 9.5), ("Salami", 14.0), ("Butter", 2.8), ("Milk", 1.1), ("Apple juice", 1.9),
    ("Mineral water", 0.7), ("Chocolate", 1.6), ("Biscuits", 1.8), ("Canned tuna", 2.3),
    ("Ketchup", 1.7), ("Mayonnaise", 1.9), ("Spices", 1.2), ("Napkins", 0.9),
    ("Paper cups", 3.2), ("Detergent", 3.0), ("Nitrile gloves", 6.0), ("Food film", 4.5),
    ("Containers", 6.5), ("Foil", 3.8), ("Olive oil", 7.0), ("Frozen fries", 2.6),
]
_VARIANTS_EN = ("Basic", "Classic", "Premium", "Organic", "Catering", "Value", "Gold",
                "Select", "Bulk", "Family")
_EN_BRANDS = (
    "Acme", "Apex", "Northwind", "Bluebird", "Harbor", "Summit", "Evergreen", "Pioneer",
    "Crescent", "Falcon", "Meridian", "Horizon", "Atlas", "Keystone", "Granite", "Riverside",
    "Sterling", "Orchard", "Beacon", "Lighthouse", "Cobalt", "Silverline", "Maple", "Oakwood",
    "Redwood", "Willow", "Juniper", "Cedar", "Aurora", "Polaris", "Vertex", "Zenith", "Nova",
    "Quantum", "Fusion", "Vanguard", "Paragon", "Triton", "Orion", "Phoenix", "Delta", "Sigma",
    "Omega", "Alpine", "Coastal", "Prairie", "Sunrise", "Sunset", "Starlight", "Moonstone",
    "Ironbridge", "Copperfield", "Brookside", "Lakeside", "Hillcrest", "Westgate", "Eastwood",
    "Northgate", "Southport", "Kingsway", "Queensbury", "Ashford", "Bramble", "Clover", "Daisy",
    "Fern", "Heather", "Ivy", "Laurel", "Myrtle", "Poppy", "Rosewood", "Saffron", "Thistle",
    "Violet", "Wren", "Robin", "Swift", "Heron", "Kestrel", "Osprey", "Puffin", "Raven", "Sparrow",
    "Finch", "Lark", "Plover", "Tern", "Avalon", "Camelot", "Everest", "Fjord", "Glacier",
    "Highland", "Isle", "Jade", "Kinetic", "Lumen", "Marble", "Nimbus", "Onyx", "Pinnacle",
    "Quartz", "Radiant", "Solstice", "Tundra", "Umbra", "Vista", "Wavecrest", "Xenon", "Yukon",
    "Zephyr", "Amber", "Bronze", "Crimson", "Ember", "Flint", "Garnet", "Indigo", "Jasper",
    "Krypton", "Lapis", "Mosaic", "Nectar", "Opal", "Pearl", "Quill", "Ruby", "Slate", "Topaz",
    "Ultra", "Velvet", "Woodland", "Yarrow", "Zinc", "Albion", "Baxter", "Carlton", "Dalton",
    "Emerson", "Fairfax", "Grafton", "Hampton", "Irving", "Jefferson", "Kendall", "Lancaster",
    "Madison", "Newton", "Oxford", "Preston", "Quincy", "Rutherford", "Sheldon", "Thornton",
    "Upton", "Vernon", "Walton", "Yardley", "Ashby", "Belmont", "Chester", "Denton", "Easton",
    "Fulton", "Gresham", "Holloway"
)
_EN_FORMS = ("Ltd", "GmbH", "B.V.", "SAS", "S.p.A.", "AB", "Oy", "S.L.", "LLC", "Sp. z o.o.")
_EN_LONG_FORM = {"Ltd": "Limited", "GmbH": "Gesellschaft mbH", "B.V.": "BV", "SAS": "S.A.S.",
                 "S.p.A.": "SpA", "AB": "Aktiebolag", "Oy": "Oyj", "S.L.": "SL",
                 "LLC": "L.L.C.", "Sp. z o.o.": "Sp.z o.o."}
_EN_REGIONS = {"Germany": ("DE", 0.25), "France": ("FR", 0.18), "Netherlands": ("NL", 0.14),
               "Italy": ("IT", 0.12), "Spain": ("ES", 0.1), "Poland": ("PL", 0.08),
               "Sweden": ("SE", 0.07), "Belgium": ("BE", 0.06)}
_EN_SEGMENTS = ("Retail", "HoReCa", "Wholesale", "Chains", "Distributor")
_EN_FIRST = (
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Klara",
    "Lukas", "Marta", "Noah", "Olivia", "Paul", "Rosa", "Simon", "Tessa", "Victor", "Sofia",
    "Marco", "Elena", "Pierre", "Julia"
)
_EN_LAST = (
    "Schmidt", "Dubois", "Jansen", "Rossi", "Garcia", "Kowalski", "Andersson", "Peeters", "Müller",
    "Martin", "Bakker", "Bianchi", "Lopez", "Nowak", "Johansson", "Maes", "Fischer", "Bernard",
    "Visser", "Ricci"
)


# --------------------------------------------------------------------------- small helpers


def _choice(rng: np.random.Generator, items: Any, n: int, p: Any = None) -> np.ndarray:
    arr = np.asarray(list(items), dtype=object)
    return arr[rng.choice(len(arr), size=n, p=p)]


def _digits_str(d: np.ndarray) -> np.ndarray:
    """Rows of digits → strings."""
    return np.array(["".join(map(str, row)) for row in d.tolist()], dtype=object)


def _inn_check(d: np.ndarray, w: tuple[int, ...]) -> np.ndarray:
    return (d[:, : len(w)] @ np.array(w)) % 11 % 10


def _make_inns(rng: np.random.Generator, region: np.ndarray, person: np.ndarray) -> np.ndarray:
    """Valid, unique INNs: 10 digits for companies, 12 for sole proprietors."""
    n = len(region)
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    while len(todo):
        d = rng.integers(0, 10, size=(len(todo), 12))
        d[:, 0], d[:, 1] = region[todo] // 10, region[todo] % 10
        d[:, 2] = rng.integers(0, 5, size=len(todo))
        d[:, 9] = _inn_check(d, (2, 4, 10, 3, 5, 9, 4, 6, 8))
        ten = _digits_str(d[:, :10])
        d[:, 10] = _inn_check(d, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
        d[:, 11] = _inn_check(d, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
        twelve = _digits_str(d)
        vals = np.where(person[todo], twelve, ten)
        again = []
        for i, v in zip(todo.tolist(), vals.tolist(), strict=True):
            if v in seen:
                again.append(i)
            else:
                seen.add(v)
                out[i] = v
        todo = np.array(again, dtype=int)
    return out


def _vat_id(country: str, x: int) -> str:
    """A valid VAT number of ``country`` made from the 9-digit number ``x`` (no random draw:
    the same ``x`` gives the same id): the country's shape, the check digits computed by its
    rule (:func:`kamlib.identifiers.vat_with_check_digits`, verified with python-stdnum)."""
    from .identifiers import vat_with_check_digits

    for k in range(100):  # a body whose check digit is impossible (10) moves on by one
        d = str(x + k)
        draft = {"DE": f"DE{d[:8]}0", "FR": f"FR00{d[:8]}0", "NL": f"NL{d[:8]}0B01",
                 "IT": f"IT{d[:7]}{int(d[7:]) % 100 + 1:03d}0", "ES": f"ESB{d[:7]}0",
                 "PL": f"PL{d}0", "SE": f"SE{d}001", "BE": f"BE0{d[:7]}00"}.get(country)
        if draft is None:
            raise ValueError(f"no VAT number rule for {country}")
        vat = vat_with_check_digits(draft)
        if vat is not None:
            return vat
    raise ValueError(f"no valid {country} VAT number near {x}")  # pragma: no cover


def _make_vat_ids(countries: np.ndarray, numbers: np.ndarray) -> list[str]:
    """Valid foreign VAT numbers (python-stdnum's check), one per entity: the country's
    prefix and format, the digits from ``numbers``."""
    return [_vat_id(str(c), int(x)) for c, x in zip(countries, numbers, strict=True)]


def _break_inn(inn: str, k: int) -> str:
    """The same INN with a wrong last check digit."""
    last = (int(inn[-1]) + 1 + k % 9) % 10
    return inn[:-1] + str(last)


def _make_ogrns(rng: np.random.Generator, region: np.ndarray, person: np.ndarray) -> np.ndarray:
    n = len(region)
    yy = rng.integers(2, 23, size=n)
    body = rng.integers(0, 10**7, size=n)
    body_ip = rng.integers(0, 10**9, size=n)
    out = []
    for i in range(n):
        if person[i]:
            s = f"3{yy[i]:02d}{region[i]:02d}{body_ip[i]:09d}"
            out.append(s + str(int(s) % 13 % 10))
        else:
            s = f"1{yy[i]:02d}{region[i]:02d}{body[i]:07d}"
            out.append(s + str(int(s) % 11 % 10))
    return np.array(out, dtype=object)


def _female(surname: str) -> str:
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин", "ын")) else surname


def _people(rng: np.random.Generator, n: int) -> list[tuple[str, str, str]]:
    """``n`` distinct (surname, first name, patronymic) triples."""
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    while len(out) < n:
        fem = rng.random() < 0.35
        s = _SURNAMES[rng.integers(len(_SURNAMES))]
        p = _PATRONYMICS[rng.integers(len(_PATRONYMICS))]
        t = ((_female(s), _FEMALE[rng.integers(len(_FEMALE))], p[1]) if fem
             else (s, _MALE[rng.integers(len(_MALE))], p[0]))
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def _brands_ru(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct brand words: proper names first, then compounds (``Агроснаб``)."""
    compounds = [p + s for p in _PREFIX for s in _SUFFIX if p.lower() != s]
    compounds = [compounds[i] for i in rng.permutation(len(compounds))]
    proper = [_PROPER[i] for i in rng.permutation(len(_PROPER))]
    pool = proper + compounds
    if n > len(pool):
        extra = [f"{b}-{m}" for m in ("М", "Плюс", "Юг", "Центр", "2000") for b in compounds]
        pool += extra
    return pool[:n]


def _translit(s: str) -> str:
    out = []
    for ch in s:
        low = ch.lower()
        t = _TRANSLIT.get(low)
        if t is None:
            out.append(ch)
        else:
            out.append(t.capitalize() if ch != low and t else t)
    return "".join(out)


def _lookalike(s: str, k: int) -> str:
    """Replace one or two Cyrillic letters by their Latin look-alikes."""
    idx = [i for i, ch in enumerate(s) if ch in _LOOKALIKE]
    if not idx:
        return s + " "
    chosen = {idx[k % len(idx)], idx[(k * 7 + 3) % len(idx)]}
    return "".join(_LOOKALIKE[ch] if i in chosen else ch for i, ch in enumerate(s))


def _short_person(person: tuple[str, str, str]) -> str:
    return f"{person[0]} {person[1][0]}.{person[2][0]}."


def _ru_name(form: str, brand: str, style: int) -> str:
    """Catalogue name of a company in one of the usual spellings."""
    return [f"{form} «{brand}»", f'{form} "{brand}"', f"{brand} {form}"][style % 3]


def _ru_dup_variant(form: str, brand: str, person: tuple[str, str, str] | None,
                    kind: int) -> str:
    """One misspelt duplicate of a catalogue name; ``kind`` picks the spelling."""
    if person is not None:
        full = " ".join(person)
        return [f"{_short_person(person)} ИП", f"ИП {person[0]} {person[1][0]}. {person[2][0]}.",
                f"Индивидуальный предприниматель {full}", f"ИП  {full}",
                f"ИП {_lookalike(full, kind)}", f"ИП {full.replace('ё', 'е')}",
                f"IP {_translit(full)}", f"ИП {full.upper()}"][kind % 8]
    variants = [
        f"{brand} {form}",
        f"{'OOO' if form == 'ООО' else _translit(form).upper()} {_translit(brand)}",
        f'{form} "{brand}"',
        f"{form} «{_lookalike(brand, kind)}»",
        f"{form} «{brand.replace('ё', 'е') if 'ё' in brand else brand.replace('е', 'ё', 1)}»",
        f"{form}  «{brand}»",
        f'{_LONG_FORM[form]} "{brand}"',
        f"{form} {brand.upper()}",
    ]
    return variants[kind % len(variants)]


# --------------------------------------------------------------------------- the world


@dataclass
class World:
    """All generated tables of one engagement (before formatting)."""

    spec: _Spec
    team: pd.DataFrame
    products: pd.DataFrame
    entities: pd.DataFrame
    clients: pd.DataFrame
    docs: pd.DataFrame
    lines: pd.DataFrame
    activities: pd.DataFrame
    payments: pd.DataFrame
    contacts: pd.DataFrame
    assessment: pd.DataFrame


def build_team(rng: np.random.Generator, spec: _Spec) -> pd.DataFrame:
    """Sales team: ``spec.team_size`` managers and key account managers (10 and 2 in the
    demos), and a head of sales; the KAMs and the head sit in the first region.

    Returns
    -------
    pandas.DataFrame
        Columns ``person, short, role, annual_cost, hours, region``.
    """
    ru = spec.language == "ru"
    m, k = spec.team_size
    n = m + k + 1
    if ru:
        ppl = _people(rng, n)
        names = [" ".join(p) for p in ppl]
        short = [_short_person(p) for p in ppl]
        regions = list(_REGIONS)
        roles = ["Менеджер по продажам"] * m + ["Ключевой менеджер"] * k \
            + ["Руководитель отдела продаж"]
        base = np.array([2_100_000] * m + [3_300_000] * k + [4_800_000])
    else:
        first = _choice(rng, _EN_FIRST, n)
        last = _choice(rng, _EN_LAST, n)
        names = [f"{a} {b}" for a, b in zip(first, last, strict=True)]
        names = [f"{x} {i}" if names.count(x) > 1 else x for i, x in enumerate(names)]
        short = names
        regions = list(_EN_REGIONS)
        roles = ["Account manager"] * m + ["Key account manager"] * k + ["Head of sales"]
        base = np.array([72_000] * m + [98_000] * k + [140_000])
    cost = np.round(base * rng.uniform(0.9, 1.15, n), -3)
    hours = rng.choice([1680, 1720, 1760, 1800], size=n)
    reg = [regions[i % min(len(regions), 10)] for i in range(m)] + [regions[0]] * (k + 1)
    return pd.DataFrame({"person": names, "short": short, "role": roles,
                         "annual_cost": cost, "hours": hours, "region": reg})


def build_products(rng: np.random.Generator, spec: _Spec, n: int = 300) -> pd.DataFrame:
    """About 300 SKUs with gross/net price, unit cost (margin 15–40%) and VAT rate.

    Prices are in minor units (kopecks / cents). ``weighable`` SKUs sell in 0.5 steps.
    """
    if spec.language == "ru":
        base = [(f"{nm} {v}", w, p, r) for nm, w, p, r in _PRODUCTS_RU for v in _VARIANTS_RU]
    else:
        base = [(f"{nm} {v}", False, 12 * p, 0) for nm, p in _PRODUCTS_EN
                for v in _VARIANTS_EN]
    idx = np.sort(rng.permutation(len(base))[:n])
    rows = [base[i] for i in idx]
    name = [r[0] for r in rows]
    weigh = np.array([r[1] for r in rows])
    price = np.array([r[2] for r in rows], float) * rng.lognormal(0, 0.35, n)
    rate = np.array([r[3] for r in rows])
    gross_k = np.round(price * 100).astype(np.int64)
    net_k = np.round(gross_k * 100 / (100 + rate)).astype(np.int64)
    margin = rng.uniform(0.15, 0.40, n)
    cost_k = np.round(net_k * (1 - margin)).astype(np.int64)
    pop = 1.0 / np.arange(1, n + 1) ** 0.8
    pop = pop[rng.permutation(n)]
    return pd.DataFrame({"sku": np.arange(n), "name": name, "weighable": weigh,
                         "gross_k": gross_k, "net_k": net_k, "vat_rate": rate,
                         "cost_k": cost_k, "margin": margin, "popularity": pop / pop.sum()})


def _plan_entities(rng: np.random.Generator, spec: _Spec, n_clients: int) -> pd.DataFrame:
    """Legal entities with their kind and number of catalogue records."""
    n_dup = max(3, round(spec.n_dup * n_clients))
    n_branch = round(spec.n_branch * n_clients)
    n_hold = len(spec.holding_shares) if spec.holding else 0
    n_ghost = 4 if spec.noise else 0
    dup_recs = rng.choice([2, 2, 3, 3, 4], size=n_dup)
    br_recs = rng.choice([2, 3, 3, 4, 5], size=n_branch)
    top_recs = [5 if n_branch else 1, 3, 1]
    used = int(dup_recs.sum() + br_recs.sum()) + n_hold + sum(top_recs)
    n_never = round(0.10 * n_clients)
    n_single = n_clients - used - n_never
    if n_single < 20:
        raise ValueError(f"n_clients={n_clients} is too small for this profile")
    kinds = (["top"] * 3 + ["dup"] * n_dup + ["branch"] * n_branch + ["holding"] * n_hold
             + ["single"] * n_single + ["never"] * n_never + ["ghost"] * n_ghost)
    nrec = (top_recs + dup_recs.tolist() + br_recs.tolist() + [1] * n_hold
            + [1] * n_single + [1] * n_never + [1] * n_ghost)
    ent = pd.DataFrame({"kind": kinds, "nrec": nrec})
    # top-1 is a chain with branches, top-2 is duplicated under 3 codes, top-3 is single
    ent["sub"] = ent["kind"]
    ent.loc[[0, 1, 2], "sub"] = ["branch" if n_branch else "single", "dup", "single"]
    return ent


def _swap_brand(ent: pd.DataFrame, i: int, brand: str) -> None:
    """Give entity ``i`` the brand ``brand``; its holder (if any) gets ``i``'s brand."""
    holder = ent.index[ent["brand"] == brand]
    if len(holder):
        ent.loc[holder, "brand"] = ent.loc[i, "brand"]
    ent.loc[i, "brand"] = brand


def build_entities(rng: np.random.Generator, spec: _Spec, n_clients: int) -> pd.DataFrame:
    """Legal entities: identity, region, segment, manager, activity pattern and revenue share.

    Returns
    -------
    pandas.DataFrame
        One row per legal entity (ghost entities are sold to but have no catalogue record).
    """
    ent = _plan_entities(rng, spec, n_clients)
    n = len(ent)
    ru = spec.language == "ru"
    regions = list(_REGIONS) if ru else list(_EN_REGIONS)
    rw = np.array([v[0] for v in _REGIONS.values()] if ru
                  else [v[1] for v in _EN_REGIONS.values()])
    ent["region"] = _choice(rng, regions, n, rw / rw.sum())
    # identity
    if ru:
        person = rng.random(n) < 0.25
        person[:3] = False
        person[(ent["kind"] == "holding").to_numpy()] = False
        person[(ent["sub"] == "branch").to_numpy()] = False
        ent["form"] = np.where(person, "ИП", _choice(
            rng, ["ООО", "АО", "ПАО", "ЗАО"], n, [0.84, 0.08, 0.02, 0.06]))
        ent.loc[2, "form"] = "ПАО"
        person[np.flatnonzero((ent["kind"] == "single").to_numpy())[:2]] = False  # key, VIP
        company = ~person
        # proper names go to the duplicated companies first: they make readable examples
        is_dup = (ent["sub"] == "dup").to_numpy()
        order = np.r_[np.flatnonzero(is_dup & company), np.flatnonzero(~is_dup & company)]
        ent["brand"] = ""
        ent.loc[order, "brand"] = _brands_ru(rng, len(order))
        dup_co = np.flatnonzero(is_dup & company & (ent["kind"] == "dup").to_numpy())
        if len(dup_co):
            _swap_brand(ent, int(dup_co[0]), "Ромашка")
        _swap_brand(ent, 0, "Магнолия")
        ppl = _people(rng, n)
        ent["person"] = [ppl[i] if person[i] else None for i in range(n)]
        hold = np.flatnonzero(ent["kind"] == "holding")
        for i, (f, b, r) in zip(hold, _HOLDING_NAMES, strict=False):
            ent.loc[i, ["form", "brand", "region"]] = [f, b, r]
        code = np.array([_REGIONS[r][1] for r in ent["region"]])
        ent["inn"] = _make_inns(rng, code, person)
        ent["ogrn"] = _make_ogrns(rng, code, person)
        ent["kpp"] = [None if p else f"{inn[:4]}01001" for p, inn in zip(person, ent["inn"],
                                                                            strict=True)]
        seg_p = np.where(person[:, None], [0.55, 0.35, 0.1, 0.0, 0.0],
                         [0.3, 0.2, 0.25, 0.12, 0.13])
        ent["segment"] = [_SEGMENTS[rng.choice(5, p=p)] for p in seg_p]
    else:
        person = np.zeros(n, bool)
        forms = _choice(rng, _EN_FORMS, n)
        ent["form"] = forms
        plain = [_EN_BRANDS[i] for i in rng.permutation(len(_EN_BRANDS))]
        more = [f"{b} {t}" for t in ("Foods", "Trading", "Supply", "Catering", "Retail")
                for b in _EN_BRANDS]
        pool = plain + [more[i] for i in rng.permutation(len(more))]
        order = np.r_[np.flatnonzero(ent["sub"] == "dup"), np.flatnonzero(ent["sub"] != "dup")]
        ent["brand"] = ""
        ent.loc[order, "brand"] = pool[:n]
        dup1 = np.flatnonzero(ent["kind"] == "dup")
        if len(dup1):
            acme = ent.index[ent["brand"] == "Acme"]
            ent.loc[acme, "brand"] = ent.loc[dup1[0], "brand"]
            ent.loc[dup1[0], ["brand", "form"]] = ["Acme", "Ltd"]
        ent["person"] = None
        cc = np.array([_EN_REGIONS[r][0] for r in ent["region"]])
        num = rng.integers(10**8, 10**9, size=n)
        ent["inn"] = _make_vat_ids(cc, num)
        ent["ogrn"] = None
        ent["kpp"] = None
        ent["segment"] = _choice(rng, _EN_SEGMENTS, n, [0.3, 0.2, 0.25, 0.12, 0.13])
    ent.loc[0, "segment"] = "Сети" if ru else "Chains"
    ent.loc[1, "segment"] = "Дистрибьютор" if ru else "Distributor"
    ent.loc[2, "segment"] = "Опт" if ru else "Wholesale"
    ent["person_flag"] = person
    _plan_activity(rng, spec, ent)
    _plan_revenue(rng, spec, ent)
    return ent


def _plan_activity(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame) -> None:
    """Status targets and ordering windows (day indices from the period start)."""
    n = len(ent)
    n_days = (spec.end - spec.start).days + 1
    buying = ent["kind"] != "never"
    # the special entities: key client and VIP (ranks 4 and 6 by revenue in the demos)
    singles = np.flatnonzero(ent["kind"] == "single")
    ent["role"] = ""
    ent.loc[[0, 1, 2], "role"] = ["top1", "top2", "top3"]
    planted = dict(spec.special_shares)
    special = [singles[j] for j, r in enumerate(("key", "vip")) if r in planted]
    for j, r in enumerate(("key", "vip")):
        if r in planted:
            ent.loc[singles[j], "role"] = r
            ent.loc[singles[j], "segment"] = "Сети" if spec.language == "ru" else "Chains"
    if "vip" in planted:
        ent.loc[singles[1], "brand"] = "Престиж-Маркет" if spec.language == "ru" \
            else "Prestige Foods"
    if spec.language == "ru" and special:
        ent.loc[special, "form"] = "ООО"
        ent.loc[special, "person"] = None
        ent.loc[special, "person_flag"] = False
    eligible = np.flatnonzero(buying & (ent["role"] == "") & (ent["kind"] != "ghost")
                              & (ent["kind"] != "holding"))
    eligible = eligible[rng.permutation(len(eligible))]
    n_buy = int(buying.sum())
    n_lost, n_dorm, n_new = round(0.15 * n_buy), round(0.08 * n_buy), round(0.05 * n_buy)
    status = np.array(["active"] * n, dtype=object)
    status[~buying.to_numpy()] = "never"
    status[eligible[:n_lost]] = "lost"
    status[eligible[n_lost:n_lost + n_dorm]] = "dormant"
    status[eligible[n_lost + n_dorm:n_lost + n_dorm + n_new]] = "new"
    ent["target"] = status
    a = np.zeros(n, int)
    b = np.full(n, n_days - 1)
    late_join = (rng.random(n) < 0.2) & (status == "active") & (ent["role"] == "").to_numpy()
    a[late_join] = rng.integers(0, max(1, n_days - 400), late_join.sum())
    lost = status == "lost"
    b[lost] = rng.integers(60, n_days - 380, lost.sum())
    dorm = status == "dormant"
    b[dorm] = n_days - 1 - rng.integers(200, 340, dorm.sum())
    new = status == "new"
    a[new] = n_days - 1 - rng.integers(25, 175, new.sum())
    ent["a"], ent["b"] = a, b


def _plan_revenue(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame) -> None:
    """Revenue shares (top-3 = 40%), lines per document, discounts, returns, payment habits."""
    n = len(ent)
    buying = (ent["target"] != "never").to_numpy()
    w = rng.lognormal(0, 1.5, n)
    w[~buying] = 0
    # revenue accrues while the client buys: scale by the length of its ordering window
    n_days = (spec.end - spec.start).days + 1
    w *= (ent["b"].to_numpy() - ent["a"].to_numpy() + 1) / n_days
    w[(ent["kind"] == "ghost").to_numpy()] = 0.02 * np.median(w[buying])
    role = ent["role"].to_numpy()
    fixed = {"top1": spec.top_shares[0], "top2": spec.top_shares[1],
             "top3": spec.top_shares[2], **dict(spec.special_shares)}
    # the holding's members are mid-sized; together they would rank in the top-10
    hs = spec.holding_shares
    for i, h in enumerate(np.flatnonzero((ent["kind"] == "holding").to_numpy())):
        fixed[f"hold{i}"] = hs[i % len(hs)]
        role = np.where(np.arange(n) == h, f"hold{i}", role)
    rest = ~np.isin(role, list(fixed))
    w[rest] = w[rest] / w[rest].sum() * (1 - sum(fixed.values()))
    for r, share in fixed.items():
        w[role == r] = share
    ent["share"] = w
    lpd = rng.uniform(2.5, 7.0, n)
    lpd[(ent["target"] == "dormant").to_numpy()] = 1.3
    lpd[role == "vip"] = 1.15
    ent["lpd"] = lpd
    disc = np.where(rng.random(n) < 0.4, 0.0, rng.uniform(0.02, 0.08, n))
    disc = np.where(rng.random(n) < 0.1, rng.uniform(0.08, 0.14, n), disc)
    disc[np.isin(role, ["top1", "top2", "top3", "key"])] = 0.06
    disc[role == "vip"] = 0.24
    ent["disc"] = disc
    ent["ret_rate"] = np.where(role == "vip", 0.12, rng.uniform(0.01, 0.035, n))
    ent["terms"] = _choice(rng, [0, 7, 14, 30, 45, 60], n, [0.15, 0.15, 0.2, 0.3, 0.1, 0.1])
    ent.loc[role == "vip", "terms"] = 30
    ent["delay"] = np.clip(rng.normal(2, 6, n), -5, 25)
    ent.loc[role == "vip", "delay"] = 58.0


def _assign_managers(rng: np.random.Generator, ent: pd.DataFrame, team: pd.DataFrame) -> None:
    """Main manager: a sales manager of the entity's region when there is one."""
    mgr = team[team["role"].str.contains("продажам|Account manager", regex=True)]
    by_region = {r: g["short"].tolist() for r, g in mgr.groupby("region", sort=True)}
    pool = mgr["short"].tolist()
    kams = team.loc[team["role"].str.contains("Ключевой|Key account"), "short"].tolist()
    pick = rng.random(len(ent))
    out = []
    for reg, u in zip(ent["region"], pick, strict=True):
        cands = by_region.get(reg, pool) if u < 0.8 else pool
        out.append(cands[int(u * 997) % len(cands)])
    ent["manager"] = out
    big = ent["role"].isin(["top1", "top2", "top3", "key", "vip"])
    ent.loc[big, "manager"] = [kams[i % len(kams)] for i in range(int(big.sum()))]


def build_clients(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame) -> pd.DataFrame:
    """Catalogue records: one per entity, several for duplicates and branches.

    Returns
    -------
    pandas.DataFrame
        ``code, eid, name, full_name, inn, kpp, ogrn, head, group, region, segment,
        manager, terms, created, created_text, deleted, inn_number, rec_weight, inn_case``.
    """
    ru = spec.language == "ru"
    rows: list[dict[str, Any]] = []
    n_days = (spec.end - spec.start).days + 1
    for e in ent.itertuples():
        if e.kind == "ghost":
            continue
        base = {"eid": e.Index, "inn": e.inn, "kpp": e.kpp, "ogrn": e.ogrn, "head": "",
                "group": "", "region": e.region, "segment": e.segment, "manager": e.manager,
                "terms": int(e.terms), "inn_case": ""}
        name, full = _base_names(e, ru, rng)
        rows.append({**base, "name": name, "full_name": full, "variant": 0})
        if e.sub == "dup":
            rows.extend(_dup_records(rng, e, base, name, ru))
        elif e.sub == "branch":
            rows.extend(_branch_records(rng, e, base, name, ru))
    cl = pd.DataFrame(rows)
    # created: before the entity's first order; duplicates were re-created later
    start = pd.Timestamp(spec.start)
    a = ent["a"].to_numpy()[cl["eid"]]
    old = rng.integers(0, 365 * 10, len(cl))
    created = np.where(a > 0, a - rng.integers(1, 40, len(cl)), -old - 1)
    later = cl["variant"].to_numpy() > 0
    created[later] = np.minimum(created[later] + rng.integers(30, 900, later.sum()), n_days - 30)
    never = (ent["kind"].to_numpy()[cl["eid"]] == "never")
    created[never] = rng.integers(-3650, n_days - 10, never.sum())
    cl["created"] = start + pd.to_timedelta(created, unit="D")
    cl = cl.sort_values(["created", "eid", "variant"], kind="stable").reset_index(drop=True)
    cl["code"] = [f"00-{i + 1:06d}" if ru else f"C{i + 1:05d}" for i in range(len(cl))]
    w = rng.uniform(0.3, 1.0, len(cl))
    cl["rec_weight"] = w
    cl["created_text"] = (rng.random(len(cl)) < 0.08) if ru else False
    _catalogue_noise(rng, spec, cl, ent)
    for col in ("inn", "kpp", "ogrn", "head", "group", "full_name"):
        cl[col] = cl[col].astype(object).where(cl[col].notna(), "").astype(str)
    return cl


def _base_names(e: Any, ru: bool, rng: np.random.Generator) -> tuple[str, str]:
    if not ru:
        return f"{e.brand} {e.form}", f"{e.brand} {_EN_LONG_FORM[e.form]}"
    if e.person is not None:
        full = " ".join(e.person)
        return f"ИП {full}", f"Индивидуальный предприниматель {full}"
    style = int(rng.integers(3))
    return _ru_name(e.form, e.brand, style), f'{_LONG_FORM[e.form]} "{e.brand}"'


def _dup_records(rng: np.random.Generator, e: Any, base: dict[str, Any], base_name: str,
                 ru: bool) -> list[dict[str, Any]]:
    """2–4 catalogue records of one entity under different spellings and INN quality."""
    case = str(rng.choice(["shared"] * 5 + ["missing"] * 3 + ["typo"])) \
        if ru else "shared"
    names: list[str] = []
    for k in rng.permutation(8).tolist():
        if ru:
            name = _ru_dup_variant(e.form, e.brand, e.person, k)
        else:
            dot = "" if e.form.endswith(".") else "."
            name = [f"{e.brand.upper()} {_EN_LONG_FORM[e.form]}", f"{e.brand} {e.form}{dot}",
                    f"{e.brand}  {e.form}", f"{e.brand} {e.form} ({e.region})",
                    f"{e.brand.lower()} {e.form.lower()}", f"{e.brand}-{e.form}",
                    f"{e.brand} {_EN_LONG_FORM[e.form]}", f"The {e.brand} {e.form}"][k]
        if name != base_name and name not in names:
            names.append(name)
    out = []
    for j, (k, name) in enumerate(enumerate(names[: e.nrec - 1])):
        rec = {**base, "name": name, "full_name": "" if j % 2 else name, "variant": j + 1}
        if j == 0 and case == "missing":
            rec["inn"], rec["kpp"], rec["inn_case"] = "", None, "missing"
        elif j == 0 and case == "typo":
            rec["inn"], rec["inn_case"] = _break_inn(e.inn, k) if ru else e.inn[:-1] + "X", \
                "typo"
        else:
            rec["inn_case"] = case
        out.append(rec)
    return out


def _branch_records(rng: np.random.Generator, e: Any, base: dict[str, Any], head: str,
                    ru: bool) -> list[dict[str, Any]]:
    """Branches: same INN, another KPP and region, the head's name in 'Головной контрагент'."""
    regions = [r for r in _REGIONS if r != e.region]
    picks = rng.permutation(len(regions))[: e.nrec - 1]
    out = []
    for j, p in enumerate(picks.tolist()):
        reg = regions[p]
        code = _REGIONS[reg][1]
        kpp = f"{code:02d}{rng.integers(1, 99):02d}43{j + 1:03d}"
        out.append({**base, "name": f"{e.brand} (филиал {reg})",
                    "full_name": f'{_LONG_FORM[e.form]} "{e.brand}" филиал {reg}',
                    "kpp": kpp, "head": head, "region": reg, "variant": j + 1,
                    "inn_case": "branch"})
    return out


def _catalogue_noise(rng: np.random.Generator, spec: _Spec, cl: pd.DataFrame,
                     ent: pd.DataFrame) -> None:
    """Deletion marks, empty and invalid INNs, INNs stored as numbers, holding 'Группа'."""
    n = len(cl)
    kind = ent["kind"].to_numpy()[cl["eid"]]
    role = ent["role"].to_numpy()[cl["eid"]]
    target = ent["target"].to_numpy()[cl["eid"]]
    cl["deleted"] = False
    cl["inn_number"] = False
    cl["inn_noise"] = ""
    if kind.size and (kind == "holding").any():
        hold = np.flatnonzero(kind == "holding")
        cl.loc[hold[[0, 1, 3]], "group"] = "Стройгарант"
    if not spec.noise:
        return
    plain = (kind == "single") & (role == "")
    cand_del = np.flatnonzero(((kind == "never") | (target == "lost")) | (
        (cl["variant"].to_numpy() > 0) & (kind == "dup")))
    dele = rng.choice(cand_del, size=min(len(cand_del), round(0.03 * n)), replace=False)
    cl.loc[dele, "deleted"] = True
    free = np.flatnonzero(plain | (kind == "never"))
    free = free[rng.permutation(len(free))]
    n_empty, n_bad, n_num = round(0.015 * n), round(0.008 * n), round(0.01 * n)
    empty = free[:n_empty]
    cl.loc[empty, ["inn", "inn_noise"]] = ["", "empty"]
    cl.loc[empty, "kpp"] = None
    bad = free[n_empty:n_empty + n_bad]
    cl.loc[bad, "inn"] = [_break_inn(x, i) for i, x in enumerate(cl.loc[bad, "inn"])]
    cl.loc[bad, "inn_noise"] = "invalid"
    has_inn = np.flatnonzero((cl["inn"].str.len() > 0).to_numpy() & (cl["inn_noise"] == "")
                             .to_numpy())
    zero = has_inn[cl["inn"].to_numpy()[has_inn].astype(str).astype("U1") == "0"]
    num = np.r_[rng.choice(zero, size=min(n_num // 3, len(zero)), replace=False),
                rng.choice(np.setdiff1d(has_inn, zero), size=n_num - min(n_num // 3, len(zero)),
                           replace=False)]
    cl.loc[num, "inn_number"] = True


# --------------------------------------------------------------------------- sales


def _day_cdf(spec: _Spec) -> np.ndarray:
    """Cumulative weight of each day: seasonality, a mild trend, no orders at weekends."""
    days = pd.date_range(spec.start, spec.end, freq="D")
    month_f = np.array([0.85, 0.95, 1.08, 1.05, 1.0, 1.02, 0.9, 0.92, 1.02, 1.05, 1.0, 1.16])
    w = month_f[days.month - 1] * (1 + 0.06 * (days.year - spec.start.year))
    w = np.where(days.day_of_week >= 5, 0.0, w)
    # the last half-year also receives the latest order of every active client (see
    # build_docs): damp it so the exports stay even in size
    w = np.where(days >= pd.Timestamp(spec.end) - pd.DateOffset(months=6), 0.85 * w, w)
    return np.r_[0.0, np.cumsum(w)]


def _sample_days(rng: np.random.Generator, cdf: np.ndarray, a: np.ndarray,
                 b: np.ndarray) -> np.ndarray:
    """Days drawn from the seasonal density restricted to ``[a, b]`` (inclusive)."""
    lo, hi = cdf[a], cdf[b + 1]
    u = lo + rng.random(len(a)) * (hi - lo)
    d = np.searchsorted(cdf, u, side="right") - 1
    return np.clip(d, a, b)


def _last_weekday_before(spec: _Spec, day: np.ndarray) -> np.ndarray:
    dates = pd.Timestamp(spec.start) + pd.to_timedelta(day, unit="D")
    dow = np.asarray(dates.day_of_week)
    return day - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))


def build_docs(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame, cl: pd.DataFrame,
               n_lines: int) -> pd.DataFrame:
    """Sales documents: entity, catalogue record, date, time and number of lines."""
    share = ent["share"].to_numpy()
    buying = share > 0
    p = np.where(buying, share ** 0.7, 0)
    p[(ent["role"] == "vip").to_numpy()] = 0.0
    n_vip = round(spec.vip_lines_share * n_lines) if (ent["role"] == "vip").any() else 0
    base = np.where(buying, 2, 0)
    base[(ent["target"] == "dormant").to_numpy()] = 24
    free = n_lines - base.sum() - n_vip
    lines = base + rng.multinomial(free, p / p.sum())
    lines[(ent["role"] == "vip").to_numpy()] = n_vip
    ndoc = np.where(buying, np.maximum(1, np.round(lines / ent["lpd"].to_numpy())), 0)
    ndoc = np.where((ent["target"] != "new").to_numpy() & (lines >= 2), np.maximum(ndoc, 2),
                    ndoc)
    ndoc = np.minimum(np.maximum(ndoc, ent["nrec"].to_numpy() * buying), lines).astype(int)
    ent["n_lines"], ent["n_docs"] = lines, ndoc
    eid = np.repeat(np.arange(len(ent)), ndoc)
    a, b = ent["a"].to_numpy()[eid], ent["b"].to_numpy()[eid]
    cdf = _day_cdf(spec)
    day = _sample_days(rng, cdf, a, b)
    docs = pd.DataFrame({"eid": eid, "day": day})
    # active clients ordered recently; dormant ones stop at their window end
    n_days = len(cdf) - 1
    last = docs.groupby("eid")["day"].idxmax()
    first = docs.groupby("eid")["day"].idxmin()
    first = first[np.isin(ent["target"].to_numpy()[first.index], ["active", "dormant"])
                  & ~first.isin(last.to_numpy())]
    tgt = ent["target"].to_numpy()[last.index]
    stale = docs["day"].to_numpy()[last.to_numpy()] < n_days - 75
    fix_active = last[np.isin(tgt, ["active", "new"]) & stale].to_numpy()
    docs.loc[fix_active, "day"] = _last_weekday_before(
        spec, n_days - 1 - rng.integers(0, 70, len(fix_active)))
    fa, fb = ent["a"].to_numpy()[first.index], ent["b"].to_numpy()[first.index]
    docs.loc[first.to_numpy(), "day"] = _sample_days(rng, cdf, fa, fa + (fb - fa) // 3)
    fix_dorm = last[tgt == "dormant"]
    docs.loc[fix_dorm.to_numpy(), "day"] = _last_weekday_before(
        spec, ent["b"].to_numpy()[fix_dorm.index])
    docs["time"] = rng.integers(8 * 3600, 19 * 3600, len(docs))
    docs["rec"] = _pick_records(rng, docs["eid"].to_numpy(), cl, len(ent))
    docs["n_lines"] = _lines_per_doc(rng, eid, ndoc, lines)
    docs["is_return"] = False
    return docs


def _pick_records(rng: np.random.Generator, eid: np.ndarray, cl: pd.DataFrame,
                  n_ent: int) -> np.ndarray:
    """Catalogue record (row of ``cl``, -1 for ghosts) of each document, by record weight."""
    order = np.lexsort((cl["code"].to_numpy(), cl["eid"].to_numpy()))
    c = cl.iloc[order]
    w = c["rec_weight"].to_numpy()
    tot = c.groupby("eid", sort=True)["rec_weight"].transform("sum").to_numpy()
    cum = c.groupby("eid", sort=True)["rec_weight"].cumsum().to_numpy() / tot
    keys = c["eid"].to_numpy() + np.minimum(cum, 1.0) - 1e-12 * (w == 0)
    has = np.zeros(n_ent, bool)
    has[c["eid"].to_numpy()] = True
    pos = np.searchsorted(keys, eid + rng.random(len(eid)) * 0.999999, side="right")
    pos = np.minimum(pos, len(keys) - 1)
    rec = order[pos]
    # every record of the entity gets at least one document when there are enough
    c_eid = c["eid"].to_numpy()
    start = np.searchsorted(c_eid, eid, side="left")
    cnt = np.bincount(c_eid, minlength=n_ent)
    rank = pd.Series(eid).groupby(eid).cumcount().to_numpy()
    m = has[eid] & (rank < cnt[eid])
    rec[m] = order[start[m] + rank[m]]
    return np.where(has[eid], rec, -1)


def _lines_per_doc(rng: np.random.Generator, eid: np.ndarray, ndoc: np.ndarray,
                   lines: np.ndarray) -> np.ndarray:
    """Split each entity's lines over its documents, at least one line each."""
    out = np.ones(len(eid), dtype=int)
    offset = np.r_[0, np.cumsum(ndoc)[:-1]]
    extra = lines - ndoc
    ent_of_extra = np.repeat(np.arange(len(ndoc)), np.maximum(extra, 0))
    pick = offset[ent_of_extra] + (rng.random(len(ent_of_extra))
                                   * ndoc[ent_of_extra]).astype(int)
    np.add.at(out, pick, 1)
    return out


def build_lines(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                docs: pd.DataFrame, prod: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sales lines (and return lines with their documents), amounts in minor units."""
    doc_idx = np.repeat(np.arange(len(docs)), docs["n_lines"].to_numpy())
    eid = docs["eid"].to_numpy()[doc_idx]
    n = len(doc_idx)
    total = spec.avg_line * spec.n_lines * (n / max(n, 1))
    total = spec.avg_line * n
    target = ent["share"].to_numpy() * total
    per_line = target / np.maximum(ent["n_lines"].to_numpy(), 1)
    sku = rng.choice(len(prod), size=n, p=prod["popularity"].to_numpy())
    net_price = prod["net_k"].to_numpy()[sku] / 100
    val = per_line[eid] * rng.lognormal(-0.125, 0.5, n)
    q = val / net_price
    weigh = prod["weighable"].to_numpy()[sku]
    qty10 = np.where(weigh, np.maximum(5, np.round(q * 2) * 5), np.maximum(10, np.round(q) * 10))
    qty10 = qty10.astype(np.int64)
    lines = pd.DataFrame({"doc": doc_idx, "eid": eid, "sku": sku, "qty10": qty10})
    d_ent = ent["disc"].to_numpy()[eid]
    vip = (ent["role"].to_numpy()[eid] == "vip")
    on = (rng.random(n) < 0.7) | vip
    lines["disc_rate"] = np.where(on, d_ent * rng.uniform(0.75, 1.25, n), 0.0)
    lines["is_return"] = False
    _amounts(lines, prod, spec)
    ret_lines, ret_docs = _returns(rng, spec, ent, docs, lines, prod)
    docs = pd.concat([docs, ret_docs], ignore_index=True)
    lines = pd.concat([lines, ret_lines], ignore_index=True)
    return lines, docs


def _round_half_up(x: np.ndarray) -> np.ndarray:
    return (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64)


def _amounts(lines: pd.DataFrame, prod: pd.DataFrame, spec: _Spec) -> None:
    """List, discount, gross, VAT, net and cost amounts in minor units (positive)."""
    sku = lines["sku"].to_numpy()
    q10 = lines["qty10"].to_numpy()
    rate = prod["vat_rate"].to_numpy()[sku]
    lst = _round_half_up(q10 * prod["gross_k"].to_numpy()[sku] / 10)
    disc = _round_half_up(lst * lines["disc_rate"].to_numpy())
    gross = lst - disc
    vat = _round_half_up(gross * rate / (100 + rate))
    lines["list_k"], lines["disc_k"], lines["gross_k"] = lst, disc, gross
    lines["vat_k"], lines["net_k"] = vat, gross - vat
    lines["cogs_k"] = _round_half_up(q10 * prod["cost_k"].to_numpy()[sku] / 10)
    lines["vat_rate"] = rate


def _returns(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame, docs: pd.DataFrame,
             lines: pd.DataFrame, prod: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return lines (part of a sold line) grouped into one return document per source."""
    rr = ent["ret_rate"].to_numpy()[lines["eid"].to_numpy()]
    src = np.flatnonzero(rng.random(len(lines)) < rr)
    ret = lines.iloc[src].copy()
    frac = rng.uniform(0.1, 1.0, len(ret))
    weigh = prod["weighable"].to_numpy()[ret["sku"].to_numpy()]
    q = ret["qty10"].to_numpy() * frac
    ret["qty10"] = np.where(weigh, np.maximum(5, np.floor(q / 5) * 5),
                            np.maximum(10, np.floor(q / 10) * 10)).astype(np.int64)
    ret["is_return"] = True
    _amounts(ret, prod, spec)
    src_doc = ret["doc"].to_numpy()
    uniq, inv = np.unique(src_doc, return_inverse=True)
    n_days = (spec.end - spec.start).days + 1
    day = docs["day"].to_numpy()[uniq] + rng.integers(2, 40, len(uniq))
    day = _last_weekday_before(spec, np.minimum(day, n_days - 1))
    rdocs = pd.DataFrame({"eid": docs["eid"].to_numpy()[uniq], "day": day,
                          "time": rng.integers(8 * 3600, 19 * 3600, len(uniq)),
                          "rec": docs["rec"].to_numpy()[uniq],
                          "n_lines": np.bincount(inv), "is_return": True})
    ret["doc"] = len(docs) + inv
    return ret, rdocs


def _number_docs(spec: _Spec, docs: pd.DataFrame) -> None:
    """Document numbers, sequential per year and type in date order."""
    start = pd.Timestamp(spec.start)
    dates = start + pd.to_timedelta(docs["day"], unit="D")
    docs["date"] = dates
    docs["year"] = dates.dt.year
    order = docs.sort_values(["is_return", "year", "day", "time", "eid"], kind="stable").index
    seq = docs.loc[order].groupby(["is_return", "year"]).cumcount() + 1
    docs.loc[order, "num"] = seq.to_numpy()
    docs["num"] = docs["num"].astype(int)


# --------------------------------------------------------------------------- other tables


def build_payments(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                   docs: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """One payment row per sales document: due date = date + terms, paid = due + delay."""
    d = docs[(~docs["is_return"]) & (docs["rec"] >= 0)].copy()
    amt = lines[~lines["is_return"]].groupby("doc")["gross_k"].sum()
    d["amount_k"] = amt.reindex(d.index).to_numpy()
    eid = d["eid"].to_numpy()
    due = d["date"] + pd.to_timedelta(ent["terms"].to_numpy()[eid], unit="D")
    delay = np.round(ent["delay"].to_numpy()[eid] + rng.normal(0, 5, len(d)))
    delay = np.where(ent["role"].to_numpy()[eid] == "vip",
                     ent["delay"].to_numpy()[eid] + rng.integers(-12, 30, len(d)), delay)
    paid = due + pd.to_timedelta(delay, unit="D")
    paid = paid.where(paid >= d["date"], d["date"])
    cutoff = pd.Timestamp(2026, 1, 15) if spec.profile == "ru_1c" else pd.Timestamp(2026, 1, 10)
    d["due"], d["paid"] = due, paid.where(paid <= cutoff)
    return d[["eid", "rec", "num", "date", "time", "due", "paid", "amount_k"]]


#: clients of the demo that stopped paying: invoices of 160–300 days before the period end
#: left unpaid (> 90 days past due at the end whatever the terms), for the cash ageing
UNPAID_CLIENTS = 4


def _plant_unpaid(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                  pays: pd.DataFrame) -> None:
    """A few mid-sized clients (revenue ranks 20–60, no planted role) whose invoices of
    160–300 days before the period end are still unpaid (in place; own random stream, so
    nothing else of the sample moves). ``ent['unpaid']`` marks them."""
    end = pd.Timestamp(spec.end)
    window = (pays["date"] >= end - pd.Timedelta(days=300)) & \
        (pays["date"] <= end - pd.Timedelta(days=160))
    rank = ent["share"].rank(ascending=False, method="first")
    ok = (ent["role"] == "") & (ent["kind"] != "ghost") & rank.between(20, 60)
    ok &= ent.index.isin(pays.loc[window, "eid"].unique())
    chosen = rng.choice(np.flatnonzero(ok.to_numpy()), size=min(UNPAID_CLIENTS, int(ok.sum())),
                        replace=False)
    ent["unpaid"] = False
    ent.loc[ent.index[chosen], "unpaid"] = True
    hit = window & pays["eid"].isin(ent.index[chosen])
    pays.loc[hit, "paid"] = pd.NaT


def build_activities(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                     docs: pd.DataFrame) -> pd.DataFrame:
    """Monthly cost-to-serve activities per catalogue record: deliveries, visits, calls, service.

    Returns
    -------
    pandas.DataFrame
        ``rec, eid, month (Timestamp of the month end), activity, qty, cost`` (cost in
        currency units = quantity × the engagement rate).
    """
    d = docs[(~docs["is_return"]) & (docs["rec"] >= 0)].copy()
    d["month"] = d["date"].dt.to_period("M").dt.to_timestamp(how="end").dt.normalize()
    g = d.groupby(["rec", "eid", "month"], sort=True).size().rename("docs").reset_index()
    role = ent["role"].to_numpy()[g["eid"].to_numpy()]
    share = ent["share"].to_numpy()[g["eid"].to_numpy()]
    vip = role == "vip"
    rates = spec.rates
    ru = spec.language == "ru"
    names = ("Доставка", "Визит", "Звонок", "Сервисный выезд") if ru else (
        "Delivery", "Visit", "Call", "Service hours")
    deliv = g["docs"].to_numpy() + np.where(vip, rng.poisson(0.4 * g["docs"].to_numpy()), 0)
    big = share > np.quantile(ent["share"], 0.9)
    visits = np.where(vip, rng.poisson(5, len(g)), np.where(big, rng.poisson(0.8, len(g)), 0))
    calls = rng.poisson(np.where(vip, 12, np.where(big, 3, 0.6)))
    service = np.where(vip, rng.poisson(9, len(g)), np.where(big, rng.poisson(0.15, len(g)), 0))
    parts = []
    for act, q, rate in ((names[0], deliv, rates["delivery"]), (names[1], visits, rates["visit"]),
                         (names[2], calls, 0.0),
                         (names[3], service, rates["service_hour"])):
        part = g[["rec", "eid", "month"]].copy()
        part["activity"], part["qty"] = act, q
        part["cost"] = q * rate
        parts.append(part[part["qty"] > 0])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["month", "rec", "activity"], kind="stable").reset_index(drop=True)


def build_contacts(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                   cl: pd.DataFrame) -> pd.DataFrame:
    """Contacts: 3–8 at large clients, exactly one at the key client, 0–2 elsewhere."""
    main = cl.sort_values(["eid", "variant"]).drop_duplicates("eid").set_index("eid")["code"]
    rank = ent["share"].rank(ascending=False, method="first").to_numpy()
    ru = spec.language == "ru"
    rows = []
    if ru:
        funcs = [("Генеральный директор", "Руководство", "ЛПР", "Высший"),
                 ("Коммерческий директор", "Коммерция", "ЛПР", "Высший"),
                 ("Директор по закупкам", "Закупки", "ЛПР", "Высший"),
                 ("Менеджер по закупкам", "Закупки", "Закупщик", "Средний"),
                 ("Категорийный менеджер", "Закупки", "Влияющий", "Средний"),
                 ("Финансовый директор", "Финансы", "Влияющий", "Высший"),
                 ("Главный бухгалтер", "Финансы", "Пользователь", "Средний"),
                 ("Заведующий складом", "Логистика", "Пользователь", "Исполнитель"),
                 ("Бренд-менеджер", "Маркетинг", "Влияющий", "Средний")]
    else:
        funcs = [("CEO", "Management", "Decision maker", "Executive"),
                 ("Purchasing director", "Purchasing", "Decision maker", "Executive"),
                 ("Buyer", "Purchasing", "Buyer", "Middle"),
                 ("Category manager", "Purchasing", "Influencer", "Middle"),
                 ("CFO", "Finance", "Influencer", "Executive"),
                 ("Accountant", "Finance", "User", "Staff"),
                 ("Warehouse manager", "Logistics", "User", "Staff")]
    n_ent = len(ent)
    k = np.where(rank <= max(40, n_ent // 30), rng.integers(3, 9, n_ent),
                 np.where(rng.random(n_ent) < 0.35, rng.integers(1, 3, n_ent), 0))
    k[(ent["role"] == "key").to_numpy()] = 1
    k[~np.isin(np.arange(n_ent), main.index)] = 0
    people = _people(rng, int(k.sum())) if ru else None
    pi = 0
    last_day = pd.Timestamp(spec.end)
    for e in np.flatnonzero(k):
        f_idx = rng.permutation(len(funcs))[: k[e]]
        if ent.loc[e, "role"] == "key":
            f_idx = np.array([3])
        for j in f_idx.tolist():
            if ru:
                person = " ".join(people[pi])
            else:
                person = f"{_EN_FIRST[rng.integers(len(_EN_FIRST))]} " \
                         f"{_EN_LAST[rng.integers(len(_EN_LAST))]}"
            pi += 1
            pos, func, role, level = funcs[j]
            rows.append({"code": main[e], "person": person, "position": pos, "role": role,
                         "function": func, "level": level, "owner": ent.loc[e, "manager"],
                         "last": last_day - pd.Timedelta(days=int(rng.integers(3, 400)))})
    return pd.DataFrame(rows)


def build_assessment(rng: np.random.Generator, ent: pd.DataFrame,
                     cl: pd.DataFrame, n_top: int = 60) -> pd.DataFrame:
    """Workshop scores 1–10 for the top clients, long format."""
    main = cl.sort_values(["eid", "variant"]).drop_duplicates("eid").set_index("eid")["code"]
    top = [e for e in ent["share"].sort_values(ascending=False, kind="stable").index
           if e in main.index][:n_top]
    crit = ("strategic_fit", "reference_value", "potential", "relationship_stage")
    rows = []
    for e in top:
        base = 8 if ent.loc[e, "role"] in ("key", "top1", "top2", "top3") else 5
        for c in crit:
            s = int(np.clip(base + rng.integers(-3, 3), 1, 10))
            rows.append({"code": main[e], "criterion": c, "score": s})
    return pd.DataFrame(rows)


def _lesson_spec(profile: str, lesson: str | None) -> _Spec:
    """The profile's spec, or the training spec of ``lesson`` (always the ``ru_1c`` style)."""
    base = _SPECS[profile]
    if not lesson:
        return base
    if lesson not in _LESSONS:
        raise ValueError(f"unknown lesson {lesson!r}; use one of {sorted(_LESSONS)}")
    if profile != "ru_1c":
        raise ValueError("training lessons use the ru_1c profile")
    return replace(base, **{**_TRAINING_BASE, **_LESSONS[lesson].spec, "lesson": lesson})


def _lesson_owners(spec: _Spec, ent: pd.DataFrame, team: pd.DataFrame) -> None:
    """Over-staffed team: every KAM of the team table owns some of the largest clients."""
    if spec.lesson != "overstaffed":
        return
    kams = team.loc[team["role"].str.contains("Ключевой|Key account"), "short"].tolist()
    top = ent["share"].sort_values(ascending=False, kind="stable").index[:3 * len(kams)]
    ent.loc[top, "manager"] = [kams[i % len(kams)] for i in range(len(top))]


def _lesson_links(spec: _Spec, cl: pd.DataFrame, ent: pd.DataFrame) -> None:
    """Holding lesson: every member is linked to the group, as 1C exports do it — «Группа»
    for most, «Головной контрагент» (the trading house's name) for the last two."""
    if spec.lesson != "holding":
        return
    hold = cl.index[ent["kind"].to_numpy()[cl["eid"]] == "holding"]
    hold = cl.loc[hold].sort_values("eid").index
    head_name = cl.at[hold[0], "name"]
    cl.loc[hold[:-2], "group"] = "Стройгарант"
    cl.loc[hold[-2:], "head"] = head_name


def build_world(profile: str, n_clients: int | None, n_lines: int | None,
                seed: int, lesson: str | None = None) -> World:
    """Draw every table of one engagement from ``default_rng(seed)``.

    ``lesson`` (a key of ``_LESSONS``) builds a small training engagement instead of the
    profile's demo: the lesson's spec, then its hooks (owners of the largest clients, holding
    links), none of which draws random numbers.
    """
    base = _lesson_spec(profile, lesson)
    spec = _Spec(**{**base.__dict__, "n_clients": n_clients or base.n_clients,
                    "n_lines": n_lines or base.n_lines})
    rng = np.random.default_rng(seed)
    team = build_team(rng, spec)
    prod = build_products(rng, spec)
    ent = build_entities(rng, spec, spec.n_clients)
    _assign_managers(rng, ent, team)
    _lesson_owners(spec, ent, team)
    cl = build_clients(rng, spec, ent)
    _lesson_links(spec, cl, ent)
    docs = build_docs(rng, spec, ent, cl, spec.n_lines)
    lines, docs = build_lines(rng, spec, ent, docs, prod)
    _number_docs(spec, docs)
    pays = build_payments(rng, spec, ent, docs, lines)
    if lesson is None:
        _plant_unpaid(np.random.default_rng([seed, 3]), spec, ent, pays)
    acts = build_activities(rng, spec, ent, docs)
    contacts = build_contacts(rng, spec, ent, cl)
    assess = build_assessment(rng, ent, cl)
    return World(spec, team, prod, ent, cl, docs, lines, acts, pays, contacts, assess)


# --------------------------------------------------------------------------- formatting


def _ru_money(k: np.ndarray) -> list[str]:
    """Minor units → ``-1\u00a0234,56``."""
    out = []
    for v in np.asarray(k, dtype=np.int64).tolist():
        a = abs(v)
        s = f"{a // 100:,}".replace(",", "\u00a0") + f",{a % 100:02d}"
        out.append("-" + s if v < 0 else s)
    return out


def _ru_qty(q10: np.ndarray) -> list[str]:
    out = []
    for v in np.asarray(q10, dtype=np.int64).tolist():
        a = abs(v)
        s = f"{a // 10:,}".replace(",", "\u00a0") + (f",{a % 10}" if a % 10 else "")
        out.append("-" + s if v < 0 else s)
    return out


def _en_money(k: np.ndarray) -> list[str]:
    out = []
    for v in np.asarray(k, dtype=np.int64).tolist():
        a = abs(v)
        out.append(("-" if v < 0 else "") + f"{a // 100}.{a % 100:02d}")
    return out


def _en_qty(q10: np.ndarray) -> list[str]:
    out = []
    for v in np.asarray(q10, dtype=np.int64).tolist():
        a = abs(v)
        out.append(("-" if v < 0 else "") + f"{a // 10}" + (f".{a % 10}" if a % 10 else ""))
    return out


def _ru_dt(dates: pd.Series, secs: np.ndarray | None = None) -> list[str]:
    d = dates.dt.strftime("%d.%m.%Y").tolist()
    if secs is None:
        return [f"{x} 0:00:00" for x in d]
    return [f"{x} {s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
            for x, s in zip(d, np.asarray(secs).tolist(), strict=True)]


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size >= MAX_FILE_BYTES:
        raise RuntimeError(f"{path.name} is {size:,} bytes, over the {MAX_FILE_BYTES:,} limit; "
                           "lower n_lines")


def _xlsx(path: Path) -> xlsxwriter.Workbook:
    wb = xlsxwriter.Workbook(str(path), _XLSX_OPTIONS)
    wb.set_properties({"created": _XLSX_CREATED, "author": "1С:Предприятие"})
    return wb


def _xlsx_table(path: Path, sheet: str, title: list[str], header: list[str],
                rows: list[list[Any]], widths: list[int] | None = None) -> None:
    """A simple workbook: optional title rows, a bold header, values typed as given."""
    wb = _xlsx(path)
    ws = wb.add_worksheet(sheet)
    bold = wb.add_format({"bold": True})
    dfmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    mfmt = wb.add_format({"num_format": "#,##0.00"})
    r = 0
    for t in title:
        ws.write_string(r, 0, t, bold if r == 0 else None)
        r += 1
    for c, h in enumerate(header):
        ws.write_string(r, c, h, bold)
    r += 1
    for row in rows:
        for c, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, datetime | date | pd.Timestamp):
                ws.write_datetime(r, c, pd.Timestamp(v).to_pydatetime(), dfmt)
            elif isinstance(v, float):
                ws.write_number(r, c, v, mfmt)
            elif isinstance(v, int | np.integer):
                ws.write_number(r, c, int(v))
            else:
                ws.write_string(r, c, str(v))
        r += 1
    for c, w in enumerate(widths or []):
        ws.set_column(c, c, w)
    wb.close()
    _check_size(path)


# --------------------------------------------------------------------------- ru writers


def _write_clients_ru(w: World, raw: Path) -> None:
    cl = w.clients
    path = raw / "Контрагенты.xlsx"
    wb = _xlsx(path)
    ws = wb.add_worksheet("Контрагенты")
    bold = wb.add_format({"bold": True})
    dfmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    ws.write_string(0, 0, 'Справочник "Контрагенты"', bold)
    ws.write_string(1, 0, "Дата выгрузки: 15.01.2026 10:32:11")
    header = ["Код", "Наименование", "Полное наименование", "ИНН", "КПП", "ОГРН",
              "Головной контрагент", "Группа", "Регион", "Сегмент", "Основной менеджер",
              "Отсрочка платежа, дн.", "Дата создания", "Пометка удаления"]
    for c, h in enumerate(header):
        ws.write_string(3, c, h, bold)
    for i, rec in enumerate(cl.itertuples()):
        r = 4 + i
        texts = [rec.code, rec.name, rec.full_name, None, rec.kpp, rec.ogrn, rec.head,
                 rec.group, rec.region, rec.segment, rec.manager]
        for c, v in enumerate(texts):
            if v:
                ws.write_string(r, c, str(v))
        if rec.inn:
            if rec.inn_number:
                ws.write_number(r, 3, int(rec.inn))
            else:
                ws.write_string(r, 3, rec.inn)
        ws.write_number(r, 11, int(rec.terms))
        if rec.created_text:
            ws.write_string(r, 12, rec.created.strftime("%d.%m.%Y"))
        else:
            ws.write_datetime(r, 12, rec.created.to_pydatetime(), dfmt)
        ws.write_string(r, 13, "Да" if rec.deleted else "Нет")
    for c, wd in enumerate([11, 34, 50, 13, 11, 16, 26, 14, 18, 13, 16, 10, 12, 9]):
        ws.set_column(c, c, wd)
    wb.close()
    _check_size(path)


def _reg_text(docs: pd.DataFrame) -> list[str]:
    dt = _ru_dt(docs["date"], docs["time"].to_numpy())
    out = []
    for ret, num, s in zip(docs["is_return"].tolist(), docs["num"].tolist(), dt, strict=True):
        kind = "Возврат товаров от клиента" if ret else "Реализация товаров и услуг"
        out.append(f"{kind} 0000-{num:06d} от {s}")
    return out


def _pick_noise(rng: np.random.Generator, w: World) -> dict[int, tuple[str, str]]:
    """≤ 20 sales lines with an impossible date or a text amount: line index → (kind, text)."""
    ln = w.lines
    d = w.docs
    rec = d["rec"].to_numpy()[ln["doc"].to_numpy()]
    role = w.entities["role"].to_numpy()[ln["eid"].to_numpy()]
    date_ = d["date"].to_numpy()[ln["doc"].to_numpy()]
    month = pd.DatetimeIndex(date_).month
    ok = (~ln["is_return"].to_numpy()) & (rec >= 0) & (role == "")
    short = np.isin(month, [2, 4, 6, 9, 11])
    cand_date = np.flatnonzero(ok & short)
    cand_amt = np.flatnonzero(ok & ~short)
    out: dict[int, tuple[str, str]] = {}
    for i in rng.choice(cand_date, size=6, replace=False).tolist():
        ts = pd.Timestamp(date_[i])
        day = "30" if ts.month == 2 and ts.year % 4 == 0 else "31"
        out[i] = ("bad_date", f"{day}.{ts.month:02d}.{ts.year} 0:00:00")
    texts = ["н/д", "#ЗНАЧ!", "н/д", "ошибка", "н/д", "#Н/Д"]
    for t, i in zip(texts, rng.choice(cand_amt, size=6, replace=False).tolist(), strict=True):
        out[i] = ("text_amount", t)
    return out


def _ru_sales_frame(w: World) -> pd.DataFrame:
    """Sales lines with every exported column as text, in export order."""
    ln, d, cl = w.lines, w.docs, w.clients
    di = ln["doc"].to_numpy()
    rec = d["rec"].to_numpy()[di]
    ent = w.entities
    code = np.where(rec >= 0, cl["code"].to_numpy()[np.maximum(rec, 0)], "")
    ghost_names = _ghost_names(ent)
    name = np.where(rec >= 0, cl["name"].to_numpy()[np.maximum(rec, 0)],
                    [ghost_names.get(e, "") for e in ln["eid"].tolist()])
    inn = np.where(rec >= 0, cl["inn"].to_numpy()[np.maximum(rec, 0)], "")
    f = pd.DataFrame({"doc": di, "date": d["date"].to_numpy()[di],
                      "time": d["time"].to_numpy()[di], "num": d["num"].to_numpy()[di],
                      "ret": ln["is_return"].to_numpy(), "code": code, "name": name,
                      "inn": inn, "sku": ln["sku"].to_numpy(), "line": np.arange(len(ln))})
    f["manager"] = ent["manager"].to_numpy()[ln["eid"].to_numpy()]
    f = f.sort_values(["date", "time", "ret", "num", "line"], kind="stable")
    return f


def _ghost_names(ent: pd.DataFrame) -> dict[int, str]:
    names = ['ИП Сидорчук П.А.', 'Кафе "Уют"', 'ООО "Вектор-Плюс М"', "Магазин у дома №7",
             "Торговая точка Рынок Северный"]
    ghosts = np.flatnonzero(ent["kind"] == "ghost")
    return {int(e): names[i % len(names)] for i, e in enumerate(ghosts)}


def _write_sales_ru(w: World, raw: Path, rng: np.random.Generator) -> dict[str, Any]:
    """Twelve quarterly CSVs (cp1251, ``;``, CRLF) with a totals row; returns file metadata."""
    ln, d = w.lines, w.docs
    f = _ru_sales_frame(w)
    noise = _pick_noise(rng, w) if w.spec.noise else {}
    reg = np.array(_reg_text(d), dtype=object)
    prod = w.products
    files: dict[str, Any] = {}
    rejected: list[dict[str, Any]] = []
    half = f["date"].dt.year.astype(str) + "_Q" + f["date"].dt.quarter.astype(str)
    # returns as positive lines (marked by the document) in the first half of the period,
    # as negative lines afterwards: both happen in 1C exports
    keys = sorted(half.unique())
    positive_returns = set(keys[: len(keys) // 2])
    for key in sorted(half.unique()):
        part = f[half == key]
        li = part["line"].to_numpy()
        sign = np.where(ln["is_return"].to_numpy()[li] & (key not in positive_returns), -1, 1)
        cols = {c: ln[c].to_numpy()[li] * sign for c in
                ("qty10", "gross_k", "vat_k", "cogs_k", "disc_k")}
        period = _ru_dt(part["date"])
        gross_s = _ru_money(cols["gross_k"])
        disc_s = ["" if v == 0 else s for v, s in zip(cols["disc_k"].tolist(),
                                                       _ru_money(cols["disc_k"]), strict=True)]
        year, quarter = key.split("_Q")
        q_start = pd.Timestamp(int(year), 3 * int(quarter) - 2, 1)
        q_end = q_start + pd.offsets.QuarterEnd(0)
        title = [f"Продажи за период {q_start:%d.%m.%Y} - {q_end:%d.%m.%Y}", ""] \
            if not files else []
        first_line = len(title) + 2
        keep = np.ones(len(li), bool)
        for j, i in enumerate(li.tolist()):
            if i in noise:
                kind, text = noise[i]
                if kind == "bad_date":
                    period[j] = text
                else:
                    gross_s[j] = text
                    keep[j] = False
                rejected.append({"file": f"Продажи_{key}.csv", "line": first_line + j,
                                 "kind": kind, "value": text, "code": part["code"].iloc[j],
                                 "amount_gross": _ru_money(np.array([cols["gross_k"][j]]))[0],
                                 "amount_net": _ru_money(ln["net_k"].to_numpy()[i:i + 1])[0]})
        body = zip(period, reg[part["doc"].to_numpy()], part["code"], part["name"], part["inn"],
                   prod["name"].to_numpy()[part["sku"].to_numpy()], _ru_qty(cols["qty10"]),
                   gross_s, _ru_money(cols["vat_k"]), _ru_money(cols["cogs_k"]), disc_s,
                   part["manager"], strict=True)
        text_rows = [";".join(r) for r in body]
        sums = {c: int(v[keep].sum()) if c == "gross_k" else int(v.sum())
                for c, v in cols.items()}
        total = (f"Итого;;;;;;{_ru_qty(np.array([sums['qty10']]))[0]};"
                 f"{_ru_money(np.array([sums['gross_k']]))[0]};"
                 f"{_ru_money(np.array([sums['vat_k']]))[0]};"
                 f"{_ru_money(np.array([sums['cogs_k']]))[0]};"
                 f"{_ru_money(np.array([sums['disc_k']]))[0]};")
        header = ("Период;Регистратор;Код контрагента;Контрагент;ИНН;Номенклатура;Количество;"
                  "Сумма с НДС;НДС;Себестоимость;Скидка;Менеджер")
        content = "\r\n".join([*title, header, *text_rows, total]) + "\r\n"
        path = raw / f"Продажи_{key}.csv"
        path.write_bytes(content.encode("cp1251"))
        _check_size(path)
        files[path.name] = {"data_rows": len(text_rows), "first_data_line": first_line,
                            "totals_line": first_line + len(text_rows),
                            "returns_sign": "positive" if key in positive_returns
                            else "negative",
                            "totals": {k: v for k, v in sums.items()}}
    noise_lines = sorted(noise)
    return {"files": files, "rejected": rejected, "noise_lines": noise_lines}


def _write_payments_ru(w: World, raw: Path) -> None:
    p, cl = w.payments, w.clients
    docs = p.assign(is_return=False, year=p["date"].dt.year)
    reg = _reg_text(docs)
    rows = [[cl["name"].iat[r], cl["code"].iat[r], g, due.to_pydatetime(),
             None if pd.isna(pd_) else pd_.to_pydatetime(), amt / 100]
            for r, g, due, pd_, amt in zip(p["rec"].tolist(), reg, p["due"], p["paid"],
                                           p["amount_k"].tolist(), strict=True)]
    _xlsx_table(raw / "Взаиморасчеты.xlsx", "Взаиморасчеты",
                [f"Взаиморасчеты с контрагентами за период {w.spec.start:%d.%m.%Y} - "
                 f"{w.spec.end:%d.%m.%Y}"],
                ["Контрагент", "Код контрагента", "Документ", "Срок оплаты", "Дата оплаты",
                 "Сумма"], rows, [30, 11, 60, 11, 11, 14])


def _write_activities_ru(w: World, raw: Path) -> None:
    a, cl = w.activities, w.clients
    lines = ["Код контрагента;Дата;Вид активности;Количество;Стоимость"]
    code = cl["code"].to_numpy()[a["rec"].to_numpy()]
    dates = a["month"].dt.strftime("%d.%m.%Y").tolist()
    costs = _ru_money(np.round(a["cost"].to_numpy() * 100).astype(np.int64))
    lines += [f"{c};{d};{act};{q};{m}" for c, d, act, q, m in
              zip(code, dates, a["activity"], a["qty"].tolist(), costs, strict=True)]
    path = raw / "Активности_CRM.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    _check_size(path)


def _write_small_ru(w: World, raw: Path) -> None:
    c = w.contacts
    rows = [[r.code, r.person, r.position, r.role, r.function, r.level, r.owner,
             r.last.to_pydatetime()] for r in c.itertuples()]
    _xlsx_table(raw / "Контакты.xlsx", "Контакты", [],
                ["Код контрагента", "Контактное лицо", "Должность", "Роль", "Функция",
                 "Уровень", "Ответственный", "Дата последнего контакта"], rows,
                [11, 34, 24, 12, 12, 12, 16, 12])
    rows = [[r.code, r.criterion, int(r.score)] for r in w.assessment.itertuples()]
    _xlsx_table(raw / "Оценка_клиентов.xlsx", "Оценка", [],
                ["Код контрагента", "Критерий", "Оценка"], rows, [11, 20, 8])
    rows = [[r.person, r.role, float(r.annual_cost), int(r.hours), r.region]
            for r in w.team.itertuples()]
    _xlsx_table(raw / "Команда.xlsx", "Команда", [],
                ["Сотрудник", "Роль", "Годовая стоимость", "Доступные часы", "Регион"], rows,
                [34, 26, 16, 14, 18])


def write_ru(w: World, raw: Path, rng: np.random.Generator) -> dict[str, Any]:
    """Write the 1C-style exports into ``raw``; return file metadata for the truth."""
    _write_clients_ru(w, raw)
    meta = _write_sales_ru(w, raw, rng)
    _write_payments_ru(w, raw)
    _write_activities_ru(w, raw)
    _write_small_ru(w, raw)
    return meta


# --------------------------------------------------------------------------- en writers


def _write_csv(path: Path, header: list[str], rows: Any) -> None:
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    wr.writerow(header)
    wr.writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))
    _check_size(path)


def write_en(w: World, raw: Path, rng: np.random.Generator) -> dict[str, Any]:
    """Write the clean English CSVs into ``raw``; return file metadata for the truth."""
    del rng
    cl, ln, d = w.clients, w.lines, w.docs
    _write_csv(raw / "clients.csv", ["Client ID", "Name", "Tax ID", "Region", "Segment",
                                     "Manager", "Payment terms (days)", "Created"],
               zip(cl["code"], cl["name"], cl["inn"], cl["region"], cl["segment"],
                   cl["manager"], cl["terms"], cl["created"].dt.strftime("%Y-%m-%d"),
                   strict=True))
    di = ln["doc"].to_numpy()
    rec = d["rec"].to_numpy()[di]
    f = pd.DataFrame({"date": d["date"].to_numpy()[di], "time": d["time"].to_numpy()[di],
                      "num": d["num"].to_numpy()[di], "ret": ln["is_return"].to_numpy(),
                      "line": np.arange(len(ln))})
    f = f.sort_values(["date", "time", "ret", "num", "line"], kind="stable")
    li = f["line"].to_numpy()
    sign = np.where(ln["is_return"].to_numpy()[li], -1, 1)
    inv = [f"{'CN' if r else 'INV'}-{y}-{n:06d}" for r, y, n in
           zip(f["ret"].tolist(), f["date"].dt.year.tolist(), f["num"].tolist(), strict=True)]
    code = cl["code"].to_numpy()[rec[li]]
    _write_csv(raw / "sales.csv", ["Date", "Invoice", "Client ID", "Product", "Qty",
                                   "Net revenue", "Discount", "COGS"],
               zip(f["date"].dt.strftime("%Y-%m-%d"), inv, code,
                   w.products["name"].to_numpy()[ln["sku"].to_numpy()[li]],
                   _en_qty(ln["qty10"].to_numpy()[li] * sign),
                   _en_money(ln["net_k"].to_numpy()[li] * sign),
                   _en_money(ln["disc_k"].to_numpy()[li] * sign),
                   _en_money(ln["cogs_k"].to_numpy()[li] * sign), strict=True))
    a = w.activities
    _write_csv(raw / "activities.csv", ["Client ID", "Date", "Activity", "Quantity"],
               zip(cl["code"].to_numpy()[a["rec"].to_numpy()],
                   a["month"].dt.strftime("%Y-%m-%d"), a["activity"], a["qty"], strict=True))
    p = w.payments
    _write_csv(raw / "payments.csv", ["Client ID", "Invoice", "Due date", "Paid date", "Amount"],
               zip(cl["code"].to_numpy()[p["rec"].to_numpy()],
                   [f"INV-{y}-{n:06d}" for y, n in zip(p["date"].dt.year, p["num"],
                                                       strict=True)],
                   p["due"].dt.strftime("%Y-%m-%d"),
                   p["paid"].dt.strftime("%Y-%m-%d").fillna(""),
                   _en_money(p["amount_k"].to_numpy()), strict=True))
    c = w.contacts
    _write_csv(raw / "contacts.csv", ["Client ID", "Person", "Role", "Function", "Level", "Owner",
                                      "Last contact"],
               zip(c["code"], c["person"], c["role"], c["function"], c["level"], c["owner"],
                   c["last"].dt.strftime("%Y-%m-%d"), strict=True))
    s = w.assessment
    _write_csv(raw / "assessment.csv", ["Client ID", "Criterion", "Score"],
               zip(s["code"], s["criterion"], s["score"], strict=True))
    t = w.team
    _write_csv(raw / "team.csv", ["Person", "Role", "Annual cost", "Available hours", "Region"],
               zip(t["person"], t["role"], t["annual_cost"].astype(int), t["hours"], t["region"],
                   strict=True))
    return {"files": {}, "rejected": [], "noise_lines": []}


# --------------------------------------------------------------------------- truth


def _entity_key(w: World) -> pd.Series:
    """Entity → its main catalogue code (head record / first created)."""
    cl = w.clients
    return cl.sort_values(["eid", "variant"]).drop_duplicates("eid").set_index("eid")["code"]


def _statuses(w: World, accepted: pd.DataFrame) -> pd.Series:
    """Activity status per entity, measured on the generated sales (METHODS.md §1)."""
    end = pd.Timestamp(w.spec.end)
    sales = accepted[~accepted["is_return"]]
    od = sales[["eid", "date"]].drop_duplicates().sort_values(["eid", "date"])
    gap = od.groupby("eid")["date"].diff().dt.days
    med = gap.groupby(od["eid"]).median()
    first = od.groupby("eid")["date"].min()
    last = od.groupby("eid")["date"].max()
    silent = (end - last).dt.days
    lost = last <= end - pd.DateOffset(months=12)
    new = first > end - pd.DateOffset(months=6)
    dormant = ~lost & ~new & (silent > 3 * med.reindex(last.index)) & (silent > 90)
    st = pd.Series("active", index=last.index, dtype=object)
    st[dormant] = "dormant"
    st[new] = "new"
    st[lost] = "lost"
    return st


def build_truth(w: World, meta: dict[str, Any], seed: int) -> dict[str, Any]:
    """The machine-readable answer key: every planted trap with its measured figures."""
    spec, ent, cl, ln, d = w.spec, w.entities, w.clients, w.lines, w.docs
    key = _entity_key(w)
    noise = set(meta["noise_lines"])
    acc_mask = ~np.isin(np.arange(len(ln)), list(noise))
    acc = ln[acc_mask].copy()
    acc["date"] = d["date"].to_numpy()[acc["doc"].to_numpy()]
    acc["rec"] = d["rec"].to_numpy()[acc["doc"].to_numpy()]
    sign = np.where(acc["is_return"], -1, 1)
    acc["net"] = acc["net_k"] * sign
    acc["cogs"] = acc["cogs_k"] * sign
    total = int(acc["net"].sum())
    by_ent = acc.groupby("eid")["net"].sum().sort_values(ascending=False, kind="stable")
    top3 = by_ent.head(3)
    by_rec = acc[acc["rec"] >= 0].groupby("rec")["net"].sum().sort_values(ascending=False)

    def codes(e: int) -> list[str]:
        return cl.loc[cl["eid"] == e, "code"].tolist()

    def money(k: float) -> float:
        return round(float(k) / 100, 2)

    st = _statuses(w, acc)
    never_codes = sorted(set(cl["code"]) - set(cl["code"].to_numpy()[acc["rec"][acc["rec"] >= 0]
                                                                      .unique()]))
    status_codes = {s: sorted(key.reindex(st.index[st == s]).dropna().tolist())
                    for s in ("lost", "dormant", "new", "active")}
    vip_e = int(ent.index[ent["role"] == "vip"][0]) if (ent["role"] == "vip").any() else None
    key_e = int(ent.index[ent["role"] == "key"][0]) if (ent["role"] == "key").any() else None
    dup_groups = []
    for e in ent.index[ent["sub"] == "dup"]:
        g = cl[cl["eid"] == e]
        dup_groups.append({"codes": g["code"].tolist(), "names": g["name"].tolist(),
                           "inns": g["inn"].tolist(),
                           "inn_case": next((x for x in g["inn_case"] if x), "shared")})
    br_groups = []
    for e in ent.index[ent["sub"] == "branch"]:
        g = cl[cl["eid"] == e]
        br_groups.append({"head_code": key[e], "codes": g["code"].tolist(),
                          "inn": ent.loc[e, "inn"], "kpps": g["kpp"].tolist(),
                          "names": g["name"].tolist()})
    hold = cl[ent["kind"].to_numpy()[cl["eid"]] == "holding"]
    truth: dict[str, Any] = {
        "profile": spec.profile, "seed": seed, "currency": spec.currency,
        "period": {"start": spec.start.isoformat(), "end": spec.end.isoformat()},
        "sizes": {"catalogue_records": len(cl), "legal_entities": int((ent["kind"] != "ghost")
                                                                      .sum()),
                  "sales_lines": len(ln), "sales_lines_accepted": int(acc_mask.sum()),
                  "return_lines": int(ln["is_return"].sum()), "documents": len(d)},
        "totals": {"net_revenue": money(total), "cogs": money(acc["cogs"].sum()),
                   "gross_margin": money(total - acc["cogs"].sum())},
        "duplicates": {"entities": len(dup_groups),
                       "records": int(sum(len(g["codes"]) for g in dup_groups)),
                       "groups": dup_groups},
        "branches": {"entities": len(br_groups),
                     "records": int(sum(len(g["codes"]) for g in br_groups)),
                     "groups": br_groups},
        "holding": ({"brand": "Стройгарант", "codes": hold["code"].tolist(),
                     "names": hold["name"].tolist(), "inns": hold["inn"].tolist(),
                     "group_filled": hold.loc[hold["group"] != "", "code"].tolist(),
                     "net_revenue": money(by_ent.reindex(hold["eid"]).sum())}
                    if len(hold) else None),
        "activity": {"rule": "entity level (duplicates and branches merged); lost: no order in "
                     "the last 12 months; new: first order in the last 6 months; dormant: "
                     "silent > 3 x own median gap and > 90 days",
                     "buying_entities": len(st),
                     "counts": {s: len(v) for s, v in status_codes.items()},
                     "shares": {s: round(len(v) / max(len(st), 1), 4)
                                for s, v in status_codes.items()},
                     "never_bought_records": len(never_codes),
                     "never_bought_share": round(len(never_codes) / len(cl), 4),
                     **{s: v for s, v in status_codes.items() if s != "active"},
                     "never_bought": never_codes},
        "concentration": {
            "top3_entities": [{"code": key.get(e, ""), "codes": codes(e),
                               "net_revenue": money(v)} for e, v in top3.items()],
            "top3_share": round(float(top3.sum() / total), 4),
            "top3_share_by_record_naive": round(float(by_rec.head(3).sum() / total), 4)},
        "vip": _vip_truth(w, acc, vip_e, key, by_ent, total) if vip_e is not None else None,
        "key_client_one_contact": {
            "code": key[key_e], "name": cl.loc[cl["code"] == key[key_e], "name"].iat[0],
            "revenue_rank": int(list(by_ent.index).index(key_e)) + 1,
            "net_revenue": money(by_ent[key_e]),
            "contacts": int((w.contacts["code"] == key[key_e]).sum()),
            "other_top20_contacts": sorted({int((w.contacts["code"] == key.get(e)).sum())
                                            for e in by_ent.index[:20] if e != key_e
                                            and e in key.index})}
        if key_e is not None else None,
        "data_quality": _dq_truth(w, meta),
        "files": meta["files"],
    }
    if "unpaid" in ent.columns:   # the demo's clients that stopped paying (cash ageing)
        unpaid = w.payments[w.payments["eid"].isin(ent.index[ent["unpaid"]])
                            & w.payments["paid"].isna()
                            & (w.payments["date"] <= pd.Timestamp(spec.end)
                               - pd.Timedelta(days=160))]
        truth["cash"] = {
            "rule": "invoices of 160-300 days before the period end left unpaid: more than 90 "
                    "days past due at the end whatever the terms",
            "unpaid_codes": sorted(key[e] for e in ent.index[ent["unpaid"]]),
            "unpaid_invoices": len(unpaid),
            "unpaid_amount": money(unpaid["amount_k"].sum())}
    if spec.lesson:
        truth = {"lesson": _lesson_truth(w, truth, by_ent, key, total), **truth}
    return truth


def _lesson_truth(w: World, truth: dict[str, Any], by_ent: pd.Series, key: pd.Series,
                  total: int) -> dict[str, Any]:
    """The training lesson: its story, the expected finding and the generator's figures."""
    spec, ent, cl = w.spec, w.entities, w.clients
    les = _LESSONS[spec.lesson]
    figures: dict[str, Any]
    if les.name == "vip":
        v = truth["vip"]
        figures = {k: v[k] for k in ("code", "name", "revenue_rank", "net_revenue", "share",
                                     "discount_share_of_list", "return_line_share",
                                     "avg_payment_delay_days", "gross_margin", "cost_to_serve",
                                     "receivables_cost", "contribution")}
    elif les.name == "top3":
        c = truth["concentration"]
        figures = {"top3_share": c["top3_share"],
                   "top3_share_by_record_naive": c["top3_share_by_record_naive"],
                   "top3_codes": [x["code"] for x in c["top3_entities"]]}
    elif les.name == "holding":
        members = ent.index[ent["kind"] == "holding"]
        group = by_ent.copy()
        group = pd.concat([group.drop(members), pd.Series({-1: group.reindex(members).sum()})])
        group = group.sort_values(ascending=False, kind="stable")
        ranks = [int(list(by_ent.index).index(e)) + 1 for e in members]
        hold = cl[cl["eid"].isin(members)].sort_values("eid")
        figures = {"group": "Стройгарант", "entities": len(members),
                   "codes": hold["code"].tolist(),
                   "group_filled": hold.loc[hold["group"] != "", "code"].tolist(),
                   "head_filled": hold.loc[hold["head"] != "", "code"].tolist(),
                   "net_revenue": round(float(group[-1]) / 100, 2),
                   "share": round(float(group[-1] / total), 4),
                   "group_rank": int(list(group.index).index(-1)) + 1,
                   "entity_revenue_ranks": ranks}
    elif les.name == "single_contact":
        k = truth["key_client_one_contact"]
        figures = {x: k[x] for x in ("code", "name", "revenue_rank", "net_revenue", "contacts")}
    else:
        roles = w.team["role"].value_counts()
        figures = {"team_kams": int(roles.get("Ключевой менеджер", 0)),
                   "team_sales_managers": int(roles.get("Менеджер по продажам", 0)),
                   "kam_owned_clients": key.reindex(ent.index[ent["manager"].isin(
                       w.team.loc[w.team["role"] == "Ключевой менеджер", "short"])]).dropna()
                   .sort_values().tolist()}
    return {"name": les.name, "title": les.title, "story": les.story, "finding": les.finding,
            "figures": figures}


def _vip_truth(w: World, acc: pd.DataFrame, e: int, key: pd.Series, by_ent: pd.Series,
               total: int) -> dict[str, Any]:
    """The VIP's pocket-margin waterfall with the engagement.yaml rates."""
    r = w.spec.rates
    a = acc[acc["eid"] == e]
    d = w.docs[(w.docs["eid"] == e)]
    net = a["net"].sum() / 100
    cogs = a["cogs"].sum() / 100
    orders = int((~d["is_return"]).sum())
    lines = int((~a["is_return"]).sum())
    ret_lines = int(a["is_return"].sum())
    act = w.activities[w.activities["eid"] == e].groupby("activity")["qty"].sum()
    names = ("Доставка", "Визит", "Сервисный выезд") if w.spec.language == "ru" else (
        "Delivery", "Visit", "Service hours")
    deliv, visits, hours = (int(act.get(n, 0)) for n in names)
    p = w.payments[w.payments["eid"] == e]
    paid = p.dropna(subset=["paid"])
    delay = float(((paid["paid"] - paid["due"]).dt.days).mean())
    dso = float(((paid["paid"] - paid["date"]).dt.days * paid["amount_k"]).sum()
                / paid["amount_k"].sum())
    cts = (orders * r["order"] + lines * r["line"] + deliv * r["delivery"]
           + ret_lines * r["return"] + visits * r["visit"] + hours * r["service_hour"])
    recv = net * dso / 365 * 0.16
    gross = (a.loc[~a["is_return"], "list_k"].sum()) / 100
    disc = a.loc[~a["is_return"], "disc_k"].sum() / 100
    return {"code": key[e], "name": w.clients.loc[w.clients["code"] == key[e], "name"].iat[0],
            "revenue_rank": int(list(by_ent.index).index(e)) + 1,
            "net_revenue": round(net, 2), "share": round(net * 100 / total, 4),
            "discount_share_of_list": round(disc / gross, 4) if gross else 0.0,
            "orders": orders, "sales_lines": lines, "avg_order_net": round(net / orders, 2),
            "return_lines": ret_lines, "return_line_share": round(ret_lines / lines, 4),
            "deliveries": deliv, "visits": visits, "service_hours": hours,
            "gross_margin": round(net - cogs, 2),
            "gross_margin_pct": round((net - cogs) / net, 4),
            "cost_to_serve": round(cts, 2), "avg_payment_delay_days": round(delay, 1),
            "dso_days": round(dso, 1), "receivables_cost": round(recv, 2),
            "contribution": round(net - cogs - cts - recv, 2),
            "rates_used": r}


def _dq_truth(w: World, meta: dict[str, Any]) -> dict[str, Any]:
    cl, ent = w.clients, w.entities
    if not w.spec.noise:
        return {"noise": False, "rejected_lines": [], "unknown_clients": []}
    ghost = _ghost_names(ent)
    acc = w.lines
    unk = []
    for e, nm in ghost.items():
        a = acc[acc["eid"] == e]
        net = (a["net_k"] * np.where(a["is_return"], -1, 1)).sum()
        unk.append({"name": nm, "lines": len(a), "net_revenue": round(net / 100, 2)})
    invalid_all = cl.loc[cl["inn_noise"] == "invalid", "code"].tolist() + \
        cl.loc[cl["inn_case"].eq("typo") & (cl["variant"] > 0) & ~cl["inn"].eq(
            ent["inn"].to_numpy()[cl["eid"]]), "code"].tolist()
    return {
        "noise": True,
        "deleted_codes": cl.loc[cl["deleted"], "code"].tolist(),
        "empty_inn_codes": cl.loc[cl["inn"] == "", "code"].tolist(),
        "invalid_inn_codes": sorted(invalid_all),
        "inn_written_as_number_codes": cl.loc[cl["inn_number"], "code"].tolist(),
        "created_as_text": int(cl["created_text"].sum()),
        "rejected_lines": meta["rejected"],
        "unknown_clients": unk,
    }


def _lesson_markdown(t: dict[str, Any]) -> list[str]:
    """The head of a training case's TRUTH.md: the lesson, the finding, the figures."""
    les, f, cur = t["lesson"], t["lesson"]["figures"], t["currency"]
    absent = {"vip": "no loss-making VIP", "single_contact": "no single-contact key client",
              "holding": "no holding", "top3": "top-3 well under 40%",
              "overstaffed": "as many KAMs in the team as step 4 recommends"}
    others = [v for k, v in absent.items() if k != les["name"]] + ["no data-quality noise"]
    out = [f"# Training case `training_{les['name']}` — {les['title']}", "",
           f"Generated by `python -m kamlib.generator OUT --lesson {les['name']} --seed "
           f"{t['seed']}`; machine-readable figures in `truth.json`. One lesson is planted; "
           f"the other traps of the demo samples are absent ({', '.join(others)}). "
           "Duplicates and branches are there, as in any client base.", "",
           "## The lesson", "", les["story"], "",
           "## What the audit must find", "", les["finding"], ""]
    if les["name"] == "vip":
        out += [f"- {f['code']} `{f['name']}`: revenue rank {f['revenue_rank']}, "
                f"{f['net_revenue']:,.2f} {cur} ({f['share']:.1%} of revenue)",
                f"- discounts {f['discount_share_of_list']:.0%} of list, returns on "
                f"{f['return_line_share']:.0%} of lines, pays {f['avg_payment_delay_days']:.0f}"
                " days late on average",
                f"- gross margin {f['gross_margin']:,.2f}, cost-to-serve "
                f"{f['cost_to_serve']:,.2f}, receivables {f['receivables_cost']:,.2f} → "
                f"contribution **{f['contribution']:,.2f} {cur}**"]
    elif les["name"] == "top3":
        out += [f"- top-3 entities: **{f['top3_share']:.1%}** of net revenue "
                f"({', '.join(f['top3_codes'])}); counted per catalogue record, before the "
                f"merge, it looks like {f['top3_share_by_record_naive']:.1%}"]
    elif les["name"] == "holding":
        out += [f"- group `{f['group']}`: {f['entities']} legal entities, "
                f"{f['net_revenue']:,.2f} {cur} (**{f['share']:.1%}** of revenue), rank "
                f"**{f['group_rank']}** among the customers once grouped",
                f"- its entities alone rank {min(f['entity_revenue_ranks'])}–"
                f"{max(f['entity_revenue_ranks'])} by revenue",
                f"- linked by «Группа» ({', '.join(f['group_filled'])}) and by «Головной "
                f"контрагент» ({', '.join(f['head_filled'])})"]
    elif les["name"] == "single_contact":
        out += [f"- {f['code']} `{f['name']}`: revenue rank {f['revenue_rank']}, "
                f"{f['net_revenue']:,.2f} {cur}, **{f['contacts']}** contact"]
    else:
        out += [f"- the team table (`Команда.xlsx`) lists **{f['team_kams']}** key account "
                f"managers and {f['team_sales_managers']} sales managers; the KAMs own "
                f"{len(f['kam_owned_clients'])} of the largest clients"]
    return [*out, "", "## The whole answer key", ""]


def truth_markdown(t: dict[str, Any]) -> str:
    """Human-readable TRUTH.md: what the audit must find."""
    cur = t["currency"]
    v = t["vip"]
    c = t["concentration"]
    a = t["activity"]
    k = t["key_client_one_contact"]
    lines = [
        f"# Answer key — sample `{t['profile']}` (seed {t['seed']})", "",
        "Generated by `python -m kamlib.generator`; machine-readable figures in `truth.json`.",
    ] if "lesson" not in t else _lesson_markdown(t)
    lines += [
        f"Period {t['period']['start']} … {t['period']['end']}; "
        f"{t['sizes']['catalogue_records']} catalogue records, "
        f"{t['sizes']['sales_lines']} sales lines ({t['sizes']['return_lines']} return lines), "
        f"net revenue {t['totals']['net_revenue']:,.2f} {cur} (accepted lines).", "",
        "## 1. Duplicate clients",
        f"{t['duplicates']['entities']} legal entities appear as "
        f"{t['duplicates']['records']} catalogue records under different spellings "
        + ("(quotes, legal form before/after, long form, Latin transliteration, Latin "
           "look-alike letters, ё/е, double spaces, upper case). INN: shared, missing in one "
           "record, or a typo (invalid checksum) in one record."
           if t["currency"] == "RUB" else
           "(case, long/short legal form, trailing dot, double space, a country suffix, "
           "'The …'); all records of an entity share its tax ID.")
        + " Sales are spread across the codes. Examples:", ""]
    for g in t["duplicates"]["groups"][:5]:
        lines.append(f"- {', '.join(g['codes'])}: " + " / ".join(f"`{n}`" for n in g["names"])
                     + f" (tax ID {g['inn_case']})")
    lines += [""]
    if t["branches"]["entities"]:
        lines += ["## 2. Branches",
                  f"{t['branches']['entities']} legal entities have "
                  f"{t['branches']['records']} records sharing one INN with different KPP; "
                  "branch records carry the head's name in «Головной контрагент». Example:", ""]
        g = t["branches"]["groups"][0]
        lines += [f"- INN {g['inn']}: " + ", ".join(f"{c} `{n}` (КПП {p})" for c, n, p in
                                                    zip(g["codes"], g["names"], g["kpps"],
                                                        strict=True)), ""]
    if t["holding"]:
        h = t["holding"]
        linked = f"«Группа» filled only for {', '.join(h['group_filled'])}"
        if "lesson" in t and t["lesson"]["figures"].get("head_filled"):
            linked = (f"«Группа» filled for {', '.join(h['group_filled'])}; «Головной "
                      f"контрагент» names the trading house for "
                      f"{', '.join(t['lesson']['figures']['head_filled'])}")
        lines += ["## 3. Holding", f"Brand `{h['brand']}`: {len(h['codes'])} legal entities "
                  "with different INNs: " + ", ".join(f"{c} `{n}`" for c, n in
                                                       zip(h["codes"], h["names"], strict=True))
                  + f". {linked}. Group net revenue {h['net_revenue']:,.2f} {cur}.", ""]
    lines += ["## 4. Activity status (entity level)", a["rule"] + ".", "",
              f"- buying entities: {a['buying_entities']}"]
    lines += [f"- {s}: {n} ({a['shares'][s]:.1%})" for s, n in a["counts"].items()]
    lines += [f"- catalogue records that never bought: {a['never_bought_records']} "
              f"({a['never_bought_share']:.1%})", "",
              "## 5. The loss-making VIP"]
    if v is None:
        lines += ["None planted.", ""]
    else:
        lines += [
              f"{v['code']} `{v['name']}`: revenue rank {v['revenue_rank']}, net revenue "
              f"{v['net_revenue']:,.2f} {cur} ({v['share']:.1%}). Discounts "
              f"{v['discount_share_of_list']:.0%} of list, {v['orders']} small orders (avg "
              f"{v['avg_order_net']:,.0f} {cur}), {v['deliveries']} deliveries, "
              f"{v['visits']} visits, {v['service_hours']} service hours, returns on "
              f"{v['return_line_share']:.0%} of lines, pays {v['avg_payment_delay_days']:.0f} "
              f"days late on average (DSO {v['dso_days']:.0f}). Gross margin "
              f"{v['gross_margin']:,.2f} ({v['gross_margin_pct']:.1%}), cost-to-serve "
              f"{v['cost_to_serve']:,.2f}, receivables {v['receivables_cost']:,.2f} → "
              f"contribution **{v['contribution']:,.2f} {cur}** (rates of engagement.yaml: "
              f"{v['rates_used']}).", ""]
    lines += ["## 6. Concentration",
              f"Top-3 entities hold **{c['top3_share']:.1%}** of net revenue "
              f"(naive top-3 catalogue records: {c['top3_share_by_record_naive']:.1%}):", ""]
    lines += [f"- {x['code']} (codes {', '.join(x['codes'])}): {x['net_revenue']:,.2f} {cur}"
              for x in c["top3_entities"]]
    lines += ["", "## 7. Key client with a single contact"]
    lines += ["None planted.", ""] if k is None else [
        f"{k['code']} `{k['name']}` (revenue rank {k['revenue_rank']}) has "
        f"{k['contacts']} contact; other top-20 clients have "
        f"{min(k['other_top20_contacts'])}–{max(k['other_top20_contacts'])}.", ""]
    dq = t["data_quality"]
    lines += ["## 8. Data quality"]
    if not dq["noise"]:
        lines += ["None planted: this sample is clean.", ""]
    else:
        lines += [f"- deletion mark «Да»: {len(dq['deleted_codes'])} records",
                  f"- empty INN: {len(dq['empty_inn_codes'])} records",
                  f"- invalid INN checksum: {len(dq['invalid_inn_codes'])} records",
                  f"- INN written as a number: {len(dq['inn_written_as_number_codes'])} "
                  "(leading zeros lost for region 02)",
                  f"- «Дата создания» as text: {dq['created_as_text']} records",
                  "- sales lines that ingestion must reject:", ""]
        lines += [f"  - {r['file']} line {r['line']}: {r['kind']} `{r['value']}` "
                  f"(amount {r['amount_gross']})" for r in dq["rejected_lines"]]
        lines += ["", "- sales to clients missing from the catalogue (empty code):", ""]
        lines += [f"  - `{u['name']}`: {u['lines']} lines, {u['net_revenue']:,.2f} {cur}"
                  for u in dq["unknown_clients"]]
        lines += [""]
    if t.get("cash"):   # the demo's clients that stopped paying (step 2's cash ageing)
        cash = t["cash"]
        lines += ["## Cash: clients that stopped paying", "",
                  f"{len(cash['unpaid_codes'])} clients ({', '.join(cash['unpaid_codes'])}) "
                  f"left {cash['unpaid_invoices']} invoices of 160–300 days before the period "
                  f"end unpaid: {cash['unpaid_amount']:,.2f} {cur} more than 90 days overdue "
                  "at the end (step 2's ageing must show them in the > 90 days bucket).", ""]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- API


#: the demo's cost pools: pool (ru, en), driver, the pool's rate against the default rate,
#: utilisation of the practical capacity (None: no capacity given, fully absorbed), practical
#: share of the theoretical capacity
_POOLS = (
    ("Склад: комплектация", "Warehouse: picking", "line", 1.10, 0.85, 0.80),
    ("Обработка заказов и учёт", "Order processing and accounting", "order", 0.90, 0.80, 0.80),
    ("Логистика (доставка)", "Logistics (delivery)", "delivery", 0.95, 0.90, 0.80),
    ("Возвраты", "Returns handling", "return", 1.00, None, 0.80),
    ("Продажи: визиты", "Sales: visits", "visit", 1.00, 0.75, 0.80),
    ("Сервис", "Service", "service_hour", 0.95, 0.88, 0.85),
)


def _finance_sheets(w: World) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo's cost-pools sheet and off-invoice spend (kamlib.profitability.tdabc).

    A pool's annual cost is set so that its time-driven rate is the default rate × its factor
    and the clients use ``utilisation`` of its practical capacity: rate = cost ÷ practical
    capacity; the rest is unused capacity. Off-invoice: a 3 % retro-bonus to the three largest
    chains (what chains ask for), marketing support to five other clients of ranks 4–15,
    listing fees to two of them.
    """
    from .profitability.pnl import activity_driver

    spec, ln, d = w.spec, w.lines, w.docs
    years = ((spec.end - spec.start).days + 1) / 365.25
    ret = ln["is_return"].to_numpy()
    vol = {"line": float((~ret).sum()), "return": float(ret.sum()),
           "order": float((~d["is_return"] & (d["rec"] >= 0)).sum())}
    a = w.activities.assign(driver=w.activities["activity"].map(activity_driver))
    vol.update({k: float(v) for k, v in a.groupby("driver")["qty"].sum().items()})
    rows = []
    for ru, en, drv, factor, util, share in _POOLS:
        per_year = vol.get(drv, 0.0) / years
        rate = float(spec.rates.get(drv, 0.0)) * factor
        if per_year <= 0 or rate <= 0:
            continue
        cost = round(rate * per_year / (util or 1.0), -3)
        cap = None if util is None else round(per_year / util / share)
        rows.append({"pool": ru if spec.language == "ru" else en, "annual_cost": cost,
                     "driver": drv, "capacity": cap, "practical_share": share})
    pools = pd.DataFrame(rows)
    key = _entity_key(w)
    sign = np.where(ret, -1, 1)
    net = pd.Series(ln["net_k"].to_numpy() * sign).groupby(
        d["eid"].to_numpy()[ln["doc"].to_numpy()]).sum().sort_values(ascending=False,
                                                                      kind="stable")
    net = net[net.index.isin(key.index)]
    chains = w.entities["segment"].reindex(net.index).isin(["Сети", "Chains"])
    off = [{"client_id": key[e], "kind": "retro_bonus", "amount": round(v * 0.03 / 100, 2)}
           for e, v in net[chains].head(3).items()]
    mid = [e for e in net.index[3:15] if not chains.get(e, False)]
    off += [{"client_id": key[e], "kind": "marketing", "amount": 150000.0} for e in mid[::2][:5]]
    off += [{"client_id": key[e], "kind": "listing", "amount": 250000.0} for e in mid[1::5][:2]]
    return pools, pd.DataFrame(off)


def _write_finance(w: World, out: Path) -> dict[str, str]:
    """Write the finance sheets into ``out/finance`` (not raw/: they are not exports) and
    return the engagement.yaml settings naming them."""
    pools, off = _finance_sheets(w)
    fin = out / "finance"
    fin.mkdir(exist_ok=True)
    if w.spec.language == "ru":
        _xlsx_table(fin / "cost_pools.xlsx", "Пулы затрат", [],
                    ["Пул", "Затраты за год", "Драйвер", "Мощность",
                     "Доля практической мощности"],
                    [[r.pool, r.annual_cost, r.driver, None if pd.isna(r.capacity)
                      else int(r.capacity), r.practical_share] for r in pools.itertuples()],
                    [30, 16, 14, 14, 14])
        _xlsx_table(fin / "off_invoice.xlsx", "Вне счёта", [],
                    ["Код контрагента", "Вид", "Сумма"],
                    [[r.client_id, r.kind, r.amount] for r in off.itertuples()], [14, 14, 14])
        return {"cost_pools_file": "finance/cost_pools.xlsx",
                "off_invoice_file": "finance/off_invoice.xlsx"}
    _write_csv(fin / "cost_pools.csv", ["pool", "annual_cost", "driver", "capacity",
                                        "practical_share"],
               [[r.pool, f"{r.annual_cost:.2f}", r.driver,
                 "" if pd.isna(r.capacity) else int(r.capacity), r.practical_share]
                for r in pools.itertuples()])
    _write_csv(fin / "off_invoice.csv", ["client_id", "kind", "amount"],
               [[r.client_id, r.kind, f"{r.amount:.2f}"] for r in off.itertuples()])
    return {"cost_pools_file": "finance/cost_pools.csv",
            "off_invoice_file": "finance/off_invoice.csv"}


def _set_finance(out: Path, settings: dict[str, str]) -> None:
    cfg = out / "engagement.yaml"
    text = cfg.read_text(encoding="utf-8")
    for k, v in settings.items():
        text = re.sub(rf"(?m)^(  {k}: )null( *)#", lambda m, v=v: f"{m[1]}{v} #", text, count=1)
    cfg.write_text(text, encoding="utf-8")


def _prepare(out: Path, overwrite: bool) -> Path:
    raw = out / "raw"
    if raw.exists() and any(raw.iterdir()):
        if not overwrite:
            raise ValueError(f"{raw} already holds files; pass overwrite=True (--overwrite) "
                             "to replace them")
        for p in raw.iterdir():
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
    return raw


def _init_engagement(out: Path, spec: _Spec) -> None:
    from kamlib.engagement import init_engagement

    existed = {p.name for p in out.iterdir()} if out.exists() else set()
    init_engagement(out, client=spec.client, currency=spec.currency, language=spec.language,
                    force=True)
    req = out / "data_request.xlsx"
    if req.exists() and "data_request.xlsx" not in existed:
        req.unlink()
    for sub in ("work", "review", "decisions", "reports", "notebooks"):
        p = out / sub
        if p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    cfg = out / "engagement.yaml"
    text = cfg.read_text(encoding="utf-8")
    for k, v in spec.rates.items():
        text = re.sub(rf"(?m)^(    {k}: )0( +)#",
                      lambda m, v=v: f"{m[1]}{v:g}{' ' * max(1, len(m[2]) + 1 - len(f'{v:g}'))}#",
                      text, count=1)
    cfg.write_text(text, encoding="utf-8")


def generate_engagement(out_dir: str | Path, *, profile: Profile = "ru_1c",
                        n_clients: int | None = None, n_lines: int | None = None,
                        seed: int = 42, overwrite: bool = False,
                        lesson: str | None = None) -> dict[str, Any]:
    """Generate a sample engagement: ``raw/*``, ``truth.json``, ``TRUTH.md``, ``engagement.yaml``.

    Parameters
    ----------
    out_dir : path-like
        Engagement folder to write into (created if missing). Nothing is written outside it.
    profile : {"ru_1c", "en_clean", "1c_report_form"}
        ``ru_1c``: messy 1C-style Russian exports; ``en_clean``: clean English CSVs;
        ``1c_report_form``: a 1C "Продажи" report form only (period-level sales, client ×
        delivery-address rows; :mod:`kamlib.generator_forms`).
    n_clients : int, optional
        Catalogue records (default 3000 for ``ru_1c``, 300 for ``en_clean``).
    n_lines : int, optional
        Sales lines before returns (default 120,000 / 20,000).
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same bytes.
    overwrite : bool
        Replace the files of an existing ``raw/`` folder (otherwise a ``ValueError``).
    lesson : str, optional
        A training case instead of the demo: ``vip``, ``top3``, ``holding``,
        ``single_contact`` or ``overstaffed`` (a small, clean ``ru_1c`` engagement with that
        one finding planted; ``truth.json`` gets a ``lesson`` section, ``TRUTH.md`` starts
        with the lesson). ``n_clients`` / ``n_lines`` default to the lesson's sizes.

    Returns
    -------
    dict
        The truth (also written to ``truth.json``).

    Raises
    ------
    ValueError
        If ``raw/`` already holds files and ``overwrite`` is false, or the profile or the
        lesson is unknown, or a lesson is asked of another profile than ``ru_1c``.
    """
    if profile in _FORM_PROFILES and lesson is None:
        from .generator_forms import generate_report_form

        return generate_report_form(out_dir, seed=seed, n_clients=n_clients,
                                    overwrite=overwrite)
    if profile not in _SPECS:
        raise ValueError(f"unknown profile {profile!r}; use one of {sorted(_SPECS)}")
    _lesson_spec(profile, lesson)  # validate before touching the folder
    out = Path(out_dir)
    raw = _prepare(out, overwrite)
    world = build_world(profile, n_clients, n_lines, seed, lesson)
    out.mkdir(parents=True, exist_ok=True)
    _init_engagement(out, world.spec)
    raw.mkdir(exist_ok=True)
    wrng = np.random.default_rng([seed, 1])
    meta = (write_ru if profile == "ru_1c" else write_en)(world, raw, wrng)
    if lesson is None:   # the demos carry the client's own cost pools and off-invoice spend
        _set_finance(out, _write_finance(world, out))
    truth = build_truth(world, meta, seed)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    (out / "TRUTH.md").write_text(truth_markdown(truth), encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m kamlib.generator OUT --profile ru_1c --seed 42``."""
    ap = argparse.ArgumentParser(prog="python -m kamlib.generator",
                                 description="Generate a synthetic sample engagement.")
    ap.add_argument("out", help="engagement folder to write")
    ap.add_argument("--profile", choices=sorted(_SPECS) + list(_FORM_PROFILES),
                    default="ru_1c")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--clients", type=int, default=None, help="catalogue records")
    ap.add_argument("--lines", type=int, default=None, help="sales lines")
    ap.add_argument("--overwrite", action="store_true", help="replace existing raw/ files")
    ap.add_argument("--lesson", choices=sorted(_LESSONS), default=None,
                    help="a small training case with this one finding planted (ru_1c)")
    args = ap.parse_args(argv)
    try:
        t = generate_engagement(args.out, profile=args.profile, n_clients=args.clients,
                                n_lines=args.lines, seed=args.seed, overwrite=args.overwrite,
                                lesson=args.lesson)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if t.get("profile") in _FORM_PROFILES:
        print(f"{args.out}: a 1C report form, {t['clients']} clients, "
              f"{t['delivery_points']} delivery points, ИТОГО {t['gross']}")
        return 0
    if "lesson" in t:
        print(f"{args.out}: lesson {t['lesson']['name']!r} — {t['lesson']['title']}")
    print(f"{args.out}: {t['sizes']['catalogue_records']} clients, "
          f"{t['sizes']['sales_lines']} sales lines, top-3 share "
          f"{t['concentration']['top3_share']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
