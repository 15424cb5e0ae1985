"""Step 0's tables and charts, on small hand-made frames with hand-computed answers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from kamlib import datacheck as dc
from kamlib import plots


@pytest.fixture
def sales() -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-03-02", "2024-03-03"]).date,
        "document_id": ["D1", "D1", "D2", "D3"],
        "client_id": ["A", "A", "B", "A"],
        "net_revenue": [100.0, 50.0, 30.0, -20.0],
        "is_return": [False, False, False, True],
    })


def test_monthly_sales_shows_gaps_and_returns(sales) -> None:
    m = dc.monthly_sales(sales)
    assert m["month"].astype(str).tolist() == ["2024-01", "2024-02", "2024-03"]
    assert m["lines"].tolist() == [2, 0, 2]          # February is a gap, shown as zero
    assert m["documents"].tolist() == [1, 0, 2]
    assert m["net_revenue"].tolist() == [150.0, 0.0, 10.0]
    assert m["returns"].tolist() == [0.0, 0.0, -20.0]


def test_completeness_counts_filled_values() -> None:
    clients = pd.DataFrame({"client_id": ["A", "B"], "name": ["x", " "], "tax_id": [None, "1"]})
    c = dc.completeness({"clients": clients}).set_index("column")
    assert c.loc["client_id", "share"] == 1.0
    assert c.loc["name", "filled"] == 1          # a blank string is not a value
    assert c.loc["tax_id", "share"] == 0.5
    assert c.loc["region", "filled"] == 0        # a column not received at all
    assert bool(c.loc["client_id", "required"]) and not bool(c.loc["region", "required"])


def test_completeness_reads_blanks_in_text_only() -> None:
    """Blank strings count as missing in every kind of text column (object, pandas and Arrow
    strings, text mixed with dates); a column of dates or numbers is filled where not null."""
    import datetime as dt

    day = dt.date(2024, 1, 5)
    clients = pd.DataFrame({
        "client_id": pd.Series(["A", "B", "C", "D"], dtype="string[pyarrow]"),
        "name": pd.Series(["x", "  ", None, "y"], dtype=object),
        "tax_id": pd.Series(["1", "", "3", "4"], dtype="string"),
        "region": pd.Series([day, " ", None, "Юг"], dtype=object),     # text among dates
        "created_at": pd.Series([day, day, None, day], dtype=object),  # dates only
        "payment_terms_days": [30.0, None, 0.0, 45.0]})
    c = dc.completeness({"clients": clients}).set_index("column")["filled"].to_dict()
    expected = {"client_id": 4, "name": 2, "tax_id": 3, "region": 2, "created_at": 3,
                "payment_terms_days": 3}
    assert {k: c[k] for k in expected} == expected


def test_readiness_says_what_is_missing(sales) -> None:
    r = dc.readiness({"sales": sales}).set_index("needs")
    assert not r.loc["sales.cogs", "available"]
    assert "gross margin" in r.loc["sales.cogs", "analysis"]
    assert r.loc["sales.cogs", "if_missing"]
    with_cogs = dc.readiness({"sales": sales.assign(cogs=1.0)}).set_index("needs")
    assert with_cogs.loc["sales.cogs", "available"]
    assert not with_cogs.loc["sales.cogs", "if_missing"]


def test_rejected_by_reason_sums_money() -> None:
    rej = pd.DataFrame({"table": ["sales"] * 3, "file": ["a.csv"] * 3, "row": [2, 3, 4],
                        "reason": ["not a date; x", "not a date", "not an amount"],
                        "amount": [10.0, 5.5, None]})
    r = dc.rejected_by_reason(rej).set_index("reason")
    assert r.loc["not a date", "rows"] == 2 and r.loc["not a date", "amount"] == 15.5
    assert r.loc["not an amount", "rows"] == 1
    assert dc.rejected_by_reason(rej.iloc[0:0]).empty


def test_charts_plot_the_data(sales) -> None:
    monthly = dc.monthly_sales(sales)
    ax = plots.monthly_sales_chart(monthly, currency="RUB", lang="ru")
    heights = [p.get_height() for p in ax.patches]
    assert heights[:3] == [150.0, 0.0, 30.0]      # sales bars: net minus returns
    assert heights[3:] == [0.0, 0.0, -20.0]       # return bars
    comp = dc.completeness({"sales": sales})
    ax2 = plots.completeness_bars(comp, lang="en")
    assert len(ax2.patches) == len(comp)
    matplotlib.pyplot.close("all")


@pytest.mark.parametrize("value,lang,currency,expected", [
    (1_250_000, "ru", "RUB", "1,25 млн ₽"),
    (80e6, "ru", "RUB", "80 млн ₽"),
    (-2_500, "ru", "RUB", "−2,5 тыс. ₽"),
    (1_250_000, "en", "EUR", "EUR 1.25m"),
    (0, "en", "RUB", "RUB 0"),
])
def test_money_formatter(value, lang, currency, expected) -> None:
    """Axis money in the report's one style (kamlib.i18n.Formatter), no-break spaces."""
    assert plots.money_formatter(currency, lang)(value).replace("\u00a0", " ") == expected


def test_readiness_in_russian_with_the_english_unchanged(sales) -> None:
    """The same rows in both languages; the English words are the step's own (issue 21)."""
    en = dc.readiness({"sales": sales}).set_index("needs")
    ru = dc.readiness({"sales": sales}, lang="ru").set_index("needs")
    assert list(ru.index) == list(en.index) and (ru["available"] == en["available"]).all()
    assert en.loc["clients.group", "analysis"] == ("group (holding) level P&L and "
                                                   "concentration (steps 1–2)")
    assert en.loc["clients.group", "if_missing"] == ("groups are inferred from shared names "
                                                     "and the head counterparty only")
    assert ru.loc["clients.group", "analysis"] == ("доходность и концентрация на уровне групп "
                                                   "(холдингов) (шаги 1–2)")
    assert ru.loc["sales.cogs", "if_missing"].startswith("без себестоимости")
    assert ru.loc["sales.discount", "if_missing"] == "скидки не показаны отдельно"
