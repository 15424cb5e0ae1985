"""The reader policy of raw/ (issue 15): what is read, what is skipped and why, and that the
money of a skipped file is never silently added or dropped."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from kamlib.cli import main
from kamlib.config import load_config
from kamlib.intake import IntakeResult, ingest
from tests.helpers import DATA

GOOD = DATA / "bad_inputs" / "17_totals_mismatch" / "raw"
CLIENTS = (DATA / "bad_inputs" / "12_unknown_client" / "raw" / "clients.csv").read_bytes()
SALES = ("Дата;Документ;Код контрагента;Сумма без НДС\r\n"
         "01.11.2024;Д-1;K001;100,00\r\n01.11.2024;Д-2;K002;50,50\r\n").encode()


def _ingest(root: Path) -> IntakeResult:
    return ingest(root, load_config(root / "engagement.yaml"))


def _skipped(result: IntakeResult) -> dict[str, str]:
    return {s["file"]: s["reason"] for s in result.skipped_files}


def test_byte_identical_copy_is_counted_once(make_engagement) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES,
                            "sales (1).csv": SALES})
    result = _ingest(root)
    assert result.ok
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("150.50")
    assert "byte-identical copy of sales.csv" in _skipped(result)["sales (1).csv"]
    assert any("sales (1).csv" in w for w in result.warnings)
    assert result.manifest()["skipped_files"] == result.skipped_files


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlink_to_another_clients_file_is_not_followed(make_engagement, tmp_path) -> None:
    other = tmp_path / "other_client_sales.csv"
    other.write_bytes(SALES.replace(b"100,00", b"999999,00"))
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES})
    (root / "raw" / "more_sales.csv").symlink_to(other)
    result = _ingest(root)
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("150.50")
    assert "symbolic link" in _skipped(result)["more_sales.csv"]


def test_subfolders_hidden_and_lock_files_are_listed_not_read(make_engagement, capsys) -> None:
    root = make_engagement({"clients.csv": CLIENTS, "sales.csv": SALES,
                            "old/sales_2023.csv": SALES.replace(b"100,00", b"7,00"),
                            ".sales_backup.csv": SALES, "~$sales.xlsx": b"\x00lock",
                            "notes.docx": b"PK"})
    result = _ingest(root)
    assert result.ok
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("150.50")
    skipped = _skipped(result)
    assert "sub-folder" in skipped["old/sales_2023.csv"]
    assert "hidden file" in skipped[".sales_backup.csv"]
    assert "lock file" in skipped["~$sales.xlsx"]
    assert "not a table format" in skipped["notes.docx"]
    assert main(["check", str(root)]) == 0
    out = capsys.readouterr().out
    for name in ("old/sales_2023.csv", ".sales_backup.csv", "~$sales.xlsx"):
        assert f"raw/{name}: skipped" in out


def test_a_declared_file_in_a_subfolder_is_read(make_engagement) -> None:
    root = make_engagement(
        {"clients.csv": CLIENTS, "2024/sales.csv": SALES},
        {"inputs": [{"file": "2024/sales.csv", "table": "sales"}]})
    result = _ingest(root)
    assert result.ok, [str(e) for e in result.errors]
    assert Decimal(result.control["sales"]["accepted"]) == Decimal("150.50")
    assert not result.skipped_files
