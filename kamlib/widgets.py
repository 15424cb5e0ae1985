"""Interactive weights for the key-client portfolio matrix (METHODS §3).

:func:`weights_widget` shows one slider per criterion of account attractiveness and of our
relative strength; every change re-scores the clients with the caller's ``score_fn`` and
redraws :func:`kamlib.plots.portfolio_matrix_chart`. The Python side runs headless (tests,
:func:`time_update`): the chart is rendered to PNG and put into the ``Output`` directly.
"""

from __future__ import annotations

import base64
import io
import statistics
import time
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kamlib.plots import portfolio_matrix_chart

__all__ = ["WeightsWidget", "time_update", "weights_widget"]

ScoreFn = Callable[[pd.DataFrame, dict[str, float], dict[str, float]], pd.DataFrame]

_TEXT = {
    "en": {"attractiveness": "Account attractiveness", "strength": "Our relative strength",
           "sum": "sum of weights", "bad": "must be 100 — weights normalised to 100",
           "zero": "all weights are 0 — equal weights used", "updated": "updated in",
           "error": "scoring failed"},
    "ru": {"attractiveness": "Привлекательность клиента", "strength": "Наша относительная сила",
           "sum": "сумма весов", "bad": "должна быть 100 — веса приведены к 100",
           "zero": "все веса равны 0 — взяты равные веса", "updated": "обновлено за",
           "error": "ошибка расчёта"},
}


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
    ``weights`` (last normalised weights per axis), ``figure`` / ``ax`` (last chart; the
    figure is not registered with pyplot, so nothing accumulates), ``redraw`` (draw the chart
    on update or only re-score), ``last_update_seconds``, ``updates`` (count).
    """

    def __init__(self, scores: pd.DataFrame, attractiveness: Mapping[str, float],
                 strength: Mapping[str, float], *, score_fn: ScoreFn, redraw: bool = True,
                 lang: str = "en", chart_kwargs: Mapping[str, Any] | None = None,
                 figsize: tuple[float, float] = (10, 7.5)) -> None:
        if not attractiveness or not strength:
            raise ValueError("both axes need at least one criterion")
        self.scores = scores
        self.score_fn = score_fn
        self.redraw = redraw
        self.lang = lang if lang in _TEXT else "en"
        self.chart_kwargs = dict(chart_kwargs or {})
        self.figsize = figsize
        self.scored: pd.DataFrame | None = None
        self.weights: dict[str, dict[str, float]] = {}
        self.figure: Figure | None = None
        self.ax: Axes | None = None
        self.last_update_seconds: float | None = None
        self.updates = 0
        self._hold = False
        t = _TEXT[self.lang]
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
            columns.append(w.VBox([w.HTML(f"<b>{t[axis]}</b>"),
                                   *self.sliders[axis].values(), self.sum_labels[axis]]))
        for sliders in self.sliders.values():
            for s in sliders.values():
                s.observe(self._on_change, names="value")
        self.status = w.HTML()
        self.output = w.Output()
        super().__init__([w.HBox(columns), self.status, self.output])

    # ------------------------------------------------------------------ behaviour

    def _on_change(self, _change: Any = None) -> None:
        if not self._hold:
            self.update()

    def set_weights(self, attractiveness: Mapping[str, float] | None = None,
                    strength: Mapping[str, float] | None = None) -> None:
        """Move several sliders at once with a single update."""
        self._hold = True
        try:
            for axis, new in (("attractiveness", attractiveness), ("strength", strength)):
                for name, v in (new or {}).items():
                    self.sliders[axis][name].value = float(v)
        finally:
            self._hold = False
        self.update()

    def update(self) -> pd.DataFrame | None:
        """Re-score with the sliders' weights (normalised to 100) and redraw the chart.

        Returns the scored frame (``None`` if ``score_fn`` raised: the error is shown in
        the status line). Sets ``last_update_seconds``.
        """
        t = _TEXT[self.lang]
        start = time.perf_counter()
        for axis, sliders in self.sliders.items():
            raw = {name: float(s.value) for name, s in sliders.items()}
            self.weights[axis], status = _normalise(raw)
            total = sum(raw.values())
            text = f"{t['sum']}: <b>{total:g}</b>"
            if status != "ok":
                text = f"<span style='color:#c00000'>⚠ {text} — {t[status]}</span>"
            self.sum_labels[axis].value = text
        try:
            scored = self.score_fn(self.scores, dict(self.weights["attractiveness"]),
                                   dict(self.weights["strength"]))
        except Exception as exc:  # a widget callback must not die silently
            self.status.value = (f"<span style='color:#c00000'>{t['error']}: "
                                 f"{type(exc).__name__}: {exc}</span>")
            return None
        self.scored = scored
        if self.redraw:
            self._draw(scored)
        self.last_update_seconds = time.perf_counter() - start
        self.updates += 1
        self.status.value = (f"<small>{t['updated']} {self.last_update_seconds:.2f} s"
                             f"</small>")
        return scored

    def _draw(self, scored: pd.DataFrame) -> None:
        # a Figure outside pyplot: no global registry to leak into, no inline auto-show
        fig = Figure(figsize=self.figsize, dpi=100)
        ax = fig.add_subplot()
        portfolio_matrix_chart(scored, lang=self.lang, ax=ax, **self.chart_kwargs)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", bbox_inches="tight")
        png = base64.b64encode(buf.getvalue()).decode("ascii")
        # one assignment replaces the old image: the clear_output(wait=True) effect, no flicker
        self.output.outputs = ({"output_type": "display_data",
                                "data": {"image/png": png, "text/plain": repr(fig)},
                                "metadata": {}},)
        if self.figure is not None:
            self.figure.clear()  # drop the old artists
        self.figure, self.ax = fig, ax


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
    ``label``, ``currency``, ``mcdonald`` …) and ``figsize``. Updates once on creation.

    The returned box has ``update()``, ``set_weights(...)``, ``last_update_seconds``,
    ``scored``, ``figure`` / ``ax``, ``sliders`` and ``output`` (see :class:`WeightsWidget`).
    """
    box = WeightsWidget(scores, attractiveness, strength, score_fn=score_fn, redraw=redraw,
                        lang=lang, **kwargs)
    box.update()
    return box


def time_update(box: WeightsWidget, n: int = 5) -> dict[str, float]:
    """Move the first attractiveness slider ``n`` times (±10, as a user would) and time each
    update end to end (observer → score → chart → PNG). Restores the slider afterwards.

    Returns ``{"n", "min", "median", "max"}`` in seconds and ``"redraw"`` (0/1).
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    slider = next(iter(box.sliders["attractiveness"].values()))
    original = float(slider.value)
    delta = 10.0 if original <= 90 else -10.0
    times = []
    for i in range(n):
        start = time.perf_counter()
        slider.value = original + delta if i % 2 == 0 else original
        times.append(time.perf_counter() - start)
    if slider.value != original:
        slider.value = original
    return {"n": n, "min": min(times), "median": statistics.median(times), "max": max(times),
            "redraw": float(box.redraw)}


def sizing_widget(key: pd.DataFrame, params: Any, *, lang: str = "en") -> Any:
    """Sliders for the hours and the capacity that redraw the FTE and the workload per account.

    ``key`` holds the key accounts (quadrant, attractiveness); ``params`` the sizing settings.
    Each change re-runs :func:`kamlib.sizing.workload.account_workload` and redraws.
    """
    import matplotlib.pyplot as plt

    from .sizing.workload import account_workload, available_hours

    fields = [("meeting_hours", 0, 8, 0.5), ("travel_hours", 0, 8, 0.5),
              ("planning_hours", 0, 120, 5), ("coordination_share", 0, 1, 0.05),
              ("account_work_share", 0.3, 1, 0.05)]
    sliders = {f: w.FloatSlider(value=float(getattr(params, f)), min=lo, max=hi, step=st,
                                description=f.replace("_", " "), continuous_update=False)
               for f, lo, hi, st in fields}
    out = w.Output()
    text = w.HTML()

    def update(_change: Any = None) -> None:
        p = params.model_copy(update={f: s.value for f, s in sliders.items()})
        work = account_workload(key, p)
        cap = available_hours(p)
        fte = work["hours"].sum() / cap
        text.value = (f"<b>{work['hours'].sum():,.0f} h</b> a year → <b>{fte:.1f} FTE</b> "
                      f"({cap:,.0f} account hours per KAM)")
        with out:
            out.clear_output(wait=True)
            fig, ax = plt.subplots(figsize=(8, 3))
            by_q = work.groupby(key["quadrant"])["hours"].sum()
            ax.bar(by_q.index, by_q.to_numpy())
            ax.set_ylabel("hours / year")
            ax.set_title("Workload by quadrant" if lang == "en" else "Нагрузка по квадрантам")
            plt.show()
            plt.close(fig)

    for s in sliders.values():
        s.observe(update, names="value")
    update()
    return w.VBox([*sliders.values(), text, out])
