"""The presentation copy of a step notebook in the engagement's language, for the trainer or
for the participants.

The step notebooks are written in English for the analyst. ``kam present`` shows them to a
room, so :func:`localize_notebook` rewrites the presentation copy (never the notebook):

- a setup cell at the top calls :func:`kamlib.notebook.present_view.setup` (the page's
  language and mode; every table with localized column labels and ``—`` for missing values);
- each markdown cell takes its text from ``templates/i18n/<lang>/present.yaml``
  (``present.cell.<cell id>.text``; an empty text keeps the notebook's own English);
- the code cells that print English take the edits of :data:`CODE_EDITS` (their key figures
  become :func:`kamlib.notebook.present_view.stats` tables, their sentences ``present.*`` strings);
- in the participant mode a markdown cell with a question (``present.cell.<id>.ask``) shows
  the question, and its heading and text — the conclusion — wait behind a button
  (:func:`kamlib.notebook.present_view.reveal`); the code cells of :data:`CONCLUSION_CELLS` (a
  verdict, a recommendation) wait the same way (:func:`kamlib.notebook.present_view.hidden`).

Cells are found by their notebook cell id (nbformat 4.5), which executing a notebook keeps;
``tests/training/test_classroom.py`` checks that every markdown cell has its text in both languages
and every edit still finds the code it replaces.
"""

from __future__ import annotations

import ast
import hashlib
from typing import Any

from kamlib.i18n import load_strings

__all__ = ["CELL_REPLACEMENTS", "CODE_EDITS", "CONCLUSION_CELLS", "SETUP_TAG", "fingerprint",
           "localize_notebook"]

#: The tag of the setup cell :func:`localize_notebook` adds.
SETUP_TAG = "kam-present-setup"

_V = "_kam_view"

#: Code cell id → (text in the notebook, text in the presentation copy) edits.
CODE_EDITS: dict[str, tuple[tuple[str, str], ...]] = {
    # 00 · intake
    "e249f904": (('display(Markdown(f"**Engagement:** {cfg.client} · currency {cfg.currency} · '
                  'report language {lang}"))',
                  f'display(Markdown({_V}.t("engagement", client=cfg.client, '
                  'currency=cfg.currency)))'),),
    "a394ef7f": (('mapping = ", ".join(f"{src} → {canon}"',
                  f'mapping = ", ".join(f"{{src}} → {{{_V}.field(f.get(\'table\'), canon)}}"'),
                 ("print(f\"{label}: {f.get('table')}\\n    {mapping}\")",
                  f"print(f\"«{{label}}»: {{{_V}.word('table_name.' + str(f.get('table')), '—')}}"
                  f"\\n    {{mapping}}\")"),
                 ('for note in f.get("notes", []):', f'for note in {_V}.file_notes(f):'),
                 ('print(f"    note: {note}")', f'print(f"    {{{_V}.t(\'note\')}}: {{note}}")')),
    "b716e657": (('print("months without sales:", ", ".join(gaps) if gaps else "none")',
                  f'print({_V}.t("months_without_sales", months=", ".join(gaps) if gaps '
                  f'else {_V}.t("none")))'),),
    "d9b32e14": (('print(f"{len(rej)} rejected rows, amount {rej[\'amount\'].sum():,.2f}"'
                  '.replace(",", " "))',
                  f'print({_V}.t("rejected_rows", n=len(rej), '
                  'amount=f"{rej[\'amount\'].sum():,.2f}".replace(",", " ")))'),),
    "e92d955a": (('print(f"{len(issues)} cell problems")',
                  f'print({_V}.t("cell_problems", n=len(issues)))'),
                 ('for w in manifest.get("warnings", []):',
                  f'for w in {_V}.intake_warnings(manifest):'),
                 ('print("WARNING:", w)', f'print({_V}.t("warning") + ":", w)'),
                 # the page phrases the problems from their codes (the notebook hides them)
                 ('issues.drop(columns=["problem_code", "problem_args"], errors="ignore")',
                  "issues")),
    "feeedba1": (("ready = dc.readiness(tables)",
                  f"ready = dc.readiness(tables, lang={_V}.language())"),
                 ('display(Markdown("All analyses have their data." if not lines else\n'
                  '                 "Missing data and its consequence:\\n\\n" + '
                  '"\\n".join(lines)))',
                  f'display(Markdown({_V}.t("all_data") if not lines else\n'
                  f'                 {_V}.t("missing_data") + "\\n\\n" + "\\n".join(lines)))'),),
    "61cb06d9": (('print("summary written:", (out / "summary.json").name)', "pass"),),
    # 01 · cleanup
    "4f175755": (('print(result.pairs["outcome"].value_counts().to_string())',
                  f'print({_V}.counts(result.pairs["outcome"], "outcome"))'),),
    "eeb07e6a": (('print(ids["inn_status"].value_counts().to_string())',
                  f'print({_V}.counts(ids["inn_status"], "inn"))'),),
    "d254b2fa": (('display(Markdown(f"**{len(todo)} pairs to review** in `{s[\'review_sheet\']}`; '
                  '"\n                 f"{s[\'decisions_applied\']} decisions applied from '
                  '`decisions/merges.csv`."))',
                  f'display(Markdown({_V}.t("pairs_to_review", n=len(todo), '
                  'sheet=s["review_sheet"], applied=s["decisions_applied"])))'),
                 # the evidence phrased from its codes (the step's own is English)
                 ('"score", "evidence"]]', '"score", "evidence", "evidence_reasons"]]')),
    # the statuses' and the loss makers' reasons phrased from their codes (the steps' own
    # sentences are English)
    "72373879": (('"net_revenue", "reason"]]', '"net_revenue", "reason_code", "reason_args"]]'),),
    # 02 · profitability
    "9a17970f": (('"contribution", "why"]]', '"contribution", "reason_code", "reason_args"]]'),),
    "cdd8f01e": (('for flag in c["flags"] + [f"(groups) {f}" for f in cg["flags"]]:',
                  f'for flag in {_V}.flags(c) + {_V}.flags(cg):'),),
    "30d4c3f7": (('display(Markdown(f"*Note: {note}.*"))',
                  f'display(Markdown(f"*{{{_V}.t(\'note\')}}: {{note}}.*"))'),),
    "c7dbc1c7": (('"drop them"', f'{_V}.t("what_if_drop")'),
                 ('"re-price +5%, lose 5% volume"', f'{_V}.t("what_if_reprice")')),
    # the channels' reasons phrased from their codes and figures; the margins named in words
    "f47620fc": (('"verdict", "reason_code"]]', '"verdict", "reason_code", "reason_args"]]'),),
    "fb67b4f5": (("margins=True)", f'margins=True, margins_name={_V}.word("col.total"))'),),
    "2fd987ca": (("currency=cur))", f"currency=cur, participant={_V}.participant()))"),),
    # 03 · key clients
    "0304bb1b": (('display(Markdown(f"*Note: {note}.*"))',
                  f'display(Markdown(f"*{{{_V}.t(\'note\')}}: {{note}}.*"))'),),
    "4dbec1f1": (('display(Markdown("No contacts table was received: the safety of the '
                  'relationships cannot be "\n                     "assessed. Ask for the CRM '
                  'contacts (see the data request)."))',
                  f'display(Markdown({_V}.t("no_contacts")))'),),
    # the steps' messages on the pages (issue 21): receivables, assumptions, the workshop
    "0ac78c98": (
        ("    print(f\"open at {c['period_end']}: {m(c['total_open'])}; overdue "
         "{m(c['overdue'])} \"\n"
         "          f\"({d(c['overdue_share'], '.1%')}), > 90 days {m(c['overdue_over_90'])}, "
         "\"\n"
         "          f\"{c['clients_overdue']} clients overdue\")",
         f'    print({_V}.t("cash_open", date=c["period_end"], '
         f'open={_V}.num(c["total_open"], 2),\n'
         f'                 overdue={_V}.num(c["overdue"], 2), '
         f'share={_V}.pct(c["overdue_share"]),\n'
         f'                 over90={_V}.num(c["overdue_over_90"], 2), '
         'clients=c["clients_overdue"]))'),
        ("    print(f\"days to pay {d(c['actual_days'])} against {d(c['terms_days'])} "
         "contracted \"\n"
         "          f\"({d(c['terms_gap_days'], '+.1f')}); carrying cost "
         "{m(c['carrying_cost'])} against \"\n"
         "          f\"{m(c['cost_of_receivables'])} in the P&L \"\n"
         "          f\"({m(c['cost_of_receivables_invoiced_basis'])} with VAT)\")",
         '    gap = c["terms_gap_days"]\n'
         f'    print({_V}.t("cash_days", actual={_V}.num(c["actual_days"], 1),\n'
         f'                 terms={_V}.num(c["terms_days"], 1),\n'
         f'                 gap=("+" if gap is not None and gap > 0 else "") + '
         f'{_V}.num(gap, 1),\n'
         f'                 carrying={_V}.num(c["carrying_cost"], 2),\n'
         f'                 cost={_V}.num(c["cost_of_receivables"], 2),\n'
         f'                 invoiced={_V}.num(c["cost_of_receivables_invoiced_basis"], 2)))'),
        # the buckets are codes: an index named by its column shows their labels
        ('name="open at the period end").to_frame()',
         f'name={_V}.t("cash_open_at_end")).rename_axis("bucket").to_frame()'),
        ('display(Markdown("The sales are period totals, not invoices: no receivables '
         'to age."))', f'display(Markdown({_V}.t("cash_period_totals")))')),
    "65d3f24c": (("    display(Markdown(f\"*Assumption ({a['code']}): \"\n"
                  "                     + \", \".join(f\"{k} = {v}\" for k, v in "
                  "a[\"args\"].items()) + \"*\"))",
                  f'    display(Markdown({_V}.t("assumption", text={_V}.say(a))))'),),
    "alignment-workshop": (
        ('    display(Markdown("*The alignment workshop is awaited: review/alignment.xlsx is '
         'missing or "\n                     "empty (the questionnaire is in the kit: '
         'kam kit).*"))', f'    display(Markdown({_V}.t("alignment_awaited")))'),),
    # the key clients' portrait from its reason codes (the step's headlines are English)
    "2f7a18c5": (('for line in res["portrait"].get("headline", []):',
                  f'for line in map({_V}.say, res["portrait"].get("headline_reasons", [])):'),
                 # the page phrases the look-alikes' reasons (the notebook hides their codes)
                 ('res["look_alikes"].drop(columns=["similar_because"], errors="ignore")',
                  'res["look_alikes"]')),
    # 04 · team
    "182d7987": (('display(sizing_widget(res["key"], params))',
                  'display(sizing_widget(res["key"], params, lang=lang))'),),
    "efd20b73": (('display(Markdown(f"*Note: {note}.*"))',
                  f'display(Markdown(f"*{{{_V}.t(\'note\')}}: {{note}}.*"))'),),
    # the programme's cost lines in the page's language (issue 21)
    "a01cf6ee": (
        *((f'"{en}": c["{key}"]', f'{_V}.t("programme_cost.{key}"): c["{key}"]')
          for en, key in (
              ("new KAM hires (market cost + overhead)", "new_hires"),
              ("existing people's time moved to key accounts (+ overhead)", "existing_time"),
              ("support: FTE × their cost", "support"), ("travel and tools", "travel_tools"),
              ("programme, a year", "total"), ("… of which new cash", "new_cash"),
              ("… of which re-allocated, not new cash", "reallocated"))),
        ('name=f"{cur} a year"', f'name={_V}.t("programme_cost.per_year", currency=cur)')),
    # the payback and the break-even from their reason codes (the step's text is English)
    "b4c0a004": (('display(Markdown(eco["payback"].get("text", "")))',
                  f'display(Markdown({_V}.say(eco["payback"].get("reason"))))'),
                 ('    display(Markdown(eco["break_even"]["text"]))',
                  f'    display(Markdown({_V}.say(eco["break_even"].get("reason"))))')),
    # 05 · the report: its own sentences in the page's language (issue 21)
    "41d4dc57": (('print(f"{model.title} — {model.client}; {model.fmt.period(*model.period)}; '
                  'language {lang}")',
                  'print(f"{model.title} — {model.client}; {model.fmt.period(*model.period)}")'),),
    "fa226506": (("print(findings.to_string(index=False))", "findings"),
                 # the findings and facts named by their labels, their sources by their steps
                 ('{"finding": f.key, "headline": f.headline, "source": f.fact.source}',
                  f'{{"finding": f.fact.label, "headline": f.headline,\n'
                  f'                           "source": {_V}.source(f.fact.source)}}')),
    "afbc7ee9": (('{"section": s.key, "fact": f.label, "value": f.display,\n'
                  '                       "source": f.source}',
                  '{"section": s.title, "fact": f.label, "value": f.display,\n'
                  f'                       "source": {_V}.source(f.source)}}'),),
    "6ee61f57": (("on_progress=print,", "on_progress=None,"),
                 ('for w in result["warnings"]:\n    print("note:", w)',
                  f'if result["warnings"]:\n    print({_V}.t("report_warnings", '
                  'n=len(result["warnings"])))')),
    "f26064f3": (('print(f"{len(rows)} deliverable(s), {len(result[\'papers\'])} working '
                  'paper(s)")',
                  f'print({_V}.t("deliverables", n=len(rows), papers=len(result["papers"])))'),),
    "667b8c1e": (('    print(f"{html_path.name}: {len(text) / 1024:.0f} kB, {text.count(\'<img\')} '
                  'images embedded, "\n          f"{len(external)} external references")',
                  f'    print({_V}.t("html_check", name=html_path.name, '
                  'kb=f"{len(text) / 1024:.0f}",\n'
                  '                 images=text.count("<img"), external=len(external)))'),),
    "9f29fd09": (('description="Language"', f'description={_V}.t("language")'),),
}

#: Code cell id → (SHA-256 prefix of its source in the notebook, the source of the
#: presentation copy): cells whose whole output was English key figures, shown instead as a
#: table of the step's typed summary in the page's language. A notebook cell that changed
#: (another fingerprint) keeps its own source.
CELL_REPLACEMENTS: dict[str, tuple[str, str]] = {
    "ebda39f5": ("bf737d7ab7cd", f'summary = dc.intake_summary(tables, manifest)\n'
                                 f'{_V}.stats("00", summary)'),
    "bfc6d508": ("0e7ccaca8614", f'{_V}.stats("01", s)'),
    "7d1b8708": ("ef02a53580ad", f'{_V}.stats("02", s)'),
    "67e22f86": ("882366b618f3", f'{_V}.stats("02_dependency", s)\n'
                 'r.dependency[["level", "name", "net_revenue", "revenue_share", '
                 '"contribution_lost",\n              "contribution_lost_year", '
                 '"fixed_cost_cover", "growth_pct", "trend"]]'),
    "3b927fd2": ("7de037866706", f'{_V}.stats("02_robustness", s)\nr.robustness'),
    "a3c689a8": ("e968b36cc372", f'{_V}.stats("02_growth", s)'),
    "4a6a0c6a": ("b114b5167cfb", f'{_V}.stats("03", s)'),
    "7eb0f61e": ("e83c8b3caa8f", f'{_V}.stats("03_gate", s)'),
    "6c462a8b": ("ae3b9f9274a0", f'{_V}.stats("03_vip", s)\n'
                 'res["vip"][["entity_name", "why", "net_revenue", "contribution", '
                 '"contribution_pct",\n            "attractiveness", "verdict", '
                 '"reason_code", "reason_args"]]'),
    "f7bd484c": ("4dd1d047ff8f", f'{_V}.stats("04", s)'),
    "b4c0a002": ("38e089167943", f'{_V}.stats("04_case", s)'),
    "4eca355b": ("33c1f920c9a0", f'{_V}.stats("04_tiers", s)'),
    # the KPI scheme and the client teams, printed in the page's language (issue 21)
    "e1a2f9d5": ("9d3774ff5716", f'''b = s["kpi_scheme"]
fam = lambda k: {_V}.word(f"kpi_family.{{k}}")
print({_V}.t("kpi_variable_pay", share={_V}.pct(b["variable_pay_share"], 0)))
print({_V}.t("kpi_weights", weights=", ".join(
    fam(k) + " " + {_V}.pct(v, 0) for k, v in b["weights"].items())))
print({_V}.t("kpi_focus", focus=", ".join(fam(k) for k in b["focus"])))
print({_V}.t("kpi_gate", kpi=fam(b["gate"]["kpi"]),
             ratio={_V}.pct(b["gate"]["achievement_ratio"], 0)))
print({_V}.t("kpi_payout", threshold={_V}.pct(b["threshold_achievement_ratio"], 0),
             cap={_V}.pct(b["cap_payout_ratio"], 0),
             cap_at={_V}.pct(b["cap_achievement_ratio"], 0)))'''),
    "ea5ce787": ("6fd0af11ea34", f'''ct = s["client_teams"]
cb = ct["business_case"]
print({_V}.t("team_head", name=ct["head_of_kam"] or "—",
             source={_V}.word("present.head_source." + str(ct["head_of_kam_source"]))))
print({_V}.t("team_support", fte={_V}.num(ct["support_fte"], 2),
             table={_V}.num(ct["quadrant_table_support_fte"], 2)))
print({_V}.t("team_support_cost", cost={_V}.num(float(ct["support_cost"]))))
print({_V}.t("team_programme", without={_V}.num(float(cb["programme_cost_without_support"])),
             total={_V}.num(float(cb["programme_cost"]))))
print({_V}.t("team_edits", hours=ct["edited_hours"], raci=ct["edited_raci"]))'''),
}

#: Code cells whose output is a conclusion: in the participant mode it waits for the
#: trainer (the data cells show at once).
CONCLUSION_CELLS = frozenset({
    "cdd8f01e",  # 02 · the concentration flags
    "6c462a8b",  # 03 · the VIPs' verdicts
    "2f7a18c5",  # 03 · what a key client looks like
    "b4c0a002",  # 04 · the business case
    "0dfdcfaa",  # 04 · the recommendation
})


def fingerprint(source: str) -> str:
    """The first 12 hex digits of the SHA-256 of a cell's source."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:12]


def _edit(cell_id: str, source: str) -> str:
    if cell_id in CELL_REPLACEMENTS:
        known, new = CELL_REPLACEMENTS[cell_id]
        if fingerprint(source) == known:
            return new
    for old, new in CODE_EDITS.get(cell_id, ()):
        if old not in source:  # the notebook changed: keep its own text (the test says so)
            continue
        source = source.replace(old, new, 1)
    return source


def _wrap_hidden(source: str) -> str:
    """``source`` run inside :func:`kamlib.notebook.present_view.hidden`, its last expression
    displayed (inside a ``with`` block it would not be)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body[-1]
        start, end = last.lineno - 1, last.end_lineno or last.lineno
        expr = "\n".join(lines[start:end])
        lines[start:end] = [f"display({expr})"]
    body = "\n".join("    " + line if line.strip() else line for line in lines)
    return f"from IPython.display import display\nwith {_V}.hidden():\n{body}\n"


def localize_notebook(nb: Any, lang: str, mode: str = "trainer", currency: str = "RUB") -> Any:
    """The presentation copy ``nb`` (an nbformat notebook, changed in place and returned) in
    ``lang``, for the trainer or the participants.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A presentation copy (outputs cleared, parameters set).
    lang : {"ru", "en"}
        The engagement's language.
    mode : {"trainer", "participant"}
        The participant mode hides the conclusions until the trainer reveals them.
    currency : str
        The engagement's currency.

    Returns
    -------
    nbformat.NotebookNode
        ``nb``.
    """
    import nbformat

    from .present_view import MODES

    if mode not in MODES:
        from kamlib.errors import ConfigError

        raise ConfigError(f"unknown presentation mode '{mode}'", value=mode,
                          hint=f"use one of {', '.join(MODES)}")
    st = load_strings(lang)
    cells = []
    for cell in nb.cells:
        cid = cell.get("id", "")
        tags = cell.get("metadata", {}).get("tags", [])
        if cell.cell_type == "markdown":
            text = st.get(f"present.cell.{cid}.text") or cell.source
            ask = st.get(f"present.cell.{cid}.ask") or ""
            if mode == "participant" and ask:
                cells.append(nbformat.v4.new_markdown_cell(ask))
                cells.append(nbformat.v4.new_code_cell(f"_kam_answer = {_V}.reveal({text!r})"))
                continue
            cell.source = text
        elif cell.cell_type == "code" and "parameters" not in tags:
            cell.source = _edit(cid, cell.source)
            if mode == "participant" and cid in CONCLUSION_CELLS:
                cell.source = _wrap_hidden(cell.source)
        cells.append(cell)
    # first of all: the title cell may already wait behind a button in the participant mode
    setup = nbformat.v4.new_code_cell(
        f"from kamlib.notebook import present_view as {_V}\n"
        f"{_V}.setup({lang!r}, {mode!r}, {currency!r})")
    setup.metadata["tags"] = [SETUP_TAG]
    nb.cells = [setup, *cells]
    nb.metadata["kam_present"] = {"lang": lang, "mode": mode}
    return nb
