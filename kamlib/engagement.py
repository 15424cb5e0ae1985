"""An engagement: one audit of one client company, in one folder.

::

    engagement.yaml     settings (validated by kamlib.config)
    raw/                the client's exports, never modified; hashed on every run
    work/               artefacts: 00_intake/*.parquet, NN_step/…, manifest.json
    notebooks/          the executed step notebooks of the last run
    review/             sheets for people: duplicates.xlsx, assessment.xlsx
    decisions/          people's decisions replayed by every run (merges.csv)
    reports/            the deliverables
    data_request.xlsx   what to ask the client for (ru and en sheets)
"""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .config import EngagementConfig, load_config
from .errors import KamError
from .io import atomic_write_bytes
from .resources import templates_dir
from .schema import TABLES
from .workbook import safe_workbook

__all__ = ["FINANCE_SHEETS", "Engagement", "init_engagement", "write_data_request"]


@dataclass(frozen=True)
class Engagement:
    """An engagement folder and its validated settings."""

    root: Path
    config: EngagementConfig

    @classmethod
    def open(cls, root: str | Path) -> Engagement:
        """Open an engagement folder, validating its ``engagement.yaml``."""
        root = Path(root).resolve()
        if not root.is_dir():
            raise KamError("no such engagement folder", file=str(root),
                           hint="create one with `kam init DIR`")
        return cls(root, load_config(root / "engagement.yaml"))

    @property
    def raw(self) -> Path:
        """``raw/``: the client's exports (read-only)."""
        return self.root / "raw"

    @property
    def work(self) -> Path:
        """``work/``: the steps' artefacts."""
        return self.root / "work"

    def step_dir(self, step: str) -> Path:
        """``work/<step>``, e.g. ``work/00_intake``."""
        return self.work / step

    @property
    def manifest_path(self) -> Path:
        """``work/manifest.json``."""
        return self.work / "manifest.json"

    @property
    def notebooks(self) -> Path:
        """``notebooks/``: the executed notebooks of the last run."""
        return self.root / "notebooks"

    @property
    def reports(self) -> Path:
        """``reports/``: the deliverables."""
        return self.root / "reports"

    def manifest(self) -> dict[str, Any]:
        """The last run's manifest (empty if there was none)."""
        if not self.manifest_path.exists():
            return {}
        data: dict[str, Any] = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        return data


def _yaml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def init_engagement(
    root: str | Path,
    *,
    client: str | None = None,
    currency: str = "RUB",
    language: str = "ru",
    force: bool = False,
) -> Engagement:
    """Create an engagement folder: ``engagement.yaml``, ``raw/`` and the data request.

    Parameters
    ----------
    root : path-like
        The folder to create (may exist if empty, or if ``force``).
    client, currency, language : str
        Written into ``engagement.yaml``; without a client name, a placeholder in the report's
        language (``Компания-клиент`` / ``Client company``), never English in a Russian report.
    force : bool
        Overwrite an existing ``engagement.yaml``. Files in ``raw/`` are never touched.
    """
    root = Path(root)
    cfg_path = root / "engagement.yaml"
    if cfg_path.exists() and not force:
        raise KamError("this folder already holds an engagement", file=str(cfg_path),
                       hint="use another folder, or --force to rewrite engagement.yaml "
                       "(raw/ is kept)")
    if language not in ("ru", "en"):
        raise KamError(f"unknown report language '{language}'", value=language,
                       hint="use ru or en")
    if client is None:
        client = {"ru": "Компания-клиент"}.get(language, "Client company")
    text = (templates_dir() / "engagement.yaml").read_text(encoding="utf-8")
    text = (text.replace('"{client}"', _yaml_str(client))
            .replace("{currency}", currency.upper()).replace("{language}", language))
    for sub in ("raw", "work", "review", "decisions", "reports", "notebooks"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cfg_path.write_text(text, encoding="utf-8")
    write_data_request(root / "data_request.xlsx")
    return Engagement.open(root)


_REQUEST_TEXT: dict[str, dict[str, Any]] = {
    "ru": {
        "sheet": "Запрос данных",
        "title": "Запрос данных для аудита ключевых клиентов",
        "intro": "Выгрузите таблицы как есть (1С, Excel, CSV). Обязательные колонки отмечены *. "
                 "Названия колонок могут отличаться: мы распознаём распространённые варианты.",
        "head": ["Таблица", "Колонка", "Обязательно", "Тип", "Примеры заголовков"],
        "kind": {"id": "код", "text": "текст", "money": "сумма", "number": "число",
                 "int": "целое", "date": "дата", "bool": "да/нет", "percent": "%"},
        "optional_table": "(необязательная таблица)",
        "yes": "*",
        "finance": "Финансовые таблицы (необязательные; положите в папку finance/ проекта, не в "
                   "raw/, и укажите файл в engagement.yaml)",
        "why": "Зачем",
    },
    "en": {
        "sheet": "Data request",
        "title": "Data request for the key account audit",
        "intro": "Export the tables as they are (ERP, Excel, CSV). Required columns are marked "
                 "*. Headers may differ: common variants are recognised.",
        "head": ["Table", "Column", "Required", "Type", "Header examples"],
        "kind": {"id": "code", "text": "text", "money": "amount", "number": "number",
                 "int": "integer", "date": "date", "bool": "yes/no", "percent": "%"},
        "optional_table": "(optional table)",
        "yes": "*",
        "finance": "Finance tables (optional; put them in the engagement's finance/ folder, not "
                   "in raw/, and name the file in engagement.yaml)",
        "why": "Why",
    },
}


#: the finance sheets the data request asks for besides the exports (kamlib.profitability
#: .tdabc reads them): setting, label, why, then (column, required, kind, what) per column
FINANCE_SHEETS: dict[str, dict[str, Any]] = {
    "cost_pools": {
        "setting": "profitability.cost_pools_file",
        "ru": ("Пулы затрат (склад, логистика, продажи, сервис, финансы)",
               "Ставки затрат на обслуживание — из ваших собственных затрат, а не по умолчанию "
               "(time-driven ABC, Kaplan & Anderson 2004): ставка = затраты пула ÷ практическая "
               "мощность; неиспользованная мощность показывается отдельно"),
        "en": ("Cost pools (warehouse, logistics, sales, service, finance)",
               "Cost-to-serve rates from your own costs instead of defaults (time-driven ABC, "
               "Kaplan & Anderson 2004): rate = pool cost ÷ practical capacity; unused "
               "capacity is shown, not spread over clients"),
        "columns": [
            ("pool", True, "text", "название пула / pool name"),
            ("annual_cost", True, "money", "затраты пула за год / annual cost"),
            ("driver", True, "text", "order, line, return, delivery, visit, service_hour, call"),
            ("capacity", False, "number", "теоретическая мощность в единицах драйвера за год / "
                                          "theoretical capacity in driver units a year"),
            ("practical_share", False, "percent", "0,80–0,85 (по умолчанию / default 0,80)"),
        ]},
    "off_invoice": {
        "setting": "profitability.off_invoice_file",
        "ru": ("Затраты вне счёта по клиентам (ретро-бонусы, маркетинг, листинг, спонсорство)",
               "Ретро-бонусы и маркетинговая поддержка не видны в строках продаж: без них вклад "
               "крупных сетей завышен (карман-маржа, Marn & Rosiello 1992)"),
        "en": ("Off-invoice spend per client (retro-bonuses, marketing, listing, sponsorship)",
               "Retro-bonuses and marketing support are not in the sales lines: without them "
               "the contribution of large chains is overstated (pocket margin, Marn & "
               "Rosiello 1992)"),
        "columns": [
            ("client_id", True, "id", "код контрагента / client code"),
            ("kind", True, "text", "retro_bonus, marketing, listing, sponsorship, other"),
            ("amount", True, "money", "сумма за период аудита / amount for the audit period"),
        ]},
}


#: what the strategic layer needs beyond the exports, with the reason for each (ru, en):
#: (what, where it goes, why)
_WORKSHOP_ASKS = {
    "ru": ("Для встречи с руководством", [
        ("Список VIP-клиентов: код или название и почему VIP (привёл собственник, известное "
         "имя, стратегический)", "review/vip.xlsx",
         "проверка «VIP ≠ ключевой»: вклад VIP-клиентов после затрат на обслуживание"),
        ("Соответствие каждого канала сбыта УТП компании, 1–10", "review/channels.xlsx",
         "вывод по каналам: какие развивать, прежде чем выбирать ключевых клиентов"),
        ("Постоянные затраты компании за год", "engagement.yaml: "
         "profitability.fixed_costs_per_year",
         "какую долю постоянных затрат покрывает каждый крупный клиент; без них доля не "
         "считается"),
    ]),
    "en": ("For the management workshop", [
        ("The VIP list: client code or name and why VIP (owner-introduced, famous name, "
         "strategic)", "review/vip.xlsx",
         "the VIP ≠ key test: the VIPs' contribution after cost-to-serve"),
        ("Each sales channel's fit with the company's USP, 1–10", "review/channels.xlsx",
         "the channel verdict: which channels to develop before key clients are chosen"),
        ("The company's fixed costs a year", "engagement.yaml: "
         "profitability.fixed_costs_per_year",
         "the share of fixed costs each large client covers; not computed without them"),
    ]),
}


def write_data_request(path: str | Path) -> Path:
    """Write the data-request workbook (ru and en sheets) from the canonical schema.

    One row per column to ask for; required ones marked ``*``; header examples are the
    synonyms ingestion recognises, so the request and the reader never disagree.
    """
    path = Path(path)
    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    tbl_fmt = wb.add_format({"bold": True, "bg_color": "#F2F2F2"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    for lang in ("ru", "en"):
        t = _REQUEST_TEXT[lang]
        ws = wb.add_worksheet(t["sheet"])
        ws.write(0, 0, t["title"], title)
        ws.write(1, 0, t["intro"])
        ws.write_row(3, 0, t["head"], head)
        r = 4
        for tbl in TABLES.values():
            label = tbl.label_ru if lang == "ru" else tbl.label_en
            ws.write(r, 0, label + ("" if not tbl.optional else f" {t['optional_table']}"),
                     tbl_fmt)
            ws.write_row(r, 1, ["", "", "", ""], tbl_fmt)
            r += 1
            alt = {f for g in tbl.required_any for f in g}
            for f in tbl.fields:
                required = f.required and (f.name not in alt or not f.source_only)
                ws.write(r, 0, tbl.name)
                ws.write(r, 1, f.label_ru if lang == "ru" else f.label_en,
                         bold if required else None)
                ws.write(r, 2, t["yes"] if required else "")
                ws.write(r, 3, t["kind"][f.kind])
                ws.write(r, 4, ", ".join(dict.fromkeys(f.synonyms[:6])), wrap)
                r += 1
        r += 1
        ws.write(r, 0, t["finance"], bold)
        r += 1
        for name, sheet in FINANCE_SHEETS.items():
            label, why = sheet[lang]
            ws.write(r, 0, f"{label} {t['optional_table']}", tbl_fmt)
            ws.write_row(r, 1, [f"engagement.yaml: {sheet['setting']}", "", "",
                                f"{t['why']}: {why}"], tbl_fmt)
            r += 1
            for col, required, kind, what in sheet["columns"]:
                ws.write(r, 0, name)
                ws.write(r, 1, col, bold if required else None)
                ws.write(r, 2, t["yes"] if required else "")
                ws.write(r, 3, t["kind"][kind])
                ws.write(r, 4, what, wrap)
                r += 1
        heading, asks = _WORKSHOP_ASKS[lang]
        ws.write(r, 0, heading, tbl_fmt)
        ws.write_row(r, 1, ["", "", "", ""], tbl_fmt)
        for what, where, why in asks:
            r += 1
            ws.write(r, 0, where)
            ws.write(r, 1, what, wrap)
            ws.write(r, 4, why, wrap)
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 34)
        ws.set_column(2, 3, 12)
        ws.set_column(4, 4, 70)
        ws.freeze_panes(4, 0)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())
    return path


def copy_engagement(src: str | Path, dst: str | Path) -> Path:
    """Copy a sample engagement's settings and raw exports to ``dst`` (no artefacts)."""
    src, dst = Path(src), Path(dst)
    if dst.exists() and any(dst.iterdir()):
        raise KamError("the destination folder is not empty", file=str(dst),
                       hint="choose a new folder")
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / "engagement.yaml", dst / "engagement.yaml")
    shutil.copytree(src / "raw", dst / "raw")
    for extra in ("decisions", "review", "finance"):   # finance/: the client's cost sheets
        if (src / extra).is_dir():
            shutil.copytree(src / extra, dst / extra)
    for sub in ("work", "review", "reports", "notebooks", "decisions"):
        (dst / sub).mkdir(exist_ok=True)
    return dst
