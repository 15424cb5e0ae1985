"""One safe way to write a workbook for people: no cell can become a formula or a link.

Client names, codes and notes come from the client's files and are shown to people in Excel
(``review/duplicates.xlsx``, ``review/assessment.xlsx``, ``data_request.xlsx``, the
anonymiser's copy of the assessment). A name such as ``=HYPERLINK("http://x","click")`` or
``+1+1`` must stay text, now and after a person edits the cell or saves the sheet as CSV
(OWASP, *CSV Injection*, https://owasp.org/www-community/attacks/CSV_Injection).

:func:`safe_workbook` returns an xlsxwriter workbook that

- is created with ``strings_to_formulas``, ``strings_to_numbers`` and ``strings_to_urls``
  off, so a string is always written as a string cell;
- neutralises every text cell, whichever method writes it (``write``, ``write_row``,
  ``write_column``, ``write_string``): a text that begins with ``=``, ``+``, ``-``, ``@``,
  a tab or a carriage return gets a leading apostrophe ``'`` (kept in the stored value, so
  it survives a "Save as CSV") and Excel's *quote prefix* style when the cell has no style
  of its own;
- refuses ``write_formula``, ``write_array_formula`` and ``write_url``: the workbench never
  writes them into a sheet for people.

:func:`neutralise` is the rule itself; :func:`safe_csv_row` applies it to a CSV row.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any, cast

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

__all__ = ["FORMULA_TRIGGERS", "SafeWorksheet", "cell_number", "neutralise", "safe_csv_row",
           "safe_workbook", "unneutralise"]

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV Injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False}


def neutralise(text: str) -> tuple[str, bool]:
    """Make ``text`` safe to store in a spreadsheet cell.

    Parameters
    ----------
    text : str
        Any text (client names come from the client's own files).

    Returns
    -------
    tuple of (str, bool)
        The text, prefixed with ``'`` if it begins with one of :data:`FORMULA_TRIGGERS`,
        and whether it was prefixed.

    Examples
    --------
    >>> neutralise('=HYPERLINK("http://x","y")')
    ('\\'=HYPERLINK("http://x","y")', True)
    >>> neutralise("ООО «Акме»")
    ('ООО «Акме»', False)
    """
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text, True
    return text, False


def unneutralise(text: str) -> str:
    """The text a person meant, from a cell :func:`neutralise` wrote (for identifiers read
    back by the workbench: ``'=X`` → ``=X``; other text is returned as it is).

    >>> unneutralise("'=X")
    '=X'
    >>> unneutralise("'plain")
    "'plain"
    """
    if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS):
        return text[1:]
    return text


def safe_csv_row(values: Iterable[Any]) -> list[Any]:
    """A CSV row for people: every text value neutralised (numbers and None unchanged)."""
    return [neutralise(v)[0] if isinstance(v, str) else v for v in values]


class SafeWorksheet(Worksheet):  # type: ignore[misc]  # xlsxwriter ships no types
    """An xlsxwriter worksheet whose text cells are neutralised (see the module)."""

    quoted: Format | None = None

    def _write_string(self, row: int, col: int, string: str,
                      cell_format: Format | None = None) -> int:
        safe, quoted = neutralise(str(string))
        if quoted and cell_format is None:
            cell_format = self.quoted
        return int(super()._write_string(row, col, safe, cell_format))

    def _refuse(self, *_args: Any, **_kwargs: Any) -> int:
        raise TypeError("a workbook for people holds no formulas or links "
                        "(kamlib.workbook.safe_workbook)")

    write_formula = _refuse
    write_array_formula = _refuse
    write_dynamic_array_formula = _refuse
    write_url = _refuse
    write_rich_string = _refuse


class _SafeWorkbook(xlsxwriter.Workbook):  # type: ignore[misc]  # no types either
    """A workbook whose every sheet is a :class:`SafeWorksheet`."""

    def __init__(self, target: Any, options: dict[str, Any] | None = None) -> None:
        super().__init__(target, {**(options or {}), **_OPTIONS})
        self._quoted = self.add_format({"quote_prefix": True})

    def add_worksheet(self, name: str | None = None,
                      worksheet_class: type | None = None) -> SafeWorksheet:
        ws = super().add_worksheet(name, worksheet_class=SafeWorksheet)
        ws.quoted = self._quoted
        return cast(SafeWorksheet, ws)


def safe_workbook(target: str | io.BytesIO, **options: Any) -> xlsxwriter.Workbook:
    """Create a workbook for people in which no cell can be a formula or a link.

    Parameters
    ----------
    target : str or BytesIO
        Where xlsxwriter writes (use a BytesIO with ``in_memory=True`` and write the bytes
        atomically, e.g. :func:`kamlib.io.atomic_write_bytes`).
    **options
        Other xlsxwriter options (``in_memory``, ``remove_timezone`` …). The three
        ``strings_to_*`` options are always off.

    Returns
    -------
    xlsxwriter.Workbook
        Its ``add_worksheet`` returns :class:`SafeWorksheet` sheets.
    """
    return _SafeWorkbook(target, options)


def cell_number(v: object) -> float | None:
    """A number a person typed in a sheet's cell, or ``None`` if it is not one (a finite
    number, or text with a decimal comma and spaces or NBSP between thousands; a boolean is
    not a number). Read by every sheet that comes back from people (assessment, client
    teams)."""
    import math

    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        x = float(v)
    elif isinstance(v, str):
        t = v.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            x = float(t)
        except ValueError:
            return None
    else:
        return None
    return x if math.isfinite(x) else None
