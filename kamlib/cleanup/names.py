"""Company name normalisation that keeps its parts as fields (``METHODS.md`` §1).

A client name such as ``ООО «Ромашка»`` is split into its legal form (``ООО``, kept as a
field, not thrown away), a clean ``core`` (``ромашка``) and a cross-script ``key``
(``romashka``) that Latin spellings of the same name also reach (``OOO Romashka``,
``Romashka LLC`` has the same key but legal form ``LLC``). Sole proprietors get a
``person_key`` (surname + initials) so ``ИП Иванов И.И.`` meets ``ИП Иванов Иван Иванович``.

The pipeline (``METHODS.md`` §1, *Name normalisation*):

1. ``№`` → space, Unicode NFKC (NBSP and compatibility forms), casefold, ``ё`` → ``е``;
2. dotted abbreviations of legal forms (``О.О.О.``, ``L.L.C.``) joined; quotes
   ``«» " „ “ ” ' ‘ ’`` and all punctuation → space (apostrophes inside a word are dropped:
   ``Il'in`` → ``ilin``); ``№``/``N``/``No`` before digits dropped (``Магазин №7`` =
   ``Магазин 7``);
3. Latin look-alike letters inside a mostly Cyrillic word → Cyrillic (``Pомашкa`` →
   ``ромашка``) and, symmetrically, Cyrillic look-alikes inside a mostly Latin word → Latin;
4. the legal form is looked up at the start, then at the end of the token list (longest
   phrase first; Russian long and short forms, Latin transliterations ``OOO``/``ZAO``/...,
   international forms); it is removed only if something remains;
5. every core token gets a key (:func:`latin_key`): Cyrillic is transliterated and every
   Latin spelling reduced to one canonical alphabet (see :func:`latin_key`);
6. weak tokens (``ТД``, ``Группа``, ``Group`` ...) are flagged, persons detected.

Every step works on one *unique* string and is cached (:func:`functools.lru_cache` on whole
names and on single words). :func:`normalize_names` normalises each distinct value of a
column once, all at once: steps 1–3 and the word keys as polars expressions, steps 4–6 by
the same code as one name (:mod:`kamlib.cleanup.names_batch`).

Transliteration variants that meet (tested in ``tests/cleanup/test_names.py``): х = kh / h;
ц = ts / tc / tz / cz (GOST 7.79-B) / c before e, i, y (GOST 7.79-B); ч = ch / tch / tsch;
ш = sh; щ = shch / shh (GOST 7.79-B) / sch (and Cyrillic ``сч``); ж = zh; ю = yu / iu / ju /
u at the start of a word or after a consonant; я = ya / ia / ja; е = e / ye / je, ё = e / yo
/ jo; й = y / i / j; ы = y / i; ий, ый = iy / ii / ij / yi / y; ь, ъ dropped (and ``y``/``'``
written for them); ье = ye / ie / e; кс = ks / x; doubled letters are collapsed; ``ph`` = f,
``w`` = v, ``q`` = k, ``ck`` = k, ``c`` elsewhere = k (``Capital`` = ``Капитал``), ``ou`` = u
(``Group`` = ``Груп``), ``tech`` = тех.
Not covered (they clash with a more frequent reading): ``x`` for х (GOST 7.79-B ``Xleb``;
``x`` is read as кс: ``Unitex`` = ``Юнитекс``), ``c`` for ц before a, o, u or a consonant
(ISO 9 / GOST 7.79-A ``Carica``; ``c`` there is read as к), ``j`` for ж (``Jemchug``), German
``ch`` for х (``Chleb``) and ``sch`` for ш, ``dj`` / ``j`` for дж.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..legal_forms import LEGAL_FORMS  # the one list (shared with the intake's name key)

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "LEGAL_FORMS",
    "PERSON_FORMS",
    "WEAK_PHRASES",
    "WEAK_WORDS",
    "NameParts",
    "latin_key",
    "normalize_name",
    "normalize_names",
    "transliterate",
]


@dataclass(frozen=True)
class NameParts:
    """A company name split into fields (``METHODS.md`` §1, *Name normalisation*).

    Attributes
    ----------
    raw : str
        The input as given (``''`` for ``None``).
    legal_form : str or None
        Canonical short legal form: ``'ООО'``, ``'АО'``, ``'ПАО'``, ``'ЗАО'``, ``'ОАО'``,
        ``'НАО'``, ``'ИП'``, ``'ГУП'``, ``'МУП'``, ``'АНО'``, ``'ТОО'``, ``'LLC'``, ``'LTD'``,
        ``'GMBH'``, ``'INC'``, ``'PLC'``, ``'JSC'``, ``'AG'``, ``'SA'``, ``'BV'`` ... (see
        :data:`LEGAL_FORMS`). Latin transliterations of Russian forms (``OOO``, ``ZAO``) give
        the Russian form.
    form_position : str or None
        ``'start'`` or ``'end'``: where the legal form was found.
    core : str
        The name without legal form and quotes: casefolded, ``ё`` → ``е``, Latin
        look-alikes inside Cyrillic words mapped to Cyrillic, punctuation → space, spaces
        collapsed.
    key : str
        ``core`` in the canonical Latin key alphabet (``[a-z0-9 ]`` only), the same for
        Cyrillic and for the usual Latin spellings; ``и`` / ``and`` between two words is
        left out.
    tokens : tuple of str
        The words of ``key`` (for blocking).
    weak : tuple of str
        Tokens of ``key`` that carry little identity (``td``, ``gk``, ``grupa``, ``treid``,
        ``grup`` ...); they stay in ``tokens``.
    is_person : bool
        Sole proprietor / individual: an ``ИП`` form (any variant), or a name that is
        ``Surname Name Patronymic`` / ``Surname I. I.`` without a company form.
    person_key : str or None
        For persons: surname key + initials, e.g. ``'ivanov i i'``.
    """

    raw: str
    legal_form: str | None
    form_position: str | None
    core: str
    key: str
    tokens: tuple[str, ...]
    weak: tuple[str, ...]
    is_person: bool
    person_key: str | None


_FIELDS = (
    "legal_form",
    "form_position",
    "core",
    "key",
    "tokens",
    "weak",
    "is_person",
    "person_key",
)

# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------

#: Legal forms that always mean an individual (sole proprietor).
PERSON_FORMS: frozenset[str] = frozenset({"ИП"})
_PERSON_OR_FARM = PERSON_FORMS | {"КФХ"}

#: Words that carry little identity (``METHODS.md`` §1: ТД, ГК, Группа, Трейд, Group);
#: compared through their key, so transliterated spellings are flagged too.
WEAK_WORDS: tuple[str, ...] = (
    "тд", "гк", "нпо", "нпп", "нпф", "нпк", "ук", "ск", "пкф", "тк", "фирма", "firm",
    "группа", "групп", "груп", "группы", "group", "grupp", "gruppa",
    "компания", "компании", "company", "co", "corp", "холдинг", "holding",
    "трейд", "trade", "trading", "торг", "torg", "опт", "маркет", "market",
    "сервис", "service", "центр", "center", "centre", "плюс", "plus", "про", "pro",
    "инвест", "invest", "строй", "stroy", "снаб", "логистик", "логистика", "logistic",
    "logistics", "консалтинг", "consulting", "системы", "systems", "технологии",
    "technologies", "интернешнл", "international", "рус", "rus", "россия", "russia",
    "регион", "region", "предприятие", "enterprise", "enterprises",
)  # fmt: skip

#: Phrases whose words are weak only together (``Торговый дом``: ``Дом`` alone is not).
WEAK_PHRASES: tuple[str, ...] = (
    "торговый дом",
    "торговая компания",
    "производственная компания",
    "строительная компания",
    "управляющая компания",
    "trading house",
)

_CYR = "\u0400-\u04ff"
_LOOK_LAT = "aocepxykmthb"
_LOOK_CYR = "аосерхукмтнв"
_LAT_TO_CYR = str.maketrans(_LOOK_LAT, _LOOK_CYR)
_CYR_TO_LAT = str.maketrans(_LOOK_CYR, _LOOK_LAT)
_LOOK_LAT_SET = frozenset(_LOOK_LAT)
_LOOK_CYR_SET = frozenset(_LOOK_CYR)

# Cyrillic → raw Latin (BGN/PCGN-like); the canonical reduction is done afterwards, on Latin.
_CYR_TRANSLIT = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
        "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
        "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts",
        "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
        "я": "ya",
        # Ukrainian, Belarusian, Kazakh letters seen in CIS client bases
        "і": "i", "ї": "yi", "є": "ye", "ґ": "g", "ў": "u", "ә": "a", "ғ": "g", "қ": "k",
        "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h",
    }
)  # fmt: skip
_LATIN_EXTRA = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i"}
)

# Latin spellings → one symbol per Russian sound. Upper-case letters are placeholders (the
# text is casefolded, so they cannot clash) written out at the end by _PLACEHOLDER_OUT.
_DIGRAPHS: dict[str, str] = {
    "shch": "Q", "tsch": "C", "tech": "teH",
    "shh": "Q", "sch": "Q", "tch": "C",
    "ch": "C", "zh": "Z", "kh": "H", "sh": "S",
    "ts": "T", "tc": "T", "tz": "T", "cz": "T",
    "ce": "Te", "ci": "Ti", "cy": "Ty",
    "ck": "k", "ph": "f", "th": "t", "qu": "kv", "ou": "u",
    "q": "k", "w": "v", "x": "ks", "c": "k", "h": "H",
}  # fmt: skip
_PLACEHOLDER_OUT = str.maketrans(
    {"Q": "shch", "Z": "zh", "H": "kh", "C": "ch", "S": "sh", "T": "ts"}
)
_CONSONANTS = "bdfgklmnprstvzQZHCST"

_WORD_RE = re.compile(r"[\W_]+")
_APOS_IN_WORD_RE = re.compile(r"(?<=\w)['’‘ʼʹ`´](?=\w)")
_NUMSIGN_RE = re.compile(r"\b(?:n|no|nr)\s?(?=\d)")
_MIXED_RE = re.compile(rf"[a-z][{_CYR}]|[{_CYR}][a-z]")
_LAT_LETTER_RE = re.compile(r"[a-z]")
_CYR_LETTER_RE = re.compile(rf"[{_CYR}]")
_DOTTED_RE = re.compile(r"(?<!\w)(?:[^\W\d_]\.\s*){2,4}(?:[^\W\d_](?!\w))?")
_NON_AZ09_RE = re.compile(r"[^a-z0-9]+")
_DIGRAPH_RE = re.compile("|".join(sorted(_DIGRAPHS, key=len, reverse=True)))
_DOUBLE_RE = re.compile(r"([a-zA-Z])\1+")
_JOTATED_E_RE = re.compile(r"[yj][eo]")
_INITIAL_GLIDE_RE = re.compile(r"^[yji](?=[aeiou])")
_I_RUN_RE = re.compile(r"i{2,}")
_CONS_IE_RE = re.compile(rf"(?<=[{_CONSONANTS}])ie")
_CONS_IU_RE = re.compile(rf"(?<=[{_CONSONANTS}])i(?=u)")

_CONNECTORS = frozenset({"i", "and", "und", "et"})
_PATRONYMIC_ENDINGS = ("ich", "vna", "chna")


# --------------------------------------------------------------------------------------
# Keys
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 18)
def _word_key(word: str) -> str:
    """Key of one casefolded word (no spaces or punctuation): see :func:`latin_key`."""
    if word.isascii() and word.isdigit():
        return word
    s = word.translate(_CYR_TRANSLIT)
    if not s.isascii():
        s = unicodedata.normalize("NFKD", s)
        s = "".join(c for c in s if not unicodedata.combining(c)).translate(_LATIN_EXTRA)
    s = _NON_AZ09_RE.sub("", s)
    if not s or s.isdigit():
        return s
    s = _DIGRAPH_RE.sub(lambda m: _DIGRAPHS[m.group()], s)
    s = _DOUBLE_RE.sub(r"\1", s)
    s = _JOTATED_E_RE.sub("e", s)  # ye/je = е (BGN), yo/jo = ё = е
    s = _INITIAL_GLIDE_RE.sub("", s)  # Yu-/Iu-/Ju- = U- (Юнитекс = Unitex)
    s = s.replace("y", "i").replace("j", "i")  # й, ы, и
    s = _I_RUN_RE.sub("i", s)  # ий = iy / ii / ij
    s = _CONS_IE_RE.sub("e", s)  # ье = ie (Vasiliev = Васильев)
    s = _CONS_IU_RE.sub("", s)  # ю after a consonant = iu / u (Lux = Люкс)
    s = _DOUBLE_RE.sub(r"\1", s)
    return s.translate(_PLACEHOLDER_OUT)


def _fix_lookalikes(word: str) -> str:
    """Map look-alike letters of the minority script of a mixed-script word (§1)."""
    lat = _LAT_LETTER_RE.findall(word)
    cyr = _CYR_LETTER_RE.findall(word)
    if not lat or not cyr:
        return word
    if _LOOK_LAT_SET.issuperset(lat):
        return word.translate(_LAT_TO_CYR)
    if _LOOK_CYR_SET.issuperset(cyr) and len(lat) > len(cyr):
        return word.translate(_CYR_TO_LAT)
    if len(cyr) >= len(lat):
        return word.translate(_LAT_TO_CYR)
    return word.translate(_CYR_TO_LAT)


def _dotted(m: re.Match[str]) -> str:
    joined = re.sub(r"[.\s]", "", m.group())
    return f" {joined} " if joined in _DOTTED_FORMS else m.group()


def _tokens(text: str) -> list[str]:
    """Steps 1–3 of the pipeline: the cleaned, casefolded words of ``text``."""
    s = unicodedata.normalize("NFKC", text.replace("№", " ")).casefold().replace("ё", "е")
    if "." in s:
        s = _DOTTED_RE.sub(_dotted, s)
    s = _APOS_IN_WORD_RE.sub("", s)
    s = _WORD_RE.sub(" ", s)
    s = _NUMSIGN_RE.sub("", s)
    toks = s.split()
    if _MIXED_RE.search(s):
        toks = [_fix_lookalikes(t) for t in toks]
    return toks


def latin_key(text: str) -> str:
    """Reduce Latin text (any romanisation of Russian) to the canonical key alphabet.

    GOST 7.79-2000 (system B), ICAO Doc 9303, BGN/PCGN and common ad-hoc spellings of the
    same Russian word meet (``METHODS.md`` §1, *transliteration variants*): digraphs are
    mapped to one symbol per sound (``kh``/``h`` = х, ``ts``/``tc``/``cz`` = ц, ``shch``/
    ``shh``/``sch`` = щ, ``x`` = кс ...), jotation is normalised (``ye`` = ``e``, ``yu``/
    ``iu``/``ju``, ``y``/``j``/``i`` = ``i``), doubled letters collapsed, and the result
    written in readable Latin (``shch zh kh ch sh ts``). Cyrillic letters in ``text`` are
    transliterated first, so any text is accepted; see the module docstring for the
    variants that are and are not covered.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        Words of ``[a-z0-9]``, separated by single spaces.

    Examples
    --------
    >>> latin_key("Shchukin"), latin_key("Schukin"), latin_key("Shhukin")
    ('shchukin', 'shchukin', 'shchukin')
    >>> latin_key("Unitex") == latin_key("Yuniteks") == latin_key("Iuniteks")
    True
    """
    return " ".join(k for k in map(_word_key, _tokens(text)) if k)


def transliterate(text: str) -> str:
    """Transliterate Cyrillic text into the canonical key alphabet of :func:`latin_key`.

    Same pipeline as :func:`latin_key` (NFKC, casefold, ``ё`` → ``е``, look-alike repair,
    punctuation → space; ``METHODS.md`` §1): Cyrillic letters are first romanised
    (BGN/PCGN-like: ``х`` → ``kh``, ``ц`` → ``ts``, ``ь``/``ъ`` dropped), then reduced.

    Parameters
    ----------
    text : str
        Cyrillic (or mixed) text.

    Returns
    -------
    str
        Words of ``[a-z0-9]``, separated by single spaces.

    Examples
    --------
    >>> transliterate("Рога и Копыта") == latin_key("Roga i Kopyta")
    True
    >>> transliterate("Щукин"), transliterate("Хлеб"), transliterate("Жемчуг")
    ('shchukin', 'khleb', 'zhemchug')
    """
    return latin_key(text)


# --------------------------------------------------------------------------------------
# Legal forms, weak tokens, persons
# --------------------------------------------------------------------------------------


def _build_forms() -> tuple[dict[tuple[str, ...], str], dict[tuple[str, ...], str], int]:
    exact: dict[tuple[str, ...], str] = {}
    by_key: dict[tuple[str, ...], str] = {}
    for canon, variants in LEGAL_FORMS.items():
        for v in variants:
            toks = tuple(v.split())
            exact[toks] = canon
            if len(toks) > 1 and _CYR_LETTER_RE.search(v):  # Latin spellings of long forms
                by_key[tuple(_word_key(t) for t in toks)] = canon
    return exact, by_key, max(len(k) for k in exact)


_FORMS_EXACT, _FORMS_BY_KEY, _FORM_MAXLEN = _build_forms()
# Dotted forms of 3+ letters are joined (О.О.О., L.L.C.); two dotted letters are initials
# (Иванов И.П., А.О.), so S.A. / B.V. / N.V. are matched as two words instead.
_DOTTED_FORMS = frozenset(k[0] for k in _FORMS_EXACT if len(k) == 1 and len(k[0]) >= 3)
_WEAK_KEYS = frozenset(_word_key(w) for w in WEAK_WORDS)
_WEAK_PHRASE_KEYS = tuple(tuple(_word_key(t) for t in p.split()) for p in WEAK_PHRASES)
_WEAK_ANY = _WEAK_KEYS.union(*_WEAK_PHRASE_KEYS)
# words that can open or close a legal form, exact or as keys (a quick pre-check)
_FORM_EDGE_WORDS = frozenset(w for k in (*_FORMS_EXACT, *_FORMS_BY_KEY) for w in (k[0], k[-1]))


def _find_form(toks: list[str], keys: list[str], at_start: bool) -> tuple[str | None, int]:
    """Legal form at the start or end of ``toks``: (canonical form, number of tokens)."""
    n = len(toks)
    edge = 0 if at_start else -1
    if n < 2 or (toks[edge] not in _FORM_EDGE_WORDS and keys[edge] not in _FORM_EDGE_WORDS):
        return None, 0
    for size in range(min(_FORM_MAXLEN, n - 1), 0, -1):
        part = slice(0, size) if at_start else slice(n - size, n)
        canon = _FORMS_EXACT.get(tuple(toks[part]))
        if canon is None and size > 1:
            canon = _FORMS_BY_KEY.get(tuple(keys[part]))
        if canon is not None:
            return canon, size
    return None, 0


def _weak(keys: tuple[str, ...]) -> tuple[str, ...]:
    hits = _WEAK_ANY.intersection(keys)
    if not hits:
        return ()
    flagged = set(hits & _WEAK_KEYS)
    for phrase in _WEAK_PHRASE_KEYS:
        if phrase[0] in hits:
            size = len(phrase)
            for i in range(len(keys) - size + 1):
                if keys[i : i + size] == phrase:
                    flagged.update(phrase)
    return tuple(k for k in dict.fromkeys(keys) if k in flagged)


def _is_patronymic(key: str) -> bool:
    return len(key) > 4 and key.endswith(_PATRONYMIC_ENDINGS)


def _person(keys: list[str]) -> tuple[str | None, bool]:
    """(person_key, looks like a person by itself) from the core's word keys.

    ``Surname Name Patronymic`` / ``Surname N. P.`` / ``N. P. Surname``: surname key plus the
    first letter of the key of each of the (at most two) other parts. The second value is
    true for the unambiguous patterns (a patronymic, or two initials).
    """
    words = [k for k in keys if k and not k.isdigit()]
    if not words:
        return None, False
    lead = 0
    while lead < min(2, len(words) - 1) and len(words[lead]) == 1:
        lead += 1
    if lead:
        surname, given = words[lead], words[:lead]
        strict = lead == 2 and len(words) == 3
    else:
        surname, given = words[0], words[1:2]
        if len(words) > 2 and (len(words[2]) == 1 or _is_patronymic(words[2])):
            given.append(words[2])
        strict = (
            len(words) == 3
            and len(given) == 2
            and (_is_patronymic(given[1]) or (len(given[0]) == 1 and len(given[1]) == 1))
        )
    return " ".join([surname, *(g[0] for g in given)]), strict


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------

_EMPTY = NameParts("", None, None, "", "", (), (), False, None)


def _normalize_str(raw: str) -> NameParts:
    """Normalise one name (uncached); see :func:`normalize_name`."""
    toks = _tokens(raw)
    return _parts(raw, toks, [_word_key(t) for t in toks])


def _parts(raw: str, toks: list[str], keys: list[str]) -> NameParts:
    """Steps 4–6 of the pipeline on a name's cleaned words ``toks`` and their ``keys``
    (:func:`_tokens`, :func:`_word_key`; both lists are consumed)."""
    form, position = None, None
    canon, size = _find_form(toks, keys, at_start=True)
    if canon:
        form, position = canon, "start"
        del toks[:size], keys[:size]
    if form is None:  # 'IP Ivanov S.A.': initials, not a second form
        canon, size = _find_form(toks, keys, at_start=False)
        if canon:
            form, position = canon, "end"
            del toks[-size:], keys[-size:]
    core = " ".join(toks)
    # a person only without a form, as ИП or as КФХ (its person fields are dropped otherwise)
    person_key, fio = _person(keys) if form is None or form in _PERSON_OR_FARM else (None, False)
    is_person = form in PERSON_FORMS or (fio and form in (None, "КФХ"))
    if not is_person:
        person_key = None
        if _CONNECTORS.intersection(keys):
            n = len(keys)
            keys = [
                k
                for i, k in enumerate(keys)
                if not (
                    k in _CONNECTORS and 0 < i < n - 1 and len(keys[i - 1]) > 1
                    and len(keys[i + 1]) > 1
                )
            ]
    tokens = tuple(k for k in keys if k)
    return NameParts(
        raw=raw,
        legal_form=form,
        form_position=position,
        core=core,
        key=" ".join(tokens),
        tokens=tokens,
        weak=_weak(tokens),
        is_person=bool(is_person),
        person_key=person_key,
    )


_normalize_cached = lru_cache(maxsize=1 << 18)(_normalize_str)


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def normalize_name(name: str | None) -> NameParts:
    """Split a company name into legal form, core, cross-script key and person fields.

    Implements ``METHODS.md`` §1 (*Name normalisation*: keep the pieces as fields): NFKC,
    casefold, ``ё`` → ``е``, look-alike repair, quotes stripped, legal form detected at the
    start or the end (long or short, Russian, transliterated or international), weak tokens
    flagged, transliteration variants (GOST 7.79 / ICAO / BGN / ad hoc) reduced to one key.
    Results are cached per distinct string.

    Parameters
    ----------
    name : str or None
        The name as exported (``None``, NaN and ``''`` give empty fields).

    Returns
    -------
    NameParts
        See :class:`NameParts`.

    Examples
    --------
    >>> p = normalize_name('ООО "Pомашкa"')  # Latin P and a
    >>> p.legal_form, p.core, p.key
    ('ООО', 'ромашка', 'romashka')
    >>> normalize_name("OOO Romashka").key, normalize_name("Ромашка, ООО").form_position
    ('romashka', 'end')
    >>> normalize_name("ИП Иванов И.И.").person_key
    'ivanov i i'
    """
    if _is_missing(name):
        return _EMPTY
    if not isinstance(name, str):
        name = str(name)
    if not name.strip():
        return NameParts(name, None, None, "", "", (), (), False, None)
    return _normalize_cached(name)


def normalize_names(names: pd.Series) -> pd.DataFrame:
    """Normalise a column of names, once per distinct value (``METHODS.md`` §1).

    Parameters
    ----------
    names : pandas.Series
        Names (any dtype; missing values give empty fields).

    Returns
    -------
    pandas.DataFrame
        One row per input, same index, columns ``legal_form``, ``form_position``, ``core``,
        ``key``, ``tokens``, ``weak``, ``is_person``, ``person_key`` (the
        :class:`NameParts` fields except ``raw``).
    """
    import numpy as np
    import pandas as pd

    from .names_batch import parts_of_names

    codes, uniques = pd.factorize(names.astype(object), use_na_sentinel=True)
    texts = [u if isinstance(u, str) else str(u) for u in uniques]
    # the non-blank names all at once (polars); a blank one has empty fields (missing: -1)
    batch = [i for i, t in enumerate(texts) if t.strip()]
    found = parts_of_names([texts[i] for i in batch])
    columns: dict[str, Any] = {}
    for field in _FIELDS:
        values = np.empty(len(texts) + 1, dtype=object)
        values.fill(getattr(_EMPTY, field))
        if batch:
            values[batch] = found[field]
        taken = values.take(codes)
        columns[field] = taken.astype(bool) if field == "is_person" else taken
    return pd.DataFrame(columns, index=names.index)
