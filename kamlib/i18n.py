"""The one language layer of the workbench: string tables and one formatter per language.

Every sentence and label a person reads — report, deck, workbook, charts, widgets, CLI —
lives in ``templates/i18n/<lang>/*.yaml`` (one file per surface; a key may appear in one file
only). Counted nouns take their CLDR plural form (:meth:`Strings.n`: ``1 ключевой клиент``,
``3 ключевых клиента``, ``5 ключевых клиентов``; ``1 key client``, ``2 key clients``) from
Babel's plural rules. Numbers, money, percentages and dates are formatted by
:class:`Formatter`: ``1 234 567,89 ₽`` in Russian, ``RUB 1,234,567.89`` in English (the
conventions of GOST R 7.0.97 / the Russian typographic tradition for the first, of the
Chicago Manual of Style for the second). Figures typed by :mod:`kamlib.units` are formatted
by their unit (:meth:`Formatter.unit`), never by guessing.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import yaml

from .errors import ConfigError
from .resources import templates_dir

__all__ = ["LANGUAGES", "Formatter", "Strings", "i18n_dir", "load_strings", "plural_form", "say"]

LANGUAGES = ("ru", "en")

_NBSP = "\u00a0"
_THOUSANDS_RU = "\u00a0"  # no-break space as the thousands separator (ГОСТ Р 7.0.97: space)
_SYMBOL_RU = {"RUB": "₽", "EUR": "€", "USD": "$", "GBP": "£", "CNY": "¥", "KZT": "₸"}
_MONTHS_RU = ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
              "сентября", "октября", "ноября", "декабря")
_MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


@lru_cache(maxsize=8)
def _locale(lang: str) -> Any:
    from babel import Locale

    return Locale.parse(lang)


def plural_form(lang: str, n: Any) -> str:
    """The CLDR plural category of ``n`` in ``lang``: ``one``, ``few``, ``many`` or ``other``
    (Russian: 1, 21 → one; 2–4, 22 → few; 5–20, 25 → many; fractions → other)."""
    try:
        x = abs(float(n))
    except (TypeError, ValueError):
        return "other"
    if not math.isfinite(x):
        return "other"
    value: Any = int(x) if x == int(x) else x
    return str(_locale(lang).plural_form(value))


def _count_of(value: Any) -> float | None:
    """The number a placeholder holds, whether given raw (``3``) or already formatted for
    people (``"1 234"``, ``"2,5"``, ``"1,234"``)."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return float(value)
    text = str(value).replace(_NBSP, "").replace(" ", "").replace("\u202f", "")
    text = text.replace("−", "-")
    if "," in text and "." not in text and len(text.rsplit(",", 1)[1]) != 3:
        text = text.replace(",", ".")      # a Russian decimal comma
    text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


class _PluralFormatter(string.Formatter):
    """``str.format`` plus plural forms: ``{n:@клиент|клиента|клиентов}`` writes the noun in
    the CLDR form that ``n`` takes in the language — forms listed as ``one|few|many|other``
    for Russian, ``one|other`` for English (a missing form falls back to the last one).

    >>> _PluralFormatter("ru").format("{n} {n:@клиент|клиента|клиентов}", n=21)
    '21 клиент'
    """

    _ORDER: ClassVar[dict[str, tuple[str, ...]]] = {"ru": ("one", "few", "many", "other"),
                                                    "en": ("one", "other")}

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> Any:
        if not format_spec.startswith("@"):
            return super().format_field(value, format_spec)
        forms = format_spec[1:].split("|")
        count = _count_of(value)
        category = plural_form(self.lang, count) if count is not None else "other"
        order = self._ORDER.get(self.lang, ("one", "other"))
        i = order.index(category) if category in order else len(order) - 1
        return forms[min(i, len(forms) - 1)]


def i18n_dir(lang: str) -> Path:
    """``templates/i18n/<lang>/``."""
    return templates_dir() / "i18n" / lang


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = "" if v is None else str(v)
    return out


#: libyaml's safe loader when PyYAML was built with it (the same documents, 9× faster on
#: the string tables; every report and notebook loads them)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=8)
def _load(lang: str, folder: str) -> tuple[tuple[str, str], ...]:
    root = Path(folder)
    if not root.is_dir():
        raise ConfigError(f"no strings for language '{lang}'", file=str(root),
                          hint=f"use one of {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    origin: dict[str, str] = {}
    for path in sorted(root.glob("*.yaml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER) or {}
        if not isinstance(data, dict):
            raise ConfigError("a strings file must be a mapping of keys to texts",
                              file=str(path))
        for key, text in _flatten(data).items():
            if key in merged:
                raise ConfigError(f"string key '{key}' is defined twice", file=str(path),
                                  value=key, hint=f"it is also in {origin[key]}; keep one")
            merged[key] = text
            origin[key] = path.name
    return tuple(merged.items())


# an abbreviation's point doubled by the sentence's own (see Strings.t)
_DOUBLE_POINT = re.compile(r"(\b(?:г|гг|в|вв|руб|тыс|млн|млрд|коп|etc|Inc|Ltd))\.\.(?!\.)")


@dataclass(frozen=True)
class Strings:
    """The report's texts in one language: ``s.t("exec.title")``, ``s.t("k", n=3)``.

    A missing key raises :class:`~kamlib.errors.ConfigError` (a report never shows a raw key);
    placeholders are ``str.format`` fields.
    """

    lang: str
    table: dict[str, str] = field(repr=False)

    def t(self, key: str, /, **kw: Any) -> str:
        """The text of ``key``, with ``kw`` substituted."""
        try:
            text = self.table[key]
        except KeyError:
            raise ConfigError(f"string '{key}' is missing in language '{self.lang}'",
                              file=str(i18n_dir(self.lang)), value=key,
                              hint="add it to the language's yaml file") from None
        if not kw:
            return text
        try:
            out = _PluralFormatter(self.lang).format(text, **kw)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"string '{key}' ({self.lang}) needs a value it was not given: "
                              f"{exc}", file=str(i18n_dir(self.lang)), value=text) from None
        # a value ending in an abbreviation's point ("9 марта 2026 г.") before the sentence's
        # own point: one point, as typography has it ("… 2026 г. Первую …", not "г..")
        return _DOUBLE_POINT.sub(r"\1.", out)

    def n(self, key: str, count: Any, /, **kw: Any) -> str:
        """The text of ``key`` in the plural form ``count`` takes (``key.one``, ``key.few``,
        ``key.many``, ``key.other``; a language without a form falls back to ``other``).
        ``count`` is passed as ``{n}`` unless ``kw`` gives ``n`` already formatted."""
        form = plural_form(self.lang, count)
        name = f"{key}.{form}" if f"{key}.{form}" in self.table else f"{key}.other"
        kw.setdefault("n", count)
        return self.t(name, **kw)

    def get(self, key: str, default: str | None = None) -> str | None:
        """The text of ``key`` or ``default`` (for optional labels such as column names)."""
        return self.table.get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in self.table

    def keys(self) -> set[str]:
        """All keys."""
        return set(self.table)

    def fields(self, key: str) -> set[str]:
        """The placeholders of ``key``'s text (the parity test compares them across languages)."""
        return {f for _, f, _, _ in string.Formatter().parse(self.table[key]) if f}


def load_strings(lang: str, *, folder: str | Path | None = None) -> Strings:
    """All strings of ``lang`` from ``templates/i18n/<lang>/*.yaml``.

    Raises
    ------
    ConfigError
        Unknown language, a key defined in two files, a file that is not a mapping.
    """
    if lang not in LANGUAGES and folder is None:
        raise ConfigError(f"report language '{lang}' is not supported",
                          value=lang, hint=f"use one of {', '.join(LANGUAGES)}")
    root = Path(folder) if folder is not None else i18n_dir(lang)
    return Strings(lang, dict(_load(lang, str(root))))


@dataclass(frozen=True)
class Formatter:
    """Numbers, money, percentages and dates for people, in one language.

    >>> Formatter("ru", "RUB").money(1234567.891)
    '1\u00a0234\u00a0567,89\u00a0₽'
    >>> Formatter("en", "RUB").money(1234567.891)
    'RUB\u00a01,234,567.89'
    """

    lang: str
    currency: str = "RUB"

    # ---------------------------------------------------------------- numbers
    def number(self, x: Any, decimals: int = 0) -> str:
        """``1 234 567`` (ru, no-break spaces) / ``1,234,567`` (en); ``—`` for missing."""
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "—"
        try:
            if x != x:  # NaN, pd.NA-safe enough for floats
                return "—"
        except TypeError:
            return "—"
        v = x if isinstance(x, Decimal) else float(x)  # a Decimal stays exact
        s = f"{v:,.{decimals}f}"
        if s.startswith("-") and float(s.replace(",", "")) == 0:
            s = s[1:]
        if self.lang == "ru":
            s = s.replace(",", "\x00").replace(".", ",").replace("\x00", _THOUSANDS_RU)
            s = s.replace("-", "−")
        return s

    def integer(self, x: Any) -> str:
        """A count: ``2 423`` / ``2,423``."""
        return self.number(x, 0)

    def money(self, x: Any, decimals: int = 2) -> str:
        """``1 234 567,89 ₽`` / ``RUB 1,234,567.89``."""
        n = self.number(x, decimals)
        if n == "—":
            return n
        if self.lang == "ru":
            return f"{n}{_NBSP}{_SYMBOL_RU.get(self.currency, self.currency)}"
        return f"{self.currency}{_NBSP}{n}"

    def money_short(self, x: Any) -> str:
        """Rounded for headlines: ``3,85 млрд ₽`` / ``RUB 3.85bn``."""
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "—"
        v = float(x)
        units_ru = ((1e9, "млрд"), (1e6, "млн"), (1e3, "тыс."))
        units_en = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))
        for scale, unit in (units_ru if self.lang == "ru" else units_en):
            if abs(v) >= scale:
                n = self.number(v / scale, 2 if abs(v) < 10 * scale else 1)
                if self.lang == "ru":
                    return f"{n}{_NBSP}{unit}{_NBSP}{_SYMBOL_RU.get(self.currency, self.currency)}"
                return f"{self.currency}{_NBSP}{n}{unit}"
        return self.money(v, 0)

    def compact(self, x: Any) -> str:
        """A compact number for a comparison: ``11,9 млн``, ``229 тыс.``, ``0,27`` /
        ``11.9 M``, ``229 k``, ``0.27`` (three significant digits below 100)."""
        if x is None or not math.isfinite(float(x)):
            return "—"
        v, a = float(x), abs(float(x))
        words = ("млрд", "млн", "тыс.") if self.lang == "ru" else ("bn", "M", "k")
        if a >= 1e9:
            text, unit = f"{v / 1e9:.1f}", words[0]
        elif a >= 1e6:
            text, unit = f"{v / 1e6:.1f}", words[1]
        elif a >= 1e4:
            text, unit = f"{v / 1e3:.0f}", words[2]
        else:
            text, unit = f"{v:.0f}" if a >= 100 else f"{v:.3g}", ""
        if self.lang == "ru":
            text = text.replace(".", ",").replace("-", "−")
        return f"{text}{_NBSP if self.lang == 'ru' else ' '}{unit}" if unit else text

    def pct(self, fraction: Any, decimals: int = 1) -> str:
        """A fraction as a percentage: ``0.3997`` → ``40,0 %`` / ``40.0%``."""
        n = self.number(None if fraction is None else float(fraction) * 100, decimals)
        if n == "—":
            return n
        return f"{n}{_NBSP}%" if self.lang == "ru" else f"{n}%"

    # ---------------------------------------------------------------- dates
    def date(self, d: Any) -> str:
        """``31 декабря 2025 г.`` / ``31 December 2025``; ISO strings accepted."""
        if d is None or d == "":
            return "—"
        if isinstance(d, str):
            d = datetime.fromisoformat(d)
        if isinstance(d, datetime):
            d = d.date()
        if not isinstance(d, date):
            d = getattr(d, "date", lambda: d)()
        if self.lang == "ru":
            return f"{d.day}{_NBSP}{_MONTHS_RU[d.month - 1]} {d.year}{_NBSP}г."
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"

    def datetime(self, text: str | None, *, zone: bool = True) -> str:
        """An ISO date or date-time for people: ``15 января 2026 г., 10:05 UTC`` /
        ``15 January 2026, 10:05 UTC`` (``zone=False``: without the zone); a date alone as
        :meth:`date`; ``—`` if none; text that is not ISO as it is."""
        if not text:
            return "—"
        try:
            ts = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
        except ValueError:
            return str(text)
        day = self.date(ts)
        if len(str(text)) <= 10:                       # a date without a time
            return day
        offset = ts.utcoffset()
        tz = "" if offset is None or not zone else " UTC" if not offset else f" {ts:%z}"
        return f"{day}, {ts:%H:%M}{tz}"

    def period(self, start: Any, end: Any) -> str:
        """``2 января 2023 г. — 31 декабря 2025 г.``."""
        return f"{self.date(start)} — {self.date(end)}"

    def amount(self, m: Any, *, short: bool = False) -> str:
        """A typed amount (:class:`kamlib.units.Money` or its JSON form) in its own currency;
        an amount in another currency than the formatter's keeps its own code."""
        from .units import Money

        if m is None:
            return "—"
        if isinstance(m, dict):
            m = Money.model_validate(m)
        if not isinstance(m, Money):
            raise TypeError(f"not a typed amount: {m!r}")
        f = self if m.currency == self.currency else Formatter(self.lang, m.currency)
        return f.money_short(float(m.amount)) if short else f.money(m.amount)

    def value(self, x: Any, kind: str) -> str:
        """Format ``x`` by kind: money, money_short, pct, int, number, date, text."""
        if kind in ("money", "money_short") and isinstance(x, dict):
            return self.amount(x, short=kind == "money_short")
        if kind == "money":
            return self.money(x)
        if kind == "money_short":
            return self.money_short(x)
        if kind == "pct":
            return self.pct(x)
        if kind == "int":
            return self.integer(x)
        if kind == "number":
            return self.number(x, 1)
        if kind == "date":
            return self.date(x)
        return "—" if x is None else str(x)


def _say_arg(key: str, value: Any, strings: Strings, fmt: Formatter) -> str:
    """One argument of a reason, written for people by what it is."""
    if isinstance(value, dict) and {"amount", "currency"} <= set(value):
        return fmt.amount(value, short=True)
    if key.endswith("criteria") and isinstance(value, list) and all(
            isinstance(c, str) for c in value):    # criterion names, e.g. those not scored
        return ", ".join(strings.get("criterion." + c, c) or c for c in value)
    if key == "criteria" and isinstance(value, list):
        parts = []
        for c in value:
            name = str(c.get("criterion"))
            parts.append(f"{strings.get('criterion.' + name, name)} "
                         f"{fmt.number(c.get('score'), 1)}")
        return ", ".join(parts)
    if key in ("status", "role", "feature", "cost_driver") and isinstance(value, str):
        return strings.get(f"{key}.{value}", value) or value
    if key.endswith("_minor") and isinstance(value, int) and not isinstance(value, bool):
        # an exact amount in kopecks (the intake's notes): as the intake writes it in
        # English (-1234.50, no currency), as money elsewhere (−1 234,50 ₽)
        if fmt.lang == "en":
            from .parse import minor_to_str

            return minor_to_str(value)
        return fmt.money(value / 100)
    if key.endswith(("_median", "client_value")) and isinstance(value, int | float):
        return fmt.compact(value)      # a median compared with another: 11,9 млн / 11.9 M
    if key.endswith(("_share", "_ratio")) and isinstance(value, int | float):
        return fmt.pct(value)
    if isinstance(value, bool) or value is None:
        return "—" if value is None else str(value)
    if isinstance(value, int):
        return fmt.integer(value)
    if isinstance(value, float):
        return fmt.number(value, 1)
    return str(value)


def say(reason: Any, strings: Strings, fmt: Formatter) -> str:
    """A decision the step stored as a code with its arguments (:class:`kamlib.units.Reason`
    or its JSON form), phrased in ``strings``' language: ``reason.<code>`` of the string
    tables, its arguments formatted by what they are (amounts in their currency, ratios as
    percentages, counts, scores with one decimal)."""
    if reason is None:
        return ""
    if hasattr(reason, "model_dump"):
        reason = reason.model_dump(mode="json")
    code, args = reason["code"], reason.get("args") or {}
    kw = {k: _say_arg(k, v, strings, fmt) for k, v in args.items()}
    return strings.t(f"reason.{code}", **kw)
