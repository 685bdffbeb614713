"""A log's Parquet file with the entries added on the command line folded in, its CSV imports
and its rebuild from ``data/raw/`` (the disk only through ``pipeline.store`` and ``rawlog``).

``StoredLog`` names what differs between the logs (the pain log's and the rehab log's own
functions); the functions below are the steps they share.
"""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import rawlog
from pipeline import store as st
from pipeline.entrylog.cells import local_today
from pipeline.errors import InputError, StoreLockedError


@dataclass(frozen=True)
class StoredLog:
    """One log as the shared steps see it.

    ``name``: the raw logs' name (``log/<name>_added.jsonl``); ``path(store)`` its Parquet file,
    ``read(store)`` and ``write(store, frame, folded_offset=)`` it; ``frame(entries)`` and
    ``entries_from_frame(frame)`` convert; ``merged_entries(stored, incoming, source=)`` ->
    (log, result); ``added_entry(cells)`` / ``entry_cells(entry)`` read and write an added entry;
    ``csv_text(data, source=)`` and ``entries_from_csv(text, source=, today=)`` read an imported
    file (raising ``InputError`` or one of ``errors``);
    ``raw_path(store, sha256, name)`` and ``raw_dir(store)`` where imports are kept;
    ``result`` the log's merge result type.
    """

    name: str
    cli_source: str
    path: Callable[[st.Store], Path]
    read: Callable[[st.Store], pd.DataFrame]
    write: Callable[..., None]
    frame: Callable[[list], pd.DataFrame]
    entries_from_frame: Callable[[pd.DataFrame], list]
    merged_entries: Callable
    added_entry: Callable[[dict[str, str]], object]
    entry_cells: Callable[[object], dict[str, str]]
    csv_text: Callable[..., str]
    entries_from_csv: Callable[..., list]
    raw_path: Callable[[st.Store, str, str], Path]
    raw_dir: Callable[[st.Store], Path]
    errors: tuple[type[Exception], ...]
    result: type


def log_with_added(log: StoredLog, store: st.Store) -> pd.DataFrame:
    """The athlete's validated log, entries added on the command line included.

    Entries added since the last fold are folded into the Parquet file here when the store can
    be written; otherwise (another writer, a read-only folder) they are merged in memory.
    """
    if rawlog.added_size(store, log.name) > (st.folded_offset(log.path(store)) or 0):
        try:
            with st.locked(store):
                fold_added_entries(log, store)
        except (StoreLockedError, OSError):  # the view below is still complete
            stored = log.entries_from_frame(log.read(store))
            entries, _ = log.merged_entries(stored, _pending_entries(log, store, stored)[0],
                                            source=log.cli_source)
            return log.frame(entries)
    return log.read(store)


def fold_added_entries(log: StoredLog, store: st.Store) -> tuple[int, object | None]:
    """Fold the entries added since the last fold into the Parquet file (the caller holds
    ``st.locked``); the log offset now folded, and what changed (None: nothing was pending)."""
    stored = log.entries_from_frame(log.read(store))
    entries, offset, end = _pending_entries(log, store, stored)
    if end == offset:
        return offset, None
    merged, result = log.merged_entries(stored, entries, source=log.cli_source)
    log.write(store, log.frame(merged), folded_offset=end)
    return end, result


def _pending_entries(log: StoredLog, store: st.Store, stored: list) -> tuple[list, int, int]:
    """The added entries not folded yet, the offset they start at and the one after them."""
    offset = st.folded_offset(log.path(store))
    if offset is None or offset > rawlog.added_size(store, log.name):  # older, or its log lost
        offset = _seeded_added_log(log, store, stored)
    cells, end = rawlog.added_since(store, log.name, offset)
    return [e for e in map(log.added_entry, cells) if e is not None], offset, end


def _seeded_added_log(log: StoredLog, store: st.Store, stored: list) -> int:
    """The offset to fold from for a log written before the added log existed (or whose log was
    lost): its command-line entries are copied to the log first (else a rebuild would lose
    them)."""
    if rawlog.added_size(store, log.name):
        return 0  # the log exists: fold all of it again (merging an entry twice changes nothing)
    for entry in stored:
        if entry.source == log.cli_source:
            rawlog.append_added(store, log.name, log.entry_cells(entry))
    return rawlog.added_size(store, log.name)


def _merge_into_store(log: StoredLog, store: st.Store, entries: list, *, source: str):
    # caller holds st.locked(store): read, merge and write are one step for other writers;
    # entries added on the command line before this import are folded first (they came first)
    folded, _ = fold_added_entries(log, store)
    merged, result = log.merged_entries(log.entries_from_frame(log.read(store)), entries,
                                        source=source)
    if result.changed:
        log.write(store, log.frame(merged), folded_offset=folded)
    return result


def file_bytes(path: Path, *, max_bytes: int) -> bytes:
    """An imported file's bytes; ``InputError`` when it is missing, not a file or too large."""
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


def _file_entries(log: StoredLog, data: bytes, source: str, today: date) -> list:
    return log.entries_from_csv(log.csv_text(data, source=source), source=source, today=today)


def imported_csv(log: StoredLog, store: st.Store, path: Path | str, *, today: date | None,
                 max_bytes: int):
    """Validate a log's CSV and merge it, keeping the file unchanged under ``raw_dir``; what
    the merge changed. Any invalid row raises and nothing is stored."""
    path = Path(path)
    source = str(path)
    data = file_bytes(path, max_bytes=max_bytes)
    entries = _file_entries(log, data, source, today or local_today(store))
    raw = log.raw_path(store, hashlib.sha256(data).hexdigest(), path.name)
    with st.locked(store):
        if not raw.exists():  # raw inputs are never overwritten
            st.atomic_write_bytes(raw, data)
        result = _merge_into_store(log, store, entries, source=source)
        # noted after the merge, when it changed the log: a rebuild replays the imports that
        # made a difference (an import that changed nothing then changes nothing when replayed;
        # `runload run` imports the inbox's CSVs again on every run)
        if result.changed:
            rawlog.record_import(store, log.name, raw, source)
    return replace(result, raw_copy=str(raw))


def folded_entry(log: StoredLog, store: st.Store):
    """Fold an entry just recorded into the log at once; what the fold changed."""
    with st.locked(store):
        _, result = fold_added_entries(log, store)
    if result is None:  # another process folded it already: it is in the log unchanged
        result = log.result(source=log.cli_source, rows=1, unchanged=1,
                            total=len(log.read(store)))
    return result


def rebuilt_log(log: StoredLog, store: st.Store) -> tuple[int, list[str]]:
    """Recreate the Parquet file from the raw logs (``rawlog.replayed_log``: the imported CSVs
    and the entries added on the command line, merged in the order they were made). The number
    of entries, and a line per raw file left out.

    The caller holds ``st.locked(store)``; nothing is written when the raw side holds no log.
    """

    def file_entries(data: bytes, source: str) -> list:
        return _file_entries(log, data, source, date.max)

    def merged(entries: list, incoming: list, source: str) -> list:
        return log.merged_entries(entries, incoming, source=source)[0]

    entries, folded, problems = rawlog.replayed_log(
        store, log.name, raw_dir=log.raw_dir(store), file_entries=file_entries,
        added_entry=log.added_entry, merged=merged, cli_source=log.cli_source,
        errors=(InputError, *log.errors))
    if entries or folded:
        log.write(store, log.frame(entries), folded_offset=folded)
    return len(entries), problems


def import_names(frame: pd.DataFrame, *, cli_source: str) -> dict[str, str]:
    """The name each imported CSV was given (by the name its raw copy is kept under), from a
    log's ``source`` column."""
    sources = frame["source"].dropna().unique() if "source" in frame else []
    return {st.safe_name(s): s for s in sources if s != cli_source}
