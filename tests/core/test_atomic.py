"""kamlib.atomic: files and folders replaced whole or not at all; JSON of numpy/pandas values."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kamlib.atomic import (
    atomic_dir,
    atomic_write_bytes,
    atomic_write_json,
    sha256_file,
    to_jsonable,
)


def test_sha256_file_in_small_chunks(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(b"abc" * 1000)
    assert sha256_file(p, chunk=7) == hashlib.sha256(b"abc" * 1000).hexdigest()


def test_atomic_write_bytes_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    p = tmp_path / "sub" / "a.txt"
    atomic_write_bytes(p, b"one")
    atomic_write_bytes(p, b"two")
    assert p.read_bytes() == b"two"
    assert [x.name for x in p.parent.iterdir()] == ["a.txt"]


def test_to_jsonable() -> None:
    obj = {1: np.int64(3), "f": np.float64(0.5), "nan": float("nan"),
           "t": (np.bool_(True), pd.Timestamp("2024-02-01"), pd.Period("2024-03", "M")),
           "s": {"x"}}
    assert to_jsonable(obj) == {"1": 3, "f": 0.5, "nan": None,
                                "t": [True, "2024-02-01 00:00:00", "2024-03"], "s": ["x"]}


def test_atomic_write_json(tmp_path: Path) -> None:
    p = tmp_path / "s.json"
    atomic_write_json(p, {"name": "Ромашка", "n": np.int32(2)})
    text = p.read_text("utf-8")
    assert "Ромашка" in text and text.endswith("\n")
    assert json.loads(text) == {"name": "Ромашка", "n": 2}


def test_atomic_dir_swaps_on_success_keeps_old_on_error(tmp_path: Path) -> None:
    target = tmp_path / "00_intake"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "half.txt").write_text("half")
        raise RuntimeError("step failed")
    assert [p.name for p in target.iterdir()] == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["00_intake"]     # no temp folder left
    with atomic_dir(target) as tmp:
        (tmp / "new.txt").write_text("new")
    assert [p.name for p in target.iterdir()] == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["00_intake"]
