"""Canonical tables of the workbench and the ways real exports name their columns.

The data contract of ``DESIGN.md``: every input file is mapped onto one of the canonical
tables below. Headers are recognised in Russian and English by synonyms (compared after
:func:`header_key` folding), and can be overridden by an explicit mapping in
``engagement.yaml``.

A table has *canonical* columns (what later steps read) and *source* fields that only exist
in raw exports and are turned into canonical columns by ingestion: for sales, ``gross_revenue``
+ ``vat`` or ``vat_rate`` become ``net_revenue``; ``doc_type`` marks returns; ``client_name``
and ``client_tax_id`` find the client when a sales export carries no client code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "TABLES",
    "Field",
    "Kind",
    "Table",
    "header_currency",
    "header_key",
    "header_scale",
    "table",
]

Kind = Literal["id", "text", "money", "number", "int", "date", "bool", "percent"]


@dataclass(frozen=True)
class Field:
    """One column of a canonical table, or a source field that feeds one.

    Attributes
    ----------
    name : str
        Canonical snake_case name.
    kind : Kind
        How raw values are parsed: ``money`` exactly (minor units), ``date`` from the formats
        1C and Excel produce, ``id`` and ``text`` as strings, ``bool`` from Да/Нет/Yes/No.
    required : bool
        The table is unusable without it (``*`` in DESIGN.md).
    synonyms : tuple of str
        Headers seen in real exports (ru and en); compared with :func:`header_key`.
    source_only : bool
        Exists in raw files only; ingestion derives canonical columns from it.
    label_ru, label_en : str
        What to ask the client for, in the data-request workbook.
    """

    name: str
    kind: Kind
    required: bool = False
    synonyms: tuple[str, ...] = ()
    source_only: bool = False
    label_ru: str = ""
    label_en: str = ""


@dataclass(frozen=True)
class Table:
    """A canonical table: its fields and how to recognise it from a file's headers."""

    name: str
    fields: tuple[Field, ...]
    label_ru: str
    label_en: str
    optional: bool = True
    #: alternatives that satisfy "required": e.g. sales need net_revenue OR gross_revenue OR amount
    required_any: tuple[tuple[str, ...], ...] = field(default=())

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def canonical(self) -> list[Field]:
        """Fields written to the canonical Parquet table."""
        return [f for f in self.fields if not f.source_only]


def _fold(text: object) -> str:
    """A header folded for matching: NFKC, casefold, ё → е, edge spaces off."""
    # a header is a few words: a cell of megabytes (a dump on one line) is cut, not folded
    # whole by every pattern that compares headers
    return unicodedata.normalize("NFKC", str(text)[:500]).casefold().replace("ё", "е").strip()


#: an amount's scale at the end of its header: ', тыс. руб.', '(тыс.руб)', ', млн ₽',
#: ', в тыс. руб.', "(RUB '000)", ', thousand RUB', ', RUB m' (folded text)
_SCALE_RE = re.compile(
    r"\s*(,|\(|\bв\b)?\s*(в\s+)?(?P<u>тыс|тысяч[аи]?|млн|миллион(ов|а)?|thousands?|"
    r"millions?|mln|'000|000s)\.?\s*(руб(лей)?|rub|₽|р|rur)?\.?\s*\)?\s*$"
    r"|\s*[,(]\s*(руб|rub|₽)\.?\s*(?P<v>'000|000s|k|m|mln|тыс|млн)\.?\s*\)?\s*$")


#: a currency at the end of a header: ', руб.', '(₽)', ', USD', '(€)', ', у.е.' (folded text)
_CURRENCY_RE = re.compile(
    r"\s*(\(\s*(?P<a>руб|rub|rur|₽|р|usd|eur|gbp|cny|kzt|byn|\$|€|£|у\.?\s*е)\.?\s*\)"
    r"|,\s*(?P<b>руб|rub|rur|₽|р|usd|eur|gbp|cny|kzt|byn|\$|€|£|у\.?\s*е)\.?)\s*$")
_HEADER_CODES = {"руб": "RUB", "rub": "RUB", "rur": "RUB", "₽": "RUB", "р": "RUB", "$": "USD",
                 "€": "EUR", "£": "GBP"}


def header_currency(text: object) -> str | None:
    """The currency a header gives its amounts (ISO code; ``у.е.``, a conventional unit, as
    is), else None: 'Сумма без НДС (€)' → EUR, 'Сумма, руб.' → RUB, 'Сумма' → None.

    >>> header_currency("Сумма без НДС (€)"), header_currency("Выручка, USD")
    ('EUR', 'USD')
    """
    s = _fold(text)
    m = _scale_match(s)
    s = s[:m.start()] if m else s
    c = _CURRENCY_RE.search(s)
    if c is None or not s[:c.start()].strip(" ,("):
        return None
    code = (c.group("a") or c.group("b")).replace(" ", "")
    return "у.е." if code.startswith("у") else _HEADER_CODES.get(code, code.upper())


def _scale_match(s: str) -> re.Match[str] | None:
    """The scale at the end of a folded header, after a name ('Тысяча' alone is none)."""
    m = _SCALE_RE.search(s)
    return m if m is not None and s[:m.start()].strip(" ,(") else None


def header_scale(text: object) -> int:
    """How many currency units one unit of an amount column is, by its header: 1000 for
    'Выручка, тыс. руб.' or "Revenue (RUB '000)", 1 000 000 for ', млн ₽', else 1.

    >>> [header_scale(h) for h in ("Сумма, тыс. руб.", "Сумма, руб.", "Revenue, RUB m")]
    [1000, 1, 1000000]
    """
    m = _scale_match(_fold(text))
    if m is None:
        return 1
    unit = m.group("u") or m.group("v") or ""
    return 1_000_000 if unit.startswith(("млн", "миллион", "million", "mln", "m")) else 1000


def header_key(text: object) -> str:
    """Fold a header for comparison: NFKC, casefold, ё→е, punctuation and spaces dropped
    (but ``%``, which names a rate: ``НДС %`` is not ``НДС``).

    >>> header_key("Сумма с НДС, руб.") == header_key("сумма с ндс")
    True
    """
    s = _fold(text)
    m = _scale_match(s)               # ', тыс. руб.': the scale is header_scale's
    s = s[:m.start()] if m else s
    s = _CURRENCY_RE.sub("", s.strip())    # ', руб.', '(€)': the currency is header_currency's
    # a percent sign is part of the name: "НДС %" (the rate) is not "НДС" (the amount)
    return re.sub(r"[\W_]+", "", s.replace("%", " pct "))


def _f(name: str, kind: Kind, ru: str, en: str, *syn: str, required: bool = False,
       source_only: bool = False) -> Field:
    return Field(name, kind, required, tuple(syn), source_only, ru, en)


_CLIENT_ID_SYN = ("Код контрагента", "Код клиента", "Код покупателя", "Контрагент код",
                  "Client ID", "Client code", "Customer ID", "Customer code", "Customer No",
                  "Account ID", "ClientID", "CustomerID", "Counterparty code",
                  "Counterparty ID")
_CLIENT_NAME_SYN = ("Контрагент", "Покупатель", "Клиент", "Наименование контрагента",
                    "Контрагент наименование", "Грузополучатель", "Заказчик", "Клиент / Адрес",
                   "Сектор / Клиент", "Менеджер / Клиент", "Контрагент / Адрес", "Customer",
                   "Client",
                    "Customer name", "Client name", "Account", "Account name", "Buyer",
                    "Counterparty", "Counterparty name")
_CLIENT_INN_SYN = ("ИНН", "ИНН контрагента", "ИНН покупателя", "INN", "Tax ID", "TIN",
                   "Tax number", "VAT ID",
                   # 1C lists' one column '7707083893/770701001': the INN before the slash
                   "ИНН/КПП", "ИНН КПП", "ИНН/КПП контрагента", "INN/KPP")


CLIENTS = Table(
    "clients",
    (
        _f("client_id", "id", "Код контрагента", "Client code", "Код", "Код контрагента",
           "Код клиента", "Client ID", "Customer ID", "Customer code", "ID", "Code",
           required=True),
        _f("name", "text", "Наименование", "Name", "Наименование", "Рабочее наименование",
           "Краткое наименование", "Контрагент", "Покупатель", "Клиент", "Name", "Customer",
           "Client", "Client name", "Customer name", "Company", "Counterparty", "Description",
           required=True),
        _f("full_name", "text", "Полное наименование", "Legal name", "Полное наименование",
           "Наименование полное", "Юридическое наименование", "Full name", "Legal name"),
        _f("tax_id", "id", "ИНН", "Tax ID (INN)", *_CLIENT_INN_SYN),
        _f("branch_code", "id", "КПП", "KPP", "КПП", "KPP", "Branch code"),
        _f("ogrn", "id", "ОГРН / ОГРНИП", "OGRN", "ОГРН", "ОГРНИП", "OGRN", "Registration number"),
        _f("parent_id", "text", "Головной контрагент", "Head counterparty",
           "Головной контрагент", "ГоловнойКонтрагент", "Head counterparty", "Parent",
           "Parent ID", "Parent account", "Head office"),
        _f("group", "text", "Группа компаний / холдинг", "Group / holding", "Группа",
           "Группа компаний", "Холдинг", "Группа контрагентов", "Group", "Holding",
           "Company group"),
        _f("region", "text", "Регион", "Region", "Регион", "Город", "Region", "City",
           "Территория", "Territory"),
        _f("segment", "text", "Сегмент / канал", "Segment / channel", "Сегмент", "Канал",
           "Канал сбыта", "Вид деятельности", "Отрасль", "Segment", "Channel", "Industry"),
        _f("manager", "text", "Ответственный менеджер", "Account manager", "Основной менеджер",
           "Менеджер", "Ответственный", "Manager", "Account manager", "Sales manager",
           "Sales rep", "Owner"),
        _f("created_at", "date", "Дата создания", "Created", "Дата создания",
           "Дата регистрации", "Created", "Created at", "Creation date", "Since"),
        _f("payment_terms_days", "number", "Отсрочка платежа, дней", "Payment terms, days",
           "Отсрочка платежа", "Отсрочка платежа дн", "Отсрочка", "Отсрочка дней",
           "Отсрочка платежа дней", "Payment terms", "Payment terms days",
           "Payment terms (days)", "Terms days"),
        _f("deleted", "bool", "Пометка удаления", "Deletion mark", "Пометка удаления",
           "ПометкаУдаления", "Deleted", "Deletion mark", "Inactive"),
        # a catalogue folder (1C's groups of counterparties): no client, skipped
        _f("is_folder", "bool", "Это группа", "Is folder", "Это группа", "ЭтоГруппа",
           "Is folder", "IsFolder", "Folder", source_only=True),
    ),
    "Справочник контрагентов", "Client catalogue", optional=False,
)

SALES = Table(
    "sales",
    (
        # 'Дата' before 'Период': a file with both has the document's date and its month
        _f("date", "date", "Дата документа", "Document date", "Дата", "Дата документа",
           "Дата продажи", "Дата реализации", "Дата отгрузки", "Период", "Date", "Invoice date",
           "Order date", "Document date", "Posting date", "Period", required=True),
        _f("document_id", "id", "Документ (номер)", "Document / invoice", "Регистратор",
           "Документ", "Документ продажи", "Номер документа", "Номер", "Накладная",
           "Реализация", "Номер заказа", "Заказ", "Заказ клиента", "№ заказа", "Номер накладной",
           "Invoice", "Invoice No", "Invoice number", "Document", "Order",
           "Order ID", "Order No", "Recorder", "Registrar", required=True),
        _f("client_id", "id", "Код контрагента", "Client code", *_CLIENT_ID_SYN, required=True),
        _f("product_id", "id", "Код номенклатуры", "Product code", "Код номенклатуры",
           "Артикул", "SKU", "Product code", "Product ID", "Item code"),
        _f("product_name", "text", "Номенклатура", "Product", "Номенклатура", "Товар",
           "Наименование товара", "Продукция", "Product", "Item", "Product name"),
        _f("quantity", "number", "Количество", "Quantity", "Количество", "Кол-во", "Кол во",
           "Кол-во, шт", "Кол-во, уп", "Количество, шт", "Количество, уп", "Qty", "Quantity",
           "Units"),
        _f("net_revenue", "money", "Сумма без НДС", "Net revenue (excl. VAT)", "Сумма без НДС",
           "Выручка без НДС", "Сумма продаж без НДС", "Сумма выручки без НДС",
           "Сумма продажи без НДС", "Выручка", "Сумма выручки", "Чистая выручка",
           "Net revenue", "Net sales", "Net amount", "Revenue", "Revenue excl VAT",
           "Amount excl VAT", required=True),
        _f("discount", "money", "Скидка, сумма", "Discount amount", "Скидка", "Сумма скидки",
           "Скидка сумма", "Discount", "Discount amount"),
        _f("list_revenue", "money", "Сумма по прайсу (до скидок)", "List revenue",
           "Сумма без скидки", "Сумма по прайсу", "Сумма по прайс-листу", "List revenue",
           "List amount", "Amount before discount"),
        _f("cogs", "money", "Себестоимость", "COGS", "Себестоимость", "Себестоимость продаж",
           "Сумма себестоимости", "COGS", "Cost of sales", "Cost of goods sold", "Cost"),
        # returns in columns of their own on the sales line ('Сумма возврата без НДС'): read
        # as a return line beside the sale (kamlib.intake.amounts)
        _f("return_amount", "money", "Сумма возврата без НДС", "Returns amount (excl. VAT)",
           "Сумма возврата без НДС", "Сумма возврата", "Сумма возвратов без НДС",
           "Сумма возвратов", "Возвраты без НДС", "Возвраты, сумма", "Returns amount",
           "Return amount", source_only=True),
        _f("return_quantity", "number", "Количество возврата", "Returned quantity",
           "Количество возврата", "Количество возвратов", "Кол-во возврата",
           "Returned quantity", "Return quantity", source_only=True),
        _f("is_return", "bool", "Признак возврата", "Return flag", "Возврат", "Признак возврата",
           "Is return", "Return"),
        _f("manager", "text", "Менеджер", "Sales manager", "Менеджер", "Ответственный",
           "Менеджер продаж", "Manager", "Sales manager", "Sales rep", "Salesperson"),
        _f("delivery_point", "text", "Адрес доставки / торговая точка",
           "Delivery address / outlet", "Адрес доставки", "Торговая точка", "Точка доставки",
           "Адрес точки доставки", "Адрес торговой точки", "Пункт доставки", "Адрес отгрузки",
           "Delivery address", "Delivery point", "Ship-to", "Ship to", "Ship-to address",
           "Shipping address", "Outlet", "Point of sale"),
        # source-only fields: turned into canonical columns by ingestion
        _f("client_name", "text", "Контрагент (наименование)", "Client name", *_CLIENT_NAME_SYN,
           source_only=True),
        _f("client_tax_id", "id", "ИНН контрагента", "Client tax ID", *_CLIENT_INN_SYN,
           source_only=True),
        _f("client_branch_code", "id", "КПП контрагента", "Client KPP", "КПП",
           "КПП контрагента", "КПП покупателя", "KPP", source_only=True),
        _f("gross_revenue", "money", "Сумма с НДС", "Amount incl. VAT", "Сумма с НДС",
           "Сумма продаж с НДС", "Выручка с НДС", "Сумма продаж", "Сумма продажи",
           "Сумма документа",
           "Gross amount", "Amount incl VAT", "Total incl VAT", "Gross revenue",
           source_only=True),
        _f("amount", "money", "Сумма", "Amount", "Сумма", "Стоимость", "Итого", "Amount", "Sum",
           "Sales", "Value", "Total", source_only=True),
        _f("unit_price", "money", "Цена", "Unit price", "Цена", "Цена за единицу",
           "Цена с НДС", "Цена без НДС", "Цена продажи", "UnitPrice", "Unit price", "Price",
           "Price per unit", source_only=True),
        _f("currency", "text", "Валюта", "Currency", "Валюта", "Валюта документа",
           "Валюта взаиморасчетов", "Валюта договора", "Currency", "Currency code", "Curr",
           source_only=True),
        _f("vat", "money", "НДС", "VAT", "НДС", "Сумма НДС", "В т.ч. НДС", "VAT", "VAT amount",
           "Tax amount", source_only=True),
        _f("vat_rate", "percent", "Ставка НДС", "VAT rate", "Ставка НДС", "% НДС", "НДС %",
           "VAT rate", "VAT %", "Tax rate", source_only=True),
        # a document journal's state: a draft (not posted) or a document marked for
        # deletion is no sale (set aside with its money)
        _f("posted", "bool", "Проведен", "Posted", "Проведен", "Проведён", "Проведено",
           "Posted", source_only=True),
        _f("deleted", "bool", "Пометка удаления", "Deletion mark", "Пометка удаления",
           "ПометкаУдаления", "Удален", "Deletion mark", "Deleted", source_only=True),
        _f("doc_type", "text", "Вид документа", "Document type", "Вид документа",
           "Тип документа", "Вид операции", "Операция", "Document type", "Transaction type",
           "Type", source_only=True),
    ),
    "Продажи (строки документов)", "Sales lines", optional=False,
    required_any=(("client_id", "client_name", "client_tax_id"),
                  ("net_revenue", "gross_revenue", "amount", "unit_price")),
)

ACTIVITIES = Table(
    "activities",
    (
        _f("client_id", "id", "Код контрагента", "Client code", *_CLIENT_ID_SYN, required=True),
        _f("date", "date", "Дата", "Date", "Дата", "Период", "Date"),
        _f("activity", "text", "Вид активности", "Activity", "Вид активности", "Активность",
           "Вид работ", "Тип активности", "Вид события", "Activity", "Activity type",
           "Event type", required=True),
        _f("quantity", "number", "Количество", "Quantity", "Количество", "Кол-во", "Qty",
           "Quantity", "Count", "Hours", "Часы", required=True),
        _f("cost", "money", "Стоимость", "Cost", "Стоимость", "Затраты", "Сумма затрат",
           "Cost", "Amount"),
        _f("client_name", "text", "Контрагент", "Client name", *_CLIENT_NAME_SYN,
           source_only=True),
    ),
    "Активности обслуживания (доставки, визиты, сервис)", "Cost-to-serve activities",
    required_any=(("client_id", "client_name"),),
)

PAYMENTS = Table(
    "payments",
    (
        _f("client_id", "id", "Код контрагента", "Client code", *_CLIENT_ID_SYN, required=True),
        _f("document_id", "id", "Документ", "Document / invoice", "Документ", "Документ оплаты",
           "Документ расчетов", "Счет", "Invoice", "Document", "Invoice No"),
        _f("due_date", "date", "Срок оплаты", "Due date", "Срок оплаты", "Дата оплаты по договору",
           "Due date", "Payment due"),
        _f("paid_date", "date", "Дата оплаты", "Paid date", "Дата оплаты", "Дата поступления",
           "Фактическая дата оплаты", "Paid date", "Payment date", "Paid on"),
        _f("amount", "money", "Сумма оплаты", "Amount", "Сумма", "Сумма оплаты", "Оплачено",
           "Amount", "Paid amount", "Payment amount", required=True),
        _f("client_name", "text", "Контрагент", "Client name", *_CLIENT_NAME_SYN,
           source_only=True),
    ),
    "Оплаты / взаиморасчеты", "Payments / receivables",
    required_any=(("client_id", "client_name"), ("due_date", "paid_date")),
)

CONTACTS = Table(
    "contacts",
    (
        _f("client_id", "id", "Код контрагента", "Client code", *_CLIENT_ID_SYN, required=True),
        _f("person", "text", "Контактное лицо", "Contact person", "Контактное лицо", "ФИО",
           "Контакт", "Person", "Contact", "Contact person", "Contact name", required=True),
        _f("role", "text", "Роль в закупке", "Buying role", "Роль", "Роль в закупке", "Role",
           "Buying role"),
        _f("function", "text", "Функция / подразделение", "Function / department", "Функция",
           "Подразделение", "Должность", "Function", "Department", "Position", "Title"),
        _f("level", "text", "Уровень", "Level", "Уровень", "Уровень в иерархии", "Level",
           "Seniority"),
        _f("owner", "text", "Наш ответственный", "Our contact owner", "Ответственный",
           "Наш сотрудник", "Owner", "Account owner", "Our contact"),
        _f("last_contact_date", "date", "Дата последнего контакта", "Last contact date",
           "Дата последнего контакта", "Последний контакт", "Last contact",
           "Last contact date", "Last interaction"),
        _f("client_name", "text", "Контрагент", "Client name", *_CLIENT_NAME_SYN,
           source_only=True),
    ),
    "Контакты в компаниях клиентов", "Contacts at client companies",
    required_any=(("client_id", "client_name"),),
)

ASSESSMENT = Table(
    "assessment",
    (
        _f("client_id", "id", "Код контрагента", "Client code", *_CLIENT_ID_SYN, required=True),
        _f("criterion", "text", "Критерий", "Criterion", "Критерий", "Criterion", required=True),
        _f("score", "number", "Оценка (1–10)", "Score (1–10)", "Оценка", "Балл", "Score",
           "Rating", required=True),
        _f("assessor", "text", "Кто оценивал", "Assessor", "Эксперт", "Оценщик", "Assessor"),
        _f("client_name", "text", "Контрагент", "Client name", *_CLIENT_NAME_SYN,
           source_only=True),
    ),
    "Экспертная оценка клиентов", "Client assessment (workshop)",
    required_any=(("client_id", "client_name"),),
)

TEAM = Table(
    "team",
    (
        _f("person", "text", "Сотрудник", "Person", "Сотрудник", "ФИО", "Менеджер", "Person",
           "Employee", "Name", required=True),
        _f("role", "text", "Роль", "Role", "Роль", "Должность", "Role", "Position", "Title"),
        _f("annual_cost", "money", "Годовая стоимость (ФОТ + налоги)", "Annual cost",
           "Годовая стоимость", "Стоимость в год", "ФОТ", "Annual cost", "Cost per year"),
        _f("available_hours", "number", "Доступные часы в год", "Available hours",
           "Доступные часы", "Часы в год", "Available hours", "Hours per year"),
        _f("region", "text", "Регион", "Region", "Регион", "Region", "Territory"),
        _f("clients", "text", "Клиенты (коды)", "Clients (codes)", "Клиенты", "Clients",
           "Accounts"),
    ),
    "Текущая команда продаж", "Current sales team",
)

#: All canonical tables, in the order of the data-request workbook.
TABLES: dict[str, Table] = {
    t.name: t for t in (CLIENTS, SALES, ACTIVITIES, PAYMENTS, CONTACTS, ASSESSMENT, TEAM)
}


def table(name: str) -> Table:
    """Return the canonical table called ``name``."""
    return TABLES[name]
