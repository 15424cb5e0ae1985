"""The demo engagement's workshop answers (``data_samples/demo_ru/review/alignment.xlsx``).

Three managers and four KAMs of the fictitious demo company, written once by hand so the
sample shows the finding: management sees structure and systems in place, the KAMs do not.
Regenerate byte for byte with ``python -m kamlib.kit.alignment_sample OUT.xlsx [--lang ru]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from .alignment import _FIRST, STATEMENTS, AlignmentAnswers, write_questionnaire

__all__ = ["SAMPLE_SCORES", "answers_from", "main", "sample_answers"]

#: respondent (name, role) → 21 scores in the order of :data:`~kamlib.kit.alignment.STATEMENTS`
#: (shared values ×3, style ×3, skills ×3, staff ×3, strategy ×3, structure ×3, systems ×3)
SAMPLE_SCORES: dict[tuple[str, str], tuple[int, ...]] = {
    ("Г. Д.", "management"): (4, 4, 3, 3, 4, 3, 3, 3, 3, 3, 3, 3, 4, 4, 3, 4, 4, 4, 5, 4, 4),
    ("К. Д.", "management"): (4, 3, 3, 3, 3, 3, 4, 3, 3, 3, 2, 3, 4, 3, 3, 4, 4, 3, 4, 4, 4),
    ("Ф. Д.", "management"): (3, 4, 3, 2, 3, 3, 3, 3, 2, 3, 3, 2, 3, 4, 3, 4, 5, 4, 5, 3, 4),
    ("А. М.", "kam"): (3, 3, 2, 2, 2, 3, 3, 3, 2, 2, 2, 2, 3, 3, 2, 2, 3, 2, 2, 2, 2),
    ("Б. Н.", "kam"): (3, 2, 2, 2, 3, 2, 4, 3, 2, 3, 2, 1, 3, 2, 2, 2, 3, 2, 2, 1, 3),
    ("В. О.", "kam"): (4, 3, 2, 3, 2, 3, 3, 3, 3, 2, 2, 2, 2, 3, 3, 1, 2, 2, 1, 2, 2),
    ("Д. П.", "kam"): (3, 3, 2, 2, 2, 2, 3, 2, 2, 3, 1, 2, 3, 2, 2, 2, 3, 2, 2, 2, 3),
}
#: ticks on the practice sheet: respondent index → question codes ticked
SAMPLE_TICKS: dict[int, tuple[str, ...]] = {
    0: ("resources.size", "resources.relationship", "kpis.sales_volume"),
    1: ("resources.size", "resources.profit", "kpis.logistics_cost"),
    2: ("resources.size", "kpis.finance_terms"),
    3: ("resources.size", "resources.request", "kpis.logistics_cost", "kpis.finance_terms"),
    4: ("resources.relationship", "resources.request", "kpis.logistics_cost"),
    5: ("resources.size", "resources.request", "kpis.finance_terms", "kpis.purchasing_stock"),
    6: ("resources.request", "kpis.logistics_cost", "kpis.sales_volume"),
}
_TEXTS = {
    "ru": {3: ("kpis_text", "Логистика отказала сети в доставке двумя машинами в неделю: "
                            "правило полных машин."),
           5: ("resources_text", "Скидку крупному клиенту согласовывали три недели через "
                                 "финансового директора.")},
    "en": {3: ("kpis_text", "Logistics refused the chain two deliveries a week: the full-truck "
                            "rule."),
           5: ("resources_text", "A discount for a large client took three weeks of approvals "
                                 "through the finance director.")},
}


def answers_from(scores: dict[tuple[str, str], tuple[int, ...]],
                 ticks: dict[int, tuple[str, ...]],
                 texts: dict[int, tuple[str, str]]) -> AlignmentAnswers:
    """Filled answers from respondents' scores (``(name, role)`` → 21 scores in the order of
    :data:`~kamlib.kit.alignment.STATEMENTS`), the practice codes each ticked and the free
    texts some wrote (respondent index → ``(code, text)``)."""
    resp, rows, prac = [], [], []
    for i, ((name, role), vals) in enumerate(scores.items()):
        col = _FIRST + i
        resp.append({"column": col, "name": name, "role": role})
        rows += [{"column": col, "role": role, "code": c, "element": c.rsplit("_", 1)[0],
                  "score": v} for c, v in zip(STATEMENTS, vals, strict=True)]
        prac += [{"column": col, "role": role, "code": c, "value": "x"} for c in ticks[i]]
        if i in texts:
            code, text = texts[i]
            prac.append({"column": col, "role": role, "code": code, "value": text})
    return AlignmentAnswers("filled", pd.DataFrame(resp), pd.DataFrame(rows),
                            pd.DataFrame(prac, columns=["column", "role", "code", "value"]))


def sample_answers(lang: str = "ru") -> AlignmentAnswers:
    """The sample's answers as :class:`~kamlib.kit.alignment.AlignmentAnswers`."""
    return answers_from(SAMPLE_SCORES, SAMPLE_TICKS, _TEXTS[lang])


def main(argv: list[str] | None = None) -> int:
    """Write the sample's filled questionnaire."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--lang", default="ru", choices=["ru", "en"])
    a = p.parse_args(argv)
    write_questionnaire(Path(a.out), a.lang, answers=sample_answers(a.lang))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
