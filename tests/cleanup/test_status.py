"""Activity status (METHODS.md §1): hand-made sales with known answers, every boundary, and
the sample engagement's planted truth."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from kamlib.cleanup.status import STATUSES, activity_status, status_summary
from kamlib.errors import ConfigError, SchemaError
from kamlib.resources import samples_dir

END = dt.date(2025, 12, 31)
RU = samples_dir() / "demo_ru"


def _sales(rows: list[tuple]) -> pd.DataFrame:
    """(entity, date, amount[, document]) → sales lines; one document per line by default."""
    out = []
    for i, r in enumerate(rows):
        e, d, a = r[:3]
        out.append({"entity_id": e, "date": pd.Timestamp(d), "net_revenue": float(a),
                    "document_id": r[3] if len(r) > 3 else f"doc{i}"})
    return pd.DataFrame(out)


def _every(entity: str, last: dt.date, gap: int, n: int, amount: float = 100.0) -> list[tuple]:
    """``n`` orders, ``gap`` days apart, the last on ``last``."""
    return [(entity, last - dt.timedelta(days=gap * i), amount) for i in range(n)]


def _status(sales: pd.DataFrame, entities=None, **kw) -> pd.DataFrame:
    kw.setdefault("period_end", END)
    return activity_status(sales, entities, **kw)


def ago(days: int) -> dt.date:
    return END - dt.timedelta(days=days)


# --------------------------------------------------------------------------- each status


def test_each_status_and_reason() -> None:
    sales = _sales(
        _every("act", ago(5), 30, 30)            # buys monthly, last 5 days ago
        + _every("dor", ago(120), 20, 30)        # silent 120 > 3 × 20 and > 90
        + _every("los", ago(400), 30, 10)        # nothing in the last 12 months
        + _every("new", ago(10), 30, 3)          # first order 70 days ago
        + [("ret", ago(50), -80.0)]              # returns only
    )
    st = _status(sales, ["act", "dor", "los", "new", "ret", "ghost"])
    assert st["status"].to_dict() == {"act": "active", "dor": "dormant", "los": "lost",
                                      "new": "new", "ret": "never_bought",
                                      "ghost": "never_bought"}
    assert list(st.index) == ["act", "dor", "los", "new", "ret", "ghost"]
    assert st.index.name == "entity_id"
    assert st.at["dor", "reason"] == "silent 120 days, 6.0× its median gap of 20 days"
    assert st.at["los", "reason"].startswith("no order in the last 12 months; last order")
    assert st.at["new", "reason"] == "first order 2025-10-22, within the last 6 months"
    assert st.at["ghost", "reason"] == "no sales lines"
    assert "returns" in st.at["ret", "reason"]
    assert st.at["dor", "days_silent"] == 120
    assert pd.isna(st.at["ghost", "days_silent"])
    assert pd.isna(st.at["ghost", "first_order"]) and pd.isna(st.at["ghost", "last_order"])
    assert st.at["ghost", "lines"] == 0 and st.at["ghost", "net_revenue"] == 0.0
    assert set(st["status"]) <= set(STATUSES)


def test_reasons_are_kept_as_codes_phrased_in_each_language() -> None:
    """The status's reason as a code and figures (issue 21): phrased in English it is the
    step's own sentence; in Russian it carries the same figures."""
    from kamlib.i18n import Formatter, load_strings, say
    from kamlib.units import stored_reasons

    sales = _sales(_every("dor", ago(120), 20, 30) + _every("los", ago(400), 30, 10)
                   + _every("new", ago(10), 30, 3))
    st = _status(sales, ["dor", "los", "new", "ghost"])
    assert st["reason_code"].to_dict() == {"dor": "status_silent", "los": "status_lost",
                                           "new": "status_new", "ghost": "status_no_sales"}
    assert json.loads(st.at["dor", "reason_args"]) == {"days": 120, "times": 6.0, "gap": 20,
                                                      "min_days": 90}
    reasons = dict(zip(st.index, stored_reasons(st["reason_code"], st["reason_args"]),
                       strict=True))
    en, ru = (load_strings("en"), Formatter("en", "RUB")), (load_strings("ru"),
                                                           Formatter("ru", "RUB"))
    for e in ("dor", "los", "new", "ghost"):
        assert say(reasons[e], *en) == st.at[e, "reason"]
    assert say(reasons["dor"], *ru) == ("нет заказов 120 дн. — в 6,0 раза дольше обычного "
                                        "интервала (20 дн.)")
    assert say(reasons["los"], *ru) == ("нет заказов за последние 12 мес.; последний заказ "
                                        "2024-11-26, за 400 дн. до конца периода")


def test_columns_and_types() -> None:
    st = _status(_sales(_every("a", ago(0), 10, 5)), ["a", "b"])
    assert list(st.columns) == ["first_order", "last_order", "orders", "lines", "net_revenue",
                                "revenue_last_12m", "median_gap_days", "days_silent",
                                "status", "reason", "reason_code", "reason_args"]
    assert st["first_order"].dtype.kind == "M" and st["last_order"].dtype.kind == "M"
    assert st["orders"].dtype == np.int64 and st["lines"].dtype == np.int64
    assert st.at["a", "first_order"] == pd.Timestamp(ago(40))
    assert st.at["a", "last_order"] == pd.Timestamp(END)
    assert st.at["a", "days_silent"] == 0


def test_without_reasons_the_same_table_less_its_reason_columns() -> None:
    sales = _sales(_every("act", ago(5), 30, 30) + _every("dor", ago(120), 20, 30)
                   + _every("los", ago(400), 30, 10) + [("ret", ago(50), -80.0)])
    full = _status(sales, ["act", "dor", "los", "ret", "ghost"])
    bare = _status(sales, ["act", "dor", "los", "ret", "ghost"], reasons=False)
    pd.testing.assert_frame_equal(
        bare, full.drop(columns=["reason", "reason_code", "reason_args"]))


def test_entities_default_to_those_in_sales_sorted() -> None:
    st = activity_status(_sales([("b", END, 1), ("a", END, 1)]))
    assert list(st.index) == ["a", "b"]


def test_sales_of_unlisted_entities_are_ignored() -> None:
    st = _status(_sales([("a", END, 5), ("zz", END, 7)]), ["a"])
    assert list(st.index) == ["a"] and st.at["a", "net_revenue"] == 5


# --------------------------------------------------------------------------- boundaries


@pytest.mark.parametrize(("silent", "expected"), [(90, "active"), (91, "dormant")])
def test_dormant_min_days_boundary(silent: int, expected: str) -> None:
    # own gap 20 → 3 × 20 = 60 < silent: only the 90-day floor decides
    st = _status(_sales(_every("a", ago(silent), 20, 20)))
    assert st.at["a", "status"] == expected


@pytest.mark.parametrize(("silent", "expected"), [(150, "active"), (151, "dormant")])
def test_dormant_k_gap_boundary(silent: int, expected: str) -> None:
    st = _status(_sales(_every("a", ago(silent), 50, 10)))   # 3 × 50 = 150
    assert st.at["a", "median_gap_days"] == 50
    assert st.at["a", "status"] == expected


def test_k_and_min_days_are_parameters() -> None:
    sales = _sales(_every("a", ago(100), 20, 10))
    assert _status(sales).at["a", "status"] == "dormant"
    assert _status(sales, min_days=100).at["a", "status"] == "active"
    assert _status(sales, k=6).at["a", "status"] == "active"


@pytest.mark.parametrize(("last", "expected"), [
    (dt.date(2024, 12, 31), "lost"),       # exactly 12 months before the end: outside
    (dt.date(2025, 1, 1), "dormant"),      # first day of the last 12 months: inside
])
def test_lost_boundary_is_twelve_calendar_months(last: dt.date, expected: str) -> None:
    st = _status(_sales(_every("a", last, 30, 10)))
    assert st.at["a", "status"] == expected


def test_lost_months_is_a_parameter() -> None:
    sales = _sales(_every("a", dt.date(2025, 3, 1), 30, 10))
    assert _status(sales).at["a", "status"] == "dormant"
    assert _status(sales, lost_months=6).at["a", "status"] == "lost"


@pytest.mark.parametrize(("first", "expected"), [
    (dt.date(2025, 6, 30), "active"),      # exactly 6 months before the end: not new
    (dt.date(2025, 7, 1), "new"),
])
def test_new_boundary_is_six_calendar_months(first: dt.date, expected: str) -> None:
    st = _status(_sales([("a", first, 10), ("a", ago(3), 10), ("a", ago(30), 10)]))
    assert st.at["a", "status"] == expected


def test_new_wins_over_dormant() -> None:
    # first and only orders 5 months ago: silent 150 > 90 and > 3 × gap, but new
    st = _status(_sales([("a", ago(155), 10), ("a", ago(150), 10)]))
    assert st.at["a", "status"] == "new"


# --------------------------------------------------------------------------- one order day


def test_one_order_day_is_held_to_the_base_median_gap() -> None:
    rhythm = [r for i in range(5) for r in _every(f"r{i}", ago(1), 80, 10)]   # base gap 80
    sales = _sales([*rhythm, ("one_a", ago(241), 10), ("one_b", ago(240), 10)])
    st = _status(sales)
    assert np.isnan(st.at["one_a", "median_gap_days"])
    # limit = max(90, 3 × 80) = 240 days
    assert st.at["one_a", "status"] == "dormant"
    assert st.at["one_b", "status"] == "active"
    assert "max(90, 3 × the base's median gap of 80 days) = 240 days" in \
        st.at["one_a", "reason"]


def test_one_order_day_without_any_base_gap_uses_min_days() -> None:
    sales = _sales([("a", ago(200), 10), ("b", ago(90), 10), ("c", ago(91), 10)])
    st = _status(sales, new_months=1)
    assert st["status"].to_dict() == {"a": "dormant", "b": "active", "c": "dormant"}


def test_one_order_lost_and_one_order_new() -> None:
    st = _status(_sales([("old", ago(500), 10), ("young", ago(20), 10)]))
    assert st.at["old", "status"] == "lost" and st.at["young", "status"] == "new"
    assert st.at["old", "orders"] == 1


# --------------------------------------------------------------------------- orders, returns


def test_orders_are_positive_documents_and_returns_count_in_money() -> None:
    sales = _sales([
        ("a", ago(10), 100, "D1"), ("a", ago(10), 50, "D1"),   # one order of two lines
        ("a", ago(10), 70, "D2"),                              # second order, same day
        ("a", ago(40), 200, "D3"),
        ("a", ago(5), -60, "R1"),                              # a return
    ])
    st = _status(sales)
    assert st.at["a", "orders"] == 3
    assert st.at["a", "lines"] == 5
    assert st.at["a", "net_revenue"] == pytest.approx(360.0)
    assert st.at["a", "last_order"] == pd.Timestamp(ago(10))    # the return is no order
    assert st.at["a", "days_silent"] == 10
    assert st.at["a", "median_gap_days"] == 30                 # distinct days only


def test_median_gap_of_distinct_order_days() -> None:
    st = _status(_sales([("a", ago(30), 1), ("a", ago(20), 1), ("a", ago(0), 1),
                         ("a", ago(0), 1)]))
    assert st.at["a", "median_gap_days"] == 15                 # gaps 10 and 20


def test_returns_only_entity_is_never_bought() -> None:
    st = _status(_sales([("r", ago(10), -30), ("r", ago(20), -20), ("x", END, 5)]))
    row = st.loc["r"]
    assert row["status"] == "never_bought" and row["orders"] == 0 and row["lines"] == 2
    assert row["net_revenue"] == -50
    assert row["reason"] == "no order: its 2 line(s) net to -50.00 (returns)"


def test_document_netting_to_zero_is_no_order() -> None:
    st = _status(_sales([("a", ago(10), 100, "D"), ("a", ago(10), -100, "D"),
                         ("b", END, 1)]))
    assert st.at["a", "status"] == "never_bought"


# --------------------------------------------------------------------------- period, dates


def test_period_defaults_to_the_sales_span() -> None:
    sales = _sales([*_every("a", dt.date(2025, 6, 30), 30, 20), ("b", dt.date(2025, 6, 1), 1)])
    st = activity_status(sales)
    assert st.at["a", "days_silent"] == 0                      # end = max date
    assert st.at["b", "days_silent"] == 29


def test_period_bounds_money_and_history_counts_for_status() -> None:
    sales = _sales([("a", dt.date(2022, 6, 1), 1000),          # before the period
                    ("a", dt.date(2025, 9, 1), 10),
                    ("a", dt.date(2025, 12, 1), 20),
                    ("a", dt.date(2026, 3, 1), 5000)])         # after the period end
    st = _status(sales, period_start=dt.date(2023, 1, 1))
    row = st.loc["a"]
    assert row["net_revenue"] == 30 and row["lines"] == 2 and row["orders"] == 2
    assert row["first_order"] == pd.Timestamp("2022-06-01")
    assert row["last_order"] == pd.Timestamp("2025-12-01")
    assert row["status"] != "new"                              # it bought before the period


def test_revenue_last_12m() -> None:
    sales = _sales([("a", dt.date(2024, 12, 31), 1), ("a", dt.date(2025, 1, 1), 10),
                    ("a", END, 100), ("a", dt.date(2025, 6, 1), -5)])
    st = _status(sales)
    assert st.at["a", "revenue_last_12m"] == 105
    assert st.at["a", "net_revenue"] == 106


def test_dates_as_date_objects_or_datetime64_give_the_same_result() -> None:
    sales = _sales(_every("a", ago(100), 20, 10) + _every("b", ago(3), 7, 50)
                   + [("c", ago(30), -4)])
    as_dates = sales.assign(date=[d.date() for d in sales["date"]])
    assert as_dates["date"].dtype == object
    as_ms = sales.assign(date=sales["date"].astype("datetime64[ms]"))
    with_time = sales.assign(date=sales["date"] + pd.Timedelta(hours=15))
    ref = _status(sales)
    for other in (as_dates, as_ms, with_time):
        pd.testing.assert_frame_equal(_status(other), ref)
    pd.testing.assert_frame_equal(
        _status(sales, period_end=pd.Timestamp(END)), ref)


def test_column_names_are_parameters() -> None:
    sales = _sales(_every("a", ago(1), 10, 3)).rename(columns={
        "entity_id": "client_id", "date": "day", "document_id": "doc", "net_revenue": "sum"})
    st = activity_status(sales, entity="client_id", date="day", document="doc",
                         amount="sum", period_end=END)
    assert st.index.name == "client_id" and st.at["a", "net_revenue"] == 300


def test_no_sales_at_all() -> None:
    empty = pd.DataFrame({"entity_id": pd.Series([], dtype=object),
                          "date": pd.Series([], dtype="datetime64[ns]"),
                          "document_id": pd.Series([], dtype=object),
                          "net_revenue": pd.Series([], dtype=float)})
    st = activity_status(empty, ["a", "b"])
    assert list(st["status"]) == ["never_bought", "never_bought"]
    assert len(activity_status(empty)) == 0


def test_bad_input() -> None:
    sales = _sales([("a", END, 1)])
    with pytest.raises(SchemaError, match="no such column"):
        activity_status(sales, amount="amount")
    with pytest.raises(ConfigError, match="starts after it ends"):
        activity_status(sales, period_start=dt.date(2026, 1, 1), period_end=END)
    with pytest.raises(ConfigError):
        activity_status(sales, k=-1)


# --------------------------------------------------------------------------- summary


def test_summary_sums_to_totals_and_lists_every_status() -> None:
    sales = _sales(_every("act", ago(5), 30, 30) + _every("dor", ago(120), 20, 30)
                   + _every("los", ago(400), 30, 10) + [("ret", ago(50), -80.0)])
    st = _status(sales, ["act", "dor", "los", "ret", "ghost"])
    sm = status_summary(st)
    assert list(sm.index) == list(STATUSES) and sm.index.name == "status"
    assert list(sm.columns) == ["entities", "share_entities", "net_revenue", "share_revenue",
                                "revenue_last_12m"]
    assert sm.at["new", "entities"] == 0 and sm.at["new", "net_revenue"] == 0
    assert sm.at["never_bought", "entities"] == 2
    assert sm["entities"].sum() == len(st)
    assert sm["net_revenue"].sum() == pytest.approx(st["net_revenue"].sum())
    assert sm["net_revenue"].sum() == pytest.approx(sales["net_revenue"].sum())
    assert sm["revenue_last_12m"].sum() == pytest.approx(st["revenue_last_12m"].sum())
    assert sm["share_entities"].sum() == pytest.approx(1.0)
    assert sm["share_revenue"].sum() == pytest.approx(1.0)


def test_summary_of_nothing_and_bad_status() -> None:
    st = _status(_sales([("a", END, 1)]), [])
    sm = status_summary(st)
    assert (sm["entities"] == 0).all() and sm["share_entities"].isna().all()
    with pytest.raises(SchemaError):
        status_summary(pd.DataFrame({"status": ["sleeping"], "net_revenue": [1.0],
                                     "revenue_last_12m": [1.0]}))


# --------------------------------------------------------------------------- scale


def test_200k_lines_and_200k_entities_reconcile() -> None:
    """At scale every entity gets a status and the money adds up (speed is bench/'s job:
    tests never assert on wall-clock time)."""
    rng = np.random.default_rng(0)
    n = 200_000
    sales = pd.DataFrame({
        "entity_id": rng.integers(0, 150_000, n).astype(str),
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 1095, n),
                                                             unit="D"),
        "document_id": (np.arange(n) // 2).astype(str),
        "net_revenue": rng.normal(100, 80, n)})
    st = activity_status(sales, [str(i) for i in range(200_000)])
    assert len(st) == 200_000
    assert st["net_revenue"].sum() == pytest.approx(sales["net_revenue"].sum())


# --------------------------------------------------------------------------- planted truth


@pytest.fixture(scope="module")
def demo():
    from kamlib.config import load_config
    from kamlib.intake import ingest

    cfg = load_config(RU / "engagement.yaml")
    r = ingest(RU, cfg)
    truth = json.loads((RU / "truth.json").read_text("utf-8"))
    return r.tables["sales"].to_pandas(), r.tables["clients"].to_pandas(), truth, cfg


def _entity_of(truth: dict) -> dict[str, str]:
    """Catalogue code → entity id (the smallest code of its duplicate / branch group)."""
    out = {}
    for g in truth["duplicates"]["groups"] + truth["branches"]["groups"]:
        for c in g["codes"]:
            out[c] = min(g["codes"])
    return out


def test_demo_matches_the_planted_statuses(demo) -> None:
    sales, clients, truth, cfg = demo
    ent = _entity_of(truth)
    sales = sales.assign(entity_id=sales["client_id"].map(lambda c: ent.get(c, c)))
    ids = sorted({ent.get(c, c) for c in clients["client_id"]})
    p = cfg.cleanup
    st = activity_status(sales, ids, period_start=cfg.period.start, period_end=cfg.period.end,
                         k=p.dormant_k, min_days=p.dormant_min_days,
                         lost_months=p.lost_months, new_months=p.new_months)
    planted = pd.Series("active", index=st.index, dtype=object)
    planted[st["last_order"].isna()] = "never_bought"
    for s in ("lost", "dormant", "new"):
        planted[sorted({ent.get(c, c) for c in truth["activity"][s]})] = s
    print("\n" + pd.crosstab(planted.rename("planted"), st["status"]).to_string())
    for s in ("lost", "dormant", "new"):
        want = planted.index[planted == s]
        agree = float((st.loc[want, "status"] == s).mean())
        precision = float((planted[st["status"] == s] == s).mean())
        print(f"{s}: {len(want)} planted, agreement {agree:.3f}, precision {precision:.3f}")
        assert len(want) == truth["activity"]["counts"][s]
        assert agree >= 0.95
    buying = st["status"] != "never_bought"
    assert buying.sum() == truth["activity"]["buying_entities"]
    sm = status_summary(st)
    assert sm["entities"].sum() == len(ids)
    assert sm["net_revenue"].sum() == pytest.approx(sales["net_revenue"].sum())


def test_demo_never_bought_records(demo) -> None:
    sales, clients, truth, _cfg = demo
    codes = [c for c in clients["client_id"] if c.startswith("00-")]
    st = activity_status(sales, codes, entity="client_id")
    never = set(st.index[st["status"] == "never_bought"])
    assert never == set(truth["activity"]["never_bought"])
