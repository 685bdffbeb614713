"""TCX kinds seen on real files from unseen devices: placeholder heart rates, laps that outlast
their trackpoints, implausible dates. Fixtures are TCX text written here."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.config import Thresholds
from pipeline.errors import UnreadableInput
from pipeline.ingest.parse.plausible import ImplausibleDate
from pipeline.ingest.parse.tcx import read_tcx
from pipeline.ingest.parse.values import activity_values

START = pd.Timestamp("2025-09-14 06:00:00", tz="UTC")
M_PER_DEG_LAT = 111_195.0


def _iso(ts: pd.Timestamp) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def activity_xml(start: pd.Timestamp = START, *, n: int = 600, hr=150, speed_mps: float = 3.0,
                 lap_time_s: float | None = None, lap_avg_hr=150, lap_max_hr=160,
                 sport: str = "Running") -> str:
    """One <Activity> with one lap over ``n`` one-second trackpoints heading north; the lap's
    TotalTimeSeconds is ``lap_time_s`` (default: the trackpoints' span)."""
    lap_time_s = n - 1 if lap_time_s is None else lap_time_s
    points = []
    for i in range(n):
        beat = hr(i) if callable(hr) else hr
        hr_xml = "" if beat is None else f"<HeartRateBpm><Value>{beat}</Value></HeartRateBpm>"
        points.append(
            f"<Trackpoint><Time>{_iso(start + pd.Timedelta(seconds=i))}</Time>"
            f"<Position><LatitudeDegrees>{45 + i * speed_mps / M_PER_DEG_LAT:.7f}"
            f"</LatitudeDegrees><LongitudeDegrees>7.0</LongitudeDegrees></Position>"
            f"<DistanceMeters>{i * speed_mps:.1f}</DistanceMeters>{hr_xml}</Trackpoint>")
    lap_hr = ""
    if lap_avg_hr is not None:
        lap_hr += f"<AverageHeartRateBpm><Value>{lap_avg_hr}</Value></AverageHeartRateBpm>"
    if lap_max_hr is not None:
        lap_hr += f"<MaximumHeartRateBpm><Value>{lap_max_hr}</Value></MaximumHeartRateBpm>"
    return (f'<Activity Sport="{sport}"><Id>{_iso(start)}</Id>'
            f'<Lap StartTime="{_iso(start)}"><TotalTimeSeconds>{lap_time_s}</TotalTimeSeconds>'
            f"<DistanceMeters>{(n - 1) * speed_mps:.1f}</DistanceMeters>{lap_hr}"
            f"<Track>{''.join(points)}</Track></Lap></Activity>")


def tcx(*activities: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><TrainingCenterDatabase xmlns='
            '"http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"><Activities>'
            f"{''.join(activities)}</Activities></TrainingCenterDatabase>").encode()


def values_of(data: bytes) -> dict:
    [a] = read_tcx(data, source="x.tcx")
    return activity_values(a, thresholds=Thresholds()) | {"warnings": a.warnings}


@pytest.mark.parametrize("placeholder", [255, 0])
def test_a_heart_rate_of_255_or_0_on_every_point_is_no_sensor_and_stored_null(placeholder):
    v = values_of(tcx(activity_xml(hr=placeholder, lap_avg_hr=placeholder,
                                   lap_max_hr=placeholder)))
    assert v["avg_hr_bpm"] is None and v["max_hr_bpm"] is None
    assert v["distance_m"] == pytest.approx(599 * 3.0, rel=0.01)  # the rest is kept


def test_a_glitch_above_250_bpm_is_not_the_maximum():
    # a real strap, with three readings of 251-255 and a lap maximum written from them
    v = values_of(tcx(activity_xml(hr=lambda i: 253 if i in (100, 101, 102) else 140 + i % 20,
                                   lap_avg_hr=150, lap_max_hr=253)))
    assert v["max_hr_bpm"] == 159  # the samples' own maximum
    assert v["avg_hr_bpm"] == 150  # the lap's average is a real value
    assert 25 <= v["avg_hr_bpm"] <= v["max_hr_bpm"] <= 250


def test_trackpoints_stopping_before_the_lap_ends_keep_moving_within_elapsed():
    # the lap's timer ran 15 min; trackpoints stop after 10 min
    v = values_of(tcx(activity_xml(n=600, lap_time_s=900)))
    assert v["elapsed_time_s"] == pytest.approx(900.0)
    assert v["timer_time_s"] == pytest.approx(900.0)
    assert v["moving_time_s"] <= v["elapsed_time_s"]


def test_a_lap_time_beyond_a_wrong_lap_date_does_not_stretch_elapsed():
    late_start = activity_xml(n=600).replace(
        f'StartTime="{_iso(START)}"', f'StartTime="{_iso(START + pd.Timedelta(days=400))}"')
    v = values_of(tcx(late_start))
    assert v["elapsed_time_s"] == pytest.approx(599.0)
    assert v["moving_time_s"] <= v["elapsed_time_s"]


@pytest.mark.parametrize("year, said", [(1970, "before 1990"), (1989, "before 1990"),
                                        (2030, "after tomorrow"), (2100, "after tomorrow"),
                                        (3026, "after tomorrow")])
def test_a_tcx_dated_before_1990_or_after_tomorrow_is_unreadable_with_that_reason(year, said):
    start = pd.Timestamp(f"{year}-01-01 00:00:00", tz="UTC")
    with pytest.raises(ImplausibleDate, match=said) as caught:
        read_tcx(tcx(activity_xml(start)), source="x.tcx")
    assert isinstance(caught.value, UnreadableInput) and str(year) in caught.value.reason


def test_a_tcx_summary_dated_1970_is_unreadable_too():
    summary = ('<Activity Sport="Running"><Id>1970-01-01T00:00:00Z</Id>'
               '<Lap StartTime="1970-01-01T00:00:00Z"><TotalTimeSeconds>1800</TotalTimeSeconds>'
               "<DistanceMeters>5000</DistanceMeters></Lap></Activity>")
    with pytest.raises(ImplausibleDate, match="before 1990"):
        read_tcx(tcx(summary), source="x.tcx")


def test_one_wrongly_dated_activity_beside_a_real_one_is_skipped_with_a_warning():
    wrong = activity_xml(pd.Timestamp("2100-01-01", tz="UTC"))
    [kept] = read_tcx(tcx(activity_xml(), wrong), source="x.tcx")
    assert kept.start_time_utc == START
    assert any("skipped" in w and "2100" in w for w in kept.warnings)


def test_a_zwift_tcx_is_virtual_and_a_garmin_one_is_not():
    def with_creator(name: str) -> bytes:
        body = activity_xml(sport="Biking").replace(
            "</Lap></Activity>", f"</Lap><Creator><Name>{name}</Name></Creator></Activity>")
        return tcx(body)

    [zwift] = read_tcx(with_creator("Zwift"), source="x.tcx")
    [garmin] = read_tcx(with_creator("Forerunner 965"), source="x.tcx")
    assert zwift.virtual and not garmin.virtual


def test_a_placeholder_cadence_of_255_is_no_cadence():
    # a ride whose trackpoints and lap write <Cadence>255</Cadence>: no sensor, not 255 rpm
    body = activity_xml(sport="Biking").replace(
        "</DistanceMeters><HeartRateBpm>", "</DistanceMeters><Cadence>255</Cadence><HeartRateBpm>")
    body = body.replace("<Track>", "<Cadence>255</Cadence><Track>", 1)
    v = values_of(tcx(body))
    assert v["avg_cadence_rpm"] is None
    normal = values_of(tcx(activity_xml(sport="Biking").replace(
        "</DistanceMeters><HeartRateBpm>", "</DistanceMeters><Cadence>88</Cadence><HeartRateBpm>")))
    assert normal["avg_cadence_rpm"] == pytest.approx(88)
