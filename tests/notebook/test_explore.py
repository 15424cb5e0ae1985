"""The analyst's entry point: artefacts as DataFrames with their descriptions."""

from __future__ import annotations

import pandas as pd
import pytest

import kamlib
from kamlib.errors import KamError
from kamlib.notebook.explore import DESCRIPTIONS


def test_open_engagement_gives_every_artefact_with_its_description(demo_ru_run) -> None:
    eng = kamlib.open_engagement(demo_ru_run)
    d = eng.describe()
    assert {"sales", "entity_sales", "client_pnl", "key_clients", "assignment"} <= set(eng)
    assert (d["description"] != "—").all(), d.loc[d["description"] == "—", "table"].tolist()
    assert set(d["table"]) <= set(DESCRIPTIONS)
    pnl = eng["client_pnl"]
    assert pnl.equals(pd.read_parquet(demo_ru_run / "work/02_profitability/client_pnl.parquet"))
    assert int(d.set_index("table").loc["client_pnl", "rows"]) == len(pnl)
    # attribute access, copies (the cache cannot be changed by the caller)
    changed = eng.client_pnl
    changed["contribution"] = 0
    assert eng.client_pnl["contribution"].sum() == pytest.approx(pnl["contribution"].sum())
    assert eng.summary("02")["concentration"]["top3"] == pytest.approx(0.3997, abs=1e-4)
    assert eng.summary("04_kam_team_sizing")["kams"] >= 1
    with pytest.raises(KeyError, match="no table"):
        eng["nope"]
    with pytest.raises(AttributeError):
        _ = eng.nope


def test_an_engagement_without_a_run_is_a_clear_error(make_engagement) -> None:
    root = make_engagement({})
    with pytest.raises(KamError, match="no artefacts yet") as e:
        kamlib.open_engagement(root)
    assert "kam run" in e.value.hint
