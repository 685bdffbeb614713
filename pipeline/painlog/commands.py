"""The pain-log commands: ``import_csv`` and ``add_entry`` validate, merge and store (the only
part of the pain log that touches the disk, and only through ``pipeline.store``)."""

from __future__ import annotations

import hashlib
import stat
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import rawlog
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import InputError, PainLogError, StoreLockedError
from pipeline.painlog.add import LOG, added_entry, entry_cells, local_today, record_entry
from pipeline.painlog.merge import MergeResult, entries_from_frame, merged_entries, pain_log_frame
from pipeline.painlog.parse import CLI_SOURCE, Entry, csv_text, entries_from_csv

# --- the pain log, with the entries added on the command line folded in --------------------


def pain_log(store: st.Store) -> pd.DataFrame:
    """The athlete's validated pain log (``schemas.PainLog`` plus ``source`` and ``line``),
    entries added on the command line included.

    Entries added since the last fold are folded into ``pain_log.parquet`` here when the store
    can be written; otherwise (another writer, a read-only folder) they are merged in memory.
    """
    if rawlog.added_size(store, LOG) > (st.folded_offset(store.pain_log_path) or 0):
        try:
            with st.locked(store):
                fold_added_entries(store)
        except (StoreLockedError, OSError):  # the view below is still complete
            stored = entries_from_frame(st.read_pain_log(store))
            log, _ = merged_entries(stored, _pending_entries(store, stored)[0],
                                    source=CLI_SOURCE)
            return pain_log_frame(log)
    return st.read_pain_log(store)


def fold_added_entries(store: st.Store) -> tuple[int, MergeResult | None]:
    """Fold the entries added since the last fold into ``pain_log.parquet`` (the caller holds
    ``st.locked``); the log offset now folded, and what changed (None: nothing was pending)."""
    stored = entries_from_frame(st.read_pain_log(store))
    entries, offset, end = _pending_entries(store, stored)
    if end == offset:
        return offset, None
    log, result = merged_entries(stored, entries, source=CLI_SOURCE)
    st.write_pain_log(store, pain_log_frame(log), folded_offset=end)
    return end, result


def _pending_entries(store: st.Store, stored: list[Entry]) -> tuple[list[Entry], int, int]:
    """The added entries not folded yet, the offset they start at and the one after them."""
    offset = st.folded_offset(store.pain_log_path)
    if offset is None or offset > rawlog.added_size(store, LOG):  # older, or its log lost
        offset = _seeded_added_log(store, stored)
    cells, end = rawlog.added_since(store, LOG, offset)
    return [e for e in map(added_entry, cells) if e is not None], offset, end


def _seeded_added_log(store: st.Store, stored: list[Entry]) -> int:
    """The offset to fold from for a pain log written before the added log existed (or whose log
    was lost): its command-line entries are copied to the log first (else a rebuild would lose
    them)."""
    if rawlog.added_size(store, LOG):
        return 0  # the log exists: fold all of it again (merging an entry twice changes nothing)
    for entry in stored:
        if entry.source == CLI_SOURCE:
            rawlog.append_added(store, LOG, entry_cells(entry))
    return rawlog.added_size(store, LOG)


def _merge_into_store(store: st.Store, entries: list[Entry], *, source: str) -> MergeResult:
    # caller holds st.locked(store): read, merge and write are one step for other writers;
    # entries added on the command line before this import are folded first (they came first)
    folded, _ = fold_added_entries(store)
    log, result = merged_entries(entries_from_frame(st.read_pain_log(store)), entries,
                                 source=source)
    if result.changed:
        st.write_pain_log(store, pain_log_frame(log), folded_offset=folded)
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
        # noted after the merge, when it changed the log: a rebuild replays the imports that
        # made a difference (an import that changed nothing then changes nothing when replayed;
        # `runload run` imports the inbox's CSVs again on every run)
        if result.changed:
            rawlog.record_import(store, LOG, raw, source)
    return replace(result, raw_copy=str(raw))


def add_entry(store: st.Store, **values) -> MergeResult:
    """Record one entry (``add.record_entry``: the same values, the same ``UsageError``) and fold
    it into the pain log at once; what the fold changed."""
    record_entry(store, **values)
    with st.locked(store):
        _, result = fold_added_entries(store)
    if result is None:  # another process folded it already: it is in the log unchanged
        result = MergeResult(source=CLI_SOURCE, rows=1, new=[], replaced=[], unchanged=1,
                             superseded=[], total=len(st.read_pain_log(store)))
    return result


# --- rebuilding pain_log.parquet from data/raw/ -----------------------------------------------


def rebuild_pain_log(store: st.Store) -> tuple[int, list[str]]:
    """Recreate ``pain_log.parquet`` from the raw logs (``rawlog.replayed_log``: the imported
    CSVs and the entries added on the command line, merged in the order they were made). The
    number of entries, and a line per raw file left out.

    The caller holds ``st.locked(store)``; nothing is written when the raw side holds no pain log.
    """

    def file_entries(data: bytes, source: str) -> list[Entry]:
        return entries_from_csv(csv_text(data, source=source), source=source, today=date.max)

    def merged(log: list[Entry], entries: list[Entry], source: str) -> list[Entry]:
        return merged_entries(log, entries, source=source)[0]

    log, folded, problems = rawlog.replayed_log(
        store, LOG, raw_dir=store.raw_pain_dir, file_entries=file_entries,
        added_entry=added_entry, merged=merged, cli_source=CLI_SOURCE,
        errors=(InputError, PainLogError))
    if log or folded:
        st.write_pain_log(store, pain_log_frame(log), folded_offset=folded)
    return len(log), problems


def import_names(pain_log: pd.DataFrame) -> dict[str, str]:
    """The name each imported CSV was given (by the name its raw copy is kept under), from a pain
    log's ``source`` column."""
    sources = pain_log["source"].dropna().unique() if "source" in pain_log else []
    return {st.safe_name(s): s for s in sources if s != CLI_SOURCE}
