"""The Parquet files of the store that an import reads and writes without pandas: atomic
writes of Arrow tables, their durability, reading row groups back (a damaged file named), and
one activity's samples file written from NumPy columns.

A bulk import's workers write the samples files and its main process reads the ledger before any
pandas is imported (``pipeline.ingest.run``): this module, and what it imports, never imports
pandas. ``pipeline.store`` re-exports its functions.
"""

from __future__ import annotations

import contextlib
import functools
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import table_rules
from pipeline.errors import DamagedStoreError
from pipeline.files import atomic_write, checksummed, damaged, file_sha256, verify_checksum
from pipeline.ingest.parse.model import SampleColumns
from pipeline.paths import Store

# --- writing ---------------------------------------------------------------------------------


def atomic_write_table(parts, path: Path, *, schema: pa.Schema,
                       use_dictionary: bool = True, durable: bool = True) -> None:
    """Write Arrow tables of ``schema`` as Parquet, one row group each, atomically.

    ``durable=False`` skips the fsync: the caller makes the file durable later with
    ``sync_writes`` before anything that refers to it is written (a bulk import's samples).
    """

    def write(tmp: str) -> str | None:
        # a CRC per page: a flipped bit in the stored values is found when read, not used
        with pq.ParquetWriter(tmp, schema, use_dictionary=use_dictionary,
                              write_page_checksum=True) as writer:
            for part in parts:
                writer.write_table(part)
        if durable:
            with open(tmp, "rb+") as f:
                os.fsync(f.fileno())
        return file_sha256(tmp) if checksummed(path) else None

    atomic_write(path, write)


SYNC_EACH_MAX = 32  # files: up to this many, each is fsynced (and its folder); more, one syncfs


def sync_writes(store: Store, paths: list[Path] | None = None) -> None:
    """Make the files written under the athlete's store without an fsync durable (data and
    renames): ``paths``, or every file when None.

    Up to ``SYNC_EACH_MAX`` paths, each file and each of their folders is fsynced (a one-file
    import: a few milliseconds). Beyond, or without ``paths``, one ``syncfs`` of the store's file
    system: an import that writes hundreds of samples files and raw copies calls it once before
    each write of the activities and the ledger that refer to them, instead of an fsync per file
    (up to 8 ms each, a third of a file's ingest). ``syncfs`` also waits for whatever else is
    waiting to be written on that file system (another program's files), which is why a few
    files are synced one by one. Where there is no ``syncfs`` (not Linux), ``os.sync``.
    """
    if paths is not None and len(paths) <= SYNC_EACH_MAX:
        for path in [*paths, *dict.fromkeys(p.parent for p in paths)]:
            with contextlib.suppress(FileNotFoundError):  # a samples file a twin replaced
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        return
    folder = next((f for f in (store.processed_dir, store.raw_dir, Path(store.data_dir))
                   if f.exists()), None)
    if folder is None:  # nothing written yet
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _syncfs(fd) != 0:
            os.sync()
    finally:
        os.close(fd)


@functools.cache
def _libc_syncfs():
    import ctypes

    return getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)


def _syncfs(fd: int) -> int:
    """``syncfs(fd)``: 0 when done, -1 when unavailable or failed (the caller falls back)."""
    try:
        call = _libc_syncfs()
    except OSError:
        return -1
    return -1 if call is None else call(fd)


_SAMPLE_TIME = pa.timestamp("us", tz="UTC")


def write_sample_columns(store: Store, activity_id: str, samples: SampleColumns, *,
                         durable: bool = True) -> None:
    """Check and write one activity's samples (``store.write_samples`` for a frame too)."""
    table = samples_table(samples)
    atomic_write_table([table], store.samples_path(activity_id), schema=table.schema,
                       use_dictionary=False, durable=durable)


def samples_table(samples: SampleColumns) -> pa.Table:
    """The Arrow table of checked ``SampleColumns``, as ``_samples_table`` makes it of the same
    samples as a frame (the test compares them)."""
    table_rules.check_sample_arrays({"timestamp_utc": samples.timestamp, **samples.floats})
    micros = np.ascontiguousarray(samples.timestamp.astype("datetime64[us]").astype(np.int64))
    time = pa.Array.from_buffers(_SAMPLE_TIME, len(micros), [None, pa.py_buffer(micros)])
    return pa.table({"timestamp_utc": time, **{
        name: float_array(values) for name, values in samples.floats.items()}})


def float_array(values: np.ndarray) -> pa.Array:
    """Floats as an Arrow float64 array, NaN as null (as ``pa.array(values, from_pandas=True)``
    makes it). Built from the buffers: ``pa.array`` imports pandas to look at any NumPy array,
    0.4 s in each worker of an import that otherwise never needs it."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    missing = np.isnan(values)
    if not missing.any():
        return pa.Array.from_buffers(pa.float64(), len(values), [None, pa.py_buffer(values)])
    valid = pa.py_buffer(np.packbits(~missing, bitorder="little"))
    return pa.Array.from_buffers(pa.float64(), len(values), [valid, pa.py_buffer(values)],
                                 null_count=int(missing.sum()))


# --- reading ---------------------------------------------------------------------------------


@contextlib.contextmanager
def reading(path: Path):
    """Turn a failure to read the stored file ``path`` (truncated, garbled, a page's checksum
    wrong) into ``DamagedStoreError`` naming it; a missing file or a permission stays as it is."""
    try:
        if path.exists():
            verify_checksum(_store_of(path), path)
        yield
    except DamagedStoreError:
        raise
    except (FileNotFoundError, PermissionError, MemoryError, KeyboardInterrupt):
        raise
    except (pa.ArrowException, OSError, ValueError, TypeError, KeyError, IndexError) as e:
        raise damaged(_store_of(path), path, _detail(e)) from None


def parquet_file(path: Path) -> pq.ParquetFile:
    """``path`` opened for reading row groups, checking each page's checksum (use inside
    ``reading(path)``)."""
    return pq.ParquetFile(path, page_checksum_verification=True)


def _detail(e: Exception) -> str:
    text = " ".join(str(e).split())
    return text[:160] or type(e).__name__


def _store_of(path: Path) -> Store:
    """The store a processed file belongs to (``<data>/processed/<athlete>/...``)."""
    path = Path(path)
    for parent in path.parents:
        if parent.parent.name == "processed":
            return Store(parent.parent.parent, parent.name)
    return Store(path.parent, "me")


def row_groups(path: Path, schema: pa.Schema, columns: list[str] | None = None):
    """The Parquet file at ``path`` one row group at a time, conformed to ``schema`` (or only
    ``columns`` of it); nothing when there is no file."""
    if not path.exists():
        return
    names = columns or schema.names
    with reading(path), parquet_file(path) as f:
        for i in range(f.num_row_groups):
            yield conformed(f.read_row_group(i, columns=[n for n in names
                                                         if n in f.schema_arrow.names]),
                             pa.schema([schema.field(n) for n in names]))


# sources.parquet's columns (the ledger); ``store.sources_schema`` adds the pandas metadata
SOURCES_FIELDS = pa.schema(
    [(name, pa.large_string())
     for name in ("sha256", "source_file", "top_sha256", "raw_path", "status", "reason")]
    + [("activity_ids", pa.list_(pa.string())),
       ("ingested_at_utc", pa.timestamp("us", tz="UTC"))])


def source_row_groups(store: Store, columns: list[str] | None = None):
    """The ledger one row group at a time, as ``SOURCES_FIELDS`` (or only ``columns`` of it);
    nothing when there is no ledger yet."""
    return row_groups(store.sources_path, SOURCES_FIELDS, columns)


def conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns and types (a column an older file lacks is null)."""
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(len(table), f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)
