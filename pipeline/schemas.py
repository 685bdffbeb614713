"""One dataframe schema per dataset that crosses a stage boundary.

Refer to columns through these classes (``Activities.distance_m``) so a rename is one edit.
In memory, calendar dates are naive ``datetime64`` at midnight and instants are UTC-aware;
``store`` writes dates as Parquet ``date32``.
"""

from __future__ import annotations

import functools
import sys
import types
from typing import Optional

import numpy as np
import pandas as pd


def _pandera_without_dask_typing() -> None:
    """Let pandera build pandas models without importing ``dask.dataframe`` (0.8-1 s).

    Building a ``DataFrameModel`` asks ``pandera.typing.dask.DASK_INSTALLED`` whether Dask
    annotations exist, and answering imports ``dask.dataframe`` (installed for prefect-dask). No
    runload schema is validated against a Dask frame, so pandera is told Dask typing is absent
    unless Dask's dataframe is already loaded (then asking costs nothing and the real module wins).
    """
    if "dask.dataframe" in sys.modules or "pandera.typing.dask" in sys.modules:
        return
    stub = types.ModuleType("pandera.typing.dask", "runload: pandas-only pandera (no Dask typing)")
    stub.DASK_INSTALLED = False
    sys.modules["pandera.typing.dask"] = stub


_pandera_without_dask_typing()

import pandera.pandas as pa  # noqa: E402 - after the stub above
from pandera import errors as pa_errors  # noqa: E402
from pandera.typing import Series  # noqa: E402

from pipeline import table_rules  # noqa: E402

# re-exported: the vocabulary lives in a module without pandas (the one-line commands use it)
from pipeline.vocabulary import (  # noqa: E402, F401
    FORMATS,
    LOCAL_DATE_SOURCES,
    CROSS_CONTEXTS,
    CROSS_SPORTS,
    PAIN_CONTEXTS,
    RUNNING_SPORTS,
    SPORTS,
)

UTC = pd.DatetimeTZDtype(unit="us", tz="UTC")


_SERIES = {"utc": pd.DatetimeTZDtype, "date": pa.DateTime, "float": float, "int": int,
           "bool": bool, "str": str, "str_list": object, "float_list": object}


def _model(name: str, columns, doc: str) -> type[pa.DataFrameModel]:
    """The pandera model of ``table_rules`` columns (the one definition of them)."""
    annotations, fields = {}, {}
    for c in columns:
        annotations[c.name] = Series[_SERIES[c.kind]]
        rule = {k: v for k, v in (("ge", c.ge), ("gt", c.gt), ("le", c.le), ("isin", c.isin))
                if v is not None}
        if c.kind == "utc":
            rule["dtype_kwargs"] = {"unit": "us", "tz": "UTC"}
        fields[c.name] = pa.Field(nullable=c.nullable, unique=c.unique, **rule)
    # strict=False: readers may add columns (samples: developer fields as ``dev_<name>``)
    config = type("Config", (), {"strict": False, "coerce": True})
    return type(name, (pa.DataFrameModel,), {"__annotations__": annotations, **fields,
                                             "Config": config, "__doc__": doc,
                                             "__module__": __name__})


Activities = _model("Activities", table_rules.ACTIVITIES, "``activities.parquet``: one row per "
                    "activity, duplicates merged (columns: ``table_rules.ACTIVITIES``).")
Samples = _model("Samples", table_rules.SAMPLES, "``samples/<activity_id>.parquet``: one row per "
                 "recorded sample, SI units (columns: ``table_rules.SAMPLES``).")


SAMPLE_CHANNELS = table_rules.SAMPLE_CHANNELS


class PainLog(pa.DataFrameModel):
    """``pain_log.parquet``: validated pain entries, one per (date, context, time)."""

    date: Series[pa.DateTime]
    context: Series[str] = pa.Field(isin=PAIN_CONTEXTS)
    pain_0_10: Series[float] = pa.Field(ge=0, le=10)
    time: Series[str] = pa.Field(nullable=True, str_matches=r"^\d{2}:\d{2}$")
    weakness: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    rehab: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    compression: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    note: Series[str] = pa.Field(nullable=True)
    # the cross-training sport of a during/after_cross_training entry (null otherwise; a file
    # written before the column existed is read without it)
    activity: Optional[Series[str]] = pa.Field(nullable=True, isin=CROSS_SPORTS)

    class Config:
        strict = False
        coerce = True


REHAB_STAGES = ("isometric", "isotonic", "heavy_slow", "energy_storage")  # Goom 2016


class RehabLog(pa.DataFrameModel):
    """``rehab_log.parquet``: validated rehab entries, one per (date, exercise)."""

    date: Series[pa.DateTime]
    exercise: Series[str]
    sets: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True)
    reps: Series[pd.Int64Dtype] = pa.Field(ge=1, nullable=True)
    load_kg: Series[float] = pa.Field(ge=0, nullable=True)
    hold_s: Series[float] = pa.Field(ge=0, nullable=True)
    pain_0_10: Series[float] = pa.Field(ge=0, le=10, nullable=True)  # during the exercise
    note: Series[str] = pa.Field(nullable=True)
    stage: Series[str] = pa.Field(nullable=True, isin=REHAB_STAGES)  # null: unknown or stretch
    focus: Series[str] = pa.Field(nullable=True)

    class Config:
        strict = False
        coerce = True


class Daily(pa.DataFrameModel):
    """``daily.parquet``: one row per local date, rest days included. Pain is 0-10."""

    date: Series[pa.DateTime] = pa.Field(unique=True)
    run_km: Series[float] = pa.Field(ge=0)
    run_min: Series[float] = pa.Field(ge=0)
    n_runs: Series[int] = pa.Field(ge=0)
    longest_run_km: Series[float] = pa.Field(ge=0)
    longest_run_min: Series[float] = pa.Field(ge=0)
    uphill_min: Series[float] = pa.Field(ge=0)
    fast_min: Series[float] = pa.Field(ge=0)
    spike_ratio: Series[float] = pa.Field(ge=0, nullable=True)
    cross_cycling_min: Series[float] = pa.Field(ge=0)
    cross_swimming_min: Series[float] = pa.Field(ge=0)
    cross_water_running_min: Series[float] = pa.Field(ge=0)
    cross_other_min: Series[float] = pa.Field(ge=0)
    aerobic_min: Series[float] = pa.Field(ge=0)
    session_load: Series[float] = pa.Field(ge=0)
    session_load_kind: Series[str] = pa.Field(nullable=True)
    run_km_7d: Series[float] = pa.Field(ge=0)
    run_km_28d: Series[float] = pa.Field(ge=0)
    acwr_ewma: Series[float] = pa.Field(ge=0, nullable=True)
    monotony_7d: Series[float] = pa.Field(ge=0, nullable=True)
    strain_7d: Series[float] = pa.Field(ge=0, nullable=True)
    rest_day: Series[bool]
    rest_streak_days: Series[int] = pa.Field(ge=0)
    cadence_spm: Series[float] = pa.Field(ge=0, nullable=True)
    step_length_m: Series[float] = pa.Field(ge=0, nullable=True)
    cadence_at_ref_spm: Series[float] = pa.Field(ge=0, nullable=True)
    step_length_at_ref_m: Series[float] = pa.Field(ge=0, nullable=True)
    stance_time_ms: Series[float] = pa.Field(ge=0, nullable=True)
    vertical_oscillation_mm: Series[float] = pa.Field(ge=0, nullable=True)
    pain_during_run_0_10: Series[float] = pa.Field(ge=0, le=10, nullable=True)
    pain_after_run_0_10: Series[float] = pa.Field(ge=0, le=10, nullable=True)
    pain_next_morning_0_10: Series[float] = pa.Field(ge=0, le=10, nullable=True)
    pain_sitting_0_10: Series[float] = pa.Field(ge=0, le=10, nullable=True)
    pain_daily_0_10: Series[float] = pa.Field(ge=0, le=10, nullable=True)
    weakness: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    rehab: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    compression: Series[pd.BooleanDtype] = pa.Field(nullable=True)
    cross_walking_min: Optional[Series[float]] = pa.Field(ge=0)  # already inside cross_other_min

    class Config:
        strict = False
        coerce = True


class Weekly(pa.DataFrameModel):
    """``weekly.parquet``: the daily picture by ISO week (Monday start)."""

    week_start: Series[pa.DateTime] = pa.Field(unique=True)
    run_km: Series[float] = pa.Field(ge=0)
    n_runs: Series[int] = pa.Field(ge=0)
    longest_run_km: Series[float] = pa.Field(ge=0)
    rest_days: Series[int] = pa.Field(ge=0, le=7)
    run_min: Optional[Series[float]] = pa.Field(ge=0)
    longest_run_min: Optional[Series[float]] = pa.Field(ge=0)
    uphill_min: Optional[Series[float]] = pa.Field(ge=0)
    fast_min: Optional[Series[float]] = pa.Field(ge=0)
    spike_ratio: Optional[Series[float]] = pa.Field(ge=0, nullable=True)  # the week's highest
    cross_cycling_min: Optional[Series[float]] = pa.Field(ge=0)
    cross_swimming_min: Optional[Series[float]] = pa.Field(ge=0)
    cross_water_running_min: Optional[Series[float]] = pa.Field(ge=0)
    cross_other_min: Optional[Series[float]] = pa.Field(ge=0)
    cross_walking_min: Optional[Series[float]] = pa.Field(ge=0)
    aerobic_min: Optional[Series[float]] = pa.Field(ge=0)
    session_load: Optional[Series[float]] = pa.Field(ge=0)
    session_load_kind: Optional[Series[str]] = pa.Field(nullable=True)
    longest_rest_streak_days: Optional[Series[int]] = pa.Field(ge=0)
    pain_during_run_mean_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_during_run_max_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_after_run_mean_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_after_run_max_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_next_morning_mean_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_next_morning_max_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_sitting_mean_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_sitting_max_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_daily_mean_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_daily_max_0_10: Optional[Series[float]] = pa.Field(ge=0, le=10, nullable=True)
    pain_days: Optional[Series[int]] = pa.Field(ge=0, le=7)  # days with any pain rating
    weakness_days: Optional[Series[int]] = pa.Field(ge=0, le=7)
    rehab_days: Optional[Series[int]] = pa.Field(ge=0, le=7)
    compression_days: Optional[Series[int]] = pa.Field(ge=0, le=7)
    cadence_spm: Optional[Series[float]] = pa.Field(ge=0, nullable=True)  # mean of the days with runs
    step_length_m: Optional[Series[float]] = pa.Field(ge=0, nullable=True)
    cadence_at_ref_spm: Optional[Series[float]] = pa.Field(ge=0, nullable=True)
    step_length_at_ref_m: Optional[Series[float]] = pa.Field(ge=0, nullable=True)
    monotony_7d: Optional[Series[float]] = pa.Field(ge=0, nullable=True)  # as on the week's last day
    strain_7d: Optional[Series[float]] = pa.Field(ge=0, nullable=True)
    acwr_ewma: Optional[Series[float]] = pa.Field(ge=0, nullable=True)
    run_km_28d: Optional[Series[float]] = pa.Field(ge=0)
    days_in_week: Optional[Series[int]] = pa.Field(ge=1, le=7)  # < 7: a partial (current or first) week

    class Config:
        strict = False
        coerce = True


# --- fast validation of samples --------------------------------------------------------------
# pandera spends ~45 ms on one samples frame, longer than decoding the file; a bulk import writes
# thousands. The same rules (``table_rules.SAMPLES``) are applied here with NumPy on whole
# columns. tests/test_schemas.py feeds both validators the same frames.

_FLOAT64 = np.dtype("float64")


@functools.cache
def _sample_dtypes() -> dict[str, object]:
    """Each ``Samples`` column's pandera dtype and its name, read once per process."""
    return {name: (column.dtype, str(column.dtype))
            for name, column in Samples.to_schema().columns.items()}


def validate_samples(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` checked against ``Samples`` as ``Samples.validate`` would (same columns, dtypes
    coerced, nulls and value ranges), in NumPy; raises pandera's ``SchemaError`` on failure.

    Returns ``df`` itself when nothing needed coercing, else a copy with coerced columns.
    """
    columns, coerced = _checked_sample_columns(df)
    if not coerced:
        return df
    out = df.copy()
    for name in coerced:
        out[name] = columns[name]
    return out


def validated_sample_columns(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Every column of ``df`` by name, checked as ``validate_samples`` checks them (coerced
    where needed): what a writer needs, with each column read from the frame once (looking a
    column up costs more than checking it)."""
    return _checked_sample_columns(df)[0]


def _checked_sample_columns(df: pd.DataFrame) -> tuple[dict[str, pd.Series], list[str]]:
    columns = dict(df.items())
    coerced = []
    dtypes = _sample_dtypes()
    for rule in table_rules.SAMPLES:
        name = rule.name
        series = columns.get(name)
        if series is None:
            raise pa_errors.SchemaError(
                Samples.to_schema(), df, f"column {name!r} not in dataframe. "
                f"Columns in dataframe: {list(df.columns)}")
        dtype, dtype_name = dtypes[name]
        # str() of a dtype is slow enough to count here: float64, the usual case, by identity
        same = ((series.dtype is _FLOAT64 and dtype_name == "float64")
                or str(series.dtype) == dtype_name)
        if not same:
            try:
                series = dtype.try_coerce(series)
            except pa_errors.ParserError as e:
                raise pa_errors.SchemaError(
                    Samples.to_schema(), df, f"column {name!r}: {e}") from None
            columns[name] = series
            coerced.append(name)
        if series.dtype.kind == "f":
            values = series.to_numpy()
            null = np.isnan(values)
        else:  # timestamps: no range checks; to_numpy would build one Timestamp per row
            values, null = None, series.isna().to_numpy()
        problem = table_rules.violation(rule, values, null)
        if problem:
            raise pa_errors.SchemaError(Samples.to_schema(), df, problem)
    return columns, coerced
