"""The store's plain-Python file operations: atomic writes, fsynced appends to the raw logs, JSON
read back with a clear error, and the athlete's write lock. No pandas or Arrow: the one-line
commands (``pain add``, ``profile``) use only this, ``paths`` and ``errors``."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shlex
import tempfile
from pathlib import Path

from pipeline import lockfile
from pipeline.errors import DamagedStoreError, StoreLockedError
from pipeline.paths import Store


def rebuild_command(store: Store) -> str:
    """The ``runload rebuild`` line that recreates this athlete's processed data."""
    parts = ["runload", "rebuild"]
    if Path(store.data_dir) != Path("data"):
        parts += ["--data-dir", str(store.data_dir)]
    if store.athlete != "me":
        parts += ["--athlete", store.athlete]
    return shlex.join(parts)


def damaged(store: Store, path: Path, detail: str) -> DamagedStoreError:
    """The error for a processed file of ``store`` that cannot be read back."""
    return DamagedStoreError(path, detail, rebuild=rebuild_command(store))


# --- checksums of the processed files ----------------------------------------------------------
#
# A flipped bit inside a Parquet page fails the page's CRC, but most of a small file is its footer
# (schema, pandas metadata), which no CRC covers. So every file written directly in
# data/processed/<athlete>/ gets a SHA-256 beside it (.<name>.sha256), checked before the file is
# read. The new digest is written (beside the previous one) before the file is renamed into
# place: a process killed between the two leaves a file that matches one of them. Samples are
# left to their page CRCs (thousands of files, restored by a rebuild).

# (path, inode, size, mtime) -> digest of the files this process wrote or checked: an import
# reads activities.parquet row group by row group many times, hashed once. Every write renames a
# new file into place (a new inode), so another writer's file is always checked again.
_VERIFIED: dict[tuple, str] = {}


def checksummed(path: Path) -> bool:
    """True for the files kept directly in an athlete's processed folder."""
    path = Path(path)
    return path.parent.parent.name == "processed" and not path.parent.name.startswith(".")


def checksum_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.sha256")


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def record_checksum(path: Path, digest: str) -> None:
    """Note ``digest`` as the content ``path`` is about to have (call before the rename)."""
    side = checksum_path(path)
    previous = _accepted(side)[:1]
    data = "\n".join([digest, *[d for d in previous if d != digest]]) + "\n"
    # the side file's own name already starts with "."; it has no checksum of its own
    atomic_write(side, lambda tmp: _synced_write(tmp, data.encode()), temp_prefix=f"{side.name}.")


def remember_verified(path: Path, digest: str) -> None:
    """After this process wrote ``path`` with ``digest``, reading it back needs no new hash."""
    with contextlib.suppress(OSError):
        _VERIFIED[_identity(path)] = digest


def verify_checksum(store: Store, path: Path) -> None:
    """Raise ``DamagedStoreError`` when ``path`` no longer has the content last written (a file
    without a recorded checksum, from an older version, is taken as it is)."""
    if not checksummed(path):
        return
    accepted = _accepted(checksum_path(path))
    if not accepted:
        return
    for _ in range(3):  # a writer may replace the file between reading the two: look again
        key = _identity(path)
        if _VERIFIED.get(key) in accepted:
            return
        digest = file_sha256(path)
        if digest in accepted:
            _VERIFIED[key] = digest
            return
        accepted = _accepted(checksum_path(path))
    raise damaged(store, path, "its content changed since it was written: the SHA-256 in "
                               f"{checksum_path(path).name} does not match")


def _accepted(side: Path) -> list[str]:
    try:
        return side.read_text(errors="replace").split()
    except FileNotFoundError:
        return []


def _identity(path: Path) -> tuple:
    info = os.stat(path)
    return (str(path), info.st_ino, info.st_size, info.st_mtime_ns)


# --- atomic writes ---------------------------------------------------------------------------


def atomic_write(path: Path, write, *, temp_prefix: str | None = None) -> None:
    """Write ``path`` through a temporary file beside it and a rename, so a reader sees the old
    content or the new, never part of it.

    ``write(tmp)`` fills the temporary file (its name, ``.<name>.<random>.tmp`` unless
    ``temp_prefix`` says otherwise; fsynced by ``write`` when it must be durable) and returns
    the SHA-256 to record for it (None: no checksum). The checksum is recorded before the
    rename (``record_checksum``); on any error the temporary file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix or f".{path.name}.",
                               suffix=".tmp")
    os.close(fd)
    try:
        digest = write(tmp)
        if digest:
            record_checksum(path, digest)
        os.replace(tmp, path)
        if digest:
            remember_verified(path, digest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _synced_write(tmp: str, data: bytes) -> None:
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""

    def write(tmp: str) -> str | None:
        _synced_write(tmp, data)
        return hashlib.sha256(data).hexdigest() if checksummed(path) else None

    atomic_write(path, write)


def atomic_write_json(obj, path: Path) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


def read_json(store: Store, path: Path):
    """The JSON value stored at ``path``; ``DamagedStoreError`` naming it when it is not JSON."""
    verify_checksum(store, path)
    data = path.read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise damaged(store, path, f"not valid JSON: {e}") from None


# --- append-only raw logs --------------------------------------------------------------------


def append_synced(path: Path, data: bytes) -> None:
    """Append ``data`` (whole lines) to ``path`` and fsync it, under an exclusive lock of the file.

    One ``write`` of the whole record: a reader holding the shared lock never sees half of it. A
    tail without its final newline (a writer killed mid-write, never acknowledged) is cut first,
    so it cannot glue onto this record.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        if size:
            _cut_unfinished_tail(fd, size)
        start = os.fstat(fd).st_size
        written = os.write(fd, data)
        if written != len(data):  # a full disk: leave no half record behind
            os.ftruncate(fd, start)
            raise OSError(28, "No space left on device", str(path))
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


def _cut_unfinished_tail(fd: int, size: int) -> None:
    """Truncate the file after its last newline (looking back a chunk at a time)."""
    end = size
    while end > 0:
        start = max(0, end - 64 * 1024)
        chunk = os.pread(fd, end - start, start)
        if end == size and chunk.endswith(b"\n"):
            return
        cut = chunk.rfind(b"\n")
        if cut >= 0:
            os.ftruncate(fd, start + cut + 1)
            return
        end = start
    os.ftruncate(fd, 0)  # not one finished record


def read_log_bytes(path: Path, start: int = 0) -> tuple[bytes, int]:
    """The complete lines of an append-only log from byte ``start`` on, and the offset after the
    last one (read under a shared lock, so no record is seen half-written). Nothing when there is
    no log."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return b"", start
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        size = os.fstat(fd).st_size
        data = os.pread(fd, max(0, size - start), start) if size > start else b""
    finally:
        os.close(fd)
    end = data.rfind(b"\n") + 1
    return data[:end], start + end


def append_json_line(path: Path, record: dict) -> None:
    """Append one JSON record to an append-only log (ASCII: any name, even one that is not valid
    UTF-8, is kept exactly through ``\\udcXX`` escapes)."""
    append_synced(path, (json.dumps(record, ensure_ascii=True, sort_keys=True) + "\n").encode())


def json_lines(path: Path, until: int | None = None) -> list[dict]:
    """Every complete record of a JSON-lines log, or of its first ``until`` bytes (a line that
    is not JSON, from a damaged disk, is skipped: the log only ever grows, the records around it
    are intact)."""
    data, _ = read_log_bytes(path)
    if until is not None:
        data = data[:until]
    records = []
    for line in data.decode("ascii", errors="replace").splitlines():
        with contextlib.suppress(ValueError):
            record = json.loads(line)
            if isinstance(record, dict):
                records.append(record)
    return records


# --- the athlete's write lock -----------------------------------------------------------------


def remove_stale_temp_files(store: Store) -> int:
    """Delete the temporary files (``.<name>.<random>.tmp``) a killed writer left; how many.

    Only call with the lock held: then no other writer can have a temporary file in progress.
    The inbox is left alone (it holds the user's files, whatever their names).
    """
    removed = 0
    for base in (store.processed_dir, store.raw_files_dir, store.raw_pain_dir, store.raw_rehab_dir,
                 store.quarantine_dir):
        for dirpath, _dirs, files in os.walk(base):
            for name in files:
                if name.startswith(".") and name.endswith(".tmp"):
                    with contextlib.suppress(OSError):  # left behind, it is only clutter
                        os.unlink(os.path.join(dirpath, name))
                        removed += 1
    return removed


@contextlib.contextmanager
def locked(store: Store):
    """Hold the athlete's write lock; a second writer gets ``StoreLockedError`` at once.

    A lock whose holder has died is not held (``lockfile``: not even by the worker processes it
    left). Temporary files left by a writer that was killed are removed once the lock is held.
    """
    store.processed_dir.mkdir(parents=True, exist_ok=True)
    try:
        f = lockfile.acquire(store.processed_dir / ".lock")
    except lockfile.LockBusy:
        raise StoreLockedError(
            f"another runload process is writing to {store.processed_dir}; "
            "wait for it to finish and run the command again"
        ) from None
    try:
        remove_stale_temp_files(store)
        yield
    finally:
        lockfile.release(f)
