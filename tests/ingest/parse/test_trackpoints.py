"""Distance from positions with GPS spikes removed, and the sport of a file that states none."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.ingest.parse.trackpoints import (
    median_moving_speed_mps,
    pause_mask,
    plausible_track,
    sport_from_speed,
    track_distance_m,
)

TH = Thresholds()
M_PER_DEG_LAT = 111_195.0
M_PER_DEG_LON_46N = M_PER_DEG_LAT * np.cos(np.radians(46.0))


def track(speed_mps: float, n: int = 600, *, dt_s: float = 1.0):
    """``n`` points ``dt_s`` apart due north at ``speed_mps``: (elapsed_s, lat, lon)."""
    t = np.arange(n) * dt_s
    return t, 46.0 + t * speed_mps / M_PER_DEG_LAT, np.full(n, 14.5)


def test_out_and_back_spikes_are_dropped_and_the_distance_is_the_real_track():
    t, lat, lon = track(3.0)
    rng = np.random.default_rng(1)
    spikes = rng.choice(np.arange(5, 595), size=15, replace=False)
    lon = lon.copy()
    lon[spikes] += 90.0 / M_PER_DEG_LON_46N  # 90 m east for one second, then back
    dist, kept, note = track_distance_m(t, lat, lon, sport="running", thresholds=TH)
    assert dist[-1] == pytest.approx(599 * 3.0, rel=0.01)  # 2,400 m more with the spikes
    assert set(np.flatnonzero(~kept)) == set(spikes)
    assert "dropped 15 GPS position(s)" in note


def test_a_stale_position_interleaved_a_millisecond_after_each_fix_is_dropped():
    # the corpus' history/556160e9 pattern: a fixed old position written between real fixes
    t, lat, lon = track(3.0, 200)
    stale_lat, stale_lon = lat[0] + 27.0 / M_PER_DEG_LAT, 14.5 - 20.0 / M_PER_DEG_LON_46N
    tt = np.ravel(np.column_stack([t, t + 0.001]))
    la = np.ravel(np.column_stack([lat, np.full_like(lat, stale_lat)]))
    lo = np.ravel(np.column_stack([lon, np.full_like(lon, stale_lon)]))
    dist, kept, _ = track_distance_m(tt, la, lo, sport=None, thresholds=TH)
    assert dist[-1] == pytest.approx(199 * 3.0, rel=0.05)
    assert kept[::2].mean() > 0.95 and kept[1::2].mean() < 0.05


def test_a_jump_that_persists_is_not_counted_but_the_track_goes_on():
    t, lat, lon = track(3.0, 300)
    lon = lon.copy()
    lon[150:] += 200.0 / M_PER_DEG_LON_46N  # GPS re-acquired 200 m away in one second
    dist, kept, note = track_distance_m(t, lat, lon, sport="running", thresholds=TH)
    assert kept.all()
    assert dist[-1] == pytest.approx(299 * 3.0, rel=0.01)
    assert "did not count 1 step(s)" in note


def test_a_fast_ride_keeps_every_step():
    t, lat, lon = track(15.0, 300)  # 54 km/h: above the foot ceiling, a ride's own speed
    for sport in ("cycling", None):
        dist, kept, note = track_distance_m(t, lat, lon, sport=sport, thresholds=TH)
        assert kept.all() and note is None
        assert dist[-1] == pytest.approx(299 * 15.0, rel=1e-3)


def test_a_car_transfer_across_a_pause_is_not_counted():
    t, lat, lon = track(3.0, 400)
    t = t.copy()
    lat = lat.copy()
    t[200:] += 300.0  # a 5-minute gap in the recording ...
    lat[200:] += 3000.0 / M_PER_DEG_LAT  # ... during which the phone moved 3 km (10 m/s)
    dist, _, note = track_distance_m(t, lat, lon, sport="running", thresholds=TH)
    assert dist[-1] == pytest.approx(398 * 3.0, rel=0.01)
    assert "across a pause" in note


def test_plausible_track_with_no_positions_keeps_nothing():
    t = np.arange(5.0)
    kept, counted = plausible_track(t, np.full(5, np.nan), np.full(5, np.nan), max_speed_mps=12,
                                    slack_m=5)
    assert not kept.any() and not counted.any()


def test_pause_mask_marks_the_point_after_a_long_gap():
    t = np.array([0, 1, 2, 3, 60, 61, 62], dtype=float)
    assert pause_mask(t, max_gap_s=10).tolist() == [False] * 4 + [True, False, False]


def test_median_moving_speed_is_time_weighted_and_ignores_standing():
    # 100 s at 2 m/s sampled every 10 s, then 20 s at 8 m/s sampled every second, then standing
    t = np.concatenate([np.arange(0, 101, 10), 100 + np.arange(1, 21), 120 + np.arange(1, 50)])
    v = np.concatenate([[0], np.full(10, 2.0), np.full(20, 8.0), np.zeros(49)])
    d = np.cumsum(v * np.diff(t, prepend=0))
    assert median_moving_speed_mps(t.astype(float), d, moving_min_mps=0.5, max_gap_s=30) == 2.0
    assert median_moving_speed_mps(t.astype(float), np.zeros(len(t)), moving_min_mps=0.5,
                                   max_gap_s=30) is None


@pytest.mark.parametrize(
    ("median", "sport"),
    [(None, "running"), (1.2, "walking"), (2.8, "running"), (6.4, "running"), (6.6, "cycling"),
     (19.0, "cycling"), (21.0, "other")],
)
def test_sport_from_speed_thresholds(median, sport):
    got, warning = sport_from_speed(median, thresholds=TH)
    assert got == sport and warning.startswith("sport not stated")


def test_corpus_gpx_distances_are_plausible(corpus):
    """Each corpus GPX ends with a distance and pace its sport allows."""
    from pipeline.ingest.parse.gpx import read_gpx
    from pipeline.ingest.parse.values import activity_values

    spiky = ["556160e9-d74c-440c-b0af-363efb753430", "7ff163c7-3486-434f-8201-e83ce7f675b6",
             "9427f130-d6a8-4a0d-bf79-3e5f61d54bb4", "feaf2949-0da0-47cf-b4ed-6818c70d0733"]
    for name in spiky:
        a = read_gpx((corpus / "history" / f"{name}.gpx").read_bytes(), source=name)[0]
        v = activity_values(a, thresholds=TH)
        pace_min_per_km = 1000 / v["avg_speed_mps"] / 60
        assert 4.0 <= pace_min_per_km <= 7.5, (name, pace_min_per_km)
        assert v["moving_speed_percentiles_mps"][99] < TH.foot_speed_ceiling_mps, name
    odd = {"around-visnjan-with-car.gpx": "other", "first_and_last_elevation.gpx": "other",
           "cerknicko-jezero.gpx": "walking"}
    for name, sport in odd.items():
        assert read_gpx((corpus / "gpx" / name).read_bytes(), source=name)[0].sport == sport


def test_forward_filled_is_series_ffill():
    from pipeline.ingest.parse.trackpoints import forward_filled

    for values in ([np.nan, 1.0, np.nan, np.nan, 4.0, np.nan], [np.nan, np.nan], [], [2.0, 3.0]):
        values = np.array(values, dtype=float)
        np.testing.assert_array_equal(forward_filled(values),
                                      pd.Series(values, dtype=float).ffill().to_numpy())
