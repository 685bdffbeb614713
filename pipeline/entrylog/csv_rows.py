"""A log's CSV text -> entries, with every problem's physical line (pure; no pandas).

The rules every log shares: UTF-8 with or without a byte-order mark, a header row naming the
columns (unknown, repeated and missing ones reported at the header's line), ',' or ';' (or
Excel's ``sep=`` line), blank rows skipped, cells under no header name refused, all or nothing.
Which columns there are and how a row becomes an entry is each log's (``entry_from_cells``).
"""

from __future__ import annotations

import codecs
import csv
import difflib
import io
import re
from collections.abc import Callable, Mapping
from datetime import date

from pipeline.errors import InputError

_EXCEL_SEP = re.compile(r"sep=([,;])")
# [0-9], not \d: \d also matches other scripts' digits, which the contract does not allow.
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def shown(cell: str) -> str:
    """A cell as an error message quotes it."""
    # repr: control characters in a bad cell cannot reach the terminal raw
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def plain_decimal(text: str) -> float | None:
    """A plain decimal number ('.' or a single ',' as decimal mark); None when it is not one."""
    number = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    if not _NUMBER.fullmatch(number):
        return None
    return float(number) + 0.0  # + 0.0 turns -0 into 0


def csv_text(data: bytes, *, source: str, empty_message: str) -> str:
    """The file's text: UTF-8 with or without a byte-order mark; anything else is refused, and
    a blank file with ``empty_message`` (what the log's file should hold)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError("is UTF-16 text; save it as 'CSV UTF-8' and import again", source=source)
    if data.startswith(b"PK\x03\x04"):
        raise InputError("is a zip or Excel workbook, not a CSV; save it as 'CSV UTF-8'",
                         source=source)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InputError("is not a text file (it holds NUL bytes); expected a CSV file",
                         source=source, offset=nul)
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[bom:].decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError("is not UTF-8 text; save it as 'CSV UTF-8' and import again",
                         source=source, offset=bom + e.start) from None
    if not text.strip():
        raise InputError(empty_message, source=source)
    return text


def parsed_cells(parsers: Mapping[str, Callable[[str], object]], cells: Mapping[str, str], *,
                 required: tuple[str, ...]) -> tuple[dict[str, object], list[str]]:
    """Each column's value (``parsers``: column -> cell text -> value, raising ``ValueError``
    with the reason) and every reason a cell is invalid. A required column absent from
    ``cells`` is skipped: the header's error says it once for the whole file."""
    values, problems = {}, []
    for column, parse in parsers.items():
        if column in required and column not in cells:
            continue
        try:
            values[column] = parse(cells.get(column, ""))
        except ValueError as e:
            problems.append(str(e))
    return values, problems


def header_index(cells: list[str], *, columns: tuple[str, ...], required: tuple[str, ...]
                 ) -> tuple[dict[str, int], set[int], list[str]]:
    """Known column name -> its index, the indexes of every named column, and the header's
    problems (unknown, repeated, missing)."""
    names = [c.strip().lower() for c in cells]
    index, problems = {}, []
    for name in (n for n in names if n and n not in columns):
        close = difflib.get_close_matches(name, columns, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"unknown column {shown(name)}{hint}; the columns are: "
                        f"{', '.join(columns)}")
    for i, name in enumerate(names):
        if name in columns:
            if name in index:
                problems.append(f"column {name!r} appears more than once")
            index.setdefault(name, i)
    missing = [c for c in required if c not in index]
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)} "
                        f"(the header has: {', '.join(n for n in names if n) or 'nothing'})")
    return index, {i for i, name in enumerate(names) if name}, problems


def _delimiter(first_line: str) -> str:
    """';' when the header line has more semicolons than commas, else ','."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def entries_from_rows(text: str, *, source: str, today: date, columns: tuple[str, ...],
                      required: tuple[str, ...], entry_from_cells: Callable,
                      error: Callable[[str, list[tuple[int, str]]], Exception]) -> list:
    """Every row of a log's CSV as an entry (``entry_from_cells(cells, source=, line=, today=)
    -> (entry or None, reasons)``), in file order.

    Raises ``error(source, [(line, reason), ...])`` for every problem, the header's at its line.
    Lines are physical lines (a quoted note may span several; its row starts where it starts).
    Blank rows are skipped; a short row's missing cells are empty.
    """
    first_line = next(line for line in text.splitlines() if line.strip())  # text is not blank
    sep = _EXCEL_SEP.fullmatch(first_line.strip())  # Excel's "sep=;" line before the header
    delimiter = sep[1] if sep else _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    problems: list[tuple[int, str]] = []
    entries: list = []
    try:
        header = next((row for row in reader if any(c.strip() for c in row)), [])
        if sep:  # that was Excel's "sep=;" line: the header is the next non-blank row
            header = next((row for row in reader if any(c.strip() for c in row)), [])
        header_line = max(reader.line_num, 1)
        index, named, header_problems = header_index(header, columns=columns, required=required)
        if header_problems:
            problems.append((header_line, "; ".join(header_problems)))
        ended = reader.line_num
        for row in reader:
            line, ended = ended + 1, reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            # cells under no header name (Excel's trailing separators are empty: no problem)
            stray = [i + 1 for i, cell in enumerate(row) if cell.strip() and i not in named]
            cells = {name: row[i] if i < len(row) else "" for name, i in index.items()}
            entry, reasons = entry_from_cells(cells, source=source, line=line, today=today)
            if stray:
                reasons.append(f"value(s) in column(s) {', '.join(map(str, stray))}, which the "
                               "header does not name (quote a note that holds the separator)")
            if reasons:
                problems.append((line, "; ".join(reasons)))
            elif entry is not None:
                entries.append(entry)
    except csv.Error as e:
        problems.append((reader.line_num, f"cannot be read as CSV: {e}"))
    if problems:
        raise error(source, problems)
    return entries
