"""Company identifiers: Russian INN, KPP, OGRN / OGRNIP, and foreign VAT numbers, with their
check digits.

Russian ids: formulas from ``METHODS.md`` §1 (Federal Tax Service orders on INN and OGRN
structure), hand-written rather than python-stdnum because stdnum's ``ru.ogrn`` rejects valid
OGRNIPs whose remainder mod 13 is 10–12 (it compares the two-digit remainder), e.g.
``304463210700212``. Foreign VAT numbers (a two-letter country prefix, as on an invoice):
python-stdnum's ``vatin``, which applies each country's own format and check digits
(``stdnum.de.vat``, ``stdnum.fr.tva``, ``stdnum.gb.vat`` …).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from stdnum import vatin
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError

from .parse import EXPONENT

__all__ = ["INN_WEIGHTS_10", "INN_WEIGHTS_11", "INN_WEIGHTS_12", "foreign_vat_problem",
           "inn_check_digit", "is_exponent", "is_foreign_vat", "is_valid_foreign_vat",
           "is_valid_inn", "is_valid_kpp", "is_valid_ogrn", "tax_id_problem",
           "tax_id_problem_reason", "valid_inn_mask", "vat_with_check_digits"]

#: the shape of a foreign VAT number: a country prefix, then digits and letters
_FOREIGN = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,13}$")

#: the INN check-digit weights: a company's 10th digit; a person's 11th and 12th
INN_WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
INN_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W10, _W11, _W12 = INN_WEIGHTS_10, INN_WEIGHTS_11, INN_WEIGHTS_12


def inn_check_digit(digits: str, weights: tuple[int, ...]) -> int:
    """The INN check digit of ``digits`` under ``weights``: Σ wᵢdᵢ mod 11 mod 10.

    >>> inn_check_digit("770708389", INN_WEIGHTS_10)
    3
    """
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


_check = inn_check_digit


@lru_cache(maxsize=1 << 18)   # a catalogue's INNs are checked by several steps
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


def _digits(values: list[str], width: int) -> np.ndarray:
    """The digits of equally long ASCII-digit strings as a (n, width) integer matrix."""
    raw = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8)
    return (raw.reshape(len(values), width) - 48).astype(np.int64)


def valid_inn_mask(values: Sequence[object]) -> np.ndarray:
    """:func:`is_valid_inn` of every value at once (anything but a string is not valid).

    >>> valid_inn_mask(["7707083893", "7707083894", None, "500100732259"]).tolist()
    [True, False, False, True]
    """
    import polars as pl

    ok = np.zeros(len(values), bool)
    text = pl.Series([v if isinstance(v, str) else None for v in values], dtype=pl.String)
    for width in (10, 12):
        at = text.str.contains(f"^[0-9]{{{width}}}$").fill_null(False).arg_true()
        if len(at) == 0:
            continue
        d = _digits(text.gather(at).to_list(), width)
        if width == 10:
            good = d[:, :9] @ np.array(_W10) % 11 % 10 == d[:, 9]
        else:
            good = ((d[:, :10] @ np.array(_W11) % 11 % 10 == d[:, 10])
                    & (d[:, :11] @ np.array(_W12) % 11 % 10 == d[:, 11]))
        ok[at.to_numpy()] = good & d.any(axis=1)  # all zeros is no INN
    return ok


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


_EXPONENT = re.compile(EXPONENT)


def is_exponent(value: str | None) -> bool:
    """Whether an identifier is a number in E notation (``7,70708E+09``): Excel's display of
    a long number, its digits lost, the same text for many companies."""
    return value is not None and _EXPONENT.match(value) is not None


def tax_id_problem(value: str | None) -> str | None:
    """Why a tax id is not usable (``None`` if valid, empty, or not a tax id we can check).

    Digits only: a Russian INN (length and check digits). A country prefix and digits
    (``FR40303265045``, ``DE136695976``): a foreign VAT number, checked by its country's
    rules (:func:`foreign_vat_problem`). Anything else is not checked.
    """
    if value is None or value == "":
        return None
    if is_exponent(value):
        return ("INN in scientific notation (as Excel shows a long number in a narrow column): "
                "its digits are lost; format the column as text in Excel and export it again")
    if is_foreign_vat(value):
        problem = foreign_vat_problem(value)
        return f"{problem}; kept, but not used to match clients" if problem else None
    if not value.isascii() or not value.isdigit():
        return None
    if len(value) not in (10, 12):
        return f"INN has {len(value)} digits (10 for a company, 12 for a person)"
    if not is_valid_inn(value):
        return "INN check digit is wrong (a typo?); kept, but not used to match clients"
    return None


def is_foreign_vat(value: str | None) -> bool:
    """Whether ``value`` has the shape of a foreign VAT number: a two-letter country prefix
    and 2–13 digits or letters (``DE136695976``, ``NL004495445B01``, ``GB980780684``).
    Says nothing about validity: see :func:`is_valid_foreign_vat`."""
    return value is not None and _FOREIGN.fullmatch(value) is not None


def tax_id_problem_reason(value: str | None) -> dict[str, Any] | None:
    """The problem :func:`tax_id_problem` names for a Russian INN as a reason code with its
    figures (``reason.problem_inn_*`` of the string tables, phrased by
    :func:`kamlib.i18n.say`); ``None`` when it names none or the id is a foreign VAT number
    (its problem is kept as text)."""
    if value is None or value == "":
        return None
    if is_exponent(value):
        return {"code": "problem_inn_exponent", "args": {}}
    if is_foreign_vat(value) or not value.isascii() or not value.isdigit():
        return None
    if len(value) not in (10, 12):
        return {"code": "problem_inn_length", "args": {"digits": len(value)}}
    if not is_valid_inn(value):
        return {"code": "problem_inn_check_digit", "args": {}}
    return None


def foreign_vat_problem(value: str | None) -> str | None:
    """Why a foreign VAT number is not usable to identify a company (``None`` if it is valid).

    The country's own rules (python-stdnum ``vatin``): format, length and check digits.

    >>> foreign_vat_problem("DE136695976") is None, foreign_vat_problem("DE136695977")
    (True, 'VAT number check digit is wrong (a typo?)')
    """
    if value is None or value == "":
        return "no VAT number"
    if not is_foreign_vat(value):
        return "not a VAT number (a country prefix and digits expected)"
    try:
        vatin.validate(value)
    except InvalidChecksum:
        return "VAT number check digit is wrong (a typo?)"
    except InvalidComponent:
        return f"VAT numbers of '{value[:2]}' are not known to the check (country prefix?)"
    except ValidationError as exc:
        why = str(getattr(exc, "message", None) or exc).rstrip(".").lower()
        return f"VAT number is not valid for {value[:2]} ({why})"
    except ImportError:  # pragma: no cover - a prefix stdnum has no module for
        return f"VAT numbers of '{value[:2]}' are not known to the check (country prefix?)"
    return None


def is_valid_foreign_vat(value: str | None) -> bool:
    """A foreign VAT number that passes its country's format and check digits.

    >>> is_valid_foreign_vat("FR40303265045"), is_valid_foreign_vat("FR595951746")
    (True, False)
    """
    return is_foreign_vat(value) and foreign_vat_problem(value) is None


#: the weights of the Polish NIP and the Dutch BSN check digits
_W_NIP = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_W_BSN = (9, 8, 7, 6, 5, 4, 3, 2)


def vat_with_check_digits(value: str) -> str | None:
    """The VAT number ``value`` with its check digits recomputed from its other digits.

    For the shapes the workbench writes (the sample generator, the anonymiser, which change
    the body of an id and must keep it valid): ``DE`` + 9 digits, ``FR`` + key + SIREN,
    ``NL`` + 9 digits + ``B`` + 2, ``IT`` + 11, ``ES`` + a company letter + 7 digits + check,
    ``PL`` + 10, ``SE`` + 12, ``BE`` + 10. Returns ``None`` for another country or shape, or
    when no check digit can make the body valid (a Dutch or Polish body whose check would be
    10); the result always passes :func:`is_valid_foreign_vat`.

    >>> vat_with_check_digits("DE136695970")
    'DE136695976'
    """
    from stdnum import luhn
    from stdnum.es import cif
    from stdnum.iso7064 import mod_11_10

    cc, rest = value[:2], value[2:]
    out: str | None = None
    if cc == "DE" and len(rest) == 9 and rest.isdigit():
        out = f"DE{rest[:8]}{mod_11_10.calc_check_digit(rest[:8])}"
    elif cc == "FR" and len(rest) == 11 and rest[2:].isdigit():
        siren = rest[2:10] + luhn.calc_check_digit(rest[2:10])
        out = f"FR{int(siren + '12') % 97:02d}{siren}"
    elif cc == "NL" and len(rest) == 12 and rest[:9].isdigit() and rest[9] == "B":
        check = sum(int(c) * w for c, w in zip(rest[:8], _W_BSN, strict=True)) % 11
        out = f"NL{rest[:8]}{check}{rest[9:]}" if check < 10 else None
    elif cc == "IT" and len(rest) == 11 and rest.isdigit():
        out = f"IT{rest[:10]}{luhn.calc_check_digit(rest[:10])}"
    elif cc == "ES" and len(rest) == 9 and rest[0] in "ABCDEFGHJUV" and rest[1:8].isdigit():
        out = f"ES{rest[:8]}{cif.calc_check_digits(rest[:8])[0]}"
    elif cc == "PL" and len(rest) == 10 and rest.isdigit():
        check = sum(int(c) * w for c, w in zip(rest[:9], _W_NIP, strict=True)) % 11
        out = f"PL{rest[:9]}{check}" if check < 10 else None
    elif cc == "SE" and len(rest) == 12 and rest.isdigit():
        out = f"SE{rest[:9]}{luhn.calc_check_digit(rest[:9])}{rest[10:]}"
    elif cc == "BE" and len(rest) == 10 and rest.isdigit():
        out = f"BE{rest[:8]}{97 - int(rest[:8]) % 97:02d}"
    return out if out is not None and is_valid_foreign_vat(out) else None
