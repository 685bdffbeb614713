from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from pipeline import painlog, schemas
from pipeline.demo.athlete import (
    activity_samples,
    daily_run_km,
    demo_athlete,
    irritation,
    overload_km,
)
from pipeline.config import Thresholds
from pipeline.relation.tolerance import tolerated_weekly_km

END = date(2026, 11, 24)  # the demo crosses the end of US daylight saving time (1 Nov 2026)


@pytest.fixture(scope="module")
def athlete():
    return demo_athlete(7, end=END)


def _pain(athlete, context: str) -> pd.Series:
    rows = [(e.date, e.pain) for e in athlete.pain_log if e.context == context]
    s = pd.Series([p for _, p in rows], index=pd.to_datetime([d for d, _ in rows]))
    return s.sort_index()


def test_same_seed_same_athlete_other_seed_other_athlete(athlete):
    assert demo_athlete(7, end=END) == athlete
    other = demo_athlete(8, end=END)
    assert other.activities != athlete.activities
    s1 = activity_samples(athlete, athlete.activities[3])
    s2 = activity_samples(athlete, athlete.activities[3])
    pd.testing.assert_frame_equal(s1, s2)


def test_about_twenty_weeks_of_runs_rides_and_swims(athlete):
    assert athlete.end == END
    assert 19 * 7 < (athlete.end - athlete.start).days < 20 * 7
    sports = pd.Series([a.sport for a in athlete.activities]).value_counts()
    assert sports["running"] + sports["trail_running"] >= 60  # 3-4 runs a week
    assert sports["cycling"] >= 10 and sports["swimming"] >= 5
    assert all(athlete.start <= a.start_local.date() <= athlete.end for a in athlete.activities)
    twins = [t for a in athlete.activities for t in a.twins]
    assert {"gpx", "tcx"} <= set(twins) and len(twins) >= 8
    assert all(a.is_run for a in athlete.activities if a.twins)


def test_local_times_follow_daylight_saving(athlete):
    dst_end = date(2026, 11, 1)
    before = {a.utc_offset_min for a in athlete.activities if a.start_local.date() < dst_end}
    after = {a.utc_offset_min for a in athlete.activities if a.start_local.date() > dst_end}
    assert (before, after) == ({-360}, {-420})  # MDT, then MST
    a = athlete.activities[0]
    assert a.start_utc.tz_convert("America/Denver").tz_localize(None) == pd.Timestamp(a.start_local)


def test_the_spike_is_a_long_run_well_past_the_previous_month(athlete):
    km = daily_run_km(athlete.activities, start=athlete.start, end=athlete.end)
    spike = pd.Timestamp(athlete.spike_date)
    before = km[spike - pd.Timedelta(days=30):spike - pd.Timedelta(days=1)]
    assert km[spike] > 1.4 * before.max()
    weekly = km.resample("W-SUN").sum()
    assert weekly[spike] > 1.25 * weekly[spike - pd.Timedelta(days=7)]  # too abrupt a week
    # reduced weeks after it, then a gradual return that stays under the spike week
    reduced = weekly[(weekly.index > spike) & (weekly.index <= spike + pd.Timedelta(days=21))]
    assert (reduced < 0.5 * weekly[spike]).all()
    assert weekly.iloc[-2] > reduced.max()


def test_pain_flares_after_the_spike_and_settles_with_the_reduction(athlete):
    morning = _pain(athlete, "next_morning")
    spike = pd.Timestamp(athlete.spike_date)
    build = morning[spike - pd.Timedelta(days=28):spike]
    flare = morning[spike + pd.Timedelta(days=1):spike + pd.Timedelta(days=4)]
    recovered = morning[pd.Timestamp(athlete.end) - pd.Timedelta(days=28):]
    assert build.mean() <= 2.5  # the build past the tolerated load: a niggle, no more
    assert flare.max() >= 5 and flare.mean() >= build.mean() + 3
    assert recovered.mean() <= 2.0
    sitting = _pain(athlete, "sitting")
    assert sitting[spike:spike + pd.Timedelta(days=7)].mean() > sitting[:spike].mean() + 2
    # rehab and compression start with the flare, as the physio advised
    rehab = pd.Series({e.date: e.rehab for e in athlete.pain_log})
    assert rehab[rehab.index > athlete.spike_date + timedelta(days=2)].mean() > 0.6
    assert rehab[rehab.index < athlete.spike_date].mean() < 0.35
    assert all(e.compression for e in athlete.pain_log if e.date >= athlete.reduction_start)


def _morning_frame(athlete) -> pd.DataFrame:
    """Per date: the rating, the 7 days' km before it, and whether the day before was a spike."""
    km = daily_run_km(athlete.activities, start=athlete.start, end=athlete.end)
    longest_30 = km.shift(1).rolling(30, min_periods=1).max()
    return pd.DataFrame({
        "pain": _pain(athlete, "next_morning").reindex(km.index),
        "km_7d": km.rolling(7, min_periods=1).sum().shift(1),
        "spike_before": (km / longest_30 > 1.1).shift(1, fill_value=False),
        "run_km": km,
        "longest_30": longest_30,
    })


@pytest.mark.parametrize("tolerated", [30.0, 40.0])
def test_morning_pain_rises_above_the_planted_tolerated_week(tolerated):
    a = demo_athlete(7, end=END, tolerated_km=tolerated)
    assert a.tolerated_weekly_km == tolerated
    f = _morning_frame(a).iloc[7:]  # a full week of history before each rating
    spike = pd.Timestamp(a.spike_date)
    flare = (f.index >= spike) & (f.index < spike + pd.Timedelta(days=28))
    calm = f[~f["spike_before"] & ~flare].dropna(subset=["pain"])  # comparable spike levels
    above = calm.loc[calm["km_7d"] > tolerated + 2, "pain"]
    below = calm.loc[calm["km_7d"] < tolerated - 2, "pain"]
    near_below = calm.loc[calm["km_7d"].between(tolerated - 8, tolerated - 2), "pain"]
    assert len(above) >= 10 and len(near_below) >= 10  # the weeks vary around the threshold
    assert above.mean() > below.mean() + 0.8
    assert above.mean() > near_below.mean() + 0.8  # a threshold, not just "more is worse"
    # before and after the flare: the build-up and the return both cross the tolerated load
    weekly = daily_run_km(a.activities, start=a.start, end=a.end).resample("W-SUN").sum()
    assert (weekly[weekly.index < spike] > tolerated).sum() >= 2
    assert (weekly[weekly.index > spike + pd.Timedelta(days=28)] > tolerated).sum() >= 1


@pytest.mark.parametrize("tolerated", [24.0, 36.0])
def test_the_analysis_finds_the_planted_tolerated_week(tolerated):
    a = demo_athlete(7, end=END, tolerated_km=tolerated)
    f = _morning_frame(a)
    daily = pd.DataFrame({
        "date": f.index, "run_km": f["run_km"].to_numpy(), "longest_run_km": f["run_km"].to_numpy(),
        "spike_ratio": (f["run_km"] / f["longest_30"]).where(f["run_km"] > 0).to_numpy(),
        "pain_next_morning_0_10": f["pain"].to_numpy(),
    })
    est = tolerated_weekly_km(daily, thresholds=Thresholds(bootstrap_resamples=40))
    assert est.value == pytest.approx(tolerated, rel=0.15), est.reason


def test_overload_counts_the_seven_days_before_over_the_tolerated_km():
    days = pd.date_range("2026-01-05", periods=21, freq="D")
    km = pd.Series(np.tile([0, 8, 0, 8, 0, 8, 16.0], 3), index=days)  # 40 km a week
    over = overload_km(km, tolerated_km=30.0)
    assert over.iloc[7:].eq(10.0).all()  # every full week before: 40 - 30 km
    assert over.iloc[0] == 0.0  # the ~21 km/week before the demo: under the tolerated km
    assert overload_km(km, tolerated_km=45.0).eq(0).all()


def test_irritation_answers_only_to_spikes_and_settles():
    days = pd.date_range("2026-01-01", periods=60, freq="D")
    steady = pd.Series(np.tile([0, 5, 0, 5, 0, 4, 7.5], 9)[:60], index=days, dtype=float)
    no_rehab = pd.Series(False, index=days)
    assert irritation(steady, rehab=no_rehab).max() < 0.2  # a steady load settles
    spiked = steady.copy()
    spiked.iloc[40] = 16.0  # more than double the longest run of the month
    level = irritation(spiked, rehab=no_rehab)
    assert level.iloc[39] < 0.2 and level.iloc[40] > 5
    assert level.iloc[41:].is_monotonic_decreasing
    faster = irritation(spiked, rehab=pd.Series(True, index=days))
    assert faster.iloc[50] < level.iloc[50]


def test_run_samples_hold_together(athlete):
    run = next(a for a in athlete.activities if a.kind == "hills")
    s = activity_samples(athlete, run)
    schemas.Samples.validate(s)
    assert len(s) == run.duration_s and s["elapsed_s"].diff().dropna().eq(1).all()
    assert s["distance_m"].is_monotonic_increasing
    slope, intercept = np.polyfit(s["speed_mps"], s["cadence_spm"], 1)
    assert slope == pytest.approx(6.5, abs=0.6) and intercept == pytest.approx(150, abs=3)
    np.testing.assert_allclose(s["step_length_m"] * s["cadence_spm"] / 60, s["speed_mps"])
    assert 180 < s["stance_time_ms"].mean() < 300 and 60 < s["vertical_oscillation_mm"].mean() < 110
    climb = s["altitude_m"].max() - s["altitude_m"].min()
    assert climb > 30  # a hilly route
    uphill = np.gradient(s["altitude_m"].rolling(30, center=True).mean(), s["distance_m"]) > 0.04
    assert s.loc[uphill, "speed_mps"].mean() < s.loc[~uphill, "speed_mps"].mean()
    assert s["heart_rate_bpm"].between(athlete.hr_rest_bpm, athlete.hr_max_bpm).all()
    assert s["latitude_deg"].between(39.9, 40.0).all()
    # the route is a loop: distance from positions matches the distance channel within 5 %
    lat, lon = np.radians(s["latitude_deg"]), np.radians(s["longitude_deg"])
    step = 6_371_000 * np.hypot(np.diff(lat), np.diff(lon) * np.cos(lat[1:]))
    assert step.sum() == pytest.approx(s["distance_m"].iloc[-1], rel=0.05)


def test_cadence_retraining_shows_at_the_same_speed(athlete):
    def cadence_at(speed, a):
        s = activity_samples(athlete, a)
        slope, intercept = np.polyfit(s["speed_mps"], s["cadence_spm"], 1)
        return intercept + slope * speed

    easy = [a for a in athlete.activities if a.kind == "easy"]
    before = next(a for a in easy if a.start_local.date() < athlete.spike_date)
    after = next(a for a in easy if a.start_local.date() >= athlete.return_start)
    assert cadence_at(2.9, after) / cadence_at(2.9, before) == pytest.approx(1.047, abs=0.01)


def test_rides_and_swims_have_their_own_channels(athlete):
    ride = activity_samples(athlete, next(a for a in athlete.activities if a.sport == "cycling"))
    assert ride["cadence_rpm"].between(60, 110).all() and ride["cadence_spm"].isna().all()
    assert 5 < ride["speed_mps"].mean() < 10
    swim = activity_samples(athlete, next(a for a in athlete.activities if a.sport == "swimming"))
    assert swim["latitude_deg"].isna().all() and swim["distance_m"].iloc[-1] > 1000
    assert (swim["speed_mps"] == 0).any()  # rests at the wall


def test_the_pain_log_passes_the_contract_import(athlete, tmp_path):
    from pipeline.demo.generate import pain_log_csv

    entries = painlog.entries_from_csv(pain_log_csv(athlete), source="pain_log.csv", today=END)
    assert len(entries) == len(athlete.pain_log)
    # issue 18: pain after rides and swims names the sport (rides hurt, swims stay calm)
    assert {e.context for e in entries} == {"next_morning", "during_run", "sitting",
                                            "after_cross_training"}
    after = [e for e in entries if e.context == "after_cross_training"]
    rides = [e.pain_0_10 for e in after if e.activity == "cycling"]
    swims = [e.pain_0_10 for e in after if e.activity == "swimming"]
    assert len(rides) >= 4 and sum(p > 5 for p in rides) >= 0.7 * len(rides)
    assert swims and max(swims) <= 3


def test_the_rehab_log_passes_the_contract_import_and_progresses_through_stages(athlete):
    from pipeline import rehab
    from pipeline.demo.generate import rehab_log_csv

    entries = rehab.entries_from_csv(rehab_log_csv(athlete), source="rehab_log.csv", today=END)
    assert len(entries) == len(athlete.rehab_log) > 50
    stages = [rehab.exercise_stage(e.exercise, load_kg=e.load_kg) for e in entries
              if e.date > athlete.spike_date + timedelta(days=2)]
    firsts = {s: stages.index(s) for s in ("isometric", "isotonic", "heavy_slow")}
    assert firsts["isometric"] < firsts["isotonic"] < firsts["heavy_slow"]
    assert max(e.pain_0_10 for e in entries) <= 3


def test_too_few_weeks_is_refused():
    with pytest.raises(ValueError, match="at least 10 weeks"):
        demo_athlete(1, weeks=6, end=END)
