"""The classroom (issue 21): `kam present` pages in the engagement's language, the
participant and trainer modes, the widget that follows the lesson's client. The pages are
read back as the room sees them: a presentation copy of step 2 of the VIP lesson executed
in a kernel, its text checked for English words in the Russian page."""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kamlib.i18n import load_strings
from kamlib.notebook import present_view
from kamlib.notebook.present import prepare_presentation
from kamlib.notebook.present_pages import (
    CELL_REPLACEMENTS,
    CODE_EDITS,
    CONCLUSION_CELLS,
    fingerprint,
)
from kamlib.resources import notebooks_dir

STEP_NOTEBOOKS = sorted(notebooks_dir().glob("0[0-5]_*.ipynb"))  # 05: the report page
#: Latin words a Russian page may show: method names, standards, authors, file names.
LATIN_OK = {"ABC", "XYZ", "HHI", "KAM", "IFRS", "FTE", "KPI", "ADBUDG", "HiGHS", "OOO",
            "Romashka", "McDonald", "Woodburn", "Marn", "Rosiello", "Kaplan", "Cooper",
            "Narayanan", "Keiningham", "Storbacka", "Gupta", "Lehmann", "Talley", "Sherman",
            "Sperry", "Reese", "Zoltners", "Sinha", "Lorimer", "Little", "CRM", "r", "i", "k",
            "Excel", "VIP", "USP", "HoReCa"}


def _cells() -> dict[str, nbformat.NotebookNode]:
    out = {}
    for path in STEP_NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            out[cell["id"]] = cell
    return out


def _latin_words(text: str) -> set[str]:
    text = re.sub(r"`[^`]*`", " ", text)  # code: file and column names
    return {w for w in re.findall(r"[A-Za-z][A-Za-z]+|\b[A-Za-z]\b", text)} - LATIN_OK


def test_every_markdown_cell_has_its_russian_text_and_no_orphans() -> None:
    ru, en = load_strings("ru"), load_strings("en")
    md = {cid for cid, c in _cells().items() if c.cell_type == "markdown"}
    keys = {k.split(".")[2] for k in sorted(ru.keys()) if k.startswith("present.cell.")}
    assert md == keys
    for cid in md:
        text = ru.t(f"present.cell.{cid}.text")
        assert text.strip() and not _latin_words(text), (cid, _latin_words(text))
        assert re.search("[А-Яа-я]", text)
        ask_ru, ask_en = ru.t(f"present.cell.{cid}.ask"), en.t(f"present.cell.{cid}.ask")
        assert bool(ask_ru) == bool(ask_en), cid  # a question in both languages or none
        assert not re.search("[А-Яа-я]", ask_en)


def test_every_code_edit_still_finds_the_code_it_replaces() -> None:
    cells = _cells()
    for cid, edits in CODE_EDITS.items():
        assert cells[cid].cell_type == "code"
        for old, _new in edits:
            assert old in cells[cid].source, (cid, old[:60])
    for cid, (known, _new) in CELL_REPLACEMENTS.items():
        assert fingerprint(cells[cid].source) == known, \
            f"cell {cid} changed in its notebook: update its presentation replacement"
    assert set(cells) >= CONCLUSION_CELLS


def test_localize_frame_labels_columns_and_hides_nan() -> None:
    df = pd.DataFrame({"entity_name": ["ООО «Альфа»", None], "net_revenue": [1234567.5, math.nan],
                       "margin_pct": [0.025, 0.5], "avg_order": [12.0, 3.0]},
                      index=pd.Index(["00-1", "00-2"], name="entity_id"))
    ru = present_view.localize_frame(df, "ru")
    assert list(ru.columns) == ["Клиент", "Чистая выручка", "Валовая маржа, %", "Средний заказ"]
    assert ru.index.name == "Юрлицо"
    assert ru.iloc[1].tolist() == ["—", "—", "50,0\u00a0%", "3,00"]
    assert ru.iloc[0, 1] == "1\u00a0234\u00a0567,50" and ru.iloc[0, 2] == "2,5\u00a0%"
    html = present_view._html_frame(df)
    assert "NaN" not in html and "entity_name" not in html
    en = present_view.localize_frame(df, "en")
    assert list(en.columns)[:2] == ["Client", "Net revenue"]
    assert df["net_revenue"].isna().sum() == 1  # the frame itself is not changed


def test_stat_rows_read_the_summary_in_the_language() -> None:
    s = {"key_accounts": 19, "total_hours": 3575.4, "hours_per_kam": 1191.8, "kams": 3,
         "current_kams": 12}
    rows = present_view.stat_rows("04", s, "ru")
    assert rows == [("Ключевых клиентов", "19"), ("Нагрузка, часов в год", "3\u00a0575"),
                    ("Часов на одного KAM", "1\u00a0192"), ("Рекомендуется KAM", "3"),
                    ("Сейчас KAM в команде", "12")]
    assert present_view.stat_rows("04", {"key_accounts": 2}, "en") == [("Key accounts", "2")]
    growth = present_view.stat_rows("02_growth", {"growth": {"total_growth_pct": -0.013}}, "ru")
    # a share the summary does not hold is shown as missing, a count or amount is left out
    assert growth == [("Рост выручки за год", "−1,3\u00a0%"),
                      ("Доля выручки предыдущего года", "—")]


def test_reveal_waits_for_the_trainer_in_the_participant_mode() -> None:
    present_view.setup("ru", "participant", "RUB")
    try:
        panel = present_view.reveal("## VIP ≠ ключевой")
        button, box = panel.children
        assert button.description == "Показать ответ" and box.outputs == ()
        panel.reveal()
        assert button.layout.display == "none"
        present_view.setup("en", "trainer", "RUB")
        assert type(present_view.reveal("x")).__name__ == "Markdown"
        with pytest.raises(ValueError, match="unknown presentation mode"):
            present_view.setup("ru", "audience")
    finally:
        present_view.setup("en", "trainer", "RUB")


def _page_text(nb: nbformat.NotebookNode) -> tuple[str, list[str]]:
    """What the room reads on an executed page: markdown, printed text, HTML tables (tags
    removed), and the errors."""
    parts, errors = [], []
    for c in nb.cells:
        if c.cell_type == "markdown":
            parts.append(c.source)
            continue
        for o in c.get("outputs", []):
            if o.output_type == "stream":
                parts.append(o.text)
            elif o.output_type == "error":
                errors.append(f"{o.ename}: {o.evalue}")
            else:
                d = o.get("data", {})
                if "text/html" in d:
                    parts.append(re.sub(r"<[^>]+>", " ", d["text/html"]))
                elif "text/markdown" in d:
                    parts.append(d["text/markdown"])
    return "\n".join(parts), errors


@pytest.fixture(scope="module")
def vip_run(training_runs: dict[str, Path]) -> Path:
    """The VIP lesson run through steps 0–4 (the session's shared, read-only run)."""
    return training_runs["vip"]


def _execute(path: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def test_the_vip_page_for_participants_speaks_russian_and_hides_the_answer(
        vip_run: Path, tmp_path: Path) -> None:
    page = prepare_presentation(vip_run, "02", out_dir=tmp_path / "p", mode="participant")
    nb = nbformat.read(page, as_version=4)
    assert nb.metadata["kam_present"] == {"lang": "ru", "mode": "participant"}
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    # the heading that gives the answer away is not on screen; the question is
    assert "VIP ≠" not in md and "теряют деньги" not in md
    assert "Крупные клиенты: сколько на них зарабатывает компания?" in md
    assert sum("_kam_view.reveal(" in c.source for c in nb.cells) == 4  # step 2 asks 4
    executed = _execute(page)
    text, errors = _page_text(executed)
    assert not errors
    assert "NaN" not in text
    for column_id in ("entity_name", "net_revenue", "margin_pct", "cost_to_serve"):
        assert column_id not in text
    for label in ("Чистая выручка (без НДС)", "Убыточных юрлиц", "Вклад клиента",
                  "Валовая маржа, %", "Рост выручки за год"):
        assert label in text
    assert "net revenue (VAT excl.)" not in text and "loss-making entities" not in text
    assert "475\u00a0673\u00a0257\u00a0₽" in text  # the step's net revenue, in Russian style
    headings = [ln for ln in md.splitlines() if ln.startswith("#")]
    assert headings and all(not _latin_words(h) for h in headings), headings


def test_trainer_page_shows_the_conclusions(vip_run: Path, tmp_path: Path) -> None:
    page = prepare_presentation(vip_run, "02", out_dir=tmp_path / "t")
    nb = nbformat.read(page, as_version=4)
    md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## «VIP ≠ ключевой»: крупные клиенты, которые теряют деньги" in md
    assert not any("reveal(" in c.source or "hidden()" in c.source for c in nb.cells)
    setup = [c for c in nb.cells if "kam-present-setup" in c.metadata.get("tags", [])]
    assert len(setup) == 1 and "setup('ru', 'trainer', 'RUB')" in setup[0].source


@pytest.mark.parametrize("mode", ["participant", "trainer"])
def test_the_setup_cell_comes_before_any_use(vip_run: Path, tmp_path: Path, mode: str) -> None:
    """Every page, every mode: the first cell sets the page up, and no cell before it (none)
    uses the view; the title of step 3 already waits behind a button for participants."""
    out = prepare_presentation(vip_run, out_dir=tmp_path / mode, mode=mode)
    for path in sorted(out.glob("0*.ipynb")):
        cells = nbformat.read(path, as_version=4).cells
        assert "kam-present-setup" in cells[0].metadata.get("tags", []), path.name
        assert sum("kam-present-setup" in c.metadata.get("tags", []) for c in cells) == 1
    step3 = nbformat.read(out / "03_key_client_profile.ipynb", as_version=4).cells
    assert ("_kam_view.reveal(" in step3[2].source) == (mode == "participant")


def test_participant_conclusion_cells_are_wrapped(vip_run: Path, tmp_path: Path) -> None:
    page = prepare_presentation(vip_run, "02", out_dir=tmp_path / "w", mode="participant")
    flags = next(c for c in nbformat.read(page, as_version=4).cells if c.get("id") == "cdd8f01e")
    assert "with _kam_view.hidden():" in flags.source
    compile(flags.source, "cell", "exec")


def test_the_cost_to_serve_widget_follows_the_vip(vip_run: Path) -> None:
    from kamlib.notebook.widgets import step_widget

    box = step_widget(vip_run, "02", lang="ru")
    # the lesson's client comes first: the largest loss-maker among the large clients
    assert box.client.label.startswith("ООО «Престиж-Маркет»")
    wf = box.client_waterfall.set_index("step")["amount"]
    assert round(wf["contribution"], 2) == -4326244.65
    assert round(wf["gross_margin"] if "gross_margin" in wf else wf["gross margin"], 2) \
        == 754379.46
    assert "−4\u00a0326\u00a0245\u00a0₽" in box.client_readout.value
    # all rates to zero: the client still loses money (the cost of its receivables)
    box.set_rates({d: 0 for d in box.sliders})
    assert round(box.client_contribution, 2) == -511244.65
    wf0 = box.client_waterfall.set_index("step")["amount"]
    assert round(wf0["cost-to-serve"], 2) == 0.0
    assert "−511\u00a0245\u00a0₽" in box.client_readout.value
    assert "место 320 из 320" in box.client_readout.value
    # another client chosen: its own figures
    other = box.client.options[5][1]
    box.client.value = other
    assert box.client_waterfall.set_index("step")["amount"]["contribution"] == \
        pytest.approx(box.contribution.loc[other])


# --------------------------------------------------------------------------- materials

LESSONS = ("vip", "top3", "holding", "single_contact", "overstaffed", "capstone", "channels",
           "teams")


def _text_of(page: str) -> str:
    body = page.split("</style>", 1)[1]
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", body))


def _without_names(text: str) -> str:
    """The text without the client names and 1C field names («…», "…") the data bring."""
    return re.sub(r"«[^»]*»|\"[^\"]*\"|ООО|ИП|ПАО|АО", " ", text)


@pytest.mark.parametrize("lesson", LESSONS)
def test_materials_in_both_languages(training_runs: dict[str, Path], lesson: str,
                                     tmp_path: Path) -> None:
    from kamlib.training.classroom import lesson_values, write_materials

    values = lesson_values(training_runs[lesson], "en")  # the data's own names may be Russian
    paths = write_materials(training_runs[lesson], out_dir=tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in paths) == sorted(
        f"{lang}/{lesson}_{kind}.html" for lang in ("ru", "en")
        for kind in ("worksheet", "answers"))
    pages = {p.relative_to(tmp_path).as_posix(): _text_of(p.read_text("utf-8")) for p in paths}
    ru_w, ru_a = pages[f"ru/{lesson}_worksheet.html"], pages[f"ru/{lesson}_answers.html"]
    en_w, en_a = pages[f"en/{lesson}_worksheet.html"], pages[f"en/{lesson}_answers.html"]
    for text in (ru_w, ru_a):
        assert "Вопрос" in text and "Посмотрите" in text and "Упражнение 1" in text
        latin = _latin_words(re.sub(r"training_\w+|kam run", " ", text))
        assert not latin, latin
    for text in (en_w, en_a):
        assert "Question" in text and "Look at" in text and "Exercise 1" in text
        # the data's own names (clients, the group, channels, people) may be Russian
        for key in ("name", "group", "vip_name", "sc_name", "ch_big", "ch_best", "head_of_kam",
                    "ch", "develop", "vip_key_name"):
            text = text.replace(values.get(key) or "\0", " ")
        clean = _without_names(text)
        assert not re.search("[А-Яа-яЁё]", clean), clean
    # the worksheet asks, with a box for the answer; the answer sheet answers and times
    assert "Ваш ответ" in ru_w and "Ответ:" not in ru_w and "Тайминг" not in ru_w
    assert "Ответ:" in ru_a and "Тайминг" in ru_a and "Всего" in ru_a
    assert "Your answer" in en_w and "Answer:" not in en_w
    assert "(шаг ещё не запущен" not in ru_a  # the case has run: step 4's figures are there


def test_answers_carry_the_lessons_figures(training_runs: dict[str, Path], tmp_path: Path
                                           ) -> None:
    from kamlib.training.classroom import render_materials

    vip = _text_of(render_materials(training_runs["vip"], "ru")["answers"])
    assert "−4\u00a0326\u00a0245\u00a0₽" in vip and "29\u00a0709\u00a0703\u00a0₽" in vip
    assert "24,3\u00a0%" in vip and "66 дней" in vip
    vip_w = _text_of(render_materials(training_runs["vip"], "ru")["worksheet"])
    assert "326\u00a0245" not in vip_w  # no answer on the worksheet
    top3 = _text_of(render_materials(training_runs["top3"], "en")["answers"])
    assert "47.6%" in top3 and "26.1%" in top3
    holding = _text_of(render_materials(training_runs["holding"], "ru")["answers"])
    assert "20\u00a0158\u00a0449\u00a0₽" in holding and "40–66" in holding
    team = _text_of(render_materials(training_runs["overstaffed"], "en")["answers"])
    s4 = json.loads((training_runs["overstaffed"] / "work" / "04_kam_team_sizing" /
                     "summary.json").read_text("utf-8"))
    assert f"is {s4['kams']} KAMs, not 12" in team
    assert f"{s4['key_accounts']} key accounts" in team
    # timings add up: 10 + 15 + 10 + 10
    assert re.search(r"Всего\s+45", vip)


def test_materials_need_a_lesson_case(tmp_path: Path) -> None:
    from kamlib.engagement import copy_engagement
    from kamlib.errors import KamError
    from kamlib.resources import samples_dir
    from kamlib.training.classroom import write_materials

    root = copy_engagement(samples_dir() / "demo_ru", tmp_path / "demo")
    with pytest.raises(KamError, match="not a lesson case") as exc:
        write_materials(root)
    assert "kam demo" in exc.value.hint
    # a case whose raw data were changed is not the case any more
    case = copy_engagement(samples_dir() / "training_vip", tmp_path / "vip")
    first = sorted((case / "raw").rglob("*.csv"))[0]
    first.write_bytes(first.read_bytes() + b"\n")
    with pytest.raises(KamError, match="not a lesson case"):
        write_materials(case)


def test_the_classroom_command(training_runs: dict[str, Path], tmp_path: Path) -> None:
    import shutil

    from kamlib.cli import main

    root = tmp_path / "vip"
    shutil.copytree(training_runs["vip"], root)
    assert main(["classroom", str(root), "--lang", "ru"]) == 0
    assert sorted(p.name for p in (root / "classroom" / "ru").iterdir()) == [
        "vip_answers.html", "vip_worksheet.html"]
    assert not (root / "classroom" / "en").exists()


# --------------------------------------------------------------------------- side findings

#: The guide's table "Findings that are not the lesson": per case the uplift needed to pay
#: back (and in new cash alone), the key clients' revenue trend, the largest share of key
#: revenue with one KAM, revenue on the year, loss-making clients and the whale peak.
SIDE = {"vip": ("+58.9%", "+11.3%", "+26.5%", "42.0%", "−1.3%", 53, "106.7%"),
        "top3": ("+44.0%", "+9.0%", "+6.5%", "36.5%", "−4.2%", 59, "101.6%"),
        "holding": ("+58.5%", "+12.3%", "+31.8%", "36.7%", "−3.5%", 42, "101.0%"),
        "single_contact": ("+55.0%", "+10.7%", "+15.0%", "43.1%", "−6.2%", 50, "101.2%"),
        "overstaffed": ("+51.0%", "+9.8%", "+4.1%", "35.3%", "−9.5%", 38, "101.0%"),
        "capstone": ("+43.8%", "+8.9%", "+8.4%", "41.9%", "−4.5%", 77, "106.7%"),
        "channels": ("+69.7%", "+15.2%", "+32.7%", "38.8%", "−2.0%", 93, "110.9%"),
        "teams": ("+67.0%", "+12.4%", "+23.9%", "40.7%", "−6.7%", 46, "101.3%")}


def _pct(x: float, sign: bool = False) -> str:
    text = f"{100 * x:.1f}%"
    return ("+" + text if x >= 0 else "−" + text[1:]) if sign else text


@pytest.mark.parametrize("lesson", LESSONS)
def test_side_findings_in_the_guide_are_those_of_the_runs(training_runs: dict[str, Path],
                                                          lesson: str) -> None:
    work = training_runs[lesson] / "work"
    s2 = json.loads((work / "02_profitability" / "summary.json").read_text("utf-8"))
    s4 = json.loads((work / "04_kam_team_sizing" / "summary.json").read_text("utf-8"))
    bc = s4["business_case"]
    got = (_pct(bc["needed_uplift_ratio"], True), _pct(bc["new_cash_uplift_ratio"], True),
           _pct(bc["revenue_trend_ratio"], True), _pct(bc["key_person"]["revenue_share"]),
           _pct(s2["growth"]["total_growth_pct"], True), s2["loss_making_entities"],
           _pct(s2["whale"]["peak_pct"]))
    assert got == SIDE[lesson]
    assert bc["verdict"]["code"] == "does_not_pay_back"
    assert bc["key_person"]["flag"]["code"] == "key_person_risk"
    reallocated = float(bc["cost"]["reallocated"]["amount"])
    assert 0.75 < reallocated / float(bc["cost"]["total"]["amount"]) < 0.85
    assert 47 <= s2["growth"]["n_lost"] <= 49
    guide = (Path(__file__).parents[2] / "docs" / "trainer_guide.md").read_text("utf-8")
    row = (f"| `training_{lesson}` | {got[0]} ({got[1]}) | {got[2]} | {got[3]} | {got[4]} | "
           f"{got[5]} | {got[6]} |")
    assert row in guide


def test_the_russian_guide_matches_the_english_one() -> None:
    """docs/trainer_guide.ru.md: the same sections and side-findings rows as the English
    guide (numbers in Russian style), and no English prose outside code."""
    docs = Path(__file__).parents[2] / "docs"
    en = (docs / "trainer_guide.md").read_text("utf-8")
    ru = (docs / "trainer_guide.ru.md").read_text("utf-8")
    heads = [[ln.split(" ")[1] for ln in text.splitlines() if ln.startswith("## ")]
             for text in (en, ru)]
    assert len(heads[0]) == len(heads[1]) == 13 and heads[0][2:11] == heads[1][2:11] == \
        ["1.", "2.", "3.", "4.", "5.", "6.", "7.", "8.", "9."]

    def r(x: str) -> str:
        return x.replace(".", ",").replace("%", " %")

    for lesson, (up, cash, trend, kp, growth, losers, peak) in SIDE.items():
        row = (f"| `training_{lesson}` | {r(up)} ({r(cash)}) | {r(trend)} | {r(kp)} | "
               f"{r(growth)} | {losers} | {r(peak)} |")
        assert row in ru, row
    prose = re.sub(r"```.*?```|`[^`]*`|\([^)]*\.md\)|\*English version:[^\n]*", " ", ru,
                   flags=re.S)
    # the product's name, an encoding, the Latin letter the top-3 case is about
    latin = _latin_words(prose) - {"DSO", "Audit", "Workbench", "cp", "e"}
    assert not latin, latin
