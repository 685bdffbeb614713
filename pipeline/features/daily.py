"""The daily training picture: one row per local date, rest days included (schemas.Daily)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipeline.config import Thresholds
from pipeline.features import load, pace, pain, stride, volume
from pipeline.schemas import Daily


def as_of_day(as_of: date | pd.Timestamp | str) -> pd.Timestamp:
    """``as_of`` as a naive midnight (the athlete's local calendar date)."""
    ts = pd.Timestamp(as_of)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _dates(values: pd.Series) -> pd.Series:
    """Naive midnight datetimes (local dates are naive by the schema; drop any time of day)."""
    out = pd.to_datetime(values)
    if getattr(out.dt, "tz", None) is not None:
        out = out.dt.tz_localize(None)
    return out.dt.normalize().astype("datetime64[us]")


# Columns read here; a store written before a column existed gets it as all-null
ACTIVITY_COLUMNS = (
    "distance_m", "moving_time_s", "timer_time_s", "elapsed_time_s", "avg_speed_mps",
    "max_hr_bpm", "avg_cadence_spm", "avg_step_length_m", "avg_stance_time_ms",
    "avg_vertical_oscillation_mm", "uphill_time_fraction", "fast_time_fraction",
    "hr_seconds_by_bpm", "rpe_0_10",
)
PAIN_FLAGS = ("weakness", "rehab", "compression")


def _with_columns(frame: pd.DataFrame, columns, dtype) -> pd.DataFrame:
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return frame
    return frame.assign(**{c: pd.Series(None, index=frame.index, dtype=dtype) for c in missing})


def analysis_days(activities: pd.DataFrame, pain_log: pd.DataFrame, as_of: pd.Timestamp):
    """Every local date from the first activity or pain entry up to ``as_of`` inclusive."""
    firsts = [s.min() for s in (activities["local_date"], pain_log["date"]) if len(s)]
    if not firsts:
        return pd.DatetimeIndex([], dtype="datetime64[us]")
    return pd.date_range(min(firsts), as_of, freq="D", unit="us")


def daily_features(
    activities: pd.DataFrame,
    pain_log: pd.DataFrame,
    *,
    as_of: date | pd.Timestamp,
    profile: dict,
    thresholds: Thresholds,
) -> pd.DataFrame:
    """One row per local date (``local_date`` of each activity, ``date`` of each pain entry) from
    the first activity or pain entry to ``as_of`` inclusive; anything later is ignored.

    Running (``run_km``, ``run_min`` moving minutes, ``n_runs``, ``longest_run_km``/``_min``,
    ``uphill_min``, ``fast_min``), ``spike_ratio`` (today's longest run / longest of the previous
    ``spike_window_days`` days), cross-training minutes by sport (walking counted in
    ``cross_other_min`` and shown in ``cross_walking_min``), ``aerobic_min`` (running plus
    cross-training minutes), ``session_load`` of all sports with ``session_load_kind``
    (see ``load.activity_load``), ``run_km_7d``/``run_km_28d`` sums, ``acwr_ewma`` of daily run km
    (λ = 2/(N+1), N = ``acute_days``/``chronic_days``; context only), ``monotony_7d`` and
    ``strain_7d`` of ``session_load`` (Foster 1998), ``rest_day``/``rest_streak_days``, stride of
    the
    day's runs and at the reference speed, and the day's pain and flags.

    ``attrs`` holds ``trimp_heart_rates`` (which heart rates TRIMP used and whether they were
    assumed) and ``stride_ref_speed_mps`` (the reference speed), for the report to state.
    """
    day = as_of_day(as_of)
    acts = _with_columns(activities.copy(), ACTIVITY_COLUMNS, "object")
    acts["local_date"] = _dates(acts["local_date"])
    acts = acts[acts["local_date"] <= day]
    # measured against the easy pace of these runs only: nothing after as_of (pace.py)
    acts["fast_time_fraction"] = pace.fast_time_fraction_as_of(
        acts, fast_margin=thresholds.fast_margin)
    pains = _with_columns(pain_log.copy(), PAIN_FLAGS, "boolean")
    pains["date"] = _dates(pains["date"])
    pains = pains[pains["date"] <= day]
    days = analysis_days(acts, pains, day)

    running = volume.daily_running(acts, days)
    cross = volume.daily_cross_training(acts, days)
    out = pd.DataFrame({"date": days}, index=days)
    out = out.join(running)
    out["spike_ratio"] = volume.spike_ratio(
        out["longest_run_km"], window_days=thresholds.spike_window_days
    )
    out = out.join(cross)
    out["aerobic_min"] = out["run_min"] + out[list(volume.CROSS_TRAINING_TOTAL_COLUMNS)].sum(axis=1)

    heart_rates = load.trimp_heart_rates(acts, profile, thresholds=thresholds)
    loads = load.activity_load(acts, heart_rates=heart_rates, thresholds=thresholds)
    out = out.join(load.daily_session_load(loads, acts["local_date"], days))

    out["run_km_7d"] = volume.rolling_sum(out["run_km"], days=thresholds.acute_days)
    out["run_km_28d"] = volume.rolling_sum(out["run_km"], days=thresholds.chronic_days)
    out["acwr_ewma"] = load.acwr_ewma(
        out["run_km"], acute_days=thresholds.acute_days, chronic_days=thresholds.chronic_days
    )
    out["monotony_7d"] = load.monotony_7d(out["session_load"], cap=thresholds.monotony_cap)
    out["strain_7d"] = load.strain_7d(out["session_load"], out["monotony_7d"])

    out["rest_day"] = volume.rest_day(volume.n_activities(acts, days))
    out["rest_streak_days"] = volume.rest_streak_days(out["rest_day"])

    runs = stride.run_stride(acts)
    ref_speed = stride.reference_speed_mps(runs)
    out = out.join(stride.daily_stride(runs, days))
    out = out.join(
        stride.stride_at_reference(runs, days, ref_speed_mps=ref_speed, thresholds=thresholds)
    )
    out = out.join(pain.daily_pain(pains, days))

    out = out.reset_index(drop=True)
    out.attrs = {
        "trimp_heart_rates": heart_rates,
        "stride_ref_speed_mps": ref_speed,
        "as_of": day.date().isoformat(),
    }
    return out[_column_order(out)]


def _column_order(frame: pd.DataFrame) -> list[str]:
    """Schema columns first, in schema order, then any extra columns."""
    schema_cols = [c for c in Daily.to_schema().columns if c in frame.columns]
    return schema_cols + [c for c in frame.columns if c not in schema_cols]
