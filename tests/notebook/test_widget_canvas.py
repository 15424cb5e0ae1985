"""The widgets' text-caching Agg canvas draws the pixels matplotlib's own Agg canvas draws."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kamlib import plots
from kamlib.notebook.widgets import agg
from kamlib.notebook.widgets.agg import TextCachingCanvasAgg, TextCachingRendererAgg


def _figure(canvas: type) -> tuple[Figure, list]:
    fig = Figure(figsize=(6, 4), dpi=100)
    canvas(fig)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1])
    ax.set_title("Портфель клиентов")
    ax.set_ylabel("привлекательность")
    texts = [ax.text(0.05 + 0.021 * i, 0.1 + 0.017 * i, f"ООО «Магнолия» {i}", fontsize=7,
                     rotation=(0, 30, 90)[i % 3]) for i in range(30)]
    ax.annotate("two\nlines", (0.3, 0.3), xytext=(5, -20), textcoords="offset points",
                arrowprops={"arrowstyle": "-"})
    ax.text(0.5, 0.9, r"$\alpha^2$ mathtext", transform=ax.transAxes)
    return fig, texts


def _pixels(fig: Figure) -> np.ndarray:
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba()).copy()  # type: ignore[attr-defined]


def test_same_pixels_as_matplotlib_when_texts_stay_and_when_they_move() -> None:
    plots.set_theme()
    plain, plain_texts = _figure(FigureCanvasAgg)
    cached, cached_texts = _figure(TextCachingCanvasAgg)
    assert np.array_equal(_pixels(plain), _pixels(cached))  # first draw: all misses
    renderer = cached.canvas.get_renderer()
    assert isinstance(renderer, TextCachingRendererAgg)
    assert np.array_equal(_pixels(plain), _pixels(cached))  # redraw: from the cache
    if agg._SUPPORTED:
        assert renderer.glyph_hits > renderer.glyph_misses > 0
    for texts in (plain_texts, cached_texts):  # labels that follow their bubbles
        for i, t in enumerate(texts):
            x, y = t.get_position()
            t.set_position((x + 0.0037 * (i + 1), y - 0.0011 * i))
            t.set_color("#c00000" if i % 2 else "black")
        texts[0].set_text("ИП Миронова")
    assert np.array_equal(_pixels(plain), _pixels(cached))
    assert cached.canvas.get_renderer() is renderer  # kept across draws


def test_cache_is_bounded_and_renderer_follows_the_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agg, "MAX_GLYPHS", 10)
    monkeypatch.setattr(agg, "MAX_LAYOUTS", 2)
    plain, _ = _figure(FigureCanvasAgg)
    cached, _ = _figure(TextCachingCanvasAgg)
    assert np.array_equal(_pixels(plain), _pixels(cached))
    renderer = cached.canvas.get_renderer()
    assert len(renderer._glyphs) <= 10 and len(renderer._layouts) <= 2
    assert np.array_equal(_pixels(plain), _pixels(cached))
    for fig in (plain, cached):
        fig.set_size_inches(5, 3)
    assert np.array_equal(_pixels(plain), _pixels(cached))
    assert cached.canvas.get_renderer() is not renderer


def test_a_widget_chart_is_drawn_as_matplotlib_draws_it() -> None:
    """The portfolio matrix (~50 texts) on the widgets' canvas and on a plain one."""
    plots.set_theme()
    rng = np.random.default_rng(3)
    n = 300
    scored = pd.DataFrame({"attractiveness": rng.uniform(1, 10, n),
                           "strength": rng.uniform(1, 10, n),
                           "net_revenue": rng.lognormal(13, 1.5, n),
                           "contribution": rng.normal(0, 1e5, n),
                           "entity_name": [f"Клиент {i}" for i in range(n)],
                           "is_key": rng.random(n) < 0.2},
                          index=pd.Index([f"E{i}" for i in range(n)], name="entity_id"))
    figs = []
    for canvas in (FigureCanvasAgg, TextCachingCanvasAgg):
        fig = Figure(figsize=(10, 7.5), dpi=100)
        canvas(fig)
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.15, top=0.95)
        ax = fig.add_subplot()
        plots.portfolio_matrix_chart(scored, lang="ru", ax=ax, max_labels=15)
        figs.append((fig, ax))
    for step in range(2):  # the first draw, then a redraw after the data moved
        if step:
            for _fig, ax in figs:
                ax.clear()
                plots.portfolio_matrix_chart(scored.assign(strength=scored["strength"] * 0.9),
                                             lang="ru", ax=ax, max_labels=15)
        assert np.array_equal(_pixels(figs[0][0]), _pixels(figs[1][0]))


def _waterfall(scale: float) -> pd.DataFrame:
    steps = ["gross sales", "discounts", "returns", "net revenue", "cost to serve",
             "contribution"]
    amounts = [1.2e6, -1.1e5, -4.0e4, 1.05e6, -3.1e5 * scale, 1.05e6 - 3.1e5 * scale]
    kinds = ["total", "change", "change", "total", "change", "total"]
    return pd.DataFrame({"step": steps, "amount": amounts, "kind": kinds})


def _whale(seed: int) -> tuple[pd.DataFrame, dict]:
    from kamlib.profitability.curves import whale_curve, whale_figures

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"contribution": rng.normal(2e4, 6e4, 5000)},
                         index=pd.Index([f"E{i}" for i in range(5000)], name="entity_id"))
    return whale_curve(frame), whale_figures(frame)


@pytest.mark.parametrize("chart", ["whale", "waterfall"])
def test_a_reused_axes_draws_what_a_fresh_axes_draws(chart: str) -> None:
    """The widgets redraw on the same axes (``_reuse_axes``, not ``Axes.clear``): after other
    data, an empty chart and a legend were drawn on it, the chart is the chart drawn on a new
    axes, pixel for pixel."""
    from kamlib.notebook.widgets.base import _new_figure, _reuse_axes

    plots.set_theme()

    def draw(ax, k: int) -> None:
        if chart == "whale":
            whale, figures = _whale(k) if k >= 0 else (pd.DataFrame(), {"total": None})
            plots.whale_curve_chart(whale, figures, lang="ru", ax=ax)
            if k >= 0:
                ax.legend(frameon=False, fontsize=8, loc="center right")
        else:
            frame = _waterfall(k) if k >= 0 else _waterfall(0).assign(amount=0.0)
            plots.waterfall_chart(frame, currency="RUB", lang="ru", ax=ax,
                                  title="ООО «Магнолия»" if k else None)

    margins = {"left": 0.1, "right": 0.97, "bottom": 0.12, "top": 0.92}
    reused, ax = _new_figure((8, 4.5), margins)
    for k in (1, -1, 3, 2):            # data, nothing to draw, other data, the last data
        draw(_reuse_axes(ax), k)
        _pixels(reused)
    fresh, ax2 = _new_figure((8, 4.5), margins)
    draw(ax2, 2)
    assert np.array_equal(_pixels(reused), _pixels(fresh))
    # and the cheaper path is not a no-op: the drawing did change between the data
    other, ax3 = _new_figure((8, 4.5), margins)
    draw(ax3, 3)
    assert not np.array_equal(_pixels(other), _pixels(fresh))
