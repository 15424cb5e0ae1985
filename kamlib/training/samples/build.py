"""One sample engagement's world from a seed: the spec, the lesson's hooks, every table."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from .sales import _number_docs, build_docs, build_lines
from .spec import (
    _LESSONS,
    _SPECS,
    _TRAINING_BASE,
    COSTLY_CHANNEL,
    COSTLY_TERMS,
    HOLDING_LESSONS,
    NO_HEAD_LESSONS,
    UNPAID_LESSONS,
    _Spec,
)
from .tables import (
    _plant_unpaid,
    build_activities,
    build_assessment,
    build_contacts,
    build_payments,
)
from .world import (
    World,
    _assign_managers,
    build_clients,
    build_entities,
    build_products,
    build_team,
)


def _lesson_spec(profile: str, lesson: str | None) -> _Spec:
    """The profile's spec, or the training spec of ``lesson`` (always the ``ru_1c`` style)."""
    base = _SPECS[profile]
    if not lesson:
        return base
    if lesson not in _LESSONS:
        raise ValueError(f"unknown lesson {lesson!r}; use one of {sorted(_LESSONS)}")
    if profile != "ru_1c":
        raise ValueError("training lessons use the ru_1c profile")
    return replace(base, **{**_TRAINING_BASE, **_LESSONS[lesson].spec, "lesson": lesson})


def _lesson_owners(spec: _Spec, ent: pd.DataFrame, team: pd.DataFrame) -> None:
    """Over-staffed team: every KAM of the team table owns some of the largest clients."""
    if spec.lesson != "overstaffed":
        return
    kams = team.loc[team["role"].str.contains("Ключевой|Key account"), "short"].tolist()
    top = ent["share"].sort_values(ascending=False, kind="stable").index[:3 * len(kams)]
    ent.loc[top, "manager"] = [kams[i % len(kams)] for i in range(len(top))]


def _lesson_channel(spec: _Spec, ent: pd.DataFrame) -> None:
    """Channels lesson: the VIP is a restaurant chain, and every client of
    :data:`COSTLY_CHANNEL` buys 1.8 times as much as it would (the other small clients less,
    so the total stays) on the terms of :data:`COSTLY_TERMS` (a line or two per order, a large
    discount, returns, late payment) and takes an extra delivery on ~40% of its orders
    (``heavy``, read by :func:`build_activities`). No random number is drawn."""
    if spec.lesson != "channels":
        return
    ent.loc[ent["role"] == "vip", "segment"] = COSTLY_CHANNEL
    ent.loc[ent["role"] == "vip", "brand"] = "Гастроном-Клуб"
    costly = (ent["segment"] == COSTLY_CHANNEL) & ~ent["role"].isin(["top1", "top2", "top3"])
    plain = costly & (ent["role"] == "")
    ent.loc[plain, list(COSTLY_TERMS)] = list(COSTLY_TERMS.values())
    # the channel looks big: its clients buy 1.8 × as much, the other small clients less
    rest = (ent["role"] == "") & (ent["kind"] != "holding") & (ent["kind"] != "ghost")
    before = ent.loc[rest, "share"].sum()
    ent.loc[plain, "share"] *= 1.8
    ent.loc[rest, "share"] *= before / ent.loc[rest, "share"].sum()
    ent["heavy"] = costly


def _lesson_head(spec: _Spec, team: pd.DataFrame) -> pd.DataFrame:
    """Teams lesson: the team table has nobody from top management (no head of KAM)."""
    if spec.lesson not in NO_HEAD_LESSONS:
        return team
    return team[~team["role"].str.startswith("Руководитель")].reset_index(drop=True)


def _lesson_links(spec: _Spec, cl: pd.DataFrame, ent: pd.DataFrame) -> None:
    """Holding lesson: every member is linked to the group, as 1C exports do it — «Группа»
    for most, «Головной контрагент» (the trading house's name) for the last two."""
    if spec.lesson not in HOLDING_LESSONS:
        return
    hold = cl.index[ent["kind"].to_numpy()[cl["eid"]] == "holding"]
    hold = cl.loc[hold].sort_values("eid").index
    head_name = cl.at[hold[0], "name"]
    cl.loc[hold[:-2], "group"] = "Стройгарант"
    cl.loc[hold[-2:], "head"] = head_name


def build_world(profile: str, n_clients: int | None, n_lines: int | None,
                seed: int, lesson: str | None = None) -> World:
    """Draw every table of one engagement from ``default_rng(seed)``.

    ``lesson`` (a key of ``_LESSONS``) builds a small training engagement instead of the
    profile's demo: the lesson's spec, then its hooks (owners of the largest clients, holding
    links), none of which draws random numbers.
    """
    base = _lesson_spec(profile, lesson)
    spec = _Spec(**{**base.__dict__, "n_clients": n_clients or base.n_clients,
                    "n_lines": n_lines or base.n_lines})
    rng = np.random.default_rng(seed)
    team = _lesson_head(spec, build_team(rng, spec))
    prod = build_products(rng, spec)
    ent = build_entities(rng, spec, spec.n_clients)
    _lesson_channel(spec, ent)
    _assign_managers(rng, ent, team)
    _lesson_owners(spec, ent, team)
    cl = build_clients(rng, spec, ent)
    _lesson_links(spec, cl, ent)
    docs = build_docs(rng, spec, ent, cl, spec.n_lines)
    lines, docs = build_lines(rng, spec, ent, docs, prod)
    _number_docs(spec, docs)
    pays = build_payments(rng, spec, ent, docs, lines)
    if lesson is None or lesson in UNPAID_LESSONS:
        _plant_unpaid(np.random.default_rng([seed, 3]), spec, ent, pays)
    acts = build_activities(rng, spec, ent, docs)
    contacts = build_contacts(rng, spec, ent, cl)
    assess = build_assessment(rng, ent, cl)
    return World(spec, team, prod, ent, cl, docs, lines, acts, pays, contacts, assess)
