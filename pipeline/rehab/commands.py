"""The rehab-log commands: ``import_csv`` and ``add_entry`` validate, merge and store (shaped
like ``painlog.commands`` so one change, e.g. a faster append, applies to both)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import rawlog
from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.errors import InputError, RehabLogError, StoreLockedError
from pipeline.painlog.commands import _file_bytes, local_today
from pipeline.rehab.add import LOG, added_entry, entry_cells, record_entry
from pipeline.rehab.merge import MergeResult, entries_from_frame, merged_entries, rehab_log_frame
from pipeline.rehab.parse import CLI_SOURCE, Entry, csv_text, entries_from_csv

# --- the rehab log, with the entries added on the command line folded in -------------------


def rehab_log(store: st.Store) -> pd.DataFrame:
    """The athlete's validated rehab log (``schemas.RehabLog`` plus ``source`` and ``line``),
    entries added on the command line included.

    Entries added since the last fold are folded into ``rehab_log.parquet`` here when the store
    can be written; otherwise (another writer, a read-only folder) they are merged in memory.
    """
    if rawlog.added_size(store, LOG) > (st.folded_offset(store.rehab_log_path) or 0):
        try:
            with st.locked(store):
                fold_added_entries(store)
        except (StoreLockedError, OSError):  # the view below is still complete
            stored = entries_from_frame(st.read_rehab_log(store))
            log, _ = merged_entries(stored, _pending_entries(store, stored)[0],
                                    source=CLI_SOURCE)
            return rehab_log_frame(log)
    return st.read_rehab_log(store)


def fold_added_entries(store: st.Store) -> tuple[int, MergeResult | None]:
    """Fold the entries added since the last fold into ``rehab_log.parquet`` (the caller holds
    ``st.locked``); the log offset now folded, and what changed (None: nothing was pending)."""
    stored = entries_from_frame(st.read_rehab_log(store))
    entries, offset, end = _pending_entries(store, stored)
    if end == offset:
        return offset, None
    log, result = merged_entries(stored, entries, source=CLI_SOURCE)
    st.write_rehab_log(store, rehab_log_frame(log), folded_offset=end)
    return end, result


def _pending_entries(store: st.Store, stored: list[Entry]) -> tuple[list[Entry], int, int]:
    """The added entries not folded yet, the offset they start at and the one after them."""
    offset = st.folded_offset(store.rehab_log_path)
    if offset is None or offset > rawlog.added_size(store, LOG):  # older, or its log lost
        offset = _seeded_added_log(store, stored)
    cells, end = rawlog.added_since(store, LOG, offset)
    return [e for e in map(added_entry, cells) if e is not None], offset, end


def _seeded_added_log(store: st.Store, stored: list[Entry]) -> int:
    """The offset to fold from for a rehab log written before the added log existed (or whose
    log was lost): its command-line entries are copied to the log first (else a rebuild would
    lose them)."""
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
    log, result = merged_entries(entries_from_frame(st.read_rehab_log(store)), entries,
                                 source=source)
    if result.changed:
        st.write_rehab_log(store, rehab_log_frame(log), folded_offset=folded)
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
        # noted when the merge changed the log, as the pain log does: an import that changed
        # nothing changes nothing when replayed (`runload run` imports the inbox on every run)
        if result.changed:
            rawlog.record_import(store, LOG, raw, source)
    return replace(result, raw_copy=str(raw))


def add_entry(store: st.Store, **values) -> MergeResult:
    """Record one entry (``add.record_entry``: the same values, the same ``UsageError``; ``date``
    defaults to the athlete's today) and fold it into the rehab log at once; what the fold
    changed."""
    record_entry(store, **values)
    with st.locked(store):
        _, result = fold_added_entries(store)
    if result is None:  # another process folded it already: it is in the log unchanged
        result = MergeResult(source=CLI_SOURCE, rows=1, unchanged=1,
                             total=len(st.read_rehab_log(store)))
    return result


# --- rebuilding rehab_log.parquet from data/raw/ ----------------------------------------------


def rebuild_rehab_log(store: st.Store) -> tuple[int, list[str]]:
    """Recreate ``rehab_log.parquet`` from the raw logs (``rawlog.replayed_log``: the imported
    CSVs and the entries added on the command line, merged in the order they were made). The
    number of entries, and a line per raw file left out.

    The caller holds ``st.locked(store)``; nothing is written when the raw side holds no rehab
    log.
    """

    def file_entries(data: bytes, source: str) -> list[Entry]:
        return entries_from_csv(csv_text(data, source=source), source=source, today=date.max)

    def merged(log: list[Entry], entries: list[Entry], source: str) -> list[Entry]:
        return merged_entries(log, entries, source=source)[0]

    log, folded, problems = rawlog.replayed_log(
        store, LOG, raw_dir=store.raw_rehab_dir, file_entries=file_entries,
        added_entry=added_entry, merged=merged, cli_source=CLI_SOURCE,
        errors=(InputError, RehabLogError))
    if log or folded:
        st.write_rehab_log(store, rehab_log_frame(log), folded_offset=folded)
    return len(log), problems


def import_names(rehab_log: pd.DataFrame) -> dict[str, str]:
    """The name each imported CSV was given (by the name its raw copy is kept under), from a
    rehab log's ``source`` column."""
    sources = rehab_log["source"].dropna().unique() if "source" in rehab_log else []
    return {st.safe_name(s): s for s in sources if s != CLI_SOURCE}
