"""Who serves whom: each key account to one KAM, balanced workloads, few changes of owner.

METHODS.md §4 (Assignment). An integer program solved by HiGHS through
:func:`scipy.optimize.milp`: binary ``x[a, k]`` = account ``a`` served by KAM ``k``;

* every account to exactly one KAM: ``Σ_k x[a, k] = 1``;
* every KAM's workload within ``±τ`` of the mean (total hours ÷ number of KAMs) and never
  above its capacity: ``(1 − τ)·mean ≤ Σ_a h_a·x[a, k] ≤ min((1 + τ)·mean, capacity_k)``;
* minimise ``change_weight × (accounts whose current owner changes) + region_weight ×
  (accounts served from another region)``.

If HiGHS stops at its time limit without any solution, a greedy heuristic takes over
(longest-processing-time first, preferring the current owner and the region, then moves and
swaps until every workload is within the band, then moves and swaps that lower the cost).
Inputs that cannot work raise :class:`~kamlib.errors.ConfigError` saying what to change.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

from kamlib.errors import ConfigError, SchemaError

__all__ = ["assign_accounts", "kams_needed", "team_from_fte"]

_EPS = 1e-6  # hours: slack when checking a solver's loads against the band


def kams_needed(total_hours: float, capacity: float) -> int:
    """Number of KAMs needed to carry ``total_hours`` at ``capacity`` hours each (ceil, ≥ 1)."""
    if not capacity > 0:
        raise ConfigError("the capacity of a KAM must be positive", value=capacity,
                          hint="give the available account hours per KAM per year, e.g. 1350")
    return max(1, math.ceil(max(float(total_hours), 0.0) / float(capacity) - 1e-9))


def team_from_fte(n: int, capacity: float, regions: Sequence[str] | None = None,
                  existing: Sequence[str] = ()) -> pd.DataFrame:
    """A team of ``n`` KAMs for :func:`assign_accounts`: index = KAM name, ``capacity``, ``region``.

    Existing names come first, then ``KAM 1``, ``KAM 2``, … (skipping names already taken);
    ``regions`` are spread round-robin (no ``region`` column when ``None``).
    """
    existing = [str(e) for e in existing]
    if n < 1:
        raise ConfigError("a team needs at least one KAM", value=n, hint="set n ≥ 1")
    if len(existing) > n:
        raise ConfigError(f"{len(existing)} existing KAMs do not fit in a team of {n}",
                          value=n, hint=f"set n ≥ {len(existing)} or pass fewer existing names")
    if len(set(existing)) != len(existing):
        raise ConfigError("existing KAM names repeat", hint="give each KAM a unique name")
    if not capacity > 0:
        raise ConfigError("the capacity of a KAM must be positive", value=capacity,
                          hint="give the available account hours per KAM per year, e.g. 1350")
    names, i = list(existing), 1
    taken = set(names)
    while len(names) < n:
        name = f"KAM {i}"
        if name not in taken:
            names.append(name)
        i += 1
    team = pd.DataFrame({"capacity": float(capacity)}, index=pd.Index(names, name="kam"))
    if regions is not None:
        regions = list(regions)
        if not regions:
            raise ConfigError("the list of regions is empty", hint="pass regions=None or names")
        team["region"] = [regions[j % len(regions)] for j in range(n)]
    return team


def _known(v: Any) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA \
        and str(v).strip() != ""


def _check(accounts: pd.DataFrame, kams: pd.DataFrame, tolerance: float) -> None:
    if len(accounts) == 0:
        raise ConfigError("there are no accounts to assign",
                          hint="pass at least one key account (index entity_id, column hours)")
    if len(kams) == 0:
        raise ConfigError("there are no KAMs to assign accounts to",
                          hint="pass at least one KAM (index name, column capacity), "
                               "e.g. team_from_fte(n, capacity)")
    for frame, col, what in ((accounts, "hours", "accounts"), (kams, "capacity", "kams")):
        if col not in frame.columns:
            raise SchemaError(f"the {what} table has no '{col}' column", column=col,
                              hint=f"add '{col}' (hours per year) to the {what} table")
    if not accounts.index.is_unique:
        dup = accounts.index[accounts.index.duplicated()][0]
        raise ConfigError("an account appears twice", value=dup, hint="one row per entity_id")
    if not kams.index.is_unique:
        dup = kams.index[kams.index.duplicated()][0]
        raise ConfigError("a KAM name appears twice", value=dup, hint="give each KAM a unique name")
    if not (tolerance >= 0):
        raise ConfigError("the tolerance must be ≥ 0", value=tolerance,
                          hint="use e.g. 0.15 for ±15% around the mean workload")
    hours = pd.to_numeric(accounts["hours"], errors="coerce")
    bad = hours[~(hours > 0)]
    if len(bad):
        raise ConfigError(f"{len(bad)} account(s) have no positive workload, e.g. '{bad.index[0]}'",
                          column="hours", value=accounts["hours"].loc[bad.index[0]],
                          hint="give every account its annual hours (> 0) or leave it out")
    cap = pd.to_numeric(kams["capacity"], errors="coerce")
    bad = cap[~(cap > 0)]
    if len(bad):
        raise ConfigError(f"KAM '{bad.index[0]}' has zero or negative capacity",
                          column="capacity", value=kams["capacity"].loc[bad.index[0]],
                          hint="give every KAM positive available hours or leave them out")


def _costs(accounts: pd.DataFrame, kams: pd.DataFrame, region_weight: float,
           change_weight: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cost matrix (A×K), 'owner changes' and 'known other region' indicator matrices."""
    names = list(kams.index)
    n_a, n_k = len(accounts), len(names)
    change = np.zeros((n_a, n_k))
    if "current_owner" in accounts.columns:
        pos = {k: j for j, k in enumerate(names)}
        for i, owner in enumerate(accounts["current_owner"].tolist()):
            if _known(owner):
                change[i, :] = 1.0
                j = pos.get(owner, pos.get(str(owner)))
                if j is not None:
                    change[i, j] = 0.0
    other = np.zeros((n_a, n_k))
    if "region" in accounts.columns and "region" in kams.columns:
        ar = [str(r) if _known(r) else None for r in accounts["region"].tolist()]
        kr = [str(r) if _known(r) else None for r in kams["region"].tolist()]
        for i, r in enumerate(ar):
            if r is not None:
                other[i, :] = [float(k is not None and k != r) for k in kr]
    return change_weight * change + region_weight * other, change, other


def _solve(h: np.ndarray, lo: float, hi_k: np.ndarray, cost: np.ndarray,
           time_limit: float) -> Any:
    n_a, n_k = cost.shape
    n = n_a * n_k
    cols = np.arange(n)
    one = csr_matrix((np.ones(n), (np.repeat(np.arange(n_a), n_k), cols)), shape=(n_a, n))
    load = csr_matrix((np.repeat(h, n_k), (np.tile(np.arange(n_k), n_a), cols)), shape=(n_k, n))
    ub = (h[:, None] <= hi_k[None, :] + _EPS).astype(float).ravel()
    return milp(cost.ravel(), integrality=np.ones(n), bounds=Bounds(np.zeros(n), ub),
                constraints=[LinearConstraint(one, 1, 1),
                             LinearConstraint(load, np.full(n_k, lo), hi_k)],
                # stop once within 5% of the optimum (about one owner change here): proving the
                # last percents can take far longer than finding the solution (2 s vs 36 s seen)
                options={"time_limit": max(float(time_limit), 1e-3), "disp": False,
                         "mip_rel_gap": 0.05})


def _greedy(h: np.ndarray, lo: float, hi_k: np.ndarray, cap: np.ndarray, cost: np.ndarray,
            max_iter: int = 5000) -> np.ndarray:
    """LPT start preferring the cheap KAM, then band-repair moves/swaps, then cost moves/swaps."""
    n_a, n_k = cost.shape
    kam = np.full(n_a, -1)
    load = np.zeros(n_k)
    for a in np.argsort(-h, kind="stable"):
        fits = load + h[a] <= hi_k + _EPS
        if fits.any():
            # cheapest first, then the KAM with most room left under its band
            score = cost[a] * 1e6 + (load + h[a]) / hi_k
            k = int(np.argmin(np.where(fits, score, np.inf)))
        else:
            k = int(np.argmin((load + h[a]) / cap))
        kam[a] = k
        load[k] += h[a]

    def viol(x: np.ndarray, k: np.ndarray | slice) -> np.ndarray:
        out: np.ndarray = (10.0 * np.maximum(x - cap[k], 0) + np.maximum(x - hi_k[k], 0)
                           + np.maximum(lo - x, 0))
        return out

    idx = np.arange(n_a)
    for _phase in ("repair", "cost"):
        for _ in range(max_iter):
            v_now = viol(load, slice(None))
            if _phase == "repair" and v_now.sum() <= _EPS:
                break
            k1 = kam
            # single moves: account a from k1[a] to every k2
            nl1 = load[k1] - h                                     # (A,)
            nl2 = load[None, :] + h[:, None]                       # (A,K)
            dv = (viol(nl1, k1) - v_now[k1])[:, None] + viol(nl2, slice(None)) - v_now[None, :]
            dc = cost - cost[idx, k1][:, None]
            same = k1[:, None] == np.arange(n_k)[None, :]
            # swaps: a (in k1[a]) with b (in k1[b])
            diff = h[None, :] - h[:, None]                          # h_b - h_a
            s1 = load[k1][:, None] + diff                           # new load of k1[a]
            s2 = load[k1][None, :] - diff                           # new load of k1[b]
            sv = (viol(s1, k1[:, None]) - v_now[k1][:, None]
                  + viol(s2, k1[None, :]) - v_now[k1][None, :])
            sc = (cost[idx[:, None], k1[None, :]] + cost[idx[None, :], k1[:, None]]
                  - cost[idx, k1][:, None] - cost[idx, k1][None, :])
            ssame = k1[:, None] == k1[None, :]
            if _phase == "repair":
                mv = np.where(same, np.inf, dv + 1e-9 * dc)
                sw = np.where(ssame, np.inf, sv + 1e-9 * sc)
            else:  # keep every load inside the band, lower the cost
                mv = np.where(same | (dv > _EPS) | (viol(nl2, slice(None)) > _EPS)
                              | (viol(nl1, k1) > _EPS)[:, None], np.inf, dc)
                sw = np.where(ssame | (viol(s1, k1[:, None]) > _EPS)
                              | (viol(s2, k1[None, :]) > _EPS), np.inf, sc)
            bm, bs = np.unravel_index(np.argmin(mv), mv.shape), \
                np.unravel_index(np.argmin(sw), sw.shape)
            best_m, best_s = mv[bm], sw[bs]
            if _phase == "cost":  # exchange two KAMs' whole portfolios
                m = np.zeros((n_k, n_k))
                np.add.at(m, kam, cost)                             # m[j, k] = Σ_{a∈j} c[a, k]
                d = np.diag(m)
                ex = m + m.T - d[:, None] - d[None, :]
                lj, ar = np.broadcast_to(load[:, None], (n_k, n_k)), np.arange(n_k)
                ok = (viol(lj, ar[None, :]) <= _EPS) & (viol(lj.T, ar[:, None]) <= _EPS)
                ex = np.where(ok & ~np.eye(n_k, dtype=bool), ex, np.inf)
                be = np.unravel_index(np.argmin(ex), ex.shape)
                if ex[be] < min(best_m, best_s, 0.0) - 1e-9:
                    j1, j2 = int(be[0]), int(be[1])
                    in1, in2 = kam == j1, kam == j2
                    kam[in1], kam[in2] = j2, j1
                    load[j1], load[j2] = load[j2], load[j1]
                    continue
            if min(best_m, best_s) >= -1e-9:
                break
            if best_m <= best_s:
                a, k2 = int(bm[0]), int(bm[1])
                load[kam[a]] -= h[a]
                load[k2] += h[a]
                kam[a] = k2
            else:
                a, b = int(bs[0]), int(bs[1])
                ka, kb = kam[a], kam[b]
                load[ka] += h[b] - h[a]
                load[kb] += h[a] - h[b]
                kam[a], kam[b] = kb, ka
    return kam


def _min_tolerance(h: np.ndarray, mean: float, cap: np.ndarray, cost: np.ndarray,
                   start: float, budget: float) -> tuple[float | None, bool]:
    """Smallest tolerance (1% steps) with a feasible assignment; (None, False) if unknown."""
    t0 = time.perf_counter()
    zero = np.zeros_like(cost)

    def feasible(p: int) -> bool | None:
        left = budget - (time.perf_counter() - t0)
        if left <= 0.05:
            return None
        tau = p / 100
        res = _solve(h, (1 - tau) * mean, np.minimum((1 + tau) * mean, cap), zero,
                     min(left, 2.0))
        if res.x is not None:
            return True
        return False if res.status == 2 else None

    lo_p = math.floor(start * 100 + 1e-9)
    hi_p = max(100, math.ceil((h.max() / mean - 1) * 100) + 1)
    ok = feasible(hi_p)
    if not ok:
        return None, False
    while hi_p - lo_p > 1:
        mid = (lo_p + hi_p) // 2
        f = feasible(mid)
        if f is None:
            return hi_p / 100, False  # out of time: an upper bound only
        if f:
            hi_p = mid
        else:
            lo_p = mid
    return hi_p / 100, True


def assign_accounts(accounts: pd.DataFrame, kams: pd.DataFrame, *, tolerance: float = 0.15,
                    time_limit: float = 10.0, region_weight: float = 0.3,
                    change_weight: float = 1.0,
                    force_greedy: bool = False) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Assign every key account to one KAM (METHODS.md §4, Assignment).

    Parameters
    ----------
    accounts : DataFrame
        Index ``entity_id``; ``hours`` (annual workload, > 0); optional ``current_owner``
        (a KAM name or None), ``region``, ``entity_name``.
    kams : DataFrame
        Index = KAM name; ``capacity`` (available account hours per year, > 0); optional
        ``region``.
    tolerance : float
        Every KAM's workload within ``±tolerance`` of the mean (total hours ÷ KAMs).
    time_limit : float
        Seconds for HiGHS; past it without a solution the greedy heuristic takes over.
    region_weight, change_weight : float
        Cost of serving an account from another region / of changing its current owner.
    force_greedy : bool
        Skip the solver (tests, or a quick draft).

    Returns
    -------
    (assignment, info)
        ``assignment``: index entity_id; ``kam``, ``hours``, ``changed_owner``,
        ``same_region`` (NA where a region is unknown), plus ``entity_name`` if given.
        ``info``: ``method`` ('milp' or 'greedy'), ``status``, ``seconds``, ``objective``,
        ``owner_changes``, ``out_of_region``, ``workloads`` (per KAM: ``hours``, ``capacity``,
        ``utilisation``, ``accounts``, ``deviation``), ``max_deviation``, ``tolerance_met``,
        ``mean``, ``tolerance``, ``band`` (lower, upper hours).

    Raises
    ------
    ConfigError
        When no assignment can meet the constraints; the hint says what to change.
    """
    t0 = time.perf_counter()
    _check(accounts, kams, tolerance)
    h = pd.to_numeric(accounts["hours"]).to_numpy(float)
    cap = pd.to_numeric(kams["capacity"]).to_numpy(float)
    names = list(kams.index)
    n_k = len(names)
    total, team = float(h.sum()), float(cap.sum())
    mean = total / n_k
    lo, hi = (1 - tolerance) * mean, (1 + tolerance) * mean
    hi_k = np.minimum(hi, cap)
    pct = f"{tolerance:.0%}"

    if total > team + _EPS:
        extra = kams_needed(total, team / n_k) - n_k
        raise ConfigError(
            f"the accounts need {total:,.0f} h, the team has {team:,.0f} h",
            hint=f"add {max(extra, 1)} KAM(s) or reduce hours by {total - team:,.0f} h")
    heavy = int(np.argmax(h))
    if h[heavy] > hi + _EPS:
        need = h[heavy] / mean - 1
        raise ConfigError(
            f"account '{accounts.index[heavy]}' alone needs {h[heavy]:,.0f} h, above the "
            f"upper bound (1 + {pct}) × mean = {hi:,.0f} h", value=accounts.index[heavy],
            hint=f"split it or raise the tolerance to at least {math.ceil(need * 100)}%")
    if h[heavy] > cap.max() + _EPS:
        raise ConfigError(
            f"account '{accounts.index[heavy]}' alone needs {h[heavy]:,.0f} h, more than any "
            f"KAM's capacity ({cap.max():,.0f} h)", value=accounts.index[heavy],
            hint="split it between KAMs or raise a KAM's capacity")
    small = int(np.argmin(cap))
    if cap[small] < lo - _EPS:
        need = 1 - cap[small] / mean
        raise ConfigError(
            f"KAM '{names[small]}' can take only {cap[small]:,.0f} h, below the lower bound "
            f"(1 − {pct}) × mean = {lo:,.0f} h", value=names[small],
            hint=f"raise its capacity, drop it from the team, or raise the tolerance to at "
                 f"least {math.ceil(need * 100)}%")
    if hi_k.sum() < total - _EPS:
        raise ConfigError(
            f"the accounts need {total:,.0f} h but the KAMs can take at most "
            f"{hi_k.sum():,.0f} h within +{pct} of the mean and their capacities",
            hint="raise the capacities or the tolerance, or add a KAM")

    cost, change, other = _costs(accounts, kams, region_weight, change_weight)
    method, status = "milp", ""
    kam_idx: np.ndarray | None = None
    if force_greedy:
        method, status = "greedy", "greedy heuristic (forced)"
    else:
        res = _solve(h, lo, hi_k, cost, time_limit)
        if res.x is not None:
            kam_idx = np.asarray(res.x).reshape(len(h), n_k).argmax(axis=1)
            if res.status == 0:
                status = "optimal"
            else:
                gap = getattr(res, "mip_gap", None)
                status = ("time limit reached: best solution found"
                          + (f" (gap {gap:.1%})" if gap is not None and np.isfinite(gap) else ""))
        elif res.status == 2:
            p, exact = _min_tolerance(h, mean, cap, cost, tolerance,
                                      budget=min(max(time_limit, 1.0), 10.0))
            if p is None:
                hint = "raise the tolerance, or raise the capacities / add a KAM"
            else:
                hint = (f"raise the tolerance to {p:.0%} (the smallest that works)" if exact
                        else f"raise the tolerance (to {p:.0%} at most)")
                hint += ", or add a KAM / rebalance capacities"
            raise ConfigError(f"the tolerance cannot be met: no assignment keeps every "
                              f"workload within ±{pct} of the mean "
                              f"({lo:,.0f}–{hi:,.0f} h) and within capacity", hint=hint)
        else:
            method = "greedy"
            status = (f"HiGHS found no solution within {time_limit:g} s ({res.message.strip()}); "
                      "greedy heuristic used instead")
    if kam_idx is None:
        kam_idx = _greedy(h, lo, hi_k, cap, cost)

    load = np.bincount(kam_idx, weights=h, minlength=n_k)
    if np.any(load > cap + _EPS):
        raise ConfigError("the heuristic could not keep every KAM within capacity",
                          hint="raise time_limit so the solver can finish, or add a KAM")
    dev = np.abs(load - mean) / mean
    met = bool(np.all(load >= lo - _EPS) and np.all(load <= hi + _EPS))
    if method == "greedy" and not met:
        status += "; tolerance NOT met"
    rows = np.arange(len(h))
    changed = change[rows, kam_idx] > 0
    out = other[rows, kam_idx] > 0
    assignment = pd.DataFrame(index=accounts.index.copy())
    if assignment.index.name is None:
        assignment.index.name = "entity_id"
    if "entity_name" in accounts.columns:
        assignment["entity_name"] = accounts["entity_name"].to_numpy()
    assignment["kam"] = [names[k] for k in kam_idx]
    assignment["hours"] = h
    assignment["changed_owner"] = changed
    same = pd.array(~out, dtype="boolean")
    if "region" in accounts.columns and "region" in kams.columns:
        kr = kams["region"].tolist()
        unknown = [not (_known(ar) and _known(kr[k]))
                   for ar, k in zip(accounts["region"].tolist(), kam_idx, strict=True)]
        same[np.array(unknown, dtype=bool)] = pd.NA
    else:
        same[:] = pd.NA
    assignment["same_region"] = same

    workloads = pd.DataFrame({
        "hours": load, "capacity": cap, "utilisation": load / cap,
        "accounts": np.bincount(kam_idx, minlength=n_k), "deviation": (load - mean) / mean,
    }, index=pd.Index(names, name="kam"))
    if "region" in kams.columns:
        workloads["region"] = kams["region"].to_numpy()
    info = {
        "method": method, "status": status, "seconds": time.perf_counter() - t0,
        "objective": float(cost[rows, kam_idx].sum()), "owner_changes": int(changed.sum()),
        "out_of_region": int(out.sum()), "workloads": workloads,
        "max_deviation": float(dev.max()), "tolerance_met": met,
        "mean": mean, "tolerance": float(tolerance), "band": (lo, hi),
    }
    return assignment, info
