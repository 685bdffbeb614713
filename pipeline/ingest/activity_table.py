"""The athlete's activities while an import runs: compact, so memory follows the table's size.

A bulk import keeps every activity until the end (twins are found among all of them, and
``activities.parquet`` is rewritten whole). One dict per activity costs several times the row's
size on disk; here the rows written so far stay in the frame that was written, and only the rows
added or changed since then are dicts.
"""

from __future__ import annotations

import pandas as pd


class ActivityTable:
    """Activities by id: the frame as last written, and the rows added or changed since."""

    def __init__(self, written: pd.DataFrame):
        self._written = written.set_index("activity_id", drop=False)
        self._changed: dict[str, dict] = {}

    def __len__(self) -> int:
        return len(self._written.index.difference(list(self._changed))) + len(self._changed)

    def get(self, activity_id: str) -> dict | None:
        """The row of ``activity_id`` (a copy: change it through ``put``); None when unknown."""
        if activity_id in self._changed:
            return dict(self._changed[activity_id])
        if activity_id in self._written.index:
            return self._written.loc[activity_id].to_dict()
        return None

    def put(self, row: dict) -> None:
        """Add ``row``, or replace the row with its ``activity_id``."""
        self._changed[row["activity_id"]] = row

    def frame(self) -> pd.DataFrame:
        """Every activity, one row each (the changed rows last)."""
        if not self._changed:
            return self._written.reset_index(drop=True)
        kept = self._written[~self._written.index.isin(list(self._changed))]
        changed = pd.DataFrame(list(self._changed.values()))
        if kept.empty:
            return changed
        return pd.concat([kept.reset_index(drop=True), changed], ignore_index=True)

    def written(self, activities: pd.DataFrame) -> None:
        """``activities`` (all of them, from ``frame``) are now what the store holds."""
        self._written = activities.set_index("activity_id", drop=False)
        self._changed = {}
