"""The audit working papers: each executed step notebook as a standalone HTML page.

An auditor reviewing the engagement reads the notebooks as they ran (code, parameters,
outputs), not the client-facing report. :func:`export_working_papers` converts
``<engagement>/notebooks/NN_*.ipynb`` with nbconvert and the template
``templates/nbconvert/kam_papers`` (JupyterLab's look, with every CDN script removed so a page
opens offline and leaks nothing), drops housekeeping cells by their tags and writes an index.

**No active content from data.** Outputs carry the client's data (a DataFrame's HTML, a
Markdown line with the client's name), and a name such as ``<script>alert(1)</script>`` or
``<img src=x onerror=alert(1)>`` must reach the page as text. Before export every output is
reduced to what a static page needs (:func:`sanitize_outputs`): ``text/html`` is cleaned by
bleach (the sanitizer nbconvert itself depends on) with a short allow-list of table and text
tags, no event handler or style attribute, links only ``http``/``https``/``mailto``, images
only embedded PNG/JPEG/GIF; ``<style>`` blocks (pandas' table CSS) are removed whole;
``text/markdown`` is rendered to HTML first and then cleaned the same way (so a
``javascript:`` link in Markdown is caught too); JavaScript, SVG, widget and every other
output kind is dropped, its text kept as plain text if nothing else shows it. Disallowed tags
are escaped, not deleted: the reader sees the name as the client wrote it. Sanitising rather
than showing every output as plain text keeps the tables and the formatting the auditor reads.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bleach
import jinja2
import markupsafe

from ..errors import KamError
from ..i18n import Formatter, Strings, load_strings
from ..io import atomic_write_bytes, atomic_write_json
from ..nbstack import import_nbformat
from ..resources import templates_dir

nbformat = import_nbformat()

_SOURCES = ".sources.json"

__all__ = ["HIDE_INPUT_TAGS", "REMOVE_CELL_TAGS", "clean_html", "export_working_papers",
           "sanitize_outputs"]

#: Cells with one of these tags are left out of the working papers.
REMOVE_CELL_TAGS = frozenset({"remove", "remove_cell", "remove-cell", "hide"})
#: Cells with one of these tags show their output only.
HIDE_INPUT_TAGS = frozenset({"remove_input", "hide-input"})

_STEP_NOTEBOOK = re.compile(r"^\d{2}_[^/\\]+\.ipynb$")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "div",
    "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p",
    "pre", "s", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "u", "ul"})
_COMMON_ATTRS = frozenset({"class", "title", "align", "colspan", "rowspan", "border"})
_IMAGE_SRC = re.compile(r"^data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]+$")
_STYLE_BLOCK = re.compile(r"<style\b[^>]*>.*?</style\s*>", re.DOTALL | re.IGNORECASE)
#: Output kinds kept (the HTML and Markdown ones after cleaning).
SAFE_OUTPUT_TYPES = ("text/plain", "image/png", "image/jpeg", "image/gif")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name in _COMMON_ATTRS:
        return True
    if tag == "a" and name == "href":
        return value.startswith(("http://", "https://", "mailto:", "#"))
    if tag == "img" and name == "src":
        return bool(_IMAGE_SRC.match(value))
    return tag == "img" and name in ("alt", "width", "height")


def clean_html(html: str) -> str:
    """``html`` with no active content: see the module's docstring for the policy.

    >>> clean_html('<td><script>alert(1)</script><img src=x onerror=alert(1)></td>')
    '<td>&lt;script&gt;alert(1)&lt;/script&gt;<img></td>'
    """
    return str(bleach.clean(_STYLE_BLOCK.sub("", html), tags=_TAGS,
                        attributes=_allowed_attribute,
                        protocols=frozenset({"http", "https", "mailto", "data"}), strip=False,
                        strip_comments=True))


def _as_text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def sanitize_outputs(nb: Any) -> int:
    """Reduce every output of ``nb`` (in place) to inert content; returns how many outputs
    were changed. See the module's docstring for what is kept."""
    from nbconvert.filters import markdown2html

    changed = 0
    for cell in nb.cells:
        if cell.get("cell_type") == "markdown" and cell.get("attachments"):
            cell["attachments"] = {}
        for out in cell.get("outputs", []) if cell.get("cell_type") == "code" else []:
            data = out.get("data")
            if not isinstance(data, dict):
                continue
            new: dict[str, Any] = {k: v for k, v in data.items() if k in SAFE_OUTPUT_TYPES}
            if "text/html" in data:
                new["text/html"] = clean_html(_as_text(data["text/html"]))
            elif "text/markdown" in data:
                new["text/html"] = clean_html(markdown2html(_as_text(data["text/markdown"])))
            if "text/plain" not in new and not any(k in new for k in
                                                   ("text/html", *SAFE_OUTPUT_TYPES)):
                dropped = [_as_text(v) for k, v in data.items() if isinstance(v, str | list)]
                new["text/plain"] = "\n".join(dropped)
            if new != data:
                out["data"] = new
                changed += 1
    return changed


def _strip_css_comments(css: str) -> markupsafe.Markup:
    """Drop ``/* … */`` comments (JupyterLab's CSS cites web pages in them)."""
    return markupsafe.Markup(_CSS_COMMENT.sub("", str(css)))


def _is_executed(nb: Any) -> bool:
    """A notebook ran if any code cell has an execution count or outputs."""
    return any(c.get("cell_type") == "code" and (c.get("execution_count") is not None
                                                 or c.get("outputs"))
               for c in nb.cells)


def _title(nb: Any, fallback: str) -> str:
    """The first Markdown heading of the notebook, else ``fallback``."""
    for cell in nb.cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in str(cell.get("source", "")).splitlines():
            m = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if m:
                return m.group(1)
    return fallback


def _recipe(language: str, client: str) -> bytes:
    """What a paper is made from besides its notebook: the language, the client's name, the
    workbench's version and the template's files (a changed template exports anew)."""
    from importlib import metadata

    try:
        version = metadata.version("kamlib")
    except metadata.PackageNotFoundError:
        version = "?"
    folder = templates_dir() / "nbconvert" / "kam_papers"
    parts = [language, client, version, *(
        f"{p.relative_to(folder)}:{hashlib.sha256(p.read_bytes()).hexdigest()}"
        for p in sorted(folder.rglob("*")) if p.is_file())]
    return ("\n".join(parts) + "\n").encode("utf-8")


def _sources(folder: Path) -> dict[str, dict[str, Any]]:
    """``.sources.json`` of a folder of papers exported before ({} when absent or damaged)."""
    try:
        data = json.loads((folder / _SOURCES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict) and "listed" in v} \
        if isinstance(data, dict) else {}


def _client(root: Path) -> str:
    if not (root / "engagement.yaml").exists():
        return root.name
    from ..engagement import Engagement

    return Engagement.open(root).config.client


def _exporter(language: str) -> Any:
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    c = Config()
    c.TagRemovePreprocessor.enabled = True
    c.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    c.TagRemovePreprocessor.remove_input_tags = set(HIDE_INPUT_TAGS)
    c.HTMLExporter.embed_images = True
    c.HTMLExporter.language_code = language
    exporter: Any = HTMLExporter(  # type: ignore[no-untyped-call]  # nbconvert is untyped
        config=c, template_name="kam_papers",
        extra_template_basedirs=[str(templates_dir() / "nbconvert")])
    exporter.register_filter("strip_css_comments", _strip_css_comments)
    return exporter


def _index(strings: Strings, lang: str, client: str, generated: str,
           papers: list[dict[str, Any]]) -> str:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / "nbconvert" / "kam_papers")),
        autoescape=True, undefined=jinja2.StrictUndefined)
    return env.get_template("papers_index.html.j2").render(
        t=strings.t, lang=lang, client=client, generated=generated, papers=papers)


def export_working_papers(engagement_dir: str | Path, out_dir: str | Path, *,
                          language: str = "ru", reuse: str | Path | None = None
                          ) -> list[Path]:
    """Export the engagement's executed step notebooks to offline HTML working papers.

    Parameters
    ----------
    engagement_dir : str or Path
        The engagement folder; its ``notebooks/NN_*.ipynb`` are the executed steps.
    out_dir : str or Path
        Where to write ``NN_name.html`` for each notebook and ``index.html``.
    language : {"ru", "en"}
        The language of the index and the page headers.
    reuse : str or Path, optional
        A folder of papers exported before (the current ``reports/working_papers/``): a
        paper whose notebook, language, client and template are the same as then is copied
        from there instead of exported again (``.sources.json`` there records, for each
        paper, the SHA-256 of what it was made from).

    Returns
    -------
    list of Path
        The working papers in step order, then the index page (last).

    Raises
    ------
    KamError
        The engagement has no executed step notebook (run ``kam run`` first), or a
        notebook cannot be read.
    """
    root = Path(engagement_dir)
    folder = root / "notebooks"
    strings = load_strings(language)
    fmt = Formatter(language)
    candidates = sorted(p for p in folder.glob("*.ipynb") if _STEP_NOTEBOOK.match(p.name)) \
        if folder.is_dir() else []
    client = _client(root)
    before = _sources(Path(reuse)) if reuse is not None else {}
    recipe = _recipe(language, client)
    out = Path(out_dir)
    notebooks: list[tuple[Path, Any]] = []
    written: list[Path] = []
    listed: list[dict[str, Any]] = []
    sources: dict[str, dict[str, Any]] = {}
    for path in candidates:
        key = hashlib.sha256(recipe + path.read_bytes()).hexdigest()
        old = before.get(f"{path.stem}.html")
        if reuse is not None and old and old.get("sha256") == key \
                and (Path(reuse) / f"{path.stem}.html").is_file():
            target = out / f"{path.stem}.html"
            atomic_write_bytes(target, (Path(reuse) / target.name).read_bytes())
            written.append(target)
            listed.append(old["listed"])
            sources[target.name] = old
            continue
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception as exc:  # nbformat raises several types for a damaged file
            raise KamError(f"the notebook cannot be read: {exc}", file=str(path),
                           hint="re-run the step with `kam run` to write it again") from exc
        if _is_executed(nb):
            notebooks.append((path, nb))
            sources[f"{path.stem}.html"] = {"sha256": key}
    if not notebooks and not written:
        raise KamError("the engagement has no executed step notebooks to export as working "
                       "papers", file=str(folder),
                       hint="run the audit first (`kam run DIR`); the executed notebooks are "
                       "written to notebooks/NN_*.ipynb")

    exporter: Any = _exporter(language) if notebooks else None
    for path, nb in notebooks:
        executed = fmt.datetime((nb.metadata.get("papermill") or {}).get("end_time"),
                                zone=False)
        resources = {
            "metadata": {"name": path.stem},
            "kam": {
                "back": strings.t("html.papers.back"),
                "engagement_label": strings.t("html.papers.engagement"),
                "notebook_label": strings.t("html.papers.notebook"),
                "executed_label": strings.t("html.papers.executed"),
                "client": client,
                "notebook": path.name,
                "executed": executed if executed != "—" else "",
            },
        }
        sanitize_outputs(nb)
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        target = out / f"{path.stem}.html"
        atomic_write_bytes(target, body.encode("utf-8"))
        written.append(target)
        kept = sum(1 for c in nb.cells
                   if not REMOVE_CELL_TAGS.intersection(c.get("metadata", {}).get("tags", [])))
        listed.append({"href": target.name, "title": _title(nb, path.stem),
                       "notebook": path.name, "executed": executed, "cells": kept})
        sources[target.name]["listed"] = listed[-1]
    order = {p.name: i for i, p in enumerate(candidates)}
    written.sort(key=lambda p: order.get(f"{p.stem}.ipynb", 0))
    listed.sort(key=lambda x: order.get(x["notebook"], 0))
    atomic_write_json(out / _SOURCES, sources)

    generated = fmt.datetime(datetime.now(UTC).isoformat(timespec="seconds"), zone=False)
    index = out / "index.html"
    atomic_write_bytes(index, _index(strings, language, client, generated, listed)
                       .encode("utf-8"))
    written.append(index)
    return written
