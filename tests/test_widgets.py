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

from kamlib.plots import portfolio_matrix_chart
from kamlib.widgets import time_update, weights_widget

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
