"""FIT kinds seen on real files from unseen devices, written message by message here (the demo's
``FitEncoder``: any field may be left out or set to what a damaged device writes).

Each case is read by both decoders: the fast one (``read_fit``) and fitparse (``decoded_fit``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.demo.fit_encode import FitEncoder, fit_time, semicircles
from pipeline.errors import UnreadableInput
from pipeline.ingest.parse.fit import activities_from_messages, read_fit
from pipeline.ingest.parse.fit_recover import decoded_fit
from pipeline.ingest.parse.localtime import local_start
from pipeline.ingest.parse.plausible import ImplausibleDate
from pipeline.ingest.parse.values import activity_values
from pipeline.schemas import Samples

START = pd.Timestamp("2025-06-10 16:37:00", tz="UTC")
NAN = np.nan
SPORTS = {"running": (1, 0), "cycling": (2, 0), "rowing": (15, 0), "virtual_ride": (2, 58)}
ZWIFT, GARMIN = 260, 1


def unix(ts: pd.Timestamp) -> float:
    return (ts - pd.Timestamp(0, tz="UTC")).total_seconds()


def fit_file(*, n: int = 600, start: pd.Timestamp = START, record_times=None, sport="running",
             session_start=True, session_end=True, elapsed_s=None, timer_s=None,
             hr=150.0, lat=39.74, lon=-104.99, manufacturer=GARMIN, local_offset_min=None,
             correlation=None, altitude=None) -> bytes:
    """A one-session FIT activity of ``n`` 1 Hz records at 3 m/s heading north.

    ``record_times``: the records' FIT timestamps (default: one a second from ``start``);
    ``session_start``/``session_end`` False leave the session's start_time / timestamp invalid;
    ``elapsed_s``/``timer_s`` override the session's totals; ``correlation``: (UTC FIT time,
    device clock, local FIT time) for a timestamp_correlation message.
    """
    t0 = float(np.floor(fit_time(unix(start))))
    ts = t0 + np.arange(n) if record_times is None else np.asarray(record_times, float)
    distance = np.arange(n) * 3.0
    alt = np.full(n, 1600.0) if altitude is None else np.asarray(altitude, float)
    fsport, fsub = SPORTS[sport]
    span = float(n - 1)
    enc = FitEncoder()
    enc.messages(0, 0, [(0, "enum", 4), (1, "uint16", manufacturer), (2, "uint16", 1),
                        (3, "uint32z", 12345), (4, "uint32", ts[0])])
    if correlation is not None:
        utc, system, local = correlation
        enc.messages(6, 162, [(253, "uint32", utc), (1, "uint32", system),
                              (3, "uint32", local)])
    enc.messages(2, 20, [
        (253, "uint32", ts),
        (0, "sint32", semicircles(lat + distance / 111_320.0)),
        (1, "sint32", semicircles(np.full(n, lon))),
        (5, "uint32", distance * 100),
        (73, "uint32", np.full(n, 3000.0)),
        (78, "uint32", (alt + 500) * 5),
        (3, "uint8", np.full(n, hr)),
        (4, "uint8", np.full(n, 85.0 if fsport == 1 else 90.0)),
    ])
    elapsed = span if elapsed_s is None else elapsed_s
    timer = span if timer_s is None else timer_s
    enc.messages(4, 18, [
        (253, "uint32", ts[0] + elapsed if session_end else NAN),
        (2, "uint32", ts[0] if session_start else NAN),
        (7, "uint32", elapsed * 1000), (8, "uint32", timer * 1000),
        (9, "uint32", distance[-1] * 100), (5, "enum", fsport), (6, "enum", fsub),
        (16, "uint8", hr), (17, "uint8", hr), (254, "uint16", 0),
    ])
    end = ts[0] + elapsed if session_end else NAN
    local = end + local_offset_min * 60 if local_offset_min is not None else NAN
    enc.messages(5, 34, [(253, "uint32", end), (0, "uint32", timer * 1000), (1, "uint16", 1),
                         (2, "enum", 0), (3, "enum", 26), (4, "enum", 1), (5, "uint32", local)])
    return enc.bytes()


def by_fast(data: bytes):
    return read_fit(data, source="x.fit")


def by_fitparse(data: bytes):
    return activities_from_messages(decoded_fit(data, source="x.fit"), source="x.fit")


DECODERS = pytest.mark.parametrize("read", [by_fast, by_fitparse], ids=["fast", "fitparse"])


def values(activity) -> dict:
    return activity_values(activity, thresholds=Thresholds())


def only(read, data: bytes):
    activities = read(data)
    assert len(activities) == 1
    Samples.validate(activities[0].samples)
    return activities[0]


# --- timestamp_correlation ------------------------------------------------------------------


@DECODERS
def test_device_clock_times_are_dated_from_the_timestamp_correlation(read):
    # every time counts from power-on (device clock 5,000 s at the start); the correlation
    # pairs device clock 4,000 s with a UTC time and a local time 2 h ahead (CEST)
    utc_at_4000 = float(np.floor(fit_time(unix(START)))) - 1000
    device = 5000 + np.arange(600.0)
    data = fit_file(record_times=device, correlation=(utc_at_4000, 4000, utc_at_4000 + 7200))
    a = only(read, data)
    assert a.start_time_utc == START.floor("s")
    assert a.samples["timestamp_utc"].iloc[-1] == START.floor("s") + pd.Timedelta(seconds=599)
    assert a.utc_offset_min == 120
    assert values(a)["elapsed_time_s"] == pytest.approx(599)


def test_without_the_correlation_the_same_file_is_still_undatable():
    with pytest.raises(UnreadableInput, match="date cannot be known"):
        read_fit(fit_file(record_times=5000 + np.arange(600.0)), source="x.fit")


# --- a session without a start time ---------------------------------------------------------


@DECODERS
@pytest.mark.parametrize("sport, expected", [("cycling", "cycling"), ("running", "running")])
def test_a_session_without_start_or_end_keeps_its_sport_and_is_dated_by_its_records(
        read, sport, expected):
    a = only(read, fit_file(sport=sport, session_start=False, session_end=False))
    assert a.sport == expected
    assert a.start_time_utc == START.floor("s")
    assert a.session["distance_m"] == pytest.approx(599 * 3.0)


@DECODERS
def test_a_session_without_start_but_with_an_end_keeps_its_sport(read):
    a = only(read, fit_file(sport="cycling", session_start=False))
    assert a.sport == "cycling" and a.start_time_utc == START.floor("s")


# --- virtual worlds -------------------------------------------------------------------------


@DECODERS
@pytest.mark.parametrize("sport, maker", [("virtual_ride", GARMIN), ("cycling", ZWIFT)])
def test_a_virtual_ride_is_dated_in_the_athletes_zone_not_the_game_maps(read, sport, maker):
    # Watopia lies off the Solomon Islands (UTC+11): 16:37 UTC there is 03:37 the next day
    a = only(read, fit_file(sport=sport, manufacturer=maker, lat=-11.64, lon=166.95))
    assert a.virtual and a.sport == "cycling"
    offset, day, source = local_start(a, profile_timezone="America/Denver")
    assert source == "profile_timezone" and offset == -360
    assert day == pd.Timestamp("2025-06-10")


@DECODERS
def test_a_virtual_ride_with_a_local_timestamp_uses_the_devices_offset(read):
    data = fit_file(sport="virtual_ride", lat=-11.64, lon=166.95, local_offset_min=120)
    offset, day, source = local_start(only(read, data), profile_timezone="America/Denver")
    assert (offset, source) == (120, "fit_local_timestamp") and day == pd.Timestamp("2025-06-10")


def test_a_real_ride_in_the_solomon_islands_still_uses_its_gps_zone():
    a = only(by_fast, fit_file(sport="cycling", lat=-9.43, lon=159.95))
    assert not a.virtual
    offset, day, source = local_start(a, profile_timezone="America/Denver")
    assert (offset, source) == (660, "gps_timezone") and day == pd.Timestamp("2025-06-11")


# --- time outliers --------------------------------------------------------------------------


@DECODERS
@pytest.mark.parametrize("where", [0.5, 1.0])
def test_a_record_stamped_27_days_late_is_dropped_and_elapsed_comes_from_the_records(
        read, where):
    t0 = float(np.floor(fit_time(unix(START))))
    times = t0 + np.arange(600.0)
    i = int(where * 599)
    times[i] += 27 * 86_400  # and the device summed the session up to it
    a = only(read, fit_file(record_times=times, elapsed_s=27.9 * 86_400, timer_s=599))
    assert len(a.samples) == 599
    assert a.samples["timestamp_utc"].iloc[-1] - a.samples["timestamp_utc"].iloc[0] \
        <= pd.Timedelta(seconds=599)
    v = values(a)
    assert v["elapsed_time_s"] <= 599 and v["moving_time_s"] <= v["elapsed_time_s"]
    assert any("implausible dates" in w for w in a.warnings)


def test_a_multi_day_recording_keeps_its_second_day():
    t0 = float(np.floor(fit_time(unix(START))))
    times = np.concatenate([t0 + np.arange(300.0), t0 + 2 * 86_400 + np.arange(300.0)])
    a = only(by_fast, fit_file(n=600, record_times=times, elapsed_s=2 * 86_400 + 299,
                               timer_s=599))
    assert len(a.samples) == 600
    assert values(a)["elapsed_time_s"] == pytest.approx(2 * 86_400 + 299)


# --- impossible pairs -----------------------------------------------------------------------


@DECODERS
def test_inverted_device_totals_never_store_moving_above_elapsed(read):
    # a rowing file: total_elapsed_time 500 s, total_timer_time 599 s
    a = only(read, fit_file(sport="rowing", elapsed_s=500, timer_s=599))
    v = values(a)
    assert v["moving_time_s"] <= v["elapsed_time_s"]
    assert v["timer_time_s"] <= v["elapsed_time_s"]
    assert v["elapsed_time_s"] == pytest.approx(599)  # the records span the longer time
    assert any("shorter than its moving time" in w for w in a.warnings)


def test_inverted_totals_without_records_to_settle_them_are_clamped_with_a_warning():
    a = only(by_fast, fit_file(n=100, elapsed_s=500, timer_s=3000))
    v = values(a)
    assert v["elapsed_time_s"] == pytest.approx(500)
    assert v["moving_time_s"] <= 500 and v["timer_time_s"] <= 500
    assert any("clamped" in w for w in a.warnings)


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize("year", [2030, 2100])
def test_a_fit_dated_after_tomorrow_is_unreadable_with_that_reason(year):
    with pytest.raises(ImplausibleDate, match="after tomorrow"):
        read_fit(fit_file(start=pd.Timestamp(f"{year}-06-01 07:00", tz="UTC")), source="x.fit")


def test_a_records_only_fit_dated_after_tomorrow_says_so_too():
    data = fit_file(start=pd.Timestamp("2100-06-01 07:00", tz="UTC"))
    decoded = decoded_fit(data, source="x.fit")
    decoded.messages["session"] = []
    decoded.messages["activity"] = []
    with pytest.raises(ImplausibleDate, match="2100-06-01, after tomorrow"):
        activities_from_messages(decoded, source="x.fit")


# --- heart rate -----------------------------------------------------------------------------


def test_fit_heart_rates_outside_25_to_250_are_glitches():
    a = only(by_fast, fit_file(hr=20.0))  # 20 bpm on every record, and in the session
    v = values(a)
    assert v["avg_hr_bpm"] is None and v["max_hr_bpm"] is None
