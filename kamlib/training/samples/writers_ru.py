"""Writers of the ``ru_1c`` profile: 1C-style exports (cp1251, decimal commas, title rows)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .formatting import _check_size, _ru_dt, _ru_money, _ru_qty, _xlsx, _xlsx_table
from .world import World


def _write_clients_ru(w: World, raw: Path) -> None:
    cl = w.clients
    path = raw / "Контрагенты.xlsx"
    wb = _xlsx(path)
    ws = wb.add_worksheet("Контрагенты")
    bold = wb.add_format({"bold": True})
    dfmt = wb.add_format({"num_format": "dd.mm.yyyy"})
    ws.write_string(0, 0, 'Справочник "Контрагенты"', bold)
    ws.write_string(1, 0, "Дата выгрузки: 15.01.2026 10:32:11")
    header = ["Код", "Наименование", "Полное наименование", "ИНН", "КПП", "ОГРН",
              "Головной контрагент", "Группа", "Регион", "Сегмент", "Основной менеджер",
              "Отсрочка платежа, дн.", "Дата создания", "Пометка удаления"]
    for c, h in enumerate(header):
        ws.write_string(3, c, h, bold)
    for i, rec in enumerate(cl.itertuples()):
        r = 4 + i
        texts = [rec.code, rec.name, rec.full_name, None, rec.kpp, rec.ogrn, rec.head,
                 rec.group, rec.region, rec.segment, rec.manager]
        for c, v in enumerate(texts):
            if v:
                ws.write_string(r, c, str(v))
        if rec.inn:
            if rec.inn_number:
                ws.write_number(r, 3, int(rec.inn))
            else:
                ws.write_string(r, 3, rec.inn)
        ws.write_number(r, 11, int(rec.terms))
        if rec.created_text:
            ws.write_string(r, 12, rec.created.strftime("%d.%m.%Y"))
        else:
            ws.write_datetime(r, 12, rec.created.to_pydatetime(), dfmt)
        ws.write_string(r, 13, "Да" if rec.deleted else "Нет")
    for c, wd in enumerate([11, 34, 50, 13, 11, 16, 26, 14, 18, 13, 16, 10, 12, 9]):
        ws.set_column(c, c, wd)
    wb.close()
    _check_size(path)


def _reg_text(docs: pd.DataFrame) -> list[str]:
    dt = _ru_dt(docs["date"], docs["time"].to_numpy())
    out = []
    for ret, num, s in zip(docs["is_return"].tolist(), docs["num"].tolist(), dt, strict=True):
        kind = "Возврат товаров от клиента" if ret else "Реализация товаров и услуг"
        out.append(f"{kind} 0000-{num:06d} от {s}")
    return out


def _pick_noise(rng: np.random.Generator, w: World) -> dict[int, tuple[str, str]]:
    """≤ 20 sales lines with an impossible date or a text amount: line index → (kind, text)."""
    ln = w.lines
    d = w.docs
    rec = d["rec"].to_numpy()[ln["doc"].to_numpy()]
    role = w.entities["role"].to_numpy()[ln["eid"].to_numpy()]
    date_ = d["date"].to_numpy()[ln["doc"].to_numpy()]
    month = pd.DatetimeIndex(date_).month
    ok = (~ln["is_return"].to_numpy()) & (rec >= 0) & (role == "")
    short = np.isin(month, [2, 4, 6, 9, 11])
    cand_date = np.flatnonzero(ok & short)
    cand_amt = np.flatnonzero(ok & ~short)
    out: dict[int, tuple[str, str]] = {}
    for i in rng.choice(cand_date, size=6, replace=False).tolist():
        ts = pd.Timestamp(date_[i])
        day = "30" if ts.month == 2 and ts.year % 4 == 0 else "31"
        out[i] = ("bad_date", f"{day}.{ts.month:02d}.{ts.year} 0:00:00")
    texts = ["н/д", "#ЗНАЧ!", "н/д", "ошибка", "н/д", "#Н/Д"]
    for t, i in zip(texts, rng.choice(cand_amt, size=6, replace=False).tolist(), strict=True):
        out[i] = ("text_amount", t)
    return out


def _ru_sales_frame(w: World) -> pd.DataFrame:
    """Sales lines with every exported column as text, in export order."""
    ln, d, cl = w.lines, w.docs, w.clients
    di = ln["doc"].to_numpy()
    rec = d["rec"].to_numpy()[di]
    ent = w.entities
    code = np.where(rec >= 0, cl["code"].to_numpy()[np.maximum(rec, 0)], "")
    ghost_names = _ghost_names(ent)
    name = np.where(rec >= 0, cl["name"].to_numpy()[np.maximum(rec, 0)],
                    [ghost_names.get(e, "") for e in ln["eid"].tolist()])
    inn = np.where(rec >= 0, cl["inn"].to_numpy()[np.maximum(rec, 0)], "")
    f = pd.DataFrame({"doc": di, "date": d["date"].to_numpy()[di],
                      "time": d["time"].to_numpy()[di], "num": d["num"].to_numpy()[di],
                      "ret": ln["is_return"].to_numpy(), "code": code, "name": name,
                      "inn": inn, "sku": ln["sku"].to_numpy(), "line": np.arange(len(ln))})
    f["manager"] = ent["manager"].to_numpy()[ln["eid"].to_numpy()]
    f = f.sort_values(["date", "time", "ret", "num", "line"], kind="stable")
    return f


def _ghost_names(ent: pd.DataFrame) -> dict[int, str]:
    names = ['ИП Сидорчук П.А.', 'Кафе "Уют"', 'ООО "Вектор-Плюс М"', "Магазин у дома №7",
             "Торговая точка Рынок Северный"]
    ghosts = np.flatnonzero(ent["kind"] == "ghost")
    return {int(e): names[i % len(names)] for i, e in enumerate(ghosts)}


def _write_sales_ru(w: World, raw: Path, rng: np.random.Generator) -> dict[str, Any]:
    """Twelve quarterly CSVs (cp1251, ``;``, CRLF) with a totals row; returns file metadata."""
    ln, d = w.lines, w.docs
    f = _ru_sales_frame(w)
    noise = _pick_noise(rng, w) if w.spec.noise else {}
    reg = np.array(_reg_text(d), dtype=object)
    prod = w.products
    files: dict[str, Any] = {}
    rejected: list[dict[str, Any]] = []
    half = f["date"].dt.year.astype(str) + "_Q" + f["date"].dt.quarter.astype(str)
    # returns as positive lines (marked by the document) in the first half of the period,
    # as negative lines afterwards: both happen in 1C exports
    keys = sorted(half.unique())
    positive_returns = set(keys[: len(keys) // 2])
    for key in sorted(half.unique()):
        part = f[half == key]
        li = part["line"].to_numpy()
        sign = np.where(ln["is_return"].to_numpy()[li] & (key not in positive_returns), -1, 1)
        cols = {c: ln[c].to_numpy()[li] * sign for c in
                ("qty10", "gross_k", "vat_k", "cogs_k", "disc_k")}
        period = _ru_dt(part["date"])
        gross_s = _ru_money(cols["gross_k"])
        disc_s = ["" if v == 0 else s for v, s in zip(cols["disc_k"].tolist(),
                                                       _ru_money(cols["disc_k"]), strict=True)]
        year, quarter = key.split("_Q")
        q_start = pd.Timestamp(int(year), 3 * int(quarter) - 2, 1)
        q_end = q_start + pd.offsets.QuarterEnd(0)
        title = [f"Продажи за период {q_start:%d.%m.%Y} - {q_end:%d.%m.%Y}", ""] \
            if not files else []
        first_line = len(title) + 2
        keep = np.ones(len(li), bool)
        for j, i in enumerate(li.tolist()):
            if i in noise:
                kind, text = noise[i]
                if kind == "bad_date":
                    period[j] = text
                else:
                    gross_s[j] = text
                    keep[j] = False
                rejected.append({"file": f"Продажи_{key}.csv", "line": first_line + j,
                                 "kind": kind, "value": text, "code": part["code"].iloc[j],
                                 "amount_gross": _ru_money(np.array([cols["gross_k"][j]]))[0],
                                 "amount_net": _ru_money(ln["net_k"].to_numpy()[i:i + 1])[0]})
        body = zip(period, reg[part["doc"].to_numpy()], part["code"], part["name"], part["inn"],
                   prod["name"].to_numpy()[part["sku"].to_numpy()], _ru_qty(cols["qty10"]),
                   gross_s, _ru_money(cols["vat_k"]), _ru_money(cols["cogs_k"]), disc_s,
                   part["manager"], strict=True)
        text_rows = [";".join(r) for r in body]
        sums = {c: int(v[keep].sum()) if c == "gross_k" else int(v.sum())
                for c, v in cols.items()}
        total = (f"Итого;;;;;;{_ru_qty(np.array([sums['qty10']]))[0]};"
                 f"{_ru_money(np.array([sums['gross_k']]))[0]};"
                 f"{_ru_money(np.array([sums['vat_k']]))[0]};"
                 f"{_ru_money(np.array([sums['cogs_k']]))[0]};"
                 f"{_ru_money(np.array([sums['disc_k']]))[0]};")
        header = ("Период;Регистратор;Код контрагента;Контрагент;ИНН;Номенклатура;Количество;"
                  "Сумма с НДС;НДС;Себестоимость;Скидка;Менеджер")
        content = "\r\n".join([*title, header, *text_rows, total]) + "\r\n"
        path = raw / f"Продажи_{key}.csv"
        path.write_bytes(content.encode("cp1251"))
        _check_size(path)
        files[path.name] = {"data_rows": len(text_rows), "first_data_line": first_line,
                            "totals_line": first_line + len(text_rows),
                            "returns_sign": "positive" if key in positive_returns
                            else "negative",
                            "totals": {k: v for k, v in sums.items()}}
    noise_lines = sorted(noise)
    return {"files": files, "rejected": rejected, "noise_lines": noise_lines}


def _write_payments_ru(w: World, raw: Path) -> None:
    p, cl = w.payments, w.clients
    docs = p.assign(is_return=False, year=p["date"].dt.year)
    reg = _reg_text(docs)
    rows = [[cl["name"].iat[r], cl["code"].iat[r], g, due.to_pydatetime(),
             None if pd.isna(pd_) else pd_.to_pydatetime(), amt / 100]
            for r, g, due, pd_, amt in zip(p["rec"].tolist(), reg, p["due"], p["paid"],
                                           p["amount_k"].tolist(), strict=True)]
    _xlsx_table(raw / "Взаиморасчеты.xlsx", "Взаиморасчеты",
                [f"Взаиморасчеты с контрагентами за период {w.spec.start:%d.%m.%Y} - "
                 f"{w.spec.end:%d.%m.%Y}"],
                ["Контрагент", "Код контрагента", "Документ", "Срок оплаты", "Дата оплаты",
                 "Сумма"], rows, [30, 11, 60, 11, 11, 14])


def _write_activities_ru(w: World, raw: Path) -> None:
    a, cl = w.activities, w.clients
    lines = ["Код контрагента;Дата;Вид активности;Количество;Стоимость"]
    code = cl["code"].to_numpy()[a["rec"].to_numpy()]
    dates = a["month"].dt.strftime("%d.%m.%Y").tolist()
    costs = _ru_money(np.round(a["cost"].to_numpy() * 100).astype(np.int64))
    lines += [f"{c};{d};{act};{q};{m}" for c, d, act, q, m in
              zip(code, dates, a["activity"], a["qty"].tolist(), costs, strict=True)]
    path = raw / "Активности_CRM.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    _check_size(path)


def _write_small_ru(w: World, raw: Path) -> None:
    c = w.contacts
    rows = [[r.code, r.person, r.position, r.role, r.function, r.level, r.owner,
             r.last.to_pydatetime()] for r in c.itertuples()]
    _xlsx_table(raw / "Контакты.xlsx", "Контакты", [],
                ["Код контрагента", "Контактное лицо", "Должность", "Роль", "Функция",
                 "Уровень", "Ответственный", "Дата последнего контакта"], rows,
                [11, 34, 24, 12, 12, 12, 16, 12])
    rows = [[r.code, r.criterion, int(r.score)] for r in w.assessment.itertuples()]
    _xlsx_table(raw / "Оценка_клиентов.xlsx", "Оценка", [],
                ["Код контрагента", "Критерий", "Оценка"], rows, [11, 20, 8])
    rows = [[r.person, r.role, float(r.annual_cost), int(r.hours), r.region]
            for r in w.team.itertuples()]
    _xlsx_table(raw / "Команда.xlsx", "Команда", [],
                ["Сотрудник", "Роль", "Годовая стоимость", "Доступные часы", "Регион"], rows,
                [34, 26, 16, 14, 18])


def write_ru(w: World, raw: Path, rng: np.random.Generator) -> dict[str, Any]:
    """Write the 1C-style exports into ``raw``; return file metadata for the truth."""
    _write_clients_ru(w, raw)
    meta = _write_sales_ru(w, raw, rng)
    _write_payments_ru(w, raw)
    _write_activities_ru(w, raw)
    _write_small_ru(w, raw)
    return meta
