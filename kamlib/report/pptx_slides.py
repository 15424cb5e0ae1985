"""The deck's report slides: the cover, the summary and the list before the final report, the
executive summary, a slide per step, the recommendations (:class:`_StorySlides`)."""

from __future__ import annotations

from typing import Any

from pptx.enum.dml import MSO_THEME_COLOR
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR
from pptx.util import Pt

from .model import Fact, Section
from .pptx_base import _GREY, _SEVERITY, _Box, _clip, _DeckBase, _fit, _no_bullet


class _StorySlides(_DeckBase):
    """The deck's report slides: cover, summaries, a slide per step, recommendations."""

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
