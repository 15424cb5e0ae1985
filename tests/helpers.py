"""Helpers the tests import (``from tests.helpers import …``); fixtures live in conftest.py.

- ``DATA`` (``tests/data``) and ``REPO`` (the repository root);
- :func:`deep_merge` (an ``engagement.yaml`` with overrides) and :func:`raw_hashes` (to prove
  raw data is never modified);
- :func:`built_once`: a folder built once per test session, shared by the session's worker
  processes (``pytest -n``);
- :func:`tiny_model`: a small hand-made :class:`~kamlib.report.model.ReportModel` for the
  renderers' tests, and ``MALICIOUS_NAMES``.

``tiny_model(lang)`` returns a complete model in Russian or English: five findings, six
sections (steps 0–4 and the recommendations), three tables (one with hostile client names
that look like spreadsheet formulas, money / pct / int / number / date columns and missing
values, one with a sheet name longer than Excel allows), the four charts the report builder
provides (``whale_curve`` line, ``concentration`` bar, ``portfolio_matrix`` scatter, ``fte``
column) each with a real PNG, and a provenance with two inputs. It is shared by the tests of
every renderer (HTML/PDF, Excel, PowerPoint); the values are fixed so tests can compare.
"""

from __future__ import annotations

import fcntl
import hashlib
import io
import math
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from kamlib.i18n import Formatter, load_strings
from kamlib.report.model import (
    Chart,
    Column,
    Fact,
    Finding,
    Method,
    Provenance,
    ReportModel,
    Section,
    Table,
)

__all__ = ["DATA", "MALICIOUS_NAMES", "REPO", "deep_merge", "raw_hashes", "tiny_model"]

#: The tests' own data (corpora of bad and foreign inputs, fixtures).
DATA = Path(__file__).parent / "data"
#: The repository root.
REPO = Path(__file__).resolve().parent.parent


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Merge ``extra`` into ``base``: dicts recursively, everything else (lists) replaced."""
    out = dict(base)
    for k, v in extra.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) \
            else v
    return out


#: the environment variable naming the test session's folder of things built once
#: (set by ``tests/conftest.py`` in the process that starts the session; its workers inherit it)
SESSION_ENV = "KAM_TEST_SESSION"


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (an advisory ``flock``, released if the holder dies)."""
    with open(path, "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def built_once(name: str, build: Callable[[Path], object]) -> Path:
    """The folder ``<session>/<name>``, made by ``build(folder)`` once for the test session.

    The first process of the session that asks builds it while holding a lock; the others wait
    and reuse it (a session run with ``pytest -n`` builds each shared engagement once, not once
    per worker). A build that fails leaves nothing behind: the next to ask builds again (and
    fails the same way, in its own test). Read-only for its users, as a session fixture.
    """
    base = Path(os.environ[SESSION_ENV])
    target, done = base / name, base / f".{name}.done"
    with _locked(base / f".{name}.lock"):
        if not done.exists():
            shutil.rmtree(target, ignore_errors=True)
            try:
                build(target)
            except BaseException:
                shutil.rmtree(target, ignore_errors=True)
                raise
            done.touch()
    return target


def ingested(make_engagement: Callable[..., Path], files: dict[str, Any],
             overrides: dict[str, Any] | None = None) -> Any:
    """An engagement of ``files`` (the ``make_engagement`` fixture) through the intake: its
    :class:`kamlib.intake.IntakeResult`."""
    from kamlib.config import load_config
    from kamlib.intake import ingest

    root = make_engagement(files, overrides)
    return ingest(root, load_config(root / "engagement.yaml"))


def money_whole(result: Any) -> Any:
    """Assert money in = money out in every file of an intake result (each money column's
    rows = accepted + rejected); return the result."""
    from decimal import Decimal

    for f in result.files:
        for m in f.money.values():
            assert Decimal(m["rows"]) == Decimal(m["accepted"]) + Decimal(m["rejected"]), f.label
    return result


def raw_hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root/raw`` (to prove raw data is never modified)."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((root / "raw").rglob("*")) if p.is_file()}


#: Client names that a spreadsheet would read as formulas (OWASP CSV Injection payloads).
MALICIOUS_NAMES = ('=HYPERLINK("http://x","y")', "+7 999", "-5", "@SUM(A1)")

_T = {
    "ru": {
        "title": "Аудит работы с ключевыми клиентами",
        "subtitle": "Отчёт для руководства",
        "client": "ООО «Акме»",
        "f_contrib": "Клиентов с отрицательным вкладом",
        "f_conc": "Доля выручки топ-20 % клиентов",
        "f_key": "Ключевых клиентов",
        "f_fte": "Нужно менеджеров KAM",
        "f_rej": "Отклонено строк на сумму",
        "s_contrib": "Треть клиентов съедает маржу остальных.",
        "s_conc": "Выручка сосредоточена у небольшой группы клиентов.",
        "s_key": "Отобраны по критериям привлекательности и отношений.",
        "s_fte": "Текущая команда меньше нужной.",
        "s_rej": "Отклонённые строки не вошли в расчёт.",
        "sec": ("Приём данных", "Очистка клиентской базы", "Прибыльность клиентов",
                "Профиль ключевого клиента", "Численность команды KAM", "Рекомендации"),
        "lead": ("Получено 2 файла, все строки сверены до копейки.",
                 "Из 120 записей получено 100 юридических лиц.",
                 "20 % клиентов дают 80 % прибыли; 30 клиентов убыточны.",
                 "Ключевыми признаны 12 клиентов.",
                 "Нужно 4,2 FTE менеджеров по ключевым клиентам.",
                 "Пять шагов на ближайший квартал."),
        "recs": ("Назначить менеджеров по ключевым клиентам.",
                 "Пересмотреть условия для убыточных клиентов.",
                 "Объединить дубликаты в учётной системе."),
        "client_pnl": "P&L клиентов", "key_clients": "Ключевые клиенты",
        "long": "Численность и нагрузка менеджеров по ключевым клиентам",
        "col": {"client": "Клиент", "client_id": "Код", "revenue": "Выручка",
                "contribution": "Вклад", "margin": "Маржа", "orders": "Заказов",
                "first_sale": "Первая продажа", "score": "Балл", "segment": "Сегмент",
                "kam": "Менеджер", "hours": "Часов в год", "fte": "FTE"},
        "whale": "Кривая прибыли (кит)", "conc": "Концентрация выручки",
        "matrix": "Портфельная матрица", "fte_chart": "Численность KAM",
        "cum_clients": "Доля клиентов", "cum_profit": "Накопленная прибыль",
        "share": "Доля выручки", "attract": "Привлекательность", "relation": "Отношения",
        "team": "Команда", "current": "Сейчас", "needed": "Нужно",
    },
    "en": {
        "title": "Key Account Management Audit",
        "subtitle": "Report for the board",
        "client": "Acme Ltd",
        "f_contrib": "Clients with negative contribution",
        "f_conc": "Revenue share of the top 20% of clients",
        "f_key": "Key clients",
        "f_fte": "Key account managers needed",
        "f_rej": "Rejected rows worth",
        "s_contrib": "A third of the clients eat the margin of the rest.",
        "s_conc": "Revenue is concentrated in a small group of clients.",
        "s_key": "Selected by attractiveness and relationship criteria.",
        "s_fte": "The current team is smaller than needed.",
        "s_rej": "Rejected rows are left out of every figure.",
        "sec": ("Data intake", "Client base cleanup", "Client profitability",
                "Key client profile", "KAM team sizing", "Recommendations"),
        "lead": ("Two files received; every row reconciled to the cent.",
                 "120 records became 100 legal entities.",
                 "20% of the clients bring 80% of the profit; 30 clients lose money.",
                 "12 clients qualify as key accounts.",
                 "4.2 FTE key account managers are needed.",
                 "Five steps for the next quarter."),
        "recs": ("Appoint key account managers.",
                 "Renegotiate terms with loss-making clients.",
                 "Merge duplicate records in the ERP."),
        "client_pnl": "Client P&L", "key_clients": "Key clients",
        "long": "Headcount and workload of the key account managers",
        "col": {"client": "Client", "client_id": "Code", "revenue": "Revenue",
                "contribution": "Contribution", "margin": "Margin", "orders": "Orders",
                "first_sale": "First sale", "score": "Score", "segment": "Segment",
                "kam": "Manager", "hours": "Hours a year", "fte": "FTE"},
        "whale": "Whale curve", "conc": "Revenue concentration",
        "matrix": "Portfolio matrix", "fte_chart": "KAM headcount",
        "cum_clients": "Share of clients", "cum_profit": "Cumulative profit",
        "share": "Revenue share", "attract": "Attractiveness", "relation": "Relationship",
        "team": "Team", "current": "Current", "needed": "Needed",
    },
}


@lru_cache(maxsize=8)
def _png(kind: str, title: str) -> bytes:
    """A small real PNG drawn by matplotlib (Agg backend, no display needed)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), dpi=60)
    ax = fig.add_subplot()
    if kind == "bar":
        ax.barh(["a", "b", "c"], [3, 2, 1])
    elif kind == "column":
        ax.bar(["a", "b"], [1, 2])
    elif kind == "scatter":
        ax.scatter([1, 2, 3], [3, 1, 2])
    else:
        ax.plot([0, 0.5, 1], [0, 1.2, 1])
    ax.set_title(title)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _fact(fmt: Formatter, key: str, label: str, value: float, kind: str, source: str) -> Fact:
    return Fact(key=key, label=label, value=value, display=fmt.value(value, kind),
                kind=kind, source=source)  # type: ignore[arg-type]


def _client_pnl(t: dict) -> Table:
    c = t["col"]
    data = pd.DataFrame({
        "client_id": ["C001", "C002", "C003", "C004", "C005", "C006", "C007"],
        "client": [t["client"], *MALICIOUS_NAMES, "ИП Иванов И.И.", None],
        "revenue": [1_234_567.89, 250_000.10, 99_999.99, 0.01, 5_000.0, math.nan, 12.5],
        "contribution": [345_678.12, -12_345.67, 1_000.0, -0.01, math.nan, 0.0, -7.25],
        "margin": [0.28, -0.0494, 0.01, -1.0, math.nan, 0.0, -0.58],
        "orders": [120, 8, 3, 1, 0, 2, 1],
        "first_sale": pd.to_datetime(["2023-01-09", "2023-03-15", "2024-02-29", None,
                                      "2025-12-31", "2023-07-01", "2024-10-10"]),
    })
    return Table(
        key="client_pnl", title=t["client_pnl"], sheet="client_pnl",
        columns=[Column("client_id", c["client_id"]), Column("client", c["client"]),
                 Column("revenue", c["revenue"], "money"),
                 Column("contribution", c["contribution"], "money"),
                 Column("margin", c["margin"], "pct"), Column("orders", c["orders"], "int"),
                 Column("first_sale", c["first_sale"], "date")],
        data=data, source="02_profitability/client_pnl.parquet",
        note=t["lead"][2], preview_rows=5,
    )


def _key_clients(t: dict) -> Table:
    c = t["col"]
    data = pd.DataFrame({
        "client": [t["client"], MALICIOUS_NAMES[0], "ИП Иванов И.И."],
        "score": [4.25, 3.5, math.nan],
        "segment": ["A", "B", "—"],
    })
    return Table(key="key_clients", title=t["key_clients"], sheet="",
                 columns=[Column("client", c["client"]), Column("score", c["score"], "number"),
                          Column("segment", c["segment"])],
                 data=data, source="03_key_client_profile/key_clients.parquet")


def _workload(t: dict) -> Table:
    c = t["col"]
    data = pd.DataFrame({"kam": ["Петров", "Smith"], "hours": [1_650, 980],
                         "fte": [1.0, 0.6]})
    # the key is longer than Excel's 31-character sheet names: the renderer shortens it
    return Table(key="kam_team_workload_by_manager_and_client_segment", title=t["long"],
                 columns=[Column("kam", c["kam"]), Column("hours", c["hours"], "int"),
                          Column("fte", c["fte"], "number")],
                 data=data, source="04_kam_team_sizing/workload.parquet")


def _charts(t: dict) -> dict[str, Chart]:
    whale = pd.DataFrame({"cum_clients": [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                          "cum_profit": [0.0, 0.8, 1.15, 1.3, 1.2, 1.0]})
    conc = pd.DataFrame({"client": [t["client"], MALICIOUS_NAMES[1], MALICIOUS_NAMES[0],
                                    "ИП Иванов И.И."],
                         "share": [0.42, 0.21, 0.11, 0.07]})
    matrix = pd.DataFrame({"attract": [4.1, 2.5, 3.3, 1.2], "relation": [3.8, 1.9, 4.4, 2.0],
                           "client": [t["client"], "Beta", "Гамма", MALICIOUS_NAMES[3]]})
    fte = pd.DataFrame({"team": [t["team"]], "current": [3.0], "needed": [4.2]})
    src2 = "02_profitability/summary.json"
    return {
        "whale_curve": Chart("whale_curve", t["whale"], "line", whale, "cum_clients",
                             ["cum_profit"], t["cum_clients"], t["cum_profit"],
                             {"cum_profit": t["cum_profit"]}, _png("line", "whale"),
                             t["lead"][2], src2 + "#whale", y_format="pct"),
        "concentration": Chart("concentration", t["conc"], "bar", conc, "client", ["share"],
                               t["col"]["client"], t["share"], {"share": t["share"]},
                               _png("bar", "conc"), t["s_conc"], src2 + "#concentration",
                               y_format="pct"),
        "portfolio_matrix": Chart("portfolio_matrix", t["matrix"], "scatter", matrix,
                                  "attract", ["relation"], t["attract"], t["relation"],
                                  {"relation": t["matrix"]}, _png("scatter", "matrix"),
                                  t["lead"][3], "03_key_client_profile/portfolio.parquet",
                                  label="client"),
        "fte": Chart("fte", t["fte_chart"], "column", fte, "team", ["current", "needed"],
                     t["team"], "FTE", {"current": t["current"], "needed": t["needed"]},
                     _png("column", "fte"), t["s_fte"], "04_kam_team_sizing/summary.json#fte"),
    }


def tiny_model(lang: str) -> ReportModel:
    """A complete small report model in ``lang`` ("ru" or "en").

    Parameters
    ----------
    lang : str
        The report language; strings are loaded with :func:`kamlib.i18n.load_strings`.

    Returns
    -------
    ReportModel
        Fixed values: tables ``client_pnl`` (7 rows, hostile names, NaN, NaT),
        ``key_clients`` (3 rows) and a long-keyed workload table; charts ``whale_curve``,
        ``concentration``, ``portfolio_matrix``, ``fte``; two inputs in the provenance.
    """
    t = _T[lang]
    fmt = Formatter(lang, "RUB")
    p0, p1, p2 = ("00_data_intake/summary.json", "02_profitability/summary.json",
                  "04_kam_team_sizing/summary.json")
    f_contrib = _fact(fmt, "negative_contribution", t["f_contrib"], 30, "int", p1 + "#n_neg")
    f_conc = _fact(fmt, "top20_share", t["f_conc"], 0.7991, "pct", p1 + "#top20_share")
    f_key = _fact(fmt, "key_clients", t["f_key"], 12, "int",
                  "03_key_client_profile/summary.json#n_key")
    f_fte = _fact(fmt, "fte_needed", t["f_fte"], 4.2, "number", p2 + "#fte_needed")
    f_rej = _fact(fmt, "money_rejected", t["f_rej"], 34_200_000.0, "money_short",
                  p0 + "#money_rejected")
    findings = [
        Finding("negative_contribution", f_contrib.display, t["s_contrib"], f_contrib, "high"),
        Finding("top20_share", f_conc.display, t["s_conc"], f_conc, "medium"),
        Finding("key_clients", f_key.display, t["s_key"], f_key),
        Finding("fte_needed", f_fte.display, t["s_fte"], f_fte, "high"),
        Finding("money_rejected", f_rej.display, t["s_rej"], f_rej, "medium"),
    ]
    revenue = _fact(fmt, "net_revenue", t["col"]["revenue"], 1_589_580.49, "money",
                    p1 + "#totals.net_revenue")
    contribution = _fact(fmt, "contribution", t["col"]["contribution"], 334_325.19, "money",
                         p1 + "#totals.contribution")
    keys = ("intake", "cleanup", "profitability", "key_clients", "sizing", "recommendations")
    sections = [
        Section("intake", t["sec"][0], t["lead"][0], facts=[f_rej],
                bullets=[t["s_rej"]], tables=[]),
        Section("cleanup", t["sec"][1], t["lead"][1], facts=[], bullets=[t["recs"][2]]),
        Section("profitability", t["sec"][2], t["lead"][2],
                facts=[revenue, contribution, f_contrib, f_conc],
                charts=["whale_curve", "concentration"], tables=["client_pnl"]),
        Section("key_clients", t["sec"][3], t["lead"][3], facts=[f_key],
                charts=["portfolio_matrix"], tables=["key_clients"]),
        Section("sizing", t["sec"][4], t["lead"][4], facts=[f_fte], charts=["fte"],
                tables=["kam_team_workload_by_manager_and_client_segment"]),
        Section(keys[5], t["sec"][5], t["lead"][5], bullets=list(t["recs"])),
    ]
    methods = [
        Method("02", "Contribution", "net_revenue − cogs − cost_to_serve",
               "Kaplan & Narayanan (2001)"),
        Method("02", "Whale curve", "cumsum(profit sorted desc) / total profit",
               "Kaplan & Cooper (1998)"),
        Method("03", "Portfolio matrix", "attractiveness × relationship", "McDonald (2000)"),
        Method("04", "FTE", "Σ hours / available hours", "METHODS.md §4"),
    ]
    inputs = pd.DataFrame({
        "file": ["raw/clients.xlsx", "raw/sales_2025.csv"],
        "sheet": ["Лист1", None],
        "table": ["clients", "sales"],
        "sha256": ["a" * 64, "b" * 64],
        "size_bytes": [12_345, 9_876_543],
        "rows_read": [120, 200_000],
        "rows_accepted": [120, 199_990],
        "rows_rejected": [0, 10],
        "money_accepted": [0.0, 3_850_000_000.12],
        "money_rejected": [0.0, 34_200_000.0],
    })
    steps = pd.DataFrame({
        "step": ["00_data_intake", "01_client_base_cleanup", "02_profitability",
                 "03_key_client_profile", "04_kam_team_sizing"],
        "title": list(t["sec"][:5]),
        "status": ["ok"] * 5,
        "finished": [f"2026-01-15T10:0{i}:00" for i in range(5)],
        "seconds": [12.5, 30.1, 18.0, 9.9, 4.2],
    })
    prov = Provenance(
        run_started="2026-01-15T10:00:00", run_finished="2026-01-15T10:05:00",
        report_date="2026-01-16",
        versions={"kamlib": "0.1.0", "python": "3.11.9", "pandas": "3.1.1"},
        parameters={"intake": {"date_order": "dmy", "unknown_clients": "add"},
                    "profitability": {"cost_to_serve": {"per_order": 150.0, "per_visit": 2500}},
                    "language": lang},
        inputs=inputs, control_totals=[revenue, contribution],
        merge_decisions=pd.DataFrame(columns=["client_id_a", "client_id_b", "decision",
                                              "note", "decided_on"]),
        steps=steps,
    )
    tables = {tb.key: tb for tb in (_client_pnl(t), _key_clients(t), _workload(t))}
    return ReportModel(
        language=lang, client=t["client"], currency="RUB",
        period=("2023-01-02", "2025-12-31"), title=t["title"], subtitle=t["subtitle"],
        generated="2026-01-16T09:30:00", strings=load_strings(lang), fmt=fmt,
        findings=findings, sections=sections, recommendations=list(t["recs"]),
        methods=methods, provenance=prov, tables=tables, charts=_charts(t),
        engagement_dir="",
    )


# --------------------------------------------------------------------------- a small P&L
#: The columns of the hand-computed client P&L the curve and chart tests share.
PNL_COLS = ["list_revenue", "discount", "sales_net", "returns", "net_revenue", "cogs",
            "gross_margin", "cost_to_serve", "cost_of_receivables", "contribution"]
#: Six clients, worked by hand in tests/profitability/test_curves.py.
PNL_ROWS = {
    "a": [500, 100, 400, 0, 400, 280, 120, 50, 10, 60],
    "b": [220, 20, 200, 0, 200, 140, 60, 25, 5, 30],
    "c": [160, 10, 150, 0, 150, 100, 50, 28, 2, 20],
    "d": [110, 10, 100, 0, 100, 70, 30, 18, 2, 10],
    "e": [105, 5, 100, 0, 100, 97, 3, 22, 1, -20],
    "f": [100, 20, 80, 30, 50, 35, 15, 50, 5, -40],
}
