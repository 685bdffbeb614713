"""Session load (TRIMP, session-RPE, minutes), EWMA acute:chronic ratio, monotony and strain."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.features import daily_features
from pipeline.features.load import (
    acwr_ewma,
    banister_trimp,
    monotony_7d,
    strain_7d,
    trimp_heart_rates,
)
from tests.features.factories import activities_frame, activity, daily_runs, pain_frame

T = Thresholds()


def histogram(seconds_at: dict[int, float]) -> list[float]:
    hist = [0.0] * 256
    for bpm, seconds in seconds_at.items():
        hist[bpm] = seconds
    return hist


def by_hand(minutes, hr, rest, top, k, c):
    hrr = (hr - rest) / (top - rest)
    return minutes * hrr * k * math.exp(c * hrr)


def test_trimp_from_a_histogram_matches_the_formula_by_hand():
    hist = histogram({40: 120.0, 150: 600.0, 170: 300.0, 200: 60.0})
    expected_male = (by_hand(10, 150, 50, 190, 0.64, 1.92) + by_hand(5, 170, 50, 190, 0.64, 1.92)
                     + by_hand(1, 190, 50, 190, 0.64, 1.92))  # 40 bpm < rest adds 0; 200 -> HRr 1
    expected_female = (by_hand(10, 150, 50, 190, 0.86, 1.67) + by_hand(5, 170, 50, 190, 0.86, 1.67)
                       + by_hand(1, 190, 50, 190, 0.86, 1.67))
    assert banister_trimp(hist, hr_rest_bpm=50, hr_max_bpm=190, sex="male", thresholds=T) == (
        pytest.approx(expected_male))
    assert banister_trimp(np.asarray(hist), hr_rest_bpm=50, hr_max_bpm=190, sex="female",
                          thresholds=T) == pytest.approx(expected_female)
    assert math.isnan(banister_trimp(None, hr_rest_bpm=50, hr_max_bpm=190, sex="male",
                                     thresholds=T))


def test_trimp_is_summed_per_sample_not_from_the_average_heart_rate():
    hist = histogram({120: 900.0, 180: 900.0})  # average 150 bpm
    per_sample = banister_trimp(hist, hr_rest_bpm=50, hr_max_bpm=190, sex="male", thresholds=T)
    from_average = by_hand(30, 150, 50, 190, 0.64, 1.92)
    assert per_sample > from_average * 1.05  # convex weighting: the average under-counts


def test_heart_rates_come_from_the_profile_else_are_estimated_and_say_so():
    acts = activities_frame([activity("2026-01-01", max_hr_bpm=181.0),
                             activity("2026-01-02", hr_seconds_by_bpm=histogram({186: 5.0}))])
    estimated = trimp_heart_rates(acts, {}, thresholds=T)
    assert estimated["hr_max_bpm"] == 186 and estimated["hr_max_source"] == "highest_recorded"
    assert estimated["hr_rest_bpm"] == T.hr_rest_default_bpm
    assert estimated["hr_rest_source"] == "default" and estimated["sex_source"] == "assumed"
    given = trimp_heart_rates(acts, {"hr_rest_bpm": 48, "hr_max_bpm": 192, "sex": "female"},
                              thresholds=T)
    assert (given["hr_rest_bpm"], given["hr_max_bpm"], given["sex"]) == (48, 192, "female")
    assert given["hr_rest_source"] == given["hr_max_source"] == given["sex_source"] == "profile"


def test_session_load_kind_per_day_trimp_srpe_minutes_mixed():
    hist = histogram({150: 1800.0})
    rows = [activity("2026-01-01", minutes=30, hr_seconds_by_bpm=hist),
            activity("2026-01-02", minutes=40, rpe_0_10=5.0),
            activity("2026-01-03", minutes=45),
            activity("2026-01-04", minutes=30, hr_seconds_by_bpm=hist),
            activity("2026-01-04", "cycling", km=20, minutes=60, rpe_0_10=3.0)]
    profile = {"hr_rest_bpm": 50, "hr_max_bpm": 190, "sex": "male"}
    d = daily_features(activities_frame(rows), pain_frame([]), as_of="2026-01-05",
                       profile=profile, thresholds=T).set_index("date")
    trimp = by_hand(30, 150, 50, 190, 0.64, 1.92)
    assert d["session_load_kind"].tolist()[:4] == ["trimp", "srpe", "minutes", "mixed"]
    assert pd.isna(d.loc["2026-01-05", "session_load_kind"])  # rest day
    assert d["session_load"].tolist() == pytest.approx([trimp, 200.0, 45.0, trimp + 180.0, 0.0])
    assert d.attrs["trimp_heart_rates"]["hr_max_source"] == "profile"


def test_constant_daily_load_gives_an_acute_chronic_ratio_of_1():
    d = daily_features(activities_frame(daily_runs("2026-01-01", 60, km=8.0)), pain_frame([]),
                       as_of="2026-03-01", profile={}, thresholds=T)
    assert d["acwr_ewma"].iloc[:27].isna().all()  # null until 28 days of history
    assert d["acwr_ewma"].iloc[27:].to_numpy() == pytest.approx(1.0)


def test_acwr_follows_the_williams_recursion():
    loads = pd.Series([5.0, 0, 10, 0, 0, 8, 12] * 6)
    lam_a, lam_c = 2 / 8, 2 / 29
    acute = chronic = loads.iloc[0]
    expected = []
    for load in loads:
        acute = lam_a * load + (1 - lam_a) * acute
        chronic = lam_c * load + (1 - lam_c) * chronic
        expected.append(acute / chronic)
    ratio = acwr_ewma(loads, acute_days=7, chronic_days=28)
    assert ratio.iloc[27:].to_numpy() == pytest.approx(expected[27:])
    assert ratio.iloc[:27].isna().all()


def test_acwr_rises_after_a_jump_in_load():
    loads = pd.Series([5.0] * 40 + [10.0] * 7)
    assert acwr_ewma(loads, acute_days=7, chronic_days=28).iloc[-1] > 1.3


def test_monotony_is_mean_over_sd_and_capped_when_sd_is_0():
    varied = pd.Series([10.0, 20.0, 10.0, 20.0, 10.0, 20.0, 10.0])
    expected = varied.mean() / varied.std(ddof=1)
    assert monotony_7d(varied, cap=10.0).iloc[-1] == pytest.approx(expected)
    assert strain_7d(varied, monotony_7d(varied, cap=10.0)).iloc[-1] == pytest.approx(
        varied.sum() * expected)
    constant = pd.Series([30.0] * 9)
    mono = monotony_7d(constant, cap=10.0)
    assert mono.iloc[:6].isna().all()
    assert mono.iloc[6:].tolist() == [10.0, 10.0, 10.0]
    assert strain_7d(constant, mono).iloc[-1] == pytest.approx(7 * 30.0 * 10.0)


def test_monotony_is_undefined_and_strain_0_over_a_week_without_load():
    rest = pd.Series([0.0] * 8)
    mono = monotony_7d(rest, cap=10.0)
    assert mono.isna().all()
    assert strain_7d(rest, mono).iloc[6:].tolist() == [0.0, 0.0]


def test_daily_monotony_and_strain_use_session_load_with_rest_days_as_zero():
    rows = [activity(d, minutes=m) for d, m in
            [("2026-01-01", 30), ("2026-01-02", 60), ("2026-01-04", 45), ("2026-01-07", 30)]]
    d = daily_features(activities_frame(rows), pain_frame([]), as_of="2026-01-07", profile={},
                       thresholds=T)
    week = pd.Series([30.0, 60, 0, 45, 0, 0, 30])
    assert d["monotony_7d"].iloc[-1] == pytest.approx(week.mean() / week.std(ddof=1))
    assert d["strain_7d"].iloc[-1] == pytest.approx(week.sum() * week.mean() / week.std(ddof=1))
