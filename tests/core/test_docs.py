"""The project's docs stay true: every artefact file and summary figure they name exists in the
step registry and the summary models, every link stays inside the repository."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from kamlib.steps import STEPS
from kamlib.summaries import MODELS

ROOT = Path(__file__).resolve().parents[2]
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
ARTEFACT_FILES = {a.file for s in STEPS for a in s.artefacts}


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        args = [a for a in get_args(tp) if a is not type(None)]
        if origin is None or origin in (dict, list) or not args:
            return tp
        tp = args[0]  # Annotated[X, …] or X | None


def declared(step: str, path: str) -> bool:
    """Whether the dotted ``path`` is a figure the step's summary model declares (a path
    into a dict or list of the model goes on through its values)."""
    tp: Any = MODELS[step]
    for part in path.split("."):
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part)
            if field is None:
                return False
            tp = field.rebuild_annotation()
        elif get_origin(tp) in (dict, list):
            tp = get_args(tp)[-1] if get_args(tp) else Any
        else:
            return tp is Any
    return True


def _mentions(pattern: str) -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for m in re.finditer(pattern, doc.read_text("utf-8")):
            found.append((doc.name, m.group(0)))
    return found


def test_the_walk_of_a_summary_model_tells_declared_from_made_up_figures() -> None:
    assert declared("02", "totals.contribution")
    assert declared("02", "concentration.top3")
    assert declared("03", "key_clients")
    assert not declared("02", "concentration.top99")
    assert not declared("02", "no_such_block.figure")
    assert not declared("04", "kam_count")


@pytest.mark.parametrize("doc, name", _mentions(r"\b[a-z][a-z0-9_]*\.parquet\b"))
def test_every_artefact_the_docs_name_is_in_the_registry(doc: str, name: str) -> None:
    assert name in ARTEFACT_FILES, f"{doc} names {name}, which no step writes " \
                                   f"(kamlib/steps.py): {sorted(ARTEFACT_FILES)}"


@pytest.mark.parametrize(
    "doc, ref", _mentions(r"(?:\b\d\d_[a-z_]+/)?summary\.json#[a-z_][a-z0-9_.]*[a-z0-9_]"))
def test_every_summary_figure_the_docs_name_is_declared(doc: str, ref: str) -> None:
    folder, _, path = ref.partition("summary.json#")
    folder = folder.rstrip("/")
    steps = [s.number for s in STEPS if s.folder == folder] if folder else list(MODELS)
    assert steps, f"{doc} names {ref}: no step has the folder {folder!r}"
    assert any(declared(n, path) for n in steps if n in MODELS), \
        f"{doc} names {ref}: no summary model declares {path!r} (kamlib/summaries.py)"


def test_the_docs_link_only_inside_the_repository() -> None:
    for doc in DOCS:
        text = doc.read_text("utf-8")
        assert "../shared" not in text, f"{doc.name} points outside the repository"
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if re.match(r"[a-z]+://|mailto:", target):
                continue
            assert (doc.parent / target).resolve().is_relative_to(ROOT), \
                f"{doc.name} links {target}, outside the repository"
            assert (doc.parent / target).exists(), f"{doc.name} links {target}: missing"


def test_the_architecture_page_opens_with_the_flow_and_names_every_step() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    first = text.split("```")[1]  # the picture comes before any prose section
    for s in STEPS:
        assert s.number in first, f"the flow picture misses step {s.number}"
    for s in STEPS:
        for a in s.artefacts:
            assert a.file in text or s.number == "05", \
                f"docs/architecture.md does not list {s.folder}/{a.file}"
