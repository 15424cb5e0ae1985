"""Word classes: the letter maps that keep step 1 reading replaced names as it read the originals.

Part of :mod:`kamlib.training.anonymise`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

from ...cleanup import names as _names

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


