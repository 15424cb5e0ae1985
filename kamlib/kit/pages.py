"""One small HTML page layout for the kit's documents (letter, interview guides, roadmap).

Every text is escaped; the page loads nothing from outside (styles inline), so WeasyPrint can
print it to PDF offline as it prints the report (:func:`kamlib.report.html.write_pdf`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

__all__ = ["esc", "page", "table"]

_CSS = """
@page { size: A4; margin: 20mm 18mm; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 10.5pt;
       color: #222; line-height: 1.45; max-width: 180mm; margin: auto; }
h1 { font-size: 17pt; color: #1F4E79; margin-bottom: 4pt; }
h2 { font-size: 13pt; color: #1F4E79; margin-top: 16pt; border-bottom: 1px solid #BDD7EE; }
h3 { font-size: 11pt; margin-top: 10pt; }
table { border-collapse: collapse; width: 100%; margin: 6pt 0; }
th, td { border: 1px solid #BFBFBF; padding: 3pt 5pt; vertical-align: top; text-align: left; }
th { background: #DDEBF7; }
.need { color: #595959; font-size: 9pt; }
.muted { color: #595959; }
"""


def esc(text: object) -> str:
    """``text`` escaped for HTML."""
    return escape(str(text), quote=True)


def table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """An HTML table of escaped cells."""
    out = ["<table><thead><tr>", *(f"<th>{esc(h)}</th>" for h in head), "</tr></thead><tbody>"]
    for r in rows:
        out.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def page(title: str, body: str, lang: str) -> str:
    """A complete HTML page: ``title`` (escaped) and ``body`` (already HTML)."""
    return (f'<!DOCTYPE html>\n<html lang="{esc(lang)}"><head><meta charset="utf-8">'
            f"<title>{esc(title)}</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>\n")
