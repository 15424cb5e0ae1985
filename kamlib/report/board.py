"""The deck's storyline: the slides of a board meeting, each with an action title.

A board reads the deck in this order: the executive summary, the channels, the dependency on
the largest clients, VIP ≠ key, the loss-makers, the key clients (the list with quadrant and
reasons, then the matrix), the client teams and the business case, the roadmap; then the
appendix (:mod:`kamlib.report.pptx` lays it out). Every slide's title is its conclusion as a
sentence with its figures ("Шесть клиентов дают половину выручки: уход крупнейшего стоит
43,6 млн ₽ маржинального дохода в год"), written from typed :class:`~.model.Fact`\\ s read
from the steps' summaries (never recomputed) through the ``board.*`` strings of
``templates/i18n/<lang>/board.yaml``; the figure check (:mod:`.figcheck`) reads every figure
of a title back against those facts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model import Action, BoardSlide, Chart, Fact, Message, Section, Table, is_missing
from .story import _amount, vip_kind

if TYPE_CHECKING:  # pragma: no cover
    from .helpers import _Ctx

__all__ = ["BOARD_ORDER", "board_slides"]

#: the storyline's slides in the order of a board meeting (a slide without its figures is
#: left out, never shown empty)
BOARD_ORDER = ("summary", "channels", "dependency", "vip", "loss_makers", "key_clients",
               "matrix", "teams", "roadmap")
#: rows of a table on a slide (the full table is in the workbook)
TABLE_ROWS = 8


def _cells(ctx: _Ctx, table: Table, keys: list[str], rows: int) -> tuple[list[str],
                                                                          list[list[str]]]:
    """The header and the first ``rows`` rows of ``table``'s columns ``keys``, written for
    people (money shortened where it is read)."""
    cols = [c for k in keys for c in table.columns if c.key == k]
    out = []
    for rec in table.data.head(rows).to_dict("records"):
        line = []
        for c in cols:
            v = rec.get(c.key)
            kind = "money_short" if c.kind == "money" else c.kind
            line.append("—" if is_missing(v) else ctx.fmt.value(v, kind))
        out.append(line)
    return [c.label for c in cols], out


def _more(ctx: _Ctx, table: Table, shown: int) -> str:
    """Where the rest of a table is: the workbook's sheet."""
    total = len(table.data)
    if total <= shown:
        return ""
    return ctx.t("board.more", shown=ctx.fmt.integer(shown), total=ctx.fmt.integer(total),
                 sheet=table.sheet or table.key)


def _channels(ctx: _Ctx, charts: dict[str, Chart], sections: dict[str, Section]
              ) -> BoardSlide | None:
    sec = sections.get("strategy")
    if "channels" not in charts or sec is None:
        return None
    facts = {f.key: f for f in sec.facts}
    best, worst = facts.get("channel_best_margin"), facts.get("channel_worst_margin")
    if best is None or worst is None:
        return None
    data = charts["channels"].data
    names = [str(data["channel"].iloc[0]), str(data["channel"].iloc[-1])]
    title = ctx.t("board.title.channels", best=names[0], best_margin=best.display,
                  worst=names[1], worst_margin=worst.display)
    return BoardSlide("channels", title, [best, worst], chart="channels",
                      bullets=[sec.lead], names=names)


def _dependency(ctx: _Ctx, tables: dict[str, Table]) -> BoardSlide | None:
    s2 = ctx.art.summaries["02"]
    largest = (s2.get("dependency") or {}).get("largest") or []
    if not largest or ctx.art.s("02", "concentration.clients_to_50") is None:
        return None
    n50 = ctx.fact("clients_to_50", "02", "concentration.clients_to_50", "int",
                   label=ctx.t("board.label.clients_to_50"))
    lost = ctx.fact("dependency", "02", "dependency.largest.0.contribution_lost_year",
                    "money_short", label=ctx.t("story.label.dependency"))
    title = ctx.t("board.title.dependency", n50=n50.display, lost_year=lost.display)
    bullets = [ctx.t("board.dependency.largest", name=largest[0]["name"],
                     share=ctx.fmt.pct(largest[0]["revenue_share"]))]
    table = None
    if "dependency" in tables:
        t = tables["dependency"]
        header, rows = _cells(ctx, t, ["name", "revenue_share", "contribution_lost_year",
                                       "growth_pct", "trend"], 6)
        table = (header, rows, _more(ctx, t, 6))
    return BoardSlide("dependency", title, [n50, lost], bullets=bullets, table=table)


def _vip(ctx: _Ctx, tables: dict[str, Table]) -> BoardSlide | None:
    vip = ctx.art.summaries["03"].get("vip") or {}
    if not vip.get("vips"):
        return None
    n = ctx.fact("vips", "03", "vip.vips", "int")
    bad = ctx.fact("vip_not_key", "03", "vip.not_key_or_losing", "int")
    kind = vip_kind(vip)    # the largest clients stood in for management's list: said so
    facts = [n, bad]
    if vip.get("losing_money") and vip.get("loss_year") is not None:
        loss = ctx.fact("vip_loss", "03", "vip.loss_year", "money_short",
                        label=ctx.t("story.label.vip_loss"))
        loss.display = ctx.fmt.value(abs(_amount(loss.value)), "money_short")   # "потери 36,3"
        facts.append(loss)
        title = ctx.t(f"board.title.{kind}", n=n.display, bad=bad.display, loss=loss.display)
    else:
        title = ctx.t(f"board.title.{kind}_no_loss", n=n.display, bad=bad.display)
    table = None
    if "vip" in tables:
        t = tables["vip"]
        order = t.data.assign(_key=t.data["verdict"].eq(ctx.t("vip_verdict.key")))
        order = order.sort_values("_key", kind="mergesort").drop(columns="_key")
        sorted_t = Table(t.key, t.title, t.columns, order.reset_index(drop=True), t.source,
                         sheet=t.sheet)
        header, rows = _cells(ctx, sorted_t, ["entity_name", "verdict", "contribution",
                                              "reason"], TABLE_ROWS)
        table = (header, rows, _more(ctx, t, TABLE_ROWS))
    return BoardSlide("vip", title, facts, table=table)


def _loss_makers(ctx: _Ctx, charts: dict[str, Chart]) -> BoardSlide | None:
    s2 = ctx.art.summaries["02"]
    if not s2.get("loss_making_entities"):
        return None
    losers = ctx.fact("loss_making_entities", "02", "loss_making_entities", "int")
    rep = s2.get("what_if_reprice_large_loss_makers") or {}
    if rep.get("clients") and rep.get("change_year"):
        n = ctx.fact("reprice_clients", "02", "what_if_reprice_large_loss_makers.clients",
                     "int", label=ctx.t("board.label.reprice_clients"))
        change = ctx.fact("reprice", "02", "what_if_reprice_large_loss_makers.change_year",
                          "money_short", label=ctx.t("story.label.reprice"))
        facts = [losers, n, change]
        title = ctx.t("board.title.loss_makers", losers=losers.display, n=n.display,
                      change=change.display)
    else:
        peak = ctx.fact("whale_peak", "02", "whale.peak_pct", "pct")
        facts = [losers, peak]
        title = ctx.t("board.title.loss_makers_peak", losers=losers.display, peak=peak.display)
    f = ctx.fmt
    bullets = [ctx.t("profit.loss_maker", name=lm["name"],
                     revenue=f.money_short(lm["net_revenue"]),
                     contribution=f.money_short(lm["contribution"]))
               for lm in (s2.get("large_loss_makers") or [])[:3]]
    return BoardSlide("loss_makers", title, facts, bullets=bullets,
                      chart="whale_curve" if "whale_curve" in charts else None)


def _key_clients(ctx: _Ctx, tables: dict[str, Table]) -> BoardSlide | None:
    s3 = ctx.art.summaries["03"]
    if not s3.get("key_clients"):
        return None
    n = ctx.fact("key_clients", "03", "key_clients", "int")
    rev = ctx.fact("key_revenue_share", "03", "key_revenue_share", "pct")
    contr = ctx.fact("key_contribution_share", "03", "key_contribution_share", "pct")
    title = ctx.t("board.title.key_clients", n=n.display, rev=rev.display, contr=contr.display)
    table = None
    if "key_clients" in tables:
        t = tables["key_clients"]
        header, rows = _cells(ctx, t, ["entity_name", "quadrant", "net_revenue", "reason"],
                              TABLE_ROWS)
        table = (header, rows, _more(ctx, t, TABLE_ROWS))
    return BoardSlide("key_clients", title, [n, rev, contr], table=table)


def _matrix(ctx: _Ctx, charts: dict[str, Chart]) -> BoardSlide | None:
    quadrants = ctx.art.summaries["03"].get("quadrants") or {}
    if "portfolio_matrix" not in charts or not quadrants.get("Strategic"):
        return None
    strategic = ctx.fact("strategic", "03", "quadrants.Strategic", "int",
                         label=ctx.t("quadrant.Strategic"))
    title = ctx.t("board.title.matrix", strategic=strategic.display)
    bullets = [ctx.t("selection.quadrants", text=", ".join(
        f"{ctx.t('quadrant.' + q)} {ctx.fmt.integer(v)}" for q, v in quadrants.items()))]
    return BoardSlide("matrix", title, [strategic], bullets=bullets, chart="portfolio_matrix")


def _teams(ctx: _Ctx, sections: dict[str, Section]) -> BoardSlide | None:
    s4 = ctx.art.summaries["04"]
    bc = s4.get("business_case") or {}
    if not s4.get("kams") or (bc.get("cost") or {}).get("total") is None \
            or bc.get("needed_uplift_ratio") is None:
        return None
    kams = ctx.fact("kams", "04", "kams", "int")
    cost = ctx.fact("team_cost", "04", "business_case.cost.total", "money_short",
                    label=ctx.t("story.label.team_cost"))
    uplift = ctx.fact("needed_uplift", "04", "business_case.needed_uplift_ratio", "pct")
    title = ctx.t("board.title.teams", kams=kams.display, cost=cost.display,
                  uplift=uplift.display)
    sizing, teams = sections.get("sizing"), sections.get("client_teams")
    bullets = [b for b in (sizing.bullets[:3] if sizing else [])]
    if teams is not None and teams.lead:
        bullets.append(teams.lead)
    # the panel beside the text: money shortened where it is read (exact in the appendix)
    panel = [Fact(f.key, f.label, f.value, ctx.fmt.value(f.value, "money_short")
                  if f.kind == "money" else f.display, f.kind, f.source)
             for f in (sizing.facts if sizing else [])
             if f.key in ("key_accounts", "new_cash", "reallocated", "revenue_trend")]
    return BoardSlide("teams", title, [kams, cost, uplift, *panel], bullets=bullets)


def _roadmap(ctx: _Ctx, actions: list[Action]) -> BoardSlide | None:
    from .story import HORIZONS

    if not actions:
        return None
    by = {h: [a for a in actions if a.horizon == h] for h in HORIZONS}
    facts = [Fact(f"roadmap_{h}", ctx.t(f"story.horizon.{h}"), len(xs),
                  ctx.fmt.integer(len(xs)), "int", "report#actions") for h, xs in by.items()]
    title = ctx.t("board.title.roadmap", n=ctx.fmt.integer(len(actions)),
                  **{h: f.display for h, f in zip(HORIZONS, facts, strict=True)})
    header = [ctx.t("story.col.horizon"), ctx.t("story.col.owner"), ctx.t("story.col.action"),
              ctx.t("story.col.money")]
    rows = [[a.horizon_label, a.owner_label, a.text, a.money.display if a.money else "—"]
            for h in HORIZONS for a in by[h]]
    total = Fact("roadmap", ctx.t("story.actions_title"), len(actions),
                 ctx.fmt.integer(len(actions)), "int", "report#actions")
    return BoardSlide("roadmap", title, [total, *facts], table=(header, rows, ""))


def board_slides(ctx: _Ctx, *, summary: list[Message], actions: list[Action],
                 sections: list[Section], tables: dict[str, Table],
                 charts: dict[str, Chart]) -> list[BoardSlide]:
    """The deck's storyline in the order of a board meeting (:data:`BOARD_ORDER`).

    Parameters
    ----------
    ctx : _Ctx
        The report's strings, formatter and artefacts.
    summary, actions : list
        The executive summary's messages and the client's recommendations
        (:mod:`kamlib.report.story`).
    sections, tables, charts
        What the section builders made (the slides show their tables and charts).

    Returns
    -------
    list of BoardSlide
        The slides that have their figures, in order; empty without a storyline.
    """
    if not summary:
        return []
    by_key = {s.key: s for s in sections}
    top = summary[0]
    built: dict[str, Any] = {
        "summary": BoardSlide("summary", top.title, [top.fact]),
        "channels": _channels(ctx, charts, by_key),
        "dependency": _dependency(ctx, tables),
        "vip": _vip(ctx, tables),
        "loss_makers": _loss_makers(ctx, charts),
        "key_clients": _key_clients(ctx, tables),
        "matrix": _matrix(ctx, charts),
        "teams": _teams(ctx, by_key),
        "roadmap": _roadmap(ctx, actions),
    }
    return [built[k] for k in BOARD_ORDER if built[k] is not None]
