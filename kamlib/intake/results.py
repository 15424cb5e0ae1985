"""Results of the intake: the per-file report, the IntakeResult, and the constants and
small helpers every part of the intake shares (money scale, name keys).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import polars as pl

from ..errors import KamError
from ..legal_forms import NAME_KEY_FORMS, abbreviations
from ..parse import (
    MAX_INT_DIGITS,
    minor_to_str,
)
from ..schema import TABLES, header_key

if TYPE_CHECKING:
    import pandas as pd


SCALE = 2  # money minor units: kopecks / cents


#: the exact range of one amount: below 10**13 currency units (sums of a million rows fit int64)
_MAX_MINOR = 10 ** (MAX_INT_DIGITS + SCALE)


_TOTALS_RE = r"(?i)^\s*(итого|всего|итог|итоги|общий\s+итог|total|grand total|totals)\b"


_RETURN_RE = r"(?i)(возврат|return|credit note|кредит-нота|сторно)"


#: the reasons of sales lines set aside on purpose, not for how they were read: a line
#: outside the audit period, a draft document, one marked for deletion, one repeating a line
#: of another file (kept among the rejected with their money; a file of them is not "mostly
#: rejected"): each reason holds its marker
OUTSIDE_PERIOD = "outside the audit period"
NOT_POSTED = "not posted"
MARKED_DELETED = "marked for deletion"
DROPPED_OVERLAP = "intake.drop_overlapping"
SET_ASIDE = (OUTSIDE_PERIOD, NOT_POSTED, MARKED_DELETED, DROPPED_OVERLAP)

_GENERIC_NET = {header_key(x) for x in ("Выручка", "Сумма выручки", "Revenue",
                                         "Sales revenue")}


#: legal forms the name key drops: a named subset of the one list (kamlib.legal_forms)
_LEGAL_FORMS = abbreviations(NAME_KEY_FORMS)


_TRANSACTION_TABLES = ("sales", "activities", "payments", "contacts", "assessment")


#: dates of events that have happened: a value in the future or before 1990 is a typo
_EVENT_DATES = {("sales", "date"), ("activities", "date"), ("payments", "paid_date")}


_EARLIEST = date(1990, 1, 1)


@dataclass
class FileReport:
    """What happened to one input file (or worksheet): the manifest's entry for it."""

    file: str
    sheet: str | None = None
    sha256: str = ""
    size_bytes: int = 0
    table: str | None = None
    detected_by: str = ""
    encoding: str | None = None
    delimiter: str | None = None
    header_row: int | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    rows_skipped: dict[str, int] = field(default_factory=dict)
    money: dict[str, dict[str, Any]] = field(default_factory=dict)
    totals_row: dict[str, dict[str, Any]] | None = None
    period: list[str] | None = None
    returns: dict[str, Any] | None = None
    rounding: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: "line" (a register: one row per document line) or "period" (a client's totals for
    #: the period of a report form, with no dates per row)
    sales_level: str = "line"
    period_from_title: list[str] | None = None
    #: counts a report form's footer states (``Торговых точек АКБ: 109`` →
    #: ``{"delivery_points": 109}``), checked against the rows
    footer_counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    #: the notes added by :meth:`note`, as reason codes with their figures (``reason.note_*``
    #: of ``templates/i18n/<lang>/intake.yaml``) for a surface to phrase in its language;
    #: ``notes`` holds every note in English
    note_reasons: list[dict[str, Any]] = field(default_factory=list)

    def note(self, code: str, **args: Any) -> None:
        """Add a note as a reason code with its figures, and its English text to ``notes``."""
        from ..i18n import Formatter, load_strings, say
        from ..units import reason

        r = reason(code, **args)
        self.note_reasons.append(r)
        self.notes.append(say(r, load_strings("en"), Formatter("en")))

    @property
    def label(self) -> str:
        """``file`` or ``file[sheet]``."""
        return f"{self.file}[{self.sheet}]" if self.sheet else self.file


class Said(str):
    """A warning in English that keeps its reason code (``reason``: code and figures), for a
    surface to phrase in its own language (:func:`phrase_warning`)."""

    reason: dict[str, Any]


def phrase_warning(reason: dict[str, Any], lang: str, currency: str = "RUB") -> str:
    """An intake warning (``reason.warn_*`` of ``templates/i18n/<lang>/intake.yaml``) in
    ``lang``: amounts in minor units (``*_minor``) as the intake writes them in English
    (``17250.24``) or as money in Russian (``17 250,24 ₽``), counts in the language's style,
    names (a list) quoted, a table by its name."""
    from ..i18n import Formatter, load_strings

    fmt, st = Formatter(lang, currency), load_strings(lang)
    kw: dict[str, Any] = {}
    for k, v in (reason.get("args") or {}).items():
        if isinstance(v, list):          # names the data bring, quoted
            kw[k] = ", ".join(f"'{n}'" if lang == "en" else f"«{n}»" for n in v)
        elif k == "table" and lang != "en":
            kw[k] = st.get(f"table_name.{v}", v)
        elif k.endswith("_minor"):
            kw[k] = _money_str(v) if lang == "en" else fmt.money(int(v or 0) / 10**SCALE)
        elif isinstance(v, int) and not isinstance(v, bool) and lang != "en":
            kw[k] = fmt.integer(v)
        else:
            kw[k] = v
    return st.t(f"reason.{reason['code']}", **kw)


def said(code: str, **args: Any) -> Said:
    """A warning of the intake as a reason code with its figures: its English text, which
    keeps the code (``.reason``)."""
    from ..units import reason

    r = reason(code, **args)
    out = Said(phrase_warning(r, "en"))
    out.reason = r
    return out


def phrase_notes(report: Any, lang: str, currency: str = "RUB") -> list[str]:
    """The notes on one file (a :class:`FileReport` or its manifest entry) in ``lang``: a note
    recorded with :meth:`FileReport.note` is phrased from its code; any other keeps its text
    (English), in its place."""
    from ..i18n import Formatter, load_strings, say

    entry: dict[str, Any] = report if isinstance(report, dict) else asdict(report)
    english, here = load_strings("en"), load_strings(lang)
    phrased = {say(r, english, Formatter("en")): say(r, here, Formatter(lang, currency))
               for r in entry.get("note_reasons") or []}
    return [phrased.get(n, n) for n in entry.get("notes") or []]


@dataclass
class IntakeResult:
    """The canonical tables and the account of how they were made.

    Attributes
    ----------
    tables : dict of str to pl.DataFrame
        Canonical tables (see ``DESIGN.md``), each with ``source_file`` and ``source_row``.
    rejected : pl.DataFrame
        One row per rejected source row: file, sheet, row, table, column, value, reason,
        and the row's amount (``amount``) so rejected money stays visible.
    issues : pl.DataFrame
        Cell-level problems that did not reject the row (the value was left empty).
    files : list of FileReport
        Per input file: mapping, counts, money totals, totals-row check.
    errors : list of KamError
        Problems that make the intake unusable (a required table or column missing, an
        unreadable file). ``kam check`` lists them and exits non-zero.
    warnings : list of str
        Engagement-level remarks (assumptions made, narrowed analyses).
    """

    tables: dict[str, pl.DataFrame]
    rejected: pl.DataFrame
    issues: pl.DataFrame
    files: list[FileReport]
    errors: list[KamError]
    warnings: list[str]
    control: dict[str, Any]
    seconds: float = 0.0
    #: files of raw/ not read, each with the reason (the reader policy of ``_list_raw``)
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    #: sales files covering the same days, with their money (``intake/overlaps.py``)
    overlaps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing fatal was found."""
        return not self.errors

    def table(self, name: str) -> pd.DataFrame:
        """Return a canonical table as a pandas DataFrame (empty if not given)."""
        import pandas as pd  # only for callers who want pandas; `kam check` does not

        if name not in self.tables:
            cols = [f.name for f in TABLES[name].canonical]
            return pd.DataFrame(columns=cols)
        return self.tables[name].to_pandas()

    def manifest(self) -> dict[str, Any]:
        """The intake part of ``work/manifest.json``."""
        return {
            "files": [asdict(f) for f in self.files],
            "tables": {k: {"rows": v.height} for k, v in self.tables.items()},
            "rejected_rows": self.rejected.height,
            "issues": self.issues.height,
            "control_totals": self.control,
            "errors": [e.to_dict() for e in self.errors],
            "warnings": self.warnings,
            # the warnings' reason codes (None for a warning without one), in their order
            "warning_reasons": [getattr(w, "reason", None) for w in self.warnings],
            "skipped_files": self.skipped_files,
            "overlaps": self.overlaps,
            "seconds": round(self.seconds, 3),
        }


def name_key(name: str | None) -> str | None:
    """Exact-match key of a company name: case, ё, quotes, spacing and legal-form position.

    ``ООО «Вектор»``, ``ООО "Вектор"``, ``ооо  вектор`` and ``Вектор ООО`` share a key. This
    is for attaching transactions to the catalogue only; step 1 does the real matching.
    """
    if name is None:
        return None
    s = unicodedata.normalize("NFKC", str(name)).casefold().replace("ё", "е")
    s = re.sub(r"[«»\"'„“”‘’`]", " ", s)
    s = re.sub(r"[^\w\s.-]", " ", s)
    tokens = s.replace(".", " ").split()
    forms = [t for t in tokens if t in _LEGAL_FORMS]
    core = [t for t in tokens if t not in _LEGAL_FORMS]
    return (" ".join(forms[:1]) + "|" + " ".join(core)) if core else None


def _num_str(x: float) -> str:
    """A quantity without float noise or exponent: 2620440.0 → '2620440', 2.5 → '2.5'."""
    return f"{x:.6f}".rstrip("0").rstrip(".")


def _money_str(minor: int | float | Decimal | None) -> str:
    return minor_to_str(int(minor or 0), SCALE)
