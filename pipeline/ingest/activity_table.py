"""The athlete's activities while an import runs, kept on disk so memory does not grow with them.

``activities.parquet`` holds the rows written so far. In memory are only the rows added or
changed since the last write and, in a ``KeyIndex``, each written row's row group (to read it
back when a twin or a renamed copy of its file changes it). A write streams the file through one
row group at a time: the changed rows are dropped from it, the new ones merged in by start time,
and every run's ``fast_time_fraction`` follows the easy pace of all runs.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import store as st
from pipeline.ingest.keyindex import KeyIndex, ascii_keys
from pipeline.ingest.parse.speed_profile import (
    easy_speed_of_runs,
    fast_time_fraction,
    median_speed_mps,
)
from pipeline.vocabulary import RUNNING_SPORTS

PROFILE = "moving_speed_percentiles_mps"


class ActivityTable:
    """Activities by id: those in the store's ``activities.parquet`` and those changed since."""

    def __init__(self, store: st.Store, *, fast_margin: float):
        self._store = store
        self._fast_margin = fast_margin
        self._changed: dict[str, dict] = {}
        self._cached: tuple[int, pd.DataFrame] | None = None  # the row group read last
        self._group_of = _group_index(
            g["activity_id"] for g in st.activity_row_groups(store, ["activity_id"]))

    def get(self, activity_id: str) -> dict | None:
        """The row of ``activity_id`` (a copy: change it through ``put``); None when unknown."""
        if activity_id in self._changed:
            return dict(self._changed[activity_id])
        index = self._group_of.get(activity_id)
        if index is None:
            return None
        if self._cached is None or self._cached[0] != index:
            self._cached = (index, st.read_activity_row_group(self._store, index))
        group = self._cached[1]
        return group[group["activity_id"] == activity_id].iloc[0].to_dict()

    def unwritten(self) -> int:
        """How many rows were added or changed since the last ``write``."""
        return len(self._changed)

    def put(self, row: dict) -> None:
        """Add ``row``, or replace the row with its ``activity_id``."""
        self._changed[row["activity_id"]] = row

    def discard(self, activity_id: str) -> bool:
        """Drop the unwritten change of ``activity_id``; whether the store's file holds it."""
        self._changed.pop(activity_id, None)
        return activity_id in self._group_of

    def unstorable_rows(self) -> list[tuple[str, Exception]]:
        """The changed rows the store would refuse, each with the error (checked one by one:
        only after a write failed)."""
        refused = []
        for activity_id, row in self._changed.items():
            try:
                _start_us(st.activities_table(pd.DataFrame([row])))
            except (OSError, MemoryError):
                raise
            except Exception as e:
                refused.append((activity_id, e))
        return refused

    def write(self) -> None:
        """Write every activity to the store; the changed rows are then part of the file."""
        if not self._changed:
            return
        new = st.activities_table(pd.DataFrame(list(self._changed.values())))
        changed = pa.array(list(self._changed), pa.string())
        easy = self._easy_speed_mps(new, changed)
        ids: list[pa.ChunkedArray] = []

        def merged_groups():
            """The written rows but the changed ones, with the new rows merged in by start."""
            placed = 0
            starts = _start_us(new)
            for group in st.activity_row_groups(self._store):
                group = _without(group, changed)
                if len(group) == 0:
                    continue
                upto = int(np.searchsorted(starts, _start_us(group)[-1], "right"))
                if upto > placed:
                    group = pa.concat_tables([group, new.slice(placed, upto - placed)])
                    group, placed = group.sort_by("start_time_utc"), upto
                yield group
            yield new.slice(placed)

        def written_groups():
            """Row groups of ACTIVITY_ROW_GROUP rows, with their fast_time_fraction."""
            for rows in _regrouped(merged_groups(), st.ACTIVITY_ROW_GROUP):
                ids.append(rows["activity_id"])
                yield _with_fast_time_fraction(rows, easy, margin=self._fast_margin)

        st.write_activity_groups(self._store, written_groups())
        self._group_of, self._changed, self._cached = _group_index(ids), {}, None

    def _easy_speed_mps(self, new: pa.Table, changed: pa.Array) -> float | None:
        """The easy pace over every run: the written ones (less those changed) and the new
        (collected in arrays: no Python object per activity)."""
        sports, medians = [], []
        groups = st.activity_row_groups(self._store, ["activity_id", "sport", PROFILE])
        for group in itertools.chain((_without(g, changed) for g in groups), [new]):
            sports.append(group["sport"].to_numpy(zero_copy_only=False).astype(str))
            medians.append(np.array([median_speed_mps(p) for p in _list_rows(group[PROFILE])],
                                    dtype=float))
        return easy_speed_of_runs(np.concatenate(sports), np.concatenate(medians))


def _group_index(id_columns) -> KeyIndex:
    """Activity id -> its row group, from each row group's ``activity_id`` column in order."""
    ids = [ascii_keys(column) for column in id_columns]
    if not ids:
        return KeyIndex()
    return KeyIndex(np.concatenate(ids), np.repeat(np.arange(len(ids)), [len(i) for i in ids]))


def _regrouped(tables, size: int):
    """The rows of ``tables``, in order, as tables of ``size`` rows (the last one shorter)."""
    pending: list[pa.Table] = []
    rows = 0
    for table in tables:
        pending.append(table)
        rows += len(table)
        while rows >= size:
            whole = pa.concat_tables(pending)
            rest = whole.slice(size)
            yield whole.slice(0, size)
            pending, rows = [rest], len(rest)
    if rows:
        yield pa.concat_tables(pending)


def _with_fast_time_fraction(rows: pa.Table, easy: float | None, *, margin: float) -> pa.Table:
    fractions = [
        fast_time_fraction(p, easy_speed_mps=easy, margin=margin)
        if sport in RUNNING_SPORTS else None
        for p, sport in zip(_list_rows(rows[PROFILE]), rows["sport"].to_pylist())
    ]
    at = rows.schema.get_field_index("fast_time_fraction")
    return rows.set_column(at, rows.schema.field(at), pa.array(fractions, pa.float64()))


def _without(rows: pa.Table, ids: pa.Array) -> pa.Table:
    return rows.filter(pc.invert(pc.is_in(rows["activity_id"], value_set=ids)))


def _start_us(rows: pa.Table) -> np.ndarray:
    """Start times in microseconds since 1970, for searching."""
    return rows["start_time_utc"].cast(pa.int64()).to_numpy()


def _list_rows(column: pa.ChunkedArray) -> list[np.ndarray | None]:
    """Each row of a list column as a NumPy view (None for a null row), without a Python float
    per element."""
    rows: list[np.ndarray | None] = []
    for chunk in column.chunks:
        values = chunk.values.to_numpy(zero_copy_only=False)
        offsets = chunk.offsets.to_numpy()
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        rows += [values[offsets[i]:offsets[i + 1]] if valid[i] else None
                 for i in range(len(chunk))]
    return rows
