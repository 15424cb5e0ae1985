"""kamlib.text: what reaches a terminal or an HTML page from the client's data."""

from __future__ import annotations

from kamlib.text import BIDI_CONTROLS, for_html, for_terminal, has_control


def test_escape_sequences_become_visible() -> None:
    assert for_terminal("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert for_terminal("x\rover") == "x\\x0dover"
    assert for_terminal("del\x7f c1\x9b") == "del\\x7f c1\\x9b"


def test_newline_and_tab_kept_unless_one_line() -> None:
    assert for_terminal("a\tb\nc") == "a\tb\nc"
    assert for_terminal("a\tb\nc", multiline=False) == "a\\x09b\\x0ac"


def test_bidi_override_and_line_separator_escaped() -> None:
    assert "\u202e" in BIDI_CONTROLS
    assert for_terminal("report\u202etxt.exe") == "report\\u202etxt.exe"
    assert for_terminal("a\u2028b") == "a\\u2028b"


def test_plain_text_unchanged_and_has_control() -> None:
    name = "ООО «Ромашка» — Москва"
    assert for_terminal(name) == name and not has_control(name)
    assert has_control("a\nb") and has_control("x\u200f")
    assert for_terminal(12.5) == "12.5"


def test_for_html() -> None:
    assert for_html('<a href="x">Tom & Jerry\'s</a>') == \
        "&lt;a href=&#34;x&#34;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
    assert for_html(None) == ""
