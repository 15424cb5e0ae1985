"""Make ``templates/report/master.pptx``, the slide master of the PowerPoint report.

Run from the repository root: ``.venv/bin/python templates/report/make_master.py``.

The master is python-pptx's default template made 16:9 (13.333 × 7.5 in): every placeholder
of the master and its layouts is stretched horizontally by 4/3, the text styles get smaller
left-aligned titles, and the theme gets sober colours and Arial (present on Windows, macOS
and, through Liberation Sans, Linux; it has Cyrillic). A firm can replace the file with its
own master: :func:`kamlib.report.pptx.write_pptx` finds the layouts it needs by name
("Title Slide", "Title and Content", "Title Only", "Blank") and falls back to their usual
positions, and it sizes everything from the master's slide size.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree
from pptx import Presentation
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.util import Emu

WIDTH, HEIGHT = Emu(12_192_000), Emu(6_858_000)      # 13.333 × 7.5 in
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_P = "http://schemas.openxmlformats.org/presentationml/2006/main"
NS = {"a": _A, "p": _P}

#: Theme colours: navy text and accents, one warm accent for what needs a decision.
COLOURS = {
    "dk2": "1F3864", "lt2": "E7E6E6",
    "accent1": "1F4E79", "accent2": "C55A11", "accent3": "7F7F7F",
    "accent4": "2E75B6", "accent5": "548235", "accent6": "BF9000",
    "hlink": "2E75B6", "folHlink": "7030A0",
}
FONT = "Arial"
#: Text sizes (hundredths of a point) of the master's title and body levels 1–5.
TITLE_SIZE = 3000
BODY_SIZES = (2200, 2000, 1800, 1600, 1600)


def _theme(blob: bytes) -> bytes:
    root = etree.fromstring(blob)
    root.set("name", "KAM Audit")
    scheme = root.find(".//a:clrScheme", NS)
    scheme.set("name", "KAM Audit")
    for name, rgb in COLOURS.items():
        slot = scheme.find(f"a:{name}", NS)
        for child in list(slot):
            slot.remove(child)
        etree.SubElement(slot, f"{{{_A}}}srgbClr", val=rgb)
    fonts = root.find(".//a:fontScheme", NS)
    fonts.set("name", "KAM Audit")
    for latin in fonts.findall("a:majorFont/a:latin", NS) + fonts.findall("a:minorFont/a:latin",
                                                                           NS):
        latin.set("typeface", FONT)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _text_styles(master_el: etree._Element) -> None:
    title = master_el.find("p:txStyles/p:titleStyle/a:lvl1pPr", NS)
    title.set("algn", "l")
    title.find("a:defRPr", NS).set("sz", str(TITLE_SIZE))
    title.find("a:defRPr", NS).set("b", "1")
    body = master_el.find("p:txStyles/p:bodyStyle", NS)
    for level, size in enumerate(BODY_SIZES, start=1):
        ppr = body.find(f"a:lvl{level}pPr", NS)
        if ppr is not None:
            ppr.find("a:defRPr", NS).set("sz", str(size))


def _stretch(shapes, factor: float) -> None:
    for shape in shapes:
        if shape._element.xfrm is None or shape.left is None or shape.width is None:
            continue   # inherits its position from the master, stretched there
        shape.left = Emu(round(shape.left * factor))
        shape.width = Emu(round(shape.width * factor))


def make_master(path: Path) -> Path:
    """Write the 16:9 master to ``path`` (no slides, the default template's 11 layouts)."""
    prs = Presentation()
    factor = WIDTH / prs.slide_width
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    master = prs.slide_master
    _stretch(master.shapes, factor)
    for layout in prs.slide_layouts:
        _stretch(layout.placeholders, factor)
    _text_styles(master._element)
    theme = master.part.part_related_by(RT.THEME)
    theme._blob = _theme(theme.blob)
    prs.core_properties.title = "KAM Audit Workbench — report master"
    prs.core_properties.author = "KAM Audit Workbench"
    path.parent.mkdir(parents=True, exist_ok=True)
    prs.save(str(path))
    return path


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("master.pptx")
    print(make_master(out))
