"""The pre-filled account plans as one Excel workbook: an index, then a sheet per key client.

Each client's sheet has the plan's parts in the order a KAM works through them (McDonald &
Woodburn 2007, ch. 9): who the client is and why it is key; the facts (money as numbers in the
engagement's currency, ratios as percentages, days and counts), each with the artefact it comes
from; the gaps in the relationship (step 3's risks); the relationship map (their people by
level and function against ours); the questions to answer with the client (strategy, their
customers, share of wallet, competitors); and empty, formatted tables for the objectives and
actions with owner and date. The deep-plan accounts are marked in the index and on their sheet.

Written through :func:`kamlib.workbook.safe_workbook` (no cell can become a formula) and saved
atomically. Nothing is computed here: every figure is a column of
:func:`kamlib.kit.account_plans.account_plan_facts`.
"""

from __future__ import annotations

import io
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..atomic import atomic_write_bytes
from ..i18n import Formatter, Strings, load_strings, say
from ..workbook import safe_workbook
from .account_plans import FACT_COLUMNS, AccountPlans, unit_of_fact

__all__ = ["sheet_title", "write_account_plans"]

_BAD = re.compile(r"[\[\]:*?/\\']")
_MAX_SHEET = 31
_FORMATS = {"money": "#,##0.00", "ratio": "0.0%", "count": "#,##0", "days": "#,##0",
            "score": "0.0", "number": "#,##0.0"}
_OBJECTIVE_ROWS = 5
_ACTION_ROWS = 8
_QUESTIONS = ("strategy", "customers", "wallet", "competitors", "value", "people")
_MAP = ("person", "level", "function", "role", "buying_role", "owner", "last_contact_date",
        "days_since_contact")


def sheet_title(rank: int, name: str, taken: set[str]) -> str:
    """A unique, valid sheet name for a client: ``'01 Name'`` cut to Excel's 31 characters."""
    base = _BAD.sub(" ", f"{rank:02d} {name}").strip()[:_MAX_SHEET].rstrip() or f"{rank:02d}"
    title, n = base, 2
    while title.casefold() in taken:
        suffix = f" ({n})"
        title = base[:_MAX_SHEET - len(suffix)].rstrip() + suffix
        n += 1
    taken.add(title.casefold())
    return title


def _label(st: Strings, column: str) -> str:
    return st.get(f"kit.fact.{column}") or st.get(f"col.{column}") or column


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA \
        or v is pd.NaT or (not isinstance(v, str | list | dict) and bool(pd.isna(v)))


class _Writer:
    """Formats and helpers for one workbook."""

    def __init__(self, book: Any, st: Strings, fmt: Formatter) -> None:
        self.book, self.st, self.fmt = book, st, fmt
        self.title = book.add_format({"bold": True, "font_size": 14})
        self.head = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF4",
                                     "text_wrap": True, "valign": "top"})
        self.section = book.add_format({"bold": True, "font_size": 12, "font_color": "#1F3B57"})
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.note = book.add_format({"italic": True, "font_color": "#555555", "text_wrap": True})
        self.mark = book.add_format({"bold": True, "font_color": "#9C2A00"})
        self.box = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        self.date = book.add_format({"num_format": "dd.mm.yyyy" if fmt.lang == "ru"
                                     else "yyyy-mm-dd"})
        self.units = {u: book.add_format({"num_format": f}) for u, f in _FORMATS.items()}

    def value(self, ws: Any, row: int, col: int, v: Any, unit: str) -> None:
        if _missing(v):
            ws.write_blank(row, col, None)
        elif unit == "date":
            d = pd.Timestamp(v).date() if not isinstance(v, date) else v
            ws.write_datetime(row, col, pd.Timestamp(d).to_pydatetime(), self.date)
        elif unit in self.units:
            x = float(v)
            ws.write_number(row, col, round(x, 2) if unit == "money" else x, self.units[unit])
        else:
            ws.write_string(row, col, str(v))

    def deep(self, v: Any) -> str:
        if v is None or _missing(v):
            return self.st.t("kit.plans.deep_plan_unknown")
        return self.st.t("kit.plans.deep_plan_yes" if bool(v) else "kit.plans.deep_plan_no")


def _index(w: _Writer, plans: AccountPlans, titles: list[str], period: str) -> None:
    st = w.st
    ws = w.book.add_worksheet(st.t("kit.plans.index_sheet")[:_MAX_SHEET])
    ws.write_string(0, 0, st.t("kit.plans.title", client=plans.client), w.title)
    ws.write_string(1, 0, st.t("kit.plans.subtitle", period=period, currency=plans.currency),
                    w.note)
    ws.write_string(3, 0, st.t("kit.plans.index"), w.section)
    if plans.facts.empty:
        ws.write_string(4, 0, st.t("kit.plans.no_key_clients"), w.note)
        return
    cols: list[tuple[str, str | None]] = [
        ("sheet_col", None), ("client", None), ("kam", None), ("quadrant", None),
        ("deep_plan", None), ("net_revenue", "client_pnl"), ("contribution", "client_pnl"),
        ("contribution_pct", "client_pnl"), ("growth_pct", "client_pnl")]
    for j, (key, art) in enumerate(cols):
        ws.write_string(4, j, _label(st, key) if art else st.t(f"kit.plans.{key}"), w.head)
    for i, (row, title) in enumerate(zip(plans.facts.itertuples(index=False), titles,
                                         strict=True)):
        r = 5 + i
        rec = row._asdict()
        ws.write_string(r, 0, title)
        ws.write_string(r, 1, str(rec["entity_name"]))
        ws.write_string(r, 2, str(rec["kam"]) if rec["kam"] else st.t("kit.plans.kam_none"))
        ws.write_string(r, 3, st.get(f"quadrant.{rec['quadrant']}") or str(rec["quadrant"]))
        ws.write_string(r, 4, w.deep(rec["deep_plan"]),
                        w.mark if rec["deep_plan"] is True else None)
        for j, (key, art) in enumerate(cols[5:], start=5):
            if key in rec and art is not None:   # every column from here names its artefact
                w.value(ws, r, j, rec[key], unit_of_fact(art, key))
    ws.set_column(0, 0, 30)
    ws.set_column(1, 2, 34)
    ws.set_column(3, 4, 16)
    ws.set_column(5, 8, 18)
    ws.freeze_panes(5, 2)
    ws.autofilter(4, 0, 4 + len(titles), len(cols) - 1)


def _client_sheet(w: _Writer, title: str, rec: dict[str, Any], people: pd.DataFrame) -> None:
    st, fmt = w.st, w.fmt
    ws = w.book.add_worksheet(title)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 7, 18)
    ws.write_string(0, 0, str(rec["entity_name"]), w.title)
    head = [("client", str(rec["entity_name"])),
            ("kam", str(rec["kam"]) if rec["kam"] else st.t("kit.plans.kam_none")),
            ("quadrant", st.get(f"quadrant.{rec['quadrant']}") or str(rec["quadrant"])),
            ("strategy", st.get(f"strategy.{rec['quadrant']}") or ""),
            ("deep_plan", w.deep(rec["deep_plan"])),
            ("why_key", say(rec["reason"], st, fmt) if rec["reason"].get("code") else ""),
            ("stage", st.get(f"kit.stage.{rec['stage']}") or "—" if rec["stage"] else "—")]
    r = 2
    for key, text in head:
        ws.write_string(r, 0, st.t(f"kit.plans.{key}"), w.head)
        ws.write_string(r, 1, text, w.mark if key == "deep_plan" and rec["deep_plan"] is True
                        else w.wrap)
        r += 1
    r += 1
    ws.write_string(r, 0, st.t("kit.plans.facts"), w.section)
    r += 1
    for j, key in enumerate(("fact", "value", "source")):
        ws.write_string(r, j, st.t(f"kit.plans.{key}"), w.head)
    r += 1
    for art, column in FACT_COLUMNS:
        if column not in rec:
            continue
        ws.write_string(r, 0, _label(st, column))
        w.value(ws, r, 1, rec[column], unit_of_fact(art, column))
        ws.write_string(r, 2, f"{art}.{column}", w.note)
        r += 1
    r += 1
    ws.write_string(r, 0, st.t("kit.plans.gaps"), w.section)
    r += 1
    # the count of contacts is a fact above, not a gap
    risks = [say(x, st, fmt) for x in rec["risks"] if x.get("code") != "contacts"]
    for text in risks or [st.t("kit.plans.no_gaps")]:
        ws.write_string(r, 0, f"• {text}", w.wrap)
        r += 1
    r += 1
    ws.write_string(r, 0, st.t("kit.plans.map"), w.section)
    r += 1
    mine = people[people["entity_id"] == rec["entity_id"]]
    if mine.empty:
        ws.write_string(r, 0, st.t("kit.plans.map_none"), w.note)
        r += 1
    else:
        for j, key in enumerate(_MAP):
            ws.write_string(r, j, st.t(f"kit.plans.map_col.{key}"), w.head)
        r += 1
        for p in mine.itertuples(index=False):
            d = p._asdict()
            for j, key in enumerate(_MAP):
                v = d[key]
                if key == "buying_role":
                    v = st.get(f"kit.buying_role.{v}") or v
                unit = {"last_contact_date": "date", "days_since_contact": "days"}.get(key, "text")
                w.value(ws, r, j, v, unit)
            r += 1
    r += 1
    ws.write_string(r, 0, st.t("kit.plans.questions"), w.section)
    r += 1
    ws.write_string(r, 0, st.t("kit.plans.questions"), w.head)
    ws.merge_range(r, 1, r, 5, st.t("kit.plans.answer"), w.head)
    r += 1
    for q in _QUESTIONS:
        ws.write_string(r, 0, st.t(f"kit.plans.question.{q}"), w.wrap)
        ws.merge_range(r, 1, r, 5, "", w.box)
        ws.set_row(r, 45)
        r += 1
    for part, keys, n in (("objectives", ("objective", "measure", "target", "due"),
                           _OBJECTIVE_ROWS),
                          ("actions", ("action", "owner", "due", "status"), _ACTION_ROWS)):
        r += 1
        ws.write_string(r, 0, st.t(f"kit.plans.{part}"), w.section)
        r += 1
        col = "objective_col" if part == "objectives" else "action_col"
        for j, key in enumerate(keys):
            ws.write_string(r, j, st.t(f"kit.plans.{col}.{key}"), w.head)
        r += 1
        for _ in range(n):
            for j in range(len(keys)):
                ws.write_blank(r, j, None, w.box)
            r += 1


def write_account_plans(plans: AccountPlans, path: str | Path, language: str) -> Path:
    """Write the account plans of ``plans`` to ``path`` (xlsx), in ``language``.

    Parameters
    ----------
    plans : AccountPlans
        From :func:`kamlib.kit.account_plans.load_account_plans`.
    path : path
        The workbook to write (replaced atomically).
    language : {"ru", "en"}
        The language of the labels, questions and phrased reasons.

    Returns
    -------
    Path
        ``path``.
    """
    st = load_strings(language)
    fmt = Formatter(language, plans.currency)
    start, end = plans.period
    period = fmt.period(start, end) if start and end else "—"
    buf = io.BytesIO()
    book = safe_workbook(buf, in_memory=True)
    w = _Writer(book, st, fmt)
    taken = {st.t("kit.plans.index_sheet")[:_MAX_SHEET].casefold()}
    titles = [sheet_title(i + 1, str(n), taken)
              for i, n in enumerate(plans.facts.get("entity_name", pd.Series(dtype=str)))]
    _index(w, plans, titles, period)
    for title, rec in zip(titles, plans.facts.to_dict("records"), strict=True):
        _client_sheet(w, title, rec, plans.people)
    book.close()
    out = Path(path)
    atomic_write_bytes(out, buf.getvalue())
    return out
