"""The world of a sample engagement: team, products, entities and their catalogue records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .helpers import (
    _brands_ru,
    _break_inn,
    _choice,
    _make_inns,
    _make_ogrns,
    _make_vat_ids,
    _people,
    _ru_dup_variant,
    _ru_name,
    _short_person,
)
from .spec import _HOLDING_NAMES, _Spec
from .words import (
    _EN_BRANDS,
    _EN_FIRST,
    _EN_FORMS,
    _EN_LAST,
    _EN_LONG_FORM,
    _EN_REGIONS,
    _EN_SEGMENTS,
    _LONG_FORM,
    _PRODUCTS_EN,
    _PRODUCTS_RU,
    _REGIONS,
    _SEGMENTS,
    _VARIANTS_EN,
    _VARIANTS_RU,
)


@dataclass
class World:
    """All generated tables of one engagement (before formatting)."""

    spec: _Spec
    team: pd.DataFrame
    products: pd.DataFrame
    entities: pd.DataFrame
    clients: pd.DataFrame
    docs: pd.DataFrame
    lines: pd.DataFrame
    activities: pd.DataFrame
    payments: pd.DataFrame
    contacts: pd.DataFrame
    assessment: pd.DataFrame


def build_team(rng: np.random.Generator, spec: _Spec) -> pd.DataFrame:
    """Sales team: ``spec.team_size`` managers and key account managers (10 and 2 in the
    demos), and a head of sales; the KAMs and the head sit in the first region.

    Returns
    -------
    pandas.DataFrame
        Columns ``person, short, role, annual_cost, hours, region``.
    """
    ru = spec.language == "ru"
    m, k = spec.team_size
    n = m + k + 1
    if ru:
        ppl = _people(rng, n)
        names = [" ".join(p) for p in ppl]
        short = [_short_person(p) for p in ppl]
        regions = list(_REGIONS)
        roles = ["Менеджер по продажам"] * m + ["Ключевой менеджер"] * k \
            + ["Руководитель отдела продаж"]
        base = np.array([2_100_000] * m + [3_300_000] * k + [4_800_000])
    else:
        first = _choice(rng, _EN_FIRST, n)
        last = _choice(rng, _EN_LAST, n)
        names = [f"{a} {b}" for a, b in zip(first, last, strict=True)]
        names = [f"{x} {i}" if names.count(x) > 1 else x for i, x in enumerate(names)]
        short = names
        regions = list(_EN_REGIONS)
        roles = ["Account manager"] * m + ["Key account manager"] * k + ["Head of sales"]
        base = np.array([72_000] * m + [98_000] * k + [140_000])
    cost = np.round(base * rng.uniform(0.9, 1.15, n), -3)
    hours = rng.choice([1680, 1720, 1760, 1800], size=n)
    reg = [regions[i % min(len(regions), 10)] for i in range(m)] + [regions[0]] * (k + 1)
    return pd.DataFrame({"person": names, "short": short, "role": roles,
                         "annual_cost": cost, "hours": hours, "region": reg})


def build_products(rng: np.random.Generator, spec: _Spec, n: int = 300) -> pd.DataFrame:
    """About 300 SKUs with gross/net price, unit cost (margin 15–40%) and VAT rate.

    Prices are in minor units (kopecks / cents). ``weighable`` SKUs sell in 0.5 steps.
    """
    base: list[tuple[str, bool, float, int]]
    if spec.language == "ru":
        base = [(f"{nm} {v}", w, p, r) for nm, w, p, r in _PRODUCTS_RU for v in _VARIANTS_RU]
    else:
        base = [(f"{nm} {v}", False, 12 * p, 0) for nm, p in _PRODUCTS_EN
                for v in _VARIANTS_EN]
    idx = np.sort(rng.permutation(len(base))[:n])
    rows = [base[i] for i in idx]
    name = [r[0] for r in rows]
    weigh = np.array([r[1] for r in rows])
    price = np.array([r[2] for r in rows], float) * rng.lognormal(0, 0.35, n)
    rate = np.array([r[3] for r in rows])
    gross_k = np.round(price * 100).astype(np.int64)
    net_k = np.round(gross_k * 100 / (100 + rate)).astype(np.int64)
    margin = rng.uniform(0.15, 0.40, n)
    cost_k = np.round(net_k * (1 - margin)).astype(np.int64)
    pop = 1.0 / np.arange(1, n + 1) ** 0.8
    pop = pop[rng.permutation(n)]
    return pd.DataFrame({"sku": np.arange(n), "name": name, "weighable": weigh,
                         "gross_k": gross_k, "net_k": net_k, "vat_rate": rate,
                         "cost_k": cost_k, "margin": margin, "popularity": pop / pop.sum()})


def _plan_entities(rng: np.random.Generator, spec: _Spec, n_clients: int) -> pd.DataFrame:
    """Legal entities with their kind and number of catalogue records."""
    n_dup = max(3, round(spec.n_dup * n_clients))
    n_branch = round(spec.n_branch * n_clients)
    n_hold = len(spec.holding_shares) if spec.holding else 0
    n_ghost = 4 if spec.noise else 0
    dup_recs = rng.choice([2, 2, 3, 3, 4], size=n_dup)
    br_recs = rng.choice([2, 3, 3, 4, 5], size=n_branch)
    top_recs = [5 if n_branch else 1, 3, 1]
    used = int(dup_recs.sum() + br_recs.sum()) + n_hold + sum(top_recs)
    n_never = round(0.10 * n_clients)
    n_single = n_clients - used - n_never
    if n_single < 20:
        raise ValueError(f"n_clients={n_clients} is too small for this profile")
    kinds = (["top"] * 3 + ["dup"] * n_dup + ["branch"] * n_branch + ["holding"] * n_hold
             + ["single"] * n_single + ["never"] * n_never + ["ghost"] * n_ghost)
    nrec = (top_recs + dup_recs.tolist() + br_recs.tolist() + [1] * n_hold
            + [1] * n_single + [1] * n_never + [1] * n_ghost)
    ent = pd.DataFrame({"kind": kinds, "nrec": nrec})
    # top-1 is a chain with branches, top-2 is duplicated under 3 codes, top-3 is single
    ent["sub"] = ent["kind"]
    ent.loc[[0, 1, 2], "sub"] = ["branch" if n_branch else "single", "dup", "single"]
    return ent


def _swap_brand(ent: pd.DataFrame, i: int, brand: str) -> None:
    """Give entity ``i`` the brand ``brand``; its holder (if any) gets ``i``'s brand."""
    holder = ent.index[ent["brand"] == brand]
    if len(holder):
        ent.loc[holder, "brand"] = ent.loc[i, "brand"]
    ent.loc[i, "brand"] = brand


def build_entities(rng: np.random.Generator, spec: _Spec, n_clients: int) -> pd.DataFrame:
    """Legal entities: identity, region, segment, manager, activity pattern and revenue share.

    Returns
    -------
    pandas.DataFrame
        One row per legal entity (ghost entities are sold to but have no catalogue record).
    """
    ent = _plan_entities(rng, spec, n_clients)
    n = len(ent)
    ru = spec.language == "ru"
    regions = list(_REGIONS) if ru else list(_EN_REGIONS)
    rw = np.array([v[0] for v in _REGIONS.values()] if ru
                  else [v[1] for v in _EN_REGIONS.values()])
    ent["region"] = _choice(rng, regions, n, rw / rw.sum())
    # identity
    if ru:
        person = rng.random(n) < 0.25
        person[:3] = False
        person[(ent["kind"] == "holding").to_numpy()] = False
        person[(ent["sub"] == "branch").to_numpy()] = False
        ent["form"] = np.where(person, "ИП", _choice(
            rng, ["ООО", "АО", "ПАО", "ЗАО"], n, [0.84, 0.08, 0.02, 0.06]))
        ent.loc[2, "form"] = "ПАО"
        person[np.flatnonzero((ent["kind"] == "single").to_numpy())[:2]] = False  # key, VIP
        company = ~person
        # proper names go to the duplicated companies first: they make readable examples
        is_dup = (ent["sub"] == "dup").to_numpy()
        order = np.r_[np.flatnonzero(is_dup & company), np.flatnonzero(~is_dup & company)]
        ent["brand"] = ""
        ent.loc[order, "brand"] = _brands_ru(rng, len(order))
        dup_co = np.flatnonzero(is_dup & company & (ent["kind"] == "dup").to_numpy())
        if len(dup_co):
            _swap_brand(ent, int(dup_co[0]), "Ромашка")
        _swap_brand(ent, 0, "Магнолия")
        ppl = _people(rng, n)
        ent["person"] = [ppl[i] if person[i] else None for i in range(n)]
        hold = np.flatnonzero(ent["kind"] == "holding")
        for i, (f, b, r) in zip(hold, _HOLDING_NAMES, strict=False):
            ent.loc[i, ["form", "brand", "region"]] = [f, b, r]
        code = np.array([_REGIONS[r][1] for r in ent["region"]])
        ent["inn"] = _make_inns(rng, code, person)
        ent["ogrn"] = _make_ogrns(rng, code, person)
        ent["kpp"] = [None if p else f"{inn[:4]}01001" for p, inn in zip(person, ent["inn"],
                                                                            strict=True)]
        seg_p = np.where(person[:, None], [0.55, 0.35, 0.1, 0.0, 0.0],
                         [0.3, 0.2, 0.25, 0.12, 0.13])
        ent["segment"] = [_SEGMENTS[rng.choice(5, p=p)] for p in seg_p]
    else:
        person = np.zeros(n, bool)
        forms = _choice(rng, _EN_FORMS, n)
        ent["form"] = forms
        plain = [_EN_BRANDS[i] for i in rng.permutation(len(_EN_BRANDS))]
        more = [f"{b} {t}" for t in ("Foods", "Trading", "Supply", "Catering", "Retail")
                for b in _EN_BRANDS]
        pool = plain + [more[i] for i in rng.permutation(len(more))]
        order = np.r_[np.flatnonzero(ent["sub"] == "dup"), np.flatnonzero(ent["sub"] != "dup")]
        ent["brand"] = ""
        ent.loc[order, "brand"] = pool[:n]
        dup1 = np.flatnonzero(ent["kind"] == "dup")
        if len(dup1):
            acme = ent.index[ent["brand"] == "Acme"]
            ent.loc[acme, "brand"] = ent.loc[dup1[0], "brand"]
            ent.loc[dup1[0], ["brand", "form"]] = ["Acme", "Ltd"]
        ent["person"] = None
        cc = np.array([_EN_REGIONS[r][0] for r in ent["region"]])
        num = rng.integers(10**8, 10**9, size=n)
        ent["inn"] = _make_vat_ids(cc, num)
        ent["ogrn"] = None
        ent["kpp"] = None
        ent["segment"] = _choice(rng, _EN_SEGMENTS, n, [0.3, 0.2, 0.25, 0.12, 0.13])
    ent.loc[0, "segment"] = "Сети" if ru else "Chains"
    ent.loc[1, "segment"] = "Дистрибьютор" if ru else "Distributor"
    ent.loc[2, "segment"] = "Опт" if ru else "Wholesale"
    ent["person_flag"] = person
    _plan_activity(rng, spec, ent)
    _plan_revenue(rng, spec, ent)
    return ent


def _plan_activity(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame) -> None:
    """Status targets and ordering windows (day indices from the period start)."""
    n = len(ent)
    n_days = (spec.end - spec.start).days + 1
    buying = ent["kind"] != "never"
    # the special entities: key client and VIP (ranks 4 and 6 by revenue in the demos)
    singles = np.flatnonzero(ent["kind"] == "single")
    ent["role"] = ""
    ent.loc[[0, 1, 2], "role"] = ["top1", "top2", "top3"]
    planted = dict(spec.special_shares)
    special = [singles[j] for j, r in enumerate(("key", "vip")) if r in planted]
    for j, r in enumerate(("key", "vip")):
        if r in planted:
            ent.loc[singles[j], "role"] = r
            ent.loc[singles[j], "segment"] = "Сети" if spec.language == "ru" else "Chains"
    if "vip" in planted:
        ent.loc[singles[1], "brand"] = "Престиж-Маркет" if spec.language == "ru" \
            else "Prestige Foods"
    if spec.language == "ru" and special:
        ent.loc[special, "form"] = "ООО"
        ent.loc[special, "person"] = None
        ent.loc[special, "person_flag"] = False
    eligible = np.flatnonzero(buying & (ent["role"] == "") & (ent["kind"] != "ghost")
                              & (ent["kind"] != "holding"))
    eligible = eligible[rng.permutation(len(eligible))]
    n_buy = int(buying.sum())
    n_lost, n_dorm, n_new = round(0.15 * n_buy), round(0.08 * n_buy), round(0.05 * n_buy)
    status = np.array(["active"] * n, dtype=object)
    status[~buying.to_numpy()] = "never"
    status[eligible[:n_lost]] = "lost"
    status[eligible[n_lost:n_lost + n_dorm]] = "dormant"
    status[eligible[n_lost + n_dorm:n_lost + n_dorm + n_new]] = "new"
    ent["target"] = status
    a = np.zeros(n, int)
    b = np.full(n, n_days - 1)
    late_join = (rng.random(n) < 0.2) & (status == "active") & (ent["role"] == "").to_numpy()
    a[late_join] = rng.integers(0, max(1, n_days - 400), late_join.sum())
    lost = status == "lost"
    b[lost] = rng.integers(60, n_days - 380, lost.sum())
    dorm = status == "dormant"
    b[dorm] = n_days - 1 - rng.integers(200, 340, dorm.sum())
    new = status == "new"
    a[new] = n_days - 1 - rng.integers(25, 175, new.sum())
    ent["a"], ent["b"] = a, b


def _plan_revenue(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame) -> None:
    """Revenue shares (top-3 = 40%), lines per document, discounts, returns, payment habits."""
    n = len(ent)
    buying = (ent["target"] != "never").to_numpy()
    w = rng.lognormal(0, 1.5, n)
    w[~buying] = 0
    # revenue accrues while the client buys: scale by the length of its ordering window
    n_days = (spec.end - spec.start).days + 1
    w *= (ent["b"].to_numpy() - ent["a"].to_numpy() + 1) / n_days
    w[(ent["kind"] == "ghost").to_numpy()] = 0.02 * np.median(w[buying])
    role = ent["role"].to_numpy()
    fixed = {"top1": spec.top_shares[0], "top2": spec.top_shares[1],
             "top3": spec.top_shares[2], **dict(spec.special_shares)}
    # the holding's members are mid-sized; together they would rank in the top-10
    hs = spec.holding_shares
    for i, h in enumerate(np.flatnonzero((ent["kind"] == "holding").to_numpy())):
        fixed[f"hold{i}"] = hs[i % len(hs)]
        role = np.where(np.arange(n) == h, f"hold{i}", role)
    rest = ~np.isin(role, list(fixed))
    w[rest] = w[rest] / w[rest].sum() * (1 - sum(fixed.values()))
    for r, share in fixed.items():
        w[role == r] = share
    ent["share"] = w
    lpd = rng.uniform(2.5, 7.0, n)
    lpd[(ent["target"] == "dormant").to_numpy()] = 1.3
    lpd[role == "vip"] = 1.15
    ent["lpd"] = lpd
    disc = np.where(rng.random(n) < 0.4, 0.0, rng.uniform(0.02, 0.08, n))
    disc = np.where(rng.random(n) < 0.1, rng.uniform(0.08, 0.14, n), disc)
    disc[np.isin(role, ["top1", "top2", "top3", "key"])] = 0.06
    disc[role == "vip"] = 0.24
    ent["disc"] = disc
    ent["ret_rate"] = np.where(role == "vip", 0.12, rng.uniform(0.01, 0.035, n))
    ent["terms"] = _choice(rng, [0, 7, 14, 30, 45, 60], n, [0.15, 0.15, 0.2, 0.3, 0.1, 0.1])
    ent.loc[role == "vip", "terms"] = 30
    ent["delay"] = np.clip(rng.normal(2, 6, n), -5, 25)
    ent.loc[role == "vip", "delay"] = 58.0


def _assign_managers(rng: np.random.Generator, ent: pd.DataFrame, team: pd.DataFrame) -> None:
    """Main manager: a sales manager of the entity's region when there is one."""
    mgr = team[team["role"].str.contains("продажам|Account manager", regex=True)]
    by_region = {r: g["short"].tolist() for r, g in mgr.groupby("region", sort=True)}
    pool = mgr["short"].tolist()
    kams = team.loc[team["role"].str.contains("Ключевой|Key account"), "short"].tolist()
    pick = rng.random(len(ent))
    out = []
    for reg, u in zip(ent["region"], pick, strict=True):
        cands = by_region.get(reg, pool) if u < 0.8 else pool
        out.append(cands[int(u * 997) % len(cands)])
    ent["manager"] = out
    big = ent["role"].isin(["top1", "top2", "top3", "key", "vip"])
    ent.loc[big, "manager"] = [kams[i % len(kams)] for i in range(int(big.sum()))]


def build_clients(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame) -> pd.DataFrame:
    """Catalogue records: one per entity, several for duplicates and branches.

    Returns
    -------
    pandas.DataFrame
        ``code, eid, name, full_name, inn, kpp, ogrn, head, group, region, segment,
        manager, terms, created, created_text, deleted, inn_number, rec_weight, inn_case``.
    """
    ru = spec.language == "ru"
    rows: list[dict[str, Any]] = []
    n_days = (spec.end - spec.start).days + 1
    for e in ent.itertuples():
        if e.kind == "ghost":
            continue
        base = {"eid": e.Index, "inn": e.inn, "kpp": e.kpp, "ogrn": e.ogrn, "head": "",
                "group": "", "region": e.region, "segment": e.segment, "manager": e.manager,
                "terms": int(e.terms), "inn_case": ""}
        name, full = _base_names(e, ru, rng)
        rows.append({**base, "name": name, "full_name": full, "variant": 0})
        if e.sub == "dup":
            rows.extend(_dup_records(rng, e, base, name, ru))
        elif e.sub == "branch":
            rows.extend(_branch_records(rng, e, base, name, ru))
    cl = pd.DataFrame(rows)
    # created: before the entity's first order; duplicates were re-created later
    start = pd.Timestamp(spec.start)
    a = ent["a"].to_numpy()[cl["eid"]]
    old = rng.integers(0, 365 * 10, len(cl))
    created = np.where(a > 0, a - rng.integers(1, 40, len(cl)), -old - 1)
    later = cl["variant"].to_numpy() > 0
    created[later] = np.minimum(created[later] + rng.integers(30, 900, later.sum()), n_days - 30)
    never = (ent["kind"].to_numpy()[cl["eid"]] == "never")
    created[never] = rng.integers(-3650, n_days - 10, never.sum())
    cl["created"] = start + pd.to_timedelta(created, unit="D")
    cl = cl.sort_values(["created", "eid", "variant"], kind="stable").reset_index(drop=True)
    cl["code"] = [f"00-{i + 1:06d}" if ru else f"C{i + 1:05d}" for i in range(len(cl))]
    w = rng.uniform(0.3, 1.0, len(cl))
    cl["rec_weight"] = w
    cl["created_text"] = (rng.random(len(cl)) < 0.08) if ru else False
    _catalogue_noise(rng, spec, cl, ent)
    for col in ("inn", "kpp", "ogrn", "head", "group", "full_name"):
        cl[col] = cl[col].astype(object).where(cl[col].notna(), "").astype(str)
    return cl


def _base_names(e: Any, ru: bool, rng: np.random.Generator) -> tuple[str, str]:
    if not ru:
        return f"{e.brand} {e.form}", f"{e.brand} {_EN_LONG_FORM[e.form]}"
    if e.person is not None:
        full = " ".join(e.person)
        return f"ИП {full}", f"Индивидуальный предприниматель {full}"
    style = int(rng.integers(3))
    return _ru_name(e.form, e.brand, style), f'{_LONG_FORM[e.form]} "{e.brand}"'


def _dup_records(rng: np.random.Generator, e: Any, base: dict[str, Any], base_name: str,
                 ru: bool) -> list[dict[str, Any]]:
    """2–4 catalogue records of one entity under different spellings and INN quality."""
    case = str(rng.choice(["shared"] * 5 + ["missing"] * 3 + ["typo"])) \
        if ru else "shared"
    names: list[str] = []
    for k in rng.permutation(8).tolist():
        if ru:
            name = _ru_dup_variant(e.form, e.brand, e.person, k)
        else:
            dot = "" if e.form.endswith(".") else "."
            name = [f"{e.brand.upper()} {_EN_LONG_FORM[e.form]}", f"{e.brand} {e.form}{dot}",
                    f"{e.brand}  {e.form}", f"{e.brand} {e.form} ({e.region})",
                    f"{e.brand.lower()} {e.form.lower()}", f"{e.brand}-{e.form}",
                    f"{e.brand} {_EN_LONG_FORM[e.form]}", f"The {e.brand} {e.form}"][k]
        if name != base_name and name not in names:
            names.append(name)
    out = []
    for j, (k, name) in enumerate(enumerate(names[: e.nrec - 1])):
        rec = {**base, "name": name, "full_name": "" if j % 2 else name, "variant": j + 1}
        if j == 0 and case == "missing":
            rec["inn"], rec["kpp"], rec["inn_case"] = "", None, "missing"
        elif j == 0 and case == "typo":
            rec["inn"], rec["inn_case"] = _break_inn(e.inn, k) if ru else e.inn[:-1] + "X", \
                "typo"
        else:
            rec["inn_case"] = case
        out.append(rec)
    return out


def _branch_records(rng: np.random.Generator, e: Any, base: dict[str, Any], head: str,
                    ru: bool) -> list[dict[str, Any]]:
    """Branches: same INN, another KPP and region, the head's name in 'Головной контрагент'."""
    regions = [r for r in _REGIONS if r != e.region]
    picks = rng.permutation(len(regions))[: e.nrec - 1]
    out = []
    for j, p in enumerate(picks.tolist()):
        reg = regions[p]
        code = _REGIONS[reg][1]
        kpp = f"{code:02d}{rng.integers(1, 99):02d}43{j + 1:03d}"
        out.append({**base, "name": f"{e.brand} (филиал {reg})",
                    "full_name": f'{_LONG_FORM[e.form]} "{e.brand}" филиал {reg}',
                    "kpp": kpp, "head": head, "region": reg, "variant": j + 1,
                    "inn_case": "branch"})
    return out


def _catalogue_noise(rng: np.random.Generator, spec: _Spec, cl: pd.DataFrame,
                     ent: pd.DataFrame) -> None:
    """Deletion marks, empty and invalid INNs, INNs stored as numbers, holding 'Группа'."""
    n = len(cl)
    kind = ent["kind"].to_numpy()[cl["eid"]]
    role = ent["role"].to_numpy()[cl["eid"]]
    target = ent["target"].to_numpy()[cl["eid"]]
    cl["deleted"] = False
    cl["inn_number"] = False
    cl["inn_noise"] = ""
    if kind.size and (kind == "holding").any():
        hold = np.flatnonzero(kind == "holding")
        cl.loc[hold[[0, 1, 3]], "group"] = "Стройгарант"
    if not spec.noise:
        return
    plain = (kind == "single") & (role == "")
    cand_del = np.flatnonzero(((kind == "never") | (target == "lost")) | (
        (cl["variant"].to_numpy() > 0) & (kind == "dup")))
    dele = rng.choice(cand_del, size=min(len(cand_del), round(0.03 * n)), replace=False)
    cl.loc[dele, "deleted"] = True
    free = np.flatnonzero(plain | (kind == "never"))
    free = free[rng.permutation(len(free))]
    n_empty, n_bad, n_num = round(0.015 * n), round(0.008 * n), round(0.01 * n)
    empty = free[:n_empty]
    cl.loc[empty, ["inn", "inn_noise"]] = ["", "empty"]
    cl.loc[empty, "kpp"] = None
    bad = free[n_empty:n_empty + n_bad]
    cl.loc[bad, "inn"] = [_break_inn(x, i) for i, x in enumerate(cl.loc[bad, "inn"])]
    cl.loc[bad, "inn_noise"] = "invalid"
    has_inn = np.flatnonzero((cl["inn"].str.len() > 0).to_numpy() & (cl["inn_noise"] == "")
                             .to_numpy())
    zero = has_inn[cl["inn"].to_numpy()[has_inn].astype(str).astype("U1") == "0"]
    num = np.r_[rng.choice(zero, size=min(n_num // 3, len(zero)), replace=False),
                rng.choice(np.setdiff1d(has_inn, zero), size=n_num - min(n_num // 3, len(zero)),
                           replace=False)]
    cl.loc[num, "inn_number"] = True
