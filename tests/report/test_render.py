"""The Excel and PowerPoint renderers of the audit report (kamlib.report.xlsx / .pptx)."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
import zipfile
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml
from openpyxl.utils import get_column_letter
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Pt

from kamlib.errors import ConfigError
from kamlib.i18n import i18n_dir
from kamlib.report.model import Chart, Fact, ReportModel, Table
from kamlib.report.pptx import MAX_BOARD_SLIDES, MAX_SLIDES, write_pptx
from kamlib.report.xlsx import neutralise, sheet_names, write_xlsx
from kamlib.resources import repo_root, templates_dir
from tests.helpers import MALICIOUS_NAMES, tiny_model

LANGS = ("ru", "en")
HEADER_ROW = 4            # 1-based row of a table sheet's header (title, note, source above)
XLSX_FORMATS = {"money": "#,##0.00", "money_short": "#,##0", "int": "#,##0",
                "number": "#,##0.0", "pct": "0.0%"}


def _missing(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


# --------------------------------------------------------------------------- i18n
def _flat(d: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = str(v)
    return out


def _fields(text: str) -> set[str]:
    import string

    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("name", ["xlsx", "pptx"])
def test_strings_exist_in_both_languages_with_the_same_placeholders(name: str) -> None:
    ru = _flat(yaml.safe_load((i18n_dir("ru") / f"{name}.yaml").read_text("utf-8")))
    en = _flat(yaml.safe_load((i18n_dir("en") / f"{name}.yaml").read_text("utf-8")))
    assert ru.keys() == en.keys()
    assert all(k.startswith(f"{name}.") for k in ru)
    for key in ru:
        assert _fields(ru[key]) == _fields(en[key]), key
        assert ru[key].strip() and en[key].strip(), key


@pytest.mark.parametrize("name", ["xlsx", "pptx"])
def test_every_key_the_renderer_asks_for_exists(name: str) -> None:
    # the renderer and the modules it is split into (pptx.py, pptx_*.py: issue 20)
    source = "".join(p.read_text("utf-8") for p in
                     sorted((repo_root() / "kamlib" / "report").glob(f"{name}*.py")))
    used = set(re.findall(rf'"({name}\.[a-z_.]+[a-z_])"', source))
    if name == "pptx":   # keys built in f-strings
        used |= {f"pptx.provenance.{c}" for c in
                 ("file", "table", "rows_accepted", "rows_rejected", "money_accepted")}
    for lang in LANGS:
        strings = tiny_model(lang).strings
        # prefixes of keys built at run time ("xlsx.inputs" + column) are namespaces
        every = strings.keys()
        keys = {u for u in used if not any(k.startswith(u + ".") for k in every)}
        assert len(keys) > 15
        assert keys <= strings.keys(), sorted(keys - strings.keys())


# --------------------------------------------------------------------------- xlsx
@pytest.fixture(scope="module", params=LANGS)
def workbook(request, tmp_path_factory) -> tuple[ReportModel, Any, Path]:
    model = tiny_model(request.param)
    path = write_xlsx(model, tmp_path_factory.mktemp("xlsx") / "report.xlsx")
    return model, openpyxl.load_workbook(path), path


def test_neutralise_follows_owasp() -> None:
    for bad in (*MALICIOUS_NAMES, "\tx", "\rx"):
        assert neutralise(bad) == ("'" + bad, True)
    for fine in ("ООО «Акме»", "−5 (minus sign)", " =1", "7 999", ""):
        assert neutralise(fine) == (fine, False)


def test_sheets_summary_one_per_table_then_provenance(workbook) -> None:
    model, wb, _ = workbook
    names = sheet_names(model)
    assert wb.sheetnames == [model.t("xlsx.sheet.summary"), *names.values(),
                             model.t("xlsx.sheet.provenance")]
    assert list(names) == list(model.tables)
    assert names["client_pnl"] == "client_pnl"
    # the 48-character key is cut to Excel's 31
    assert names["kam_team_workload_by_manager_and_client_segment"] == \
        "kam_team_workload_by_manager_an"
    assert all(len(n) <= 31 for n in wb.sheetnames)


def _check_table_sheet(ws: Any, table: Table) -> None:
    n, cols = len(table.data), table.columns
    assert ws["A1"].value == table.title
    assert [ws.cell(HEADER_ROW, j + 1).value for j in range(len(cols))] == \
        [c.label for c in cols]
    assert ws.freeze_panes == f"A{HEADER_ROW + 1}"
    # a named Excel table (ListObject) with its own filter, over the header and the rows
    (tbl,) = ws.tables.values()
    assert tbl.name == f"tbl_{table.key}"
    last = max(HEADER_ROW + n, HEADER_ROW + 1)
    assert tbl.ref == f"A{HEADER_ROW}:{get_column_letter(len(cols))}{last}"
    for j, col in enumerate(cols, start=1):
        for i, want in enumerate(table.data[col.key].tolist()):
            cell = ws.cell(HEADER_ROW + 1 + i, j)
            if _missing(want):
                assert cell.value is None, (col.key, i)
            elif col.kind in XLSX_FORMATS:
                assert cell.data_type == "n" and cell.value == want, (col.key, i)
                assert cell.number_format == XLSX_FORMATS[col.kind]
            elif col.kind == "date":
                assert cell.is_date and cell.value == pd.Timestamp(want).to_pydatetime()
            else:
                assert cell.data_type == "s"
                assert cell.value == neutralise(str(want))[0]
        # nothing below the table
        assert ws.cell(HEADER_ROW + n + 1, j).value is None


def test_table_sheets_hold_the_model_tables(workbook) -> None:
    model, wb, _ = workbook
    for key, name in sheet_names(model).items():
        _check_table_sheet(wb[name], model.tables[key])
    ws, pnl = wb["client_pnl"], model.tables["client_pnl"].data
    # a reader can check the sums: the money cells are numbers adding up to the model's
    total = sum(ws.cell(r, 4).value or 0 for r in range(HEADER_ROW + 1, ws.max_row + 1))
    assert round(total, 2) == round(pnl["contribution"].sum(), 2)
    assert ws.column_dimensions["B"].width > ws.column_dimensions["F"].width   # from content


def test_no_cell_can_become_a_formula(workbook) -> None:
    model, wb, path = workbook
    cells = [c for ws in wb for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
    assert sheets and not any("<f>" in s or "<f " in s for s in sheets)
    names = [ws.cell(r, 2) for ws in [wb["client_pnl"]]
             for r in range(HEADER_ROW + 1, ws.max_row + 1)]
    shown = {c.value: c for c in names}
    for bad in MALICIOUS_NAMES:
        cell = shown["'" + bad]                      # readable, as text, with OWASP's prefix
        assert cell.data_type == "s" and cell.quotePrefix
    assert shown[model.client].value == model.client and not shown[model.client].quotePrefix


def test_summary_has_the_findings_and_control_totals_as_numbers(workbook) -> None:
    model, wb, _ = workbook
    ws = wb[model.t("xlsx.sheet.summary")]
    rows = {ws.cell(r, 1).value: [ws.cell(r, j).value for j in range(1, 6)]
            for r in range(1, ws.max_row + 1)}
    assert ws["A1"].value == model.title
    assert rows[model.t("xlsx.summary.client")][1] == model.client
    for f in [*model.findings]:
        _, headline, sentence, value, source = rows[f.fact.label]
        assert (headline, sentence, source) == (f.headline, f.sentence, f.fact.source)
        assert value == f.fact.value
    for f in model.provenance.control_totals:
        assert rows[f.label][3] == f.value and rows[f.label][1] == f.display
    # the contents link to every table sheet
    links = [c.hyperlink.location for row in ws.iter_rows() for c in row if c.hyperlink]
    assert links == [f"'{n}'!A1" for n in sheet_names(model).values()]


def test_provenance_sheet(workbook) -> None:
    model, wb, _ = workbook
    ws = wb[model.t("xlsx.sheet.provenance")]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    flat = [v for row in values for v in row if v is not None]
    for rec in model.provenance.inputs.to_dict("records"):
        row = next(r for r in values if r[0] == rec["file"])
        assert row[5:10] == [rec["rows_read"], rec["rows_accepted"], rec["rows_rejected"],
                             rec["money_accepted"], rec["money_rejected"]]
    pairs = {r[0]: r[1] for r in values}
    assert pairs["profitability.cost_to_serve.per_order"] == 150.0
    assert pairs["intake.date_order"] == "dmy"
    assert pairs["kamlib"] == "0.1.0"
    assert "04_kam_team_sizing" in flat
    assert model.t("xlsx.provenance.merge_decisions") not in flat     # none in tiny_model


def test_provenance_lists_merge_decisions(tmp_path: Path) -> None:
    model = tiny_model("ru")
    model.provenance.merge_decisions = pd.DataFrame({
        "client_id_a": ["C002"], "client_id_b": ["C003"], "decision": ["reject"],
        "note": ["-different INN"], "decided_on": ["2026-01-14"]})
    wb = openpyxl.load_workbook(write_xlsx(model, tmp_path / "m.xlsx"))
    values = [[c.value for c in row] for row in wb[model.t("xlsx.sheet.provenance")].iter_rows()]
    at = next(i for i, r in enumerate(values) if r[0] == "C002")
    assert values[at][:5] == ["C002", "C003", "reject", "'-different INN", "2026-01-14"]
    assert values[at - 1][4] == model.t("xlsx.merge.decided_on")
    assert values[at - 2][0] == model.t("xlsx.provenance.merge_decisions")


def test_sheet_names_are_valid_and_unique(tmp_path: Path) -> None:
    model = tiny_model("en")
    base = model.tables["key_clients"]
    model.tables = {
        "a": dataclasses.replace(base, key="a", sheet="Clients: [top]/*?"),
        "b": dataclasses.replace(base, key="b", sheet="clients_ [TOP]_*?"),
        "c": dataclasses.replace(base, key="c", sheet="summary"),
        "d": dataclasses.replace(base, key="d", sheet="x" * 40),
        "e": dataclasses.replace(base, key="e", sheet="x" * 35),
    }
    names = sheet_names(model)
    assert names["a"] == "Clients_ _top____"
    assert names["b"] != names["a"] and names["b"].casefold() != names["a"].casefold()
    assert names["c"] == "summary~2"                 # "Summary" is the summary sheet
    assert names["d"] == "x" * 31 and names["e"] == "x" * 29 + "~2"
    wb = openpyxl.load_workbook(write_xlsx(model, tmp_path / "n.xlsx"))
    assert wb.sheetnames[1:-1] == list(names.values())


def test_missing_columns_odd_values_and_atomic_overwrite(tmp_path: Path) -> None:
    model = tiny_model("ru")
    table = Table("odd", "Odd", [dataclasses.replace(c) for c in
                                 model.tables["client_pnl"].columns],
                  pd.DataFrame({"client_id": [1, 2.0], "revenue": ["n/a", float("inf")],
                                "orders": [pd.NA, 3], "first_sale": ["2024-05-01", "soon"]}),
                  source="x")
    model.tables = {"odd": table}
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"old")
    assert write_xlsx(model, path) == path
    ws = openpyxl.load_workbook(path)["odd"]
    row = [ws.cell(HEADER_ROW + 1, j).value for j in range(1, 8)]
    # numbers in a text column become text; text in a money column stays text; inf is empty
    assert row[:3] == ["1", None, "n/a"]
    assert ws.cell(HEADER_ROW + 2, 3).value is None
    assert row[5] is None and ws.cell(HEADER_ROW + 2, 6).value == 3
    assert row[6] == datetime(2024, 5, 1) and ws.cell(HEADER_ROW + 2, 7).value == "soon"
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]     # no temp file left


# --------------------------------------------------------------------------- pptx
@pytest.fixture(scope="module", params=LANGS)
def deck(request, tmp_path_factory) -> tuple[ReportModel, Any]:
    model = tiny_model(request.param)
    path = write_pptx(model, tmp_path_factory.mktemp("pptx") / "report.pptx")
    return model, Presentation(str(path))


def _texts(slide: Any) -> str:
    out = []
    for sh in slide.shapes:
        if sh.has_text_frame:
            out.append(sh.text_frame.text)
        if sh.has_table:
            out += [c.text for row in sh.table.rows for c in row.cells]
    return "\n".join(out)


def _slide_of(prs: Any, title: str) -> Any:
    found = [s for s in prs.slides if s.shapes.title is not None
             and s.shapes.title.text_frame.text == title]
    assert len(found) == 1, title
    return found[0]


def _x_values(series: Any) -> list[float]:
    xval = series._element.find(".//{*}xVal")
    return [float(v.text) for v in xval.iter("{*}v")]


def _expected(chart: Chart, col: str) -> tuple[list[Any], list[float]]:
    df = chart.data[[chart.x, col]].dropna()
    return df[chart.x].tolist(), df[col].astype(float).tolist()


def test_deck_size_master_and_order(deck) -> None:
    model, prs = deck
    assert 10 <= len(prs.slides) <= 15
    assert (prs.slide_width, prs.slide_height) == (12_192_000, 6_858_000)   # 16:9
    layouts = [s.slide_layout.name for s in prs.slides]
    assert layouts[0] == "Title Slide"
    assert set(layouts) <= {"Title Slide", "Title and Content", "Title Only", "Blank"}
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    assert titles[0] == model.title
    assert titles[1] == model.t("pptx.exec.title")
    assert titles[-3:] == [model.sections[-1].title, model.t("pptx.methods.title"),
                           model.t("pptx.provenance.title")]
    for sec in model.sections[:-1]:
        assert sec.title in titles


def test_texts_of_cover_summary_sections_and_recommendations(deck) -> None:
    model, prs = deck
    slides = list(prs.slides)
    cover = _texts(slides[0])
    assert model.client in cover and model.fmt.period(*model.period) in cover
    summary = _texts(slides[1])
    for f in model.findings:
        assert f.headline in summary and f.sentence in summary
    for sec in model.sections[:-1]:
        text = _texts(_slide_of(prs, sec.title))
        assert sec.lead in text
        for fact in sec.facts[:8]:
            assert fact.display in text and fact.label in text
        assert all(b in text for b in sec.bullets[:4])
        notes = _slide_of(prs, sec.title).notes_slide.notes_text_frame.text
        assert all(f.source in notes for f in sec.facts)
    recs = _texts(_slide_of(prs, model.sections[-1].title))
    assert all(r in recs for r in model.recommendations)
    methods = _texts(_slide_of(prs, model.t("pptx.methods.title")))
    assert all(m.formula in methods for m in model.methods)
    prov = _texts(_slide_of(prs, model.t("pptx.provenance.title")))
    assert all(f in prov for f in model.provenance.inputs["file"])
    assert model.fmt.money(3_850_000_000.12) in prov


def test_the_four_charts_are_native_with_the_model_data(deck) -> None:
    model, prs = deck
    kinds = {"whale_curve": XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS,
             "concentration": XL_CHART_TYPE.BAR_CLUSTERED,
             "portfolio_matrix": XL_CHART_TYPE.XY_SCATTER,
             "fte": XL_CHART_TYPE.COLUMN_CLUSTERED}
    for key, kind in kinds.items():
        chart = model.charts[key]
        shapes = [sh for sh in _slide_of(prs, chart.title).shapes if sh.has_chart]
        assert len(shapes) == 1, key
        native = shapes[0].chart
        assert native.chart_type == kind, key
        series = list(native.plots[0].series)
        assert [s.name for s in series] == [neutralise(chart.series[c])[0] for c in chart.y]
        for s, col in zip(series, chart.y, strict=True):
            xs, ys = _expected(chart, col)
            assert list(s.values) == pytest.approx(ys), key
            if kind in (XL_CHART_TYPE.XY_SCATTER, XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS):
                assert _x_values(s) == pytest.approx(xs), key
            else:
                assert list(native.plots[0].categories) == [neutralise(str(x))[0] for x in xs]
        if key == "portfolio_matrix":
            labels = [p.data_label.text_frame.text for p in series[0].points]
            assert labels == [neutralise(n)[0] for n in chart.data[chart.label]]
        assert native.value_axis.axis_title.text_frame.text == chart.y_label
    whale = _slide_of(prs, model.charts["whale_curve"].title)
    assert [sh.chart.value_axis.tick_labels.number_format for sh in whale.shapes
            if sh.has_chart] == ["0%"]


def test_chart_workbooks_hold_no_formulas(deck) -> None:
    _, prs = deck
    seen = 0
    for slide in prs.slides:
        for sh in slide.shapes:
            if sh.has_chart:
                blob = sh.chart.part.chart_workbook.xlsx_part.blob
                wb = openpyxl.load_workbook(BytesIO(blob))
                cells = [c for ws in wb for row in ws.iter_rows() for c in row]
                assert not [c.coordinate for c in cells if c.data_type == "f"]
                seen += 1
    assert seen == 4
    # the hostile category of the concentration chart is there, as text
    categories = next(sh.chart.plots[0].categories for s in prs.slides for sh in s.shapes
                      if sh.has_chart and sh.chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED)
    assert {"'" + MALICIOUS_NAMES[0], "'" + MALICIOUS_NAMES[1]} <= set(categories)


def test_everything_is_on_the_slide_and_readable(deck) -> None:
    _, prs = deck
    W, H = prs.slide_width, prs.slide_height
    for i, slide in enumerate(prs.slides, start=1):
        for sh in slide.shapes:
            assert sh.left >= 0 and sh.top >= 0, (i, sh.name)
            assert sh.left + sh.width <= W and sh.top + sh.height <= H, (i, sh.name)
            if sh.has_text_frame:
                for p in sh.text_frame.paragraphs:
                    for r in p.runs:
                        assert r.font.size is None or r.font.size >= Pt(8), (i, sh.name)
            if sh.is_placeholder and sh.has_text_frame:
                assert sh.text_frame.text.strip(), (i, sh.name)   # no "Click to add text"


def test_long_text_shrinks_and_continues_within_the_budget(tmp_path: Path) -> None:
    model = tiny_model("ru")
    sec = model.sections[2]
    many = [Fact(f"f{i}", f"Показатель номер {i} с длинным названием", i * 1000.0,
                 f"{i} 000 ₽", "money", f"02/summary.json#f{i}") for i in range(16)]
    model.sections[2] = sec = dataclasses.replace(sec, lead=sec.lead * 12, facts=many)
    model.sections[3] = dataclasses.replace(model.sections[3], facts=many)
    prs = Presentation(str(write_pptx(model, tmp_path / "long.pptx")))
    assert len(prs.slides) == MAX_SLIDES              # one continuation fits, not two
    slide = _slide_of(prs, sec.title)
    body = next(sh for sh in slide.placeholders if sh.placeholder_format.idx == 1)
    sizes = {r.font.size for p in body.text_frame.paragraphs for r in p.runs}
    assert max(sizes) < Pt(20)                        # shrunk from 22 pt
    assert body.text_frame.text.startswith(sec.lead[:50])
    text = _texts(slide)
    assert "Показатель номер 7 " in text and "Показатель номер 8 " not in text
    more = _texts(_slide_of(prs, model.t("pptx.section.continued", title=sec.title)))
    assert "Показатель номер 8 " in more and "Показатель номер 15 " in more
    assert sec.lead[:50] not in more
    assert not [s for s in prs.slides if s.shapes.title.text_frame.text ==
                model.t("pptx.section.continued", title=model.sections[3].title)]


def test_many_methods_are_grouped_by_step(tmp_path: Path) -> None:
    model = tiny_model("en")
    model.methods = [dataclasses.replace(x, formula=x.formula * 8) for x in model.methods * 6]
    prs = Presentation(str(write_pptx(model, tmp_path / "methods.pptx")))
    slide = _slide_of(prs, model.t("pptx.methods.title"))
    table = next(sh.table for sh in slide.shapes if sh.has_table)
    assert [c.text for c in table.rows[0].cells] == [
        model.t("pptx.methods.step"), model.t("pptx.methods.names"),
        model.t("pptx.methods.source")]
    assert [r.cells[0].text for r in list(table.rows)[1:]] == ["02", "03", "04"]
    assert model.t("pptx.methods.appendix") in _texts(slide)


def test_other_charts_share_slides_within_the_budget(tmp_path: Path) -> None:
    model = tiny_model("en")
    fte = model.charts["fte"]
    model.charts = {**model.charts, **{f"extra{i}": dataclasses.replace(
        fte, key=f"extra{i}", title=f"Extra {i}") for i in range(6)}}
    model.sections[4] = dataclasses.replace(model.sections[4],
                                            charts=["fte", "extra0", "extra1", "extra2"])
    prs = Presentation(str(write_pptx(model, tmp_path / "charts.pptx")))
    assert len(prs.slides) == MAX_SLIDES
    _slide_of(prs, fte.title)                        # the named chart keeps its own slide
    pairs = [s for s in prs.slides if sum(sh.has_chart for sh in s.shapes) == 2]
    assert len(pairs) == 1
    assert pairs[0].shapes.title.text_frame.text == model.sections[4].title
    titles = [sh.chart.chart_title.text_frame.text for sh in pairs[0].shapes if sh.has_chart]
    assert titles == ["Extra 0", "Extra 1"]


def test_a_replaced_master_with_other_names_and_size_still_works(tmp_path: Path) -> None:
    firm = Presentation()                                      # 4:3, the default layouts
    firm.slides.add_slide(firm.slide_layouts[1]).shapes.title.text = "Example slide"
    for layout in firm.slide_layouts:
        layout.name = "Firm " + layout.name.replace(" ", "_")  # names not found: by index
    master = tmp_path / "firm.pptx"
    firm.save(str(master))
    model = tiny_model("en")
    prs = Presentation(str(write_pptx(model, tmp_path / "r.pptx", master=master)))
    assert (prs.slide_width, prs.slide_height) == (9_144_000, 6_858_000)
    assert 10 <= len(prs.slides) <= 15
    assert "Example slide" not in [s.shapes.title.text_frame.text for s in prs.slides
                                   if s.shapes.title is not None]
    assert [s.slide_layout.name for s in prs.slides][:3] == \
        ["Firm Title_Slide", "Firm Title_Only", "Firm Title_and_Content"]
    for slide in prs.slides:
        for sh in slide.shapes:
            assert sh.left + sh.width <= prs.slide_width


def test_a_missing_or_unreadable_master_is_a_config_error(tmp_path: Path) -> None:
    model = tiny_model("en")
    with pytest.raises(ConfigError) as err:
        write_pptx(model, tmp_path / "r.pptx", master=tmp_path / "nope.pptx")
    assert err.value.file == str(tmp_path / "nope.pptx") and "master" in err.value.hint
    bad = tmp_path / "bad.pptx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ConfigError) as err:
        write_pptx(model, tmp_path / "r.pptx", master=bad)
    assert err.value.file == str(bad)
    assert not (tmp_path / "r.pptx").exists()


def test_the_committed_master_is_what_make_master_makes(tmp_path: Path) -> None:
    script = templates_dir() / "report" / "make_master.py"
    spec = importlib.util.spec_from_file_location("make_master", script)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    made = Presentation(str(mod.make_master(tmp_path / "m.pptx")))
    shipped = Presentation(str(templates_dir() / "report" / "master.pptx"))
    for prs in (made, shipped):
        assert (prs.slide_width, prs.slide_height) == (12_192_000, 6_858_000)
        assert len(prs.slides) == 0
        names = [lay.name for lay in prs.slide_layouts]
        assert {"Title Slide", "Title and Content", "Title Only", "Blank"} <= set(names)
        body = prs.slide_layouts[1].placeholders[1]
        assert math.isclose(body.left + body.width / 2, prs.slide_width / 2, rel_tol=0.01)
    assert [lay.name for lay in made.slide_layouts] == \
        [lay.name for lay in shipped.slide_layouts]


def test_unnamed_charts_are_drawn_by_kind(tmp_path: Path) -> None:
    model = tiny_model("en")
    months = pd.DataFrame({"month": pd.to_datetime(["2025-01-01", "2025-02-01"]),
                           "revenue": [10.0, float("nan")]})
    model.charts = {"monthly": Chart("monthly", "Monthly", "line", months, "month",
                                     ["revenue"], "Month", "RUB", {"revenue": "Revenue"},
                                     b"", "", "x", y_format="money")}
    model.sections = [dataclasses.replace(s, charts=[]) for s in model.sections]
    prs = Presentation(str(write_pptx(model, tmp_path / "r.pptx")))
    native = [sh.chart for s in prs.slides for sh in s.shapes if sh.has_chart]
    assert [c.chart_type for c in native] == [XL_CHART_TYPE.LINE]
    assert list(native[0].plots[0].categories) == ["2025-01-01", "2025-02-01"]
    assert list(native[0].plots[0].series[0].values) == [10.0, None]


# --------------------------------------------------------------------------- the real run
def test_the_demo_run_renders_to_the_cent(demo_ru_run, demo_ru_models,
                                          demo_ru_deliverables) -> None:
    work = demo_ru_run / "work"
    pnl = pd.read_parquet(work / "02_profitability" / "client_pnl.parquet")
    key = pd.read_parquet(work / "03_key_client_profile" / "key_clients.parquet")
    for lang in LANGS:
        model = demo_ru_models[lang]
        wb = openpyxl.load_workbook(demo_ru_deliverables[lang]["xlsx"])
        names = sheet_names(model)
        ws = wb[names["client_pnl"]]
        cols = [c.key for c in model.tables["client_pnl"].columns]
        j = cols.index("contribution") + 1
        cells = [ws.cell(r, j).value for r in range(HEADER_ROW + 1, ws.max_row + 1)]
        assert len(cells) == len(pnl)
        assert all(isinstance(v, int | float) for v in cells if v is not None)
        assert round(sum(v or 0 for v in cells), 2) == round(pnl["contribution"].sum(), 2)
        ks = wb[names["key_clients"]]
        kcols = [c.key for c in model.tables["key_clients"].columns]
        ids = [ks.cell(r, kcols.index("entity_id") + 1).value
               for r in range(HEADER_ROW + 1, ks.max_row + 1)]
        assert sorted(ids) == sorted(neutralise(str(i))[0] for i in key["entity_id"])
        assert not [c for s in wb for row in s.iter_rows() for c in row if c.data_type == "f"]

        prs = Presentation(str(demo_ru_deliverables[lang]["pptx"]))
        # the board's slides (kamlib.report.board), then the appendix: the homework, one
        # slide per step, the charts the board did not show, methods, provenance
        assert len(model.board) + 6 <= len(prs.slides) <= MAX_BOARD_SLIDES
        charts = {sh.chart.chart_type for s in prs.slides for sh in s.shapes if sh.has_chart}
        assert {XL_CHART_TYPE.XY_SCATTER, XL_CHART_TYPE.BAR_CLUSTERED} <= charts
        titled = {sh.chart.chart_title.text_frame.text for s in prs.slides for sh in s.shapes
                  if sh.has_chart and sh.chart.has_title}
        titles = [s.shapes.title.text_frame.text for s in prs.slides if s.shapes.title]
        for key_ in ("whale_curve", "concentration", "portfolio_matrix", "fte", "channels"):
            if key_ in model.charts:   # on a board slide (titled) or an appendix slide
                title = model.charts[key_].title
                assert title in titled or model.t("board.appendix", title=title) in titles

