"""The second front: how ready the company is inside for key account management.

The KAM's hardest fight is inside the company: resources without authority. The workshop
questionnaire asks management and the KAMs (or salespeople) the same statements on the seven
alignment elements of McKinsey's 7S framework as KAM research uses it for the internal side
(Wilson & Millman 2003 on the KAM as "political entrepreneur"; Storbacka 2012 on the
organisational capabilities of strategic account management): shared values, style, skills,
staff, strategy, structure, systems — three statements each, scored 1 (not at all true) to 5
(fully true). The gap between the two views is the finding: management sees in place what the
people who serve the clients do not.

- :func:`write_questionnaire` — the workbook to fill in (through the safe writer of
  :mod:`kamlib.workbook`), in the engagement's language;
- :func:`read_answers` — the filled workbook read back and validated (file, sheet, row,
  column and value in every error; an unanswered workbook is "waiting", not an error);
- :func:`element_scores` — DataFrame in, DataFrame out: the average per element and group,
  and the gap management − KAMs;
- :func:`alignment_actions` — the stated rules that turn the scores into what to change;
- :func:`alignment_summary` — the typed ``alignment`` block of step 4's summary;
- :func:`record_alignment` — step 4 reads ``review/alignment.xlsx`` (optional) and adds the
  block to its summary.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError

__all__ = [
    "ELEMENTS",
    "GAP_THRESHOLD",
    "KPI_OPTIONS",
    "MAX_RESPONDENTS",
    "RESOURCE_OPTIONS",
    "ROLES",
    "STATEMENTS",
    "AlignmentAnswers",
    "AlignmentError",
    "alignment_actions",
    "alignment_summary",
    "element_scores",
    "read_answers",
    "record_alignment",
    "tick_counts",
    "write_questionnaire",
]

#: the seven alignment elements (7S), in the questionnaire's order
ELEMENTS = ("shared_values", "style", "skills", "staff", "strategy", "structure", "systems")
#: statement codes, three per element (texts: ``kit_alignment.statement.<code>``)
STATEMENTS = tuple(f"{e}_{i}" for e in ELEMENTS for i in (1, 2, 3))
#: the two groups whose views are compared
ROLES = ("management", "kam")
#: how resources for clients are decided today (tick list)
RESOURCE_OPTIONS = ("size", "profit", "relationship", "business_case", "request")
#: functional targets that may work against key clients (tick list)
KPI_OPTIONS = ("logistics_cost", "production_batch", "finance_terms", "sales_volume",
               "service_speed", "purchasing_stock")
#: an element is a gap to act on when the groups' averages differ by this many points or more
GAP_THRESHOLD = 0.5
#: an element both groups score below this is weak whatever the gap
WEAK_BELOW = 3.0
#: the gaps listed, largest first
TOP_GAPS = 3
#: respondent columns in the questionnaire
MAX_RESPONDENTS = 12
_FIRST = 3            # column D: the first respondent (0-based)
_FIXED_DATE = datetime(2026, 1, 1)   # the workbook's "created" property: same bytes each time
_PRACTICE = ([("resources", o) for o in RESOURCE_OPTIONS] + [("resources_text", "")]
             + [("kpis", o) for o in KPI_OPTIONS] + [("kpis_text", "")])


class AlignmentError(InputError):
    """The alignment questionnaire cannot be read as filled in (the message names the file,
    sheet, row, column and value, and what to do)."""


def _col(i: int) -> str:
    """Excel column letters of a 0-based index."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out


def _code(kind: str, option: str) -> str:
    return f"{kind}.{option}" if option else kind


# --------------------------------------------------------------------------- writing
def write_questionnaire(path: str | Path, lang: str = "ru", *,
                        answers: AlignmentAnswers | None = None) -> Path:
    """Write the workshop questionnaire (``Answers``, ``Practice``, ``Instructions`` sheets).

    Parameters
    ----------
    path : str or Path
        The workbook to write (atomically).
    lang : {"ru", "en"}
        The language of every text.
    answers : AlignmentAnswers, optional
        Answers to fill in (the sample engagement's); empty by default.

    Returns
    -------
    Path
        ``path``. The same inputs give the same bytes.
    """
    from ..i18n import load_strings
    from ..io import atomic_write_bytes
    from ..workbook import safe_workbook

    st = load_strings(lang)

    def t(key: str, **kw: Any) -> str:
        return st.t(f"kit_alignment.{key}", **kw)

    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    wb.set_properties({"created": _FIXED_DATE})
    bold = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True,
                          "valign": "top"})
    group = wb.add_format({"bold": True, "bg_color": "#F2F2F2"})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    cell = wb.add_format({"border": 1, "align": "center"})
    roles = [t(f"role.{r}") for r in ROLES]
    last = _FIRST + MAX_RESPONDENTS - 1
    names = (answers.respondents if answers is not None
             else pd.DataFrame(columns=["column", "name", "role"]))

    ws = wb.add_worksheet(t("sheet_scores"))
    ws.write_row(0, 0, [t("col_code"), t("col_element"), t("col_statement")], bold)
    ws.write(1, 2, t("role_row"), group)
    for k in range(MAX_RESPONDENTS):
        ws.write(0, _FIRST + k, t("respondent", n=k + 1), bold)
    for r in names.itertuples(index=False):
        ws.write(0, int(r.column), str(r.name), bold)
        ws.write(1, int(r.column), t(f"role.{r.role}"), cell)
    ws.data_validation(1, _FIRST, 1, last, {"validate": "list", "source": roles})
    scores = ({} if answers is None else
              {(s.code, int(s.column)): int(s.score) for s in answers.scores.itertuples()})
    for i, code in enumerate(STATEMENTS, start=2):
        el = code.rsplit("_", 1)[0]
        ws.write(i, 0, code)
        ws.write(i, 1, t(f"element.{el}"))
        ws.write(i, 2, t(f"statement.{code}"), wrap)
        for c in range(_FIRST, last + 1):
            v = scores.get((code, c))
            if v is None:
                ws.write_blank(i, c, None, cell)
            else:
                ws.write_number(i, c, v, cell)
    ws.data_validation(2, _FIRST, 1 + len(STATEMENTS), last,
                       {"validate": "integer", "criteria": "between", "minimum": 1,
                        "maximum": 5})
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 18)
    ws.set_column(2, 2, 70)
    ws.set_column(_FIRST, last, 12)
    ws.freeze_panes(2, 3)

    ws = wb.add_worksheet(t("sheet_practice"))
    ws.write_row(0, 0, [t("col_code"), t("col_question"), t("col_answer")], bold)
    for k in range(MAX_RESPONDENTS):
        ws.write(0, _FIRST + k, t("respondent", n=k + 1), bold)
    for r in names.itertuples(index=False):
        ws.write(0, int(r.column), str(r.name), bold)
    ticks = ({} if answers is None else
             {(x.code, int(x.column)): x.value for x in answers.practice.itertuples()})
    for i, (kind, opt) in enumerate(_PRACTICE, start=1):
        code = _code(kind, opt)
        ws.write(i, 0, code)
        if opt:
            ws.write(i, 1, t(f"practice.{kind}"))
            ws.write(i, 2, t(f"practice.{kind}_options.{opt}"), wrap)
        else:
            ws.write(i, 1, t(f"practice.{kind}"), group)
            ws.write(i, 2, "", group)
        for c in range(_FIRST, last + 1):
            v = ticks.get((code, c))
            ws.write(i, c, v if v is not None else "", cell if opt else wrap)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 40)
    ws.set_column(2, 2, 55)
    ws.set_column(_FIRST, last, 14)
    ws.freeze_panes(1, 3)

    ws = wb.add_worksheet(t("sheet_instructions"))
    ws.write(0, 0, t("title"), wb.add_format({"bold": True, "font_size": 14}))
    for i, key in enumerate(("how", "how_practice"), start=2):
        ws.write(i, 0, t(key), wrap)
    ws.write(4, 0, t("instructions", n=MAX_RESPONDENTS), wrap)
    ws.set_column(0, 0, 110)
    wb.close()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return path


# --------------------------------------------------------------------------- reading
@dataclass
class AlignmentAnswers:
    """The answers of one questionnaire.

    Attributes
    ----------
    status : {"filled", "waiting"}
        ``waiting`` when the file is missing or nobody scored a statement.
    respondents : DataFrame
        ``column`` (0-based sheet column), ``name``, ``role`` (a code of :data:`ROLES`).
    scores : DataFrame
        One row per answer: ``column``, ``role``, ``code``, ``element``, ``score`` (1–5).
    practice : DataFrame
        One row per tick or free text: ``column``, ``role``, ``code`` (``resources.size`` …,
        ``resources_text``, ``kpis_text``), ``value`` ("x" or the text).
    """

    status: str
    respondents: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["column", "name", "role"]))
    scores: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["column", "role", "code", "element", "score"]))
    practice: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["column", "role", "code", "value"]))


def _role_code(value: Any) -> str | None:
    from ..i18n import load_strings

    text = " ".join(str(value).strip().lower().replace("ё", "е").split())
    for lang in ("ru", "en"):
        st = load_strings(lang)
        for r in ROLES:
            if text in (r, st.t(f"kit_alignment.role.{r}").lower().replace("ё", "е")):
                return r
    return {"kam": "kam", "sales": "kam", "продажи": "kam", "кам": "kam",
            "руководитель": "management"}.get(text)


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


def _score(v: Any) -> int | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float) and float(v).is_integer() and 1 <= v <= 5:
        return int(v)
    if isinstance(v, str) and v.strip() in {"1", "2", "3", "4", "5"}:
        return int(v.strip())
    return None


def read_answers(path: str | Path) -> AlignmentAnswers:
    """Read a filled questionnaire back, validated.

    Parameters
    ----------
    path : str or Path
        ``review/alignment.xlsx`` (a missing file is "waiting").

    Returns
    -------
    AlignmentAnswers
        ``status`` is ``waiting`` when no statement was scored.

    Raises
    ------
    AlignmentError
        The file cannot be read; a score is not a whole number 1–5; a role is unknown; a
        column has scores but no role; a statement code in column A is unknown; a tick is not
        ``x`` — each naming the file, sheet, row, column (letter) and value.
    """
    from openpyxl import load_workbook

    from ..workbook import unneutralise

    path = Path(path)
    if not path.exists():
        return AlignmentAnswers("waiting")
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise AlignmentError(f"cannot read the alignment questionnaire: {exc}", file=str(path),
                             hint="save it as .xlsx from Excel, or write an empty one again "
                                  "with `kam kit`") from None
    try:
        if not wb.worksheets:
            raise AlignmentError("the questionnaire has no answers sheet", file=str(path),
                                 hint="use the questionnaire of `kam kit`")
        ws = wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        practice_rows = ([list(r) for r in wb.worksheets[1].iter_rows(values_only=True)]
                         if len(wb.worksheets) > 1 else [])
        sheet, psheet = ws.title, (wb.worksheets[1].title if len(wb.worksheets) > 1 else "")
    finally:
        wb.close()

    def err(msg: str, row: int, col: int, value: Any, hint: str, sh: str = sheet) -> None:
        raise AlignmentError(msg, file=str(path), sheet=sh, row=row, column=_col(col),
                             value=value, hint=hint)

    header = rows[0] if rows else []
    role_row = rows[1] if len(rows) > 1 else []
    width = max((len(r) for r in rows), default=0)
    scores, seen = [], set()
    for n, row in enumerate(rows[2:], start=3):
        code = row[0] if row else None
        cells = row[_FIRST:]
        if _blank(code):
            if any(not _blank(v) for v in cells):
                err("unknown statement code", n, 0, code, "do not edit column A; copy the "
                    "answers into a fresh questionnaire from `kam kit`")
            continue
        code = str(code).strip()
        if code not in STATEMENTS:
            err("unknown statement code", n, 0, code, "do not edit column A; copy the "
                "answers into a fresh questionnaire from `kam kit`")
        for c, v in enumerate(cells, start=_FIRST):
            if _blank(v):
                continue
            s = _score(v)
            if s is None:
                err("a score must be a whole number from 1 to 5", n, c, v,
                    "write 1, 2, 3, 4 or 5, or leave the cell empty if the person did not "
                    "answer")
            scores.append({"column": c, "code": code, "element": code.rsplit("_", 1)[0],
                           "score": s})
            seen.add(c)
    resp = []
    for c in range(_FIRST, width):
        rv = role_row[c] if c < len(role_row) else None
        role = None if _blank(rv) else _role_code(rv)
        if not _blank(rv) and role is None:
            err("unknown role", 2, c, rv, "choose from the list: management, or KAM or sales "
                "(руководство, КАМ или продажи)")
        if c in seen and role is None:
            err("this respondent's column has scores but no role", 2, c, None,
                "write the role in row 2: management, or KAM or sales")
        if c in seen:
            name = header[c] if c < len(header) and not _blank(header[c]) else _col(c)
            resp.append({"column": c, "name": unneutralise(str(name)).strip(), "role": role})
    respondents = pd.DataFrame(resp, columns=["column", "name", "role"])
    role_of = dict(zip(respondents["column"], respondents["role"], strict=True))
    sc = pd.DataFrame(scores, columns=["column", "code", "element", "score"])
    sc.insert(1, "role", sc["column"].map(role_of))
    sc = sc[["column", "role", "code", "element", "score"]]
    valid = {_code(k, o) for k, o in _PRACTICE}
    prac = []
    for n, row in enumerate(practice_rows[1:], start=2):
        code = row[0] if row else None
        if _blank(code):
            continue
        code = str(code).strip()
        if code not in valid:
            err("unknown question code", n, 0, code, "do not edit column A; copy the "
                "answers into a fresh questionnaire from `kam kit`", psheet)
        for c, v in enumerate(row[_FIRST:], start=_FIRST):
            if _blank(v) or c not in role_of:
                continue
            text = unneutralise(str(v)).strip()
            if "." in code and text.lower() not in ("x", "х", "✓", "v", "1"):
                err("a tick must be x (or left empty)", n, c, v, "write x against the "
                    "answers that are true, or leave the cell empty", psheet)
            prac.append({"column": c, "role": role_of[c], "code": code,
                         "value": "x" if "." in code else text})
    practice = pd.DataFrame(prac, columns=["column", "role", "code", "value"])
    return AlignmentAnswers("filled" if len(sc) else "waiting", respondents, sc, practice)


# --------------------------------------------------------------------------- computing
def element_scores(scores: pd.DataFrame) -> pd.DataFrame:
    """The average score per element and group, and the gap between the two views.

    Parameters
    ----------
    scores : DataFrame
        One row per answer: ``role`` (``management`` / ``kam``), ``element``, ``score``.

    Returns
    -------
    DataFrame
        Indexed by element (all seven, in :data:`ELEMENTS` order): ``management``, ``kam``
        (the mean of every answer of the group on the element's statements; NaN when the
        group gave none), ``gap`` (management − kam), ``answers`` (count of answers).
    """
    by = (scores.assign(score=scores["score"].astype(float))
          .pivot_table(index="element", columns="role", values="score", aggfunc="mean"))
    out = pd.DataFrame(index=pd.Index(ELEMENTS, name="element"))
    for r in ROLES:
        out[r] = by[r] if r in by.columns else float("nan")
    out["gap"] = out["management"] - out["kam"]
    out["answers"] = scores.groupby("element").size().reindex(ELEMENTS).fillna(0).astype(int)
    return out


def alignment_actions(by_element: pd.DataFrame, *, threshold: float = GAP_THRESHOLD,
                      top: int = TOP_GAPS, weak_below: float = WEAK_BELOW) -> pd.DataFrame:
    """What to change, by stated rules.

    Rule 1: an element whose groups' averages differ by ``threshold`` points or more is a gap;
    the ``top`` largest (by absolute gap, then element order) are listed, ``kind`` ``gap_down``
    when management scores higher, ``gap_up`` when the KAMs do. Rule 2: an element both groups
    score below ``weak_below`` and not listed by rule 1 is ``weak``.

    Parameters
    ----------
    by_element : DataFrame
        :func:`element_scores`'s output.

    Returns
    -------
    DataFrame
        ``element``, ``kind`` (``gap_down``, ``gap_up``, ``weak``), ``management``, ``kam``,
        ``gap``; the text of what to change is ``kit_alignment.change.<element>``.
    """
    d = by_element.dropna(subset=["gap"]).copy()
    d["order"] = [ELEMENTS.index(e) for e in d.index]
    d["abs_gap"] = d["gap"].abs().round(9)
    gaps = d[d["abs_gap"] >= threshold - 1e-9].sort_values(["abs_gap", "order"],
                                                            ascending=[False, True]).head(top)
    rows = [{"element": e, "kind": "gap_down" if r.gap > 0 else "gap_up",
             "management": r.management, "kam": r.kam, "gap": r.gap}
            for e, r in gaps.iterrows()]
    weak = d[(d["management"] < weak_below) & (d["kam"] < weak_below)
             & ~d.index.isin(gaps.index)].sort_values("order")
    rows += [{"element": e, "kind": "weak", "management": r.management, "kam": r.kam,
              "gap": r.gap} for e, r in weak.iterrows()]
    return pd.DataFrame(rows, columns=["element", "kind", "management", "kam", "gap"])


def tick_counts(practice: pd.DataFrame, kind: str) -> pd.DataFrame:
    """How many respondents of each group ticked each option of ``kind`` (``resources`` or
    ``kpis``): indexed by option (all of them), columns ``management``, ``kam``, ``total``."""
    options = RESOURCE_OPTIONS if kind == "resources" else KPI_OPTIONS
    p = practice[practice["code"].str.startswith(kind + ".")]
    p = p.assign(option=p["code"].str.split(".").str[1])
    c = p.groupby(["option", "role"]).size().unstack("role")
    out = pd.DataFrame(index=pd.Index(options, name="option"))
    for r in ROLES:
        out[r] = (c[r] if r in c.columns else pd.Series(dtype=float)).reindex(options)
    out = out.fillna(0).astype(int)
    out["total"] = out["management"] + out["kam"]
    return out


def alignment_summary(answers: AlignmentAnswers) -> dict[str, Any]:
    """The ``alignment`` block of step 4's summary (typed by
    :class:`kamlib.summaries.Alignment`): status, respondents per group, each element's
    averages and gap, the listed gaps and weak elements, the tick counts and free texts."""
    if answers.status != "filled":
        return {"status": "waiting", "gap_threshold": GAP_THRESHOLD}
    by = element_scores(answers.scores)
    acts = alignment_actions(by)

    def num(x: Any) -> float | None:
        return None if pd.isna(x) else round(float(x), 4)

    texts = answers.practice[answers.practice["code"].str.endswith("_text")]
    return {
        "status": "filled",
        "gap_threshold": GAP_THRESHOLD,
        "respondents": {r: int((answers.respondents["role"] == r).sum()) for r in ROLES},
        "statements": int(answers.scores["code"].nunique()),
        "elements": {e: {"management": num(r.management), "kam": num(r.kam),
                         "gap": num(r.gap), "answers": int(r.answers)}
                     for e, r in by.iterrows()},
        "actions": [{"element": a.element, "kind": a.kind} for a in acts.itertuples()],
        "resources": {o: {k: int(v) for k, v in r.items()}
                      for o, r in tick_counts(answers.practice, "resources").iterrows()},
        "kpis_against": {o: {k: int(v) for k, v in r.items()}
                         for o, r in tick_counts(answers.practice, "kpis").iterrows()},
        "texts": [{"role": r.role, "question": r.code, "text": r.value}
                  for r in texts.itertuples()],
    }


def record_alignment(root: str | Path, step_dir: str | Path) -> dict[str, Any]:
    """Step 4: read ``review/alignment.xlsx`` (optional) and add the ``alignment`` block to
    the step's ``summary.json`` in ``step_dir`` (validated again through
    :func:`kamlib.summaries.write_summary`). Returns the block."""
    import json

    from ..summaries import write_summary

    block = alignment_summary(read_answers(Path(root) / "review" / "alignment.xlsx"))
    path = Path(step_dir) / "summary.json"
    # read as the step wrote it (plain floats): write_summary validates it again and writes
    # money as the same exact amounts
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["alignment"] = block
    write_summary("04", path, summary)
    return block
