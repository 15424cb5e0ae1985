"""Which canonical table a file holds and how its headers map onto the table's fields.
"""

from __future__ import annotations

from ..config import InputSpec
from ..errors import SchemaError
from ..io import (
    RawTable,
)
from ..schema import TABLES, Field, Table, header_key


def _synonym_keys(f: Field) -> list[str]:
    return [header_key(s) for s in f.synonyms]


def _map_headers(headers: list[str], tbl: Table) -> tuple[dict[str, int], dict[str, list[int]]]:
    """Map header positions to the table's fields by synonyms.

    Returns (field -> chosen column, field -> every matching column).
    """
    hits: dict[str, list[int]] = {}
    keys = [header_key(h) for h in headers]
    for f in tbl.fields:
        syn = _synonym_keys(f)
        matches = [i for i, k in enumerate(keys) if k and k in syn]
        if matches:
            hits[f.name] = sorted(matches, key=lambda i: (syn.index(keys[i]), i))
    # one column feeds one field: the field whose synonym list ranks it highest wins
    owner: dict[int, str] = {}
    for fname, cols in hits.items():
        for i in cols:
            rank = _synonym_keys(tbl.field(fname)).index(keys[i])
            if i not in owner or rank < _synonym_keys(tbl.field(owner[i])).index(keys[i]):
                owner[i] = fname
    chosen = {}
    for fname, cols in hits.items():
        mine = [i for i in cols if owner[i] == fname]
        if mine:
            chosen[fname] = mine[0]
    if tbl.name == "sales" and "delivery_point" not in chosen and "client_name" in chosen:
        # 'Контрагент' and 'Грузополучатель' side by side: the buyer is the client, the
        # consignee its delivery point
        spare = [i for i in hits["client_name"] if i != chosen["client_name"]
                 and keys[i] == _CONSIGNEE]
        if spare:
            chosen["delivery_point"] = spare[0]
    return chosen, hits


_CONSIGNEE = header_key("Грузополучатель")


def _required_ok(tbl: Table, mapped: set[str]) -> list[str]:
    """Return the missing requirements of ``tbl`` given the mapped fields (empty = ok)."""
    alt_fields = {f for group in tbl.required_any for f in group}
    missing = [f.name for f in tbl.fields if f.required and f.name not in alt_fields
               and f.name not in mapped]
    for group in tbl.required_any:
        if not set(group) & mapped:
            missing.append(" or ".join(group))
    return missing


def _detect_table(headers: list[str]) -> tuple[str | None, dict[str, int], list[str]]:
    """Choose the table whose required fields are all present and which maps most columns."""
    best: tuple[tuple[int, int], str, dict[str, int]] | None = None
    for tbl in TABLES.values():
        chosen, _ = _map_headers(headers, tbl)
        if _required_ok(tbl, set(chosen)):
            continue
        n_req = sum(1 for f in tbl.fields if f.required and f.name in chosen)
        score = (len(chosen), n_req)
        if best is None or score > best[0]:
            best = (score, tbl.name, chosen)
    if best is None:
        return None, {}, []
    return best[1], best[2], []


def _nearest_table(headers: list[str]) -> tuple[str, list[str], list[str]] | None:
    """The table a file most resembles (≥ 2 columns recognised) and what it lacks."""
    best = None
    for tbl in TABLES.values():
        chosen, _ = _map_headers(headers, tbl)
        if len(chosen) >= 2 and (best is None or len(chosen) > len(best[1])):
            best = (tbl.name, chosen)
    if best is None:
        return None
    tbl = TABLES[best[0]]
    return tbl.name, [headers[i] for i in best[1].values()], _required_ok(tbl, set(best[1]))


def _explicit_mapping(raw: RawTable, spec: InputSpec, file_label: str) -> dict[str, int]:
    out = {}
    keys = [header_key(h) for h in raw.headers]
    for canon, src in spec.columns.items():
        if src in raw.headers:
            out[canon] = raw.headers.index(src)
        elif header_key(src) in keys:
            out[canon] = keys.index(header_key(src))
        else:
            raise SchemaError(
                f"engagement.yaml maps '{canon}' to a column '{src}' that the file does not have;"
                f" its columns are: {', '.join(raw.headers)}",
                file=file_label, row=raw.header_row, column=src,
                hint="correct the header text under 'columns:' for this file in "
                "engagement.yaml (copy it from the list above)")
    return out
