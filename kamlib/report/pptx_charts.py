"""The deck's native, editable charts: their data from the model's charts (:func:`chart_data`)
and the chart slides (:class:`_ChartSlides`)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_AXIS_CROSSES, XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.oxml.ns import qn
from pptx.util import Pt

from .model import Chart, is_missing
from .pptx_base import _GREY, _Y_FORMATS, MAX_LINE_POINTS, MAX_POINT_LABELS, _Box, _DeckBase
from .xlsx import neutralise


# --------------------------------------------------------------------------- chart data
def _num(v: Any) -> float | None:
    if is_missing(v):
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _category(v: Any) -> str:
    if is_missing(v):
        return "—"
    if isinstance(v, pd.Timestamp | datetime):
        ts = pd.Timestamp(v)   # a datetime has no normalize(): as a Timestamp it has
        return str(ts.date().isoformat() if ts == ts.normalize() else ts.isoformat(sep=" "))
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return neutralise(str(v))[0]


def _series_name(chart: Chart, col: str) -> str:
    return neutralise(chart.series.get(col, col) or col)[0]


def _numeric_x(chart: Chart) -> bool:
    col = chart.data[chart.x]
    return pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)


def _thin(n: int) -> np.ndarray:
    if n <= MAX_LINE_POINTS:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, MAX_LINE_POINTS).round().astype(int))


def chart_data(chart: Chart) -> tuple[Any, Any, list[list[str]]]:
    """The python-pptx chart data, chart type and point labels of a model chart.

    Returns
    -------
    tuple
        ``(chart_data, XL_CHART_TYPE member, labels)``; ``labels`` holds, per series, the
        names of its points (scatter with ``chart.label`` only, else empty lists).
    """
    df, fmt = chart.data, _Y_FORMATS.get(chart.y_format, "General")
    xy = chart.kind == "scatter" or (chart.kind == "line" and _numeric_x(chart))
    labels: list[list[str]] = []
    if chart.kind == "scatter" and chart.group:
        return _grouped_scatter(chart, fmt)
    if xy:
        data = XyChartData(number_format=fmt)
        xs = pd.to_numeric(df[chart.x], errors="coerce").tolist()
        keep = _thin(len(df)) if chart.kind == "line" else np.arange(len(df))
        names = df[chart.label].tolist() if chart.label and chart.label in df else None
        for col in chart.y:
            series = data.add_series(_series_name(chart, col), number_format=fmt)
            ys, point_labels = df[col].tolist(), []
            for i in keep:
                x, y = _num(xs[i]), _num(ys[i])
                if x is None or y is None:
                    continue
                series.add_data_point(x, y)
                if names is not None:
                    point_labels.append("" if is_missing(names[i]) else _category(names[i]))
            labels.append(point_labels)
        kind = (XL_CHART_TYPE.XY_SCATTER if chart.kind == "scatter"
                else XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS)
        return data, kind, labels
    categories = CategoryChartData(number_format=fmt)
    categories.categories = [_category(v) for v in df[chart.x].tolist()]
    for col in chart.y:
        categories.add_series(_series_name(chart, col), [_num(v) for v in df[col].tolist()],
                              number_format=fmt)
        labels.append([])
    kind = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
            "line": XL_CHART_TYPE.LINE}[chart.kind]
    return categories, kind, labels


def _groups(chart: Chart) -> list[Any]:
    """The series of a grouped scatter in drawing order: the highlighted one last (on top)."""
    groups = list(dict.fromkeys(chart.data[chart.group].tolist()))
    if chart.highlight in groups:
        groups.remove(chart.highlight)
        groups.append(chart.highlight)
    return groups


def _grouped_scatter(chart: Chart, fmt: str) -> tuple[Any, Any, list[list[str]]]:
    """A scatter with one series per value of ``chart.group`` (e.g. key / other clients),
    then, with a threshold, the two quadrant lines as series of two points each and the
    quadrants' names as a series of four labelled points (:meth:`_Deck._chart` styles them)."""
    df = chart.data
    data = XyChartData(number_format=fmt)
    labels: list[list[str]] = []
    names = df[chart.label].tolist() if chart.label and chart.label in df else None
    for group in _groups(chart):
        sub = df.index[df[chart.group] == group]
        series = data.add_series(str(group), number_format=fmt)
        point_labels = []
        for i in sub:
            x, y = _num(df.at[i, chart.x]), _num(df.at[i, chart.y[0]])
            if x is None or y is None:
                continue
            series.add_data_point(x, y)
            point_labels.append("" if names is None or is_missing(names[i])
                                else _category(names[i]))
        labels.append(point_labels)
    if chart.threshold is not None:
        lo, hi = chart.axis or (float(df[chart.x].min()), float(df[chart.x].max()))
        t = float(chart.threshold)
        for a, b in (((t, lo), (t, hi)), ((lo, t), (hi, t))):
            line = data.add_series(_THRESHOLD, number_format=fmt)
            line.add_data_point(*a)
            line.add_data_point(*b)
            labels.append([])
        if chart.quadrants:
            q = data.add_series(_QUADRANTS, number_format=fmt)
            right, left = (t + hi) / 2, (lo + t) / 2
            top, bottom = hi - (hi - t) * 0.08, lo + (t - lo) * 0.08
            spots = {"Strategic": (right, top), "Star": (left, top),
                     "Status": (right, bottom), "Streamline": (left, bottom)}
            qlabels = []
            for code, (x, y) in spots.items():
                q.add_data_point(x, y)
                qlabels.append(chart.quadrants.get(code, code))
            labels.append(qlabels)
    return data, XL_CHART_TYPE.XY_SCATTER, labels


_THRESHOLD = "\u2014"      # the quadrant lines' series name (not in the legend)
_QUADRANTS = "\u00a0"      # the quadrant names' series name (not in the legend)


class _ChartSlides(_DeckBase):
    """The deck's charts: a native chart in a box, the chart slides."""

    def _chart(self, slide: Any, chart: Chart, box: _Box, *, titled: bool) -> Any:
        data, kind, labels = chart_data(chart)
        frame = slide.shapes.add_chart(kind, box.x, box.y, box.w, box.h, data)
        c = frame.chart
        c.font.size = Pt(11)
        c.has_title = titled
        if titled:
            c.chart_title.text_frame.text = chart.title
            c.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(13)
        c.has_legend = len(chart.y) > 1
        if c.has_legend:
            c.legend.position = XL_LEGEND_POSITION.BOTTOM
            c.legend.include_in_layout = False
        fmt = _Y_FORMATS.get(chart.y_format, "General")
        c.value_axis.tick_labels.number_format = fmt
        c.value_axis.tick_labels.number_format_is_linked = False
        c.value_axis.has_major_gridlines = True
        for axis, text in ((c.category_axis, chart.x_label), (c.value_axis, chart.y_label)):
            if text:
                axis.has_title = True
                axis.axis_title.text_frame.text = text
                axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(11)
        if kind in (XL_CHART_TYPE.XY_SCATTER, XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS):
            xs = pd.to_numeric(chart.data[chart.x], errors="coerce").dropna()
            if len(xs) and xs.between(0, 1).all() and chart.y_format == "pct":
                c.category_axis.tick_labels.number_format = "0%"
                c.category_axis.tick_labels.number_format_is_linked = False
                c.category_axis.minimum_scale, c.category_axis.maximum_scale = 0.0, 1.0
        if kind == XL_CHART_TYPE.BAR_CLUSTERED:
            # the first category at the top, the value axis still at the bottom
            c.category_axis.reverse_order = True
            c.category_axis.crosses = XL_AXIS_CROSSES.MAXIMUM
        if chart.kind == "scatter" and chart.group:
            self._style_grouped_scatter(c, chart)
        for series, names in zip(c.plots[0].series, labels, strict=False):
            if not names or sum(1 for n in names if n) > MAX_POINT_LABELS:
                continue
            for point, name in zip(series.points, names, strict=False):
                if name:
                    dl = point.data_label
                    dl.text_frame.text = name
                    dl.text_frame.paragraphs[0].runs[0].font.size = Pt(9)
                    dl.position = XL_LABEL_POSITION.RIGHT
        return frame

    def _style_grouped_scatter(self, c: Any, chart: Chart) -> None:
        """Bubble-like markers (area ∝ ``chart.size``, uncapped), key clients outlined, the
        quadrant lines drawn and the quadrant names as labels; axes fixed to ``chart.axis``."""
        from pptx.enum.chart import XL_MARKER_STYLE

        df = chart.data
        if chart.axis:
            for axis in (c.category_axis, c.value_axis):
                axis.minimum_scale, axis.maximum_scale = chart.axis
        top = float(pd.to_numeric(df[chart.size], errors="coerce").clip(lower=0).max()) \
            if chart.size else 0.0
        groups = _groups(chart)
        for k, series in enumerate(c.plots[0].series):
            if series.name in (_THRESHOLD, _QUADRANTS):
                series.marker.style = XL_MARKER_STYLE.NONE
                if series.name == _THRESHOLD:
                    series.format.line.color.rgb = _GREY
                    series.format.line.width = Pt(1.25)
                continue
            # the highlighted group (key clients) filled dark and outlined, the others light
            lit = groups[k] == chart.highlight
            fill, line = ((RGBColor(0x2E, 0x75, 0xB6), RGBColor(0x1F, 0x2A, 0x44)) if lit
                          else (RGBColor(0xC9, 0xD9, 0xEA), RGBColor(0x9D, 0xB4, 0xCC)))
            markers = [series.marker]
            if chart.size and top > 0:
                sizes = pd.to_numeric(df.loc[df[chart.group] == groups[k], chart.size],
                                      errors="coerce").clip(lower=0).fillna(0).tolist()
                for point, v in zip(series.points, sizes, strict=False):
                    # marker area ∝ the value: the diameter is ∝ its square root (up to 40 pt;
                    # the smallest kept visible at 3 pt)
                    point.marker.size = max(3, min(72, round(40 * math.sqrt(v / top))))
                    markers.append(point.marker)
            for marker in markers:   # a data point's own marker does not inherit the series'
                marker.style = XL_MARKER_STYLE.CIRCLE
                marker.format.fill.solid()
                marker.format.fill.fore_color.rgb = fill
                marker.format.line.color.rgb = line
                marker.format.line.width = Pt(1.5 if lit else 0.5)
        c.has_legend = True
        c.legend.position = XL_LEGEND_POSITION.BOTTOM
        c.legend.include_in_layout = False
        # hide the helper series from the legend (c:legendEntry/c:delete, after c:legendPos)
        legend = c.legend._element
        pos = legend.find(qn("c:legendPos"))
        at = 0 if pos is None else list(legend).index(pos) + 1
        for k, series in enumerate(c.plots[0].series):
            if series.name in (_THRESHOLD, _QUADRANTS):
                entry = etree.SubElement(legend, qn("c:legendEntry"))
                etree.SubElement(entry, qn("c:idx")).set("val", str(k))
                etree.SubElement(entry, qn("c:delete")).set("val", "1")
                legend.remove(entry)
                legend.insert(at, entry)
                at += 1

    def charts(self, keys: list[str], section_title: str | None, *,
               title: str | None = None) -> None:
        m = self.model
        charts = [m.charts[k] for k in keys]
        if title is None:
            title = (charts[0].title if len(charts) == 1
                     else section_title or " · ".join(c.title for c in charts))
        slide = self.slide("title_only", title)
        box = self.content_box(slide)
        cap_h = self.inch(0.75)
        gap = self.inch(0.3)
        width = (box.w - gap * (len(charts) - 1)) // len(charts)
        notes = []
        for i, chart in enumerate(charts):
            x = box.x + i * (width + gap)
            self._chart(slide, chart, _Box(x, box.y, width, box.h - cap_h),
                        titled=len(charts) > 1)
            caption = [x for x in (chart.caption,
                                   m.t("pptx.chart.source", source=chart.source)) if x]
            cap = self.textbox(slide, _Box(x, box.y + box.h - cap_h, width, cap_h),
                               caption, 12, 8)
            for run in cap.text_frame.paragraphs[-1].runs:
                run.font.color.rgb = _GREY
            notes += caption
        self.notes(slide, notes)
