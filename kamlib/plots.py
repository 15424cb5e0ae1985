"""Charts of the workbench: one theme, readable labels, money with thousands separators.

Every function takes computed data (never raw files) and ``ax=None``, draws on the given
Axes or a new one, and returns the Axes — the seaborn convention. Computing lives
elsewhere; nothing in :mod:`kamlib` outside this module imports matplotlib.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

__all__ = [
    "cluster_sizes_chart",
    "completeness_bars",
    "funnel_chart",
    "identifier_chart",
    "money_formatter",
    "monthly_sales_chart",
    "set_theme",
    "status_chart",
]

PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#a5a5a5"]
_UNITS = {"ru": ("", " тыс.", " млн", " млрд"), "en": ("", "k", "M", "bn")}


def set_theme() -> None:
    """The workbench's look: seaborn ``whitegrid``, its palette, readable sizes."""
    sns.set_theme(style="whitegrid", palette=PALETTE, font_scale=1.0,
                  rc={"axes.titleweight": "bold", "axes.titlesize": 12,
                      "figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight",
                      "axes.spines.top": False, "axes.spines.right": False})


def money_formatter(currency: str = "", lang: str = "ru") -> FuncFormatter:
    """Axis formatter for money: ``1,2 млн ₽`` (ru) or ``RUB 1.2M`` (en)."""
    symbol = {"RUB": "₽", "EUR": "€", "USD": "$"}.get(currency, currency)

    def fmt(x: float, _pos: Any = None) -> str:
        scale = 0
        v = abs(x)
        while v >= 1000 and scale < 3:
            v /= 1000
            scale += 1
        digits = 0 if scale == 0 or abs(v - round(v)) < 0.05 else 1
        sign = "−" if x < 0 else ""
        num = f"{v:,.{digits}f}"
        if lang == "ru":
            num = num.replace(",", "\u00a0").replace(".", ",")
            return f"{sign}{num}{_UNITS['ru'][scale]}" + (f" {symbol}" if symbol else "")
        return (f"{symbol} " if symbol else "") + f"{sign}{num}{_UNITS['en'][scale]}"

    return FuncFormatter(fmt)


def _ax(ax: Axes | None, size: tuple[float, float] = (9, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def monthly_sales_chart(monthly: pd.DataFrame, *, currency: str = "", lang: str = "en",
                        ax: Axes | None = None) -> Axes:
    """Net revenue per month (bars) and returns (red), from :func:`kamlib.datacheck.monthly_sales`.

    Months without any sales inside the covered span show as gaps at zero.
    """
    ax = _ax(ax)
    x = monthly["month"].astype(str)
    ax.bar(x, monthly["net_revenue"] - monthly["returns"], color=PALETTE[0],
           label="sales" if lang == "en" else "продажи")
    ax.bar(x, monthly["returns"], color="#c00000", label="returns" if lang == "en" else "возвраты")
    ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(money_formatter(currency, lang))
    step = max(1, len(x) // 12)
    ax.set_xticks(range(0, len(x), step))
    ax.set_xticklabels(list(x)[::step], rotation=45, ha="right")
    ax.set_title("Net revenue by month (VAT excluded)" if lang == "en"
                 else "Выручка без НДС по месяцам")
    ax.legend(frameon=False, loc="upper left")
    return ax


def completeness_bars(comp: pd.DataFrame, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """Share of filled values per column, one bar per table.column, required ones marked ``*``."""
    data = comp.assign(label=comp["table"] + "." + comp["column"]
                       + comp["required"].map({True: " *", False: ""}))
    ax = _ax(ax, (8, max(3.0, 0.22 * len(data))))
    colors = [PALETTE[0] if s >= 0.95 else PALETTE[1] if s >= 0.5 else "#c00000"
              for s in data["share"]]
    ax.barh(data["label"], data["share"] * 100, color=colors)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("% filled" if lang == "en" else "% заполнено")
    ax.set_title("Completeness of the data received" if lang == "en"
                 else "Полнота полученных данных")
    return ax


_STATUS_COLORS = {"new": "#548235", "active": "#1f4e79", "dormant": "#c55a11",
                  "lost": "#c00000", "never_bought": "#a5a5a5"}
_STATUS_RU = {"new": "новые", "active": "активные", "dormant": "спящие", "lost": "потерянные",
              "never_bought": "не покупали"}


def funnel_chart(funnel: dict[str, int], *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """The client base before → after: records, legal entities, groups, buying, active."""
    labels_en = {"records": "catalogue records", "legal_entities": "legal entities",
                 "groups": "groups", "buying": "bought in the period",
                 "active": "active or new"}
    labels_ru = {"records": "записи справочника", "legal_entities": "юрлица",
                 "groups": "группы", "buying": "покупали в периоде",
                 "active": "активные и новые"}
    names = labels_ru if lang == "ru" else labels_en
    keys = [k for k in names if k in funnel]
    values = [funnel[k] for k in keys]
    ax = _ax(ax, (7, 3.5))
    bars = ax.barh([names[k] for k in keys], values, color=PALETTE[: len(keys)])
    ax.invert_yaxis()
    top = max(values) if values else 1
    for bar, v in zip(bars, values, strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                f"{v:,}".replace(",", "\u00a0"), va="center")
    ax.set_xlim(0, top * 1.15)
    ax.set_title("Client base: before → after" if lang == "en" else "Клиентская база: было → стало")
    return ax


def status_chart(summary: pd.DataFrame, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """Share of entities and share of revenue by activity status (side by side)."""
    ax = _ax(ax, (7, 3.5))
    order = [s for s in _STATUS_COLORS if s in summary.index]
    x = range(len(order))
    ent = [summary.loc[s, "share_entities"] * 100 for s in order]
    rev = [summary.loc[s, "share_revenue"] * 100 for s in order]
    ax.bar([i - 0.2 for i in x], ent, width=0.4, color=[_STATUS_COLORS[s] for s in order],
           alpha=0.4)
    ax.bar([i + 0.2 for i in x], rev, width=0.4, color=[_STATUS_COLORS[s] for s in order])
    ax.set_xticks(list(x))
    ax.set_xticklabels([(_STATUS_RU[s] if lang == "ru" else s.replace("_", " "))
                        .replace(" ", "\n") for s in order])
    ax.set_ylabel("%")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#7f7f7f", alpha=0.4,
                             label="% of entities" if lang == "en" else "% юрлиц"),
                       Patch(color="#7f7f7f",
                             label="% of revenue" if lang == "en" else "% выручки")],
              frameon=False)
    ax.set_title("Activity status: entities and revenue" if lang == "en"
                 else "Статус активности: юрлица и выручка")
    return ax


def cluster_sizes_chart(entity_table: pd.DataFrame, *, lang: str = "en",
                        ax: Axes | None = None) -> Axes:
    """How many entities were found under 2, 3, 4 … catalogue records."""
    sizes = entity_table.loc[entity_table["records"] > 1, "records"].value_counts().sort_index()
    ax = _ax(ax, (6, 3.5))
    ax.bar(sizes.index.astype(str), sizes.to_numpy(), color=PALETTE[1])
    for i, v in enumerate(sizes.to_numpy()):
        ax.text(i, v, str(v), ha="center", va="bottom")
    ax.set_xlabel("records per entity" if lang == "en" else "записей на юрлицо")
    ax.set_ylabel("entities" if lang == "en" else "юрлиц")
    ax.set_title("Entities recorded more than once" if lang == "en"
                 else "Юрлица, заведённые несколько раз")
    return ax


def identifier_chart(identifiers: pd.DataFrame, *, lang: str = "en",
                     ax: Axes | None = None) -> Axes:
    """Records by INN status: valid, invalid, missing, foreign."""
    counts = identifiers["inn_status"].str.split(":").str[0].value_counts()
    ax = _ax(ax, (6, 3.5))
    colors = {"valid": PALETTE[0], "invalid": "#c00000", "missing": PALETTE[1]}
    ru = {"valid": "верный", "invalid": "ошибка в ИНН", "missing": "нет ИНН",
          "foreign / not an INN": "иностранный"}
    labels = [ru.get(k, k) if lang == "ru" else k for k in counts.index]
    ax.barh(labels, counts.to_numpy(), color=[colors.get(k, "#a5a5a5") for k in counts.index])
    for i, v in enumerate(counts.to_numpy()):
        ax.text(v, i, f" {v:,}".replace(",", "\u00a0"), va="center")
    ax.invert_yaxis()
    ax.set_title("INN of the catalogue records" if lang == "en" else "ИНН в справочнике")
    return ax
