"""The pain-log commands: ``import_csv`` and ``add_entry`` validate, merge and store (the only
part of the pain log that touches the disk, and only through ``pipeline.store``)."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import InputError, UsageError
from pipeline.painlog.merge import MergeResult, entries_from_frame, merged_entries, pain_log_frame
from pipeline.painlog.parse import (
    CLI_SOURCE,
    DEFAULT_CONTEXT,
    Entry,
    csv_text,
    entries_from_csv,
    entry_from_cells,
)

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
    activity: str | None = None,
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
             "compression": cell(compression), "note": cell(note), "activity": cell(activity)}
    entry, problems = entry_from_cells(cells, source=CLI_SOURCE, line=None,
                                       today=today or local_today(store))
    if problems:
        raise UsageError("invalid pain entry: " + "; ".join(problems))
    with st.locked(store):
        return _merge_into_store(store, [entry], source=CLI_SOURCE)
