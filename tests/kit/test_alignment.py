"""The second front: the alignment questionnaire written, read back validated, scored by
hand-computed examples, and shown in step 4's summary and the report."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kamlib.errors import InputError, KamError
from kamlib.kit.alignment import (
    ELEMENTS,
    STATEMENTS,
    AlignmentError,
    alignment_actions,
    alignment_summary,
    element_scores,
    read_answers,
    record_alignment,
    tick_counts,
    write_questionnaire,
)
from kamlib.kit.alignment_chart import alignment_chart
from kamlib.kit.alignment_sample import main as sample_main
from kamlib.kit.alignment_sample import sample_answers
from kamlib.resources import samples_dir
from kamlib.summaries import validate_summary


def _fill(path: Path, cells: dict[tuple[int, int], object], sheet: int = 0) -> Path:
    """Write ``cells`` ((row, column) 1-based → value) into a copy of the questionnaire."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[sheet]
    for (r, c), v in cells.items():
        ws.cell(row=r, column=c, value=v)
    wb.save(path)
    return path


@pytest.fixture
def blank(tmp_path: Path) -> Path:
    return write_questionnaire(tmp_path / "alignment.xlsx", "en")


def _row(code: str) -> int:
    return STATEMENTS.index(code) + 3


def test_questionnaire_layout_in_both_languages(tmp_path: Path) -> None:
    for lang, sheet, role in (("ru", "Ответы", "руководство"), ("en", "Answers", "management")):
        p = write_questionnaire(tmp_path / f"{lang}.xlsx", lang)
        wb = openpyxl.load_workbook(p)
        ws = wb.worksheets[0]
        assert ws.title == sheet
        assert [ws.cell(row=_row(c), column=1).value for c in STATEMENTS] == list(STATEMENTS)
        assert len(wb.worksheets) == 3
        dv = [d for d in ws.data_validations.dataValidation if d.type == "list"]
        assert role in dv[0].formula1
        # the same inputs give the same bytes
        assert p.read_bytes() == write_questionnaire(tmp_path / f"{lang}2.xlsx", lang).read_bytes()


def test_missing_or_unanswered_sheet_is_waiting(blank: Path, tmp_path: Path) -> None:
    assert read_answers(tmp_path / "none.xlsx").status == "waiting"
    a = read_answers(blank)
    assert a.status == "waiting" and a.scores.empty
    # a role without scores is not an answer either
    _fill(blank, {(2, 4): "management"})
    assert read_answers(blank).status == "waiting"
    assert alignment_summary(read_answers(blank)) == {"status": "waiting", "gap_threshold": 0.5}


def test_hand_computed_scores_and_gaps(blank: Path) -> None:
    # two managers (D, E), one KAM (F)
    cells: dict[tuple[int, int], object] = {(2, 4): "management", (2, 5): "Management",
                                            (2, 6): "KAM or sales", (1, 4): "CEO"}
    # systems: management 5,5,4 and 4,4,4 → 26/6 = 4.333; KAM 2,2,1 → 5/3 = 1.667; gap 2.667
    for code, (a, b, c) in {"systems_1": (5, 4, 2), "systems_2": (5, 4, 2),
                            "systems_3": (4, 4, 1),
                            # style: management 3,4 → 3.5; KAM 4 → gap −0.5 (at the threshold)
                            "style_1": (3, 4, 4),
                            # skills: 2,2 vs 2 → both below 3, no gap → weak
                            "skills_1": (2, 2, 2),
                            # staff: 3,3 vs 3 → nothing
                            "staff_1": (3, 3, "3")}.items():
        cells.update({(_row(code), 4): a, (_row(code), 5): b, (_row(code), 6): c})
    _fill(blank, cells)
    a = read_answers(blank)
    assert a.status == "filled"
    assert a.respondents["role"].tolist() == ["management", "management", "kam"]
    assert a.respondents["name"].tolist() == ["CEO", "Respondent 2", "Respondent 3"]
    by = element_scores(a.scores)
    assert list(by.index) == list(ELEMENTS)
    assert by.at["systems", "management"] == pytest.approx(26 / 6)
    assert by.at["systems", "kam"] == pytest.approx(5 / 3)
    assert by.at["systems", "gap"] == pytest.approx(26 / 6 - 5 / 3)
    assert by.at["style", "gap"] == pytest.approx(-0.5)
    assert by.at["systems", "answers"] == 9
    assert pd.isna(by.at["strategy", "management"]) and by.at["strategy", "answers"] == 0
    acts = alignment_actions(by)
    assert acts[["element", "kind"]].values.tolist() == [
        ["systems", "gap_down"], ["style", "gap_up"], ["skills", "weak"]]
    s = alignment_summary(a)
    assert s["respondents"] == {"management": 2, "kam": 1}
    assert s["statements"] == 6
    assert s["elements"]["systems"]["gap"] == pytest.approx(2.6667)
    assert s["elements"]["strategy"] == {"management": None, "kam": None, "gap": None,
                                         "answers": 0}
    # the block is typed by step 4's summary model
    validate_summary("04", {"key_accounts": 0, "kams": 0, "total_hours": 0.0,
                            "hours_per_kam": 0.0, "team_cost": 0, "key_revenue": 0,
                            "key_contribution": 0, "alignment": s})


def test_top_three_gaps_largest_first() -> None:
    rows = [("management", e, m) for e, m in zip(ELEMENTS, (5, 5, 5, 5, 4, 3, 3), strict=True)]
    rows += [("kam", e, k) for e, k in zip(ELEMENTS, (4, 2, 1, 3, 4, 3, 1), strict=True)]
    by = element_scores(pd.DataFrame(rows, columns=["role", "element", "score"]))
    acts = alignment_actions(by)
    # gaps 1, 3, 4, 2, 0, 0, 2 → skills 4, style 3, then staff and systems tie at 2: staff
    # comes first in the elements' order; shared values (1) is not among the three
    assert acts["element"].tolist() == ["skills", "style", "staff"]


def test_ticks_counted_by_group(blank: Path) -> None:
    _fill(blank, {(2, 4): "руководство", (2, 5): "КАМ или продажи",
                  (_row("strategy_1"), 4): 4, (_row("strategy_1"), 5): 2})
    _fill(blank, {(2, 4): "x", (2, 5): "X", (3, 5): "x", (7, 4): "Sales decide by size"}, 1)
    a = read_answers(blank)
    c = tick_counts(a.practice, "resources")
    assert c.loc["size"].tolist() == [1, 1, 2]
    assert c.loc["profit"].tolist() == [0, 1, 1]
    assert c.loc["business_case"].tolist() == [0, 0, 0]
    s = alignment_summary(a)
    assert s["texts"] == [{"role": "management", "question": "resources_text",
                           "text": "Sales decide by size"}]


@pytest.mark.parametrize(("cells", "sheet", "row", "column", "value", "words"), [
    ({(2, 4): "management", (5, 4): 7}, 0, 5, "D", "7", "1 to 5"),
    ({(2, 4): "management", (5, 4): 3.5}, 0, 5, "D", "3.5", "1 to 5"),
    ({(2, 4): "management", (5, 4): "four"}, 0, 5, "D", "four", "1 to 5"),
    ({(2, 6): "owner", (5, 6): 3}, 0, 2, "F", "owner", "unknown role"),
    ({(5, 5): 3}, 0, 2, "E", None, "no role"),
    ({(5, 1): "values_9", (2, 4): "kam", (5, 4): 3}, 0, 5, "A", "values_9", "statement code"),
])
def test_bad_answers_name_row_column_value(blank: Path, cells, sheet, row, column, value,
                                           words) -> None:
    _fill(blank, cells, sheet)
    with pytest.raises(AlignmentError) as e:
        read_answers(blank)
    err = e.value
    assert isinstance(err, InputError) and isinstance(err, KamError)
    assert (err.row, err.column) == (row, column)
    assert err.value == value if value is None else str(err.value) == value
    assert words in err.message and err.file == str(blank) and err.hint
    assert f"row {row}" in str(err) and f"column '{column}'" in str(err)


def test_bad_tick_names_its_cell(blank: Path) -> None:
    _fill(blank, {(2, 4): "kam", (3, 4): 4})
    _fill(blank, {(3, 4): "yes"}, 1)
    with pytest.raises(AlignmentError, match="tick") as e:
        read_answers(blank)
    assert (e.value.sheet, e.value.row, e.value.column, e.value.value) == (
        "Practice", 3, "D", "yes")


def test_unreadable_file(tmp_path: Path) -> None:
    p = tmp_path / "alignment.xlsx"
    p.write_bytes(b"not a workbook")
    with pytest.raises(AlignmentError, match="cannot read"):
        read_answers(p)


def test_demo_sample_regenerates_and_shows_the_finding(tmp_path: Path) -> None:
    committed = samples_dir() / "demo_ru" / "review" / "alignment.xlsx"
    sample_main([str(tmp_path / "a.xlsx")])
    assert (tmp_path / "a.xlsx").read_bytes() == committed.read_bytes()
    a = read_answers(committed)
    assert a.status == "filled" and len(a.respondents) == 7
    by = element_scores(a.scores)
    # systems: management (5+4+4 + 4+4+4 + 5+3+4)/9 = 37/9; KAMs (2+2+2+2+1+3+1+2+2+2+2+3)/12
    assert by.at["systems", "management"] == pytest.approx(37 / 9)
    assert by.at["systems", "kam"] == pytest.approx(24 / 12)
    assert alignment_actions(by)["element"].tolist()[:2] == ["systems", "structure"]
    # the answers as written equal the answers as read back
    exp = sample_answers().scores.sort_values(["column", "code"]).reset_index(drop=True)
    got = a.scores.sort_values(["column", "code"]).reset_index(drop=True)
    assert exp["score"].tolist() == got["score"].tolist()


def test_chart_draws_on_given_axes() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by = element_scores(sample_answers().scores)
    fig, ax = plt.subplots()
    assert alignment_chart(by, lang="en", ax=ax) is ax
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "Shared values"
    assert len(ax.patches) == 14
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)


def test_step4_summary_and_report(demo_ru_run: Path, tmp_path: Path) -> None:
    from kamlib.engagement import Engagement
    from kamlib.report.build import build_model
    from kamlib.runner import record_run

    root = tmp_path / "ru"
    shutil.copytree(demo_ru_run, root)
    step = Engagement.open(root).step_dir("04_kam_team_sizing")
    # waiting first: the report says the workshop is awaited
    (root / "review" / "alignment.xlsx").rename(tmp_path / "kept.xlsx")
    assert record_alignment(root, step)["status"] == "waiting"
    record_run(root)
    sec = next(s for s in build_model(root, "en").sections if s.key == "alignment")
    assert "not been answered" in sec.lead and not sec.tables
    # filled: the typed block and the subsection
    shutil.copy(tmp_path / "kept.xlsx", root / "review" / "alignment.xlsx")
    block = record_alignment(root, step)
    s4 = json.loads((step / "summary.json").read_text("utf-8"))
    assert s4["alignment"]["respondents"] == {"management": 3, "kam": 4}
    assert s4["key_accounts"] > 0 and s4["alignment"]["actions"] == block["actions"]
    record_run(root)
    for lang, word in (("ru", "Системы"), ("en", "Systems")):
        m = build_model(root, lang)
        sec = next(s for s in m.sections if s.key == "alignment")
        assert word in sec.lead and sec.tables == ["alignment"]
        assert sec.facts[0].value == pytest.approx(s4["alignment"]["elements"]["systems"]["gap"])
        assert len(m.tables["alignment"].data) == 7
        assert m.charts["alignment"].png[:4] == b"\x89PNG"
    # the figure check reads the rendered deliverables back: the subsection's figures agree
    from kamlib.report.build import load_artefacts
    from kamlib.report.figcheck import check_deliverables
    from kamlib.report.html import render_html
    from kamlib.report.pptx import write_pptx
    from kamlib.report.xlsx import write_xlsx

    art = load_artefacts(root)
    model = build_model(root, "ru", artefacts=art)
    files = {"html": tmp_path / "ru.html", "xlsx": tmp_path / "ru.xlsx",
             "pptx": tmp_path / "ru.pptx"}
    files["html"].write_text(render_html(model), encoding="utf-8")
    write_xlsx(model, files["xlsx"])
    write_pptx(model, files["pptx"])
    res = check_deliverables(model, art, files)
    assert not res.problems, res.problems
    assert "Системы" in files["html"].read_text("utf-8")
