"""Hostile client data in the outputs for people: workbooks hold no formula, the terminal gets
no control character (kamlib.workbook, kamlib.text)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kamlib.cli import main
from kamlib.engagement import Engagement
from kamlib.selection.assessment import DEFAULT_CRITERIA, read_assessment, write_assessment
from kamlib.text import for_html, for_terminal, has_control
from kamlib.workbook import FORMULA_TRIGGERS, neutralise, safe_workbook

HOSTILE = ['=HYPERLINK("http://evil.example/x","Ромашка")', "+1+1", "-2+3", "@SUM(A1)",
           "\t=1", "\r=1", "=cmd|' /C calc'!A0"]


def _formula_cells(path: Path) -> list[str]:
    """Every cell that is a formula, or a text a spreadsheet would read as one."""
    bad = []
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" or (isinstance(c.value, str)
                                          and c.value.startswith(FORMULA_TRIGGERS)):
                    bad.append(f"{ws.title}!{c.coordinate}={c.value!r}")
    return bad


def test_neutralise_and_safe_workbook() -> None:
    assert neutralise("+1+1") == ("'+1+1", True)
    assert neutralise("ООО Альфа") == ("ООО Альфа", False)
    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    ws = wb.add_worksheet("x")
    ws.write_row(0, 0, HOSTILE)
    ws.write_column(1, 0, HOSTILE)
    ws.write(9, 0, HOSTILE[0])
    with pytest.raises(TypeError, match="no formulas"):
        ws.write_formula(10, 0, "=1+1")
    with pytest.raises(TypeError, match="no formulas"):
        ws.write_url(10, 0, "http://evil.example")
    wb.close()
    buf.seek(0)
    book = openpyxl.load_workbook(buf)
    cells = [c for row in book["x"].iter_rows() for c in row if c.value is not None]
    assert len(cells) == 2 * len(HOSTILE) + 1
    assert all(c.data_type == "s" and c.value.startswith("'") for c in cells)
    assert all(c.quotePrefix for c in cells)


def test_data_request_has_no_formula(make_engagement) -> None:
    root = make_engagement({})
    assert _formula_cells(root / "data_request.xlsx") == []


def test_assessment_sheet_neutralised_and_read_back(tmp_path) -> None:
    ids = ["=E1", "+E2", "E3"]
    long_list = pd.DataFrame({"entity_id": ids, "entity_name": HOSTILE[:3],
                              "quadrant": HOSTILE[3:6]})
    path = tmp_path / "assessment.xlsx"
    write_assessment(path, long_list, dict(DEFAULT_CRITERIA))
    assert _formula_cells(path) == []
    wb = openpyxl.load_workbook(path)
    ws = wb["assessment"]
    col = {c.value: c.column for c in ws[1]}
    key = next(iter(DEFAULT_CRITERIA))
    ws.cell(row=3, column=col[key], value=7)
    wb.save(path)
    got = read_assessment(path, criteria=list(DEFAULT_CRITERIA), known=ids)
    assert got["entity_id"].tolist() == ["=E1"], "the id must read back as the client wrote it"


CLIENTS = "Код;Наименование;ИНН\r\n" + "".join(
    f"K{i};{name};{inn}\r\n" for i, (name, inn) in enumerate(
        [('"=HYPERLINK(""http://evil.example"",""Ромашка"")"', "7707083893"),
         ('"=HYPERLINK(""http://evil.example"",""Ромашка"")"', "7736050003"),
         ("+1+1 ООО Бета", "7702070139")], 1))
SALES = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
         "01.02.2024;Д1;K1;10,00\r\n02.02.2024;Д2;K2;20,00\r\n03.02.2024;Д3;K3;30,00\r\n")


def test_duplicates_review_sheet_has_no_formula(make_engagement) -> None:
    from kamlib.cleanup import run_cleanup
    from kamlib.runner import run_intake

    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    eng = Engagement.open(root)
    run_intake(eng)
    run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
    sheet = root / "review" / "duplicates.xlsx"
    assert sheet.exists()
    values = [c.value for row in openpyxl.load_workbook(sheet)["review"].iter_rows()
              for c in row]
    assert any(isinstance(v, str) and "HYPERLINK" in v for v in values), \
        "the hostile names must be in the sheet (as text)"
    assert _formula_cells(sheet) == []


# --------------------------------------------------------------------------- terminal

ESC_NAME = "sales\x1b]0;pwned\x07\x1b[2J.csv"


def test_for_terminal_escapes_every_control() -> None:
    text = "a\x1b[2Jb\x07c\x9bd\u202ee\rf\x00g\u2028h\ti\nj"
    out = for_terminal(text)
    assert not has_control(out.replace("\n", "").replace("\t", ""))
    assert "\\x1b[2J" in out and "\\u202e" in out and "\\x9b" in out and "\\x0d" in out
    assert "\t" in out and "\n" in out
    assert "\n" not in for_terminal("a\nb", multiline=False)
    assert for_html("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"


def test_kam_check_prints_no_escape_sequence(make_engagement, capsys) -> None:
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС;Комментарий\x1b[2J\r\n"
             "01.02.2024;Д1\x1b[2J;K1;10,00;x\r\n"
             "01.02.2024;Д2;K1;abc\x1b[31m;x\r\n")
    root = make_engagement({"clients.csv": "Код;Наименование\r\nK1;ООО \u202eАльфа\r\n",
                            ESC_NAME: sales}, client="Клиент\x1b[2J")
    code = main(["check", str(root)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code in (0, 1), text  # a BEL inside a CSV value crashes the reader: see report
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b" in text, "the escape must be shown, not dropped"


def test_kam_error_printer_escapes(tmp_path, capsys) -> None:
    bad = tmp_path / "no\x1b[2Jsuch"
    code = main(["check", str(bad)])
    out = capsys.readouterr()
    assert code == 2
    assert "\x1b" not in out.err and "no\\x1b[2Jsuch" in out.err


# --------------------------------------------------------------------------- working papers

XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
       "[click](javascript:alert(1))", '<a href="javascript:alert(1)">x</a>',
       "<svg onload=alert(1)>"]


class _Active:
    """Collects what a browser would run: script bodies, on* handlers, javascript: URLs."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        found: list[str] = []

        class P(HTMLParser):
            in_script = False

            def handle_starttag(self, tag, attrs):
                self.in_script = tag == "script"
                for k, v in attrs:
                    if k.startswith("on") or (v or "").strip().lower().startswith(
                            ("javascript:", "data:text")):
                        found.append(f"{tag} {k}={v}")
                if tag in ("svg", "iframe", "object", "embed"):
                    found.append(tag)

            def handle_endtag(self, tag):
                self.in_script = False

            def handle_data(self, data):
                if self.in_script and "alert" in data:
                    found.append(f"script: {data}")

        P().feed(html)
        self.found = found


def test_working_papers_carry_no_active_content(make_engagement) -> None:
    import nbformat

    from kamlib.report.papers import export_working_papers

    root = make_engagement({}, client=XSS[0] + XSS[1])
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell("display(...)", execution_count=1)
    table = pd.DataFrame({"client": XSS, "revenue": range(len(XSS))})
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={
            "text/markdown": f"**Engagement:** {XSS[0]} {XSS[1]} {XSS[2]}",
            "text/plain": "<IPython.core.display.Markdown object>"}),
        nbformat.v4.new_output("execute_result", execution_count=1, data={
            "text/html": table.style.to_html(),  # the Styler does not escape
            "text/plain": repr(table)}),
        nbformat.v4.new_output("display_data", data={"application/javascript": "alert(1)"}),
        nbformat.v4.new_output("display_data", data={"image/svg+xml": "<svg onload=alert(1)>"}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# Step"), cell]
    nbformat.write(nb, root / "notebooks" / "00_data_intake.ipynb")
    pages = export_working_papers(root, root / "reports" / "working_papers", language="en")
    assert len(pages) == 2
    for page in pages:
        html = page.read_text("utf-8")
        assert _Active(html).found == [], page.name
    body = pages[0].read_text("utf-8")
    # the names are shown, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "<table" in body, "tables stay tables"
