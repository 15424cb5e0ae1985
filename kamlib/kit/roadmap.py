"""The 90-day roadmap: weeks 1–2, month 1, quarter 1, each action with its owner (a role).

Before the audit has run it is the method's generic plan; after a run it is filled from the
steps' own figures (read, never recomputed): the key clients of step 3, the deep-plan accounts,
the KAM team of step 4, the service tiers and the cost-to-serve saving, and the largest gap of
the alignment workshop when it was answered.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..i18n import Formatter, load_strings
from .pages import esc, page, table

__all__ = ["PHASES", "roadmap", "roadmap_facts", "roadmap_html"]

PHASES = ("weeks_1_2", "month_1", "quarter_1")
_NAMES = 5   # client names listed in an action


def _summary(root: Path, folder: str) -> dict[str, Any] | None:
    p = root / "work" / folder / "summary.json"
    return json.loads(p.read_text(encoding="utf-8")) if p.exists() else None


def roadmap_facts(root: str | Path) -> dict[str, Any]:
    """The audit's figures the roadmap uses, from the steps' summaries and step 3's key
    clients (empty when step 3 has not run): ``key_names``, ``key_count``, ``deep_names``,
    ``kams``, ``tiers`` (clients per tier), ``saving``, ``alignment_gap`` (an element)."""
    from ..engagement import Engagement
    from ..steps import artefact_path, step

    root = Path(root)
    s3 = _summary(root, step("03").folder)
    if not s3:
        return {}
    out: dict[str, Any] = {"key_count": int(s3.get("key_clients") or 0)}
    kc = artefact_path(Engagement.open(root), "key_clients")
    if kc.exists():
        k = pd.read_parquet(kc)
        if "is_key" in k.columns:
            k = k[k["is_key"].astype(bool)]
        if "attractiveness" in k.columns:
            k = k.sort_values("attractiveness", ascending=False, kind="stable")
        out["key_names"] = [str(n) for n in k["entity_name"]]
    out["deep_names"] = [str(d["name"]) for d in s3.get("deep_plans") or []]
    s4 = _summary(root, step("04").folder)
    if s4:
        out["kams"] = int(s4["kams"])
        tiers = (s4.get("tiers") or {}).get("by_tier") or {}
        out["tiers"] = {t: int(v["clients"]) for t, v in tiers.items()}
        if s4.get("tiers"):
            out["saving"] = s4["tiers"]["saving"]
        al = s4.get("alignment") or {}
        gaps = [a["element"] for a in al.get("actions") or [] if a["kind"] != "weak"]
        if al.get("status") == "filled" and gaps:
            out["alignment_gap"] = gaps[0]
    return out


def _names(names: list[str]) -> str:
    return ", ".join(names[:_NAMES]) + (" …" if len(names) > _NAMES else "")


def roadmap(facts: dict[str, Any], lang: str, *, currency: str = "RUB") -> pd.DataFrame:
    """The 90-day plan: ``phase``, ``action``, ``owner``, ``basis`` (texts in ``lang``) and
    ``code``; an action filled from ``facts`` (:func:`roadmap_facts`) has basis "the audit",
    the others "the method"."""
    st = load_strings(lang)
    f = Formatter(lang, currency)

    def t(key: str, **kw: Any) -> str:
        return st.t(f"kit_docs.roadmap.{key}", **kw)

    rows: list[tuple[str, str, str, str, bool]] = []

    def add(phase: str, code: str, owner: str, text: str, filled: bool) -> None:
        rows.append((phase, code, owner, text, filled))

    names = facts.get("key_names") or []
    if facts.get("key_count"):
        add("weeks_1_2", "decide_key", "ceo", t("action.decide_key_n", n=f.integer(
            facts["key_count"]), names=_names(names)), True)
    else:
        add("weeks_1_2", "decide_key", "ceo", t("action.decide_key"), False)
    add("weeks_1_2", "sponsor", "ceo", t("action.sponsor"), False)
    gap = facts.get("alignment_gap")
    if gap:
        add("weeks_1_2", "alignment", "ceo", t(
            "action.alignment_gap", element=st.t(f"kit_alignment.element.{gap}"),
            change=st.t(f"kit_alignment.change.{gap}")), True)
    else:
        add("weeks_1_2", "alignment", "head_of_kam", t("action.alignment_workshop"), False)
    if facts.get("kams"):
        add("month_1", "appoint", "sales_director",
            t("action.appoint_n", n=f.integer(facts["kams"])), True)
    else:
        add("month_1", "appoint", "sales_director", t("action.appoint"), False)
    deep = facts.get("deep_names") or []
    if deep:
        add("month_1", "deep_plans", "kam", t("action.deep_plans_n", names=_names(deep)), True)
    else:
        add("month_1", "deep_plans", "kam", t("action.deep_plans"), False)
    add("month_1", "teams", "head_of_kam", t("action.teams"), False)
    add("month_1", "kpis", "hr", t("action.kpis"), False)
    add("quarter_1", "account_plans", "kam", t("action.account_plans"), False)
    tiers = facts.get("tiers") or {}
    if tiers:
        add("quarter_1", "tiers", "sales_director", t(
            "action.tiers_n", transactional=f.integer(tiers.get("transactional", 0)),
            self_service=f.integer(tiers.get("self_service", 0)),
            reprice=f.integer(tiers.get("reprice_or_exit", 0))), True)
    else:
        add("quarter_1", "tiers", "sales_director", t("action.tiers"), False)
    add("quarter_1", "reprice", "finance", t("action.reprice"), False)
    if facts.get("saving") is not None:
        add("quarter_1", "saving", "finance",
            t("action.saving", saving=f.money_short(facts["saving"])), True)
    add("quarter_1", "review", "ceo", t("action.review"), False)
    return pd.DataFrame(
        [{"phase": t(f"phase.{p}"), "action": text, "owner": t(f"owner.{o}"),
          "basis": t("basis_audit") if filled else t("basis_generic"), "code": c}
         for p, c, o, text, filled in rows],
        columns=["phase", "action", "owner", "basis", "code"])


def roadmap_html(plan: pd.DataFrame, lang: str, *, client: str, filled: bool) -> str:
    """The roadmap as an HTML page."""
    st = load_strings(lang)

    def t(key: str, **kw: Any) -> str:
        return st.t(f"kit_docs.roadmap.{key}", **kw)

    intro = t("intro_filled", client=client) if filled else t("intro_generic")
    body = [f"<h1>{esc(t('title'))}</h1>", f"<p>{esc(intro)}</p>"]
    for phase in plan["phase"].drop_duplicates():
        part = plan[plan["phase"] == phase]
        body += [f"<h2>{esc(phase)}</h2>",
                 table([t("col_action"), t("col_owner"), t("col_basis")],
                       part[["action", "owner", "basis"]].itertuples(index=False))]
    return page(t("title"), "\n".join(body), lang)
