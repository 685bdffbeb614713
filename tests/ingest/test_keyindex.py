import hashlib

import numpy as np
import pyarrow as pa
import pytest

from pipeline.ingest.keyindex import FOLD, KeyIndex, ascii_keys, name_key


def sha(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def test_keys_added_across_folds_are_found_with_their_first_value():
    start = np.array([sha(i).encode() for i in range(500)])
    index = KeyIndex(start, np.arange(500))
    for i in range(500, 500 + 2 * FOLD + 7):  # two folds and some recent keys
        index.add(sha(i), i)
    index.add(sha(3), 999)  # known already: keeps its first value
    index.add(sha(600), 999)
    assert len(index) == 500 + 2 * FOLD + 7
    assert all(index.get(sha(i)) == i for i in range(500 + 2 * FOLD + 7))
    assert not any(sha(-i) in index for i in range(1, 200))


def test_first_value_of_a_repeated_key_wins_when_built_from_arrays():
    index = KeyIndex(np.array([b"b", b"a", b"b", b"a"]), np.array([1, 2, 3, 4]))
    assert (index.get("a"), index.get("b"), len(index)) == (2, 1, 2)


@pytest.mark.parametrize("stored, probe", [("abc", "abcd"), ("abcd", "abc")])
def test_a_prefix_or_extension_of_a_key_is_another_key(stored, probe):
    index = KeyIndex(np.array([stored.encode(), b"zz"]))
    assert stored in index and probe not in index


def test_keys_of_any_width_mix():
    index = KeyIndex(np.array([b"x"]))
    for k in range(FOLD):
        index.add("k" * (k % 40 + 2) + str(k))
    index.add("y")
    assert "x" in index and "y" in index and "k" * 11 + "9" in index and "k" * 10 not in index


def test_ascii_keys_from_arrow_without_python_strings():
    chunked = pa.chunked_array([["a", None, "ccc"], ["dd"]], pa.string()).slice(1)
    keys = ascii_keys(chunked)
    assert keys.dtype == np.dtype("S3") and keys.tolist() == [b"", b"ccc", b"dd"]
    assert ascii_keys(pa.array([], pa.string())).tolist() == []


def test_name_key_is_stable_and_separates_names():
    assert name_key("run.fit") == name_key("run.fit") != name_key("run.fit ")
    assert len(name_key("\udcff odd bytes")) == 32
