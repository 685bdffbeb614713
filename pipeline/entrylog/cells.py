"""One entry added on the command line, as the cells of its log's CSV row (no pandas: the
one-line ``pain add`` and ``rehab add`` import this)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline import rawlog
from pipeline.errors import DamagedStoreError, UsageError
from pipeline.files import locked
from pipeline.paths import Store
from pipeline.profile import profile_from_log, read_profile


def local_today(store: Store) -> date:
    """Today in the athlete's time zone (profile), else in this machine's time zone."""
    try:
        tz = read_profile(store).get("timezone")
    except DamagedStoreError:  # a damaged profile.json must not stop a pain entry
        tz = profile_from_log(store).get("timezone")
    if tz:
        try:
            return datetime.now(ZoneInfo(tz)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return date.today()


def cell_text(value) -> str:
    """A value as the text of a CSV cell: booleans yes/no, floats exact without an exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):  # exact and without an exponent, as the CSV rule wants
        return format(Decimal(value), "f")
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def added_entry(cells: dict[str, str], *, columns: tuple[str, ...],
                entry_from_cells: Callable, cli_source: str):
    """The entry a logged row holds (None if it no longer validates: it is left out, not
    guessed). No date bound: it was checked when added."""
    entry, problems = entry_from_cells({c: cells.get(c, "") for c in columns},
                                       source=cli_source, line=None, today=date.max)
    return None if problems else entry


def recorded_entry(store: Store, cells: dict[str, str], *, log: str, kind: str, today: date,
                   entry_from_cells: Callable, entry_cells: Callable, cli_source: str):
    """Validate one entry given as its CSV cells and append it (fsynced) to the raw log ``log``
    under the athlete's write lock; invalid values raise ``UsageError`` ("invalid ``kind``
    entry: ...") and nothing is written."""
    entry, problems = entry_from_cells(cells, source=cli_source, line=None, today=today)
    if problems:
        raise UsageError(f"invalid {kind} entry: " + "; ".join(problems))
    with locked(store):
        rawlog.append_added(store, log, entry_cells(entry))
    return entry
