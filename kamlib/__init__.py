"""KAM Audit Workbench: from a company's raw exports to a key account management audit.

The curated public API; the modules hold the rest:

- :mod:`kamlib.intake` reads raw exports into canonical tables (``ingest``);
- :mod:`kamlib.datacheck` describes what was received (step 0);
- :mod:`kamlib.cleanup` finds who the clients really are (step 1: ``clean_client_base``);
- :mod:`kamlib.profitability` builds the client P&L and its figures (step 2: ``client_pnl``);
- :mod:`kamlib.selection` chooses the key clients (step 3); :mod:`kamlib.sizing` sizes the
  KAM team (step 4);
- :mod:`kamlib.report` renders the deliverables (``build_report``: HTML, PDF, XLSX, PPTX);
- :mod:`kamlib.notebook.explore` opens an engagement's artefacts for analysts (``open_engagement``);
- :mod:`kamlib.training.anonymise` turns an engagement into a training one;
- :mod:`kamlib.runner` runs the steps' notebooks with papermill (``run_pipeline``);
- :mod:`kamlib.engagement` creates and opens engagement folders;
- :mod:`kamlib.training.samples` makes synthetic sample engagements and lesson cases;
- :mod:`kamlib.plots` draws the charts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ConfigError,
    InputError,
    KamError,
    ReconciliationError,
    ReportError,
    SchemaError,
    StepError,
)

if TYPE_CHECKING:  # the names below are imported on first use (``_LAZY``)
    from .cleanup import clean_client_base, pairwise_scores
    from .config import EngagementConfig, load_config
    from .engagement import Engagement, init_engagement
    from .intake import IntakeResult, ingest
    from .notebook.explore import open_engagement
    from .profitability import CostModel, client_pnl
    from .report import build_report
    from .runner import STEPS, notebook_context, run_pipeline
    from .training.anonymise import anonymise_engagement

__version__ = "0.1.0"

__all__ = [
    "STEPS",
    "ConfigError",
    "CostModel",
    "Engagement",
    "EngagementConfig",
    "InputError",
    "IntakeResult",
    "KamError",
    "ReconciliationError",
    "ReportError",
    "SchemaError",
    "StepError",
    "__version__",
    "anonymise_engagement",
    "build_report",
    "clean_client_base",
    "client_pnl",
    "ingest",
    "init_engagement",
    "load_config",
    "notebook_context",
    "open_engagement",
    "pairwise_scores",
    "run_pipeline",
]


#: every module but the errors is imported on first use (PEP 562), so that `kam check` starts
#: fast and a child process that needs one module (``python -m kamlib.pdf``) does not import
#: polars, numpy and the steps with the package (1.2 s)
_LAZY = {"EngagementConfig": "config", "load_config": "config",
         "Engagement": "engagement", "init_engagement": "engagement",
         "IntakeResult": "intake", "ingest": "intake",
         "STEPS": "runner", "notebook_context": "runner", "run_pipeline": "runner",
         "clean_client_base": "cleanup", "pairwise_scores": "cleanup",
         "client_pnl": "profitability", "CostModel": "profitability",
         "build_report": "report", "open_engagement": "notebook.explore",
         "anonymise_engagement": "training.anonymise"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'kamlib' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The lazy names too (completion in a notebook: ``kamlib.<Tab>``)."""
    return sorted(set(globals()) | set(__all__))
