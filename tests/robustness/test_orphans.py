"""Nothing of runload outlives it: a ``kill -9`` or SIGTERM of the ``runload`` process alone (not
its process group: what the out-of-memory killer, ``timeout`` and systemd do) ends its worker
processes and Prefect servers too, and the next command finds the store unlocked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pipeline import cli
from pipeline import store as st
from tests.robustness.test_faults import many_runs, store_state


def children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    parents[int(entry)] = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """The ``pids`` still running (zombies count as ended)."""
    out = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] != b"Z":
                    out.add(pid)
        except OSError:
            pass
    return out


def wait_until(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def runload(*args: str, **popen) -> subprocess.Popen:
    # a session of its own, so that nothing the test does reaches it by group; the kill below
    # goes to the main process only
    return subprocess.Popen([sys.executable, "-m", "pipeline.cli", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, env={**os.environ, "RUNLOAD_DEBUG": ""},
                            **popen)


def no_survivors(pids: set[int], timeout: float = 15) -> None:
    wait_until(lambda: not alive(pids), timeout=timeout,
               what=f"processes outlived runload: {alive(pids)}")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_ingest_alone_ends_its_workers_and_the_next_ingest_works(tmp_path, sig):
    folder = many_runs(tmp_path / "watch", 120, minutes=20)
    data = tmp_path / "data"
    proc = runload("ingest", "--no-progress", "--data-dir", str(data), str(folder))
    # the workers are parsing: two or more children
    workers = wait_until(lambda: children(proc.pid) if len(children(proc.pid)) >= 2 else None,
                         timeout=120, what="no worker processes started")
    os.kill(proc.pid, sig)  # the main process alone
    _, err = proc.communicate(timeout=60)
    if sig == signal.SIGTERM:  # handled like Ctrl-C: one line, no traceback
        assert proc.returncode == 130
        assert "interrupted" in err.decode() and "Traceback" not in err.decode()
    no_survivors(workers)

    # the next command gets the store (no "another runload process is writing") and completes it
    assert cli.main(["ingest", "--no-progress", "--data-dir", str(data), str(folder)]) == 0
    assert len(store_state(data)) == 120


def test_a_lock_held_only_by_a_dead_runloads_children_does_not_block(tmp_path):
    """The lock file's holder is dead, but a process it forked still has the lock open (as a
    worker left behind by an older runload, or one not yet ended): the store is not locked."""
    data = tmp_path / "data"
    ready = tmp_path / "ready"
    code = textwrap.dedent(f"""
        import os, time
        from pipeline import store as st
        from pipeline import lockfile
        lock = st.locked(st.Store({str(data)!r}, "me"))
        lock.__enter__()
        if os.fork() == 0:  # the child keeps the inherited lock and outlives its parent
            lockfile._held.clear()  # (as a worker forked before runload handled it)
            open({str(ready)!r}, "w").write(str(os.getpid()))
            time.sleep(120)
            os._exit(0)
        os._exit(0)  # the parent dies holding the lock: no finally, no release
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60,
                   env={**os.environ, "PYTHONPATH": os.getcwd()})
    orphan = int(wait_until(lambda: ready.exists() and ready.read_text(), timeout=30,
                            what="the child did not start"))
    try:
        assert alive({orphan})
        probe = subprocess.run(  # the orphan really holds a lock on the old lock file
            [sys.executable, "-c", "import fcntl,sys; f=open(sys.argv[1]);"
             "fcntl.flock(f, fcntl.LOCK_EX|fcntl.LOCK_NB)", str(data / "processed/me/.lock")],
            capture_output=True, timeout=60)
        assert probe.returncode != 0
        # still, the store is free
        with st.locked(st.Store(data, "me")):
            pass
        assert cli.main(["pain", "add", "--data-dir", str(data), "--date", "2026-01-05",
                         "--pain", "2"]) == 0
    finally:
        os.kill(orphan, signal.SIGKILL)


def test_a_lock_whose_holder_lives_still_blocks(tmp_path):
    data = tmp_path / "data"
    with st.locked(st.Store(data, "me")):
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.cli", "pain", "add", "--data-dir", str(data),
             "--date", "2026-01-05", "--pain", "2"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "another runload process is writing" in proc.stderr


def lock_is_free(path: Path) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import fcntl,sys; f=open(sys.argv[1]);"
         "fcntl.flock(f, fcntl.LOCK_EX|fcntl.LOCK_NB)", str(path)], capture_output=True,
        timeout=60)
    return probe.returncode == 0


@pytest.mark.parametrize("started", [True, False])
def test_a_forked_worker_lets_go_of_the_inherited_lock(tmp_path, started):
    """A process forked while the lock is held, which runs ``worker_started`` (as every pool
    worker does), no longer holds it once the parent's descriptor is gone (closed without an
    unlock, as at a ``kill -9``); without ``worker_started`` the child would keep it."""
    from pipeline import lockfile
    from pipeline.ingest.workers import worker_started

    path = tmp_path / ".lock"
    f = lockfile.acquire(path)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "worker"
        try:
            os.close(r)
            if started:
                worker_started()
            os.write(w, b"x")
            time.sleep(30)
        finally:
            os._exit(0)
    os.close(w)
    try:
        assert os.read(r, 1) == b"x"
        lockfile._held.discard(f.fileno())
        f.close()  # the parent's reference ends without LOCK_UN
        assert lock_is_free(path) is started
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(r)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killing_run_alone_stops_its_prefect_server_and_the_next_command_works(tmp_path, sig):
    data, reports = tmp_path / "data", tmp_path / "reports"
    many_runs(st.Store(data, "me").inbox_dir, 3)
    common = ["--data-dir", str(data), "--reports-dir", str(reports)]
    proc = runload("run", *common, cwd=tmp_path)
    server = wait_until(
        lambda: [p for p in children(proc.pid) if "uvicorn" in _cmdline(p)] or None,
        timeout=300, what="Prefect's temporary server did not start")
    everything = children(proc.pid)
    assert set(server) <= everything
    os.kill(proc.pid, sig)  # the main process alone
    _, err = proc.communicate(timeout=120)
    if sig == signal.SIGTERM:  # as Ctrl-C: one line, no traceback
        assert proc.returncode == 130, err.decode()
        assert "Traceback" not in err.decode()
    no_survivors(everything, timeout=30)  # the server, its watchdog, any worker

    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "ingest", *common,
                           str(st.Store(data, "me").inbox_dir)],
                          capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(store_state(data)) == 3


@pytest.mark.slow
def test_the_private_server_of_serve_stops_when_its_parent_is_killed(tmp_path):
    """``runload serve``'s ``prefect server start`` (a session of its own, so no group kill from
    a terminal reaches it) stops when the process that started it is killed with -9."""
    import urllib.request

    code = textwrap.dedent("""
        import time
        from pipeline.prefect_server import local_prefect_server
        with local_prefect_server() as url:
            print(url, flush=True)
            time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                            start_new_session=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": os.getcwd(),
                                 "PREFECT_HOME": str(tmp_path / "prefect")})
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), url
    everything = children(proc.pid)
    assert len(everything) >= 2  # the server and the watchdog
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    no_survivors(everything, timeout=30)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/health", timeout=5)


def _python(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, "PYTHONPATH": os.getcwd()})


def test_sigterm_waits_for_a_critical_section_then_interrupts():
    done = _python("""
        import os, signal
        from pipeline import lifeline
        lifeline.sigterm_as_interrupt()
        steps = []
        try:
            with lifeline.critical():
                os.kill(os.getpid(), signal.SIGTERM)
                steps.append("started")  # not torn apart by the signal
                steps.append("registered")
        except KeyboardInterrupt:
            steps.append("interrupted")
        print(",".join(steps))
    """)
    assert done.stdout.strip() == "started,registered,interrupted", done.stderr


def test_a_sigterm_that_cannot_unwind_still_ends_the_process_in_bounded_time():
    started = time.monotonic()
    done = _python("""
        import os, signal, time
        from pipeline import lifeline
        lifeline.TERMINATED_EXIT_S = 1.0
        lifeline.sigterm_as_interrupt()
        sent = False
        while True:  # a library swallowing the interrupt
            try:
                if not sent:
                    sent = True
                    os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.1)
            except KeyboardInterrupt:
                pass
    """)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert time.monotonic() - started < 30
