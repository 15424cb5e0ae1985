"""Management's VIP list and the VIP ≠ key test (METHODS.md §5, seed 001).

Management often calls some clients "VIP": introduced by the owner, a famous name, "strategic".
The test sets each of them against what the audit measured: its contribution after
cost-to-serve (step 2), its attractiveness and whether the selection made it key, and why
(step 3).

- :func:`write_vip_sheet` / :func:`read_vip_sheet` — ``review/vip.xlsx``, where the consultant
  lists the VIPs named in the management workshop (client code or name, and why);
- :func:`resolve_vips` — each listed VIP → its legal entity (by entity id, catalogue code or
  exact name); a VIP that matches no client is an error naming its row, never dropped;
- :func:`vip_test` — the table of the test: one row per VIP, with its verdict.

When no list is given, the test takes the ``fallback_top`` largest clients by revenue and
says so (``source = "top_revenue"``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import KamError

__all__ = ["WHY", "read_vip_sheet", "resolve_vips", "vip_summary", "vip_test", "write_vip_sheet"]

#: why management calls a client VIP (the sheet's choices)
WHY = ("owner_introduced", "famous_name", "strategic", "other")
_WHY_RU = {"owner_introduced": "привёл собственник", "famous_name": "известное имя",
           "strategic": "стратегический", "other": "другое"}
_HEAD = {"ru": ("Код или название клиента", "Почему VIP", "Комментарий"),
         "en": ("Client code or name", "Why VIP", "Comment")}
_INSTR = {
    "ru": ("Впишите клиентов, которых руководство называет VIP (по одному в строке): код из "
           "справочника контрагентов или точное название, и почему — " +
           ", ".join(_WHY_RU.values()) + ". Сохраните файл и запустите шаг 3 снова."),
    "en": ("List the clients management calls VIP, one a row: the catalogue code or the exact "
           "name, and why — " + ", ".join(w.replace("_", " ") for w in WHY) +
           ". Save the file and run step 3 again."),
}


def write_vip_sheet(path: str | Path, *, lang: str = "ru") -> Path:
    """Write an empty ``review/vip.xlsx`` for the workshop (never over a filled one).

    Every text cell goes through :func:`kamlib.workbook.safe_workbook`; the "why" column
    offers the choices of :data:`WHY` in the sheet's language.
    """
    from ..io import atomic_write_bytes
    from ..workbook import safe_workbook

    path = Path(path)
    if path.exists():
        return path
    lang = "ru" if lang == "ru" else "en"
    choices = list(_WHY_RU.values()) if lang == "ru" else [w.replace("_", " ") for w in WHY]
    buf = io.BytesIO()
    wb = safe_workbook(buf)
    ws = wb.add_worksheet("vip")
    ws.write_row(0, 0, _HEAD[lang], wb.add_format({"bold": True}))
    ws.data_validation(1, 1, 200, 1, {"validate": "list", "source": choices})
    ws.set_column(0, 0, 36)
    ws.set_column(1, 2, 24)
    wb.add_worksheet("инструкция" if lang == "ru" else "instructions").write_string(
        0, 0, _INSTR[lang])
    wb.close()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, buf.getvalue())
    return path


def _why_code(v: Any) -> str | None:
    if v is None or str(v).strip() == "":
        return "other"
    t = re.sub(r"[\s_\-]+", " ", str(v).strip().lower()).replace("ё", "е")
    for code in WHY:
        if t in (code.replace("_", " "), _WHY_RU[code].replace("ё", "е")):
            return code
    return None


def read_vip_sheet(path: str | Path) -> pd.DataFrame:
    """The VIPs listed in ``review/vip.xlsx``: ``client`` (code or name), ``why`` (a code of
    :data:`WHY`), ``comment`` and ``row`` (the sheet's row, for messages). Empty rows are
    skipped.

    Raises
    ------
    KamError
        The file cannot be read, or a "why" is none of the choices (file, row, column, value).
    """
    from openpyxl import load_workbook

    from ..workbook import unneutralise

    path = Path(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise KamError(f"cannot read the VIP sheet: {exc}", file=str(path),
                       hint="save it as .xlsx, or delete it and run step 3 again") from None
    ws = wb["vip"] if "vip" in wb.sheetnames else wb.worksheets[0]
    rows = []
    for n, row in enumerate(ws.iter_rows(min_row=2, max_col=3, values_only=True), 2):
        client, why, comment = [*row, None, None, None][:3]
        if client is None or str(client).strip() == "":
            continue
        code = _why_code(why)
        if code is None:
            wb.close()
            raise KamError("unknown reason why the client is VIP", file=str(path), row=n,
                           column="B", value=str(why),
                           hint="choose one of: " + ", ".join(
                               f"{_WHY_RU[w]} / {w.replace('_', ' ')}" for w in WHY))
        rows.append({"client": unneutralise(str(client)).strip(), "why": code,
                     "comment": "" if comment is None else str(comment), "row": n})
    wb.close()
    return pd.DataFrame(rows, columns=["client", "why", "comment", "row"])


def _norm(s: Any) -> str:
    return re.sub(r"\s+", " ", str(s).strip().lower().replace("ё", "е"))


def resolve_vips(vips: pd.DataFrame, entities: pd.DataFrame, *, file: str = "review/vip.xlsx"
                 ) -> pd.DataFrame:
    """Each listed VIP → its legal entity.

    Parameters
    ----------
    vips : pandas.DataFrame
        :func:`read_vip_sheet`'s output.
    entities : pandas.DataFrame
        Step 1's record → entity map: ``client_id``, ``entity_id``, ``name`` and/or
        ``entity_name``.
    file : str
        The sheet's name, for messages.

    Returns
    -------
    pandas.DataFrame
        ``entity_id``, ``why``, ``comment`` (one row per entity; a VIP listed twice, e.g.
        under two of its codes, counts once, with its first reason).

    Raises
    ------
    KamError
        A VIP matches no client, or its name matches several legal entities (the row and
        the value are named: write the catalogue code instead).
    """
    by_id: dict[str, str] = {}
    for col in ("entity_id", "client_id"):
        if col in entities.columns:
            by_id.update({str(k): str(v) for k, v in zip(entities[col], entities["entity_id"],
                                                         strict=True)})
    by_name: dict[str, set[str]] = {}
    for col in ("name", "entity_name"):
        if col in entities.columns:
            for n, e in zip(entities[col], entities["entity_id"], strict=True):
                if isinstance(n, str):
                    by_name.setdefault(_norm(n), set()).add(str(e))
    out = []
    for r in vips.itertuples(index=False):
        eid = by_id.get(str(r.client))
        if eid is None:
            found = by_name.get(_norm(r.client), set())
            if len(found) > 1:
                raise KamError("this name belongs to several legal entities", file=file,
                               row=int(r.row), column="A", value=r.client,
                               hint="write the client's code from the catalogue instead")
            eid = next(iter(found), None)
        if eid is None:
            raise KamError("no client with this code or name", file=file, row=int(r.row),
                           column="A", value=r.client,
                           hint="write the code from the catalogue (Контрагенты) or the exact "
                                "name, or delete the row")
        out.append({"entity_id": eid, "why": r.why, "comment": r.comment})
    df = pd.DataFrame(out, columns=["entity_id", "why", "comment"])
    return df.drop_duplicates("entity_id", keep="first", ignore_index=True)


def vip_test(features: pd.DataFrame, decisions: pd.DataFrame,
             vips: pd.DataFrame | None = None, *, fallback_top: int = 10) -> pd.DataFrame:
    """The VIP ≠ key test: each VIP against its contribution, attractiveness and selection.

    Parameters
    ----------
    features : pandas.DataFrame
        Every entity (indexed by entity_id): ``entity_name``, ``net_revenue``,
        ``cost_to_serve``, ``contribution``.
    decisions : pandas.DataFrame
        Step 3's decision per entity (indexed by entity_id): ``is_key`` (bool),
        ``reason_code``, ``reason_args`` (JSON); ``attractiveness`` and ``quadrant`` where
        the client was scored (on the long list). Every VIP must have a row.
    vips : pandas.DataFrame, optional
        :func:`resolve_vips`'s output; None or empty = the ``fallback_top`` clients by revenue.
    fallback_top : int
        How many of the largest clients stand in for a missing list.

    Returns
    -------
    pandas.DataFrame
        One row per VIP, by revenue (units as registered for the artefact ``vip`` in
        :mod:`kamlib.steps`): ``entity_id``, ``entity_name``, ``why`` (code, or
        ``top_revenue`` for the fallback), ``source`` (``list`` / ``top_revenue``),
        ``revenue_rank`` (count), ``net_revenue``, ``cost_to_serve``, ``contribution``
        (money), ``contribution_pct`` (ratio), ``attractiveness`` (score; empty when not on
        the long list), ``quadrant``, ``is_key`` (flag), ``reason_code`` / ``reason_args``
        (step 3's decision) and ``verdict``: ``loses_money`` (contribution below zero),
        ``not_key`` (earns but was not chosen), ``key``.
    """
    rank = features["net_revenue"].rank(ascending=False, method="min")
    if vips is None or vips.empty:
        top = features.sort_values("net_revenue", ascending=False, kind="mergesort") \
            .head(fallback_top)
        vips = pd.DataFrame({"entity_id": top.index, "why": "top_revenue", "comment": ""})
        source = "top_revenue"
    else:
        source = "list"
    ids = list(vips["entity_id"])
    missing = [i for i in ids if i not in features.index or i not in decisions.index]
    if missing:
        raise KeyError(f"VIPs without a P&L or a selection decision: {missing}")
    f = features.loc[ids]
    d = decisions.loc[ids]
    out = pd.DataFrame({
        "entity_id": ids, "entity_name": f["entity_name"].to_numpy(),
        "why": vips["why"].to_numpy(), "source": source,
        "revenue_rank": rank.loc[ids].astype(int).to_numpy(),
        "net_revenue": f["net_revenue"].to_numpy(dtype=float),
        "cost_to_serve": f["cost_to_serve"].to_numpy(dtype=float),
        "contribution": f["contribution"].to_numpy(dtype=float),
    })
    rev = out["net_revenue"].where(out["net_revenue"] != 0)
    out["contribution_pct"] = out["contribution"] / rev
    out["attractiveness"] = (d["attractiveness"].to_numpy(dtype=float)
                             if "attractiveness" in d.columns else np.nan)
    out["quadrant"] = d["quadrant"].to_numpy() if "quadrant" in d.columns else None
    out["is_key"] = d["is_key"].fillna(False).astype(bool).to_numpy()
    out["reason_code"] = d["reason_code"].to_numpy()
    out["reason_args"] = d["reason_args"].to_numpy()
    out["verdict"] = np.where(out["contribution"] < 0, "loses_money",
                              np.where(out["is_key"], "key", "not_key"))
    return out.sort_values("net_revenue", ascending=False, kind="mergesort",
                           ignore_index=True)


def vip_summary(table: pd.DataFrame, *, years: float = 1.0) -> dict[str, Any]:
    """The figures of the test for ``summary.json``: ``source``, ``vips``, ``key``,
    ``not_key`` (earning but not key), ``losing_money`` (counts), ``loss`` (the sum of the
    negative contributions over the P&L's period, money) and ``loss_year`` (÷ ``years``),
    ``not_key_revenue`` (revenue of the VIPs that are not key, money) and ``clients`` (one
    entry per VIP: name, verdict, contribution, reason)."""
    import json

    lose = table["verdict"] == "loses_money"
    loss = float(table.loc[lose, "contribution"].sum())
    return {
        "source": str(table["source"].iloc[0]) if len(table) else "list",
        "vips": len(table),
        "key": int((table["verdict"] == "key").sum()),
        "not_key": int((table["verdict"] == "not_key").sum()),
        "losing_money": int(lose.sum()),
        "not_key_or_losing": int((~table["is_key"]).sum()),
        "loss": loss,
        "loss_year": loss / float(years),
        "not_key_revenue": float(table.loc[~table["is_key"], "net_revenue"].sum()),
        "clients": [{"entity_id": r.entity_id, "name": r.entity_name, "why": r.why,
                     "verdict": r.verdict, "net_revenue": float(r.net_revenue),
                     "contribution": float(r.contribution),
                     "reason": {"code": r.reason_code, "args": json.loads(r.reason_args)}}
                    for r in table.itertuples(index=False)],
    }
