"""The widget of step 00, 01 or 02 built from an engagement's artefacts (:func:`step_widget`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from kamlib.notebook.widgets.base import (
    _StepWidget,
)
from kamlib.notebook.widgets.cleanup import cleanup_widget
from kamlib.notebook.widgets.intake import intake_widget
from kamlib.notebook.widgets.profitability import profitability_widget


def step_widget(engagement_dir: str | Path, step: str, *, step_dir: str | Path | None = None,
                lang: str | None = None) -> _StepWidget:
    """The widget of step 00, 01 or 02 built from an engagement's artefacts.

    Parameters
    ----------
    engagement_dir : path
        An engagement on which ``kam run`` has run the step.
    step : str
        ``"00"``, ``"01"``, ``"02"`` (or the step's name).
    step_dir : path, optional
        Where the step's artefacts are (default ``work/<step>``).
    lang : str, optional
        Default: the engagement's report language.

    Raises
    ------
    KamError
        An unknown step, or the step's artefacts are missing (hint: ``kam run``).
    """
    from kamlib.engagement import Engagement
    from kamlib.errors import KamError

    eng = Engagement.open(engagement_dir)
    lang = lang or eng.config.report.language
    from kamlib.steps import step as find_step

    spec = find_step(step)
    key = spec.number
    if key not in ("00", "01", "02"):
        raise KamError(f"no widget for step '{step}' here", value=step,
                       hint="use 00, 01 or 02; steps 03 and 04 build theirs in their notebook")
    folder = Path(step_dir) if step_dir else spec.dir(eng)
    intake = find_step("00").dir(eng)
    clients = intake / find_step("00").artefact("clients").file
    sales = intake / find_step("00").artefact("sales").file
    needed = {"00": [intake / "intake_manifest.json"],
              "01": [folder / find_step("01").artefact("pairs").file, clients, sales],
              "02": [folder / find_step("02").artefact("client_pnl").file]}[key]
    missing = [p for p in needed if not p.exists()]
    if missing:
        raise KamError(f"step {key} has not been run on this engagement", file=str(missing[0]),
                       hint=f"run it first: kam run {eng.root}")
    if key == "00":
        from kamlib.datacheck import load_intake

        tables, manifest = load_intake(folder)
        return intake_widget(tables, manifest, lang=lang)
    if key == "01":
        from kamlib.cleanup.matching import prepare_records

        groups = eng.root / "decisions" / "groups.csv"
        return cleanup_widget(
            pd.read_parquet(folder / find_step("01").artefact("pairs").file),
            prepare_records(pd.read_parquet(clients)),
            pd.read_parquet(sales,
                            columns=["client_id", "document_id", "date", "net_revenue"]),
            params=eng.config.cleanup,
            group_map=pd.read_csv(groups, dtype=str) if groups.exists() else None,
            period_start=eng.config.period.start, period_end=eng.config.period.end, lang=lang)
    from kamlib.profitability.pnl import CostModel

    pnl = pd.read_parquet(folder / find_step("02").artefact("client_pnl").file)
    costs = CostModel.from_params(eng.config.profitability)
    # the step's own rates: a driver costed from the client's cost pools starts at its
    # time-driven rate (the step's summary), not at the default rate of engagement.yaml
    summary = folder / "summary.json"
    sources = (json.loads(summary.read_text(encoding="utf-8")).get("cost_sources") or {}
               if summary.exists() else {})
    pooled = {d: float(v["rate"]) for d, v in sources.items()
              if v.get("source") == "client_pools"}
    if pooled:
        costs = CostModel({**dict(costs.rates), **pooled},
                          {d: v for d, v in costs.pools.items() if d not in pooled},
                          costs.avoidable, costs.receivables_rate)
    return profitability_widget(pnl, costs, lang=lang, currency=eng.config.currency)
