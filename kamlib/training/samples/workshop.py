"""The management workshop's answers a lesson case carries in ``review/``.

- ``review/vip.xlsx`` — management's VIP list (read by step 3's VIP test,
  :mod:`kamlib.selection.vip`): which clients management calls VIP, and why;
- ``review/channels.xlsx`` — management's score of each channel's fit with the company's
  USP, 1–10 (read by step 2's channel P&L, :mod:`kamlib.profitability.channels`);
- ``review/alignment.xlsx`` — the alignment questionnaire (step 4's second front,
  :mod:`kamlib.kit.alignment`): the capstone carries the demo's answers
  (:mod:`kamlib.kit.alignment_sample`), the teams lesson :data:`TEAMS_SCORES`.

The VIPs are chosen by their place in the generated world (a role, or a revenue rank), so
the sheets follow the seed; nothing here draws a random number, and every workbook has a
fixed ``created`` property (same seed, same bytes).
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from kamlib.kit.alignment import AlignmentAnswers
from kamlib.kit.alignment_sample import answers_from

from .world import World

__all__ = ["CHANNEL_FIT", "TEAMS_SCORES", "VIP_LISTS", "teams_answers", "write_workshop"]

_FIXED_DATE = datetime(2026, 1, 1)

#: lesson → management's VIPs: (who, why in the sheet's words, comment). ``who`` is a role
#: of the generated entities (``top1``, ``vip``, ``holding_head``) or ``rank:N`` (the N-th
#: client by net revenue).
VIP_LISTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "channels": (("top1", "известное имя", "крупнейшая сеть региона"),
                 ("vip", "привёл собственник", "ресторанная сеть, друг собственника"),
                 ("rank:25", "стратегический", "новый формат, большие планы"),
                 ("rank:60", "привёл собственник", "")),
    "capstone": (("vip", "известное имя", "логотип во всех презентациях"),
                 ("top1", "стратегический", ""),
                 ("holding_head", "привёл собственник", "торговый дом группы")),
}
#: lesson → management's scores of each channel's fit with the company's USP (1–10)
CHANNEL_FIT: dict[str, dict[str, float]] = {
    "channels": {"HoReCa": 8, "Сети": 6, "Дистрибьютор": 7, "Опт": 6, "Розница": 6},
    "capstone": {"Сети": 7, "Дистрибьютор": 8, "Опт": 6, "Розница": 6, "HoReCa": 4},
}

#: the teams lesson's workshop: respondent (name, role) → 21 scores in the order of
#: :data:`kamlib.kit.alignment.STATEMENTS` (shared values ×3, style ×3, skills ×3, staff ×3,
#: strategy ×3, structure ×3, systems ×3). Management sees a strategy and a style that back
#: key accounts; the KAMs, who work alone, do not.
TEAMS_SCORES: dict[tuple[str, str], tuple[int, ...]] = {
    ("С. В.", "management"): (4, 4, 4, 5, 4, 4, 3, 3, 3, 3, 3, 3, 5, 5, 4, 3, 3, 3, 3, 3, 3),
    ("Т. Л.", "management"): (4, 3, 4, 4, 5, 4, 3, 3, 3, 3, 2, 3, 5, 4, 5, 3, 2, 3, 3, 2, 3),
    ("У. М.", "kam"): (3, 3, 3, 2, 2, 2, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2, 2),
    ("Ф. Н.", "kam"): (4, 3, 3, 2, 1, 2, 3, 2, 3, 2, 2, 3, 2, 1, 2, 3, 2, 2, 2, 3, 2),
    ("Х. О.", "kam"): (3, 3, 2, 2, 2, 1, 3, 3, 2, 3, 2, 2, 1, 2, 2, 2, 3, 2, 3, 2, 3),
    ("Ц. П.", "kam"): (3, 2, 3, 1, 2, 2, 2, 3, 3, 2, 3, 2, 2, 2, 1, 2, 2, 3, 2, 2, 2),
}
#: ticks on the practice sheet: respondent index → question codes ticked
TEAMS_TICKS: dict[int, tuple[str, ...]] = {
    0: ("resources.size", "kpis.logistics_cost"),
    1: ("resources.size", "resources.profit", "kpis.sales_volume"),
    2: ("resources.request", "kpis.sales_volume", "kpis.logistics_cost"),
    3: ("resources.request", "resources.relationship", "kpis.sales_volume"),
    4: ("resources.size", "resources.request", "kpis.sales_volume", "kpis.finance_terms"),
    5: ("resources.request", "kpis.sales_volume"),
}
_TEAMS_TEXTS = {3: ("kpis_text", "Премия за объём: тянем любой заказ, даже убыточный.")}


def teams_answers() -> AlignmentAnswers:
    """The teams lesson's answers as :class:`~kamlib.kit.alignment.AlignmentAnswers`."""
    return answers_from(TEAMS_SCORES, TEAMS_TICKS, _TEAMS_TEXTS)


def _main_codes(w: World) -> pd.Series:
    """Entity → its main catalogue code (the first record)."""
    cl = w.clients
    return cl.sort_values(["eid", "variant"]).drop_duplicates("eid").set_index("eid")["code"]


def _revenue_order(w: World) -> list[int]:
    """Entities by net revenue, largest first (returns subtracted)."""
    ln = w.lines
    net = ln["net_k"] * np.where(ln["is_return"], -1, 1)
    by = net.groupby(ln["eid"]).sum().sort_values(ascending=False, kind="stable")
    return [int(e) for e in by.index]


def vip_entities(w: World, lesson: str) -> list[tuple[int, str, str]]:
    """The lesson's VIPs as (entity, why, comment)."""
    ent = w.entities
    order = _revenue_order(w)
    out = []
    for who, why, comment in VIP_LISTS.get(lesson, ()):
        if who.startswith("rank:"):
            e = order[int(who.split(":")[1]) - 1]
        elif who == "holding_head":
            e = int(ent.index[ent["kind"] == "holding"][0])
        else:
            e = int(ent.index[ent["role"] == who][0])
        out.append((e, why, comment))
    return out


def _write(path: Path, sheet: str, head: tuple[str, ...], rows: list[tuple[object, ...]],
           note_sheet: str, note: str) -> None:
    from kamlib.io import atomic_write_bytes
    from kamlib.workbook import safe_workbook

    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    wb.set_properties({"created": _FIXED_DATE})
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, head, wb.add_format({"bold": True}))
    for i, row in enumerate(rows, 1):
        for j, v in enumerate(row):
            if isinstance(v, int | float):
                ws.write_number(i, j, float(v))
            elif v:
                ws.write_string(i, j, str(v))
    ws.set_column(0, 0, 36)
    ws.set_column(1, 2, 24)
    wb.add_worksheet(note_sheet).write_string(0, 0, note)
    wb.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())


def write_workshop(out: Path, w: World, lesson: str) -> list[str]:
    """Write the lesson's ``review/vip.xlsx`` and ``review/channels.xlsx``; the files written
    (relative to ``out``)."""
    written = []
    codes = _main_codes(w)
    vips = vip_entities(w, lesson)
    if vips:
        _write(out / "review" / "vip.xlsx", "vip",
               ("Код или название клиента", "Почему VIP", "Комментарий"),
               [(str(codes[e]), why, comment) for e, why, comment in vips], "инструкция",
               "Клиенты, которых руководство назвало VIP на встрече (код из справочника "
               "контрагентов), и почему.")
        written.append("review/vip.xlsx")
    fit = CHANNEL_FIT.get(lesson)
    if fit:
        _write(out / "review" / "channels.xlsx", "channels",
               ("Канал", "Соответствие УТП (1–10)", "Комментарий"),
               [(ch, score, "") for ch, score in fit.items()], "инструкция",
               "Оценки руководства на встрече: насколько каждый канал ценит уникальное "
               "торговое предложение компании, 1–10.")
        written.append("review/channels.xlsx")
    return written
