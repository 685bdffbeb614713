"""A file that kills the process parsing it (a segfault in a decoder's C code) costs only itself.

The crash is real: the worker process dies of SIGSEGV. What makes it die is a stand-in for
``run.parse_leaf`` defined here, patched into ``pipeline.ingest.run`` for the test: workers get
the function by reference (pickled by module and name, or inherited by fork), so they run it too.
No hook for this exists in the production code. (The real-world case, gpxpy overflowing the C
stack on 200,000 nested elements, is refused before parsing since xml_safety's depth limit.)
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import resource
import signal
import threading

import pandas as pd
import pytest

from pipeline import store as st
from pipeline.config import Thresholds
from pipeline.demo.gpx_file import gpx_activity_bytes
from pipeline.ingest import run
from pipeline.ingest.workers import Workers
from tests.factories import run_samples

REAL_PARSE_LEAF = run.parse_leaf
CRASH = b"<!-- this comment crashes the stand-in decoder -->"


def parse_leaf_crashing_on_marked_files(leaf, **options):
    """``run.parse_leaf``, except that a file holding ``CRASH`` kills its process with SIGSEGV,
    as a decoder's C code would (only in a worker process, never in pytest's own)."""
    if CRASH in leaf.data and multiprocessing.parent_process() is not None:
        _segfault()
    return REAL_PARSE_LEAF(leaf, **options)


def gpx_run(day: pd.Timestamp, *, crash: bool = False) -> bytes:
    data = gpx_activity_bytes(run_samples(f"{day:%Y-%m-%d}T07:00:00Z", minutes=1))
    return data.replace(b"<trk>", CRASH + b"<trk>", 1) if crash else data


@pytest.fixture
def crashing_decoder(monkeypatch):
    monkeypatch.setattr(run, "parse_leaf", parse_leaf_crashing_on_marked_files)


def test_a_file_that_crashes_its_worker_is_quarantined_and_the_import_goes_on(
        tmp_path, crashing_decoder, monkeypatch):
    monkeypatch.setattr(run, "BATCH_FILES", 20)  # two batches: the second needs a new pool
    days = [pd.Timestamp("2026-01-01") + pd.Timedelta(days=i) for i in range(40)]
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    crashers = {5, 27}  # one in each batch
    for i, day in enumerate(days):
        (inputs / f"run{i:02d}.gpx").write_bytes(gpx_run(day, crash=i in crashers))
    store = st.Store(tmp_path / "data", "me")

    summary = run.ingest_paths([str(inputs)], store, thresholds=Thresholds(), workers=2)

    quarantined = dict(summary.quarantined)
    assert set(quarantined) == {str(inputs / f"run{i:02d}.gpx") for i in crashers}
    assert all(r.startswith("the decoder crashed on this file") for r in quarantined.values())
    assert len(summary.new) == 38  # every other file, in both batches
    activities = st.read_activities(store)
    assert sorted(activities["start_time_utc"].dt.strftime("%m-%d")) == [
        d.strftime("%m-%d") for i, d in enumerate(days) if i not in crashers]
    for activity_id in activities["activity_id"]:  # samples written by the workers
        assert len(st.read_samples(store, activity_id)) == 60
    # the crashing file is kept unchanged in quarantine beside its reason
    kept = [p for p in store.quarantine_dir.rglob("*") if p.is_file()]
    reasons = [p.read_text() for p in kept if p.name.endswith(".reason.txt")]
    assert len(reasons) == 2 and all("the decoder crashed" in r for r in reasons)
    assert {p.read_bytes() for p in kept if not p.name.endswith(".reason.txt")} == {
        gpx_run(days[i], crash=True) for i in crashers}
    ledger = st.read_sources(store)
    assert (ledger["status"] == "quarantined").sum() == 2


@pytest.mark.parametrize("from_a_thread", [False, True], ids=["fork", "forkserver"])
def test_workers_give_every_result_in_order_around_a_crash(from_a_thread):
    # the unit underneath: results in order, the crashing item through ``crashed``, and the pool
    # replaced (a broken pool would fail every later batch). From a thread (Prefect's tasks) the
    # workers come from a fork server, from the CLI they are forked
    if from_a_thread:
        errors = []
        thread = threading.Thread(target=lambda: _catching(_map_around_a_crash, errors))
        thread.start()
        thread.join(timeout=120)
        assert not thread.is_alive() and errors == []
    else:
        _map_around_a_crash()


def test_a_batch_waiting_in_a_pool_that_breaks_still_gets_every_result():
    """Pipelined batches: the second is submitted before the first crashes the pool."""
    workers = Workers(2, min_items=2)
    try:
        items = [pd.Timestamp(f"2026-01-0{d}T07:00:00Z") for d in range(1, 8)]
        crashed = lambda item: ("crashed", item)  # noqa: E731
        first = workers.submit(_crash_on_the_4th, items, crashed=crashed)
        second = workers.submit(_crash_on_the_4th, items[4:], crashed=crashed)
        assert workers.collect(first) == [("ok", d) for d in items[:3]] + [
            ("crashed", items[3])] + [("ok", d) for d in items[4:]]
        third = workers.submit(_crash_on_the_4th, items[:3], crashed=crashed)  # a new pool
        assert workers.collect(second) == [("ok", d) for d in items[4:]]
        assert workers.pool is not None  # the broken batch did not close the new pool
        assert workers.collect(third) == [("ok", d) for d in items[:3]]
    finally:
        workers.close()


def _catching(fn, errors: list) -> None:
    try:
        fn()
    except BaseException as e:  # noqa: BLE001 - reported to the test's thread
        errors.append(e)


def _map_around_a_crash():
    workers = Workers(2, min_items=2)
    try:
        items = [pd.Timestamp(f"2026-01-0{d}T07:00:00Z") for d in range(1, 8)]
        first = workers.map(_crash_on_the_4th, items, crashed=lambda item: ("crashed", item))
        assert first == [("ok", d) for d in items[:3]] + [("crashed", items[3])] + [
            ("ok", d) for d in items[4:]]
        assert workers.pool is None  # closed after the crash; the next batch starts a new one
        second = workers.map(_crash_on_the_4th, items[:3], crashed=lambda item: ("crashed", item))
        assert second == [("ok", d) for d in items[:3]] and workers.pool is not None
    finally:
        workers.close()


def _crash_on_the_4th(day: pd.Timestamp):
    if day.day == 4 and multiprocessing.parent_process() is not None:
        _segfault()
    return ("ok", day)


def _segfault():
    """Die of SIGSEGV, quietly: no core file, no traceback dump from pytest's faulthandler."""
    faulthandler.disable()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.kill(os.getpid(), signal.SIGSEGV)
