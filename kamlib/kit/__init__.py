"""The engagement kit: what the consultant hands over besides the report.

- :func:`~kamlib.kit.account_plans.account_plan_facts` and
  :func:`~kamlib.kit.account_plans.relationship_map` — per key client, the facts of its
  account plan and the map of its people against ours (DataFrame in, DataFrame out);
- :func:`~kamlib.kit.plan_workbook.write_account_plans` — the pre-filled account plans as one
  Excel workbook (an index and one sheet per key client), in the report's language.

The kit reads the steps' artefacts through the registry (:mod:`kamlib.steps`) and computes
nothing a step decides: the figures are the steps' own, the gaps are step 3's risk codes.
"""

from __future__ import annotations

from .account_plans import (
    FACT_COLUMNS,
    AccountPlans,
    account_plan_facts,
    load_account_plans,
    relationship_map,
)
from .plan_workbook import write_account_plans

__all__ = [
    "FACT_COLUMNS",
    "AccountPlans",
    "account_plan_facts",
    "load_account_plans",
    "relationship_map",
    "write_account_plans",
]
