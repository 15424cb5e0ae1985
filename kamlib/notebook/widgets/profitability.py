"""Step 2: cost-to-serve rates that re-cost every client and redraw the whale curve
(:func:`profitability_widget`), with the followed client's own waterfall.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets as w
import numpy as np
import pandas as pd

from kamlib.i18n import Formatter
from kamlib.notebook.widgets.base import (
    _new_figure,
    _num,
    _reuse_axes,
    _show_png,
    _StepWidget,
    _text,
)
from kamlib.plots import (
    waterfall_chart,
    whale_curve_chart,
)

#: The cost-to-serve drivers with a rate slider (``engagement.yaml`` → profitability.cost_rates).
RATE_DRIVERS: tuple[str, ...] = ("order", "line", "delivery", "return", "visit", "service_hour")


def _rate_range(driver: str, base: float) -> tuple[float, float]:
    """Slider maximum and step for a rate: three times the audit's rate (or a typical scale
    when it is 0), on a step of about 1/100 of the range rounded to 1, 2 or 5 × 10^k."""
    typical = {"order": 3000.0, "line": 100.0, "delivery": 6000.0, "return": 4000.0,
               "visit": 10000.0, "service_hour": 5000.0}
    top = 3 * base if base > 0 else typical.get(driver, 1000.0)
    raw = top / 100
    mag = 10 ** np.floor(np.log10(raw)) if raw > 0 else 1.0
    step = float(min((m * mag for m in (1, 2, 5, 10) if m * mag >= raw), default=mag))
    return float(np.ceil(top / step) * step), step


class ProfitabilityWidget(_StepWidget):
    """The box returned by :func:`profitability_widget`.

    Attributes: ``sliders`` (``{driver: FloatSlider}``); after each update ``costs`` (the
    :class:`~kamlib.profitability.pnl.CostModel` of the sliders), ``contribution`` (per
    client), ``whale`` and ``figures`` (:func:`~kamlib.profitability.curves.whale_curve` /
    :func:`~kamlib.profitability.curves.whale_figures`), ``loss_makers`` (count), ``peak``
    (peak as a fraction of the total, None if the total is ≤ 0); ``figure`` / ``ax`` (reused),
    ``last_update_seconds``, ``updates``.
    """

    def __init__(self, pnl: pd.DataFrame, costs: Any, *,
                 drivers: Sequence[str] = RATE_DRIVERS, lang: str = "en", currency: str = "",
                 figsize: tuple[float, float] = (8, 4.5), client: Any = None,
                 participant: bool = False) -> None:
        from kamlib.profitability.curves import whale_curve, whale_figures

        self._setup(lang)
        t = _text(self.lang)
        self.pnl = pnl.set_index("entity_id") if "entity_id" in pnl.columns else pnl
        self.base_costs = costs
        self.currency = currency
        self.sliders: dict[str, w.FloatSlider] = {}
        for d in drivers:
            base = float(costs.rates.get(d, 0) or 0)
            top, step = _rate_range(d, base)
            self.sliders[d] = w.FloatSlider(
                value=base, min=0, max=top, step=step,
                description=t.t("widget.profit.rate",
                                driver=t.get(f"widget.profit.driver.{d}") or d),
                continuous_update=False,
                readout_format=",.0f", style={"description_width": "150px"},
                layout=w.Layout(width="440px"))
            self.sliders[d].observe(self._on_change, names="value")
        base_frame = self.pnl[["contribution"]]
        self._base_whale = whale_curve(base_frame)
        self._base_figures = whale_figures(base_frame)
        self.readout = w.HTML()
        self.figure, self.ax = _new_figure(figsize, {"left": 0.1, "right": 0.97,
                                                     "bottom": 0.12, "top": 0.92})
        self.costs = costs
        self.contribution = pd.Series(dtype=float)
        self.whale = pd.DataFrame()
        self.figures: dict[str, Any] = {}
        self.loss_makers = 0
        self.peak: float | None = None
        cols = list(self.sliders.values())
        half = (len(cols) + 1) // 2
        # the client the lesson follows: its own waterfall beside the company's whale curve
        from kamlib.notebook.client_view import client_choices

        large = self.pnl["net_revenue"] >= self.pnl["net_revenue"].quantile(0.8) \
            if len(self.pnl) else pd.Series(dtype=bool)
        # the trainer gets the large loss-makers first; the participants the clients by
        # revenue only (the order would give the lesson's answer away)
        options = client_choices(self.pnl) if participant else \
            client_choices(self.pnl, first=large & (self.pnl["contribution"] < 0))
        self.client = w.Dropdown(options=options, description=t.t("widget.client.select"),
                                 value=client if client is not None else
                                 (options[0][1] if options else None),
                                 style={"description_width": "80px"},
                                 layout=w.Layout(width="520px"))
        self.client.observe(self._on_change, names="value")
        self.client_readout = w.HTML()
        self.client_output = w.Output()
        self.client_figure, self.client_ax = _new_figure(
            (11, 4.5), {"left": 0.08, "right": 0.98, "bottom": 0.2, "top": 0.9})
        self.client_waterfall = pd.DataFrame()
        self.client_contribution: float | None = None
        super().__init__([w.HBox([w.VBox(cols[:half]), w.VBox(cols[half:])]), self.readout,
                          self.output, self.client, self.client_readout,
                          self.client_output, self.status])

    def set_rates(self, rates: Mapping[str, float] | None = None, **more: float) -> None:
        """Move several rate sliders at once with a single update (a value above a slider's
        maximum raises the maximum)."""
        new = {**(rates or {}), **more}
        unknown = set(new) - set(self.sliders)
        if unknown:
            raise KeyError(f"no slider for {sorted(unknown)}; drivers: {list(self.sliders)}")
        held, self._hold = self._hold, True
        try:
            for d, v in new.items():
                if v > self.sliders[d].max:
                    self.sliders[d].max = float(v)
                self.sliders[d].value = float(v)
        finally:
            self._hold = held
        self.update()

    def timing_control(self) -> tuple[w.FloatSlider, list[float]]:
        """The delivery rate slider (else the first one): doubled (halved near its maximum),
        and back."""
        s = self.sliders.get("delivery") or next(iter(self.sliders.values()))
        cur = float(s.value)
        other = (2 * cur if 2 * cur <= s.max else cur / 2) if cur > 0 else s.max / 2
        return s, [other, cur]

    def _compute(self) -> None:
        from kamlib.profitability.curves import whale_curve, whale_figures
        from kamlib.profitability.pnl import CostModel
        from kamlib.profitability.scenarios import recost

        base = self.base_costs
        rates = {**dict(base.rates), **{d: float(s.value) for d, s in self.sliders.items()}}
        self.costs = CostModel(rates, dict(base.pools), tuple(base.avoidable),
                               base.receivables_rate)
        self.contribution = recost(self.pnl, self.costs, base=base).rename("contribution")
        frame = self.contribution.to_frame()
        self.whale = whale_curve(frame)
        self.figures = whale_figures(frame)
        self.loss_makers = int(self.figures["loss_makers"])
        self.peak = self.figures["peak_pct"]
        if self.client.value is not None:
            from kamlib.notebook.client_view import client_waterfall

            self.client_waterfall = client_waterfall(self.pnl, self.client.value,
                                                     self.contribution)
            self.client_contribution = float(self.contribution.loc[self.client.value])

    def _render(self) -> None:
        t, lang = _text(self.lang), self.lang
        f, b = self.figures, self._base_figures
        fmt = Formatter(lang)

        def total(x: float) -> str:  # the figure in full, in the engagement's currency
            return Formatter(lang, self.currency).money(x, 0) if self.currency else \
                _num(x, 0, lang)

        peak = (t.n("widget.profit.peak", f["clients_at_peak"],
                    n=_num(f["clients_at_peak"], 0, lang),
                    peak=f"<b>{fmt.pct(f['peak_pct'], 0)}</b>",
                    share=fmt.pct(f["clients_at_peak_share"], 0))
                if f["peak_pct"] is not None else t.t("widget.profit.no_peak"))
        base_peak = fmt.pct(b["peak_pct"], 0) if b["peak_pct"] is not None else "—"
        cs = f.get("cross_subsidy_index")
        self.readout.value = (
            t.t("widget.profit.contribution", total=f"<b>{total(f['total'])}</b>") + " · "
            + t.t("widget.profit.loss_makers", n=f"<b>{_num(f['loss_makers'], 0, lang)}</b>",
                  of=_num(f["n_clients"], 0, lang))
            + f" · {peak}"
            + (" · " + t.t("widget.profit.cross_subsidy", value=_num(cs, 2, lang))
               if cs is not None else "")
            + "<br><small>"
            + t.n("widget.profit.audit_line", b["loss_makers"], total=total(b["total"]),
                  n=_num(b["loss_makers"], 0, lang), peak=base_peak)
            + "</small>")
        ax = _reuse_axes(self.ax)
        bw = self._base_whale
        ax.plot((bw["client_share"] * 100).to_numpy(), (bw["cum_pct"] * 100).to_numpy(),
                color="#a5a5a5", lw=1.2, ls="--", label=t.t("widget.profit.audit"),
                gid="whale_audit")
        whale_curve_chart(self.whale, self.figures, lang=self.lang, ax=ax)
        ax.legend(frameon=False, fontsize=8, loc="center right")
        _show_png(self.output, self.figure)
        self._render_client()

    def _render_client(self) -> None:
        """The followed client: its waterfall under the sliders' rates, its contribution
        against the audit's and its rank."""
        from kamlib.notebook.client_view import client_position

        if self.client.value is None:
            return
        t, lang, entity = _text(self.lang), self.lang, self.client.value
        money = Formatter(lang, self.currency or "RUB")
        name = self.client.label.rsplit(" (", 1)[0]
        pos = client_position(self.contribution, entity)
        audit = float(self.pnl.at[entity, "contribution"])
        colour = "#c00000" if pos["negative"] else "#2e7d32"
        self.client_readout.value = t.t(
            "widget.client.line", name=html.escape(name),
            contribution=f"<b style='color:{colour}'>{money.money(pos['value'], 0)}</b>",
            audit=money.money(audit, 0), rank=_num(pos["rank"], 0, lang),
            of=_num(pos["of"], 0, lang))
        _reuse_axes(self.client_ax)
        waterfall_chart(self.client_waterfall, currency=self.currency, lang=lang,
                        ax=self.client_ax, title=name)
        _show_png(self.client_output, self.client_figure)


def profitability_widget(pnl: pd.DataFrame, costs: Any, *, lang: str = "en",
                         currency: str = "", **kwargs: Any) -> ProfitabilityWidget:
    """Step 2: cost-to-serve rate sliders → every client re-costed → the whale curve redrawn.

    Parameters
    ----------
    pnl : pd.DataFrame
        The client P&L (``run_profitability(…).pnl`` or ``client_pnl.parquet``): its driver
        units (orders, lines, return_lines, n_delivery, n_visit, n_service_hour …) and its
        gross margin and receivable days.
    costs : CostModel
        The step's cost model (:meth:`~kamlib.profitability.pnl.CostModel.from_params`): the
        sliders start at its rates; pools, avoidable drivers and the receivables rate are
        kept.
    lang, currency : str
        Report language and currency code for the readout.
    **kwargs
        ``drivers`` (default :data:`RATE_DRIVERS`), ``figsize``; ``client`` (the entity id
        to follow first; default: the largest loss-maker among the large clients, or with
        ``participant=True`` the largest client, so that the order gives nothing away). The
        followed client's own waterfall (:func:`kamlib.notebook.client_view.client_waterfall`), its
        contribution against the audit's and its rank are redrawn under the whale curve.

    Returns
    -------
    ProfitabilityWidget
        On every change the contribution of each client is recomputed, vectorised, from its
        driver counts by :func:`kamlib.profitability.scenarios.recost` (activity-based
        cost-to-serve, Kaplan & Narayanan 2001; METHODS.md §2); the whale curve
        (:func:`~kamlib.profitability.curves.whale_curve`, Kaplan & Cooper 1998) is redrawn
        over the audit's curve (dashed), with the loss-makers, the peak and the
        cross-subsidy index (after Storbacka 1997). Drive it with ``set_rates``.
    """
    box = ProfitabilityWidget(pnl, costs, lang=lang, currency=currency, **kwargs)
    box.update()
    return box
