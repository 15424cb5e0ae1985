"""The steps' registry (kamlib.steps): finding a step by any of its names, artefacts by name,
the one result shape of every step."""

from __future__ import annotations

import pytest

from kamlib.errors import ConfigError, KamError
from kamlib.steps import STEPS, StepResult, artefact, require, step


@pytest.mark.parametrize("token", ["02", "2", "02_profitability", "profitability"])
def test_a_step_by_number_key_or_name(token: str) -> None:
    assert step(token).key == "02_profitability"


def test_an_unknown_step_names_the_steps() -> None:
    with pytest.raises(ConfigError) as err:
        step("9")
    assert "00_data_intake" in err.value.message and "05_audit_report" in err.value.message


def test_artefact_names_are_unique_and_found() -> None:
    names = [a.name for s in STEPS for a in s.artefacts]
    assert len(names) == len(set(names))
    s, a = artefact("client_pnl")
    assert s.number == "02" and a.file.endswith(".parquet")
    with pytest.raises(KeyError):
        artefact("no_such_table")


def test_a_missing_artefact_says_which_step_to_run(tmp_path) -> None:
    from kamlib.engagement import Engagement, init_engagement

    root = tmp_path / "eng"
    init_engagement(root, client="X")
    with pytest.raises(KamError) as err:
        require(Engagement.open(root), "03", "client_pnl")
    assert "02_profitability" in err.value.message and "--from 02" in err.value.hint


def test_step_result_is_one_read_only_shape() -> None:
    r = StepResult("02", {"currency": "RUB"}, {"pnl": [1, 2]}, ["a note"])
    assert r["summary"] == {"currency": "RUB"} and r.pnl == [1, 2] and r["pnl"] == [1, 2]
    assert r.notes == ("a note",) and r["notes"] == ["a note"]
    assert r.keys() == ["summary", "notes", "pnl"] and "pnl" in r
    with pytest.raises(KeyError, match="has no part 'x'; it has: pnl"):
        r["x"]
    with pytest.raises(TypeError):
        r.parts["new"] = 1   # read-only
