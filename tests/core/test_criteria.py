"""kamlib.criteria: the selection criteria, where each score comes from."""

from __future__ import annotations

from kamlib.criteria import CRITERIA, judged_criteria


def test_judged_criteria_keep_order_and_drop_data_and_unknown() -> None:
    names = ["potential", "revenue", "no_such", "strategic_fit", "stability"]
    assert judged_criteria(names) == ["potential", "strategic_fit"]
    assert judged_criteria(()) == []


def test_data_criteria_name_a_column_judged_ones_none() -> None:
    for c in CRITERIA.values():
        assert (c.column is None) == (c.source == "judged"), c.name
        assert c.label_en and c.label_ru and c.description_en and c.description_ru
    assert sum(c.source == "judged" for c in CRITERIA.values()) == 4


def test_lower_is_better_for_variability_and_lateness() -> None:
    assert {n for n, c in CRITERIA.items() if not c.higher_is_better} == \
        {"stability", "payment_discipline"}
    assert CRITERIA["stability"].column == "cv"
    assert CRITERIA["payment_discipline"].column == "days_late_all"
