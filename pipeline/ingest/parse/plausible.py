"""What a recording of a human activity can physically hold: its date, heart rate, rate of climb.

The same limits for FIT, GPX and TCX, so one file gives the same answer whatever its format.
These are physical bounds (not tunable analysis thresholds): a value outside them is a glitch,
a placeholder or a wrong clock, never a measurement.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from pipeline.errors import UnreadableInput
from pipeline.ingest.parse.model import UTC, utc_datetime, utc_microseconds

# No consumer GPS watch or app recorded activities before 1990 (FIT itself counts from
# 1989-12-31); an earlier date is an unset clock or a placeholder.
EARLIEST_UTC = datetime(1990, 1, 1, tzinfo=UTC)
# A heart beating below 25 bpm (rest in elite athletes is ~30) or above 250 bpm (the fastest
# recorded sinus rates in exercise are ~220) is a sensor glitch; 0 and 255 are what devices write
# when no strap is paired.
HR_MIN_BPM = 25.0
HR_MAX_BPM = 250.0
# Cadence ceilings: elite sprinters reach ~280 steps/min, track cyclists spin up to ~250 rpm;
# more is a placeholder (255) or a unit mix-up, not a cadence.
MAX_CADENCE_SPM = 300.0
MAX_CADENCE_RPM = 250.0
# The fastest human-powered change of altitude: vertical-kilometre records climb ~0.6 m/s, a road
# descent at 90 km/h on a 10 % grade drops 2.5 m/s, an alpine ski racer ~8 m/s. Faster altitude
# changes between two readings are a broken altimeter or a wrong GPS altitude.
MAX_VERTICAL_SPEED_MPS = 10.0
# Altitude may wander this far between two close readings without any climbing (GPS altitude
# error is a few metres; a barometer re-calibrating steps by ~5 m).
ALTITUDE_SLACK_M = 10.0
# Sustained over a whole activity, even a vertical-kilometre race averages under 0.6 m/s of climb:
# a device's total ascent above 1 m per second of elapsed time is a corrupted total.
MAX_MEAN_CLIMB_MPS = 1.0


def latest_utc() -> datetime:
    """The latest plausible recording time: tomorrow (a watch a few hours ahead, a time zone)."""
    return datetime.now(UTC) + timedelta(days=1)


class ImplausibleDate(UnreadableInput):
    """A recording dated before 1990 or after tomorrow: a wrong clock, quarantined."""


def date_problem(start_utc) -> str | None:
    """Why ``start_utc`` (a tz-aware datetime or timestamp, a UTC datetime64, or None) cannot
    be a recording's date; None when it can. The one date rule for every format."""
    start = utc_datetime(start_utc)
    if start is None:
        return "the recording has no date"
    if start < EARLIEST_UTC:
        return (f"the recording is dated {start:%Y-%m-%d}, before 1990: an unset or wrong "
                "clock, not a real date")
    if start > latest_utc():
        return (f"the recording is dated {start:%Y-%m-%d}, after tomorrow: a wrong clock, not "
                "a real date")
    return None


def time_us_problem(time_us: int) -> str | None:
    """``date_problem`` for UTC microseconds since the epoch (any year, even past 2262 where a
    nanosecond timestamp overflows)."""
    earliest = utc_microseconds(EARLIEST_UTC)
    latest = utc_microseconds(latest_utc())
    if earliest <= time_us <= latest:
        return None
    day = str(np.datetime64(int(time_us), "us").astype("datetime64[D]"))  # any year
    when = "before 1990: an unset or wrong clock" if time_us < earliest else (
        "after tomorrow: a wrong clock")
    return f"the recording is dated {day}, {when}, not a real date"


def heart_rate_bpm(hr: np.ndarray) -> np.ndarray:
    """Heart rates (bpm) with implausible readings (outside 25-250 bpm) as NaN."""
    hr = np.asarray(hr, dtype=float)
    return np.where((hr >= HR_MIN_BPM) & (hr <= HR_MAX_BPM), hr, np.nan)


def plausible_hr(value) -> bool:
    """Whether a device's average or maximum heart rate (bpm) is a measurement."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        return False
    return HR_MIN_BPM <= value <= HR_MAX_BPM
