"""One exception family for everything a user can get wrong.

Modelled on papermill's shallow hierarchy: a base class carrying context, a few children by
responsibility. Every error names where the problem is (file, row, column, value) and says
what to do; the CLI prints it without a traceback.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "InputError",
    "KamError",
    "ReconciliationError",
    "ReportError",
    "SchemaError",
    "StepError",
]


class KamError(Exception):
    """Base class of the workbench's errors: a message with its context and a remedy.

    Parameters
    ----------
    message : str
        What is wrong, in plain words.
    file, sheet : str, optional
        The input file (and worksheet) concerned.
    row : int, optional
        The 1-based row as the user sees it (line of a text file, worksheet row of an xlsx).
    column : str, optional
        The column header as it appears in the file (or the canonical name).
    value : Any, optional
        The offending value.
    hint : str, optional
        What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        value: Any = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.sheet = sheet
        self.row = row
        self.column = column
        self.value = value
        self.hint = hint
        super().__init__(self.__str__())

    def where(self) -> str:
        """Return the location part of the message, e.g. ``sales.csv, row 7, column 'Сумма'``."""
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.sheet:
            parts.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        if self.value is not None:
            shown = str(self.value)
            if len(shown) > 80:
                shown = shown[:77] + "..."
            parts.append(f"value '{shown}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  What to do: {self.hint}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Return the error as a JSON-friendly dict (for manifests and logs)."""
        return {
            "type": type(self).__name__,
            "message": self.message,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": None if self.value is None else str(self.value),
            "hint": self.hint,
        }


class InputError(KamError):
    """A raw input file cannot be read or understood (encoding, format, layout)."""


class SchemaError(KamError):
    """A required table or column is missing, or a column mapping is wrong."""


class ConfigError(KamError):
    """``engagement.yaml`` or a notebook parameter is invalid."""


class ReconciliationError(KamError):
    """Money in does not equal money out at a hand-over: a bug or a corrupted artefact."""


class StepError(KamError):
    """An audit step failed while running; names the notebook and the cell."""


class ReportError(KamError):
    """The report cannot be built: a step failed, was not run, or its artefacts are stale."""
