"""The rehab-log commands: ``import_csv`` and ``add_entry`` validate, merge and store (shaped
like ``painlog.commands`` so one change, e.g. a faster append, applies to both)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import InputError, UsageError
from pipeline.painlog.commands import _file_bytes, local_today
from pipeline.rehab.merge import MergeResult, entries_from_frame, merged_entries, rehab_log_frame
from pipeline.rehab.parse import CLI_SOURCE, Entry, csv_text, entries_from_csv, entry_from_cells


def rehab_log(store: st.Store) -> pd.DataFrame:
    """The athlete's validated rehab log (``schemas.RehabLog`` plus ``source`` and ``line``)."""
    return st.read_rehab_log(store)


def _merge_into_store(store: st.Store, entries: list[Entry], *, source: str) -> MergeResult:
    # caller holds st.locked(store): read, merge and write are one step for other writers
    log, result = merged_entries(entries_from_frame(st.read_rehab_log(store)), entries,
                                 source=source)
    if result.changed:
        st.write_rehab_log(store, rehab_log_frame(log))
    return result


def import_csv(store: st.Store, path: Path | str, *, today: date | None = None,
               max_bytes: int = Thresholds().max_input_bytes) -> MergeResult:
    """Validate a rehab-log CSV and merge it; keep the file unchanged under
    ``raw/<athlete>/rehab``. Any invalid row raises ``RehabLogError`` and nothing is stored."""
    path = Path(path)
    source = str(path)
    data = _file_bytes(path, max_bytes=max_bytes)
    if not data.strip():
        raise InputError("is empty: expected a header row (at least date and exercise) and one "
                         "row per exercise", source=source)
    entries = entries_from_csv(csv_text(data, source=source), source=source,
                               today=today or local_today(store))
    raw = store.raw_rehab_path(hashlib.sha256(data).hexdigest(), path.name)
    with st.locked(store):
        if not raw.exists():  # raw inputs are never overwritten
            st.atomic_write_bytes(raw, data)
        result = _merge_into_store(store, entries, source=source)
    return replace(result, raw_copy=str(raw))


def add_entry(store: st.Store, *, date: date | str | None, exercise: str,
              sets: int | str | None = None, reps: int | str | None = None,
              load_kg: float | str | None = None, hold_s: float | str | None = None,
              pain: float | str | None = None, note: str | None = None,
              today: date | None = None) -> MergeResult:
    """Merge one entry (the same rules as an import; ``date`` defaults to the athlete's today);
    invalid values raise ``UsageError``."""

    def cell(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):  # exact and without an exponent, as the CSV rule wants
            return format(Decimal(value), "f")
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    today = today or local_today(store)
    cells = {"date": cell(date or today), "exercise": cell(exercise), "sets": cell(sets),
             "reps": cell(reps), "load_kg": cell(load_kg), "hold_s": cell(hold_s),
             "pain": cell(pain), "note": cell(note)}
    entry, problems = entry_from_cells(cells, source=CLI_SOURCE, line=None, today=today)
    if problems:
        raise UsageError("invalid rehab entry: " + "; ".join(problems))
    with st.locked(store):
        return _merge_into_store(store, [entry], source=CLI_SOURCE)
