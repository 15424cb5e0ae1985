"""A generated 1C report form (``--profile 1c_report_form``) end to end through ``kam run``:
the figures the generator computed from the amounts it wrote (truth.json) come out of the
intake; the period-level sales are narrowed and said by steps 1 and 2 (no dormant, lost or
new status claimed from one period date, no per-order cost); a form whose rows and own
totals disagree stops the run naming both figures.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from kamlib.cli import main
from kamlib.intake.summary import format_amount
from kamlib.training.samples import generate_engagement
from kamlib.training.samples.forms import FORM_FILE, build_form, write_report_form

#: a whole generated engagement through `kam run` and the report: `make test-slow` (CI runs it)
pytestmark = pytest.mark.slow

ORDER_RATE = 500


def _summary(root: Path, folder: str) -> dict:
    return json.loads((root / "work" / folder / "summary.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def form_run(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("form") / "eng"
    truth = generate_engagement(root, profile="1c_report_form", seed=11, n_clients=12)
    cfg_path = root / "engagement.yaml"
    cfg = yaml.safe_load(cfg_path.read_text("utf-8"))
    # an order rate is set: period-level rows are not orders, so it must not be applied
    cfg.setdefault("profitability", {}).setdefault("cost_rates", {})["order"] = ORDER_RATE
    cfg_path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")
    assert main(["run", str(root)]) == 0
    return root, truth


def test_generator_is_deterministic(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = write_report_form(tmp_path / "a" / "f.xlsx", build_form(5, 6), date(2025, 1, 1),
                          date(2025, 3, 31))
    b = write_report_form(tmp_path / "b" / "f.xlsx", build_form(5, 6), date(2025, 1, 1),
                          date(2025, 3, 31))
    assert a == b
    assert (tmp_path / "a" / "f.xlsx").read_bytes() == (tmp_path / "b" / "f.xlsx").read_bytes()
    # the truth adds up: ИТОГО = 10 % + 20 %, net = gross − VAT, clients' net = net
    assert Decimal(a["gross"]) == sum(Decimal(v) for v in a["gross_by_rate"].values())
    assert Decimal(a["net"]) == Decimal(a["gross"]) - Decimal(a["vat"])
    assert sum(Decimal(v) for v in a["client_net"].values()) == Decimal(a["net"])


def test_intake_figures_equal_the_forms_own(form_run) -> None:
    root, truth = form_run
    s0 = _summary(root, "00_intake")
    manifest = json.loads((root / "work" / "manifest.json").read_text("utf-8"))
    (f,) = manifest["inputs"]["files"]
    # revenue: the file's own ИТОГО, the group rows not counted again
    assert f["totals_row"]["gross_revenue"]["ok"]
    assert Decimal(f["totals_row"]["gross_revenue"]["file"]) == Decimal(truth["gross"])
    assert Decimal(f["money"]["gross_revenue"]["accepted"]) == Decimal(truth["gross"])
    assert Decimal(f["money"]["vat"]["accepted"]) == Decimal(truth["vat"])
    assert Decimal(str(s0["net_revenue"])) == Decimal(truth["net"])
    assert f["rows_skipped"]["group row (a subtotal of the rows under it)"] == \
        truth["group_rows"]
    assert f["rows_accepted"] == truth["address_rows"]
    assert s0["clients"] == truth["clients"] == 12
    assert s0["delivery_points"] == truth["delivery_points"]
    assert s0["clients_with_delivery_points"] == truth["clients"]
    assert s0["sales_level"] == "period" and s0["period"] == truth["period"]
    clients = pd.read_parquet(root / "work" / "00_intake" / "clients.parquet")
    assert int(clients["delivery_points"].sum()) == truth["delivery_points"]
    sales = pd.read_parquet(root / "work" / "00_intake" / "sales.parquet")
    net = sales.assign(name=sales["client_id"].map(dict(zip(
        clients["client_id"], clients["name"], strict=True)))).groupby("name")[
        "net_revenue"].sum().round(2)
    assert {k: Decimal(str(v)) for k, v in net.items()} == {
        k: Decimal(v) for k, v in truth["client_net"].items()}


def test_step1_claims_no_dormant_or_lost_status(form_run) -> None:
    root, truth = form_run
    s1 = _summary(root, "01_client_base_cleanup")
    assert [r["code"] for r in s1["narrowed"]] == ["period_level_status"]
    assert s1["narrowed"][0]["args"] == {"start": truth["period"][0],
                                         "end": truth["period"][1]}
    for st in ("dormant", "lost", "new"):
        assert s1["status"][st]["entities"] == 0
    assert s1["status"]["active"]["entities"] == truth["clients"]
    status = pd.read_parquet(root / "work" / "01_client_base_cleanup" / "status.parquet")
    assert set(status["status"]) == {"active"}
    assert status["days_silent"].isna().all()
    assert status["reason"].str.contains("period-level sales").all()


def test_step2_costs_no_order_and_says_why(form_run) -> None:
    root, _ = form_run
    s2 = _summary(root, "02_profitability")
    assert [r["code"] for r in s2["narrowed"]] == ["period_level_orders",
                                                   "period_level_seasonality"]
    # the notes in the engagement's language (Russian; issue 21)
    assert any(n.startswith("заказы: не учтены — продажи даны итогами за период")
               for n in s2["notes"])
    pnl = pd.read_parquet(root / "work" / "02_profitability" / "client_pnl.parquet")
    assert (pnl["cts_order"] == 0).all() and pnl["avg_order"].isna().all()
    assert pnl["xyz"].isna().all()
    # no client is "new" or "gone" from a single period, and there is no year before it
    assert s2["growth"]["n_new"] is None and s2["growth"]["revenue_prev12"] is None
    assert s2["growth"]["total_growth_pct"] is None


def test_the_narrowing_is_phrased_in_both_languages() -> None:
    from kamlib.intake.level import SalesLevel, narrowed_notes

    lvl = SalesLevel("period", date(2025, 10, 1), date(2025, 12, 31))
    for lang in ("ru", "en"):
        notes = narrowed_notes(lvl.reasons("01") + lvl.reasons("02"), lang)
        assert len(notes) == 3 and all("2025-10-01 … 2025-12-31" in n for n in notes)
    assert SalesLevel().reasons("01") == []


def test_rows_that_disagree_with_the_forms_total_stop_the_run(tmp_path: Path, capsys) -> None:
    root = tmp_path / "eng"
    generate_engagement(root, profile="1c_report_form", seed=11, n_clients=6)
    truth = write_report_form(root / "raw" / FORM_FILE, build_form(11, 6), date(2025, 10, 1),
                              date(2025, 12, 31), omit_last_point=True)
    omitted = Decimal(truth["omitted_gross"])
    assert omitted > 0
    capsys.readouterr()
    assert main(["run", str(root), "--steps", "00"]) != 0
    err = capsys.readouterr().err
    gross = Decimal(truth["gross"])
    said, rows = format_amount(str(gross)), format_amount(str(gross - omitted))
    assert f"totals row says Сумма с НДС, руб = {said}" in err
    assert f"its rows add up to {rows}" in err
    assert not (root / "work" / "00_intake" / "sales.parquet").exists()


def test_generator_command_line(tmp_path: Path, capsys) -> None:
    from kamlib.training.samples import main as gen_main

    out = tmp_path / "form"
    assert gen_main([str(out), "--profile", "1c_report_form", "--seed", "3",
                     "--clients", "5"]) == 0
    truth = json.loads((out / "truth.json").read_text("utf-8"))
    said = capsys.readouterr().out
    assert f"{truth['clients']} clients, {truth['delivery_points']} delivery points" in said
    assert truth["clients"] == 5 and (out / "raw" / FORM_FILE).exists()
    # the same folder again refuses without --overwrite
    assert gen_main([str(out), "--profile", "1c_report_form"]) == 2
