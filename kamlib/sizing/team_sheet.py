"""The client-teams review sheet ``review/client_teams.xlsx``: written by step 4, edited by a
person, read back and replayed by every run (as the assessment sheet of step 3).

Sheet ``team``: row 1 the machine header ``entity_id, entity_name, kam, role, hours_formula,
hours, person, note``, row 2 the descriptions, then one row per key account and support role.
``hours`` is blank (the formula's figure is used) or a person's estimate (a number 0–2,000
a year) that replaces it; ``person`` names who in the function serves the account.

Sheet ``raci``: row 1 ``entity_id, entity_name, activity, <roles…>``, row 2 the descriptions,
then one row per key account and activity, pre-filled with the defaults; a cell is R, A, C, I
or empty, with exactly one A per row.

:func:`read_client_teams` reports every problem at once (file, sheet, row, column, value in the
:class:`~kamlib.errors.InputError`). Rows of accounts that are no longer key are skipped and
named in the notes (the selection may change between runs).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import python_calamine

from ..errors import InputError
from ..io import atomic_write_bytes
from ..units import reason
from ..workbook import cell_number, safe_workbook, unneutralise
from .client_teams import RACI_ACTIVITIES, SUPPORT_ROLES, TEAM_ROLES

__all__ = ["MAX_HOURS", "RACI_SHEET", "TEAM_SHEET", "read_client_teams", "write_client_teams"]

TEAM_SHEET, RACI_SHEET = "team", "raci"
#: an account's hours for one role a year cannot exceed about one full-time person
MAX_HOURS = 2000.0
_LETTERS = {"R", "A", "C", "I"}
#: Cyrillic letters that look like R/A/C/I typed on a Russian keyboard layout
_LOOKALIKE = {"А": "A", "С": "C", "Р": "R", "І": "I"}
_MAX_LISTED = 10

_TEAM_HEAD = ["entity_id", "entity_name", "kam", "role", "hours_formula", "hours", "person",
              "note"]
_TEAM_DESC = {
    "ru": ["Код клиента", "Клиент", "KAM", "Роль поддержки", "Часов в год по формуле",
           "Часов в год (ваша оценка; пусто — по формуле)", "Кто ведёт (ФИО)", "Комментарий"],
    "en": ["Client ID", "Client", "KAM", "Support role", "Hours a year (formula)",
           "Hours a year (your estimate; blank: the formula's)", "Who serves (name)", "Note"],
}
_RACI_DESC = {
    "ru": ["Код клиента", "Клиент", "Деятельность", "KAM", "Руководитель KAM (топ-менеджер)",
           "Финансы", "Логистика", "Маркетинг", "Сервис", "Производство"],
    "en": ["Client ID", "Client", "Activity", "KAM", "Head of KAM (top management)",
           "Finance", "Logistics", "Marketing", "Service", "Production"],
}
_INSTRUCTIONS = {
    "ru": ["Команды ключевых клиентов: часы поддержки и RACI",
           "Лист team: по строке на ключевого клиента и роль поддержки. Столбец "
           "hours_formula — часы по формуле (размер и сложность клиента, docs/client_teams.md). "
           "Впишите свою оценку в столбец hours, чтобы заменить её (число от 0 до 2000 в год); "
           "пусто — остаётся формула. В person — кто из функции ведёт клиента.",
           "Лист raci: по строке на клиента и деятельность; в ячейке R (делает), A (отвечает, "
           "ровно одна A в строке), C (консультирует), I (информируется) или пусто.",
           "Строка 1 — машинные имена столбцов, не меняйте её. Сохраните файл и запустите "
           "шаг 04 снова: правки применяются при каждом запуске."],
    "en": ["Client teams: support hours and RACI",
           "Sheet team: one row per key client and support role. Column hours_formula holds "
           "the formula's hours (the client's size and complexity, docs/client_teams.md). "
           "Write your estimate in the column hours to replace it (a number from 0 to 2000 a "
           "year); blank keeps the formula. In person: who in the function serves the client.",
           "Sheet raci: one row per client and activity; a cell holds R (does it), A "
           "(accountable, exactly one A per row), C (consulted), I (informed) or nothing.",
           "Row 1 holds the machine names of the columns: do not change it. Save the file and "
           "run step 04 again: the edits are applied on every run."],
}


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (
        isinstance(v, str) and v.strip() == "")


def _id_text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return unneutralise(str(v).strip())


def write_client_teams(path: str | Path, teams: pd.DataFrame, raci: pd.DataFrame, *,
                       lang: str = "ru") -> int:
    """Write ``review/client_teams.xlsx`` (atomically): sheets ``team``, ``raci``,
    ``instructions``.

    Parameters
    ----------
    teams : pandas.DataFrame
        :func:`.client_teams.client_teams` (the support rows are written; ``hours`` is
        written only where it came from the sheet, so a blank stays a blank).
    raci : pandas.DataFrame
        :func:`.client_teams.apply_raci`.
    lang : {"ru", "en"}

    Returns
    -------
    int
        Key accounts written.
    """
    if lang not in _TEAM_DESC:
        raise ValueError(f"lang must be 'ru' or 'en', not {lang!r}")
    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    f_head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    f_desc = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True,
                            "valign": "top", "border": 1})
    f_edit = wb.add_format({"bg_color": "#FFF2CC", "border": 1, "num_format": "#,##0.0"})
    f_text = wb.add_format({"bg_color": "#FFF2CC", "border": 1})
    f_num = wb.add_format({"num_format": "#,##0.0"})
    kam = teams[teams["role"] == "kam"].set_index("entity_id")["person"]
    sup = teams[teams["role"].isin(SUPPORT_ROLES)]

    ws = wb.add_worksheet(TEAM_SHEET)
    ws.write_row(0, 0, _TEAM_HEAD, f_head)
    ws.write_row(1, 0, _TEAM_DESC[lang], f_desc)
    ws.set_row(1, 45)
    for i, r in enumerate(sup.itertuples(index=False), 2):
        ws.write_string(i, 0, str(r.entity_id))
        ws.write_string(i, 1, "" if _blank(r.entity_name) else str(r.entity_name))
        k = kam.get(r.entity_id)
        ws.write_string(i, 2, "" if _blank(k) else str(k))
        ws.write_string(i, 3, str(r.role))
        ws.write_number(i, 4, round(float(r.hours_formula), 2), f_num)
        if r.source == "sheet":
            ws.write_number(i, 5, round(float(r.hours), 2), f_edit)
        else:
            ws.write_blank(i, 5, None, f_edit)
        if _blank(r.person):
            ws.write_blank(i, 6, None, f_text)
        else:
            ws.write_string(i, 6, str(r.person), f_text)
    n = len(sup)
    if n:
        msg = ("Часов в год: число от 0 до 2000 (пусто — по формуле)" if lang == "ru" else
               "Hours a year: a number from 0 to 2000 (blank: the formula's)")
        ws.data_validation(2, 5, n + 1, 5, {
            "validate": "decimal", "criteria": "between", "minimum": 0,
            "maximum": MAX_HOURS, "ignore_blank": True, "input_message": msg,
            "error_message": msg})
    for j, w in enumerate((14, 36, 26, 12, 14, 18, 26, 30)):
        ws.set_column(j, j, w)
    ws.freeze_panes(2, 2)

    wr = wb.add_worksheet(RACI_SHEET)
    head = ["entity_id", "entity_name", "activity", *TEAM_ROLES]
    wr.write_row(0, 0, head, f_head)
    wr.write_row(1, 0, _RACI_DESC[lang], f_desc)
    wr.set_row(1, 45)
    for i, r in enumerate(raci.itertuples(index=False), 2):
        wr.write_string(i, 0, str(r.entity_id))
        wr.write_string(i, 1, "" if _blank(r.entity_name) else str(r.entity_name))
        wr.write_string(i, 2, str(r.activity))
        for j, role in enumerate(TEAM_ROLES, 3):
            v = getattr(r, role)
            if _blank(v):
                wr.write_blank(i, j, None, f_text)
            else:
                wr.write_string(i, j, str(v), f_text)
    if len(raci):
        wr.data_validation(2, 3, len(raci) + 1, 2 + len(TEAM_ROLES), {
            "validate": "list", "source": ["R", "A", "C", "I"], "ignore_blank": True})
    for j, w in enumerate((14, 36, 20, *([14] * len(TEAM_ROLES)))):
        wr.set_column(j, j, w)
    wr.freeze_panes(2, 3)

    wi = wb.add_worksheet("instructions")
    f_title = wb.add_format({"bold": True, "font_size": 13})
    for i, line in enumerate(_INSTRUCTIONS[lang]):
        wi.write_string(i, 0, line, f_title if i == 0 else None)
    wi.set_column(0, 0, 140)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())
    return int(sup["entity_id"].nunique())


_hours = cell_number  # one reading of a typed number (kamlib.workbook)


Problem = tuple[str, int, str | None, object, str, str]


def _rows(wb: python_calamine.CalamineWorkbook, sheet: str, fname: str
          ) -> tuple[list[list[Any]], dict[str, int]]:
    if sheet not in wb.sheet_names:
        raise InputError(f"the workbook has no sheet '{sheet}' (it has: "
                         f"{', '.join(wb.sheet_names)})", file=fname, sheet=sheet,
                         hint=f"rename the sheet back to '{sheet}', or delete the file and run "
                              "step 04 again to get a fresh one")
    rows = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
    header = [str(h).strip() if not _blank(h) else "" for h in (rows[0] if rows else [])]
    return rows, {h: j for j, h in reversed(list(enumerate(header))) if h}


def read_client_teams(path: str | Path, *, known: Iterable[str]
                      ) -> tuple[pd.DataFrame, pd.DataFrame, list[dict[str, Any]]]:
    """Read the edited client-teams sheet back.

    Parameters
    ----------
    path : str or Path
        ``review/client_teams.xlsx``.
    known : iterable of str
        The key accounts of this run (entity_id); rows of other accounts are skipped (named
        in the notes).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame, list of str)
        The edits of the team sheet (``entity_id``, ``role``, ``hours`` — NaN where blank —,
        ``person``; only rows with an hours figure or a person), the RACI rows (``entity_id``,
        ``activity`` and one column per role), and notes (reason codes,
        :func:`kamlib.units.reason`).

    Raises
    ------
    InputError
        The file cannot be read or lacks a sheet or a header column; or, listing up to 10
        problems at once (the first one's sheet, row, column and value in the error's
        fields): hours that are not a number or outside 0–2,000, an unknown role or activity,
        a RACI letter other than R, A, C, I, a RACI row without exactly one A, a row given
        twice.
    """
    path = Path(path)
    fname = path.name
    known_set = {_id_text(k) for k in known}
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise InputError(f"cannot read the client-teams workbook ({exc})", file=str(path),
                         hint="save it as .xlsx, or delete it and run step 04 again to get a "
                              "fresh one") from None
    problems: list[Problem] = []
    skipped: set[str] = set()

    def need(sheet: str, col: dict[str, int], names: Iterable[str]) -> None:
        for c in names:
            if c not in col:
                raise InputError(f"row 1 of the sheet has no column '{c}'", file=fname,
                                 sheet=sheet, row=1, column=c,
                                 hint="restore the header row (row 1) as written, or delete "
                                      "the file and run step 04 again to get a fresh one")

    def get(r: list[object], j: int | None) -> object:
        return r[j] if j is not None and j < len(r) else ""

    # --- team
    rows, col = _rows(wb, TEAM_SHEET, fname)
    need(TEAM_SHEET, col, ("entity_id", "role", "hours"))
    seen: dict[tuple[str, str], int] = {}
    edits: list[tuple[str, str, float, str | None]] = []
    for i in range(1, len(rows)):
        r, row = rows[i], i + 1
        raw = get(r, col["entity_id"])
        if _blank(raw):
            continue
        eid = _id_text(raw)
        if eid not in known_set:
            if i > 1:
                skipped.add(eid)
            continue  # row 2 (descriptions) or an account that is no longer key
        role = str(get(r, col["role"])).strip()
        if role not in SUPPORT_ROLES:
            problems.append((TEAM_SHEET, row, "role", role, "not a support role",
                             f"write one of {', '.join(SUPPORT_ROLES)}"))
            continue
        if (eid, role) in seen:
            problems.append((TEAM_SHEET, row, "entity_id", raw, f"the client '{eid}' and role "
                             f"'{role}' have a second row (first in row {seen[(eid, role)]})",
                             "keep one row per client and role"))
            continue
        seen[(eid, role)] = row
        v = get(r, col["hours"])
        person = get(r, col.get("person"))
        person = None if _blank(person) else _id_text(person)
        if _blank(v):
            if person is not None:
                edits.append((eid, role, math.nan, person))
            continue
        h = _hours(v)
        if h is None:
            problems.append((TEAM_SHEET, row, "hours", v, "the hours are not a number",
                             "write a number of hours a year, or leave the cell blank to keep "
                             "the formula's figure"))
        elif not 0 <= h <= MAX_HOURS:
            problems.append((TEAM_SHEET, row, "hours", v, f"the hours are outside 0–"
                             f"{MAX_HOURS:,.0f} a year", "write the hours one account takes of "
                             "the role in a year (a full-time person works about 1,700)"))
        else:
            edits.append((eid, role, h, person))
    # --- raci
    rows, col = _rows(wb, RACI_SHEET, fname)
    need(RACI_SHEET, col, ("entity_id", "activity", *TEAM_ROLES))
    seen_r: dict[tuple[str, str], int] = {}
    raci: list[dict[str, str]] = []
    for i in range(1, len(rows)):
        r, row = rows[i], i + 1
        raw = get(r, col["entity_id"])
        if _blank(raw):
            continue
        eid = _id_text(raw)
        if eid not in known_set:
            if i > 1:
                skipped.add(eid)
            continue
        act = str(get(r, col["activity"])).strip()
        if act not in RACI_ACTIVITIES:
            problems.append((RACI_SHEET, row, "activity", act, "not an activity of the RACI",
                             f"write one of {', '.join(RACI_ACTIVITIES)}"))
            continue
        if (eid, act) in seen_r:
            problems.append((RACI_SHEET, row, "entity_id", raw, f"the client '{eid}' and "
                             f"activity '{act}' have a second row (first in row "
                             f"{seen_r[(eid, act)]})", "keep one row per client and activity"))
            continue
        seen_r[(eid, act)] = row
        rec = {"entity_id": eid, "activity": act}
        ok = True
        for role in TEAM_ROLES:
            v = get(r, col[role])
            t = "" if _blank(v) else str(v).strip().upper()
            t = _LOOKALIKE.get(t, t)
            if t and t not in _LETTERS:
                problems.append((RACI_SHEET, row, role, v, "not a RACI letter",
                                 "write R, A, C or I, or leave the cell empty"))
                ok = False
            rec[role] = t
        if ok and sum(rec[x] == "A" for x in TEAM_ROLES) != 1:
            n_a = sum(rec[x] == "A" for x in TEAM_ROLES)
            problems.append((RACI_SHEET, row, "activity", act, f"{n_a} roles are accountable "
                             "(A) for this activity", "exactly one role is accountable: put "
                             "one A in the row, the others R, C or I"))
            ok = False
        if ok:
            raci.append(rec)
    if problems:
        _raise(fname, problems)
    notes = [reason("note_sheet_rows_skipped", sheet="review/client_teams.xlsx",
                    n=len(skipped), clients=", ".join(sorted(skipped)[:5])
                    + (" …" if len(skipped) > 5 else ""))] if skipped else []
    team = pd.DataFrame({
        "entity_id": pd.Series([e[0] for e in edits], dtype=object),
        "role": pd.Series([e[1] for e in edits], dtype=object),
        "hours": pd.Series([e[2] for e in edits], dtype=float),
        "person": pd.Series([e[3] for e in edits], dtype=object)})
    return team, pd.DataFrame(raci, columns=["entity_id", "activity", *TEAM_ROLES]), notes


def _raise(fname: str, problems: list[Problem]) -> None:
    sheet, row, column, value, message, hint = problems[0]
    if len(problems) > 1:
        lines = []
        for s, r, c, v, m, h in problems[:_MAX_LISTED]:
            where = f"sheet '{s}', row {r}" + (f", column '{c}'" if c else "")
            where += "" if _blank(v) else f", value '{v}'"
            lines.append(f"  - {where}: {m} ({h})")
        if len(problems) > _MAX_LISTED:
            lines.append(f"  … and {len(problems) - _MAX_LISTED} more")
        message = (f"{len(problems)} problems in the client-teams sheet (the first one is "
                   "located above):\n" + "\n".join(lines))
        hint = "fix all the listed cells in one go, save, and run step 04 again"
    raise InputError(message, file=fname, sheet=sheet, row=row, column=column,
                     value=None if _blank(value) else value, hint=hint)
