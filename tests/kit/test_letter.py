"""kamlib.kit.letter: the data-request letter, a row per table and finance sheet."""

from __future__ import annotations

import re
from datetime import date

import pytest

from kamlib.engagement import FINANCE_SHEETS
from kamlib.kit.letter import letter_html
from kamlib.schema import TABLES


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_a_row_per_table_and_finance_sheet(lang: str) -> None:
    html = letter_html("Acme", lang, deadline=date(2026, 3, 9))
    rows = re.findall(r"<tr><td>", html)
    # the tables and finance sheets asked for, then three questions for the workshop
    assert len(rows) == len(TABLES) + len(FINANCE_SHEETS) + 3


def test_english_letter() -> None:
    html = letter_html('Acme <"Ltd">', "en", deadline=date(2026, 3, 9), contact="Ann, +7 900")
    assert "To the management of Acme &lt;&quot;Ltd&quot;&gt;" in html
    assert "contact Ann, +7 900." in html
    assert "send the exports by 9 March 2026." in html
    assert "reply to the sender" not in html
    assert html.count("<td>yes</td>") == sum(not t.optional for t in TABLES.values())


def test_without_a_contact_the_letter_says_to_reply() -> None:
    assert "reply to the sender" in letter_html("Acme", "en", deadline=date(2026, 3, 9))
