"""Step 4's organisational layer on an engagement: the client teams (with the review sheet
replayed), the role fit of today's managers, the KPIs per KAM and the bonus sketch.

Called by :func:`kamlib.sizing.run_sizing`; reads the engagement's artefacts and
``review/client_teams.xlsx``, writes nothing but the sheet (the step writes the artefacts).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import SizingParams
from ..steps import artefact_path
from ..units import money, reason
from .client_teams import (
    SUPPORT_ROLES,
    account_complexity,
    apply_raci,
    client_teams,
    default_raci,
    head_of_kam,
    support_by_role,
)
from .kpis import bonus_scheme, kam_kpis
from .role_fit import role_fit
from .team_sheet import read_client_teams, write_client_teams

if TYPE_CHECKING:
    from ..engagement import Engagement

__all__ = ["SHEET", "fit_of_managers", "teams_for_step", "teams_json"]

#: the review sheet, under the engagement folder
SHEET = "review/client_teams.xlsx"


def fit_of_managers(eng: Engagement, team: pd.DataFrame | None, owners: pd.Series,
                    pnl: pd.DataFrame, key_ids: pd.Index, params: SizingParams
                    ) -> pd.DataFrame | None:
    """:func:`.role_fit.role_fit` on the engagement (None without a team table)."""
    if team is None or "person" not in team.columns:
        return None
    contacts = None
    c_path = artefact_path(eng, "contacts")
    if c_path.exists():
        contacts = pd.read_parquet(c_path)
        ents = pd.read_parquet(artefact_path(eng, "entities"))
        emap = ents.set_index("client_id")["entity_id"]
        contacts = contacts.assign(entity_id=contacts["client_id"].astype(str).map(emap)) \
            .dropna(subset=["entity_id"])
    return role_fit(team, owners=owners, pnl=pnl, key_ids=key_ids, contacts=contacts,
                    params=params.role_fit)


def teams_for_step(eng: Engagement, key: pd.DataFrame, assignment: pd.DataFrame,
                   team: pd.DataFrame | None, params: SizingParams, *, years: float,
                   lang: str) -> dict[str, Any]:
    """The client teams of the key accounts, the edits of the review sheet replayed, the
    sheet written back; the KPIs per KAM.

    Returns
    -------
    dict
        ``complexity``, ``teams``, ``raci``, ``support`` (:func:`.support_by_role`),
        ``head`` (name or None), ``head_source``, ``edited_hours`` / ``edited_raci``
        (counts), ``kpis`` (:func:`.kpis.kam_kpis`), ``notes`` (reason codes).
    """
    ct = params.client_teams
    sales_path = artefact_path(eng, "entity_sales")
    sales = pd.read_parquet(sales_path, columns=None) if sales_path.exists() else None
    ents_path = artefact_path(eng, "entities")
    entities = pd.read_parquet(ents_path) if ents_path.exists() else None
    complexity = account_complexity(key, sales=sales, entities=entities, years=years)
    notes: list[dict[str, Any]] = []  # reason codes (kamlib.units.reason)
    if complexity["delivery_points"].isna().all():
        notes.append(reason("note_no_delivery_points"))
    sheet = Path(eng.root) / SHEET
    overrides = edited = None
    if sheet.exists():
        overrides, edited, sheet_notes = read_client_teams(sheet, known=key.index.astype(str))
        notes += sheet_notes
    kam = assignment["kam"].copy()
    kam.index = kam.index.astype(str)
    complexity.index = complexity.index.astype(str)
    head, head_source = head_of_kam(team, ct.head_of_kam)
    if head is None:
        notes.append(reason("note_no_head_of_kam", setting="sizing.client_teams.head_of_kam"))
    teams = client_teams(complexity, kam, head=head, params=ct, overrides=overrides)
    raci = apply_raci(default_raci(complexity, ct.raci), edited)
    sheet.parent.mkdir(parents=True, exist_ok=True)
    write_client_teams(sheet, teams, raci, lang=lang)
    support = support_by_role(teams, ct.hours_per_fte)
    kk = key.copy()
    kk.index = kk.index.astype(str)
    return {"complexity": complexity, "teams": teams, "raci": raci, "support": support,
            "head": head, "head_source": head_source,
            "edited_hours": int((teams["source"] == "sheet").sum()),
            "edited_raci": int((raci["source"] == "sheet").sum()),
            "kpis": kam_kpis(kk, kam, params.kpi_scheme), "notes": notes}


def _m(x: float | None, currency: str) -> dict[str, str] | None:
    return None if x is None or not math.isfinite(x) else money(float(x), currency)


def _r(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 6)


def teams_json(ct: dict[str, Any], bc: dict[str, Any], bc_without: dict[str, Any],
               quadrant_support: pd.DataFrame, fit: pd.DataFrame | None, params: SizingParams,
               currency: str) -> dict[str, Any]:
    """Step 4's summary entry ``client_teams`` (and the business case with and without the
    support FTE), ``kpi_scheme`` and ``role_fit``: money with its currency, ratios as
    fractions, counts as ints."""
    sup = bc["support"]
    per_acc = ct["teams"][ct["teams"]["role"].isin(SUPPORT_ROLES)].groupby("entity_id")[
        "hours"].sum()
    out = {
        "client_teams": {
            "accounts": int(ct["complexity"].shape[0]),
            "head_of_kam": ct["head"], "head_of_kam_source": ct["head_source"],
            "support_hours": float(sup["hours"].sum()),
            "support_fte": round(float(sup["fte"].sum()), 4),
            "support_cost": _m(float(sup["cost"].sum()), currency),
            "support_new_cash": _m(float(sup["new_cash"].sum()), currency),
            "hours_per_fte": float(params.client_teams.hours_per_fte),
            "hours_per_account_median": round(float(per_acc.median()), 2)
            if len(per_acc) else None,
            "hours_per_account_max": round(float(per_acc.max()), 2) if len(per_acc) else None,
            "edited_hours": ct["edited_hours"], "edited_raci": ct["edited_raci"],
            "quadrant_table_support_fte": round(float(quadrant_support["fte"].sum()), 4),
            "business_case": {
                "programme_cost_without_support": _m(bc_without["cost"]["total"], currency),
                "programme_cost": _m(bc["cost"]["total"], currency),
                "needed_uplift_without_support_ratio": _r(bc_without["needed_uplift"]),
                "needed_uplift_ratio": _r(bc["needed_uplift"]),
                "break_even_ratio_without_support": _r(bc_without["break_even"]["ratio"]),
                "break_even_ratio": _r(bc["break_even"]["ratio"]),
                "verdict_without_support": bc_without["verdict"]["code"],
                "verdict": bc["verdict"]["code"],
            },
        },
        "kpi_scheme": bonus_scheme(params.kpi_scheme),
    }
    if fit is not None and len(fit):
        out["role_fit"] = {
            "managers": len(fit), "good_fit": int(fit["good_fit"].sum()),
            "good_fit_threshold": float(params.role_fit.good_fit),
            "weights": {k: float(v) for k, v in params.role_fit.weights.items()},
            "best": {"person": str(fit["person"].iloc[0]),
                     "fit_share": round(float(fit["fit"].iloc[0]), 4)},
        }
    return out
