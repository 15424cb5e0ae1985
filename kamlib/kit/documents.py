"""``kam kit``: the engagement kit written into ``<engagement>/kit/`` in one language.

=================================  ==========================================================
``letter_<lang>.html`` / ``.pdf``  the data-request letter (:mod:`kamlib.kit.letter`); the PDF
                                   when WeasyPrint can print here
``data_request.xlsx``              the request workbook, column by column (ru and en sheets;
                                   :func:`kamlib.engagement.write_data_request`)
``interview_guides_<lang>.html``   the interview guides (:mod:`kamlib.kit.guides`)
``workshop_<lang>.pptx``           the management workshop deck (:mod:`kamlib.kit.deck`)
``alignment_<lang>.xlsx``          the alignment questionnaire (:mod:`kamlib.kit.alignment`);
                                   filled, it goes back as ``review/alignment.xlsx``
``roadmap_<lang>.html`` / ``.xlsx``  the 90-day roadmap (:mod:`kamlib.kit.roadmap`)
=================================  ==========================================================

The folder is written aside and swapped in at the end (:class:`kamlib.io.atomic_dir`): a failed
run leaves the previous kit; the other language's files already there are kept.
"""

from __future__ import annotations

import io
import shutil
from datetime import date, timedelta
from pathlib import Path

from ..engagement import Engagement, write_data_request
from ..i18n import LANGUAGES, load_strings
from ..io import atomic_dir, atomic_write_bytes
from .alignment import write_questionnaire
from .deck import write_workshop_deck
from .guides import guides_html
from .letter import letter_html
from .roadmap import roadmap, roadmap_facts, roadmap_html

__all__ = ["DEADLINE_DAYS", "kit_files", "write_kit", "write_roadmap_workbook"]

#: days from today to the data request's deadline, by default
DEADLINE_DAYS = 14


def kit_files(lang: str) -> tuple[str, ...]:
    """The files :func:`write_kit` writes for ``lang`` (the PDF only where it can print)."""
    return (f"letter_{lang}.html", f"letter_{lang}.pdf", "data_request.xlsx",
            f"interview_guides_{lang}.html", f"workshop_{lang}.pptx", f"alignment_{lang}.xlsx",
            f"roadmap_{lang}.html", f"roadmap_{lang}.xlsx")


def write_roadmap_workbook(path: str | Path, plan: object, lang: str) -> Path:
    """The roadmap as a workbook (the safe writer: no cell becomes a formula)."""
    import pandas as pd

    from ..workbook import safe_workbook

    assert isinstance(plan, pd.DataFrame)
    st = load_strings(lang)
    buf = io.BytesIO()
    wb = safe_workbook(buf, in_memory=True)
    ws = wb.add_worksheet(st.t("kit_docs.roadmap.phase.quarter_1")[:31])
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    ws.write(0, 0, st.t("kit_docs.roadmap.title"), wb.add_format({"bold": True,
                                                                  "font_size": 14}))
    ws.write_row(2, 0, [st.t(f"kit_docs.roadmap.col_{c}") for c in
                        ("phase", "action", "owner", "basis")], head)
    for i, r in enumerate(plan.itertuples(index=False), start=3):
        ws.write_row(i, 0, [r.phase, r.action, r.owner, r.basis], wrap)
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 90)
    ws.set_column(2, 3, 28)
    wb.close()
    path = Path(path)
    atomic_write_bytes(path, buf.getvalue())
    return path


def write_kit(root: str | Path, lang: str | None = None, *, deadline: date | None = None,
              contact: str | None = None) -> list[Path]:
    """Write the engagement kit into ``<root>/kit/``.

    Parameters
    ----------
    root : str or Path
        The engagement folder.
    lang : {"ru", "en"}, optional
        The kit's language (default: ``report.language`` of ``engagement.yaml``).
    deadline : date, optional
        The data request's deadline (default: :data:`DEADLINE_DAYS` days from today).
    contact : str, optional
        Whom the client asks about the request (default: the letter says to reply to the
        sender).

    Returns
    -------
    list of Path
        The files written (in the final ``kit/`` folder).
    """
    from ..errors import ConfigError
    from ..report.html import PdfUnavailable, write_pdf

    eng = Engagement.open(root)
    lang = lang or eng.config.report.language
    if lang not in LANGUAGES:
        raise ConfigError("unknown kit language", value=lang,
                          hint=f"use one of {', '.join(LANGUAGES)}")
    deadline = deadline or date.today() + timedelta(days=DEADLINE_DAYS)
    target = eng.root / "kit"
    names: list[str] = []
    with atomic_dir(target) as tmp:
        mine = set(kit_files(lang))
        if target.is_dir():     # keep the other language's files
            for p in target.iterdir():
                if p.is_file() and p.name not in mine:
                    shutil.copy2(p, tmp / p.name)
        letter = letter_html(eng.config.client, lang, deadline=deadline, contact=contact,
                             currency=eng.config.currency)
        atomic_write_bytes(tmp / f"letter_{lang}.html", letter.encode("utf-8"))
        names.append(f"letter_{lang}.html")
        try:
            write_pdf(letter, tmp / f"letter_{lang}.pdf")
            names.append(f"letter_{lang}.pdf")
        except PdfUnavailable:
            pass
        write_data_request(tmp / "data_request.xlsx")
        atomic_write_bytes(tmp / f"interview_guides_{lang}.html",
                           guides_html(lang).encode("utf-8"))
        write_workshop_deck(tmp / f"workshop_{lang}.pptx", eng.root, lang)
        write_questionnaire(tmp / f"alignment_{lang}.xlsx", lang)
        facts = roadmap_facts(eng.root)
        plan = roadmap(facts, lang, currency=eng.config.currency)
        atomic_write_bytes(tmp / f"roadmap_{lang}.html", roadmap_html(
            plan, lang, client=eng.config.client, filled=bool(facts)).encode("utf-8"))
        write_roadmap_workbook(tmp / f"roadmap_{lang}.xlsx", plan, lang)
        names += ["data_request.xlsx", f"interview_guides_{lang}.html", f"workshop_{lang}.pptx",
                  f"alignment_{lang}.xlsx", f"roadmap_{lang}.html", f"roadmap_{lang}.xlsx"]
    return [target / n for n in names]
