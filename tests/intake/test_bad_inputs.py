"""The bad-input corpus: every defect gets a clear message or a listed rejection; nothing is
lost, and raw files are never modified. Cases and expectations: tests/data/bad_inputs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from kamlib.cli import main
from kamlib.config import load_config
from kamlib.intake import IntakeResult, ingest
from tests.helpers import DATA, raw_hashes

# cases with `outcome: cli` are checked at the command line: tests/intake/test_bad_inputs_cli.py
CASES = sorted(p for p in (DATA / "bad_inputs").iterdir() if p.is_dir() and yaml.safe_load(
    (p / "expect.yaml").read_text("utf-8")).get("outcome") != "cli")


def _values(v: str) -> set[str]:
    """A value as written and as normalised (``89116,05`` ~ ``89116.05``)."""
    return {v, v.replace(",", "."), v.replace("\u00a0", "").replace(" ", "").replace(",", ".")}


def _run(case: Path, make_engagement) -> tuple[Path, IntakeResult]:
    files = {p.name: p for p in (case / "raw").iterdir()}
    overrides = case / "engagement_overrides.yaml"
    extra = yaml.safe_load(overrides.read_text("utf-8")) if overrides.exists() else None
    root = make_engagement(files, extra)
    before = raw_hashes(root)
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert raw_hashes(root) == before, "raw files were modified"
    return root, result


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Path, make_engagement) -> None:
    exp = yaml.safe_load((case / "expect.yaml").read_text("utf-8"))
    _, result = _run(case, make_engagement)
    if exp["outcome"] == "error":
        assert not result.ok, f"expected an error: {exp['description']}"
        matching = [e for e in result.errors if e.file and Path(exp["file"]).stem in e.file]
        assert matching, f"no error names {exp['file']}: {[str(e) for e in result.errors]}"
        err = matching[0]
        text = str(err)
        assert "Traceback" not in text and err.hint, "an error must say what to do"
        if exp["row"] is not None:
            assert err.row == exp["row"], text
        if exp["column"] is not None:
            assert err.column == exp["column"] or exp["column"] in text, text
        if exp["value"] is not None:
            assert any(v in text for v in _values(exp["value"])), text
        return

    assert result.ok, [str(e) for e in result.errors]
    # money in = money out for every file: rows = accepted + rejected, per amount column
    for f in result.files:
        for m in f.money.values():
            assert Decimal(m["rows"]) == Decimal(m["accepted"]) + Decimal(m["rejected"])
    if exp.get("accepted") is not None:
        assert Decimal(result.control["sales"]["accepted"]) == Decimal(exp["accepted"])
    if exp.get("names"):
        clients = result.tables["clients"]
        held = set(clients["name"].to_list()) | set(clients["client_id"].to_list())
        assert set(exp["names"]) <= held, held
    if exp["outcome"] == "ok":
        assert result.rejected.height == 0, result.rejected
        return
    if exp["outcome"] == "rejected":
        rej = result.rejected.filter(result.rejected["file"].str.contains(Path(exp["file"]).stem))
        assert rej.height == 1, rej
        row = rej.row(0, named=True)
        assert row["row"] == exp["row"]
        assert row["reason"]
        if exp.get("reason"):
            assert exp["reason"] in row["reason"], row["reason"]
        if exp["column"] is not None:
            assert row["column"] == exp["column"]
        if exp["value"] is not None:
            assert any(v in (row["value"] or "") for v in _values(exp["value"])), row
        if exp["money_rejected"] is not None:
            got = Decimal(str(row["amount"] or 0)).quantize(Decimal("0.01"))
            assert got == Decimal(exp["money_rejected"])
            f = next(f for f in result.files if f.file == exp["file"])
            money = f.money.get("net_revenue")
            if money:
                assert Decimal(money["rejected"]) == Decimal(exp["money_rejected"])
        return

    assert exp["outcome"] == "warning"
    texts = list(result.warnings) + [n for f in result.files for n in f.notes]
    issues = result.issues.filter(result.issues["row"] == exp["row"]) if exp["row"] is not None \
        else result.issues.clear()
    in_issues = any(r["column"] == exp["column"] for r in issues.iter_rows(named=True))
    in_texts = any((exp["row"] is None or f"row {exp['row']}" in t) and (
        exp["value"] is None or any(
        v in t for v in _values(exp["value"]))) for t in texts)
    assert in_issues or in_texts, (texts, result.issues)
    assert result.rejected.height == 0


@pytest.mark.parametrize("name", ["01_empty_file", "07_duplicated_header",
                                  "15_utf8_declared_cp1251"])
def test_cli_check_explains_without_traceback(name: str, make_engagement, capsys) -> None:
    root, _ = _run(DATA / "bad_inputs" / name, make_engagement)
    code = main(["check", str(root)])
    out = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out.out + out.err
    assert "ERRORS" in out.out and "What to do:" in out.out


def test_a_whole_rejected_row_is_shown_as_its_line_not_a_column(make_engagement) -> None:
    from kamlib.intake.files import result_first_reason
    from kamlib.intake.summary import summary_text

    _, result = _run(DATA / "bad_inputs" / "16_ragged_row", make_engagement)
    [row] = result.rejected.iter_rows(named=True)
    assert row["column"] is None and "доп. соглашение" in row["value"]
    text = summary_text(result)
    assert "column 'None'" not in text
    assert f"sales.csv, row 4, line '{row['value']}': the row has more fields" in text
    assert result_first_reason(result.rejected, row["file"]).startswith(
        f"row 4, line '{row['value']}': the row has more fields")
