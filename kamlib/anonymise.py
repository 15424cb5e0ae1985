"""Turn a real engagement into a training one: ``kam anonymise DIR OUT``.

The canonical tables of ``DIR`` (its ``work/00_intake``, or a fresh in-memory intake when that
is missing or stale; ``raw/`` is only read) are written to ``OUT`` as a new engagement whose
audit finds the same things: the same duplicates, branches and groups, the same statuses,
loss-makers, concentration, key clients and team size, with every amount multiplied by one
secret factor and every date moved by a secret whole number of years. ``docs/anonymiser.md``
says what is replaced, what is kept and where the method stops.

How each kind of value is replaced (one keyed, deterministic mapping per kind, so the same
value becomes the same replacement in every table, decision and review sheet):

- **words of names** (clients, groups, people, products, free text): a keyed permutation of
  letters, Cyrillic → Cyrillic and Latin → Latin, case kept, within classes chosen so that
  step 1 reads the replaced names as it read the originals (see :data:`_EXACT_CYR`): edit
  distances between spellings, ё/е, и/й/ы and look-alike variants, initials of persons. A
  Latin word that step 1 reads as the transliteration of a Cyrillic word of the engagement
  (``OOO Romashka`` ~ ``ООО «Ромашка»``) is written as the transliteration of that word's
  replacement, so the cross-script match survives. Legal forms, weak words (``ТД``,
  ``Трейд``, ``Group`` …), ``филиал`` and a few connectors are kept, and patronymic endings
  (``-ович``, ``-овна``), so that sole proprietors still meet by surname and initials. Step
  1's candidate pairs are computed on the replaced catalogue and compared with the
  original's before anything is written;
- **tax ids**: each digit position through its own keyed digit permutation (so two ids that
  differ in one digit still differ in exactly one), check digits recomputed: a valid INN /
  OGRN stays valid, an invalid one stays invalid with the same check digit(s) wrong; KPP
  keeps its reason code; a valid foreign VAT number becomes another valid one of its country
  (python-stdnum), one per company;
- **money**: × the factor, rounded to the kopeck per value; quantities unchanged;
- **dates**: + the shift in years (a multiple of 4 by default, so that every gap in days,
  Feb 29 included, is unchanged), also inside document numbers and free text.

The secrets (seed, factor, shift) are returned in :class:`AnonymiseResult` and written
nowhere in ``OUT``.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import secrets
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import yaml

from .cleanup import names as _names
from .config import EngagementConfig
from .engagement import Engagement, write_data_request
from .errors import ConfigError, InputError, KamError
from .identifiers import (
    INN_WEIGHTS_10,
    INN_WEIGHTS_11,
    INN_WEIGHTS_12,
    inn_check_digit,
    is_valid_inn,
)
from .intake import name_key
from .io import atomic_dir, sha256_file
from .pii import PiiMatch, find_pii, known_surnames
from .schema import TABLES, header_key
from .steps import step as find_step
from .workbook import safe_workbook, unneutralise

__all__ = ["AnonymiseResult", "Pseudonymiser", "anonymise_engagement", "map_tax_ids"]

# --------------------------------------------------------------------------- word classes

#: Letter maps. Step 1 reads every name through a transliteration key (``METHODS.md`` §1:
#: ``OOO Romashka`` meets ``ООО «Ромашка»``, ``ИП Иванов И.И.`` meets the full name by surname
#: and initials, Latin names are compared through it). Letters are permuted within classes,
#: without fixed points, at one of two levels:
#:
#: - ``strong``: vowels stay vowels and consonants consonants (the key reads letters in
#:   context), and letters whose keys start alike move together, so that initials keep their
#:   coincidences: б в г д л м н п р ф among themselves, the pairs з/ж, к/х, т/ц (z/zh,
#:   k/kh, t/ts) as pairs, и/й/ы among themselves; in some draws а ↔ у with я ↔ ю, ш ↔ щ.
#:   с, ч, о, е, ё, э, ь, ъ stay (ё is folded into е; с and ч form the key's digraphs
#:   тс = ц, сч = щ). Latin: vowels a e o u, and the consonants but h (i, j, y stay). The
#:   key's shape can change (ш → sh becomes щ → shch), so a draw is kept only if step 1
#:   proposes the same pairs on it (:func:`anonymise_engagement` tries a few);
#: - ``exact``: only the letters the key reads as one letter of their own in any position
#:   and in both scripts — б г д л м н р and b g d l m n r, by one permutation (б → д and
#:   b → d), and й/ы (both y). The key of a replaced word is the key of the original with
#:   those letters replaced: every key, key length, initial and cross-script match, hence
#:   every score of step 1, is kept (but for the alphabetical order of words, see below). A
#:   weak disguise: most letters stay.
#:
#: A word of three letters or more that its map leaves unchanged (only letters that stay)
#: is mapped by the vowel / consonant classes instead, but for its first letter.
_EXACT_CYR = "бгдлмнр"
_STRONG_CYR = ("бвгдлмнпрф", "ийы")
_STRONG_PAIRS = ("зж", "кх", "тц")
_STRONG_LAT = ("aeou", "bcdfgklmnpqrstvwxz")
_WIDE_CYR = ("аиоуыэюя", "бвгджзйклмнпрстфхцчшщ")
_WIDE_LAT = ("aeiouyj", "bcdfghklmnpqrstvwxz")
_WIDE_DRAWS = 8
_LAT_LOOK = dict(zip(_names._LOOK_LAT, _names._LOOK_CYR, strict=True))  # a → а …
_CYR_LOOK = {c: la for la, c in _LAT_LOOK.items()}                         # а → a …
_TOKEN_RE = re.compile(r"[^\W_]+(?:['’‘ʼʹ`´][^\W_]+)*")
_APOS_RE = re.compile(r"['’‘ʼʹ`´]")
_CYR_RE = re.compile("[\u0400-\u04ff]")
_LAT_RE = re.compile("[a-z]")
_NUMSIGN_TOKEN_RE = re.compile(r"(?i)(?:n|no|nr)\d+")
_PATRONYMIC_KEYS = ("ich", "vna", "chna")

#: Words kept as they are, besides legal forms and weak words: they carry structure
#: (branches, shop signs, connectors between words), not identity.
STRUCTURAL_WORDS: tuple[str, ...] = (
    "филиал", "филиала", "представительство", "отделение", "подразделение", "магазин",
    "branch", "division", "the", "of", "and", "und", "et",
)  # fmt: skip

#: Words of document numbers kept as they are (1C document kinds and the like), so that a
#: document still reads as a sale, a return or an invoice.
DOCUMENT_WORDS: tuple[str, ...] = (
    "реализация", "товаров", "и", "услуг", "возврат", "от", "клиента", "покупателя",
    "поступление", "на", "расчетный", "счет", "счёт", "безналичных", "денежных", "средств",
    "оплата", "фактура", "накладная", "корректировка", "долга", "заказ", "отгрузка",
    "списание", "с", "приходный", "кассовый", "ордер", "чек", "ккм", "по", "акт",
    "inv", "invoice", "cn", "credit", "note", "order", "so", "do", "return", "payment", "no",
)  # fmt: skip


def _protected_keys() -> frozenset[str]:
    words: set[str] = set(STRUCTURAL_WORDS)
    for variants in _names.LEGAL_FORMS.values():
        for v in variants:
            words.update(w for w in v.split() if len(w) >= 2)
    words.update(_names.WEAK_WORDS)
    for phrase in _names.WEAK_PHRASES:
        words.update(phrase.split())
    return frozenset(_names._word_key(w) for w in words) - {""}


_PROTECTED = _protected_keys()
_DOC_WORDS = frozenset(w.casefold() for w in DOCUMENT_WORDS)
#: strong draws of the letter maps tried before the exact ones
_STRONG_TRIALS = 6


def _derangement(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random permutation of range(n) without fixed points (n ≥ 2)."""
    while True:
        p = rng.permutation(n)
        if n < 2 or not np.any(p == np.arange(n)):
            return p


def _class_map(rng: np.random.Generator, classes: Iterable[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for letters in classes:
        p = _derangement(rng, len(letters))
        out.update({letters[i]: letters[int(p[i])] for i in range(len(letters))})
    return out


def _norm(token: str) -> str:
    """A token as step 1 reads it: no apostrophes, casefolded, ё → е, look-alikes repaired."""
    s = _APOS_RE.sub("", token).casefold().replace("ё", "е")
    return _names._fix_lookalikes(s)


def _case_like(text: str, model: str) -> str:
    letters = [c for c in model if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return text.upper()
    if letters and letters[0].isupper():
        return text[:1].upper() + text[1:]
    return text


# --------------------------------------------------------------------------- tax ids

# one implementation of the INN check (kamlib.identifiers): the anonymiser keeps check digits
# valid (or keeps them wrong where the source was wrong)
_W10, _W11, _W12 = INN_WEIGHTS_10, INN_WEIGHTS_11, INN_WEIGHTS_12
_chk = inn_check_digit


def _inn_wrong(v: str) -> tuple[bool, ...]:
    """Which check digits of a 10/12-digit INN are wrong."""
    if len(v) == 10:
        return (_chk(v, _W10) != int(v[9]),)
    return (_chk(v, _W11) != int(v[10]), _chk(v, _W12) != int(v[11]))


class _DigitKey:
    """One keyed digit permutation (without fixed points) per position of a digit run."""

    def __init__(self, rng: np.random.Generator, positions: int = 32) -> None:
        self.perm = [_derangement(rng, 10) for _ in range(positions)]

    def run(self, digits: str, start: int = 0) -> str:
        """Map a run of digits, position by position (``start``: the first one's position)."""
        n = len(self.perm)
        return "".join(str(int(self.perm[(start + i) % n][int(d)])) if d.isdigit() else d
                       for i, d in enumerate(digits))

    def generic(self, value: str) -> str:
        """Digits mapped by their position in ``value``; letters and punctuation kept."""
        return "".join(str(int(self.perm[i % len(self.perm)][int(c)]))
                       if c.isascii() and c.isdigit() else c for i, c in enumerate(value))


#: positions (in the id, country prefix included) of a VAT number's fixed parts, kept as they
#: are: not the company's, but what makes the id a valid one of its country (SE: the «01»
#: suffix; BE: the leading 0/1; IT: the province code; NL: «B» and the branch number)
_VAT_KEPT: dict[str, tuple[int, ...]] = {"SE": (12, 13), "BE": (2,), "IT": (9, 10, 11),
                                         "NL": (11, 12, 13)}
#: positions whose digit may not be 0 (DE: the first digit), mapped within 1–9
_VAT_NONZERO: dict[str, tuple[int, ...]] = {"DE": (2,)}
#: the digit a body moves on when it admits no check digit: the number's third (neither a
#: fixed part nor a check digit in DE, FR, NL, IT, ES, PL, SE, BE)
_VAT_MOVE = 4


def _vat_body(v: str, key: _DigitKey) -> str:
    """A VAT number with its digits mapped by position (as :meth:`_DigitKey.generic`), its
    country's fixed parts kept and a digit that may not be 0 mapped within 1–9: the same
    for a valid id and a mistyped one, so a one-digit typo stays one digit away."""
    cc = v[:2]
    out = list(key.generic(v))
    for i in _VAT_KEPT.get(cc, ()):
        if i < len(v):
            out[i] = v[i]
    for i in _VAT_NONZERO.get(cc, ()):
        if i < len(v) and v[i] in "123456789":
            perm = key.perm[i % len(key.perm)]
            ranked = sorted(int(perm[d]) for d in range(1, 10))  # perm on 1–9, ranked
            out[i] = str(1 + ranked.index(int(perm[int(v[i])])))
    return "".join(out)


def _vat_moves(v: str, key: _DigitKey) -> bool:
    """Whether a valid VAT number's mapped body admits no check digit as it is."""
    from .identifiers import is_valid_foreign_vat, vat_with_check_digits

    return is_valid_foreign_vat(v) and vat_with_check_digits(_vat_body(v, key)) is None


def _foreign_id(v: str, key: _DigitKey, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A foreign tax id's digits mapped by position, its validity kept.

    A valid VAT number (python-stdnum) becomes a valid one of the same country and shape:
    body digits mapped, fixed parts kept (:func:`_vat_body`), check digits recomputed; when
    the mapped body admits no check digit (a Polish or Dutch body whose check would be 10),
    or gives an id already in ``taken``, the body's third digit moves on until it does. An
    invalid one stays invalid. Other ids keep their letters and format."""
    from .identifiers import is_foreign_vat, is_valid_foreign_vat, vat_with_check_digits

    if not is_foreign_vat(v):
        return key.generic(v)
    mapped = _vat_body(v, key)
    if is_valid_foreign_vat(v):
        at = _VAT_MOVE  # a body digit in every shape vat_with_check_digits knows
        for i in range(10 if mapped[at:at + 1].isdigit() else 1):
            cand = mapped if i == 0 else \
                mapped[:at] + str((int(mapped[at]) + i) % 10) + mapped[at + 1:]
            fixed = vat_with_check_digits(cand)
            if fixed is not None and fixed not in taken:
                return fixed
        return mapped  # a country the check-digit rules do not know (kept as mapped)
    for i in range(10):
        cand = mapped if i == 0 else mapped[:-1] + str((int(mapped[-1]) + i) % 10) \
            if mapped[-1:].isdigit() else mapped
        if not is_valid_foreign_vat(cand):
            return cand
    return mapped


def map_tax_ids(values: Iterable[Any], key: _DigitKey) -> tuple[dict[str, str], int]:
    """Replace tax ids so that validity and one-digit typos survive.

    Russian INNs (10 or 12 digits): the body digits through ``key`` (per position), the check
    digits recomputed; an INN with wrong check digit(s) gets wrong check digit(s) again — the
    same ones — chosen so that it differs from every INN whose body is at most one digit
    away exactly where it did before (a one-digit typo stays a one-digit typo). A foreign VAT
    number: see :func:`_foreign_id` (a valid one stays valid, of its country and shape, and no
    two map to the same id). Anything else (ids of another length) keeps its letters and
    format, digits mapped by position.

    Returns
    -------
    (dict, int)
        Original → replacement, and the number of typo relations that could not be kept
        (0 in practice).
    """
    uniq = sorted({v for v in values if isinstance(v, str) and v})
    out: dict[str, str] = {}
    inns = [v for v in uniq if v.isascii() and v.isdigit() and len(v) in (10, 12)]
    # VAT numbers whose mapped body takes its check digits as it is go first: a body moved on
    # (see _foreign_id) then never takes an id another company's maps to
    foreign = [v for v in uniq if v not in inns]
    taken: set[str] = set()
    for v in sorted(foreign, key=lambda v: _vat_moves(v, key)):
        out[v] = _foreign_id(v, key, taken)
        taken.add(out[v])
    index: dict[str, list[str]] = defaultdict(list)

    def masks(body: str) -> list[str]:
        return [body] + [body[:i] + "?" + body[i + 1:] for i in range(len(body))]

    def body_of(v: str) -> str:
        return v[:9] if len(v) == 10 else v[:10]

    def checks(body: str) -> str:
        if len(body) == 9:
            return str(_chk(body, _W10))
        c1 = str(_chk(body, _W11))
        return c1 + str(_chk(body + c1, _W12))

    valid = [v for v in inns if is_valid_inn(v)]
    invalid = [v for v in inns if not is_valid_inn(v)]
    for v in valid:
        b = key.run(body_of(v))
        out[v] = b + checks(b)
        for m in masks(body_of(v)):
            index[m].append(v)
    lost = 0
    for v in invalid:
        body = body_of(v)
        b = key.run(body)
        n_chk = len(v) - len(body)
        wrong = _inn_wrong(v)
        # the preferred replacement: each check digit off by the same amount as before
        if n_chk == 1:
            pref = str((_chk(b, _W10) + int(v[9]) - _chk(body, _W10)) % 10)
            cands = [str(c) for c in range(10)]
        else:
            c1 = (_chk(b, _W11) + int(v[10]) - _chk(body, _W11)) % 10
            c2 = (_chk(b + str(c1), _W12) + int(v[11]) - _chk(body + v[10], _W12)) % 10
            pref = f"{c1}{c2}"
            cands = [f"{i:02d}" for i in range(100)]
        near = {a for m in masks(body) for a in index.get(m, ()) if a != v}

        def keeps(c: str, near: set[str] = near, b: str = b, v: str = v,
                  wrong: tuple[bool, ...] = wrong, n_chk: int = n_chk) -> bool:
            cand = b + c
            if _inn_wrong(cand) != wrong:
                return False
            tail = slice(len(v) - n_chk, None)
            return all([x == y for x, y in zip(v[tail], a[tail], strict=True)]
                       == [x == y for x, y in zip(cand[tail], out[a][tail], strict=True)]
                       for a in near if len(a) == len(v))

        choice = pref if keeps(pref) else next((c for c in cands if keeps(c)), None)
        if choice is None:
            choice, lost = pref, lost + 1
        out[v] = b + choice
        for m in masks(body):
            index[m].append(v)
    return out, lost


def _map_ogrns(values: Iterable[Any], key: _DigitKey) -> dict[str, str]:
    """OGRN / OGRNIP: the kind digit kept, the others mapped, the check digit recomputed
    with the same error (valid stays valid, invalid stays invalid)."""
    out: dict[str, str] = {}
    for v in sorted({v for v in values if isinstance(v, str) and v}):
        if not (v.isascii() and v.isdigit() and len(v) in (13, 15)):
            out[v] = key.generic(v)
            continue
        mod = 11 if len(v) == 13 else 13
        body = v[0] + key.run(v[1:-1], start=1)
        err = (int(v[-1]) - int(v[:-1]) % mod % 10) % 10
        out[v] = body + str((int(body) % mod % 10 + err) % 10)
    return out


def _map_kpp(value: str, key: _DigitKey) -> str:
    """KPP ``NNNNPPNNN``: the tax office and the number mapped by position (the office as in
    the INNs), the reason code ``PP`` (01 head office, 43 branch …) kept."""
    if len(value) == 9:
        return key.generic(value[:4]) + value[4:6] + key.run(value[6:], start=6)
    return key.generic(value)


# --------------------------------------------------------------------------- dates

_TEXT_DATE_RE = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})(?P<s1>[./-])(?P<m>\d{1,2})(?P=s1)(?P<y>\d{4})(?!\d)"
    r"|(?<!\d)(?P<Y>\d{4})-(?P<M>\d{2})-(?P<D>\d{2})(?!\d)")
_YEAR_RE = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def shift_date(d: date, years: int) -> date:
    """``d`` moved by whole years; Feb 29 becomes Feb 28 in a year that has none."""
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


# --------------------------------------------------------------------------- the mapper


class Pseudonymiser:
    """Keyed, deterministic replacements for one engagement.

    Parameters
    ----------
    seed : int
        The secret; the same seed gives the same replacements.
    factor : float
        Money multiplier.
    shift_years : int
        Dates are moved by this many years.
    vocabulary : iterable of str
        Every name of the engagement (companies, groups, people): a Latin word that step 1
        reads as the transliteration of one of their Cyrillic words is written as the
        transliteration of that word's replacement.
    years : tuple of int, optional
        The first and last year of the data: a four-digit year in this range inside a
        document number (``INV-2024-000017``) is shifted too.
    level : {"exact", "strong"}
        Which letters are permuted (see the comment at :data:`_EXACT_CYR`).
    trial : int
        Which draw of the ``strong`` maps.
    """

    def __init__(self, seed: int, *, factor: float = 1.0, shift_years: int = 0,
                 vocabulary: Iterable[str] = (), years: tuple[int, int] | None = None,
                 level: str = "exact", trial: int = 0) -> None:
        # independent streams of the seed: digits (the same at every level), letters
        digits = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
        letters = np.random.default_rng(np.random.SeedSequence(
            seed, spawn_key=(7, trial, level == "strong")))
        self.factor = factor
        self.shift_years = shift_years
        self.years = years
        if level not in ("exact", "strong"):
            raise ValueError("level must be 'exact' or 'strong'")
        self.level, self.trial = level, trial
        self._wide = [(_class_map(letters, _WIDE_CYR), _class_map(letters, _WIDE_LAT))
                      for _ in range(_WIDE_DRAWS)]
        if level == "strong":
            self._cyr = _class_map(letters, _STRONG_CYR)
            p = _derangement(letters, len(_STRONG_PAIRS))
            for i, pair in enumerate(_STRONG_PAIRS):
                self._cyr.update(zip(pair, _STRONG_PAIRS[int(p[i])], strict=True))
            if trial % 4 < 2:
                self._cyr.update({"а": "у", "у": "а", "я": "ю", "ю": "я"})
            if trial % 2 == 0:
                self._cyr.update({"ш": "щ", "щ": "ш"})
            self._lat = _class_map(letters, _STRONG_LAT)
        else:
            self._cyr = _class_map(letters, (_EXACT_CYR,))
            self._cyr.update({"й": "ы", "ы": "й"})
            tr = _names._CYR_TRANSLIT
            self._lat = {c.translate(tr): self._cyr[c].translate(tr) for c in _EXACT_CYR}
        self.digits = _DigitKey(digits)
        self._secret = str(seed)
        #: identifiers found in free text: original → kind (e-mail, phone or tax id, person)
        self.found: dict[str, str] = {}
        #: case-folded surnames of the engagement's people, looked for in free text
        self.known: frozenset[str] = frozenset()
        self.tax_ids: dict[str, str] = {}  # original → replacement, for free text
        self._cache: dict[tuple[str, str], str] = {}
        self._twins: dict[str, Counter[str]] = defaultdict(Counter)
        for text in vocabulary:
            if not isinstance(text, str):
                continue
            for m in _TOKEN_RE.finditer(text):
                n = _norm(m.group())
                k = _names._word_key(n)
                if k and _CYR_RE.search(n) and not _LAT_RE.search(n) \
                        and not (len(n) >= 2 and k in _PROTECTED):
                    self._twins[k][n] += 1

    # ---- letters and words

    def _char(self, ch: str, table: dict[str, str]) -> str:
        low = ch.lower()
        if low in table:
            out = table[low]
            return out.upper() if ch != low else out
        parts = unicodedata.normalize("NFD", ch)
        if len(parts) > 1 and parts[0].lower() in table:
            return unicodedata.normalize("NFC", self._char(parts[0], table) + parts[1:])
        return ch

    def _letters(self, token: str, norm: str, latin: bool) -> str:
        """Map a token letter by letter in the script of its (repaired) reading.

        A word of three letters or more that the map leaves unchanged (``Ivy``, ``Topaz``,
        ``Попова``: only letters that stay) goes through a vowel / consonant map instead, all
        but its first letter (a person's key reads initials), the first of a few such maps
        that keeps the length of its key (blocking in step 1 skips keys under 3 letters).
        """
        keep = 0
        key = _names._word_key(norm)
        if _names._is_patronymic(key):
            keep = next((n for n in range(2, 6) if _names._word_key(norm[-n:])
                         in _PATRONYMIC_KEYS), 0)
        out = self._map_letters(token, keep, latin, self._cyr, self._lat)
        if out == token and sum(c.isalpha() for c in token) - keep >= 3:
            outs = [self._map_letters(token, keep, latin, cm, lm, first=1)
                    for cm, lm in self._wide]
            out = next((o for o in outs if o != token
                        and len(_names._word_key(_norm(o))) == len(key)), outs[0])
        return out

    def _map_letters(self, token: str, keep: int, latin: bool, cyr_map: dict[str, str],
                     lat_map: dict[str, str], first: int = 0) -> str:
        n_letters = sum(c.isalpha() for c in token)
        out, seen = [], 0
        for ch in token:
            if not ch.isalpha():
                out.append(ch)
                continue
            seen += 1
            low = ch.lower()
            if seen > n_letters - keep or seen <= first:
                out.append(ch)
            elif latin:
                if low in _CYR_LOOK:  # a Cyrillic look-alike inside a Latin word
                    lat = _CYR_LOOK[low]
                    ch = lat.upper() if ch != low else lat
                out.append(self._char(ch, lat_map))
            elif _CYR_RE.match(low):
                out.append(self._char(ch, cyr_map))
            elif low in _LAT_LOOK:
                # a Latin look-alike inside a Cyrillic word: written as the look-alike of its
                # replacement when there is one, else in Cyrillic (step 1 reads both alike)
                cyr = cyr_map.get(_LAT_LOOK[low], _LAT_LOOK[low])
                lat = _CYR_LOOK.get(cyr, cyr)
                out.append(lat.upper() if ch != low else lat)
            else:
                out.append(self._char(ch, lat_map))
        return "".join(out)

    def _twin(self, key: str, latin: str) -> str | None:
        """The Cyrillic word of the engagement that a Latin word transliterates: among those
        with the same key, the one whose transliteration is as long as the Latin word, then
        the most frequent."""
        found = self._twins.get(key)
        if not found:
            return None
        return min(found, key=lambda w: (abs(len(w.translate(_names._CYR_TRANSLIT))
                                             - len(latin)), -found[w], w))

    def word(self, token: str) -> str:
        """The replacement of one word (a run of letters and digits)."""
        hit = self._cache.get(("w", token))
        if hit is not None:
            return hit
        norm = _norm(token)
        key = _names._word_key(norm)
        if (len(norm) >= 2 and key in _PROTECTED) or not any(c.isalpha() for c in token) \
                or _NUMSIGN_TOKEN_RE.fullmatch(token):
            out = token
        elif _LAT_RE.search(norm) and not _CYR_RE.search(norm):
            twin = self._twin(key, norm)
            if twin is not None:
                cyr = self._letters(twin, twin, latin=False)
                out = _case_like(cyr.translate(_names._CYR_TRANSLIT), token)
            else:
                out = self._letters(token, norm, latin=True)
        else:
            out = self._letters(token, norm, latin=False)
        self._cache[("w", token)] = out
        return out

    def name(self, text: Any, *, record: bool = True) -> Any:
        """A company or person name: every word replaced except the structure (legal form
        where step 1 finds one, weak and structural words, numbers, punctuation); e-mail
        addresses and long numbers (phones, tax ids) in it replaced first (``record``: note
        them in :attr:`found`)."""
        if not isinstance(text, str) or not text.strip():
            return text
        hit = self._cache.get(("n", text))
        if hit is not None:
            return hit
        original = text
        text = self._identifiers(text, record=record)
        spans = list(_TOKEN_RE.finditer(text))
        protected: set[int] = set()
        # '№'-like markers before a number, and dotted legal forms (О.О.О., L.L.C.)
        for i, m in enumerate(spans):
            if m.group().casefold() in ("n", "no", "nr") and \
                    re.match(r"\s?\d", text[m.end():m.end() + 2]):
                protected.add(i)
        groups: list[list[int]] = []
        dotted = [(m.start(), m.end()) for m in _names._DOTTED_RE.finditer(text)
                  if re.sub(r"[.\s]", "", m.group()).casefold() in _names._DOTTED_FORMS]
        i = 0
        while i < len(spans):
            if i in protected:
                i += 1
                continue
            span = next((d for d in dotted if d[0] <= spans[i].start() < d[1]), None)
            if span is None:
                groups.append([i])
                i += 1
                continue
            g = []
            while i < len(spans) and spans[i].start() < span[1]:
                g.append(i)
                i += 1
            groups.append(g)
        toks = ["".join(_norm(spans[j].group()) for j in g) for g in groups]
        keys = [_names._word_key(t) for t in toks]
        form, size = _names._find_form(toks, keys, at_start=True)
        chosen = groups[:size] if form else []
        if not form:
            form, size = _names._find_form(toks, keys, at_start=False)
            chosen = groups[len(groups) - size:] if form else []
        for g in chosen:
            protected.update(g)
        out, pos = [], 0
        for i, m in enumerate(spans):
            out.append(text[pos:m.start()])
            out.append(m.group() if i in protected else self.word(m.group()))
            pos = m.end()
        out.append(text[pos:])
        result = "".join(out)
        self._cache[("n", original)] = result
        return result

    # ---- identifiers inside free text (kamlib.pii)

    def _replace(self, m: PiiMatch, record: bool = True) -> str:
        if record:
            self.found[m.text] = m.kind
        if m.kind == "e-mail":
            h = hashlib.sha256(f"{self._secret}:{m.text.casefold()}".encode()).hexdigest()
            return f"contact-{int(h[:10], 16) % 10**8:08d}@example.org"
        if m.kind == "person name":
            return str(self.name(m.text))
        digits = re.sub(r"\D", "", m.text)
        if digits in self.tax_ids:
            return self.tax_ids[digits]
        return re.sub(r"\d+", lambda d: self.digits.run(d.group()), m.text)

    def _identifiers(self, text: str, *, record: bool = True) -> str:
        """``text`` with its e-mail addresses and long numbers (phones, tax ids) replaced."""
        return self._apply(text, find_pii(text, persons=False), record=record)

    def _apply(self, text: str, found: list[PiiMatch], *, record: bool = True) -> str:
        out, pos = [], 0
        for m in found:
            out.append(text[pos:m.start])
            out.append(self._replace(m, record))
            pos = m.end
        out.append(text[pos:])
        return "".join(out)

    def free(self, text: Any) -> Any:
        """A free-text field kept as it is (region, segment, role …) but for the
        identifiers in it: e-mails, long numbers and person names replaced."""
        if not isinstance(text, str) or not text.strip():
            return text
        return self._apply(text, find_pii(text, known=self.known))

    def _shift_text_dates(self, text: str, *, bare_years: bool) -> str:
        def date_sub(m: re.Match[str]) -> str:
            try:
                if m.group("y"):
                    d = date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
                    s = shift_date(d, self.shift_years)
                    return (f"{s.day:0{len(m.group('d'))}d}{m.group('s1')}"
                            f"{s.month:0{len(m.group('m'))}d}{m.group('s1')}{s.year:04d}")
                d = date(int(m.group("Y")), int(m.group("M")), int(m.group("D")))
                return shift_date(d, self.shift_years).isoformat()
            except ValueError:  # not a real date: shift the year alone
                return _YEAR_RE.sub(lambda y: str(int(y.group()) + self.shift_years), m.group())

        text = _TEXT_DATE_RE.sub(date_sub, text)
        if bare_years and self.years:
            lo, hi = self.years
            parts = re.split(r"(\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{2}-\d{2})", text)
            text = "".join(p if i % 2 else _YEAR_RE.sub(
                lambda y: str(int(y.group()) + self.shift_years)
                if lo <= int(y.group()) <= hi else y.group(), p)
                for i, p in enumerate(parts))
        return text

    def document(self, text: Any) -> Any:
        """A document number: dates (and years of the data) shifted, the words of document
        kinds (``Реализация товаров и услуг``, ``Invoice``) kept, other words replaced."""
        if not isinstance(text, str) or not text:
            return text
        hit = self._cache.get(("d", text))
        if hit is not None:
            return hit
        s = self._shift_text_dates(text, bare_years=True)
        result = _TOKEN_RE.sub(lambda m: m.group() if m.group().casefold() in _DOC_WORDS
                               else self.word(m.group()), s)
        self._cache[("d", text)] = result
        return result

    def text(self, text: Any) -> Any:
        """Free text (notes, comments): dates shifted, known tax ids replaced, every other
        digit mapped, words replaced as in names (e-mail addresses included)."""
        if not isinstance(text, str) or not text.strip():
            return text
        for m in find_pii(text, persons=False):
            self.found[m.text] = m.kind
        s = self._shift_text_dates(text, bare_years=False)
        parts = re.split(r"(\d{1,2}[./-]\d{1,2}[./-]\d{4}|\d{4}-\d{2}-\d{2})", s)
        s = "".join(p if i % 2 else re.sub(
            r"\d+", lambda d: self.tax_ids.get(d.group()) or self.digits.run(d.group()), p)
            for i, p in enumerate(parts))
        return self.name(s, record=False)

    # ---- money and dates of tables

    def money(self, col: str) -> pl.Expr:
        """A money column × factor, rounded to the kopeck, as text with a decimal point."""
        minor = (pl.col(col) * 100).round(0).cast(pl.Int64)
        scaled = (minor.cast(pl.Float64) * self.factor).round(0).cast(pl.Int64)
        a = scaled.abs()
        sign = pl.when(scaled < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        return pl.when(pl.col(col).is_null()).then(None).otherwise(pl.format(
            "{}{}.{}", sign, a // 100, (a % 100).cast(pl.String).str.zfill(2))).alias(col)

    def date_expr(self, col: str) -> pl.Expr:
        """A date column moved by the shift (Feb 29 → Feb 28 where needed)."""
        return pl.col(col).dt.offset_by(f"{self.shift_years}y").alias(col)


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class AnonymiseResult:
    """What :func:`anonymise_engagement` did.

    The secrets (``seed``, ``factor``, ``shift_years``) are written nowhere in ``out``: they
    are returned here so that the caller can tell the user once (whoever has them can undo
    the scaling and the date shift).

    Attributes
    ----------
    out : Path
        The training engagement.
    seed : int
        The key of every replacement; the same seed on the same source gives the same output.
    factor : float
        Every amount was multiplied by this.
    shift_years : int
        Every date was moved by this many years.
    names_replaced, ids_replaced, people_replaced : int
        Distinct company names (catalogue, groups, head counterparties), identifiers (INN,
        KPP, OGRN) and person names (contacts, managers, team, assessors) replaced.
    files_written : tuple of str
        The files of ``out``, relative to it.
    rows : dict of str to int
        Rows written per table.
    matching : dict
        Step 1's candidate pairs computed on the original and on the replaced catalogue:
        ``pairs`` (original), ``same`` (same pair, same proposal), ``differ`` (pairs found in
        one only or proposed otherwise), ``scores_moved`` (same proposal, another score),
        a few ``examples`` (client codes only) and ``letters``, the letter maps used
        (``exact``, or ``strong`` and which draw).
    client_id_map : dict of str to str
        Client codes that changed: clients the intake added from sales lines (``NEW-…``)
        are named by a hash of their name, which changes with the name. Other codes are kept.
    notes : tuple of str
        What was left out or could not be kept.
    """

    out: Path
    seed: int
    factor: float
    shift_years: int
    names_replaced: int
    ids_replaced: int
    people_replaced: int
    files_written: tuple[str, ...]
    rows: dict[str, int]
    matching: dict[str, Any] = field(default_factory=dict)
    client_id_map: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """What was written and the secrets, for the one time the user is told them."""
        lines = [
            f"Training engagement written to {self.out}",
            f"  {self.names_replaced} company names, {self.people_replaced} person names and "
            f"{self.ids_replaced} tax ids replaced; "
            + ", ".join(f"{t} {n}" for t, n in self.rows.items()) + " rows",
            f"  step 1 on the new names: {self.matching.get('same', 0)} of "
            f"{self.matching.get('pairs', 0)} candidate pairs proposed as before"
            + (f", {self.matching['differ']} differ" if self.matching.get("differ") else "")
            + f" (letter maps: {self.matching.get('letters', '?')}"
            + (f"; {self.matching['scores_moved']} scores moved)"
               if self.matching.get("scores_moved") else ")"),
            *(f"  note: {n}" for n in self.notes),
            "",
            "SECRET — written nowhere in the output; keep it to trace figures back:",
            f"  amounts × {self.factor:g}, dates {self.shift_years:+d} years, seed {self.seed}",
        ]
        return "\n".join(lines)


# --------------------------------------------------------------------------- source


def _intake_is_fresh(eng: Engagement) -> bool:
    """``work/00_intake`` was made from the current raw files and settings."""
    from .intake import _list_raw

    d = find_step("00").dir(eng)
    man = d / "intake_manifest.json"
    if not man.exists() or not (d / "clients.parquet").exists() \
            or not (d / "sales.parquet").exists():
        return False
    cfg_path = eng.root / "engagement.yaml"
    if cfg_path.stat().st_mtime > man.stat().st_mtime:
        return False
    try:
        recorded = {(f["file"], f["sha256"]) for f in
                    json.loads(man.read_text(encoding="utf-8"))["files"]}
    except (ValueError, KeyError, TypeError):
        return False
    files, _ = _list_raw(eng.root)
    current = {(p.relative_to(eng.raw).as_posix(), sha256_file(p)) for p in files}
    return recorded == current


def _source_tables(eng: Engagement) -> tuple[dict[str, pl.DataFrame], str]:
    """The canonical tables of the engagement: its intake if fresh, else a new one (in memory;
    nothing of the source is written)."""
    d = find_step("00").dir(eng)
    if _intake_is_fresh(eng):
        return ({t: pl.read_parquet(d / f"{t}.parquet") for t in TABLES
                 if (d / f"{t}.parquet").exists()}, "work/00_intake")
    from .intake import ingest

    res = ingest(eng.root, eng.config)
    if not res.ok:
        raise res.errors[0]
    return dict(res.tables), "raw/ (read afresh)"


# --------------------------------------------------------------------------- headers


def _header(tname: str, fname: str, lang: str) -> str:
    """The header written for a field: its data-request label when the intake recognises
    it, else its first synonym."""
    f = TABLES[tname].field(fname)
    label = f.label_ru if lang == "ru" else f.label_en
    syn = {header_key(s) for s in f.synonyms}
    return label if header_key(label) in syn else f.synonyms[0]


_COLUMNS = {
    "clients": ("client_id", "name", "full_name", "tax_id", "branch_code", "ogrn", "parent_id",
                "group", "region", "segment", "manager", "created_at", "payment_terms_days",
                "deleted"),
    "sales": ("date", "document_id", "client_id", "client_name", "client_tax_id", "product_id",
              "product_name", "quantity", "list_revenue", "discount", "gross_revenue", "vat",
              "net_revenue", "cogs", "is_return", "manager"),
    "activities": ("client_id", "date", "activity", "quantity", "cost"),
    "payments": ("client_id", "document_id", "due_date", "paid_date", "amount"),
    "contacts": ("client_id", "person", "role", "function", "level", "owner",
                 "last_contact_date"),
    "assessment": ("client_id", "criterion", "score", "assessor"),
    "team": ("person", "role", "annual_cost", "available_hours", "region", "clients"),
}
_FILES = {"ru": {"clients": "Контрагенты.csv", "sales": "Продажи.csv",
                 "activities": "Активности.csv", "payments": "Оплаты.csv",
                 "contacts": "Контакты.csv", "assessment": "Оценка_клиентов.csv",
                 "team": "Команда.csv"},
          "en": {t: f"{t}.csv" for t in TABLES}}
_PEOPLE = {"clients": ("manager",), "sales": ("manager",), "contacts": ("person", "owner"),
           "assessment": ("assessor",), "team": ("person",)}
#: Free-text columns copied as they are but for the identifiers in them (kamlib.pii).
_FREE = {"clients": ("region", "segment"), "contacts": ("role", "function", "level"),
         "team": ("role", "region")}
_EVENT_DATES = (("sales", "date"), ("activities", "date"), ("payments", "paid_date"))
_EARLIEST = date(1990, 1, 1)


# --------------------------------------------------------------------------- main


def _check_paths(src: Path, out: Path, overwrite: bool) -> None:
    if not (src / "engagement.yaml").exists():
        raise KamError("the source is not an engagement folder (no engagement.yaml)",
                       file=str(src), hint="give the folder of an engagement: kam anonymise "
                       "DIR OUT")
    if out == src or out.is_relative_to(src) or src.is_relative_to(out):
        raise KamError("the output folder must lie outside the source engagement (and not "
                       "contain it)", file=str(out), hint="choose a folder next to it, e.g. "
                       f"{src.parent / (src.name + '_training')}")
    if out.exists() and not out.is_dir():
        raise KamError("the output exists and is not a folder", file=str(out),
                       hint="choose another path")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise KamError("the output folder exists and is not empty", file=str(out),
                       hint="choose a new folder, or overwrite it (kam anonymise --force)")


def _choose_shift(tables: dict[str, pl.DataFrame], rng: np.random.Generator,
                  shift_years: int | None) -> tuple[int, tuple[int, int] | None]:
    lo: date | None = None
    hi: date | None = None
    for t, c in _EVENT_DATES:
        if t in tables and c in tables[t].columns and tables[t][c].drop_nulls().len():
            s = tables[t][c].drop_nulls()
            lo = min(lo, s.min()) if lo else s.min()
            hi = max(hi, s.max()) if hi else s.max()
    if lo is None or hi is None:
        return (shift_years or 0), None
    years = (lo.year, hi.year)
    latest = date.today()
    if shift_years is None:
        back = [-4 * k for k in range(1, 9) if shift_date(lo, -4 * k) >= _EARLIEST]
        if not back:
            raise ConfigError(
                f"the data start in {lo.year}: moving them back by 4 years or more would put "
                "sales before 1990, which the intake rejects", value=str(lo),
                hint="give the shift explicitly (shift_years=0 keeps the dates)")
        return int(rng.choice(back)), years
    if not isinstance(shift_years, int) or isinstance(shift_years, bool):
        raise ConfigError("shift_years must be a whole number of years", value=shift_years,
                          hint="e.g. -8")
    if shift_date(lo, shift_years) < _EARLIEST or shift_date(hi, shift_years) > latest:
        raise ConfigError(
            f"moving the dates by {shift_years:+d} years puts them outside {_EARLIEST} … "
            f"{latest} ({shift_date(lo, shift_years)} … {shift_date(hi, shift_years)}), "
            "where the intake rejects sales", value=shift_years,
            hint="choose a shift that keeps the data between 1990 and today; a multiple of 4 "
            "keeps every gap in days")
    return shift_years, years


def _choose_factor(rng: np.random.Generator, factor: float | None) -> float:
    if factor is None:
        while True:
            f = round(float(rng.uniform(0.5, 2.0)), 4)
            if abs(f - 1) >= 0.05:
                return f
    if isinstance(factor, bool) or not isinstance(factor, int | float) \
            or not math.isfinite(factor) or factor <= 0:
        raise ConfigError("the money factor must be a positive number", value=factor,
                          hint="e.g. 1.37 (or leave it out: one is drawn from the seed)")
    return float(factor)


def _vocabulary(tables: dict[str, pl.DataFrame]) -> list[str]:
    vocab: list[str] = []
    cl = tables.get("clients")
    if cl is not None:
        for c in ("name", "full_name", "group", "parent_id"):
            if c in cl.columns:
                vocab += cl[c].drop_nulls().unique().to_list()
    for t, cols in _PEOPLE.items():
        if t in tables:
            for c in cols:
                if c in tables[t].columns:
                    vocab += tables[t][c].drop_nulls().unique().to_list()
    return vocab


def _map_column(df: pl.DataFrame, col: str, fn: Callable[[Any], Any]) -> pl.Expr:
    """``fn`` applied once per distinct value of a string column."""
    uniq = df[col].drop_nulls().unique().to_list()
    mapping = {v: fn(v) for v in uniq}
    return pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String).alias(col)


def _bool_text(col: str, lang: str) -> pl.Expr:
    yes, no = ("Да", "Нет") if lang == "ru" else ("Yes", "No")
    return (pl.when(pl.col(col).is_null()).then(None)
            .when(pl.col(col)).then(pl.lit(yes)).otherwise(pl.lit(no)).alias(col))


class _Builder:
    """The replaced tables and files of the training engagement, before they are written."""

    def __init__(self, eng: Engagement, tables: dict[str, pl.DataFrame], ps: Pseudonymiser,
                 tax: dict[str, str], kpp: dict[str, str], ogrn: dict[str, str]) -> None:
        self.eng, self.tables, self.ps = eng, tables, ps
        self.tax, self.kpp, self.ogrn = tax, kpp, ogrn
        self.lang = eng.config.report.language
        self.id_map: dict[str, str] = {}
        self.notes: list[str] = []
        self.people: set[str] = set()
        self.companies: set[str] = set()
        self.codes: set[str] = set()
        self.new_codes: set[str] = set()
        self.canonical: dict[str, pl.DataFrame] = {}

    # ---- tables

    def clients(self, df: pl.DataFrame) -> pl.DataFrame:
        ps = self.ps
        self.codes = set(df["client_id"].cast(pl.String).to_list())
        if "origin" in df.columns:
            new = df.filter(pl.col("origin") == "transactions")
            for cid, name in new.select("client_id", "name").iter_rows():
                self.id_map[cid] = _new_code(ps.name(name))
            self.new_codes = set(new["client_id"].to_list())
        exprs: list[pl.Expr] = []
        for c in ("name", "full_name", "group"):
            if c in df.columns:
                exprs.append(_map_column(df, c, ps.name))
                self.companies.update(df[c].drop_nulls().to_list())
        if "parent_id" in df.columns:
            codes = self.codes
            exprs.append(_map_column(df, "parent_id",
                                     lambda v: v if v in codes else ps.name(v)))
            self.companies.update(v for v in df["parent_id"].drop_nulls().to_list()
                                  if v not in codes)
        for c, m in (("tax_id", self.tax), ("branch_code", self.kpp), ("ogrn", self.ogrn)):
            if c in df.columns:
                exprs.append(pl.col(c).replace_strict(m, default=None,
                                                      return_dtype=pl.String).alias(c))
        exprs += self._people_exprs(df, "clients")
        exprs += self._free_exprs(df, "clients")
        exprs += [self.ps.date_expr(c) for c in ("created_at",) if c in df.columns]
        if "deleted" in df.columns:
            exprs.append(_bool_text("deleted", self.lang))
        out = df.with_columns(exprs)
        if "origin" in out.columns:
            out = out.filter(pl.col("origin") != "transactions")
        return out

    def _free_exprs(self, df: pl.DataFrame, tname: str) -> list[pl.Expr]:
        """The free-text columns copied as they are, but for the identifiers in them."""
        return [_map_column(df, c, self.ps.free) for c in _FREE.get(tname, ())
                if c in df.columns and df[c].dtype == pl.String]

    def _people_exprs(self, df: pl.DataFrame, tname: str) -> list[pl.Expr]:
        out = []
        for c in _PEOPLE.get(tname, ()):
            if c in df.columns:
                out.append(_map_column(df, c, self.ps.name))
                self.people.update(df[c].drop_nulls().to_list())
        return out

    def sales(self, df: pl.DataFrame) -> pl.DataFrame:
        ps = self.ps
        exprs = [ps.date_expr("date"), _map_column(df, "document_id", ps.document)]
        exprs += [ps.money(c) for c in ("list_revenue", "discount", "gross_revenue", "vat",
                                        "net_revenue", "cogs") if c in df.columns]
        exprs += self._people_exprs(df, "sales")
        if "product_name" in df.columns:
            exprs.append(_map_column(df, "product_name", ps.name))
        if "is_return" in df.columns:
            exprs.append(_bool_text("is_return", self.lang))
        out = df.with_columns(exprs)
        self._check_unique(df, out, "document_id")
        if self.new_codes:
            cl = self.tables["clients"].filter(pl.col("client_id").is_in(list(self.new_codes)))
            names = {c: ps.name(n) for c, n in cl.select("client_id", "name").iter_rows()}
            taxes = {c: self.tax.get(t) if t else None for c, t in
                     cl.select("client_id", pl.col("tax_id") if "tax_id" in cl.columns
                               else pl.lit(None, pl.String)).iter_rows()}
            is_new = pl.col("client_id").is_in(list(self.new_codes))
            out = out.with_columns(
                client_name=pl.when(is_new).then(pl.col("client_id").replace_strict(
                    names, default=None, return_dtype=pl.String)),
                client_tax_id=pl.when(is_new).then(pl.col("client_id").replace_strict(
                    taxes, default=None, return_dtype=pl.String)),
            ).with_columns(client_id=pl.when(is_new).then(None).otherwise(pl.col("client_id")))
        return out

    def _check_unique(self, before: pl.DataFrame, after: pl.DataFrame, col: str) -> None:
        n0 = before[col].n_unique()
        n1 = after[col].n_unique()
        if n0 != n1:  # pragma: no cover - a bug, not a data problem
            raise KamError(f"replacing {col} merged {n0 - n1} distinct values",
                           hint="a bug in kamlib.anonymise; please report it")

    def activities(self, df: pl.DataFrame) -> pl.DataFrame:
        from .profitability.pnl import activity_driver

        ps = self.ps
        exprs = [ps.date_expr(c) for c in ("date",) if c in df.columns]
        exprs += [ps.money(c) for c in ("cost",) if c in df.columns]

        def activity(v: str) -> str:
            # the words that name a cost driver stay; a name that would change driver stays
            drv = activity_driver(v)
            words = {m.group() for m in _TOKEN_RE.finditer(v)}
            keep = {w for w in words if activity_driver(w) is not None}
            new = _TOKEN_RE.sub(lambda m: m.group() if m.group() in keep
                                else ps.word(m.group()), v)
            return new if activity_driver(new) == drv else v

        exprs.append(_map_column(df, "activity", activity))
        return df.with_columns(exprs)

    def payments(self, df: pl.DataFrame) -> pl.DataFrame:
        ps = self.ps
        exprs = [ps.date_expr(c) for c in ("due_date", "paid_date") if c in df.columns]
        exprs.append(ps.money("amount"))
        if "document_id" in df.columns:
            exprs.append(_map_column(df, "document_id", ps.document))
        return df.with_columns(exprs)

    def contacts(self, df: pl.DataFrame) -> pl.DataFrame:
        exprs = self._people_exprs(df, "contacts") + self._free_exprs(df, "contacts")
        exprs += [self.ps.date_expr(c) for c in ("last_contact_date",) if c in df.columns]
        return df.with_columns(exprs)

    def assessment(self, df: pl.DataFrame) -> pl.DataFrame:
        return df.with_columns(self._people_exprs(df, "assessment"))

    def team(self, df: pl.DataFrame) -> pl.DataFrame:
        exprs = self._people_exprs(df, "team") + self._free_exprs(df, "team")
        exprs += [self.ps.money(c) for c in ("annual_cost",) if c in df.columns]
        if "clients" in df.columns:
            codes = self.codes

            def clients(v: str) -> str:
                return re.sub(r"[^,;]+", lambda m: m.group() if m.group().strip() in codes
                              else self.ps.name(m.group()), v)

            exprs.append(_map_column(df, "clients", clients))
        return df.with_columns(exprs)

    def table(self, tname: str) -> pl.DataFrame:
        df = self.tables[tname]
        df = df.with_columns(pl.col(c).cast(pl.String) for c in ("client_id",)
                             if c in df.columns)
        out = getattr(self, tname)(df)
        cols = [c for c in _COLUMNS[tname] if c in out.columns]
        self.canonical[tname] = out.select(cols)
        return out.select(cols).rename({c: _header(tname, c, self.lang) for c in cols})

    # ---- settings, decisions, review

    def config(self, cfg: EngagementConfig) -> str:
        """``engagement.yaml``: client name replaced, money parameters scaled, period moved;
        ``inputs`` dropped (the new raw files need no help)."""
        ps = self.ps
        data = cfg.model_dump(mode="json")
        data["client"] = ps.name(cfg.client)
        for k in ("start", "end"):
            v = getattr(cfg.period, k)
            data["period"][k] = shift_date(v, ps.shift_years).isoformat() if v else None
        data["inputs"] = []
        data["intake"]["date_order"] = None
        data["intake"]["amounts_include_vat"] = None
        def scaled(v: float) -> float:
            return float(f"{v * ps.factor:.12g}")  # 87.27, not 87.27000000000001

        prof = data["profitability"]
        prof["cost_rates"] = {k: scaled(v) for k, v in prof["cost_rates"].items()}
        prof["cost_pools"] = {k: scaled(v) for k, v in prof["cost_pools"].items()}
        for k in ("kam_annual_cost", "travel_per_kam", "default_kam_cost"):
            data["sizing"][k] = scaled(data["sizing"][k])
        if data["sizing"].get("kpi_targets"):
            self.notes.append("sizing.kpi_targets were copied unscaled: a KPI target in money "
                              "must be rescaled by hand")
        head = ("# Training engagement made by `kam anonymise`: names, tax ids and people are\n"
                "# replaced, amounts scaled and dates moved (docs/anonymiser.md). Settings as\n"
                "# in the source engagement; money parameters scaled like the data.\n")
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        EngagementConfig.model_validate(yaml.safe_load(text))  # what we write is valid
        return head + text

    def _code(self, c: str) -> str:
        return self.id_map.get(c, c)

    def merges(self) -> pl.DataFrame | None:
        """``decisions/merges.csv`` with the decisions still pending in
        ``review/duplicates.xlsx`` folded in (as the next run would import them)."""
        from .cleanup.review import MERGES_COLUMNS, import_review, read_decisions

        src = self.eng.root
        dec = read_decisions(src / "decisions" / "merges.csv")
        dec, imported = import_review(src / "review" / "duplicates.xlsx", dec)
        if imported:
            self.notes.append(f"{imported} decision(s) pending in review/duplicates.xlsx were "
                              "written into decisions/merges.csv")
        if dec.empty and not (src / "decisions" / "merges.csv").exists():
            return None
        rows = []
        for r in dec[MERGES_COLUMNS].itertuples(index=False):
            a, b = sorted((self._code(str(r.client_id_a)), self._code(str(r.client_id_b))))
            rows.append({"client_id_a": a, "client_id_b": b, "decision": r.decision,
                         "note": self.ps.text(r.note) if isinstance(r.note, str) else "",
                         "decided_on": self._shift_iso(r.decided_on)})
        return pl.DataFrame(rows, schema={c: pl.String for c in MERGES_COLUMNS})

    def _shift_iso(self, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            return ""
        try:
            return shift_date(date.fromisoformat(value.strip()[:10]),
                              self.ps.shift_years).isoformat()
        except ValueError:
            return str(self.ps.text(value))

    def groups(self) -> pl.DataFrame | None:
        path = self.eng.root / "decisions" / "groups.csv"
        if not path.exists():
            return None
        df = pl.read_csv(path, infer_schema=False)
        if "client_id" not in df.columns:
            raise InputError("decisions/groups.csv has no column client_id", file=str(path),
                             row=1, hint="its header must be: client_id,group")
        exprs = [pl.col("client_id").replace_strict(self.id_map, default=pl.col("client_id"))]
        exprs += [_map_column(df, c, self.ps.name) for c in df.columns if c == "group"]
        exprs += [_map_column(df, c, self.ps.text) for c in df.columns
                  if c not in ("client_id", "group")]
        return df.with_columns(exprs)

    def assessment_sheet(self) -> bytes | None:
        """``review/assessment.xlsx`` as a consultant filled it: the sheet ``assessment``
        with its ids and scores, names, assessors and notes replaced. The sheets ``data`` and
        ``instructions`` are left out: the next run of step 3 writes them again."""
        import python_calamine

        from .selection.assessment import _LABELS as _ASSESSMENT_LABELS
        from .selection.assessment import SHEET

        path = self.eng.root / "review" / "assessment.xlsx"
        if not path.exists():
            return None
        try:
            wb = python_calamine.CalamineWorkbook.from_path(str(path))
            rows = wb.get_sheet_by_name(SHEET).to_python(skip_empty_area=False) \
                if SHEET in wb.sheet_names else None
        except Exception as exc:
            raise InputError(f"cannot read the assessment workbook ({exc})", file=str(path),
                             hint="save it as .xlsx, or delete it (step 3 writes a fresh one)"
                             ) from None
        if not rows:
            self.notes.append("review/assessment.xlsx has no sheet 'assessment': left out")
            return None
        header = [str(h).strip() if h is not None else "" for h in rows[0]]
        labels = {v["entity_id"] for v in _ASSESSMENT_LABELS.values()}
        buf = io.BytesIO()
        book = safe_workbook(buf, in_memory=True)
        ws = book.add_worksheet(SHEET)
        for i, row in enumerate(rows):
            descriptions = i == 1 and row and str(row[0]).strip() in labels
            for j, v in enumerate(row):
                col = header[j] if j < len(header) else ""
                if v is None or v == "":
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v)
                elif isinstance(v, datetime | date):
                    ws.write_string(i, j, shift_date(
                        v.date() if isinstance(v, datetime) else v,
                        self.ps.shift_years).isoformat())
                elif i == 0 or descriptions:
                    ws.write_string(i, j, str(v))
                elif col == "entity_id":
                    ws.write_string(i, j, self._code(unneutralise(str(v).strip())))
                elif col in ("entity_name",):
                    ws.write_string(i, j, str(self.ps.name(str(v))))
                elif col == "assessor":
                    ws.write_string(i, j, str(self.ps.name(str(v))))
                    self.people.update(x.strip() for x in str(v).split(";"))
                else:
                    ws.write_string(i, j, str(self.ps.text(str(v))))
        book.close()
        return buf.getvalue()


#: Columns of codes and document numbers, replaced by their own rules: not free text.
_ID_COLUMNS = frozenset({"client_id", "document_id", "product_id", "tax_id", "client_tax_id",
                         "branch_code", "ogrn", "parent_id", "clients"})


def _check_no_pii(ps: Pseudonymiser, source: dict[str, pl.DataFrame],
                  written: dict[str, pl.DataFrame], config_text: str, lang: str) -> None:
    """Refuse to write the copy if personal data of the source is still in it: an
    identifier found in the source's free text, or an e-mail, long number or person name
    (:func:`kamlib.pii.find_pii`) in any text column of the copy that stands verbatim in the
    source.

    Raises
    ------
    InputError
        Names the table, column and row that still hold it, and its kind.
    """
    blob = "\n".join(str(v) for df in source.values() for c in df.columns
                     if df[c].dtype == pl.String and c not in _ID_COLUMNS
                     for v in df[c].drop_nulls().unique().to_list())
    originals = {o: k for o, k in ps.found.items() if len(re.sub(r"\W", "", o)) >= 5}
    for tname, df in written.items():
        for col in df.columns:  # canonical names (the copy's headers are their labels)
            if df[col].dtype != pl.String or col in _ID_COLUMNS:
                continue
            for value in df[col].drop_nulls().unique().to_list():
                kinds = [k for o, k in originals.items() if o in value]
                kinds += [m.kind for m in find_pii(value, known=ps.known) if m.text in blob]
                if kinds:
                    row = int(df.select(pl.col(col).eq(value).arg_true()).to_series()[0])
                    raise InputError(
                        f"the anonymised copy would still hold a {kinds[0]} of the source "
                        f"(table {tname})", file=f"raw/{_FILES[lang][tname]}", row=row + 2,
                        column=col, hint="remove the personal data from that field of the "
                        "source export, or report it as a bug of kam anonymise; nothing was "
                        "written")
    for o, kind in originals.items():
        if o in config_text:
            raise InputError(f"the anonymised engagement.yaml would still hold a {kind}",
                             file="engagement.yaml",
                             hint="remove it from the source's engagement.yaml")


def _new_code(alias: str) -> str:
    """The code the intake gives a client it adds from sales lines: ``NEW-`` and a hash of
    the name's key (:mod:`kamlib.intake`), so it changes with the name."""
    return "NEW-" + hashlib.sha1((name_key(alias) or "").encode("utf-8")).hexdigest()[:10]


def _catalogue(cl: pl.DataFrame, ps: Pseudonymiser, tax: dict[str, str],
               kpp: dict[str, str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """The replaced catalogue as the intake of the copy will see it (what step 1 reads:
    code, name, INN, KPP), and the codes that change."""
    id_map: dict[str, str] = {}
    if "origin" in cl.columns:
        for cid, name in cl.filter(pl.col("origin") == "transactions") \
                .select("client_id", "name").iter_rows():
            id_map[str(cid)] = _new_code(ps.name(name))
    cols = [pl.col("client_id").cast(pl.String).replace_strict(
                id_map, default=pl.col("client_id").cast(pl.String)),
            _map_column(cl, "name", ps.name)]
    for c, m in (("tax_id", tax), ("branch_code", kpp)):
        if c in cl.columns:
            cols.append(pl.col(c).replace_strict(m, default=None, return_dtype=pl.String))
    return cl.select(cols), id_map


def _pairs(df: pl.DataFrame, cfg: EngagementConfig) -> dict[tuple[str, str], tuple[str, float]]:
    """Step 1's candidate pairs of a catalogue: (code, code) → (proposal, score)."""
    from .cleanup.matching import MatchParams, candidate_pairs, prepare_records

    p = cfg.cleanup
    mp = MatchParams(p.review_threshold, p.auto_merge_threshold, p.distinctive_token_max_share)
    pdf = df.select([c for c in ("client_id", "name", "tax_id", "branch_code")
                     if c in df.columns]).to_pandas()
    pdf["client_id"] = pdf["client_id"].astype(str)
    cand = candidate_pairs(prepare_records(pdf), mp)
    return {tuple(sorted((a, b))): (prop, float(sc)) for a, b, prop, sc in
            zip(cand["client_id_a"], cand["client_id_b"], cand["proposal"], cand["score"],
                strict=True)}


def _compare_pairs(before: dict[tuple[str, str], tuple[str, float]],
                   after: dict[tuple[str, str], tuple[str, float]],
                   id_map: dict[str, str]) -> dict[str, Any]:
    p0 = {tuple(sorted((id_map.get(a, a), id_map.get(b, b)))): v
          for (a, b), v in before.items()}
    keys = sorted(set(p0) | set(after))
    differ = [k for k in keys if (p0.get(k) or ("none",))[0] != (after.get(k) or ("none",))[0]]
    moved = sum(1 for k in keys if k in p0 and k in after and k not in differ
                and abs(p0[k][1] - after[k][1]) > 1e-6)
    return {"pairs": len(p0), "same": len(p0) - sum(1 for k in differ if k in p0),
            "differ": len(differ), "scores_moved": moved,
            "examples": [f"{a} / {b}: {(p0.get((a, b)) or ('none',))[0]} → "
                         f"{(after.get((a, b)) or ('none',))[0]}" for a, b in differ[:5]]}


def anonymise_engagement(
    src: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    seed: int | None = None,
    factor: float | None = None,
    shift_years: int | None = None,
    overwrite: bool = False,
    letters: str = "auto",
) -> AnonymiseResult:
    """Write a training copy of an engagement whose audit finds the same things.

    Parameters
    ----------
    src : path-like
        The engagement. Only read: its ``work/00_intake`` if it matches ``raw/`` and
        ``engagement.yaml``, else ``raw/`` through a fresh intake in memory; its
        ``decisions/`` (``merges.csv``, ``groups.csv``) and ``review/`` (``duplicates.xlsx``,
        ``assessment.xlsx``).
    out : path-like
        The new engagement folder: ``engagement.yaml``, ``raw/`` (one UTF-8 CSV per canonical
        table, with headers the intake recognises, so ``kam run OUT`` needs no mapping),
        ``decisions/``, ``review/assessment.xlsx`` if the source had one, and the empty
        folders of an engagement. Written atomically: a staging folder renamed into place.
    seed : int, optional
        The key of every replacement (default: drawn at random). The same seed on the same
        source gives the same output.
    factor : float, optional
        Every amount is multiplied by it (default: drawn from the seed in 0.5–2.0).
    shift_years : int, optional
        Every date is moved by this many years (default: drawn from the seed among −4, −8 …
        −32, keeping sales after 1990; a multiple of 4 keeps every gap in days).
    overwrite : bool
        Replace a non-empty ``out``.
    letters : {"auto", "strong", "exact"}
        Which letters of names are permuted (see :data:`_EXACT_CYR`). ``exact`` keeps every
        transliteration key of step 1, so every score (but for the order of words) and every
        proposal at any threshold, but disguises little; ``strong`` disguises well, but
        scores on keys (persons, Latin names) can move. ``auto`` (default) takes the first
        of a few strong draws on which step 1 proposes exactly the same pairs at the
        engagement's thresholds, else ``exact``; ``strong`` keeps the last strong draw even
        if pairs differ. ``AnonymiseResult.matching`` says which was used.

    Returns
    -------
    AnonymiseResult
        Counts, files, the matching check, and the secrets — seed, factor and shift are
        written nowhere in ``out``; show them to the user once.

    Raises
    ------
    KamError
        ``src`` is not an engagement; ``out`` is not empty (without ``overwrite``), is
        ``src``, lies inside it or contains it.
    ConfigError
        A factor that is not positive, or a shift that would move sales before 1990 or into
        the future (the intake would reject them).
    InputError
        A decisions file or review sheet of the source that cannot be read.
    """
    src_p = Path(src).resolve()
    out_p = Path(out).resolve()
    _check_paths(src_p, out_p, overwrite)
    eng = Engagement.open(src_p)
    if seed is None:
        seed = secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("the seed must be a whole number ≥ 0", value=seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    fac = _choose_factor(rng, factor)
    tables, origin = _source_tables(eng)
    if "clients" not in tables or "sales" not in tables:
        raise InputError("the engagement has no client catalogue or no sales to anonymise",
                         file=str(src_p), hint="run `kam check` on it first")
    shift, years = _choose_shift(tables, rng, shift_years)
    vocab = _vocabulary(tables)
    known = known_surnames(v for t, cols in _PEOPLE.items() if t in tables
                           for c in cols if c in tables[t].columns
                           for v in tables[t][c].drop_nulls().unique().to_list())
    cl = tables["clients"]
    ps = Pseudonymiser(seed, factor=fac, shift_years=shift, vocabulary=vocab, years=years,
                       level="exact")
    ps.known = known
    tax, lost = map_tax_ids(cl["tax_id"].to_list() if "tax_id" in cl.columns else [],
                            ps.digits)
    kpp = {v: _map_kpp(v, ps.digits) for v in (cl["branch_code"].drop_nulls().unique()
                                                .to_list() if "branch_code" in cl.columns else [])}
    ogrn = _map_ogrns(cl["ogrn"].to_list() if "ogrn" in cl.columns else [], ps.digits)
    # a strong draw of the letter maps on which step 1 proposes the same pairs, else exact
    base = _pairs(cl, eng.config)
    if letters not in ("auto", "exact", "strong"):
        raise ConfigError("letters must be auto, exact or strong", value=letters)
    tries = [("strong", k) for k in range(_STRONG_TRIALS)] if letters != "exact" else []
    tries += [("exact", 0)] if letters != "strong" else []
    for level, k in tries:
        trial = ps if level == "exact" else Pseudonymiser(
            seed, factor=fac, shift_years=shift, vocabulary=vocab, years=years,
            level="strong", trial=k)
        trial.tax_ids = tax
        trial.known = known
        anon, id_map = _catalogue(cl, trial, tax, kpp)
        matching = _compare_pairs(base, _pairs(anon, eng.config), id_map)
        if not matching["differ"]:
            break
    ps = trial
    matching["letters"] = ps.level if ps.level == "exact" else f"strong, draw {ps.trial + 1}"
    b = _Builder(eng, tables, ps, tax, kpp, ogrn)
    if lost:
        b.notes.append(f"{lost} one-digit INN typo relation(s) could not be kept")
    if matching["differ"]:
        b.notes.append(f"{matching['differ']} candidate pair(s) of step 1 differ on the new "
                       "names (see matching['examples'])")
    order = ["clients"] + [t for t in TABLES if t != "clients" and t in tables]
    written: dict[str, pl.DataFrame] = {t: b.table(t) for t in order}
    merges = b.merges()
    groups = b.groups()
    sheet = b.assessment_sheet()
    config_text = b.config(eng.config)
    extra = sorted(p.name for p in (src_p / "decisions").glob("*")
                   if p.is_file() and p.name not in ("merges.csv", "groups.csv")) \
        if (src_p / "decisions").is_dir() else []
    if extra:
        b.notes.append("decisions/ files not carried (their content is unknown): "
                       + ", ".join(extra))
    if (src_p / "review" / "duplicates.xlsx").exists():
        b.notes.append("review/duplicates.xlsx is not copied: the next run writes it again")
    _check_no_pii(ps, tables, b.canonical, config_text, b.lang)
    files: list[str] = []
    with atomic_dir(out_p) as tmp:
        for sub in ("raw", "work", "review", "decisions", "reports", "notebooks"):
            (tmp / sub).mkdir()
        (tmp / "engagement.yaml").write_text(config_text, encoding="utf-8")
        files.append("engagement.yaml")
        lang = b.lang
        for t, df in written.items():
            rel = f"raw/{_FILES[lang][t]}"
            df.write_csv(tmp / rel, separator=",", quote_style="necessary", null_value="",
                         date_format="%Y-%m-%d")
            files.append(rel)
        if merges is not None:
            merges.write_csv(tmp / "decisions" / "merges.csv", quote_style="necessary",
                             null_value="", line_terminator="\n")
            files.append("decisions/merges.csv")
        if groups is not None:
            groups.write_csv(tmp / "decisions" / "groups.csv", quote_style="necessary",
                             null_value="")
            files.append("decisions/groups.csv")
        if sheet is not None:
            (tmp / "review" / "assessment.xlsx").write_bytes(sheet)
            files.append("review/assessment.xlsx")
        write_data_request(tmp / "data_request.xlsx")
        files.append("data_request.xlsx")
    n_ids = len({v for v in tax if tax[v] != v}) + len(kpp) + len(ogrn)
    people = {p for p in b.people if isinstance(p, str) and p.strip()}
    return AnonymiseResult(
        out=out_p, seed=int(seed), factor=fac, shift_years=shift,
        names_replaced=len({c for c in b.companies if isinstance(c, str) and c.strip()}),
        ids_replaced=n_ids, people_replaced=len(people), files_written=tuple(files),
        rows={t: df.height for t, df in written.items()}, matching=matching,
        client_id_map=dict(b.id_map),
        notes=(f"source tables from {origin}", *b.notes))
