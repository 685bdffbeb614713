"""Running volume, spikes, cross-training and rest, on planted answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.features import daily_features
from pipeline.features.volume import rest_streak_days, spike_ratio
from tests.features.factories import activities_frame, activity, pain_frame

T = Thresholds()


def daily(rows, as_of, pains=()):
    return daily_features(activities_frame(list(rows)), pain_frame(list(pains)), as_of=as_of,
                          profile={}, thresholds=T).set_index("date")


def test_run_forty_percent_longer_than_30_day_longest_gives_spike_ratio_1_4():
    rows = [activity("2026-02-01", km=25.0),  # 31 days before the spike: outside the window
            activity("2026-02-10", km=10.0), activity("2026-02-20", km=8.0),
            activity("2026-03-02", km=6.0), activity("2026-03-04", km=14.0)]
    d = daily(rows, "2026-03-05")
    assert d.loc["2026-03-04", "spike_ratio"] == pytest.approx(1.4)
    assert d.loc["2026-03-02", "spike_ratio"] == pytest.approx(6.0 / 25.0)  # 25 km still inside
    assert np.isnan(d.loc["2026-03-03", "spike_ratio"])  # no run today
    assert np.isnan(d.loc["2026-02-01", "spike_ratio"])  # no run before


def test_spike_ratio_uses_the_longest_run_of_the_day_and_excludes_today():
    longest = pd.Series([5.0, 0.0, 7.0, 7.0], index=pd.date_range("2026-01-01", periods=4))
    ratio = spike_ratio(longest, window_days=30)
    assert ratio.iloc[2] == pytest.approx(7.0 / 5.0)
    assert ratio.iloc[3] == pytest.approx(1.0)


def test_rest_days_and_rest_streaks_are_counted():
    rows = [activity("2026-01-01"), activity("2026-01-05"),
            activity("2026-01-07", "cycling", km=20, minutes=45)]
    d = daily(rows, "2026-01-09")
    assert d["rest_day"].tolist() == [False, True, True, True, False, True, False, True, True]
    assert d["rest_streak_days"].tolist() == [0, 1, 2, 3, 0, 1, 0, 1, 2]


def test_rest_streak_of_a_series():
    rest = pd.Series([True, True, False, True, True, True, False])
    assert rest_streak_days(rest).tolist() == [1, 2, 0, 1, 2, 3, 0]


def test_running_totals_longest_run_and_terrain_minutes():
    rows = [activity("2026-01-01", km=5.0, minutes=30.0, uphill_time_fraction=0.2,
                     fast_time_fraction=0.5),
            activity("2026-01-01", "trail_running", km=8.0, minutes=40.0),
            activity("2026-01-01", "treadmill_running", km=3.0, minutes=50.0,
                     moving_time_s=None, timer_time_s=50 * 60.0)]
    d = daily(rows, "2026-01-01").iloc[0]
    assert d["run_km"] == pytest.approx(16.0)
    assert d["run_min"] == pytest.approx(120.0)
    assert d["n_runs"] == 3
    assert d["longest_run_km"] == pytest.approx(8.0)
    assert d["longest_run_min"] == pytest.approx(50.0)  # the longest by duration
    assert d["uphill_min"] == pytest.approx(6.0)
    assert d["fast_min"] == pytest.approx(15.0)


def test_cross_training_minutes_by_sport_and_aerobic_total():
    rows = [activity("2026-01-01", km=5, minutes=30),
            activity("2026-01-01", "cycling", km=20, minutes=60),
            activity("2026-01-01", "swimming", km=1, minutes=25),
            activity("2026-01-01", "water_running", km=None, minutes=35),
            activity("2026-01-01", "walking", km=3, minutes=40),
            activity("2026-01-01", "other", km=None, minutes=15)]
    d = daily(rows, "2026-01-01").iloc[0]
    assert d["run_km"] == pytest.approx(5.0)  # only running sports count as running
    assert d["cross_cycling_min"] == pytest.approx(60)
    assert d["cross_swimming_min"] == pytest.approx(25)
    assert d["cross_water_running_min"] == pytest.approx(35)
    assert d["cross_other_min"] == pytest.approx(55)  # walking 40 + other 15
    assert d["cross_walking_min"] == pytest.approx(40)
    assert d["aerobic_min"] == pytest.approx(30 + 60 + 25 + 35 + 55)


def test_7_and_28_day_sums_include_rest_days_as_zero():
    rows = [activity(str(day.date()), km=float(i + 1))
            for i, day in enumerate(pd.date_range("2026-01-01", periods=40, freq="2D"))]
    d = daily(rows, "2026-03-31")
    km = d["run_km"]
    for day in ("2026-01-10", "2026-02-15", "2026-03-31"):
        end = pd.Timestamp(day)
        assert d.loc[end, "run_km_7d"] == pytest.approx(km[end - pd.Timedelta(days=6):end].sum())
        assert d.loc[end, "run_km_28d"] == pytest.approx(km[end - pd.Timedelta(days=27):end].sum())
