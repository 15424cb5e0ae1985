"""Turn a real engagement into a training one: ``kam anonymise DIR OUT``.

The canonical tables of ``DIR`` (its ``work/00_intake``, or a fresh in-memory intake when that
is missing or stale; ``raw/`` is only read) are written to ``OUT`` as a new engagement whose
audit finds the same things: the same duplicates, branches and groups, the same statuses,
loss-makers, concentration, key clients and team size, with every amount multiplied by one
secret factor and every date moved by a secret whole number of years. ``docs/anonymiser.md``
says what is replaced, what is kept and where the method stops.

How each kind of value is replaced (one keyed, deterministic mapping per kind, so the same
value becomes the same replacement in every table, decision and review sheet):

- **words of names** (clients, groups, people, products, free text): a keyed permutation of
  letters, Cyrillic → Cyrillic and Latin → Latin, case kept, within classes chosen so that
  step 1 reads the replaced names as it read the originals (see :data:`_EXACT_CYR`): edit
  distances between spellings, ё/е, и/й/ы and look-alike variants, initials of persons. A
  Latin word that step 1 reads as the transliteration of a Cyrillic word of the engagement
  (``OOO Romashka`` ~ ``ООО «Ромашка»``) is written as the transliteration of that word's
  replacement, so the cross-script match survives. Legal forms, weak words (``ТД``,
  ``Трейд``, ``Group`` …), ``филиал`` and a few connectors are kept, and patronymic endings
  (``-ович``, ``-овна``), so that sole proprietors still meet by surname and initials. Step
  1's candidate pairs are computed on the replaced catalogue and compared with the
  original's before anything is written;
- **tax ids**: each digit position through its own keyed digit permutation (so two ids that
  differ in one digit still differ in exactly one), check digits recomputed: a valid INN /
  OGRN stays valid, an invalid one stays invalid with the same check digit(s) wrong; KPP
  keeps its reason code; a valid foreign VAT number becomes another valid one of its country
  (python-stdnum), one per company;
- **money**: × the factor, rounded to the kopeck per value; quantities unchanged;
- **dates**: + the shift in years (a multiple of 4 by default, so that every gap in days,
  Feb 29 included, is unchanged), also inside document numbers and free text.

The secrets (seed, factor, shift) are returned in :class:`AnonymiseResult` and written
nowhere in ``OUT``.

The package, by job: :mod:`.words` (letter classes), :mod:`.taxids` (tax ids),
:mod:`.mapper` (the Pseudonymiser, dates), :mod:`.source` (the source tables, headers,
the secrets), :mod:`.builder` (the replaced tables and the checks), :mod:`.result`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import numpy as np
import polars as pl

from ...engagement import Engagement, write_data_request
from ...errors import ConfigError, InputError
from ...io import atomic_dir
from ...pii import known_surnames
from ...schema import TABLES
from .builder import _Builder, _catalogue, _check_no_pii, _compare_pairs, _pairs
from .mapper import Pseudonymiser
from .result import AnonymiseResult
from .source import (
    _FILES,
    _PEOPLE,
    _check_paths,
    _choose_factor,
    _choose_shift,
    _source_tables,
    _vocabulary,
)
from .taxids import _map_kpp, _map_ogrns, map_tax_ids
from .words import _STRONG_TRIALS

__all__ = ["AnonymiseResult", "Pseudonymiser", "anonymise_engagement", "map_tax_ids"]


def anonymise_engagement(
    src: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    seed: int | None = None,
    factor: float | None = None,
    shift_years: int | None = None,
    overwrite: bool = False,
    letters: str = "auto",
) -> AnonymiseResult:
    """Write a training copy of an engagement whose audit finds the same things.

    Parameters
    ----------
    src : path-like
        The engagement. Only read: its ``work/00_intake`` if it matches ``raw/`` and
        ``engagement.yaml``, else ``raw/`` through a fresh intake in memory; its
        ``decisions/`` (``merges.csv``, ``groups.csv``) and ``review/`` (``duplicates.xlsx``,
        ``assessment.xlsx``).
    out : path-like
        The new engagement folder: ``engagement.yaml``, ``raw/`` (one UTF-8 CSV per canonical
        table, with headers the intake recognises, so ``kam run OUT`` needs no mapping),
        ``decisions/``, ``review/assessment.xlsx`` if the source had one, and the empty
        folders of an engagement. Written atomically: a staging folder renamed into place.
    seed : int, optional
        The key of every replacement (default: drawn at random). The same seed on the same
        source gives the same output.
    factor : float, optional
        Every amount is multiplied by it (default: drawn from the seed in 0.5–2.0).
    shift_years : int, optional
        Every date is moved by this many years (default: drawn from the seed among −4, −8 …
        −32, keeping sales after 1990; a multiple of 4 keeps every gap in days).
    overwrite : bool
        Replace a non-empty ``out``.
    letters : {"auto", "strong", "exact"}
        Which letters of names are permuted (see :data:`_EXACT_CYR`). ``exact`` keeps every
        transliteration key of step 1, so every score (but for the order of words) and every
        proposal at any threshold, but disguises little; ``strong`` disguises well, but
        scores on keys (persons, Latin names) can move. ``auto`` (default) takes the first
        of a few strong draws on which step 1 proposes exactly the same pairs at the
        engagement's thresholds, else ``exact``; ``strong`` keeps the last strong draw even
        if pairs differ. ``AnonymiseResult.matching`` says which was used.

    Returns
    -------
    AnonymiseResult
        Counts, files, the matching check, and the secrets — seed, factor and shift are
        written nowhere in ``out``; show them to the user once.

    Raises
    ------
    KamError
        ``src`` is not an engagement; ``out`` is not empty (without ``overwrite``), is
        ``src``, lies inside it or contains it.
    ConfigError
        A factor that is not positive, or a shift that would move sales before 1990 or into
        the future (the intake would reject them).
    InputError
        A decisions file or review sheet of the source that cannot be read.
    """
    src_p = Path(src).resolve()
    out_p = Path(out).resolve()
    _check_paths(src_p, out_p, overwrite)
    eng = Engagement.open(src_p)
    if seed is None:
        seed = secrets.randbits(63)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError("the seed must be a whole number ≥ 0", value=seed)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    fac = _choose_factor(rng, factor)
    tables, origin = _source_tables(eng)
    if "clients" not in tables or "sales" not in tables:
        raise InputError("the engagement has no client catalogue or no sales to anonymise",
                         file=str(src_p), hint="run `kam check` on it first")
    shift, years = _choose_shift(tables, rng, shift_years)
    vocab = _vocabulary(tables)
    known = known_surnames(v for t, cols in _PEOPLE.items() if t in tables
                           for c in cols if c in tables[t].columns
                           for v in tables[t][c].drop_nulls().unique().to_list())
    cl = tables["clients"]
    ps = Pseudonymiser(seed, factor=fac, shift_years=shift, vocabulary=vocab, years=years,
                       level="exact")
    ps.known = known
    tax, lost = map_tax_ids(cl["tax_id"].to_list() if "tax_id" in cl.columns else [],
                            ps.digits)
    kpp = {v: _map_kpp(v, ps.digits) for v in (cl["branch_code"].drop_nulls().unique()
                                                .to_list() if "branch_code" in cl.columns else [])}
    ogrn = _map_ogrns(cl["ogrn"].to_list() if "ogrn" in cl.columns else [], ps.digits)
    # a strong draw of the letter maps on which step 1 proposes the same pairs, else exact
    base = _pairs(cl, eng.config)
    if letters not in ("auto", "exact", "strong"):
        raise ConfigError("letters must be auto, exact or strong", value=letters)
    tries = [("strong", k) for k in range(_STRONG_TRIALS)] if letters != "exact" else []
    tries += [("exact", 0)] if letters != "strong" else []
    for level, k in tries:
        trial = ps if level == "exact" else Pseudonymiser(
            seed, factor=fac, shift_years=shift, vocabulary=vocab, years=years,
            level="strong", trial=k)
        trial.tax_ids = tax
        trial.known = known
        anon, id_map = _catalogue(cl, trial, tax, kpp)
        matching = _compare_pairs(base, _pairs(anon, eng.config), id_map)
        if not matching["differ"]:
            break
    ps = trial
    matching["letters"] = ps.level if ps.level == "exact" else f"strong, draw {ps.trial + 1}"
    b = _Builder(eng, tables, ps, tax, kpp, ogrn)
    if lost:
        b.notes.append(f"{lost} one-digit INN typo relation(s) could not be kept")
    if matching["differ"]:
        b.notes.append(f"{matching['differ']} candidate pair(s) of step 1 differ on the new "
                       "names (see matching['examples'])")
    order = ["clients"] + [t for t in TABLES if t != "clients" and t in tables]
    written: dict[str, pl.DataFrame] = {t: b.table(t) for t in order}
    merges = b.merges()
    groups = b.groups()
    sheet = b.assessment_sheet()
    finance = b.finance(eng.config)
    config_text = b.config(eng.config)
    extra = sorted(p.name for p in (src_p / "decisions").glob("*")
                   if p.is_file() and p.name not in ("merges.csv", "groups.csv")) \
        if (src_p / "decisions").is_dir() else []
    if extra:
        b.notes.append("decisions/ files not carried (their content is unknown): "
                       + ", ".join(extra))
    if (src_p / "review" / "duplicates.xlsx").exists():
        b.notes.append("review/duplicates.xlsx is not copied: the next run writes it again")
    _check_no_pii(ps, tables, b.canonical, config_text, b.lang)
    files: list[str] = []
    with atomic_dir(out_p) as tmp:
        for sub in ("raw", "work", "review", "decisions", "reports", "notebooks"):
            (tmp / sub).mkdir()
        (tmp / "engagement.yaml").write_text(config_text, encoding="utf-8")
        files.append("engagement.yaml")
        lang = b.lang
        for t, df in written.items():
            rel = f"raw/{_FILES[lang][t]}"
            df.write_csv(tmp / rel, separator=",", quote_style="necessary", null_value="",
                         date_format="%Y-%m-%d")
            files.append(rel)
        if merges is not None:
            merges.write_csv(tmp / "decisions" / "merges.csv", quote_style="necessary",
                             null_value="", line_terminator="\n")
            files.append("decisions/merges.csv")
        if groups is not None:
            groups.write_csv(tmp / "decisions" / "groups.csv", quote_style="necessary",
                             null_value="")
            files.append("decisions/groups.csv")
        if sheet is not None:
            (tmp / "review" / "assessment.xlsx").write_bytes(sheet)
            files.append("review/assessment.xlsx")
        for rel, df in finance.items():
            (tmp / rel).parent.mkdir(exist_ok=True)
            df.to_csv(tmp / rel, index=False, lineterminator="\n")
            files.append(rel)
        write_data_request(tmp / "data_request.xlsx")
        files.append("data_request.xlsx")
    n_ids = len({v for v in tax if tax[v] != v}) + len(kpp) + len(ogrn)
    people = {p for p in b.people if isinstance(p, str) and p.strip()}
    return AnonymiseResult(
        out=out_p, seed=int(seed), factor=fac, shift_years=shift,
        names_replaced=len({c for c in b.companies if isinstance(c, str) and c.strip()}),
        ids_replaced=n_ids, people_replaced=len(people), files_written=tuple(files),
        rows={t: df.height for t, df in written.items()}, matching=matching,
        client_id_map=dict(b.id_map),
        notes=(f"source tables from {origin}", *b.notes))
