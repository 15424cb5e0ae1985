"""Running the audit: intake, then the step notebooks in order, with papermill.

Each step writes into a fresh staging folder that replaces ``work/<step>/`` only when the
notebook succeeded, so a failed run leaves the previous results intact. Parameters are
validated against the notebook's ``parameters`` cell before papermill starts (papermill
itself only warns about unknown names). The executed notebooks go to the engagement's
``notebooks/``; a failed one to ``notebooks/failed/`` with the failing cell named.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import platform
import re
import sys
import time
import types
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from .config import EngagementConfig
from .engagement import Engagement
from .errors import ConfigError, KamError, StepError
from .fingerprint import changes, fingerprint, finished_after, next_seq
from .guard import (
    check_finished,
    check_inputs,
    checkpoint,
    disk_full,
    engagement_lock,
    raw_snapshot,
)
from .intake import IntakeResult, ingest, write_intake
from .io import atomic_dir, atomic_write_bytes, atomic_write_json
from .kernels import KernelPool, ipc_kernel_manager, shutdown
from .notebook.nbclean import clean_notebook_bytes
from .resources import notebooks_dir
from .steps import STEPS as _STEPS
from .steps import Step
from .steps import step as find_step
from .summaries import write_summary

__all__ = [
    "STEPS",
    "NotebookParam",
    "ReadOnlyRecordError",
    "Step",
    "notebook_parameters",
    "record_run",
    "run_intake",
    "run_pipeline",
    "run_step",
    "validate_parameters",
]


#: The pipeline, in order (the registry, :mod:`kamlib.steps`, is the one list of the steps).
STEPS = _STEPS
_INTAKE = _STEPS[0]

_STANDARD = ("engagement_dir", "step_dir", "interactive")
_PACKAGES = ("kamlib", "pandas", "polars", "pyarrow", "numpy", "papermill", "matplotlib",
             "seaborn", "pydantic", "python-calamine", "rapidfuzz", "scipy", "xlsxwriter",
             "python-pptx", "weasyprint", "nbconvert")


# --------------------------------------------------------------------------- parameters


@dataclass(frozen=True)
class NotebookParam:
    """One parameter declared in a notebook's ``parameters`` cell."""

    name: str
    annotation: str
    default: Any
    help: str


def _parameters_cell(nb: dict[str, Any], path: Path) -> dict[str, Any]:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get(
                "tags", []):
            found: dict[str, Any] = cell
            return found
    raise ConfigError("the notebook has no cell tagged 'parameters'", file=str(path),
                      hint="tag the parameters cell (View → Cell toolbar → Tags)")


def notebook_parameters(path: str | Path) -> dict[str, NotebookParam]:
    """Read the annotated parameters of a notebook: ``name: type = default  # help``.

    Raises
    ------
    ConfigError
        No ``parameters`` cell, or a parameter without a type annotation.
    """
    path = Path(path)
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = _parameters_cell(nb, path)
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    lines = source.splitlines()
    out: dict[str, NotebookParam] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            raise ConfigError(f"parameter {names} has no type annotation", file=str(path),
                              row=node.lineno, hint="write it as `name: type = value  # help`")
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        line = lines[node.lineno - 1]
        help_text = line.split("#", 1)[1].strip() if "#" in line else ""
        default = ast.literal_eval(node.value) if node.value is not None else None
        out[node.target.id] = NotebookParam(node.target.id, ast.unparse(node.annotation),
                                            default, help_text)
    return out


_TYPES: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": bool, "list": list,
                          "dict": dict, "tuple": tuple, "None": type(None), "Any": object}


def _type_ok(value: Any, annotation: str) -> bool:
    try:
        tp = eval(annotation, {"__builtins__": {}}, {**_TYPES, "typing": typing})
    except Exception:
        return True  # an annotation we cannot evaluate is not checked
    return _is_instance(value, tp)


def _is_instance(value: Any, tp: Any) -> bool:
    if tp is object:
        return True
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        return any(_is_instance(value, t) for t in typing.get_args(tp))
    origin = typing.get_origin(tp)
    if origin is not None:
        if not isinstance(value, origin):
            return bool(origin is tuple and isinstance(value, list))
        args = typing.get_args(tp)
        if origin is dict and args and isinstance(value, dict):
            return all(_is_instance(k, args[0]) and _is_instance(v, args[1])
                       for k, v in value.items())
        if origin in (list, tuple) and args and args[-1] is not Ellipsis:
            return all(_is_instance(v, args[0]) for v in value) if origin is list else True
        return True
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is tuple:
        return isinstance(value, tuple | list)
    return isinstance(value, tp)


def validate_parameters(path: str | Path, params: dict[str, Any]) -> None:
    """Check names and types of ``params`` against the notebook's ``parameters`` cell.

    Raises
    ------
    ConfigError
        An unknown name (with the known ones listed) or a value of the wrong type.
    """
    declared = notebook_parameters(path)
    name = Path(path).name
    for key, value in params.items():
        if key not in declared:
            raise ConfigError(
                f"unknown parameter '{key}' for {name}; it takes: {', '.join(declared)}",
                file=name, column=key, value=value,
                hint="fix the key in engagement.yaml (or the notebook's parameters cell)")
        if not _type_ok(value, declared[key].annotation):
            raise ConfigError(
                f"parameter '{key}' of {name} must be {declared[key].annotation}, got "
                f"{type(value).__name__}", file=name, column=key, value=value,
                hint="fix the value in engagement.yaml")


# --------------------------------------------------------------------------- manifest


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    return out


def _update_manifest(eng: Engagement, **parts: Any) -> dict[str, Any]:
    manifest = eng.manifest()
    manifest.update(parts)
    manifest["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
    atomic_write_json(eng.manifest_path, manifest)
    return manifest


# --------------------------------------------------------------------------- running


def run_intake(eng: Engagement, *, out_dir: str | Path | None = None,
               on_progress: Callable[[str], None] | None = None) -> IntakeResult:
    """Ingest ``raw/`` and write the canonical tables into ``out_dir`` (default ``work/00_intake``).

    Raises
    ------
    KamError
        The first fatal problem (all of them are listed by ``kam check``).
    """
    result = ingest(eng.root, eng.config, on_progress=on_progress)
    if not result.ok:
        first = result.errors[0]
        more = len(result.errors) - 1
        if more:
            first.hint = (first.hint or "") + f" ({more} more problem(s): run `kam check " \
                f"{eng.root}` for the full list)"
        raise first
    if out_dir is None:
        with atomic_dir(_INTAKE.dir(eng)) as tmp:
            _write_intake(result, tmp, currency=eng.config.currency)
    else:
        _write_intake(result, Path(out_dir), currency=eng.config.currency)
    return result


def _write_intake(result: IntakeResult, folder: Path, *, currency: str | None = None) -> None:
    """The canonical tables and the intake's ``summary.json`` (step 00's notebook rewrites the
    same figures; written here too so that an intake run alone is a complete step 00)."""
    from .datacheck import intake_summary, load_intake

    write_intake(result, folder)
    write_summary("00", folder / "summary.json", intake_summary(*load_intake(folder)),
                  currency=currency)


def _step_params(step: Step, cfg: EngagementConfig, step_dir: Path, eng: Engagement,
                 declared: Iterable[str]) -> dict[str, Any]:
    """The notebook's parameters: its folders, and the keys of its ``engagement.yaml``
    section that its parameters cell declares (the section is validated by pydantic; the
    notebook reads the keys it does not expose from the engagement itself)."""
    params: dict[str, Any] = {"engagement_dir": str(eng.root), "step_dir": str(step_dir)}
    if step.section:
        section = getattr(cfg, step.section).model_dump(mode="json")
        params.update({k: v for k, v in section.items() if k in set(declared)})
    return params


def run_step(eng: Engagement, step: Step, *, on_progress: Callable[[str], None] | None = None,
             intake: bool = True, notebook_dir: Path | None = None,
             cell_progress: bool = False, km: Any = None) -> dict[str, Any]:
    """Run one step's notebook with papermill; swap its artefacts in only on success.

    Parameters
    ----------
    eng : Engagement
        The engagement.
    step : Step
        The step to run.
    intake : bool
        For step 00: read ``raw/`` first (default). Steps after 00 ignore it.
    notebook_dir : Path, optional
        Where the step notebooks are (default: the workbench's ``notebooks/``).
    cell_progress : bool
        Show papermill's progress bar (cells done of the notebook's cells) on stderr.
    km : jupyter_client.KernelManager, optional
        A kernel already started for this step (:class:`kamlib.kernels.KernelPool`); it is
        shut down when the step ends. Default: papermill starts one.

    Returns
    -------
    dict
        The step's manifest entry: status, seconds, executed notebook path.

    Raises
    ------
    StepError
        The notebook failed: names the notebook, the cell and the error, and where the
        failed copy is. ``work/<step>`` keeps the previous run's results.
    """
    try:
        return _run_step(eng, step, on_progress=on_progress, intake=intake,
                         notebook_dir=notebook_dir, cell_progress=cell_progress, km=km)
    finally:
        if km is not None:
            shutdown(km)


def _run_step(eng: Engagement, step: Step, *, on_progress: Callable[[str], None] | None,
              intake: bool, notebook_dir: Path | None, cell_progress: bool,
              km: Any) -> dict[str, Any]:
    from .nbstack import import_papermill

    pm = import_papermill()  # heavy import, only when running
    source = (notebook_dir or notebooks_dir()) / step.notebook
    if not source.exists():
        raise StepError(f"the step notebook {step.notebook} is missing", file=str(source),
                        hint="reinstall the workbench from its repository")
    t0 = time.perf_counter()
    step_out = step.dir(eng)
    eng.notebooks.mkdir(parents=True, exist_ok=True)
    with atomic_dir(step_out) as tmp:
        if step.number == "00" and intake:
            run_intake(eng, out_dir=tmp, on_progress=on_progress)
            checkpoint("run:intake")
        params = _step_params(step, eng.config, tmp, eng, notebook_parameters(source))
        validate_parameters(source, params)
        executed = eng.notebooks / f".running.{step.notebook}"
        try:
            with _quiet_papermill():
                pm.execute_notebook(
                    str(source), str(executed), parameters=params, kernel_name="python3",
                    cwd=str(eng.root), log_output=False,
                    progress_bar={"desc": f"      {step.key}", "leave": False,
                                  "file": sys.stderr, "unit": "cell"} if cell_progress
                    else False,
                    report_mode=False, request_save_on_cell_execute=False,
                    kernel_manager_class=ipc_kernel_manager(),
                    **({"km": km} if km is not None else {}),
                )
        except pm.PapermillExecutionError as exc:
            failed = eng.notebooks / "failed" / step.notebook
            failed.parent.mkdir(exist_ok=True)
            executed.replace(failed)
            number, first_line = _source_cell(failed, exc.cell_index)
            first_line = _failing_line(exc.traceback) or first_line
            no_space = "No space left on device" in str(exc.evalue) or \
                "Disk quota exceeded" in str(exc.evalue)
            raise StepError(
                f"{step.notebook} failed in cell {number} (`{first_line}`): "
                f"{exc.ename}: {exc.evalue}",
                file=step.notebook,
                hint=(f"the disk is full at {eng.root}: free space and re-run; " if no_space
                      else f"open {failed} to see the cell and its output; ")
                + "the previous results in work/ are unchanged",
            ) from None
        except Exception as exc:
            executed.unlink(missing_ok=True)
            full = disk_full(exc, eng.root)
            if full is not None:
                raise full from None
            raise StepError(f"{step.notebook} could not run: {type(exc).__name__}: {exc}",
                            file=step.notebook,
                            hint="check that the workbench is installed (make demo) and that "
                            "the 'python3' Jupyter kernel exists (jupyter kernelspec list)") \
                from None
        atomic_write_bytes(eng.notebooks / step.notebook,
                           clean_notebook_bytes(executed.read_bytes()))
        executed.unlink()
    return {"status": "ok", "seconds": round(time.perf_counter() - t0, 2),
            "notebook": str((eng.notebooks / step.notebook).relative_to(eng.root)),
            "finished": datetime.now(UTC).isoformat(timespec="seconds")}


@contextlib.contextmanager
def _quiet_papermill() -> Iterator[None]:
    """Papermill cannot parse ``x: str | None`` annotations and then warns that every
    parameter is unknown; :func:`validate_parameters` has already checked them properly."""
    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _failing_line(traceback: list[str] | None) -> str | None:
    """The line of the cell that raised, from the kernel's traceback: IPython marks it
    ``----> 12 result = run_selection(…)`` in the cell's frame (the first frame; the
    library's own frames follow)."""
    for block in traceback or []:
        for line in _ANSI.sub("", str(block)).splitlines():
            m = re.match(r"\s*-*>\s*(\d+)\s(.*)$", line)
            if m and m.group(2).strip():
                return m.group(2).strip()[:60]
    return None


def _source_cell(executed: Path, index: int) -> tuple[int, str]:
    """The failing cell's number in the author's notebook (papermill's injected-parameters
    cell does not count) and its first line."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    cells = nb["cells"]

    def tagged(c: dict[str, Any], tag: str) -> bool:
        return tag in c.get("metadata", {}).get("tags", [])

    # papermill puts an error banner on top of the failed copy: the index counts without it
    banner = sum(1 for c in cells if tagged(c, "papermill-error-cell-tag"))
    cells = [c for c in cells if not tagged(c, "papermill-error-cell-tag")]
    index = min(index, len(cells) - 1) if banner == 0 else index
    injected = sum(1 for c in cells[:index] if tagged(c, "injected-parameters"))
    source = cells[index]["source"] if index < len(cells) else ""
    text = "".join(source) if isinstance(source, list) else source
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()
                  and not ln.strip().startswith("#")), "")
    return index + 1 - injected, first[:60]


def _select(steps: list[str] | None, from_step: str | None,
            notebook_dir: Path | None = None) -> list[Step]:
    available = [s for s in STEPS if ((notebook_dir or notebooks_dir()) / s.notebook).exists()]

    def find(token: str) -> int:
        for i, s in enumerate(available):
            if s.key == token or s.key.split("_", 1)[0] == token.zfill(2) or \
                    s.key.split("_", 1)[1] == token:
                return i
        raise ConfigError(f"unknown step '{token}'; steps are: "
                          + ", ".join(s.key for s in available), value=token,
                          hint="use a number (00, 01 …) or a name")

    if steps:
        return [available[find(t)] for t in steps]
    if from_step:
        return available[find(from_step):]
    return available


def run_pipeline(
    eng: Engagement | str | Path,
    *,
    steps: list[str] | None = None,
    from_step: str | None = None,
    on_progress: Callable[[str], None] | None = print,
    force: bool = False,
    notebook_dir: Path | None = None,
    cell_progress: bool = False,
    pool: KernelPool | None = None,
    run_token: str | None = None,
) -> dict[str, Any]:
    """Run intake and the step notebooks in order, skipping those up to date; stop at the
    first failure.

    A step is up to date when its fingerprint (:mod:`kamlib.fingerprint`: its notebook, the
    settings it reads, its input files and the results of the steps before it) is the one
    recorded when it last ran; it is then skipped and its results are kept as they are. The
    run says which steps are up to date and, for the others, what changed; the manifest's
    ``last_run`` lists both.

    Parameters
    ----------
    eng : Engagement or path
        The engagement.
    steps : list of str, optional
        Only these steps (``["00", "01"]`` or names).
    from_step : str, optional
        This step and the ones after it.
    on_progress : callable, optional
        Receives a progress line per step (default: print).
    force : bool
        Run every chosen step, up to date or not. Steps named in ``steps`` always run.
    notebook_dir : Path, optional
        Where the step notebooks are (default: the workbench's ``notebooks/``).
    cell_progress : bool
        Show each notebook's cell progress bar on stderr (:func:`run_step`).
    pool : KernelPool, optional
        The kernels for the steps, when the caller started one ahead
        (:meth:`KernelPool.launch`, ``kam run`` before it reads the settings); it is closed
        when the run ends, and the caller closes it as well for a failure before the run
        starts (a busy engagement, bad settings). Default: a pool of this run, its working
        folder the engagement's.
    run_token : str, optional
        The run's token (:func:`kamlib.guard.engagement_lock`) when the caller made it
        ahead, for a kernel it started before the run took the lock. Default: a new one.

    Returns
    -------
    dict
        The updated ``work/manifest.json``.
    """
    if not isinstance(eng, Engagement):
        eng = Engagement.open(eng)
    say = on_progress or (lambda _m: None)
    chosen = _select(steps, from_step, notebook_dir)
    if chosen and chosen[0].number != "00":
        needed = [s for s in STEPS if s.key < chosen[0].key]
        missing = [s.key for s in needed if not s.summary_path(eng).exists()]
        if missing:
            raise ConfigError(f"step {chosen[0].key} needs the results of {', '.join(missing)}, "
                              "which have not been run on this engagement",
                              file=str(eng.work), hint=f"run `kam run {eng.root}` (all steps) "
                              f"or `--from {missing[0][:2]}`")
    command = " ".join(["kam", "run", str(eng.root), *(["--steps", *steps] if steps else []),
                        *(["--from", from_step] if from_step else []),
                        *(["--force"] if force else [])])
    with engagement_lock(eng.work, command, on_note=say, token=run_token) as token:
        if chosen and chosen[0].number != "00":
            manifest = eng.manifest()
            check_finished(manifest, eng.root, before=f"running from {chosen[0].key}")
            check_inputs(manifest, eng.root, before=f"running from step {chosen[0].key}")
        try:
            return _run_chosen(eng, chosen, say, token, command,
                               force=force or bool(steps), notebook_dir=notebook_dir,
                               cell_progress=cell_progress, pool=pool)
        except OSError as exc:
            full = disk_full(exc, eng.work)
            if full is None:
                raise
            with contextlib.suppress(OSError):
                _update_manifest(eng, status="failed")
            raise full from None


def _up_to_date(eng: Engagement, step: Step, log: dict[str, Any], source: Path,
                ran: Iterable[str] = ()) -> tuple[dict[str, Any], list[str]]:
    """The step's fingerprint now, and why it must run (empty: it is up to date).

    A step that ran before a step it reads from ran again runs too, even when that step
    wrote the same results: the report (and ``kam status``) hold a step's results older
    than an earlier step's for stale. ``ran``: the steps run so far in this run.
    """
    now = fingerprint(eng, step, source)
    entry = log.get(step.key)
    if not entry or entry.get("status") != "ok":
        return now, ["it has not run" if not entry else f"its last run {entry.get('status')}"]
    if not step.dir(eng).is_dir():
        return now, [f"work/{step.folder}/ is missing"]
    later = [k for k, v in log.items() if k < step.key and (k in ran or finished_after(v, entry))]
    return now, changes(entry.get("fingerprint"), now) or [
        f"step {k[:2]} ran again after it" for k in sorted(later)[:1]]


def _run_chosen(eng: Engagement, chosen: list[Step], say: Callable[[str], None],
                token: str, command: str, *, force: bool = False,
                notebook_dir: Path | None = None, cell_progress: bool = False,
                pool: KernelPool | None = None) -> dict[str, Any]:
    """Run the chosen steps in order, recording each in ``work/manifest.json``; ``status``
    is ``running`` (with the run's ``run_token``) until the last one ends. Steps up to date
    are skipped unless ``force``."""
    started = datetime.now(UTC).isoformat(timespec="seconds")
    snapshot = raw_snapshot(eng.root) if any(s.number == "00" for s in chosen) \
        else None
    _update_manifest(eng, workbench="kamlib", run_started=started, run_finished=None,
                     versions=_versions(), parameters=eng.config.model_dump(mode="json"),
                     argv=sys.argv[1:], status="running", run_token=token,
                     run_command=command)
    step_log = dict(eng.manifest().get("steps", {}))
    last_run: dict[str, Any] = {"ran": {}, "up_to_date": []}
    # the next steps' kernels start while the current step (or the intake) runs; a pool
    # started by the caller in another folder would run the notebooks there
    if pool is None or pool.cwd != eng.root:
        pool = KernelPool(eng.root)
    try:
        return _run_steps(eng, chosen, say, step_log, last_run, pool, force=force,
                          notebook_dir=notebook_dir, cell_progress=cell_progress,
                          snapshot=snapshot)
    finally:
        pool.close()


def _run_steps(eng: Engagement, chosen: list[Step], say: Callable[[str], None],
               step_log: dict[str, Any], last_run: dict[str, Any], pool: KernelPool, *,
               force: bool, notebook_dir: Path | None, cell_progress: bool,
               snapshot: dict[str, Any] | None) -> dict[str, Any]:
    """The loop of :func:`_run_chosen`: each step skipped when up to date, else run."""
    folder = notebook_dir or notebooks_dir()
    # the steps up to the first that must run, checked first: the kernels are started for
    # the steps that will run (every step after the first that runs runs too), and none
    # when every step is up to date
    checked: dict[str, list[str]] = {}
    first = len(chosen)
    for n, step in enumerate(chosen):
        checked[step.key] = _up_to_date(eng, step, step_log, folder / step.notebook)[1]
        if checked[step.key] or force:
            first = n
            break
    for step in chosen[first:first + pool.ahead]:
        pool.prepare(folder / step.notebook, step.name)
    if first < len(chosen):  # a step will run: import papermill while its kernel starts
        from .nbstack import import_papermill

        import_papermill()
    for i, step in enumerate(chosen, 1):
        source = folder / step.notebook
        why = checked[step.key] if i - 1 <= first else \
            _up_to_date(eng, step, step_log, source, last_run["ran"])[1]
        if not why and not force:
            when = str(step_log[step.key].get("finished", "")).replace("T", " ").replace(
                "+00:00", " UTC")
            say(f"[{i}/{len(chosen)}] {step.key}: up to date — same notebook, settings, "
                f"inputs and upstream results as its run of {when}; kept")
            last_run["up_to_date"].append(step.key)
            _update_manifest(eng, steps=step_log, last_run=last_run)
            continue
        reason = "--force" if force and not why else "; ".join(why[:3]) + (
            f" (and {len(why) - 3} more)" if len(why) > 3 else "")
        say(f"[{i}/{len(chosen)}] {step.key}: {step.title_en} … ({reason})")
        last_run["ran"][step.key] = reason
        km = pool.take()
        if i - 1 + pool.ahead < len(chosen):
            coming = chosen[i - 1 + pool.ahead]
            pool.prepare(folder / coming.notebook, coming.name)
        try:
            entry = run_step(eng, step, on_progress=lambda m: say(f"      {m}"),
                             notebook_dir=notebook_dir, cell_progress=cell_progress, km=km)
        except (KamError, OSError) as exc:
            err = exc if isinstance(exc, KamError) else disk_full(exc, eng.work)
            if err is None:
                raise
            step_log[step.key] = {"status": "failed", "error": err.to_dict()}
            with contextlib.suppress(OSError):
                _update_manifest(eng, steps=step_log, status="failed")
            if err is exc:
                raise
            raise err from None
        entry["fingerprint"] = fingerprint(eng, step, source)  # as the step left things
        entry["seq"] = next_seq(step_log)
        step_log[step.key] = entry
        extra: dict[str, Any] = {"last_run": last_run}
        if step.number == "00":
            intake_manifest = json.loads(
                (_INTAKE.dir(eng) / "intake_manifest.json").read_text("utf-8"))
            extra["inputs"] = intake_manifest
            extra["raw_snapshot"] = snapshot
        _update_manifest(eng, steps=step_log, **extra)
        say(f"      done in {entry['seconds']:.1f} s → {entry['notebook']}")
    return _update_manifest(eng, status="ok",
                            run_finished=datetime.now(UTC).isoformat(timespec="seconds"))


def record_run(eng: Engagement | str | Path, *, entries: dict[str, dict[str, Any]] | None = None,
               started: str | None = None) -> dict[str, Any]:
    """Record the steps run in-process (their functions called, not their notebooks) in
    ``work/manifest.json`` as a finished run.

    :func:`run_pipeline` writes the manifest itself; steps called as functions (tests,
    :func:`notebook_context`, :func:`kamlib.notebook.explore.demo_engagement`) do not, so a report
    built on them would be refused as "not run". Each step with a ``summary.json`` is
    recorded, in order, as completed — with its entry from ``entries`` when given (e.g. what
    :func:`run_step` returned), else one second after the previous.

    Returns
    -------
    dict
        The updated manifest.
    """
    if not isinstance(eng, Engagement):
        eng = Engagement.open(eng)
    start = datetime.fromisoformat(started) if started else datetime.now(UTC)
    steps = {}
    for i, step in enumerate(STEPS):
        folder = step.folder
        if (eng.work / folder / "summary.json").exists():
            steps[step.key] = (entries or {}).get(step.key) or {
                "status": "ok", "seconds": None, "note": "run in-process",
                "finished": (start + timedelta(seconds=i)).isoformat(timespec="seconds")}
    inputs_path = _INTAKE.dir(eng) / "intake_manifest.json"
    return _update_manifest(
        eng, workbench="kamlib", run_started=start.isoformat(timespec="seconds"),
        versions=_versions(), parameters=eng.config.model_dump(mode="json"), status="ok",
        steps=steps, raw_snapshot=raw_snapshot(eng.root),
        inputs=json.loads(inputs_path.read_text("utf-8")) if inputs_path.exists() else {})


class ReadOnlyRecordError(StepError):
    """A step notebook saved in an engagement's ``notebooks/`` was run again by hand.

    Such a notebook is the record of a run: the staging folder it wrote into was swapped into
    ``work/`` when the step succeeded, so a re-run could only write into a folder nothing
    reads. In Jupyter it shows as its message, without a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython: show the message, not a traceback
        return [f"{type(self).__name__}: {self}"]


def _read_only_record(eng: Engagement, step: str, step_dir: str | None) -> ReadOnlyRecordError:
    entry = (eng.manifest().get("steps") or {}).get(step) or {}
    when = entry.get("finished")
    ran = (f"ran on {when.replace('T', ' ').replace('+00:00', ' UTC')}" if when
           else "was run by `kam run`")
    folder = find_step(step).folder
    was = f"its working folder {step_dir} " if step_dir else "it has no working folder: it "
    number = step[:2]
    return ReadOnlyRecordError(
        f"this notebook is the read-only record of step {number} on {eng.root}: the step "
        f"{ran}, and {was}was moved into work/{folder}/ when the step succeeded. Re-running "
        "it here would change neither work/ nor the report, so it stops",
        file=f"notebooks/{step}.ipynb",
        hint=f"to run step {number} again on this engagement (with engagement.yaml's "
        f"settings): `kam run {eng.root} --steps {number}` — or `kam run {eng.root} --from "
        f"{number}` to bring the steps after it up to date too (`kam status {eng.root}` says "
        "which are stale); to explore the results: `kamlib.open_engagement(...)` in "
        "notebooks/explore.ipynb; to experiment, use the workbench's own notebook (it works "
        "on a temporary copy of the sample)")


def notebook_context(engagement_dir: str | None, step_dir: str | None, *, step: str,
                     sample: str = "demo_ru") -> tuple[Engagement, Path]:
    """Resolve a step notebook's engagement and artefact folder.

    Run by the runner (``kam run``), the notebook gets both parameters: the engagement and
    the staging folder of this run, which the runner swaps into ``work/<step>/`` and records
    in ``work/manifest.json`` when the notebook succeeds; ``kam present`` gives a scratch
    folder. Run by hand or by nbval with the defaults (``None`` or ``""``), it works on a
    fresh temporary copy of a sample engagement, with the steps before it run there first,
    so every notebook is runnable on its own (:mod:`kamlib.sample_runs`).

    A notebook saved by a run (``<engagement>/notebooks/<step>.ipynb``) and run again by hand
    — its staging folder long gone, or no folder given — is a read-only record: it stops with
    :class:`ReadOnlyRecordError`, which says how to re-run the step (``kam run DIR --steps NN``),
    rather than write where neither ``work/`` nor the report would ever see it.

    Returns
    -------
    (Engagement, Path)
        The engagement and this step's artefact folder.

    Raises
    ------
    ReadOnlyRecordError
        An engagement is given but its step folder is not there (see above).
    StepError
        The engagement folder is not there (the notebook was moved to another machine).
    """
    engagement_dir, step_dir = engagement_dir or None, step_dir or None
    if engagement_dir is None:
        from .sample_runs import sample_with_steps_before

        eng = sample_with_steps_before(sample, step)
        out = Path(step_dir) if step_dir else eng.step_dir(find_step(step).folder)
        out.mkdir(parents=True, exist_ok=True)
        return eng, out
    if not Path(engagement_dir).is_dir():
        raise StepError("the engagement this notebook was run on is not here",
                        file=str(engagement_dir),
                        hint="open the notebook from its engagement's notebooks/ folder on the "
                        "machine that ran it, or run the step there: kam run DIR --steps "
                        f"{step[:2]}")
    eng = Engagement.open(engagement_dir)
    if step_dir is None or not Path(step_dir).is_dir():
        raise _read_only_record(eng, step, step_dir)
    return eng, Path(step_dir)
