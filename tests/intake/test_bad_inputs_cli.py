"""The bad-input corpus, cases whose defect shows at the command line rather than in the
intake (``outcome: cli`` in ``tests/data/bad_inputs/*/expect.yaml``): a hostile
engagement.yaml, escape sequences bound for the terminal, formula-like names bound for a
workbook, raw data changed after a run. Each asserts the exit code and the message; none
may end in an internal error (exit 4); raw files are never modified."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from kamlib.cli import main
from kamlib.engagement import Engagement, init_engagement
from kamlib.runner import record_run, run_intake
from kamlib.workbook import FORMULA_TRIGGERS
from tests.helpers import DATA, raw_hashes

CASES = sorted(p for p in (DATA / "bad_inputs").iterdir() if p.is_dir() and yaml.safe_load(
    (p / "expect.yaml").read_text("utf-8")).get("outcome") == "cli")


def _build(case: Path, root: Path) -> Path:
    init_engagement(root, client="ООО «Тест»")
    for p in (case / "raw").iterdir():
        shutil.copy2(p, root / "raw" / p.name)
    if (case / "engagement.yaml").exists():
        shutil.copy2(case / "engagement.yaml", root / "engagement.yaml")
    return root


def _formulas(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.data_type == "f" or (isinstance(c.value, str)
                                                   and c.value.startswith(FORMULA_TRIGGERS))]


def test_the_corpus_has_the_cli_cases() -> None:
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_cli(case: Path, tmp_path: Path, capsys) -> None:
    exp = yaml.safe_load((case / "expect.yaml").read_text("utf-8"))
    root = _build(case, tmp_path / "eng")
    command = exp["command"].split()
    if command[0] in ("report", "workbooks") or "--from" in command:
        eng = Engagement.open(root)
        run_intake(eng)
        if command[0] == "workbooks":
            from kamlib.cleanup import run_cleanup

            run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
            books = [root / "data_request.xlsx", root / "review" / "duplicates.xlsx"]
            assert all(b.exists() for b in books)
            assert {b.name: _formulas(b) for b in books} == {b.name: [] for b in books}
            return
        record_run(eng)
        for name, p in ((p.name, p) for p in (case / "raw_after").iterdir()) \
                if (case / "raw_after").is_dir() else ():
            shutil.copy2(p, root / "raw" / name)
        for name in exp.get("remove_after", []):
            (root / "raw" / name).unlink()
    before = raw_hashes(root)
    code = main([command[0], str(root), *command[1:]])
    out = capsys.readouterr()
    text = out.out + out.err
    assert raw_hashes(root) == before, "raw files were modified"
    assert code != 4 and "internal error" not in text and "Traceback" not in text, text
    assert code == exp["exit"], text
    if exp.get("error"):
        assert exp["error"] in out.err and "What to do:" in out.err, out.err
    for part in exp["message"]:
        assert part in text, (part, text)
    for part in exp.get("absent", []):
        assert part not in text, (repr(part), text)
