"""The figures of client profitability: whale curve, ABC / XYZ, concentration, loss makers,
the pocket-margin waterfall and revenue growth (METHODS.md §2).

Pure functions: a client P&L (one row per entity, index or column ``entity_id``) or a long
monthly revenue table in, DataFrames / dicts out. No I/O, no plotting (charts live in
:mod:`kamlib.plots`).

Client P&L columns (currency units, VAT excluded): ``list_revenue``, ``discount``,
``sales_net`` (before returns), ``returns`` (positive), ``net_revenue`` (= sales_net −
returns), ``cogs``, ``gross_margin`` (= net_revenue − cogs), ``cost_to_serve``,
``cost_of_receivables``, ``contribution`` (= gross_margin − cost_to_serve −
cost_of_receivables), plus ``entity_name``.

Sources: Kaplan & Cooper (whale curve); Keiningham et al. 2005 (top ~20% of clients make
150–300% of profit); Storbacka 1997 (cross-subsidy, "Stobachoff"); the
Herfindahl–Hirschman index; IFRS 8.34 (major-customer disclosure); Marn & Rosiello 1992
(pocket-price / pocket-margin waterfall).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "abc",
    "abc_xyz_matrix",
    "concentration",
    "growth",
    "loss_makers",
    "lost_revenue",
    "price_waterfall",
    "revenue_growth",
    "whale_curve",
    "whale_figures",
    "xyz",
]

ENTITY = "entity_id"
NAME = "entity_name"
_EPS = 1e-12


def _by_entity(pnl: pd.DataFrame) -> pd.DataFrame:
    """The P&L indexed by ``entity_id`` (taken from the column if present, else the index)."""
    out = pnl.set_index(ENTITY) if ENTITY in pnl.columns else pnl.copy()
    out.index = out.index.rename(ENTITY)
    return out


def _sorted_desc(values: pd.Series) -> pd.Series:
    """Values sorted descending; ties broken by entity id (ascending) for determinism."""
    frame = pd.DataFrame({"v": values.astype(float).to_numpy(), "k": values.index.to_numpy()})
    try:
        frame = frame.sort_values(["v", "k"], ascending=[False, True], kind="mergesort")
    except TypeError:  # mixed-type ids: keep input order among ties
        frame = frame.sort_values("v", ascending=False, kind="mergesort")
    return pd.Series(frame["v"].to_numpy(), index=pd.Index(frame["k"].to_numpy(), name=ENTITY),
                     name=values.name)


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den and abs(float(den)) > _EPS else None


# --------------------------------------------------------------------------- whale curve


def whale_curve(pnl: pd.DataFrame, *, value: str = "contribution") -> pd.DataFrame:
    """The whale curve: clients sorted by contribution, cumulative contribution as share of total.

    Kaplan & Cooper's whale curve (Keiningham et al. 2005: the top ~20% of clients typically
    make 150–300% of the profit, the bottom 10–20% lose 50–200%). See METHODS.md §2.

    Parameters
    ----------
    pnl : pandas.DataFrame
        Client P&L, one row per entity (index or column ``entity_id``).
    value : str, keyword-only
        Column to sort and cumulate (default ``"contribution"``).

    Returns
    -------
    pandas.DataFrame
        Columns ``rank`` (1 = most profitable), ``entity_id``, ``value``, ``cum_value``,
        ``cum_pct`` (cumulative value ÷ total, a fraction; NaN when the total is ≤ 0, where a
        percentage of the total has no meaning) and ``client_share`` (rank ÷ n). Ties are
        ordered by entity id.
    """
    s = _sorted_desc(_by_entity(pnl)[value])
    n = len(s)
    total = float(s.sum())
    cum = s.cumsum().to_numpy()
    out = pd.DataFrame({
        "rank": np.arange(1, n + 1),
        ENTITY: s.index.to_numpy(),
        "value": s.to_numpy(),
        "cum_value": cum,
        "cum_pct": cum / total if total > _EPS else np.full(n, np.nan),
        "client_share": np.arange(1, n + 1) / n if n else np.array([], dtype=float),
    })
    return out


def whale_figures(pnl: pd.DataFrame, *, value: str = "contribution") -> dict[str, Any]:
    """The numbers behind the whale curve: peak, loss tail, cross-subsidy, top-20% share.

    Kaplan & Cooper whale curve; benchmarks from Keiningham et al. 2005; cross-subsidy index
    "Stobachoff-type" after Storbacka 1997 (METHODS.md §2). The index here is
    Σ|negative| ÷ Σ positive — labelled "Stobachoff-type" until the exact Storbacka formula
    is checked.

    Parameters
    ----------
    pnl : pandas.DataFrame
        Client P&L, one row per entity.
    value : str, keyword-only
        Column (default ``"contribution"``).

    Returns
    -------
    dict
        ``n_clients``; ``total``, ``positive_sum``, ``negative_sum`` (≤ 0);
        ``peak_pct`` = Σ positive ÷ total (e.g. 1.6 = 160%); ``clients_at_peak`` (number of
        clients with a positive value: the curve peaks after the last of them) and
        ``clients_at_peak_share`` (÷ n); ``loss_tail_pct`` = Σ negative ÷ total (negative,
        so that ``peak_pct + loss_tail_pct == 1``); ``loss_makers`` (count of values < 0);
        ``cross_subsidy_index`` = Σ|negative| ÷ Σ positive (None when nothing is positive) with
        ``cross_subsidy_label``; ``top20_n`` = ceil(20% × n) clients and ``top20_pct`` = their
        value ÷ total. When the total is ≤ 0 the ratios to total are None and ``note`` says
        why.
    """
    s = _sorted_desc(_by_entity(pnl)[value])
    n = len(s)
    total = float(s.sum())
    pos = float(s[s > 0].sum())
    neg = float(s[s < 0].sum())
    at_peak = int((s > 0).sum())
    top_n = math.ceil(0.2 * n - _EPS) if n else 0
    top_n = max(top_n, 1) if n else 0
    ok = total > _EPS
    out: dict[str, Any] = {
        "n_clients": n,
        "total": total,
        "positive_sum": pos,
        "negative_sum": neg,
        "peak_pct": pos / total if ok else None,
        "clients_at_peak": at_peak,
        "clients_at_peak_share": at_peak / n if n else None,
        "loss_tail_pct": neg / total if ok else None,
        "loss_makers": int((s < 0).sum()),
        "cross_subsidy_index": (-neg / pos) if pos > _EPS else None,
        "cross_subsidy_label": "Stobachoff-type (Storbacka 1997): Σ|negative| / Σ positive",
        "top20_n": top_n,
        "top20_pct": float(s.iloc[:top_n].sum()) / total if ok and n else None,
        "note": None,
    }
    if n == 0:
        out["note"] = "no clients"
    elif not ok:
        out["note"] = (f"total {value} is {total:,.0f} (≤ 0): the base as a whole loses money, "
                       "shares of the total are not meaningful")
    return out


# --------------------------------------------------------------------------- ABC / XYZ


def abc(pnl: pd.DataFrame, *, value: str = "net_revenue",
        cutoffs: tuple[float, float] = (0.80, 0.95)) -> pd.Series:
    """ABC class of each client by cumulative share of ``value`` (80/15/5 by default).

    METHODS.md §2: ABC by cumulative share of revenue and of contribution — call with
    ``value="net_revenue"`` or ``value="contribution"``.

    Convention: clients sorted descending (ties by entity id); shares are of the sum of the
    *positive* values; a client is A while the cumulative share *before* it is below
    ``cutoffs[0]`` (so the client that crosses 80% is still A), B while it is below
    ``cutoffs[1]``, else C. Clients with a value ≤ 0 are C.

    Parameters
    ----------
    pnl : pandas.DataFrame
        Client P&L, one row per entity.
    value : str, keyword-only
        Column to classify on.
    cutoffs : tuple of float, keyword-only
        Cumulative-share limits of A and B.

    Returns
    -------
    pandas.Series
        ``'A'``/``'B'``/``'C'`` indexed by ``entity_id`` in the order of ``pnl``, name ``abc``.
    """
    raw = _by_entity(pnl)[value].astype(float)
    s = _sorted_desc(raw)
    pos = s.clip(lower=0)
    total = float(pos.sum())
    if total <= _EPS:
        cls = pd.Series("C", index=s.index)
    else:
        before = (pos.cumsum() - pos) / total
        cls = pd.Series(np.where(before < cutoffs[0] - _EPS, "A",
                                 np.where(before < cutoffs[1] - _EPS, "B", "C")), index=s.index)
        cls[s <= 0] = "C"
    out = cls.reindex(raw.index).astype(object)
    out.name = "abc"
    return out


def _to_period(months: pd.Series | Sequence[Any]) -> pd.PeriodIndex:
    idx = pd.Index(months)
    if isinstance(idx, pd.PeriodIndex):
        return idx.asfreq("M")
    if len(idx) and isinstance(idx[0], pd.Period):
        return pd.PeriodIndex([p.asfreq("M") for p in idx])
    return pd.DatetimeIndex(pd.to_datetime(idx)).to_period("M")


def xyz(monthly: pd.DataFrame, *, entity: str = "entity_id", month: str = "month",
        value: str = "net_revenue", cutoffs: tuple[float, float] = (0.10, 0.25),
        months: Sequence[Any] | None = None) -> pd.DataFrame:
    """XYZ class by the coefficient of variation of monthly revenue (METHODS.md §2).

    cv = σ / μ of the client's revenue over *all* months of the period, a month without sales
    counting as 0; σ is the population standard deviation (ddof = 0). X if cv ≤ 0.10, Y if
    cv ≤ 0.25, else Z (cut-offs are parameters). A client whose mean is ≤ 0 has cv NaN and
    is Z.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Long table: ``entity``, ``month`` (Period or first-of-month date), ``value``.
    entity, month, value : str, keyword-only
        Column names.
    cutoffs : tuple of float, keyword-only
        Upper cv limits of X and Y.
    months : sequence, optional, keyword-only
        The months of the period; default every month from the first to the last in the
        data. Rows outside these months are ignored.

    Returns
    -------
    pandas.DataFrame
        Indexed by entity: ``cv``, ``xyz`` and ``months_active`` (months with a non-zero
        value).
    """
    per = _to_period(monthly[month])
    df = pd.DataFrame({"e": monthly[entity].to_numpy(), "m": per,
                       "v": monthly[value].astype(float).to_numpy()})
    if months is not None:
        cols = pd.PeriodIndex(sorted(set(_to_period(list(months)))))
    elif len(df):
        cols = pd.period_range(df["m"].min(), df["m"].max(), freq="M")
    else:
        cols = pd.PeriodIndex([], freq="M")
    df = df[df["m"].isin(cols)]
    wide = df.pivot_table(index="e", columns="m", values="v", aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=cols, fill_value=0.0)
    ents = pd.Index(pd.unique(monthly[entity]), name=entity)
    wide = wide.reindex(ents, fill_value=0.0).fillna(0.0)
    arr = wide.to_numpy(dtype=float)
    mean = arr.mean(axis=1) if arr.shape[1] else np.full(len(ents), np.nan)
    std = arr.std(axis=1, ddof=0) if arr.shape[1] else np.full(len(ents), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(mean > _EPS, std / np.where(mean > _EPS, mean, 1.0), np.nan)
    cls = np.where(cv <= cutoffs[0] + _EPS, "X", np.where(cv <= cutoffs[1] + _EPS, "Y", "Z"))
    cls = np.where(np.isnan(cv), "Z", cls)
    return pd.DataFrame({"cv": cv, "xyz": cls.astype(object),
                         "months_active": (arr != 0).sum(axis=1)}, index=ents)


def abc_xyz_matrix(abc: pd.Series, xyz: pd.Series, *,
                   weights: pd.Series | None = None) -> pd.DataFrame:
    """The 3×3 ABC × XYZ matrix: client counts, or sums of ``weights`` (e.g. revenue).

    Clients present in both series (aligned on the index) are counted; all nine cells are
    present (0 when empty).

    Parameters
    ----------
    abc : pandas.Series
        ``'A'``/``'B'``/``'C'`` by entity (from :func:`abc`).
    xyz : pandas.Series
        ``'X'``/``'Y'``/``'Z'`` by entity (the ``xyz`` column of :func:`xyz`).
    weights : pandas.Series, optional, keyword-only
        Value per entity to sum instead of counting (missing = 0).

    Returns
    -------
    pandas.DataFrame
        Rows A, B, C; columns X, Y, Z.
    """
    both = pd.DataFrame({"abc": abc, "xyz": xyz}).dropna()
    if weights is None:
        both["w"] = 1.0
    else:
        both["w"] = weights.reindex(both.index).fillna(0.0).astype(float)
    mat = both.pivot_table(index="abc", columns="xyz", values="w", aggfunc="sum",
                           fill_value=0.0) if len(both) else pd.DataFrame()
    mat = mat.reindex(index=["A", "B", "C"], columns=["X", "Y", "Z"], fill_value=0.0).fillna(0.0)
    if weights is None:
        mat = mat.astype(int)
    mat.index.name, mat.columns.name = "abc", "xyz"
    return mat


# --------------------------------------------------------------------------- concentration


def _hhi_level(h: float) -> str:
    return "unconcentrated" if h < 0.15 else "moderate" if h <= 0.25 else "high"


def concentration(pnl: pd.DataFrame, *, value: str = "net_revenue",
                  group: str | None = None, level: str | None = None) -> dict[str, Any]:
    """Concentration of revenue on few clients: top-N shares, clients to 50% / 80%, HHI, flags.

    HHI = Σ sᵢ² with shares as fractions (Herfindahl–Hirschman; < 0.15 unconcentrated,
    0.15–0.25 moderate, > 0.25 high). Flags (METHODS.md §2): a client ≥ 10% of revenue (IFRS
    8.34 major-customer disclosure), > 20% (dependence), ≥ 50% (mono-client), the top 3 ≥ 40%
    ("three clients, 40% of turnover").

    Only positive values count: a client's share is max(value, 0) ÷ Σ positive values, so a
    client with net returns does not reduce the denominator.

    Parameters
    ----------
    pnl : pandas.DataFrame
        Client P&L, one row per entity.
    value : str, keyword-only
        Column (default ``"net_revenue"``).
    group : str, optional, keyword-only
        Column of a holding / group id: the figures are then computed on the sum per group.
    level : str, optional, keyword-only
        What one row of ``pnl`` is, when it is not a client: ``"group"`` for a P&L already
        summed per group (the flags then speak of groups). Default: ``"entity"``, or
        ``group`` when given.

    Returns
    -------
    dict
        ``level`` ('entity' or the group column), ``n`` (units with a positive value),
        ``total`` (Σ positive), ``top1``/``top3``/``top5``/``top10``, ``clients_to_50``,
        ``clients_to_80``, ``hhi``, ``hhi_level``, ``flags`` (list of readable strings),
        ``flag_clients`` (flag code → list of ``{"entity_id", "name", "share"}``) and
        ``shares`` (Series of shares, descending).
    """
    df = _by_entity(pnl)
    if group is not None:
        keys = df[group].where(df[group].notna(), df.index.to_series())
        vals = df[value].astype(float).groupby(keys.to_numpy()).sum()
        vals.index = vals.index.rename(ENTITY)
        names = pd.Series(vals.index.astype(str), index=vals.index)
    else:
        vals = df[value].astype(float)
        names = (df[NAME].astype(str) if NAME in df.columns
                 else pd.Series(df.index.astype(str), index=df.index))
    s = _sorted_desc(vals.clip(lower=0))
    s = s[s > 0]
    total = float(s.sum())
    shares = s / total if total > _EPS else s * 0.0
    shares.name = "share"
    cum = shares.cumsum().to_numpy()

    def top(k: int) -> float:
        return float(shares.iloc[:k].sum())

    def to(p: float) -> int | None:
        hit = np.flatnonzero(cum >= p - 1e-9)
        return int(hit[0]) + 1 if len(hit) else None

    hhi = float((shares ** 2).sum())

    def who(mask: pd.Series) -> list[dict[str, Any]]:
        return [{"entity_id": k, "name": names.get(k, str(k)), "share": float(v)}
                for k, v in shares[mask].items()]

    def fmt(items: list[dict[str, Any]]) -> str:
        return ", ".join(f"{c['name']} {c['share']:.1%}" for c in items)

    flag_clients: dict[str, list[dict[str, Any]]] = {}
    flags: list[str] = []
    level = level or ("entity" if group is None else group)
    unit = "client" if level == "entity" else "group"
    checks = [
        ("ifrs_8_34", shares >= 0.10 - 1e-9,
         f"{{n}} {unit}(s) ≥ 10% of revenue — IFRS 8.34 major-customer disclosure"),
        ("dependence", shares > 0.20 + 1e-9, f"{{n}} {unit}(s) > 20% of revenue — dependence"),
        ("mono_client", shares >= 0.50 - 1e-9, f"one {unit} ≥ 50% of revenue — mono-client"),
    ]
    for code, mask, text in checks:
        if mask.any():
            flag_clients[code] = who(mask)
            flags.append(text.format(n=int(mask.sum())) + f": {fmt(flag_clients[code])}")
    if top(3) >= 0.40 - 1e-9 and len(shares):
        mask = pd.Series(False, index=shares.index)
        mask.iloc[:3] = True
        flag_clients["top3_40"] = who(mask)
        flags.append(f"top 3 {unit}s = {top(3):.1%} of revenue (≥ 40%: \"three clients, 40% of "
                     f"turnover\"): {fmt(flag_clients['top3_40'])}")
    return {
        "level": level,
        "n": len(shares),
        "total": total,
        "top1": top(1), "top3": top(3), "top5": top(5), "top10": top(10),
        "clients_to_50": to(0.5),
        "clients_to_80": to(0.8),
        "hhi": hhi,
        "hhi_level": _hhi_level(hhi),
        "flags": flags,
        "flag_clients": flag_clients,
        "shares": shares,
    }


# --------------------------------------------------------------------------- loss makers


def _col(df: pd.DataFrame, name: str) -> pd.Series:
    return df[name].astype(float) if name in df.columns else pd.Series(np.nan, index=df.index)


def _div(a: pd.Series, b: pd.Series) -> pd.Series:
    b = b.astype(float)
    return a.astype(float) / b.where(b.abs() > _EPS)


def _arg(x: Any) -> float | None:
    """A ratio as a reason's argument (``None`` when not measured)."""
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def loss_makers(pnl: pd.DataFrame, *, size: str = "net_revenue", top_share: float = 0.2,
                min_size: float | None = None) -> pd.DataFrame:
    """Large clients that lose money — the "VIP ≠ key" list (Kaplan & Cooper whale curve).

    Large = among the top ``ceil(top_share × n)`` clients by ``size``, or (if given)
    ``size ≥ min_size``; pass ``top_share=0`` to use ``min_size`` alone. Of those, the ones
    with a negative contribution, sorted by contribution ascending (worst first).

    The ``why`` column names the main driver: each leak (discounts ÷ list revenue, returns ÷
    sales, gross-margin shortfall, cost-to-serve ÷ revenue, cost of receivables ÷ revenue)
    is priced as its excess in money over the same ratio for the whole base, and the largest
    excess wins. Allocated costs only show where the margin goes; never advise dropping a
    client on them alone (METHODS.md §2).

    Parameters
    ----------
    pnl : pandas.DataFrame
        Client P&L, one row per entity.
    size : str, keyword-only
        Column measuring size (default ``"net_revenue"``).
    top_share : float, keyword-only
        Share of clients (by size) considered large.
    min_size : float, optional, keyword-only
        Absolute size threshold, added to the top share.

    Returns
    -------
    pandas.DataFrame
        ``entity_id``, ``entity_name``, ``net_revenue``, ``gross_margin``, ``margin_pct``
        (gross margin ÷ net revenue), ``cost_to_serve``, ``cts_pct`` (÷ net revenue),
        ``contribution``, ``why``, and the same why as ``reason_code`` (``reason.loss_*``
        of the string tables) with its ratios as JSON ``reason_args``, phrased in the
        engagement's language by :func:`kamlib.i18n.say`.
    """
    import json

    from ..units import reason

    df = _by_entity(pnl)
    n = len(df)
    sz = _sorted_desc(df[size].astype(float))
    k = math.ceil(top_share * n - _EPS) if n and top_share > 0 else 0
    large = set(sz.index[:k])
    if min_size is not None:
        large |= set(sz.index[sz >= min_size])
    sel = df[df.index.isin(large) & (df["contribution"].astype(float) < 0)]

    lst, disc = _col(df, "list_revenue"), _col(df, "discount")
    sales, ret = _col(df, "sales_net"), _col(df, "returns")
    nr, gm = _col(df, "net_revenue"), _col(df, "gross_margin")
    cts, cor = _col(df, "cost_to_serve"), _col(df, "cost_of_receivables")

    def base(a: pd.Series, b: pd.Series) -> float:
        r = _ratio(a.sum(skipna=True), b.sum(skipna=True))
        return 0.0 if r is None or math.isnan(r) else r

    b_disc, b_ret, b_gm = base(disc, lst), base(ret, sales), base(gm, nr)
    b_cts, b_cor = base(cts, nr), base(cor, nr)

    rows = []
    for e in sel.index:
        gm_pct = _ratio(gm[e], nr[e])
        cts_pct = _ratio(cts[e], nr[e])
        cor_pct = _ratio(cor[e], nr[e])
        disc_pct = _ratio(disc[e], lst[e])
        ret_pct = _ratio(ret[e], sales[e])

        def pct(x: float | None) -> str:
            return "n/a" if x is None or math.isnan(x) else f"{x:.0%}" if abs(x) >= 0.1 \
                else f"{x:.1%}"

        excess: dict[str, float] = {}
        if disc_pct is not None and not math.isnan(disc[e]):
            excess["discount"] = disc[e] - b_disc * lst[e]
        if ret_pct is not None and not math.isnan(ret[e]):
            excess["returns"] = ret[e] - b_ret * sales[e]
        if gm_pct is not None and not math.isnan(gm[e]):
            excess["margin"] = b_gm * nr[e] - gm[e]
        if cts_pct is not None and not math.isnan(cts[e]):
            excess["cts"] = cts[e] - b_cts * nr[e]
        if cor_pct is not None and not math.isnan(cor[e]):
            excess["cor"] = cor[e] - b_cor * nr[e]
        driver = max(excess, key=lambda d: excess[d]) if excess else None
        if gm_pct is not None and gm_pct < 0:
            why = f"negative gross margin {pct(gm_pct)}: sold below cost"
            code = reason("loss_negative_margin", margin_ratio=_arg(gm_pct))
        elif driver == "discount":
            why = f"discounts {pct(disc_pct)} of list (base {pct(b_disc)})"
            code = reason("loss_discounts", discount_ratio=_arg(disc_pct),
                          base_ratio=_arg(b_disc))
        elif driver == "returns":
            why = f"returns {pct(ret_pct)} of sales (base {pct(b_ret)})"
            code = reason("loss_returns", returns_ratio=_arg(ret_pct), base_ratio=_arg(b_ret))
        elif driver == "cor":
            why = (f"cost of receivables {pct(cor_pct)} of revenue (base {pct(b_cor)}): "
                   "long payment terms or late payment")
            code = reason("loss_receivables", receivables_ratio=_arg(cor_pct),
                          base_ratio=_arg(b_cor))
        elif driver in ("margin", "cts"):
            costs = f"cost-to-serve {pct(cts_pct)}"
            with_cor = gm_pct is not None and cts_pct is not None and gm_pct >= cts_pct
            if with_cor:
                costs += f" + cost of receivables {pct(cor_pct)}"
            head = f"gross margin {pct(gm_pct)}"
            head += f" (base {pct(b_gm)})" if driver == "margin" else ""
            tail = f" (base cost-to-serve {pct(b_cts)})" if driver == "cts" else ""
            why = f"{head} does not cover {costs} of revenue{tail}"
            code = reason(f"loss_{driver}" + ("_receivables" if with_cor else ""),
                          margin_ratio=_arg(gm_pct), cts_ratio=_arg(cts_pct),
                          receivables_ratio=_arg(cor_pct),
                          base_ratio=_arg(b_gm if driver == "margin" else b_cts))
        else:
            why = "costs exceed gross margin"
            code = reason("loss_costs_exceed_margin")
        rows.append({ENTITY: e, NAME: df[NAME].get(e) if NAME in df.columns else None,
                     "net_revenue": nr[e], "gross_margin": gm[e],
                     "margin_pct": np.nan if gm_pct is None else gm_pct,
                     "cost_to_serve": cts[e], "cts_pct": np.nan if cts_pct is None else cts_pct,
                     "contribution": float(df.loc[e, "contribution"]), "why": why,
                     "reason_code": code["code"],
                     "reason_args": json.dumps(code["args"], ensure_ascii=False)})
    cols = [ENTITY, NAME, "net_revenue", "gross_margin", "margin_pct", "cost_to_serve",
            "cts_pct", "contribution", "why", "reason_code", "reason_args"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values("contribution", kind="mergesort").reset_index(drop=True)


# --------------------------------------------------------------------------- waterfall

_WATERFALL = [
    # (step, step_ru, kind, column, sign)
    ("list revenue", "выручка по прайсу", "total", "list_revenue", 1),
    ("discounts", "скидки", "change", "discount", -1),
    ("net sales", "продажи нетто", "total", "sales_net", 1),
    ("returns", "возвраты", "change", "returns", -1),
    ("net revenue", "выручка нетто", "total", "net_revenue", 1),
    ("COGS", "себестоимость", "change", "cogs", -1),
    ("gross margin", "валовая маржа", "total", "gross_margin", 1),
    ("cost-to-serve", "затраты на обслуживание", "change", "cost_to_serve", -1),
    ("cost of receivables", "стоимость дебиторки", "change", "cost_of_receivables", -1),
    ("contribution", "вклад клиентов", "total", "contribution", 1),
]


def price_waterfall(pnl: pd.DataFrame) -> pd.DataFrame:
    """The whole base's pocket-margin waterfall (Marn & Rosiello 1992; METHODS.md §2).

    list revenue − discounts = net sales − returns = net revenue − COGS = gross margin −
    cost-to-serve − cost of receivables = contribution.

    Parameters
    ----------
    pnl : pandas.DataFrame
        Client P&L, one row per entity (the sums are taken over all rows).

    Returns
    -------
    pandas.DataFrame
        One row per step: ``step``, ``step_ru``, ``amount`` (the level for ``kind ==
        'total'`` rows, the signed change — negative for a deduction — for ``'change'``
        rows), ``kind`` and ``pct_of_list`` (amount ÷ list revenue). If the columns do not
        tie (e.g. rounding), a ``'change'`` row ``other`` before the next total takes up the
        difference, so every total equals the previous total plus the changes since.
    """
    rows: list[dict[str, Any]] = []
    level: float | None = None
    pending = 0.0
    for step, step_ru, kind, col, sign in _WATERFALL:
        amount = float(pnl[col].astype(float).sum()) if col in pnl.columns else 0.0
        if kind == "change":
            rows.append({"step": step, "step_ru": step_ru, "amount": sign * amount + 0.0,
                         "kind": kind})
            pending += sign * amount
            continue
        if level is not None:
            diff = amount - (level + pending)
            if abs(diff) > 1e-6 * max(1.0, abs(amount), abs(level)):
                rows.append({"step": "other", "step_ru": "прочее", "amount": diff,
                             "kind": "change"})
        rows.append({"step": step, "step_ru": step_ru, "amount": amount, "kind": kind})
        level, pending = amount, 0.0
    out = pd.DataFrame(rows, columns=["step", "step_ru", "amount", "kind"])
    lst = out["amount"].iloc[0]
    out["pct_of_list"] = out["amount"] / lst if abs(lst) > _EPS else np.nan
    return out


# --------------------------------------------------------------------------- growth


def revenue_growth(monthly: pd.DataFrame, *, entity: str = "entity_id", month: str = "month",
                   value: str = "net_revenue", end: Any = None) -> pd.DataFrame:
    """Revenue of the last 12 months vs the previous 12, per entity.

    The windows end at the last month in the data (or ``end``): last 12 = months
    end−11 … end, previous 12 = end−23 … end−12. Months before are ignored.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Long table: ``entity``, ``month`` (Period or date), ``value``.
    entity, month, value : str, keyword-only
        Column names.
    end : Period or date, optional, keyword-only
        Last month of the "last 12 months" window.

    Returns
    -------
    pandas.DataFrame
        Indexed by entity: ``revenue_prev12``, ``revenue_last12``, ``growth_abs`` (last −
        previous) and ``growth_pct`` (÷ previous; NaN when the previous is ≤ 0).
    """
    per = _to_period(monthly[month])
    last = _to_period([end])[0] if end is not None else (per.max() if len(per) else None)
    v = monthly[value].astype(float).to_numpy()
    e = monthly[entity].to_numpy()
    ents = pd.Index(pd.unique(monthly[entity]), name=entity)
    if last is None:
        in_last = in_prev = np.zeros(len(v), dtype=bool)
    else:
        age = np.asarray([(last - p).n if p <= last else -1 for p in per])
        in_last = (age >= 0) & (age <= 11)
        in_prev = (age >= 12) & (age <= 23)
    prev = pd.Series(np.where(in_prev, v, 0.0)).groupby(e).sum().reindex(ents, fill_value=0.0)
    cur = pd.Series(np.where(in_last, v, 0.0)).groupby(e).sum().reindex(ents, fill_value=0.0)
    out = pd.DataFrame({"revenue_prev12": prev.to_numpy(), "revenue_last12": cur.to_numpy()},
                       index=ents)
    out["growth_abs"] = out["revenue_last12"] - out["revenue_prev12"]
    out["growth_pct"] = out["growth_abs"] / out["revenue_prev12"].where(
        out["revenue_prev12"] > _EPS)
    return out


def lost_revenue(growth_df: pd.DataFrame, status: pd.Series | None = None) -> dict[str, Any]:
    """What the company lost with its lost clients, and the decomposition of total growth.

    Decomposition (from the data, additive): total growth = growth of continuing clients
    (revenue in both windows) + revenue of new clients (previous 12 months ≤ 0, last 12 > 0)
    − revenue of gone clients (previous > 0, last ≤ 0) + the rest (clients with no positive
    revenue in either window). ``lost_revenue`` uses the activity ``status`` instead: the
    previous-12-months revenue of entities whose status is ``'lost'`` — the two can differ
    because the status rule has its own horizon.

    Parameters
    ----------
    growth_df : pandas.DataFrame
        Output of :func:`revenue_growth`.
    status : pandas.Series, optional
        Activity status by entity (``'lost'``, ``'dormant'``, ``'new'``, ``'active'`` …).

    Returns
    -------
    dict
        ``revenue_prev12``, ``revenue_last12``, ``total_growth``, ``total_growth_pct``,
        ``continuing_growth``, ``new_revenue``, ``gone_revenue`` (positive amount),
        ``other``, ``n_continuing``, ``n_new``, ``n_gone``; with a status also
        ``lost_revenue``, ``lost_revenue_pct`` (÷ previous-12 total) and ``n_lost``.
    """
    g = growth_df
    prev, cur = g["revenue_prev12"].astype(float), g["revenue_last12"].astype(float)
    cont = (prev > _EPS) & (cur > _EPS)
    new = (prev <= _EPS) & (cur > _EPS)
    gone = (prev > _EPS) & (cur <= _EPS)
    total_prev, total_cur = float(prev.sum()), float(cur.sum())
    total = total_cur - total_prev
    cont_g = float((cur - prev)[cont].sum())
    new_r = float(cur[new].sum())
    gone_r = float(prev[gone].sum())
    out: dict[str, Any] = {
        "revenue_prev12": total_prev,
        "revenue_last12": total_cur,
        "total_growth": total,
        "total_growth_pct": _ratio(total, total_prev) if total_prev > _EPS else None,
        "continuing_growth": cont_g,
        "new_revenue": new_r,
        "gone_revenue": gone_r,
        "other": total - (cont_g + new_r - gone_r),
        "n_continuing": int(cont.sum()),
        "n_new": int(new.sum()),
        "n_gone": int(gone.sum()),
    }
    if status is not None:
        st = status.reindex(g.index)
        lost = st == "lost"
        out["lost_revenue"] = float(prev[lost].sum())
        out["lost_revenue_pct"] = (out["lost_revenue"] / total_prev if total_prev > _EPS
                                   else None)
        out["n_lost"] = int(lost.sum())
    return out


def growth(monthly: pd.DataFrame, *, entity: str = "entity_id", month: str = "month",
           value: str = "net_revenue",
           status: pd.Series | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Per-entity 12-vs-12-month growth and its summary in one call.

    Parameters
    ----------
    monthly : pandas.DataFrame
        Long monthly revenue table.
    entity, month, value : str, keyword-only
        Column names.
    status : pandas.Series, optional, keyword-only
        Activity status by entity, for the lost revenue.

    Returns
    -------
    tuple of (pandas.DataFrame, dict)
        :func:`revenue_growth` and :func:`lost_revenue` of it.
    """
    g = revenue_growth(monthly, entity=entity, month=month, value=value)
    return g, lost_revenue(g, status)
