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
import fcntl
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import schemas
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


def atomic_write_parquet(df: pd.DataFrame, path: Path, *, use_dictionary: bool = True,
                         rows_per_group: int | None = None) -> None:
    """Write ``df`` as Parquet atomically; naive date columns become ``date32``.

    ``use_dictionary=False`` for columns of measurements, which rarely repeat: the dictionary is
    then only work (about half of the write time of a samples file, for a 2 % larger file).
    ``rows_per_group``: convert and write that many rows at a time, so that the Arrow copy of a
    large frame never exists whole (``activities.parquet`` during a bulk import).
    """
    df = _dates_to_date32(df)
    # one thread: the frames are small and a bulk import already runs one process per core
    step = rows_per_group or max(len(df), 1)
    schema = pa.Schema.from_pandas(df, preserve_index=False)
    parts = (pa.Table.from_pandas(df.iloc[start:start + step], schema=schema,
                                  preserve_index=False, nthreads=1)
             for start in range(0, max(len(df), 1), step))
    atomic_write_table(parts, path, schema=schema, use_dictionary=use_dictionary)


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


def read_parquet(path: Path) -> pd.DataFrame:
    """Read a Parquet file written by this module; ``date32`` columns come back as datetime64."""
    df = pd.read_parquet(path)
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


def read_activities(store: Store) -> pd.DataFrame:
    """All activities of the athlete (empty frame with the schema's columns when none)."""
    if not store.activities_path.exists():
        return empty_frame(schemas.Activities)
    return read_parquet(store.activities_path)


ACTIVITY_ROW_GROUP = 256  # rows: ~1 MB of speed and heart-rate profiles at a time


def write_activities(store: Store, activities: pd.DataFrame) -> pd.DataFrame:
    """Write ``activities`` (validated, by start time); the frame as written."""
    validated = schemas.Activities.validate(activities.sort_values("start_time_utc"))
    validated = validated.reset_index(drop=True)
    atomic_write_parquet(validated, store.activities_path, rows_per_group=ACTIVITY_ROW_GROUP)
    return validated


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
        return pd.DataFrame(
            {
                "sha256": pd.Series(dtype=str),
                "source_file": pd.Series(dtype=str),
                "raw_path": pd.Series(dtype=str),
                "status": pd.Series(dtype=str),
                "reason": pd.Series(dtype=str),
                "activity_ids": pd.Series(dtype=object),
                "ingested_at_utc": pd.Series(dtype=schemas.UTC),
            }
        )
    return read_parquet(store.sources_path)


def write_sources(store: Store, sources: pd.DataFrame) -> None:
    atomic_write_parquet(sources.reset_index(drop=True), store.sources_path)


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

    Temporary files left by a writer that was killed are removed once the lock is held.
    """
    store.processed_dir.mkdir(parents=True, exist_ok=True)
    path = store.processed_dir / ".lock"
    with open(path, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreLockedError(
                f"another runload process is writing to {store.processed_dir}; "
                "wait for it to finish and run the command again"
            ) from None
        try:
            remove_stale_temp_files(store)
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
