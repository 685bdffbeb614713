"""Running volume, cross-training minutes, single-run spikes and rest, per local date.

Every function takes activities already limited to the analysis period and a complete daily
index (``days``: consecutive naive midnights) and returns values for each of those days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.schemas import RUNNING_SPORTS

# Sport -> Daily column for minutes that are not running. Walking is counted in ``cross_other_min``
# (it is recorded aerobic activity that keeps the athlete moving while running is reduced) and is
# also shown on its own in ``cross_walking_min`` so a consumer can leave it out.
CROSS_TRAINING_COLUMNS = {
    "cycling": "cross_cycling_min",
    "swimming": "cross_swimming_min",
    "water_running": "cross_water_running_min",
    "walking": "cross_other_min",
    "other": "cross_other_min",
}
CROSS_TRAINING_TOTAL_COLUMNS = (
    "cross_cycling_min",
    "cross_swimming_min",
    "cross_water_running_min",
    "cross_other_min",
)


def activity_minutes(activities: pd.DataFrame) -> pd.Series:
    """Minutes of each activity: moving time, else the device timer, else elapsed; 0 if none."""
    seconds = (
        activities["moving_time_s"]
        .astype(float)
        .fillna(activities["timer_time_s"].astype(float))
        .fillna(activities["elapsed_time_s"].astype(float))
    )
    return seconds.fillna(0.0) / 60.0


def is_run(activities: pd.DataFrame) -> pd.Series:
    """True for running sports (road, trail, treadmill)."""
    return activities["sport"].isin(RUNNING_SPORTS)


def _per_day(values: pd.Series, dates: pd.Series, days: pd.DatetimeIndex, how: str) -> pd.Series:
    """``values`` aggregated by date (``how``: sum/max/count) on each of ``days`` (0 if none)."""
    if len(values) == 0:
        return pd.Series(0.0, index=days)
    grouped = values.groupby(dates.to_numpy()).agg(how)
    return grouped.reindex(days, fill_value=0).astype(float)


def daily_running(activities: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """The day's running: ``run_km``, ``run_min`` (moving time), ``n_runs``, ``longest_run_km``,
    ``longest_run_min`` (the longest run by duration, which may differ from the longest by
    distance), ``uphill_min`` and ``fast_min`` (time fractions × moving minutes; a run without the
    fraction adds 0). Indexed by ``days``.
    """
    runs = activities[is_run(activities)]
    dates = runs["local_date"]
    km = runs["distance_m"].astype(float).fillna(0.0) / 1000.0
    minutes = activity_minutes(runs)
    uphill = runs["uphill_time_fraction"].astype(float).fillna(0.0) * minutes
    fast = runs["fast_time_fraction"].astype(float).fillna(0.0) * minutes
    out = pd.DataFrame(
        {
            "run_km": _per_day(km, dates, days, "sum"),
            "run_min": _per_day(minutes, dates, days, "sum"),
            "n_runs": _per_day(km, dates, days, "count").astype("int64"),
            "longest_run_km": _per_day(km, dates, days, "max"),
            "longest_run_min": _per_day(minutes, dates, days, "max"),
            "uphill_min": _per_day(uphill, dates, days, "sum"),
            "fast_min": _per_day(fast, dates, days, "sum"),
        },
        index=days,
    )
    return out


def daily_cross_training(activities: pd.DataFrame, days: pd.DatetimeIndex) -> pd.DataFrame:
    """Minutes of non-running sports per day: ``cross_cycling_min``, ``cross_swimming_min``,
    ``cross_water_running_min``, ``cross_other_min`` (walking and any other sport) and
    ``cross_walking_min`` (walking alone, already inside ``cross_other_min``).
    """
    minutes = activity_minutes(activities)
    dates = activities["local_date"]
    out = pd.DataFrame(index=days)
    for column in CROSS_TRAINING_TOTAL_COLUMNS:
        sports = [s for s, c in CROSS_TRAINING_COLUMNS.items() if c == column]
        mask = activities["sport"].isin(sports)
        out[column] = _per_day(minutes[mask], dates[mask], days, "sum")
    walking = activities["sport"] == "walking"
    out["cross_walking_min"] = _per_day(minutes[walking], dates[walking], days, "sum")
    return out


def n_activities(activities: pd.DataFrame, days: pd.DatetimeIndex) -> pd.Series:
    """Number of activities of any sport on each day."""
    return _per_day(activities["sport"], activities["local_date"], days, "count").astype("int64")


def spike_ratio(longest_run_km: pd.Series, *, window_days: int) -> pd.Series:
    """Today's longest run over the longest run of the previous ``window_days`` days (today
    excluded; Frandsen 2025). Null when there is no run today or none in that window.
    ``longest_run_km`` must hold one value per consecutive day.
    """
    previous = longest_run_km.shift(1).rolling(window_days, min_periods=1).max()
    ratio = longest_run_km / previous.where(previous > 0)
    return ratio.where(longest_run_km > 0)


def rolling_sum(values: pd.Series, *, days: int) -> pd.Series:
    """Sum over the last ``days`` days including today (rest days count 0; shorter at first)."""
    return values.rolling(days, min_periods=1).sum()


def rest_day(activity_count: pd.Series) -> pd.Series:
    """True on a day with no activity of any sport."""
    return (activity_count == 0).astype(bool)


def rest_streak_days(is_rest_day: pd.Series) -> pd.Series:
    """Length in days of the run of consecutive rest days ending each day (0 on an active day)."""
    rest = is_rest_day.to_numpy(dtype=bool)
    streak = np.zeros(len(rest), dtype="int64")
    current = 0
    for i, r in enumerate(rest):
        current = current + 1 if r else 0
        streak[i] = current
    return pd.Series(streak, index=is_rest_day.index)
