"""The report model: strings in both languages, number formats, traceable facts, and no
report from a failed, partial or stale run."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kamlib.errors import ReportError
from kamlib.i18n import Formatter, i18n_dir
from kamlib.io import atomic_write_json
from kamlib.report import build_model, check_run, load_strings

NBSP = "\u00a0"


# --------------------------------------------------------------------------- strings


def test_every_key_exists_in_both_languages_with_the_same_placeholders() -> None:
    ru, en = load_strings("ru"), load_strings("en")
    only_ru, only_en = ru.keys() - en.keys(), en.keys() - ru.keys()
    assert not only_ru, f"keys only in ru: {sorted(only_ru)}"
    assert not only_en, f"keys only in en: {sorted(only_en)}"
    differ = [k for k in ru.table if ru.fields(k) != en.fields(k)]
    assert not differ, f"placeholders differ: {differ}"
    assert len(ru.keys()) > 300


def test_the_same_files_exist_in_both_languages() -> None:
    names = {lang: sorted(p.name for p in i18n_dir(lang).glob("*.yaml")) for lang in ("ru", "en")}
    assert names["ru"] == names["en"]


def test_a_key_defined_twice_or_missing_is_an_error(tmp_path: Path) -> None:
    from kamlib.errors import ConfigError

    (tmp_path / "a.yaml").write_text("x:\n  y: one\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("x:\n  y: two\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="defined twice"):
        load_strings("xx", folder=tmp_path)
    (tmp_path / "b.yaml").unlink()
    s = load_strings("xx", folder=tmp_path)
    assert s.t("x.y") == "one"
    with pytest.raises(ConfigError, match="missing"):
        s.t("x.z")


@pytest.mark.parametrize(("lang", "money", "pct", "day"), [
    ("ru", f"1{NBSP}234{NBSP}567,89{NBSP}₽", f"40,0{NBSP}%", f"31{NBSP}декабря 2025{NBSP}г."),
    ("en", f"RUB{NBSP}1,234,567.89", "40.0%", "31 December 2025"),
])
def test_numbers_money_and_dates_per_language(lang, money, pct, day) -> None:
    f = Formatter(lang, "RUB")
    assert f.money(1234567.891) == money
    assert f.pct(0.39968) == pct
    assert f.date("2025-12-31") == day
    assert f.money(None) == "—" and f.pct(float("nan")) == "—"


def test_negative_and_short_money() -> None:
    ru, en = Formatter("ru", "RUB"), Formatter("en", "EUR")
    assert ru.money(-34215210.06) == f"−34{NBSP}215{NBSP}210,06{NBSP}₽"
    assert ru.money_short(3850230924.25) == f"3,85{NBSP}млрд{NBSP}₽"
    assert en.money_short(-34215210.06) == f"EUR{NBSP}-34.2m"
    assert en.money(-0.001) == f"EUR{NBSP}0.00"  # no "-0.00"


# --------------------------------------------------------------------------- the run


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "eng"
    shutil.copytree(src, dst)
    return dst


def _manifest(root: Path) -> dict:
    return json.loads((root / "work" / "manifest.json").read_text(encoding="utf-8"))


def test_no_report_before_a_run(make_engagement) -> None:
    root = make_engagement({})
    with pytest.raises(ReportError, match="has not been run"):
        check_run(root)


def test_no_report_from_a_failed_run(demo_ru_run, tmp_path) -> None:
    root = _copy(demo_ru_run, tmp_path)
    m = _manifest(root)
    m["status"] = "failed"
    m["steps"]["02_profitability"] = {"status": "failed", "error": {"message": "boom"}}
    atomic_write_json(root / "work" / "manifest.json", m)
    with pytest.raises(ReportError, match="failed at step 02_profitability: boom") as e:
        build_model(root, "en")
    assert "--from 02" in e.value.hint


def test_no_report_from_a_partial_run(demo_ru_run, tmp_path) -> None:
    root = _copy(demo_ru_run, tmp_path)
    m = _manifest(root)
    del m["steps"]["04_kam_team_sizing"]
    atomic_write_json(root / "work" / "manifest.json", m)
    with pytest.raises(ReportError, match="step 04_kam_team_sizing has not been run"):
        check_run(root)
    m = _manifest(demo_ru_run)
    atomic_write_json(root / "work" / "manifest.json", m)
    (root / "work" / "03_key_client_profile" / "summary.json").unlink()
    with pytest.raises(ReportError, match=r"left no summary\.json"):
        check_run(root)


def test_no_report_from_a_stale_run(demo_ru_run, tmp_path) -> None:
    root = _copy(demo_ru_run, tmp_path)
    m = _manifest(root)
    m["steps"]["01_client_base_cleanup"]["finished"] = "2099-01-01T00:00:00+00:00"
    atomic_write_json(root / "work" / "manifest.json", m)
    with pytest.raises(ReportError, match="older than step 01"):
        check_run(root)


def test_a_run_never_ends_before_it_starts_in_the_provenance(demo_ru_run, tmp_path) -> None:
    from kamlib.report.html import render_html

    root = _copy(demo_ru_run, tmp_path)
    m = _manifest(root)
    last = max(v["finished"] for v in m["steps"].values())
    # the report step run alone, an hour after the analysis, in a manifest that still holds
    # the previous run's end (written before the runner cleared it)
    m["run_started"] = "2099-01-01T10:00:00+00:00"
    m["run_finished"] = last
    atomic_write_json(root / "work" / "manifest.json", m)
    model = build_model(root, "en")
    assert model.provenance.run_started == "2099-01-01T10:00:00+00:00"
    assert model.provenance.run_finished is None
    html = render_html(model)
    assert "<dt>Run finished</dt><dd>—</dd>" in html.replace("\n", "")
    # a report made inside the run it belongs to: the analysis ended with its last step
    m["run_started"], m["run_finished"] = min(v["finished"] for v in m["steps"].values()), None
    atomic_write_json(root / "work" / "manifest.json", m)
    assert build_model(root, "en").provenance.run_finished == max(
        v["finished"] for k, v in m["steps"].items() if not k.startswith("05"))


def test_kam_report_refuses_a_partial_run_with_a_clear_message(demo_ru_run, tmp_path,
                                                               capsys) -> None:
    from kamlib.cli import main

    root = _copy(demo_ru_run, tmp_path)
    m = _manifest(root)
    del m["steps"]["03_key_client_profile"]
    atomic_write_json(root / "work" / "manifest.json", m)
    assert main(["report", str(root), "--format", "xlsx"]) == 3  # the state stops the work
    err = capsys.readouterr().err
    assert "ReportError" in err and "03_key_client_profile has not been run" in err
    assert "kam run" in err and "Traceback" not in err
    assert not (root / "reports" / "audit_report_ru.xlsx").exists()


@pytest.mark.slow  # runs the report notebook for real: about 20 s
def test_the_report_step_renders_the_other_languages_as_well(demo_ru_run, tmp_path) -> None:
    """report.also_languages: the run's report step renders those languages too, in the same
    set (one manifest, one run), each page in its own language."""
    from kamlib.runner import run_pipeline

    root = _copy(demo_ru_run, tmp_path)
    cfg = root / "engagement.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert "  formats: [html, pdf, xlsx, pptx]\n" in text
    cfg.write_text(text.replace("  formats: [html, pdf, xlsx, pptx]\n",
                                "  formats: [html, xlsx]\n  also_languages: [en, ru]\n"),
                   encoding="utf-8")
    run_pipeline(root, steps=["05"], on_progress=None)
    record = json.loads((root / "reports" / "report_manifest.json").read_text("utf-8"))
    assert {lang: sorted(files) for lang, files in record["files"].items()} == {
        lang: ["account_plans", "html", "xlsx"] for lang in ("ru", "en")}
    for lang in ("ru", "en"):
        page = (root / "reports" / f"audit_report_{lang}.html").read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in page
    summary = json.loads((root / "work" / "05_audit_report" / "summary.json")
                         .read_text(encoding="utf-8"))
    assert summary["language"] == "ru" and set(summary["files"]) == {"ru", "en"}
    assert _manifest(root)["parameters"]["report"]["also_languages"] == ["en"]


# --------------------------------------------------------------------------- the model


def _at(summary: dict, path: str):
    node = summary
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return float(node) if isinstance(node, str) else node


@pytest.fixture(scope="module")
def models(demo_ru_run):
    return {lang: build_model(demo_ru_run, lang) for lang in ("ru", "en")}


def test_every_fact_equals_its_artefact(models, demo_ru_run) -> None:
    m = models["en"]
    facts = [f for s in m.sections for f in s.facts] + [f.fact for f in m.findings] \
        + m.provenance.control_totals
    assert len(facts) > 40
    for fact in facts:
        artefact, _, path = fact.source.partition("#")
        summary = json.loads((demo_ru_run / "work" / artefact).read_text(encoding="utf-8"))
        expected = _at(summary, path)
        if isinstance(expected, float):
            assert math.isclose(fact.value, expected, rel_tol=1e-12), fact
        else:
            assert fact.value == expected, fact


def test_findings_say_what_the_steps_found(models, demo_ru_run) -> None:
    s2 = json.loads((demo_ru_run / "work/02_profitability/summary.json").read_text("utf-8"))
    s3 = json.loads((demo_ru_run / "work/03_key_client_profile/summary.json").read_text("utf-8"))
    for m in models.values():
        assert [f.key for f in m.findings] == ["client_base", "profitability", "concentration",
                                              "key_clients", "team", "channels", "dependency",
                                              "vip"]
        vip = m.findings[1]
        assert 'ООО "Престиж-Маркет"' in vip.sentence
        # the sample's own cost pools and its listing fee (finance/) cost-to-serve the VIP
        assert vip.fact.value == pytest.approx(-36312720.98, abs=0.01)
        assert vip.fact.value == s2["large_loss_makers"][0]["contribution"]
        assert s3["single_point_of_contact"][0]["name"] in m.findings[3].sentence
        assert m.findings[3].headline == m.fmt.integer(s3["key_clients"])
        assert len(m.sections) == 11 and m.sections[-1].key == "recommendations"
        assert [x.key for x in m.sections][3:5] == ["cost_pools", "cash"]
        assert len(m.methods) >= 20 and all(x.source for x in m.methods)
    assert "36,3" in models["ru"].findings[1].headline
    assert "36.3" in models["en"].findings[1].headline


def test_tables_are_the_artefacts(models, demo_ru_run) -> None:
    m = models["ru"]
    pnl = pd.read_parquet(demo_ru_run / "work/02_profitability/client_pnl.parquet")
    t = m.tables["client_pnl"]
    assert len(t.data) == len(pnl)
    assert t.data["contribution"].sum() == pytest.approx(pnl["contribution"].sum(), abs=0.01)
    assert [c.key for c in t.columns] == list(t.data.columns)
    key = pd.read_parquet(demo_ru_run / "work/03_key_client_profile/key_clients.parquet")
    assert set(m.tables["key_clients"].data["entity_id"]) == set(key["entity_id"])
    assert set(m.tables) >= {"client_pnl", "entities", "merges", "key_clients", "team_plan",
                             "assignment", "kpis", "inputs"}
    # shares are fractions in the model, whatever the artefact stored
    assert m.tables["client_pnl"].data["margin_pct"].abs().median() < 1.5
    assert len(m.provenance.inputs) == 18 and m.provenance.inputs["sha256"].str.len().eq(64).all()


def test_charts_carry_their_data_and_a_png(models) -> None:
    for m in models.values():
        assert {"whale_curve", "concentration", "portfolio_matrix", "fte"} <= set(m.charts)
        for c in m.charts.values():
            assert c.png.startswith(b"\x89PNG") and len(c.png) > 5000
            assert {c.x, *c.y} <= set(c.data.columns) and len(c.data)
        whale = m.charts["whale_curve"].data
        assert whale["cum_pct"].max() == pytest.approx(1.1335, abs=1e-3)
        assert whale["cum_pct"].iloc[-1] == pytest.approx(1.0)
    assert models["ru"].charts["fte"].series["base"] == "база"


def test_phrases_have_the_same_patterns_in_both_languages() -> None:
    ru, en = load_strings("ru"), load_strings("en")
    patterns = [k for k in ru.table if k.startswith("phrases.") and k.endswith(".pattern")]
    assert len(patterns) > 20
    assert all(ru.t(k) == en.t(k) for k in patterns)


def test_a_russian_report_has_no_english_phrases_in_its_tables(models) -> None:
    import re

    english = re.compile(r"\b(contact|contacts|margin|silent|order|discounts|returns|revenue|"
                         r"buyer|decision|days|base|invest|higher|lower|average)\b")
    m = models["ru"]
    for key, col in (("loss_makers", "why"), ("single_point", "risk"), ("key_clients", "reason"),
                     ("key_clients", "strategy"), ("entities", "reason"), ("kpis", "definition"),
                     ("kpis", "better")):
        left = [v for v in m.tables[key].data[col].dropna() if english.search(str(v))]
        assert not left, (key, col, left[:3])
    # an English report keeps the steps' own words
    assert "discounts" in models["en"].tables["loss_makers"].data["why"].iloc[0]


def test_a_model_of_this_run_is_rendered_as_given_and_one_of_another_run_is_rebuilt(
        demo_ru_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``build_report(models=...)``: the notebook's model is not built a second time, but a
    model whose run is not the engagement's last run never reaches a deliverable."""
    import dataclasses

    import kamlib.report as report

    root = tmp_path / "eng"
    shutil.copytree(demo_ru_run, root, ignore=shutil.ignore_patterns("reports"))
    model = report.build_model(root, "ru")
    calls: list[str] = []
    real = report.build_model

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(report, "build_model", counting)
    report.build_report(root, languages=["ru"], formats=["html"], papers=False,
                        models={"ru": model})
    assert calls == []
    html = (root / "reports" / "audit_report_ru.html").read_text(encoding="utf-8")
    assert model.title in html
    stale = dataclasses.replace(model, provenance=dataclasses.replace(
        model.provenance, run_started="2001-01-01T00:00:00+00:00"))
    report.build_report(root, languages=["ru"], formats=["html"], papers=False,
                        models={"ru": stale})
    assert calls == ["ru"]


def test_the_inputs_table_adds_up_row_by_row(models) -> None:
    """Each file's rows read = accepted + rejected + skipped (the totals rows and repeated
    headers): the table showed read = accepted + rejected + 1 on every sales file, the
    totals row unexplained."""
    for m in models.values():
        t = m.tables["inputs"].data
        assert (t["rows_read"] == t["rows_accepted"] + t["rows_rejected"]
                + t["rows_skipped"]).all()
        assert t["rows_skipped"].sum() > 0               # demo_ru's sales have totals rows
