"""Interactive widgets of the step notebooks, for trainers and analysts (``interactive=True``).

One builder per step, on top of the same pure functions the steps use (DataFrame in, DataFrame
out; nothing re-implemented):

- :func:`intake_widget` (step 0) — pick an input file: how its columns were mapped, its rows
  read / accepted / rejected / skipped, and the rejected rows with their reasons;
- :func:`cleanup_widget` (step 1) — review and auto-merge thresholds re-cluster the scored
  candidate pairs (:func:`kamlib.cleanup.matching.propose`, :func:`~kamlib.cleanup.matching.
  cluster`, :func:`~kamlib.cleanup.entities.build_entities`, the activity status) and redraw
  :func:`kamlib.plots.funnel_chart`; a browser shows each pair to review side by side;
- :func:`profitability_widget` (step 2) — cost-to-serve rates re-cost every client
  (:func:`kamlib.profitability.scenarios.recost`) and redraw the whale curve;
- :func:`weights_widget` (step 3) — criterion weights re-score the portfolio matrix;
- :func:`sizing_widget` (step 4) — hours and capacity redraw the FTE and the workloads.

The Python side runs headless (tests, :func:`time_update`, ``bench/widgets.py``): every
widget of steps 0–3 has ``update()``, a setter to drive it (``select``, ``set_thresholds``,
``set_rates``, ``set_weights``), ``last_update_seconds``, and draws its chart to a PNG put into
its ``Output`` directly, so an update is timed end to end (observer → computation → chart →
PNG).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kamlib.i18n import LANGUAGES, Formatter, Strings, load_strings
from kamlib.plots import (
    PALETTE,
    _number_axis,
    _trim,
    funnel_chart,
    portfolio_matrix_chart,
    waterfall_chart,
    whale_curve_chart,
)

__all__ = [
    "RATE_DRIVERS",
    "CleanupWidget",
    "IntakeWidget",
    "ProfitabilityWidget",
    "SizingWidget",
    "WeightsWidget",
    "cleanup_widget",
    "intake_widget",
    "profitability_widget",
    "sizing_widget",
    "step_widget",
    "time_update",
    "weights_widget",
]

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


# =========================================================================== shared machinery

#: The cost-to-serve drivers with a rate slider (``engagement.yaml`` → profitability.cost_rates).
RATE_DRIVERS: tuple[str, ...] = ("order", "line", "delivery", "return", "visit", "service_hour")

def _lang(lang: str | None) -> str:
    return lang if lang in LANGUAGES else "en"


def _text(lang: str) -> Strings:
    """The widgets' texts (``templates/i18n/<lang>/widgets.yaml``, with the shared keys)."""
    return load_strings(_lang(lang))


def _num(x: float, digits: int = 0, lang: str = "en") -> str:
    """A number in the language's style: ``1 234 567,5`` / ``1,234,567.5``."""
    return Formatter(_lang(lang)).number(x, digits)


def _seconds(x: float, lang: str) -> str:
    return _num(x, 2, lang)


def _esc(x: Any) -> str:
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA:
        return "—"
    return html.escape(str(x))


def _table_html(df: pd.DataFrame, *, max_rows: int = 50, lang: str = "en") -> str:
    """A small HTML table (escaped), cut at ``max_rows`` with a line saying how many more."""
    if df.empty:
        return ""
    shown = df.head(max_rows)
    out = shown.to_html(index=False, escape=True, na_rep="—", border=0,
                        classes="kam-table", float_format=lambda v: _num(v, 2, lang))
    if len(df) > max_rows:
        more = _text(lang).t("widget.intake.more", n=_num(len(df) - max_rows, 0, lang))
        out += f"<p><small>{html.escape(more)}</small></p>"
    return out


def _new_figure(figsize: tuple[float, float], margins: Mapping[str, float]) -> tuple[Figure, Axes]:
    """A figure outside pyplot (no registry to leak into, no inline auto-show) with an Agg
    canvas and fixed margins: no tight-bbox pass, so a redraw renders once."""
    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(**margins)
    return fig, fig.add_subplot()


def _show_png(output: w.Output, fig: Figure) -> None:
    """Render ``fig`` to PNG at its own dpi and make it the ``output``'s only item (one
    assignment: the clear_output(wait=True) effect, no flicker)."""
    buf = io.BytesIO()
    fig.canvas.print_png(buf, pil_kwargs={"compress_level": 1})  # fast zlib level
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    output.outputs = ({"output_type": "display_data",
                       "data": {"image/png": png, "text/plain": "<chart>"},
                       "metadata": {}},)


class _StepWidget(w.VBox):
    """Common behaviour: ``update()`` = ``_compute()`` + ``_render()``, timed; errors in the
    status line (a widget callback must not die silently); ``_hold`` batches changes."""

    lang: str

    def _setup(self, lang: str) -> None:
        self.lang = _lang(lang)
        self.status = w.HTML()
        self.output = w.Output()
        self.last_update_seconds: float | None = None
        self.updates = 0
        self.redraw = True
        self._hold = False

    def _on_change(self, _change: Any = None) -> None:
        if not self._hold:
            self.update()

    def _compute(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def _render(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def update(self) -> bool:
        """Recompute from the controls and redraw; ``False`` if the computation failed (the
        error is shown in the status line). Sets ``last_update_seconds``."""
        t = _text(self.lang)
        start = time.perf_counter()
        try:
            self._compute()
            self._render()
        except Exception as exc:  # shown to the trainer, not swallowed
            self.status.value = (f"<span style='color:#c00000'>{t.t('widget.error')}: "
                                 f"{type(exc).__name__}: {html.escape(str(exc))}</span>")
            return False
        self.last_update_seconds = time.perf_counter() - start
        self.updates += 1
        self.status.value = ("<small>" + t.t("widget.updated", seconds=_seconds(
            self.last_update_seconds, self.lang)) + "</small>")
        return True

    def timing_control(self) -> tuple[w.ValueWidget, list[Any]]:  # pragma: no cover
        """The control :func:`time_update` moves, and the values it cycles through."""
        raise NotImplementedError


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
        from kamlib.client_view import client_choices

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
        from kamlib.client_view import client_portfolio_position

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
    (:func:`kamlib.client_view.client_portfolio_position`), and the matrix always names it.
    Updates once on creation.

    The returned box has ``update()``, ``set_weights(...)``, ``last_update_seconds``,
    ``scored``, ``figure`` / ``ax``, ``sliders`` and ``output`` (see :class:`WeightsWidget`).
    """
    box = WeightsWidget(scores, attractiveness, strength, score_fn=score_fn, redraw=redraw,
                        lang=lang, **kwargs)
    box.update()
    return box


def time_update(box: Any, n: int = 5) -> dict[str, float]:
    """Move a widget's main control ``n`` times, as a user would, and time each update end to
    end (observer → computation → chart → PNG). Restores the control afterwards.

    ``box`` is any widget of this module with ``timing_control()`` (steps 0–3): for
    :func:`weights_widget` the first attractiveness slider moves ±10; for the others see
    their ``timing_control``.

    Returns ``{"n", "min", "median", "max"}`` in seconds and ``"redraw"`` (0/1).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    control, values = box.timing_control()
    original = control.value
    times = []
    try:
        for i in range(n):
            value = values[i % len(values)]
            start = time.perf_counter()
            control.value = value
            times.append(time.perf_counter() - start)
    finally:
        if control.value != original:
            control.value = original
    return {"n": n, "min": min(times), "median": statistics.median(times), "max": max(times),
            "redraw": float(getattr(box, "redraw", True))}


class SizingWidget(_StepWidget):
    """The box returned by :func:`sizing_widget`: sliders for the hours and the capacity.

    Attributes: ``sliders`` (``{field: FloatSlider}``), ``work`` (the last
    :func:`~kamlib.sizing.workload.account_workload` frame), ``total_hours``, ``capacity``
    (account hours per KAM), ``fte``, ``figure`` / ``ax`` (reused), ``last_update_seconds``,
    ``updates``.
    """

    FIELDS = (("meeting_hours", 0, 8, 0.5), ("travel_hours", 0, 8, 0.5),
              ("planning_hours", 0, 120, 5), ("coordination_share", 0, 1, 0.05),
              ("account_work_share", 0.3, 1, 0.05))

    def __init__(self, key: pd.DataFrame, params: Any, *, lang: str = "en",
                 figsize: tuple[float, float] = (8, 3), client: Any = None) -> None:
        from kamlib.client_view import client_choices

        self._setup(lang)
        t = _text(self.lang)
        self.key, self.params = key, params
        self.sliders = {f: w.FloatSlider(value=float(getattr(params, f)), min=lo, max=hi,
                                         step=st, description=t.t(f"widget.sizing.field.{f}"),
                                         continuous_update=False)
                        for f, lo, hi, st in self.FIELDS}
        self.text = w.HTML()
        self.figure, self.ax = _new_figure(figsize, {"left": 0.1, "right": 0.97,
                                                     "top": 0.85, "bottom": 0.15})
        for slider in self.sliders.values():
            slider.observe(self._on_change, names="value")
        # the client the lesson follows: its own hours beside the team's
        options = client_choices(key) if "entity_name" in key.columns else \
            [(str(i), i) for i in key.index]
        ids = [i for _, i in options]
        self.client = w.Dropdown(options=options, description=t.t("widget.client.select"),
                                 value=client if client in ids else (ids[0] if ids else None),
                                 style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.client.observe(self._on_change, names="value")
        self.client_readout = w.HTML()
        self.client_hours: float | None = None
        super().__init__([*self.sliders.values(), self.text, self.client, self.client_readout,
                          self.output, self.status])
        self.update()

    def set_hours(self, **values: float) -> None:
        """Set several sliders at once (one update), e.g. ``set_hours(meeting_hours=3)``."""
        unknown = set(values) - set(self.sliders)
        if unknown:
            raise ValueError(f"unknown field(s) {sorted(unknown)}; fields: {list(self.sliders)}")
        self._hold = True
        try:
            for k, v in values.items():
                self.sliders[k].value = v
        finally:
            self._hold = False
        self.update()

    def timing_control(self) -> tuple[w.FloatSlider, list[float]]:
        """The meeting-hours slider, moved ±1 h around its value."""
        s = self.sliders["meeting_hours"]
        return s, [min(s.max, s.value + 1), max(s.min, s.value - 1)]

    def _compute(self) -> None:
        from .sizing.workload import account_workload, available_hours

        p = self.params.model_copy(update={f: s.value for f, s in self.sliders.items()})
        self.work = account_workload(self.key, p)
        self.total_hours = float(self.work["hours"].sum())
        self.capacity = float(available_hours(p))
        self.fte = self.total_hours / self.capacity if self.capacity else float("nan")
        entity = self.client.value
        self.client_hours = float(self.work.at[entity, "hours"]) \
            if entity is not None and entity in self.work.index else None

    def _render(self) -> None:
        t, lang = _text(self.lang), self.lang
        self.text.value = t.t("widget.sizing.summary",
                              hours=f"<b>{_num(self.total_hours, 0, lang)}</b>",
                              fte=f"<b>{_num(self.fte, 1, lang)}</b>",
                              capacity=_num(self.capacity, 0, lang))
        ax = self.ax
        ax.clear()
        by_q = self.work.groupby(self.key["quadrant"])["hours"].sum()
        ax.bar([t.get(f"quadrant.{q}") or str(q) for q in by_q.index], by_q.to_numpy(),
               color=PALETTE[0])
        ax.yaxis.set_major_formatter(_number_axis(lang))
        ax.set_ylabel(t.t("widget.sizing.y"))
        ax.set_title(t.t("widget.sizing.title"))
        _show_png(self.output, self.figure)
        if self.client_hours is None:
            self.client_readout.value = ""
        else:
            share = self.client_hours / self.capacity if self.capacity else None
            self.client_readout.value = t.t(
                "widget.client.hours", name=html.escape(self.client.label.rsplit(" (", 1)[0]),
                hours=f"<b>{_num(self.client_hours, 0, lang)}</b>",
                share=Formatter(lang).pct(share, 0) if share is not None else "—")


def sizing_widget(key: pd.DataFrame, params: Any, *, lang: str = "en",
                  client: Any = None) -> SizingWidget:
    """Sliders for the hours and the capacity that redraw the FTE and the workload per quadrant.

    ``key`` holds the key accounts (quadrant, attractiveness); ``params`` the sizing settings
    (:class:`~kamlib.config.SizingParams`). Each change re-runs the workload build-up
    (:func:`kamlib.sizing.workload.account_workload`; Talley 1961) and redraws; the client
    selector (``client``: the entity id, default the largest) shows that key account's own
    hours a year and its share of one KAM's account time.
    """
    return SizingWidget(key, params, lang=lang, client=client)


# =========================================================================== step 0: intake


def _same_file(frame: pd.DataFrame, f: Mapping[str, Any]) -> np.ndarray:
    """Rows of ``rejected`` / ``issues`` that belong to the manifest entry ``f``: the file
    is named either plainly (with its sheet in ``sheet``) or as ``file[sheet]``."""
    if frame.empty or "file" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    sheet = f.get("sheet")
    label = f["file"] + (f"[{sheet}]" if sheet else "")
    files = frame["file"].astype(str)
    hit = (files == label).to_numpy(bool)
    plain = (files == f["file"]).to_numpy(bool)
    if "sheet" in frame.columns and sheet:
        sheets = frame["sheet"]
        plain = plain & (sheets.isna() | (sheets.astype(str) == str(sheet))).to_numpy(bool)
    return hit | plain


class IntakeWidget(_StepWidget):
    """The box returned by :func:`intake_widget`.

    Attributes: ``dropdown`` (the input files), ``file`` (the selected manifest entry),
    ``overview`` (its row of :func:`kamlib.datacheck.files_overview`), ``mapping``
    (canonical column → header in the file), ``rejected_rows`` and ``issue_rows`` (its rows of
    ``rejected.parquet`` / ``issues.parquet``), ``sample_rows`` (its first accepted rows in
    the canonical table), ``last_update_seconds``, ``updates``.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], *,
                 lang: str = "en", max_rows: int = 50, sample_rows: int = 5) -> None:
        from kamlib.datacheck import files_overview

        self._setup(lang)
        t = _text(self.lang)
        self.tables = dict(tables)
        self.manifest = manifest
        self.files: list[dict[str, Any]] = list(manifest.get("files", []))
        if not self.files:
            raise ValueError("the intake manifest lists no input file")
        self.max_rows = max_rows
        self._overview = files_overview(dict(manifest))
        # the first accepted rows of every file, found once (not a scan of 200,000 lines
        # on every change)
        self._samples: dict[tuple[str, str], pd.DataFrame] = {}
        for name, table in self.tables.items():
            if "source_file" in table.columns and name not in ("rejected", "issues"):
                head = table.groupby("source_file", sort=False, observed=True).head(sample_rows)
                for src, rows in head.groupby("source_file", sort=False, observed=True):
                    self._samples[(name, str(src))] = rows.drop(
                        columns=["source_file"]).reset_index(drop=True)
        self.labels = [f["file"] + (f"[{f['sheet']}]" if f.get("sheet") else "")
                       for f in self.files]
        options = [(f"{lab} — {f.get('table') or '?'}", i)
                   for i, (lab, f) in enumerate(zip(self.labels, self.files, strict=True))]
        self.dropdown = w.Dropdown(options=options, value=0, description=t.t("widget.intake.file"),
                                   style={"description_width": "80px"},
                                   layout=w.Layout(width="560px"))
        self.dropdown.observe(self._on_change, names="value")
        self.summary_html = w.HTML()
        self.mapping_html = w.HTML()
        self.rejected_html = w.HTML()
        self.sample_html = w.HTML()
        self.file: dict[str, Any] = {}
        self.overview: dict[str, Any] = {}
        self.mapping = pd.DataFrame()
        self.rejected_rows = pd.DataFrame()
        self.issue_rows = pd.DataFrame()
        self.sample_rows = pd.DataFrame()
        super().__init__([self.dropdown, self.summary_html, self.mapping_html,
                          self.rejected_html, self.sample_html, self.status])

    def select(self, file: str | int) -> None:
        """Show the input ``file``: its position in the manifest, its name (``a.csv``) or its
        label with the sheet (``b.xlsx[Sheet1]``)."""
        if isinstance(file, int):
            index = file
        elif file in self.labels:
            index = self.labels.index(file)
        else:
            names = [f["file"] for f in self.files]
            if file not in names:
                raise KeyError(f"no input file {file!r}; files: {', '.join(self.labels)}")
            index = names.index(file)
        if self.dropdown.value == index:
            self.update()
        else:
            self.dropdown.value = index

    def timing_control(self) -> tuple[w.Dropdown, list[int]]:
        """The file dropdown, cycling through the next files and back."""
        cur = int(self.dropdown.value)
        n = len(self.files)
        return self.dropdown, [(cur + k) % n for k in range(1, n + 1)] if n > 1 else [cur]

    def _compute(self) -> None:
        i = int(self.dropdown.value)
        f = self.files[i]
        self.file = f
        self.overview = self._overview.iloc[i].to_dict()
        mapping = f.get("mapping") or {}
        self.mapping = pd.DataFrame({"canonical": list(mapping), "source": list(mapping.values())})
        rej = self.tables.get("rejected", pd.DataFrame())
        self.rejected_rows = rej[_same_file(rej, f)].reset_index(drop=True)
        iss = self.tables.get("issues", pd.DataFrame())
        self.issue_rows = iss[_same_file(iss, f)].reset_index(drop=True)
        self.sample_rows = self._samples.get((f.get("table") or "", self.labels[i]),
                                             pd.DataFrame())

    def _render(self) -> None:
        t, lang = _text(self.lang), self.lang
        f, o = self.file, self.overview
        skipped = f.get("rows_skipped") or {}
        head = [t.t("widget.intake.table",
                    file=f"<b>{_esc(self.labels[int(self.dropdown.value)])}</b>",
                    table=f"<b>{_esc(f.get('table'))}</b>", by=_esc(f.get("detected_by")))]
        fmt = [t.t(f"widget.intake.{key}", value=_esc(f.get(key)))
               for key in ("encoding", "delimiter", "header_row") if f.get(key) is not None]
        if f.get("period"):
            fmt.append(t.t("widget.intake.period", start=_esc(f["period"][0]),
                           end=_esc(f["period"][1])))
        rejected = f"<b style='color:{'#c00000' if o.get('rejected') else 'inherit'}'>" \
            f"{_num(o.get('rejected') or 0, 0, lang)}</b>"
        rows = t.t("widget.intake.rows", read=_num(o.get("rows_read") or 0, 0, lang),
                   accepted=f"<b>{_num(o.get('accepted') or 0, 0, lang)}</b>",
                   rejected=rejected, skipped=_num(o.get("skipped") or 0, 0, lang))
        if skipped:
            rows += " (" + "; ".join(f"{_esc(k)}: {_num(v, 0, lang)}"
                                     for k, v in skipped.items()) + ")"
        money = []
        for col, m in (f.get("money") or {}).items():
            money.append(t.t("widget.intake.money_column", source=_esc(m.get("column", col)),
                             column=_esc(col), accepted=_num(float(m["accepted"]), 2, lang),
                             rejected=_num(float(m["rejected"]), 2, lang)))
        parts = ["<br>".join(head + ([" · ".join(fmt)] if fmt else [])), rows]
        if money:
            parts.append(f"<b>{t.t('widget.intake.money')}</b>: " + "; ".join(money))
        parts.append(t.t("widget.intake.totals_row", value=_esc(o.get("totals_row"))))
        notes = list(f.get("notes") or []) + [str(e) for e in f.get("errors") or []]
        if notes:
            parts.append(t.t("widget.intake.notes", value="; ".join(_esc(n) for n in notes)))
        self.summary_html.value = "<br>".join(parts)
        mapping = self.mapping.rename(columns={"canonical": t.t("widget.intake.canonical"),
                                               "source": t.t("widget.intake.source")})
        ignored = f.get("ignored_columns") or []
        self.mapping_html.value = (
            f"<h4>{t.t('widget.intake.mapping')}</h4>" + _table_html(mapping, lang=lang)
            + (f"<p>{t.t('widget.intake.ignored', columns=', '.join(_esc(c) for c in ignored))}"
               "</p>" if ignored else ""))
        rej = self.rejected_rows.drop(columns=[c for c in ("file", "sheet", "table")
                                               if c in self.rejected_rows.columns])
        iss = self.issue_rows.drop(columns=[c for c in ("file", "sheet", "table")
                                            if c in self.issue_rows.columns])
        self.rejected_html.value = (
            f"<h4>{t.t('widget.intake.rejected_rows', n=_num(len(rej), 0, lang))}</h4>"
            + (_table_html(rej, max_rows=self.max_rows, lang=lang)
               or f"<p>{t.t('widget.intake.none')}</p>")
            + (f"<h4>{t.t('widget.intake.issues', n=_num(len(iss), 0, lang))}</h4>"
               + _table_html(iss, max_rows=self.max_rows, lang=lang) if len(iss) else ""))
        self.sample_html.value = (f"<h4>{t.t('widget.intake.sample')}</h4>"
                                  + _table_html(self.sample_rows, lang=lang)
                                  if len(self.sample_rows) else "")


def intake_widget(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], *,
                  lang: str = "en", **kwargs: Any) -> IntakeWidget:
    """Step 0 explorer: a dropdown of the input files → how each was read.

    Parameters
    ----------
    tables, manifest
        The intake's artefacts, as :func:`kamlib.datacheck.load_intake` returns them (the
        canonical tables plus ``rejected`` and ``issues``; the intake manifest).
    lang : str
        ``"en"`` or ``"ru"``.
    **kwargs
        ``max_rows`` (rejected rows shown, default 50), ``sample_rows`` (default 5).

    Returns
    -------
    IntakeWidget
        Shows, for the chosen file, the table it was taken for and why, the column mapping
        (canonical column ← header), rows read / accepted / rejected / skipped (the figures
        of :func:`kamlib.datacheck.files_overview`), the money accepted and rejected, the
        rejected rows with their reason (nothing is dropped silently) and the first accepted
        rows. Drive it with ``select(file)``.
    """
    box = IntakeWidget(tables, manifest, lang=lang, **kwargs)
    box.update()
    return box


# =========================================================================== step 1: cleanup

_RECORD_FIELDS = ("client_id", "name", "full_name", "inn_raw", "kpp", "ogrn", "parent_id",
                  "group", "region", "segment", "manager", "created_at", "payment_terms_days",
                  "deleted", "origin")


class CleanupWidget(_StepWidget):
    """The box returned by :func:`cleanup_widget`.

    Attributes: ``review_slider`` / ``auto_slider``; after each update ``pairs`` (every pair
    with its ``outcome`` at the sliders' thresholds), ``labels`` (cluster root per record),
    ``entities`` (records → entity, group), ``activity`` (activity status per
    entity),
    ``funnel`` and ``counts`` (merged, to_review, entities, records_merged_away);
    ``review_pick`` (the pairs to review) and ``review_html`` (the chosen pair side by side);
    ``figure`` / ``ax`` (the funnel, reused), ``last_update_seconds``, ``updates``.
    """

    def __init__(self, pairs: pd.DataFrame, records: pd.DataFrame, sales: pd.DataFrame, *,
                 params: Any = None, group_map: pd.DataFrame | None = None,
                 period_start: dt.date | None = None, period_end: dt.date | None = None,
                 lang: str = "en", figsize: tuple[float, float] = (7.5, 3.2)) -> None:
        from kamlib.config import CleanupParams

        self._setup(lang)
        t = _text(self.lang)
        self.params = params or CleanupParams()
        self.records = records.reset_index(drop=True)
        ids = self.records["client_id"].astype(str).to_numpy()
        if len(pairs) and not ((ids[pairs["a"].to_numpy()] == pairs["client_id_a"].to_numpy())
                               .all() and (ids[pairs["b"].to_numpy()]
                                           == pairs["client_id_b"].to_numpy()).all()):
            raise ValueError("the pairs' record positions do not match the records given "
                             "(pairs of another run?)")
        self.base_pairs = pairs.reset_index(drop=True)
        outcome = pairs["outcome"] if "outcome" in pairs.columns else pd.Series(dtype=str)
        # people's decisions are in the pairs themselves (cluster() marks every decided pair)
        self.accepted = list(pairs.loc[outcome == "merged (accepted)",
                                       ["client_id_a", "client_id_b"]].itertuples(
                                           index=False, name=None))
        self.rejected = list(pairs.loc[outcome == "rejected by reviewer",
                                       ["client_id_a", "client_id_b"]].itertuples(
                                           index=False, name=None))
        self.group_map = group_map
        self.period_start, self.period_end = period_start, period_end
        s = sales[["client_id", "document_id", "date", "net_revenue"]]
        self.usage = s.groupby("client_id").size()
        # the activity status only looks at documents, days and amounts: one row per record,
        # document and day (a third of the lines), with integer codes and datetime64 days
        # computed once, gives the same statuses at each update for a fraction of the cost
        rec_pos = pd.Index(ids).get_indexer(s["client_id"].astype(str))
        if (rec_pos < 0).any():
            raise ValueError("sales lines with a client code that is not among the records")
        self._orders = pd.DataFrame({
            "rec": rec_pos, "doc": pd.factorize(s["document_id"])[0],
            "date": pd.to_datetime(s["date"], errors="coerce").to_numpy(),
            "net_revenue": pd.to_numeric(s["net_revenue"], errors="coerce").to_numpy(),
        }).groupby(["rec", "doc", "date"], as_index=False, dropna=False, sort=False).sum()
        self._rec_by_id = self.records.assign(
            client_id=self.records["client_id"].astype(str)).set_index("client_id")
        lo = float(self.params.review_threshold)
        self.review_slider = w.FloatSlider(
            value=lo, min=lo, max=100, step=0.5, description=t.t("widget.cleanup.review"),
            continuous_update=False, readout_format=".1f",
            style={"description_width": "120px"}, layout=w.Layout(width="420px"))
        self.auto_slider = w.FloatSlider(
            value=float(self.params.auto_merge_threshold), min=lo, max=100, step=0.5,
            description=t.t("widget.cleanup.auto"), continuous_update=False,
            readout_format=".1f",
            style={"description_width": "120px"}, layout=w.Layout(width="420px"))
        self.review_slider.observe(self._on_review, names="value")
        self.auto_slider.observe(self._on_auto, names="value")
        self.counts_html = w.HTML()
        self.review_pick = w.Dropdown(options=[], description=t.t("widget.cleanup.pair"),
                                      style={"description_width": "60px"},
                                      layout=w.Layout(width="620px"))
        self.review_pick.observe(self._show_pair, names="value")
        self.review_html = w.HTML()
        self.figure, self.ax = _new_figure(figsize, {"left": 0.26, "right": 0.97,
                                                     "bottom": 0.1, "top": 0.88})
        self.pairs = pd.DataFrame()
        self.labels: np.ndarray | None = None
        self.entities = pd.DataFrame()
        self.activity = pd.DataFrame()
        self.funnel: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.to_review = pd.DataFrame()
        super().__init__([w.HBox([self.review_slider, self.auto_slider]), self.counts_html,
                          self.output, self.status, self.review_pick, self.review_html])

    # -------------------------------------------------------------- controls

    def _on_review(self, change: Any) -> None:
        if change["new"] > self.auto_slider.value:  # review ≤ auto-merge, as in CleanupParams
            held, self._hold = self._hold, True
            try:
                self.auto_slider.value = change["new"]
            finally:
                self._hold = held
        self._on_change()

    def _on_auto(self, change: Any) -> None:
        if change["new"] < self.review_slider.value:
            held, self._hold = self._hold, True
            try:
                self.review_slider.value = change["new"]
            finally:
                self._hold = held
        self._on_change()

    def set_thresholds(self, review: float | None = None,
                       auto_merge: float | None = None) -> None:
        """Move both sliders with a single update (review ≤ auto-merge is kept)."""
        held, self._hold = self._hold, True
        try:
            if auto_merge is not None and auto_merge < self.review_slider.value:
                self.review_slider.value = auto_merge
            if review is not None:
                self.review_slider.value = review
            if auto_merge is not None:
                self.auto_slider.value = auto_merge
        finally:
            self._hold = held
        self.update()

    def timing_control(self) -> tuple[w.FloatSlider, list[float]]:
        """The auto-merge slider, between 97.5 (97-point pairs stop merging) and where it is
        (or 93.5 when it already is above 97)."""
        cur = float(self.auto_slider.value)
        return self.auto_slider, [97.5 if cur < 97.5 else 93.5, cur]

    # -------------------------------------------------------------- computation

    def _compute(self) -> None:
        from kamlib.cleanup.entities import assign_groups, build_entities
        from kamlib.cleanup.matching import MatchParams, cluster, propose
        from kamlib.cleanup.status import activity_status

        p = self.params
        mp = MatchParams(float(self.review_slider.value), float(self.auto_slider.value),
                         p.distinctive_token_max_share)
        proposed = propose(self.base_pairs, self.records, mp)
        labels, applied = cluster(self.records, proposed, accepted=self.accepted,
                                  rejected=self.rejected)
        if len(applied):  # as clean_client_base does
            same = labels[applied["a"].to_numpy()] == labels[applied["b"].to_numpy()]
            applied.loc[same & (applied["outcome"] == "to review").to_numpy(), "outcome"] = \
                "same entity through other pairs"
        self.pairs = applied
        if self.labels is None or not np.array_equal(labels, self.labels):
            entities = build_entities(self.records, labels, self.usage)
            entities["group_id"] = assign_groups(entities, self.records, self.group_map) \
                .reindex(entities["client_id"]).to_numpy()
            # statuses per cluster root (integers: no string hashing), then named by entity
            o = self._orders
            orders = pd.DataFrame({"entity_id": labels[o["rec"].to_numpy()],
                                   "document_id": o["doc"].to_numpy(),
                                   "date": o["date"].to_numpy(),
                                   "net_revenue": o["net_revenue"].to_numpy()})
            activity = activity_status(
                orders, np.unique(labels), period_start=self.period_start,
                period_end=self.period_end, k=p.dormant_k, min_days=p.dormant_min_days,
                lost_months=p.lost_months, new_months=p.new_months)
            activity.index = pd.Index(
                entities["entity_id"].to_numpy()[activity.index.to_numpy(dtype=np.int64)],
                name="entity_id")
            self.activity = activity
            self.entities = entities
            self.labels = labels
        st = self.activity["status"]
        n_ent = int(self.entities["entity_id"].nunique())
        self.funnel = {"records": len(self.entities), "legal_entities": n_ent,
                       "groups": int(self.entities["group_id"].nunique()),
                       "buying": int((st != "never_bought").sum()),
                       "active": int(st.isin(["active", "new"]).sum())}
        outcome = applied["outcome"] if len(applied) else pd.Series(dtype=str)
        self.counts = {"merged": int(outcome.isin(["merged", "merged (accepted)"]).sum()),
                       "to_review": int((outcome == "to review").sum()),
                       "entities": n_ent,
                       "records_merged_away": len(self.entities) - n_ent}
        self.to_review = applied[outcome == "to review"]

    def _render(self) -> None:
        t, lang = _text(self.lang), self.lang
        c = self.counts

        def count(key: str, n: int, bold: bool = True) -> str:
            num = _num(n, 0, lang)
            return t.n(f"widget.cleanup.{key}", n, n=f"<b>{num}</b>" if bold else num)

        self.counts_html.value = (
            f"{count('merged', c['merged'])} · {count('to_review', c['to_review'])} · "
            f"{count('entities', c['entities'])} "
            f"({count('merged_away', c['records_merged_away'], bold=False)})")
        self.ax.clear()
        funnel_chart(self.funnel, lang=self.lang, ax=self.ax)
        _show_png(self.output, self.figure)
        self._fill_review()

    # -------------------------------------------------------------- the review browser

    def _fill_review(self) -> None:
        t = _text(self.lang)
        names = self._rec_by_id["name"]
        options = [(f"{_num(r.score, 0, self.lang)} · {names.get(r.client_id_a, r.client_id_a)} ~ "
                    f"{names.get(r.client_id_b, r.client_id_b)}", i)
                   for i, r in zip(self.to_review.index, self.to_review.itertuples(),
                                   strict=True)]
        keep = self.review_pick.value
        held, self._hold = self._hold, True
        try:
            self.review_pick.options = options
            values = [v for _, v in options]
            self.review_pick.value = keep if keep in values else (values[0] if values else None)
        finally:
            self._hold = held
        if not options:
            self.review_html.value = f"<i>{t.t('widget.cleanup.none_to_review')}</i>"
        else:
            self._show_pair()

    def _show_pair(self, _change: Any = None) -> None:
        if self._hold or self.review_pick.value is None:
            return
        self.review_html.value = self.pair_html(self.review_pick.value)

    def pair_html(self, index: int) -> str:
        """Both records of the pair ``self.pairs.loc[index]`` side by side (fields that differ
        in bold), with the score and the evidence."""
        t = _text(self.lang)
        pair = self.pairs.loc[index]
        a = self._rec_by_id.loc[pair["client_id_a"]]
        b = self._rec_by_id.loc[pair["client_id_b"]]
        rows = []
        for field in _RECORD_FIELDS:
            if field not in self._rec_by_id.columns and field != "client_id":
                continue
            va = pair["client_id_a"] if field == "client_id" else a.get(field)
            vb = pair["client_id_b"] if field == "client_id" else b.get(field)
            ea, eb = _esc(va), _esc(vb)
            style = " style='font-weight:bold'" if ea != eb else ""
            rows.append(f"<tr{style}><td>{field}</td><td>{ea}</td><td>{eb}</td></tr>")
        rows.append(f"<tr><td>{t.t('widget.cleanup.lines')}</td><td>"
                    f"{_num(int(self.usage.get(pair['client_id_a'], 0)), 0, self.lang)}"
                    f"</td><td>{_num(int(self.usage.get(pair['client_id_b'], 0)), 0, self.lang)}"
                    "</td></tr>")
        score = t.t("widget.cleanup.score", score=f"<b>{_num(pair['score'], 1, self.lang)}</b>",
                    evidence=_esc(pair["evidence"]))
        return (f"<p>{score}</p><table class='kam-table'><tr><th>"
                f"{t.t('widget.cleanup.field')}</th><th>{t.t('widget.cleanup.record', side='A')}"
                f"</th><th>{t.t('widget.cleanup.record', side='B')}</th></tr>"
                + "".join(rows) + "</table>")


def cleanup_widget(pairs: pd.DataFrame, records: pd.DataFrame, sales: pd.DataFrame, *,
                   params: Any = None, group_map: pd.DataFrame | None = None,
                   period_start: dt.date | None = None, period_end: dt.date | None = None,
                   lang: str = "en", **kwargs: Any) -> CleanupWidget:
    """Step 1: review and auto-merge threshold sliders that re-cluster the scored pairs.

    Parameters
    ----------
    pairs : pd.DataFrame
        The step's scored pairs with their outcome (``CleanupResult.pairs`` or
        ``work/01_client_base_cleanup/pairs.parquet``). People's decisions are read from
        them (outcome ``merged (accepted)`` / ``rejected by reviewer``) and replayed.
    records : pd.DataFrame
        The records the pairs refer to (``CleanupResult.records``, or
        :func:`kamlib.cleanup.matching.prepare_records` of the intake's clients).
    sales : pd.DataFrame
        Sales lines with client_id, document_id, date, net_revenue (for the activity status).
    params : CleanupParams, optional
        The step's parameters: the sliders start at its thresholds; its review threshold is
        the lowest one offered (pairs scoring below it were not kept by the run); the
        dormant / lost / new rules come from it.
    group_map : pd.DataFrame, optional
        ``decisions/groups.csv`` (client_id, group), as the step reads it.
    period_start, period_end : date, optional
        The audit period (``engagement.yaml`` → period).
    lang : str
        ``"en"`` or ``"ru"``.
    **kwargs
        ``figsize`` of the funnel.

    Returns
    -------
    CleanupWidget
        On every change: :func:`kamlib.cleanup.matching.propose` (the proposals at the new
        thresholds), :func:`~kamlib.cleanup.matching.cluster` (the union-find that never
        joins two valid INNs, with the decisions), :func:`~kamlib.cleanup.entities.
        build_entities`, :func:`~kamlib.cleanup.entities.assign_groups` and
        :func:`~kamlib.cleanup.status.activity_status` (METHODS.md §1) — the counts merged /
        to review / entities and :func:`kamlib.plots.funnel_chart` are redrawn, and the
        review browser lists the pairs to review. Drive it with ``set_thresholds``.
    """
    box = CleanupWidget(pairs, records, sales, params=params, group_map=group_map,
                        period_start=period_start, period_end=period_end, lang=lang, **kwargs)
    box.update()
    return box


# =========================================================================== step 2: profitability


def _rate_range(driver: str, base: float) -> tuple[float, float]:
    """Slider maximum and step for a rate: three times the audit's rate (or a typical scale
    when it is 0), on a step of about 1/100 of the range rounded to 1, 2 or 5 × 10^k."""
    typical = {"order": 3000.0, "line": 100.0, "delivery": 6000.0, "return": 4000.0,
               "visit": 10000.0, "service_hour": 5000.0}
    top = 3 * base if base > 0 else typical.get(driver, 1000.0)
    raw = top / 100
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    step = float(min((m * mag for m in (1, 2, 5, 10) if m * mag >= raw), default=mag))
    return float(np.ceil(top / step) * step), step


class ProfitabilityWidget(_StepWidget):
    """The box returned by :func:`profitability_widget`.

    Attributes: ``sliders`` (``{driver: FloatSlider}``); after each update ``costs`` (the
    :class:`~kamlib.profitability.pnl.CostModel` of the sliders), ``contribution`` (per
    client), ``whale`` and ``figures`` (:func:`~kamlib.profitability.curves.whale_curve` /
    :func:`~kamlib.profitability.curves.whale_figures`), ``loss_makers`` (count), ``peak``
    (peak as a fraction of the total, None if the total is ≤ 0); ``figure`` / ``ax`` (reused),
    ``last_update_seconds``, ``updates``.
    """

    def __init__(self, pnl: pd.DataFrame, costs: Any, *,
                 drivers: Sequence[str] = RATE_DRIVERS, lang: str = "en", currency: str = "",
                 figsize: tuple[float, float] = (8, 4.5), client: Any = None,
                 participant: bool = False) -> None:
        from kamlib.profitability.curves import whale_curve, whale_figures

        self._setup(lang)
        t = _text(self.lang)
        self.pnl = pnl.set_index("entity_id") if "entity_id" in pnl.columns else pnl
        self.base_costs = costs
        self.currency = currency
        self.sliders: dict[str, w.FloatSlider] = {}
        for d in drivers:
            base = float(costs.rates.get(d, 0) or 0)
            top, step = _rate_range(d, base)
            self.sliders[d] = w.FloatSlider(
                value=base, min=0, max=top, step=step,
                description=t.t("widget.profit.rate",
                                driver=t.get(f"widget.profit.driver.{d}") or d),
                continuous_update=False,
                readout_format=",.0f", style={"description_width": "150px"},
                layout=w.Layout(width="440px"))
            self.sliders[d].observe(self._on_change, names="value")
        base_frame = self.pnl[["contribution"]]
        self._base_whale = whale_curve(base_frame)
        self._base_figures = whale_figures(base_frame)
        self.readout = w.HTML()
        self.figure, self.ax = _new_figure(figsize, {"left": 0.1, "right": 0.97,
                                                     "bottom": 0.12, "top": 0.92})
        self.costs = costs
        self.contribution = pd.Series(dtype=float)
        self.whale = pd.DataFrame()
        self.figures: dict[str, Any] = {}
        self.loss_makers = 0
        self.peak: float | None = None
        cols = list(self.sliders.values())
        half = (len(cols) + 1) // 2
        # the client the lesson follows: its own waterfall beside the company's whale curve
        from kamlib.client_view import client_choices

        large = self.pnl["net_revenue"] >= self.pnl["net_revenue"].quantile(0.8) \
            if len(self.pnl) else pd.Series(dtype=bool)
        # the trainer gets the large loss-makers first; the participants the clients by
        # revenue only (the order would give the lesson's answer away)
        options = client_choices(self.pnl) if participant else \
            client_choices(self.pnl, first=large & (self.pnl["contribution"] < 0))
        self.client = w.Dropdown(options=options, description=t.t("widget.client.select"),
                                 value=client if client is not None else
                                 (options[0][1] if options else None),
                                 style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.client.observe(self._on_change, names="value")
        self.client_readout = w.HTML()
        self.client_output = w.Output()
        self.client_figure, self.client_ax = _new_figure(
            (11, 4.5), {"left": 0.08, "right": 0.98, "bottom": 0.2, "top": 0.9})
        self.client_waterfall = pd.DataFrame()
        self.client_contribution: float | None = None
        super().__init__([w.HBox([w.VBox(cols[:half]), w.VBox(cols[half:])]), self.readout,
                          self.output, self.client, self.client_readout,
                          self.client_output, self.status])

    def set_rates(self, rates: Mapping[str, float] | None = None, **more: float) -> None:
        """Move several rate sliders at once with a single update (a value above a slider's
        maximum raises the maximum)."""
        new = {**(rates or {}), **more}
        unknown = set(new) - set(self.sliders)
        if unknown:
            raise KeyError(f"no slider for {sorted(unknown)}; drivers: {list(self.sliders)}")
        held, self._hold = self._hold, True
        try:
            for d, v in new.items():
                if v > self.sliders[d].max:
                    self.sliders[d].max = float(v)
                self.sliders[d].value = float(v)
        finally:
            self._hold = held
        self.update()

    def timing_control(self) -> tuple[w.FloatSlider, list[float]]:
        """The delivery rate slider (else the first one): doubled (halved near its maximum),
        and back."""
        s = self.sliders.get("delivery") or next(iter(self.sliders.values()))
        cur = float(s.value)
        other = (2 * cur if 2 * cur <= s.max else cur / 2) if cur > 0 else s.max / 2
        return s, [other, cur]

    def _compute(self) -> None:
        from kamlib.profitability.curves import whale_curve, whale_figures
        from kamlib.profitability.pnl import CostModel
        from kamlib.profitability.scenarios import recost

        base = self.base_costs
        rates = {**dict(base.rates), **{d: float(s.value) for d, s in self.sliders.items()}}
        self.costs = CostModel(rates, dict(base.pools), tuple(base.avoidable),
                               base.receivables_rate)
        self.contribution = recost(self.pnl, self.costs, base=base).rename("contribution")
        frame = self.contribution.to_frame()
        self.whale = whale_curve(frame)
        self.figures = whale_figures(frame)
        self.loss_makers = int(self.figures["loss_makers"])
        self.peak = self.figures["peak_pct"]
        if self.client.value is not None:
            from kamlib.client_view import client_waterfall

            self.client_waterfall = client_waterfall(self.pnl, self.client.value,
                                                     self.contribution)
            self.client_contribution = float(self.contribution.loc[self.client.value])

    def _render(self) -> None:
        t, lang = _text(self.lang), self.lang
        f, b = self.figures, self._base_figures
        fmt = Formatter(lang)

        def total(x: float) -> str:  # the figure in full, in the engagement's currency
            return Formatter(lang, self.currency).money(x, 0) if self.currency else \
                _num(x, 0, lang)

        peak = (t.n("widget.profit.peak", f["clients_at_peak"],
                    n=_num(f["clients_at_peak"], 0, lang),
                    peak=f"<b>{fmt.pct(f['peak_pct'], 0)}</b>",
                    share=fmt.pct(f["clients_at_peak_share"], 0))
                if f["peak_pct"] is not None else t.t("widget.profit.no_peak"))
        base_peak = fmt.pct(b["peak_pct"], 0) if b["peak_pct"] is not None else "—"
        cs = f.get("cross_subsidy_index")
        self.readout.value = (
            t.t("widget.profit.contribution", total=f"<b>{total(f['total'])}</b>") + " · "
            + t.t("widget.profit.loss_makers", n=f"<b>{_num(f['loss_makers'], 0, lang)}</b>",
                  of=_num(f["n_clients"], 0, lang))
            + f" · {peak}"
            + (" · " + t.t("widget.profit.cross_subsidy", value=_num(cs, 2, lang))
               if cs is not None else "")
            + "<br><small>"
            + t.n("widget.profit.audit_line", b["loss_makers"], total=total(b["total"]),
                  n=_num(b["loss_makers"], 0, lang), peak=base_peak)
            + "</small>")
        ax = self.ax
        ax.clear()
        bw = self._base_whale
        ax.plot((bw["client_share"] * 100).to_numpy(), (bw["cum_pct"] * 100).to_numpy(),
                color="#a5a5a5", lw=1.2, ls="--", label=t.t("widget.profit.audit"),
                gid="whale_audit")
        whale_curve_chart(self.whale, self.figures, lang=self.lang, ax=ax)
        ax.legend(frameon=False, fontsize=8, loc="center right")
        _show_png(self.output, self.figure)
        self._render_client()

    def _render_client(self) -> None:
        """The followed client: its waterfall under the sliders' rates, its contribution
        against the audit's and its rank."""
        from kamlib.client_view import client_position

        if self.client.value is None:
            return
        t, lang, entity = _text(self.lang), self.lang, self.client.value
        money = Formatter(lang, self.currency or "RUB")
        name = self.client.label.rsplit(" (", 1)[0]
        pos = client_position(self.contribution, entity)
        audit = float(self.pnl.at[entity, "contribution"])
        colour = "#c00000" if pos["negative"] else "#2e7d32"
        self.client_readout.value = t.t(
            "widget.client.line", name=html.escape(name),
            contribution=f"<b style='color:{colour}'>{money.money(pos['value'], 0)}</b>",
            audit=money.money(audit, 0), rank=_num(pos["rank"], 0, lang),
            of=_num(pos["of"], 0, lang))
        self.client_ax.clear()
        waterfall_chart(self.client_waterfall, currency=self.currency, lang=lang,
                        ax=self.client_ax, title=name)
        _show_png(self.client_output, self.client_figure)


def profitability_widget(pnl: pd.DataFrame, costs: Any, *, lang: str = "en",
                         currency: str = "", **kwargs: Any) -> ProfitabilityWidget:
    """Step 2: cost-to-serve rate sliders → every client re-costed → the whale curve redrawn.

    Parameters
    ----------
    pnl : pd.DataFrame
        The client P&L (``run_profitability(…).pnl`` or ``client_pnl.parquet``): its driver
        units (orders, lines, return_lines, n_delivery, n_visit, n_service_hour …) and its
        gross margin and receivable days.
    costs : CostModel
        The step's cost model (:meth:`~kamlib.profitability.pnl.CostModel.from_params`): the
        sliders start at its rates; pools, avoidable drivers and the receivables rate are
        kept.
    lang, currency : str
        Report language and currency code for the readout.
    **kwargs
        ``drivers`` (default :data:`RATE_DRIVERS`), ``figsize``; ``client`` (the entity id
        to follow first; default: the largest loss-maker among the large clients, or with
        ``participant=True`` the largest client, so that the order gives nothing away). The
        followed client's own waterfall (:func:`kamlib.client_view.client_waterfall`), its
        contribution against the audit's and its rank are redrawn under the whale curve.

    Returns
    -------
    ProfitabilityWidget
        On every change the contribution of each client is recomputed, vectorised, from its
        driver counts by :func:`kamlib.profitability.scenarios.recost` (activity-based
        cost-to-serve, Kaplan & Narayanan 2001; METHODS.md §2); the whale curve
        (:func:`~kamlib.profitability.curves.whale_curve`, Kaplan & Cooper 1998) is redrawn
        over the audit's curve (dashed), with the loss-makers, the peak and the
        cross-subsidy index (after Storbacka 1997). Drive it with ``set_rates``.
    """
    box = ProfitabilityWidget(pnl, costs, lang=lang, currency=currency, **kwargs)
    box.update()
    return box


# =========================================================================== from an engagement


def step_widget(engagement_dir: str | Path, step: str, *, step_dir: str | Path | None = None,
                lang: str | None = None) -> _StepWidget:
    """The widget of step 00, 01 or 02 built from an engagement's artefacts.

    Parameters
    ----------
    engagement_dir : path
        An engagement on which ``kam run`` has run the step.
    step : str
        ``"00"``, ``"01"``, ``"02"`` (or the step's name).
    step_dir : path, optional
        Where the step's artefacts are (default ``work/<step>``).
    lang : str, optional
        Default: the engagement's report language.

    Raises
    ------
    KamError
        An unknown step, or the step's artefacts are missing (hint: ``kam run``).
    """
    from kamlib.engagement import Engagement
    from kamlib.errors import KamError

    eng = Engagement.open(engagement_dir)
    lang = lang or eng.config.report.language
    from kamlib.steps import step as find_step

    spec = find_step(step)
    key = spec.number
    if key not in ("00", "01", "02"):
        raise KamError(f"no widget for step '{step}' here", value=step,
                       hint="use 00, 01 or 02; steps 03 and 04 build theirs in their notebook")
    folder = Path(step_dir) if step_dir else spec.dir(eng)
    intake = find_step("00").dir(eng)
    clients = intake / find_step("00").artefact("clients").file
    sales = intake / find_step("00").artefact("sales").file
    needed = {"00": [intake / "intake_manifest.json"],
              "01": [folder / find_step("01").artefact("pairs").file, clients, sales],
              "02": [folder / find_step("02").artefact("client_pnl").file]}[key]
    missing = [p for p in needed if not p.exists()]
    if missing:
        raise KamError(f"step {key} has not been run on this engagement", file=str(missing[0]),
                       hint=f"run it first: kam run {eng.root}")
    if key == "00":
        from kamlib.datacheck import load_intake

        tables, manifest = load_intake(folder)
        return intake_widget(tables, manifest, lang=lang)
    if key == "01":
        from kamlib.cleanup.matching import prepare_records

        groups = eng.root / "decisions" / "groups.csv"
        return cleanup_widget(
            pd.read_parquet(folder / find_step("01").artefact("pairs").file),
            prepare_records(pd.read_parquet(clients)),
            pd.read_parquet(sales,
                            columns=["client_id", "document_id", "date", "net_revenue"]),
            params=eng.config.cleanup,
            group_map=pd.read_csv(groups, dtype=str) if groups.exists() else None,
            period_start=eng.config.period.start, period_end=eng.config.period.end, lang=lang)
    from kamlib.profitability.pnl import CostModel

    pnl = pd.read_parquet(folder / find_step("02").artefact("client_pnl").file)
    costs = CostModel.from_params(eng.config.profitability)
    # the step's own rates: a driver costed from the client's cost pools starts at its
    # time-driven rate (the step's summary), not at the default rate of engagement.yaml
    summary = folder / "summary.json"
    sources = (json.loads(summary.read_text(encoding="utf-8")).get("cost_sources") or {}
               if summary.exists() else {})
    pooled = {d: float(v["rate"]) for d, v in sources.items()
              if v.get("source") == "client_pools"}
    if pooled:
        costs = CostModel({**dict(costs.rates), **pooled},
                          {d: v for d, v in costs.pools.items() if d not in pooled},
                          costs.avoidable, costs.receivables_rate)
    return profitability_widget(pnl, costs, lang=lang, currency=eng.config.currency)
