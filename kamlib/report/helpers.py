"""The report builders' shared helpers: the per-language context (:class:`_Ctx`, its typed
facts), tables checked against the registry's units, chart images, the steps' phrases
localised."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..errors import ReportError
from ..i18n import Formatter, Strings, say
from ..steps import artefact
from ..summaries import unit_of
from ..units import stored_reasons
from .artefacts import REPORT_STEPS, Artefacts
from .model import Column, Fact, Table

# --------------------------------------------------------------------------- helpers


class _Ctx:
    """Strings, formatter and fact factory for one language."""

    def __init__(self, art: Artefacts, strings: Strings, fmt: Formatter) -> None:
        self.art = art
        self.st = strings
        self.fmt = fmt

    def t(self, key: str, /, **kw: Any) -> str:
        return self.st.t(key, **kw)

    def fact(self, key: str, step: str, path: str, kind: str, *, label: str | None = None,
             display: str | None = None) -> Fact:
        """A fact read from ``step``'s summary at ``path``: its value is the artefact's value
        (``display`` overrides only how it is written, e.g. a share stored in percent)."""
        v = self.art.s(step, path)
        unit = unit_of(step, path)
        if unit is not None and kind not in _KIND_OF_SUMMARY_UNIT[unit] and display is None:
            raise ReportError(f"the figure {path} of step {step} is {unit} but the report would "
                              f"show it as {kind}", value=path,
                              hint="fix the fact's kind where the section builds it "
                              "(kamlib/report/sections/, strategy.py)")
        folder = dict((k[:2], f) for k, f in REPORT_STEPS)[step]
        return Fact(key, label if label is not None else self.t(f"fact.{key}"), v,
                    display if display is not None else self.fmt.value(v, kind),
                    kind,  # type: ignore[arg-type]
                    f"{folder}/summary.json#{path}")


def _said(ctx: _Ctx, table: pd.DataFrame) -> list[str]:
    """A step table's stored reasons (``reason_code``, ``reason_args``), phrased."""
    return [say(r, ctx.st, ctx.fmt)
            for r in stored_reasons(table["reason_code"], table["reason_args"])]


def _finite(x: Any) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(float(x))


def _png(fig: Any, lang: str | None = None) -> bytes:
    """The figure as a PNG; in ``lang``, the numbers of its plain numeric axes written as
    the report writes numbers (``2,5`` and ``1 000`` in Russian, not matplotlib's ``2.5``)."""
    if lang is not None:
        from ..plots import localise_axes

        localise_axes(fig, lang)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return buf.getvalue()


def _columns(ctx: _Ctx, spec: Iterable[tuple[str, str]]) -> list[Column]:
    return [Column(k, ctx.st.get(f"col.{k}", k) or k, kind) for k, kind in spec]  # type: ignore[arg-type]


#: the report's kind of a summary figure for each unit of its model (kamlib.summaries)
_KIND_OF_SUMMARY_UNIT = {"money": {"money", "money_short"}, "share": {"pct"},
                         "ratio": {"pct"}, "count": {"int"}, "days": {"number", "int"}}

#: the report's kind of a column for each unit of the registry (kamlib.steps.UNITS)
_KIND_OF_UNIT = {"money": {"money", "money_short"}, "ratio": {"pct"}, "count": {"int"},
                 "days": {"number", "int"}, "score": {"number"}, "number": {"number", "int"},
                 "date": {"date"}, "text": {"text"}, "flag": {"text"}}


def _check_units(source: str, spec: list[tuple[str, str]]) -> None:
    """A table read from an artefact shows each column in the unit the registry declares
    for it (:mod:`kamlib.steps`); a mismatch is a bug of the report, never guessed around."""
    stem = source.split("#", 1)[0].rsplit("/", 1)[-1]
    if not stem.endswith(".parquet"):
        return
    name = stem.removesuffix(".parquet")
    name = {"entities": "entities", "sales": "entity_sales"}.get(name, name) \
        if source.startswith("01_") else name
    try:
        units = artefact(name)[1].units
    except KeyError:
        return
    for col, kind in spec:
        unit = units.get(col)
        if unit is not None and kind not in _KIND_OF_UNIT[unit]:
            raise ReportError(f"column {col} of {name} is {unit} but the report would show it "
                              f"as {kind}", file=source,
                              hint="fix the column's kind in the table's spec "
                              "(kamlib/report/sections/, strategy.py)")


def _table(ctx: _Ctx, key: str, df: pd.DataFrame, spec: list[tuple[str, str]], source: str,
           *, note: str = "", preview: int = 15) -> Table:
    spec = [(k, kind) for k, kind in spec if k in df.columns]
    _check_units(source, spec)
    data = df[[k for k, _ in spec]].reset_index(drop=True)
    return Table(key, ctx.t(f"table.{key}"), _columns(ctx, spec), data, source, note=note,
                 preview_rows=preview, sheet=ctx.t(f"sheet.{key}"))


def _localised(ctx: _Ctx, texts: pd.Series) -> pd.Series:
    """:func:`localise` of a column, each distinct phrase once (3,000 clients share a few
    dozen reasons)."""
    done = {v: localise(ctx.st, v) for v in texts.dropna().unique() if isinstance(v, str)}
    return texts.map(lambda v: done.get(v, v) if isinstance(v, str) else v)


def localise(strings: Strings, text: Any) -> Any:
    """Render a phrase a step wrote in English in the report's language.

    The steps' short explanations ("discounts 24% of list (base 4.3%)", "no economic buyer")
    are matched by the regular expressions of ``templates/i18n/<lang>/phrases.yaml``, in
    order; an English report keeps them as they are.
    """
    if not isinstance(text, str) or not text:
        return text
    for pattern, repl in _phrases(strings):
        text = pattern.sub(repl, text)
    if strings.lang == "ru":   # the step's numbers in the Russian style: 4,3 %, not 4.3%
        text = re.sub(r"(\d)\.(\d)", r"\1,\2", text)
        text = re.sub(r"(\d)\s?%", "\\1\u00a0%", text)
    return text


_PHRASES: dict[int, list[tuple[re.Pattern[str], str]]] = {}


def _phrases(strings: Strings) -> list[tuple[re.Pattern[str], str]]:
    """The phrase table of ``strings``, in file order (compiled once per strings table)."""
    key = id(strings.table)
    if key not in _PHRASES:
        names = [k.removesuffix(".pattern") for k in strings.table
                 if k.startswith("phrases.") and k.endswith(".pattern")]
        _PHRASES[key] = [(re.compile(strings.t(f"{n}.pattern")), strings.t(f"{n}.text"))
                         for n in names]
    return _PHRASES[key]


def _translate(ctx: _Ctx, prefix: str, values: pd.Series) -> pd.Series:
    return values.map(lambda v: ctx.st.get(f"{prefix}.{v}", v) if isinstance(v, str) else v)


def _cap(text: str) -> str:
    """A sentence starts with a capital letter."""
    return text[:1].upper() + text[1:] if text else text
