"""Child processes die with ``runload``, whatever kills it.

A ``kill -9`` of the ``runload`` process alone (the out-of-memory killer, ``timeout``, a service
manager) runs no ``finally`` and no ``atexit``: without these, its worker processes and Prefect
servers live on for good (reparented to init), holding memory, a port and the store's lock.

* ``die_with_parent`` (in each worker process): the kernel sends SIGKILL when the parent dies
  (Linux ``PR_SET_PDEATHSIG``), and a watch thread exits if the parent changes anyway (another
  system, or a parent thread that ended).
* ``watch(proc)`` (for servers started with ``subprocess``): a small watchdog process, in a
  session of its own, reads from a pipe only this process writes; when the pipe reaches end of
  file (this process ended, however) it stops every process it was told about.
* ``sigterm_as_interrupt``: SIGTERM unwinds like Ctrl-C, so ``finally`` blocks stop what they
  started and the store's lock is released; within a bounded time, else the process exits.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time

from pipeline.lockfile import process_start_time

PR_SET_PDEATHSIG = 1
PARENT_POLL_S = 0.5


def die_with_parent() -> None:
    """Make this (child) process end when its parent does; call first thing in the child."""
    parent = os.getppid()
    with contextlib.suppress(Exception):  # not Linux, or no libc: the watch thread still works
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_S)
        os._exit(1)

    threading.Thread(target=watch_parent, name="runload-parent-watch", daemon=True).start()


TERMINATED_EXIT_S = 30.0  # after SIGTERM, at most this long to unwind in order
_deferred = {"depth": 0, "pending": False}  # SIGTERM held back during ``critical`` (main thread)


def sigterm_as_interrupt():
    """SIGTERM raises ``KeyboardInterrupt`` in the main thread, as Ctrl-C does; returns the
    function that puts the previous handler back.

    SIGTERM means "stop now", so the stop is bounded: if unwinding takes longer than
    ``TERMINATED_EXIT_S`` (an interrupt landing where a library cannot unwind), or a second
    SIGTERM comes, the process exits at once; its children still end (``die_with_parent``,
    the watchdog)."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def interrupt(signum, frame):
        if _deferred.get("terminated"):
            os._exit(128 + signum)
        _deferred["terminated"] = True
        threading.Thread(target=_exit_later, args=(128 + signum,), daemon=True).start()
        if _deferred["depth"]:
            _deferred["pending"] = True  # raised when the critical section ends
            return
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)

    def restore():
        signal.signal(signal.SIGTERM, previous)
        _deferred.pop("terminated", None)

    return restore


def _exit_later(status: int) -> None:
    time.sleep(TERMINATED_EXIT_S)
    os._exit(status)


@contextlib.contextmanager
def critical():
    """A block SIGTERM does not interrupt (it takes effect when the block ends): starting a
    child process and registering it with the watchdog must not be torn apart."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _deferred["depth"] += 1
    try:
        yield
    finally:
        _deferred["depth"] -= 1
        if not _deferred["depth"] and _deferred["pending"]:
            _deferred["pending"] = False
            raise KeyboardInterrupt


# --- the watchdog -------------------------------------------------------------------------------

# Run with ``python -I -c``: imports nothing of runload. Reads "pid start group" lines; at end of
# file (the parent is gone) stops each process still the one it was told about (same start time:
# a reused pid is left alone): SIGTERM, then SIGKILL after a grace period. "group" 1: the process
# leads a process group of its own (a server with its own children), stopped as a group.
WATCHDOG = r"""
import os, signal, sys, time
def start(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except OSError:
        return None
def send(pid, group, sig):
    try:
        os.killpg(pid, sig) if group else os.kill(pid, sig)
    except OSError:
        pass
watched = {}
for line in sys.stdin:
    parts = line.split()
    if parts[0] == "-":
        watched.pop(int(parts[1]), None)
    else:
        watched[int(parts[0])] = (parts[1], parts[2] == "1")
alive = {p: g for p, (s, g) in watched.items() if s == "-" or start(p) == s}
for pid, group in alive.items():
    send(pid, group, signal.SIGTERM)
deadline = time.monotonic() + float(sys.argv[1])
while alive and time.monotonic() < deadline:
    time.sleep(0.1)
    alive = {p: g for p, g in alive.items() if start(p) is not None}
for pid, group in alive.items():
    send(pid, group, signal.SIGKILL)
"""

GRACE_S = 5.0
_watchdog: subprocess.Popen | None = None
_watchdog_lock = threading.Lock()


def start_watchdog() -> None:
    """Start the watchdog now (``watch`` starts it when first needed), so that registering a
    server later is one write."""
    with critical(), _watchdog_lock:
        _started_watchdog()


def _started_watchdog() -> subprocess.Popen:
    global _watchdog
    if _watchdog is None or _watchdog.poll() is not None:
        _watchdog = subprocess.Popen(
            [sys.executable, "-I", "-c", WATCHDOG, str(GRACE_S)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # not stopped by the terminal's Ctrl-C or a group kill
            text=True,
        )
    return _watchdog


def _send(line: str) -> None:
    with critical(), _watchdog_lock:
        watchdog = _started_watchdog()
        watchdog.stdin.write(line + "\n")
        watchdog.stdin.flush()


def watch(proc: subprocess.Popen, *, group: bool = False) -> None:
    """Stop ``proc`` (its whole process group with ``group``) when this process ends. Start
    ``proc`` and call this inside ``critical()``, so no SIGTERM falls between the two."""
    _send(f"{proc.pid} {process_start_time(proc.pid)} {int(group)}")


def unwatch(proc: subprocess.Popen) -> None:
    """``proc`` was stopped in order: forget it (its pid may be reused)."""
    with contextlib.suppress(OSError, ValueError):
        _send(f"- {proc.pid}")
