"""Small helpers of the sample generator: choices, tax ids, people, company names."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from .words import (
    _FEMALE,
    _LONG_FORM,
    _LOOKALIKE,
    _MALE,
    _PATRONYMICS,
    _PREFIX,
    _PROPER,
    _SUFFIX,
    _SURNAMES,
    _TRANSLIT,
)


def _choice(rng: np.random.Generator, items: Any, n: int, p: Any = None) -> np.ndarray:
    arr = np.asarray(list(items), dtype=object)
    return arr[rng.choice(len(arr), size=n, p=p)]


def _digits_str(d: np.ndarray) -> np.ndarray:
    """Rows of digits → strings."""
    return np.array(["".join(map(str, row)) for row in d.tolist()], dtype=object)


def _inn_check(d: np.ndarray, w: tuple[int, ...]) -> np.ndarray:
    return cast(np.ndarray, (d[:, : len(w)] @ np.array(w)) % 11 % 10)


def _make_inns(rng: np.random.Generator, region: np.ndarray, person: np.ndarray) -> np.ndarray:
    """Valid, unique INNs: 10 digits for companies, 12 for sole proprietors."""
    n = len(region)
    out = np.empty(n, dtype=object)
    todo = np.arange(n)
    seen: set[str] = set()
    while len(todo):
        d = rng.integers(0, 10, size=(len(todo), 12))
        d[:, 0], d[:, 1] = region[todo] // 10, region[todo] % 10
        d[:, 2] = rng.integers(0, 5, size=len(todo))
        d[:, 9] = _inn_check(d, (2, 4, 10, 3, 5, 9, 4, 6, 8))
        ten = _digits_str(d[:, :10])
        d[:, 10] = _inn_check(d, (7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
        d[:, 11] = _inn_check(d, (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8))
        twelve = _digits_str(d)
        vals = np.where(person[todo], twelve, ten)
        again = []
        for i, v in zip(todo.tolist(), vals.tolist(), strict=True):
            if v in seen:
                again.append(i)
            else:
                seen.add(v)
                out[i] = v
        todo = np.array(again, dtype=int)
    return out


def _vat_id(country: str, x: int) -> str:
    """A valid VAT number of ``country`` made from the 9-digit number ``x`` (no random draw:
    the same ``x`` gives the same id): the country's shape, the check digits computed by its
    rule (:func:`kamlib.identifiers.vat_with_check_digits`, verified with python-stdnum)."""
    from kamlib.identifiers import vat_with_check_digits

    for k in range(100):  # a body whose check digit is impossible (10) moves on by one
        d = str(x + k)
        draft = {"DE": f"DE{d[:8]}0", "FR": f"FR00{d[:8]}0", "NL": f"NL{d[:8]}0B01",
                 "IT": f"IT{d[:7]}{int(d[7:]) % 100 + 1:03d}0", "ES": f"ESB{d[:7]}0",
                 "PL": f"PL{d}0", "SE": f"SE{d}001", "BE": f"BE0{d[:7]}00"}.get(country)
        if draft is None:
            raise ValueError(f"no VAT number rule for {country}")
        vat = vat_with_check_digits(draft)
        if vat is not None:
            return vat
    raise ValueError(f"no valid {country} VAT number near {x}")  # pragma: no cover


def _make_vat_ids(countries: np.ndarray, numbers: np.ndarray) -> list[str]:
    """Valid foreign VAT numbers (python-stdnum's check), one per entity: the country's
    prefix and format, the digits from ``numbers``."""
    return [_vat_id(str(c), int(x)) for c, x in zip(countries, numbers, strict=True)]


def _break_inn(inn: str, k: int) -> str:
    """The same INN with a wrong last check digit."""
    last = (int(inn[-1]) + 1 + k % 9) % 10
    return inn[:-1] + str(last)


def _make_ogrns(rng: np.random.Generator, region: np.ndarray, person: np.ndarray) -> np.ndarray:
    n = len(region)
    yy = rng.integers(2, 23, size=n)
    body = rng.integers(0, 10**7, size=n)
    body_ip = rng.integers(0, 10**9, size=n)
    out = []
    for i in range(n):
        if person[i]:
            s = f"3{yy[i]:02d}{region[i]:02d}{body_ip[i]:09d}"
            out.append(s + str(int(s) % 13 % 10))
        else:
            s = f"1{yy[i]:02d}{region[i]:02d}{body[i]:07d}"
            out.append(s + str(int(s) % 11 % 10))
    return np.array(out, dtype=object)


def _female(surname: str) -> str:
    return surname + "а" if surname.endswith(("ов", "ев", "ёв", "ин", "ын")) else surname


def _people(rng: np.random.Generator, n: int) -> list[tuple[str, str, str]]:
    """``n`` distinct (surname, first name, patronymic) triples."""
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    while len(out) < n:
        fem = rng.random() < 0.35
        s = _SURNAMES[rng.integers(len(_SURNAMES))]
        p = _PATRONYMICS[rng.integers(len(_PATRONYMICS))]
        t = ((_female(s), _FEMALE[rng.integers(len(_FEMALE))], p[1]) if fem
             else (s, _MALE[rng.integers(len(_MALE))], p[0]))
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def _brands_ru(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct brand words: proper names first, then compounds (``Агроснаб``)."""
    compounds = [p + s for p in _PREFIX for s in _SUFFIX if p.lower() != s]
    compounds = [compounds[i] for i in rng.permutation(len(compounds))]
    proper = [_PROPER[i] for i in rng.permutation(len(_PROPER))]
    pool = proper + compounds
    if n > len(pool):
        extra = [f"{b}-{m}" for m in ("М", "Плюс", "Юг", "Центр", "2000") for b in compounds]
        pool += extra
    return pool[:n]


def _translit(s: str) -> str:
    out = []
    for ch in s:
        low = ch.lower()
        t = _TRANSLIT.get(low)
        if t is None:
            out.append(ch)
        else:
            out.append(t.capitalize() if ch != low and t else t)
    return "".join(out)


def _lookalike(s: str, k: int) -> str:
    """Replace one or two Cyrillic letters by their Latin look-alikes."""
    idx = [i for i, ch in enumerate(s) if ch in _LOOKALIKE]
    if not idx:
        return s + " "
    chosen = {idx[k % len(idx)], idx[(k * 7 + 3) % len(idx)]}
    return "".join(_LOOKALIKE[ch] if i in chosen else ch for i, ch in enumerate(s))


def _short_person(person: tuple[str, str, str]) -> str:
    return f"{person[0]} {person[1][0]}.{person[2][0]}."


def _ru_name(form: str, brand: str, style: int) -> str:
    """Catalogue name of a company in one of the usual spellings."""
    return [f"{form} «{brand}»", f'{form} "{brand}"', f"{brand} {form}"][style % 3]


def _ru_dup_variant(form: str, brand: str, person: tuple[str, str, str] | None,
                    kind: int) -> str:
    """One misspelt duplicate of a catalogue name; ``kind`` picks the spelling."""
    if person is not None:
        full = " ".join(person)
        return [f"{_short_person(person)} ИП", f"ИП {person[0]} {person[1][0]}. {person[2][0]}.",
                f"Индивидуальный предприниматель {full}", f"ИП  {full}",
                f"ИП {_lookalike(full, kind)}", f"ИП {full.replace('ё', 'е')}",
                f"IP {_translit(full)}", f"ИП {full.upper()}"][kind % 8]
    variants = [
        f"{brand} {form}",
        f"{'OOO' if form == 'ООО' else _translit(form).upper()} {_translit(brand)}",
        f'{form} "{brand}"',
        f"{form} «{_lookalike(brand, kind)}»",
        f"{form} «{brand.replace('ё', 'е') if 'ё' in brand else brand.replace('е', 'ё', 1)}»",
        f"{form}  «{brand}»",
        f'{_LONG_FORM[form]} "{brand}"',
        f"{form} {brand.upper()}",
    ]
    return variants[kind % len(variants)]
