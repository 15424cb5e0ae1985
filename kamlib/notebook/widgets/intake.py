"""Step 0: pick an input file and see how it was read (:func:`intake_widget`).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, cast

import ipywidgets as w
import numpy as np
import pandas as pd

from kamlib.i18n import Formatter
from kamlib.intake.results import phrase_notes
from kamlib.notebook.widgets.base import (
    _esc,
    _num,
    _StepWidget,
    _table_html,
    _text,
)


def _same_file(frame: pd.DataFrame, f: Mapping[str, Any]) -> np.ndarray:
    """Rows of ``rejected`` / ``issues`` that belong to the manifest entry ``f``: the file
    is named either plainly (with its sheet in ``sheet``) or as ``file[sheet]``."""
    if frame.empty or "file" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    sheet = f.get("sheet")
    label = f["file"] + (f"[{sheet}]" if sheet else "")
    files = frame["file"].astype(str)
    hit = (files == label).to_numpy(bool)
    plain = (files == f["file"]).to_numpy(bool)
    if "sheet" in frame.columns and sheet:
        sheets = frame["sheet"]
        plain = plain & (sheets.isna() | (sheets.astype(str) == str(sheet))).to_numpy(bool)
    return cast(np.ndarray, hit | plain)


class IntakeWidget(_StepWidget):
    """The box returned by :func:`intake_widget`.

    Attributes: ``dropdown`` (the input files), ``file`` (the selected manifest entry),
    ``overview`` (its row of :func:`kamlib.datacheck.files_overview`), ``mapping``
    (canonical column → header in the file), ``rejected_rows`` and ``issue_rows`` (its rows of
    ``rejected.parquet`` / ``issues.parquet``), ``sample_rows`` (its first accepted rows in
    the canonical table), ``last_update_seconds``, ``updates``; the client selector
    ``client`` (client codes, largest net revenue first) with ``client_figures`` (the chosen
    code's own records, rows, money and rejected rows:
    :func:`kamlib.notebook.client_view.client_intake`), ``client_readout`` and
    ``client_rejected_html``.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], *,
                 lang: str = "en", max_rows: int = 50, sample_rows: int = 5,
                 client: Any = None) -> None:
        from kamlib.datacheck import files_overview
        from kamlib.notebook.client_view import client_choices, intake_clients

        self._setup(lang)
        t = _text(self.lang)
        self.tables = dict(tables)
        self.manifest = manifest
        self.files: list[dict[str, Any]] = list(manifest.get("files", []))
        if not self.files:
            raise ValueError("the intake manifest lists no input file")
        self.max_rows = max_rows
        self._overview = files_overview(dict(manifest))
        # the first accepted rows of every file, found once (not a scan of 200,000 lines
        # on every change)
        self._samples: dict[tuple[str, str], pd.DataFrame] = {}
        for name, table in self.tables.items():
            if "source_file" in table.columns and name not in ("rejected", "issues"):
                head = table.groupby("source_file", sort=False, observed=True).head(sample_rows)
                for src, rows in head.groupby("source_file", sort=False, observed=True):
                    self._samples[(name, str(src))] = rows.drop(
                        columns=["source_file"]).reset_index(drop=True)
        self.labels = [f["file"] + (f"[{f['sheet']}]" if f.get("sheet") else "")
                       for f in self.files]
        options = [(f"{lab} — {f.get('table') or '?'}", i)
                   for i, (lab, f) in enumerate(zip(self.labels, self.files, strict=True))]
        self.dropdown = w.Dropdown(options=options, value=0, description=t.t("widget.intake.file"),
                                   style={"description_width": "80px"},
                                   layout=w.Layout(width="560px"))
        self.dropdown.observe(self._on_change, names="value")
        self.summary_html = w.HTML()
        self.mapping_html = w.HTML()
        self.rejected_html = w.HTML()
        self.sample_html = w.HTML()
        self.file: dict[str, Any] = {}
        self.overview: dict[str, Any] = {}
        self.mapping = pd.DataFrame()
        self.rejected_rows = pd.DataFrame()
        self.issue_rows = pd.DataFrame()
        self.sample_rows = pd.DataFrame()
        # the client the lesson follows: its own rows, money and rejected rows
        options = client_choices(intake_clients(self.tables))
        client_ids: list[Any] = [i for _, i in options]
        self.client = w.Dropdown(options=options, description=t.t("widget.client.select"),
                                 value=str(client) if str(client) in client_ids else
                                 (client_ids[0] if client_ids else None),
                                 style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.client.observe(self._on_client, names="value")
        self.client_readout = w.HTML()
        self.client_rejected_html = w.HTML()
        self.client_figures: dict[str, Any] | None = None
        super().__init__([self.dropdown, self.summary_html, self.mapping_html,
                          self.rejected_html, self.sample_html, self.client,
                          self.client_readout, self.client_rejected_html, self.status])

    def _on_client(self, _change: Any = None) -> None:
        if not self._hold:
            self.update()

    def select_client(self, client: Any) -> None:
        """Follow the client code ``client`` (one of the selector's)."""
        ids = [i for _, i in self.client.options]
        if str(client) not in ids:
            raise KeyError(f"no client {client!r} among the intake's clients")
        if self.client.value == str(client):
            self.update()
        else:
            self.client.value = str(client)

    def select(self, file: str | int) -> None:
        """Show the input ``file``: its position in the manifest, its name (``a.csv``) or its
        label with the sheet (``b.xlsx[Sheet1]``)."""
        if isinstance(file, int):
            index = file
        elif file in self.labels:
            index = self.labels.index(file)
        else:
            names = [f["file"] for f in self.files]
            if file not in names:
                raise KeyError(f"no input file {file!r}; files: {', '.join(self.labels)}")
            index = names.index(file)
        if self.dropdown.value == index:
            self.update()
        else:
            self.dropdown.value = index

    def timing_control(self) -> tuple[w.Dropdown, list[int]]:
        """The file dropdown, cycling through the next files and back."""
        cur = int(self.dropdown.value)
        n = len(self.files)
        return self.dropdown, [(cur + k) % n for k in range(1, n + 1)] if n > 1 else [cur]

    def _compute(self) -> None:
        i = int(self.dropdown.value)
        f = self.files[i]
        self.file = f
        self.overview = self._overview.iloc[i].to_dict()
        mapping = f.get("mapping") or {}
        self.mapping = pd.DataFrame({"canonical": list(mapping), "source": list(mapping.values())})
        rej = self.tables.get("rejected", pd.DataFrame())
        self.rejected_rows = rej[_same_file(rej, f)].reset_index(drop=True)
        iss = self.tables.get("issues", pd.DataFrame())
        self.issue_rows = iss[_same_file(iss, f)].reset_index(drop=True)
        self.sample_rows = self._samples.get((f.get("table") or "", self.labels[i]),
                                             pd.DataFrame())
        if self.client.value is None:
            self.client_figures = None
        elif self.client_figures is None or \
                self.client_figures["client_id"] != self.client.value:
            from kamlib.notebook.client_view import client_intake

            self.client_figures = client_intake(self.tables, self.client.value)

    def _render(self) -> None:
        t, lang = _text(self.lang), self.lang
        f, o = self.file, self.overview
        skipped = f.get("rows_skipped") or {}
        head = [t.t("widget.intake.table",
                    file=f"<b>{_esc(self.labels[int(self.dropdown.value)])}</b>",
                    table=f"<b>{_esc(f.get('table'))}</b>", by=_esc(f.get("detected_by")))]
        fmt = [t.t(f"widget.intake.{key}", value=_esc(f.get(key)))
               for key in ("encoding", "delimiter", "header_row") if f.get(key) is not None]
        if f.get("period"):
            fmt.append(t.t("widget.intake.period", start=_esc(f["period"][0]),
                           end=_esc(f["period"][1])))
        rejected = f"<b style='color:{'#c00000' if o.get('rejected') else 'inherit'}'>" \
            f"{_num(o.get('rejected') or 0, 0, lang)}</b>"
        rows = t.t("widget.intake.rows", read=_num(o.get("rows_read") or 0, 0, lang),
                   accepted=f"<b>{_num(o.get('accepted') or 0, 0, lang)}</b>",
                   rejected=rejected, skipped=_num(o.get("skipped") or 0, 0, lang))
        if skipped:
            rows += " (" + "; ".join(f"{_esc(k)}: {_num(v, 0, lang)}"
                                     for k, v in skipped.items()) + ")"
        money = []
        for col, m in (f.get("money") or {}).items():
            money.append(t.t("widget.intake.money_column", source=_esc(m.get("column", col)),
                             column=_esc(col), accepted=_num(float(m["accepted"]), 2, lang),
                             rejected=_num(float(m["rejected"]), 2, lang)))
        parts = ["<br>".join(head + ([" · ".join(fmt)] if fmt else [])), rows]
        if money:
            parts.append(f"<b>{t.t('widget.intake.money')}</b>: " + "; ".join(money))
        parts.append(t.t("widget.intake.totals_row", value=_esc(o.get("totals_row"))))
        notes = phrase_notes(dict(f), lang) + [str(e) for e in f.get("errors") or []]
        if notes:
            parts.append(t.t("widget.intake.notes", value="; ".join(_esc(n) for n in notes)))
        self.summary_html.value = "<br>".join(parts)
        mapping = self.mapping.rename(columns={"canonical": t.t("widget.intake.canonical"),
                                               "source": t.t("widget.intake.source")})
        ignored = f.get("ignored_columns") or []
        self.mapping_html.value = (
            f"<h4>{t.t('widget.intake.mapping')}</h4>" + _table_html(mapping, lang=lang)
            + (f"<p>{t.t('widget.intake.ignored', columns=', '.join(_esc(c) for c in ignored))}"
               "</p>" if ignored else ""))
        rej = self.rejected_rows.drop(columns=[c for c in ("file", "sheet", "table")
                                               if c in self.rejected_rows.columns])
        iss = self.issue_rows.drop(columns=[c for c in ("file", "sheet", "table")
                                            if c in self.issue_rows.columns])
        self.rejected_html.value = (
            f"<h4>{t.t('widget.intake.rejected_rows', n=_num(len(rej), 0, lang))}</h4>"
            + (_table_html(rej, max_rows=self.max_rows, lang=lang)
               or f"<p>{t.t('widget.intake.none')}</p>")
            + (f"<h4>{t.t('widget.intake.issues', n=_num(len(iss), 0, lang))}</h4>"
               + _table_html(iss, max_rows=self.max_rows, lang=lang) if len(iss) else ""))
        self.sample_html.value = (f"<h4>{t.t('widget.intake.sample')}</h4>"
                                  + _table_html(self.sample_rows, lang=lang)
                                  if len(self.sample_rows) else "")
        self._render_client()

    def _render_client(self) -> None:
        t, lang = _text(self.lang), self.lang
        c = self.client_figures
        if c is None:
            self.client_readout.value = self.client_rejected_html.value = ""
            return
        fmt = Formatter(lang)
        name = html.escape(self.client.label.rsplit(" (", 1)[0])
        lines = [t.t("widget.client.intake", name=name, records=_num(c["records"], 0, lang),
                     lines=f"<b>{_num(c['lines'], 0, lang)}</b>",
                     files=_num(c["files"], 0, lang),
                     revenue=f"<b>{_num(c['net_revenue'], 2, lang)}</b>",
                     share=fmt.pct(c["share"], 1) if c["share"] is not None else "—")]
        other = {k: n for k, n in c["rows"].items() if k != "sales" and n}
        if other:
            lines.append(t.t("widget.client.intake_rows", rows="; ".join(
                f"{html.escape(t.get(f'table_name.{k}') or k)}: {_num(n, 0, lang)}"
                for k, n in other.items())))
        colour = "#c00000" if c["rejected"] else "inherit"
        lines.append(t.t("widget.client.intake_rejected",
                         n=f"<b style='color:{colour}'>{_num(c['rejected'], 0, lang)}</b>",
                         amount=_num(c["rejected_amount"], 2, lang)))
        self.client_readout.value = "<br>".join(lines)
        rej = c["rejected_rows"].drop(columns=[col for col in ("client_id", "table")
                                               if col in c["rejected_rows"].columns])
        self.client_rejected_html.value = _table_html(rej, max_rows=self.max_rows, lang=lang)


def intake_widget(tables: Mapping[str, pd.DataFrame], manifest: Mapping[str, Any], *,
                  lang: str = "en", **kwargs: Any) -> IntakeWidget:
    """Step 0 explorer: a dropdown of the input files → how each was read.

    Parameters
    ----------
    tables, manifest
        The intake's artefacts, as :func:`kamlib.datacheck.load_intake` returns them (the
        canonical tables plus ``rejected`` and ``issues``; the intake manifest).
    lang : str
        ``"en"`` or ``"ru"``.
    **kwargs
        ``max_rows`` (rejected rows shown, default 50), ``sample_rows`` (default 5),
        ``client`` (the client code to follow; default the largest by net revenue).

    Returns
    -------
    IntakeWidget
        Shows, for the chosen file, the table it was taken for and why, the column mapping
        (canonical column ← header), rows read / accepted / rejected / skipped (the figures
        of :func:`kamlib.datacheck.files_overview`), the money accepted and rejected, the
        rejected rows with their reason (nothing is dropped silently) and the first accepted
        rows; beside them the chosen client's own catalogue records, sales lines, net revenue
        and its share, rows in the other tables and rejected rows with their money. Drive it
        with ``select(file)`` and ``select_client(code)``.
    """
    box = IntakeWidget(tables, manifest, lang=lang, **kwargs)
    box.update()
    return box
