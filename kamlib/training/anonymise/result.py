"""What an anonymisation did: its figures, its checks and its secrets (AnonymiseResult).

Part of :mod:`kamlib.training.anonymise`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class AnonymiseResult:
    """What :func:`anonymise_engagement` did.

    The secrets (``seed``, ``factor``, ``shift_years``) are written nowhere in ``out``: they
    are returned here so that the caller can tell the user once (whoever has them can undo
    the scaling and the date shift).

    Attributes
    ----------
    out : Path
        The training engagement.
    seed : int
        The key of every replacement; the same seed on the same source gives the same output.
    factor : float
        Every amount was multiplied by this.
    shift_years : int
        Every date was moved by this many years.
    names_replaced, ids_replaced, people_replaced : int
        Distinct company names (catalogue, groups, head counterparties), identifiers (INN,
        KPP, OGRN) and person names (contacts, managers, team, assessors) replaced.
    files_written : tuple of str
        The files of ``out``, relative to it.
    rows : dict of str to int
        Rows written per table.
    matching : dict
        Step 1's candidate pairs computed on the original and on the replaced catalogue:
        ``pairs`` (original), ``same`` (same pair, same proposal), ``differ`` (pairs found in
        one only or proposed otherwise), ``scores_moved`` (same proposal, another score),
        a few ``examples`` (client codes only) and ``letters``, the letter maps used
        (``exact``, or ``strong`` and which draw).
    client_id_map : dict of str to str
        Client codes that changed: clients the intake added from sales lines (``NEW-…``)
        are named by a hash of their name, which changes with the name. Other codes are kept.
    notes : tuple of str
        What was left out or could not be kept.
    """

    out: Path
    seed: int
    factor: float
    shift_years: int
    names_replaced: int
    ids_replaced: int
    people_replaced: int
    files_written: tuple[str, ...]
    rows: dict[str, int]
    matching: dict[str, Any] = field(default_factory=dict)
    client_id_map: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def describe(self) -> str:
        """What was written and the secrets, for the one time the user is told them."""
        lines = [
            f"Training engagement written to {self.out}",
            f"  {self.names_replaced} company names, {self.people_replaced} person names and "
            f"{self.ids_replaced} tax ids replaced; "
            + ", ".join(f"{t} {n}" for t, n in self.rows.items()) + " rows",
            f"  step 1 on the new names: {self.matching.get('same', 0)} of "
            f"{self.matching.get('pairs', 0)} candidate pairs proposed as before"
            + (f", {self.matching['differ']} differ" if self.matching.get("differ") else "")
            + f" (letter maps: {self.matching.get('letters', '?')}"
            + (f"; {self.matching['scores_moved']} scores moved)"
               if self.matching.get("scores_moved") else ")"),
            *(f"  note: {n}" for n in self.notes),
            "",
            "SECRET — written nowhere in the output; keep it to trace figures back:",
            f"  amounts × {self.factor:g}, dates {self.shift_years:+d} years, seed {self.seed}",
        ]
        return "\n".join(lines)


