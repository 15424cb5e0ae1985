"""The HTML and PDF report, and the working papers: self-contained, escaped, printable."""

from __future__ import annotations

import base64
import builtins
import html
import re
import shutil
from pathlib import Path
from typing import Any

import markupsafe
import nbformat
import numpy as np
import pytest
import yaml

from kamlib.errors import KamError
from kamlib.i18n import i18n_dir, load_strings
from kamlib.report.html import PdfUnavailable, render_html, write_html, write_pdf
from kamlib.report.papers import export_working_papers
from kamlib.resources import notebooks_dir
from tests.helpers import MALICIOUS_NAMES, tiny_model

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NBSP = "\u00a0"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Anything that would make a browser (or WeasyPrint) reach outside the file.
EXTERNAL = {
    "attribute": re.compile(r"""\b(?:src|href|srcset|action|poster|data|xlink:href)\s*=\s*"""
                            r"""["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I),
    "css url": re.compile(r"""url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//""", re.I),
    "http(s) url()": re.compile(r"""url\(\s*["']?\s*https?:""", re.I),
    "http(s) src/href": re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*https?:""", re.I),
    "script src": re.compile(r"<script[^>]*\bsrc\s*=", re.I),
    "@import": re.compile(r"@import", re.I),
    "link to a file": re.compile(r"<link\b[^>]*\bhref\s*=", re.I),
    "CDN": re.compile(r"cdnjs|unpkg\.com|jsdelivr|googleapis|mathjax\.org", re.I),
}


def external_references(page: str) -> dict[str, list[str]]:
    """Every match of :data:`EXTERNAL` in ``page`` (empty when the page is self-contained)."""
    found = {name: rx.findall(page) for name, rx in EXTERNAL.items()}
    return {k: v for k, v in found.items() if v}


def esc(text: str) -> str:
    """``text`` as Jinja2's autoescape writes it."""
    return str(markupsafe.escape(text))


@pytest.fixture(scope="module", params=["ru", "en"])
def rendered(request) -> tuple[Any, str]:
    model = tiny_model(request.param)
    return model, render_html(model)


# --------------------------------------------------------------------------- HTML
def test_the_page_is_self_contained(rendered) -> None:
    model, page = rendered
    assert page.startswith("<!DOCTYPE html>")
    assert f'<html lang="{model.language}">' in page
    assert external_references(page) == {}
    assert "<script" not in page.lower()                    # the report needs no script
    assert "<style>" in page and "@page" in page            # CSS inlined, print rules in it
    # the checker itself does find what it is meant to find
    for bad in ('<img src="https://cdn.example/x.png">', '<img src="//cdn.example/x.png">',
                "<style>@import 'x.css';</style>", "<p style=\"background:url(//x/y)\">",
                '<link rel="stylesheet" href="report.css">', '<script src="a.js"></script>',
                '<a href="http://example.com">x</a>'):
        assert external_references(bad), bad


def test_images_are_png_data_uris(rendered) -> None:
    model, page = rendered
    sources = re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', page)
    used = [key for sec in model.sections for key in sec.charts]
    assert len(sources) == len(used) == 4
    for src, key in zip(sources, used, strict=True):
        assert src.startswith("data:image/png;base64,")
        png = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert png.startswith(PNG_MAGIC)
        assert png == model.charts[key].png


def test_every_section_finding_and_appendix_appears(rendered) -> None:
    model, page = rendered
    t = model.strings.t
    for n, sec in enumerate(model.sections, 1):
        block = re.search(rf'<section class="chapter step" id="sec-[^"]*" '
                          rf'data-key="{re.escape(sec.key)}">(.*?)</section>', page, re.S)
        assert block, sec.key
        body = block.group(1)
        assert esc(sec.title) in body and esc(sec.lead) in body
        assert f'<span class="chapter-n">{n}</span>' in body
        for fact in sec.facts:
            assert esc(fact.display) in body and esc(fact.label) in body
        for key in sec.charts:
            assert esc(model.charts[key].caption) in body
        for key in sec.tables:
            assert esc(model.tables[key].title) in body
        # and it is listed in the table of contents, linking to its anchor
        anchor = re.search(r'id="(sec-[^"]*)"', block.group(0)).group(1)
        assert f'<a href="#{anchor}">' in page.split('<nav class="toc"', 1)[1].split("</nav>")[0]
    findings = page.split('<ol class="findings">', 1)[1].split("</ol>", 1)[0]
    assert findings.count('<li class="finding sev-') == len(model.findings) == 5
    for f in model.findings:
        assert esc(f.headline) in findings and esc(f.sentence) in findings
        assert f"sev-{f.severity}" in findings
    recommendations = page.split('data-key="recommendations"', 1)[1].split("</section>")[0]
    for r in model.recommendations:
        assert recommendations.count(esc(r)) == 1            # listed once, not twice
    for m in model.methods:
        assert esc(m.formula) in page and esc(m.source) in page
    prov = page.split('id="provenance"', 1)[1]
    for sha in model.provenance.inputs["sha256"]:
        assert sha in prov
    for ct in model.provenance.control_totals:
        assert esc(ct.display) in prov and esc(ct.source) in prov
    for step in model.provenance.steps["step"]:
        assert step in prov
    assert esc(t("html.provenance.no_merge_decisions")) in prov   # no decisions in tiny
    # nested parameters flattened; a long key may wrap after a dot
    assert "intake.<wbr>date_order" in prov and "dmy" in prov
    assert "intake.date_order" in prov.replace("<wbr>", "")
    assert "pandas" in prov and "3.1.1" in prov
    for title in ("html.toc.title", "html.exec.title", "html.methods.title",
                  "html.provenance.title"):
        assert esc(t(title)) in page


def test_numbers_are_formatted_per_language() -> None:
    ru, en = render_html(tiny_model("ru")), render_html(tiny_model("en"))
    money_ru = f"1{NBSP}234{NBSP}567,89{NBSP}₽"
    money_en = f"RUB{NBSP}1,234,567.89"
    assert f'<td class="num">{money_ru}</td>' in ru
    assert f'<td class="num">{money_en}</td>' in en
    assert money_en not in ru and money_ru not in en
    assert f'<td class="num">−12{NBSP}345,67{NBSP}₽</td>' in ru      # minus sign, not hyphen
    assert f'<td class="num">RUB{NBSP}-12,345.67</td>' in en
    assert f'<td class="num">28,0{NBSP}%</td>' in ru and '<td class="num">28.0%</td>' in en
    assert f"<td>9{NBSP}января 2023{NBSP}г.</td>" in ru and "<td>9 January 2023</td>" in en
    # missing values are a dash, never "nan" / "NaT"
    assert '<td class="num">—</td>' in ru and re.search(r'<td( class="nowrap")?>—</td>', en)
    assert '<td class="nowrap">C001</td>' in en                    # codes do not break
    for page in (ru, en):
        assert not re.search(r">\s*(?:nan|NaN|NaT|None|<NA>)\s*<", page)
    # numeric column headers are right-aligned like their figures
    assert re.search(r'<th class="num">(Выручка|Revenue)</th>', ru + en)


def test_tables_show_the_preview_and_say_where_the_rest_is(rendered) -> None:
    model, page = rendered
    table = model.tables["client_pnl"]
    block = page.split('id="tbl-client-pnl"', 1)[1].split("</div>", 1)[0]
    body = block.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == table.preview_rows == 5 < len(table.data) == 7
    note = block.split('<p class="table-note">', 1)[1].split("</p>", 1)[0]
    assert "7" in note and "5" in note and "client_pnl" in note
    assert ("Excel" in note)
    assert esc(table.source) in block
    # a table that fits says all its rows are in the workbook, too
    small = page.split('id="tbl-key-clients"', 1)[1].split("</div>", 1)[0]
    assert small.split("<tbody>", 1)[1].count("<tr>") == 3
    assert "3" in small.split('<p class="table-note">', 1)[1].split("</p>", 1)[0]
    # the note cites the sheet as the workbook names it (≤ 31 characters, made unique)
    from kamlib.report.xlsx import sheet_names

    sheets = sheet_names(model)
    long_key = "kam_team_workload_by_manager_and_client_segment"
    assert len(sheets[long_key]) <= 31
    workload = page.split(f'id="tbl-{long_key.replace("_", "-")}"', 1)[1].split("</div>", 1)[0]
    assert esc(sheets[long_key]) in workload.split('<p class="table-note">', 1)[1]


def test_hostile_text_is_escaped() -> None:
    model = tiny_model("en")
    model.client = '<script>alert("x")</script> & Sons'
    model.sections[0].lead = "<img src=x onerror=alert(1)>"
    model.findings[0].sentence = '</style><b onclick="x">bold</b>'
    model.tables["client_pnl"].data.loc[0, "client"] = "<i>Acme</i>"
    page = render_html(model)
    assert "<script>" not in page and "alert(\"x\")" not in page
    assert esc(model.client) in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in page
    assert "<img src=x" not in page and esc(model.sections[0].lead) in page
    assert "<b onclick" not in page and page.count("</style>") == 2   # ours, not its
    assert "<i>Acme</i>" not in page and "&lt;i&gt;Acme&lt;/i&gt;" in page
    for name in MALICIOUS_NAMES[:1]:                   # '=HYPERLINK("http://x","y")' as text
        assert esc(name) in page
        assert not re.search(r'href\s*=\s*"http://x', page)
    assert external_references(page) == {}


def test_page_number_text_is_translated() -> None:
    ru, en = render_html(tiny_model("ru")), render_html(tiny_model("en"))
    assert 'content: "Страница " counter(page) " из " counter(pages)' in ru
    assert 'content: "Page " counter(page) " of " counter(pages)' in en


def test_write_html_is_atomic_and_utf8(tmp_path: Path) -> None:
    model = tiny_model("ru")
    path = write_html(model, tmp_path / "out" / "report.html")
    assert path == tmp_path / "out" / "report.html"
    assert path.read_text(encoding="utf-8") == render_html(model)
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]   # no temp file left


def test_a_section_naming_an_unknown_chart_is_an_error() -> None:
    model = tiny_model("en")
    model.sections[2].charts.append("no_such_chart")
    with pytest.raises(KamError, match="chart that is not in the model"):
        render_html(model)


def test_html_strings_exist_in_both_languages_with_the_same_placeholders() -> None:
    def flat(d: dict, prefix: str = "") -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in d.items():
            out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k: v})
        return out

    files = {lang: flat(yaml.safe_load((i18n_dir(lang) / "html.yaml").read_text("utf-8")))
             for lang in ("ru", "en")}
    assert files["ru"].keys() == files["en"].keys()
    assert all(k.startswith("html.") for k in files["ru"])
    ru, en = load_strings("ru"), load_strings("en")
    for key in files["ru"]:
        assert ru.fields(key) == en.fields(key), key
        assert ru.t(key) != "" and en.t(key) != ""


# --------------------------------------------------------------------------- PDF
def _pdf_or_skip(model_or_html: Any, path: Path) -> Path:
    try:
        return write_pdf(model_or_html, path)
    except PdfUnavailable as exc:
        pytest.skip(f"WeasyPrint is unavailable here: {exc}")


def _not_blank(png: Path) -> float:
    from PIL import Image

    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    return float(pixels.std())


@pytest.mark.parametrize("lang, page_text", [("ru", "Страница {n} из {total}"),
                                             ("en", "Page {n} of {total}")])
def test_pdf_has_a_cover_numbered_pages_and_ink(tmp_path: Path, lang: str,
                                                page_text: str) -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 reads the PDF back")
    model = tiny_model(lang)
    path = _pdf_or_skip(model, tmp_path / f"report_{lang}.pdf")
    assert path.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == [path.name]          # written atomically
    pdf = pdfium.PdfDocument(str(path))
    try:
        total = len(pdf)
        assert total >= 3
        texts = [pdf[i].get_textpage().get_text_range() for i in range(total)]
        assert page_text.format(n=2, total=total) in texts[1]
        assert page_text.format(n=total, total=total) in texts[-1]
        assert page_text.format(n=1, total=total) not in texts[0]       # the cover: no number
        assert model.title.split()[0] in texts[0]
        exec_title = model.t("html.exec.title")
        assert any(exec_title in t for t in texts[2:4])                 # after cover and TOC
        assert model.client in texts[0]
        for i in range(total):
            assert _text_outside_margins(pdf[i]) == [], f"page {i + 1}"
        shots = []
        for i in (0, 2):                     # the cover and the summary are full pages
            png = tmp_path / f"page{i + 1}.png"
            pdf[i].render(scale=0.8).to_pil().save(png)
            shots.append(png)
        for png in shots:
            assert _not_blank(png) > 8, png.name
        # the last page may hold only the end of a table, but never only its running head and
        # foot: it has ink and lines of its own
        last = tmp_path / "last.png"
        pdf[total - 1].render(scale=0.8).to_pil().save(last)
        assert _not_blank(last) > 3
        own = [ln for ln in texts[-1].splitlines() if ln.strip()
               and model.client not in ln and page_text.format(n=total, total=total) not in ln
               and model.title not in ln]
        assert len(own) >= 3, texts[-1]
    finally:
        pdf.close()


def test_write_pdf_takes_rendered_html(tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 reads the PDF back")
    page = render_html(tiny_model("en"))
    path = _pdf_or_skip(page, tmp_path / "from_html.pdf")
    pdf = pdfium.PdfDocument(str(path))
    try:
        assert len(pdf) >= 3
    finally:
        pdf.close()


def _text_outside_margins(page: Any, margin_pt: float = 40.0) -> list[tuple[float, float]]:
    """Text runs of a pdfium page that cross its left/right margins (a table too wide)."""
    width = page.get_size()[0]
    text = page.get_textpage()
    rects = [text.get_rect(i) for i in range(text.count_rects())]
    return [(r[0], r[2]) for r in rects if r[0] < margin_pt - 1 or r[2] > width - margin_pt + 1]


def _fail_import(monkeypatch, exc: BaseException) -> None:
    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise exc
        return real(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "weasyprint", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake)


def test_missing_pango_is_a_clear_pdf_unavailable(monkeypatch, tmp_path: Path) -> None:
    _fail_import(monkeypatch, OSError(
        "cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object "
        "file: No such file or directory.  Additionally, ctypes.util.find_library() did not "
        "manage to locate a library called 'libpango-1.0-0'"))
    target = tmp_path / "report.pdf"
    with pytest.raises(PdfUnavailable) as err:
        write_pdf(tiny_model("ru"), target)
    assert isinstance(err.value, KamError)
    assert "libpango-1.0-0" in err.value.message
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0" in err.value.hint
    assert "HTML" in err.value.hint
    assert not target.exists()


def test_missing_weasyprint_is_a_clear_pdf_unavailable(monkeypatch, tmp_path: Path) -> None:
    _fail_import(monkeypatch, ImportError("No module named 'weasyprint'"))
    with pytest.raises(PdfUnavailable, match="WeasyPrint"):
        write_pdf("<html><body>x</body></html>", tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- browser
def test_a_browser_shows_the_page_offline(tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the python package playwright is not installed")
    model = tiny_model("ru")
    path = write_html(model, tmp_path / "report.html")
    requested: list[str] = []

    def only_the_file(route) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            requested.append(url)
            route.abort()

    shot = tmp_path / "screen.png"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", only_the_file)
            page.on("request", lambda r: None if r.url.startswith(("file:", "data:"))
                    else requested.append(r.url))
            page.goto(path.as_uri(), wait_until="load")
            widths = page.eval_on_selector_all(
                "img", "els => els.map(e => e.complete ? e.naturalWidth : 0)")
            sections = page.locator("section.chapter.step").count()
            findings = page.locator("#exec li.finding").count()
            lang = page.evaluate("document.documentElement.lang")
            title = page.title()
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    assert requested == []
    assert len(widths) == 4 and all(w > 0 for w in widths)
    assert sections == len(model.sections) == 6
    assert findings == 5
    assert lang == "ru" and model.title in title
    assert _not_blank(shot) > 8


# --------------------------------------------------------------------------- working papers
HOSTILE_CLIENT = '<script>alert("x")</script> & Sons'


def _code(source: str, tags: list[str], output: str | None, n: int) -> Any:
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": tags}, execution_count=n)
    if output is not None:
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
    return cell


def _tagged_notebook() -> Any:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 07 · Tagged cells\n\nWhat the auditor sees."),
        _code("threshold: float = 0.5  # PARAMETERS_MARKER", ["parameters"], None, 1),
        _code("threshold = 0.7  # INJECTED_MARKER", ["injected-parameters"], None, 2),
        _code("print('REMOVE_CELL_MARKER')", ["remove_cell"], "REMOVE_CELL_OUT\n", 3),
        _code("print('REMOVE_MARKER')", ["remove"], "REMOVE_OUT\n", 4),
        _code("print('REMOVE_DASH_MARKER')", ["remove-cell"], "REMOVE_DASH_OUT\n", 5),
        _code("print('HIDE_MARKER')", ["hide"], "HIDE_OUT\n", 6),
        _code("print('HIDDEN_INPUT_MARKER')", ["remove_input"], "SHOWN_OUTPUT_MARKER\n", 7),
        _code("print('HIDDEN_INPUT2_MARKER')", ["hide-input"], "SHOWN_OUTPUT2_MARKER\n", 8),
        _code("print('KEPT_MARKER')", [], "KEPT_OUT\n", 9),
    ]
    nb.metadata["papermill"] = {"end_time": "2026-01-15T10:04:00.000000+00:00"}
    return nb


@pytest.fixture(scope="module")
def papers(tmp_path_factory) -> tuple[Path, list[Path]]:
    from kamlib.engagement import init_engagement

    root = tmp_path_factory.mktemp("papers") / "eng"
    init_engagement(root, client=HOSTILE_CLIENT, language="en")
    (root / "notebooks" / "failed").mkdir(parents=True)
    for name in ("00_data_intake.ipynb", "01_client_base_cleanup.ipynb"):
        shutil.copy2(notebooks_dir() / name, root / "notebooks" / name)
    nbformat.write(_tagged_notebook(), root / "notebooks" / "07_tagged.ipynb")
    # not step notebooks of the last run: ignored
    nbformat.write(_tagged_notebook(), root / "notebooks" / "scratch.ipynb")
    nbformat.write(_tagged_notebook(), root / "notebooks" / "failed" / "02_profitability.ipynb")
    out = root / "reports" / "working_papers"
    return out, export_working_papers(root, out, language="en")


def test_working_papers_are_written_per_notebook_with_an_index(papers) -> None:
    out, paths = papers
    assert [p.name for p in paths] == ["00_data_intake.html", "01_client_base_cleanup.html",
                                       "07_tagged.html", "index.html"]
    assert sorted(p.name for p in out.iterdir()) == sorted([".sources.json",
                                                            *(p.name for p in paths)])
    index = (out / "index.html").read_text(encoding="utf-8")
    for p in paths[:-1]:
        assert f'href="{p.name}"' in index
    assert "07 · Tagged cells" in index and "Audit working papers" in index
    assert "15 January 2026" in index
    assert external_references(index) == {}


def test_working_papers_load_nothing_from_the_network(papers) -> None:
    _, paths = papers
    for path in paths:
        page = path.read_text(encoding="utf-8")
        assert external_references(page) == {}, path.name
        assert not re.search(r"https?://", page), path.name
        assert "require.js" not in page and "MathJax.Hub" not in page, path.name
    intake = paths[0].read_text(encoding="utf-8")
    assert 'lang="en"' in intake
    assert "jp-Notebook" in intake and "<style" in intake        # the lab look, inlined
    assert "data:image/png;base64," in intake                   # the step's charts embedded
    assert 'href="index.html"' in intake                        # back to the index
    for page in (intake, paths[-1].read_text(encoding="utf-8")):  # a paper and the index
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page and "&lt;/script&gt; &amp; Sons" in page


def test_working_papers_drop_tagged_cells_and_keep_parameters(papers) -> None:
    _, paths = papers
    page = paths[2].read_text(encoding="utf-8")
    for gone in ("REMOVE_CELL_MARKER", "REMOVE_CELL_OUT", "REMOVE_MARKER", "REMOVE_OUT",
                 "REMOVE_DASH_MARKER", "REMOVE_DASH_OUT", "HIDE_MARKER", "HIDE_OUT",
                 "HIDDEN_INPUT_MARKER", "HIDDEN_INPUT2_MARKER"):
        assert gone not in page, gone
    for kept in ("PARAMETERS_MARKER", "INJECTED_MARKER", "SHOWN_OUTPUT_MARKER",
                 "SHOWN_OUTPUT2_MARKER", "KEPT_MARKER", "KEPT_OUT"):
        assert kept in page, kept
    # the committed intake notebook keeps its parameters cell
    intake = paths[0].read_text(encoding="utf-8")
    assert "celltag_parameters" in intake and "engagement_dir" in intake


def test_papers_of_unchanged_notebooks_are_reused(papers, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import kamlib.report.papers as mod

    out, paths = papers
    root = out.parent.parent
    exported: list[str] = []
    real = mod._exporter

    def counting(language: str):
        exporter = real(language)
        convert = exporter.from_notebook_node

        def from_notebook_node(nb, resources=None, **kw):
            exported.append(resources["kam"]["notebook"])
            return convert(nb, resources=resources, **kw)

        exporter.from_notebook_node = from_notebook_node
        return exporter

    monkeypatch.setattr(mod, "_exporter", counting)
    work = tmp_path / "eng"
    shutil.copytree(root, work)
    nb = nbformat.read(work / "notebooks" / "07_tagged.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A NEW FINDING"))
    nbformat.write(nb, work / "notebooks" / "07_tagged.ipynb")
    again = export_working_papers(work, tmp_path / "again", language="en", reuse=out)
    assert exported == ["07_tagged.ipynb"]                  # only the changed notebook
    assert [p.name for p in again] == [p.name for p in paths]
    for old, new in zip(paths[:2], again[:2], strict=True):
        assert new.read_bytes() == old.read_bytes()
    assert "A NEW FINDING" in again[2].read_text(encoding="utf-8")
    index = again[-1].read_text(encoding="utf-8")
    assert index.count('href="0') == 3 and "07 · Tagged cells" in index
    exported.clear()                                         # another language: all anew
    export_working_papers(work, tmp_path / "ru", language="ru", reuse=tmp_path / "again")
    assert exported == ["00_data_intake.ipynb", "01_client_base_cleanup.ipynb",
                        "07_tagged.ipynb"]
    exported.clear()                                         # a damaged record: all anew
    (tmp_path / "again" / ".sources.json").write_text("{not json", encoding="utf-8")
    export_working_papers(work, tmp_path / "x", language="en", reuse=tmp_path / "again")
    assert len(exported) == 3


def test_no_executed_notebooks_is_a_clear_error(tmp_path: Path) -> None:
    root = tmp_path / "eng"
    with pytest.raises(KamError, match="no executed step notebooks") as err:
        export_working_papers(root, tmp_path / "out")
    assert "kam run" in err.value.hint
    (root / "notebooks").mkdir(parents=True)
    fresh = nbformat.v4.new_notebook()
    fresh.cells = [nbformat.v4.new_code_cell("x = 1")]             # never run
    nbformat.write(fresh, root / "notebooks" / "00_data_intake.ipynb")
    with pytest.raises(KamError, match="no executed step notebooks"):
        export_working_papers(root, tmp_path / "out")
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- the demo
def test_the_demo_report_renders_to_html_and_pdf(demo_ru_models, demo_ru_deliverables,
                                                 tmp_path: Path) -> None:
    model = demo_ru_models["ru"]
    page = demo_ru_deliverables["ru"]["html"].read_text(encoding="utf-8")
    assert external_references(page) == {}
    for sec in model.sections:
        assert f'data-key="{sec.key}"' in page and esc(sec.title) in page
    sources = re.findall(r'<img\b[^>]*\bsrc="data:image/png;base64,([^"]*)"', page)
    assert len(sources) == sum(len(sec.charts) for sec in model.sections) >= 4
    assert all(base64.b64decode(src).startswith(PNG_MAGIC) for src in sources)
    for sha in model.provenance.inputs["sha256"]:
        assert sha in page
    # a table wider than the page shows the columns that fit and says where the rest are
    widest = max(model.tables.values(), key=lambda tb: len(tb.columns))
    assert len(widest.columns) > 15
    block = page.split(f'id="tbl-{widest.key.replace("_", "-")}"', 1)[1].split("</div>", 1)[0]
    shown = block.split("<thead>", 1)[1].split("</thead>", 1)[0].count("<th")
    assert 3 <= shown < len(widest.columns)
    assert model.t("html.table.columns", shown=shown, total=len(widest.columns)) in block

    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 reads the PDF back")
    pdf = pdfium.PdfDocument(str(demo_ru_deliverables["ru"]["pdf"]))
    try:
        total = len(pdf)
        assert total >= 10
        for i in range(total):
            text = pdf[i].get_textpage().get_text_range()
            assert (f"Страница {i + 1} из {total}" in text) == (i > 0), f"page {i + 1}"
            assert _text_outside_margins(pdf[i]) == [], f"page {i + 1} is too wide"
        for i in (0, 2, total // 2, total - 1):
            png = tmp_path / f"demo_page{i + 1}.png"
            pdf[i].render(scale=0.8).to_pil().save(png)
            assert _not_blank(png) > 8, png.name
    finally:
        pdf.close()


def test_a_long_setting_name_wraps_at_its_parts_only() -> None:
    """The provenance's keys break after a dot (``<wbr>``), never inside a part, and carry no
    invisible character a consultant would copy into engagement.yaml."""
    from kamlib.report.html import _breakable_key

    key = _breakable_key("sizing.client_teams.raci.<b>")
    assert str(key) == "sizing.<wbr>client_teams.<wbr>raci.<wbr>&lt;b&gt;"
    assert "\u200b" not in str(key)


def test_prose_prints_as_a_line_under_its_row_and_figcheck_reads_the_rows() -> None:
    """A text column of sentences in a table of figures prints as a line across the table
    under its row (one group per row), not as a column squeezed to a word a line; the
    figures' columns keep their order, and the read-back check sees one row per record."""
    import pandas as pd

    from kamlib.report.figcheck import CheckResult, _check_html_tables, _html_tables
    from kamlib.report.model import Column, Table

    model = tiny_model("en")
    why = ["gross margin 21% does not cover the cost to serve, 29% of revenue (mean 7.5%)",
           "discounts 24% off the list price (the base's mean 4.3%) eat the margin"]
    data = pd.DataFrame({"client": ["Acme", "Beta"], "net_revenue": [100.0, 200.0],
                         "gross_margin": [21.0, 48.0], "cost_to_serve": [29.0, 30.0],
                         "contribution": [-8.0, 18.0], "why": why})
    cols = [Column("client", "Client"), Column("net_revenue", "Revenue", "money"),
            Column("gross_margin", "Margin", "money"), Column("cost_to_serve", "CtS", "money"),
            Column("contribution", "Contribution", "money"), Column("why", "Why")]
    model.tables = {"losers": Table("losers", "Losers", cols, data, "x.parquet")}
    for sec in model.sections:
        sec.tables = []
    model.sections[0].tables = ["losers"]
    page = render_html(model)
    block = page.split('id="tbl-losers"', 1)[1].split("</table>", 1)[0]
    head = block.split("<thead>", 1)[1].split("</thead>", 1)[0]
    assert "Why" not in head and head.count("<th") == 5
    assert block.count('<tbody class="pair">') == 2
    for text in why:
        assert f'<span class="prose-label">Why:</span> {markupsafe.escape(text)}' in block
    heads, rows = _html_tables(page)["tbl-losers"]
    assert "Why" not in heads and heads[0] == "Client"
    assert len(rows) == 2 and rows[1][0] == "Beta"
    res = CheckResult()
    _check_html_tables(page, model, res)
    assert res.problems == [] and res.figures["html"] == 8
    # short texts stay a column: a table of labels is not prose
    data["why"] = ["margin", "discount"]
    page = render_html(model)
    block = page.split('id="tbl-losers"', 1)[1].split("</table>", 1)[0]
    assert "pair" not in block and "<th>Why</th>" in block


def test_column_widths_give_each_figure_its_longest_text_and_the_rest_to_text() -> None:
    """A fixed table layout: the shares add up to the table's width, a figure's column is
    never narrower than its longest figure at the widest digits (it never wraps), text
    columns take the room left over, and a table too wide for the page keeps the automatic
    layout (None)."""
    from kamlib.report.html import _NOWRAP_EM, _PT_MM, _column_widths
    from kamlib.report.model import Column

    cols = [Column("client", "Client"), Column("revenue", "Revenue", "money"),
            Column("share", "Share", "ratio")]
    rows = [["Acme trading house of the north", "1 234 567 890,12 ₽", "12,5%"],
            ["Beta", "9 876,00 ₽", "0,1%"]]
    widths = _column_widths(cols, rows, False, 170.0)
    assert widths is not None and len(widths) == 3
    assert abs(sum(widths) - 100) < 0.05
    longest_mm = len(rows[0][1]) * _NOWRAP_EM * 8.5 * _PT_MM
    assert widths[1] / 100 * 170.0 >= longest_mm
    # the text column takes what the figures leave: more than each of them
    assert widths[0] > widths[1] and widths[0] > widths[2]
    # the same columns on a narrow page: no fixed layout, the browser's measure decides
    assert _column_widths(cols, rows, False, 30.0) is None
    # a table of figures only: the leftover is shared by all columns
    only = _column_widths(cols[1:], [r[1:] for r in rows], True, 100.0)
    assert only is not None and abs(sum(only) - 100) < 0.05


def test_a_table_that_fits_is_rendered_with_a_fixed_layout_and_its_widths() -> None:
    """The HTML carries the widths as a colgroup with the fixed class (no measuring of every
    cell by the PDF engine); the columns' shares add up to 100%."""
    model = tiny_model("en")
    page = render_html(model)
    fixed = re.findall(r'<table class="data[^"]*fixed[^"]*">\s*<colgroup>(.*?)</colgroup>',
                       page, re.S)
    assert fixed, "no table got a fixed layout"
    for group in fixed:
        shares = [float(x) for x in re.findall(r'width: ([0-9.]+)%', group)]
        assert shares and abs(sum(shares) - 100) < 0.1


def test_working_papers_give_each_chart_its_alternative_text(tmp_path: Path, caplog) -> None:
    """The title kamlib.plots.save_and_show puts in the display metadata, else "график" /
    "chart": never nbconvert's placeholder (and its warning per notebook)."""
    from kamlib.engagement import init_engagement

    root = tmp_path / "eng"
    init_engagement(root, client="ООО Ромашка", language="ru")
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 24).decode("ascii")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()", execution_count=1)
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"image/png": png},
                               metadata={"image/png": {"width": 640,
                                                       "alt": 'Кривая «китов» <b>"x"</b>'}}),
        nbformat.v4.new_output("display_data", data={"image/png": png}),
    ]
    nb.cells = [nbformat.v4.new_markdown_cell("# 07 · Графики"), cell]
    (root / "notebooks").mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, root / "notebooks" / "07_charts.ipynb")
    with caplog.at_level("WARNING"):
        [paper, _index] = export_working_papers(root, root / "reports" / "working_papers",
                                                language="ru")
    page = paper.read_text(encoding="utf-8")
    imgs = re.findall(r"<img\b[^>]*>", page)   # (re-serialised by nbconvert's soup)
    alts = [html.unescape(re.search(r"""\balt=(["'])(.*?)\1""", tag).group(2)) for tag in imgs]
    assert alts == ['Кривая «китов» <b>"x"</b>', "график"]
    assert 'width="640"' in imgs[0]
    assert "No description has been provided" not in page
    assert "Alternative text is missing" not in caplog.text
