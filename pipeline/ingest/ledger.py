"""The ingest ledger (``sources.parquet``) while an import runs, without a Python object per row.

What the import asks of it: was this input (name and bytes) imported before, was this file's
content seen before, and what became of it then (its name and activities, read back from the
file). The hashes and names are held in ``KeyIndex`` arrays; the rows recorded since the last
``write`` wait in memory and are then appended to the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import parquet_files as pf
from pipeline.ingest.keyindex import KeyIndex, ascii_keys, name_key
from pipeline.paths import Store

if TYPE_CHECKING:
    import pandas as pd


class Ledger:
    """The store's ledger rows, those written and those recorded since."""

    def __init__(self, store: Store):
        self._store = store
        # read without pandas: an import asks the ledger before its workers start
        groups = list(pf.source_row_groups(store, ["sha256", "source_file", "top_sha256",
                                                   "status"]))
        self._pending: list[dict] = []  # recorded since the last write
        self._ends: np.ndarray | None = None  # where each written row group ends
        self._cached: tuple[int, pd.DataFrame] | None = None  # the row group read last
        table = pa.concat_tables(groups) if groups else None
        if table is None or len(table) == 0:
            self._written = 0
            self._files, self._tops, self._names = KeyIndex(), KeyIndex(), KeyIndex()
            return
        self._written = len(table)
        shas, tops = ascii_keys(table["sha256"]), table["top_sha256"]
        # an input with a refused part is looked at again: the limits may have been raised since
        refused = pc.equal(table["status"], "refused").fill_null(False)
        retry = ascii_keys(pc.unique(tops.filter(refused).drop_null()))
        files = (shas != b"") & ~np.isin(shas, retry)
        self._files = KeyIndex(shas[files], np.flatnonzero(files))  # -> its first row
        tops = ascii_keys(tops.drop_null())
        self._tops = KeyIndex(tops[~np.isin(tops, retry)])
        self._names = KeyIndex(np.array([name_key(s).encode() for s in
                                         table["source_file"].to_pylist()], dtype="S32"))

    def imported(self, source: str, sha256: str) -> bool:
        """True when this very input (name and bytes) was imported before."""
        return self.has_name(source) and (sha256 in self._tops or sha256 in self._files)

    def has_name(self, source: str) -> bool:
        return name_key(source) in self._names

    def has_content(self, sha256: str) -> bool:
        """True when a file with these bytes was seen before (not counting retried refusals)."""
        return sha256 in self._files

    def first_with(self, sha256: str) -> tuple[str, list[str]]:
        """The name and activity ids of the first file seen with these bytes."""
        number = self._files.get(sha256)
        if number >= self._written:
            row = self._pending[number - self._written]
            return row["source_file"], list(row["activity_ids"])
        group, at = self._row_group_of(number)
        row = group.iloc[at]
        ids = row["activity_ids"]
        return row["source_file"], [] if ids is None else list(ids)

    def record(self, row: dict) -> None:
        """Add a ledger row (``sources_schema`` columns); written by the next ``write``."""
        number = self._written + len(self._pending)
        self._pending.append(row)
        if row["sha256"]:
            self._files.add(row["sha256"], number)
        self._names.add(name_key(row["source_file"]))

    def unwritten_sources_of(self, activity_id: str) -> list[str]:
        """The inputs recorded since the last write that produced ``activity_id``."""
        return [row["source_file"] for row in self._pending
                if activity_id in list(row["activity_ids"] or ())]

    def requalify(self, source: str, *, status: str, reason: str) -> None:
        """Change what became of ``source`` (recorded since the last write): ``status``, no
        activities."""
        for row in self._pending:
            if row["source_file"] == source:
                row.update(status=status, reason=reason, activity_ids=[])

    def write(self) -> None:
        """Append the rows recorded since the last write to ``sources.parquet``."""
        if self._pending:
            import pandas as pd

            from pipeline import store as st

            st.append_sources(self._store, pd.DataFrame(self._pending))
            self._written += len(self._pending)
            self._pending, self._ends, self._cached = [], None, None

    def _row_group_of(self, number: int) -> tuple[pd.DataFrame, int]:
        """The row group holding written row ``number`` and the row's place in it (the group
        read last is kept: lookups tend to come in ledger order)."""
        if self._ends is None:
            path = self._store.sources_path
            with pf.reading(path), pf.parquet_file(path) as f:
                self._ends = np.cumsum([f.metadata.row_group(i).num_rows
                                        for i in range(f.num_row_groups)])
        index = int(np.searchsorted(self._ends, number, side="right"))
        if self._cached is None or self._cached[0] != index:
            path = self._store.sources_path
            with pf.reading(path), pf.parquet_file(path) as f:
                group = f.read_row_group(index, columns=["source_file", "activity_ids"])
            self._cached = (index, group.to_pandas())
        start = int(self._ends[index - 1]) if index else 0
        return self._cached[1], number - start
