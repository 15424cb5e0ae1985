"""The deck's board slides and its appendix's tables (methods, provenance):
:class:`_BoardSlides`."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from pptx.util import Emu, Pt

from .model import BoardSlide, is_missing
from .pptx_base import _GREY, MAX_FACTS, _Box, _when
from .pptx_charts import _ChartSlides
from .pptx_slides import _StorySlides


class _BoardSlides(_StorySlides, _ChartSlides):
    """The storyline's board slides and the appendix: tables fitted to their box."""

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


def _widths(header: list[str], rows: list[list[str]]) -> list[float]:
    """Column shares of a table's width by the length of what they hold (a long text column
    gets most of the width, a figure what it needs)."""
    need = [max([min(len(h), 14), *(min(len(r[j]), 90) for r in rows)]) + 4
            for j, h in enumerate(header)]
    total = float(sum(need)) or 1.0
    return [x / total for x in need]
