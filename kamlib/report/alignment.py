"""The report's subsection on the second front: internal alignment (issue 17, item 2).

Read from step 4's ``alignment`` block (:func:`kamlib.kit.alignment.alignment_summary`),
never recomputed: the scores, the gaps and the rules' verdicts are the step's. When the
workshop has not been answered the section says it is awaited.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .helpers import _png
from .model import Chart, Column, Fact, Section, Table

__all__ = ["alignment_section"]

_SOURCE = "04_kam_team_sizing/summary.json#alignment"


def alignment_section(ctx: Any) -> tuple[Section, dict[str, Table], dict[str, Chart]]:
    """The alignment subsection: ``(Section, tables, charts)`` like every section builder
    of :func:`kamlib.report.build.build_model`."""
    from ..kit.alignment import ELEMENTS, ROLES
    from ..kit.alignment_chart import alignment_chart

    f = ctx.fmt
    block = (ctx.art.summaries.get("04") or {}).get("alignment") or {}

    def t(key: str, **kw: Any) -> str:
        return str(ctx.t(f"kit_alignment.report.{key}", **kw))

    title = t("title")
    if block.get("status") != "filled":
        return Section("alignment", title, t("waiting")), {}, {}
    el = block["elements"]
    name = {e: ctx.t(f"kit_alignment.element.{e}") for e in ELEMENTS}
    resp = block["respondents"]
    thr = f.number(block["gap_threshold"], 1)
    acts = block.get("actions") or []
    facts: list[Fact] = []
    gaps = [a for a in acts if a["kind"] != "weak"]
    if gaps:
        top = gaps[0]["element"]
        e = el[top]
        lead = t("lead", management=f.integer(resp["management"]), kam=f.integer(resp["kam"]),
                 statements=f.integer(block["statements"]), element=name[top],
                 management_score=f.number(e["management"], 1),
                 kam_score=f.number(e["kam"], 1))
        facts.append(ctx.fact("alignment_gap", "04", f"alignment.elements.{top}.gap", "number",
                              label=t("fact_gap")))
    else:
        lead = t("lead_no_gap", management=f.integer(resp["management"]),
                 kam=f.integer(resp["kam"]), statements=f.integer(block["statements"]),
                 threshold=thr)
    bullets = [t("rule", threshold=thr)]
    for a in acts:
        e = el[a["element"]]
        bullets.append(t(a["kind"], element=name[a["element"]],
                         management_score=f.number(e["management"], 1),
                         kam_score=f.number(e["kam"], 1),
                         change=ctx.t(f"kit_alignment.change.{a['element']}")))
    total = sum(resp.values())
    res = block.get("resources") or {}
    if res and total:
        best = max(res.values(), key=lambda v: v["total"])["total"]
        if best:
            opts = [ctx.t(f"kit_alignment.practice.resources_options.{o}")
                    for o, v in res.items() if v["total"] == best]
            bullets.append(t("resources", options="; ".join(opts), n=f.integer(best),
                             total=f.integer(total)))
    kp = {o: v["total"] for o, v in (block.get("kpis_against") or {}).items() if v["total"]}
    if kp:
        bullets.append(t("kpis", options="; ".join(
            f"{ctx.t(f'kit_alignment.practice.kpis_options.{o}')} ({f.integer(n)})"
            for o, n in sorted(kp.items(), key=lambda x: -x[1]))))
    data = pd.DataFrame([{"element": name[e], "management": el[e]["management"],
                          "kam": el[e]["kam"], "gap": el[e]["gap"]} for e in ELEMENTS
                         if e in el])
    cols = [Column("element", t("col_element")), Column("management", t("col_management"),
                                                         "number"),
            Column("kam", t("col_kam"), "number"), Column("gap", t("col_gap"), "number")]
    table = Table("alignment", t("table"), cols, data, _SOURCE, preview_rows=7,
                  sheet=t("table")[:31])
    by = pd.DataFrame({r: [el[e][r] for e in ELEMENTS] for r in ROLES},
                      index=pd.Index(ELEMENTS, name="element"), dtype=float)
    ax = alignment_chart(by, lang=ctx.st.lang)
    chart = Chart("alignment", t("chart"), "bar", data[["element", "management", "kam"]],
                  "element", ["management", "kam"], "", "1–5",
                  {r: ctx.t(f"kit_alignment.role.{r}") for r in ROLES},
                  _png(ax.figure, ctx.fmt.lang),
                  t("chart_caption"), _SOURCE)
    section = Section("alignment", title, lead, facts, bullets, charts=["alignment"],
                      tables=["alignment"])
    return section, {"alignment": table}, {"alignment": chart}
