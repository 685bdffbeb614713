"""The pain-log commands: ``import_csv`` and ``add_entry`` validate, merge and store (the only
part of the pain log that touches the disk, and only through ``pipeline.store``). The steps are
the rehab log's too (``pipeline.entrylog.stored``); ``PAIN_LOG`` names the pain log's own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.entrylog import stored
from pipeline.errors import PainLogError
from pipeline.painlog.add import LOG, added_entry, entry_cells, local_today, record_entry
from pipeline.painlog.merge import MergeResult, entries_from_frame, merged_entries, pain_log_frame
from pipeline.painlog.parse import CLI_SOURCE, csv_text, entries_from_csv

__all__ = ["PAIN_LOG", "add_entry", "fold_added_entries", "import_csv", "import_names",
           "local_today", "pain_log", "rebuild_pain_log"]


PAIN_LOG = stored.StoredLog(
    name=LOG, cli_source=CLI_SOURCE, path=lambda store: store.pain_log_path,
    read=st.read_pain_log, write=st.write_pain_log, frame=pain_log_frame,
    entries_from_frame=entries_from_frame, merged_entries=merged_entries,
    added_entry=added_entry, entry_cells=entry_cells, csv_text=csv_text,
    entries_from_csv=entries_from_csv,
    raw_path=lambda store, sha256, name: store.raw_pain_path(sha256, name),
    raw_dir=lambda store: store.raw_pain_dir, errors=(PainLogError,), result=MergeResult)


def pain_log(store: st.Store) -> pd.DataFrame:
    """The athlete's validated pain log (``schemas.PainLog`` plus ``source`` and ``line``),
    entries added on the command line included (folded into ``pain_log.parquet`` when the store
    can be written, else merged in memory)."""
    return stored.log_with_added(PAIN_LOG, store)


def fold_added_entries(store: st.Store) -> tuple[int, MergeResult | None]:
    """Fold the entries added since the last fold into ``pain_log.parquet`` (the caller holds
    ``st.locked``); the log offset now folded, and what changed (None: nothing was pending)."""
    return stored.fold_added_entries(PAIN_LOG, store)


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
    return stored.imported_csv(PAIN_LOG, store, path, today=today, max_bytes=max_bytes)


def add_entry(store: st.Store, **values) -> MergeResult:
    """Record one entry (``add.record_entry``: the same values, the same ``UsageError``) and fold
    it into the pain log at once; what the fold changed."""
    record_entry(store, **values)
    return stored.folded_entry(PAIN_LOG, store)


def rebuild_pain_log(store: st.Store) -> tuple[int, list[str]]:
    """Recreate ``pain_log.parquet`` from the raw logs (the imported CSVs and the entries added
    on the command line, merged in the order they were made). The number of entries, and a line
    per raw file left out.

    The caller holds ``st.locked(store)``; nothing is written when the raw side holds no pain log.
    """
    return stored.rebuilt_log(PAIN_LOG, store)


def import_names(pain_log: pd.DataFrame) -> dict[str, str]:
    """The name each imported CSV was given (by the name its raw copy is kept under), from a pain
    log's ``source`` column."""
    return stored.import_names(pain_log, cli_source=CLI_SOURCE)
