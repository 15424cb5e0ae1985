"""Charts of the workbench: one theme, readable labels, money with thousands separators.

Every function takes computed data (never raw files) and ``ax=None``, draws on the given
Axes or a new one, and returns the Axes — the seaborn convention. Computing lives
elsewhere; nothing in :mod:`kamlib` outside this module imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

__all__ = [
    "abc_xyz_chart",
    "cluster_sizes_chart",
    "completeness_bars",
    "concentration_chart",
    "funnel_chart",
    "identifier_chart",
    "money_formatter",
    "monthly_sales_chart",
    "portfolio_matrix_chart",
    "revenue_margin_chart",
    "set_theme",
    "status_chart",
    "waterfall_chart",
    "whale_curve_chart",
    "workload_chart",
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


# --------------------------------------------------------------- client profitability (§2)

_RED, _GREEN = "#c00000", "#548235"


def waterfall_chart(waterfall_df: pd.DataFrame, *, currency: str = "", lang: str = "en",
                    ax: Axes | None = None) -> Axes:
    """Pocket-margin waterfall (Marn & Rosiello) from
    :func:`kamlib.profitability.curves.price_waterfall`: totals solid, decreases red,
    increases green, each bar labelled with its amount and % of list revenue."""
    import textwrap

    ax = _ax(ax, (11, 4.5))
    fmt = money_formatter(currency, lang)
    labels = waterfall_df["step_ru" if lang == "ru" and "step_ru" in waterfall_df else "step"]
    level = 0.0
    top = 0.0
    for i, (amount, kind) in enumerate(zip(waterfall_df["amount"], waterfall_df["kind"],
                                           strict=True)):
        if kind == "total":
            bottom, height, color = 0.0, amount, PALETTE[0]
            level = amount
        else:
            bottom, height = level, amount
            color = _RED if amount < 0 else _GREEN
            level += amount
        ax.bar(i, height, bottom=bottom, color=color, width=0.7)
        top = max(top, bottom, bottom + height)
        ax.text(i, max(bottom, bottom + height), fmt(amount), ha="center", va="bottom",
                fontsize=7)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([textwrap.fill(str(s), 11, break_long_words=False) for s in labels],
                       fontsize=8)
    ax.yaxis.set_major_formatter(fmt)
    ax.set_ylim(top=top * 1.08 if top > 0 else None)
    ax.set_title("From list revenue to client contribution" if lang == "en"
                 else "От выручки по прайсу до вклада клиентов")
    return ax


def whale_curve_chart(whale_df: pd.DataFrame, figures: dict[str, Any], *, lang: str = "en",
                      ax: Axes | None = None) -> Axes:
    """Whale curve (Kaplan & Cooper): cumulative contribution, % of total, against the share
    of clients (most profitable first); 100% line; the peak annotated."""
    ax = _ax(ax, (8, 4.5))
    x = (whale_df["client_share"] * 100).to_numpy()
    y = (whale_df["cum_pct"] * 100).to_numpy()
    if len(x):  # from the origin to the first client, then the curve itself
        ax.plot([0.0, x[0]], [0.0, y[0]], color=PALETTE[0], lw=2)
    ax.plot(x, y, color=PALETTE[0], lw=2, label="whale curve" if lang == "en" else "кривая",
            gid="whale")
    ax.axhline(100, color="grey", ls="--", lw=1)
    ax.axhline(0, color="black", lw=0.8)
    peak, n_peak = figures.get("peak_pct"), figures.get("clients_at_peak")
    if peak is not None and n_peak:
        share = figures.get("clients_at_peak_share") or 0.0
        ax.scatter([share * 100], [peak * 100], color=_RED, zorder=3)
        text = (f"peak {peak:.0%}: {n_peak} clients ({share:.0%})" if lang == "en"
                else f"пик {peak:.0%}: {n_peak} клиентов ({share:.0%})")
        ax.annotate(text, (share * 100, peak * 100), textcoords="offset points",
                    xytext=(8, -14), fontsize=9)  # below the peak: clear of the frame
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, max(hi, peak * 100 + (hi - lo) * 0.08))
    tail = figures.get("loss_tail_pct")
    if tail and len(x):
        ax.annotate((f"loss tail {tail:.0%}" if lang == "en" else f"хвост убытков {tail:.0%}")
                    + f" ({figures.get('loss_makers', 0)})", (x[-1], y[-1]),
                    textcoords="offset points", xytext=(-8, -14), ha="right", fontsize=9)
    if figures.get("note"):
        ax.text(0.02, 0.95, figures["note"], transform=ax.transAxes, va="top", fontsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of clients (most profitable first)" if lang == "en"
                  else "% клиентов (от самых прибыльных)")
    ax.set_ylabel("cumulative contribution, % of total" if lang == "en"
                  else "накопленный вклад, % от итога")
    ax.set_title("Whale curve of client contribution" if lang == "en"
                 else "Кривая «кита»: вклад клиентов")
    return ax


def concentration_chart(pnl: pd.DataFrame, *, value: str = "net_revenue", top: int = 10,
                        currency: str = "", lang: str = "en", ax: Axes | None = None) -> Axes:
    """Share of the top-N clients (bars) and cumulative share (line), with the 10% (IFRS 8.34)
    and 20% (dependence) thresholds. Shares are of the sum of positive values."""
    del currency  # shares only; kept for a uniform signature
    df = pnl.set_index("entity_id") if "entity_id" in pnl.columns else pnl
    vals = df[value].astype(float).clip(lower=0)
    total = float(vals.sum())
    order = vals.sort_values(ascending=False, kind="mergesort").head(top)
    share = order / total * 100 if total > 0 else order * 0.0
    names = (df.loc[order.index, "entity_name"].astype(str) if "entity_name" in df.columns
             else pd.Series(order.index.astype(str), index=order.index))
    ax = _ax(ax, (9, 4.5))
    x = range(len(order))
    ax.bar(x, share.to_numpy(), color=[_RED if s >= 20 else PALETTE[1] if s >= 10
                                        else PALETTE[0] for s in share])
    ax.plot(list(x), share.cumsum().to_numpy(), color="black", marker="o", lw=1.2,
            label="cumulative" if lang == "en" else "накопленно")
    ax.axhline(10, color=PALETTE[1], ls="--", lw=1,
               label="10% — IFRS 8.34" if lang == "en" else "10% — МСФО 8.34")
    ax.axhline(20, color=_RED, ls="--", lw=1,
               label="20% — dependence" if lang == "en" else "20% — зависимость")
    ax.set_xticks(list(x))
    ax.set_xticklabels([n[:18] for n in names], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(f"% of {value.replace('_', ' ')}" if lang == "en" else "% выручки")
    ax.set_ylim(0, 105)
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(f"Top {len(order)} clients' share" if lang == "en"
                 else f"Доля топ-{len(order)} клиентов")
    return ax


def _place_labels(ax: Axes, items: list[tuple[str, float, float]], *, fontsize: int = 8) -> None:
    """Annotate points without letting the labels overlap: each label tries a few offsets
    (in points) and takes the first whose box is clear of the labels already placed."""
    ax.autoscale_view()
    ax.figure.canvas.draw_idle()
    to_pixels = ax.transData.transform
    scale = ax.figure.dpi / 72
    placed: list[tuple[float, float, float, float]] = []
    offsets = [(6, 6), (6, -14), (6, 18), (6, -26), (-8, 30), (-8, -38), (6, 42), (6, -50)]
    for text, x, y in sorted(items, key=lambda t: -t[2]):
        px, py = to_pixels((x, y))
        w, h = len(text) * fontsize * 0.55 * scale, fontsize * 1.3 * scale
        chosen = offsets[-1]
        for dx, dy in offsets:
            box = (px + dx * scale, py + dy * scale, w, h)
            if all(box[0] + box[2] < b[0] or b[0] + b[2] < box[0] or box[1] + box[3] < b[1]
                   or b[1] + b[3] < box[1] for b in placed):
                chosen = (dx, dy)
                break
        placed.append((px + chosen[0] * scale, py + chosen[1] * scale, w, h))
        ax.annotate(text, (x, y), textcoords="offset points", xytext=chosen,
                    fontsize=fontsize,
                    arrowprops={"arrowstyle": "-", "color": "grey", "lw": 0.5}
                    if chosen != offsets[0] else None)


def revenue_margin_chart(pnl: pd.DataFrame, *, label: list[Any] | None = None,
                         currency: str = "", lang: str = "en", ax: Axes | None = None) -> Axes:
    """Clients by net revenue (x, log scale) and contribution margin % (contribution ÷ net
    revenue, y); point size by revenue, green = positive contribution, red = negative;
    the entity ids in ``label`` named. Clients with net revenue ≤ 0 are left out (log
    scale)."""
    df = pnl.set_index("entity_id") if "entity_id" in pnl.columns else pnl
    df = df[df["net_revenue"].astype(float) > 0]
    rev = df["net_revenue"].astype(float)
    margin = df["contribution"].astype(float) / rev * 100
    ax = _ax(ax, (8, 5))
    size = 15 + 400 * (rev / rev.max()) ** 0.5 if len(rev) else rev
    colors = [_GREEN if c >= 0 else _RED for c in df["contribution"].astype(float)]
    ax.scatter(rev.to_numpy(), margin.to_numpy(), s=size, c=colors, alpha=0.6,
               edgecolors="white", linewidths=0.5)
    ax.axhline(0, color="black", lw=0.8)
    low = int((margin < -100).sum())
    if low:  # a few tiny clients far below −100% would flatten everyone else
        ax.set_ylim(bottom=-105, top=max(5.0, float(margin.max()) + 5))
        ax.text(0.01, 0.01, (f"{low} clients below −100% not shown" if lang == "en"
                             else f"{low} клиентов ниже −100% не показаны"),
                transform=ax.transAxes, fontsize=8, color="grey")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(money_formatter(currency, lang))
    _place_labels(ax, [(str(df.loc[e, "entity_name"] if "entity_name" in df.columns else e)[:24],
                        rev[e], margin[e]) for e in (label or []) if e in df.index])
    ax.set_xlabel("net revenue (log scale)" if lang == "en"
                  else "выручка нетто (лог. шкала)")
    ax.set_ylabel("contribution, % of net revenue" if lang == "en"
                  else "вклад, % выручки")
    ax.set_title("Revenue and profitability of clients" if lang == "en"
                 else "Выручка и прибыльность клиентов")
    return ax


def abc_xyz_chart(matrix: pd.DataFrame, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """ABC × XYZ matrix (from :func:`kamlib.profitability.curves.abc_xyz_matrix`) as an
    annotated heatmap."""
    ax = _ax(ax, (5, 4))
    is_int = all(float(v).is_integer() for v in matrix.to_numpy().ravel())
    sns.heatmap(matrix.astype(float), annot=True, fmt=".0f" if is_int else ",.0f",
                cmap="Blues", cbar=False, linewidths=0.5, ax=ax)
    ax.set_xlabel("XYZ (stability of monthly revenue)" if lang == "en"
                  else "XYZ (стабильность помесячной выручки)")
    ax.set_ylabel("ABC (share of revenue)" if lang == "en" else "ABC (доля выручки)")
    ax.tick_params(axis="y", rotation=0)
    ax.set_title("ABC × XYZ" if lang == "en" else "Матрица ABC × XYZ")
    return ax


# ------------------------------------------------------- key client portfolio matrix (§3)

# (name, one-line strategy) per quadrant, keyed by (high attractiveness, high strength)
_QUADRANTS = {
    "en": {(True, True): ("Strategic", "invest: develop the relationship"),
           (True, False): ("Star", "invest selectively: build our position"),
           (False, True): ("Status", "maintain: serve efficiently"),
           (False, False): ("Streamline", "cut cost-to-serve")},
    "ru": {(True, True): ("Стратегические", "инвестировать в развитие отношений"),
           (True, False): ("Звёзды", "инвестировать выборочно, укреплять позицию"),
           (False, True): ("Статусные", "поддерживать, обслуживать экономно"),
           (False, False): ("Оптимизация", "снижать стоимость обслуживания")},
}


def portfolio_matrix_chart(scored: pd.DataFrame, *, threshold: float = 5.5,
                           label: Sequence[Any] | None = None, currency: str = "",
                           lang: str = "en", mcdonald: bool = False, max_labels: int = 30,
                           ax: Axes | None = None) -> Axes:
    """Key-account portfolio matrix (McDonald & Woodburn 2007).

    y = account attractiveness (1–10), x = our relative strength as the client sees it
    (1–10; rising to the right, or — ``mcdonald=True`` — high on the left as in the book).
    Quadrant lines at ``threshold``; each quadrant named with its strategy and its number
    of clients and share of net revenue. Bubble area ∝ √revenue (clipped at the 99th
    percentile, so one whale does not hide the rest), green = contribution ≥ 0, red < 0,
    grey = unknown. Key clients (``is_key``) are outlined; the ``max_labels`` largest of
    them by revenue are named, plus every id in ``label``.

    ``scored``: index entity_id; columns ``attractiveness``, ``strength``, ``net_revenue``,
    ``contribution``, ``entity_name``, ``is_key``. The bubbles are drawn largest first (the
    small ones stay visible on top), so the scatter's points are not in ``scored``'s order.
    """
    import numpy as np

    ax = _ax(ax, (10, 7.5))
    df = scored
    x = df["strength"].astype(float).to_numpy()
    y = df["attractiveness"].astype(float).to_numpy()
    rev = df["net_revenue"].astype(float).fillna(0.0).clip(lower=0).to_numpy()
    contrib = df["contribution"].astype(float).to_numpy()
    is_key = df["is_key"].fillna(False).astype(bool).to_numpy()
    cap = float(np.quantile(rev, 0.99)) if len(rev) else 0.0
    cap = cap if cap > 0 else (float(rev.max()) if len(rev) and rev.max() > 0 else 1.0)
    n = len(df)
    s_max = 600.0 if n <= 50 else 350.0 if n <= 500 else 200.0
    size = 6.0 + s_max * np.sqrt(np.minimum(rev, cap) / cap)
    colors = np.where(np.isnan(contrib), "#a5a5a5", np.where(contrib < 0, _RED, _GREEN))
    order = np.argsort(-size, kind="stable")
    alpha = 0.7 if n <= 100 else 0.5 if n <= 1000 else 0.35
    ax.scatter(x[order], y[order], s=size[order], c=colors[order], alpha=alpha,
               edgecolors="white", linewidths=0.4, zorder=2, gid="portfolio")
    if is_key.any():
        ax.scatter(x[is_key], y[is_key], s=size[is_key], facecolors="none",
                   edgecolors="black", linewidths=0.9, zorder=3, gid="key")

    lo, hi = 0.5, 10.5
    ax.set_xlim((hi, lo) if mcdonald else (lo, hi))
    ax.set_ylim(lo, hi)
    ax.axvline(threshold, color="grey", lw=1.2, ls="--", zorder=1)
    ax.axhline(threshold, color="grey", lw=1.2, ls="--", zorder=1)

    names = _QUADRANTS["ru" if lang == "ru" else "en"]
    total = float(rev.sum())
    for (high_a, high_s), (name, strategy) in names.items():
        mask = ((y >= threshold) == high_a) & ((x >= threshold) == high_s)
        share = float(rev[mask].sum()) / total if total > 0 else 0.0
        right = high_s != mcdonald
        count = (f"{int(mask.sum())} clients · {share:.0%} of revenue" if lang != "ru"
                 else f"{int(mask.sum())} клиентов · {share:.0%} выручки")
        tx, ty = (0.985 if right else 0.015), (0.985 if high_a else 0.015)
        ha, va = ("right" if right else "left"), ("top" if high_a else "bottom")
        box = {"boxstyle": "round,pad=0.25", "fc": "white", "ec": "none", "alpha": 0.8}
        ax.text(tx, ty, name if high_a else f"{strategy}\n{count}", transform=ax.transAxes,
                ha=ha, va=va, zorder=5, bbox=box, gid=f"quadrant:{name}" if high_a else None,
                fontsize=10 if high_a else 8, weight="bold" if high_a else "normal",
                color="#1f1f1f" if high_a else "#404040")
        ax.annotate(f"{strategy}\n{count}" if high_a else name, (tx, ty),
                    xycoords="axes fraction", textcoords="offset points",
                    xytext=(0, -16 if high_a else 30), ha=ha, va=va, zorder=5, bbox=box,
                    gid=None if high_a else f"quadrant:{name}",
                    fontsize=8 if high_a else 10, weight="normal" if high_a else "bold",
                    color="#404040" if high_a else "#1f1f1f")

    # labels: the largest key clients, then every requested id
    key_ids = list(df.index[is_key][np.argsort(-rev[is_key], kind="stable")])
    wanted = key_ids[:max_labels] + [e for e in (label or []) if e not in key_ids[:max_labels]]
    pos = {e: i for i, e in enumerate(df.index)}
    has_name = "entity_name" in df.columns
    to_pt = ax.transData + ax.figure.dpi_scale_trans.inverted()  # data → inches
    placed: list[tuple[float, float, float, float]] = []  # label boxes, points
    box_ax = ax.get_position()  # keep clear of the quadrant texts in the four corners
    fw, fh = ax.figure.get_size_inches() * 72
    l_, r_, b_, t_ = box_ax.x0 * fw, box_ax.x1 * fw, box_ax.y0 * fh, box_ax.y1 * fh
    placed += [(l_, t_ - 42, l_ + 230, t_), (r_ - 230, t_ - 42, r_, t_),
               (l_, b_, l_ + 230, b_ + 46), (r_ - 230, b_, r_, b_ + 46)]
    for e in wanted:
        if e not in pos:
            continue
        i = pos[e]
        name = df["entity_name"].iloc[i] if has_name else e
        text = str(e if name is None or name != name else name)[:24]
        px, py = to_pt.transform((x[i], y[i])) * 72
        w, h = 7 * 0.55 * len(text), 9.0
        best = None
        for dx, dy, ha in ((6, 4, "left"), (6, -12, "left"), (-6, 4, "right"),
                           (-6, -12, "right"), (0, 10, "center"), (0, -18, "center"),
                           (10, 14, "left"), (-10, 14, "right"), (10, -22, "left")):
            x0 = px + dx - (w if ha == "right" else w / 2 if ha == "center" else 0)
            bb = (x0, py + dy, x0 + w, py + dy + h)
            clash = sum(bb[0] < o[2] and o[0] < bb[2] and bb[1] < o[3] and o[1] < bb[3]
                        for o in placed)
            if best is None or clash < best[0]:
                best = (clash, dx, dy, ha, bb)
            if clash == 0:
                break
        assert best is not None
        _, dx, dy, ha, bb = best
        placed.append(bb)
        ax.annotate(text, (x[i], y[i]), textcoords="offset points", xytext=(dx, dy), ha=ha,
                    fontsize=7, zorder=6, gid="label",
                    arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "grey",
                                "shrinkA": 0, "shrinkB": 2} if abs(dy) > 12 else None)
    hidden = len(key_ids) - min(len(key_ids), max_labels)
    if hidden > 0:
        ax.text(0.5, -0.16, (f"{hidden} more key clients not named" if lang != "ru"
                             else f"ещё {hidden} ключевых клиентов без подписи"),
                transform=ax.transAxes, ha="center", fontsize=8, color="grey")

    from matplotlib.lines import Line2D

    fmt = money_formatter(currency, lang)
    ru = lang == "ru"
    handles = [Line2D([], [], ls="", marker="o", color=_GREEN, alpha=0.7,
                      label="вклад ≥ 0" if ru else "contribution ≥ 0"),
               Line2D([], [], ls="", marker="o", color=_RED, alpha=0.7,
                      label="вклад < 0" if ru else "contribution < 0"),
               Line2D([], [], ls="", marker="o", mfc="none", mec="black",
                      label="ключевой клиент" if ru else "key client"),
               Line2D([], [], ls="", marker="o", color="#a5a5a5", markersize=12,
                      label=(f"размер ∝ √выручки (макс. {fmt(cap)})" if ru
                             else f"size ∝ √revenue (capped at {fmt(cap)})"))]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4,
              frameon=False, fontsize=8)
    arrow = "← " if mcdonald else ""
    tail = "" if mcdonald else " →"
    ax.set_xlabel((f"{arrow}наша относительная сила глазами клиента (1–10){tail}" if ru
                   else f"{arrow}our relative strength as the client sees it (1–10){tail}"),
                  fontsize=9)
    ax.set_ylabel("привлекательность клиента (1–10) →" if ru
                  else "account attractiveness (1–10) →", fontsize=9)
    ax.xaxis.set_label_coords(0.5, -0.045)
    ax.set_title("Портфель клиентов: матрица McDonald & Woodburn" if ru
                 else "Key account portfolio matrix (McDonald & Woodburn)")
    return ax


def workload_chart(assignment_info_or_frame: dict[str, Any] | pd.DataFrame, *,
                   tolerance: float | None = None, lang: str = "en",
                   ax: Axes | None = None) -> Axes:
    """Hours per KAM (horizontal bars) with the mean, the ±tolerance band and capacities.

    Takes the ``info`` dict of :func:`kamlib.sizing.assignment.assign_accounts` (its
    ``workloads``, ``mean`` and ``tolerance``), its ``workloads`` frame (index KAM; ``hours``,
    optional ``capacity``), or the assignment itself (``kam``, ``hours``: summed per KAM, no
    capacities). ``tolerance`` defaults to the info's, else 0.15. Bars outside the band are
    orange; a black tick marks each KAM's capacity; labels give utilisation (hours ÷
    capacity) or, without capacities, the hours.
    """
    import numpy as np

    data = assignment_info_or_frame
    mean = None
    if isinstance(data, dict):
        if tolerance is None:
            tolerance = data.get("tolerance")
        mean = data.get("mean")
        data = data["workloads"]
    if "kam" in data.columns:  # an assignment: one row per account
        data = data.groupby("kam", sort=False)["hours"].sum().to_frame()
    tol = 0.15 if tolerance is None else float(tolerance)
    hours = data["hours"].astype(float).to_numpy()
    mean = float(hours.mean()) if mean is None else float(mean)
    lo, hi = (1 - tol) * mean, (1 + tol) * mean
    names = [str(k) for k in data.index]
    ax = _ax(ax, (9, max(3.0, 0.3 * len(names) + 1.2)))
    ru = lang == "ru"
    y = np.arange(len(names))
    inside = (hours >= lo - 1e-6) & (hours <= hi + 1e-6)
    ax.barh(y, hours, color=[PALETTE[0] if ok else PALETTE[1] for ok in inside],
            height=0.7, zorder=2, gid="workload")
    ax.axvspan(lo, hi, color=PALETTE[2], alpha=0.12, zorder=1,
               label=f"±{tol:.0%} " + ("от среднего" if ru else "band"))
    ax.axvline(mean, color=PALETTE[2], lw=1.5, ls="--", zorder=3,
               label=(f"среднее {mean:,.0f} ч" if ru else f"mean {mean:,.0f} h")
               .replace(",", "\u00a0" if ru else ","))
    cap = (data["capacity"].astype(float).to_numpy() if "capacity" in data.columns else None)
    if cap is not None:
        ax.scatter(cap, y, marker="|", s=250, color="black", lw=2, zorder=4,
                   label="мощность" if ru else "capacity")
        texts = [f"{h / c:.0%}" if c > 0 else "" for h, c in zip(hours, cap, strict=True)]
    else:
        texts = [f"{h:,.0f}" for h in hours]
    right = max(float(hours.max()), float(np.nanmax(cap)) if cap is not None else 0.0, hi)
    ends = hours if cap is None else np.fmax(hours, cap)  # clear of the capacity tick
    for yi, e, t in zip(y, ends, texts, strict=True):
        ax.text(e + right * 0.012, yi, t, va="center", ha="left", fontsize=8, zorder=5)
    ax.set_xlim(0, right * 1.1)
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel("часов в год" if ru else "hours per year")
    ax.set_title("Нагрузка KAM: часы по клиентам" if ru else "KAM workload: account hours")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax
