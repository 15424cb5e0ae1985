"""The facts of each key client's account plan, and the map of its people against ours.

An account plan (McDonald & Woodburn 2007, *Key Account Management*, ch. 9; Ryals &
McDonald 2008, *Key Account Plans*) starts from the facts about the account — what it buys and
earns, how it pays, who we know there — before the objectives and actions the KAM writes with
the client. This module gathers those facts from the steps' artefacts, one row per key client,
and the relationship map (their people by level and function against our people: Cheverton
2004, *Key Account Management*, the "bow-tie" to "diamond" relationship map).

Nothing here is decided: the figures are step 2's and step 3's, the KAM is step 4's, the deep
plans are the ones step 3 or 4 marked, the gaps are step 3's risk codes. DataFrame in,
DataFrame out; :mod:`kamlib.kit.plan_workbook` writes them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from ..engagement import Engagement
from ..selection.relationship import canonical_role
from ..steps import artefact, artefact_path
from ..units import stored_reasons

__all__ = [
    "FACT_COLUMNS",
    "AccountPlans",
    "account_plan_facts",
    "load_account_plans",
    "relationship_map",
]

ENTITY = "entity_id"

#: The facts of an account plan, in the order the plan shows them: (artefact, column). Each
#: column's unit is the one the step registry declares for it (kamlib.steps).
FACT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("client_pnl", "net_revenue"),
    ("client_pnl", "revenue_last12"),
    ("client_pnl", "revenue_prev12"),
    ("client_pnl", "growth_pct"),
    ("client_pnl", "gross_margin"),
    ("client_pnl", "margin_pct"),
    ("client_pnl", "discount"),
    ("client_pnl", "discount_pct"),
    ("client_pnl", "returns"),
    ("client_pnl", "returns_pct"),
    ("client_pnl", "cost_to_serve"),
    ("client_pnl", "cts_pct"),
    ("client_pnl", "cost_of_receivables"),
    ("client_pnl", "contribution"),
    ("client_pnl", "contribution_pct"),
    ("client_pnl", "orders"),
    ("client_pnl", "avg_order"),
    ("client_pnl", "terms_days"),
    ("client_pnl", "dso_days"),
    ("client_pnl", "days_late"),
    ("client_pnl", "first_order"),
    ("client_pnl", "tenure_days"),
    ("key_clients", "attractiveness"),
    ("key_clients", "strength"),
    ("relationships", "contacts"),
    ("relationships", "our_people"),
    ("relationships", "days_since_last_contact"),
)

#: Columns of :func:`account_plan_facts` besides the facts.
HEAD_COLUMNS: tuple[str, ...] = (
    "entity_id", "entity_name", "kam", "quadrant", "deep_plan", "rank", "stage",
    "reason", "risks",
)

#: Ranks of contact levels (lower = more senior), recognised in Russian and English.
_LEVELS: dict[str, int] = {
    "высший": 0, "топ": 0, "top": 0, "senior": 0, "executive": 0, "c-level": 0,
    "руководство": 0, "средний": 1, "middle": 1, "manager": 1,
    "исполнитель": 2, "operational": 2, "staff": 2, "специалист": 2,
}


def unit_of_fact(name: str, column: str) -> str:
    """The unit the step registry declares for ``column`` of artefact ``name``."""
    unit = artefact(name)[1].units.get(column)
    if unit is None:
        raise KeyError(f"{name}.{column} has no unit in kamlib.steps")
    return unit


def _reasons(value: Any) -> list[dict[str, Any]]:
    """Step 3's codes with arguments, stored as JSON text (or already a list)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        value = json.loads(value) if value.strip() else []
    if isinstance(value, dict):
        return [value]
    return [dict(v) for v in value]


def account_plan_facts(key_clients: pd.DataFrame, client_pnl: pd.DataFrame,
                       relationships: pd.DataFrame | None = None,
                       assignment: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per key client: who it is, who serves it, its facts and its gaps.

    Parameters
    ----------
    key_clients : pd.DataFrame
        Step 3's ``key_clients`` (``entity_id``, ``entity_name``, ``quadrant``, ``rank``,
        ``reason_code``, ``reason_args``, ``attractiveness``, ``strength``; optionally
        ``deep_plan``, the accounts chosen for a deep plan this year). Rows with ``is_key``
        false, if the column is there, are left out.
    client_pnl : pd.DataFrame
        Step 2's ``client_pnl``.
    relationships : pd.DataFrame, optional
        Step 3's ``relationships`` (``contacts``, ``our_people``, ``days_since_last_contact``,
        ``stage``, ``risk_codes``).
    assignment : pd.DataFrame, optional
        Step 4's ``assignment`` (``entity_id``, ``kam``).

    Returns
    -------
    pd.DataFrame
        :data:`HEAD_COLUMNS` then the columns of :data:`FACT_COLUMNS` (a fact whose artefact
        lacks the column is missing, not invented): ``kam`` is None where step 4 did not
        run; ``deep_plan`` is None where no step marked the deep plans; ``reason`` is the
        code with its arguments (``{"code", "args"}``) and ``risks`` the list of risk codes.
        Ordered by ``rank`` (step 3's attractiveness rank).
    """
    key = key_clients
    if "is_key" in key.columns:
        key = key[key["is_key"].astype(bool)]
    out = pd.DataFrame({ENTITY: key[ENTITY].astype(str).to_numpy(),
                        "entity_name": key["entity_name"].to_numpy()})
    out["quadrant"] = key["quadrant"].to_numpy()
    out["rank"] = key["rank"].to_numpy() if "rank" in key.columns else range(1, len(key) + 1)
    out["deep_plan"] = (key["deep_plan"].astype(bool).to_numpy()
                        if "deep_plan" in key.columns else None)
    out["reason"] = stored_reasons(key.get("reason_code", pd.Series([None] * len(key))),
                                   key.get("reason_args", pd.Series([None] * len(key))))
    out["kam"] = None
    if assignment is not None and not assignment.empty:
        kam = assignment.drop_duplicates(ENTITY).set_index(ENTITY)["kam"]
        out["kam"] = out[ENTITY].map(kam).astype(object).where(out[ENTITY].isin(kam.index), None)
    sources = {"client_pnl": client_pnl, "key_clients": key, "relationships": relationships}
    for name, column in FACT_COLUMNS:
        table = sources[name]
        if table is None or column not in table.columns:
            continue
        values = table.drop_duplicates(ENTITY).set_index(ENTITY)[column]
        out[column] = out[ENTITY].map(values)
    out["stage"] = None
    out["risks"] = [[] for _ in range(len(out))]
    if relationships is not None and not relationships.empty:
        rel = relationships.drop_duplicates(ENTITY).set_index(ENTITY)
        if "stage" in rel.columns:
            out["stage"] = out[ENTITY].map(rel["stage"]).astype(object)
        if "risk_codes" in rel.columns:
            out["risks"] = [_reasons(rel["risk_codes"].get(e)) for e in out[ENTITY]]
    out = out.sort_values("rank", kind="stable").reset_index(drop=True)
    facts = [c for _, c in FACT_COLUMNS if c in out.columns]
    return out[[*HEAD_COLUMNS, *facts]]


def _level_rank(level: Any) -> int:
    text = str(level or "").strip().casefold()
    for word, rank in _LEVELS.items():
        if text.startswith(word):
            return rank
    return 3


def relationship_map(contacts: pd.DataFrame, entities: pd.DataFrame, key_ids: list[str],
                     *, today: date | None = None) -> pd.DataFrame:
    """Their people against ours, per key client: who we know, at what level, through whom.

    Parameters
    ----------
    contacts : pd.DataFrame
        Step 0's ``contacts`` (``client_id``, ``person``, ``role``, ``function``, ``level``,
        ``owner``, ``last_contact_date``).
    entities : pd.DataFrame
        Step 1's ``entities`` (``client_id`` → ``entity_id``): contacts of a branch or a
        duplicate record belong to the legal entity.
    key_ids : list of str
        The key clients' entity ids.
    today : date, optional
        The date the days since the last contact count to (default: the latest contact
        date in the whole table, as step 3 counts them, so that a re-run of an old
        engagement gives the same plan).

    Returns
    -------
    pd.DataFrame
        ``entity_id``, ``person``, ``level``, ``function``, ``role`` (as recorded),
        ``buying_role`` (Miller & Heiman's role code, see
        :func:`kamlib.selection.relationship.canonical_role`), ``owner`` (our person),
        ``last_contact_date``, ``days_since_contact``; most senior first, then by function.
    """
    cols = ["entity_id", "person", "level", "function", "role", "buying_role", "owner",
            "last_contact_date", "days_since_contact"]
    if contacts is None or contacts.empty or not key_ids:
        return pd.DataFrame(columns=cols)
    to_entity = entities.drop_duplicates("client_id").set_index("client_id")[ENTITY]
    c = contacts.copy()
    for col in ("person", "level", "function", "role", "owner", "last_contact_date"):
        if col not in c.columns:
            c[col] = None
    # the same reference date as step 3's days since the last contact: the latest contact
    # on record in the whole table
    ref = pd.Timestamp(today) if today is not None else pd.to_datetime(
        c["last_contact_date"], errors="coerce").max()
    c[ENTITY] = c["client_id"].astype(str).map(to_entity)
    c = c[c[ENTITY].isin(set(key_ids))].copy()
    c["buying_role"] = [canonical_role(r) for r in c["role"]]
    last = pd.to_datetime(c["last_contact_date"], errors="coerce")
    c["last_contact_date"] = last.dt.date
    c["days_since_contact"] = (ref - last).dt.days.astype("Int64") if pd.notna(ref) else pd.NA
    c["_level"] = c["level"].map(_level_rank)
    c = c.sort_values([ENTITY, "_level", "function", "person"], kind="stable",
                      na_position="last")
    return c[cols].reset_index(drop=True)


@dataclass(frozen=True)
class AccountPlans:
    """Everything the account plans of an engagement show.

    Attributes
    ----------
    facts : pd.DataFrame
        :func:`account_plan_facts`.
    people : pd.DataFrame
        :func:`relationship_map`.
    client : str
        The audited company.
    currency : str
        ISO code of the money facts.
    period : tuple of str
        First and last date of the sales analysed (ISO), or empty strings.
    """

    facts: pd.DataFrame
    people: pd.DataFrame
    client: str
    currency: str
    period: tuple[str, str]


def _read(eng: Engagement, name: str) -> pd.DataFrame | None:
    path = artefact_path(eng, name)
    return pd.read_parquet(path) if path.exists() else None


def load_account_plans(engagement_dir: str | Path) -> AccountPlans:
    """The account plans' facts of a finished run (steps 0–3 at least; step 4 for the KAM).

    Raises
    ------
    KeyError
        Never for a missing optional artefact (relationships, assignment, contacts): the plan
        shows what is known.
    """
    eng = Engagement.open(engagement_dir)
    key = _read(eng, "key_clients")
    pnl = _read(eng, "client_pnl")
    if key is None or pnl is None:
        empty = pd.DataFrame(columns=list(HEAD_COLUMNS))
        return AccountPlans(empty, relationship_map(pd.DataFrame(), pd.DataFrame(), []),
                            eng.config.client, eng.config.currency, ("", ""))
    facts = account_plan_facts(key, pnl, _read(eng, "relationships"), _read(eng, "assignment"))
    contacts, entities = _read(eng, "contacts"), _read(eng, "entities")
    people = relationship_map(contacts if contacts is not None else pd.DataFrame(),
                              entities if entities is not None else pd.DataFrame(),
                              facts[ENTITY].tolist())
    first = pd.to_datetime(pnl.get("first_order"), errors="coerce")
    last = pd.to_datetime(pnl.get("last_order"), errors="coerce")
    period = (str(first.min().date()) if first is not None and first.notna().any() else "",
              str(last.max().date()) if last is not None and last.notna().any() else "")
    return AccountPlans(facts, people, eng.config.client, eng.config.currency, period)
