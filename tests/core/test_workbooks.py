"""Valid data that used to crash the reader, disguised spreadsheets and files built to exhaust
memory (issues 13.5 and 15): each is read right, end to end with its money, or refused with
a message that names the file and says what to do."""

from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from kamlib.config import load_config
from kamlib.errors import InputError
from kamlib.intake import IntakeResult, ingest
from kamlib.io import read_raw
from tests.helpers import DATA

CLIENTS = (DATA / "bad_inputs" / "12_unknown_client" / "raw" / "clients.csv").read_bytes()
HEAD = "Дата;Документ;Код контрагента;Сумма без НДС"


def _ingest(make_engagement, files: dict[str, bytes]) -> IntakeResult:
    root = make_engagement({"clients.csv": CLIENTS, **files})
    result = ingest(root, load_config(root / "engagement.yaml"))
    for f in result.files:
        for m in f.money.values():
            assert Decimal(m["rows"]) == Decimal(m["accepted"]) + Decimal(m["rejected"])
    return result


def _accepted(result: IntakeResult) -> Decimal:
    return Decimal(result.control["sales"]["accepted"])


@pytest.mark.parametrize(("name", "body", "doc"), [
    ("quoted LF", f'{HEAD}\r\n01.11.2024;"Д-1\nвторая строка";K001;100,00\r\n'
     "02.11.2024;Д-2;K002;50,50\r\n", "Д-1\nвторая строка"),
    ("quoted CR", f'{HEAD}\r\n01.11.2024;"Д-1\rвторая";K001;100,00\r\n'
     "02.11.2024;Д-2;K002;50,50\r\n", "Д-1\rвторая"),
    ("lone CR line ends", f"{HEAD}\r01.11.2024;Д-1;K001;100,00\r02.11.2024;Д-2;K002;50,50\r",
     "Д-1"),
])
def test_line_breaks_in_values_and_old_mac_line_ends(make_engagement, name, body, doc) -> None:
    result = _ingest(make_engagement, {"sales.csv": body.encode()})
    assert result.ok, [str(e) for e in result.errors]
    assert _accepted(result) == Decimal("150.50")
    sales = result.tables["sales"]
    assert sales["document_id"].to_list()[0] == doc
    assert sales["source_row"].to_list()[-1] == (4 if name == "quoted LF" else 3)


def test_a_field_longer_than_131072_characters(make_engagement) -> None:
    body = (f"{HEAD};Комментарий\r\n01.11.2024;Д-1;K001;100,00;{'x' * 200_000}\r\n"
            "02.11.2024;Д-2;K002;50,50;y\r\n")
    result = _ingest(make_engagement, {"sales.csv": body.encode()})
    assert result.ok and _accepted(result) == Decimal("150.50")


def test_html_table_saved_as_xls(make_engagement) -> None:
    html = ('<html><head><meta http-equiv="Content-Type" content="text/html; '
            'charset=windows-1251"></head><body><h3>Продажи за ноябрь 2024</h3><table>'
            "<tr><th>Дата</th><th>Документ</th><th>Код контрагента</th><th>Сумма без НДС</th>"
            "</tr><tr><td>01.11.2024</td><td>Д-1</td><td>K001</td><td>1&nbsp;100,00</td></tr>"
            "<tr><td>02.11.2024</td><td>Д-2</td><td>K002</td><td>50,50</td></tr>"
            '<tr><td colspan="3">Итого</td><td>1&nbsp;150,50</td></tr></table></body></html>')
    result = _ingest(make_engagement, {"Продажи.xls": html.encode("cp1251")})
    assert result.ok, [str(e) for e in result.errors]
    f = next(f for f in result.files if f.file == "Продажи.xls")
    assert f.table == "sales" and any("HTML table" in n for n in f.notes)
    assert _accepted(result) == Decimal("1150.50")
    assert f.totals_row and f.totals_row["net_revenue"]["ok"]


def _ods(rows: list[list[str | float]]) -> bytes:
    """A minimal OpenDocument spreadsheet, written by hand."""
    cells = []
    for r in rows:
        tds = "".join(
            f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}'
            "</text:p></table:table-cell>" if isinstance(v, float) else
            f'<table:table-cell office:value-type="string"><text:p>{v}</text:p>'
            "</table:table-cell>" for v in r)
        cells.append(f"<table:table-row>{tds}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Лист1">'
        + "".join(cells) + "</table:table></office:spreadsheet></office:body>"
        "</office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    return buf.getvalue()


def test_ods(make_engagement) -> None:
    ods = _ods([HEAD.split(";"), ["01.11.2024", "Д-1", "K001", 100.0],
                ["02.11.2024", "Д-2", "K002", 50.5]])
    result = _ingest(make_engagement, {"sales.ods": ods})
    assert result.ok, [str(e) for e in result.errors]
    assert _accepted(result) == Decimal("150.50")


def _far_xlsx(path: Path, *, drop_dimension: bool = False) -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    ws.write_row(0, 0, HEAD.split(";"))
    ws.write_row(1, 0, ["01.11.2024", "Д-1", "K001", 100])
    ws.write(1048575, 16383, "x")
    wb.close()
    if drop_dimension:
        data = io.BytesIO()
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
            for item in src.infolist():
                part = src.read(item)
                if item.filename.startswith("xl/worksheets/"):
                    part = re.sub(rb"<dimension[^>]*/>", b"", part)
                dst.writestr(item, part)
        path.write_bytes(data.getvalue())


@pytest.mark.parametrize("drop_dimension", [False, True])
def test_far_cell_is_refused_before_reading(tmp_path, drop_dimension) -> None:
    path = tmp_path / "sales.xlsx"
    _far_xlsx(path, drop_dimension=drop_dimension)
    with pytest.raises(InputError, match=r"XFD1048576|column 16384, row 1048576") as exc:
        read_raw(path)
    assert exc.value.file == "sales.xlsx" and "delete the empty rows" in exc.value.hint


def test_huge_shared_string_count_is_refused(tmp_path) -> None:
    path = tmp_path / "sales.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet().write_row(0, 0, HEAD.split(";"))
    wb.close()
    data = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(data, "w") as dst:
        for item in src.infolist():
            part = src.read(item)
            if item.filename == "xl/sharedStrings.xml":
                part = re.sub(rb'(count|uniqueCount)="\d+"', rb'\1="68719476736"', part)
            dst.writestr(item, part)
    path.write_bytes(data.getvalue())
    with pytest.raises(InputError, match="shared strings"):
        read_raw(path)


def test_excel95_workbook_is_refused_with_what_to_do(tmp_path) -> None:
    # the start of a compound file whose directory names a 'Book' stream (Excel 95), not a
    # 'Workbook' one (Excel 97+)
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "Book".encode("utf-16-le").ljust(64, b"\x00")
    path = tmp_path / "old.xls"
    path.write_bytes(head + b"\x00" * 512 + entry + b"\x00" * 448)
    with pytest.raises(InputError, match="Excel 95") as exc:
        read_raw(path)
    assert "save it as .xlsx" in exc.value.hint


def test_cyrillic_read_as_latin1_is_refused_not_loaded() -> None:
    from kamlib.workbooks import latin1_mojibake

    ru = [["Дата", "Контрагент", "Сумма"], ["01.11.2024", "ООО «Ромашка»", "100"],
          ["02.11.2024", "ИП Петров Пётр Павлович", "50"]]
    garbled = [[c.encode("cp1251").decode("latin-1") for c in r] for r in ru]
    assert latin1_mojibake(garbled) is not None
    assert latin1_mojibake(ru) is None
    western = [["Date", "Client", "Amount"], ["01.11.2024", "Société Générale", "100"],
               ["02.11.2024", "Müller GmbH & Co. KG", "50"]]
    assert latin1_mojibake(western) is None


def test_a_file_is_read_by_what_it_is_not_by_its_extension(tmp_path) -> None:
    """An .xlsx saved as .xls (calamine refused it as a damaged OLE file) and a cp1251 CSV
    saved as .xls (refused the same way) are read by their bytes, the text one with a note;
    an XML Spreadsheet 2003 saved as .xls is named as such (it was "an HTML page with no
    table")."""
    import io as _io

    import xlsxwriter

    from kamlib.errors import InputError
    from kamlib.io import read_raw

    buf = _io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Продажи")
    for i, row in enumerate([["Дата", "Сумма"], ["01.11.2024", 100.5]]):
        ws.write_row(i, 0, row)
    wb.close()
    (tmp_path / "a.xls").write_bytes(buf.getvalue())
    (t,) = read_raw(tmp_path / "a.xls")
    assert t.headers == ["Дата", "Сумма"] and t.data["c1"].to_list() == ["100.5"]
    (tmp_path / "b.xls").write_bytes("Дата;Сумма\r\n01.11.2024;100,50\r\n".encode("cp1251"))
    (t,) = read_raw(tmp_path / "b.xls")
    assert t.headers == ["Дата", "Сумма"] and t.data["c1"].to_list() == ["100,50"]
    assert {"code": "note_text_as_spreadsheet", "args": {"suffix": ".xls"}} in t.note_reasons
    xml = ('<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n<Workbook '
           'xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="S">'
           '<Table><Row><Cell><Data ss:Type="String">Дата</Data></Cell></Row></Table>'
           '</Worksheet></Workbook>')
    (tmp_path / "c.xls").write_text(xml, encoding="utf-8")
    with pytest.raises(InputError, match="XML Spreadsheet 2003"):
        read_raw(tmp_path / "c.xls")


def test_hidden_sheets_are_named_not_read(tmp_path) -> None:
    """A hidden copy of the sales sheet doubled the revenue: hidden sheets are skipped and
    named in a note; a sheet declared by name is read even when hidden."""
    import xlsxwriter

    from kamlib.io import read_raw

    wb = xlsxwriter.Workbook(str(tmp_path / "s.xlsx"))
    for name in ("Продажи", "Продажи (2)"):
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, ["Дата", "Сумма"])
        ws.write_row(1, 0, ["01.11.2024", 100])
    ws.hide()
    wb.close()
    tables = read_raw(tmp_path / "s.xlsx")
    assert [t.sheet for t in tables] == ["Продажи"]
    assert {"code": "note_hidden_sheets", "args": {"sheets": "Продажи (2)"}} \
        in tables[0].note_reasons
    (t,) = read_raw(tmp_path / "s.xlsx", sheet="Продажи (2)")
    assert t.sheet == "Продажи (2)"


def test_formula_float_noise_is_not_a_fraction_of_a_kopeck(make_engagement, tmp_path) -> None:
    """A formula's binary noise (=B2*C2 stored as 1234.5600000000002) was warned about as
    an amount with fractions of a kopeck: Excel shows and keeps 15 significant digits, so
    the cell is 1234.56. A unit price to a fraction of a kopeck is a price, not a warning;
    the amounts computed from it stay exact."""
    path = tmp_path / "s.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Продажи")
    ws.write_row(0, 0, ["Дата", "Документ", "Код контрагента", "Количество", "Цена",
                        "Сумма без НДС"])
    ws.write_row(1, 0, ["01.11.2024", "Р1", "K001", 3, 411.52, 1234.5600000000002])
    ws.write_row(2, 0, ["02.11.2024", "Р2", "K002", 3, 0.1 + 0.2, 0.9000000000000001])
    ws.write_row(3, 0, ["03.11.2024", "Р3", "K002", 3, 33.3333333333, 100.0])
    wb.close()
    (t,) = read_raw(path)
    assert t.data["c5"].to_list() == ["1234.56", "0.9", "100"]
    assert t.data["c4"].to_list()[1] == "0.3"
    result = _ingest(make_engagement, {"sales.xlsx": path})
    assert result.ok, [str(e) for e in result.errors]
    assert _accepted(result) == Decimal("1335.46")
    assert not [w for w in result.warnings if "kopeck" in str(w)]
    (f,) = [f for f in result.files if f.table == "sales"]
    assert set(f.rounding) == {"unit_price"}


def test_a_formula_stored_without_its_value_is_named(make_engagement, tmp_path) -> None:
    """A workbook written by a program (openpyxl) and never opened in Excel keeps its
    formulas without values: python-calamine reads them as empty, and a line with its price
    and quantity but an empty amount was accepted with no money (then `kam run` stopped on an
    internal error). The cell is read as its formula and the row rejected saying why."""
    import openpyxl

    path = tmp_path / "s.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Дата", "Документ", "Код контрагента", "Количество", "Цена", "Сумма без НДС"])
    ws.append(["01.11.2024", "Р1", "K001", 10, 100, "=D2*E2"])
    ws.append(["02.11.2024", "Р2", "K002", 5, 100, 500])
    ws.append(["03.11.2024", "Р3", "K003", 1, 250, 250])
    ws.append(["04.11.2024", "Р4", "K001", 1, 50, 50])
    wb.save(path)
    (t,) = read_raw(path)
    assert t.data["c5"].to_list() == ["=D2*E2", "500", "250", "50"]
    result = _ingest(make_engagement, {"sales.xlsx": path})
    (rej,) = result.rejected.iter_rows(named=True)
    assert rej["row"] == 2 and rej["value"] == "=D2*E2"
    assert "formula stored without its value" in rej["reason"]
    assert _accepted(result) == Decimal("800")
