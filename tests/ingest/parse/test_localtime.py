"""Local dates: FIT offset, else GPS time zone, else the athlete's time zone, else UTC."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import UsageError
from pipeline.ingest.parse import localtime
from pipeline.ingest.parse.localtime import gps_timezone, local_start
from pipeline.ingest.parse.model import ParsedActivity, sample_columns
from pipeline.schemas import LOCAL_DATE_SOURCES

DENVER = (39.74, -104.99)


def run(start_utc: str, *, position=None, offset=None) -> ParsedActivity:
    start = pd.Timestamp(start_utc, tz="UTC")
    t = np.arange(0, 60)
    frame = pd.DataFrame(
        {"timestamp_utc": start + pd.to_timedelta(t, unit="s"), "elapsed_s": t.astype(float)}
    )
    if position is not None:
        lat = np.full(t.size, position[0])
        lat[:5] = np.nan  # no fix yet for the first seconds
        frame["latitude_deg"] = lat
        frame["longitude_deg"] = position[1]
    return ParsedActivity(
        format="fit", sport="running", start_time_utc=start, columns=sample_columns(frame), utc_offset_min=offset
    )


def test_denver_winter_evening_run_belongs_to_the_local_date():
    # 2026-01-15 19:30 in Denver (MST, UTC-7) is 2026-01-16 02:30 UTC
    offset, date, source = local_start(run("2026-01-16 02:30", position=DENVER),
                                       profile_timezone="Europe/Berlin")  # fmt: skip
    assert (offset, date, source) == (-420, pd.Timestamp("2026-01-15"), "gps_timezone")
    assert source in LOCAL_DATE_SOURCES


def test_denver_summer_offset_follows_daylight_saving_time():
    offset, date, source = local_start(run("2026-07-16 01:30", position=DENVER),
                                       profile_timezone=None)  # fmt: skip
    assert (offset, date, source) == (-360, pd.Timestamp("2026-07-15"), "gps_timezone")


def test_fit_local_timestamp_offset_wins():
    offset, date, source = local_start(run("2026-01-16 02:30", position=DENVER, offset=-300.0),
                                       profile_timezone="America/Denver")  # fmt: skip
    assert (offset, date, source) == (-300, pd.Timestamp("2026-01-15"), "fit_local_timestamp")
    east = local_start(run("2026-01-15 23:30", offset=120.0), profile_timezone=None)
    assert east == (120, pd.Timestamp("2026-01-16"), "fit_local_timestamp")


def test_without_gps_the_profile_time_zone_is_used():
    offset, date, source = local_start(run("2026-01-16 02:30"), profile_timezone="America/Denver")
    assert (offset, date, source) == (-420, pd.Timestamp("2026-01-15"), "profile_timezone")


def test_without_gps_or_profile_the_date_is_utc():
    offset, date, source = local_start(run("2026-01-16 02:30"), profile_timezone=None)
    assert (offset, date, source) == (0, pd.Timestamp("2026-01-16"), "profile_timezone")


def test_zero_zero_and_missing_positions_are_not_a_gps_fix():
    parsed = run("2026-01-16 02:30", position=(0.0, 0.0))
    assert gps_timezone(parsed.samples) is None
    assert gps_timezone(pd.DataFrame()) is None
    assert local_start(parsed, profile_timezone="Asia/Tokyo")[2] == "profile_timezone"


def test_summary_only_activity_without_samples_uses_the_profile():
    parsed = run("2026-01-16 02:30")
    parsed.samples = parsed.samples.iloc[0:0]
    assert local_start(parsed, profile_timezone="Asia/Tokyo") == (
        540, pd.Timestamp("2026-01-16"), "profile_timezone"
    )  # fmt: skip


def test_first_valid_point_decides_across_a_border():
    parsed = run("2026-01-16 02:30", position=DENVER)
    parsed.samples.loc[30:, "latitude_deg"] = 52.52  # later points in Berlin do not count
    parsed.samples.loc[30:, "longitude_deg"] = 13.40
    assert local_start(parsed, profile_timezone=None)[2] == "gps_timezone"
    assert local_start(parsed, profile_timezone=None)[0] == -420


def test_unknown_profile_time_zone_is_a_usage_error():
    with pytest.raises(UsageError, match="time zone"):
        local_start(run("2026-01-16 02:30"), profile_timezone="Mars/Olympus")


def test_time_zone_finder_is_built_once_and_lookups_are_fast():
    localtime._finder.cache_clear()
    begin = time.perf_counter()
    assert gps_timezone(run("2026-01-16 02:30", position=DENVER).samples) == "America/Denver"
    parsed = run("2026-01-16 02:30", position=(48.14, 11.58))
    begin = time.perf_counter()
    for _ in range(200):
        local_start(parsed, profile_timezone=None)
    per_activity = (time.perf_counter() - begin) / 200
    assert localtime._finder.cache_info().currsize == 1
    assert per_activity < 0.005  # the ~0.4 s startup is paid once, not per activity


def test_device_relative_clock_gets_its_utc_from_the_gps_time_zone():
    from pipeline.ingest.parse.localtime import on_utc_clock

    # A power-on clock dated from local_timestamp: 2012-02-13 07:16 local, in Denver (UTC-7)
    samples = pd.DataFrame({
        "timestamp_utc": pd.to_datetime(["2012-02-13T07:16:00Z", "2012-02-13T07:16:01Z"]),
        "latitude_deg": [39.74, 39.74], "longitude_deg": [-104.99, -104.99],
    })
    parsed = ParsedActivity(format="fit", sport="running", columns=sample_columns(samples),
                            start_time_utc=pd.Timestamp("2012-02-13T07:16:00Z"),
                            warnings=["device-relative times: dated from the local timestamp"])
    fixed = on_utc_clock(parsed, profile_timezone=None)
    assert fixed.start_time_utc == pd.Timestamp("2012-02-13T14:16:00Z")
    assert fixed.samples["timestamp_utc"].iloc[0] == pd.Timestamp("2012-02-13T14:16:00Z")
    offset, local_date, source = local_start(fixed, profile_timezone=None)
    assert (offset, local_date, source) == (-420, pd.Timestamp("2012-02-13"), "fit_local_timestamp")
    # an ordinary activity passes through unchanged
    assert on_utc_clock(fixed, profile_timezone=None) is fixed
