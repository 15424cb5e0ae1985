"""The analyst's entry point: an engagement's artefacts as DataFrames, with what each one is.

>>> eng = open_engagement("demo/demo_ru")          # doctest: +SKIP
>>> eng.describe()                                  # every table: step, rows, description
>>> pnl = eng["client_pnl"]                         # or eng.client_pnl
>>> eng.summary("02")["concentration"]["top3"]

Nothing is re-computed and nothing is written: the tables are read (lazily, once) from
``work/<step>/*.parquet`` as the last run left them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from kamlib.engagement import Engagement
from kamlib.errors import KamError
from kamlib.steps import STEPS
from kamlib.steps import step as find_step

__all__ = ["DESCRIPTIONS", "EngagementData", "demo_engagement", "open_engagement"]

#: what each artefact is: name → (step folder, description), from the registry
#: (:mod:`kamlib.steps`; the cleanup's ``sales`` is ``entity_sales``)
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    a.name: (s.folder, a.description) for s in STEPS for a in s.artefacts}


@dataclass
class EngagementData(Mapping[str, pd.DataFrame]):
    """An engagement's artefacts: a read-only mapping of table name → DataFrame.

    Attributes
    ----------
    root : Path
        The engagement folder.
    manifest : dict
        ``work/manifest.json`` (inputs, parameters, versions, steps).
    paths : dict of str to Path
        Where each table is.
    """

    root: Path
    manifest: dict[str, Any]
    paths: dict[str, Path]
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.paths:
            raise KeyError(f"no table {name!r}; tables: {', '.join(self.paths)}")
        if name not in self._cache:
            self._cache[name] = pd.read_parquet(self.paths[name])
        return self._cache[name].copy()

    def __iter__(self) -> Iterator[str]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name.startswith("_") or name not in self.__dict__.get("paths", {}):
            raise AttributeError(name)
        return self[name]

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.paths})

    def summary(self, step: str) -> dict[str, Any]:
        """A step's ``summary.json`` (``"02"`` or ``"02_profitability"``)."""
        path = self.root / "work" / find_step(step).folder / "summary.json"
        if not path.exists():
            raise KamError(f"step {step} has no summary.json", file=str(path),
                           hint=f"run `kam run {self.root}`")
        summary: dict[str, Any] = json.loads(path.read_text("utf-8"))
        return summary

    def describe(self) -> pd.DataFrame:
        """One row per table: step, name, rows, columns, what it is, file."""
        rows = []
        for name, path in self.paths.items():
            import pyarrow.parquet as pq

            meta = pq.ParquetFile(path).metadata
            rows.append({"step": path.parent.name, "table": name, "rows": meta.num_rows,
                         "columns": meta.num_columns,
                         "description": DESCRIPTIONS.get(name, ("", "—"))[1],
                         "file": str(path.relative_to(self.root))})
        return pd.DataFrame(rows)


def open_engagement(engagement_dir: str | Path) -> EngagementData:
    """Open an engagement's artefacts for exploration (after ``kam run``).

    Parameters
    ----------
    engagement_dir : path
        The engagement folder.

    Returns
    -------
    EngagementData
        A mapping of table name → DataFrame with ``describe()`` and ``summary(step)``.

    Raises
    ------
    KamError
        The engagement has no artefacts yet (with the command that makes them).
    """
    eng = Engagement.open(engagement_dir)
    paths: dict[str, Path] = {}
    for s in STEPS:
        for a in s.artefacts:
            if (s.dir(eng) / a.file).exists():
                paths[a.name] = s.dir(eng) / a.file
    if not paths:
        raise KamError("the engagement has no artefacts yet", file=str(eng.work),
                       hint=f"run `kam run {eng.root}` first")
    return EngagementData(eng.root, eng.manifest(), paths)


def demo_engagement(sample: str = "demo_ru", *, into: str | Path | None = None) -> Path:
    """A run copy of a sample engagement, for trying things out: steps 0–4 in-process.

    Parameters
    ----------
    sample : str
        A folder of ``data_samples/`` (``demo_ru``, ``demo_en``, ``training_*``).
    into : path, optional
        Where to put it (default: a temporary folder removed at exit).
    """
    import atexit
    import shutil
    import tempfile

    from kamlib.cleanup import run_cleanup
    from kamlib.engagement import copy_engagement
    from kamlib.profitability import run_profitability
    from kamlib.resources import samples_dir
    from kamlib.runner import record_run, run_intake
    from kamlib.selection import run_selection
    from kamlib.sizing import run_sizing

    if into is None:
        tmp = Path(tempfile.mkdtemp(prefix=f"kam-{sample}-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        into = tmp / sample
    root = copy_engagement(samples_dir() / sample, into)
    eng = Engagement.open(root)
    run_intake(eng)
    run_cleanup(root, find_step("01").dir(eng))
    run_profitability(root, find_step("02").dir(eng))
    run_selection(root, find_step("03").dir(eng))
    run_sizing(root, find_step("04").dir(eng))
    record_run(root)
    return root
