"""TCX reader: generated fixtures (demo writer, Garmin and Strava styles) and the real corpus."""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd
import pytest

from pipeline.demo.tcx_file import TCD_NS, tcx_activity_bytes
from pipeline.errors import NotAnActivity, UnreadableInput, UnsafeInput
from pipeline.ingest.parse.tcx import read_tcx
from pipeline.schemas import Samples
from tests.factories import steady_samples

START = pd.Timestamp("2024-05-01 06:10:00", tz="UTC")


def run_samples(n: int = 900, *, speed: float = 3.0, spm: float = 170.0) -> pd.DataFrame:
    """A 1 Hz run due north at ``speed`` m/s with HR rising 130 -> 160 and cadence ``spm``."""
    return steady_samples(START, n=n, speed_mps=speed, lat=-8.05, lon=-34.9,
                          altitude_m=lambda t: 20 + t / 100,
                          heart_rate_bpm=lambda t: np.round(130 + 30 * t / n), cadence_spm=spm)


def read_all(data: bytes, source: str = "fixture.tcx"):
    activities = read_tcx(data, source=source)
    for a in activities:
        Samples.validate(a.samples)
    return activities


def test_round_trip_gives_samples_and_lap_totals():
    s = run_samples()
    data = tcx_activity_bytes(s, device="Forerunner 245")
    assert data.count(b"<Lap ") == 3  # 2,697 m in 1 km laps
    [a] = read_all(data)
    out = a.samples
    assert a.format == "tcx" and a.sport == "running" and a.device == "Forerunner 245"
    assert a.start_time_utc == START and a.summary_only is False
    assert len(out) == len(s)
    np.testing.assert_allclose(out["distance_m"], s["distance_m"], atol=0.01)
    np.testing.assert_allclose(out["speed_mps"], 3.0)
    np.testing.assert_allclose(out["heart_rate_bpm"], s["heart_rate_bpm"])
    np.testing.assert_allclose(out["latitude_deg"], s["latitude_deg"], atol=1e-7)
    assert (out["cadence_spm"] == 170).all()  # RunCadence 85 strides/min
    sess = a.session
    assert sess["distance_m"] == pytest.approx(s["distance_m"].iloc[-1], abs=0.05)
    assert sess["timer_time_s"] == pytest.approx(len(s) - 1, abs=0.5)
    assert sess["elapsed_time_s"] == pytest.approx(len(s) - 1)
    assert sess["max_hr_bpm"] == s["heart_rate_bpm"].max()
    # the laps' averages weighted by lap time equal the run's average within rounding
    assert sess["avg_hr_bpm"] == pytest.approx(s["heart_rate_bpm"].mean(), abs=0.6)
    assert sess["avg_cadence_spm"] == pytest.approx(170)


def test_strava_leading_whitespace_and_a_bom_are_tolerated():
    data = tcx_activity_bytes(run_samples(60), leading_whitespace=True)
    assert data.startswith(b"\n ") and b"<?xml" in data[:10]
    [a] = read_all(data)
    assert len(a.samples) == 60
    [b] = read_all(b"\xef\xbb\xbf" + data)
    assert b.start_time_utc == a.start_time_utc


def test_several_activities_each_become_one():
    first = tcx_activity_bytes(run_samples(60)).decode()
    later = run_samples(120).assign(timestamp_utc=lambda f: f["timestamp_utc"] + pd.Timedelta("2h"))
    second = tcx_activity_bytes(later, sport="Biking").decode()
    activity = re.compile(r"<Activity .*</Activity>", re.S)
    both = activity.sub(lambda m: m.group(0) + activity.search(second).group(0), first)
    runs = read_all(both.encode())
    assert [a.sport for a in runs] == ["running", "cycling"]
    assert [a.session_index for a in runs] == [0, 1]
    assert runs[1].start_time_utc == START + pd.Timedelta("2h")
    assert len(runs[1].samples) == 120


def test_ride_cadence_is_crank_rpm():
    s = run_samples(120, speed=8.0).drop(columns="cadence_spm").assign(cadence_rpm=88.0)
    [a] = read_all(tcx_activity_bytes(s, sport="Biking"))
    assert a.sport == "cycling"
    assert (a.samples["cadence_rpm"] == 88).all() and a.samples["cadence_spm"].isna().all()


def test_other_sport_and_positions_only():
    s = run_samples(100).drop(columns=["distance_m", "speed_mps"])
    [a] = read_all(tcx_activity_bytes(s, sport="Other", lap_m=None))
    assert a.sport == "other"
    # distance from positions when the trackpoints carry none
    assert a.samples["distance_m"].iloc[-1] == pytest.approx(99 * 3.0, rel=0.005)


def test_laps_without_trackpoints_are_a_summary_only_activity():
    data = (
        f'<TrainingCenterDatabase xmlns="{TCD_NS}">'
        '<Activities><Activity Sport="Running"><Id>2024-05-01T06:10:00Z</Id>'
        '<Lap StartTime="2024-05-01T06:10:00Z"><TotalTimeSeconds>1800</TotalTimeSeconds>'
        "<DistanceMeters>5000</DistanceMeters><Calories>300</Calories>"
        "<AverageHeartRateBpm><Value>150</Value></AverageHeartRateBpm></Lap>"
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()
    [a] = read_all(data)
    assert a.summary_only and a.samples.empty
    assert a.session["distance_m"] == 5000 and a.session["avg_hr_bpm"] == 150
    assert a.start_time_utc == START


def test_backwards_and_unreadable_times_are_dropped_with_warnings():
    text = tcx_activity_bytes(run_samples(10), lap_m=None).decode()
    text = text.replace("06:10:05.000Z", "06:09:00.000Z").replace("06:10:07.000Z", "garbage")
    [a] = read_all(text.encode())
    assert len(a.samples) == 8 and a.samples["timestamp_utc"].is_monotonic_increasing
    assert any("backwards" in w for w in a.warnings)
    assert any("unreadable time" in w for w in a.warnings)


def test_not_activities():
    one = tcx_activity_bytes(run_samples(1), lap_m=None).replace(
        b"<TotalTimeSeconds>0.0</TotalTimeSeconds>", b""
    )
    with pytest.raises(NotAnActivity, match="fewer than two timed points"):
        read_tcx(one, source="one.tcx")
    courses = b'<TrainingCenterDatabase><Courses><Course/></Courses></TrainingCenterDatabase>'
    with pytest.raises(NotAnActivity, match="courses"):
        read_tcx(courses, source="course.tcx")


def test_unreadable_inputs_say_why():
    data = tcx_activity_bytes(run_samples(30), lap_m=None)
    with pytest.raises(UnreadableInput, match=r"invalid XML at line \d+"):
        read_tcx(data.replace(b"</Track>", b"</Trak>"), source="x.tcx")
    with pytest.raises(UnreadableInput, match="root element is <gpx>"):
        read_tcx(b'<gpx version="1.1"/>', source="x.tcx")
    with pytest.raises(UnreadableInput, match="HTML page"):
        read_tcx(b"\n<html><head><title>Strava</title></head></html>", source="x.tcx")


def test_external_entity_and_entity_bomb_are_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xxe = (
        f'<?xml version="1.0"?>\n<!DOCTYPE t [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<TrainingCenterDatabase><Activities><Activity Sport="Running"><Id>&x;</Id>'
        "</Activity></Activities></TrainingCenterDatabase>"
    ).encode()
    with pytest.raises(UnsafeInput, match="refused for safety") as err:
        read_tcx(xxe, source="xxe.tcx")
    assert "TOP-SECRET" not in str(err.value)
    levels = "".join(
        f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">' for i in range(1, 10)
    )
    bomb = (f'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY e0 "laugh">{levels}]>'
            "<TrainingCenterDatabase><Author>&e9;</Author></TrainingCenterDatabase>").encode()
    started = time.perf_counter()
    with pytest.raises(UnsafeInput):
        read_tcx(bomb, source="bomb.tcx")
    assert time.perf_counter() - started < 1.0


# --- the real corpus --------------------------------------------------------------------------


def test_corpus_tcx_activities_ingest_and_agree_with_their_laps(corpus):
    files = sorted((corpus / "tcx").glob("*.tcx"))
    assert len(files) == 12
    for path in files:
        [a] = read_all(path.read_bytes(), path.name)
        out = a.samples
        assert a.sport == "running", path.name
        assert a.start_time_utc.year >= 2010, path.name
        assert out["elapsed_s"].iloc[-1] > 0, path.name
        # every file but the TomTom one (recorded without a strap) has heart rate
        assert out["heart_rate_bpm"].notna().any() == (path.name != "run.tcx"), path.name
        assert a.session["distance_m"] == pytest.approx(out["distance_m"].max(), rel=0.01)
        assert a.session["timer_time_s"] <= a.session["elapsed_time_s"] + 10, path.name
        if out["cadence_spm"].notna().any():
            moving = out["speed_mps"] > 2
            assert 140 < out.loc[moving, "cadence_spm"].median() < 200, path.name


def test_corpus_garmin_tcx_device_and_lap_cadence(corpus):
    [a] = read_all((corpus / "tcx" / "run_garmin.tcx").read_bytes())
    assert a.device == "Garmin Forerunner 620"
    assert a.session["max_hr_bpm"] == 153
    assert 160 < a.session["avg_cadence_spm"] < 185  # AvgRunCadence 84-ish strides/min, doubled


def test_corpus_malformed_tcx_is_unreadable_with_the_line(corpus):
    with pytest.raises(UnreadableInput, match=r"invalid XML at line 4653: unbound prefix"):
        read_tcx((corpus / "broken" / "malformed.tcx").read_bytes(), source="malformed.tcx")


def test_an_activity_without_a_sport_is_judged_by_its_median_speed():
    ride = run_samples(300, speed=8.0)  # 29 km/h
    data = tcx_activity_bytes(ride, sport="Running", lap_m=None).replace(b' Sport="Running"', b"")
    [a] = read_all(data)
    assert a.sport == "cycling"
    assert any("median moving speed 8.0 m/s" in w and "assumed cycling" in w for w in a.warnings)
    run = tcx_activity_bytes(run_samples(300), sport="Running", lap_m=None)
    [r] = read_all(run.replace(b' Sport="Running"', b""))
    assert r.sport == "running" and any("assumed running" in w for w in r.warnings)
