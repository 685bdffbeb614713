"""Per-activity values on synthetic activities with planted answers."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.ingest.parse.model import ParsedActivity, sample_columns
from pipeline.ingest.parse.speed_profile import easy_speed_mps, fast_time_fraction
from pipeline.ingest.parse.values import activity_values
from pipeline.schemas import Activities

TH = Thresholds()
START = pd.Timestamp("2026-03-01 07:00", tz="UTC")
EXPECTED_KEYS = {
    "distance_m", "elapsed_time_s", "timer_time_s", "moving_time_s", "ascent_m", "avg_speed_mps",
    "avg_hr_bpm", "max_hr_bpm", "avg_cadence_spm", "avg_cadence_rpm", "avg_step_length_m",
    "avg_stance_time_ms", "avg_vertical_oscillation_mm", "avg_vertical_ratio_pct",
    "avg_stance_time_balance_pct", "avg_power_w", "uphill_time_fraction",
    "moving_speed_percentiles_mps", "hr_seconds_by_bpm", "n_samples", "channels", "has_gps",
}  # fmt: skip
SCALARS = sorted(
    EXPECTED_KEYS - {"moving_speed_percentiles_mps", "hr_seconds_by_bpm", "n_samples", "channels",
                     "has_gps"}
)  # fmt: skip


def samples(t_s, **columns) -> pd.DataFrame:
    """A Samples frame: ``t_s`` seconds after START plus the given channels."""
    t_s = np.asarray(t_s, dtype=float)
    frame = pd.DataFrame(
        {
            "timestamp_utc": START + pd.to_timedelta(t_s, unit="s"),
            "elapsed_s": t_s - t_s[0] if len(t_s) else t_s,
        }
    )
    for name, value in columns.items():
        frame[name] = np.broadcast_to(np.asarray(value, dtype=float), t_s.shape).copy()
    return frame


def activity(frame: pd.DataFrame, sport: str = "running", **kwargs) -> ParsedActivity:
    return ParsedActivity(format="fit", sport=sport, start_time_utc=START,
                          columns=sample_columns(frame), **kwargs)


def paused_run():
    """10 min at 3 m/s, a 5-minute auto-pause (no samples), 10 min at 3 m/s; 1 Hz."""
    t = np.concatenate([np.arange(0, 600), np.arange(900, 1500)])
    moving_s = np.concatenate([np.arange(0, 600), np.arange(600, 1200)])
    return t, moving_s


def test_keys_and_types_fit_the_activities_schema():
    t, moving_s = paused_run()
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * moving_s, heart_rate_bpm=150)
    values = activity_values(activity(frame), thresholds=TH)
    assert set(values) == EXPECTED_KEYS
    assert len(values["moving_speed_percentiles_mps"]) == 101
    assert len(values["hr_seconds_by_bpm"]) == 256
    row = {
        **values,
        "activity_id": "a", "source_files": ["x.fit"], "format": "fit", "sport": "running",
        "start_time_utc": START, "local_date": pd.Timestamp("2026-03-01"),
        "local_date_source": "profile_timezone", "summary_only": False, "partial": False,
        "content_sha256": "0" * 64, "sub_sport": None, "name": None, "gear": None,
        "device": None, "utc_offset_min": 0.0, "fast_time_fraction": None, "rpe_0_10": None,
        "partial_reason": None,
    }  # fmt: skip
    Activities.validate(pd.DataFrame([row]))


def test_distance_times_and_moving_time_with_a_five_minute_pause():
    t, moving_s = paused_run()
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * moving_s)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["elapsed_time_s"] == 1499
    assert v["distance_m"] == pytest.approx(3.0 * 1199)
    assert v["moving_time_s"] == pytest.approx(1199, abs=2)  # not 1499: the pause is not moving
    assert v["timer_time_s"] == pytest.approx(1199, abs=2)
    assert v["avg_speed_mps"] == pytest.approx(3.0, abs=0.01)


def test_multisport_distance_counts_from_the_session_start():
    # a second session whose device distance continues from the first session's 10 km
    t = np.arange(0, 600)
    frame = samples(t, speed_mps=3.0, distance_m=10_000.0 + 3.0 * (t + 1))
    v = activity_values(activity(frame), thresholds=TH)
    assert v["distance_m"] == pytest.approx(3.0 * 599)


def test_standing_still_while_recording_is_not_moving():
    t = np.arange(0, 1200)
    speed = np.where(t < 600, 3.0, 0.0)  # 10 min running, then 10 min standing, still recording
    frame = samples(t, speed_mps=speed, distance_m=np.cumsum(speed))
    v = activity_values(activity(frame), thresholds=TH)
    assert v["moving_time_s"] == pytest.approx(600, abs=2)
    assert v["elapsed_time_s"] == 1199


def test_distance_from_positions_without_a_distance_channel():
    t = np.arange(0, 601)
    lat = 40.0 + 3.0 * t / 111_195.0  # 3 m/s due north (1 degree of latitude = 111.195 km)
    frame = samples(t, latitude_deg=lat, longitude_deg=-105.0)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["distance_m"] == pytest.approx(1800, rel=0.01)
    assert v["moving_time_s"] == pytest.approx(600, abs=2)
    assert v["has_gps"] is True
    assert v["moving_speed_percentiles_mps"][50] == pytest.approx(3.0, rel=0.01)


def test_gps_jitter_while_standing_adds_no_distance_or_moving_time():
    rng = np.random.default_rng(1)
    t = np.arange(0, 1200)
    north = np.where(t < 600, 3.0 * t, 1800.0) + rng.normal(0, 1.0, t.size)  # 1 m jitter
    frame = samples(t, latitude_deg=40.0 + north / 111_195.0, longitude_deg=-105.0)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["moving_time_s"] == pytest.approx(600, abs=30)
    assert v["distance_m"] == pytest.approx(1800, rel=0.05)


def test_heart_rate_average_maximum_and_histogram():
    t, moving_s = paused_run()
    hr = np.where(t < 600, 140.0, 160.0)
    hr[700] = 181.0  # one peak
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * moving_s, heart_rate_bpm=hr)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["avg_hr_bpm"] == pytest.approx(150.0, abs=0.2)
    assert v["max_hr_bpm"] == 181
    hist = np.asarray(v["hr_seconds_by_bpm"])
    assert hist.sum() == pytest.approx(v["elapsed_time_s"] - 300, abs=2)  # the pause adds nothing
    assert hist.sum() == pytest.approx(v["moving_time_s"], abs=2)
    assert hist[140] == pytest.approx(599, abs=1) and hist[160] == pytest.approx(599, abs=1)
    assert hist[181] == 1


def test_cadence_zeros_while_stopped_are_ignored():
    t = np.arange(0, 1200)
    running = t < 900
    frame = samples(
        t,
        speed_mps=np.where(running, 3.0, 0.0),
        distance_m=np.cumsum(np.where(running, 3.0, 0.0)),
        cadence_spm=np.where(running, 170.0, 0.0),
    )
    v = activity_values(activity(frame), thresholds=TH)
    assert v["avg_cadence_spm"] == pytest.approx(170.0)
    assert v["avg_cadence_rpm"] is None


def test_cadence_zeros_do_not_count_even_when_speed_is_unknown():
    t = np.arange(0, 600)
    frame = samples(t, cadence_rpm=np.where(t % 2 == 0, 90.0, 0.0))  # indoor ride, no speed
    v = activity_values(activity(frame, sport="cycling"), thresholds=TH)
    assert v["avg_cadence_rpm"] == pytest.approx(90.0)
    assert v["moving_time_s"] is None  # nothing says whether it moved
    assert v["avg_step_length_m"] is None


def test_step_length_from_speed_and_cadence_when_the_device_gives_none():
    t = np.arange(0, 600)
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t, cadence_spm=180.0)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["avg_step_length_m"] == pytest.approx(1.0)
    ride = activity_values(activity(frame, sport="cycling"), thresholds=TH)
    assert ride["avg_step_length_m"] is None  # not a foot sport


def test_device_step_length_wins_over_the_derived_one():
    t = np.arange(0, 600)
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t, cadence_spm=180.0, step_length_m=1.1)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["avg_step_length_m"] == pytest.approx(1.1)


def test_running_dynamics_averaged_over_moving_time():
    t = np.arange(0, 1200)
    running = t < 600
    frame = samples(
        t,
        speed_mps=np.where(running, 3.0, 0.0),
        distance_m=np.cumsum(np.where(running, 3.0, 0.0)),
        stance_time_ms=np.where(running, 250.0, 400.0),  # standing values must not count
        vertical_oscillation_mm=np.where(running, 80.0, 0.0),
        vertical_ratio_pct=np.where(running, 7.5, 0.0),
        stance_time_balance_pct=np.where(running, 49.5, 0.0),
        power_w=np.where(running, 250.0, 0.0),
    )
    v = activity_values(activity(frame), thresholds=TH)
    assert v["avg_stance_time_ms"] == pytest.approx(250.0)
    assert v["avg_vertical_oscillation_mm"] == pytest.approx(80.0)
    assert v["avg_vertical_ratio_pct"] == pytest.approx(7.5)
    assert v["avg_stance_time_balance_pct"] == pytest.approx(49.5)
    assert v["avg_power_w"] == pytest.approx(250.0)


def climb(grades_by_second: np.ndarray, speed: float = 3.0, noise_m: float = 0.0, seed: int = 0):
    """1 Hz samples at ``speed`` m/s whose altitude follows the given grade at each second."""
    t = np.arange(grades_by_second.size)
    altitude = 1000.0 + np.cumsum(grades_by_second * speed)
    altitude += np.random.default_rng(seed).normal(0.0, noise_m, t.size)
    return samples(t, speed_mps=speed, distance_m=speed * t, altitude_m=altitude)


def test_uphill_fraction_of_a_planted_six_percent_climb_for_half_the_time():
    grades = np.where(np.arange(1800) < 900, 0.0, 0.06)
    v = activity_values(activity(climb(grades, noise_m=0.3)), thresholds=TH)
    assert v["uphill_time_fraction"] == pytest.approx(0.5, abs=0.05)


def test_three_percent_everywhere_is_not_uphill():
    grades = np.full(1800, 0.03)
    v = activity_values(activity(climb(grades, noise_m=0.3)), thresholds=TH)
    assert v["uphill_time_fraction"] == pytest.approx(0.0, abs=0.03)


def test_ascent_of_a_noisy_profile_is_close_to_the_true_climb():
    # flat 15 min, 54 m up (6 % at 3 m/s for 5 min), flat 15 min; GPS-like 2 m altitude noise
    grades = np.concatenate([np.zeros(900), np.full(300, 0.06), np.zeros(900)])
    true_ascent = 0.06 * 3.0 * 300
    noisy = activity_values(activity(climb(grades, noise_m=2.0, seed=3)), thresholds=TH)
    clean = activity_values(activity(climb(grades)), thresholds=TH)
    assert clean["ascent_m"] == pytest.approx(true_ascent, rel=0.02)
    assert noisy["ascent_m"] == pytest.approx(true_ascent, rel=0.25)
    # a per-sample sum of rises would count the noise: about 0.56 · 2 m · 2100 s ≈ 2,400 m
    frame = climb(grades, noise_m=2.0, seed=3)
    assert np.clip(np.diff(frame["altitude_m"]), 0, None).sum() > 10 * true_ascent


def test_barometric_rolling_hills_are_not_flattened_by_smoothing():
    # 30 hills of 6 m (60 s period at 3 m/s), altitude quantised at 0.2 m like a barometer: the
    # low noise lets the smoothing shrink to 10 s (a 30 s mean would keep only ~64 % of each hill)
    t = np.arange(0, 1800)
    altitude = np.round((1000 + 3.0 * np.sin(2 * np.pi * t / 60.0)) / 0.2) * 0.2
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t, altitude_m=altitude)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["ascent_m"] == pytest.approx(30 * 6.0, rel=0.15)  # 30 s smoothing: ~115 m


def test_treadmill_altitude_gives_no_ascent_or_uphill():
    v = activity_values(
        activity(climb(np.full(600, 0.06)), sport="treadmill_running"), thresholds=TH
    )
    assert v["ascent_m"] is None and v["uphill_time_fraction"] is None


def test_every_missing_channel_is_none_not_zero():
    t = np.arange(0, 600)
    v = activity_values(activity(samples(t, heart_rate_bpm=120.0), sport="other"), thresholds=TH)
    for key in SCALARS:
        if key not in ("elapsed_time_s", "timer_time_s", "avg_hr_bpm", "max_hr_bpm"):
            assert v[key] is None, key
    assert v["moving_speed_percentiles_mps"] is None
    assert v["has_gps"] is False
    assert v["channels"] == ["elapsed_s", "heart_rate_bpm"]
    no_hr = activity_values(activity(samples(t, speed_mps=3.0)), thresholds=TH)
    assert no_hr["avg_hr_bpm"] is None and no_hr["max_hr_bpm"] is None
    assert no_hr["hr_seconds_by_bpm"] is None
    assert no_hr["ascent_m"] is None and no_hr["uphill_time_fraction"] is None


def test_all_zero_channels_count_as_missing():
    t = np.arange(0, 600)
    frame = samples(t, speed_mps=0.0, distance_m=0.0, heart_rate_bpm=0.0, cadence_spm=0.0,
                    power_w=0.0, stance_time_ms=0.0)  # fmt: skip
    v = activity_values(activity(frame, sport="other"), thresholds=TH)
    for key in ("distance_m", "moving_time_s", "avg_hr_bpm", "max_hr_bpm", "avg_cadence_spm",
                "avg_power_w", "avg_stance_time_ms", "avg_speed_mps"):  # fmt: skip
        assert v[key] is None, key


def test_pool_swim_with_one_distance_per_length_has_no_moving_time():
    # 1 Hz heart rate; distance and speed only at the end of each 25 m length (every 25 s)
    t = np.arange(0, 1000)
    at_length_end = (t % 25 == 24)
    lengths = np.cumsum(at_length_end)
    frame = samples(
        t, heart_rate_bpm=130.0,
        distance_m=np.where(at_length_end, 25.0 * lengths, np.nan),
        speed_mps=np.where(at_length_end, 1.0, np.nan),
    )  # fmt: skip
    v = activity_values(activity(frame, sport="swimming"), thresholds=TH)
    assert v["moving_time_s"] is None  # not the ~40 s the sparse speed samples would add up to
    assert v["distance_m"] == pytest.approx(25.0 * lengths[-1])  # the first length counts too
    assert v["avg_speed_mps"] == pytest.approx(v["distance_m"] / v["timer_time_s"])
    assert v["avg_hr_bpm"] == 130.0


def test_summary_only_activity_takes_the_session_and_nothing_else():
    session = {"distance_m": 5000.0, "elapsed_time_s": 1800.0, "timer_time_s": 1750.0,
               "avg_hr_bpm": 145.0, "max_hr_bpm": 0.0, "avg_cadence_spm": None}  # fmt: skip
    parsed = activity(pd.DataFrame(columns=["timestamp_utc", "elapsed_s"]), session=session)
    parsed.summary_only = True
    v = activity_values(parsed, thresholds=TH)
    assert v["distance_m"] == 5000 and v["timer_time_s"] == 1750 and v["avg_hr_bpm"] == 145
    assert v["max_hr_bpm"] is None  # a device's 0 means "no reading"
    assert v["avg_speed_mps"] == pytest.approx(5000 / 1750)
    assert v["n_samples"] == 0 and v["channels"] == [] and v["has_gps"] is False
    assert v["hr_seconds_by_bpm"] is None and v["moving_speed_percentiles_mps"] is None


def test_session_values_win_over_the_samples():
    t = np.arange(0, 600)
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t, heart_rate_bpm=150.0,
                    cadence_spm=170.0, altitude_m=1000.0)  # fmt: skip
    session = {"distance_m": 1805.0, "elapsed_time_s": 601.0, "timer_time_s": 600.0,
               "avg_hr_bpm": 151.0, "max_hr_bpm": 160.0, "avg_cadence_spm": 171.0,
               "ascent_m": 0.0}  # fmt: skip
    v = activity_values(activity(frame, session=session), thresholds=TH)
    assert (v["distance_m"], v["elapsed_time_s"], v["timer_time_s"]) == (1805, 601, 600)
    assert (v["avg_hr_bpm"], v["max_hr_bpm"], v["avg_cadence_spm"]) == (151, 160, 171)
    assert v["ascent_m"] == 0.0  # a flat run's 0 m ascent is a measurement
    assert v["moving_time_s"] == pytest.approx(599, abs=1)  # from the samples
    assert v["avg_speed_mps"] == pytest.approx(1805 / v["moving_time_s"])


def test_treadmill_run_without_gps_keeps_the_device_distance():
    t = np.arange(0, 600)
    frame = samples(t, speed_mps=2.8, distance_m=2.8 * t, cadence_spm=172.0)
    v = activity_values(activity(frame, sport="treadmill_running"), thresholds=TH)
    assert v["distance_m"] == pytest.approx(2.8 * 599)
    assert v["has_gps"] is False
    assert "distance_m" in v["channels"] and "latitude_deg" not in v["channels"]


def test_developer_fields_are_listed_as_channels():
    t = np.arange(0, 60)
    frame = samples(t, speed_mps=3.0, dev_power_w=240.0, dev_empty=np.nan)
    v = activity_values(activity(frame), thresholds=TH)
    assert "dev_power_w" in v["channels"] and "dev_empty" not in v["channels"]


def test_moving_speed_percentiles_are_time_weighted():
    # 1 Hz for 10 min at 2.5 m/s, then 10 min at 3.5 m/s recorded only every 5 s: equal times
    t = np.concatenate([np.arange(0, 600), np.arange(600, 1200, 5)])
    speed = np.where(t < 600, 2.5, 3.5)
    frame = samples(t, speed_mps=speed)
    p = activity_values(activity(frame), thresholds=TH)["moving_speed_percentiles_mps"]
    assert p[0] == 2.5 and p[100] == 3.5
    assert p[40] == 2.5 and p[60] == 3.5  # by samples 2.5 would fill the 83rd percentile


def test_fast_fraction_of_a_run_half_at_easy_speed_half_25_percent_faster():
    t = np.arange(0, 1200)
    frame = samples(t, speed_mps=np.where(t < 600, 3.0, 3.75))
    p = activity_values(activity(frame), thresholds=TH)["moving_speed_percentiles_mps"]
    assert fast_time_fraction(p, easy_speed_mps=3.0, margin=0.15) == pytest.approx(0.5, abs=0.02)
    assert fast_time_fraction(p, easy_speed_mps=2.0, margin=0.15) == 1.0
    assert fast_time_fraction(p, easy_speed_mps=4.0, margin=0.15) == 0.0
    assert fast_time_fraction(p, easy_speed_mps=None, margin=0.15) is None
    assert fast_time_fraction(None, easy_speed_mps=3.0, margin=0.15) is None


def test_fast_fraction_interpolates_a_uniform_speed_spread():
    p = np.linspace(2.0, 4.0, 101)  # speeds spread evenly from 2 to 4 m/s
    assert fast_time_fraction(p, easy_speed_mps=3.0, margin=0.0) == pytest.approx(0.5)
    assert fast_time_fraction(p, easy_speed_mps=3.0, margin=0.2) == pytest.approx(0.2)


def test_easy_speed_is_the_median_of_road_runs_median_speeds():
    def pct(median):
        return list(np.linspace(median - 0.5, median + 0.5, 101))

    acts = pd.DataFrame(
        {
            "sport": ["running", "running", "running", "trail_running", "cycling", "running"],
            "moving_speed_percentiles_mps": [pct(2.8), pct(3.0), pct(4.2), pct(1.5), pct(8.0),
                                             None],
        }
    )  # fmt: skip
    assert easy_speed_mps(acts) == pytest.approx(3.0)
    trail_only = acts[acts["sport"] == "trail_running"]
    assert easy_speed_mps(trail_only) == pytest.approx(1.5)
    assert easy_speed_mps(acts[acts["sport"] == "cycling"]) is None
    assert easy_speed_mps(acts.iloc[0:0]) is None
    arrays = acts.assign(moving_speed_percentiles_mps=acts["moving_speed_percentiles_mps"].map(
        lambda p: None if p is None else np.asarray(p)))  # as read back from Parquet
    assert easy_speed_mps(arrays) == pytest.approx(3.0)


def test_unsorted_samples_and_naive_gaps_do_not_break_it():
    t = np.arange(0, 300)
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t).iloc[::-1]
    v = activity_values(activity(frame), thresholds=TH)
    assert v["elapsed_time_s"] == 299 and v["distance_m"] == pytest.approx(897)


def test_a_three_hour_one_hertz_activity_takes_milliseconds():
    n = 3 * 3600
    t = np.arange(n)
    rng = np.random.default_rng(0)
    frame = samples(
        t, speed_mps=3.0 + rng.normal(0, 0.2, n), distance_m=3.0 * t,
        heart_rate_bpm=rng.integers(120, 170, n), cadence_spm=170.0,
        altitude_m=1000 + 20 * np.sin(t / 300), latitude_deg=40 + t * 1e-5, longitude_deg=-105.0,
    )  # fmt: skip
    parsed = activity(frame)
    activity_values(parsed, thresholds=TH)
    begin = time.perf_counter()
    for _ in range(5):
        activity_values(parsed, thresholds=TH)
    assert (time.perf_counter() - begin) / 5 < 0.25  # ~30 ms measured; margin for a busy machine
    assert not math.isnan(activity_values(parsed, thresholds=TH)["ascent_m"])


# --- consistency fixes found on the corpus ------------------------------------------------------


def test_samples_cut_short_take_every_time_from_the_session():
    # a damaged file: the session says 10 km in 3,600 s, the readable samples span 300 s
    t = np.arange(0, 301)
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t)
    session = {"distance_m": 10_000.0, "timer_time_s": 3600.0, "elapsed_time_s": 3700.0}
    v = activity_values(activity(frame, session=session), thresholds=TH)
    assert (v["moving_time_s"], v["timer_time_s"], v["elapsed_time_s"]) == (3600, 3600, 3700)
    assert v["avg_speed_mps"] == pytest.approx(10_000 / 3600)  # not 10 km in 300 s
    # samples that cover the session keep their own moving time
    full = activity(samples(np.arange(0, 3600), speed_mps=2.8, distance_m=2.8 * np.arange(3600)),
                    session=session)
    assert activity_values(full, thresholds=TH)["moving_time_s"] == pytest.approx(3599, abs=2)
    # without a session everything comes from the samples
    alone = activity_values(activity(frame), thresholds=TH)
    assert alone["moving_time_s"] == pytest.approx(300, abs=1) and alone["distance_m"] == 900


def test_moving_time_never_exceeds_the_timer_time():
    t = np.arange(0, 600)
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t)
    session = {"timer_time_s": 590.0}  # the device paused ten one-second moments
    v = activity_values(activity(frame, session=session), thresholds=TH)
    assert v["moving_time_s"] == 590


@pytest.mark.parametrize("sport", ["cycling", "swimming", "other"])
def test_step_metrics_exist_only_for_foot_sports(sport):
    t = np.arange(0, 300)
    frame = samples(t, speed_mps=8.0, distance_m=8.0 * t, cadence_spm=170.0,
                    stance_time_ms=250.0, vertical_oscillation_mm=80.0)  # fmt: skip
    session = {"avg_step_length_m": 0.959, "avg_cadence_rpm": 88.0}
    v = activity_values(activity(frame, sport=sport, session=session), thresholds=TH)
    for key in ("avg_cadence_spm", "avg_step_length_m", "avg_stance_time_ms",
                "avg_vertical_oscillation_mm", "avg_vertical_ratio_pct",
                "avg_stance_time_balance_pct"):
        assert v[key] is None, key
    assert (v["avg_cadence_rpm"] == 88.0) == (sport == "cycling")


def test_a_run_keeps_its_step_metrics_and_has_no_crank_cadence():
    t = np.arange(0, 300)
    frame = samples(t, speed_mps=3.0, distance_m=3.0 * t, cadence_spm=170.0, cadence_rpm=85.0)
    v = activity_values(activity(frame, sport="walking"), thresholds=TH)
    assert v["avg_cadence_spm"] == pytest.approx(170) and v["avg_cadence_rpm"] is None
    assert v["avg_step_length_m"] == pytest.approx(3.0 / (170 / 60), rel=0.01)


def test_a_gap_crossed_at_moving_speed_is_moving_time():
    # a sparse recorder: 1 Hz, then no fix for 300 s while 900 m were covered (3 m/s), then 1 Hz
    t = np.concatenate([np.arange(0, 300), np.arange(600, 900)])
    frame = samples(t, distance_m=3.0 * t)
    v = activity_values(activity(frame), thresholds=TH)
    assert v["distance_m"] == pytest.approx(3.0 * 899)
    assert v["moving_time_s"] == pytest.approx(899, abs=2)
    assert v["avg_speed_mps"] == pytest.approx(3.0, rel=0.01)
    # the same gap without distance covered is a pause
    still = samples(t, distance_m=3.0 * np.where(t >= 600, t - 300, t))
    assert activity_values(activity(still), thresholds=TH)["moving_time_s"] == pytest.approx(
        599, abs=2)
