"""Load a finished run's artefacts for the report: check the run (:func:`check_run`), then
read the steps' summaries and Parquet tables once (:func:`load_artefacts`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..engagement import Engagement
from ..errors import ReportError
from ..steps import ANALYSIS_STEPS, artefact_path

#: the steps a report needs, with their artefact folders under ``work/`` (from the registry)
REPORT_STEPS: tuple[tuple[str, str], ...] = tuple((st.key, st.folder) for st in ANALYSIS_STEPS)


# --------------------------------------------------------------------------- the run


def check_run(engagement_dir: str | Path) -> dict[str, Any]:
    """Check that every step before the report finished, in order, and left its artefacts.

    Returns
    -------
    dict
        ``work/manifest.json``.

    Raises
    ------
    ReportError
        No run yet; the last run failed (which step, its error); a step not run; a step's
        ``summary.json`` missing; a step's results older than an earlier step's (stale).
    """
    eng = Engagement.open(engagement_dir)
    manifest = eng.manifest()
    where = str(eng.manifest_path)
    if not manifest.get("steps"):
        raise ReportError("the audit has not been run on this engagement yet", file=where,
                          hint=f"run `kam run {eng.root}` first")
    steps = manifest["steps"]
    if manifest.get("status") == "failed":
        failed = [k for k, v in steps.items() if v.get("status") == "failed"]
        err = steps[failed[0]].get("error", {}) if failed else {}
        raise ReportError(
            f"the last run failed at step {failed[0] if failed else '?'}"
            + (f": {err.get('message')}" if err.get("message") else "")
            + "; a report from a failed run would mix old and new results", file=where,
            hint=f"fix the problem, then `kam run {eng.root}"
            + (f" --from {failed[0][:2]}`" if failed else "`"))
    previous: tuple[str, datetime] | None = None
    for key, folder in REPORT_STEPS:
        entry = steps.get(key)
        if not entry:
            raise ReportError(f"step {key} has not been run: the report needs every step",
                              file=where, hint=f"run `kam run {eng.root} --from {key[:2]}`")
        if entry.get("status") != "ok":
            raise ReportError(f"step {key} did not finish (status {entry.get('status')!r})",
                              file=where, hint=f"run `kam run {eng.root} --from {key[:2]}`")
        summary = eng.work / folder / "summary.json"
        if not summary.exists():
            raise ReportError(f"step {key} left no summary.json", file=str(summary),
                              hint=f"run `kam run {eng.root} --from {key[:2]}`")
        finished = entry.get("finished")
        if finished:
            at = datetime.fromisoformat(finished)
            if previous is not None and at < previous[1]:
                raise ReportError(
                    f"step {key}'s results ({finished}) are older than step {previous[0]}'s: "
                    "they were computed from data that has since changed", file=where,
                    hint=f"run `kam run {eng.root} --from {key[:2]}`")
            previous = (key, at)
    return manifest


@dataclass
class Artefacts:
    """The run's artefacts, read once: summaries, tables, manifest."""

    root: Path
    manifest: dict[str, Any]
    summaries: dict[str, dict[str, Any]]
    tables: dict[str, pd.DataFrame]

    def s(self, step: str, path: str, default: Any = None) -> Any:
        """A value of a step's summary by a dotted path (``"totals.contribution"``)."""
        node: Any = self.summaries[step]
        for part in path.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return default
        if isinstance(node, str):  # exact decimal strings (intake's money) → float
            try:
                return float(node)
            except ValueError:
                return node
        return node


#: the artefact tables the report reads: report name → registry artefact name
_TABLES = {
    "intake_team": "team", "entities": "entity_table", "records": "entities",
    "client_pnl": "client_pnl", "group_pnl": "group_pnl", "robustness": "robustness",
    "monthly": "monthly", "whale": "whale", "decisions": "decisions",
    "candidates": "candidates", "key_clients": "key_clients",
    "relationships": "relationships", "team_plan": "team_plan", "assignment": "assignment",
    "methods": "methods", "channels": "channels", "dependency": "dependency", "vip": "vip",
    "client_teams": "client_teams", "raci": "raci", "kam_kpis": "kam_kpis",
    "role_fit": "role_fit",
}


def load_artefacts(engagement_dir: str | Path, *, check: bool = True) -> Artefacts:
    """Read the artefacts the report needs (after :func:`check_run` unless ``check=False``)."""
    eng = Engagement.open(engagement_dir)
    manifest = check_run(eng.root) if check else eng.manifest()
    summaries = {}
    for key, folder in REPORT_STEPS:
        path = eng.work / folder / "summary.json"
        summaries[key[:2]] = json.loads(path.read_text(encoding="utf-8"))
    tables = {}
    for name, art_name in _TABLES.items():
        path = artefact_path(eng, art_name)
        if path.exists():
            tables[name] = pd.read_parquet(path)
    return Artefacts(eng.root, manifest, summaries, tables)
