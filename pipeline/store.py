"""The only module that reads and writes the files under ``data/`` (their names are in
``pipeline.paths``, the plain file operations in ``pipeline.files``). Every write is atomic; a
processed file that cannot be read back raises ``DamagedStoreError`` naming it and the rebuild."""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import table_rules
from pipeline.errors import RunloadError
from pipeline.ingest.parse.model import SampleColumns

# re-exported: callers use st.Store, st.atomic_write_bytes, ...
from pipeline.files import (  # noqa: F401
    atomic_write,
    atomic_write_bytes,
    atomic_write_json,
    checksummed,
    damaged,
    file_sha256,
    locked,
    read_json,
    record_checksum,
    remember_verified,
    remove_stale_temp_files,
    verify_checksum,
)
from pipeline.parquet_files import (  # noqa: F401
    SYNC_EACH_MAX,
    atomic_write_table,
    conformed,
    parquet_file,
    reading,
    row_groups,
    source_row_groups,
    samples_table,
    sync_writes,
    write_sample_columns,
)
from pipeline.paths import Store, athletes, parse_cache_dir, safe_name  # noqa: F401
from pipeline.profile import read_profile, write_profile  # noqa: F401

DATE_COLUMNS = ("local_date", "date", "week_start")


# --- atomic writes ---------------------------------------------------------------------------


def atomic_write_parquet(df: pd.DataFrame, path: Path, *, use_dictionary: bool = True,
                         metadata: dict[str, str] | None = None) -> None:
    """Write ``df`` as Parquet atomically; naive date columns become ``date32``.

    ``use_dictionary=False`` for columns of measurements, which rarely repeat: the dictionary is
    then only work (about half of the write time of a samples file, for a 2 % larger file).
    ``metadata`` is kept in the file's key-value metadata (written in the same rename).
    """
    # one thread: the frames are small and a bulk import already runs one process per core
    table = pa.Table.from_pandas(_dates_to_date32(df), preserve_index=False, nthreads=1)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               **{k.encode(): v.encode()
                                                  for k, v in metadata.items()}})
    atomic_write_table([table], path, schema=table.schema, use_dictionary=use_dictionary)


def read_parquet(path: Path, columns=None) -> pd.DataFrame:
    """Read a Parquet file written by this module (or only ``columns`` of it); ``date32`` columns
    come back as datetime64. A file that cannot be read back raises ``DamagedStoreError``."""
    with reading(path):
        return _dates_to_datetime(pd.read_parquet(
            path, columns=None if columns is None else list(columns),
            page_checksum_verification=True))


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
        empty = _empty_table_frame(table_rules.ACTIVITIES)
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
    """The Arrow schema of ``activities.parquet``: ``table_rules.ACTIVITIES`` (with the pandas
    metadata ``pandas.DataFrame.to_parquet`` would write: dates read back as dates)."""
    schema = pa.Schema.from_pandas(_dates_to_date32(_empty_table_frame(table_rules.ACTIVITIES)),
                                   preserve_index=False)
    for name, type_ in ACTIVITY_LIST_TYPES.items():
        schema = schema.set(schema.get_field_index(name), pa.field(name, type_))
    return schema


_PANDAS_DTYPES = {"utc": pd.DatetimeTZDtype(unit="us", tz="UTC"), "date": "datetime64[ns]",
                  "float": "float64", "int": "int64", "bool": "bool", "str": "str",
                  "str_list": "object", "float_list": "object"}


def _empty_table_frame(columns) -> pd.DataFrame:
    """An empty frame of ``table_rules`` columns, with the dtypes their pandera model gives."""
    return pd.DataFrame({c.name: pd.Series(dtype=_PANDAS_DTYPES[c.kind]) for c in columns})


def write_activities(store: Store, activities: pd.DataFrame) -> None:
    """Write ``activities`` (validated, by start time); an import streams its rows instead
    (``ingest.activity_table``)."""
    write_activity_groups(store, [activities_table(activities)])


def activities_table(activities: pd.DataFrame) -> pa.Table:
    """Activity rows as an Arrow table of ``activities_schema``, sorted by start time; raises
    ``table_rules.RulesViolated`` (or Arrow's error for a value of the wrong type) for rows that
    break ``table_rules.ACTIVITIES``. Checked in Arrow and NumPy: pandera's validation and
    import cost more than the rest of a one-file import."""
    frame = activities.copy()
    for name in DATE_COLUMNS:
        if name in frame.columns:
            frame[name] = pd.to_datetime(frame[name])
    table = pa.Table.from_pandas(_dates_to_date32(frame), schema=activities_schema(),
                                 preserve_index=False, nthreads=1)
    for rule in table_rules.ACTIVITIES:
        column = table[rule.name]
        null = column.is_null().to_numpy(zero_copy_only=False)
        plain = rule.kind in ("float", "int", "str") and (
            rule.ge is not None or rule.gt is not None or rule.le is not None
            or rule.isin is not None or rule.unique)
        values = column.to_numpy(zero_copy_only=False) if plain else None
        problem = table_rules.violation(rule, values, null)
        if problem:
            raise table_rules.RulesViolated(problem)
    return table.sort_by("start_time_utc")


def activity_row_groups(store: Store, columns: list[str] | None = None):
    """``activities.parquet`` one row group at a time, as ``activities_schema`` (or only
    ``columns`` of it); nothing when there is no file yet."""
    return row_groups(store.activities_path, activities_schema(), columns)


def read_activity_row_group(store: Store, index: int) -> pd.DataFrame:
    """Row group ``index`` of ``activities.parquet`` as ``read_parquet`` returns rows, with every
    column of ``activities_schema`` (a file from an older version may lack some)."""
    with reading(store.activities_path), parquet_file(store.activities_path) as f:
        table = conformed(f.read_row_group(index), activities_schema())
    return _dates_to_datetime(table.to_pandas())


def write_activity_groups(store: Store, groups) -> None:
    """Write Arrow tables of ``activities_schema`` (by start time) as ``activities.parquet``, one
    row group each, atomically."""
    atomic_write_table(groups, store.activities_path, schema=activities_schema())


def read_samples(store: Store, activity_id: str) -> pd.DataFrame:
    """Per-sample data of one activity (``schemas.Samples``)."""
    path = store.samples_path(activity_id)
    if not path.exists():
        raise RunloadError(f"no samples stored for activity {activity_id!r}")
    return read_parquet(path)


def write_samples(store: Store, activity_id: str, samples: SampleColumns | pd.DataFrame, *,
                  durable: bool = True) -> None:
    """Validate and write one activity's samples; ``durable=False``: see ``atomic_write_table``."""
    if isinstance(samples, SampleColumns):  # an import's: no frame in the per-file work
        write_sample_columns(store, activity_id, samples, durable=durable)
        return
    # the Samples rules in NumPy (pandera took longer than decoding the file)
    from pipeline import schemas

    table = _samples_table(schemas.validated_sample_columns(samples))
    atomic_write_table([table], store.samples_path(activity_id), schema=table.schema,
                       use_dictionary=False, durable=durable)


def _samples_table(columns: dict[str, pd.Series]) -> pa.Table:
    """The Arrow table of a samples frame's columns, built column by column
    (``Table.from_pandas`` took twice as long); NaN becomes null, as ``from_pandas`` makes it."""
    return pa.table({
        name: pa.array(column.to_numpy(), from_pandas=True) if column.dtype.kind == "f"
        else pa.Array.from_pandas(column)
        for name, column in columns.items()
    })


def read_sources(store: Store) -> pd.DataFrame:
    """The ingest ledger: one row per input seen (its hash, name, outcome, activities)."""
    if not store.sources_path.exists():
        return _empty_sources()
    return read_parquet(store.sources_path).reindex(columns=_empty_sources().columns)


def _empty_sources() -> pd.DataFrame:
    text = pd.Series(dtype=str)
    return pd.DataFrame({
        "sha256": text, "source_file": text, "top_sha256": text, "raw_path": text,
        "status": text, "reason": text, "activity_ids": pd.Series(dtype=object),
        "ingested_at_utc": pd.Series(dtype=_PANDAS_DTYPES["utc"]),
    })


@functools.cache
def sources_schema() -> pa.Schema:
    """The Arrow schema of ``sources.parquet``: ``parquet_files.SOURCES_FIELDS`` with the pandas
    metadata ``to_parquet`` writes."""
    schema = pa.Schema.from_pandas(_empty_sources(), preserve_index=False)
    at = schema.get_field_index("activity_ids")
    return schema.set(at, pa.field("activity_ids", pa.list_(pa.string())))


def write_sources(store: Store, sources: pd.DataFrame) -> None:
    _write_rows(store.sources_path, [], sources, sources_schema())


def append_sources(store: Store, rows: pd.DataFrame) -> None:
    """Add ``rows`` to the ledger: the rows already there are copied a row group at a time."""
    _write_rows(store.sources_path, row_groups(store.sources_path, sources_schema()), rows,
                     sources_schema())


def _write_rows(path: Path, groups, rows: pd.DataFrame, schema: pa.Schema) -> None:
    """Write the Arrow tables ``groups`` then ``rows`` (a frame) as Parquet of ``schema``."""
    table = pa.Table.from_pandas(rows.reindex(columns=schema.names), schema=schema,
                                 preserve_index=False, nthreads=1)
    atomic_write_table(itertools.chain(groups, [table]), path, schema=schema)


def read_pain_log(store: Store) -> pd.DataFrame:
    return _read_log(store.pain_log_path, "PainLog")


def write_pain_log(store: Store, pain_log: pd.DataFrame, *,
                   folded_offset: int | None = None) -> None:
    """Write the pain log; ``folded_offset``: how far the raw log of entries added on the command
    line is folded into it (``rawlog``), kept in the same file so both change in one rename."""
    _write_log(store.pain_log_path, "PainLog", pain_log, folded_offset)


FOLDED_OFFSET_KEY = "runload.folded_offset"


def folded_offset(path: Path) -> int | None:
    """The byte offset of the added-entries log folded into the Parquet file ``path`` (None: the
    file does not say, e.g. written before the log existed; 0: no file)."""
    if not path.exists():
        return 0
    with reading(path):
        metadata = pq.read_schema(path).metadata or {}
    value = metadata.get(FOLDED_OFFSET_KEY.encode())
    return None if value is None else int(value)


def read_rehab_log(store: Store) -> pd.DataFrame:
    return _read_log(store.rehab_log_path, "RehabLog")


def write_rehab_log(store: Store, rehab_log: pd.DataFrame, *,
                    folded_offset: int | None = None) -> None:
    """Write the rehab log; ``folded_offset`` as for ``write_pain_log`` (the raw log of
    ``rehab add`` entries folded into it so far)."""
    _write_log(store.rehab_log_path, "RehabLog", rehab_log, folded_offset)


def _read_log(path: Path, model: str) -> pd.DataFrame:
    """A log written by ``_write_log``; an empty frame of ``schemas.<model>`` when none."""
    if not path.exists():
        from pipeline import schemas

        return empty_frame(getattr(schemas, model))
    return read_parquet(path)


def _write_log(path: Path, model: str, log: pd.DataFrame, folded_offset: int | None) -> None:
    """``log`` validated against ``schemas.<model>``, with ``folded_offset`` in its metadata."""
    from pipeline import schemas

    validated = getattr(schemas, model).validate(log)
    atomic_write_parquet(validated.reset_index(drop=True), path,
                         metadata=None if folded_offset is None
                         else {FOLDED_OFFSET_KEY: str(folded_offset)})


def read_daily(store: Store) -> pd.DataFrame:
    return read_parquet(store.daily_path)


def write_daily(store: Store, daily: pd.DataFrame) -> None:
    from pipeline import schemas

    atomic_write_parquet(schemas.Daily.validate(daily).reset_index(drop=True), store.daily_path)


def read_weekly(store: Store) -> pd.DataFrame:
    return read_parquet(store.weekly_path)


def write_weekly(store: Store, weekly: pd.DataFrame) -> None:
    from pipeline import schemas

    atomic_write_parquet(schemas.Weekly.validate(weekly).reset_index(drop=True), store.weekly_path)


def read_recommendation(store: Store) -> dict:
    return read_json(store, store.recommendation_path)


def write_recommendation(store: Store, recommendation: dict) -> None:
    atomic_write_json(recommendation, store.recommendation_path)
