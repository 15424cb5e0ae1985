"""Russian company identifiers: INN, KPP, OGRN / OGRNIP, with their check digits.

Formulas from ``METHODS.md`` §1 (Federal Tax Service orders on INN and OGRN structure).
Hand-written rather than python-stdnum because stdnum's ``ru.ogrn`` rejects valid OGRNIPs
whose remainder mod 13 is 10–12 (it compares the two-digit remainder), e.g.
``304463210700212``.
"""

from __future__ import annotations

import re

__all__ = ["is_valid_inn", "is_valid_kpp", "is_valid_ogrn", "tax_id_problem"]

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def is_valid_inn(value: str | None) -> bool:
    """INN of a company (10 digits) or of a person / sole proprietor (12 digits).

    c10 = (Σ wᵢdᵢ, w = 2,4,10,3,5,9,4,6,8) mod 11 mod 10; for 12 digits two check digits
    with weights 7,2,4,10,3,5,9,4,6,8 and 3,7,2,4,10,3,5,9,4,6,8.

    >>> is_valid_inn("7707083893"), is_valid_inn("7707083894")
    (True, False)
    """
    if value is None or not re.fullmatch(r"[0-9]{10}|[0-9]{12}", value) or set(value) == {"0"}:
        return False
    if len(value) == 10:
        return _check(value, _W10) == int(value[9])
    return _check(value, _W11) == int(value[10]) and _check(value, _W12) == int(value[11])


def is_valid_kpp(value: str | None) -> bool:
    """KPP: 9 characters ``NNNNXXNNN`` (the 5th–6th may be letters); no check digit."""
    return value is not None and re.fullmatch(r"[0-9]{4}[0-9A-Z]{2}[0-9]{3}", value) is not None


def is_valid_ogrn(value: str | None) -> bool:
    """OGRN (13 digits: first 12 mod 11 mod 10) or OGRNIP (15: first 14 mod 13 mod 10).

    >>> is_valid_ogrn("1027700132195"), is_valid_ogrn("304463210700212")
    (True, True)
    """
    if value is None or not re.fullmatch(r"[0-9]{13}|[0-9]{15}", value):
        return False
    if len(value) == 13:
        return int(value[:12]) % 11 % 10 == int(value[12])
    return int(value[:14]) % 13 % 10 == int(value[14])


def tax_id_problem(value: str | None) -> str | None:
    """Why a Russian INN is not usable (``None`` if valid, empty, or not an INN at all).

    Ids with letters are foreign tax numbers (``FR595951746``, ``DE123456789``): they are
    not INNs and are not checked here.
    """
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit():
        return None
    if len(value) not in (10, 12):
        return f"INN has {len(value)} digits (10 for a company, 12 for a person)"
    if not is_valid_inn(value):
        return "INN check digit is wrong (a typo?); kept, but not used to match clients"
    return None
