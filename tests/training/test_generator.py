"""The sample-data generator: determinism, identifiers, totals rows, planted traps, sizes."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from kamlib.identifiers import is_valid_inn, is_valid_ogrn
from kamlib.training.samples import generate_engagement

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data_samples"
SMALL = {"n_clients": 400, "n_lines": 8000}


@pytest.fixture(scope="module")
def small_ru(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen") / "ru"
    truth = generate_engagement(out, profile="ru_1c", seed=7, **SMALL)
    return out, truth


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _num(text: str) -> Decimal:
    return Decimal(text.replace("\u00a0", "").replace(" ", "").replace(",", "."))


def _read_sales_csv(path: Path) -> tuple[list[list[str]], list[str], list[str]]:
    """Header, data rows and the totals row of one 1C sales CSV."""
    with path.open(encoding="cp1251", newline="") as fh:
        rows = list(csv.reader(fh, delimiter=";"))
    start = next(i for i, r in enumerate(rows) if r and r[0] == "Период")
    assert rows[-1][0] == "Итого"
    return rows[start], rows[start + 1:-1], rows[-1]


def test_same_seed_same_bytes_other_seed_differs(small_ru: tuple[Path, dict],
                                                 tmp_path: Path) -> None:
    out, _ = small_ru
    generate_engagement(tmp_path / "again", profile="ru_1c", seed=7, **SMALL)
    first, again = _files(out), _files(tmp_path / "again")
    assert first.keys() == again.keys()
    assert first == again
    generate_engagement(tmp_path / "other", profile="ru_1c", seed=8, **SMALL)
    other = _files(tmp_path / "other")
    assert other["raw/Продажи_2024_Q1.csv"] != first["raw/Продажи_2024_Q1.csv"]
    assert other["raw/Контрагенты.xlsx"] != first["raw/Контрагенты.xlsx"]


def test_layout_and_overwrite(small_ru: tuple[Path, dict], tmp_path: Path) -> None:
    out, _ = small_ru
    assert sorted(p.name for p in out.iterdir()) == ["TRUTH.md", "engagement.yaml", "finance",
                                                      "raw", "truth.json"]
    # the demo's own cost sheets, named in engagement.yaml (kamlib.profitability.tdabc)
    assert sorted(p.name for p in (out / "finance").iterdir()) == ["cost_pools.xlsx",
                                                                   "off_invoice.xlsx"]
    assert "cost_pools_file: finance/cost_pools.xlsx" in \
        (out / "engagement.yaml").read_text(encoding="utf-8")
    names = sorted(p.name for p in (out / "raw").iterdir())
    assert [n for n in names if n.startswith("Продажи_")] == [
        f"Продажи_{y}_Q{q}.csv" for y in (2023, 2024, 2025) for q in (1, 2, 3, 4)]
    dst = tmp_path / "en"
    generate_engagement(dst, profile="en_clean", n_clients=120, n_lines=3000)
    with pytest.raises(ValueError, match="overwrite"):
        generate_engagement(dst, profile="en_clean", n_clients=120, n_lines=3000)
    generate_engagement(dst, profile="en_clean", n_clients=120, n_lines=3000, seed=3,
                        overwrite=True)


def _catalogue(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == 'Справочник "Контрагенты"'
    header = list(rows[3])
    return [dict(zip(header, r, strict=False)) for r in rows[4:]]


def _inn_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, int | float):  # written as a number: leading zero lost
        s = str(int(v))
        return s.zfill(10) if len(s) in (9, 10) else s.zfill(12)
    return str(v)


def test_identifiers_valid_except_planted(small_ru: tuple[Path, dict]) -> None:
    out, truth = small_ru
    recs = _catalogue(out / "raw" / "Контрагенты.xlsx")
    planted = set(truth["data_quality"]["invalid_inn_codes"])
    empty = set(truth["data_quality"]["empty_inn_codes"])
    assert planted and empty
    as_number = 0
    for r in recs:
        code, inn = r["Код"], _inn_text(r["ИНН"])
        as_number += isinstance(r["ИНН"], int | float)
        if code in empty:
            assert inn == ""
        elif code in planted:
            assert not is_valid_inn(inn), code
        else:
            assert is_valid_inn(inn), (code, inn)
        assert is_valid_ogrn(str(r["ОГРН"])), code
        assert len(str(r["ОГРН"])) == (15 if len(inn) == 12 else 13) or not inn
        kpp = r["КПП"]
        assert kpp is None or len(str(kpp)) == 9
    assert as_number == len(truth["data_quality"]["inn_written_as_number_codes"]) > 0


def test_totals_rows_equal_the_data_rows(small_ru: tuple[Path, dict]) -> None:
    out, truth = small_ru
    bad = {(r["file"], r["line"]) for r in truth["data_quality"]["rejected_lines"]}
    assert 0 < len(bad) <= 20
    for path in sorted((out / "raw").glob("Продажи_*.csv")):
        header, rows, total = _read_sales_csv(path)
        assert len(header) == 12 and all(len(r) == 12 for r in rows)
        for col in ("Количество", "Сумма с НДС", "НДС", "Себестоимость", "Скидка"):
            j = header.index(col)
            s = Decimal(0)
            for r in rows:
                try:
                    s += _num(r[j]) if r[j] else Decimal(0)
                except ArithmeticError:  # the planted text amounts
                    continue
            assert s == _num(total[j]), (path.name, col)


def _entities(truth: dict) -> dict[str, str]:
    """Catalogue code → entity key, from the planted duplicate and branch groups."""
    key: dict[str, str] = {}
    for g in truth["duplicates"]["groups"] + truth["branches"]["groups"]:
        for c in g["codes"]:
            key[c] = g["codes"][0]
    return key


def test_top3_entity_share_from_the_sales_files(small_ru: tuple[Path, dict]) -> None:
    out, truth = small_ru
    ent = _entities(truth)
    bad = {(r["file"], r["line"]) for r in truth["data_quality"]["rejected_lines"]}
    net: dict[str, Decimal] = defaultdict(Decimal)
    for path in sorted((out / "raw").glob("Продажи_*.csv")):
        header, rows, _ = _read_sales_csv(path)
        first = next(i for i, line in enumerate(path.read_bytes().split(b"\r\n"), 1)
                     if line.startswith("Период".encode("cp1251"))) + 1
        ix = {h: i for i, h in enumerate(header)}
        for n, r in enumerate(rows, first):
            if (path.name, n) in bad:
                continue
            amount = _num(r[ix["Сумма с НДС"]]) - _num(r[ix["НДС"]])
            if r[ix["Регистратор"]].startswith("Возврат"):
                amount = -abs(amount)
            code = r[ix["Код контрагента"]] or r[ix["Контрагент"]]
            net[ent.get(code, code)] += amount
    total = sum(net.values())
    top3 = sorted(net.values(), reverse=True)[:3]
    share = float(sum(top3) / total)
    assert 0.35 <= share <= 0.45
    assert share == pytest.approx(truth["concentration"]["top3_share"], abs=1e-3)


def test_planted_traps_in_truth(small_ru: tuple[Path, dict]) -> None:
    _, t = small_ru
    assert t["vip"]["revenue_rank"] <= 10 and t["vip"]["contribution"] < 0
    assert t["vip"]["avg_payment_delay_days"] > 30
    k = t["key_client_one_contact"]
    assert k["contacts"] == 1 and min(k["other_top20_contacts"]) >= 3
    shares = t["activity"]["shares"]
    assert 0.10 <= shares["lost"] <= 0.20 and 0.05 <= shares["dormant"] <= 0.11
    assert 0.05 <= t["activity"]["never_bought_share"] <= 0.15
    assert t["holding"] and len(t["holding"]["codes"]) == 5
    assert 0 < len(t["holding"]["group_filled"]) < 5
    assert all(len(set(g["names"])) == len(g["names"]) for g in t["duplicates"]["groups"])
    assert {g["inn_case"] for g in t["duplicates"]["groups"]} >= {"shared", "missing"}
    assert 3 <= len(t["data_quality"]["unknown_clients"]) <= 5


@pytest.mark.parametrize("sample", ["demo_ru", "demo_en"])
def test_committed_samples_are_small(sample: str) -> None:
    files = [p for p in (SAMPLES / sample).rglob("*") if p.is_file()]
    assert files
    for p in files:
        assert p.stat().st_size < 5_000_000, p


def test_demo_en_regenerates_byte_for_byte(tmp_path: Path) -> None:
    committed = json.loads((SAMPLES / "demo_en" / "truth.json").read_text(encoding="utf-8"))
    truth = generate_engagement(tmp_path / "en", profile="en_clean", seed=committed["seed"])
    assert truth == committed
    assert _files(tmp_path / "en" / "raw") == _files(SAMPLES / "demo_en" / "raw")
