"""Portfolio matrix chart and the weights widget, driven headless from Python."""

from __future__ import annotations

import base64

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from kamlib.i18n import Formatter
from kamlib.notebook.widgets import time_update, weights_widget
from kamlib.plots import portfolio_matrix_chart

ATTR = ["size", "growth", "margin", "potential"]
STRENGTH = ["share_of_wallet", "relationship", "contacts", "tenure"]
N_CLIENTS = 5_000


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    """5,000 synthetic clients: 8 criterion scores 1–10, revenue and contribution."""
    rng = np.random.default_rng(7)
    df = pd.DataFrame(rng.integers(1, 11, size=(N_CLIENTS, 8)).astype(float),
                      columns=ATTR + STRENGTH,
                      index=pd.Index([f"E{i:05d}" for i in range(N_CLIENTS)], name="entity_id"))
    df["net_revenue"] = rng.lognormal(13, 1.5, N_CLIENTS)
    df["contribution"] = df["net_revenue"] * rng.normal(0.08, 0.2, N_CLIENTS)
    df["entity_name"] = [f"Client {i}" for i in range(N_CLIENTS)]
    return df


def score_fn(scores: pd.DataFrame, attr_w: dict[str, float],
             strength_w: dict[str, float]) -> pd.DataFrame:
    """Stand-in scorer: weighted means of the score columns; key = attractiveness ≥ 5.5."""
    a = sum(scores[c] * v for c, v in attr_w.items()) / sum(attr_w.values())
    s = sum(scores[c] * v for c, v in strength_w.items()) / sum(strength_w.values())
    out = pd.DataFrame({"attractiveness": a, "strength": s,
                        "net_revenue": scores["net_revenue"],
                        "contribution": scores["contribution"],
                        "entity_name": scores["entity_name"]})
    out["is_key"] = out["attractiveness"] >= 5.5
    return out


def equal(names: list[str]) -> dict[str, float]:
    return dict.fromkeys(names, 100 / len(names))


def sorted_xy(xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=float)
    return xy[np.lexsort((xy[:, 1], xy[:, 0]))]


def scatter(ax: Axes, gid: str):
    return next(c for c in ax.collections if c.get_gid() == gid)


# ----------------------------------------------------------------------- the chart alone

def small_scored() -> pd.DataFrame:
    return pd.DataFrame(
        {"attractiveness": [8.0, 7.0, 3.0, 2.0, 6.0], "strength": [8.0, 2.0, 7.0, 3.0, 5.0],
         "net_revenue": [5e6, 1e6, 2e6, 1e4, 3e5],
         "contribution": [4e5, -1e5, 2e5, -5e3, 1e4],
         "entity_name": ["Alpha LLC", "Beta JSC", "Gamma", "Delta", "Epsilon"],
         "is_key": [True, True, False, False, False]},
        index=pd.Index(["A", "B", "C", "D", "E"], name="entity_id"))


def test_chart_returns_axes_with_quadrants_and_key_labels() -> None:
    df = small_scored()
    ax = portfolio_matrix_chart(df, label=["C"], currency="RUB")
    assert isinstance(ax, Axes)
    texts = " | ".join(t.get_text() for t in ax.texts)
    for name in ("Strategic", "Star", "Status", "Streamline", "invest", "cut cost-to-serve"):
        assert name in texts
    labels = {t.get_text() for t in ax.texts if t.get_gid() == "label"}
    assert labels == {"Alpha LLC", "Beta JSC", "Gamma"}  # key clients + requested id
    key = scatter(ax, "key")
    assert sorted_xy(key.get_offsets()).tolist() == [[2.0, 7.0], [8.0, 8.0]]
    pts = scatter(ax, "portfolio")
    assert sorted_xy(pts.get_offsets()).tolist() == sorted_xy(
        df[["strength", "attractiveness"]].to_numpy()).tolist()
    # colour by contribution sign, larger revenue → larger bubble
    green, red = matplotlib.colors.to_rgb("#548235"), matplotlib.colors.to_rgb("#c00000")
    by_xy = {tuple(o): (tuple(np.round(c[:3], 4)), s) for o, c, s in
             zip(pts.get_offsets().tolist(), pts.get_facecolors(), pts.get_sizes(),
                 strict=True)}
    assert by_xy[(8.0, 8.0)][0] == tuple(np.round(green, 4))
    assert by_xy[(2.0, 7.0)][0] == tuple(np.round(red, 4))
    assert by_xy[(8.0, 8.0)][1] > by_xy[(7.0, 3.0)][1] > by_xy[(3.0, 2.0)][1]
    assert ax.get_xlim() == (0.5, 10.5)
    plt.close(ax.figure)


def test_chart_russian_and_mcdonald_orientation() -> None:
    ax = portfolio_matrix_chart(small_scored(), lang="ru", mcdonald=True)
    texts = " | ".join(t.get_text() for t in ax.texts)
    for name in ("Стратегические", "Звёзды", "Статусные", "Оптимизация"):
        assert name in texts
    assert ax.get_xlim() == (10.5, 0.5)  # high strength on the left
    assert "←" in ax.get_xlabel()
    plt.close(ax.figure)


def test_chart_caps_labels_on_large_portfolios(scores: pd.DataFrame) -> None:
    scored = score_fn(scores, equal(ATTR), equal(STRENGTH))
    ax = portfolio_matrix_chart(scored, max_labels=20)
    assert sum(t.get_gid() == "label" for t in ax.texts) == 20
    assert any("more key clients not named" in t.get_text() for t in ax.texts)
    assert len(scatter(ax, "portfolio").get_offsets()) == N_CLIENTS
    plt.close(ax.figure)


# ----------------------------------------------------------------------------- the widget

def test_widget_rescored_and_redrawn_on_slider_change(scores: pd.DataFrame) -> None:
    box = weights_widget(scores, equal(ATTR), equal(STRENGTH), score_fn=score_fn)
    assert len(box.sliders["attractiveness"]) == len(box.sliders["strength"]) == 4
    before = box.scored.copy()
    others = scores[["size", "growth", "potential"]].mean(axis=1)
    strong_on_margin = scores["margin"] > others  # margin above its other criteria
    weak_on_margin = scores["margin"] < others

    n0 = box.updates
    box.set_weights(attractiveness={"size": 10, "growth": 10, "margin": 70, "potential": 10})
    assert box.updates == n0 + 1
    after = box.scored
    assert box.weights["attractiveness"]["margin"] == pytest.approx(70)
    delta = after["attractiveness"] - before["attractiveness"]
    assert (delta[strong_on_margin] > 0).all()
    assert (delta[weak_on_margin] < 0).all()
    assert np.allclose(delta, 0.45 * (scores["margin"] - others))
    assert after["strength"].equals(before["strength"])  # other axis untouched
    assert after["is_key"][strong_on_margin].mean() > before["is_key"][strong_on_margin].mean()

    # the chart in the Output holds the new data
    pts = scatter(box.ax, "portfolio")
    assert np.allclose(sorted_xy(pts.get_offsets()),
                       sorted_xy(after[["strength", "attractiveness"]].to_numpy()))
    key = scatter(box.ax, "key")
    assert len(key.get_offsets()) == int(after["is_key"].sum())
    (out,) = box.output.outputs
    assert base64.b64decode(out["data"]["image/png"])[:8] == b"\x89PNG\r\n\x1a\n"
    assert box.last_update_seconds is not None and box.last_update_seconds > 0


def test_widget_single_slider_triggers_update_and_warns_when_sum_not_100(
        scores: pd.DataFrame) -> None:
    box = weights_widget(scores, equal(ATTR), equal(STRENGTH), score_fn=score_fn,
                         redraw=False)
    assert "⚠" not in box.sum_labels["strength"].value
    old_fig = box.figure
    n0 = box.updates
    box.sliders["strength"]["tenure"].value = 75  # sum now 150
    assert box.updates == n0 + 1
    assert "⚠" in box.sum_labels["strength"].value
    assert "150" in box.sum_labels["strength"].value
    w = box.weights["strength"]
    assert sum(w.values()) == pytest.approx(100)
    assert w["tenure"] == pytest.approx(50)
    expected = (scores[STRENGTH[:3]].sum(axis=1) * 25 + scores["tenure"] * 75) / 150
    assert np.allclose(box.scored["strength"], expected)
    assert box.figure is old_fig is None  # redraw=False: no chart
    box.sliders["strength"]["tenure"].value = 25
    assert "⚠" not in box.sum_labels["strength"].value


def test_widget_fraction_weights_zero_weights_and_errors(scores: pd.DataFrame) -> None:
    small = scores.head(50)
    box = weights_widget(small, dict.fromkeys(ATTR, 0.25), dict.fromkeys(STRENGTH, 0.25),
                         score_fn=score_fn, lang="ru")
    assert box.sliders["attractiveness"]["size"].value == 25
    box.set_weights(attractiveness=dict.fromkeys(ATTR, 0))
    assert "0" in box.sum_labels["attractiveness"].value
    assert "⚠" in box.sum_labels["attractiveness"].value
    assert box.weights["attractiveness"] == dict.fromkeys(ATTR, 25)

    def boom(*_a):
        raise RuntimeError("no data")

    box.score_fn = boom
    assert box.update() is None
    assert "no data" in box.status.value


def test_update_latency_5000_clients(scores: pd.DataFrame) -> None:
    results = {}
    for redraw in (True, False):
        box = weights_widget(scores, equal(ATTR), equal(STRENGTH), score_fn=score_fn,
                             redraw=redraw)
        results[redraw] = time_update(box, n=5)
        assert box.sliders["attractiveness"]["size"].value == 25  # restored
    for redraw, r in results.items():
        print(f"\nweights_widget update, {N_CLIENTS:,} clients, redraw={redraw}: "
              f"min {r['min']:.3f} s, median {r['median']:.3f} s, max {r['max']:.3f} s")
    assert results[True]["n"] == 5


# ============================================================ the step widgets on demo_ru
#
# Built from the artefacts of the shared demo engagement (steps 0–3 run in-process, see
# tests/conftest.py::demo_ru_steps); every one must give the step's own numbers at the step's
# parameters, and the step's pure functions' numbers at others. Latencies are printed
# (run with -s), never asserted.


def _latency(name: str, box, n: int = 10) -> None:
    r = time_update(box, n=n)
    print(f"\n{name} update on demo_ru: median {r['median'] * 1000:.0f} ms, "
          f"max {r['max'] * 1000:.0f} ms over {n}")


def _png(box, output=None) -> bytes:
    (out,) = (output or box.output).outputs
    data = base64.b64decode(out["data"]["image/png"])
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return data


def _status_ok(box) -> None:
    assert "ошибка" not in box.status.value and "failed" not in box.status.value, \
        box.status.value
    _speaks_russian(box)


#: Latin words a Russian widget may show besides its data: units and role names.
_LATIN_OK = {"KAM", "FTE", "HHI", "ABC", "XYZ", "McDonald", "Woodburn"}


def _speaks_russian(box, data: set[str] | frozenset[str] = frozenset()) -> None:
    """The widget's own texts (status, readouts, slider names, its chart) have no English
    word, and its numbers no decimal point and no '%' glued to them. Texts that show the
    data (file names, headers, client names, the review browser) are not checked."""
    import html
    import re

    from matplotlib.text import Text

    own = [box.status.value]
    for name in ("readout", "text", "counts_html"):
        if hasattr(box, name):
            own.append(getattr(box, name).value)
    if getattr(box, "client", None) is not None and box.client.label:
        # the followed client's readout, without the client's own name (data)
        own.append(box.client_readout.value.replace(
            html.escape(box.client.label.rsplit(" (", 1)[0]), ""))
    for s in getattr(box, "sliders", {}).values():
        if not isinstance(s, dict):  # the weights widget's sliders are named by criterion
            own.append(s.description)
    for name in ("review_slider", "auto_slider", "client"):
        if hasattr(box, name):
            own.append(getattr(box, name).description)
    for fig in (getattr(box, "figure", None), getattr(box, "client_figure", None)):
        if fig is not None:
            fig.canvas.draw()
            own += [t.get_text() for t in fig.findobj(Text) if t.get_visible()]
    for raw in (t for t in own if t not in data):
        text = html.unescape(re.sub(r"<[^>]+>", " ", raw))
        latin = set(re.findall(r"[A-Za-z]{2,}", text)) - _LATIN_OK
        assert not latin, f"English in a Russian widget: {raw!r}"
        assert not re.search(r"\d\.\d|\d%", text), f"not the Russian number style: {raw!r}"


def test_intake_widget_shows_each_file_as_read(demo_ru_steps) -> None:
    import json

    from kamlib.datacheck import files_overview
    from kamlib.notebook.widgets import step_widget

    intake = demo_ru_steps / "work" / "00_intake"
    manifest = json.loads((intake / "intake_manifest.json").read_text(encoding="utf-8"))
    rejected = pd.read_parquet(intake / "rejected.parquet")
    issues = pd.read_parquet(intake / "issues.parquet")
    overview = files_overview(manifest)
    box = step_widget(demo_ru_steps, "00")
    assert len(box.dropdown.options) == len(manifest["files"])
    for i, f in enumerate(manifest["files"]):
        box.select(i)
        _status_ok(box)
        assert box.file == f
        pd.testing.assert_series_equal(pd.Series(box.overview, dtype=object),
                                       overview.iloc[i].astype(object), check_names=False)
        assert dict(zip(box.mapping["canonical"], box.mapping["source"], strict=True)) == \
            (f.get("mapping") or {})
        # nothing dropped silently: every rejected row of the file is listed, with its reason
        assert len(box.rejected_rows) == f["rows_rejected"]
        for reason in box.rejected_rows["reason"]:
            assert reason.split(";")[0][:30] in box.rejected_html.value.replace("&#x27;", "'")
    # the demo has a file with several rejected rows …
    worst = max(manifest["files"], key=lambda f: f["rows_rejected"])
    box.select(worst["file"])
    assert len(box.rejected_rows) == worst["rows_rejected"] >= 3
    assert sorted(box.rejected_rows["row"]) == sorted(
        rejected.loc[rejected["file"] == worst["file"], "row"])
    assert f"({worst['rows_rejected']})" in box.rejected_html.value
    assert len(box.sample_rows) == 5 and "net_revenue" in box.sample_rows.columns
    # … and a catalogue with cell problems (invalid INNs) kept as issues
    label = next(f"{f['file']}[{f['sheet']}]" for f in manifest["files"]
                 if f["table"] == "clients")
    box.select(label)
    assert len(box.issue_rows) == int((issues["file"] == label).sum()) > 0
    assert len(box.rejected_rows) == 0
    with pytest.raises(KeyError, match="no input file"):
        box.select("nothing.csv")
    _latency("intake_widget (file dropdown)", box)


def test_cleanup_widget_reproduces_the_step_then_reclusters(demo_ru_steps) -> None:
    import json

    from kamlib.cleanup import clean_client_base
    from kamlib.cleanup.review import read_decisions
    from kamlib.engagement import Engagement
    from kamlib.notebook.widgets import step_widget

    root = demo_ru_steps
    step = root / "work" / "01_client_base_cleanup"
    summary = json.loads((step / "summary.json").read_text(encoding="utf-8"))
    box = step_widget(root, "01")
    _status_ok(box)
    # at the step's thresholds: the step's own numbers
    assert box.funnel == summary["funnel"]
    assert box.counts["to_review"] == summary["to_review"]
    assert box.counts["entities"] == summary["entities"]
    stored = pd.read_parquet(step / "pairs.parquet")
    assert box.pairs["outcome"].tolist() == stored["outcome"].tolist()
    ents = pd.read_parquet(step / "entities.parquet").set_index("client_id")["entity_id"]
    mine = box.entities.set_index("client_id")["entity_id"]
    assert mine.reindex(ents.index).tolist() == ents.tolist()
    status = pd.read_parquet(step / "status.parquet").set_index("entity_id")["status"]
    assert box.activity["status"].reindex(status.index).tolist() == status.tolist()
    assert [p.get_width() for p in box.ax.patches] == list(summary["funnel"].values())
    png0 = _png(box)
    assert len(box.review_pick.options) == summary["to_review"]
    first = box.to_review.iloc[0]
    assert first["client_id_a"] in box.review_html.value
    assert first["client_id_b"] in box.review_html.value
    merged0, entities0 = box.counts["merged"], box.counts["entities"]

    # a higher auto-merge threshold: fewer merges, more entities, more to review — and the
    # same partition as the whole step (clean_client_base) run at those thresholds
    eng = Engagement.open(root)
    cfg = eng.config
    n0 = box.updates
    box.set_thresholds(auto_merge=100)
    assert box.updates == n0 + 1
    _status_ok(box)
    assert box.counts["merged"] < merged0
    assert box.counts["entities"] > entities0
    assert box.counts["to_review"] > summary["to_review"]
    intake = root / "work" / "00_intake"
    full = clean_client_base(
        pd.read_parquet(intake / "clients.parquet"), pd.read_parquet(intake / "sales.parquet"),
        params=cfg.cleanup.model_copy(update={"auto_merge_threshold": 100.0}),
        decisions=read_decisions(root / "decisions" / "merges.csv"),
        period_start=cfg.period.start, period_end=cfg.period.end)
    assert box.funnel == full.summary["funnel"]
    assert box.counts["to_review"] == full.summary["to_review"]
    assert box.pairs["outcome"].tolist() == full.pairs["outcome"].tolist()
    full_ents = full.entities.set_index("client_id")["entity_id"]
    assert box.entities.set_index("client_id")["entity_id"].reindex(full_ents.index).tolist() \
        == full_ents.tolist()
    assert [p.get_width() for p in box.ax.patches] == list(box.funnel.values())
    assert _png(box) != png0
    assert len(box.review_pick.options) == box.counts["to_review"]
    review_100 = box.counts["to_review"]

    # a higher review threshold: fewer pairs to review; review above auto-merge pushes it up
    box.review_slider.value = 95
    assert box.counts["to_review"] < review_100
    assert box.auto_slider.value == 100
    n1 = box.updates
    box.auto_slider.value = 90  # below review: review follows, one update
    assert box.review_slider.value == 90 and box.updates == n1 + 1
    box.set_thresholds(review=99)  # pushes auto-merge up with it, still one update
    assert box.auto_slider.value == 99 and box.updates == n1 + 2
    assert box.review_slider.min == cfg.cleanup.review_threshold  # pairs below were not kept
    box.set_thresholds(review=cfg.cleanup.review_threshold,
                       auto_merge=cfg.cleanup.auto_merge_threshold)
    assert box.funnel == summary["funnel"]
    _latency("cleanup_widget (auto-merge slider)", box)


def test_cleanup_widget_moves_its_funnel_as_a_new_one_is_drawn(demo_ru_steps) -> None:
    """The funnel's bars and numbers are moved in place at each change (no new axes); the
    figure is then the funnel_chart of the new counts drawn afresh, pixel for pixel."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from kamlib import plots
    from kamlib.cleanup.matching import prepare_proposals, propose, propose_prepared
    from kamlib.cleanup.resolve import match_params
    from kamlib.notebook.widgets import step_widget

    plots.set_theme()
    box = step_widget(demo_ru_steps, "01")
    bars0 = list(box.ax.patches)
    for auto in (100.0, 93.5, 97.5):
        box.set_thresholds(auto_merge=auto)
        assert list(box.ax.patches) == bars0  # the same artists, moved
        assert [b.get_width() for b in box.ax.patches] == list(box.funnel.values())
        fmt = Formatter("ru")
        assert [t.get_text() for t in box.ax.texts] == \
            [fmt.integer(v) for v in box.funnel.values()]
        fresh = Figure(figsize=box.figure.get_size_inches(), dpi=box.figure.dpi)
        FigureCanvasAgg(fresh)
        fresh.subplots_adjust(left=0.26, right=0.97, bottom=0.1, top=0.88)
        plots.funnel_chart(box.funnel, lang="ru", ax=fresh.add_subplot())
        box.figure.canvas.draw()
        fresh.canvas.draw()
        assert np.array_equal(np.asarray(box.figure.canvas.buffer_rgba()),
                              np.asarray(fresh.canvas.buffer_rgba()))
        # the widget proposes from pairs prepared once: the same as propose() from scratch
        mp = match_params(box.params, box.review_slider.value, auto)
        pd.testing.assert_frame_equal(
            propose_prepared(prepare_proposals(box.base_pairs), box.records, mp),
            propose(box.base_pairs, box.records, mp))
    box._funnel_drawn = {**box.funnel, "records": 0, "active": 0, "legal_entities": 0,
                         "groups": 0, "buying": 0}  # an empty funnel before: drawn anew
    box.set_thresholds(auto_merge=100.0)
    assert list(box.ax.patches) != bars0
    assert [b.get_width() for b in box.ax.patches] == list(box.funnel.values())


def test_profitability_widget_recosts_like_the_step(demo_ru_steps) -> None:
    import json

    from kamlib.engagement import Engagement
    from kamlib.notebook.widgets import RATE_DRIVERS, step_widget
    from kamlib.profitability.pnl import CostModel, client_pnl
    from kamlib.profitability.tdabc import read_off_invoice

    root = demo_ru_steps
    step = root / "work" / "02_profitability"
    summary = json.loads((step / "summary.json").read_text(encoding="utf-8"))
    pnl = pd.read_parquet(step / "client_pnl.parquet").set_index("entity_id")
    cfg = Engagement.open(root).config.profitability
    box = step_widget(root, "02")
    _status_ok(box)
    assert set(box.sliders) == set(RATE_DRIVERS)
    # the sliders start at the step's rates: the client's own cost pools' where it has them
    pooled = {d: v["rate"] for d, v in summary["cost_sources"].items()
              if v["source"] == "client_pools"}
    assert {d: s.value for d, s in box.sliders.items()} == \
        {d: float(pooled.get(d, cfg.cost_rates.get(d, 0))) for d in RATE_DRIVERS}
    # at the audit's rates: the step's contribution, loss-makers and peak (within a rouble:
    # the step spreads a pool's allocation by largest remainders, the widget re-rates units)
    assert np.allclose(box.contribution.reindex(pnl.index), pnl["contribution"], atol=1.0)
    assert box.loss_makers == summary["loss_making_entities"]
    assert box.peak == pytest.approx(summary["whale"]["peak_pct"])
    png0, client0 = _png(box), _png(box, box.client_output)
    start = {d: s.value for d, s in box.sliders.items()}

    # other rates: the same contribution as the step's pure function with those rates
    rates = {**cfg.cost_rates, "delivery": 2 * cfg.cost_rates["delivery"],
             "order": cfg.cost_rates["order"] / 2, "visit": cfg.cost_rates["visit"] / 2}
    box.set_rates(rates)
    _status_ok(box)
    intake, step1 = root / "work" / "00_intake", root / "work" / "01_client_base_cleanup"
    entities = pd.read_parquet(step1 / "entities.parquet").set_index("client_id")
    full, _ = client_pnl(
        pd.read_parquet(step1 / "sales.parquet"),
        costs=CostModel(rates, dict(cfg.cost_pools), tuple(cfg.avoidable), cfg.receivables_rate),
        activities=pd.read_parquet(intake / "activities.parquet"),
        payments=pd.read_parquet(intake / "payments.parquet"),
        clients=pd.read_parquet(intake / "clients.parquet"), entity_map=entities["entity_id"],
        off_invoice=read_off_invoice(root / cfg.off_invoice_file) if cfg.off_invoice_file
        else None)
    assert np.allclose(box.contribution.reindex(full.index), full["contribution"])
    assert box.loss_makers == int((full["contribution"] < 0).sum())
    whale = next(ln for ln in box.ax.lines if ln.get_gid() == "whale")
    assert np.allclose(whale.get_ydata(), box.whale["cum_pct"] * 100)
    assert _png(box) != png0

    # zero rates: contribution = gross margin − off-invoice − cost of receivables (no
    # settings pools in demo_ru; its own cost pools are rates of the drivers they name)
    assert not cfg.cost_pools and float(pnl["cts_call"].abs().sum()) == 0
    box.set_rates(dict.fromkeys(RATE_DRIVERS, 0.0))
    assert np.allclose(box.contribution.reindex(pnl.index),
                       pnl["gross_margin"] - pnl.get("off_invoice", 0.0)
                       - pnl["cost_of_receivables"])
    assert box.loss_makers < summary["loss_making_entities"]
    # higher rates never raise a client's contribution
    box.set_rates({d: 2 * float(cfg.cost_rates.get(d, 0)) for d in RATE_DRIVERS})
    assert (box.contribution.reindex(pnl.index) <= pnl["contribution"] + 1e-6).all()
    assert box.loss_makers > summary["loss_making_entities"]
    # the count in the readout, written the Russian way (no-break space between thousands)
    assert f"<b>{Formatter('ru').integer(box.loss_makers)}</b>" in box.readout.value
    with pytest.raises(KeyError, match="no slider"):
        box.set_rates(pallet=1.0)
    # back at the first rates, after redraws on the same axes: the first drawing's PNGs, byte
    # for byte (a reused axes keeps nothing of the charts drawn on it before)
    box.set_rates(start)
    assert _png(box) == png0 and _png(box, box.client_output) == client0
    box.set_rates({d: float(cfg.cost_rates.get(d, 0)) for d in RATE_DRIVERS})
    # the followed client: the large loss-makers first for the trainer; its waterfall adds
    # up to its contribution under the sliders' rates
    large = pnl["net_revenue"] >= pnl["net_revenue"].quantile(0.8)
    losers = pnl[large & (pnl["contribution"] < 0)].sort_values("net_revenue",
                                                                ascending=False)
    first = losers.index[0] if len(losers) else pnl["net_revenue"].idxmax()
    assert box.client.value == first
    wf = box.client_waterfall
    changes = wf.loc[wf["kind"] == "change", "amount"].sum()
    assert wf["amount"].iloc[0] + changes == pytest.approx(wf["amount"].iloc[-1])
    assert wf["amount"].iloc[-1] == pytest.approx(box.contribution.loc[first])
    # the participants' order gives nothing away: by revenue only
    from kamlib.notebook.widgets import profitability_widget

    plain = profitability_widget(pnl.reset_index(), CostModel.from_params(cfg), lang="ru",
                                 currency="RUB", participant=True)
    assert plain.client.value == pnl["net_revenue"].idxmax()
    assert [i for _, i in plain.client.options][:5] == list(
        pnl["net_revenue"].sort_values(ascending=False, kind="mergesort").index[:5])
    _latency("profitability_widget (delivery rate slider)", box)


def _num_ru(x: float) -> str:
    return Formatter("ru").number(x, 0)


def test_weights_widget_on_demo_gives_the_step_key_clients(demo_ru_steps, tmp_path) -> None:
    from kamlib.engagement import Engagement
    from kamlib.selection import run_selection
    from kamlib.selection.scoring import score_portfolio

    res = run_selection(demo_ru_steps, tmp_path / "03")  # artefacts to tmp: fixture intact
    params = Engagement.open(demo_ru_steps).config.selection
    table = res["table"]

    def notebook_score_fn(scores, a, st):  # as notebook 03 builds it
        out = score_portfolio(scores, a, st, eligible=res["eligible"], max_n=res["max_n"],
                              threshold=params.threshold)
        return out.join(table[["entity_name", "net_revenue", "contribution"]])

    box = weights_widget(res["scores"], params.attractiveness, params.strength,
                         score_fn=notebook_score_fn, lang="ru")
    assert set(box.scored.index[box.scored["is_key"]]) == set(res["key"].index)
    assert sum(t.get_gid() == "label" for t in box.ax.texts) <= 15
    # the client selector: the largest client first, its own place beside the matrix
    largest = box.scored["net_revenue"].idxmax()
    assert box.client.value == largest
    out = box.scored[~box.scored["is_key"].astype(bool)]
    other = out["net_revenue"].idxmax()  # the largest client that is not key
    box.client.value = other
    pos = box.client_position
    assert pos["attractiveness"] == pytest.approx(box.scored.at[other, "attractiveness"])
    assert pos["is_key"] is False and "не ключевой" in box.client_readout.value
    assert pos["rank"] == int((box.scored["attractiveness"] > pos["attractiveness"]).sum()) + 1
    name = box.scored.at[other, "entity_name"]
    assert any(t.get_text() == name for t in box.ax.texts)  # the matrix names it
    _speaks_russian(box, {box.client_readout.value, *[o for o, _ in box.client.options]})
    _latency("weights_widget (first attractiveness slider)", box)


def test_step_widget_needs_the_step_run(make_engagement) -> None:
    from kamlib.errors import KamError
    from kamlib.notebook.widgets import step_widget

    root = make_engagement({})
    with pytest.raises(KamError, match="has not been run") as exc:
        step_widget(root, "01")
    assert "kam run" in exc.value.hint
    with pytest.raises(KamError, match="no widget"):
        step_widget(root, "04")


def test_sizing_widget_recomputes_the_workload_build_up(demo_ru_steps) -> None:
    from kamlib.engagement import Engagement
    from kamlib.notebook.widgets import sizing_widget
    from kamlib.sizing.workload import account_workload, available_hours

    eng = Engagement.open(demo_ru_steps)
    key = pd.read_parquet(demo_ru_steps / "work/03_key_client_profile/key_clients.parquet")
    key = key.set_index("entity_id")
    params = eng.config.sizing
    box = sizing_widget(key, params, lang="ru")
    base = account_workload(key, params)["hours"].sum()
    assert box.total_hours == pytest.approx(base)
    assert box.fte == pytest.approx(base / available_hours(params))
    first = _png(box)
    box.set_hours(meeting_hours=params.meeting_hours + 2)
    more = account_workload(key, params.model_copy(
        update={"meeting_hours": params.meeting_hours + 2}))["hours"].sum()
    assert box.total_hours == pytest.approx(more) and more > base
    assert _png(box) != first
    _status_ok(box)
    with pytest.raises(ValueError, match="unknown field"):
        box.set_hours(nope=1)
    # the followed key account: its own hours, as the workload build-up gives them
    entity = key.index[-1]
    box.client.value = entity
    p = params.model_copy(update={"meeting_hours": params.meeting_hours + 2})
    hours = account_workload(key, p).at[entity, "hours"]
    assert box.client_hours == pytest.approx(hours)
    share = Formatter("ru").pct(hours / available_hours(p), 0)
    assert f"<b>{_num_ru(hours)}</b> ч в год — {share}" in box.client_readout.value
    _latency("sizing_widget (04)", box)


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_weights_widget_speaks_its_language(scores: pd.DataFrame, lang: str) -> None:
    import re

    from matplotlib.text import Text

    box = weights_widget(scores.head(60), equal(ATTR), equal(STRENGTH), score_fn=score_fn,
                         lang=lang)
    box.sliders["strength"]["tenure"].value = 75  # a warning in the sum line
    box.figure.canvas.draw()
    own = [box.status.value, *(h.value for h in box.sum_labels.values()),
           *(t.get_text() for t in box.figure.findobj(Text) if t.get_visible())]
    names = set(scores["entity_name"])
    texts = [re.sub(r"<[^>]+>", " ", t) for t in own if t not in names]
    assert any("150" in t for t in texts)
    if lang == "ru":
        _speaks_russian(box, names)
        assert any("сумма весов" in t for t in texts)
        assert any(re.search(r"\d+ клиент(а|ов)? · \d+\u00a0% выручки", t) for t in texts)
    else:
        cyrillic = [t for t in texts if re.search(r"[А-Яа-яЁё]", t)]
        assert not cyrillic, cyrillic
        assert any("sum of weights" in t for t in texts)
        assert any(re.search(r"\d+ clients? · \d+% of revenue", t) for t in texts)


# ============================================================ the client selectors (issue 21)


def test_intake_widget_follows_a_client(demo_ru_steps) -> None:
    """The chosen client code's own rows, money and rejected rows, beside the file's: the
    figures read back from the intake's own tables."""
    from kamlib.i18n import Formatter
    from kamlib.notebook.widgets import step_widget

    intake = demo_ru_steps / "work" / "00_intake"
    sales = pd.read_parquet(intake / "sales.parquet")
    clients = pd.read_parquet(intake / "clients.parquet")
    rejected = pd.read_parquet(intake / "rejected.parquet")
    sales["client_id"] = sales["client_id"].astype(str)
    revenue = sales.groupby("client_id")["net_revenue"].sum()
    box = step_widget(demo_ru_steps, "00")
    _status_ok(box)
    # the largest client first, with its own lines, files, money and share of the total
    top = str(revenue.idxmax())
    assert box.client.value == top
    c = box.client_figures
    mine = sales[sales["client_id"] == top]
    assert c["lines"] == len(mine) > 0
    assert c["files"] == mine["source_file"].nunique()
    assert c["net_revenue"] == pytest.approx(float(revenue.max()), abs=0.005)
    assert c["share"] == pytest.approx(float(revenue.max() / revenue.sum()))
    assert c["records"] == int((clients["client_id"].astype(str) == top).sum()) == 1
    fmt = Formatter("ru")
    assert f"<b>{fmt.number(len(mine), 0)}</b>" in box.client_readout.value
    assert fmt.pct(c["share"], 1) in box.client_readout.value
    # rejected rows name their client: a client with some has them listed, with their money
    assert "client_id" in rejected.columns
    codes = {i for _, i in box.client.options}
    counts = rejected["client_id"].dropna().astype(str).value_counts()
    counts = counts[counts.index.isin(codes)]
    assert len(counts) > 0
    who = str(counts.index[0])
    box.select_client(who)
    c = box.client_figures
    theirs = rejected[rejected["client_id"].astype(str) == who]
    assert c["rejected"] == len(theirs) == counts.iloc[0]
    assert c["rejected_amount"] == pytest.approx(float(theirs["amount"].fillna(0).sum()))
    assert sorted(c["rejected_rows"]["row"]) == sorted(theirs["row"])
    assert f">{fmt.number(len(theirs), 0)}</b>" in box.client_readout.value
    for reason in theirs["reason"]:
        assert reason.split(";")[0][:30] in box.client_rejected_html.value.replace("&#x27;", "'")
    _status_ok(box)
    # changing the file keeps the client's figures (they do not depend on the file)
    box.select(len(box.files) - 1)
    assert box.client_figures["client_id"] == who
    with pytest.raises(KeyError, match="no client"):
        box.select_client("no such code")


def test_cleanup_widget_follows_a_client(demo_ru_steps) -> None:
    """The chosen record's legal entity, its merged records and branches, its group and its
    pairs: at the step's thresholds the step's own artefacts; at others, what the sliders
    give."""
    from kamlib.notebook.widgets import step_widget

    step = demo_ru_steps / "work" / "01_client_base_cleanup"
    ents = pd.read_parquet(step / "entities.parquet")
    ents["client_id"] = ents["client_id"].astype(str)
    pairs = pd.read_parquet(step / "pairs.parquet")
    status = pd.read_parquet(step / "status.parquet").set_index("entity_id")["status"]
    box = step_widget(demo_ru_steps, "01")
    _status_ok(box)
    # a record whose entity merged a pair scoring below 100 (a fuzzy match), the entity with
    # the most records (not necessarily among the largest clients the selector lists first)
    size = ents.groupby("entity_id").size()
    by_code = ents.set_index("client_id")["entity_id"]
    fuzzy_pairs = pairs[(pairs["outcome"] == "merged") & (pairs["score"] < 100)]
    candidates = sorted(set(fuzzy_pairs["client_id_a"].astype(str)))
    assert candidates
    rec = max(candidates, key=lambda c: (size[by_code[c]], c))
    box.select_client(rec)
    c = box.client_entity
    entity = ents.set_index("client_id").at[rec, "entity_id"]
    members = ents[ents["entity_id"] == entity]
    assert c["entity_id"] == entity
    assert c["records"] == sorted(members["client_id"]) and len(c["records"]) >= 2
    assert c["branches"] == int(members["is_branch"].sum())
    group = members["group_id"].iloc[0]
    assert c["group_id"] == group
    assert c["group_entities"] == ents.loc[ents["group_id"] == group, "entity_id"].nunique()
    own = pairs[pairs["client_id_a"].astype(str).isin(c["records"])
                | pairs["client_id_b"].astype(str).isin(c["records"])]["outcome"]
    assert c["merged"] == int(own.isin(["merged", "merged (accepted)"]).sum()) > 0
    assert c["to_review"] == int((own == "to review").sum())
    assert c["merged"] + c["to_review"] + c["same"] + c["apart"] == len(own)
    assert c["status"] == status[entity]
    readout = box.client_readout.value
    assert f"<b>{len(c['records'])}</b>" in readout and "юрлицо" in readout
    _status_ok(box)
    # auto-merge only at 100: the client's pairs scoring below stop merging, its entity
    # keeps only the records joined by 100-point pairs (or accepted by a person)
    mine = pairs[pairs["client_id_a"].astype(str).isin(c["records"])
                 | pairs["client_id_b"].astype(str).isin(c["records"])]
    low = mine[(mine["outcome"] == "merged") & (mine["score"] < 100)]
    assert len(low) > 0
    box.set_thresholds(auto_merge=100)
    after = box.client_entity
    now = box.pairs[box.pairs["client_id_a"].astype(str).isin(after["records"])
                    | box.pairs["client_id_b"].astype(str).isin(after["records"])]
    merged = now[now["outcome"].isin(["merged", "merged (accepted)"])]
    assert after["merged"] == len(merged) < c["merged"]
    assert ((merged["score"] >= 100) | (merged["outcome"] == "merged (accepted)")).all()
    assert after["merged"] + after["to_review"] + after["same"] + after["apart"] == len(now)
    assert len(after["records"]) <= len(c["records"])
    key = box.pairs.set_index(["client_id_a", "client_id_b"])["outcome"]
    for a, b in zip(low["client_id_a"], low["client_id_b"], strict=True):
        assert key[(a, b)] != "merged"
    assert f"{after['merged']}" in box.client_readout.value
    _status_ok(box)
    with pytest.raises(KeyError, match="no client record"):
        box.select_client("no such code")
    assert rec in [i for _, i in box.client.options]
