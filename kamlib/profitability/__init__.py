"""Step 2 of the audit: what each client really earns (METHODS.md §2).

- :mod:`.pnl` — the client P&L (entity and group level), cost-to-serve, cost of receivables;
- :mod:`.curves` — whale curve, cross-subsidy, ABC / XYZ, concentration, loss makers, the
  price waterfall, growth and lost revenue;
- :mod:`.scenarios` — robustness of the contribution and what-if (drop / re-price);
- :func:`run_profitability` — the step on an engagement: step 1's artefacts in, the P&L
  tables and ``summary.json`` out.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..config import ProfitabilityParams
from ..intake.level import narrowed_notes, sales_level
from ..steps import StepResult, artefact_path, open_step, step
from ..summaries import write_summary
from .cash import cash_figures, cash_position
from .channels import channel_pnl, read_channel_fit, write_channel_fit
from .curves import (
    abc,
    abc_xyz_matrix,
    concentration,
    growth,
    loss_makers,
    price_waterfall,
    whale_curve,
    whale_figures,
    xyz,
)
from .dependency import loss_scenarios, top_trend
from .holdings import concentration_level, holdings
from .pnl import DRIVERS, CostModel, client_pnl, group_pnl, monthly_revenue
from .scenarios import robustness, what_if_drop, what_if_reprice
from .tdabc import cost_sources, driver_volumes, read_cost_pools, read_off_invoice, tdabc_rates

if TYPE_CHECKING:
    from ..engagement import Engagement

__all__ = [
    "CostModel",
    "channel_pnl",
    "client_pnl",
    "group_pnl",
    "loss_scenarios",
    "monthly_revenue",
    "robustness",
    "run_profitability",
    "what_if_drop",
    "what_if_reprice",
]


def _read(path: Path) -> pd.DataFrame | None:
    return pd.read_parquet(path) if path.exists() else None


def run_profitability(engagement: Engagement | str | Path, out_dir: str | Path | None = None,
                      *, params: ProfitabilityParams | None = None) -> StepResult:
    """Step 2 on an engagement.

    Reads ``work/01_client_base_cleanup`` (sales with entity_id, entities, status) and the
    intake's activities, payments and clients. Writes into ``out_dir``: ``client_pnl``
    (entity level), ``group_pnl``, ``monthly`` (entity × month), ``classes`` (ABC by revenue
    and contribution, XYZ), ``robustness``, ``whale`` as Parquet, and ``summary.json``
    (``out_dir`` defaults to the step's folder). Returns the :class:`~kamlib.steps.StepResult`
    with the P&L, curves and scenarios as parts (``r.pnl``, ``r["whale"]`` …).
    """
    eng, out = open_step(engagement, "02", out_dir)
    params = params or eng.config.profitability
    sales = pd.read_parquet(artefact_path(eng, "entity_sales"))
    entities = pd.read_parquet(artefact_path(eng, "entities")).set_index("client_id")
    status = pd.read_parquet(artefact_path(eng, "status")).set_index("entity_id")
    costs = CostModel.from_params(params)
    names = entities.groupby("entity_id")["entity_name"].first()
    sold = sales_level(step("00").dir(eng))
    inputs: dict[str, Any] = {"activities": _read(artefact_path(eng, "activities")),
                              "payments": _read(artefact_path(eng, "payments")),
                              "clients": _read(artefact_path(eng, "clients"))}
    off_invoice = (read_off_invoice(eng.root / params.off_invoice_file)
                   if params.off_invoice_file else None)
    lang = eng.config.report.language  # the notes in the engagement's language
    pnl, notes = client_pnl(sales, costs=costs, **inputs, entity_map=entities["entity_id"],
                            names=names, off_invoice=off_invoice, sales_level=sold.level,
                            lang=lang)
    # the client's own cost pools (time-driven ABC): rates from its costs and capacity, the
    # allocation spread to the kopeck, the unused capacity shown beside it
    pool_table = None
    # the P&L's period in years, one rule for every yearly figure of the step (the pools'
    # annual cost, the what-ifs and the dependency a year)
    years = _period_years(sales["date"])
    if params.cost_pools_file:
        pool_table = tdabc_rates(read_cost_pools(eng.root / params.cost_pools_file),
                                 driver_volumes(pnl), years=years)
        by_driver = pool_table.groupby("driver")
        rates = dict(costs.rates)
        for d, r in by_driver["rate"].sum().items():
            rates[d] = float(r)
        pools = {d: v for d, v in costs.pools.items() if d not in set(pool_table["driver"])}
        costs = CostModel(rates, pools, costs.avoidable, costs.receivables_rate)
        exact = {d: round(float(v), 2) for d, v in by_driver["allocated"].sum().items()}
        pnl, notes = client_pnl(sales, costs=costs, **inputs,
                                entity_map=entities["entity_id"], names=names, exact=exact,
                                off_invoice=off_invoice, sales_level=sold.level, lang=lang)
    sources = cost_sources(costs.rates, costs.pools, pool_table)
    pnl["group_id"] = entities.groupby("entity_id")["group_id"].first().reindex(pnl.index)
    pnl["status"] = status["status"].reindex(pnl.index)
    gnames = pnl.groupby("group_id")["entity_name"].first()
    groups = group_pnl(pnl, pnl["group_id"], names=gnames)
    monthly = monthly_revenue(sales)
    classes = pd.DataFrame({
        "abc_revenue": abc(pnl, value="net_revenue", cutoffs=params.abc_cutoffs),
        "abc_contribution": abc(pnl, value="contribution", cutoffs=params.abc_cutoffs),
    })
    x = xyz(monthly, cutoffs=params.xyz_cutoffs)
    if sold.period:  # one total per period: no monthly rhythm to measure
        x = x.assign(cv=float("nan"), xyz=None)
    classes = classes.join(x.drop(columns=["months_active"], errors="ignore"), how="left")
    pnl = pnl.join(classes, how="left")
    growth_df, growth_summary = growth(monthly, status=pnl["status"])
    if sold.period:  # one period's totals: no year before it, no client new or gone in it
        growth_summary = {k: (v if k == "revenue_last12" else None)
                          for k, v in growth_summary.items()}
    pnl = pnl.join(growth_df[["revenue_prev12", "revenue_last12", "growth_pct"]], how="left")
    whale = whale_curve(pnl)
    figures = whale_figures(pnl)
    conc = concentration(pnl, value="net_revenue")
    # a group is named by its own name where it has one ('G:Стройгарант'), else by its head
    named = groups.rename(columns={"group_name": "entity_name"})
    gid = (named["group_id"] if "group_id" in named.columns
           else named.index.to_series(index=named.index)).astype(str)
    named["entity_name"] = gid.str.slice(2).where(gid.str.startswith("G:"),
                                                  named["entity_name"])
    conc_group = concentration(named, value="net_revenue", level="group")
    losers = loss_makers(pnl)
    waterfall = price_waterfall(pnl)
    robust = robustness(pnl, costs, spread=params.robustness_spread)
    matrix = abc_xyz_matrix(pnl["abc_revenue"], pnl["xyz"])
    if "entity_id" in losers.columns:
        losers = losers.set_index("entity_id")
    loser_ids = list(losers.index)
    # each what-if says its change a year too, the basis of every yearly figure the report
    # sets beside it
    drop = what_if_drop(pnl, loser_ids)
    drop.update(years=years, net_revenue_lost_year=drop["net_revenue_lost"] / years,
                change_in_company_contribution_year=(
                    drop["change_in_company_contribution"] / years))
    reprice = what_if_reprice(pnl, loser_ids, price_increase=0.05, volume_loss=0.05)
    reprice.update(years=years, change_year=reprice["change"] / years)
    totals = {c: float(pnl[c].sum()) for c in ("list_revenue", "discount", "sales_net",
                                               "returns", "net_revenue", "cogs", "gross_margin",
                                               "off_invoice", "cost_to_serve",
                                               "cost_of_receivables", "contribution")
              if c in pnl.columns}
    cts_by_source: dict[str, float] = {}
    for d in DRIVERS:
        if f"cts_{d}" in pnl.columns:
            src = sources.get(d, "recorded_cost" if float(pnl[f"cts_{d}"].sum()) else None)
            if src:
                cts_by_source[src] = round(cts_by_source.get(src, 0.0)
                                           + float(pnl[f"cts_{d}"].sum()), 2)
    channels, dependency = _strategy(eng, pnl, entities, monthly, params, years)
    # cash per client: receivables over the period, ageing at its end, terms vs actual (not
    # for period-level sales: their rows are no invoices)
    dates = pd.to_datetime(sales["date"])
    cash = None if sold.period or "document_id" not in sales.columns else cash_position(
        sales, inputs["payments"], period_end=dates.max(),
        period_start=dates.min().to_period("M").to_timestamp(),
        receivables_rate=costs.receivables_rate, clients=inputs["clients"],
        entity_map=entities["entity_id"], pnl=pnl, names=names)
    # payment discipline over all that fell due (the selection's criterion): the unpaid
    # overdue counts, decided here from the ageing; without a payments ledger nothing is
    # known of payment and the figure stays empty
    paid_known = inputs["payments"] is not None and len(inputs["payments"]) > 0
    pnl["days_late_all"] = (cash.cash["days_late_all"].reindex(pnl.index)
                            if cash is not None and paid_known else pnl["days_late"])
    stress = robust[robust["scenario"].str.contains("%")]
    level = concentration_level(conc, conc_group)
    summary = {
        "entities": len(pnl),
        "totals": totals,
        "reconciled_with_sales": {
            "net_revenue": round(float(sales["net_revenue"].sum()), 2),
            "pnl_net_revenue": round(totals["net_revenue"], 2),
        },
        "loss_making_entities": int((pnl["contribution"] < 0).sum()),
        # the large loss-makers: how many, and the list (worst first; the first
        # LOSS_MAKERS_LISTED of a longer one, the rest being in the client P&L)
        "large_loss_makers_total": len(losers),
        "whale": figures,
        "concentration": {k: v for k, v in conc.items() if k != "shares"},
        "concentration_groups": {k: v for k, v in conc_group.items() if k != "shares"},
        # which level the concentration finding speaks of, and the holdings that look small
        # client by client (decided here, read by every surface)
        "concentration_level": level,
        "holdings": holdings(groups, pnl),
        "large_loss_makers": [
            {"entity_id": i, "name": r.get("entity_name"), "net_revenue": r["net_revenue"],
             "gross_margin": r["gross_margin"], "cost_to_serve": r["cost_to_serve"],
             "contribution": r["contribution"], "why": r.get("why")}
            for i, r in losers.head(LOSS_MAKERS_LISTED).iterrows()],
        "abc_revenue": pnl["abc_revenue"].value_counts().to_dict(),
        "xyz": pnl["xyz"].value_counts().to_dict(),
        "robustness": {
            "max_sign_changes_share": float(stress["sign_changes_share"].max())
            if len(stress) else 0.0,
            "min_spearman": float(stress["spearman"].min()) if len(stress) else 1.0,
            "loss_makers_if_allocated_by_revenue": int(robust.loc[robust["scenario"]
                                                       .str.contains("by net revenue"),
                                                       "loss_makers"].sum()),
        },
        "growth": growth_summary,
        "what_if_drop_large_loss_makers": drop,
        "what_if_reprice_large_loss_makers": reprice,
        "cost_sources": {d: {"source": src, "rate": round(float(costs.rates.get(d, 0) or 0), 4)}
                         for d, src in sources.items()},
        "cost_to_serve_by_source": cts_by_source,
        "cost_pools": ([{"pool": r["pool"], "driver": r["driver"], "basis": r["basis"],
                         "rate": round(float(r["rate"]), 4),
                         "practical_share": float(r["practical_share"]),
                         "cost": r["cost"], "allocated": r["allocated"],
                         "unused": r["unused"], "unused_share": float(r["unused_share"])}
                        for _, r in pool_table.iterrows()] if pool_table is not None else []),
        "off_invoice_by_kind": {c[4:]: round(float(pnl[c].sum()), 2) for c in pnl.columns
                                if c.startswith("off_") and c != "off_invoice"},
        "notes": notes,
        "narrowed": sold.reasons("02"),
        "channels": _channel_figures(channels),
        "dependency": _dependency_figures(dependency, pnl, params),
        "cash": cash_figures(cash) if cash is not None else None,
    }
    out.mkdir(parents=True, exist_ok=True)
    channels.to_parquet(out / step("02").artefact("channels").file)
    dependency.to_parquet(out / step("02").artefact("dependency").file)
    pnl.reset_index().to_parquet(out / step("02").artefact("client_pnl").file)
    groups.reset_index().to_parquet(out / step("02").artefact("group_pnl").file)
    monthly.assign(month=monthly["month"].astype(str)).to_parquet(
        out / step("02").artefact("monthly").file)
    robust.to_parquet(out / step("02").artefact("robustness").file)
    whale.to_parquet(out / step("02").artefact("whale").file)
    if cash is not None:
        cash.cash.reset_index().to_parquet(out / step("02").artefact("cash").file)
        cash.monthly.to_parquet(out / step("02").artefact("receivables_monthly").file)
        cash.unapplied.to_parquet(out / step("02").artefact("unapplied_payments").file)
    summary = write_summary("02", out / "summary.json", summary, currency=eng.config.currency)
    return StepResult("02", summary, {
        "pnl": pnl, "groups": groups, "monthly": monthly, "whale": whale, "figures": figures,
        "concentration": conc, "concentration_groups": conc_group, "loss_makers": losers,
        "waterfall": waterfall, "robustness": robust, "matrix": matrix, "what_if_drop": drop,
        "what_if_reprice": reprice, "growth": growth_summary, "channels": channels,
        "dependency": dependency,
        **({"cash": cash.cash, "receivables_monthly": cash.monthly,
            "unapplied_payments": cash.unapplied} if cash is not None else {})},
        tuple(notes) + tuple(narrowed_notes(summary["narrowed"], eng.config.report.language,
                                            eng.config.currency)))


#: how many top clients (and groups) the dependency scenario covers
DEPENDENCY_TOP = 10
#: the large loss-makers listed in the summary (all of them in any engagement seen; the
#: report's table and workbook sheet show the list, the count says when it is longer)
LOSS_MAKERS_LISTED = 200


def _period_years(dates: pd.Series) -> float:
    """The P&L's period in years, from the first to the last month of sales (``dates``: the
    sales' dates, or the ``YYYY-MM`` months of ``monthly``); one rule for every yearly figure
    of the step (the cost pools' annual cost, the dependency's contribution a year)."""
    if dates.empty:
        return 1.0
    # only the first and the last month count: parse each distinct value once
    if pd.api.types.is_datetime64_any_dtype(dates):
        d = dates
    else:
        d = pd.to_datetime(pd.Series(pd.unique(dates.astype(str))))
    m = pd.PeriodIndex(d.dropna(), freq="M")
    if m.empty:
        return 1.0
    return float(max(((m.max() - m.min()).n + 1) / 12.0, 1.0 / 12.0))


def _strategy(eng: Engagement, pnl: pd.DataFrame, entities: pd.DataFrame,
              monthly: pd.DataFrame, params: ProfitabilityParams, years: float
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The channel P&L (with the workshop's USP fit from ``review/channels.xlsx``, whose
    blank is written for the workshop) and the dependency scenarios (a year's: ÷ ``years``,
    the P&L's period)."""
    ent = entities.reset_index()
    if "segment" in ent.columns:
        canon = ent.sort_values("is_canonical", ascending=False, kind="mergesort") \
            if "is_canonical" in ent.columns else ent
        seg = canon.dropna(subset=["segment"]).groupby("entity_id")["segment"].first()
    else:
        seg = pd.Series(dtype=object)
    sheet = eng.root / "review" / "channels.xlsx"
    fit = read_channel_fit(sheet) if sheet.exists() else {}
    channels = channel_pnl(pnl, seg, monthly=monthly, fit=fit)
    write_channel_fit(sheet, channels, existing=fit, lang=eng.config.report.language)
    dependency = loss_scenarios(pnl, top=DEPENDENCY_TOP,
                                fixed_costs_per_year=params.fixed_costs_per_year,
                                years=years)
    return channels, dependency


def _num(x: object) -> float | None:
    return None if x is None or pd.isna(x) else float(x)  # type: ignore[arg-type]


def _channel_figures(channels: pd.DataFrame) -> list[dict[str, Any]]:
    import json

    return [{"channel": r.channel, "clients": int(r.clients), "net_revenue": r.net_revenue,
             "revenue_share": _num(r.revenue_share), "contribution": r.contribution,
             "contribution_margin": _num(r.contribution_margin), "cts_pct": _num(r.cts_pct),
             "growth": _num(r.growth_pct), "growth_basis": r.growth_basis,
             "usp_fit": _num(r.usp_fit), "verdict": r.verdict,
             "reason": {"code": r.reason_code, "args": json.loads(r.reason_args)}}
            for r in channels.itertuples(index=False)]


def _dependency_figures(dep: pd.DataFrame, pnl: pd.DataFrame,
                        params: ProfitabilityParams) -> dict[str, Any]:
    trend = top_trend(pnl, top=DEPENDENCY_TOP)
    return {
        "top": DEPENDENCY_TOP,
        "fixed_costs_per_year": params.fixed_costs_per_year,
        "top_revenue_prev12": trend["revenue_prev12"],
        "top_revenue_last12": trend["revenue_last12"],
        "top_trend_ratio": trend["growth_ratio"],
        "top_trend": trend["trend"],
        "top_shrinking": trend["shrinking"],
        "largest": [{"level": r.level, "id": r.id, "name": r.name,
                     "entities": int(r.entities), "net_revenue": r.net_revenue,
                     "revenue_share": float(r.revenue_share),
                     "contribution_lost": r.contribution_lost,
                     "contribution_lost_year": r.contribution_lost_year,
                     "fixed_cost_cover": _num(r.fixed_cost_cover),
                     "growth": _num(r.growth_pct), "trend": r.trend}
                    for r in dep.head(5).itertuples(index=False)],
    }
