"""The reader policy of ``raw/`` and the file pass: which files are read (and why the others
are skipped), each file read, its table detected and its rows parsed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import polars as pl

from ..config import EngagementConfig, InputSpec
from ..errors import KamError, SchemaError
from ..io import (
    SPREADSHEET_SUFFIXES,
    TEXT_SUFFIXES,
    RawTable,
    read_raw,
    sha256_file,
)
from ..schema import TABLES, header_key
from .detect import _detect_table, _explicit_mapping, _map_headers, _nearest_table, _required_ok
from .fileparse import _FileIntake, _Parsed
from .reportform import prepare_form
from .results import FileReport, name_key


def _find_spec(path: Path, eng_dir: Path, specs: list[InputSpec]) -> InputSpec | None:
    rel = path.relative_to(eng_dir).as_posix()
    rel_raw = path.relative_to(eng_dir / "raw").as_posix()
    for s in specs:
        if s.file in (rel, rel_raw, path.name):
            return s
    return None


def _list_raw(eng_dir: Path, declared: set[str] | frozenset[str] = frozenset()
              ) -> tuple[list[Path], list[dict[str, str]]]:
    """The files of ``raw/`` to read, and every file skipped with its reason.

    The reader policy: symbolic links are not followed (one could point at another
    client's export); files in sub-folders are read only when ``engagement.yaml`` lists
    them under ``inputs`` (a folder is often an older export kept aside); hidden files and
    Excel lock files (``~$x.xlsx``) are not exports; of byte-identical files (``sales.csv``
    and ``sales (1).csv``) the shortest name is read and the others are counted once.
    Everything skipped is listed (the manifest and ``kam check``), never dropped silently.
    """
    raw = eng_dir / "raw"
    if not raw.is_dir():
        raise SchemaError("the engagement has no raw/ folder", file=str(eng_dir),
                          hint="create it with `kam init DIR` and put the exports into raw/")
    files: list[Path] = []
    skipped: list[dict[str, str]] = []

    def skip(p: Path, reason: str) -> None:
        skipped.append({"file": p.relative_to(raw).as_posix(), "reason": reason})

    for p in sorted(raw.rglob("*")):
        rel = p.relative_to(raw).as_posix()
        if any(part.startswith(".") for part in p.relative_to(raw).parts[:-1]):
            continue  # inside a hidden folder: the folder itself is reported
        if p.is_symlink():
            skip(p, "a symbolic link: not followed (it may point outside this engagement); "
                 "copy the file itself into raw/")
            continue
        if p.is_dir():
            if p.name.startswith("."):
                skip(p, "a hidden folder: not read")
            continue
        if not p.is_file():
            skip(p, "not a regular file")
            continue
        if p.name.startswith("~$"):
            skip(p, "an Excel lock file (the workbook was open when copied): not an export")
        elif p.name.startswith("."):
            skip(p, "a hidden file: not read; rename it if it is an export")
        elif p.suffix.lower() not in TEXT_SUFFIXES | SPREADSHEET_SUFFIXES:
            skip(p, "not a table format (.csv, .txt, .tsv, .xlsx, .xls, .ods): not read")
        elif p.parent != raw and rel not in declared and f"raw/{rel}" not in declared:
            skip(p, "in a sub-folder of raw/: not read; move it into raw/ or list it under "
                 "'inputs' in engagement.yaml")
        else:
            files.append(p)
    by_size: dict[int, list[Path]] = {}
    for p in files:
        by_size.setdefault(p.stat().st_size, []).append(p)
    copies: set[Path] = set()
    for same in by_size.values():
        if len(same) < 2:
            continue
        first_of: dict[str, Path] = {}
        for p in sorted(same, key=lambda q: (len(q.name), q.name)):  # 'x.csv' before 'x (1).csv'
            digest = sha256_file(p)
            if digest in first_of:
                copies.add(p)
                skip(p, f"a byte-identical copy of {first_of[digest].relative_to(raw).as_posix()}"
                     f" (SHA-256 {digest[:12]}…): read once, its money counted once")
            else:
                first_of[digest] = p
    return [p for p in files if p not in copies], skipped


def _holds_rates(values: pl.Series) -> bool:
    """Whether a column headed as VAT holds rates: its first 2,000 filled cells read as VAT
    rates (:func:`kamlib.parse.parse_percent`: '20%', 'НДС 20%', 'Без НДС'), at least one
    with a percent sign or 'без' (a column of plain numbers or zeros is VAT amounts)."""
    from ..parse import parse_percent

    s = values.drop_nulls().head(2000)
    if s.len() == 0:
        return False
    _, bad = parse_percent(s)
    return not bad.any() and bool(s.str.contains(r"(?i)%|без").any())


def _percents(values: pl.Series) -> bool:
    """Whether a column's first 2,000 filled cells are percentages ('10%', '5 %')."""
    s = values.drop_nulls().head(2000).str.strip_chars()
    s = s.filter(s != "")
    return s.len() > 0 and bool(s.str.contains(r"^-?\d+([.,]\d+)?\s*%$").all())


def result_first_reason(rejected: pl.DataFrame, label: str) -> str:
    """The first rejection of a file, as 'row N, column 'X', value 'V': reason'."""
    rows = rejected.filter(pl.col("file") == label).sort("row").head(1)
    if not rows.height:
        return "not recorded"
    r = rows.row(0, named=True)
    value = "empty" if r["value"] is None else f"'{r['value']}'"
    if not r["column"]:  # a whole row (e.g. more fields than the header): its line
        return f"row {r['row']}, line {value}: {r['reason']}"
    return f"row {r['row']}, column '{r['column']}', value {value}: {r['reason']}"


def _read_all(files: list[Path], eng_dir: Path, cfg: EngagementConfig,
              hashes: dict[Path, Any], reports: list[FileReport],
              parsed: dict[str, list[tuple[_Parsed, _FileIntake]]], errors: list[KamError],
              seen_specs: set[str], on_progress: Callable[[str], None] | None) -> None:
    """Read, map and parse every raw file (results appended to the lists given)."""
    for path in files:
        spec = _find_spec(path, eng_dir, cfg.inputs)
        if spec:
            seen_specs.add(spec.file)
        rel = path.relative_to(eng_dir / "raw").as_posix()
        base = FileReport(file=rel, size_bytes=path.stat().st_size)
        first = len(reports)
        try:
            _read_one(path, rel, base, spec, cfg, reports, parsed, errors, on_progress)
        finally:
            for rep in reports[first:]:
                rep.sha256 = hashes[path].result()


def _read_one(path: Path, rel: str, base: FileReport, spec: InputSpec | None,
              cfg: EngagementConfig, reports: list[FileReport],
              parsed: dict[str, list[tuple[_Parsed, _FileIntake]]], errors: list[KamError],
              on_progress: Callable[[str], None] | None) -> None:
    """Read one raw file (all its sheets) and parse what it holds."""
    if spec and spec.skip:
        base.note("note_skipped_by_settings")
        reports.append(base)
        return
    t0 = time.perf_counter()
    try:
        raws = read_raw(path, sheet=spec.sheet if spec else None,
                        encoding=spec.encoding if spec else None,
                        delimiter=spec.delimiter if spec else None,
                        header_row=spec.header_row if spec else None,
                        on_progress=on_progress)
    except KamError as exc:
        exc.file = exc.file or rel
        errors.append(exc)
        base.errors.append(exc.to_dict())
        reports.append(base)
        return
    read_s = time.perf_counter() - t0
    for raw in raws:
        rep = FileReport(**{**asdict(base), "sheet": raw.sheet})
        rep.encoding, rep.delimiter, rep.header_row = raw.encoding, raw.delimiter, \
            raw.header_row
        for r in raw.note_reasons:  # the reader's notes, phrased in each surface's language
            rep.note(r["code"], **r["args"])
        reports.append(rep)
        try:
            raw = prepare_form(raw, rep)
            item = _one_table(raw, rep, spec, cfg, multi_sheet=len(raws) > 1)
        except KamError as exc:
            exc.file = exc.file or rep.label
            errors.append(exc)
            rep.errors.append(exc.to_dict())
            continue
        if item is not None:
            parsed.setdefault(rep.table or "", []).append(item)
            if on_progress:
                on_progress(f"{rep.label}: {rep.rows_read:,} lines, {rep.table} "
                            f"({path.stat().st_size / 2**20:,.1f} MB; read in {read_s:.1f} s, "
                            f"parsed in {time.perf_counter() - t0 - read_s:.1f} s)")


#: a column only a payments or bank register has
_PAYMENT_HEADERS = {header_key(h) for h in (
    "Назначение платежа", "Основание платежа", "Назначение", "Payment purpose",
    "Purpose of payment", "Платежное поручение", "Расчетный счет", "Р/с")}
#: documents of money received, not of goods sold (1C's names)
_RECEIPT_DOCS = (r"(?i)^\s*(поступление\s+(на\s+расч[её]тный\s+сч[её]т|безналичных|"
                 r"денежных|наличных)|приходный\s+кассовый\s+ордер|платежное\s+поручение|"
                 r"оплата\s+от\s+покупателя|входящий\s+платеж|выписка\s+банка)")


def _not_payments(raw: RawTable, mapping: dict[str, int], rep: FileReport) -> None:
    """Stop on a file the headers took for sales that is a register of money received (bank
    receipts: 'Поступление на расчетный счет …' with 'Назначение платежа'): its amounts are
    payments, and read as sales they were added to the revenue (3 550 instead of 1 750)."""
    why = [f"a '{h}' column" for h in raw.headers if header_key(h) in _PAYMENT_HEADERS][:1]
    docs = (raw.data[f"c{mapping['document_id']}"].drop_nulls() if "document_id" in mapping
            else pl.Series([], dtype=pl.String))
    receipts = int(docs.str.contains(_RECEIPT_DOCS).sum()) / docs.len() if docs.len() else 0.0
    if receipts >= 0.5:
        why.append(f"documents of money received ({receipts:.0%} like '{docs[0]}')")
    if not why:
        return
    raise SchemaError(
        f"this file holds payments received, not sales lines ({' and '.join(why)}): read "
        "as sales, its amounts would be added to the revenue", file=rep.label, row=raw.header_row,
        hint=f"declare it as payments in engagement.yaml: inputs: [{{file: '{rep.file}', "
        "table: payments, columns: {paid_date: 'Дата', amount: 'Сумма'}}]; or leave it out: "
        f"inputs: [{{file: '{rep.file}', skip: true}}]")


def _sellers_inn(raw: RawTable, mapping: dict[str, int], rep: FileReport) -> None:
    """An INN column that holds one INN for lines of several clients is the seller's (the
    'Организация' of a 1C export), not the clients': it is not used to find the clients (it
    made three companies one, and gave an ИП a company's INN)."""
    if "client_tax_id" not in mapping or not {"client_id", "client_name"} & set(mapping):
        return
    inn = raw.data[f"c{mapping['client_tax_id']}"].str.strip_chars().drop_nulls()
    if inn.n_unique() != 1 or inn.len() < 2:
        return
    if "client_id" in mapping:
        who = set(raw.data[f"c{mapping['client_id']}"].drop_nulls().str.strip_chars())
    else:   # names spelled two ways are one client: compared by their key
        who = {name_key(n) for n in raw.data[f"c{mapping['client_name']}"].drop_nulls()
               .unique()}
    if len(who) >= 2:
        header = raw.headers[mapping.pop("client_tax_id")]
        rep.note("note_sellers_inn", column=header, inn=str(inn[0]), clients=len(who))


def _one_table(raw: RawTable, rep: FileReport, spec: InputSpec | None, cfg: EngagementConfig,
               *, multi_sheet: bool) -> tuple[_Parsed, _FileIntake] | None:
    label = rep.label
    if spec and spec.table:
        tbl = TABLES[spec.table]
        mapping, hits = _map_headers(raw.headers, tbl)
        rep.detected_by = "engagement.yaml"
    else:
        name, mapping, _ = _detect_table(raw.headers)
        if name is None:
            if multi_sheet:
                rep.note("note_sheet_not_recognised")
                return None
            near = _nearest_table(raw.headers)
            if near is not None:
                tname, found, missing = near
                raise SchemaError(
                    f"this looks like the {tname} table (recognised: {', '.join(found)}) but "
                    f"it lacks the required column(s) {', '.join(missing)}. Headers found "
                    f"(row {raw.header_row}): {', '.join(raw.headers[:20])}",
                    file=label, row=raw.header_row,
                    hint=f"ask the client for a {tname} export with "
                    f"{' and '.join(missing)}, or map an existing column in engagement.yaml: "
                    f"inputs: [{{file: '{rep.file}', table: {tname}, columns: "
                    f"{{{missing[0].split()[0]}: 'Header in the file'}}}}]; if the file is not "
                    f"for the audit (a report of totals, a ledger card, a receivables report), "
                    f"leave it out: inputs: [{{file: '{rep.file}', skip: true}}]")
            raise SchemaError(
                "cannot tell which table this file holds: its headers match none of the known "
                f"tables. Headers found (row {raw.header_row}): {', '.join(raw.headers[:15])}",
                file=label, row=raw.header_row,
                hint="if it holds a table the audit needs, declare it in engagement.yaml: "
                f"inputs: [{{file: '{rep.file}', table: sales, columns: {{net_revenue: 'Your "
                "header', ...}}]; the data-request workbook lists the expected columns; if "
                "it is not for the audit (a ledger card, an account statement, a note), leave it "
                f"out: inputs: [{{file: '{rep.file}', skip: true}}], or move it out of raw/")
        tbl = TABLES[name]
        _, hits = _map_headers(raw.headers, tbl)
        rep.detected_by = "headers"
        if name == "sales":
            _not_payments(raw, mapping, rep)
    if spec and spec.columns:
        explicit = _explicit_mapping(raw, spec, label)
        mapping = {k: v for k, v in mapping.items() if v not in explicit.values()}
        mapping.update(explicit)
    else:
        # the same header twice is ambiguous: which one holds the money?
        for fname, cols in hits.items():
            if fname not in mapping:
                continue
            same = [c for c in cols if raw.headers[c] == raw.headers[mapping[fname]]]
            if len(same) > 1:
                used = [c for c in same if raw.data[f"c{c}"].drop_nulls().len()]
                if len(used) > 1:
                    raise SchemaError(
                        f"the header '{raw.headers[same[0]]}' appears {len(same)} times "
                        f"(columns {', '.join(str(c + 1) for c in same)}); cannot tell which "
                        f"one is {fname}", file=label, row=raw.header_row,
                        column=raw.headers[same[0]],
                        hint="rename one of the columns in the file's copy, or map the field "
                        "explicitly in engagement.yaml under 'columns:'")
                mapping[fname] = used[0] if used else same[0]
    missing = _required_ok(tbl, set(mapping))
    if tbl.name == "sales" and not missing and "unit_price" in mapping and "quantity" not in \
            mapping and not {"net_revenue", "gross_revenue", "amount"} & set(mapping):
        missing = ["net_revenue or gross_revenue or amount (or quantity, next to the price)"]
    if missing:
        raise SchemaError(
            f"the {tbl.name} table needs column(s) {', '.join(missing)}, which the file does "
            f"not have. Headers found (row {raw.header_row}): {', '.join(raw.headers[:20])}",
            file=label, row=raw.header_row,
            hint=f"ask the client for the missing column, or map it in engagement.yaml: inputs: "
            f"[{{file: '{rep.file}', table: {tbl.name}, columns: {{{missing[0].split()[0]}: "
            "'Header in the file'}}]")
    if tbl.name == "sales" and "vat" in mapping and "vat_rate" not in mapping and not (
            spec and spec.columns and "vat" in spec.columns) and _holds_rates(
                raw.data[f"c{mapping['vat']}"]):
        # 'НДС' holding '20%', '10%', 'Без НДС': the rate, not the VAT amount (every row was
        # rejected as "not an amount")
        mapping["vat_rate"] = mapping.pop("vat")
        rep.note("note_vat_column_holds_rates", column=raw.headers[mapping["vat_rate"]])
    if tbl.name == "sales" and not (spec and spec.columns and "client_tax_id" in spec.columns):
        _sellers_inn(raw, mapping, rep)
    if tbl.name == "sales" and "discount" in mapping and not (
            spec and spec.columns and "discount" in spec.columns) and _percents(
                raw.data[f"c{mapping['discount']}"]):
        # 'Скидка' holding '10%': a rate, not the discount's amount (every line was rejected
        # as "not an amount", its revenue with it, and the run stopped)
        rep.note("note_discount_percent", column=raw.headers[mapping.pop("discount")])
    rep.table = tbl.name
    rep.mapping = {f: raw.headers[i] for f, i in mapping.items()}
    used_cols = set(mapping.values())
    rep.ignored_columns = [h for i, h in enumerate(raw.headers) if i not in used_cols
                           and raw.data[f"c{i}"].drop_nulls().len()]
    fi = _FileIntake(raw, tbl, mapping, rep, cfg, spec)
    parsed = fi.run()
    raw.data = raw.data.clear()  # its cells are parsed (the raw text kept there): free them
    return parsed, fi
