"""The intake's notes per file as reason codes, phrased in the engagement's language on the
presentation pages; the English notes of the manifest are unchanged (issue 21)."""

from __future__ import annotations

from dataclasses import asdict

from kamlib.intake.results import FileReport
from kamlib.notebook import present_view as view
from tests.helpers import ingested

CLIENTS = "Код;Наименование;ИНН\r\nK1;ООО «Альфа»;7707083893\r\nK2;ИП Петров П.П.;\r\n"


def _notes(make_engagement, sales: str, name: str = "sales.csv") -> dict:
    r = ingested(make_engagement, {"clients.csv": CLIENTS, name: sales})
    return asdict(next(f for f in r.files if f.file == name))


def test_net_revenue_note_in_english_and_russian(make_engagement) -> None:
    f = _notes(make_engagement, "Дата;Документ;Код контрагента;Сумма с НДС;НДС\r\n"
                                "01.02.2024;Д1;K1;1\u00a0200,00;200,00\r\n")
    assert "net revenue = 'Сумма с НДС' minus 'НДС'" in f["notes"]     # as before
    assert {"code": "note_net_gross_minus_vat",
            "args": {"gross": "Сумма с НДС", "vat": "НДС"}} in f["note_reasons"]
    view.setup("ru")
    assert "чистая выручка = «Сумма с НДС» минус «НДС»" in view.file_notes(f)
    view.setup("en")
    assert view.file_notes(f) == f["notes"]


def test_amount_from_price_and_a_note_without_a_code(make_engagement) -> None:
    f = _notes(make_engagement, "Дата;Документ;Код контрагента;Количество;Цена\r\n"
                                "01.02.2024;Д1;K1;2;600,00\r\n")
    assert ("amount computed per line as 'Количество' × 'Цена' (the file has no amount "
            "column), exactly, rounded to the kopeck half away from zero") in f["notes"]
    f["notes"].append("a note of a reader with no code yet")
    view.setup("ru")
    ru = view.file_notes(f)
    assert ("сумма посчитана по каждой строке как «Количество» × «Цена» (в файле нет столбца "
            "суммы) — точно, с округлением до копейки от нуля") in ru
    assert ru[-1] == "a note of a reader with no code yet"        # kept, in its place
    assert len(ru) == len(f["notes"])
    view.setup("en")


def test_file_report_note_and_field_labels() -> None:
    rep = FileReport("x.csv")
    rep.note("note_net_by_default_rate", gross="Сумма", vat_share=0.2)
    assert rep.notes == ["net revenue = 'Сумма' ÷ (1 + 20.0%) (the VAT rate of engagement.yaml)"]
    view.setup("ru")
    assert view.file_notes(asdict(rep)) == [
        "чистая выручка = «Сумма» ÷ (1 + 20,0\u00a0%) (ставка НДС из engagement.yaml)"]
    assert view.field("payments", "due_date") == "Срок оплаты"
    assert view.field("nothing", "net_revenue") == "Чистая выручка"   # columns.yaml
    assert view.field("nothing", "no_such_column") == "no_such_column"
    view.setup("en")
    assert view.field("payments", "due_date") == "Due date"


def test_phrase_notes_of_a_report_or_its_manifest_entry() -> None:
    from kamlib.intake.results import phrase_notes

    rep = FileReport("x.csv")
    rep.note("note_header_only")
    rep.notes.append("an uncoded note")
    assert phrase_notes(rep, "ru") == ["в файле есть заголовок, но нет строк данных",
                                       "an uncoded note"]
    assert phrase_notes(asdict(rep), "en") == rep.notes


def test_report_form_notes_in_russian_with_their_figures() -> None:
    from kamlib.intake.results import phrase_notes

    rep = FileReport("form.xlsx")
    rep.note("note_footer_points_match", said=3, got=3)
    rep.note("note_group_rows_bad", n=4, bad_n=1, rows="Сети")
    rep.note("note_period_rows", start="2025-10-01", end="2025-12-31")
    assert rep.notes[0] == "the footer's 3 trade point(s) are the 3 delivery points of the rows"
    assert rep.notes[1] == ("4 group row(s) recognised and not loaded (their amounts are "
                            "subtotals); 1 of them do not equal the sum of their rows: Сети")
    ru = phrase_notes(rep, "ru")
    assert ru[0] == "торговых точек в подвале — 3: это те же 3 точки доставки, что и в строках"
    assert ru[1].endswith("из них не равны сумме своих строк — 1: Сети")
    assert "итоги за период 2025-10-01 … 2025-12-31 (из заголовка)" in ru[2]


def test_unknown_clients_warning_in_english_as_before_and_in_russian(make_engagement) -> None:
    """'ООО Гамма' is not in the catalogue: 1 client, 1 row, 5.00 net revenue."""
    sales = ("Дата;Документ;Покупатель;Сумма без НДС\r\n"
             "01.02.2024;Д1;ООО \"Альфа\";100,00\r\n"
             "03.02.2024;Д4;ООО Гамма;5,00\r\n")
    r = ingested(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    assert "sales: 1 client(s) are not in the client catalogue (1 rows, 5.00 net revenue), " \
           "e.g. 'ООО Гамма'; added to clients with origin=transactions. Ask the client for " \
           "the complete catalogue, or set intake.unknown_clients: reject." in r.warnings
    m = r.manifest()
    assert len(m["warning_reasons"]) == len(m["warnings"])
    view.setup("ru")
    ru = view.intake_warnings(m)
    assert ("продажи (строки документов): клиентов нет в справочнике: 1 (строк: 1, чистая "
            "выручка 5,00\u00a0₽), например «ООО Гамма»; они добавлены в справочник с "
            "пометкой «из продаж»") in " ".join(ru)
    view.setup("en")
    assert view.intake_warnings(m) == m["warnings"]


def test_the_readers_notes_are_reason_codes(make_engagement) -> None:
    """What the reader did with a file (NUL padding dropped, an HTML table saved as .xls)
    is a reason code: English in the manifest, Russian on a Russian page."""
    sales = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
             "01.02.2024;Д1;K1;1200,00\r\n").encode("cp1251") + b"\x00" * 512
    r = ingested(make_engagement, {"clients.csv": CLIENTS, "sales.csv": sales})
    f = asdict(next(f for f in r.files if f.file == "sales.csv"))
    assert {"code": "note_nul_padding", "args": {"n": 512}} in f["note_reasons"]
    assert ("the file ends with 512 NUL bytes after its text (padding left by the system "
            "that wrote it); they were ignored") in f["notes"]
    view.setup("ru")
    assert any("512 нулевых байтов" in n for n in view.file_notes(f))
    view.setup("en")

    html = ("<html><body><table><tr><td>Код</td><td>Наименование</td><td>ИНН</td></tr>"
            "<tr><td>K1</td><td>ООО «Альфа»</td><td>7707083893</td></tr></table></body></html>")
    r = ingested(make_engagement, {
        "clients.xls": html,
        "sales.csv": "Дата;Документ;Код контрагента;Сумма без НДС\r\n01.02.2024;Д1;K1;1200,00\r\n"})
    f = asdict(next(f for f in r.files if f.file == "clients.xls"))
    assert {"code": "note_html_table", "args": {"suffix": ".xls"}} in f["note_reasons"]
    view.setup("ru")
    assert any("HTML-таблица, сохранённая как .xls" in n for n in view.file_notes(f))
    view.setup("en")


def test_rounding_and_totals_notes_in_russian_with_exact_money(make_engagement) -> None:
    """The two notes that carry money (fractions of a kopeck rounded; a totals row that
    differs from its rows) are reason codes: the English of the manifest as before, the
    money exact in Russian (kopecks, the page's currency)."""
    f = _notes(make_engagement, "Дата;Документ;Код контрагента;Сумма без НДС\r\n"
                                "01.02.2024;Д1;K1;1200,005\r\n01.02.2024;Д2;K2;10,015\r\n"
                                "Итого;;;1500,00\r\n")
    codes = [r["code"] for r in f["note_reasons"]]
    assert "note_sub_kopeck_rounded" in codes and "note_totals_differ" in codes
    assert ("2 value(s) of 'Сумма без НДС' have fractions of a kopeck; each is rounded to "
            "the kopeck half to even: exact sum 1210.020, rounded sum 1210.02, difference "
            "0.000") in f["notes"]
    assert ("the totals row (row 4) says Сумма без НДС = 1500.00, the rows add up to 1210.02 "
            "(difference -289.98): rows may be missing from the export, or the total covers "
            "other data; ask the client to re-export the full period") in f["notes"]
    view.setup("ru")
    ru = " | ".join(view.file_notes(f))
    assert "после округления 1\u00a0210,02\u00a0₽" in ru, ru
    assert "«Сумма без НДС» = 1\u00a0500,00\u00a0₽, а строки в сумме дают 1\u00a0210,02\u00a0₽ " \
           "(разница −289,98\u00a0₽)" in ru, ru
    view.setup("en")


def test_intake_warnings_are_reason_codes_in_both_languages(make_engagement) -> None:
    """The intake's warnings that were English text only (sub-kopeck rounding, VAT assumed,
    a name on several records, a code with several names, overlapping files) are reason
    codes: the English unchanged, Russian with money in roubles."""
    from kamlib.intake.results import phrase_warning, said

    w = said("warn_overlap_kept", file_a="a.csv", file_b="b.csv", start="2024-01-01",
             end="2024-01-31", a_minor=123456, b_minor=100, n=2, same_minor=-50)
    assert w == ("sales: a.csv and b.csv both cover 2024-01-01 … 2024-01-31 (1234.56 and 1.00 "
                 "net revenue in those days); 2 line(s) of b.csv are identical to lines of "
                 "a.csv (-0.50); both were loaded: if the files overlap, set "
                 "intake.drop_overlapping: true, or remove one file from raw/")
    ru = phrase_warning(w.reason, "ru")
    assert "1\u00a0234,56\u00a0₽ и 1,00\u00a0₽" in ru and "загружены оба файла" in ru, ru
    for code, args in [
            ("warn_sub_kopeck", {"file": "s.csv", "column": "Сумма", "n": 2, "exact": "1.005",
                                 "loaded": "1.00", "difference": "-0.005", "row": "4"}),
            ("warn_vat_assumed_gross", {"file": "s.csv", "column": "Сумма"}),
            ("warn_vat_assumed_net", {"file": "s.csv", "column": "Сумма"}),
            ("warn_name_several_records", {"table": "sales", "n": 1, "examples": "'А' → K1, K2"}),
            ("warn_code_several_names", {"table": "sales", "n": 1, "examples": "'K1' ..."}),
            ("warn_overlap_dropped", dict(w.reason["args"]))]:
        en, ru = phrase_warning({"code": code, "args": args}, "en"), phrase_warning(
            {"code": code, "args": args}, "ru")
        assert en != ru and "{" not in en + ru and "reason." not in en + ru, (en, ru)

    f_sales = "Дата;Документ;Код контрагента;Сумма\r\n01.02.2024;Д1;K1;1200,00\r\n"
    r = ingested(make_engagement, {"clients.csv": CLIENTS, "sales.csv": f_sales})
    vat = [x for x in r.warnings if getattr(x, "reason", {}).get("code") == "warn_vat_assumed_net"]
    assert vat and vat[0] == ("sales.csv: column 'Сумма' does not say whether it includes VAT; "
                              "assumed without VAT. Set intake.amounts_include_vat in "
                              "engagement.yaml to be explicit.")
    assert "не видно, включён ли НДС" in phrase_warning(vat[0].reason, "ru")
