"""Step 3 of the audit: which clients are key, what they look like, how safe they are.

"VIP clients are not key clients." Two-stage selection (METHODS.md §3): a data-driven long
list (the top of the contribution, revenue and growth rankings, capped at a share of the
active entities), then the scoring of the long list on attractiveness and relative strength
(McDonald & Woodburn 2007) with data and workshop criteria; the portfolio matrix; the key
clients (attractive, earning their cost-to-serve, at most the guidance's number); how stable
that choice is when the weights move; the key clients' portrait and look-alikes; the safety
of each relationship (contact coverage); key-account CLV (Gupta & Lehmann 2003).

Modules: :mod:`.scoring`, :mod:`.assessment` (the workshop sheet round trip),
:mod:`.relationship` (contacts), :mod:`.portrait` (profile, look-alikes, CLV).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import SelectionParams
from ..criteria import CRITERIA, judged_criteria
from ..errors import ConfigError
from ..i18n import Formatter, load_strings, say
from ..steps import StepResult, artefact_path, open_step, step
from ..summaries import write_summary
from ..units import money, reason
from .scoring import (
    QUADRANTS,
    axis_scores,
    criterion_scores,
    decide,
    fill_conservative,
    missing_judged,
    quadrant,
    stability,
    value_at_stake,
)

if TYPE_CHECKING:
    from ..engagement import Engagement

__all__ = ["QUADRANTS", "TREATMENTS", "long_list", "reason_in", "reason_out", "run_selection",
           "strategic_treatment"]

#: what a Strategic-quadrant client that is not key gets, by the decision that kept it out
TREATMENTS = {"negative_contribution": "treat_reprice", "usp_gate": "treat_standard_terms",
              "below_threshold": "treat_standard_terms", "to_assess": "treat_assess_first",
              "cap_reached": "treat_next_in_line"}


def long_list(features: pd.DataFrame, *, active: pd.Series, share: float) -> pd.Index:
    """The candidates: the top of the contribution, revenue and growth rankings, taken in
    turn, among active entities, capped at ``share`` of them."""
    act = features[active.reindex(features.index).fillna(False)]
    cap = max(1, math.ceil(share * len(act)))
    rankings = [act["contribution"].sort_values(ascending=False).index,
                act["net_revenue"].sort_values(ascending=False).index]
    if "revenue_growth_abs" in act.columns:
        g = act["revenue_growth_abs"]
        rankings.append(g[g > 0].sort_values(ascending=False).index)
    chosen: list[str] = []
    seen: set[str] = set()
    for i in range(len(act)):
        for r in rankings:
            if i < len(r) and r[i] not in seen:
                chosen.append(r[i])
                seen.add(r[i])
            if len(chosen) >= cap:
                return pd.Index(chosen, name="entity_id")
    return pd.Index(chosen, name="entity_id")


def reason_in(row: pd.Series, names: list[str], *, threshold: float | None = None,
              cap: int | None = None, currency: str | None = None) -> dict[str, Any]:
    """Why a key client is key: the decision's own figures, as a reason code
    (:mod:`kamlib.units`): its attractiveness against the threshold, its rank against the
    cap, its contribution (≥ 0, the first gate) and its three best criterion scores."""
    top = sorted(((row[f"score_{n}"], n) for n in names if pd.notna(row.get(f"score_{n}"))),
                 reverse=True)[:3]
    args: dict[str, Any] = {
        "attractiveness": round(float(row["attractiveness"]), 2),
        "rank": int(row["rank"]) if pd.notna(row.get("rank")) else None,
        "criteria": [{"criterion": n, "score": round(float(v), 2)} for v, n in top]}
    if threshold is not None:
        args["threshold"] = float(threshold)
    if cap is not None:
        args["cap"] = int(cap)
    if currency is not None:
        args["contribution"] = money(row["contribution"], currency)
    # with the threshold, the cap and the contribution: the full decision (key_decided)
    full = threshold is not None and cap is not None and currency is not None
    return reason("key_decided" if full else "key_top_criteria", **args)


def strategic_treatment(decision: str, *, attractiveness: float, strength: float
                        ) -> dict[str, Any]:
    """The stated treatment of a Strategic-quadrant client that is not key (attractive and
    strong, yet out): by the decision that kept it out (:data:`TREATMENTS`)."""
    return reason(TREATMENTS.get(decision, "treat_next_in_line"),
                  attractiveness=round(float(attractiveness), 2),
                  strength=round(float(strength), 2))


def reason_off_list(status: Any) -> dict[str, Any]:
    """Why a client off the long list is not key: not active (its status), or active but not
    on the long list."""
    if status not in ("active", "new"):
        return reason("not_active", status=str(status))
    return reason("not_on_long_list")


def reason_out(r: pd.Series, *, on_list: bool, threshold: float, cap: int,
               currency: str, usp_gate: float | None = None) -> dict[str, Any]:
    """Why a client is not key, in the order the selection decides it: not active, not on
    the long list, negative contribution (the client must earn its cost-to-serve first),
    USP fit below the gate, attractiveness below the threshold, not scored in the workshop
    ("to assess": it would rank within the cap on its provisional score), or beyond the cap
    on the number of key accounts (McDonald & Woodburn 2007: 15–35, and never more than the
    share of the base). ``r["decision"]`` (:func:`~kamlib.selection.scoring.decide`) decides
    when present; each reason carries the figures that decided it."""
    if not on_list:
        return reason_off_list(r.get("status"))
    decision = r.get("decision")
    if r["contribution"] < 0 or decision == "negative_contribution":
        return reason("negative_contribution", contribution=money(r["contribution"], currency))
    if decision == "usp_gate":
        return reason("usp_gate", score=round(float(r["usp_score"]), 2),
                      gate=float(usp_gate) if usp_gate is not None else None)
    if decision == "to_assess":
        return reason("to_assess", attractiveness=round(float(r["attractiveness"]), 2),
                      provisional_rank=int(r["provisional_rank"]), cap=int(cap),
                      missing_criteria=list(r["missing_criteria"]))
    if r["attractiveness"] < threshold:
        return reason("below_threshold", attractiveness=round(float(r["attractiveness"]), 2),
                      threshold=float(threshold))
    return reason("cap_reached", rank=int(r["rank"]) if pd.notna(r.get("rank")) else None,
                  cap=int(cap), attractiveness=round(float(r["attractiveness"]), 2))


def run_selection(engagement: Engagement | str | Path, out_dir: str | Path | None = None, *,
                  params: SelectionParams | None = None, lang: str | None = None
                  ) -> StepResult:
    """Step 3 on an engagement: steps 1–2's artefacts in; key clients, matrix and the
    workshop sheet out. Returns the parts the notebook shows (and writes ``summary.json``,
    ``key_clients.parquet``, ``candidates.parquet``, ``relationships.parquet``; ``out_dir``
    defaults to the step's folder) as a :class:`~kamlib.steps.StepResult`."""
    from .assessment import merge_assessments, read_assessment, write_assessment
    from .portrait import key_account_clv, look_alikes, portrait, size_bands
    from .relationship import contact_coverage, relationship_stage

    eng, out = open_step(engagement, "03", out_dir)
    params = params or eng.config.selection
    lang = lang or eng.config.report.language
    strings, fmt = load_strings(lang), Formatter(lang, eng.config.currency)
    notes: list[str] = []
    pnl = pd.read_parquet(artefact_path(eng, "client_pnl")) \
        .set_index("entity_id")
    entities = pd.read_parquet(artefact_path(eng, "entities"))
    emap = entities.set_index("client_id")["entity_id"]
    canon = entities[entities["is_canonical"]].set_index("entity_id")
    features = pnl.copy()
    for c in ("segment", "region"):
        if c in canon.columns:
            features[c] = canon[c].reindex(features.index)
    features["revenue_growth_abs"] = features.get("revenue_last12", 0) - \
        features.get("revenue_prev12", 0)
    # relationships
    contacts_path = artefact_path(eng, "contacts")
    if contacts_path.exists():
        cov = contact_coverage(pd.read_parquet(contacts_path), pd.Series(features.index),
                               entity_map=emap)
        features = features.join(cov.add_prefix("rel_"), how="left")
        features["coverage_score"] = features["rel_coverage_score"]
        features["contacts"] = features["rel_contacts"]
    else:
        notes.append("no contacts table: contact coverage is not assessed" if lang != "ru"
                     else "нет таблицы контактов: охват контактов не оценивается")
        features["coverage_score"] = np.nan
    # judged criteria: the client's own assessment export, then the workshop sheet
    names = list(params.attractiveness) + [n for n in params.strength
                                           if n not in params.attractiveness]
    if params.usp_gate is not None and params.usp_criterion not in names:
        names.append(params.usp_criterion)
    judged_names = judged_criteria(names)
    frames = []
    a_path = artefact_path(eng, "assessment")
    if a_path.exists():
        a = pd.read_parquet(a_path)
        a = a.assign(entity_id=a["client_id"].astype(str).map(emap))
        frames.append(a.dropna(subset=["entity_id"])[["entity_id", "criterion", "score"]])
    active = features["status"].isin(["active", "new"])
    candidates = long_list(features, active=active, share=params.long_list_share)
    sheet = eng.root / "review" / "assessment.xlsx"
    if sheet.exists():
        frames.append(read_assessment(sheet, criteria=judged_names, known=candidates))
    judged = merge_assessments(*frames) if frames else None
    if judged_names and params.missing_scores == "to_assess" and (
            judged is None or judged[judged["criterion"].isin(judged_names)].empty):
        notes.append(("no assessment yet: the judged criteria (" + ", ".join(judged_names) +
                      ") are left out and the selection is provisional (every key client is "
                      "still to assess); fill review/assessment.xlsx in the workshop and run "
                      "the step again")
                     if lang != "ru" else
                     ("экспертной оценки пока нет: критерии " + ", ".join(judged_names) +
                      " не учтены, выбор предварительный (все ключевые клиенты ждут оценки); "
                      "заполните review/assessment.xlsx на сессии и запустите шаг снова"))
    missing = [n for n in names if CRITERIA[n].source == "data"
               and CRITERIA[n].column not in features.columns]
    if missing:
        notes.append(strings.t("selection_note.no_data", criteria=", ".join(
            strings.get(f"criterion.{n}", n) or n for n in missing)))
    cand = features.loc[candidates]
    scores = criterion_scores(cand, names, judged=judged)
    eligible = cand["contribution"] >= 0
    in_channel = _in_channels(cand, params.channels)
    eligible = eligible & in_channel
    n_active = int(active.sum())
    max_n = min(params.target_key_accounts[1], max(1, math.floor(params.max_key_share *
                                                                 n_active)))
    # a missing judged score never raises a score: the judged criteria that count are those
    # weighted on the attractiveness axis, and the USP gate's criterion
    counted = [n for n in judged_names if float(params.attractiveness.get(n, 0)) > 0]
    if params.usp_gate is not None and params.usp_criterion not in counted:
        counted.append(params.usp_criterion)
    missing = missing_judged(scores, counted)
    unscored = missing.map(bool).astype(bool)
    present = [n for n in judged_names if n in scores.columns]
    any_scored = bool(present) and bool(scores[present].notna().any().any())
    provisional = False
    unscored_rule: pd.Series | None = None
    if params.missing_scores == "conservative":
        scores = fill_conservative(scores, judged_names, params.conservative_score)
    elif any_scored:
        unscored_rule = unscored
    elif counted:
        # nobody is scored yet: nobody gains on anybody; the selection is provisional on the
        # data criteria and every key client is still to assess
        provisional = True
    attr = axis_scores(scores, params.attractiveness)
    strength = axis_scores(scores, params.strength)
    usp = scores[params.usp_criterion] if params.usp_criterion in scores.columns else None
    decided = decide(attr, eligible=eligible, max_n=max_n, threshold=params.threshold,
                     unscored=unscored_rule, usp=usp, usp_gate=params.usp_gate)
    scored = pd.DataFrame({"attractiveness": attr, "strength": strength,
                           "quadrant": quadrant(attr, strength, threshold=params.threshold),
                           "is_key": decided["is_key"]})
    # who may compete for a key place (what the weights widget and the stability re-run)
    competing = eligible & ~decided["decision"].isin(["usp_gate", "to_assess"])
    if unscored_rule is not None:
        competing &= ~unscored_rule
    stays = stability(scores, params.attractiveness, eligible=competing, max_n=max_n,
                      threshold=params.threshold, draws=params.stability_draws,
                      concentration=params.stability_concentration)
    table = cand[["entity_name", "net_revenue", "contribution", "margin_pct", "status"]].join(
        scores.add_prefix("score_")).join(scored)
    table["stays_key"] = stays
    table["solid"] = table["is_key"] & (table["stays_key"] >= 0.8)
    table["decision"] = decided["decision"]
    table["rank"] = decided["rank"]
    table["provisional_rank"] = decided["provisional_rank"]
    table["missing_criteria"] = missing.reindex(table.index)
    table["usp_score"] = usp.reindex(table.index) if usp is not None else np.nan
    currency = eng.config.currency
    reasons = [reason_in(r, names, threshold=params.threshold, cap=max_n, currency=currency)
               if r["is_key"] else
               reason_out(r, on_list=True, threshold=params.threshold, cap=max_n,
                          currency=currency, usp_gate=params.usp_gate)
               for _, r in table.iterrows()]
    # a client outside the chosen channels is not key for that reason (selection.channels)
    reasons = [reason("channel_not_chosen", channel=str(cand.at[i, "segment"]))
               if not in_channel[i] and not r["is_key"] else x
               for (i, r), x in zip(table.iterrows(), reasons, strict=True)]
    table["reason_code"] = [x["code"] for x in reasons]
    table["reason_args"] = [json.dumps(x["args"], ensure_ascii=False) for x in reasons]
    table["reason"] = [say(x, strings, fmt) for x in reasons]
    table["missing_criteria"] = table["missing_criteria"].map(
        lambda v: json.dumps(list(v) if isinstance(v, list) else [], ensure_ascii=False))
    table["strategy"] = table["quadrant"].map({k: v[1 if lang == "ru" else 0]
                                               for k, v in QUADRANTS.items()})
    key = table[table["is_key"]].sort_values("attractiveness", ascending=False)
    # big clients that are not key, with the reason
    big = features.sort_values("net_revenue", ascending=False).head(25)
    not_key = []
    for eid, r in big.iterrows():
        if eid in key.index:
            continue
        if eid in table.index:
            why = {"code": table.at[eid, "reason_code"],
                   "args": json.loads(table.at[eid, "reason_args"])}
        else:
            why = reason_out(r, on_list=False, threshold=params.threshold, cap=max_n,
                             currency=currency)
        not_key.append({"entity_id": eid, "entity_name": r["entity_name"],
                        "net_revenue": money(r["net_revenue"], currency),
                        "contribution": money(r["contribution"], currency),
                        "reason": why, "reason_text": say(why, strings, fmt)})
    not_key_df = pd.DataFrame(not_key)
    # relationships of the key clients; stage from the judged relationship_stage
    rel_cols = [c for c in features.columns if c.startswith("rel_")]
    relationships = features.loc[key.index, rel_cols].rename(columns=lambda c: c[4:])
    if judged is not None:
        relationships["stage"] = relationship_stage(judged, pd.Series(key.index))
    single = relationships[relationships["single_point"].fillna(False).astype(bool)] \
        if "single_point" in relationships.columns else relationships.iloc[0:0]
    # the biggest accounts at risk first
    single = single.loc[key.loc[single.index, "net_revenue"].sort_values(ascending=False).index]
    unknown = relationships[relationships["no_contacts"].fillna(False).astype(bool)] \
        if "no_contacts" in relationships.columns else relationships.iloc[0:0]
    unknown = unknown.loc[key.loc[unknown.index, "net_revenue"]
                          .sort_values(ascending=False).index]
    # CLV: annual contribution × r / (1 + i − r)
    years = _years(features)
    clv = key_account_clv(key["contribution"] / years, retention=tuple(params.retention),
                          discount_rate=params.discount_rate)
    key = key.join(clv)
    # deep account plans: to the named key accounts with the most value at stake
    potential = scores["potential"] if "potential" in scores.columns else None
    key["value_at_stake"] = value_at_stake(key["net_revenue"] / years, key["attractiveness"],
                                           potential)
    n_deep = int(eng.config.sizing.deep_plans_per_year)
    deep_order = key["value_at_stake"].sort_values(ascending=False, kind="stable").index
    key["deep_plan_rank"] = pd.Series(range(1, len(key) + 1), index=deep_order,
                                      dtype="Int64").reindex(key.index)
    key["deep_plan"] = key["deep_plan_rank"] <= n_deep
    attr_rank = key["attractiveness"].rank(ascending=False, method="first").astype(int)
    deep_plans = [{"entity_id": i, "name": key.at[i, "entity_name"],
                   "value_at_stake": money(key.at[i, "value_at_stake"], currency),
                   "revenue_per_year": money(round(float(key.at[i, "net_revenue"]) / years, 2),
                                             currency),
                   "attractiveness": round(float(key.at[i, "attractiveness"]), 2),
                   "potential": (round(float(potential[i]), 2) if potential is not None
                                 and pd.notna(potential.get(i)) else None),
                   "attractiveness_rank": int(attr_rank[i])}
                  for i in deep_order[:n_deep]]
    # the decisions the report must state: who is to assess, who was scored conservatively,
    # who the USP gate stopped, and what the Strategic clients that are not key get
    def _row(i: str) -> dict[str, Any]:
        r = table.loc[i]
        return {"entity_id": i, "name": r["entity_name"],
                "net_revenue": money(r["net_revenue"], currency),
                "attractiveness": round(float(r["attractiveness"]), 2)
                if pd.notna(r["attractiveness"]) else None,
                "missing_criteria": json.loads(r["missing_criteria"]),
                "reason": {"code": r["reason_code"], "args": json.loads(r["reason_args"])}}

    by_size = table.sort_values("net_revenue", ascending=False, kind="stable")
    if provisional:
        to_assess_ids = [i for i in by_size.index if table.at[i, "is_key"]]
    else:
        to_assess_ids = [i for i in by_size.index if table.at[i, "decision"] == "to_assess"]
    conservative_ids = ([i for i in by_size.index if unscored[i]]
                        if params.missing_scores == "conservative" else [])
    # the gate on a score the workshop gave; a conservative score stopped by it is counted
    # apart (it is listed with the conservatively scored clients)
    gated_all = [i for i in by_size.index if table.at[i, "decision"] == "usp_gate"]
    gated_ids = [i for i in gated_all if not unscored[i]]
    strategic_out = []
    for i in by_size.index:
        r = table.loc[i]
        if r["quadrant"] == "Strategic" and not r["is_key"]:
            treat = strategic_treatment(r["decision"], attractiveness=r["attractiveness"],
                                        strength=r["strength"])
            strategic_out.append({**_row(i), "treatment": treat})
    # portrait and look-alikes
    feat = features.assign(
        size_band=size_bands(features["net_revenue"]),
        orders_per_year=features["orders"] / years,
        tenure_years=features["tenure_days"] / 365.25,
        payment_terms_days=features.get("terms_days"),
    )
    is_key = pd.Series(feat.index.isin(key.index), index=feat.index)
    base = feat[feat["status"].isin(["active", "new"]) | is_key]
    pic = portrait(base, is_key.reindex(base.index))
    exclude = (base["contribution"] < 0) | is_key.reindex(base.index)
    if is_key.any():
        alikes = look_alikes(base, is_key.reindex(base.index), exclude=exclude)
    else:
        # no client passed (a high USP gate, nobody scored under `conservative` …): no key
        # profile to compare with, said rather than failed
        alikes = pd.DataFrame(columns=["similarity", "rank", "why"])
        notes.append("no client qualifies as key with these settings: there is no key-client "
                     "profile and no look-alikes; check the threshold, the USP gate and the "
                     "workshop scores" if lang != "ru" else
                     "ни один клиент не прошёл в ключевые при этих настройках: профиля "
                     "ключевого клиента и похожих на него нет; проверьте порог, порог УТП и "
                     "оценки сессии")
    # write
    if judged_names:
        write_assessment(sheet, cand.reset_index().assign(
            quadrant=table["quadrant"].reindex(cand.index).to_numpy()),
            {n: (CRITERIA[n].description_ru if lang == "ru" else CRITERIA[n].description_en)
             for n in judged_names}, existing=judged, lang=lang)
    out.mkdir(parents=True, exist_ok=True)
    key.reset_index().to_parquet(out / step("03").artefact("key_clients").file)
    table.reset_index().to_parquet(out / step("03").artefact("candidates").file)
    relationships.reset_index().to_parquet(out / step("03").artefact("relationships").file)
    vip_table, vip_figures = _vip(eng, features, table, entities, params=params,
                                  currency=currency, lang=lang)
    vip_table.to_parquet(out / step("03").artefact("vip").file)
    summary = {
        "active_entities": n_active,
        "long_list": len(candidates),
        "key_clients": len(key),
        "max_key_clients": max_n,
        "guidance": {"range": list(params.target_key_accounts), "max_share": params.max_key_share,
                     "deep_plans_per_year": "5–6"},
        "solid": int(key["solid"].sum()),
        "borderline": int((~key["solid"]).sum()),
        "quadrants": table["quadrant"].value_counts().to_dict(),
        "key": [{"entity_id": i, "name": r["entity_name"], "quadrant": r["quadrant"],
                 "attractiveness": round(float(r["attractiveness"]), 2),
                 "strength": round(float(r["strength"]), 2),
                 "stays_key": round(float(r["stays_key"]), 3),
                 "reason": {"code": r["reason_code"], "args": json.loads(r["reason_args"])}}
                for i, r in key.iterrows()],
        "big_not_key": not_key_df.head(10).to_dict("records"),
        "no_contacts_recorded": [
            {"entity_id": i, "name": key.at[i, "entity_name"]} for i in unknown.index],
        "single_point_of_contact": [
            {"entity_id": i, "name": key.at[i, "entity_name"],
             "risk": json.loads(r["risk_codes"]) if isinstance(r.get("risk_codes"), str)
             else [], "risk_text": r.get("risk")}
            for i, r in single.iterrows()],
        "key_revenue_share": float(key["net_revenue"].sum() / features["net_revenue"].sum()),
        "key_contribution_share": float(key["contribution"].sum()
                                        / features["contribution"].sum()),
        "portrait": pic.get("headline", []),
        "portrait_reasons": pic.get("headline_reasons", []),
        "assessment_used": bool(judged is not None and len(judged)),
        "missing_scores_rule": params.missing_scores,
        "conservative_score": (float(params.conservative_score)
                               if params.missing_scores == "conservative" else None),
        "selection_provisional": provisional,
        "unscored_candidates": int(unscored.sum()),
        "to_assess_count": len(to_assess_ids),
        "to_assess": [_row(i) for i in to_assess_ids],
        "conservative_scored_count": len(conservative_ids),
        "conservative_scored": [_row(i) for i in conservative_ids],
        "usp_gate": ({"criterion": params.usp_criterion, "gate": float(params.usp_gate),
                      "excluded": len(gated_ids),
                      "excluded_conservative": len(gated_all) - len(gated_ids)}
                     if params.usp_gate is not None else None),
        "usp_gated": [_row(i) for i in gated_ids],
        "deep_plans_per_year": n_deep,
        "deep_plans": deep_plans,
        "strategic_not_key_count": len(strategic_out),
        "strategic_not_key": strategic_out,
        "channels": list(params.channels),
        "vip": vip_figures,
        "notes": notes,
    }
    summary = write_summary("03", out / "summary.json", summary, currency=eng.config.currency)
    return StepResult("03", summary, {
        "table": table, "key": key, "not_key": not_key_df, "relationships": relationships,
        "portrait": pic, "look_alikes": alikes, "scores": scores, "features": features,
        "eligible": competing, "eligible_contribution": eligible, "max_n": max_n,
        "decisions": decided, "params": params, "vip": vip_table}, tuple(notes))


def _in_channels(cand: pd.DataFrame, channels: list[str]) -> pd.Series:
    """Whether each candidate is in one of the chosen channels (``selection.channels``;
    empty = all). A chosen channel that no client has is an error of the settings."""
    if not channels:
        return pd.Series(True, index=cand.index)
    seg = cand["segment"].astype("string").str.strip() if "segment" in cand.columns \
        else pd.Series(pd.NA, index=cand.index, dtype="string")
    chosen = [str(c).strip() for c in channels]
    unknown = [c for c in chosen if c not in set(seg.dropna())]
    if unknown:
        raise ConfigError(f"selection.channels names channels no client on the long list has: "
                          f"{unknown}", value=", ".join(unknown),
                          hint="use the channel names of work/02_profitability/channels.parquet "
                               "(the catalogue's segment): " + ", ".join(sorted(set(seg.dropna()))))
    return seg.isin(chosen).fillna(False).astype(bool)


def _years(features: pd.DataFrame) -> float:
    """The sales' span in years (first order to last, at least one): the step's one rule for
    its yearly figures (CLV, revenue a year, the VIPs' loss a year)."""
    return max(float((pd.to_datetime(features["last_order"]).max()
                      - pd.to_datetime(features["first_order"]).min()).days) / 365.25, 1.0)


def _vip(eng: Engagement, features: pd.DataFrame, table: pd.DataFrame, entities: pd.DataFrame,
         *, params: SelectionParams, currency: str, lang: str
         ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The VIP ≠ key test (:mod:`.vip`): management's list from ``review/vip.xlsx`` (a blank
    one is written for the workshop), else the ten largest clients by revenue."""
    from .vip import read_vip_sheet, resolve_vips, vip_summary, vip_test, write_vip_sheet

    sheet = eng.root / "review" / "vip.xlsx"
    vips = None
    if sheet.exists():
        listed = read_vip_sheet(sheet)
        if len(listed):
            vips = resolve_vips(listed, entities, file=str(sheet))
    else:
        write_vip_sheet(sheet, lang=lang)
    decisions = table[["attractiveness", "quadrant", "is_key", "reason_code",
                       "reason_args"]].copy()
    others = features.index.difference(decisions.index)
    statuses = (features["status"].reindex(others) if "status" in features
                else pd.Series(None, index=others, dtype=object))
    off = [reason_off_list(st) for st in statuses.to_numpy()]
    extra = pd.DataFrame({"attractiveness": np.nan, "quadrant": None, "is_key": False,
                          "reason_code": [x["code"] for x in off],
                          "reason_args": [json.dumps(x["args"], ensure_ascii=False)
                                          for x in off]}, index=others)
    decisions = pd.concat([decisions, extra]) if len(extra) else decisions
    vt = vip_test(features, decisions, vips)
    return vt, vip_summary(vt, years=_years(features))
