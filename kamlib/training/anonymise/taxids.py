"""Tax ids: keyed digit permutations that keep INN/OGRN check digits valid (or wrong where they
were), KPP reason codes, foreign VAT numbers of the same country.

Part of :mod:`kamlib.training.anonymise`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...identifiers import (
    INN_WEIGHTS_10,
    INN_WEIGHTS_11,
    INN_WEIGHTS_12,
    inn_check_digit,
    is_valid_inn,
)
from .words import _derangement

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
    from ...identifiers import is_valid_foreign_vat, vat_with_check_digits

    return is_valid_foreign_vat(v) and vat_with_check_digits(_vat_body(v, key)) is None


def _foreign_id(v: str, key: _DigitKey, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A foreign tax id's digits mapped by position, its validity kept.

    A valid VAT number (python-stdnum) becomes a valid one of the same country and shape:
    body digits mapped, fixed parts kept (:func:`_vat_body`), check digits recomputed; when
    the mapped body admits no check digit (a Polish or Dutch body whose check would be 10),
    or gives an id already in ``taken``, the body's third digit moves on until it does. An
    invalid one stays invalid. Other ids keep their letters and format."""
    from ...identifiers import is_foreign_vat, is_valid_foreign_vat, vat_with_check_digits

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


