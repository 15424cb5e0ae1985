"""The workshop assessment round trip (step 3 of a KAM audit, METHODS.md §3).

Judged criteria of the portfolio matrix (strategic fit, reference value, potential, relationship
stage …) are scored 1–10 by people in a workshop for the *long list* of candidate key clients.

:func:`write_assessment` writes ``review/assessment.xlsx``: sheet ``assessment`` (row 1 the
machine header, row 2 the criteria descriptions in the report language, one row per client,
scores prefilled from an earlier assessment, whole numbers 1–10 validated), sheet ``data`` (the
short data sheet per client) and sheet ``instructions``. :func:`read_assessment` reads it back
into long format and reports every problem of the file at once. :func:`merge_assessments`
combines several long-format assessments (the intake's ``assessment`` table, the workshop
sheet …): the later frame wins per (entity_id, criterion).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import python_calamine

from ..errors import InputError, SchemaError
from ..io import atomic_write_bytes
from ..workbook import cell_number, safe_workbook, unneutralise

__all__ = [
    "DEFAULT_CRITERIA",
    "DEFAULT_CRITERIA_RU",
    "SHEET",
    "merge_assessments",
    "read_assessment",
    "write_assessment",
]

SHEET = "assessment"
SCORE_MIN, SCORE_MAX = 1, 10
_MAX_LISTED = 10

DEFAULT_CRITERIA: dict[str, str] = {
    "strategic_fit": "Fit with our USP and strategy over 3 years",
    "reference_value": "Value as a reference for other clients",
    "potential": "Potential / share of wallet we could win",
    "relationship_stage": "Stage of the relationship (1 exploratory … 10 integrated; "
    "McDonald, Millman & Rogers 1997)",
}
DEFAULT_CRITERIA_RU: dict[str, str] = {
    "strategic_fit": "Соответствие нашему УТП и стратегии на 3 года",
    "reference_value": "Ценность как референс для других клиентов",
    "potential": "Потенциал / доля кошелька, которую мы можем завоевать",
    "relationship_stage": "Стадия отношений (1 исследовательская … 10 интегрированная; "
    "McDonald, Millman & Rogers 1997)",
}

_LABELS = {
    "ru": {"entity_id": "Код клиента", "entity_name": "Клиент",
           "assessor": "Кто оценивал", "note": "Комментарий"},
    "en": {"entity_id": "Client ID", "entity_name": "Client",
           "assessor": "Assessor", "note": "Note"},
}
_DATA_LABELS = {
    "ru": {"net_revenue": "Чистая выручка", "gross_margin": "Валовая маржа",
           "contribution": "Вклад (маржа после затрат на обслуживание)",
           "cost_to_serve": "Затраты на обслуживание", "margin_pct": "Маржа, %",
           "growth_pct": "Рост, %", "revenue_last12": "Выручка, посл. 12 мес.",
           "revenue_prev12": "Выручка, пред. 12 мес.", "orders": "Заказов",
           "tenure_days": "Дней с первого заказа", "contacts": "Контактов",
           "quadrant": "Квадрант"},
    "en": {"net_revenue": "Net revenue", "gross_margin": "Gross margin",
           "contribution": "Contribution (after cost to serve)", "cost_to_serve": "Cost to serve",
           "margin_pct": "Margin, %", "growth_pct": "Growth, %",
           "revenue_last12": "Revenue, last 12 months", "revenue_prev12": "Revenue, prior 12 "
           "months", "orders": "Orders", "tenure_days": "Days since first order",
           "contacts": "Contacts", "quadrant": "Quadrant"},
}
_MONEY_WORDS = ("revenue", "margin", "contribution", "cost", "profit", "amount", "debt",
                "receivable", "sales")
_COUNT_COLUMNS = {"orders", "tenure_days", "contacts", "lines", "documents"}

_INSTRUCTIONS = {
    "ru": [
        "Экспертная оценка клиентов длинного списка (шаг 3 аудита KAM)",
        "",
        "1. На листе «assessment» поставьте каждому клиенту оценку от 1 до 10 по каждому "
        "критерию (целые числа; 10 — лучше всего). Описание критерия — во второй строке.",
        "2. Оценивайте на горизонте 3 лет. Лист «data» — краткие данные по клиенту в помощь.",
        "3. Не знаете — оставьте ячейку пустой: пустая ячейка значит «не оценивали».",
        "4. В колонке «assessor» укажите, кто оценивал; в «note» — комментарий.",
        "5. Не меняйте первую строку (заголовки) и колонку entity_id, не добавляйте клиентов "
        "и не дублируйте строки: клиента нет в длинном списке — напишите это в комментарии.",
        "6. Уже проставленные оценки взяты из прежней оценки — исправьте, если не согласны.",
        "7. Сохраните файл в формате .xlsx под тем же именем и запустите шаг снова: все "
        "ошибки файла будут перечислены сразу.",
        "",
        "Критерии:",
    ],
    "en": [
        "Workshop assessment of the long list of clients (step 3 of the KAM audit)",
        "",
        "1. On the sheet 'assessment' score every client from 1 to 10 on each criterion "
        "(whole numbers; 10 is best). Row 2 describes each criterion.",
        "2. Take a 3-year view. The sheet 'data' holds a short data sheet per client.",
        "3. Not sure? Leave the cell blank: a blank means 'not assessed'.",
        "4. Write who scored in 'assessor', and any comment in 'note'.",
        "5. Do not change row 1 (the headers) or the entity_id column, do not add clients or "
        "duplicate rows: if a client should not be on the long list, say so in 'note'.",
        "6. Scores already filled in come from an earlier assessment: correct them if you "
        "disagree.",
        "7. Save the file as .xlsx under the same name and run the step again: every problem "
        "of the file is listed at once.",
        "",
        "Criteria:",
    ],
}


def _check_lang(lang: str) -> str:
    if lang not in _LABELS:
        raise ValueError(f"lang must be 'ru' or 'en', not {lang!r}")
    return lang


def _description(key: str, text: str, lang: str) -> str:
    """The description of a criterion in the report language.

    The four default criteria are translated when their description is the default of the
    other language; any other description is written as given.
    """
    if lang == "ru" and text == DEFAULT_CRITERIA.get(key):
        return DEFAULT_CRITERIA_RU[key]
    if lang == "en" and text == DEFAULT_CRITERIA_RU.get(key):
        return DEFAULT_CRITERIA[key]
    return text


def _blank(v: object) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    if v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, str) and v.strip() == ""


def _id_text(v: object) -> str:
    """An identifier as text (``123.0`` read from a number cell → ``"123"``; ``'=X``, as
    :func:`~kamlib.workbook.safe_workbook` neutralised it, → ``=X``)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return unneutralise(str(v).strip())


def _data_format(col: str, s: pd.Series) -> str | None:
    if not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        return None
    name = col.casefold()
    if name.endswith(("_pct", "_share", "_rate")):
        return "0.0%"
    if name in _COUNT_COLUMNS:
        return "#,##0"
    if any(w in name for w in _MONEY_WORDS):
        return "#,##0"
    return "#,##0.00"


def _cell(v: object) -> object:
    if _blank(v):
        return ""
    if hasattr(v, "item") and not isinstance(v, str):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def write_assessment(path: str | Path, long_list: pd.DataFrame, criteria: Mapping[str, str],
                     *, existing: pd.DataFrame | None = None, lang: str = "ru") -> int:
    """Write the workshop assessment sheet for the long list of candidate key clients.

    Parameters
    ----------
    path : str or Path
        The workbook to write (``review/assessment.xlsx``); written atomically.
    long_list : DataFrame
        One row per candidate: ``entity_id``, ``entity_name`` and, if present, data-sheet
        columns (``net_revenue``, ``contribution``, ``margin_pct``, ``growth_pct``, ``orders``,
        ``tenure_days``, ``contacts``, ``quadrant`` …); every column other than the two
        identifiers goes to the sheet ``data``, in the order given.
    criteria : mapping of str to str
        Criterion key (the machine header) → description. The descriptions of the four
        :data:`DEFAULT_CRITERIA` are written in the report language.
    existing : DataFrame, optional
        An earlier assessment in long format (``entity_id`` or ``client_id``, ``criterion``,
        ``score``, optionally ``assessor``) to prefill the scores; several scores of one pair
        are averaged (see :func:`merge_assessments`). Clients not on the long list and
        criteria not in ``criteria`` are ignored.
    lang : {"ru", "en"}
        Language of the descriptions row, the ``data`` sheet and the instructions.

    Returns
    -------
    int
        The number of clients written.

    Notes
    -----
    Sheet ``assessment``: row 1 ``entity_id, entity_name, <criteria…>, assessor, note``
    (read back by :func:`read_assessment`), row 2 the descriptions, then one row per client;
    the criterion columns accept whole numbers 1–10 (Excel data validation); panes frozen
    below row 2 and right of the client name.
    """
    lang = _check_lang(lang)
    if "entity_id" not in long_list.columns:
        raise ValueError("long_list needs the column entity_id")
    crit = list(criteria)
    if not crit:
        raise ValueError("no criteria to assess")
    ids = long_list["entity_id"].map(_id_text)
    if ids.duplicated().any():
        raise ValueError("long_list has duplicated entity_id: "
                         + ", ".join(sorted(set(ids[ids.duplicated()])))[:200])
    names = (long_list["entity_name"] if "entity_name" in long_list.columns
             else pd.Series([""] * len(long_list), index=long_list.index))

    prefill: dict[tuple[str, str], float] = {}
    assessors: dict[str, set[str]] = {}
    if existing is not None and len(existing):
        ex = merge_assessments(existing)
        for e, c, s, a in zip(ex["entity_id"], ex["criterion"], ex["score"], ex["assessor"],
                              strict=True):
            if c in criteria:
                prefill[(e, c)] = float(s)
                if a is not None:
                    assessors.setdefault(e, set()).update(x.strip() for x in a.split(";"))

    labels = _LABELS[lang]
    head = ["entity_id", "entity_name", *crit, "assessor", "note"]
    desc = [labels["entity_id"], labels["entity_name"],
            *(_description(k, criteria[k], lang) for k in crit),
            labels["assessor"], labels["note"]]

    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    f_head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    f_desc = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True,
                            "valign": "top", "border": 1})
    f_score = wb.add_format({"align": "center", "bg_color": "#FFF2CC", "border": 1})

    ws = wb.add_worksheet(SHEET)
    ws.write_row(0, 0, head, f_head)
    ws.write_row(1, 0, desc, f_desc)
    ws.set_row(1, 60)
    n_crit = len(crit)
    for i, (e, nm) in enumerate(zip(ids, names, strict=True), 2):
        ws.write_string(i, 0, e)
        ws.write_string(i, 1, "" if _blank(nm) else str(nm))
        for j, c in enumerate(crit, 2):
            s = prefill.get((e, c))
            if s is None:
                ws.write_blank(i, j, None, f_score)
            else:
                ws.write_number(i, j, int(s) if s.is_integer() else round(s, 2), f_score)
        if e in assessors:
            ws.write_string(i, 2 + n_crit, "; ".join(sorted(assessors[e] - {""})))
    n = len(ids)
    if n:
        msg = ("Оценка — целое число от 1 до 10 (пусто — не оценивали)" if lang == "ru"
               else "A score is a whole number from 1 to 10 (blank: not assessed)")
        ws.data_validation(2, 2, n + 1, 1 + n_crit, {
            "validate": "integer", "criteria": "between", "minimum": SCORE_MIN,
            "maximum": SCORE_MAX, "ignore_blank": True,
            "input_title": "1–10", "input_message": msg,
            "error_title": "1–10", "error_message": msg})
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 1 + n_crit, 18)
    ws.set_column(2 + n_crit, 2 + n_crit, 18)
    ws.set_column(3 + n_crit, 3 + n_crit, 40)
    ws.freeze_panes(2, 2)

    wd = wb.add_worksheet("data")
    extra = [c for c in long_list.columns if c not in ("entity_id", "entity_name")]
    dl = _DATA_LABELS[lang]
    wd.write_row(0, 0, [labels["entity_id"], labels["entity_name"],
                        *(dl.get(c, c) for c in extra)], f_head)
    wd.write_column(1, 0, list(ids))
    wd.write_column(1, 1, ["" if _blank(v) else str(v) for v in names])
    for j, c in enumerate(extra, 2):
        fmt = _data_format(str(c), long_list[c])
        cf = wb.add_format({"num_format": fmt}) if fmt else None
        for i, v in enumerate(long_list[c], 1):
            v = _cell(v)
            if v == "":
                continue
            if isinstance(v, datetime | date):
                v = v.isoformat()
            wd.write(i, j, v if isinstance(v, int | float | str) else str(v), cf)
        wd.set_column(j, j, 16)
    wd.set_column(0, 0, 14)
    wd.set_column(1, 1, 40)
    wd.freeze_panes(1, 2)
    wd.autofilter(0, 0, max(n, 1), 1 + len(extra))

    wi = wb.add_worksheet("instructions")
    lines = [*_INSTRUCTIONS[lang],
             *(f"  {k}: {_description(k, criteria[k], lang)}" for k in crit)]
    f_title = wb.add_format({"bold": True, "font_size": 13})
    for i, line in enumerate(lines):
        wi.write_string(i, 0, line, f_title if i == 0 else None)
    wi.set_column(0, 0, 120)

    wb.close()
    atomic_write_bytes(path, buf.getvalue())
    return n


_score = cell_number  # one reading of a typed number (kamlib.workbook)


def read_assessment(path: str | Path, *, criteria: Iterable[str],
                    known: Iterable[str]) -> pd.DataFrame:
    """Read a filled-in assessment sheet back in long format.

    Parameters
    ----------
    path : str or Path
        The workbook written by :func:`write_assessment` and filled in by people.
    criteria : iterable of str
        The criterion columns to read (each must be in row 1); other columns are ignored.
    known : iterable of str
        The entity_ids on the long list; any other entity_id is an error.

    Returns
    -------
    DataFrame
        ``entity_id``, ``criterion``, ``score`` (float, 1–10), ``assessor`` (str or None), in
        sheet order. Blank cells (not assessed) are absent.

    Raises
    ------
    InputError
        The file or its sheet ``assessment`` cannot be read; or, listing up to 10 problems at
        once (the first one's row, column and value in the error's fields): a criterion column
        missing from row 1, a score that is not a number or not within 1–10, an entity_id
        not on the long list, a client's row given twice, scores without an entity_id.

    Notes
    -----
    Row 1 is the machine header; row 2 holds the descriptions and is skipped unless its
    entity_id is one of ``known`` (someone deleted the descriptions row).
    """
    path = Path(path)
    crit = list(criteria)
    known_set = {_id_text(k) for k in known}
    fname = path.name
    try:
        wb = python_calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:
        raise InputError(f"cannot read the assessment workbook ({exc})", file=str(path),
                         hint="save it as .xlsx, or delete it and run the step again to get "
                         "a fresh one") from None
    if SHEET not in wb.sheet_names:
        raise InputError(f"the workbook has no sheet '{SHEET}' (it has: "
                         f"{', '.join(wb.sheet_names)})", file=fname, sheet=SHEET,
                         hint=f"rename the sheet with the scores back to '{SHEET}', or delete "
                         "the file and run the step again to get a fresh one")
    rows = wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False)
    header = [str(h).strip() if not _blank(h) else "" for h in (rows[0] if rows else [])]
    col = {h: j for j, h in reversed(list(enumerate(header))) if h}

    problems: list[tuple[int, str | None, object, str, str]] = []
    if "entity_id" not in col:
        raise InputError("row 1 of the sheet has no column 'entity_id'", file=fname,
                         sheet=SHEET, row=1, column="entity_id",
                         hint="restore the header row (row 1) as written, or delete the file "
                         "and run the step again to get a fresh one")
    for c in crit:
        if c not in col:
            problems.append((1, c, None, f"the column of the criterion '{c}' is missing from "
                             "row 1", f"restore the header '{c}' in row 1 exactly as written "
                             "(row 1 holds the machine names)"))
    present = [c for c in crit if c in col]
    j_id = col["entity_id"]
    j_as = col.get("assessor")

    def get(r: Sequence[object], j: int | None) -> object:
        return r[j] if j is not None and j < len(r) else ""

    start = 1
    if len(rows) > 1 and _id_text(get(rows[1], j_id)) not in known_set:
        start = 2  # row 2: descriptions
    seen: dict[str, int] = {}
    out: list[tuple[str, str, float, str | None]] = []
    for i in range(start, len(rows)):
        r = rows[i]
        row = i + 1
        raw_id = get(r, j_id)
        cells = [(c, get(r, col[c])) for c in present]
        filled = [(c, v) for c, v in cells if not _blank(v)]
        if _blank(raw_id):
            if filled:
                problems.append((row, "entity_id", None, "scores without an entity_id",
                                 "restore the client's entity_id in this row, or clear the "
                                 "scores"))
            continue
        eid = _id_text(raw_id)
        if eid not in known_set:
            problems.append((row, "entity_id", raw_id, f"the entity_id '{eid}' is not on the "
                             "long list", "it may be a typo, or a client dropped from the long "
                             "list: correct the entity_id or delete the row"))
            continue
        if eid in seen:
            problems.append((row, "entity_id", raw_id, f"the client '{eid}' has a second row "
                             f"(first in row {seen[eid]})", "keep one row per client: merge "
                             "the scores into one row and delete the other"))
            continue
        seen[eid] = row
        a = get(r, j_as)
        assessor = None if _blank(a) else _id_text(a)
        for c, v in filled:
            if isinstance(v, float) and v.is_integer():
                v = int(v)  # as the user typed it: 11, not 11.0
            s = _score(v)
            if s is None:
                problems.append((row, c, v, "the score is not a number",
                                 f"write a whole number from {SCORE_MIN} to {SCORE_MAX}, or "
                                 "leave the cell blank if not assessed"))
            elif not SCORE_MIN <= s <= SCORE_MAX:
                problems.append((row, c, v, f"the score is out of range ({SCORE_MIN}–"
                                 f"{SCORE_MAX})", f"write a whole number from {SCORE_MIN} to "
                                 f"{SCORE_MAX}, or leave the cell blank if not assessed"))
            else:
                out.append((eid, c, s, assessor))

    if problems:
        _raise(fname, problems)
    return pd.DataFrame({
        "entity_id": pd.Series([t[0] for t in out], dtype=object),
        "criterion": pd.Series([t[1] for t in out], dtype=object),
        "score": pd.Series([t[2] for t in out], dtype=float),
        "assessor": pd.Series([t[3] for t in out], dtype=object),
    })


def _raise(fname: str, problems: list[tuple[int, str | None, object, str, str]]) -> None:
    row, column, value, message, hint = problems[0]
    if len(problems) > 1:
        lines = []
        for r, c, v, m, h in problems[:_MAX_LISTED]:
            where = f"row {r}" + (f", column '{c}'" if c else "")
            where += "" if v is None else f", value '{v}'"
            lines.append(f"  - {where}: {m} ({h})")
        more = len(problems) - _MAX_LISTED
        if more > 0:
            lines.append(f"  … and {more} more")
        message = (f"{len(problems)} problems in the assessment sheet (the first one is "
                   "located above):\n" + "\n".join(lines))
        hint = "fix all the listed cells in one go, save, and run the step again"
    raise InputError(message, file=fname, sheet=SHEET, row=row, column=column, value=value,
                     hint=hint)


def merge_assessments(*frames: pd.DataFrame) -> pd.DataFrame:
    """Combine long-format assessments; the later frame wins per (entity_id, criterion).

    Parameters
    ----------
    *frames : DataFrame
        Each with ``entity_id`` (or ``client_id``, already mapped to entities), ``criterion``,
        ``score`` and optionally ``assessor``; e.g. the intake's ``assessment`` table, then the
        workshop sheet read by :func:`read_assessment`.

    Returns
    -------
    DataFrame
        ``entity_id`` (str), ``criterion``, ``score`` (float), ``assessor`` (the assessors
        joined by ``"; "``, or None), ``n_scores`` (scores averaged) and ``source`` (0-based
        position of the frame the score comes from), sorted by entity_id and criterion.

    Raises
    ------
    SchemaError
        A frame lacks a required column.
    InputError
        A score is not a number.

    Notes
    -----
    Within one frame, several scores of the same (entity_id, criterion) — several assessors,
    or the same one twice — are averaged (plain mean). Across frames the later frame replaces
    the earlier one's score for that pair; pairs a later frame does not score keep their
    earlier score. Blank (NaN) scores mean "not assessed" and never override.
    """
    cols = ["entity_id", "criterion", "score", "assessor", "n_scores", "source"]
    parts = []
    for k, f in enumerate(frames):
        if f is None:
            continue
        f = f.copy()
        if "entity_id" not in f.columns and "client_id" in f.columns:
            f = f.rename(columns={"client_id": "entity_id"})
        missing = [c for c in ("entity_id", "criterion", "score") if c not in f.columns]
        if missing:
            raise SchemaError(f"assessment frame {k + 1} lacks column(s) {', '.join(missing)}",
                              hint="give entity_id (or client_id), criterion, score")
        if "assessor" not in f.columns:
            f["assessor"] = None
        f = f[~f["score"].map(_blank)]
        if f.empty:
            continue
        score = f["score"].map(_score)
        bad = score.isna()
        if bad.any():
            v = f.loc[bad, "score"].iloc[0]
            raise InputError(f"assessment frame {k + 1}: a score is not a number",
                             column="score", value=v, hint="scores are numbers 1–10")
        f = f.assign(entity_id=f["entity_id"].map(_id_text),
                     criterion=f["criterion"].astype(str).str.strip(),
                     score=score.astype(float),
                     assessor=f["assessor"].map(lambda a: None if _blank(a) else str(a).strip()))
        g = f.groupby(["entity_id", "criterion"], sort=False).agg(
            score=("score", "mean"), n_scores=("score", "size"),
            assessor=("assessor", lambda s: "; ".join(sorted(set(s.dropna()))) or None))
        g = g.reset_index().assign(source=k)
        parts.append(g)
    if not parts:
        out = pd.DataFrame(columns=cols)
        out["score"] = out["score"].astype(float)
        return out
    out = pd.concat(parts, ignore_index=True)
    out = out.drop_duplicates(["entity_id", "criterion"], keep="last")
    out = out.sort_values(["entity_id", "criterion"], kind="stable").reset_index(drop=True)
    out["n_scores"] = out["n_scores"].astype(int)
    out["assessor"] = out["assessor"].astype(object).where(out["assessor"].notna(), None)
    return out[cols]
