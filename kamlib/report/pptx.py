"""The PowerPoint deck of the audit report: 10–15 slides on the firm's master, native charts.

The deck is laid out from a :class:`~kamlib.report.model.ReportModel` (nothing is computed
here): a cover, the executive summary (the five findings), one slide per audit step (its
lead and key facts; a second one when there are more facts than fit and the slide budget
allows), the charts as native, editable PowerPoint charts built from the model's chart data,
the recommendations, a methodology summary and the provenance.

The slides are built on a master (``templates/report/master.pptx`` unless another is given),
whose layouts are found by name ("Title Slide", "Title and Content", "Title Only", "Blank")
with a fallback to their usual index, so a firm can replace the master with its own. All
geometry follows the master's slide size.

Text is sized to fit its box (an estimate from the text's length and the box, since
python-pptx cannot measure rendered text): long leads and many bullets get smaller fonts,
and bullet counts are capped. Chart data are written into each chart's embedded workbook by
python-pptx with xlsxwriter's default ``strings_to_formulas``; category and series names are
therefore neutralised the same way as the Excel report's text (:func:`.xlsx.neutralise`,
OWASP *CSV Injection*), so "Edit data" in PowerPoint can never open a client name as a
formula.
"""

from __future__ import annotations

import io
import math
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from lxml import etree
from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_AXIS_CROSSES, XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.exc import PackageNotFoundError
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from ..errors import ConfigError
from ..io import atomic_write_bytes
from ..resources import templates_dir
from .model import BoardSlide, Chart, Fact, ReportModel, Section, is_missing
from .xlsx import neutralise

__all__ = ["MAX_BOARD_SLIDES", "MAX_SLIDES", "NAMED_CHARTS", "chart_data", "default_master",
           "write_pptx"]

#: The deck's slide budget: optional slides (continuations, extra charts) stop here.
MAX_SLIDES = 15
#: The budget of a deck with a storyline (kamlib.report.board): the board's slides, then the
#: appendix (the consultant's list, one slide per step, methods, provenance, other charts).
MAX_BOARD_SLIDES = 28
#: Charts that always get a slide of their own, in this order when no section names them.
NAMED_CHARTS = ("whale_curve", "concentration", "portfolio_matrix", "channels", "fte")
#: Layouts by name, with the index they have in PowerPoint's default master.
LAYOUTS = {"title": ("Title Slide", 0), "content": ("Title and Content", 1),
           "title_only": ("Title Only", 5), "blank": ("Blank", 6)}
MAX_FACTS = 8              # key figures on a section slide (and on its continuation)
MAX_BULLETS = 4            # bullets under the lead (eight on a continuation, no lead)
MAX_LINE_POINTS = 1000     # a longer line is thinned evenly (the ends kept)
MAX_POINT_LABELS = 60      # scatter points labelled by name up to this many
_SEVERITY = {"high": MSO_THEME_COLOR.ACCENT_2, "medium": MSO_THEME_COLOR.ACCENT_6,
             "info": MSO_THEME_COLOR.ACCENT_3}
_GREY = RGBColor(0x59, 0x59, 0x59)
_Y_FORMATS = {"pct": "0%", "money": "#,##0", "number": "#,##0.##"}
_IN = 914_400              # EMU per inch


def default_master() -> Path:
    """``templates/report/master.pptx`` (made by ``templates/report/make_master.py``)."""
    return templates_dir() / "report" / "master.pptx"


# --------------------------------------------------------------------------- text fitting
def _fit(paragraphs: list[tuple[str, float]], width: int, height: int, max_pt: float,
         min_pt: float = 10, indent: int = 0) -> float:
    """The largest font size (pt) at which ``paragraphs`` fit a ``width`` × ``height`` box.

    Each paragraph is ``(text, relative size)``. The estimate takes an average glyph width
    of 0.55 em (Cyrillic is wider than Latin), a line height of 1.2 em and a paragraph gap
    of 0.35 em; ``indent`` (EMU) is the width bullets take.
    """
    w_pt = max(1.0, (width - indent) / 12_700 - 15)      # less the text frame's insets
    h_pt = max(1.0, height / 12_700 - 8)
    size = float(max_pt)
    while size > min_pt:
        total = 0.0
        for text, rel in paragraphs:
            s = size * rel
            per_line = max(1, int(w_pt / (s * 0.55)))
            lines = sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
            total += lines * s * 1.2 + s * 0.35
        if total <= h_pt:
            return size
        size -= 1
    return float(min_pt)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _no_bullet(paragraph: Any) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    ppr.set("marL", "0")
    ppr.set("indent", "0")
    for tag in ("a:buNone", "a:buChar", "a:buAutoNum", "a:buBlip"):
        for el in ppr.findall(qn(tag)):
            ppr.remove(el)
    bu_none = etree.Element(qn("a:buNone"))
    # schema order (CT_TextParagraphProperties): bullets come before tabLst, defRPr, extLst
    later = [el for tag in ("a:tabLst", "a:defRPr", "a:extLst") for el in ppr.findall(qn(tag))]
    if later:
        later[0].addprevious(bu_none)
    else:
        ppr.append(bu_none)


def _when(iso: str | None) -> str:
    if not iso:
        return "—"
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso


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
        return v.date().isoformat() if v == v.normalize() else v.isoformat(sep=" ")
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
    data = CategoryChartData(number_format=fmt)
    data.categories = [_category(v) for v in df[chart.x].tolist()]
    for col in chart.y:
        data.add_series(_series_name(chart, col), [_num(v) for v in df[col].tolist()],
                        number_format=fmt)
        labels.append([])
    kind = {"bar": XL_CHART_TYPE.BAR_CLUSTERED, "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
            "line": XL_CHART_TYPE.LINE}[chart.kind]
    return data, kind, labels


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


# --------------------------------------------------------------------------- the deck
@dataclass
class _Box:
    x: int
    y: int
    w: int
    h: int


class _Deck:
    """A presentation being built: layouts, geometry, footers."""

    def __init__(self, prs: Any, model: ReportModel) -> None:
        self.prs, self.model = prs, model
        self.W, self.H = int(prs.slide_width), int(prs.slide_height)
        self.unit = self.H / 7.5 / _IN          # 1.0 on a 7.5-inch-high slide
        self.margin = int(self.W * 0.05)
        self.layouts = {k: self._layout(*v) for k, v in LAYOUTS.items()}

    def inch(self, x: float) -> int:
        return int(x * _IN * self.unit)

    def _layout(self, name: str, index: int) -> Any:
        layouts = list(self.prs.slide_layouts)
        for layout in layouts:
            if layout.name.strip().casefold() == name.casefold():
                return layout
        if not layouts:
            raise ConfigError("the PowerPoint master has no slide layouts",
                              hint="use a master with the layouts Title Slide, Title and "
                              "Content, Title Only and Blank")
        return layouts[min(index, len(layouts) - 1)]

    # ------------------------------------------------------------------ slide scaffolding
    def slide(self, layout: str, title: str | None) -> Any:
        slide = self.prs.slides.add_slide(self.layouts[layout])
        if title is not None:
            self.title(slide, title)
        if layout != "title":
            self.footer(slide)
        return slide

    def title(self, slide: Any, text: str, max_pt: float = 30) -> None:
        shape = slide.shapes.title
        if shape is None:
            shape = slide.shapes.add_textbox(self.margin, self.inch(0.3),
                                             self.W - 2 * self.margin, self.inch(1.1))
        tf = shape.text_frame
        tf.word_wrap = True
        tf.text = _clip(text, 160)
        size = _fit([(tf.text, 1.0)], shape.width, shape.height, max_pt, 18)
        for run in tf.paragraphs[0].runs:
            run.font.size = Pt(size)

    def content_box(self, slide: Any) -> _Box:
        title = slide.shapes.title
        top = (int(title.top + title.height) + self.inch(0.1) if title is not None
               else self.inch(1.5))
        bottom = self.H - self.inch(0.55)
        return _Box(self.margin, top, self.W - 2 * self.margin, bottom - top)

    def footer(self, slide: Any) -> None:
        n = len(self.prs.slides)
        text = self.model.t("pptx.footer", client=self.model.client, title=self.model.title)
        y, h = self.H - self.inch(0.45), self.inch(0.35)
        left = slide.shapes.add_textbox(self.margin, y, int(self.W * 0.7), h)
        self.text(left.text_frame, [_clip(text, 140)], 9, color=_GREY)
        right = slide.shapes.add_textbox(self.W - self.margin - self.inch(1), y,
                                         self.inch(1), h)
        self.text(right.text_frame, [str(n)], 9, color=_GREY)
        right.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT

    def text(self, tf: Any, lines: list[str], size: float, *, bold: bool = False,
             color: Any = None, theme: Any = None) -> None:
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        for i, line in enumerate(lines):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            run = p.add_run()
            run.text = line
            run.font.size = Pt(size)
            run.font.bold = bold
            if color is not None:
                run.font.color.rgb = color
            elif theme is not None:
                run.font.color.theme_color = theme

    def textbox(self, slide: Any, box: _Box, lines: list[str], max_pt: float,
                min_pt: float = 9, **kw: Any) -> Any:
        shape = slide.shapes.add_textbox(box.x, box.y, box.w, box.h)
        size = _fit([(line, 1.0) for line in lines], box.w, box.h, max_pt, min_pt)
        self.text(shape.text_frame, lines, size, **kw)
        return shape

    @staticmethod
    def notes(slide: Any, lines: list[str]) -> None:
        if lines:
            slide.notes_slide.notes_text_frame.text = "\n".join(lines)

    @staticmethod
    def drop_empty_placeholders(slide: Any) -> None:
        for ph in list(slide.placeholders):
            if ph.has_text_frame and not ph.text_frame.text.strip():
                ph._element.getparent().remove(ph._element)

    def body(self, slide: Any) -> tuple[Any, bool]:
        """The slide's body placeholder (idx 1), or a new text box in the content area."""
        for ph in slide.placeholders:
            if ph.placeholder_format.idx == 1 and ph.has_text_frame:
                return ph, True
        b = self.content_box(slide)
        return slide.shapes.add_textbox(b.x, b.y, b.w, b.h), False

    # ------------------------------------------------------------------ the slides
    def cover(self) -> None:
        m, t = self.model, self.model.t
        slide = self.slide("title", None)
        self.title(slide, m.title, max_pt=40)
        lines = [x for x in (m.status_label, m.subtitle, m.client,
                             t("pptx.cover.period", period=m.fmt.period(*m.period)),
                             t("pptx.cover.date",
                               date=m.fmt.date(m.provenance.report_date or m.generated)))
                 if x]
        sub = next((ph for ph in slide.placeholders if ph.placeholder_format.idx == 1), None)
        if sub is None:
            sub = slide.shapes.add_textbox(self.margin, int(self.H * 0.55),
                                           self.W - 2 * self.margin, int(self.H * 0.3))
        sub.text_frame.text = ""
        size = _fit([(x, 1.0) for x in lines], sub.width, sub.height, 20, 11)
        self.text(sub.text_frame, lines, size)
        sub.text_frame.paragraphs[0].runs[0].font.bold = True     # DRAFT / FINAL
        sub.text_frame.paragraphs[2 if m.subtitle else 1].runs[0].font.bold = True
        self.drop_empty_placeholders(slide)

    def summary(self) -> None:
        """The executive summary (kamlib.report.story): its title is the first message (the
        conclusion with its figure), the body every message with its figure and meaning."""
        m = self.model
        if not m.summary:
            return
        slide = self.slide("title_only", m.summary[0].title or m.t("story.summary_title"))
        box = self.content_box(slide)
        paras = [(f"{x.fact.display} — {x.sentence} {x.meaning}", 1.0) for x in m.summary]
        if not m.final:
            paras.append((m.t("story.draft_note", n=len(m.review)), 0.8))
        size = _fit(paras, box.w, box.h, 18, 9)
        shape = slide.shapes.add_textbox(box.x, box.y, box.w, box.h)
        shape.text_frame.word_wrap = True
        self.text(shape.text_frame, [p for p, _ in paras], size)
        self.notes(slide, [f"{x.fact.label}: {x.fact.display} — {x.fact.source}"
                           for x in m.summary])

    def homework(self) -> None:
        """Before the final report: the consultant's open items (not the client's)."""
        m = self.model
        slide = self.slide("content", m.t("story.homework_title"))
        shape, _ = self.body(slide)
        items = [m.t("story.homework_lead"), *m.homework] if m.homework \
            else [m.t("story.final_note")]
        size = _fit([(x, 1.0) for x in items], shape.width, shape.height, 20, 10)
        shape.text_frame.text = ""
        self.text(shape.text_frame, items, size)
        self.drop_empty_placeholders(slide)

    def executive(self) -> None:
        """The findings, at most six a slide (more findings: split evenly over slides)."""
        m = self.model
        n = len(m.findings)
        pages = max(1, -(-n // 6))
        per = -(-n // pages) if n else 0
        for start in range(0, max(n, 1), max(per, 1)):
            self._executive(m.findings[start:start + per])

    def _executive(self, findings: list[Any]) -> None:
        m = self.model
        slide = self.slide("title_only", m.t("pptx.exec.title"))
        box = self.content_box(slide)
        if not findings:
            return
        row_h = box.h // len(findings)
        head_w = int(box.w * 0.27)
        bar_w = self.inch(0.08)
        text_x = box.x + bar_w + head_w + self.inch(0.15)
        text_w = box.x + box.w - text_x
        label_pt = 11
        sent_pt = min(_fit([(f.fact.label, label_pt / 16), (f.sentence, 1.0)], text_w, row_h,
                           16, 10) for f in findings)
        head_pt = min(_fit([(f.headline, 1.0)], head_w, row_h, 28, 14) for f in findings)
        notes = []
        for i, f in enumerate(findings):
            y = box.y + i * row_h
            bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, box.x, y + self.inch(0.08),
                                         bar_w, row_h - self.inch(0.16))
            bar.fill.solid()
            bar.fill.fore_color.theme_color = _SEVERITY.get(f.severity, _SEVERITY["info"])
            bar.line.fill.background()
            head = slide.shapes.add_textbox(box.x + bar_w + self.inch(0.1), y, head_w, row_h)
            head.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            self.text(head.text_frame, [f.headline], head_pt, bold=True,
                      theme=MSO_THEME_COLOR.ACCENT_1)
            body = slide.shapes.add_textbox(text_x, y, text_w, row_h)
            body.text_frame.vertical_anchor = MSO_ANCHOR.MIDDLE
            self.text(body.text_frame, [_clip(f.fact.label, 120)], label_pt, color=_GREY)
            p = body.text_frame.add_paragraph()
            run = p.add_run()
            run.text = f.sentence
            run.font.size = Pt(sent_pt)
            notes.append(f"{f.fact.label}: {f.headline} — "
                         + m.t("pptx.exec.source", source=f.fact.source))
        self.notes(slide, notes)

    def _facts_panel(self, slide: Any, box: _Box, facts: list[Fact]) -> None:
        """Key figures, one under another: the label small and grey, the value bold."""
        paras = [(p, rel) for f in facts for p, rel in ((f.label, 0.6), (f.display, 1.0))]
        size = _fit(paras, box.w, box.h, 20, 11)
        shape = slide.shapes.add_textbox(box.x, box.y, box.w, box.h)
        tf = shape.text_frame
        tf.word_wrap = True
        first = True
        for f in facts:
            for text, rel, bold in ((f.label, 0.6, False), (f.display, 1.0, True)):
                p = tf.paragraphs[0] if first else tf.add_paragraph()
                first = False
                run = p.add_run()
                run.text = text
                run.font.size = Pt(round(size * rel))
                run.font.bold = bold
                if bold:
                    run.font.color.theme_color = MSO_THEME_COLOR.ACCENT_1
                    p.space_after = Pt(round(size * 0.35))
                else:
                    run.font.color.rgb = _GREY

    def section(self, sec: Section, facts: list[Fact], bullets: list[str], *,
                continued: bool, title: str | None = None) -> None:
        m = self.model
        if title is None:
            title = m.t("pptx.section.continued", title=sec.title) if continued else sec.title
        slide = self.slide("content", title)
        shape, is_placeholder = self.body(slide)
        if facts:   # the text on the left, the key figures on the right
            x, y, w, h = (int(v) for v in (shape.left, shape.top, shape.width, shape.height))
            gap = self.inch(0.3)
            left_w = int((w - gap) * 0.6)
            self._facts_panel(slide, _Box(x + left_w + gap, y, w - left_w - gap, h), facts)
            # all four set: a placeholder given only a width would lose its inherited height
            shape.left, shape.top, shape.width, shape.height = x, y, left_w, h
        lead = "" if continued else _clip(sec.lead, 900)
        paras = ([(lead, 1.1)] if lead else []) + [(b, 1.0) for b in bullets]
        size = _fit(paras, shape.width, shape.height, 22, 11,
                    indent=self.inch(0.4) if is_placeholder else 0)
        tf = shape.text_frame
        tf.text = ""
        tf.word_wrap = True
        for i, (text, rel) in enumerate(paras):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            run = p.add_run()
            run.text = text if is_placeholder or (lead and i == 0) else f"• {text}"
            run.font.size = Pt(round(size * rel))
            if lead and i == 0:
                _no_bullet(p)
                run.font.color.theme_color = MSO_THEME_COLOR.TEXT_2
        self.notes(slide, [m.t("pptx.section.sources")]
                   + [f"{f.label}: {f.display} — {f.source}" for f in sec.facts])
        self.drop_empty_placeholders(slide)

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

    def recommendations(self, sec: Section | None) -> None:
        m = self.model
        slide = self.slide("content", sec.title if sec else m.t("pptx.recommendations.title"))
        shape, is_placeholder = self.body(slide)
        items = [f"{a.owner_label}, {a.horizon_label}: {a.text}" for a in m.actions][:8] \
            or list(m.recommendations or (sec.bullets if sec else []))[:8]
        lead = _clip(sec.lead, 500) if sec and sec.lead else ""
        paras = [(f"{i}. {x}" if not is_placeholder else x, 1.0)
                 for i, x in enumerate(items, start=1)]
        if lead:
            paras.insert(0, (lead, 1.1))
        size = _fit(paras, shape.width, shape.height, 22, 11,
                    indent=self.inch(0.4) if is_placeholder else 0)
        tf = shape.text_frame
        tf.text = ""
        tf.word_wrap = True
        for i, (text, rel) in enumerate(paras):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            run = p.add_run()
            run.text = text
            run.font.size = Pt(size * rel)
            if lead and i == 0:
                _no_bullet(p)
                run.font.color.theme_color = MSO_THEME_COLOR.TEXT_2
        self.drop_empty_placeholders(slide)

    def board(self, b: BoardSlide) -> None:
        """A slide of the storyline: its action title, then its chart (with its caption and
        the text beside it), its table (what fits, then where the rest is) or its text with
        the key figures."""
        m = self.model
        slide = self.slide("title_only", b.title)
        box = self.content_box(slide)
        gap = self.inch(0.3)
        notes = [m.t("pptx.section.sources"),
                 *(f"{f.label}: {f.display} — {f.source}" for f in b.facts)]
        if b.chart is not None and b.chart in m.charts:
            chart = m.charts[b.chart]
            side = int(box.w * 0.32) if b.bullets else 0
            cap_h = self.inch(0.75)
            width = box.w - side - (gap if side else 0)
            self._chart(slide, chart, _Box(box.x, box.y, width, box.h - cap_h), titled=True)
            caption = [x for x in (chart.caption,
                                   m.t("pptx.chart.source", source=chart.source)) if x]
            cap = self.textbox(slide, _Box(box.x, box.y + box.h - cap_h, width, cap_h),
                               caption, 12, 8)
            for run in cap.text_frame.paragraphs[-1].runs:
                run.font.color.rgb = _GREY
            if side:
                self.textbox(slide, _Box(box.x + width + gap, box.y, side, box.h),
                             [f"• {x}" for x in b.bullets[:4]], 16, 9)
            notes += caption
        elif b.table is not None:
            header, rows, note = b.table
            foot = [x for x in (*b.bullets[:2], note) if x]
            foot_h = self.inch(0.35) * len(foot)
            tbox = _Box(box.x, box.y, box.w, box.h - foot_h)
            widths = _widths(header, rows)
            size = next((z for z in (14, 12, 11, 10)
                         if self._rows_fitting(rows, widths, tbox, z) == len(rows)), 10)
            n = self._rows_fitting(rows, widths, tbox, size)
            if n < len(rows):   # what did not fit is said, never dropped silently
                foot.append(m.t("board.more_rows", n=len(rows) - n))
                foot_h = self.inch(0.35) * len(foot)
                tbox.h = box.h - foot_h
                n = self._rows_fitting(rows, widths, tbox, size)
            self._table(slide, tbox, header, rows[:n], widths, size)
            if foot:
                self.textbox(slide, _Box(box.x, box.y + box.h - foot_h, box.w, foot_h), foot,
                             12, 9, color=_GREY)
        else:
            panel = b.facts[:MAX_FACTS]
            left_w = int((box.w - gap) * 0.6) if panel else box.w
            if panel:
                self._facts_panel(slide, _Box(box.x + left_w + gap, box.y,
                                              box.w - left_w - gap, box.h), panel)
            self.textbox(slide, _Box(box.x, box.y, left_w, box.h),
                         [f"• {x}" for x in b.bullets[:5]], 20, 10)
        self.notes(slide, notes)

    def _table(self, slide: Any, box: _Box, header: list[str], rows: list[list[str]],
               widths: list[float], size: float) -> Any:
        row_h = int(size * 1.2 * 12_700 + self.inch(0.08))  # as _rows_fitting counts
        shape = slide.shapes.add_table(len(rows) + 1, len(header), box.x, box.y, box.w,
                                       row_h * (len(rows) + 1))
        table = shape.table
        for row in table.rows:
            row.height = row_h
        for j, share in enumerate(widths):
            table.columns[j].width = int(box.w * share)
        for i, values in enumerate([header, *rows]):
            for j, value in enumerate(values):
                cell = table.cell(i, j)
                cell.text = value
                cell.margin_top = cell.margin_bottom = Emu(self.inch(0.03))
                for p in cell.text_frame.paragraphs:
                    for run in p.runs:
                        run.font.size = Pt(size)
                        run.font.bold = i == 0
        return shape

    def _rows_fitting(self, rows: list[list[str]], widths: list[float], box: _Box,
                      size: float) -> int:
        """How many rows (after a header) fit ``box`` at ``size`` points."""
        line_h = size * 1.2 * 12_700 + self.inch(0.08)
        used = line_h
        for n, row in enumerate(rows):
            lines = max(math.ceil(len(v) / max(1, int(box.w * w / 12_700 / (size * 0.55))))
                        for v, w in zip(row, widths, strict=True))
            used += line_h * max(1, lines)
            if used > box.h:
                return n
        return len(rows)

    def methods(self, title: str | None = None) -> None:
        """Every formula with its source if they fit; else the methods grouped by step."""
        m, t = self.model, self.model.t
        slide = self.slide("title_only", title or t("pptx.methods.title"))
        box = self.content_box(slide)
        box.h -= self.inch(0.4)
        rows = [[x.step, x.name, x.formula, x.source] for x in m.methods]
        widths = [0.14, 0.2, 0.4, 0.26]
        header = [t("pptx.methods.step"), t("pptx.methods.name"), t("pptx.methods.formula"),
                  t("pptx.methods.source")]
        size = next((z for z in (12, 11, 10) if self._rows_fitting(rows, widths, box, z)
                     == len(rows)), None)
        note = ""
        if size is None:
            steps: dict[str, list[Any]] = {}
            for x in m.methods:
                steps.setdefault(x.step, []).append(x)
            rows = [[step, "; ".join(x.name for x in xs),
                     "; ".join(dict.fromkeys(x.source for x in xs))]
                    for step, xs in steps.items()]
            widths = [0.18, 0.4, 0.42]
            header = [t("pptx.methods.step"), t("pptx.methods.names"),
                      t("pptx.methods.source")]
            size = next((z for z in (12, 11, 10, 9) if self._rows_fitting(rows, widths, box, z)
                         == len(rows)), 9)
            note = t("pptx.methods.appendix")
        n = self._rows_fitting(rows, widths, box, size)
        if rows:
            self._table(slide, box, header, rows[:n], widths, size)
        if n < len(rows):
            note = t("pptx.methods.more", n=len(rows) - n)
        if note:
            self.textbox(slide, _Box(box.x, box.y + box.h, box.w, self.inch(0.4)),
                         [note], 11, color=_GREY)

    def provenance(self, title: str | None = None) -> None:
        m, t, prov = self.model, self.model.t, self.model.provenance
        slide = self.slide("title_only", title or t("pptx.provenance.title"))
        box = self.content_box(slide)
        versions = ", ".join(f"{k} {v}" for k, v in list(prov.versions.items())[:6])
        totals = "; ".join(f"{f.label} {f.display}" for f in prov.control_totals[:4])
        lines = [t("pptx.provenance.run", started=_when(prov.run_started),
                   finished=_when(prov.run_finished)),
                 t("pptx.provenance.report_date", date=m.fmt.date(prov.report_date))]
        if versions:
            lines.append(t("pptx.provenance.versions", versions=versions))
        if totals:
            lines.append(t("pptx.provenance.totals", totals=totals))
        text_h = self.inch(1.6)
        self.textbox(slide, _Box(box.x, box.y, box.w, text_h), lines, 14, 9)
        df = prov.inputs if prov.inputs is not None else pd.DataFrame()
        cols = ["file", "table", "rows_accepted", "rows_rejected", "money_accepted"]
        kinds = ["text", "text", "int", "int", "money"]
        rows = [[("—" if c not in df.columns else m.fmt.value(r[c], k)
                  if not is_missing(r[c]) else "—") for c, k in zip(cols, kinds, strict=True)]
                for r in df.to_dict("records")]
        tbox = _Box(box.x, box.y + text_h, box.w, box.h - text_h - self.inch(0.4))
        widths = [0.36, 0.14, 0.15, 0.15, 0.2]
        n = self._rows_fitting(rows, widths, tbox, 11)
        if rows:
            self._table(slide, tbox, [t(f"pptx.provenance.{c}") for c in cols], rows[:n],
                        widths, 11)
        if n < len(rows):
            self.textbox(slide, _Box(box.x, tbox.y + tbox.h, box.w, self.inch(0.4)),
                         [t("pptx.provenance.more", n=len(rows) - n)], 11, color=_GREY)


def _plan(model: ReportModel) -> list[tuple[Any, ...]]:
    """The slides in order, within :data:`MAX_SLIDES` as far as the required ones allow.

    Required: cover, executive summary, one slide per step section, one per named chart
    (:data:`NAMED_CHARTS`), recommendations, methods, provenance. The rest of the budget
    goes first to the other charts (a slide each if all fit, else two per slide, in order),
    then to continuation slides of the sections that leave most facts and bullets out.
    """
    rec = next((s for s in model.sections if s.key == "recommendations"), None)
    steps = [s for s in model.sections if s is not rec]
    named = [k for k in NAMED_CHARTS if k in model.charts]
    # the storyline (kamlib.report.story): its summary replaces the findings slides, and the
    # list before the final report follows the recommendations
    story = bool(model.summary)
    budget = MAX_SLIDES - (2 + len(steps) + len(named) + 3 + story)

    home: dict[str, int] = {}            # chart → index of the section it follows
    for i, sec in enumerate(steps):
        for k in sec.charts:
            if k in model.charts:
                home.setdefault(k, i)
    for k in model.charts:
        home.setdefault(k, len(steps))
    others = [k for k in home if k not in NAMED_CHARTS]
    if len(others) <= budget:
        groups = [[k] for k in others]
    else:
        groups = [others[i:i + 2] for i in range(0, len(others), 2)][:max(budget, 0)]
    budget -= len(groups)

    overflow = {i: max(0, len(s.facts) - MAX_FACTS) + max(0, len(s.bullets) - MAX_BULLETS)
                for i, s in enumerate(steps)}
    ranked = sorted((i for i in overflow if overflow[i]), key=lambda i: -overflow[i])
    continued = set(ranked[:max(budget, 0)])

    def charts_after(i: int) -> list[tuple[Any, ...]]:
        out: list[tuple[Any, ...]] = [("charts", [k], None) for k in named if home[k] == i]
        for group in groups:
            if max(home[k] for k in group) == i:
                same = len({home[k] for k in group}) == 1 and i < len(steps)
                out.append(("charts", group, steps[i].title if same else None))
        return out

    plan: list[tuple[Any, ...]] = [("cover",), ("summary",) if story else ("executive",)]
    for i, sec in enumerate(steps):
        plan.append(("section", sec, sec.facts[:MAX_FACTS], sec.bullets[:MAX_BULLETS], False))
        if i in continued:
            plan.append(("section", sec, sec.facts[MAX_FACTS:2 * MAX_FACTS],
                         sec.bullets[MAX_BULLETS:3 * MAX_BULLETS], True))
        plan += charts_after(i)
    plan += charts_after(len(steps))
    plan += [("recommendations", rec), *([("homework",)] if story else []), ("methods",),
             ("provenance",)]
    return plan


def _widths(header: list[str], rows: list[list[str]]) -> list[float]:
    """Column shares of a table's width by the length of what they hold (a long text column
    gets most of the width, a figure what it needs)."""
    need = [max([min(len(h), 14), *(min(len(r[j]), 90) for r in rows)]) + 4
            for j, h in enumerate(header)]
    total = float(sum(need)) or 1.0
    return [x / total for x in need]


def _board_plan(model: ReportModel) -> list[tuple[Any, ...]]:
    """The storyline deck (:mod:`kamlib.report.board`): the cover, the board's slides in their
    order, then the appendix — the consultant's list before the final report, one slide per
    step (its key figures exact), the charts the board did not show (while
    :data:`MAX_BOARD_SLIDES` allows), the methods and the provenance."""
    t = model.t
    plan: list[tuple[Any, ...]] = [("cover",)]
    shown = set()
    for b in model.board:
        plan.append(("summary",) if b.key == "summary" else ("board", b))
        if b.chart:
            shown.add(b.chart)
    steps = [s for s in model.sections if s.key != "recommendations"]
    tail = [("methods", t("board.appendix", title=t("pptx.methods.title"))),
            ("provenance", t("board.appendix", title=t("pptx.provenance.title")))]
    appendix: list[tuple[Any, ...]] = [("homework",)]
    budget = MAX_BOARD_SLIDES - len(plan) - 1 - len(steps) - len(tail)
    for sec in steps:
        appendix.append(("section", sec, sec.facts[:MAX_FACTS], sec.bullets[:MAX_BULLETS],
                         False, t("board.appendix", title=sec.title)))
        for k in sec.charts:
            if k in model.charts and k not in shown and budget > 0:
                appendix.append(("charts", [k], None,
                                 t("board.appendix", title=model.charts[k].title)))
                shown.add(k)
                budget -= 1
    return plan + appendix + tail


def _open_master(master: str | Path | None) -> Any:
    path = Path(master) if master is not None else default_master()
    if not path.is_file():
        raise ConfigError(
            "the PowerPoint master does not exist", file=str(path),
            hint=("give the path of a .pptx file with the layouts Title Slide, Title and "
                  "Content, Title Only and Blank, or leave it out to use "
                  "templates/report/master.pptx")
            if master is not None else
            "recreate it: python templates/report/make_master.py")
    try:
        prs = Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError,
            etree.XMLSyntaxError) as exc:
        raise ConfigError(f"the PowerPoint master cannot be read: {exc}", file=str(path),
                          hint="save it from PowerPoint as a .pptx presentation "
                          "(not .potx or .ppt)") from None
    # a firm's master may carry example slides: the deck starts empty
    sld_ids = prs.slides._sldIdLst
    for sld_id in list(sld_ids):
        prs.part.drop_rel(sld_id.rId)
        sld_ids.remove(sld_id)
    return prs


def write_pptx(model: ReportModel, path: str | Path, *,
               master: str | Path | None = None) -> Path:
    """Write the report's PowerPoint deck.

    Parameters
    ----------
    model : ReportModel
        The report, in its language (slide texts come from the ``pptx.*`` strings).
    path : str or Path
        The ``.pptx`` file to write; written atomically.
    master : str or Path, optional
        A ``.pptx`` whose slide master and layouts the deck is built on (a firm's own);
        default ``templates/report/master.pptx``. Slides it contains are not kept.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ConfigError
        ``master`` does not exist or is not a readable ``.pptx``.

    Notes
    -----
    10–15 slides for a report of five steps (:func:`_plan`): the four charts of
    :data:`NAMED_CHARTS` on slides of their own, any other chart drawn by its kind while
    the budget of :data:`MAX_SLIDES` lasts (all charts are in the HTML report). Lines
    longer than :data:`MAX_LINE_POINTS` points are thinned evenly for the native chart.
    """
    prs = _open_master(master)
    deck = _Deck(prs, model)
    for item in (_board_plan(model) if model.board else _plan(model)):
        kind, args = item[0], item[1:]
        if kind == "cover":
            deck.cover()
        elif kind == "summary":
            deck.summary()
        elif kind == "homework":
            deck.homework()
        elif kind == "executive":
            deck.executive()
        elif kind == "board":
            deck.board(args[0])
        elif kind == "section":
            deck.section(args[0], args[1], args[2], continued=args[3],
                         title=args[4] if len(args) > 4 else None)
        elif kind == "charts":
            deck.charts(args[0], args[1], title=args[2] if len(args) > 2 else None)
        elif kind == "recommendations":
            deck.recommendations(args[0])
        elif kind == "methods":
            deck.methods(*args)
        else:
            deck.provenance(*args)
    prs.core_properties.title = model.title[:255]
    prs.core_properties.subject = model.client[:255]
    prs.core_properties.language = model.language
    buf = io.BytesIO()
    prs.save(buf)
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path
