"""kamlib.profitability.holdings: groups that rank high while their members rank low."""

from __future__ import annotations

import pandas as pd
import pytest

from kamlib.profitability.holdings import concentration_level, holdings

# five entities; G:Holding owns three small ones (30 + 25 + 25 = 80), the largest group
PNL = pd.DataFrame({"group_id": ["G:Holding", "G:Holding", "G:Holding", "b", "c"],
                    "net_revenue": [30.0, 25.0, 25.0, 60.0, 40.0]})
GROUPS = pd.DataFrame({"group_id": ["G:Holding", "b", "c"], "group_name": ["x", "B", "C"],
                       "entities": [3, 1, 1], "net_revenue": [80.0, 60.0, 40.0]})


def test_a_holding_whose_best_member_ranks_outside_the_top() -> None:
    # entity ranks: b 1, c 2, holding members 3, 4, 4; groups: holding 1 (80 of 180)
    out = holdings(GROUPS, PNL, top=2)
    assert out == [{"group_id": "G:Holding", "name": "Holding", "entities": 3, "rank": 1,
                    "revenue": 80.0, "share": pytest.approx(80 / 180),
                    "best_entity_rank": 3}]


def test_no_holding_when_a_member_is_in_the_top_or_single_entity_groups() -> None:
    assert holdings(GROUPS, PNL, top=3) == []          # its best member (rank 3) is in the top
    assert holdings(GROUPS.assign(entities=1), PNL, top=2) == []
    assert holdings(GROUPS.set_index("group_id"), PNL, top=2)[0]["group_id"] == "G:Holding"
    assert holdings(GROUPS.drop(columns="entities"), PNL) == []


def test_concentration_level() -> None:
    assert concentration_level({"top3": 0.40}, {"top3": 0.405}) == "group"
    assert concentration_level({"top3": 0.40}, {"top3": 0.404}) == "entity"
    assert concentration_level({"top3": 0.40}, None) == "entity"
