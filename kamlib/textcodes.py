"""Which code page a text export is in, and its bytes as UTF-8.

1C and Excel write CSV in UTF-8 (with or without a BOM), UTF-16 or a Windows code page
(cp1251, sometimes cp1252). :func:`decode_text` decides by the bytes, or checks a declared
encoding against them, with a message that names the file, the line and the byte when
nothing fits; :func:`single_byte_encoding` says when a cp1251 file can be transcoded part by
part as it is read instead (:mod:`kamlib.textbody`); :func:`encoding_doubt` warns when the
decoded words still mix scripts.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import InputError


def _controls(head: bytes) -> int:
    """Control bytes that no text table holds (NUL included; tab and line ends are text)."""
    return sum(1 for b in head if b < 9 or 13 < b < 32)


def _looks_binary(raw: bytes) -> bool:
    head = raw[:8192]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    return _controls(head) > len(head) * 0.05


def stray_nul_line(raw: bytes) -> int | None:
    """The line of a stray NUL byte in text that is otherwise clean (a damaged copy: one to
    three NULs, no other control byte in the head), else ``None`` (binary, or no NUL)."""
    head = raw[:8192]
    stray = head.count(b"\x00")
    if not 0 < stray <= 3 or _controls(head) != stray:
        return None
    return raw.count(b"\n", 0, raw.find(b"\x00")) + 1


def _first_bad_utf8(raw: bytes) -> tuple[int, int]:
    """Return (line number, byte) of the first invalid UTF-8 sequence."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return raw.count(b"\n", 0, exc.start) + 1, raw[exc.start]
    return 0, 0


def _cyrillic_share(text: str) -> float:
    letters = [c for c in text[:20000] if c.isalpha()]
    if not letters:
        return 0.0
    return sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters)


#: the fifteen most frequent Russian letters: about three letters in four of any Russian
#: text, far fewer when its bytes are read in the wrong Cyrillic code page
_COMMON_RU = frozenset("оеаинтсрвлкмдпуОЕАИНТСРВЛКМДПУ")
#: the Cyrillic code pages besides cp1251 that exports still come in (DOS, Unix, old Mac)
_OTHER_CYRILLIC = ("cp866", "koi8-r", "mac-cyrillic")


def _russian_score(text: str, raw: bytes) -> float:
    """How Russian the text reads: the share of its non-ASCII characters that are Cyrillic
    letters, times the share of those that are among the most frequent letters."""
    high = [c for c, b in zip(text[:20000], raw[:20000], strict=False) if b >= 0x80]
    cyr = [c for c in high if "\u0400" <= c <= "\u04ff"]
    if len(cyr) < 20:
        return 0.0
    return len(cyr) / len(high) * sum(c in _COMMON_RU for c in cyr) / len(cyr)


def cyrillic_page(head: bytes) -> str:
    """The Cyrillic code page the bytes read best in: cp1251 unless cp866, KOI8-R or Mac
    Cyrillic gives clearly more Russian-looking text (a DOS export read as cp1251 gave the
    headers 'Љ®¤, Ќ Ё¬Ґ­®ў ­ЁҐ')."""
    head = head[:20000]
    base = _russian_score(head.decode("cp1251", errors="replace"), head)
    best, score = "cp1251", base
    for enc in _OTHER_CYRILLIC:
        s = _russian_score(head.decode(enc, errors="replace"), head)
        if s > score:
            best, score = enc, s
    return best if best == "cp1251" or score > base + 0.1 else "cp1251"


def _mojibake(text: str, min_cyrillic: int = 20) -> bool:
    """UTF-8 Cyrillic read as cp1251 looks like 'РџСЂРѕРґР°Р¶Рё': pairs starting with Р/С."""
    sample = text[:20000]
    pairs = len(re.findall(r"[РС][\u0400-\u04ff\u0080-\u00bf‚„…†‡€‰‹ЊЌЋЏђ‘’“”•–—™љ›њќћџ]", sample))
    cyr = sum("\u0400" <= c <= "\u04ff" for c in sample)
    return cyr > min_cyrillic and pairs > 0.3 * cyr / 2


_WORD = re.compile(r"[^\W\d_]+")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


# a word (a run of letters) with a Latin letter in it, from its first letter: the letters of
# U+00C0–U+024F are all but × and ÷
_LATIN_WORD = re.compile(
    r"(?<![^\W\d_])[^\W\d_]*?[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f][^\W\d_]*")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def mixed_script_words(text: str) -> int:
    """Words mixing Latin and Cyrillic letters (``Sociйtй``): the mark of a wrong code page.

    Among the first 200,000 characters; the words with a Latin letter are found by one
    regular expression and only those are searched for a Cyrillic one (a Python loop over
    every word cost 20 ms a file)."""
    return sum(1 for w in _LATIN_WORD.findall(text[:200_000]) if _CYRILLIC.search(w))


def _western(raw: bytes) -> str | None:
    """The text as cp1252 when that is the better reading of a non-UTF-8 file, else None.

    Decided by the letters each reading gives: Western text read as cp1251 mixes Cyrillic
    letters into Latin words (``Société`` → ``Sociйtй``), whereas Russian text read as
    cp1252 is made almost entirely of accented letters (``ÎÎÎ Ðîìàøêà``).
    """
    # both code pages are one byte a character: the first 200,000 bytes are the first
    # 200,000 characters, all the letter checks look at; the whole file is decoded only
    # when it is the answer, and searched for the bytes cp1252 cannot decode only when the
    # head's letters leave cp1252 possible (Russian text read as cp1252 rules it out first)
    head = raw[:200_000]
    if any(b in head for b in _CP1252_UNDEFINED):  # bytes cp1252 cannot decode
        return None
    as_1252 = head.decode("cp1252")
    letters = [c for c in as_1252 if c.isalpha()]
    high = sum(1 for c in letters if not c.isascii())
    if not letters or high > 0.5 * len(letters):
        return None
    if any(b in raw for b in _CP1252_UNDEFINED):
        return None
    if mixed_script_words(head.decode("cp1251", errors="replace")) > mixed_script_words(
            as_1252):
        return raw.decode("cp1252")
    return None


def doubtful_words(text: str) -> int:
    """The words that mix Latin and Cyrillic letters when there are enough of them to doubt
    the code page (a fifth of the non-ASCII words), else 0: a few look-alike letters in
    names are normal in 1C data."""
    n = mixed_script_words(text)
    if not n or n < 0.2 * sum(1 for w in _WORD.findall(text[:200_000]) if not w.isascii()):
        return 0
    return n


def encoding_doubt(text: str, encoding: str) -> str | None:
    """A note when the decoded text still mixes scripts inside words (the code page may be
    wrong), else None: the English of the reason ``note_encoding_doubt``."""
    from .i18n import Formatter, load_strings, say

    n = doubtful_words(text)
    if not n:
        return None
    return say({"code": "note_encoding_doubt", "args": {"encoding": encoding, "n": n}},
               load_strings("en"), Formatter("en"))


def _not_utf8(raw: bytes) -> bool:
    """True when the first 64 KiB already hold a byte sequence UTF-8 cannot decode (not a
    character cut at the end of that head): then the whole file is not UTF-8 either, and
    is not decoded as such in vain (a failed decode of a 2,000,000-line cp1251 register
    cost 0.3 s and a copy of its bytes, which the error object keeps)."""
    head = raw[:1 << 16]
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.end < len(head) and exc.reason != "unexpected end of data"
    return False


def decode_text(raw: bytes, path: Path, declared: str | None = None) -> tuple[str, str]:
    """Decode a text export; detect utf-8 / utf-8-sig / utf-16 / cp1251 unless declared.

    Raises
    ------
    InputError
        When the declared encoding does not fit the bytes, or nothing plausible fits.
    """
    name = path.name
    if declared:
        enc = declared.lower().replace("_", "-")
        try:
            text = raw.decode(enc)
        except LookupError:
            raise InputError(f"unknown encoding '{declared}' declared in engagement.yaml",
                             file=name, hint="use utf-8, utf-8-sig, cp1251 or remove the "
                             "'encoding' line to let the workbench detect it") from None
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            guess = "cp1251" if _first_bad_utf8(raw)[0] else "utf-8"
            raise InputError(
                f"the file is not valid {declared}: byte 0x{raw[exc.start]:02X} cannot be "
                f"decoded; it looks like {guess}",
                file=name, row=line,
                hint=f"set 'encoding: {guess}' for this file in engagement.yaml, or remove "
                "the 'encoding' line to let the workbench detect it",
            ) from None
        if enc in {"cp1251", "windows-1251"} and _mojibake(text):
            line_no, garbled = next(((i, ln) for i, ln in enumerate(text.splitlines(), 1)
                                     if _mojibake(ln, min_cyrillic=3)), (1, text[:40]))
            raise InputError(
                f"the file is declared {declared} but is UTF-8: read as {declared} its "
                f"Cyrillic text turns into '{garbled[:40].strip()}…'",
                file=name, row=line_no,
                hint="set 'encoding: utf-8' for this file in engagement.yaml, or remove the "
                "'encoding' line to let the workbench detect it")
        return text.lstrip("\ufeff"), enc
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            at = exc.start + 3
            raise InputError(
                f"the file is marked as UTF-8 (it starts with a UTF-8 byte order mark), but "
                f"byte 0x{raw[at]:02X} cannot be decoded as UTF-8: part of the file is in "
                "another encoding, as when exports in different encodings are pasted "
                "together",
                file=name, row=raw.count(b"\n", 0, at) + 1, value=f"0x{raw[at]:02X}",
                hint="open the file in a text editor at that line, fix or re-export that part, "
                "and save the whole file as UTF-8; or declare 'encoding' for it in "
                "engagement.yaml") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    if not _not_utf8(raw):
        try:
            return raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    western = _western(raw)
    if western is not None:
        return western, "cp1252"
    page = cyrillic_page(raw[:20000])
    if page != "cp1251":
        return raw.decode(page), page
    try:
        text = raw.decode("cp1251")
        if _cyrillic_share(text) > 0.05 or not re.search(r"[\x80-\xff]", raw[:20000].decode(
                "latin-1")):
            return text, "cp1251"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    if best is None:
        line, byte = _first_bad_utf8(raw)
        raise InputError("cannot tell the file's encoding (not UTF-8, not cp1251)",
                         file=name, row=line or None, value=f"0x{byte:02X}",
                         hint="re-save the file as UTF-8 or Windows-1251 CSV, or declare "
                         "'encoding' for it in engagement.yaml")
    return raw.decode(best.encoding, errors="strict"), best.encoding


_UTF8_NAMES = {"utf-8", "utf8", "utf-8-sig", "utf8-sig"}


def utf8_encoding(raw: bytes, declared: str | None = None) -> str | None:
    """The name :func:`decode_text` gives the file when it is UTF-8 (``utf-8``,
    ``utf-8-sig``, or as declared), when that can be decided from the head and the rest
    only has to be checked to be UTF-8; else ``None``.

    The whole-file question, whether every byte decodes, is left to the reader, which
    checks each part as it reads it (:func:`kamlib.textbody._read_part`) and hands the file
    to :func:`decode_text` when one does not: its answer and its messages stay the same.
    """
    bom = raw.startswith(b"\xef\xbb\xbf")
    if declared:
        enc = declared.lower().replace("_", "-")
        head = raw[3:3 + (1 << 16)] if bom else raw
        return enc if enc in _UTF8_NAMES and not _not_utf8(head) else None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    if bom:
        return None if _not_utf8(raw[3:1 << 16]) else "utf-8-sig"
    return None if _not_utf8(raw) else "utf-8"


_CP1251_UNDEFINED = b"\x98"  # the one byte cp1251 cannot decode
_CP1251_NAMES = {"cp1251", "windows-1251"}


def single_byte_encoding(raw: bytes, declared: str | None = None) -> str | None:
    """The code page when :func:`decode_text` would decode the whole file as cp1251 without
    an error, decided from the head and one search of the bytes; else ``None``.

    A cp1251 file can then be transcoded to UTF-8 part by part as it is read (a character
    is one byte, so any cut is a character boundary) instead of being decoded whole into a
    Python string: for a 2,000,000-line register that is 0.5 s instead of 1 s, and the
    string (twice the file's size) is never held. Every check :func:`decode_text` makes
    looks at the first 20,000 characters, which are the first 20,000 bytes here; the only
    whole-file question, whether the decode can fail, is the search for the byte 0x98.
    Anything else (a BOM, UTF-8, a Western code page, an undecodable byte, a declared
    cp1251 file that is UTF-8) goes through :func:`decode_text`, whose messages stay the
    same.
    """
    if declared:
        enc = declared.lower().replace("_", "-")
        if enc not in _CP1251_NAMES or _CP1251_UNDEFINED in raw:
            return None
        return None if _mojibake(raw[:20000].decode(enc)) else enc
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")) or not _not_utf8(raw):
        return None
    if _western(raw) is not None or _CP1251_UNDEFINED in raw:
        return None  # (_western decodes the whole file only when cp1252 is the answer)
    head = raw[:20000]
    if cyrillic_page(head) != "cp1251":
        return None   # another Cyrillic code page: decode_text decides and says which
    if _cyrillic_share(head.decode("cp1251")) > 0.05 or not re.search(
            r"[\x80-\xff]", head.decode("latin-1")):
        return "cp1251"
    return None


_TRANSCODE_PIECE = 1 << 20  # transcoded a megabyte at a time: 2x faster than whole


def _utf8(view: memoryview, encoding: str | None) -> bytes:
    """The bytes as UTF-8: a copy when they are already UTF-8 (``encoding`` None), else
    decoded and encoded a piece at a time (the pieces stay in the CPU's cache; a decode of
    hundreds of megabytes at once is about twice as slow, and holds a string of twice the
    bytes' size)."""
    if encoding is None:
        return bytes(view)
    return b"".join([str(view[i:i + _TRANSCODE_PIECE], encoding).encode("utf-8")
                     for i in range(0, len(view), _TRANSCODE_PIECE)])
