"""Lookups that an import keeps for every activity and file it has seen, in NumPy arrays.

A dict or set of Python strings costs ~150 bytes an entry, and those small objects, made one by
one among the much larger short-lived ones of each parsed file, keep the interpreter's heap from
shrinking: a bulk import's memory then grows with the archive. ``KeyIndex`` keeps ASCII keys (hex
hashes, activity ids) in one sorted fixed-width bytes array with their int values; keys added
since the last fold wait in a small dict.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

FOLD = 1024  # keys added are merged into the sorted arrays this many at a time


class KeyIndex:
    """ASCII keys (no NUL: hex hashes, activity ids) to ints; a key keeps the first value it was
    given."""

    def __init__(self, keys: np.ndarray | None = None, values: np.ndarray | None = None):
        keys = np.array([], dtype="S1") if keys is None else keys
        values = np.zeros(len(keys), dtype="int64") if values is None else values
        order = np.argsort(keys, kind="stable")  # equal keys stay in order: the first one wins
        keys, values = keys[order], np.asarray(values, dtype="int64")[order]
        first = np.ones(len(keys), dtype=bool)
        first[1:] = keys[1:] != keys[:-1]
        self._keys, self._values = keys[first], values[first]
        self._recent: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def get(self, key: str) -> int | None:
        if key in self._recent:
            return self._recent[key]
        probe = np.array(key.encode("ascii"), dtype=self._keys.dtype)
        at = int(np.searchsorted(self._keys, probe))
        if at < len(self._keys) and self._keys[at] == probe and len(key) <= self._keys.itemsize:
            return int(self._values[at])
        return None

    def add(self, key: str, value: int = 0) -> None:
        """Add ``key`` with ``value`` unless it is already there."""
        if key not in self:
            self._recent[key] = value
            if len(self._recent) >= FOLD:
                self._fold()

    def _fold(self) -> None:
        recent = np.array([k.encode("ascii") for k in self._recent])
        keys = np.concatenate([self._keys, recent])  # widens to the longest key
        values = np.concatenate([self._values, np.fromiter(self._recent.values(), "int64")])
        order = np.argsort(keys, kind="stable")
        self._keys, self._values = keys[order], values[order]
        self._recent = {}


def ascii_keys(strings: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """An Arrow string column as a fixed-width bytes array, without a Python object per row
    (the strings must be ASCII; nulls become empty keys)."""
    strings = pc.fill_null(strings.cast(pa.large_string()), "")
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    if len(strings) == 0:
        return np.array([], dtype="S1")
    width = max(1, pc.max(pc.binary_length(strings)).as_py())
    padded = pc.utf8_rpad(strings, width, padding="\x00").cast(pa.large_binary())
    fixed = padded.cast(pa.binary(width))
    return np.frombuffer(fixed.buffers()[1], dtype=f"S{width}", count=len(fixed),
                         offset=fixed.offset * width).copy()


def name_key(name: str) -> str:
    """A file name's key: a 128-bit hash in hex (names can be long and any characters)."""
    return hashlib.blake2b(name.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
