"""Step 3: criterion weights that re-score the portfolio matrix (:func:`weights_widget`).
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kamlib.notebook.widgets.base import (
    _lang,
    _new_figure,
    _num,
    _seconds,
    _show_png,
    _text,
)
from kamlib.plots import (
    _trim,
    portfolio_matrix_chart,
)

ScoreFn = Callable[[pd.DataFrame, dict[str, float], dict[str, float]], pd.DataFrame]

def _initial(weights: Mapping[str, float]) -> dict[str, float]:
    """Weights as percentages: a set given as fractions (summing to 1) is scaled by 100."""
    vals = {k: float(v) for k, v in weights.items()}
    total = sum(vals.values())
    if vals and all(0 <= v <= 1 for v in vals.values()) and abs(total - 1) < 1e-6:
        vals = {k: v * 100 for k, v in vals.items()}
    return vals


def _normalise(raw: dict[str, float]) -> tuple[dict[str, float], str]:
    """Weights scaled to sum to 100, and ``"ok"``, ``"bad"`` (sum ≠ 100) or ``"zero"``."""
    total = sum(raw.values())
    if total <= 0:
        return {k: 100 / len(raw) for k in raw}, "zero"
    status = "ok" if abs(total - 100) < 1e-6 else "bad"
    return {k: v * 100 / total for k, v in raw.items()}, status



class WeightsWidget(w.VBox):
    """The box returned by :func:`weights_widget`.

    Attributes: ``sliders`` (``{"attractiveness": {criterion: FloatSlider}, "strength": …}``),
    ``output`` (the ``Output`` holding the chart), ``scored`` (last frame from ``score_fn``),
    ``weights`` (last normalised weights per axis), ``figure`` / ``ax`` (the chart, redrawn in
    place; the figure is not registered with pyplot, so nothing accumulates), ``redraw``
    (draw the chart on update or only re-score), ``last_update_seconds``, ``updates``.
    """

    def __init__(self, scores: pd.DataFrame, attractiveness: Mapping[str, float],
                 strength: Mapping[str, float], *, score_fn: ScoreFn, redraw: bool = True,
                 lang: str = "en", chart_kwargs: Mapping[str, Any] | None = None,
                 figsize: tuple[float, float] = (10, 7.5), client: Any = None) -> None:
        if not attractiveness or not strength:
            raise ValueError("both axes need at least one criterion")
        self.scores = scores
        self.score_fn = score_fn
        self.redraw = redraw
        self.lang = _lang(lang)
        # 15 named key clients, as the notebook's own matrix: each label is ~20 glyphs to
        # render, and 30 of them were a third of an update
        self.chart_kwargs = {"max_labels": 15, **dict(chart_kwargs or {})}
        self.figsize = figsize
        self.scored: pd.DataFrame | None = None
        self.weights: dict[str, dict[str, float]] = {}
        self.figure: Figure | None = None
        self.ax: Axes | None = None
        self.last_update_seconds: float | None = None
        self.updates = 0
        self._hold = False
        t = _text(self.lang)
        self.sliders: dict[str, dict[str, w.FloatSlider]] = {}
        self.sum_labels: dict[str, w.HTML] = {}
        columns = []
        for axis, weights in (("attractiveness", attractiveness), ("strength", strength)):
            self.sliders[axis] = {
                name: w.FloatSlider(value=v, min=0, max=100, step=1, description=str(name),
                                    continuous_update=False, readout_format=".0f",
                                    style={"description_width": "140px"},
                                    layout=w.Layout(width="380px"))
                for name, v in _initial(weights).items()}
            self.sum_labels[axis] = w.HTML()
            columns.append(w.VBox([w.HTML(f"<b>{t.t(f'widget.weights.{axis}')}</b>"),
                                   *self.sliders[axis].values(), self.sum_labels[axis]]))
        for sliders in self.sliders.values():
            for s in sliders.values():
                s.observe(self._on_change, names="value")
        self.status = w.HTML()
        self.output = w.Output()
        # the client the lesson follows: its place in the matrix beside the portfolio
        self._initial_client = client
        self.client = w.Dropdown(options=[], description=t.t("widget.client.select"),
                                 style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.client.observe(self._on_client, names="value")
        self.client_readout = w.HTML()
        self.client_position: dict[str, Any] | None = None
        super().__init__([w.HBox(columns), self.client, self.client_readout, self.status,
                          self.output])

    # ------------------------------------------------------------------ behaviour

    def _on_change(self, _change: Any = None) -> None:
        if not self._hold:
            self.update()

    def _on_client(self, _change: Any = None) -> None:
        if not self._hold and self.scored is not None:
            self._show_client(self.scored)
            if self.redraw:
                self._draw(self.scored)

    def _fill_clients(self, scored: pd.DataFrame) -> None:
        """The selector's options, once, from the first scored frame (largest first)."""
        from kamlib.notebook.client_view import client_choices

        if self.client.options or "entity_name" not in scored.columns:
            return
        options = client_choices(scored)
        held, self._hold = self._hold, True
        try:
            self.client.options = options
            ids = [i for _, i in options]
            self.client.value = self._initial_client if self._initial_client in ids else \
                (ids[0] if ids else None)
        finally:
            self._hold = held

    def _show_client(self, scored: pd.DataFrame) -> None:
        from kamlib.notebook.client_view import client_portfolio_position

        entity = self.client.value
        if entity is None or entity not in scored.index:
            self.client_position = None
            self.client_readout.value = ""
            return
        t = _text(self.lang)
        pos = client_portfolio_position(scored, entity)
        self.client_position = pos
        name = self.client.label.rsplit(" (", 1)[0]
        self.client_readout.value = t.t(
            "widget.client.portfolio", name=html.escape(name),
            attractiveness=_num(pos["attractiveness"], 1, self.lang),
            strength=_num(pos["strength"], 1, self.lang),
            quadrant=t.t(f"quadrant.{pos['quadrant']}") if pos["quadrant"] else "—",
            key=f"<b>{t.t('widget.client.key' if pos['is_key'] else 'widget.client.not_key')}</b>",
            rank=_num(pos["rank"], 0, self.lang), of=_num(pos["of"], 0, self.lang))

    def set_weights(self, attractiveness: Mapping[str, float] | None = None,
                    strength: Mapping[str, float] | None = None) -> None:
        """Move several sliders at once with a single update."""
        held, self._hold = self._hold, True
        try:
            for axis, new in (("attractiveness", attractiveness), ("strength", strength)):
                for name, v in (new or {}).items():
                    self.sliders[axis][name].value = float(v)
        finally:
            self._hold = held
        self.update()

    def timing_control(self) -> tuple[w.ValueWidget, list[float]]:
        """The control :func:`time_update` moves and the values it alternates: the first
        attractiveness slider, ±10 from where it is."""
        slider = next(iter(self.sliders["attractiveness"].values()))
        original = float(slider.value)
        return slider, [original + (10.0 if original <= 90 else -10.0), original]

    def update(self) -> pd.DataFrame | None:
        """Re-score with the sliders' weights (normalised to 100) and redraw the chart.

        Returns the scored frame (``None`` if ``score_fn`` raised: the error is shown in
        the status line). Sets ``last_update_seconds``.
        """
        t = _text(self.lang)
        start = time.perf_counter()
        for axis, sliders in self.sliders.items():
            raw = {name: float(s.value) for name, s in sliders.items()}
            self.weights[axis], status = _normalise(raw)
            total = sum(raw.values())
            text = t.t("widget.weights.sum",
                       sum=f"<b>{_trim(_num(total, 2, self.lang), self.lang)}</b>")
            if status != "ok":
                text = (f"<span style='color:#c00000'>⚠ {text} — "
                        f"{t.t(f'widget.weights.{status}')}</span>")
            self.sum_labels[axis].value = text
        try:
            scored = self.score_fn(self.scores, dict(self.weights["attractiveness"]),
                                   dict(self.weights["strength"]))
        except Exception as exc:  # a widget callback must not die silently
            self.status.value = (f"<span style='color:#c00000'>{t.t('widget.weights.error')}: "
                                 f"{type(exc).__name__}: {html.escape(str(exc))}</span>")
            return None
        self.scored = scored
        self._fill_clients(scored)
        self._show_client(scored)
        if self.redraw:
            self._draw(scored)
        self.last_update_seconds = time.perf_counter() - start
        self.updates += 1
        self.status.value = ("<small>" + t.t("widget.updated", seconds=_seconds(
            self.last_update_seconds, self.lang)) + "</small>")
        return scored

    def _draw(self, scored: pd.DataFrame) -> None:
        # one figure outside pyplot, reused (no registry to leak into, no inline auto-show),
        # fixed margins leaving room for the legend below the axes, rendered once at 100 dpi:
        # no tight-bbox pass, which drew the ~70 texts of the matrix twice
        if self.figure is None or self.ax is None:
            self.figure, self.ax = _new_figure(self.figsize, {"left": 0.07, "right": 0.98,
                                                              "bottom": 0.15, "top": 0.95})
        else:
            self.ax.clear()
        kwargs = dict(self.chart_kwargs)
        if self.client.value is not None:  # the followed client is always named
            kwargs["label"] = [*(kwargs.get("label") or []), self.client.value]
        portfolio_matrix_chart(scored, lang=self.lang, ax=self.ax, **kwargs)
        _show_png(self.output, self.figure)


def weights_widget(scores: pd.DataFrame, attractiveness: dict[str, float],
                   strength: dict[str, float], *, score_fn: ScoreFn, redraw: bool = True,
                   lang: str = "en", **kwargs: Any) -> WeightsWidget:
    """Sliders (0–100, step 1) for the criterion weights of both axes of the portfolio matrix.

    ``attractiveness`` / ``strength``: ``{criterion: initial weight}`` (percent; fractions
    summing to 1 are scaled). Each axis shows its sum: if it is not 100 a warning is shown
    and the weights are normalised to 100 before scoring. On every change
    ``score_fn(scores, attractiveness_weights, strength_weights)`` must return the frame
    that :func:`kamlib.plots.portfolio_matrix_chart` takes; the chart is redrawn (unless
    ``redraw=False``). ``kwargs``: ``chart_kwargs`` (passed to the chart: ``threshold``,
    ``label``, ``currency``, ``mcdonald``, ``max_labels`` (default 15) …), ``figsize`` and
    ``client`` (the entity id to follow; default the largest by revenue): the client
    selector shows its attractiveness, strength, quadrant, key or not and rank
    (:func:`kamlib.notebook.client_view.client_portfolio_position`), and the matrix always names it.
    Updates once on creation.

    The returned box has ``update()``, ``set_weights(...)``, ``last_update_seconds``,
    ``scored``, ``figure`` / ``ax``, ``sliders`` and ``output`` (see :class:`WeightsWidget`).
    """
    box = WeightsWidget(scores, attractiveness, strength, score_fn=score_fn, redraw=redraw,
                        lang=lang, **kwargs)
    box.update()
    return box
