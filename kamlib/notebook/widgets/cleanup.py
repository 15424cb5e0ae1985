"""Step 1: review and auto-merge thresholds that re-cluster the scored pairs
(:func:`cleanup_widget`), with a browser of the pairs to review.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from kamlib.notebook.widgets.base import (
    _esc,
    _new_figure,
    _num,
    _show_png,
    _StepWidget,
    _text,
)
from kamlib.plots import (
    _FUNNEL,
    funnel_chart,
)

_RECORD_FIELDS = ("client_id", "name", "full_name", "inn_raw", "kpp", "ogrn", "parent_id",
                  "group", "region", "segment", "manager", "created_at", "payment_terms_days",
                  "deleted", "origin")


class CleanupWidget(_StepWidget):
    """The box returned by :func:`cleanup_widget`.

    Attributes: ``review_slider`` / ``auto_slider``; after each update ``pairs`` (every pair
    with its ``outcome`` at the sliders' thresholds), ``labels`` (cluster root per record),
    ``entities`` (records → entity, group), ``activity`` (activity status per
    entity),
    ``funnel`` and ``counts`` (merged, to_review, entities, records_merged_away);
    ``review_pick`` (the pairs to review) and ``review_html`` (the chosen pair side by side);
    ``figure`` / ``ax`` (the funnel, reused), ``last_update_seconds``, ``updates``.
    """

    def __init__(self, pairs: pd.DataFrame, records: pd.DataFrame, sales: pd.DataFrame, *,
                 params: Any = None, group_map: pd.DataFrame | None = None,
                 period_start: dt.date | None = None, period_end: dt.date | None = None,
                 lang: str = "en", figsize: tuple[float, float] = (7.5, 3.2),
                 client: Any = None) -> None:
        from kamlib.config import CleanupParams

        self._setup(lang)
        t = _text(self.lang)
        self.params = params or CleanupParams()
        self.records = records.reset_index(drop=True)
        ids = self.records["client_id"].astype(str).to_numpy()
        if len(pairs) and not ((ids[pairs["a"].to_numpy()] == pairs["client_id_a"].to_numpy())
                               .all() and (ids[pairs["b"].to_numpy()]
                                           == pairs["client_id_b"].to_numpy()).all()):
            raise ValueError("the pairs' record positions do not match the records given "
                             "(pairs of another run?)")
        self.base_pairs = pairs.reset_index(drop=True)
        from kamlib.cleanup.entities import name_is_clean
        from kamlib.cleanup.matching import prepare_proposals

        # what propose() does before looking at the thresholds, done once; and which
        # records' names are clean (build_entities would check the 5,000 names each time)
        self._prepared = prepare_proposals(self.base_pairs)
        self._clean_names = name_is_clean(self.records)
        outcome = pairs["outcome"] if "outcome" in pairs.columns else pd.Series(dtype=str)
        # people's decisions are in the pairs themselves (cluster() marks every decided pair)
        self.accepted = list(pairs.loc[outcome == "merged (accepted)",
                                       ["client_id_a", "client_id_b"]].itertuples(
                                           index=False, name=None))
        self.rejected = list(pairs.loc[outcome == "rejected by reviewer",
                                       ["client_id_a", "client_id_b"]].itertuples(
                                           index=False, name=None))
        self.group_map = group_map
        self.period_start, self.period_end = period_start, period_end
        s = sales[["client_id", "document_id", "date", "net_revenue"]]
        self.usage = s.groupby("client_id").size()
        # the activity status only looks at documents, days and amounts: one row per record,
        # document and day (a third of the lines), with integer codes and datetime64 days
        # computed once, gives the same statuses at each update for a fraction of the cost
        rec_pos = pd.Index(ids).get_indexer(s["client_id"].astype(str))
        if (rec_pos < 0).any():
            raise ValueError("sales lines with a client code that is not among the records")
        self._orders = pd.DataFrame({
            "rec": rec_pos, "doc": pd.factorize(s["document_id"])[0],
            "date": pd.to_datetime(s["date"], errors="coerce").to_numpy(),
            "net_revenue": pd.to_numeric(s["net_revenue"], errors="coerce").to_numpy(),
        }).groupby(["rec", "doc", "date"], as_index=False, dropna=False, sort=False).sum()
        self._rec_by_id = self.records.assign(
            client_id=self.records["client_id"].astype(str)).set_index("client_id")
        lo = float(self.params.review_threshold)
        self.review_slider = w.FloatSlider(
            value=lo, min=lo, max=100, step=0.5, description=t.t("widget.cleanup.review"),
            continuous_update=False, readout_format=".1f",
            style={"description_width": "120px"}, layout=w.Layout(width="420px"))
        self.auto_slider = w.FloatSlider(
            value=float(self.params.auto_merge_threshold), min=lo, max=100, step=0.5,
            description=t.t("widget.cleanup.auto"), continuous_update=False,
            readout_format=".1f",
            style={"description_width": "120px"}, layout=w.Layout(width="420px"))
        self.review_slider.observe(self._on_review, names="value")
        self.auto_slider.observe(self._on_auto, names="value")
        self.counts_html = w.HTML()
        self.review_pick = w.Dropdown(options=[], description=t.t("widget.cleanup.pair"),
                                      style={"description_width": "60px"},
                                      layout=w.Layout(width="620px"))
        self.review_pick.observe(self._show_pair, names="value")
        self.review_html = w.HTML()
        self.figure, self.ax = _new_figure(figsize, {"left": 0.26, "right": 0.97,
                                                     "bottom": 0.1, "top": 0.88})
        self.pairs = pd.DataFrame()
        self.labels: np.ndarray | None = None
        self.entities = pd.DataFrame()
        self.activity = pd.DataFrame()
        self.funnel: dict[str, int] = {}
        self._funnel_drawn: dict[str, int] | None = None  # the counts the funnel shows
        self.counts: dict[str, int] = {}
        self.to_review = pd.DataFrame()
        # the client the lesson follows: a record, its legal entity, group and pairs
        from kamlib.notebook.client_view import client_choices

        revenue = self._orders.groupby("rec")["net_revenue"].sum()
        frame = pd.DataFrame({"entity_name": self.records["name"].to_numpy(),
                              "net_revenue": revenue.reindex(range(len(self.records)))
                              .fillna(0.0).to_numpy()}, index=pd.Index(ids))
        options = client_choices(frame[~frame.index.duplicated()])
        codes = [i for _, i in options]
        self.client = w.Dropdown(options=options, description=t.t("widget.client.select"),
                                 value=str(client) if str(client) in codes else
                                 (codes[0] if codes else None),
                                 style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.client.observe(self._on_client, names="value")
        self.client_readout = w.HTML()
        self.client_entity: dict[str, Any] | None = None
        super().__init__([w.HBox([self.review_slider, self.auto_slider]), self.counts_html,
                          self.output, self.client, self.client_readout, self.status,
                          self.review_pick, self.review_html])

    # -------------------------------------------------------------- controls

    def _on_review(self, change: Any) -> None:
        if change["new"] > self.auto_slider.value:  # review ≤ auto-merge, as in CleanupParams
            held, self._hold = self._hold, True
            try:
                self.auto_slider.value = change["new"]
            finally:
                self._hold = held
        self._on_change()

    def _on_auto(self, change: Any) -> None:
        if change["new"] < self.review_slider.value:
            held, self._hold = self._hold, True
            try:
                self.review_slider.value = change["new"]
            finally:
                self._hold = held
        self._on_change()

    def _on_client(self, _change: Any = None) -> None:
        if not self._hold and self.labels is not None:
            self._follow_client()

    def select_client(self, client: Any) -> None:
        """Follow the client record ``client`` (its code): one of the selector's, or any
        other record, which then joins the selector's options."""
        codes = [i for _, i in self.client.options]
        if str(client) not in codes:
            if str(client) not in self._rec_by_id.index:
                raise KeyError(f"no client record {client!r}")
            name = self._rec_by_id.at[str(client), "name"]
            held, self._hold = self._hold, True
            try:
                self.client.options = [*self.client.options, (f"{name} ({client})", str(client))]
            finally:
                self._hold = held
        if self.client.value == str(client):
            self._follow_client()
        else:
            self.client.value = str(client)

    def set_thresholds(self, review: float | None = None,
                       auto_merge: float | None = None) -> None:
        """Move both sliders with a single update (review ≤ auto-merge is kept)."""
        held, self._hold = self._hold, True
        try:
            if auto_merge is not None and auto_merge < self.review_slider.value:
                self.review_slider.value = auto_merge
            if review is not None:
                self.review_slider.value = review
            if auto_merge is not None:
                self.auto_slider.value = auto_merge
        finally:
            self._hold = held
        self.update()

    def timing_control(self) -> tuple[w.FloatSlider, list[float]]:
        """The auto-merge slider, between 97.5 (97-point pairs stop merging) and where it is
        (or 93.5 when it already is above 97)."""
        cur = float(self.auto_slider.value)
        return self.auto_slider, [97.5 if cur < 97.5 else 93.5, cur]

    # -------------------------------------------------------------- computation

    def _compute(self) -> None:
        from kamlib.cleanup.matching import propose_prepared
        from kamlib.cleanup.resolve import (
            entities_with_groups,
            funnel_counts,
            match_params,
            resolve_pairs,
        )
        from kamlib.cleanup.status import activity_status

        # the step's own rules (kamlib.cleanup.resolve), as clean_client_base applies them
        p = self.params
        mp = match_params(p, self.review_slider.value, self.auto_slider.value)
        proposed = propose_prepared(self._prepared, self.records, mp)  # = propose(base_pairs)
        labels, applied = resolve_pairs(self.records, proposed, accepted=self.accepted,
                                        rejected=self.rejected)
        self.pairs = applied
        if self.labels is None or not np.array_equal(labels, self.labels):
            entities = entities_with_groups(self.records, labels, self.usage, self.records,
                                            self.group_map, clean_names=self._clean_names)
            # statuses per cluster root (integers: no string hashing), then named by entity
            o = self._orders
            orders = pd.DataFrame({"entity_id": labels[o["rec"].to_numpy()],
                                   "document_id": o["doc"].to_numpy(),
                                   "date": o["date"].to_numpy(),
                                   "net_revenue": o["net_revenue"].to_numpy()})
            activity = activity_status(
                orders, np.unique(labels), period_start=self.period_start,
                period_end=self.period_end, k=p.dormant_k, min_days=p.dormant_min_days,
                lost_months=p.lost_months, new_months=p.new_months, reasons=False)
            activity.index = pd.Index(
                entities["entity_id"].to_numpy()[activity.index.to_numpy(dtype=np.int64)],
                name="entity_id")
            self.activity = activity
            self.entities = entities
            self.labels = labels
        self.funnel = funnel_counts(self.entities, self.activity)
        n_ent = self.funnel["legal_entities"]
        outcome = applied["outcome"] if len(applied) else pd.Series(dtype=str)
        self.counts = {"merged": int(outcome.isin(["merged", "merged (accepted)"]).sum()),
                       "to_review": int((outcome == "to review").sum()),
                       "entities": n_ent,
                       "records_merged_away": len(self.entities) - n_ent}
        self.to_review = applied[outcome == "to review"]

    def _render(self) -> None:
        t, lang = _text(self.lang), self.lang
        c = self.counts

        def count(key: str, n: int, bold: bool = True) -> str:
            num = _num(n, 0, lang)
            return t.n(f"widget.cleanup.{key}", n, n=f"<b>{num}</b>" if bold else num)

        self.counts_html.value = (
            f"{count('merged', c['merged'])} · {count('to_review', c['to_review'])} · "
            f"{count('entities', c['entities'])} "
            f"({count('merged_away', c['records_merged_away'], bold=False)})")
        if not self._update_funnel():
            self.ax.clear()
            funnel_chart(self.funnel, lang=self.lang, ax=self.ax)
            self._funnel_drawn = dict(self.funnel)
        _show_png(self.output, self.figure)
        self._fill_review()
        self._follow_client()

    def _update_funnel(self) -> bool:
        """Move the bars and the numbers of the funnel drawn last to the new counts, as
        :func:`kamlib.plots.funnel_chart` would draw them on a cleared axes (widths, numbers
        at width + 1 % of the largest, x limit at 115 %): no new axes, ticks or texts.
        ``False`` (draw it anew) when there is no such funnel to move: another set of
        steps, or an empty funnel before or now."""
        from matplotlib.patches import Rectangle
        from matplotlib.text import Text

        from kamlib.i18n import Formatter

        old, new = self._funnel_drawn, self.funnel
        keys = [k for k in _FUNNEL if k in new]  # the bars funnel_chart draws, in its order
        if old is None or [k for k in _FUNNEL if k in old] != keys \
                or not any(old[k] for k in keys) or not any(new[k] for k in keys):
            return False
        bars = [p for p in self.ax.patches if isinstance(p, Rectangle)]
        texts = [t for t in self.ax.texts if isinstance(t, Text)]
        if len(bars) != len(keys) or len(texts) != len(keys):
            return False
        values = [new[k] for k in keys]
        top = max(values)
        fmt = Formatter(self.lang)
        for bar, text, v in zip(bars, texts, values, strict=True):
            bar.set_width(v)
            text.set_x(bar.get_width() + top * 0.01)
            text.set_text(fmt.integer(v))
        self.ax.set_xlim(0, top * 1.15)
        self._funnel_drawn = dict(new)
        return True

    def _follow_client(self) -> None:
        """The followed record's legal entity, group and pairs at the current thresholds
        (:func:`kamlib.notebook.client_view.client_cleanup`), beside the totals."""
        from kamlib.notebook.client_view import client_cleanup

        if self.client.value is None:
            self.client_entity = None
            self.client_readout.value = ""
            return
        t, lang = _text(self.lang), self.lang
        c = client_cleanup(self.entities, self.pairs, self.activity, self.client.value)
        self.client_entity = c
        status = t.get(f"status.{c['status']}") or c["status"] or "—"
        self.client_readout.value = (
            t.t("widget.client.cleanup",
                name=html.escape(self.client.label.rsplit(" (", 1)[0]),
                entity=f"<b>{html.escape(str(c['entity_name']))}</b>",
                records=f"<b>{_num(len(c['records']), 0, lang)}</b>",
                branches=_num(c["branches"], 0, lang),
                group=html.escape(str(c["group_id"])),
                entities=_num(c["group_entities"], 0, lang), status=html.escape(status))
            + "<br>" + t.t("widget.client.cleanup_pairs",
                           merged=_num(c["merged"], 0, lang),
                           to_review=_num(c["to_review"], 0, lang),
                           apart=_num(c["apart"], 0, lang)))

    # -------------------------------------------------------------- the review browser

    def _fill_review(self) -> None:
        t = _text(self.lang)
        names = self._rec_by_id["name"]
        options = [(f"{_num(r.score, 0, self.lang)} · {names.get(r.client_id_a, r.client_id_a)} ~ "
                    f"{names.get(r.client_id_b, r.client_id_b)}", i)
                   for i, r in zip(self.to_review.index, self.to_review.itertuples(),
                                   strict=True)]
        keep = self.review_pick.value
        held, self._hold = self._hold, True
        try:
            self.review_pick.options = options
            values = [v for _, v in options]
            self.review_pick.value = keep if keep in values else (values[0] if values else None)
        finally:
            self._hold = held
        if not options:
            self.review_html.value = f"<i>{t.t('widget.cleanup.none_to_review')}</i>"
        else:
            self._show_pair()

    def _show_pair(self, _change: Any = None) -> None:
        if self._hold or self.review_pick.value is None:
            return
        self.review_html.value = self.pair_html(self.review_pick.value)

    def pair_html(self, index: int) -> str:
        """Both records of the pair ``self.pairs.loc[index]`` side by side (fields that differ
        in bold), with the score and the evidence."""
        t = _text(self.lang)
        pair = self.pairs.loc[index]
        a = self._rec_by_id.loc[pair["client_id_a"]]
        b = self._rec_by_id.loc[pair["client_id_b"]]
        rows = []
        for field in _RECORD_FIELDS:
            if field not in self._rec_by_id.columns and field != "client_id":
                continue
            va = pair["client_id_a"] if field == "client_id" else a.get(field)
            vb = pair["client_id_b"] if field == "client_id" else b.get(field)
            ea, eb = _esc(va), _esc(vb)
            style = " style='font-weight:bold'" if ea != eb else ""
            rows.append(f"<tr{style}><td>{field}</td><td>{ea}</td><td>{eb}</td></tr>")
        rows.append(f"<tr><td>{t.t('widget.cleanup.lines')}</td><td>"
                    f"{_num(int(self.usage.get(pair['client_id_a'], 0)), 0, self.lang)}"
                    f"</td><td>{_num(int(self.usage.get(pair['client_id_b'], 0)), 0, self.lang)}"
                    "</td></tr>")
        score = t.t("widget.cleanup.score", score=f"<b>{_num(pair['score'], 1, self.lang)}</b>",
                    evidence=_esc(pair["evidence"]))
        return (f"<p>{score}</p><table class='kam-table'><tr><th>"
                f"{t.t('widget.cleanup.field')}</th><th>{t.t('widget.cleanup.record', side='A')}"
                f"</th><th>{t.t('widget.cleanup.record', side='B')}</th></tr>"
                + "".join(rows) + "</table>")


def cleanup_widget(pairs: pd.DataFrame, records: pd.DataFrame, sales: pd.DataFrame, *,
                   params: Any = None, group_map: pd.DataFrame | None = None,
                   period_start: dt.date | None = None, period_end: dt.date | None = None,
                   lang: str = "en", **kwargs: Any) -> CleanupWidget:
    """Step 1: review and auto-merge threshold sliders that re-cluster the scored pairs.

    Parameters
    ----------
    pairs : pd.DataFrame
        The step's scored pairs with their outcome (``CleanupResult.pairs`` or
        ``work/01_client_base_cleanup/pairs.parquet``). People's decisions are read from
        them (outcome ``merged (accepted)`` / ``rejected by reviewer``) and replayed.
    records : pd.DataFrame
        The records the pairs refer to (``CleanupResult.records``, or
        :func:`kamlib.cleanup.matching.prepare_records` of the intake's clients).
    sales : pd.DataFrame
        Sales lines with client_id, document_id, date, net_revenue (for the activity status).
    params : CleanupParams, optional
        The step's parameters: the sliders start at its thresholds; its review threshold is
        the lowest one offered (pairs scoring below it were not kept by the run); the
        dormant / lost / new rules come from it.
    group_map : pd.DataFrame, optional
        ``decisions/groups.csv`` (client_id, group), as the step reads it.
    period_start, period_end : date, optional
        The audit period (``engagement.yaml`` → period).
    lang : str
        ``"en"`` or ``"ru"``.
    **kwargs
        ``figsize`` of the funnel; ``client`` (the record to follow, by code).

    Returns
    -------
    CleanupWidget
        On every change: :func:`kamlib.cleanup.matching.propose` (the proposals at the new
        thresholds), :func:`~kamlib.cleanup.matching.cluster` (the union-find that never
        joins two valid INNs, with the decisions), :func:`~kamlib.cleanup.entities.
        build_entities`, :func:`~kamlib.cleanup.entities.assign_groups` and
        :func:`~kamlib.cleanup.status.activity_status` (METHODS.md §1) — the counts merged /
        to review / entities and :func:`kamlib.plots.funnel_chart` are redrawn, and the
        review browser lists the pairs to review; the client selector (``client``: a
        record's code, default the largest by net revenue) shows that record's legal entity,
        the records merged into it, its branches, its group and its pairs at the thresholds
        (:func:`kamlib.notebook.client_view.client_cleanup`). Drive it with
        ``set_thresholds`` and ``select_client``.
    """
    box = CleanupWidget(pairs, records, sales, params=params, group_map=group_map,
                        period_start=period_start, period_end=period_end, lang=lang, **kwargs)
    box.update()
    return box
