"""The management workshop deck (PowerPoint, python-pptx): what the workshop decides.

Slides: the goals; the selection criteria and their weights as set in the engagement's
settings (measured or judged); the VIP list to fill in; each channel's fit with the company's
advantage (the channels step 2 found, with their contribution margin, when it has run); the
alignment questionnaire (one statement per element) and the questions on resources and
targets; what happens after the workshop.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Pt

from ..i18n import Formatter, load_strings

__all__ = ["slide_texts", "write_workshop_deck"]

# python-pptx declares no types for RGBColor
_BLUE = RGBColor(0x1F, 0x4E, 0x79)  # type: ignore[no-untyped-call]
_W, _H = Emu(12192000), Emu(6858000)      # 16:9
_M = Emu(457200)                          # margin


def _title(slide: Any, text: str, sub: str | None = None) -> None:
    box = slide.shapes.add_textbox(_M, Emu(300000), _W - 2 * _M, Emu(700000))
    p = box.text_frame.paragraphs[0]
    p.text = text
    p.font.size, p.font.bold, p.font.color.rgb = Pt(26), True, _BLUE
    if sub:
        box.text_frame.word_wrap = True
        q = box.text_frame.add_paragraph()
        q.text = sub
        q.font.size = Pt(13)


def _bullets(slide: Any, lines: list[str], top: int = 1300000, size: int = 16) -> None:
    box = slide.shapes.add_textbox(_M, Emu(top), _W - 2 * _M, _H - Emu(top) - _M)
    tf = box.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = line
        p.font.size = Pt(size)
        p.space_after = Pt(6)


def _table(slide: Any, head: list[str], rows: list[list[str]], top: int = 1500000,
           size: int = 12) -> None:
    n = len(rows) + 1
    height = min(Emu(380000) * n, _H - Emu(top) - _M)
    tbl = slide.shapes.add_table(n, len(head), _M, Emu(top), _W - 2 * _M, height).table
    for c, h in enumerate(head):
        tbl.cell(0, c).text = h
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            tbl.cell(r, c).text = v
    for r in range(n):
        for c in range(len(head)):
            for p in tbl.cell(r, c).text_frame.paragraphs:
                p.font.size = Pt(size)


def _channels(root: Path) -> list[dict[str, Any]]:
    from ..profitability.channels import UNKNOWN
    from ..steps import step

    p = root / "work" / step("02").folder / "summary.json"
    if not p.exists():
        return []
    ch = json.loads(p.read_text(encoding="utf-8")).get("channels") or {}
    rows = ch.values() if isinstance(ch, dict) else ch
    return [c for c in rows if isinstance(c, dict) and c.get("channel")
            and c["channel"] != UNKNOWN]


def write_workshop_deck(path: str | Path, root: str | Path, lang: str) -> Path:
    """Write the workshop deck of the engagement in ``root`` in ``lang`` (atomically).

    Parameters
    ----------
    path : str or Path
        The ``.pptx`` to write.
    root : str or Path
        The engagement folder (its settings give the weights; step 2's summary, when present,
        the channels).
    lang : {"ru", "en"}

    Returns
    -------
    Path
    """
    from ..engagement import Engagement
    from ..io import atomic_write_bytes
    from .alignment import ELEMENTS, KPI_OPTIONS, RESOURCE_OPTIONS, STATEMENTS

    eng = Engagement.open(root)
    st = load_strings(lang)
    fmt = Formatter(lang, eng.config.currency)

    def t(key: str, **kw: Any) -> str:
        return st.t(f"kit_docs.deck.{key}", **kw)

    prs = Presentation()
    prs.slide_width, prs.slide_height = _W, _H
    blank = prs.slide_layouts[6]

    s = prs.slides.add_slide(blank)
    _title(s, t("title"), t("subtitle", client=eng.config.client))

    s = prs.slides.add_slide(blank)
    _title(s, t("agenda_title"))
    _bullets(s, [t(f"agenda.{i}") for i in range(1, 6)])

    from ..criteria import CRITERIA

    sel = eng.config.selection
    s = prs.slides.add_slide(blank)
    _title(s, t("criteria_title"), t("criteria_note"))
    rows = []
    for group, weights in (("attractiveness", sel.attractiveness), ("strength", sel.strength)):
        for name, w in weights.items():
            judged = name in CRITERIA and CRITERIA[name].source == "judged"
            rows.append([t(group), t(f"criterion.{name}"), fmt.integer(w),
                         t("source_judged") if judged else t("source_measured")])
    _table(s, ["", t("col_criterion"), t("col_weight"), t("col_source")], rows, top=1700000)

    s = prs.slides.add_slide(blank)
    _title(s, t("vip_title"), t("vip_note"))
    _table(s, [t("col_client"), t("col_why"), t("col_comment")],
           [["", t("vip_why"), ""]] + [["", "", ""] for _ in range(7)], top=1900000)

    s = prs.slides.add_slide(blank)
    channels = _channels(eng.root)
    _title(s, t("channels_title"), t("channels_note"))
    if channels:
        rows = [[str(c["channel"]), fmt.pct(c["contribution_margin"])
                 if c.get("contribution_margin") is not None else "—",
                 "" if c.get("usp_fit") is None else fmt.number(c["usp_fit"], 0)]
                for c in channels]
        _table(s, [t("col_channel"), t("col_margin"), t("col_fit")], rows, top=1900000)
        _bullets(s, [t("channels_from_audit")], top=int(_H) - 900000, size=11)
    else:
        _table(s, [t("col_channel"), t("col_fit")],
               [[t("channel_blank", n=i), ""] for i in range(1, 6)], top=1900000)

    s = prs.slides.add_slide(blank)
    _title(s, t("alignment_title"), t("alignment_note", n=len(STATEMENTS)))
    _table(s, [st.t("kit_alignment.col_element"), st.t("kit_alignment.col_statement")],
           [[st.t(f"kit_alignment.element.{e}"), st.t(f"kit_alignment.statement.{e}_1")]
            for e in ELEMENTS], top=1900000, size=11)

    s = prs.slides.add_slide(blank)
    _title(s, t("practice_title"), t("practice_note"))
    lines = [st.t("kit_alignment.practice.resources")]
    lines += [f"☐ {st.t(f'kit_alignment.practice.resources_options.{o}')}"
              for o in RESOURCE_OPTIONS]
    lines += [st.t("kit_alignment.practice.kpis")]
    lines += [f"☐ {st.t(f'kit_alignment.practice.kpis_options.{o}')}" for o in KPI_OPTIONS]
    _bullets(s, lines, top=1700000, size=13)

    s = prs.slides.add_slide(blank)
    _title(s, t("next_title"))
    _bullets(s, [t(f"next.{i}") for i in range(1, 4)])

    buf = io.BytesIO()
    prs.save(buf)
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path


def slide_texts(path: str | Path) -> list[str]:
    """Every slide's text (its text boxes and table cells joined), for checks and tests."""
    out = []
    for slide in Presentation(str(path)).slides:
        parts = []
        for sh in slide.shapes:
            if sh.has_text_frame:
                parts.append(sh.text_frame.text)
            if getattr(sh, "has_table", False) and sh.has_table:
                parts += [c.text for row in sh.table.rows for c in row.cells]
        out.append("\n".join(parts))
    return out
