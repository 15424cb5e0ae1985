"""Step 4: hours and capacity that redraw the FTE and the workloads (:func:`sizing_widget`).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import pandas as pd

from kamlib.i18n import Formatter
from kamlib.notebook.widgets.base import (
    _new_figure,
    _num,
    _show_png,
    _StepWidget,
    _text,
)
from kamlib.plots import (
    PALETTE,
    _number_axis,
)


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
        from kamlib.notebook.client_view import client_choices

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
        from kamlib.sizing.workload import account_workload, available_hours

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
