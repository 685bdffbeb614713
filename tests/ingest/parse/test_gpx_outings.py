"""GPX files holding several outings (tracks recorded on different days), written with gpxpy."""

from __future__ import annotations

import datetime as dt

import gpxpy.gpx
import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.errors import NotAnActivity, UnreadableInput
from pipeline.ingest.parse.gpx import read_gpx
from pipeline.ingest.parse.plausible import ImplausibleDate
from pipeline.schemas import Samples

M_PER_DEG_LAT = 111_195.0
DAY0 = dt.datetime(2025, 4, 1, 7, 0, tzinfo=dt.UTC)


def track(start: dt.datetime, *, n: int = 600, speed_mps: float = 3.0, lat0: float = 46.0,
          type_: str | None = "running", segments: int = 1) -> gpxpy.gpx.GPXTrack:
    """``n`` one-second points heading north at ``speed_mps``, split into ``segments`` with a
    one-minute pause between them."""
    t = gpxpy.gpx.GPXTrack()
    t.type = type_
    per = n // segments
    lat = lat0
    when = start
    for _ in range(segments):
        seg = gpxpy.gpx.GPXTrackSegment()
        for _ in range(per):
            seg.points.append(gpxpy.gpx.GPXTrackPoint(lat, 14.5, elevation=300.0, time=when))
            lat += speed_mps / M_PER_DEG_LAT
            when += dt.timedelta(seconds=1)
        t.segments.append(seg)
        when += dt.timedelta(minutes=1)
    return t


def gpx_bytes(*tracks: gpxpy.gpx.GPXTrack, creator: str = "test") -> bytes:
    g = gpxpy.gpx.GPX()
    g.creator = creator
    g.tracks.extend(tracks)
    return g.to_xml().encode()


def test_three_tracks_on_three_days_are_three_activities_with_every_point():
    days = [DAY0 + dt.timedelta(days=d) for d in (0, 1, 3)]
    data = gpx_bytes(*(track(d, n=600 + 100 * i, type_=t)
                       for i, (d, t) in enumerate(zip(days, ["running", "cycling", "walking"]))))
    activities = read_gpx(data, source="three.gpx")
    assert [a.start_time_utc for a in activities] == [
        pd.Timestamp(d) for d in days]
    assert [len(a.samples) for a in activities] == [600, 700, 800]  # no point dropped
    assert [a.sport for a in activities] == ["running", "cycling", "walking"]  # each its own type
    assert [a.session_index for a in activities] == [0, 1, 2]
    for a, n in zip(activities, (600, 700, 800)):
        Samples.validate(a.samples)
        assert a.samples["elapsed_s"].iloc[-1] == n - 1  # minutes, not days
        assert a.samples["distance_m"].iloc[-1] == pytest.approx((n - 1) * 3.0, rel=0.01)
        assert not any("dropped" in w for w in a.warnings)
        assert any("3 outings" in w for w in a.warnings)


def test_tracks_listed_out_of_order_are_numbered_in_time_order():
    late, early = track(DAY0 + dt.timedelta(days=2)), track(DAY0)
    activities = read_gpx(gpx_bytes(late, early), source="x.gpx")
    assert activities[0].start_time_utc < activities[1].start_time_utc


@pytest.mark.parametrize("gap_h, expected", [(0.5, 1), (2.5, 1), (3.5, 2), (30, 2)])
def test_tracks_split_at_a_pause_stay_one_outing_and_hours_apart_are_two(gap_h, expected):
    first = track(DAY0, n=600)
    second = track(DAY0 + dt.timedelta(seconds=600) + dt.timedelta(hours=gap_h), n=600,
                   lat0=46.02)
    activities = read_gpx(gpx_bytes(first, second), source="x.gpx")
    assert len(activities) == expected
    assert sum(len(a.samples) for a in activities) == 1200


def test_segments_of_one_track_split_only_hours_apart():
    one = track(DAY0, n=900, segments=3)  # three segments a minute apart: one run
    assert len(read_gpx(gpx_bytes(one), source="x.gpx")) == 1
    two = track(DAY0, n=600)
    later = track(DAY0 + dt.timedelta(hours=9), n=600)
    two.segments.extend(later.segments)  # the evening run as a second segment of the same track
    activities = read_gpx(gpx_bytes(two), source="x.gpx")
    assert [len(a.samples) for a in activities] == [600, 600]


def test_one_segment_holding_days_of_recording_apart_is_one_activity_per_day():
    # inside one segment a gap must reach a day (far_sample_gap_s) to cut it: shorter gaps are
    # an app left running (warned about), as the corpus' history/720bf570 file shows
    days = [track(DAY0 + dt.timedelta(days=d), n=600) for d in (0, 2, 5)]
    one = days[0]
    for other in days[1:]:
        one.segments[0].points.extend(other.segments[0].points)
    activities = read_gpx(gpx_bytes(one), source="x.gpx")
    assert [len(a.samples) for a in activities] == [600, 600, 600]
    assert [a.start_time_utc.day for a in activities] == [1, 3, 6]


def test_a_few_points_a_day_away_inside_a_segment_are_wrong_dates_not_an_outing():
    run = track(DAY0, n=600)
    points = run.segments[0].points
    for p in points[300:303]:  # three points with a changed day digit
        p.time += dt.timedelta(days=10)
    [a] = read_gpx(gpx_bytes(run), source="x.gpx")
    assert len(a.samples) == 597
    assert any("dated more than 24 h away" in w for w in a.warnings)


def test_the_gap_is_the_thresholds_own():
    first, second = track(DAY0), track(DAY0 + dt.timedelta(hours=2))
    data = gpx_bytes(first, second)
    assert len(read_gpx(data, source="x.gpx")) == 1
    assert len(read_gpx(data, source="x.gpx", thresholds=Thresholds(outing_gap_s=1800))) == 2


def test_a_lone_point_hours_away_is_skipped_with_a_warning_not_an_activity():
    stray = track(DAY0 + dt.timedelta(days=1), n=1)
    activities = read_gpx(gpx_bytes(track(DAY0), stray), source="x.gpx")
    assert len(activities) == 1 and len(activities[0].samples) == 600
    assert any("an outing of 1 point(s) skipped" in w for w in activities[0].warnings)


def test_one_outing_of_only_single_points_is_still_not_an_activity():
    lone = gpx_bytes(track(DAY0, n=1), track(DAY0 + dt.timedelta(days=1), n=1))
    with pytest.raises(NotAnActivity):
        read_gpx(lone, source="x.gpx")


def test_an_outing_dated_in_the_future_beside_a_real_one_is_skipped():
    future = track(dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    activities = read_gpx(gpx_bytes(track(DAY0), future), source="x.gpx")
    assert len(activities) == 1 and activities[0].start_time_utc.year == 2025
    assert any("2100" in w and "after tomorrow" in w for w in activities[0].warnings)


@pytest.mark.parametrize("year, said", [(1970, "before 1990"), (1985, "before 1990"), (2030, "after tomorrow"),
                                        (2100, "after tomorrow"), (2300, "after tomorrow"),
                                        (9999, "after tomorrow")])
def test_a_gpx_dated_before_1990_or_after_tomorrow_is_unreadable_with_that_reason(year, said):
    data = gpx_bytes(track(dt.datetime(year, 6, 1, 7, 0, tzinfo=dt.UTC)))
    with pytest.raises(ImplausibleDate, match=said) as caught:
        read_gpx(data, source="x.gpx")
    assert isinstance(caught.value, UnreadableInput)  # quarantined by the import
    assert str(year) in caught.value.reason


def test_points_sharing_one_placeholder_time_before_gps_are_a_course_not_a_wrong_clock():
    course = track(dt.datetime(1901, 12, 13, 20, 45, 52, tzinfo=dt.UTC), n=50)
    for p in course.segments[0].points:
        p.time = dt.datetime(1901, 12, 13, 20, 45, 52, tzinfo=dt.UTC)
    with pytest.raises(NotAnActivity, match="placeholder times"):
        read_gpx(gpx_bytes(course), source="x.gpx")


@pytest.mark.parametrize("type_, creator, virtual", [
    ("VirtualRide", "StravaGPX", True), ("cycling", "Zwift", True),
    ("cycling", "Garmin Connect", False)])
def test_a_virtual_ride_is_dated_in_the_athletes_zone_not_the_game_maps(type_, creator, virtual):
    from pipeline.ingest.parse.localtime import local_start

    # 16:37 UTC on Watopia's map (off the Solomon Islands, UTC+11) would be 03:37 the next day
    ride = track(dt.datetime(2025, 6, 10, 16, 37, tzinfo=dt.UTC), lat0=-11.64,
                 speed_mps=9.0, type_=type_)
    for seg in ride.segments:
        for p in seg.points:
            p.longitude = 166.95
    [a] = read_gpx(gpx_bytes(ride, creator=creator), source="ride.gpx")
    assert a.virtual is virtual and a.sport == "cycling"
    offset, day, source = local_start(a, profile_timezone="Europe/London")
    if virtual:
        assert (offset, source, day) == (60, "profile_timezone", pd.Timestamp("2025-06-10"))
    else:
        assert (offset, source, day) == (660, "gps_timezone", pd.Timestamp("2025-06-11"))
