"""The report as a consultant writes it (kamlib.report.story): the executive summary ranked by
money at stake, recommendations with owner / horizon / money, the consultant's homework apart,
DRAFT while review items are open and FINAL when none are — read back from the rendered
deliverables (PDF pages, slides, workbook cover) of the demo engagement."""

from __future__ import annotations

import copy
import json
import re

import pytest

from kamlib.report.build import build_model, load_artefacts
from kamlib.report.figcheck import _pdf_text, check_deliverables
from kamlib.report.html import write_html, write_pdf
from kamlib.report.pptx import write_pptx
from kamlib.report.story import HORIZONS, OWNERS
from kamlib.report.xlsx import write_xlsx

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def art(demo_ru_run):
    return load_artefacts(demo_ru_run)


@pytest.fixture(scope="module")
def models(demo_ru_run, art):
    return {lang: build_model(demo_ru_run, lang, artefacts=art) for lang in ("ru", "en")}


@pytest.fixture(scope="module")
def rendered(models, tmp_path_factory):
    """Every deliverable of the demo in both languages (rendered once for the module)."""
    out = tmp_path_factory.mktemp("story")
    files = {}
    for lang, m in models.items():
        files[lang] = {"html": write_html(m, out / f"r_{lang}.html"),
                       "pdf": write_pdf(m, out / f"r_{lang}.pdf"),
                       "pptx": write_pptx(m, out / f"r_{lang}.pptx"),
                       "xlsx": write_xlsx(m, out / f"r_{lang}.xlsx")}
    return files


def _summary(root, folder):
    return json.loads((root / "work" / folder / "summary.json").read_text(encoding="utf-8"))


def _slides(path):
    from pptx import Presentation

    out = []
    for slide in Presentation(str(path)).slides:
        title = slide.shapes.title.text_frame.text if slide.shapes.title is not None else ""
        body = "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        out.append((title, body))
    return out


def _pages(path):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


# --------------------------------------------------------------------------- the model


def test_summary_ranked_by_money_read_from_the_summaries(models, demo_ru_run) -> None:
    m = models["ru"]
    assert 3 <= len(m.summary) <= 5
    stakes = [x.at_stake for x in m.summary]
    assert stakes == sorted(stakes, reverse=True)
    s2 = _summary(demo_ru_run, "02_profitability")
    s3 = _summary(demo_ru_run, "03_key_client_profile")
    s4 = _summary(demo_ru_run, "04_kam_team_sizing")
    by_key = {x.key: x for x in m.summary}
    # each message's money is the step's own figure (typed money: amount and currency)
    assert by_key["dependency"].at_stake == pytest.approx(
        s2["dependency"]["largest"][0]["contribution_lost_year"])
    assert by_key["vip"].at_stake == pytest.approx(abs(s3["vip"]["loss"]))
    assert by_key["cost_to_serve"].at_stake == pytest.approx(s4["tiers"]["saving"])
    be = s4["business_case"]["break_even"]["break_even_sales"]
    assert by_key["programme"].at_stake == pytest.approx(float(be["amount"]))
    for x in m.summary:
        assert x.fact.kind == "money_short" and "/summary.json#" in x.fact.source
        assert x.fact.display in x.sentence and x.title and x.fact.display in x.title
        assert x.meaning and "₽" in x.fact.display


def test_every_recommendation_has_owner_horizon_money_and_finding(models) -> None:
    for m in models.values():
        assert len(m.actions) >= 4
        findings = {f.key for f in m.findings}
        for a in m.actions:
            assert a.owner in OWNERS and a.owner_label and a.owner_label != a.owner
            assert a.horizon in HORIZONS and a.horizon_label
            assert a.money is not None and a.money.display in a.text
            assert a.answers in findings, (a.key, a.answers)
        money = [abs(float(a.money.value if not isinstance(a.money.value, dict)
                           else a.money.value["amount"])) for a in m.actions]
        assert money == sorted(money, reverse=True)
        # the client's list is the recommendations section, without the consultant's homework
        rec = next(s for s in m.sections if s.key == "recommendations")
        assert rec.bullets == [a.text for a in m.actions]


def test_homework_apart_and_draft_while_review_items_open(models, demo_ru_run) -> None:
    m = models["ru"]
    s1 = _summary(demo_ru_run, "01_client_base_cleanup")
    assert s1["to_review"] > 0                           # the demo has undecided pairs
    assert not m.final and m.status_label == "ЧЕРНОВИК"
    keys = [r.key for r in m.review]
    assert "duplicates" in keys and m.review[keys.index("duplicates")].count == s1["to_review"]
    assert all(r.text in m.homework for r in m.review)
    assert not any("дубл" in a.text for a in m.actions)  # homework never a client's action
    assert models["en"].status_label == "DRAFT"


def test_final_when_no_review_item_is_open(demo_ru_run, art) -> None:
    closed = copy.deepcopy(art)
    closed.summaries["01"]["to_review"] = 0
    closed.summaries["03"]["to_assess_count"] = 0
    closed.summaries["03"]["to_assess"] = []
    closed.summaries["02"]["cost_to_serve_by_source"] = {
        k: v for k, v in closed.summaries["02"]["cost_to_serve_by_source"].items()
        if k != "default_rate"}
    m = build_model(demo_ru_run, "ru", artefacts=closed)
    assert m.final and m.review == [] and m.status_label == "ИТОГОВАЯ ВЕРСИЯ"
    # one open item is enough for a draft
    closed.summaries["03"]["to_assess_count"] = 2
    m = build_model(demo_ru_run, "en", artefacts=closed)
    assert not m.final and [r.key for r in m.review] == ["to_assess"]
    assert "Assess 2 long-list clients" in m.review[0].text


# --------------------------------------------------------------------------- read back


def test_pdf_pages_draft_order_and_summary(models, rendered) -> None:
    for lang, m in models.items():
        pages = _pages(rendered[lang]["pdf"])
        status = m.status_label
        assert status in pages[0]                                  # the title page
        assert all(status in p for p in pages[1:]), lang           # every page's header
        text = _flat("\n".join(pages)).casefold()       # minor headings print in capitals
        order = [m.t("story.summary_title"), m.t("html.exec.title"),
                 *(s.title for s in m.sections if s.key != "recommendations"),
                 m.t("story.homework_title")]
        body = text[text.index(_flat(pages[2])[:40].casefold()):]  # after the contents
        at, start = [], 0
        for x in order:                      # each heading after the one before it
            start = body.find(_flat(x).casefold(), start)
            at.append(start)
            assert start >= 0, (x, dict(zip(order, at, strict=False)))
        summary_page = _flat(next(p for p in pages[2:] if m.t("story.summary_title") in p))
        for x in m.summary:                                        # on one page, in rank
            assert _flat(x.fact.display) in summary_page
        pos = [summary_page.find(_flat(x.sentence[:30])) for x in m.summary]
        assert all(p >= 0 for p in pos) and pos == sorted(pos)
        for a in m.actions:                                        # owner and horizon shown
            assert _flat(a.owner_label).casefold() in text
            assert _flat(a.money.display).casefold() in text
        for h in m.homework:
            assert _flat(h)[:40].casefold() in text


def test_deck_and_workbook_mark_draft_and_lead_with_the_summary(models, rendered) -> None:
    from openpyxl import load_workbook

    for lang, m in models.items():
        slides = _slides(rendered[lang]["pptx"])
        assert m.status_label in slides[0][1]                      # the title slide
        assert slides[1][0] == m.summary[0].title                  # an action title …
        assert m.summary[0].fact.display in slides[1][0]           # … with its figure
        titles = [t for t, _ in slides]
        rec = titles.index(next(s.title for s in m.sections if s.key == "recommendations"))
        assert titles[rec + 1] == m.t("story.homework_title")
        assert all(a.owner_label in slides[rec][1] for a in m.actions[:8])
        wb = load_workbook(rendered[lang]["xlsx"], read_only=True)
        cover = [str(c) for row in wb.worksheets[0].iter_rows(values_only=True)
                 for c in row if c is not None]
        assert m.status_label in cover
        assert m.t("story.homework_title") in cover
        # exact money in the workbook: the message's amount, not the shortened text
        numbers = {round(float(c), 2) for row in wb.worksheets[0].iter_rows(values_only=True)
                   for c in row if isinstance(c, int | float)}
        for x in m.summary:
            v = x.fact.value["amount"] if isinstance(x.fact.value, dict) else x.fact.value
            assert round(float(v), 2) in numbers


_LATIN = re.compile(r"\b[A-Za-z]{3,}\b")
_CYRILLIC = re.compile(r"[А-Яа-яЁё]{3,}")


def _client_words(art) -> set[str]:
    """Words of the clients' names (data, in whatever script they were written)."""
    names = art.tables["client_pnl"]["entity_name"].dropna().astype(str)
    return {w for n in names for w in _CYRILLIC.findall(n)} | {"ООО", "АО", "ПАО", "ИП"}


def test_storyline_in_one_language(models, art) -> None:
    ru, en = models["ru"], models["en"]
    for x in [*ru.summary, *ru.actions]:
        text = x.sentence + " " + x.meaning if hasattr(x, "sentence") else x.text
        assert not (set(_LATIN.findall(text)) - {"KAM", "VIP"}), text
    for line in [*ru.homework, *(a.owner_label for a in ru.actions),
                 *(a.horizon_label for a in ru.actions)]:
        assert not (set(_LATIN.findall(line.replace("review/duplicates.xlsx", "")))
                    - {"KAM"}), line
    names = _client_words(art)
    for x in [*en.summary, *en.actions]:
        text = x.sentence + " " + x.meaning if hasattr(x, "sentence") else x.text
        assert not (set(_CYRILLIC.findall(text)) - names), text
    for m in (ru, en):
        for x in [*m.summary, *m.actions]:
            text = x.sentence if hasattr(x, "sentence") else x.text
            assert "story." not in text and "{" not in text and "_" not in text


def test_russian_numbers_agree_with_nouns(models) -> None:
    ru = models["ru"]
    text = " ".join(x.sentence for x in ru.summary) + " " + " ".join(ru.homework)
    assert "1 клиент теряет" in _flat(text)
    assert not re.search(r"\b1 клиентов\b|\b5 пары\b|\b(?:2|3|4) клиентов теряет", _flat(text))


def test_figure_check_reads_the_storyline_back(models, art, rendered) -> None:
    for lang, m in models.items():
        res = check_deliverables(m, art, rendered[lang])
        story = [p for p in res.problems
                 if any(w in str(p) for w in ("message", "recommendation", "title"))]
        assert not story, story
    assert _pdf_text(rendered["ru"]["pdf"])


def test_nothing_runs_off_the_pdf_pages(rendered) -> None:
    """Every character of every page lies inside the page (read from the rendered PDF)."""
    import pypdfium2 as pdfium

    for lang in ("ru", "en"):
        pdf = pdfium.PdfDocument(str(rendered[lang]["pdf"]))
        try:
            off = []
            for i in range(len(pdf)):
                page = pdf[i]
                width, height = page.get_size()
                tp = page.get_textpage()
                for j in range(tp.count_chars()):
                    left, bottom, right, top = tp.get_charbox(j)
                    if right > width + 0.5 or left < -0.5 or bottom < -0.5 or top > height + 0.5:
                        off.append((i + 1, tp.get_text_range(j, 1)))
                        break
            assert not off, (lang, off[:5])
        finally:
            pdf.close()
