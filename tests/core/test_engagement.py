"""Unit tests of kamlib.engagement: creating, opening and copying engagement folders."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from kamlib.engagement import Engagement, copy_engagement, init_engagement, write_data_request
from kamlib.errors import ConfigError, KamError
from kamlib.schema import TABLES

SUBFOLDERS = ("raw", "work", "review", "decisions", "reports", "notebooks")


def sheet_rows(path: Path, sheet: str) -> list[tuple[object, ...]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


# --------------------------------------------------------------------------- init


def test_init_creates_layout(tmp_path: Path) -> None:
    root = tmp_path / "e"
    eng = init_engagement(root, client='ООО "Тест"')
    assert isinstance(eng, Engagement)
    assert eng.root == root.resolve()
    assert (root / "engagement.yaml").is_file()
    assert (root / "data_request.xlsx").is_file()
    for sub in SUBFOLDERS:
        assert (root / sub).is_dir(), f"{sub}/ not created"
    assert eng.config.client == 'ООО "Тест"'
    assert not [p.name for p in root.iterdir() if p.name.startswith(".")], "temp files left"


def test_engagement_paths(tmp_path: Path) -> None:
    eng = init_engagement(tmp_path / "e")
    r = eng.root
    assert eng.raw == r / "raw" and eng.work == r / "work"
    assert eng.step_dir("00_intake") == r / "work" / "00_intake"
    assert eng.manifest_path == r / "work" / "manifest.json"
    assert eng.notebooks == r / "notebooks" and eng.reports == r / "reports"
    assert eng.manifest() == {}
    eng.manifest_path.write_text('{"run": 1, "клиент": "Тест"}', encoding="utf-8")
    assert eng.manifest() == {"run": 1, "клиент": "Тест"}


def test_init_in_existing_empty_folder(tmp_path: Path) -> None:
    root = tmp_path / "e"
    root.mkdir()
    init_engagement(root)
    assert (root / "engagement.yaml").is_file()


def test_init_refuses_existing_engagement(tmp_path: Path) -> None:
    root = tmp_path / "e"
    init_engagement(root, client="First")
    before = (root / "engagement.yaml").read_bytes()
    with pytest.raises(KamError, match="already holds an engagement") as ei:
        init_engagement(root, client="Second")
    assert "--force" in (ei.value.hint or "")
    assert (root / "engagement.yaml").read_bytes() == before, "must not be rewritten"


def test_init_force_keeps_raw(tmp_path: Path) -> None:
    root = tmp_path / "e"
    init_engagement(root, client="First")
    raw_file = root / "raw" / "Продажи.csv"
    raw_file.write_bytes(b"\xef\xbb\xbfDate;Sum\n1;2\n")
    (root / "raw" / "sub").mkdir()
    (root / "raw" / "sub" / "x.xlsx").write_bytes(b"PK\x03\x04")
    eng = init_engagement(root, client="Second", force=True)
    assert eng.config.client == "Second"
    assert raw_file.read_bytes() == b"\xef\xbb\xbfDate;Sum\n1;2\n", "raw/ must be kept"
    assert (root / "raw" / "sub" / "x.xlsx").read_bytes() == b"PK\x03\x04"


def test_init_rejects_unknown_language(tmp_path: Path) -> None:
    root = tmp_path / "e"
    with pytest.raises(KamError, match="language 'de'"):
        init_engagement(root, language="de")
    assert not (root / "engagement.yaml").exists()


def test_init_language_and_currency(tmp_path: Path) -> None:
    eng = init_engagement(tmp_path / "e", client="Acme Ltd", currency="usd", language="en")
    assert eng.config.currency == "USD"
    assert eng.config.report.language == "en"


@pytest.mark.parametrize("client", ["ООО «Ромашка»", 'АО "Альфа": филиал #2', "O'Brien & Co",
                                     "{client}", "a\\b"])
def test_init_client_name_quoted_safely(tmp_path: Path, client: str) -> None:
    assert init_engagement(tmp_path / "e", client=client).config.client == client


def test_open_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(KamError, match="no such engagement folder") as ei:
        Engagement.open(tmp_path / "nope")
    assert "kam init" in (ei.value.hint or "")


def test_open_folder_without_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        Engagement.open(tmp_path)


# --------------------------------------------------------------------------- data request


@pytest.fixture(scope="module")
def request_xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("req") / "e"
    init_engagement(root, client="Test")
    return root / "data_request.xlsx"


def test_data_request_has_ru_and_en_sheets(request_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(request_xlsx, read_only=True)
    names = wb.sheetnames
    wb.close()
    assert names == ["Запрос данных", "Data request"], names


@pytest.mark.parametrize(("sheet", "lang"), [("Запрос данных", "ru"), ("Data request", "en")])
def test_data_request_lists_every_table(request_xlsx: Path, sheet: str, lang: str) -> None:
    rows = sheet_rows(request_xlsx, sheet)
    first_col = [str(r[0]) for r in rows if r and r[0] is not None]
    for t in TABLES.values():
        label = t.label_ru if lang == "ru" else t.label_en
        assert any(c.startswith(label) for c in first_col), f"{sheet}: table {label!r} missing"
        listed = {r[1] for r in rows if r and r[0] == t.name}
        labels = {f.label_ru if lang == "ru" else f.label_en for f in t.fields}
        assert listed == labels, f"{sheet}/{t.name}: columns differ: {listed ^ labels}"


@pytest.mark.parametrize(("sheet", "lang"), [("Запрос данных", "ru"), ("Data request", "en")])
def test_data_request_marks_required(request_xlsx: Path, sheet: str, lang: str) -> None:
    rows = sheet_rows(request_xlsx, sheet)
    mark = {(r[0], r[1]): r[2] for r in rows if r and r[0] in TABLES}
    sales = TABLES["sales"]

    def marked(table: str, field: str) -> object:
        f = TABLES[table].field(field)
        return mark[(table, f.label_ru if lang == "ru" else f.label_en)]

    for name in ("net_revenue", "date", "document_id"):
        assert marked("sales", name) == "*", f"sales.{name} must be marked required"
    assert marked("clients", "client_id") == "*"
    assert marked("clients", "name") == "*"
    for name in ("discount", "cogs", "quantity"):
        assert marked("sales", name) in (None, ""), f"sales.{name} is optional"
    n_required = sum(1 for f in sales.fields if marked("sales", f.name) == "*")
    assert n_required >= 3


def test_data_request_header_and_optional_tables(request_xlsx: Path) -> None:
    rows = sheet_rows(request_xlsx, "Data request")
    assert rows[3][:5] == ("Table", "Column", "Required", "Type", "Header examples")
    first_col = [str(r[0]) for r in rows if r and r[0]]
    for t in TABLES.values():
        title = next(c for c in first_col if c.startswith(t.label_en))
        assert ("(optional table)" in title) == t.optional, title


def test_write_data_request_standalone(tmp_path: Path) -> None:
    out = write_data_request(tmp_path / "sub" / "req.xlsx")
    assert out.is_file()
    assert [p.name for p in out.parent.iterdir()] == ["req.xlsx"], "no temp file left"


# --------------------------------------------------------------------------- copy


def _sample(tmp_path: Path) -> Path:
    src = tmp_path / "sample"
    init_engagement(src, client="Sample")
    (src / "raw" / "a.csv").write_text("x;y\n1;2\n", encoding="utf-8")
    (src / "decisions" / "merges.csv").write_text("a,b\n", encoding="utf-8")
    (src / "work" / "artefact.parquet").write_bytes(b"junk")
    return src


def test_copy_engagement(tmp_path: Path) -> None:
    src = _sample(tmp_path)
    dst = copy_engagement(src, tmp_path / "copy")
    assert (dst / "engagement.yaml").read_bytes() == (src / "engagement.yaml").read_bytes()
    assert (dst / "raw" / "a.csv").read_text(encoding="utf-8") == "x;y\n1;2\n"
    assert (dst / "decisions" / "merges.csv").is_file()
    assert not (dst / "work" / "artefact.parquet").exists(), "artefacts are not copied"
    for sub in ("work", "review", "reports", "notebooks", "decisions"):
        assert (dst / sub).is_dir()
    assert Engagement.open(dst).config.client == "Sample"


def test_copy_engagement_into_existing_empty_folder(tmp_path: Path) -> None:
    src = _sample(tmp_path)
    dst = tmp_path / "copy"
    dst.mkdir()
    copy_engagement(src, dst)
    assert (dst / "raw" / "a.csv").is_file()


def test_copy_engagement_refuses_non_empty_destination(tmp_path: Path) -> None:
    src = _sample(tmp_path)
    dst = tmp_path / "copy"
    dst.mkdir()
    (dst / "keep.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(KamError, match="not empty"):
        copy_engagement(src, dst)
    assert [p.name for p in dst.iterdir()] == ["keep.txt"]
    assert (dst / "keep.txt").read_text(encoding="utf-8") == "mine"
