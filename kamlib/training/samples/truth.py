"""The truth of a sample engagement: what was planted and the figures an audit must find."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .spec import _LESSONS
from .truth_org import channels_figures, org_markdown, teams_figures, workshop_figures
from .world import World
from .writers_ru import _ghost_names


def _entity_key(w: World) -> pd.Series:
    """Entity → its main catalogue code (head record / first created)."""
    cl = w.clients
    return cl.sort_values(["eid", "variant"]).drop_duplicates("eid").set_index("eid")["code"]


def _statuses(w: World, accepted: pd.DataFrame) -> pd.Series:
    """Activity status per entity, measured on the generated sales (METHODS.md §1)."""
    end = pd.Timestamp(w.spec.end)
    sales = accepted[~accepted["is_return"]]
    od = sales[["eid", "date"]].drop_duplicates().sort_values(["eid", "date"])
    gap = od.groupby("eid")["date"].diff().dt.days
    med = gap.groupby(od["eid"]).median()
    first = od.groupby("eid")["date"].min()
    last = od.groupby("eid")["date"].max()
    silent = (end - last).dt.days
    lost = last <= end - pd.DateOffset(months=12)
    new = first > end - pd.DateOffset(months=6)
    dormant = ~lost & ~new & (silent > 3 * med.reindex(last.index)) & (silent > 90)
    st = pd.Series("active", index=last.index, dtype=object)
    st[dormant] = "dormant"
    st[new] = "new"
    st[lost] = "lost"
    return st


def build_truth(w: World, meta: dict[str, Any], seed: int) -> dict[str, Any]:
    """The machine-readable answer key: every planted trap with its measured figures."""
    spec, ent, cl, ln, d = w.spec, w.entities, w.clients, w.lines, w.docs
    key = _entity_key(w)
    noise = set(meta["noise_lines"])
    acc_mask = ~np.isin(np.arange(len(ln)), list(noise))
    acc = ln[acc_mask].copy()
    acc["date"] = d["date"].to_numpy()[acc["doc"].to_numpy()]
    acc["rec"] = d["rec"].to_numpy()[acc["doc"].to_numpy()]
    sign = np.where(acc["is_return"], -1, 1)
    acc["net"] = acc["net_k"] * sign
    acc["cogs"] = acc["cogs_k"] * sign
    total = int(acc["net"].sum())
    by_ent = acc.groupby("eid")["net"].sum().sort_values(ascending=False, kind="stable")
    top3 = by_ent.head(3)
    by_rec = acc[acc["rec"] >= 0].groupby("rec")["net"].sum().sort_values(ascending=False)

    def codes(e: int) -> list[str]:
        return [str(c) for c in cl.loc[cl["eid"] == e, "code"].tolist()]

    def money(k: float) -> float:
        return round(float(k) / 100, 2)

    st = _statuses(w, acc)
    never_codes = sorted(set(cl["code"]) - set(cl["code"].to_numpy()[acc["rec"][acc["rec"] >= 0]
                                                                      .unique()]))
    status_codes = {s: sorted(key.reindex(st.index[st == s]).dropna().tolist())
                    for s in ("lost", "dormant", "new", "active")}
    vip_e = int(ent.index[ent["role"] == "vip"][0]) if (ent["role"] == "vip").any() else None
    key_e = int(ent.index[ent["role"] == "key"][0]) if (ent["role"] == "key").any() else None
    dup_groups = []
    for e in ent.index[ent["sub"] == "dup"]:
        g = cl[cl["eid"] == e]
        dup_groups.append({"codes": g["code"].tolist(), "names": g["name"].tolist(),
                           "inns": g["inn"].tolist(),
                           "inn_case": next((x for x in g["inn_case"] if x), "shared")})
    br_groups = []
    for e in ent.index[ent["sub"] == "branch"]:
        g = cl[cl["eid"] == e]
        br_groups.append({"head_code": key[e], "codes": g["code"].tolist(),
                          "inn": ent.loc[e, "inn"], "kpps": g["kpp"].tolist(),
                          "names": g["name"].tolist()})
    hold = cl[ent["kind"].to_numpy()[cl["eid"]] == "holding"]
    truth: dict[str, Any] = {
        "profile": spec.profile, "seed": seed, "currency": spec.currency,
        "period": {"start": spec.start.isoformat(), "end": spec.end.isoformat()},
        "sizes": {"catalogue_records": len(cl), "legal_entities": int((ent["kind"] != "ghost")
                                                                      .sum()),
                  "sales_lines": len(ln), "sales_lines_accepted": int(acc_mask.sum()),
                  "return_lines": int(ln["is_return"].sum()), "documents": len(d)},
        "totals": {"net_revenue": money(total), "cogs": money(acc["cogs"].sum()),
                   "gross_margin": money(total - acc["cogs"].sum())},
        "duplicates": {"entities": len(dup_groups),
                       "records": int(sum(len(g["codes"]) for g in dup_groups)),
                       "groups": dup_groups},
        "branches": {"entities": len(br_groups),
                     "records": int(sum(len(g["codes"]) for g in br_groups)),
                     "groups": br_groups},
        "holding": ({"brand": "Стройгарант", "codes": hold["code"].tolist(),
                     "names": hold["name"].tolist(), "inns": hold["inn"].tolist(),
                     "group_filled": hold.loc[hold["group"] != "", "code"].tolist(),
                     "net_revenue": money(by_ent.reindex(hold["eid"]).sum())}
                    if len(hold) else None),
        "activity": {"rule": "entity level (duplicates and branches merged); lost: no order in "
                     "the last 12 months; new: first order in the last 6 months; dormant: "
                     "silent > 3 x own median gap and > 90 days",
                     "buying_entities": len(st),
                     "counts": {s: len(v) for s, v in status_codes.items()},
                     "shares": {s: round(len(v) / max(len(st), 1), 4)
                                for s, v in status_codes.items()},
                     "never_bought_records": len(never_codes),
                     "never_bought_share": round(len(never_codes) / len(cl), 4),
                     **{s: v for s, v in status_codes.items() if s != "active"},
                     "never_bought": never_codes},
        "concentration": {
            "top3_entities": [{"code": key.get(e, ""), "codes": codes(e),
                               "net_revenue": money(v)} for e, v in top3.items()],
            "top3_share": round(float(top3.sum() / total), 4),
            "top3_share_by_record_naive": round(float(by_rec.head(3).sum() / total), 4)},
        "vip": _vip_truth(w, acc, vip_e, key, by_ent, total) if vip_e is not None else None,
        "key_client_one_contact": {
            "code": key[key_e], "name": cl.loc[cl["code"] == key[key_e], "name"].iat[0],
            "revenue_rank": int(list(by_ent.index).index(key_e)) + 1,
            "net_revenue": money(by_ent[key_e]),
            "contacts": int((w.contacts["code"] == key[key_e]).sum()),
            "other_top20_contacts": sorted({int((w.contacts["code"] == key.get(e)).sum())
                                            for e in by_ent.index[:20] if e != key_e
                                            and e in key.index})}
        if key_e is not None else None,
        "data_quality": _dq_truth(w, meta),
        "files": meta["files"],
    }
    if "unpaid" in ent.columns:   # the demo's clients that stopped paying (cash ageing)
        unpaid = w.payments[w.payments["eid"].isin(ent.index[ent["unpaid"]])
                            & w.payments["paid"].isna()
                            & (w.payments["date"] <= pd.Timestamp(spec.end)
                               - pd.Timedelta(days=160))]
        truth["cash"] = {
            "rule": "invoices of 160-300 days before the period end left unpaid: more than 90 "
                    "days past due at the end whatever the terms",
            "unpaid_codes": sorted(key[e] for e in ent.index[ent["unpaid"]]),
            "unpaid_invoices": len(unpaid),
            "unpaid_amount": money(unpaid["amount_k"].sum())}
    if spec.lesson:
        truth = {"lesson": _lesson_truth(w, truth, acc, by_ent, key, total), **truth}
    return truth


def _lesson_truth(w: World, truth: dict[str, Any], acc: pd.DataFrame, by_ent: pd.Series,
                  key: pd.Series, total: int) -> dict[str, Any]:
    """The training lesson: its story, the expected finding and the generator's figures."""
    spec, ent = w.spec, w.entities
    les = _LESSONS[spec.lesson]
    figures: dict[str, Any]
    if les.name == "vip":
        v = truth["vip"]
        figures = {k: v[k] for k in ("code", "name", "revenue_rank", "net_revenue", "share",
                                     "discount_share_of_list", "return_line_share",
                                     "avg_payment_delay_days", "gross_margin", "cost_to_serve",
                                     "receivables_cost", "contribution")}
    elif les.name == "top3":
        c = truth["concentration"]
        figures = {"top3_share": c["top3_share"],
                   "top3_share_by_record_naive": c["top3_share_by_record_naive"],
                   "top3_codes": [x["code"] for x in c["top3_entities"]]}
    elif les.name == "holding":
        figures = _holding_figures(w, by_ent, total)
    elif les.name == "single_contact":
        k = truth["key_client_one_contact"]
        figures = {x: k[x] for x in ("code", "name", "revenue_rank", "net_revenue", "contacts")}
    elif les.name == "capstone":
        figures = {**_capstone_figures(w, truth, by_ent, total),
                   "workshop": workshop_figures(w, "capstone", by_ent, key)}
    elif les.name == "channels":
        figures = channels_figures(w, truth, acc, by_ent, key, total)
    elif les.name == "teams":
        figures = teams_figures(w)
    else:
        roles = w.team["role"].value_counts()
        figures = {"team_kams": int(roles.get("Ключевой менеджер", 0)),
                   "team_sales_managers": int(roles.get("Менеджер по продажам", 0)),
                   "kam_owned_clients": key.reindex(ent.index[ent["manager"].isin(
                       w.team.loc[w.team["role"] == "Ключевой менеджер", "short"])]).dropna()
                   .sort_values().tolist()}
    return {"name": les.name, "title": les.title, "story": les.story, "finding": les.finding,
            "figures": figures}


def _holding_figures(w: World, by_ent: pd.Series, total: int) -> dict[str, Any]:
    """The holding's members, how 1C links them, and the group's revenue and rank."""
    ent, cl = w.entities, w.clients
    members = ent.index[ent["kind"] == "holding"]
    group = by_ent.copy()
    group = pd.concat([group.drop(members), pd.Series({-1: group.reindex(members).sum()})])
    group = group.sort_values(ascending=False, kind="stable")
    ranks = [int(list(by_ent.index).index(e)) + 1 for e in members]
    hold = cl[cl["eid"].isin(members)].sort_values("eid")
    return {"group": "Стройгарант", "entities": len(members),
            "codes": hold["code"].tolist(),
            "group_filled": hold.loc[hold["group"] != "", "code"].tolist(),
            "head_filled": hold.loc[hold["head"] != "", "code"].tolist(),
            "net_revenue": round(float(group[-1]) / 100, 2),
            "share": round(float(group[-1] / total), 4),
            "group_rank": int(list(group.index).index(-1)) + 1,
            "entity_revenue_ranks": ranks}


def _capstone_figures(w: World, truth: dict[str, Any], by_ent: pd.Series,
                      total: int) -> dict[str, Any]:
    """The capstone's traps, each with the figures of its own lesson: the concentration, the
    loss-making VIP, the key account with one contact, the holding, the unpaid clients."""
    c, v, k, cash = (truth["concentration"], truth["vip"], truth["key_client_one_contact"],
                     truth["cash"])
    return {
        "top3_share": c["top3_share"],
        "top3_share_by_record_naive": c["top3_share_by_record_naive"],
        "top3_codes": [x["code"] for x in c["top3_entities"]],
        "vip": {x: v[x] for x in ("code", "name", "revenue_rank", "net_revenue", "share",
                                  "discount_share_of_list", "avg_payment_delay_days",
                                  "gross_margin", "cost_to_serve", "receivables_cost",
                                  "contribution")},
        "single_contact": {x: k[x] for x in ("code", "name", "revenue_rank", "net_revenue",
                                             "contacts")},
        "holding": _holding_figures(w, by_ent, total),
        "unpaid": {x: cash[x] for x in ("unpaid_codes", "unpaid_invoices", "unpaid_amount")},
    }


def _vip_truth(w: World, acc: pd.DataFrame, e: int, key: pd.Series, by_ent: pd.Series,
               total: int) -> dict[str, Any]:
    """The VIP's pocket-margin waterfall with the engagement.yaml rates."""
    r = w.spec.rates
    a = acc[acc["eid"] == e]
    d = w.docs[(w.docs["eid"] == e)]
    net = a["net"].sum() / 100
    cogs = a["cogs"].sum() / 100
    orders = int((~d["is_return"]).sum())
    lines = int((~a["is_return"]).sum())
    ret_lines = int(a["is_return"].sum())
    act = w.activities[w.activities["eid"] == e].groupby("activity")["qty"].sum()
    names = ("Доставка", "Визит", "Сервисный выезд") if w.spec.language == "ru" else (
        "Delivery", "Visit", "Service hours")
    deliv, visits, hours = (int(act.get(n, 0)) for n in names)
    p = w.payments[w.payments["eid"] == e]
    paid = p.dropna(subset=["paid"])
    delay = float(((paid["paid"] - paid["due"]).dt.days).mean())
    dso = float(((paid["paid"] - paid["date"]).dt.days * paid["amount_k"]).sum()
                / paid["amount_k"].sum())
    cts = (orders * r["order"] + lines * r["line"] + deliv * r["delivery"]
           + ret_lines * r["return"] + visits * r["visit"] + hours * r["service_hour"])
    recv = net * dso / 365 * 0.16
    gross = (a.loc[~a["is_return"], "list_k"].sum()) / 100
    disc = a.loc[~a["is_return"], "disc_k"].sum() / 100
    return {"code": key[e], "name": w.clients.loc[w.clients["code"] == key[e], "name"].iat[0],
            "revenue_rank": int(list(by_ent.index).index(e)) + 1,
            "net_revenue": round(net, 2), "share": round(net * 100 / total, 4),
            "discount_share_of_list": round(disc / gross, 4) if gross else 0.0,
            "orders": orders, "sales_lines": lines, "avg_order_net": round(net / orders, 2),
            "return_lines": ret_lines, "return_line_share": round(ret_lines / lines, 4),
            "deliveries": deliv, "visits": visits, "service_hours": hours,
            "gross_margin": round(net - cogs, 2),
            "gross_margin_pct": round((net - cogs) / net, 4),
            "cost_to_serve": round(cts, 2), "avg_payment_delay_days": round(delay, 1),
            "dso_days": round(dso, 1), "receivables_cost": round(recv, 2),
            "contribution": round(net - cogs - cts - recv, 2),
            "rates_used": r}


def _dq_truth(w: World, meta: dict[str, Any]) -> dict[str, Any]:
    cl, ent = w.clients, w.entities
    if not w.spec.noise:
        return {"noise": False, "rejected_lines": [], "unknown_clients": []}
    ghost = _ghost_names(ent)
    acc = w.lines
    unk = []
    for e, nm in ghost.items():
        a = acc[acc["eid"] == e]
        net = (a["net_k"] * np.where(a["is_return"], -1, 1)).sum()
        unk.append({"name": nm, "lines": len(a), "net_revenue": round(net / 100, 2)})
    invalid_all = cl.loc[cl["inn_noise"] == "invalid", "code"].tolist() + \
        cl.loc[cl["inn_case"].eq("typo") & (cl["variant"] > 0) & ~cl["inn"].eq(
            ent["inn"].to_numpy()[cl["eid"]]), "code"].tolist()
    return {
        "noise": True,
        "deleted_codes": cl.loc[cl["deleted"], "code"].tolist(),
        "empty_inn_codes": cl.loc[cl["inn"] == "", "code"].tolist(),
        "invalid_inn_codes": sorted(invalid_all),
        "inn_written_as_number_codes": cl.loc[cl["inn_number"], "code"].tolist(),
        "created_as_text": int(cl["created_text"].sum()),
        "rejected_lines": meta["rejected"],
        "unknown_clients": unk,
    }


def _lesson_markdown(t: dict[str, Any]) -> list[str]:
    """The head of a training case's TRUTH.md: the lesson, the finding, the figures."""
    les, f, cur = t["lesson"], t["lesson"]["figures"], t["currency"]
    absent = {"vip": "no loss-making VIP", "single_contact": "no single-contact key client",
              "holding": "no holding", "top3": "top-3 well under 40%",
              "overstaffed": "as many KAMs in the team as step 4 recommends"}
    planted = {"capstone": ("vip", "single_contact", "holding", "top3"),
               "channels": ("vip",)}.get(les["name"], (les["name"],))
    others = [v for k, v in absent.items() if k not in planted] + ["no data-quality noise"]
    out = [f"# Training case `training_{les['name']}` — {les['title']}", "",
           f"Generated by `python -m kamlib.training.samples OUT --lesson {les['name']} --seed "
           f"{t['seed']}`; machine-readable figures in `truth.json`. "
           + ("Several traps are planted at once (concentration, the loss-making VIP, the key "
              "account with one contact, the holding, clients that stopped paying); otherwise as "
              "the other cases: "
              if les["name"] == "capstone" else
              "One lesson is planted; the other traps of the demo samples are absent (")
           + f"{', '.join(others)}{'' if les['name'] == 'capstone' else ')'}. "
           "Duplicates and branches are there, as in any client base.", "",
           "## The lesson", "", les["story"], "",
           "## What the audit must find", "", les["finding"], ""]
    if les["name"] == "vip":
        out += [f"- {f['code']} `{f['name']}`: revenue rank {f['revenue_rank']}, "
                f"{f['net_revenue']:,.2f} {cur} ({f['share']:.1%} of revenue)",
                f"- discounts {f['discount_share_of_list']:.0%} of list, returns on "
                f"{f['return_line_share']:.0%} of lines, pays {f['avg_payment_delay_days']:.0f}"
                " days late on average",
                f"- gross margin {f['gross_margin']:,.2f}, cost-to-serve "
                f"{f['cost_to_serve']:,.2f}, receivables {f['receivables_cost']:,.2f} → "
                f"contribution **{f['contribution']:,.2f} {cur}**"]
    elif les["name"] == "top3":
        out += [f"- top-3 entities: **{f['top3_share']:.1%}** of net revenue "
                f"({', '.join(f['top3_codes'])}); counted per catalogue record, before the "
                f"merge, it looks like {f['top3_share_by_record_naive']:.1%}"]
    elif les["name"] == "holding":
        out += [f"- group `{f['group']}`: {f['entities']} legal entities, "
                f"{f['net_revenue']:,.2f} {cur} (**{f['share']:.1%}** of revenue), rank "
                f"**{f['group_rank']}** among the customers once grouped",
                f"- its entities alone rank {min(f['entity_revenue_ranks'])}–"
                f"{max(f['entity_revenue_ranks'])} by revenue",
                f"- linked by «Группа» ({', '.join(f['group_filled'])}) and by «Головной "
                f"контрагент» ({', '.join(f['head_filled'])})"]
    elif les["name"] == "single_contact":
        out += [f"- {f['code']} `{f['name']}`: revenue rank {f['revenue_rank']}, "
                f"{f['net_revenue']:,.2f} {cur}, **{f['contacts']}** contact"]
    elif les["name"] == "capstone":
        v, k, h, u = f["vip"], f["single_contact"], f["holding"], f["unpaid"]
        out += [f"- top-3 entities: **{f['top3_share']:.1%}** of net revenue "
                f"({', '.join(f['top3_codes'])}); per catalogue record "
                f"{f['top3_share_by_record_naive']:.1%}",
                f"- the VIP {v['code']} `{v['name']}`: revenue rank {v['revenue_rank']}, "
                f"{v['net_revenue']:,.2f} {cur}, discounts {v['discount_share_of_list']:.0%} "
                f"of list, pays {v['avg_payment_delay_days']:.0f} days late → contribution "
                f"**{v['contribution']:,.2f} {cur}**",
                f"- the key account {k['code']} `{k['name']}`: revenue rank "
                f"{k['revenue_rank']}, **{k['contacts']}** contact",
                f"- group `{h['group']}`: {h['entities']} legal entities, "
                f"{h['net_revenue']:,.2f} {cur} ({h['share']:.1%}), rank **{h['group_rank']}** "
                f"once grouped (its entities alone {min(h['entity_revenue_ranks'])}–"
                f"{max(h['entity_revenue_ranks'])})",
                f"- {len(u['unpaid_codes'])} clients stopped paying: {u['unpaid_invoices']} "
                f"invoices, {u['unpaid_amount']:,.2f} {cur} more than 90 days overdue",
                *org_markdown("capstone", f["workshop"], cur)]
    elif les["name"] in ("channels", "teams"):
        out += org_markdown(les["name"], f, cur)
    else:
        out += [f"- the team table (`Команда.xlsx`) lists **{f['team_kams']}** key account "
                f"managers and {f['team_sales_managers']} sales managers; the KAMs own "
                f"{len(f['kam_owned_clients'])} of the largest clients"]
    return [*out, "", "## The whole answer key", ""]


def truth_markdown(t: dict[str, Any]) -> str:
    """Human-readable TRUTH.md: what the audit must find."""
    cur = t["currency"]
    v = t["vip"]
    c = t["concentration"]
    a = t["activity"]
    k = t["key_client_one_contact"]
    lines = [
        f"# Answer key — sample `{t['profile']}` (seed {t['seed']})", "",
        "Generated by `python -m kamlib.training.samples`; machine-readable figures in "
        "`truth.json`.",
    ] if "lesson" not in t else _lesson_markdown(t)
    lines += [
        f"Period {t['period']['start']} … {t['period']['end']}; "
        f"{t['sizes']['catalogue_records']} catalogue records, "
        f"{t['sizes']['sales_lines']} sales lines ({t['sizes']['return_lines']} return lines), "
        f"net revenue {t['totals']['net_revenue']:,.2f} {cur} (accepted lines).", "",
        "## 1. Duplicate clients",
        f"{t['duplicates']['entities']} legal entities appear as "
        f"{t['duplicates']['records']} catalogue records under different spellings "
        + ("(quotes, legal form before/after, long form, Latin transliteration, Latin "
           "look-alike letters, ё/е, double spaces, upper case). INN: shared, missing in one "
           "record, or a typo (invalid checksum) in one record."
           if t["currency"] == "RUB" else
           "(case, long/short legal form, trailing dot, double space, a country suffix, "
           "'The …'); all records of an entity share its tax ID.")
        + " Sales are spread across the codes. Examples:", ""]
    for g in t["duplicates"]["groups"][:5]:
        lines.append(f"- {', '.join(g['codes'])}: " + " / ".join(f"`{n}`" for n in g["names"])
                     + f" (tax ID {g['inn_case']})")
    lines += [""]
    if t["branches"]["entities"]:
        lines += ["## 2. Branches",
                  f"{t['branches']['entities']} legal entities have "
                  f"{t['branches']['records']} records sharing one INN with different KPP; "
                  "branch records carry the head's name in «Головной контрагент». Example:", ""]
        g = t["branches"]["groups"][0]
        lines += [f"- INN {g['inn']}: " + ", ".join(f"{c} `{n}` (КПП {p})" for c, n, p in
                                                    zip(g["codes"], g["names"], g["kpps"],
                                                        strict=True)), ""]
    if t["holding"]:
        h = t["holding"]
        linked = f"«Группа» filled only for {', '.join(h['group_filled'])}"
        if "lesson" in t and t["lesson"]["figures"].get("head_filled"):
            linked = (f"«Группа» filled for {', '.join(h['group_filled'])}; «Головной "
                      f"контрагент» names the trading house for "
                      f"{', '.join(t['lesson']['figures']['head_filled'])}")
        lines += ["## 3. Holding", f"Brand `{h['brand']}`: {len(h['codes'])} legal entities "
                  "with different INNs: " + ", ".join(f"{c} `{n}`" for c, n in
                                                       zip(h["codes"], h["names"], strict=True))
                  + f". {linked}. Group net revenue {h['net_revenue']:,.2f} {cur}.", ""]
    lines += ["## 4. Activity status (entity level)", a["rule"] + ".", "",
              f"- buying entities: {a['buying_entities']}"]
    lines += [f"- {s}: {n} ({a['shares'][s]:.1%})" for s, n in a["counts"].items()]
    lines += [f"- catalogue records that never bought: {a['never_bought_records']} "
              f"({a['never_bought_share']:.1%})", "",
              "## 5. The loss-making VIP"]
    if v is None:
        lines += ["None planted.", ""]
    else:
        lines += [
              f"{v['code']} `{v['name']}`: revenue rank {v['revenue_rank']}, net revenue "
              f"{v['net_revenue']:,.2f} {cur} ({v['share']:.1%}). Discounts "
              f"{v['discount_share_of_list']:.0%} of list, {v['orders']} small orders (avg "
              f"{v['avg_order_net']:,.0f} {cur}), {v['deliveries']} deliveries, "
              f"{v['visits']} visits, {v['service_hours']} service hours, returns on "
              f"{v['return_line_share']:.0%} of lines, pays {v['avg_payment_delay_days']:.0f} "
              f"days late on average (DSO {v['dso_days']:.0f}). Gross margin "
              f"{v['gross_margin']:,.2f} ({v['gross_margin_pct']:.1%}), cost-to-serve "
              f"{v['cost_to_serve']:,.2f}, receivables {v['receivables_cost']:,.2f} → "
              f"contribution **{v['contribution']:,.2f} {cur}** (rates of engagement.yaml: "
              f"{v['rates_used']}).", ""]
    lines += ["## 6. Concentration",
              f"Top-3 entities hold **{c['top3_share']:.1%}** of net revenue "
              f"(naive top-3 catalogue records: {c['top3_share_by_record_naive']:.1%}):", ""]
    lines += [f"- {x['code']} (codes {', '.join(x['codes'])}): {x['net_revenue']:,.2f} {cur}"
              for x in c["top3_entities"]]
    lines += ["", "## 7. Key client with a single contact"]
    lines += ["None planted.", ""] if k is None else [
        f"{k['code']} `{k['name']}` (revenue rank {k['revenue_rank']}) has "
        f"{k['contacts']} contact; other top-20 clients have "
        f"{min(k['other_top20_contacts'])}–{max(k['other_top20_contacts'])}.", ""]
    dq = t["data_quality"]
    lines += ["## 8. Data quality"]
    if not dq["noise"]:
        lines += ["None planted: this sample is clean.", ""]
    else:
        lines += [f"- deletion mark «Да»: {len(dq['deleted_codes'])} records",
                  f"- empty INN: {len(dq['empty_inn_codes'])} records",
                  f"- invalid INN checksum: {len(dq['invalid_inn_codes'])} records",
                  f"- INN written as a number: {len(dq['inn_written_as_number_codes'])} "
                  "(leading zeros lost for region 02)",
                  f"- «Дата создания» as text: {dq['created_as_text']} records",
                  "- sales lines that ingestion must reject:", ""]
        lines += [f"  - {r['file']} line {r['line']}: {r['kind']} `{r['value']}` "
                  f"(amount {r['amount_gross']})" for r in dq["rejected_lines"]]
        lines += ["", "- sales to clients missing from the catalogue (empty code):", ""]
        lines += [f"  - `{u['name']}`: {u['lines']} lines, {u['net_revenue']:,.2f} {cur}"
                  for u in dq["unknown_clients"]]
        lines += [""]
    if t.get("cash"):   # the demo's clients that stopped paying (step 2's cash ageing)
        cash = t["cash"]
        lines += ["## Cash: clients that stopped paying", "",
                  f"{len(cash['unpaid_codes'])} clients ({', '.join(cash['unpaid_codes'])}) "
                  f"left {cash['unpaid_invoices']} invoices of 160–300 days before the period "
                  f"end unpaid: {cash['unpaid_amount']:,.2f} {cur} more than 90 days overdue "
                  "at the end (step 2's ageing must show them in the > 90 days bucket).", ""]
    return "\n".join(lines) + "\n"
