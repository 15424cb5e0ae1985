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

from .engagement import Engagement
from .errors import KamError

__all__ = ["DESCRIPTIONS", "EngagementData", "demo_engagement", "open_engagement"]

#: what each artefact is (``name`` = the Parquet file's stem; the step folder disambiguates
#: ``sales`` of the intake and of the cleanup as ``sales`` and ``entity_sales``)
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "clients": ("00_intake", "client catalogue as received: one row per client record"),
    "sales": ("00_intake", "sales lines, canonical: net revenue VAT excluded, returns negative"),
    "activities": ("00_intake", "cost-to-serve drivers (deliveries, visits, hours…) per client"),
    "payments": ("00_intake", "invoices with due and paid dates (days late, DSO)"),
    "contacts": ("00_intake", "people at the clients, their roles and our owner"),
    "assessment": ("00_intake", "judged criteria scores from the client's assessment export"),
    "team": ("00_intake", "our sales team: role, annual cost, hours, region"),
    "rejected": ("00_intake", "input rows not used, with file, row, reason and their money"),
    "issues": ("00_intake", "data-quality problems found at intake, by file and column"),
    "entities": ("01_client_base_cleanup",
                 "every client record → its legal entity (entity_id) and group (group_id)"),
    "entity_table": ("01_client_base_cleanup",
                     "one row per legal entity: records, spellings, INN, orders, status"),
    "identifiers": ("01_client_base_cleanup", "INN / KPP / OGRN checks per record"),
    "pairs": ("01_client_base_cleanup",
              "candidate duplicate pairs with scores, evidence and the decision"),
    "entity_sales": ("01_client_base_cleanup", "sales lines re-mapped to legal entities"),
    "status": ("01_client_base_cleanup", "activity status per entity (new, active, dormant…)"),
    "client_pnl": ("02_profitability",
                   "client P&L per entity: list revenue → contribution, ABC/XYZ, growth"),
    "group_pnl": ("02_profitability", "the same P&L per group of companies"),
    "monthly": ("02_profitability", "net revenue per entity and month"),
    "robustness": ("02_profitability", "contribution under ±20% cost-to-serve rates"),
    "candidates": ("03_key_client_profile",
                   "the long list: criteria scores, attractiveness, strength, quadrant"),
    "key_clients": ("03_key_client_profile", "the key clients with reasons, strategy, CLV"),
    "relationships": ("03_key_client_profile", "contact coverage and relationship stage"),
    "team_plan": ("04_kam_team_sizing", "the recommended KAMs: accounts, hours, utilisation"),
    "assignment": ("04_kam_team_sizing", "who serves whom: each key account's KAM and hours"),
    "methods": ("04_kam_team_sizing", "FTE by three methods, low / base / high"),
}
_RENAMED = {("01_client_base_cleanup", "sales"): "entity_sales"}


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
        folders = sorted(p.name for p in (self.root / "work").iterdir() if p.is_dir())
        match = [f for f in folders if f == step or f.startswith(step[:2])]
        if not match or not (self.root / "work" / match[0] / "summary.json").exists():
            raise KamError(f"step {step} has no summary.json", file=str(self.root / "work"),
                           hint=f"run `kam run {self.root}`")
        return json.loads((self.root / "work" / match[0] / "summary.json").read_text("utf-8"))

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
    if eng.work.exists():
        for folder in sorted(p for p in eng.work.iterdir() if p.is_dir()):
            for path in sorted(folder.glob("*.parquet")):
                name = _RENAMED.get((folder.name, path.stem), path.stem)
                paths.setdefault(name, path)
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

    from .cleanup import run_cleanup
    from .engagement import copy_engagement
    from .profitability import run_profitability
    from .resources import samples_dir
    from .runner import record_run, run_intake
    from .selection import run_selection
    from .sizing import run_sizing

    if into is None:
        tmp = Path(tempfile.mkdtemp(prefix=f"kam-{sample}-"))
        atexit.register(shutil.rmtree, tmp, ignore_errors=True)
        into = tmp / sample
    root = copy_engagement(samples_dir() / sample, into)
    eng = Engagement.open(root)
    run_intake(eng)
    run_cleanup(root, eng.step_dir("01_client_base_cleanup"))
    run_profitability(root, eng.step_dir("02_profitability"))
    run_selection(root, eng.step_dir("03_key_client_profile"))
    run_sizing(root, eng.step_dir("04_kam_team_sizing"))
    record_run(root)
    return root
