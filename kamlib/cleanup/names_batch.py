"""Name normalisation of a whole column at once (``METHODS.md`` §1, *Name normalisation*).

:func:`kamlib.cleanup.names.normalize_names` hands its distinct names here. Steps 1–3 of the
pipeline (``№``, NFKC, casefold, ``ё``, punctuation, ``№ 7``) and the word keys of step 5
(:func:`~kamlib.cleanup.names.latin_key`) run as polars string expressions over all the
distinct names and all the distinct words at once; steps 4–6 (legal form, person, weak
words) are :func:`kamlib.cleanup.names._parts`, the same code as for one name.

The vectorised steps give the same words and keys as the scalar ones
(:func:`~kamlib.cleanup.names._tokens`, :func:`~kamlib.cleanup.names._word_key`) on the
names they take, which ``tests/cleanup/test_names.py`` checks character by character:

- a name is taken if all its characters are printable ASCII, NBSP, Cyrillic letters
  (U+0400–U+0481, U+048A–U+04FF), ``«»„“”`` or ``№``, and it holds no ``.`` (dotted legal
  forms and initials), no apostrophe (``'`` ``’`` ``‘`` `````), and no word mixing Latin and
  Cyrillic letters (look-alike repair): the others go through the scalar path, one by one;
- a word is taken if its transliteration is ASCII (no NFKD folding of accents needed).

Python's look-behind and look-ahead (not in polars' regex engine) are written as a captured
character put back (``(?<=[bd…])ie`` → ``([bd…])ie`` → ``${1}e``), which gives the same
text because no match can start inside the character a previous one put back.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from . import names as _n

__all__ = ["parts_of_names", "word_keys"]

#: the characters of a name that the vectorised steps 1–3 take (see the module docstring)
FAST_CHARS = " -~\u00a0\u0400-\u0481\u048a-\u04ff«»„“”№"
_SLOW_NAME = rf"[^{FAST_CHARS}]|[.'’‘`]"
_MIXED = rf"[a-z][{_n._CYR}]|[{_n._CYR}][a-z]"

_CYR_MAP = {chr(k): v for k, v in _n._CYR_TRANSLIT.items()}
_DIGRAPHS = sorted(_n._DIGRAPHS, key=len, reverse=True)  # leftmost, then longest, as the regex
_PLACEHOLDERS = {chr(k): v for k, v in _n._PLACEHOLDER_OUT.items()}
_DOUBLED = sorted(set("abcdefghijklmnopqrstuvwxyz" + "".join(_n._DIGRAPHS.values())
                      + "".join(_PLACEHOLDERS)) - set("0123456789"))


_ANY_DOUBLE = "|".join(c + c for c in _DOUBLED)


def _collapse_doubles(s: pl.Series) -> pl.Series:
    """A run of one letter → the letter (``([a-zA-Z])\\1+`` → ``\\1``; polars' regex has no
    back-references: a pass per letter, over the words that have a double letter only)."""
    at = s.str.contains(_ANY_DOUBLE).arg_true()
    if len(at) == 0:
        return s
    sub = s.gather(at)
    for c in _DOUBLED:
        sub = sub.str.replace_all(f"{c}{c}+", c)
    return s.scatter(at, sub)


def word_keys(words: pl.Series) -> pl.Series:
    """The key of each word (:func:`kamlib.cleanup.names._word_key`), vectorised.

    Parameters
    ----------
    words : pl.Series
        Casefolded words (no spaces or punctuation), as :func:`~kamlib.cleanup.names._tokens`
        gives them.

    Returns
    -------
    pl.Series
        The keys, in the same order; words whose transliteration is not ASCII are keyed by
        the scalar function.
    """
    cons = _n._CONSONANTS
    frame = pl.DataFrame({"w": words.cast(pl.String)}).with_columns(
        s=pl.col("w").str.replace_many(_CYR_MAP, leftmost=True))
    frame = frame.with_columns(
        ascii=~pl.col("s").str.contains(r"[^\x00-\x7f]"),
        s=pl.col("s").str.replace_all("[^a-z0-9]+", ""))
    s = frame["s"].str.replace_many(_DIGRAPHS, [_n._DIGRAPHS[d] for d in _DIGRAPHS],
                                    leftmost=True)
    s = (_collapse_doubles(s).str.replace_all("[yj][eo]", "e")
         .str.replace(r"^[yji]([aeiou])", "${1}")
         .str.replace_all("[yj]", "i")
         .str.replace_all("i{2,}", "i")
         .str.replace_all(f"([{cons}])ie", "${1}e")
         .str.replace_all(f"([{cons}])iu", "${1}u"))
    s = _collapse_doubles(s).str.replace_many(_PLACEHOLDERS, leftmost=True)
    # nothing, or digits: the key as it is
    frame = frame.with_columns(key=pl.when(pl.col("s").str.contains("^[0-9]*$"))
                               .then(pl.col("s")).otherwise(s))
    out = frame["key"].to_list()
    for i in frame.with_row_index().filter(~pl.col("ascii"))["index"].to_list():
        out[i] = _n._word_key(frame["w"][i])
    return pl.Series("key", out, dtype=pl.String)


def _form_at(toks: pl.Expr, keys: pl.Expr, n: pl.Expr, at_start: bool) -> tuple[pl.Expr,
                                                                               pl.Expr]:
    """The legal form at the start or the end of the words, and its number of words
    (:func:`kamlib.cleanup.names._find_form`: the longest phrase, its words as written
    before its words' keys, never the whole name)."""
    canon: list[pl.Expr] = []
    size: list[pl.Expr] = []
    for k in range(_n._FORM_MAXLEN, 0, -1):
        def part(words: pl.Expr, k: int = k) -> pl.Expr:
            return (words.list.head(k) if at_start else words.list.tail(k)).list.join(" ")
        hit = part(toks).replace_strict(_EXACT, default=None, return_dtype=pl.String)
        if k > 1:
            hit = pl.coalesce(hit, part(keys).replace_strict(_BY_KEY, default=None,
                                                             return_dtype=pl.String))
        hit = pl.when(n > k).then(hit)
        canon.append(hit)
        size.append(pl.when(hit.is_not_null()).then(pl.lit(k, pl.Int32)))
    return pl.coalesce(canon), pl.coalesce(size).fill_null(0)


_EXACT = {" ".join(k): v for k, v in _n._FORMS_EXACT.items()}
_BY_KEY = {" ".join(k): v for k, v in _n._FORMS_BY_KEY.items()}
_ONE_WORD = {k[0]: v for k, v in _n._FORMS_EXACT.items() if len(k) == 1}
#: the first and the last words of the legal forms of several words (as written or keys)
_MULTI_EDGE = {side: sorted({k[0 if side else -1] for k in (*_n._FORMS_EXACT, *_n._FORMS_BY_KEY)
                             if len(k) > 1}) for side in (True, False)}


def _forms(frame: pl.DataFrame, at_start: bool) -> pl.DataFrame:
    """``i``, ``form``, ``size``: the legal form at the start or the end of each name's
    words (``toks``, ``keys``) and its number of words (0: none). A form of one word is
    looked up for every name, the longer ones (:func:`_form_at`) only for the names whose
    first (last) word opens (closes) one."""
    toks, keys = pl.col("toks"), pl.col("keys")
    n = toks.list.len()
    edge = (toks.list.first() if at_start else toks.list.last())
    edge_key = (keys.list.first() if at_start else keys.list.last())
    one = pl.when(n > 1).then(edge.replace_strict(_ONE_WORD, default=None,
                                                  return_dtype=pl.String))
    out = frame.select("i", form=one, size=pl.when(one.is_not_null()).then(pl.lit(1, pl.Int32))
                       .otherwise(pl.lit(0, pl.Int32)))
    multi = frame.filter(edge.is_in(_MULTI_EDGE[at_start])
                         | edge_key.is_in(_MULTI_EDGE[at_start]))
    if multi.height:
        form, size = _form_at(toks, keys, n, at_start)
        longer = multi.select("i", form_m=form, size_m=size)
        out = (out.join(longer, on="i", how="left", maintain_order="left")
               .select("i", form=pl.when(pl.col("form_m").is_not_null()).then("form_m")
                       .otherwise("form"),
                       size=pl.when(pl.col("form_m").is_not_null()).then("size_m")
                       .otherwise("size")))
    return out


#: names whose steps 4–6 need the scalar code: a person may be one (no form, ИП, КФХ), or a
#: word is a connector or a weak word
_SCALAR_FORMS = [*_n.PERSON_FORMS, "КФХ"]
_SCALAR_KEYS = sorted(_n._CONNECTORS | _n._WEAK_ANY)


def parts_of_names(names: list[str]) -> dict[str, np.ndarray]:
    """The :class:`~kamlib.cleanup.names.NameParts` fields of each distinct, non-blank name.

    Parameters
    ----------
    names : list of str
        Distinct names (none missing, none blank).

    Returns
    -------
    dict
        Field name (``legal_form``, ``form_position``, ``core``, ``key``, ``tokens``,
        ``weak``, ``is_person``, ``person_key``) → its values (an object array), in the
        order of ``names``;
        the same as :func:`~kamlib.cleanup.names.normalize_name` gives.
    """
    fields = ("legal_form", "form_position", "core", "key", "tokens", "weak", "is_person",
              "person_key")
    out = {f: np.full(len(names), None, dtype=object) for f in fields}
    if not names:
        return out
    text = (pl.Series("name", names, dtype=pl.String).str.replace_all("№", " ", literal=True)
            .str.replace_all("\u00a0", " ", literal=True).str.to_lowercase()
            .str.replace_all("ё", "е", literal=True)
            .str.replace_all(r"[\W_]+", " ")
            .str.replace_all(r"\b(?:n|no|nr)\s?(\d)", "${1}"))
    frame = pl.DataFrame({"name": pl.Series(names, dtype=pl.String), "text": text})
    frame = frame.with_row_index("i").with_columns(
        fast=~pl.col("name").str.contains(_SLOW_NAME) & ~pl.col("text").str.contains(_MIXED))
    words = (frame.filter("fast")
             .select("i", w=pl.col("text").str.split(" ")).explode("w")
             .filter(pl.col("w") != ""))
    distinct = words.select(pl.col("w").unique())
    distinct = distinct.with_columns(k=word_keys(distinct["w"]))
    words = words.join(distinct, on="w", how="left", maintain_order="left")
    toks, keys = pl.col("toks"), pl.col("keys")
    n = toks.list.len()
    per_name = words.group_by("i", maintain_order=True).agg(toks=pl.col("w"),
                                                            keys=pl.col("k"))
    start, end = _forms(per_name, True), _forms(per_name, False)
    per_name = (per_name.with_columns(start_form=start["form"], start_size=start["size"],
                                      end_form=end["form"], end_size=end["size"])
                .with_columns(
                    form=pl.coalesce("start_form", "end_form"),
                    position=pl.when(pl.col("start_form").is_not_null()).then(pl.lit("start"))
                    .when(pl.col("end_form").is_not_null()).then(pl.lit("end")),
                    first=pl.col("start_size"),
                    last=n - pl.when(pl.col("start_form").is_null()).then(
                        pl.col("end_size")).otherwise(0))
                .with_columns(rest_toks=toks.list.slice(pl.col("first"),
                                                        pl.col("last") - pl.col("first")),
                              rest_keys=keys.list.slice(pl.col("first"),
                                                        pl.col("last") - pl.col("first")))
                .with_columns(
                    core=pl.col("rest_toks").list.join(" "),
                    key=pl.col("rest_keys").list.eval(pl.element().filter(pl.element() != ""))
                    .list.join(" "),
                    scalar=pl.col("form").is_null() | pl.col("form").is_in(_SCALAR_FORMS)
                    | pl.col("rest_keys").list.eval(pl.element().is_in(_SCALAR_KEYS)).list.any()))
    # names without a person, connector or weak word: their fields straight from polars
    plain = per_name.filter(~pl.col("scalar"))
    at = plain["i"].to_numpy()
    keys_ = plain["key"].to_list()
    for f, values in (("legal_form", plain["form"].to_list()),
                      ("form_position", plain["position"].to_list()),
                      ("core", plain["core"].to_list()), ("key", keys_),
                      ("tokens", [tuple(k.split(" ")) if k else () for k in keys_]),
                      ("weak", [()] * len(at)), ("is_person", [False] * len(at))):
        out[f][at] = _objects(values)
    done = np.zeros(len(names), bool)
    done[at] = True
    scalar = per_name.filter("scalar")
    parts: dict[int, Any] = {i: _n._parts(names[i], t, k) for i, t, k in zip(
        *(scalar[c].to_list() for c in ("i", "toks", "keys")), strict=True)}
    for i in np.flatnonzero(~done).tolist():
        # steps 4–6 in Python, or a slow name, or one without any word
        p = parts[i] if i in parts else _n._normalize_str(names[i])
        for f in fields:
            out[f][i] = getattr(p, f)
    return out


def _objects(values: list[Any]) -> np.ndarray:
    """``values`` as a 1-d object array (tuples stay elements)."""
    return np.fromiter(values, dtype=object, count=len(values))
