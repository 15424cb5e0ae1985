"""The other tables of a sample engagement: payments, activities, contacts, assessment."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .helpers import _people
from .spec import _Spec
from .words import _EN_FIRST, _EN_LAST


def build_payments(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                   docs: pd.DataFrame, lines: pd.DataFrame) -> pd.DataFrame:
    """One payment row per sales document: due date = date + terms, paid = due + delay."""
    d = docs[(~docs["is_return"]) & (docs["rec"] >= 0)].copy()
    amt = lines[~lines["is_return"]].groupby("doc")["gross_k"].sum()
    d["amount_k"] = amt.reindex(d.index).to_numpy()
    eid = d["eid"].to_numpy()
    due = d["date"] + pd.to_timedelta(ent["terms"].to_numpy()[eid], unit="D")
    delay = np.round(ent["delay"].to_numpy()[eid] + rng.normal(0, 5, len(d)))
    delay = np.where(ent["role"].to_numpy()[eid] == "vip",
                     ent["delay"].to_numpy()[eid] + rng.integers(-12, 30, len(d)), delay)
    paid = due + pd.to_timedelta(delay, unit="D")
    paid = paid.where(paid >= d["date"], d["date"])
    cutoff = pd.Timestamp(2026, 1, 15) if spec.profile == "ru_1c" else pd.Timestamp(2026, 1, 10)
    d["due"], d["paid"] = due, paid.where(paid <= cutoff)
    return d[["eid", "rec", "num", "date", "time", "due", "paid", "amount_k"]]


#: clients of the demo that stopped paying: invoices of 160–300 days before the period end
#: left unpaid (> 90 days past due at the end whatever the terms), for the cash ageing
UNPAID_CLIENTS = 4


def _plant_unpaid(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                  pays: pd.DataFrame) -> None:
    """A few mid-sized clients (revenue ranks 20–60, no planted role) whose invoices of
    160–300 days before the period end are still unpaid (in place; own random stream, so
    nothing else of the sample moves). ``ent['unpaid']`` marks them."""
    end = pd.Timestamp(spec.end)
    window = (pays["date"] >= end - pd.Timedelta(days=300)) & \
        (pays["date"] <= end - pd.Timedelta(days=160))
    rank = ent["share"].rank(ascending=False, method="first")
    ok = (ent["role"] == "") & (ent["kind"] != "ghost") & rank.between(20, 60)
    ok &= ent.index.isin(pays.loc[window, "eid"].unique())
    chosen = rng.choice(np.flatnonzero(ok.to_numpy()), size=min(UNPAID_CLIENTS, int(ok.sum())),
                        replace=False)
    ent["unpaid"] = False
    ent.loc[ent.index[chosen], "unpaid"] = True
    hit = window & pays["eid"].isin(ent.index[chosen])
    pays.loc[hit, "paid"] = pd.NaT


def build_activities(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                     docs: pd.DataFrame) -> pd.DataFrame:
    """Monthly cost-to-serve activities per catalogue record: deliveries, visits, calls, service.

    Returns
    -------
    pandas.DataFrame
        ``rec, eid, month (Timestamp of the month end), activity, qty, cost`` (cost in
        currency units = quantity × the engagement rate).
    """
    d = docs[(~docs["is_return"]) & (docs["rec"] >= 0)].copy()
    d["month"] = d["date"].dt.to_period("M").dt.to_timestamp(how="end").dt.normalize()
    g = d.groupby(["rec", "eid", "month"], sort=True).size().rename("docs").reset_index()
    role = ent["role"].to_numpy()[g["eid"].to_numpy()]
    share = ent["share"].to_numpy()[g["eid"].to_numpy()]
    vip = role == "vip"
    rates = spec.rates
    ru = spec.language == "ru"
    names = ("Доставка", "Визит", "Звонок", "Сервисный выезд") if ru else (
        "Delivery", "Visit", "Call", "Service hours")
    heavy = vip | (ent["heavy"].to_numpy()[g["eid"].to_numpy()] if "heavy" in ent
                   else False)   # the channels lesson's costly channel: extra deliveries
    deliv = g["docs"].to_numpy() + np.where(heavy, rng.poisson(0.4 * g["docs"].to_numpy()), 0)
    big = share > np.quantile(ent["share"], 0.9)
    visits = np.where(vip, rng.poisson(5, len(g)), np.where(big, rng.poisson(0.8, len(g)), 0))
    calls = rng.poisson(np.where(vip, 12, np.where(big, 3, 0.6)))
    service = np.where(vip, rng.poisson(9, len(g)), np.where(big, rng.poisson(0.15, len(g)), 0))
    parts = []
    for act, q, rate in ((names[0], deliv, rates["delivery"]), (names[1], visits, rates["visit"]),
                         (names[2], calls, 0.0),
                         (names[3], service, rates["service_hour"])):
        part = g[["rec", "eid", "month"]].copy()
        part["activity"], part["qty"] = act, q
        part["cost"] = q * rate
        parts.append(part[part["qty"] > 0])
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["month", "rec", "activity"], kind="stable").reset_index(drop=True)


def build_contacts(rng: np.random.Generator, spec: _Spec, ent: pd.DataFrame,
                   cl: pd.DataFrame) -> pd.DataFrame:
    """Contacts: 3–8 at large clients, exactly one at the key client, 0–2 elsewhere."""
    main = cl.sort_values(["eid", "variant"]).drop_duplicates("eid").set_index("eid")["code"]
    rank = ent["share"].rank(ascending=False, method="first").to_numpy()
    ru = spec.language == "ru"
    rows = []
    if ru:
        funcs = [("Генеральный директор", "Руководство", "ЛПР", "Высший"),
                 ("Коммерческий директор", "Коммерция", "ЛПР", "Высший"),
                 ("Директор по закупкам", "Закупки", "ЛПР", "Высший"),
                 ("Менеджер по закупкам", "Закупки", "Закупщик", "Средний"),
                 ("Категорийный менеджер", "Закупки", "Влияющий", "Средний"),
                 ("Финансовый директор", "Финансы", "Влияющий", "Высший"),
                 ("Главный бухгалтер", "Финансы", "Пользователь", "Средний"),
                 ("Заведующий складом", "Логистика", "Пользователь", "Исполнитель"),
                 ("Бренд-менеджер", "Маркетинг", "Влияющий", "Средний")]
    else:
        funcs = [("CEO", "Management", "Decision maker", "Executive"),
                 ("Purchasing director", "Purchasing", "Decision maker", "Executive"),
                 ("Buyer", "Purchasing", "Buyer", "Middle"),
                 ("Category manager", "Purchasing", "Influencer", "Middle"),
                 ("CFO", "Finance", "Influencer", "Executive"),
                 ("Accountant", "Finance", "User", "Staff"),
                 ("Warehouse manager", "Logistics", "User", "Staff")]
    n_ent = len(ent)
    k = np.where(rank <= max(40, n_ent // 30), rng.integers(3, 9, n_ent),
                 np.where(rng.random(n_ent) < 0.35, rng.integers(1, 3, n_ent), 0))
    k[(ent["role"] == "key").to_numpy()] = 1
    k[~np.isin(np.arange(n_ent), main.index)] = 0
    people = _people(rng, int(k.sum())) if ru else None
    pi = 0
    last_day = pd.Timestamp(spec.end)
    for e in np.flatnonzero(k):
        f_idx = rng.permutation(len(funcs))[: k[e]]
        if ent.loc[e, "role"] == "key":
            f_idx = np.array([3])
        for j in f_idx.tolist():
            if people is not None:
                person = " ".join(people[pi])
            else:
                person = f"{_EN_FIRST[rng.integers(len(_EN_FIRST))]} " \
                         f"{_EN_LAST[rng.integers(len(_EN_LAST))]}"
            pi += 1
            pos, func, role, level = funcs[j]
            rows.append({"code": main[e], "person": person, "position": pos, "role": role,
                         "function": func, "level": level, "owner": ent.loc[e, "manager"],
                         "last": last_day - pd.Timedelta(days=int(rng.integers(3, 400)))})
    return pd.DataFrame(rows)


def build_assessment(rng: np.random.Generator, ent: pd.DataFrame,
                     cl: pd.DataFrame, n_top: int = 60) -> pd.DataFrame:
    """Workshop scores 1–10 for the top clients, long format."""
    main = cl.sort_values(["eid", "variant"]).drop_duplicates("eid").set_index("eid")["code"]
    top = [e for e in ent["share"].sort_values(ascending=False, kind="stable").index
           if e in main.index][:n_top]
    crit = ("strategic_fit", "reference_value", "potential", "relationship_stage")
    rows = []
    for e in top:
        base = 8 if ent.loc[e, "role"] in ("key", "top1", "top2", "top3") else 5
        for c in crit:
            s = int(np.clip(base + rng.integers(-3, 3), 1, 10))
            rows.append({"code": main[e], "criterion": c, "score": s})
    return pd.DataFrame(rows)
