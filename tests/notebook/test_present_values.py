"""The presentation pages' tables show the codes of a column by their labels in the page's
language (issue 21): statuses, quadrants, KPIs, roles, tiers, yes / no — the labels the
report and the workbook use; an unknown code keeps its text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kamlib.i18n import load_strings
from kamlib.notebook import present_view as view


def test_codes_shown_by_their_labels_in_russian_and_english() -> None:
    df = pd.DataFrame({
        "status": ["active", "dormant", "lost", "new", "unheard_of"],
        "quadrant": ["Strategic", "Star", "Status", "Streamline", None],
        "same_region": np.array([True, False, True, False, True]),
        "tier": ["key", "develop", "transactional", "self_service", "reprice_or_exit"],
        "entity_name": ["active", "Star", "key", "x", "y"]})     # a name is never relabelled
    ru = view.localize_frame(df, "ru")
    assert list(ru["Статус"]) == ["активный", "спящий", "потерянный", "новый", "unheard_of"]
    assert list(ru["Квадрант"]) == ["Стратегические", "Звёзды", "Статусные", "Оптимизация",
                                    "—"]
    assert list(ru["Тот же регион"]) == ["да", "нет", "да", "нет", "да"]
    st = load_strings("ru")
    assert list(ru["Уровень"]) == [st.t(f"tier.{k}") for k in df["tier"]]
    assert list(ru.iloc[:, 4]) == ["active", "Star", "key", "x", "y"]
    en = view.localize_frame(df, "en")
    assert list(en["Status"])[:3] == ["active", "dormant", "lost"]
    assert list(en["Same region"]) == ["yes", "no", "yes", "no", "yes"]


def test_index_codes_and_kpi_rows_are_labelled() -> None:
    by_status = pd.DataFrame({"entities": [3, 1]},
                             index=pd.Index(["dormant", "lost"], name="status"))
    ru = view.localize_frame(by_status, "ru")
    assert list(ru.index) == ["спящий", "потерянный"] and ru.index.name == "Статус"
    kpis = pd.DataFrame({"kpi": ["days_late"], "family": ["cash"], "better": ["lower"]})
    ru = view.localize_frame(kpis, "ru")
    assert ru.iloc[0].tolist() == ["Дней просрочки оплаты", "деньги", "ниже"]
    assert list(ru.columns) == ["Показатель", "Группа показателей", "Лучше, когда"]
    view.setup("en")


def test_reasons_stored_as_code_and_args_are_phrased() -> None:
    """A step's decisions (reason_code + reason_args as JSON) show as one phrased column."""
    df = pd.DataFrame({"entity_name": ["ООО «Альфа»", "ООО «Бета»"],
                       "reason_code": ["negative_contribution", "no_such_code"],
                       "reason_args": ["{}", "{}"]})
    ru = view.localize_frame(df, "ru")
    assert len(ru.columns) == 2 and ru.columns[1] == "Причина"      # reason_args folded in
    st = load_strings("ru")
    assert ru.iloc[0, 1] == st.t("reason.negative_contribution")
    assert ru.iloc[1, 1] == "no_such_code"                    # not phrasable: its code
    view.setup("en")


def test_concentration_flags_from_their_codes() -> None:
    """Two clients at 16.6% and 12.8%, flagged for IFRS 8.34; the same as groups."""
    conc = {"level": "entity", "flags": ["(English)"], "flag_clients": {"ifrs_8_34": [
        {"entity_id": "E1", "name": "ООО «Магнолия»", "share": 0.166},
        {"entity_id": "E2", "name": "ПАО «Маяк»", "share": 0.128}]}}
    view.setup("ru")
    assert view.flags(conc) == [
        "Клиентов с долей ≥ 10\u00a0% выручки (раскрытие крупных покупателей по МСФО (IFRS) "
        "8.34): 2 — ООО «Магнолия» 16,6\u00a0%, ПАО «Маяк» 12,8\u00a0%"]
    assert view.flags({**conc, "level": "group"})[0].startswith("Групп с долей ≥ 10")
    view.setup("en")
    assert view.flags(conc) == ["2 client(s) ≥ 10% of revenue — IFRS 8.34 major-customer "
                                "disclosure: ООО «Магнолия» 16.6%, ПАО «Маяк» 12.8%"]
    assert view.flags({"level": "entity", "flag_clients": {}}) == []


def test_coded_values_and_intake_columns_are_phrased_on_the_page() -> None:
    """Issue 21: a value kept as ``<x>_code`` + ``<x>_args`` replaces the step's English
    ``<x>`` (a row without a code keeps its text); a list ``<x>_reasons`` is phrased and
    joined; a canonical column next to its table, and ``needs``, show their labels."""
    import json

    df = pd.DataFrame({
        "scenario": ["order +20%", "custom"],
        "scenario_code": ["scenario_rate", None],
        "scenario_args": [json.dumps({"cost_driver": "order", "sign": "+",
                                      "spread_ratio": 0.2}), None],
        "evidence": ["x", "y"],
        "evidence_reasons": [json.dumps([{"code": "evidence_inn_missing", "args": {}},
                                         {"code": "evidence_same_inn",
                                          "args": {"inn": "7700000000"}}]), ""]})
    ru = view.localize_frame(df, "ru")
    assert list(ru.columns) == ["Сценарий", "Доказательства"]
    assert ru.iloc[:, 0].tolist() == ["заказы +20,0\u00a0%", "custom"]
    assert ru.iloc[:, 1].tolist() == ["ИНН есть только в одной записи; тот же ИНН 7700000000",
                                      "y"]
    en = view.localize_frame(df, "en")
    assert en.iloc[:, 1].tolist() == ["INN missing in one record; same INN 7700000000", "y"]
    comp = pd.DataFrame({"table": ["clients"], "column": ["payment_terms_days"],
                         "needs": ["clients.tax_id"]})
    ru = view.localize_frame(comp, "ru")
    assert ru.iloc[0].tolist() == ["справочник контрагентов", "Отсрочка платежа, дней",
                                   "справочник контрагентов: ИНН"]
    view.localize_frame(comp, "en")  # leave the module's language as the other tests expect


def test_reasons_lists_methods_and_row_descriptions_in_russian() -> None:
    """Issue 21 on pages 03–05: a reason stored as a dict, a cell listing buying roles, a
    sizing method named by its author, a KPI's definition and source and a support role's
    duties described by their row's code, the look-alikes' reasons, a deliverable's language."""
    import json

    from kamlib.units import reason

    st = load_strings("ru")
    df = pd.DataFrame({"reason": [reason("negative_contribution",
                                         contribution={"amount": "-4326244.65",
                                                       "currency": "RUB"})],
                       "reason_text": ["negative contribution"]})
    ru = view.localize_frame(df, "ru")
    assert list(ru.columns) == ["Причина"]                      # reason_text dropped
    assert ru.iloc[0, 0].startswith("вклад отрицательный (−4,33")
    roles = view.localize_frame(pd.DataFrame({"roles_missing": ["economic_buyer, coach"]}), "ru")
    assert roles.iloc[0, 0] == (st.t("kit.buying_role.economic_buyer") + ", "
                                + st.t("kit.buying_role.coach"))
    methods = pd.DataFrame({"base": [2.43]}, index=pd.Index(
        ["workload build-up (Talley 1961)", "break-even (Zoltners, Sinha & Lorimer 2006)"],
        name="method"))
    assert list(view.localize_frame(methods, "ru").index) == [
        st.t("fte_method.talley"), st.t("fte_method.break_even")]
    kpis = pd.DataFrame({"kpi": ["days_late", "nps", "unknown_kpi"],
                         "definition": ["days late (DSO − terms)", "mean NPS", "own text"],
                         "source": ["payments", "no data", "own source"]})
    ru = view.localize_frame(kpis, "ru")
    assert ru.iloc[0, 1] == st.t("kpi_definition.days_late")
    assert ru.iloc[1, 2] == st.t("kpi_source.no_data")
    assert ru.iloc[2].tolist()[1:] == ["own text", "own source"]   # no description: its text
    duty = view.localize_frame(pd.DataFrame({"role": ["finance"], "who_what": ["x"]}), "ru")
    assert duty.iloc[0, 1] == st.t("team_duty.finance")
    alike = pd.DataFrame({"similarity": [-0.44], "why": ["contacts 6 (key median 5)"],
                          "similar_because": [json.dumps([reason(
                              "look_alike_number", feature="contacts", client_value=6.0,
                              key_median=5.0)])]})
    ru = view.localize_frame(alike, "ru")
    assert list(ru.columns) == ["Сходство", "Чем похож на ключевых"]
    assert ru.iloc[0, 1] == "Число контактов: 6 (медиана ключевых 5)"
    files = view.localize_frame(pd.DataFrame({"language": ["ru"], "format": ["account_plans"]}),
                                "ru")
    assert files.iloc[0].tolist() == ["русский", "планы по ключевым клиентам"]
    en = view.localize_frame(kpis, "en")                    # English keeps its definitions
    assert en.iloc[0, 1] == load_strings("en").t("kpi_definition.days_late")
    view.setup("en")
