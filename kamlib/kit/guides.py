"""Interview guides: CEO, sales director, KAMs, finance, logistics.

Questions grouped by theme; each tied to what the audit needs from the answer (a step's
criterion, weight, list or rate), so an interview feeds the audit instead of only informing
the consultant. The texts are ``kit_docs.guides.*`` in the language files.
"""

from __future__ import annotations

import pandas as pd

from ..i18n import load_strings
from .pages import esc, page

__all__ = ["GUIDES", "guides_html", "guides_table"]

#: role → themes → questions (code, what the audit needs from the answer)
GUIDES: dict[str, tuple[tuple[str, tuple[tuple[str, str], ...]], ...]] = {
    "ceo": (("strategy", (("ceo_1", "usp"), ("ceo_2", "usp"))),
            ("clients", (("ceo_3", "vip"), ("ceo_4", "criteria"))),
            ("organisation", (("ceo_5", "alignment"), ("ceo_6", "team")))),
    "sales_director": (("strategy", (("sales_director_1", "channels"),)),
                       ("clients", (("sales_director_2", "vip"),
                                    ("sales_director_5", "service"))),
                       ("team", (("sales_director_3", "team"), ("sales_director_4", "kpis"))),
                       ("organisation", (("sales_director_6", "alignment"),))),
    "kam": (("work", (("kam_1", "relationships"), ("kam_2", "team"), ("kam_4", "team"))),
            ("organisation", (("kam_3", "alignment"), ("kam_5", "kpis")))),
    "finance": (("costs", (("finance_1", "costs"), ("finance_4", "costs"))),
                ("money", (("finance_2", "payment"), ("finance_3", "payment"))),
                ("organisation", (("finance_5", "alignment"),))),
    "logistics": (("service", (("logistics_1", "costs"), ("logistics_2", "costs"))),
                  ("organisation", (("logistics_3", "alignment"),)),
                  ("data", (("logistics_4", "data"),))),
}
#: minutes planned per interview
MINUTES = 60


def guides_table(lang: str) -> pd.DataFrame:
    """Every question of every guide: ``role``, ``theme``, ``question``, ``need`` (texts in
    ``lang``) and ``code``."""
    st = load_strings(lang)
    rows = [{"role": st.t(f"kit_docs.guides.role.{role}"),
             "theme": st.t(f"kit_docs.guides.theme.{theme}"),
             "question": st.t(f"kit_docs.guides.q.{code}"),
             "need": st.t(f"kit_docs.guides.need.{need}"), "code": code}
            for role, themes in GUIDES.items() for theme, qs in themes for code, need in qs]
    return pd.DataFrame(rows, columns=["role", "theme", "question", "need", "code"])


def guides_html(lang: str) -> str:
    """The five guides as one HTML page (one chapter per role)."""
    st = load_strings(lang)

    def t(key: str, **kw: object) -> str:
        return st.t(f"kit_docs.guides.{key}", **kw)

    body = [f"<h1>{esc(t('title'))}</h1>", f"<p>{esc(t('intro', minutes=MINUTES))}</p>"]
    for role, themes in GUIDES.items():
        body.append(f"<h2>{esc(t(f'role.{role}'))}</h2>")
        for theme, qs in themes:
            body.append(f"<h3>{esc(t(f'theme.{theme}'))}</h3><ol>")
            for code, need in qs:
                body.append(f"<li>{esc(t(f'q.{code}'))}<br><span class=\"need\">"
                            f"{esc(t('for_audit'))}: {esc(t(f'need.{need}'))}</span></li>")
            body.append("</ol>")
    return page(t("title"), "\n".join(body), lang)
