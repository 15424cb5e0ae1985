"""Executed notebooks without volatile metadata: clean diffs from one run to the next.

Papermill and nbclient stamp every cell with its start and end times, its duration and
the kernel's message times (``metadata.papermill``, ``metadata.execution``), and the
notebook with the run's start, end and duration: one re-execution of an unchanged notebook
changes hundreds of lines that say nothing. :func:`clean_notebook` removes them and keeps
everything a reader or a reviewer needs: sources, outputs, execution counts, tags, the
parameters, papermill's version, and — unless asked not to — when the run ended (the working
papers print it).

``python -m kamlib.notebook.nbclean NOTEBOOK...`` cleans files in place (``make notebooks`` does it
for the committed notebooks, without the end time); the runner cleans the executed step
notebooks it writes to an engagement's ``notebooks/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["VOLATILE_CELL_KEYS", "clean_notebook", "clean_notebook_bytes", "main"]

#: Per-cell papermill keys that change on every run (``status``/``exception`` are kept).
VOLATILE_CELL_KEYS = ("start_time", "end_time", "duration")
_VOLATILE_RUN_KEYS = ("start_time", "duration")


def clean_notebook(nb: dict[str, Any], *, keep_end_time: bool = True) -> dict[str, Any]:
    """Remove the volatile metadata of an executed notebook, in place.

    Parameters
    ----------
    nb : dict
        The notebook as parsed JSON (nbformat 4).
    keep_end_time : bool
        Keep ``metadata.papermill.end_time``, when the run ended (one line; the working
        papers show it). ``False`` for notebooks committed to the repository.

    Returns
    -------
    dict
        ``nb`` itself.

    Notes
    -----
    The cell papermill injects with the parameters gets the fixed id
    ``injected-parameters`` (papermill draws a random one). Removed: each cell's
    ``metadata.execution`` (the kernel's iopub / shell message times)
    and the times of its ``metadata.papermill`` (a cell that completed without exception
    loses the whole entry, which then says nothing); the notebook's
    ``metadata.papermill.start_time`` and ``duration`` (and ``end_time`` unless kept).
    Outputs, sources, execution counts and tags are untouched.
    """
    for cell in nb.get("cells", []):
        meta = cell.get("metadata")
        if not isinstance(meta, dict):
            continue
        if "injected-parameters" in meta.get("tags", []) and "id" in cell:
            cell["id"] = "injected-parameters"  # papermill gives it a random id each run
        meta.pop("execution", None)
        pm = meta.get("papermill")
        if isinstance(pm, dict):
            for key in VOLATILE_CELL_KEYS:
                pm.pop(key, None)
            if pm.get("status") == "completed" and not pm.get("exception"):
                del meta["papermill"]
    run = nb.get("metadata", {}).get("papermill")
    if isinstance(run, dict):
        for key in _VOLATILE_RUN_KEYS + (() if keep_end_time else ("end_time",)):
            run.pop(key, None)
    return nb


def clean_notebook_bytes(data: bytes, *, keep_end_time: bool = True) -> bytes:
    """:func:`clean_notebook` on a notebook file's bytes, written back as Jupyter writes
    notebooks (indent 1, sorted keys, UTF-8, a final newline) so diffs stay line-based."""
    nb = clean_notebook(json.loads(data.decode("utf-8")), keep_end_time=keep_end_time)
    return (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    """``python -m kamlib.notebook.nbclean [--keep-end-time] NOTEBOOK...``: clean files in place."""
    p = argparse.ArgumentParser(prog="python -m kamlib.notebook.nbclean",
                                description="Remove volatile metadata (timings) from executed "
                                "notebooks, in place.")
    p.add_argument("notebooks", nargs="+", type=Path)
    p.add_argument("--keep-end-time", action="store_true",
                   help="keep metadata.papermill.end_time (when the run ended)")
    args = p.parse_args(argv)
    for path in args.notebooks:
        try:
            data = path.read_bytes()
            cleaned = clean_notebook_bytes(data, keep_end_time=args.keep_end_time)
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            print(f"{path}: not a readable notebook ({type(exc).__name__}: {exc})",
                  file=sys.stderr)
            return 3
        if cleaned != data:
            path.write_bytes(cleaned)
            print(f"cleaned {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
