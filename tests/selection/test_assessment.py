"""The workshop assessment round trip: write → fill → read, validation, merge."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kamlib.errors import InputError
from kamlib.selection.assessment import (
    DEFAULT_CRITERIA,
    DEFAULT_CRITERIA_RU,
    merge_assessments,
    read_assessment,
    write_assessment,
)

CRIT = dict(DEFAULT_CRITERIA)
KEYS = list(CRIT)
IDS = ["E001", "E002", "E003"]


@pytest.fixture
def long_list() -> pd.DataFrame:
    return pd.DataFrame({
        "entity_id": IDS,
        "entity_name": ["ООО Альфа", "АО Бета", "ИП Гамма"],
        "net_revenue": [1_250_000.5, 800_000.0, 120_000.0],
        "margin_pct": [0.25, 0.1, None],
        "orders": [40, 12, 3],
        "quadrant": ["Strategic", "Star", "Streamline"],
    })


def _fill(path: Path, cells: dict[tuple[int, str], object]) -> None:
    """Fill cells by (worksheet row, header) as a person would."""
    wb = openpyxl.load_workbook(path)
    ws = wb["assessment"]
    col = {c.value: c.column for c in ws[1]}
    for (row, head), v in cells.items():
        ws.cell(row=row, column=col[head], value=v)
    wb.save(path)


def _written(tmp_path: Path, long_list: pd.DataFrame, **kw) -> Path:
    p = tmp_path / "review" / "assessment.xlsx"
    assert write_assessment(p, long_list, CRIT, **kw) == len(long_list)
    return p


def test_round_trip(tmp_path, long_list):
    p = _written(tmp_path, long_list, lang="en")
    wb = openpyxl.load_workbook(p)
    assert wb.sheetnames == ["assessment", "data", "instructions"]
    ws = wb["assessment"]
    assert [c.value for c in ws[1]] == ["entity_id", "entity_name", *KEYS, "assessor", "note"]
    assert [ws.cell(r, 1).value for r in (3, 4, 5)] == IDS
    assert ws.freeze_panes == "C3"
    _fill(p, {(3, "strategic_fit"): 8, (3, "potential"): 9.0, (3, "assessor"): "Ivanov",
              (4, "reference_value"): "7", (5, "relationship_stage"): 1,
              (5, "note"): "maybe drop"})
    df = read_assessment(p, criteria=KEYS, known=IDS)
    assert list(df.columns) == ["entity_id", "criterion", "score", "assessor"]
    assert df["score"].dtype == float
    got = {(r.entity_id, r.criterion): (r.score, r.assessor) for r in df.itertuples()}
    assert got == {("E001", "strategic_fit"): (8.0, "Ivanov"),
                   ("E001", "potential"): (9.0, "Ivanov"),
                   ("E002", "reference_value"): (7.0, None),
                   ("E003", "relationship_stage"): (1.0, None)}


def test_blanks_skipped(tmp_path, long_list):
    p = _written(tmp_path, long_list)
    df = read_assessment(p, criteria=KEYS, known=IDS)
    assert df.empty
    assert list(df.columns) == ["entity_id", "criterion", "score", "assessor"]
    _fill(p, {(4, "potential"): 5, (4, "strategic_fit"): "  "})
    df = read_assessment(p, criteria=KEYS, known=IDS)
    assert df[["entity_id", "criterion", "score"]].values.tolist() == [["E002", "potential",
                                                                        5.0]]


def test_prefill_from_existing(tmp_path, long_list):
    existing = pd.DataFrame({
        "client_id": ["E001", "E001", "E002", "E002", "E999", "E003"],
        "criterion": ["strategic_fit", "potential", "potential", "potential", "potential",
                      "unknown_criterion"],
        "score": [9, 6, 4, 7, 3, 5],
        "assessor": ["A", "A", "A", "B", "A", "A"],
    })
    p = _written(tmp_path, long_list, existing=existing)
    ws = openpyxl.load_workbook(p)["assessment"]
    col = {c.value: c.column for c in ws[1]}
    assert ws.cell(3, col["strategic_fit"]).value == 9
    assert ws.cell(3, col["potential"]).value == 6
    assert ws.cell(4, col["potential"]).value == 5.5  # two assessors averaged
    assert ws.cell(4, col["assessor"]).value == "A; B"
    assert ws.cell(5, col["potential"]).value is None
    df = read_assessment(p, criteria=KEYS, known=IDS)
    assert len(df) == 3
    assert df.set_index(["entity_id", "criterion"]).loc[("E002", "potential"), "score"] == 5.5


@pytest.mark.parametrize("lang,first", [("ru", DEFAULT_CRITERIA_RU), ("en", DEFAULT_CRITERIA)])
def test_descriptions_row(tmp_path, long_list, lang, first):
    p = _written(tmp_path, long_list, lang=lang)
    wb = openpyxl.load_workbook(p)
    row2 = [c.value for c in wb["assessment"][2]]
    assert row2[2:6] == [first[k] for k in KEYS]
    assert row2[0] == ("Код клиента" if lang == "ru" else "Client ID")
    text = "\n".join(str(c.value) for c in wb["instructions"]["A"] if c.value)
    assert ("оценку от 1 до 10" in text) if lang == "ru" else ("from 1 to 10" in text)
    # read back whatever the language
    assert read_assessment(p, criteria=KEYS, known=IDS).empty


def test_custom_description_kept(tmp_path, long_list):
    p = tmp_path / "a.xlsx"
    write_assessment(p, long_list, {"payment_discipline": "Pays on time"}, lang="ru")
    ws = openpyxl.load_workbook(p)["assessment"]
    assert ws.cell(2, 3).value == "Pays on time"


def test_data_validation(tmp_path, long_list):
    p = _written(tmp_path, long_list)
    ws = openpyxl.load_workbook(p)["assessment"]
    dvs = ws.data_validations.dataValidation
    assert len(dvs) == 1
    dv = dvs[0]
    assert dv.type == "whole" and dv.operator in (None, "between")  # None: default
    assert (dv.formula1, dv.formula2) == ("1", "10")
    assert str(dv.sqref) == "C3:F5"


def test_data_sheet(tmp_path, long_list):
    p = _written(tmp_path, long_list, lang="en")
    ws = openpyxl.load_workbook(p)["data"]
    assert [c.value for c in ws[1]] == ["Client ID", "Client", "Net revenue", "Margin, %",
                                        "Orders", "Quadrant"]
    assert ws["C2"].value == 1_250_000.5 and ws["C2"].number_format == "#,##0"
    assert ws["D2"].number_format == "0.0%"
    assert ws["D4"].value is None
    assert ws["F3"].value == "Star"


def _error(p: Path) -> InputError:
    with pytest.raises(InputError) as ei:
        read_assessment(p, criteria=KEYS, known=IDS)
    return ei.value


@pytest.mark.parametrize("value,text", [(11, "out of range"), (0, "out of range"),
                                        ("high", "not a number"), (-3, "out of range")])
def test_bad_score(tmp_path, long_list, value, text):
    p = _written(tmp_path, long_list)
    _fill(p, {(4, "potential"): value, (3, "strategic_fit"): 8})
    e = _error(p)
    assert (e.file, e.sheet, e.row, e.column, e.value) == ("assessment.xlsx", "assessment", 4,
                                                           "potential", value)
    assert type(e.value) is type(value)  # shown as typed: 11, not 11.0
    assert text in e.message and e.hint
    assert "row 4" in str(e) and "'potential'" in str(e)


def test_unknown_client(tmp_path, long_list):
    p = _written(tmp_path, long_list)
    _fill(p, {(5, "entity_id"): "E0033", (5, "potential"): 6})
    e = _error(p)
    assert (e.row, e.column, e.value) == (5, "entity_id", "E0033")
    assert "not on the long list" in e.message
    assert "typo" in e.hint and "dropped" in e.hint


def test_duplicate_row(tmp_path, long_list):
    p = _written(tmp_path, long_list)
    _fill(p, {(6, "entity_id"): "E001", (6, "potential"): 4})
    e = _error(p)
    assert (e.row, e.column, e.value) == (6, "entity_id", "E001")
    assert "second row" in e.message and "row 3" in e.message


def test_missing_column(tmp_path, long_list):
    p = _written(tmp_path, long_list)
    _fill(p, {(1, "potential"): "potencial"})
    e = _error(p)
    assert (e.row, e.column, e.value) == (1, "potential", None)
    assert "missing" in e.message


def test_missing_sheet(tmp_path):
    p = tmp_path / "a.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Лист1"
    wb.save(p)
    e = _error(p)
    assert e.sheet == "assessment" and "no sheet 'assessment'" in e.message


def test_unreadable_file(tmp_path):
    p = tmp_path / "a.xlsx"
    p.write_text("not a workbook")
    assert "cannot read" in _error(p).message


def test_all_problems_at_once(tmp_path, long_list):
    big = pd.DataFrame({"entity_id": [f"E{i:03d}" for i in range(20)],
                        "entity_name": ["x"] * 20})
    p = tmp_path / "a.xlsx"
    write_assessment(p, big, CRIT, lang="en")
    _fill(p, {(r, "potential"): 11 for r in range(3, 16)} | {(4, "strategic_fit"): "high"})
    with pytest.raises(InputError) as ei:
        read_assessment(p, criteria=KEYS, known=big["entity_id"])
    e = ei.value
    assert "14 problems" in e.message and "and 4 more" in e.message
    assert e.message.count("  - row") == 10
    assert (e.row, e.column, e.value) == (3, "potential", 11)
    assert "value 'high'" in e.message


def test_descriptions_row_deleted(tmp_path, long_list):
    p = _written(tmp_path, long_list)
    wb = openpyxl.load_workbook(p)
    wb["assessment"].delete_rows(2)
    wb.save(p)
    _fill(p, {(2, "potential"): 7})
    df = read_assessment(p, criteria=KEYS, known=IDS)
    assert df[["entity_id", "score"]].values.tolist() == [["E001", 7.0]]


def test_merge_precedence_and_averaging():
    intake = pd.DataFrame({"client_id": ["E1", "E1", "E2", 3],
                           "criterion": ["potential", "strategic_fit", "potential", "potential"],
                           "score": [4, 5, 6, 7]})
    workshop = pd.DataFrame({"entity_id": ["E1", "E1", "E2", "E2"],
                             "criterion": ["potential", "potential", "potential",
                                           "strategic_fit"],
                             "score": [8.0, 9.0, None, 2.0],
                             "assessor": ["Ann", "Bob", "Ann", "Ann"]})
    m = merge_assessments(intake, workshop)
    got = {(r.entity_id, r.criterion): (r.score, r.source, r.n_scores)
           for r in m.itertuples()}
    assert got == {("E1", "potential"): (8.5, 1, 2),   # workshop wins, averaged
                   ("E1", "strategic_fit"): (5.0, 0, 1),  # only the intake scored it
                   ("E2", "potential"): (6.0, 0, 1),   # a blank never overrides
                   ("E2", "strategic_fit"): (2.0, 1, 1),
                   ("3", "potential"): (7.0, 0, 1)}
    assert m.set_index(["entity_id", "criterion"]).loc[("E1", "potential"),
                                                       "assessor"] == "Ann; Bob"
    # order matters: the later frame wins
    m2 = merge_assessments(workshop, intake)
    assert m2.set_index(["entity_id", "criterion"]).loc[("E1", "potential"), "score"] == 4.0


def test_merge_empty_and_bad():
    assert merge_assessments().empty
    with pytest.raises(InputError):
        merge_assessments(pd.DataFrame({"entity_id": ["E1"], "criterion": ["p"],
                                        "score": ["high"]}))
    from kamlib.errors import SchemaError
    with pytest.raises(SchemaError):
        merge_assessments(pd.DataFrame({"entity_id": ["E1"], "score": [1]}))
