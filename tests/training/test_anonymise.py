"""The anonymiser (issue 8): a training copy whose audit finds the same things, with no
original name, tax id, person or e-mail left in it."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import polars as pl
import pytest

from kamlib.cleanup.names import _word_key, normalize_name
from kamlib.config import load_config
from kamlib.engagement import Engagement, copy_engagement
from kamlib.errors import ConfigError, KamError
from kamlib.identifiers import is_valid_foreign_vat, is_valid_inn, is_valid_ogrn
from kamlib.resources import samples_dir
from kamlib.training.anonymise import (
    AnonymiseResult,
    Pseudonymiser,
    anonymise_engagement,
    map_tax_ids,
)
from kamlib.training.anonymise.taxids import _DigitKey, _map_kpp, _map_ogrns, _vat_moves
from kamlib.training.anonymise.words import _PROTECTED, STRUCTURAL_WORDS

RU_SEED = 20240817   # demo_ru: letters="auto", the first strong draw keeps every proposal
EN_SEED = 6          # demo_en: letters="exact", so that both letter maps are run end to end


# --------------------------------------------------------------------------- helpers


def _run_steps(root: Path, *, first: int = 0) -> list[str]:
    """Steps ``first``…4 in-process, as the notebooks call them; the intake's warnings."""
    from kamlib.cleanup import run_cleanup
    from kamlib.profitability import run_profitability
    from kamlib.runner import run_intake
    from kamlib.selection import run_selection
    from kamlib.sizing import run_sizing

    eng = Engagement.open(root)
    warnings: list[str] = []
    steps = [
        lambda: warnings.extend(run_intake(eng).warnings),
        lambda: run_cleanup(root, eng.step_dir("01_client_base_cleanup")),
        lambda: run_profitability(root, eng.step_dir("02_profitability")),
        lambda: run_selection(root, eng.step_dir("03_key_client_profile")),
        lambda: run_sizing(root, eng.step_dir("04_kam_team_sizing")),
    ]
    for step in steps[first:]:
        step()
    return warnings


def _summary(root: Path, step: str) -> dict[str, Any]:
    return json.loads((root / "work" / step / "summary.json").read_text(encoding="utf-8"))


def _partition(entities: pd.DataFrame, col: str, rename: dict[str, str]) -> set[frozenset]:
    ids = entities["client_id"].map(lambda c: rename.get(c, c))
    return {frozenset(g) for g in ids.groupby(entities[col]).agg(frozenset)}


def _compare(orig: Path, anon: Path, res: AnonymiseResult, vip: str) -> dict[str, Any]:
    """Assert that the audit of ``anon`` finds what the audit of ``orig`` found, money × the
    factor; return the figures side by side (for the report of this test)."""
    f, m = res.factor, res.client_id_map

    def ren(c: str) -> str:
        return m.get(c, c)

    # step 0 → 1: records, entities, groups, statuses, identifiers, pairs
    s1o, s1a = _summary(orig, "01_client_base_cleanup"), _summary(anon, "01_client_base_cleanup")
    for k in ("records", "records_deleted_mark", "records_added_from_transactions", "entities",
              "groups", "groups_with_several_entities", "entities_with_several_records",
              "records_merged_away", "branches", "buying_entities", "active_entities", "pairs",
              "to_review", "inn", "invalid_inn_records", "decisions_applied"):
        assert s1a[k] == s1o[k], k
    assert {s: v["entities"] for s, v in s1a["status"].items()} == \
        {s: v["entities"] for s, v in s1o["status"].items()}
    for s, v in s1o["status"].items():
        assert s1a["status"][s]["share_revenue"] == pytest.approx(v["share_revenue"], abs=1e-4)
    w1 = "work/01_client_base_cleanup"
    eo, ea = pd.read_parquet(orig / w1 / "entities.parquet"), \
        pd.read_parquet(anon / w1 / "entities.parquet")
    assert _partition(ea, "entity_id", {}) == _partition(eo, "entity_id", m)
    assert _partition(ea, "group_id", {}) == _partition(eo, "group_id", m)
    po = pd.read_parquet(orig / w1 / "pairs.parquet")
    pa = pd.read_parquet(anon / w1 / "pairs.parquet")
    assert {(*sorted((ren(a), ren(b))), o) for a, b, o in
            zip(po["client_id_a"], po["client_id_b"], po["outcome"], strict=True)} == \
        {(*sorted((a, b)), o) for a, b, o in
         zip(pa["client_id_a"], pa["client_id_b"], pa["outcome"], strict=True)}
    # step 2: money × factor, counts and shares equal
    s2o, s2a = _summary(orig, "02_profitability"), _summary(anon, "02_profitability")
    for k, v in s2o["totals"].items():
        assert s2a["totals"][k] == pytest.approx(v * f, rel=1e-6), k
    assert s2a["loss_making_entities"] == s2o["loss_making_entities"]
    co, ca = s2o["concentration"], s2a["concentration"]
    for k in ("n", "clients_to_50", "clients_to_80", "hhi_level"):
        assert ca[k] == co[k], k
    for k in ("top1", "top3", "top5", "top10", "hhi"):
        assert ca[k] == pytest.approx(co[k], rel=1e-6), k
    assert [x["entity_id"] for x in s2a["large_loss_makers"]] == \
        [ren(x["entity_id"]) for x in s2o["large_loss_makers"]]
    w2 = "work/02_profitability/client_pnl.parquet"
    pno = pd.read_parquet(orig / w2).set_index("entity_id").rename(index=ren)
    pna = pd.read_parquet(anon / w2).set_index("entity_id")
    assert sorted(pna.index) == sorted(pno.index)
    pno = pno.loc[pna.index]
    # every entity's contribution: the original × factor, within half a kopeck per line and
    # money column rounded (net revenue, COGS), and the kopeck each side rounds its cost
    # columns to (cost-to-serve from the cost pools, off-invoice, receivables), × the factor
    tol = 0.01 * pno["lines"] + 0.01 + 0.03 * f
    assert ((pna["contribution"] - pno["contribution"] * f).abs() <= tol).all()
    assert (pna["status"] == pno["status"]).all()
    vip_entity = eo.set_index("client_id").at[vip, "entity_id"]
    assert pna.at[ren(vip_entity), "contribution"] == \
        pytest.approx(pno.at[ren(vip_entity), "contribution"] * f, rel=1e-6)
    # step 3: the same key clients, under their new names
    s3o, s3a = _summary(orig, "03_key_client_profile"), _summary(anon, "03_key_client_profile")
    for k in ("active_entities", "long_list", "key_clients", "solid", "quadrants",
              "assessment_used"):
        assert s3a[k] == s3o[k], k
    assert [k["entity_id"] for k in s3a["key"]] == [ren(k["entity_id"]) for k in s3o["key"]]
    for ko, ka in zip(s3o["key"], s3a["key"], strict=True):
        assert ka["name"] != ko["name"]
        assert normalize_name(ka["name"]).legal_form == normalize_name(ko["name"]).legal_form
        assert ka["quadrant"] == ko["quadrant"]
    # step 4: the same team
    s4o, s4a = _summary(orig, "04_kam_team_sizing"), _summary(anon, "04_kam_team_sizing")
    assert s4a["kams"] == s4o["kams"] and s4a["key_accounts"] == s4o["key_accounts"]
    assert s4a["total_hours"] == pytest.approx(s4o["total_hours"])
    assert s4a["team_cost"] == pytest.approx(s4o["team_cost"] * f, rel=1e-6)
    return {
        "entities": (s1o["entities"], s1a["entities"]),
        "groups": (s1o["groups"], s1a["groups"]),
        "pairs": (s1o["pairs"], s1a["pairs"]),
        "loss_makers": (s2o["loss_making_entities"], s2a["loss_making_entities"]),
        "top3": (co["top3"], ca["top3"]), "hhi": (co["hhi"], ca["hhi"]),
        "net_revenue": (s2o["totals"]["net_revenue"], s2a["totals"]["net_revenue"]),
        "contribution": (s2o["totals"]["contribution"], s2a["totals"]["contribution"]),
        "vip_contribution": (pno.at[ren(vip_entity), "contribution"],
                             pna.at[ren(vip_entity), "contribution"]),
        "key_clients": (s3o["key_clients"], s3a["key_clients"]),
        "kams": (s4o["kams"], s4a["kams"]), "factor": f, "shift": res.shift_years,
    }


_WORD_RE = re.compile(r"[^\W\d_]+")


def _haystack(out: Path) -> tuple[str, set[str], set[str]]:
    """The files under ``out`` (CSV, YAML, xlsx cells and XML), casefolded: the text of the
    small ones, every cell value, and every word and digit run of all of them."""
    small: list[str] = []
    cells: set[str] = set()
    words: set[str] = set()

    def add(text: str, *, whole: bool) -> None:
        text = text.casefold().replace("ё", "е")
        words.update(_WORD_RE.findall(text))
        words.update(re.findall(r"\d+", text))
        if whole:
            small.append(text)

    for p in sorted(out.rglob("*")):
        if not p.is_file() or p.name == "data_request.xlsx":
            continue
        if p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p, read_only=True)
            for ws in wb.worksheets:
                add(ws.title, whole=True)
                for row in ws.iter_rows(values_only=True):
                    vals = [str(v) for v in row if v is not None]
                    cells.update(v.casefold().replace("ё", "е") for v in vals)
                    add("\n".join(vals), whole=True)
            with zipfile.ZipFile(p) as z:
                for n in z.namelist():
                    if n.endswith(".xml"):
                        add(z.read(n).decode("utf-8", "replace"), whole=True)
            continue
        text = p.read_text(encoding="utf-8")
        add(text, whole=p.stat().st_size < 1_000_000)
        if p.suffix == ".csv":
            for row in csv.reader(io.StringIO(text)):
                cells.update(v.casefold().replace("ё", "е") for v in row)
        else:
            cells.update(x.strip().strip("'\"").casefold().replace("ё", "е")
                         for x in re.split(r"[:\n]", text))
    return "\n".join(small), cells, words


def _leaks(src: Path, out: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """Original names (whole, and their words of 5+ letters), tax ids, people and e-mails
    found anywhere in ``out``. Words kept by design are not searched: legal forms, weak and
    structural words (kamlib.training.anonymise), and the categories copied as they are (regions,
    segments, roles, activities, criteria). A whole name is searched as a cell value
    everywhere, and as a substring of the small files when none of its words is searched."""
    t = {p.stem: pl.read_parquet(p) for p in (src / "work" / "00_intake").glob("*.parquet")}
    kept: set[str] = set()
    for tname, cols in (("clients", ("region", "segment")), ("team", ("role", "region")),
                        ("contacts", ("role", "function", "level")),
                        ("activities", ("activity",)), ("assessment", ("criterion",))):
        for c in cols:
            if tname in t and c in t[tname].columns:
                for v in t[tname][c].drop_nulls().unique().to_list():
                    kept.update(_WORD_RE.findall(str(v).casefold()))
    names: set[str] = {load_config(src / "engagement.yaml").client}
    for c in ("name", "full_name", "group", "parent_id"):
        if c in t["clients"].columns:
            names.update(t["clients"][c].drop_nulls().to_list())
    people: set[str] = set()
    for tname, cols in (("clients", ("manager",)), ("sales", ("manager",)),
                        ("contacts", ("person", "owner")), ("team", ("person",)),
                        ("assessment", ("assessor",))):
        for c in cols:
            if tname in t and c in t[tname].columns:
                people.update(t[tname][c].drop_nulls().unique().to_list())
    ids: set[str] = set()
    for c in ("tax_id", "ogrn", "branch_code"):
        if c in t["clients"].columns:
            ids.update(x for x in t["clients"][c].drop_nulls().to_list() if len(x) >= 9)
    small, cells, words = _haystack(out)
    found: list[str] = []
    for s in (*names, *people, *extra):
        low = s.casefold().replace("ё", "е")
        searched = [w for w in _WORD_RE.findall(low)
                    if len(w) >= 5 and w not in kept and _word_key(w) not in _PROTECTED]
        found += [w for w in searched if w in words]
        if len(low) >= 5 and (low in cells or (not searched and low in small)):
            found.append(s)
    found += [i for i in ids if i.casefold() in words or re.sub(r"\D", "", i) in words]
    return sorted(set(found))


# --------------------------------------------------------------------------- the samples


@pytest.mark.slow
def test_demo_ru_training_copy_finds_the_same(demo_ru_steps, tmp_path) -> None:
    """demo_ru: steps 0–4 on the original (the shared fixture, step 4 run into tmp) and on
    the anonymised copy give the same findings, money × the factor; nothing original is left
    in the copy; the source is not touched."""
    from kamlib.sizing import run_sizing

    orig = demo_ru_steps
    before = {p: p.stat().st_mtime_ns for p in orig.rglob("*") if p.is_file()}
    out = tmp_path / "training"
    res = anonymise_engagement(orig, out, seed=RU_SEED)
    assert {p: p.stat().st_mtime_ns for p in orig.rglob("*") if p.is_file()} == before
    assert res.matching["differ"] == 0 and res.matching["pairs"] > 300
    assert res.matching["letters"].startswith("strong")
    assert res.shift_years % 4 == 0 and res.shift_years < 0 and 0.5 <= res.factor <= 2.0
    assert res.names_replaced > 2500 and res.people_replaced > 1000 and res.ids_replaced > 5000
    # the 4 clients the intake adds from sales lines are named by a hash of their new names
    assert len(res.client_id_map) == 4 and all(
        a.startswith("NEW-") and b.startswith("NEW-") and a != b
        for a, b in res.client_id_map.items())
    # the seed is written nowhere (nor are factor and shift, by construction)
    assert str(res.seed) not in _haystack(out)[2]
    assert _leaks(orig, out) == []
    # ... and the search does find what is there
    cl = pl.read_parquet(orig / "work/00_intake/clients.parquet")
    probe = tmp_path / "probe"
    probe.mkdir()
    inn = cl["tax_id"].drop_nulls()[0]
    (probe / "x.csv").write_text(f"a,b\n{cl['name'][0]},{inn}\nЛеонов Юрий Владимирович,1\n",
                                 encoding="utf-8")
    assert {cl["name"][0], inn, "леонов", "владимирович"} <= set(_leaks(orig, probe))
    # the settings: money parameters scaled, the rest kept
    cfg_o, cfg_a = load_config(orig / "engagement.yaml"), load_config(out / "engagement.yaml")
    assert cfg_a.client != cfg_o.client
    assert cfg_a.profitability.cost_rates == pytest.approx(
        {k: v * res.factor for k, v in cfg_o.profitability.cost_rates.items()})
    assert cfg_a.sizing.travel_per_kam == pytest.approx(cfg_o.sizing.travel_per_kam * res.factor)
    assert cfg_a.selection == cfg_o.selection and cfg_a.cleanup == cfg_o.cleanup
    # the original's step 4, into tmp (the fixture is shared), then the copy's steps 0–4
    run_sizing(orig, tmp_path / "orig04")
    orig_view = tmp_path / "orig_view"
    (orig_view / "work").mkdir(parents=True)
    for step in ("01_client_base_cleanup", "02_profitability", "03_key_client_profile"):
        (orig_view / "work" / step).symlink_to(orig / "work" / step)
    (orig_view / "work" / "04_kam_team_sizing").symlink_to(tmp_path / "orig04")
    warnings = _run_steps(out)
    # `kam run OUT` reads the new raw files with no mapping and nothing to reject; the only
    # remark is the 4 clients missing from the catalogue, as in the original
    eng = Engagement.open(out)
    assert pl.read_parquet(eng.step_dir("00_intake") / "rejected.parquet").height == 0
    assert len(warnings) == 1 and "4 client(s) are not in the client catalogue" in warnings[0]
    # dates moved by whole years: the same months, the period moved
    so = pl.read_parquet(orig / "work/00_intake/sales.parquet")["date"]
    sa = pl.read_parquet(out / "work/00_intake/sales.parquet")["date"]
    assert sa.min() == so.min().replace(year=so.min().year + res.shift_years)
    assert sa.max() == so.max().replace(year=so.max().year + res.shift_years)
    truth = json.loads((samples_dir() / "demo_ru" / "truth.json").read_text(encoding="utf-8"))
    figures = _compare(orig_view, out, res, truth["vip"]["code"])
    assert figures["loss_makers"][0] == 919 and figures["kams"][0] >= 1
    print("demo_ru", figures)


def _decide(root: Path) -> tuple[tuple[str, str], tuple[str, str], tuple[str, str]]:
    """A consultant's decisions on demo_en: one pair accepted and one rejected in
    decisions/merges.csv (with a note naming a client and an e-mail), one accepted in
    review/duplicates.xlsx, a holding in decisions/groups.csv, workshop scores in
    review/assessment.xlsx."""
    w1 = root / "work" / "01_client_base_cleanup"
    pairs = pd.read_parquet(w1 / "pairs.parquet")
    apart = pairs[pairs["outcome"] == "kept apart"].sort_values(["client_id_a", "client_id_b"])
    merged = pairs[pairs["outcome"] == "merged"].sort_values(["client_id_a", "client_id_b"])
    acc = tuple(apart.iloc[0][["client_id_a", "client_id_b"]])
    rej = tuple(merged.iloc[0][["client_id_a", "client_id_b"]])
    clients = pd.read_parquet(root / "work" / "00_intake" / "clients.parquet")
    name = clients.set_index("client_id").at[acc[0], "name"]
    (root / "decisions" / "merges.csv").write_text(
        "client_id_a,client_id_b,decision,note,decided_on\n"
        f"{acc[0]},{acc[1]},accept,\"same owner as {name}, see j.smith@lumen-catering.com\","
        "2025-11-03\n"
        f"{rej[0]},{rej[1]},reject,two shops,2025-11-03\n", encoding="utf-8")
    (root / "decisions" / "groups.csv").write_text(
        f"client_id,group\n{clients['client_id'].iloc[5]},Lumen Holding\n"
        f"{clients['client_id'].iloc[9]},Lumen Holding\n", encoding="utf-8")
    wb = openpyxl.load_workbook(root / "review" / "duplicates.xlsx")
    ws = wb["review"]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(3, ws.max_row + 1)
               if ws.cell(r, head.index("status") + 1).value == "kept apart"
               and tuple(sorted((ws.cell(r, head.index("code_a") + 1).value,
                                 ws.cell(r, head.index("code_b") + 1).value))) != acc)
    sheet_pair = tuple(sorted((ws.cell(row, head.index("code_a") + 1).value,
                               ws.cell(row, head.index("code_b") + 1).value)))
    ws.cell(row, head.index("decision") + 1).value = "accept"
    wb.save(root / "review" / "duplicates.xlsx")
    wb = openpyxl.load_workbook(root / "review" / "assessment.xlsx")
    ws = wb["assessment"]
    head = [c.value for c in ws[1]]
    for r, score in zip(range(3, 6), (10, 1, 7), strict=True):
        ws.cell(r, head.index("strategic_fit") + 1).value = score
        ws.cell(r, head.index("assessor") + 1).value = "Clara Maes; Noah Visser"
        ws.cell(r, head.index("note") + 1).value = f"met {name} at the fair"
    wb.save(root / "review" / "assessment.xlsx")
    return acc, rej, sheet_pair


def test_demo_en_decisions_and_workshop_carry_over(tmp_path) -> None:
    """demo_en with a consultant's decisions (merges.csv, groups.csv, a decision pending in
    review/duplicates.xlsx) and workshop scores (review/assessment.xlsx): the copy replays
    them on the same clients and finds the same; no original name or e-mail is left."""
    orig = copy_engagement(samples_dir() / "demo_en", tmp_path / "orig")
    _run_steps(orig)  # writes the review sheets, as the consultant sees them
    acc, rej, sheet_pair = _decide(orig)
    out = tmp_path / "training"
    res = anonymise_engagement(orig, out, seed=EN_SEED, letters="exact")
    assert res.matching["letters"] == "exact" and res.matching["differ"] == 0
    assert "review/assessment.xlsx" in res.files_written
    assert any("pending in review/duplicates.xlsx" in n for n in res.notes)
    merges = pd.read_csv(out / "decisions" / "merges.csv", dtype=str, keep_default_na=False)
    assert {tuple(sorted(p)) for p in zip(merges["client_id_a"], merges["client_id_b"],
                                          strict=True)} == {acc, rej, sheet_pair}
    assert (merges["decided_on"].str[:4].astype(int) == 2025 + res.shift_years).any()
    groups = pd.read_csv(out / "decisions" / "groups.csv", dtype=str)
    assert groups["group"].nunique() == 1 and groups["group"].iloc[0] != "Lumen Holding"
    assert _leaks(orig, out, extra=("j.smith@lumen-catering.com", "Lumen Holding",
                                    "lumen-catering")) == []
    _run_steps(orig, first=1)
    _run_steps(out)
    # the accepted pairs (one from merges.csv, one from the sheet) are one entity, the
    # rejected pair two, in the original and in the copy
    for root in (orig, out):
        ent = pd.read_parquet(root / "work/01_client_base_cleanup/entities.parquet") \
            .set_index("client_id")["entity_id"]
        assert ent[acc[0]] == ent[acc[1]] and ent[sheet_pair[0]] == ent[sheet_pair[1]]
        assert ent[rej[0]] != ent[rej[1]]
    cand_o = pd.read_parquet(orig / "work/03_key_client_profile/candidates.parquet")
    cand_a = pd.read_parquet(out / "work/03_key_client_profile/candidates.parquet")
    pd.testing.assert_series_equal(
        cand_a.set_index("entity_id")["score_strategic_fit"].sort_index(),
        cand_o.set_index("entity_id")["score_strategic_fit"].sort_index())
    truth = json.loads((samples_dir() / "demo_en" / "truth.json").read_text(encoding="utf-8"))
    figures = _compare(orig, out, res, truth["vip"]["code"])
    assert figures["pairs"][0].get("rejected by reviewer") == 1
    print("demo_en", figures)


# --------------------------------------------------------------------------- the pieces


def test_tax_ids_keep_validity_and_typos() -> None:
    key = _DigitKey(np.random.default_rng(3))
    good10, good12 = "7707083893", "500100732259"
    assert is_valid_inn(good10) and is_valid_inn(good12)
    bad_check = good10[:-1] + str((int(good10[-1]) + 3) % 10)    # a wrong check digit
    bad_body = good10[:4] + str((int(good10[4]) + 1) % 10) + good10[5:]  # a typo in the body
    bad12 = good12[:-1] + str((int(good12[-1]) + 1) % 10)
    values = [good10, good12, bad_check, bad_body, bad12, "DE546659868", "12345", None, ""]
    out, lost = map_tax_ids(values, key)
    assert lost == 0
    for v in (good10, good12, bad_check, bad_body, bad12):
        assert len(out[v]) == len(v) and out[v] != v
        assert is_valid_inn(out[v]) == is_valid_inn(v)
    assert sum(x != y for x, y in zip(out[good10], out[bad_check], strict=True)) == 1
    assert sum(x != y for x, y in zip(out[good10], out[bad_body], strict=True)) == \
        sum(x != y for x, y in zip(good10, bad_body, strict=True))
    assert sum(x != y for x, y in zip(out[good12], out[bad12], strict=True)) == 1
    assert out["DE546659868"][:2] == "DE" and out["DE546659868"][2:].isdigit()
    assert all(a != b for a, b in zip("546659868", out["DE546659868"][2:], strict=True))
    assert len(out) == 7  # empty values are not ids
    kpp = _map_kpp("770743001", key)  # a branch: reason code 43 kept, the rest mapped
    assert kpp[4:6] == "43" and kpp[:4] == out[good10][:4] and kpp[6:] != "001"
    ogrn = _map_ogrns(["1027700132195", "304463210700212", "1027700132196"], key)
    assert [is_valid_ogrn(ogrn[v]) for v in ("1027700132195", "304463210700212",
                                              "1027700132196")] == [True, True, False]
    assert all(ogrn[v][0] == v[0] and ogrn[v] != v for v in ogrn)


def test_foreign_vat_ids_stay_valid_of_their_country_and_one_to_one() -> None:
    """demo_en's 274 VAT numbers (8 countries, all valid): each becomes another valid id of
    the same country and shape (python-stdnum), no two companies share one, the same seed
    gives the same ids; fixed parts kept (SE «01», BE leading 0, IT province, NL «B01»)."""
    ids = sorted(set(pd.read_csv(samples_dir() / "demo_en" / "raw" / "clients.csv",
                                 dtype=str)["Tax ID"].dropna()))
    assert len(ids) > 250 and all(is_valid_foreign_vat(v) for v in ids)
    key = _DigitKey(np.random.default_rng(3))
    out, lost = map_tax_ids(ids + ids[:5], key)  # repeated ids: one mapping each
    assert lost == 0 and sorted(out) == ids
    assert len(set(out.values())) == len(ids)  # one id, one company: pairs stay pairs
    for v in ids:
        w = out[v]
        assert w != v and is_valid_foreign_vat(w), (v, w)
        assert (w[:2], len(w)) == (v[:2], len(v))
    # at least one body admitted no check digit (PL, NL) and moved on: that path ran
    assert any(_vat_moves(v, key) for v in ids)
    by_cc = {cc: [v for v in ids if v.startswith(cc)] for cc in ("SE", "BE", "IT", "NL")}
    assert all(out[v][-2:] == "01" for v in by_cc["SE"])
    assert all(out[v][2] == v[2] for v in by_cc["BE"])
    assert all(out[v][9:12] == v[9:12] for v in by_cc["IT"])
    assert all(out[v][-3:] == v[-3:] for v in by_cc["NL"])
    again, _ = map_tax_ids(list(reversed(ids)), _DigitKey(np.random.default_rng(3)))
    assert again == out
    # a mistyped id (wrong check digit) stays invalid, a one-digit typo of its valid twin
    de = "DE136695976"
    typo = de[:-1] + "7"
    pair, _ = map_tax_ids([de, typo], key)
    assert is_valid_foreign_vat(pair[de]) and not is_valid_foreign_vat(pair[typo])
    assert pair[de][:-1] == pair[typo][:-1]


def test_names_keep_what_matching_reads() -> None:
    vocab = ["ООО «Ромашка»", "ИП Иванов Иван Иванович", "Иванова Анна Петровна",
             "Торговый дом «Вектор»"]
    ps = Pseudonymiser(11, vocabulary=vocab)
    again = Pseudonymiser(11, vocabulary=vocab)
    other = Pseudonymiser(12, vocabulary=vocab)
    spellings = ["ООО «Ромашка»", 'ООО "Ромашка"', "Ромашка ООО", "OOO Romashka",
                 "ООО «Pомашкa»", "ООО «РОМАШКА»",
                 "Общество с ограниченной ответственностью «Ромашка»"]
    keys = {normalize_name(ps.name(s)).key for s in spellings}
    assert len(keys) == 1 and keys != {normalize_name(spellings[0]).key}
    assert all(normalize_name(ps.name(s)).legal_form == "ООО" for s in spellings)
    # sole proprietors: full name, initials and Latin spelling still meet
    persons = ["ИП Иванов Иван Иванович", "ИП Иванов И.И.", "Иванов И. И. ИП",
               "IP Ivanov Ivan Ivanovich"]
    pk = {normalize_name(ps.name(s)).person_key for s in persons}
    assert len(pk) == 1 and None not in pk and pk != {"ivanov i i"}
    # structure kept: weak words, branch words, numbers, punctuation, word lengths
    assert ps.name("ТД «Вектор» (филиал Казань)").startswith("ТД «")
    assert "филиал" in ps.name("ТД «Вектор» (филиал Казань)")
    assert ps.name("Магазин №7").endswith("№7")
    assert [len(w) for w in ps.name("Иванова Анна Петровна").split()] == [7, 4, 8]
    assert ps.name("Иванова Анна Петровна").endswith("вна")
    # deterministic per seed, different across seeds; no word survives
    names = ["ООО «Ромашка»", "Бригантина", "Глобал Медиа", "Дельта Лайн"]
    assert [again.name(n) for n in names] == [ps.name(n) for n in names]
    assert [other.name(n) for n in names] != [ps.name(n) for n in names]
    for word in ("Ромашка", "Topaz", "Саша", "Вектор", "Anna"):
        assert ps.name(word) != word
    # a one-letter typo stays a one-letter typo (edit distance kept)
    a, b = ps.name("Ромашка"), ps.name("Ромашко")
    assert sum(x != y for x, y in zip(a, b, strict=True)) == 1


def test_text_dates_and_documents() -> None:
    ps = Pseudonymiser(5, shift_years=-8, years=(2023, 2025),
                       vocabulary=["ООО Ромашка"])
    doc = ps.document("Реализация товаров и услуг 0000-000001 от 29.02.2024 8:13:12")
    assert doc == "Реализация товаров и услуг 0000-000001 от 29.02.2016 8:13:12"
    assert ps.document("INV-2024-000017") == "INV-2016-000017"
    note = ps.text("звонил Иванову 12.03.2024, тел. +7 (912) 345-67-89, ivan@romashka.ru")
    assert "12.03.2016" in note and "345-67-89" not in note and "romashka" not in note
    assert "Иванову" not in note and "ivan" not in note


def test_errors_before_anything_is_written(tmp_path) -> None:
    src = copy_engagement(samples_dir() / "demo_en", tmp_path / "src")
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(KamError, match="not empty"):
        anonymise_engagement(src, busy, seed=1)
    assert (busy / "keep.txt").exists()
    for inside in (src, src / "raw" / "training", src / "training", tmp_path):
        with pytest.raises(KamError, match="outside the source"):
            anonymise_engagement(src, inside, seed=1)
    with pytest.raises(KamError, match="not an engagement"):
        anonymise_engagement(tmp_path / "nowhere", tmp_path / "out", seed=1)
    with pytest.raises(ConfigError, match="positive"):
        anonymise_engagement(src, tmp_path / "out", seed=1, factor=0)
    with pytest.raises(ConfigError, match="1990"):
        anonymise_engagement(src, tmp_path / "out", seed=1, shift_years=-40)
    with pytest.raises(ConfigError, match="1990"):
        anonymise_engagement(src, tmp_path / "out", seed=1, shift_years=5)
    with pytest.raises(ConfigError, match="letters"):
        anonymise_engagement(src, tmp_path / "out", seed=1, letters="all")
    assert not (tmp_path / "out").exists() and not (src / "raw" / "training").exists()
    # a shift that is not a multiple of 4: 29 February 2024 becomes the 28th
    res = anonymise_engagement(src, tmp_path / "odd", seed=1, shift_years=-1)
    sales = pl.read_csv(tmp_path / "odd" / "raw" / "sales.csv", infer_schema=False)
    dates = set(sales[sales.columns[0]])
    assert "2023-02-28" in dates and not any(d.endswith("-02-29") for d in dates)
    # overwrite replaces the folder; the same seed gives the same files
    res = anonymise_engagement(src, busy, seed=1, factor=1.5, shift_years=-4, overwrite=True)
    assert not (busy / "keep.txt").exists() and res.factor == 1.5 and res.shift_years == -4
    first = {p.name: p.read_bytes() for p in (busy / "raw").iterdir()}
    anonymise_engagement(src, busy, seed=1, factor=1.5, shift_years=-4, overwrite=True)
    assert {p.name: p.read_bytes() for p in (busy / "raw").iterdir()} == first
    assert "SECRET" in res.describe() and "× 1.5" in res.describe()
    assert set(STRUCTURAL_WORDS) >= {"филиал"}
