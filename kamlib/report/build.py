"""Build the :class:`~kamlib.report.model.ReportModel` from a finished run's artefacts.

Nothing is re-computed: the figures are read from ``work/<step>/summary.json`` and the steps'
Parquet tables; each :class:`~kamlib.report.model.Fact` names the artefact and key it came
from. A report cannot be built from a failed, partial or stale run
(:func:`check_run` says which step and what to do).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ..engagement import Engagement
from ..i18n import Formatter, load_strings
from . import story
from .alignment import alignment_section

# the builders and helpers live in their own modules (issue 20); the names other modules and
# tests import from ``kamlib.report.build`` are re-exported here
from .artefacts import REPORT_STEPS, Artefacts, check_run, load_artefacts
from .board import board_slides
from .findings import _findings, _recommendations
from .helpers import _Ctx, _table, localise  # noqa: F401  (re-exported)
from .model import Chart, ReportModel, Section, Table
from .provenance import METHOD_IDS, _methods, _provenance  # noqa: F401  (re-exported)
from .sections.cleanup import _cleanup_section
from .sections.intake import _intake_section
from .sections.profitability import _profit_section
from .sections.selection import _selection_section
from .sections.sizing import _sizing_section
from .strategy import _strategy_section

__all__ = ["REPORT_STEPS", "Artefacts", "build_model", "check_run", "load_artefacts"]


# --------------------------------------------------------------------------- the model


def build_model(engagement_dir: str | Path, language: str | None = None, *,
                artefacts: Artefacts | None = None) -> ReportModel:
    """The report model of a finished run, in ``language`` (default: ``report.language``).

    Parameters
    ----------
    engagement_dir : path
        The engagement folder (after ``kam run``).
    language : {"ru", "en"}, optional
        The report's language; defaults to ``engagement.yaml``'s ``report.language``.
    artefacts : Artefacts, optional
        Already loaded artefacts (to build several languages from one read).

    Raises
    ------
    ReportError
        The run failed, is partial or stale (:func:`check_run`).
    """
    eng = Engagement.open(engagement_dir)
    art = artefacts or load_artefacts(eng.root)
    lang = language or eng.config.report.language
    strings = load_strings(lang)
    fmt = Formatter(lang, eng.config.currency)
    ctx = _Ctx(art, strings, fmt)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    sections: list[Section] = []
    tables: dict[str, Table] = {}
    charts: dict[str, Chart] = {}
    from .cash import cash_section  # the cash subsection of step 2
    from .cost_pools import cost_pools_section  # the company's own cost pools (step 2)
    from .teams import teams_section

    for build in (_intake_section, _cleanup_section, _profit_section, cost_pools_section,
                  cash_section, _selection_section, _strategy_section, _sizing_section,
                  teams_section,
                  alignment_section):  # the second front (kamlib.report.alignment)
        sec, tbs, chs = build(ctx)
        sections.append(sec)
        tables.update(tbs)
        charts.update(chs)
    prov, inputs_table = _provenance(ctx, now)
    tables["inputs"] = inputs_table
    actions = story.actions(ctx)   # the client's decisions: owner, horizon, money (story.py)
    recs = [a.text for a in actions] or _recommendations(ctx)
    sections.append(Section("recommendations", ctx.t("section.recommendations"),
                            ctx.t("recommendations.lead"), bullets=recs))
    order = ["client_pnl", "group_pnl", "loss_makers", "entities", "merges", "status",
             "key_clients", "single_point", "channels", "dependency", "vip", "team_plan",
             "assignment", "service_tiers", "kpis", "inputs"]
    # the tables in reading order; one a section adds that the list does not name comes last,
    # never dropped
    tables = {**{k: tables[k] for k in order if k in tables},
              **{k: v for k, v in tables.items() if k not in order}}
    period = tuple(art.summaries["00"].get("period") or ["", ""])
    review = story.review_items(ctx)   # the storyline (kamlib.report.story)
    summary = story.messages(ctx)
    # the deck's slides in the order of a board meeting, with action titles (board.py)
    board = board_slides(ctx, summary=summary, actions=actions, sections=sections,
                         tables=tables, charts=charts)
    return ReportModel(
        language=lang, client=eng.config.client, currency=eng.config.currency,
        period=(str(period[0]), str(period[1])), title=ctx.t("report.title"),
        subtitle=ctx.t("report.subtitle", client=eng.config.client),
        generated=now, strings=strings, fmt=fmt, findings=_findings(ctx), sections=sections,
        recommendations=recs, methods=_methods(ctx), provenance=prov, tables=tables,
        charts=charts, engagement_dir=str(eng.root), summary=summary,
        actions=actions, homework=story.homework(ctx, review), review=review, board=board)
