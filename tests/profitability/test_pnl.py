"""The client P&L (kamlib.profitability.pnl, METHODS.md §2) on a hand-computed example.

Entities A, B, C. Client codes K1 and K2 both map to A, K3 → B, K4 → C.

Sales lines (gross = net × 1.2; the discount is exported VAT-inclusive and the code brings it
to net by × net/gross = ÷ 1.2):

    #  date        doc  ent   net    gross  disc(gross) disc(net)  cogs  return
    1  2024-01-10  D1   A    1000    1200    120         100        600
    2  2024-01-10  D1   A     500     600     60          50        300
    3  2024-01-15  D2   A    2000    2400      0           0       1500
    4  2024-02-05  D3   A    1000    1200    240         200        700
    5  2024-02-20  R1   A    -500    -600      0           0       -300   yes
    6  2024-01-20  D4   B    3000    3600    360         300       2000
    7  2024-01-20  D4   B    1000    1200      0           0        800
    8  2024-03-01  D5   B    4000    4800    480         400       3000
    9  2024-02-10  D6   C     600     720      0           0        400
   10  2024-03-15  D7   C     400     480     48          40        250

Lines / money per entity:

    A: lines 5, return_lines 1, orders 3 (D1, D2, D3), sales_net 1000+500+2000+1000 = 4500,
       returns 500, net_revenue 4000, discount 100+50+200 = 350, list_revenue 4500+350 = 4850,
       cogs 600+300+1500+700−300 = 2800, gross_margin 4000−2800 = 1200.
    B: lines 3, return_lines 0, orders 2 (D4, D5), sales_net 8000, returns 0, net 8000,
       discount 300+400 = 700, list 8700, cogs 5800, gross_margin 2200.
    C: lines 2, return_lines 0, orders 2 (D6, D7), sales_net 1000, returns 0, net 1000,
       discount 40, list 1040, cogs 650, gross_margin 350.
    Σ net_revenue 13000 = Σ lines; Σ cogs 9250 = Σ lines.

Activities (client, activity, quantity, recorded cost):
    K1 Доставка 3 (900), K2 Доставка 1 (300), K1 Визит 2 (1000), K2 Звонок 5 (50),
    K3 Доставка 2 (600), K3 Сервисный выезд 4 (400), K3 Обед 1 (999: not a driver, noted).
    → A: n_delivery 4, n_visit 2, n_call 5 (recorded 50); B: n_delivery 2,
      n_service_hour 4; C: nothing.

Rates: order 100, line 10, return 50, delivery 200, visit 500, service_hour 80, no call rate
(→ the activities' recorded cost is used, and said so in the notes).

    cts_order = 100 × orders; cts_line = 10 × (lines − return_lines); cts_return = 50 × returns
    A: order 300, line 40, return 50, delivery 800, visit 1000, service_hour 0, call 50
       → cost_to_serve 2240; avoidable (delivery+return+visit) 1850; stranded 390.
    B: order 200, line 30, return 0, delivery 400, visit 0, service_hour 320, call 0
       → cost_to_serve 950; avoidable 400; stranded 550.
    C: order 200, line 20, all else 0 → cost_to_serve 220; avoidable 0; stranded 220.

Payments (invoice date = the document's first sales date; 2024 is a leap year):
    K1 D1 due 02-09 paid 02-09 1800  → 30 days, 0 late
    K2 D2 due 02-14 paid 03-15 2400  → 60 days, 30 late
    K1 D3 due 02-15 paid 02-15 1200  → 10 days, 0 late
    K1 D3 due 02-15 unpaid      100  → ignored (no paid date)
    K3 D4 due 02-19 paid 02-19 4800  → 30 days, 0 late
    K3 D5 due 03-31 paid 04-15 4800  → 45 days, 15 late
    A: dso = (30·1800 + 60·2400 + 10·1200) / 5400 = 210000/5400 = 38.888…;
       days_late = 30·2400/5400 = 13.333…
    B: dso = (30·4800 + 45·4800) / 9600 = 37.5; days_late = 15·4800/9600 = 7.5
    C: no payments → contracted terms: K4 14 days (A's terms = mean(K1 30, K2 60) = 45, B 30).

Cost of receivables = net × days / 365 × 0.10:
    A: 4000 × (210000/5400) / 365 × 0.1 = 42.6179…
    B: 8000 × 37.5 / 365 × 0.1 = 82.1918…
    C: 1000 × 14 / 365 × 0.1 = 3.8356…

Contribution = gross margin − cost-to-serve − cost of receivables:
    A: 1200 − 2240 − 42.618 = −1082.618;  B: 2200 − 950 − 82.192 = 1167.808;
    C: 350 − 220 − 3.836 = 126.164.
margin_pct = gm / net: A 0.30, B 0.275, C 0.35; contribution_pct = contribution / net.
cts_pct = cts / net: A 0.56, B 0.11875, C 0.22; discount_pct = discount / list;
returns_pct = returns / sales_net: A 1/9; avg_order = sales_net / orders: A 1500, B 4000, C 500.
first/last order (non-return lines): A 01-10..02-05 (26 days, 2 months), B 01-20..03-01
(41 days, 2 months), C 02-10..03-15 (34 days, 2 months).
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

from kamlib.profitability.pnl import (
    CostModel,
    activity_driver,
    client_pnl,
    group_pnl,
    monthly_revenue,
)

REPO = Path(__file__).resolve().parents[2]
RATES = {"order": 100, "line": 10, "return": 50, "delivery": 200, "visit": 500,
         "service_hour": 80}
COSTS = CostModel(RATES, {}, receivables_rate=0.10)
ENTITY_MAP = pd.Series({"K1": "A", "K2": "A", "K3": "B", "K4": "C"})

_LINES = [  # date, doc, entity, net, discount (VAT-incl.), cogs, is_return
    ("2024-01-10", "D1", "A", 1000, 120, 600, False),
    ("2024-01-10", "D1", "A", 500, 60, 300, False),
    ("2024-01-15", "D2", "A", 2000, 0, 1500, False),
    ("2024-02-05", "D3", "A", 1000, 240, 700, False),
    ("2024-02-20", "R1", "A", -500, 0, -300, True),
    ("2024-01-20", "D4", "B", 3000, 360, 2000, False),
    ("2024-01-20", "D4", "B", 1000, 0, 800, False),
    ("2024-03-01", "D5", "B", 4000, 480, 3000, False),
    ("2024-02-10", "D6", "C", 600, 0, 400, False),
    ("2024-03-15", "D7", "C", 400, 48, 250, False),
]


def sales() -> pd.DataFrame:
    df = pd.DataFrame(_LINES, columns=["date", "document_id", "entity_id", "net_revenue",
                                       "discount", "cogs", "is_return"])
    df["date"] = pd.to_datetime(df["date"])
    for c in ("net_revenue", "discount", "cogs"):
        df[c] = df[c].astype(float)
    df["gross_revenue"] = df["net_revenue"] * 1.2
    return df


def activities() -> pd.DataFrame:
    return pd.DataFrame(
        [("K1", "Доставка", 3.0, 900.0), ("K2", "Доставка", 1.0, 300.0),
         ("K1", "Визит", 2.0, 1000.0), ("K2", "Звонок", 5.0, 50.0),
         ("K3", "Доставка", 2.0, 600.0), ("K3", "Сервисный выезд", 4.0, 400.0),
         ("K3", "Обед", 1.0, 999.0)],
        columns=["client_id", "activity", "quantity", "cost"])


def payments() -> pd.DataFrame:
    df = pd.DataFrame(
        [("K1", "D1", "2024-02-09", "2024-02-09", 1800.0),
         ("K2", "D2", "2024-02-14", "2024-03-15", 2400.0),
         ("K1", "D3", "2024-02-15", "2024-02-15", 1200.0),
         ("K1", "D3", "2024-02-15", None, 100.0),
         ("K3", "D4", "2024-02-19", "2024-02-19", 4800.0),
         ("K3", "D5", "2024-03-31", "2024-04-15", 4800.0)],
        columns=["client_id", "document_id", "due_date", "paid_date", "amount"])
    for c in ("due_date", "paid_date"):
        df[c] = pd.to_datetime(df[c])
    return df


def clients() -> pd.DataFrame:
    return pd.DataFrame({"client_id": ["K1", "K2", "K3", "K4"],
                         "payment_terms_days": [30, 60, 30, 14]})


def full_pnl(**kw):
    args = dict(costs=COSTS, activities=activities(), payments=payments(), clients=clients(),
                entity_map=ENTITY_MAP)
    args.update(kw)
    return client_pnl(sales(), **args)


# the cost of receivables is booked to the kopeck (42.6179… → 42.62)
COR = {"A": round(4000 * (210000 / 5400) / 365 * 0.1, 2), "B": round(8000 * 37.5 / 365 * 0.1, 2),
       "C": round(1000 * 14 / 365 * 0.1, 2)}
CTS = {"A": 2240.0, "B": 950.0, "C": 220.0}
GM = {"A": 1200.0, "B": 2200.0, "C": 350.0}
NET = {"A": 4000.0, "B": 8000.0, "C": 1000.0}
CONTRIB = {e: GM[e] - CTS[e] - COR[e] for e in "ABC"}

EXPECTED: dict[str, dict[str, object]] = {
    "A": dict(lines=5, return_lines=1, orders=3, sales_net=4500.0, returns=500.0,
              net_revenue=4000.0, discount=350.0, list_revenue=4850.0, cogs=2800.0,
              gross_margin=1200.0,
              cts_order=300.0, cts_line=40.0, cts_return=50.0, cts_delivery=800.0,
              cts_visit=1000.0, cts_service_hour=0.0, cts_call=50.0,
              n_delivery=4.0, n_visit=2.0, n_service_hour=0.0, n_call=5.0,
              cost_to_serve=2240.0, cts_avoidable=1850.0, cts_stranded=390.0,
              dso_days=210000 / 5400, days_late=72000 / 5400, terms_days=45.0,
              receivable_days=210000 / 5400, days_source="payments",
              cost_of_receivables=COR["A"], contribution=CONTRIB["A"],
              margin_pct=0.30, contribution_pct=CONTRIB["A"] / 4000, cts_pct=0.56,
              discount_pct=350 / 4850, returns_pct=500 / 4500, avg_order=1500.0,
              first_order=pd.Timestamp("2024-01-10"), last_order=pd.Timestamp("2024-02-05"),
              months_active=2, tenure_days=26),
    "B": dict(lines=3, return_lines=0, orders=2, sales_net=8000.0, returns=0.0,
              net_revenue=8000.0, discount=700.0, list_revenue=8700.0, cogs=5800.0,
              gross_margin=2200.0,
              cts_order=200.0, cts_line=30.0, cts_return=0.0, cts_delivery=400.0,
              cts_visit=0.0, cts_service_hour=320.0, cts_call=0.0,
              n_delivery=2.0, n_visit=0.0, n_service_hour=4.0, n_call=0.0,
              cost_to_serve=950.0, cts_avoidable=400.0, cts_stranded=550.0,
              dso_days=37.5, days_late=7.5, terms_days=30.0, receivable_days=37.5,
              days_source="payments", cost_of_receivables=COR["B"],
              contribution=CONTRIB["B"], margin_pct=0.275,
              contribution_pct=CONTRIB["B"] / 8000, cts_pct=950 / 8000,
              discount_pct=700 / 8700, returns_pct=0.0, avg_order=4000.0,
              first_order=pd.Timestamp("2024-01-20"), last_order=pd.Timestamp("2024-03-01"),
              months_active=2, tenure_days=41),
    "C": dict(lines=2, return_lines=0, orders=2, sales_net=1000.0, returns=0.0,
              net_revenue=1000.0, discount=40.0, list_revenue=1040.0, cogs=650.0,
              gross_margin=350.0,
              cts_order=200.0, cts_line=20.0, cts_return=0.0, cts_delivery=0.0,
              cts_visit=0.0, cts_service_hour=0.0, cts_call=0.0,
              n_delivery=0.0, n_visit=0.0, n_service_hour=0.0, n_call=0.0,
              cost_to_serve=220.0, cts_avoidable=0.0, cts_stranded=220.0,
              dso_days=math.nan, days_late=math.nan, terms_days=14.0, receivable_days=14.0,
              days_source="terms", cost_of_receivables=COR["C"],
              contribution=CONTRIB["C"], margin_pct=0.35,
              contribution_pct=CONTRIB["C"] / 1000, cts_pct=0.22,
              discount_pct=40 / 1040, returns_pct=0.0, avg_order=500.0,
              first_order=pd.Timestamp("2024-02-10"), last_order=pd.Timestamp("2024-03-15"),
              months_active=2, tenure_days=34),
}


def check_value(entity: str, col: str, got: object, want: object) -> None:
    where = f"{entity}.{col}"
    if isinstance(want, float) and math.isnan(want):
        assert pd.isna(got), where
    elif isinstance(want, (float, int)) and not isinstance(want, bool):
        assert float(got) == pytest.approx(want, rel=1e-12, abs=1e-9), where
    elif isinstance(want, pd.Timestamp):
        assert pd.Timestamp(got) == want, where
    else:
        assert got == want, where


def test_every_column_for_every_entity() -> None:
    pnl, _ = full_pnl()
    assert list(pnl.index) == ["B", "A", "C"]  # sorted by net revenue
    assert pnl.index.name == "entity_id"
    assert set(pnl.columns) == set(EXPECTED["A"]), "a column is not covered by the test"
    for e, row in EXPECTED.items():
        for col, want in row.items():
            check_value(e, col, pnl.at[e, col], want)


def test_notes_of_the_full_example() -> None:
    _, notes = full_pnl()
    assert notes == ["activities not recognised as a cost driver (not costed): Обед",
                     "call: the activities' recorded cost is used (no rate set)"]


def test_polars_inputs_give_the_same_pnl() -> None:
    pd_pnl, pd_notes = full_pnl()
    pl_pnl, pl_notes = client_pnl(pl.from_pandas(sales()), costs=COSTS,
                                  activities=pl.from_pandas(activities()),
                                  payments=pl.from_pandas(payments()), clients=clients(),
                                  entity_map=ENTITY_MAP)
    assert pl_notes == pd_notes
    pd.testing.assert_frame_equal(pl_pnl, pd_pnl)


def test_totals_in_equal_totals_out() -> None:
    pnl, _ = full_pnl()
    s = sales()
    assert pnl["net_revenue"].sum() == s["net_revenue"].sum() == 13000.0
    assert pnl["cogs"].sum() == s["cogs"].sum() == 9250.0
    assert pnl["lines"].sum() == len(s)
    # the waterfall closes for every entity
    assert (pnl["list_revenue"] - pnl["discount"] - pnl["returns"]
            - pnl["net_revenue"]).abs().max() < 1e-9
    assert (pnl["gross_margin"] - pnl["cost_to_serve"] - pnl["cost_of_receivables"]
            - pnl["contribution"]).abs().max() < 1e-9
    cts = pnl[[c for c in pnl.columns if c.startswith("cts_") and c not in
               ("cts_avoidable", "cts_stranded", "cts_pct")]].sum(axis=1)
    assert (cts - pnl["cost_to_serve"]).abs().max() < 1e-9
    assert (pnl["cts_avoidable"] + pnl["cts_stranded"] - pnl["cost_to_serve"]).abs().max() \
        < 1e-9


@pytest.fixture(scope="module")
def demo_sales() -> pd.DataFrame:
    from kamlib.config import load_config
    from kamlib.intake import ingest

    root = REPO / "data_samples" / "demo_en"
    result = ingest(root, load_config(root / "engagement.yaml"))
    assert result.ok, result.errors
    return result


def test_totals_in_equal_totals_out_on_the_demo(demo_sales) -> None:
    s = demo_sales.table("sales").rename(columns={"client_id": "entity_id"})
    pnl, _ = client_pnl(s, costs=COSTS, activities=demo_sales.table("activities"),
                        payments=demo_sales.table("payments"),
                        clients=demo_sales.table("clients"))
    assert len(pnl) == s["entity_id"].nunique()
    assert pnl["lines"].sum() == len(s)
    for col in ("net_revenue", "cogs"):
        got, want = math.fsum(pnl[col]), math.fsum(s[col])
        assert round(got, 2) == round(want, 2), col  # to the cent
        assert abs(got - want) < 1e-6 * max(1.0, abs(want)), col
    assert math.fsum(pnl["returns"]) == pytest.approx(-math.fsum(
        s.loc[s["is_return"], "net_revenue"]), rel=1e-12)
    assert pnl["cost_to_serve"].gt(0).all()


def test_no_activities_no_payments_no_catalogue() -> None:
    pnl, notes = client_pnl(sales(), costs=COSTS)
    assert notes == [
        "no activities table: deliveries, visits and service hours are not costed; "
        "cost-to-serve uses orders, lines and returns only",
        "no payments table: the cost of receivables uses contracted payment terms — none are "
        "known, so it is zero",
    ]
    for d in ("delivery", "visit", "service_hour", "call"):
        assert (pnl[f"cts_{d}"] == 0).all() and (pnl[f"n_{d}"] == 0).all()
    # costs the sales lines themselves give are still there
    assert pnl.loc["A", "cost_to_serve"] == 300 + 40 + 50
    assert pnl.loc["B", "cost_to_serve"] == 200 + 30
    assert pnl.loc["C", "cost_to_serve"] == 200 + 20
    assert (pnl["cost_of_receivables"] == 0).all()
    assert pnl["dso_days"].isna().all() and pnl["terms_days"].isna().all()
    assert (pnl["receivable_days"] == 0).all() and (pnl["days_source"] == "none").all()
    assert pnl.loc["A", "contribution"] == 1200 - 390


def test_no_payments_uses_the_catalogue_terms() -> None:
    pnl, notes = client_pnl(sales(), costs=COSTS, clients=clients(), entity_map=ENTITY_MAP)
    assert ("no payments table: the cost of receivables uses contracted payment terms from "
            "the catalogue") in notes
    assert pnl["receivable_days"].to_dict() == {"B": 30.0, "A": 45.0, "C": 14.0}
    assert (pnl["days_source"] == "terms").all()
    assert pnl.loc["A", "cost_of_receivables"] == round(4000 * 45 / 365 * 0.1, 2)


def test_no_rates_no_pools_says_so() -> None:
    pnl, notes = client_pnl(sales(), costs=CostModel({}, {}, receivables_rate=0.1),
                            activities=activities(), entity_map=ENTITY_MAP)
    assert ("no cost-to-serve rates or pools are set in engagement.yaml: contribution equals "
            "gross margin minus the cost of receivables") in notes
    # nothing invented: only the activities' own recorded costs
    assert pnl["cts_order"].eq(0).all() and pnl["cts_line"].eq(0).all()
    assert pnl.loc["A", "cts_delivery"] == 1200.0 and pnl.loc["B", "cts_delivery"] == 600.0
    assert pnl.loc["A", "cost_to_serve"] == 1200 + 1000 + 50
    assert pnl.loc["B", "cost_to_serve"] == 600 + 400
    assert pnl.loc["C", "cost_to_serve"] == 0.0


def test_pool_spread_by_driver_share() -> None:
    acts = activities().drop(columns="cost")  # units only: the pool is the only delivery cost
    pnl, _ = client_pnl(sales(), costs=CostModel({"order": 100}, {"delivery": 1000.0}),
                        activities=acts, entity_map=ENTITY_MAP)
    # deliveries A 4, B 2, C 0 → 1000 × 4/6, 1000 × 2/6, 0 in kopecks by largest remainders:
    # 666.666… → 666.67 (remainder .67 is the largest), 333.333… → 333.33; the pool is
    # allocated to the kopeck
    assert pnl.loc["A", "cts_delivery"] == 666.67
    assert pnl.loc["B", "cts_delivery"] == 333.33
    assert pnl.loc["C", "cts_delivery"] == 0.0
    assert round(pnl["cts_delivery"].sum(), 2) == 1000.00
    assert pnl.loc["A", "cts_avoidable"] == 666.67  # no visit rate or cost
    assert pnl.loc["A", "cost_to_serve"] == pytest.approx(300 + 666.67)

    # a pool adds to a rate on the same driver
    pnl2, _ = full_pnl(costs=CostModel(RATES, {"delivery": 1000.0}, receivables_rate=0.1))
    assert pnl2.loc["A", "cts_delivery"] == pytest.approx(800 + 666.67)
    assert pnl2.loc["B", "cts_delivery"] == pytest.approx(400 + 333.33)


def test_pool_replaces_recorded_cost() -> None:
    pnl, _ = client_pnl(sales(), costs=CostModel({"order": 100}, {"delivery": 1000.0}),
                        activities=activities(), entity_map=ENTITY_MAP)
    assert pnl["cts_delivery"].sum() == pytest.approx(1000.0)


def test_avoidable_is_configurable() -> None:
    pnl, _ = full_pnl(costs=CostModel(RATES, {}, avoidable=("order",), receivables_rate=0.1))
    assert pnl["cts_avoidable"].to_dict() == {"B": 200.0, "A": 300.0, "C": 200.0}
    assert pnl.loc["A", "cts_stranded"] == 2240 - 300


GROUPS = pd.Series({"A": "G1", "B": "G1", "C": "G2"})


def test_group_pnl_sums_money() -> None:
    pnl, _ = full_pnl()
    g = group_pnl(pnl, GROUPS, names=pd.Series({"G1": "Holding 1", "G2": "Holding 2"}))
    assert list(g.index) == ["G1", "G2"] and g.index.name == "group_id"
    assert g.loc["G1", "group_name"] == "Holding 1"
    assert g.loc["G1", "entities"] == 2 and g.loc["G2", "entities"] == 1
    for col in ("list_revenue", "discount", "sales_net", "returns", "net_revenue", "cogs",
                "gross_margin", "cost_to_serve", "cost_of_receivables", "contribution",
                "cts_order", "cts_delivery", "cts_avoidable", "cts_stranded"):
        assert g.loc["G1", col] == pytest.approx(pnl.loc["A", col] + pnl.loc["B", col]), col
        assert g.loc["G2", col] == pytest.approx(pnl.loc["C", col]), col
    assert g.loc["G1", "net_revenue"] == 12000.0
    assert g.loc["G1", "margin_pct"] == pytest.approx(3400 / 12000)
    assert g.loc["G1", "contribution_pct"] == pytest.approx(
        (CONTRIB["A"] + CONTRIB["B"]) / 12000)
    assert g["net_revenue"].sum() == pnl["net_revenue"].sum()


def test_group_pnl_does_not_sum_ratios() -> None:
    pnl, _ = full_pnl()
    g = group_pnl(pnl, GROUPS)
    if "cts_pct" in g.columns:
        assert g.loc["G1", "cts_pct"] == pytest.approx(3190 / 12000)


def test_monthly_revenue_one_row_per_entity_and_month() -> None:
    m = monthly_revenue(sales())
    assert list(m.columns) == ["entity_id", "month", "net_revenue"]
    got = {(r.entity_id, str(r.month)): r.net_revenue for r in m.itertuples()}
    assert got == {("A", "2024-01"): 3500.0, ("A", "2024-02"): 500.0,
                   ("B", "2024-01"): 4000.0, ("B", "2024-03"): 4000.0,
                   ("C", "2024-02"): 600.0, ("C", "2024-03"): 400.0}
    assert len(m) == len(got)
    assert m["net_revenue"].sum() == 13000.0
    m2 = monthly_revenue(pl.from_pandas(sales()))
    pd.testing.assert_frame_equal(m, m2)


@pytest.mark.parametrize(("name", "driver"), [
    ("Доставка", "delivery"), ("Visit", "visit"), ("Визит", "visit"), ("Звонок", "call"),
    ("Сервисный выезд", "service_hour"), ("Delivery", "delivery"), ("Call", "call"),
    ("Обед", None), ("", None), (None, None),
])
def test_activity_driver(name, driver) -> None:
    assert activity_driver(name) == driver


def test_the_pnl_does_not_depend_on_the_order_of_the_lines(demo_sales) -> None:
    """Allocations by largest remainders break ties by client id, not by the order polars
    happens to list the clients in; money is summed exactly (kamlib.sums)."""
    s = demo_sales.table("sales").rename(columns={"client_id": "entity_id"})
    pools = CostModel({"order": 100, "line": 10}, {"delivery": 1_234_567.89},
                      receivables_rate=0.10)
    base, _ = client_pnl(s, costs=pools, activities=demo_sales.table("activities"),
                         payments=demo_sales.table("payments"))
    for seed in (1, 2):
        again, _ = client_pnl(s.sample(frac=1.0, random_state=seed), costs=pools,
                              activities=demo_sales.table("activities"),
                              payments=demo_sales.table("payments"))
        pd.testing.assert_frame_equal(again, base)
    assert round(base["cts_delivery"].sum(), 2) == 1_234_567.89


@pytest.mark.parametrize("order", [["A", "B", "C"], ["C", "B", "A"], ["B", "C", "A"]])
def test_a_kopeck_tie_goes_to_the_same_clients_whatever_their_order(order) -> None:
    """Three clients with one order each share a pool of 2 kopecks: the two kopecks go to
    A and B (the first ids), however the lines come."""
    df = pd.DataFrame({"date": pd.to_datetime(["2024-01-10"] * 3),
                       "document_id": [f"D{e}" for e in order], "entity_id": order,
                       "net_revenue": 100.0, "cogs": 50.0, "is_return": False})
    pnl, _ = client_pnl(df, costs=CostModel({}, {"order": 0.02}))
    assert pnl["cts_order"].to_dict() == {"A": 0.01, "B": 0.01, "C": 0.0}


def test_notes_in_russian_with_the_same_figures() -> None:
    """The engagement's language (issue 21): the same notes, the driver by its label."""
    _, notes = full_pnl(lang="ru")
    assert notes == ["активности, не распознанные как драйвер затрат (не учтены): Обед",
                     "звонки: взята записанная стоимость активностей (ставка не задана)"]
    _, notes = client_pnl(sales(), costs=COSTS, lang="ru")
    assert notes == [
        "нет таблицы активностей: доставки, визиты и часы сервиса не учтены; затраты на "
        "обслуживание считаются только по заказам, строкам и возвратам",
        "нет таблицы оплат: стоимость дебиторской задолженности считается по договорным "
        "отсрочкам — их нет, поэтому она равна нулю"]


def test_a_client_with_only_returns_and_lines_without_a_document_or_a_date() -> None:
    """Sales aggregates skip return lines; a client with returns only has no orders, no
    first or last order and no active month; a sale line with no document (or no date)
    counts once among the orders (months), as any other value would."""
    d = date
    sales = pl.DataFrame({
        "entity_id": ["a", "a", "a", "b", "b", "c", "c", "c"],
        "date": [d(2024, 1, 5), None, d(2024, 2, 1), d(2024, 3, 1), d(2024, 3, 2),
                 d(2024, 1, 1), d(2024, 1, 2), None],
        "document_id": ["1", None, "2", "3", "3", None, "5", "6"],
        "net_revenue": [10.0, 5.0, -3.0, -2.0, -1.0, 4.0, 1.5, 2.25],
        "is_return": [False, False, True, True, True, False, False, False]})
    pnl, _ = client_pnl(sales, costs=CostModel({}, {}))
    got = pnl[["orders", "months_active", "sales_net", "returns", "net_revenue",
               "first_order", "last_order"]].sort_index()
    ts = pd.Timestamp
    assert got.loc["a"].tolist() == [2, 2, 15.0, 3.0, 12.0, ts(2024, 1, 5), ts(2024, 1, 5)]
    assert got.loc["b", ["orders", "months_active", "sales_net", "returns"]].tolist() \
        == [0, 0, 0.0, 3.0]
    assert pd.isna(got.loc["b", "first_order"]) and pd.isna(got.loc["b", "last_order"])
    assert got.loc["c"].tolist() == [3, 2, 7.75, 0.0, 7.75, ts(2024, 1, 1), ts(2024, 1, 2)]
