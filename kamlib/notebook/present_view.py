"""What a presentation page shows, in its kernel: tables and figures in the engagement's
language, and conclusions that wait for the trainer.

``kam present`` (:mod:`kamlib.notebook.present_pages`) puts a setup cell at the top of every
presentation copy that calls :func:`setup`; the copy's localized cells then call
:func:`stats`, :func:`reveal` and :func:`hidden`. Nothing here computes a figure: the stat
blocks read the step's typed summary (``summary.json``) and format it through
:class:`kamlib.i18n.Formatter`; labels come from ``templates/i18n/<lang>/present.yaml`` and
the column names of every table from ``columns.yaml`` (``col.<column id>``).

- :func:`localize_frame` — a DataFrame with its column ids replaced by their labels and its
  missing values shown as ``—`` (never ``NaN``); :func:`setup` makes it the notebook's
  display of every DataFrame;
- :func:`stats` — a step's key figures as a two-column table;
- :func:`reveal` / :func:`hidden` — in the participant mode a button the trainer presses to
  show a conclusion; in the trainer mode the conclusion at once.
"""

from __future__ import annotations

import contextlib
import html
import json
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from kamlib.i18n import Formatter, Strings, load_strings

__all__ = ["LIST_LABELS", "MODES", "REASON_LISTS", "ROW_LABELS", "STAT_BLOCKS", "VALUE_LABELS",
           "counts", "field", "file_notes", "flags", "hidden", "intake_warnings",
           "language", "localize_frame", "num", "participant", "pct", "reveal", "say", "setup",
           "source", "stat_rows", "stats", "t", "word"]

#: The presentation modes: the participant sees the question and the data, the trainer also
#: the conclusions.
MODES = ("trainer", "participant")

_STATE: dict[str, Any] = {"lang": "en", "mode": "trainer", "currency": "RUB"}

#: The key figures of each step: (label key under ``present.stat``, path in the summary,
#: kind for :meth:`Formatter.value`-like formatting).
STAT_BLOCKS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "00": (("files", "files", "count"), ("clients", "clients", "count"),
           ("sales_lines", "sales_lines", "count"), ("documents", "documents", "count"),
           ("period", "period", "period"), ("net_revenue", "net_revenue", "money"),
           ("rejected_rows", "rejected_rows", "count"),
           ("rejected_money", "rejected_money", "money"),
           ("returns_lines", "returns_lines", "count")),
    "01": (("records", "records", "count"), ("entities", "entities", "count"),
           ("groups", "groups", "count"), ("records_merged_away", "records_merged_away", "count"),
           ("branches", "branches", "count"),
           ("entities_with_several_records", "entities_with_several_records", "count"),
           ("buying_entities", "buying_entities", "count"),
           ("active_entities", "active_entities", "count"), ("to_review", "to_review", "count"),
           ("invalid_inn_records", "invalid_inn_records", "count")),
    "02": (("net_revenue", "totals.net_revenue", "money"),
           ("gross_margin", "totals.gross_margin", "money"),
           ("cost_to_serve", "totals.cost_to_serve", "money"),
           ("cost_of_receivables", "totals.cost_of_receivables", "money"),
           ("contribution", "totals.contribution", "money"),
           ("loss_making_entities", "loss_making_entities", "count"),
           ("whale_peak", "whale.peak_pct", "ratio"),
           ("top3", "concentration.top3", "ratio"), ("hhi", "concentration.hhi", "number3")),
    "02_dependency": (("top_clients", "dependency.top", "count"),
                      ("top_trend", "dependency.top_trend_ratio", "signed_ratio"),
                      ("top_shrinking", "dependency.top_shrinking", "count")),
    "02_robustness": (("max_sign_changes", "robustness.max_sign_changes_share", "ratio"),
                      ("min_spearman", "robustness.min_spearman", "number2"),
                      ("loss_makers_by_revenue", "robustness.loss_makers_if_allocated_by_revenue",
                       "count"),
                      ("loss_making_entities", "loss_making_entities", "count")),
    "02_growth": (("total_growth", "growth.total_growth_pct", "signed_ratio"),
                  ("continuing_growth", "growth.continuing_growth", "money"),
                  ("new_revenue", "growth.new_revenue", "money"),
                  ("gone_revenue", "growth.gone_revenue", "money"),
                  ("n_lost", "growth.n_lost", "count"),
                  ("lost_revenue", "growth.lost_revenue", "money"),
                  ("lost_revenue_pct", "growth.lost_revenue_pct", "ratio")),
    "03": (("active_entities", "active_entities", "count"), ("long_list", "long_list", "count"),
           ("max_key_clients", "max_key_clients", "count"),
           ("key_clients", "key_clients", "count"), ("solid", "solid", "count"),
           ("borderline", "borderline", "count"),
           ("key_revenue_share", "key_revenue_share", "ratio")),
    "03_gate": (("to_assess", "to_assess_count", "count"),
                ("usp_gate_excluded", "usp_gate.excluded", "count"),
                ("strategic_not_key", "strategic_not_key_count", "count")),
    "03_vip": (("vips", "vip.vips", "count"), ("vips_key", "vip.key", "count"),
               ("vips_not_key", "vip.not_key", "count"),
               ("vips_losing", "vip.losing_money", "count")),
    "04": (("key_accounts", "key_accounts", "count"), ("total_hours", "total_hours", "count"),
           ("hours_per_kam", "hours_per_kam", "count"), ("kams", "kams", "count"),
           ("current_kams", "current_kams", "count")),
    "04_case": (("needed_uplift", "business_case.needed_uplift_ratio", "signed_ratio"),
                ("new_cash_uplift", "business_case.new_cash_uplift_ratio", "signed_ratio"),
                ("revenue_trend", "business_case.revenue_trend_ratio", "signed_ratio"),
                ("break_even_ratio", "business_case.break_even.break_even_ratio", "number2"),
                ("key_person_share", "business_case.key_person.revenue_share", "ratio"),
                ("key_person", "business_case.key_person.kam", "text")),
    "04_tiers": (("tier_saving", "tiers.saving", "money"),),
}


#: Columns holding codes, and the string-table families that name them (the labels the
#: report, the workbook and the charts already use: ``status.dormant``, ``quadrant.Star``,
#: ``kpi.days_late`` …): a cell ``v`` of column ``c`` shows the first of ``<family>.<v>``
#: that exists, else its code.
VALUE_LABELS: dict[str, tuple[str, ...]] = {
    "status": ("status", "support_status"), "quadrant": ("quadrant",),
    "table": ("table_name",), "column": ("col",), "kpi": ("kpi",), "family": ("kpi_family",),
    "focus": ("kpi_family",), "better": ("kpi_better",), "unit": ("kpi_unit",),
    "role": ("role", "team_role"), "criterion": ("criterion",), "trend": ("trend",),
    "level": ("dependency_level",), "tier": ("tier",), "served_by": ("served_by",),
    "verdict": ("vip_verdict", "channel_verdict"), "why": ("vip_why",),
    "activity": ("raci_activity",), "stage": ("kit.stage",), "buying_role": ("kit.buying_role",),
    "section": ("section",), "method": ("assign_method", "fte_method"),
    "bucket": ("cash_bucket",), "cost_source": ("present.head_source", "present.value"),
    "source": ("present.value",), "totals_row": ("present.value",),
    "kpp_status": ("present.inn",), "ogrn_status": ("present.inn",), "inn_status": ("present.inn",),
    "outcome": ("present.outcome",), "hhi_level": ("hhi",), "scenario": ("present.value",),
    "driver": ("cost_driver",), "kind": ("off_invoice_kind",),
    "element": ("kit_alignment.element",),
    # the report page's deliverables (issue 21)
    "language": ("language_name",), "format": ("report_format",),
}

#: Columns holding a step's English description of a row's code, and the string-table
#: family that describes that code in the page's language: a cell of column ``c`` shows
#: ``<family>.<the row's code column>`` when it exists (a KPI's definition and source, a
#: support role's duties; a cell that is itself a code of the family, ``"no data"``, by its
#: own label), else its text.
ROW_LABELS: dict[str, tuple[str, str]] = {
    "definition": ("kpi_definition", "kpi"), "source": ("kpi_source", "kpi"),
    "who_what": ("team_duty", "role"),
}

#: Columns holding several codes in one cell (``"economic_buyer, coach"``): each code is
#: named by the first family of :data:`VALUE_LABELS`-like families that has it.
LIST_LABELS: dict[str, tuple[str, ...]] = {
    "roles_missing": ("kit.buying_role",), "buying_roles": ("kit.buying_role",),
}

#: The sizing methods (step 4's ``method``) are named by their authors: the author in the
#: method's text → its ``fte_method`` code.
_METHOD_AUTHORS = (("talley", "talley"), ("sherman", "sherman"), ("zoltners", "break_even"))

#: Columns holding a list of reasons (JSON text) and the column of the step's English text
#: they replace on a page: step 3's look-alikes (``similar_because`` → ``why``).
REASON_LISTS: dict[str, str] = {"similar_because": "why"}

#: Columns holding a fraction (0–1) shown as a percentage.
_PCT_SUFFIXES = ("_pct", "share", "_ratio", "price_increase", "volume_loss", "top1", "top3",
                 "top5", "top10")


def _strings() -> Strings:
    return load_strings(_STATE["lang"])


def t(key: str, /, **kw: Any) -> str:
    """The text of ``present.<key>`` in the page's language (the localized cells' words)."""
    return _strings().t(f"present.{key}", **kw)


def num(x: Any, digits: int = 0) -> str:
    """A number in the page's language style (``—`` when missing): ``1 234 567,5``."""
    return "—" if _missing(x) else _fmt().number(float(x), digits)


def pct(x: Any, digits: int = 1, signed: bool = False) -> str:
    """A fraction as a percentage in the page's language (``—`` when missing)."""
    if _missing(x):
        return "—"
    text = _fmt().pct(float(x), digits)
    return "+" + text if signed and float(x) > 0 else text


def word(key: str, default: str | None = None) -> str:
    """The label of any string-table ``key`` (e.g. ``kpi_family.growth``) in the page's
    language; ``default`` (else the key's last part) when the tables have none."""
    return _strings().get(key) or default or key.rsplit(".", 1)[-1]


def say(reason: Any) -> str:
    """A decision stored as a reason code with its arguments, phrased in the page's
    language (:func:`kamlib.i18n.say`)."""
    from kamlib.i18n import say as _say

    return _say(reason, _strings(), _fmt())


def counts(values: pd.Series, family: str) -> str:
    """How often each value of ``values`` occurs (largest first), each value named by
    ``present.<family>.<value as a key>`` (``merged (accepted)`` → ``merged_accepted``) in
    the page's language; a value without a label keeps its text. Returns the printed lines."""
    import re

    st = _strings()
    vc = values.value_counts()
    labels = [st.get(f"present.{family}." + re.sub(r"\W+", "_", str(v)).strip("_").lower())
              or str(v) for v in vc.index]
    width = max((len(x) for x in labels), default=0)
    return "\n".join(f"{lab:<{width}}  {_fmt().integer(int(n))}"
                     for lab, n in zip(labels, vc.to_numpy(), strict=True))


def field(table: Any, name: str) -> str:
    """The label of a canonical column of an intake table in the page's language (the
    schema's ``label_ru`` / ``label_en``; else ``col.<name>`` of ``columns.yaml``; else
    ``name``)."""
    from kamlib.schema import TABLES

    tbl = TABLES.get(str(table))
    f = next((x for x in tbl.fields if x.name == name), None) if tbl is not None else None
    label = (f.label_ru if _STATE["lang"] == "ru" else f.label_en) if f is not None else ""
    return label or _strings().get(f"col.{name}") or name


def file_notes(report: Mapping[str, Any]) -> list[str]:
    """The intake's notes on one file (a manifest's ``files`` entry) in the page's language:
    a note the intake recorded as a reason code (``note_reasons``) is phrased from it; any
    other keeps its text."""
    from kamlib.intake.results import phrase_notes

    return phrase_notes(dict(report), _STATE["lang"], _STATE["currency"])


#: The concentration flags of step 2, in the order the step checks them.
_FLAGS = ("ifrs_8_34", "dependence", "mono_client", "top3_40")


def flags(conc: Mapping[str, Any]) -> list[str]:
    """Step 2's concentration flags (a summary's ``concentration`` or
    ``concentration_groups``) phrased in the page's language from their codes and clients
    (``flag_clients``): ``present.flag.<entity|group>.<code>``, each client with its share."""
    st, fmt = _strings(), _fmt()
    unit = "entity" if conc.get("level") == "entity" else "group"
    out = []
    for code in _FLAGS:
        items = (conc.get("flag_clients") or {}).get(code)
        if not items:
            continue
        names = ", ".join(f"{c['name']} {fmt.pct(c['share'])}" for c in items)
        out.append(st.t(f"present.flag.{unit}.{code}", n=len(items), names=names,
                        share=fmt.pct(sum(float(c["share"]) for c in items))))
    return out


def intake_warnings(manifest: Mapping[str, Any]) -> list[str]:
    """The intake's warnings (its manifest) in the page's language: a warning that kept its
    reason code (``warning_reasons``) is phrased from it; any other keeps its text."""
    from kamlib.intake.results import phrase_warning

    texts = list(manifest.get("warnings") or [])
    codes = list(manifest.get("warning_reasons") or []) + [None] * len(texts)
    return [phrase_warning(r, _STATE["lang"], _STATE["currency"]) if r else w
            for w, r in zip(texts, codes, strict=False)]


def language() -> str:
    """The page's language (``"ru"`` or ``"en"``), for a step function that phrases its
    messages in it (e.g. :func:`kamlib.datacheck.readiness`)."""
    return str(_STATE["lang"])


def participant() -> bool:
    """Whether the page is in the participant mode (the widgets then keep the lesson's
    client out of first place)."""
    return bool(_STATE["mode"] == "participant")


def _fmt() -> Formatter:
    return Formatter(_STATE["lang"], _STATE["currency"])


def _missing(x: Any) -> bool:
    if x is None or x is pd.NaT:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x)) or bool(pd.isna(x) is True)
    except (TypeError, ValueError):
        return False


def _value_label(x: Any, column: Any, st: Strings) -> Any:
    """The label of a code ``x`` in ``column`` (:data:`VALUE_LABELS`), or ``x``; a status
    written as words (``invalid: check digit``) is looked up as a key too
    (``invalid_check_digit``, as :func:`counts` does)."""
    if not isinstance(x, str) or not isinstance(column, str):
        return x
    import re

    if column in LIST_LABELS and ", " in x:
        return ", ".join(str(_value_label(part, column, st)) for part in x.split(", "))
    families = VALUE_LABELS.get(column, ()) + LIST_LABELS.get(column, ())
    codes = list(dict.fromkeys((x, re.sub(r"\W+", "_", x).strip("_").lower())))
    if column == "method":
        codes += [code for author, code in _METHOD_AUTHORS if author in x.lower()]
    for family in families:
        for code in codes:
            label = st.get(f"{family}.{code}")
            if label and "{" not in label:      # a label, not a sentence with placeholders
                return label
    return x


def _phrase_coded(df: pd.DataFrame) -> pd.DataFrame:
    """A table holding a value as ``<x>_code`` + ``<x>_args`` (a robustness scenario, an
    intake problem) shows it as ``<x>`` phrased in the page's language (:func:`say`): in
    place of the step's English ``<x>`` where there is one (a row without a code keeps its
    text), else where the code was."""
    from kamlib.errors import ConfigError
    from kamlib.units import stored_reasons

    out = df
    for code_col in [c for c in df.columns if isinstance(c, str) and c.endswith("_code")
                     and c != "reason_code"]:
        name = code_col[: -len("_code")]
        if f"{name}_args" not in df.columns:
            continue
        try:
            reasons = stored_reasons(df[code_col], df[f"{name}_args"].fillna(""))
        except (TypeError, ValueError):
            continue
        texts = []
        for r, old in zip(reasons, df[name] if name in df.columns else [None] * len(df),
                          strict=True):
            try:
                texts.append(say(r) if isinstance(r["code"], str) else old)
            except (ConfigError, KeyError, ValueError):
                texts.append(old if old is not None else r["code"])
        if name in out.columns:
            out = out.drop(columns=[code_col, f"{name}_args"])
            out[name] = texts
        else:
            out = out.rename(columns={code_col: name}).drop(columns=[f"{name}_args"])
            out[name] = texts
    # a list of reasons (a pair's evidence): ``<x>_reasons`` JSON → ``<x>``, joined by "; "
    for col in [c for c in out.columns if isinstance(c, str) and c.endswith("_reasons")]:
        name = col[: -len("_reasons")]
        texts = []
        for x, old in zip(out[col], out[name] if name in out.columns else [None] * len(out),
                          strict=True):
            try:
                items = json.loads(x) if isinstance(x, str) and x else None
                texts.append("; ".join(say(r) for r in items) if items else old)
            except (ConfigError, KeyError, ValueError, TypeError):
                texts.append(old)
        out = out.drop(columns=[col])
        out[name] = texts
    return out


def _field_labels(df: pd.DataFrame) -> pd.DataFrame:
    """A table naming canonical columns of the intake tables — a ``column`` next to its
    ``table`` (the completeness table), or ``needs`` as ``table.column`` (the readiness
    list) — shows them by their labels in the page's language (:func:`field`; a table by
    ``table_name.<id>``)."""
    out = df
    if {"table", "column"} <= set(df.columns):
        out = out.copy()
        out["column"] = [field(t, c) if isinstance(c, str) else c
                         for t, c in zip(df["table"], df["column"], strict=True)]
    if "needs" in df.columns:
        out = out.copy()

        def need(x: Any) -> Any:
            if not isinstance(x, str):
                return x
            table, _, column = x.partition(".")
            name = word(f"table_name.{table}", table)
            return f"{name}: {field(table, column)}" if column else name

        out["needs"] = [need(x) for x in df["needs"]]
    return out


def _row_label(x: Any, code: Any, family: str, st: Strings) -> Any:
    """A cell's own text as a code of ``family`` (``"no data"`` → ``kpi_source.no_data``),
    else the description of its row's ``code``, else the cell."""
    if not isinstance(x, str) or not isinstance(code, str):
        return x
    own = st.get(f"{family}." + x.strip().replace(" ", "_")) if x.strip() else None
    return own or st.get(f"{family}.{code}") or x


def _row_labels(df: pd.DataFrame, st: Strings) -> pd.DataFrame:
    """The cells of :data:`ROW_LABELS` columns replaced by the description of their row's
    code in the page's language (a code without one keeps the step's text)."""
    out = df
    for col, (family, by) in ROW_LABELS.items():
        if col not in df.columns or by not in df.columns:
            continue
        if out is df:
            out = df.copy()
        out[col] = [_row_label(x, code, family, st)
                    for x, code in zip(df[col], df[by], strict=True)]
    return out


def _cell(x: Any, fmt: Formatter) -> Any:
    """A table cell as people read it: ``—`` for a missing value, numbers in the language's
    style (``1 234 567,89`` in Russian), booleans as yes / no."""
    if isinstance(x, Mapping) and "amount" in x and "currency" in x:  # a typed Money
        return fmt.amount(x)
    if isinstance(x, Mapping) and isinstance(x.get("code"), str) and "args" in x:  # a reason
        return _say_or_code(x)
    if _missing(x):
        return "—"
    if isinstance(x, bool | np.bool_):
        return _strings().t("present.yes" if x else "present.no")
    if isinstance(x, int) and not isinstance(x, bool):
        return fmt.integer(x)
    if isinstance(x, float):
        return fmt.integer(x) if x == int(x) and abs(x) >= 1000 else fmt.number(x, 2)
    return x


def _say_or_code(r: Mapping[str, Any]) -> str:
    """A reason phrased in the page's language, or its code when the tables cannot."""
    from kamlib.errors import ConfigError

    try:
        return say(r)
    except (ConfigError, KeyError, ValueError):
        return str(r["code"])


def source(path: Any) -> str:
    """Where a report's figure comes from (``"02_profitability/summary.json#totals.x"``),
    named by its step in the page's language (``step.<NN>``); a source that is no step's
    artefact keeps its text."""
    text = str(path)
    return (_strings().get(f"step.{text[:2]}") or text) if text[:2].isdigit() else text


def _phrase_reasons(df: pd.DataFrame) -> pd.DataFrame:
    """A table holding a step's decisions as ``reason_code`` + ``reason_args`` shows them as
    one ``reason`` column, phrased in the page's language (a code the tables cannot phrase
    keeps its code); a ``reason`` column of reasons (phrased cell by cell, :func:`_cell`)
    drops the ``reason_text`` the step phrased when it ran."""
    if "reason_text" in df.columns and "reason" in df.columns and all(
            isinstance(r, Mapping) and "code" in r for r in df["reason"]):
        return df.drop(columns=["reason_text"])  # the same reasons, phrased in the step's run
    if not {"reason_code", "reason_args"} <= set(df.columns) or "reason" in df.columns:
        return df
    from kamlib.units import stored_reasons

    one = _say_or_code
    try:
        reasons = stored_reasons(df["reason_code"], df["reason_args"])
    except (TypeError, ValueError):
        return df
    out = df.drop(columns=["reason_args"])
    out["reason_code"] = [one(r) if isinstance(r["code"], str) else r["code"] for r in reasons]
    return out.rename(columns={"reason_code": "reason"})


def _phrase_reason_lists(df: pd.DataFrame) -> pd.DataFrame:
    """A column of :data:`REASON_LISTS` phrased in the page's language (its reasons joined
    by ``; ``), in place of the step's English text it stands for."""
    import json

    for col, english in REASON_LISTS.items():
        if col not in df.columns:
            continue
        try:
            lists = [json.loads(x) if isinstance(x, str) else x for x in df[col]]
        except ValueError:
            continue
        text = ["; ".join(_say_or_code(r) for r in rs) if isinstance(rs, list) else "—"
                for rs in lists]
        df = df.drop(columns=[english], errors="ignore").assign(**{col: text})
    return df


def localize_frame(df: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """``df`` for the screen: column and index names replaced by their labels in ``lang``
    (``columns.yaml``: ``col.<id>``; an id without a label is kept), the codes of the columns
    of :data:`VALUE_LABELS` by their labels (``dormant`` → ``спящий``), every missing value
    shown as ``—``, booleans as yes / no and numbers formatted in the language's style.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table a step shows.
    lang : {"ru", "en"}, optional
        Default: the language :func:`setup` set.

    Returns
    -------
    pandas.DataFrame
        A new frame of texts (``df`` is not modified).
    """
    if lang is not None:
        _STATE["lang"] = lang
    st, fmt = _strings(), _fmt()
    df = _row_labels(_field_labels(_phrase_coded(_phrase_reason_lists(_phrase_reasons(df)))),
                     st)

    def label(name: Any) -> Any:
        if isinstance(name, str):
            return st.get(f"col.{name}", name) or name
        return name

    out = df.copy().astype(object)
    for col in out.columns:
        pct = isinstance(col, str) and col.endswith(_PCT_SUFFIXES)
        out[col] = [("—" if _missing(x) else fmt.pct(x)) if pct and isinstance(x, int | float)
                    and not isinstance(x, bool) else _cell(_value_label(x, col, st), fmt)
                    for x in df[col]]
    out.columns = [label(c) for c in out.columns]
    index_name = df.index.name
    out.index = out.index.map(lambda x: "—" if _missing(x) else label(
        _value_label(x, index_name, st)))
    out.index.name = label(df.index.name) if df.index.name is not None else None
    return out


def _html_frame(df: pd.DataFrame) -> str:
    return str(localize_frame(df.head(200)).to_html(escape=True, max_rows=200))


def setup(lang: str, mode: str = "trainer", currency: str = "RUB") -> None:
    """Set the page's language and mode, and make every DataFrame the notebook displays show
    localized column labels and ``—`` for missing values.

    Parameters
    ----------
    lang : {"ru", "en"}
        The engagement's language.
    mode : {"trainer", "participant"}
        The participant mode hides conclusions behind a button (:func:`reveal`).
    currency : str
        The engagement's currency (ISO code).

    Raises
    ------
    ValueError
        An unknown mode.
    """
    if mode not in MODES:
        raise ValueError(f"unknown presentation mode {mode!r}: use one of {', '.join(MODES)}")
    load_strings(lang)  # an unknown language fails here, with its hint
    _STATE.update(lang=lang, mode=mode, currency=currency)
    with contextlib.suppress(ImportError, AttributeError):
        from IPython import get_ipython

        ip = get_ipython()
        if ip is not None:
            ip.display_formatter.formatters["text/html"].for_type(pd.DataFrame, _html_frame)
            ip.display_formatter.formatters["text/plain"].for_type(
                pd.DataFrame, lambda df, p, _cycle: p.text(localize_frame(df).to_string()))


def _get(summary: Mapping[str, Any], path: str) -> Any:
    value: Any = summary
    for part in path.split("."):
        if isinstance(value, list | tuple) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        elif isinstance(value, Mapping) and part in value:
            value = value[part]
        else:
            return None
    return value


def _value(x: Any, kind: str, fmt: Formatter) -> str:
    if x is None:
        return "—"
    if isinstance(x, Mapping) and "amount" in x:  # a typed Money
        return fmt.amount(x)
    if kind == "money":
        return fmt.money(x, 0)
    if kind == "ratio":
        return fmt.pct(x)
    if kind == "signed_ratio":
        text = fmt.pct(x)
        return text if x < 0 else "+" + text
    if kind == "number3":
        return fmt.number(x, 3)
    if kind == "number2":
        return fmt.number(x, 2)
    if kind == "period" and isinstance(x, list | tuple) and len(x) == 2:
        return fmt.period(*x)
    if kind == "count" and isinstance(x, int | float):
        return fmt.integer(x)
    return str(x)


def stat_rows(step: str, summary: Mapping[str, Any], lang: str | None = None
              ) -> list[tuple[str, str]]:
    """The key figures of ``step`` (``"00"`` … ``"04"``) as (label, value) in ``lang``; a
    figure the summary does not hold is left out."""
    if lang is not None:
        _STATE["lang"] = lang
    st, fmt = _strings(), _fmt()
    rows = []
    for key, path, kind in STAT_BLOCKS[step]:
        x = _get(summary, path)
        if x is None and kind not in ("ratio", "signed_ratio", "number2"):
            continue
        rows.append((st.t(f"present.stat.{key}"), _value(x, kind, fmt)))
    return rows


def stats(step: str, summary: Mapping[str, Any]) -> None:
    """Display the key figures of ``step`` as a two-column table."""
    from IPython.display import HTML, display

    body = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                   f"<td style='text-align:right'>{html.escape(v)}</td></tr>"
                   for k, v in stat_rows(step, summary))
    display(HTML(f"<table class='kam-stats'>{body}</table>"))


def _button(content: Any) -> Any:
    import ipywidgets as w

    st = _strings()
    box = w.Output()
    button = w.Button(description=st.t("present.reveal"), button_style="info",
                      layout=w.Layout(width="auto"))

    def show(_b: Any) -> None:
        button.layout.display = "none"
        with box:
            content()

    button.on_click(show)
    panel = w.VBox([button, box])
    panel.reveal = lambda: show(None)
    return panel


def reveal(markdown: str) -> Any:
    """Show a conclusion: at once in the trainer mode; behind a button the trainer presses
    in the participant mode. Returns what was displayed (the markdown, or the widget)."""
    from IPython.display import Markdown, display

    if _STATE["mode"] == "trainer":
        shown = Markdown(markdown)
        display(shown)
        return shown
    panel = _button(lambda: display(Markdown(markdown)))
    display(panel)
    return panel


@contextlib.contextmanager
def hidden() -> Iterator[None]:
    """In the participant mode, what the block displays or prints waits behind a button; in
    the trainer mode it shows at once."""
    if _STATE["mode"] == "trainer":
        yield
        return
    import ipywidgets as w
    from IPython.display import display

    captured = w.Output()
    with captured:
        yield
    captured.layout.display = "none"

    def show() -> None:
        captured.layout.display = None

    panel = _button(show)
    display(w.VBox([panel, captured]))
