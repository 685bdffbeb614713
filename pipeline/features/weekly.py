"""The daily picture by ISO week, Monday start (schemas.Weekly)."""

from __future__ import annotations

import pandas as pd

from pipeline.features.pain import FLAG_COLUMNS, PAIN_COLUMNS

SUM_COLUMNS = (
    "run_km",
    "run_min",
    "n_runs",
    "uphill_min",
    "fast_min",
    "cross_cycling_min",
    "cross_swimming_min",
    "cross_water_running_min",
    "cross_other_min",
    "cross_walking_min",
    "aerobic_min",
    "session_load",
)
MAX_COLUMNS = ("longest_run_km", "longest_run_min", "spike_ratio")
MEAN_COLUMNS = ("cadence_spm", "step_length_m", "cadence_at_ref_spm", "step_length_at_ref_m")
# Rolling values read on the week's last day present (for a complete week: its own 7 days)
LAST_COLUMNS = ("monotony_7d", "strain_7d", "acwr_ewma", "run_km_28d")


def week_start(dates: pd.Series | pd.DatetimeIndex) -> pd.Series | pd.DatetimeIndex:
    """The Monday (naive midnight) of each date's ISO week, as a Series or an index like
    ``dates``."""
    if isinstance(dates, pd.DatetimeIndex):
        days = dates.normalize()
        return days - pd.to_timedelta(days.weekday, unit="D")
    days = pd.to_datetime(dates).dt.normalize()
    return days - pd.to_timedelta(days.dt.weekday, unit="D")


def _kind(kinds: pd.Series) -> str | None:
    used = kinds.dropna().unique()
    if len(used) == 0:
        return None
    return str(used[0]) if len(used) == 1 else "mixed"


def weekly_features(daily: pd.DataFrame) -> pd.DataFrame:
    """One row per ISO week (``week_start``, a Monday) present in ``daily``.

    Sums: ``run_km``, ``run_min``, ``n_runs``, ``uphill_min``, ``fast_min``, cross-training
    minutes by sport, ``aerobic_min``, ``session_load`` (``session_load_kind``: the one kind used,
    or "mixed"). Maxima: ``longest_run_km``, ``longest_run_min``, ``spike_ratio`` (null without a
    ratio). ``rest_days``; ``longest_rest_streak_days`` (the longest streak reached in the week, may
    have begun the week before). Pain per context: ``pain_<context>_mean_0_10`` (mean of the days
    rated) and ``pain_<context>_max_0_10``; ``pain_days`` (days with any pain rating);
    ``weakness_days``, ``rehab_days``, ``compression_days``. Means of the days' stride:
    ``cadence_spm``, ``step_length_m``, ``cadence_at_ref_spm``, ``step_length_at_ref_m``.
    ``monotony_7d``, ``strain_7d``, ``acwr_ewma``, ``run_km_28d`` as on the week's last day
    present. ``days_in_week``: days of the week in ``daily`` (7 for a complete week; fewer for
    the current week or the first one). ``daily`` is a ``schemas.Daily`` frame.
    """
    frame = daily.copy()
    frame["week_start"] = week_start(frame["date"])
    frame = frame.sort_values("date")
    groups = frame.groupby("week_start", sort=True)

    # cross_walking_min is optional in schemas.Daily: summed only when present
    out = groups[[c for c in SUM_COLUMNS if c in frame.columns]].sum()
    out["n_runs"] = out["n_runs"].astype("int64")
    for column in MAX_COLUMNS:
        out[column] = groups[column].max()
    out["rest_days"] = groups["rest_day"].sum().astype("int64")
    out["longest_rest_streak_days"] = groups["rest_streak_days"].max().astype("int64")
    out["session_load_kind"] = groups["session_load_kind"].agg(_kind).astype("str")

    pain_cols = list(PAIN_COLUMNS.values())
    for column in pain_cols:
        stem = column.removesuffix("_0_10")
        out[f"{stem}_mean_0_10"] = groups[column].mean()
        out[f"{stem}_max_0_10"] = groups[column].max()
    frame["_pain_rated"] = frame[pain_cols].notna().any(axis=1)
    out["pain_days"] = frame.groupby("week_start")["_pain_rated"].sum().astype("int64")
    for flag in FLAG_COLUMNS:
        out[f"{flag}_days"] = (
            frame[flag].astype("boolean").fillna(False).groupby(frame["week_start"]).sum()
        ).astype("int64")

    for column in MEAN_COLUMNS:
        out[column] = groups[column].mean()
    last_day = frame.drop_duplicates("week_start", keep="last").set_index("week_start")
    for column in LAST_COLUMNS:
        out[column] = last_day[column]
    out["days_in_week"] = groups.size().astype("int64")
    out.index.name = None
    out.insert(0, "week_start", out.index)
    return out.reset_index(drop=True)
