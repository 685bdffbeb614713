"""Merging a log's entries by key, and reading its stored frame's cells (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

import pandas as pd


def frame_value(row: dict, name: str):
    """A stored row's cell, None when missing (a column an older file lacks) or null."""
    v = row.get(name)
    return None if v is None or pd.isna(v) else v


class Merged(NamedTuple):
    """A merge's log (sorted) and what changed: ``replaced`` holds (earlier, later) entries of
    one key, ``superseded`` the same for two rows of one input (the later row is kept)."""

    log: list
    new: list
    replaced: list[tuple]
    unchanged: int
    superseded: list[tuple]


def merged_by_key(stored: list, incoming: list, *, order: Callable) -> Merged:
    """The log after merging ``incoming`` (later wins per ``entry.key``; equal ``values`` keep
    the stored entry, its source and line too), sorted by ``order``."""
    latest: dict[tuple, object] = {}
    superseded = []
    for entry in incoming:
        if entry.key in latest:
            superseded.append((latest[entry.key], entry))
        latest[entry.key] = entry
    by_key = {e.key: e for e in stored}
    new, replaced, unchanged = [], [], 0
    for key, entry in latest.items():
        old = by_key.get(key)
        if old is None:
            new.append(entry)
        elif old.values == entry.values:
            unchanged += 1
            continue  # keep the stored row as it is (its source and line too)
        else:
            replaced.append((old, entry))
        by_key[key] = entry
    return Merged(sorted(by_key.values(), key=order), new, replaced, unchanged, superseded)


@dataclass(frozen=True)
class MergeCounts:
    """What a merge did, as every log reports it: ``rows`` read from ``source``, the ``new``
    entries, the ``replaced`` (earlier, later) pairs, how many were ``unchanged``, the log's
    ``total`` after it and where the imported file is kept (``raw_copy``). Each log's
    ``MergeResult`` adds its texts."""

    source: str
    rows: int
    new: list = field(default_factory=list)
    replaced: list[tuple] = field(default_factory=list)
    unchanged: int = 0
    total: int = 0
    raw_copy: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.new or self.replaced)
