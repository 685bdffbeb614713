"""``runload pain add`` without pandas: validate one entry and append it to the raw log of added
entries (``rawlog``); the next command that reads the pain log folds it in (``commands``).

The same key (date, context, time) as an earlier entry replaces it when folded, as an import's
does. Stored as the cells a CSV row would hold, normalised (``6.5``, ``yes``, ``07:05``), so a
rebuild reads them back through the same validation to the same entry.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline import rawlog
from pipeline.errors import DamagedStoreError, UsageError
from pipeline.files import locked
from pipeline.painlog.parse import CLI_SOURCE, COLUMNS, DEFAULT_CONTEXT, Entry, entry_from_cells
from pipeline.paths import Store
from pipeline.profile import profile_from_log, read_profile

LOG = "pain"  # the raw logs' name: log/pain_added.jsonl, log/pain_imports.jsonl


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


def entry_cells(entry: Entry) -> dict[str, str]:
    """The cells of the CSV row that reads back as ``entry``."""
    return {"date": entry.date.isoformat(), "context": entry.context,
            "pain": cell_text(entry.pain_0_10), "time": entry.time or "",
            "weakness": cell_text(entry.weakness), "rehab": cell_text(entry.rehab),
            "compression": cell_text(entry.compression), "note": entry.note or "",
            "activity": getattr(entry, "activity", None) or ""}


def added_entry(cells: dict[str, str]) -> Entry | None:
    """The entry a logged row holds (None if it no longer validates: it is left out, not
    guessed). No date bound: it was checked when added."""
    entry, problems = entry_from_cells({c: cells.get(c, "") for c in COLUMNS},
                                       source=CLI_SOURCE, line=None, today=date.max)
    return None if problems else entry


def record_entry(
    store: Store,
    *,
    date: date | str,
    pain: float | str,
    context: str | None = DEFAULT_CONTEXT,
    time: str | None = None,
    weakness: bool | None = False,
    rehab: bool | None = False,
    compression: bool | None = False,
    note: str | None = None,
    activity: str | None = None,
    today: date | None = None,
) -> Entry:
    """Validate one entry and append it (fsynced) to the raw log; invalid values raise
    ``UsageError`` and nothing is written. Holds the athlete's write lock while appending."""
    cells = {"date": cell_text(date), "pain": cell_text(pain), "context": cell_text(context),
             "time": cell_text(time), "weakness": cell_text(weakness),
             "rehab": cell_text(rehab), "compression": cell_text(compression),
             "note": cell_text(note), "activity": cell_text(activity)}
    entry, problems = entry_from_cells(cells, source=CLI_SOURCE, line=None,
                                       today=today or local_today(store))
    if problems:
        raise UsageError("invalid pain entry: " + "; ".join(problems))
    with locked(store):
        rawlog.append_added(store, LOG, entry_cells(entry))
    return entry


def recorded_text(entry: Entry) -> str:
    """``pain add``'s one line: what was recorded and what it replaces."""
    return (f"recorded pain {cell_text(entry.pain_0_10)} for {entry.label()} "
            "(it replaces any earlier entry of that date, context and time)")


def recorded_summary(store: Store, entry: Entry) -> dict:
    """``pain add --json``: the entry recorded and the raw log holding it."""
    return {"recorded": {**entry_cells(entry), "pain": entry.pain_0_10},
            "log": str(store.added_log_path(LOG))}
