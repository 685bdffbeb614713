"""Merging by key, on toy entries and on many random logs (later wins; equal values keep the
stored entry)."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from pipeline.entrylog.merge import frame_value, merged_by_key


@dataclass(frozen=True)
class E:
    k: int
    v: int
    source: str = "a"

    @property
    def key(self) -> int:
        return self.k

    @property
    def values(self) -> tuple:
        return (self.v,)


def test_new_replaced_unchanged_and_superseded():
    stored = [E(1, 10, "old"), E(2, 20, "old")]
    merged = merged_by_key(stored, [E(3, 1), E(2, 21), E(2, 22), E(1, 10, "again")],
                           order=lambda e: e.k)
    assert merged.log == [E(1, 10, "old"), E(2, 22), E(3, 1)]  # unchanged keeps its source
    assert merged.new == [E(3, 1)] and merged.unchanged == 1
    assert merged.replaced == [(E(2, 20, "old"), E(2, 22))]
    assert merged.superseded == [(E(2, 21), E(2, 22))]


@pytest.mark.parametrize("seed", range(40))
def test_the_last_value_of_each_key_wins_whatever_the_order(seed):
    rng = random.Random(seed)
    stored = {k: E(k, rng.randrange(3), "old") for k in rng.sample(range(20), 8)}
    incoming = [E(rng.randrange(20), rng.randrange(3)) for _ in range(rng.randrange(30))]
    merged = merged_by_key(list(stored.values()), incoming, order=lambda e: -e.k)
    expected = {**{k: e.v for k, e in stored.items()}, **{e.k: e.v for e in incoming}}
    assert {e.k: e.v for e in merged.log} == expected
    assert [e.k for e in merged.log] == sorted(expected, reverse=True)
    last = {e.k: e for e in incoming}
    assert len(merged.new) == len(set(last) - set(stored))
    assert len(merged.new) + len(merged.replaced) + merged.unchanged == len(last)
    assert len(merged.superseded) == len(incoming) - len(last)


def test_frame_value_is_none_for_missing_and_null_cells():
    row = {"a": 1, "b": float("nan"), "c": None}
    assert [frame_value(row, name) for name in "abcd"] == [1, None, None, None]
