"""The report model: what the deliverable says, built once, rendered into every format.

The model is read from the steps' artefacts (``work/<step>/summary.json``, their Parquet
tables and ``work/manifest.json``), never re-computed: every number in it carries the
artefact and key it came from (:attr:`Fact.source`), so a figure in the PDF can be traced to
the function that wrote it. Renderers (:mod:`.html`, :mod:`.xlsx`, :mod:`.pptx`) take a
:class:`ReportModel` and only lay it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd

from ..i18n import Formatter, Strings

__all__ = [
    "Action",
    "BoardSlide",
    "Chart",
    "Column",
    "Fact",
    "Finding",
    "Message",
    "Method",
    "Provenance",
    "ReportModel",
    "ReviewItem",
    "Section",
    "Table",
    "is_missing",
]

def is_missing(x: Any) -> bool:
    """A value the renderers show as missing: None, NaN, NaT or pd.NA (a container is never
    "missing")."""
    if x is None:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):  # an array-like: its truth value is ambiguous
        return False


Kind = Literal["text", "money", "money_short", "int", "number", "pct", "date"]


@dataclass
class Fact:
    """One number of the report with its label, its formatted text and where it came from.

    ``value`` is the raw figure (money in currency units, shares as fractions 0–1);
    ``display`` is ``value`` formatted for the report's language; ``source`` is
    ``"<step>/<artefact>#<key path>"``,
    e.g. ``"02_profitability/summary.json#totals.contribution"``.
    """

    key: str
    label: str
    value: Any
    display: str
    kind: Kind
    source: str


@dataclass
class Finding:
    """An executive-summary finding: the number that matters and one sentence."""

    key: str
    headline: str          # the number, formatted ("−34,2 млн ₽", "40,0 %")
    sentence: str          # one sentence saying what it means
    fact: Fact             # the figure behind the headline (its value and source)
    severity: Literal["high", "medium", "info"] = "info"


@dataclass
class Column:
    """A column of a report table: its key in :attr:`Table.data`, label and kind."""

    key: str
    label: str
    kind: Kind = "text"


@dataclass
class Table:
    """A table of the report (and a sheet of the Excel workbook).

    ``data`` holds raw values under the :class:`Column` keys, in order (money in currency
    units, shares as fractions); the renderers format them. ``preview_rows`` is how many rows
    the HTML/PDF shows (the workbook always has all).
    """

    key: str
    title: str
    columns: list[Column]
    data: pd.DataFrame
    source: str
    note: str = ""
    preview_rows: int = 15
    sheet: str = ""        # Excel sheet name (≤ 31 characters); defaults to the key
    print_columns: list[str] | None = None   # the columns the HTML/PDF shows (default: all
    #                                          that fit the page, leading first)


@dataclass
class Chart:
    """A chart: its data (for native PowerPoint charts) and a PNG in the report's language.

    ``kind`` says how to draw it natively: ``line`` (x numeric, one or more y series),
    ``bar`` (categories in ``x``, horizontal bars), ``column`` (categories in ``x``, one
    column per ``y`` series), ``scatter`` (x, y, with ``label`` naming points).
    ``series`` maps each ``y`` column to its legend label.
    """

    key: str
    title: str
    kind: Literal["line", "bar", "column", "scatter"]
    data: pd.DataFrame
    x: str
    y: list[str]
    x_label: str
    y_label: str
    series: dict[str, str]
    png: bytes
    caption: str
    source: str
    label: str | None = None
    y_format: Literal["pct", "money", "number"] = "number"
    group: str | None = None        # scatter: a column whose values are the series
    highlight: str | None = None    # scatter: the series drawn last, dark and outlined
    size: str | None = None         # scatter: a column the marker area is proportional to
    threshold: float | None = None  # scatter: quadrant lines at x = y = threshold
    axis: tuple[float, float] | None = None   # scatter: both axes' range
    quadrants: dict[str, str] | None = None   # scatter with a threshold: the four quadrants'
    #                                           names (top-right, top-left, bottom-right,
    #                                           bottom-left)


@dataclass
class Section:
    """A section of the report: one audit step (or the recommendations)."""

    key: str
    title: str
    lead: str                              # the answer to the step's question, one paragraph
    facts: list[Fact] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)   # keys of ReportModel.charts
    tables: list[str] = field(default_factory=list)   # keys of ReportModel.tables


@dataclass
class Method:
    """A formula of the methodology appendix with its source."""

    step: str
    name: str
    formula: str
    source: str


@dataclass
class Provenance:
    """Where the report's numbers came from."""

    run_started: str | None
    run_finished: str | None
    report_date: str
    versions: dict[str, str]
    parameters: dict[str, Any]
    inputs: pd.DataFrame            # file, sheet, table, sha256, size_bytes, rows_read,
    #                                 rows_accepted, rows_rejected, money_accepted, money_rejected
    control_totals: list[Fact]
    merge_decisions: pd.DataFrame   # the decisions applied in step 1 (may be empty)
    steps: pd.DataFrame             # step, title, status, finished, seconds


@dataclass
class ReportModel:
    """Everything the deliverable says, in one language."""

    language: str
    client: str
    currency: str
    period: tuple[str, str]
    title: str
    subtitle: str
    generated: str                  # ISO date-time of the report build
    strings: Strings
    fmt: Formatter
    findings: list[Finding]         # the five that matter
    sections: list[Section]         # one per step, then recommendations
    recommendations: list[str]
    methods: list[Method]
    provenance: Provenance
    tables: dict[str, Table]
    charts: dict[str, Chart]
    engagement_dir: str = ""
    summary: list[Message] = field(default_factory=list)    # the executive summary, ranked
    actions: list[Action] = field(default_factory=list)     # the client's recommendations
    homework: list[str] = field(default_factory=list)       # before the final report
    review: list[ReviewItem] = field(default_factory=list)  # open items: DRAFT while any
    board: list[BoardSlide] = field(default_factory=list)   # the deck's storyline, in order

    @property
    def final(self) -> bool:
        """FINAL when no review item is open, DRAFT otherwise."""
        return not self.review

    @property
    def status_label(self) -> str:
        """``ЧЕРНОВИК``/``DRAFT`` or ``ИТОГОВАЯ ВЕРСИЯ``/``FINAL`` in the report's language."""
        return self.t("story.status.final" if self.final else "story.status.draft")

    def t(self, key: str, /, **kw: Any) -> str:
        """Shortcut for ``self.strings.t``."""
        return self.strings.t(key, **kw)


@dataclass
class Message:
    """A message of the executive summary: one sentence with its figure and what it means.

    ``fact`` is the money at stake (typed, read from a step's summary); ``at_stake`` its
    absolute amount, by which the messages are ranked; ``finding`` the key of the
    :class:`Finding` it summarises.
    """

    key: str
    sentence: str
    meaning: str
    fact: Fact
    at_stake: float
    finding: str
    title: str = ""       # the action title (the conclusion with its figure), for a slide


@dataclass
class Action:
    """A recommendation the client decides: who (a role at the client), by when, the money it
    moves and the finding it answers."""

    key: str
    text: str
    owner: str            # role key (story.OWNERS)
    owner_label: str
    horizon: str          # horizon key (story.HORIZONS)
    horizon_label: str
    money: Fact | None
    answers: str          # the key of the finding it answers
    answers_label: str = ""


@dataclass
class ReviewItem:
    """An open review item that keeps the report a DRAFT (undecided duplicates, unassessed
    clients, default cost rates)."""

    key: str
    text: str
    count: int


@dataclass
class BoardSlide:
    """A slide of the deck's storyline (:mod:`kamlib.report.board`), in the order of a board
    meeting: its action title (the conclusion with its figures), the typed facts those
    figures are (read from the steps' summaries), and what the slide shows.

    ``names`` are the words from the client's data the title holds (a client's or a
    channel's name); ``table`` is ``(header, rows, note)`` with the cells already written
    for people; ``chart`` the key of a chart of :attr:`ReportModel.charts`.
    """

    key: str
    title: str
    facts: list[Fact]
    bullets: list[str] = field(default_factory=list)
    chart: str | None = None
    table: tuple[list[str], list[list[str]], str] | None = None
    names: list[str] = field(default_factory=list)
