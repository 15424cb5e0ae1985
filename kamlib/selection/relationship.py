"""Relationship depth with key accounts: contact coverage and relationship stage (METHODS.md §3).

Pure functions: canonical tables (pandas) in, DataFrames / Series out. No I/O, no plotting.

Contact coverage measures the single-point-of-contact risk: a "bow-tie" relationship (one
supplier person talks to one buyer person) against a "diamond" (many people on both sides,
functions talking to functions) — McDonald, Millman & Rogers 1997; McDonald & Woodburn 2007,
who put the need of strategic accounts at 5–10+ relationships. Buying roles follow the
buying-centre / Miller & Heiman (1985) vocabulary: economic buyer, decision maker, champion,
technical (buyer), user, coach.

Relationship stages are those of McDonald, Millman & Rogers (1997): exploratory, basic,
cooperative, interdependent, integrated, disintegrating.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..units import reason

__all__ = [
    "BUYING_ROLES",
    "DEFAULT_ROLE_SYNONYMS",
    "STAGES",
    "canonical_role",
    "contact_coverage",
    "relationship_stage",
]

ENTITY = "entity_id"

BUYING_ROLES: tuple[str, ...] = (
    "economic_buyer", "decision_maker", "champion", "technical", "user", "coach",
)

#: Role texts (Russian / English) recognised for each buying role. Matching is on normalised
#: text (case-folded, ё→е, punctuation and extra spaces removed): first an exact match, then
#: the whole-word synonym that occurs first in the text (longest on ties), so "ЛПР (закупки)"
#: is a decision maker.
#: "Закупщик" / procurement is Miller & Heiman's *technical buyer* (the gatekeeper who screens
#: suppliers against specifications); "Влияющий" / influencer has no single buying role and
#: falls into ``other``.
DEFAULT_ROLE_SYNONYMS: dict[str, list[str]] = {
    "economic_buyer": [
        "economic buyer", "экономический покупатель", "финансовый директор", "cfo",
        "генеральный директор", "ceo", "собственник", "владелец", "budget holder",
        "распорядитель бюджета",
    ],
    "decision_maker": [
        "лпр", "лицо принимающее решение", "лицо принимающее решения", "decision maker",
        "decision-maker", "dm",
    ],
    "champion": ["чемпион", "champion", "сторонник", "advocate", "промоутер"],
    "technical": [
        "технический эксперт", "технический покупатель", "technical", "technical buyer",
        "закупщик", "закупки", "procurement", "purchasing", "buyer", "технолог",
    ],
    "user": ["пользователь", "user", "user buyer", "конечный пользователь", "end user"],
    "coach": ["коуч", "coach", "наставник", "проводник", "guide", "информатор"],
}

#: Relationship stages of McDonald, Millman & Rogers (1997) with the score band (1–10, upper
#: bound inclusive) that maps to each. "disintegrating" has no band: it is a direction of
#: travel (any stage can break down), not a level, so a score cannot tell it.
STAGES: tuple[tuple[str, float], ...] = (
    ("exploratory", 2.0),
    ("basic", 4.0),
    ("cooperative", 6.0),
    ("interdependent", 8.0),
    ("integrated", 10.0),
)

_SPACE = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s-]+")


def _norm(text: object) -> str:
    """Case-folded text with ё→е, punctuation dropped and spaces collapsed ('' for missing)."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or text is pd.NA:
        return ""
    s = str(text).casefold().replace("ё", "е")
    s = _PUNCT.sub(" ", s)
    return _SPACE.sub(" ", s).strip()


def _synonyms(roles: dict[str, list[str]] | None) -> dict[str, str]:
    """Normalised synonym → canonical role; ``roles`` entries are added and take precedence."""
    table: dict[str, str] = {}
    for role, words in DEFAULT_ROLE_SYNONYMS.items():
        for w in words:
            table[_norm(w)] = role
    for role, words in (roles or {}).items():
        table[_norm(role)] = role
        for w in words:
            table[_norm(w)] = role
    table.pop("", None)
    return table


def canonical_role(text: object, *, roles: dict[str, list[str]] | None = None) -> str:
    """Map a role text (Russian or English) to a buying role, or ``"other"``.

    Parameters
    ----------
    text : object
        The role as written in the contacts table (e.g. ``"ЛПР"``, ``"Decision maker"``).
    roles : dict of str to list of str, optional, keyword-only
        Extra synonyms per role, added to :data:`DEFAULT_ROLE_SYNONYMS` (they win on clashes).
        A role name outside :data:`BUYING_ROLES` is kept as given.

    Returns
    -------
    str
        One of :data:`BUYING_ROLES`, a role from ``roles``, or ``"other"`` (also for empty text).
    """
    return _role_of(_norm(text), _synonyms(roles))


def _role_of(norm: str, table: dict[str, str]) -> str:
    if not norm:
        return "other"
    if norm in table:
        return table[norm]
    hits = []
    for syn, role in table.items():
        m = re.search(rf"(?<!\w){re.escape(syn)}(?!\w)", norm)
        if m:
            hits.append((m.start(), -len(syn), syn, role))
    return min(hits)[3] if hits else "other"


def contact_coverage(
    contacts: pd.DataFrame,
    entities: pd.Series,
    *,
    entity_map: pd.Series | None = None,
    as_of: date | None = None,
    roles: dict[str, list[str]] | None = None,
    client_col: str = "client_id",
    person_col: str = "person",
    role_col: str = "role",
    owner_col: str = "owner",
    date_col: str = "last_contact_date",
    strategic_contacts: int = 5,
    stale_days: int = 180,
) -> pd.DataFrame:
    """Contact coverage per entity: how many people, which buying roles, how concentrated.

    Single-point-of-contact risk, bow-tie vs diamond (McDonald, Millman & Rogers 1997;
    McDonald & Woodburn 2007: strategic accounts need 5–10+ relationships); buying roles after
    Miller & Heiman 1985. See METHODS.md §3.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Canonical contacts table: ``client_id``, ``person``, ``role``, ``function``,
        ``level``, ``owner`` (our person who handles the contact), ``last_contact_date``.
        Rows with an empty person are ignored.
    entities : pandas.Series
        Entity ids to report; every one appears in the result (zeros when it has no contact),
        in this order. Contacts of other entities are ignored.
    entity_map : pandas.Series, optional, keyword-only
        ``client_id`` (index) → ``entity_id`` (values). Client ids it does not cover map to
        themselves. Without it, ``client_id`` is the entity.
    as_of : datetime.date, optional, keyword-only
        Reference date for recency; defaults to the latest ``last_contact_date`` in the table.
    roles : dict of str to list of str, optional, keyword-only
        Extra role synonyms (see :func:`canonical_role`).
    client_col, person_col, role_col, owner_col, date_col : str, keyword-only
        Column names in ``contacts``.
    strategic_contacts : int, keyword-only
        Number of contacts that earns full marks in the score (default 5, the lower end of
        McDonald & Woodburn's 5–10+).
    stale_days : int, keyword-only
        A non-single-point entity whose last contact is older than this also gets a ``risk``
        sentence (default 180).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``entity_id``; columns:

        - ``contacts``: distinct persons (name normalised: case, ё/е, spaces);
        - ``roles_filled``: distinct buying roles among :data:`BUYING_ROLES`;
        - ``roles_missing``: the missing buying roles, comma-separated text;
        - ``our_people``: distinct owners on our side;
        - ``top_owner_share``: persons handled by our busiest owner ÷ ``contacts`` (0 when no
          contact; persons without an owner count in the denominator only);
        - ``days_since_last_contact``: ``as_of`` − latest contact date (``<NA>`` when none);
        - ``single_point``: ``contacts == 1``, or ``contacts == 2`` with
          ``top_owner_share == 1`` — a bow-tie: the relationship hangs on one person of
          theirs or on one pair handled by one person of ours;
        - ``no_contacts``: no contact on record — the coverage is unknown, which is not the
          same finding as a single point of contact (it is reported apart);
        - ``coverage_score``: integer 1–10, ``1 + round(0.9 × points)`` with points (0–10) =
          4 × min(contacts ÷ ``strategic_contacts``, 1) + 3 × roles_filled ÷ 6
          + 1 × [our_people ≥ 2] + 2 × max(0, 1 − days_since_last_contact ÷ 365);
        - ``risk``: a short sentence for single-point, stale or contact-less entities,
          else ``""``.
    """
    table = _synonyms(roles)
    ents = pd.Index(pd.Series(entities).drop_duplicates().to_numpy(), name=ENTITY)

    c = contacts.copy()
    c["_person"] = c[person_col].map(_norm) if person_col in c else ""
    c = c[c["_person"] != ""]
    cid = c[client_col]
    if entity_map is not None:
        mapped = cid.map(entity_map)
        cid = mapped.where(mapped.notna(), cid)
    c["_entity"] = cid.to_numpy()
    if role_col in c:
        norm_roles = c[role_col].map(_norm)
        lookup = {t: _role_of(t, table) for t in norm_roles.unique()}
        c["_role"] = norm_roles.map(lookup)
    else:
        c["_role"] = "other"
    c["_owner"] = c[owner_col].map(_norm) if owner_col in c else ""
    dates = pd.to_datetime(c[date_col], errors="coerce") if date_col in c else pd.Series(
        pd.NaT, index=c.index)
    c["_date"] = dates
    ref = pd.Timestamp(as_of) if as_of is not None else dates.max()
    c = c[c["_entity"].isin(ents)]

    rows = _per_entity(c, person_col, owner_col, ref)
    empty = {"contacts": 0, "roles_filled": 0, "roles_missing": ", ".join(BUYING_ROLES),
             "our_people": 0, "top_owner_share": 0.0, "days_since_last_contact": pd.NA,
             "_names": [], "_top_owner": "", "_filled": []}
    recs = [rows.get(e, empty) for e in ents]
    out = pd.DataFrame({
        "contacts": pd.array([r["contacts"] for r in recs], dtype="int64"),
        "roles_filled": pd.array([r["roles_filled"] for r in recs], dtype="int64"),
        "roles_missing": [r["roles_missing"] for r in recs],
        "our_people": pd.array([r["our_people"] for r in recs], dtype="int64"),
        "top_owner_share": np.array([r["top_owner_share"] for r in recs], dtype=float),
        "days_since_last_contact": pd.array([r["days_since_last_contact"] for r in recs],
                                            dtype="Int64"),
    }, index=ents)
    # a relationship that hangs on one person: one contact, or two held by one of our people;
    # a client with no contact on record is not "single point" but unknown (``no_contacts``)
    out["no_contacts"] = out["contacts"] == 0
    out["single_point"] = (out["contacts"] == 1) | (
        (out["contacts"] == 2) & np.isclose(out["top_owner_share"], 1.0))
    out["coverage_score"] = _score(out, strategic_contacts)
    out["risk_codes"] = [
        json.dumps(risk_reasons(r, sp, stale_days), ensure_ascii=False)
        for r, sp in zip(recs, out["single_point"].to_numpy(), strict=True)
    ]
    from ..i18n import Formatter, load_strings

    strings, fmt = load_strings("en"), Formatter("en")
    out["risk"] = [
        _risk(r, sp, stale_days, strings, fmt)
        for r, sp in zip(recs, out["single_point"].to_numpy(), strict=True)
    ]
    return out


def _per_entity(c: pd.DataFrame, person_col: str, owner_col: str,
                ref: Any) -> dict[Any, dict[str, Any]]:
    """Each entity's contacts, roles, owners and last date (the records of
    :func:`contact_coverage`), in one pass over the table rather than a group at a time.

    ``c`` holds the normalised columns ``_entity``, ``_person``, ``_role``, ``_owner`` and
    ``_date``. The busiest owner is the one handling most persons; a tie goes to the owner
    whose normalised name sorts first; its first spelling is kept."""
    people = c.drop_duplicates(["_entity", "_person"])
    names: dict[Any, list[str]] = {}
    for ent, name in zip(people["_entity"].to_numpy(),
                         people[person_col].astype(str).str.strip().to_numpy(), strict=True):
        names.setdefault(ent, []).append(name)
    roles: dict[Any, set[str]] = {}
    for ent, role in zip(c["_entity"].to_numpy(), c["_role"].to_numpy(), strict=True):
        roles.setdefault(ent, set()).add(role)
    owned = c[c["_owner"] != ""].drop_duplicates(["_entity", "_owner", "_person"])
    per_owner = owned.groupby(["_entity", "_owner"], sort=True).size()
    spelling = owned.drop_duplicates(["_entity", "_owner"]).set_index(["_entity", "_owner"])[
        owner_col].astype(str).str.strip()
    owners: dict[Any, tuple[int, int, str]] = {}   # entity → (owners, top count, top owner)
    for (ent, owner), count in per_owner.items():
        n_owners, top, name = owners.get(ent, (0, 0, ""))
        if count > top:
            top, name = int(count), spelling[(ent, owner)]
        owners[ent] = (n_owners + 1, top, name)
    last = c.groupby("_entity", sort=False)["_date"].max()
    rows: dict[Any, dict[str, Any]] = {}
    for ent, person_names in names.items():
        n = len(person_names)
        filled = [r for r in BUYING_ROLES if r in roles[ent]]
        n_owners, top, top_owner = owners.get(ent, (0, 0, ""))
        when = last[ent]
        rows[ent] = {
            "contacts": n,
            "roles_filled": len(filled),
            "roles_missing": ", ".join(r for r in BUYING_ROLES if r not in filled),
            "our_people": n_owners,
            "top_owner_share": float(top) / n if n_owners else 0.0,
            "days_since_last_contact": (int((ref - when).days)
                                        if pd.notna(when) and pd.notna(ref) else pd.NA),
            "_names": person_names,
            "_top_owner": top_owner,
            "_filled": filled,
        }
    return rows


def _score(out: pd.DataFrame, strategic_contacts: int) -> pd.Series:
    """The 1–10 coverage score documented in :func:`contact_coverage`."""
    days = out["days_since_last_contact"].astype("Float64").to_numpy(dtype=float,
                                                                     na_value=np.nan)
    recency = np.where(np.isnan(days), 0.0, np.clip(1 - days / 365, 0.0, 1.0))
    points = (4 * np.minimum(out["contacts"] / max(strategic_contacts, 1), 1.0)
              + 3 * out["roles_filled"] / len(BUYING_ROLES)
              + 1 * (out["our_people"] >= 2)
              + 2 * recency)
    return (1 + np.round(0.9 * points)).clip(1, 10).astype("int64")


def risk_reasons(rec: dict[str, Any], single: bool, stale_days: int) -> list[dict[str, Any]]:
    """The risks of one relationship as reason codes (:mod:`kamlib.units`), e.g.
    ``one_contact`` (names), ``all_through`` (our person), ``no_economic_buyer``,
    ``no_decision_maker``, ``last_contact`` (days); empty when there is none."""
    n = int(rec["contacts"])
    days = rec["days_since_last_contact"]
    known = days is not pd.NA and days is not None
    stale = known and int(days) > stale_days
    if n == 0:
        return [reason("no_contacts_recorded")]
    if not single and not stale:
        return []
    names = ", ".join(rec["_names"])
    out = [reason("one_contact", names=names) if n == 1 else
           reason("two_contacts", names=names) if n == 2 else reason("contacts", n=n)]
    if n > 1 and rec["_top_owner"] and single:
        out.append(reason("all_through", owner=rec["_top_owner"]))
    filled = rec["_filled"]
    if "economic_buyer" not in filled:
        out.append(reason("no_economic_buyer"))
    if "decision_maker" not in filled:
        out.append(reason("no_decision_maker"))
    if known:
        out.append(reason("last_contact", days=int(days)))
    return out


def _risk(rec: dict[str, Any], single: bool, stale_days: int, strings: Any, fmt: Any) -> str:
    """The risks in English, for a reader of the table (the surfaces phrase the codes)."""
    from ..i18n import say

    return ", ".join(say(r, strings, fmt) for r in risk_reasons(rec, single, stale_days))


def relationship_stage(
    assessment: pd.DataFrame | None,
    entities: pd.Series,
    *,
    entity_col: str = "entity_id",
    criterion_col: str = "criterion",
    score_col: str = "score",
    criterion: str = "relationship_stage",
) -> pd.Series:
    """The relationship stage of McDonald, Millman & Rogers (1997) from a 1–10 score.

    Bands (upper bound inclusive): ≤ 2 exploratory, ≤ 4 basic, ≤ 6 cooperative,
    ≤ 8 interdependent, ≤ 10 integrated (:data:`STAGES`). The sixth stage, *disintegrating*,
    is not derivable from a score: it describes a relationship breaking down from any level,
    so it must come from judgement (or from trends in sales and contacts), not from this map.
    See METHODS.md §3.

    Parameters
    ----------
    assessment : pandas.DataFrame or None
        Long-format assessment sheet: ``entity_id``, ``criterion``, ``score``. Only rows with
        ``criterion == "relationship_stage"`` are used; several rows for one entity are
        averaged. ``None`` or empty: nobody is assessed.
    entities : pandas.Series
        Entity ids to report, in this order.
    entity_col, criterion_col, score_col : str, keyword-only
        Column names in ``assessment`` (the sample sheet uses ``client_id``).
    criterion : str, keyword-only
        The criterion holding the stage score.

    Returns
    -------
    pandas.Series
        Indexed by ``entity_id``, named ``relationship_stage``: the stage name, NaN when not
        assessed.

    Raises
    ------
    ValueError
        If a score lies outside 1–10.
    """
    ents = pd.Index(pd.Series(entities).drop_duplicates().to_numpy(), name=ENTITY)
    out = pd.Series(np.nan, index=ents, dtype=object, name="relationship_stage")
    if assessment is None or assessment.empty:
        return out
    a = assessment[assessment[criterion_col].astype(str).str.strip() == criterion]
    scores = pd.to_numeric(a[score_col], errors="coerce")
    bad = scores[(scores < 1) | (scores > 10)]
    if len(bad):
        raise ValueError(f"{criterion} scores must lie in 1–10; got {sorted(set(bad))[:5]}")
    mean = scores.groupby(a[entity_col].to_numpy()).mean().dropna()
    for ent, s in mean.items():
        if ent in out.index:
            out[ent] = next(name for name, upper in STAGES if s <= upper)
    return out
