"""weekly_features: ISO weeks starting on Monday, sums equal to the daily sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.features import daily_features, weekly_features
from pipeline.schemas import Weekly
from tests.features.factories import activities_frame, activity, pain_entry, pain_frame

T = Thresholds()


def picture():
    rng = np.random.default_rng(3)
    rows = []
    for day in pd.date_range("2026-01-01", "2026-02-18", freq="D"):  # Thursday .. Wednesday
        if rng.random() < 0.6:
            rows.append(activity(str(day.date()), km=float(rng.uniform(3, 15)),
                                 minutes=float(rng.uniform(20, 90)), uphill_time_fraction=0.1,
                                 avg_cadence_spm=float(rng.uniform(160, 175))))
        if rng.random() < 0.2:
            rows.append(activity(str(day.date()), "cycling", km=20, minutes=60.0))
    pains = [pain_entry("2026-01-06", 3, "next_morning", weakness=True),
             pain_entry("2026-01-07", 5, "next_morning", rehab=True),
             pain_entry("2026-01-07", 2, "sitting", compression=True),
             pain_entry("2026-01-08", 1, "during_run")]
    daily = daily_features(activities_frame(rows), pain_frame(pains), as_of="2026-02-18",
                           profile={}, thresholds=T)
    return daily, weekly_features(daily)


def test_weeks_start_on_monday_and_validate():
    daily, weekly = picture()
    Weekly.validate(weekly)
    assert (weekly["week_start"].dt.weekday == 0).all()
    assert weekly["week_start"].iloc[0] == pd.Timestamp("2025-12-29")
    assert weekly["days_in_week"].tolist() == [4, 7, 7, 7, 7, 7, 7, 3]  # partial first and last
    assert weekly["days_in_week"].sum() == len(daily)


def test_weekly_sums_equal_daily_sums():
    daily, weekly = picture()
    for column in ("run_km", "run_min", "n_runs", "uphill_min", "cross_cycling_min",
                   "aerobic_min", "session_load"):
        assert weekly[column].sum() == pytest.approx(daily[column].sum())
    week = daily[(daily["date"] >= "2026-01-12") & (daily["date"] <= "2026-01-18")]
    row = weekly.set_index("week_start").loc["2026-01-12"]
    assert row["run_km"] == pytest.approx(week["run_km"].sum())
    assert row["longest_run_km"] == pytest.approx(week["longest_run_km"].max())
    assert row["rest_days"] == week["rest_day"].sum()
    assert row["cadence_spm"] == pytest.approx(week["cadence_spm"].mean())
    assert row["monotony_7d"] == pytest.approx(week["monotony_7d"].iloc[-1])


def test_weekly_pain_means_maxima_and_flag_days():
    _, weekly = picture()
    row = weekly.set_index("week_start").loc["2026-01-05"]
    assert row["pain_next_morning_mean_0_10"] == pytest.approx(4.0)
    assert row["pain_next_morning_max_0_10"] == 5
    assert row["pain_sitting_mean_0_10"] == 2
    assert row["pain_during_run_max_0_10"] == 1
    assert pd.isna(row["pain_after_run_max_0_10"])
    assert row["pain_days"] == 3
    assert (row["weakness_days"], row["rehab_days"], row["compression_days"]) == (1, 1, 1)
    assert weekly.set_index("week_start").loc["2026-01-12", "pain_days"] == 0


def test_a_daily_frame_without_the_optional_walking_column_still_aggregates():
    daily, weekly = picture()
    again = weekly_features(daily.drop(columns=["cross_walking_min"]))
    Weekly.validate(again)
    assert "cross_walking_min" not in again.columns
    assert again["run_km"].tolist() == pytest.approx(weekly["run_km"].tolist())


def test_week_start_of_an_index_is_the_monday_like_that_of_a_series():
    from pipeline.features.weekly import week_start

    days = pd.date_range("2026-11-15", "2026-11-24", freq="D")  # Sunday .. Tuesday
    mondays = week_start(days)
    assert isinstance(mondays, pd.DatetimeIndex)
    assert list(mondays.strftime("%Y-%m-%d")) == (
        ["2026-11-09"] + ["2026-11-16"] * 7 + ["2026-11-23"] * 2)
    assert list(week_start(pd.Series(days))) == list(mondays)
