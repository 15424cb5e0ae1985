"""Report forms (1C "Продажи", "Отгрузка", "Валовая прибыль" saved to xlsx) made usable.

A report form is not a register: a title with the period, filter rows, a money column split
into VAT-rate sub-columns under a two-row header, hierarchy group rows carrying subtotals
(manager › city › sector › client), a final ИТОГО and footer lines, and no date or document
per row. :func:`prepare_form` turns such a sheet into rows the file pass can read:

- VAT-rate sub-columns (``Сумма с НДС [10%]``, ``[20%]``) are summed into one gross column,
  and their VAT computed per rate, exactly, to the kopeck;
- group rows (a row whose next row lies deeper in the xlsx outline; without outline levels,
  a less indented or a bold row, or a row whose amount equals the sum of the rows under
  it) are skipped with their reason and checked: each subtotal must equal the sum of the
  rows under it;
- lines below the final totals row (``Торговых точек АКБ: 109``) are skipped as footer;
- when the rows carry no date, the period is taken from the title (``… с 01.10.24 по
  30.11.24``) and the rows are period-level sales: each gets the period's end as its date
  and a document of its own, and the file is marked so.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import polars as pl

from ..io import RawTable
from ..parse import decimal_separator, decimal_text, parse_date, parse_percent
from ..schema import SALES, header_key
from ..workbooks import row_styles
from .detect import _map_headers
from .results import _TOTALS_RE, FileReport

__all__ = ["check_footer_points", "prepare_form", "title_period"]

_SPLIT = re.compile(r"^(.*) \[(.+)\]$")
_GROSS = {header_key(s) for f in SALES.fields if f.name in ("gross_revenue", "amount")
          for s in f.synonyms}
#: the money columns whose subtotals tell group rows apart ('Выручка' too)
_MONEY = _GROSS | {header_key(s) for s in SALES.field("net_revenue").synonyms}
_PERIOD = re.compile(
    r"(?i)(?:с|from)\s+(\d{1,2})[./](\d{1,2})[./](\d{2,4})\s*(?:г\.?)?\s+(?:по|to|till)\s+"
    r"(\d{1,2})[./](\d{1,2})[./](\d{2,4})")
_KOP = Decimal("0.01")


def _date(d: str, m: str, y: str) -> date:
    year = int(y) + (2000 if len(y) == 2 else 0)
    return date(year, int(m), int(d))


#: 1C's parameter line: 'Период: 01.11.2024 - 30.11.2024', 'Период: Ноябрь 2024 г.'
_PERIOD_DASH = re.compile(
    r"(?i)(?:период|period)\s*:?\s*(\d{1,2})[./](\d{1,2})[./](\d{2,4})\s*(?:г\.?)?\s*"
    r"[-–—]\s*(\d{1,2})[./](\d{1,2})[./](\d{2,4})")
_PERIOD_MONTH = re.compile(r"(?i)(?:период|period)\s*:?\s*([a-zа-яё]+)\s+(\d{4})")


def title_period(title: list[str]) -> tuple[date, date] | None:
    """The period a report's title states (``Продажи с 01.10.24 по 30.11.24``, 1C's
    parameter line ``Период: 01.11.2024 - 30.11.2024`` or ``Период: Ноябрь 2024 г.``), if
    any."""
    for line in title:
        m = _PERIOD.search(line) or _PERIOD_DASH.search(line)
        if m:
            try:
                start, end = _date(*m.group(1, 2, 3)), _date(*m.group(4, 5, 6))
            except ValueError:
                continue
            if start <= end:
                return start, end
        mm = _PERIOD_MONTH.search(line)
        if mm:   # a month, read as a date column's month is (its first day)
            first, bad = parse_date(pl.Series([f"{mm.group(1)} {mm.group(2)}"]))
            if not bad[0] and first[0] is not None:
                start = first[0]
                return start, start.replace(day=monthrange(start.year, start.month)[1])
    return None


def _with_columns(raw: RawTable, headers: list[str], cols: list[pl.Series]) -> None:
    n = len(raw.headers)
    raw.data = raw.data.with_columns([c.alias(f"c{n + i}") for i, c in enumerate(cols)])
    raw.headers = raw.headers + headers


def _split_vat(raw: RawTable, rep: FileReport) -> None:
    """Sum VAT-rate sub-columns into one money column; compute the VAT per rate exactly."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for i, h in enumerate(raw.headers):
        m = _SPLIT.match(h)
        if m:
            groups.setdefault(m.group(1), []).append((i, m.group(2)))
    for base, cols in groups.items():
        rates, _ = parse_percent(pl.Series([r for _, r in cols]))
        texts = []
        for i, _ in cols:
            s = raw.data[f"c{i}"]
            texts.append(decimal_text(s, decimal=decimal_separator(s, default=",")))
        total: list[str | None] = []
        vat: list[str | None] = []
        first = raw.data.select(pl.coalesce(pl.all().exclude("_row"))).to_series().to_list()
        for k in range(raw.data.height):
            vals = [(Decimal(t[k]), rates[j]) for j, t in enumerate(texts) if t[k] is not None]
            if not vals:
                total.append(None)
                vat.append(None)
                continue
            total.append(str(sum(v for v, _ in vals)))
            if first[k] is not None and re.match(_TOTALS_RE, first[k]):
                vat.append(None)  # a totals row checks the amounts; its VAT is not rounded
                continue
            vat.append(str(sum(((v * Decimal(str(r)) / (100 + Decimal(str(r)))).quantize(
                _KOP, rounding=ROUND_HALF_UP) for v, r in vals if r is not None),
                Decimal(0))))
        gross = header_key(base) in _GROSS
        new_h, new_c = [base], [pl.Series(total, dtype=pl.String)]
        if gross and not any(header_key(h) in ("ндс", "суммандс") for h in raw.headers):
            new_h.append("НДС")
            new_c.append(pl.Series(vat, dtype=pl.String))
        _with_columns(raw, new_h, new_c)
        rep.note("note_split_by_vat_rate_computed" if len(new_h) > 1 else
                 "note_split_by_vat_rate", column=base, rates=", ".join(r for _, r in cols))


def _group_rows(raw: RawTable, rep: FileReport) -> None:
    """Skip the rows that group others (deeper outline levels follow them); check them."""
    rows = raw.data["_row"].to_list()
    level = [raw.levels.get(r, 0) for r in rows]
    cells = raw.data.drop("_row").rows() if raw.data.width > 1 else [()] * len(rows)
    blank = [all(v is None or not str(v).strip() for v in row) for row in cells]
    # an empty line is an empty row, never a group (it has nothing to sum)
    is_group = [i + 1 < len(rows) and level[i + 1] > level[i] and not blank[i]
                for i in range(len(rows))]
    n = sum(is_group)
    if not n:
        return
    # each leaf row's chain: its group rows above, top down, then itself
    col = _hierarchy_column(raw)
    first = (raw.data[f"c{col}"] if col is not None
             else raw.data.select(pl.coalesce(pl.all().exclude("_row"))).to_series())
    parent: list[str | None] = []
    chain: list[list[str | None]] = []
    ancestors: list[list[int]] = []    # each row's group rows above it, top down
    stack: dict[int, int] = {}
    for i in range(len(rows)):
        stack = {k: v for k, v in stack.items() if k < level[i]}
        ancestors.append([stack[k] for k in sorted(stack)])
        if is_group[i]:
            stack[level[i]] = i
            parent.append(None)
            chain.append([])
        else:
            parent.append(first[stack[level[i] - 1]] if level[i] - 1 in stack else None)
            chain.append([first[k] for k in ancestors[i]] + [first[i]])
    _inherit(raw, rep, is_group, ancestors, cells)
    # check every subtotal against the rows under it, in each money-like column
    bad = _check_subtotals(raw, level, is_group)
    raw.skipped.extend((r, "group row (a subtotal of the rows under it)")
                       for r, g in zip(rows, is_group, strict=True) if g)
    keep = pl.Series([not g for g in is_group])
    last = raw.headers[0].split("/")[-1].strip().casefold() if raw.headers else ""
    if any(w in last for w in ("адрес", "точка", "address", "outlet")):
        # 'Клиент / Адрес': a client's rows are its delivery points; the client is the parent
        raw.headers = raw.headers[:]
        raw.headers[0] = "Адрес доставки"
        _with_columns(raw, ["Клиент"], [pl.Series(parent, dtype=pl.String)])
        rep.note("note_delivery_addresses")
    elif col is not None:
        _levels_to_columns(raw, rep, col, chain)
    raw.data = raw.data.filter(keep)
    if bad:
        rep.note("note_group_rows_bad", n=n, bad_n=len(bad), rows=", ".join(bad[:5]))
    elif not any(header_key(h) in _MONEY or "сумм" in h.casefold() for h in raw.headers):
        rep.note("note_group_rows_folders", n=n)   # a catalogue's folders: no amounts
    else:
        rep.note("note_group_rows", n=n)


def _inherit(raw: RawTable, rep: FileReport, is_group: list[bool],
             ancestors: list[list[int]], cells: list[tuple[Any, ...]]) -> None:
    """A column filled on the group rows only (the client in column A of its group row, its
    products in column B below): each line takes the value of its nearest group row above
    (the lines were rejected as having no client, and the run stopped)."""
    cols = [c for c in raw.data.columns if c != "_row"]
    filled = [[v is not None and str(v).strip() != "" for v in row] for row in cells]
    total = re.compile(_TOTALS_RE)
    # the totals row ('Итого' under the table) is neither a group nor a line here
    line = [not g and not any(total.match(str(v)) for v in row if v is not None)
            for g, row in zip(is_group, cells, strict=True)]
    names = []
    for j, name in enumerate(cols):
        on_groups = any(f[j] for f, g in zip(filled, is_group, strict=True) if g)
        on_lines = any(f[j] for f, x in zip(filled, line, strict=True) if x)
        if not on_groups or on_lines:
            continue
        values = [row[j] for row in cells]
        for i, x in enumerate(line):
            if x:
                values[i] = next((cells[a][j] for a in reversed(ancestors[i]) if filled[a][j]),
                                 None)
        raw.data = raw.data.with_columns(pl.Series(name, values, dtype=raw.data[name].dtype))
        names.append(raw.headers[int(name[1:])])
    if names:
        rep.note("note_group_values_inherited", columns=", ".join(names))


def _hierarchy_column(raw: RawTable) -> int | None:
    """The column whose header names the levels of the report's grouping, top down
    ('Контрагент / Документ / Номенклатура'), when it names a client among them."""
    for i, h in enumerate(raw.headers):
        parts = [p.strip() for p in h.split("/")]
        if len(parts) > 1 and any(header_key(p) in _CLIENT_KEYS for p in parts):
            return i
    return None


def _levels_to_columns(raw: RawTable, rep: FileReport, col: int,
                       chain: list[list[str | None]]) -> None:
    """A hierarchy column read level by level: each leaf row gets the value of each level
    its header names from its group rows above ('Контрагент / Документ / Номенклатура': a
    product row gets its client and its document), the leaf's own value under the last
    name. The client was read from the leaf rows, so the products (or the documents) became
    the clients. Levels are matched from the leaf up when the rows have as many or more
    levels than the header names (a top level the header leaves out, e.g. the
    organisation), else from the top."""
    parts = [p.strip() for p in raw.headers[col].split("/")]
    above = len(parts) - 1
    cols: list[list[str | None]] = [[] for _ in range(above)]
    for c in chain:
        anc = c[:-1]
        if len(anc) >= above:
            picked = anc[len(anc) - above:] if above else []
        else:
            picked = anc + [None] * (above - len(anc))
        for k in range(above):
            cols[k].append(picked[k] if c else None)
    raw.headers = raw.headers[:]
    raw.headers[col] = parts[-1]
    _with_columns(raw, parts[:-1], [pl.Series(v, dtype=pl.String) for v in cols])
    rep.note("note_hierarchy_levels", column=" / ".join(parts), leaf=parts[-1],
             levels=", ".join(parts[:-1]))


_DOC_DATE = re.compile(r"(?i)\b(?:от|from)\s+(\d{1,2})\.(\d{1,2})\.(\d{2,4})\b")


def _dates_from_documents(raw: RawTable, rep: FileReport) -> None:
    """Rows with no date but a document named with its date ('Реализация товаров и услуг
    0000-000001 от 05.11.2024 12:00:00', as 1C names them): each row dated by its document
    (it was dated the period's end, and its orders could not be told apart)."""
    mapped, _ = _map_headers(raw.headers, SALES)
    if "date" in mapped or "document_id" not in mapped:
        return
    docs = raw.data[f"c{mapped['document_id']}"]
    found = docs.str.extract_groups(_DOC_DATE.pattern)
    day, month, year = (found.struct.field(str(k)) for k in (1, 2, 3))
    filled = docs.is_not_null() & (docs.str.strip_chars() != "") & ~docs.str.contains(
        _TOTALS_RE).fill_null(False)       # the totals row ('Итого') is no document
    if not filled.any() or (day.is_null() & filled).any():
        return
    dates = pl.select(pl.concat_str([day.str.zfill(2), month.str.zfill(2), year],
                                    separator=".")).to_series()
    _with_columns(raw, ["Дата"], [dates])
    rep.note("note_dates_from_documents", column=raw.headers[mapped["document_id"]])


def _amounts(raw: RawTable) -> tuple[list[str | None], list[int]] | None:
    """The main money column's values (as decimal texts) and the positions of totals rows;
    None when the sheet has no money column."""
    cols = [j for j, h in enumerate(raw.headers)
            if "[" not in h and (header_key(h) in _MONEY or "сумм" in h.casefold())]
    if not cols:
        return None
    s = raw.data[f"c{cols[-1]}"]
    totals = _totals_rows(raw)
    sep = decimal_separator(s, default=",")
    end = totals[-1] if totals else s.len()
    # more than 20,000 amounts: a register, not a form to search; told from the first rows
    # that hold 20,001 cells, without reading the amounts of a register's millions of lines
    filled = s.head(end).is_not_null().arg_true()
    if filled.len() > 20_000 and decimal_text(s.head(int(filled[20_000]) + 1),
                                              decimal=sep).null_count() == \
            int(filled[20_000]) + 1 - 20_001:
        return None
    vals = decimal_text(s, decimal=sep).to_list()
    return vals, totals


def _nest(items: list[tuple[int, Decimal]], may_group: set[int] | None = None
          ) -> list[tuple[Decimal, int, list[Any]]] | None:
    """Nest rows by their amounts, scanning upwards: a row whose amount equals the sum of
    the next k items groups them. With ``may_group``, only those rows may group, and each
    of them must (else None: the style is not explained by the sums)."""
    stack: list[tuple[Decimal, int, list[Any]]] = []
    for i, v in reversed(items):
        if may_group is not None and i not in may_group:
            stack.append((v, i, []))
            continue
        acc, k = Decimal(0), 0
        while k < len(stack):
            acc += stack[-1 - k][0]
            k += 1
            if acc == v:
                break
        if k and acc == v:
            children = [stack.pop() for _ in range(k)]
            stack.append((v, i, children))
        elif may_group is not None:
            return None
        else:
            stack.append((v, i, []))
    return stack


def _depths(raw: RawTable, stack: list[tuple[Decimal, int, list[Any]]]) -> dict[int, int]:
    rows = raw.data["_row"].to_list()
    levels: dict[int, int] = {}
    todo = [(node, 0) for node in stack]
    while todo:
        (_, i, children), depth = todo.pop()
        levels[rows[i]] = depth
        todo.extend((c, depth + 1) for c in children)
    return levels


def _levels_from_sums(raw: RawTable) -> dict[int, int] | None:
    """Outline levels recovered from the amounts, when the rows do not add up to the totals
    row but a nesting of subtotals (each group row first, equal to the sum of the rows under
    it) explains it exactly; None otherwise (then the totals check stops the run)."""
    found = _amounts(raw)
    if found is None:
        return None
    vals, totals = found
    last = vals[totals[-1]] if totals else None
    if last is None:
        return None
    end, target = totals[-1], Decimal(last)
    items = [(i, Decimal(v)) for i, v in enumerate(vals[:end]) if v is not None]
    if sum(v for _, v in items) == target or len(items) > 20_000:
        return None
    stack = _nest(items)
    if stack is None or sum(v for v, _, _ in stack) != target \
            or all(not c for _, _, c in stack):
        return None
    return _depths(raw, stack)


def _levels_from_styles(raw: RawTable, rep: FileReport) -> dict[int, int] | None:
    """Outline levels read from the rows' look, when the file has no outline levels: the
    indentation of the first cell (deeper rows are under the row above them), else bold
    rows (each groups the rows under it whose amounts add up to its own). Either is kept
    only when every group row's amount equals the sum of the rows under it."""
    if raw.path.suffix.lower() not in (".xlsx", ".xlsm"):  # (styles: xlsx only)
        return None
    found = _amounts(raw)
    if found is None:
        return None
    vals, totals = found
    rows = raw.data["_row"].to_list()
    end = totals[-1] if totals else len(rows)
    body = [i for i in range(end) if vals[i] is not None and i not in totals]
    # a form has a title (its period) or a totals row; a register is not read twice
    if len(body) < 2 or len(body) > 20_000 or not (raw.title or totals):
        return None
    if not raw.styles:
        raw.styles = row_styles(raw.path).get(raw.sheet or "", {})
    if not raw.styles:
        return None
    indent = {i: raw.styles.get(rows[i], (False, 0))[1] for i in body}
    if len(set(indent.values())) > 1:
        rank = {v: k for k, v in enumerate(sorted(set(indent.values())))}
        levels = {rows[i]: rank[indent[i]] for i in body}
        level = [levels.get(r, 0) for r in rows]
        is_group = [i in indent and i + 1 < len(rows) and level[i + 1] > level[i]
                    for i in range(len(rows))]
        bad = _check_subtotals(raw, level, is_group) if any(is_group) else ["none"]
        if not bad:
            rep.note("note_groups_by_indent")
            return levels
        rep.note("note_indent_not_used", rows=", ".join(bad[:3]))
    bold = {i for i in body if raw.styles.get(rows[i], (False, 0))[0]}
    if bold and len(bold) < len(body):
        # every row of the body has an amount (see above)
        stack = _nest([(i, Decimal(cast(str, vals[i]))) for i in body], bold)
        # a form's top rows are all groups; a register with a bold row that happens to equal
        # the rows after it has rows outside any group
        if stack is not None and all(children for _, _, children in stack):
            rep.note("note_groups_by_bold")
            return _depths(raw, stack)
        rep.note("note_bold_not_used")
    return None


def _totals_rows(raw: RawTable) -> list[int]:
    """Indices of the rows whose first filled cell reads as a totals row (``Итого``), the
    pattern tried once per distinct first cell, not once per row."""
    first = raw.data.select(pl.coalesce(pl.all().exclude("_row"))).to_series()
    hits = [t for t in first.drop_nulls().unique().to_list() if re.match(_TOTALS_RE, t)]
    if not hits:
        return []
    return first.is_in(pl.Series(hits, dtype=pl.String).implode()).fill_null(
        False).arg_true().to_list()


def _check_subtotals(raw: RawTable, level: list[int], is_group: list[bool]) -> list[str]:
    """Group rows whose amounts differ from the sum of the leaf rows under them."""
    bad: list[str] = []
    rows = raw.data["_row"].to_list()
    for j, h in enumerate(raw.headers):
        if header_key(h) not in _MONEY and "сумм" not in h.casefold():
            continue
        s = raw.data[f"c{j}"]
        vals = decimal_text(s, decimal=decimal_separator(s, default=","))
        for i in range(len(rows)):
            if not is_group[i] or vals[i] is None:
                continue
            k, acc = i + 1, Decimal(0)
            while k < len(rows) and level[k] > level[i]:
                if not is_group[k] and vals[k] is not None:
                    acc += Decimal(vals[k])
                k += 1
            if acc != Decimal(vals[i]):
                bad.append(f"row {rows[i]} ({h}: {vals[i]}, rows {acc})")
    return bad


_POINTS = re.compile(r"(?i)(?:торгов\w*\s+точ\w*|точ\w*\s+доставки|адрес\w*\s+доставки|"
                     r"delivery\s+points?|outlets?)[^:\d]*:?\s*(\d+)")


def check_footer_points(rep: FileReport, sales: pl.DataFrame) -> None:
    """Compare the delivery points a form's footer states with those of its accepted rows
    (a note when they agree, a note naming both counts when not)."""
    said = rep.footer_counts.get("delivery_points")
    if said is None or "delivery_point" not in sales.columns:
        return
    mine = sales.filter((pl.col("source_file") == rep.label)
                        & pl.col("delivery_point").is_not_null())
    key = pl.col("delivery_point").str.strip_chars().str.replace_all(r"\s+", " ") \
        .str.to_lowercase()
    got = mine.select(pl.struct(pl.col("client_id"), key).n_unique()).item() if mine.height \
        else 0
    rep.footer_counts["delivery_points_in_rows"] = int(got)
    if got == said:
        rep.note("note_footer_points_match", said=said, got=got)
    else:
        rep.note("note_footer_points_differ", said=said, got=got)


def _footer(raw: RawTable, rep: FileReport) -> None:
    """Lines below the final totals row (counts of outlets, signatures) are not data."""
    totals = _totals_rows(raw)
    if not totals or totals[-1] == raw.data.height - 1:
        return
    after = raw.data.slice(totals[-1] + 1)
    filled = after.select(pl.sum_horizontal(pl.all().exclude("_row").is_not_null()))
    if int(cast(int, filled.to_series().max() or 0)) > 1:
        return  # data below the totals row: left to the file pass
    for line in after.select(pl.concat_str(pl.all().exclude("_row"), separator=" ",
                                           ignore_nulls=True)).to_series().to_list():
        m = _POINTS.search(line or "")
        if m:
            rep.footer_counts["delivery_points"] = int(m.group(1))
    raw.skipped.extend((int(r), "footer line below the totals row") for r in after["_row"])
    raw.data = raw.data.slice(0, totals[-1] + 1)
    rep.note("note_footer_lines", n=after.height)


def _period_rows(raw: RawTable, rep: FileReport) -> None:
    """Rows with no date but a period in the title: period-level sales."""
    period = title_period(raw.title)
    if period is None:
        return
    mapped, _ = _map_headers(raw.headers, SALES)
    if "date" in mapped or not ({"client_id", "client_name", "client_tax_id"} & set(mapped)) \
            or not ({"net_revenue", "gross_revenue", "amount", "unit_price"} & set(mapped)):
        return
    start, end = period
    n = raw.data.height
    cols = [pl.Series([end.strftime("%d.%m.%Y")] * n, dtype=pl.String)]
    heads = ["Дата"]
    if "document_id" not in mapped:
        heads.append("Документ")
        cols.append(pl.Series([f"{start:%d.%m.%Y}–{end:%d.%m.%Y}, строка {r}"
                               for r in raw.data["_row"]], dtype=pl.String))
    _with_columns(raw, heads, cols)
    rep.sales_level = "period"
    rep.period_from_title = [str(start), str(end)]
    rep.note("note_period_rows", start=str(start), end=str(end))


_CLIENT_KEYS = {header_key(s) for f in SALES.fields if f.name in ("client_name", "client_id")
                for s in f.synonyms}


def _hierarchy_header(raw: RawTable, rep: FileReport) -> None:
    """A hierarchy column ('Менеджер / Город / Клиент') whose grouping was not recognised is
    read as the client column, so that the totals check can tell rows from group rows."""
    mapped, _ = _map_headers(raw.headers, SALES)
    if {"client_id", "client_name"} & set(mapped):
        return
    col = _hierarchy_column(raw)
    if col is not None:
        h = raw.headers[col]
        hit = next(p.strip() for p in h.split("/") if header_key(p) in _CLIENT_KEYS)
        raw.headers = raw.headers[:]
        raw.headers[col] = hit
        rep.note("note_hierarchy_column", column=h, read_as=hit)


def prepare_form(raw: RawTable, rep: FileReport) -> RawTable:
    """Make a report form readable as rows (see the module docstring); registers pass
    through unchanged. ``rep`` receives a note for every change."""
    if any(_SPLIT.match(h) for h in raw.headers):
        _split_vat(raw, rep)
    if not raw.levels:
        raw.levels = _levels_from_styles(raw, rep) or {}
    if not raw.levels:
        found = _levels_from_sums(raw)
        if found:
            raw.levels = found
            rep.note("note_groups_by_amounts")
    if raw.levels:
        _group_rows(raw, rep)
    _hierarchy_header(raw, rep)
    _footer(raw, rep)
    _dates_from_documents(raw, rep)
    _period_rows(raw, rep)
    return raw
