"""The storyline of the report: what a consultant tells the client's CEO and CFO.

Read from the steps' summaries (never recomputed), in the report's language:

- the **executive summary**: three to five messages, each one sentence with its figure (a
  typed money :class:`~kamlib.report.model.Fact`) and what it means, ranked by the money at
  stake (:func:`messages`);
- the **recommendations** the client decides: each with an owner (a role at the client), a
  horizon, the money it moves and the finding it answers (:func:`actions`);
- the consultant's **homework before the final report** (undecided duplicates, unassessed
  clients, default cost rates, missing data) and whether the report is a DRAFT or FINAL
  (:func:`review_items`, :func:`homework`).

Texts live in ``templates/i18n/<lang>/report.yaml`` under ``story.*``; a section module of
its own (cash, teams, alignment …) adds messages or actions through :data:`MESSAGE_BUILDERS`
and :data:`ACTION_BUILDERS` (docs/report.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..i18n import say
from .model import Action, Fact, Message, ReviewItem

if TYPE_CHECKING:  # pragma: no cover
    from .helpers import _Ctx

__all__ = ["ACTION_BUILDERS", "HORIZONS", "MESSAGE_BUILDERS", "OWNERS", "actions", "homework",
           "messages", "programme_pays_back", "review_items", "vip_kind"]

#: the roles at the client a recommendation can be given to (labels in ``story.owner.*``)
OWNERS = ("ceo", "cfo", "sales_director", "head_of_kam", "logistics")
#: how soon a recommendation is to be acted on (labels in ``story.horizon.*``)
HORIZONS = ("weeks2", "month", "quarter")


def _amount(v: Any) -> float:
    """The amount of a summary's money (a typed ``{"amount", "currency"}`` or a number)."""
    if isinstance(v, dict):
        return float(v["amount"])
    return float(v)


def _money_fact(ctx: _Ctx, key: str, step: str, path: str) -> Fact | None:
    """A money fact at ``path`` of ``step``'s summary, shortened for reading; ``None`` when
    the step left no figure there."""
    if ctx.art.s(step, path) is None:
        return None
    fact = ctx.fact(key, step, path, "money_short", label=ctx.t(f"story.label.{key}"))
    return fact


# --------------------------------------------------------------------------- messages


def _dependency_message(ctx: _Ctx) -> Message | None:
    dep = ctx.art.summaries["02"].get("dependency") or {}
    largest = dep.get("largest") or []
    if not largest:
        return None
    top, f = largest[0], ctx.fmt
    fact = _money_fact(ctx, "dependency", "02", "dependency.largest.0.contribution_lost_year")
    if fact is None:
        return None
    trend = dep.get("top_trend_ratio")
    text = ctx.t("story.msg.dependency", name=top["name"], share=f.pct(top["revenue_share"]),
                 lost_year=fact.display, lost=f.value(top["contribution_lost"], "money_short"))
    if trend is not None and trend < 0:
        text += " " + ctx.t("story.msg.dependency_trend", n=f.integer(dep.get("top")),
                            trend=f.pct(-trend))
    return Message("dependency", text, ctx.t("story.means.dependency"), fact,
                   abs(_amount(fact.value)), "dependency")


def _vip_message(ctx: _Ctx) -> Message | None:
    vip = ctx.art.summaries["03"].get("vip") or {}
    if not vip.get("losing_money") or vip.get("loss_year") is None:
        return None
    fact = _money_fact(ctx, "vip_loss", "03", "vip.loss_year")    # a year's, as the others
    if fact is None:
        return None
    f = ctx.fmt
    loss = f.value(abs(_amount(fact.value)), "money_short")
    fact.display = loss
    # without management's list the test ran on the largest clients by revenue: said so,
    # never "the clients management sees as the most important"
    kind = vip_kind(vip)
    text = ctx.t(f"story.msg.{kind}", n=f.integer(vip["vips"]),
                 bad=f.integer(vip["not_key_or_losing"]),
                 losing=f.integer(vip["losing_money"]), loss=loss)
    return Message("vip", text, ctx.t(f"story.means.{kind}"), fact, abs(_amount(fact.value)),
                   "vip", title=ctx.t(f"story.headline.{kind}", figure=fact.display))


def vip_kind(vip: dict[str, Any]) -> str:
    """``vip`` when management gave its VIP list, ``vip_top`` when step 3 tested the largest
    clients by revenue instead (``source = "top_revenue"``)."""
    return "vip_top" if vip.get("source") == "top_revenue" else "vip"


def _cost_to_serve_message(ctx: _Ctx) -> Message | None:
    tiers = ctx.art.summaries["04"].get("tiers") or {}
    if not tiers.get("by_tier") or not _amount(tiers.get("saving") or 0):
        return None
    fact = _money_fact(ctx, "tier_saving", "04", "tiers.saving")
    if fact is None:
        return None
    s2, by = ctx.art.summaries["02"], tiers["by_tier"]
    f = ctx.fmt
    exit_tier = by.get("reprice_or_exit", {})
    args = dict(saving=fact.display, losers=f.integer(s2.get("loss_making_entities", 0)),
                self_service=f.integer(by.get("self_service", {}).get("clients", 0)),
                transactional=f.integer(by.get("transactional", {}).get("clients", 0)))
    if exit_tier.get("saving") and tiers.get("saving_small_clients") is not None:
        # the saving of the loss-makers' tier is no "small clients, revenue kept": said apart
        text = ctx.t("story.msg.cost_to_serve_split", **args,
                     small=f.value(tiers["saving_small_clients"], "money_short"),
                     exit=f.value(exit_tier["saving"], "money_short"),
                     reprice=f.integer(exit_tier.get("clients", 0)))
        means = ctx.t("story.means.cost_to_serve_split")
        return Message("cost_to_serve", text, means, fact, abs(_amount(fact.value)),
                       "profitability", title=ctx.t("story.headline.cost_to_serve_split",
                                                    figure=fact.display))
    else:
        text = ctx.t("story.msg.cost_to_serve", **args)
        means = ctx.t("story.means.cost_to_serve")
    return Message("cost_to_serve", text, means, fact, abs(_amount(fact.value)),
                   "profitability")


def _programme_message(ctx: _Ctx) -> Message | None:
    bc = ctx.art.summaries["04"].get("business_case") or {}
    be = bc.get("break_even") or {}
    if not be.get("break_even_sales"):
        return None
    fact = _money_fact(ctx, "break_even", "04", "business_case.break_even.break_even_sales")
    if fact is None:
        return None
    f = ctx.fmt
    trend = bc.get("revenue_trend_ratio")
    text = ctx.t("story.msg.programme", cost=f.value(be["programme_cost"], "money_short"),
                 sales=fact.display, uplift=f.pct(bc.get("needed_uplift_ratio")),
                 expected=f.value(be["expected_incremental_sales"], "money_short"))
    if trend is not None:
        text += " " + ctx.t("story.msg.programme_trend_down" if trend < 0
                            else "story.msg.programme_trend_up", trend=f.pct(abs(trend)))
    return Message("programme", text, ctx.t("story.means.programme"), fact,
                   abs(_amount(fact.value)), "team")


def _loss_maker_message(ctx: _Ctx) -> Message | None:
    s2 = ctx.art.summaries["02"]
    rep = s2.get("what_if_reprice_large_loss_makers") or {}
    if not rep.get("clients") or not rep.get("change_year"):
        return None
    # a year's change, as every other message's money (the P&L may span several years)
    fact = _money_fact(ctx, "reprice", "02", "what_if_reprice_large_loss_makers.change_year")
    if fact is None:
        return None
    f = ctx.fmt
    text = ctx.t("story.msg.reprice", n=f.integer(rep["clients"]), change=fact.display,
                 price=f.pct(rep.get("price_increase"), 0),
                 volume=f.pct(rep.get("volume_loss"), 0),
                 still=f.integer(rep.get("still_loss_making", 0)))
    drop = s2.get("what_if_drop_large_loss_makers") or {}
    means = ctx.t("story.means.reprice", n=f.integer(rep["clients"]),
                  drop=f.value(drop.get("change_in_company_contribution_year"), "money_short"),
                  revenue=f.value(drop.get("net_revenue_lost_year"), "money_short"))
    return Message("reprice", text, means, fact, abs(_amount(fact.value)), "profitability")


#: the builders of the executive summary's messages; a section module appends its own
#: ``(ctx) -> Message | None`` (a message carries its money; ranking is by that money)
MESSAGE_BUILDERS: list[Callable[[_Ctx], Message | None]] = [
    _dependency_message, _vip_message, _cost_to_serve_message, _programme_message,
    _loss_maker_message]


def messages(ctx: _Ctx, *, most: int = 5) -> list[Message]:
    """The executive summary's messages, largest money at stake first (at most ``most``)."""
    out = [m for m in (b(ctx) for b in MESSAGE_BUILDERS) if m is not None]
    out.sort(key=lambda m: -m.at_stake)
    for m in out:   # the action title: the conclusion with its figure, for a slide
        m.title = m.title or ctx.t(f"story.headline.{m.key}", figure=m.fact.display)
    return out[:most]


# --------------------------------------------------------------------------- actions


def programme_pays_back(business_case: dict[str, Any]) -> bool:
    """Whether step 4's business case says the KAM programme pays back at the expected uplift
    (its verdict ``pays_back``); any other verdict (growth needed against the trend, only at
    the high uplift, not at all, no margin) makes the programme a decision to take on a
    target, not one to approve as it stands."""
    return (business_case.get("verdict") or {}).get("code") == "pays_back"


def _act(ctx: _Ctx, key: str, owner: str, horizon: str, fact: Fact | None, answers: str,
         **kw: Any) -> Action:
    return Action(key, ctx.t(f"story.act.{key}", **kw), owner,
                  ctx.t(f"story.owner.{owner}"), horizon, ctx.t(f"story.horizon.{horizon}"),
                  fact, answers, ctx.t(f"story.finding.{answers}"))


def _client_actions(ctx: _Ctx) -> list[Action]:
    f = ctx.fmt
    s2, s3, s4 = (ctx.art.summaries[k] for k in ("02", "03", "04"))
    out: list[Action] = []
    largest = (s2.get("dependency") or {}).get("largest") or []
    money = _money_fact(ctx, "dependency", "02", "dependency.largest.0.contribution_lost_year")
    if largest and money is not None:
        out.append(_act(ctx, "dependency", "ceo", "quarter", money, "dependency",
                        name=largest[0]["name"], money=money.display))
    vip = s3.get("vip") or {}
    money = _money_fact(ctx, "vip_loss", "03", "vip.loss_year") \
        if vip.get("losing_money") and vip.get("loss_year") is not None else None
    if money is not None:
        money.display = f.value(abs(_amount(money.value)), "money_short")
        # the money is the loss of those losing money: only they are named as not paying
        # back; the profitable ones that did not make the key list are named apart
        clients = vip.get("clients") or []
        losing = [c["name"] for c in clients if c.get("verdict") == "loses_money"]
        not_key = [c["name"] for c in clients if c.get("verdict") == "not_key"]
        act = _act(ctx, vip_kind(vip), "sales_director", "month", money, "vip",
                   names=", ".join(losing[:3]), money=money.display)
        act.key = "vip"
        if not_key:
            act.text += " " + ctx.t("story.act.vip_not_key", names=", ".join(not_key[:3]))
        out.append(act)
    rep = s2.get("what_if_reprice_large_loss_makers") or {}
    llm = s2.get("large_loss_makers") or []
    money = _money_fact(ctx, "reprice", "02", "what_if_reprice_large_loss_makers.change_year") \
        if rep.get("clients") and llm and rep.get("change_year") else None
    if money is not None:
        out.append(_act(ctx, "reprice", "cfo", "month", money, "profitability",
                        n=f.integer(rep["clients"]), name=llm[0]["name"], money=money.display))
    tiers = s4.get("tiers") or {}
    money = _money_fact(ctx, "tier_saving", "04", "tiers.saving") \
        if tiers.get("by_tier") and _amount(tiers.get("saving") or 0) else None
    if money is not None:
        by = tiers["by_tier"]
        act = _act(ctx, "tiers", "logistics", "quarter", money, "profitability",
                   self_service=f.integer(by.get("self_service", {}).get("clients", 0)),
                   transactional=f.integer(by.get("transactional", {}).get("clients", 0)),
                   money=money.display)
        exit_tier = by.get("reprice_or_exit", {})
        if exit_tier.get("saving"):   # its part of the money is the loss-makers', said
            act.text += " " + ctx.t("story.act.tiers_exit", n=f.integer(exit_tier["clients"]),
                                    exit=f.value(exit_tier["saving"], "money_short"))
        out.append(act)
    bc = s4.get("business_case") or {}
    money = _money_fact(ctx, "team_cost", "04", "business_case.cost.total") \
        if (bc.get("cost") or {}).get("total") is not None else None
    if money is not None:
        be = bc.get("break_even") or {}
        # approved as it stands only when it pays back at the expected uplift; else the
        # decision is whether the team takes on the growth it needs (never "approve" a
        # programme the business case says does not pay back)
        key = "team" if programme_pays_back(bc) else "team_conditional"
        act = _act(ctx, key, "ceo", "month", money, "team", kams=f.integer(s4["kams"]),
                   accounts=f.integer(s4["key_accounts"]), money=money.display,
                   uplift=f.pct(bc.get("needed_uplift_ratio")),
                   needed=f.value(be.get("break_even_sales"), "money_short"),
                   expected=f.value(be.get("expected_incremental_sales"), "money_short"))
        # what step 4 found against its own plan: KPI targets that would not pay for it,
        # people taken from today's team who do not fit the role
        short = s4.get("growth_target_short")
        if short:
            act.text += " " + ctx.t("story.act.team_kpis_short", gain=f.pct(short["gain_ratio"]),
                                    needed=f.pct(short["needed_ratio"]))
        weak = s4.get("weak_fit") or []
        if weak:
            existing = (bc.get("kams") or {}).get("existing") or len(weak)
            act.text += " " + ctx.t("story.act.team_weak_fit", weak=f.integer(len(weak)),
                                    existing=f.integer(existing), names=", ".join(weak))
        out.append(act)
    # a relationship resting on one person: the money is that client's contribution a year
    # (step 2's dependency list, when the client is in it)
    spc = s3.get("single_point_of_contact") or []
    ids = [c.get("id") for c in largest]
    hit = next(((c, ids.index(c["entity_id"])) for c in spc if c["entity_id"] in ids), None)
    if hit is not None:
        money = _money_fact(ctx, "contact_risk", "02",
                            f"dependency.largest.{hit[1]}.contribution_lost_year")
        if money is not None:
            out.append(_act(ctx, "contacts", "head_of_kam", "weeks2", money, "key_clients",
                            name=hit[0]["name"], n=f.integer(len(spc)), money=money.display))
    return out


#: the builders of the client's recommendations; a section module appends its own
#: ``(ctx) -> list[Action]`` (each with an owner, a horizon and the money it moves)
ACTION_BUILDERS: list[Callable[[_Ctx], list[Action]]] = [_client_actions]


def actions(ctx: _Ctx) -> list[Action]:
    """The client's recommendations, largest money first (each answers a finding)."""
    out = [a for b in ACTION_BUILDERS for a in b(ctx)]
    out.sort(key=lambda a: -abs(_amount(a.money.value)) if a.money is not None else 0.0)
    return out


# --------------------------------------------------------------------------- review


def review_items(ctx: _Ctx) -> list[ReviewItem]:
    """What keeps the report a DRAFT: undecided duplicate pairs (step 1), clients not yet
    assessed (step 3), cost-to-serve at default rates (step 2). None: the report is FINAL."""
    f = ctx.fmt
    s1, s2, s3 = (ctx.art.summaries[k] for k in ("01", "02", "03"))
    out: list[ReviewItem] = []
    n = int(s1.get("to_review") or 0)
    if n:
        out.append(ReviewItem("duplicates", ctx.t("story.review.duplicates", n=f.integer(n),
                                                   sheet=s1.get("review_sheet")
                                                   or "review/duplicates.xlsx"), n))
    n = int(s3.get("to_assess_count") or len(s3.get("to_assess") or []))
    if n:
        out.append(ReviewItem("to_assess", ctx.t("story.review.to_assess", n=f.integer(n)), n))
    default = float((s2.get("cost_to_serve_by_source") or {}).get("default_rate") or 0)
    if default:
        out.append(ReviewItem("default_rates", ctx.t(
            "story.review.default_rates", amount=f.money_short(default),
            share=f.pct(default / float(s2["totals"]["cost_to_serve"])
                        if s2["totals"].get("cost_to_serve") else None)), 1))
    return out


def homework(ctx: _Ctx, review: list[ReviewItem]) -> list[str]:
    """The consultant's list before the final report: the review items, then data the
    client has not given (step 0's missing tables) and assumed costs (step 4)."""
    out = [r.text for r in review]
    s0, s4 = ctx.art.summaries["00"], ctx.art.summaries["04"]
    missing = [str(t).partition(".")[0] for t in s0.get("missing") or []]
    if missing:
        names = sorted({ctx.st.get(f"table_name.{t}", t) or t for t in missing})
        out.append(ctx.t("story.review.missing", tables=", ".join(names)))
    for a in (s4.get("business_case") or {}).get("assumptions") or []:
        if a.get("code") in ("default_cost_used", "default_scaled_to_kam_cost"):
            out.append(ctx.t("story.review.assumption", text=say(a, ctx.st, ctx.fmt)))
    return out
