"""Channels before clients: the P&L by channel / segment and a verdict on each (METHODS.md §5).

The method starts above the clients: which channel (distributors, wholesale, chains, retail,
HoReCa …) earns the most on the company's USP, and can the company afford to serve it. Key
clients are then chosen within the channels the company chooses (``selection.channels``).

- :func:`channel_growth` — revenue of each channel, last 12 months against the 12 before;
  when the data hold less than two years, the second half of the period against the first;
- :func:`channel_pnl` — revenue, gross margin, cost-to-serve, contribution, contribution
  margin, cost-to-serve as a share of revenue and growth per channel, the USP fit from the
  management workshop and a verdict (develop / maintain / review) with its reason code;
- :func:`channel_verdict` — the verdict of one channel, decided once for every surface;
- :func:`write_channel_fit` / :func:`read_channel_fit` — the workshop sheet
  ``review/channels.xlsx`` where management scores each channel's fit with the company's USP
  (1–10).

The channel of a client is the ``segment`` field of its catalogue record (``Сегмент`` /
``Канал`` / ``Channel`` …, :mod:`kamlib.schema`); a client without one is in the channel
:data:`UNKNOWN`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import KamError
from ..units import reason

__all__ = [
    "FIT_THRESHOLD",
    "UNKNOWN",
    "channel_growth",
    "channel_pnl",
    "channel_verdict",
    "read_channel_fit",
    "write_channel_fit",
]

#: the channel of a client whose catalogue record names none
UNKNOWN = "—"
#: a USP fit below this score (1–10) sends the channel to review whatever it earns
FIT_THRESHOLD = 5.5
#: revenue moving less than this share a year is "flat" for the verdict
_FLAT = 0.02

_MONEY = ("net_revenue", "gross_margin", "cost_to_serve", "cost_of_receivables",
          "contribution")


def channel_growth(monthly: pd.DataFrame, channel: pd.Series) -> pd.DataFrame:
    """Each channel's revenue in the two comparison windows and its growth.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Net revenue per entity and month: ``entity_id``, ``month`` (a monthly period or a
        ``YYYY-MM`` string), ``net_revenue``.
    channel : pandas.Series
        The channel of each entity (indexed by entity_id).

    Returns
    -------
    pandas.DataFrame
        Indexed by channel: ``revenue_before``, ``revenue_after`` (money), ``growth_pct``
        (ratio: after ÷ before − 1; NaN when nothing was sold before) and ``growth_basis``:
        ``"yoy"`` (the last 12 months against the 12 before, when the data span 24 months
        or more) or ``"halves"`` (the second half of the months against the first).
    """
    cols = ["revenue_before", "revenue_after", "growth_pct", "growth_basis"]
    if monthly is None or monthly.empty:
        return pd.DataFrame(columns=cols)
    m = monthly[["entity_id", "month", "net_revenue"]].copy()
    text = m["month"].astype(str)
    distinct = pd.unique(text)   # each month parsed once, not once per entity and month
    m["month"] = pd.Series(pd.PeriodIndex(distinct, freq="M"), index=distinct)[text].array
    last, first = m["month"].max(), m["month"].min()
    span = (last - first).n + 1
    if span >= 24:
        basis = "yoy"
        after = m["month"] > last - 12
        before = (m["month"] > last - 24) & ~after
    else:
        basis = "halves"
        half = span // 2
        after = m["month"] > last - half
        before = m["month"] <= first + (half - 1)
    ch = m["entity_id"].map(channel).fillna(UNKNOWN).astype(str)
    out = pd.DataFrame({
        "revenue_before": m["net_revenue"].where(before, 0.0).groupby(ch).sum(),
        "revenue_after": m["net_revenue"].where(after, 0.0).groupby(ch).sum(),
    })
    out["growth_pct"] = out["revenue_after"] / out["revenue_before"].where(
        out["revenue_before"] > 0) - 1
    out["growth_basis"] = basis
    out.index.name = "channel"
    return out[cols]


def channel_verdict(margin: float | None, average: float | None, growth: float | None,
                    usp_fit: float | None, *, fit_threshold: float = FIT_THRESHOLD
                    ) -> tuple[str, dict[str, Any]]:
    """The verdict on one channel and the reason that decided it.

    In this order: a channel that loses money (contribution margin below 0) or whose USP fit
    is below ``fit_threshold`` is to **review**; one that earns at least the company's
    average contribution margin and is not shrinking is to **develop**; one below the
    average and shrinking is to **review**; the rest are to **maintain**. A channel the
    workshop has not scored is judged on its figures, and its reason says the fit is not
    known.

    Parameters
    ----------
    margin : float or None
        The channel's contribution ÷ its net revenue (a fraction).
    average : float or None
        The company's contribution ÷ net revenue.
    growth : float or None
        The channel's revenue growth (a fraction; None when it cannot be measured).
    usp_fit : float or None
        The workshop's score of the channel's fit with the USP, 1–10.
    fit_threshold : float
        The lowest fit of a channel worth developing.

    Returns
    -------
    tuple of (str, dict)
        ``"develop"``, ``"maintain"`` or ``"review"``, and the reason (the clients without
        a channel get ``"assign"``, reason ``channel_unknown``, from :func:`channel_pnl`)
        (:func:`kamlib.units.reason`: ``channel_loses_money``, ``channel_low_fit``,
        ``channel_above_average``, ``channel_below_average_shrinking``, ``channel_mixed``).

    Examples
    --------
    >>> channel_verdict(0.18, 0.14, 0.05, 8.0)[0]
    'develop'
    >>> channel_verdict(0.10, 0.14, -0.03, None)[0]
    'review'
    """
    def num(x: float | None) -> float | None:
        return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)

    margin, average, growth, usp_fit = num(margin), num(average), num(growth), num(usp_fit)
    args = {"margin_ratio": margin, "average_ratio": average, "growth_ratio": growth,
            "usp_fit": usp_fit, "fit_threshold": float(fit_threshold)}
    if margin is not None and margin < 0:
        return "review", reason("channel_loses_money", **args)
    if usp_fit is not None and usp_fit < fit_threshold:
        return "review", reason("channel_low_fit", **args)
    above = margin is not None and average is not None and margin >= average
    shrinking = growth is not None and growth < -_FLAT
    if above and not shrinking:
        return "develop", reason("channel_above_average", **args)
    if not above and shrinking:
        return "review", reason("channel_below_average_shrinking", **args)
    return "maintain", reason("channel_mixed", **args)


def channel_pnl(pnl: pd.DataFrame, channel: pd.Series, *, monthly: pd.DataFrame | None = None,
                fit: Mapping[str, float] | None = None,
                fit_threshold: float = FIT_THRESHOLD) -> pd.DataFrame:
    """The P&L by channel, with the USP fit and a verdict on each channel.

    Parameters
    ----------
    pnl : pandas.DataFrame
        The client P&L, one row per entity (indexed by entity_id): ``net_revenue``,
        ``gross_margin``, ``cost_to_serve``, ``cost_of_receivables``, ``contribution``.
    channel : pandas.Series
        The channel of each entity (indexed by entity_id); missing → :data:`UNKNOWN`.
    monthly : pandas.DataFrame, optional
        Net revenue per entity and month, for :func:`channel_growth`.
    fit : mapping, optional
        Channel → the workshop's USP fit score (1–10), from :func:`read_channel_fit`.
    fit_threshold : float
        See :func:`channel_verdict`.

    Returns
    -------
    pandas.DataFrame
        One row per channel, largest revenue first; columns (units as registered for the
        artefact ``channels`` in :mod:`kamlib.steps`):

        ============================ ======= ==============================================
        ``channel``                  text    the channel (segment) of the clients
        ``clients``                  count   entities in the channel
        ``net_revenue``              money   net revenue of the period
        ``revenue_share``            ratio   share of the company's net revenue
        ``gross_margin``             money   net revenue − cost of goods
        ``cost_to_serve``            money   the channel's clients' cost-to-serve
        ``cost_of_receivables``      money   cost of carrying their receivables
        ``contribution``             money   gross margin − cost-to-serve − receivables
        ``contribution_share``       ratio   share of the company's contribution
        ``contribution_margin``      ratio   contribution ÷ net revenue
        ``cts_pct``                  ratio   cost-to-serve ÷ net revenue
        ``revenue_before``           money   revenue of the earlier comparison window
        ``revenue_after``            money   revenue of the later one
        ``growth_pct``               ratio   revenue_after ÷ revenue_before − 1
        ``growth_basis``             text    ``yoy`` or ``halves`` (see channel_growth)
        ``usp_fit``                  score   the workshop's USP fit, 1–10 (empty: not
                                             scored)
        ``verdict``                  text    develop / maintain / review
        ``reason_code``              text    why (:func:`channel_verdict`)
        ``reason_args``              text    the figures of the reason, JSON
        ============================ ======= ==============================================

        Money in = money out: the channels' revenue and contribution add up to the P&L's.
    """
    import json

    missing = [c for c in _MONEY if c not in pnl.columns]
    if missing:
        raise KamError(f"the client P&L lacks the columns {missing} the channel P&L needs",
                       hint="run step 2 (profitability) again")
    ch = channel.reindex(pnl.index)
    ch = ch.where(ch.notna() & (ch.astype(str).str.strip() != ""), UNKNOWN).astype(str)
    ch = ch.str.strip()
    g = pnl[list(_MONEY)].groupby(ch).sum()
    g.insert(0, "clients", ch.value_counts().reindex(g.index).astype(int))
    total_rev = float(pnl["net_revenue"].sum())
    total_con = float(pnl["contribution"].sum())
    rev = g["net_revenue"].where(g["net_revenue"] != 0)
    g.insert(2, "revenue_share", g["net_revenue"] / total_rev if total_rev else np.nan)
    g["contribution_share"] = g["contribution"] / total_con if total_con > 0 else np.nan
    g["contribution_margin"] = g["contribution"] / rev
    g["cts_pct"] = g["cost_to_serve"] / rev
    if monthly is not None and len(monthly):
        gr = channel_growth(monthly, ch)
        g = g.join(gr, how="left")
    else:
        g["revenue_before"] = np.nan
        g["revenue_after"] = np.nan
        g["growth_pct"] = np.nan
        g["growth_basis"] = None
    fit = {str(k).strip(): float(v) for k, v in (fit or {}).items()}
    g["usp_fit"] = [fit.get(c, np.nan) for c in g.index]
    average = total_con / total_rev if total_rev else None
    verdicts = [channel_verdict(r.contribution_margin, average, r.growth_pct, r.usp_fit,
                                fit_threshold=fit_threshold) for r in g.itertuples()]
    # the clients without a channel are no channel to develop or review: assign them one
    verdicts = [("assign", reason("channel_unknown", clients=int(r.clients)))
                if c == UNKNOWN else v for c, r, v in zip(g.index, g.itertuples(), verdicts,
                                                          strict=True)]
    g["verdict"] = [v for v, _ in verdicts]
    g["reason_code"] = [r["code"] for _, r in verdicts]
    g["reason_args"] = [json.dumps(r["args"], ensure_ascii=False) for _, r in verdicts]
    g.index.name = "channel"
    return g.sort_values("net_revenue", ascending=False, kind="mergesort").reset_index()


# --------------------------------------------------------------------------- workshop sheet

_HEAD = {"ru": ("Канал", "Соответствие УТП (1–10)", "Комментарий", "Выручка", "Маржа вклада"),
         "en": ("Channel", "USP fit (1–10)", "Comment", "Net revenue", "Contribution margin")}
_INSTR = {
    "ru": ("Оцените на встрече с руководством, насколько каждый канал ценит уникальное "
           "торговое предложение компании: 1 — не ценит, 10 — ради него и покупает. Пустая "
           "ячейка — канал не оценён. Сохраните файл и запустите шаг 2 снова."),
    "en": ("Score in the management workshop how much each channel values the company's "
           "unique selling proposition: 1 — not at all, 10 — it is why they buy. An empty "
           "cell: not scored. Save the file and run step 2 again."),
}


def write_channel_fit(path: str | Path, channels: pd.DataFrame, *,
                      existing: Mapping[str, float] | None = None, lang: str = "ru") -> Path:
    """Write the workshop sheet ``review/channels.xlsx``: one row per channel with its
    revenue and contribution margin, and an empty (or the already given) USP fit score.

    Parameters
    ----------
    path : path
        The workbook to write (atomically; every text cell neutralised by
        :func:`kamlib.workbook.safe_workbook`).
    channels : pandas.DataFrame
        :func:`channel_pnl`'s output (``channel``, ``net_revenue``, ``contribution_margin``).
    existing : mapping, optional
        Scores already given (kept in the new sheet).
    lang : {"ru", "en"}
        The sheet's language.
    """
    import io

    from ..io import atomic_write_bytes
    from ..workbook import safe_workbook

    lang = "ru" if lang == "ru" else "en"
    head = _HEAD[lang]
    existing = existing or {}
    buf = io.BytesIO()
    wb = safe_workbook(buf)
    ws = wb.add_worksheet("channels")
    bold = wb.add_format({"bold": True})
    pct = wb.add_format({"num_format": "0.0%"})
    money_fmt = wb.add_format({"num_format": "#,##0"})
    ws.write_row(0, 0, head, bold)
    for i, r in enumerate(channels.itertuples(index=False), 1):
        ws.write_string(i, 0, str(r.channel))
        score = existing.get(str(r.channel))
        if score is not None and math.isfinite(float(score)):
            ws.write_number(i, 1, float(score))
        ws.write_number(i, 3, float(r.net_revenue), money_fmt)
        if pd.notna(r.contribution_margin):
            ws.write_number(i, 4, float(r.contribution_margin), pct)
    ws.data_validation(1, 1, max(1, len(channels)), 1,
                       {"validate": "decimal", "criteria": "between", "minimum": 1,
                        "maximum": 10})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 4, 18)
    wb.add_worksheet("instructions" if lang == "en" else "инструкция").write_string(
        0, 0, _INSTR[lang])
    wb.close()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return path


def read_channel_fit(path: str | Path) -> dict[str, float]:
    """The USP fit scores of the workshop sheet (channel → 1–10); an empty score is left out.

    Raises
    ------
    KamError
        The file cannot be read, or a score is not a number from 1 to 10 (the message names
        the file, the row, the column and the value).
    """
    from openpyxl import load_workbook

    from ..workbook import unneutralise

    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise KamError(f"cannot read the channel sheet: {exc}", file=str(path),
                       hint="save it as .xlsx, or delete it and run step 2 again to get a "
                            "fresh one") from None
    ws = wb["channels"] if "channels" in wb.sheetnames else wb.worksheets[0]
    out: dict[str, float] = {}
    for n, row in enumerate(ws.iter_rows(min_row=2, max_col=2, values_only=True), 2):
        name, score = [*row, None, None][:2]
        if name is None or str(name).strip() == "":
            continue
        if score is None or (isinstance(score, str) and not score.strip()):
            continue
        if isinstance(score, str):
            try:
                score = float(score.strip().replace(",", "."))
            except ValueError:
                score = None
        if isinstance(score, bool) or not isinstance(score, int | float) \
                or not 1 <= float(score) <= 10:
            wb.close()
            raise KamError("a USP fit score must be a number from 1 to 10", file=str(path),
                           row=n, column="B", value=str(row[1]),
                           hint="correct or empty the cell and run step 2 again")
        out[unneutralise(str(name)).strip()] = float(score)
    wb.close()
    return out
