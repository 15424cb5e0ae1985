"""Identifiers of people and companies inside free text: what the anonymiser must not carry.

A client's export puts personal data where no schema expects it: a phone number or an
e-mail in a client's name (``ООО Ромашка тел. 8 (495) 123-45-67``), an INN inside a name, a
contact's name in the segment or the function column (``Сегмент: Иванов И.И.``). The
anonymiser (:mod:`kamlib.training.anonymise`) scans every text field with :func:`find_pii` and
replaces what it finds.

Found:

- **e-mail addresses**;
- **long numbers**: 7 digits or more, possibly written with spaces, dashes, brackets and a
  leading ``+`` (phones, INN, OGRN / OGRNIP, bank details); dates are not;
- **person names**: ``Фамилия И.О.`` and ``И.О. Фамилия``; ``Фамилия Имя Отчество`` and
  ``Имя Отчество`` (a word with a patronymic ending); ``Firstname Lastname`` with a common
  given name; and any surname of the engagement's own people (``known``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PiiMatch", "find_pii", "known_surnames"]

EMAIL_RE = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
LONG_NUMBER_RE = re.compile(r"(?<![\w.,/])\+?\(?\d(?:[ \u00a0\-()]{0,3}\d){6,}(?![\w.,/]\d)")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{2}-\d{2}-\d{4}$")
_CAP = r"[А-ЯЁ][а-яё]+(?:-[А-ЯЁ][а-яё]+)?"
_INITIALS = r"[А-ЯЁ]\.\s?[А-ЯЁ]\.?"
_PATRONYMIC = r"[А-ЯЁ][а-яё]+(?:ович|евич|ьич|овна|евна|ична|инична)"
PERSON_RE = re.compile(
    rf"(?<!\w)(?:{_CAP}\s+{_INITIALS}|{_INITIALS}\s?{_CAP}"
    rf"|(?:{_CAP}\s+)?{_CAP}\s+{_PATRONYMIC})(?!\w)")
#: Common given names of Europe and the Americas, for ``Firstname Lastname`` in Latin.
_GIVEN = """
adam alex alexander alexandra alice alicia amanda amelia andrea andrew angela anna anne
anthony antonio ben benjamin brian carlos carmen caroline catherine charles charlotte chris
christian christina christopher clara claire daniel david diana elena elizabeth emily emma
eric eva felix francesco francisco frank george greta hans hugo ines isabel jack james jan
jane jennifer jessica joanna johan john jonas jorge jose joseph juan julia julie karen katarina
kevin klara laura lucas lukas luis maria marco margaret maria mark marta martin mary matteo
michael michelle natalia nicolas noah olga olivia oliver pablo patricia paul peter pierre
rachel richard robert rosa sandra sara sarah sebastian simon sofia sophie stefan stephen
steven susan tessa thomas tom victor william
"""
GIVEN_NAMES = frozenset(_GIVEN.split())
_LATIN_PERSON_RE = re.compile(r"(?<!\w)(?=([A-Z][a-z]+)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)(?!\w))")


@dataclass(frozen=True)
class PiiMatch:
    """One identifier found in a text: where, what, and its kind."""

    start: int
    end: int
    text: str
    kind: str  # "e-mail", "phone or tax id", "person name"


def known_surnames(people: Iterable[object]) -> frozenset[str]:
    """The words of the engagement's own people's names (3 letters or more, capitalised),
    case-folded: ``Иванов И.И.`` → ``иванов``."""
    out: set[str] = set()
    for p in people:
        if isinstance(p, str):
            out.update(w.casefold() for w in re.findall(r"[^\W\d_]{3,}", p) if w[0].isupper())
    return frozenset(out)


def find_pii(text: str, *, known: frozenset[str] = frozenset(),
             persons: bool = True) -> list[PiiMatch]:
    """The identifiers in ``text``, in order, not overlapping.

    Parameters
    ----------
    text : str
        A free-text value.
    known : frozenset of str
        Case-folded surnames of the engagement's people (:func:`known_surnames`).
    persons : bool
        Look for person names too (off for fields that are names already replaced word by
        word).
    """
    found: list[PiiMatch] = []
    for m in EMAIL_RE.finditer(text):
        found.append(PiiMatch(m.start(), m.end(), m.group(), "e-mail"))
    for m in LONG_NUMBER_RE.finditer(text):
        if not _DATE_RE.match(m.group()):
            found.append(PiiMatch(m.start(), m.end(), m.group(), "phone or tax id"))
    if persons:
        for m in PERSON_RE.finditer(text):
            found.append(PiiMatch(m.start(), m.end(), m.group(), "person name"))
        for m in _LATIN_PERSON_RE.finditer(text):  # a lookahead: pairs may overlap
            if m.group(1).casefold() in GIVEN_NAMES:
                end = m.end(2)
                found.append(PiiMatch(m.start(), end, text[m.start():end], "person name"))
        if known:
            for m in re.finditer(r"[^\W\d_]{3,}", text):
                if m.group().casefold() in known and m.group()[0].isupper():
                    found.append(PiiMatch(m.start(), m.end(), m.group(), "person name"))
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    out: list[PiiMatch] = []
    for p in found:
        if out and p.start < out[-1].end:
            continue
        out.append(p)
    return out
