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

__all__ = ["completeness_bars", "money_formatter", "monthly_sales_chart", "set_theme"]

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
