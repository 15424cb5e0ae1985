"""The deck's ground: its layouts, limits and colours, text sized to fit its box, and the
slide scaffolding every slide is built on (:class:`_DeckBase`: geometry, titles, footers)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from lxml import etree
from pptx.dml.color import RGBColor
from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Pt

from ..errors import ConfigError
from .model import ReportModel

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


# --------------------------------------------------------------------------- the deck
@dataclass
class _Box:
    x: int
    y: int
    w: int
    h: int


class _DeckBase:
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
