"""``runload rehab add`` without pandas: validate one entry and append it to the raw log of added
entries (``rawlog``, ``log/rehab_added.jsonl``); the next command that reads the rehab log folds
it into ``rehab_log.parquet`` (``commands``).

Stored as the cells a CSV row would hold, normalised (``12``, ``0.5``), so a rebuild reads them
back through the same validation to the same entry, as ``pipeline.painlog.add`` does.
"""

from __future__ import annotations

from datetime import date

from pipeline.entrylog import cells as cells_mod
from pipeline.entrylog.cells import cell_text, local_today
from pipeline.paths import Store
from pipeline.rehab.catalogue import is_known
from pipeline.rehab.parse import CLI_SOURCE, COLUMNS, Entry, entry_from_cells

LOG = "rehab"  # the raw logs' name: log/rehab_added.jsonl, log/rehab_imports.jsonl


def entry_cells(entry: Entry) -> dict[str, str]:
    """The cells of the CSV row that reads back as ``entry``."""
    return {"date": entry.date.isoformat(), "exercise": entry.exercise,
            "sets": cell_text(entry.sets), "reps": cell_text(entry.reps),
            "load_kg": cell_text(entry.load_kg), "hold_s": cell_text(entry.hold_s),
            "pain": cell_text(entry.pain_0_10), "note": entry.note or ""}


def added_entry(cells: dict[str, str]) -> Entry | None:
    """The entry a logged row holds (None if it no longer validates: it is left out, not
    guessed). No date bound: it was checked when added."""
    return cells_mod.added_entry(cells, columns=COLUMNS, entry_from_cells=entry_from_cells,
                                 cli_source=CLI_SOURCE)


def record_entry(store: Store, *, date: date | str | None, exercise: str,
                 sets: int | str | None = None, reps: int | str | None = None,
                 load_kg: float | str | None = None, hold_s: float | str | None = None,
                 pain: float | str | None = None, note: str | None = None,
                 today: date | None = None) -> Entry:
    """Validate one entry (``date`` defaults to the athlete's today) and append it (fsynced) to
    the raw log under the athlete's write lock; invalid values raise ``UsageError`` and nothing
    is written."""
    today = today or local_today(store)
    cells = {"date": cell_text(date or today), "exercise": cell_text(exercise),
             "sets": cell_text(sets), "reps": cell_text(reps), "load_kg": cell_text(load_kg),
             "hold_s": cell_text(hold_s), "pain": cell_text(pain), "note": cell_text(note)}
    return cells_mod.recorded_entry(store, cells, log=LOG, kind="rehab", today=today,
                                    entry_from_cells=entry_from_cells, entry_cells=entry_cells,
                                    cli_source=CLI_SOURCE)


def recorded_text(entry: Entry) -> str:
    """``rehab add``'s lines: what was recorded, what it replaces, and an exercise the catalogue
    does not know (kept with stage unknown)."""
    line = (f"recorded rehab {entry.label()} (it replaces any earlier entry of that exercise "
            "and day)")
    if not is_known(entry.exercise):
        line += (f"\n  kept with stage unknown (not in the built-in catalogue): "
                 f"{entry.exercise}")
    return line


def recorded_summary(store: Store, entry: Entry) -> dict:
    """``rehab add --json``: the entry recorded, the raw log holding it, and whether the
    catalogue knows the exercise (``unknown_exercises`` as an import reports them)."""
    return {"recorded": entry_cells(entry), "log": str(store.added_log_path(LOG)),
            "unknown_exercises": [] if is_known(entry.exercise) else [entry.exercise]}
