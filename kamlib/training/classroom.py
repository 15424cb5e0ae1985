"""Participant materials for a lesson case: a worksheet, an answer sheet, the timings.

A lesson case (``data_samples/training_*``, copied by ``kam demo``) holds its answer key in
``truth.json``. :func:`write_materials` writes, per language, two pages the trainer prints or
sends before the session:

- the **worksheet**: the case's story, then per exercise the question, the data to look at
  (the step and the section of the presentation) and an empty box for the answer, with the
  time the exercise takes; no figure of the answer is on it;
- the **answer sheet**: the same exercises with their answers, the figures read from the
  case's ``truth.json`` and, for what the audit computes (step 4's KAMs), from the step's
  ``summary.json`` when the case has been run; and the timing table.

Texts come from ``templates/i18n/<lang>/classroom.yaml`` (``classroom.lesson.<lesson>``),
figures are formatted by :class:`kamlib.i18n.Formatter`; HTML is written always, PDF through
the report's printer (:func:`kamlib.report.html.write_pdf`, WeasyPrint) when asked.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ..atomic import atomic_write_bytes
from ..errors import KamError
from ..i18n import Formatter, Strings, load_strings

__all__ = ["exercises", "lesson_of", "lesson_values", "render_materials", "write_materials"]

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; margin: 2em; }
h1 { font-size: 18pt; margin-bottom: 0.2em; } h2 { font-size: 13pt; margin-top: 1.4em; }
.meta { color: #555; } .look { color: #1f4e79; } .minutes { float: right; color: #555; }
.box { border: 1px solid #888; height: 7em; margin-top: 0.4em; }
table { border-collapse: collapse; margin-top: 0.6em; }
td, th { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; }
td.n { text-align: right; }
@page { size: A4; margin: 15mm; }
"""


def _raw_digest(folder: Path) -> dict[str, str]:
    from ..atomic import sha256_file

    raw = folder / "raw"
    return {p.relative_to(raw).as_posix(): sha256_file(p) for p in sorted(raw.rglob("*"))
            if p.is_file()} if raw.is_dir() else {}


def _read_truth(path: Path) -> tuple[str, dict[str, Any]]:
    truth = json.loads(path.read_text(encoding="utf-8"))
    name = (truth.get("lesson") or {}).get("name")
    if not name:
        raise KamError("truth.json names no lesson", file=str(path),
                       hint="regenerate the case: "
                            "python -m kamlib.training.samples DIR --lesson vip")
    return str(name), truth


def lesson_of(engagement_dir: str | Path) -> tuple[str, dict[str, Any]]:
    """The lesson of a case and its answer key: ``(name, truth)``.

    The key is the case's ``truth.json``: in the folder itself (a case of
    ``data_samples/``), else that of the training sample whose raw files the engagement holds
    byte for byte (``kam demo`` copies a case without its answer key, so that the room's
    copy does not hold the answers).

    Raises
    ------
    KamError
        The engagement is not a lesson case (no ``truth.json``, and its raw files are those
        of no training sample).
    """
    from ..resources import samples_dir

    root = Path(engagement_dir)
    if (root / "truth.json").is_file():
        return _read_truth(root / "truth.json")
    mine = _raw_digest(root)
    for case in sorted(samples_dir().glob("training_*")):
        if (case / "truth.json").is_file() and mine and _raw_digest(case) == mine:
            return _read_truth(case / "truth.json")
    raise KamError("not a lesson case: no truth.json, and its raw files are those of no "
                   "training sample", file=str(root),
                   hint="copy a case first: kam demo DIR --sample training_vip")


def _summary(root: Path, step: str) -> dict[str, Any] | None:
    path = root / "work" / step / "summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def lesson_values(engagement_dir: str | Path, lang: str) -> dict[str, str]:
    """The figures the lesson's texts name, formatted in ``lang`` (placeholders of
    ``classroom.yaml``): the case's ``truth.json`` figures and, for step 4, its summary."""
    root = Path(engagement_dir)
    name, truth = lesson_of(root)
    f = truth["lesson"]["figures"]
    fmt = Formatter(lang, truth.get("currency", "RUB"))
    st = load_strings(lang)
    if name == "capstone":   # several traps and the organisational lessons at once
        from .capstone import capstone_values

        return capstone_values(f, fmt, st, lambda step: _summary(root, step))
    if name in ("channels", "teams"):   # the organisational lessons: figures of the run
        from .org_lessons import channels_values, teams_values

        values = channels_values if name == "channels" else teams_values
        return values(f, fmt, st, lambda step: _summary(root, step))
    v: dict[str, str] = {}
    for key in ("net_revenue", "contribution", "gross_margin", "cost_to_serve",
                "receivables_cost"):
        if key in f:
            v[key] = fmt.money(f[key], 0)
    for key, src in (("share", "share"), ("discount_share", "discount_share_of_list"),
                     ("top3_share", "top3_share"), ("top3_naive", "top3_share_by_record_naive")):
        if src in f:
            v[key] = fmt.pct(f[src])
    for key in ("name", "group"):
        if key in f:
            v[key] = str(f[key])
    for key in ("revenue_rank", "contacts", "entities", "group_rank", "team_kams"):
        if key in f:
            v[key] = fmt.integer(f[key])
    if "avg_payment_delay_days" in f:
        v["delay"] = fmt.number(f["avg_payment_delay_days"], 0)
    if "entity_revenue_ranks" in f:
        ranks = sorted(f["entity_revenue_ranks"])
        v["ranks"] = f"{ranks[0]}–{ranks[-1]}"
    if name == "overstaffed":
        s4 = _summary(root, "04_kam_team_sizing")
        missing = st.t("classroom.not_run")
        v["key_accounts"] = fmt.integer(s4["key_accounts"]) if s4 else missing
        v["total_hours"] = fmt.integer(s4["total_hours"]) if s4 else missing
        v["kams"] = fmt.integer(s4["kams"]) if s4 else missing
    return v


def exercises(lesson: str, st: Strings, values: dict[str, str]) -> list[dict[str, Any]]:
    """The lesson's exercises in order: ``q``, ``look``, ``minutes`` (int), ``a``."""
    out = []
    i = 1
    while f"classroom.lesson.{lesson}.e{i}.q" in st:
        base = f"classroom.lesson.{lesson}.e{i}"
        out.append({"q": st.t(f"{base}.q", **values), "look": st.t(f"{base}.look", **values),
                    "minutes": int(st.t(f"{base}.min")), "a": st.t(f"{base}.a", **values)})
        i += 1
    if not out:
        raise KamError(f"no exercises for the lesson '{lesson}'", value=lesson,
                       hint="add them to templates/i18n/<lang>/classroom.yaml")
    return out


def _page(title: str, lang: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
            f"<body>{body}</body></html>")


def render_materials(engagement_dir: str | Path, lang: str) -> dict[str, str]:
    """The worksheet and the answer sheet of a lesson case as HTML pages.

    Returns
    -------
    dict
        ``{"worksheet": html, "answers": html}``.
    """
    lesson, _truth = lesson_of(engagement_dir)
    st = load_strings(lang)
    values = lesson_values(engagement_dir, lang)
    ex = exercises(lesson, st, values)
    e = html.escape
    title = st.t(f"classroom.lesson.{lesson}.title")
    story = st.t(f"classroom.lesson.{lesson}.story", **values)
    head = (f"<p class='meta'>{e(st.t('classroom.lesson_label'))} · "
            f"{e(st.t('classroom.case'))}: training_{e(lesson)}</p>"
            f"<h2>{e(st.t('classroom.story'))}</h2><p>{e(story)}</p>")
    total = sum(x["minutes"] for x in ex)
    timing = (f"<h2>{e(st.t('classroom.timing'))}</h2><table><tr>"
              f"<th>{e(st.t('classroom.exercise'))}</th><th>{e(st.t('classroom.minutes'))}</th>"
              "</tr>" + "".join(f"<tr><td>{i}. {e(x['q'])}</td><td class='n'>{x['minutes']}"
                                "</td></tr>" for i, x in enumerate(ex, 1))
              + f"<tr><th>{e(st.t('classroom.total'))}</th><th class='n'>{total}</th></tr>"
              "</table>")

    def block(i: int, x: dict[str, Any], answer: bool) -> str:
        tail = (f"<p><b>{e(st.t('classroom.answer'))}:</b> {e(x['a'])}</p>" if answer else
                f"<p><b>{e(st.t('classroom.your_answer'))}:</b></p><div class='box'></div>")
        return (f"<section class='exercise'><h2>{e(st.t('classroom.exercise'))} {i}"
                f"<span class='minutes'>{x['minutes']} {e(st.t('classroom.minutes_short'))}"
                f"</span></h2><p><b>{e(st.t('classroom.question'))}:</b> {e(x['q'])}</p>"
                f"<p class='look'><b>{e(st.t('classroom.look_at'))}:</b> {e(x['look'])}</p>"
                f"{tail}</section>")

    sheets = {}
    for kind, answer in (("worksheet", False), ("answers", True)):
        heading = f"{st.t('classroom.' + kind)}: {title}"
        body = (f"<h1>{e(heading)}</h1>" + head
                + "".join(block(i, x, answer) for i, x in enumerate(ex, 1))
                + (timing if answer else ""))
        sheets[kind] = _page(heading, lang, body)
    return sheets


def write_materials(engagement_dir: str | Path, *, languages: tuple[str, ...] = ("ru", "en"),
                    pdf: bool = False, out_dir: str | Path | None = None) -> list[Path]:
    """Write the worksheet and the answer sheet of a lesson case in each language.

    Parameters
    ----------
    engagement_dir : path
        A lesson case (with ``truth.json``); run it first (``kam demo``) for the figures
        step 4 computes.
    languages : tuple of str
        ``"ru"``, ``"en"``.
    pdf : bool
        Also print each page to PDF (WeasyPrint, as the report does).
    out_dir : path, optional
        Default ``<engagement>/classroom``.

    Returns
    -------
    list of Path
        ``<out>/<lang>/<lesson>_worksheet.html``, ``…_answers.html`` (and ``.pdf``).
    """
    root = Path(engagement_dir)
    lesson, _ = lesson_of(root)
    out = Path(out_dir) if out_dir is not None else root / "classroom"
    written = []
    for lang in languages:
        folder = out / lang
        folder.mkdir(parents=True, exist_ok=True)
        for kind, page in render_materials(root, lang).items():
            path = folder / f"{lesson}_{kind}.html"
            atomic_write_bytes(path, page.encode("utf-8"))
            written.append(path)
            if pdf:
                from ..report.html import write_pdf

                written.append(write_pdf(page, path.with_suffix(".pdf")))
    return written
