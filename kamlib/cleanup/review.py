"""The human in the loop: the review sheet and the decisions file every run replays.

``review/duplicates.xlsx`` lists the pairs between the review and the auto-merge thresholds
first, then the ones already decided, then the ones kept apart because their valid INNs
differ (separate legal entities — perhaps one group), both records side by side, with the
score and the evidence and a ``decision`` column (accept / reject).
``decisions/merges.csv`` is the record of the consultant's decisions; every run replays it:
accepted pairs merge, rejected pairs never merge, even above the threshold.

Round trip: a run writes the sheet with the current decisions filled in and, hidden, the
decision as written; the next run imports only the decisions a person changed in the sheet
into ``merges.csv``. So editing either the sheet or the CSV works, and a stale sheet never
overrides a newer CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..io import atomic_write_bytes
from ..workbook import safe_workbook, unneutralise

__all__ = ["MERGES_COLUMNS", "import_review", "read_decisions", "write_decisions",
           "write_review"]

MERGES_COLUMNS = ["client_id_a", "client_id_b", "decision", "note", "decided_on"]
_ACCEPT = {"accept", "accepted", "yes", "да", "merge", "объединить", "1", "+"}
_REJECT = {"reject", "rejected", "no", "нет", "keep apart", "не объединять", "0", "-"}


def _norm_decision(value: object, *, file: str, row: int) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    v = str(value).strip().casefold()
    if v == "":
        return None
    if v in _ACCEPT:
        return "accept"
    if v in _REJECT:
        return "reject"
    raise InputError("a decision must be 'accept' or 'reject'", file=file, row=row,
                     column="decision", value=value,
                     hint="write accept (merge the two records) or reject (keep them apart)")


def read_decisions(path: str | Path) -> pd.DataFrame:
    """Read ``decisions/merges.csv`` (empty frame if it does not exist).

    The last decision on a pair wins. Pairs are unordered: (a, b) = (b, a).

    Raises
    ------
    InputError
        Missing columns or a decision that is neither accept nor reject, with its row.
    """
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=MERGES_COLUMNS)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in ("client_id_a", "client_id_b", "decision") if c not in df.columns]
    if missing:
        raise InputError(f"the decisions file lacks column(s) {', '.join(missing)}",
                         file=str(path), row=1,
                         hint=f"its header must be: {','.join(MERGES_COLUMNS)}")
    df["decision"] = [_norm_decision(v, file=path.name, row=i + 2)
                      for i, v in enumerate(df["decision"])]
    df = df[df["decision"].notna()].copy()
    for c in MERGES_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    pair = [tuple(sorted((a, b))) for a, b in zip(df["client_id_a"], df["client_id_b"],
                                                   strict=True)]
    df["client_id_a"] = [p[0] for p in pair]
    df["client_id_b"] = [p[1] for p in pair]
    return df.drop_duplicates(["client_id_a", "client_id_b"], keep="last")[MERGES_COLUMNS]


def write_decisions(path: str | Path, decisions: pd.DataFrame) -> None:
    """Write ``decisions/merges.csv`` atomically (sorted, one line per pair)."""
    buf = io.StringIO()
    d = decisions[MERGES_COLUMNS].sort_values(["client_id_a", "client_id_b"])
    d.to_csv(buf, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    atomic_write_bytes(path, buf.getvalue().encode("utf-8"))


def import_review(review_path: str | Path, decisions: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Merge into ``decisions`` what a person changed in the review sheet.

    Returns the updated decisions and the number of decisions imported.
    """
    review_path = Path(review_path)
    if not review_path.exists():
        return decisions, 0
    try:
        sheet = pd.read_excel(review_path, sheet_name="review", dtype=str, engine="calamine")
    except Exception as exc:
        raise InputError(f"cannot read the review sheet ({exc})", file=str(review_path),
                         hint="save it as .xlsx with its sheet 'review', or delete it to get "
                         "a fresh one") from None
    need = {"code_a", "code_b", "decision", "decision_as_written"}
    if not need <= set(sheet.columns):
        raise InputError("the review sheet lacks its columns " + ", ".join(sorted(need)),
                         file=review_path.name, row=1, hint="delete it to get a fresh one")
    new = []
    sheet = sheet.iloc[1:]  # row 2 of the sheet holds the labels in the report language
    for i, r in sheet.iterrows():
        d = _norm_decision(r["decision"], file=review_path.name, row=int(i) + 2)
        written = _norm_decision(r["decision_as_written"], file=review_path.name, row=int(i) + 2)
        if d != written and d is not None:
            a, b = sorted((unneutralise(str(r["code_a"])), unneutralise(str(r["code_b"]))))
            note = r.get("note")
            new.append({"client_id_a": a, "client_id_b": b, "decision": d,
                        "note": "" if note is None or pd.isna(note) else str(note),
                        "decided_on": date.today().isoformat()})
    if not new:
        return decisions, 0
    merged = pd.concat([decisions, pd.DataFrame(new)], ignore_index=True)
    merged = merged.drop_duplicates(["client_id_a", "client_id_b"], keep="last")
    return merged[MERGES_COLUMNS].reset_index(drop=True), len(new)


_HEAD = {
    "en": ["pair", "score", "status", "evidence", "code_a", "name_a", "inn_a", "kpp_a",
           "region_a", "lines_a", "code_b", "name_b", "inn_b", "kpp_b", "region_b", "lines_b",
           "decision", "note", "decision_as_written"],
}
_LABELS_RU = ["Пара", "Оценка", "Статус", "Основания", "Код A", "Наименование A", "ИНН A",
              "КПП A", "Регион A", "Строк продаж A", "Код B", "Наименование B", "ИНН B",
              "КПП B", "Регион B", "Строк продаж B", "Решение (accept/reject)", "Комментарий",
              ""]


def write_review(path: str | Path, pairs: pd.DataFrame, rec: pd.DataFrame,
                 usage: pd.Series, decisions: pd.DataFrame, *, lang: str = "ru") -> int:
    """Write ``review/duplicates.xlsx``: pairs to review and pairs already decided.

    Returns the number of pairs written. The machine-readable header is row 1 (read back by
    :func:`import_review`); row 2 holds the labels in the report language.
    """
    dec = {(a, b): (d, n) for a, b, d, n in zip(decisions["client_id_a"],
                                                decisions["client_id_b"], decisions["decision"],
                                                decisions["note"], strict=True)}
    show = pairs[pairs["outcome"].isin(["to review", "merged (accepted)",
                                        "rejected by reviewer", "blocked: rejected pair",
                                        "blocked: different valid INNs", "kept apart"])]
    # what needs a decision first, then what was decided, then the information
    order = {"to review": 0, "blocked: rejected pair": 1, "merged (accepted)": 2,
             "rejected by reviewer": 2, "blocked: different valid INNs": 3, "kept apart": 4}
    show = show.assign(_o=show["outcome"].map(order)).sort_values(
        ["_o", "score"], ascending=[True, False], kind="stable")
    r = rec.set_index("client_id")
    rows = []
    for n, p in enumerate(show.itertuples(), 1):
        a, b = sorted((p.client_id_a, p.client_id_b))
        d, note = dec.get((a, b), (None, ""))
        ra, rb = r.loc[a], r.loc[b]
        rows.append([n, round(float(p.score), 1), p.outcome, p.evidence,
                     a, ra["name"], ra.get("inn_raw"), ra.get("kpp"), ra.get("region"),
                     int(usage.get(a, 0)),
                     b, rb["name"], rb.get("inn_raw"), rb.get("kpp"), rb.get("region"),
                     int(usage.get(b, 0)), d or "", note or "", d or ""])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    ws = wb.add_worksheet("review")
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    label = wb.add_format({"italic": True, "font_color": "#595959", "text_wrap": True})
    ws.write_row(0, 0, _HEAD["en"], head)
    ws.write_row(1, 0, _LABELS_RU if lang == "ru" else [h.replace("_", " ")
                                                         for h in _HEAD["en"]], label)
    for i, row in enumerate(rows, 2):
        ws.write_row(i, 0, ["" if v is None or (isinstance(v, float) and pd.isna(v)) else v
                            for v in row])
    if rows:
        ws.data_validation(2, 16, len(rows) + 1, 16,
                           {"validate": "list", "source": ["accept", "reject"]})
    ws.set_column(0, 2, 9)
    ws.set_column(3, 3, 50)
    ws.set_column(4, 15, 16)
    ws.set_column(5, 5, 34)
    ws.set_column(11, 11, 34)
    ws.set_column(16, 17, 20)
    ws.set_column(18, 18, None, None, {"hidden": True})
    ws.freeze_panes(2, 0)
    ws.autofilter(0, 0, max(len(rows) + 1, 1), len(_HEAD["en"]) - 2)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())
    return len(rows)
