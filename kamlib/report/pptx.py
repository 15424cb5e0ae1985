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
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree
from pptx import Presentation
from pptx.exc import PackageNotFoundError

from ..errors import ConfigError
from ..io import atomic_write_bytes
from ..resources import templates_dir
from .model import ReportModel

# the deck's parts live in their own modules (issue 20): its ground (pptx_base), charts
# (pptx_charts), report slides (pptx_slides), board slides and appendix (pptx_board)
from .pptx_base import MAX_BULLETS, MAX_FACTS
from .pptx_board import _BoardSlides
from .pptx_charts import chart_data

__all__ = ["MAX_BOARD_SLIDES", "MAX_SLIDES", "NAMED_CHARTS", "chart_data", "default_master",
           "write_pptx"]

#: The deck's slide budget: optional slides (continuations, extra charts) stop here.
MAX_SLIDES = 15
#: The budget of a deck with a storyline (kamlib.report.board): the board's slides, then the
#: appendix (the consultant's list, one slide per step, methods, provenance, other charts).
MAX_BOARD_SLIDES = 28
#: Charts that always get a slide of their own, in this order when no section names them.
NAMED_CHARTS = ("whale_curve", "concentration", "portfolio_matrix", "channels", "fte")


def default_master() -> Path:
    """``templates/report/master.pptx`` (made by ``templates/report/make_master.py``)."""
    return templates_dir() / "report" / "master.pptx"


class _Deck(_BoardSlides):
    """A presentation being built: layouts, geometry, footers (:class:`.pptx_base._DeckBase`),
    its slides (:mod:`.pptx_slides`, :mod:`.pptx_charts`, :mod:`.pptx_board`)."""


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
