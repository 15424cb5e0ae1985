"""Step 1 against the planted truth of the samples and the foreign 1C export; the decisions
round trip; money unchanged by the remapping."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kamlib.cleanup import clean_client_base, pairwise_scores, run_cleanup
from kamlib.cleanup.review import read_decisions, write_decisions
from kamlib.config import load_config
from kamlib.engagement import copy_engagement
from kamlib.intake import ingest
from kamlib.resources import samples_dir
from kamlib.runner import run_intake
from tests.helpers import DATA

RU, EN = samples_dir() / "demo_ru", samples_dir() / "demo_en"


def _truth_labels(root: Path, codes: pd.Index) -> pd.Series:
    """The true entity of every catalogue code: duplicate and branch groups joined."""
    truth = json.loads((root / "truth.json").read_text("utf-8"))
    parent = {c: c for c in codes}

    def find(x: str) -> str:
        while parent[x] != x:
            x = parent[x]
        return x

    for kind in ("duplicates", "branches"):
        for g in truth.get(kind, {}).get("groups", []):
            members = [c for c in g["codes"] if c in parent]
            for c in members[1:]:
                parent[find(c)] = find(members[0])
    return pd.Series({c: find(c) for c in codes})


@pytest.fixture(scope="module", params=["demo_ru", "demo_en"])
def sample(request):
    root = samples_dir() / request.param
    r = ingest(root, load_config(root / "engagement.yaml"))
    clients, sales = r.table("clients"), r.table("sales")
    return root, clients, sales, clean_client_base(clients, sales)


def test_duplicates_found_with_precision_and_recall(sample) -> None:
    root, clients, _, result = sample
    pred = result.entities.set_index("client_id")["entity_id"]
    catalogue = clients.loc[clients["origin"] == "catalogue", "client_id"]
    pred = pred.loc[catalogue]
    scores = pairwise_scores(pred, _truth_labels(root, pred.index))
    print(root.name, scores)
    assert scores["precision"] >= 0.99, scores
    assert scores["recall"] >= 0.95, scores


def test_no_entity_holds_two_valid_inns(sample) -> None:
    _, _, _, result = sample
    inns = result.entities.dropna(subset=["inn"]).groupby("entity_id")["inn"].nunique()
    assert (inns <= 1).all(), inns[inns > 1]


def test_every_invalid_inn_is_flagged(sample) -> None:
    root, _, _, result = sample
    truth = json.loads((root / "truth.json").read_text("utf-8"))["data_quality"]
    flagged = set(result.identifiers.loc[
        result.identifiers["inn_status"].str.startswith("invalid"), "client_id"])
    assert set(truth.get("invalid_inn_codes", [])) <= flagged


def test_never_bought_reported(sample) -> None:
    root, _, sales, result = sample
    truth = json.loads((root / "truth.json").read_text("utf-8"))["activity"]
    buyers = set(sales["client_id"])
    ent = result.entities.set_index("client_id")["entity_id"]
    for code in truth.get("never_bought", []):
        entity = ent[code]
        members = set(ent[ent == entity].index)
        if not members & buyers:
            assert result.status.loc[entity, "status"] == "never_bought", code


def test_sales_remapped_without_losing_money(sample) -> None:
    _, _, sales, result = sample
    assert len(result.sales) == len(sales)
    assert round(result.sales["net_revenue"].sum(), 2) == round(sales["net_revenue"].sum(), 2)
    assert result.sales["entity_id"].notna().all() and result.sales["group_id"].notna().all()


def test_holding_grouped_from_group_field() -> None:
    truth = json.loads((RU / "truth.json").read_text("utf-8"))["holding"]
    r = ingest(RU, load_config(RU / "engagement.yaml"))
    result = clean_client_base(r.table("clients"), r.table("sales"))
    groups = result.entities.set_index("client_id").loc[truth["group_filled"], "group_id"]
    assert groups.nunique() == 1 and groups.iloc[0].startswith("G:")


def test_foreign_export_branches_merge_and_lookalikes_do_not() -> None:
    root = DATA / "foreign_1c"
    from kamlib.engagement import init_engagement

    tmp = Path(pytest.importorskip("tempfile").mkdtemp()) / "f"
    init_engagement(tmp, client="t")
    for f in (root / "raw").iterdir():
        shutil.copy2(f, tmp / "raw" / f.name)
    r = ingest(tmp, load_config(tmp / "engagement.yaml"))
    result = clean_client_base(r.table("clients"), r.table("sales"))
    ent = result.entities.set_index("client_id")["entity_id"]
    assert ent["000000062"] == ent["000000076"]          # same INN, other KPP: a branch
    assert ent["000000022"] != ent["000000025"]          # 'Вектор' is not 'Вектор-М'
    assert result.entities.set_index("client_id").loc["000000076", "is_branch"]


def test_decisions_round_trip(tmp_path) -> None:
    root = copy_engagement(EN, tmp_path / "en")
    from kamlib.engagement import Engagement

    eng = Engagement.open(root)
    run_intake(eng)
    out = tmp_path / "out1"
    first = run_cleanup(root, out)
    review = root / "review" / "duplicates.xlsx"
    assert review.exists()
    ent1 = first.entities.set_index("client_id")["entity_id"]

    # a person rejects one automatic merge (in the CSV) …
    merged = first.pairs[first.pairs["outcome"] == "merged"].iloc[0]
    a, b = sorted((merged.client_id_a, merged.client_id_b))
    write_decisions(root / "decisions" / "merges.csv", pd.DataFrame(
        [{"client_id_a": a, "client_id_b": b, "decision": "reject", "note": "two shops",
          "decided_on": "2026-11-22"}]))
    # … and accepts, in the review sheet, two records nothing linked
    c, d = sorted(ent1.index[~ent1.index.isin([a, b])][:2])
    wb = openpyxl.load_workbook(review)
    ws = wb["review"]
    row = ws.max_row + 1
    header = [cell.value for cell in ws[1]]
    values = {"code_a": c, "code_b": d, "decision": "accept", "note": "same shop"}
    for col, name in enumerate(header, 1):
        if name in values:
            ws.cell(row=row, column=col, value=values[name])
    wb.save(review)

    second = run_cleanup(root, tmp_path / "out2")
    decisions = read_decisions(root / "decisions" / "merges.csv")
    assert {(x.client_id_a, x.client_id_b, x.decision) for x in decisions.itertuples()} == \
        {(a, b, "reject"), (c, d, "accept")}
    ent2 = second.entities.set_index("client_id")["entity_id"]
    assert ent2[a] != ent2[b]
    assert ent2[c] == ent2[d]
    # nothing else changed: outside the clusters touched, the partition is the same
    touched = set(ent1[ent1.isin(ent1[[a, b, c, d]])].index)
    rest = ent1.index.difference(sorted(touched))
    assert pairwise_scores(ent2[rest], ent1[rest])["precision"] == 1.0
    assert pairwise_scores(ent2[rest], ent1[rest])["recall"] == 1.0
    # the sheet now shows both decisions, and a third run changes nothing
    third = run_cleanup(root, tmp_path / "out3")
    assert third.entities.set_index("client_id")["entity_id"].equals(ent2)


def test_bad_decision_value_is_a_clear_error(tmp_path) -> None:
    from kamlib.errors import InputError

    path = tmp_path / "merges.csv"
    path.write_text("client_id_a,client_id_b,decision\nA,B,maybe\n", encoding="utf-8")
    with pytest.raises(InputError, match="accept' or 'reject'") as info:
        read_decisions(path)
    assert info.value.row == 2 and info.value.value == "maybe"


def test_accepted_pairs_given_as_an_iterator_are_merged_and_labelled() -> None:
    from kamlib.cleanup.matching import cluster

    rec = pd.DataFrame({"client_id": ["A", "B", "C"], "inn": [None, None, None]})
    pairs = pd.DataFrame({"a": [0, 1], "b": [1, 2], "proposal": ["review", "review"]})
    decisions = pd.DataFrame({"client_id_a": ["A"], "client_id_b": ["B"]})
    labels, applied = cluster(rec, pairs, accepted=decisions.itertuples(index=False),
                              rejected=iter([("B", "C")]))
    assert labels[0] == labels[1] != labels[2]
    assert list(applied["outcome"]) == ["merged (accepted)", "rejected by reviewer"]


def test_an_entity_is_named_by_a_clean_spelling() -> None:
    """A Latin look-alike or all capitals in the canonical record's name is not shown when
    another spelling of the entity is clean; the entity id (the canonical record) stays."""
    import numpy as np

    from kamlib.cleanup.entities import build_entities

    rec = pd.DataFrame({"client_id": ["A", "B", "C", "D"],
                        "name": ["ООО «Жeмчуг»", "ООО «Жемчуг»", "ИП ИВАНОВ ИВАН ИВАНОВИЧ",
                                 "ИП Иванов Иван Иванович"],
                        "inn": [None] * 4})
    usage = pd.Series({"A": 10, "B": 1, "C": 10, "D": 1})
    out = build_entities(rec, np.array([0, 0, 2, 2]), usage).set_index("client_id")
    assert out.loc["B", "entity_id"] == "A" and out.loc["D", "entity_id"] == "C"
    assert out.loc["A", "entity_name"] == "ООО «Жемчуг»"
    assert out.loc["C", "entity_name"] == "ИП Иванов Иван Иванович"


def test_pair_evidence_is_kept_as_codes_phrased_as_the_step_says_it() -> None:
    """Issue 21: each pair's evidence as reason codes (``evidence_reasons``) phrased in
    English is the step's own sentence; in Russian it says the same with the same ids."""
    import json

    from kamlib.cleanup.matching import candidate_pairs, prepare_records
    from kamlib.i18n import Formatter, load_strings, say

    clients = pd.DataFrame({
        "client_id": ["1", "2", "3", "4"],
        "name": ["ООО Ромашка", "Ромашка ООО", "ИП Ермакова Ю.А.", "Ермакова Ю. А. ИП"],
        "tax_id": ["7707083893", "7707083893", "022075362711", "022075362710"],
        "branch_code": [None, None, None, None]})
    pairs = candidate_pairs(prepare_records(clients))
    assert len(pairs) == 2
    en, ru = (load_strings("en"), Formatter("en", "RUB")), (load_strings("ru"),
                                                           Formatter("ru", "RUB"))
    for ev, codes in zip(pairs["evidence"], pairs["evidence_reasons"], strict=True):
        reasons = json.loads(codes)
        assert "; ".join(say(r, *en) for r in reasons) == ev
    texts = {"; ".join(say(r, *ru) for r in json.loads(c)) for c in pairs["evidence_reasons"]}
    assert "тот же ИНН 7707083893" in texts
    assert any("ИНН отличаются одной цифрой (022075362711 / 022075362710): опечатка" in t
               for t in texts)
