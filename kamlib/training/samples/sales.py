"""Sales documents and lines of a sample engagement: days, amounts, returns, numbers."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from .spec import _Spec


def _day_cdf(spec: _Spec) -> np.ndarray:
    """Cumulative weight of each day: seasonality, a mild trend, no orders at weekends."""
    days = pd.date_range(spec.start, spec.end, freq="D")
    month_f = np.array([0.85, 0.95, 1.08, 1.05, 1.0, 1.02, 0.9, 0.92, 1.02, 1.05, 1.0, 1.16])
    w = month_f[days.month - 1] * (1 + 0.06 * (days.year - spec.start.year))
    w = np.where(days.day_of_week >= 5, 0.0, w)
    # the last half-year also receives the latest order of every active client (see
    # build_docs): damp it so the exports stay even in size
    w = np.where(days >= pd.Timestamp(spec.end) - pd.DateOffset(months=6), 0.85 * w, w)
    return cast(np.ndarray, np.r_[0.0, np.cumsum(w)])


def _sample_days(rng: np.random.Generator, cdf: np.ndarray, a: np.ndarray,
                 b: np.ndarray) -> np.ndarray:
    """Days drawn from the seasonal density restricted to ``[a, b]`` (inclusive)."""
    lo, hi = cdf[a], cdf[b + 1]
    u = lo + rng.random(len(a)) * (hi - lo)
    d = np.searchsorted(cdf, u, side="right") - 1
    return cast(np.ndarray, np.clip(d, a, b))


def _last_weekday_before(spec: _Spec, day: np.ndarray) -> np.ndarray:
    dates = pd.Timestamp(spec.start) + pd.to_timedelta(day, unit="D")
    dow = np.asarray(dates.day_of_week)
    return day - np.where(dow == 5, 1, np.where(dow == 6, 2, 0))


def build_docs(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame, cl: pd.DataFrame,
               n_lines: int) -> pd.DataFrame:
    """Sales documents: entity, catalogue record, date, time and number of lines."""
    share = ent["share"].to_numpy()
    buying = share > 0
    p = np.where(buying, share ** 0.7, 0)
    p[(ent["role"] == "vip").to_numpy()] = 0.0
    n_vip = round(spec.vip_lines_share * n_lines) if (ent["role"] == "vip").any() else 0
    base = np.where(buying, 2, 0)
    base[(ent["target"] == "dormant").to_numpy()] = 24
    free = n_lines - base.sum() - n_vip
    lines = base + rng.multinomial(free, p / p.sum())
    lines[(ent["role"] == "vip").to_numpy()] = n_vip
    ndoc = np.where(buying, np.maximum(1, np.round(lines / ent["lpd"].to_numpy())), 0)
    ndoc = np.where((ent["target"] != "new").to_numpy() & (lines >= 2), np.maximum(ndoc, 2),
                    ndoc)
    ndoc = np.minimum(np.maximum(ndoc, ent["nrec"].to_numpy() * buying), lines).astype(int)
    ent["n_lines"], ent["n_docs"] = lines, ndoc
    eid = np.repeat(np.arange(len(ent)), ndoc)
    a, b = ent["a"].to_numpy()[eid], ent["b"].to_numpy()[eid]
    cdf = _day_cdf(spec)
    day = _sample_days(rng, cdf, a, b)
    docs = pd.DataFrame({"eid": eid, "day": day})
    # active clients ordered recently; dormant ones stop at their window end
    n_days = len(cdf) - 1
    last = docs.groupby("eid")["day"].idxmax()
    first = docs.groupby("eid")["day"].idxmin()
    first = first[np.isin(ent["target"].to_numpy()[first.index], ["active", "dormant"])
                  & ~first.isin(last.to_numpy())]
    tgt = ent["target"].to_numpy()[last.index]
    stale = docs["day"].to_numpy()[last.to_numpy()] < n_days - 75
    fix_active = last[np.isin(tgt, ["active", "new"]) & stale].to_numpy()
    docs.loc[fix_active, "day"] = _last_weekday_before(
        spec, n_days - 1 - rng.integers(0, 70, len(fix_active)))
    fa, fb = ent["a"].to_numpy()[first.index], ent["b"].to_numpy()[first.index]
    docs.loc[first.to_numpy(), "day"] = _sample_days(rng, cdf, fa, fa + (fb - fa) // 3)
    fix_dorm = last[tgt == "dormant"]
    docs.loc[fix_dorm.to_numpy(), "day"] = _last_weekday_before(
        spec, ent["b"].to_numpy()[fix_dorm.index])
    docs["time"] = rng.integers(8 * 3600, 19 * 3600, len(docs))
    docs["rec"] = _pick_records(rng, docs["eid"].to_numpy(), cl, len(ent))
    docs["n_lines"] = _lines_per_doc(rng, eid, ndoc, lines)
    docs["is_return"] = False
    return docs


def _pick_records(rng: np.random.Generator, eid: np.ndarray, cl: pd.DataFrame,
                  n_ent: int) -> np.ndarray:
    """Catalogue record (row of ``cl``, -1 for ghosts) of each document, by record weight."""
    order = np.lexsort((cl["code"].to_numpy(), cl["eid"].to_numpy()))
    c = cl.iloc[order]
    w = c["rec_weight"].to_numpy()
    tot = c.groupby("eid", sort=True)["rec_weight"].transform("sum").to_numpy()
    cum = c.groupby("eid", sort=True)["rec_weight"].cumsum().to_numpy() / tot
    keys = c["eid"].to_numpy() + np.minimum(cum, 1.0) - 1e-12 * (w == 0)
    has = np.zeros(n_ent, bool)
    has[c["eid"].to_numpy()] = True
    pos = np.searchsorted(keys, eid + rng.random(len(eid)) * 0.999999, side="right")
    pos = np.minimum(pos, len(keys) - 1)
    rec = order[pos]
    # every record of the entity gets at least one document when there are enough
    c_eid = c["eid"].to_numpy()
    start = np.searchsorted(c_eid, eid, side="left")
    cnt = np.bincount(c_eid, minlength=n_ent)
    rank = pd.Series(eid).groupby(eid).cumcount().to_numpy()
    m = has[eid] & (rank < cnt[eid])
    rec[m] = order[start[m] + rank[m]]
    return np.where(has[eid], rec, -1)


def _lines_per_doc(rng: np.random.Generator, eid: np.ndarray, ndoc: np.ndarray,
                   lines: np.ndarray) -> np.ndarray:
    """Split each entity's lines over its documents, at least one line each."""
    out = np.ones(len(eid), dtype=int)
    offset = np.r_[0, np.cumsum(ndoc)[:-1]]
    extra = lines - ndoc
    ent_of_extra = np.repeat(np.arange(len(ndoc)), np.maximum(extra, 0))
    pick = offset[ent_of_extra] + (rng.random(len(ent_of_extra))
                                   * ndoc[ent_of_extra]).astype(int)
    np.add.at(out, pick, 1)
    return out


def build_lines(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                docs: pd.DataFrame, prod: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sales lines (and return lines with their documents), amounts in minor units."""
    doc_idx = np.repeat(np.arange(len(docs)), docs["n_lines"].to_numpy())
    eid = docs["eid"].to_numpy()[doc_idx]
    n = len(doc_idx)
    total = spec.avg_line * spec.n_lines * (n / max(n, 1))
    total = spec.avg_line * n
    target = ent["share"].to_numpy() * total
    per_line = target / np.maximum(ent["n_lines"].to_numpy(), 1)
    sku = rng.choice(len(prod), size=n, p=prod["popularity"].to_numpy())
    net_price = prod["net_k"].to_numpy()[sku] / 100
    val = per_line[eid] * rng.lognormal(-0.125, 0.5, n)
    q = val / net_price
    weigh = prod["weighable"].to_numpy()[sku]
    qty10 = np.where(weigh, np.maximum(5, np.round(q * 2) * 5), np.maximum(10, np.round(q) * 10))
    qty10 = qty10.astype(np.int64)
    lines = pd.DataFrame({"doc": doc_idx, "eid": eid, "sku": sku, "qty10": qty10})
    d_ent = ent["disc"].to_numpy()[eid]
    vip = (ent["role"].to_numpy()[eid] == "vip")
    on = (rng.random(n) < 0.7) | vip
    lines["disc_rate"] = np.where(on, d_ent * rng.uniform(0.75, 1.25, n), 0.0)
    lines["is_return"] = False
    _amounts(lines, prod, spec)
    ret_lines, ret_docs = _returns(rng, spec, ent, docs, lines, prod)
    docs = pd.concat([docs, ret_docs], ignore_index=True)
    lines = pd.concat([lines, ret_lines], ignore_index=True)
    return lines, docs


def _round_half_up(x: np.ndarray) -> np.ndarray:
    return cast(np.ndarray, (np.sign(x) * np.floor(np.abs(x) + 0.5)).astype(np.int64))


def _amounts(lines: pd.DataFrame, prod: pd.DataFrame, spec: _Spec) -> None:
    """List, discount, gross, VAT, net and cost amounts in minor units (positive)."""
    sku = lines["sku"].to_numpy()
    q10 = lines["qty10"].to_numpy()
    rate = prod["vat_rate"].to_numpy()[sku]
    lst = _round_half_up(q10 * prod["gross_k"].to_numpy()[sku] / 10)
    disc = _round_half_up(lst * lines["disc_rate"].to_numpy())
    gross = lst - disc
    vat = _round_half_up(gross * rate / (100 + rate))
    lines["list_k"], lines["disc_k"], lines["gross_k"] = lst, disc, gross
    lines["vat_k"], lines["net_k"] = vat, gross - vat
    lines["cogs_k"] = _round_half_up(q10 * prod["cost_k"].to_numpy()[sku] / 10)
    lines["vat_rate"] = rate


def _returns(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame, docs: pd.DataFrame,
             lines: pd.DataFrame, prod: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return lines (part of a sold line) grouped into one return document per source."""
    rr = ent["ret_rate"].to_numpy()[lines["eid"].to_numpy()]
    src = np.flatnonzero(rng.random(len(lines)) < rr)
    ret = lines.iloc[src].copy()
    frac = rng.uniform(0.1, 1.0, len(ret))
    weigh = prod["weighable"].to_numpy()[ret["sku"].to_numpy()]
    q = ret["qty10"].to_numpy() * frac
    ret["qty10"] = np.where(weigh, np.maximum(5, np.floor(q / 5) * 5),
                            np.maximum(10, np.floor(q / 10) * 10)).astype(np.int64)
    ret["is_return"] = True
    _amounts(ret, prod, spec)
    src_doc = ret["doc"].to_numpy()
    uniq, inv = np.unique(src_doc, return_inverse=True)
    n_days = (spec.end - spec.start).days + 1
    day = docs["day"].to_numpy()[uniq] + rng.integers(2, 40, len(uniq))
    day = _last_weekday_before(spec, np.minimum(day, n_days - 1))
    rdocs = pd.DataFrame({"eid": docs["eid"].to_numpy()[uniq], "day": day,
                          "time": rng.integers(8 * 3600, 19 * 3600, len(uniq)),
                          "rec": docs["rec"].to_numpy()[uniq],
                          "n_lines": np.bincount(inv), "is_return": True})
    ret["doc"] = len(docs) + inv
    return ret, rdocs


def _number_docs(spec: _Spec, docs: pd.DataFrame) -> None:
    """Document numbers, sequential per year and type in date order."""
    start = pd.Timestamp(spec.start)
    dates = start + pd.to_timedelta(docs["day"], unit="D")
    docs["date"] = dates
    docs["year"] = dates.dt.year
    order = docs.sort_values(["is_return", "year", "day", "time", "eid"], kind="stable").index
    seq = docs.loc[order].groupby(["is_return", "year"]).cumcount() + 1
    docs.loc[order, "num"] = seq.to_numpy()
    docs["num"] = docs["num"].astype(int)
