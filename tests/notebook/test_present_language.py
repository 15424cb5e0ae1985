"""`kam present` pages of a Russian engagement speak Russian (issue 21): the steps' messages
the pages print or display — receivables, assumptions, the alignment workshop, the KPI
scheme, the client teams, the pairs' outcomes and INN statuses counted, the intake's notes
per file, the readiness list, the key clients' portrait, the sizing notes, the payback and
the break-even, the report page — come from the string tables (``templates/i18n/ru/*.yaml``,
the steps' reason codes phrased by :func:`kamlib.i18n.say`) through the presentation copy's
edits (:mod:`kamlib.notebook.present_pages`).

Every page of the VIP lesson (a Russian engagement), the report's included, is prepared,
executed in a kernel and read as the room reads it: markdown cells, displayed markdown and
printed text. Tables are read by tests/notebook/test_present_values.py (codes by labels)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from kamlib.notebook.present import prepare_presentation

#: The Latin words tests/training/test_classroom.py allows on a Russian page (method names,
#: standards, authors, file names), and the currency's ISO code the engagement line shows.
LATIN_OK = {"ABC", "XYZ", "HHI", "KAM", "IFRS", "FTE", "KPI", "ADBUDG", "HiGHS", "OOO",
            "Romashka", "McDonald", "Woodburn", "Marn", "Rosiello", "Kaplan", "Cooper",
            "Narayanan", "Keiningham", "Storbacka", "Gupta", "Lehmann", "Talley", "Sherman",
            "Sperry", "Reese", "Zoltners", "Sinha", "Lorimer", "Little", "CRM", "r", "i", "k",
            "Excel", "VIP", "USP"} | {"RUB"} | {"HoReCa"}  # a channel of the lesson's data

def _latin_words(text: str) -> set[str]:
    text = re.sub(r"`[^`]*`", " ", text)  # code: file and column names
    text = re.sub(r"«[^»]*»|\"[^\"]*\"", " ", text)  # names the data bring
    text = re.sub(r"\b[a-z_]+(?:\.[a-z_]+)+\b", " ", text)  # a setting: sizing.travel_per_kam
    return set(re.findall(r"[A-Za-z][A-Za-z]+|\b[A-Za-z]\b", text)) - LATIN_OK


def _what_the_room_reads(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell id, text) of the markdown cells, displayed markdown and printed text."""
    out = []
    for c in nb.cells:
        if c.cell_type == "markdown":
            out.append((c.get("id", ""), c.source))
            continue
        for o in c.get("outputs", []):
            if o.output_type == "stream":
                out.append((c.get("id", ""), o.text))
            elif o.output_type == "error":
                raise AssertionError(f"cell {c.get('id')}: {o.ename}: {o.evalue}")
            elif "text/markdown" in o.get("data", {}):
                out.append((c.get("id", ""), o["data"]["text/markdown"]))
    return out


@pytest.fixture(scope="module")
def vip_pages(tmp_path_factory) -> dict[str, nbformat.NotebookNode]:
    """The VIP lesson run through steps 0–4 and the pages of steps 0–5 prepared (trainer mode, all
    conclusions shown) and executed (05: the report, built from the run's artefacts)."""
    from nbclient import NotebookClient

    from kamlib.notebook.explore import demo_engagement

    base = tmp_path_factory.mktemp("present_ru")
    root = demo_engagement("training_vip", into=base / "vip")
    out = prepare_presentation(root, out_dir=base / "pages")
    pages = {}
    for path in sorted(Path(out).glob("0[0-5]_*.ipynb")):  # the steps and the report
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        pages[path.stem] = nb
    return pages


@pytest.mark.slow
def test_russian_pages_carry_no_english_words(vip_pages) -> None:
    assert len(vip_pages) == 6
    found = {}
    for name, nb in vip_pages.items():
        for cid, text in _what_the_room_reads(nb):
            words = _latin_words(text)
            if words:
                found[f"{name}:{cid}"] = (sorted(words)[:12], text[:200])
    assert not found, found


@pytest.mark.slow
def test_the_steps_messages_are_in_russian(vip_pages) -> None:
    """The messages routed through the string tables, with the run's own figures."""
    text = {cid: t for nb in vip_pages.values() for cid, t in _what_the_room_reads(nb)}
    cash = text["0ac78c98"]
    assert "просрочено" in cash and "дней до оплаты" in cash and "open at" not in cash
    assert "с НДС" in cash and "with VAT" not in cash
    kpi = text["e1a2f9d5"]
    assert "переменная часть при выполнении плана — 30\u00a0% целевого дохода KAM" in kpi
    assert "веса KPI — вклад 35\u00a0%, рост 30\u00a0%, отношения 20\u00a0%, деньги 15\u00a0%" \
        in kpi
    assert "выплата — 0 ниже 80\u00a0% плана, не более 150\u00a0% начиная с 120\u00a0% плана" \
        in kpi
    team = text["ea5ce787"]
    assert "руководитель KAM — " in team and "(из таблицы команды)" in team
    assert "стоимость поддержки в год — 1\u00a0705\u00a0252" in team
    assert "стоимость программы — 11\u00a0895\u00a0780 без поддержки; 13\u00a0601\u00a0032 с " \
        "поддержкой" in team
    assumptions = text["65d3f24c"]
    assert assumptions.startswith("*Допущение: ") and "Assumption" not in assumptions
    assert "Семинар по внутренней согласованности ещё впереди" in text["alignment-workshop"]
    # the pairs' outcomes and INN statuses counted on the cleanup page, by their Russian names
    outcomes = text["4f175755"]
    assert re.search(r"^слиты +\d+$", outcomes, re.M) and "merged" not in outcomes
    assert re.search(r"^корректный +\d+$", text["eeb07e6a"], re.M)


@pytest.mark.slow
def test_the_steps_own_notes_are_in_russian(vip_pages) -> None:
    """The notes the steps record as reason codes, phrased on the page with the run's figures."""
    read = [(cid, t) for nb in vip_pages.values() for cid, t in _what_the_room_reads(nb)]
    text = {cid: "\n".join(t for c, t in read if c == cid) for cid, _ in read}
    intake = text["a394ef7f"]
    assert "Примечание: чистая выручка = «Сумма с НДС» минус «НДС»" in intake
    assert "→ Код контрагента" in intake and "client_id" not in intake
    assert "net revenue" not in intake
    ready = text["feeedba1"]
    assert "**доходность и концентрация на уровне групп (холдингов) (шаги 1–2)**" in ready
    portrait = text["2f7a18c5"]
    assert re.search(r"Размерная группа «XL»: у ключевых клиентов в [\d,]+ раза чаще", portrait)
    assert re.search(r"Выручка: медиана у ключевых клиентов — [\d,]+ × медианы остальных",
                     portrait)
    notes = text["efd20b73"]
    assert re.search(r"рыночная стоимость KAM — по таблице команды: медиана годовой стоимости "
                     r"\d+ сотрудник", notes)
    assert "охватывают 2,0 года" in notes and "market cost" not in notes
    money = "[\\d,]+\u00a0млн\u00a0₽"
    economics = text["b4c0a004"]
    assert re.search(f"Чтобы окупить {money} в год, ключевые клиенты должны увеличить выручку "
                     f"на {money} \\([\\d,]+\u00a0%\\)", economics)
    assert re.search(f"ожидаемый прирост {money} — (лишь )?[\\d,]+\u00a0% от точки "
                     "безубыточности: команда (не )?окупается", economics)
    # the report page: its title line and what was produced
    title = text["41d4dc57"]
    assert "language" not in title and "Аудит работы с ключевыми клиентами" in title
    assert re.search(r"^Выпущено материалов: \d+; рабочих документов: \d+$", text["f26064f3"],
                     re.M)


#: The data a table of pages 00–02 may show in Latin letters: the lesson's file names and
#: their extensions, the file hashes (hex), the clients' transliterated names and name keys
#: (the matching's keys are Latin by design), the channel the data bring (``HoReCa``).
TABLE_DATA_OK = {"xlsx", "csv", "SHA", "HoReCa", "Novator", "Peresvet", "Zhemchug", "ermakova"}


def _table_texts(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(cell id, text) of every displayed HTML table, tags and styles removed."""
    import html

    out = []
    for c in nb.cells:
        for o in c.get("outputs", []):
            h = o.get("data", {}).get("text/html")
            if not h or "<table" not in h or "data:image" in h:
                continue
            h = re.sub(r"<style.*?</style>", " ", h, flags=re.S)
            out.append((c.get("id", ""), html.unescape(re.sub(r"<[^>]+>", " ", h))))
    return out


@pytest.mark.slow
def test_the_tables_of_pages_00_to_02_are_in_russian(vip_pages) -> None:
    """The tables of the intake, cleanup and profitability pages (issue 21): codes by their
    labels, the steps' reasons phrased from their codes, column ids by their labels; only the
    data keep Latin letters (file names, hashes, transliterated names, initials)."""
    found = {}
    pages = {k: v for k, v in vip_pages.items() if k[:2] in ("00", "01", "02")}
    assert len(pages) == 3
    for name, nb in pages.items():
        for cid, text in _table_texts(nb):
            text = re.sub(r"\b[0-9a-f]{12}\b", " ", text)        # a file's hash prefix
            words = set(re.findall(r"[A-Za-z][A-Za-z_]+", text)) - LATIN_OK - TABLE_DATA_OK
            # a transliterated person's initials (``ermakova u a``, ``ep``, ``ap``)
            words = {w for w in words if len(w) > 2}
            if words:
                found[f"{name}:{cid}"] = sorted(words)[:12]
    assert not found, found
    tables = {cid: t for nb in pages.values() for cid, t in _table_texts(nb)}
    assert "Код номенклатуры" in tables["c69b23c5"] and "product_id" not in tables["c69b23c5"]
    assert "справочник контрагентов: Отсрочка платежа, дней" in tables["feeedba1"]
    assert "контрольная цифра ИНН неверна" in tables["e92d955a"]
    assert re.search(r"нет заказов \d+ дн\. — в [\d,]+ раза дольше", tables["72373879"])
    assert "ИНН отличаются одной цифрой" in tables["d254b2fa"]
    assert "Срок не наступил" in tables["0ac78c98"]
    assert re.search(r"скидки [\d,]+\u00a0% от прайса", tables["9a17970f"])
    assert "затраты на обслуживание распределены по заказам" in tables["3b927fd2"]


#: Latin words a Russian page's tables may show beyond :data:`LATIN_OK`: the methods' and
#: the metrics' names and their authors (CLV, DSO, NPS, P&L; Talley, Sherman et al.), the
#: RACI matrix's letters and the deliverables' formats.
TABLE_LATIN_OK = LATIN_OK | {"CLV", "DSO", "NPS", "P", "L", "Talley", "et", "al", "Millman",
                             "Rogers", "Reichheld", "R", "A", "C", "I",
                             "html", "pdf", "xlsx", "pptx"}


def _table_words(html_text: str) -> set[str]:
    """The Latin words of an HTML table as the room reads it (tags, styles, file names and
    the data's own quoted names left out)."""
    import html as html_lib

    text = re.sub(r"<style.*?</style>", " ", html_text, flags=re.S)
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"\S+\.(?:html|pdf|xlsx|pptx|json|csv)\b", " ", text)  # a file's name
    text = re.sub(r"«[^»]*»", " ", text)  # names the data bring
    return set(re.findall(r"[A-Za-z][A-Za-z_]+|\b[A-Za-z]\b", text)) - TABLE_LATIN_OK


@pytest.mark.slow
def test_russian_pages_tables_carry_no_english_words(vip_pages) -> None:
    """The tables of the key clients', the team's and the report's pages (03–05): codes by
    their labels, the steps' decisions phrased from their reason codes, columns named."""
    found = {}
    for name, nb in vip_pages.items():
        if name[:2] not in ("03", "04", "05"):
            continue
        for c in nb.cells:
            for o in c.get("outputs", []):
                table = o.get("data", {}).get("text/html")
                if not table or "data:image" in table:
                    continue
                words = _table_words(table)
                if words:
                    found[f"{name}:{c.get('id')}"] = sorted(words)[:15]
    assert not found, found
    tables = [o["data"]["text/html"] for nb in vip_pages.values() for c in nb.cells
              for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
    assert any("Нормирование нагрузки (Talley 1961)" in t for t in tables)  # a method's label
    assert any("распоряжается бюджетом" in t for t in tables)  # a buying role's label
