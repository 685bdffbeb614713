"""``runload pain add`` without pandas: validate one entry and append it to the raw log of added
entries (``rawlog``); the next command that reads the pain log folds it in (``commands``).

The same key (date, context, time) as an earlier entry replaces it when folded, as an import's
does. Stored as the cells a CSV row would hold, normalised (``6.5``, ``yes``, ``07:05``), so a
rebuild reads them back through the same validation to the same entry.
"""

from __future__ import annotations

from datetime import date

from pipeline.entrylog import cells as cells_mod
from pipeline.entrylog.cells import cell_text, local_today
from pipeline.painlog.parse import CLI_SOURCE, COLUMNS, DEFAULT_CONTEXT, Entry, entry_from_cells
from pipeline.paths import Store

LOG = "pain"  # the raw logs' name: log/pain_added.jsonl, log/pain_imports.jsonl
__all__ = ["LOG", "added_entry", "cell_text", "entry_cells", "local_today", "record_entry",
           "recorded_summary", "recorded_text"]


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
    return cells_mod.added_entry(cells, columns=COLUMNS, entry_from_cells=entry_from_cells,
                                 cli_source=CLI_SOURCE)


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
    return cells_mod.recorded_entry(store, cells, log=LOG, kind="pain",
                                    today=today or local_today(store),
                                    entry_from_cells=entry_from_cells, entry_cells=entry_cells,
                                    cli_source=CLI_SOURCE)


def recorded_text(entry: Entry) -> str:
    """``pain add``'s one line: what was recorded and what it replaces."""
    return (f"recorded pain {cell_text(entry.pain_0_10)} for {entry.label()} "
            "(it replaces any earlier entry of that date, context and time)")


def recorded_summary(store: Store, entry: Entry) -> dict:
    """``pain add --json``: the entry recorded and the raw log holding it."""
    return {"recorded": {**entry_cells(entry), "pain": entry.pain_0_10},
            "log": str(store.added_log_path(LOG))}
