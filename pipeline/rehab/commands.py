"""The rehab-log commands: ``import_csv`` and ``add_entry`` validate, merge and store, through
the steps the pain log uses too (``pipeline.entrylog.stored``); ``REHAB_LOG`` names the rehab
log's own."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.entrylog import stored
from pipeline.errors import RehabLogError
from pipeline.rehab.add import LOG, added_entry, entry_cells, record_entry
from pipeline.rehab.merge import MergeResult, entries_from_frame, merged_entries, rehab_log_frame
from pipeline.rehab.parse import CLI_SOURCE, csv_text, entries_from_csv

__all__ = ["REHAB_LOG", "add_entry", "fold_added_entries", "import_csv", "import_names",
           "rebuild_rehab_log", "rehab_log"]


REHAB_LOG = stored.StoredLog(
    name=LOG, cli_source=CLI_SOURCE, path=lambda store: store.rehab_log_path,
    read=st.read_rehab_log, write=st.write_rehab_log, frame=rehab_log_frame,
    entries_from_frame=entries_from_frame, merged_entries=merged_entries,
    added_entry=added_entry, entry_cells=entry_cells, csv_text=csv_text,
    entries_from_csv=entries_from_csv,
    raw_path=lambda store, sha256, name: store.raw_rehab_path(sha256, name),
    raw_dir=lambda store: store.raw_rehab_dir, errors=(RehabLogError,), result=MergeResult)


def rehab_log(store: st.Store) -> pd.DataFrame:
    """The athlete's validated rehab log (``schemas.RehabLog`` plus ``source`` and ``line``),
    entries added on the command line included (folded into ``rehab_log.parquet`` when the
    store can be written, else merged in memory)."""
    return stored.log_with_added(REHAB_LOG, store)


def fold_added_entries(store: st.Store) -> tuple[int, MergeResult | None]:
    """Fold the entries added since the last fold into ``rehab_log.parquet`` (the caller holds
    ``st.locked``); the log offset now folded, and what changed (None: nothing was pending)."""
    return stored.fold_added_entries(REHAB_LOG, store)


def import_csv(store: st.Store, path: Path | str, *, today: date | None = None,
               max_bytes: int = Thresholds().max_input_bytes) -> MergeResult:
    """Validate a rehab-log CSV and merge it; keep the file unchanged under
    ``raw/<athlete>/rehab``. Any invalid row raises ``RehabLogError`` and nothing is stored."""
    return stored.imported_csv(REHAB_LOG, store, path, today=today, max_bytes=max_bytes)


def add_entry(store: st.Store, **values) -> MergeResult:
    """Record one entry (``add.record_entry``: the same values, the same ``UsageError``; ``date``
    defaults to the athlete's today) and fold it into the rehab log at once; what the fold
    changed."""
    record_entry(store, **values)
    return stored.folded_entry(REHAB_LOG, store)


def rebuild_rehab_log(store: st.Store) -> tuple[int, list[str]]:
    """Recreate ``rehab_log.parquet`` from the raw logs (the imported CSVs and the entries added
    on the command line, merged in the order they were made). The number of entries, and a
    line per raw file left out.

    The caller holds ``st.locked(store)``; nothing is written when the raw side holds no rehab
    log.
    """
    return stored.rebuilt_log(REHAB_LOG, store)


def import_names(rehab_log: pd.DataFrame) -> dict[str, str]:
    """The name each imported CSV was given (by the name its raw copy is kept under), from a
    rehab log's ``source`` column."""
    return stored.import_names(rehab_log, cli_source=CLI_SOURCE)
