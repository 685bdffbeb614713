"""An exclusive, non-blocking write lock on a file, which a dead process can never keep.

``flock`` belongs to the open file, which forked children share: a worker process forked while
``runload`` held the lock keeps it after ``runload`` is killed. Three guards:

* a forked worker lets go of the inherited descriptor first thing (``release_inherited_locks``);
* the lock file names its holder (pid and start time); a lock that is busy while its holder is
  dead is held only through a dead process's descendants, and is taken over: the lock file is
  replaced by a fresh one (those descendants keep a lock on a file nobody uses any more);
* every acquisition and take-over happens under a short-lived guard lock (``<name>.guard``), so
  two processes never both decide to take over, and the holder's name is always written by the
  holder of the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

GUARD_WAIT_S = 10.0  # the guard is held for microseconds; this only bounds a pathological wait

_held: set[int] = set()  # descriptors of the locks this process holds (forked workers drop them)


class LockBusy(Exception):
    """Another living process holds the lock."""


def process_start_time(pid: int) -> str:
    """The process's start time in clock ticks since boot (Linux), telling a reused pid apart;
    "-" where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return "-"


def _holder_alive(text: str) -> bool:
    """Whether the process named in a lock file ("pid start") still runs; an unnamed holder (a
    lock file from an older runload) counts as alive, as it did then."""
    parts = text.split()
    if len(parts) != 2 or not parts[0].isdigit():
        return True
    pid, start = int(parts[0]), parts[1]
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process that exists
    return start == "-" or process_start_time(pid) in ("-", start)


@contextlib.contextmanager
def _guard(path: Path):
    with open(path.with_name(path.name + ".guard"), "a") as g:
        deadline = time.monotonic() + GUARD_WAIT_S
        while True:
            try:
                fcntl.flock(g.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockBusy from None
                time.sleep(0.01)
        try:
            yield
        finally:
            fcntl.flock(g.fileno(), fcntl.LOCK_UN)


def _fresh_lock_file(path: Path):
    """A new, locked lock file put in place of ``path`` (whose lock only dead hands hold)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    f = open(tmp, "w+")
    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else knows this file yet
    os.replace(tmp, path)
    return f


def acquire(path: Path):
    """The open, locked lock file at ``path``; ``LockBusy`` when a living process holds it."""
    with _guard(path):
        f = open(path, "a+")
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read(200)
            f.close()
            if _holder_alive(holder):
                raise LockBusy from None
            f = _fresh_lock_file(path)
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()} {process_start_time(os.getpid())}\n")
        f.flush()
    _held.add(f.fileno())
    return f


def release(f) -> None:
    _held.discard(f.fileno())
    with contextlib.suppress(OSError):
        fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    f.close()


def release_inherited_locks() -> None:
    """In a forked child: stop sharing the parent's locks. The descriptor number is pointed at
    /dev/null rather than closed, so the parent's file objects (copied into the child) can
    never close an unrelated file that reused the number."""
    if not _held:
        return
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        for fd in list(_held):
            with contextlib.suppress(OSError):
                os.dup2(null, fd, inheritable=False)
    finally:
        os.close(null)
    _held.clear()
