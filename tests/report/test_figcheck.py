"""The figure check: every figure of every deliverable read back and compared with its fact.

The deliverables of demo_ru (ru and en: HTML, PDF, XLSX, PPTX), demo_en and each training case
(HTML, XLSX, PPTX in the case's language) are rendered and read back by
:mod:`kamlib.report.figcheck`; none may hold a figure that disagrees with its artefact. Then
each class of defect a reviewer found is planted into a model or a file, and the check must
catch it (a check that cannot fail proves nothing).
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import ClassVar

import openpyxl
import pandas as pd
import pytest

from kamlib.report import build_model
from kamlib.report.build import load_artefacts
from kamlib.report.figcheck import CheckResult, check_deliverables, parse_number
from kamlib.report.html import render_html, write_pdf
from kamlib.report.pptx import write_pptx
from kamlib.report.xlsx import write_xlsx


def _render(model, folder: Path, formats=("html", "xlsx", "pptx")) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    html = render_html(model)
    if "html" in formats:
        files["html"] = folder / "r.html"
        files["html"].write_text(html, encoding="utf-8")
    if "pdf" in formats:
        files["pdf"] = folder / "r.pdf"
        write_pdf(html, files["pdf"])
    if "xlsx" in formats:
        files["xlsx"] = folder / "r.xlsx"
        write_xlsx(model, files["xlsx"])
    if "pptx" in formats:
        files["pptx"] = folder / "r.pptx"
        write_pptx(model, files["pptx"])
    return files


@pytest.fixture
def demo_ru_rendered(demo_ru_models, demo_ru_artefacts, demo_ru_deliverables) -> dict[str, tuple]:
    """demo_ru's model, artefacts and deliverables per language (rendered once a session)."""
    return {lang: (demo_ru_models[lang], demo_ru_artefacts, demo_ru_deliverables[lang])
            for lang in ("ru", "en")}


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_demo_ru_deliverables_agree_with_the_artefacts(demo_ru_checked, lang: str) -> None:
    res = demo_ru_checked[lang]
    print(f"figure check demo_ru/{lang}: figures read {res.figures}")
    assert not res.problems, "\n".join(map(str, res.problems[:20]))
    # every deliverable was actually read, figure by figure
    assert res.figures["xlsx"] > 50_000 and res.figures["html"] > 300
    assert res.figures["pptx"] > 300 and res.figures.get("pdf", 0) > 50
    assert res.figures["model"] > 50_000


def test_demo_en_deliverables_agree_with_the_artefacts(tmp_path: Path) -> None:
    from kamlib.notebook.explore import demo_engagement

    root = demo_engagement("demo_en", into=tmp_path / "en")
    art = load_artefacts(root)
    model = build_model(root, "en", artefacts=art)
    assert model.currency != "RUB"
    res = check_deliverables(model, art, _render(model, tmp_path / "out"))
    print(f"figure check demo_en/en: figures read {res.figures}")
    assert not res.problems, "\n".join(map(str, res.problems[:20]))


@pytest.mark.parametrize("lesson", ["vip", "top3", "holding", "single_contact", "overstaffed",
                                    "capstone", "channels", "teams"])
def test_training_case_deliverables_agree(training_runs: dict[str, Path], lesson: str,
                                         tmp_path: Path) -> None:
    root = training_runs[lesson]
    art = load_artefacts(root)
    model = build_model(root, "ru", artefacts=art)
    res = check_deliverables(model, art, _render(model, tmp_path))
    print(f"figure check training_{lesson}/ru: figures read {res.figures}")
    assert not res.problems, "\n".join(map(str, res.problems[:20]))


# --------------------------------------------------------------------------- the check can fail


def _problems(model, art, files) -> list[str]:
    return [str(p) for p in check_deliverables(model, art, files).problems]


def test_parse_number_reads_both_styles() -> None:
    assert parse_number("1\u00a0234\u00a0567,89\u00a0₽", "ru") == pytest.approx(1234567.89)
    assert parse_number("RUB\u00a01,234,567.89", "en") == pytest.approx(1234567.89)
    assert parse_number("40,0\u00a0%", "ru") == pytest.approx(40.0)
    assert parse_number("−3,85\u00a0млрд\u00a0₽", "ru") == pytest.approx(-3.85e9)
    assert parse_number("GBP\u00a03.2m", "en") == pytest.approx(3.2e6)
    assert parse_number("—", "ru") is None


def test_catches_a_ratio_shown_100_times_too_small(demo_ru_rendered) -> None:
    """Defect 1: a percentage column divided by 100 (a unit guessed)."""
    model, art, _ = demo_ru_rendered["ru"]
    bad = copy.copy(model)
    bad.tables = dict(model.tables)
    t = copy.copy(model.tables["client_pnl"])
    t.data = t.data.assign(contribution_pct=t.data["contribution_pct"] / 100)
    bad.tables["client_pnl"] = t
    found = _problems(bad, art, {})
    assert any("client_pnl" in p and "contribution_pct" in p for p in found), found


def test_catches_input_money_summed_across_columns(demo_ru_rendered) -> None:
    """Defect 2: "money accepted" of a file as the sum of all its money columns."""
    model, art, _ = demo_ru_rendered["ru"]
    bad = copy.copy(model)
    bad.tables = dict(model.tables)
    t = copy.copy(model.tables["inputs"])
    files = (art.manifest.get("inputs") or {}).get("files", [])
    summed = [sum(float(v.get("accepted") or 0) for v in (f.get("money") or {}).values())
              for f in files]
    t.data = t.data.assign(money_accepted=summed)
    bad.tables["inputs"] = t
    assert any("money accepted" in p for p in _problems(bad, art, {}))


def test_catches_float_leftovers_and_wrong_cells_in_the_workbook(demo_ru_rendered,
                                                                  tmp_path: Path) -> None:
    """Defect 9: money cells holding 9750099.030000001; and a cell that is not the fact."""
    model, art, files = demo_ru_rendered["ru"]
    path = tmp_path / "bad.xlsx"
    shutil.copy(files["xlsx"], path)
    wb = openpyxl.load_workbook(path)
    ws = wb[model.tables["client_pnl"].sheet]
    header = [c.value for c in ws[4]]
    j = header.index(next(c.label for c in model.tables["client_pnl"].columns
                          if c.key == "net_revenue")) + 1
    ws.cell(row=5, column=j).value = float(ws.cell(row=5, column=j).value) + 0.000003
    wb.save(path)
    found = _problems(model, art, {"xlsx": path})
    assert any("minor unit" in p or "net_revenue" in p for p in found), found


def test_catches_a_figure_printed_wrong_in_the_html(demo_ru_rendered, tmp_path: Path) -> None:
    model, art, files = demo_ru_rendered["ru"]
    text = files["html"].read_text(encoding="utf-8")
    fact = next(f for s in model.sections for f in s.facts if f.key == "net_revenue")
    assert fact.display in text
    path = tmp_path / "bad.html"
    path.write_text(text.replace(fact.display, "1\u00a0000,00\u00a0₽"), encoding="utf-8")
    found = _problems(model, art, {"html": path})
    assert any("net_revenue" in p for p in found), found


def test_catches_another_currency_english_words_and_plural_errors() -> None:
    from kamlib.report.figcheck import _check_currency, _check_language

    class M:  # the parts of a model the text checks read
        currency, language, client, tables, methods, charts = "GBP", "en", "Acme", {}, [], {}

        class provenance:  # noqa: N801
            parameters: ClassVar[dict] = {}

    res = CheckResult()
    _check_currency("html", "5 KAMs cost 24,9 млн ₽ a year", M, res)
    _check_language("html", "All 1 rows are in the workbook; 1 key clients", M, res)
    M.language = "ru"
    _check_language("html", "Ключевых клиентов: 5; contribution_margin_pct, Client company", M,
                    res)
    _check_language("html", "маржа 4.3% выше", M, res)
    text = "\n".join(map(str, res.problems))
    assert "currency" in text and "₽" in text
    assert "does not agree" in text
    assert "internal keys" in text and "contribution_margin_pct" in text
    assert "English words" in text and "Client" in text
    assert "decimal point" in text


def test_catches_a_deck_matrix_that_is_a_plain_scatter(demo_ru_rendered, tmp_path: Path) -> None:
    """Defect 8: the deck's portfolio matrix without the quadrants its caption promises."""
    model, art, _ = demo_ru_rendered["ru"]
    bad = copy.copy(model)
    bad.charts = dict(model.charts)
    c = copy.copy(model.charts["portfolio_matrix"])
    c.group, c.threshold = None, None
    bad.charts["portfolio_matrix"] = c
    path = tmp_path / "bad.pptx"
    write_pptx(bad, path)
    found = _problems(bad, art, {"pptx": path})
    assert any("portfolio matrix" in p for p in found), found


def test_catches_summary_lists_that_disagree_with_their_tables(demo_ru_run: Path,
                                                               tmp_path: Path) -> None:
    """Defects 5 and 7: the single-point count and the reason a client is not key."""
    root = tmp_path / "e"
    shutil.copytree(demo_ru_run, root)
    path = root / "work" / "03_key_client_profile" / "summary.json"
    s = json.loads(path.read_text("utf-8"))
    s["single_point_of_contact"] = s["single_point_of_contact"] + s["no_contacts_recorded"]
    not_key = [b for b in s["big_not_key"] if b["reason"]["code"] != "not_on_long_list"
               and b["reason"]["code"] != "not_active"]
    assert not_key, "demo_ru has big clients on the long list that are not key"
    not_key[0]["reason"] = {"code": "not_on_long_list", "args": {}}
    path.write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
    art = load_artefacts(root)
    model = build_model(root, "ru", artefacts=art)
    found = _problems(model, art, {})
    if s["no_contacts_recorded"]:
        assert any("single point" in p for p in found), found
    assert any("is not key" in p for p in found), found


def test_ratio_columns_are_never_guessed(demo_ru_run: Path, tmp_path: Path) -> None:
    """A client whose margin is −300 % must not turn every other margin 100× smaller."""
    root = tmp_path / "e"
    shutil.copytree(demo_ru_run, root)
    path = root / "work" / "02_profitability" / "client_pnl.parquet"
    pnl = pd.read_parquet(path)
    pnl.loc[pnl.index[-1], "contribution_pct"] = -3.0
    pnl.to_parquet(path)
    model = build_model(root, "ru")
    shown = model.tables["client_pnl"].data.set_index("entity_id")["contribution_pct"]
    ref = pnl.set_index("entity_id")["contribution_pct"]
    assert shown.reindex(ref.index).round(12).equals(ref.round(12))
