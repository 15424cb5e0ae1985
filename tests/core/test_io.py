"""Unit tests of kamlib.io: reading raw exports (text and xlsx) and atomic file utilities."""

from __future__ import annotations

import hashlib
import json
import os
import random
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from kamlib import io as kio
from kamlib.errors import InputError
from kamlib.io import (
    atomic_dir,
    atomic_write_bytes,
    atomic_write_json,
    decode_text,
    read_raw,
    sha256_file,
    sniff_delimiter,
)

HEADER = ["Дата", "Документ", "Код контрагента", "Сумма без НДС"]
ROWS = [
    ["31.12.2024", "Р-1", "K1", "1 234,56"],
    ["01.01.2024", "Р-2", "K2", "12,5"],
    ["02.01.2024", "Р-3", "K3", "100,00"],
]


def lines_of(delim: str, header: list[str] = HEADER, rows: list[list[str]] = ROWS) -> str:
    return "\n".join(delim.join(r) for r in [header, *rows]) + "\n"


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return p


def one(path: Path, **kw) -> kio.RawTable:
    tables = read_raw(path, **kw)
    assert len(tables) == 1, [t.name for t in tables]
    return tables[0]


def data_rows(t: kio.RawTable) -> list[list[str | None]]:
    cols = [c for c in t.data.columns if c != "_row"]
    return [list(r) for r in t.data.select(cols).rows()]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1251", "cp1251")],
)
def test_read_text_encodings(tmp_path: Path, encoding: str, expected: str) -> None:
    p = write(tmp_path, "sales.csv", lines_of(";"), encoding)
    t = one(p)
    assert t.encoding == expected
    assert t.delimiter == ";"
    assert t.headers == HEADER, t.headers
    assert t.header_row == 1
    assert data_rows(t) == ROWS
    assert t.data["_row"].to_list() == [2, 3, 4]
    assert t.sheet is None and t.name == "sales.csv"
    assert t.skipped == [] and t.ragged == []


def test_read_excel_unicode_text_utf16_tab(tmp_path: Path) -> None:
    text = lines_of("\t").replace("\n", "\r\n")
    p = write(tmp_path, "Продажи.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    t = one(p)
    assert t.encoding == "utf-16"
    assert t.delimiter == "\t"
    assert t.headers == HEADER
    assert data_rows(t) == ROWS
    assert t.data["_row"].to_list() == [2, 3, 4]


def test_decode_text_detection(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    s = "Контрагент;Сумма\nООО Ромашка;1\n"
    assert decode_text(s.encode("utf-8"), p) == (s, "utf-8")
    assert decode_text(s.encode("utf-8-sig"), p) == (s, "utf-8-sig")
    assert decode_text(s.encode("cp1251"), p) == (s, "cp1251")
    assert decode_text(s.encode("utf-16"), p) == (s, "utf-16")
    text, _ = decode_text(s.encode("utf-8-sig"), p, declared="utf-8")
    assert text == s, "a declared utf-8 drops the BOM"
    assert decode_text(s.encode("cp1251"), p, declared="CP1251") == (s, "cp1251")


def test_declared_wrong_encoding_names_the_line(tmp_path: Path) -> None:
    text = "Date;Sum\n01.01.2024;1\n02.01.2024;2\n03.01.2024;Сумма\n"
    p = write(tmp_path, "sales.csv", text, "cp1251")
    with pytest.raises(InputError) as ei:
        read_raw(p, encoding="utf-8")
    err = ei.value
    assert err.row == 4, f"error should point at line 4, got {err.row}: {err}"
    assert err.file == "sales.csv"
    assert "utf-8" in err.message and "cp1251" in err.message, err.message
    assert "encoding" in (err.hint or "")


def test_declared_unknown_encoding(tmp_path: Path) -> None:
    p = write(tmp_path, "a.csv", lines_of(";"))
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_raw(p, encoding="klingon")


def test_mojibake_utf8_declared_cp1251(tmp_path: Path) -> None:
    text = lines_of(";", rows=[["01.01.2024", "Реализация товаров", "Контрагент", "1"]] * 3)
    p = write(tmp_path, "sales.csv", text, "utf-8")
    with pytest.raises(InputError) as ei:
        read_raw(p, encoding="cp1251")
    err = ei.value
    assert "UTF-8" in err.message, err.message
    assert err.row == 1
    assert "utf-8" in (err.hint or "")


# --------------------------------------------------------------------------- delimiters


@pytest.mark.parametrize(("delim", "name"), [(";", "a.csv"), (",", "b.csv"), ("\t", "c.tsv"),
                                              ("|", "d.txt")])
def test_delimiters_detected(tmp_path: Path, delim: str, name: str) -> None:
    rows = [[c.replace(",", ".") for c in r] for r in ROWS]
    t = one(write(tmp_path, name, lines_of(delim, rows=rows)))
    assert t.delimiter == delim, f"{delim!r} sniffed as {t.delimiter!r}"
    assert data_rows(t) == rows


def test_semicolon_with_decimal_commas_not_sniffed_as_comma(tmp_path: Path) -> None:
    rows = [["01.01.2024", "12,5", "1,25"], ["02.01.2024", "7,75", "100,00"],
            ["03.01.2024", "0,01", "3,5"]]
    text = lines_of(";", header=["Дата", "Сумма без НДС", "Количество"], rows=rows)
    t = one(write(tmp_path, "a.csv", text))
    assert t.delimiter == ";"
    assert data_rows(t) == rows
    # two columns only: the same number of fields either way
    text2 = lines_of(";", header=["Дата", "Сумма"], rows=[r[:2] for r in rows])
    assert one(write(tmp_path, "b.csv", text2)).delimiter == ";"


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (["Дата;Сумма;Кол", "01.01.2024;1,5;2,5", "02.01.2024;12,25;3,5"], ";"),
        (["a,b,c", "1,2,3", "4,5,6"], ","),
        (["a\tb\tc", "1,5\t2\t3"], "\t"),
        (["a|b|c", "1|2|3"], "|"),
        (['a;b', '"x;y";2', '"1,2,3,4";5'], ";"),
        (["", "a,b", "", "1,2"], ","),
        (["just text"], ";"),
    ],
)
def test_sniff_delimiter(lines: list[str], expected: str) -> None:
    assert sniff_delimiter(lines) == expected


def test_declared_delimiter_wins(tmp_path: Path) -> None:
    text = "Дата,Сумма;Документ\n01.01.2024,5;Р-1\n"
    t = one(write(tmp_path, "a.csv", text), delimiter=";")
    assert t.delimiter == ";"
    assert t.headers == ["Дата,Сумма", "Документ"]


def test_quoted_fields_with_delimiter_inside(tmp_path: Path) -> None:
    text = ('Контрагент;Документ;Сумма без НДС\n'
            '"ООО ""Ромашка""; филиал";"Р;1";"1 234,56"\n'
            'ИП Иванов;Р-2;5\n')
    t = one(write(tmp_path, "a.csv", text))
    assert t.delimiter == ";"
    assert t.ragged == []
    assert data_rows(t) == [['ООО "Ромашка"; филиал', "Р;1", "1 234,56"],
                            ["ИП Иванов", "Р-2", "5"]]


# --------------------------------------------------------------------------- layout


def test_title_lines_and_blank_lines_keep_line_numbers(tmp_path: Path) -> None:
    text = ("Отчёт по продажам\n"          # 1
            "Период: 2024 г.\n"             # 2
            "\n"                            # 3
            + ";".join(HEADER) + "\n"       # 4
            "31.12.2024;Р-1;K1;1 234,56\n"  # 5
            "\n"                            # 6
            "01.01.2024;Р-2;K2;12,5\n"      # 7
            "   \n"                         # 8
            "02.01.2024;Р-3;K3;7,00\n"      # 9
            "\n\n")
    t = one(write(tmp_path, "a.csv", text, "cp1251"))
    assert t.header_row == 4
    assert t.headers == HEADER
    assert [r for r, _ in t.skipped] == [1, 2], t.skipped
    rows = {r: vals for r, *vals in t.data.select("_row", "c0", "c1").rows()}
    assert rows[5] == ["31.12.2024", "Р-1"]
    assert rows[7] == ["01.01.2024", "Р-2"], f"_row must equal the line: {rows}"
    assert rows[9] == ["02.01.2024", "Р-3"], f"_row must equal the line: {rows}"
    assert rows[6] == [None, None]
    extra = {r: v for r, v in rows.items() if r > 9}
    assert all(c is None or not c.strip() for v in extra.values() for c in v), (
        f"trailing blank lines carry no data: {extra}")


@pytest.mark.parametrize("eol", ["\r\n", "\r"], ids=["windows-crlf", "classic-mac-cr"])
def test_line_endings_keep_line_numbers(tmp_path: Path, eol: str) -> None:
    text = eol.join(["Дата;Документ;Сумма", "01.01.2024;Р-1;5", "", "02.01.2024;Р-2;6", ""])
    t = one(write(tmp_path, "a.csv", text, "cp1251"))
    assert t.headers == ["Дата", "Документ", "Сумма"]
    rows = {r: vals for r, *vals in t.data.select("_row", "c0", "c1", "c2").rows()}
    assert rows[2] == ["01.01.2024", "Р-1", "5"], rows
    assert rows[4] == ["02.01.2024", "Р-2", "6"], rows
    assert all(c is None or "\r" not in c for v in rows.values() for c in v)


def test_header_row_declared(tmp_path: Path) -> None:
    text = "x;y\nfoo;bar\nA;B\n1;2\n"
    t = one(write(tmp_path, "a.csv", text), header_row=3)
    assert t.header_row == 3 and t.headers == ["A", "B"]
    assert t.data.select("_row", "c0", "c1").rows() == [(4, "1", "2")]
    with pytest.raises(InputError, match="past the end"):
        read_raw(tmp_path / "a.csv", header_row=10)


def test_blank_header_cells_named(tmp_path: Path) -> None:
    t = one(write(tmp_path, "a.csv", "Дата;;Сумма\n1;2;3\n"))
    assert t.headers == ["Дата", "column 2", "Сумма"]


def test_ragged_row_listed_and_kept_cut_to_width(tmp_path: Path) -> None:
    text = (";".join(HEADER) + "\n"                            # 1
            "31.12.2024;Р-1;K1;1 234,56\n"                    # 2
            "\n"                                              # 3
            "01.01.2024;Р-2;K2;12,5;лишнее;ещё\n"             # 4
            "02.01.2024;Р-3;K3;7,00\n")                       # 5
    t = one(write(tmp_path, "a.csv", text))
    assert [(r, n) for r, n, _ in t.ragged] == [(4, 6)], t.ragged
    assert "лишнее" in t.ragged[0][2]
    assert t.data.columns == ["_row", "c0", "c1", "c2", "c3"]
    by_row = {r: vals for r, *vals in t.data.rows()}
    assert by_row[4] == ["01.01.2024", "Р-2", "K2", "12,5"], "ragged row kept, cut to width"
    assert by_row[5] == ["02.01.2024", "Р-3", "K3", "7,00"]
    assert by_row[2] == ["31.12.2024", "Р-1", "K1", "1 234,56"]


def test_ragged_first_data_row_is_listed_not_a_crash(tmp_path: Path) -> None:
    """polars reports a longer FIRST data row as a schema error, not a ragged line: found
    and listed like any other (a hostile value holding the delimiter, e.g. an escape
    sequence ``ESC ]0;title``, makes one)."""
    text = (";".join(HEADER) + "\n"                            # 1
            "01.01.2024;Р-1\x1b]0;evil;K1;12,50\n"              # 2
            "02.01.2024;Р-2;K2;7,00\n")                        # 3
    t = one(write(tmp_path, "a.csv", text))
    assert [(r, n) for r, n, _ in t.ragged] == [(2, 5)], t.ragged
    assert {r for r, *_ in t.data.rows()} == {2, 3}


def test_short_rows_padded_with_null(tmp_path: Path) -> None:
    text = "Дата;Документ;Сумма\n01.01.2024;Р-1;5\n02.01.2024;Р-2\n"
    t = one(write(tmp_path, "a.csv", text))
    assert data_rows(t) == [["01.01.2024", "Р-1", "5"], ["02.01.2024", "Р-2", None]]
    assert t.ragged == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Дата;Документ;Сумма\n01.01.2024;Р-1\n", [[2, "01.01.2024", "Р-1", None]]),
        ("Дата;Документ;Сумма\n\n01.01.2024;Р-1;5\n",
         [[2, None, None, None], [3, "01.01.2024", "Р-1", "5"]]),
        ("Дата;Документ;Сумма;\n01.01.2024;Р-1;5\n", [[2, "01.01.2024", "Р-1", "5", None]]),
    ],
    ids=["short-first-row", "blank-line-after-header", "header-trailing-delimiter"],
)
def test_first_data_line_narrower_than_header(tmp_path: Path, text: str,
                                              expected: list[list[object]]) -> None:
    t = one(write(tmp_path, "a.csv", text))
    assert [list(r) for r in t.data.rows()] == expected


def test_header_only_file(tmp_path: Path) -> None:
    t = one(write(tmp_path, "a.csv", ";".join(HEADER) + "\n"))
    assert t.headers == HEADER
    assert t.data.height == 0
    assert "_row" in t.data.columns


def test_multiline_quoted_field_row_numbers(tmp_path: Path) -> None:
    text = ("Дата;Документ;Код контрагента;Сумма без НДС\n"   # 1
            '01.01.2024;"Р-1\nпродолжение";K1;12,5\n'          # 2-3
            "02.01.2024;Р-2;K2;1,25\n")                        # 4
    t = one(write(tmp_path, "a.csv", text))
    assert t.data["_row"].to_list() == [2, 4]


# --------------------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    ("name", "data", "match"),
    [
        ("empty.csv", b"", "empty"),
        ("blank.csv", b"\n \r\n\t\n", "blank"),
        ("fake.csv", b"PK\x03\x04" + bytes(200), "spreadsheet"),
        ("old.csv", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(200), "xls"),
        ("garbage.csv", bytes(range(256)) * 20, "binary"),
        ("random.txt", random.Random(1).randbytes(4000), "binary"),
        ("empty.xlsx", b"", "empty"),
        ("broken.xlsx", b"this is not a zip file at all", "cannot open"),
    ],
)
def test_bad_files_raise_input_error(tmp_path: Path, name: str, data: bytes, match: str) -> None:
    p = write(tmp_path, name, data)
    with pytest.raises(InputError, match=match) as ei:
        read_raw(p)
    assert ei.value.file == name
    assert ei.value.hint, "every InputError says what to do"


def test_real_xlsx_named_csv(tmp_path: Path) -> None:
    xl = tmp_path / "real.xlsx"
    wb = xlsxwriter.Workbook(str(xl))
    wb.add_worksheet("S").write_row(0, 0, HEADER)
    wb.close()
    p = write(tmp_path, "Продажи.csv", xl.read_bytes())
    with pytest.raises(InputError, match="xlsx") as ei:
        read_raw(p)
    assert "rename" in (ei.value.hint or "")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_raw(tmp_path / "nope.csv")


def test_on_progress_called(tmp_path: Path) -> None:
    seen: list[str] = []
    read_raw(write(tmp_path, "a.csv", lines_of(";")), on_progress=seen.append)
    assert seen and "a.csv" in seen[0]


# --------------------------------------------------------------------------- xlsx


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "Выгрузка.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    dfmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    ws = wb.add_worksheet("Продажи")
    ws.write(0, 1, "Отчёт о продажах")                      # row 1: title
    ws.write(1, 1, "Отбор: 2024")                           # row 2: filter
    ws.write_row(3, 1, [*HEADER, "Количество"])             # row 4: header, column A empty
    ws.write_datetime(4, 1, datetime(2024, 12, 31), dfmt)   # row 5
    ws.write_row(4, 2, ["Р-1", 7707083893, 1234.56, 3])
    ws.write_datetime(6, 1, datetime(2024, 1, 2, 10, 30), dfmt)  # row 7 (row 6 blank)
    ws.write_row(6, 2, ["Р-2", "K2", -0.1, 2.5])
    ws.write(6, 7, "лишнее")                                 # beyond the header: ragged
    wb.add_worksheet("Пусто")
    ws3 = wb.add_worksheet("Clients")
    ws3.write_row(0, 0, ["Код", "Наименование", "ИНН"])
    ws3.write_row(1, 0, ["K1", "ООО Ромашка", "7707083893"])
    ws3.write_boolean(2, 0, True)
    ws4 = wb.add_worksheet("Late")
    ws4.write_row(2, 1, ["Date", "Invoice", "Client code", "Net revenue"])
    ws4.write_row(3, 1, ["x", "y", "z", 5])
    wb.close()
    return path


def test_xlsx_every_nonempty_sheet(workbook: Path) -> None:
    tables = read_raw(workbook)
    assert [t.sheet for t in tables] == ["Продажи", "Clients", "Late"], "empty sheet skipped"
    assert tables[0].name == "Выгрузка.xlsx[Продажи]"
    assert all(t.encoding is None and t.delimiter is None for t in tables)


def test_xlsx_titles_empty_first_column_numbers_dates(workbook: Path) -> None:
    t = read_raw(workbook, sheet="Продажи")[0]
    assert t.header_row == 4
    assert t.headers == ["column 1", *HEADER, "Количество"]
    assert [r for r, _ in t.skipped] == [1, 2]
    assert t.data.columns == ["c0", "c1", "c2", "c3", "c4", "c5", "_row"]
    assert t.data["_row"].to_list() == [5, 6, 7], "worksheet row numbers"
    r5, r6, r7 = t.data.rows()
    assert r5 == (None, "2024-12-31", "Р-1", "7707083893", "1234.56", "3", 5)
    assert r6 == (None, None, None, None, None, None, 6)
    assert r7 == (None, "2024-01-02 10:30:00", "Р-2", "K2", "-0.1", "2.5", 7)
    assert [(r, n) for r, n, _ in t.ragged] == [(7, 6)], t.ragged
    assert "лишнее" in t.ragged[0][2]


def test_xlsx_bool_and_header_below_blank_rows(workbook: Path) -> None:
    c = read_raw(workbook, sheet="Clients")[0]
    assert c.headers == ["Код", "Наименование", "ИНН"]
    assert c.data.rows() == [("K1", "ООО Ромашка", "7707083893", 2), ("true", None, None, 3)]
    late = read_raw(workbook, sheet="Late")[0]
    assert late.header_row == 3
    assert late.data.rows() == [(None, "x", "y", "z", "5", 4)]


def test_xlsx_sheet_errors(workbook: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no sheet 'Nope'") as ei:
        read_raw(workbook, sheet="Nope")
    assert "Продажи" in ei.value.message
    with pytest.raises(InputError, match="every sheet is empty"):
        read_raw(workbook, sheet="Пусто")
    empty = tmp_path / "empty_sheets.xlsx"
    wb = xlsxwriter.Workbook(str(empty))
    wb.add_worksheet("A")
    wb.add_worksheet("B")
    wb.close()
    with pytest.raises(InputError, match="every sheet is empty"):
        read_raw(empty)


def test_xlsx_header_row_declared(workbook: Path) -> None:
    t = read_raw(workbook, sheet="Clients", header_row=2)[0]
    assert t.header_row == 2
    assert t.headers == ["K1", "ООО Ромашка", "7707083893"]
    assert t.data["_row"].to_list() == [3]
    with pytest.raises(InputError, match="past the last row"):
        read_raw(workbook, sheet="Clients", header_row=50)


# --------------------------------------------------------------------------- hashing, atomic IO


def test_sha256_file(tmp_path: Path) -> None:
    data = random.Random(3).randbytes(50_000)
    p = write(tmp_path, "blob.bin", data)
    assert sha256_file(p) == hashlib.sha256(data).hexdigest()
    assert sha256_file(p, chunk=7) == hashlib.sha256(data).hexdigest()
    assert sha256_file(write(tmp_path, "e", b"")) == hashlib.sha256(b"").hexdigest()


def test_atomic_write_bytes(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "deeper" / "out.bin"
    atomic_write_bytes(target, b"one")
    assert target.read_bytes() == b"one"
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert leftovers(target.parent) == []


def test_atomic_write_bytes_target_is_directory(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.mkdir()
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"data")
    assert target.is_dir()
    assert leftovers(tmp_path) == [], "temp file left behind"


def test_atomic_write_bytes_replace_fails(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old")

    def boom(*_a: object, **_k: object) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(kio.os, "replace", boom)
    with pytest.raises(OSError, match="disk on fire"):
        atomic_write_bytes(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old", "previous content intact"
    assert leftovers(tmp_path) == [], "temp file left behind"


def test_atomic_write_json(tmp_path: Path) -> None:
    target = tmp_path / "m.json"
    obj = {"клиент": "ООО «Ромашка»", "n": 1, "when": datetime(2024, 1, 2), "xs": [1, 2]}
    atomic_write_json(target, obj)
    raw = target.read_bytes()
    assert "ООО «Ромашка»".encode() in raw, "non-ASCII written as UTF-8, not escaped"
    assert raw.endswith(b"\n")
    back = json.loads(raw.decode("utf-8"))
    assert back == {"клиент": "ООО «Ромашка»", "n": 1, "when": "2024-01-02 00:00:00",
                    "xs": [1, 2]}


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_atomic_dir_success_replaces_content(tmp_path: Path) -> None:
    target = tmp_path / "00_intake"
    target.mkdir()
    (target / "old.txt").write_bytes(b"old")
    with atomic_dir(target) as tmp:
        assert tmp != target and tmp.parent == tmp_path
        assert (target / "old.txt").exists(), "old content untouched while building"
        (tmp / "new.txt").write_bytes(b"new")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "x.parquet").write_bytes(b"x")
    assert _tree(target) == {"new.txt": b"new", "sub/x.parquet": b"x"}
    assert leftovers(tmp_path) == [], "temp or old folder left behind"


def test_atomic_dir_creates_missing_target(tmp_path: Path) -> None:
    target = tmp_path / "work" / "01_cleanup"
    with atomic_dir(target) as tmp:
        (tmp / "a").write_text("a")
    assert _tree(target) == {"a": b"a"}
    assert leftovers(target.parent) == []


def test_atomic_dir_failure_keeps_previous_content(tmp_path: Path) -> None:
    target = tmp_path / "00_intake"
    target.mkdir()
    (target / "old.txt").write_bytes(b"old")
    (target / "nested").mkdir()
    (target / "nested" / "k").write_bytes(b"k")
    before = _tree(target)
    with pytest.raises(RuntimeError, match="step failed"), atomic_dir(target) as tmp:
        (tmp / "half.txt").write_bytes(b"partial")
        raise RuntimeError("step failed")
    assert _tree(target) == before, "previous content must be intact"
    assert leftovers(tmp_path) == [], "temp folder left behind"
    assert sorted(os.listdir(tmp_path)) == ["00_intake"]


def test_atomic_dir_failure_without_previous_target(tmp_path: Path) -> None:
    target = tmp_path / "new_step"
    with pytest.raises(KeyboardInterrupt), atomic_dir(target) as tmp:
        (tmp / "x").write_text("x")
        raise KeyboardInterrupt
    assert not target.exists()
    assert os.listdir(tmp_path) == []


def test_not_utf8_only_when_the_head_proves_it() -> None:
    from kamlib.textcodes import _not_utf8

    assert _not_utf8("Продажи".encode("cp1251"))
    assert not _not_utf8("Продажи".encode())
    assert not _not_utf8(b"a" * 65535 + "й".encode())  # a character cut at the head's end
    assert not _not_utf8(b"a" * 70000 + "й".encode("cp1251"))  # beyond the head: full decode


def test_number_cells_never_in_e_notation() -> None:
    """A float cell of a workbook is a number to Excel's 15 significant digits, never
    '1e-05' or '2.2737e-13' (a formula's noise), which the money parser refuses as scientific
    notation."""
    from kamlib.io import _cell_text
    from kamlib.parse import parse_money

    cells = [2.2737367544323206e-13, 1e-05, 1.5e20, -3.5e-07, 12.5, 1e16]
    texts = [_cell_text(v) for v in cells]
    assert texts == ["0.000000000000227373675443232", "0.00001", "150000000000000000000",
                     "-0.00000035", "12.5", "10000000000000000"]
    minor, bad, rounded = parse_money(pl.Series(texts), decimal=".", scale=2)
    assert minor.to_list()[:2] == [0, 0] and rounded.to_list()[:2] == [True, True]
    assert bad.to_list() == [False, False, True, False, False, True]  # beyond the exact range


@pytest.mark.parametrize("rows", [2, 3000])
def test_nul_padding_after_the_text_is_dropped_and_said(tmp_path: Path, rows: int) -> None:
    """NUL bytes after the last line (a file written in fixed blocks): read, not 'binary';
    not a row of NULs rejected as a bad date either; the note says how many."""
    body = "Дата;Документ;Код контрагента;Сумма без НДС\r\n" + "".join(
        f"01.11.2024;РТУ-{i};K001;{i},50\r\n" for i in range(rows))
    path = tmp_path / "sales.csv"
    path.write_bytes(body.encode("cp1251") + b"\x00" * 4096)
    (t,) = read_raw(path)
    assert t.data.height == rows and t.data["c3"][-1] == f"{rows - 1},50"
    assert "4,096 NUL bytes" in (t.note or "")
    assert path.read_bytes().endswith(b"\x00" * 4096), "raw data never modified"


def test_only_nul_bytes_is_still_binary(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(InputError, match="binary"):
        read_raw(path)


def test_a_wrapped_header_cell_is_one_header(tmp_path: Path) -> None:
    """Excel's wrapped header ('Сумма' line break 'без НДС', quoted) is one header, not a
    header 'Сумма' and a row 'без НДС"'; the rows keep the lines an editor shows."""
    text = ('Продажи за ноябрь\r\n\r\nДата;Документ;"Код\r\nконтрагента";"Сумма\r\nбез НДС"\r\n'
            "01.11.2024;РТУ-1;K001;12 500,00\r\n02.11.2024;РТУ-2;K002;100,50\r\n")
    path = tmp_path / "sales.csv"
    path.write_bytes(text.encode("cp1251"))
    (t,) = read_raw(path)
    assert t.headers == ["Дата", "Документ", "Код контрагента", "Сумма без НДС"]
    assert t.header_row == 3 and t.skipped == [(1, "above the header (title or filter line)")]
    assert t.data["_row"].to_list() == [6, 7] and t.data["c3"].to_list() == ["12 500,00",
                                                                            "100,50"]
    (same,) = read_raw(path, header_row=3)
    assert same.headers == t.headers and same.data.equals(t.data)


@pytest.mark.parametrize("enc", ["cp1251", "cp866", "koi8-r", "mac-cyrillic"])
def test_cyrillic_code_pages_are_told_apart(tmp_path, enc) -> None:
    """A DOS (cp866), Unix (KOI8-R) or old Mac export was read as cp1251, its headers
    garbled ('Љ®¤, Ќ Ё¬Ґ­®ў ­ЁҐ') and the file refused as no known table; each is now
    read in its own code page, and cp1251 stays cp1251."""
    from kamlib.textcodes import decode_text

    text = ("Дата;Документ;Код контрагента;Контрагент;Сумма без НДС\r\n"
            "01.11.2024;Реализация товаров 1;K001;ООО \"РОМАШКА\";1 234,56\r\n"
            "02.11.2024;Реализация товаров 2;K002;ИП Петров Сергей Иванович;100,00\r\n"
            "03.11.2024;Возврат от покупателя 3;K003;АО \"Северный завод\";-50,00\r\n")
    raw = text.encode(enc)
    got, name = decode_text(raw, tmp_path / "s.csv")
    assert got == text and name == enc
    (tmp_path / "s.csv").write_bytes(raw)
    (t,) = kio.read_raw(tmp_path / "s.csv")
    assert t.headers[:2] == ["Дата", "Документ"] and t.encoding == enc


def test_a_stray_nul_byte_is_named_by_its_line(tmp_path) -> None:
    """One NUL byte inside a text export (a damaged copy) made the file "binary"; the error
    now says where it is; a truly binary file is still called binary."""
    from kamlib.errors import InputError

    p = tmp_path / "s.csv"
    p.write_bytes("Дата;Сумма\r\n01.11.2024;100,00\r\n02.11.2024;2\x0000,00\r\n".encode("cp1251"))
    with pytest.raises(InputError, match="NUL byte") as exc:
        kio.read_raw(p)
    assert exc.value.row == 3
    p.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(InputError, match="binary"):
        kio.read_raw(p)


def test_a_cell_of_megabytes_is_no_header(tmp_path: Path) -> None:
    """A dump on one line (a 40 MB cell in the header row) took 75 s: every comparison of
    headers ran its patterns over the whole cell. A header is cut to 200 characters and
    folded from its first 500."""
    from kamlib.schema import header_key

    path = tmp_path / "dump.csv"
    path.write_bytes(("Дата;Документ;Код контрагента;Сумма без НДС;" + "x" * 5_000_000 + "\r\n")
                     .encode("cp1251"))
    (t,) = read_raw(path)
    assert t.headers[:4] == ["Дата", "Документ", "Код контрагента", "Сумма без НДС"]
    assert len(t.headers[4]) == 201 and t.headers[4].endswith("…")
    assert header_key("Сумма без НДС" + "x" * 1_000_000) == header_key(
        "Сумма без НДС" + "x" * 487)
