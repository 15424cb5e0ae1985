"""Client-profitability figures (kamlib.profitability.curves) and their charts, on a
hand-computed example.

The example base, six clients (currency units)::

    id  list  disc  sales  ret  net   cogs  gm   cts  cor  contribution
    a   500   100   400    0    400   280   120  50   10    60
    b   220    20   200    0    200   140    60  25    5    30
    c   160    10   150    0    150   100    50  28    2    20
    d   110    10   100    0    100    70    30  18    2    10
    e   105     5   100    0    100    97     3  22    1   -20
    f   100    20    80   30     50    35    15  50    5   -40
    Σ  1195   165  1030   30   1000   722   278 193   25    60
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from kamlib import plots
from kamlib.profitability import curves
from tests.helpers import PNL_COLS as COLS
from tests.helpers import PNL_ROWS as ROWS


@pytest.fixture
def pnl() -> pd.DataFrame:
    df = pd.DataFrame.from_dict(ROWS, orient="index", columns=COLS).astype(float)
    df.index.name = "entity_id"
    df["entity_name"] = [f"Client {k.upper()}" for k in df.index]
    return df.reset_index()


def _one(contribution: list[float], revenue: list[float] | None = None) -> pd.DataFrame:
    n = len(contribution)
    rev = revenue or [100.0] * n
    return pd.DataFrame({"entity_id": [f"x{i}" for i in range(n)],
                         "entity_name": [f"X{i}" for i in range(n)],
                         "net_revenue": rev, "contribution": contribution})


# ------------------------------------------------------------------ whale


def test_whale_figures_hand_computed(pnl: pd.DataFrame) -> None:
    """Σ positive = 60+30+20+10 = 120, Σ negative = −20−40 = −60, total = 60.
    peak = 120/60 = 2.0 after 4 of 6 clients; loss tail = −60/60 = −1.0;
    cross-subsidy = 60/120 = 0.5; top 20% = ceil(1.2) = 2 clients: (60+30)/60 = 1.5."""
    f = curves.whale_figures(pnl)
    assert f["total"] == 60 and f["positive_sum"] == 120 and f["negative_sum"] == -60
    assert f["peak_pct"] == pytest.approx(2.0)
    assert f["clients_at_peak"] == 4
    assert f["clients_at_peak_share"] == pytest.approx(4 / 6)
    assert f["loss_tail_pct"] == pytest.approx(-1.0)
    assert f["peak_pct"] + f["loss_tail_pct"] == pytest.approx(1.0)
    assert f["loss_makers"] == 2
    assert f["cross_subsidy_index"] == pytest.approx(0.5)
    assert "Stobachoff-type" in f["cross_subsidy_label"]
    assert f["top20_n"] == 2 and f["top20_pct"] == pytest.approx(1.5)
    assert f["note"] is None


def test_whale_curve_hand_computed(pnl: pd.DataFrame) -> None:
    """Sorted 60, 30, 20, 10, −20, −40; cumulative 60, 90, 110, 120, 100, 60 over 60."""
    w = curves.whale_curve(pnl)
    assert list(w.columns) == ["rank", "entity_id", "value", "cum_value", "cum_pct",
                               "client_share"]
    assert list(w["entity_id"]) == list("abcdef")
    assert list(w["cum_value"]) == [60, 90, 110, 120, 100, 60]
    np.testing.assert_allclose(w["cum_pct"], [1.0, 1.5, 11 / 6, 2.0, 5 / 3, 1.0])
    np.testing.assert_allclose(w["client_share"], np.arange(1, 7) / 6)
    assert w["cum_pct"].max() == pytest.approx(curves.whale_figures(pnl)["peak_pct"])


def test_whale_all_positive() -> None:
    f = curves.whale_figures(_one([5.0, 3.0, 2.0]))
    assert f["peak_pct"] == pytest.approx(1.0) and f["loss_tail_pct"] == 0
    assert f["cross_subsidy_index"] == 0 and f["loss_makers"] == 0
    assert f["clients_at_peak"] == 3 and f["top20_pct"] == pytest.approx(0.5)


def test_whale_total_not_positive() -> None:
    """10 − 30 = −20 ≤ 0: no percentages of the total, a note instead."""
    df = _one([10.0, -30.0])
    f = curves.whale_figures(df)
    assert f["total"] == -20 and f["peak_pct"] is None and f["loss_tail_pct"] is None
    assert f["top20_pct"] is None and "≤ 0" in f["note"]
    assert f["cross_subsidy_index"] == pytest.approx(3.0)
    assert curves.whale_curve(df)["cum_pct"].isna().all()


def test_whale_one_client_and_ties() -> None:
    f = curves.whale_figures(_one([7.0]))
    assert f["peak_pct"] == 1.0 and f["top20_n"] == 1 and f["clients_at_peak_share"] == 1.0
    tie = _one([5.0, 5.0, 5.0]).iloc[::-1]
    assert list(curves.whale_curve(tie)["entity_id"]) == ["x0", "x1", "x2"]


def test_whale_index_as_entity() -> None:
    df = _one([1.0, 2.0]).set_index("entity_id")
    assert list(curves.whale_curve(df)["entity_id"]) == ["x1", "x0"]


# ------------------------------------------------------------------ ABC / XYZ


def test_abc_by_revenue_and_contribution(pnl: pd.DataFrame) -> None:
    """Revenue shares .40 .20 .15 .10 .10 .05 (d, e tie: by id); cumulative share *before*
    each: 0, .40, .60, .75, .85, .95 → A A A A B C (.95 is not < .95).
    Contribution, positives 60 30 20 10 (Σ 120): before 0, .5, .75, .917 → A A A B;
    e and f (negative) → C."""
    rev = curves.abc(pnl)
    assert rev.to_dict() == dict(zip("abcdef", "AAAABC", strict=True))
    con = curves.abc(pnl, value="contribution")
    assert con.to_dict() == dict(zip("abcdef", "AAABCC", strict=True))
    assert rev.name == "abc"


def test_abc_edge_cases() -> None:
    assert curves.abc(_one([5.0]), value="contribution").tolist() == ["A"]
    assert curves.abc(_one([-5.0, -1.0]), value="contribution").tolist() == ["C", "C"]
    # ties: four equal clients, 25% each → before 0, .25, .5, .75 → all A
    assert curves.abc(_one([1.0] * 4), value="contribution").tolist() == ["A"] * 4
    # custom cut-offs
    s = curves.abc(_one([50.0, 30.0, 20.0]), value="contribution", cutoffs=(0.5, 0.8))
    assert s.tolist() == ["A", "B", "C"]


@pytest.fixture
def monthly() -> pd.DataFrame:
    """Period Jan–Apr 2024. a: 100 each month → cv 0 (X). b: 100 in Jan and Mar only →
    [100, 0, 100, 0], mean 50, σ 50 → cv 1 (Z). c: 80, 120, 80, 120 → mean 100, σ 20 →
    cv 0.2 (Y). d: 90, 110, 90, 110 → cv 0.10 exactly (X, limit included)."""
    m = pd.period_range("2024-01", "2024-04", freq="M")
    rows = [("a", p, 100.0) for p in m]
    rows += [("b", m[0], 100.0), ("b", m[2], 100.0)]
    rows += [("c", p, v) for p, v in zip(m, [80, 120, 80, 120], strict=True)]
    rows += [("d", p, v) for p, v in zip(m, [90, 110, 90, 110], strict=True)]
    return pd.DataFrame(rows, columns=["entity_id", "month", "net_revenue"])


def test_xyz_hand_computed(monthly: pd.DataFrame) -> None:
    x = curves.xyz(monthly)
    np.testing.assert_allclose(x["cv"], [0.0, 1.0, 0.2, 0.1], atol=1e-12)
    assert x["xyz"].tolist() == ["X", "Z", "Y", "X"]
    assert x["months_active"].tolist() == [4, 2, 4, 4]


def test_xyz_dates_and_explicit_months(monthly: pd.DataFrame) -> None:
    """Dates work like periods; with 6 explicit months a is [100]*4 + [0, 0]: mean 66.7,
    σ 47.1 → cv √2/2 ≈ 0.707 (Z)."""
    dated = monthly.assign(month=monthly["month"].dt.to_timestamp())
    pd.testing.assert_frame_equal(curves.xyz(dated), curves.xyz(monthly))
    six = pd.period_range("2024-01", "2024-06", freq="M")
    x = curves.xyz(monthly, months=list(six))
    assert x.loc["a", "cv"] == pytest.approx(math.sqrt(2) / 2)
    assert x.loc["a", "xyz"] == "Z"


def test_abc_xyz_matrix(pnl: pd.DataFrame, monthly: pd.DataFrame) -> None:
    a = curves.abc(pnl)  # a A, b A, c A, d A, e B, f C
    x = curves.xyz(monthly)["xyz"]  # a X, b Z, c Y, d X (e, f absent)
    m = curves.abc_xyz_matrix(a, x)
    assert m.shape == (3, 3) and list(m.index) == list("ABC") and list(m.columns) == list("XYZ")
    assert m.loc["A", "X"] == 2 and m.loc["A", "Y"] == 1 and m.loc["A", "Z"] == 1
    assert m.to_numpy().sum() == 4
    w = curves.abc_xyz_matrix(a, x, weights=pnl.set_index("entity_id")["net_revenue"])
    assert w.loc["A", "X"] == 500 and w.loc["A", "Z"] == 200 and w.loc["C", "Z"] == 0


# ------------------------------------------------------------------ concentration


def test_concentration_hand_computed(pnl: pd.DataFrame) -> None:
    """Shares .40 .20 .15 .10 .10 .05. HHI = .16+.04+.0225+.01+.01+.0025 = .245 (moderate).
    top3 = .75; to 50%: .40, .60 → 2; to 80%: .40 .60 .75 .85 → 4.
    Flags: ≥10% a b c d e (d, e exactly 10%); >20% a only (b is exactly 20%); no ≥50%;
    top-3 .75 ≥ .40."""
    c = curves.concentration(pnl)
    assert c["top1"] == pytest.approx(0.40) and c["top3"] == pytest.approx(0.75)
    assert c["top5"] == pytest.approx(0.95) and c["top10"] == pytest.approx(1.0)
    assert c["clients_to_50"] == 2 and c["clients_to_80"] == 4
    assert c["hhi"] == pytest.approx(0.245) and c["hhi_level"] == "moderate"
    fc = c["flag_clients"]
    assert [x["entity_id"] for x in fc["ifrs_8_34"]] == list("abcde")
    assert [x["entity_id"] for x in fc["dependence"]] == ["a"]
    assert fc["dependence"][0]["name"] == "Client A"
    assert fc["dependence"][0]["share"] == pytest.approx(0.4)
    assert "mono_client" not in fc
    assert [x["entity_id"] for x in fc["top3_40"]] == list("abc")
    assert len(c["flags"]) == 3 and any("IFRS 8.34" in f for f in c["flags"])


def test_concentration_one_client_negative_and_group() -> None:
    one = curves.concentration(_one([0.0], revenue=[500.0]))
    assert one["hhi"] == 1.0 and one["hhi_level"] == "high" and one["clients_to_80"] == 1
    assert "mono_client" in one["flag_clients"]
    # negative revenue counts as 0: shares 300/400 and 100/400
    neg = curves.concentration(_one([0.0] * 3, revenue=[300.0, 100.0, -50.0]))
    assert neg["top1"] == pytest.approx(0.75) and neg["n"] == 2
    # holding level: x0 + x1 in group G (60 + 30), x2 alone (10)
    df = _one([0.0] * 3, revenue=[60.0, 30.0, 10.0]).assign(group=["G", "G", None])
    g = curves.concentration(df, group="group")
    assert g["top1"] == pytest.approx(0.9) and g["level"] == "group"
    assert g["flag_clients"]["mono_client"][0]["entity_id"] == "G"
    low = curves.concentration(_one([0.0] * 10, revenue=[10.0] * 10))
    assert low["hhi"] == pytest.approx(0.1) and low["hhi_level"] == "unconcentrated"


# ------------------------------------------------------------------ loss makers


def test_loss_makers_names_right_client(pnl: pd.DataFrame) -> None:
    """Size ≥ 100 (a–e): only e loses money (−20). Base gross margin 278/1000 = 27.8%,
    e's is 3/100 = 3%: shortfall 24.8 beats its cost-to-serve excess 22 − 19.3 = 2.7.
    top 20% by revenue = a, b: both profitable → empty."""
    lm = curves.loss_makers(pnl, top_share=0, min_size=100)
    assert lm["entity_id"].tolist() == ["e"]
    row = lm.iloc[0]
    assert row["entity_name"] == "Client E"
    assert row["margin_pct"] == pytest.approx(0.03) and row["cts_pct"] == pytest.approx(0.22)
    assert "gross margin 3.0%" in row["why"] and "cost-to-serve 22%" in row["why"]
    assert curves.loss_makers(pnl).empty
    both = curves.loss_makers(pnl, top_share=1.0)
    assert both["entity_id"].tolist() == ["f", "e"]  # worst first
    assert "cost-to-serve 100%" in both.iloc[0]["why"]


def _why(df: pd.DataFrame, entity: str) -> str:
    return curves.loss_makers(df, top_share=1.0).set_index("entity_id").loc[entity, "why"]


def test_loss_makers_other_drivers(pnl: pd.DataFrame) -> None:
    df = pnl.set_index("entity_id")
    ret = df.copy()  # f: returns 60 of sales 80 (75%), cost-to-serve cut to 10
    ret.loc["f", ["returns", "net_revenue", "cogs", "gross_margin", "cost_to_serve",
                  "cost_of_receivables", "contribution"]] = [60, 20, 15, 5, 10, 0, -5]
    assert "returns 75% of sales" in _why(ret, "f")
    disc = df.copy()  # e: discount 95 of list 195 (49%)
    disc.loc["e", ["list_revenue", "discount"]] = [195, 95]
    assert "discounts 49% of list" in _why(disc, "e")
    neg = df.copy()
    neg.loc["e", ["cogs", "gross_margin", "contribution"]] = [110, -10, -33]
    assert "negative gross margin" in _why(neg, "e")


# ------------------------------------------------------------------ waterfall


def test_price_waterfall_sums_to_contribution(pnl: pd.DataFrame) -> None:
    """1195 − 165 = 1030 − 30 = 1000 − 722 = 278 − 193 − 25 = 60."""
    w = curves.price_waterfall(pnl)
    assert w["step"].tolist() == ["list revenue", "discounts", "net sales", "returns",
                                  "net revenue", "COGS", "gross margin", "cost-to-serve",
                                  "cost of receivables", "contribution"]
    assert w["amount"].tolist() == [1195, -165, 1030, -30, 1000, -722, 278, -193, -25, 60]
    assert w.loc[w["kind"] == "total", "step"].tolist() == [
        "list revenue", "net sales", "net revenue", "gross margin", "contribution"]
    changes = w.loc[w["kind"] == "change", "amount"].sum()
    assert 1195 + changes == w["amount"].iloc[-1] == pnl["contribution"].sum()
    assert w["pct_of_list"].iloc[-1] == pytest.approx(60 / 1195)


def test_price_waterfall_reconciles(pnl: pd.DataFrame) -> None:
    bad = pnl.copy()
    bad.loc[0, "discount"] = 90  # list − discount no longer equals net sales (off by 10)
    w = curves.price_waterfall(bad)
    assert "other" in w["step"].tolist()
    assert w.loc[w["step"] == "other", "amount"].iloc[0] == pytest.approx(-10)


# ------------------------------------------------------------------ growth


def test_growth_and_lost_revenue() -> None:
    """24 months to Dec 2024. a: 10/month then 12/month → 120 → 144 (+20%);
    b: 5/month in 2023 only → 60 → 0 (lost); c: 4/month in 2024 only → 0 → 48 (new).
    Total 180 → 192 = +12 = continuing +24 + new 48 − gone 60."""
    prev = pd.period_range("2023-01", "2023-12", freq="M")
    last = pd.period_range("2024-01", "2024-12", freq="M")
    rows = [("a", p, 10.0) for p in prev] + [("a", p, 12.0) for p in last]
    rows += [("b", p, 5.0) for p in prev] + [("c", p, 4.0) for p in last]
    rows += [("a", pd.Period("2022-12", "M"), 1000.0)]  # older than 24 months: ignored
    m = pd.DataFrame(rows, columns=["entity_id", "month", "net_revenue"])
    g = curves.revenue_growth(m)
    assert g.loc["a"].tolist()[:3] == [120, 144, 24]
    assert g.loc["a", "growth_pct"] == pytest.approx(0.2)
    assert math.isnan(g.loc["c", "growth_pct"])
    status = pd.Series({"a": "active", "b": "lost", "c": "new"})
    s = curves.lost_revenue(g, status)
    assert s["lost_revenue"] == 60 and s["n_lost"] == 1
    assert s["lost_revenue_pct"] == pytest.approx(60 / 180)
    assert s["total_growth"] == 12
    assert (s["continuing_growth"], s["new_revenue"], s["gone_revenue"]) == (24, 48, 60)
    assert s["other"] == 0
    g2, s2 = curves.growth(m, status=status)
    pd.testing.assert_frame_equal(g, g2)
    assert s2 == s


# ------------------------------------------------------------------ charts


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_waterfall_chart(pnl: pd.DataFrame) -> None:
    w = curves.price_waterfall(pnl)
    ax = plots.waterfall_chart(w, currency="RUB", lang="ru")
    assert isinstance(ax, Axes)
    bars = ax.patches
    assert len(bars) == len(w)
    heights = [b.get_height() for b in bars]
    np.testing.assert_allclose(heights, w["amount"])
    # floating: discounts start at list revenue, contribution starts at 0
    assert bars[1].get_y() == 1195 and bars[-1].get_y() == 0
    assert bars[1].get_facecolor()[:3] == pytest.approx(matplotlib.colors.to_rgb("#c00000"))
    assert ax.get_title()


def test_whale_curve_chart(pnl: pd.DataFrame) -> None:
    w, f = curves.whale_curve(pnl), curves.whale_figures(pnl)
    ax = plots.whale_curve_chart(w, f)
    line = next(ln for ln in ax.get_lines() if ln.get_gid() == "whale")
    np.testing.assert_allclose(line.get_ydata(), w["cum_pct"] * 100)
    np.testing.assert_allclose(line.get_xdata(), w["client_share"] * 100)
    assert any("peak 200%" in t.get_text() for t in ax.texts)
    ax2 = plots.whale_curve_chart(curves.whale_curve(_one([1.0, -5.0])),
                                  curves.whale_figures(_one([1.0, -5.0])), lang="ru")
    assert isinstance(ax2, Axes)


def test_concentration_chart(pnl: pd.DataFrame) -> None:
    ax = plots.concentration_chart(pnl, top=3)
    np.testing.assert_allclose([b.get_height() for b in ax.patches], [40, 20, 15])
    cum = ax.get_lines()[0]
    np.testing.assert_allclose(cum.get_ydata(), [40, 60, 75])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Client A", "Client B", "Client C"]


def test_revenue_margin_chart(pnl: pd.DataFrame) -> None:
    ax = plots.revenue_margin_chart(pnl, label=["e", "zzz"])
    pts = ax.collections[0].get_offsets()
    np.testing.assert_allclose(pts[:, 0], pnl["net_revenue"])
    np.testing.assert_allclose(pts[:, 1], pnl["contribution"] / pnl["net_revenue"] * 100)
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.texts] == ["Client E"]


def test_abc_xyz_chart(pnl: pd.DataFrame, monthly: pd.DataFrame) -> None:
    m = curves.abc_xyz_matrix(curves.abc(pnl), curves.xyz(monthly)["xyz"])
    ax = plots.abc_xyz_chart(m, lang="ru")
    texts = [t.get_text() for t in ax.texts]
    assert texts == [str(v) for v in m.to_numpy().ravel()]


def test_concentration_of_a_group_level_pnl_speaks_of_groups() -> None:
    from kamlib.profitability.curves import concentration

    groups = pd.DataFrame({"entity_id": ["G:Альфа", "x9"], "entity_name": ["Альфа", "Бета"],
                           "net_revenue": [80.0, 20.0]})
    c = concentration(groups, level="group")
    assert c["level"] == "group" and c["top1"] == pytest.approx(0.8)
    assert c["flags"][0].startswith("2 group(s) ≥ 10% of revenue")
    assert concentration(groups)["flags"][0].startswith("2 client(s)")
