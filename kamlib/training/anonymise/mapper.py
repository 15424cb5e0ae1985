"""Dates shifted by whole years, and the Pseudonymiser: one keyed, deterministic mapping per kind
of value.

Part of :mod:`kamlib.training.anonymise`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from ...cleanup import names as _names
from ...pii import PiiMatch, find_pii
from .taxids import _DigitKey
from .words import (
    _CYR_LOOK,
    _CYR_RE,
    _DOC_WORDS,
    _EXACT_CYR,
    _LAT_LOOK,
    _LAT_RE,
    _NUMSIGN_TOKEN_RE,
    _PATRONYMIC_KEYS,
    _PROTECTED,
    _STRONG_CYR,
    _STRONG_LAT,
    _STRONG_PAIRS,
    _TOKEN_RE,
    _WIDE_CYR,
    _WIDE_DRAWS,
    _WIDE_LAT,
    _case_like,
    _class_map,
    _derangement,
    _norm,
)

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


