"""The report's section of step 00, the data intake: what was received, its months."""

from __future__ import annotations

import pandas as pd

from ..helpers import _Ctx, _png
from ..model import Chart, Section, Table

# --------------------------------------------------------------------------- sections


def _intake_section(ctx: _Ctx) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    s = ctx.art.summaries["00"]
    period = s.get("period") or [None, None]
    facts = [
        ctx.fact("files", "00", "files", "int"),
        ctx.fact("sales_lines", "00", "sales_lines", "int"),
        ctx.fact("net_revenue", "00", "net_revenue", "money"),
        ctx.fact("returns", "00", "returns_net_revenue", "money",
                 display=ctx.fmt.money(abs(float(s.get("returns_net_revenue") or 0)))),
        ctx.fact("rejected_rows", "00", "rejected_rows", "int"),
        ctx.fact("rejected_money", "00", "rejected_money", "money"),
    ]
    bullets = [ctx.t("intake.period", period=ctx.fmt.period(*period))] if period[0] else []
    def names(tables: list[str]) -> str:
        """Tables (``payments``) and columns (``clients.group``) in the reader's words."""
        from ...schema import TABLES

        out = []
        for t in tables:
            table, _, col = str(t).partition(".")
            label = ctx.st.get(f"table_name.{table}", table) or table
            if col and table in TABLES:
                field = next((f for f in TABLES[table].fields if f.name == col), None)
                col = (field.label_ru if ctx.st.lang == "ru" else field.label_en) \
                    if field is not None else col
                out.append(f"{label}: {col}")
            else:
                out.append(label)
        return "; ".join(out)

    if s.get("missing"):
        bullets.append(ctx.t("intake.missing", tables=names(s["missing"])))
    else:
        bullets.append(ctx.t("intake.all_tables", tables=names(s.get("tables", []))))
    if s.get("clients_added_from_transactions"):
        bullets.append(ctx.t("intake.added", n=ctx.fmt.integer(
            s["clients_added_from_transactions"])))
    lead = ctx.t("intake.lead", files=ctx.fmt.integer(s["files"]),
                 lines=ctx.fmt.integer(s["sales_lines"]),
                 revenue=ctx.fmt.money_short(float(s["net_revenue"])),
                 rejected=ctx.fmt.integer(s.get("rejected_rows", 0)),
                 rejected_money=ctx.fmt.money(float(s.get("rejected_money") or 0)))
    charts: dict[str, Chart] = {}
    monthly = ctx.art.tables.get("monthly")
    if monthly is not None and len(monthly):
        total = monthly.groupby("month", as_index=False)["net_revenue"].sum().sort_values("month")
        charts["monthly_sales"] = _monthly_chart(ctx, total)
    section = Section("intake", ctx.t("section.intake"), lead, facts, bullets,
                      charts=list(charts), tables=["inputs"])
    return section, {}, charts


def _monthly_chart(ctx: _Ctx, monthly: pd.DataFrame) -> Chart:
    import matplotlib.pyplot as plt

    from ... import plots

    plots.set_theme()
    fig, ax = plt.subplots(figsize=(9, 3.6))
    ax.plot(range(len(monthly)), monthly["net_revenue"] / 1e6, color=plots.PALETTE[0], lw=2,
            marker="o", ms=3)
    step = max(1, len(monthly) // 12)
    ax.set_xticks(range(0, len(monthly), step))
    ax.set_xticklabels(monthly["month"].iloc[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(ctx.t("chart.monthly_sales.y"))
    ax.set_title(ctx.t("chart.monthly_sales.title"))
    ax.grid(axis="y", alpha=0.3)
    data = monthly.assign(net_revenue_m=monthly["net_revenue"] / 1e6)
    return Chart("monthly_sales", ctx.t("chart.monthly_sales.title"), "column", data,
                 "month", ["net_revenue_m"], ctx.t("chart.monthly_sales.x"),
                 ctx.t("chart.monthly_sales.y"),
                 {"net_revenue_m": ctx.t("chart.monthly_sales.series")}, _png(fig, ctx.fmt.lang),
                 ctx.t("chart.monthly_sales.caption"), "02_profitability/monthly.parquet",
                 y_format="number")
