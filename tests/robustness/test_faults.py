"""Faults: kill -9 in the middle of an ingest, two writers on one store, a read-only data folder
and a full disk. The store must stay readable and complete on the next run; the user gets one
clear line, never a traceback."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import cli
from pipeline import store as st
from tests.robustness.conftest import fit_run

N_FILES = 150  # BATCH_FILES is 64: three batches, so a kill lands with work done and work left


def many_runs(folder: Path, n: int = N_FILES, *, minutes: float = 1, first: int = 0) -> Path:
    """``n`` one-run FIT files, one a day from 2025-01-01 + ``first`` days."""
    folder.mkdir(parents=True, exist_ok=True)
    start = pd.Timestamp("2025-01-01T06:00:00Z")
    for i in range(first, first + n):
        when = (start + pd.Timedelta(days=i)).isoformat()
        (folder / f"run_{i:03d}.fit").write_bytes(fit_run(when, minutes=minutes,
                                                          speed_mps=2.5 + (i % 7) * 0.1))
    return folder


def store_state(data: Path) -> dict:
    """What must match between two stores: activity ids with their distance, duration, sources."""
    store = st.Store(data, "me")
    activities = st.read_activities(store)
    state = {}
    for row in activities.to_dict("records"):
        sources = list(row["source_files"])
        assert len(sources) == len(set(sources)), f"a source listed twice: {sources}"
        samples = st.read_samples(store, row["activity_id"])
        state[row["activity_id"]] = (row["distance_m"], row["elapsed_time_s"], tuple(sources),
                                     len(samples))
    return state


def temp_files(data: Path) -> list[Path]:
    return [p for p in data.rglob(".*.tmp")]


def _runload(*args: str) -> subprocess.Popen:
    # its own session, so the kill takes its worker processes with it
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env={**os.environ, "RUNLOAD_DEBUG": ""})


def _wait_for(condition, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"finished before the kill: {proc.communicate()}"
        assert time.monotonic() < deadline, "the ingest made no progress"
        time.sleep(0.005)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[Path, dict]:
    """The watch folder of N_FILES runs and the store state of one uninterrupted ingest of it."""
    root = tmp_path_factory.mktemp("uninterrupted")
    folder = many_runs(root / "watch")
    assert cli.main(["ingest", "--data-dir", str(root / "data"), str(folder)]) == 0
    expected = store_state(root / "data")
    assert len(expected) == N_FILES
    return folder, expected


@pytest.mark.slow
@pytest.mark.parametrize("moment", ["after_first_flush", "while_writing_samples"])
def test_kill_9_in_the_middle_of_an_ingest_then_rerun_equals_an_uninterrupted_run(
        tmp_path, moment, capsys, uninterrupted):
    folder, expected = uninterrupted
    killed = tmp_path / "killed"

    store = st.Store(killed, "me")
    proc = _runload("ingest", "--data-dir", str(killed), "--no-progress", str(folder))
    if moment == "after_first_flush":
        _wait_for(store.activities_path.exists, proc)
    else:  # after the first flush, while later batches' samples files are appearing
        _wait_for(lambda: store.activities_path.exists() and store.samples_dir.is_dir()
                  and sum(1 for _ in store.samples_dir.iterdir()) > 80, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    # what the killed run left is readable and a true subset of the answer
    partial = store_state(killed)
    assert 0 < len(partial) < N_FILES
    assert all(expected[k] == v for k, v in partial.items())

    capsys.readouterr()
    assert cli.main(["ingest", "--data-dir", str(killed), str(folder)]) == 0
    assert "Traceback" not in capsys.readouterr().err
    assert store_state(killed) == expected  # no duplicates, nothing lost
    assert temp_files(killed) == []  # what the kill left was cleaned up under the lock
    ledger = st.read_sources(store)
    assert set(ledger["source_file"].map(lambda s: Path(s).name)) == {
        f"run_{i:03d}.fit" for i in range(N_FILES)}
    # and a third run adds nothing
    assert cli.main(["ingest", "--data-dir", str(killed), str(folder)]) == 0
    assert store_state(killed) == expected


@contextlib.contextmanager
def lock_held_by_another_process(data: Path):
    """A second process holding the athlete's write lock until the block ends."""
    code = ("import sys\nfrom pipeline import store as st\n"
            "with st.locked(st.Store(sys.argv[1], 'me')):\n"
            "    print('locked', flush=True)\n    sys.stdin.read()\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(data)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_second_runload_on_the_same_store_gets_a_clear_message(sandbox, good_fit):
    code, _, _ = sandbox.ingest(good_fit)
    assert code == 0
    before = sandbox.store.activities_path.read_bytes()
    other = sandbox.write("other.fit", fit_run("2026-03-03T07:00:00Z"))
    csv = sandbox.write("pain.csv", b"date,pain\n2026-03-02,2\n")
    with lock_held_by_another_process(sandbox.data):
        for args in (["ingest", str(other)],
                     ["pain", "add", "--date", "2026-03-02", "--pain", "3"],
                     ["pain", "import", str(csv)],
                     ["analyze", "--as-of", "2026-03-08"]):
            code, out, err = sandbox.run(*args)
            assert code == 1, args
            assert err.startswith("runload: another runload process is writing to "), err
            assert "wait for it to finish and run the command again" in err
            assert len(err.strip().splitlines()) == 1
    assert sandbox.store.activities_path.read_bytes() == before  # intact
    assert not sandbox.store.pain_log_path.exists()
    code, summary, _ = sandbox.ingest(other)  # once the other process is done, all goes on
    assert code == 0 and summary["new"] == 1 and len(sandbox.activities()) == 2


def test_two_runload_processes_at_once_never_corrupt_the_store(tmp_path):
    a = many_runs(tmp_path / "a", 20)
    b = many_runs(tmp_path / "b", 15, first=10)  # ten of a's runs again, five new ones
    data = tmp_path / "data"
    procs = [_runload("ingest", "--data-dir", str(data), "--no-progress", str(f)) for f in (a, b)]
    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in procs]
    for code, err in results:
        assert "Traceback" not in err
        assert code == 0 or "another runload process is writing" in err, err
    for (code, _), folder in zip(results, (a, b)):
        if code:  # the one that found the store locked: run it again, as the message says
            assert cli.main(["ingest", "--data-dir", str(data), str(folder)]) == 0
    state = store_state(data)
    assert len(state) == 25  # the ten runs in both folders are stored once


# --- a read-only data folder and a full disk --------------------------------------------------


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    """A tiny tmpfs at ``path`` (root only); the test is skipped where mounting is not allowed."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    path.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                           str(path)], capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def remount(path: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(path)], check=True)


@contextlib.contextmanager
def read_only(path: Path):
    """``path`` read-only: a read-only remount as root (chmod does not stop root), else chmod."""
    if os.geteuid() == 0:
        remount(path, "ro")
        try:
            yield
        finally:
            remount(path, "rw")
    else:
        modes = {p: p.stat().st_mode for p in [path, *path.rglob("*")] if not p.is_symlink()}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            yield
        finally:
            for p, mode in modes.items():
                p.chmod(mode)


def _data_on_tmpfs(sandbox, size: str):
    if os.geteuid() != 0:
        sandbox.data.mkdir()
        return contextlib.nullcontext()
    return tmpfs(sandbox.data, size)


def test_a_read_only_data_folder_gives_a_clear_error(sandbox, good_fit):
    other = sandbox.write("other.fit", fit_run("2026-03-03T07:00:00Z"))
    csv = sandbox.write("pain.csv", b"date,pain\n2026-03-02,2\n")
    with _data_on_tmpfs(sandbox, "16m"):
        code, _, _ = sandbox.ingest(good_fit)
        assert code == 0
        before = {p: p.read_bytes() for p in sandbox.data.rglob("*") if p.is_file()}
        with read_only(sandbox.data):
            for args in (["ingest", str(other)],
                         ["pain", "add", "--date", "2026-03-02", "--pain", "3"],
                         ["pain", "import", str(csv)],
                         ["profile", "--timezone", "Europe/Berlin"]):
                code, out, err = sandbox.run(*args)
                assert code == 1, args
                assert len(err.strip().splitlines()) == 1, err
                assert ("Read-only file system" in err and "use a writable --data-dir" in err) or \
                    ("Permission denied" in err and "make the folder writable" in err), err
                assert "internal error" not in err
        assert {p: p.read_bytes() for p in sandbox.data.rglob("*") if p.is_file()} == before
        code, summary, _ = sandbox.ingest(other)  # writable again: it goes on
        assert code == 0 and summary["new"] == 1


def test_a_full_disk_gives_a_clear_error_and_the_next_run_completes(sandbox, good_fit, tmp_path):
    folder = many_runs(sandbox.inputs / "watch", 25, minutes=3)
    with tmpfs(sandbox.data, "256k"):
        code, _, _ = sandbox.ingest(good_fit)
        assert code == 0
        code, out, err = sandbox.run("ingest", str(folder))
        assert code == 1
        assert err.startswith("runload: No space left on device") and "free some space" in err
        assert "every write is atomic" in err and len(err.strip().splitlines()) == 1
        # what was stored before is intact and readable
        assert len(sandbox.activities()) >= 1
        store_state(sandbox.data)
        remount(sandbox.data, "size=32m")
        code, _, err = sandbox.run("ingest", str(folder))
        assert code == 0, err
        assert len(store_state(sandbox.data)) == 26
        assert temp_files(sandbox.data) == []


def test_pyarrow_style_errors_without_an_errno_get_the_same_clear_line():
    text = cli.os_error_text(OSError("Error writing bytes to file. Detail: [errno 28] No space "
                                     "left on device"))
    assert text.startswith("No space left on device: free some space; then run the command again")
    assert "every write is atomic" in text


@pytest.mark.slow
def test_kill_9_during_analyze_then_rerun_equals_an_uninterrupted_analyze(tmp_path):
    folder = many_runs(tmp_path / "watch", 40, minutes=3)
    reference, killed = tmp_path / "reference", tmp_path / "killed"
    for data in (reference, killed):
        assert cli.main(["ingest", "--data-dir", str(data), str(folder)]) == 0
    as_of = ["--as-of", "2025-02-15"]
    assert cli.main(["analyze", "--data-dir", str(reference), *as_of]) == 0
    store = st.Store(killed, "me")
    proc = _runload("analyze", "--data-dir", str(killed), *as_of)
    # the lock file is touched when analyze starts writing; kill as soon as the first output lands
    _wait_for(lambda: store.daily_path.exists(), proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    for path in (store.daily_path, store.weekly_path):
        if path.exists():
            st.read_parquet(path)  # never a half-written file
    assert cli.main(["analyze", "--data-dir", str(killed), *as_of]) == 0
    ref = st.Store(reference, "me")
    pd.testing.assert_frame_equal(st.read_daily(store), st.read_daily(ref))
    pd.testing.assert_frame_equal(st.read_weekly(store), st.read_weekly(ref))
    assert st.read_recommendation(store) == st.read_recommendation(ref)
    assert temp_files(killed) == []
