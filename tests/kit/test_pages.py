"""kamlib.kit.pages: the kit's HTML page, every text escaped, nothing loaded from outside."""

from __future__ import annotations

from kamlib.kit.pages import esc, page, table


def test_esc_quotes_too() -> None:
    assert esc('<b a="1">R&D\'s</b>') == "&lt;b a=&quot;1&quot;&gt;R&amp;D&#x27;s&lt;/b&gt;"
    assert esc(12.5) == "12.5"


def test_table_escapes_every_cell() -> None:
    html = table(["Клиент", "<th>"], [("ООО «Акме»", "<script>x</script>"), (1, None)])
    assert html == ("<table><thead><tr><th>Клиент</th><th>&lt;th&gt;</th></tr></thead><tbody>"
                    "<tr><td>ООО «Акме»</td><td>&lt;script&gt;x&lt;/script&gt;</td></tr>"
                    "<tr><td>1</td><td>None</td></tr></tbody></table>")


def test_page_escapes_title_and_loads_nothing() -> None:
    html = page("A <b>title</b>", "<p>body</p>", "en")
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>A &lt;b&gt;title&lt;/b&gt;</title>" in html
    assert "<body><p>body</p></body>" in html                    # the body is HTML already
    assert "http" not in html and "<link" not in html and "src=" not in html
