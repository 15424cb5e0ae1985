"""Every chart of kamlib.plots in both languages: no English word in a Russian chart, no
Cyrillic in an English one, Russian numbers in Russian style (``40 %``, ``2,5``); no crash
when all sales are returns or all zero (an empty chart that says so); and, at projector size,
labels that neither overlap each other nor leave the figure."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.text import Text

from kamlib import plots
from kamlib.profitability import curves
from tests.helpers import PNL_COLS as COLS
from tests.helpers import PNL_ROWS as ROWS

NBSP = "\u00a0"

#: Latin words a Russian chart may show: method and standard names, classes, units.
LATIN_ALLOWED = {"ABC", "XYZ", "HHI", "KAM", "IFRS", "FTE", "McDonald", "Woodburn",
                 "Kaplan", "Cooper"}
#: Number-like references a Russian chart may write with a point (IFRS 8.34).
POINT_ALLOWED = ("8.34",)

NAMES = ["ООО Альфа", "Beta LLC", "Гамма", "Delta GmbH", "Эпсилон", "Zeta SA"]
KAMS = ["Иванова", "Smith", "Петров"]


def pnl_frame(scale: float = 1000.0, rows: dict[str, list[float]] | None = None) -> pd.DataFrame:
    df = pd.DataFrame.from_dict(rows or ROWS, orient="index", columns=COLS).astype(float)
    df = df * scale
    df.index.name = "entity_id"
    df["entity_name"] = NAMES[: len(df)]
    return df.reset_index()


def scored_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"attractiveness": [8.0, 7.0, 3.0, 2.0, 6.0, 9.0],
         "strength": [8.0, 2.0, 7.0, 3.0, 5.0, 8.5],
         "net_revenue": [5e6, 1e6, 2e6, 1e4, 3e5, 4e6],
         "contribution": [4e5, -1e5, 2e5, -5e3, 1e4, 3e5],
         "entity_name": NAMES,
         "is_key": [True, True, False, False, False, True]},
        index=pd.Index(list("abcdef"), name="entity_id"))


def monthly_frame(net: list[float], returns: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"month": [f"2025-{m:02d}" for m in range(1, len(net) + 1)],
                         "net_revenue": net, "returns": returns})


# One builder per chart of kamlib.plots: (name, draw(lang, ax) → Axes, the data's own words).
def _charts() -> list[tuple[str, Callable[[str, Axes | None], Axes], list[str]]]:
    pnl = pnl_frame()
    whale, figures = curves.whale_curve(pnl), curves.whale_figures(pnl)
    comp = pd.DataFrame({"table": ["sales", "sales", "clients"],
                         "column": ["net_revenue", "date", "inn"],
                         "required": [True, True, False], "share": [1.0, 0.6, 0.3]})
    summary = pd.DataFrame({"share_entities": [0.1, 0.5, 0.2, 0.1, 0.1],
                            "share_revenue": [0.05, 0.8, 0.1, 0.05, 0.0]},
                           index=["new", "active", "dormant", "lost", "never_bought"])
    entities = pd.DataFrame({"records": [1, 2, 2, 3, 1, 5]})
    ids = pd.DataFrame({"inn_status": ["valid"] * 40 + ["invalid: check digit"] * 3
                        + ["missing"] * 5 + ["foreign / not an INN"] * 2})
    matrix = pd.DataFrame([[3, 1, 0], [2, 4, 1], [0, 1, 1500]], index=list("ABC"),
                          columns=list("XYZ"))
    workloads = pd.DataFrame({"hours": [150.0, 170.0, 120.0],
                              "capacity": [200.0, 180.0, 160.0]}, index=KAMS)
    data_words = NAMES + KAMS + list(comp["table"] + "." + comp["column"])
    return [
        ("monthly_sales_chart", lambda lang, ax: plots.monthly_sales_chart(
            monthly_frame([1.5e6, 2.5e6, 0.0, 3.2e6], [0.0, 2e5, 0.0, 4e5]), currency="RUB",
            lang=lang, ax=ax), []),
        ("completeness_bars", lambda lang, ax: plots.completeness_bars(comp, lang=lang, ax=ax),
         data_words),
        ("funnel_chart", lambda lang, ax: plots.funnel_chart(
            {"records": 2423, "legal_entities": 1800, "groups": 1500, "buying": 1200,
             "active": 900}, lang=lang, ax=ax), []),
        ("status_chart", lambda lang, ax: plots.status_chart(summary, lang=lang, ax=ax), []),
        ("cluster_sizes_chart", lambda lang, ax: plots.cluster_sizes_chart(
            entities, lang=lang, ax=ax), []),
        ("identifier_chart", lambda lang, ax: plots.identifier_chart(ids, lang=lang, ax=ax),
         []),
        ("waterfall_chart", lambda lang, ax: plots.waterfall_chart(
            curves.price_waterfall(pnl), currency="RUB", lang=lang, ax=ax), []),
        ("whale_curve_chart", lambda lang, ax: plots.whale_curve_chart(
            whale, figures, lang=lang, ax=ax), []),
        ("concentration_chart", lambda lang, ax: plots.concentration_chart(
            pnl, top=5, lang=lang, ax=ax), NAMES),
        ("revenue_margin_chart", lambda lang, ax: plots.revenue_margin_chart(
            pnl, label=["e", "f", "a", "e"], currency="RUB", lang=lang, ax=ax), NAMES),
        ("abc_xyz_chart", lambda lang, ax: plots.abc_xyz_chart(matrix, lang=lang, ax=ax),
         []),
        ("portfolio_matrix_chart", lambda lang, ax: plots.portfolio_matrix_chart(
            scored_frame(), label=["c", "a"], currency="RUB", lang=lang, max_labels=2,
            ax=ax), NAMES),
        ("workload_chart", lambda lang, ax: plots.workload_chart(
            workloads, lang=lang, ax=ax), KAMS),
    ]


CHARTS = _charts()
CHART_IDS = [c[0] for c in CHARTS]


def test_every_chart_of_the_module_is_covered() -> None:
    drawn = {n for n in plots.__all__ if n.endswith("_chart") or n == "completeness_bars"}
    assert drawn == set(CHART_IDS)


def figure_texts(ax: Axes) -> list[str]:
    """Every text of the figure once drawn: title, axis labels, ticks, legend, annotations."""
    fig = ax.figure
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def strip_data(text: str, words: list[str]) -> str:
    for w in sorted(words, key=len, reverse=True):
        text = text.replace(w, " ")
    return text


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize(("name", "draw", "data"), CHARTS, ids=CHART_IDS)
def test_a_russian_chart_speaks_russian(name: str, draw, data: list[str]) -> None:
    texts = figure_texts(draw("ru", None))
    assert texts, name
    for raw in texts:
        text = strip_data(raw, data)
        latin = set(re.findall(r"[A-Za-z]{2,}", text)) - LATIN_ALLOWED
        assert not latin, f"{name}: English in a Russian chart: {raw!r}"
        assert not re.search(r"\d%", text), f"{name}: '%' without a no-break space: {raw!r}"
        assert not re.search(r"\d %", text), f"{name}: '%' after a breaking space: {raw!r}"
        for ok in POINT_ALLOWED:
            text = text.replace(ok, "")
        assert not re.search(r"\d\.\d", text), f"{name}: decimal point: {raw!r}"
        assert "{" not in text, f"{name}: unfilled placeholder: {raw!r}"


@pytest.mark.parametrize(("name", "draw", "data"), CHARTS, ids=CHART_IDS)
def test_an_english_chart_has_no_cyrillic(name: str, draw, data: list[str]) -> None:
    for raw in figure_texts(draw("en", None)):
        text = strip_data(raw, data)
        assert not re.search(r"[А-Яа-яЁё]", text), f"{name}: Cyrillic in an English chart: {raw!r}"
        assert not re.search(rf"\d{NBSP}%", text), f"{name}: Russian percentage: {raw!r}"
        assert "{" not in text, f"{name}: unfilled placeholder: {raw!r}"


def test_russian_percentages_and_plurals() -> None:
    ax = plots.portfolio_matrix_chart(scored_frame(), lang="ru")
    texts = " | ".join(figure_texts(ax))
    # Strategic: a (8, 8) and f (8.5, 9): 2 clients, 9 of 12.31 million
    assert f"2 клиента · 73{NBSP}% выручки" in texts
    assert "1 клиент · " in texts
    ax = plots.portfolio_matrix_chart(scored_frame(), lang="en")
    texts = " | ".join(figure_texts(ax))
    assert "2 clients · 73% of revenue" in texts and "1 client · " in texts
    pnl = pnl_frame()
    ax = plots.whale_curve_chart(curves.whale_curve(pnl), curves.whale_figures(pnl), lang="ru")
    texts = figure_texts(ax)
    assert f"пик 200{NBSP}%: 4 клиента (67{NBSP}%)" in texts
    assert f"100{NBSP}%" in texts  # a y tick
    ax = plots.concentration_chart(pnl, top=5, lang="ru")
    assert ax.get_title() == "Доля топ-5 клиентов"
    assert f"10{NBSP}% — МСФО 8.34" in figure_texts(ax)


def test_money_formatter_is_the_formatter_short_money() -> None:
    assert plots.money_formatter("RUB", "ru")(1_500_000) == f"1,5{NBSP}млн{NBSP}₽"
    assert plots.money_formatter("RUB", "ru")(80e6) == f"80{NBSP}млн{NBSP}₽"
    assert plots.money_formatter("RUB", "ru")(-2_500) == f"−2,5{NBSP}тыс.{NBSP}₽"
    assert plots.money_formatter("EUR", "en")(1_250_000) == f"EUR{NBSP}1.25m"
    assert plots.money_formatter("", "en")(2_000) == "2k"
    assert plots.money_formatter("RUB", "ru")(0) == f"0{NBSP}₽"


# ------------------------------------------------------------ all returns, all zero (issue 15)


def _degenerate(kind: str) -> dict[str, Any]:
    if kind == "all returns":  # every client's sales came back: revenue and margin < 0
        rows = {k: [0, 0, 0, v[2], -v[2], -v[5], -v[2] + v[5], v[7], 0, -v[2] + v[5] - v[7]]
                for k, v in ROWS.items()}
        monthly = monthly_frame([-1e5, -2e5, -5e4], [-1e5, -2e5, -5e4])
    else:
        rows = {k: [0.0] * len(COLS) for k in ROWS}
        monthly = monthly_frame([0.0, 0.0, 0.0], [0.0, 0.0, 0.0])
    pnl = pnl_frame(rows=rows)
    scored = scored_frame().assign(net_revenue=pnl["net_revenue"].to_numpy(),
                                   contribution=pnl["contribution"].to_numpy())
    return {"pnl": pnl, "monthly": monthly, "scored": scored}


@pytest.mark.parametrize("kind", ["all returns", "all zero"])
def test_no_chart_crashes_when_all_sales_are_returns_or_zero(kind: str) -> None:
    d = _degenerate(kind)
    pnl = d["pnl"]
    drawn = {
        "monthly": plots.monthly_sales_chart(d["monthly"], currency="RUB", lang="ru"),
        "waterfall": plots.waterfall_chart(curves.price_waterfall(pnl), currency="RUB",
                                           lang="ru"),
        "whale": plots.whale_curve_chart(curves.whale_curve(pnl), curves.whale_figures(pnl),
                                         lang="ru"),
        "concentration": plots.concentration_chart(pnl, lang="ru"),
        "margin": plots.revenue_margin_chart(pnl, label=["a"], currency="RUB", lang="ru"),
        "portfolio": plots.portfolio_matrix_chart(d["scored"], lang="ru"),
        "abc_xyz": plots.abc_xyz_chart(pd.DataFrame(0, index=list("ABC"), columns=list("XYZ")),
                                       lang="ru"),
        "workload": plots.workload_chart(pd.DataFrame({"hours": [0.0, 0.0]}, index=KAMS[:2]),
                                         lang="ru"),
        "funnel": plots.funnel_chart({}, lang="ru"),
    }
    for name, ax in drawn.items():
        texts = figure_texts(ax)  # drawing is where a log axis without data fails
        assert ax.get_title(), name
        if name in ("margin", "concentration", "whale", "abc_xyz", "workload", "funnel") or \
                (kind == "all zero" and name != "portfolio"):
            assert "нет данных для графика" in " ".join(texts), (kind, name)
    # the matrix places clients by their scores: still drawn, without a revenue scale
    assert "√" not in " ".join(figure_texts(drawn["portfolio"]))
    en = plots.revenue_margin_chart(pnl, currency="RUB", lang="en")
    assert "no data to draw" in " ".join(figure_texts(en))
    assert en.get_xscale() == "linear"  # no log axis without a positive value


# ------------------------------------------------------------ projector size (issue 21.4)

PROJECTOR = (13.33, 7.5)


def _late_peak() -> pd.DataFrame:
    """40 clients, one loss-maker: the whale curve peaks at 98 % of the clients (its label
    used to run off the right edge)."""
    contribution = [float(100 - i) for i in range(39)] + [-300.0]
    return pd.DataFrame({"entity_id": [f"x{i:02d}" for i in range(40)],
                         "entity_name": [f"Клиент {i}" for i in range(40)],
                         "net_revenue": [1e6] * 40, "contribution": contribution})


def _quarter(ax: Axes) -> Axes:
    """The top-left quarter of ``ax``'s figure, as the notebooks' 2 × 2 grids draw."""
    fig = ax.figure
    ax.remove()
    return fig.add_subplot(2, 2, 1)


def _one_client() -> pd.DataFrame:
    """The waterfall of the loss-maker ``f`` as the cost-to-serve widget draws it (its
    contribution recomputed at other rates: −25 000 instead of −40 000)."""
    from kamlib.notebook.client_view import client_waterfall

    pnl = pnl_frame().set_index("entity_id")
    new = pnl["contribution"].copy()
    new["f"] = -25_000.0
    return client_waterfall(pnl, "f", new)


def _hard_charts() -> list[tuple[str, Callable[[str, Axes | None], Axes], list[str]]]:
    late = _late_peak()
    big = pnl_frame(scale=7.3e6)  # billions: the longest money labels
    return [
        ("whale_curve_chart[late peak]", lambda lang, ax: plots.whale_curve_chart(
            curves.whale_curve(late), curves.whale_figures(late), lang=lang, ax=ax), []),
        ("waterfall_chart[billions]", lambda lang, ax: plots.waterfall_chart(
            curves.price_waterfall(big), currency="RUB", lang=lang, ax=ax), []),
        ("waterfall_chart[quarter, thousands]", lambda lang, ax: plots.waterfall_chart(
            curves.price_waterfall(pnl_frame(scale=1234.5)), currency="RUB", lang=lang,
            ax=_quarter(ax)), []),
        ("waterfall_chart[quarter, billions]", lambda lang, ax: plots.waterfall_chart(
            curves.price_waterfall(big), currency="RUB", lang=lang, ax=_quarter(ax)), []),
        ("waterfall_chart[one client, titled]", lambda lang, ax: plots.waterfall_chart(
            _one_client(), currency="RUB", lang=lang, ax=ax,
            title="Общество с ограниченной ответственностью «Престиж-Маркет»"), []),
        ("revenue_margin_chart[all named]", lambda lang, ax: plots.revenue_margin_chart(
            big, label=[*"abcdef", "a"], currency="RUB", lang=lang, ax=ax), NAMES),
        ("portfolio_matrix_chart[all named]", lambda lang, ax: plots.portfolio_matrix_chart(
            scored_frame(), label=[*"abcdef", "b"], currency="RUB", lang=lang, ax=ax),
         NAMES),
    ]


PROJECTOR_CHARTS = CHARTS + _hard_charts()


def _overlaps(boxes: list[tuple[str, Any]]) -> list[tuple[str, str]]:
    out = []
    for i, (a, ba) in enumerate(boxes):
        for b, bb in boxes[i + 1:]:
            if ba.overlaps(bb) and ba.intersection(ba, bb).width > 1 and \
                    ba.intersection(ba, bb).height > 1:
                out.append((a, b))
    return out


@pytest.mark.parametrize(("name", "draw", "data"), PROJECTOR_CHARTS,
                         ids=[c[0] for c in PROJECTOR_CHARTS])
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_labels_are_readable_at_projector_size(name: str, draw, data: list[str],
                                               lang: str) -> None:
    fig = plt.figure(figsize=PROJECTOR, dpi=100)
    ax = fig.add_subplot()
    # fixed margins, as the widgets draw (no tight-bbox pass to rescue a label off the edge)
    fig.subplots_adjust(left=0.1, right=0.97, bottom=0.15, top=0.92)
    ax = draw(lang, ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = fig.bbox
    labels = [t for t in ax.texts if t.get_visible() and t.get_text().strip()]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
    for text, bb in boxes:
        assert frame.x0 - 0.5 <= bb.x0 and bb.x1 <= frame.x1 + 0.5 and \
            frame.y0 - 0.5 <= bb.y0 and bb.y1 <= frame.y1 + 0.5, \
            f"{name} ({lang}): {text!r} leaves the figure: {bb} vs {frame}"
    assert not _overlaps(boxes), f"{name} ({lang}): labels overlap: {_overlaps(boxes)}"
    names = [t for t, _ in boxes if t in data]
    assert len(names) == len(set(names)), f"{name} ({lang}): a client named twice: {names}"


@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("size", [(12.8, 7.2), (11, 4.5)], ids=["1280x720", "widget"])
def test_one_clients_waterfall_ticks_and_title_fit(lang: str, size: tuple[float, float]
                                                   ) -> None:
    """The followed client's waterfall (kamlib.notebook.client_view), at projector size (1280×720 at
    100 dpi) and at the widget's size: the step names under the bars do not touch each
    other, the long client name in the title stays inside the figure, and the bars add up."""
    wf = _one_client()
    changes = wf.loc[wf["kind"] == "change", "amount"].sum()
    assert wf["amount"].iloc[0] + changes == pytest.approx(-25_000.0)
    assert wf.set_index("step").at["cost-to-serve", "amount"] == pytest.approx(-50_000 + 15_000)
    fig = plt.figure(figsize=size, dpi=100)
    ax = fig.add_subplot()
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.2, top=0.9)
    plots.waterfall_chart(wf, currency="RUB", lang=lang, ax=ax,
                          title="Общество с ограниченной ответственностью «Престиж-Маркет»")
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    ticks = [(t.get_text(), t.get_window_extent(r)) for t in ax.get_xticklabels()
             if t.get_text()]
    assert len(ticks) == len(wf)
    assert not _overlaps(ticks), _overlaps(ticks)
    for _text, bb in [*ticks, (ax.title.get_text(), ax.title.get_window_extent(r))]:
        assert fig.bbox.x0 - 0.5 <= bb.x0 and bb.x1 <= fig.bbox.x1 + 0.5
        assert fig.bbox.y0 - 0.5 <= bb.y0 and bb.y1 <= fig.bbox.y1 + 0.5
    plt.close(fig)


def test_save_and_show_draws_once_writes_the_png_and_shows_the_same_picture(
        tmp_path, monkeypatch) -> None:
    """The notebooks' charts: the PNG written is the PNG shown (at the inline size), and the
    figure is closed so the inline backend does not draw it again."""
    plots.set_theme()
    shown: list[tuple[bytes, int]] = []
    alts: list[str] = []
    monkeypatch.setattr(plots, "_show_png", lambda png, width, alt="": (
        shown.append((png, width)), alts.append(alt)))
    ax = plots.funnel_chart({"records": 10, "entities": 8, "groups": 6}, lang="ru")
    title = ax.get_title() or ax.figure.get_suptitle()
    assert title
    fig = ax.figure
    before = fig.get_size_inches() * plt.rcParams["savefig.dpi"]
    path = plots.save_and_show(ax, tmp_path / "figures" / "funnel.png")
    png = path.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert not plt.fignum_exists(fig.number)               # closed: not drawn a second time
    assert len(shown) == 1 and shown[0][0] == png          # the very bytes written
    width = int.from_bytes(png[16:20], "big")
    assert 0.5 * before[0] < width <= 1.05 * before[0]     # tight bbox at savefig.dpi
    assert shown[0][1] == round(width * fig.dpi / plt.rcParams["savefig.dpi"])
    assert alts == [title]                                  # its alternative text


def test_show_png_displays_in_ipython_only(monkeypatch) -> None:
    import IPython
    import IPython.display

    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "display", lambda obj: shown.append(obj))
    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    plots._show_png(b"png", 10)
    assert shown == []                                      # a script: the file only
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    plots._show_png(b"\x89PNG\r\n\x1a\n", 10)
    assert len(shown) == 1 and shown[0].width == 10 and shown[0].format == "png"
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, metadata=None: shown.append((obj, metadata)))
    plots._show_png(b"\x89PNG\r\n\x1a\n", 10, "Воронка")
    assert shown[1][1] == {"image/png": {"width": 10, "alt": "Воронка"}}


def test_the_theme_is_seaborns_whitegrid_without_importing_seaborn() -> None:
    """``set_theme`` writes the settings ``seaborn.set_theme`` made (kamlib.theme), all but
    seaborn's default colormap; and importing the charts does not import seaborn."""
    import subprocess
    import sys

    import seaborn as sns

    def settings() -> dict:
        return {k: v for k, v in matplotlib.rcParams.items() if k != "image.cmap"}

    kept = matplotlib.rcParams.copy()
    try:
        matplotlib.rcdefaults()
        sns.set_theme(style="whitegrid", palette=plots.PALETTE, font_scale=1.0,
                      rc={"axes.titleweight": "bold", "axes.titlesize": 12,
                          "figure.dpi": 100, "savefig.dpi": 150, "savefig.bbox": "tight",
                          "axes.spines.top": False, "axes.spines.right": False})
        by_seaborn = settings()
        matplotlib.rcdefaults()
        plots.set_theme()
        ours = settings()
    finally:
        matplotlib.rcParams.update(kept)
    differ = {k: (ours[k], by_seaborn[k]) for k in by_seaborn if ours[k] != by_seaborn[k]}
    assert not differ
    code = ("import sys; import matplotlib; matplotlib.use('Agg'); import pandas as pd; "
            "import kamlib.plots as p; p.set_theme(); "
            "p.abc_xyz_chart(pd.DataFrame([[3, 1, 0], [5, 2, 1], [9, 4, 2]], "
            "index=list('ABC'), columns=list('XYZ'))).figure.canvas.draw(); "
            "print(sorted(m for m in ('seaborn', 'scipy.stats') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_the_abc_xyz_heatmap_shows_each_cell_darker_as_it_grows() -> None:
    matrix = pd.DataFrame([[120, 40, 8], [300, 90, 20], [800, 400, 0]],
                          index=list("ABC"), columns=list("XYZ"))
    ax = plots.abc_xyz_chart(matrix, lang="en")
    texts = {(round(t.get_position()[1] - 0.5), round(t.get_position()[0] - 0.5)): t
             for t in ax.texts}
    assert {k: float(t.get_text().replace(",", "")) for k, t in texts.items()} == {
        (i, j): float(matrix.iat[i, j]) for i in range(3) for j in range(3)}
    mesh = ax.collections[0]
    colours = mesh.to_rgba(np.ravel(mesh.get_array()))    # row by row, A first
    lum = colours[:, :3].sum(axis=1)
    order = np.argsort(matrix.to_numpy().ravel(), kind="stable")
    assert (np.diff(lum[order]) <= 1e-9).all()            # larger figure, darker cell
    assert texts[(2, 0)].get_color() == "w" and texts[(0, 2)].get_color() == ".15"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B", "C"]
    assert ax.yaxis_inverted()                            # A on top, as in the table
    plt.close(ax.figure)



def test_report_charts_write_axis_numbers_in_the_report_language() -> None:
    """A chart drawn with matplotlib's default axis gets the language's numbers when the
    report saves it (the channels chart read 2.5 … 17.5 on a Russian page); an axis with its
    own formatter keeps it."""
    import matplotlib.pyplot as plt

    from kamlib.plots import localise_axes, money_formatter
    from kamlib.report.helpers import _png

    fig, ax = plt.subplots()
    ax.barh(["a", "b"], [2.5, 17.5])
    localise_axes(fig, "ru")
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()][:4] == ["0", "2,5", "5", "7,5"]
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 3500])
    ax.yaxis.set_major_formatter(money_formatter("RUB", "ru"))
    localise_axes(fig, "en")
    assert "₽" in ax.yaxis.get_major_formatter()(1000.0)
    assert ax.xaxis.get_major_formatter()(2.5) == "2.5"
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 2.5])
    assert _png(fig, "ru")[:4] == b"\x89PNG"
    assert ax.yaxis.get_major_formatter()(2.5) == "2,5"
