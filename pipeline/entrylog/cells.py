"""One entry added on the command line, as the cells of its log's CSV row (no pandas: the
one-line ``pain add`` and ``rehab add`` import this)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.errors import DamagedStoreError
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
