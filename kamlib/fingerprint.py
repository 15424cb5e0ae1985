"""Whether a step is up to date: the fingerprint of what it reads, recorded when it ran.

A step's result depends on four things, each hashed (SHA-256) into its fingerprint:

- **code** — its notebook and the versions of the workbench and the stack;
- **settings** — the ``engagement.yaml`` settings it can read: the general ones (client,
  currency, period, intake, inputs, the report's language, which the review sheets are
  written in), its own section and the sections of the steps before it (never those of the
  steps after it: a changed sizing rate leaves the cleanup alone);
- **inputs** — the files it reads outside ``work/``: ``raw/`` for the intake, the decisions
  and the review sheet for the cleanup (``decisions/merges.csv``, ``decisions/groups.csv``,
  ``review/duplicates.xlsx``), the assessment sheet for the key-client profile
  (``review/assessment.xlsx``); hashed as the step left them, since the cleanup writes the
  decisions it imports back;
- **upstream** — the results of every step before it: the files of ``work/<step>/``.

``kam run`` records the fingerprint of each step it runs in ``work/manifest.json`` and skips a
step whose fingerprint is unchanged (:func:`changes` is empty) and which did not run before a
step it reads from ran again.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from .atomic import sha256_file
from .engagement import Engagement
from .guard import raw_snapshot
from .steps import STEPS, Step

__all__ = ["STEP_INPUTS", "changes", "fingerprint", "finished_after", "next_seq"]

#: Files outside ``work/`` that a step reads (paths under the engagement folder).
STEP_INPUTS: dict[str, tuple[str, ...]] = {
    "01": ("decisions/merges.csv", "decisions/groups.csv", "review/duplicates.xlsx"),
    "03": ("review/assessment.xlsx",),
    "04": ("review/client_teams.xlsx", "review/alignment.xlsx"),
}
_SECTIONS = {s.section for s in STEPS if s.section}
#: settings of a step's section that other steps read too (every step writes in it)
_SHARED = {"report": ("language",)}


def _digest(obj: Any) -> str:
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _settings(eng: Engagement, step: Step) -> dict[str, str]:
    cfg = eng.config.model_dump(mode="json")
    earlier = {s.section for s in STEPS if s.section and s.key <= step.key}
    out = {k: _digest(v) for k, v in cfg.items() if k not in _SECTIONS or k in earlier}
    for section, keys in _SHARED.items():
        if section not in earlier:
            out[f"{section}.{','.join(keys)}"] = _digest(
                {k: (cfg.get(section) or {}).get(k) for k in keys})
    return out


def _folder_hash(folder: Path) -> str | None:
    """One hash of a step's results: every file of its folder (path and content); None when
    the folder is missing. (Its executed notebook is left out: it carries the run's time and
    staging folder, so it differs on every run even when the results do not.)"""
    if not folder.is_dir():
        return None
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode("utf-8") + b"\0")
            h.update(sha256_file(p).encode("ascii"))
    return h.hexdigest()


def _code(step: Step, source: Path) -> str:
    versions = {}
    for pkg in ("kamlib", "polars", "pandas", "numpy", "pyarrow"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return _digest({"notebook": sha256_file(source) if source.exists() else None,
                    "versions": versions})


def fingerprint(eng: Engagement, step: Step, source: Path) -> dict[str, Any]:
    """The fingerprint of ``step`` on ``eng`` now.

    Parameters
    ----------
    eng : Engagement
        The engagement.
    step : Step
        The step.
    source : Path
        The step's notebook (as the runner will execute it).

    Returns
    -------
    dict
        ``code`` (hash), ``settings`` (name → hash), ``inputs`` (path → hash or None when
        absent) and ``upstream`` (step key → hash of its results, None when missing).
    """
    if step.number == "00":
        inputs: dict[str, str | None] = {f"raw/{k}": v for k, v in
                                         raw_snapshot(eng.root).items()}
    else:
        inputs = {rel: (sha256_file(eng.root / rel) if (eng.root / rel).is_file() else None)
                  for rel in STEP_INPUTS.get(step.number, ())}
    upstream = {s.key: _folder_hash(s.dir(eng)) for s in STEPS if s.key < step.key}
    return {"code": _code(step, source), "settings": _settings(eng, step), "inputs": inputs,
            "upstream": upstream}


def changes(recorded: dict[str, Any] | None, now: dict[str, Any]) -> list[str]:
    """What differs between the fingerprint a step ran with and the one it would have now,
    one phrase each (empty: the step is up to date)."""
    if not recorded:
        return ["no fingerprint of its last run"]
    out: list[str] = []
    if recorded.get("code") != now["code"]:
        out.append("its notebook or the workbench's version changed")
    then_s, now_s = recorded.get("settings") or {}, now["settings"]
    for key in sorted(set(then_s) | set(now_s)):
        if then_s.get(key) != now_s.get(key):
            out.append(f"engagement.yaml's '{key}' changed")
    then_i, now_i = recorded.get("inputs") or {}, now["inputs"]
    for key in sorted(set(then_i) | set(now_i)):
        a, b = then_i.get(key), now_i.get(key)
        if a != b:
            out.append(f"{key} " + ("added" if a is None else "removed" if b is None
                                    else "changed"))
    then_u, now_u = recorded.get("upstream") or {}, now["upstream"]
    for key in sorted(now_u):
        if now_u[key] is None:
            out.append(f"the results of {key} are missing")
        elif then_u.get(key) != now_u[key]:
            out.append(f"the results of {key} changed")
    return out


def next_seq(log: dict[str, Any]) -> int:
    """The finishing number of the next step to finish: one more than any in ``log``.

    The finish times are kept to the second, and a short step can finish within the second
    of an earlier one; the order in which the steps finished is the sequence, not the clock.
    """
    return 1 + max((int(v.get("seq") or 0) for v in log.values() if isinstance(v, dict)),
                   default=0)


def finished_after(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether the step logged in ``a`` finished after the one logged in ``b``: by their
    finishing numbers when both have one (:func:`next_seq`), else by their finish times."""
    if a.get("seq") is not None and b.get("seq") is not None:
        return int(a["seq"]) > int(b["seq"])
    return str(a.get("finished") or "") > str(b.get("finished") or "")
