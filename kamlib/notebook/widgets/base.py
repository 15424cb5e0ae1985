"""The widgets' shared machinery: language, numbers, HTML tables, a figure outside pyplot
rendered to PNG, the step widget's update loop, and :func:`time_update`.
"""

from __future__ import annotations

import base64
import html
import io
import statistics
import time
from collections.abc import Mapping
from typing import Any, cast

import ipywidgets as w
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from kamlib.i18n import LANGUAGES, Formatter, Strings, load_strings
from kamlib.notebook.widgets.agg import TextCachingCanvasAgg


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
    out: str = shown.to_html(index=False, escape=True, na_rep="—", border=0,
                        classes="kam-table", float_format=lambda v: _num(v, 2, lang))
    if len(df) > max_rows:
        more = _text(lang).t("widget.intake.more", n=_num(len(df) - max_rows, 0, lang))
        out += f"<p><small>{html.escape(more)}</small></p>"
    return out


def _new_figure(figsize: tuple[float, float], margins: Mapping[str, float]) -> tuple[Figure, Axes]:
    """A figure outside pyplot (no registry to leak into, no inline auto-show) with an Agg
    canvas that keeps the texts it has drawn (:class:`~kamlib.notebook.widgets.agg.
    TextCachingCanvasAgg`: the same pixels, the unchanged texts of a redraw not rendered
    again) and fixed margins: no tight-bbox pass, so a redraw renders once."""
    fig = Figure(figsize=figsize, dpi=100)
    TextCachingCanvasAgg(fig)
    fig.subplots_adjust(**margins)
    return fig, fig.add_subplot()


def _reuse_axes(ax: Axes) -> Axes:
    """Empty ``ax`` for the next drawing of the same chart, keeping its axis objects.

    :meth:`~matplotlib.axes.Axes.clear` also throws away the axes' ticks, which the next
    draw builds again (their lines, texts and transforms: a third of a widget's redraw).
    Here the drawn artists (lines, bars, markers, texts, images, the legend) are removed and
    what a chart function sets is put back to matplotlib's defaults — title and labels, tick
    locators and formatters, the tick labels' size and rotation, autoscaling, margins and data
    limits — so the next drawing is the drawing on a fresh axes (tested pixel for pixel on
    each widget's charts). Tick properties other than the labels' size and rotation are not
    reset: a widget's axes draws one chart, which sets its own each time.
    """
    import matplotlib as mpl
    from matplotlib.ticker import AutoLocator, NullFormatter, NullLocator, ScalarFormatter

    for artist in (*ax.lines, *ax.collections, *ax.patches, *ax.texts, *ax.images,
                   *ax.artists, *ax.tables):
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    ax.containers.clear()
    for loc in ("left", "center", "right"):
        ax.set_title("", loc=loc)
    ax.set_xlabel("")
    ax.set_ylabel("")
    sizes = {"x": mpl.rcParams["xtick.labelsize"], "y": mpl.rcParams["ytick.labelsize"]}
    for axis, name in ((ax.xaxis, "x"), (ax.yaxis, "y")):
        axis.set_major_locator(AutoLocator())
        axis.set_major_formatter(ScalarFormatter())
        axis.set_minor_locator(NullLocator())
        axis.set_minor_formatter(NullFormatter())
        axis.isDefault_majloc = axis.isDefault_majfmt = True
        axis.isDefault_minloc = axis.isDefault_minfmt = True
        size = sizes[name]
        for tick in (*axis.majorTicks, *axis.minorTicks):
            for label in (tick.label1, tick.label2):
                label.set_fontsize(size)
                label.set_rotation(0)
    ax.set_autoscale_on(True)
    ax.relim()
    ax.set_xmargin(mpl.rcParams["axes.xmargin"])
    ax.set_ymargin(mpl.rcParams["axes.ymargin"])
    return ax


def _show_png(output: w.Output, fig: Figure) -> None:
    """Render ``fig`` to PNG at its own dpi and make it the ``output``'s only item (one
    assignment: the clear_output(wait=True) effect, no flicker)."""
    buf = io.BytesIO()
    cast(Any, fig.canvas).print_png(buf, pil_kwargs={"compress_level": 1})  # fast zlib
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
