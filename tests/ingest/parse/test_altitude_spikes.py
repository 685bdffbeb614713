"""Impossible altitude jumps (a broken altimeter, a GPS altitude glitch) planted in hilly rides and
runs with a known ascent, across many seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.demo.fit_encode import activity_fit_bytes
from pipeline.ingest.parse.altitude import altitude_values, plausible_altitude
from pipeline.ingest.parse.fit import read_fit
from pipeline.ingest.parse.values import activity_values

TH = Thresholds()
SEEDS = range(40)


def hills(n: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A 1 Hz altitude profile of rolling hills (m) around 1,085 m, barometer noise 0.2 m, and
    its true ascent (m): the sum of the noiseless profile's rises."""
    t = np.arange(n, dtype=float)
    period = rng.uniform(400, 900)
    amplitude = rng.uniform(10, 40)
    true = 1085 + amplitude * np.sin(2 * np.pi * t / period) + 0.01 * t
    rises = np.diff(true)
    return true + rng.normal(0, 0.2, n), float(rises[rises > 0].sum())


def ascent(alt: np.ndarray) -> float:
    t = np.arange(len(alt), dtype=float)
    return altitude_values(t, alt, typical_s=1.0, cum=None, moving=None,
                           w=np.ones(len(alt)), thresholds=TH)["ascent_m"]


def plant_spikes(alt: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` spikes of one to three readings, each thousands of metres off (up or down, inside
    or outside the Earth's altitude range), like 1,085 -> 12,136 -> 29."""
    out = alt.copy()
    for i in rng.choice(np.arange(10, len(alt) - 10), size=k, replace=False):
        width = int(rng.integers(1, 4))
        out[i:i + width] = rng.choice([12_136.0, 29.0, -3_000.0, 5_500.0, alt[i] + 800])
    return out


@pytest.mark.parametrize("seed", SEEDS)
def test_planted_spikes_do_not_add_ascent(seed):
    rng = np.random.default_rng(seed)
    alt, true = hills(3600, rng)
    clean = ascent(alt)
    spiked = ascent(plant_spikes(alt, rng, k=int(rng.integers(1, 30))))
    assert clean == pytest.approx(true, rel=0.1)
    assert spiked == pytest.approx(clean, rel=0.05)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_jump_that_never_comes_back_is_not_climbed(seed):
    rng = np.random.default_rng(seed)
    alt, _ = hills(3600, rng)
    i = int(rng.integers(200, 3400))
    shifted = alt.copy()
    shifted[i:] += rng.choice([-1, 1]) * rng.uniform(200, 1000)  # a barometer reset mid-ride
    expected = ascent(alt[:i]) + ascent(alt[i:])
    assert ascent(shifted) == pytest.approx(expected, abs=5.0)


def test_real_climbs_and_descents_are_kept_whole():
    t = np.arange(1200, dtype=float)
    # a fast road descent (2.5 m/s down) then a steep climb (0.5 m/s up), every reading kept
    alt = np.concatenate([2000 - 2.5 * t[:600], 500 + 0.5 * t[:600]])
    clean, piece = plausible_altitude(t, alt)
    assert np.isfinite(clean).all() and (piece == 0).all()
    assert ascent(alt) == pytest.approx(0.5 * 599, rel=0.05)


def test_readings_outside_the_earths_range_are_dropped():
    t = np.arange(6, dtype=float)
    clean, _ = plausible_altitude(t, np.array([100, 101, 12_136, 102, -900, 103.0]))
    assert np.isnan(clean[[2, 4]]).all() and np.isfinite(clean[[0, 1, 3, 5]]).all()


def test_a_spiky_fit_ride_stores_its_real_ascent_not_the_devices_corrupt_total():
    rng = np.random.default_rng(7)
    n = 2400
    alt, true = hills(n, rng)
    t = np.arange(n, dtype=float)
    samples = pd.DataFrame({
        "timestamp_utc": pd.Timestamp("2025-05-03 09:00", tz="UTC") + pd.to_timedelta(t, "s"),
        "distance_m": t * 5.2,  # 12.5 km in 40 min
        "speed_mps": 5.2,
        "altitude_m": plant_spikes(alt, rng, k=12),
        "heart_rate_bpm": 140.0,
        "latitude_deg": 46.0 + t * 5.2 / 111_320.0,
        "longitude_deg": 7.0,
    })
    # the encoder writes the device's total as the sum of the raw rises: ~140 km here
    [a] = read_fit(activity_fit_bytes(samples, sport="cycling"), source="spiky.fit")
    v = activity_values(a, thresholds=TH)
    assert v["ascent_m"] == pytest.approx(true, rel=0.15)
    assert v["ascent_m"] / (v["distance_m"] / 1000) < 100
    assert any("more than anyone climbs" in w for w in a.warnings)
    # the stored samples hold no spike either: one reading to the next stays climbable
    stored = a.samples["altitude_m"].dropna()
    assert stored.between(-500, 9000).all() and stored.diff().abs().max() < 10
    assert any("altitude reading(s)" in w and "set to null" in w for w in a.warnings)


def test_a_spiky_gpx_stores_and_counts_no_spike():
    import datetime as dt

    from pipeline.ingest.parse.gpx import read_gpx
    from tests.ingest.parse.test_gpx_outings import gpx_bytes, track

    rng = np.random.default_rng(3)
    ride = track(dt.datetime(2025, 5, 3, 9, tzinfo=dt.UTC), n=2400, speed_mps=5.2,
                 type_="cycling")
    alt, true = hills(2400, rng)
    spiked = plant_spikes(alt, rng, k=12)
    for p, z in zip(ride.segments[0].points, spiked):
        p.elevation = float(z)
    [a] = read_gpx(gpx_bytes(ride), source="ride.gpx")
    stored = a.samples["altitude_m"].dropna()
    assert stored.diff().abs().max() < 10
    assert activity_values(a, thresholds=TH)["ascent_m"] == pytest.approx(true, rel=0.15)
