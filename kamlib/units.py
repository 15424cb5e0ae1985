"""Units of the step contract: every figure a step decides carries its unit.

A step's ``summary.json`` is the contract between the step and every surface that reads it
(report, deck, workbook, CLI, widgets, explorer). Its figures are typed here, once:

- :class:`Money` — an exact amount (``Decimal``, to the minor unit) **with its currency**;
  serialised as ``{"amount": "1234.56", "currency": "RUB"}``;
- ``Ratio`` — a fraction where 1.0 is 100 % (never a percent number); ``Share`` is a ratio
  bounded to 0–1 (a part of a whole);
- ``Count`` — a whole number of things; ``Days`` — a duration in days;
- :class:`Reason` — a decision or flag as a code with its arguments
  (``{"code": "cap_reached", "args": {"rank": 41, "cap": 35}}``), phrased by each surface in
  its own language; the step never writes the sentence.

Surfaces format these with :class:`kamlib.i18n.Formatter` and never guess a unit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "Count",
    "Days",
    "Money",
    "Ratio",
    "Reason",
    "Share",
    "money",
    "reason",
    "stored_reasons",
    "to_decimal",
]

_CENT = Decimal("0.01")

#: a fraction: 1.0 = 100 % (may exceed 1 or be negative: a whale-curve peak of 250 %, a
#: growth of −6 %)
Ratio = Annotated[float, Field(allow_inf_nan=False)]
#: a part of a whole, 0–1
Share = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
#: a whole number of things
Count = Annotated[int, Field(ge=0)]
#: a duration in days
Days = Annotated[float, Field(allow_inf_nan=False)]


def to_decimal(x: Any) -> Decimal:
    """An exact decimal of ``x`` rounded to the minor unit (half-even, as accountants round
    a computed amount; the intake's amounts are already exact kopecks).

    Floats are taken through their shortest repr (``0.1`` → ``0.10``), never through their
    binary expansion.

    Raises
    ------
    ValueError
        ``x`` is not a finite number.
    """
    if isinstance(x, Decimal):
        d = x
    elif isinstance(x, bool):
        raise ValueError(f"not an amount: {x!r}")
    elif isinstance(x, int):
        d = Decimal(x)
    elif isinstance(x, float):
        if not math.isfinite(x):
            raise ValueError(f"not a finite amount: {x!r}")
        d = Decimal(repr(float(x)))  # numpy floats too (their repr names the type)
    else:
        try:
            d = Decimal(str(x).strip())
        except InvalidOperation:
            raise ValueError(f"not an amount: {x!r}") from None
    if not d.is_finite():
        raise ValueError(f"not a finite amount: {x!r}")
    return d.quantize(_CENT, rounding=ROUND_HALF_EVEN)


class Money(BaseModel):
    """An exact amount with its currency (ISO 4217 code)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)

    @field_validator("amount", mode="before")
    @classmethod
    def _exact(cls, v: Any) -> Decimal:
        return to_decimal(v)

    @field_validator("currency")
    @classmethod
    def _iso(cls, v: str) -> str:
        if not v.isalpha() or not v.isupper():
            raise ValueError(f"currency must be an ISO 4217 code such as RUB, got {v!r}")
        return v

    def __float__(self) -> float:
        return float(self.amount)

    def __neg__(self) -> Money:
        return Money(amount=-self.amount, currency=self.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        if other.currency != self.currency:
            raise ValueError(f"cannot add {other.currency} to {self.currency}")
        return Money(amount=self.amount + other.amount, currency=self.currency)


def money(x: Any, currency: str) -> dict[str, str]:
    """The JSON form of an amount for a ``summary.json``: ``{"amount": "…", "currency": …}``."""
    m = Money(amount=x, currency=currency)
    return {"amount": str(m.amount), "currency": m.currency}


class Reason(BaseModel):
    """A decision or flag, as a code with the figures that decided it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    args: dict[str, Any] = Field(default_factory=dict)


def reason(code: str, **args: Any) -> dict[str, Any]:
    """The JSON form of a :class:`Reason`."""
    return Reason(code=code, args=args).model_dump(mode="json")


def stored_reasons(codes: Iterable[Any], args: Iterable[Any]) -> list[dict[str, Any]]:
    """Reasons as a step's table stores them — a ``reason_code`` column and a
    ``reason_args`` column of JSON text — back in their JSON form ``{"code", "args"}``
    (what :func:`kamlib.i18n.say` phrases)."""
    out = []
    for code, a in zip(codes, args, strict=True):
        if isinstance(a, str):
            a = json.loads(a) if a.strip() else {}
        out.append({"code": code, "args": dict(a or {})})
    return out
