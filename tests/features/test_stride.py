"""Stride of the day's runs and cadence / step length at the reference speed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.features import daily_features
from pipeline.features.stride import theil_sen, value_at_reference
from tests.features.factories import activities_frame, activity, pain_frame

T = Thresholds()
CHANGE = pd.Timestamp("2026-03-02")


def planted_runs(seed: int = 1) -> list[dict]:
    """Runs every other day for 150 days; cadence = 90 + 25·speed + noise. From CHANGE on the
    cadence is 5 % higher at any speed and the runner also runs 10 % faster."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in pd.date_range("2026-01-01", periods=75, freq="2D"):
        after = day >= CHANGE
        speed = rng.normal(3.0, 0.25) * (1.10 if after else 1.0)
        cadence = (90.0 + 25.0 * speed + rng.normal(0, 1.5)) * (1.05 if after else 1.0)
        minutes = 40.0
        rows.append(activity(str(day.date()), km=speed * minutes * 60 / 1000, minutes=minutes,
                             avg_cadence_spm=cadence))
    return rows


def test_planted_5_percent_cadence_change_is_recovered_at_the_reference_speed():
    d = daily_features(activities_frame(planted_runs()), pain_frame([]), as_of="2026-05-31",
                       profile={}, thresholds=T).set_index("date")
    before = d.loc["2026-02-01":"2026-03-01"]  # windows entirely before the change
    after = d.loc[CHANGE + pd.Timedelta(days=T.stride_window_days):]  # entirely after
    naive = after["cadence_spm"].mean() / before["cadence_spm"].mean() - 1
    at_ref = after["cadence_at_ref_spm"].mean() / before["cadence_at_ref_spm"].mean() - 1
    assert naive > 0.08  # pace and technique are confounded in the raw cadence
    assert at_ref == pytest.approx(0.05, abs=0.01)
    assert d.attrs["stride_ref_speed_mps"] == pytest.approx(3.15, abs=0.2)


def test_step_length_at_reference_speed_falls_when_cadence_rises_at_the_same_speed():
    d = daily_features(activities_frame(planted_runs(seed=2)), pain_frame([]),
                       as_of="2026-05-31", profile={}, thresholds=T).set_index("date")
    before = d.loc["2026-02-01":"2026-03-01", "step_length_at_ref_m"].mean()
    after = d.loc[CHANGE + pd.Timedelta(days=T.stride_window_days):, "step_length_at_ref_m"].mean()
    # same speed, 5 % more steps -> step length x 1/1.05
    assert after / before == pytest.approx(1 / 1.05, abs=0.015)


def test_too_few_runs_in_the_window_gives_no_reference_value():
    rows = [activity(f"2026-01-0{i}", km=5 + i * 0.3, avg_cadence_spm=160.0 + i)
            for i in range(1, T.stride_min_runs)]
    d = daily_features(activities_frame(rows), pain_frame([]), as_of="2026-01-09", profile={},
                       thresholds=T)
    assert d["cadence_at_ref_spm"].isna().all()
    assert d["cadence_spm"].notna().sum() == T.stride_min_runs - 1


def test_identical_speeds_fall_back_to_the_median_only_near_the_reference():
    speed = np.full(8, 3.0)
    cadence = np.array([160.0, 161, 162, 163, 164, 165, 166, 167])
    assert value_at_reference(speed, cadence, ref_speed_mps=3.05, thresholds=T) == 163.5
    assert np.isnan(value_at_reference(speed, cadence, ref_speed_mps=3.5, thresholds=T))


def test_theil_sen_ignores_an_outlier():
    x = np.linspace(2.5, 3.5, 11)
    y = 100 + 20 * x
    y[3] += 40
    intercept, slope = theil_sen(x, y)
    assert slope == pytest.approx(20, abs=0.5)
    assert intercept + slope * 3 == pytest.approx(160, abs=0.5)


def test_day_stride_is_moving_time_weighted_and_step_length_derived_when_missing():
    rows = [activity("2026-01-01", km=6.0, minutes=30, avg_cadence_spm=160.0,
                     avg_stance_time_ms=250.0),
            activity("2026-01-01", km=2.0, minutes=10, avg_cadence_spm=180.0,
                     avg_vertical_oscillation_mm=80.0),
            activity("2026-01-01", "cycling", km=20, minutes=60, avg_cadence_spm=90.0)]
    d = daily_features(activities_frame(rows), pain_frame([]), as_of="2026-01-01", profile={},
                       thresholds=T).iloc[0]
    assert d["cadence_spm"] == pytest.approx((160 * 30 + 180 * 10) / 40)
    step_1, step_2 = (6000 / 1800) / (160 / 60), (2000 / 600) / (180 / 60)
    assert d["step_length_m"] == pytest.approx((step_1 * 30 + step_2 * 10) / 40)
    assert d["stance_time_ms"] == pytest.approx(250.0)  # only where measured
    assert d["vertical_oscillation_mm"] == pytest.approx(80.0)


def test_stride_is_null_on_days_without_runs():
    rows = [activity("2026-01-01", avg_cadence_spm=170.0)]
    d = daily_features(activities_frame(rows), pain_frame([]), as_of="2026-01-02", profile={},
                       thresholds=T)
    assert d["cadence_spm"].iloc[0] == 170.0 and np.isnan(d["cadence_spm"].iloc[1])
