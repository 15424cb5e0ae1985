"""Charts of the workbench: one theme, readable labels, money with thousands separators.

Every function takes computed data (never raw files) and ``ax=None``, draws on the given
Axes or a new one, and returns the Axes — the seaborn convention. Computing lives
elsewhere; nothing in :mod:`kamlib` outside this module imports matplotlib.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from .atomic import atomic_write_bytes
from .i18n import LANGUAGES, Formatter, Strings, load_strings
from .theme import PALETTE as PALETTE  # re-exported: the charts' colours
from .theme import theme_rc

__all__ = [
    "abc_xyz_chart",
    "cluster_sizes_chart",
    "completeness_bars",
    "concentration_chart",
    "funnel_chart",
    "identifier_chart",
    "localise_axes",
    "money_formatter",
    "monthly_sales_chart",
    "portfolio_matrix_chart",
    "revenue_margin_chart",
    "save_and_show",
    "set_theme",
    "status_chart",
    "waterfall_chart",
    "whale_curve_chart",
    "workload_chart",
]

def set_theme() -> None:
    """The workbench's look: seaborn's ``whitegrid`` style, the palette, readable sizes
    (:func:`kamlib.theme.theme_rc`: the settings ``seaborn.set_theme`` would make, without
    importing seaborn)."""
    import matplotlib as mpl

    mpl.rcParams.update(cast(Any, theme_rc()))


def save_and_show(fig: Figure | Axes, path: str | Path) -> Path:
    """Write a chart's PNG to ``path`` and show that same PNG in the notebook; return the path.

    The figure is drawn once, at ``savefig.dpi`` (:func:`set_theme`: 150), then closed, so the
    notebook's inline backend does not draw it a second time at the end of the cell (a 2 × 2
    figure of step 2 took 1.2 s to draw again). The picture is shown at the size the inline
    backend would give it (``figure.dpi``). Outside IPython only the file is written.

    Parameters
    ----------
    fig : Figure or Axes
        The chart (an Axes stands for its figure).
    path : path
        The PNG to write (atomically); its folder is created.
    """
    figure = cast(Figure, fig.figure if isinstance(fig, Axes) else fig)
    buf = io.BytesIO()
    figure.savefig(buf, format="png")
    png = buf.getvalue()
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out, png)
    saved_dpi = plt.rcParams["savefig.dpi"]
    scale = 1.0 if saved_dpi == "figure" else float(figure.dpi) / float(saved_dpi)
    alt = _title_of(figure)
    plt.close(figure)
    width = int.from_bytes(png[16:20], "big")    # the PNG's IHDR: width in pixels
    _show_png(png, max(1, round(width * scale)), alt)
    return out


def _title_of(figure: Figure) -> str:
    """The figure's title, else its axes' titles: the picture's alternative text."""
    if figure.get_suptitle().strip():
        return figure.get_suptitle().strip()
    titles = [ax.get_title().strip() for ax in figure.axes]
    return "; ".join(t for t in titles if t)


def _show_png(png: bytes, width: int, alt: str = "") -> None:
    """Show ``png`` in the running IPython (a notebook's kernel), ``width`` pixels wide,
    with ``alt`` as its alternative text (display metadata: the working papers use it)."""
    try:
        from IPython import get_ipython
        from IPython.display import Image, display
    except ImportError:   # pragma: no cover - IPython comes with the notebooks' stack
        return
    if get_ipython() is not None:
        picture = Image(data=png, format="png", width=width)  # type: ignore[no-untyped-call]
        if not alt:
            display(picture)  # type: ignore[no-untyped-call]
            return
        # (replaces the picture's own metadata: its width is given again)
        display(picture,  # type: ignore[no-untyped-call]
                metadata={"image/png": {"width": width, "alt": alt}})


# ------------------------------------------------------------------ language and numbers
# Every text comes from templates/i18n/<lang>/plots.yaml (and the shared status.*, quadrant.*,
# funnel.*, col.* keys) through kamlib.i18n; every number through its Formatter.


def _lang(lang: str) -> str:
    return lang if lang in LANGUAGES else "en"


def _strings(lang: str) -> Strings:
    return load_strings(_lang(lang))


def _fmt(lang: str, currency: str = "") -> Formatter:
    return Formatter(_lang(lang), currency)


def _trim(text: str, lang: str) -> str:
    """Drop trailing zeros of the decimals for a tick: ``1,50 млн`` → ``1,5 млн``,
    ``80,0`` → ``80``."""
    dec = re.escape("," if _lang(lang) == "ru" else ".")
    return re.sub(rf"(\d){dec}(\d*?)0+(?!\d)",
                  lambda m: m.group(1) + (m.group(0)[len(m.group(1))] + m.group(2)
                                          if m.group(2) else ""), text)


def _money_text(currency: str, lang: str) -> Callable[[float], str]:
    """Money for ticks and labels: :meth:`Formatter.money_short` (``1,25 млн ₽`` /
    ``RUB 1.25m``) with its trailing zeros dropped; without a currency, the bare number."""
    f = _fmt(lang, currency)

    def text(x: float) -> str:
        out = f.money_short(x) if abs(x) >= 1000 else f.money(x, 2)
        return _trim(out, f.lang).strip("\u00a0")

    return text


def money_formatter(currency: str = "", lang: str = "ru") -> FuncFormatter:
    """Axis formatter for money, on :meth:`kamlib.i18n.Formatter.money_short`:
    ``1,25 млн ₽`` (ru) or ``RUB 1.25m`` (en)."""
    text = _money_text(currency, lang)
    return FuncFormatter(lambda x, _pos=None: text(x))


def _pct_axis(lang: str) -> FuncFormatter:
    """Ticks of an axis in percent units (0–100): ``40 %`` (ru) / ``40%`` (en)."""
    f = _fmt(lang)
    return FuncFormatter(lambda x, _pos=None: _trim(f.pct(x / 100, 1), f.lang))


def _number_axis(lang: str) -> FuncFormatter:
    """Ticks of a count or a score: ``1 234`` / ``2,5`` (ru), ``1,234`` / ``2.5`` (en)."""
    f = _fmt(lang)
    return FuncFormatter(lambda x, _pos=None: _trim(f.number(x, 2), f.lang))


def localise_axes(fig: Any, lang: str) -> None:
    """Give every plain numeric axis of ``fig`` (matplotlib's default ``ScalarFormatter``)
    the number format of ``lang``: ``2,5`` / ``17,5`` / ``1 000`` in Russian. Axes with
    their own formatter (money, percent, dates, categories) are left as they are."""
    from matplotlib.ticker import ScalarFormatter

    for ax in fig.get_axes():
        for axis in (ax.xaxis, ax.yaxis):
            if type(axis.get_major_formatter()) is ScalarFormatter:
                axis.set_major_formatter(_number_axis(lang))


def _ax(ax: Axes | None, size: tuple[float, float] = (9, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=size)
    return ax


def _no_data(ax: Axes, title: str, lang: str, note: str | None = None) -> Axes:
    """An empty chart that says so (nothing to draw: no rows, all zero, all returns)."""
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.text(0.5, 0.5, _strings(lang).t("plot.no_data") + (f"\n{note}" if note else ""),
            transform=ax.transAxes, ha="center", va="center", fontsize=11, color="grey",
            wrap=True, gid="no_data")
    return ax


def _finite(values: Any) -> np.ndarray:
    a = np.asarray(values, dtype=float).ravel()
    out: np.ndarray = a[np.isfinite(a)]
    return out


def monthly_sales_chart(monthly: pd.DataFrame, *, currency: str = "", lang: str = "en",
                        ax: Axes | None = None) -> Axes:
    """Net revenue per month (bars) and returns (red), from :func:`kamlib.datacheck.monthly_sales`.

    Months without any sales inside the covered span show as gaps at zero.
    """
    ax = _ax(ax)
    s = _strings(lang)
    values = _finite(monthly[["net_revenue", "returns"]]) if len(monthly) else np.array([])
    if not len(values) or not np.any(values):
        return _no_data(ax, s.t("plot.monthly.title"), lang)
    x = monthly["month"].astype(str)
    ax.bar(x, monthly["net_revenue"] - monthly["returns"], color=PALETTE[0],
           label=s.t("plot.monthly.sales"))
    ax.bar(x, monthly["returns"], color="#c00000", label=s.t("plot.monthly.returns"))
    ax.axhline(0, color="black", lw=0.8)
    ax.yaxis.set_major_formatter(money_formatter(currency, lang))
    step = max(1, len(x) // 12)
    ax.set_xticks(range(0, len(x), step))
    ax.set_xticklabels(list(x)[::step], rotation=45, ha="right")
    ax.set_title(s.t("plot.monthly.title"))
    ax.legend(frameon=False, loc="upper left")
    return ax


def completeness_bars(comp: pd.DataFrame, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """Share of filled values per column, one bar per table.column, required ones marked ``*``."""
    s = _strings(lang)
    data = comp.assign(label=comp["table"] + "." + comp["column"]
                       + comp["required"].map({True: " *", False: ""}))
    ax = _ax(ax, (8, max(3.0, 0.22 * len(data))))
    if data.empty:
        return _no_data(ax, s.t("plot.completeness.title"), lang)
    colors = [PALETTE[0] if v >= 0.95 else PALETTE[1] if v >= 0.5 else "#c00000"
              for v in data["share"]]
    ax.barh(data["label"], data["share"] * 100, color=colors)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(_pct_axis(lang))
    ax.set_xlabel(s.t("plot.completeness.x"))
    ax.set_title(s.t("plot.completeness.title"))
    return ax


_STATUS_COLORS = {"new": "#548235", "active": "#1f4e79", "dormant": "#c55a11",
                  "lost": "#c00000", "never_bought": "#a5a5a5"}
_FUNNEL = ("records", "legal_entities", "groups", "buying", "active")


def funnel_chart(funnel: dict[str, int], *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """The client base before → after: records, legal entities, groups, buying, active."""
    s, f = _strings(lang), _fmt(lang)
    keys = [k for k in _FUNNEL if k in funnel]
    values = [funnel[k] for k in keys]
    ax = _ax(ax, (7, 3.5))
    if not any(values):
        return _no_data(ax, s.t("plot.funnel.title"), lang)
    bars = ax.barh([s.t(f"funnel.{k}") for k in keys], values, color=PALETTE[: len(keys)])
    ax.invert_yaxis()
    top = max(values)
    for bar, v in zip(bars, values, strict=True):
        ax.text(bar.get_width() + top * 0.01, bar.get_y() + bar.get_height() / 2,
                f.integer(v), va="center")
    ax.set_xlim(0, top * 1.15)
    ax.xaxis.set_major_formatter(_number_axis(lang))
    ax.set_title(s.t("plot.funnel.title"))
    return ax


def status_chart(summary: pd.DataFrame, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """Share of entities and share of revenue by activity status (side by side)."""
    s = _strings(lang)
    ax = _ax(ax, (7, 3.5))
    order = [k for k in _STATUS_COLORS if k in summary.index]
    if not order:
        return _no_data(ax, s.t("plot.status.title"), lang)
    x = range(len(order))
    ent = [float(summary.loc[k, "share_entities"]) * 100 for k in order]
    rev = [float(summary.loc[k, "share_revenue"]) * 100 for k in order]
    ax.bar([i - 0.2 for i in x], ent, width=0.4, color=[_STATUS_COLORS[k] for k in order],
           alpha=0.4)
    ax.bar([i + 0.2 for i in x], rev, width=0.4, color=[_STATUS_COLORS[k] for k in order])
    ax.set_xticks(list(x))
    ax.set_xticklabels([s.t(f"status.{k}").replace(" ", "\n") for k in order])
    ax.yaxis.set_major_formatter(_pct_axis(lang))
    ax.set_ylabel(s.t("plot.status.y"))
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color="#7f7f7f", alpha=0.4, label=s.t("plot.status.entities")),
                       Patch(color="#7f7f7f", label=s.t("plot.status.revenue"))],
              frameon=False)
    ax.set_title(s.t("plot.status.title"))
    return ax


def cluster_sizes_chart(entity_table: pd.DataFrame, *, lang: str = "en",
                        ax: Axes | None = None) -> Axes:
    """How many entities were found under 2, 3, 4 … catalogue records."""
    s, f = _strings(lang), _fmt(lang)
    sizes = entity_table.loc[entity_table["records"] > 1, "records"].value_counts().sort_index()
    ax = _ax(ax, (6, 3.5))
    if sizes.empty:
        return _no_data(ax, s.t("plot.clusters.title"), lang)
    ax.bar([f.integer(v) for v in sizes.index], sizes.to_numpy(), color=PALETTE[1])
    for i, v in enumerate(sizes.to_numpy()):
        ax.text(i, v, f.integer(v), ha="center", va="bottom")
    ax.yaxis.set_major_formatter(_number_axis(lang))
    ax.set_xlabel(s.t("plot.clusters.x"))
    ax.set_ylabel(s.t("plot.clusters.y"))
    ax.set_title(s.t("plot.clusters.title"))
    return ax


_INN = {"valid": "valid", "invalid": "invalid", "missing": "missing",
        "foreign / not an INN": "foreign"}


def identifier_chart(identifiers: pd.DataFrame, *, lang: str = "en",
                     ax: Axes | None = None) -> Axes:
    """Records by INN status: valid, invalid, missing, foreign."""
    s, f = _strings(lang), _fmt(lang)
    counts = identifiers["inn_status"].str.split(":").str[0].value_counts()
    ax = _ax(ax, (6, 3.5))
    if counts.empty:
        return _no_data(ax, s.t("plot.inn.title"), lang)
    colors = {"valid": PALETTE[0], "invalid": "#c00000", "missing": PALETTE[1]}
    labels = [s.t(f"plot.inn.{_INN[k]}") if k in _INN else str(k) for k in counts.index]
    ax.barh(labels, counts.to_numpy(), color=[colors.get(k, "#a5a5a5") for k in counts.index])
    for i, v in enumerate(counts.to_numpy()):
        ax.text(v, i, f" {f.integer(v)}", va="center")
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(_number_axis(lang))
    ax.set_title(s.t("plot.inn.title"))
    return ax


# --------------------------------------------------------------- client profitability (§2)

_RED, _GREEN = "#c00000", "#548235"


# the waterfall's steps (kamlib.profitability.curves.price_waterfall) → their column names
_STEP_COLUMN = {"list revenue": "list_revenue", "discounts": "discount",
                "net sales": "sales_net", "returns": "returns", "net revenue": "net_revenue",
                "COGS": "cogs", "gross margin": "gross_margin", "cost-to-serve": "cost_to_serve",
                "cost of receivables": "cost_of_receivables", "contribution": "contribution"}


def _step_label(s: Strings, step: str, step_ru: Any = None) -> str:
    if step == "other":
        return s.t("plot.waterfall.other")
    col = _STEP_COLUMN.get(step)
    if col and f"col.{col}" in s:
        return s.t(f"col.{col}")
    return str(step_ru) if s.lang == "ru" and step_ru is not None else str(step)


def waterfall_chart(waterfall_df: pd.DataFrame, *, currency: str = "", lang: str = "en",
                    ax: Axes | None = None, title: str | None = None) -> Axes:
    """Pocket-margin waterfall (Marn & Rosiello) from
    :func:`kamlib.profitability.curves.price_waterfall`: totals solid, decreases red,
    increases green, each bar labelled with its amount. ``title`` replaces the default one
    (one client's waterfall: :func:`kamlib.notebook.client_view.client_waterfall`)."""
    import textwrap

    s = _strings(lang)
    ax = _ax(ax, (11, 4.5))
    amounts = _finite(waterfall_df["amount"]) if len(waterfall_df) else np.array([])
    if not len(amounts) or not np.any(amounts):
        return _no_data(ax, title or s.t("plot.waterfall.title"), lang)
    fmt = money_formatter(currency, lang)
    steps = waterfall_df["step"].astype(str)
    steps_ru = waterfall_df["step_ru"] if "step_ru" in waterfall_df else [None] * len(steps)
    labels = [_step_label(s, a, b) for a, b in zip(steps, steps_ru, strict=True)]
    level = 0.0
    top = 0.0
    values = []
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
        values.append(ax.text(i, max(bottom, bottom + height), fmt(amount), ha="center",
                              va="bottom", fontsize=7, gid="value"))
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([textwrap.fill(str(t), 11, break_long_words=False) for t in labels],
                       fontsize=8)
    ax.yaxis.set_major_formatter(fmt)
    if top > 0:
        ax.set_ylim(top=top * 1.08)
    if _fit_labels(ax, values) and top > 0:
        ax.set_ylim(top=top * 1.15)  # room for the two-line labels under the title
    ax.set_title(title or s.t("plot.waterfall.title"))
    return ax


def _fit_labels(ax: Axes, texts: list[Any]) -> bool:
    """Side-by-side value labels that would touch (a narrow axes, a projector grid): put the
    unit on a second line (``1,48`` / ``млн ₽``), then, if still needed, a smaller font.
    Measured with the figure's renderer, with a 15 % margin for a later tight layout.
    Returns whether the labels were changed."""
    try:
        # Agg-based canvases have one; the others raise AttributeError (handled below)
        renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    except AttributeError:  # a canvas without a renderer: leave the labels as they are
        return False

    def clash() -> bool:
        boxes = [t.get_window_extent(renderer).expanded(1.15, 1.0) for t in texts]
        return any(a.overlaps(b) for a, b in pairwise(boxes))

    if len(texts) < 2 or not clash():
        return False
    for t in texts:
        t.set_text(t.get_text().replace("\u00a0", "\n", 1))
        t.set_linespacing(1.0)
    if clash():
        for t in texts:
            t.set_fontsize(6)
    return True


def whale_curve_chart(whale_df: pd.DataFrame, figures: dict[str, Any], *, lang: str = "en",
                      ax: Axes | None = None) -> Axes:
    """Whale curve (Kaplan & Cooper): cumulative contribution, % of total, against the share
    of clients (most profitable first); 100% line; the peak annotated."""
    s, f = _strings(lang), _fmt(lang)
    ax = _ax(ax, (8, 4.5))
    x = (whale_df["client_share"] * 100).to_numpy(dtype=float) if len(whale_df) else \
        np.array([])
    y = (whale_df["cum_pct"] * 100).to_numpy(dtype=float) if len(whale_df) else np.array([])
    if not len(x) or not np.isfinite(y).any():
        total = figures.get("total")
        note = (s.t("plot.whale.not_meaningful", total=_money_text("", lang)(float(total)))
                if len(x) and total is not None else None)
        return _no_data(ax, s.t("plot.whale.title"), lang, note)
    ax.plot([0.0, x[0]], [0.0, y[0]], color=PALETTE[0], lw=2)  # from the origin
    ax.plot(x, y, color=PALETTE[0], lw=2, label=s.t("plot.whale.curve"), gid="whale")
    ax.axhline(100, color="grey", ls="--", lw=1)
    ax.axhline(0, color="black", lw=0.8)
    peak, n_peak = figures.get("peak_pct"), figures.get("clients_at_peak")
    if peak is not None and n_peak:
        share = figures.get("clients_at_peak_share") or 0.0
        ax.scatter([share * 100], [peak * 100], color=_RED, zorder=3)
        text = s.n("plot.whale.peak", n_peak, n=f.integer(n_peak), peak=f.pct(peak, 0),
                   share=f.pct(share, 0))
        right = share > 0.6  # a label to the right of a late peak would leave the frame
        ax.annotate(text, (share * 100, peak * 100), textcoords="offset points",
                    xytext=(-8 if right else 8, -14), ha="right" if right else "left",
                    fontsize=9, gid="peak")  # below the peak: clear of the frame
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, max(hi, peak * 100 + (hi - lo) * 0.08))
    tail = figures.get("loss_tail_pct")
    if tail:
        ax.annotate(s.t("plot.whale.tail", tail=f.pct(tail, 0),
                        n=f.integer(figures.get("loss_makers", 0))), (x[-1], y[-1]),
                    textcoords="offset points", xytext=(-8, -14), ha="right", fontsize=9,
                    gid="tail")
    ax.set_xlim(0, 100)
    ax.xaxis.set_major_formatter(_pct_axis(lang))
    ax.yaxis.set_major_formatter(_pct_axis(lang))
    ax.set_xlabel(s.t("plot.whale.x"))
    ax.set_ylabel(s.t("plot.whale.y"))
    ax.set_title(s.t("plot.whale.title"))
    return ax


def concentration_chart(pnl: pd.DataFrame, *, value: str = "net_revenue", top: int = 10,
                        currency: str = "", lang: str = "en", ax: Axes | None = None) -> Axes:
    """Share of the top-N clients (bars) and cumulative share (line), with the 10% (IFRS 8.34)
    and 20% (dependence) thresholds. Shares are of the sum of positive values."""
    del currency  # shares only; kept for a uniform signature
    s, f = _strings(lang), _fmt(lang)
    df = pnl.set_index("entity_id") if "entity_id" in pnl.columns else pnl
    vals = df[value].astype(float).clip(lower=0)
    total = float(vals.sum())
    order = vals.sort_values(ascending=False, kind="mergesort").head(top)
    ax = _ax(ax, (9, 4.5))
    if not total > 0:  # no client, all zero or all returns: no share to draw
        return _no_data(ax, s.n("plot.concentration.title", top, n=f.integer(top)), lang)
    share = order / total * 100
    names = (df.loc[order.index, "entity_name"].astype(str) if "entity_name" in df.columns
             else pd.Series(order.index.astype(str), index=order.index))
    x = range(len(order))
    ax.bar(x, share.to_numpy(), color=[_RED if v >= 20 else PALETTE[1] if v >= 10
                                        else PALETTE[0] for v in share])
    ax.plot(list(x), share.cumsum().to_numpy(), color="black", marker="o", lw=1.2,
            label=s.t("plot.concentration.cumulative"))
    ax.axhline(10, color=PALETTE[1], ls="--", lw=1,
               label=s.t("plot.concentration.ifrs", pct=f.pct(0.10, 0)))
    ax.axhline(20, color=_RED, ls="--", lw=1,
               label=s.t("plot.concentration.dependence", pct=f.pct(0.20, 0)))
    ax.set_xticks(list(x))
    ax.set_xticklabels([n[:18] for n in names], rotation=45, ha="right", fontsize=8)
    what = s.get(f"col.{value}") or value.replace("_", " ")
    ax.set_ylabel(s.t("plot.concentration.y", what=what))
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(_pct_axis(lang))
    ax.legend(frameon=False, fontsize=8)
    ax.set_title(s.n("plot.concentration.title", len(order), n=f.integer(len(order))))
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
    s, f = _strings(lang), _fmt(lang)
    df = pnl.set_index("entity_id") if "entity_id" in pnl.columns else pnl
    df = df[df["net_revenue"].astype(float) > 0]
    ax = _ax(ax, (8, 5))
    if df.empty:  # no client with positive revenue (none, all zero, all returns): no log axis
        return _no_data(ax, s.t("plot.margin.title"), lang)
    rev = df["net_revenue"].astype(float)
    margin = df["contribution"].astype(float) / rev * 100
    size = 15 + 400 * (rev / rev.max()) ** 0.5
    colors = [_GREEN if c >= 0 else _RED for c in df["contribution"].astype(float)]
    ax.scatter(rev.to_numpy(), margin.to_numpy(), s=size, c=colors, alpha=0.6,
               edgecolors="white", linewidths=0.5)
    ax.axhline(0, color="black", lw=0.8)
    low = int((margin < -100).sum())
    if low:  # a few tiny clients far below −100% would flatten everyone else
        top = float(np.nanmax(margin.to_numpy())) if margin.notna().any() else 0.0
        ax.set_ylim(bottom=-105, top=max(5.0, top + 5))
        ax.text(0.01, 0.01, s.n("plot.margin.below", low, n=f.integer(low), pct=f.pct(-1, 0)),
                transform=ax.transAxes, fontsize=8, color="grey")
    ax.set_xscale("log")
    if rev.min() == rev.max():  # one revenue: a decade around it, not a zero-width log axis
        ax.set_xlim(rev.min() / 3, rev.max() * 3)
    ax.xaxis.set_major_formatter(money_formatter(currency, lang))
    ax.xaxis.set_minor_formatter(NullFormatter())
    lo_x, hi_x = ax.get_xlim()
    if hi_x / lo_x < 10:  # less than a decade: no major tick inside, label the minor ones
        ax.xaxis.set_minor_formatter(money_formatter(currency, lang))
    ax.yaxis.set_major_formatter(_pct_axis(lang))
    _place_labels(ax, [(str(df.loc[e, "entity_name"] if "entity_name" in df.columns else e)[:24],
                        rev[e], margin[e]) for e in dict.fromkeys(label or [])
                       if e in df.index])
    ax.set_xlabel(s.t("plot.margin.x"))
    ax.set_ylabel(s.t("plot.margin.y"))
    ax.set_title(s.t("plot.margin.title"))
    return ax


def abc_xyz_chart(matrix: pd.DataFrame, *, lang: str = "en", ax: Axes | None = None) -> Axes:
    """ABC × XYZ matrix (from :func:`kamlib.profitability.curves.abc_xyz_matrix`) as an
    annotated heatmap: the darker the cell, the larger its figure (drawn with matplotlib as
    seaborn's ``heatmap`` draws it, without importing seaborn)."""
    from matplotlib import colormaps

    s, f = _strings(lang), _fmt(lang)
    ax = _ax(ax, (5, 4))
    values = matrix.to_numpy(dtype=float) if matrix.size else np.zeros((0, 0))
    if not values.size or not np.any(np.nan_to_num(values)):
        return _no_data(ax, s.t("plot.abc_xyz.title"), lang)
    rows, cols = values.shape
    masked = np.ma.masked_invalid(values)
    mesh = ax.pcolormesh(masked, cmap=colormaps["Blues"], linewidths=0.5, edgecolors="white")
    for (i, j), v in np.ndenumerate(values):
        if not np.isfinite(v):
            continue
        r, g, b, _ = mesh.cmap(mesh.norm(v))
        # the text dark on a light cell, white on a dark one (relative luminance, as seaborn)
        lum = 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)
        ax.text(j + 0.5, i + 0.5, f.number(v, 0), ha="center", va="center",
                color=".15" if lum > 0.408 else "w")
    ax.set_xlim(0, cols)
    ax.set_ylim(0, rows)
    ax.invert_yaxis()
    ax.set_xticks(np.arange(cols) + 0.5, [str(c) for c in matrix.columns])
    ax.set_yticks(np.arange(rows) + 0.5, [str(r) for r in matrix.index])
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlabel(s.t("plot.abc_xyz.x"))
    ax.set_ylabel(s.t("plot.abc_xyz.y"))
    ax.tick_params(axis="y", rotation=0)
    ax.set_title(s.t("plot.abc_xyz.title"))
    return ax


def _linear(c: float) -> float:
    """An sRGB channel (0–1) to linear light, for the relative luminance."""
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


# ------------------------------------------------------- key client portfolio matrix (§3)

# the quadrant (its key in quadrant.* and plot.portfolio.strategy.*) by (high attractiveness,
# high strength)
_QUADRANTS = {(True, True): "Strategic", (True, False): "Star", (False, True): "Status",
              (False, False): "Streamline"}


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
    s, f = _strings(lang), _fmt(lang)
    ax = _ax(ax, (10, 7.5))
    df = scored
    if df.empty:
        return _no_data(ax, s.t("plot.portfolio.title"), lang)
    x = df["strength"].astype(float).to_numpy()
    y = df["attractiveness"].astype(float).to_numpy()
    rev = df["net_revenue"].astype(float).fillna(0.0).clip(lower=0).to_numpy()
    contrib = df["contribution"].astype(float).to_numpy()
    is_key = df["is_key"].fillna(False).astype(bool).to_numpy()
    # bubble AREA ∝ revenue, uncapped (matplotlib's ``s`` is the area in points²): a 640M
    # client is drawn 4.3 times the area of a 148M one, as the caption says
    cap = float(rev.max()) if len(rev) and rev.max() > 0 else 1.0
    n = len(df)
    s_max = 900.0 if n <= 50 else 600.0 if n <= 500 else 400.0
    size = 6.0 + s_max * rev / cap
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

    total = float(rev.sum())
    for (high_a, high_s), quadrant in _QUADRANTS.items():
        name, strategy = s.t(f"quadrant.{quadrant}"), s.t(f"plot.portfolio.strategy.{quadrant}")
        mask = ((y >= threshold) == high_a) & ((x >= threshold) == high_s)
        share = float(rev[mask].sum()) / total if total > 0 else 0.0
        right = high_s != mcdonald
        n_in = int(mask.sum())
        count = s.n("plot.portfolio.count", n_in, n=f.integer(n_in), share=f.pct(share, 0))
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
    wanted = list(dict.fromkeys([*key_ids[:max_labels], *(label or [])]))  # each once
    pos = {e: i for i, e in enumerate(df.index)}
    has_name = "entity_name" in df.columns
    to_pt = ax.transData + ax.figure.dpi_scale_trans.inverted()  # data → inches
    placed: list[tuple[float, float, float, float]] = []  # label boxes, points
    box_ax = ax.get_position()  # keep clear of the quadrant texts in the four corners
    fw, fh = cast(Figure, ax.figure).get_size_inches() * 72  # a plot of its own figure
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
        ax.text(0.5, -0.16, s.n("plot.portfolio.hidden", hidden, n=f.integer(hidden)),
                transform=ax.transAxes, ha="center", fontsize=8, color="grey")

    from matplotlib.lines import Line2D

    fmt = money_formatter(currency, lang)
    handles = [Line2D([], [], ls="", marker="o", color=_GREEN, alpha=0.7,
                      label=s.t("plot.portfolio.positive")),
               Line2D([], [], ls="", marker="o", color=_RED, alpha=0.7,
                      label=s.t("plot.portfolio.negative")),
               Line2D([], [], ls="", marker="o", mfc="none", mec="black",
                      label=s.t("plot.portfolio.key")),
               Line2D([], [], ls="", marker="o", color="#a5a5a5",
                      markersize=min(float(np.sqrt(6.0 + s_max)), 24.0),
                      label=s.t("plot.portfolio.size", cap=fmt(cap)))]
    if not (len(rev) and rev.max() > 0):  # no revenue: all bubbles one size, no scale
        handles = handles[:3]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4,
              frameon=False, fontsize=8)
    arrow = "← " if mcdonald else ""
    tail = "" if mcdonald else " →"
    ax.set_xlabel(f"{arrow}{s.t('plot.portfolio.x')}{tail}", fontsize=9)
    ax.set_ylabel(s.t("plot.portfolio.y"), fontsize=9)
    ax.xaxis.set_major_formatter(_number_axis(lang))
    ax.yaxis.set_major_formatter(_number_axis(lang))
    ax.xaxis.set_label_coords(0.5, -0.045)
    ax.set_title(s.t("plot.portfolio.title"))
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
    s, f = _strings(lang), _fmt(lang)
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
    names = [str(k) for k in data.index]
    ax = _ax(ax, (9, max(3.0, 0.3 * len(names) + 1.2)))
    if not len(hours) or not np.nansum(np.abs(hours)):
        return _no_data(ax, s.t("plot.workload.title"), lang)
    mean = float(np.nanmean(hours)) if mean is None else float(mean)
    lo, hi = (1 - tol) * mean, (1 + tol) * mean
    y = np.arange(len(names))
    inside = (hours >= lo - 1e-6) & (hours <= hi + 1e-6)
    ax.barh(y, hours, color=[PALETTE[0] if ok else PALETTE[1] for ok in inside],
            height=0.7, zorder=2, gid="workload")
    ax.axvspan(lo, hi, color=PALETTE[2], alpha=0.12, zorder=1,
               label=s.t("plot.workload.band", pct=f.pct(tol, 0)))
    ax.axvline(mean, color=PALETTE[2], lw=1.5, ls="--", zorder=3,
               label=s.t("plot.workload.mean", hours=f.integer(mean)))
    cap = (data["capacity"].astype(float).to_numpy() if "capacity" in data.columns else None)
    if cap is not None:
        ax.scatter(cap, y, marker="|", s=250, color="black", lw=2, zorder=4,
                   label=s.t("plot.workload.capacity"))
        texts = [f.pct(h / c, 0) if c > 0 else "" for h, c in zip(hours, cap, strict=True)]
    else:
        texts = [f.integer(h) for h in hours]
    right = max(float(np.nanmax(hours)), float(np.nanmax(cap)) if cap is not None else 0.0, hi)
    ends = hours if cap is None else np.fmax(hours, cap)  # clear of the capacity tick
    for yi, e, t in zip(y, ends, texts, strict=True):
        ax.text(e + right * 0.012, float(yi), t, va="center", ha="left", fontsize=8, zorder=5)
    ax.set_xlim(0, right * 1.1)
    ax.xaxis.set_major_formatter(_number_axis(lang))
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_xlabel(s.t("plot.workload.x"))
    ax.set_title(s.t("plot.workload.title"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return ax


def receivables_chart(monthly: pd.DataFrame, ageing: dict[str, Any] | None = None, *,
                      currency: str = "", lang: str = "en", ax: Axes | None = None) -> Axes:
    """The clients' total receivables at each month end (line), from step 2's
    ``receivables_monthly`` (:mod:`kamlib.profitability.cash`); with ``ageing`` (the summary's
    ``cash.ageing``) the overdue part at the period end is marked on the last month."""
    ax = _ax(ax)
    s = _strings(lang)
    if not len(monthly):
        return _no_data(ax, s.t("plot.receivables.title"), lang)
    total = monthly.groupby("month")["balance"].sum().sort_index()
    x = list(range(len(total)))
    ax.plot(x, total.to_numpy(), color=PALETTE[0], lw=2, label=s.t("plot.receivables.balance"))
    if ageing:
        overdue = sum(float(v) for k, v in ageing.items() if k != "not_due")
        ax.bar([x[-1]], [overdue], color="#c00000", width=0.8,
               label=s.t("plot.receivables.overdue"))
    ax.yaxis.set_major_formatter(money_formatter(currency, lang))
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step])
    ax.set_xticklabels(list(total.index.astype(str))[::step], rotation=45, ha="right")
    ax.set_ylim(bottom=0)
    ax.set_title(s.t("plot.receivables.title"))
    ax.legend(frameon=False, loc="upper left")
    return ax
