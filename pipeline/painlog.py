"""The pain log: validate a pain-log CSV or one ``pain add`` entry and merge it into the store.

Parsing and merging are pure (text in, entries out; entries in, entries out). Only
``import_csv`` and ``add_entry`` touch the disk, and only through ``pipeline.store``. The log
holds one entry per (date, context, time); a later entry for the same key replaces the earlier
one. Cells are data, never formulas: a note such as ``=1+1`` is stored as that text.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import re
import stat
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import InputError, PainLogError, UsageError
from pipeline.schemas import PAIN_CONTEXTS

COLUMNS = ("date", "context", "pain", "time", "weakness", "rehab", "compression", "note")
REQUIRED = ("date", "pain")
FLAGS = ("weakness", "rehab", "compression")
TRUE_WORDS = frozenset({"yes", "y", "true", "1"})
FALSE_WORDS = frozenset({"no", "n", "false", "0"})
DEFAULT_CONTEXT = "daily"
CLI_SOURCE = "cli"

# [0-9], not \d: \d also matches other scripts' digits, which the contract does not allow.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_EXCEL_SEP = re.compile(r"sep=([,;])")


@dataclass(frozen=True)
class Entry:
    """One validated pain entry. ``pain_0_10`` is on the 0-10 scale; ``time`` is local HH:MM;
    ``line`` is the entry's first physical line in ``source`` (None when added on the CLI)."""

    date: date
    context: str
    pain_0_10: float
    time: str | None
    weakness: bool | None
    rehab: bool | None
    compression: bool | None
    note: str | None
    source: str
    line: int | None = None

    @property
    def key(self) -> tuple[date, str, str | None]:
        return (self.date, self.context, self.time)

    @property
    def values(self) -> tuple:
        """What a re-import compares: equal values mean the entry is unchanged."""
        return (self.pain_0_10, self.weakness, self.rehab, self.compression, self.note)

    def label(self) -> str:
        return f"{self.date.isoformat()} {self.context}" + (f" {self.time}" if self.time else "")


# --- one cell -> one value (each raises ValueError with the reason a user can act on) --------


def _shown(cell: str) -> str:
    # repr: control characters in a bad cell cannot reach the terminal raw
    return repr(cell if len(cell) <= 40 else cell[:37] + "...")


def parsed_pain(cell: str) -> float:
    """Pain on the 0-10 scale from a plain decimal number ('.' or a single ',' as decimal mark)."""
    text = cell.strip()
    if not text:
        raise ValueError("pain is missing")
    number = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    if not _NUMBER.fullmatch(number):
        raise ValueError(f"pain {_shown(text)} is not a number from 0 to 10")
    value = float(number) + 0.0  # + 0.0 turns -0 into 0
    if not 0 <= value <= 10:
        raise ValueError(f"pain {_shown(text)} is outside 0-10")
    return value


def parsed_date(cell: str, *, today: date) -> date:
    """The athlete's local date from ``YYYY-MM-DD``; not later than ``today``."""
    text = cell.strip()
    if not text:
        raise ValueError("date is missing")
    if not _DATE.fullmatch(text):
        raise ValueError(f"date {_shown(text)} is not an ISO date YYYY-MM-DD")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {_shown(text)} does not exist (YYYY-MM-DD)") from None
    if day > today:
        raise ValueError(f"date {text} is in the future (today is {today.isoformat()})")
    return day


def parsed_context(cell: str) -> str:
    """One of ``PAIN_CONTEXTS``; empty means ``daily``; case, spaces and '-' are forgiven."""
    text = cell.strip()
    context = text.lower().replace(" ", "_").replace("-", "_")
    if not context:
        return DEFAULT_CONTEXT
    if context not in PAIN_CONTEXTS:
        raise ValueError(f"unknown context {_shown(text)} (valid: {', '.join(PAIN_CONTEXTS)})")
    return context


def parsed_time(cell: str) -> str | None:
    """Local time as ``HH:MM`` (``7:05`` becomes ``07:05``); None when empty."""
    text = cell.strip()
    if not text:
        return None
    match = _TIME.fullmatch(text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"time {_shown(text)} is not a time HH:MM (00:00 to 23:59)")
    return f"{int(match[1]):02d}:{match[2]}"


def parsed_flag(column: str, cell: str) -> bool | None:
    """yes/no, true/false, 1/0, y/n in any case; None (unknown) when empty."""
    word = cell.strip().lower()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(
        f"{column} {_shown(cell.strip())} is not yes or no "
        "(accepted: yes/no, true/false, 1/0, y/n, or empty for unknown)"
    )


def parsed_note(cell: str) -> str | None:
    """Free text, kept as written (stripped); never evaluated. None when empty."""
    return cell.strip() or None


def entry_from_cells(
    cells: dict[str, str], *, source: str, line: int | None, today: date
) -> tuple[Entry | None, list[str]]:
    """The entry of one row (column -> cell text) and every reason it is invalid.

    A required column absent from ``cells`` gives no entry but no reason either: the header's
    error says it once for the whole file.
    """
    parsers = {
        "date": partial(parsed_date, today=today),
        "context": parsed_context,
        "pain": parsed_pain,
        "time": parsed_time,
        **{flag: partial(parsed_flag, flag) for flag in FLAGS},
        "note": parsed_note,
    }
    values, problems = {}, []
    for column, parse in parsers.items():
        if column in REQUIRED and column not in cells:
            continue
        try:
            values[column] = parse(cells.get(column, ""))
        except ValueError as e:
            problems.append(str(e))
    if problems or any(column not in cells for column in REQUIRED):
        return None, problems
    entry = Entry(
        date=values["date"], context=values["context"], pain_0_10=values["pain"],
        time=values["time"], weakness=values["weakness"], rehab=values["rehab"],
        compression=values["compression"], note=values["note"], source=source, line=line,
    )
    return entry, []


# --- a whole CSV ---------------------------------------------------------------------------


def csv_text(data: bytes, *, source: str) -> str:
    """The file's text: UTF-8 with or without a byte-order mark; anything else is refused."""
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
        raise InputError("is empty: expected a header row (at least date and pain) and one "
                         "row per entry", source=source)
    return text


def _header(cells: list[str]) -> tuple[dict[str, int], set[int], list[str]]:
    """Known column name -> its index, the indexes of every named column, and the header's
    problems (unknown, repeated, missing)."""
    names = [c.strip().lower() for c in cells]
    index, problems = {}, []
    unknown = [n for n in names if n and n not in COLUMNS]
    for name in unknown:
        close = difflib.get_close_matches(name, COLUMNS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"unknown column {_shown(name)}{hint}; the columns are: "
                        f"{', '.join(COLUMNS)}")
    for i, name in enumerate(names):
        if name in COLUMNS:
            if name in index:
                problems.append(f"column {name!r} appears more than once")
            index.setdefault(name, i)
    missing = [c for c in REQUIRED if c not in index]
    if missing:
        problems.append(f"missing required column(s): {', '.join(missing)} "
                        f"(the header has: {', '.join(n for n in names if n) or 'nothing'})")
    return index, {i for i, name in enumerate(names) if name}, problems


def _delimiter(first_line: str) -> str:
    """';' when the header line has more semicolons than commas, else ','."""
    return ";" if first_line.count(";") > first_line.count(",") else ","


def entries_from_csv(text: str, *, source: str, today: date) -> list[Entry]:
    """Every row of a pain-log CSV as an entry, in file order.

    Raises ``PainLogError`` listing (line, reason) for every problem, the header's at line 1.
    Lines are physical lines (a quoted note may span several; its row starts where it starts).
    Blank rows are skipped; a short row's missing cells are empty.
    """
    first_line = next(line for line in text.splitlines() if line.strip())  # text is not blank
    sep = _EXCEL_SEP.fullmatch(first_line.strip())  # Excel's "sep=;" line before the header
    delimiter = sep[1] if sep else _delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    problems: list[tuple[int, str]] = []
    entries: list[Entry] = []
    try:
        header = next((row for row in reader if any(c.strip() for c in row)), [])
        if sep:  # that was Excel's "sep=;" line: the header is the next non-blank row
            header = next((row for row in reader if any(c.strip() for c in row)), [])
        header_line = max(reader.line_num, 1)
        index, named, header_problems = _header(header)
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
        raise PainLogError(source, problems)
    return entries


# --- entries <-> the stored frame ------------------------------------------------------------


def pain_log_frame(entries: list[Entry]) -> pd.DataFrame:
    """Entries as a ``schemas.PainLog`` frame plus ``source`` and ``line`` (where each is from)."""

    def column(attr: str, dtype: str) -> pd.Series:
        return pd.Series([getattr(e, attr) for e in entries], dtype=dtype)

    return pd.DataFrame(
        {
            "date": pd.Series([pd.Timestamp(e.date) for e in entries], dtype="datetime64[us]"),
            "context": column("context", "str"),
            "pain_0_10": column("pain_0_10", "float64"),
            "time": column("time", "str"),
            **{flag: column(flag, "boolean") for flag in FLAGS},
            "note": column("note", "str"),
            "source": column("source", "str"),
            "line": column("line", "Int64"),
        }
    )


def entries_from_frame(pain_log: pd.DataFrame) -> list[Entry]:
    """The stored frame's rows as entries (columns missing from an older file become None)."""

    def value(row: dict, name: str):
        v = row.get(name)
        return None if v is None or pd.isna(v) else v

    entries = []
    for row in pain_log.to_dict("records"):
        flags = {flag: None if value(row, flag) is None else bool(row[flag]) for flag in FLAGS}
        line = value(row, "line")
        entries.append(Entry(
            date=pd.Timestamp(row["date"]).date(), context=str(row["context"]),
            pain_0_10=float(row["pain_0_10"]), time=value(row, "time"), **flags,
            note=value(row, "note"), source=value(row, "source") or "unknown",
            line=None if line is None else int(line),
        ))
    return entries


def _order(entry: Entry) -> tuple:
    return (entry.date, PAIN_CONTEXTS.index(entry.context), entry.time or "")


def _changes(old: Entry, new: Entry) -> list[str]:
    """What differs between two entries of one key, e.g. ``["pain 2 -> 5", "note changed"]``."""
    def shown(flag: bool | None) -> str:
        return "unknown" if flag is None else ("yes" if flag else "no")

    changes = [f"pain {old.pain_0_10:g} -> {new.pain_0_10:g}"] * (old.pain_0_10 != new.pain_0_10)
    changes += [f"{flag} {shown(getattr(old, flag))} -> {shown(getattr(new, flag))}"
                for flag in FLAGS if getattr(old, flag) != getattr(new, flag)]
    return changes + ["note changed"] * (old.note != new.note)


@dataclass(frozen=True)
class MergeResult:
    """What a merge did. ``replaced`` holds (earlier, later) entries of the same key;
    ``superseded`` the same for two rows of one input (the later row is kept)."""

    source: str
    rows: int
    new: list[Entry] = field(default_factory=list)
    replaced: list[tuple[Entry, Entry]] = field(default_factory=list)
    unchanged: int = 0
    superseded: list[tuple[Entry, Entry]] = field(default_factory=list)
    total: int = 0
    raw_copy: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.new or self.replaced)

    def as_dict(self) -> dict:
        def key(e: Entry) -> dict:
            return {"date": e.date.isoformat(), "context": e.context, "time": e.time}

        return {
            "source": self.source,
            "raw_copy": self.raw_copy,
            "rows": self.rows,
            "new": len(self.new),
            "replaced": len(self.replaced),
            "unchanged": self.unchanged,
            "total_entries": self.total,
            "replaced_entries": [
                {**key(new), "pain_before": old.pain_0_10, "pain_after": new.pain_0_10,
                 "changes": _changes(old, new), "source_before": old.source, "line": new.line}
                for old, new in self.replaced
            ],
            "superseded_in_input": [
                {**key(new), "line": old.line, "replaced_by_line": new.line}
                for old, new in self.superseded
            ],
        }

    def text(self) -> str:
        entries = self.rows - len(self.superseded)
        source = "the command line" if self.source == CLI_SOURCE else self.source
        lines = [
            f"merged {entries} {'entry' if entries == 1 else 'entries'} from {source}: "
            f"{len(self.new)} new, {len(self.replaced)} replaced earlier ones, "
            f"{self.unchanged} unchanged (the pain log holds {self.total})"
        ]
        for old, new in self.replaced:
            where = f" (line {new.line})" if new.line else ""
            lines.append(f"  replaced {new.label()}{where}: {', '.join(_changes(old, new))}"
                         f" (the earlier entry came from {old.source})")
        for old, new in self.superseded:
            lines.append(f"  line {new.line} replaces line {old.line} ({new.label()})")
        return "\n".join(lines)


def merged_entries(stored: list[Entry], incoming: list[Entry], *, source: str) -> tuple[
    list[Entry], MergeResult
]:
    """The log after merging ``incoming`` (later wins per key) and what changed, sorted."""
    latest: dict[tuple, Entry] = {}
    superseded = []
    for entry in incoming:
        if entry.key in latest:
            superseded.append((latest[entry.key], entry))
        latest[entry.key] = entry
    by_key = {e.key: e for e in stored}
    new, replaced, unchanged = [], [], 0
    for key, entry in latest.items():
        old = by_key.get(key)
        if old is None:
            new.append(entry)
        elif old.values == entry.values:
            unchanged += 1
            continue  # keep the stored row as it is (its source and line too)
        else:
            replaced.append((old, entry))
        by_key[key] = entry
    log = sorted(by_key.values(), key=_order)
    result = MergeResult(source=source, rows=len(incoming), new=new, replaced=replaced,
                         unchanged=unchanged, superseded=superseded, total=len(log))
    return log, result


# --- the commands ----------------------------------------------------------------------------


def pain_log(store: st.Store) -> pd.DataFrame:
    """The athlete's validated pain log (``schemas.PainLog`` plus ``source`` and ``line``)."""
    return st.read_pain_log(store)


def local_today(store: st.Store) -> date:
    """Today in the athlete's time zone (profile), else in this machine's time zone."""
    tz = st.read_profile(store).get("timezone")
    if tz:
        try:
            return datetime.now(ZoneInfo(tz)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return date.today()


def _merge_into_store(store: st.Store, entries: list[Entry], *, source: str) -> MergeResult:
    # caller holds st.locked(store): read, merge and write are one step for other writers
    log, result = merged_entries(entries_from_frame(st.read_pain_log(store)), entries,
                                 source=source)
    if result.changed:
        st.write_pain_log(store, pain_log_frame(log))
    return result


def _file_bytes(path: Path, *, max_bytes: int) -> bytes:
    source = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("no such file", source=source) from None
    except OSError as e:
        raise InputError(f"cannot be read: {e.strerror}", source=source) from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError("is a folder, not a CSV file", source=source)
    if not stat.S_ISREG(info.st_mode):
        raise InputError("is not a regular file", source=source)
    if info.st_size > max_bytes:
        raise InputError(f"is too large for a pain log ({info.st_size} bytes, limit "
                         f"{max_bytes})", source=source)
    try:
        return path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot be read: {e.strerror}", source=source) from None


def import_csv(
    store: st.Store,
    path: Path | str,
    *,
    today: date | None = None,
    max_bytes: int = Thresholds().max_input_bytes,
) -> MergeResult:
    """Validate a pain-log CSV and merge it; keep the file unchanged under ``raw/<athlete>/pain``.

    Any invalid row raises ``PainLogError`` (every row's line and reason) and nothing is stored.
    ``today`` (default: the athlete's local date) bounds the dates.
    """
    path = Path(path)
    source = str(path)
    data = _file_bytes(path, max_bytes=max_bytes)
    entries = entries_from_csv(csv_text(data, source=source), source=source,
                               today=today or local_today(store))
    raw = store.raw_pain_path(hashlib.sha256(data).hexdigest(), path.name)
    with st.locked(store):
        if not raw.exists():  # raw inputs are never overwritten
            st.atomic_write_bytes(raw, data)
        result = _merge_into_store(store, entries, source=source)
    return replace(result, raw_copy=str(raw))


def add_entry(
    store: st.Store,
    *,
    date: date | str,
    pain: float | str,
    context: str | None = DEFAULT_CONTEXT,
    time: str | None = None,
    weakness: bool | None = False,
    rehab: bool | None = False,
    compression: bool | None = False,
    note: str | None = None,
    today: date | None = None,
) -> MergeResult:
    """Merge one entry (the same rules as an import); invalid values raise ``UsageError``."""

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):  # exact and without an exponent, as the CSV rule wants
            return format(Decimal(value), "f")
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    cells = {"date": cell(date), "pain": cell(pain), "context": cell(context),
             "time": cell(time), "weakness": cell(weakness), "rehab": cell(rehab),
             "compression": cell(compression), "note": cell(note)}
    entry, problems = entry_from_cells(cells, source=CLI_SOURCE, line=None,
                                       today=today or local_today(store))
    if problems:
        raise UsageError("invalid pain entry: " + "; ".join(problems))
    with st.locked(store):
        return _merge_into_store(store, [entry], source=CLI_SOURCE)
