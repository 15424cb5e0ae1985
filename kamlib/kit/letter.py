"""The data-request letter: the cover text sent with the request workbook.

What is asked and why each item: the tables of the canonical schema (:data:`kamlib.schema
.TABLES`, the same list the request workbook ``data_request.xlsx`` of
:func:`kamlib.engagement.write_data_request` details column by column), the optional finance
sheets and what the management workshop is asked for; the deadline and whom to ask.
"""

from __future__ import annotations

from datetime import date

from ..i18n import Formatter, load_strings
from .pages import esc, page, table

__all__ = ["letter_html"]


def letter_html(client: str, lang: str, *, deadline: date, contact: str | None = None,
                currency: str = "RUB") -> str:
    """The letter as an HTML page in ``lang``.

    Parameters
    ----------
    client : str
        The audited company (``engagement.yaml``'s ``client``).
    lang : {"ru", "en"}
        The letter's language.
    deadline : date
        The date the exports are asked for.
    contact : str, optional
        Whom to ask (name, phone, e-mail); without it the letter says to reply to the sender.
    currency : str
        The engagement's currency (for the date formatter's locale only).

    Returns
    -------
    str
        A complete HTML page (print it with :func:`kamlib.report.html.write_pdf`).
    """
    from ..engagement import FINANCE_SHEETS
    from ..schema import TABLES

    st = load_strings(lang)
    fmt = Formatter(lang, currency)

    def t(key: str, **kw: object) -> str:
        return st.t(f"kit_docs.letter.{key}", **kw)

    rows = []
    for name, tbl in TABLES.items():
        label = tbl.label_ru if lang == "ru" else tbl.label_en
        rows.append((label, t("required_no") if tbl.optional else t("required_yes"),
                     t(f"why.{name}")))
    for name in FINANCE_SHEETS:
        rows.append((t(f"finance.{name}"), t("required_no"), t(f"finance.{name}_why")))
    asks = [(t(f"ask.{k}"), t(f"ask.{k}_why")) for k in ("vip", "channels", "fixed")]
    body = [f"<h1>{esc(t('title'))}</h1>", f"<p><b>{esc(t('to', client=client))}</b></p>",
            *(f"<p>{esc(t(k, client=client))}</p>" for k in ("p1", "p2", "p3")),
            f"<h2>{esc(t('asked'))}</h2>",
            table([t("col_item"), t("col_required"), t("col_why")], rows),
            f"<p>{esc(t('workbook'))}</p>",
            f"<h2>{esc(t('workshop'))}</h2>",
            table([t("col_item"), t("col_why")], asks),
            f"<h2>{esc(t('deadline_title'))}</h2>",
            f"<p>{esc(t('deadline', date=fmt.date(deadline)))}</p>",
            f"<h2>{esc(t('contact_title'))}</h2>",
            f"<p>{esc(t('contact', contact=contact) if contact else t('contact_default'))}</p>",
            f"<p>{esc(t('closing'))}</p>"]
    return page(t("title"), "\n".join(body), lang)
