"""The store's Parquet files an import writes and reads without pandas (issue 20)."""

import subprocess
import sys
import textwrap

import numpy as np
import pyarrow as pa
import pytest

from pipeline import parquet_files as pf
from pipeline import store as st
from pipeline.paths import Store

REPO = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("values", [
    [1.5, np.nan, -0.0, 3e300, np.nan], [0.25] * 9, [np.nan] * 3, [], list(range(17)) + [np.nan]])
def test_float_array_is_what_pa_array_from_pandas_makes(values):
    """Built from buffers (``pa.array`` imports pandas to look at an array): the same values, the
    same nulls where NaN was, for any length (the validity bitmap's bytes)."""
    values = np.array(values, dtype=float)
    built = pf.float_array(values)
    expected = pa.array(values, from_pandas=True)
    assert built.equals(expected)
    assert built.null_count == int(np.isnan(values).sum())
    built.validate(full=True)


def test_float_array_reads_a_strided_or_integer_column_as_floats():
    values = np.arange(10, dtype=np.int32)[::2]
    assert pf.float_array(values).to_pylist() == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_the_ledger_fields_are_those_of_the_stored_ledger_schema():
    assert pf.SOURCES_FIELDS.equals(st.sources_schema().remove_metadata())


def test_a_few_files_are_synced_one_by_one_and_many_with_one_syncfs(tmp_path, monkeypatch):
    """``syncfs`` waits for every dirty file on the file system, another program's too (0.5 s
    after a large copy): a small import fsyncs its own files and their folders instead."""
    import os

    store = Store(tmp_path, "me")
    folder = tmp_path / "files"
    folder.mkdir()
    paths = [folder / f"{i}.bin" for i in range(pf.SYNC_EACH_MAX + 1)]
    for path in paths:
        path.write_bytes(b"x")
    synced, whole = [], []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")),
                                                 real_fsync(fd)))
    monkeypatch.setattr(pf, "_syncfs", lambda fd: whole.append(fd) or 0)
    pf.sync_writes(store, paths[:3] + [folder / "gone.bin"])  # a file replaced since: no error
    assert synced == [str(p) for p in paths[:3]] + [str(folder)] and whole == []
    synced.clear()
    pf.sync_writes(store, paths)
    assert synced == [] and len(whole) == 1


def test_a_fit_file_is_parsed_and_its_samples_written_without_pandas(tmp_path):
    """What each worker of a bulk import does for a FIT file never imports pandas (0.4 s a
    process), nor does what the import's main process does before its workers start."""
    from pipeline.demo.fit_file import fit_activity_bytes
    from tests.factories import run_samples

    (tmp_path / "run.fit").write_bytes(fit_activity_bytes(
        run_samples("2026-01-10T07:00:00Z", minutes=20), sport="running"))
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from pipeline.config import Thresholds
        from pipeline.ingest.run import _Import, parse_leaf
        from pipeline.ingest.sources import leaves, top_inputs
        from pipeline.paths import Store
        store = Store(Path({str(tmp_path)!r}) / "data", "me")
        job = _Import(store, Thresholds())  # the ledger and profile, read before any parse
        item = next(top_inputs([{str(tmp_path / "run.fit")!r}]))
        leaf = next(leaves(item, thresholds=Thresholds()))
        outcome = parse_leaf(leaf, profile_timezone=None, thresholds=Thresholds(), store=store)
        assert outcome.status == "ok", outcome.reason
        assert store.samples_path(outcome.activities[0][0]["activity_id"]).exists()
        print("pandas" in sys.modules)
    """)
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                          env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
