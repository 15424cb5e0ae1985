"""Reading a long text export in parts (kamlib.textbody): a cp1251 file transcoded part by part,
the same table as a read at once; the code page decided without decoding the whole file;
quotes polars cannot place read as the csv module reads them; a quote never closed is an
error with its row."""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from kamlib import io as kio
from kamlib import textbody, textcodes
from kamlib.errors import InputError
from kamlib.io import decode_text, read_raw, single_byte_encoding

NAMES = ['"ООО ""Вектор"""', "АО «Меридиан»", "ИП Орлов Иван Петрович", "ТД «Север-Юг»",
         "ООО Ёлка №1", "Клиент\u00a0пробел", "Plain Ltd"]


def _register(rows: int, *, seed: int = 1, blank_every: int = 0) -> str:
    rnd = random.Random(seed)
    out = ["Продажи за период 01.01.2024 - 31.12.2024", "",
           "Период;Регистратор;Контрагент;Сумма;Менеджер"]
    for i in range(rows):
        if blank_every and i % blank_every == blank_every - 1:
            out.append("")
            continue
        out.append(f"{1 + i % 28:02d}.01.2024 0:00:00;Реализация товаров и услуг {i:011d} от "
                   f"01.01.2024 12:00:00;{rnd.choice(NAMES)};{rnd.randint(1, 10**6):,},"
                   f"{rnd.randint(0, 99):02d};Морозова Е.С.".replace(",", "\u00a0", 1))
    out.append("Итого;;;1\u00a0000,00;")
    return "\n".join(out)


def _read(path: Path, monkeypatch: pytest.MonkeyPatch, every: int, **kw) -> kio.RawTable:
    monkeypatch.setattr(textbody, "PROGRESS_EVERY", every)
    (table,) = read_raw(path, **kw)
    return table


def _parts_used(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = textbody._read_part

    def spy(raw, *a, **k):  # type: ignore[no-untyped-def]
        calls.append(len(raw))
        return real(raw, *a, **k)

    monkeypatch.setattr(textbody, "_read_part", spy)
    return calls


@pytest.mark.parametrize(("encoding", "eol", "bom", "end"), [
    ("cp1251", "\n", False, "\n"), ("cp1251", "\r\n", False, ""), ("utf-8", "\n", False, ""),
    ("utf-8", "\r\n", True, "\r\n"), ("cp1251", "\n", False, "\n\n\n")])
def test_parts_same_table_as_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   encoding: str, eol: str, bom: bool, end: str) -> None:
    text = _register(500, blank_every=37).replace("\n", eol) + end
    path = tmp_path / "sales.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    whole = _read(path, monkeypatch, 10**9)
    calls = _parts_used(monkeypatch)
    parted = _read(path, monkeypatch, 40)
    assert len(calls) >= 10, "read in parts"
    assert_frame_equal(parted.data, whole.data)
    # one chunk per column, as a whole read gives (polars copies a frame whose columns are
    # cut differently at the first operation that aligns them)
    assert {parted.data[c].n_chunks() for c in parted.data.columns} == {1}
    assert (parted.encoding, parted.header_row, parted.headers, parted.skipped) == (
        whole.encoding, whole.header_row, whole.headers, whole.skipped)
    assert whole.encoding == ("utf-8-sig" if bom else encoding)
    # the rows are the lines a text editor shows: the header on line 3, the first row on 4
    assert whole.data["_row"][0] == 4
    assert whole.data["_row"][500] == 4 + 500, "the totals row on its line"
    assert whole.data["c2"].str.contains("Вектор").any(), "quoted names read"


def test_transcoding_in_pieces_cut_anywhere(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces of 7 bytes cut lines, quoted values and NBSPs: the table is the same."""
    path = tmp_path / "sales.csv"
    path.write_bytes(_register(300).encode("cp1251"))
    whole = _read(path, monkeypatch, 10**9)
    monkeypatch.setattr(textcodes, "_TRANSCODE_PIECE", 7)
    assert_frame_equal(_read(path, monkeypatch, 25).data, whole.data)
    assert whole.data["c3"][0].count("\u00a0") == 1, "NBSP decoded as NBSP"


def test_part_with_other_than_one_record_a_line_falls_back(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value spanning lines in a late part, a ragged row: the file is read whole, with
    the same rows, the ragged row listed."""
    lines = _register(400).split("\n")
    lines[300] = lines[300].replace("Морозова Е.С.", '"Морозова\nЕ.С."')
    lines[350] += ";лишнее"
    path = tmp_path / "sales.csv"
    path.write_bytes("\n".join(lines).encode("cp1251"))
    whole = _read(path, monkeypatch, 10**9)
    parted = _read(path, monkeypatch, 30)
    assert_frame_equal(parted.data, whole.data)
    assert [(r, n) for r, n, _ in parted.ragged] == [(352, 6)]
    # the two-line value is record 298 (line 301-302); the record after it is on line 303
    rows = whole.data["_row"].to_list()
    assert rows[297:299] == [301, 303]


# --------------------------------------------------------------------------- code page


RU = "Контрагент;Сумма\nООО «Ромашка»;1 234,50\nИП Орлов Иван Петрович;12,00\n" * 20
FR = "Client;Montant\nSociété Générale;1 234,50\nCafé Crème;12,00\n" * 20


@pytest.mark.parametrize(("raw", "declared", "want"), [
    (RU.encode("cp1251"), None, "cp1251"),
    (RU.encode("cp1251"), "windows-1251", "windows-1251"),
    (RU.encode("cp1251"), "CP1251", "cp1251"),
    (RU.encode("utf-8"), None, None),                      # UTF-8: decoded whole
    (b"\xef\xbb\xbf" + RU.encode("utf-8"), None, None),     # a BOM
    (RU.encode("utf-16"), None, None),
    (FR.encode("cp1252"), None, None),                     # Western: cp1252
    (RU.encode("cp1251") + b"\x98", None, None),           # a byte cp1251 cannot decode
    (RU.encode("utf-8"), "cp1251", None),                  # declared cp1251, is UTF-8
    (RU.replace("«", "").replace("»", "").encode("koi8-r"), "koi8-r", None),  # decoded whole
    # 64 KiB of plain ASCII first: UTF-8 is tried on the whole file, as before
    (("Client;Amount\n" + "Plain;1\n" * 9000).encode() + RU.encode("cp1251"), None, None),
])
def test_single_byte_encoding_only_where_decode_text_says_cp1251(
        raw: bytes, declared: str | None, want: str | None) -> None:
    assert single_byte_encoding(raw, declared) == want
    if want:  # the same answer as decoding the whole file
        assert decode_text(raw, Path("x.csv"), declared) == (raw.decode(want), want)


def test_declared_cp1251_on_utf8_still_explained(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    text = RU.replace("И", "Е")  # (UTF-8 'И' holds 0x98, which cp1251 cannot decode)
    assert b"\x98" not in text.encode("utf-8")
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(InputError, match="declared cp1251 but is UTF-8"):
        read_raw(path, encoding="cp1251")


def test_undecodable_byte_still_named(tmp_path: Path) -> None:
    """0x98 (no character in cp1251) in a long cp1251 file: not read in parts with the
    byte lost; the detection goes on as before (charset-normalizer, or a clear error)."""
    path = tmp_path / "sales.csv"
    path.write_bytes(RU.encode("cp1251") * 50 + "Сломанный".encode("cp1251") + b"\x98"
                     + "байт;1\n".encode("cp1251"))
    try:
        (table,) = read_raw(path)
    except InputError as exc:
        assert "encoding" in str(exc)
    else:
        assert table.encoding != "cp1251"


# --------------------------------------------------------------------------- quotes


@pytest.mark.parametrize("every", [10**9, 20])
def test_quote_inside_unquoted_value_kept_as_a_character(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every: int) -> None:
    """polars 2 stops on a quote it cannot pair (CSV malformed), an internal error before;
    read as Excel and the csv module read it, a character of the value."""
    lines = _register(200).split("\n")
    lines[10] = lines[10].replace("Морозова Е.С.", 'Монитор 24" Dell')
    lines[120] = lines[120].replace("Морозова Е.С.", 'ООО "Кавычка')
    lines[150] += ";лишнее"
    path = tmp_path / "sales.csv"
    path.write_bytes("\n".join(lines).encode("cp1251"))
    t = _read(path, monkeypatch, every)
    by_row = dict(zip(t.data["_row"].to_list(), t.data["c4"].to_list(), strict=True))
    assert by_row[11] == 'Монитор 24" Dell' and by_row[121] == 'ООО "Кавычка'
    assert by_row[12] == "Морозова Е.С.", "the next row is its own row"
    assert t.data.height == 201 and t.data["_row"][-1] == 4 + 200
    assert [(r, n) for r, n, _ in t.ragged] == [(151, 6)]
    assert t.data.filter(pl.col("_row") == 151)["c4"][0] == "Морозова Е.С.", "cut to width"


@pytest.mark.parametrize("every", [10**9, 30])
@pytest.mark.parametrize("names", [NAMES, ["Plain Ltd", "АО «Меридиан»"]])
def test_quote_opened_and_closed_rows_later_is_an_error_with_its_row(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every: int, names: list[str]) -> None:
    """A quote opened at the start of a value and not closed there: polars and the csv
    module pair it with the next quote in the file (a quoted name some rows later) or run
    to the end, and the rows between become one value: money gone without a word, before.
    With quoted names the value ends a few rows later; without, at the end of the file."""
    monkeypatch.setattr(sys.modules[__name__], "NAMES", names)
    lines = _register(400).split("\n")
    lines[50] = lines[50].replace("Морозова Е.С.", '"Морозова Е.С.')
    path = tmp_path / "sales.csv"
    path.write_bytes("\n".join(lines).encode("cp1251"))
    with pytest.raises(InputError) as exc:
        _read(path, monkeypatch, every)
    err = exc.value
    assert (err.file, err.row, err.column) == ("sales.csv", 51, "column 5")
    assert "rows of the table" in str(err) and err.value.startswith('"Морозова')
    assert "quote" in err.hint


def test_value_over_two_lines_is_not_taken_for_swallowed_rows(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text('Дата;Клиент;Адрес;Сумма\n01.01.2024;А;"г. Москва,\nул. Ленина; д. 1";5\n'
                    "02.01.2024;Б;Тверь;6\n", encoding="utf-8")
    (t,) = read_raw(path)
    assert t.data["_row"].to_list() == [2, 4]
    assert t.data["c2"][0] == "г. Москва,\nул. Ленина; д. 1"


def test_mixed_script_words_counts_as_word_by_word() -> None:
    """The regular expression counts what a loop over every word counts: words with a
    Cyrillic letter and a Latin one (ASCII or U+00C0–U+024F), × ÷ and combining marks not
    letters."""
    word = re.compile(r"[^\W\d_]+")

    def by_word(text: str) -> int:
        return sum(1 for w in word.findall(text[:200_000])
                   if any("\u0400" <= c <= "\u04ff" for c in w)
                   and any(c.isascii() or "\u00c0" <= c <= "\u024f" for c in w))

    alphabet = "abcXYZ абвЁё éüß×÷ 123_ ;,.\n\"ΩλЃѓ\u0482\u0483\u0500\u00aa\u00ba\u0301"
    rnd = random.Random(11)
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60)))
             for _ in range(5000)] + ["Sociйtй Gйnйrale", "ООО «Вектоp» Dell", "Ромашка"]
    for text in texts:
        assert kio.mixed_script_words(text) == by_word(text), text
    assert kio.mixed_script_words("Sociйtй Gйnйrale") == 2


# --------------------------------------------------------------------------- UTF-8 checked in parts


def _general_way(path: Path, monkeypatch: pytest.MonkeyPatch, **kw) -> kio.RawTable | str:
    """The file read as before the UTF-8 path: decoded whole by decode_text (or its error)."""
    with monkeypatch.context() as m:
        m.setattr(kio, "utf8_encoding", lambda raw, declared=None: None)
        try:
            return _read(path, m, 40, **kw)
        except InputError as exc:
            return str(exc)


def _bad_late(text: str, bad: bytes, *, bom: bool = False) -> bytes:
    """``text`` in UTF-8 with ``bad`` put into a value far past the first 64 KiB."""
    raw = (b"\xef\xbb\xbf" if bom else b"") + text.encode()
    at = raw.index("Морозова".encode(), 150_000)
    return raw[:at] + bad + raw[at:]


@pytest.mark.parametrize(("name", "raw", "declared"), [
    ("valid", _register(2500).encode(), None),
    ("BOM, CRLF", b"\xef\xbb\xbf" + _register(2500).replace("\n", "\r\n").encode(), None),
    ("declared", _register(2500).encode(), "UTF-8"),
    ("declared sig", b"\xef\xbb\xbf" + _register(2500).encode(), "utf-8-sig"),
    ("Mac line ends", _register(2500).replace("\n", "\r").encode(), None),
    ("a cp1251 letter late", _bad_late(_register(2500), "Ж".encode("cp1251")), None),
    ("a cut character late", _bad_late(_register(2500), b"\xd0"), None),
    ("a surrogate late, BOM", _bad_late(_register(2500), b"\xed\xa0\x80", bom=True), None),
    ("bad byte, declared", _bad_late(_register(2500), b"\xff"), "utf-8"),
    ("two-line value late", _register(2500).replace(
        "Морозова Е.С.\n31", '"Морозова\nЕ.С."\n31', 1).encode(), None),
])
def test_utf8_in_parts_same_as_decoded_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             name: str, raw: bytes,
                                             declared: str | None) -> None:
    """A UTF-8 file is read in parts, each part checked by polars, without decoding the
    whole file in Python; whatever it holds past its head (a cp1251 letter, a cut
    character, a surrogate, a value over two lines, Mac line ends), the table, its
    encoding and its notes, or the error, are those of the whole decode."""
    path = tmp_path / "sales.csv"
    path.write_bytes(raw)
    kw = {"encoding": declared} if declared else {}
    want = _general_way(path, monkeypatch, **kw)
    calls = _parts_used(monkeypatch)
    try:
        got: kio.RawTable | str = _read(path, monkeypatch, 40, **kw)
    except InputError as exc:
        got = str(exc)
    assert len(calls) >= 2, "read in parts first"
    if isinstance(want, str):
        assert got == want
        assert name != "bad byte, declared" or "0xFF" in want, want
        return
    assert isinstance(got, kio.RawTable)
    assert_frame_equal(got.data, want.data)
    assert (got.encoding, got.note, got.ragged, got.skipped, got.headers) == (
        want.encoding, want.note, want.ragged, want.skipped, want.headers)
    assert got.data.height > 2000
    if name in ("valid", "BOM, CRLF", "declared", "declared sig", "Mac line ends"):
        assert got.encoding.startswith("utf")
        assert got.data["c2"].str.contains("Вектор").any()


def test_valid_utf8_is_not_decoded_whole(tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sales.csv"
    path.write_bytes(_register(2500).encode())

    def no(*a, **k):  # type: ignore[no-untyped-def]
        raise AssertionError("decoded whole")

    monkeypatch.setattr(kio, "decode_text", no)
    table = _read(path, monkeypatch, 40)
    assert (table.encoding, table.data.height) == ("utf-8", 2501)


def test_utf8_parts_not_read_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value over two lines in a late part: the parts up to it are read once, then the
    body whole; not in parts again after the decode says UTF-8."""
    path = tmp_path / "sales.csv"
    lines = _register(2500).split("\n")
    lines[2000] = lines[2000].replace("Морозова Е.С.", '"Морозова\nЕ.С."')
    path.write_bytes("\n".join(lines).encode())
    calls = _parts_used(monkeypatch)
    table = _read(path, monkeypatch, 100)
    assert 10 < len(calls) <= 21
    assert table.data["_row"].to_list()[1996:1999] == [2000, 2001, 2003]  # 2001-2002: one value


def test_bom_file_with_a_foreign_part_is_a_clear_error(tmp_path: Path) -> None:
    """A UTF-8 file (BOM) with a cp1251 line pasted in: the line and the byte, not a
    traceback (a UnicodeDecodeError escaped before)."""
    path = tmp_path / "sales.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "Контрагент;Сумма\nООО Ромашка;1,00\n".encode()
                     + "ИП Орлов;2,00\n".encode("cp1251"))
    with pytest.raises(InputError) as err:
        read_raw(path)
    msg = str(err.value)
    assert "sales.csv" in msg and "row 3" in msg and "0xC8" in msg and "UTF-8" in msg, msg
