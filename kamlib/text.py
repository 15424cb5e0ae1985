"""One escaping rule per kind of output, for text that comes from the client's data.

File names, headers and values come from the client's exports and can hold anything: a
terminal escape sequence that clears or retitles the consultant's terminal, a carriage
return that overwrites the line above, a right-to-left override that shows ``exe.txt`` as
``txt.exe``, or HTML that runs a script. Every output of the workbench goes through one of:

- :func:`for_terminal` — everything ``kam`` prints (``kamlib.cli``);
- :func:`for_html` — every HTML text the workbench writes itself (markupsafe's escape, the
  same rule Jinja's autoescape applies in the report templates).

Spreadsheets have their own rule: :mod:`kamlib.workbook`.
"""

from __future__ import annotations

import re
from typing import Any

import markupsafe

__all__ = ["BIDI_CONTROLS", "for_html", "for_terminal", "has_control"]

#: Unicode bidirectional controls: embeddings, overrides, isolates and marks. They reorder
#: what a terminal shows (CVE-2021-42574, "Trojan Source").
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                          "\u2066\u2067\u2068\u2069")

# C0 (but for tab and newline, handled by the caller's choice), DEL, C1, the bidi
# controls, and the line / paragraph separators some terminals treat as newlines.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029"
                      + "".join(sorted(BIDI_CONTROLS)) + "]")
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029"
                          + "".join(sorted(BIDI_CONTROLS)) + "]")


def _visible(m: re.Match[str]) -> str:
    ch = m.group()
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: Any, *, multiline: bool = True) -> str:
    """Return ``text`` safe to print on a terminal: control characters as visible escapes.

    Parameters
    ----------
    text : Any
        What to print (converted with ``str``).
    multiline : bool
        Keep newlines and tabs (default). With ``False`` they are escaped too (for a value
        shown inside one line, e.g. a file name).

    Returns
    -------
    str
        The text with every C0 control but newline and tab, DEL, every C1 control (so no
        ESC or CSI can start an escape sequence), the bidi controls and the Unicode line
        separators replaced by ``\\xNN`` / ``\\uNNNN``.

    Examples
    --------
    >>> for_terminal("sales\\x1b]0;pwned\\x07.csv")
    'sales\\\\x1b]0;pwned\\\\x07.csv'
    >>> for_terminal("a\\tb\\nc")
    'a\\tb\\nc'
    >>> for_terminal("a\\nb", multiline=False)
    'a\\\\x0ab'
    """
    s = text if isinstance(text, str) else str(text)
    return (_CONTROL if multiline else _CONTROL_ALL).sub(_visible, s)


def has_control(text: str) -> bool:
    """Whether ``text`` holds a character :func:`for_terminal` would escape (newline and
    tab included)."""
    return bool(_CONTROL_ALL.search(text))


def for_html(text: Any) -> str:
    """Return ``text`` escaped for HTML (``& < > " '``), as Jinja's autoescape does.

    >>> for_html("<script>alert(1)</script>")
    '&lt;script&gt;alert(1)&lt;/script&gt;'
    """
    return str(markupsafe.escape("" if text is None else str(text)))
