"""The columns of the two datasets an import writes, as plain data: the one definition of them.

``schemas.Samples`` and ``schemas.Activities`` (pandera models, for the analysis and the tests)
are built from these rules, and an import checks its samples and activity rows against the same
rules in NumPy and Arrow, without importing pandera (0.3 s to import, 0.1-0.2 s a validation:
more than the rest of a one-file import). Plain Python here: no pandas, no pyarrow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.errors import RunloadError
from pipeline.vocabulary import FORMATS, LOCAL_DATE_SOURCES, SPORTS

# kind -> what a column holds: "utc" instants (microseconds, UTC), "date" calendar days, "float",
# "int", "bool", "str", and lists of "str_list" / "float_list"
KINDS = ("utc", "date", "float", "int", "bool", "str", "str_list", "float_list")


@dataclass(frozen=True)
class Column:
    """One column: its kind, whether it may be null, and the bounds or values it must keep."""

    name: str
    kind: str
    nullable: bool = False
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    isin: tuple[str, ...] | None = None
    unique: bool = False


def _floats(*names: str, **rule) -> tuple[Column, ...]:
    return tuple(Column(n, "float", nullable=True, **rule) for n in names)


SAMPLES: tuple[Column, ...] = (
    Column("timestamp_utc", "utc"),
    Column("elapsed_s", "float", ge=0),
    *_floats("distance_m", "speed_mps", ge=0),
    *_floats("altitude_m"),
    *_floats("heart_rate_bpm", gt=0, le=255),
    *_floats("cadence_spm", "cadence_rpm", "step_length_m", "stance_time_ms",
             "vertical_oscillation_mm", "vertical_ratio_pct", ge=0),
    *_floats("stance_time_balance_pct", ge=0, le=100),
    *_floats("power_w", ge=0),
    *_floats("latitude_deg", ge=-90, le=90),
    *_floats("longitude_deg", ge=-180, le=180),
    *_floats("temperature_c"),
)
"""``samples/<activity_id>.parquet``: one row per recorded sample, SI units; developer fields
arrive as extra ``dev_<name>`` columns."""
SAMPLE_CHANNELS = tuple(c.name for c in SAMPLES if c.kind != "utc")

ACTIVITIES: tuple[Column, ...] = (
    Column("activity_id", "str", unique=True),
    Column("source_files", "str_list"),  # as the user named each input
    Column("format", "str", isin=FORMATS),
    Column("sport", "str", isin=SPORTS),
    Column("sub_sport", "str", nullable=True),
    Column("name", "str", nullable=True),  # e.g. from a Strava activities.csv
    Column("gear", "str", nullable=True),
    Column("device", "str", nullable=True),
    Column("start_time_utc", "utc"),
    Column("local_date", "date"),
    Column("local_date_source", "str", isin=LOCAL_DATE_SOURCES),
    *_floats("utc_offset_min"),
    *_floats("distance_m", "elapsed_time_s", "moving_time_s", "ascent_m", "avg_speed_mps", ge=0),
    *_floats("avg_hr_bpm", "max_hr_bpm", gt=0, le=255),
    # avg_cadence_spm: steps/min (runs, walks); avg_cadence_rpm: crank rpm (rides)
    *_floats("avg_cadence_spm", "avg_cadence_rpm", "avg_step_length_m", "avg_stance_time_ms",
             "avg_vertical_oscillation_mm", "avg_vertical_ratio_pct", ge=0),
    *_floats("avg_stance_time_balance_pct", ge=0, le=100),
    *_floats("avg_power_w", ge=0),
    *_floats("uphill_time_fraction", "fast_time_fraction", ge=0, le=1),
    # 0th..100th percentile of moving speed; lets fast_time_fraction follow the easy pace
    Column("moving_speed_percentiles_mps", "float_list", nullable=True),
    # seconds spent at each heart rate 0..255 bpm: exact per-sample Banister TRIMP for any profile
    Column("hr_seconds_by_bpm", "float_list", nullable=True),
    *_floats("timer_time_s", ge=0),  # device timer (pauses excluded)
    *_floats("rpe_0_10", ge=0, le=10),  # perceived exertion if logged
    Column("n_samples", "int", ge=0),
    Column("channels", "str_list"),  # sample column names that hold data
    Column("has_gps", "bool"),
    Column("summary_only", "bool"),  # a session without records (e.g. a manual entry)
    Column("partial", "bool"),  # recovered from a damaged file
    Column("partial_reason", "str", nullable=True),
    Column("content_sha256", "str"),  # of the input the data came from (the richest twin)
)
"""``activities.parquet``: one row per activity, duplicates merged."""


class RulesViolated(RunloadError):
    """Values that break a column's rule (the message names the column and the rule)."""


def violation(column: Column, values: np.ndarray, null: np.ndarray) -> str | None:
    """What in ``values`` (NumPy, ``null`` where missing) breaks ``column``'s rule, as pandera
    would word it; None when nothing does."""
    if not column.nullable and null.any():
        return f"non-nullable column {column.name!r} contains null values"
    tests = (("greater_than_or_equal_to", column.ge, np.greater_equal),
             ("greater_than", column.gt, np.greater),
             ("less_than_or_equal_to", column.le, np.less_equal))
    for check, bound, test in tests:
        if bound is None:
            continue
        with np.errstate(invalid="ignore"):
            failed = ~test(values, bound) & ~null
        if failed.any():
            return (f"column {column.name!r} failed {check}({bound}): {int(failed.sum())} values, "
                    f"e.g. {values[failed][:3].tolist()}")
    if column.isin is not None:
        failed = ~np.isin(values, column.isin) & ~null
        if failed.any():
            return (f"column {column.name!r} failed isin({list(column.isin)}): "
                    f"{values[failed][:3].tolist()}")
    if column.unique:
        seen = values[~null]
        if len(np.unique(seen)) < len(seen):
            return f"column {column.name!r} not unique"
    return None


def check_sample_arrays(arrays: dict[str, np.ndarray]) -> None:
    """Raise ``RulesViolated`` unless one activity's samples held as NumPy arrays
    (``timestamp_utc`` datetime64 in UTC, every other ``SAMPLES`` column float64) keep the rules."""
    for column in SAMPLES:
        values = arrays.get(column.name)
        if values is None:
            raise RulesViolated(f"column {column.name!r} not in the samples: {list(arrays)}")
        if column.kind == "utc" and values.dtype.kind == "M":
            null = np.isnat(values)
        elif column.kind == "float" and values.dtype == np.float64:
            null = np.isnan(values)
        else:
            raise RulesViolated(f"column {column.name!r}: {values.dtype} is not {column.kind}")
        problem = violation(column, values, null)
        if problem:
            raise RulesViolated(problem)
