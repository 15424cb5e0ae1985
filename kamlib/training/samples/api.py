"""Generating a sample engagement: :func:`generate_engagement` and the command line."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .build import _lesson_spec, build_world
from .finance import _set_finance, _write_finance
from .spec import (
    _FORM_PROFILES,
    _LESSONS,
    _SPECS,
    ALIGNMENT_LESSONS,
    WORKSHOP_LESSONS,
    Profile,
    _Spec,
)
from .truth import build_truth, truth_markdown
from .writers_en import write_en
from .writers_ru import write_ru


def _prepare(out: Path, overwrite: bool) -> Path:
    raw = out / "raw"
    if raw.exists() and any(raw.iterdir()):
        if not overwrite:
            raise ValueError(f"{raw} already holds files; pass overwrite=True (--overwrite) "
                             "to replace them")
        for p in raw.iterdir():
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
    return raw


def _init_engagement(out: Path, spec: _Spec) -> None:
    from kamlib.engagement import init_engagement

    existed = {p.name for p in out.iterdir()} if out.exists() else set()
    init_engagement(out, client=spec.client, currency=spec.currency, language=spec.language,
                    force=True)
    req = out / "data_request.xlsx"
    if req.exists() and "data_request.xlsx" not in existed:
        req.unlink()
    for sub in ("work", "review", "decisions", "reports", "notebooks"):
        p = out / sub
        if p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    cfg = out / "engagement.yaml"
    text = cfg.read_text(encoding="utf-8")
    for k, v in spec.rates.items():
        def put(m: re.Match[str], v: float = v) -> str:
            return f"{m[1]}{v:g}{' ' * max(1, len(m[2]) + 1 - len(f'{v:g}'))}#"

        text = re.sub(rf"(?m)^(    {k}: )0( +)#", put, text, count=1)
    cfg.write_text(text, encoding="utf-8")


def generate_engagement(out_dir: str | Path, *, profile: Profile = "ru_1c",
                        n_clients: int | None = None, n_lines: int | None = None,
                        seed: int = 42, overwrite: bool = False,
                        lesson: str | None = None) -> dict[str, Any]:
    """Generate a sample engagement: ``raw/*``, ``truth.json``, ``TRUTH.md``, ``engagement.yaml``.

    Parameters
    ----------
    out_dir : path-like
        Engagement folder to write into (created if missing). Nothing is written outside it.
    profile : {"ru_1c", "en_clean", "1c_report_form"}
        ``ru_1c``: messy 1C-style Russian exports; ``en_clean``: clean English CSVs;
        ``1c_report_form``: a 1C "Продажи" report form only (period-level sales, client ×
        delivery-address rows; :mod:`kamlib.training.samples.forms`).
    n_clients : int, optional
        Catalogue records (default 3000 for ``ru_1c``, 300 for ``en_clean``).
    n_lines : int, optional
        Sales lines before returns (default 120,000 / 20,000).
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same bytes.
    overwrite : bool
        Replace the files of an existing ``raw/`` folder (otherwise a ``ValueError``).
    lesson : str, optional
        A training case instead of the demo: ``vip``, ``top3``, ``holding``,
        ``single_contact``, ``overstaffed``, ``channels`` or ``teams`` (a small, clean
        ``ru_1c`` engagement with that one finding planted; ``truth.json`` gets a ``lesson``
        section, ``TRUTH.md`` starts with the lesson), or ``capstone`` (several of those
        traps at once, clients that stopped paying, and the management workshop's answers in
        ``review/``: the VIP list, the channels' fit and the alignment questionnaire).
        ``channels`` and ``teams`` carry the workshop sheets their lessons need
        (:mod:`kamlib.training.samples.workshop`).
        ``n_clients`` / ``n_lines`` default to the lesson's sizes.

    Returns
    -------
    dict
        The truth (also written to ``truth.json``).

    Raises
    ------
    ValueError
        If ``raw/`` already holds files and ``overwrite`` is false, or the profile or the
        lesson is unknown, or a lesson is asked of another profile than ``ru_1c``.
    """
    if profile in _FORM_PROFILES and lesson is None:
        from .forms import generate_report_form

        return generate_report_form(out_dir, seed=seed, n_clients=n_clients,
                                    overwrite=overwrite)
    if profile not in _SPECS:
        raise ValueError(f"unknown profile {profile!r}; use one of {sorted(_SPECS)}")
    _lesson_spec(profile, lesson)  # validate before touching the folder
    out = Path(out_dir)
    raw = _prepare(out, overwrite)
    world = build_world(profile, n_clients, n_lines, seed, lesson)
    out.mkdir(parents=True, exist_ok=True)
    _init_engagement(out, world.spec)
    raw.mkdir(exist_ok=True)
    wrng = np.random.default_rng([seed, 1])
    meta = (write_ru if profile == "ru_1c" else write_en)(world, raw, wrng)
    if lesson is None:   # the demos carry the client's own cost pools and off-invoice spend
        _set_finance(out, _write_finance(world, out))
    if lesson in ALIGNMENT_LESSONS:   # the second front: the management workshop's answers
        from kamlib.kit.alignment import write_questionnaire
        from kamlib.kit.alignment_sample import sample_answers

        from .workshop import teams_answers

        (out / "review").mkdir(exist_ok=True)
        answers = teams_answers() if lesson == "teams" else sample_answers("ru")
        write_questionnaire(out / "review" / "alignment.xlsx", "ru", answers=answers)
    if lesson in WORKSHOP_LESSONS:   # management's VIP list and its scores of the channels
        from .workshop import write_workshop

        write_workshop(out, world, lesson)
    truth = build_truth(world, meta, seed)
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n",
                                    encoding="utf-8")
    (out / "TRUTH.md").write_text(truth_markdown(truth), encoding="utf-8")
    return truth


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m kamlib.training.samples OUT --profile ru_1c --seed 42``."""
    ap = argparse.ArgumentParser(prog="python -m kamlib.training.samples",
                                 description="Generate a synthetic sample engagement.")
    ap.add_argument("out", help="engagement folder to write")
    ap.add_argument("--profile", choices=sorted(_SPECS) + list(_FORM_PROFILES),
                    default="ru_1c")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--clients", type=int, default=None, help="catalogue records")
    ap.add_argument("--lines", type=int, default=None, help="sales lines")
    ap.add_argument("--overwrite", action="store_true", help="replace existing raw/ files")
    ap.add_argument("--lesson", choices=sorted(_LESSONS), default=None,
                    help="a small training case with this one finding planted (ru_1c)")
    args = ap.parse_args(argv)
    try:
        t = generate_engagement(args.out, profile=args.profile, n_clients=args.clients,
                                n_lines=args.lines, seed=args.seed, overwrite=args.overwrite,
                                lesson=args.lesson)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if t.get("profile") in _FORM_PROFILES:
        print(f"{args.out}: a 1C report form, {t['clients']} clients, "
              f"{t['delivery_points']} delivery points, ИТОГО {t['gross']}")
        return 0
    if "lesson" in t:
        print(f"{args.out}: lesson {t['lesson']['name']!r} — {t['lesson']['title']}")
    print(f"{args.out}: {t['sizes']['catalogue_records']} clients, "
          f"{t['sizes']['sales_lines']} sales lines, top-3 share "
          f"{t['concentration']['top3_share']:.1%}")
    return 0
