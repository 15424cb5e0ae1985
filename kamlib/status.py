"""Where an engagement stands: which steps ran, when, on which inputs, what is stale and why,
and what waits for a person (``kam status DIR``).

Everything is read from the engagement folder, nothing is run:

- ``work/manifest.json``: each step's status and finish time, the input files with their
  SHA-256, and the ``engagement.yaml`` settings of the last run;
- ``raw/`` now: a file changed, added or removed since the intake makes step 00 and every
  step after it stale;
- ``engagement.yaml`` now: a changed section makes its step (and the ones after) stale;
- the order of the finish times: a step that finished before the step it reads from ran
  again is stale;
- the sheets for people: pairs in ``review/duplicates.xlsx`` without a decision, decisions
  written in the sheet (or in ``decisions/merges.csv``) after step 01 ran, clients of
  ``review/assessment.xlsx`` not scored, and an assessment edited after step 03 ran.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .engagement import Engagement
from .fingerprint import finished_after
from .runner import STEPS, Step
from .steps import step as find_step

__all__ = ["EngagementStatus", "as_json", "engagement_status", "input_changes",
           "waiting_for_people"]

#: The step whose review sheet / decisions a person fills in.
_CLEANUP = find_step("01").key
_SELECTION = find_step("03").key


@dataclass
class EngagementStatus:
    """The state of an engagement folder.

    Attributes
    ----------
    root : Path
        The engagement folder.
    client : str
        The client's name from ``engagement.yaml``.
    run_status : str
        The last run's status in the manifest (``ok``, ``failed``, ``running``) or
        ``never run``.
    steps : pd.DataFrame
        One row per step: ``step``, ``title``, ``status`` (ok / failed / not run),
        ``finished`` (ISO time or ``None``), ``seconds``, ``stale`` (bool) and ``why``.
    inputs : pd.DataFrame
        One row per input file, then and now: ``file``, ``state`` (unchanged / changed /
        added / removed), ``sha256_then``, ``sha256_now``.
    waiting : list of str
        What waits for a person, one sentence each.
    """

    root: Path
    client: str
    run_status: str
    steps: pd.DataFrame
    inputs: pd.DataFrame
    waiting: list[str] = field(default_factory=list)

    @property
    def stale_steps(self) -> list[str]:
        """The keys of the steps that are stale or have not run."""
        keys: list[str] = self.steps.loc[self.steps["stale"] | (self.steps["status"] != "ok"),
                                         "step"].tolist()
        return keys

    def text(self) -> str:
        """The status as the lines ``kam status`` prints."""
        lines = [f"Engagement: {self.client} ({self.root})", f"Last run: {self.run_status}", "",
                 "Steps:"]
        for r in self.steps.itertuples(index=False):
            when = (r.finished.replace("T", " ").replace("+00:00", " UTC")
                    if isinstance(r.finished, str) else "—")
            state = r.status if r.status != "ok" else ("STALE" if r.stale else "up to date")
            lines.append(f"  {r.step:<24} {state:<11} {when}" + (f"  — {r.why}" if r.why else ""))
        changed = self.inputs[self.inputs["state"] != "unchanged"]
        lines += ["", f"Inputs (raw/): {int((self.inputs['state'] != 'added').sum())} read by "
                  f"the last intake; " + (f"{len(changed)} changed since:" if len(changed)
                                          else "none changed since")]
        lines += [f"  {r.state:<9} {r.file}" for r in changed.itertuples(index=False)]
        lines += ["", "Waiting for a person:" if self.waiting else "Waiting for a person: nothing"]
        lines += [f"  - {w}" for w in self.waiting]
        todo = self.stale_steps
        if todo:
            first = todo[0][:2]
            lines += ["", f"Next: kam run {self.root} --from {first}"
                      if first != "00" else f"Next: kam run {self.root}"]
        return "\n".join(lines)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_changes(eng: Engagement, manifest: dict[str, Any]) -> pd.DataFrame:
    """The input files of the last intake against ``raw/`` now.

    Returns
    -------
    pd.DataFrame
        ``file`` (path under ``raw/``), ``state`` (unchanged / changed / added / removed),
        ``sha256_then``, ``sha256_now``; sorted by file.
    """
    from .intake.files import _list_raw  # the intake's own rule for which files are inputs

    then: dict[str, str] = {}
    for f in (manifest.get("inputs") or {}).get("files", []):
        if f.get("file"):
            then.setdefault(str(f["file"]), str(f.get("sha256") or ""))
    now: dict[str, str] = {}
    if eng.raw.is_dir():
        files, _ = _list_raw(eng.root)
        now = {p.relative_to(eng.raw).as_posix(): _sha256(p) for p in files}
    rows = []
    for name in sorted(set(then) | set(now)):
        a, b = then.get(name), now.get(name)
        state = ("added" if a is None else "removed" if b is None
                 else "unchanged" if a == b else "changed")
        rows.append((name, state, a, b))
    return pd.DataFrame(rows, columns=["file", "state", "sha256_then", "sha256_now"])


def _mtime(path: Path) -> datetime | None:
    """When ``path`` was last written, to the second: step finish times are recorded to the
    second, so a file written in the same second as the step that read it finished is not
    taken as edited after it (sub-second mtimes made such a step look stale at random)."""
    if not path.exists():
        return None
    return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)


def _when(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _review_waiting(path: Path) -> tuple[list[str], bool]:
    """Pairs to review without a decision, and whether the sheet holds decisions not yet
    replayed (a decision differing from the one the run wrote)."""
    try:
        sheet = pd.read_excel(path, sheet_name="review", dtype=str, engine="calamine")
    except Exception as exc:  # a damaged sheet is itself something for a person
        return [f"{path.name} cannot be read ({type(exc).__name__}): fix or delete it and "
                "re-run step 01"], False
    if not {"status", "decision", "decision_as_written"} <= set(sheet.columns):
        return [f"{path.name} lacks its columns (status, decision): delete it and re-run "
                "step 01"], False
    sheet = sheet.iloc[1:]  # row 2: the labels in the report's language
    decision = sheet["decision"].fillna("").str.strip()
    written = sheet["decision_as_written"].fillna("").str.strip()
    pending = int(((sheet["status"] == "to review") & (decision == "")).sum())
    out = []
    if pending:
        out.append(f"{pending} pair(s) in review/{path.name} wait for a decision "
                   "(column 'decision': accept or reject)")
    return out, bool((decision.str.casefold() != written.str.casefold()).any())


def _assessment_waiting(path: Path) -> list[str]:
    """Clients of the assessment sheet with no score, or only some scores."""
    try:
        rows = pd.read_excel(path, sheet_name="assessment", header=None, dtype=str,
                             engine="calamine")
    except Exception as exc:
        return [f"{path.name} cannot be read ({type(exc).__name__}): fix or delete it and "
                "re-run step 03"]
    if rows.empty:
        return []
    head = [str(h).strip() for h in rows.iloc[0]]
    if "entity_id" not in head or "entity_name" not in head:
        return [f"{path.name} lacks its entity_id column: delete it and re-run step 03"]
    end = head.index("assessor") if "assessor" in head else len(head)
    crit = list(range(head.index("entity_name") + 1, end))
    body = rows.iloc[2:]
    body = body[body.iloc[:, head.index("entity_id")].fillna("").str.strip() != ""]
    if body.empty or not crit:
        return []
    filled = body.iloc[:, crit].notna() & (body.iloc[:, crit].fillna("").apply(
        lambda c: c.str.strip()) != "")
    none = int((~filled.any(axis=1)).sum())
    part = int((filled.any(axis=1) & ~filled.all(axis=1)).sum())
    out = []
    if none:
        out.append(f"{none} of {len(body)} client(s) in review/{path.name} are not scored "
                   f"on the judged criteria ({', '.join(head[j] for j in crit)})")
    if part:
        out.append(f"{part} client(s) in review/{path.name} are scored on some judged "
                   "criteria only")
    return out


def waiting_for_people(eng: Engagement, finished: dict[str, datetime | None]
                       ) -> tuple[list[str], dict[str, str]]:
    """What waits for a person, and the steps a person's edits make stale.

    Parameters
    ----------
    eng : Engagement
        The engagement.
    finished : dict
        Step key → when it last finished (``None`` if it has not).

    Returns
    -------
    (list of str, dict)
        Sentences for the consultant; step key → why a person's edit makes it stale.
    """
    waiting: list[str] = []
    stale: dict[str, str] = {}
    review = eng.root / "review" / "duplicates.xlsx"
    if review.exists():
        lines, edited = _review_waiting(review)
        waiting += lines
        if edited:
            waiting.append(f"decisions written in review/{review.name} are applied by the "
                           f"next run of step 01: kam run {eng.root} --from 01")
            stale[_CLEANUP] = f"decisions in review/{review.name} not yet applied"
    done01 = finished.get(_CLEANUP)
    merges = eng.root / "decisions" / "merges.csv"
    m = _mtime(merges)
    if done01 and m and m > done01:
        stale.setdefault(_CLEANUP, "decisions/merges.csv edited after the step ran")
    assessment = eng.root / "review" / "assessment.xlsx"
    if assessment.exists():
        waiting += _assessment_waiting(assessment)
        done03, a = finished.get(_SELECTION), _mtime(assessment)
        if done03 and a and a > done03:
            stale[_SELECTION] = f"review/{assessment.name} edited after the step ran"
    return waiting, stale


def _folder(step: Step) -> str:
    return step.folder


def engagement_status(engagement_dir: str | Path) -> EngagementStatus:
    """Read an engagement's state: steps run, inputs, stale steps and why, what waits.

    Parameters
    ----------
    engagement_dir : path
        The engagement folder.

    Returns
    -------
    EngagementStatus
        See its attributes; ``.text()`` is what ``kam status`` prints.

    Raises
    ------
    KamError
        The folder is not an engagement, or its ``engagement.yaml`` is invalid.
    """
    eng = Engagement.open(engagement_dir)
    manifest = eng.manifest()
    log: dict[str, Any] = manifest.get("steps") or {}
    inputs = input_changes(eng, manifest) if manifest.get("inputs") else pd.DataFrame(
        columns=["file", "state", "sha256_then", "sha256_now"])
    finished = {s.key: _when((log.get(s.key) or {}).get("finished"))
                if (log.get(s.key) or {}).get("status") == "ok" else None for s in STEPS}
    waiting, edited = waiting_for_people(eng, finished)
    then = manifest.get("parameters") or {}
    now = eng.config.model_dump(mode="json")

    rows = []
    upstream: str | None = None  # why the steps after a stale one are stale
    last_done: dict[str, Any] | None = None  # the log entry of the latest finished step
    for step in STEPS:
        entry = log.get(step.key) or {}
        status = entry.get("status") or "not run"
        why = ""
        done = finished[step.key]
        if status == "ok" and not (eng.work / _folder(step)).is_dir():
            status, why = "not run", f"work/{_folder(step)}/ is missing"
        if status == "failed":
            why = (entry.get("error") or {}).get("message", "")
        elif status == "ok":
            changed = inputs[inputs["state"] != "unchanged"]
            if step.number == "00" and len(changed):
                why = f"{len(changed)} input file(s) in raw/ changed since the intake " \
                      f"({', '.join(changed['file'].head(3))}{' …' if len(changed) > 3 else ''})"
            elif step.section and then and then.get(step.section) != now.get(step.section):
                why = f"engagement.yaml's '{step.section}' settings changed since the step ran"
            elif step.key in edited:
                why = edited[step.key]
            elif upstream:
                why = upstream
            elif last_done and done and finished_after(last_done, entry):
                why = "it ran before the step it reads from ran again"
        stale = status == "ok" and bool(why)
        if status != "ok" or stale:
            upstream = upstream or f"step {step.key[:2]} is " + \
                ("stale" if stale else status)
        if done and (last_done is None or finished_after(entry, last_done)):
            last_done = entry
        rows.append({"step": step.key, "title": step.title_en, "status": status,
                     "finished": entry.get("finished") if status == "ok" else None,
                     "seconds": entry.get("seconds"), "stale": stale, "why": why})
    steps = pd.DataFrame(rows)
    return EngagementStatus(root=eng.root, client=eng.config.client,
                            run_status=manifest.get("status") or "never run", steps=steps,
                            inputs=inputs, waiting=waiting)


def as_json(status: EngagementStatus) -> str:
    """The status as JSON (for scripts): steps, inputs, waiting."""
    return json.dumps({"root": str(status.root), "client": status.client,
                       "run_status": status.run_status,
                       "steps": status.steps.astype(object).where(status.steps.notna(), None)
                       .to_dict("records"),
                       "inputs": status.inputs.to_dict("records"), "waiting": status.waiting},
                      ensure_ascii=False, indent=2)
