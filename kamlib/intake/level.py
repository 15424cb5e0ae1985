"""What the intake's sales are: document lines (a register) or a client's totals for a
period (a report form with no date per row), read back by the steps that need dates.

Period-level sales carry no order dates: the steps that measure dormancy, loss, newness,
order frequency, seasonality or per-order cost-to-serve narrow what they claim and say so,
with the codes of :data:`NARROWED` (phrased in ``templates/i18n/<lang>/reasons.yaml``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

__all__ = ["NARROWED", "SalesLevel", "narrowed_notes", "sales_level"]

#: reason codes of what period-level sales narrow, per step
NARROWED: dict[str, tuple[str, ...]] = {
    "01": ("period_level_status",),
    "02": ("period_level_orders", "period_level_seasonality"),
}


@dataclass(frozen=True)
class SalesLevel:
    """``level`` is ``"line"`` or ``"period"``; for period-level sales, the period their
    totals cover (from the report's title)."""

    level: str = "line"
    start: date | None = None
    end: date | None = None

    @property
    def period(self) -> bool:
        """True for period-level sales."""
        return self.level == "period"

    def reasons(self, step: str) -> list[dict[str, Any]]:
        """The narrowing of step ``step`` as reason codes with their figures (empty for
        line-level sales)."""
        from ..units import reason

        if not self.period:
            return []
        args = {"start": str(self.start) if self.start else "—",
                "end": str(self.end) if self.end else "—"}
        return [reason(code, **args) for code in NARROWED.get(step, ())]


def sales_level(intake_dir: str | Path) -> SalesLevel:
    """The level of the sales of step 0's folder (its ``summary.json`` and the manifest's
    files in it); line-level when the summary says nothing."""
    path = Path(intake_dir) / "summary.json"
    try:
        summary = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return SalesLevel()
    if summary.get("sales_level") != "period":
        return SalesLevel()
    period = summary.get("sales_period") or summary.get("period") or [None, None]
    start, end = (date.fromisoformat(str(p)[:10]) if p else None for p in period[:2])
    return SalesLevel("period", start, end)


def narrowed_notes(reasons: list[dict[str, Any]], lang: str, currency: str = "RUB"
                   ) -> list[str]:
    """The reasons phrased in ``lang`` (a step's ``StepResult.notes``)."""
    from ..i18n import Formatter, load_strings, say

    strings, fmt = load_strings(lang), Formatter(lang, currency)
    return [say(r, strings, fmt) for r in reasons]
