"""The vectorised name normalisation (kamlib.cleanup.names_batch) gives what the scalar one
gives: character by character for the steps it takes over, and name by name."""

from __future__ import annotations

import random
import re
import unicodedata

import pandas as pd
import polars as pl
import pytest

from kamlib.cleanup import names as names_mod
from kamlib.cleanup.names import normalize_name, normalize_names
from kamlib.cleanup.names_batch import FAST_CHARS, word_keys
from tests.cleanup import test_names

_FAST = re.compile(f"[{FAST_CHARS}]")
_ALL_BMP = [chr(c) for c in range(0x20, 0x3000) if not 0xD800 <= c < 0xE000]
FAST = [c for c in _ALL_BMP if _FAST.fullmatch(c)]


def test_fast_characters_fold_as_python_folds_them() -> None:
    """NFKC, casefold and ё of each character the vectorised steps take = polars' lower."""
    expected = [unicodedata.normalize("NFKC", c.replace("№", " ")).casefold().replace("ё", "е")
                for c in FAST]
    got = (pl.Series(FAST).str.replace_all("№", " ", literal=True)
           .str.replace_all("\u00a0", " ", literal=True).str.to_lowercase()
           .str.replace_all("ё", "е", literal=True).to_list())
    assert got == expected


def test_word_characters_are_the_same_in_both_regex_engines() -> None:
    """``\\w`` of Python's re and of polars' regex agree on the characters taken, and on
    what they fold to."""
    chars = sorted(set(FAST) | {c.casefold() for c in FAST})
    python = [bool(re.fullmatch(r"\w", c)) for c in chars]
    polars = pl.Series(chars).str.contains(r"^\w$").to_list()
    assert python == polars
    digits = [bool(re.fullmatch(r"\d", c)) for c in chars]
    assert digits == pl.Series(chars).str.contains(r"^\d$").to_list()


def _string_constants(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [s for x in obj for s in _string_constants(x)]
    return []


def _test_module_names() -> list[str]:
    found = [s for v in vars(test_names).values() for s in _string_constants(v)]
    for mark_holder in vars(test_names).values():
        for mark in getattr(mark_holder, "pytestmark", []):
            if mark.name == "parametrize":
                found += _string_constants(list(mark.args[1]))
    return found


def _fuzzed_names(n: int, seed: int = 3) -> list[str]:
    """Random names of pieces that exercise every branch: forms, quotes, dots, apostrophes,
    look-alikes, numbers, accents, NBSP, ё, other scripts' letters."""
    rng = random.Random(seed)
    pieces = ["ООО", "ооо", "OOO", "ИП", "ip", "Общество с ограниченной ответственностью",
              "Obshchestvo s ogranichennoy otvetstvennostyu", "LLC", "GmbH", "S.A.", "О.О.О.",
              "КФХ", "Глава КФХ", "Ромашка", "Pомашкa", "Romashka", "ЁЛКА", "Ёлка", "№", "N",
              "No", "nr", "7", "12", "«", "»", '"', "'", "’", "‘", "`", "„", "“", "-", ",",
              ".", "(", ")", "\u00a0", "  ", "Иванов", "Иван", "Иванович", "И.", "И.И.",
              "Schukin", "Щукин", "Café", "Straße", "İstanbul", "Київ", "Қазақ", "ß", "и",
              "and", "ТД", "Торговый дом", "Group", "Трейд", "Юнитекс", "Unitex", "Xleb",
              "Vasiliev", "Васильев", "Yuliya", "Iulia", "Ъ", "ь", "0", "_", "\u0483", "и\u0306"]
    return ["".join(rng.choice(pieces) + rng.choice(["", " ", " ", "  "])
                    for _ in range(rng.randint(1, 6))) for _ in range(n)]


def _names() -> list[str]:
    return list(dict.fromkeys(_test_module_names() + test_names._generated_names(3000)
                              + _fuzzed_names(6000)))


def test_batch_gives_the_scalar_parts_name_by_name() -> None:
    names = _names()
    names_mod._normalize_cached.cache_clear()
    df = normalize_names(pd.Series(names))
    fields = list(df.columns)
    bad = []
    for name, row in zip(names, df.itertuples(index=False), strict=True):
        p = normalize_name(name)
        want = tuple(getattr(p, f) for f in fields)
        got = tuple(None if isinstance(v, float) and pd.isna(v) else v for v in row)
        if got != want or any(type(a) is not type(b) for a, b in zip(got, want, strict=True)):
            bad.append((name, got, want))
    assert not bad, bad[:5]


def test_word_keys_are_the_scalar_keys() -> None:
    words = sorted({w for n in _names() for w in names_mod._tokens(n)})
    got = word_keys(pl.Series(words, dtype=pl.String)).to_list()
    assert got == [names_mod._word_key(w) for w in words]


@pytest.mark.parametrize("words", [[], ["123"], ["", "ъ"]])
def test_word_keys_edge_cases(words: list[str]) -> None:
    assert word_keys(pl.Series(words, dtype=pl.String)).to_list() == \
        [names_mod._word_key(w) for w in words]
