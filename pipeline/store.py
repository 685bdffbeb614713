"""The only module that knows file names under ``data/``. Every write is atomic.

Layout for one athlete::

    data/raw/<athlete>/                  inputs, stored unchanged (never modified or deleted)
        inbox/                           files dropped here are picked up by ``runload run``
        files/<sha256[:2]>/<sha256>/<name>   content-addressed copies of ingested inputs
        pain/<sha256[:12]>-<name>.csv    imported pain-log CSVs
        quarantine/<sha256[:12]>-<name>  inputs nothing could read, beside <name>.reason.txt
    data/processed/<athlete>/
        activities.parquet  sources.parquet  pain_log.parquet  daily.parquet  weekly.parquet
        samples/<activity_id>.parquet    recommendation.json  profile.json
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import lockfile, schemas
from pipeline.errors import RunloadError, StoreLockedError

DATE_COLUMNS = ("local_date", "date", "week_start")


@dataclass(frozen=True)
class Store:
    """Paths of one athlete's data."""

    data_dir: Path
    athlete: str

    @property
    def raw_dir(self) -> Path:
        return Path(self.data_dir) / "raw" / self.athlete

    @property
    def inbox_dir(self) -> Path:
        return self.raw_dir / "inbox"

    @property
    def raw_files_dir(self) -> Path:
        return self.raw_dir / "files"

    @property
    def raw_pain_dir(self) -> Path:
        return self.raw_dir / "pain"

    @property
    def quarantine_dir(self) -> Path:
        return self.raw_dir / "quarantine"

    @property
    def processed_dir(self) -> Path:
        return Path(self.data_dir) / "processed" / self.athlete

    @property
    def samples_dir(self) -> Path:
        return self.processed_dir / "samples"

    @property
    def activities_path(self) -> Path:
        return self.processed_dir / "activities.parquet"

    @property
    def sources_path(self) -> Path:
        return self.processed_dir / "sources.parquet"

    @property
    def pain_log_path(self) -> Path:
        return self.processed_dir / "pain_log.parquet"

    @property
    def daily_path(self) -> Path:
        return self.processed_dir / "daily.parquet"

    @property
    def weekly_path(self) -> Path:
        return self.processed_dir / "weekly.parquet"

    @property
    def recommendation_path(self) -> Path:
        return self.processed_dir / "recommendation.json"

    @property
    def profile_path(self) -> Path:
        return self.processed_dir / "profile.json"

    def samples_path(self, activity_id: str) -> Path:
        return self.samples_dir / f"{activity_id}.parquet"

    def raw_file_path(self, sha256: str, name: str) -> Path:
        return self.raw_files_dir / sha256[:2] / sha256 / safe_name(name)

    def raw_pain_path(self, sha256: str, name: str) -> Path:
        """Where an imported pain-log CSV is kept unchanged (content hash + its own name)."""
        return self.raw_pain_dir / f"{sha256[:12]}-{safe_name(name)}"

    def quarantine_path(self, sha256: str, name: str) -> Path:
        return self.quarantine_dir / f"{sha256[:12]}-{safe_name(name)}"


def parse_cache_dir(data_dir: Path) -> Path:
    """Prefect's cache of parsed files, keyed on content (shared by athletes; safe to delete)."""
    return Path(data_dir) / "processed" / ".cache" / "parse"


def athletes(data_dir: Path) -> list[str]:
    """Every athlete with raw or processed data under ``data_dir``, sorted."""
    found = set()
    for part in ("raw", "processed"):
        base = Path(data_dir) / part
        if base.is_dir():
            found.update(p.name for p in base.iterdir() if p.is_dir() and not p.name.startswith("."))
    return sorted(found)


def safe_name(name: str) -> str:
    """The last path component of ``name`` with anything unusual replaced by '_'."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1].replace("!", "_") or "input"
    cleaned = "".join(c if c.isalnum() or c in "._-" else "_" for c in base)
    return cleaned.lstrip(".")[:120] or "input"


# --- atomic writes ---------------------------------------------------------------------------


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_parquet(df: pd.DataFrame, path: Path, *, use_dictionary: bool = True) -> None:
    """Write ``df`` as Parquet atomically; naive date columns become ``date32``.

    ``use_dictionary=False`` for columns of measurements, which rarely repeat: the dictionary is
    then only work (about half of the write time of a samples file, for a 2 % larger file).
    """
    # one thread: the frames are small and a bulk import already runs one process per core
    table = pa.Table.from_pandas(_dates_to_date32(df), preserve_index=False, nthreads=1)
    atomic_write_table([table], path, schema=table.schema, use_dictionary=use_dictionary)


def atomic_write_table(parts, path: Path, *, schema: pa.Schema,
                       use_dictionary: bool = True) -> None:
    """Write Arrow tables of ``schema`` as Parquet, one row group each, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with pq.ParquetWriter(tmp, schema, use_dictionary=use_dictionary) as writer:
            for part in parts:
                writer.write_table(part)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def atomic_write_json(obj, path: Path) -> None:
    atomic_write_bytes(path, (json.dumps(obj, indent=2, default=str) + "\n").encode())


def read_parquet(path: Path, columns=None) -> pd.DataFrame:
    """Read a Parquet file written by this module (or only ``columns`` of it); ``date32`` columns
    come back as datetime64."""
    return _dates_to_datetime(pd.read_parquet(path, columns=None if columns is None
                                              else list(columns)))


def _dates_to_datetime(df: pd.DataFrame) -> pd.DataFrame:
    for col in DATE_COLUMNS:
        if col in df.columns:
            df[col] = pd.to_datetime(df[col]).astype("datetime64[us]")
    return df


def _dates_to_date32(df: pd.DataFrame) -> pd.DataFrame:
    out = df
    for col in DATE_COLUMNS:
        if col in df.columns and pd.api.types.is_datetime64_any_dtype(df[col]):
            if out is df:
                out = df.copy()
            out[col] = pd.Series(df[col].dt.date, index=df.index, dtype=pd.ArrowDtype(pa.date32()))
    return out


# --- datasets --------------------------------------------------------------------------------


def empty_frame(model) -> pd.DataFrame:
    """An empty frame with a schema's columns and dtypes."""
    return model.to_schema().coerce_dtype(pd.DataFrame(columns=list(model.to_schema().columns)))


def read_activities(store: Store, columns=None) -> pd.DataFrame:
    """All activities of the athlete, or only ``columns`` of them (an empty frame with the
    schema's columns when none)."""
    if not store.activities_path.exists():
        empty = empty_frame(schemas.Activities)
        return empty if columns is None else empty[list(columns)]
    return read_parquet(store.activities_path, columns=columns)


ACTIVITY_ROW_GROUP = 256  # rows: ~1 MB of speed and heart-rate profiles at a time
# the list columns of activities.parquet (pandas holds them as objects, which Arrow cannot type)
ACTIVITY_LIST_TYPES = {
    "source_files": pa.list_(pa.string()),
    "channels": pa.list_(pa.string()),
    "moving_speed_percentiles_mps": pa.list_(pa.float64()),
    "hr_seconds_by_bpm": pa.list_(pa.float64()),
}


@functools.cache
def activities_schema() -> pa.Schema:
    """The Arrow schema of ``activities.parquet``: ``schemas.Activities`` with typed lists."""
    schema = pa.Schema.from_pandas(_dates_to_date32(empty_frame(schemas.Activities)),
                                   preserve_index=False)
    for name, type_ in ACTIVITY_LIST_TYPES.items():
        schema = schema.set(schema.get_field_index(name), pa.field(name, type_))
    return schema


def write_activities(store: Store, activities: pd.DataFrame) -> None:
    """Write ``activities`` (validated, by start time); an import streams its rows instead
    (``ingest.activity_table``)."""
    write_activity_groups(store, [activities_table(activities)])


def activities_table(activities: pd.DataFrame) -> pa.Table:
    """Activity rows (validated against ``schemas.Activities``) as an Arrow table of
    ``activities_schema``, sorted by start time."""
    validated = _dates_to_date32(schemas.Activities.validate(activities))
    table = pa.Table.from_pandas(validated, schema=activities_schema(), preserve_index=False,
                                 nthreads=1)
    return table.sort_by("start_time_utc")


def activity_row_groups(store: Store, columns: list[str] | None = None):
    """``activities.parquet`` one row group at a time, as ``activities_schema`` (or only
    ``columns`` of it); nothing when there is no file yet."""
    return _row_groups(store.activities_path, activities_schema(), columns)


def read_activity_row_group(store: Store, index: int) -> pd.DataFrame:
    """Row group ``index`` of ``activities.parquet`` as ``read_parquet`` returns rows, with every
    column of ``activities_schema`` (a file from an older version may lack some)."""
    with pq.ParquetFile(store.activities_path) as f:
        table = _conformed(f.read_row_group(index), activities_schema())
    return _dates_to_datetime(table.to_pandas())


def write_activity_groups(store: Store, groups) -> None:
    """Write Arrow tables of ``activities_schema`` (by start time) as ``activities.parquet``, one
    row group each, atomically."""
    atomic_write_table(groups, store.activities_path, schema=activities_schema())


def _conformed(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with ``schema``'s columns and types (a column an older file lacks is null)."""
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names
               else pa.nulls(len(table), f.type) for f in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def read_samples(store: Store, activity_id: str) -> pd.DataFrame:
    """Per-sample data of one activity (``schemas.Samples``)."""
    path = store.samples_path(activity_id)
    if not path.exists():
        raise RunloadError(f"no samples stored for activity {activity_id!r}")
    return read_parquet(path)


def write_samples(store: Store, activity_id: str, samples: pd.DataFrame) -> None:
    # validate_samples: the Samples rules in NumPy (pandera took longer than decoding the file)
    table = _samples_table(schemas.validate_samples(samples))
    atomic_write_table([table], store.samples_path(activity_id), schema=table.schema,
                       use_dictionary=False)


def _samples_table(samples: pd.DataFrame) -> pa.Table:
    """The Arrow table of a samples frame, built column by column (``Table.from_pandas`` took
    twice as long); NaN becomes null, as ``from_pandas`` makes it."""
    return pa.table({
        name: pa.array(column.to_numpy(), from_pandas=True) if column.dtype.kind == "f"
        else pa.Array.from_pandas(column)
        for name, column in samples.items()
    })


def read_sources(store: Store) -> pd.DataFrame:
    """The ingest ledger: one row per input seen (its hash, name, outcome, activities)."""
    if not store.sources_path.exists():
        return _empty_sources()
    return read_parquet(store.sources_path).reindex(columns=_empty_sources().columns)


def source_row_groups(store: Store, columns: list[str] | None = None):
    """The ledger one row group at a time, as ``sources_schema`` (or only ``columns`` of it);
    nothing when there is no ledger yet."""
    return _row_groups(store.sources_path, sources_schema(), columns)


def _empty_sources() -> pd.DataFrame:
    text = pd.Series(dtype=str)
    return pd.DataFrame({
        "sha256": text, "source_file": text, "top_sha256": text, "raw_path": text,
        "status": text, "reason": text, "activity_ids": pd.Series(dtype=object),
        "ingested_at_utc": pd.Series(dtype=schemas.UTC),
    })


@functools.cache
def sources_schema() -> pa.Schema:
    """The Arrow schema of ``sources.parquet``."""
    schema = pa.Schema.from_pandas(_empty_sources(), preserve_index=False)
    at = schema.get_field_index("activity_ids")
    return schema.set(at, pa.field("activity_ids", pa.list_(pa.string())))


def write_sources(store: Store, sources: pd.DataFrame) -> None:
    _write_rows(store.sources_path, [], sources, sources_schema())


def append_sources(store: Store, rows: pd.DataFrame) -> None:
    """Add ``rows`` to the ledger: the rows already there are copied a row group at a time."""
    _write_rows(store.sources_path, _row_groups(store.sources_path, sources_schema()), rows,
                     sources_schema())


def _write_rows(path: Path, groups, rows: pd.DataFrame, schema: pa.Schema) -> None:
    """Write the Arrow tables ``groups`` then ``rows`` (a frame) as Parquet of ``schema``."""
    table = pa.Table.from_pandas(rows.reindex(columns=schema.names), schema=schema,
                                 preserve_index=False, nthreads=1)
    atomic_write_table(itertools.chain(groups, [table]), path, schema=schema)


def _row_groups(path: Path, schema: pa.Schema, columns: list[str] | None = None):
    """The Parquet file at ``path`` one row group at a time, conformed to ``schema`` (or only
    ``columns`` of it); nothing when there is no file."""
    if not path.exists():
        return
    names = columns or schema.names
    with pq.ParquetFile(path) as f:
        for i in range(f.num_row_groups):
            yield _conformed(f.read_row_group(i, columns=[n for n in names
                                                         if n in f.schema_arrow.names]),
                             pa.schema([schema.field(n) for n in names]))


def read_pain_log(store: Store) -> pd.DataFrame:
    if not store.pain_log_path.exists():
        return empty_frame(schemas.PainLog)
    return read_parquet(store.pain_log_path)


def write_pain_log(store: Store, pain_log: pd.DataFrame) -> None:
    validated = schemas.PainLog.validate(pain_log)
    atomic_write_parquet(validated.reset_index(drop=True), store.pain_log_path)


def read_daily(store: Store) -> pd.DataFrame:
    return read_parquet(store.daily_path)


def write_daily(store: Store, daily: pd.DataFrame) -> None:
    atomic_write_parquet(schemas.Daily.validate(daily).reset_index(drop=True), store.daily_path)


def read_weekly(store: Store) -> pd.DataFrame:
    return read_parquet(store.weekly_path)


def write_weekly(store: Store, weekly: pd.DataFrame) -> None:
    atomic_write_parquet(schemas.Weekly.validate(weekly).reset_index(drop=True), store.weekly_path)


def read_recommendation(store: Store) -> dict:
    return json.loads(store.recommendation_path.read_text())


def write_recommendation(store: Store, recommendation: dict) -> None:
    atomic_write_json(recommendation, store.recommendation_path)


def read_profile(store: Store) -> dict:
    """The athlete's settings (``timezone``, ``sex``, ``hr_rest_bpm``, ``hr_max_bpm``, ...)."""
    if not store.profile_path.exists():
        return {}
    return json.loads(store.profile_path.read_text())


def write_profile(store: Store, profile: dict) -> None:
    atomic_write_json(profile, store.profile_path)


def remove_stale_temp_files(store: Store) -> int:
    """Delete the temporary files (``.<name>.<random>.tmp``) a killed writer left; how many.

    Only call with the lock held: then no other writer can have a temporary file in progress.
    The inbox is left alone (it holds the user's files, whatever their names).
    """
    removed = 0
    for base in (store.processed_dir, store.raw_files_dir, store.raw_pain_dir,
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
